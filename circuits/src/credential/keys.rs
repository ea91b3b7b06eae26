//! Key files of credential issuers and holders: a 32-byte EdDSA-Poseidon private key
//! (circomlibjs's `prv`, secret, stored 0600 by the CLI) and its public key in circomlib
//! coordinates.
//!
//! # Layout (JSON, version 1)
//! Secret: `{"version": 1, "type": "issuer-secret-key", "private_key": "<64 hex digits>"}`.
//! Public: `{"version": 1, "type": "issuer-public-key", "Ax": "<decimal>", "Ay": "<decimal>"}`.
//! Holders use `holder-secret-key` / `holder-public-key`; a file of the other role is
//! refused, so a holder key cannot be mistaken for an issuer's.
//!
//! # Security
//! Public keys are checked points (on the curve, in the prime-order subgroup, not the
//! identity). The hexadecimal text of a private key is zeroized once decoded.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::CredentialError;
use crate::eddsa::{PublicKey, SecretKey, SignatureError, SECRET_KEY_BYTES};

/// Whose key a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyRole {
    /// A credential issuer (signs credentials).
    Issuer,
    /// A credential holder (credentials are bound to this key).
    Holder,
}

impl KeyRole {
    fn secret_type(self) -> &'static str {
        match self {
            KeyRole::Issuer => "issuer-secret-key",
            KeyRole::Holder => "holder-secret-key",
        }
    }

    fn public_type(self) -> &'static str {
        match self {
            KeyRole::Issuer => "issuer-public-key",
            KeyRole::Holder => "holder-public-key",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretFile {
    version: u64,
    #[serde(rename = "type")]
    kind: String,
    private_key: String,
}

/// A public key as decimal coordinates (also the `issuer` and `holder` objects of a
/// credential).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PointJson {
    #[serde(rename = "Ax")]
    pub(super) ax: String,
    #[serde(rename = "Ay")]
    pub(super) ay: String,
}

impl PointJson {
    pub(super) fn of(key: &PublicKey) -> Self {
        let (ax, ay) = key.point().to_decimal();
        PointJson { ax, ay }
    }

    pub(super) fn key(&self, what: &'static str) -> Result<PublicKey, CredentialError> {
        PublicKey::from_decimal(&self.ax, &self.ay).map_err(|e| match e {
            SignatureError::Point(source) => CredentialError::Point { what, source },
            other => CredentialError::MalformedSignature(other),
        })
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PublicFile {
    version: u64,
    #[serde(rename = "type")]
    kind: String,
    #[serde(rename = "Ax")]
    ax: String,
    #[serde(rename = "Ay")]
    ay: String,
}

fn check_header(
    what: &'static str,
    version: u64,
    kind: &str,
    expected: &'static str,
) -> Result<(), CredentialError> {
    if version != 1 {
        return Err(CredentialError::UnsupportedVersion {
            what,
            found: version,
        });
    }
    if kind != expected {
        return Err(CredentialError::WrongFileType {
            what,
            expected,
            found: kind.to_owned(),
        });
    }
    Ok(())
}

/// The secret key file's text.
pub fn secret_key_to_json(role: KeyRole, key: &SecretKey) -> Zeroizing<String> {
    let hex = Zeroizing::new(hex::encode(key.as_bytes()));
    Zeroizing::new(format!(
        "{{\n  \"version\": 1,\n  \"type\": \"{}\",\n  \"private_key\": \"{}\"\n}}\n",
        role.secret_type(),
        hex.as_str()
    ))
}

/// Decodes a secret key file of `role`.
///
/// # Errors
/// Malformed JSON, unknown fields, another version or role, a key that is not 64 hex digits.
pub fn secret_key_from_json(role: KeyRole, bytes: &[u8]) -> Result<SecretKey, CredentialError> {
    const WHAT: &str = "secret key file";
    let file: SecretFile = serde_json::from_slice(bytes)
        .map_err(|source| CredentialError::Json { what: WHAT, source })?;
    let text = Zeroizing::new(file.private_key);
    check_header(WHAT, file.version, &file.kind, role.secret_type())?;
    secret_key_from_hex(text.as_str()).ok_or(CredentialError::BadSecretKey { what: WHAT })
}

/// A private key from 64 hexadecimal digits (circomlibjs's `prv`, e.g. `--seed-hex`).
pub fn secret_key_from_hex(text: &str) -> Option<SecretKey> {
    let mut bytes = Zeroizing::new([0u8; SECRET_KEY_BYTES]);
    hex::decode_to_slice(text, bytes.as_mut_slice()).ok()?;
    Some(SecretKey::from_bytes(*bytes))
}

/// The public key file's text.
pub fn public_key_to_json(role: KeyRole, key: &PublicKey) -> String {
    let PointJson { ax, ay } = PointJson::of(key);
    let file = PublicFile {
        version: 1,
        kind: role.public_type().to_owned(),
        ax,
        ay,
    };
    // Serializing strings and integers cannot fail.
    let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
    text.push('\n');
    text
}

/// Decodes a public key file of `role`, checking the point.
///
/// # Errors
/// Malformed JSON, unknown fields, another version or role, a point that is not acceptable.
pub fn public_key_from_json(role: KeyRole, bytes: &[u8]) -> Result<PublicKey, CredentialError> {
    const WHAT: &str = "public key file";
    let file: PublicFile = serde_json::from_slice(bytes)
        .map_err(|source| CredentialError::Json { what: WHAT, source })?;
    check_header(WHAT, file.version, &file.kind, role.public_type())?;
    PointJson {
        ax: file.ax,
        ay: file.ay,
    }
    .key(WHAT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn key_files_round_trip_and_refuse_the_other_role() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let key = SecretKey::random(&mut rng);
        let text = secret_key_to_json(KeyRole::Issuer, &key);
        let back = secret_key_from_json(KeyRole::Issuer, text.as_bytes()).unwrap();
        assert_eq!(back.as_bytes(), key.as_bytes());
        assert!(matches!(
            secret_key_from_json(KeyRole::Holder, text.as_bytes()),
            Err(CredentialError::WrongFileType { .. })
        ));
        let public = public_key_to_json(KeyRole::Holder, &key.public_key());
        assert_eq!(
            public_key_from_json(KeyRole::Holder, public.as_bytes()).unwrap(),
            key.public_key()
        );
        assert!(public_key_from_json(KeyRole::Issuer, public.as_bytes()).is_err());
        let short = r#"{"version":1,"type":"issuer-secret-key","private_key":"00"}"#;
        assert!(matches!(
            secret_key_from_json(KeyRole::Issuer, short.as_bytes()),
            Err(CredentialError::BadSecretKey { .. })
        ));
        // The order-2 point (0, −1) is on the curve but not in the subgroup.
        let torsion = r#"{"version":1,"type":"issuer-public-key","Ax":"0","Ay":"21888242871839275222246405745257275088548364400416034343698204186575808495616"}"#;
        assert!(matches!(
            public_key_from_json(KeyRole::Issuer, torsion.as_bytes()),
            Err(CredentialError::Point { .. })
        ));
        let extra = public.replace("\"version\"", "\"extra\": 1, \"version\"");
        assert!(public_key_from_json(KeyRole::Holder, extra.as_bytes()).is_err());
    }
}
