//! The EdDSA-Poseidon verifier as R1CS constraints over BN254 (arkworks r1cs-std):
//! `S < l`, `A` and `R8` on Baby Jubjub and not of small order, and
//! `S·Base8 = R8 + hm·(8·A)` with `hm = Poseidon(R8x, R8y, Ax, Ay, M)`.
//!
//! The equation is checked as `R8 = S·Base8 − hm·T` with `T = 8·A`: the right side is
//! computed, and `R8`'s coordinates (hashed into `hm`) must equal it.
//!
//! Costs (pinned in the tests; the curve arithmetic is [`crate::babyjubjub::gadget`]):
//! * the key `A` (18): curve equation 3, `2A` 3 (reusing `x²`, `y²`), `4A` and `8A` 5
//!   each, `T = 8A` into Montgomery form 2 (which also refuses `T = O`);
//! * `S`: 251 bits (`l < 2^251`) and `S ≤ l − 1`; `hm`: Poseidon(5), 254 bits and
//!   `hm ≤ p − 1` (strict);
//! * `S·Base8`: 2-bit windows of constant tables in Montgomery segments (≈ 2 per bit);
//! * `hm·T`: signed-digit double-and-add in Montgomery segments (8 per bit); with a
//!   constant key, the constant-base windows instead;
//! * `R8`: equality with the computed point (2) and `x(R8) ≠ 0` (1).
//!
//! # Security
//! * `T = 8·A` lies in the prime-order subgroup for any `A` on the curve; `A` of small
//!   order gives `T = O`, refused by the conversion (`u·(1 − y) = 1 + y` has no solution at
//!   `y = 1`). A torsion component of `A` is cleared rather than refused: issuer keys
//!   must come from checked [`super::PublicKey`]s (a constant, or a public input the
//!   verifier checks natively).
//! * `R8` is not checked on its own: it must *equal* `S·Base8 − hm·T`, a point of the
//!   prime-order subgroup (so it is on the curve and has no small-order component), and
//!   `x(R8) ≠ 0` excludes the identity, the only small-order point left.
//! * `hm`'s bits are a strict decomposition (`≤ p − 1`), so the scalar is `hm` itself
//!   and not `hm + p`; `S ≤ l − 1` refuses `S + l`, which satisfies the group equation.
//! * The incomplete Montgomery formulas never meet an exceptional case, for any witness:
//!   see [`crate::babyjubjub::gadget`].
//! * A statement with every operand constant is checked natively (a false one is
//!   [`SynthesisError::Unsatisfiable`]), since r1cs-std accepts unequal constants unchecked.

use std::borrow::Borrow;

use ark_bn254::Fr;
use ark_ec::AffineRepr;
use ark_ff::{AdditiveGroup, Field, PrimeField};
use ark_r1cs_std::alloc::{AllocVar, AllocationMode};
use ark_r1cs_std::fields::{fp::FpVar, FieldVar};
use ark_r1cs_std::groups::CurveVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{Namespace, SynthesisError};

use super::{Point, Signature};
use crate::babyjubjub::gadget::{
    enforce_le_constant, fixed_base_mul_le, odd_modulus_minus_one_bits, to_bits_le,
    variable_base_mul_le, EdwardsVar, MontgomeryVar,
};
use crate::babyjubjub::{Affine, Fs, BASE8, COEFF_A, COEFF_D};
use crate::gadgets::{enforce_equal, enforce_product};
use crate::poseidon::gadget::PoseidonGadget;

/// Bits of `S` (`l < 2^251`).
const S_BITS: usize = 251;

/// Bits of `hm` (a BN254 scalar field element).
const HM_BITS: usize = Fr::MODULUS_BIT_SIZE as usize;

/// A Baby Jubjub point as constraints. Allocated on its own (a key), it is checked on the
/// curve and not of small order (a constant is checked natively to be a [`Point`]: in the
/// prime-order subgroup). The `R8` inside a [`SignatureVar`] is checked by
/// [`EddsaPoseidonGadget::enforce_valid`] instead (see the module documentation).
#[derive(Clone)]
pub struct PointVar {
    point: EdwardsVar,
    /// `8·point`, in the prime-order subgroup and not the identity; `None` until checked.
    times_eight: Option<TimesEight>,
}

/// `T = 8·P`: a native point for constants, else both models of the variable point.
#[derive(Clone)]
enum TimesEight {
    Constant(Affine),
    Var {
        edwards: EdwardsVar,
        montgomery: MontgomeryVar,
    },
}

/// An EdDSA-Poseidon signature as constraints: `R8`, and `S` as 251 bits checked `< l`.
#[derive(Clone)]
pub struct SignatureVar {
    r8: PointVar,
    s_bits: Vec<FpVar<Fr>>,
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

    /// Allocates raw coordinates (possibly not a point: tests play a cheating prover),
    /// checked as a key.
    pub(crate) fn new_coordinates(
        cs: impl Into<Namespace<Fr>>,
        coordinates: impl FnOnce() -> Result<(Fr, Fr), SynthesisError>,
        mode: AllocationMode,
    ) -> Result<Self, SynthesisError> {
        let mut point = Self::new_unchecked(cs, coordinates, mode)?;
        point.times_eight = Some(point.times_eight()?);
        Ok(point)
    }

    /// Allocates raw coordinates without the key checks (a constant is still checked
    /// natively to be a [`Point`]).
    fn new_unchecked(
        cs: impl Into<Namespace<Fr>>,
        coordinates: impl FnOnce() -> Result<(Fr, Fr), SynthesisError>,
        mode: AllocationMode,
    ) -> Result<Self, SynthesisError> {
        let cs = cs.into().cs();
        let values = coordinates();
        if mode == AllocationMode::Constant {
            // A constant is checked natively, as a `Point` (r1cs-std accepts unequal
            // constants unchecked).
            let (x, y) = values?;
            let point = Point::new(x, y, "constant point")
                .map_err(|_| SynthesisError::Unsatisfiable)?
                .affine();
            return Ok(PointVar {
                point: EdwardsVar::constant(point.into()),
                times_eight: Some(TimesEight::Constant(point.mul_by_cofactor())),
            });
        }
        let x = FpVar::new_variable(cs.clone(), || values.map(|v| v.0), mode)?;
        let y = FpVar::new_variable(cs, || values.map(|v| v.1), mode)?;
        Ok(PointVar {
            point: EdwardsVar::new(x, y),
            times_eight: None,
        })
    }

    /// `T = 8·P` with the checks of a key: on the curve and `T ≠ O` (18 constraints).
    fn times_eight(&self) -> Result<TimesEight, SynthesisError> {
        if let Some(times_eight) = &self.times_eight {
            return Ok(times_eight.clone());
        }
        let (x, y) = (&self.point.x, &self.point.y);
        if let (FpVar::Constant(x), FpVar::Constant(y)) = (x, y) {
            let point =
                Point::new(*x, *y, "constant point").map_err(|_| SynthesisError::Unsatisfiable)?;
            return Ok(TimesEight::Constant(point.affine().mul_by_cofactor()));
        }
        let cs = x.cs().or(y.cs());
        // a·x² + y² = 1 + d·x²·y²  ⇔  x²·(d·y² − a) = y² − 1.
        let x2 = x.square()?;
        let y2 = y.square()?;
        enforce_product(&x2, &(&y2 * COEFF_D - COEFF_A), &(&y2 - Fr::ONE))?;
        // 2P = (2xy / (a·x² + y²), (y² − a·x²) / (2 − a·x² − y²)); both denominators are
        // nonzero on the curve (d and a·d are non-squares).
        let xy = x * y;
        let a_x2 = &x2 * COEFF_A;
        let x_denominator = &a_x2 + &y2;
        let y_denominator = FpVar::Constant(Fr::from(2u64)) - &a_x2 - &y2;
        let y_numerator = &y2 - &a_x2;
        let divide = |a: Fr, b: Fr| a * b.inverse().unwrap_or(Fr::ZERO);
        let x1 = FpVar::new_witness(cs.clone(), || {
            Ok(divide(xy.value()?.double(), x_denominator.value()?))
        })?;
        enforce_product(&x1, &x_denominator, &xy.double()?)?;
        let y1 = FpVar::new_witness(cs, || {
            Ok(divide(y_numerator.value()?, y_denominator.value()?))
        })?;
        enforce_product(&y1, &y_denominator, &y_numerator)?;
        let mut edwards = EdwardsVar::new(x1, y1);
        edwards.double_in_place()?;
        edwards.double_in_place()?;
        // T has odd order, so x(T) ≠ 0 unless T = O, which the conversion refuses.
        let montgomery = MontgomeryVar::from_edwards(&edwards)?;
        Ok(TimesEight::Var {
            edwards,
            montgomery,
        })
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
    /// The point `R8` (checked by [`EddsaPoseidonGadget::enforce_valid`], not on its own).
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
        let r8 = PointVar::new_unchecked(cs.clone(), || parts.map(|p| p.0), mode)?;
        let s = FpVar::new_variable(cs, || parts.map(|p| p.1), mode)?;
        if let FpVar::Constant(s) = &s {
            if s.into_bigint() >= Fs::MODULUS {
                return Err(SynthesisError::Unsatisfiable);
            }
        }
        let s_bits = to_bits_le(&s, S_BITS)?;
        if !s.is_constant() {
            enforce_le_constant(&s_bits, &odd_modulus_minus_one_bits(Fs::MODULUS, S_BITS))?;
        }
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
        let hm_bits = to_bits_le(&hm, HM_BITS)?;
        if !hm.is_constant() {
            enforce_le_constant(&hm_bits, &odd_modulus_minus_one_bits(Fr::MODULUS, HM_BITS))?;
        }
        let hm_t = match public_key.times_eight()? {
            TimesEight::Constant(t) => fixed_base_mul_le(&t, &hm_bits)?,
            TimesEight::Var {
                edwards,
                montgomery,
            } => variable_base_mul_le(&edwards, &montgomery, &hm_bits)?,
        };
        let s_base8 = fixed_base_mul_le(&BASE8, &signature.s_bits)?;
        let expected = s_base8 + hm_t.negate()?;
        enforce_equal(r8.x(), &expected.x)?;
        enforce_equal(r8.y(), &expected.y)?;
        // R8 ≠ O ⇔ x(R8) ≠ 0 for a point of the prime-order subgroup (a constant R8 was
        // checked natively).
        let x = r8.x();
        if !x.is_constant() {
            let inverse =
                FpVar::new_witness(x.cs(), || Ok(x.value()?.inverse().unwrap_or(Fr::ZERO)))?;
            enforce_product(x, &inverse, &FpVar::Constant(Fr::ONE))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eddsa::SecretKey;
    use ark_ec::CurveGroup;
    use ark_relations::gr1cs::ConstraintSystem;
    use rand::SeedableRng;
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
        // constant: checked natively. A key that is an input or witness pays for the key
        // checks and the variable-base multiplication; a constant (per-circuit) key for
        // constant-base windows instead. Budget (circomlib's EdDSAPoseidonVerifier): 4,217.
        assert_eq!(
            counts,
            [
                0, 2132, 2132, 1213, 2135, 2135, 1213, 2135, 2135, //
                2758, 3680, 3680, 2761, 3683, 3683, 2761, 3683, 3683, //
                2758, 3680, 3680, 2761, 3683, 3683, 2761, 3683, 3683,
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
        // l·Generator has order 8; twice that, order 4.
        let eight = crate::babyjubjub::GENERATOR
            .mul_bigint(Fs::MODULUS)
            .into_affine();
        let four = (eight + eight).into_affine();
        let (order_eight, order_four) = ((eight.x, eight.y), (four.x, four.y));
        let torsion_key = (f.key.affine() + eight).into_affine();
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
            ("key of order 4", order_four, f.message, (r8.x(), r8.y()), s),
            (
                "key of order 8",
                order_eight,
                f.message,
                (r8.x(), r8.y()),
                s,
            ),
            (
                "key plus torsion",
                (torsion_key.x, torsion_key.y),
                f.message,
                (r8.x(), r8.y()),
                s,
            ),
            (
                "identity R8",
                (f.key.x(), f.key.y()),
                f.message,
                (Fr::ZERO, Fr::ONE),
                s,
            ),
            (
                "R8 of order 8",
                (f.key.x(), f.key.y()),
                f.message,
                order_eight,
                s,
            ),
            (
                "S + 2^251",
                (f.key.x(), f.key.y()),
                f.message,
                (r8.x(), r8.y()),
                s + Fr::from(2u64).pow([251u64]),
            ),
            (
                "R8 negated",
                (f.key.x(), f.key.y()),
                f.message,
                (-r8.x(), r8.y()),
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

    #[test]
    fn random_keys_and_messages_verify_and_tampering_fails() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(16);
        for _ in 0..3 {
            let mut bytes = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rng, &mut bytes);
            let secret = SecretKey::from_bytes(bytes);
            let message = <Fr as ark_ff::UniformRand>::rand(&mut rng);
            let f = Fixture {
                key: secret.public_key().point(),
                message,
                signature: secret.sign(message),
            };
            for modes in [
                [Witness; 3],
                [Input, Input, Witness],
                [Constant, Witness, Witness],
            ] {
                assert!(honest(&f, modes).unwrap().0, "{modes:?}");
                let r8 = f.signature.r8();
                let key = (f.key.x(), f.key.y());
                let tampered = [
                    run(
                        key,
                        message,
                        (r8.x(), r8.y()),
                        s_of(&f.signature) + Fr::ONE,
                        modes,
                    ),
                    run(
                        key,
                        message + Fr::ONE,
                        (r8.x(), r8.y()),
                        s_of(&f.signature),
                        modes,
                    ),
                ];
                for result in tampered {
                    assert!(!result.unwrap().0, "{modes:?}");
                }
            }
        }
    }

    /// Groth16 prove time of one signature (key and message public, signature private):
    /// `cargo test --release -p conclave-circuits --lib -- --ignored --nocapture
    /// eddsa_prove_time` (median of 7, printed; docs/credentials.md records it).
    #[test]
    #[ignore]
    fn eddsa_prove_time() {
        use ark_groth16::Groth16;
        use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef};
        use ark_snark::SNARK;
        struct Circuit(Fixture);
        impl ConstraintSynthesizer<Fr> for Circuit {
            fn generate_constraints(
                self,
                cs: ConstraintSystemRef<Fr>,
            ) -> Result<(), SynthesisError> {
                let key = PointVar::new_input(cs.clone(), || Ok(self.0.key))?;
                let message = FpVar::new_input(cs.clone(), || Ok(self.0.message))?;
                let signature = SignatureVar::new_witness(cs, || Ok(self.0.signature))?;
                EddsaPoseidonGadget::enforce_valid(&key, &message, &signature)
            }
        }
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let (pk, vk) =
            Groth16::<ark_bn254::Bn254>::circuit_specific_setup(Circuit(fixture()), &mut rng)
                .unwrap();
        let f = fixture();
        let inputs = [f.key.x(), f.key.y(), f.message];
        let mut times = Vec::new();
        for _ in 0..7 {
            let start = std::time::Instant::now();
            let proof =
                Groth16::<ark_bn254::Bn254>::prove(&pk, Circuit(fixture()), &mut rng).unwrap();
            times.push(start.elapsed());
            assert!(Groth16::<ark_bn254::Bn254>::verify(&vk, &inputs, &proof).unwrap());
        }
        times.sort();
        println!(
            "eddsa prove time: median {:?} (min {:?})",
            times[3], times[0]
        );
    }
}
