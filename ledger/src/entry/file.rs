//! Files a user hands to the ledger ("entry sniffing"): deciding whether a file is a signed
//! result record, a ledger entry in its JSON form, a credential predicate proof, an
//! issuer's revocation registry, a Bulletproofs range proof (JSON or binary) or a Groth16
//! proof (JSON or binary), and building the [`Entry`] to submit.
//!
//! The decision looks only at the file's bytes: JSON files say what they are in `"kind"`
//! (or, for the credential files, `"format"` / `"type"`); binary files are tried as a
//! Groth16 proof, then as a range proof. Nothing is verified
//! here: the log verifies every entry before it appends it.

use serde_json::Value;

use super::{Entry, Groth16Proof, PredicateProofEntry, RangeEntry, ResultRecord, RevocationRoot};
use crate::error::LedgerError;

/// The `"kind"` of a signed result record file.
const RESULT_KIND: &str = "conclave.result";
/// The `"kind"` of a range-proof JSON file.
const RANGE_KIND: &str = "conclave.range.proof";
/// The `"format"` of a predicate proof file.
const PREDICATE_FORMAT: &str = "conclave.predicate.proof";
/// The `"type"` of a revocation registry file.
const REGISTRY_TYPE: &str = "revocation-registry";

/// What a file handed to the ledger is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileKind {
    /// A signed result record (`"kind": "conclave.result"`).
    ResultRecord,
    /// A ledger entry in its JSON form (`"kind"` one of [`Entry::kinds`]).
    LedgerEntry,
    /// A Bulletproofs range proof, JSON (`"kind": "conclave.range.proof"`) or binary.
    RangeProof,
    /// A Groth16 proof, JSON (as `conclave zk prove` writes it) or binary.
    Groth16Proof,
    /// A credential predicate proof (`"format": "conclave.predicate.proof"`).
    PredicateProof,
    /// An issuer's revocation registry (`"type": "revocation-registry"`): its signed root
    /// is anchored.
    RevocationRegistry,
}

impl std::fmt::Display for FileKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FileKind::ResultRecord => "result record",
            FileKind::LedgerEntry => "ledger entry",
            FileKind::RangeProof => "range proof",
            FileKind::Groth16Proof => "Groth16 proof",
            FileKind::PredicateProof => "predicate proof",
            FileKind::RevocationRegistry => "revocation registry",
        })
    }
}

impl FileKind {
    /// What the file says it is: `None` when it does not say (binary, or JSON without a
    /// known `"kind"`), in which case the content decides.
    pub fn declared(bytes: &[u8]) -> Option<Self> {
        let value: Value = serde_json::from_slice(bytes).ok()?;
        if value.get("format").and_then(Value::as_str) == Some(PREDICATE_FORMAT) {
            return Some(FileKind::PredicateProof);
        }
        if value.get("type").and_then(Value::as_str) == Some(REGISTRY_TYPE) {
            return Some(FileKind::RevocationRegistry);
        }
        let kind = value.get("kind").and_then(Value::as_str)?;
        match kind {
            RESULT_KIND => Some(FileKind::ResultRecord),
            RANGE_KIND => Some(FileKind::RangeProof),
            k if Entry::kinds().contains(&k) => Some(FileKind::LedgerEntry),
            _ => None,
        }
    }
}

fn bad(kind: FileKind) -> impl FnOnce(LedgerError) -> LedgerError {
    move |source| LedgerError::BadFile {
        kind,
        source: Box::new(source),
    }
}

impl Entry {
    /// Builds the entry to submit from a file's bytes: a signed result record, a ledger
    /// entry in JSON form, a range proof (JSON or binary) or a Groth16 proof (JSON or
    /// binary). See [`FileKind`].
    ///
    /// # Errors
    /// [`LedgerError::BadFile`] when the file declares a kind but does not decode as one;
    /// [`LedgerError::UnrecognizedFile`] when it is none of them.
    pub fn from_file_bytes(bytes: &[u8]) -> Result<Self, LedgerError> {
        match FileKind::declared(bytes) {
            Some(FileKind::ResultRecord) => {
                let value: Value = serde_json::from_slice(bytes)
                    .map_err(|e| bad(FileKind::ResultRecord)(LedgerError::malformed("file", e)))?;
                Ok(ResultRecord::from_record_json(&value)
                    .map_err(bad(FileKind::ResultRecord))?
                    .into())
            }
            Some(FileKind::LedgerEntry) => {
                let value: Value = serde_json::from_slice(bytes)
                    .map_err(|e| bad(FileKind::LedgerEntry)(LedgerError::malformed("file", e)))?;
                Entry::from_json(&value).map_err(bad(FileKind::LedgerEntry))
            }
            Some(FileKind::PredicateProof) => Ok(PredicateProofEntry::from_file_bytes(bytes)
                .map_err(bad(FileKind::PredicateProof))?
                .into()),
            Some(FileKind::RevocationRegistry) => Ok(RevocationRoot::from_registry_bytes(bytes)
                .map_err(bad(FileKind::RevocationRegistry))?
                .into()),
            Some(FileKind::RangeProof) => Ok(RangeEntry::from_file_bytes(bytes)
                .map_err(bad(FileKind::RangeProof))?
                .into()),
            Some(FileKind::Groth16Proof) | None => {
                let is_json = serde_json::from_slice::<Value>(bytes).is_ok();
                match Groth16Proof::from_file_bytes(bytes) {
                    Ok(proof) => Ok(proof.into()),
                    // Binary range proofs carry no kind; JSON ones always do.
                    Err(groth16) => match RangeEntry::from_file_bytes(bytes) {
                        Ok(range) if !is_json => Ok(range.into()),
                        _ => Err(LedgerError::UnrecognizedFile {
                            source: Box::new(groth16),
                        }),
                    },
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_kinds() {
        assert_eq!(
            FileKind::declared(br#"{"kind":"conclave.result"}"#),
            Some(FileKind::ResultRecord)
        );
        assert_eq!(
            FileKind::declared(br#"{"kind":"party"}"#),
            Some(FileKind::LedgerEntry)
        );
        assert_eq!(
            FileKind::declared(br#"{"kind":"conclave.range.proof"}"#),
            Some(FileKind::RangeProof)
        );
        assert_eq!(FileKind::declared(br#"{"hello":1}"#), None);
        assert_eq!(FileKind::declared(b"\x00\x01binary"), None);
    }

    #[test]
    fn unknown_files_are_refused_with_typed_errors() {
        for bytes in [&b"{\"hello\": 1}"[..], b"", b"\x00\x01\x02garbage"] {
            let error = Entry::from_file_bytes(bytes).unwrap_err();
            assert!(
                matches!(error, LedgerError::UnrecognizedFile { .. }),
                "{error:?}"
            );
            assert_eq!(error.code(), "unrecognized_file");
        }
        // Declares a kind but is not one: says which kind.
        let error = Entry::from_file_bytes(br#"{"kind":"conclave.result","body":3}"#).unwrap_err();
        assert!(
            matches!(
                error,
                LedgerError::BadFile {
                    kind: FileKind::ResultRecord,
                    ..
                }
            ),
            "{error:?}"
        );
        let error = Entry::from_file_bytes(br#"{"kind":"party","public_key":"zz"}"#).unwrap_err();
        assert!(
            matches!(
                error,
                LedgerError::BadFile {
                    kind: FileKind::LedgerEntry,
                    ..
                }
            ),
            "{error:?}"
        );
    }

    #[test]
    fn a_party_entry_file_round_trips() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32])
            .verifying_key()
            .to_bytes();
        let party = super::super::Party::new(key, "bank").unwrap();
        let entry: Entry = party.into();
        let bytes = entry.to_json().to_string().into_bytes();
        let back = Entry::from_file_bytes(&bytes).unwrap();
        assert_eq!(back.to_bytes(), entry.to_bytes());
    }
}
