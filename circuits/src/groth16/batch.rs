//! Batch verification of many Groth16 proofs under one verifying key.
//!
//! Each proof satisfies `e(Aᵢ, Bᵢ) = e(α, β)·e(Lᵢ, γ)·e(Cᵢ, δ)` with
//! `Lᵢ = IC₀ + Σⱼ xᵢⱼ·ICⱼ`. With independent random scalars `rᵢ` (2¹²⁸ possible values,
//! see [`BatchScalar`]) the batch checks
//!
//! `Πᵢ e(rᵢ·Aᵢ, Bᵢ) · e(−(Σrᵢ)·α, β) · e(−Σᵢ rᵢ·Lᵢ, γ) · e(−Σᵢ rᵢ·Cᵢ, δ) = 1`
//!
//! in one multi-pairing (n + 3 Miller loops sharing accumulators, one final
//! exponentiation) instead of n·3 Miller loops and n final exponentiations; `Σ rᵢ·Lᵢ`
//! folds into one small MSM over the key's
//! `IC` points. A batch containing an invalid proof passes with probability ≤ 2⁻¹²⁸
//! (Bellare–Garay–Rabin small-exponent test). On failure every proof is checked on its
//! own, in parallel, to name the failing ones.
//!
//! # Security
//! The scalars must be unpredictable to whoever made the proofs: pass a CSPRNG.

use ark_bn254::{g1::Config as G1Config, Bn254, Fr, G1Affine, G1Projective};
use ark_ec::pairing::Pairing;
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ec::{AdditiveGroup, CurveGroup, VariableBaseMSM};
use ark_ff::Zero;
use rand_core::CryptoRngCore;
use rayon::prelude::*;

use super::pairing::multi_miller_loop;
use super::{check_applicable, verify, Proof, VerifyingKey};
use crate::ZkError;

type G2Prepared = <Bn254 as Pairing>::G2Prepared;

/// Verifies all `proofs` under `key` at once.
///
/// # Errors
/// [`ZkError::BatchRejected`] with the positions of every failing proof; any error of
/// [`super::verify`] other than invalidity (wrong key, malformed inputs) for the first
/// proof that has one.
pub fn verify_batch(
    key: &VerifyingKey,
    proofs: &[Proof],
    rng: &mut impl CryptoRngCore,
) -> Result<(), ZkError> {
    for proof in proofs {
        check_applicable(key, proof)?;
    }
    match proofs {
        [] => return Ok(()),
        [single] => {
            return verify(key, single).map_err(|error| match error {
                ZkError::InvalidProof => ZkError::BatchRejected { failing: vec![0] },
                other => other,
            })
        }
        _ => {}
    }
    let scalars: Vec<BatchScalar> = proofs
        .iter()
        .map(|_| BatchScalar {
            low: rng.next_u64(),
            high: rng.next_u64(),
        })
        .collect();
    if combined_check(key, proofs, &scalars) {
        return Ok(());
    }
    let failing: Vec<usize> = proofs
        .par_iter()
        .enumerate()
        .filter(|(_, proof)| verify(key, proof).is_err())
        .map(|(index, _)| index)
        .collect();
    Err(ZkError::BatchRejected { failing })
}

/// A random batch scalar `r = low + λ·high` with `λ` the eigenvalue of BN254's G1
/// endomorphism `φ(x, y) = (βx, y)`. The 2¹²⁸ choices give distinct scalars (a
/// collision would be a lattice vector far shorter than `λ`'s), which is all the
/// small-exponent test needs, and `r·A = low·A + high·φ(A)` costs 64 doublings instead of
/// 128.
#[derive(Clone, Copy)]
struct BatchScalar {
    low: u64,
    high: u64,
}

impl BatchScalar {
    fn to_field(self) -> Fr {
        Fr::from(self.low) + G1Config::LAMBDA * Fr::from(self.high)
    }

    /// `r·A` by Shamir's simultaneous double-and-add over `A` and `φ(A)`.
    fn times(self, a: &G1Affine) -> G1Projective {
        let endo = G1Config::endomorphism_affine(a);
        let both = *a + endo;
        let mut acc = G1Projective::zero();
        for bit in (0..64).rev() {
            acc.double_in_place();
            match ((self.low >> bit) & 1, (self.high >> bit) & 1) {
                (1, 1) => acc += both,
                (1, _) => acc += a,
                (_, 1) => acc += endo,
                _ => {}
            }
        }
        acc
    }
}

fn combined_check(key: &VerifyingKey, proofs: &[Proof], batch_scalars: &[BatchScalar]) -> bool {
    let vk = &key.key;
    let scaled_a: Vec<G1Projective> = proofs
        .par_iter()
        .zip(batch_scalars)
        .map(|(proof, r)| r.times(&proof.proof.a))
        .collect();
    let scalars: Vec<Fr> = batch_scalars.iter().map(|r| r.to_field()).collect();
    let mut g1: Vec<G1Affine> = G1Projective::normalize_batch(&scaled_a);
    // Line coefficients for every Bᵢ, computed on all cores (arkworks' multi-pairing
    // prepares its G2 arguments one after the other); −γ and −δ come prepared with the
    // processed key.
    let mut g2: Vec<G2Prepared> = proofs
        .par_iter()
        .map(|proof| G2Prepared::from(proof.proof.b))
        .collect();

    let scalar_sum: Fr = scalars.iter().sum();
    // Σᵢ rᵢ·Lᵢ = (Σrᵢ)·IC₀ + Σⱼ (Σᵢ rᵢ·xᵢⱼ)·ICⱼ.
    let input_count = vk.gamma_abc_g1.len() - 1;
    let mut input_scalars = vec![scalar_sum];
    input_scalars.extend((0..input_count).map(|j| {
        proofs
            .iter()
            .zip(&scalars)
            .map(|(proof, r)| proof.public_inputs[j] * r)
            .sum::<Fr>()
    }));
    let inputs_acc = G1Projective::msm_unchecked(&vk.gamma_abc_g1, &input_scalars);
    let c_points: Vec<G1Affine> = proofs.iter().map(|proof| proof.proof.c).collect();
    let c_acc = G1Projective::msm_unchecked(&c_points, &scalars);
    let alpha_acc = vk.alpha_g1 * scalar_sum;

    let tail = G1Projective::normalize_batch(&[-alpha_acc, inputs_acc, c_acc]);
    g1.extend(tail);
    g2.extend([
        G2Prepared::from(vk.beta_g2),
        key.prepared.gamma_g2_neg_pc.clone(),
        key.prepared.delta_g2_neg_pc.clone(),
    ]);
    let miller = multi_miller_loop(&g1, &g2);
    Bn254::final_exponentiation(miller).is_some_and(|value| value.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{AffineRepr, PrimeGroup};
    use ark_ff::UniformRand;
    use rand::{RngCore, SeedableRng};

    #[test]
    fn batch_scalar_multiplication_matches_the_field_scalar() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        for _ in 0..32 {
            let point = (G1Projective::generator() * Fr::rand(&mut rng)).into_affine();
            let r = BatchScalar {
                low: rng.next_u64(),
                high: rng.next_u64(),
            };
            assert_eq!(r.times(&point), point * r.to_field());
        }
        let edge = BatchScalar {
            low: u64::MAX,
            high: 0,
        };
        let g = G1Affine::generator();
        assert_eq!(edge.times(&g), g * Fr::from(u64::MAX));
    }
}
