//! `conclave mpc …` end to end: real processes over TLS on loopback. Every test works in
//! its own temporary directory with relative file names.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{
    assert_success as ok, command, expect, free_base_port, refused, stderr, with_stdin,
};

/// Writes keys, a 3-party config `parties.toml` with short timeouts, a stats job and
/// inputs into `dir`.
fn setup(dir: &Path) {
    let base = free_base_port(3);
    expect(
        dir,
        0,
        &format!(
            "mpc config --parties 3 --base-port {base} --connect-timeout 8 --round-timeout 8 \
             --out parties.toml"
        ),
    );
    std::fs::write(
        dir.join("stats.toml"),
        "version = 1\njob = \"stats\"\ndescription = \"test\"\n[stats]\nbits = 32\nthreshold = 650\n",
    )
    .unwrap();
    std::fs::write(dir.join("bank1.csv"), "value\n700\n-3\n650\n").unwrap();
    std::fs::write(dir.join("bank2.csv"), "12\n649\n").unwrap();
    std::fs::write(dir.join("bank3.csv"), "value\n2147483647\n-2147483648\n").unwrap();
}

/// Starts party `i` on `job` in `dir` (writing `result<i>.json`); `extra` adds arguments
/// such as `--input bank1.csv`.
fn party(dir: &Path, i: u32, job: &str, extra: &str) -> Child {
    let line = format!(
        "--json mpc run --party {i} --config parties.toml --job {job} --out result{i}.json {extra}"
    );
    command()
        .current_dir(dir)
        .args(line.split_whitespace())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Party `i` alone must stop with exit code 2 and `needle` in its error.
fn party_refused(dir: &Path, i: u32, job: &str, extra: &str, needle: &str) {
    let out = party(dir, i, job, extra).wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(needle), "{}", stderr(&out));
}

#[test]
fn keygen_writes_secret_files_0600() {
    let dir = tempfile::tempdir().unwrap();
    expect(dir.path(), 0, "mpc keygen --party 2 --out p2");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["tls.key", "signing.key"] {
            let mode = std::fs::metadata(dir.path().join("p2").join(f))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{f}");
        }
    }
    assert!(dir.path().join("p2/tls.crt").exists());
}

#[test]
fn three_processes_compute_stats_and_sign() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    let children: Vec<Child> = (1..=3)
        .map(|i| party(d, i, "stats.toml", &format!("--input bank{i}.csv")))
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let values = [700i64, -3, 650, 12, 649, 2147483647, -2147483648];
    for out in &outputs {
        ok(out);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let o = &report["outputs"];
        assert_eq!(o["sum"], values.iter().sum::<i64>().to_string());
        assert_eq!(o["min"], "-2147483648");
        assert_eq!(o["max"], "2147483647");
        assert_eq!(o["count_at_or_above_threshold"], "3");
        assert_eq!(o["count"], 7);
    }
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("result1.json")).unwrap()).unwrap();
    assert_eq!(record["kind"], "conclave.result");
    assert_eq!(record["signatures"].as_array().unwrap().len(), 3);
    // Every party wrote the same record.
    assert_eq!(
        std::fs::read_to_string(d.join("result1.json")).unwrap(),
        std::fs::read_to_string(d.join("result3.json")).unwrap()
    );
}

#[test]
fn unknown_party_id_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    party_refused(
        dir.path(),
        9,
        "stats.toml",
        "--input bank1.csv",
        "--party 9 is not listed",
    );
}

#[test]
fn certificate_not_pinned_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    // Party 3 replaces its keys after the config was written.
    expect(dir.path(), 0, "mpc keygen --party 3 --out p3 --force");
    party_refused(
        dir.path(),
        3,
        "stats.toml",
        "--input bank3.csv",
        "not the one",
    );
}

#[test]
fn bad_job_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    std::fs::write(
        dir.path().join("bad.toml"),
        "version = 2\njob = \"stats\"\n",
    )
    .unwrap();
    party_refused(dir.path(), 1, "bad.toml", "--input bank1.csv", "bad.toml");
}

#[test]
fn killed_party_makes_the_others_fail_within_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    // A big enough job that party 3 dies in the middle of it (or before connecting).
    std::fs::write(
        d.join("bench.toml"),
        "version = 1\njob = \"bench\"\n[bench]\nmultiplications = 2000000\ncomparisons = 100000\nstats_values = 10000\n",
    )
    .unwrap();
    let mut children: Vec<Child> = (1..=3).map(|i| party(d, i, "bench.toml", "")).collect();
    std::thread::sleep(Duration::from_millis(1500));
    children[2].kill().unwrap();
    let _ = children[2].wait();
    let start = Instant::now();
    for child in children.drain(..2) {
        let out = child.wait_with_output().unwrap();
        assert!(!out.status.success(), "a party finished without party 3");
        let err = stderr(&out);
        assert!(err.contains("party 3"), "error must name party 3: {err}");
    }
    // Connect and round timeouts are 8 s.
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn client_shares_are_one_file_per_party() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    expect(
        d,
        0,
        "mpc share --value 712 --value -5 --config parties.toml --out shares",
    );
    for i in 1..=3 {
        let text = std::fs::read_to_string(d.join(format!("shares/share-p{i}.json"))).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["party"], i);
        assert_eq!(v["shares"].as_array().unwrap().len(), 2);
    }
    // The shares are never replaced without --force, and the values can stay out of the
    // process list: from standard input or a file (same count of shares per party).
    refused(
        d,
        "mpc share --value 1 --config parties.toml --out shares",
        "--force",
    );
    let piped = with_stdin(
        d,
        "mpc share --value - --config parties.toml --out piped",
        "712\n-5\n",
    );
    assert!(piped.status.success(), "{}", stderr(&piped));
    std::fs::write(d.join("values.txt"), "712\n-5\n").unwrap();
    expect(
        d,
        0,
        "mpc share --value-file values.txt --config parties.toml --out filed",
    );
    for folder in ["piped", "filed"] {
        let text = std::fs::read_to_string(d.join(folder).join("share-p1.json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["shares"].as_array().unwrap().len(), 2, "{folder}");
    }
    std::fs::write(d.join("bad.txt"), "712\nsecret-word\n").unwrap();
    let bad = refused(
        d,
        "mpc share --value-file bad.txt --config parties.toml --out bad",
        "value 2 is not",
    );
    assert!(!stderr(&bad).contains("secret-word") && !stderr(&bad).contains("712"));
    // The value file is an input: it can never be an output.
    refused(
        d,
        "--force mpc share --value-file shares/share-p1.json --config parties.toml --out shares",
        "is also an input of this command",
    );
    // The client's values join the stats computation.
    let children: Vec<Child> = (1..=3)
        .map(|i| {
            party(
                d,
                i,
                "stats.toml",
                &format!("--input bank{i}.csv --shares shares/share-p{i}.json"),
            )
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        ok(&out);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let sum: i64 = [700i64, -3, 650, 12, 649, 2147483647, -2147483648, 712, -5]
            .iter()
            .sum();
        assert_eq!(report["outputs"]["sum"], sum.to_string());
        assert_eq!(report["outputs"]["count"], 9);
    }
}

/// A score job (lender 1, `features` appended) and three parties' feature tables.
fn score_setup(dir: &Path, features: &str) {
    setup(dir);
    std::fs::write(
        dir.join("score.toml"),
        format!(
            "version = 1\njob = \"score\"\ndescription = \"test\"\n[score]\nbias = 0.5\n\
             threshold = 1.0\nlender = 1\nreveal_scores = true\n{features}"
        ),
    )
    .unwrap();
    std::fs::write(dir.join("f1.csv"), "id,income\nann,300\nbob,100\ncy,250\n").unwrap();
    std::fs::write(dir.join("f2.csv"), "id,debt\nann,10\nbob,80\ncy,5\n").unwrap();
    std::fs::write(dir.join("f3.csv"), "id,late\nann,0\nbob,3\ncy,1\n").unwrap();
}

const FEATURES: &str = "[[score.features]]\nparty = 1\ncolumn = \"income\"\nweight = 0.004\n\
     [[score.features]]\nparty = 2\ncolumn = \"debt\"\nweight = -0.01\n\
     [[score.features]]\nparty = 3\ncolumn = \"late\"\nweight = -0.5\n";

/// Runs `line` for one party and asserts exit 2 with `needle` on stderr, quickly: the job
/// is refused before any connection (the connect timeout of the config is 8 s).
fn refused_before_connecting(dir: &Path, line: &str, needle: &str) {
    let start = Instant::now();
    refused(dir, line, needle);
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "`{line}` waited for the network ({:?}) instead of refusing the job",
        start.elapsed()
    );
}

#[test]
fn a_feature_of_a_party_outside_the_config_is_refused_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Today's bug: party 9's feature was silently dropped and a wrong result signed.
    score_setup(
        d,
        &format!("{FEATURES}[[score.features]]\nparty = 9\ncolumn = \"x\"\nweight = 1.0\n"),
    );
    for i in 1..=3 {
        refused_before_connecting(
            d,
            &format!(
                "mpc run --party {i} --config parties.toml --job score.toml --input f{i}.csv \
                 --out r{i}.json"
            ),
            "party 9",
        );
    }
    // A lender outside the config, too.
    let job = std::fs::read_to_string(d.join("score.toml")).unwrap();
    std::fs::write(
        d.join("score.toml"),
        job.replace("lender = 1", "lender = 4").replace(
            "[[score.features]]\nparty = 9\ncolumn = \"x\"\nweight = 1.0\n",
            "",
        ),
    )
    .unwrap();
    refused_before_connecting(
        d,
        "mpc run --party 2 --config parties.toml --job score.toml --input f2.csv --out r2.json",
        "lender 4 is not in the config",
    );
}

#[test]
fn a_lender_without_out_is_refused_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    score_setup(d, FEATURES);
    let out = refused(
        d,
        "mpc run --party 1 --config parties.toml --job score.toml --input f1.csv",
        "--out",
    );
    assert!(stderr(&out).contains("lender"), "{}", stderr(&out));
    // With --json the refusal is JSON on stdout as well as exit 2.
    refused_before_connecting(
        d,
        "--json mpc run --party 1 --config parties.toml --job score.toml --input f1.csv",
        "lender",
    );
}

#[test]
fn result_files_are_checked_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    score_setup(d, FEATURES);
    // The result file may never be one of the party's inputs, even with --force.
    refused_before_connecting(
        d,
        "--force mpc run --party 1 --config parties.toml --job score.toml --input f1.csv --out f1.csv",
        "f1.csv",
    );
    // The private file beside it must not be an input either (r.private.json = f1.csv).
    std::fs::rename(d.join("f1.csv"), d.join("r.private.json")).unwrap();
    refused_before_connecting(
        d,
        "--force mpc run --party 1 --config parties.toml --job score.toml --input r.private.json --out r.json",
        "r.private.json",
    );
    std::fs::rename(d.join("r.private.json"), d.join("f1.csv")).unwrap();
    // An existing result file is refused without --force before any computation.
    std::fs::write(d.join("old.json"), "{}").unwrap();
    refused_before_connecting(
        d,
        "mpc run --party 1 --config parties.toml --job score.toml --input f1.csv --out old.json",
        "--force",
    );
    assert_eq!(std::fs::read(d.join("old.json")).unwrap(), b"{}");
}

#[test]
fn missing_columns_and_duplicate_ids_are_refused_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    score_setup(d, FEATURES);
    std::fs::write(d.join("f2.csv"), "id,dept\nann,10\nbob,80\ncy,5\n").unwrap();
    refused_before_connecting(
        d,
        "mpc run --party 2 --config parties.toml --job score.toml --input f2.csv --out r2.json",
        "column \"debt\"",
    );
    std::fs::write(d.join("f3.csv"), "id,late\nann,0\nbob,3\nann,1\n").unwrap();
    refused_before_connecting(
        d,
        "mpc run --party 3 --config parties.toml --job score.toml --input f3.csv --out r3.json",
        "\"ann\" appears twice",
    );
    // A stats value outside the job's width is refused before connecting, too.
    std::fs::write(d.join("big.csv"), "value\n4294967296\n").unwrap();
    refused_before_connecting(
        d,
        "mpc run --party 1 --config parties.toml --job stats.toml --input big.csv --out r1.json",
        "32 signed bits",
    );
    // And a job that needs an input file when none is given.
    refused_before_connecting(
        d,
        "mpc run --party 2 --config parties.toml --job score.toml --out r2.json",
        "--input",
    );
}

/// Runs the score job at all three parties (`json` picks the output mode) and returns
/// each party's stdout.
fn run_score(dir: &Path, json: bool) -> Vec<String> {
    let children: Vec<Child> = (1..=3)
        .map(|i| {
            let line = format!(
                "{}mpc run --party {i} --config parties.toml --job score.toml --input f{i}.csv \
                 --out result{i}.json",
                if json { "--json " } else { "" }
            );
            command()
                .current_dir(dir)
                .args(line.split_whitespace())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            ok(&out);
            String::from_utf8(out.stdout).unwrap()
        })
        .collect()
}

#[test]
fn private_outputs_go_only_to_0600_files_never_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    score_setup(d, FEATURES);
    for json in [true, false] {
        let stdouts = run_score(d, json);
        let lender: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(d.join("result1.private.json")).unwrap())
                .unwrap();
        assert_eq!(lender["kind"], "conclave.mpc.private");
        let decisions = lender["decisions"].as_array().unwrap();
        assert_eq!(decisions.len(), 3);
        // ann: 300·1 − 10·3 − 0·128 + 128 = 398 ≥ 256; bob: 100 − 240 − 384 + 128 < 256.
        assert_eq!(decisions[0]["id"], "ann");
        assert_eq!(decisions[0]["approve"], true);
        assert_eq!(decisions[1]["approve"], false);
        let decisions_salt = lender["decisions_salt"].as_str().unwrap().to_string();
        for i in 1..=3 {
            let path = d.join(format!("result{i}.private.json"));
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(&path).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o600, "{}", path.display());
            }
            let private: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let salt = private["input_salt"].as_str().unwrap();
            assert_eq!(salt.len(), 64);
            let stdout = &stdouts[i - 1];
            for secret in [salt, decisions_salt.as_str(), "approve", "decisions\""] {
                assert!(
                    !stdout.contains(secret),
                    "party {i} (json: {json}) printed {secret:?}: {stdout}"
                );
            }
            assert!(!stdout.contains("input_salt"), "{stdout}");
            if json {
                let report: serde_json::Value = serde_json::from_str(stdout).unwrap();
                assert!(report.get("private").is_none(), "{report}");
                assert_eq!(report["private_file"], format!("result{i}.private.json"));
                assert_eq!(report["outputs"]["applicants"], 3);
            }
        }
        // Prose names the file instead (run again: the files of the first run are replaced).
        if !json {
            assert!(
                stdouts[0].contains("result1.private.json"),
                "{}",
                stdouts[0]
            );
        }
        for i in 1..=3 {
            std::fs::remove_file(d.join(format!("result{i}.private.json"))).unwrap();
            std::fs::remove_file(d.join(format!("result{i}.json"))).unwrap();
        }
    }
}
