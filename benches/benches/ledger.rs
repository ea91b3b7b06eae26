//! Ledger benchmarks: Merkle proofs, durable appends, verify-on-append of Groth16 proofs,
//! the node under load (1 and 32 concurrent HTTP clients on loopback) and the audit.
//!
//! Setup (keys, proofs, logs) happens outside the timed loops; seeds are fixed.
#![allow(missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use conclave_circuits::commitment::Opening;
use conclave_circuits::groth16::{prove, setup, Proof};
use conclave_circuits::statement::{Bounds, Direction, Statement as Shape};
use conclave_ledger::client::Client;
use conclave_ledger::entry::{Entry, Groth16Proof, Party, Statement};
use conclave_ledger::merkle::{leaf_hash, MerkleTree};
use conclave_ledger::node::{BackgroundNode, NodeConfig};
use conclave_ledger::store::Ledger;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn party(i: u64) -> Entry {
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&i.to_be_bytes());
    let key = ed25519_dalek::SigningKey::from_bytes(&seed)
        .verifying_key()
        .to_bytes();
    Party::new(key, "bench").expect("valid key").into()
}

fn fresh_ledger(rng: &mut ChaCha20Rng) -> (tempfile::TempDir, Arc<Ledger>) {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = temp.path().join("ledger");
    Ledger::init(&dir, "bench.conclave/log", rng).expect("init");
    let ledger = Arc::new(Ledger::open(&dir).expect("open"));
    (temp, ledger)
}

/// A verifying key entry and `n` distinct valid proofs for it.
fn proofs(n: usize, rng: &mut ChaCha20Rng) -> (Statement, Vec<Entry>) {
    let shape = Shape::threshold(32, Direction::AtLeast).expect("shape");
    let (pk, vk) = setup(shape, rng).expect("setup");
    let statement = Statement::new(vk.to_bytes(), "bench").expect("statement");
    let entries = (0..n)
        .map(|i| {
            let opening = Opening::random(1_000 + i as u64, rng);
            let proof: Proof = prove(&pk, &opening, Bounds::Threshold(500), rng).expect("prove");
            Groth16Proof::from_proof(proof).expect("entry").into()
        })
        .collect();
    (statement, entries)
}

fn merkle(c: &mut Criterion) {
    let mut group = c.benchmark_group("ledger/merkle");
    let mut tree = MerkleTree::new();
    for i in 0u64..100_000 {
        tree.push(leaf_hash(&i.to_be_bytes()));
    }
    let root = tree.root();
    group.bench_function(BenchmarkId::new("inclusion_proof", 100_000), |b| {
        let mut i = 0u64;
        b.iter(|| {
            i = (i + 7919) % 100_000;
            tree.inclusion_proof(i, 100_000).expect("proof")
        })
    });
    let proof = tree.inclusion_proof(4242, 100_000).expect("proof");
    let leaf = tree.leaf(4242).expect("leaf");
    group.bench_function(BenchmarkId::new("verify_inclusion", 100_000), |b| {
        b.iter(|| proof.verify(&leaf, &root).expect("valid"))
    });
    group.bench_function(BenchmarkId::new("consistency_proof", 100_000), |b| {
        b.iter(|| tree.consistency_proof(65_537, 100_000).expect("proof"))
    });
    group.finish();
}

fn appends(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let mut group = c.benchmark_group("ledger/append");
    group.sample_size(10);
    for batch in [1usize, 256] {
        group.throughput(Throughput::Elements(batch as u64));
        group.bench_function(BenchmarkId::new("party_durable", batch), |b| {
            let (_temp, ledger) = fresh_ledger(&mut rng);
            let mut next = 0u64;
            b.iter_custom(|iters| {
                let batches: Vec<Vec<(Entry, bool)>> = (0..iters)
                    .map(|_| {
                        (0..batch)
                            .map(|_| {
                                next += 1;
                                (party(next), true)
                            })
                            .collect()
                    })
                    .collect();
                let start = Instant::now();
                for batch in batches {
                    for outcome in ledger.append_batch(batch) {
                        outcome.expect("appended");
                    }
                }
                start.elapsed()
            })
        });
    }
    let (statement, entries) = proofs(64, &mut rng);
    group.throughput(Throughput::Elements(64));
    group.bench_function(BenchmarkId::new("groth16_verify_and_commit", 64), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (_temp, ledger) = fresh_ledger(&mut rng);
                ledger
                    .append(statement.clone().into(), true)
                    .expect("statement");
                let batch: Vec<(Entry, bool)> =
                    entries.iter().map(|e| (e.clone(), false)).collect();
                let start = Instant::now();
                for outcome in ledger.append_batch(batch) {
                    outcome.expect("anchored");
                }
                total += start.elapsed();
            }
            total
        })
    });
    group.finish();
}

/// Anchors every entry through the node from `clients` concurrent HTTP clients, each
/// sending its share of the entries in requests of `per_request` entries
/// (`POST /v1/entries` for one, `POST /v1/entries/batch` for more).
fn load(url: &str, entries: &[Entry], clients: usize, per_request: usize) -> Duration {
    let per_client: Vec<Vec<Entry>> = (0..clients)
        .map(|c| entries.iter().skip(c).step_by(clients).cloned().collect())
        .collect();
    let start = Instant::now();
    std::thread::scope(|scope| {
        for mine in per_client {
            let client = Client::new(url).expect("client");
            scope.spawn(move || {
                for chunk in mine.chunks(per_request) {
                    if let [entry] = chunk {
                        assert!(!client.submit(entry).expect("anchored").duplicate);
                        continue;
                    }
                    for outcome in client.submit_batch(chunk).expect("batch") {
                        assert!(!outcome.expect("anchored").duplicate);
                    }
                }
            });
        }
    });
    start.elapsed()
}

/// A load pattern against a node URL, returning the time it took.
type LoadRun<'a> = dyn Fn(&str) -> Duration + 'a;

fn node(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(12);
    let (statement, entries) = proofs(512, &mut rng);
    let mut group = c.benchmark_group("ledger/node_groth16");
    group.sample_size(10);
    group.throughput(Throughput::Elements(entries.len() as u64));
    // One entry per request, from 1 and 32 clients; batch requests
    // (`POST /v1/entries/batch`) of 64 from one client, of 16 from 32 clients, and all 512
    // in one request.
    let runs: [(&str, usize, &LoadRun); 5] = [
        ("clients", 1, &|url| load(url, &entries, 1, 1)),
        ("clients", 32, &|url| load(url, &entries, 32, 1)),
        ("one_client_batches_of", 64, &|url| {
            load(url, &entries, 1, 64)
        }),
        ("one_client_batches_of", 512, &|url| {
            load(url, &entries, 1, 512)
        }),
        ("32_clients_batches_of", 16, &|url| {
            load(url, &entries, 32, 16)
        }),
    ];
    for (name, parameter, run) in runs {
        group.bench_function(BenchmarkId::new(name, parameter), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let (_temp, ledger) = fresh_ledger(&mut rng);
                    ledger
                        .append(statement.clone().into(), true)
                        .expect("statement");
                    let node = BackgroundNode::start(
                        ledger,
                        "127.0.0.1:0".parse().expect("addr"),
                        NodeConfig::default(),
                    )
                    .expect("node");
                    total += run(&node.url());
                }
                total
            })
        });
    }
    group.finish();

    // Inclusion proofs served per second (32 clients, 4,000 requests over 2 × 512 entries).
    let (_temp, ledger) = fresh_ledger(&mut rng);
    for i in 0..1024 {
        ledger.append(party(i), true).expect("party");
    }
    let node = BackgroundNode::start(
        ledger,
        "127.0.0.1:0".parse().expect("addr"),
        NodeConfig::default(),
    )
    .expect("node");
    let url = node.url();
    let mut group = c.benchmark_group("ledger/node_inclusion");
    group.sample_size(10);
    group.throughput(Throughput::Elements(4_000));
    group.bench_function(BenchmarkId::new("clients", 32), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                std::thread::scope(|scope| {
                    for t in 0..32u64 {
                        let client = Client::new(&url).expect("client");
                        scope.spawn(move || {
                            for k in 0..125u64 {
                                client
                                    .inclusion_proof((t * 125 + k) % 1024, 1024)
                                    .expect("proof");
                            }
                        });
                    }
                });
                total += start.elapsed();
            }
            total
        })
    });
    group.finish();
}

fn audit(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(13);
    let mut group = c.benchmark_group("ledger/audit");
    group.sample_size(10);
    // 100,000 party entries (Ed25519 key checks), built in batches of 1,000.
    let (_temp, ledger) = fresh_ledger(&mut rng);
    let mut next = 0u64;
    for _ in 0..100 {
        let batch = (0..1000)
            .map(|_| {
                next += 1;
                (party(next), true)
            })
            .collect();
        for outcome in ledger.append_batch(batch) {
            outcome.expect("appended");
        }
    }
    group.throughput(Throughput::Elements(100_000));
    group.bench_function(BenchmarkId::new("party_entries", 100_000), |b| {
        b.iter(|| ledger.audit().expect("audit"))
    });
    // Groth16 entries: re-verification dominates.
    let (statement, entries) = proofs(256, &mut rng);
    let (_temp2, ledger) = fresh_ledger(&mut rng);
    ledger.append(statement.into(), true).expect("statement");
    for outcome in ledger.append_batch(entries.into_iter().map(|e| (e, false)).collect()) {
        outcome.expect("anchored");
    }
    group.throughput(Throughput::Elements(257));
    group.bench_function(BenchmarkId::new("groth16_entries", 256), |b| {
        b.iter(|| ledger.audit().expect("audit"))
    });
    group.finish();
}

criterion_group!(benches, merkle, appends, node, audit);
criterion_main!(benches);
