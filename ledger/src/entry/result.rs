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
//! body is kept byte for byte, never re-serialised.

use ed25519_dalek::{Signature, VerifyingKey};
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

fn hex_array<const N: usize>(text: &str, what: &str) -> Result<[u8; N], LedgerError> {
    hex::decode(text)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| LedgerError::malformed(WHAT, format!("{what} must be {N} bytes of hex")))
}

impl ResultRecord {
    /// Parses a `conclave.result` record (the JSON object of the shared contract).
    ///
    /// # Errors
    /// [`LedgerError::Malformed`] / [`LedgerError::UnsupportedVersion`] when the record does
    /// not follow the format.
    pub fn from_record_json(record: &Value) -> Result<Self, LedgerError> {
        let version = record
            .get("version")
            .and_then(Value::as_u64)
            .ok_or_else(|| LedgerError::malformed(WHAT, "record has no numeric \"version\""))?;
        if version != 1 {
            return Err(LedgerError::UnsupportedVersion {
                what: "conclave.result record",
                found: version,
                supported: 1,
            });
        }
        if record.get("kind").and_then(Value::as_str) != Some("conclave.result") {
            return Err(LedgerError::malformed(
                WHAT,
                "record kind must be \"conclave.result\"",
            ));
        }
        let body = record
            .get("body")
            .and_then(Value::as_str)
            .ok_or_else(|| LedgerError::malformed(WHAT, "record body must be a string"))?
            .to_owned();
        let list = record
            .get("signatures")
            .and_then(Value::as_array)
            .ok_or_else(|| LedgerError::malformed(WHAT, "record signatures must be a list"))?;
        let mut signatures = Vec::with_capacity(list.len());
        for item in list {
            let public_key = hex_array::<32>(
                item.get("public_key").and_then(Value::as_str).unwrap_or(""),
                "signature public_key",
            )?;
            let signature = hex_array::<64>(
                item.get("signature").and_then(Value::as_str).unwrap_or(""),
                "signature",
            )?;
            signatures.push(PartySignature {
                public_key,
                signature,
            });
        }
        signatures.sort_by_key(|a| a.public_key);
        let record = ResultRecord { body, signatures };
        record.check_shape()?;
        Ok(record)
    }

    /// The record in its JSON form.
    pub fn to_record_json(&self) -> Value {
        json!({
            "version": 1,
            "kind": "conclave.result",
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
        serde_json::from_str(&self.body)
            .map_err(|e| LedgerError::malformed(WHAT, format!("body is not a ResultBody: {e}")))
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

    /// Checks every signature against the listed parties, and each party's registration.
    ///
    /// # Errors
    /// [`LedgerError::Malformed`] for a bad body or party list,
    /// [`LedgerError::UnknownParty`] for an unregistered party,
    /// [`LedgerError::SignatureInvalid`] for a missing, extra or failing signature.
    pub fn verify(&self, registry: &dyn Registry) -> Result<(), LedgerError> {
        self.check_shape()?;
        let body = self.parsed_body()?;
        if body.parties.is_empty() {
            return Err(LedgerError::malformed(WHAT, "the body lists no parties"));
        }
        let mut parties = Vec::with_capacity(body.parties.len());
        for party in &body.parties {
            parties.push(hex_array::<32>(party, "party key")?);
        }
        parties.sort_unstable();
        if parties.windows(2).any(|pair| pair[0] == pair[1]) {
            return Err(LedgerError::malformed(WHAT, "a party is listed twice"));
        }
        for signature in &self.signatures {
            if parties.binary_search(&signature.public_key).is_err() {
                return Err(LedgerError::SignatureInvalid {
                    reason: format!(
                        "signature by {}, which is not a listed party",
                        hex::encode(signature.public_key)
                    ),
                });
            }
        }
        let message = signing_message(&self.body);
        for party in &parties {
            if !registry.party_registered(party)? {
                return Err(LedgerError::UnknownParty {
                    key: hex::encode(party),
                });
            }
            let signature = self
                .signatures
                .iter()
                .find(|s| &s.public_key == party)
                .ok_or_else(|| LedgerError::SignatureInvalid {
                    reason: format!("party {} did not sign", hex::encode(party)),
                })?;
            let key =
                VerifyingKey::from_bytes(party).map_err(|_| LedgerError::SignatureInvalid {
                    reason: format!("party key {} is not an Ed25519 point", hex::encode(party)),
                })?;
            key.verify_strict(&message, &Signature::from_bytes(&signature.signature))
                .map_err(|_| LedgerError::SignatureInvalid {
                    reason: format!("signature of party {} does not verify", hex::encode(party)),
                })?;
        }
        Ok(())
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
}
