//! The ledger chapter of `conclave demo` (it drives the same library calls as
//! `conclave ledger …`).

use anyhow::Context;
use conclave_ledger::client::Client;
use conclave_ledger::entry::{Party, ResultRecord, Statement};
use conclave_ledger::keys;
use conclave_ledger::node::{BackgroundNode, NodeConfig};
use conclave_ledger::note::NoteVerifier;
use conclave_ledger::store::{files, Ledger};
use conclave_ledger::verify::verify_entry;
use serde_json::Value;
use std::sync::Arc;

use super::Story;
use crate::cmd::ledger::entry_from_file;
use crate::fsio;

/// The ledger chapter of the demo: the applicant's proof is anchored on a node started on
/// loopback, and the lender verifies it from the ledger alone.
pub fn chapter(story: &mut Story) -> anyhow::Result<()> {
    story.chapter("Public ledger")?;
    let dir = story.path("ledger");
    let (Some(vk_path), Some(proof_path)) = (
        story.artifacts.get("zk.vk").cloned(),
        story.artifacts.get("zk.proof").cloned(),
    ) else {
        story.tell(
            "no zero-knowledge proof to anchor (zk chapter produced none)",
            std::time::Duration::ZERO,
        )?;
        return Ok(());
    };
    let origin = "demo.conclave.example/ledger";
    let init = story.step("operator creates a ledger with a checkpoint key", || {
        Ok(Ledger::init(&dir, origin, &mut rand_core::OsRng)?)
    })?;
    let node = story.step("operator starts a ledger node on loopback", || {
        let ledger = Arc::new(Ledger::open(&dir)?);
        Ok(BackgroundNode::start(
            ledger,
            "127.0.0.1:0".parse()?,
            NodeConfig::default(),
        )?)
    })?;
    let url = node.url();
    story.ledger_url = Some(url.clone());
    story.keep_alive.push(Box::new(node));
    let token = keys::read_operator_token(&dir.join(files::OPERATOR_KEY))?;
    let operator = Client::new(&url)?.with_operator_token(token.expose());
    let statement = story.step(
        "operator registers the lender's statement (verifying key)",
        || {
            let statement = Statement::from_file_bytes(
                &fsio::read(&vk_path, fsio::Limit::GROTH16_VERIFYING_KEY)?,
                "loan threshold",
            )?;
            Ok(operator.submit(&statement.into())?)
        },
    )?;
    let public = Client::new(&url)?;
    let anchored = story.step(
        "applicant anchors her proof; the node verifies it first",
        || {
            let entry = entry_from_file(&proof_path)?;
            Ok(public.submit(&entry)?)
        },
    )?;
    story.expect(!anchored.duplicate, "the proof is new to the ledger")?;
    let again = story.step(
        "submitting the same proof again returns the same index",
        || {
            let entry = entry_from_file(&proof_path)?;
            Ok(public.submit(&entry)?)
        },
    )?;
    story.expect(
        again.duplicate && again.index == anchored.index,
        "duplicates are not appended",
    )?;
    let verifier = NoteVerifier::parse(&init.verifier_key)?;
    let verified = story.step(
        &format!(
            "lender verifies entry {} from the ledger alone",
            anchored.index
        ),
        || {
            Ok(verify_entry(
                &Client::new(&url)?,
                &verifier,
                anchored.index,
            )?)
        },
    )?;
    story.expect(
        verified.depends_on.contains(&statement.index),
        "the proof was checked under the registered statement",
    )?;
    story.tell(
        &format!(
            "checkpoint: size {} root {}…",
            verified.tree_size,
            &verified.root.to_hex()[..16]
        ),
        std::time::Duration::ZERO,
    )?;
    anchor_demo_result(story, &operator, &public)?;
    Ok(())
}

/// Anchors the signed results of the earlier MPC/HE chapters: the operator registers the
/// signing parties, the node checks every signature before appending, and a record whose
/// body was altered after signing is refused.
fn anchor_demo_result(story: &mut Story, operator: &Client, public: &Client) -> anyhow::Result<()> {
    for (artifact, who) in [("mpc.result", "bank"), ("he.result", "trustee")] {
        let Some(path) = story.artifacts.get(artifact).cloned() else {
            continue;
        };
        let value: Value = serde_json::from_slice(&fsio::read(&path, fsio::Limit::LEDGER_ENTRY)?)
            .with_context(|| format!("{}: not JSON", path.display()))?;
        let record = ResultRecord::from_record_json(&value)?;
        let body = record.parsed_body()?;
        story.step(
            &format!(
                "operator registers the {} {who} signing keys",
                body.parties.len()
            ),
            || {
                for (i, key) in body.parties.iter().enumerate() {
                    operator
                        .submit(&Party::new(key.to_bytes(), &format!("{who} {}", i + 1))?.into())?;
                }
                Ok(())
            },
        )?;
        let receipt = story.step(
            &format!("the signed {artifact} record is verified and anchored"),
            || Ok(public.submit(&record.clone().into())?),
        )?;
        story.expect(!receipt.duplicate, "the result record is new to the ledger")?;
        let mut forged = value.clone();
        forged["body"] = Value::String(record.body.replacen(
            "\"outputs\":{",
            "\"outputs\":{\"forged\":1,",
            1,
        ));
        let refused = story.step("a record altered after signing is refused", || {
            Ok(public
                .submit(&ResultRecord::from_record_json(&forged)?.into())
                .is_err())
        })?;
        story.expect(
            refused,
            "the ledger refuses a result whose signatures do not match",
        )?;
    }
    Ok(())
}
