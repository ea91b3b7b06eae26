//! Batch verification of many independent range proofs.
//!
//! The `bulletproofs` crate verifies one proof at a time: each check is one multiscalar
//! multiplication (MSM) over ≈ 2·n·m + 2·log2(n·m) + m + 6 points, most of them the shared
//! generators `G`, `H`, `B`, `B_blinding`. Following the batching technique of the
//! Bulletproofs paper (Bünz et al., IEEE S&P 2018, §6.2 "batch verification"), we replay
//! each proof's transcript exactly as the crate's `verify_multiple_with_rng` does, scale
//! each proof's verification equation by an independent random weight, add the scalars of
//! the shared generators, and check the sum with one MSM per rayon worker. If every proof
//! is valid the sum is the identity; if one is not, it is the identity only with
//! probability ≤ 1/ℓ ≈ 2^−252 over the weights.
//!
//! When a combined check fails, the proofs of that chunk are re-verified one by one with the
//! crate's own verifier (in parallel), so the error names exactly the invalid proofs and the
//! crate stays the authority on validity.
//!
//! # Security
//! Variable time in public data only. Weights and challenges come from the caller's CSPRNG.

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use merlin::Transcript;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, RngCore};
use rayon::prelude::*;

use super::error::RangeError;
use super::generators::{statement_transcript, Generators, MAX_BITS};
use super::proof::RangeProof;

/// Verifies every proof, faster than one by one: a combined multiscalar check per core.
///
/// An empty list verifies.
///
/// # Errors
/// [`RangeError::BatchFailed`] naming every invalid proof (by index);
/// [`RangeError::GeneratorCapacity`] if a proof aggregates more values than `gens` support.
///
/// # Security
/// Variable time in public data only.
pub fn verify_batch<R: RngCore + CryptoRng>(
    gens: &Generators,
    proofs: &[RangeProof],
    rng: &mut R,
) -> Result<(), RangeError> {
    for proof in proofs {
        gens.check_capacity(proof.statement().aggregation())?;
    }
    // Draw all randomness up front so the parallel part is deterministic given `rng`.
    let randomness: Vec<ProofRandomness> =
        proofs.iter().map(|_| ProofRandomness::draw(rng)).collect();
    let threads = rayon::current_num_threads().max(1);
    let chunk = proofs.len().div_ceil(threads).max(1);
    let failed: Vec<usize> = proofs
        .par_chunks(chunk)
        .zip(randomness.par_chunks(chunk))
        .enumerate()
        .flat_map_iter(|(index, (proofs, randomness))| {
            let offset = index * chunk;
            if vartime_combined_check(gens, proofs, randomness) {
                Vec::new()
            } else {
                // Name the culprits with the crate's verifier.
                proofs
                    .iter()
                    .zip(randomness)
                    .enumerate()
                    .filter(|(_, (proof, r))| {
                        proof
                            .verify(gens, &mut ChaCha20Rng::from_seed(r.seed))
                            .is_err()
                    })
                    .map(|(i, _)| offset + i)
                    .collect()
            }
        })
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(RangeError::BatchFailed {
            failed,
            total: proofs.len(),
        })
    }
}

/// Verifies each proof separately with the crate's verifier, in parallel; one result each.
pub fn verify_each<R: RngCore + CryptoRng>(
    gens: &Generators,
    proofs: &[RangeProof],
    rng: &mut R,
) -> Vec<Result<(), RangeError>> {
    let seeds: Vec<[u8; 32]> = proofs
        .iter()
        .map(|_| ProofRandomness::draw(rng).seed)
        .collect();
    proofs
        .par_iter()
        .zip(seeds)
        .map(|(proof, seed)| proof.verify(gens, &mut ChaCha20Rng::from_seed(seed)))
        .collect()
}

/// Per-proof randomness: the crate's batching challenge `c`, our weight, and a seed for a
/// fallback one-by-one verification.
struct ProofRandomness {
    c: Scalar,
    weight: Scalar,
    seed: [u8; 32],
}

impl ProofRandomness {
    fn draw<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        ProofRandomness {
            c: Scalar::random(rng),
            weight: Scalar::random(rng),
            seed,
        }
    }
}

/// Scalars of one proof's weighted verification equation.
struct Equation {
    bits: usize,
    parties: usize,
    /// Scalar on `B`.
    b: Scalar,
    /// Scalar on `B_blinding`.
    b_blinding: Scalar,
    /// Scalars on `G(n, m)` / `H(n, m)`, party-major (index `j·n + i`).
    g: Vec<Scalar>,
    h: Vec<Scalar>,
    /// Proof-specific points and their scalars (A, S, T_1, T_2, L, R, V).
    points: Vec<RistrettoPoint>,
    scalars: Vec<Scalar>,
}

fn challenge(transcript: &mut Transcript, label: &'static [u8]) -> Scalar {
    let mut buf = [0u8; 64];
    transcript.challenge_bytes(label, &mut buf);
    Scalar::from_bytes_mod_order_wide(&buf)
}

/// Appends a proof point, refusing the identity as the crate's `validate_and_append_point`.
fn append_nonidentity(
    transcript: &mut Transcript,
    label: &'static [u8],
    point: &CompressedRistretto,
) -> Option<()> {
    if point.is_identity() {
        return None;
    }
    transcript.append_message(label, point.as_bytes());
    Some(())
}

/// Replays `RangeProof::verify_multiple_with_rng` (bulletproofs 5.0.0,
/// `src/range_proof/mod.rs` and `InnerProductProof::verification_scalars`) and returns the
/// scalars of its "mega check", scaled by `weight`. `None` when the crate would reject the
/// proof before the check (an identity point).
fn equation(proof: &RangeProof, randomness: &ProofRandomness) -> Option<Equation> {
    let statement = proof.statement();
    let parts = &proof.parts;
    let n = statement.bits().get() as usize;
    let m = statement.aggregation();
    let nm = n * m;
    let (c, weight) = (randomness.c, randomness.weight);

    let mut t = statement_transcript(proof.statement_bytes());
    // TranscriptProtocol::rangeproof_domain_sep
    t.append_message(b"dom-sep", b"rangeproof v1");
    t.append_u64(b"n", n as u64);
    t.append_u64(b"m", m as u64);
    let value_commitments = statement.value_commitments();
    for v in &value_commitments {
        t.append_message(b"V", v.as_bytes());
    }
    append_nonidentity(&mut t, b"A", &parts.a.0)?;
    append_nonidentity(&mut t, b"S", &parts.s.0)?;
    let y = challenge(&mut t, b"y");
    let z = challenge(&mut t, b"z");
    let zz = z * z;
    append_nonidentity(&mut t, b"T_1", &parts.t_1.0)?;
    append_nonidentity(&mut t, b"T_2", &parts.t_2.0)?;
    let x = challenge(&mut t, b"x");
    t.append_message(b"t_x", parts.t_x.as_bytes());
    t.append_message(b"t_x_blinding", parts.t_x_blinding.as_bytes());
    t.append_message(b"e_blinding", parts.e_blinding.as_bytes());
    let w = challenge(&mut t, b"w");

    // InnerProductProof::verification_scalars(n·m)
    let lg = parts.l_vec.len();
    if nm != 1 << lg {
        return None;
    }
    t.append_message(b"dom-sep", b"ipp v1");
    t.append_u64(b"n", nm as u64);
    let mut u = Vec::with_capacity(lg);
    for (l, r) in parts.l_vec.iter().zip(&parts.r_vec) {
        append_nonidentity(&mut t, b"L", &l.0)?;
        append_nonidentity(&mut t, b"R", &r.0)?;
        u.push(challenge(&mut t, b"u"));
    }
    let mut u_inv = u.clone();
    let all_inv = Scalar::batch_invert(&mut u_inv);
    let u_sq: Vec<Scalar> = u.iter().map(|u| u * u).collect();
    let u_inv_sq: Vec<Scalar> = u_inv.iter().map(|u| u * u).collect();
    let mut s = Vec::with_capacity(nm);
    s.push(all_inv);
    for i in 1..nm {
        let lg_i = (usize::BITS - 1 - i.leading_zeros()) as usize;
        let k = 1 << lg_i;
        s.push(s[i - k] * u_sq[(lg - 1) - lg_i]);
    }

    let (a, b) = (parts.ipp_a, parts.ipp_b);
    let y_inv = y.invert();
    let mut g = Vec::with_capacity(nm);
    let mut h = Vec::with_capacity(nm);
    let mut y_inv_pow = Scalar::ONE;
    let mut sum_y = Scalar::ZERO;
    let mut y_pow = Scalar::ONE;
    let mut z_pow = Scalar::ONE;
    let two = Scalar::from(2u64);
    for _j in 0..m {
        let mut two_pow = Scalar::ONE;
        for _i in 0..n {
            let k = g.len();
            g.push(weight * (-z - a * s[k]));
            h.push(weight * (z + y_inv_pow * (zz * z_pow * two_pow - b * s[nm - 1 - k])));
            y_inv_pow *= y_inv;
            sum_y += y_pow;
            y_pow *= y;
            two_pow *= two;
        }
        z_pow *= z;
    }
    // delta(y, z) = (z − z²)·Σ y^k − z³·(2^n − 1)·Σ_j z^j
    let sum_2 = (0..n)
        .fold((Scalar::ZERO, Scalar::ONE), |(acc, p), _| {
            (acc + p, p * two)
        })
        .0;
    let sum_z = (0..m)
        .fold((Scalar::ZERO, Scalar::ONE), |(acc, p), _| (acc + p, p * z))
        .0;
    let delta = (z - zz) * sum_y - zz * z * sum_2 * sum_z;

    let mut points = Vec::with_capacity(4 + 2 * lg + m);
    let mut scalars = Vec::with_capacity(4 + 2 * lg + m);
    for (scalar, point) in [
        (Scalar::ONE, parts.a.1),
        (x, parts.s.1),
        (c * x, parts.t_1.1),
        (c * x * x, parts.t_2.1),
    ] {
        scalars.push(weight * scalar);
        points.push(point);
    }
    for ((l, r), (l_sq, r_sq)) in parts
        .l_vec
        .iter()
        .zip(&parts.r_vec)
        .zip(u_sq.iter().zip(&u_inv_sq))
    {
        scalars.push(weight * l_sq);
        points.push(l.1);
        scalars.push(weight * r_sq);
        points.push(r.1);
    }
    let mut z_pow = Scalar::ONE;
    for v in statement.value_points() {
        scalars.push(weight * c * zz * z_pow);
        points.push(v);
        z_pow *= z;
    }
    Some(Equation {
        bits: n,
        parties: m,
        b: weight * (w * (parts.t_x - a * b) + c * (delta - parts.t_x)),
        b_blinding: weight * (-parts.e_blinding - c * parts.t_x_blinding),
        g,
        h,
        points,
        scalars,
    })
}

/// One multiscalar check over a chunk of proofs: true when the weighted sum of all their
/// verification equations is the identity.
fn vartime_combined_check(
    gens: &Generators,
    proofs: &[RangeProof],
    randomness: &[ProofRandomness],
) -> bool {
    let mut equations = Vec::with_capacity(proofs.len());
    for (proof, r) in proofs.iter().zip(randomness) {
        match equation(proof, r) {
            Some(eq) => equations.push(eq),
            None => return false,
        }
    }
    let parties = equations.iter().map(|e| e.parties).max().unwrap_or(0);
    let mut g_acc = vec![Scalar::ZERO; parties * MAX_BITS];
    let mut h_acc = vec![Scalar::ZERO; parties * MAX_BITS];
    let mut b = Scalar::ZERO;
    let mut b_blinding = Scalar::ZERO;
    for eq in &equations {
        b += eq.b;
        b_blinding += eq.b_blinding;
        for (k, (g, h)) in eq.g.iter().zip(&eq.h).enumerate() {
            let (j, i) = (k / eq.bits, k % eq.bits);
            g_acc[j * MAX_BITS + i] += g;
            h_acc[j * MAX_BITS + i] += h;
        }
    }
    let g_points = (0..parties).flat_map(|j| gens.bulletproof().share(j).G(MAX_BITS));
    let h_points = gens.h_vectors()[..parties].iter().flatten();
    let pedersen = gens.pedersen();
    // dalek's MSM checks that both sides report equal lengths, so collect them first.
    let scalars: Vec<Scalar> = [b, b_blinding]
        .into_iter()
        .chain(g_acc)
        .chain(h_acc)
        .chain(equations.iter().flat_map(|e| e.scalars.iter().copied()))
        .collect();
    let points: Vec<&RistrettoPoint> = [&pedersen.B, &pedersen.B_blinding]
        .into_iter()
        .chain(g_points)
        .chain(h_points)
        .chain(equations.iter().flat_map(|e| e.points.iter()))
        .collect();
    if scalars.len() != points.len() {
        return false;
    }
    RistrettoPoint::vartime_multiscalar_mul(scalars, points).is_identity()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bulletproof::{BitSize, Opening};

    fn proofs(gens: &Generators, rng: &mut ChaCha20Rng) -> Vec<RangeProof> {
        let a = Opening::random(7, rng);
        let b = Opening::random(70_000, rng);
        let c = Opening::random(3, rng);
        let d = Opening::random(u64::MAX, rng);
        vec![
            RangeProof::prove_bits(gens, &[&a], BitSize::B8, rng).unwrap(),
            RangeProof::prove_bits(gens, &[&b, &c], BitSize::B32, rng).unwrap(),
            RangeProof::prove_interval(gens, &b, 1000, 90_000, None, rng).unwrap(),
            RangeProof::prove_bits(gens, &[&d, &a, &b, &c], BitSize::B64, rng).unwrap(),
        ]
    }

    #[test]
    fn combined_check_accepts_valid_mixed_proofs() {
        let gens = Generators::new(4).unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let proofs = proofs(&gens, &mut rng);
        let randomness: Vec<_> = proofs
            .iter()
            .map(|_| ProofRandomness::draw(&mut rng))
            .collect();
        // Each alone, and all together, without the fallback.
        for (p, r) in proofs.iter().zip(&randomness) {
            assert!(vartime_combined_check(
                &gens,
                std::slice::from_ref(p),
                std::slice::from_ref(r)
            ));
        }
        assert!(vartime_combined_check(&gens, &proofs, &randomness));
        verify_batch(&gens, &proofs, &mut rng).unwrap();
    }

    #[test]
    fn combined_check_rejects_a_swapped_statement() {
        let gens = Generators::new(4).unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let mut proofs = proofs(&gens, &mut rng);
        // Proof 1's bytes against proof 0's... same shape is needed: use a fresh 32-bit pair.
        let x = Opening::random(1, &mut rng);
        let y = Opening::random(2, &mut rng);
        let other = RangeProof::prove_bits(&gens, &[&x, &y], BitSize::B32, &mut rng).unwrap();
        proofs[1] =
            RangeProof::from_parts(other.statement().clone(), proofs[1].proof_bytes()).unwrap();
        let randomness: Vec<_> = proofs
            .iter()
            .map(|_| ProofRandomness::draw(&mut rng))
            .collect();
        assert!(!vartime_combined_check(
            &gens,
            &proofs[1..2],
            &randomness[1..2]
        ));
        assert!(!vartime_combined_check(&gens, &proofs, &randomness));
        match verify_batch(&gens, &proofs, &mut rng) {
            Err(RangeError::BatchFailed { failed, total: 4 }) => assert_eq!(failed, vec![1]),
            other => panic!("expected a failed batch, got {other:?}"),
        }
        let each = verify_each(&gens, &proofs, &mut rng);
        assert!(each[0].is_ok() && each[1].is_err() && each[2].is_ok() && each[3].is_ok());
    }
}
