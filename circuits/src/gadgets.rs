//! Reusable constraint pieces: range checks by bit decomposition, and the sign of a bounded
//! difference (the comparisons of the predicate compiler).
//!
//! # Security
//! r1cs-std treats a comparison of two constants as satisfied without looking at them
//! (`FpVar::mul_equals` and `enforce_equal` on constants return `Ok(())`), so a gadget that
//! only emits constraints would accept an out-of-range *constant*. Every gadget here checks
//! constant operands natively instead and returns [`SynthesisError::Unsatisfiable`] for a
//! bad one.

use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, BigInteger, Field, PrimeField};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::{fp::FpVar, FieldVar};
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// Range checks `0 ≤ x < 2^bits` in exactly `bits` constraints (none for a constant).
///
/// The low `bits − 1` bits are allocated as booleans (one constraint each); the top bit
/// is the linear combination `(x − Σ bᵢ·2ⁱ) / 2^(bits−1)`, and the constraint that it is
/// boolean at the same time ties the decomposition to `x`.
pub struct RangeCheckGadget;

impl RangeCheckGadget {
    /// Enforces `0 ≤ value < 2^bits` (with `1 ≤ bits ≤ 253`).
    ///
    /// A constant `value` is checked natively and costs no constraint; an input or
    /// witness costs exactly `bits` constraints.
    ///
    /// # Errors
    /// [`SynthesisError::Unsatisfiable`] for a width outside 1..=253 or a constant
    /// `value` outside the range; otherwise synthesis errors.
    pub fn enforce_below_power_of_two(
        cs: ConstraintSystemRef<Fr>,
        value: &FpVar<Fr>,
        bits: usize,
    ) -> Result<(), SynthesisError> {
        if !(1..Fr::MODULUS_BIT_SIZE as usize).contains(&bits) {
            return Err(SynthesisError::Unsatisfiable);
        }
        if let FpVar::Constant(constant) = value {
            let fits = constant.into_bigint().num_bits() as usize <= bits;
            return if fits {
                Ok(())
            } else {
                Err(SynthesisError::Unsatisfiable)
            };
        }
        // In setup mode there is no assignment; any placeholder bits will do.
        let little_endian = value
            .value()
            .map(|v| v.into_bigint().to_bits_le())
            .unwrap_or_default();
        let low_bits = (0..bits - 1)
            .map(|position| little_endian.get(position).copied().unwrap_or(false))
            .collect::<Vec<_>>();
        Self::enforce_with_low_bits(cs, value, bits, &low_bits)
    }

    /// The constraints of [`Self::enforce_below_power_of_two`] with the prover's choice of
    /// the low `bits − 1` bits (tests use it to play a cheating prover).
    fn enforce_with_low_bits(
        cs: ConstraintSystemRef<Fr>,
        value: &FpVar<Fr>,
        bits: usize,
        low_bits: &[bool],
    ) -> Result<(), SynthesisError> {
        let mut low_sum = FpVar::Constant(Fr::from(0u64));
        let mut weight = Fr::from(1u64);
        for &bit in low_bits.iter().take(bits - 1) {
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

/// Enforces `a · b = c`; when all three are constants, checks the product natively
/// (r1cs-std's `mul_equals` would accept three unrelated constants).
///
/// # Errors
/// [`SynthesisError::Unsatisfiable`] for constants whose product is not `c`.
pub(crate) fn enforce_product(
    a: &FpVar<Fr>,
    b: &FpVar<Fr>,
    c: &FpVar<Fr>,
) -> Result<(), SynthesisError> {
    match (a, b, c) {
        (FpVar::Constant(a), FpVar::Constant(b), FpVar::Constant(c)) => {
            if *a * b == *c {
                Ok(())
            } else {
                Err(SynthesisError::Unsatisfiable)
            }
        }
        _ => a.mul_equals(b, c),
    }
}

/// Enforces `a = b`; two constants are compared natively (r1cs-std's `enforce_equal`
/// would accept two different constants).
///
/// # Errors
/// [`SynthesisError::Unsatisfiable`] for different constants.
pub(crate) fn enforce_equal(a: &FpVar<Fr>, b: &FpVar<Fr>) -> Result<(), SynthesisError> {
    use ark_r1cs_std::eq::EqGadget;
    match (a, b) {
        (FpVar::Constant(a), FpVar::Constant(b)) => {
            if a == b {
                Ok(())
            } else {
                Err(SynthesisError::Unsatisfiable)
            }
        }
        _ => a.enforce_equal(b),
    }
}

/// The sign of a difference whose magnitude is bounded: `d ≥ 0` for `−2^bits ≤ d < 2^bits`,
/// in exactly `bits + 1` constraints (none for a constant).
///
/// `v = d + 2^bits` lies in `[0, 2^(bits+1))` under the caller's bound, and `v`'s bit
/// number `bits` is `d ≥ 0`. The gadget allocates that top bit and the low `bits − 1` bits as
/// booleans (`bits` constraints); bit `bits − 1` is the linear combination
/// `(v − Σ bᵢ·2ⁱ − top·2^bits) / 2^(bits−1)`, and its booleanity constraint ties the
/// decomposition to `v`. With every bit boolean, `v = Σ bᵢ·2ⁱ` has exactly one solution below
/// `2^(bits+1) ≤ 2^253 < p`, so the top bit is determined.
///
/// # Security
/// The bound on `d` is the caller's contract (the predicate compiler derives it from the
/// operands' range-checked widths). If `d` is outside it, `v` has no decomposition of
/// `bits + 1` bits and the constraint system is unsatisfiable (never a wrong answer).
pub struct SignGadget;

impl SignGadget {
    /// The boolean `d ≥ 0`, for `−2^bits ≤ d < 2^bits` and `1 ≤ bits ≤ 252`.
    ///
    /// # Errors
    /// [`SynthesisError::Unsatisfiable`] for a width outside 1..=252 or a constant `d`
    /// outside the bound; otherwise synthesis errors.
    pub fn is_nonnegative(d: &FpVar<Fr>, bits: usize) -> Result<Boolean<Fr>, SynthesisError> {
        if !(1..Fr::MODULUS_BIT_SIZE as usize - 1).contains(&bits) {
            return Err(SynthesisError::Unsatisfiable);
        }
        let offset = power_of_two(bits);
        if let FpVar::Constant(constant) = d {
            let v = (*constant + offset).into_bigint();
            return if v.num_bits() as usize <= bits + 1 {
                Ok(Boolean::Constant(v.get_bit(bits)))
            } else {
                Err(SynthesisError::Unsatisfiable)
            };
        }
        // In setup mode there is no assignment; any placeholder bits will do.
        let little_endian = d
            .value()
            .map(|d| (d + offset).into_bigint().to_bits_le())
            .unwrap_or_default();
        let bit = |position: usize| little_endian.get(position).copied().unwrap_or(false);
        let low_bits = (0..bits - 1).map(bit).collect::<Vec<_>>();
        Self::with_bits(d, bits, bit(bits), &low_bits)
    }

    /// The constraints of [`Self::is_nonnegative`] with the prover's choice of the top bit and
    /// the low `bits − 1` bits (tests use it to play a cheating prover).
    fn with_bits(
        d: &FpVar<Fr>,
        bits: usize,
        top: bool,
        low_bits: &[bool],
    ) -> Result<Boolean<Fr>, SynthesisError> {
        let cs = d.cs();
        let top = Boolean::new_witness(cs.clone(), || Ok(top))?;
        let mut sum = FpVar::from(top.clone()) * power_of_two(bits);
        let mut weight = Fr::from(1u64);
        for &bit in low_bits.iter().take(bits - 1) {
            let bit = Boolean::new_witness(cs.clone(), || Ok(bit))?;
            sum += FpVar::from(bit) * weight;
            weight.double_in_place();
        }
        // `weight` is now 2^(bits−1).
        let weight_inverse = weight.inverse().ok_or(SynthesisError::Unsatisfiable)?;
        let last = (d + power_of_two(bits) - sum) * weight_inverse;
        let last_minus_one = &last - Fr::from(1u64);
        last.mul_equals(&last_minus_one, &FpVar::Constant(Fr::ZERO))?;
        Ok(top)
    }
}

/// `2^bits` in the field.
pub(crate) fn power_of_two(bits: usize) -> Fr {
    let mut value = Fr::from(1u64);
    for _ in 0..bits {
        value.double_in_place();
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_r1cs_std::alloc::AllocationMode;
    use ark_relations::gr1cs::ConstraintSystem;

    const MODES: [AllocationMode; 3] = [
        AllocationMode::Constant,
        AllocationMode::Input,
        AllocationMode::Witness,
    ];

    /// Runs the gadget on `value` allocated in `mode`: `Ok((satisfied, constraints))`, or
    /// the synthesis error.
    fn check(
        value: Fr,
        bits: usize,
        mode: AllocationMode,
    ) -> Result<(bool, usize), SynthesisError> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let x = FpVar::new_variable(cs.clone(), || Ok(value), mode).unwrap();
        RangeCheckGadget::enforce_below_power_of_two(cs.clone(), &x, bits)?;
        Ok((cs.is_satisfied().unwrap(), cs.num_constraints()))
    }

    fn max_of(bits: usize) -> u64 {
        if bits == 64 {
            u64::MAX
        } else {
            (1u64 << bits) - 1
        }
    }

    #[test]
    fn accepts_exactly_the_range_in_every_allocation_mode() {
        for mode in MODES {
            // A constant costs nothing; an input or witness costs exactly `bits`.
            let cost = |bits| {
                if mode == AllocationMode::Constant {
                    0
                } else {
                    bits
                }
            };
            for bits in [1usize, 8, 32, 64] {
                let max = Fr::from(max_of(bits));
                let over = max + Fr::from(1u64);
                assert_eq!(
                    check(Fr::from(0u64), bits, mode).unwrap(),
                    (true, cost(bits))
                );
                assert_eq!(check(max, bits, mode).unwrap(), (true, cost(bits)));
                for bad in [over, -Fr::from(1u64), over + over] {
                    match check(bad, bits, mode) {
                        Ok((satisfied, constraints)) => {
                            assert_ne!(
                                mode,
                                AllocationMode::Constant,
                                "a bad constant must fail synthesis"
                            );
                            assert!(
                                !satisfied,
                                "{bad} must be rejected at {bits} bits ({mode:?})"
                            );
                            assert_eq!(constraints, bits);
                        }
                        Err(error) => {
                            assert_eq!(mode, AllocationMode::Constant);
                            assert!(matches!(error, SynthesisError::Unsatisfiable));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn refuses_unsupported_widths() {
        for mode in MODES {
            for bits in [0usize, 254, 300] {
                assert!(matches!(
                    check(Fr::from(1u64), bits, mode),
                    Err(SynthesisError::Unsatisfiable)
                ));
            }
        }
    }

    /// Every choice of the 7 low bits a prover can make for an 8-bit check: only the
    /// honest decomposition of an in-range value satisfies, and nothing satisfies for a
    /// value out of range (the gadget itself runs, with the prover's bits).
    #[test]
    fn cheating_bits_do_not_satisfy() {
        const BITS: usize = 8;
        for mode in [AllocationMode::Input, AllocationMode::Witness] {
            for value in [5u64, 0, 255, 256, 300, 1 << 20] {
                let mut satisfying = Vec::new();
                for pattern in 0u64..1 << (BITS - 1) {
                    let low_bits: Vec<bool> =
                        (0..BITS - 1).map(|i| (pattern >> i) & 1 == 1).collect();
                    let cs = ConstraintSystem::<Fr>::new_ref();
                    let x = FpVar::new_variable(cs.clone(), || Ok(Fr::from(value)), mode).unwrap();
                    RangeCheckGadget::enforce_with_low_bits(cs.clone(), &x, BITS, &low_bits)
                        .unwrap();
                    assert_eq!(cs.num_constraints(), BITS);
                    if cs.is_satisfied().unwrap() {
                        satisfying.push(pattern);
                    }
                }
                let expected = if value < 1 << BITS {
                    vec![value & 0x7f]
                } else {
                    Vec::new()
                };
                assert_eq!(satisfying, expected, "value {value} ({mode:?})");
            }
        }
    }

    /// `d ≥ 0` for every `d` in `[−2^bits, 2^bits)` in every mode, in `bits + 1` constraints.
    #[test]
    fn sign_is_exact_at_the_bounds() {
        for mode in MODES {
            for bits in [1usize, 8, 64, 252] {
                let bound = power_of_two(bits);
                for (d, nonnegative) in [
                    (Fr::from(0u64), true),
                    (Fr::from(1u64), true),
                    (-Fr::from(1u64), false),
                    (bound - Fr::from(1u64), true),
                    (-bound, false),
                ] {
                    let cs = ConstraintSystem::<Fr>::new_ref();
                    let var = FpVar::new_variable(cs.clone(), || Ok(d), mode).unwrap();
                    let sign = SignGadget::is_nonnegative(&var, bits).unwrap();
                    assert_eq!(sign.value().unwrap(), nonnegative, "{d} at {bits} bits");
                    assert!(cs.is_satisfied().unwrap());
                    let expected = if mode == AllocationMode::Constant {
                        0
                    } else {
                        bits + 1
                    };
                    assert_eq!(cs.num_constraints(), expected);
                }
                // Just outside the bound: unsatisfiable, or refused for a constant.
                for d in [bound, -bound - Fr::from(1u64)] {
                    let cs = ConstraintSystem::<Fr>::new_ref();
                    let var = FpVar::new_variable(cs.clone(), || Ok(d), mode).unwrap();
                    match SignGadget::is_nonnegative(&var, bits) {
                        Ok(_) => {
                            assert_ne!(mode, AllocationMode::Constant);
                            assert!(!cs.is_satisfied().unwrap());
                        }
                        Err(e) => {
                            assert_eq!(mode, AllocationMode::Constant);
                            assert!(matches!(e, SynthesisError::Unsatisfiable));
                        }
                    }
                }
            }
            for bits in [0usize, 253] {
                let var = FpVar::new_variable(
                    ConstraintSystem::<Fr>::new_ref(),
                    || Ok(Fr::from(1u64)),
                    mode,
                )
                .unwrap();
                assert!(SignGadget::is_nonnegative(&var, bits).is_err());
            }
        }
    }

    /// A cheating prover choosing every top bit and low bits for a 6-bit bound satisfies the
    /// constraints only with the honest decomposition, so the sign cannot be forced.
    #[test]
    fn sign_cannot_be_forced() {
        const BITS: usize = 6;
        for mode in [AllocationMode::Input, AllocationMode::Witness] {
            for d in [-64i64, -63, -5, -1, 0, 1, 17, 63] {
                let field = if d < 0 {
                    -Fr::from(d.unsigned_abs())
                } else {
                    Fr::from(d as u64)
                };
                let mut satisfying = Vec::new();
                for top in [false, true] {
                    for pattern in 0u64..1 << (BITS - 1) {
                        let low: Vec<bool> =
                            (0..BITS - 1).map(|i| (pattern >> i) & 1 == 1).collect();
                        let cs = ConstraintSystem::<Fr>::new_ref();
                        let var = FpVar::new_variable(cs.clone(), || Ok(field), mode).unwrap();
                        let sign = SignGadget::with_bits(&var, BITS, top, &low).unwrap();
                        assert_eq!(cs.num_constraints(), BITS + 1);
                        if cs.is_satisfied().unwrap() {
                            satisfying.push((sign.value().unwrap(), pattern));
                        }
                    }
                }
                let v = (d + 64) as u64;
                assert_eq!(satisfying, vec![(d >= 0, v & 0x1f)], "d = {d} ({mode:?})");
            }
        }
    }
}
