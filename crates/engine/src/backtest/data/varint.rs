//! LEB128 varints and zigzag signed integers for the compact form, over a byte slice (reading)
//! or a `Vec` (writing). It must NOT panic on short or bad input: reads return `None`.

/// Appends `v` as a LEB128 varint.
pub(super) fn put_u64(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Appends `v` zigzag-encoded.
pub(super) fn put_i64(out: &mut Vec<u8>, v: i64) {
    put_u64(out, ((v << 1) ^ (v >> 63)) as u64);
}

/// Appends a length-prefixed byte string.
pub(super) fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_u64(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// A cursor over one record's bytes.
pub(super) struct Cursor<'a> {
    pub(super) buf: &'a [u8],
    pub(super) pos: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(buf: &'a [u8]) -> Self {
        Cursor { buf, pos: 0 }
    }

    pub(super) fn u8(&mut self) -> Option<u8> {
        let b = *self.buf.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    pub(super) fn u64(&mut self) -> Option<u64> {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = self.u8()?;
            if shift >= 64 {
                return None;
            }
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
            shift += 7;
        }
    }

    pub(super) fn i64(&mut self) -> Option<i64> {
        let z = self.u64()?;
        Some(((z >> 1) as i64) ^ -((z & 1) as i64))
    }

    /// An 8-byte little-endian signed integer.
    pub(super) fn fixed_i64(&mut self) -> Option<i64> {
        let end = self.pos.checked_add(8)?;
        let b: [u8; 8] = self.buf.get(self.pos..end)?.try_into().ok()?;
        self.pos = end;
        Some(i64::from_le_bytes(b))
    }

    /// Bytes left in the record.
    pub(super) fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// The next `n` bytes.
    pub(super) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let b = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(b)
    }

    pub(super) fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = usize::try_from(self.u64()?).ok()?;
        self.take(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_short_input_is_none() {
        let mut out = Vec::new();
        let values = [0i64, 1, -1, 63, -64, 300, i64::MAX, i64::MIN];
        values.iter().for_each(|v| put_i64(&mut out, *v));
        put_u64(&mut out, u64::MAX);
        put_bytes(&mut out, b"abc");
        let mut c = Cursor::new(&out);
        for v in values {
            assert_eq!(c.i64(), Some(v));
        }
        assert_eq!(c.u64(), Some(u64::MAX));
        assert_eq!(c.bytes(), Some(&b"abc"[..]));
        assert_eq!(c.u8(), None);
        assert_eq!(Cursor::new(&[0x80, 0x80]).u64(), None, "a varint cut short");
        assert_eq!(Cursor::new(&[5, 1]).bytes(), None, "a string longer than the record");
        assert_eq!(Cursor::new(&[0xff; 11]).u64(), None, "too long for 64 bits");
    }
}
