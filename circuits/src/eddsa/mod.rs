//! EdDSA-Poseidon on Baby Jubjub, bit-for-bit as circomlibjs 0.1.7 (`eddsa.prv2pub`,
//! `signPoseidon`, `verifyPoseidon`, `packSignature`), written from the algorithm.
//!
//! This module owns issuer signing keys ([`SecretKey`]), public keys ([`PublicKey`]),
//! signatures ([`Signature`]) over one BN254 scalar-field element, and their decimal and
//! packed encodings.
//!
//! # Algorithm
//! With `H` = BLAKE-512 (the original SHA-3 finalist BLAKE, not BLAKE2), `B` = circomlib's
//! `Base8`, `l` its prime order, and integers read little-endian:
//! - key: `h = H(sk)` for the 32-byte private key `sk`; `s = h[0..32]` pruned (clear the 3
//!   low bits of byte 0, clear bit 7 and set bit 6 of byte 31); `A = (s >> 3)·B`.
//! - sign `M`: `r = H(h[32..64] ‖ M as 32 bytes) mod l`; `R8 = r·B`;
//!   `hm = Poseidon(R8x, R8y, Ax, Ay, M)` (circomlib Poseidon, 5 inputs);
//!   `S = (r + hm·s) mod l`. The signature is `(R8, S)`.
//! - verify: `S < l`; `A` and `R8` on the curve, in the prime-order subgroup and not the
//!   identity; `S·B = R8 + (8·hm)·A`.
//!
//! # Security
//! Unforgeability rests on discrete log in Baby Jubjub's subgroup (≈ 126-bit security) and
//! Poseidon as a random oracle. The nonce is deterministic (RFC 8032 style), so signing
//! needs no randomness. Verification is stricter than circomlibjs, which skips the subgroup
//! checks: a key or `R8` with a small-order component is refused, so signatures are not
//! malleable by adding torsion points. Scalar multiplications by secrets use
//! [`crate::babyjubjub::ct_mul`]; verification (public data) uses arkworks' variable-time
//! multiplication.

mod error;
pub mod gadget;

use std::fmt;

use ark_bn254::Fr;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField};
use blake_hash::{Blake512, Digest};
use rand_core::CryptoRngCore;
use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

pub use error::SignatureError;

use crate::babyjubjub::{ct_mul, Fs, Point, BASE8, PACKED_POINT_BYTES};
use crate::{field, poseidon};

/// Bytes of a private key.
pub const SECRET_KEY_BYTES: usize = 32;
/// Bytes of a packed signature (circomlib `packSignature`).
pub const PACKED_SIGNATURE_BYTES: usize = 64;

/// A 32-byte EdDSA-Poseidon private key (circomlibjs's `prv`).
///
/// # Security
/// Zeroized on drop; `Debug` prints no key material; compare with [`ConstantTimeEq`].
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct SecretKey([u8; SECRET_KEY_BYTES]);

/// An issuer's public key `A`, a checked point of the prime-order subgroup.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PublicKey(Point);

/// A signature `(R8, S)` with `R8` checked and `S < l`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature {
    r8: Point,
    s: Fs,
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl ConstantTimeEq for SecretKey {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
    }
}

/// The scalar and nonce prefix derived from a private key.
#[derive(Zeroize, ZeroizeOnDrop)]
struct Expanded {
    /// The pruned `s`, as 32 little-endian bytes.
    pruned: [u8; 32],
    /// `h[32..64]`, mixed into every nonce.
    prefix: [u8; 32],
}

impl SecretKey {
    /// A key from its 32 bytes (circomlibjs's `prv`).
    pub fn from_bytes(bytes: [u8; SECRET_KEY_BYTES]) -> Self {
        SecretKey(bytes)
    }

    /// A fresh key from a CSPRNG.
    pub fn random(rng: &mut impl CryptoRngCore) -> Self {
        let mut bytes = [0u8; SECRET_KEY_BYTES];
        rng.fill_bytes(&mut bytes);
        SecretKey(bytes)
    }

    /// The key's 32 bytes (to store it; keep them secret).
    pub fn as_bytes(&self) -> &[u8; SECRET_KEY_BYTES] {
        &self.0
    }

    fn expand(&self) -> Expanded {
        let digest = Zeroizing::new(blake512(&[&self.0]));
        let mut expanded = Expanded {
            pruned: [0u8; 32],
            prefix: [0u8; 32],
        };
        expanded.pruned.copy_from_slice(&digest[..32]);
        expanded.prefix.copy_from_slice(&digest[32..]);
        expanded.pruned[0] &= 0xf8;
        expanded.pruned[31] &= 0x7f;
        expanded.pruned[31] |= 0x40;
        expanded
    }

    /// The public key `A = (s >> 3)·Base8` (circomlibjs `prv2pub`).
    pub fn public_key(&self) -> PublicKey {
        public_key_of(&self.expand())
    }

    /// Signs one field element (circomlibjs `signPoseidon`).
    pub fn sign(&self, message: Fr) -> Signature {
        let expanded = self.expand();
        let public = public_key_of(&expanded);
        let message_bytes = message.into_bigint().to_bytes_le();
        let nonce_hash = Zeroizing::new(blake512(&[&expanded.prefix, &message_bytes]));
        let mut r = Fs::from_le_bytes_mod_order(nonce_hash.as_slice());
        let mut r_bytes = Zeroizing::new([0u8; 32]);
        r_bytes.copy_from_slice(&r.into_bigint().to_bytes_le());
        let r8 = Point::from_affine(ct_mul(&BASE8, &r_bytes), "R8")
            // r·Base8 for r in [0, l) is in the subgroup; it is the identity only for r = 0,
            // a BLAKE-512 output ≡ 0 mod l (probability 2⁻²⁵¹), where no signature exists.
            .expect("r·Base8 is a subgroup point, the identity only with probability 2^-251");
        let hm = challenge(&r8, &public, message);
        let mut s = Fs::from_le_bytes_mod_order(&expanded.pruned);
        let signature = Signature { r8, s: r + hm * s };
        r.zeroize();
        s.zeroize();
        signature
    }
}

fn public_key_of(expanded: &Expanded) -> PublicKey {
    let mut shifted = Zeroizing::new([0u8; 32]);
    for (index, byte) in shifted.iter_mut().enumerate() {
        let next = expanded.pruned.get(index + 1).copied().unwrap_or(0);
        *byte = (expanded.pruned[index] >> 3) | (next << 5);
    }
    // s >> 3 lies in [2^251, 2^252): nonzero, so the product is a non-identity subgroup
    // point unless l divides it, which cannot happen for l > 2^251 and s >> 3 < 2·l.
    PublicKey(
        Point::from_affine(ct_mul(&BASE8, &shifted), "public key")
            .expect("(s >> 3)·Base8 with 2^251 <= s >> 3 < 2^252 is a non-identity subgroup point"),
    )
}

/// `hm = Poseidon(R8x, R8y, Ax, Ay, M)`, reduced mod `l`.
fn challenge(r8: &Point, public: &PublicKey, message: Fr) -> Fs {
    let inputs = [r8.x(), r8.y(), public.0.x(), public.0.y(), message];
    let hm = poseidon::hash(&inputs).expect("Poseidon takes 5 inputs");
    Fs::from_le_bytes_mod_order(&hm.into_bigint().to_bytes_le())
}

fn blake512(parts: &[&[u8]]) -> [u8; 64] {
    let mut hasher = Blake512::new();
    for part in parts {
        hasher.update(part);
    }
    let mut out = [0u8; 64];
    out.copy_from_slice(&hasher.finalize());
    out
}

impl PublicKey {
    /// A public key from a checked point.
    pub fn from_point(point: Point) -> Self {
        PublicKey(point)
    }

    /// The point `A`.
    pub fn point(&self) -> Point {
        self.0
    }

    /// Parses decimal coordinates `Ax`, `Ay`.
    ///
    /// # Errors
    /// [`SignatureError::Point`] for a non-canonical, off-curve, small-order or identity point.
    pub fn from_decimal(x: &str, y: &str) -> Result<Self, SignatureError> {
        Ok(PublicKey(Point::from_decimal(x, y, "public key")?))
    }

    /// circomlib `packPoint(A)`.
    pub fn pack(&self) -> [u8; PACKED_POINT_BYTES] {
        self.0.pack()
    }

    /// circomlib `unpackPoint`, checked.
    ///
    /// # Errors
    /// As [`Point::unpack`].
    pub fn unpack(bytes: &[u8; PACKED_POINT_BYTES]) -> Result<Self, SignatureError> {
        Ok(PublicKey(Point::unpack(bytes, "public key")?))
    }

    /// Verifies `signature` on `message` (circomlibjs `verifyPoseidon`, plus subgroup checks,
    /// which the types have already made).
    ///
    /// # Errors
    /// [`SignatureError::Invalid`] when `S·Base8 ≠ R8 + 8·hm·A`.
    pub fn verify(&self, message: Fr, signature: &Signature) -> Result<(), SignatureError> {
        let hm = challenge(&signature.r8, self, message);
        let left = BASE8 * signature.s;
        let right = signature.r8.affine().into_group() + self.0.affine() * (hm * Fs::from(8u64));
        if left.into_affine() == right.into_affine() {
            Ok(())
        } else {
            Err(SignatureError::Invalid)
        }
    }
}

impl Signature {
    /// A signature from its parts.
    pub fn new(r8: Point, s: Fs) -> Self {
        Signature { r8, s }
    }

    /// The point `R8`.
    pub fn r8(&self) -> Point {
        self.r8
    }

    /// The scalar `S` (below `l`).
    pub fn s(&self) -> Fs {
        self.s
    }

    /// Parses decimal `R8x`, `R8y`, `S` (circomlibjs's printed form).
    ///
    /// # Errors
    /// [`SignatureError::ScalarNotReduced`] for `S ≥ l` or a non-canonical decimal;
    /// [`SignatureError::Point`] for a bad `R8`.
    pub fn from_decimal(r8x: &str, r8y: &str, s: &str) -> Result<Self, SignatureError> {
        let r8 = Point::from_decimal(r8x, r8y, "R8")?;
        let s = field::parse_field::<Fs>("S", s).map_err(|_| SignatureError::ScalarNotReduced)?;
        Ok(Signature { r8, s })
    }

    /// `(R8x, R8y, S)` as decimal strings.
    pub fn to_decimal(&self) -> (String, String, String) {
        let (x, y) = self.r8.to_decimal();
        (x, y, field::to_decimal_in(&self.s))
    }

    /// circomlib `packSignature`.
    ///
    /// # Layout
    /// `packPoint(R8)` (32 bytes) followed by `S` as 32 little-endian bytes.
    pub fn pack(&self) -> [u8; PACKED_SIGNATURE_BYTES] {
        let mut bytes = [0u8; PACKED_SIGNATURE_BYTES];
        bytes[..32].copy_from_slice(&self.r8.pack());
        bytes[32..].copy_from_slice(&self.s.into_bigint().to_bytes_le());
        bytes
    }

    /// circomlib `unpackSignature`, checked.
    ///
    /// # Errors
    /// [`SignatureError::Point`] for a bad `R8`; [`SignatureError::ScalarNotReduced`] for
    /// `S ≥ l`.
    pub fn unpack(bytes: &[u8; PACKED_SIGNATURE_BYTES]) -> Result<Self, SignatureError> {
        let mut r8 = [0u8; 32];
        r8.copy_from_slice(&bytes[..32]);
        let r8 = Point::unpack(&r8, "R8")?;
        let s = num_bigint::BigUint::from_bytes_le(&bytes[32..]);
        if s >= Fs::MODULUS.into() {
            return Err(SignatureError::ScalarNotReduced);
        }
        Ok(Signature { r8, s: Fs::from(s) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn kat_key() -> SecretKey {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(
            "0001020304050607080900010203040506070809000102030405060708090001",
            &mut bytes,
        )
        .unwrap();
        SecretKey::from_bytes(bytes)
    }

    /// circomlibjs 0.1.7 `test/eddsa.js`, "Sign (using Poseidon) a single 10 bytes from 0 to 9".
    #[test]
    fn known_answer_from_circomlibjs() {
        let key = kat_key();
        let message = Fr::from_str("42649378395939397566720").unwrap();
        let public = key.public_key();
        assert_eq!(
            public.point().to_decimal(),
            (
                "13277427435165878497778222415993513565335242147425444199013288855685581939618"
                    .into(),
                "13622229784656158136036771217484571176836296686641868549125388198837476602820"
                    .into()
            )
        );
        let signature = key.sign(message);
        assert_eq!(
            signature.to_decimal(),
            (
                "11384336176656855268977457483345535180380036354188103142384839473266348197733"
                    .into(),
                "15383486972088797283337779941324724402501462225528836549661220478783371668959"
                    .into(),
                "1672775540645840396591609181675628451599263765380031905495115170613215233181"
                    .into()
            )
        );
        public.verify(message, &signature).unwrap();
        assert_eq!(Signature::unpack(&signature.pack()).unwrap(), signature);
        assert_eq!(PublicKey::unpack(&public.pack()).unwrap(), public);
    }

    #[test]
    fn forgeries_and_malformed_signatures_are_refused() {
        let key = kat_key();
        let public = key.public_key();
        let message = Fr::from(42u64);
        let signature = key.sign(message);
        public.verify(message, &signature).unwrap();
        // Another message, another key.
        assert_eq!(
            public.verify(message + Fr::from(1u64), &signature),
            Err(SignatureError::Invalid)
        );
        let other = SecretKey::from_bytes([7u8; 32]).public_key();
        assert_eq!(
            other.verify(message, &signature),
            Err(SignatureError::Invalid)
        );
        // S + 1, and S + l (the same residue, refused as non-canonical).
        let bumped = Signature::new(signature.r8(), signature.s() + Fs::from(1u64));
        assert_eq!(
            public.verify(message, &bumped),
            Err(SignatureError::Invalid)
        );
        let (r8x, r8y, s) = signature.to_decimal();
        let s_plus_l =
            num_bigint::BigUint::from_str(&s).unwrap() + num_bigint::BigUint::from(Fs::MODULUS);
        assert_eq!(
            Signature::from_decimal(&r8x, &r8y, &s_plus_l.to_string()),
            Err(SignatureError::ScalarNotReduced)
        );
        let mut packed = signature.pack();
        packed[32..].copy_from_slice(&Fs::MODULUS.to_bytes_le());
        assert_eq!(
            Signature::unpack(&packed),
            Err(SignatureError::ScalarNotReduced)
        );
        // R8 off the curve, and R8 plus a torsion point (verifies in circomlibjs's equation
        // up to the cofactor, refused here).
        let off = (r8y.parse::<num_bigint::BigUint>().unwrap() + 1u8).to_string();
        assert!(matches!(
            Signature::from_decimal(&r8x, &off, &s),
            Err(SignatureError::Point(
                crate::babyjubjub::PointError::NotOnCurve { .. }
            ))
        ));
        let torsion = (signature.r8().affine()
            + crate::babyjubjub::Affine::new_unchecked(Fr::from(0u64), -Fr::from(1u64)))
        .into_affine();
        let (tx, ty) = (field::to_decimal(&torsion.x), field::to_decimal(&torsion.y));
        assert!(matches!(
            Signature::from_decimal(&tx, &ty, &s),
            Err(SignatureError::Point(
                crate::babyjubjub::PointError::NotInSubgroup { .. }
            ))
        ));
        // Key material never shows in Debug.
        assert_eq!(format!("{key:?}"), "SecretKey(<redacted>)");
        assert!(bool::from(key.ct_eq(&kat_key())));
        assert!(!bool::from(key.ct_eq(&SecretKey::from_bytes([7u8; 32]))));
    }
}
