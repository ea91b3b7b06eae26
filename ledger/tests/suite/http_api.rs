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

/// A registered threshold statement and `n` valid proofs for it, as entries' JSON.
fn groth16_entries(f: &Fixture, n: usize) -> Vec<Value> {
    use conclave_circuits::commitment::Opening;
    use conclave_circuits::groth16::{prove, setup};
    use conclave_circuits::statement::{Bounds, Direction, Statement as Shape};
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
    let shape = Shape::threshold(32, Direction::AtLeast).unwrap();
    let (pk, vk) = setup(shape, &mut rng).unwrap();
    let statement = conclave_ledger::entry::Statement::new(vk.to_bytes(), "batch").unwrap();
    f.operator.submit(&statement.into()).unwrap();
    (0..n)
        .map(|i| {
            let opening = Opening::random(600 + i as u64, &mut rng);
            let proof = prove(&pk, &opening, Bounds::Threshold(500), &mut rng).unwrap();
            let proof: Value = serde_json::from_str(&proof.to_json()).unwrap();
            json!({ "kind": "groth16", "proof": proof })
        })
        .collect()
}

fn entry(value: &Value) -> Entry {
    Entry::from_json(value).unwrap()
}

#[test]
fn a_batch_request_gives_each_entry_its_own_outcome() {
    let f = fixture();
    let proofs = groth16_entries(&f, 4);
    // Proof points of #1 under the public inputs of #2: well formed, does not verify.
    let mut forged = proofs[2].clone();
    forged["proof"]["proof"] = proofs[1]["proof"]["proof"].clone();
    let stranger = Entry::from(Party::new(key(9).verifying_key().to_bytes(), "x").unwrap());
    let before = f.ledger.size();

    let batch = [
        entry(&proofs[0]),
        entry(&forged),
        entry(&proofs[1]),
        stranger,          // needs the operator
        entry(&proofs[0]), // same as the first: one append, same index
        entry(&proofs[3]),
    ];
    let outcomes = f.public.submit_batch(&batch).unwrap();
    assert_eq!(outcomes.len(), batch.len());
    let indices: Vec<Option<u64>> = outcomes
        .iter()
        .map(|o| o.as_ref().ok().map(|r| r.index))
        .collect();
    assert_eq!(
        indices,
        vec![
            Some(before),
            None,
            Some(before + 1),
            None,
            Some(before),
            Some(before + 2)
        ]
    );
    let codes: Vec<&str> = outcomes
        .iter()
        .map(|o| o.as_ref().err().map_or("", LedgerError::code))
        .collect();
    assert_eq!(codes, ["", "proof_invalid", "", "unauthorized", "", ""]);
    assert_eq!(f.ledger.size(), before + 3);
    // Every receipt proves inclusion under a checkpoint the log's key signed.
    let verifier = f.ledger.verifier();
    for (submitted, outcome) in batch.iter().zip(&outcomes) {
        let Ok(receipt) = outcome else { continue };
        let checkpoint =
            conclave_ledger::note::Checkpoint::open(&receipt.checkpoint, &verifier).unwrap();
        receipt
            .inclusion
            .verify(&submitted.leaf_hash(), &checkpoint.root)
            .unwrap();
        assert_eq!(
            verify_entry(&f.public, &verifier, receipt.index)
                .unwrap()
                .kind,
            "groth16"
        );
    }
    // Submitting the same batch again appends nothing.
    let again = f.public.submit_batch(&batch).unwrap();
    assert!(again.iter().flatten().all(|r| r.duplicate));
    assert_eq!(f.ledger.size(), before + 3);
}

#[test]
fn a_bad_batch_request_is_refused_whole() {
    let f = fixture();
    let before = f.ledger.checkpoint();
    let post = |body: &str| {
        let response = reqwest::blocking::Client::new()
            .post(format!("{}/v1/entries/batch", f.node.url()))
            .body(body.to_owned())
            .send()
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json::<Value>().unwrap())
    };
    let refusal = |body: &str| {
        let (status, value) = post(body);
        (
            status,
            value["error"]["code"].as_str().unwrap_or("").to_owned(),
        )
    };
    assert_eq!(refusal("{not json"), (400, "malformed_json".into()));
    assert_eq!(refusal(r#"{"entries": 3}"#), (400, "malformed".into()));
    assert_eq!(refusal("[]"), (400, "malformed".into()));
    let too_many = json!({ "entries": vec![json!({}); 1025] }).to_string();
    assert_eq!(refusal(&too_many), (400, "too_large".into()));
    let huge = json!({ "entries": [{"kind": "party", "name": "x".repeat(100 * 1024)}] });
    assert_eq!(refusal(&huge.to_string()).0, 413);
    // Entries that do not decode are refused one by one, in place.
    let (status, value) =
        post(r#"{"entries": [{"kind": "teapot"}, {"version": 2, "kind": "party"}]}"#);
    assert_eq!(status, 200);
    let codes: Vec<&str> = value["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["error"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["unknown_kind", "unsupported_version"]);
    assert!(f.public.submit_batch(&[]).unwrap().is_empty());
    let after = f.ledger.checkpoint();
    assert_eq!((after.size, after.root), (before.size, before.root));
}
