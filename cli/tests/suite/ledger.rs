//! `conclave ledger …` end to end through the real binary: embedded (`--data`) and through a
//! node (`--node`), with exit codes 0 (valid), 1 (invalid proof or check), 2 (bad input).
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use conclave_circuits::groth16::{prove, setup};
use conclave_circuits::{Bounds, Direction, Opening, Statement};
use rand::SeedableRng;
use serde_json::Value;

use crate::common::{code, conclave, json};

/// Writes a verifying key, a valid proof and a forged proof (valid points, wrong statement).
fn zk_files(dir: &Path) {
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
    let data_s = data.to_str().unwrap();
    let d = |p: &str| dir.join(p).to_str().unwrap().to_owned();

    let out = conclave(&[
        "--json",
        "ledger",
        "init",
        "--data",
        data_s,
        "--origin",
        "test.example/log",
    ]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let mode = std::fs::metadata(data.join("operator.key")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(mode.permissions().mode() & 0o777, 0o600);
    }
    // Init twice is refused.
    assert_eq!(
        code(&conclave(&[
            "ledger", "init", "--data", data_s, "--origin", "x"
        ])),
        2
    );

    let out = conclave(&[
        "--json",
        "ledger",
        "register-statement",
        "--vk",
        &d("threshold.vk"),
        "--data",
        data_s,
    ]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let out = conclave(&[
        "--json",
        "ledger",
        "submit",
        &d("proof.json"),
        "--data",
        data_s,
    ]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let receipt = json(&out)["receipt"].clone();
    assert_eq!(receipt["index"], 1);
    assert_eq!(receipt["duplicate"], false);
    // Same proof again: same index.
    let out = conclave(&[
        "--json",
        "ledger",
        "submit",
        &d("proof.json"),
        "--data",
        data_s,
    ]);
    assert_eq!(json(&out)["receipt"]["duplicate"], true);
    // A forged proof: invalid (1); garbage: bad input (2).
    let out = conclave(&[
        "--json",
        "ledger",
        "submit",
        &d("forged.proof"),
        "--data",
        data_s,
    ]);
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stdout));
    // Several files: one batch, one outcome each; the refused one makes the exit code 1.
    let out = conclave(&[
        "--json",
        "ledger",
        "submit",
        &d("proof.json"),
        &d("forged.proof"),
        "--data",
        data_s,
    ]);
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stderr));
    let results = json(&out)["results"].clone();
    assert_eq!(results[0]["receipt"]["index"], 1);
    assert_eq!(results[0]["receipt"]["duplicate"], true);
    assert_eq!(results[1]["code"], "proof_invalid");
    std::fs::write(dir.join("garbage.json"), b"{\"hello\": 1}").unwrap();
    assert_eq!(
        code(&conclave(&[
            "ledger",
            "submit",
            &d("garbage.json"),
            "--data",
            data_s
        ])),
        2
    );

    let out = conclave(&["--json", "ledger", "get", "1", "--data", data_s]);
    assert_eq!(json(&out)["entry"]["kind"], "groth16");
    assert_eq!(
        code(&conclave(&["ledger", "get", "7", "--data", data_s])),
        2
    );
    let out = conclave(&["--json", "ledger", "checkpoint", "--data", data_s]);
    assert_eq!(json(&out)["size"], 2);
    let out = conclave(&["--json", "ledger", "prove-inclusion", "0", "--data", data_s]);
    assert_eq!(json(&out)["proof"]["tree_size"], 2);
    let out = conclave(&[
        "--json",
        "ledger",
        "prove-consistency",
        "1",
        "2",
        "--data",
        data_s,
    ]);
    assert_eq!(json(&out)["proof"]["hashes"].as_array().unwrap().len(), 1);
    assert_eq!(
        code(&conclave(&[
            "ledger",
            "prove-inclusion",
            "5",
            "--data",
            data_s
        ])),
        2
    );

    let log_pub = data.join("log.pub");
    let out = conclave(&[
        "--json",
        "ledger",
        "verify",
        "--entry",
        "1",
        "--log-key",
        log_pub.to_str().unwrap(),
        "--data",
        data_s,
    ]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json(&out)["verified"]["depends_on"], serde_json::json!([0]));
    // Another log's key: the checkpoint signature fails (1).
    let other = dir.join("other");
    conclave(&[
        "ledger",
        "init",
        "--data",
        other.to_str().unwrap(),
        "--origin",
        "test.example/log",
    ]);
    let out = conclave(&[
        "--json",
        "ledger",
        "verify",
        "--entry",
        "1",
        "--log-key",
        other.join("log.pub").to_str().unwrap(),
        "--data",
        data_s,
    ]);
    assert_eq!(code(&out), 1);

    let out = conclave(&["--json", "ledger", "audit", "--data", data_s]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json(&out)["report"]["entries"], 2);
}

struct Node(Child);
impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn node_commands() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    zk_files(dir);
    let data = dir.join("ledger");
    let data_s = data.to_str().unwrap();
    let d = |p: &str| dir.join(p).to_str().unwrap().to_owned();
    assert_eq!(
        code(&conclave(&[
            "ledger",
            "init",
            "--data",
            data_s,
            "--origin",
            "node.example/log"
        ])),
        0
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_conclave"))
        .args([
            "--json",
            "ledger",
            "serve",
            "--data",
            data_s,
            "--listen",
            "127.0.0.1:0",
        ])
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

    // Registering needs the operator credential.
    let out = conclave(&[
        "ledger",
        "register-statement",
        "--vk",
        &d("threshold.vk"),
        "--node",
        &url,
    ]);
    assert_eq!(code(&out), 2);
    let key = data.join("operator.key");
    let out = conclave(&[
        "--json",
        "ledger",
        "register-statement",
        "--vk",
        &d("threshold.vk"),
        "--node",
        &url,
        "--operator-key",
        key.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let out = conclave(&[
        "--json",
        "ledger",
        "submit",
        &d("proof.json"),
        "--node",
        &url,
    ]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        code(&conclave(&[
            "ledger",
            "submit",
            &d("forged.proof"),
            "--node",
            &url
        ])),
        1
    );
    // A batch through the node: new, forged, already anchored.
    let out = conclave(&[
        "--json",
        "ledger",
        "submit",
        &d("second.json"),
        &d("forged.proof"),
        &d("proof.json"),
        "--node",
        &url,
    ]);
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stderr));
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
    let out = conclave(&[
        "--json",
        "ledger",
        "verify",
        "--entry",
        "1",
        "--log-key",
        data.join("log.pub").to_str().unwrap(),
        "--node",
        &url,
    ]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let out = conclave(&["--json", "ledger", "checkpoint", "--node", &url]);
    assert_eq!(json(&out)["size"], 3);
    // The node holds the database: embedded access is refused with a clear error.
    let out = conclave(&["ledger", "get", "0", "--data", data_s]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--node"));
    drop(node);
}
