//! `conclave demo`, the README's main job, runs end to end: every chapter's checks hold
//! (tampered proofs rejected, the proof anchored once and verified from the ledger alone).
#![allow(clippy::unwrap_used)]

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
}
