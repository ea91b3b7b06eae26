//! `conclave ledger anchor` and `conclave ledger verify --rpc --contract`: the ledger's
//! checkpoints on Ethereum, through the anchor contract of `conclave-eth` (the CLI joins
//! the two crates; neither depends on the other).
//!
//! Posting checks everything the contract cannot: the checkpoint's Ed25519 signature with
//! the log key, its origin against the anchor's, and (RFC 9162 §2.1.4) that it extends the
//! tree anchored before. Verifying checks the entry against the latest anchored tree twice,
//! here and with the contract's `verifyInclusion`, then checks its content.

use std::path::Path;

use anyhow::Context;
use conclave_eth::anchor::{Anchor, AnchoredTree, Inclusion};
use conclave_eth::client::{parse_address, Node};
use conclave_ledger::merkle::{leaf_hash, Hash};
use conclave_ledger::note::{Checkpoint, NoteVerifier};
use conclave_ledger::verify::verify_entry_in;
use conclave_ledger::LedgerError;
use serde_json::json;

use super::{Log, Target};
use crate::cmd::eth::read_signer;
use crate::output::{Output, Verdict};

/// Reports a check that failed (exit 1) with `"ok": false, "valid": false` and `fields`.
fn invalid(out: &Output, human: &str, mut fields: serde_json::Value) -> anyhow::Result<Verdict> {
    fields["ok"] = false.into();
    fields["valid"] = false.into();
    fields["error"] = human.into();
    out.report(&format!("INVALID: {human}"), fields)?;
    Ok(Verdict::Invalid)
}

/// `ledger anchor`: posts the log's latest signed checkpoint.
pub(super) fn post(
    target: &Target,
    verifier: &NoteVerifier,
    rpc: &str,
    contract: &str,
    eth_key: &Path,
    out: &Output,
) -> anyhow::Result<Verdict> {
    let address = parse_address(contract)?;
    let node = Node::connect(rpc, Some(read_signer(eth_key)?))?;
    let anchor = Anchor::at(&node, address);
    let log = Log::connect(target)?;
    let note = log.source().signed_checkpoint()?;
    let checkpoint = match Checkpoint::open(&note, verifier) {
        Ok(checkpoint) => checkpoint,
        Err(e) => {
            return invalid(
                out,
                &format!(
                    "the log's checkpoint does not verify with the log key, not anchored: {e}"
                ),
                json!({ "anchored": false }),
            )
        }
    };
    let bound = anchor.origin()?;
    anyhow::ensure!(
        bound.is_empty() || bound == checkpoint.origin,
        "the anchor {address:#x} is bound to the log {bound:?}, not to {:?}",
        checkpoint.origin
    );
    let described = json!({
        "origin": checkpoint.origin,
        "tree_size": checkpoint.size,
        "root": checkpoint.root,
        "contract": format!("{address:#x}"),
    });
    let previous = anchor.latest()?;
    if let Some(previous) = previous {
        let anchored_root = Hash(previous.root);
        let fork = |why: String| {
            let mut fields = described.clone();
            fields["anchored"] = false.into();
            fields["anchored_size"] = previous.tree_size.into();
            fields["anchored_root"] = json!(anchored_root);
            invalid(out, &why, fields)
        };
        if previous.tree_size > checkpoint.size {
            return fork(format!(
                "the anchor already holds size {} and the log's checkpoint is of size {}: \
                 the log went back (or it is another log)",
                previous.tree_size, checkpoint.size
            ));
        }
        if previous.tree_size == checkpoint.size {
            if anchored_root != checkpoint.root {
                return fork(format!(
                    "size {} is anchored with root {}, the log's checkpoint has root {}: the log forked",
                    checkpoint.size,
                    anchored_root.to_hex(),
                    checkpoint.root.to_hex()
                ));
            }
            let mut fields = described;
            fields["ok"] = true.into();
            fields["anchored"] = false.into();
            fields["already_anchored"] = true.into();
            out.report(
                &format!(
                    "already anchored: {address:#x} holds size {} with the same root (nothing sent)",
                    checkpoint.size
                ),
                fields,
            )?;
            return Ok(Verdict::Success);
        }
        // RFC 9162 §2.1.4: the new tree must extend the anchored one.
        let extends = log
            .consistency(previous.tree_size, checkpoint.size)
            .and_then(|proof| {
                proof
                    .verify(&anchored_root, &checkpoint.root)
                    .map_err(LedgerError::Proof)
            });
        if let Err(e) = extends {
            if !e.is_rejection() {
                return Err(anyhow::Error::new(e).context("cannot check consistency"));
            }
            return fork(format!(
                "the log's checkpoint (size {}) does not extend the anchored tree (size {}): {e}",
                checkpoint.size, previous.tree_size
            ));
        }
    }
    let (sent, _) = out.step("anchoring the checkpoint", || {
        anchor.anchor(checkpoint.size, &checkpoint.root.0, note.as_bytes())
    });
    let sent = sent.context("the checkpoint was not anchored")?;
    let mut fields = described;
    fields["ok"] = true.into();
    fields["anchored"] = true.into();
    fields["previous_size"] = json!(previous.map(|p| p.tree_size));
    fields["transaction"] = sent.tx.clone().into();
    fields["gas_used"] = sent.gas_used.into();
    out.report(
        &format!(
            "anchored the checkpoint of {} at size {} (root {}) in {address:#x}{}: transaction {}, {} gas",
            checkpoint.origin,
            checkpoint.size,
            checkpoint.root.to_hex(),
            previous.map_or(String::new(), |p| format!(
                " (extends the anchored size {})",
                p.tree_size
            )),
            sent.tx,
            sent.gas_used
        ),
        fields,
    )?;
    Ok(Verdict::Success)
}

/// `ledger verify --rpc --contract`: entry `index` against the latest anchored tree.
pub(super) fn verify(
    index: u64,
    target: &Target,
    verifier: Option<&NoteVerifier>,
    rpc: &str,
    contract: &str,
    out: &Output,
) -> anyhow::Result<Verdict> {
    let address = parse_address(contract)?;
    let node = Node::connect(rpc, None)?;
    let anchor = Anchor::at(&node, address);
    let origin = anchor.origin()?;
    if let Some(verifier) = verifier {
        anyhow::ensure!(
            origin.is_empty() || origin == verifier.name(),
            "the anchor {address:#x} is bound to the log {origin:?}, the log key is {:?}'s",
            verifier.name()
        );
    }
    let log = Log::connect(target)?;
    let Some(AnchoredTree { tree_size, root }) = anchor.latest()? else {
        return invalid(
            out,
            &format!(
                "nothing is anchored in {address:#x} yet: entry {index} cannot be checked \
                 against it (run `conclave ledger anchor` first)"
            ),
            json!({ "entry": index, "beyond_anchor": true, "anchored_size": 0, "contract": format!("{address:#x}") }),
        );
    };
    let root = Hash(root);
    let mut fields = json!({
        "entry": index,
        "anchored_size": tree_size,
        "anchored_root": root,
        "contract": format!("{address:#x}"),
        "beyond_anchor": index >= tree_size,
    });
    if index >= tree_size {
        return invalid(
            out,
            &format!(
                "entry {index} is beyond the anchored tree: {address:#x} anchors size \
                 {tree_size} (entries 0 to {}); anchor a newer checkpoint (`conclave ledger \
                 anchor`) and verify again",
                tree_size - 1
            ),
            fields,
        );
    }
    let checkpoint = Checkpoint {
        origin: verifier.map_or_else(|| origin.clone(), |v| v.name().to_owned()),
        size: tree_size,
        root,
    };
    // Here: inclusion in the anchored tree, then content.
    let local = match verify_entry_in(log.source(), &checkpoint, index) {
        Err(e) if !e.is_rejection() => {
            return Err(anyhow::Error::new(e).context(format!(
                "entry {index} could not be checked against size {tree_size}"
            )))
        }
        local => local,
    };
    // The contract: the same inclusion proof, from the log, checked on chain.
    let (_, bytes) = log.source().entry_at(index)?;
    let leaf = leaf_hash(&bytes);
    let proof = log.source().inclusion(index, tree_size)?;
    let hashes: Vec<[u8; 32]> = proof.hashes.iter().map(|h| h.0).collect();
    let on_chain = anchor.verify_inclusion(index, tree_size, &leaf.0, &hashes)?;
    fields["leaf_hash"] = json!(leaf);
    fields["on_chain"] = match &on_chain {
        Inclusion::Included => "included".into(),
        Inclusion::NotIncluded => "not_included".into(),
        Inclusion::Refused(reason) => format!("refused: {reason}").into(),
    };
    match (local, on_chain) {
        (Ok(verified), Inclusion::Included) => {
            fields["ok"] = true.into();
            fields["valid"] = true.into();
            fields["local"] = true.into();
            fields["verified"] = json!(verified);
            out.report(
                &format!(
                    "VALID: entry {index} ({}) is in the tree of size {tree_size} anchored in \
                     {address:#x} (root {}): checked here and by the contract's \
                     verifyInclusion, and its content verifies",
                    verified.kind,
                    root.to_hex()
                ),
                fields,
            )?;
            Ok(Verdict::Success)
        }
        (Ok(_), on_chain) => {
            fields["local"] = true.into();
            invalid(
                out,
                &format!(
                    "entry {index} verifies here against size {tree_size} but the contract \
                     says {on_chain:?}"
                ),
                fields,
            )
        }
        (Err(e), on_chain) => {
            fields["local"] = false.into();
            fields["code"] = e.code().into();
            invalid(
                out,
                &format!(
                    "entry {index} does not verify against the tree of size {tree_size} \
                     anchored in {address:#x}: {e} (the contract: {})",
                    match on_chain {
                        Inclusion::Included => "included".to_owned(),
                        Inclusion::NotIncluded => "not included".to_owned(),
                        Inclusion::Refused(reason) => format!("refused: {reason}"),
                    }
                ),
                fields,
            )
        }
    }
}
