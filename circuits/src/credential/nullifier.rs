//! Scoped nullifiers: `Poseidon(NULLIFIER_TAG, k, scope)` for the holder secret `k`
//! ([`super::holder`]) and a verifier's scope, natively ([`nullifier`]) and in a circuit
//! ([`NullifierGadget`]).
//!
//! A verifier (a lender, a vote, an airdrop) names a scope, e.g. `lender-x/2026`, turned
//! into a field element by [`scope_to_field`] (SHA-256 under [`SCOPE_TAG`], as strings are
//! hashed into the field, [`super::tagged_field`]). Every proof shows its nullifier as a
//! public input. In one scope one holder key has exactly one nullifier (the circuit takes
//! the canonical `k < l`, so `k·Base8 = A` fixes `k`), so a second proof by the same holder
//! shows the same value and the verifier (or a ledger) refuses it. Across scopes the values
//! are unlinkable: without `k`, `Poseidon(tag, k, scope₁)` and `Poseidon(tag, k, scope₂)`
//! look independent (Poseidon as a pseudo-random function keyed by `k`), and `k` is never
//! revealed (the proof is zero-knowledge).
//!
//! # Layout
//! `Poseidon(3)` of `[tagged_field("conclave/credential/nullifier/v1\0", ""), k, scope]`,
//! 258 constraints in a circuit (width 4: 8 full rounds × 4 S-boxes + 56 partial, 3 each,
//! less the two S-boxes of the first round on constants: the capacity and the tag) whether
//! the result is returned or compared with a public input.
//!
//! # Security
//! A holder with several keys (several credentials issued to different keys) has one
//! nullifier per key; statements bind all credentials to one key. The scope must be fixed
//! by the verifier, not chosen by the prover.

use ark_bn254::Fr;
use ark_r1cs_std::fields::fp::FpVar;
use ark_relations::gr1cs::SynthesisError;

use super::holder::{HolderSecret, HolderVar};
use super::tagged_field;
use crate::poseidon;
use crate::poseidon::gadget::PoseidonGadget;

/// Tag whose field element is the nullifier's first input.
pub const NULLIFIER_TAG: &[u8] = b"conclave/credential/nullifier/v1\0";
/// Tag of scope strings hashed into the field.
pub const SCOPE_TAG: &[u8] = b"conclave/credential/scope/v1\0";

/// A verifier scope's field element: [`tagged_field`] with [`SCOPE_TAG`] over its UTF-8.
pub fn scope_to_field(scope: &str) -> Fr {
    tagged_field(SCOPE_TAG, scope.as_bytes())
}

/// The holder's nullifier in `scope`: `Poseidon(tag, k, scope)`.
pub fn nullifier(secret: &HolderSecret, scope: Fr) -> Fr {
    let inputs = [tagged_field(NULLIFIER_TAG, b""), secret.to_field(), scope];
    poseidon::hash(&inputs).expect("Poseidon takes 3 inputs")
}

/// The nullifier as constraints.
pub struct NullifierGadget;

impl NullifierGadget {
    /// The nullifier of `holder` in `scope` (258 constraints).
    ///
    /// # Errors
    /// Synthesis errors.
    pub fn nullifier(holder: &HolderVar, scope: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
        Self::gadget()?.hash(&Self::inputs(holder, scope))
    }

    /// Enforces `nullifier(holder, scope) == expected` (a public input), also 258
    /// constraints (the comparison is folded into the last S-box).
    ///
    /// # Errors
    /// Synthesis errors.
    pub fn enforce_nullifier(
        holder: &HolderVar,
        scope: &FpVar<Fr>,
        expected: &FpVar<Fr>,
    ) -> Result<(), SynthesisError> {
        Self::gadget()?.enforce_hash_equals(&Self::inputs(holder, scope), expected)
    }

    fn gadget() -> Result<PoseidonGadget, SynthesisError> {
        PoseidonGadget::new(3).map_err(|_| SynthesisError::Unsatisfiable)
    }

    fn inputs(holder: &HolderVar, scope: &FpVar<Fr>) -> [FpVar<Fr>; 3] {
        [
            FpVar::Constant(tagged_field(NULLIFIER_TAG, b"")),
            holder.secret().clone(),
            scope.clone(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eddsa::SecretKey;
    use ark_r1cs_std::alloc::AllocVar;
    use ark_r1cs_std::GR1CSVar;
    use ark_relations::gr1cs::ConstraintSystem;

    #[test]
    fn native_and_gadget_agree_and_scopes_do_not_link() {
        let alice = HolderSecret::from_secret_key(&SecretKey::from_bytes([1u8; 32]));
        let bob = HolderSecret::from_secret_key(&SecretKey::from_bytes([2u8; 32]));
        let lender = scope_to_field("lender-x/2026");
        let other = scope_to_field("lender-y/2026");
        let n = nullifier(&alice, lender);
        // Deterministic in one scope; different across scopes and holders.
        assert_eq!(n, nullifier(&alice, lender));
        assert_ne!(n, nullifier(&alice, other));
        assert_ne!(n, nullifier(&bob, lender));
        assert_ne!(lender, other);

        let cs = ConstraintSystem::<Fr>::new_ref();
        let holder = HolderVar::new_witness(cs.clone(), Some(&alice)).unwrap();
        let scope = FpVar::new_input(cs.clone(), || Ok(lender)).unwrap();
        let before = cs.num_constraints();
        let value = NullifierGadget::nullifier(&holder, &scope).unwrap();
        assert_eq!(value.value().unwrap(), n);
        assert_eq!(cs.num_constraints() - before, 258);
        let expected = FpVar::new_input(cs.clone(), || Ok(n)).unwrap();
        let before = cs.num_constraints();
        NullifierGadget::enforce_nullifier(&holder, &scope, &expected).unwrap();
        assert_eq!(cs.num_constraints() - before, 258);
        assert!(cs.is_satisfied().unwrap());
    }

    #[test]
    fn a_claimed_nullifier_of_another_scope_or_holder_is_refused() {
        let alice = HolderSecret::from_secret_key(&SecretKey::from_bytes([1u8; 32]));
        let bob = HolderSecret::from_secret_key(&SecretKey::from_bytes([2u8; 32]));
        let lender = scope_to_field("lender-x/2026");
        for (secret, scope, claimed, honest) in [
            (&alice, lender, nullifier(&alice, lender), true),
            (
                &alice,
                lender,
                nullifier(&alice, scope_to_field("x")),
                false,
            ),
            (&alice, lender, nullifier(&bob, lender), false),
            (&bob, lender, nullifier(&alice, lender), false),
        ] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let holder = HolderVar::new_witness(cs.clone(), Some(secret)).unwrap();
            let scope = FpVar::new_input(cs.clone(), || Ok(scope)).unwrap();
            let expected = FpVar::new_input(cs.clone(), || Ok(claimed)).unwrap();
            NullifierGadget::enforce_nullifier(&holder, &scope, &expected).unwrap();
            assert_eq!(cs.is_satisfied().unwrap(), honest);
        }
    }
}
