//! Typed, versioned log entries and the registry of entry kinds.
//!
//! Every entry is stored and hashed in one canonical encoding (see [`crate::encoding`]):
//!
//! # Layout
//! `version (u8, = 1) ‖ kind tag (u8) ‖ kind-specific body`; the Merkle leaf is
//! `SHA-256(0x00 ‖ these bytes)` (RFC 9162 §2.1.1).
//!
//! A kind is one module implementing [`EntryKind`] plus one line in the `entry_kinds!`
//! invocation below, which generates the [`Entry`] enum and its dispatch.

use std::sync::Arc;

use serde_json::Value;

use crate::encoding::{Reader, Writer};
use crate::error::LedgerError;
use crate::merkle::{leaf_hash, Hash};

pub mod file;
pub mod groth16;
pub mod issuer;
pub mod party;
pub mod predicate;
pub mod range;
pub mod result;
pub mod revocation;
pub mod statement;

pub use conclave_circuits::statement::predicate::PredicateVerifyingKey;
pub use file::FileKind;
pub use groth16::Groth16Proof;
pub use issuer::Issuer;
pub use party::Party;
pub use predicate::{PredicateProofEntry, PredicateStatementEntry};
pub use range::RangeEntry;
pub use result::ResultRecord;
pub use revocation::RevocationRoot;
pub use statement::{Statement, StatementKey};

use crate::policy::AppendContext;

/// Version byte of the canonical entry encoding.
pub const ENTRY_VERSION: u8 = 1;
/// Largest canonical entry accepted.
pub const MAX_ENTRY_BYTES: usize = 512 * 1024;

/// A nullifier in its scope: the key of the ledger's nullifier index.
///
/// # Layout
/// `scope[32] ‖ nullifier[32]`, both BN254 scalar-field elements, big-endian: the scope is
/// the field element the proof binds (`scope_to_field` of the scope text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NullifierKey {
    /// The scope's field element.
    pub scope: [u8; 32],
    /// The nullifier.
    pub nullifier: [u8; 32],
}

impl NullifierKey {
    /// The 64 bytes of the layout.
    pub fn to_bytes(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&self.scope);
        out[32..].copy_from_slice(&self.nullifier);
        out
    }
}

/// The index a registry reports for something registered earlier in the batch being
/// appended (its index is not known yet).
pub const PENDING: u64 = u64::MAX;

/// A revocation root anchored for an issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RootRecord {
    /// The registry sequence.
    pub sequence: u64,
    /// The root (big-endian field element).
    pub root: [u8; 32],
    /// The index of its `revocation` entry ([`PENDING`] while its batch is appended).
    pub index: u64,
    /// When the ledger anchored the issuer's next root (seconds since 1970, the ledger's
    /// clock); `None` while this root is the latest, or when the registry cannot tell.
    pub superseded_at: Option<u64>,
}

/// What a log knows when it verifies a new entry: registered statements, parties,
/// issuers, revocation roots and seen nullifiers.
///
/// The credential methods default to "nothing registered"; every registry of this crate
/// implements them.
pub trait Registry {
    /// Whether `key` was registered by a `party` entry.
    ///
    /// # Errors
    /// Storage errors.
    fn party_registered(&self, key: &[u8; 32]) -> Result<bool, LedgerError>;

    /// The verifying key registered under statement `id`, if any.
    ///
    /// # Errors
    /// Storage errors.
    fn statement(&self, id: &[u8; 32]) -> Result<Option<Arc<StatementKey>>, LedgerError>;

    /// Whether the issuer key `id` (packed) was registered by an `issuer` entry.
    ///
    /// # Errors
    /// Storage errors.
    fn issuer_registered(&self, _id: &[u8; 32]) -> Result<bool, LedgerError> {
        Ok(false)
    }

    /// The predicate verifying key registered under `id`, if any.
    ///
    /// # Errors
    /// Storage errors.
    fn predicate_statement(
        &self,
        _id: &[u8; 32],
    ) -> Result<Option<Arc<PredicateVerifyingKey>>, LedgerError> {
        Ok(None)
    }

    /// The root the issuer `id` anchored with `sequence`, if any.
    ///
    /// # Errors
    /// Storage errors.
    fn revocation_root(
        &self,
        _issuer: &[u8; 32],
        _sequence: u64,
    ) -> Result<Option<RootRecord>, LedgerError> {
        Ok(None)
    }

    /// The issuer's latest anchored root, if any (`None` also when the registry cannot
    /// tell: a verifier from the ledger alone).
    ///
    /// # Errors
    /// Storage errors.
    fn latest_revocation(&self, _issuer: &[u8; 32]) -> Result<Option<RootRecord>, LedgerError> {
        Ok(None)
    }

    /// The index of the entry that used `key` already ([`PENDING`] for one earlier in the
    /// batch being appended), if any (`None` also when the registry cannot tell: a verifier
    /// from the ledger alone).
    ///
    /// # Errors
    /// Storage errors.
    fn nullifier_seen(&self, _key: &NullifierKey) -> Result<Option<u64>, LedgerError> {
        Ok(None)
    }

    /// The clock and policy of an append in progress; `None` in an audit or a verification
    /// from the ledger alone (the clock checks are append-time only).
    fn append_context(&self) -> Option<AppendContext> {
        None
    }
}

/// What appending an entry registers, for later entries to refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Registration {
    /// A Groth16 statement id.
    Statement([u8; 32]),
    /// An Ed25519 party key.
    Party([u8; 32]),
    /// A credential issuer's packed Baby Jubjub key.
    Issuer([u8; 32]),
    /// A predicate statement id.
    PredicateStatement([u8; 32]),
    /// An issuer's revocation root.
    Revocation {
        /// The issuer's packed key.
        issuer: [u8; 32],
        /// The registry sequence.
        sequence: u64,
        /// The root.
        root: [u8; 32],
    },
    /// A nullifier used in its scope.
    Nullifier(NullifierKey),
}

/// One kind of log entry.
pub trait EntryKind: Sized {
    /// The tag byte in the canonical encoding (never reused).
    const TAG: u8;
    /// The name in JSON (`"kind"`).
    const NAME: &'static str;
    /// Whether appending needs the operator credential.
    const OPERATOR_ONLY: bool;

    /// Writes the body (after version and tag).
    fn encode_body(&self, w: &mut Writer);

    /// Reads the body, validating it.
    ///
    /// # Errors
    /// [`LedgerError::Malformed`] and friends.
    fn decode_body(r: &mut Reader<'_>) -> Result<Self, LedgerError>;

    /// Builds the entry from its JSON submission (the object that also carries `"kind"`).
    ///
    /// # Errors
    /// [`LedgerError::Malformed`] and friends.
    fn from_json(value: &Value) -> Result<Self, LedgerError>;

    /// The JSON fields of the entry (without `"kind"`/`"version"`).
    fn to_json(&self) -> Value;

    /// Verify-on-append: the check that must pass before the log accepts the entry.
    ///
    /// # Errors
    /// Why the entry is not acceptable.
    fn verify(&self, registry: &dyn Registry) -> Result<(), LedgerError>;

    /// Verifies several entries of this kind at once; by default one by one. Kinds with
    /// a batch verifier (Groth16) override it. Returns one outcome per item, in order.
    fn verify_many(items: &[&Self], registry: &dyn Registry) -> Vec<Result<(), LedgerError>> {
        items.iter().map(|item| item.verify(registry)).collect()
    }

    /// What appending this entry registers, if anything.
    fn registration(&self) -> Option<Registration>;
}

/// Reads a string field of a JSON submission.
pub(crate) fn field_str<'v>(
    value: &'v Value,
    field: &str,
    what: &'static str,
) -> Result<&'v str, LedgerError> {
    value
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| LedgerError::malformed(what, format!("missing string field \"{field}\"")))
}

macro_rules! entry_kinds {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        /// A log entry of any registered kind.
        #[derive(Debug, Clone)]
        #[non_exhaustive]
        pub enum Entry {
            $(
                #[doc = concat!("A `", stringify!($variant), "` entry.")]
                $variant($ty),
            )*
        }

        $(
            impl From<$ty> for Entry {
                fn from(value: $ty) -> Self {
                    Entry::$variant(value)
                }
            }
        )*

        impl Entry {
            /// The kind's JSON name.
            pub fn kind(&self) -> &'static str {
                match self { $(Entry::$variant(_) => <$ty as EntryKind>::NAME,)* }
            }

            /// Every registered kind name.
            pub fn kinds() -> &'static [&'static str] {
                &[$(<$ty as EntryKind>::NAME,)*]
            }

            /// Whether appending needs the operator credential.
            pub fn operator_only(&self) -> bool {
                match self { $(Entry::$variant(_) => <$ty as EntryKind>::OPERATOR_ONLY,)* }
            }

            /// The canonical bytes (see the module docs for the layout).
            pub fn to_bytes(&self) -> Vec<u8> {
                let mut w = Writer::new();
                w.u8(ENTRY_VERSION);
                match self {
                    $(Entry::$variant(inner) => {
                        w.u8(<$ty as EntryKind>::TAG);
                        inner.encode_body(&mut w);
                    })*
                }
                w.finish()
            }

            /// Decodes canonical bytes, rejecting unknown versions and kinds, non-canonical
            /// fields and trailing bytes.
            ///
            /// # Errors
            /// [`LedgerError::TooLarge`], [`LedgerError::UnsupportedVersion`],
            /// [`LedgerError::UnknownKind`], [`LedgerError::Malformed`].
            pub fn from_bytes(bytes: &[u8]) -> Result<Self, LedgerError> {
                if bytes.len() > MAX_ENTRY_BYTES {
                    return Err(LedgerError::TooLarge { what: "entry", size: bytes.len(), limit: MAX_ENTRY_BYTES });
                }
                let mut r = Reader::new(bytes, "entry");
                let version = r.u8()?;
                if version != ENTRY_VERSION {
                    return Err(LedgerError::UnsupportedVersion {
                        what: "entry", found: u64::from(version), supported: u64::from(ENTRY_VERSION),
                    });
                }
                let tag = r.u8()?;
                let entry = $(
                    if tag == <$ty as EntryKind>::TAG {
                        Entry::$variant(<$ty as EntryKind>::decode_body(&mut r)?)
                    } else
                )* {
                    return Err(LedgerError::UnknownKind(format!("tag {tag}")));
                };
                r.finish()?;
                Ok(entry)
            }

            /// Builds an entry from its JSON form `{"version": 1, "kind": "...", ...}`.
            ///
            /// # Errors
            /// [`LedgerError::UnsupportedVersion`], [`LedgerError::UnknownKind`],
            /// [`LedgerError::Malformed`].
            pub fn from_json(value: &Value) -> Result<Self, LedgerError> {
                if let Some(version) = value.get("version") {
                    let found = version.as_u64().ok_or_else(|| LedgerError::malformed("entry", "\"version\" must be a number"))?;
                    if found != u64::from(ENTRY_VERSION) {
                        return Err(LedgerError::UnsupportedVersion {
                            what: "entry", found, supported: u64::from(ENTRY_VERSION),
                        });
                    }
                }
                let kind = field_str(value, "kind", "entry")?;
                $(
                    if kind == <$ty as EntryKind>::NAME {
                        return Ok(Entry::$variant(<$ty as EntryKind>::from_json(value)?));
                    }
                )*
                Err(LedgerError::UnknownKind(kind.to_owned()))
            }

            /// The JSON form `{"version": 1, "kind": "...", ...}` (accepted by [`Entry::from_json`]).
            pub fn to_json(&self) -> Value {
                let mut view = match self { $(Entry::$variant(inner) => inner.to_json(),)* };
                if let Value::Object(map) = &mut view {
                    map.insert("version".into(), Value::from(ENTRY_VERSION));
                    map.insert("kind".into(), Value::from(self.kind()));
                }
                view
            }

            /// Verify-on-append for one entry.
            ///
            /// # Errors
            /// Why the entry is not acceptable.
            pub fn verify(&self, registry: &dyn Registry) -> Result<(), LedgerError> {
                match self { $(Entry::$variant(inner) => inner.verify(registry),)* }
            }

            /// What appending this entry registers.
            pub fn registration(&self) -> Option<Registration> {
                match self { $(Entry::$variant(inner) => inner.registration(),)* }
            }

            /// Verifies a batch of entries, grouping each kind so that kinds with a batch
            /// verifier use it. Returns one outcome per entry, in order.
            pub fn verify_all(entries: &[&Entry], registry: &dyn Registry) -> Vec<Result<(), LedgerError>> {
                let mut outcomes: Vec<Option<Result<(), LedgerError>>> = entries.iter().map(|_| None).collect();
                $(
                    {
                        let mut positions = Vec::new();
                        let mut items: Vec<&$ty> = Vec::new();
                        for (position, entry) in entries.iter().enumerate() {
                            if let Entry::$variant(inner) = entry {
                                positions.push(position);
                                items.push(inner);
                            }
                        }
                        if !items.is_empty() {
                            let results = <$ty as EntryKind>::verify_many(&items, registry);
                            for (position, result) in positions.into_iter().zip(results) {
                                outcomes[position] = Some(result);
                            }
                        }
                    }
                )*
                outcomes
                    .into_iter()
                    .map(|o| o.unwrap_or(Err(LedgerError::Unavailable)))
                    .collect()
            }
        }
    };
}

// The registry of entry kinds: one line per kind.
entry_kinds! {
    Statement(Statement),
    Groth16(Groth16Proof),
    Range(RangeEntry),
    Party(Party),
    Result(ResultRecord),
    Issuer(Issuer),
    PredicateStatement(PredicateStatementEntry),
    Revocation(RevocationRoot),
    Predicate(PredicateProofEntry),
}

impl Entry {
    /// The Merkle leaf hash of the entry's canonical bytes.
    pub fn leaf_hash(&self) -> Hash {
        leaf_hash(&self.to_bytes())
    }
}
