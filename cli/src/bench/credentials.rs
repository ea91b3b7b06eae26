//! The `credentials` suite: credential predicate proofs (conclave-circuits'
//! `statement::predicate`) against the number of credentials in one proof.
//!
//! For k credentials of the example credit-score schema (aliases `c1` … `ck`, each signed
//! by its own issuer, all bound to one holder) the predicate is `c1.score >= 650 && … &&
//! ck.score >= 650`; every proof also checks each signature, expiry against `$now`, holder
//! binding and the scoped nullifier. Timed: setup, reading the hashed proving key back
//! from its bytes (what a whole-process `zk prove` pays first), prove and verify; k is 1
//! (tiny), 1–2 (quick) or 1, 2, 4, 8 (full).
//!
//! **Peer** (`--compare`, module [`peer`]): the two-credential example
//! (`bureau.score >= 650 && bank.debt < 20000 && bank.income >= 3 * bank.debt`, files made
//! with the CLI as `cli/tests/suite/predicate.rs` does), whole-process `conclave zk prove`
//! against snarkjs `groth16 fullprove` of its circom equivalent
//! (`interop/circom/credit_predicate.circom`) on the same credentials, in alternation; the
//! circom build and Groth16 setup of the peer are made once into `--peer-cache` and reused.

use std::collections::BTreeMap;

use anyhow::Context;
use conclave_circuits::credential::holder::HolderSecret;
use conclave_circuits::credential::{Attributes, CredentialBody, Days, Schema};
use conclave_circuits::eddsa::SecretKey;
use conclave_circuits::statement::predicate::{
    self, PredicateProvingKey, PredicateStatement, ProverInputs,
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::json;

use super::report::{plot, Measurement};
use super::{Key, Runner};

mod peer;

/// The plots this suite writes.
pub const PLOTS: &[&str] = &["credentials-vs-count.svg"];

/// What the size counts.
const PARAMETER: &str = "credentials in one proof";

const SCHEMA: &[u8] = include_bytes!("../../../examples/data/credit-score.schema.json");

/// Runs the suite.
///
/// # Errors
/// A proof that fails to verify (a bug, reported as such), or a credential the example
/// schema refuses.
pub fn run(runner: &mut Runner) -> anyhow::Result<()> {
    let mode = runner.mode();
    let counts: Vec<usize> = mode.pick(vec![1], vec![1, 2], vec![1, 2, 4, 8]);
    let (setup_n, load_n, prove_n, verify_n) = mode.pick((1, 2, 2, 3), (3, 5, 5, 5), (2, 5, 5, 10));
    let peer_n = mode.pick(2, 3, 10);
    let peer_samples = if runner.compare() { 2 * peer_n } else { 0 };
    runner.plan((counts.len() * (setup_n + load_n + prove_n + verify_n) + peer_samples) as u64);
    let mut rng = ChaCha20Rng::seed_from_u64(runner.seed());
    let schema = Schema::from_json(SCHEMA).context("the example credit-score schema")?;
    let holder_key = SecretKey::random(&mut rng);
    let holder = HolderSecret::from_secret_key(&holder_key);
    let scope = "bench/credentials";
    let params = BTreeMap::from([("now".to_owned(), "2026-12-02".to_owned())]);

    for k in counts {
        let key = |operation| Key {
            operation,
            series: "conclave",
            parameter: PARAMETER,
            size: k as u64,
        };
        let aliases: Vec<String> = (1..=k).map(|i| format!("c{i}")).collect();
        let text = aliases
            .iter()
            .map(|alias| format!("{alias}.score >= 650"))
            .collect::<Vec<_>>()
            .join(" && ");
        let schemas = aliases
            .iter()
            .map(|alias| (alias.clone(), schema.clone()))
            .collect();
        let statement = PredicateStatement::new(&text, schemas).context("the suite's predicate")?;
        let mut credentials = BTreeMap::new();
        for (index, alias) in aliases.iter().enumerate() {
            let attributes = Attributes::from_map(
                &schema,
                &serde_json::Map::from_iter([
                    ("score".to_owned(), json!(700 + index)),
                    ("as_of".to_owned(), json!("2026-11-30")),
                    ("bureau".to_owned(), json!(format!("issuer {alias}"))),
                ]),
            )
            .context("the suite's attributes")?;
            let body = CredentialBody::new(
                attributes,
                holder.public_key(),
                Days::parse("2026-11-01", "issued")?,
                Days::parse("2027-12-31", "expires")?,
                CredentialBody::random_revocation_id(&mut rng),
            )?;
            credentials.insert(alias.clone(), body.sign(&SecretKey::random(&mut rng))?);
        }

        let mut keys = None;
        let samples = runner.time(setup_n, || {
            keys = Some(predicate::setup(statement.clone(), &mut rng)?);
            Ok(())
        })?;
        runner.record(key("setup"), samples)?;
        let (pk, vk) = keys.context("setup ran")?;

        let bytes = pk.to_bytes();
        let mut loaded = None;
        let samples = runner.time(load_n, || {
            loaded = Some(PredicateProvingKey::from_bytes(&bytes)?);
            Ok(())
        })?;
        runner.record(key("load key"), samples)?;
        let pk = loaded.context("the key was read")?;

        let inputs = ProverInputs {
            credentials: &credentials,
            holder: &holder,
            scope,
            params: &params,
        };
        let mut proof = None;
        let samples = runner.time(prove_n, || {
            proof = Some(predicate::prove(&pk, &inputs, &mut rng)?);
            Ok(())
        })?;
        runner.record(key("prove"), samples)?;
        let proof = proof.context("prove ran")?;
        let samples = runner.time(verify_n, || {
            predicate::verify(&vk, &proof)
                .context("a predicate proof just made does not verify (a bug)")
        })?;
        runner.record(key("verify"), samples)?;
    }
    if runner.compare() {
        peer::compare_snarkjs(runner, peer_n)?;
    } else {
        runner.skip("snarkjs", "not requested (pass --compare)");
    }
    Ok(())
}

/// The suite's plots.
pub fn plots(measurements: &[Measurement]) -> Vec<(String, String)> {
    vec![(
        PLOTS[0].to_owned(),
        plot(
            measurements,
            "credentials",
            PARAMETER,
            &["setup", "load key", "prove", "verify"],
            "Credential predicate proofs against the number of credentials",
            "credentials in one proof",
        ),
    )]
}
