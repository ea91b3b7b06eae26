//! Poseidon commitments to 64-bit values: `C = Poseidon(value, blinding)` (circomlib-compatible).
//!
//! # Security
//! Hiding rests on the blinding being a uniformly random field element; binding on the
//! collision resistance of Poseidon. The [`Opening`] is secret: it is zeroized on drop,
//! never printed by `Debug`, and compared in constant time.

use ark_bn254::Fr;
use ark_ff::UniformRand;
use rand_core::CryptoRngCore;
use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::{field, poseidon, ZkError};

/// A public commitment to a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Commitment(pub Fr);

impl Commitment {
    /// The commitment as a decimal string.
    pub fn to_decimal(&self) -> String {
        field::to_decimal(&self.0)
    }
}

/// The secret opening of a commitment: the value and its blinding.
pub struct Opening {
    value: u64,
    blinding: Fr,
}

impl Opening {
    /// A fresh opening of `value` with a uniformly random blinding from `rng`.
    pub fn random(value: u64, rng: &mut impl CryptoRngCore) -> Self {
        Opening {
            value,
            blinding: Fr::rand(rng),
        }
    }

    /// An opening from known parts (e.g. read from a secret file).
    pub fn from_parts(value: u64, blinding: Fr) -> Self {
        Opening { value, blinding }
    }

    /// The committed value.
    pub fn value(&self) -> u64 {
        self.value
    }

    /// The blinding factor.
    pub fn blinding(&self) -> &Fr {
        &self.blinding
    }

    /// The commitment this opening opens.
    pub fn commitment(&self) -> Commitment {
        let digest = poseidon::hash(&[Fr::from(self.value), self.blinding])
            .expect("Poseidon has parameters for two inputs");
        Commitment(digest)
    }

    /// Checks that this opening opens `commitment`.
    ///
    /// # Errors
    /// [`ZkError::Unsatisfied`] when it does not.
    pub fn check_opens(&self, commitment: &Commitment) -> Result<(), ZkError> {
        if self.commitment() == *commitment {
            Ok(())
        } else {
            Err(ZkError::Unsatisfied {
                reason: "the secret does not open the commitment (wrong value or blinding)",
            })
        }
    }
}

impl ConstantTimeEq for Opening {
    fn ct_eq(&self, other: &Self) -> Choice {
        let mine = ark_serialize_bytes(&self.blinding);
        let theirs = ark_serialize_bytes(&other.blinding);
        self.value.ct_eq(&other.value) & mine.as_slice().ct_eq(theirs.as_slice())
    }
}

fn ark_serialize_bytes(value: &Fr) -> zeroize::Zeroizing<Vec<u8>> {
    use ark_ff::{BigInteger, PrimeField};
    zeroize::Zeroizing::new(value.into_bigint().to_bytes_le())
}

impl Zeroize for Opening {
    fn zeroize(&mut self) {
        self.value.zeroize();
        self.blinding.zeroize();
    }
}

impl Drop for Opening {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl ZeroizeOnDrop for Opening {}

impl std::fmt::Debug for Opening {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Opening { <redacted> }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn opening_checks_and_redacts() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let opening = Opening::random(712, &mut rng);
        let commitment = opening.commitment();
        opening.check_opens(&commitment).unwrap();
        let other_value = Opening::from_parts(713, *opening.blinding());
        assert!(other_value.check_opens(&commitment).is_err());
        let other_blinding = Opening::random(712, &mut rng);
        assert!(other_blinding.check_opens(&commitment).is_err());
        assert_eq!(format!("{opening:?}"), "Opening { <redacted> }");
        assert!(bool::from(
            opening.ct_eq(&Opening::from_parts(712, *opening.blinding()))
        ));
        assert!(!bool::from(opening.ct_eq(&other_blinding)));
    }
}
