//! The EdDSA-Poseidon verifier as R1CS constraints over BN254 (arkworks r1cs-std):
//! `S < l`, `A` and `R8` on Baby Jubjub and not of small order, and
//! `S·Base8 = R8 + hm·(8·A)` with `hm = Poseidon(R8x, R8y, Ax, Ay, M)`.
//!
//! Costs (pinned in the tests): each non-constant point 19 constraints (curve equation 3,
//! three doublings 15, `x(8P) ≠ 0` 1); `S` 252 bits plus the comparison with `l − 1`;
//! Poseidon(5); a strict 254-bit decomposition of `hm`; a variable-base double-and-add
//! for `hm·(8A)` and a 2-bit-window fixed-base multiplication for `S·Base8`.
//!
//! # Security
//! The equation is checked on `8·A`, so a torsion component of `A` is cleared rather than
//! refused: issuer keys must come from checked [`super::PublicKey`]s (a constant, or a
//! public input the verifier checks natively). `R8` needs no subgroup check: both other
//! terms of the equation lie in the prime-order subgroup, so a satisfying `R8` does too.
//! A statement with every operand constant is checked natively (a false one is
//! [`SynthesisError::Unsatisfiable`]), since r1cs-std accepts unequal constants unchecked.

use std::borrow::Borrow;

use ark_bn254::Fr;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, Field, PrimeField, Zero};
use ark_r1cs_std::alloc::{AllocVar, AllocationMode};
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::{fp::FpVar, FieldVar};
use ark_r1cs_std::groups::curves::twisted_edwards::AffineVar;
use ark_r1cs_std::groups::CurveVar;
use ark_r1cs_std::prelude::ToBitsGadget;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{Namespace, SynthesisError};

use super::{Point, Signature};
use crate::babyjubjub::{BabyJubjubConfig, Fs, Projective, BASE8, COEFF_A, COEFF_D};
use crate::gadgets::{enforce_equal, enforce_product};
use crate::poseidon::gadget::PoseidonGadget;

type EdwardsVar = AffineVar<BabyJubjubConfig, FpVar<Fr>>;

/// Bits of `S` (`l < 2^252`).
const S_BITS: usize = 252;

/// A Baby Jubjub point as constraints, checked on the curve and not of small order (a
/// constant is checked natively to be a [`Point`]: in the prime-order subgroup).
#[derive(Clone)]
pub struct PointVar {
    point: EdwardsVar,
    /// `8·point`, in the prime-order subgroup and not the identity.
    times_eight: EdwardsVar,
}

/// An EdDSA-Poseidon signature as constraints: `R8`, and `S` as 252 bits checked `< l`.
#[derive(Clone)]
pub struct SignatureVar {
    r8: PointVar,
    s_bits: Vec<Boolean<Fr>>,
}

/// Verifies EdDSA-Poseidon signatures in a circuit.
pub struct EddsaPoseidonGadget;

impl PointVar {
    /// The x coordinate.
    pub fn x(&self) -> &FpVar<Fr> {
        &self.point.x
    }

    /// The y coordinate.
    pub fn y(&self) -> &FpVar<Fr> {
        &self.point.y
    }

    /// Allocates raw coordinates (possibly not a point: tests play a cheating prover).
    pub(crate) fn new_coordinates(
        cs: impl Into<Namespace<Fr>>,
        coordinates: impl FnOnce() -> Result<(Fr, Fr), SynthesisError>,
        mode: AllocationMode,
    ) -> Result<Self, SynthesisError> {
        let cs = cs.into().cs();
        let values = coordinates();
        if mode == AllocationMode::Constant {
            // A constant is checked natively, as a `Point` (r1cs-std panics on constant
            // points outside the subgroup, and accepts unequal constants unchecked).
            let (x, y) = values?;
            let point = Point::new(x, y, "constant point")
                .map_err(|_| SynthesisError::Unsatisfiable)?
                .affine();
            return Ok(PointVar {
                point: EdwardsVar::constant(point.into()),
                times_eight: EdwardsVar::constant(point.mul_by_cofactor().into()),
            });
        }
        let x = FpVar::new_variable(cs.clone(), || values.map(|v| v.0), mode)?;
        let y = FpVar::new_variable(cs.clone(), || values.map(|v| v.1), mode)?;
        // a·x² + y² = 1 + d·x²·y²  ⇔  x²·(d·y² − a) = y² − 1.
        let x2 = x.square()?;
        let y2 = y.square()?;
        enforce_product(&x2, &(&y2 * COEFF_D - COEFF_A), &(&y2 - Fr::ONE))?;
        let point = EdwardsVar::new(x, y);
        let mut times_eight = point.clone();
        for _ in 0..3 {
            times_eight.double_in_place()?;
        }
        // 8·P ≠ O ⇔ x(8P) ≠ 0 (the only points with x = 0 are (0, 1) and (0, −1)).
        match &times_eight.x {
            FpVar::Constant(x) if x.is_zero() => return Err(SynthesisError::Unsatisfiable),
            FpVar::Constant(_) => {}
            x => {
                let inverse =
                    FpVar::new_witness(cs, || Ok(x.value()?.inverse().unwrap_or(Fr::ZERO)))?;
                enforce_product(x, &inverse, &FpVar::Constant(Fr::ONE))?;
            }
        }
        Ok(PointVar { point, times_eight })
    }
}

impl AllocVar<Point, Fr> for PointVar {
    fn new_variable<T: Borrow<Point>>(
        cs: impl Into<Namespace<Fr>>,
        f: impl FnOnce() -> Result<T, SynthesisError>,
        mode: AllocationMode,
    ) -> Result<Self, SynthesisError> {
        Self::new_coordinates(cs, || f().map(|p| (p.borrow().x(), p.borrow().y())), mode)
    }
}

impl SignatureVar {
    /// The point `R8`.
    pub fn r8(&self) -> &PointVar {
        &self.r8
    }

    /// Allocates raw parts; `s` may be any field element (tests play a cheating prover).
    pub(crate) fn new_parts(
        cs: impl Into<Namespace<Fr>>,
        parts: impl FnOnce() -> Result<((Fr, Fr), Fr), SynthesisError>,
        mode: AllocationMode,
    ) -> Result<Self, SynthesisError> {
        let cs = cs.into().cs();
        let parts = parts();
        let r8 = PointVar::new_coordinates(cs.clone(), || parts.map(|p| p.0), mode)?;
        let s = FpVar::new_variable(cs, || parts.map(|p| p.1), mode)?;
        let s_bits = match &s {
            FpVar::Constant(s) => {
                if s.into_bigint() >= Fs::MODULUS {
                    return Err(SynthesisError::Unsatisfiable);
                }
                ark_ff::BigInteger::to_bits_le(&s.into_bigint())
                    .into_iter()
                    .take(S_BITS)
                    .map(Boolean::Constant)
                    .collect()
            }
            s => {
                let (bits, _) = s.to_bits_le_with_top_bits_zero(S_BITS)?;
                let mut l_minus_one = Fs::MODULUS;
                l_minus_one.0[0] -= 1; // l is odd: no borrow.
                Boolean::enforce_smaller_or_equal_than_le(&bits, l_minus_one)?;
                bits
            }
        };
        Ok(SignatureVar { r8, s_bits })
    }
}

impl AllocVar<Signature, Fr> for SignatureVar {
    fn new_variable<T: Borrow<Signature>>(
        cs: impl Into<Namespace<Fr>>,
        f: impl FnOnce() -> Result<T, SynthesisError>,
        mode: AllocationMode,
    ) -> Result<Self, SynthesisError> {
        Self::new_parts(
            cs,
            || {
                f().map(|signature| {
                    let signature = signature.borrow();
                    let s = Fr::from_le_bytes_mod_order(&ark_ff::BigInteger::to_bytes_le(
                        &signature.s().into_bigint(),
                    ));
                    ((signature.r8().x(), signature.r8().y()), s)
                })
            },
            mode,
        )
    }
}

impl EddsaPoseidonGadget {
    /// Enforces that `signature` is a valid EdDSA-Poseidon signature on `message` under
    /// `public_key`.
    ///
    /// # Errors
    /// [`SynthesisError::Unsatisfiable`] when every operand is constant and the signature
    /// is invalid; otherwise synthesis errors.
    pub fn enforce_valid(
        public_key: &PointVar,
        message: &FpVar<Fr>,
        signature: &SignatureVar,
    ) -> Result<(), SynthesisError> {
        let r8 = &signature.r8;
        let hm = PoseidonGadget::new(5)
            .map_err(|_| SynthesisError::Unsatisfiable)?
            .hash(&[
                r8.x().clone(),
                r8.y().clone(),
                public_key.x().clone(),
                public_key.y().clone(),
                message.clone(),
            ])?;
        let hm_bits = hm.to_bits_le()?;
        let right = r8.point.clone() + public_key.times_eight.scalar_mul_le(hm_bits.iter())?;
        let mut left = EdwardsVar::zero();
        let mut multiple = Projective::from(BASE8);
        let multiples: Vec<Projective> = (0..S_BITS)
            .map(|_| {
                let current = multiple;
                multiple = (multiple + multiple).into_affine().into();
                current
            })
            .collect();
        left.precomputed_base_scalar_mul_le(signature.s_bits.iter().zip(&multiples))?;
        enforce_equal(&left.x, &right.x)?;
        enforce_equal(&left.y, &right.y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eddsa::SecretKey;
    use ark_relations::gr1cs::ConstraintSystem;
    use AllocationMode::{Constant, Input, Witness};

    struct Fixture {
        key: Point,
        message: Fr,
        signature: Signature,
    }

    fn fixture() -> Fixture {
        let secret = SecretKey::from_bytes([3u8; 32]);
        let message = Fr::from(712u64);
        Fixture {
            key: secret.public_key().point(),
            message,
            signature: secret.sign(message),
        }
    }

    /// `Ok((satisfied, constraints))` for raw operands allocated in the given modes.
    fn run(
        key: (Fr, Fr),
        message: Fr,
        r8: (Fr, Fr),
        s: Fr,
        modes: [AllocationMode; 3],
    ) -> Result<(bool, usize), SynthesisError> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let key = PointVar::new_coordinates(cs.clone(), || Ok(key), modes[0])?;
        let message = FpVar::new_variable(cs.clone(), || Ok(message), modes[1])?;
        let signature = SignatureVar::new_parts(cs.clone(), || Ok((r8, s)), modes[2])?;
        EddsaPoseidonGadget::enforce_valid(&key, &message, &signature)?;
        Ok((cs.is_satisfied()?, cs.num_constraints()))
    }

    fn s_of(signature: &Signature) -> Fr {
        Fr::from_le_bytes_mod_order(&ark_ff::BigInteger::to_bytes_le(
            &signature.s().into_bigint(),
        ))
    }

    fn honest(f: &Fixture, modes: [AllocationMode; 3]) -> Result<(bool, usize), SynthesisError> {
        let r8 = f.signature.r8();
        run(
            (f.key.x(), f.key.y()),
            f.message,
            (r8.x(), r8.y()),
            s_of(&f.signature),
            modes,
        )
    }

    #[test]
    fn valid_signatures_satisfy_in_every_allocation_mode_with_pinned_counts() {
        let f = fixture();
        let mut counts = Vec::new();
        for key_mode in [Constant, Input, Witness] {
            for message_mode in [Constant, Input, Witness] {
                for signature_mode in [Constant, Input, Witness] {
                    let modes = [key_mode, message_mode, signature_mode];
                    let (satisfied, constraints) = honest(&f, modes).unwrap();
                    assert!(satisfied, "{modes:?}");
                    counts.push(constraints);
                }
            }
        }
        // Modes in order key × message × signature, each Constant, Input, Witness. All
        // constant: checked natively. A constant (per-circuit) issuer key: 3,871 with a
        // private signature and message, within circomlib's 4,217. A key that is an input or
        // witness pays for the variable-base multiplication: 5,930 (over budget; see
        // docs/credentials.md).
        assert_eq!(
            counts,
            [
                0, 3868, 3868, 2219, 3871, 3871, 2219, 3871, 3871, //
                4275, 5927, 5927, 4278, 5930, 5930, 4278, 5930, 5930, //
                4275, 5927, 5927, 4278, 5930, 5930, 4278, 5930, 5930,
            ]
        );
    }

    #[test]
    fn forgeries_do_not_satisfy_in_any_allocation_mode() {
        let f = fixture();
        let other = SecretKey::from_bytes([4u8; 32]).public_key().point();
        let r8 = f.signature.r8();
        let s = s_of(&f.signature);
        let l = Fr::from_le_bytes_mod_order(&ark_ff::BigInteger::to_bytes_le(&Fs::MODULUS));
        let order_two = (Fr::ZERO, -Fr::ONE);
        let torsion_r8 = (r8.affine()
            + crate::babyjubjub::Affine::new_unchecked(Fr::ZERO, -Fr::ONE))
        .into_affine();
        // (what, key A, message, R8, S)
        type Forgery = (&'static str, (Fr, Fr), Fr, (Fr, Fr), Fr);
        let cases: Vec<Forgery> = vec![
            (
                "other message",
                (f.key.x(), f.key.y()),
                f.message + Fr::ONE,
                (r8.x(), r8.y()),
                s,
            ),
            (
                "other key",
                (other.x(), other.y()),
                f.message,
                (r8.x(), r8.y()),
                s,
            ),
            (
                "S + 1",
                (f.key.x(), f.key.y()),
                f.message,
                (r8.x(), r8.y()),
                s + Fr::ONE,
            ),
            (
                "S + l",
                (f.key.x(), f.key.y()),
                f.message,
                (r8.x(), r8.y()),
                s + l,
            ),
            (
                "R8 off the curve",
                (f.key.x(), f.key.y()),
                f.message,
                (r8.x(), r8.y() + Fr::ONE),
                s,
            ),
            (
                "R8 plus torsion",
                (f.key.x(), f.key.y()),
                f.message,
                (torsion_r8.x, torsion_r8.y),
                s,
            ),
            ("key of order 2", order_two, f.message, (r8.x(), r8.y()), s),
            (
                "R8 of order 2",
                (f.key.x(), f.key.y()),
                f.message,
                order_two,
                s,
            ),
            (
                "identity key",
                (Fr::ZERO, Fr::ONE),
                f.message,
                (r8.x(), r8.y()),
                s,
            ),
        ];
        for (name, key, message, r8, s) in cases {
            for modes in [
                [Witness; 3],
                [Input; 3],
                [Constant, Witness, Witness],
                [Constant; 3],
            ] {
                match run(key, message, r8, s, modes) {
                    Ok((satisfied, _)) => assert!(!satisfied, "{name} satisfies ({modes:?})"),
                    Err(error) => assert!(
                        matches!(error, SynthesisError::Unsatisfiable),
                        "{name} ({modes:?}): {error:?}"
                    ),
                }
            }
        }
        assert!(f.key.affine().is_on_curve());
    }
}
