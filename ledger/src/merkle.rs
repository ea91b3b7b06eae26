//! The Merkle tree of the log: RFC 9162 §2.1 (Certificate Transparency v2).
//!
//! Owns the hash function (SHA-256 with the 0x00 leaf / 0x01 node prefixes of §2.1.1), the
//! in-memory tree of a log ([`MerkleTree`]), the inclusion (§2.1.3) and consistency
//! (§2.1.4) proof generators and their verification algorithms, written step by step after
//! §2.1.3.2 and §2.1.4.2.
//!
//! # Security
//! Verification is variable time, which is fine: every input is public. Proof elements are
//! typed 32-byte [`Hash`]es, so a truncated or padded element is rejected when decoded.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ProofError;

/// A SHA-256 output: a leaf hash, an interior node hash or a tree head.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The hash as lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 hex digits.
    ///
    /// # Errors
    /// [`ProofError::BadHash`] when the text is not exactly 32 bytes of hex.
    pub fn from_hex(text: &str) -> Result<Self, ProofError> {
        let bytes = hex::decode(text).map_err(|_| ProofError::BadHash)?;
        Self::from_slice(&bytes)
    }

    /// Takes exactly 32 bytes.
    ///
    /// # Errors
    /// [`ProofError::BadHash`] for any other length.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, ProofError> {
        let array: [u8; 32] = bytes.try_into().map_err(|_| ProofError::BadHash)?;
        Ok(Hash(array))
    }
}

impl std::fmt::Debug for Hash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl Serialize for Hash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Hash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Hash::from_hex(&text).map_err(serde::de::Error::custom)
    }
}

/// MTH({}) = SHA-256() — RFC 9162 §2.1.1, the head of the empty tree.
pub fn empty_root() -> Hash {
    Hash(Sha256::digest(b"").into())
}

/// MTH({d(0)}) = SHA-256(0x00 || d(0)) — RFC 9162 §2.1.1, the hash of one leaf.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(data);
    Hash(hasher.finalize().into())
}

/// SHA-256(0x01 || left || right) — RFC 9162 §2.1.1, an interior node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left.0);
    hasher.update(right.0);
    Hash(hasher.finalize().into())
}

/// The largest power of two strictly smaller than `n` (`n >= 2`): the split point `k` of §2.1.1.
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// An inclusion proof (RFC 9162 §2.1.3): the audit path of leaf `index` in the tree of
/// `tree_size` leaves, from the leaf's sibling up to the root's child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    /// Index of the leaf (0-based).
    pub index: u64,
    /// Size of the tree the proof is for.
    pub tree_size: u64,
    /// The audit path, leaf level first.
    pub hashes: Vec<Hash>,
}

impl InclusionProof {
    /// Checks that `leaf` sits at `self.index` of the tree of `self.tree_size` leaves with
    /// head `root`.
    ///
    /// # Errors
    /// See [`verify_inclusion`].
    pub fn verify(&self, leaf: &Hash, root: &Hash) -> Result<(), ProofError> {
        verify_inclusion(self.index, self.tree_size, leaf, &self.hashes, root)
    }
}

/// A consistency proof (RFC 9162 §2.1.4) between the trees of `first` and `second` leaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyProof {
    /// Size of the older tree.
    pub first: u64,
    /// Size of the newer tree.
    pub second: u64,
    /// The proof nodes.
    pub hashes: Vec<Hash>,
}

impl ConsistencyProof {
    /// Checks that the tree `(second, second_root)` extends `(first, first_root)`.
    ///
    /// # Errors
    /// See [`verify_consistency`].
    pub fn verify(&self, first_root: &Hash, second_root: &Hash) -> Result<(), ProofError> {
        verify_consistency(
            self.first,
            self.second,
            &self.hashes,
            first_root,
            second_root,
        )
    }
}

/// The root computed from an inclusion path — RFC 9162 §2.1.3.2, steps 1–4.
///
/// # Errors
/// [`ProofError::IndexOutOfRange`] when `index >= tree_size`, [`ProofError::ProofTooLong`]
/// or [`ProofError::ProofTooShort`] when the path does not have the length the tree shape
/// dictates.
pub fn root_from_inclusion_proof(
    index: u64,
    tree_size: u64,
    leaf: &Hash,
    path: &[Hash],
) -> Result<Hash, ProofError> {
    // Step 1.
    if index >= tree_size {
        return Err(ProofError::IndexOutOfRange { index, tree_size });
    }
    // Steps 2-3.
    let mut fn_ = index;
    let mut sn = tree_size - 1;
    let mut r = *leaf;
    // Step 4.
    for p in path {
        // 4a.
        if sn == 0 {
            return Err(ProofError::ProofTooLong);
        }
        // 4b.
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        // 4c.
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 5, first half: the path must have reached the root.
    if sn != 0 {
        return Err(ProofError::ProofTooShort);
    }
    Ok(r)
}

/// Verifies an inclusion proof — RFC 9162 §2.1.3.2.
///
/// # Errors
/// Those of [`root_from_inclusion_proof`], and [`ProofError::RootMismatch`] when the path
/// leads to another root.
pub fn verify_inclusion(
    index: u64,
    tree_size: u64,
    leaf: &Hash,
    path: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    let computed = root_from_inclusion_proof(index, tree_size, leaf, path)?;
    if &computed != root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Verifies a consistency proof — RFC 9162 §2.1.4.2.
///
/// The trivial cases follow the RFC's preconditions: `first == second` needs an empty proof
/// and equal roots; `first == 0` (the empty tree is a prefix of every tree) needs an empty
/// proof.
///
/// # Errors
/// [`ProofError::SizesOutOfOrder`] when `first > second`, [`ProofError::ProofTooLong`] /
/// [`ProofError::ProofTooShort`] for a path of the wrong length, and
/// [`ProofError::RootMismatch`] when either recomputed root differs.
pub fn verify_consistency(
    first: u64,
    second: u64,
    path: &[Hash],
    first_root: &Hash,
    second_root: &Hash,
) -> Result<(), ProofError> {
    if first > second {
        return Err(ProofError::SizesOutOfOrder { first, second });
    }
    if first == second {
        if !path.is_empty() {
            return Err(ProofError::ProofTooLong);
        }
        if first_root != second_root {
            return Err(ProofError::RootMismatch);
        }
        return Ok(());
    }
    if first == 0 {
        if !path.is_empty() {
            return Err(ProofError::ProofTooLong);
        }
        return Ok(());
    }
    // Step 1.
    if path.is_empty() {
        return Err(ProofError::ProofTooShort);
    }
    // Step 2: when `first` is a power of two, the old root is itself a node of the new tree.
    let mut nodes: Vec<Hash> = Vec::with_capacity(path.len() + 1);
    if first.is_power_of_two() {
        nodes.push(*first_root);
    }
    nodes.extend_from_slice(path);
    // Step 3.
    let mut fn_ = first - 1;
    let mut sn = second - 1;
    // Step 4.
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 5.
    let mut fr = nodes[0];
    let mut sr = nodes[0];
    // Step 6.
    for c in &nodes[1..] {
        // 6a.
        if sn == 0 {
            return Err(ProofError::ProofTooLong);
        }
        // 6b.
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        // 6c.
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 7.
    if sn != 0 {
        return Err(ProofError::ProofTooShort);
    }
    if &fr != first_root || &sr != second_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// The Merkle tree of a log, kept in memory as the hashes of every complete aligned subtree
/// (`levels[h][i]` is the head of leaves `i·2^h .. (i+1)·2^h`), about two hashes per leaf.
///
/// Any subtree hash the RFC's algorithms ask for costs `O(log n)` node hashes, so roots
/// and proofs for any past tree size are cheap.
#[derive(Debug, Clone, Default)]
pub struct MerkleTree {
    levels: Vec<Vec<Hash>>,
}

impl MerkleTree {
    /// The empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// Appends a leaf hash (see [`leaf_hash`]).
    pub fn push(&mut self, leaf: Hash) {
        if self.levels.is_empty() {
            self.levels.push(Vec::new());
        }
        self.levels[0].push(leaf);
        let mut level = 0;
        // Each time a level gains an even count, its last two nodes complete a parent.
        while self.levels[level].len().is_multiple_of(2) {
            let nodes = &self.levels[level];
            let parent = node_hash(&nodes[nodes.len() - 2], &nodes[nodes.len() - 1]);
            if self.levels.len() == level + 1 {
                self.levels.push(Vec::new());
            }
            self.levels[level + 1].push(parent);
            level += 1;
        }
    }

    /// Drops every leaf past `size` (used to undo an append whose commit failed).
    pub fn truncate(&mut self, size: u64) {
        for (height, nodes) in self.levels.iter_mut().enumerate() {
            let keep = (size >> height) as usize;
            nodes.truncate(keep);
        }
        while self.levels.last().is_some_and(Vec::is_empty) {
            self.levels.pop();
        }
    }

    /// The hash of leaf `index`, if present.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        self.levels
            .first()?
            .get(usize::try_from(index).ok()?)
            .copied()
    }

    /// MTH(D[start:end]) for `start < end <= size`, RFC 9162 §2.1.1.
    fn subtree(&self, start: u64, end: u64) -> Hash {
        let len = end - start;
        if len.is_power_of_two() && start.is_multiple_of(len) {
            let height = len.trailing_zeros() as usize;
            return self.levels[height][(start >> height) as usize];
        }
        let k = split_point(len);
        node_hash(
            &self.subtree(start, start + k),
            &self.subtree(start + k, end),
        )
    }

    /// The tree head of the first `size` leaves.
    ///
    /// # Errors
    /// [`ProofError::SizeBeyondTree`] when `size` exceeds the tree.
    pub fn root_at(&self, size: u64) -> Result<Hash, ProofError> {
        self.check_size(size)?;
        Ok(if size == 0 {
            empty_root()
        } else {
            self.subtree(0, size)
        })
    }

    /// The current tree head.
    pub fn root(&self) -> Hash {
        let size = self.size();
        if size == 0 {
            empty_root()
        } else {
            self.subtree(0, size)
        }
    }

    fn check_size(&self, size: u64) -> Result<(), ProofError> {
        if size > self.size() {
            return Err(ProofError::SizeBeyondTree {
                size,
                tree_size: self.size(),
            });
        }
        Ok(())
    }

    /// PATH(index, D[0:tree_size]) — RFC 9162 §2.1.3.1.
    ///
    /// # Errors
    /// [`ProofError::SizeBeyondTree`] when `tree_size` exceeds the tree,
    /// [`ProofError::IndexOutOfRange`] when `index >= tree_size`.
    pub fn inclusion_proof(
        &self,
        index: u64,
        tree_size: u64,
    ) -> Result<InclusionProof, ProofError> {
        self.check_size(tree_size)?;
        if index >= tree_size {
            return Err(ProofError::IndexOutOfRange { index, tree_size });
        }
        let mut hashes = Vec::new();
        let (mut start, mut end, mut m) = (0u64, tree_size, index);
        while end - start > 1 {
            let k = split_point(end - start);
            if m < k {
                hashes.push(self.subtree(start + k, end));
                end = start + k;
            } else {
                hashes.push(self.subtree(start, start + k));
                start += k;
                m -= k;
            }
        }
        hashes.reverse();
        Ok(InclusionProof {
            index,
            tree_size,
            hashes,
        })
    }

    /// PROOF(first, D[0:second]) — RFC 9162 §2.1.4.1 (empty when `first` is 0 or `second`).
    ///
    /// # Errors
    /// [`ProofError::SizeBeyondTree`] when `second` exceeds the tree,
    /// [`ProofError::SizesOutOfOrder`] when `first > second`.
    pub fn consistency_proof(
        &self,
        first: u64,
        second: u64,
    ) -> Result<ConsistencyProof, ProofError> {
        self.check_size(second)?;
        if first > second {
            return Err(ProofError::SizesOutOfOrder { first, second });
        }
        let mut hashes = Vec::new();
        if first > 0 && first < second {
            // SUBPROOF(m, D[start:end], b), unrolled.
            let (mut start, mut end, mut m, mut complete) = (0u64, second, first, true);
            while m != end - start {
                let k = split_point(end - start);
                if m <= k {
                    hashes.push(self.subtree(start + k, end));
                    end = start + k;
                } else {
                    hashes.push(self.subtree(start, start + k));
                    start += k;
                    m -= k;
                    complete = false;
                }
            }
            if !complete {
                hashes.push(self.subtree(start, end));
            }
            hashes.reverse();
        }
        Ok(ConsistencyProof {
            first,
            second,
            hashes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree head by the RFC's recursive definition, as an independent reference.
    fn reference_root(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split_point(n as u64) as usize;
                node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
            }
        }
    }

    #[test]
    fn roots_match_the_recursive_definition_and_proofs_verify() {
        let mut tree = MerkleTree::new();
        let mut leaves = Vec::new();
        for i in 0u32..70 {
            let leaf = leaf_hash(&i.to_be_bytes());
            tree.push(leaf);
            leaves.push(leaf);
        }
        for size in 0..=70u64 {
            let root = tree.root_at(size).unwrap();
            assert_eq!(
                root,
                reference_root(&leaves[..size as usize]),
                "size {size}"
            );
            for index in 0..size {
                let proof = tree.inclusion_proof(index, size).unwrap();
                proof.verify(&leaves[index as usize], &root).unwrap();
                let wrong = leaves[((index + 1) % 70) as usize];
                assert!(proof.verify(&wrong, &root).is_err());
            }
            for first in 0..=size {
                let proof = tree.consistency_proof(first, size).unwrap();
                let first_root = tree.root_at(first).unwrap();
                proof.verify(&first_root, &root).unwrap();
                if first > 0 && first < size {
                    let other = tree.root_at(first - 1).unwrap();
                    assert!(proof.verify(&other, &root).is_err());
                }
            }
        }
    }

    #[test]
    fn truncate_undoes_pushes() {
        let mut tree = MerkleTree::new();
        for i in 0u32..37 {
            tree.push(leaf_hash(&i.to_be_bytes()));
        }
        let root_21 = tree.root_at(21).unwrap();
        tree.truncate(21);
        assert_eq!(tree.size(), 21);
        assert_eq!(tree.root(), root_21);
        tree.push(leaf_hash(&21u32.to_be_bytes()));
        let mut fresh = MerkleTree::new();
        for i in 0u32..22 {
            fresh.push(leaf_hash(&i.to_be_bytes()));
        }
        assert_eq!(tree.root(), fresh.root());
    }

    #[test]
    fn requests_past_the_tree_are_refused() {
        let mut tree = MerkleTree::new();
        tree.push(leaf_hash(b"a"));
        assert!(matches!(
            tree.inclusion_proof(0, 2),
            Err(ProofError::SizeBeyondTree { .. })
        ));
        assert!(matches!(
            tree.inclusion_proof(1, 1),
            Err(ProofError::IndexOutOfRange { .. })
        ));
        assert!(matches!(
            tree.consistency_proof(1, 2),
            Err(ProofError::SizeBeyondTree { .. })
        ));
        assert!(matches!(
            tree.consistency_proof(1, 0),
            Err(ProofError::SizesOutOfOrder { .. })
        ));
    }
}
