//! Versioned Conclave envelopes around tfhe objects.
//!
//! Each TFHE file is one envelope; every tfhe object inside is written with tfhe's
//! `safe_serialize` (its own versioned header) and read back with
//! `safe_deserialize`/`safe_deserialize_conformant` under the per-kind size limit.
//!
//! # Layout
//! ```text
//! magic "CNHETFHE" (8) | version u32 LE | kind u8 | key_id [32] |
//! meta_len u32 LE | meta (UTF-8 JSON) | sections u32 LE | { len u64 LE | bytes }*
//! ```
//! No trailing bytes are accepted.

use crate::error::{Error, Result};

/// Envelope magic.
pub const MAGIC: &[u8; 8] = b"CNHETFHE";
/// Envelope format version.
pub const ENVELOPE_VERSION: u32 = 1;

/// What an envelope holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum EnvelopeKind {
    /// Client key bundle (secret).
    ClientKey = 1,
    /// Compressed server key.
    ServerKey = 2,
    /// Encrypted feature vector (compressed ciphertext list).
    Features = 3,
    /// Encrypted score and decision.
    Result = 4,
}

impl EnvelopeKind {
    /// Size limit of the whole envelope and of each tfhe object in it.
    pub fn limit(self) -> u64 {
        match self {
            Self::ClientKey => 256 << 20,
            Self::ServerKey => 1 << 30,
            Self::Features | Self::Result => 64 << 20,
        }
    }
    /// Human name.
    pub fn name(self) -> &'static str {
        match self {
            Self::ClientKey => "TFHE client key",
            Self::ServerKey => "TFHE server key",
            Self::Features => "encrypted features",
            Self::Result => "encrypted score",
        }
    }
    fn from_u8(b: u8) -> Option<Self> {
        match b {
            1 => Some(Self::ClientKey),
            2 => Some(Self::ServerKey),
            3 => Some(Self::Features),
            4 => Some(Self::Result),
            _ => None,
        }
    }
}

/// A decoded envelope.
pub struct Envelope {
    /// Kind.
    pub kind: EnvelopeKind,
    /// Key id (also the tfhe tag of every key and ciphertext).
    pub key_id: [u8; 32],
    /// JSON metadata.
    pub meta: serde_json::Value,
    /// tfhe safe-serialized objects.
    pub sections: Vec<Vec<u8>>,
}

impl std::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Envelope {{ kind: {:?}, sections: {} }}",
            self.kind,
            self.sections.len()
        )
    }
}

impl Envelope {
    /// Encodes the envelope.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Integers and strings only: serialisation cannot fail.
        let meta = serde_json::to_vec(&self.meta).expect("envelope metadata always serialises");
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&ENVELOPE_VERSION.to_le_bytes());
        out.push(self.kind as u8);
        out.extend_from_slice(&self.key_id);
        out.extend_from_slice(&(meta.len() as u32).to_le_bytes());
        out.extend_from_slice(&meta);
        out.extend_from_slice(&(self.sections.len() as u32).to_le_bytes());
        for s in &self.sections {
            out.extend_from_slice(&(s.len() as u64).to_le_bytes());
            out.extend_from_slice(s);
        }
        out
    }

    /// Decodes an envelope of the expected kind.
    ///
    /// # Errors
    /// [`Error::TooLarge`], [`Error::Malformed`] (bad magic, truncation, trailing
    /// bytes), [`Error::UnsupportedVersion`], [`Error::WrongKind`].
    pub fn from_bytes(bytes: &[u8], expected: EnvelopeKind) -> Result<Self> {
        let what = expected.name();
        let limit = expected.limit();
        if bytes.len() as u64 > limit {
            return Err(Error::TooLarge {
                what,
                size: bytes.len() as u64,
                limit,
            });
        }
        let mut r = Reader {
            bytes,
            pos: 0,
            what,
        };
        if r.take(8)? != MAGIC {
            return Err(Error::Malformed {
                what,
                reason: "not a Conclave TFHE file (bad magic)".into(),
            });
        }
        let version = r.u32()?;
        if version != ENVELOPE_VERSION {
            return Err(Error::UnsupportedVersion {
                what,
                found: version,
                expected: ENVELOPE_VERSION,
            });
        }
        let kind_byte = r.take(1)?[0];
        let kind = EnvelopeKind::from_u8(kind_byte).ok_or_else(|| Error::Malformed {
            what,
            reason: format!("unknown kind {kind_byte}"),
        })?;
        if kind != expected {
            return Err(Error::WrongKind {
                what,
                expected: expected.name().into(),
                found: kind.name().into(),
            });
        }
        let mut key_id = [0u8; 32];
        key_id.copy_from_slice(r.take(32)?);
        let meta_len = r.u32()? as usize;
        let meta = serde_json::from_slice(r.take(meta_len)?).map_err(|e| Error::Malformed {
            what,
            reason: format!("metadata: {e}"),
        })?;
        let count = r.u32()?;
        if count > 16 {
            return Err(Error::Malformed {
                what,
                reason: format!("{count} sections"),
            });
        }
        let mut sections = Vec::new();
        for _ in 0..count {
            let len = r.u64()?;
            let len = usize::try_from(len).map_err(|_| Error::Malformed {
                what,
                reason: "section length overflows".into(),
            })?;
            sections.push(r.take(len)?.to_vec());
        }
        if r.pos != bytes.len() {
            return Err(Error::Malformed {
                what,
                reason: format!("{} trailing bytes", bytes.len() - r.pos),
            });
        }
        Ok(Self {
            kind,
            key_id,
            meta,
            sections,
        })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| Error::Malformed {
            what: self.what,
            reason: format!("truncated at byte {} (wanted {n} more)", self.pos),
        })?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_round_trip_and_probes() {
        let env = Envelope {
            kind: EnvelopeKind::Features,
            key_id: [7; 32],
            meta: serde_json::json!({"count": 2}),
            sections: vec![vec![1, 2, 3], vec![]],
        };
        let bytes = env.to_bytes();
        let back = Envelope::from_bytes(&bytes, EnvelopeKind::Features).expect("decode");
        assert_eq!(back.sections, env.sections);
        assert_eq!(back.key_id, env.key_id);
        assert!(matches!(
            Envelope::from_bytes(&bytes, EnvelopeKind::Result),
            Err(Error::WrongKind { .. })
        ));
        for cut in [0, 7, 12, 20, bytes.len() - 1] {
            assert!(
                Envelope::from_bytes(&bytes[..cut], EnvelopeKind::Features).is_err(),
                "cut {cut}"
            );
        }
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(Envelope::from_bytes(&trailing, EnvelopeKind::Features).is_err());
        let mut version = bytes.clone();
        version[8] = 9;
        assert!(matches!(
            Envelope::from_bytes(&version, EnvelopeKind::Features),
            Err(Error::UnsupportedVersion { .. })
        ));
        let mut magic = bytes;
        magic[0] ^= 1;
        assert!(Envelope::from_bytes(&magic, EnvelopeKind::Features).is_err());
    }
}
