//! `conclave demo`, the README's main job, runs end to end: every chapter's checks hold
//! (tampered proofs rejected, the proof anchored once and verified from the ledger alone,
//! the predicate proof verified, registered once and the checkpoint anchored on an
//! in-process EVM, the banks' join-stats over a private join with malicious security equal
//! to the plaintext join of the example customer lists).
#![allow(clippy::unwrap_used)]

use conclave_mpc::jobs::{Job, JobFile};

use crate::common::{expect, json};

#[test]
fn the_demo_runs_every_chapter_and_its_checks_hold() {
    let run = expect(&std::env::temp_dir(), 0, "--json demo");
    let report = json(&run);
    assert_eq!(report["ok"], true);
    let steps: Vec<&str> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["step"].as_str().unwrap())
        .collect();
    for expected in [
        "she proves 'committed score >= 650' without revealing it",
        "a proof with one flipped bit is rejected",
        "A tampered proof (one byte flipped) is rejected",
        "applicant anchors her proof; the node verifies it first",
        "submitting the same proof again returns the same index",
    ] {
        assert!(steps.contains(&expected), "{expected:?} not in {steps:?}");
    }
    assert!(steps
        .iter()
        .any(|step| step.starts_with("lender verifies entry")
            && step.ends_with("from the ledger alone")));

    // The credentials chapter: the compound predicate is proven, verified and anchored
    // once; a second proof in the same scope is refused for its nullifier, and a proof
    // at the revocation root before the bureau revoked the credential is refused.
    for expected in [
        "she proves it in one proof (credential not revoked), revealing no attribute",
        "her proof made before the revocation is refused (stale revocation root)",
        "and she can no longer prove against the bureau's new registry",
        "the lender verifies it and pins the bureau's and bank's keys",
        "a second proof by her in the same scope is refused (same nullifier)",
    ] {
        assert!(steps.contains(&expected), "{expected:?} not in {steps:?}");
    }
    let credentials = &report["credentials"];
    assert_eq!(
        credentials["predicate"],
        "bureau.score >= 650 && bank.debt < 20000 && bank.income >= 3 * bank.debt"
    );
    assert_eq!(credentials["second_proof_refused"], "nullifier_reused");
    assert_eq!(credentials["revocation_sequence"], 1);
    assert_eq!(credentials["stale_proof_refused"], "stale_revocation_root");

    // The on-chain chapter, on the in-process EVM (no node): the verifier contract accepts
    // the predicate proof and rejects it tampered, the registry accepts it once and refuses
    // its nullifier the second time, and the anchor holds the ledger's signed checkpoint and
    // checks the predicate proof's entry against it, within the gas goals.
    let onchain = &report["onchain"];
    assert_eq!(onchain["evm"], "revm (in process)");
    let verifier = &onchain["verifier"];
    assert_eq!(
        verifier["public_inputs"], 8,
        "7 inputs + the bureau's revocation root"
    );
    assert_eq!(verifier["valid"], true);
    assert_eq!(verifier["tampered_valid"], false);
    assert_eq!(verifier["input_plus_r_refused"], "InputNotInField");
    let gas = |value: &serde_json::Value| value.as_u64().unwrap();
    let verify_gas = gas(&verifier["verify_gas"]);
    assert!(
        (200_000..=207_000 + 6_800 * 8 + 5_000).contains(&verify_gas),
        "verifyProof used {verify_gas} gas"
    );
    let registry = &onchain["registry"];
    assert_eq!(registry["policy"], 1);
    assert_eq!(registry["accepted"], true);
    assert_eq!(registry["second_submit_refused"], "NullifierUsed");
    assert!(
        gas(&registry["submit_gas"]) > verify_gas,
        "submit verifies and records"
    );
    assert!(gas(&registry["revocation_root_gas"]) > 21_000);
    let anchor = &onchain["anchor"];
    assert_eq!(anchor["origin"], "demo.conclave.example/ledger");
    assert_eq!(anchor["non_operator_refused"], "NotOperator");
    assert_eq!(anchor["entry"], credentials["anchored_index"]);
    assert!(gas(&anchor["tree_size"]) > gas(&anchor["entry"]));
    assert_eq!(anchor["included"], true);
    assert_eq!(anchor["other_entry_included"], false);
    assert!(gas(&anchor["anchor_gas"]) <= 80_000, "{anchor}");
    assert!(
        gas(&anchor["inclusion_gas"]) <= 30_000 + 1_400 * gas(&anchor["inclusion_hashes"]),
        "{anchor}"
    );
    for expected in [
        "an Ethereum chain in this process (revm): no node needed",
        "submitted again: refused, NullifierUsed, ",
        "she submits her proof: accepted, nullifier recorded, ",
        "a tampered proof ($now a day later): false, ",
    ] {
        assert!(
            steps.iter().any(|step| step.starts_with(expected)),
            "{expected:?} not in {steps:?}"
        );
    }

    // The bank chapter: join-stats over a private join of examples/data/bankN/customers.csv,
    // in malicious mode, equal to the plaintext join (computed here independently).
    let join = &report["mpc"]["join"];
    assert_eq!(join["security"], "malicious");
    assert_eq!(join["matches_plaintext"], true);
    assert_eq!(join["signed_by"], 3);
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data");
    let tables: Vec<std::collections::BTreeMap<String, i64>> = (1..=3)
        .map(|i| {
            std::fs::read_to_string(examples.join(format!("bank{i}/customers.csv")))
                .unwrap()
                .lines()
                .skip(1)
                .filter(|l| !l.trim().is_empty())
                .map(|l| {
                    let (id, v) = l.split_once(',').unwrap();
                    (id.trim().to_string(), v.trim().parse().unwrap())
                })
                .collect()
        })
        .collect();
    let shared: Vec<&String> = tables[0]
        .keys()
        .filter(|id| tables[1].contains_key(*id) && tables[2].contains_key(*id))
        .collect();
    let union: std::collections::BTreeSet<&String> = tables.iter().flat_map(|t| t.keys()).collect();
    assert!(
        !shared.is_empty() && shared.len() < union.len(),
        "partial overlap"
    );
    assert_eq!(join["shared_customers"], shared.len());
    assert_eq!(join["union_size"], union.len());
    assert_eq!(
        join["set_sizes"],
        serde_json::json!(tables.iter().map(|t| t.len()).collect::<Vec<_>>())
    );
    let debt: i64 = shared.iter().map(|id| tables[1][*id]).sum();
    let income: i64 = shared.iter().map(|id| tables[0][*id]).sum();
    assert_eq!(join["totals"][0]["column"], "debt");
    assert_eq!(join["totals"][0]["total"], debt);
    assert_eq!(join["totals"][1]["total"], income);
    let text = std::fs::read_to_string(examples.join("jobs/join-stats.toml")).unwrap();
    let Job::JoinStats { join_stats } = JobFile::from_toml(&text, "join-stats.toml").unwrap().job
    else {
        panic!("a join-stats job")
    };
    let score = join_stats.score();
    let above = shared
        .iter()
        .filter(|id| {
            score
                .decide(|f| {
                    let bank = ["income", "debt", "late_payments"]
                        .iter()
                        .position(|c| *c == f.column)?;
                    Some(tables[bank][**id] as f64)
                })
                .unwrap()
        })
        .count();
    assert_eq!(join["shared_at_or_above_threshold"], above);
    assert!(
        steps
            .iter()
            .any(|step| step.starts_with("private join on customer_id")
                && step.contains("malicious security")
                && step.ends_with(&format!("{} shared", shared.len()))),
        "{steps:?}"
    );
    assert!(
        steps
            .iter()
            .any(|step| step.contains(&format!("total debt {debt} k€ (= plaintext join)"))),
        "{steps:?}"
    );
    assert!(
        steps
            .iter()
            .any(|step| step.starts_with("each bank learned: set sizes")),
        "{steps:?}"
    );
}
