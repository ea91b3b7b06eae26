//! The crate's error type: one `#[non_exhaustive]` enum, typed fields, messages that say
//! how to fix the problem (STYLE.md §4).

/// Everything that can go wrong in `conclave-he`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or message does not start with the expected format version.
    #[error("{what}: unsupported format version {found} (this build reads version {expected})")]
    UnsupportedVersion {
        /// Which object was being decoded.
        what: &'static str,
        /// Version found in the input.
        found: u32,
        /// Version this build understands.
        expected: u32,
    },
    /// A file has the wrong kind tag (e.g. a ciphertext given where a key is expected).
    #[error("{what}: expected an object of kind `{expected}`, found `{found}`")]
    WrongKind {
        /// Which object was being decoded.
        what: &'static str,
        /// Expected kind tag.
        expected: String,
        /// Kind tag found.
        found: String,
    },
    /// Input bytes are malformed (truncated, trailing garbage, bad JSON, bad hex).
    #[error("{what}: malformed input: {reason}")]
    Malformed {
        /// Which object was being decoded.
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// An encoded group element is not a canonical Ristretto point.
    #[error("{what}: not a valid Ristretto point encoding")]
    BadPoint {
        /// Which field held the point.
        what: &'static str,
    },
    /// An encoded scalar is not canonical (≥ the group order).
    #[error("{what}: not a canonical scalar")]
    BadScalar {
        /// Which field held the scalar.
        what: &'static str,
    },
    /// Input exceeds the size limit for its kind.
    #[error("{what}: {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Which object was being decoded.
        what: &'static str,
        /// Size found.
        size: u64,
        /// Maximum accepted.
        limit: u64,
    },
    /// Threshold parameters are impossible (need 1 ≤ t ≤ n ≤ 255).
    #[error(
        "invalid threshold parameters: t = {threshold}, n = {trustees} (need 1 ≤ t ≤ n ≤ 255)"
    )]
    BadParameters {
        /// Threshold t.
        threshold: u32,
        /// Number of trustees n.
        trustees: u32,
    },
    /// A trustee's DKG message is inconsistent or fails verification; the trustee is named.
    #[error("trustee {trustee} misbehaved in the key generation: {reason}")]
    TrusteeMisbehaved {
        /// 1-based index of the faulty trustee.
        trustee: u32,
        /// What was wrong.
        reason: String,
    },
    /// DKG round messages are missing or duplicated.
    #[error("key generation round {round}: {reason}")]
    RoundIncomplete {
        /// Round number.
        round: u32,
        /// What is missing or duplicated.
        reason: String,
    },
    /// A key-generation round was asked of a trustee state that is not ready for it
    /// (rounds run once each, in order: 1, 2, 3).
    #[error("{}", round_out_of_order(*requested, *completed))]
    RoundOutOfOrder {
        /// The round asked for.
        requested: u32,
        /// The last round the state has completed (3: key generation finished).
        completed: u32,
    },
    /// A partial decryption's Chaum–Pedersen proof does not verify.
    #[error("partial decryption from trustee {trustee} is invalid: {reason}")]
    InvalidPartialDecryption {
        /// 1-based index of the trustee whose share was rejected.
        trustee: u32,
        /// Why it was rejected.
        reason: String,
    },
    /// Fewer valid partial decryptions than the threshold.
    #[error("need {needed} valid partial decryptions, have {valid} (rejected: {rejected:?})")]
    NotEnoughShares {
        /// Threshold t.
        needed: u32,
        /// Valid partial decryptions supplied.
        valid: u32,
        /// Trustees whose partial decryptions were rejected.
        rejected: Vec<u32>,
    },
    /// An object was made under a different key than the one supplied.
    #[error("{what} was made under a different key (key id {found}, expected {expected})")]
    KeyMismatch {
        /// Which object.
        what: &'static str,
        /// Key id found in the object.
        found: String,
        /// Key id expected.
        expected: String,
    },
    /// The decrypted total lies outside the range covered by the discrete-log table.
    #[error("total is not in [0, {range}); use a larger decoding table (`--table-bits`)")]
    OutOfRange {
        /// Upper bound of the searched range.
        range: u128,
    },
    /// The discrete-log table is corrupt or was built for other parameters.
    #[error("decoding table: {reason}; delete the file to rebuild it")]
    BadTable {
        /// What is wrong.
        reason: String,
    },
    /// The scoring model is invalid (e.g. the score could overflow its declared width).
    #[error("model: {reason}")]
    BadModel {
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// The feature vector does not match the model or the declared widths.
    #[error("features: {reason}")]
    BadFeatures {
        /// What is wrong.
        reason: String,
    },
    /// A TFHE object failed tfhe's safe deserialization (size limit, header, conformance).
    #[error("{what}: rejected by tfhe safe deserialization: {reason}")]
    TfheDeserialize {
        /// Which object.
        what: &'static str,
        /// tfhe's message.
        reason: String,
    },
    /// A TFHE operation failed.
    #[error("tfhe: {reason}")]
    Tfhe {
        /// tfhe's message.
        reason: String,
    },
    /// A result record cannot be built or does not verify.
    #[error(transparent)]
    Record(#[from] conclave_record::Error),
    /// I/O failure while reading or writing a cache file.
    #[error("{path}: {source}")]
    Io {
        /// Path involved.
        path: String,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Crate result alias.
pub type Result<T> = std::result::Result<T, Error>;

fn round_out_of_order(requested: u32, completed: u32) -> String {
    let next = if completed >= 3 {
        "key generation is already finished (the state holds the key share; nothing to rerun)"
            .to_owned()
    } else {
        format!("the next round for this state is {}", completed + 1)
    };
    format!(
        "cannot run round {requested} on a trustee state that has completed round \
         {completed}: rounds run once each, in order; {next}"
    )
}
