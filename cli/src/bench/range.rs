//! The `range` suite: Bulletproofs range proofs (conclave-circuits' `bulletproof`, over
//! dalek's `bulletproofs`) against the number of bits (8, 16, 32, 64; one value) and
//! against the aggregation size (1, 2, 4, 8 values of 64 bits in one proof). Prove and
//! verify are timed on the same generators, with distinct openings per value.
//!
//! **Peer** (`--compare`): dalek's `bulletproofs` crate called directly (the version
//! linked into this binary, the one ours wraps) proves and verifies the same openings at
//! every size, in alternation with ours, reported as paired ratios conclave / bare: what
//! our layer (input checks, commitments, transcript labels) costs over the crate.

use anyhow::Context;
use bulletproofs::{BulletproofGens, PedersenGens};
use conclave_circuits::bulletproof::{BitSize, Generators, Opening, RangeProof};
use curve25519_dalek::ristretto::CompressedRistretto;
use merlin::Transcript;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::report::{plot, Measurement, PeerInfo};
use super::{machine, Key, Runner};

/// The `series` of our figures.
const OURS: &str = "conclave";
/// The `series` of the bare crate's figures.
const BARE: &str = "bare bulletproofs";

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
    let sides = if runner.compare() { 2 } else { 1 };
    runner.plan((sides * 2 * n * (bits.len() + aggregations.len())) as u64);
    let mut rng = ChaCha20Rng::seed_from_u64(runner.seed());
    let most = aggregations.iter().copied().max().unwrap_or(1);
    let gens = Generators::new(most)?;
    let bare = runner.compare().then(|| Bare {
        bp: BulletproofGens::new(64, most),
        pc: PedersenGens::default(),
    });
    if bare.is_some() {
        runner.peers.push(PeerInfo {
            suite: "range".into(),
            name: "bulletproofs".into(),
            version: machine::built_version("bulletproofs").unwrap_or_else(|| "unknown".into()),
            path: "linked into this binary; RangeProof::prove_multiple / verify_multiple called directly".into(),
        });
    } else {
        runner.skip(
            "dalek bulletproofs (bare crate)",
            "not requested (pass --compare)",
        );
    }

    // Against bits: one value that fits every width.
    let opening = Opening::random(200, &mut rng);
    for width in bits {
        let key = |operation, series| Key {
            operation,
            series,
            parameter: "bits",
            size: u64::from(width.get()),
        };
        let work = Work {
            gens: &gens,
            bare: bare.as_ref(),
            openings: &[&opening],
            bits: width,
        };
        measure(runner, &work, n, key, &mut rng)?;
    }

    // Against aggregation size: m distinct 64-bit values in one proof.
    let openings: Vec<Opening> = (0..most)
        .map(|_| Opening::random(rand::Rng::gen(&mut rng), &mut rng))
        .collect();
    let refs: Vec<&Opening> = openings.iter().collect();
    for m in aggregations {
        let key = |operation, series| Key {
            operation,
            series,
            parameter: "values aggregated (64-bit)",
            size: m as u64,
        };
        let work = Work {
            gens: &gens,
            bare: bare.as_ref(),
            openings: &refs[..m],
            bits: BitSize::B64,
        };
        measure(runner, &work, n, key, &mut rng)?;
    }
    Ok(())
}

/// The bare crate's generators (`--compare`).
struct Bare {
    bp: BulletproofGens,
    pc: PedersenGens,
}

/// One proof's work: the openings in one proof at one bit width, for ours and the peer.
struct Work<'a> {
    gens: &'a Generators,
    bare: Option<&'a Bare>,
    openings: &'a [&'a Opening],
    bits: BitSize,
}

/// A proof of the bare crate and the commitments it verifies against.
type BareProof = (bulletproofs::RangeProof, Vec<CompressedRistretto>);

/// Transcript label of the bare crate's proofs.
const BARE_LABEL: &[u8] = b"conclave bench range (bare bulletproofs)";

impl Bare {
    fn prove(&self, work: &Work, rng: &mut ChaCha20Rng) -> anyhow::Result<BareProof> {
        let values: Vec<u64> = work.openings.iter().map(|o| o.value()).collect();
        let blindings: Vec<_> = work.openings.iter().map(|o| *o.blinding()).collect();
        let mut transcript = Transcript::new(BARE_LABEL);
        bulletproofs::RangeProof::prove_multiple_with_rng(
            &self.bp,
            &self.pc,
            &mut transcript,
            &values,
            &blindings,
            work.bits.get() as usize,
            rng,
        )
        .map_err(|e| anyhow::anyhow!("the bare bulletproofs crate cannot prove: {e}"))
    }

    fn verify(
        &self,
        proof: &BareProof,
        bits: BitSize,
        rng: &mut ChaCha20Rng,
    ) -> anyhow::Result<()> {
        let mut transcript = Transcript::new(BARE_LABEL);
        proof
            .0
            .verify_multiple_with_rng(
                &self.bp,
                &self.pc,
                &mut transcript,
                &proof.1,
                bits.get() as usize,
                rng,
            )
            .map_err(|e| {
                anyhow::anyhow!("a bare bulletproofs proof just made does not verify: {e}")
            })
    }
}

/// Times `n` proofs and `n` verifications of one proof, and records both; with the
/// peer, its proofs and verifications alternate with ours, which one goes first swapped
/// every pair (one discarded pair first), and the paired ratios conclave / bare are
/// recorded.
fn measure(
    runner: &mut Runner,
    work: &Work,
    n: usize,
    key: impl Fn(&'static str, &'static str) -> Key,
    rng: &mut ChaCha20Rng,
) -> anyhow::Result<()> {
    let prove_ours = |rng: &mut ChaCha20Rng| {
        Ok(RangeProof::prove_bits(
            work.gens,
            work.openings,
            work.bits,
            rng,
        )?)
    };
    let verify_ours = |proof: &RangeProof, rng: &mut ChaCha20Rng| {
        proof
            .verify(work.gens, rng)
            .context("a range proof just made does not verify (a bug)")
    };
    let Some(bare) = work.bare else {
        let mut proof = None;
        let samples = runner.time(n, || {
            proof = Some(prove_ours(&mut *rng)?);
            Ok(())
        })?;
        runner.record(key("prove", OURS), samples)?;
        let proof = proof.context("prove ran")?;
        let samples = runner.time(n, || verify_ours(&proof, &mut *rng))?;
        runner.record(key("verify", OURS), samples)?;
        return Ok(());
    };

    runner.warm_up(|| prove_ours(&mut *rng))?;
    runner.warm_up(|| bare.prove(work, &mut *rng))?;
    let mut proofs: (&mut ChaCha20Rng, Option<RangeProof>, Option<BareProof>) = (rng, None, None);
    let (ours, theirs) = runner.alternate(
        n,
        &mut proofs,
        |(rng, ours, _)| {
            *ours = Some(prove_ours(rng)?);
            Ok(())
        },
        |(rng, _, theirs)| {
            *theirs = Some(bare.prove(work, rng)?);
            Ok(())
        },
    )?;
    record_pair(runner, &key, "prove", ours, theirs)?;

    let (rng, proof, bare_proof) = proofs;
    let (proof, bare_proof) = (
        proof.context("prove ran")?,
        bare_proof.context("prove ran")?,
    );
    runner.warm_up(|| verify_ours(&proof, &mut *rng))?;
    runner.warm_up(|| bare.verify(&bare_proof, work.bits, &mut *rng))?;
    let (ours, theirs) = runner.alternate(
        n,
        rng,
        |rng| verify_ours(&proof, rng),
        |rng| bare.verify(&bare_proof, work.bits, rng),
    )?;
    record_pair(runner, &key, "verify", ours, theirs)
}

/// Records ours and the bare crate's samples of one operation and their paired ratio.
fn record_pair(
    runner: &mut Runner,
    key: &impl Fn(&'static str, &'static str) -> Key,
    operation: &'static str,
    ours: Vec<f64>,
    theirs: Vec<f64>,
) -> anyhow::Result<()> {
    runner.ratio(
        &key(operation, OURS),
        &key(operation, BARE),
        &ours,
        &theirs,
        "our RangeProof over the bare crate on the same openings, alternating (a b, b a, …)",
    )?;
    runner.record(key(operation, OURS), ours)?;
    runner.record(key(operation, BARE), theirs)
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
