//! The secret file of a commitment: value and blinding, JSON, written 0600 by the CLI.

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use super::json::check_envelope;
use super::FORMAT_VERSION;
use crate::commitment::{Commitment, Opening};
use crate::{field, ZkError};

const SECRET_FORMAT: &str = "conclave.zk.secret";

#[derive(Serialize, Deserialize, Zeroize)]
#[serde(deny_unknown_fields)]
struct SecretJson {
    format: String,
    version: u64,
    value: String,
    blinding: String,
    commitment: String,
}

impl Drop for SecretJson {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl Opening {
    /// The secret file: `{"format": "conclave.zk.secret", "version": 1, "value", "blinding", "commitment"}`.
    ///
    /// # Security
    /// The result holds the secret; it is zeroized when dropped. Write it 0600.
    pub fn to_secret_json(&self) -> Zeroizing<String> {
        let document = SecretJson {
            format: SECRET_FORMAT.into(),
            version: FORMAT_VERSION,
            value: self.value().to_string(),
            blinding: field::to_decimal(self.blinding()),
            commitment: self.commitment().to_decimal(),
        };
        Zeroizing::new(serde_json::to_string_pretty(&document).expect("a secret always serializes"))
    }

    /// Parses a secret file and checks that it opens the commitment it records.
    ///
    /// # Errors
    /// Wrong format or version, a value that is not a 64-bit integer, a non-canonical
    /// blinding, or a commitment that the value and blinding do not open.
    pub fn from_secret_json(text: &str) -> Result<Self, ZkError> {
        check_envelope("secret", SECRET_FORMAT, text)?;
        let document: SecretJson = serde_json::from_str(text).map_err(|source| ZkError::Json {
            what: "secret",
            source,
        })?;
        let value = document
            .value
            .parse::<u64>()
            .map_err(|_| ZkError::BadParameter {
                name: "value",
                value: "<redacted>".into(),
                reason: "the secret value must be an unsigned 64-bit integer",
            })?;
        let blinding =
            field::parse_decimal("secret blinding", &document.blinding).map_err(|_| {
                ZkError::Malformed {
                    what: "secret",
                    reason: "the blinding is not a canonical field element",
                }
            })?;
        let commitment = Commitment(field::parse_decimal("commitment", &document.commitment)?);
        let opening = Opening::from_parts(value, blinding);
        opening.check_opens(&commitment)?;
        Ok(opening)
    }
}
