//! `conclave ledger …` end to end through the real binary: embedded (`--data`) and through a
//! node (`--node`), with exit codes 0 (valid), 1 (invalid proof or check), 2 (bad input).
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};

use conclave_circuits::groth16::{prove, setup};
use conclave_circuits::{Bounds, Direction, Opening, Statement};
use rand::SeedableRng;
use serde_json::Value;

use crate::common::{command, expect, json, refused};

/// Writes a verifying key, a valid proof and a forged proof (valid points, wrong statement).
pub(crate) fn zk_files(dir: &Path) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let shape = Statement::threshold(32, Direction::AtLeast).unwrap();
    let (pk, vk) = setup(shape, &mut rng).unwrap();
    let opening = Opening::random(720, &mut rng);
    let good = prove(&pk, &opening, Bounds::Threshold(650), &mut rng).unwrap();
    let other = prove(&pk, &opening, Bounds::Threshold(600), &mut rng).unwrap();
    std::fs::write(dir.join("threshold.vk"), vk.to_bytes()).unwrap();
    std::fs::write(dir.join("proof.json"), good.to_json()).unwrap();
    let second = prove(
        &pk,
        &Opening::random(700, &mut rng),
        Bounds::Threshold(650),
        &mut rng,
    );
    std::fs::write(dir.join("second.json"), second.unwrap().to_json()).unwrap();
    // The 650 claim with the group elements of the 600 proof: decodes, does not verify.
    let (a, b) = (good.to_bytes(), other.to_bytes());
    let mut forged = a[..a.len() - 128].to_vec();
    forged.extend_from_slice(&b[b.len() - 128..]);
    std::fs::write(dir.join("forged.proof"), forged).unwrap();
}

#[test]
fn embedded_ledger_commands() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    zk_files(dir);
    let data = dir.join("ledger");

    expect(
        dir,
        0,
        "--json ledger init --data ledger --origin test.example/log",
    );
    let mode = std::fs::metadata(data.join("operator.key")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(mode.permissions().mode() & 0o777, 0o600);
    }
    // Init twice is refused.
    expect(dir, 2, "ledger init --data ledger --origin x");

    expect(
        dir,
        0,
        "--json ledger register-statement --vk threshold.vk --data ledger",
    );
    let submit = "--json ledger submit --data ledger";
    let out = expect(dir, 0, &format!("{submit} proof.json"));
    let receipt = json(&out)["receipt"].clone();
    assert_eq!(receipt["index"], 1);
    assert_eq!(receipt["duplicate"], false);
    // Same proof again: same index.
    let out = expect(dir, 0, &format!("{submit} proof.json"));
    assert_eq!(json(&out)["receipt"]["duplicate"], true);
    // A forged proof: invalid (1); garbage: bad input (2).
    expect(dir, 1, &format!("{submit} forged.proof"));
    // Several files: one batch, one outcome each; the refused one makes the exit code 1.
    let out = expect(dir, 1, &format!("{submit} proof.json forged.proof"));
    let results = json(&out)["results"].clone();
    assert_eq!(results[0]["receipt"]["index"], 1);
    assert_eq!(results[0]["receipt"]["duplicate"], true);
    assert_eq!(results[1]["code"], "proof_invalid");
    std::fs::write(dir.join("garbage.json"), b"{\"hello\": 1}").unwrap();
    expect(dir, 2, "ledger submit garbage.json --data ledger");

    let out = expect(dir, 0, "--json ledger get 1 --data ledger");
    assert_eq!(json(&out)["entry"]["kind"], "groth16");
    expect(dir, 2, "ledger get 7 --data ledger");
    let out = expect(dir, 0, "--json ledger checkpoint --data ledger");
    assert_eq!(json(&out)["size"], 2);
    let out = expect(dir, 0, "--json ledger prove-inclusion 0 --data ledger");
    assert_eq!(json(&out)["proof"]["tree_size"], 2);
    let out = expect(dir, 0, "--json ledger prove-consistency 1 2 --data ledger");
    assert_eq!(json(&out)["proof"]["hashes"].as_array().unwrap().len(), 1);
    expect(dir, 2, "ledger prove-inclusion 5 --data ledger");

    let verify = "--json ledger verify --entry 1 --data ledger --log-key";
    let out = expect(dir, 0, &format!("{verify} ledger/log.pub"));
    assert_eq!(json(&out)["verified"]["depends_on"], serde_json::json!([0]));
    // Another log's key: the checkpoint signature fails (1).
    expect(dir, 0, "ledger init --data other --origin test.example/log");
    expect(dir, 1, &format!("{verify} other/log.pub"));

    let out = expect(dir, 0, "--json ledger audit --data ledger");
    assert_eq!(json(&out)["report"]["entries"], 2);
}

/// A running `ledger serve`, killed when dropped.
pub struct Node(Child);
impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `conclave ledger serve --data ledger` in `dir` on a free loopback port; returns
/// the running process and its URL.
pub fn serve(dir: &Path) -> (Node, String) {
    let mut child = command()
        .current_dir(dir)
        .args(["--json", "ledger", "serve", "--data", "ledger"])
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let node = Node(child);
    let url = serde_json::from_str::<Value>(&line).unwrap()["listening"]
        .as_str()
        .unwrap()
        .to_owned();
    (node, url)
}

#[test]
fn node_commands() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    zk_files(dir);
    expect(
        dir,
        0,
        "ledger init --data ledger --origin node.example/log",
    );
    let (node, url) = serve(dir);

    // Registering needs the operator credential.
    let register = format!("ledger register-statement --vk threshold.vk --node {url}");
    expect(dir, 2, &register);
    expect(
        dir,
        0,
        &format!("--json {register} --operator-key ledger/operator.key"),
    );
    let submit = format!("--json ledger submit --node {url}");
    expect(dir, 0, &format!("{submit} proof.json"));
    expect(dir, 1, &format!("{submit} forged.proof"));
    // A batch through the node: new, forged, already anchored.
    let out = expect(
        dir,
        1,
        &format!("{submit} second.json forged.proof proof.json"),
    );
    let results = json(&out)["results"].clone();
    assert_eq!(
        (
            &results[0]["receipt"]["index"],
            &results[0]["receipt"]["duplicate"]
        ),
        (&Value::from(2), &Value::from(false))
    );
    assert_eq!(results[1]["code"], "proof_invalid");
    assert_eq!(results[2]["receipt"]["index"], 1);
    expect(
        dir,
        0,
        &format!("--json ledger verify --entry 1 --log-key ledger/log.pub --node {url}"),
    );
    let out = expect(dir, 0, &format!("--json ledger checkpoint --node {url}"));
    assert_eq!(json(&out)["size"], 3);
    // The node holds the database: embedded access is refused with a clear error.
    refused(dir, "ledger get 0 --data ledger", "--node");
    drop(node);
}

#[test]
fn audit_while_serving_with_only_the_public_key() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    zk_files(dir);
    expect(
        dir,
        0,
        "ledger init --data ledger --origin audit.example/log",
    );
    expect(
        dir,
        0,
        "ledger init --data other --origin audit.example/log",
    );
    expect(
        dir,
        0,
        "ledger register-statement --vk threshold.vk --data ledger",
    );
    expect(dir, 0, "ledger submit proof.json --data ledger");
    // The outside auditor has the published key and nothing else of the log.
    std::fs::create_dir(dir.join("auditor")).unwrap();
    std::fs::copy(dir.join("ledger/log.pub"), dir.join("auditor/log.pub")).unwrap();

    let (node, url) = serve(dir);
    // More entries arrive through the node while it serves.
    expect(dir, 0, &format!("ledger submit second.json --node {url}"));

    // The directory, read-only, while the node holds it.
    let audit = "--json ledger audit --data ledger --log-key";
    let out = expect(dir, 0, &format!("{audit} auditor/log.pub"));
    assert_eq!(json(&out)["valid"], true);
    assert_eq!(json(&out)["report"]["entries"], 3);
    assert_eq!(json(&out)["report"]["kinds"]["groth16"], 2);
    // Without --log-key: the directory's own log.pub.
    let out = expect(dir, 0, "--json ledger audit --data ledger");
    assert_eq!(json(&out)["report"]["entries"], 3);
    // Through the node.
    let remote = format!("--json ledger audit --node {url} --log-key");
    let out = expect(dir, 0, &format!("{remote} auditor/log.pub"));
    assert_eq!(json(&out)["valid"], true);
    assert_eq!(json(&out)["report"]["entries"], 3);
    assert_eq!(
        json(&out)["report"]["root"],
        json(&expect(
            dir,
            0,
            &format!("--json ledger checkpoint --node {url}")
        ))["root"]
    );

    // Another log's key (same origin): INVALID (1), saying which key failed.
    for line in [
        format!("{audit} other/log.pub"),
        format!("{remote} other/log.pub"),
    ] {
        let out = expect(dir, 1, &line);
        let report = json(&out);
        assert_eq!(report["valid"], false);
        assert_eq!(report["code"], "checkpoint_invalid");
        let error = report["error"].as_str().unwrap();
        assert!(
            error.contains("not signed by the key audit.example/log+"),
            "{error}"
        );
        assert!(error.contains("log.pub"), "{error}");
    }
    let out = expect(dir, 1, "ledger audit --data ledger --log-key other/log.pub");
    assert!(crate::common::stdout(&out).contains("INVALID"));
    // Through a node, the key is required (never taken from the node audited).
    refused(dir, &format!("ledger audit --node {url}"), "--log-key");
    // A key file that is not a key, or far too large.
    refused(
        dir,
        &format!("ledger audit --node {url} --log-key proof.json"),
        "not a log verifier key",
    );
    #[cfg(unix)]
    refused(
        dir,
        &format!("ledger audit --node {url} --log-key /dev/zero"),
        "above the limit",
    );
    // verify's --json carries "valid" both ways.
    let verify = format!("--json ledger verify --entry 1 --node {url} --log-key");
    let out = expect(dir, 0, &format!("{verify} auditor/log.pub"));
    assert_eq!(json(&out)["valid"], true);
    let out = expect(dir, 1, &format!("{verify} other/log.pub"));
    assert_eq!(json(&out)["valid"], false);
    drop(node);
}

#[test]
fn a_silent_node_times_out_with_the_time_said() {
    let temp = tempfile::tempdir().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    // Accepts and never answers.
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(2).collect();
        std::thread::sleep(std::time::Duration::from_secs(30));
        drop(held);
    });
    let start = std::time::Instant::now();
    refused(
        temp.path(),
        &format!("ledger checkpoint --node {url} --timeout 1"),
        "timed out after 1 s",
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
    refused(
        temp.path(),
        &format!("ledger checkpoint --node {url} --timeout 0"),
        "--timeout",
    );
}
