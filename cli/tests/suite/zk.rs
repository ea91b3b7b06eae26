//! The `conclave zk` contract, run through the real binary: exit codes 0/1/2, `--json`,
//! 0600 secrets, batch verification, bad input, and snarkjs interop (snarkjs 0.7.6 from
//! `interop/package-lock.json`).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::{expect, json, refused, stderr};

/// Commits to 712, sets up 32-bit threshold and range keys, proves >= 650.
fn scenario() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let commit = expect(d, 0, "--json zk commit --value 712 --out secret.json");
    assert!(json(&commit)["commitment"].as_str().unwrap().len() > 10);
    for statement in ["threshold", "range"] {
        expect(
            d,
            0,
            &format!("zk setup --statement {statement} --bits 32 --out keys"),
        );
    }
    let prove = expect(
        d,
        0,
        "--json zk prove --pk keys/threshold.pk --secret secret.json --threshold 650 \
         --out proof.json",
    );
    assert_eq!(
        json(&prove)["claim"],
        "the committed 32-bit value is >= 650"
    );
    dir
}

fn edit_json(path: &Path, edit: impl FnOnce(&mut Value)) {
    let mut value: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    edit(&mut value);
    std::fs::write(path, value.to_string()).unwrap();
}

/// `zk verify` against the threshold key; the proof files follow.
const VERIFY_THRESHOLD: &str = "zk verify --vk keys/threshold.vk --proof";

#[test]
fn commit_prove_verify_and_reject_tampering() {
    let dir = scenario();
    let d = dir.path();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.join("secret.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let verify = expect(d, 0, &format!("--json {VERIFY_THRESHOLD} proof.json"));
    assert_eq!(json(&verify)["valid"], true);

    // Range statement from the same secret.
    expect(
        d,
        0,
        "zk prove --pk keys/range.pk --secret secret.json --min 600 --max 850 --out range.json",
    );
    expect(d, 0, "zk verify --vk keys/range.vk --proof range.json");

    // A consistent edit of the public threshold: well-formed, invalid -> exit 1.
    std::fs::copy(d.join("proof.json"), d.join("forged.json")).unwrap();
    edit_json(&d.join("forged.json"), |v| {
        v["public_inputs"][1] = "700".into();
        v["claim"] = "the committed 32-bit value is >= 700".into();
    });
    expect(d, 1, &format!("{VERIFY_THRESHOLD} forged.json"));

    // Batch: the invalid proof is named.
    let batch = expect(
        d,
        1,
        &format!("--json {VERIFY_THRESHOLD} proof.json forged.json proof.json"),
    );
    let report = json(&batch);
    let validity: Vec<bool> = report["proofs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["valid"].as_bool().unwrap())
        .collect();
    assert_eq!(validity, vec![true, false, true]);
    // The output contract: "ok" is true exactly when the exit code is 0.
    assert_eq!(
        (&report["ok"], &report["valid"]),
        (&false.into(), &false.into())
    );
    expect(d, 0, &format!("{VERIFY_THRESHOLD} proof.json proof.json"));
}

#[test]
fn bad_input_exits_2_naming_the_file_and_problem() {
    let dir = scenario();
    let d = dir.path();
    let vk = std::fs::read(d.join("keys/threshold.vk")).unwrap();
    std::fs::write(d.join("truncated.vk"), &vk[..vk.len() / 2]).unwrap();
    std::fs::write(d.join("garbage.json"), b"{ not json").unwrap();
    std::fs::write(d.join("empty.proof"), b"").unwrap();
    let prove_threshold = "zk prove --pk keys/threshold.pk --secret secret.json --threshold";
    let cases = [
        (
            "zk verify --vk truncated.vk --proof proof.json".to_owned(),
            "truncated.vk",
        ),
        (format!("{VERIFY_THRESHOLD} garbage.json"), "garbage.json"),
        (format!("{VERIFY_THRESHOLD} empty.proof"), "empty.proof"),
        (
            "zk verify --vk keys/range.vk --proof proof.json".to_owned(),
            "not for this key",
        ),
        (
            "zk verify --vk proof.json --proof proof.json".to_owned(),
            "expected a verifying key",
        ),
        (
            "zk verify --vk missing.vk --proof proof.json".to_owned(),
            "missing.vk",
        ),
        (
            format!("{prove_threshold} 800 --out x.json"),
            "below the threshold",
        ),
        (
            "zk prove --pk keys/range.pk --secret secret.json --threshold 800 --out x.json"
                .to_owned(),
            "min and max",
        ),
        (
            "zk setup --statement threshold --bits 65 --out k".to_owned(),
            "bit width 65",
        ),
    ];
    for (line, needle) in &cases {
        let output = refused(d, line, needle);
        assert!(!stderr(&output).contains("panicked"), "{line} panicked");
    }
    // A public input at or above the field modulus.
    edit_json(&d.join("proof.json"), |v| {
        v["public_inputs"][0] =
            "21888242871839275222246405745257275088548364400416034343698204186575808495617".into();
    });
    refused(d, &format!("{VERIFY_THRESHOLD} proof.json"), "modulus");
    // A secret file others can read is refused.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            d.join("secret.json"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        refused(
            d,
            &format!("{prove_threshold} 650 --out p.json"),
            "chmod 600",
        );
    }
    // JSON mode reports errors as one object too.
    let output = expect(
        d,
        2,
        "--json zk verify --vk truncated.vk --proof proof.json",
    );
    assert_eq!(json(&output)["ok"], false);
}

fn snarkjs_cli() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../interop/node_modules/snarkjs/build/cli.cjs");
    assert!(
        path.exists(),
        "snarkjs is not installed: run `npm ci --prefix interop` (the README's test command does)"
    );
    path
}

fn snarkjs_verify(dir: &Path) -> String {
    let output = Command::new("node")
        .arg(snarkjs_cli())
        .args([
            "groth16",
            "verify",
            "verification_key.json",
            "public.json",
            "proof.json",
        ])
        .current_dir(dir)
        .output()
        .expect("node runs");
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

#[test]
fn snarkjs_accepts_exported_proofs_and_we_verify_snarkjs_files() {
    let dir = scenario();
    let d = dir.path();
    expect(
        d,
        0,
        "zk export-snarkjs --vk keys/threshold.vk --proof proof.json --out snarkjs",
    );
    let s = d.join("snarkjs");
    let verdict = snarkjs_verify(&s);
    assert!(verdict.contains("OK"), "snarkjs said: {verdict}");

    let ours = "zk verify-snarkjs snarkjs/verification_key.json snarkjs/proof.json \
                snarkjs/public.json";
    expect(d, 0, ours);

    // Change one public signal: snarkjs and conclave both reject it.
    let public: Vec<String> =
        serde_json::from_slice(&std::fs::read(s.join("public.json")).unwrap()).unwrap();
    std::fs::write(
        s.join("public.json"),
        serde_json::to_string(&[public[0].clone(), "651".into()]).unwrap(),
    )
    .unwrap();
    let verdict = snarkjs_verify(&s);
    assert!(
        verdict.contains("Invalid proof") && !verdict.contains("OK"),
        "snarkjs said: {verdict}"
    );
    expect(d, 1, ours);

    // Wrong number of public signals, and a proof point off the curve: bad input.
    std::fs::write(
        s.join("public.json"),
        serde_json::to_string(&[public[0].clone()]).unwrap(),
    )
    .unwrap();
    refused(d, ours, "public inputs");
    std::fs::write(
        s.join("public.json"),
        serde_json::to_string(&public).unwrap(),
    )
    .unwrap();
    edit_json(&s.join("proof.json"), |v| v["pi_a"][1] = "7".into());
    refused(d, ours, "not a point on the BN254 curve");
}
