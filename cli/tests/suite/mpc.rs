//! `conclave mpc …` end to end: real processes over TLS on loopback.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{assert_success as ok, command as conclave};

fn free_base_port(n: u16) -> u16 {
    loop {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = probe.local_addr().unwrap().port();
        drop(probe);
        if base < 65000
            && (0..n).all(|i| std::net::TcpListener::bind(("127.0.0.1", base + i)).is_ok())
        {
            return base;
        }
    }
}

/// Writes keys, a 3-party config with short timeouts, a stats job and inputs.
fn setup(dir: &Path) -> PathBuf {
    let config = dir.join("parties.toml");
    let base = free_base_port(3).to_string();
    ok(&conclave()
        .args([
            "mpc",
            "config",
            "--parties",
            "3",
            "--base-port",
            &base,
            "--connect-timeout",
            "8",
            "--round-timeout",
            "8",
            "--out",
        ])
        .arg(&config)
        .output()
        .unwrap());
    std::fs::write(
        dir.join("stats.toml"),
        "version = 1\njob = \"stats\"\ndescription = \"test\"\n[stats]\nbits = 32\nthreshold = 650\n",
    )
    .unwrap();
    std::fs::write(dir.join("bank1.csv"), "value\n700\n-3\n650\n").unwrap();
    std::fs::write(dir.join("bank2.csv"), "12\n649\n").unwrap();
    std::fs::write(dir.join("bank3.csv"), "value\n2147483647\n-2147483648\n").unwrap();
    config
}

fn party(dir: &Path, config: &Path, i: u32, job: &str, input: Option<&str>) -> Child {
    let mut cmd = conclave();
    cmd.args([
        "--json",
        "mpc",
        "run",
        "--party",
        &i.to_string(),
        "--config",
    ])
    .arg(config)
    .arg("--job")
    .arg(dir.join(job))
    .arg("--out")
    .arg(dir.join(format!("result{i}.json")))
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    if let Some(input) = input {
        cmd.arg("--input").arg(dir.join(input));
    }
    cmd.spawn().unwrap()
}

#[test]
fn keygen_writes_secret_files_0600() {
    let dir = tempfile::tempdir().unwrap();
    ok(&conclave()
        .args(["mpc", "keygen", "--party", "2", "--out"])
        .arg(dir.path().join("p2"))
        .output()
        .unwrap());
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
    let config = setup(d);
    let children: Vec<Child> = (1..=3)
        .map(|i| party(d, &config, i, "stats.toml", Some(&format!("bank{i}.csv"))))
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
    let config = setup(dir.path());
    let out = party(dir.path(), &config, 9, "stats.toml", Some("bank1.csv"))
        .wait_with_output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--party 9 is not listed"), "{err}");
}

#[test]
fn certificate_not_pinned_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = setup(dir.path());
    // Party 3 replaces its keys after the config was written.
    ok(&conclave()
        .args(["mpc", "keygen", "--party", "3", "--out"])
        .arg(dir.path().join("p3"))
        .output()
        .unwrap());
    let out = party(dir.path(), &config, 3, "stats.toml", Some("bank3.csv"))
        .wait_with_output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not the one"), "{err}");
}

#[test]
fn bad_job_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = setup(dir.path());
    std::fs::write(
        dir.path().join("bad.toml"),
        "version = 2\njob = \"stats\"\n",
    )
    .unwrap();
    let out = party(dir.path(), &config, 1, "bad.toml", Some("bank1.csv"))
        .wait_with_output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.toml"));
}

#[test]
fn killed_party_makes_the_others_fail_within_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = setup(d);
    // A big enough job that party 3 dies in the middle of it (or before connecting).
    std::fs::write(
        d.join("bench.toml"),
        "version = 1\njob = \"bench\"\n[bench]\nmultiplications = 2000000\ncomparisons = 100000\nstats_values = 10000\n",
    )
    .unwrap();
    let mut children: Vec<Child> = (1..=3)
        .map(|i| party(d, &config, i, "bench.toml", None))
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    children[2].kill().unwrap();
    let _ = children[2].wait();
    let start = Instant::now();
    for child in children.drain(..2) {
        let out = child.wait_with_output().unwrap();
        assert!(!out.status.success(), "a party finished without party 3");
        let err = String::from_utf8_lossy(&out.stderr);
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
    let config = setup(dir.path());
    let shares = dir.path().join("shares");
    ok(&conclave()
        .args([
            "mpc", "share", "--value", "712", "--value", "-5", "--config",
        ])
        .arg(&config)
        .arg("--out")
        .arg(&shares)
        .output()
        .unwrap());
    for i in 1..=3 {
        let text = std::fs::read_to_string(shares.join(format!("share-p{i}.json"))).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["party"], i);
        assert_eq!(v["shares"].as_array().unwrap().len(), 2);
    }
    // The client's values join the stats computation.
    let children: Vec<Child> = (1..=3)
        .map(|i| {
            let mut cmd = conclave();
            cmd.args([
                "--json",
                "mpc",
                "run",
                "--party",
                &i.to_string(),
                "--config",
            ])
            .arg(&config)
            .arg("--job")
            .arg(dir.path().join("stats.toml"))
            .arg("--input")
            .arg(dir.path().join(format!("bank{i}.csv")))
            .arg("--shares")
            .arg(shares.join(format!("share-p{i}.json")))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
            cmd.spawn().unwrap()
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
