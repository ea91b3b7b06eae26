//! The full audit of a log, runnable by anyone who holds only the log's public verifier
//! key (`log.pub`): check the signed checkpoint, decode and re-verify every entry against
//! the registrations that precede it, rebuild the RFC 9162 tree (§2.1.1) and compare its
//! head with the checkpoint.
//!
//! Three ways to reach the entries:
//! - [`audit_dir`]: a ledger directory opened **read-only** (redb's multi-process
//!   single-writer mode), so it runs while a node serves the same directory; it reads one
//!   consistent snapshot (one read transaction holds the checkpoint and the entries).
//! - [`audit_node`]: a node over HTTP ([`Client`]); nothing the node says is trusted beyond
//!   what the checkpoint signature and the recomputed tree establish.
//! - [`crate::store::Ledger::audit`]: a ledger this process has open.
//!
//! # Security
//! The verifier key must come from somewhere other than the log being audited (never from
//! the node's `/v1/health`). The checkpoint signature is checked before any entry is read.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use redb::ReadableDatabase;
use serde::Serialize;

use crate::client::Client;
use crate::entry::{
    Entry, NullifierKey, PredicateVerifyingKey, Registry, RootRecord, StatementKey,
};
use crate::error::{AuditFinding, LedgerError};
use crate::merkle::{leaf_hash, Hash, MerkleTree};
use crate::note::{Checkpoint, NoteVerifier};
use crate::store::{files, ENTRIES, META};

/// Entries verified together (Groth16 batch verification) between registrations.
const CHUNK: usize = 256;

/// What an audit established.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// Entries checked.
    pub entries: u64,
    /// Count per kind.
    pub kinds: BTreeMap<String, u64>,
    /// The recomputed tree head.
    pub root: Hash,
    /// The origin of the audited log (the verifier key's name).
    pub origin: String,
}

/// Audits `entries` (index and canonical bytes, in order from 0) against the signed
/// checkpoint `note`, checked with `verifier`. `log` names the log in error messages.
/// Entries beyond the checkpoint's size are not read.
///
/// # Errors
/// [`LedgerError::Checkpoint`] when `note` is not signed by `verifier` (checked first);
/// [`LedgerError::AuditFailed`] naming the first entry that is missing, does not decode
/// or no longer verifies, or a tree that does not match the checkpoint; errors of the
/// iterator (storage, transport).
pub fn audit_entries<I>(
    log: &str,
    note: &str,
    verifier: &NoteVerifier,
    entries: I,
) -> Result<AuditReport, LedgerError>
where
    I: IntoIterator<Item = Result<(u64, Vec<u8>), LedgerError>>,
{
    let checkpoint = Checkpoint::open(note, verifier).map_err(|e| {
        let why = match e {
            LedgerError::Checkpoint { reason } => reason,
            other => other.to_string(),
        };
        LedgerError::Checkpoint {
            reason: format!(
                "not signed by the key {}+{} given ({why}); is the key file the log.pub of {log}?",
                verifier.name(),
                hex::encode(verifier.id())
            ),
        }
    })?;
    let failed = |finding: AuditFinding| LedgerError::AuditFailed {
        log: log.to_owned(),
        finding,
    };
    let mut registry = AuditRegistry::default();
    let mut tree = MerkleTree::new();
    let mut kinds = BTreeMap::new();
    let mut chunk: Vec<(u64, Entry)> = Vec::new();
    let flush =
        |chunk: &mut Vec<(u64, Entry)>, registry: &AuditRegistry| -> Result<(), LedgerError> {
            let refs: Vec<&Entry> = chunk.iter().map(|(_, e)| e).collect();
            for ((index, _), result) in chunk.iter().zip(Entry::verify_all(&refs, registry)) {
                result.map_err(|e| {
                    failed(AuditFinding::NoLongerVerifies {
                        index: *index,
                        source: Box::new(e),
                    })
                })?;
            }
            chunk.clear();
            Ok(())
        };
    for item in entries {
        if tree.size() == checkpoint.size {
            break;
        }
        let (index, bytes) = item?;
        if index != tree.size() {
            return Err(failed(AuditFinding::Missing {
                expected: tree.size(),
                found: index,
            }));
        }
        let entry = Entry::from_bytes(&bytes).map_err(|e| {
            failed(AuditFinding::Undecodable {
                index,
                source: Box::new(e),
            })
        })?;
        *kinds.entry(entry.kind().to_owned()).or_insert(0u64) += 1;
        tree.push(leaf_hash(&bytes));
        if entry.registration().is_some() {
            flush(&mut chunk, &registry)?;
            entry.verify(&registry).map_err(|e| {
                failed(AuditFinding::NoLongerVerifies {
                    index,
                    source: Box::new(e),
                })
            })?;
            registry.add(&entry, index);
        } else {
            chunk.push((index, entry));
            if chunk.len() >= CHUNK {
                flush(&mut chunk, &registry)?;
            }
        }
    }
    flush(&mut chunk, &registry)?;
    if tree.size() != checkpoint.size {
        return Err(failed(AuditFinding::Short {
            signed: checkpoint.size,
            found: tree.size(),
        }));
    }
    if tree.root() != checkpoint.root {
        return Err(failed(AuditFinding::RootMismatch));
    }
    Ok(AuditReport {
        entries: tree.size(),
        kinds,
        root: tree.root(),
        origin: checkpoint.origin,
    })
}

/// Audits the ledger in `dir` without taking the writer's lock: the database is opened
/// read-only, so a node may be serving (and appending to) it meanwhile. The audit sees
/// one consistent snapshot. Only public data is read: no key file of `dir` is needed.
///
/// # Errors
/// [`LedgerError::NotInitialized`]; [`LedgerError::InUse`] when a writer that does not
/// share the file (an older node) has it open; [`LedgerError::NeedsRecovery`] after a
/// crash, until a writer has opened it again; the errors of [`audit_entries`]; storage
/// errors.
pub fn audit_dir(dir: &Path, verifier: &NoteVerifier) -> Result<AuditReport, LedgerError> {
    let db_path = dir.join(files::DATABASE);
    if !db_path.exists() {
        return Err(LedgerError::NotInitialized {
            path: dir.display().to_string(),
        });
    }
    let log = dir.display().to_string();
    let db = match crate::store::database_builder().open_read_only(&db_path) {
        Ok(db) => db,
        Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
            return Err(LedgerError::InUse {
                path: db_path.display().to_string(),
            })
        }
        Err(redb::DatabaseError::RepairAborted) => {
            return Err(LedgerError::NeedsRecovery {
                path: db_path.display().to_string(),
            })
        }
        Err(e) => return Err(e.into()),
    };
    let txn = db.begin_read()?;
    let meta = txn.open_table(META)?;
    let note = meta
        .get("checkpoint")?
        .map(|v| String::from_utf8(v.value().to_vec()))
        .transpose()
        .map_err(|_| LedgerError::AuditFailed {
            log: log.clone(),
            finding: AuditFinding::NoCheckpoint,
        })?
        .ok_or_else(|| LedgerError::AuditFailed {
            log: log.clone(),
            finding: AuditFinding::NoCheckpoint,
        })?;
    let table = txn.open_table(ENTRIES)?;
    let entries = table.range(0u64..)?.map(|item| {
        let (key, value) = item?;
        Ok::<_, LedgerError>((key.value(), value.value().to_vec()))
    });
    audit_entries(&log, &note, verifier, entries)
}

/// Audits the log a node serves: fetches its signed checkpoint and every entry it covers
/// (`GET /v1/checkpoint`, `GET /v1/entries/{i}`) and recomputes everything locally.
///
/// # Errors
/// The errors of [`audit_entries`] and transport errors.
pub fn audit_node(client: &Client, verifier: &NoteVerifier) -> Result<AuditReport, LedgerError> {
    let note = client.checkpoint()?;
    // Checked before the entries are fetched, so a wrong key fails fast.
    let checkpoint = Checkpoint::open(&note, verifier);
    let size = checkpoint.as_ref().map_or(0, |c| c.size);
    let entries = (0..size).map(|index| client.entry(index).map(|f| (f.index, f.bytes)));
    audit_entries(client.base(), &note, verifier, entries)
}

/// Registrations seen so far while auditing from the start.
/// Revocation roots and nullifiers are those of the entries before the one being checked,
/// so an audit repeats the order checks of append (strictly increasing sequences, a root
/// anchored before the proof that names it, one nullifier per scope), not the clock checks.
#[derive(Default)]
pub(crate) struct AuditRegistry {
    statements: HashMap<[u8; 32], Arc<StatementKey>>,
    parties: HashMap<[u8; 32], ()>,
    issuers: HashMap<[u8; 32], ()>,
    predicate_statements: HashMap<[u8; 32], Arc<PredicateVerifyingKey>>,
    revocations: HashMap<[u8; 32], Vec<RootRecord>>,
    nullifiers: HashMap<NullifierKey, u64>,
}

impl AuditRegistry {
    fn add(&mut self, entry: &Entry, index: u64) {
        match entry {
            Entry::Statement(s) => {
                self.statements.entry(s.id()).or_insert_with(|| s.key());
            }
            Entry::Party(p) => {
                self.parties.insert(p.public_key, ());
            }
            Entry::Issuer(i) => {
                self.issuers.insert(i.id(), ());
            }
            Entry::PredicateStatement(p) => {
                self.predicate_statements
                    .entry(p.id())
                    .or_insert_with(|| p.key());
            }
            Entry::Revocation(r) => {
                self.revocations
                    .entry(r.issuer_id())
                    .or_default()
                    .push(RootRecord {
                        sequence: r.sequence,
                        root: r.root_bytes(),
                        index,
                        superseded_at: None,
                    });
            }
            Entry::Predicate(p) => {
                self.nullifiers.entry(p.nullifier_key()).or_insert(index);
            }
            _ => {}
        }
    }
}

impl Registry for AuditRegistry {
    fn party_registered(&self, key: &[u8; 32]) -> Result<bool, LedgerError> {
        Ok(self.parties.contains_key(key))
    }

    fn statement(&self, id: &[u8; 32]) -> Result<Option<Arc<StatementKey>>, LedgerError> {
        Ok(self.statements.get(id).cloned())
    }

    fn issuer_registered(&self, id: &[u8; 32]) -> Result<bool, LedgerError> {
        Ok(self.issuers.contains_key(id))
    }

    fn predicate_statement(
        &self,
        id: &[u8; 32],
    ) -> Result<Option<Arc<PredicateVerifyingKey>>, LedgerError> {
        Ok(self.predicate_statements.get(id).cloned())
    }

    fn revocation_root(
        &self,
        issuer: &[u8; 32],
        sequence: u64,
    ) -> Result<Option<RootRecord>, LedgerError> {
        Ok(self
            .revocations
            .get(issuer)
            .and_then(|roots| roots.iter().find(|r| r.sequence == sequence))
            .copied())
    }

    fn latest_revocation(&self, issuer: &[u8; 32]) -> Result<Option<RootRecord>, LedgerError> {
        Ok(self
            .revocations
            .get(issuer)
            .and_then(|roots| roots.last())
            .copied())
    }

    fn nullifier_seen(&self, key: &NullifierKey) -> Result<Option<u64>, LedgerError> {
        Ok(self.nullifiers.get(key).copied())
    }
}
