//! Errors of the ledger: [`ProofError`] for Merkle proof checks (RFC 9162 §2.1), used by
//! verifiers that hold no log, and [`LedgerError`] for everything else.
//!
//! Every [`LedgerError`] has a stable machine-readable [`LedgerError::code`], which the HTTP
//! node returns in its JSON error bodies (documented in `docs/api.md`).

use thiserror::Error;

/// Why a Merkle inclusion or consistency proof was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The leaf index is not inside the tree.
    #[error("leaf index {index} is not inside a tree of {tree_size} leaves")]
    IndexOutOfRange {
        /// The requested leaf index.
        index: u64,
        /// The tree size.
        tree_size: u64,
    },
    /// A requested size is larger than the log.
    #[error("tree size {size} is beyond the log's current size {tree_size}")]
    SizeBeyondTree {
        /// The requested size.
        size: u64,
        /// The log's size.
        tree_size: u64,
    },
    /// A consistency proof was asked from a larger to a smaller tree.
    #[error("consistency needs first <= second, got first {first} > second {second}")]
    SizesOutOfOrder {
        /// The older size.
        first: u64,
        /// The newer size.
        second: u64,
    },
    /// The proof has more nodes than the tree shape allows.
    #[error("the proof has too many nodes for this tree shape")]
    ProofTooLong,
    /// The proof has fewer nodes than the tree shape needs.
    #[error("the proof has too few nodes for this tree shape")]
    ProofTooShort,
    /// The proof leads to a different tree head.
    #[error("the proof does not lead to the expected tree head")]
    RootMismatch,
    /// A hash is not 32 bytes (64 hex digits).
    #[error("a hash must be exactly 32 bytes (64 hex digits)")]
    BadHash,
}

/// What an audit found wrong first (see [`crate::audit`]).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum AuditFinding {
    /// The next entry is not the one expected.
    #[error("entry {expected} is missing (entry {found} came next)")]
    Missing {
        /// The index expected.
        expected: u64,
        /// The index served or stored instead.
        found: u64,
    },
    /// An entry does not decode.
    #[error("entry {index} does not decode: {source}")]
    Undecodable {
        /// Its index.
        index: u64,
        /// Why.
        source: Box<LedgerError>,
    },
    /// An entry no longer passes verify-on-append.
    #[error("entry {index} no longer verifies: {source}")]
    NoLongerVerifies {
        /// Its index.
        index: u64,
        /// Why.
        source: Box<LedgerError>,
    },
    /// Fewer entries than the checkpoint covers.
    #[error("the signed checkpoint covers {signed} entries but only {found} were found")]
    Short {
        /// The checkpoint's size.
        signed: u64,
        /// Entries found.
        found: u64,
    },
    /// The entries hash to another tree head.
    #[error("the entries do not hash to the signed checkpoint's root")]
    RootMismatch,
    /// No signed checkpoint is stored (or it is not UTF-8).
    #[error("no readable signed checkpoint is stored")]
    NoCheckpoint,
}

/// Everything that can go wrong in the ledger.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// A Merkle proof failed, or a proof request is outside the log.
    #[error("merkle proof: {0}")]
    Proof(#[from] ProofError),
    /// Canonical bytes that do not decode.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// What was being decoded.
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A format version this build does not know.
    #[error("unsupported {what} version {found} (this build reads version {supported})")]
    UnsupportedVersion {
        /// What was being decoded.
        what: &'static str,
        /// The version found.
        found: u64,
        /// The version supported.
        supported: u64,
    },
    /// An entry kind that is not registered.
    #[error("unknown entry kind {0:?}; known kinds: statement, groth16, range, party, result, issuer, predicate-statement, revocation, predicate")]
    UnknownKind(String),
    /// An input larger than allowed.
    #[error("{what} is {size} bytes, above the limit of {limit} bytes")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A zero-knowledge proof that does not verify.
    #[error("proof rejected: {reason}")]
    ProofInvalid {
        /// Why.
        reason: String,
    },
    /// A groth16 entry names a statement the log has not registered.
    #[error("unknown statement {id}; register its verifying key first")]
    UnknownStatement {
        /// Hex statement id.
        id: String,
    },
    /// A result names a party whose key the log has not registered.
    #[error("party key {key} is not registered; register it with a party entry first")]
    UnknownParty {
        /// Hex Ed25519 public key.
        key: String,
    },
    /// A predicate proof or revocation root names an issuer key the log has not
    /// registered.
    #[error("issuer key {key}{} is not registered; register it with `conclave ledger register-issuer` first", .alias.as_ref().map(|a| format!(" (alias `{a}`)")).unwrap_or_default())]
    UnknownIssuer {
        /// The alias the proof binds the key to (none for a revocation root).
        alias: Option<String>,
        /// Hex packed Baby Jubjub key.
        key: String,
    },
    /// A predicate proof names a revocation root its issuer has not anchored.
    #[error("the revocation root of `{alias}` (issuer {issuer}, sequence {sequence}) is not anchored; submit the issuer's registry with `conclave ledger register-revocation` first")]
    UnknownRevocationRoot {
        /// The alias.
        alias: String,
        /// Hex packed issuer key.
        issuer: String,
        /// The sequence the proof claims.
        sequence: u64,
    },
    /// A predicate proof names a revocation root that is no longer its issuer's latest
    /// (and was superseded longer ago than the ledger's grace period).
    #[error("the revocation root of `{alias}` (sequence {sequence}) is stale: the issuer's latest is sequence {latest}; prove again against the latest registry")]
    StaleRevocationRoot {
        /// The alias.
        alias: String,
        /// The proof's sequence.
        sequence: u64,
        /// The issuer's latest sequence.
        latest: u64,
    },
    /// A revocation root whose sequence is not above the issuer's latest anchored one.
    #[error("revocation root sequence {sequence} of issuer {issuer} is not above the latest anchored sequence {latest}")]
    RevocationOutOfOrder {
        /// Hex packed issuer key.
        issuer: String,
        /// The submitted sequence.
        sequence: u64,
        /// The latest anchored sequence.
        latest: u64,
    },
    /// A predicate proof's nullifier was already used in its scope.
    #[error("the nullifier was already used in scope {scope:?} ({}): one proof per holder and scope", .index.map_or_else(|| "earlier in the same batch".to_owned(), |i| format!("entry {i}")))]
    NullifierReused {
        /// The scope text.
        scope: String,
        /// The entry that used it first (`None`: a submission earlier in the same batch).
        index: Option<u64>,
    },
    /// A predicate proof's `$now` is too far from the ledger's date.
    #[error("the proof's $now {now} is more than {window_days} day(s) from the ledger's date {today}; prove again with --param now=<today>")]
    NowOutOfWindow {
        /// The proof's `$now`.
        now: String,
        /// The ledger's date.
        today: String,
        /// The window, in days.
        window_days: u32,
    },
    /// A signature (party or checkpoint) that does not verify.
    #[error("signature rejected: {reason}")]
    SignatureInvalid {
        /// Why.
        reason: String,
    },
    /// An operation that needs the operator credential was attempted without it.
    #[error("this operation needs the operator credential (Authorization: Bearer …)")]
    Unauthorized,
    /// The entry, statement or party asked for does not exist.
    #[error("{what} not found")]
    NotFound {
        /// What was asked for.
        what: String,
    },
    /// A signed note or checkpoint that is malformed or does not verify.
    #[error("checkpoint: {reason}")]
    Checkpoint {
        /// Why.
        reason: String,
    },
    /// The stored log is inconsistent; the node refuses to start.
    #[error("the ledger at {path} is corrupt: {what}; restore it from a backup")]
    Corrupt {
        /// The database path.
        path: String,
        /// What is inconsistent.
        what: String,
    },
    /// The directory has no ledger yet.
    #[error("no ledger in {path}; create one with `conclave ledger init --data {path}`")]
    NotInitialized {
        /// The directory.
        path: String,
    },
    /// `init` on a directory that already holds a ledger.
    #[error("{path} already holds a ledger")]
    AlreadyInitialized {
        /// The directory.
        path: String,
    },
    /// The database is held by another process.
    #[error("the ledger at {path} is in use by another process (a running node?); use --node URL")]
    InUse {
        /// The database path.
        path: String,
    },
    /// The database was not closed cleanly (a crashed node) and a read-only handle cannot
    /// recover it.
    #[error("the ledger at {path} was not shut down cleanly; open it once for writing (`conclave ledger serve`, or any embedded command) to recover it, then audit again")]
    NeedsRecovery {
        /// The database path.
        path: String,
    },
    /// The embedded database failed.
    #[error("storage: {0}")]
    Storage(#[source] Box<redb::Error>),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// An HTTP request to a node failed.
    #[error("node request failed: {0}")]
    Http(String),
    /// An error reported elsewhere: by a node over HTTP, or for an identical submission
    /// earlier in the same batch.
    #[error("{code}: {message}")]
    Remote {
        /// The stable error code.
        code: String,
        /// The node's message.
        message: String,
    },
    /// The committer stopped (node shutting down).
    #[error("the ledger is shutting down")]
    Unavailable,
    /// A request to a node got no complete answer in time.
    #[error("the request to {url} timed out after {} s (the node is down, overloaded or not a ledger node; raise --timeout if it is only slow)", after.as_secs_f64())]
    TimedOut {
        /// The node's base URL.
        url: String,
        /// The time allowed.
        after: std::time::Duration,
    },
    /// A node's answer is larger than the client accepts.
    #[error("the answer from {url} is larger than the limit of {limit} bytes; refused")]
    ResponseTooLarge {
        /// The node's base URL.
        url: String,
        /// The limit, in bytes.
        limit: usize,
    },
    /// A file given to anchor is none of the kinds the ledger takes.
    #[error("not a Groth16 proof, range proof, result record or ledger entry")]
    UnrecognizedFile {
        /// Why it is not a Groth16 proof (the most common kind).
        #[source]
        source: Box<LedgerError>,
    },
    /// A file given to anchor looks like `kind` but does not decode as one.
    #[error("a {kind} that does not decode")]
    BadFile {
        /// What the file claims to be.
        kind: crate::entry::FileKind,
        /// Why it does not decode.
        #[source]
        source: Box<LedgerError>,
    },
    /// An audit found the log inconsistent with its signed checkpoint or an entry that
    /// no longer verifies.
    #[error("audit of {log} failed: {finding}")]
    AuditFailed {
        /// The audited log (directory or URL).
        log: String,
        /// The first inconsistency found.
        finding: AuditFinding,
    },
}

impl LedgerError {
    /// A stable, machine-readable code (used in HTTP error bodies).
    pub fn code(&self) -> &str {
        match self {
            LedgerError::Proof(ProofError::IndexOutOfRange { .. })
            | LedgerError::Proof(ProofError::SizeBeyondTree { .. })
            | LedgerError::Proof(ProofError::SizesOutOfOrder { .. }) => "out_of_range",
            LedgerError::Proof(_) => "merkle_proof_invalid",
            LedgerError::Malformed { .. } => "malformed",
            LedgerError::UnsupportedVersion { .. } => "unsupported_version",
            LedgerError::UnknownKind(_) => "unknown_kind",
            LedgerError::TooLarge { .. } => "too_large",
            LedgerError::ProofInvalid { .. } => "proof_invalid",
            LedgerError::UnknownStatement { .. } => "unknown_statement",
            LedgerError::UnknownParty { .. } => "unknown_party",
            LedgerError::UnknownIssuer { .. } => "unknown_issuer",
            LedgerError::UnknownRevocationRoot { .. } => "unknown_revocation_root",
            LedgerError::StaleRevocationRoot { .. } => "stale_revocation_root",
            LedgerError::RevocationOutOfOrder { .. } => "revocation_out_of_order",
            LedgerError::NullifierReused { .. } => "nullifier_reused",
            LedgerError::NowOutOfWindow { .. } => "now_out_of_window",
            LedgerError::SignatureInvalid { .. } => "signature_invalid",
            LedgerError::Unauthorized => "unauthorized",
            LedgerError::NotFound { .. } => "not_found",
            LedgerError::Checkpoint { .. } => "checkpoint_invalid",
            LedgerError::Corrupt { .. } => "corrupt",
            LedgerError::NotInitialized { .. } => "not_initialized",
            LedgerError::AlreadyInitialized { .. } => "already_initialized",
            LedgerError::InUse { .. } => "in_use",
            LedgerError::NeedsRecovery { .. } => "needs_recovery",
            LedgerError::Storage(_) | LedgerError::Io { .. } => "internal",
            LedgerError::Http(_) => "http",
            LedgerError::Remote { code, .. } => code.as_str(),
            LedgerError::Unavailable => "unavailable",
            LedgerError::TimedOut { .. } => "timeout",
            LedgerError::ResponseTooLarge { .. } => "response_too_large",
            LedgerError::UnrecognizedFile { .. } => "unrecognized_file",
            LedgerError::BadFile { source, .. } => source.code(),
            LedgerError::AuditFailed { .. } => "audit_failed",
        }
    }

    /// Whether this error means "the submitted entry is invalid" (as opposed to bad
    /// request syntax, missing data or a server fault). The CLI maps it to exit code 1.
    pub fn is_rejection(&self) -> bool {
        matches!(
            self.code(),
            "proof_invalid"
                | "signature_invalid"
                | "nullifier_reused"
                | "stale_revocation_root"
                | "now_out_of_window"
                | "merkle_proof_invalid"
                | "checkpoint_invalid"
                | "audit_failed"
        )
    }

    pub(crate) fn malformed(what: &'static str, reason: impl std::fmt::Display) -> Self {
        LedgerError::Malformed {
            what,
            reason: reason.to_string(),
        }
    }

    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        LedgerError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

macro_rules! storage_from {
    ($($t:ty),*) => {$(
        impl From<$t> for LedgerError {
            fn from(error: $t) -> Self {
                LedgerError::Storage(Box::new(redb::Error::from(error)))
            }
        }
    )*};
}
storage_from!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);
