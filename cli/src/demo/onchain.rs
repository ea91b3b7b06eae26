//! The on-chain chapter of `conclave demo`: the contracts of `conclave eth …` and
//! `conclave ledger anchor` run on an Ethereum chain inside this process (revm,
//! `conclave_eth::evm`), so no node is needed. With the credentials chapter's predicate key
//! and proof it deploys the Groth16 verifier and checks the proof (and refuses a tampered
//! one), registers the lender's policy in the proof registry and submits the proof twice
//! (the second time refused for its nullifier); with the ledger chapter's signed checkpoint
//! it deploys the checkpoint anchor, anchors the checkpoint and has the contract check an
//! entry's RFC 9162 inclusion proof. Each step prints the gas a node would charge.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use conclave_circuits::eddsa::PublicKey;
use conclave_eth::anchor;
use conclave_eth::evm::{Address, EvmError, Executed, InProcessChain, DEPLOYER, U256};
use conclave_eth::predicate::{self as onchain, PredicateLayout, PredicatePolicy};
use conclave_eth::registry;
use conclave_eth::verifier::group_order;
use conclave_ledger::client::Client;
use conclave_ledger::merkle::leaf_hash;
use conclave_ledger::note::{Checkpoint, NoteVerifier};
use conclave_ledger::store::files;
use serde_json::{json, Value};

use super::Story;

/// What the credentials chapter leaves for this one.
pub struct Predicate {
    /// The lender's predicate verifying key (`zk setup --predicate` file).
    pub vk_json: String,
    /// The applicant's predicate proof (`zk prove` file).
    pub proof_json: String,
    /// The issuer key the lender accepts for each alias.
    pub issuers: BTreeMap<String, PublicKey>,
    /// The scope the proof was made for.
    pub scope: &'static str,
    /// The proof's index on the ledger, if the ledger chapter's node anchored it.
    pub ledger_index: Option<u64>,
}

/// Runs `work`, then tells the line `line` makes of its result, with the time it took.
fn timed<T>(
    story: &mut Story,
    work: impl FnOnce() -> anyhow::Result<T>,
    line: impl FnOnce(&T) -> String,
) -> anyhow::Result<T> {
    let started = Instant::now();
    let value = work()?;
    story.tell(&line(&value), started.elapsed())?;
    Ok(value)
}

/// `1,234,567 gas`.
fn gas(used: u64) -> String {
    let digits = used.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{grouped} gas")
}

/// A call's ABI bool as text.
fn answer(executed: &Executed) -> &'static str {
    match executed.as_bool() {
        Some(true) => "true",
        Some(false) => "false",
        None => "not a bool",
    }
}

/// The reverted call's error name and gas, or an error if it did not revert.
fn refusal<T>(outcome: Result<T, EvmError>, what: &str) -> anyhow::Result<(String, u64)> {
    match outcome {
        Err(EvmError::Reverted { gas_used, revert }) => Ok((
            revert
                .name()
                .unwrap_or_else(|| format!("unnamed revert ({revert})")),
            gas_used,
        )),
        Err(other) => Err(anyhow::Error::new(other).context(format!("{what}: not a revert"))),
        Ok(_) => anyhow::bail!("demo expectation failed: {what} was accepted"),
    }
}

/// The on-chain chapter (uses the credentials chapter's proof and the ledger chapter's node).
pub fn chapter(story: &mut Story) -> anyhow::Result<()> {
    story.chapter("On chain: the same checks by Ethereum contracts (in-process EVM)")?;
    let Some(predicate) = story.predicate.take() else {
        story.tell(
            "no predicate proof to verify on chain (the credentials chapter made none)",
            Duration::ZERO,
        )?;
        return Ok(());
    };
    let mut chain = story.step(
        "an Ethereum chain in this process (revm): no node needed",
        || Ok(InProcessChain::new()),
    )?;
    let mut summary = serde_json::Map::new();
    summary.insert("evm".into(), "revm (in process)".into());
    summary.insert("deployer".into(), format!("{DEPLOYER:#x}").into());

    // The verifier contract for the lender's predicate key, and her proof.
    let (key, verifier_key) = onchain::verifier_key(predicate.vk_json.as_bytes())?;
    let (_, calldata) = onchain::proof_calldata(&key, predicate.proof_json.as_bytes())?;
    let inputs = calldata.inputs.len();
    let verifier = timed(
        story,
        || Ok(chain.deploy(verifier_key.deploy_code()?)?),
        |d| {
            format!(
                "deploy the Groth16 verifier for the predicate key: {}",
                gas(d.gas_used)
            )
        },
    )?;
    let verified = timed(
        story,
        || Ok(chain.call(verifier.address, calldata.encode())?),
        |e| {
            format!(
                "verifyProof of her proof ({inputs} public inputs): {}, {}",
                answer(e),
                gas(e.gas_used)
            )
        },
    )?;
    story.expect(
        verified.as_bool() == Some(true),
        "the verifier contract accepts the predicate proof",
    )?;
    let layout = PredicateLayout::of(key.statement());
    let now = layout
        .param(conclave_circuits::statement::predicate::NOW)
        .context("the predicate statement has no $now")?;
    let mut tampered = calldata.clone();
    tampered.inputs[now] += U256::from(1u8);
    let tampered_verdict = timed(
        story,
        || Ok(chain.call(verifier.address, tampered.encode())?),
        |e| {
            format!(
                "a tampered proof ($now a day later): {}, {}",
                answer(e),
                gas(e.gas_used)
            )
        },
    )?;
    story.expect(
        tampered_verdict.as_bool() == Some(false),
        "the verifier contract rejects a tampered proof",
    )?;
    let mut shifted = calldata.clone();
    shifted.inputs[now] += group_order();
    let (not_in_field, _) = timed(
        story,
        || {
            refusal(
                chain.call(verifier.address, shifted.encode()),
                "an input plus r",
            )
        },
        |(name, used)| format!("that input + r instead: refused, {name}, {}", gas(*used)),
    )?;
    story.expect(
        not_in_field == "InputNotInField",
        "the verifier refuses an input not below r",
    )?;
    summary.insert(
        "verifier".into(),
        json!({
            "address": format!("{:#x}", verifier.address),
            "deploy_gas": verifier.gas_used,
            "public_inputs": inputs,
            "valid": verified.as_bool(),
            "verify_gas": verified.gas_used,
            "tampered_valid": tampered_verdict.as_bool(),
            "input_plus_r_refused": not_in_field,
        }),
    );

    // The proof registry: the lender's policy, her proof once per nullifier and scope.
    let registry = timed(
        story,
        || Ok(chain.deploy(registry::bytecode()?)?),
        |d| format!("deploy the proof registry: {}", gas(d.gas_used)),
    )?;
    let policy = onchain::policy(
        key.statement(),
        &PredicatePolicy {
            verifier: verifier.address,
            issuers: &predicate.issuers,
            params: &BTreeMap::new(),
            scope: predicate.scope,
            window_days: 1,
            roots: &BTreeMap::new(),
        },
    )?;
    let registered = timed(
        story,
        || Ok(chain.transact(registry.address, registry::register_policy(&policy))?),
        |e| {
            format!(
                "the lender registers her policy (issuers pinned): {}",
                gas(e.gas_used)
            )
        },
    )?;
    let policy_id = registry::registered_policy_id(&registered.logs)
        .and_then(|id| u64::try_from(id).ok())
        .context("registerPolicy emitted no PolicyRegistered event")?;
    let mut root_gas = None;
    if let Some(index) = layout.revocation_root("bureau") {
        let root = calldata.inputs[index];
        let accepted = timed(
            story,
            || {
                Ok(chain.transact(
                    registry.address,
                    registry::set_revocation_root(policy_id, root, true),
                )?)
            },
            |e| {
                format!(
                    "and accepts the bureau's revocation root: {}",
                    gas(e.gas_used)
                )
            },
        )?;
        root_gas = Some(accepted.gas_used);
    }
    let submitted = timed(
        story,
        || Ok(chain.transact(registry.address, registry::submit(policy_id, &calldata))?),
        |e| {
            format!(
                "she submits her proof: accepted, nullifier recorded, {}",
                gas(e.gas_used)
            )
        },
    )?;
    let event = registry::accepted_event(&submitted.logs);
    story.expect(
        event.is_some_and(|(id, _, nullifier)| {
            id == U256::from(policy_id) && nullifier == calldata.inputs[layout.nullifier()]
        }),
        "the registry emits ProofAccepted with her nullifier",
    )?;
    let (again, _) = timed(
        story,
        || {
            refusal(
                chain.transact(registry.address, registry::submit(policy_id, &calldata)),
                "the same proof submitted again",
            )
        },
        |(name, used)| format!("submitted again: refused, {name}, {}", gas(*used)),
    )?;
    story.expect(
        again == "NullifierUsed",
        "the registry refuses a nullifier twice in one scope",
    )?;
    summary.insert(
        "registry".into(),
        json!({
            "address": format!("{:#x}", registry.address),
            "deploy_gas": registry.gas_used,
            "policy": policy_id,
            "register_gas": registered.gas_used,
            "revocation_root_gas": root_gas,
            "accepted": event.is_some(),
            "submit_gas": submitted.gas_used,
            "second_submit_refused": again,
        }),
    );

    if let Some(url) = story.ledger_url.clone() {
        let anchored = anchor_checkpoint(story, &mut chain, &url, predicate.ledger_index)?;
        summary.insert("anchor".into(), anchored);
    } else {
        story.tell(
            "no ledger node to anchor (the ledger chapter started none)",
            Duration::ZERO,
        )?;
    }
    story
        .summaries
        .insert("onchain".into(), Value::Object(summary));
    Ok(())
}

/// Deploys the checkpoint anchor, anchors the ledger's signed checkpoint (its signature
/// checked here first, as `conclave ledger anchor` does) and checks entry `entry` (the
/// predicate proof's, else the last) against it with the contract's `verifyInclusion`.
fn anchor_checkpoint(
    story: &mut Story,
    chain: &mut InProcessChain,
    url: &str,
    entry: Option<u64>,
) -> anyhow::Result<Value> {
    let log = Client::new(url)?;
    let log_key = std::fs::read_to_string(story.path("ledger").join(files::LOG_PUB))
        .context("the ledger chapter's log key")?;
    let verifier = NoteVerifier::parse(&log_key)?;
    let note = log.checkpoint()?;
    let checkpoint = Checkpoint::open(&note, &verifier)?;
    let contract = timed(
        story,
        || Ok(chain.deploy(anchor::deploy_code(DEPLOYER, &checkpoint.origin)?)?),
        |d| {
            format!(
                "deploy the checkpoint anchor for the ledger: {}",
                gas(d.gas_used)
            )
        },
    )?;
    let anchor_data = anchor::anchor_calldata(checkpoint.size, &checkpoint.root.0, note.as_bytes());
    let stranger = Address::repeat_byte(0x5a);
    let (not_operator, _) = timed(
        story,
        || {
            refusal(
                chain.call_from(stranger, contract.address, anchor_data.clone()),
                "an anchoring by another address",
            )
        },
        |(name, used)| {
            format!(
                "anchoring by anyone but the operator: {name}, {}",
                gas(*used)
            )
        },
    )?;
    story.expect(not_operator == "NotOperator", "only the operator anchors")?;
    let anchored = timed(
        story,
        || Ok(chain.transact(contract.address, anchor_data.clone())?),
        |e| {
            format!(
                "the operator anchors the signed checkpoint (size {}): {}",
                checkpoint.size,
                gas(e.gas_used)
            )
        },
    )?;
    let index = entry.unwrap_or(checkpoint.size.saturating_sub(1));
    let leaf = leaf_hash(&log.entry(index)?.bytes);
    let proof = log.inclusion_proof(index, checkpoint.size)?;
    let path: Vec<[u8; 32]> = proof.hashes.iter().map(|h| h.0).collect();
    let included = timed(
        story,
        || {
            Ok(chain.call(
                contract.address,
                anchor::verify_inclusion_calldata(index, checkpoint.size, &leaf.0, &path),
            )?)
        },
        |e| {
            format!(
                "entry {index} is in the anchored tree ({} hashes): {}, {}",
                path.len(),
                answer(e),
                gas(e.gas_used)
            )
        },
    )?;
    story.expect(
        included.as_bool() == Some(true),
        "the anchored checkpoint includes the entry",
    )?;
    let other = leaf_hash(b"an entry the log never had");
    let excluded = timed(
        story,
        || {
            Ok(chain.call(
                contract.address,
                anchor::verify_inclusion_calldata(index, checkpoint.size, &other.0, &path),
            )?)
        },
        |e| {
            format!(
                "an entry not in the log, same path: {}, {}",
                answer(e),
                gas(e.gas_used)
            )
        },
    )?;
    story.expect(
        excluded.as_bool() == Some(false),
        "the anchored checkpoint does not include another entry",
    )?;
    Ok(json!({
        "address": format!("{:#x}", contract.address),
        "deploy_gas": contract.gas_used,
        "origin": checkpoint.origin,
        "tree_size": checkpoint.size,
        "root": checkpoint.root.to_hex(),
        "anchor_gas": anchored.gas_used,
        "non_operator_refused": not_operator,
        "entry": index,
        "inclusion_hashes": path.len(),
        "included": included.as_bool(),
        "inclusion_gas": included.gas_used,
        "other_entry_included": excluded.as_bool(),
    }))
}
