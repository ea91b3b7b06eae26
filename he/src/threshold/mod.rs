//! Additive threshold encryption: exponential ElGamal over Ristretto255
//! (curve25519-dalek 4) with a t-of-n distributed key.
//!
//! Follows the classic construction: ElGamal "in the exponent" (Cramer–Gennaro–
//! Schoenmakers, EUROCRYPT '97, §2) — a value `v` is encrypted as
//! `(A, B) = (r·G, v·G + r·Y)` under the joint key `Y = x·G`; ciphertexts add
//! component-wise, so the sum of ciphertexts encrypts the sum of values. The secret `x`
//! is Shamir-shared among n trustees by a joint-Feldman DKG ([`dkg`], Pedersen '91 /
//! Gennaro et al. '99) so no party ever holds it. Decryption takes t partial
//! decryptions `D_i = x_i·A`, each with a Chaum–Pedersen proof ([`decrypt`]), then a
//! discrete logarithm of the small total by baby-step giant-step ([`dlog`]).
//!
//! # Security
//! IND-CPA under DDH in Ristretto255 as long as fewer than t trustees collude. The
//! scheme is malleable by design (it is additively homomorphic); contributors' values
//! are not range-proven here, so a contributor can push the total out of the decodable
//! range or skew it (see docs/he.md, "Limits").

pub mod decrypt;
pub mod dkg;
pub mod dlog;

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

use crate::encoding::{
    check_header, from_json, hash256, point_from_hex, point_hex, to_json, DST_CIPHERTEXT_HASH,
    DST_KEY_ID,
};
use crate::error::{Error, Result};

/// Format version of every threshold-scheme file.
pub const FORMAT_VERSION: u32 = 1;
/// Kind tag of a joint public key file.
pub const KIND_PUBLIC_KEY: &str = "conclave.he.threshold-public-key";
/// Kind tag of a ciphertext file.
pub const KIND_CIPHERTEXT: &str = "conclave.he.elgamal-ciphertext";
/// Size limit for JSON files of the threshold scheme (1 MiB per trustee is ample).
pub const JSON_LIMIT: u64 = 64 << 20;

/// Threshold parameters: `t` of `n` trustees must cooperate to decrypt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThresholdParams {
    /// Number of trustees n.
    pub trustees: u32,
    /// Threshold t.
    pub threshold: u32,
}

impl ThresholdParams {
    /// Validates `1 ≤ t ≤ n ≤ 255`.
    ///
    /// # Errors
    /// [`Error::BadParameters`].
    pub fn new(trustees: u32, threshold: u32) -> Result<Self> {
        if threshold == 0 || threshold > trustees || trustees > 255 {
            return Err(Error::BadParameters {
                threshold,
                trustees,
            });
        }
        Ok(Self {
            trustees,
            threshold,
        })
    }
}

/// A 1-based trustee index (the x-coordinate of its Shamir share).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TrusteeIndex(pub u32);

/// The joint public key produced by the DKG, with every trustee's verification key
/// `Y_i = x_i·G` and Ed25519 signing key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JointPublicKey {
    /// Threshold parameters.
    pub params: ThresholdParams,
    /// `Y = x·G`.
    pub key: RistrettoPoint,
    /// `Y_i = x_i·G` for i = 1..=n.
    pub verification_keys: Vec<RistrettoPoint>,
    /// Each trustee's Ed25519 public key (signs result records), i = 1..=n.
    pub signing_keys: Vec<[u8; 32]>,
}

#[derive(Serialize, Deserialize)]
struct PublicKeyFile {
    version: u32,
    kind: String,
    trustees: u32,
    threshold: u32,
    key_id: String,
    public_key: String,
    verification_keys: Vec<String>,
    signing_keys: Vec<String>,
}

impl JointPublicKey {
    /// Identifier of this key: SHA-256 over the parameters and all keys.
    pub fn key_id(&self) -> [u8; 32] {
        let mut parts: Vec<Vec<u8>> = vec![
            self.params.trustees.to_le_bytes().to_vec(),
            self.params.threshold.to_le_bytes().to_vec(),
            self.key.compress().to_bytes().to_vec(),
        ];
        parts.extend(
            self.verification_keys
                .iter()
                .map(|y| y.compress().to_bytes().to_vec()),
        );
        parts.extend(self.signing_keys.iter().map(|k| k.to_vec()));
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        hash256(DST_KEY_ID, &refs)
    }

    /// Verification key of trustee `i`.
    ///
    /// # Errors
    /// [`Error::Malformed`] if `i` is not in 1..=n.
    pub fn verification_key(&self, index: TrusteeIndex) -> Result<RistrettoPoint> {
        index
            .0
            .checked_sub(1)
            .and_then(|k| self.verification_keys.get(k as usize))
            .copied()
            .ok_or_else(|| Error::Malformed {
                what: "trustee index",
                reason: format!("{} is not in 1..={}", index.0, self.params.trustees),
            })
    }

    /// JSON file form.
    ///
    /// # Layout
    /// `{version, kind, trustees, threshold, key_id, public_key, verification_keys[n],
    /// signing_keys[n]}`, points as hex compressed Ristretto, keys as hex.
    pub fn to_json(&self) -> Vec<u8> {
        to_json(&PublicKeyFile {
            version: FORMAT_VERSION,
            kind: KIND_PUBLIC_KEY.to_owned(),
            trustees: self.params.trustees,
            threshold: self.params.threshold,
            key_id: hex::encode(self.key_id()),
            public_key: point_hex(&self.key),
            verification_keys: self.verification_keys.iter().map(point_hex).collect(),
            signing_keys: self.signing_keys.iter().map(hex::encode).collect(),
        })
    }

    /// Parses and validates a public key file; checks that `Y` equals the interpolation
    /// of the verification keys and that the stored key id matches.
    ///
    /// # Errors
    /// Version/kind/format errors, [`Error::BadPoint`], [`Error::Malformed`] if the keys
    /// are inconsistent.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        const WHAT: &str = "threshold public key";
        let file: PublicKeyFile = from_json(WHAT, bytes, JSON_LIMIT)?;
        check_header(
            WHAT,
            file.version,
            FORMAT_VERSION,
            &file.kind,
            KIND_PUBLIC_KEY,
        )?;
        let params = ThresholdParams::new(file.trustees, file.threshold)?;
        let n = params.trustees as usize;
        if file.verification_keys.len() != n || file.signing_keys.len() != n {
            return Err(Error::Malformed {
                what: WHAT,
                reason: format!("expected {n} verification and signing keys"),
            });
        }
        let key = point_from_hex("public_key", &file.public_key)?;
        let verification_keys = file
            .verification_keys
            .iter()
            .map(|h| point_from_hex("verification key", h))
            .collect::<Result<Vec<_>>>()?;
        let signing_keys = file
            .signing_keys
            .iter()
            .map(|h| crate::encoding::bytes32_from_hex("signing key", h))
            .collect::<Result<Vec<_>>>()?;
        let pk = Self {
            params,
            key,
            verification_keys,
            signing_keys,
        };
        // Y must be the Lagrange interpolation at 0 of the first t verification keys.
        let first: Vec<u32> = (1..=params.threshold).collect();
        let mut interpolated = RistrettoPoint::identity();
        for &i in &first {
            interpolated +=
                decrypt::lagrange_at_zero(i, &first) * pk.verification_keys[(i - 1) as usize];
        }
        if interpolated != pk.key {
            return Err(Error::Malformed {
                what: WHAT,
                reason: "public key is not consistent with the verification keys".into(),
            });
        }
        if hex::encode(pk.key_id()) != file.key_id {
            return Err(Error::Malformed {
                what: WHAT,
                reason: "key_id does not match the keys".into(),
            });
        }
        Ok(pk)
    }
}

/// An exponential-ElGamal ciphertext `(A, B) = (r·G, v·G + r·Y)`, possibly the sum of
/// several contributions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ciphertext {
    /// Key id of the joint key it was made under.
    pub key_id: [u8; 32],
    /// `A = r·G`.
    pub a: RistrettoPoint,
    /// `B = v·G + r·Y`.
    pub b: RistrettoPoint,
    /// Hashes of the contributions summed into this ciphertext (empty for a fresh one).
    pub inputs: Vec<[u8; 32]>,
}

#[derive(Serialize, Deserialize)]
struct CiphertextFile {
    version: u32,
    kind: String,
    key_id: String,
    a: String,
    b: String,
    inputs: Vec<String>,
}

impl Ciphertext {
    /// Encrypts a 64-bit value under the joint key.
    pub fn encrypt<R: RngCore + CryptoRng>(pk: &JointPublicKey, value: u64, rng: &mut R) -> Self {
        let r = Scalar::random(rng);
        Self {
            key_id: pk.key_id(),
            a: r * RISTRETTO_BASEPOINT_POINT,
            b: Scalar::from(value) * RISTRETTO_BASEPOINT_POINT + r * pk.key,
            inputs: Vec::new(),
        }
    }

    /// Hash of this ciphertext: SHA-256 over `key_id ‖ A ‖ B` (the input commitment in
    /// result records).
    pub fn hash(&self) -> [u8; 32] {
        hash256(
            DST_CIPHERTEXT_HASH,
            &[
                &self.key_id,
                self.a.compress().as_bytes(),
                self.b.compress().as_bytes(),
            ],
        )
    }

    /// Homomorphic addition of several ciphertexts under the same key; records the
    /// hash of each input.
    ///
    /// # Errors
    /// [`Error::KeyMismatch`] if the ciphertexts are under different keys,
    /// [`Error::Malformed`] if the list is empty.
    pub fn sum<'a>(items: impl IntoIterator<Item = &'a Ciphertext>) -> Result<Self> {
        let mut iter = items.into_iter();
        let first = iter.next().ok_or(Error::Malformed {
            what: "aggregate",
            reason: "no ciphertexts to add".into(),
        })?;
        let mut out = Self {
            key_id: first.key_id,
            a: first.a,
            b: first.b,
            inputs: vec![first.hash()],
        };
        for ct in iter {
            if ct.key_id != out.key_id {
                return Err(Error::KeyMismatch {
                    what: "ciphertext",
                    found: hex::encode(ct.key_id),
                    expected: hex::encode(out.key_id),
                });
            }
            out.a += ct.a;
            out.b += ct.b;
            out.inputs.push(ct.hash());
        }
        Ok(out)
    }

    /// JSON file form.
    ///
    /// # Layout
    /// `{version, kind, key_id, a, b, inputs[]}`, points as hex compressed Ristretto,
    /// `inputs` the hex hashes of the summed contributions.
    pub fn to_json(&self) -> Vec<u8> {
        to_json(&CiphertextFile {
            version: FORMAT_VERSION,
            kind: KIND_CIPHERTEXT.to_owned(),
            key_id: hex::encode(self.key_id),
            a: point_hex(&self.a),
            b: point_hex(&self.b),
            inputs: self.inputs.iter().map(hex::encode).collect(),
        })
    }

    /// Parses a ciphertext file.
    ///
    /// # Errors
    /// Version/kind/format errors, [`Error::BadPoint`].
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        const WHAT: &str = "ElGamal ciphertext";
        let file: CiphertextFile = from_json(WHAT, bytes, JSON_LIMIT)?;
        check_header(
            WHAT,
            file.version,
            FORMAT_VERSION,
            &file.kind,
            KIND_CIPHERTEXT,
        )?;
        Ok(Self {
            key_id: crate::encoding::bytes32_from_hex("key_id", &file.key_id)?,
            a: point_from_hex("ciphertext A", &file.a)?,
            b: point_from_hex("ciphertext B", &file.b)?,
            inputs: file
                .inputs
                .iter()
                .map(|h| crate::encoding::bytes32_from_hex("input hash", h))
                .collect::<Result<Vec<_>>>()?,
        })
    }

    /// Checks that this ciphertext is under `pk`.
    ///
    /// # Errors
    /// [`Error::KeyMismatch`].
    pub fn check_key(&self, pk: &JointPublicKey) -> Result<()> {
        let expected = pk.key_id();
        if self.key_id != expected {
            return Err(Error::KeyMismatch {
                what: "ciphertext",
                found: hex::encode(self.key_id),
                expected: hex::encode(expected),
            });
        }
        Ok(())
    }
}
