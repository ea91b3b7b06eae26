//! End-to-end tests of `conclave he …` through the real binary: exit codes 0/1/2 and outputs.

use std::path::Path;
use std::process::Output;

use crate::common::{assert_success, command, json};

/// Runs `conclave` with a private cache directory (the discrete-log table is cached there).
fn conclave(args: &[&str]) -> Output {
    command()
        .args(args)
        .env(
            "XDG_CACHE_HOME",
            std::env::temp_dir().join("conclave-he-cli-test-cache"),
        )
        .output()
        .expect("run conclave")
}

/// Runs `conclave --json args…`, which must succeed, and returns its JSON report.
fn ok(args: &[&str]) -> serde_json::Value {
    let mut full = vec!["--json"];
    full.extend_from_slice(args);
    let out = conclave(&full);
    assert_success(&out);
    json(&out)
}

fn p(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

#[test]
fn threshold_flow_through_the_cli() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    for i in 1..=3 {
        let i_s = i.to_string();
        ok(&[
            "he",
            "trustee-keygen",
            "--round",
            "1",
            "--index",
            &i_s,
            "--trustees",
            "3",
            "--threshold",
            "2",
            "--state",
            &p(d, &format!("t{i}.state")),
            "--out",
            &p(d, &format!("r1-{i}.json")),
        ]);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.join("t1.state"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "state files are secret");
    }
    let r1: Vec<String> = (1..=3).map(|i| p(d, &format!("r1-{i}.json"))).collect();
    for i in 1..=3 {
        let mut args = vec![
            "he".to_string(),
            "trustee-keygen".into(),
            "--round".into(),
            "2".into(),
            "--state".into(),
            p(d, &format!("t{i}.state")),
            "--out".into(),
            p(d, &format!("r2-{i}.json")),
            "--in".into(),
        ];
        args.extend(r1.iter().cloned());
        ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    }
    // Running round 2 again is refused (rounds run once, in order).
    let again = conclave(&[
        "he",
        "trustee-keygen",
        "--round",
        "2",
        "--state",
        &p(d, "t1.state"),
        "--out",
        &p(d, "x.json"),
        "--in",
        &r1[0],
    ]);
    assert_eq!(again.status.code(), Some(2));
    let r2: Vec<String> = (1..=3).map(|i| p(d, &format!("r2-{i}.json"))).collect();
    let mut key_ids = Vec::new();
    for i in 1..=3 {
        let mut args = vec![
            "he".to_string(),
            "trustee-keygen".into(),
            "--round".into(),
            "3".into(),
            "--state".into(),
            p(d, &format!("t{i}.state")),
            "--out".into(),
            p(d, &format!("pk-{i}.json")),
            "--in".into(),
        ];
        args.extend(r2.iter().cloned());
        key_ids.push(ok(&args.iter().map(String::as_str).collect::<Vec<_>>())["key_id"].clone());
    }
    assert!(
        key_ids.windows(2).all(|w| w[0] == w[1]),
        "same joint key for all"
    );
    let pk = p(d, "pk-1.json");
    let values = [1_250u64, 99_000, 7, 123_456];
    for (k, v) in values.iter().enumerate() {
        ok(&[
            "he",
            "encrypt-value",
            "--public-key",
            &pk,
            "--value",
            &v.to_string(),
            "--out",
            &p(d, &format!("c{k}.ct")),
        ]);
    }
    let mut args = vec![
        "he".to_string(),
        "aggregate".into(),
        "--public-key".into(),
        pk.clone(),
        "--out".into(),
        p(d, "total.ct"),
        "--input".into(),
    ];
    args.extend((0..values.len()).map(|k| p(d, &format!("c{k}.ct"))));
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    for i in [1, 3] {
        ok(&[
            "he",
            "partial-decrypt",
            "--state",
            &p(d, &format!("t{i}.state")),
            "--input",
            &p(d, "total.ct"),
            "--out",
            &p(d, &format!("pd{i}.json")),
        ]);
    }
    // Trustee 2 forges: trustee 1's share relabelled as its own.
    let pd1 = std::fs::read_to_string(d.join("pd1.json")).expect("pd1");
    std::fs::write(
        d.join("pd2.json"),
        pd1.replace("\"trustee\": 1", "\"trustee\": 2"),
    )
    .expect("write");
    let table = p(d, "dlog-12.bin");
    let combined = ok(&[
        "he",
        "combine",
        "--public-key",
        &pk,
        "--input",
        &p(d, "total.ct"),
        "--partials",
        &p(d, "pd2.json"),
        &p(d, "pd1.json"),
        &p(d, "pd3.json"),
        "--state",
        &p(d, "t1.state"),
        "--out",
        &p(d, "result.json"),
        "--table",
        &table,
        "--table-bits",
        "12",
        "--range-bits",
        "24",
    ]);
    assert_eq!(combined["total"], values.iter().sum::<u64>());
    assert_eq!(combined["rejected"][0]["trustee"], 2);
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("result.json")).expect("record"))
            .expect("json");
    assert_eq!(record["kind"], "conclave.result");
    // With only the forgery and one honest share: exit 1, trustee 2 named.
    let short = conclave(&[
        "he",
        "combine",
        "--public-key",
        &pk,
        "--input",
        &p(d, "total.ct"),
        "--partials",
        &p(d, "pd2.json"),
        &p(d, "pd1.json"),
        "--state",
        &p(d, "t1.state"),
        "--out",
        &p(d, "r2.json"),
        "--table",
        &table,
        "--table-bits",
        "12",
    ]);
    assert_eq!(short.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&short.stdout).contains('2'));
    // Bad input: truncated ciphertext, exit 2 naming the file.
    let ct = std::fs::read(d.join("c0.ct")).expect("ct");
    std::fs::write(d.join("bad.ct"), &ct[..ct.len() / 2]).expect("write");
    let bad = conclave(&[
        "he",
        "partial-decrypt",
        "--state",
        &p(d, "t1.state"),
        "--input",
        &p(d, "bad.ct"),
        "--out",
        &p(d, "x.json"),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("bad.ct"));
}

#[cfg(feature = "tfhe")]
#[test]
fn tfhe_flow_through_the_cli() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let alice: std::path::PathBuf = d.join("alice");
    ok(&["he", "keygen", "--out", &alice.display().to_string()]);
    let ck = p(&alice, "client.key");
    let sk = p(&alice, "server.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&ck).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "client key is secret");
    }
    std::fs::write(
        d.join("features.json"),
        r#"{"version":1,"kind":"conclave.he.features","bits":8,"values":[200,31]}"#,
    )
    .expect("write");
    std::fs::write(d.join("model.json"), r#"{"version":1,"kind":"conclave.he.linear-model","feature_bits":8,"score_bits":16,"weights":[4,9],"bias":20,"threshold":1000}"#).expect("write");
    ok(&[
        "he",
        "encrypt",
        "--key",
        &ck,
        "--features",
        &p(d, "features.json"),
        "--out",
        &p(d, "features.ct"),
    ]);
    ok(&[
        "he",
        "score",
        "--server-key",
        &sk,
        "--model",
        &p(d, "model.json"),
        "--input",
        &p(d, "features.ct"),
        "--out",
        &p(d, "result.ct"),
    ]);
    let out = ok(&["he", "decrypt", "--key", &ck, "--input", &p(d, "result.ct")]);
    assert_eq!(out["score"], 4 * 200 + 9 * 31 + 20);
    assert_eq!(out["approved"], true);
    // Overflowing model: exit 2 with a clear message.
    std::fs::write(d.join("big.json"), r#"{"version":1,"kind":"conclave.he.linear-model","feature_bits":8,"score_bits":8,"weights":[4,9],"bias":20,"threshold":10}"#).expect("write");
    let bad = conclave(&[
        "he",
        "score",
        "--server-key",
        &sk,
        "--model",
        &p(d, "big.json"),
        "--input",
        &p(d, "features.ct"),
        "--out",
        &p(d, "x.ct"),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("overflow"));
    // Truncated ciphertext: exit 2.
    let ct = std::fs::read(d.join("features.ct")).expect("ct");
    std::fs::write(d.join("cut.ct"), &ct[..ct.len() - 10]).expect("write");
    let bad = conclave(&[
        "he",
        "score",
        "--server-key",
        &sk,
        "--model",
        &p(d, "model.json"),
        "--input",
        &p(d, "cut.ct"),
        "--out",
        &p(d, "x.ct"),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    // A world-readable client key is refused.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&ck, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let bad = conclave(&["he", "decrypt", "--key", &ck, "--input", &p(d, "result.ct")]);
        assert_eq!(bad.status.code(), Some(2));
    }
}
