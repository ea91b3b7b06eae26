//! The multi-Miller loop of the batch verifier, split into one slice of pairs per worker
//! thread.
//!
//! arkworks' `multi_miller_loop` splits its pairs into chunks of four and runs the whole
//! loop per chunk, so every chunk repeats the 63 squarings of the accumulator in Fq¹²;
//! with a batch of 64 proofs that is 17 accumulators. Here there is one per thread. The
//! line evaluations are arkworks' own (`G2Prepared` coefficients, `mul_by_034` for BN254's
//! D-type twist), so the result is the same element of Fq¹² (tested below).

use ark_bn254::{Bn254, Config as Bn254Config, Fq12, G1Affine};
use ark_ec::bn::{BnConfig, TwistType};
use ark_ec::pairing::{MillerLoopOutput, Pairing};
use ark_ec::AffineRepr;
use ark_ff::{Field, One};
use rayon::prelude::*;

type G2Prepared = <Bn254 as Pairing>::G2Prepared;

// The loop below is written for BN254's parameters: positive `x`, D-type twist.
const _: () = assert!(!Bn254Config::X_IS_NEGATIVE);
const _: () = assert!(matches!(Bn254Config::TWIST_TYPE, TwistType::D));
type EllCoeff = ark_ec::bn::g2::EllCoeff<Bn254Config>;

/// `f ← f · ℓ(P)` for one line with coefficients `coeffs` (D-type twist).
fn multiply_by_line(f: &mut Fq12, coeffs: &EllCoeff, p: &G1Affine) {
    let (mut c0, mut c1, c2) = *coeffs;
    c0.mul_assign_by_fp(&p.y);
    c1.mul_assign_by_fp(&p.x);
    f.mul_by_034(&c0, &c1, &c2);
}

/// The Miller loop product of a slice of pairs, sharing one accumulator.
fn miller_loop_of(pairs: &[(G1Affine, &G2Prepared)]) -> Fq12 {
    let loop_count = Bn254Config::ATE_LOOP_COUNT;
    let mut cursors: Vec<_> = pairs
        .iter()
        .map(|(p, q)| (p, q.ell_coeffs.iter()))
        .collect();
    let mut f = Fq12::one();
    for i in (1..loop_count.len()).rev() {
        if i != loop_count.len() - 1 {
            f.square_in_place();
        }
        let steps = if loop_count[i - 1] == 0 { 1 } else { 2 };
        for _ in 0..steps {
            for (p, coeffs) in cursors.iter_mut() {
                let line = coeffs.next().expect("a prepared point has a line per step");
                multiply_by_line(&mut f, line, p);
            }
        }
    }
    // The two Frobenius-twisted lines at the end of the optimal ate loop.
    for _ in 0..2 {
        for (p, coeffs) in cursors.iter_mut() {
            let line = coeffs.next().expect("a prepared point has the final lines");
            multiply_by_line(&mut f, line, p);
        }
    }
    f
}

/// `Π e'(Pᵢ, Qᵢ)` before the final exponentiation, pairs with a point at infinity skipped.
pub(super) fn multi_miller_loop(g1: &[G1Affine], g2: &[G2Prepared]) -> MillerLoopOutput<Bn254> {
    let pairs: Vec<(G1Affine, &G2Prepared)> = g1
        .iter()
        .zip(g2)
        .filter(|(p, q)| !p.is_zero() && !q.infinity)
        .map(|(p, q)| (*p, q))
        .collect();
    let slice = pairs.len().div_ceil(rayon::current_num_threads()).max(1);
    let f = pairs
        .par_chunks(slice)
        .map(miller_loop_of)
        .reduce(Fq12::one, |a, b| a * b);
    MillerLoopOutput(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fr, G2Affine};
    use ark_ec::CurveGroup;
    use ark_ff::UniformRand;
    use rand::SeedableRng;

    #[test]
    fn equals_arkworks_multi_miller_loop() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        for count in [1usize, 2, 5, 13] {
            let mut g1: Vec<G1Affine> = (0..count)
                .map(|_| (G1Affine::generator() * Fr::rand(&mut rng)).into_affine())
                .collect();
            let mut g2: Vec<G2Affine> = (0..count)
                .map(|_| (G2Affine::generator() * Fr::rand(&mut rng)).into_affine())
                .collect();
            if count == 5 {
                g1[1] = G1Affine::zero();
                g2[3] = G2Affine::zero();
            }
            let prepared: Vec<G2Prepared> = g2.iter().map(|q| G2Prepared::from(*q)).collect();
            let ours = multi_miller_loop(&g1, &prepared);
            let theirs = Bn254::multi_miller_loop(g1.clone(), g2.clone());
            assert_eq!(ours.0, theirs.0, "{count} pairs");
        }
        // A wrong point changes the result.
        let g1 = vec![G1Affine::generator()];
        let g2 = vec![G2Prepared::from(G2Affine::generator())];
        let other = vec![(G1Affine::generator() * Fr::from(2u64)).into_affine()];
        assert_ne!(
            multi_miller_loop(&g1, &g2).0,
            multi_miller_loop(&other, &g2).0
        );
    }
}
