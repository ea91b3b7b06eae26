//! The signed `conclave.result` record (the shared contract in the Conclave brief; the
//! ledger verifies it independently): a `body` string holding the exact JSON of a
//! [`ResultBody`], signed with Ed25519 over `b"conclave-result-v1" ‖ 0x00 ‖ body`.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::encoding::{from_json, to_json};
use crate::error::{Error, Result};

/// Record format version.
pub const RECORD_VERSION: u32 = 1;
/// Record kind tag.
pub const RECORD_KIND: &str = "conclave.result";
/// Signing context prefix.
pub const SIGNING_CONTEXT: &[u8] = b"conclave-result-v1";

/// What a result record states.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultBody {
    /// Hex SHA-256 of the canonical computation description.
    pub computation_id: String,
    /// Human description.
    pub description: String,
    /// Hex hashes of the inputs.
    pub input_commitments: Vec<String>,
    /// The results.
    pub outputs: serde_json::Value,
    /// Hex Ed25519 keys of the parties that must sign.
    pub parties: Vec<String>,
}

/// One signature in a record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordSignature {
    /// Hex Ed25519 public key.
    pub public_key: String,
    /// Hex 64-byte signature.
    pub signature: String,
}

/// A signed result record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultRecord {
    /// [`RECORD_VERSION`].
    pub version: u32,
    /// [`RECORD_KIND`].
    pub kind: String,
    /// Exact JSON text of the [`ResultBody`].
    pub body: String,
    /// Signatures of the parties.
    pub signatures: Vec<RecordSignature>,
}

fn message(body: &str) -> Vec<u8> {
    let mut m = Vec::with_capacity(SIGNING_CONTEXT.len() + 1 + body.len());
    m.extend_from_slice(SIGNING_CONTEXT);
    m.push(0);
    m.extend_from_slice(body.as_bytes());
    m
}

impl ResultRecord {
    /// Serializes `body` and signs it with every key in `signers`.
    ///
    /// # Errors
    /// [`Error::BadRecord`] if the body cannot be serialized.
    pub fn sign(body: &ResultBody, signers: &[&SigningKey]) -> Result<Self> {
        let body = serde_json::to_string(body).map_err(|e| Error::BadRecord {
            reason: e.to_string(),
        })?;
        let msg = message(&body);
        let signatures = signers
            .iter()
            .map(|k| RecordSignature {
                public_key: hex::encode(k.verifying_key().as_bytes()),
                signature: hex::encode(k.sign(&msg).to_bytes()),
            })
            .collect();
        Ok(Self {
            version: RECORD_VERSION,
            kind: RECORD_KIND.into(),
            body,
            signatures,
        })
    }

    /// Parses the body.
    ///
    /// # Errors
    /// [`Error::BadRecord`].
    pub fn body(&self) -> Result<ResultBody> {
        serde_json::from_str(&self.body).map_err(|e| Error::BadRecord {
            reason: format!("body is not a ResultBody: {e}"),
        })
    }

    /// Verifies: every party has exactly one signature, and it verifies (`verify_strict`).
    ///
    /// # Errors
    /// [`Error::BadRecord`] naming the first problem.
    pub fn verify(&self) -> Result<()> {
        let bad = |reason: String| Error::BadRecord { reason };
        if self.version != RECORD_VERSION || self.kind != RECORD_KIND {
            return Err(bad("wrong version or kind".into()));
        }
        let body = self.body()?;
        if body.parties.is_empty() {
            return Err(bad("no parties".into()));
        }
        let msg = message(&self.body);
        for party in &body.parties {
            let sigs: Vec<&RecordSignature> = self
                .signatures
                .iter()
                .filter(|s| s.public_key.eq_ignore_ascii_case(party))
                .collect();
            if sigs.len() != 1 {
                return Err(bad(format!(
                    "party {party} has {} signatures, expected 1",
                    sigs.len()
                )));
            }
            let key = crate::encoding::bytes32_from_hex("party key", party)?;
            let key = VerifyingKey::from_bytes(&key)
                .map_err(|_| bad(format!("party {party}: invalid key")))?;
            let sig =
                hex::decode(&sigs[0].signature).map_err(|_| bad("signature is not hex".into()))?;
            let sig =
                Signature::from_slice(&sig).map_err(|_| bad("signature is not 64 bytes".into()))?;
            key.verify_strict(&msg, &sig)
                .map_err(|_| bad(format!("signature of party {party} does not verify")))?;
        }
        Ok(())
    }

    /// JSON form.
    pub fn to_json(&self) -> Vec<u8> {
        to_json(self)
    }

    /// Parses a record (does not verify it).
    ///
    /// # Errors
    /// Format errors.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        from_json("result record", bytes, 64 << 20)
    }
}
