//! The outside audit: with only the log's public key, a directory is audited read-only
//! while the log is open for writing (and sees its later commits), a node is audited over
//! HTTP, and a wrong key or a log that does not match its checkpoint is refused.

use std::sync::Arc;

use conclave_ledger::audit::{audit_dir, audit_entries, audit_node};
use conclave_ledger::client::Client;
use conclave_ledger::entry::{Entry, Party};
use conclave_ledger::keys;
use conclave_ledger::node::{BackgroundNode, NodeConfig};
use conclave_ledger::note::NoteSigner;
use conclave_ledger::store::{files, Ledger};
use conclave_ledger::{AuditFinding, LedgerError};
use ed25519_dalek::SigningKey;
use rand_chacha::rand_core::SeedableRng;

fn party(i: u8) -> Entry {
    let key = SigningKey::from_bytes(&[i; 32]).verifying_key().to_bytes();
    Party::new(key, &format!("party {i}")).unwrap().into()
}

#[test]
fn a_directory_is_audited_read_only_while_its_log_is_open_for_writing() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("ledger");
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(21);
    Ledger::init(&dir, "audit.test/log", &mut rng).unwrap();
    // The auditor holds only the public key.
    let public = keys::read_verifier_key(&dir.join(files::LOG_PUB)).unwrap();
    let ledger = Arc::new(Ledger::open(&dir).unwrap());
    for i in 1..=3 {
        ledger.append(party(i), true).unwrap();
    }
    let report = audit_dir(&dir, &public).unwrap();
    assert_eq!(report.entries, 3);
    assert_eq!(report.kinds["party"], 3);
    assert_eq!(report.root, ledger.checkpoint().root);
    assert_eq!(report.origin, "audit.test/log");
    // Later commits are seen by the next audit.
    ledger.append(party(4), true).unwrap();
    assert_eq!(audit_dir(&dir, &public).unwrap().entries, 4);

    // Through a node on the same log.
    let node = BackgroundNode::start(
        Arc::clone(&ledger),
        "127.0.0.1:0".parse().unwrap(),
        NodeConfig::default(),
    )
    .unwrap();
    let client = Client::new(&node.url()).unwrap();
    let remote = audit_node(&client, &public).unwrap();
    assert_eq!((remote.entries, remote.root), (4, ledger.checkpoint().root));

    // Another log's key (same origin): refused before any entry is read, naming the key.
    let other = NoteSigner::generate("audit.test/log", &mut rng)
        .unwrap()
        .verifier();
    for error in [
        audit_dir(&dir, &other).unwrap_err(),
        audit_node(&client, &other).unwrap_err(),
    ] {
        assert!(matches!(error, LedgerError::Checkpoint { .. }), "{error:?}");
        assert!(error.is_rejection());
        assert!(error.to_string().contains("log.pub"), "{error}");
    }
    // No ledger at all.
    assert!(matches!(
        audit_dir(&temp.path().join("none"), &public),
        Err(LedgerError::NotInitialized { .. })
    ));
}

#[test]
fn entries_that_do_not_match_the_checkpoint_fail_the_audit() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("ledger");
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(22);
    Ledger::init(&dir, "audit.test/log", &mut rng).unwrap();
    let ledger = Ledger::open(&dir).unwrap();
    for i in 1..=3 {
        ledger.append(party(i), true).unwrap();
    }
    let note = ledger.checkpoint().note;
    let verifier = ledger.verifier();
    let bytes: Vec<Vec<u8>> = (0..3).map(|i| ledger.entry_bytes(i).unwrap()).collect();
    let audit = |entries: Vec<(u64, Vec<u8>)>| {
        audit_entries("test", &note, &verifier, entries.into_iter().map(Ok))
    };
    let all: Vec<(u64, Vec<u8>)> = bytes
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, b)| (i as u64, b))
        .collect();
    assert_eq!(audit(all.clone()).unwrap().entries, 3);
    type Probe = (&'static str, Vec<(u64, Vec<u8>)>, fn(&AuditFinding) -> bool);
    let probes: Vec<Probe> = vec![
        ("missing last", all[..2].to_vec(), |f| {
            matches!(
                f,
                AuditFinding::Short {
                    signed: 3,
                    found: 2
                }
            )
        }),
        (
            "missing middle",
            vec![all[0].clone(), all[2].clone()],
            |f| {
                matches!(
                    f,
                    AuditFinding::Missing {
                        expected: 1,
                        found: 2
                    }
                )
            },
        ),
        (
            "swapped",
            vec![(0, bytes[1].clone()), (1, bytes[0].clone()), all[2].clone()],
            |f| matches!(f, AuditFinding::RootMismatch),
        ),
        (
            "replaced",
            vec![all[0].clone(), all[1].clone(), (2, party(9).to_bytes())],
            |f| matches!(f, AuditFinding::RootMismatch),
        ),
        (
            "garbage",
            vec![all[0].clone(), all[1].clone(), (2, vec![1, 99, 0])],
            |f| matches!(f, AuditFinding::Undecodable { index: 2, .. }),
        ),
    ];
    for (name, entries, expected) in probes {
        let error = audit(entries).unwrap_err();
        match &error {
            LedgerError::AuditFailed { finding, .. } => {
                assert!(expected(finding), "{name}: {finding:?}")
            }
            other => panic!("{name}: {other:?}"),
        }
        assert_eq!(error.code(), "audit_failed", "{name}");
        assert!(error.is_rejection(), "{name}");
    }
    // A tampered checkpoint does not verify.
    let tampered = note.replacen("\n3\n", "\n2\n", 1);
    let error = audit_entries("test", &tampered, &verifier, all.into_iter().map(Ok)).unwrap_err();
    assert_eq!(error.code(), "checkpoint_invalid");
}

#[test]
fn audits_during_appends_each_see_one_consistent_snapshot() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("ledger");
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(23);
    Ledger::init(&dir, "audit.test/log", &mut rng).unwrap();
    let public = keys::read_verifier_key(&dir.join(files::LOG_PUB)).unwrap();
    let ledger = Arc::new(Ledger::open(&dir).unwrap());
    let writer = {
        let ledger = Arc::clone(&ledger);
        std::thread::spawn(move || {
            for i in 1..=60u8 {
                ledger.append(party(i), true).unwrap();
            }
        })
    };
    let mut seen = Vec::new();
    while !writer.is_finished() {
        seen.push(audit_dir(&dir, &public).unwrap().entries);
    }
    writer.join().unwrap();
    seen.push(audit_dir(&dir, &public).unwrap().entries);
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert_eq!(seen.last(), Some(&60));
}
