//! Credential proofs on the ledger: issuers, predicate statements, revocation roots and
//! predicate proofs. A proof is accepted only for a registered statement and registered
//! issuers, once per nullifier and scope (also after reopening the store and through a
//! node, with `409 nullifier_reused`), with `$now` near the ledger's clock and a valid
//! Groth16 proof; revocation roots only for a registered issuer, with its signature, in
//! increasing sequence. The log then audits and verifies from the ledger alone.

use std::collections::BTreeMap;
use std::sync::Arc;

use conclave_circuits::credential::holder::HolderSecret;
use conclave_circuits::credential::revocation::RevocationRegistry;
use conclave_circuits::credential::{Attributes, CredentialBody, Days, Schema};
use conclave_circuits::eddsa::SecretKey;
use conclave_circuits::statement::predicate::{
    prove, setup, PredicateProof, PredicateProvingKey, PredicateStatement, ProverInputs,
};
use conclave_ledger::audit::audit_dir;
use conclave_ledger::client::Client;
use conclave_ledger::entry::{
    Entry, Issuer, PredicateProofEntry, PredicateStatementEntry, RevocationRoot,
};
use conclave_ledger::keys;
use conclave_ledger::node::{BackgroundNode, NodeConfig};
use conclave_ledger::policy::{AppendPolicy, Clock};
use conclave_ledger::store::{files, Ledger};
use conclave_ledger::verify::verify_entry;
use conclave_ledger::LedgerError;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

const SCHEMA: &[u8] = include_bytes!("../../../examples/data/credit-score.schema.json");
const ATTRIBUTES: &[u8] = include_bytes!("../../../examples/data/alice-score.json");
const TODAY: &str = "2026-12-02";

fn day(text: &str) -> Days {
    Days::parse(text, "date").unwrap()
}

/// A ledger whose clock says noon on [`TODAY`].
fn policy() -> AppendPolicy {
    AppendPolicy {
        clock: Clock::Fixed(u64::from(day(TODAY).get()) * 86_400 + 43_200),
        ..AppendPolicy::default()
    }
}

struct World {
    pk: PredicateProvingKey,
    vk_json: String,
    bureau: SecretKey,
    impostor: SecretKey,
    holder: HolderSecret,
    rng: ChaCha20Rng,
}

impl World {
    fn new() -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(16);
        let schema = Schema::from_json(SCHEMA).unwrap();
        let statement = PredicateStatement::new(
            "bureau.score >= 650",
            BTreeMap::from([("bureau".to_owned(), schema)]),
        )
        .unwrap();
        let (pk, vk) = setup(statement, &mut rng).unwrap();
        World {
            pk,
            vk_json: vk.to_json(),
            bureau: SecretKey::random(&mut rng),
            impostor: SecretKey::random(&mut rng),
            holder: HolderSecret::from_secret_key(&SecretKey::random(&mut rng)),
            rng,
        }
    }

    fn prove(&mut self, issuer: &str, scope: &str, now: &str) -> PredicateProof {
        let schema = Schema::from_json(SCHEMA).unwrap();
        let attributes = Attributes::from_json(&schema, ATTRIBUTES).unwrap();
        let key = if issuer == "bureau" {
            &self.bureau
        } else {
            &self.impostor
        };
        let credential = CredentialBody::new(
            attributes,
            self.holder.public_key(),
            day("2026-11-01"),
            day("2027-12-31"),
            42,
        )
        .unwrap()
        .sign(key)
        .unwrap();
        let credentials = BTreeMap::from([("bureau".to_owned(), credential)]);
        let params = BTreeMap::from([("now".to_owned(), now.to_owned())]);
        let inputs = ProverInputs {
            credentials: &credentials,
            holder: &self.holder,
            scope,
            params: &params,
        };
        prove(&self.pk, &inputs, &mut self.rng).unwrap()
    }
}

fn proof_entry(proof: &PredicateProof) -> Entry {
    PredicateProofEntry::from_file_bytes(proof.to_json().as_bytes())
        .unwrap()
        .into()
}

fn code(result: Result<conclave_ledger::store::Receipt, LedgerError>) -> String {
    result.unwrap_err().code().to_owned()
}

#[test]
fn predicate_proofs_are_anchored_once_per_scope_for_registered_issuers() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("ledger");
    let mut world = World::new();
    Ledger::init(&dir, "credentials.test/log", &mut world.rng).unwrap();
    let ledger = Ledger::open(&dir).unwrap().with_policy(policy());

    let first = world.prove("bureau", "lender-x/2026", TODAY);
    let again = world.prove("bureau", "lender-x/2026", TODAY);
    let other_scope = world.prove("bureau", "lender-y/2026", TODAY);
    let impostor = world.prove("impostor", "lender-w/2026", TODAY);
    let late = world.prove("bureau", "lender-v/2026", "2026-12-05");
    let yesterday = world.prove("bureau", "lender-u/2026", "2026-12-01");
    assert_eq!(first.nullifier(), again.nullifier());
    assert_ne!(first.nullifier(), other_scope.nullifier());

    // Nothing is registered yet.
    assert_eq!(
        code(ledger.append(proof_entry(&first), false)),
        "unknown_statement"
    );
    let statement =
        PredicateStatementEntry::from_file_bytes(world.vk_json.as_bytes(), "score").unwrap();
    assert_eq!(
        code(ledger.append(statement.clone().into(), false)),
        "unauthorized"
    );
    let statement_index = ledger.append(statement.into(), true).unwrap().index;
    assert_eq!(
        code(ledger.append(proof_entry(&first), false)),
        "unknown_issuer"
    );
    let issuer = Issuer::new(world.bureau.public_key(), "bureau").unwrap();
    assert_eq!(
        code(ledger.append(issuer.clone().into(), false)),
        "unauthorized"
    );
    let issuer_index = ledger.append(issuer.into(), true).unwrap().index;

    // Accepted once; the identical file again is the same entry; another proof with the
    // same nullifier in the same scope is refused, naming the first.
    let anchored = ledger.append(proof_entry(&first), false).unwrap();
    assert!(!anchored.duplicate);
    assert!(ledger.append(proof_entry(&first), false).unwrap().duplicate);
    match ledger.append(proof_entry(&again), false).unwrap_err() {
        LedgerError::NullifierReused { scope, index } => {
            assert_eq!(scope, "lender-x/2026");
            assert_eq!(index, Some(anchored.index));
        }
        other => panic!("{other:?}"),
    }
    // The same holder in another scope: accepted.
    ledger.append(proof_entry(&other_scope), false).unwrap();
    // Another issuer's credential: refused, naming the alias.
    match ledger.append(proof_entry(&impostor), false).unwrap_err() {
        LedgerError::UnknownIssuer { alias, .. } => assert_eq!(alias.as_deref(), Some("bureau")),
        other => panic!("{other:?}"),
    }
    // `$now` three days ahead of the ledger's clock: refused; yesterday is in the window.
    assert_eq!(
        code(ledger.append(proof_entry(&late), false)),
        "now_out_of_window"
    );
    ledger.append(proof_entry(&yesterday), false).unwrap();

    // An invalid proof (another proof's points) with a fresh nullifier: refused.
    let fresh = world.prove("bureau", "lender-z/2026", TODAY);
    let mut tampered: serde_json::Value = serde_json::from_str(&fresh.to_json()).unwrap();
    let donor: serde_json::Value = serde_json::from_str(&first.to_json()).unwrap();
    tampered["proof"] = donor["proof"].clone();
    let tampered = Entry::from_file_bytes(tampered.to_string().as_bytes()).unwrap();
    assert_eq!(code(ledger.append(tampered, false)), "proof_invalid");
    // Two proofs with one nullifier in one batch: the first is taken.
    let batch_a = world.prove("bureau", "lender-b/2026", TODAY);
    let batch_b = world.prove("bureau", "lender-b/2026", TODAY);
    let outcomes = ledger.append_batch(vec![
        (proof_entry(&batch_a), false),
        (proof_entry(&batch_b), false),
    ]);
    assert!(outcomes[0].is_ok());
    assert!(matches!(
        outcomes[1],
        Err(LedgerError::NullifierReused { index: None, .. })
    ));

    // Verified from the ledger alone, relying on the statement and issuer registrations.
    let public = keys::read_verifier_key(&dir.join(files::LOG_PUB)).unwrap();
    let verified = verify_entry(&ledger, &public, anchored.index).unwrap();
    assert_eq!(verified.kind, "predicate");
    assert_eq!(verified.depends_on, vec![statement_index, issuer_index]);
    assert_eq!(verified.entry["proof"]["scope"], "lender-x/2026");

    // The nullifier index survives closing and reopening the store.
    let size = ledger.size();
    drop(ledger);
    let ledger = Arc::new(Ledger::open(&dir).unwrap().with_policy(policy()));
    assert_eq!(ledger.size(), size);
    assert_eq!(
        code(ledger.append(proof_entry(&again), false)),
        "nullifier_reused"
    );
    // An audit re-verifies everything, nullifier order included.
    let report = audit_dir(&dir, &public).unwrap();
    assert_eq!(report.kinds["predicate"], 4);

    // Through a node: 409 with the stable code.
    let node = BackgroundNode::start(
        Arc::clone(&ledger),
        "127.0.0.1:0".parse().unwrap(),
        NodeConfig::default(),
    )
    .unwrap();
    let client = Client::new(&node.url()).unwrap();
    assert_eq!(
        client.submit(&proof_entry(&again)).unwrap_err().code(),
        "nullifier_reused"
    );
    let answer = reqwest::blocking::Client::new()
        .post(format!("{}/v1/entries", node.url()))
        .body(proof_entry(&again).to_json().to_string())
        .send()
        .unwrap();
    assert_eq!(answer.status().as_u16(), 409);
    let answer = reqwest::blocking::Client::new()
        .post(format!("{}/v1/entries", node.url()))
        .body(proof_entry(&impostor).to_json().to_string())
        .send()
        .unwrap();
    assert_eq!(answer.status().as_u16(), 422);
    // Verified from the node alone too.
    let remote = verify_entry(&client, &public, anchored.index).unwrap();
    assert_eq!(remote.depends_on, vec![statement_index, issuer_index]);
}

#[test]
fn revocation_roots_need_a_registered_issuer_its_signature_and_a_rising_sequence() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("ledger");
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    Ledger::init(&dir, "revocation.test/log", &mut rng).unwrap();
    let ledger = Ledger::open(&dir).unwrap().with_policy(policy());
    let bureau = SecretKey::random(&mut rng);
    let mut registry = RevocationRegistry::new(&bureau);
    let root = |r: &RevocationRegistry| -> Entry {
        RevocationRoot::from_registry_bytes(r.to_json().as_bytes())
            .unwrap()
            .into()
    };
    // The issuer is not registered yet.
    assert_eq!(
        code(ledger.append(root(&registry), false)),
        "unknown_issuer"
    );
    ledger
        .append(
            Issuer::new(bureau.public_key(), "bureau").unwrap().into(),
            true,
        )
        .unwrap();
    // Anyone may submit it (no operator credential).
    ledger.append(root(&registry), false).unwrap();
    let before = registry.clone();
    registry.revoke(&bureau, 7).unwrap();
    let seq1 = ledger.append(root(&registry), false).unwrap();
    // The same sequence with another content, or an older one: refused.
    let mut fork = before.clone();
    fork.revoke(&bureau, 8).unwrap();
    match ledger.append(root(&fork), false).unwrap_err() {
        LedgerError::RevocationOutOfOrder {
            sequence, latest, ..
        } => assert_eq!((sequence, latest), (1, 1)),
        other => panic!("{other:?}"),
    }
    // The exact earlier root again is the same entry, not a new one.
    assert!(ledger.append(root(&before), false).unwrap().duplicate);
    // A root the issuer did not sign: refused.
    let mut forged: serde_json::Value = serde_json::from_str(&registry.to_json()).unwrap();
    forged["sequence"] = "5".into();
    let forged = Entry::from_json(&serde_json::json!({
        "kind": "revocation",
        "issuer": forged["issuer"],
        "sequence": "5",
        "root": forged["root"],
        "signature": forged["signature"],
    }))
    .unwrap();
    assert_eq!(code(ledger.append(forged, false)), "signature_invalid");
    // Canonical bytes round-trip.
    let stored = ledger.entry(seq1.index).unwrap();
    assert_eq!(stored.entry.to_bytes(), stored.bytes);
    assert_eq!(
        Entry::from_json(&stored.entry.to_json())
            .unwrap()
            .to_bytes(),
        stored.bytes
    );
    // From the ledger alone: the issuer registration is proven included.
    let public = keys::read_verifier_key(&dir.join(files::LOG_PUB)).unwrap();
    let verified = verify_entry(&ledger, &public, seq1.index).unwrap();
    assert_eq!(verified.depends_on, vec![0]);
    drop(ledger);
    let report = audit_dir(&dir, &public).unwrap();
    assert_eq!(report.kinds["revocation"], 2);
}

#[test]
fn credential_entries_refuse_non_canonical_bytes() {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let key = SecretKey::random(&mut rng);
    let issuer: Entry = Issuer::new(key.public_key(), "bureau").unwrap().into();
    let bytes = issuer.to_bytes();
    assert_eq!(Entry::from_bytes(&bytes).unwrap().to_bytes(), bytes);
    // Trailing byte, truncation, a flipped key byte (not a point, or another packing).
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(Entry::from_bytes(&longer).is_err());
    assert!(Entry::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    let mut flipped = bytes.clone();
    flipped[2 + 31] ^= 0x80;
    if let Ok(entry) = Entry::from_bytes(&flipped) {
        assert_ne!(entry.to_bytes(), bytes);
    }
    // A revocation root at or above the field modulus is refused.
    let registry = RevocationRegistry::new(&key);
    let root: Entry = RevocationRoot::from_registry_bytes(registry.to_json().as_bytes())
        .unwrap()
        .into();
    let mut bytes = root.to_bytes();
    assert_eq!(Entry::from_bytes(&bytes).unwrap().to_bytes(), bytes);
    let at = 2 + 32 + 8;
    bytes[at..at + 32].copy_from_slice(&[0xff; 32]);
    assert!(Entry::from_bytes(&bytes).is_err());
}

/// A proof names its issuer's revocation root: refused while the root is not anchored,
/// accepted while it is the latest, refused once a newer root is anchored (grace 0), and
/// accepted within a grace period by the ledger's clock.
#[test]
fn a_proof_must_name_an_anchored_and_fresh_revocation_root() {
    use conclave_circuits::statement::predicate::prove_revocable;
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("ledger");
    let mut rng = ChaCha20Rng::seed_from_u64(33);
    let schema = Schema::from_json(SCHEMA).unwrap();
    let statement = PredicateStatement::new(
        "bureau.score >= 650",
        BTreeMap::from([("bureau".to_owned(), schema.clone())]),
    )
    .unwrap()
    .with_revocation(["bureau"])
    .unwrap();
    let (pk, vk) = setup(statement, &mut rng).unwrap();
    let bureau = SecretKey::random(&mut rng);
    let holder = HolderSecret::from_secret_key(&SecretKey::random(&mut rng));
    let credential = CredentialBody::new(
        Attributes::from_json(&schema, ATTRIBUTES).unwrap(),
        holder.public_key(),
        day("2026-11-01"),
        day("2027-12-31"),
        42,
    )
    .unwrap()
    .sign(&bureau)
    .unwrap();
    let credentials = BTreeMap::from([("bureau".to_owned(), credential)]);
    let params = BTreeMap::from([("now".to_owned(), TODAY.to_owned())]);
    let mut registry = RevocationRegistry::new(&bureau);
    let prove_in = |scope: &str, registry: &RevocationRegistry, rng: &mut ChaCha20Rng| {
        let inputs = ProverInputs {
            credentials: &credentials,
            holder: &holder,
            scope,
            params: &params,
        };
        let registries = BTreeMap::from([("bureau".to_owned(), registry.clone())]);
        proof_entry(&prove_revocable(&pk, &inputs, &registries, rng).unwrap())
    };
    Ledger::init(&dir, "stale.test/log", &mut rng).unwrap();
    let ledger = Ledger::open(&dir).unwrap().with_policy(policy());
    ledger
        .append(
            PredicateStatementEntry::from_file_bytes(vk.to_json().as_bytes(), "")
                .unwrap()
                .into(),
            true,
        )
        .unwrap();
    ledger
        .append(
            Issuer::new(bureau.public_key(), "bureau").unwrap().into(),
            true,
        )
        .unwrap();
    let anchor = |registry: &RevocationRegistry| -> Entry {
        RevocationRoot::from_registry_bytes(registry.to_json().as_bytes())
            .unwrap()
            .into()
    };
    // The root the proof names is not anchored yet.
    let first = prove_in("lender-a", &registry, &mut rng);
    assert_eq!(
        code(ledger.append(first.clone(), false)),
        "unknown_revocation_root"
    );
    ledger.append(anchor(&registry), false).unwrap();
    ledger.append(first, false).unwrap();
    // The bureau revokes another credential: proofs at the old root are stale.
    let old = prove_in("lender-b", &registry, &mut rng);
    registry.revoke(&bureau, 7).unwrap();
    ledger.append(anchor(&registry), false).unwrap();
    match ledger.append(old.clone(), false).unwrap_err() {
        LedgerError::StaleRevocationRoot {
            alias,
            sequence,
            latest,
        } => assert_eq!((alias.as_str(), sequence, latest), ("bureau", 0, 1)),
        other => panic!("{other:?}"),
    }
    // At the new root: accepted.
    ledger
        .append(prove_in("lender-c", &registry, &mut rng), false)
        .unwrap();
    // With a grace of an hour the old root is still taken, an hour later it is not.
    let noon = policy();
    let ledger = ledger.with_policy(AppendPolicy {
        revocation_grace: std::time::Duration::from_secs(3600),
        ..noon
    });
    ledger.append(old, false).unwrap();
    let Clock::Fixed(at) = noon.clock else {
        unreachable!()
    };
    let ledger = ledger.with_policy(AppendPolicy {
        revocation_grace: std::time::Duration::from_secs(3600),
        clock: Clock::Fixed(at + 3601),
        ..noon
    });
    // A fresh empty registry of the bureau has the sequence-0 root again.
    let stale = prove_in("lender-d", &RevocationRegistry::new(&bureau), &mut rng);
    assert_eq!(code(ledger.append(stale, false)), "stale_revocation_root");
    // Revoking her own credential: she can no longer prove at the latest root.
    registry.revoke(&bureau, 42).unwrap();
    let inputs = ProverInputs {
        credentials: &credentials,
        holder: &holder,
        scope: "lender-e",
        params: &params,
    };
    let registries = BTreeMap::from([("bureau".to_owned(), registry.clone())]);
    assert!(prove_revocable(&pk, &inputs, &registries, &mut rng).is_err());
    // The audit re-checks that every named root was anchored before its proof.
    drop(ledger);
    let public = keys::read_verifier_key(&dir.join(files::LOG_PUB)).unwrap();
    audit_dir(&dir, &public).unwrap();
}
