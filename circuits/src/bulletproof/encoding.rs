//! Canonical-encoding helpers shared by the commitment, opening and proof formats.
//!
//! Follows STYLE §6: decoders take an explicit size limit, reject trailing bytes, and accept
//! only canonical Ristretto points (`CompressedRistretto::decompress`, which fails on any
//! non-canonical or off-group encoding) and reduced scalars (`Scalar::from_canonical_bytes`).
//! Text fields must be lowercase hex / padded standard base64 exactly as the encoder writes
//! them, so every object has one textual form.

use base64::Engine;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;

use super::error::RangeError;

/// Version of every binary and JSON format in this module.
pub const FORMAT_VERSION: u8 = 1;

/// Object tag of a commitment in the binary formats.
pub(crate) const TAG_COMMITMENT: u8 = 1;
/// Object tag of an opening in the binary formats.
pub(crate) const TAG_OPENING: u8 = 2;
/// Object tag of a range proof in the binary formats.
pub(crate) const TAG_PROOF: u8 = 3;

/// A cursor over untrusted bytes.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// Starts reading `bytes`, refusing inputs above `limit` bytes.
    pub(crate) fn new(
        bytes: &'a [u8],
        what: &'static str,
        limit: usize,
    ) -> Result<Self, RangeError> {
        if bytes.len() > limit {
            return Err(RangeError::TooLarge {
                what,
                size: bytes.len(),
                limit,
            });
        }
        Ok(Reader { bytes, what })
    }

    /// Takes the next `n` bytes.
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], RangeError> {
        if self.bytes.len() < n {
            return Err(RangeError::Truncated {
                what: self.what,
                needed: n,
                found: self.bytes.len(),
            });
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    /// Takes one byte.
    pub(crate) fn u8(&mut self) -> Result<u8, RangeError> {
        Ok(self.take(1)?[0])
    }

    /// Takes a little-endian u64.
    pub(crate) fn u64(&mut self) -> Result<u64, RangeError> {
        let mut buf = [0u8; 8];
        buf.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(buf))
    }

    /// Takes 32 bytes.
    pub(crate) fn array32(&mut self) -> Result<[u8; 32], RangeError> {
        let mut buf = [0u8; 32];
        buf.copy_from_slice(self.take(32)?);
        Ok(buf)
    }

    /// Checks the version byte and the object tag.
    pub(crate) fn header(&mut self, tag: u8) -> Result<(), RangeError> {
        let version = self.u8()?;
        if version != FORMAT_VERSION {
            return Err(RangeError::UnsupportedVersion {
                what: self.what,
                version: u64::from(version),
                supported: u64::from(FORMAT_VERSION),
            });
        }
        let found = self.u8()?;
        if found != tag {
            return Err(RangeError::WrongKind {
                expected: tag_name(tag),
                found: tag_name(found).to_owned(),
            });
        }
        Ok(())
    }

    /// The unread bytes.
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.bytes)
    }

    /// Succeeds only when every byte was consumed.
    pub(crate) fn finish(self) -> Result<(), RangeError> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(RangeError::TrailingBytes {
                what: self.what,
                extra: self.bytes.len(),
            })
        }
    }
}

fn tag_name(tag: u8) -> &'static str {
    match tag {
        TAG_COMMITMENT => "commitment",
        TAG_OPENING => "opening",
        TAG_PROOF => "range proof",
        _ => "unknown object",
    }
}

/// Decompresses a canonical Ristretto encoding.
pub(crate) fn decode_point(
    bytes: [u8; 32],
    what: &'static str,
) -> Result<(CompressedRistretto, RistrettoPoint), RangeError> {
    let compressed = CompressedRistretto(bytes);
    let point = compressed
        .decompress()
        .ok_or(RangeError::NonCanonicalPoint { what })?;
    Ok((compressed, point))
}

/// Parses a canonical (reduced) scalar.
pub(crate) fn decode_scalar(bytes: [u8; 32], what: &'static str) -> Result<Scalar, RangeError> {
    Option::from(Scalar::from_canonical_bytes(bytes)).ok_or(RangeError::NonCanonicalScalar { what })
}

/// Parses lowercase hex of exactly 32 bytes.
pub(crate) fn hex32(text: &str, field: &'static str) -> Result<[u8; 32], RangeError> {
    if text.len() != 64 {
        return Err(RangeError::BadField {
            field,
            problem: "expected 64 lowercase hex digits (32 bytes)",
        });
    }
    if !text
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(RangeError::BadField {
            field,
            problem: "expected lowercase hex digits only",
        });
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).map_err(|_| RangeError::BadField {
        field,
        problem: "invalid hex",
    })?;
    Ok(out)
}

/// Parses padded standard base64, refusing anything but the canonical form.
pub(crate) fn base64_decode(
    text: &str,
    field: &'static str,
    limit: usize,
) -> Result<Vec<u8>, RangeError> {
    if text.len() > limit.div_ceil(3) * 4 {
        return Err(RangeError::TooLarge {
            what: field,
            size: text.len(),
            limit: limit.div_ceil(3) * 4,
        });
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| RangeError::BadField {
            field,
            problem: "invalid base64 (standard alphabet, padded)",
        })?;
    if base64_encode(&bytes) != text {
        return Err(RangeError::BadField {
            field,
            problem: "non-canonical base64",
        });
    }
    Ok(bytes)
}

/// Padded standard base64.
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Checks the `version` and `kind` fields of a JSON object.
pub(crate) fn check_json_header(
    version: u64,
    kind: &str,
    expected: &'static str,
    what: &'static str,
) -> Result<(), RangeError> {
    if version != u64::from(FORMAT_VERSION) {
        return Err(RangeError::UnsupportedVersion {
            what,
            version,
            supported: u64::from(FORMAT_VERSION),
        });
    }
    if kind != expected {
        return Err(RangeError::WrongKind {
            expected,
            found: kind.to_owned(),
        });
    }
    Ok(())
}

/// JSON `kind` of a commitment file.
pub const KIND_COMMITMENT: &str = "conclave.range.commitment";
/// JSON `kind` of an opening file (secret).
pub const KIND_OPENING: &str = "conclave.range.opening";
/// JSON `kind` of a range-proof file.
pub const KIND_PROOF: &str = "conclave.range.proof";

/// Largest binary commitment or opening any decoder here accepts.
pub const MAX_SMALL_OBJECT_BYTES: usize = 4096;

/// Largest JSON text any decoder here accepts.
pub const MAX_JSON_BYTES: usize = 64 * 1024;

/// Parses JSON text under the size limit.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    text: &[u8],
    what: &'static str,
) -> Result<T, RangeError> {
    if text.len() > MAX_JSON_BYTES {
        return Err(RangeError::TooLarge {
            what,
            size: text.len(),
            limit: MAX_JSON_BYTES,
        });
    }
    serde_json::from_slice(text).map_err(RangeError::Json)
}

/// True when the bytes look like a JSON object (first non-blank byte is `{`).
pub(crate) fn looks_like_json(bytes: &[u8]) -> bool {
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_rejects_truncation_and_trailing_bytes() {
        let mut r = Reader::new(&[1, 2, 3], "thing", 16).unwrap();
        assert_eq!(r.u8().unwrap(), 1);
        assert!(matches!(
            r.u64(),
            Err(RangeError::Truncated {
                needed: 8,
                found: 2,
                ..
            })
        ));
        let mut r = Reader::new(&[1, 2, 3], "thing", 16).unwrap();
        r.u8().unwrap();
        assert!(matches!(
            r.finish(),
            Err(RangeError::TrailingBytes { extra: 2, .. })
        ));
        assert!(matches!(
            Reader::new(&[0; 17], "thing", 16),
            Err(RangeError::TooLarge { .. })
        ));
    }

    #[test]
    fn text_fields_are_canonical() {
        let hex_text = "00".repeat(32);
        assert!(hex32(&hex_text, "f").is_ok());
        assert!(hex32(&"AA".repeat(32), "f").is_err());
        assert!(hex32(&"00".repeat(31), "f").is_err());
        assert!(hex32(&"zz".repeat(32), "f").is_err());
        assert_eq!(base64_decode("AAE=", "f", 16).unwrap(), vec![0, 1]);
        assert!(
            base64_decode("AAF=", "f", 16).is_err(),
            "non-zero padding bits"
        );
        assert!(base64_decode("AAE", "f", 16).is_err(), "missing padding");
        assert!(
            base64_decode(&"A".repeat(100), "f", 16).is_err(),
            "too long"
        );
    }

    #[test]
    fn scalars_and_points_must_be_canonical() {
        // 2^255 - 1 is not reduced; neither is the group order itself.
        assert!(decode_scalar([0xff; 32], "s").is_err());
        assert!(decode_scalar([0; 32], "s").is_ok());
        // 0xff..ff is not a canonical field element, so not a Ristretto point.
        assert!(decode_point([0xff; 32], "p").is_err());
        // 1 is a non-canonical (negative) field element encoding for Ristretto.
        let mut one = [0u8; 32];
        one[0] = 1;
        assert!(decode_point(one, "p").is_err());
        assert!(
            decode_point([0; 32], "p").is_ok(),
            "the identity is canonical"
        );
    }
}
