//! Canonical bytes: the one encoding used for hashing and storing entries.
//!
//! Integers are big-endian and fixed width; byte strings and UTF-8 strings carry a 4-byte
//! big-endian length; lists carry a 4-byte count. There is exactly one encoding of each
//! value, so equal values hash equally. Decoders check every length against an explicit
//! limit and reject trailing bytes.

use crate::error::LedgerError;

/// Appends canonical fields to a buffer.
#[derive(Debug, Default)]
pub struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// One byte.
    pub fn u8(&mut self, value: u8) -> &mut Self {
        self.bytes.push(value);
        self
    }

    /// A big-endian u32.
    pub fn u32(&mut self, value: u32) -> &mut Self {
        self.bytes.extend_from_slice(&value.to_be_bytes());
        self
    }

    /// A big-endian u64.
    pub fn u64(&mut self, value: u64) -> &mut Self {
        self.bytes.extend_from_slice(&value.to_be_bytes());
        self
    }

    /// Fixed-width bytes (no length).
    pub fn fixed(&mut self, value: &[u8]) -> &mut Self {
        self.bytes.extend_from_slice(value);
        self
    }

    /// Length-prefixed bytes.
    ///
    /// Lengths above `u32::MAX` cannot occur: every caller checks its own smaller limit.
    pub fn bytes(&mut self, value: &[u8]) -> &mut Self {
        self.u32(u32::try_from(value.len()).unwrap_or(u32::MAX));
        self.bytes.extend_from_slice(value);
        self
    }

    /// Length-prefixed UTF-8.
    pub fn str(&mut self, value: &str) -> &mut Self {
        self.bytes(value.as_bytes())
    }

    /// A list count.
    pub fn count(&mut self, n: usize) -> &mut Self {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// The bytes written.
    pub fn finish(self) -> Vec<u8> {
        self.bytes
    }
}

/// Reads canonical fields, with the thing being decoded named in every error.
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// Reads `bytes`, naming them `what` in errors.
    pub fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Reader { bytes, what }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], LedgerError> {
        if self.bytes.len() < n {
            return Err(LedgerError::malformed(
                self.what,
                format!(
                    "truncated: needed {n} more bytes, {} left",
                    self.bytes.len()
                ),
            ));
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8, LedgerError> {
        Ok(self.take(1)?[0])
    }

    /// A big-endian u32.
    pub fn u32(&mut self) -> Result<u32, LedgerError> {
        let mut array = [0u8; 4];
        array.copy_from_slice(self.take(4)?);
        Ok(u32::from_be_bytes(array))
    }

    /// A big-endian u64.
    pub fn u64(&mut self) -> Result<u64, LedgerError> {
        let mut array = [0u8; 8];
        array.copy_from_slice(self.take(8)?);
        Ok(u64::from_be_bytes(array))
    }

    /// `N` fixed bytes.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], LedgerError> {
        let mut array = [0u8; N];
        array.copy_from_slice(self.take(N)?);
        Ok(array)
    }

    /// Length-prefixed bytes of at most `limit` bytes.
    pub fn bytes(&mut self, limit: usize) -> Result<&'a [u8], LedgerError> {
        let len = self.u32()? as usize;
        if len > limit {
            return Err(LedgerError::malformed(
                self.what,
                format!("a field of {len} bytes exceeds its limit of {limit}"),
            ));
        }
        self.take(len)
    }

    /// Length-prefixed UTF-8 of at most `limit` bytes.
    pub fn str(&mut self, limit: usize) -> Result<&'a str, LedgerError> {
        let what = self.what;
        std::str::from_utf8(self.bytes(limit)?)
            .map_err(|_| LedgerError::malformed(what, "a text field is not UTF-8"))
    }

    /// A list count of at most `limit`.
    pub fn count(&mut self, limit: usize) -> Result<usize, LedgerError> {
        let n = self.u32()? as usize;
        if n > limit {
            return Err(LedgerError::malformed(
                self.what,
                format!("a list of {n} items exceeds its limit of {limit}"),
            ));
        }
        Ok(n)
    }

    /// Succeeds only when every byte was consumed.
    pub fn finish(self) -> Result<(), LedgerError> {
        if !self.bytes.is_empty() {
            return Err(LedgerError::malformed(
                self.what,
                format!("{} trailing bytes", self.bytes.len()),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejections() {
        let mut w = Writer::new();
        w.u8(7).u64(42).str("héllo").count(2);
        let bytes = w.finish();
        let mut r = Reader::new(&bytes, "test");
        assert_eq!(r.u8().unwrap(), 7);
        assert_eq!(r.u64().unwrap(), 42);
        assert_eq!(r.str(16).unwrap(), "héllo");
        assert_eq!(r.count(2).unwrap(), 2);
        r.finish().unwrap();

        let mut trailing = bytes.clone();
        trailing.push(0);
        let mut r = Reader::new(&trailing, "test");
        r.u8().unwrap();
        r.u64().unwrap();
        r.str(16).unwrap();
        r.count(2).unwrap();
        assert!(r.finish().is_err());

        let mut r = Reader::new(&bytes[..10], "test");
        r.u8().unwrap();
        r.u64().unwrap();
        assert!(r.str(16).is_err());

        let mut r = Reader::new(&bytes, "test");
        r.u8().unwrap();
        r.u64().unwrap();
        assert!(r.str(3).is_err(), "limit enforced");
    }
}
