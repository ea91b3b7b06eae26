//! `conclave range …` through the real binary: exit codes 0/1/2, `--json`, secret file
//! permissions, and the bad-input cases of issue 3.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use crate::common::{code, conclave, json, stderr, stdout};

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Commits to `value`, writing `<name>-opening.json` and `<name>.json`.
fn commit(dir: &Path, name: &str, value: u64) -> (PathBuf, PathBuf) {
    let opening = dir.join(format!("{name}-opening.json"));
    let commitment = dir.join(format!("{name}.json"));
    let run = conclave(&[
        "range",
        "commit",
        "--value",
        &value.to_string(),
        "--out",
        p(&opening),
        "--commitment",
        p(&commitment),
    ]);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    (opening, commitment)
}

#[test]
fn commit_writes_a_secret_opening_and_prints_the_commitment() {
    let dir = tempfile::tempdir().unwrap();
    let opening = dir.path().join("opening.json");
    let run = conclave(&[
        "--json",
        "range",
        "commit",
        "--value",
        "18000",
        "--out",
        p(&opening),
    ]);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    let out = json(&run);
    assert_eq!(out["ok"], true);
    let hex = out["commitment"].as_str().unwrap();
    assert_eq!(hex.len(), 64);
    let text = std::fs::read_to_string(&opening).unwrap();
    assert!(text.contains(hex) && text.contains("\"value\": 18000"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&opening).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // A secret file others can read is refused.
        std::fs::set_permissions(&opening, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = dir.path().join("p.json");
        let run = conclave(&["range", "prove", "--opening", p(&opening), "--out", p(&out)]);
        assert_eq!(code(&run), 2);
        assert!(
            stderr(&run).contains("readable by others"),
            "{}",
            stderr(&run)
        );
    }
    // Human output prints the commitment too.
    let run = conclave(&[
        "range",
        "commit",
        "--value",
        "1",
        "--out",
        p(&dir.path().join("o2.json")),
    ]);
    assert_eq!(code(&run), 0);
    assert!(stdout(&run).starts_with("commitment "));
}

#[test]
fn total_debt_flow_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (oa, ca) = commit(d, "a", 18_000);
    let (ob, cb) = commit(d, "b", 12_500);
    let (oc, cc) = commit(d, "c", 9_000);
    let total = d.join("total.json");
    let run = conclave(&[
        "--json",
        "range",
        "add",
        p(&ca),
        p(&cb),
        p(&cc),
        "--out",
        p(&total),
    ]);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    let summed = json(&run)["commitment"].as_str().unwrap().to_owned();
    let total_opening = d.join("total-opening.json");
    let run = conclave(&[
        "--json",
        "range",
        "add",
        "--openings",
        p(&oa),
        p(&ob),
        p(&oc),
        "--out",
        p(&total_opening),
    ]);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    assert_eq!(
        json(&run)["commitment"].as_str().unwrap(),
        summed,
        "openings add like commitments"
    );
    assert!(std::fs::read_to_string(&total_opening)
        .unwrap()
        .contains("\"value\": 39500"));

    let proof = d.join("p.json");
    let run = conclave(&[
        "range",
        "prove",
        "--opening",
        p(&total_opening),
        "--min",
        "0",
        "--max",
        "50000",
        "--out",
        p(&proof),
    ]);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    let run = conclave(&[
        "--json",
        "range",
        "verify",
        "--proof",
        p(&proof),
        "--commitment",
        p(&total),
        "--max",
        "50000",
    ]);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    let out = json(&run);
    assert_eq!(out["valid"], true);
    assert_eq!(out["proofs"][0]["statement"]["max"], 50000);
    assert_eq!(
        out["proofs"][0]["statement"]["commitment"]
            .as_str()
            .unwrap(),
        summed
    );

    // A proof for another commitment: exit 2, naming the file.
    let run = conclave(&[
        "range",
        "verify",
        "--proof",
        p(&proof),
        "--commitment",
        p(&ca),
    ]);
    assert_eq!(code(&run), 2);
    assert!(
        stderr(&run).contains("p.json") && stderr(&run).contains("not"),
        "{}",
        stderr(&run)
    );
    // A weaker bound than the verifier asks for: exit 2.
    let run = conclave(&["range", "verify", "--proof", p(&proof), "--max", "40000"]);
    assert_eq!(code(&run), 2);
    assert!(stderr(&run).contains("≤ 50000"), "{}", stderr(&run));
    // A limit below the total cannot be proved.
    let run = conclave(&[
        "range",
        "prove",
        "--opening",
        p(&total_opening),
        "--max",
        "39499",
        "--out",
        p(&d.join("x.json")),
    ]);
    assert_eq!(code(&run), 2);
    assert!(stderr(&run).contains("outside"), "{}", stderr(&run));
    // `add` without --openings refuses opening files with a hint.
    let run = conclave(&["range", "add", p(&oa), "--out", p(&d.join("y.json"))]);
    assert_eq!(code(&run), 2);
    assert!(stderr(&run).contains("--openings"), "{}", stderr(&run));
}

#[test]
fn single_and_aggregated_proofs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (oa, _) = commit(d, "a", 70_000);
    let (ob, _) = commit(d, "b", 5);
    let (oc, _) = commit(d, "c", 6);
    let single = d.join("single.json");
    let run = conclave(&[
        "range",
        "prove",
        "--opening",
        p(&oa),
        "--bits",
        "32",
        "--out",
        p(&single),
    ]);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    let run = conclave(&["range", "verify", "--proof", p(&single)]);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    assert!(stdout(&run).contains("valid"));
    // 70,000 does not fit in 16 bits.
    let run = conclave(&[
        "range",
        "prove",
        "--opening",
        p(&oa),
        "--bits",
        "16",
        "--out",
        p(&d.join("x")),
    ]);
    assert_eq!(code(&run), 2);
    assert!(stderr(&run).contains("16 bits"), "{}", stderr(&run));

    let agg = d.join("agg.json");
    let run = conclave(&[
        "range",
        "prove",
        "--opening",
        p(&oa),
        p(&ob),
        "--bits",
        "32",
        "--out",
        p(&agg),
    ]);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    let run = conclave(&["--json", "range", "verify", "--proof", p(&agg)]);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    assert_eq!(
        json(&run)["proofs"][0]["statement"]["commitments"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Three values: not a power of two.
    let run = conclave(&[
        "range",
        "prove",
        "--opening",
        p(&oa),
        p(&ob),
        p(&oc),
        "--bits",
        "32",
        "--out",
        p(&d.join("x")),
    ]);
    assert_eq!(code(&run), 2);
    assert!(stderr(&run).contains("power of two"), "{}", stderr(&run));
    // Unsupported bit sizes.
    for bits in ["12", "0", "128"] {
        let run = conclave(&[
            "range",
            "prove",
            "--opening",
            p(&oa),
            "--bits",
            bits,
            "--out",
            p(&d.join("x")),
        ]);
        assert_eq!(code(&run), 2, "bits {bits}");
        assert!(
            stderr(&run).contains("unsupported bit size"),
            "{}",
            stderr(&run)
        );
    }
}

#[test]
fn bad_and_tampered_proof_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (oa, _) = commit(d, "a", 1234);
    let good = d.join("good.bin");
    let run = conclave(&[
        "range",
        "prove",
        "--opening",
        p(&oa),
        "--bits",
        "16",
        "--binary",
        "--out",
        p(&good),
    ]);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    let bytes = std::fs::read(&good).unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = d.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    assert_eq!(
        code(&conclave(&["range", "verify", "--proof", p(&good)])),
        0
    );

    // Tampered but well-formed (low byte of the inner-product scalar `a`): invalid, exit 1.
    let mut tampered = bytes.clone();
    let at = tampered.len() - 64;
    tampered[at] ^= 1;
    let bad = write("tampered.bin", &tampered);
    let run = conclave(&["--json", "range", "verify", "--proof", p(&bad)]);
    assert_eq!(code(&run), 1, "{}", stderr(&run));
    assert_eq!(json(&run)["valid"], false);

    // Truncated, trailing bytes, non-canonical point, unknown version: exit 2 naming the file.
    let truncated = write("truncated.bin", &bytes[..bytes.len() - 10]);
    let mut long = bytes.clone();
    long.push(0);
    let trailing = write("trailing.bin", &long);
    let mut nc = bytes.clone();
    let head = 5 + 32; // version, tag, type, bits, count, one commitment
    nc[head..head + 32].copy_from_slice(&[0xff; 32]);
    let noncanonical = write("noncanonical.bin", &nc);
    let mut v = bytes.clone();
    v[0] = 7;
    let version = write("version.bin", &v);
    let empty = write("empty.json", b"");
    for (path, needle) in [
        (&truncated, "truncated"),
        (&trailing, "trailing"),
        (&noncanonical, "canonical"),
        (&version, "version"),
        (&empty, "truncated"),
    ] {
        let run = conclave(&["range", "verify", "--proof", p(path)]);
        assert_eq!(code(&run), 2, "{}: {}", path.display(), stderr(&run));
        assert!(stderr(&run).contains(p(path)), "{}", stderr(&run));
        assert!(stderr(&run).contains(needle), "{needle}: {}", stderr(&run));
    }
    let run = conclave(&[
        "--json",
        "range",
        "verify",
        "--proof",
        p(&d.join("missing.json")),
    ]);
    assert_eq!(code(&run), 2);
    assert_eq!(json(&run)["ok"], false);

    // A batch with one bad proof fails with exit 1 and names it.
    let mut files = Vec::new();
    for i in 0..4 {
        let path = d.join(format!("p{i}.json"));
        let run = conclave(&[
            "range",
            "prove",
            "--opening",
            p(&oa),
            "--bits",
            "16",
            "--out",
            p(&path),
        ]);
        assert_eq!(code(&run), 0);
        files.push(path);
    }
    let mut args = vec!["--json", "range", "verify", "--proof"];
    args.extend(files.iter().map(|f| p(f)));
    let run = conclave(&args);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    assert_eq!(json(&run)["mode"], "batch");
    args.push(p(&bad));
    let run = conclave(&args);
    assert_eq!(code(&run), 1, "{}", stderr(&run));
    let out = json(&run);
    assert_eq!(out["failed"].as_array().unwrap().len(), 1);
    assert!(out["failed"][0].as_str().unwrap().ends_with("tampered.bin"));
    assert_eq!(out["proofs"][0]["valid"], true);
}
