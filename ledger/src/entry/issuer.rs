//! The `issuer` entry: registers a credential issuer's Baby Jubjub public key (operator
//! only), so that predicate proofs naming it and its revocation roots can be anchored.
//!
//! # Layout
//! `public key[32] (circomlib packPoint(A): y little-endian, sign of x in the top bit) ‖
//! label (u32 length ‖ UTF-8, at most 256 bytes)`.
//!
//! # Security
//! Decoding checks the point (canonical packing, on the curve, in the prime-order subgroup,
//! not the identity), so one key has exactly one encoding.

use conclave_circuits::credential::keys::{public_key_from_json, KeyRole};
use conclave_circuits::eddsa::PublicKey;
use serde_json::{json, Value};

use super::{field_str, EntryKind, Registration, Registry};
use crate::encoding::{Reader, Writer};
use crate::error::LedgerError;

const MAX_LABEL: usize = 256;
const WHAT: &str = "issuer entry";
/// Largest issuer public key file read.
pub const MAX_ISSUER_FILE: usize = 4096;

/// A registered credential issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    /// The issuer's public key.
    pub key: PublicKey,
    /// A human label ("bureau").
    pub label: String,
}

/// The packed form of an issuer key: its id in the ledger.
pub fn issuer_id(key: &PublicKey) -> [u8; 32] {
    key.pack()
}

/// Decodes a packed issuer key, refusing non-canonical packings and bad points.
///
/// # Errors
/// [`LedgerError::Malformed`] naming `what`.
pub fn unpack_issuer(bytes: &[u8; 32], what: &'static str) -> Result<PublicKey, LedgerError> {
    let key = PublicKey::unpack(bytes).map_err(|e| LedgerError::malformed(what, e))?;
    if key.pack() != *bytes {
        return Err(LedgerError::malformed(
            what,
            "the issuer key is not canonically packed",
        ));
    }
    Ok(key)
}

/// The `{"Ax", "Ay"}` JSON of a key.
pub(crate) fn key_json(key: &PublicKey) -> Value {
    let (ax, ay) = key.point().to_decimal();
    json!({ "Ax": ax, "Ay": ay })
}

/// A key from `{"Ax", "Ay"}` JSON.
pub(crate) fn key_from_json(value: &Value, what: &'static str) -> Result<PublicKey, LedgerError> {
    let ax = field_str(value, "Ax", what)?;
    let ay = field_str(value, "Ay", what)?;
    PublicKey::from_decimal(ax, ay).map_err(|e| LedgerError::malformed(what, e))
}

impl Issuer {
    /// An issuer entry.
    ///
    /// # Errors
    /// [`LedgerError::Malformed`] for a label longer than 256 bytes.
    pub fn new(key: PublicKey, label: &str) -> Result<Self, LedgerError> {
        if label.len() > MAX_LABEL {
            return Err(LedgerError::malformed(WHAT, "label longer than 256 bytes"));
        }
        Ok(Issuer {
            key,
            label: label.to_owned(),
        })
    }

    /// An issuer entry from an issuer public key file (`conclave cred issuer-keygen`'s
    /// `issuer.pub.json`).
    ///
    /// # Errors
    /// [`LedgerError::TooLarge`], [`LedgerError::Malformed`] when the file is not an issuer
    /// public key (a holder key is refused).
    pub fn from_file_bytes(bytes: &[u8], label: &str) -> Result<Self, LedgerError> {
        if bytes.len() > MAX_ISSUER_FILE {
            return Err(LedgerError::TooLarge {
                what: "issuer key file",
                size: bytes.len(),
                limit: MAX_ISSUER_FILE,
            });
        }
        let key = public_key_from_json(KeyRole::Issuer, bytes)
            .map_err(|e| LedgerError::malformed("issuer key file", e))?;
        Issuer::new(key, label)
    }

    /// The ledger's id of the issuer: its packed key.
    pub fn id(&self) -> [u8; 32] {
        issuer_id(&self.key)
    }
}

impl EntryKind for Issuer {
    const TAG: u8 = 6;
    const NAME: &'static str = "issuer";
    const OPERATOR_ONLY: bool = true;

    fn encode_body(&self, w: &mut Writer) {
        w.fixed(&self.id()).str(&self.label);
    }

    fn decode_body(r: &mut Reader<'_>) -> Result<Self, LedgerError> {
        let key = unpack_issuer(&r.array::<32>()?, WHAT)?;
        let label = r.str(MAX_LABEL)?;
        Issuer::new(key, label)
    }

    fn from_json(value: &Value) -> Result<Self, LedgerError> {
        let key = key_from_json(value, WHAT)?;
        let label = value.get("label").and_then(Value::as_str).unwrap_or("");
        let issuer = Issuer::new(key, label)?;
        if let Some(claimed) = value.get("id").and_then(Value::as_str) {
            if claimed != hex::encode(issuer.id()) {
                return Err(LedgerError::malformed(WHAT, "\"id\" is not the key's id"));
            }
        }
        Ok(issuer)
    }

    fn to_json(&self) -> Value {
        let mut view = key_json(&self.key);
        view["id"] = Value::from(hex::encode(self.id()));
        view["label"] = Value::from(self.label.as_str());
        view
    }

    fn verify(&self, _registry: &dyn Registry) -> Result<(), LedgerError> {
        // Decoding checked the point; nothing else is required.
        Ok(())
    }

    fn registration(&self) -> Option<Registration> {
        Some(Registration::Issuer(self.id()))
    }
}
