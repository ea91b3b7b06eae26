//! BN254 point checks that are cheaper than arkworks' defaults, used by every decoder of
//! untrusted proofs.
//!
//! G2 membership: a point `Q` on the twist `E'(Fq²)` lies in the order-`r` subgroup iff
//! `[x+1]Q + ψ([x]Q) + ψ²([x]Q) = ψ³([2x]Q)`, where `x = 4965661367192848881` is the BN
//! parameter and `ψ` the untwist–Frobenius–twist endomorphism (M. Scott, "A note on group
//! membership tests for G1, G2 and GT on BLS pairing-friendly curves", ePrint 2021/1130,
//! §4; the same test gnark-crypto uses). It costs one 63-bit scalar multiplication where
//! arkworks' `[6x²]Q = ψ(Q)` (ePrint 2022/352 §4.3) needs a 127-bit one. The twist's
//! cofactor `2p − r` has the small factors 10069 and 5864401, so the tests check the
//! equivalence with arkworks on points with components of exactly those orders as well as
//! on random curve points.

use ark_bn254::{Config as Bn254Config, Fq2, G2Affine, G2Projective};
use ark_ec::bn::BnConfig;
use ark_ec::AffineRepr;
use ark_ff::Field;

/// The BN parameter `x` of BN254 (positive).
const BN_X: u64 = 4_965_661_367_192_848_881;

/// `ψ(X : Y : Z) = (X̄·c_x : Ȳ·c_y : Z̄)` in Jacobian coordinates: conjugation is a field
/// automorphism of Fq², so it commutes with the `X/Z², Y/Z³` map to affine coordinates.
fn psi(point: &G2Projective) -> G2Projective {
    let conjugate = |mut v: Fq2| {
        v.frobenius_map_in_place(1);
        v
    };
    G2Projective::new_unchecked(
        conjugate(point.x) * Bn254Config::TWIST_MUL_BY_Q_X,
        conjugate(point.y) * Bn254Config::TWIST_MUL_BY_Q_Y,
        conjugate(point.z),
    )
}

/// Whether a point already known to be on the twist curve lies in G2 (the order-`r`
/// subgroup). The point at infinity does.
pub fn g2_in_subgroup_assuming_on_curve(point: &G2Affine) -> bool {
    let x_point: G2Projective = point.mul_bigint([BN_X]);
    let psi_x = psi(&x_point);
    let psi2_x = psi(&psi_x);
    let left = x_point + point + psi_x + psi2_x;
    let right = psi(&psi(&psi(&(x_point + x_point))));
    left == right
}

/// Whether `point` is on the twist curve and in G2.
pub fn g2_is_valid(point: &G2Affine) -> bool {
    point.is_on_curve() && g2_in_subgroup_assuming_on_curve(point)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fq, Fr};
    use ark_ec::short_weierstrass::SWCurveConfig;
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_ff::{PrimeField, UniformRand, Zero};
    use num_bigint::BigUint;
    use proptest::prelude::*;
    use rand::SeedableRng;

    /// A point on the twist curve from a random x (almost never in G2).
    fn random_curve_point(rng: &mut rand_chacha::ChaCha20Rng) -> G2Affine {
        loop {
            let x = Fq2::new(Fq::rand(rng), Fq::rand(rng));
            if let Some(point) = G2Affine::get_point_from_x_unchecked(x, bool::rand(rng)) {
                return point;
            }
        }
    }

    /// The twist's cofactor `h = 2p − r` as an integer.
    fn cofactor() -> BigUint {
        let p = BigUint::from(Fq::MODULUS);
        let r = BigUint::from(Fr::MODULUS);
        p * 2u32 - r
    }

    /// A point of order exactly `ell` (a prime dividing the cofactor), or infinity if the
    /// random point had no such component.
    fn point_of_order(ell: u32, rng: &mut rand_chacha::ChaCha20Rng) -> G2Projective {
        let full_order = cofactor() * BigUint::from(Fr::MODULUS);
        let scalar = full_order / ell;
        let limbs = scalar.to_u64_digits();
        random_curve_point(rng).mul_bigint(&limbs)
    }

    fn arkworks(point: &G2Affine) -> bool {
        ark_bn254::g2::Config::is_in_correct_subgroup_assuming_on_curve(point)
    }

    #[test]
    fn cofactor_has_the_small_factors_the_tests_rely_on() {
        let h = cofactor();
        assert_eq!(&h % 10069u32, BigUint::from(0u32));
        assert_eq!(&h % 5_864_401u32, BigUint::from(0u32));
    }

    #[test]
    fn generator_and_infinity_are_members() {
        assert!(g2_is_valid(&G2Affine::generator()));
        assert!(g2_is_valid(&G2Affine::zero()));
        let off_curve = G2Affine::new_unchecked(Fq2::from(1u64), Fq2::from(1u64));
        assert!(!g2_is_valid(&off_curve));
    }

    #[test]
    fn small_order_components_are_rejected() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        for ell in [10069u32, 5_864_401] {
            let torsion = point_of_order(ell, &mut rng);
            assert!(!torsion.is_zero(), "no component of order {ell} found");
            assert!(torsion.mul_bigint([u64::from(ell)]).is_zero());
            let member = G2Projective::generator() * Fr::rand(&mut rng);
            for point in [torsion, member + torsion] {
                let affine = point.into_affine();
                assert!(!arkworks(&affine));
                assert!(!g2_in_subgroup_assuming_on_curve(&affine));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn agrees_with_arkworks(seed in any::<u64>()) {
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
            let member = (G2Projective::generator() * Fr::rand(&mut rng)).into_affine();
            prop_assert!(g2_in_subgroup_assuming_on_curve(&member));
            let random = random_curve_point(&mut rng);
            prop_assert!(!arkworks(&random));
            prop_assert!(!g2_in_subgroup_assuming_on_curve(&random));
            let cleared = random.clear_cofactor();
            prop_assert!(g2_in_subgroup_assuming_on_curve(&cleared));
            let torsion = point_of_order(10069, &mut rng);
            let mixed = (G2Projective::from(member) + torsion).into_affine();
            prop_assert_eq!(g2_in_subgroup_assuming_on_curve(&mixed), arkworks(&mixed));
        }
    }
}
