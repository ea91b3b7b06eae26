//! `range`: C opens to v, v < 2^bits, and lo ≤ v ≤ hi. Public inputs: C, lo, hi.

use ark_bn254::Fr;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

use super::{allocate_committed_value, Witness};
use crate::gadgets::RangeCheckGadget;

/// The range statement as a constraint system.
pub struct RangeCircuit {
    bits: u32,
    witness: Witness,
    public_inputs: Vec<Fr>,
}

impl RangeCircuit {
    pub(crate) fn new(bits: u32, witness: Witness, public_inputs: Vec<Fr>) -> Self {
        RangeCircuit {
            bits,
            witness,
            public_inputs,
        }
    }
}

impl ConstraintSynthesizer<Fr> for RangeCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let (inputs, value) =
            allocate_committed_value(&cs, &self.witness, &self.public_inputs, self.bits)?;
        let (min, max) = match inputs.as_slice() {
            [_, min, max] => (min, max),
            _ => return Err(SynthesisError::Unsatisfiable),
        };
        RangeCheckGadget::enforce_below_power_of_two(
            cs.clone(),
            &(&value - min),
            self.bits as usize,
        )?;
        RangeCheckGadget::enforce_below_power_of_two(cs, &(max - &value), self.bits as usize)
    }
}
