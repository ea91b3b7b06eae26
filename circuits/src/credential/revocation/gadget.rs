//! Non-membership of a revocation id in the issuer's sparse Merkle tree, as constraints.
//!
//! The id (an `FpVar`, e.g. [`crate::credential::gadget::CredentialVar::revocation_id`]) is
//! decomposed into 64 witness bits (64 boolean constraints and one for the sum, which also
//! range-checks the id below 2^64); then per level, from the empty leaf 0 upwards:
//! `t = bit·(sibling − node)` (1 constraint), `left = node + t`, `right = sibling − t`
//! (free), `node = Poseidon(left, right)` (240). The last hash is compared with the root
//! inside its last S-box ([`PoseidonGadget::enforce_hash_equals`]). Total
//! `64·242 + 1 = 15,489` constraints: 242 per level (budget 260).

use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, Field};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

use super::{NonMembershipWitness, DEPTH};
use crate::field;
use crate::gadgets::enforce_equal;
use crate::poseidon::gadget::PoseidonGadget;

/// Proves in a circuit that a revocation id is not in the tree of a given root.
pub struct NonMembershipGadget;

impl NonMembershipGadget {
    /// Enforces that the leaf of `id` is empty in the tree whose root is `root` (a public
    /// input), with the prover's `witness` (`None` in setup mode). 15,489 constraints.
    ///
    /// # Errors
    /// `AssignmentMissing` when proving without a witness; synthesis errors. A revoked id,
    /// a wrong path or an id of 2^64 or more leave the system unsatisfied.
    pub fn enforce_not_revoked(
        cs: ConstraintSystemRef<Fr>,
        id: &FpVar<Fr>,
        witness: Option<&NonMembershipWitness>,
        root: &FpVar<Fr>,
    ) -> Result<(), SynthesisError> {
        // An id of 2^64 or more has no 64-bit decomposition: any bits fail the sum.
        let id_value = id.value().map(|v| field::to_u64(&v));
        let mut bits = Vec::with_capacity(DEPTH);
        let mut sum = FpVar::Constant(Fr::ZERO);
        let mut weight = Fr::ONE;
        for height in 0..DEPTH {
            let bit = Boolean::new_witness(cs.clone(), || {
                id_value.map(|v| v.is_some_and(|v| (v >> height) & 1 == 1))
            })?;
            sum += FpVar::from(bit.clone()) * weight;
            weight.double_in_place();
            bits.push(bit);
        }
        enforce_equal(&sum, id)?;
        let hash = PoseidonGadget::new(2).map_err(|_| SynthesisError::Unsatisfiable)?;
        let mut node = FpVar::Constant(Fr::ZERO);
        for (height, bit) in bits.iter().enumerate() {
            let sibling = FpVar::new_witness(cs.clone(), || {
                witness
                    .and_then(|w| w.siblings().get(height).copied())
                    .ok_or(SynthesisError::AssignmentMissing)
            })?;
            // bit = 1: the node is the right child.
            let t = FpVar::from(bit.clone()) * (&sibling - &node);
            let left = &node + &t;
            let right = &sibling - &t;
            if height + 1 == DEPTH {
                return hash.enforce_hash_equals(&[left, right], root);
            }
            node = hash.hash(&[left, right])?;
        }
        Err(SynthesisError::Unsatisfiable)
    }
}

#[cfg(test)]
mod tests {
    use super::super::RevocationTree;
    use super::*;
    use ark_r1cs_std::alloc::AllocationMode;
    use ark_relations::gr1cs::{ConstraintSystem, SynthesisMode};

    /// `(satisfied, constraints)` for a claim that `id` (a raw field element) is not
    /// revoked under `root`, with `siblings`.
    fn run(id: Fr, siblings: &[Fr], root: Fr, mode: AllocationMode) -> (bool, usize) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let id = FpVar::new_variable(cs.clone(), || Ok(id), mode).unwrap();
        let root = FpVar::new_input(cs.clone(), || Ok(root)).unwrap();
        let witness = NonMembershipWitness {
            siblings: siblings.to_vec(),
        };
        NonMembershipGadget::enforce_not_revoked(cs.clone(), &id, Some(&witness), &root).unwrap();
        (cs.is_satisfied().unwrap(), cs.num_constraints())
    }

    #[test]
    fn native_and_gadget_agree_and_only_unrevoked_ids_pass() {
        let revoked = [0u64, 5, 42, 43, 1 << 40, u64::MAX];
        let tree = RevocationTree::new(revoked).unwrap();
        let root = tree.root();
        for id in [1u64, 4, 6, 41, 44, (1 << 40) + 1, u64::MAX - 1, 7_777_777] {
            let witness = tree.non_membership(id).unwrap();
            witness.verify(id, root).unwrap();
            for mode in [AllocationMode::Witness, AllocationMode::Input] {
                let (ok, constraints) = run(Fr::from(id), witness.siblings(), root, mode);
                assert!(ok, "{id} is not revoked");
                // 64 bits + 1 sum + 64 × (1 select + 240 Poseidon(2)): 242 per level.
                assert_eq!(constraints, 15_489);
            }
            // Tampered paths: a sibling changed at the bottom, middle, top; another root.
            for height in [0, 31, 63] {
                let mut siblings = witness.siblings().to_vec();
                siblings[height] += Fr::ONE;
                assert!(
                    !run(Fr::from(id), &siblings, root, AllocationMode::Witness).0,
                    "sibling {height} altered"
                );
                assert!(witness.verify(id, root + Fr::ONE).is_err());
            }
            // The path of `id` serves its leaf neighbour only if that one is not revoked
            // (both leaves are then 0 and share every sibling above).
            let other = id ^ 1;
            assert_eq!(
                run(
                    Fr::from(other),
                    witness.siblings(),
                    root,
                    AllocationMode::Witness
                )
                .0,
                !tree.is_revoked(other),
                "{other} with the path of {id}"
            );
        }
        // A revoked id has no witness; forcing a neighbour's path or a path to the empty
        // root fails.
        for id in revoked {
            assert!(matches!(
                tree.non_membership(id),
                Err(super::super::RevocationError::Revoked { id: r }) if r == id
            ));
            let neighbour = tree
                .non_membership(id ^ 2)
                .or_else(|_| tree.non_membership(id ^ 4));
            let siblings = neighbour.unwrap().siblings().to_vec();
            assert!(!run(Fr::from(id), &siblings, root, AllocationMode::Witness).0);
            let empty = RevocationTree::default().non_membership(id).unwrap();
            assert!(
                !run(
                    Fr::from(id),
                    empty.siblings(),
                    root,
                    AllocationMode::Witness
                )
                .0
            );
        }
        // An id of 2^64 + 1 (the leaf of 1 in a 65-bit tree) is refused by the bit sum.
        let witness = tree.non_membership(1).unwrap();
        let big = Fr::from(u64::MAX) + Fr::from(2u64);
        assert!(!run(big, witness.siblings(), root, AllocationMode::Witness).0);
    }

    #[test]
    fn setup_mode_has_the_same_count() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_mode(SynthesisMode::Setup);
        let id = FpVar::new_witness(cs.clone(), || Ok(Fr::from(3u64))).unwrap();
        let root = FpVar::new_input(cs.clone(), || Ok(Fr::ZERO)).unwrap();
        NonMembershipGadget::enforce_not_revoked(cs.clone(), &id, None, &root).unwrap();
        assert_eq!(cs.num_constraints(), 15_489);
    }
}
