//! End-to-end tests of `conclave he …` through the real binary: exit codes 0/1/2 and
//! outputs. Every test works in its own temporary directory with relative file names.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::common::{command, expect_from, json, stderr, stdout};

/// `conclave` with a private cache directory (the discrete-log table is cached there).
fn cached() -> Command {
    let mut command = command();
    command.env(
        "XDG_CACHE_HOME",
        std::env::temp_dir().join("conclave-he-cli-test-cache"),
    );
    command
}

/// Runs the words of `line` in `dir` with the private cache; the exit code must be `want`.
fn he(dir: &Path, want: i32, line: &str) -> Output {
    expect_from(cached(), dir, want, line)
}

/// Runs `conclave --json line` in `dir`, which must succeed, and returns its JSON report.
fn ok(dir: &Path, line: &str) -> Value {
    json(&he(dir, 0, &format!("--json {line}")))
}

/// `prefix-1.json prefix-2.json …` for `range` (file lists for `--in`/`--input`).
fn files(prefix: &str, range: impl Iterator<Item = usize>, suffix: &str) -> String {
    range
        .map(|i| format!("{prefix}{i}{suffix}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn threshold_flow_through_the_cli() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    for i in 1..=3 {
        ok(
            d,
            &format!(
                "he trustee-keygen --round 1 --index {i} --trustees 3 --threshold 2 \
                 --state t{i}.state --out r1-{i}.json"
            ),
        );
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
    let r1 = files("r1-", 1..=3, ".json");
    // Round 3 before round 2 is refused, and round 1 never replaces a state, not even
    // with --force; the state is untouched.
    let state_before = std::fs::read(d.join("t1.state")).expect("state");
    let early = he(
        d,
        2,
        &format!("he trustee-keygen --round 3 --state t1.state --out pk-x.json --in {r1}"),
    );
    assert!(
        stderr(&early).contains("next round for this state is 2"),
        "{}",
        stderr(&early)
    );
    let again = he(
        d,
        2,
        "--force he trustee-keygen --round 1 --index 1 --trustees 3 --threshold 2 \
         --state t1.state --out r1-again.json",
    );
    assert!(
        stderr(&again).contains("t1.state: already holds a trustee state"),
        "{}",
        stderr(&again)
    );
    assert_eq!(
        std::fs::read(d.join("t1.state")).expect("state"),
        state_before
    );
    assert!(!d.join("pk-x.json").exists() && !d.join("r1-again.json").exists());
    for i in 1..=3 {
        ok(
            d,
            &format!("he trustee-keygen --round 2 --state t{i}.state --out r2-{i}.json --in {r1}"),
        );
    }
    // Running round 2 again is refused (rounds run once, in order).
    he(
        d,
        2,
        "he trustee-keygen --round 2 --state t1.state --out x.json --in r1-1.json",
    );
    let r2 = files("r2-", 1..=3, ".json");
    let key_ids: Vec<Value> = (1..=3)
        .map(|i| {
            ok(
                d,
                &format!(
                    "he trustee-keygen --round 3 --state t{i}.state --out pk-{i}.json --in {r2}"
                ),
            )["key_id"]
                .clone()
        })
        .collect();
    assert!(
        key_ids.windows(2).all(|w| w[0] == w[1]),
        "same joint key for all"
    );
    // A finished state refuses every round, round 1 included (it holds the key share).
    let finished = std::fs::read(d.join("t1.state")).expect("state");
    for line in [
        format!("he trustee-keygen --round 3 --state t1.state --out pk-y.json --in {r2}"),
        "--force he trustee-keygen --round 1 --index 1 --trustees 3 --threshold 2 \
         --state t1.state --out r1-y.json"
            .to_owned(),
    ] {
        let refused = he(d, 2, &line);
        assert!(
            stderr(&refused).contains("already finished"),
            "{line}: {}",
            stderr(&refused)
        );
    }
    assert_eq!(std::fs::read(d.join("t1.state")).expect("state"), finished);
    let values = [1_250u64, 99_000, 7, 123_456];
    for (k, v) in values.iter().enumerate() {
        ok(
            d,
            &format!("he encrypt-value --public-key pk-1.json --value {v} --out c{k}.ct"),
        );
    }
    let cts = files("c", 0..values.len(), ".ct");
    ok(
        d,
        &format!("he aggregate --public-key pk-1.json --out total.ct --input {cts}"),
    );
    for i in [1, 3] {
        ok(
            d,
            &format!("he partial-decrypt --state t{i}.state --input total.ct --out pd{i}.json"),
        );
    }
    // Trustee 2 forges: trustee 1's share relabelled as its own.
    let pd1 = std::fs::read_to_string(d.join("pd1.json")).expect("pd1");
    std::fs::write(
        d.join("pd2.json"),
        pd1.replace("\"trustee\": 1", "\"trustee\": 2"),
    )
    .expect("write");
    let combine = "he combine --public-key pk-1.json --input total.ct --state t1.state \
                   --table dlog-12.bin --table-bits 12";
    let combined = ok(
        d,
        &format!(
            "{combine} --partials pd2.json pd1.json pd3.json --out result.json --range-bits 24"
        ),
    );
    assert_eq!(combined["total"], values.iter().sum::<u64>());
    assert_eq!(combined["valid"], true);
    assert_eq!(combined["rejected"][0]["trustee"], 2);
    let record: Value =
        serde_json::from_slice(&std::fs::read(d.join("result.json")).expect("record"))
            .expect("json");
    assert_eq!(record["kind"], "conclave.result");
    // With only the forgery and one honest share: exit 1, trustee 2 named.
    let short = he(
        d,
        1,
        &format!("{combine} --partials pd2.json pd1.json --out r2.json"),
    );
    assert!(stdout(&short).contains('2'));
    // Bad input: truncated ciphertext, exit 2 naming the file.
    let ct = std::fs::read(d.join("c0.ct")).expect("ct");
    std::fs::write(d.join("bad.ct"), &ct[..ct.len() / 2]).expect("write");
    let bad = he(
        d,
        2,
        "he partial-decrypt --state t1.state --input bad.ct --out x.json",
    );
    assert!(stderr(&bad).contains("bad.ct"));
    // The state is an input: not even --force writes a partial decryption over it.
    let clobber = he(
        d,
        2,
        "--force he partial-decrypt --state t1.state --input total.ct --out t1.state",
    );
    assert!(
        stderr(&clobber).contains("t1.state: is also an input"),
        "{}",
        stderr(&clobber)
    );
    assert_eq!(std::fs::read(d.join("t1.state")).expect("state"), finished);
    // Secret values from stdin or a file, not only the command line.
    std::fs::write(d.join("v.txt"), "5\n").expect("write");
    ok(
        d,
        "he encrypt-value --public-key pk-1.json --value-file v.txt --out five.ct",
    );
}

#[test]
fn tfhe_flow_through_the_cli() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ok(d, "he keygen --out alice");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.join("alice/client.key"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "client key is secret");
    }
    std::fs::write(
        d.join("features.json"),
        r#"{"version":1,"kind":"conclave.he.features","bits":8,"values":[200,31]}"#,
    )
    .expect("write");
    std::fs::write(d.join("model.json"), r#"{"version":1,"kind":"conclave.he.linear-model","feature_bits":8,"score_bits":16,"weights":[4,9],"bias":20,"threshold":1000}"#).expect("write");
    ok(
        d,
        "he encrypt --key alice/client.key --features features.json --out features.ct",
    );
    let score = "he score --server-key alice/server.key";
    ok(
        d,
        &format!("{score} --model model.json --input features.ct --out result.ct"),
    );
    let out = ok(d, "he decrypt --key alice/client.key --input result.ct");
    assert_eq!(out["score"], 4 * 200 + 9 * 31 + 20);
    assert_eq!(out["approved"], true);
    // Overflowing model: exit 2 with a clear message.
    std::fs::write(d.join("big.json"), r#"{"version":1,"kind":"conclave.he.linear-model","feature_bits":8,"score_bits":8,"weights":[4,9],"bias":20,"threshold":10}"#).expect("write");
    let bad = he(
        d,
        2,
        &format!("{score} --model big.json --input features.ct --out x.ct"),
    );
    assert!(stderr(&bad).contains("overflow"));
    // Truncated ciphertext: exit 2.
    let ct = std::fs::read(d.join("features.ct")).expect("ct");
    std::fs::write(d.join("cut.ct"), &ct[..ct.len() - 10]).expect("write");
    he(
        d,
        2,
        &format!("{score} --model model.json --input cut.ct --out x.ct"),
    );
    // A world-readable client key is refused.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            d.join("alice/client.key"),
            std::fs::Permissions::from_mode(0o644),
        )
        .expect("chmod");
        he(d, 2, "he decrypt --key alice/client.key --input result.ct");
    }
}
