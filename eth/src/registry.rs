//! The proof registry contract `ConclaveProofRegistry`: its committed artifacts, the
//! policies its owner registers ([`Policy`]) and the call data of its functions.
//!
//! A policy names a verifier contract (any contract with snarkjs's `verifyProof` ABI, such
//! as [`crate::verifier`]'s deployed for the statement's key) and where the statement's
//! public inputs sit. `submit` checks the fixed values (issuer key, configuration hash),
//! the revocation root (one the owner accepts), the day `now` (within a window of the
//! block's day), the scope, optionally the submitter's address, verifies the proof,
//! then records the nullifier in the scope and refuses it the second time.
//!
//! # Security
//! The registry is as good as the statement behind the verifier: the circuit must derive
//! the nullifier from the holder's secret and the scope, and bind the other inputs to the
//! credential. Replays are refused by nullifier, never by proof bytes (Groth16 proofs are
//! malleable). The owner is trusted to register the right verifier and values.

use alloy::dyn_abi::DynSolValue;
use alloy::primitives::{keccak256, Address, Bytes, B256, U256};

use crate::verifier::{decode_code, selector_of, BatchCalldata, ProofCalldata};
use crate::EthError;

/// The contract's Solidity source.
pub const SOURCE: &str = include_str!("../contracts/ConclaveProofRegistry.sol");
/// The contract's ABI (JSON), as solc printed it.
pub const ABI: &str = include_str!("../contracts/ConclaveProofRegistry.abi.json");
/// The creation bytecode (hex with `0x`), compiled from [`SOURCE`] by
/// `contracts/compile.mjs ConclaveProofRegistry` (no constructor arguments: the deployer
/// becomes the owner).
pub const BYTECODE_HEX: &str = include_str!("../contracts/ConclaveProofRegistry.bin");
/// The contract's marker for an unused optional position (`NONE`).
pub const NONE: u8 = u8::MAX;

/// The creation bytecode as bytes.
///
/// # Errors
/// [`EthError::Bytecode`] if the committed file is not hex (a broken build).
pub fn bytecode() -> Result<Vec<u8>, EthError> {
    decode_code(BYTECODE_HEX)
}

/// Positions of the public inputs of a credential proof, layout v1 (docs/onchain.md):
/// issuer key x and y, revocation root, day, scope, nullifier, recipient.
pub mod layout {
    /// Issuer public key, x coordinate (fixed by the policy).
    pub const ISSUER_X: u8 = 0;
    /// Issuer public key, y coordinate (fixed by the policy).
    pub const ISSUER_Y: u8 = 1;
    /// Root of the revoked-credentials tree.
    pub const REVOCATION_ROOT: u8 = 2;
    /// The day the proof speaks about (days since 1970-01-01 UTC).
    pub const NOW: u8 = 3;
    /// The scope (application domain) of the nullifier.
    pub const SCOPE: u8 = 4;
    /// The nullifier: a function of the holder's secret and the scope.
    pub const NULLIFIER: u8 = 5;
    /// The address allowed to submit the proof (as a number).
    pub const RECIPIENT: u8 = 6;
    /// Number of public inputs.
    pub const INPUTS: u8 = 7;
}

/// A policy as `registerPolicy` takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// The verifier contract of the statement's key.
    pub verifier: Address,
    /// The statement's number of public inputs (1 to 8).
    pub input_count: u8,
    /// Position of the scope; `None` for a statement whose scope is not an input (a
    /// hashed-input statement whose pinned configuration hash covers it: then `fixed`
    /// must not be empty).
    pub scope_index: Option<u8>,
    /// Position of the nullifier.
    pub nullifier_index: u8,
    /// Position of the day, if the policy checks it.
    pub now_index: Option<u8>,
    /// How many days the proof's day may differ from the block's.
    pub now_window_days: u32,
    /// Position of the revocation root, if any.
    pub root_index: Option<u8>,
    /// Position of the submitter's address, if the proof is bound to one.
    pub recipient_index: Option<u8>,
    /// The scope the policy's nullifiers are recorded in.
    pub scope: U256,
    /// Positions and values the policy fixes (issuer key, configuration hash).
    pub fixed: Vec<(u8, U256)>,
}

impl Policy {
    /// A policy for layout v1 ([`layout`]): the issuer key fixed, revocation root, day
    /// within `window_days` of today, scope, nullifier, recipient = the submitter.
    pub fn credential_v1(
        verifier: Address,
        issuer: [U256; 2],
        scope: U256,
        window_days: u32,
    ) -> Self {
        Policy {
            verifier,
            input_count: layout::INPUTS,
            scope_index: Some(layout::SCOPE),
            nullifier_index: layout::NULLIFIER,
            now_index: Some(layout::NOW),
            now_window_days: window_days,
            root_index: Some(layout::REVOCATION_ROOT),
            recipient_index: Some(layout::RECIPIENT),
            scope,
            fixed: vec![(layout::ISSUER_X, issuer[0]), (layout::ISSUER_Y, issuer[1])],
        }
    }

    fn to_abi(&self) -> DynSolValue {
        let small = |v: u8| DynSolValue::Uint(U256::from(v), 8);
        let optional = |v: Option<u8>| small(v.unwrap_or(NONE));
        DynSolValue::Tuple(vec![
            DynSolValue::Address(self.verifier),
            small(self.input_count),
            optional(self.scope_index),
            small(self.nullifier_index),
            optional(self.now_index),
            optional(self.root_index),
            optional(self.recipient_index),
            DynSolValue::Uint(U256::from(self.now_window_days), 32),
            DynSolValue::Uint(self.scope, 256),
            DynSolValue::Array(self.fixed.iter().map(|(i, _)| small(*i)).collect()),
            DynSolValue::Array(
                self.fixed
                    .iter()
                    .map(|(_, v)| DynSolValue::Uint(*v, 256))
                    .collect(),
            ),
        ])
    }
}

fn call(signature: &str, args: Vec<DynSolValue>) -> Vec<u8> {
    let mut data = selector_of(signature).to_vec();
    data.extend_from_slice(&DynSolValue::Tuple(args).abi_encode_params());
    data
}

fn uint(value: U256) -> DynSolValue {
    DynSolValue::Uint(value, 256)
}

/// Call data of `registerPolicy(policy)` (owner only; the new id is `policyCount()`).
pub fn register_policy(policy: &Policy) -> Vec<u8> {
    call(
        "registerPolicy((address,uint8,uint8,uint8,uint8,uint8,uint8,uint32,uint256,uint8[],uint256[]))",
        vec![policy.to_abi()],
    )
}

/// Call data of `setRevocationRoot(policyId, root, accepted)` (owner only).
pub fn set_revocation_root(policy_id: u64, root: U256, accepted: bool) -> Vec<u8> {
    call(
        "setRevocationRoot(uint256,uint256,bool)",
        vec![
            uint(U256::from(policy_id)),
            uint(root),
            DynSolValue::Bool(accepted),
        ],
    )
}

/// Call data of `retirePolicy(policyId)` (owner only).
pub fn retire_policy(policy_id: u64) -> Vec<u8> {
    call("retirePolicy(uint256)", vec![uint(U256::from(policy_id))])
}

/// Call data of `transferOwnership(newOwner)` (owner only).
pub fn transfer_ownership(new_owner: Address) -> Vec<u8> {
    call(
        "transferOwnership(address)",
        vec![DynSolValue::Address(new_owner)],
    )
}

/// Call data of `submit(policyId, proof, inputs)`.
pub fn submit(policy_id: u64, proof: &ProofCalldata) -> Vec<u8> {
    call(
        "submit(uint256,uint256[8],uint256[])",
        vec![
            uint(U256::from(policy_id)),
            DynSolValue::FixedArray(proof.proof_words().into_iter().map(uint).collect()),
            DynSolValue::Array(proof.inputs.iter().copied().map(uint).collect()),
        ],
    )
}

/// Call data of `submitBatch(policyId, proofs, inputs)`: the batch's proofs checked
/// against one policy and verified with one `verifyBatch` call.
pub fn submit_batch(policy_id: u64, batch: &BatchCalldata) -> Vec<u8> {
    call(
        "submitBatch(uint256,uint256[8][],uint256[])",
        vec![
            uint(U256::from(policy_id)),
            DynSolValue::Array(
                batch
                    .proofs()
                    .iter()
                    .map(|proof| {
                        DynSolValue::FixedArray(proof.proof_words().into_iter().map(uint).collect())
                    })
                    .collect(),
            ),
            DynSolValue::Array(
                batch
                    .proofs()
                    .iter()
                    .flat_map(|proof| proof.inputs.iter().copied().map(uint))
                    .collect(),
            ),
        ],
    )
}

/// Call data of the view `nullifierUsed(scope, nullifier)` (returns an ABI bool).
pub fn nullifier_used(scope: U256, nullifier: U256) -> Vec<u8> {
    call(
        "nullifierUsed(uint256,uint256)",
        vec![uint(scope), uint(nullifier)],
    )
}

/// Call data of the view `policyCount()` (returns a `uint256`).
pub fn policy_count() -> Vec<u8> {
    call("policyCount()", vec![])
}

/// A transaction's logs as [`crate::client::Transacted::Mined`] gives them.
pub type Logs = [(Vec<B256>, Bytes)];

/// The indexed words (topics after the event id) of the first log of event `signature`.
fn event_topics(logs: &Logs, signature: &str) -> Option<Vec<U256>> {
    let id = keccak256(signature.as_bytes());
    logs.iter()
        .find(|(topics, _)| topics.first() == Some(&id))
        .map(|(topics, _)| {
            topics[1..]
                .iter()
                .map(|topic| U256::from_be_bytes(topic.0))
                .collect()
        })
}

/// The id a `registerPolicy` transaction gave its policy (from its `PolicyRegistered` event).
pub fn registered_policy_id(logs: &Logs) -> Option<U256> {
    event_topics(logs, "PolicyRegistered(uint256,address,uint256)")?
        .first()
        .copied()
}

/// The `(policyId, scope, nullifier)` of a `submit` transaction's `ProofAccepted` event.
pub fn accepted_event(logs: &Logs) -> Option<(U256, U256, U256)> {
    match event_topics(
        logs,
        "ProofAccepted(uint256,uint256,uint256,address,uint256)",
    )?[..]
    {
        [policy, scope, nullifier] => Some((policy, scope, nullifier)),
        _ => None,
    }
}

/// The `(policyId, scope, nullifier)` of every `ProofAccepted` event in the logs (one per
/// proof of a `submitBatch`).
pub fn accepted_events(logs: &Logs) -> Vec<(U256, U256, U256)> {
    let id = keccak256(b"ProofAccepted(uint256,uint256,uint256,address,uint256)");
    logs.iter()
        .filter(|(topics, _)| topics.first() == Some(&id) && topics.len() == 4)
        .map(|(topics, _)| {
            let word = |i: usize| U256::from_be_bytes(topics[i].0);
            (word(1), word(2), word(3))
        })
        .collect()
}

/// The registry's errors: signature, then the explanation (`{0}`, `{1}` are the
/// arguments in decimal, addresses in hex).
const ERRORS: &[(&str, &str)] = &[
    (
        "NotOwner(address)",
        "NotOwner: only the registry's owner may do this (caller {0})",
    ),
    (
        "BadPolicy()",
        "BadPolicy: the verifier has no code, the input count is not 1 to 8, or a position \
         is out of range or used twice",
    ),
    (
        "UnknownPolicy(uint256)",
        "UnknownPolicy: no live policy {0}",
    ),
    (
        "WrongInputCount(uint256,uint256)",
        "WrongInputCount: the statement takes {0} public inputs, the call gave {1}",
    ),
    (
        "ConfigMismatch(uint256)",
        "ConfigMismatch: public input #{0} is not the value the policy fixes (issuer key or \
         configuration)",
    ),
    (
        "UnknownRevocationRoot(uint256)",
        "UnknownRevocationRoot: {0} is not a revocation root the owner accepts",
    ),
    (
        "WrongScope(uint256,uint256)",
        "WrongScope: the policy's scope is {0}, the proof's {1}",
    ),
    (
        "StaleTime(uint256,uint256)",
        "StaleTime: the proof is for day {0}, the block's day is {1}",
    ),
    (
        "WrongRecipient(uint256,uint256)",
        "WrongRecipient: submitted by {0}, the proof is bound to {1}",
    ),
    (
        "NullifierUsed(uint256,uint256)",
        "NullifierUsed: nullifier {1} was already used in scope {0}",
    ),
    (
        "InputNotInField(uint256)",
        "InputNotInField: public input #{0} is not below the group order r",
    ),
    (
        "InvalidProof()",
        "InvalidProof: the verifier says the proof is not valid (in a batch: at least one)",
    ),
    (
        "EmptyBatch()",
        "EmptyBatch: submitBatch needs at least one proof",
    ),
];

/// Names the registry's custom errors in revert data (and the verifier's, which `submit`
/// passes on).
pub fn describe_revert(data: Option<Bytes>) -> String {
    if let Some(bytes) = data.as_ref().filter(|data| data.len() >= 4) {
        for (signature, text) in ERRORS {
            if bytes[..4] != selector_of(signature) {
                continue;
            }
            let as_address =
                signature.contains("address") || signature.starts_with("WrongRecipient");
            let argument = |i: usize| {
                let value = bytes
                    .get(4 + 32 * i..4 + 32 * (i + 1))
                    .map(U256::from_be_slice)
                    .unwrap_or_default();
                if as_address && value < (U256::from(1u8) << 160) {
                    format!(
                        "{:#x}",
                        Address::from_word(value.to_be_bytes::<32>().into())
                    )
                } else {
                    value.to_string()
                }
            };
            return text
                .replace("{0}", &argument(0))
                .replace("{1}", &argument(1));
        }
    }
    crate::client::describe_revert(data)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn register_policy_follows_the_abi_layout() {
        let verifier = Address::repeat_byte(0x11);
        let policy = Policy::credential_v1(
            verifier,
            [U256::from(5u8), U256::from(6u8)],
            U256::from(9u8),
            1,
        );
        let data = register_policy(&policy);
        let words: Vec<U256> = data[4..].chunks(32).map(U256::from_be_slice).collect();
        let w = |n: u64| U256::from(n);
        let expected = vec![
            w(0x20), // offset of the (dynamic) struct
            U256::from_be_slice(verifier.as_slice()),
            w(7),
            w(4),
            w(5),
            w(3),
            w(2),
            w(6),
            w(1),
            w(9),
            w(11 * 32),      // offset of fixedIndices within the struct
            w(11 * 32 + 96), // offset of fixedValues
            w(2),
            w(0),
            w(1),
            w(2),
            w(5),
            w(6),
        ];
        assert_eq!(words, expected);
        let none = Policy {
            now_index: None,
            ..policy
        };
        let words: Vec<U256> = register_policy(&none)[4..]
            .chunks(32)
            .map(U256::from_be_slice)
            .collect();
        assert_eq!(words[5], w(u64::from(NONE)));
    }

    #[test]
    fn reverts_are_named() {
        let mut data = selector_of("NullifierUsed(uint256,uint256)").to_vec();
        data.extend_from_slice(&U256::from(7u8).to_be_bytes::<32>());
        data.extend_from_slice(&U256::from(8u8).to_be_bytes::<32>());
        assert_eq!(
            describe_revert(Some(data.into())),
            "NullifierUsed: nullifier 8 was already used in scope 7"
        );
        let mut data = selector_of("NotOwner(address)").to_vec();
        data.extend_from_slice(&[0u8; 12]);
        data.extend_from_slice(&[0xab; 20]);
        assert!(describe_revert(Some(data.into())).contains(&format!("0x{}", "ab".repeat(20))));
        // The verifier's errors pass through.
        let data = selector_of("MalformedProof()").to_vec();
        assert!(describe_revert(Some(data.into())).starts_with("MalformedProof"));
    }

    #[test]
    fn embedded_bytecode_decodes() {
        assert!(bytecode().unwrap().len() > 1000);
        assert!(SOURCE.contains("contract ConclaveProofRegistry"));
        let abi: serde_json::Value = serde_json::from_str(ABI).unwrap();
        assert!(abi
            .as_array()
            .unwrap()
            .iter()
            .any(|item| item["name"] == "submit"));
    }
}
