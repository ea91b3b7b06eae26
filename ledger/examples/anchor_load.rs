//! Load generator for the ledger node, for profiling (`valgrind --tool=callgrind`) and
//! quick throughput checks outside criterion.
//!
//! ```text
//! cargo run --release --example anchor_load -- make 512 proofs.json
//! cargo run --release --example anchor_load -- run proofs.json [CLIENTS] [PER_REQUEST]
//! cargo run --release --example anchor_load -- run proofs.json direct
//! ```
//! `make` writes a statement and `N` valid Groth16 proofs for it (JSON entries). `run`
//! starts a fresh ledger and node on loopback, registers the statement, and anchors
//! every proof from `CLIENTS` concurrent clients (default 1) in requests of
//! `PER_REQUEST` entries (default 64; 1 uses `POST /v1/entries`), printing entries per
//! second; `direct` appends batches of 64 in process (verification and commit only).
#![allow(missing_docs)]

use std::sync::Arc;
use std::time::Instant;

use conclave_circuits::commitment::Opening;
use conclave_circuits::groth16::{prove, setup};
use conclave_circuits::statement::{Bounds, Direction, Statement as Shape};
use conclave_ledger::client::Client;
use conclave_ledger::entry::{Entry, Groth16Proof, Statement};
use conclave_ledger::node::{BackgroundNode, NodeConfig};
use conclave_ledger::store::Ledger;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Value};

type Failure = Box<dyn std::error::Error>;

fn make(count: usize, path: &str) -> Result<(), Failure> {
    let mut rng = ChaCha20Rng::seed_from_u64(12);
    let (pk, vk) = setup(Shape::threshold(32, Direction::AtLeast)?, &mut rng)?;
    let statement = Statement::new(vk.to_bytes(), "load")?;
    let entries = (0..count)
        .map(|i| {
            let opening = Opening::random(1_000 + i as u64, &mut rng);
            let proof = prove(&pk, &opening, Bounds::Threshold(500), &mut rng)?;
            Ok(Entry::from(Groth16Proof::from_proof(proof)?).to_json())
        })
        .collect::<Result<Vec<Value>, Failure>>()?;
    let file = json!({ "statement": Entry::from(statement).to_json(), "entries": entries });
    std::fs::write(path, file.to_string())?;
    Ok(())
}

/// Sends every entry from `clients` concurrent clients, `per_request` per request.
fn send(url: &str, entries: &[Entry], clients: usize, per_request: usize) -> Result<(), Failure> {
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..clients)
            .map(|c| {
                let mine: Vec<Entry> = entries.iter().skip(c).step_by(clients).cloned().collect();
                scope.spawn(move || -> Result<(), String> {
                    let client = Client::new(url).map_err(|e| e.to_string())?;
                    for chunk in mine.chunks(per_request) {
                        let outcomes = match chunk {
                            [entry] => vec![client.submit(entry)],
                            _ => client.submit_batch(chunk).map_err(|e| e.to_string())?,
                        };
                        for outcome in outcomes {
                            if outcome.map_err(|e| e.to_string())?.duplicate {
                                return Err("an entry was already anchored".into());
                            }
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        workers
            .into_iter()
            .try_for_each(|w| w.join().map_err(|_| "client panicked".to_string())?)
    })?;
    Ok(())
}

fn run(path: &str, mode: &[String]) -> Result<(), Failure> {
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let statement = Entry::from_json(&file["statement"])?;
    let entries = file["entries"]
        .as_array()
        .ok_or("no \"entries\" array")?
        .iter()
        .map(Entry::from_json)
        .collect::<Result<Vec<_>, _>>()?;
    let temp = tempfile::tempdir()?;
    let dir = temp.path().join("ledger");
    Ledger::init(
        &dir,
        "load.conclave/log",
        &mut ChaCha20Rng::seed_from_u64(1),
    )?;
    let ledger = Arc::new(Ledger::open(&dir)?);
    ledger.append(statement, true)?;
    let elapsed = if mode.first().map(String::as_str) == Some("direct") {
        let start = Instant::now();
        for chunk in entries.chunks(64) {
            for outcome in ledger.append_batch(chunk.iter().map(|e| (e.clone(), false)).collect()) {
                outcome?;
            }
        }
        start.elapsed()
    } else {
        let clients = mode.first().map_or(Ok(1), |a| a.parse())?;
        let per_request = mode.get(1).map_or(Ok(64), |a| a.parse())?;
        let node = BackgroundNode::start(ledger, "127.0.0.1:0".parse()?, NodeConfig::default())?;
        let start = Instant::now();
        send(&node.url(), &entries, clients.max(1), per_request.max(1))?;
        start.elapsed()
    };
    println!(
        "{} entries in {:.3} s: {:.0} entries/s",
        entries.len(),
        elapsed.as_secs_f64(),
        entries.len() as f64 / elapsed.as_secs_f64()
    );
    Ok(())
}

fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [cmd, count, path] if cmd == "make" => make(count.parse()?, path),
        [cmd, path, mode @ ..] if cmd == "run" => run(path, mode),
        _ => {
            Err("usage: anchor_load make N FILE | run FILE [CLIENTS [PER_REQUEST] | direct]".into())
        }
    }
}
