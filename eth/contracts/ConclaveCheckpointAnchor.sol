// SPDX-License-Identifier: Apache-2.0 OR MIT
pragma solidity 0.8.30;

/// @title RFC 9162 Merkle inclusion proofs (Certificate Transparency v2, §2.1).
/// @notice Node hashes are SHA-256(0x01 || left || right) (RFC 9162 §2.1.1), computed with
/// the SHA-256 precompile (address 0x02); leaf hashes SHA-256(0x00 || entry).
/// @dev Reverts on a malformed proof (index not below the size, a path too long or too
/// short for the tree's shape); a well-formed path simply yields some root, which the
/// caller compares with the one it trusts.
library RFC9162 {
    /// The index is not below the tree size (RFC 9162 §2.1.3.2 step 1).
    error IndexOutOfRange(uint256 index, uint256 treeSize);
    /// The path has more hashes than the tree's shape allows (§2.1.3.2 step 4a).
    error ProofTooLong();
    /// The path ended before reaching the root (§2.1.3.2 step 5).
    error ProofTooShort();
    /// The SHA-256 precompile failed (out of gas).
    error HashFailed();

    /// @notice SHA-256(0x00 || entry): the leaf hash of an entry's bytes (RFC 9162 §2.1.1).
    function leafHash(bytes calldata entry) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(bytes1(0x00), entry));
    }

    /// @notice The root that an inclusion path leads to: RFC 9162 §2.1.3.2, steps 1 to 5
    /// (without the final comparison, which is the caller's).
    /// @param index the leaf's 0-based index.
    /// @param treeSize the number of leaves of the tree the path is for.
    /// @param leaf the leaf hash.
    /// @param path the audit path, leaf level first.
    function rootFromInclusionProof(uint256 index, uint256 treeSize, bytes32 leaf, bytes32[] calldata path)
        internal
        view
        returns (bytes32 r)
    {
        // Step 1.
        if (index >= treeSize) revert IndexOutOfRange(index, treeSize);
        // Steps 2 and 3.
        uint256 fn = index;
        uint256 sn = treeSize - 1;
        r = leaf;
        bool hashed = true;
        // Step 4.
        for (uint256 i; i < path.length; ++i) {
            // 4a.
            if (sn == 0) revert ProofTooLong();
            bytes32 p = path[i];
            bool ok;
            // 4b.
            if (fn & 1 == 1 || fn == sn) {
                (r, ok) = _nodeHash(p, r);
                if (fn & 1 == 0) {
                    while (fn & 1 == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                (r, ok) = _nodeHash(r, p);
            }
            hashed = hashed && ok;
            // 4c.
            fn >>= 1;
            sn >>= 1;
        }
        if (!hashed) revert HashFailed();
        // Step 5, first half: the path must have reached the root.
        if (sn != 0) revert ProofTooShort();
    }

    /// SHA-256(0x01 || left || right), in free memory (not reserved: nothing else is
    /// allocated meanwhile) with the result in the scratch space.
    function _nodeHash(bytes32 left, bytes32 right) private view returns (bytes32 h, bool ok) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore8(ptr, 0x01)
            mstore(add(ptr, 1), left)
            mstore(add(ptr, 33), right)
            ok := staticcall(gas(), 0x02, ptr, 65, 0x00, 0x20)
            h := mload(0x00)
        }
    }
}

/// @title Conclave's checkpoint anchor: the tree heads of one transparency log, on chain.
/// @notice The log's operator posts its signed checkpoints (RFC 9162 tree size and root,
/// C2SP tlog-checkpoint in a signed note); the contract keeps the root of every anchored
/// size, refuses a size below the latest and a second root for the same size, and lets
/// anyone check that a leaf hash sits at an index of an anchored tree.
/// @dev The Ed25519 signature of the note is not checked here (no precompile): the operator
/// checks it before posting, and the note is in the event for anyone to check again.
/// Source of truth: conclave eth/contracts/ (compiled with solc 0.8.30, see compile.mjs).
contract ConclaveCheckpointAnchor {
    /// The only address allowed to anchor.
    address public immutable operator;
    /// The log's origin line (the name of its checkpoint key); empty if not bound to one.
    string public origin;
    /// The largest anchored tree size (0 before the first anchoring).
    uint64 public latestTreeSize;
    /// The root anchored for a tree size (zero if that size was never anchored).
    mapping(uint64 treeSize => bytes32 root) public anchoredRoot;

    /// A checkpoint was anchored (or anchored again, e.g. with more cosignatures).
    event CheckpointAnchored(uint64 indexed treeSize, bytes32 root, bytes signedNote);

    /// The caller is not the operator.
    error NotOperator(address caller, address operator);
    /// The constructor was given the zero address as operator.
    error ZeroOperator();
    /// A checkpoint of the empty tree carries nothing to anchor.
    error EmptyTree();
    /// A zero root would read as "not anchored".
    error ZeroRoot();
    /// The tree size is below the latest anchored one.
    error StaleCheckpoint(uint64 latestTreeSize, uint64 treeSize);
    /// Another root is already anchored for this size: the log forked.
    error RootConflict(uint64 treeSize, bytes32 anchoredRoot, bytes32 root);
    /// No root is anchored for this tree size.
    error NotAnchored(uint64 treeSize);

    /// @param operator_ the address allowed to anchor.
    /// @param origin_ the log's origin line, or "" to accept any (checked off chain).
    constructor(address operator_, string memory origin_) {
        if (operator_ == address(0)) revert ZeroOperator();
        operator = operator_;
        origin = origin_;
    }

    /// @notice Anchors a checkpoint: the root of the log's first `treeSize` entries.
    /// @param treeSize the checkpoint's tree size, not below the latest anchored one.
    /// @param root the checkpoint's RFC 9162 tree head.
    /// @param signedNote the signed checkpoint note (kept in the event only).
    function anchor(uint64 treeSize, bytes32 root, bytes calldata signedNote) external {
        if (msg.sender != operator) revert NotOperator(msg.sender, operator);
        if (treeSize == 0) revert EmptyTree();
        if (root == bytes32(0)) revert ZeroRoot();
        uint64 current = latestTreeSize;
        if (treeSize < current) revert StaleCheckpoint(current, treeSize);
        if (treeSize == current) {
            bytes32 anchored = anchoredRoot[treeSize];
            if (anchored != root) revert RootConflict(treeSize, anchored, root);
        } else {
            anchoredRoot[treeSize] = root;
            latestTreeSize = treeSize;
        }
        emit CheckpointAnchored(treeSize, root, signedNote);
    }

    /// @notice The latest anchored tree size and its root (0 and zero before any anchoring).
    function latest() external view returns (uint64 treeSize, bytes32 root) {
        treeSize = latestTreeSize;
        root = anchoredRoot[treeSize];
    }

    /// @notice Whether the leaf hash `leaf` is at `index` of the anchored tree of `treeSize`
    /// leaves, by the inclusion proof `proof` (RFC 9162 §2.1.3.2).
    /// @return true when the path leads to the anchored root, false when it leads elsewhere.
    /// @dev Reverts with NotAnchored when `treeSize` was never anchored, and with the
    /// library's errors for a malformed proof (index not below the size, wrong length).
    function verifyInclusion(uint64 index, uint64 treeSize, bytes32 leaf, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        bytes32 root = anchoredRoot[treeSize];
        if (root == bytes32(0)) revert NotAnchored(treeSize);
        return RFC9162.rootFromInclusionProof(index, treeSize, leaf, proof) == root;
    }

    /// @notice The root an inclusion proof leads to, for contracts that keep their own roots.
    function rootFromInclusionProof(uint256 index, uint256 treeSize, bytes32 leaf, bytes32[] calldata proof)
        external
        view
        returns (bytes32)
    {
        return RFC9162.rootFromInclusionProof(index, treeSize, leaf, proof);
    }

    /// @notice SHA-256(0x00 || entry): the RFC 9162 leaf hash of an entry's bytes.
    function leafHash(bytes calldata entry) external pure returns (bytes32) {
        return RFC9162.leafHash(entry);
    }
}
