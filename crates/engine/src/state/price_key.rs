//! A price as an order-book key: ordered exactly as the `Decimal` it holds, but compared as
//! one 128-bit integer when both prices carry the same number of decimals, as an exchange's
//! prices for one instrument do. A book update compares keys a dozen times a level, and
//! `Decimal`'s general comparison (rescaling, signs) was the largest cost of a book delta. It
//! must NOT change what orders equal: 1.0 and 1.00 are the same key.

use std::cmp::Ordering;

use rust_decimal::Decimal;

/// A book price.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Px {
    mantissa: i128,
    scale: u32,
}

impl Px {
    pub(crate) fn new(d: Decimal) -> Self {
        Px { mantissa: d.mantissa(), scale: d.scale() }
    }

    pub(crate) fn get(self) -> Decimal {
        Decimal::from_i128_with_scale(self.mantissa, self.scale)
    }
}

impl Ord for Px {
    fn cmp(&self, o: &Self) -> Ordering {
        if self.scale == o.scale {
            self.mantissa.cmp(&o.mantissa)
        } else {
            self.get().cmp(&o.get())
        }
    }
}

impl PartialOrd for Px {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl PartialEq for Px {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}

impl Eq for Px {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_as_the_decimal_whatever_the_scales() {
        let d = |s: &str| Px::new(s.parse().unwrap());
        let mut v = [d("100.5"), d("-3"), d("100.50"), d("99.99"), d("0.001"), d("1E2"), d("-3.10")];
        v.sort();
        let got: Vec<String> = v.iter().map(|p| p.get().normalize().to_string()).collect();
        assert_eq!(got, ["-3.1", "-3", "0.001", "99.99", "100", "100.5", "100.5"]);
        assert_eq!(d("1.0"), d("1.00"));
        assert!(d("2.05") > d("2.049"));
    }
}
