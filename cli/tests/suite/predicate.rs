//! `conclave zk setup --predicate`, `zk prove --credential`, `zk verify` of predicate proofs
//! through the real binary: the issue's two-credential example proves and verifies (and the
//! verifier sees predicate, issuers, scope and nullifier); a false predicate, another
//! schema, a wrong holder key, an expired or tampered credential are refused at proving; a
//! tampered proof and another issuer than the required one are refused at verification; a
//! malformed predicate is refused at setup with a caret under the column.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::common::{command, json, stderr, stdout};

const EXAMPLE: &str = "bureau.score >= 650 && bank.debt < 20000 && bank.income >= 3 * bank.debt";

/// Runs `conclave args…` in `dir` and checks the exit code.
fn run(dir: &Path, want: i32, args: &[&str]) -> Output {
    let output = command().current_dir(dir).args(args).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(want),
        "conclave {args:?}\nstdout: {}\nstderr: {}",
        stdout(&output),
        stderr(&output)
    );
    output
}

fn examples(dir: &Path) {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/data");
    for name in [
        "credit-score.schema.json",
        "bank-account.schema.json",
        "alice-score.json",
        "alice-bank.json",
    ] {
        std::fs::copy(data.join(name), dir.join(name)).unwrap();
    }
}

fn issue(
    d: &Path,
    issuer: &str,
    schema: &str,
    attributes: &str,
    holder: &str,
    expires: &str,
    out: &str,
) {
    run(
        d,
        0,
        &[
            "cred",
            "issue",
            "--issuer-key",
            &format!("{issuer}/issuer.key"),
            "--schema",
            schema,
            "--attributes",
            attributes,
            "--holder",
            &format!("{holder}/holder.pub.json"),
            "--issued",
            "2026-11-01",
            "--expires",
            expires,
            "--out",
            out,
        ],
    );
}

/// Keys for bureau, bank, an impostor issuer, Alice and Mallory; Alice's two credentials,
/// and variants (expired, by the impostor, Mallory's).
fn world(d: &Path) {
    examples(d);
    for issuer in ["bureau", "bank", "impostor"] {
        run(d, 0, &["cred", "issuer-keygen", "--out", issuer]);
    }
    for holder in ["alice", "mallory"] {
        run(d, 0, &["cred", "holder-keygen", "--out", holder]);
    }
    let score = ("credit-score.schema.json", "alice-score.json");
    let bank = ("bank-account.schema.json", "alice-bank.json");
    issue(
        d,
        "bureau",
        score.0,
        score.1,
        "alice",
        "2027-12-31",
        "score.cred.json",
    );
    issue(
        d,
        "bank",
        bank.0,
        bank.1,
        "alice",
        "2027-12-31",
        "bank.cred.json",
    );
    issue(
        d,
        "bureau",
        score.0,
        score.1,
        "alice",
        "2026-12-01",
        "expired.cred.json",
    );
    issue(
        d,
        "impostor",
        score.0,
        score.1,
        "alice",
        "2027-12-31",
        "impostor.cred.json",
    );
    issue(
        d,
        "bureau",
        score.0,
        score.1,
        "mallory",
        "2027-12-31",
        "mallory.cred.json",
    );
}

fn setup(d: &Path, predicate: &str, schemas: &[&str], out: &str) -> Value {
    let mut args = vec!["--json", "zk", "setup", "--predicate", predicate];
    for schema in schemas {
        args.push("--schema");
        args.push(schema);
    }
    args.extend(["--out", out]);
    json(&run(d, 0, &args))
}

fn prove_args<'a>(keys: &'a str, score: &'a str, holder: &'a str, out: &'a str) -> Vec<String> {
    [
        "--json",
        "zk",
        "prove",
        "--pk",
        &format!("{keys}/predicate.pk"),
        "--credential",
        &format!("bureau={score}"),
        "--credential",
        "bank=bank.cred.json",
        "--holder-key",
        &format!("{holder}/holder.key"),
        "--scope",
        "lender-x/2026",
        "--param",
        "now=2026-12-02",
        "--out",
        out,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

fn prove(d: &Path, want: i32, score: &str, holder: &str, out: &str) -> Output {
    let args = prove_args("keys", score, holder, out);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(d, want, &args)
}

#[test]
fn two_credential_predicate_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    world(d);
    let keys = setup(
        d,
        EXAMPLE,
        &[
            "bureau=credit-score.schema.json",
            "bank=bank-account.schema.json",
        ],
        "keys",
    );
    assert_eq!(keys["ok"], true);
    assert_eq!(keys["params"], serde_json::json!(["$now"]));

    // A true predicate proves and verifies; the verifier sees what was proven.
    let proved = json(&prove(d, 0, "score.cred.json", "alice", "proof.json"));
    assert_eq!(proved["predicate"], EXAMPLE);
    let verified = json(&run(
        d,
        0,
        &[
            "--json",
            "zk",
            "verify",
            "--vk",
            "keys/predicate.vk",
            "--proof",
            "proof.json",
            "--issuer",
            "bureau=bureau/issuer.pub.json",
            "--issuer",
            "bank=bank/issuer.pub.json",
        ],
    ));
    assert_eq!(verified["valid"], true);
    assert_eq!(verified["predicate"], EXAMPLE);
    assert_eq!(verified["scope"], "lender-x/2026");
    assert_eq!(verified["nullifier"], proved["nullifier"]);
    assert_eq!(verified["params"]["now"], "2026-12-02");
    let bureau: Value =
        serde_json::from_slice(&std::fs::read(d.join("bureau/issuer.pub.json")).unwrap()).unwrap();
    assert_eq!(verified["issuers"]["bureau"]["Ax"], bureau["Ax"]);
    // The human form names the same facts.
    let human = stdout(&run(
        d,
        0,
        &[
            "zk",
            "verify",
            "--vk",
            "keys/predicate.vk",
            "--proof",
            "proof.json",
        ],
    ));
    for needle in ["valid", EXAMPLE, "lender-x/2026", "bureau", "bank"] {
        assert!(human.contains(needle), "{needle}: {human}");
    }

    // Proving again in the same scope gives the same nullifier (a verifier sees the reuse).
    let again = json(&prove(d, 0, "score.cred.json", "alice", "again.json"));
    assert_eq!(again["nullifier"], proved["nullifier"]);

    // Refused at proving, each with its reason (exit 2, nothing written).
    for (score, holder, needle) in [
        ("expired.cred.json", "alice", "expired"),
        ("mallory.cred.json", "alice", "another holder"),
        ("score.cred.json", "mallory", "another holder"),
        ("bank.cred.json", "alice", "schema"),
    ] {
        let output = prove(d, 2, score, holder, "refused.json");
        assert!(
            stderr(&output).contains(needle),
            "{score} {holder}: {}",
            stderr(&output)
        );
        assert!(!d.join("refused.json").exists());
    }
    // A tampered attribute: the signature no longer verifies.
    let text = std::fs::read_to_string(d.join("score.cred.json")).unwrap();
    let tampered = text.replace("\"score\": 712", "\"score\": 812");
    assert_ne!(tampered, text);
    std::fs::write(d.join("tampered.cred.json"), tampered).unwrap();
    let output = prove(d, 2, "tampered.cred.json", "alice", "refused.json");
    assert!(stderr(&output).contains("signature"), "{}", stderr(&output));

    // Another issuer's credential proves (issuer keys are public inputs), but a verifier
    // that requires the bureau refuses it (exit 1), and it shows the impostor's key.
    prove(d, 0, "impostor.cred.json", "alice", "impostor.json");
    let refused = json(&run(
        d,
        1,
        &[
            "--json",
            "zk",
            "verify",
            "--vk",
            "keys/predicate.vk",
            "--proof",
            "impostor.json",
            "--issuer",
            "bureau=bureau/issuer.pub.json",
        ],
    ));
    assert_eq!(refused["valid"], false);
    assert!(refused["reason"].as_str().unwrap().contains("issuer"));

    // Tampered proofs: another nullifier, scope, parameter or issuer key → invalid (exit 1).
    let proof: Value =
        serde_json::from_slice(&std::fs::read(d.join("proof.json")).unwrap()).unwrap();
    let impostor: Value =
        serde_json::from_slice(&std::fs::read(d.join("impostor.json")).unwrap()).unwrap();
    let mut probes = Vec::new();
    let mut p = proof.clone();
    p["nullifier"] = Value::String("12345".into());
    probes.push(("nullifier", p));
    let mut p = proof.clone();
    p["scope"] = Value::String("lender-y/2026".into());
    probes.push(("scope", p));
    let mut p = proof.clone();
    p["params"]["now"] = Value::String("2026-12-03".into());
    probes.push(("now", p));
    let mut p = proof.clone();
    p["issuers"]["bureau"] = impostor["issuers"]["bureau"].clone();
    probes.push(("issuer", p));
    let mut p = proof.clone();
    p["proof"] = impostor["proof"].clone();
    probes.push(("proof points", p));
    for (what, probe) in probes {
        std::fs::write(d.join("probe.json"), probe.to_string()).unwrap();
        let output = run(
            d,
            1,
            &[
                "--json",
                "zk",
                "verify",
                "--vk",
                "keys/predicate.vk",
                "--proof",
                "probe.json",
            ],
        );
        assert_eq!(json(&output)["valid"], false, "{what}");
    }
    // Malformed proofs → exit 2.
    let mut p = proof.clone();
    p["proof"] = Value::String("AAAA".into());
    std::fs::write(d.join("probe.json"), p.to_string()).unwrap();
    run(
        d,
        2,
        &[
            "zk",
            "verify",
            "--vk",
            "keys/predicate.vk",
            "--proof",
            "probe.json",
        ],
    );
    let mut p = proof;
    p["predicate"] = Value::String("bureau.score >= 0".into());
    std::fs::write(d.join("probe.json"), p.to_string()).unwrap();
    run(
        d,
        2,
        &[
            "zk",
            "verify",
            "--vk",
            "keys/predicate.vk",
            "--proof",
            "probe.json",
        ],
    );

    // Overwrites are refused without --force, as for every command.
    prove(d, 2, "score.cred.json", "alice", "proof.json");
}

#[test]
fn false_and_malformed_predicates_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    world(d);
    // A predicate the credentials do not satisfy: no proof.
    setup(
        d,
        "bureau.score >= 800 && bank.income > $min_income",
        &[
            "bureau=credit-score.schema.json",
            "bank=bank-account.schema.json",
        ],
        "keys",
    );
    let mut args = prove_args("keys", "score.cred.json", "alice", "proof.json");
    args.extend(["--param".into(), "min_income=1000".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = run(d, 2, &args);
    assert!(
        stderr(&output).contains("do not satisfy the predicate"),
        "{}",
        stderr(&output)
    );
    assert!(!d.join("proof.json").exists());
    // A missing parameter is named.
    let args = prove_args("keys", "score.cred.json", "alice", "proof.json");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = run(d, 2, &args);
    assert!(
        stderr(&output).contains("$min_income"),
        "{}",
        stderr(&output)
    );

    // Malformed predicates: a caret under the column.
    let output = run(
        d,
        2,
        &[
            "zk",
            "setup",
            "--predicate",
            "bureau.score >= ",
            "--schema",
            "bureau=credit-score.schema.json",
            "--out",
            "bad",
        ],
    );
    let error = stderr(&output);
    assert!(error.contains("column 17"), "{error}");
    assert!(
        error.contains("bureau.score >= \n") || error.contains("bureau.score >="),
        "{error}"
    );
    let caret_line = error.lines().find(|l| l.trim() == "^").unwrap_or_default();
    assert_eq!(caret_line.find('^'), Some(16), "{error}");
    // An unknown attribute lists the known ones; strings cannot be ordered.
    for (predicate, needle) in [
        ("bureau.points >= 1", "score"),
        ("bureau.bureau < bureau.bureau", "strings allow only"),
    ] {
        let output = run(
            d,
            2,
            &[
                "zk",
                "setup",
                "--predicate",
                predicate,
                "--schema",
                "bureau=credit-score.schema.json",
                "--out",
                "bad",
            ],
        );
        assert!(
            stderr(&output).contains(needle),
            "{predicate}: {}",
            stderr(&output)
        );
    }
    assert!(!d.join("bad").join("predicate.pk").exists());
}

/// `zk prove` of the one-alias predicate `bureau.score >= 650` with the bureau's credential
/// `score` and, if given, `--revocation bureau=REGISTRY`.
fn prove_revocable(d: &Path, want: i32, keys: &str, registry: Option<&str>, out: &str) -> Output {
    let pk = format!("{keys}/predicate.pk");
    let mut args = vec![
        "--json",
        "zk",
        "prove",
        "--pk",
        &pk,
        "--credential",
        "bureau=score.cred.json",
        "--holder-key",
        "alice/holder.key",
        "--scope",
        "lender-x/2026",
        "--param",
        "now=2026-12-02",
        "--out",
        out,
    ];
    let binding = registry.map(|r| format!("bureau={r}"));
    if let Some(binding) = &binding {
        args.extend(["--revocation", binding]);
    }
    run(d, want, &args)
}

fn verify_with(d: &Path, want: i32, keys: &str, proof: &str, extra: &[&str]) -> Value {
    let vk = format!("{keys}/predicate.vk");
    let mut args = vec!["--json", "zk", "verify", "--vk", &vk, "--proof", proof];
    args.extend(extra);
    json(&run(d, want, &args))
}

fn revoke(d: &Path, issuer: &str, id: &str) {
    run(
        d,
        0,
        &[
            "cred",
            "revoke",
            "--issuer-key",
            &format!("{issuer}/issuer.key"),
            "--id",
            id,
            "--registry",
            &format!("{issuer}/revoked.json"),
        ],
    );
}

/// Revocation through the binary: a revocable alias proves with its issuer's registry and
/// the proof carries the root and sequence; `zk verify --revocation` accepts the current
/// registry and refuses a stale root (exit 1); a tampered root is invalid; a revoked
/// credential, a missing registry, another issuer's registry are refused at proving (exit 2).
#[test]
fn revocable_predicate_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    world(d);
    revoke(d, "bureau", "5");
    revoke(d, "impostor", "5");
    let keys = json(&run(
        d,
        0,
        &[
            "--json",
            "zk",
            "setup",
            "--predicate",
            "bureau.score >= 650",
            "--schema",
            "bureau=credit-score.schema.json",
            "--revocable",
            "bureau",
            "--out",
            "rkeys",
        ],
    ));
    assert_eq!(keys["revocable"], serde_json::json!(["bureau"]));
    let plain = setup(
        d,
        "bureau.score >= 650",
        &["bureau=credit-score.schema.json"],
        "pkeys",
    );
    assert_ne!(plain["statement_id"], keys["statement_id"]);
    // An alias the predicate does not use cannot be revocable.
    let output = run(
        d,
        2,
        &[
            "zk",
            "setup",
            "--predicate",
            "bureau.score >= 650",
            "--schema",
            "bureau=credit-score.schema.json",
            "--revocable",
            "bank",
            "--out",
            "bad",
        ],
    );
    assert!(stderr(&output).contains("bank"), "{}", stderr(&output));

    let registry: Value =
        serde_json::from_slice(&std::fs::read(d.join("bureau/revoked.json")).unwrap()).unwrap();
    let proved = json(&prove_revocable(
        d,
        0,
        "rkeys",
        Some("bureau/revoked.json"),
        "proof.json",
    ));
    assert_eq!(proved["revocation"]["bureau"]["root"], registry["root"]);
    assert_eq!(proved["revocation"]["bureau"]["sequence"], "1");
    let verified = verify_with(d, 0, "rkeys", "proof.json", &[]);
    assert_eq!(verified["revocation"]["bureau"]["root"], registry["root"]);
    let verified = verify_with(
        d,
        0,
        "rkeys",
        "proof.json",
        &["--revocation", "bureau=bureau/revoked.json"],
    );
    assert_eq!(verified["valid"], true);
    let human = stdout(&run(
        d,
        0,
        &[
            "zk",
            "verify",
            "--vk",
            "rkeys/predicate.vk",
            "--proof",
            "proof.json",
            "--revocation",
            "bureau=bureau/revoked.json",
        ],
    ));
    assert!(human.contains("revocation bureau: root"), "{human}");

    // Refused at proving (exit 2, nothing written): no registry, another issuer's, a
    // registry for a key without revocation.
    for (keys, registry, needle) in [
        ("rkeys", None, "revocation registry"),
        ("rkeys", Some("impostor/revoked.json"), "another issuer"),
        ("pkeys", Some("bureau/revoked.json"), "not revocable"),
    ] {
        let output = prove_revocable(d, 2, keys, registry, "refused.json");
        assert!(stderr(&output).contains(needle), "{}", stderr(&output));
        assert!(!d.join("refused.json").exists());
    }
    // --revocation at verify for a key without revocation: exit 2.
    prove_revocable(d, 0, "pkeys", None, "plain.json");
    run(
        d,
        2,
        &[
            "zk",
            "verify",
            "--vk",
            "pkeys/predicate.vk",
            "--proof",
            "plain.json",
            "--revocation",
            "bureau=bureau/revoked.json",
        ],
    );
    // Another issuer's registry at verify: not the proof's issuer's (exit 1).
    let refused = verify_with(
        d,
        1,
        "rkeys",
        "proof.json",
        &["--revocation", "bureau=impostor/revoked.json"],
    );
    assert!(refused["reason"].as_str().unwrap().contains("issuer"));

    // A tampered root in the proof file: the proof does not verify (exit 1).
    revoke(d, "bureau", "6");
    let current: Value =
        serde_json::from_slice(&std::fs::read(d.join("bureau/revoked.json")).unwrap()).unwrap();
    let mut probe: Value =
        serde_json::from_slice(&std::fs::read(d.join("proof.json")).unwrap()).unwrap();
    probe["revocation"]["bureau"]["root"] = current["root"].clone();
    probe["revocation"]["bureau"]["sequence"] = Value::String("2".into());
    std::fs::write(d.join("probe.json"), probe.to_string()).unwrap();
    assert_eq!(
        verify_with(d, 1, "rkeys", "probe.json", &[])["valid"],
        false
    );
    // After a new revocation the old proof's root is stale for a verifier holding the
    // current registry (exit 1), though the proof itself still verifies.
    verify_with(d, 0, "rkeys", "proof.json", &[]);
    let stale = verify_with(
        d,
        1,
        "rkeys",
        "proof.json",
        &["--revocation", "bureau=bureau/revoked.json"],
    );
    let reason = stale["reason"].as_str().unwrap();
    assert!(
        reason.contains("stale") && reason.contains("sequence 2"),
        "{reason}"
    );
    // Proving again with the current registry works.
    prove_revocable(d, 0, "rkeys", Some("bureau/revoked.json"), "fresh.json");
    verify_with(
        d,
        0,
        "rkeys",
        "fresh.json",
        &["--revocation", "bureau=bureau/revoked.json"],
    );

    // The bureau revokes Alice's credential: she can no longer prove (exit 2).
    let cred: Value =
        serde_json::from_slice(&std::fs::read(d.join("score.cred.json")).unwrap()).unwrap();
    revoke(d, "bureau", cred["revocation_id"].as_str().unwrap());
    let output = prove_revocable(d, 2, "rkeys", Some("bureau/revoked.json"), "revoked.json");
    assert!(
        stderr(&output).contains("is revoked"),
        "{}",
        stderr(&output)
    );
    assert!(!d.join("revoked.json").exists());
}

/// `zk prove` of a one-alias key with the credential `cred` for `bureau`.
fn prove_cred(d: &Path, want: i32, keys: &str, cred: &str, out: &str) -> Output {
    let pk = format!("{keys}/predicate.pk");
    let binding = format!("bureau={cred}");
    run(
        d,
        want,
        &[
            "--json",
            "zk",
            "prove",
            "--pk",
            &pk,
            "--credential",
            &binding,
            "--holder-key",
            "alice/holder.key",
            "--scope",
            "lender-x/2026",
            "--param",
            "now=2026-12-02",
            "--out",
            out,
        ],
    )
}

/// Issuer pinning at setup: the key records the bureau's key; a credential of another
/// issuer is refused at proving (exit 2), and a proof naming another key is refused at
/// verification without `--issuer` (exit 1); `--issuer` at verify still works.
#[test]
fn pinned_issuer_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    world(d);
    let keys = json(&run(
        d,
        0,
        &[
            "--json",
            "zk",
            "setup",
            "--predicate",
            "bureau.score >= 650",
            "--schema",
            "bureau=credit-score.schema.json",
            "--issuer",
            "bureau=bureau/issuer.pub.json",
            "--out",
            "keys",
        ],
    ));
    let bureau: Value =
        serde_json::from_slice(&std::fs::read(d.join("bureau/issuer.pub.json")).unwrap()).unwrap();
    assert_eq!(keys["pinned_issuers"]["bureau"]["Ax"], bureau["Ax"]);
    // Another issuer pinned gives another key id.
    let other = json(&run(
        d,
        0,
        &[
            "--json",
            "zk",
            "setup",
            "--predicate",
            "bureau.score >= 650",
            "--schema",
            "bureau=credit-score.schema.json",
            "--issuer",
            "bureau=impostor/issuer.pub.json",
            "--out",
            "other",
        ],
    ));
    assert_ne!(other["statement_id"], keys["statement_id"]);
    assert!(
        (keys["constraints"].as_u64().unwrap()) < 5_000,
        "a pinned key is a constant: {}",
        keys["constraints"]
    );

    prove_cred(d, 0, "keys", "score.cred.json", "proof.json");
    verify_with(d, 0, "keys", "proof.json", &[]);
    verify_with(
        d,
        0,
        "keys",
        "proof.json",
        &["--issuer", "bureau=bureau/issuer.pub.json"],
    );
    let human = stdout(&run(
        d,
        0,
        &[
            "zk",
            "verify",
            "--vk",
            "keys/predicate.vk",
            "--proof",
            "proof.json",
        ],
    ));
    assert!(human.contains("pinned by the key"), "{human}");
    // A verifier may still require an issuer: another one than the proof's is refused.
    verify_with(
        d,
        1,
        "keys",
        "proof.json",
        &["--issuer", "bureau=impostor/issuer.pub.json"],
    );
    // The impostor's credential cannot be proven under this key.
    let output = prove_cred(d, 2, "keys", "impostor.cred.json", "refused.json");
    assert!(
        stderr(&output).contains("another issuer"),
        "{}",
        stderr(&output)
    );
    assert!(!d.join("refused.json").exists());
    // A proof file naming the impostor's key (with a proof made under the `other` key for
    // the impostor) is refused without --issuer.
    prove_cred(d, 0, "other", "impostor.cred.json", "impostor.json");
    let impostor: Value =
        serde_json::from_slice(&std::fs::read(d.join("impostor.json")).unwrap()).unwrap();
    let mut probe: Value =
        serde_json::from_slice(&std::fs::read(d.join("proof.json")).unwrap()).unwrap();
    probe["issuers"]["bureau"] = impostor["issuers"]["bureau"].clone();
    std::fs::write(d.join("probe.json"), probe.to_string()).unwrap();
    let refused = verify_with(d, 1, "keys", "probe.json", &[]);
    assert!(refused["reason"].as_str().unwrap().contains("issuer"));
    // The `other` key's proof is for another key: exit 2.
    run(
        d,
        2,
        &[
            "zk",
            "verify",
            "--vk",
            "keys/predicate.vk",
            "--proof",
            "impostor.json",
        ],
    );
}

/// Hashed public inputs: three public inputs `[config, nullifier, now]`; the proof file's
/// issuers, scope and parameters are recomputed into the config at verification, so
/// altering any of them makes the proof invalid (exit 1).
#[test]
fn hashed_inputs_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    world(d);
    revoke(d, "bureau", "5");
    let keys = json(&run(
        d,
        0,
        &[
            "--json",
            "zk",
            "setup",
            "--predicate",
            "bureau.score >= $min",
            "--schema",
            "bureau=credit-score.schema.json",
            "--revocable",
            "bureau",
            "--hashed-inputs",
            "--out",
            "keys",
        ],
    ));
    assert_eq!(keys["hashed_inputs"], true);
    assert_eq!(keys["public_inputs"], 3);
    let pk = "keys/predicate.pk";
    run(
        d,
        0,
        &[
            "zk",
            "prove",
            "--pk",
            pk,
            "--credential",
            "bureau=score.cred.json",
            "--holder-key",
            "alice/holder.key",
            "--scope",
            "lender-x/2026",
            "--param",
            "now=2026-12-02",
            "--param",
            "min=650",
            "--revocation",
            "bureau=bureau/revoked.json",
            "--out",
            "proof.json",
        ],
    );
    let verified = verify_with(
        d,
        0,
        "keys",
        "proof.json",
        &["--revocation", "bureau=bureau/revoked.json"],
    );
    let proof: Value =
        serde_json::from_slice(&std::fs::read(d.join("proof.json")).unwrap()).unwrap();
    assert_eq!(verified["config"], proof["config"]);
    assert!(proof["config"].as_str().unwrap().len() > 10);
    let impostor: Value =
        serde_json::from_slice(&std::fs::read(d.join("impostor/issuer.pub.json")).unwrap())
            .unwrap();
    let mut probes = Vec::new();
    let mut p = proof.clone();
    p["params"]["min"] = Value::String("600".into());
    probes.push(("param", p));
    let mut p = proof.clone();
    p["scope"] = Value::String("lender-y/2026".into());
    probes.push(("scope", p));
    let mut p = proof.clone();
    p["issuers"]["bureau"]["Ax"] = impostor["Ax"].clone();
    p["issuers"]["bureau"]["Ay"] = impostor["Ay"].clone();
    probes.push(("issuer", p));
    let mut p = proof.clone();
    p["config"] = Value::String("12345".into());
    probes.push(("config", p));
    for (what, probe) in probes {
        std::fs::write(d.join("probe.json"), probe.to_string()).unwrap();
        let refused = verify_with(d, 1, "keys", "probe.json", &[]);
        assert_eq!(refused["valid"], false, "{what}");
    }
}

/// Runs `node args…` in `dir`; returns its output whatever the exit code.
fn node(dir: &Path, args: &[&std::ffi::OsStr]) -> Output {
    std::process::Command::new("node")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

/// The circom equivalent of the example statement (interop/circom/credit_predicate.circom:
/// circomlib 2.0.5, compiled here by circom 2.2.3 from the circom2 npm package, the snarkjs
/// peer of `bench credentials --compare`) accepts the same credential files with the same
/// nullifier: snarkjs finds its witness correct for Alice's credentials, her key, the scope
/// and the nullifier of our proof, and refuses a changed score, another nullifier and
/// Mallory's key. Its constraint count is pinned next to ours (docs/credentials.md).
#[test]
fn circom_equivalent_accepts_the_same_credentials_and_nullifier() {
    let Some(interop) = crate::cred::interop_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    world(d);
    let keys = setup(
        d,
        EXAMPLE,
        &[
            "bureau=credit-score.schema.json",
            "bank=bank-account.schema.json",
        ],
        "keys",
    );
    prove(d, 0, "score.cred.json", "alice", "proof.json");
    let proof: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("proof.json")).unwrap()).unwrap();

    // circom2 (WASI) resolves paths relative to its working folder: compile from interop/.
    let compiled = node(
        &interop,
        &[
            "node_modules/circom2/cli.js".as_ref(),
            "circom/credit_predicate.circom".as_ref(),
            "--r1cs".as_ref(),
            "--wasm".as_ref(),
            "--O2".as_ref(),
            "-l".as_ref(),
            "node_modules".as_ref(),
            "-o".as_ref(),
            d.as_os_str(),
        ],
    );
    let log = stdout(&compiled);
    assert!(
        compiled.status.success(),
        "circom: {log}{}",
        stderr(&compiled)
    );
    assert!(log.contains("non-linear constraints: 10676"), "{log}");
    assert!(log.contains("linear constraints: 0"), "{log}");
    let ours = keys["constraints"].as_u64().unwrap();
    assert!(ours < 10_676, "ours {ours}");

    let snarkjs = interop.join("node_modules/snarkjs/build/cli.cjs");
    let input = |holder: &str| -> Value {
        let out = node(
            d,
            &[
                interop.join("credential.mjs").as_os_str(),
                "circom-input".as_ref(),
                "score.cred.json".as_ref(),
                "bank.cred.json".as_ref(),
                format!("{holder}/holder.key").as_ref(),
                "lender-x/2026".as_ref(),
                "2026-12-02".as_ref(),
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    // snarkjs computes the witness (every `===` and assertion holds) and checks it
    // against the R1CS.
    let satisfied = |input: &Value| -> bool {
        std::fs::write(d.join("input.json"), input.to_string()).unwrap();
        let _ = std::fs::remove_file(d.join("w.wtns"));
        let wasm = d.join("credit_predicate_js/credit_predicate.wasm");
        let calculated = node(
            d,
            &[
                snarkjs.as_os_str(),
                "wtns".as_ref(),
                "calculate".as_ref(),
                wasm.as_os_str(),
                "input.json".as_ref(),
                "w.wtns".as_ref(),
            ],
        );
        if !calculated.status.success() {
            return false;
        }
        let checked = node(
            d,
            &[
                snarkjs.as_os_str(),
                "wtns".as_ref(),
                "check".as_ref(),
                "credit_predicate.r1cs".as_ref(),
                "w.wtns".as_ref(),
            ],
        );
        checked.status.success() && stdout(&checked).contains("WITNESS IS CORRECT")
    };
    let alice = input("alice");
    assert_eq!(alice["nullifier"], proof["nullifier"]);
    assert!(
        satisfied(&alice),
        "the circom equivalent refuses Alice's credentials"
    );
    let mut lower = alice.clone();
    lower["bureauAttributes"][0] = Value::from("649");
    assert!(!satisfied(&lower), "a changed score must be refused");
    let mut other = alice.clone();
    other["nullifier"] = Value::from("1");
    assert!(!satisfied(&other), "another nullifier must be refused");
    assert!(
        !satisfied(&input("mallory")),
        "Mallory's key must be refused"
    );
}
