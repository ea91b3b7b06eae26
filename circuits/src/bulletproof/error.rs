//! The error type of the Bulletproofs range-proof module.
//!
//! One `#[non_exhaustive]` enum for the whole subsystem. Callers that need to tell an
//! *invalid proof* (a well-formed proof that does not verify) from *bad input* (a file that
//! cannot be decoded, a statement that cannot be proved) use [`RangeError::is_invalid_proof`].

use bulletproofs::ProofError;

use crate::claim::{Side, WeakerBound};

/// Everything that can go wrong when committing, proving, verifying or decoding.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RangeError {
    /// The bit size is not one the Bulletproofs crate supports.
    #[error("unsupported bit size {bits}: range proofs support 8, 16, 32 or 64 bits")]
    UnsupportedBitSize {
        /// The requested bit size.
        bits: u32,
    },
    /// An aggregated proof needs a power-of-two number of values.
    #[error(
        "cannot aggregate {count} values: the count must be a power of two between 1 and {max} \
         (pad with commitments to zero or split the proof)"
    )]
    BadAggregationSize {
        /// How many values were given.
        count: usize,
        /// The largest supported aggregation size.
        max: usize,
    },
    /// A value to be proved does not fit in the requested number of bits.
    #[error("value does not fit in {bits} bits; choose a larger bit size")]
    ValueTooLarge {
        /// The requested bit size.
        bits: u32,
    },
    /// `min > max` in an interval statement.
    #[error("empty interval: min {min} is larger than max {max}")]
    EmptyInterval {
        /// Lower bound.
        min: u64,
        /// Upper bound.
        max: u64,
    },
    /// The committed value is not in the interval the prover was asked to prove.
    #[error("the committed value is outside [{min}, {max}]; no valid proof exists")]
    ValueOutsideInterval {
        /// Lower bound.
        min: u64,
        /// Upper bound.
        max: u64,
    },
    /// Adding openings overflowed the 64-bit value range.
    #[error("the sum of the opened values does not fit in 64 bits")]
    ValueOverflow,
    /// Subtracting openings would give a negative value.
    #[error("cannot subtract openings: the result would be negative")]
    ValueUnderflow,
    /// An opening does not open the commitment it was paired with.
    #[error("the opening does not match the commitment {commitment}")]
    OpeningMismatch {
        /// Hex of the commitment that was expected.
        commitment: String,
    },
    /// The generators were built for fewer aggregated values than the proof needs.
    #[error("generators support {capacity} aggregated values but {needed} are needed")]
    GeneratorCapacity {
        /// Values needed.
        needed: usize,
        /// Values supported.
        capacity: usize,
    },
    /// An encoding ended early.
    #[error("truncated {what}: needed {needed} bytes, found {found}")]
    Truncated {
        /// Which object was being decoded.
        what: &'static str,
        /// Bytes needed.
        needed: usize,
        /// Bytes found.
        found: usize,
    },
    /// An encoding had bytes after its end.
    #[error("{what} has {extra} trailing bytes after its end")]
    TrailingBytes {
        /// Which object was being decoded.
        what: &'static str,
        /// How many bytes were left over.
        extra: usize,
    },
    /// An encoding is larger than the decoder's size limit.
    #[error("{what} is {size} bytes, larger than the limit of {limit} bytes")]
    TooLarge {
        /// Which object was being decoded.
        what: &'static str,
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The format version is not one this build understands.
    #[error("{what}: unsupported format version {version} (this build reads version {supported})")]
    UnsupportedVersion {
        /// Which object was being decoded.
        what: &'static str,
        /// The version found.
        version: u64,
        /// The version supported.
        supported: u64,
    },
    /// The object is of another kind (e.g. an opening where a proof was expected).
    #[error("expected a {expected}, found a {found}")]
    WrongKind {
        /// The kind expected.
        expected: &'static str,
        /// The kind found.
        found: String,
    },
    /// A 32-byte string is not the canonical encoding of a Ristretto point.
    #[error("{what} is not a canonical Ristretto point encoding")]
    NonCanonicalPoint {
        /// Which field.
        what: &'static str,
    },
    /// A 32-byte string is not the canonical encoding of a scalar (it is not reduced).
    #[error("{what} is not a canonical scalar encoding (not reduced modulo the group order)")]
    NonCanonicalScalar {
        /// Which field.
        what: &'static str,
    },
    /// A proof's length does not match the length implied by its statement.
    #[error("proof has {found} bytes but a {bits}-bit proof over {count} values has {expected}")]
    ProofLength {
        /// Bit size.
        bits: u32,
        /// Aggregation size.
        count: usize,
        /// Expected length.
        expected: usize,
        /// Length found.
        found: usize,
    },
    /// A field is malformed (bad hex/base64, wrong length, non-canonical text).
    #[error("field `{field}`: {problem}")]
    BadField {
        /// The field name.
        field: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The JSON text could not be parsed.
    #[error("invalid JSON")]
    Json(#[source] serde_json::Error),
    /// The Bulletproofs crate refused to create a proof.
    #[error("the Bulletproofs prover failed")]
    Prover(#[source] ProofError),
    /// The proof is about other commitments than the ones the verifier asked about.
    #[error(
        "the proof is about commitment(s) {proven}, not {required}: it proves nothing about \
         the commitment(s) asked for"
    )]
    OtherCommitment {
        /// The commitments the proof is about (hex, comma-separated).
        proven: String,
        /// The commitments the verifier asked about (hex, comma-separated).
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
    /// The proof is well-formed but does not verify.
    #[error("the range proof does not verify")]
    VerificationFailed,
    /// A batch contained proofs that do not verify; `failed` lists their indices.
    #[error("{} of {total} proofs in the batch do not verify (indices {failed:?})", .failed.len())]
    BatchFailed {
        /// Indices (0-based) of the proofs that failed.
        failed: Vec<usize>,
        /// Batch size.
        total: usize,
    },
}

impl From<WeakerBound> for RangeError {
    fn from(weaker: WeakerBound) -> Self {
        RangeError::WeakerBound {
            side: weaker.side,
            proven: weaker.proven,
            required: weaker.required,
        }
    }
}

impl RangeError {
    /// True when the error means "a well-formed proof that is invalid" (exit code 1 in the
    /// CLI), false for bad input or an impossible request (exit code 2).
    pub fn is_invalid_proof(&self) -> bool {
        matches!(
            self,
            RangeError::VerificationFailed | RangeError::BatchFailed { .. }
        )
    }

    /// Maps an error of the `bulletproofs` verifier: a failed check is an invalid proof,
    /// anything else a configuration problem.
    pub(crate) fn from_verifier(error: ProofError) -> Self {
        match error {
            ProofError::VerificationError => RangeError::VerificationFailed,
            other => RangeError::Prover(other),
        }
    }
}
