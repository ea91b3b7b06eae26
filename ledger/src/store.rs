//! The log itself: verify-on-append, durable storage in redb, signed checkpoints, the
//! self-check on open and the full audit.
//!
//! # Layout of a ledger directory
//! - `ledger.redb` — the redb database: table `entries` (u64 index → canonical entry bytes)
//!   and table `meta` (format version, origin, SHA-256 of the operator credential, the
//!   latest signed checkpoint); the indexes of credential proofs: table `nullifiers`
//!   (64-byte [`NullifierKey`] → index of the `predicate` entry that used it) and table
//!   `revocation_times` (index of a `revocation` entry → the ledger's time when it was
//!   appended, seconds since 1970), both written in the transaction of their entries.
//! - `log.key` (0600) — the checkpoint signing key; `log.pub` — its signed-note verifier key.
//! - `operator.key` (0600) — the operator credential needed to register statements and parties.
//!
//! # Guarantees
//! - An entry is acknowledged only after the redb transaction holding it (and the
//!   checkpoint that covers it) committed with `Durability::Immediate`.
//! - A batch is verified first (Groth16 proofs per statement with the batch verifier),
//!   then the accepted entries are committed in one transaction.
//! - Exact duplicates are not appended twice: the existing index is returned.
//! - A predicate proof's nullifier is accepted once per scope, across batches, restarts
//!   and reopenings (the `nullifiers` table; on open its size must match the number of
//!   `predicate` entries).
//! - Every checkpoint the log signs extends the previous one: before signing, the log
//!   checks the RFC 9162 consistency proof between them.
//! - On open, the tree is rebuilt from the stored entries and must match the stored signed
//!   checkpoint; otherwise the log refuses to start and says what is wrong.
//! - One process at a time opens the database for writing (the node, or an embedded
//!   command); others get [`LedgerError::InUse`]. Read-only handles in other processes
//!   ([`crate::audit::audit_dir`]) share the file with the writer (redb's
//!   `ConcurrencyMode::SingleWriter`) and read consistent snapshots of its commits.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use rand_core::CryptoRngCore;
use redb::{Database, ReadableDatabase, TableDefinition};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::entry::{
    Entry, EntryKind, Issuer, NullifierKey, PredicateProofEntry, PredicateStatementEntry,
    PredicateVerifyingKey, Registration, Registry, RevocationRoot, RootRecord, Statement,
    StatementKey, ENTRY_VERSION, PENDING,
};
use crate::error::LedgerError;
use crate::keys::{self, OperatorToken};
use crate::merkle::{ConsistencyProof, Hash, InclusionProof, MerkleTree};
use crate::note::{Checkpoint, NoteSigner, NoteVerifier};
use crate::policy::{AppendContext, AppendPolicy};

pub(crate) const ENTRIES: TableDefinition<u64, &[u8]> = TableDefinition::new("entries");
pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const NULLIFIERS: TableDefinition<&[u8], u64> = TableDefinition::new("nullifiers");
const REVOCATION_TIMES: TableDefinition<u64, u64> = TableDefinition::new("revocation_times");

/// How every process opens a ledger database: one writer (the node or an embedded
/// command) and any number of read-only handles in other processes, which follow its
/// commits ([`crate::audit::audit_dir`] runs while a node serves).
pub(crate) fn database_builder() -> redb::Builder {
    let mut builder = Database::builder();
    builder.set_concurrency_mode(redb::ConcurrencyMode::SingleWriter);
    builder
}
/// Format version of the database layout.
pub const STORE_VERSION: &str = "conclave.ledger.v1";
/// File names inside a ledger directory.
pub mod files {
    /// The database.
    pub const DATABASE: &str = "ledger.redb";
    /// The checkpoint signing key (secret).
    pub const LOG_KEY: &str = "log.key";
    /// The published verifier key.
    pub const LOG_PUB: &str = "log.pub";
    /// The operator credential (secret).
    pub const OPERATOR_KEY: &str = "operator.key";
}

/// What the log answers to an accepted (or duplicate) submission.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Receipt {
    /// Index of the entry in the log.
    pub index: u64,
    /// Its kind.
    pub kind: String,
    /// Its Merkle leaf hash.
    pub leaf_hash: Hash,
    /// Whether the entry was already in the log (nothing was appended).
    pub duplicate: bool,
    /// The signed checkpoint the proof refers to.
    pub checkpoint: String,
    /// Inclusion proof of the entry in that checkpoint's tree.
    pub inclusion: InclusionProof,
}

/// The latest signed checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedCheckpoint {
    /// Tree size.
    pub size: u64,
    /// Tree head.
    pub root: Hash,
    /// The signed note.
    pub note: String,
}

/// An entry read back from the log.
#[derive(Debug, Clone)]
pub struct StoredEntry {
    /// Its index.
    pub index: u64,
    /// Its canonical bytes.
    pub bytes: Vec<u8>,
    /// The decoded entry.
    pub entry: Entry,
}

pub use crate::audit::AuditReport;

/// Secrets and public values created by [`Ledger::init`].
pub struct InitOutput {
    /// The log's verifier key (signed-note form), also written to `log.pub`.
    pub verifier_key: String,
}

struct State {
    tree: MerkleTree,
    /// Entries visible to readers (the tree may hold a batch being committed beyond it).
    committed: u64,
    checkpoint: SignedCheckpoint,
    leaves: HashMap<Hash, u64>,
    statements: HashMap<[u8; 32], (u64, Arc<StatementKey>)>,
    parties: HashMap<[u8; 32], u64>,
    issuers: HashMap<[u8; 32], u64>,
    predicate_statements: HashMap<[u8; 32], (u64, Arc<PredicateVerifyingKey>)>,
    /// Per issuer, its anchored roots in log order (so by increasing sequence).
    revocations: HashMap<[u8; 32], Vec<StoredRoot>>,
    nullifiers: HashMap<NullifierKey, u64>,
}

/// An anchored revocation root and when the ledger appended it.
#[derive(Debug, Clone, Copy)]
struct StoredRoot {
    sequence: u64,
    root: [u8; 32],
    index: u64,
    appended_at: u64,
}

/// The record of `roots[position]`, superseded when the next root was appended.
fn root_record(roots: &[StoredRoot], position: usize) -> RootRecord {
    let root = roots[position];
    RootRecord {
        sequence: root.sequence,
        root: root.root,
        index: root.index,
        superseded_at: roots.get(position + 1).map(|next| next.appended_at),
    }
}

/// An open ledger. Share it between threads behind an `Arc`.
pub struct Ledger {
    db: Database,
    dir: PathBuf,
    signer: NoteSigner,
    operator_hash: [u8; 32],
    state: RwLock<State>,
    writer: Mutex<()>,
    policy: AppendPolicy,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("dir", &self.dir)
            .field("origin", &self.signer.name())
            .finish_non_exhaustive()
    }
}

fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.trim().as_bytes()).into()
}

impl Ledger {
    /// Creates a new ledger in `dir`: database, checkpoint key, operator credential.
    ///
    /// # Errors
    /// [`LedgerError::AlreadyInitialized`] when `dir` already has a ledger; I/O and
    /// storage errors; [`LedgerError::Checkpoint`] for an origin that cannot be a key name.
    pub fn init(
        dir: &Path,
        origin: &str,
        rng: &mut impl CryptoRngCore,
    ) -> Result<InitOutput, LedgerError> {
        let db_path = dir.join(files::DATABASE);
        // Any file of a ledger already there (a database, or keys kept from an earlier
        // set-up) means this folder is taken: nothing is written, nothing replaced.
        let taken = [
            files::DATABASE,
            files::LOG_KEY,
            files::OPERATOR_KEY,
            files::LOG_PUB,
        ]
        .iter()
        .any(|name| dir.join(name).exists());
        if taken {
            return Err(LedgerError::AlreadyInitialized {
                path: dir.display().to_string(),
            });
        }
        std::fs::create_dir_all(dir).map_err(|e| LedgerError::io(dir, e))?;
        let signer = NoteSigner::generate(origin, rng)?;
        let token = OperatorToken::generate(rng);
        keys::write_log_key(&dir.join(files::LOG_KEY), &signer)?;
        keys::write_operator_token(&dir.join(files::OPERATOR_KEY), &token)?;
        let verifier_key = signer.verifier().to_string();
        keys::write_public(
            &dir.join(files::LOG_PUB),
            format!("{verifier_key}\n").as_bytes(),
        )?;

        let db = database_builder().create(&db_path)?;
        let empty = Checkpoint {
            origin: origin.to_owned(),
            size: 0,
            root: MerkleTree::new().root(),
        };
        let note = empty.sign(&signer)?;
        let txn = db.begin_write()?;
        {
            let mut meta = txn.open_table(META)?;
            meta.insert("format", STORE_VERSION.as_bytes())?;
            meta.insert("origin", origin.as_bytes())?;
            meta.insert("operator_sha256", token_hash(token.expose()).as_slice())?;
            meta.insert("checkpoint", note.as_bytes())?;
            txn.open_table(ENTRIES)?;
            txn.open_table(NULLIFIERS)?;
            txn.open_table(REVOCATION_TIMES)?;
        }
        txn.commit()?;
        Ok(InitOutput { verifier_key })
    }

    /// Opens the ledger in `dir`, rebuilding the tree and checking it against the stored
    /// signed checkpoint.
    ///
    /// # Errors
    /// [`LedgerError::NotInitialized`], [`LedgerError::InUse`] (another process has it
    /// open), [`LedgerError::Corrupt`] naming the inconsistency, I/O and storage errors.
    pub fn open(dir: &Path) -> Result<Self, LedgerError> {
        let db_path = dir.join(files::DATABASE);
        if !db_path.exists() {
            return Err(LedgerError::NotInitialized {
                path: dir.display().to_string(),
            });
        }
        let corrupt = |what: String| LedgerError::Corrupt {
            path: db_path.display().to_string(),
            what,
        };
        let db = match database_builder().open(&db_path) {
            Ok(db) => db,
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
                return Err(LedgerError::InUse {
                    path: db_path.display().to_string(),
                })
            }
            Err(redb::DatabaseError::Storage(redb::StorageError::Corrupted(what))) => {
                return Err(corrupt(format!("database file: {what}")))
            }
            Err(e) => return Err(e.into()),
        };
        let signer = keys::read_log_key(&dir.join(files::LOG_KEY))?;
        // The credential indexes came after the first ledgers: create them when missing.
        {
            let txn = db.begin_write()?;
            txn.open_table(NULLIFIERS)?;
            txn.open_table(REVOCATION_TIMES)?;
            txn.commit()?;
        }

        let txn = db.begin_read()?;
        let meta = txn.open_table(META)?;
        let get = |key: &str| -> Result<Vec<u8>, LedgerError> {
            meta.get(key)?
                .map(|v| v.value().to_vec())
                .ok_or_else(|| corrupt(format!("metadata field {key:?} is missing")))
        };
        let format = get("format")?;
        if format != STORE_VERSION.as_bytes() {
            return Err(LedgerError::UnsupportedVersion {
                what: "ledger database",
                found: 0,
                supported: 1,
            });
        }
        let origin =
            String::from_utf8(get("origin")?).map_err(|_| corrupt("origin is not UTF-8".into()))?;
        if origin != signer.name() {
            return Err(corrupt(format!(
                "log.key is for {:?} but the database is {origin:?}",
                signer.name()
            )));
        }
        let operator_hash: [u8; 32] = get("operator_sha256")?
            .try_into()
            .map_err(|_| corrupt("operator credential hash is not 32 bytes".into()))?;
        let note = String::from_utf8(get("checkpoint")?)
            .map_err(|_| corrupt("checkpoint is not UTF-8".into()))?;
        let checkpoint = Checkpoint::open(&note, &signer.verifier())
            .map_err(|e| corrupt(format!("stored checkpoint does not verify: {e}")))?;

        let mut state = State {
            tree: MerkleTree::new(),
            committed: 0,
            checkpoint: SignedCheckpoint {
                size: checkpoint.size,
                root: checkpoint.root,
                note,
            },
            leaves: HashMap::new(),
            statements: HashMap::new(),
            parties: HashMap::new(),
            issuers: HashMap::new(),
            predicate_statements: HashMap::new(),
            revocations: HashMap::new(),
            nullifiers: HashMap::new(),
        };
        let times = txn.open_table(REVOCATION_TIMES)?;
        let mut predicate_entries = std::collections::HashSet::new();
        let entries = txn.open_table(ENTRIES)?;
        for item in entries.range(0u64..)? {
            let (key, value) = item?;
            let index = key.value();
            if index != state.tree.size() {
                return Err(corrupt(format!(
                    "entry {} is missing (found entry {index} next)",
                    state.tree.size()
                )));
            }
            let bytes = value.value();
            let leaf = crate::merkle::leaf_hash(bytes);
            if bytes.len() < 2 || bytes[0] != ENTRY_VERSION {
                return Err(corrupt(format!("entry {index} has an unknown format")));
            }
            // Registrations are decoded now (later entries depend on them); other kinds
            // are hashed here and fully re-verified by `audit`. Nullifiers come from their
            // table, checked against the predicate entries below.
            let tag = bytes[1];
            if [
                Statement::TAG,
                crate::entry::Party::TAG,
                Issuer::TAG,
                PredicateStatementEntry::TAG,
                RevocationRoot::TAG,
            ]
            .contains(&tag)
            {
                let entry = Entry::from_bytes(bytes)
                    .map_err(|e| corrupt(format!("entry {index} does not decode: {e}")))?;
                let appended_at = if tag == RevocationRoot::TAG {
                    times.get(index)?.map_or(0, |t| t.value())
                } else {
                    0
                };
                state.register(&entry, index, appended_at);
            } else if tag == PredicateProofEntry::TAG {
                predicate_entries.insert(index);
            }
            if state.leaves.insert(leaf, index).is_some() {
                return Err(corrupt(format!("entry {index} is a duplicate")));
            }
            state.tree.push(leaf);
        }
        let size = state.tree.size();
        if size != checkpoint.size {
            return Err(corrupt(format!(
                "the signed checkpoint covers {} entries but {size} are stored",
                checkpoint.size
            )));
        }
        if state.tree.root() != checkpoint.root {
            return Err(corrupt(
                "the stored entries do not hash to the signed checkpoint's root".into(),
            ));
        }
        let nullifiers = txn.open_table(NULLIFIERS)?;
        for item in redb::ReadableTable::iter(&nullifiers)? {
            let (key, value) = item?;
            let key = key.value();
            let index = value.value();
            let key = (key.len() == 64).then(|| {
                let mut scope = [0u8; 32];
                let mut nullifier = [0u8; 32];
                scope.copy_from_slice(&key[..32]);
                nullifier.copy_from_slice(&key[32..]);
                NullifierKey { scope, nullifier }
            });
            match key {
                Some(key) if predicate_entries.contains(&index) => {
                    state.nullifiers.insert(key, index);
                }
                _ => {
                    return Err(corrupt(format!(
                        "the nullifier index names entry {index}, which is not a predicate proof"
                    )))
                }
            }
        }
        if state.nullifiers.len() != predicate_entries.len() {
            return Err(corrupt(format!(
                "{} predicate proofs are stored but the nullifier index holds {}",
                predicate_entries.len(),
                state.nullifiers.len()
            )));
        }
        state.committed = size;
        drop(nullifiers);
        drop(times);
        drop(entries);
        drop(meta);
        drop(txn);
        Ok(Ledger {
            db,
            dir: dir.to_path_buf(),
            signer,
            operator_hash,
            state: RwLock::new(state),
            writer: Mutex::new(()),
            policy: AppendPolicy::default(),
        })
    }

    /// The same ledger with another append-time policy (`$now` window, revocation grace,
    /// clock) for credential proofs.
    pub fn with_policy(mut self, policy: AppendPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The append-time policy.
    pub fn policy(&self) -> &AppendPolicy {
        &self.policy
    }

    fn read_state(&self) -> RwLockReadGuard<'_, State> {
        // A poisoned lock means a panic mid-update; the tree is rebuilt on restart.
        self.state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write_state(&self) -> RwLockWriteGuard<'_, State> {
        self.state
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn lock_writer(&self) -> MutexGuard<'_, ()> {
        self.writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The log's origin (its key name).
    pub fn origin(&self) -> &str {
        self.signer.name()
    }

    /// The log's verifier key.
    pub fn verifier(&self) -> NoteVerifier {
        self.signer.verifier()
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Number of entries.
    pub fn size(&self) -> u64 {
        self.read_state().committed
    }

    /// Whether `token` is the operator credential (constant-time comparison of hashes).
    pub fn is_operator(&self, token: &str) -> bool {
        bool::from(token_hash(token).ct_eq(&self.operator_hash))
    }

    /// The latest signed checkpoint.
    pub fn checkpoint(&self) -> SignedCheckpoint {
        self.read_state().checkpoint.clone()
    }

    /// Inclusion proof of entry `index` in the tree of `size` entries.
    ///
    /// # Errors
    /// [`LedgerError::Proof`] when `index`/`size` are outside the log.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<InclusionProof, LedgerError> {
        let state = self.read_state();
        if size > state.committed {
            return Err(crate::ProofError::SizeBeyondTree {
                size,
                tree_size: state.committed,
            }
            .into());
        }
        Ok(state.tree.inclusion_proof(index, size)?)
    }

    /// Consistency proof between the trees of `first` and `second` entries.
    ///
    /// # Errors
    /// [`LedgerError::Proof`] when the sizes are out of order or beyond the log.
    pub fn consistency_proof(
        &self,
        first: u64,
        second: u64,
    ) -> Result<ConsistencyProof, LedgerError> {
        let state = self.read_state();
        if second > state.committed {
            return Err(crate::ProofError::SizeBeyondTree {
                size: second,
                tree_size: state.committed,
            }
            .into());
        }
        Ok(state.tree.consistency_proof(first, second)?)
    }

    /// The canonical bytes of entry `index`.
    ///
    /// # Errors
    /// [`LedgerError::NotFound`] past the end; storage errors.
    pub fn entry_bytes(&self, index: u64) -> Result<Vec<u8>, LedgerError> {
        let committed = self.size();
        let not_found = || LedgerError::NotFound {
            what: format!("entry {index} (the log has {committed} entries)"),
        };
        if index >= committed {
            return Err(not_found());
        }
        let txn = self.db.begin_read()?;
        let table = txn.open_table(ENTRIES)?;
        let value = table.get(index)?.ok_or_else(not_found)?;
        Ok(value.value().to_vec())
    }

    /// Entry `index`, decoded.
    ///
    /// # Errors
    /// As [`Ledger::entry_bytes`], plus decoding errors.
    pub fn entry(&self, index: u64) -> Result<StoredEntry, LedgerError> {
        let bytes = self.entry_bytes(index)?;
        let entry = Entry::from_bytes(&bytes)?;
        Ok(StoredEntry {
            index,
            bytes,
            entry,
        })
    }

    /// The index of the `statement` or `predicate-statement` entry registering `id`, and
    /// the entry.
    ///
    /// # Errors
    /// [`LedgerError::NotFound`] when no such statement is registered.
    pub fn statement(&self, id: &[u8; 32]) -> Result<StoredEntry, LedgerError> {
        let state = self.read_state();
        let index = state
            .statements
            .get(id)
            .map(|(index, _)| *index)
            .or_else(|| state.predicate_statements.get(id).map(|(index, _)| *index));
        drop(state);
        let index = index.ok_or_else(|| LedgerError::NotFound {
            what: format!("statement {}", hex::encode(id)),
        })?;
        self.entry(index)
    }

    /// The index of the `issuer` entry registering the packed key `id`, and the entry.
    ///
    /// # Errors
    /// [`LedgerError::NotFound`] when no such issuer is registered.
    pub fn issuer(&self, id: &[u8; 32]) -> Result<StoredEntry, LedgerError> {
        let index =
            self.read_state()
                .issuers
                .get(id)
                .copied()
                .ok_or_else(|| LedgerError::NotFound {
                    what: format!("issuer {}", hex::encode(id)),
                })?;
        self.entry(index)
    }

    /// The `revocation` entry of issuer `id` with `sequence`, and its index.
    ///
    /// # Errors
    /// [`LedgerError::NotFound`] when the issuer anchored no root with that sequence.
    pub fn revocation(&self, id: &[u8; 32], sequence: u64) -> Result<StoredEntry, LedgerError> {
        let index = self
            .read_state()
            .revocations
            .get(id)
            .and_then(|roots| roots.iter().find(|r| r.sequence == sequence))
            .map(|r| r.index)
            .ok_or_else(|| LedgerError::NotFound {
                what: format!(
                    "revocation root of issuer {} with sequence {sequence}",
                    hex::encode(id)
                ),
            })?;
        self.entry(index)
    }

    /// The index of the `predicate` entry that used `key`, if any.
    pub fn nullifier(&self, key: &NullifierKey) -> Option<u64> {
        self.read_state().nullifiers.get(key).copied()
    }

    /// The index of the `party` entry registering `key`, and the entry.
    ///
    /// # Errors
    /// [`LedgerError::NotFound`] when no such party is registered.
    pub fn party(&self, key: &[u8; 32]) -> Result<StoredEntry, LedgerError> {
        let index =
            self.read_state()
                .parties
                .get(key)
                .copied()
                .ok_or_else(|| LedgerError::NotFound {
                    what: format!("party {}", hex::encode(key)),
                })?;
        self.entry(index)
    }

    /// Appends one entry (see [`Ledger::append_batch`]).
    ///
    /// # Errors
    /// Why the entry was refused.
    pub fn append(&self, entry: Entry, operator: bool) -> Result<Receipt, LedgerError> {
        self.append_batch(vec![(entry, operator)])
            .pop()
            .unwrap_or(Err(LedgerError::Unavailable))
    }

    /// Verifies a batch of submissions and appends the valid ones in one durable
    /// transaction. `operator` says whether each submitter presented the operator
    /// credential. Returns one outcome per submission, in order.
    pub fn append_batch(&self, batch: Vec<(Entry, bool)>) -> Vec<Result<Receipt, LedgerError>> {
        let _writer = self.lock_writer();
        let mut outcomes: Vec<Option<Result<Receipt, LedgerError>>> =
            batch.iter().map(|_| None).collect();
        let leaves: Vec<Hash> = batch.iter().map(|(entry, _)| entry.leaf_hash()).collect();

        // 1. Authorisation and duplicates (against the log and within the batch).
        let mut pending: Vec<usize> = Vec::new();
        let mut first_in_batch: HashMap<Hash, usize> = HashMap::new();
        let mut same_as: Vec<Option<usize>> = batch.iter().map(|_| None).collect();
        {
            let state = self.read_state();
            for (i, (entry, operator)) in batch.iter().enumerate() {
                if entry.operator_only() && !operator {
                    outcomes[i] = Some(Err(LedgerError::Unauthorized));
                } else if let Some(&index) = state.leaves.get(&leaves[i]) {
                    outcomes[i] = Some(self.receipt_locked(&state, index, entry.kind(), true));
                } else if let Some(&first) = first_in_batch.get(&leaves[i]) {
                    same_as[i] = Some(first);
                } else {
                    first_in_batch.insert(leaves[i], i);
                    pending.push(i);
                }
            }
        }

        // 2. Verification: registrations first (later entries may use them), then the
        //    rest as a batch.
        let context = self.policy.context();
        let mut overlay = Overlay {
            ledger: self,
            context,
            statements: HashMap::new(),
            parties: HashMap::new(),
            issuers: HashMap::new(),
            predicate_statements: HashMap::new(),
            revocations: HashMap::new(),
            nullifiers: HashMap::new(),
        };
        let mut accepted: Vec<usize> = Vec::new();
        let (registrations, others): (Vec<usize>, Vec<usize>) = pending
            .into_iter()
            .partition(|&i| batch[i].0.registration().is_some());
        for i in registrations {
            let entry = &batch[i].0;
            match entry.verify(&overlay) {
                Ok(()) => {
                    overlay.add(entry);
                    accepted.push(i);
                }
                Err(e) => outcomes[i] = Some(Err(e)),
            }
        }
        let refs: Vec<&Entry> = others.iter().map(|&i| &batch[i].0).collect();
        for (&i, result) in others.iter().zip(Entry::verify_all(&refs, &overlay)) {
            match result {
                Ok(()) => accepted.push(i),
                Err(e) => outcomes[i] = Some(Err(e)),
            }
        }
        accepted.sort_unstable();

        // 3. Commit the accepted entries and the new checkpoint in one transaction.
        if !accepted.is_empty() {
            match self.commit(&batch, &leaves, &accepted, context.now_secs) {
                Ok(()) => {
                    let state = self.read_state();
                    for &i in &accepted {
                        let index = state.leaves.get(&leaves[i]).copied().unwrap_or(0);
                        outcomes[i] =
                            Some(self.receipt_locked(&state, index, batch[i].0.kind(), false));
                    }
                }
                Err(e) => {
                    for &i in &accepted {
                        outcomes[i] = Some(Err(LedgerError::Remote {
                            code: e.code().to_owned(),
                            message: format!("commit failed, nothing was appended: {e}"),
                        }));
                    }
                }
            }
        }

        // 4. In-batch duplicates share the outcome of their first occurrence.
        let state = self.read_state();
        for i in 0..batch.len() {
            if let Some(first) = same_as[i] {
                outcomes[i] = Some(match &outcomes[first] {
                    Some(Ok(receipt)) => {
                        self.receipt_locked(&state, receipt.index, &receipt.kind, true)
                    }
                    Some(Err(e)) => Err(LedgerError::Remote {
                        code: e.code().to_owned(),
                        message: format!("identical to another submission in the batch: {e}"),
                    }),
                    None => Err(LedgerError::Unavailable),
                });
            }
        }
        outcomes
            .into_iter()
            .map(|o| o.unwrap_or(Err(LedgerError::Unavailable)))
            .collect()
    }

    fn commit(
        &self,
        batch: &[(Entry, bool)],
        leaves: &[Hash],
        accepted: &[usize],
        now_secs: u64,
    ) -> Result<(), LedgerError> {
        let mut state = self.write_state();
        let old_size = state.committed;
        let old_root = state.checkpoint.root;
        for &i in accepted {
            state.tree.push(leaves[i]);
        }
        let new_size = state.tree.size();
        let new_root = state.tree.root();
        // Never sign a checkpoint that does not extend the previous one.
        let guard = state
            .tree
            .consistency_proof(old_size, new_size)
            .map_err(LedgerError::from)
            .and_then(|proof| {
                proof
                    .verify(&old_root, &new_root)
                    .map_err(LedgerError::from)
            });
        // Readers keep seeing `committed` entries while the transaction runs.
        drop(state);
        let result = guard.and_then(|()| {
            let checkpoint = Checkpoint {
                origin: self.origin().to_owned(),
                size: new_size,
                root: new_root,
            };
            let note = checkpoint.sign(&self.signer)?;
            let txn = self.db.begin_write()?;
            {
                let mut entries = txn.open_table(ENTRIES)?;
                let mut nullifiers = txn.open_table(NULLIFIERS)?;
                let mut times = txn.open_table(REVOCATION_TIMES)?;
                for (offset, &i) in accepted.iter().enumerate() {
                    let index = old_size + offset as u64;
                    let bytes = batch[i].0.to_bytes();
                    entries.insert(index, bytes.as_slice())?;
                    match batch[i].0.registration() {
                        Some(Registration::Nullifier(key)) => {
                            nullifiers.insert(key.to_bytes().as_slice(), index)?;
                        }
                        Some(Registration::Revocation { .. }) => {
                            times.insert(index, now_secs)?;
                        }
                        _ => {}
                    }
                }
                let mut meta = txn.open_table(META)?;
                meta.insert("checkpoint", note.as_bytes())?;
            }
            txn.commit()?;
            Ok(note)
        });
        let mut state = self.write_state();
        match result {
            Ok(note) => {
                for (offset, &i) in accepted.iter().enumerate() {
                    let index = old_size + offset as u64;
                    state.leaves.insert(leaves[i], index);
                    state.register(&batch[i].0, index, now_secs);
                }
                state.committed = new_size;
                state.checkpoint = SignedCheckpoint {
                    size: new_size,
                    root: new_root,
                    note,
                };
                Ok(())
            }
            Err(e) => {
                state.tree.truncate(old_size);
                Err(e)
            }
        }
    }

    fn receipt_locked(
        &self,
        state: &State,
        index: u64,
        kind: &str,
        duplicate: bool,
    ) -> Result<Receipt, LedgerError> {
        let checkpoint = state.checkpoint.clone();
        let inclusion = state.tree.inclusion_proof(index, checkpoint.size)?;
        let leaf_hash = state
            .tree
            .leaf(index)
            .ok_or_else(|| LedgerError::NotFound {
                what: format!("entry {index}"),
            })?;
        Ok(Receipt {
            index,
            kind: kind.to_owned(),
            leaf_hash,
            duplicate,
            checkpoint: checkpoint.note,
            inclusion,
        })
    }

    /// Recomputes everything: decodes every entry, re-verifies every proof and signature
    /// against the registrations that preceded it, rebuilds the tree and checks it against
    /// the signed checkpoint (see [`crate::audit`]).
    ///
    /// # Errors
    /// [`LedgerError::AuditFailed`] naming the first entry that fails, storage errors.
    pub fn audit(&self) -> Result<AuditReport, LedgerError> {
        let checkpoint = self.checkpoint();
        let txn = self.db.begin_read()?;
        let table = txn.open_table(ENTRIES)?;
        let entries = table.range(0u64..checkpoint.size)?.map(|item| {
            let (key, value) = item?;
            Ok::<_, LedgerError>((key.value(), value.value().to_vec()))
        });
        let log = self.dir.display().to_string();
        crate::audit::audit_entries(&log, &checkpoint.note, &self.verifier(), entries)
    }
}

impl State {
    /// Records what `entry` (at `index`, appended at `appended_at` by the ledger's clock)
    /// registers.
    fn register(&mut self, entry: &Entry, index: u64, appended_at: u64) {
        match entry {
            Entry::Statement(s) => {
                self.statements.entry(s.id()).or_insert((index, s.key()));
            }
            Entry::Party(p) => {
                self.parties.entry(p.public_key).or_insert(index);
            }
            Entry::Issuer(i) => {
                self.issuers.entry(i.id()).or_insert(index);
            }
            Entry::PredicateStatement(p) => {
                self.predicate_statements
                    .entry(p.id())
                    .or_insert((index, p.key()));
            }
            Entry::Revocation(r) => {
                self.revocations
                    .entry(r.issuer_id())
                    .or_default()
                    .push(StoredRoot {
                        sequence: r.sequence,
                        root: r.root_bytes(),
                        index,
                        appended_at,
                    });
            }
            Entry::Predicate(p) => {
                self.nullifiers.entry(p.nullifier_key()).or_insert(index);
            }
            _ => {}
        }
    }
}

/// The log's registrations plus those accepted earlier in the same batch.
struct Overlay<'l> {
    ledger: &'l Ledger,
    context: AppendContext,
    statements: HashMap<[u8; 32], Arc<StatementKey>>,
    parties: HashMap<[u8; 32], ()>,
    issuers: HashMap<[u8; 32], ()>,
    predicate_statements: HashMap<[u8; 32], Arc<PredicateVerifyingKey>>,
    /// Roots accepted earlier in the batch, per issuer, in order.
    revocations: HashMap<[u8; 32], Vec<StoredRoot>>,
    nullifiers: HashMap<NullifierKey, ()>,
}

impl Overlay<'_> {
    /// Adds what an accepted entry registers.
    fn add(&mut self, entry: &Entry) {
        match entry {
            Entry::Statement(s) => {
                self.statements.insert(s.id(), s.key());
            }
            Entry::Party(p) => {
                self.parties.insert(p.public_key, ());
            }
            Entry::Issuer(i) => {
                self.issuers.insert(i.id(), ());
            }
            Entry::PredicateStatement(p) => {
                self.predicate_statements.insert(p.id(), p.key());
            }
            Entry::Revocation(r) => {
                self.revocations
                    .entry(r.issuer_id())
                    .or_default()
                    .push(StoredRoot {
                        sequence: r.sequence,
                        root: r.root_bytes(),
                        index: PENDING,
                        appended_at: self.context.now_secs,
                    });
            }
            Entry::Predicate(p) => {
                self.nullifiers.insert(p.nullifier_key(), ());
            }
            _ => {}
        }
    }

    /// The issuer's roots: the log's, then the batch's.
    fn roots(&self, issuer: &[u8; 32]) -> Vec<StoredRoot> {
        let mut roots = self
            .ledger
            .read_state()
            .revocations
            .get(issuer)
            .cloned()
            .unwrap_or_default();
        if let Some(pending) = self.revocations.get(issuer) {
            roots.extend_from_slice(pending);
        }
        roots
    }
}

impl Registry for Overlay<'_> {
    fn party_registered(&self, key: &[u8; 32]) -> Result<bool, LedgerError> {
        Ok(self.parties.contains_key(key) || self.ledger.read_state().parties.contains_key(key))
    }

    fn statement(&self, id: &[u8; 32]) -> Result<Option<Arc<StatementKey>>, LedgerError> {
        if let Some(key) = self.statements.get(id) {
            return Ok(Some(Arc::clone(key)));
        }
        Ok(self
            .ledger
            .read_state()
            .statements
            .get(id)
            .map(|(_, key)| Arc::clone(key)))
    }

    fn issuer_registered(&self, id: &[u8; 32]) -> Result<bool, LedgerError> {
        Ok(self.issuers.contains_key(id) || self.ledger.read_state().issuers.contains_key(id))
    }

    fn predicate_statement(
        &self,
        id: &[u8; 32],
    ) -> Result<Option<Arc<PredicateVerifyingKey>>, LedgerError> {
        if let Some(key) = self.predicate_statements.get(id) {
            return Ok(Some(Arc::clone(key)));
        }
        Ok(self
            .ledger
            .read_state()
            .predicate_statements
            .get(id)
            .map(|(_, key)| Arc::clone(key)))
    }

    fn revocation_root(
        &self,
        issuer: &[u8; 32],
        sequence: u64,
    ) -> Result<Option<RootRecord>, LedgerError> {
        let roots = self.roots(issuer);
        Ok(roots
            .iter()
            .position(|r| r.sequence == sequence)
            .map(|position| root_record(&roots, position)))
    }

    fn latest_revocation(&self, issuer: &[u8; 32]) -> Result<Option<RootRecord>, LedgerError> {
        let roots = self.roots(issuer);
        Ok(roots
            .len()
            .checked_sub(1)
            .map(|position| root_record(&roots, position)))
    }

    fn nullifier_seen(&self, key: &NullifierKey) -> Result<Option<u64>, LedgerError> {
        if self.nullifiers.contains_key(key) {
            return Ok(Some(PENDING));
        }
        Ok(self.ledger.read_state().nullifiers.get(key).copied())
    }

    fn append_context(&self) -> Option<AppendContext> {
        Some(self.context)
    }
}

/// Reads the operator credential file of a ledger directory (checking its permissions).
///
/// # Errors
/// I/O errors and malformed files.
pub fn read_operator_token(path: &Path) -> Result<Zeroizing<String>, LedgerError> {
    keys::read_operator_token(path).map(|t| Zeroizing::new(t.expose().to_owned()))
}
