//! `conclave range …` through the real binary: exit codes 0/1/2, `--json`, secret file
//! permissions, and the bad-input cases of issue 3. Every test works in its own
//! temporary directory with relative file names.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use crate::common::{expect, json, refused, stderr, stdout};

/// Commits to `value`, writing `<name>-opening.json` and `<name>.json` in `dir`.
fn commit(dir: &Path, name: &str, value: u64) {
    expect(
        dir,
        0,
        &format!("range commit --value {value} --out {name}-opening.json --commitment {name}.json"),
    );
}

#[test]
fn commit_writes_a_secret_opening_and_prints_the_commitment() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = expect(d, 0, "--json range commit --value 18000 --out opening.json");
    let out = json(&run);
    assert_eq!(out["ok"], true);
    let hex = out["commitment"].as_str().unwrap();
    assert_eq!(hex.len(), 64);
    let opening = d.join("opening.json");
    let text = std::fs::read_to_string(&opening).unwrap();
    assert!(text.contains(hex) && text.contains("\"value\": 18000"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&opening).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // A secret file others can read is refused.
        std::fs::set_permissions(&opening, std::fs::Permissions::from_mode(0o644)).unwrap();
        refused(
            d,
            "range prove --opening opening.json --out p.json",
            "readable by others",
        );
    }
    // Human output prints the commitment too.
    let run = expect(d, 0, "range commit --value 1 --out o2.json");
    assert!(stdout(&run).starts_with("commitment "));
}

#[test]
fn total_debt_flow_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    commit(d, "a", 18_000);
    commit(d, "b", 12_500);
    commit(d, "c", 9_000);
    let run = expect(
        d,
        0,
        "--json range add a.json b.json c.json --out total.json",
    );
    let summed = json(&run)["commitment"].as_str().unwrap().to_owned();
    let run = expect(
        d,
        0,
        "--json range add --openings a-opening.json b-opening.json c-opening.json \
         --out total-opening.json",
    );
    assert_eq!(
        json(&run)["commitment"].as_str().unwrap(),
        summed,
        "openings add like commitments"
    );
    assert!(std::fs::read_to_string(d.join("total-opening.json"))
        .unwrap()
        .contains("\"value\": 39500"));

    expect(
        d,
        0,
        "range prove --opening total-opening.json --min 0 --max 50000 --out p.json",
    );
    let run = expect(
        d,
        0,
        "--json range verify --proof p.json --commitment total.json --max 50000",
    );
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
    let run = refused(
        d,
        "range verify --proof p.json --commitment a.json",
        "p.json",
    );
    assert!(stderr(&run).contains("not"), "{}", stderr(&run));
    // A weaker bound than the verifier asks for: exit 2.
    refused(d, "range verify --proof p.json --max 40000", "≤ 50000");
    // A limit below the total cannot be proved.
    refused(
        d,
        "range prove --opening total-opening.json --max 39499 --out x.json",
        "outside",
    );
    // `add` without --openings refuses opening files with a hint.
    refused(d, "range add a-opening.json --out y.json", "--openings");
}

#[test]
fn single_and_aggregated_proofs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    commit(d, "a", 70_000);
    commit(d, "b", 5);
    commit(d, "c", 6);
    expect(
        d,
        0,
        "range prove --opening a-opening.json --bits 32 --out single.json",
    );
    let run = expect(d, 0, "range verify --proof single.json");
    assert!(stdout(&run).contains("valid"));
    // 70,000 does not fit in 16 bits.
    refused(
        d,
        "range prove --opening a-opening.json --bits 16 --out x",
        "16 bits",
    );

    expect(
        d,
        0,
        "range prove --opening a-opening.json b-opening.json --bits 32 --out agg.json",
    );
    let run = expect(d, 0, "--json range verify --proof agg.json");
    assert_eq!(
        json(&run)["proofs"][0]["statement"]["commitments"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Three values: not a power of two.
    refused(
        d,
        "range prove --opening a-opening.json b-opening.json c-opening.json --bits 32 --out x",
        "power of two",
    );
    // Unsupported bit sizes.
    for bits in ["12", "0", "128"] {
        refused(
            d,
            &format!("range prove --opening a-opening.json --bits {bits} --out x"),
            "unsupported bit size",
        );
    }
}

#[test]
fn bad_and_tampered_proof_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    commit(d, "a", 1234);
    expect(
        d,
        0,
        "range prove --opening a-opening.json --bits 16 --binary --out good.bin",
    );
    let bytes = std::fs::read(d.join("good.bin")).unwrap();
    let write = |name: &'static str, bytes: &[u8]| {
        std::fs::write(d.join(name), bytes).unwrap();
        name
    };
    expect(d, 0, "range verify --proof good.bin");

    // Tampered but well-formed (low byte of the inner-product scalar `a`): invalid, exit 1.
    let mut tampered = bytes.clone();
    let at = tampered.len() - 64;
    tampered[at] ^= 1;
    write("tampered.bin", &tampered);
    let run = expect(d, 1, "--json range verify --proof tampered.bin");
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
    for (name, needle) in [
        (truncated, "truncated"),
        (trailing, "trailing"),
        (noncanonical, "canonical"),
        (version, "version"),
        (empty, "truncated"),
    ] {
        let run = refused(d, &format!("range verify --proof {name}"), needle);
        assert!(stderr(&run).contains(name), "{}", stderr(&run));
    }
    let run = expect(d, 2, "--json range verify --proof missing.json");
    assert_eq!(json(&run)["ok"], false);

    // A batch with one bad proof fails with exit 1 and names it.
    for i in 0..4 {
        expect(
            d,
            0,
            &format!("range prove --opening a-opening.json --bits 16 --out p{i}.json"),
        );
    }
    let batch = "--json range verify --proof p0.json p1.json p2.json p3.json";
    let run = expect(d, 0, batch);
    assert_eq!(json(&run)["mode"], "batch");
    let run = expect(d, 1, &format!("{batch} tampered.bin"));
    let out = json(&run);
    assert_eq!(out["failed"].as_array().unwrap().len(), 1);
    assert!(out["failed"][0].as_str().unwrap().ends_with("tampered.bin"));
    assert_eq!(out["proofs"][0]["valid"], true);
}
