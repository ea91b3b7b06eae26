// SPDX-License-Identifier: Apache-2.0 OR MIT
pragma solidity 0.8.30;

/// @title Conclave's Groth16 verifier for BN254: one bytecode for every verifying key.
/// @notice The verifying key is given to the constructor and kept in immutables (read with
/// PUSH32, as cheap as snarkjs's constants), so this bytecode is the same for every key and
/// can be checked once against its source. `verifyProof` has snarkjs's ABI for 1 to
/// 8 public inputs; the overload for another count than the key's reverts. `verifyBatch`
/// checks k proofs under the key with k + 3 pairings (random weights hashed from the batch).
/// @dev Reverts (never returns false) when a public input is not below the group order r,
/// when a point is malformed (off the curve, coordinate not below q, G2 outside its
/// subgroup: the precompiles refuse it) and when a precompile runs out of gas, so that
/// `eth_estimateGas` cannot settle on a limit at which the pairing silently fails.
/// Returns false only when the pairing equation does not hold.
/// G2 points use the EVM's order [[x.c1, x.c0], [y.c1, y.c0]] (as snarkjs's calldata does).
/// Source of truth: conclave eth/contracts/ (compiled with solc 0.8.30, see compile.mjs).
contract ConclaveGroth16Verifier {
    /// Order of the BN254 groups (the scalar field of the circuit).
    uint256 internal constant R =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// Modulus of the BN254 base field.
    uint256 internal constant Q =
        21888242871839275222246405745257275088696311157297823662689037894645226208583;
    /// Largest number of public inputs a key may have.
    uint256 internal constant MAX_PUBLIC_INPUTS = 8;
    /// Domain tag of the hash the batch weights are derived from.
    bytes32 internal constant BATCH_TAG = keccak256("conclave.groth16.verifyBatch.v1");

    /// The proof was called with another number of public inputs than the key has.
    error WrongInputCount(uint256 expected, uint256 found);
    /// Public input `index` is not below r (x and x + r would verify alike).
    error InputNotInField(uint256 index);
    /// A precompile refused a point (off the curve, not canonical, outside the subgroup) or
    /// ran out of gas.
    error MalformedProof();
    /// `verifyBatch` was called with no proof.
    error EmptyBatch();
    /// A constructor argument is not a valid verifying key (coordinate not below q, or 0 or
    /// more than MAX_PUBLIC_INPUTS public inputs).
    error BadVerifyingKey();

    /// Number of public inputs of the key.
    uint256 public immutable publicInputCount;

    uint256 private immutable ALPHA_X;
    uint256 private immutable ALPHA_Y;
    // -beta, -gamma, -delta (negated once here, so A is used as given), EVM order.
    uint256 private immutable NEG_BETA_X1;
    uint256 private immutable NEG_BETA_X0;
    uint256 private immutable NEG_BETA_Y1;
    uint256 private immutable NEG_BETA_Y0;
    uint256 private immutable NEG_GAMMA_X1;
    uint256 private immutable NEG_GAMMA_X0;
    uint256 private immutable NEG_GAMMA_Y1;
    uint256 private immutable NEG_GAMMA_Y0;
    uint256 private immutable NEG_DELTA_X1;
    uint256 private immutable NEG_DELTA_X0;
    uint256 private immutable NEG_DELTA_Y1;
    uint256 private immutable NEG_DELTA_Y0;
    // IC[0] (the constant one) and IC[i] for public input i - 1; unused ones are zero.
    uint256 private immutable IC0_X;
    uint256 private immutable IC0_Y;
    uint256 private immutable IC1_X;
    uint256 private immutable IC1_Y;
    uint256 private immutable IC2_X;
    uint256 private immutable IC2_Y;
    uint256 private immutable IC3_X;
    uint256 private immutable IC3_Y;
    uint256 private immutable IC4_X;
    uint256 private immutable IC4_Y;
    uint256 private immutable IC5_X;
    uint256 private immutable IC5_Y;
    uint256 private immutable IC6_X;
    uint256 private immutable IC6_Y;
    uint256 private immutable IC7_X;
    uint256 private immutable IC7_Y;
    uint256 private immutable IC8_X;
    uint256 private immutable IC8_Y;

    /// @param alpha vk_alpha_1 as [x, y].
    /// @param beta vk_beta_2 as [[x.c1, x.c0], [y.c1, y.c0]].
    /// @param gamma vk_gamma_2, same order.
    /// @param delta vk_delta_2, same order.
    /// @param ic IC (gamma_abc) as [x, y] points: 1 + the number of public inputs.
    constructor(
        uint256[2] memory alpha,
        uint256[2][2] memory beta,
        uint256[2][2] memory gamma,
        uint256[2][2] memory delta,
        uint256[2][] memory ic
    ) {
        if (ic.length < 2 || ic.length > MAX_PUBLIC_INPUTS + 1) revert BadVerifyingKey();
        publicInputCount = ic.length - 1;
        ALPHA_X = _fq(alpha[0]);
        ALPHA_Y = _fq(alpha[1]);
        NEG_BETA_X1 = _fq(beta[0][0]);
        NEG_BETA_X0 = _fq(beta[0][1]);
        NEG_BETA_Y1 = _negFq(beta[1][0]);
        NEG_BETA_Y0 = _negFq(beta[1][1]);
        NEG_GAMMA_X1 = _fq(gamma[0][0]);
        NEG_GAMMA_X0 = _fq(gamma[0][1]);
        NEG_GAMMA_Y1 = _negFq(gamma[1][0]);
        NEG_GAMMA_Y0 = _negFq(gamma[1][1]);
        NEG_DELTA_X1 = _fq(delta[0][0]);
        NEG_DELTA_X0 = _fq(delta[0][1]);
        NEG_DELTA_Y1 = _negFq(delta[1][0]);
        NEG_DELTA_Y0 = _negFq(delta[1][1]);
        IC0_X = _icCoordinate(ic, 0, 0);
        IC0_Y = _icCoordinate(ic, 0, 1);
        IC1_X = _icCoordinate(ic, 1, 0);
        IC1_Y = _icCoordinate(ic, 1, 1);
        IC2_X = _icCoordinate(ic, 2, 0);
        IC2_Y = _icCoordinate(ic, 2, 1);
        IC3_X = _icCoordinate(ic, 3, 0);
        IC3_Y = _icCoordinate(ic, 3, 1);
        IC4_X = _icCoordinate(ic, 4, 0);
        IC4_Y = _icCoordinate(ic, 4, 1);
        IC5_X = _icCoordinate(ic, 5, 0);
        IC5_Y = _icCoordinate(ic, 5, 1);
        IC6_X = _icCoordinate(ic, 6, 0);
        IC6_Y = _icCoordinate(ic, 6, 1);
        IC7_X = _icCoordinate(ic, 7, 0);
        IC7_Y = _icCoordinate(ic, 7, 1);
        IC8_X = _icCoordinate(ic, 8, 0);
        IC8_Y = _icCoordinate(ic, 8, 1);
    }

    /// @notice Verifies a proof with 1 public input (snarkjs's ABI for nPublic = 1).
    function verifyProof(
        uint256[2] calldata _pA,
        uint256[2][2] calldata _pB,
        uint256[2] calldata _pC,
        uint256[1] calldata _pubSignals
    ) external view returns (bool) {
        uint256 signals;
        assembly {
            signals := _pubSignals
        }
        return _verify(_pA, _pB, _pC, signals, 1);
    }

    /// @notice Verifies a proof with 2 public inputs (snarkjs's ABI for nPublic = 2).
    function verifyProof(
        uint256[2] calldata _pA,
        uint256[2][2] calldata _pB,
        uint256[2] calldata _pC,
        uint256[2] calldata _pubSignals
    ) external view returns (bool) {
        uint256 signals;
        assembly {
            signals := _pubSignals
        }
        return _verify(_pA, _pB, _pC, signals, 2);
    }

    /// @notice Verifies a proof with 3 public inputs (snarkjs's ABI for nPublic = 3).
    function verifyProof(
        uint256[2] calldata _pA,
        uint256[2][2] calldata _pB,
        uint256[2] calldata _pC,
        uint256[3] calldata _pubSignals
    ) external view returns (bool) {
        uint256 signals;
        assembly {
            signals := _pubSignals
        }
        return _verify(_pA, _pB, _pC, signals, 3);
    }

    /// @notice Verifies a proof with 4 public inputs (snarkjs's ABI for nPublic = 4).
    function verifyProof(
        uint256[2] calldata _pA,
        uint256[2][2] calldata _pB,
        uint256[2] calldata _pC,
        uint256[4] calldata _pubSignals
    ) external view returns (bool) {
        uint256 signals;
        assembly {
            signals := _pubSignals
        }
        return _verify(_pA, _pB, _pC, signals, 4);
    }

    /// @notice Verifies a proof with 5 public inputs (snarkjs's ABI for nPublic = 5).
    function verifyProof(
        uint256[2] calldata _pA,
        uint256[2][2] calldata _pB,
        uint256[2] calldata _pC,
        uint256[5] calldata _pubSignals
    ) external view returns (bool) {
        uint256 signals;
        assembly {
            signals := _pubSignals
        }
        return _verify(_pA, _pB, _pC, signals, 5);
    }

    /// @notice Verifies a proof with 6 public inputs (snarkjs's ABI for nPublic = 6).
    function verifyProof(
        uint256[2] calldata _pA,
        uint256[2][2] calldata _pB,
        uint256[2] calldata _pC,
        uint256[6] calldata _pubSignals
    ) external view returns (bool) {
        uint256 signals;
        assembly {
            signals := _pubSignals
        }
        return _verify(_pA, _pB, _pC, signals, 6);
    }

    /// @notice Verifies a proof with 7 public inputs (snarkjs's ABI for nPublic = 7).
    function verifyProof(
        uint256[2] calldata _pA,
        uint256[2][2] calldata _pB,
        uint256[2] calldata _pC,
        uint256[7] calldata _pubSignals
    ) external view returns (bool) {
        uint256 signals;
        assembly {
            signals := _pubSignals
        }
        return _verify(_pA, _pB, _pC, signals, 7);
    }

    /// @notice Verifies a proof with 8 public inputs (snarkjs's ABI for nPublic = 8).
    function verifyProof(
        uint256[2] calldata _pA,
        uint256[2][2] calldata _pB,
        uint256[2] calldata _pC,
        uint256[8] calldata _pubSignals
    ) external view returns (bool) {
        uint256 signals;
        assembly {
            signals := _pubSignals
        }
        return _verify(_pA, _pB, _pC, signals, 8);
    }

    /// @notice Verifies k proofs under the key at once: k + 3 pairings instead of 4k.
    /// @param proofs k proofs, each [A.x, A.y, B.x1, B.x0, B.y1, B.y0, C.x, C.y]
    /// (snarkjs's _pA, _pB, _pC in a row).
    /// @param pubSignals the k × N public inputs, proof after proof: input j of proof i
    /// is pubSignals[i * N + j].
    /// @return true when every proof is valid. False when one is not, except with
    /// probability at most 2^-128 per attempt over the weights.
    /// @dev With weights r_i (128 bits each) taken from keccak256 of the domain tag, this
    /// contract's address, k and the whole calldata of the batch (every proof and every
    /// input, canonical since inputs ≥ r and coordinates ≥ q are refused), it checks
    ///   prod_i e(r_i·A_i, B_i) · e((sum r_i)·alpha, -beta) · e(sum r_i·vk_x_i, -gamma)
    ///   · e(sum r_i·C_i, -delta) = 1,
    /// with sum r_i·vk_x_i = (sum r_i)·IC[0] + sum_j (sum_i r_i·x_ij)·IC[j + 1] (the input
    /// sums taken mod r). The weights are fixed only once the batch is, so a prover cannot
    /// pick proofs that cancel. Reverts like verifyProof: EmptyBatch for k = 0,
    /// WrongInputCount(k·N, found) when pubSignals has another length,
    /// InputNotInField(index into pubSignals), MalformedProof.
    function verifyBatch(uint256[8][] calldata proofs, uint256[] calldata pubSignals)
        external
        view
        returns (bool)
    {
        uint256 k = proofs.length;
        uint256 n = publicInputCount;
        if (k == 0) revert EmptyBatch();
        if (pubSignals.length != k * n) revert WrongInputCount(k * n, pubSignals.length);
        uint256[18] memory ic = [
            IC0_X, IC0_Y, IC1_X, IC1_Y, IC2_X, IC2_Y, IC3_X, IC3_Y, IC4_X,
            IC4_Y, IC5_X, IC5_Y, IC6_X, IC6_Y, IC7_X, IC7_Y, IC8_X, IC8_Y
        ];
        uint256 m;
        assembly ("memory-safe") {
            m := mload(0x40)
        }
        uint256 seed = _batchSeed(proofs, pubSignals, m);
        (bool ok, bool inField) = _batchProofs(proofs, pubSignals, seed, n, m);
        if (!(ok && inField)) {
            uint256 signals;
            assembly ("memory-safe") {
                signals := pubSignals.offset
            }
            _refuse(inField, signals, pubSignals.length);
        }
        return _batchPairing(m, k, n, ic);
    }

    /// keccak256(BATCH_TAG ‖ this ‖ k ‖ proofs ‖ pubSignals), hashed in memory at m.
    function _batchSeed(uint256[8][] calldata proofs, uint256[] calldata pubSignals, uint256 m)
        private
        view
        returns (uint256 seed)
    {
        bytes32 tag = BATCH_TAG;
        assembly ("memory-safe") {
            mstore(m, tag)
            mstore(add(m, 0x20), address())
            mstore(add(m, 0x40), proofs.length)
            let proofBytes := mul(proofs.length, 0x100)
            calldatacopy(add(m, 0x60), proofs.offset, proofBytes)
            let signalBytes := mul(pubSignals.length, 0x20)
            calldatacopy(add(add(m, 0x60), proofBytes), pubSignals.offset, signalBytes)
            seed := keccak256(m, add(0x60, add(proofBytes, signalBytes)))
        }
    }

    /// Writes the pairs (r_i·A_i, B_i) at m + i·0xc0 and sum r_i·C_i at m + (k + 2)·0xc0;
    /// sums at s = m + (k + 3)·0xc0: s[0] = sum r_i, s[j + 1] = sum r_i·x_ij (mod r);
    /// scratch at s + 0x120. r_i = the top 128 bits of keccak256(seed ‖ i). Stops at the
    /// first refused point (ok false; inputs after it are not checked then).
    function _batchProofs(
        uint256[8][] calldata proofs,
        uint256[] calldata pubSignals,
        uint256 seed,
        uint256 n,
        uint256 m
    ) private view returns (bool ok, bool inField) {
        ok = true;
        inField = true;
        assembly ("memory-safe") {
            let k := proofs.length
            let s := add(m, mul(add(k, 3), 0xc0))
            let t := add(s, 0x120)
            let cAcc := add(m, mul(add(k, 2), 0xc0))
            for { let j := 0 } lt(j, 0x120) { j := add(j, 0x20) } { mstore(add(s, j), 0) }
            mstore(cAcc, 0)
            mstore(add(cAcc, 0x20), 0)
            for { let i := 0 } lt(i, k) { i := add(i, 1) } {
                mstore(0x00, seed)
                mstore(0x20, i)
                let w := shr(128, keccak256(0x00, 0x40))
                let proof := add(proofs.offset, mul(i, 0x100))
                let slot := add(m, mul(i, 0xc0))
                calldatacopy(t, proof, 0x40)
                mstore(add(t, 0x40), w)
                ok := staticcall(gas(), 0x07, t, 0x60, slot, 0x40)
                calldatacopy(add(slot, 0x40), add(proof, 0x40), 0x80)
                if ok {
                    calldatacopy(t, add(proof, 0xc0), 0x40)
                    mstore(add(t, 0x40), w)
                    ok := staticcall(gas(), 0x07, t, 0x60, t, 0x40)
                }
                if ok {
                    mstore(add(t, 0x40), mload(cAcc))
                    mstore(add(t, 0x60), mload(add(cAcc, 0x20)))
                    ok := staticcall(gas(), 0x06, t, 0x80, cAcc, 0x40)
                }
                // A refused point burns the gas forwarded to its precompile: stop calling
                // them, so the 1/64 left is enough to revert MalformedProof.
                if iszero(ok) { break }
                mstore(s, addmod(mload(s), w, R))
                let row := add(pubSignals.offset, mul(mul(i, n), 0x20))
                for { let j := 0 } lt(j, n) { j := add(j, 1) } {
                    let x := calldataload(add(row, mul(j, 0x20)))
                    inField := and(inField, lt(x, R))
                    let sum := add(s, mul(add(j, 1), 0x20))
                    mstore(sum, addmod(mload(sum), mulmod(w, x, R), R))
                }
            }
        }
    }

    /// Completes the pairing input with ((sum r)·alpha, -beta), (sum r·vk_x, -gamma) and
    /// (sum r·C, -delta) and runs the k + 3 pairings.
    function _batchPairing(uint256 m, uint256 k, uint256 n, uint256[18] memory ic)
        private
        view
        returns (bool)
    {
        bool ok;
        uint256 tail = m + k * 0xc0;
        {
            uint256 ax = ALPHA_X;
            uint256 ay = ALPHA_Y;
            assembly ("memory-safe") {
                let s := add(tail, 0x240)
                let t := add(s, 0x120)
                mstore(t, ax)
                mstore(add(t, 0x20), ay)
                mstore(add(t, 0x40), mload(s))
                ok := staticcall(gas(), 0x07, t, 0x60, tail, 0x40)
                let l := add(tail, 0xc0)
                mstore(t, mload(ic))
                mstore(add(t, 0x20), mload(add(ic, 0x20)))
                mstore(add(t, 0x40), mload(s))
                ok := and(ok, staticcall(gas(), 0x07, t, 0x60, l, 0x40))
                for { let j := 1 } iszero(gt(j, n)) { j := add(j, 1) } {
                    mstore(t, mload(add(ic, mul(j, 0x40))))
                    mstore(add(t, 0x20), mload(add(ic, add(mul(j, 0x40), 0x20))))
                    mstore(add(t, 0x40), mload(add(s, mul(j, 0x20))))
                    ok := and(ok, staticcall(gas(), 0x07, t, 0x60, t, 0x40))
                    mstore(add(t, 0x40), mload(l))
                    mstore(add(t, 0x60), mload(add(l, 0x20)))
                    ok := and(ok, staticcall(gas(), 0x06, t, 0x80, l, 0x40))
                }
            }
        }
        {
            uint256 v0 = NEG_BETA_X1;
            uint256 v1 = NEG_BETA_X0;
            uint256 v2 = NEG_BETA_Y1;
            uint256 v3 = NEG_BETA_Y0;
            assembly ("memory-safe") {
                mstore(add(tail, 0x40), v0)
                mstore(add(tail, 0x60), v1)
                mstore(add(tail, 0x80), v2)
                mstore(add(tail, 0xa0), v3)
            }
        }
        {
            uint256 v0 = NEG_GAMMA_X1;
            uint256 v1 = NEG_GAMMA_X0;
            uint256 v2 = NEG_GAMMA_Y1;
            uint256 v3 = NEG_GAMMA_Y0;
            assembly ("memory-safe") {
                mstore(add(tail, 0x100), v0)
                mstore(add(tail, 0x120), v1)
                mstore(add(tail, 0x140), v2)
                mstore(add(tail, 0x160), v3)
            }
        }
        {
            uint256 v0 = NEG_DELTA_X1;
            uint256 v1 = NEG_DELTA_X0;
            uint256 v2 = NEG_DELTA_Y1;
            uint256 v3 = NEG_DELTA_Y0;
            assembly ("memory-safe") {
                mstore(add(tail, 0x1c0), v0)
                mstore(add(tail, 0x1e0), v1)
                mstore(add(tail, 0x200), v2)
                mstore(add(tail, 0x220), v3)
            }
        }
        uint256 result;
        assembly ("memory-safe") {
            ok := and(ok, staticcall(gas(), 0x08, m, add(tail, sub(0x240, m)), 0x00, 0x20))
            result := mload(0x00)
        }
        if (!ok) revert MalformedProof();
        return result == 1;
    }

    /// Checks e(A, B) · e(alpha, -beta) · e(vk_x, -gamma) · e(C, -delta) = 1 with
    /// vk_x = IC[0] + sum of input[i] · IC[i + 1].
    /// @dev Memory from the free pointer m (never allocated, only used until return):
    /// [m, m + 0x300) the pairing input, 4 × (G1, G2) — A, B, alpha, -beta, vk_x, -gamma,
    /// C, -delta — with vk_x accumulated in place at m + 0x180; [q, q + 0x80) scratch with
    /// q = m + 0x300. Precompile failures and inputs not below r are collected in `ok` and
    /// `inField` and turned into reverts before the pairing.
    function _verify(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256 signals,
        uint256 n
    ) private view returns (bool) {
        if (n != publicInputCount) revert WrongInputCount(publicInputCount, n);
        uint256 m;
        uint256 q;
        bool ok = true;
        bool inField = true;
        {
            uint256 x = IC0_X;
            uint256 y = IC0_Y;
            assembly ("memory-safe") {
                m := mload(0x40)
                q := add(m, 0x300)
                mstore(add(m, 0x180), x)
                mstore(add(m, 0x1a0), y)
            }
        }
        {
            uint256 px = IC1_X;
            uint256 py = IC1_Y;
            assembly ("memory-safe") {
                let s := calldataload(add(signals, 0x0))
                inField := and(inField, lt(s, R))
                mstore(q, px)
                mstore(add(q, 0x20), py)
                mstore(add(q, 0x40), s)
                ok := and(ok, staticcall(gas(), 0x07, q, 0x60, add(q, 0x40), 0x40))
                mstore(q, mload(add(m, 0x180)))
                mstore(add(q, 0x20), mload(add(m, 0x1a0)))
                ok := and(ok, staticcall(gas(), 0x06, q, 0x80, add(m, 0x180), 0x40))
            }
        }
        if (n > 1) {
            {
                uint256 px = IC2_X;
                uint256 py = IC2_Y;
                assembly ("memory-safe") {
                    let s := calldataload(add(signals, 0x20))
                    inField := and(inField, lt(s, R))
                    mstore(q, px)
                    mstore(add(q, 0x20), py)
                    mstore(add(q, 0x40), s)
                    ok := and(ok, staticcall(gas(), 0x07, q, 0x60, add(q, 0x40), 0x40))
                    mstore(q, mload(add(m, 0x180)))
                    mstore(add(q, 0x20), mload(add(m, 0x1a0)))
                    ok := and(ok, staticcall(gas(), 0x06, q, 0x80, add(m, 0x180), 0x40))
                }
            }
            if (n > 2) {
                {
                    uint256 px = IC3_X;
                    uint256 py = IC3_Y;
                    assembly ("memory-safe") {
                        let s := calldataload(add(signals, 0x40))
                        inField := and(inField, lt(s, R))
                        mstore(q, px)
                        mstore(add(q, 0x20), py)
                        mstore(add(q, 0x40), s)
                        ok := and(ok, staticcall(gas(), 0x07, q, 0x60, add(q, 0x40), 0x40))
                        mstore(q, mload(add(m, 0x180)))
                        mstore(add(q, 0x20), mload(add(m, 0x1a0)))
                        ok := and(ok, staticcall(gas(), 0x06, q, 0x80, add(m, 0x180), 0x40))
                    }
                }
                if (n > 3) {
                    {
                        uint256 px = IC4_X;
                        uint256 py = IC4_Y;
                        assembly ("memory-safe") {
                            let s := calldataload(add(signals, 0x60))
                            inField := and(inField, lt(s, R))
                            mstore(q, px)
                            mstore(add(q, 0x20), py)
                            mstore(add(q, 0x40), s)
                            ok := and(ok, staticcall(gas(), 0x07, q, 0x60, add(q, 0x40), 0x40))
                            mstore(q, mload(add(m, 0x180)))
                            mstore(add(q, 0x20), mload(add(m, 0x1a0)))
                            ok := and(ok, staticcall(gas(), 0x06, q, 0x80, add(m, 0x180), 0x40))
                        }
                    }
                    if (n > 4) {
                        {
                            uint256 px = IC5_X;
                            uint256 py = IC5_Y;
                            assembly ("memory-safe") {
                                let s := calldataload(add(signals, 0x80))
                                inField := and(inField, lt(s, R))
                                mstore(q, px)
                                mstore(add(q, 0x20), py)
                                mstore(add(q, 0x40), s)
                                ok := and(ok, staticcall(gas(), 0x07, q, 0x60, add(q, 0x40), 0x40))
                                mstore(q, mload(add(m, 0x180)))
                                mstore(add(q, 0x20), mload(add(m, 0x1a0)))
                                ok := and(ok, staticcall(gas(), 0x06, q, 0x80, add(m, 0x180), 0x40))
                            }
                        }
                        if (n > 5) {
                            {
                                uint256 px = IC6_X;
                                uint256 py = IC6_Y;
                                assembly ("memory-safe") {
                                    let s := calldataload(add(signals, 0xa0))
                                    inField := and(inField, lt(s, R))
                                    mstore(q, px)
                                    mstore(add(q, 0x20), py)
                                    mstore(add(q, 0x40), s)
                                    ok := and(ok, staticcall(gas(), 0x07, q, 0x60, add(q, 0x40), 0x40))
                                    mstore(q, mload(add(m, 0x180)))
                                    mstore(add(q, 0x20), mload(add(m, 0x1a0)))
                                    ok := and(ok, staticcall(gas(), 0x06, q, 0x80, add(m, 0x180), 0x40))
                                }
                            }
                            if (n > 6) {
                                {
                                    uint256 px = IC7_X;
                                    uint256 py = IC7_Y;
                                    assembly ("memory-safe") {
                                        let s := calldataload(add(signals, 0xc0))
                                        inField := and(inField, lt(s, R))
                                        mstore(q, px)
                                        mstore(add(q, 0x20), py)
                                        mstore(add(q, 0x40), s)
                                        ok := and(ok, staticcall(gas(), 0x07, q, 0x60, add(q, 0x40), 0x40))
                                        mstore(q, mload(add(m, 0x180)))
                                        mstore(add(q, 0x20), mload(add(m, 0x1a0)))
                                        ok := and(ok, staticcall(gas(), 0x06, q, 0x80, add(m, 0x180), 0x40))
                                    }
                                }
                                if (n > 7) {
                                    {
                                        uint256 px = IC8_X;
                                        uint256 py = IC8_Y;
                                        assembly ("memory-safe") {
                                            let s := calldataload(add(signals, 0xe0))
                                            inField := and(inField, lt(s, R))
                                            mstore(q, px)
                                            mstore(add(q, 0x20), py)
                                            mstore(add(q, 0x40), s)
                                            ok := and(ok, staticcall(gas(), 0x07, q, 0x60, add(q, 0x40), 0x40))
                                            mstore(q, mload(add(m, 0x180)))
                                            mstore(add(q, 0x20), mload(add(m, 0x1a0)))
                                            ok := and(ok, staticcall(gas(), 0x06, q, 0x80, add(m, 0x180), 0x40))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        assembly ("memory-safe") {
            ok := and(ok, inField)
        }
        if (!ok) _refuse(inField, signals, n);
        {
            uint256 v0 = ALPHA_X;
            uint256 v1 = ALPHA_Y;
            uint256 v2 = NEG_BETA_X1;
            uint256 v3 = NEG_BETA_X0;
            uint256 v4 = NEG_BETA_Y1;
            uint256 v5 = NEG_BETA_Y0;
            assembly ("memory-safe") {
                mstore(add(m, 0xc0), v0)
                mstore(add(m, 0xe0), v1)
                mstore(add(m, 0x100), v2)
                mstore(add(m, 0x120), v3)
                mstore(add(m, 0x140), v4)
                mstore(add(m, 0x160), v5)
            }
        }
        {
            uint256 v0 = NEG_GAMMA_X1;
            uint256 v1 = NEG_GAMMA_X0;
            uint256 v2 = NEG_GAMMA_Y1;
            uint256 v3 = NEG_GAMMA_Y0;
            uint256 v4 = NEG_DELTA_X1;
            uint256 v5 = NEG_DELTA_X0;
            uint256 v6 = NEG_DELTA_Y1;
            uint256 v7 = NEG_DELTA_Y0;
            assembly ("memory-safe") {
                mstore(add(m, 0x1c0), v0)
                mstore(add(m, 0x1e0), v1)
                mstore(add(m, 0x200), v2)
                mstore(add(m, 0x220), v3)
                mstore(add(m, 0x280), v4)
                mstore(add(m, 0x2a0), v5)
                mstore(add(m, 0x2c0), v6)
                mstore(add(m, 0x2e0), v7)
            }
        }
        uint256 result;
        assembly ("memory-safe") {
            calldatacopy(m, pA, 0x40)
            calldatacopy(add(m, 0x40), pB, 0x80)
            calldatacopy(add(m, 0x240), pC, 0x40)
            ok := staticcall(gas(), 0x08, m, 0x300, 0x00, 0x20)
            result := mload(0x00)
        }
        if (!ok) revert MalformedProof();
        return result == 1;
    }

    /// Reverts with InputNotInField(first such input) or, if every input is below r,
    /// MalformedProof (a precompile failed).
    function _refuse(bool inField, uint256 signals, uint256 n) private pure {
        if (inField) revert MalformedProof();
        for (uint256 i; i < n; ++i) {
            uint256 s;
            assembly {
                s := calldataload(add(signals, mul(i, 0x20)))
            }
            if (s >= R) revert InputNotInField(i);
        }
    }

    function _fq(uint256 v) private pure returns (uint256) {
        if (v >= Q) revert BadVerifyingKey();
        return v;
    }

    function _negFq(uint256 v) private pure returns (uint256) {
        return _fq(v) == 0 ? 0 : Q - v;
    }

    function _icCoordinate(uint256[2][] memory ic, uint256 i, uint256 c) private pure returns (uint256) {
        return i < ic.length ? _fq(ic[i][c]) : 0;
    }
}
