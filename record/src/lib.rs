#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
//!
//! Each signature is Ed25519 (RFC 8032, `ed25519-dalek` `verify_strict`) over
//! `b"conclave-result-v1" || 0x00 || body`, where `body` is the exact UTF-8 text of the
//! `body` string (never re-serialised).

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

/// Why a record cannot be built or does not verify.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The record is malformed or a signature does not verify; the message says which.
    #[error("result record invalid: {0}")]
    InvalidRecord(String),
}

/// Version of the record format.
pub const RECORD_VERSION: u32 = 1;
/// The record's `kind`.
pub const RECORD_KIND: &str = "conclave.result";
/// Domain-separation tag of result signatures.
pub const RESULT_TAG: &[u8] = b"conclave-result-v1";

/// What the parties sign: the computation, its inputs' commitments, outputs and signers.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ResultBody {
    /// Hex SHA-256 of the canonical job description bytes.
    pub computation_id: String,
    /// Human description.
    pub description: String,
    /// Hex commitments to each party's input, by party id.
    pub input_commitments: Vec<String>,
    /// The results.
    pub outputs: serde_json::Value,
    /// Hex Ed25519 public keys of the parties that must sign, by party id.
    pub parties: Vec<String>,
}

/// One signature of a record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SignatureEntry {
    /// Hex Ed25519 public key (32 bytes).
    pub public_key: String,
    /// Hex signature (64 bytes).
    pub signature: String,
}

/// A signed result record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ResultRecord {
    /// Format version (1).
    pub version: u32,
    /// Always `"conclave.result"`.
    pub kind: String,
    /// The exact JSON text of the [`ResultBody`].
    pub body: String,
    /// One signature per party.
    pub signatures: Vec<SignatureEntry>,
}

/// The bytes a party signs for `body`.
pub fn signing_message(body: &str) -> Vec<u8> {
    let mut m = Vec::with_capacity(RESULT_TAG.len() + 1 + body.len());
    m.extend_from_slice(RESULT_TAG);
    m.push(0);
    m.extend_from_slice(body.as_bytes());
    m
}

/// Serialises a body to the exact text that is signed.
///
/// # Errors
/// [`Error::InvalidRecord`] if the outputs cannot be serialised.
pub fn body_text(body: &ResultBody) -> Result<String, Error> {
    serde_json::to_string(body).map_err(|e| Error::InvalidRecord(e.to_string()))
}

/// Signs `body` with `key`.
pub fn sign(key: &SigningKey, body: &str) -> SignatureEntry {
    let signature = key.sign(&signing_message(body));
    SignatureEntry {
        public_key: hex::encode(key.verifying_key().as_bytes()),
        signature: hex::encode(signature.to_bytes()),
    }
}

fn parse_key(text: &str) -> Result<VerifyingKey, Error> {
    let bytes: [u8; 32] = hex::decode(text)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| Error::InvalidRecord(format!("public key {text:?} is not 32 hex bytes")))?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|_| Error::InvalidRecord(format!("public key {text} is not a valid point")))
}

impl ResultRecord {
    /// Builds a record of `body` signed by each of `signers` (in that order).
    ///
    /// # Errors
    /// [`Error::InvalidRecord`] if the outputs cannot be serialised.
    pub fn sign(body: &ResultBody, signers: &[&SigningKey]) -> Result<ResultRecord, Error> {
        let text = body_text(body)?;
        let signatures = signers.iter().map(|key| sign(key, &text)).collect();
        Ok(ResultRecord {
            version: RECORD_VERSION,
            kind: RECORD_KIND.into(),
            body: text,
            signatures,
        })
    }

    /// The record as pretty-printed JSON bytes (what `--out` files hold).
    pub fn to_json(&self) -> Vec<u8> {
        // Only strings and integers: serialisation cannot fail.
        let mut bytes = serde_json::to_vec_pretty(self).expect("a record always serialises");
        bytes.push(b'\n');
        bytes
    }

    /// Verifies the record: version and kind, body parses, every key in `parties` has
    /// exactly one signature that verifies (`verify_strict`), and no other signatures.
    ///
    /// # Errors
    /// [`Error::InvalidRecord`] saying what is wrong.
    pub fn verify(&self) -> Result<ResultBody, Error> {
        if self.version != RECORD_VERSION || self.kind != RECORD_KIND {
            return Err(Error::InvalidRecord(format!(
                "unsupported version {} or kind {:?}",
                self.version, self.kind
            )));
        }
        let body: ResultBody = serde_json::from_str(&self.body)
            .map_err(|e| Error::InvalidRecord(format!("body is not a result body: {e}")))?;
        if body.parties.is_empty() {
            return Err(Error::InvalidRecord("no parties listed".into()));
        }
        let message = signing_message(&self.body);
        for party in &body.parties {
            let key = parse_key(party)?;
            let matching: Vec<&SignatureEntry> = self
                .signatures
                .iter()
                .filter(|s| s.public_key.eq_ignore_ascii_case(party))
                .collect();
            if matching.len() != 1 {
                return Err(Error::InvalidRecord(format!(
                    "party {party} has {} signatures (exactly one required)",
                    matching.len()
                )));
            }
            let sig_bytes: [u8; 64] = hex::decode(&matching[0].signature)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| {
                    Error::InvalidRecord(format!("signature of {party} is not 64 hex bytes"))
                })?;
            key.verify_strict(&message, &Signature::from_bytes(&sig_bytes))
                .map_err(|_| {
                    Error::InvalidRecord(format!("signature of {party} does not verify"))
                })?;
        }
        if self.signatures.len() != body.parties.len() {
            return Err(Error::InvalidRecord(
                "signatures from keys not listed in parties".into(),
            ));
        }
        Ok(body)
    }

    /// Parses a record from JSON text (at most 16 MiB).
    ///
    /// # Errors
    /// [`Error::InvalidRecord`].
    pub fn from_json(text: &str) -> Result<ResultRecord, Error> {
        if text.len() > 16 << 20 {
            return Err(Error::InvalidRecord("record larger than 16 MiB".into()));
        }
        serde_json::from_str(text)
            .map_err(|e| Error::InvalidRecord(format!("not a result record: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;

    #[test]
    fn sign_verify_and_reject_tampering() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let keys: Vec<SigningKey> = (0..3).map(|_| SigningKey::generate(&mut rng)).collect();
        let body = ResultBody {
            computation_id: "00".repeat(32),
            description: "test".into(),
            input_commitments: vec![],
            outputs: serde_json::json!({"sum": 3}),
            parties: keys
                .iter()
                .map(|k| hex::encode(k.verifying_key().as_bytes()))
                .collect(),
        };
        let text = body_text(&body).unwrap();
        let record = ResultRecord {
            version: 1,
            kind: RECORD_KIND.into(),
            body: text.clone(),
            signatures: keys.iter().map(|k| sign(k, &text)).collect(),
        };
        assert_eq!(record.verify().unwrap(), body);
        let mut bad = record.clone();
        bad.body = bad.body.replace("\"sum\":3", "\"sum\":4");
        assert!(bad.verify().is_err());
        let mut missing = record.clone();
        missing.signatures.pop();
        assert!(missing.verify().is_err());
        let mut dup = record.clone();
        dup.signatures[1] = dup.signatures[0].clone();
        assert!(dup.verify().is_err());
    }
}
