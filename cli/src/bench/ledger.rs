//! The `ledger` suite: the append-only log as a node serves it.
//!
//! - **Appends against concurrent clients**: distinct 32-bit threshold Groth16 proofs
//!   (made before timing) submitted one per request over HTTP on loopback to a fresh node
//!   (a new log with the statement registered), from 1, 4, 16 (and 64 at `--full`) client
//!   threads; every proof is verified on append and committed durably. One sample is the
//!   time to anchor them all; the report's rate is entries over that time.
//! - **Audit against log size**: `Ledger::audit` (every entry re-read and re-checked, the
//!   tree and the signed checkpoint recomputed) of logs of 2^8 … 2^12 (quick) or … 2^16
//!   (full) party entries, with the fitted exponent.

use std::sync::Arc;

use anyhow::{bail, Context};
use conclave_circuits::groth16::{self, Proof};
use conclave_circuits::{Bounds, Direction, Opening, Statement as Shape};
use conclave_ledger::client::Client;
use conclave_ledger::entry::{Entry, Groth16Proof, Party, Statement};
use conclave_ledger::node::{BackgroundNode, NodeConfig};
use conclave_ledger::store::Ledger;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::report::{plot, Measurement};
use super::{Key, Runner};

/// The plots this suite writes.
pub const PLOTS: &[&str] = &["ledger-appends-vs-clients.svg", "ledger-audit-vs-size.svg"];

/// What `size` counts in the append sweep.
const CLIENTS: &str = "concurrent clients";
/// What `size` counts in the audit sweep.
const ENTRIES: &str = "log entries";

/// Runs the suite.
///
/// # Errors
/// A proof refused by the node, or an audit that finds a problem (bugs, reported as such).
pub fn run(runner: &mut Runner) -> anyhow::Result<()> {
    let mode = runner.mode();
    let proofs = mode.pick(8, 64, 512);
    let clients: Vec<usize> = mode.pick(vec![1, 2], vec![1, 4, 16], vec![1, 4, 16, 64]);
    let sizes: Vec<u32> = mode.pick(vec![4, 6], vec![8, 10, 12], vec![8, 10, 12, 14, 16]);
    let n = mode.pick(2, 5, 5);
    runner.plan((n * (clients.len() + sizes.len())) as u64);
    let mut rng = ChaCha20Rng::seed_from_u64(runner.seed());

    let prepared = runner.keep("threshold proofs to append", |_| {
        threshold_proofs(proofs, &mut rng)
    })?;
    let (statement, entries) = &*prepared;
    let operation: &'static str = mode.pick(
        "append 8 proofs (verified on append)",
        "append 64 proofs (verified on append)",
        "append 512 proofs (verified on append)",
    );
    for &count in &clients {
        let samples = runner.time(n, || {
            let (_temp, ledger) = fresh_ledger(&mut rng)?;
            ledger
                .append(statement.clone().into(), true)
                .context("registering the statement")?;
            let node = BackgroundNode::start(
                ledger,
                "127.0.0.1:0".parse().context("loopback address")?,
                NodeConfig::default(),
            )?;
            submit_all(&node.url(), entries, count)
        })?;
        let key = Key {
            operation,
            series: "conclave node",
            parameter: CLIENTS,
            size: count as u64,
        };
        runner.record(key, samples)?;
    }

    for &log2 in &sizes {
        let size = 1usize << log2;
        let (_temp, ledger) = fresh_ledger(&mut rng)?;
        let batch = (0..size as u64)
            .map(|i| Ok((party(i)?, true)))
            .collect::<anyhow::Result<Vec<(Entry, bool)>>>()?;
        for outcome in ledger.append_batch(batch) {
            outcome.context("appending a party entry")?;
        }
        let samples = runner.time(n, || {
            let report = ledger.audit().context("auditing the log")?;
            Ok(report)
        })?;
        let key = Key {
            operation: "audit",
            series: "conclave",
            parameter: ENTRIES,
            size: size as u64,
        };
        runner.record(key, samples)?;
    }
    Ok(())
}

/// A new log in a temporary folder (removed when the guard drops).
fn fresh_ledger(rng: &mut ChaCha20Rng) -> anyhow::Result<(tempfile::TempDir, Arc<Ledger>)> {
    let temp = tempfile::Builder::new()
        .prefix("conclave-bench-ledger-")
        .tempdir()?;
    let dir = temp.path().join("ledger");
    Ledger::init(&dir, "bench.conclave/log", rng)?;
    Ok((temp, Arc::new(Ledger::open(&dir)?)))
}

/// A party entry with a key derived from `i` (distinct for distinct `i`).
fn party(i: u64) -> anyhow::Result<Entry> {
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&i.to_be_bytes());
    let key = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
    Ok(Party::new(key.to_bytes(), "bench")?.into())
}

/// The statement entry and `count` distinct valid proofs of the 32-bit threshold.
fn threshold_proofs(
    count: usize,
    rng: &mut ChaCha20Rng,
) -> anyhow::Result<(Statement, Vec<Entry>)> {
    let shape = Shape::threshold(32, Direction::AtLeast)?;
    let (pk, vk) = groth16::setup(shape, rng)?;
    let statement = Statement::new(vk.to_bytes(), "bench")?;
    let entries = (0..count)
        .map(|i| {
            let opening = Opening::random(1_000 + i as u64, rng);
            let proof: Proof = groth16::prove(&pk, &opening, Bounds::Threshold(500), rng)?;
            Ok(Groth16Proof::from_proof(proof)?.into())
        })
        .collect::<anyhow::Result<Vec<Entry>>>()?;
    Ok((statement, entries))
}

/// Submits every entry, one per request, spread over `clients` threads; every entry must
/// be new to the log.
fn submit_all(url: &str, entries: &[Entry], clients: usize) -> anyhow::Result<()> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..clients)
            .map(|c| {
                let client = Client::new(url);
                scope.spawn(move || -> anyhow::Result<()> {
                    let client = client?;
                    for entry in entries.iter().skip(c).step_by(clients) {
                        let receipt = client.submit(entry)?;
                        if receipt.duplicate {
                            bail!("the node took a fresh proof for a duplicate (a bug)");
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        for handle in handles {
            match handle.join() {
                Ok(result) => result?,
                Err(_) => bail!("a client thread panicked"),
            }
        }
        Ok(())
    })
}

/// The suite's plots.
pub fn plots(measurements: &[Measurement]) -> Vec<(String, String)> {
    vec![
        (
            PLOTS[0].to_owned(),
            plot(
                measurements,
                "ledger",
                CLIENTS,
                &[
                    "append 8 proofs (verified on append)",
                    "append 64 proofs (verified on append)",
                    "append 512 proofs (verified on append)",
                ],
                "Ledger node (HTTP on loopback): Groth16 proofs anchored, against clients",
                "concurrent clients",
            ),
        ),
        (
            PLOTS[1].to_owned(),
            plot(
                measurements,
                "ledger",
                ENTRIES,
                &["audit"],
                "Ledger audit against log size",
                "entries in the log",
            ),
        ),
    ]
}
