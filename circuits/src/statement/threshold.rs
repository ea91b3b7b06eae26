//! `threshold`: C opens to v, v < 2^bits, and v ≥ T (or v ≤ T). Public inputs: C, T.

use ark_bn254::Fr;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

use super::{allocate_committed_value, Direction, Witness};
use crate::gadgets::RangeCheckGadget;

/// The threshold statement as a constraint system.
pub struct ThresholdCircuit {
    bits: u32,
    direction: Direction,
    witness: Witness,
    public_inputs: Vec<Fr>,
}

impl ThresholdCircuit {
    pub(crate) fn new(
        bits: u32,
        direction: Direction,
        witness: Witness,
        public_inputs: Vec<Fr>,
    ) -> Self {
        ThresholdCircuit {
            bits,
            direction,
            witness,
            public_inputs,
        }
    }
}

impl ConstraintSynthesizer<Fr> for ThresholdCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let (inputs, value) =
            allocate_committed_value(&cs, &self.witness, &self.public_inputs, self.bits)?;
        let threshold = inputs.get(1).ok_or(SynthesisError::Unsatisfiable)?;
        let slack = match self.direction {
            Direction::AtLeast => &value - threshold,
            Direction::AtMost => threshold - &value,
        };
        RangeCheckGadget::enforce_below_power_of_two(cs, &slack, self.bits as usize)
    }
}
