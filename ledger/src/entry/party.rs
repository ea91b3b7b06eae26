//! The `party` entry: registers the Ed25519 public key of a computing party (operator only),
//! so that `result` entries signed by it can be anchored.
//!
//! # Layout
//! `public_key[32] ‖ name (u32 length ‖ UTF-8, at most 256 bytes)`.

use ed25519_dalek::VerifyingKey;
use serde_json::{json, Value};

use super::{field_str, EntryKind, Registration, Registry};
use crate::encoding::{Reader, Writer};
use crate::error::LedgerError;

const MAX_NAME: usize = 256;

/// A registered computing party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    /// Its Ed25519 public key.
    pub public_key: [u8; 32],
    /// A human name.
    pub name: String,
}

impl Party {
    /// A party entry for `public_key`, checking that the key is a usable Ed25519 key.
    ///
    /// # Errors
    /// [`LedgerError::Malformed`] for an invalid or small-order key or a long name.
    pub fn new(public_key: [u8; 32], name: &str) -> Result<Self, LedgerError> {
        let party = Party {
            public_key,
            name: name.to_owned(),
        };
        party.check_shape()?;
        Ok(party)
    }

    /// A party entry from a hex public key.
    ///
    /// # Errors
    /// [`LedgerError::Malformed`] when the key is not 32 bytes of hex or not a valid key.
    pub fn from_hex(public_key: &str, name: &str) -> Result<Self, LedgerError> {
        let bytes = hex::decode(public_key.trim())
            .map_err(|_| LedgerError::malformed("party entry", "public key is not hex"))?;
        let public_key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| LedgerError::malformed("party entry", "public key must be 32 bytes"))?;
        Party::new(public_key, name)
    }

    fn check_shape(&self) -> Result<(), LedgerError> {
        let key = VerifyingKey::from_bytes(&self.public_key).map_err(|_| {
            LedgerError::malformed("party entry", "public key is not an Ed25519 point")
        })?;
        if key.is_weak() {
            return Err(LedgerError::malformed(
                "party entry",
                "public key has small order",
            ));
        }
        if self.name.len() > MAX_NAME {
            return Err(LedgerError::malformed(
                "party entry",
                "name longer than 256 bytes",
            ));
        }
        Ok(())
    }
}

impl EntryKind for Party {
    const TAG: u8 = 4;
    const NAME: &'static str = "party";
    const OPERATOR_ONLY: bool = true;

    fn encode_body(&self, w: &mut Writer) {
        w.fixed(&self.public_key).str(&self.name);
    }

    fn decode_body(r: &mut Reader<'_>) -> Result<Self, LedgerError> {
        let public_key = r.array::<32>()?;
        let name = r.str(MAX_NAME)?.to_owned();
        let party = Party { public_key, name };
        party.check_shape()?;
        Ok(party)
    }

    fn from_json(value: &Value) -> Result<Self, LedgerError> {
        let key_hex = field_str(value, "public_key", "party entry")?;
        let bytes = hex::decode(key_hex)
            .map_err(|_| LedgerError::malformed("party entry", "public_key is not hex"))?;
        let public_key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| LedgerError::malformed("party entry", "public_key must be 32 bytes"))?;
        let name = value.get("name").and_then(Value::as_str).unwrap_or("");
        Party::new(public_key, name)
    }

    fn to_json(&self) -> Value {
        json!({ "public_key": hex::encode(self.public_key), "name": self.name })
    }

    fn verify(&self, _registry: &dyn Registry) -> Result<(), LedgerError> {
        self.check_shape()
    }

    fn registration(&self) -> Option<Registration> {
        Some(Registration::Party(self.public_key))
    }
}
