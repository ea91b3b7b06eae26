//! Baby Jubjub arithmetic as R1CS constraints over BN254: scalar multiplication by a
//! constant base (2-bit windows of constant tables) and by a variable base of the
//! prime-order subgroup (signed binary digits), both accumulated in **Montgomery**
//! coordinates inside segments and combined with the complete twisted Edwards law.
//!
//! # Costs
//! Montgomery addition 3 constraints, doubling 4, a conversion between the models 2;
//! Edwards complete addition 6 (3 with a constant operand).
//!
//! * [`fixed_base_mul_le`]: per 2-bit window one product `b₀·b₁` (the table lookup is then
//!   linear) and one Montgomery addition: 4 constraints per 2 bits, plus per segment a
//!   conversion and an Edwards addition, and one addition of a constant at the end.
//! * [`variable_base_mul_le`]: per bit a doubling of the base (4), a sign (1) and an
//!   addition (3): 8 constraints per bit.
//!
//! # Security (why the incomplete Montgomery formulas never meet an exceptional case)
//! The affine Montgomery addition `P + Q` is used only with `P ≠ ±Q`, `P, Q ≠ O`, and
//! the doubling only on points of odd order; both are then exact, and the constraints
//! determine their outputs uniquely (the slope `λ` is fixed by `λ·(u_Q − u_P) = v_Q − v_P`
//! with `u_Q ≠ u_P`, or by `λ·2v = 3u² + 2Au + 1` with `v ≠ 0`). Every point these gadgets
//! add is a multiple `m·G` of one point `G` of prime order `l` (a constant base, or
//! `T = 8·A` for a variable one), so a case is exceptional exactly when an integer
//! relation `m₁ ≡ ±m₂` or `m ≡ 0 (mod l)` holds. The segment lengths keep every multiple
//! an integer of absolute value below `l`, where these relations are equalities of
//! integers, which the argument below excludes **for every assignment of the bits**
//! (not only with high probability):
//!
//! * **Fixed base**, window `j` of a segment starting at window `s` adds the constant
//!   `(vⱼ + 2)·4^(j−s)` (relative to `4^s·G`), `vⱼ ∈ [0, 3]`. Before that addition the
//!   accumulator holds `a = Σ_{s≤i<j} (vᵢ + 2)·4^(i−s) ≤ 5·(4^(j−s) − 1)/3 < 2·4^(j−s)`,
//!   which is at least 2 and below the smallest added multiple; the sum stays below
//!   `5·(4^k − 1)/3 < l` for a segment of `k ≤` [`FIXED_SEGMENT_WINDOWS`]` = 124`
//!   windows. So `0 < a < r < l` and `a + r < l`: never equal, opposite or zero.
//!   The offsets `2·4^j·G` are subtracted at the end as one constant (complete law).
//! * **Variable base**, the scalar `k = Σ bᵢ·2ⁱ` (n bits) is written
//!   `k = Σ_{i=1}^{n−1} dᵢ·2^(i−1) + 2^(n−1) − (1 − b₀)` with signed digits
//!   `dᵢ = 2bᵢ − 1 ∈ {−1, 1}`, and the bases `Cᵢ = 2^(i−1)·T` come from a chain of
//!   doublings (points of order `l`, never `O`). Digits are added from the least
//!   significant, in segments. In a plain segment (≤ [`VARIABLE_SEGMENT_DIGITS`]` = 250`
//!   digits) the accumulator before digit `j` of the segment is an odd integer of
//!   absolute value at most `2^j − 1` (relative to the segment's first base), and the
//!   added point is `±2^j`: their sum and difference are nonzero and of absolute value
//!   below `2^(j+1) ≤ 2^250 < l`. The top segment (≤ 249 digits) starts from the anchor
//!   `C_n = 2^len` (relative), so the accumulator before digit `j` lies in
//!   `[2^len − 2^j + 1, 2^len + 2^j − 1]`, strictly between `2^j` and
//!   `l − 2^j`; this adds the `2^(n−1)` term for free. The segments' sums are
//!   converted to Edwards form (exact: odd order, not `O`) and added with the complete
//!   law, together with `−(1 − b₀)·T`.
//!
//! The unit tests replay these bounds with exact integers (`num-bigint`), and compare every
//! gadget with arkworks' native arithmetic on random and extreme scalars (0, 1, 2, 3,
//! all ones, `2^(n−1)`, `l − 1`, `l`).
//!
//! Constant operands are computed natively (no constraints): r1cs-std accepts unequal
//! constants without checking, so nothing here relies on a constraint between constants.

use ark_bn254::Fr;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, BigInteger, Field, MontFp, PrimeField, Zero};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::{fp::FpVar, FieldVar};
use ark_r1cs_std::groups::curves::twisted_edwards::AffineVar;
use ark_r1cs_std::groups::CurveVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};
use std::sync::OnceLock;

use super::{Affine, BabyJubjubConfig, Projective, BASE8};
use crate::gadgets::enforce_product;

/// A twisted Edwards point as constraints (r1cs-std's complete affine law).
pub(crate) type EdwardsVar = AffineVar<BabyJubjubConfig, FpVar<Fr>>;

/// `A` of the Montgomery form `v² = u³ + A·u² + u` (`B = 1`).
pub(crate) const MONTGOMERY_A: Fr = MontFp!("168698");

/// Windows per fixed-base segment: the largest `k` with `5·(4^k − 1)/3 < l`.
pub(crate) const FIXED_SEGMENT_WINDOWS: usize = 124;

/// Digits per plain variable-base segment: the largest `k` with `2^k − 1 < l`; the
/// anchored top segment takes at most one digit less.
pub(crate) const VARIABLE_SEGMENT_DIGITS: usize = 250;

/// A point other than `O` in affine Montgomery coordinates `(u, v)`.
#[derive(Clone)]
pub(crate) struct MontgomeryVar {
    u: FpVar<Fr>,
    v: FpVar<Fr>,
}

fn cs_of(values: &[&FpVar<Fr>]) -> ConstraintSystemRef<Fr> {
    values
        .iter()
        .fold(ConstraintSystemRef::None, |cs, v| cs.or(v.cs()))
}

/// `a / b`, or zero when `b = 0` (witness values only: a cheating assignment then fails
/// the constraint instead of aborting synthesis).
fn divide(a: Fr, b: Fr) -> Fr {
    a * b.inverse().unwrap_or(Fr::ZERO)
}

/// A witness computed from other variables' values.
fn witness(
    cs: &ConstraintSystemRef<Fr>,
    value: impl FnOnce() -> Result<Fr, SynthesisError>,
) -> Result<FpVar<Fr>, SynthesisError> {
    FpVar::new_witness(cs.clone(), value)
}

/// Native Montgomery coordinates of an Edwards point (`None` for `x = 0` or `y = 1`).
pub(crate) fn to_montgomery(point: &Affine) -> Option<(Fr, Fr)> {
    let u = (Fr::ONE + point.y) * (Fr::ONE - point.y).inverse()?;
    let v = u * point.x.inverse()?;
    Some((u, v))
}

/// Native Edwards coordinates of a Montgomery point (`None` for `v = 0` or `u = −1`).
pub(crate) fn to_edwards(u: Fr, v: Fr) -> Option<Affine> {
    let x = u * v.inverse()?;
    let y = (u - Fr::ONE) * (u + Fr::ONE).inverse()?;
    Some(Affine::new_unchecked(x, y))
}

impl MontgomeryVar {
    fn constant((u, v): (Fr, Fr)) -> Self {
        MontgomeryVar {
            u: FpVar::Constant(u),
            v: FpVar::Constant(v),
        }
    }

    fn constant_value(&self) -> Option<(Fr, Fr)> {
        match (&self.u, &self.v) {
            (FpVar::Constant(u), FpVar::Constant(v)) => Some((*u, *v)),
            _ => None,
        }
    }

    /// The Montgomery form of an Edwards point that is neither `O` nor of order 2:
    /// `u·(1 − y) = 1 + y`, `v·x = u` (2 constraints). `y = 1` (the identity) is
    /// unsatisfiable; the caller guarantees `x ≠ 0`.
    pub(crate) fn from_edwards(point: &EdwardsVar) -> Result<Self, SynthesisError> {
        if let (FpVar::Constant(x), FpVar::Constant(y)) = (&point.x, &point.y) {
            let affine = Affine::new_unchecked(*x, *y);
            return to_montgomery(&affine)
                .map(Self::constant)
                .ok_or(SynthesisError::Unsatisfiable);
        }
        let cs = cs_of(&[&point.x, &point.y]);
        let (x, y) = (&point.x, &point.y);
        let u = witness(&cs, || {
            let y = y.value()?;
            Ok(divide(Fr::ONE + y, Fr::ONE - y))
        })?;
        enforce_product(&u, &(FpVar::one() - y), &(FpVar::one() + y))?;
        let v = witness(&cs, || Ok(divide(u.value()?, x.value()?)))?;
        enforce_product(&v, x, &u)?;
        Ok(MontgomeryVar { u, v })
    }

    /// The Edwards form: `x·v = u`, `y·(u + 1) = u − 1` (2 constraints); exact for points
    /// of odd order.
    pub(crate) fn to_edwards(&self) -> Result<EdwardsVar, SynthesisError> {
        if let Some((u, v)) = self.constant_value() {
            let point = to_edwards(u, v).ok_or(SynthesisError::Unsatisfiable)?;
            return Ok(EdwardsVar::constant(point.into()));
        }
        let cs = cs_of(&[&self.u, &self.v]);
        let (u, v) = (&self.u, &self.v);
        let x = witness(&cs, || Ok(divide(u.value()?, v.value()?)))?;
        enforce_product(&x, v, u)?;
        let y = witness(&cs, || {
            let u = u.value()?;
            Ok(divide(u - Fr::ONE, u + Fr::ONE))
        })?;
        enforce_product(&y, &(u + Fr::ONE), &(u - Fr::ONE))?;
        Ok(EdwardsVar::new(x, y))
    }

    /// `self + other` for `self ≠ ±other`, both not `O` (3 constraints; the caller proves
    /// the precondition, see the module documentation).
    fn add(&self, other: &Self) -> Result<Self, SynthesisError> {
        if let (Some((u1, v1)), Some((u2, v2))) = (self.constant_value(), other.constant_value()) {
            let lambda = (v2 - v1) * (u2 - u1).inverse().ok_or(SynthesisError::Unsatisfiable)?;
            let u3 = lambda.square() - MONTGOMERY_A - u1 - u2;
            return Ok(Self::constant((u3, lambda * (u1 - u3) - v1)));
        }
        let cs = cs_of(&[&self.u, &self.v, &other.u, &other.v]);
        let (u1, v1, u2, v2) = (&self.u, &self.v, &other.u, &other.v);
        let lambda = witness(&cs, || {
            Ok(divide(v2.value()? - v1.value()?, u2.value()? - u1.value()?))
        })?;
        enforce_product(&lambda, &(u2 - u1), &(v2 - v1))?;
        let u3 = witness(&cs, || {
            Ok(lambda.value()?.square() - MONTGOMERY_A - u1.value()? - u2.value()?)
        })?;
        enforce_product(&lambda, &lambda, &(&u3 + MONTGOMERY_A + u1 + u2))?;
        let v3 = witness(&cs, || {
            Ok(lambda.value()? * (u1.value()? - u3.value()?) - v1.value()?)
        })?;
        enforce_product(&lambda, &(u1 - &u3), &(&v3 + v1))?;
        Ok(MontgomeryVar { u: u3, v: v3 })
    }

    /// `2·self` for a point of odd order (4 constraints), with the slope's value computed
    /// beforehand (by [`doubling_slopes`]; `None`: computed here with an inversion). Only the
    /// witness value changes: a wrong slope leaves the constraint unsatisfied.
    fn double_with_slope(&self, slope: Option<Fr>) -> Result<Self, SynthesisError> {
        if let Some((u, v)) = self.constant_value() {
            let lambda = (Fr::from(3u64) * u.square() + MONTGOMERY_A.double() * u + Fr::ONE)
                * v.double().inverse().ok_or(SynthesisError::Unsatisfiable)?;
            let u3 = lambda.square() - MONTGOMERY_A - u.double();
            return Ok(Self::constant((u3, lambda * (u - u3) - v)));
        }
        let cs = cs_of(&[&self.u, &self.v]);
        let (u, v) = (&self.u, &self.v);
        let u2 = u.square()?;
        let numerator = &u2 * Fr::from(3u64) + u * MONTGOMERY_A.double() + Fr::ONE;
        let lambda = witness(&cs, || match slope {
            Some(slope) => Ok(slope),
            None => Ok(divide(numerator.value()?, v.value()?.double())),
        })?;
        enforce_product(&lambda, &v.double()?, &numerator)?;
        let u3 = witness(&cs, || {
            Ok(lambda.value()?.square() - MONTGOMERY_A - u.value()?.double())
        })?;
        enforce_product(&lambda, &lambda, &(&u3 + MONTGOMERY_A + u.double()?))?;
        let v3 = witness(&cs, || {
            Ok(lambda.value()? * (u.value()? - u3.value()?) - v.value()?)
        })?;
        enforce_product(&lambda, &(u - &u3), &(&v3 + v))?;
        Ok(MontgomeryVar { u: u3, v: v3 })
    }

    /// `(2·bit − 1)·self` for a boolean-valued `bit` (1 constraint, none for constants).
    fn times_sign(&self, bit: &FpVar<Fr>) -> Result<Self, SynthesisError> {
        let bit_v = bit * &self.v;
        Ok(MontgomeryVar {
            u: self.u.clone(),
            v: bit_v.double()? - &self.v,
        })
    }
}

/// The window `Σ bits[i]·2^i` looked up in a constant table of Montgomery points:
/// linear in `1, b₀, b₁, b₀·b₁` (1 constraint for a 2-bit window of variables).
fn lookup(bits: &[FpVar<Fr>], table: &[(Fr, Fr)]) -> Result<MontgomeryVar, SynthesisError> {
    match (bits, table) {
        ([b0], [t0, t1]) => Ok(MontgomeryVar {
            u: b0 * (t1.0 - t0.0) + t0.0,
            v: b0 * (t1.1 - t0.1) + t0.1,
        }),
        ([b0, b1], [t0, t1, t2, t3]) => {
            let both = b0 * b1;
            let coordinate = |c: [Fr; 4]| {
                b0 * (c[1] - c[0]) + b1 * (c[2] - c[0]) + &both * (c[3] - c[2] - c[1] + c[0]) + c[0]
            };
            Ok(MontgomeryVar {
                u: coordinate([t0.0, t1.0, t2.0, t3.0]),
                v: coordinate([t0.1, t1.1, t2.1, t3.1]),
            })
        }
        _ => Err(SynthesisError::Unsatisfiable),
    }
}

/// `Σ bits[i]·2^i · base` for a constant `base` of the prime-order subgroup (not `O`)
/// and boolean-valued `bits` (any number). Any result, `O` included, is exact.
///
/// # Errors
/// [`SynthesisError::Unsatisfiable`] if `base` is `O` or outside the prime-order
/// subgroup; otherwise synthesis errors.
pub(crate) fn fixed_base_mul_le(
    base: &Affine,
    bits: &[FpVar<Fr>],
) -> Result<EdwardsVar, SynthesisError> {
    if base.is_zero() || !base.is_on_curve() || !base.is_in_correct_subgroup_assuming_on_curve() {
        return Err(SynthesisError::Unsatisfiable);
    }
    let windows: Vec<&[FpVar<Fr>]> = bits.chunks(2).collect();
    let cached;
    let tables: &[[(Fr, Fr); 4]] = if *base == BASE8 && windows.len() <= BASE8_WINDOWS {
        BASE8_TABLES
            .get_or_init(|| window_tables(&BASE8, BASE8_WINDOWS).ok())
            .as_deref()
            .ok_or(SynthesisError::Unsatisfiable)?
    } else {
        cached = window_tables(base, windows.len())?;
        &cached
    };
    let mut result: Option<EdwardsVar> = None;
    let mut offset = Projective::zero();
    // 4^j · base for the current window j.
    let mut power = Projective::from(*base);
    let mut tables = tables.iter();
    for segment in windows.chunks(FIXED_SEGMENT_WINDOWS) {
        let mut accumulator: Option<MontgomeryVar> = None;
        for window in segment {
            let table = tables.next().ok_or(SynthesisError::Unsatisfiable)?;
            offset += power.double();
            let entry = lookup(window, &table[..1 << window.len()])?;
            accumulator = Some(match accumulator {
                None => entry,
                Some(accumulator) => accumulator.add(&entry)?,
            });
            power = power.double().double();
        }
        if let Some(accumulator) = accumulator {
            result = Some(edwards_sum(result, accumulator.to_edwards()?));
        }
    }
    Ok(match result {
        None => EdwardsVar::zero(),
        Some(result) if offset.is_zero() => result,
        Some(result) => result + (-offset),
    })
}

/// Windows of [`fixed_base_mul_le`]'s table for `Base8` kept for the process: enough for
/// 254 bits.
const BASE8_WINDOWS: usize = 127;

/// [`window_tables`] of `Base8` for [`BASE8_WINDOWS`] windows, made on first use (`None`
/// cannot happen for `Base8`: its multiples below are neither `O` nor of order 2).
static BASE8_TABLES: OnceLock<Option<Vec<WindowTable>>> = OnceLock::new();

/// One window of a fixed-base table: the Montgomery coordinates of its four multiples.
type WindowTable = [(Fr, Fr); 4];

/// The constant tables of [`fixed_base_mul_le`]: for window `j < windows`, the Montgomery
/// coordinates of `(v + 2)·4^j·base` for `v = 0..4` (a one-bit window uses the first two).
/// Computed in projective coordinates with two batched inversions in all, instead of three
/// inversions per entry.
///
/// # Errors
/// [`SynthesisError::Unsatisfiable`] if an entry is `O` or of order 2 (`x = 0` or
/// `y = 1`), impossible for a base of prime order `l` while `5·4^j < l`.
fn window_tables(base: &Affine, windows: usize) -> Result<Vec<[(Fr, Fr); 4]>, SynthesisError> {
    let mut points = Vec::with_capacity(4 * windows);
    let mut power = Projective::from(*base);
    for _ in 0..windows {
        let double = power.double();
        let mut entry = double;
        for _ in 0..4 {
            points.push(entry);
            entry += power;
        }
        power = double.double();
    }
    let affine = Projective::normalize_batch(&points);
    // u = (1 + y)/(1 − y), v = u/x: invert every 1 − y and x at once.
    let mut inverses: Vec<Fr> = affine
        .iter()
        .flat_map(|point| [Fr::ONE - point.y, point.x])
        .collect();
    if inverses.iter().any(Zero::is_zero) {
        return Err(SynthesisError::Unsatisfiable);
    }
    ark_ff::batch_inversion(&mut inverses);
    let coordinates: Vec<(Fr, Fr)> = affine
        .iter()
        .zip(inverses.chunks_exact(2))
        .map(|(point, inverse)| {
            let u = (Fr::ONE + point.y) * inverse[0];
            (u, u * inverse[1])
        })
        .collect();
    Ok(coordinates
        .chunks_exact(4)
        .map(|c| [c[0], c[1], c[2], c[3]])
        .collect())
}

/// [`fixed_base_mul_le`] by circomlib's `Base8` from little-endian boolean-valued bits
/// (holder binding, [`crate::credential::holder`]: a public key `k·Base8` recomputed from
/// the bits of `k`).
///
/// # Errors
/// Synthesis errors.
pub(crate) fn base8_mul_le(bits: &[FpVar<Fr>]) -> Result<EdwardsVar, SynthesisError> {
    fixed_base_mul_le(&BASE8, bits)
}

/// `Σ bits[i]·2^i · T` for a variable point `T` of the prime-order subgroup other than
/// `O` (given in both models), `bits.len() ≥ 2` boolean-valued bits. The result is exact
/// for every assignment of the bits.
///
/// # Errors
/// [`SynthesisError::Unsatisfiable`] for fewer than two bits; otherwise synthesis errors.
pub(crate) fn variable_base_mul_le(
    base: &EdwardsVar,
    base_montgomery: &MontgomeryVar,
    bits: &[FpVar<Fr>],
) -> Result<EdwardsVar, SynthesisError> {
    let n = bits.len();
    if n < 2 {
        return Err(SynthesisError::Unsatisfiable);
    }
    // chain[i] = C_{i+1} = 2^i · T for i = 0..n−1 (C_n = 2^(n−1)·T last).
    let mut chain = Vec::with_capacity(n);
    chain.push(base_montgomery.clone());
    let slopes = doubling_slopes(base_montgomery, n - 1);
    for i in 1..n {
        let slope = slopes
            .as_ref()
            .and_then(|slopes| slopes.get(i - 1).copied());
        let next = chain[i - 1].double_with_slope(slope)?;
        chain.push(next);
    }
    // Digit i (1 ≤ i ≤ n − 1) is d_i·C_i = ±chain[i − 1].
    // Plain segments of VARIABLE_SEGMENT_DIGITS digits from the bottom, as few as leave
    // at most VARIABLE_SEGMENT_DIGITS − 1 digits to the anchored top segment.
    let digits = n - 1;
    let plain = VARIABLE_SEGMENT_DIGITS
        * digits
            .saturating_sub(VARIABLE_SEGMENT_DIGITS - 1)
            .div_ceil(VARIABLE_SEGMENT_DIGITS);
    let mut sum: Option<EdwardsVar> = None;
    for start in (1..=plain).step_by(VARIABLE_SEGMENT_DIGITS) {
        let mut accumulator = chain[start - 1].times_sign(&bits[start])?;
        for i in start + 1..start + VARIABLE_SEGMENT_DIGITS {
            accumulator = accumulator.add(&chain[i - 1].times_sign(&bits[i])?)?;
        }
        sum = Some(edwards_sum(sum, accumulator.to_edwards()?));
    }
    // The top segment, anchored at C_n = chain[n − 1].
    let mut accumulator = chain[n - 1].clone();
    for i in plain + 1..n {
        accumulator = accumulator.add(&chain[i - 1].times_sign(&bits[i])?)?;
    }
    let sum = edwards_sum(sum, accumulator.to_edwards()?);
    // − (1 − b₀)·T: the point b₀ ? O : −T, i.e. (−x + b₀·x, y + b₀·(1 − y)).
    let b0 = &bits[0];
    let correction = EdwardsVar::new(
        b0 * &base.x - &base.x,
        b0 * (FpVar::one() - &base.y) + &base.y,
    );
    Ok(sum + correction)
}

/// The slopes `(3u² + 2Au + 1)/(2v)` of the doubling chain `2^i·T`, `i < doublings`, for
/// a point `T` with known values (a prover's witness): the chain computed in projective
/// Edwards coordinates, then three batched inversions in all instead of one per doubling.
/// `None` without values (setup), for a constant `T` (doubled natively anyway), or when a
/// point of the chain has no Montgomery form (then [`MontgomeryVar::double_with_slope`] computes what
/// it can and the constraints decide).
fn doubling_slopes(t: &MontgomeryVar, doublings: usize) -> Option<Vec<Fr>> {
    if t.constant_value().is_some() {
        return None;
    }
    let (u, v) = (t.u.value().ok()?, t.v.value().ok()?);
    let mut points = Vec::with_capacity(doublings);
    let mut point = Projective::from(to_edwards(u, v)?);
    for _ in 0..doublings {
        points.push(point);
        point.double_in_place();
    }
    let affine = Projective::normalize_batch(&points);
    let mut inverses: Vec<Fr> = affine
        .iter()
        .flat_map(|point| [Fr::ONE - point.y, point.x])
        .collect();
    if inverses.iter().any(Zero::is_zero) {
        return None;
    }
    ark_ff::batch_inversion(&mut inverses);
    let montgomery: Vec<(Fr, Fr)> = affine
        .iter()
        .zip(inverses.chunks_exact(2))
        .map(|(point, inverse)| {
            let u = (Fr::ONE + point.y) * inverse[0];
            (u, u * inverse[1])
        })
        .collect();
    let mut denominators: Vec<Fr> = montgomery.iter().map(|(_, v)| v.double()).collect();
    if denominators.iter().any(Zero::is_zero) {
        return None;
    }
    ark_ff::batch_inversion(&mut denominators);
    Some(
        montgomery
            .iter()
            .zip(denominators)
            .map(|((u, _), inverse)| {
                (Fr::from(3u64) * u.square() + MONTGOMERY_A.double() * u + Fr::ONE) * inverse
            })
            .collect(),
    )
}

fn edwards_sum(sum: Option<EdwardsVar>, term: EdwardsVar) -> EdwardsVar {
    match sum {
        None => term,
        Some(sum) => sum + term,
    }
}

/// Decomposes `value` into `n` little-endian boolean-valued bits with `Σ bᵢ·2ⁱ ≡ value`:
/// `n − 1` allocated booleans and the top bit as a linear combination constrained to be
/// boolean (`n` constraints). For `n ≥ 254` the sum may exceed `p` as an integer; pair it
/// with [`enforce_le_constant`] against `p − 1` for a strict decomposition.
///
/// # Errors
/// [`SynthesisError::Unsatisfiable`] for a constant that does not fit or `n` outside
/// `1..=254`; otherwise synthesis errors.
pub(crate) fn to_bits_le(value: &FpVar<Fr>, n: usize) -> Result<Vec<FpVar<Fr>>, SynthesisError> {
    if !(1..=Fr::MODULUS_BIT_SIZE as usize).contains(&n) {
        return Err(SynthesisError::Unsatisfiable);
    }
    if let FpVar::Constant(constant) = value {
        let bits = constant.into_bigint().to_bits_le();
        if bits.iter().skip(n).any(|b| *b) {
            return Err(SynthesisError::Unsatisfiable);
        }
        return Ok(bits
            .into_iter()
            .take(n)
            .map(|b| FpVar::Constant(Fr::from(b)))
            .collect());
    }
    let cs = value.cs();
    let mut bits = Vec::with_capacity(n);
    let mut low = FpVar::zero();
    let mut weight = Fr::ONE;
    for i in 0..n - 1 {
        let bit = Boolean::new_witness(cs.clone(), || Ok(value.value()?.into_bigint().get_bit(i)))?;
        let bit = FpVar::from(bit);
        low += &bit * weight;
        bits.push(bit);
        weight.double_in_place();
    }
    let top = (value - low) * weight.inverse().ok_or(SynthesisError::Unsatisfiable)?;
    enforce_product(&top, &(&top - Fr::ONE), &FpVar::zero())?;
    bits.push(top);
    Ok(bits)
}

/// Enforces `Σ bits[i]·2^i ≤ bound` for boolean-valued `bits` and a constant `bound`
/// (little-endian, same length as `bits`).
///
/// Scanning from the most significant bit, `eq` is "the bits so far equal the bound's":
/// under a run of ones it becomes the AND of the run (1 constraint for one bit, 2 for a
/// longer run), and under a run of zeros `eq · Σ run = 0` (1 constraint): a bit above the
/// bound's at the first difference is refused, and every value `≤ bound` passes.
///
/// # Errors
/// [`SynthesisError::Unsatisfiable`] for mismatched lengths or constant bits above the
/// bound; otherwise synthesis errors.
pub(crate) fn enforce_le_constant(
    bits: &[FpVar<Fr>],
    bound: &[bool],
) -> Result<(), SynthesisError> {
    if bits.len() != bound.len() {
        return Err(SynthesisError::Unsatisfiable);
    }
    let mut eq = FpVar::<Fr>::one();
    let mut end = bits.len();
    while end > 0 {
        let bit = bound[end - 1];
        let mut start = end - 1;
        while start > 0 && bound[start - 1] == bit {
            start -= 1;
        }
        let run = &bits[start..end];
        if bit {
            if start == 0 {
                break;
            }
            eq = and_all(eq, run)?;
        } else {
            let sum: FpVar<Fr> = run.iter().sum();
            enforce_product(&eq, &sum, &FpVar::zero())?;
        }
        end = start;
    }
    Ok(())
}

/// `eq ∧ run` for boolean-valued operands: a product for two variables, else
/// `[eq + Σ run = 1 + len]` with an inverse witness (2 constraints).
fn and_all(eq: FpVar<Fr>, run: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    let mut items = Vec::with_capacity(run.len() + 1);
    for item in std::iter::once(&eq).chain(run) {
        match item {
            FpVar::Constant(c) if c.is_zero() => return Ok(FpVar::zero()),
            FpVar::Constant(_) => {}
            var => items.push(var.clone()),
        }
    }
    match items.as_slice() {
        [] => Ok(FpVar::one()),
        [one] => Ok(one.clone()),
        [a, b] => Ok(a * b),
        _ => {
            let cs = cs_of(&items.iter().collect::<Vec<_>>());
            let gap =
                FpVar::Constant(Fr::from(items.len() as u64)) - items.iter().sum::<FpVar<Fr>>();
            let all = witness(&cs, || Ok(Fr::from(gap.value()?.is_zero())))?;
            let inverse = witness(&cs, || Ok(gap.value()?.inverse().unwrap_or(Fr::ZERO)))?;
            enforce_product(&gap, &inverse, &(FpVar::one() - &all))?;
            enforce_product(&gap, &all, &FpVar::zero())?;
            Ok(all)
        }
    }
}

/// `modulus − 1` for an odd modulus (`p`, `l`) as `width` little-endian bits: the modulus's
/// bits with the lowest cleared.
pub(crate) fn odd_modulus_minus_one_bits(modulus: impl BigInteger, width: usize) -> Vec<bool> {
    let mut bits = modulus.to_bits_le();
    bits.resize(width, false);
    bits[0] = false;
    bits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::babyjubjub::{Fs, GENERATOR};
    use ark_ff::{One, UniformRand};
    use ark_relations::gr1cs::ConstraintSystem;
    use num_bigint::BigUint;
    use rand::SeedableRng;

    fn biguint(value: impl BigInteger) -> BigUint {
        BigUint::from_bytes_le(&value.to_bytes_le())
    }

    fn bits_of(value: &BigUint, n: usize) -> Vec<bool> {
        (0..n).map(|i| value.bit(i as u64)).collect()
    }

    fn alloc_bits(cs: &ConstraintSystemRef<Fr>, bits: &[bool]) -> Vec<FpVar<Fr>> {
        bits.iter()
            .map(|b| FpVar::from(Boolean::new_witness(cs.clone(), || Ok(*b)).unwrap()))
            .collect()
    }

    /// `value mod l` as a scalar.
    fn scalar(value: &BigUint) -> Fs {
        Fs::from(value.clone())
    }

    #[test]
    fn segment_bounds_are_the_largest_that_keep_every_multiple_below_l() {
        let l = biguint(Fs::MODULUS);
        let one = BigUint::from(1u8);
        let fixed = |k: usize| (BigUint::from(4u8).pow(k as u32) - &one) * 5u8 / 3u8;
        assert!(fixed(FIXED_SEGMENT_WINDOWS) < l);
        assert!(fixed(FIXED_SEGMENT_WINDOWS + 1) >= l);
        let variable = |k: usize| (&one << k) - &one;
        assert!(variable(VARIABLE_SEGMENT_DIGITS) < l);
        assert!(variable(VARIABLE_SEGMENT_DIGITS + 1) >= l);
        // S fits 251 bits.
        assert!(l < (&one << 251));
    }

    #[test]
    fn montgomery_conversions_and_formulas_match_edwards() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        for _ in 0..8 {
            let p = (BASE8 * Fs::rand(&mut rng)).into_affine();
            let q = (BASE8 * Fs::rand(&mut rng)).into_affine();
            let (u, v) = to_montgomery(&p).unwrap();
            assert_eq!(v.square(), u * u.square() + MONTGOMERY_A * u.square() + u);
            assert_eq!(to_edwards(u, v).unwrap(), p);
            let pm = MontgomeryVar::constant((u, v));
            let qm = MontgomeryVar::constant(to_montgomery(&q).unwrap());
            let sum = pm.add(&qm).unwrap().constant_value().unwrap();
            assert_eq!(to_edwards(sum.0, sum.1).unwrap(), (p + q).into_affine());
            let double = pm
                .double_with_slope(None)
                .unwrap()
                .constant_value()
                .unwrap();
            assert_eq!(
                to_edwards(double.0, double.1).unwrap(),
                (p + p).into_affine()
            );
            // The same in constraints.
            let cs = ConstraintSystem::<Fr>::new_ref();
            let pv = EdwardsVar::new(
                FpVar::new_witness(cs.clone(), || Ok(p.x)).unwrap(),
                FpVar::new_witness(cs.clone(), || Ok(p.y)).unwrap(),
            );
            let pm = MontgomeryVar::from_edwards(&pv).unwrap();
            let sum = pm.add(&qm).unwrap().to_edwards().unwrap();
            let double = pm.double_with_slope(None).unwrap().to_edwards().unwrap();
            assert_eq!(sum.value().unwrap().into_affine(), (p + q).into_affine());
            assert_eq!(double.value().unwrap().into_affine(), (p + p).into_affine());
            assert!(cs.is_satisfied().unwrap());
            // 2 + 3 + 2 + 4 + 2.
            assert_eq!(cs.num_constraints(), 13);
        }
        // The identity has no Montgomery form: refused.
        let cs = ConstraintSystem::<Fr>::new_ref();
        let identity = EdwardsVar::new(
            FpVar::new_witness(cs.clone(), || Ok(Fr::ZERO)).unwrap(),
            FpVar::new_witness(cs.clone(), || Ok(Fr::ONE)).unwrap(),
        );
        MontgomeryVar::from_edwards(&identity).unwrap();
        assert!(!cs.is_satisfied().unwrap());
    }

    fn extreme_scalars(n: usize, rng: &mut impl rand::RngCore) -> Vec<BigUint> {
        let one = BigUint::from(1u8);
        let mut scalars = vec![
            BigUint::from(0u8),
            one.clone(),
            BigUint::from(2u8),
            BigUint::from(3u8),
            (&one << n) - &one,
            &one << (n - 1),
            biguint(Fs::MODULUS) - &one,
            biguint(Fs::MODULUS),
        ];
        for _ in 0..4 {
            let mut bytes = [0u8; 32];
            rng.fill_bytes(&mut bytes);
            scalars.push(BigUint::from_bytes_le(&bytes) % (&one << n));
        }
        scalars.retain(|s| s.bits() as usize <= n);
        scalars
    }

    /// The batched doubling slopes equal those of doubling one step at a time, and the
    /// chain built with them equals the one built without (same witness values).
    #[test]
    fn doubling_slopes_match_step_by_step() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let point = (Projective::from(BASE8) * Fs::from(987654321u64)).into_affine();
        let (u, v) = to_montgomery(&point).unwrap();
        let t = MontgomeryVar {
            u: FpVar::new_witness(cs.clone(), || Ok(u)).unwrap(),
            v: FpVar::new_witness(cs.clone(), || Ok(v)).unwrap(),
        };
        let slopes = doubling_slopes(&t, 253).unwrap();
        assert_eq!(slopes.len(), 253);
        let (mut plain, mut hinted) = (t.clone(), t.clone());
        for slope in &slopes {
            let (u, v) = (plain.u.value().unwrap(), plain.v.value().unwrap());
            let expected = (Fr::from(3u64) * u.square() + MONTGOMERY_A.double() * u + Fr::ONE)
                * v.double().inverse().unwrap();
            assert_eq!(*slope, expected);
            plain = plain.double_with_slope(None).unwrap();
            hinted = hinted.double_with_slope(Some(*slope)).unwrap();
            assert_eq!(plain.u.value().unwrap(), hinted.u.value().unwrap());
            assert_eq!(plain.v.value().unwrap(), hinted.v.value().unwrap());
        }
        assert!(cs.is_satisfied().unwrap());
        // A wrong slope is only a wrong witness: the system is not satisfied.
        let wrong = t.double_with_slope(Some(slopes[0] + Fr::one())).unwrap();
        assert!(wrong.u.value().is_ok());
        assert!(!cs.is_satisfied().unwrap());
        // No values, or a constant point: no slopes.
        let setup = ConstraintSystem::<Fr>::new_ref();
        setup.set_mode(ark_relations::gr1cs::SynthesisMode::Setup);
        let unknown = MontgomeryVar {
            u: FpVar::new_witness(setup.clone(), || Ok(u)).unwrap(),
            v: FpVar::new_witness(setup, || Ok(v)).unwrap(),
        };
        assert!(doubling_slopes(&unknown, 3).is_none());
        assert!(doubling_slopes(&MontgomeryVar::constant((u, v)), 3).is_none());
    }

    /// The batched window tables equal the entry-by-entry computation, for `Base8`
    /// (also the cached copy) and another base.
    #[test]
    fn window_tables_match_entry_by_entry() {
        let other = (Projective::from(BASE8) * Fs::from(12345u64)).into_affine();
        for (base, windows) in [(BASE8, 127), (other, 126), (BASE8, 1)] {
            let tables = window_tables(&base, windows).unwrap();
            assert_eq!(tables.len(), windows);
            let mut power = Projective::from(base);
            for table in &tables {
                for (v, entry) in table.iter().enumerate() {
                    let point = (power * Fs::from(v as u64 + 2)).into_affine();
                    assert_eq!(Some(*entry), to_montgomery(&point));
                }
                power = power.double().double();
            }
        }
        let cached = BASE8_TABLES
            .get_or_init(|| window_tables(&BASE8, BASE8_WINDOWS).ok())
            .clone()
            .unwrap();
        assert_eq!(cached, window_tables(&BASE8, BASE8_WINDOWS).unwrap());
        // O has no table.
        assert!(window_tables(&Affine::zero(), 2).is_err());
    }

    #[test]
    fn fixed_base_multiplication_matches_native_with_pinned_counts() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(6);
        let other_base = (BASE8 * Fs::rand(&mut rng)).into_affine();
        for (base, n, count) in [(BASE8, 251, 510), (other_base, 254, 515), (BASE8, 8, 18)] {
            for k in extreme_scalars(n, &mut rng) {
                let expected = (base * scalar(&k)).into_affine();
                let cs = ConstraintSystem::<Fr>::new_ref();
                let bits = alloc_bits(&cs, &bits_of(&k, n));
                let before = cs.num_constraints();
                let result = fixed_base_mul_le(&base, &bits).unwrap();
                assert_eq!(result.value().unwrap().into_affine(), expected, "k = {k}");
                assert!(cs.is_satisfied().unwrap(), "k = {k}");
                assert_eq!(cs.num_constraints() - before, count, "n = {n}");
                // Constant bits: computed natively.
                let constant: Vec<FpVar<Fr>> = bits_of(&k, n)
                    .into_iter()
                    .map(|b| FpVar::Constant(Fr::from(b)))
                    .collect();
                let result = fixed_base_mul_le(&base, &constant).unwrap();
                assert!(result.is_constant());
                assert_eq!(result.value().unwrap().into_affine(), expected);
            }
        }
        // The holder-binding entry point.
        let cs = ConstraintSystem::<Fr>::new_ref();
        let k = BigUint::from(123_456_789u64);
        let bits = alloc_bits(&cs, &bits_of(&k, 251));
        let result = base8_mul_le(&bits).unwrap();
        assert_eq!(
            result.value().unwrap().into_affine(),
            (BASE8 * scalar(&k)).into_affine()
        );
        assert!(cs.is_satisfied().unwrap());
        // A base outside the prime-order subgroup is refused.
        assert!(fixed_base_mul_le(&GENERATOR, &[]).is_err());
    }

    #[test]
    fn variable_base_multiplication_matches_native_with_pinned_counts() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        for (n, count) in [(254, 2039), (251, 2015), (8, 66)] {
            let t = (BASE8 * Fs::rand(&mut rng)).into_affine();
            for k in extreme_scalars(n, &mut rng) {
                let cs = ConstraintSystem::<Fr>::new_ref();
                let base = EdwardsVar::new(
                    FpVar::new_witness(cs.clone(), || Ok(t.x)).unwrap(),
                    FpVar::new_witness(cs.clone(), || Ok(t.y)).unwrap(),
                );
                let montgomery = MontgomeryVar::from_edwards(&base).unwrap();
                let bits = alloc_bits(&cs, &bits_of(&k, n));
                let before = cs.num_constraints();
                let result = variable_base_mul_le(&base, &montgomery, &bits).unwrap();
                assert_eq!(
                    result.value().unwrap().into_affine(),
                    (t * scalar(&k)).into_affine(),
                    "k = {k}"
                );
                assert!(cs.is_satisfied().unwrap(), "n = {n}, k = {k}");
                assert_eq!(cs.num_constraints() - before, count, "n = {n}");
            }
        }
    }

    #[test]
    fn bit_decomposition_and_bounds_accept_exactly_the_range() {
        let l = biguint(Fs::MODULUS);
        let p = biguint(Fr::MODULUS);
        let one = BigUint::from(1u8);
        for (modulus, n) in [(&l, 251), (&p, 254)] {
            let bound = bits_of(&(modulus - &one), n);
            let cases = [
                (BigUint::from(0u8), true),
                (modulus - &one, true),
                (modulus - 2u8, true),
                (modulus.clone(), false),
                (modulus + &one, false),
                ((&one << n) - &one, false),
                (modulus >> 1u8, true),
            ];
            for (value, ok) in cases {
                let cs = ConstraintSystem::<Fr>::new_ref();
                let bits = alloc_bits(&cs, &bits_of(&value, n));
                enforce_le_constant(&bits, &bound).unwrap();
                assert_eq!(cs.is_satisfied().unwrap(), ok, "{value} against {modulus}");
            }
        }
        // Strict decomposition of field elements (254 bits, ≤ p − 1).
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(8);
        for value in [Fr::ZERO, -Fr::ONE, Fr::rand(&mut rng)] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let var = FpVar::new_witness(cs.clone(), || Ok(value)).unwrap();
            let bits = to_bits_le(&var, 254).unwrap();
            enforce_le_constant(&bits, &odd_modulus_minus_one_bits(Fr::MODULUS, 254)).unwrap();
            assert!(cs.is_satisfied().unwrap());
            let recomposed: Vec<bool> = bits.iter().map(|b| b.value().unwrap().is_one()).collect();
            assert_eq!(recomposed, bits_of(&biguint(value.into_bigint()), 254));
        }
        // Too wide for n bits.
        let cs = ConstraintSystem::<Fr>::new_ref();
        let var = FpVar::new_witness(cs.clone(), || Ok(Fr::from(8u64))).unwrap();
        to_bits_le(&var, 3).unwrap();
        assert!(!cs.is_satisfied().unwrap());
        assert!(to_bits_le(&FpVar::Constant(Fr::from(8u64)), 3).is_err());
    }
}
