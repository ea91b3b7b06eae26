//! `jobs::run` at three parties over in-memory channels: the score job's decisions equal
//! the plaintext reference, reach the lender only, and every party signs one record;
//! a job that does not fit the parties is refused before anything is sent.

use std::time::Duration;

use conclave_mpc::ed25519_dalek::SigningKey;
use conclave_mpc::jobs::{self, ClientShares, Job, JobError, JobFile, JobInput, Signer};
use conclave_mpc::transport::memory;
use conclave_mpc::{Engine, Error};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

const SCORE: &str = "version = 1\njob = \"score\"\ndescription = \"t\"\n[score]\nbias = 0.5\nthreshold = 1.0\nlender = 2\nreveal_scores = true\n\
[[score.features]]\nparty = 1\ncolumn = \"income\"\nweight = 0.004\n\
[[score.features]]\nparty = 3\ncolumn = \"late\"\nweight = -0.5\n";

fn tables() -> Vec<JobInput> {
    let ids = ["c", "a", "b", "d"];
    let incomes = [500.0, 300.0, 100.0, 260.0];
    let lates = [2.0, 0.0, 3.0, 1.0];
    let table = |column: Option<&str>, values: &[f64]| JobInput::Table {
        columns: column.into_iter().map(String::from).collect(),
        rows: ids
            .iter()
            .zip(values)
            .map(|(id, v)| (id.to_string(), column.map(|_| *v).into_iter().collect()))
            .collect(),
    };
    vec![
        table(Some("income"), &incomes),
        table(None, &incomes),
        table(Some("late"), &lates),
    ]
}

fn run_all(job: &JobFile, inputs: &[JobInput]) -> Vec<Result<jobs::JobOutcome, Error>> {
    let keys: Vec<SigningKey> = (1..=3u8)
        .map(|i| SigningKey::from_bytes(&[i; 32]))
        .collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = memory::network(3, Duration::from_secs(20))
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let keys = &keys;
                s.spawn(move || {
                    let mut rng = ChaCha20Rng::seed_from_u64(77 + i as u64);
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

#[test]
fn score_decisions_equal_the_plaintext_reference_and_reach_the_lender_only() {
    let job = JobFile::from_toml(SCORE, "score.toml").unwrap();
    let Job::Score { score } = &job.job else {
        panic!("score job")
    };
    let outcomes: Vec<jobs::JobOutcome> = run_all(&job, &tables())
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let records: Vec<_> = outcomes
        .iter()
        .map(|o| serde_json::to_string(o.record.as_ref().unwrap()).unwrap())
        .collect();
    assert!(records.iter().all(|r| *r == records[0]));
    outcomes[0].record.as_ref().unwrap().verify().unwrap();
    assert!(!outcomes[0].private.has_decisions());
    assert!(!outcomes[2].private.has_decisions());
    let lender: serde_json::Value = serde_json::from_str(&outcomes[1].private.to_json()).unwrap();
    assert_eq!(lender["party"], 2);
    assert_eq!(
        format!("{:?}", outcomes[1].private),
        "PrivateOutputs(redacted)"
    );
    let decisions = lender["decisions"].as_array().unwrap();
    // Sorted ids a, b, c, d with (income, late) = (300, 0), (100, 3), (500, 2), (260, 1):
    // fixed-point totals 428, −156, 372, 260 against the threshold 256.
    let rows = [(300.0, 0.0), (100.0, 3.0), (500.0, 2.0), (260.0, 1.0)];
    for (k, (income, late)) in rows.iter().enumerate() {
        let expect = score
            .decide(|f| Some(if f.column == "income" { *income } else { *late }))
            .unwrap();
        assert_eq!(decisions[k]["approve"], expect, "applicant {k}");
    }
    assert_eq!(
        decisions.iter().filter(|d| d["approve"] == true).count(),
        3,
        "{decisions:?}"
    );
}

#[test]
fn a_feature_of_an_unknown_party_is_refused_before_anything_is_sent() {
    let job = JobFile::from_toml(&SCORE.replace("party = 3", "party = 9"), "score.toml").unwrap();
    for result in run_all(&job, &tables()) {
        match result {
            Err(Error::Job(JobError::FeatureOfUnknownParty { party: 9, .. })) => {}
            other => panic!("expected the unknown party to be refused: {other:?}"),
        }
    }
}
