//! The `groth16` entry: a Groth16 proof (with its public inputs) for a registered
//! statement, accepted only if it verifies under that statement's key. Concurrent
//! submissions for one statement are checked with the circuits crate's batch verifier.
//!
//! # Layout
//! `statement id[32] ‖ proof (u32 length ‖ conclave-circuits canonical proof bytes, which
//! carry the statement id and the public inputs; at most 64 KiB)`.
//!
//! # Security
//! The proof is decoded with the circuits crate's checked decoder; the statement id inside
//! the proof must equal the entry's. Batch verification uses fresh randomness from the OS.

use std::collections::BTreeMap;
use std::sync::Arc;

use conclave_circuits::groth16::{verify, verify_batch, Proof};
use conclave_circuits::ZkError;
use serde_json::{json, Value};

use super::{EntryKind, Registration, Registry};
use crate::encoding::{Reader, Writer};
use crate::error::LedgerError;

const MAX_PROOF: usize = 64 * 1024;
const WHAT: &str = "groth16 entry";

/// An anchored Groth16 proof.
#[derive(Clone)]
pub struct Groth16Proof {
    /// The statement (verifying key id) it claims.
    pub statement_id: [u8; 32],
    /// Canonical proof bytes.
    pub proof_bytes: Vec<u8>,
    proof: Arc<Proof>,
}

impl std::fmt::Debug for Groth16Proof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Groth16Proof")
            .field("statement_id", &hex::encode(self.statement_id))
            .field("proof_bytes", &self.proof_bytes.len())
            .finish()
    }
}

impl PartialEq for Groth16Proof {
    fn eq(&self, other: &Self) -> bool {
        self.statement_id == other.statement_id && self.proof_bytes == other.proof_bytes
    }
}

fn proof_statement_id(proof: &Proof) -> Result<[u8; 32], LedgerError> {
    Ok(proof.vk_id().0)
}

/// Maps a circuits error: "does not verify" (or made for another key) is a rejected proof,
/// anything else a malformed one.
fn zk_error(error: ZkError) -> LedgerError {
    if error.is_invalid_proof() || matches!(error, ZkError::KeyMismatch { .. }) {
        LedgerError::ProofInvalid {
            reason: error.to_string(),
        }
    } else {
        LedgerError::malformed(WHAT, error)
    }
}

impl Groth16Proof {
    /// An entry from a decoded proof.
    ///
    /// # Errors
    /// [`LedgerError::Malformed`] if the proof cannot be encoded.
    pub fn from_proof(proof: Proof) -> Result<Self, LedgerError> {
        let statement_id = proof_statement_id(&proof)?;
        let proof_bytes = proof.to_bytes();
        Ok(Groth16Proof {
            statement_id,
            proof_bytes,
            proof: Arc::new(proof),
        })
    }

    /// An entry from the proof's JSON (the `conclave zk prove` output).
    ///
    /// # Errors
    /// [`LedgerError::Malformed`] when the JSON is not a proof.
    pub fn from_proof_json(text: &str) -> Result<Self, LedgerError> {
        let proof = Proof::from_json(text).map_err(|e| LedgerError::malformed(WHAT, e))?;
        Self::from_proof(proof)
    }

    /// An entry from a proof file in either form (binary or JSON).
    ///
    /// # Errors
    /// [`LedgerError::Malformed`] when the bytes are not a proof.
    pub fn from_file_bytes(bytes: &[u8]) -> Result<Self, LedgerError> {
        if bytes.len() > MAX_PROOF * 4 {
            return Err(LedgerError::TooLarge {
                what: "proof file",
                size: bytes.len(),
                limit: MAX_PROOF * 4,
            });
        }
        let proof = Proof::decode(bytes).map_err(|e| LedgerError::malformed(WHAT, e))?;
        Self::from_proof(proof)
    }

    fn from_parts(statement_id: [u8; 32], proof_bytes: Vec<u8>) -> Result<Self, LedgerError> {
        if proof_bytes.len() > MAX_PROOF {
            return Err(LedgerError::TooLarge {
                what: "groth16 proof",
                size: proof_bytes.len(),
                limit: MAX_PROOF,
            });
        }
        let proof = Proof::from_bytes(&proof_bytes).map_err(|e| LedgerError::malformed(WHAT, e))?;
        if proof_statement_id(&proof)? != statement_id {
            return Err(LedgerError::malformed(
                WHAT,
                "the statement id does not match the one inside the proof",
            ));
        }
        Ok(Groth16Proof {
            statement_id,
            proof_bytes,
            proof: Arc::new(proof),
        })
    }

    /// The decoded proof.
    pub fn proof(&self) -> &Proof {
        &self.proof
    }
}

impl EntryKind for Groth16Proof {
    const TAG: u8 = 2;
    const NAME: &'static str = "groth16";
    const OPERATOR_ONLY: bool = false;

    fn encode_body(&self, w: &mut Writer) {
        w.fixed(&self.statement_id).bytes(&self.proof_bytes);
    }

    fn decode_body(r: &mut Reader<'_>) -> Result<Self, LedgerError> {
        let statement_id = r.array::<32>()?;
        let proof_bytes = r.bytes(MAX_PROOF)?.to_vec();
        Groth16Proof::from_parts(statement_id, proof_bytes)
    }

    fn from_json(value: &Value) -> Result<Self, LedgerError> {
        let proof = value
            .get("proof")
            .ok_or_else(|| LedgerError::malformed(WHAT, "missing \"proof\""))?;
        let entry = Groth16Proof::from_proof_json(&proof.to_string())?;
        if let Some(claimed) = value.get("statement").and_then(Value::as_str) {
            if claimed != hex::encode(entry.statement_id) {
                return Err(LedgerError::malformed(
                    WHAT,
                    "\"statement\" does not match the proof's statement id",
                ));
            }
        }
        Ok(entry)
    }

    fn to_json(&self) -> Value {
        let proof: Value = serde_json::from_str(&self.proof.to_json()).unwrap_or(Value::Null);
        json!({ "statement": hex::encode(self.statement_id), "proof": proof })
    }

    fn verify(&self, registry: &dyn Registry) -> Result<(), LedgerError> {
        let key = registry.statement(&self.statement_id)?.ok_or_else(|| {
            LedgerError::UnknownStatement {
                id: hex::encode(self.statement_id),
            }
        })?;
        verify(&key.vk, &self.proof).map_err(zk_error)
    }

    fn verify_many(items: &[&Self], registry: &dyn Registry) -> Vec<Result<(), LedgerError>> {
        let mut outcomes: Vec<Result<(), LedgerError>> = items.iter().map(|_| Ok(())).collect();
        let mut groups: BTreeMap<[u8; 32], Vec<usize>> = BTreeMap::new();
        for (i, item) in items.iter().enumerate() {
            groups.entry(item.statement_id).or_default().push(i);
        }
        for (id, positions) in groups {
            let key = match registry.statement(&id) {
                Ok(Some(key)) => key,
                Ok(None) => {
                    for &p in &positions {
                        outcomes[p] = Err(LedgerError::UnknownStatement {
                            id: hex::encode(id),
                        });
                    }
                    continue;
                }
                Err(_) => {
                    for &p in &positions {
                        outcomes[p] = items[p].verify(registry);
                    }
                    continue;
                }
            };
            if positions.len() == 1 {
                outcomes[positions[0]] = items[positions[0]].verify(registry);
                continue;
            }
            let proofs: Vec<Proof> = positions
                .iter()
                .map(|&p| (*items[p].proof).clone())
                .collect();
            let mut rng = rand_core::OsRng;
            match verify_batch(&key.vk, &proofs, &mut rng) {
                Ok(()) => {}
                Err(ZkError::BatchRejected { failing }) => {
                    for f in failing {
                        if let Some(&p) = positions.get(f) {
                            outcomes[p] = items[p].verify(registry);
                        }
                    }
                }
                Err(_) => {
                    for &p in &positions {
                        outcomes[p] = items[p].verify(registry);
                    }
                }
            }
        }
        outcomes
    }

    fn registration(&self) -> Option<Registration> {
        None
    }
}
