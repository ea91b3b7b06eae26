//! The compact binary forms of keys and proofs.

use ark_bn254::{Bn254, Fr};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};

use super::points::{checked_g1, checked_g2};
use super::proving_key;
use super::{is_json, FORMAT_VERSION, PROVING_KEY_VERSION};
use crate::domain::BINARY_MAGIC;
use crate::groth16::{Proof, ProvingKey, StatementId, VerifyingKey};
use crate::statement::Statement;
use crate::ZkError;

#[derive(Clone, Copy, PartialEq, Eq)]
enum ObjectKind {
    ProvingKey = 1,
    VerifyingKey = 2,
    Proof = 3,
}

impl ObjectKind {
    fn name(self) -> &'static str {
        match self {
            ObjectKind::ProvingKey => "proving key",
            ObjectKind::VerifyingKey => "verifying key",
            ObjectKind::Proof => "proof",
        }
    }

    fn from_byte(byte: u8) -> Option<Self> {
        [
            ObjectKind::ProvingKey,
            ObjectKind::VerifyingKey,
            ObjectKind::Proof,
        ]
        .into_iter()
        .find(|kind| *kind as u8 == byte)
    }
}

const HEADER_LEN: usize = 4 + 1 + 1 + 3;

fn header(kind: ObjectKind, statement: Statement) -> Vec<u8> {
    versioned_header(FORMAT_VERSION, kind, statement)
}

fn versioned_header(version: u64, kind: ObjectKind, statement: Statement) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(HEADER_LEN);
    bytes.extend_from_slice(BINARY_MAGIC);
    bytes.push(version as u8);
    bytes.push(kind as u8);
    bytes.extend_from_slice(&statement.to_bytes());
    bytes
}

/// Checks magic, version and kind; returns the statement and the rest of the bytes.
fn read_header(expected: ObjectKind, bytes: &[u8]) -> Result<(Statement, &[u8]), ZkError> {
    let (_, statement, rest) = read_versioned_header(expected, &[FORMAT_VERSION], bytes)?;
    Ok((statement, rest))
}

/// Checks magic, kind and that the version is one of `versions` (ascending); returns the
/// version, the statement and the rest of the bytes.
fn read_versioned_header<'a>(
    expected: ObjectKind,
    versions: &[u64],
    bytes: &'a [u8],
) -> Result<(u64, Statement, &'a [u8]), ZkError> {
    let what = expected.name();
    if bytes.len() < HEADER_LEN {
        return Err(ZkError::Malformed {
            what,
            reason: "truncated: shorter than the 9-byte header",
        });
    }
    if &bytes[..4] != BINARY_MAGIC {
        return Err(ZkError::Malformed {
            what,
            reason: "not a Conclave file (bad magic bytes)",
        });
    }
    let version = u64::from(bytes[4]);
    if !versions.contains(&version) {
        return Err(ZkError::UnsupportedVersion {
            what,
            found: version,
            supported: versions.last().copied().unwrap_or(FORMAT_VERSION),
        });
    }
    match ObjectKind::from_byte(bytes[5]) {
        Some(kind) if kind == expected => {}
        Some(kind) => {
            return Err(ZkError::WrongKind {
                expected: what,
                found: kind.name().into(),
            })
        }
        None => {
            return Err(ZkError::Malformed {
                what,
                reason: "unknown object kind byte",
            })
        }
    }
    let statement = Statement::from_bytes([bytes[6], bytes[7], bytes[8]])?;
    Ok((version, statement, &bytes[HEADER_LEN..]))
}

fn decode<T: CanonicalDeserialize>(what: &'static str, reader: &mut &[u8]) -> Result<T, ZkError> {
    T::deserialize_compressed(reader).map_err(|source| ZkError::Decode { what, source })
}

/// The three compressed proof points. Decompression only yields points on their curves;
/// G1 has cofactor 1 and G2 membership uses the fast test of [`crate::curve`] instead of
/// arkworks' default check (the most expensive step of decoding a proof).
fn decode_proof_points(reader: &mut &[u8]) -> Result<ark_groth16::Proof<Bn254>, ZkError> {
    let proof: ark_groth16::Proof<Bn254> =
        CanonicalDeserialize::deserialize_with_mode(&mut *reader, Compress::Yes, Validate::No)
            .map_err(|source| ZkError::Decode {
                what: "proof",
                source,
            })?;
    Ok(ark_groth16::Proof {
        a: checked_g1("proof.A", proof.a)?,
        b: checked_g2("proof.B", proof.b)?,
        c: checked_g1("proof.C", proof.c)?,
    })
}

/// A compressed verifying key: decompressed without arkworks' checks, then each point
/// checked on its curve and in its subgroup (G2 with the fast test, as for proofs).
fn decode_verifying_key(reader: &mut &[u8]) -> Result<ark_groth16::VerifyingKey<Bn254>, ZkError> {
    // alpha (32 bytes) and three G2 points (64 each), then the IC count (u64 LE): refuse a
    // count the rest cannot hold before arkworks allocates for it.
    const COUNT_AT: usize = 32 + 3 * 64;
    let count = reader
        .get(COUNT_AT..COUNT_AT + 8)
        .and_then(|bytes| bytes.try_into().ok())
        .map(u64::from_le_bytes);
    let room = reader.len().saturating_sub(COUNT_AT + 8) / 32;
    if count.is_some_and(|count| count > room as u64) {
        return Err(ZkError::Malformed {
            what: "verifying key",
            reason: "an input-point count larger than the rest of the key can hold",
        });
    }
    let key: ark_groth16::VerifyingKey<Bn254> =
        CanonicalDeserialize::deserialize_with_mode(&mut *reader, Compress::Yes, Validate::No)
            .map_err(|source| ZkError::Decode {
                what: "verifying key",
                source,
            })?;
    Ok(ark_groth16::VerifyingKey {
        alpha_g1: checked_g1("verifying key alpha_g1", key.alpha_g1)?,
        beta_g2: checked_g2("verifying key beta_g2", key.beta_g2)?,
        gamma_g2: checked_g2("verifying key gamma_g2", key.gamma_g2)?,
        delta_g2: checked_g2("verifying key delta_g2", key.delta_g2)?,
        gamma_abc_g1: key
            .gamma_abc_g1
            .into_iter()
            .map(|point| checked_g1("verifying key gamma_abc_g1", point))
            .collect::<Result<_, _>>()?,
    })
}

fn finish(what: &'static str, rest: &[u8]) -> Result<(), ZkError> {
    if rest.is_empty() {
        Ok(())
    } else {
        Err(ZkError::Malformed {
            what,
            reason: "trailing bytes after the end of the data",
        })
    }
}

fn not_json(what: &'static str, bytes: &[u8]) -> Result<(), ZkError> {
    if is_json(bytes) {
        Err(ZkError::WrongKind {
            expected: what,
            found: "JSON document (use the JSON decoder)".into(),
        })
    } else {
        Ok(())
    }
}

impl ProvingKey {
    /// Binary form, hashed (what `setup` writes): fast to load, larger than
    /// [`ProvingKey::to_compact_bytes`]. See [`proving_key`] for what the digest protects.
    ///
    /// # Layout
    /// `"CNCL" ‖ 0x02 ‖ 0x01 ‖ statement (3 bytes) ‖ body length (u64, little-endian) ‖
    /// SHA-256("conclave/groth16/proving-key/v2\0" ‖ the 9 bytes before ‖ body) ‖ body`,
    /// where body is `ark_groth16::ProvingKey` serialized uncompressed.
    pub fn to_bytes(&self) -> Vec<u8> {
        let header = versioned_header(PROVING_KEY_VERSION, ObjectKind::ProvingKey, self.statement);
        proving_key::write_hashed(header, &self.key)
    }

    /// Compact binary form (format version 1): half the size of [`ProvingKey::to_bytes`],
    /// every point decompressed and checked on load.
    ///
    /// # Layout
    /// `"CNCL" ‖ 0x01 ‖ 0x01 ‖ statement (3 bytes) ‖ ark_groth16::ProvingKey (compressed)`.
    pub fn to_compact_bytes(&self) -> Vec<u8> {
        let mut bytes = header(ObjectKind::ProvingKey, self.statement);
        proving_key::write_compact(&mut bytes, &self.key);
        bytes
    }

    /// Decodes [`ProvingKey::to_bytes`] (checking its digest) or
    /// [`ProvingKey::to_compact_bytes`] (checking every point).
    ///
    /// # Errors
    /// Truncated or garbled data, wrong kind or version, a digest that does not match
    /// ([`ZkError::DigestMismatch`]), invalid points, trailing bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ZkError> {
        const WHAT: &str = "proving key";
        not_json(WHAT, bytes)?;
        let (version, statement, rest) = read_versioned_header(
            ObjectKind::ProvingKey,
            &[FORMAT_VERSION, PROVING_KEY_VERSION],
            bytes,
        )?;
        let key = if version == PROVING_KEY_VERSION {
            proving_key::read_hashed(WHAT, &bytes[..HEADER_LEN], rest)?
        } else {
            let (key, rest) = proving_key::read_compact(WHAT, rest)?;
            finish(WHAT, rest)?;
            key
        };
        check_input_count(statement, key.vk.gamma_abc_g1.len())?;
        Ok(ProvingKey { statement, key })
    }

    /// Checks that every point of the key is on its curve and in its subgroup: what
    /// loading a compact key does, and what [`ProvingKey::from_bytes`] skips for a hashed
    /// key whose digest matches. Worth it for a hashed key of unknown origin.
    ///
    /// # Errors
    /// [`ZkError::NotOnCurve`] or [`ZkError::NotInSubgroup`].
    pub fn validate(&self) -> Result<(), ZkError> {
        proving_key::validate(&self.key)
    }
}

impl VerifyingKey {
    /// Binary form.
    ///
    /// # Layout
    /// `"CNCL" ‖ 0x01 ‖ 0x02 ‖ statement (3 bytes) ‖ ark_groth16::VerifyingKey (compressed)`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = header(ObjectKind::VerifyingKey, self.statement);
        self.key
            .serialize_compressed(&mut bytes)
            .expect("serializing into a Vec cannot fail");
        bytes
    }

    /// Decodes [`VerifyingKey::to_bytes`], validating every point.
    ///
    /// # Errors
    /// Truncated or garbled data, wrong kind or version, invalid points, a key whose
    /// number of public inputs does not match its statement, trailing bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ZkError> {
        not_json("verifying key", bytes)?;
        let (statement, mut rest) = read_header(ObjectKind::VerifyingKey, bytes)?;
        let key = decode_verifying_key(&mut rest)?;
        finish("verifying key", rest)?;
        check_input_count(statement, key.gamma_abc_g1.len())?;
        Ok(VerifyingKey::new(statement, key))
    }
}

pub(super) fn check_input_count(statement: Statement, ic_points: usize) -> Result<(), ZkError> {
    let expected = statement.public_input_names().len();
    if ic_points != expected + 1 {
        return Err(ZkError::WrongInputCount {
            expected,
            found: ic_points.saturating_sub(1),
        });
    }
    Ok(())
}

impl Proof {
    /// Binary form.
    ///
    /// # Layout
    /// `"CNCL" ‖ 0x01 ‖ 0x03 ‖ statement (3 bytes) ‖ verifying-key id (32 bytes) ‖
    /// input count (1 byte) ‖ public inputs (32 bytes each, little-endian, canonical) ‖
    /// ark_groth16::Proof (compressed, 128 bytes)`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = header(ObjectKind::Proof, self.statement);
        bytes.extend_from_slice(&self.vk_id.0);
        bytes.push(self.public_inputs.len() as u8);
        for input in &self.public_inputs {
            input
                .serialize_compressed(&mut bytes)
                .expect("serializing into a Vec cannot fail");
        }
        self.proof
            .serialize_compressed(&mut bytes)
            .expect("serializing into a Vec cannot fail");
        bytes
    }

    /// Decodes [`Proof::to_bytes`].
    ///
    /// # Errors
    /// Truncated or garbled data, wrong kind or version, non-canonical inputs, invalid
    /// points, an input count that does not match the statement, trailing bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ZkError> {
        not_json("proof", bytes)?;
        let (statement, rest) = read_header(ObjectKind::Proof, bytes)?;
        if rest.len() < 33 {
            return Err(ZkError::Malformed {
                what: "proof",
                reason: "truncated before the public inputs",
            });
        }
        let mut vk_id = [0u8; 32];
        vk_id.copy_from_slice(&rest[..32]);
        let count = usize::from(rest[32]);
        let expected = statement.public_input_names().len();
        if count != expected {
            return Err(ZkError::WrongInputCount {
                expected,
                found: count,
            });
        }
        let mut rest = &rest[33..];
        let public_inputs = (0..count)
            .map(|_| decode::<Fr>("proof public input", &mut rest))
            .collect::<Result<Vec<_>, _>>()?;
        let proof = decode_proof_points(&mut rest)?;
        finish("proof", rest)?;
        Ok(Proof {
            statement,
            vk_id: StatementId(vk_id),
            public_inputs,
            proof,
        })
    }
}
