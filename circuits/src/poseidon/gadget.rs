//! The circomlib Poseidon permutation as R1CS constraints over BN254 (arkworks r1cs-std).
//!
//! Linear layers (round constants, MDS) are free linear combinations; each S-box on a
//! variable costs 3 constraints (x², x⁴, x⁵) and S-boxes on constants cost nothing, so a
//! 2-input hash is 8·3·3 + 57·3 − 3 = 240 constraints, as circomlib's `Poseidon(2)`.
//! [`PoseidonGadget::enforce_hash_equals`] folds the comparison with an expected digest
//! into the last S-box, so "C = Poseidon(v, r)" also costs 240 constraints.

use ark_bn254::Fr;
use ark_ff::Field;
use ark_r1cs_std::fields::{fp::FpVar, FieldVar};
use ark_relations::gr1cs::SynthesisError;

use super::Params;
use crate::gadgets::{enforce_equal, enforce_product};
use crate::ZkError;

/// Poseidon for a fixed number of inputs, as constraints.
pub struct PoseidonGadget {
    params: &'static Params,
    inputs: usize,
}

impl PoseidonGadget {
    /// A gadget hashing exactly `inputs` elements (1 to 16).
    ///
    /// # Errors
    /// [`ZkError::UnsupportedArity`] outside 1..=16.
    pub fn new(inputs: usize) -> Result<Self, ZkError> {
        Ok(PoseidonGadget {
            params: Params::for_inputs(inputs)?,
            inputs,
        })
    }

    /// The digest of `inputs` as a (linear-combination) variable.
    ///
    /// # Errors
    /// [`SynthesisError::Unsatisfiable`] when `inputs` has another length than the gadget's.
    pub fn hash(&self, inputs: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
        let mut state = self.rounds_before_last_sbox(inputs)?;
        for element in state.iter_mut() {
            *element = pow5(element)?;
        }
        Ok(self.mix_row(0, &state))
    }

    /// Enforces `Poseidon(inputs) == expected`, without a separate equality constraint.
    ///
    /// # Errors
    /// As [`PoseidonGadget::hash`].
    pub fn enforce_hash_equals(
        &self,
        inputs: &[FpVar<Fr>],
        expected: &FpVar<Fr>,
    ) -> Result<(), SynthesisError> {
        let mut state = self.rounds_before_last_sbox(inputs)?;
        let mds = self.params.mds();
        let Some(first_weight_inverse) = mds[0][0].inverse() else {
            // A Cauchy MDS matrix has no zero entry; keep a correct path regardless.
            return enforce_equal(&self.hash(inputs)?, expected);
        };
        for element in state.iter_mut().skip(1) {
            *element = pow5(element)?;
        }
        // expected = Σ_j M[0][j]·s_j  ⇔  s_0 = (expected − Σ_{j≥1} M[0][j]·s_j) / M[0][0].
        let rest: FpVar<Fr> = state.iter().zip(&mds[0]).skip(1).map(|(s, m)| s * *m).sum();
        let first_sbox_output = (expected - rest) * first_weight_inverse;
        let x = &state[0];
        let x4 = x.square()?.square()?;
        enforce_product(&x4, x, &first_sbox_output)
    }

    /// Runs every round up to and including the last round's constant addition.
    fn rounds_before_last_sbox(
        &self,
        inputs: &[FpVar<Fr>],
    ) -> Result<Vec<FpVar<Fr>>, SynthesisError> {
        if inputs.len() != self.inputs {
            return Err(SynthesisError::Unsatisfiable);
        }
        let params = self.params;
        let mut state = Vec::with_capacity(params.width());
        state.push(FpVar::Constant(Fr::from(0u64)));
        state.extend_from_slice(inputs);
        let last = params.rounds() - 1;
        for round in 0..=last {
            for (element, constant) in state.iter_mut().zip(params.round_constants(round)) {
                *element += *constant;
            }
            if round == last {
                break;
            }
            if params.is_full_round(round) {
                for element in state.iter_mut() {
                    *element = pow5(element)?;
                }
            } else {
                state[0] = pow5(&state[0])?;
            }
            state = (0..params.width())
                .map(|row| self.mix_row(row, &state))
                .collect();
        }
        Ok(state)
    }

    fn mix_row(&self, row: usize, state: &[FpVar<Fr>]) -> FpVar<Fr> {
        self.params.mds()[row]
            .iter()
            .zip(state)
            .map(|(m, s)| s * *m)
            .sum()
    }
}

fn pow5(x: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    let x4 = x.square()?.square()?;
    Ok(x4 * x)
}
