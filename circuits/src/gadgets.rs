//! Reusable constraint pieces: range checks by bit decomposition.

use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, BigInteger, Field, PrimeField};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::{fp::FpVar, FieldVar};
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// Range checks `0 ≤ x < 2^bits` in exactly `bits` constraints.
///
/// The low `bits − 1` bits are allocated as booleans (one constraint each); the top bit
/// is the linear combination `(x − Σ bᵢ·2ⁱ) / 2^(bits−1)`, and the constraint that it is
/// boolean at the same time ties the decomposition to `x`.
pub struct RangeCheckGadget;

impl RangeCheckGadget {
    /// Enforces `0 ≤ value < 2^bits` (with `1 ≤ bits ≤ 253`).
    ///
    /// # Errors
    /// [`SynthesisError::Unsatisfiable`] for a width outside 1..=253, or synthesis errors.
    pub fn enforce_below_power_of_two(
        cs: ConstraintSystemRef<Fr>,
        value: &FpVar<Fr>,
        bits: usize,
    ) -> Result<(), SynthesisError> {
        if !(1..Fr::MODULUS_BIT_SIZE as usize).contains(&bits) {
            return Err(SynthesisError::Unsatisfiable);
        }
        // In setup mode there is no assignment; any placeholder bits will do.
        let little_endian = value
            .value()
            .map(|v| v.into_bigint().to_bits_le())
            .unwrap_or_default();
        let mut low_sum = FpVar::Constant(Fr::from(0u64));
        let mut weight = Fr::from(1u64);
        for position in 0..bits - 1 {
            let bit = little_endian.get(position).copied().unwrap_or(false);
            let bit = Boolean::new_witness(cs.clone(), || Ok(bit))?;
            low_sum += FpVar::from(bit) * weight;
            weight.double_in_place();
        }
        let weight_inverse = weight.inverse().ok_or(SynthesisError::Unsatisfiable)?;
        let top = (value - low_sum) * weight_inverse;
        let top_minus_one = &top - Fr::from(1u64);
        top.mul_equals(&top_minus_one, &FpVar::Constant(Fr::from(0u64)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_relations::gr1cs::ConstraintSystem;

    fn check(value: Fr, bits: usize) -> (bool, usize) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let x = FpVar::new_witness(cs.clone(), || Ok(value)).unwrap();
        RangeCheckGadget::enforce_below_power_of_two(cs.clone(), &x, bits).unwrap();
        (cs.is_satisfied().unwrap(), cs.num_constraints())
    }

    #[test]
    fn accepts_exactly_the_range() {
        for bits in [1usize, 8, 32, 64] {
            let max = if bits == 64 {
                u64::MAX
            } else {
                (1u64 << bits) - 1
            };
            assert_eq!(check(Fr::from(0u64), bits), (true, bits));
            assert_eq!(check(Fr::from(max), bits), (true, bits));
            let over = Fr::from(max) + Fr::from(1u64);
            assert!(!check(over, bits).0, "2^{bits} must be rejected");
            assert!(!check(-Fr::from(1u64), bits).0, "-1 must be rejected");
        }
    }

    #[test]
    fn cheating_bits_do_not_satisfy() {
        // A prover that allocates a wrong low bit makes the top "bit" non-boolean.
        let cs = ConstraintSystem::<Fr>::new_ref();
        let x = FpVar::new_witness(cs.clone(), || Ok(Fr::from(5u64))).unwrap();
        let flipped = Boolean::new_witness(cs.clone(), || Ok(false)).unwrap();
        let top = (&x - FpVar::from(flipped)) * Fr::from(2u64).inverse().unwrap();
        top.mul_equals(&(&top - Fr::from(1u64)), &FpVar::Constant(Fr::from(0u64)))
            .unwrap();
        assert!(!cs.is_satisfied().unwrap());
    }
}
