//! The `statement` entry: registers a Groth16 verifying key (operator only). Its id is the
//! key's SHA-256 id as defined by `conclave-circuits` (`VerifyingKey::id`), so proofs name
//! the statement they claim to satisfy.
//!
//! # Layout
//! `verifying key (u32 length ‖ conclave-circuits canonical bytes, at most 64 KiB) ‖
//! label (u32 length ‖ UTF-8, at most 256 bytes)`.
//!
//! # Security
//! The key is decoded with the circuits crate's checked decoder (points on the curve and in
//! the subgroup) before it is accepted.

use std::sync::Arc;

use conclave_circuits::groth16::VerifyingKey;
use serde_json::{json, Value};

use super::{field_str, EntryKind, Registration, Registry};
use crate::encoding::{Reader, Writer};
use crate::error::LedgerError;

const MAX_VK: usize = 64 * 1024;
const MAX_LABEL: usize = 256;
const WHAT: &str = "statement entry";

/// A decoded verifying key and its id.
pub struct StatementKey {
    /// The statement id (SHA-256 id of the key).
    pub id: [u8; 32],
    /// The Groth16 verifying key.
    pub vk: VerifyingKey,
}

impl std::fmt::Debug for StatementKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StatementKey({})", hex::encode(self.id))
    }
}

impl StatementKey {
    /// Decodes a verifying key and computes its id.
    ///
    /// # Errors
    /// [`LedgerError::Malformed`] when the key does not decode.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, LedgerError> {
        if bytes.len() > MAX_VK {
            return Err(LedgerError::TooLarge {
                what: "verifying key",
                size: bytes.len(),
                limit: MAX_VK,
            });
        }
        let vk = VerifyingKey::from_bytes(bytes)
            .map_err(|e| LedgerError::malformed("verifying key", e))?;
        let id = statement_id(&vk)?;
        Ok(StatementKey { id, vk })
    }
}

/// The 32-byte id of a verifying key.
///
/// # Errors
/// [`LedgerError::Malformed`] if the circuits crate's id is not 32 bytes of hex.
pub fn statement_id(vk: &VerifyingKey) -> Result<[u8; 32], LedgerError> {
    Ok(vk.id().0)
}

/// A registered Groth16 statement.
#[derive(Debug, Clone)]
pub struct Statement {
    /// The verifying key's canonical bytes.
    pub vk_bytes: Vec<u8>,
    /// A human label.
    pub label: String,
    key: Arc<StatementKey>,
}

impl PartialEq for Statement {
    fn eq(&self, other: &Self) -> bool {
        self.vk_bytes == other.vk_bytes && self.label == other.label
    }
}

impl Statement {
    /// A statement entry for the key `vk_bytes`.
    ///
    /// # Errors
    /// [`LedgerError::Malformed`] when the key does not decode or the label is too long.
    pub fn new(vk_bytes: Vec<u8>, label: &str) -> Result<Self, LedgerError> {
        if label.len() > MAX_LABEL {
            return Err(LedgerError::malformed(WHAT, "label longer than 256 bytes"));
        }
        let key = Arc::new(StatementKey::from_bytes(&vk_bytes)?);
        Ok(Statement {
            vk_bytes,
            label: label.to_owned(),
            key,
        })
    }

    /// A statement entry from a verifying key file in either form (binary or JSON); the
    /// entry stores the binary form.
    ///
    /// # Errors
    /// [`LedgerError::Malformed`] when the bytes are not a verifying key.
    pub fn from_file_bytes(bytes: &[u8], label: &str) -> Result<Self, LedgerError> {
        if bytes.len() > MAX_VK * 4 {
            return Err(LedgerError::TooLarge {
                what: "verifying key file",
                size: bytes.len(),
                limit: MAX_VK * 4,
            });
        }
        let vk =
            VerifyingKey::decode(bytes).map_err(|e| LedgerError::malformed("verifying key", e))?;
        Statement::new(vk.to_bytes(), label)
    }

    /// The statement id.
    pub fn id(&self) -> [u8; 32] {
        self.key.id
    }

    /// The decoded key.
    pub fn key(&self) -> Arc<StatementKey> {
        Arc::clone(&self.key)
    }
}

impl EntryKind for Statement {
    const TAG: u8 = 1;
    const NAME: &'static str = "statement";
    const OPERATOR_ONLY: bool = true;

    fn encode_body(&self, w: &mut Writer) {
        w.bytes(&self.vk_bytes).str(&self.label);
    }

    fn decode_body(r: &mut Reader<'_>) -> Result<Self, LedgerError> {
        let vk_bytes = r.bytes(MAX_VK)?.to_vec();
        let label = r.str(MAX_LABEL)?;
        Statement::new(vk_bytes, label)
    }

    fn from_json(value: &Value) -> Result<Self, LedgerError> {
        let vk = hex::decode(field_str(value, "vk", WHAT)?)
            .map_err(|_| LedgerError::malformed(WHAT, "\"vk\" must be hex"))?;
        let label = value.get("label").and_then(Value::as_str).unwrap_or("");
        let statement = Statement::new(vk, label)?;
        if let Some(claimed) = value.get("id").and_then(Value::as_str) {
            if claimed != hex::encode(statement.id()) {
                return Err(LedgerError::malformed(WHAT, "\"id\" is not the key's id"));
            }
        }
        Ok(statement)
    }

    fn to_json(&self) -> Value {
        json!({
            "id": hex::encode(self.id()),
            "vk": hex::encode(&self.vk_bytes),
            "label": self.label,
        })
    }

    fn verify(&self, _registry: &dyn Registry) -> Result<(), LedgerError> {
        // Decoding already checked the key; nothing else is required.
        Ok(())
    }

    fn registration(&self) -> Option<Registration> {
        Some(Registration::Statement(self.id()))
    }
}
