//! The `range` suite: Bulletproofs range proofs (conclave-circuits' `bulletproof`, over
//! dalek's `bulletproofs`) against the number of bits (8, 16, 32, 64; one value) and
//! against the aggregation size (1, 2, 4, 8 values of 64 bits in one proof). Prove and
//! verify are timed on the same generators, with distinct openings per value.
//!
//! No external peer runs here yet: the bare `bulletproofs` crate comparison lives in the
//! criterion bench (benches/benches/bulletproofs.rs) and is listed as skipped.

use anyhow::Context;
use conclave_circuits::bulletproof::{BitSize, Generators, Opening, RangeProof};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::report::{plot, Measurement};
use super::{Key, Runner};

/// The plots this suite writes.
pub const PLOTS: &[&str] = &["range-vs-bits.svg", "range-vs-aggregation.svg"];

/// Runs the suite.
///
/// # Errors
/// A proof that fails to verify (a bug, reported as such).
pub fn run(runner: &mut Runner) -> anyhow::Result<()> {
    let mode = runner.mode();
    let bits: Vec<BitSize> = mode.pick(
        vec![BitSize::B8, BitSize::B16],
        BitSize::ALL.to_vec(),
        BitSize::ALL.to_vec(),
    );
    let aggregations: Vec<usize> = mode.pick(vec![1, 2], vec![1, 2, 4, 8], vec![1, 2, 4, 8]);
    let n = mode.pick(3, 5, 20);
    runner.plan((2 * n * (bits.len() + aggregations.len())) as u64);
    let mut rng = ChaCha20Rng::seed_from_u64(runner.seed());
    let most = aggregations.iter().copied().max().unwrap_or(1);
    let gens = Generators::new(most)?;

    // Against bits: one value that fits every width.
    let opening = Opening::random(200, &mut rng);
    for width in bits {
        let key = |operation| Key {
            operation,
            series: "conclave",
            parameter: "bits",
            size: u64::from(width.get()),
        };
        measure(runner, &gens, &[&opening], width, n, key, &mut rng)?;
    }

    // Against aggregation size: m distinct 64-bit values in one proof.
    let openings: Vec<Opening> = (0..most)
        .map(|_| Opening::random(rand::Rng::gen(&mut rng), &mut rng))
        .collect();
    let refs: Vec<&Opening> = openings.iter().collect();
    for m in aggregations {
        let key = |operation| Key {
            operation,
            series: "conclave",
            parameter: "values aggregated (64-bit)",
            size: m as u64,
        };
        measure(runner, &gens, &refs[..m], BitSize::B64, n, key, &mut rng)?;
    }
    runner.skip(
        "dalek bulletproofs (bare crate)",
        "not run by conclave bench yet; see the criterion bench benches/benches/bulletproofs.rs",
    );
    Ok(())
}

/// Times `n` proofs and `n` verifications of one proof, and records both.
fn measure(
    runner: &mut Runner,
    gens: &Generators,
    openings: &[&Opening],
    bits: BitSize,
    n: usize,
    key: impl Fn(&'static str) -> Key,
    rng: &mut ChaCha20Rng,
) -> anyhow::Result<()> {
    let mut proof = None;
    let samples = runner.time(n, || {
        proof = Some(RangeProof::prove_bits(gens, openings, bits, &mut *rng)?);
        Ok(())
    })?;
    runner.record(key("prove"), samples)?;
    let proof = proof.context("prove ran")?;
    let samples = runner.time(n, || {
        proof
            .verify(gens, &mut *rng)
            .context("a range proof just made does not verify (a bug)")
    })?;
    runner.record(key("verify"), samples)?;
    Ok(())
}

/// The suite's plots.
pub fn plots(measurements: &[Measurement]) -> Vec<(String, String)> {
    vec![
        (
            PLOTS[0].to_owned(),
            plot(
                measurements,
                "range",
                "bits",
                &["prove", "verify"],
                "Bulletproofs against bits (one value)",
                "bits",
            ),
        ),
        (
            PLOTS[1].to_owned(),
            plot(
                measurements,
                "range",
                "values aggregated (64-bit)",
                &["prove", "verify"],
                "Bulletproofs against aggregation size (64-bit values)",
                "values in one proof",
            ),
        ),
    ]
}
