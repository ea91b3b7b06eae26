//! The checkpoint anchor contract `ConclaveCheckpointAnchor` and its RFC 9162 inclusion
//! verifier in Solidity.
//!
//! Owns the committed artifacts (Solidity source, bytecode compiled by solc 0.8.30 with the
//! settings in `contracts/compile.mjs`, ABI), the contract's calldata, the decoding of its
//! answers and reverts ([`AnchorRevert`]), and [`Anchor`], a handle on a deployed anchor
//! through a [`Node`].
//!
//! The contract keeps, per anchored tree size, the RFC 9162 tree head the log's operator
//! posted (only the operator's address, fixed at deployment, may post; a size below the
//! latest and a second root for the same size are refused), and checks inclusion proofs
//! against those roots with the iterative algorithm of RFC 9162 §2.1.3.2 and the SHA-256
//! precompile. Hashes here are plain `[u8; 32]`: this crate does not depend on the ledger.
//!
//! # Security
//! The contract does not check the checkpoint's Ed25519 signature (the EVM has no
//! precompile for it): whoever posts is trusted to have checked it, and the signed note is
//! in the `CheckpointAnchored` event for anyone to check again. Reads are `eth_call`s to
//! the node you name; its answers are as trustworthy as that node.

use alloy::dyn_abi::{DynSolType, DynSolValue};
use alloy::primitives::{keccak256, Address, B256, U256};

use crate::client::{CallOutcome, Node, Sent};
use crate::EthError;

/// The contract's Solidity source (the `RFC9162` library and the anchor contract).
pub const SOURCE: &str = include_str!("../contracts/ConclaveCheckpointAnchor.sol");
/// The contract's ABI (JSON), as solc printed it.
pub const ABI: &str = include_str!("../contracts/ConclaveCheckpointAnchor.abi.json");
/// The creation bytecode (hex with `0x`), compiled from [`SOURCE`] by
/// `node contracts/compile.mjs ConclaveCheckpointAnchor`.
pub const BYTECODE_HEX: &str = include_str!("../contracts/ConclaveCheckpointAnchor.bin");
/// The contract's name in [`SOURCE`].
pub const CONTRACT: &str = "ConclaveCheckpointAnchor";

/// The creation bytecode as bytes.
///
/// # Errors
/// [`EthError::Bytecode`] if the committed file is not hex (a broken build).
pub fn bytecode() -> Result<Vec<u8>, EthError> {
    let text = BYTECODE_HEX.trim();
    hex::decode(text.strip_prefix("0x").unwrap_or(text)).map_err(EthError::Bytecode)
}

/// The deployment transaction's data: the bytecode followed by the constructor arguments
/// `(address operator, string origin)`.
///
/// # Errors
/// [`EthError::Bytecode`] if the embedded bytecode is broken.
pub fn deploy_code(operator: Address, origin: &str) -> Result<Vec<u8>, EthError> {
    let mut code = bytecode()?;
    code.extend_from_slice(
        &DynSolValue::Tuple(vec![
            DynSolValue::Address(operator),
            DynSolValue::String(origin.to_owned()),
        ])
        .abi_encode_params(),
    );
    Ok(code)
}

fn selector(signature: &str) -> [u8; 4] {
    let hash = keccak256(signature.as_bytes());
    [hash[0], hash[1], hash[2], hash[3]]
}

fn call_data(signature: &str, arguments: Vec<DynSolValue>) -> Vec<u8> {
    let mut data = selector(signature).to_vec();
    data.extend_from_slice(&DynSolValue::Tuple(arguments).abi_encode_params());
    data
}

fn uint(value: u64, bits: usize) -> DynSolValue {
    DynSolValue::Uint(U256::from(value), bits)
}

fn hash(value: &[u8; 32]) -> DynSolValue {
    DynSolValue::FixedBytes(B256::from(*value), 32)
}

fn path(proof: &[[u8; 32]]) -> DynSolValue {
    DynSolValue::Array(proof.iter().map(hash).collect())
}

/// Calldata of `anchor(uint64 treeSize, bytes32 root, bytes signedNote)`.
pub fn anchor_calldata(tree_size: u64, root: &[u8; 32], signed_note: &[u8]) -> Vec<u8> {
    call_data(
        "anchor(uint64,bytes32,bytes)",
        vec![
            uint(tree_size, 64),
            hash(root),
            DynSolValue::Bytes(signed_note.to_vec()),
        ],
    )
}

/// Calldata of `verifyInclusion(uint64 index, uint64 treeSize, bytes32 leaf, bytes32[] proof)`.
pub fn verify_inclusion_calldata(
    index: u64,
    tree_size: u64,
    leaf: &[u8; 32],
    proof: &[[u8; 32]],
) -> Vec<u8> {
    call_data(
        "verifyInclusion(uint64,uint64,bytes32,bytes32[])",
        vec![
            uint(index, 64),
            uint(tree_size, 64),
            hash(leaf),
            path(proof),
        ],
    )
}

/// Calldata of `rootFromInclusionProof(uint256 index, uint256 treeSize, bytes32 leaf, bytes32[] proof)`.
pub fn root_from_inclusion_proof_calldata(
    index: u64,
    tree_size: u64,
    leaf: &[u8; 32],
    proof: &[[u8; 32]],
) -> Vec<u8> {
    call_data(
        "rootFromInclusionProof(uint256,uint256,bytes32,bytes32[])",
        vec![
            uint(index, 256),
            uint(tree_size, 256),
            hash(leaf),
            path(proof),
        ],
    )
}

/// Calldata of `leafHash(bytes entry)`.
pub fn leaf_hash_calldata(entry: &[u8]) -> Vec<u8> {
    call_data("leafHash(bytes)", vec![DynSolValue::Bytes(entry.to_vec())])
}

/// Why the anchor contract reverted: its custom errors, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AnchorRevert {
    /// `NotOperator(caller, operator)`: only the operator's address may anchor.
    NotOperator {
        /// Who called.
        caller: Address,
        /// The contract's operator.
        operator: Address,
    },
    /// `ZeroOperator()`: deployment with the zero address as operator.
    ZeroOperator,
    /// `EmptyTree()`: a checkpoint of size 0.
    EmptyTree,
    /// `ZeroRoot()`: a zero root.
    ZeroRoot,
    /// `StaleCheckpoint(latest, treeSize)`: the size is below the latest anchored one.
    StaleCheckpoint {
        /// The latest anchored size.
        latest: u64,
        /// The size posted.
        tree_size: u64,
    },
    /// `RootConflict(treeSize, anchored, root)`: another root is anchored for this size.
    RootConflict {
        /// The size.
        tree_size: u64,
        /// The root anchored before.
        anchored: [u8; 32],
        /// The root posted.
        root: [u8; 32],
    },
    /// `NotAnchored(treeSize)`: no root is anchored for this size.
    NotAnchored {
        /// The size asked about.
        tree_size: u64,
    },
    /// `IndexOutOfRange(index, treeSize)` (RFC 9162 §2.1.3.2 step 1).
    IndexOutOfRange {
        /// The index.
        index: u64,
        /// The tree size.
        tree_size: u64,
    },
    /// `ProofTooLong()`: more hashes than the tree's shape allows.
    ProofTooLong,
    /// `ProofTooShort()`: the path ends before the root.
    ProofTooShort,
    /// `HashFailed()`: the SHA-256 precompile failed (out of gas).
    HashFailed,
    /// Anything else: a revert without data (wrong function for this contract?) or data
    /// this contract does not produce.
    Unknown {
        /// The revert data.
        data: Vec<u8>,
    },
}

fn word_u64(word: &[u8]) -> Option<u64> {
    let (high, low) = word.split_at(24);
    high.iter()
        .all(|b| *b == 0)
        .then(|| u64::from_be_bytes(low.try_into().unwrap_or_default()))
}

fn word_address(word: &[u8]) -> Option<Address> {
    let (high, low) = word.split_at(12);
    high.iter()
        .all(|b| *b == 0)
        .then(|| Address::from_slice(low))
}

fn word_hash(word: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(word);
    out
}

impl AnchorRevert {
    /// Decodes revert data (`None`: the node gave none).
    pub fn decode(data: Option<&[u8]>) -> AnchorRevert {
        let data = data.unwrap_or_default();
        let unknown = || AnchorRevert::Unknown {
            data: data.to_vec(),
        };
        if data.len() < 4 {
            return unknown();
        }
        let (head, args) = data.split_at(4);
        let words: Vec<&[u8]> = args.chunks(32).collect();
        if words.iter().any(|w| w.len() != 32) {
            return unknown();
        }
        let signatures: [(&str, usize); 11] = [
            ("NotOperator(address,address)", 2),
            ("ZeroOperator()", 0),
            ("EmptyTree()", 0),
            ("ZeroRoot()", 0),
            ("StaleCheckpoint(uint64,uint64)", 2),
            ("RootConflict(uint64,bytes32,bytes32)", 3),
            ("NotAnchored(uint64)", 1),
            ("IndexOutOfRange(uint256,uint256)", 2),
            ("ProofTooLong()", 0),
            ("ProofTooShort()", 0),
            ("HashFailed()", 0),
        ];
        let Some((signature, _)) = signatures
            .iter()
            .find(|(signature, count)| head == selector(signature) && words.len() == *count)
        else {
            return unknown();
        };
        let decoded = match *signature {
            "NotOperator(address,address)" => word_address(words[0])
                .zip(word_address(words[1]))
                .map(|(caller, operator)| AnchorRevert::NotOperator { caller, operator }),
            "ZeroOperator()" => Some(AnchorRevert::ZeroOperator),
            "EmptyTree()" => Some(AnchorRevert::EmptyTree),
            "ZeroRoot()" => Some(AnchorRevert::ZeroRoot),
            "StaleCheckpoint(uint64,uint64)" => word_u64(words[0])
                .zip(word_u64(words[1]))
                .map(|(latest, tree_size)| AnchorRevert::StaleCheckpoint { latest, tree_size }),
            "RootConflict(uint64,bytes32,bytes32)" => {
                word_u64(words[0]).map(|tree_size| AnchorRevert::RootConflict {
                    tree_size,
                    anchored: word_hash(words[1]),
                    root: word_hash(words[2]),
                })
            }
            "NotAnchored(uint64)" => {
                word_u64(words[0]).map(|tree_size| AnchorRevert::NotAnchored { tree_size })
            }
            // The library takes uint256; our calls pass u64 values.
            "IndexOutOfRange(uint256,uint256)" => word_u64(words[0])
                .zip(word_u64(words[1]))
                .map(|(index, tree_size)| AnchorRevert::IndexOutOfRange { index, tree_size }),
            "ProofTooLong()" => Some(AnchorRevert::ProofTooLong),
            "ProofTooShort()" => Some(AnchorRevert::ProofTooShort),
            _ => Some(AnchorRevert::HashFailed),
        };
        decoded.unwrap_or_else(unknown)
    }
}

impl std::fmt::Display for AnchorRevert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AnchorRevert::NotOperator { caller, operator } => write!(
                f,
                "NotOperator: {caller:#x} is not the anchor's operator {operator:#x} \
                 (use the operator's --eth-key)"
            ),
            AnchorRevert::ZeroOperator => write!(f, "ZeroOperator: the operator cannot be 0x0"),
            AnchorRevert::EmptyTree => {
                write!(f, "EmptyTree: a checkpoint of size 0 anchors nothing")
            }
            AnchorRevert::ZeroRoot => write!(f, "ZeroRoot: the root cannot be zero"),
            AnchorRevert::StaleCheckpoint { latest, tree_size } => write!(
                f,
                "StaleCheckpoint: size {tree_size} is below the latest anchored size {latest}"
            ),
            AnchorRevert::RootConflict {
                tree_size,
                anchored,
                root,
            } => write!(
                f,
                "RootConflict: size {tree_size} is anchored with root {}, not {} (the log forked)",
                hex::encode(anchored),
                hex::encode(root)
            ),
            AnchorRevert::NotAnchored { tree_size } => {
                write!(f, "NotAnchored: no root is anchored for size {tree_size}")
            }
            AnchorRevert::IndexOutOfRange { index, tree_size } => write!(
                f,
                "IndexOutOfRange: index {index} is not below the tree size {tree_size}"
            ),
            AnchorRevert::ProofTooLong => write!(
                f,
                "ProofTooLong: the inclusion proof has more hashes than the tree's shape allows"
            ),
            AnchorRevert::ProofTooShort => {
                write!(f, "ProofTooShort: the inclusion proof ends before the root")
            }
            AnchorRevert::HashFailed => {
                write!(f, "HashFailed: the SHA-256 precompile failed (out of gas)")
            }
            AnchorRevert::Unknown { data } if data.is_empty() => write!(
                f,
                "reverted without a reason (is the address an anchor contract?)"
            ),
            AnchorRevert::Unknown { data } => {
                write!(f, "reverted with data 0x{}", hex::encode(data))
            }
        }
    }
}

/// An anchored tree: its size and RFC 9162 root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnchoredTree {
    /// The tree size.
    pub tree_size: u64,
    /// Its root.
    pub root: [u8; 32],
}

/// What `verifyInclusion` answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inclusion {
    /// True: the path leads from the leaf to the anchored root.
    Included,
    /// False: the path leads to another root (wrong leaf, index or sibling).
    NotIncluded,
    /// It reverted: size not anchored, or the proof is malformed for the index and size.
    Refused(AnchorRevert),
}

/// A deployed anchor contract, reached through a [`Node`].
#[derive(Debug)]
pub struct Anchor<'n> {
    node: &'n Node,
    address: Address,
}

impl<'n> Anchor<'n> {
    /// The anchor at `address` (nothing is checked yet).
    pub fn at(node: &'n Node, address: Address) -> Self {
        Anchor { node, address }
    }

    /// The contract's address.
    pub fn address(&self) -> Address {
        self.address
    }

    fn unexpected(&self, returned: &[u8]) -> EthError {
        EthError::UnexpectedReturn {
            contract: format!("{:#x}", self.address),
            returned: hex::encode(returned),
        }
    }

    fn refused(&self, function: &'static str, data: Option<Vec<u8>>) -> EthError {
        EthError::AnchorRefused {
            contract: format!("{:#x}", self.address),
            function,
            reason: AnchorRevert::decode(data.as_deref()),
        }
    }

    /// An `eth_call` of a view that must not revert; returns its raw answer.
    fn view(&self, function: &'static str, data: Vec<u8>) -> Result<Vec<u8>, EthError> {
        match self.node.call(self.address, data)? {
            CallOutcome::Returned(returned) => Ok(returned),
            CallOutcome::Reverted(data) => Err(self.refused(function, data)),
        }
    }

    fn view_word(&self, function: &'static str, data: Vec<u8>) -> Result<[u8; 32], EthError> {
        let returned = self.view(function, data)?;
        if returned.len() != 32 {
            return Err(self.unexpected(&returned));
        }
        Ok(word_hash(&returned))
    }

    /// `operator()`.
    ///
    /// # Errors
    /// [`EthError::Rpc`], [`EthError::UnexpectedReturn`] (not an anchor contract).
    pub fn operator(&self) -> Result<Address, EthError> {
        let word = self.view_word("operator", selector("operator()").to_vec())?;
        word_address(&word).ok_or_else(|| self.unexpected(&word))
    }

    /// `origin()`: the log origin the anchor is bound to ("" for any).
    ///
    /// # Errors
    /// [`EthError::Rpc`], [`EthError::UnexpectedReturn`] (not an anchor contract).
    pub fn origin(&self) -> Result<String, EthError> {
        let returned = self.view("origin", selector("origin()").to_vec())?;
        match DynSolType::String.abi_decode(&returned) {
            Ok(DynSolValue::String(origin)) => Ok(origin),
            _ => Err(self.unexpected(&returned)),
        }
    }

    /// `latest()`: the latest anchored tree, `None` before the first anchoring.
    ///
    /// # Errors
    /// [`EthError::Rpc`], [`EthError::UnexpectedReturn`] (not an anchor contract).
    pub fn latest(&self) -> Result<Option<AnchoredTree>, EthError> {
        let returned = self.view("latest", selector("latest()").to_vec())?;
        if returned.len() != 64 {
            return Err(self.unexpected(&returned));
        }
        let tree_size = word_u64(&returned[..32]).ok_or_else(|| self.unexpected(&returned))?;
        let root = word_hash(&returned[32..]);
        Ok((tree_size != 0).then_some(AnchoredTree { tree_size, root }))
    }

    /// `anchoredRoot(treeSize)`: the root anchored for `tree_size`, if any.
    ///
    /// # Errors
    /// [`EthError::Rpc`], [`EthError::UnexpectedReturn`] (not an anchor contract).
    pub fn root_at(&self, tree_size: u64) -> Result<Option<[u8; 32]>, EthError> {
        let root = self.view_word(
            "anchoredRoot",
            call_data("anchoredRoot(uint64)", vec![uint(tree_size, 64)]),
        )?;
        Ok((root != [0u8; 32]).then_some(root))
    }

    /// Posts a checkpoint with `anchor(treeSize, root, signedNote)`, signed with the
    /// node's key. The call is tried first (`eth_call` from the same address), so a
    /// refusal comes back decoded instead of as a failed gas estimate.
    ///
    /// # Errors
    /// [`EthError::AnchorRefused`] (not the operator, stale size, conflicting root),
    /// [`EthError::Rpc`], [`EthError::Receipt`], [`EthError::TransactionReverted`].
    pub fn anchor(
        &self,
        tree_size: u64,
        root: &[u8; 32],
        signed_note: &[u8],
    ) -> Result<Sent, EthError> {
        let data = anchor_calldata(tree_size, root, signed_note);
        if let CallOutcome::Reverted(revert) = self.node.call(self.address, data.clone())? {
            return Err(self.refused("anchor", revert));
        }
        self.node.send(self.address, data)
    }

    /// `verifyInclusion(index, treeSize, leaf, proof)` as an `eth_call`.
    ///
    /// # Errors
    /// [`EthError::Rpc`], [`EthError::UnexpectedReturn`] when the answer is not a bool.
    pub fn verify_inclusion(
        &self,
        index: u64,
        tree_size: u64,
        leaf: &[u8; 32],
        proof: &[[u8; 32]],
    ) -> Result<Inclusion, EthError> {
        let data = verify_inclusion_calldata(index, tree_size, leaf, proof);
        match self.node.call(self.address, data)? {
            CallOutcome::Reverted(data) => {
                Ok(Inclusion::Refused(AnchorRevert::decode(data.as_deref())))
            }
            CallOutcome::Returned(returned) => match word_u64(&returned) {
                Some(1) if returned.len() == 32 => Ok(Inclusion::Included),
                Some(0) if returned.len() == 32 => Ok(Inclusion::NotIncluded),
                _ => Err(self.unexpected(&returned)),
            },
        }
    }

    /// Sends `verifyInclusion` as a transaction (to record the check, or to measure its
    /// gas from the receipt).
    ///
    /// # Errors
    /// As [`Node::send`].
    pub fn send_verify_inclusion(
        &self,
        index: u64,
        tree_size: u64,
        leaf: &[u8; 32],
        proof: &[[u8; 32]],
    ) -> Result<Sent, EthError> {
        self.node.send(
            self.address,
            verify_inclusion_calldata(index, tree_size, leaf, proof),
        )
    }

    /// `rootFromInclusionProof(index, treeSize, leaf, proof)`: the root the contract
    /// computes, or its refusal of a malformed proof.
    ///
    /// # Errors
    /// [`EthError::Rpc`], [`EthError::UnexpectedReturn`].
    pub fn root_from_inclusion_proof(
        &self,
        index: u64,
        tree_size: u64,
        leaf: &[u8; 32],
        proof: &[[u8; 32]],
    ) -> Result<Result<[u8; 32], AnchorRevert>, EthError> {
        let data = root_from_inclusion_proof_calldata(index, tree_size, leaf, proof);
        match self.node.call(self.address, data)? {
            CallOutcome::Reverted(data) => Ok(Err(AnchorRevert::decode(data.as_deref()))),
            CallOutcome::Returned(returned) if returned.len() == 32 => Ok(Ok(word_hash(&returned))),
            CallOutcome::Returned(returned) => Err(self.unexpected(&returned)),
        }
    }

    /// `leafHash(entry)`: SHA-256(0x00 ‖ entry) computed by the contract.
    ///
    /// # Errors
    /// [`EthError::Rpc`], [`EthError::AnchorRefused`], [`EthError::UnexpectedReturn`].
    pub fn leaf_hash(&self, entry: &[u8]) -> Result<[u8; 32], EthError> {
        self.view_word("leafHash", leaf_hash_calldata(entry))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn embedded_artifacts_decode_and_match_the_abi() {
        assert!(bytecode().unwrap().len() > 1000);
        assert!(SOURCE.contains(&format!("contract {CONTRACT}")));
        let abi: serde_json::Value = serde_json::from_str(ABI).unwrap();
        let names: Vec<&str> = abi
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|item| item["name"].as_str())
            .collect();
        for name in [
            "anchor",
            "verifyInclusion",
            "rootFromInclusionProof",
            "latest",
            "anchoredRoot",
            "operator",
            "origin",
            "CheckpointAnchored",
            "NotOperator",
        ] {
            assert!(names.contains(&name), "{name} missing from the ABI");
        }
    }

    #[test]
    fn anchor_calldata_follows_the_abi_layout() {
        let root = [7u8; 32];
        let data = anchor_calldata(5, &root, b"note\n");
        assert_eq!(&data[..4], &selector("anchor(uint64,bytes32,bytes)"));
        let words: Vec<&[u8]> = data[4..].chunks(32).collect();
        assert_eq!(word_u64(words[0]), Some(5));
        assert_eq!(words[1], &root);
        assert_eq!(word_u64(words[2]), Some(0x60), "offset of the note");
        assert_eq!(word_u64(words[3]), Some(5), "length of the note");
        assert_eq!(&words[4][..5], b"note\n");
        assert_eq!(words.len(), 5);
    }

    #[test]
    fn reverts_decode_with_their_arguments() {
        let mut data = selector("StaleCheckpoint(uint64,uint64)").to_vec();
        data.extend_from_slice(&U256::from(9u8).to_be_bytes::<32>());
        data.extend_from_slice(&U256::from(4u8).to_be_bytes::<32>());
        assert_eq!(
            AnchorRevert::decode(Some(&data)),
            AnchorRevert::StaleCheckpoint {
                latest: 9,
                tree_size: 4
            }
        );
        // Missing or extra arguments, unknown selectors and no data at all are Unknown.
        assert!(matches!(
            AnchorRevert::decode(Some(&data[..36])),
            AnchorRevert::Unknown { .. }
        ));
        assert!(matches!(
            AnchorRevert::decode(Some(&[1, 2, 3, 4])),
            AnchorRevert::Unknown { .. }
        ));
        assert!(AnchorRevert::decode(None)
            .to_string()
            .contains("without a reason"));
        assert_eq!(
            AnchorRevert::decode(Some(&selector("ProofTooShort()"))),
            AnchorRevert::ProofTooShort
        );
    }
}
