//! Crash safety: a node process is killed with SIGKILL during a stream of appends; after a
//! restart every acknowledged entry is there, unacknowledged ones are fully there or
//! absent, the self-check on open passes and so does the audit.
//!
//! The node runs in a child process: this test binary re-executes itself with
//! `CONCLAVE_CRASH_CHILD` set, so that `child_node` serves the ledger until killed.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use conclave_ledger::client::Client;
use conclave_ledger::entry::{Entry, Party};
use conclave_ledger::keys;
use conclave_ledger::merkle::Hash;
use conclave_ledger::node::{self, NodeConfig};
use conclave_ledger::store::{files, Ledger};
use ed25519_dalek::SigningKey;
use rand_chacha::rand_core::SeedableRng;

const CHILD_ENV: &str = "CONCLAVE_CRASH_CHILD";

/// Not a test on its own: the body of the child process.
#[test]
fn child_node() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let ledger = Arc::new(Ledger::open(&PathBuf::from(dir)).expect("open in child"));
    node::serve_blocking(
        ledger,
        "127.0.0.1:0".parse().unwrap(),
        NodeConfig::default(),
        |addr| {
            println!("LISTENING {addr}");
        },
    )
    .expect("serve");
}

fn party(i: u64) -> Entry {
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&i.to_be_bytes());
    let key = SigningKey::from_bytes(&seed).verifying_key().to_bytes();
    Party::new(key, &format!("party {i}")).unwrap().into()
}

fn start_child(dir: &std::path::Path) -> (std::process::Child, String) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash::child_node",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(CHILD_ENV, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines.next().expect("child exited early").unwrap();
        // libtest prints `test crash::child_node ... ` on the same line first.
        if let Some((_, addr)) = line.split_once("LISTENING ") {
            break format!("http://{addr}");
        }
    };
    // Keep draining the child's stdout so it never blocks.
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

#[test]
fn sigkill_during_appends_loses_no_acknowledged_entry() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("ledger");
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    Ledger::init(&dir, "crash.test/log", &mut rng).unwrap();
    let token = keys::read_operator_token(&dir.join(files::OPERATOR_KEY)).unwrap();

    let (mut child, url) = start_child(&dir);
    let acked: Arc<Mutex<HashMap<u64, (u64, Hash)>>> = Arc::default();
    let attempted: Arc<Mutex<Vec<u64>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for worker in 0..4u64 {
        let (acked, attempted, stop) = (acked.clone(), attempted.clone(), stop.clone());
        let client = Client::new(&url)
            .unwrap()
            .with_operator_token(token.expose());
        workers.push(std::thread::spawn(move || {
            let mut i = worker;
            while !stop.load(Ordering::Relaxed) {
                attempted.lock().unwrap().push(i);
                match client.submit(&party(i)) {
                    Ok(receipt) => {
                        acked
                            .lock()
                            .unwrap()
                            .insert(i, (receipt.index, receipt.leaf_hash));
                    }
                    Err(_) => break, // the node is gone
                }
                i += 4;
            }
        }));
    }
    // Let appends flow, then kill the node mid-stream.
    let started = Instant::now();
    while acked.lock().unwrap().len() < 150 && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let attempted = attempted.lock().unwrap().clone();
    assert!(
        acked.len() >= 150,
        "only {} appends were acknowledged",
        acked.len()
    );

    // A read-only audit cannot recover the file: it says how to.
    let public = keys::read_verifier_key(&dir.join(files::LOG_PUB)).unwrap();
    let error = conclave_ledger::audit::audit_dir(&dir, &public).unwrap_err();
    assert!(
        matches!(error, conclave_ledger::LedgerError::NeedsRecovery { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("open it once for writing"));
    // Restart: the self-check on open must pass.
    let ledger = Ledger::open(&dir).expect("the ledger reopens after SIGKILL");
    let reader = conclave_ledger::audit::audit_dir(&dir, &public)
        .expect("a read-only audit beside the recovered writer");
    assert_eq!(reader.entries, ledger.size());
    for (i, (index, leaf)) in &acked {
        let stored = ledger.entry(*index).expect("acknowledged entry present");
        assert_eq!(
            conclave_ledger::merkle::leaf_hash(&stored.bytes),
            *leaf,
            "entry {i}"
        );
    }
    // Every stored entry is one that was attempted, fully decodable; nothing else.
    let submitted: HashMap<Vec<u8>, u64> = attempted
        .iter()
        .map(|&i| (party(i).to_bytes(), i))
        .collect();
    let mut seen = 0;
    for index in 0..ledger.size() {
        let stored = ledger.entry(index).unwrap();
        assert!(
            submitted.contains_key(&stored.bytes),
            "entry {index} was never submitted"
        );
        seen += 1;
    }
    assert!(seen >= acked.len() && seen <= attempted.len());
    let report = ledger.audit().expect("audit passes after the crash");
    assert_eq!(report.entries, ledger.size());
    // The log keeps working and its new checkpoint extends the old one.
    let before = ledger.checkpoint();
    let receipt = ledger.append(party(1_000_000), true).unwrap();
    assert_eq!(receipt.index, before.size);
    let after = ledger.checkpoint();
    ledger
        .consistency_proof(before.size, after.size)
        .unwrap()
        .verify(&before.root, &after.root)
        .unwrap();
}
