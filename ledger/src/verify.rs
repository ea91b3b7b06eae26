//! Verifying an entry "from the ledger alone": given only the log's verifier key, check a
//! signed checkpoint, the entry's inclusion in it (RFC 9162 §2.1.3.2), and the entry's own
//! content — a Groth16 proof against its statement's key (itself proven included), a
//! result's signatures against party keys (each proven included), or a predicate proof
//! against its predicate statement, with every issuer it names and every revocation root
//! it names proven included.
//!
//! What needs the whole log is not checked here: that a predicate proof's nullifier is the
//! first in its scope, and that a revocation root's sequence is above its predecessors
//! (the log checks both on append, an audit repeats them); nor what needs the ledger's
//! clock at append time (`$now` window, revocation grace, see [`crate::policy`]).
//!
//! Works against an embedded [`Ledger`] or a node [`Client`] through [`LogSource`]; nothing
//! the source says is trusted beyond what the proofs establish.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use crate::client::Client;
use crate::entry::{Entry, PredicateVerifyingKey, Registry, RootRecord, StatementKey};
use crate::error::LedgerError;
use crate::merkle::{leaf_hash, Hash, InclusionProof};
use crate::note::{Checkpoint, NoteVerifier};
use crate::store::Ledger;

/// Where a verifier reads the log from.
pub trait LogSource {
    /// The latest signed checkpoint note.
    ///
    /// # Errors
    /// Transport or storage errors.
    fn signed_checkpoint(&self) -> Result<String, LedgerError>;
    /// The canonical bytes of entry `index`.
    ///
    /// # Errors
    /// Not found, transport or storage errors.
    fn entry_at(&self, index: u64) -> Result<(u64, Vec<u8>), LedgerError>;
    /// The index and bytes of the statement entry for `id`.
    ///
    /// # Errors
    /// Not found, transport or storage errors.
    fn statement_entry(&self, id: &[u8; 32]) -> Result<(u64, Vec<u8>), LedgerError>;
    /// The index and bytes of the party entry for `key`.
    ///
    /// # Errors
    /// Not found, transport or storage errors.
    fn party_entry(&self, key: &[u8; 32]) -> Result<(u64, Vec<u8>), LedgerError>;
    /// An inclusion proof.
    ///
    /// # Errors
    /// Out of range, transport or storage errors.
    fn inclusion(&self, index: u64, size: u64) -> Result<InclusionProof, LedgerError>;
    /// The index and bytes of the issuer entry for the packed key `id`.
    ///
    /// # Errors
    /// Not found, transport or storage errors.
    fn issuer_entry(&self, id: &[u8; 32]) -> Result<(u64, Vec<u8>), LedgerError>;
    /// The index and bytes of the revocation entry of issuer `id` with `sequence`.
    ///
    /// # Errors
    /// Not found, transport or storage errors.
    fn revocation_entry(&self, id: &[u8; 32], sequence: u64)
        -> Result<(u64, Vec<u8>), LedgerError>;
}

impl LogSource for Ledger {
    fn signed_checkpoint(&self) -> Result<String, LedgerError> {
        Ok(self.checkpoint().note)
    }
    fn entry_at(&self, index: u64) -> Result<(u64, Vec<u8>), LedgerError> {
        Ok((index, self.entry_bytes(index)?))
    }
    fn statement_entry(&self, id: &[u8; 32]) -> Result<(u64, Vec<u8>), LedgerError> {
        let stored = self.statement(id)?;
        Ok((stored.index, stored.bytes))
    }
    fn party_entry(&self, key: &[u8; 32]) -> Result<(u64, Vec<u8>), LedgerError> {
        let stored = self.party(key)?;
        Ok((stored.index, stored.bytes))
    }
    fn inclusion(&self, index: u64, size: u64) -> Result<InclusionProof, LedgerError> {
        self.inclusion_proof(index, size)
    }
    fn issuer_entry(&self, id: &[u8; 32]) -> Result<(u64, Vec<u8>), LedgerError> {
        let stored = self.issuer(id)?;
        Ok((stored.index, stored.bytes))
    }
    fn revocation_entry(
        &self,
        id: &[u8; 32],
        sequence: u64,
    ) -> Result<(u64, Vec<u8>), LedgerError> {
        let stored = self.revocation(id, sequence)?;
        Ok((stored.index, stored.bytes))
    }
}

impl LogSource for Client {
    fn signed_checkpoint(&self) -> Result<String, LedgerError> {
        self.checkpoint()
    }
    fn entry_at(&self, index: u64) -> Result<(u64, Vec<u8>), LedgerError> {
        let fetched = self.entry(index)?;
        Ok((fetched.index, fetched.bytes))
    }
    fn statement_entry(&self, id: &[u8; 32]) -> Result<(u64, Vec<u8>), LedgerError> {
        let fetched = self.statement(id)?;
        Ok((fetched.index, fetched.bytes))
    }
    fn party_entry(&self, key: &[u8; 32]) -> Result<(u64, Vec<u8>), LedgerError> {
        let fetched = self.party(key)?;
        Ok((fetched.index, fetched.bytes))
    }
    fn inclusion(&self, index: u64, size: u64) -> Result<InclusionProof, LedgerError> {
        self.inclusion_proof(index, size)
    }
    fn issuer_entry(&self, id: &[u8; 32]) -> Result<(u64, Vec<u8>), LedgerError> {
        let fetched = self.issuer(id)?;
        Ok((fetched.index, fetched.bytes))
    }
    fn revocation_entry(
        &self,
        id: &[u8; 32],
        sequence: u64,
    ) -> Result<(u64, Vec<u8>), LedgerError> {
        let fetched = self.revocation(id, sequence)?;
        Ok((fetched.index, fetched.bytes))
    }
}

/// What [`verify_entry`] established.
#[derive(Debug, Clone, Serialize)]
pub struct VerifiedEntry {
    /// The entry's index.
    pub index: u64,
    /// Its kind.
    pub kind: String,
    /// Its leaf hash.
    pub leaf_hash: Hash,
    /// The checkpoint size it was proven against.
    pub tree_size: u64,
    /// The checkpoint root.
    pub root: Hash,
    /// The entry's JSON form.
    pub entry: serde_json::Value,
    /// Entries the verification relied on (statement or party registrations), by index.
    pub depends_on: Vec<u64>,
}

/// Fetches an included entry and checks its inclusion against `checkpoint`.
fn included(
    source: &dyn LogSource,
    checkpoint: &Checkpoint,
    index: u64,
    bytes: &[u8],
) -> Result<Entry, LedgerError> {
    if index >= checkpoint.size {
        return Err(crate::ProofError::IndexOutOfRange {
            index,
            tree_size: checkpoint.size,
        }
        .into());
    }
    let proof = source.inclusion(index, checkpoint.size)?;
    if proof.index != index || proof.tree_size != checkpoint.size {
        return Err(LedgerError::Proof(crate::ProofError::RootMismatch));
    }
    proof.verify(&leaf_hash(bytes), &checkpoint.root)?;
    Entry::from_bytes(bytes)
}

struct ProvenRegistry<'s> {
    source: &'s dyn LogSource,
    checkpoint: &'s Checkpoint,
    used: std::cell::RefCell<Vec<u64>>,
    statements: std::cell::RefCell<HashMap<[u8; 32], Arc<StatementKey>>>,
}

impl ProvenRegistry<'_> {
    /// An included registration found by `lookup`, or `None` when the source has none.
    fn registered(
        &self,
        lookup: impl FnOnce() -> Result<(u64, Vec<u8>), LedgerError>,
    ) -> Result<Option<(u64, Entry)>, LedgerError> {
        let (index, bytes) = match lookup() {
            Ok(found) => found,
            Err(e) if e.code() == "not_found" => return Ok(None),
            Err(e) => return Err(e),
        };
        let entry = included(self.source, self.checkpoint, index, &bytes)?;
        Ok(Some((index, entry)))
    }
}

impl Registry for ProvenRegistry<'_> {
    fn party_registered(&self, key: &[u8; 32]) -> Result<bool, LedgerError> {
        let (index, bytes) = match self.source.party_entry(key) {
            Ok(found) => found,
            Err(e) if e.code() == "not_found" => return Ok(false),
            Err(e) => return Err(e),
        };
        match included(self.source, self.checkpoint, index, &bytes)? {
            Entry::Party(party) if &party.public_key == key => {
                self.used.borrow_mut().push(index);
                Ok(true)
            }
            _ => Err(LedgerError::malformed(
                "party registration",
                "the log served another entry",
            )),
        }
    }

    fn statement(&self, id: &[u8; 32]) -> Result<Option<Arc<StatementKey>>, LedgerError> {
        if let Some(key) = self.statements.borrow().get(id) {
            return Ok(Some(Arc::clone(key)));
        }
        let (index, bytes) = match self.source.statement_entry(id) {
            Ok(found) => found,
            Err(e) if e.code() == "not_found" => return Ok(None),
            Err(e) => return Err(e),
        };
        match included(self.source, self.checkpoint, index, &bytes)? {
            Entry::Statement(statement) if &statement.id() == id => {
                self.used.borrow_mut().push(index);
                let key = statement.key();
                self.statements.borrow_mut().insert(*id, Arc::clone(&key));
                Ok(Some(key))
            }
            _ => Err(LedgerError::malformed(
                "statement registration",
                "the log served another entry",
            )),
        }
    }

    fn issuer_registered(&self, id: &[u8; 32]) -> Result<bool, LedgerError> {
        match self.registered(|| self.source.issuer_entry(id))? {
            None => Ok(false),
            Some((index, Entry::Issuer(issuer))) if &issuer.id() == id => {
                self.used.borrow_mut().push(index);
                Ok(true)
            }
            Some(_) => Err(LedgerError::malformed(
                "issuer registration",
                "the log served another entry",
            )),
        }
    }

    fn predicate_statement(
        &self,
        id: &[u8; 32],
    ) -> Result<Option<Arc<PredicateVerifyingKey>>, LedgerError> {
        match self.registered(|| self.source.statement_entry(id))? {
            None => Ok(None),
            Some((index, Entry::PredicateStatement(statement))) if &statement.id() == id => {
                self.used.borrow_mut().push(index);
                Ok(Some(statement.key()))
            }
            Some(_) => Err(LedgerError::malformed(
                "predicate statement registration",
                "the log served another entry",
            )),
        }
    }

    fn revocation_root(
        &self,
        issuer: &[u8; 32],
        sequence: u64,
    ) -> Result<Option<RootRecord>, LedgerError> {
        match self.registered(|| self.source.revocation_entry(issuer, sequence))? {
            None => Ok(None),
            Some((index, Entry::Revocation(root)))
                if &root.issuer_id() == issuer && root.sequence == sequence =>
            {
                self.used.borrow_mut().push(index);
                Ok(Some(RootRecord {
                    sequence,
                    root: root.root_bytes(),
                    index,
                    superseded_at: None,
                }))
            }
            Some(_) => Err(LedgerError::malformed(
                "revocation root",
                "the log served another entry",
            )),
        }
    }
}

/// Verifies entry `index` from the log alone: checkpoint signature, inclusion, content.
///
/// # Errors
/// [`LedgerError::Checkpoint`] for a bad checkpoint signature, [`LedgerError::Proof`] for a
/// failed inclusion proof, the entry kind's verification error for bad content, and
/// transport or storage errors.
pub fn verify_entry(
    source: &dyn LogSource,
    verifier: &NoteVerifier,
    index: u64,
) -> Result<VerifiedEntry, LedgerError> {
    let note = source.signed_checkpoint()?;
    let checkpoint = Checkpoint::open(&note, verifier)?;
    verify_entry_in(source, &checkpoint, index)
}

/// Verifies entry `index` against a tree head the caller already trusts (say, one anchored
/// on chain): inclusion in `checkpoint`'s tree, then content, with the statement and party
/// registrations it relies on proven included in the same tree. The checkpoint's origin
/// is not checked here.
///
/// # Errors
/// [`LedgerError::Proof`] for a failed inclusion proof (an index not below the
/// checkpoint's size included), the entry kind's verification error for bad content, and
/// transport or storage errors.
pub fn verify_entry_in(
    source: &dyn LogSource,
    checkpoint: &Checkpoint,
    index: u64,
) -> Result<VerifiedEntry, LedgerError> {
    let (served_index, bytes) = source.entry_at(index)?;
    if served_index != index {
        return Err(LedgerError::malformed(
            "node response",
            "the node served another index",
        ));
    }
    let entry = included(source, checkpoint, index, &bytes)?;
    let registry = ProvenRegistry {
        source,
        checkpoint,
        used: std::cell::RefCell::new(Vec::new()),
        statements: std::cell::RefCell::new(HashMap::new()),
    };
    entry.verify(&registry)?;
    let mut depends_on = registry.used.into_inner();
    depends_on.sort_unstable();
    depends_on.dedup();
    Ok(VerifiedEntry {
        index,
        kind: entry.kind().to_owned(),
        leaf_hash: leaf_hash(&bytes),
        tree_size: checkpoint.size,
        root: checkpoint.root,
        entry: entry.to_json(),
        depends_on,
    })
}
