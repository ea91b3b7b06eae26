//! The error type of `conclave-eth`.

/// Everything that can go wrong preparing, deploying or calling the verifier contract.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EthError {
    /// The verifying key has a number of public inputs the contract does not take.
    #[error(
        "the key has {found} public inputs; the verifier contract takes 1 to {max} \
         (hash the inputs into one for larger statements)"
    )]
    UnsupportedInputCount {
        /// The key's number of public inputs.
        found: usize,
        /// The contract's limit.
        max: usize,
    },
    /// Text that should be snarkjs calldata (or a hex value) is not.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// What was being parsed.
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The committed contract bytecode is not hexadecimal (the build is broken).
    #[error("the embedded verifier bytecode is not hexadecimal")]
    Bytecode(#[source] hex::FromHexError),
    /// The Ethereum secret key is not 32 bytes of hex or not a valid secp256k1 scalar.
    #[error("the Ethereum key is not a secp256k1 secret key written as 64 hexadecimal digits")]
    BadSecretKey,
    /// The RPC URL does not parse.
    #[error("bad RPC URL {url:?} (expected http://host:port)")]
    BadUrl {
        /// The URL given.
        url: String,
    },
    /// The node refused a request or could not be reached.
    #[error("the Ethereum node at {url} failed: {source}")]
    Rpc {
        /// The node.
        url: String,
        /// The transport or JSON-RPC error.
        #[source]
        source: alloy::transports::TransportError,
    },
    /// Waiting for a transaction's receipt failed.
    #[error("no receipt for the deployment transaction: {0}")]
    Receipt(#[source] alloy::providers::PendingTransactionError),
    /// The deployment transaction was mined but failed.
    #[error("the deployment transaction {tx} reverted (gas used {gas_used})")]
    DeploymentReverted {
        /// Transaction hash.
        tx: String,
        /// Gas it used.
        gas_used: u64,
    },
    /// `verifyProof` returned something other than one ABI-encoded bool.
    #[error("the contract returned {returned} bytes that are not an ABI bool (is {contract} the verifier?)")]
    UnexpectedReturn {
        /// The contract called.
        contract: String,
        /// Hex of what it returned.
        returned: String,
    },
    /// A transaction was mined but failed.
    #[error("the transaction {tx} reverted (gas used {gas_used})")]
    TransactionReverted {
        /// Transaction hash.
        tx: String,
        /// Gas it used.
        gas_used: u64,
    },
    /// The anchor contract refused a call (decoded revert reason).
    #[error("the anchor contract {contract} refused {function}: {reason}")]
    AnchorRefused {
        /// The contract called.
        contract: String,
        /// The function called.
        function: &'static str,
        /// Its decoded revert.
        reason: crate::anchor::AnchorRevert,
    },
    /// A local development node (anvil) could not be started.
    #[error("cannot start the development node {binary}: {source}")]
    DevNodeStart {
        /// The node's binary.
        binary: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A local development node did not listen within its deadline.
    #[error("the development node did not listen on 127.0.0.1:{port} within {seconds} s")]
    DevNodeTimeout {
        /// The port it was told to use.
        port: u16,
        /// How long we waited.
        seconds: u64,
    },
    /// A batch holds no proof.
    #[error("a batch needs at least one proof")]
    EmptyBatch,
    /// The proofs of a batch have different numbers of public inputs.
    #[error(
        "proof #{index} of the batch has {found} public inputs, the first has {expected} \
         (a batch is verified under one key)"
    )]
    MixedInputCounts {
        /// Position of the first proof that differs.
        index: usize,
        /// The first proof's count.
        expected: usize,
        /// That proof's count.
        found: usize,
    },
    /// A predicate key or proof file is not valid, or a value does not fit its statement.
    #[error("{0}")]
    Predicate(#[source] conclave_circuits::statement::predicate::PredicateStatementError),
    /// The predicate proof was made for another verifying key.
    #[error(
        "the proof was made for the key {proof_key}, not for {key} (give the key it was made with)"
    )]
    ProofForOtherKey {
        /// The key's id (hex).
        key: String,
        /// The id the proof names (hex).
        proof_key: String,
    },
    /// A registry policy for a predicate statement would leave a value free or names
    /// something the statement does not have.
    #[error("the policy cannot be built: `{name}` {problem}")]
    PolicyIncomplete {
        /// The alias or parameter.
        name: String,
        /// What is wrong.
        problem: &'static str,
    },
}
