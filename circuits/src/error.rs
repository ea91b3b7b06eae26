//! The error type of the zero-knowledge core (Poseidon, commitments, Groth16, file formats).

use ark_relations::gr1cs::SynthesisError;
use ark_serialize::SerializationError;

use crate::claim::{Side, WeakerBound};

/// Everything that can go wrong in the zero-knowledge core.
///
/// [`ZkError::InvalidProof`] and [`ZkError::BatchRejected`] mean "well-formed but false";
/// every other variant means the input itself was unusable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ZkError {
    /// The proof is well-formed but does not verify.
    #[error("the proof does not verify")]
    InvalidProof,
    /// A batch of proofs failed; `failing` lists the positions of the proofs that do not verify.
    #[error("batch rejected: proof(s) at position {} do not verify", list(failing))]
    BatchRejected {
        /// Zero-based positions of the failing proofs.
        failing: Vec<usize>,
    },
    /// A statement width outside the supported range.
    #[error("unsupported bit width {bits}: choose a width from 8 to 64")]
    UnsupportedBits {
        /// The requested width.
        bits: u32,
    },
    /// Poseidon was asked to hash a number of inputs it has no parameters for.
    #[error("Poseidon takes 1 to 16 inputs, got {count}")]
    UnsupportedArity {
        /// The number of inputs given.
        count: usize,
    },
    /// The secret does not satisfy the statement, so no valid proof exists.
    #[error("the secret does not satisfy the statement: {reason}")]
    Unsatisfied {
        /// Which condition fails.
        reason: &'static str,
    },
    /// A public parameter (threshold, bound) is outside what the statement can express.
    #[error("{name} {value} is out of range: {reason}")]
    BadParameter {
        /// The parameter's name.
        name: &'static str,
        /// The value given.
        value: String,
        /// What the valid range is.
        reason: &'static str,
    },
    /// The number of public inputs does not match the statement.
    #[error("expected {expected} public inputs, found {found}")]
    WrongInputCount {
        /// How many the statement takes.
        expected: usize,
        /// How many were given.
        found: usize,
    },
    /// A public input or scalar is not a canonical element of the BN254 scalar field.
    #[error("{what} is not a canonical field element (must be a decimal integer below the BN254 scalar field modulus): {value:?}")]
    NotAFieldElement {
        /// What the value was meant to be.
        what: String,
        /// The offending text.
        value: String,
    },
    /// A curve point is not on the curve.
    #[error("{what} is not a point on the BN254 curve")]
    NotOnCurve {
        /// Which point.
        what: String,
    },
    /// A curve point is on the curve but outside the prime-order subgroup.
    #[error("{what} is not in the prime-order subgroup")]
    NotInSubgroup {
        /// Which point.
        what: String,
    },
    /// A proof was produced for another statement's key.
    #[error("the proof was made for statement key {proof_key}, not for this key {key}")]
    KeyMismatch {
        /// Id of the key given.
        key: String,
        /// Id recorded in the proof.
        proof_key: String,
    },
    /// A file or message is of another kind than expected.
    #[error("expected a {expected}, found a {found}")]
    WrongKind {
        /// The expected kind.
        expected: &'static str,
        /// The kind found.
        found: String,
    },
    /// A file format version this build cannot read.
    #[error("unsupported {what} format version {found} (this build reads version {supported})")]
    UnsupportedVersion {
        /// The kind of object.
        what: &'static str,
        /// The version found.
        found: u64,
        /// The version this build reads.
        supported: u64,
    },
    /// Binary data that is truncated, garbled or has trailing bytes.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// The kind of object.
        what: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A file whose contents do not match the SHA-256 recorded in it: damaged or altered
    /// since it was written.
    #[error(
        "{what} is damaged or was altered: its contents do not match the SHA-256 recorded in \
         its header (restore it from a copy or make it again)"
    )]
    DigestMismatch {
        /// The kind of object.
        what: &'static str,
    },
    /// Canonical (arkworks) decoding failed: truncated data, invalid point or non-canonical scalar.
    #[error("malformed {what}: {source}")]
    Decode {
        /// The kind of object.
        what: &'static str,
        /// The arkworks error.
        #[source]
        source: SerializationError,
    },
    /// JSON that does not parse or lacks fields.
    #[error("malformed {what} JSON: {source}")]
    Json {
        /// The kind of object.
        what: &'static str,
        /// The serde error.
        #[source]
        source: serde_json::Error,
    },
    /// The proof is about another commitment than the one the verifier asked about.
    #[error(
        "the proof is about commitment {proven}, not {required}: it proves nothing about the \
         commitment asked for"
    )]
    OtherCommitment {
        /// The commitment the proof is about (decimal).
        proven: String,
        /// The commitment the verifier asked about (decimal).
        required: String,
    },
    /// The proof establishes a weaker bound than the verifier requires.
    #[error("the proof only shows value {side} {proven}, not {side} {required}")]
    WeakerBound {
        /// Which bound.
        side: Side,
        /// The bound the proof establishes.
        proven: u64,
        /// The bound the verifier requires.
        required: u64,
    },
    /// The constraint system could not be synthesized.
    #[error("constraint synthesis failed: {0}")]
    Synthesis(#[source] SynthesisError),
}

impl ZkError {
    /// Whether this error means "well-formed but invalid" (exit code 1) rather than bad input.
    pub fn is_invalid_proof(&self) -> bool {
        matches!(self, ZkError::InvalidProof | ZkError::BatchRejected { .. })
    }
}

impl From<WeakerBound> for ZkError {
    fn from(weaker: WeakerBound) -> Self {
        ZkError::WeakerBound {
            side: weaker.side,
            proven: weaker.proven,
            required: weaker.required,
        }
    }
}

impl From<SynthesisError> for ZkError {
    fn from(error: SynthesisError) -> Self {
        ZkError::Synthesis(error)
    }
}

fn list(positions: &[usize]) -> String {
    positions
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
