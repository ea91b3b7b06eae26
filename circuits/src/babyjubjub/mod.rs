//! Baby Jubjub: the twisted Edwards curve `a·x² + y² = 1 + d·x²·y²` with `a = 168700`,
//! `d = 168696` over the BN254 scalar field, in the coordinates of circomlib and EIP-2494.
//!
//! This module owns the curve as arkworks `TECurveConfig` (so `ark-ec` does the group
//! law), its prime-order subgroup's scalar field [`Fs`] (order
//! `l = 2736030358979909402780800718157159386076813972158567259200215660948447373041`,
//! cofactor 8), circomlib's subgroup generator [`BASE8`], and [`Point`]: a point that is
//! known to be on the curve, in the prime-order subgroup and not the identity, with
//! circomlib's 32-byte packing.
//!
//! arkworks' `ark-ed-on-bn254` is the same curve in another model (`a = 1`, x scaled by
//! √168700); this module uses circomlib's model directly so coordinates need no mapping.
//!
//! # Security
//! `a` is a square and `d` a non-square in the base field, so the twisted Edwards
//! addition law is complete (no exceptional points). Every decoder checks that a point is
//! on the curve and in the prime-order subgroup, and refuses the identity, so no small-order
//! component can reach a signature check. [`ct_mul`] multiplies by secret scalars with a
//! fixed sequence of field operations.

pub(crate) mod gadget;
mod point;

use ark_bn254::Fr;
use ark_ec::models::CurveConfig;
use ark_ec::twisted_edwards::{self, MontCurveConfig, TECurveConfig};
use ark_ff::{AdditiveGroup, BigInteger, Field, MontFp, PrimeField};

pub use point::{Point, PointError, PACKED_POINT_BYTES};

pub use scalar::{Fs, FsConfig};

mod scalar {
    // The derive emits `cfg(feature = "asm")` branches for ark-ff's own feature.
    #![allow(unexpected_cfgs)]
    use ark_ff::{Fp256, MontBackend, MontConfig};

    /// The parameters of the field [`Fs`] (Baby Jubjub's prime subgroup order `l`).
    #[derive(MontConfig)]
    #[modulus = "2736030358979909402780800718157159386076813972158567259200215660948447373041"]
    #[generator = "31"]
    pub struct FsConfig;

    /// Integers modulo `l`, the order of Baby Jubjub's prime-order subgroup (signature
    /// scalars).
    pub type Fs = Fp256<MontBackend<FsConfig, 4>>;
}

/// Baby Jubjub's curve parameters, in circomlib's model (`a = 168700`, `d = 168696`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BabyJubjubConfig;

/// A point in affine coordinates (any point of the curve; prefer [`Point`] for checked ones).
pub type Affine = twisted_edwards::Affine<BabyJubjubConfig>;
/// A point in extended projective coordinates.
pub type Projective = twisted_edwards::Projective<BabyJubjubConfig>;

/// `a` of the curve equation.
pub const COEFF_A: Fr = MontFp!("168700");
/// `d` of the curve equation.
pub const COEFF_D: Fr = MontFp!("168696");

/// circomlib's `Base8`: 8 × circomlib's `Generator`, a generator of the prime-order subgroup.
pub const BASE8: Affine = Affine::new_unchecked(
    MontFp!("5299619240641551281634865583518297030282874472190772894086521144482721001553"),
    MontFp!("16950150798460657717958625567821834550301663161624707787222815936182638968203"),
);

/// circomlib's `Generator`, of order `8·l` (the whole group).
pub const GENERATOR: Affine = Affine::new_unchecked(
    MontFp!("995203441582195749578291179787384436505546430278305826713579947235728471134"),
    MontFp!("5472060717959818805561601436314318772137091100104008585924551046643952123905"),
);

impl CurveConfig for BabyJubjubConfig {
    type BaseField = Fr;
    type ScalarField = Fs;
    const COFACTOR: &'static [u64] = &[8];
    /// 8⁻¹ mod l.
    const COFACTOR_INV: Fs =
        MontFp!("2394026564107420727433200628387514462817212225638746351800188703329891451411");
}

impl TECurveConfig for BabyJubjubConfig {
    const COEFF_A: Fr = COEFF_A;
    const COEFF_D: Fr = COEFF_D;
    const GENERATOR: Affine = BASE8;
    type MontCurveConfig = BabyJubjubConfig;
}

/// The birationally equivalent Montgomery curve `B·v² = u³ + A·u² + u`:
/// `A = 2(a + d)/(a − d) = 168698`, `B = 4/(a − d) = 1`.
impl MontCurveConfig for BabyJubjubConfig {
    const COEFF_A: Fr = MontFp!("168698");
    const COEFF_B: Fr = MontFp!("1");
    type TECurveConfig = BabyJubjubConfig;
}

/// The order `l` of the prime-order subgroup, as little-endian bytes.
pub fn subgroup_order_le() -> Vec<u8> {
    Fs::MODULUS.to_bytes_le()
}

/// `scalar · point` for a secret scalar below `2^256`, with the same sequence of field
/// operations whatever the scalar's bits (a Montgomery ladder whose conditional swaps are
/// arithmetic: `x' = x₀ + b·(x₁ − x₀)`).
///
/// # Security
/// The sequence of operations does not depend on the scalar; the timing of each field
/// multiplication is arkworks' Montgomery multiplication (no secret-dependent branches on
/// x86-64). The complete addition law handles every intermediate point.
pub fn ct_mul(point: &Affine, scalar_le: &[u8; 32]) -> Affine {
    let mut r0 = Projective::from(Affine::new_unchecked(Fr::ZERO, Fr::ONE));
    let mut r1 = Projective::from(*point);
    for index in (0..256).rev() {
        let bit = Fr::from((scalar_le[index / 8] >> (index % 8)) & 1);
        // If bit: (r0, r1) ← (r0 + r1, 2·r1); else (r0, r1) ← (2·r0, r0 + r1).
        cswap(&mut r0, &mut r1, bit);
        let sum = r0 + r1;
        let double = r0 + r0;
        r0 = double;
        r1 = sum;
        cswap(&mut r0, &mut r1, bit);
    }
    r0.into()
}

fn cswap(a: &mut Projective, b: &mut Projective, bit: Fr) {
    let swap = |x: &mut Fr, y: &mut Fr| {
        let delta = bit * (*y - *x);
        *x += delta;
        *y -= delta;
    };
    swap(&mut a.x, &mut b.x);
    swap(&mut a.y, &mut b.y);
    swap(&mut a.t, &mut b.t);
    swap(&mut a.z, &mut b.z);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
    use ark_ff::UniformRand;
    use rand::SeedableRng;

    #[test]
    fn base_points_are_circomlibs() {
        assert!(BASE8.is_on_curve() && GENERATOR.is_on_curve());
        assert!(BASE8.is_in_correct_subgroup_assuming_on_curve());
        assert!(!GENERATOR.is_in_correct_subgroup_assuming_on_curve());
        assert_eq!(GENERATOR.mul_by_cofactor(), BASE8);
        assert_eq!(Projective::generator(), Projective::from(BASE8));
        assert!((BASE8 * Fs::from(0u64)).into_affine().is_zero());
        // l·Base8 = O, and Base8 is not the identity.
        assert!(BASE8.mul_bigint(Fs::MODULUS).into_affine().is_zero());
        assert!(!BASE8.is_zero());
    }

    #[test]
    fn constant_time_ladder_matches_double_and_add() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let mut scalars = vec![[0u8; 32], [0xff; 32]];
        scalars.push({
            let mut one = [0u8; 32];
            one[0] = 1;
            one
        });
        for _ in 0..8 {
            let mut bytes = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rng, &mut bytes);
            scalars.push(bytes);
        }
        for scalar in scalars {
            let expected = BASE8.mul_bigint(ark_ff::BigInt::<4>::from_bits_le(
                &(0..256)
                    .map(|i| (scalar[i / 8] >> (i % 8)) & 1 == 1)
                    .collect::<Vec<_>>(),
            ));
            assert_eq!(ct_mul(&BASE8, &scalar), expected.into_affine());
        }
        let point = (BASE8 * Fs::rand(&mut rng)).into_affine();
        let mut seven = [0u8; 32];
        seven[0] = 7;
        assert_eq!(
            ct_mul(&point, &seven),
            (point * Fs::from(7u64)).into_affine()
        );
    }
}
