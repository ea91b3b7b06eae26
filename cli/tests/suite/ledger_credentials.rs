//! Credential proofs on the ledger through the real binary: `ledger register-statement`
//! with a predicate key, `ledger register-issuer`, `ledger register-revocation`, and
//! `ledger submit proof.json`. A reused nullifier is refused (exit 1, code
//! `nullifier_reused`), also after the node restarts; the same holder in another scope is
//! accepted; an unregistered issuer, a `$now` far from the ledger's date and an invalid
//! proof are refused; the anchored proof verifies from the ledger alone and audits.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use conclave_circuits::credential::Days;
use serde_json::Value;

use crate::common::{expect, json, stderr};
use crate::ledger::serve;

/// Today and the day `offset` days later, as the ledger's clock sees them (UTC).
fn date(offset: u64) -> String {
    let days = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86_400;
    Days::new(days + offset, "date").unwrap().to_string()
}

fn examples(dir: &Path) {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/data");
    for name in ["credit-score.schema.json", "alice-score.json"] {
        std::fs::copy(data.join(name), dir.join(name)).unwrap();
    }
}

fn prove(d: &Path, credential: &str, scope: &str, now: &str, out: &str) {
    expect(
        d,
        0,
        &format!(
            "zk prove --pk keys/predicate.pk --credential bureau={credential} \
             --holder-key alice/holder.key --scope {scope} --param now={now} --out {out}"
        ),
    );
}

#[test]
fn predicate_proofs_on_the_ledger() {
    let temp = tempfile::tempdir().unwrap();
    let d = temp.path();
    examples(d);
    for issuer in ["bureau", "impostor"] {
        expect(d, 0, &format!("cred issuer-keygen --out {issuer}"));
    }
    expect(d, 0, "cred holder-keygen --out alice");
    for issuer in ["bureau", "impostor"] {
        expect(
            d,
            0,
            &format!(
                "cred issue --issuer-key {issuer}/issuer.key --schema credit-score.schema.json \
                 --attributes alice-score.json --holder alice/holder.pub.json \
                 --issued 2026-11-01 --expires 2099-12-31 --out {issuer}.cred.json"
            ),
        );
    }
    expect(
        d,
        0,
        "zk setup --predicate bureau.score>=650 --schema bureau=credit-score.schema.json --out keys",
    );
    let today = date(0);
    prove(d, "bureau.cred.json", "lender-x/2026", &today, "proof.json");
    prove(d, "bureau.cred.json", "lender-x/2026", &today, "again.json");
    prove(d, "bureau.cred.json", "lender-y/2026", &today, "other.json");
    prove(
        d,
        "bureau.cred.json",
        "lender-v/2026",
        &date(3),
        "late.json",
    );
    prove(
        d,
        "impostor.cred.json",
        "lender-w/2026",
        &today,
        "impostor.json",
    );
    prove(d, "bureau.cred.json", "lender-z/2026", &today, "fresh.json");

    expect(d, 0, "ledger init --data ledger --origin cred.example/log");
    let submit = "--json ledger submit --data ledger";
    // No statement, then no issuer: refused with what to register (exit 2).
    let out = expect(d, 2, &format!("{submit} proof.json"));
    assert!(
        stderr(&out).contains("unknown statement"),
        "{}",
        stderr(&out)
    );
    let out = expect(
        d,
        0,
        "--json ledger register-statement --vk keys/predicate.vk --label score --data ledger",
    );
    assert_eq!(json(&out)["receipt"]["kind"], "predicate-statement");
    let out = expect(d, 2, &format!("{submit} proof.json"));
    assert!(stderr(&out).contains("register-issuer"), "{}", stderr(&out));
    let out = expect(
        d,
        0,
        "--json ledger register-issuer --issuer bureau/issuer.pub.json --label bureau --data ledger",
    );
    assert_eq!(json(&out)["receipt"]["kind"], "issuer");
    // A holder key is not an issuer key.
    expect(
        d,
        2,
        "ledger register-issuer --issuer alice/holder.pub.json --data ledger",
    );

    let out = expect(d, 0, &format!("{submit} proof.json"));
    let anchored = json(&out)["receipt"]["index"].as_u64().unwrap();
    assert_eq!(json(&out)["receipt"]["kind"], "predicate");
    // The same nullifier in the same scope: refused (exit 1) with its code.
    let out = expect(d, 1, &format!("{submit} again.json"));
    assert_eq!(json(&out)["code"], "nullifier_reused");
    // Another scope: accepted.
    expect(d, 0, &format!("{submit} other.json"));
    // `$now` three days ahead: refused.
    let out = expect(d, 1, &format!("{submit} late.json"));
    assert_eq!(json(&out)["code"], "now_out_of_window");
    // An issuer the ledger does not know.
    let out = expect(d, 2, &format!("{submit} impostor.json"));
    assert!(stderr(&out).contains("not registered"), "{}", stderr(&out));
    // An invalid proof (another proof's points, fresh nullifier): exit 1.
    let mut tampered: Value =
        serde_json::from_slice(&std::fs::read(d.join("fresh.json")).unwrap()).unwrap();
    let donor: Value =
        serde_json::from_slice(&std::fs::read(d.join("proof.json")).unwrap()).unwrap();
    tampered["proof"] = donor["proof"].clone();
    std::fs::write(d.join("tampered.json"), tampered.to_string()).unwrap();
    let out = expect(d, 1, &format!("{submit} tampered.json"));
    assert_eq!(json(&out)["code"], "proof_invalid");

    // Revocation roots: the bureau's registry is anchored (no operator needed), the
    // impostor's is refused.
    for issuer in ["bureau", "impostor"] {
        expect(
            d,
            0,
            &format!(
                "cred revoke --issuer-key {issuer}/issuer.key --id 5 --registry {issuer}/revoked.json"
            ),
        );
    }
    let out = expect(
        d,
        0,
        "--json ledger register-revocation --registry bureau/revoked.json --data ledger",
    );
    assert_eq!(json(&out)["receipt"]["kind"], "revocation");
    // `submit` recognises the registry file too: the same root, already anchored.
    let out = expect(d, 0, &format!("{submit} bureau/revoked.json"));
    assert_eq!(json(&out)["receipt"]["duplicate"], true);
    let out = expect(
        d,
        2,
        "ledger register-revocation --registry impostor/revoked.json --data ledger",
    );
    assert!(stderr(&out).contains("not registered"), "{}", stderr(&out));

    // From the ledger alone, and a full audit.
    let out = expect(
        d,
        0,
        &format!("--json ledger verify --entry {anchored} --log-key ledger/log.pub --data ledger"),
    );
    let verified = json(&out)["verified"].clone();
    assert_eq!(verified["kind"], "predicate");
    assert_eq!(verified["depends_on"], serde_json::json!([0, 1]));
    let out = expect(d, 0, "--json ledger audit --data ledger");
    assert_eq!(json(&out)["report"]["kinds"]["predicate"], 2);

    // Through a node, twice (the index survives a restart).
    for _ in 0..2 {
        let (node, url) = serve(d);
        let out = expect(
            d,
            1,
            &format!("--json ledger submit --node {url} again.json"),
        );
        assert_eq!(json(&out)["code"], "nullifier_reused");
        drop(node);
    }
}

/// A revocable predicate: the ledger takes a proof only at a revocation root its issuer
/// anchored, and refuses one whose root was superseded (default grace 0).
#[test]
fn stale_revocation_roots_are_refused() {
    let temp = tempfile::tempdir().unwrap();
    let d = temp.path();
    examples(d);
    expect(d, 0, "cred issuer-keygen --out bureau");
    expect(d, 0, "cred holder-keygen --out alice");
    expect(
        d,
        0,
        "cred issue --issuer-key bureau/issuer.key --schema credit-score.schema.json \
         --attributes alice-score.json --holder alice/holder.pub.json \
         --issued 2026-11-01 --expires 2099-12-31 --out bureau.cred.json",
    );
    // The bureau's registry, with another credential's id revoked.
    let revoke = |id: u64| {
        expect(
            d,
            0,
            &format!(
                "cred revoke --issuer-key bureau/issuer.key --id {id} --registry bureau/revoked.json"
            ),
        );
    };
    revoke(1);
    expect(
        d,
        0,
        "zk setup --predicate bureau.score>=650 --schema bureau=credit-score.schema.json \
         --revocable bureau --out keys",
    );
    let today = date(0);
    for (scope, out) in [("lender-a", "a.json"), ("lender-b", "b.json")] {
        expect(
            d,
            0,
            &format!(
                "zk prove --pk keys/predicate.pk --credential bureau=bureau.cred.json \
                 --holder-key alice/holder.key --scope {scope} --param now={today} \
                 --revocation bureau=bureau/revoked.json --out {out}"
            ),
        );
    }
    expect(d, 0, "ledger init --data ledger --origin stale.example/log");
    expect(
        d,
        0,
        "ledger register-statement --vk keys/predicate.vk --data ledger",
    );
    expect(
        d,
        0,
        "ledger register-issuer --issuer bureau/issuer.pub.json --data ledger",
    );
    let submit = "--json ledger submit --data ledger";
    // The root the proof names is not anchored yet.
    let out = expect(d, 2, &format!("{submit} a.json"));
    assert!(
        stderr(&out).contains("register-revocation"),
        "{}",
        stderr(&out)
    );
    expect(
        d,
        0,
        "ledger register-revocation --registry bureau/revoked.json --data ledger",
    );
    expect(d, 0, &format!("{submit} a.json"));
    // The bureau revokes another id and anchors the new root: b.json is now stale.
    revoke(2);
    expect(
        d,
        0,
        "ledger register-revocation --registry bureau/revoked.json --data ledger",
    );
    let out = expect(d, 1, &format!("{submit} b.json"));
    assert_eq!(json(&out)["code"], "stale_revocation_root");
}
