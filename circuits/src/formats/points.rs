//! BN254 points and field elements as decimal strings, in snarkjs's projective-triple form:
//! G1 `[x, y, "1"]`, G2 `[[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]`, infinity with z = 0.
//!
//! # Security
//! Decoders check that coordinates are canonical, that the point is on the curve and
//! that it lies in the prime-order subgroup (G2 has a large cofactor; see [`crate::curve`]).

use ark_bn254::{Fq, Fq2, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{One, Zero};

use crate::curve::g2_in_subgroup_assuming_on_curve;
use crate::field::{parse_field, to_decimal_in as field_to_decimal};
use crate::ZkError;

/// A G1 point as `[x, y, z]`.
pub(crate) fn g1_to_strings(point: &G1Affine) -> Vec<String> {
    match point.xy() {
        Some((x, y)) => vec![field_to_decimal(&x), field_to_decimal(&y), "1".into()],
        None => vec!["0".into(), "1".into(), "0".into()],
    }
}

/// A G2 point as `[[x.c0, x.c1], [y.c0, y.c1], [z.c0, z.c1]]`.
pub(crate) fn g2_to_strings(point: &G2Affine) -> Vec<Vec<String>> {
    let fq2 = |v: Fq2| vec![field_to_decimal(&v.c0), field_to_decimal(&v.c1)];
    match point.xy() {
        Some((x, y)) => vec![fq2(x), fq2(y), vec!["1".into(), "0".into()]],
        None => vec![fq2(Fq2::zero()), fq2(Fq2::one()), fq2(Fq2::zero())],
    }
}

/// Parses a G1 point from `[x, y]` or `[x, y, z]` with z ∈ {0, 1}.
pub(crate) fn g1_from_strings(what: &str, coords: &[String]) -> Result<G1Affine, ZkError> {
    let malformed = || ZkError::NotOnCurve {
        what: format!(
            "{what} (expected [x, y, z] decimal coordinates with z = 1, or z = 0 for infinity)"
        ),
    };
    let (x, y, z) = match coords {
        [x, y] => (x, y, "1"),
        [x, y, z] => (x, y, z.as_str()),
        _ => return Err(malformed()),
    };
    let x: Fq = parse_field(&format!("{what}.x"), x)?;
    let y: Fq = parse_field(&format!("{what}.y"), y)?;
    match z {
        "0" => Ok(G1Affine::zero()),
        "1" => checked_g1(what, G1Affine::new_unchecked(x, y)),
        _ => Err(malformed()),
    }
}

/// Parses a G2 point from `[[x0, x1], [y0, y1]]` or with a third coordinate `[1, 0]` / `[0, 0]`.
pub(crate) fn g2_from_strings(what: &str, coords: &[Vec<String>]) -> Result<G2Affine, ZkError> {
    let malformed = || ZkError::NotOnCurve {
        what: format!("{what} (expected [[x0, x1], [y0, y1], [z0, z1]] decimal coordinates)"),
    };
    let fq2 = |name: &str, pair: &[String]| -> Result<Fq2, ZkError> {
        match pair {
            [c0, c1] => Ok(Fq2::new(
                parse_field(&format!("{what}.{name}.c0"), c0)?,
                parse_field(&format!("{what}.{name}.c1"), c1)?,
            )),
            _ => Err(malformed()),
        }
    };
    let (x, y, z) = match coords {
        [x, y] => (fq2("x", x)?, fq2("y", y)?, Fq2::one()),
        [x, y, z] => (fq2("x", x)?, fq2("y", y)?, fq2("z", z)?),
        _ => return Err(malformed()),
    };
    if z.is_zero() {
        return Ok(G2Affine::zero());
    }
    if !z.is_one() {
        return Err(malformed());
    }
    checked_g2(what, G2Affine::new_unchecked(x, y))
}

/// `point` if it is on the twist curve and in G2 (the fast membership test of
/// [`crate::curve`]).
pub(crate) fn checked_g2(what: &str, point: G2Affine) -> Result<G2Affine, ZkError> {
    if !point.is_on_curve() {
        return Err(ZkError::NotOnCurve { what: what.into() });
    }
    if !g2_in_subgroup_assuming_on_curve(&point) {
        return Err(ZkError::NotInSubgroup { what: what.into() });
    }
    Ok(point)
}

pub(crate) fn checked_g1(what: &str, point: G1Affine) -> Result<G1Affine, ZkError> {
    if !point.is_on_curve() {
        return Err(ZkError::NotOnCurve { what: what.into() });
    }
    if !point.is_in_correct_subgroup_assuming_on_curve() {
        return Err(ZkError::NotInSubgroup { what: what.into() });
    }
    Ok(point)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fr, G2Projective};
    use ark_ec::short_weierstrass::SWCurveConfig;
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_ff::{Field, PrimeField, UniformRand};
    use num_bigint::BigUint;
    use rand::SeedableRng;

    #[test]
    fn points_round_trip() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let g1 = (G1Affine::generator() * Fr::rand(&mut rng)).into_affine();
        let g2 = (G2Affine::generator() * Fr::rand(&mut rng)).into_affine();
        assert_eq!(g1_from_strings("p", &g1_to_strings(&g1)).unwrap(), g1);
        assert_eq!(g2_from_strings("q", &g2_to_strings(&g2)).unwrap(), g2);
        assert!(g1_from_strings("p", &g1_to_strings(&G1Affine::zero()))
            .unwrap()
            .is_zero());
        assert!(g2_from_strings("q", &g2_to_strings(&G2Affine::zero()))
            .unwrap()
            .is_zero());
    }

    #[test]
    fn rejects_points_off_curve_and_outside_subgroup() {
        let g1 = G1Affine::generator();
        let mut coords = g1_to_strings(&g1);
        coords[1] = "3".into();
        assert!(matches!(
            g1_from_strings("p", &coords),
            Err(ZkError::NotOnCurve { .. })
        ));
        coords[2] = "2".into();
        assert!(g1_from_strings("p", &coords).is_err());

        // A point on the twist curve but outside the r-order subgroup: find x with a square.
        let b = ark_bn254::g2::Config::COEFF_B;
        let mut x = Fq2::from(1u64);
        let point = loop {
            if let Some(y) = (x * x * x + b).sqrt() {
                let candidate = G2Affine::new_unchecked(x, y);
                if !candidate.is_in_correct_subgroup_assuming_on_curve() {
                    break candidate;
                }
            }
            x += Fq2::one();
        };
        assert!(matches!(
            g2_from_strings("q", &g2_to_strings(&point)),
            Err(ZkError::NotInSubgroup { .. })
        ));
        let generator = G2Projective::generator().into_affine();
        let mut coords = g2_to_strings(&generator);
        coords[0][0] = "5".into();
        assert!(matches!(
            g2_from_strings("q", &coords),
            Err(ZkError::NotOnCurve { .. })
        ));
    }

    #[test]
    fn rejects_non_canonical_coordinates() {
        let modulus = BigUint::from(Fq::MODULUS).to_string();
        assert!(parse_field::<Fq>("x", &modulus).is_err());
        assert!(parse_field::<Fq>("x", "007").is_err());
        assert!(parse_field::<Fq>("x", "-7").is_err());
    }
}
