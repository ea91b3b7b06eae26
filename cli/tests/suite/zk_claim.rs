//! `conclave zk verify --commitment/--min/--max`: the verifier's claim is checked by the
//! library (`groth16::Claim`), and a valid proof of a weaker claim is refused (exit 2).
#![allow(clippy::unwrap_used)]

use crate::common::{expect, json, refused};

#[test]
fn verify_checks_the_verifiers_claim() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let commit = expect(d, 0, "--json zk commit --value 712 --out secret.json");
    let commitment = json(&commit)["commitment"].as_str().unwrap().to_owned();
    let other = expect(d, 0, "--json zk commit --value 712 --out other.json");
    let other = json(&other)["commitment"].as_str().unwrap().to_owned();
    expect(d, 0, "zk setup --statement threshold --bits 32 --out keys");
    expect(
        d,
        0,
        "zk prove --pk keys/threshold.pk --secret secret.json --threshold 650 --out proof.json",
    );
    let verify = "zk verify --vk keys/threshold.vk --proof proof.json";
    // The claim the proof makes, or a weaker one: valid.
    expect(
        d,
        0,
        &format!("{verify} --commitment {commitment} --min 650"),
    );
    expect(d, 0, &format!("{verify} --min 600"));
    // A stronger bound than proven, the other side, another commitment: refused.
    refused(
        d,
        &format!("{verify} --min 651"),
        "only shows value ≥ 650, not ≥ 651",
    );
    refused(d, &format!("{verify} --max 1000"), "not ≤ 1000");
    refused(d, &format!("{verify} --commitment {other}"), "not");
    refused(d, &format!("{verify} --commitment 12x"), "--commitment");
}
