//! Typed Ed25519 keys and signatures of result records, and their JSON form (lowercase
//! hex strings; hex of either case is accepted, as it always was).
//!
//! # Security
//! A [`PartyKey`] is a point that decompresses (checked on every parse); weak keys and
//! non-canonical signatures are refused later, by `verify_strict`, when a signature is
//! checked (see [`crate::verify_signed_body`]).

use std::fmt;

use ed25519_dalek::{Signature, SignatureError, VerifyingKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::RecordError;

/// The Ed25519 public key of a party that signs result records.
///
/// Holds the 32-byte compressed encoding, which is checked to decompress when the key is
/// made (so every `PartyKey` is a point); ordered and compared by those bytes. Kept as
/// bytes so that errors naming a key stay small.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartyKey([u8; 32]);

impl PartyKey {
    /// The key whose compressed encoding is `bytes`.
    ///
    /// # Errors
    /// [`RecordError::KeyNotOnCurve`] if the bytes do not decompress to a point.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, RecordError> {
        VerifyingKey::from_bytes(bytes)
            .map(|_| PartyKey(*bytes))
            .map_err(|_| RecordError::KeyNotOnCurve)
    }

    /// Parses 64 hex digits.
    ///
    /// # Errors
    /// [`RecordError::KeyEncoding`] for anything but 32 bytes of hex,
    /// [`RecordError::KeyNotOnCurve`] for bytes that are not a point.
    pub fn from_hex(text: &str) -> Result<Self, RecordError> {
        let bytes = hex_array::<32>(text).ok_or(RecordError::KeyEncoding)?;
        PartyKey::from_bytes(&bytes)
    }

    /// The 32-byte compressed encoding.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    /// The 32-byte compressed encoding, borrowed.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The `ed25519-dalek` key.
    pub fn verifying_key(&self) -> VerifyingKey {
        // Every constructor checked that the bytes decompress.
        VerifyingKey::from_bytes(&self.0).expect("a PartyKey is a valid point")
    }

    /// `verify_strict` of `signature` over `message` (RFC 8032 with the stricter checks
    /// of `ed25519-dalek`: no weak keys, canonical `s`).
    pub(crate) fn verify_strict(
        &self,
        message: &[u8],
        signature: &RecordSignature,
    ) -> Result<(), SignatureError> {
        self.verifying_key()
            .verify_strict(message, &Signature::from_bytes(&signature.0))
    }
}

impl From<VerifyingKey> for PartyKey {
    fn from(key: VerifyingKey) -> Self {
        PartyKey(key.to_bytes())
    }
}

impl From<PartyKey> for VerifyingKey {
    fn from(key: PartyKey) -> Self {
        key.verifying_key()
    }
}

impl fmt::Display for PartyKey {
    /// Lowercase hex, the form records use.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.as_bytes()))
    }
}

impl fmt::Debug for PartyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PartyKey({self})")
    }
}

impl Serialize for PartyKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PartyKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        PartyKey::from_hex(&text).map_err(serde::de::Error::custom)
    }
}

/// An Ed25519 signature (64 bytes, `R ‖ s`) on a result body.
///
/// Holding one says nothing about its validity: only [`crate::verify_signed_body`] does.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordSignature([u8; 64]);

impl RecordSignature {
    /// The signature with encoding `bytes`.
    pub fn from_bytes(bytes: [u8; 64]) -> Self {
        RecordSignature(bytes)
    }

    /// Parses 128 hex digits.
    ///
    /// # Errors
    /// [`RecordError::SignatureEncoding`] for anything but 64 bytes of hex.
    pub fn from_hex(text: &str) -> Result<Self, RecordError> {
        hex_array::<64>(text)
            .map(RecordSignature)
            .ok_or(RecordError::SignatureEncoding)
    }

    /// The 64-byte encoding.
    pub fn to_bytes(&self) -> [u8; 64] {
        self.0
    }
}

impl From<Signature> for RecordSignature {
    fn from(signature: Signature) -> Self {
        RecordSignature(signature.to_bytes())
    }
}

impl fmt::Display for RecordSignature {
    /// Lowercase hex, the form records use.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for RecordSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordSignature({self})")
    }
}

impl Serialize for RecordSignature {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RecordSignature {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        RecordSignature::from_hex(&text).map_err(serde::de::Error::custom)
    }
}

fn hex_array<const N: usize>(text: &str) -> Option<[u8; N]> {
    hex::decode(text).ok()?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_hex_and_refuse_bad_encodings() {
        let key = PartyKey::from(ed25519_dalek::SigningKey::from_bytes(&[4; 32]).verifying_key());
        let text = key.to_string();
        assert_eq!(text.len(), 64);
        assert_eq!(PartyKey::from_hex(&text).unwrap(), key);
        assert_eq!(PartyKey::from_hex(&text.to_uppercase()).unwrap(), key);
        let json = serde_json::to_string(&key).unwrap();
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<PartyKey>(&json).unwrap(), key);
        assert!(matches!(
            PartyKey::from_hex(&text[2..]),
            Err(RecordError::KeyEncoding)
        ));
        assert!(matches!(
            PartyKey::from_hex(&format!("{text}00")),
            Err(RecordError::KeyEncoding)
        ));
        assert!(matches!(
            PartyKey::from_hex(&"zz".repeat(32)),
            Err(RecordError::KeyEncoding)
        ));
        // y = 2 is not the y-coordinate of a curve point.
        let mut off_curve = [0u8; 32];
        off_curve[0] = 2;
        assert!(matches!(
            PartyKey::from_bytes(&off_curve),
            Err(RecordError::KeyNotOnCurve)
        ));
        assert!(serde_json::from_str::<PartyKey>("\"00\"").is_err());
        let off_curve_hex = format!("\"{}\"", hex::encode(off_curve));
        assert!(serde_json::from_str::<PartyKey>(&off_curve_hex).is_err());
        assert_eq!(VerifyingKey::from(key), key.verifying_key());
        // Errors naming keys stay small (clippy's `result_large_err` bound is 128 bytes).
        assert!(std::mem::size_of::<RecordError>() <= 64);
        assert!(matches!(
            RecordSignature::from_hex(&"ab".repeat(63)),
            Err(RecordError::SignatureEncoding)
        ));
        let signature = RecordSignature::from_bytes([7; 64]);
        assert_eq!(
            RecordSignature::from_hex(&signature.to_string()).unwrap(),
            signature
        );
    }
}
