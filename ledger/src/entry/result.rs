//! The `result` entry: the signed result of a multi-party computation, in the shared
//! `conclave.result` record format (see the brief / `docs/formats.md`), accepted only when
//! every listed party signed it with a registered key.
//!
//! # Layout
//! `body (u32 length ‖ the exact UTF-8 body text, at most 64 KiB) ‖ count (u32, at most 64)
//! ‖ count × (public_key[32] ‖ signature[64])`, signatures sorted by public key, strictly.
//!
//! # Security
//! Each signature is Ed25519 `verify_strict` over `"conclave-result-v1" ‖ 0x00 ‖ body`; the
//! body is kept byte for byte, never re-serialised. Parsing the record JSON and checking
//! its signatures is `conclave-record`'s ([`conclave_record::verify_signed_body`]); this
//! module adds the ledger's size limits, canonical order and party registration.

use conclave_record::{PartyKey, RecordError, RecordSignature, SignatureEntry};
use serde_json::{json, Value};

use super::{EntryKind, Registration, Registry};
use crate::encoding::{Reader, Writer};
use crate::error::LedgerError;

const MAX_BODY: usize = 64 * 1024;
const MAX_SIGNATURES: usize = 64;
const WHAT: &str = "result entry";

pub use conclave_record::{signing_message, ResultBody};

/// One party signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartySignature {
    /// The signer's Ed25519 public key.
    pub public_key: [u8; 32],
    /// The Ed25519 signature.
    pub signature: [u8; 64],
}

/// A signed computation result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultRecord {
    /// The exact body text that was signed.
    pub body: String,
    /// Signatures, sorted by public key.
    pub signatures: Vec<PartySignature>,
}

impl ResultRecord {
    /// Parses a `conclave.result` record (the JSON object of the shared contract).
    ///
    /// # Errors
    /// [`LedgerError::Malformed`] / [`LedgerError::UnsupportedVersion`] when the record does
    /// not follow the format.
    pub fn from_record_json(record: &Value) -> Result<Self, LedgerError> {
        let parsed = conclave_record::ResultRecord::from_value(record).map_err(record_error)?;
        let mut signatures: Vec<PartySignature> = parsed
            .signatures
            .iter()
            .map(|entry| PartySignature {
                public_key: entry.public_key.to_bytes(),
                signature: entry.signature.to_bytes(),
            })
            .collect();
        signatures.sort_by_key(|a| a.public_key);
        let record = ResultRecord {
            body: parsed.body,
            signatures,
        };
        record.check_shape()?;
        Ok(record)
    }

    /// The record in its JSON form.
    pub fn to_record_json(&self) -> Value {
        json!({
            "version": conclave_record::RECORD_VERSION,
            "kind": conclave_record::RECORD_KIND,
            "body": self.body,
            "signatures": self.signatures.iter().map(|s| json!({
                "public_key": hex::encode(s.public_key),
                "signature": hex::encode(s.signature),
            })).collect::<Vec<_>>(),
        })
    }

    /// The parsed body.
    ///
    /// # Errors
    /// [`LedgerError::Malformed`] when the body is not a `ResultBody` JSON object.
    pub fn parsed_body(&self) -> Result<ResultBody, LedgerError> {
        ResultBody::from_text(&self.body).map_err(record_error)
    }

    fn check_shape(&self) -> Result<(), LedgerError> {
        if self.body.len() > MAX_BODY {
            return Err(LedgerError::TooLarge {
                what: "result body",
                size: self.body.len(),
                limit: MAX_BODY,
            });
        }
        if self.signatures.len() > MAX_SIGNATURES {
            return Err(LedgerError::malformed(WHAT, "more than 64 signatures"));
        }
        if self
            .signatures
            .windows(2)
            .any(|pair| pair[0].public_key >= pair[1].public_key)
        {
            return Err(LedgerError::malformed(
                WHAT,
                "two signatures by the same key (each party signs exactly once)",
            ));
        }
        Ok(())
    }

    /// Checks every signature against the listed parties (with
    /// [`conclave_record::verify_signed_body`]), then each party's registration.
    ///
    /// # Errors
    /// [`LedgerError::Malformed`] for a bad body or party list,
    /// [`LedgerError::SignatureInvalid`] for a missing, extra or failing signature,
    /// [`LedgerError::UnknownParty`] for an unregistered party.
    pub fn verify(&self, registry: &dyn Registry) -> Result<(), LedgerError> {
        self.check_shape()?;
        let mut entries = Vec::with_capacity(self.signatures.len());
        for signature in &self.signatures {
            // A key that is not a point cannot be a listed party.
            let public_key = PartyKey::from_bytes(&signature.public_key).map_err(|_| {
                LedgerError::SignatureInvalid {
                    reason: format!(
                        "signature by {}, which is not one of the parties listed in the body",
                        hex::encode(signature.public_key)
                    ),
                }
            })?;
            entries.push(SignatureEntry {
                public_key,
                signature: RecordSignature::from_bytes(signature.signature),
            });
        }
        let body =
            conclave_record::verify_signed_body(&self.body, &entries).map_err(record_error)?;
        for party in &body.parties {
            if !registry.party_registered(party.as_bytes())? {
                return Err(LedgerError::UnknownParty {
                    key: party.to_string(),
                });
            }
        }
        Ok(())
    }
}

/// The ledger's view of a record error: signature problems are `SignatureInvalid`, a
/// record of another version `UnsupportedVersion`, everything else `Malformed`.
fn record_error(error: RecordError) -> LedgerError {
    match error {
        RecordError::UnsupportedVersion { found } => LedgerError::UnsupportedVersion {
            what: "conclave.result record",
            found,
            supported: u64::from(conclave_record::RECORD_VERSION),
        },
        RecordError::TooLarge { size, limit } => LedgerError::TooLarge {
            what: "result record",
            size,
            limit,
        },
        RecordError::MissingSignature { .. }
        | RecordError::DuplicateSignature { .. }
        | RecordError::BadSignature { .. }
        | RecordError::UnlistedSigner { .. }
        | RecordError::SignatureCount { .. } => LedgerError::SignatureInvalid {
            reason: error.to_string(),
        },
        other => LedgerError::malformed(WHAT, other.to_string()),
    }
}

impl EntryKind for ResultRecord {
    const TAG: u8 = 5;
    const NAME: &'static str = "result";
    const OPERATOR_ONLY: bool = false;

    fn encode_body(&self, w: &mut Writer) {
        w.str(&self.body).count(self.signatures.len());
        for signature in &self.signatures {
            w.fixed(&signature.public_key).fixed(&signature.signature);
        }
    }

    fn decode_body(r: &mut Reader<'_>) -> Result<Self, LedgerError> {
        let body = r.str(MAX_BODY)?.to_owned();
        let n = r.count(MAX_SIGNATURES)?;
        let mut signatures = Vec::with_capacity(n);
        for _ in 0..n {
            signatures.push(PartySignature {
                public_key: r.array()?,
                signature: r.array()?,
            });
        }
        let record = ResultRecord { body, signatures };
        record.check_shape()?;
        Ok(record)
    }

    fn from_json(value: &Value) -> Result<Self, LedgerError> {
        let record = value
            .get("record")
            .ok_or_else(|| LedgerError::malformed(WHAT, "missing \"record\""))?;
        ResultRecord::from_record_json(record)
    }

    fn to_json(&self) -> Value {
        let mut view = json!({ "record": self.to_record_json() });
        if let Ok(body) = self.parsed_body() {
            view["computation_id"] = Value::String(body.computation_id);
        }
        view
    }

    fn verify(&self, registry: &dyn Registry) -> Result<(), LedgerError> {
        ResultRecord::verify(self, registry)
    }

    fn registration(&self) -> Option<Registration> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};
    use std::collections::HashSet;

    struct Parties(HashSet<[u8; 32]>);
    impl Registry for Parties {
        fn party_registered(&self, key: &[u8; 32]) -> Result<bool, LedgerError> {
            Ok(self.0.contains(key))
        }
        fn statement(
            &self,
            _id: &[u8; 32],
        ) -> Result<Option<std::sync::Arc<super::super::StatementKey>>, LedgerError> {
            Ok(None)
        }
    }

    fn record(keys: &[SigningKey], signers: &[&SigningKey]) -> Value {
        let body = json!({
            "computation_id": "00".repeat(32),
            "description": "sum",
            "input_commitments": [],
            "outputs": {"sum": 3},
            "parties": keys.iter().map(|k| hex::encode(k.verifying_key().as_bytes())).collect::<Vec<_>>(),
        })
        .to_string();
        let message = signing_message(&body);
        json!({
            "version": 1, "kind": "conclave.result", "body": body,
            "signatures": signers.iter().map(|k| json!({
                "public_key": hex::encode(k.verifying_key().as_bytes()),
                "signature": hex::encode(k.sign(&message).to_bytes()),
            })).collect::<Vec<_>>(),
        })
    }

    #[test]
    fn signatures_are_checked() {
        let keys: Vec<SigningKey> = (1u8..=3)
            .map(|i| SigningKey::from_bytes(&[i; 32]))
            .collect();
        let all = Parties(keys.iter().map(|k| k.verifying_key().to_bytes()).collect());
        let good = ResultRecord::from_record_json(&record(&keys, &[&keys[0], &keys[1], &keys[2]]))
            .unwrap();
        good.verify(&all).unwrap();
        // Round trip through canonical bytes.
        let mut w = Writer::new();
        good.encode_body(&mut w);
        let bytes = w.finish();
        let mut r = Reader::new(&bytes, "t");
        assert_eq!(ResultRecord::decode_body(&mut r).unwrap(), good);

        let missing =
            ResultRecord::from_record_json(&record(&keys, &[&keys[0], &keys[1]])).unwrap();
        assert!(matches!(
            missing.verify(&all),
            Err(LedgerError::SignatureInvalid { .. })
        ));

        let outsider = SigningKey::from_bytes(&[9; 32]);
        let extra =
            ResultRecord::from_record_json(&record(&keys[..2], &[&keys[0], &keys[1], &outsider]))
                .unwrap();
        assert!(matches!(
            extra.verify(&all),
            Err(LedgerError::SignatureInvalid { .. })
        ));

        let mut forged = good.clone();
        forged.signatures[1].signature[5] ^= 1;
        assert!(matches!(
            forged.verify(&all),
            Err(LedgerError::SignatureInvalid { .. })
        ));

        let mut changed = good.clone();
        changed.body = changed.body.replace("\"sum\":3", "\"sum\":4");
        assert!(matches!(
            changed.verify(&all),
            Err(LedgerError::SignatureInvalid { .. })
        ));

        let partial = Parties(
            keys[..2]
                .iter()
                .map(|k| k.verifying_key().to_bytes())
                .collect(),
        );
        assert!(matches!(
            good.verify(&partial),
            Err(LedgerError::UnknownParty { .. })
        ));
    }

    fn registry(keys: &[SigningKey]) -> Parties {
        Parties(keys.iter().map(|k| k.verifying_key().to_bytes()).collect())
    }

    #[test]
    fn the_golden_record_is_accepted_and_keeps_its_body() {
        let text = include_str!("../../../record/tests/vectors/result-v1.json");
        let value: Value = serde_json::from_str(text).unwrap();
        let record = ResultRecord::from_record_json(&value).unwrap();
        let keys: Vec<SigningKey> = (1u8..=3)
            .map(|i| SigningKey::from_bytes(&[i; 32]))
            .collect();
        record.verify(&registry(&keys)).unwrap();
        assert_eq!(record.body, value["body"].as_str().unwrap());
        assert!(record
            .signatures
            .windows(2)
            .all(|pair| pair[0].public_key < pair[1].public_key));
        // The ledger's JSON form is a record the shared crate verifies.
        let back = conclave_record::ResultRecord::from_value(&record.to_record_json()).unwrap();
        assert_eq!(back.verify().unwrap(), record.parsed_body().unwrap());
    }

    #[test]
    fn record_errors_map_to_the_ledger_errors() {
        let keys: Vec<SigningKey> = (1u8..=3)
            .map(|i| SigningKey::from_bytes(&[i; 32]))
            .collect();
        let all = registry(&keys);
        let mut v2 = record(&keys, &[&keys[0], &keys[1], &keys[2]]);
        v2["version"] = json!(2);
        assert!(matches!(
            ResultRecord::from_record_json(&v2),
            Err(LedgerError::UnsupportedVersion { found: 2, .. })
        ));
        let mut other = record(&keys, &[&keys[0], &keys[1], &keys[2]]);
        other["kind"] = json!("conclave.other");
        assert!(matches!(
            ResultRecord::from_record_json(&other),
            Err(LedgerError::Malformed { .. })
        ));
        let twice = [keys[0].clone(), keys[0].clone()];
        let listed_twice = ResultRecord::from_record_json(&record(&twice, &[&keys[0]])).unwrap();
        assert!(matches!(
            listed_twice.verify(&all),
            Err(LedgerError::Malformed { .. })
        ));
        let mut duplicate = record(&keys, &[&keys[0], &keys[1], &keys[2]]);
        let first = duplicate["signatures"][0].clone();
        duplicate["signatures"].as_array_mut().unwrap().push(first);
        assert!(matches!(
            ResultRecord::from_record_json(&duplicate),
            Err(LedgerError::Malformed { .. })
        ));
        // A stored signature whose key is not a point is an unlisted signer.
        let good = ResultRecord::from_record_json(&record(&keys, &[&keys[0], &keys[1], &keys[2]]))
            .unwrap();
        let mut off_curve = good.clone();
        off_curve.signatures.insert(
            0,
            PartySignature {
                public_key: [0; 32],
                signature: [0; 64],
            },
        );
        off_curve.signatures[0].public_key[0] = 2;
        assert!(matches!(
            off_curve.verify(&all),
            Err(LedgerError::SignatureInvalid { .. })
        ));
        let empty = ResultRecord::from_record_json(&record(&[], &[])).unwrap();
        assert!(matches!(
            empty.verify(&all),
            Err(LedgerError::Malformed { .. })
        ));
    }
}
