//! The credentials chapter of `conclave demo` (the same library calls as `conclave cred …`,
//! `conclave zk setup/prove/verify --predicate` and `conclave ledger register-issuer …`): a
//! bureau and a bank sign the applicant's score and account, she proves the compound
//! predicate in one proof (with non-membership in the bureau's revocation registry), the
//! lender verifies it, and the ledger started by the ledger chapter anchors it once per
//! nullifier and scope, and refuses her proofs once the bureau has revoked the credential.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use conclave_circuits::credential::holder::HolderSecret;
use conclave_circuits::credential::revocation::RevocationRegistry;
use conclave_circuits::credential::{Attributes, CredentialBody, Days, Schema};
use conclave_circuits::eddsa::SecretKey;
use conclave_circuits::statement::predicate::{
    self, PredicateProof, PredicateStatement, PredicateStatementError, ProverInputs,
};
use conclave_ledger::client::Client;
use conclave_ledger::entry::{
    Entry, Issuer, PredicateProofEntry, PredicateStatementEntry, RevocationRoot,
};
use conclave_ledger::keys;
use conclave_ledger::store::{files, Receipt};
use rand::rngs::OsRng;
use serde_json::json;

use super::Story;

/// The compound predicate over two issuers' credentials.
const PREDICATE: &str = "bureau.score >= 650 && bank.debt < 20000 && bank.income >= 3 * bank.debt";
const SCOPE: &str = "lender-x/2026";
const OTHER_SCOPE: &str = "lender-y/2026";

/// The credentials chapter (needs the ledger chapter's node for its last steps).
pub fn chapter(story: &mut Story) -> anyhow::Result<()> {
    story.chapter("Credentials: facts vouched for by a bureau and a bank")?;
    let score_schema = Schema::from_json(include_bytes!(
        "../../../examples/data/credit-score.schema.json"
    ))?;
    let bank_schema = Schema::from_json(include_bytes!(
        "../../../examples/data/bank-account.schema.json"
    ))?;
    let days = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() / 86_400;
    let today = Days::new(days, "today")?;
    let issued = Days::new(days.saturating_sub(30), "issued")?;
    let expires = Days::new(days + 365, "expires")?;

    let bureau = SecretKey::random(&mut OsRng);
    let bank = SecretKey::random(&mut OsRng);
    let alice = HolderSecret::from_secret_key(&SecretKey::random(&mut OsRng));
    let credentials = story.step(
        "bureau signs her score 712, bank her income 64,000 and debt 12,500",
        || {
            let score = Attributes::from_json(
                &score_schema,
                include_bytes!("../../../examples/data/alice-score.json"),
            )?;
            let account = Attributes::from_json(
                &bank_schema,
                include_bytes!("../../../examples/data/alice-bank.json"),
            )?;
            let sign = |attributes, key: &SecretKey| {
                CredentialBody::new(
                    attributes,
                    alice.public_key(),
                    issued,
                    expires,
                    CredentialBody::random_revocation_id(&mut OsRng),
                )?
                .sign(key)
            };
            Ok(BTreeMap::from([
                ("bureau".to_owned(), sign(score, &bureau)?),
                ("bank".to_owned(), sign(account, &bank)?),
            ]))
        },
    )?;
    let mut registry = RevocationRegistry::new(&bureau);
    let statement = PredicateStatement::new(
        PREDICATE,
        BTreeMap::from([
            ("bureau".to_owned(), score_schema),
            ("bank".to_owned(), bank_schema),
        ]),
    )?
    .with_revocation(["bureau"])?;
    let (pk, vk) = story.step(
        "the lender sets up 'score >= 650 && debt < 20000 && income >= 3*debt'",
        || Ok(predicate::setup(statement, &mut OsRng)?),
    )?;
    let params = BTreeMap::from([(predicate::NOW.to_owned(), today.to_string())]);
    let prove_in = |scope: &str, registry: &RevocationRegistry| {
        let inputs = ProverInputs {
            credentials: &credentials,
            holder: &alice,
            scope,
            params: &params,
        };
        let registries = BTreeMap::from([("bureau".to_owned(), registry.clone())]);
        predicate::prove_revocable(&pk, &inputs, &registries, &mut OsRng)
    };
    let proof = story.step(
        "she proves it in one proof (credential not revoked), revealing no attribute",
        || Ok(prove_in(SCOPE, &registry)?),
    )?;
    story.step(
        "the lender verifies it and pins the bureau's and bank's keys",
        || {
            predicate::verify(&vk, &proof)?;
            proof.require_issuer("bureau", &bureau.public_key())?;
            proof.require_issuer("bank", &bank.public_key())?;
            proof.require_revocation_root("bureau", &registry)?;
            Ok(())
        },
    )?;
    story.predicate = Some(super::onchain::Predicate {
        vk_json: vk.to_json(),
        proof_json: proof.to_json(),
        issuers: BTreeMap::from([
            ("bureau".to_owned(), bureau.public_key()),
            ("bank".to_owned(), bank.public_key()),
        ]),
        scope: SCOPE,
        ledger_index: None,
    });

    let Some(url) = story.ledger_url.clone() else {
        story.tell(
            "no ledger node to anchor the proof (the ledger chapter started none)",
            std::time::Duration::ZERO,
        )?;
        return Ok(());
    };
    let token = keys::read_operator_token(&story.path("ledger").join(files::OPERATOR_KEY))?;
    let operator = Client::new(&url)?.with_operator_token(token.expose());
    let public = Client::new(&url)?;
    story.step(
        "operator registers both issuers and the lender's predicate key",
        || {
            operator.submit(&Issuer::new(bureau.public_key(), "bureau")?.into())?;
            operator.submit(&Issuer::new(bank.public_key(), "bank")?.into())?;
            let vk_json = vk.to_json();
            let entry = PredicateStatementEntry::from_file_bytes(vk_json.as_bytes(), "loan")?;
            operator.submit(&entry.into())?;
            Ok(())
        },
    )?;
    let anchor_root = |registry: &RevocationRegistry| -> anyhow::Result<Receipt> {
        let root = RevocationRoot::from_registry_bytes(registry.to_json().as_bytes())?;
        Ok(public.submit(&root.into())?)
    };
    story.step("the bureau anchors its signed revocation root", || {
        anchor_root(&registry)
    })?;
    let entry = |proof: &PredicateProof| -> anyhow::Result<Entry> {
        Ok(PredicateProofEntry::from_file_bytes(proof.to_json().as_bytes())?.into())
    };
    let anchored = story.step(
        "the ledger checks issuers, revocation root, nullifier, $now and the proof, then anchors it",
        || Ok(public.submit(&entry(&proof)?)?),
    )?;
    story.expect(!anchored.duplicate, "the predicate proof is new")?;
    if let Some(predicate) = story.predicate.as_mut() {
        predicate.ledger_index = Some(anchored.index);
    }
    let second = prove_in(SCOPE, &registry)?;
    let elsewhere = prove_in(OTHER_SCOPE, &registry)?;
    let refused = story.step(
        "a second proof by her in the same scope is refused (same nullifier)",
        || Ok(public.submit(&entry(&second)?).err()),
    )?;
    let code = refused.as_ref().map(|e| e.code().to_owned());
    story.expect(
        code.as_deref() == Some("nullifier_reused"),
        "the ledger refuses a nullifier twice in one scope",
    )?;
    let revoked_id = credentials
        .get("bureau")
        .map(|c| c.body().revocation_id())
        .unwrap_or_default();
    let root = story.step(
        "the bureau revokes her credential and anchors its new signed root",
        || {
            registry.revoke(&bureau, revoked_id)?;
            anchor_root(&registry)
        },
    )?;
    let stale = story.step(
        "her proof made before the revocation is refused (stale revocation root)",
        || Ok(public.submit(&entry(&elsewhere)?).err()),
    )?;
    let stale = stale.as_ref().map(|e| e.code().to_owned());
    story.expect(
        stale.as_deref() == Some("stale_revocation_root"),
        "the ledger refuses a proof at a superseded revocation root",
    )?;
    let revoked = story.step(
        "and she can no longer prove against the bureau's new registry",
        || Ok(prove_in(OTHER_SCOPE, &registry).err()),
    )?;
    story.expect(
        matches!(revoked, Some(PredicateStatementError::Revoked { .. })),
        "a revoked credential cannot be proven",
    )?;
    story.summaries.insert(
        "credentials".into(),
        json!({
            "predicate": PREDICATE,
            "scope": SCOPE,
            "anchored_index": anchored.index,
            "second_proof_refused": code,
            "revocation_index": root.index,
            "revocation_sequence": registry.sequence(),
            "stale_proof_refused": stale,
        }),
    );
    Ok(())
}
