//! The `range` entry: a Bulletproofs range proof on Ristretto Pedersen commitments (from
//! `conclave_circuits::bulletproof`), accepted only if it verifies. No registration is needed:
//! Bulletproofs have no trusted setup and the statement (bit size or interval, commitments)
//! travels with the proof. Concurrent submissions are checked with the batch verifier.
//!
//! # Layout
//! `proof (u32 length ‖ conclave-circuits range-proof binary encoding: statement ‖ proof
//! bytes; at most 8 KiB + statement)`.
//!
//! # Security
//! Decoding rejects non-canonical points and scalars; verification draws its batching
//! challenges from the OS CSPRNG. Generators are derived deterministically (once per process).

use std::sync::OnceLock;

use conclave_circuits::bulletproof::{
    verify_batch, Generators, RangeError, RangeProof, MAX_AGGREGATION, MAX_PROOF_BYTES,
};
use serde_json::{json, Value};

use super::{EntryKind, Registration, Registry};
use crate::encoding::{Reader, Writer};
use crate::error::LedgerError;

const WHAT: &str = "range entry";
const MAX_ENCODED: usize = MAX_PROOF_BYTES + 4096;

fn generators() -> Result<&'static Generators, LedgerError> {
    static GENS: OnceLock<Option<Generators>> = OnceLock::new();
    GENS.get_or_init(|| Generators::new(MAX_AGGREGATION).ok())
        .as_ref()
        .ok_or_else(|| LedgerError::malformed(WHAT, "range-proof generators unavailable"))
}

fn range_error(error: RangeError) -> LedgerError {
    if error.is_invalid_proof() {
        LedgerError::ProofInvalid {
            reason: error.to_string(),
        }
    } else {
        LedgerError::malformed(WHAT, error)
    }
}

/// An anchored Bulletproofs range proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeEntry {
    /// The proof with its statement (boxed: it is by far the largest entry kind).
    pub proof: Box<RangeProof>,
}

impl RangeEntry {
    /// An entry from a range-proof file in either form (binary or JSON).
    ///
    /// # Errors
    /// [`LedgerError::Malformed`] when the bytes are not a range proof.
    pub fn from_file_bytes(bytes: &[u8]) -> Result<Self, LedgerError> {
        let proof = RangeProof::decode(bytes).map_err(|e| LedgerError::malformed(WHAT, e))?;
        Ok(RangeEntry {
            proof: Box::new(proof),
        })
    }
}

impl EntryKind for RangeEntry {
    const TAG: u8 = 3;
    const NAME: &'static str = "range";
    const OPERATOR_ONLY: bool = false;

    fn encode_body(&self, w: &mut Writer) {
        w.bytes(&self.proof.to_bytes());
    }

    fn decode_body(r: &mut Reader<'_>) -> Result<Self, LedgerError> {
        let bytes = r.bytes(MAX_ENCODED)?;
        let proof = RangeProof::from_bytes(bytes).map_err(|e| LedgerError::malformed(WHAT, e))?;
        Ok(RangeEntry {
            proof: Box::new(proof),
        })
    }

    fn from_json(value: &Value) -> Result<Self, LedgerError> {
        let proof = value
            .get("proof")
            .ok_or_else(|| LedgerError::malformed(WHAT, "missing \"proof\""))?;
        let proof = RangeProof::from_json(proof.to_string().as_bytes())
            .map_err(|e| LedgerError::malformed(WHAT, e))?;
        Ok(RangeEntry {
            proof: Box::new(proof),
        })
    }

    fn to_json(&self) -> Value {
        let proof: Value = serde_json::from_str(&self.proof.to_json()).unwrap_or(Value::Null);
        json!({ "proof": proof })
    }

    fn verify(&self, _registry: &dyn Registry) -> Result<(), LedgerError> {
        self.proof
            .verify(generators()?, &mut rand_core::OsRng)
            .map_err(range_error)
    }

    fn verify_many(items: &[&Self], registry: &dyn Registry) -> Vec<Result<(), LedgerError>> {
        if items.len() > 1 {
            if let Ok(gens) = generators() {
                let proofs: Vec<RangeProof> =
                    items.iter().map(|item| (*item.proof).clone()).collect();
                if verify_batch(gens, &proofs, &mut rand_core::OsRng).is_ok() {
                    return items.iter().map(|_| Ok(())).collect();
                }
            }
        }
        items.iter().map(|item| item.verify(registry)).collect()
    }

    fn registration(&self) -> Option<Registration> {
        None
    }
}
