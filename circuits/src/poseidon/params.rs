//! circomlib's Poseidon parameters for widths 2 to 17.
//!
//! The source is the circomlibjs constants file (`constants.json`, copied verbatim from
//! circomlibjs 0.1.7). The build script (`circuits/build.rs`) turns its hex strings into a
//! binary table of little-endian integers; each width's parameters are made from the table
//! the first time that width is used (one Montgomery multiplication per constant, no text
//! parsing at start-up). The tests check the table against the JSON parsed independently.

use std::sync::OnceLock;

use ark_bn254::Fr;
use ark_ff::{BigInt, PrimeField};

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

impl Params {
    /// The parameters for hashing `count` inputs (width `count + 1`).
    ///
    /// # Errors
    /// [`ZkError::UnsupportedArity`] unless `1 <= count <= 16`.
    pub fn for_inputs(count: usize) -> Result<&'static Params, ZkError> {
        if !(1..=MAX_INPUTS).contains(&count) {
            return Err(ZkError::UnsupportedArity { count });
        }
        static PARAMS: [OnceLock<Params>; MAX_INPUTS] = [const { OnceLock::new() }; MAX_INPUTS];
        Ok(PARAMS[count - 1].get_or_init(|| load(count + 1)))
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

/// `circuits/build.rs`'s table: per width, round constants then the MDS matrix, each
/// value 32 bytes little-endian.
static TABLE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/poseidon_constants.bin"));

const VALUE_LEN: usize = 32;

/// Number of table values (round constants and MDS entries) of width `t`.
fn values_of_width(t: usize) -> usize {
    t * (FULL_ROUNDS + PARTIAL_ROUNDS[t - 2]) + t * t
}

/// The parameters of width `t` (2 ≤ t ≤ 17), read from [`TABLE`].
fn load(t: usize) -> Params {
    let offset: usize = (2..t).map(values_of_width).sum::<usize>() * VALUE_LEN;
    let partial_rounds = PARTIAL_ROUNDS[t - 2];
    let constants = t * (FULL_ROUNDS + partial_rounds);
    let mut values = TABLE[offset..offset + values_of_width(t) * VALUE_LEN]
        .chunks_exact(VALUE_LEN)
        .map(element);
    let round_constants = values.by_ref().take(constants).collect();
    let mds = (0..t).map(|_| values.by_ref().take(t).collect()).collect();
    Params {
        width: t,
        partial_rounds,
        round_constants,
        mds,
    }
}

fn element(bytes: &[u8]) -> Fr {
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
        *limb = u64::from_le_bytes(chunk.try_into().expect("chunks_exact(8) yields 8 bytes"));
    }
    Fr::from_bigint(BigInt::new(limbs))
        .expect("circomlibjs constants are below the field modulus (tested against the JSON)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigUint;

    /// The constants file, parsed with serde and `num-bigint`: the reference the binary
    /// table is checked against.
    #[derive(serde::Deserialize)]
    struct ConstantsFile {
        #[serde(rename = "C")]
        round_constants: Vec<Vec<String>>,
        #[serde(rename = "M")]
        mds: Vec<Vec<Vec<String>>>,
    }

    fn reference(text: &str) -> Fr {
        let digits = text.strip_prefix("0x").unwrap();
        let integer = BigUint::parse_bytes(digits.as_bytes(), 16).unwrap();
        assert!(integer < BigUint::from(Fr::MODULUS));
        // Through the decimal form, as `field::parse_decimal` reads user input.
        crate::field::parse_decimal("constant", &integer.to_string()).unwrap()
    }

    #[test]
    fn the_table_holds_exactly_the_json_constants() {
        let raw: ConstantsFile = serde_json::from_str(include_str!("constants.json")).unwrap();
        assert_eq!(raw.round_constants.len(), MAX_INPUTS);
        let total: usize = (2..=MAX_INPUTS + 1).map(values_of_width).sum();
        assert_eq!(TABLE.len(), total * VALUE_LEN, "no value more or less");
        for count in 1..=MAX_INPUTS {
            let params = Params::for_inputs(count).unwrap();
            assert_eq!(params.width(), count + 1);
            assert_eq!(params.partial_rounds(), PARTIAL_ROUNDS[count - 1]);
            let expected: Vec<Fr> = raw.round_constants[count - 1]
                .iter()
                .map(|c| reference(c))
                .collect();
            assert_eq!(expected.len(), params.width() * params.rounds());
            assert_eq!(
                params.round_constants,
                expected,
                "round constants of t = {}",
                count + 1
            );
            let expected: Vec<Vec<Fr>> = raw.mds[count - 1]
                .iter()
                .map(|row| row.iter().map(|c| reference(c)).collect())
                .collect();
            assert_eq!(
                params.mds(),
                expected.as_slice(),
                "MDS of t = {}",
                count + 1
            );
        }
    }
}
