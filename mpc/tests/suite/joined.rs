//! Jobs over a private join, three parties over in-memory channels: `stats`, `score` and
//! `join-stats` equal a plaintext join on random data with 0 %, 50 % and 100 % overlap
//! (ids normalised: case and surrounding spaces differ between banks); the lender gets
//! decisions for its own customers only; every party signs one record that states the
//! join; duplicate ids are refused before anything is sent.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use conclave_mpc::ed25519_dalek::SigningKey;
use conclave_mpc::jobs::{self, ClientShares, Job, JobError, JobFile, JobInput, Signer};
use conclave_mpc::join::message;
use conclave_mpc::transport::memory;
use conclave_mpc::transport::{Frames, Transport};
use conclave_mpc::{Engine, Error, PartyId, Security};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::Value;

const STATS: &str = "version = 1\njob = \"stats\"\njoin = \"customer_id\"\n[stats]\nparty = 2\ncolumn = \"debt\"\nbits = 32\nthreshold = 40\n";
const SCORE: &str = "version = 1\njob = \"score\"\njoin = \"customer_id\"\n[score]\nbias = 0.5\nthreshold = 1.0\nlender = 1\nreveal_scores = true\n\
[[score.features]]\nparty = 1\ncolumn = \"income\"\nweight = 0.004\n\
[[score.features]]\nparty = 2\ncolumn = \"debt\"\nweight = -0.01\n\
[[score.features]]\nparty = 3\ncolumn = \"late\"\nweight = -0.5\n";
const JOIN_STATS: &str = "version = 1\njob = \"join-stats\"\njoin = \"customer_id\"\n[join-stats]\nbias = 0.5\nthreshold = 1.0\n\
[[join-stats.features]]\nparty = 1\ncolumn = \"income\"\nweight = 0.004\n\
[[join-stats.features]]\nparty = 2\ncolumn = \"debt\"\nweight = -0.01\n\
[[join-stats.features]]\nparty = 3\ncolumn = \"late\"\nweight = -0.5\n\
[[join-stats.totals]]\nparty = 2\ncolumn = \"debt\"\n\
[[join-stats.totals]]\nparty = 1\ncolumn = \"income\"\n";

const COLUMNS: [&str; 3] = ["income", "debt", "late"];

/// Plaintext data: per customer (canonical id) its income, debt, late payments.
struct Data {
    values: BTreeMap<String, [i64; 3]>,
    /// Canonical ids held by each bank.
    held: Vec<BTreeSet<String>>,
    /// Each bank's CSV.
    csv: Vec<String>,
}

/// Three banks of `size` customers each; `overlap` percent are held by all three, the
/// rest by one or two banks. Bank `i` holds column `i`; ids are written with random
/// case and padding.
fn data(size: usize, overlap: usize, seed: u64) -> Data {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut values = BTreeMap::new();
    let mut fresh = |rng: &mut ChaCha20Rng| {
        let id = format!("CUST-{:08}", rng.gen_range(0..100_000_000u32));
        let v = [
            rng.gen_range(0..900),
            rng.gen_range(0..100),
            rng.gen_range(0..6),
        ];
        values.insert(id.clone(), v);
        id
    };
    let shared = size * overlap / 100;
    let common: Vec<String> = (0..shared).map(|_| fresh(&mut rng)).collect();
    let mut held: Vec<BTreeSet<String>> = vec![common.iter().cloned().collect(); 3];
    for bank in 0..3 {
        while held[bank].len() < size {
            let id = fresh(&mut rng);
            held[bank].insert(id.clone());
            // Some non-shared ids are held by one other bank too (never by all three).
            if rng.gen_bool(0.3) {
                let other = (bank + 1) % 3;
                if held[other].len() < size {
                    held[other].insert(id);
                }
            }
        }
    }
    let csv = (0..3)
        .map(|bank| {
            let mut ids: Vec<&String> = held[bank].iter().collect();
            ids.shuffle(&mut rng);
            let mut csv = format!("{},customer_id\n", COLUMNS[bank]);
            for id in ids {
                let written = if rng.gen_bool(0.5) {
                    format!("  {}", id.to_ascii_lowercase())
                } else {
                    id.clone()
                };
                csv.push_str(&format!("{},{written}\n", values[id][bank]));
            }
            csv
        })
        .collect();
    Data { values, held, csv }
}

impl Data {
    fn shared(&self) -> Vec<(&String, &[i64; 3])> {
        self.values
            .iter()
            .filter(|(id, _)| self.held.iter().all(|h| h.contains(*id)))
            .collect()
    }
}

fn run_all(job: &JobFile, csv: &[String]) -> Vec<Result<jobs::JobOutcome, Error>> {
    run_all_with(job, csv, None)
}

/// A party whose transport re-exponentiates, by a test scalar, every set it relays in
/// the private join (layer-1 hops after its own, return chain, complete sets): a relay
/// that uses a wrong but consistent key. Its own (honest) code's aborts are swallowed,
/// as a cheater would not report itself.
struct WrongKey<T> {
    inner: T,
}

impl<T: Transport> Transport for WrongKey<T> {
    fn me(&self) -> PartyId {
        self.inner.me()
    }

    fn parties(&self) -> usize {
        self.inner.parties()
    }

    fn exchange(&mut self, outgoing: Frames) -> Result<Frames, Error> {
        let w = curve25519_dalek_5::Scalar::from(7u8);
        let me = self.inner.me();
        let outgoing = outgoing
            .into_iter()
            .map(|frame| {
                let Ok(messages) = message::split(me, &frame, 1 << 20) else {
                    return frame;
                };
                let is_join = !messages.is_empty()
                    && messages
                        .iter()
                        .all(|m| m.len() >= message::HEADER_BYTES && m[0] == message::VERSION);
                if !is_join {
                    return frame;
                }
                let mut out = Vec::with_capacity(frame.len());
                for m in messages {
                    let mut m = m.to_vec();
                    let hop = u32::from_be_bytes(m[6..10].try_into().unwrap());
                    if m[1] == 3 || m[1] == 2 || (m[1] == 1 && hop >= 2) {
                        for chunk in m[message::HEADER_BYTES..].chunks_exact_mut(32) {
                            let p = curve25519_dalek_5::ristretto::CompressedRistretto(
                                chunk.try_into().unwrap(),
                            )
                            .decompress()
                            .unwrap();
                            chunk.copy_from_slice((p * w).compress().as_bytes());
                        }
                    }
                    out.extend_from_slice(&m);
                }
                out
            })
            .collect();
        self.inner.exchange(outgoing)
    }
}

fn run_all_with(
    job: &JobFile,
    csv: &[String],
    cheater: Option<PartyId>,
) -> Vec<Result<jobs::JobOutcome, Error>> {
    let inputs: Vec<JobInput> = csv
        .iter()
        .map(|c| JobInput::parse_csv(job, c, "bank.csv").unwrap())
        .collect();
    let keys: Vec<SigningKey> = (1..=3u8)
        .map(|i| SigningKey::from_bytes(&[i; 32]))
        .collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = memory::network(3, Duration::from_secs(30))
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let keys = &keys;
                let inputs = &inputs;
                s.spawn(move || {
                    let mut rng = ChaCha20Rng::seed_from_u64(91 + i as u64);
                    if cheater == Some(PartyId::from_index(i)) {
                        let mut engine = Engine::new(WrongKey { inner: t }, &mut rng)?;
                        let signer = Signer {
                            key: &keys[i],
                            parties: keys.iter().map(SigningKey::verifying_key).collect(),
                        };
                        return jobs::run(
                            &mut engine,
                            job,
                            &inputs[i],
                            &ClientShares::none(),
                            &signer,
                            &mut rng,
                        );
                    }
                    let mut engine = Engine::new(t, &mut rng)?;
                    let signer = Signer {
                        key: &keys[i],
                        parties: keys.iter().map(SigningKey::verifying_key).collect(),
                    };
                    let out = jobs::run(
                        &mut engine,
                        job,
                        &inputs[i],
                        &ClientShares::none(),
                        &signer,
                        &mut rng,
                    );
                    if let Err(e) = &out {
                        engine.abort(e);
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// Runs `job` and checks what every joined job guarantees; returns party 1's outputs
/// and the outcomes.
fn run_checked(job: &JobFile, d: &Data) -> (Value, Vec<jobs::JobOutcome>) {
    let outcomes: Vec<jobs::JobOutcome> = run_all(job, &d.csv)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let records: Vec<String> = outcomes
        .iter()
        .map(|o| serde_json::to_string(o.record.as_ref().unwrap()).unwrap())
        .collect();
    assert!(records.iter().all(|r| *r == records[0]), "one record");
    outcomes[0].record.as_ref().unwrap().verify().unwrap();
    let out = outcomes[0].outputs.clone();
    let union: BTreeSet<&String> = d.held.iter().flatten().collect();
    assert_eq!(out["join"]["union_size"], union.len());
    assert_eq!(out["join"]["column"], "customer_id");
    let protocol = out["join"]["protocol"].as_str().unwrap();
    match job.security {
        Security::Malicious => assert!(protocol.contains("malicious"), "{protocol}"),
        Security::SemiHonest => assert!(protocol.contains("semi-honest"), "{protocol}"),
    }
    assert_eq!(out["join"]["order_sha256"].as_str().unwrap().len(), 64);
    let sizes: Vec<usize> = d.held.iter().map(BTreeSet::len).collect();
    assert_eq!(out["join"]["set_sizes"], serde_json::json!(sizes));
    // No id appears in any public output or record.
    for id in d.values.keys() {
        for r in &records {
            assert!(!r.contains(id.as_str()) && !r.contains(&id.to_ascii_lowercase()));
        }
    }
    (out, outcomes)
}

fn score_job(text: &str) -> conclave_mpc::jobs::ScoreJob {
    match JobFile::from_toml(text, "j").unwrap().job {
        Job::Score { score } => score,
        Job::JoinStats { join_stats } => join_stats.score(),
        _ => panic!("a score"),
    }
}

fn decide(score: &conclave_mpc::jobs::ScoreJob, v: &[i64; 3]) -> bool {
    score
        .decide(|f| {
            COLUMNS
                .iter()
                .position(|c| *c == f.column)
                .map(|k| v[k] as f64)
        })
        .unwrap()
}

#[test]
fn joined_jobs_equal_a_plaintext_join() {
    let stats = JobFile::from_toml(STATS, "stats.toml").unwrap();
    let score = JobFile::from_toml(SCORE, "score.toml").unwrap();
    let join_stats = JobFile::from_toml(JOIN_STATS, "join-stats.toml").unwrap();
    let reference = score_job(SCORE);
    for (overlap, seed) in [(0, 1u64), (50, 2), (100, 3)] {
        let d = data(24, overlap, seed);
        let shared = d.shared();
        assert_eq!(shared.len(), 24 * overlap / 100, "test data");

        // stats over bank 2's debt of the shared customers.
        let (out, _) = run_checked(&stats, &d);
        let debts: Vec<i64> = shared.iter().map(|(_, v)| v[1]).collect();
        assert_eq!(out["shared_customers"], debts.len(), "overlap {overlap}");
        assert_eq!(out["sum"], debts.iter().sum::<i64>().to_string());
        assert_eq!(
            out["count_at_or_above_threshold"],
            debts.iter().filter(|x| **x >= 40).count().to_string()
        );
        match (debts.iter().min(), debts.iter().max()) {
            (Some(min), Some(max)) => {
                assert_eq!(out["min"], min.to_string());
                assert_eq!(out["max"], max.to_string());
            }
            _ => assert!(out["min"].is_null() && out["max"].is_null() && out["mean"].is_null()),
        }

        // score: the lender (bank 1) gets one decision per own customer.
        let (out, outcomes) = run_checked(&score, &d);
        assert_eq!(out["lender"], 1);
        assert!(!outcomes[1].private.has_decisions() && !outcomes[2].private.has_decisions());
        let lender: Value = serde_json::from_str(&outcomes[0].private.to_json()).unwrap();
        let decisions = lender["decisions"].as_array().unwrap();
        let own: Vec<&String> = d.held[0].iter().collect();
        assert_eq!(decisions.len(), own.len(), "one entry per own customer");
        for (entry, id) in decisions.iter().zip(&own) {
            assert_eq!(entry["id"], id.as_str(), "sorted canonical ids");
            let is_shared = d.held.iter().all(|h| h.contains(*id));
            let expect = is_shared && decide(&reference, &d.values[*id]);
            assert_eq!(entry["approve"], expect, "overlap {overlap}, {id}");
            if !is_shared {
                assert_eq!(entry["score"], 0.0, "no score for a customer not shared");
            }
        }

        // join-stats: aggregates over the shared customers only.
        let (out, _) = run_checked(&join_stats, &d);
        assert_eq!(out["shared_customers"], shared.len());
        let above = shared.iter().filter(|(_, v)| decide(&reference, v)).count();
        assert_eq!(out["shared_at_or_above_threshold"], above);
        let debt: i64 = shared.iter().map(|(_, v)| v[1]).sum();
        let income: i64 = shared.iter().map(|(_, v)| v[0]).sum();
        assert_eq!(out["totals"][0]["total"], debt.to_string());
        assert_eq!(out["totals"][0]["column"], "debt");
        assert_eq!(out["totals"][1]["total"], income.to_string());
    }
}

#[test]
fn duplicate_ids_after_normalisation_are_refused_before_anything_is_sent() {
    let job = JobFile::from_toml(STATS, "stats.toml").unwrap();
    let d = data(6, 50, 9);
    let mut csv = d.csv.clone();
    // The same customer twice at bank 3, written differently.
    let first = d.held[2].iter().next().unwrap().clone();
    csv[2].push_str(&format!("1, {} \n", first.to_ascii_lowercase()));
    let results = run_all(&job, &csv);
    match &results[2] {
        Err(Error::Job(JobError::DuplicateId { id })) => assert_eq!(*id, first),
        other => panic!("expected the duplicate to be refused: {other:?}"),
    }
    // Bank 3 stopped before the join: the others fail naming it, not with a result.
    for r in &results[..2] {
        let e = r.as_ref().expect_err("no result without bank 3");
        assert_eq!(e.culprit().map(|p| p.0), Some(3), "{e}");
    }
}

#[test]
fn join_keys_are_checked_in_the_job_file() {
    let refused = |text: &str, needle: &str| {
        let e = JobFile::from_toml(text, "job.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains(needle), "{e}");
    };
    refused(&STATS.replace("join = \"customer_id\"\n", ""), "need `join");
    refused(
        &STATS.replace("party = 2\n", ""),
        "needs `party` and `column`",
    );
    refused(
        &JOIN_STATS.replace("join = \"customer_id\"\n", ""),
        "needs `join",
    );
    refused(
        &STATS.replace("\"customer_id\"", "\" \""),
        "must name the id column",
    );
    // A join changes the computation id; a job without one keeps its digest.
    let plain = JobFile::from_toml(&SCORE.replace("join = \"customer_id\"\n", ""), "s").unwrap();
    let joined = JobFile::from_toml(SCORE, "s").unwrap();
    assert_ne!(plain.digest(), joined.digest());
    assert_eq!(joined.join.as_deref(), Some("customer_id"));
}

/// A bank whose relay steps in the join use a wrong key: with malicious security (the
/// default) both honest banks abort naming it before anything is shared; semi-honest,
/// the job runs — on a wrong join.
#[test]
fn a_bank_with_a_wrong_join_key_is_named_by_the_others() {
    let job = JobFile::from_toml(JOIN_STATS, "join-stats.toml").unwrap();
    let d = data(24, 50, 7);
    let results = run_all_with(&job, &d.csv, Some(PartyId(2)));
    for (i, r) in results.iter().enumerate() {
        if i == 1 {
            continue;
        }
        let err = r.as_ref().expect_err("honest banks abort");
        assert_eq!(err.culprit(), Some(PartyId(2)), "bank {}: {err}", i + 1);
    }
    let semi = JobFile::from_toml(
        &format!("security = \"semi-honest\"\n{JOIN_STATS}"),
        "join-stats.toml",
    )
    .unwrap();
    let results = run_all_with(&semi, &d.csv, Some(PartyId(2)));
    let out = &results[0].as_ref().expect("not detected").outputs;
    assert!(
        out["join"]["protocol"]
            .as_str()
            .unwrap()
            .contains("semi-honest"),
        "{out}"
    );
    assert_ne!(
        out["shared_customers"],
        d.shared().len(),
        "the wrong key loses the shared customers"
    );
}
