// SPDX-License-Identifier: Apache-2.0 OR MIT
pragma solidity 0.8.30;

/// @title Conclave's registry of credential proofs: "the verifier checks it on chain".
/// @notice The owner registers policies. A policy names a Groth16 verifier contract (snarkjs's
/// `verifyProof` ABI, e.g. ConclaveGroth16Verifier deployed for the statement's key) and
/// where the statement's public inputs sit: values that must equal registered ones
/// (issuer key, configuration hash), the revocation root (one of the roots the owner
/// accepts), the proof's day `now` (within a window of today), the scope (the policy's
/// own) and the nullifier; optionally the submitter's address. `submit` checks all of
/// them, verifies the proof, records the nullifier in the scope and refuses it the
/// second time, and emits ProofAccepted.
/// @dev Replay protection rests on the nullifier, a public input the circuit derives from
/// the holder's secret and the scope, never on the proof (Groth16 proofs are malleable).
/// Every refusal reverts with a named error. Source of truth: conclave eth/contracts/
/// (compiled with solc 0.8.30, see compile.mjs).
contract ConclaveProofRegistry {
    /// Marks an optional input position as unused.
    uint8 public constant NONE = type(uint8).max;
    /// Largest number of public inputs of a policy's statement (as the verifier's).
    uint256 internal constant MAX_PUBLIC_INPUTS = 8;
    /// Order of the BN254 groups: public inputs must be below it.
    uint256 internal constant R =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// Seconds per day: `now` inputs are days since 1970-01-01 (UTC), as credential dates.
    uint256 internal constant DAY = 86400;

    /// What the owner registers. Positions index the statement's public inputs.
    struct Policy {
        /// The verifier contract of the statement's key.
        address verifier;
        /// The statement's number of public inputs (1 to 8).
        uint8 inputCount;
        /// Position of the scope (must equal `scope`), or NONE for a statement whose scope is
        /// not an input of its own (a hashed-input statement: its configuration hash, pinned
        /// by `fixedIndices`, covers the scope; then at least one value must be fixed).
        uint8 scopeIndex;
        /// Position of the nullifier.
        uint8 nullifierIndex;
        /// Position of the day the proof was made for, or NONE.
        uint8 nowIndex;
        /// Position of the revocation root, or NONE.
        uint8 rootIndex;
        /// Position of the submitter's address, or NONE (then anyone may submit the proof).
        uint8 recipientIndex;
        /// How many days `now` may differ from today (block.timestamp / 86400).
        uint32 nowWindowDays;
        /// The scope this policy's nullifiers are recorded in.
        uint256 scope;
        /// Positions of values fixed by the policy (issuer key, configuration hash).
        uint8[] fixedIndices;
        /// The values expected at those positions.
        uint256[] fixedValues;
    }

    /// The owner: registers policies and updates their revocation roots.
    address public owner;
    /// Number of policies registered; their ids are 1 to policyCount.
    uint256 public policyCount;
    mapping(uint256 policyId => Policy) private _policies;
    /// Retired policies accept no more proofs.
    mapping(uint256 policyId => bool) public retired;
    /// Revocation roots the owner accepts for a policy.
    mapping(uint256 policyId => mapping(uint256 root => bool)) public rootAccepted;
    /// Nullifiers used, per scope.
    mapping(uint256 scope => mapping(uint256 nullifier => bool)) public nullifierUsed;

    /// A proof was accepted and its nullifier recorded.
    event ProofAccepted(
        uint256 indexed policyId, uint256 indexed scope, uint256 indexed nullifier, address submitter, uint256 day
    );
    /// Several proofs were accepted by one submitBatch (besides a ProofAccepted each).
    event BatchAccepted(uint256 indexed policyId, uint256 count);
    /// A policy was registered.
    event PolicyRegistered(uint256 indexed policyId, address verifier, uint256 scope);
    /// A revocation root was accepted (or no longer accepted) for a policy.
    event RevocationRootSet(uint256 indexed policyId, uint256 root, bool accepted);
    /// A policy was retired.
    event PolicyRetired(uint256 indexed policyId);
    /// Ownership moved.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// The caller is not the owner.
    error NotOwner(address caller);
    /// The policy is malformed (verifier without code, input count outside 1 to 8, a
    /// position out of range or used twice, fixed positions and values of unequal length).
    error BadPolicy();
    /// No such policy, or it is retired.
    error UnknownPolicy(uint256 policyId);
    /// The statement takes `expected` public inputs; the call gave `found`.
    error WrongInputCount(uint256 expected, uint256 found);
    /// The input at `index` is not the value the policy fixes there.
    error ConfigMismatch(uint256 index);
    /// The proof's revocation root is not one the owner accepts.
    error UnknownRevocationRoot(uint256 root);
    /// The proof's scope is not the policy's.
    error WrongScope(uint256 expected, uint256 found);
    /// The proof's day is outside today ± the window.
    error StaleTime(uint256 day, uint256 today);
    /// The proof is bound to another submitter.
    error WrongRecipient(uint256 expected, uint256 found);
    /// The nullifier was already used in this scope.
    error NullifierUsed(uint256 scope, uint256 nullifier);
    /// Public input `index` is not below the group order r (x and x + r would be the same
    /// statement with two nullifiers).
    error InputNotInField(uint256 index);
    /// The verifier returned false (or not a bool).
    error InvalidProof();
    /// submitBatch was given no proof.
    error EmptyBatch();

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    constructor() {
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
    }

    /// @notice Registers a policy (owner only) and returns its id. Accept a revocation root
    /// with setRevocationRoot before proofs that carry one can be submitted.
    function registerPolicy(Policy calldata newPolicy) external onlyOwner returns (uint256 policyId) {
        uint256 n = newPolicy.inputCount;
        if (newPolicy.verifier.code.length == 0 || n == 0 || n > MAX_PUBLIC_INPUTS) revert BadPolicy();
        if (newPolicy.fixedIndices.length != newPolicy.fixedValues.length) revert BadPolicy();
        if (newPolicy.scopeIndex == NONE && newPolicy.fixedIndices.length == 0) revert BadPolicy();
        uint256 used = _claim(0, newPolicy.scopeIndex, n, true);
        used = _claim(used, newPolicy.nullifierIndex, n, false);
        used = _claim(used, newPolicy.nowIndex, n, true);
        used = _claim(used, newPolicy.rootIndex, n, true);
        used = _claim(used, newPolicy.recipientIndex, n, true);
        for (uint256 i; i < newPolicy.fixedIndices.length; ++i) {
            used = _claim(used, newPolicy.fixedIndices[i], n, false);
        }
        policyId = ++policyCount;
        _policies[policyId] = newPolicy;
        emit PolicyRegistered(policyId, newPolicy.verifier, newPolicy.scope);
    }

    /// @notice Accepts (or stops accepting) `root` as a revocation root of a policy (owner only).
    function setRevocationRoot(uint256 policyId, uint256 root, bool accepted) external onlyOwner {
        _live(policyId);
        rootAccepted[policyId][root] = accepted;
        emit RevocationRootSet(policyId, root, accepted);
    }

    /// @notice Retires a policy (owner only): it accepts no more proofs.
    function retirePolicy(uint256 policyId) external onlyOwner {
        _live(policyId);
        retired[policyId] = true;
        emit PolicyRetired(policyId);
    }

    /// @notice Hands the registry to `newOwner` (owner only).
    function transferOwnership(address newOwner) external onlyOwner {
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// @notice The registered policy `policyId`.
    function policy(uint256 policyId) external view returns (Policy memory) {
        return _policies[policyId];
    }

    /// @notice Checks a proof against policy `policyId`, records its nullifier and emits
    /// ProofAccepted; reverts with a named error otherwise.
    /// @param proof [A.x, A.y, B.x1, B.x0, B.y1, B.y0, C.x, C.y] (snarkjs's _pA, _pB, _pC).
    /// @param inputs the statement's public inputs.
    function submit(uint256 policyId, uint256[8] calldata proof, uint256[] calldata inputs) external {
        _live(policyId);
        Policy storage p = _policies[policyId];
        uint256 n = p.inputCount;
        if (inputs.length != n) revert WrongInputCount(n, inputs.length);
        uint256 scope = p.scope;
        (uint256 nullifier, uint256 day) = _check(policyId, p, inputs, scope);
        _verify(p.verifier, proof, inputs);
        nullifierUsed[scope][nullifier] = true;
        emit ProofAccepted(policyId, scope, nullifier, msg.sender, day);
    }

    /// @notice Checks k proofs against policy `policyId` as `submit` does, verifies them all
    /// with one call to the verifier's verifyBatch (k + 3 pairings instead of 4k), records
    /// their nullifiers and emits a ProofAccepted each, then BatchAccepted. All or nothing:
    /// any refusal reverts the whole batch (a nullifier used twice in the batch included).
    /// @param proofs proof i as in `submit`.
    /// @param inputs the k × N public inputs, proof after proof (input j of proof i at i·N + j).
    function submitBatch(uint256 policyId, uint256[8][] calldata proofs, uint256[] calldata inputs) external {
        _live(policyId);
        Policy storage p = _policies[policyId];
        uint256 n = p.inputCount;
        uint256 k = proofs.length;
        if (k == 0) revert EmptyBatch();
        if (inputs.length != k * n) revert WrongInputCount(k * n, inputs.length);
        uint256 scope = p.scope;
        for (uint256 i; i < k; ++i) {
            (uint256 nullifier, uint256 day) = _check(policyId, p, inputs[i * n:(i + 1) * n], scope);
            // Recorded at once, so a nullifier twice in the batch is refused by _check.
            nullifierUsed[scope][nullifier] = true;
            emit ProofAccepted(policyId, scope, nullifier, msg.sender, day);
        }
        (bool success, bytes memory returned) =
            p.verifier.staticcall(abi.encodeWithSignature("verifyBatch(uint256[8][],uint256[])", proofs, inputs));
        _verdict(success, returned);
        emit BatchAccepted(policyId, k);
    }

    /// Everything but the proof: inputs below r, scope, fixed values, root, recipient, day,
    /// nullifier unused. Returns the nullifier and the day (0 without a time check).
    function _check(uint256 policyId, Policy storage p, uint256[] calldata inputs, uint256 scope)
        private
        view
        returns (uint256 nullifier, uint256 day)
    {
        uint256 n = inputs.length;
        for (uint256 i; i < n; ++i) {
            if (inputs[i] >= R) revert InputNotInField(i);
        }
        nullifier = inputs[p.nullifierIndex];
        _checkInputs(policyId, p, inputs, scope);
        if (p.nowIndex != NONE) {
            day = inputs[p.nowIndex];
            uint256 today = block.timestamp / DAY;
            uint256 window = p.nowWindowDays;
            if (day + window < today || day > today + window) revert StaleTime(day, today);
        }
        if (nullifierUsed[scope][nullifier]) revert NullifierUsed(scope, nullifier);
    }

    function _checkInputs(uint256 policyId, Policy storage p, uint256[] calldata inputs, uint256 scope)
        private
        view
    {
        if (p.scopeIndex != NONE) {
            uint256 found = inputs[p.scopeIndex];
            if (found != scope) revert WrongScope(scope, found);
        }
        uint256 count = p.fixedIndices.length;
        for (uint256 i; i < count; ++i) {
            uint256 index = p.fixedIndices[i];
            if (inputs[index] != p.fixedValues[i]) revert ConfigMismatch(index);
        }
        if (p.rootIndex != NONE) {
            uint256 root = inputs[p.rootIndex];
            if (!rootAccepted[policyId][root]) revert UnknownRevocationRoot(root);
        }
        if (p.recipientIndex != NONE) {
            uint256 recipient = inputs[p.recipientIndex];
            if (recipient != uint256(uint160(msg.sender))) {
                revert WrongRecipient(uint256(uint160(msg.sender)), recipient);
            }
        }
    }

    /// Calls verifyProof(uint256[2], uint256[2][2], uint256[2], uint256[n]) on `verifier`
    /// with a static call; passes its revert on (e.g. the verifier's InputNotInField) and
    /// reverts with InvalidProof unless it returns true.
    function _verify(address verifier, uint256[8] calldata proof, uint256[] calldata inputs) private view {
        bytes4 selector = bytes4(
            keccak256(
                abi.encodePacked(
                    "verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[", bytes1(uint8(48 + inputs.length)), "])"
                )
            )
        );
        bytes memory data = abi.encodePacked(selector, proof, inputs);
        (bool success, bytes memory returned) = verifier.staticcall(data);
        _verdict(success, returned);
    }

    /// Passes a failed verifier call's revert on; reverts with InvalidProof unless it returned true.
    function _verdict(bool success, bytes memory returned) private pure {
        if (!success) {
            assembly ("memory-safe") {
                revert(add(returned, 0x20), mload(returned))
            }
        }
        if (returned.length != 32 || abi.decode(returned, (uint256)) != 1) revert InvalidProof();
    }

    /// Marks position `index` in the bit set `used`; NONE is allowed only if `optional`.
    function _claim(uint256 used, uint256 index, uint256 n, bool optional) private pure returns (uint256) {
        if (index == NONE && optional) return used;
        if (index >= n || used & (1 << index) != 0) revert BadPolicy();
        return used | (1 << index);
    }

    function _live(uint256 policyId) private view {
        if (policyId == 0 || policyId > policyCount || retired[policyId]) revert UnknownPolicy(policyId);
    }
}
