//! The Groth16/BN254 verifier contract `ConclaveGroth16Verifier` and its calldata.
//!
//! Owns the committed artifacts (Solidity source, bytecode compiled by solc 0.8.30 with the
//! settings in `contracts/compile.mjs`, ABI), the constructor arguments that turn the one
//! bytecode into a verifier for a given key ([`VerifierKey`]), and the arguments of
//! `verifyProof` ([`ProofCalldata`]) in ABI form and in the text form printed by
//! `snarkjs zkey export soliditycalldata`, and those of `verifyBatch` ([`BatchCalldata`]).
//!
//! # Layout
//! G1 points are `[x, y]`, G2 points `[[x.c1, x.c0], [y.c1, y.c0]]` (the order of the
//! EVM's pairing precompile, EIP-197), every coordinate a big-endian `uint256`; the point
//! at infinity is all zeros. Public inputs are `uint256`s; the contract reverts unless
//! each is below the group order r.

use alloy::dyn_abi::DynSolValue;
use alloy::primitives::{keccak256, U256};
use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};

use crate::EthError;

/// The contract's Solidity source.
pub const SOURCE: &str = include_str!("../contracts/ConclaveGroth16Verifier.sol");
/// The contract's ABI (JSON), as solc printed it.
pub const ABI: &str = include_str!("../contracts/ConclaveGroth16Verifier.abi.json");
/// The creation bytecode (hex with `0x`), compiled from [`SOURCE`] by `contracts/compile.mjs`.
pub const BYTECODE_HEX: &str = include_str!("../contracts/ConclaveGroth16Verifier.bin");
/// The compiler that produced [`BYTECODE_HEX`].
pub const COMPILER: &str = "solc 0.8.30 (optimizer on, 10000 runs, EVM cancun)";
/// The largest number of public inputs a key may have (the contract's `MAX_PUBLIC_INPUTS`).
pub const MAX_PUBLIC_INPUTS: usize = 8;

/// The creation bytecode as bytes.
///
/// # Errors
/// [`EthError::Bytecode`] if the committed file is not hex (a broken build).
pub fn bytecode() -> Result<Vec<u8>, EthError> {
    decode_code(BYTECODE_HEX)
}

/// Decodes a committed `.bin` file (hex, `0x` optional, surrounding whitespace ignored).
pub(crate) fn decode_code(text: &str) -> Result<Vec<u8>, EthError> {
    let text = text.trim();
    hex::decode(text.strip_prefix("0x").unwrap_or(text)).map_err(EthError::Bytecode)
}

/// The first four bytes of the keccak256 of a function or error signature.
pub(crate) fn selector_of(signature: &str) -> [u8; 4] {
    let hash = keccak256(signature.as_bytes());
    [hash[0], hash[1], hash[2], hash[3]]
}

type G1Words = [U256; 2];
type G2Words = [[U256; 2]; 2];

fn fq(value: &Fq) -> U256 {
    U256::from_be_slice(&value.into_bigint().to_bytes_be())
}

fn fr(value: &Fr) -> U256 {
    U256::from_be_slice(&value.into_bigint().to_bytes_be())
}

fn g1(point: &G1Affine) -> G1Words {
    match point.xy() {
        Some((x, y)) => [fq(&x), fq(&y)],
        None => [U256::ZERO; 2],
    }
}

fn g2(point: &G2Affine) -> G2Words {
    let evm = |v: Fq2| [fq(&v.c1), fq(&v.c0)];
    match point.xy() {
        Some((x, y)) => [evm(x), evm(y)],
        None => [[U256::ZERO; 2]; 2],
    }
}

fn word(value: U256) -> DynSolValue {
    DynSolValue::Uint(value, 256)
}

fn pair(words: &[U256; 2]) -> DynSolValue {
    DynSolValue::FixedArray(words.iter().copied().map(word).collect())
}

fn pair_of_pairs(words: &G2Words) -> DynSolValue {
    DynSolValue::FixedArray(words.iter().map(pair).collect())
}

/// A verifying key as the contract's constructor takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierKey {
    alpha: G1Words,
    beta: G2Words,
    gamma: G2Words,
    delta: G2Words,
    ic: Vec<G1Words>,
}

impl VerifierKey {
    /// Converts an arkworks key (already validated: points on the curve, in the subgroup).
    ///
    /// # Errors
    /// [`EthError::UnsupportedInputCount`] outside 1 to [`MAX_PUBLIC_INPUTS`] public inputs.
    pub fn from_ark(key: &ark_groth16::VerifyingKey<Bn254>) -> Result<Self, EthError> {
        let inputs = key.gamma_abc_g1.len().saturating_sub(1);
        if !(1..=MAX_PUBLIC_INPUTS).contains(&inputs) {
            return Err(EthError::UnsupportedInputCount {
                found: inputs,
                max: MAX_PUBLIC_INPUTS,
            });
        }
        Ok(VerifierKey {
            alpha: g1(&key.alpha_g1),
            beta: g2(&key.beta_g2),
            gamma: g2(&key.gamma_g2),
            delta: g2(&key.delta_g2),
            ic: key.gamma_abc_g1.iter().map(g1).collect(),
        })
    }

    /// The number of public inputs.
    pub fn public_input_count(&self) -> usize {
        self.ic.len() - 1
    }

    /// The ABI-encoded constructor arguments
    /// `(uint256[2] alpha, uint256[2][2] beta, uint256[2][2] gamma, uint256[2][2] delta, uint256[2][] ic)`.
    pub fn constructor_args(&self) -> Vec<u8> {
        DynSolValue::Tuple(vec![
            pair(&self.alpha),
            pair_of_pairs(&self.beta),
            pair_of_pairs(&self.gamma),
            pair_of_pairs(&self.delta),
            DynSolValue::Array(self.ic.iter().map(pair).collect()),
        ])
        .abi_encode_params()
    }

    /// The deployment transaction's data: the bytecode followed by the constructor arguments.
    ///
    /// # Errors
    /// [`EthError::Bytecode`] if the embedded bytecode is broken.
    pub fn deploy_code(&self) -> Result<Vec<u8>, EthError> {
        let mut code = bytecode()?;
        code.extend_from_slice(&self.constructor_args());
        Ok(code)
    }
}

/// The arguments of `verifyProof(uint[2] _pA, uint[2][2] _pB, uint[2] _pC, uint[N] _pubSignals)`.
///
/// Values are kept as given (`uint256`, not reduced), so that calldata from elsewhere can
/// be passed on unchanged and the contract's own checks decide.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProofCalldata {
    /// `_pA`: the proof's A.
    pub a: G1Words,
    /// `_pB`: the proof's B, EVM order.
    pub b: G2Words,
    /// `_pC`: the proof's C.
    pub c: G1Words,
    /// `_pubSignals`.
    pub inputs: Vec<U256>,
}

impl ProofCalldata {
    /// The calldata for an arkworks proof and its public inputs.
    pub fn from_ark(proof: &ark_groth16::Proof<Bn254>, inputs: &[Fr]) -> Self {
        ProofCalldata {
            a: g1(&proof.a),
            b: g2(&proof.b),
            c: g1(&proof.c),
            inputs: inputs.iter().map(fr).collect(),
        }
    }

    /// The function selector of `verifyProof` for `n` public inputs.
    pub fn selector(n: usize) -> [u8; 4] {
        selector_of(&format!(
            "verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[{n}])"
        ))
    }

    /// The proof as the eight words `[A.x, A.y, B.x1, B.x0, B.y1, B.y0, C.x, C.y]` that
    /// `verifyBatch` and the registry's `submit` take.
    pub fn proof_words(&self) -> [U256; 8] {
        [
            self.a[0],
            self.a[1],
            self.b[0][0],
            self.b[0][1],
            self.b[1][0],
            self.b[1][1],
            self.c[0],
            self.c[1],
        ]
    }

    /// [`Self::proof_words`] as an ABI `uint256[8]`.
    pub(crate) fn proof_value(&self) -> DynSolValue {
        DynSolValue::FixedArray(self.proof_words().into_iter().map(word).collect())
    }

    /// The transaction data of the call: selector, then the arguments (all static words).
    pub fn encode(&self) -> Vec<u8> {
        let mut data = Self::selector(self.inputs.len()).to_vec();
        data.extend_from_slice(
            &DynSolValue::Tuple(vec![
                pair(&self.a),
                pair_of_pairs(&self.b),
                pair(&self.c),
                DynSolValue::FixedArray(self.inputs.iter().copied().map(word).collect()),
            ])
            .abi_encode_params(),
        );
        data
    }

    /// The text `snarkjs zkey export soliditycalldata` prints (without its final newline):
    /// `["0x…", "0x…"],[["0x…", "0x…"],["0x…", "0x…"]],["0x…", "0x…"],["0x…","0x…"]`.
    pub fn to_snarkjs(&self) -> String {
        let h = |v: &U256| format!("\"0x{v:064x}\"");
        let g1 = |p: &G1Words| format!("[{}, {}]", h(&p[0]), h(&p[1]));
        let inputs: Vec<String> = self.inputs.iter().map(h).collect();
        format!(
            "{},[{},{}],{},[{}]",
            g1(&self.a),
            g1(&self.b[0]),
            g1(&self.b[1]),
            g1(&self.c),
            inputs.join(",")
        )
    }

    /// Parses the text of `snarkjs zkey export soliditycalldata` (or [`Self::to_snarkjs`]).
    ///
    /// # Errors
    /// [`EthError::Malformed`] unless it is four JSON arrays of the right shapes holding
    /// `0x`-prefixed hex or decimal numbers below 2²⁵⁶, with 1 to [`MAX_PUBLIC_INPUTS`] inputs.
    pub fn parse_snarkjs(text: &str) -> Result<Self, EthError> {
        let malformed = |reason: &str| EthError::Malformed {
            what: "snarkjs calldata",
            reason: reason.to_owned(),
        };
        let value: serde_json::Value = serde_json::from_str(&format!("[{}]", text.trim()))
            .map_err(|e| malformed(&format!("not four comma-separated JSON arrays ({e})")))?;
        let parts = value
            .as_array()
            .filter(|parts| parts.len() == 4)
            .ok_or_else(|| malformed("expected four arrays: pA, pB, pC, public signals"))?;
        let number = |v: &serde_json::Value| -> Result<U256, EthError> {
            let text = v
                .as_str()
                .ok_or_else(|| malformed("every value must be a quoted number"))?;
            let parsed = match text.strip_prefix("0x") {
                Some(digits) => U256::from_str_radix(digits, 16),
                None => U256::from_str_radix(text, 10),
            };
            parsed.map_err(|_| malformed(&format!("{text:?} is not a number below 2^256")))
        };
        let list = |v: &serde_json::Value, len: Option<usize>| -> Result<Vec<U256>, EthError> {
            let items = v.as_array().ok_or_else(|| malformed("expected an array"))?;
            if len.is_some_and(|len| items.len() != len) {
                return Err(malformed("a point has the wrong number of coordinates"));
            }
            items.iter().map(number).collect()
        };
        let g1 = |v: &serde_json::Value| -> Result<G1Words, EthError> {
            let words = list(v, Some(2))?;
            Ok([words[0], words[1]])
        };
        let b = parts[1]
            .as_array()
            .filter(|rows| rows.len() == 2)
            .ok_or_else(|| malformed("pB must be [[x1, x0], [y1, y0]]"))?;
        let inputs = list(&parts[3], None)?;
        if !(1..=MAX_PUBLIC_INPUTS).contains(&inputs.len()) {
            return Err(EthError::UnsupportedInputCount {
                found: inputs.len(),
                max: MAX_PUBLIC_INPUTS,
            });
        }
        Ok(ProofCalldata {
            a: g1(&parts[0])?,
            b: [g1(&b[0])?, g1(&b[1])?],
            c: g1(&parts[2])?,
            inputs,
        })
    }
}

/// The arguments of `verifyBatch(uint256[8][] proofs, uint256[] pubSignals)`: k ≥ 1
/// proofs with the same number of public inputs, checked by the contract with k + 3
/// pairings.
///
/// # Layout
/// Selector `verifyBatch(uint256[8][],uint256[])`, then the two dynamic arrays in ABI
/// form: `proofs[i]` is [`ProofCalldata::proof_words`] of proof i; `pubSignals` holds the
/// k × N inputs proof after proof (input j of proof i at `i·N + j`), unreduced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchCalldata {
    proofs: Vec<ProofCalldata>,
}

impl BatchCalldata {
    /// The function's signature.
    pub const SIGNATURE: &'static str = "verifyBatch(uint256[8][],uint256[])";

    /// A batch of `proofs`.
    ///
    /// # Errors
    /// [`EthError::EmptyBatch`] for no proof, [`EthError::MixedInputCounts`] when the
    /// proofs have different numbers of public inputs (they cannot share a key).
    pub fn new(proofs: Vec<ProofCalldata>) -> Result<Self, EthError> {
        let first = proofs.first().ok_or(EthError::EmptyBatch)?.inputs.len();
        if let Some((index, proof)) = proofs
            .iter()
            .enumerate()
            .find(|(_, proof)| proof.inputs.len() != first)
        {
            return Err(EthError::MixedInputCounts {
                index,
                expected: first,
                found: proof.inputs.len(),
            });
        }
        Ok(BatchCalldata { proofs })
    }

    /// The proofs, in order.
    pub fn proofs(&self) -> &[ProofCalldata] {
        &self.proofs
    }

    /// The function selector of `verifyBatch`.
    pub fn selector() -> [u8; 4] {
        selector_of(Self::SIGNATURE)
    }

    /// The two arguments as text in the style of `snarkjs zkey export soliditycalldata`
    /// (quoted `0x` hex words, what Remix or `cast` take):
    /// `[["0x…",…8 words],…],["0x…",…k·N inputs]`.
    pub fn to_text(&self) -> String {
        let h = |v: &U256| format!("\"0x{v:064x}\"");
        let proofs: Vec<String> = self
            .proofs
            .iter()
            .map(|proof| {
                let words: Vec<String> = proof.proof_words().iter().map(h).collect();
                format!("[{}]", words.join(","))
            })
            .collect();
        let inputs: Vec<String> = self
            .proofs
            .iter()
            .flat_map(|proof| proof.inputs.iter().map(h))
            .collect();
        format!("[{}],[{}]", proofs.join(","), inputs.join(","))
    }

    /// The transaction data of the call (see the type's `# Layout`).
    pub fn encode(&self) -> Vec<u8> {
        let mut data = Self::selector().to_vec();
        data.extend_from_slice(
            &DynSolValue::Tuple(vec![
                DynSolValue::Array(self.proofs.iter().map(ProofCalldata::proof_value).collect()),
                DynSolValue::Array(
                    self.proofs
                        .iter()
                        .flat_map(|proof| proof.inputs.iter().copied().map(word))
                        .collect(),
                ),
            ])
            .abi_encode_params(),
        );
        data
    }
}

/// The order r of BN254's groups, as a `uint256`.
pub fn group_order() -> U256 {
    U256::from_be_slice(&Fr::MODULUS.to_bytes_be())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn selector_matches_snarkjs_verifier() {
        // cast sig "verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[1])"
        assert_eq!(hex::encode(ProofCalldata::selector(1)), "43753b4d");
        // ... and for two public inputs.
        assert_eq!(hex::encode(ProofCalldata::selector(2)), "f5c9d69e");
    }

    fn sample() -> ProofCalldata {
        let w = |n: u64| U256::from(n);
        ProofCalldata {
            a: [w(1), w(2)],
            b: [[w(3), w(4)], [w(5), w(6)]],
            c: [w(7), w(8)],
            inputs: vec![w(9), group_order()],
        }
    }

    #[test]
    fn calldata_is_selector_then_static_words() {
        let data = sample().encode();
        assert_eq!(data.len(), 4 + 32 * 10);
        assert_eq!(&data[..4], &ProofCalldata::selector(2));
        for (i, expected) in (1u8..=9).enumerate() {
            let at = 4 + 32 * i;
            assert!(data[at..at + 31].iter().all(|b| *b == 0));
            assert_eq!(data[at + 31], expected);
        }
        assert_eq!(
            U256::from_be_slice(&data[4 + 32 * 9..]),
            group_order(),
            "inputs are passed on unreduced"
        );
    }

    #[test]
    fn snarkjs_text_round_trips_and_has_snarkjs_spacing() {
        let sample = sample();
        let text = sample.to_snarkjs();
        let zero = "0".repeat(63);
        assert!(text.starts_with(&format!("[\"0x{zero}1\", \"0x{zero}2\"],[[\"0x{zero}3\", ")));
        assert!(text.contains(&format!("\"],[\"0x{zero}9\",\"0x30644e72")));
        assert_eq!(ProofCalldata::parse_snarkjs(&text).unwrap(), sample);
        // Decimal values are accepted too.
        let decimal =
            ProofCalldata::parse_snarkjs(r#"["1","2"],[["3","4"],["5","6"]],["7","8"],["9"]"#)
                .unwrap();
        assert_eq!(decimal.inputs, vec![U256::from(9u8)]);
    }

    #[test]
    fn snarkjs_text_probes_are_refused() {
        for bad in [
            "",
            r#"["1","2"],[["3","4"],["5","6"]],["7","8"]"#,
            r#"["1"],[["3","4"],["5","6"]],["7","8"],["9"]"#,
            r#"["1","2"],[["3","4"]],["7","8"],["9"]"#,
            r#"["1","2"],[["3","4"],["5","6"]],["7","8"],[]"#,
            r#"["1","2"],[["3","4"],["5","6"]],["7","8"],[9]"#,
            r#"["1","2"],[["3","4"],["5","6"]],["7","8"],["0xzz"]"#,
            r#"["1","2"],[["3","4"],["5","6"]],["7","8"],["1","2","3","4","5","6","7","8","9"]"#,
            "[\"1\",\"2\"],[[\"3\",\"4\"],[\"5\",\"6\"]],[\"7\",\"8\"],[\"0x1\"] trailing",
        ] {
            assert!(ProofCalldata::parse_snarkjs(bad).is_err(), "{bad:?}");
        }
        let too_big = format!(
            r#"["1","2"],[["3","4"],["5","6"]],["7","8"],["0x1{}"]"#,
            "0".repeat(64)
        );
        assert!(ProofCalldata::parse_snarkjs(&too_big).is_err());
    }

    #[test]
    fn constructor_args_follow_the_abi_layout() {
        let w = |n: u64| U256::from(n);
        let key = VerifierKey {
            alpha: [w(1), w(2)],
            beta: [[w(3), w(4)], [w(5), w(6)]],
            gamma: [[w(7), w(8)], [w(9), w(10)]],
            delta: [[w(11), w(12)], [w(13), w(14)]],
            ic: vec![[w(15), w(16)], [w(17), w(18)]],
        };
        let args = key.constructor_args();
        let words: Vec<U256> = args.chunks(32).map(U256::from_be_slice).collect();
        // 14 static words in order, then the offset of `ic` (15 head words = 0x1e0), its
        // length, and its points.
        let expected: Vec<U256> = (1..=14)
            .map(w)
            .chain([w(0x1e0), w(2)])
            .chain((15..=18).map(w))
            .collect();
        assert_eq!(words, expected);
        assert_eq!(key.public_input_count(), 1);
        let code = key.deploy_code().unwrap();
        assert_eq!(&code[code.len() - args.len()..], &args[..]);
    }

    #[test]
    fn keys_outside_one_to_eight_inputs_are_refused() {
        let g1 = G1Affine::generator();
        let g2 = G2Affine::generator();
        let key = |ic: usize| ark_groth16::VerifyingKey::<Bn254> {
            alpha_g1: g1,
            beta_g2: g2,
            gamma_g2: g2,
            delta_g2: g2,
            gamma_abc_g1: vec![g1; ic],
        };
        assert!(VerifierKey::from_ark(&key(1)).is_err(), "no public input");
        assert!(VerifierKey::from_ark(&key(10)).is_err(), "9 public inputs");
        let nine = VerifierKey::from_ark(&key(9)).unwrap();
        assert_eq!(nine.public_input_count(), 8);
        // G2 in EVM order: x = (c1, c0).
        let (x, _) = g2.xy().unwrap();
        assert_eq!(nine.beta[0], [fq(&x.c1), fq(&x.c0)]);
    }

    #[test]
    fn group_order_is_r() {
        assert_eq!(
            group_order().to_string(),
            "21888242871839275222246405745257275088548364400416034343698204186575808495617"
        );
    }

    #[test]
    fn batch_calldata_follows_the_abi_layout() {
        let mut second = sample();
        second.inputs = vec![U256::from(10u8), U256::from(11u8)];
        let batch = BatchCalldata::new(vec![sample(), second]).unwrap();
        let data = batch.encode();
        // cast sig "verifyBatch(uint256[8][],uint256[])"
        assert_eq!(&data[..4], &BatchCalldata::selector());
        let words: Vec<U256> = data[4..].chunks(32).map(U256::from_be_slice).collect();
        let w = |n: u64| U256::from(n);
        // Two offsets, then proofs (length 2, 16 words), then pubSignals (length 4).
        let mut expected = vec![w(0x40), w(0x40 + 0x20 + 2 * 0x100), w(2)];
        expected.extend((1..=8).map(w));
        expected.extend((1..=8).map(w));
        expected.extend([w(4), w(9), group_order(), w(10), w(11)]);
        assert_eq!(words, expected);

        let text: serde_json::Value =
            serde_json::from_str(&format!("[{}]", batch.to_text())).unwrap();
        assert_eq!(text[0].as_array().unwrap().len(), 2);
        assert_eq!(text[0][1][7], format!("0x{:064x}", 8));
        assert_eq!(text[1].as_array().unwrap().len(), 4);
        assert_eq!(text[1][3], format!("0x{:064x}", 11));

        assert!(matches!(
            BatchCalldata::new(vec![]),
            Err(EthError::EmptyBatch)
        ));
        let mut short = sample();
        short.inputs.pop();
        assert!(matches!(
            BatchCalldata::new(vec![sample(), sample(), short]),
            Err(EthError::MixedInputCounts {
                index: 2,
                expected: 2,
                found: 1
            })
        ));
    }

    #[test]
    fn embedded_bytecode_decodes() {
        let code = bytecode().unwrap();
        assert!(code.len() > 1000);
        assert!(SOURCE.contains("contract ConclaveGroth16Verifier"));
        let abi: serde_json::Value = serde_json::from_str(ABI).unwrap();
        let overloads = abi
            .as_array()
            .unwrap()
            .iter()
            .filter(|item| item["name"] == "verifyProof")
            .count();
        assert_eq!(overloads, MAX_PUBLIC_INPUTS);
    }
}
