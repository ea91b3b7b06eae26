//! The HTTP node against bad input: each refusal has its stable code, and the log is unchanged.

use std::sync::Arc;

use conclave_ledger::client::Client;
use conclave_ledger::entry::{Entry, Party, ResultRecord};
use conclave_ledger::keys;
use conclave_ledger::node::{BackgroundNode, NodeConfig};
use conclave_ledger::store::{files, Ledger};
use conclave_ledger::verify::verify_entry;
use conclave_ledger::LedgerError;
use ed25519_dalek::{Signer, SigningKey};
use rand_chacha::rand_core::SeedableRng;
use serde_json::{json, Value};

struct Fixture {
    _temp: tempfile::TempDir,
    node: BackgroundNode,
    ledger: Arc<Ledger>,
    operator: Client,
    public: Client,
}

fn fixture() -> Fixture {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("ledger");
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    Ledger::init(&dir, "http.test/log", &mut rng).unwrap();
    let token = keys::read_operator_token(&dir.join(files::OPERATOR_KEY)).unwrap();
    let ledger = Arc::new(Ledger::open(&dir).unwrap());
    let config = NodeConfig {
        max_body: 64 * 1024,
        ..NodeConfig::default()
    };
    let node =
        BackgroundNode::start(ledger.clone(), "127.0.0.1:0".parse().unwrap(), config).unwrap();
    let operator = Client::new(&node.url())
        .unwrap()
        .with_operator_token(token.expose());
    let public = Client::new(&node.url()).unwrap();
    Fixture {
        _temp: temp,
        node,
        ledger,
        operator,
        public,
    }
}

fn code(result: Result<impl std::fmt::Debug, LedgerError>) -> String {
    match result {
        Err(LedgerError::Remote { code, .. }) => code,
        other => panic!("expected a node error, got {other:?}"),
    }
}

fn key(i: u8) -> SigningKey {
    SigningKey::from_bytes(&[i; 32])
}

fn record(parties: &[&SigningKey], signers: &[&SigningKey], outputs: Value) -> Value {
    let body = json!({
        "computation_id": "11".repeat(32),
        "description": "average score",
        "input_commitments": ["22".repeat(32)],
        "outputs": outputs,
        "parties": parties.iter().map(|k| hex::encode(k.verifying_key().as_bytes())).collect::<Vec<_>>(),
    })
    .to_string();
    let message = conclave_ledger::entry::result::signing_message(&body);
    json!({
        "version": 1, "kind": "conclave.result", "body": body,
        "signatures": signers.iter().map(|k| json!({
            "public_key": hex::encode(k.verifying_key().as_bytes()),
            "signature": hex::encode(k.sign(&message).to_bytes()),
        })).collect::<Vec<_>>(),
    })
}

fn result_entry(record: &Value) -> Entry {
    ResultRecord::from_record_json(record).unwrap().into()
}

#[test]
fn bad_input_is_refused_with_stable_codes_and_the_log_is_unchanged() {
    let f = fixture();
    let (a, b) = (key(1), key(2));
    for k in [&a, &b] {
        let party = Party::new(k.verifying_key().to_bytes(), "bank").unwrap();
        f.operator.submit(&party.into()).unwrap();
    }
    let good = record(&[&a, &b], &[&a, &b], json!({"mean": 700}));
    let receipt = f.public.submit(&result_entry(&good)).unwrap();
    assert_eq!(receipt.index, 2);
    let before = f.ledger.checkpoint();

    // Malformed JSON, wrong version, unknown kind, missing fields.
    assert_eq!(
        code(f.public.submit_raw(b"{not json".to_vec())),
        "malformed_json"
    );
    assert_eq!(code(f.public.submit_raw(b"[1,2]".to_vec())), "malformed");
    assert_eq!(
        code(
            f.public
                .submit_raw(br#"{"version":2,"kind":"party"}"#.to_vec())
        ),
        "unsupported_version"
    );
    assert_eq!(
        code(f.public.submit_raw(br#"{"kind":"teapot"}"#.to_vec())),
        "unknown_kind"
    );
    assert_eq!(
        code(f.public.submit_raw(br#"{"kind":"result"}"#.to_vec())),
        "malformed"
    );
    // Oversized body.
    let huge = format!(r#"{{"kind":"party","name":"{}"}}"#, "x".repeat(100 * 1024));
    assert_eq!(
        code(f.public.submit_raw(huge.into_bytes())),
        "body_too_large"
    );
    // Registering without / with a wrong credential.
    let party = Entry::from(Party::new(key(3).verifying_key().to_bytes(), "c").unwrap());
    assert_eq!(code(f.public.submit(&party)), "unauthorized");
    let wrong = Client::new(&f.node.url())
        .unwrap()
        .with_operator_token(&"00".repeat(32));
    assert_eq!(code(wrong.submit(&party)), "unauthorized");
    // Forged, missing and extra signatures; unregistered party; changed body.
    let mut forged = good.clone();
    let sig = forged["signatures"][0]["signature"]
        .as_str()
        .unwrap()
        .to_owned();
    let flipped = format!(
        "{}{}",
        if sig.starts_with('0') { "1" } else { "0" },
        &sig[1..]
    );
    forged["signatures"][0]["signature"] = json!(flipped);
    assert_eq!(
        code(f.public.submit(&result_entry(&forged))),
        "signature_invalid"
    );
    let missing = record(&[&a, &b], &[&a], json!({"mean": 701}));
    assert_eq!(
        code(f.public.submit(&result_entry(&missing))),
        "signature_invalid"
    );
    let extra = record(&[&a], &[&a, &b], json!({"mean": 702}));
    assert_eq!(
        code(f.public.submit(&result_entry(&extra))),
        "signature_invalid"
    );
    let c = key(3);
    let unregistered = record(&[&a, &c], &[&a, &c], json!({"mean": 703}));
    assert_eq!(
        code(f.public.submit(&result_entry(&unregistered))),
        "unknown_party"
    );
    let mut changed = good.clone();
    changed["body"] = json!(good["body"].as_str().unwrap().replace("700", "999"));
    assert_eq!(
        code(f.public.submit(&result_entry(&changed))),
        "signature_invalid"
    );
    // Requests past the tree.
    assert_eq!(code(f.public.inclusion_proof(3, 3)), "out_of_range");
    assert_eq!(code(f.public.inclusion_proof(0, 4)), "out_of_range");
    assert_eq!(code(f.public.consistency_proof(2, 4)), "out_of_range");
    assert_eq!(code(f.public.consistency_proof(3, 2)), "out_of_range");
    assert_eq!(code(f.public.entry(3)), "not_found");
    assert_eq!(code(f.public.statement(&[7; 32])), "not_found");

    // Nothing changed.
    let after = f.ledger.checkpoint();
    assert_eq!(
        (after.size, after.root, after.note),
        (before.size, before.root, before.note)
    );
    assert_eq!(f.public.checkpoint().unwrap(), f.ledger.checkpoint().note);

    // A duplicate returns the existing index and appends nothing.
    let again = f.public.submit(&result_entry(&good)).unwrap();
    assert!(again.duplicate);
    assert_eq!(again.index, 2);
    assert_eq!(f.ledger.size(), 3);

    // Verification from the node alone, and against the wrong key.
    let verified = verify_entry(&f.public, &f.ledger.verifier(), 2).unwrap();
    assert_eq!(verified.depends_on, vec![0, 1]);
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(99);
    let other = conclave_ledger::note::NoteSigner::generate("http.test/log", &mut rng).unwrap();
    assert_eq!(
        verify_entry(&f.public, &other.verifier(), 2)
            .unwrap_err()
            .code(),
        "checkpoint_invalid"
    );
}

#[test]
fn receipts_prove_inclusion_and_checkpoints_stay_consistent() {
    let f = fixture();
    let verifier = f.ledger.verifier();
    let mut previous =
        conclave_ledger::note::Checkpoint::open(&f.public.checkpoint().unwrap(), &verifier)
            .unwrap();
    for i in 10..20u8 {
        let party = Party::new(key(i).verifying_key().to_bytes(), "p").unwrap();
        let receipt = f.operator.submit(&party.into()).unwrap();
        let checkpoint =
            conclave_ledger::note::Checkpoint::open(&receipt.checkpoint, &verifier).unwrap();
        receipt
            .inclusion
            .verify(&receipt.leaf_hash, &checkpoint.root)
            .unwrap();
        f.public
            .consistency_proof(previous.size, checkpoint.size)
            .unwrap()
            .verify(&previous.root, &checkpoint.root)
            .unwrap();
        previous = checkpoint;
    }
    let health = f.public.health().unwrap();
    assert_eq!(health["tree_size"], json!(10));
}
