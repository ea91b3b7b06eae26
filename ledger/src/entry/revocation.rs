//! The `revocation` entry: anchors a registered issuer's signed revocation root (from the
//! registry file `conclave cred revoke` maintains, `conclave_circuits::credential::revocation`).
//! Anyone may submit it: the issuer's signature authorises it.
//!
//! # Layout
//! `issuer key[32] (circomlib packPoint) ‖ sequence (u64) ‖ root[32] (a BN254 scalar-field
//! element, big-endian, below the modulus) ‖ signature[64] (circomlib packSignature:
//! packPoint(R8) ‖ S little-endian, S below the subgroup order)`.
//!
//! # What is checked on append
//! The issuer is registered (an `issuer` entry), the signature verifies over
//! `registry_message(root, sequence)` (the message the registry file is signed over), and
//! the sequence is strictly greater than that of every root of this issuer anchored before
//! (an issuer may skip sequences, never go back). An audit repeats all three; a verifier
//! "from the ledger alone" checks the first two (the order needs the whole log).

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use conclave_circuits::credential::revocation::{registry_message, RevocationRegistry};
use conclave_circuits::eddsa::{PublicKey, Signature};
use conclave_circuits::field;
use serde_json::{json, Value};

use super::issuer::{issuer_id, key_from_json, key_json, unpack_issuer};
use super::{field_str, EntryKind, Registration, Registry};
use crate::encoding::{Reader, Writer};
use crate::error::LedgerError;

const WHAT: &str = "revocation entry";
/// Largest revocation registry file read (65,536 ids of up to 20 digits, pretty-printed,
/// plus the rest).
pub const MAX_REGISTRY_FILE: usize = 4 * 1024 * 1024;

/// A field element as 32 big-endian bytes.
pub fn field_bytes(value: &Fr) -> [u8; 32] {
    let mut out = [0u8; 32];
    let bytes = value.into_bigint().to_bytes_be();
    // BN254 elements are 32 bytes.
    let start = 32usize.saturating_sub(bytes.len());
    out[start..].copy_from_slice(&bytes[bytes.len().saturating_sub(32)..]);
    out
}

/// A field element from 32 big-endian bytes, refusing values not below the modulus.
///
/// # Errors
/// [`LedgerError::Malformed`] naming `what`.
pub fn field_from_bytes(bytes: &[u8; 32], what: &'static str) -> Result<Fr, LedgerError> {
    let value = Fr::from_be_bytes_mod_order(bytes);
    if field_bytes(&value) != *bytes {
        return Err(LedgerError::malformed(
            what,
            "a field element is not below the modulus",
        ));
    }
    Ok(value)
}

/// An anchored revocation root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationRoot {
    /// The issuer.
    pub issuer: PublicKey,
    /// The registry's sequence number (0 for the empty registry, +1 per revocation).
    pub sequence: u64,
    /// The root of the issuer's revoked-id tree.
    pub root: Fr,
    /// The issuer's signature over `registry_message(root, sequence)`.
    pub signature: Signature,
}

impl RevocationRoot {
    /// The entry for a registry file's current state, after the file was checked
    /// completely (ids, root, signature) by the circuits crate.
    ///
    /// # Errors
    /// [`LedgerError::TooLarge`], [`LedgerError::Malformed`] for a file that is not a
    /// valid, issuer-signed revocation registry.
    pub fn from_registry_bytes(bytes: &[u8]) -> Result<Self, LedgerError> {
        if bytes.len() > MAX_REGISTRY_FILE {
            return Err(LedgerError::TooLarge {
                what: "revocation registry file",
                size: bytes.len(),
                limit: MAX_REGISTRY_FILE,
            });
        }
        let registry = RevocationRegistry::from_json(bytes)
            .map_err(|e| LedgerError::malformed("revocation registry file", e))?;
        Ok(RevocationRoot {
            issuer: registry.issuer(),
            sequence: registry.sequence(),
            root: registry.root(),
            signature: *registry.signature(),
        })
    }

    /// The issuer's ledger id (packed key).
    pub fn issuer_id(&self) -> [u8; 32] {
        issuer_id(&self.issuer)
    }

    /// The root as 32 big-endian bytes.
    pub fn root_bytes(&self) -> [u8; 32] {
        field_bytes(&self.root)
    }

    /// Checks the issuer's signature.
    ///
    /// # Errors
    /// [`LedgerError::SignatureInvalid`].
    pub fn check_signature(&self) -> Result<(), LedgerError> {
        self.issuer
            .verify(registry_message(self.root, self.sequence), &self.signature)
            .map_err(|e| LedgerError::SignatureInvalid {
                reason: format!("the issuer's signature over the revocation root: {e}"),
            })
    }
}

impl EntryKind for RevocationRoot {
    const TAG: u8 = 8;
    const NAME: &'static str = "revocation";
    const OPERATOR_ONLY: bool = false;

    fn encode_body(&self, w: &mut Writer) {
        w.fixed(&self.issuer_id())
            .u64(self.sequence)
            .fixed(&self.root_bytes())
            .fixed(&self.signature.pack());
    }

    fn decode_body(r: &mut Reader<'_>) -> Result<Self, LedgerError> {
        let issuer = unpack_issuer(&r.array::<32>()?, WHAT)?;
        let sequence = r.u64()?;
        let root = field_from_bytes(&r.array::<32>()?, WHAT)?;
        let packed = r.array::<64>()?;
        let signature = Signature::unpack(&packed).map_err(|e| LedgerError::malformed(WHAT, e))?;
        if signature.pack() != packed {
            return Err(LedgerError::malformed(
                WHAT,
                "the signature is not canonically packed",
            ));
        }
        Ok(RevocationRoot {
            issuer,
            sequence,
            root,
            signature,
        })
    }

    fn from_json(value: &Value) -> Result<Self, LedgerError> {
        let issuer = key_from_json(
            value
                .get("issuer")
                .ok_or_else(|| LedgerError::malformed(WHAT, "missing \"issuer\""))?,
            WHAT,
        )?;
        let sequence = field_str(value, "sequence", WHAT)?
            .parse::<u64>()
            .map_err(|_| LedgerError::malformed(WHAT, "\"sequence\" is not a decimal u64"))?;
        let root = field::parse_decimal("root", field_str(value, "root", WHAT)?)
            .map_err(|e| LedgerError::malformed(WHAT, e))?;
        let signature = value
            .get("signature")
            .ok_or_else(|| LedgerError::malformed(WHAT, "missing \"signature\""))?;
        let signature = Signature::from_decimal(
            field_str(signature, "R8x", WHAT)?,
            field_str(signature, "R8y", WHAT)?,
            field_str(signature, "S", WHAT)?,
        )
        .map_err(|e| LedgerError::malformed(WHAT, e))?;
        Ok(RevocationRoot {
            issuer,
            sequence,
            root,
            signature,
        })
    }

    fn to_json(&self) -> Value {
        let (r8x, r8y, s) = self.signature.to_decimal();
        json!({
            "issuer": key_json(&self.issuer),
            "sequence": self.sequence.to_string(),
            "root": field::to_decimal(&self.root),
            "signature": { "R8x": r8x, "R8y": r8y, "S": s },
        })
    }

    fn verify(&self, registry: &dyn Registry) -> Result<(), LedgerError> {
        let issuer = self.issuer_id();
        if !registry.issuer_registered(&issuer)? {
            return Err(LedgerError::UnknownIssuer {
                alias: None,
                key: hex::encode(issuer),
            });
        }
        self.check_signature()?;
        if let Some(latest) = registry.latest_revocation(&issuer)? {
            if self.sequence <= latest.sequence {
                return Err(LedgerError::RevocationOutOfOrder {
                    issuer: hex::encode(issuer),
                    sequence: self.sequence,
                    latest: latest.sequence,
                });
            }
        }
        Ok(())
    }

    fn registration(&self) -> Option<Registration> {
        Some(Registration::Revocation {
            issuer: self.issuer_id(),
            sequence: self.sequence,
            root: self.root_bytes(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn field_bytes_round_trip_and_refuse_the_modulus() {
        let value = Fr::from(123_456_789u64);
        let bytes = field_bytes(&value);
        assert_eq!(field_from_bytes(&bytes, "test").unwrap(), value);
        let modulus: [u8; 32] = Fr::MODULUS.to_bytes_be().try_into().unwrap();
        assert!(field_from_bytes(&modulus, "test").is_err());
        assert!(field_from_bytes(&[0xff; 32], "test").is_err());
    }
}
