//! circomlib's Poseidon parameters for widths 2 to 17, parsed once from the embedded
//! circomlibjs constants file (`constants.json`, copied verbatim from circomlibjs 0.1.7).

use std::sync::OnceLock;

use ark_bn254::Fr;
use ark_ff::PrimeField;
use num_bigint::BigUint;

use crate::ZkError;

/// Number of full rounds (half before, half after the partial rounds).
pub const FULL_ROUNDS: usize = 8;
/// Largest number of inputs circomlib defines parameters for.
pub const MAX_INPUTS: usize = 16;
/// Partial rounds for widths t = 2..=17 (circomlib `N_ROUNDS_P`).
const PARTIAL_ROUNDS: [usize; MAX_INPUTS] = [
    56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68,
];

/// Round constants and MDS matrix for one width.
pub struct Params {
    width: usize,
    partial_rounds: usize,
    round_constants: Vec<Fr>,
    mds: Vec<Vec<Fr>>,
}

#[derive(serde::Deserialize)]
struct ConstantsFile {
    #[serde(rename = "C")]
    round_constants: Vec<Vec<String>>,
    #[serde(rename = "M")]
    mds: Vec<Vec<Vec<String>>>,
}

impl Params {
    /// The parameters for hashing `count` inputs (width `count + 1`).
    ///
    /// # Errors
    /// [`ZkError::UnsupportedArity`] unless `1 <= count <= 16`.
    pub fn for_inputs(count: usize) -> Result<&'static Params, ZkError> {
        if !(1..=MAX_INPUTS).contains(&count) {
            return Err(ZkError::UnsupportedArity { count });
        }
        Ok(&all()[count - 1])
    }

    /// State width t.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Total number of rounds (full + partial).
    pub fn rounds(&self) -> usize {
        FULL_ROUNDS + self.partial_rounds
    }

    /// Number of partial rounds.
    pub fn partial_rounds(&self) -> usize {
        self.partial_rounds
    }

    /// Whether `round` applies the S-box to every element (else only to the first).
    pub fn is_full_round(&self, round: usize) -> bool {
        round < FULL_ROUNDS / 2 || round >= FULL_ROUNDS / 2 + self.partial_rounds
    }

    /// The `width` constants added at the start of `round`.
    pub fn round_constants(&self, round: usize) -> &[Fr] {
        &self.round_constants[round * self.width..(round + 1) * self.width]
    }

    /// The MDS matrix, row by row.
    pub fn mds(&self) -> &[Vec<Fr>] {
        &self.mds
    }

    /// Multiplies the state by the MDS matrix.
    pub fn mix(&self, state: &[Fr]) -> Vec<Fr> {
        self.mds
            .iter()
            .map(|row| row.iter().zip(state).map(|(m, s)| *m * s).sum())
            .collect()
    }
}

fn all() -> &'static [Params] {
    static PARAMS: OnceLock<Vec<Params>> = OnceLock::new();
    PARAMS.get_or_init(|| {
        let file: ConstantsFile = serde_json::from_str(include_str!("constants.json"))
            .expect("embedded circomlibjs constants are valid JSON (tested)");
        file.round_constants
            .iter()
            .zip(&file.mds)
            .zip(PARTIAL_ROUNDS)
            .map(|((constants, mds), partial_rounds)| Params {
                width: mds.len(),
                partial_rounds,
                round_constants: constants.iter().map(|c| parse_hex(c)).collect(),
                mds: mds
                    .iter()
                    .map(|row| row.iter().map(|c| parse_hex(c)).collect())
                    .collect(),
            })
            .collect()
    })
}

fn parse_hex(text: &str) -> Fr {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    let integer = BigUint::parse_bytes(digits.as_bytes(), 16)
        .expect("embedded circomlibjs constants are hex integers (tested)");
    debug_assert!(integer < BigUint::from(Fr::MODULUS));
    Fr::from(integer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_width_has_consistent_parameters() {
        for count in 1..=MAX_INPUTS {
            let params = Params::for_inputs(count).unwrap();
            assert_eq!(params.width(), count + 1);
            assert_eq!(
                params.round_constants.len(),
                params.width() * params.rounds()
            );
            assert!(params.mds().iter().all(|row| row.len() == params.width()));
            let modulus = BigUint::from(Fr::MODULUS);
            let raw: ConstantsFile = serde_json::from_str(include_str!("constants.json")).unwrap();
            for text in &raw.round_constants[count - 1] {
                let digits = text.strip_prefix("0x").unwrap();
                assert!(BigUint::parse_bytes(digits.as_bytes(), 16).unwrap() < modulus);
            }
        }
    }
}
