//! [`RecordError`]: every reason a result record cannot be parsed, built or verified.
//!
//! Signature failures name the party at fault by its position in the body's `parties`
//! list (0-based, the order in which MPC parties are numbered) and by its key, so a
//! caller can blame the right party without parsing messages.

use crate::key::PartyKey;

/// Why a result record cannot be parsed, built or verified.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The input is larger than the record format allows.
    #[error("the result record is {size} bytes, above the limit of {limit} bytes")]
    TooLarge {
        /// Its size in bytes.
        size: usize,
        /// The limit ([`crate::MAX_RECORD_BYTES`]).
        limit: usize,
    },
    /// The input is not JSON, or not a record object (missing or mistyped field, unknown
    /// field, bad hex, trailing bytes).
    #[error(
        "not a result record ({source}); expected {{\"version\": 1, \"kind\": \
         \"conclave.result\", \"body\": \"…\", \"signatures\": [{{\"public_key\", \"signature\"}}]}}"
    )]
    MalformedRecord {
        /// What `serde_json` found.
        #[source]
        source: serde_json::Error,
    },
    /// A record version this build does not read.
    #[error("unsupported result record version {found}; this build reads version 1")]
    UnsupportedVersion {
        /// The version found.
        found: u64,
    },
    /// The `kind` is not `"conclave.result"`.
    #[error("not a result record: its \"kind\" must be \"conclave.result\"")]
    WrongKind,
    /// The `body` text is not a `ResultBody` JSON object.
    #[error("the record's body is not a result body ({source})")]
    MalformedBody {
        /// What `serde_json` found.
        #[source]
        source: serde_json::Error,
    },
    /// The body lists no parties, so nobody vouches for it.
    #[error("the body lists no parties; a result needs at least one signing party")]
    NoParties,
    /// A key appears twice in the body's `parties`.
    #[error("party {party} ({key}) is listed twice in the body's parties")]
    DuplicateParty {
        /// Position of the second occurrence in `parties`.
        party: usize,
        /// The repeated key.
        key: PartyKey,
    },
    /// A listed party has no signature.
    #[error("party {party} ({key}) did not sign the record")]
    MissingSignature {
        /// Position of the party in the body's `parties`.
        party: usize,
        /// Its key.
        key: PartyKey,
    },
    /// A listed party has more than one signature.
    #[error("party {party} ({key}) signed more than once; each party signs exactly once")]
    DuplicateSignature {
        /// Position of the party in the body's `parties`.
        party: usize,
        /// Its key.
        key: PartyKey,
    },
    /// A listed party's signature does not verify.
    #[error(
        "the signature of party {party} ({key}) does not verify: the body was changed after \
         signing, or another key signed"
    )]
    BadSignature {
        /// Position of the party in the body's `parties`.
        party: usize,
        /// Its key.
        key: PartyKey,
    },
    /// A signature by a key the body does not list.
    #[error("signature by {key}, which is not one of the parties listed in the body")]
    UnlistedSigner {
        /// The signer's key.
        key: PartyKey,
    },
    /// [`crate::ResultRecord::assemble`] got a different number of signatures than parties.
    #[error("{found} signatures for {expected} parties; every party signs exactly once")]
    SignatureCount {
        /// The number of parties.
        expected: usize,
        /// The number of signatures given.
        found: usize,
    },
    /// [`crate::ResultRecord::assemble`] got parties other than the body's.
    #[error("the parties given are not the body's parties (same keys, same order)")]
    PartiesMismatch,
    /// A public key is not 32 bytes of hex.
    #[error("an Ed25519 public key must be 64 hex digits (32 bytes)")]
    KeyEncoding,
    /// 32 bytes that are not an Ed25519 point.
    #[error("the public key is not a valid Ed25519 point")]
    KeyNotOnCurve,
    /// A signature is not 64 bytes of hex.
    #[error("an Ed25519 signature must be 128 hex digits (64 bytes)")]
    SignatureEncoding,
}
