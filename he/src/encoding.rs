//! Canonical encodings shared by the threshold scheme: hex points and scalars, the
//! domain-separation tags (defined here, in one place), and Fiat–Shamir hashing.
//!
//! Decoders reject non-canonical scalars and non-canonical or invalid Ristretto
//! encodings (curve25519-dalek's `CompressedRistretto::decompress` and
//! `Scalar::from_canonical_bytes`), as STYLE.md §6 requires.

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use sha2::{Digest, Sha256, Sha512};

use crate::error::{Error, Result};

/// Domain tag: Schnorr proof of knowledge of a DKG dealer's constant term.
pub const DST_DKG_POK: &[u8] = b"conclave-he/v1/dkg-pok";
/// Domain tag: pad deriving the encryption of a DKG share to its recipient.
pub const DST_DKG_SHARE_PAD: &[u8] = b"conclave-he/v1/dkg-share-pad";
/// Domain tag: Chaum–Pedersen proof of a correct partial decryption.
pub const DST_CHAUM_PEDERSEN: &[u8] = b"conclave-he/v1/chaum-pedersen";
/// Domain tag: hash of a ciphertext (input commitments in result records).
pub const DST_CIPHERTEXT_HASH: &[u8] = b"conclave-he/v1/ciphertext";
/// Domain tag: identifier of a joint public key.
pub const DST_KEY_ID: &[u8] = b"conclave-he/v1/key-id";
/// Domain tag: computation identifier of a threshold sum.
pub const DST_COMPUTATION: &[u8] = b"conclave-he/v1/computation";

/// Hex of a compressed Ristretto point.
pub fn point_hex(point: &RistrettoPoint) -> String {
    hex::encode(point.compress().as_bytes())
}

/// Decodes a hex-encoded compressed Ristretto point.
///
/// # Errors
/// [`Error::Malformed`] for bad hex or length, [`Error::BadPoint`] for an invalid encoding.
pub fn point_from_hex(what: &'static str, text: &str) -> Result<RistrettoPoint> {
    let bytes = bytes32_from_hex(what, text)?;
    CompressedRistretto(bytes)
        .decompress()
        .ok_or(Error::BadPoint { what })
}

/// Hex of a scalar (32 bytes little-endian, canonical).
pub fn scalar_hex(scalar: &Scalar) -> String {
    hex::encode(scalar.as_bytes())
}

/// Decodes a hex-encoded canonical scalar.
///
/// # Errors
/// [`Error::Malformed`] for bad hex or length, [`Error::BadScalar`] if not reduced.
pub fn scalar_from_hex(what: &'static str, text: &str) -> Result<Scalar> {
    let bytes = bytes32_from_hex(what, text)?;
    Option::<Scalar>::from(Scalar::from_canonical_bytes(bytes)).ok_or(Error::BadScalar { what })
}

/// Decodes 32 bytes of hex.
///
/// # Errors
/// [`Error::Malformed`] for bad hex or a length other than 32 bytes.
pub fn bytes32_from_hex(what: &'static str, text: &str) -> Result<[u8; 32]> {
    let bytes = hex::decode(text).map_err(|e| Error::Malformed {
        what,
        reason: format!("bad hex: {e}"),
    })?;
    bytes.try_into().map_err(|b: Vec<u8>| Error::Malformed {
        what,
        reason: format!("expected 32 bytes, found {}", b.len()),
    })
}

/// Fiat–Shamir: hashes length-prefixed parts under a domain tag to a scalar (SHA-512, wide
/// reduction).
pub fn hash_to_scalar(dst: &[u8], parts: &[&[u8]]) -> Scalar {
    let mut hasher = Sha512::new();
    absorb(&mut hasher, dst);
    for part in parts {
        absorb(&mut hasher, part);
    }
    Scalar::from_hash(hasher)
}

/// SHA-256 of length-prefixed parts under a domain tag.
pub fn hash256(dst: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    absorb(&mut hasher, dst);
    for part in parts {
        absorb(&mut hasher, part);
    }
    hasher.finalize().into()
}

fn absorb<D: Digest>(hasher: &mut D, part: &[u8]) {
    hasher.update((part.len() as u64).to_le_bytes());
    hasher.update(part);
}

/// Checks the `version` and `kind` fields of a decoded JSON object.
///
/// # Errors
/// [`Error::UnsupportedVersion`] or [`Error::WrongKind`].
pub fn check_header(
    what: &'static str,
    version: u32,
    expected_version: u32,
    kind: &str,
    expected_kind: &str,
) -> Result<()> {
    if version != expected_version {
        return Err(Error::UnsupportedVersion {
            what,
            found: version,
            expected: expected_version,
        });
    }
    if kind != expected_kind {
        return Err(Error::WrongKind {
            what,
            expected: expected_kind.to_owned(),
            found: kind.to_owned(),
        });
    }
    Ok(())
}

/// Parses JSON with a size limit, naming the object in errors.
///
/// # Errors
/// [`Error::TooLarge`] or [`Error::Malformed`].
pub fn from_json<T: serde::de::DeserializeOwned>(
    what: &'static str,
    bytes: &[u8],
    limit: u64,
) -> Result<T> {
    if bytes.len() as u64 > limit {
        return Err(Error::TooLarge {
            what,
            size: bytes.len() as u64,
            limit,
        });
    }
    serde_json::from_slice(bytes).map_err(|e| Error::Malformed {
        what,
        reason: e.to_string(),
    })
}

/// Serializes to pretty JSON (infallible for the crate's own plain-data types).
pub fn to_json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // serde_json only fails on maps with non-string keys or failing Serialize impls,
    // neither of which occur in this crate's wire types.
    let mut out = serde_json::to_vec_pretty(value).expect("wire types always serialise");
    out.push(b'\n');
    out
}
