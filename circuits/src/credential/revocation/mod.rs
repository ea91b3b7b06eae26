//! Revocation: an issuer keeps a sparse Merkle tree (Poseidon) of the revocation ids it
//! has revoked, signs its root with a sequence number, and publishes it as a registry
//! file; a holder proves that her credential's id is **not** in the tree under the
//! published root ([`gadget::NonMembershipGadget`]).
//!
//! This module owns the tree ([`RevocationTree`]), the prover's non-membership witness
//! ([`NonMembershipWitness`]), the signed registry file ([`RevocationRegistry`]) and its
//! errors ([`RevocationError`]).
//!
//! # Tree
//! - Depth [`DEPTH`] = 64, the width of a revocation id: the leaf of id `i` is at index
//!   `i`, reached from the root by the bits of `i` from the most significant (bit 63) down
//!   to bit 0 (bit `h` chooses the child at height `h + 1`: 0 left, 1 right). Every id has
//!   its own leaf, so no key is hashed and no two ids can share a leaf (a shallower tree
//!   over `H(id)` would need collision arguments and a longer proof for nothing: the cost
//!   is per level, and 64 levels are what a u64 needs).
//! - Leaves: [`REVOKED_LEAF`] = 1 for a revoked id, 0 for every other; inner nodes
//!   `Poseidon(left, right)` (circomlib `Poseidon(2)`). The empty subtree of height `h` is
//!   `E₀ = 0`, `Eₕ₊₁ = Poseidon(Eₕ, Eₕ)`; the root of the empty tree is `E₆₄`. A fixed depth
//!   means leaves and inner nodes are never confused (a path is always 64 hashes), and
//!   `Poseidon(0, 0) ≠ 0, 1`, so no inner node equals a leaf value by construction.
//! - Non-membership of `i`: the 64 sibling hashes on the path of leaf `i`; hashing the
//!   empty leaf 0 up the path gives the root.
//!
//! # Registry file (JSON, version 1)
//! ```json
//! { "version": 1, "type": "revocation-registry", "depth": 64,
//!   "issuer": { "Ax": "…", "Ay": "…" }, "sequence": "3",
//!   "revoked": ["42", "1234"], "root": "<decimal>",
//!   "signature": { "R8x": "…", "R8y": "…", "S": "…" } }
//! ```
//! `revoked` is strictly increasing decimal u64s; `root` must equal the tree of `revoked`;
//! `sequence` (a decimal u64) grows by one at every revocation, starting at 0 for the empty
//! registry; the issuer signs (EdDSA-Poseidon) the field element
//! `Poseidon(tagged_field("conclave/credential/revocation/v1\0", ""), root, sequence)`, so
//! a ledger can check that a root comes from the issuer and is newer than one it has.
//!
//! # Security
//! Soundness of non-membership rests on Poseidon's collision resistance (a path to 0 at a
//! revoked leaf would give a collision on the path). Freshness is not this module's: a
//! verifier must require a recent root (the ledger anchors roots by sequence). Decoding
//! checks everything (order, root, signature, points), so a registry read from disk is
//! the issuer's.

pub mod gadget;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use ark_bn254::Fr;
use serde::{Deserialize, Serialize};

use super::keys::PointJson;
use super::tagged_field;
use crate::eddsa::{PublicKey, SecretKey, Signature, SignatureError};
use crate::{field, poseidon};

/// Depth of the tree: one level per bit of a revocation id.
pub const DEPTH: usize = 64;
/// The leaf value of a revoked id (every other leaf is 0).
pub const REVOKED_LEAF: u64 = 1;
/// Tag of the message the issuer signs over a registry's root and sequence.
pub const REGISTRY_TAG: &[u8] = b"conclave/credential/revocation/v1\0";
/// Most revoked ids in one registry (its root is recomputed on every read: about 50
/// Poseidon hashes per id).
pub const MAX_REVOKED: usize = 1 << 16;

/// Everything that can go wrong with a revocation tree or registry.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RevocationError {
    /// The JSON text could not be decoded (syntax, a missing or unknown field, a wrong type).
    #[error("revocation registry: not a valid registry file: {0}")]
    Json(#[source] serde_json::Error),
    /// The file's `version` is not one this code reads.
    #[error("revocation registry: version {0} is not supported (this program reads version 1)")]
    UnsupportedVersion(u64),
    /// The file's `type` is not `revocation-registry`.
    #[error("revocation registry: this file is a {0:?}, not a \"revocation-registry\"")]
    WrongFileType(String),
    /// The file's depth is not 64.
    #[error("revocation registry: depth {0} is not supported (ids are 64-bit: depth 64)")]
    UnsupportedDepth(u64),
    /// A revocation id or the sequence is not a canonical decimal u64.
    #[error("revocation registry: {what} {text:?} is not a decimal integer below 2^64 (no leading zeros)")]
    BadNumber {
        /// `revoked` or `sequence`.
        what: &'static str,
        /// The text given.
        text: String,
    },
    /// The revoked ids are not strictly increasing.
    #[error("revocation registry: revoked ids must be strictly increasing; {id} is out of order or repeated")]
    NotIncreasing {
        /// The offending id.
        id: u64,
    },
    /// More revoked ids than [`MAX_REVOKED`].
    #[error("revocation registry: {found} revoked ids, more than the limit of {limit}")]
    TooMany {
        /// How many.
        found: usize,
        /// The limit.
        limit: usize,
    },
    /// The root is not a field element.
    #[error("revocation registry: the root is not a field element: {0}")]
    BadRoot(#[source] crate::ZkError),
    /// The root does not match the revoked ids.
    #[error("revocation registry: the root does not match the revoked ids (altered file)")]
    RootMismatch,
    /// The issuer key or the signature is malformed.
    #[error("revocation registry: {0}")]
    Malformed(#[source] SignatureError),
    /// The signature over the root and sequence does not verify.
    #[error("revocation registry: the issuer's signature does not verify over its root and sequence (altered or forged)")]
    BadSignature,
    /// The registry is another issuer's than the key given.
    #[error("the registry belongs to another issuer than this key; give that issuer's key or another registry file")]
    OtherIssuer,
    /// The id is already revoked.
    #[error(
        "revocation id {id} is already revoked (registry sequence {sequence}); nothing changed"
    )]
    AlreadyRevoked {
        /// The id.
        id: u64,
        /// The registry's sequence.
        sequence: u64,
    },
    /// The id is revoked: no non-membership witness exists.
    #[error("revocation id {id} is revoked")]
    Revoked {
        /// The id.
        id: u64,
    },
    /// A non-membership path does not lead to the root.
    #[error("the non-membership path of id {id} does not lead to the root")]
    PathMismatch {
        /// The id.
        id: u64,
    },
    /// The sequence number would pass 2^64 − 1.
    #[error("revocation registry: the sequence number is exhausted")]
    SequenceExhausted,
}

fn hash2(left: Fr, right: Fr) -> Fr {
    poseidon::hash(&[left, right]).expect("Poseidon takes 2 inputs")
}

/// `E₀ … E₆₄`: the roots of empty subtrees by height.
fn empty_roots() -> &'static [Fr; DEPTH + 1] {
    static EMPTY: OnceLock<[Fr; DEPTH + 1]> = OnceLock::new();
    EMPTY.get_or_init(|| {
        let mut roots = [Fr::from(0u64); DEPTH + 1];
        for height in 1..=DEPTH {
            roots[height] = hash2(roots[height - 1], roots[height - 1]);
        }
        roots
    })
}

/// The root of the subtree of `height` whose leaves hold `ids` (all in that subtree,
/// sorted).
fn subtree_root(ids: &[u64], height: usize) -> Fr {
    if ids.is_empty() {
        return empty_roots()[height];
    }
    if height == 0 {
        return Fr::from(REVOKED_LEAF);
    }
    let bit = height - 1;
    let split = ids.partition_point(|id| (id >> bit) & 1 == 0);
    hash2(
        subtree_root(&ids[..split], bit),
        subtree_root(&ids[split..], bit),
    )
}

/// The sparse Merkle tree of revoked ids (module docs, "Tree").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevocationTree {
    revoked: BTreeSet<u64>,
    root: Fr,
}

impl Default for RevocationTree {
    fn default() -> Self {
        RevocationTree {
            revoked: BTreeSet::new(),
            root: empty_roots()[DEPTH],
        }
    }
}

/// The sibling hashes on a leaf's path, from the leaf's sibling (height 0) up to the
/// root's children (height 63): what a prover needs to show an id is not revoked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NonMembershipWitness {
    siblings: Vec<Fr>,
}

impl NonMembershipWitness {
    /// The 64 siblings, from the bottom.
    pub fn siblings(&self) -> &[Fr] {
        &self.siblings
    }

    /// The root that the empty leaf at `id` gives along this path.
    pub fn root_for(&self, id: u64) -> Fr {
        self.siblings
            .iter()
            .enumerate()
            .fold(Fr::from(0u64), |node, (height, sibling)| {
                if (id >> height) & 1 == 1 {
                    hash2(*sibling, node)
                } else {
                    hash2(node, *sibling)
                }
            })
    }

    /// Checks natively that `id` is not revoked under `root`.
    ///
    /// # Errors
    /// [`RevocationError::PathMismatch`].
    pub fn verify(&self, id: u64, root: Fr) -> Result<(), RevocationError> {
        if self.siblings.len() == DEPTH && self.root_for(id) == root {
            Ok(())
        } else {
            Err(RevocationError::PathMismatch { id })
        }
    }
}

impl RevocationTree {
    /// A tree of the given revoked ids.
    ///
    /// # Errors
    /// [`RevocationError::TooMany`].
    pub fn new(revoked: impl IntoIterator<Item = u64>) -> Result<Self, RevocationError> {
        let revoked: BTreeSet<u64> = revoked.into_iter().collect();
        if revoked.len() > MAX_REVOKED {
            return Err(RevocationError::TooMany {
                found: revoked.len(),
                limit: MAX_REVOKED,
            });
        }
        let ids: Vec<u64> = revoked.iter().copied().collect();
        let root = subtree_root(&ids, DEPTH);
        Ok(RevocationTree { revoked, root })
    }

    /// The root.
    pub fn root(&self) -> Fr {
        self.root
    }

    /// Whether `id` is revoked.
    pub fn is_revoked(&self, id: u64) -> bool {
        self.revoked.contains(&id)
    }

    /// The revoked ids, increasing.
    pub fn revoked(&self) -> impl Iterator<Item = u64> + '_ {
        self.revoked.iter().copied()
    }

    /// The prover's witness that `id` is not revoked.
    ///
    /// # Errors
    /// [`RevocationError::Revoked`] when it is.
    pub fn non_membership(&self, id: u64) -> Result<NonMembershipWitness, RevocationError> {
        if self.is_revoked(id) {
            return Err(RevocationError::Revoked { id });
        }
        let siblings = (0..DEPTH)
            .map(|height| {
                // The sibling subtree at `height`: ids agreeing with `id` above bit
                // `height`, with bit `height` flipped.
                let prefix = (u128::from(id) >> height) ^ 1;
                let low = prefix << height;
                let high = ((prefix + 1) << height) - 1;
                let (low, high) = (low as u64, high as u64); // < 2^64: prefix < 2^(64 − height).
                let ids: Vec<u64> = self.revoked.range(low..=high).copied().collect();
                subtree_root(&ids, height)
            })
            .collect();
        Ok(NonMembershipWitness { siblings })
    }

    fn insert(&mut self, id: u64) -> Result<(), RevocationError> {
        let mut ids = self.revoked.clone();
        ids.insert(id);
        *self = RevocationTree::new(ids)?;
        Ok(())
    }
}

/// The message an issuer signs over a registry state.
pub fn registry_message(root: Fr, sequence: u64) -> Fr {
    let inputs = [tagged_field(REGISTRY_TAG, b""), root, Fr::from(sequence)];
    poseidon::hash(&inputs).expect("Poseidon takes 3 inputs")
}

/// An issuer's signed revocation registry (module docs, "Registry file").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevocationRegistry {
    issuer: PublicKey,
    sequence: u64,
    tree: RevocationTree,
    signature: Signature,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistryJson {
    version: u64,
    #[serde(rename = "type")]
    kind: String,
    depth: u64,
    issuer: PointJson,
    sequence: String,
    revoked: Vec<String>,
    root: String,
    signature: SignatureJson,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignatureJson {
    #[serde(rename = "R8x")]
    r8x: String,
    #[serde(rename = "R8y")]
    r8y: String,
    #[serde(rename = "S")]
    s: String,
}

const FILE_TYPE: &str = "revocation-registry";

fn parse_u64(what: &'static str, text: &str) -> Result<u64, RevocationError> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    canonical
        .then(|| text.parse().ok())
        .flatten()
        .ok_or_else(|| RevocationError::BadNumber {
            what,
            text: text.to_owned(),
        })
}

impl RevocationRegistry {
    /// An empty registry of `issuer`, sequence 0, signed.
    pub fn new(issuer: &SecretKey) -> Self {
        let tree = RevocationTree::default();
        let signature = issuer.sign(registry_message(tree.root(), 0));
        RevocationRegistry {
            issuer: issuer.public_key(),
            sequence: 0,
            tree,
            signature,
        }
    }

    /// Revokes `id`: adds it, increments the sequence and re-signs.
    ///
    /// # Errors
    /// [`RevocationError::OtherIssuer`] for a key that is not the registry's,
    /// [`RevocationError::AlreadyRevoked`] (the registry is unchanged),
    /// [`RevocationError::TooMany`], [`RevocationError::SequenceExhausted`].
    pub fn revoke(&mut self, issuer: &SecretKey, id: u64) -> Result<(), RevocationError> {
        if issuer.public_key() != self.issuer {
            return Err(RevocationError::OtherIssuer);
        }
        if self.tree.is_revoked(id) {
            return Err(RevocationError::AlreadyRevoked {
                id,
                sequence: self.sequence,
            });
        }
        let sequence = self
            .sequence
            .checked_add(1)
            .ok_or(RevocationError::SequenceExhausted)?;
        let mut tree = self.tree.clone();
        tree.insert(id)?;
        self.signature = issuer.sign(registry_message(tree.root(), sequence));
        self.tree = tree;
        self.sequence = sequence;
        Ok(())
    }

    /// The issuer's public key.
    pub fn issuer(&self) -> PublicKey {
        self.issuer
    }

    /// The sequence number (0 for the empty registry, +1 per revocation).
    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    /// The tree root (what a proof takes as a public input).
    pub fn root(&self) -> Fr {
        self.tree.root()
    }

    /// The tree.
    pub fn tree(&self) -> &RevocationTree {
        &self.tree
    }

    /// The issuer's signature over [`registry_message`]`(root, sequence)`.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }

    /// The prover's witness that `id` is not revoked under [`Self::root`].
    ///
    /// # Errors
    /// [`RevocationError::Revoked`].
    pub fn non_membership(&self, id: u64) -> Result<NonMembershipWitness, RevocationError> {
        self.tree.non_membership(id)
    }

    /// Checks the registry is `trusted`'s.
    ///
    /// # Errors
    /// [`RevocationError::OtherIssuer`].
    pub fn check_issuer(&self, trusted: &PublicKey) -> Result<(), RevocationError> {
        if self.issuer == *trusted {
            Ok(())
        } else {
            Err(RevocationError::OtherIssuer)
        }
    }

    /// The registry file.
    ///
    /// # Layout
    /// Module docs, "Registry file".
    pub fn to_json(&self) -> String {
        let (r8x, r8y, s) = self.signature.to_decimal();
        let json = RegistryJson {
            version: 1,
            kind: FILE_TYPE.to_owned(),
            depth: DEPTH as u64,
            issuer: PointJson::of(&self.issuer),
            sequence: self.sequence.to_string(),
            revoked: self.tree.revoked().map(|id| id.to_string()).collect(),
            root: field::to_decimal(&self.root()),
            signature: SignatureJson { r8x, r8y, s },
        };
        // Serializing strings, integers and lists of them cannot fail.
        let mut text = serde_json::to_string_pretty(&json).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Decodes a registry file and checks it completely: format, strictly increasing ids,
    /// the root recomputed, the issuer key and the signature. (Whether the issuer is the
    /// one expected is [`Self::check_issuer`].)
    ///
    /// # Errors
    /// Any [`RevocationError`] of decoding, [`RevocationError::RootMismatch`],
    /// [`RevocationError::BadSignature`].
    pub fn from_json(bytes: &[u8]) -> Result<Self, RevocationError> {
        let json: RegistryJson = serde_json::from_slice(bytes).map_err(RevocationError::Json)?;
        if json.version != 1 {
            return Err(RevocationError::UnsupportedVersion(json.version));
        }
        if json.kind != FILE_TYPE {
            return Err(RevocationError::WrongFileType(json.kind));
        }
        if json.depth != DEPTH as u64 {
            return Err(RevocationError::UnsupportedDepth(json.depth));
        }
        if json.revoked.len() > MAX_REVOKED {
            return Err(RevocationError::TooMany {
                found: json.revoked.len(),
                limit: MAX_REVOKED,
            });
        }
        let mut ids = Vec::with_capacity(json.revoked.len());
        for text in &json.revoked {
            let id = parse_u64("revoked id", text)?;
            if ids.last().is_some_and(|last| *last >= id) {
                return Err(RevocationError::NotIncreasing { id });
            }
            ids.push(id);
        }
        let sequence = parse_u64("sequence", &json.sequence)?;
        let root = field::parse_decimal("root", &json.root).map_err(RevocationError::BadRoot)?;
        let issuer = PublicKey::from_decimal(&json.issuer.ax, &json.issuer.ay)
            .map_err(RevocationError::Malformed)?;
        let signature =
            Signature::from_decimal(&json.signature.r8x, &json.signature.r8y, &json.signature.s)
                .map_err(RevocationError::Malformed)?;
        let tree = RevocationTree::new(ids)?;
        if tree.root() != root {
            return Err(RevocationError::RootMismatch);
        }
        issuer
            .verify(registry_message(root, sequence), &signature)
            .map_err(|e| match e {
                SignatureError::Invalid => RevocationError::BadSignature,
                other => RevocationError::Malformed(other),
            })?;
        Ok(RevocationRegistry {
            issuer,
            sequence,
            tree,
            signature,
        })
    }
}

#[cfg(test)]
mod tests;
