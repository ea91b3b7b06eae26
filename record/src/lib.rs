#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
//!
//! # Security
//! Each signature is Ed25519 (RFC 8032, `ed25519-dalek` `verify_strict`) over
//! `b"conclave-result-v1" || 0x00 || body`, where `body` is the exact UTF-8 text of the
//! `body` string (never re-serialised). A record is valid when every party listed in the
//! body has exactly one signature that verifies and nobody else signed:
//! [`verify_signed_body`] is the one place that decides it, and everything that builds a
//! record ([`ResultRecord::sign`], [`ResultRecord::assemble`]) goes through it, so no code
//! path can produce a record that does not verify.

mod error;
mod key;

use ed25519_dalek::{Signer, SigningKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use error::RecordError;
/// The crate's error under its conventional name.
pub use error::RecordError as Error;
pub use key::{PartyKey, RecordSignature};

/// Version of the record format.
pub const RECORD_VERSION: u32 = 1;
/// The record's `kind`.
pub const RECORD_KIND: &str = "conclave.result";
/// Domain-separation tag of result signatures.
pub const RESULT_TAG: &[u8] = b"conclave-result-v1";
/// Largest record JSON text [`ResultRecord::from_json`] reads (16 MiB).
pub const MAX_RECORD_BYTES: usize = 16 << 20;

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
    pub outputs: Value,
    /// The parties that must sign, by party id (hex Ed25519 keys in JSON).
    pub parties: Vec<PartyKey>,
}

impl ResultBody {
    /// The exact text that is signed and stored: compact JSON, fields in declaration order.
    pub fn to_text(&self) -> String {
        // Strings, keys and a `serde_json::Value` (whose map keys are strings and whose
        // numbers are finite): serialisation cannot fail.
        serde_json::to_string(self).expect("a result body always serialises")
    }

    /// Parses a body text.
    ///
    /// # Errors
    /// [`RecordError::MalformedBody`] if `text` is not a `ResultBody` JSON object.
    pub fn from_text(text: &str) -> Result<ResultBody, RecordError> {
        serde_json::from_str(text).map_err(|source| RecordError::MalformedBody { source })
    }
}

/// One signature of a record.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SignatureEntry {
    /// The signer's key (hex in JSON).
    pub public_key: PartyKey,
    /// The signature (hex in JSON).
    pub signature: RecordSignature,
}

/// A signed result record.
///
/// # Layout
/// `{"version": 1, "kind": "conclave.result", "body": "<ResultBody JSON text>",
/// "signatures": [{"public_key": "<hex 32>", "signature": "<hex 64>"}, …]}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ResultRecord {
    /// Format version ([`RECORD_VERSION`]).
    pub version: u32,
    /// Always [`RECORD_KIND`].
    pub kind: String,
    /// The exact JSON text of the [`ResultBody`].
    pub body: String,
    /// One signature per party.
    pub signatures: Vec<SignatureEntry>,
}

/// The bytes a party signs for `body`: `RESULT_TAG ‖ 0x00 ‖ body`.
pub fn signing_message(body: &str) -> Vec<u8> {
    let mut m = Vec::with_capacity(RESULT_TAG.len() + 1 + body.len());
    m.extend_from_slice(RESULT_TAG);
    m.push(0);
    m.extend_from_slice(body.as_bytes());
    m
}

/// Signs the body text `body` with `key` (Ed25519 is deterministic: same key and body,
/// same signature).
pub fn sign(key: &SigningKey, body: &str) -> SignatureEntry {
    SignatureEntry {
        public_key: PartyKey::from(key.verifying_key()),
        signature: RecordSignature::from(key.sign(&signing_message(body))),
    }
}

/// The one verifier of result signatures: parses `body` and checks that every party it
/// lists has exactly one signature in `signatures` that verifies (`verify_strict`) over
/// [`signing_message`]`(body)`, and that no other key signed. Returns the parsed body.
///
/// Checks run in this order, so the first failure is reported: body parses, at least one
/// party, no party listed twice, no signature by an unlisted key, then each party in
/// list order (missing, duplicate, or failing signature).
///
/// # Errors
/// [`RecordError::MalformedBody`], [`RecordError::NoParties`],
/// [`RecordError::DuplicateParty`], [`RecordError::UnlistedSigner`],
/// [`RecordError::MissingSignature`], [`RecordError::DuplicateSignature`],
/// [`RecordError::BadSignature`] (the last three name the party by position and key).
///
/// # Security
/// Variable time in public data only (keys, signatures, body).
pub fn verify_signed_body(
    body: &str,
    signatures: &[SignatureEntry],
) -> Result<ResultBody, RecordError> {
    let parsed = ResultBody::from_text(body)?;
    let parties = &parsed.parties;
    if parties.is_empty() {
        return Err(RecordError::NoParties);
    }
    for (position, key) in parties.iter().enumerate() {
        if parties[..position].contains(key) {
            return Err(RecordError::DuplicateParty {
                party: position,
                key: *key,
            });
        }
    }
    if let Some(entry) = signatures
        .iter()
        .find(|entry| !parties.contains(&entry.public_key))
    {
        return Err(RecordError::UnlistedSigner {
            key: entry.public_key,
        });
    }
    let message = signing_message(body);
    for (party, key) in parties.iter().enumerate() {
        let mut own = signatures.iter().filter(|entry| entry.public_key == *key);
        let entry = own
            .next()
            .ok_or(RecordError::MissingSignature { party, key: *key })?;
        if own.next().is_some() {
            return Err(RecordError::DuplicateSignature { party, key: *key });
        }
        key.verify_strict(&message, &entry.signature)
            .map_err(|_| RecordError::BadSignature { party, key: *key })?;
    }
    Ok(parsed)
}

impl ResultRecord {
    /// Builds the record of `body` signed by `signers`, given in any order; they must be
    /// exactly the body's parties. The signatures are stored in the body's party order.
    ///
    /// # Errors
    /// [`RecordError::UnlistedSigner`] for a signer the body does not list,
    /// [`RecordError::MissingSignature`] for a party without a signer, and the errors of
    /// [`verify_signed_body`] (the result is verified before it is returned).
    pub fn sign(body: &ResultBody, signers: &[&SigningKey]) -> Result<ResultRecord, RecordError> {
        let text = body.to_text();
        if let Some(signer) = signers
            .iter()
            .map(|k| PartyKey::from(k.verifying_key()))
            .find(|k| !body.parties.contains(k))
        {
            return Err(RecordError::UnlistedSigner { key: signer });
        }
        let mut signatures = Vec::with_capacity(body.parties.len());
        for (party, key) in body.parties.iter().enumerate() {
            let signer = signers
                .iter()
                .find(|s| PartyKey::from(s.verifying_key()) == *key)
                .ok_or(RecordError::MissingSignature { party, key: *key })?;
            signatures.push(sign(signer, &text).signature.to_bytes());
        }
        ResultRecord::assemble(text, &body.parties, signatures)
    }

    /// Builds a record from a body text and one raw signature per party, in the order of
    /// `parties` (which must be the body's `parties`): how an MPC party turns the
    /// signatures it collected from its peers into the record, checking each.
    ///
    /// # Errors
    /// [`RecordError::SignatureCount`] if there is not one signature per party,
    /// [`RecordError::PartiesMismatch`] if `parties` is not the body's list,
    /// [`RecordError::BadSignature`] naming (by position in `parties`) the first party
    /// whose signature does not verify, and the other errors of [`verify_signed_body`].
    pub fn assemble(
        body_text: String,
        parties: &[PartyKey],
        signatures: Vec<[u8; 64]>,
    ) -> Result<ResultRecord, RecordError> {
        if signatures.len() != parties.len() {
            return Err(RecordError::SignatureCount {
                expected: parties.len(),
                found: signatures.len(),
            });
        }
        let signatures: Vec<SignatureEntry> = parties
            .iter()
            .zip(signatures)
            .map(|(key, signature)| SignatureEntry {
                public_key: *key,
                signature: RecordSignature::from_bytes(signature),
            })
            .collect();
        let body = verify_signed_body(&body_text, &signatures)?;
        if body.parties != parties {
            return Err(RecordError::PartiesMismatch);
        }
        Ok(ResultRecord {
            version: RECORD_VERSION,
            kind: RECORD_KIND.into(),
            body: body_text,
            signatures,
        })
    }

    /// Verifies the record: version and kind, then [`verify_signed_body`]. Returns the
    /// parsed body.
    ///
    /// # Errors
    /// [`RecordError::UnsupportedVersion`], [`RecordError::WrongKind`], and the errors of
    /// [`verify_signed_body`].
    pub fn verify(&self) -> Result<ResultBody, RecordError> {
        if self.version != RECORD_VERSION {
            return Err(RecordError::UnsupportedVersion {
                found: u64::from(self.version),
            });
        }
        if self.kind != RECORD_KIND {
            return Err(RecordError::WrongKind);
        }
        verify_signed_body(&self.body, &self.signatures)
    }

    /// Parses a record from JSON text of at most [`MAX_RECORD_BYTES`]. Does not verify
    /// signatures: call [`ResultRecord::verify`].
    ///
    /// # Errors
    /// [`RecordError::TooLarge`], and those of [`ResultRecord::from_value`] (trailing
    /// bytes after the object are [`RecordError::MalformedRecord`]).
    pub fn from_json(text: &str) -> Result<ResultRecord, RecordError> {
        if text.len() > MAX_RECORD_BYTES {
            return Err(RecordError::TooLarge {
                size: text.len(),
                limit: MAX_RECORD_BYTES,
            });
        }
        let value: Value =
            serde_json::from_str(text).map_err(|source| RecordError::MalformedRecord { source })?;
        ResultRecord::from_value(&value)
    }

    /// Parses a record from a JSON value, reading the version first so that a record of
    /// another version is reported as such. Does not verify signatures.
    ///
    /// # Errors
    /// [`RecordError::UnsupportedVersion`], [`RecordError::MalformedRecord`] (missing,
    /// mistyped or unknown fields, keys that are not points, bad hex),
    /// [`RecordError::WrongKind`].
    pub fn from_value(value: &Value) -> Result<ResultRecord, RecordError> {
        if let Some(found) = value.get("version").and_then(Value::as_u64) {
            if found != u64::from(RECORD_VERSION) {
                return Err(RecordError::UnsupportedVersion { found });
            }
        }
        let record = ResultRecord::deserialize(value)
            .map_err(|source| RecordError::MalformedRecord { source })?;
        if record.kind != RECORD_KIND {
            return Err(RecordError::WrongKind);
        }
        Ok(record)
    }

    /// The record as pretty-printed JSON bytes with a final newline (what `--out` files
    /// hold).
    pub fn to_json(&self) -> Vec<u8> {
        // Only strings, integers and hex keys: serialisation cannot fail.
        let mut bytes = serde_json::to_vec_pretty(self).expect("a record always serialises");
        bytes.push(b'\n');
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;

    fn body(keys: &[SigningKey]) -> ResultBody {
        ResultBody {
            computation_id: "00".repeat(32),
            description: "test".into(),
            input_commitments: vec![],
            outputs: serde_json::json!({"sum": 3}),
            parties: keys.iter().map(|k| k.verifying_key().into()).collect(),
        }
    }

    #[test]
    fn sign_verify_and_reject_tampering() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let keys: Vec<SigningKey> = (0..3).map(|_| SigningKey::generate(&mut rng)).collect();
        let body = body(&keys);
        let record = ResultRecord::sign(&body, &[&keys[2], &keys[0], &keys[1]]).unwrap();
        assert_eq!(record.verify().unwrap(), body);
        // Stored in party order whatever the signer order.
        let order: Vec<PartyKey> = record.signatures.iter().map(|s| s.public_key).collect();
        assert_eq!(order, body.parties);
        let mut bad = record.clone();
        bad.body = bad.body.replace("\"sum\":3", "\"sum\":4");
        assert!(matches!(
            bad.verify(),
            Err(RecordError::BadSignature { party: 0, .. })
        ));
        let mut missing = record.clone();
        missing.signatures.pop();
        assert!(matches!(
            missing.verify(),
            Err(RecordError::MissingSignature { party: 2, .. })
        ));
        let mut dup = record.clone();
        dup.signatures[1] = dup.signatures[0];
        assert!(matches!(
            dup.verify(),
            Err(RecordError::DuplicateSignature { party: 0, .. })
        ));
    }

    #[test]
    fn signing_needs_exactly_the_listed_parties() {
        let keys: Vec<SigningKey> = (1u8..=3)
            .map(|i| SigningKey::from_bytes(&[i; 32]))
            .collect();
        let body = body(&keys[..2]);
        assert!(matches!(
            ResultRecord::sign(&body, &[&keys[0]]),
            Err(RecordError::MissingSignature { party: 1, .. })
        ));
        assert!(matches!(
            ResultRecord::sign(&body, &[&keys[0], &keys[1], &keys[2]]),
            Err(RecordError::UnlistedSigner { key }) if key == PartyKey::from(keys[2].verifying_key())
        ));
        let nobody = ResultBody {
            parties: vec![],
            ..body
        };
        assert!(matches!(
            ResultRecord::sign(&nobody, &[]),
            Err(RecordError::NoParties)
        ));
    }

    #[test]
    fn assemble_names_the_party_whose_signature_fails() {
        let keys: Vec<SigningKey> = (1u8..=3)
            .map(|i| SigningKey::from_bytes(&[i; 32]))
            .collect();
        let body = body(&keys);
        let text = body.to_text();
        let good: Vec<[u8; 64]> = keys
            .iter()
            .map(|k| sign(k, &text).signature.to_bytes())
            .collect();
        let record = ResultRecord::assemble(text.clone(), &body.parties, good.clone()).unwrap();
        assert_eq!(
            record,
            ResultRecord::sign(&body, &[&keys[0], &keys[1], &keys[2]]).unwrap()
        );
        for culprit in 0..3 {
            let mut sigs = good.clone();
            sigs[culprit][10] ^= 0x40;
            assert!(matches!(
                ResultRecord::assemble(text.clone(), &body.parties, sigs),
                Err(RecordError::BadSignature { party, .. }) if party == culprit
            ));
        }
        // Party 1 sent party 2's signature (signed the right body, but not its own).
        let mut swapped = good.clone();
        swapped[1] = good[2];
        assert!(matches!(
            ResultRecord::assemble(text.clone(), &body.parties, swapped),
            Err(RecordError::BadSignature { party: 1, .. })
        ));
        assert!(matches!(
            ResultRecord::assemble(text.clone(), &body.parties, good[..2].to_vec()),
            Err(RecordError::SignatureCount {
                expected: 3,
                found: 2
            })
        ));
        let mut reordered = body.parties.clone();
        reordered.swap(0, 1);
        let mut sigs = good.clone();
        sigs.swap(0, 1);
        assert!(matches!(
            ResultRecord::assemble(text, &reordered, sigs),
            Err(RecordError::PartiesMismatch)
        ));
    }
}
