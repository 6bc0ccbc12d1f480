//! Identifier newtypes. Ids are text on the wire (19-digit order ids overflow JS doubles, §3.4),
//! but some captures send them as numbers, so decoding accepts both and keeps the digits exact.
//!
//! The text is an `Arc<str>`: the order and trade maps key by the id their value already holds,
//! and a clone shares the one allocation instead of copying it (issue 7's memory target).

use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        id_type!($(#[$meta])* $name, Arc::from);
    };
    ($(#[$meta:meta])* $name:ident, $text:path) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub Arc<str>);

        impl $name {
            /// The id's text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name($text(s))
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(Arc::from(s))
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                super::num::text_as::<$name, D>(d)
            }
        }
    };
}

id_type!(
    /// The exchange's order id, e.g. `"6530219466236720401"`.
    OrderId
);
id_type!(
    /// The client's own order id, at most 36 characters (§6.1).
    ClientOrderId
);
id_type!(
    /// An instrument name such as `BTC_USD` or `BTCUSD-PERP`. Decoded names are interned: every
    /// frame names one, and there are only so many instruments.
    InstrumentName,
    intern
);

/// Names kept by [`intern`] per thread, at most; past it a name is simply allocated.
const MAX_INTERNED: usize = 4096;

thread_local! {
    /// Per thread, so that decoding takes no lock; each decoding thread holds its own copies.
    static NAMES: std::cell::RefCell<std::collections::HashSet<Arc<str>>> = Default::default();
}

/// The shared text of `s`: a reference-count increment instead of an allocation (and a free)
/// for each instrument name a frame carries.
fn intern(s: &str) -> Arc<str> {
    NAMES.with(|names| {
        let mut names = names.borrow_mut();
        if let Some(found) = names.get(s) {
            return found.clone();
        }
        let new: Arc<str> = Arc::from(s);
        if names.len() < MAX_INTERNED {
            names.insert(new.clone());
        }
        new
    })
}
id_type!(
    /// A fill's unique id; fills are de-duplicated by it.
    TradeId
);

/// The longest `client_oid` the exchange accepts.
pub const MAX_CLIENT_OID_LEN: usize = 36;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_strings_and_numbers_exactly() {
        let a: OrderId = serde_json::from_str("\"6530219466236720401\"").unwrap();
        let b: OrderId = serde_json::from_str("6530219466236720401").unwrap();
        assert_eq!(a, b);
        assert_eq!(serde_json::to_string(&b).unwrap(), "\"6530219466236720401\"");
        assert!(serde_json::from_str::<OrderId>("1.5").is_err());
    }

    #[test]
    fn instrument_names_share_one_allocation_and_ids_do_not() {
        let a: InstrumentName = serde_json::from_str("\"BTC_USD\"").unwrap();
        let b = InstrumentName::from("BTC_USD");
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(a.as_str(), "BTC_USD");
        let (x, y) = (OrderId::from("1"), OrderId::from("1"));
        assert!(!Arc::ptr_eq(&x.0, &y.0));
    }

    #[test]
    fn past_the_cap_names_are_still_right() {
        let names: Vec<InstrumentName> =
            (0..MAX_INTERNED + 10).map(|i| InstrumentName::from(format!("X{i}_USD").as_str())).collect();
        assert!(names.iter().enumerate().all(|(i, n)| n.as_str() == format!("X{i}_USD")));
    }
}
