//! Credential predicates: the `predicate-statement` entry registers a predicate verifying
//! key (operator only), so the ledger can interpret a predicate proof's public inputs; the
//! `predicate` entry anchors a predicate proof (`conclave zk prove --credential …`).
//!
//! # Layout
//! - `predicate-statement`: `verifying key (u32 length ‖ the key file exactly as
//!   conclave-circuits writes it, `PredicateVerifyingKey::to_json`; at most 64 KiB) ‖ label
//!   (u32 length ‖ UTF-8, at most 256 bytes)`. Its id is the key's id.
//! - `predicate`: `statement id[32] ‖ proof (u32 length ‖ the proof file exactly as
//!   conclave-circuits writes it, `PredicateProof::to_json`; at most 32 KiB)`. The id must
//!   be the one the proof names.
//!
//! Both embedded files must be in the circuits crate's own (canonical) form: decoding
//! re-encodes them and refuses any other spelling, so one key or proof has one entry.
//!
//! # What is checked on append (a `predicate` entry)
//! 1. its statement is registered;
//! 2. every issuer key the proof names is registered (`issuer` entries);
//! 3. every revocation root the proof names was anchored by its issuer (`revocation`
//!    entries) and is the issuer's latest, or was superseded less than the ledger's grace
//!    period ago ([`crate::policy::AppendPolicy::revocation_grace`]);
//! 4. its nullifier was not seen before in its scope (the ledger keeps a persistent
//!    index, `NullifierKey` → entry index);
//! 5. `$now` is within [`crate::policy::AppendPolicy::now_window_days`] of the ledger's date;
//! 6. the Groth16 proof verifies under the statement's key (the circuits crate's
//!    `predicate::verify`: issuer keys checked points, parameters in range, scope field).
//!
//! An audit repeats 1–4 (with "anchored before the proof" for 3) and 6; a verifier from
//! the ledger alone repeats 1–3 (anchored, in the same tree) and 6. The clock checks (5,
//! the grace of 3) are append-time only.

use std::sync::Arc;

use conclave_circuits::credential::nullifier::scope_to_field;
use conclave_circuits::credential::Days;
use conclave_circuits::statement::predicate::{
    verify, PredicateProof, PredicateStatementError, PredicateVerifyingKey, NOW,
};
use serde_json::{json, Value};

use super::issuer::issuer_id;
use super::revocation::field_bytes;
use super::{EntryKind, NullifierKey, Registration, Registry, PENDING};
use crate::encoding::{Reader, Writer};
use crate::error::LedgerError;

const MAX_VK: usize = 64 * 1024;
const MAX_PROOF: usize = 32 * 1024;
const MAX_LABEL: usize = 256;
const STATEMENT: &str = "predicate-statement entry";
const PROOF: &str = "predicate entry";

/// Maps a circuits error: a proof that does not verify, or one for another key, is
/// rejected; anything else is malformed.
fn predicate_error(error: PredicateStatementError) -> LedgerError {
    if error.is_invalid() || matches!(error, PredicateStatementError::KeyMismatch { .. }) {
        LedgerError::ProofInvalid {
            reason: error.to_string(),
        }
    } else {
        LedgerError::malformed(PROOF, error)
    }
}

fn hex32(text: &str, what: &'static str) -> Result<[u8; 32], LedgerError> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out)
        .map_err(|_| LedgerError::malformed(what, "an id is not 64 hexadecimal digits"))?;
    Ok(out)
}

/// A registered predicate statement: its verifying key.
#[derive(Clone)]
pub struct PredicateStatementEntry {
    /// The verifying key file, as the circuits crate writes it.
    pub vk_json: String,
    /// A human label.
    pub label: String,
    key: Arc<PredicateVerifyingKey>,
    id: [u8; 32],
}

impl std::fmt::Debug for PredicateStatementEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PredicateStatementEntry")
            .field("id", &hex::encode(self.id))
            .field("predicate", &self.key.statement().text())
            .field("label", &self.label)
            .finish()
    }
}

impl PartialEq for PredicateStatementEntry {
    fn eq(&self, other: &Self) -> bool {
        self.vk_json == other.vk_json && self.label == other.label
    }
}

impl PredicateStatementEntry {
    /// An entry from a predicate verifying key file (`conclave zk setup --predicate`'s
    /// `predicate.vk`), stored in the circuits crate's form.
    ///
    /// # Errors
    /// [`LedgerError::TooLarge`]; [`LedgerError::Malformed`] when the bytes are not a
    /// predicate verifying key or the label is too long.
    pub fn from_file_bytes(bytes: &[u8], label: &str) -> Result<Self, LedgerError> {
        if bytes.len() > MAX_VK * 4 {
            return Err(LedgerError::TooLarge {
                what: "predicate verifying key file",
                size: bytes.len(),
                limit: MAX_VK * 4,
            });
        }
        let key = PredicateVerifyingKey::from_json(bytes)
            .map_err(|e| LedgerError::malformed(STATEMENT, e))?;
        Self::from_key(key, label)
    }

    fn from_key(key: PredicateVerifyingKey, label: &str) -> Result<Self, LedgerError> {
        if label.len() > MAX_LABEL {
            return Err(LedgerError::malformed(
                STATEMENT,
                "label longer than 256 bytes",
            ));
        }
        let vk_json = key.to_json();
        if vk_json.len() > MAX_VK {
            return Err(LedgerError::TooLarge {
                what: "predicate verifying key",
                size: vk_json.len(),
                limit: MAX_VK,
            });
        }
        let id = hex32(&key.id_hex(), STATEMENT)?;
        Ok(PredicateStatementEntry {
            vk_json,
            label: label.to_owned(),
            key: Arc::new(key),
            id,
        })
    }

    /// The statement id (the key's id).
    pub fn id(&self) -> [u8; 32] {
        self.id
    }

    /// The decoded key.
    pub fn key(&self) -> Arc<PredicateVerifyingKey> {
        Arc::clone(&self.key)
    }
}

impl EntryKind for PredicateStatementEntry {
    const TAG: u8 = 7;
    const NAME: &'static str = "predicate-statement";
    const OPERATOR_ONLY: bool = true;

    fn encode_body(&self, w: &mut Writer) {
        w.str(&self.vk_json).str(&self.label);
    }

    fn decode_body(r: &mut Reader<'_>) -> Result<Self, LedgerError> {
        let vk_json = r.str(MAX_VK)?;
        let label = r.str(MAX_LABEL)?;
        let key = PredicateVerifyingKey::from_json(vk_json.as_bytes())
            .map_err(|e| LedgerError::malformed(STATEMENT, e))?;
        let entry = Self::from_key(key, label)?;
        if entry.vk_json != vk_json {
            return Err(LedgerError::malformed(
                STATEMENT,
                "the verifying key is not in its canonical form",
            ));
        }
        Ok(entry)
    }

    fn from_json(value: &Value) -> Result<Self, LedgerError> {
        let vk = value
            .get("vk")
            .ok_or_else(|| LedgerError::malformed(STATEMENT, "missing \"vk\""))?;
        let label = value.get("label").and_then(Value::as_str).unwrap_or("");
        let entry = Self::from_file_bytes(vk.to_string().as_bytes(), label)?;
        if let Some(claimed) = value.get("id").and_then(Value::as_str) {
            if claimed != hex::encode(entry.id) {
                return Err(LedgerError::malformed(
                    STATEMENT,
                    "\"id\" is not the key's id",
                ));
            }
        }
        Ok(entry)
    }

    fn to_json(&self) -> Value {
        let vk: Value = serde_json::from_str(&self.vk_json).unwrap_or(Value::Null);
        json!({
            "id": hex::encode(self.id),
            "predicate": self.key.statement().text(),
            "label": self.label,
            "vk": vk,
        })
    }

    fn verify(&self, _registry: &dyn Registry) -> Result<(), LedgerError> {
        // Decoding already checked the key; nothing else is required.
        Ok(())
    }

    fn registration(&self) -> Option<Registration> {
        Some(Registration::PredicateStatement(self.id))
    }
}

/// A revocation root a proof names: alias, registry sequence, root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedRoot {
    /// The alias whose credential's revocation is checked.
    pub alias: String,
    /// The registry sequence the root is claimed to have.
    pub sequence: u64,
    /// The root (32 bytes, big-endian field element).
    pub root: [u8; 32],
}

/// The revocation roots a proof names (none for a statement without revocation). The
/// proof binds the root; the sequence is the prover's claim, so the ledger accepts the
/// pair only if the issuer anchored exactly this root with this sequence.
fn named_roots(proof: &PredicateProof) -> Vec<NamedRoot> {
    proof
        .revocation_roots()
        .iter()
        .map(|(alias, root)| NamedRoot {
            alias: alias.clone(),
            sequence: root.sequence,
            root: field_bytes(&root.root),
        })
        .collect()
}

/// An anchored predicate proof.
#[derive(Clone)]
pub struct PredicateProofEntry {
    /// The predicate statement (verifying key id) it claims.
    pub statement_id: [u8; 32],
    /// The proof file, as the circuits crate writes it.
    pub proof_json: String,
    proof: Arc<PredicateProof>,
}

impl std::fmt::Debug for PredicateProofEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PredicateProofEntry")
            .field("statement_id", &hex::encode(self.statement_id))
            .field("scope", &self.proof.scope())
            .finish()
    }
}

impl PartialEq for PredicateProofEntry {
    fn eq(&self, other: &Self) -> bool {
        self.statement_id == other.statement_id && self.proof_json == other.proof_json
    }
}

impl PredicateProofEntry {
    /// An entry from a predicate proof file (`conclave zk prove --credential …`), stored in
    /// the circuits crate's form.
    ///
    /// # Errors
    /// [`LedgerError::TooLarge`], [`LedgerError::Malformed`] when the bytes are not a
    /// predicate proof.
    pub fn from_file_bytes(bytes: &[u8]) -> Result<Self, LedgerError> {
        if bytes.len() > MAX_PROOF * 4 {
            return Err(LedgerError::TooLarge {
                what: "predicate proof file",
                size: bytes.len(),
                limit: MAX_PROOF * 4,
            });
        }
        let proof =
            PredicateProof::from_json(bytes).map_err(|e| LedgerError::malformed(PROOF, e))?;
        Self::from_proof(proof)
    }

    /// An entry from a decoded proof.
    ///
    /// # Errors
    /// [`LedgerError::TooLarge`] for a proof file above 32 KiB.
    pub fn from_proof(proof: PredicateProof) -> Result<Self, LedgerError> {
        let proof_json = proof.to_json();
        if proof_json.len() > MAX_PROOF {
            return Err(LedgerError::TooLarge {
                what: "predicate proof",
                size: proof_json.len(),
                limit: MAX_PROOF,
            });
        }
        let statement_id = hex32(&proof.vk_id_hex(), PROOF)?;
        Ok(PredicateProofEntry {
            statement_id,
            proof_json,
            proof: Arc::new(proof),
        })
    }

    /// The decoded proof.
    pub fn proof(&self) -> &PredicateProof {
        &self.proof
    }

    /// Its nullifier in its scope (the key of the ledger's nullifier index).
    pub fn nullifier_key(&self) -> NullifierKey {
        NullifierKey {
            scope: field_bytes(&scope_to_field(self.proof.scope())),
            nullifier: field_bytes(&self.proof.nullifier()),
        }
    }

    /// The revocation roots the proof names.
    pub fn revocation_roots(&self) -> Vec<NamedRoot> {
        named_roots(&self.proof)
    }

    fn check_issuers(&self, registry: &dyn Registry) -> Result<(), LedgerError> {
        for (alias, key) in self.proof.issuers() {
            let id = issuer_id(key);
            if !registry.issuer_registered(&id)? {
                return Err(LedgerError::UnknownIssuer {
                    alias: Some(alias.clone()),
                    key: hex::encode(id),
                });
            }
        }
        Ok(())
    }

    fn check_revocation(&self, registry: &dyn Registry) -> Result<(), LedgerError> {
        let context = registry.append_context();
        for named in self.revocation_roots() {
            let issuer = self
                .proof
                .issuers()
                .get(&named.alias)
                .map(issuer_id)
                .ok_or_else(|| {
                    LedgerError::malformed(PROOF, "a revocation root names an alias without issuer")
                })?;
            let unknown = || LedgerError::UnknownRevocationRoot {
                alias: named.alias.clone(),
                issuer: hex::encode(issuer),
                sequence: named.sequence,
            };
            let record = registry
                .revocation_root(&issuer, named.sequence)?
                .ok_or_else(unknown)?;
            if record.root != named.root {
                return Err(unknown());
            }
            if let (Some(context), Some(superseded_at)) = (context, record.superseded_at) {
                let age = context.now_secs.saturating_sub(superseded_at);
                // Accepted only while younger than the grace period (so never with 0).
                if age >= context.revocation_grace_secs {
                    let latest = registry
                        .latest_revocation(&issuer)?
                        .map_or(record.sequence, |r| r.sequence);
                    return Err(LedgerError::StaleRevocationRoot {
                        alias: named.alias.clone(),
                        sequence: named.sequence,
                        latest,
                    });
                }
            }
        }
        Ok(())
    }

    fn check_now(&self, registry: &dyn Registry) -> Result<(), LedgerError> {
        let Some(context) = registry.append_context() else {
            return Ok(());
        };
        let text = self
            .proof
            .params()
            .get(NOW)
            .ok_or_else(|| LedgerError::malformed(PROOF, "the proof has no $now"))?;
        let now = Days::parse(text, NOW).map_err(|e| LedgerError::malformed(PROOF, e))?;
        if u64::from(now.get()).abs_diff(context.today) > u64::from(context.now_window_days) {
            let today = u32::try_from(context.today)
                .ok()
                .and_then(|d| Days::new(u64::from(d), "today").ok())
                .map_or_else(|| context.today.to_string(), |d| d.to_string());
            return Err(LedgerError::NowOutOfWindow {
                now: text.clone(),
                today,
                window_days: context.now_window_days,
            });
        }
        Ok(())
    }
}

impl EntryKind for PredicateProofEntry {
    const TAG: u8 = 9;
    const NAME: &'static str = "predicate";
    const OPERATOR_ONLY: bool = false;

    fn encode_body(&self, w: &mut Writer) {
        w.fixed(&self.statement_id).str(&self.proof_json);
    }

    fn decode_body(r: &mut Reader<'_>) -> Result<Self, LedgerError> {
        let statement_id = r.array::<32>()?;
        let proof_json = r.str(MAX_PROOF)?;
        let proof = PredicateProof::from_json(proof_json.as_bytes())
            .map_err(|e| LedgerError::malformed(PROOF, e))?;
        let entry = Self::from_proof(proof)?;
        if entry.proof_json != proof_json {
            return Err(LedgerError::malformed(
                PROOF,
                "the proof is not in its canonical form",
            ));
        }
        if entry.statement_id != statement_id {
            return Err(LedgerError::malformed(
                PROOF,
                "the statement id does not match the one inside the proof",
            ));
        }
        Ok(entry)
    }

    fn from_json(value: &Value) -> Result<Self, LedgerError> {
        let proof = value
            .get("proof")
            .ok_or_else(|| LedgerError::malformed(PROOF, "missing \"proof\""))?;
        let entry = Self::from_file_bytes(proof.to_string().as_bytes())?;
        if let Some(claimed) = value.get("statement") {
            let claimed = claimed
                .as_str()
                .ok_or_else(|| LedgerError::malformed(PROOF, "\"statement\" must be hex"))?;
            if claimed != hex::encode(entry.statement_id) {
                return Err(LedgerError::malformed(
                    PROOF,
                    "\"statement\" does not match the proof's statement id",
                ));
            }
        }
        Ok(entry)
    }

    fn to_json(&self) -> Value {
        let proof: Value = serde_json::from_str(&self.proof_json).unwrap_or(Value::Null);
        let key = self.nullifier_key();
        json!({
            "statement": hex::encode(self.statement_id),
            "scope_id": hex::encode(key.scope),
            "proof": proof,
        })
    }

    fn verify(&self, registry: &dyn Registry) -> Result<(), LedgerError> {
        let key = registry
            .predicate_statement(&self.statement_id)?
            .ok_or_else(|| LedgerError::UnknownStatement {
                id: hex::encode(self.statement_id),
            })?;
        // The cheap, table-driven checks first; the pairing last.
        self.check_issuers(registry)?;
        self.check_revocation(registry)?;
        let nullifier = self.nullifier_key();
        if let Some(index) = registry.nullifier_seen(&nullifier)? {
            return Err(LedgerError::NullifierReused {
                scope: self.proof.scope().to_owned(),
                index: (index != PENDING).then_some(index),
            });
        }
        self.check_now(registry)?;
        verify(&key, &self.proof).map_err(predicate_error)
    }

    fn registration(&self) -> Option<Registration> {
        Some(Registration::Nullifier(self.nullifier_key()))
    }
}
