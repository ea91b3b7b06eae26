//! Holder binding: the holder's secret scalar, and its public key recomputed in a circuit.
//!
//! A holder key is an EdDSA-Poseidon key made as circomlibjs `prv2pub` does
//! ([`crate::eddsa`]): `s` = the pruned lower half of BLAKE-512(private key), and
//! `A = (s >> 3)·Base8`. A circuit cannot run BLAKE-512 cheaply, so the **holder secret**
//! the circuit takes is the scalar itself, reduced: `k = (s >> 3) mod l` (so `0 < k < l`,
//! and `k·Base8 = A`). [`HolderSecret::from_secret_key`] derives it from the key file's
//! 32 bytes; the credential's holder key is `k·Base8`.
//!
//! [`HolderVar`] allocates `k` once per proof as a witness, decomposes it into 251 bits,
//! enforces `k ≤ l − 1` (so `k` is the **canonical** scalar of `A`: one holder key has one
//! `k`, hence one nullifier per scope, see [`super::nullifier`]) and computes `k·Base8` by
//! the signature gadget's fixed-base multiplication (`babyjubjub::gadget::base8_mul_le`):
//! 912 constraints per proof (1,251 with the earlier 3-bit-window version). Each credential
//! then hashes these coordinates as its holder leaves ([`super::gadget::CredentialGadget`]):
//! a credential of another holder gives another hash, on which the issuer's signature does
//! not verify.
//!
//! # Security
//! Knowledge of `k` is knowledge of the discrete log of `A`, which is what the EdDSA key
//! protects (whoever holds `k` can also sign as the holder: `k` is as secret as the key
//! file). [`HolderSecret`] is zeroized on drop and has a redacting `Debug`.

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::groups::curves::twisted_edwards::AffineVar;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};
use blake_hash::{Blake512, Digest};
use std::fmt;
use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::babyjubjub::gadget::{
    base8_mul_le, enforce_le_constant, odd_modulus_minus_one_bits, to_bits_le,
};
use crate::babyjubjub::{ct_mul, BabyJubjubConfig, Fs, Point, BASE8};
use crate::eddsa::{PublicKey, SecretKey};

type EdwardsVar = AffineVar<BabyJubjubConfig, FpVar<Fr>>;

/// Bits of the holder scalar in a circuit (`l < 2^251`).
pub const HOLDER_SCALAR_BITS: usize = 251;

/// The holder's secret scalar `k = (s >> 3) mod l`, with `k·Base8` the holder public key.
///
/// # Security
/// Zeroized on drop; `Debug` prints nothing of it; no `Clone`; compare with
/// [`ConstantTimeEq`].
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct HolderSecret {
    /// `k`, 32 little-endian bytes, below `l`.
    scalar: [u8; 32],
}

impl fmt::Debug for HolderSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HolderSecret(<redacted>)")
    }
}

impl ConstantTimeEq for HolderSecret {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.scalar.ct_eq(&other.scalar)
    }
}

impl HolderSecret {
    /// The holder secret of an EdDSA-Poseidon private key (the holder key file's key):
    /// `k = (s >> 3) mod l`, `s` as in circomlibjs `prv2pub`.
    pub fn from_secret_key(key: &SecretKey) -> Self {
        let mut hasher = Blake512::new();
        hasher.update(key.as_bytes());
        let mut digest = Zeroizing::new([0u8; 64]);
        digest.copy_from_slice(&hasher.finalize());
        let mut pruned = Zeroizing::new([0u8; 32]);
        pruned.copy_from_slice(&digest[..32]);
        pruned[0] &= 0xf8;
        pruned[31] &= 0x7f;
        pruned[31] |= 0x40;
        let mut shifted = Zeroizing::new([0u8; 32]);
        for (index, byte) in shifted.iter_mut().enumerate() {
            let next = pruned.get(index + 1).copied().unwrap_or(0);
            *byte = (pruned[index] >> 3) | (next << 5);
        }
        let mut reduced = Fs::from_le_bytes_mod_order(shifted.as_slice());
        let mut secret = HolderSecret { scalar: [0u8; 32] };
        let bytes = Zeroizing::new(reduced.into_bigint().to_bytes_le());
        secret.scalar.copy_from_slice(&bytes[..32]);
        reduced.zeroize();
        secret
    }

    /// The holder public key `k·Base8` (equal to the key's `prv2pub`).
    pub fn public_key(&self) -> PublicKey {
        // k = (s >> 3) mod l is 0 only if s >> 3 = 2·l (l < 2^251 ≤ s >> 3 < 2^252 < 3·l), a
        // BLAKE-512 output of probability about 2^-251, where `SecretKey::public_key` panics
        // alike; otherwise k·Base8 is a non-identity subgroup point.
        PublicKey::from_point(
            Point::from_affine(ct_mul(&BASE8, &self.scalar), "holder key")
                .expect("k·Base8 with 0 < k < l is a non-identity subgroup point"),
        )
    }

    /// `k` as a field element (`k < l < p`). The copy is not zeroized: keep it short-lived.
    pub(crate) fn to_field(&self) -> Fr {
        Fr::from_le_bytes_mod_order(&self.scalar)
    }
}

/// The holder secret `k` as a witness and the holder public key `k·Base8` it gives.
#[derive(Clone)]
pub struct HolderVar {
    secret: FpVar<Fr>,
    public: EdwardsVar,
}

impl HolderVar {
    /// Allocates the holder secret as a witness (`None` in setup mode), checks
    /// `0 ≤ k ≤ l − 1` and computes `k·Base8` by fixed-base multiplication.
    ///
    /// # Errors
    /// Synthesis errors (`AssignmentMissing` when proving without a secret).
    pub fn new_witness(
        cs: ConstraintSystemRef<Fr>,
        secret: Option<&HolderSecret>,
    ) -> Result<Self, SynthesisError> {
        let k = FpVar::new_witness(cs, || {
            secret
                .map(HolderSecret::to_field)
                .ok_or(SynthesisError::AssignmentMissing)
        })?;
        let bits = canonical_scalar_bits(&k)?;
        let public = base8_mul_le(&bits)?;
        Ok(HolderVar { secret: k, public })
    }

    /// The holder public key's x coordinate (circomlib `Ax`).
    pub fn x(&self) -> &FpVar<Fr> {
        &self.public.x
    }

    /// The holder public key's y coordinate (circomlib `Ay`).
    pub fn y(&self) -> &FpVar<Fr> {
        &self.public.y
    }

    /// The secret `k` (for the nullifier).
    pub(crate) fn secret(&self) -> &FpVar<Fr> {
        &self.secret
    }
}

/// The 251 bits of `k` (251 constraints: 250 booleans and the top bit as a boolean-
/// constrained linear combination, exact since `2^251 < p`) and `k ≤ l − 1` by a
/// comparison of the bits with the constant `l − 1` scanned from the top (a constraint or
/// two per run of equal bits of `l − 1`).
fn canonical_scalar_bits(k: &FpVar<Fr>) -> Result<Vec<FpVar<Fr>>, SynthesisError> {
    let bits = to_bits_le(k, HOLDER_SCALAR_BITS)?;
    enforce_le_constant(
        &bits,
        &odd_modulus_minus_one_bits(Fs::MODULUS, HOLDER_SCALAR_BITS),
    )?;
    Ok(bits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::Field;
    use ark_r1cs_std::GR1CSVar;
    use ark_relations::gr1cs::ConstraintSystem;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn holder_secret_gives_the_prv2pub_key_natively_and_in_circuit() {
        let mut rng = ChaCha20Rng::seed_from_u64(16);
        for _ in 0..3 {
            let key = SecretKey::random(&mut rng);
            let secret = HolderSecret::from_secret_key(&key);
            assert_eq!(secret.public_key(), key.public_key());
            let cs = ConstraintSystem::<Fr>::new_ref();
            let holder = HolderVar::new_witness(cs.clone(), Some(&secret)).unwrap();
            assert_eq!(holder.x().value().unwrap(), key.public_key().point().x());
            assert_eq!(holder.y().value().unwrap(), key.public_key().point().y());
            assert!(cs.is_satisfied().unwrap());
        }
        // circomlibjs test/eddsa.js key.
        let key = crate::credential::keys::secret_key_from_hex(
            "0001020304050607080900010203040506070809000102030405060708090001",
        )
        .unwrap();
        let secret = HolderSecret::from_secret_key(&key);
        assert_eq!(
            crate::field::to_decimal(&secret.public_key().point().x()),
            "13277427435165878497778222415993513565335242147425444199013288855685581939618"
        );
        assert_eq!(format!("{secret:?}"), "HolderSecret(<redacted>)");
        assert!(bool::from(
            secret.ct_eq(&HolderSecret::from_secret_key(&key))
        ));
    }

    /// Satisfaction and count of the holder gadget on a raw `k` (a cheating prover may pick
    /// any field element).
    fn raw(k: Fr) -> (bool, usize, (Fr, Fr)) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let k_var = FpVar::new_witness(cs.clone(), || Ok(k)).unwrap();
        let bits = canonical_scalar_bits(&k_var).unwrap();
        let public = base8_mul_le(&bits).unwrap();
        let xy = (public.x.value().unwrap(), public.y.value().unwrap());
        (cs.is_satisfied().unwrap(), cs.num_constraints(), xy)
    }

    #[test]
    fn only_the_canonical_scalar_satisfies_and_the_count_is_pinned() {
        // A key whose k + l is still below 2^251 (so k + l has 251 bits, like k).
        let l = Fr::from_le_bytes_mod_order(&Fs::MODULUS.to_bytes_le());
        let two_251 = Fr::from(2u64).pow([HOLDER_SCALAR_BITS as u64]);
        let key = (1u8..=64)
            .map(|b| SecretKey::from_bytes([b; 32]))
            .find(|key| {
                let k = HolderSecret::from_secret_key(key).to_field();
                (k + l).into_bigint() < two_251.into_bigint()
            })
            .unwrap();
        let secret = HolderSecret::from_secret_key(&key);
        let k = secret.to_field();
        let (ok, constraints, xy) = raw(k);
        assert!(ok);
        assert_eq!(
            xy,
            (key.public_key().point().x(), key.public_key().point().y())
        );
        // 251 bits (251), k ≤ l − 1 against the constant's bits (151), k·Base8 by
        // `base8_mul_le` (510).
        assert_eq!(constraints, 912);
        // k + l gives the same point but is refused (so one key has one nullifier per scope).
        let (ok, _, xy_plus_l) = raw(k + l);
        assert!(!ok, "k + l must be refused");
        assert_eq!(xy_plus_l, xy);
        // l itself, and a value above 2^251.
        assert!(!raw(l).0);
        assert!(!raw(-Fr::from(1u64)).0);
        // Setup mode: same constraints without a secret.
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_mode(ark_relations::gr1cs::SynthesisMode::Setup);
        HolderVar::new_witness(cs.clone(), None).unwrap();
        assert_eq!(cs.num_constraints(), constraints);
    }
}
