//! Range statements and their Bulletproofs: single, aggregated and interval proofs.
//!
//! Proving and verifying are the `bulletproofs` crate's `RangeProof::prove_multiple_with_rng`
//! and `verify_multiple_with_rng` (Bünz et al., "Bulletproofs", IEEE S&P 2018, §4.1–4.3:
//! aggregated logarithmic range proofs), run on a merlin transcript that starts with
//! [`TRANSCRIPT_LABEL`](super::TRANSCRIPT_LABEL) and the statement's canonical bytes.
//!
//! # Intervals that are not powers of two
//! `min ≤ v ≤ max` is proved as an aggregated proof (m = 2) that both
//! `v − min` (commitment `C − min·B`, blinding `r`) and `max − v` (commitment `max·B − C`,
//! blinding `−r`) lie in `[0, 2^n)`. Sound because `2^(n+1) ≤ 2^65` is far below the group
//! order ℓ ≈ 2^252: the two non-negative parts add up to `max − min` exactly, not modulo ℓ.
//! `n` defaults to the smallest supported size with `max − min < 2^n`. The verifier derives
//! both commitments from `C`, `min` and `max` itself, so only `C` travels in the file.

use std::fmt;

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::encoding::{
    base64_decode, base64_encode, check_json_header, decode_point, decode_scalar, looks_like_json,
    parse_json, Reader, FORMAT_VERSION, KIND_PROOF, TAG_PROOF,
};
use super::error::RangeError;
use super::generators::{statement_transcript, Generators, MAX_AGGREGATION};
use super::pedersen::{Commitment, Opening};

/// Largest binary proof file any decoder accepts (the largest legal one is 3,109 bytes).
pub const MAX_PROOF_BYTES: usize = 8192;

/// A supported range size: values are proved to lie in `[0, 2^bits)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BitSize(u8);

impl BitSize {
    /// 8 bits.
    pub const B8: BitSize = BitSize(8);
    /// 16 bits.
    pub const B16: BitSize = BitSize(16);
    /// 32 bits.
    pub const B32: BitSize = BitSize(32);
    /// 64 bits.
    pub const B64: BitSize = BitSize(64);
    /// Every supported size, smallest first.
    pub const ALL: [BitSize; 4] = [Self::B8, Self::B16, Self::B32, Self::B64];

    /// Validates a bit size.
    ///
    /// # Errors
    /// [`RangeError::UnsupportedBitSize`] unless `bits` is 8, 16, 32 or 64.
    pub fn new(bits: u32) -> Result<Self, RangeError> {
        Self::ALL
            .into_iter()
            .find(|b| u32::from(b.0) == bits)
            .ok_or(RangeError::UnsupportedBitSize { bits })
    }

    /// The number of bits.
    pub fn get(self) -> u32 {
        u32::from(self.0)
    }

    fn as_usize(self) -> usize {
        usize::from(self.0)
    }

    /// Whether `value < 2^bits`.
    pub fn fits(self, value: u64) -> bool {
        self.0 == 64 || value >> self.0 == 0
    }

    /// The smallest supported size that holds `width`.
    pub fn for_width(width: u64) -> BitSize {
        Self::ALL
            .into_iter()
            .find(|b| b.fits(width))
            .unwrap_or(Self::B64)
    }
}

/// What a range proof claims.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Statement {
    /// Every committed value lies in `[0, 2^bits)` (one proof aggregates all of them).
    Bits {
        /// The range size.
        bits: BitSize,
        /// The commitments; their number is a power of two up to 64.
        commitments: Vec<Commitment>,
    },
    /// The committed value lies in `[min, max]` (see the module docs for the encoding).
    Interval {
        /// The size of the two derived ranges.
        bits: BitSize,
        /// Lower bound, inclusive.
        min: u64,
        /// Upper bound, inclusive.
        max: u64,
        /// The commitment to the value.
        commitment: Commitment,
    },
}

const STATEMENT_BITS: u8 = 0;
const STATEMENT_INTERVAL: u8 = 1;

impl Statement {
    /// The range size of the underlying Bulletproof.
    pub fn bits(&self) -> BitSize {
        match self {
            Statement::Bits { bits, .. } | Statement::Interval { bits, .. } => *bits,
        }
    }

    /// How many values the underlying Bulletproof aggregates (`m`).
    pub fn aggregation(&self) -> usize {
        match self {
            Statement::Bits { commitments, .. } => commitments.len(),
            Statement::Interval { .. } => 2,
        }
    }

    /// The user-facing commitments the statement is about.
    pub fn commitments(&self) -> Vec<Commitment> {
        match self {
            Statement::Bits { commitments, .. } => commitments.clone(),
            Statement::Interval { commitment, .. } => vec![*commitment],
        }
    }

    /// The commitments `V_j` the Bulletproof is checked against.
    pub fn value_commitments(&self) -> Vec<CompressedRistretto> {
        match self {
            Statement::Bits { commitments, .. } => {
                commitments.iter().map(|c| *c.as_compressed()).collect()
            }
            Statement::Interval {
                min,
                max,
                commitment,
                ..
            } => vec![
                *commitment.minus_value(*min).as_compressed(),
                *commitment.subtracted_from_value(*max).as_compressed(),
            ],
        }
    }

    /// The points of [`Statement::value_commitments`], without a decompression.
    pub(crate) fn value_points(&self) -> Vec<RistrettoPoint> {
        match self {
            Statement::Bits { commitments, .. } => {
                commitments.iter().map(|c| *c.as_point()).collect()
            }
            Statement::Interval {
                min,
                max,
                commitment,
                ..
            } => vec![
                *commitment.minus_value(*min).as_point(),
                *commitment.subtracted_from_value(*max).as_point(),
            ],
        }
    }

    /// Checks the shape: aggregation size a power of two up to 64, `min ≤ max`.
    ///
    /// # Errors
    /// [`RangeError::BadAggregationSize`] or [`RangeError::EmptyInterval`].
    pub fn validate(&self) -> Result<(), RangeError> {
        match self {
            Statement::Bits { commitments, .. } => check_aggregation(commitments.len()),
            Statement::Interval { min, max, .. } if min > max => Err(RangeError::EmptyInterval {
                min: *min,
                max: *max,
            }),
            Statement::Interval { .. } => Ok(()),
        }
    }

    /// Canonical bytes: the head of the binary proof file, and what the transcript absorbs.
    ///
    /// # Layout
    /// `version: u8 = 1 | tag: u8 = 3 | type: u8 | bits: u8 |` then for type 0 (bits)
    /// `count: u8 | count × commitment [u8; 32]`, for type 1 (interval)
    /// `min: u64 LE | max: u64 LE | commitment [u8; 32]`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![FORMAT_VERSION, TAG_PROOF];
        match self {
            Statement::Bits { bits, commitments } => {
                out.extend_from_slice(&[STATEMENT_BITS, bits.0]);
                // validate() bounds the count by 64, so it fits in a byte.
                out.push(commitments.len() as u8);
                for c in commitments {
                    out.extend_from_slice(c.as_compressed().as_bytes());
                }
            }
            Statement::Interval {
                bits,
                min,
                max,
                commitment,
            } => {
                out.extend_from_slice(&[STATEMENT_INTERVAL, bits.0]);
                out.extend_from_slice(&min.to_le_bytes());
                out.extend_from_slice(&max.to_le_bytes());
                out.extend_from_slice(commitment.as_compressed().as_bytes());
            }
        }
        out
    }

    fn read(reader: &mut Reader<'_>) -> Result<Self, RangeError> {
        reader.header(TAG_PROOF)?;
        let kind = reader.u8()?;
        let bits = BitSize::new(u32::from(reader.u8()?))?;
        let statement = match kind {
            STATEMENT_BITS => {
                let count = usize::from(reader.u8()?);
                check_aggregation(count)?;
                let commitments = (0..count)
                    .map(|_| Commitment::from_compressed_bytes(reader.array32()?))
                    .collect::<Result<Vec<_>, _>>()?;
                Statement::Bits { bits, commitments }
            }
            STATEMENT_INTERVAL => {
                let min = reader.u64()?;
                let max = reader.u64()?;
                let commitment = Commitment::from_compressed_bytes(reader.array32()?)?;
                Statement::Interval {
                    bits,
                    min,
                    max,
                    commitment,
                }
            }
            _ => {
                return Err(RangeError::BadField {
                    field: "statement type",
                    problem: "expected 0 (bits) or 1 (interval)",
                })
            }
        };
        statement.validate()?;
        Ok(statement)
    }
}

fn check_aggregation(count: usize) -> Result<(), RangeError> {
    if count == 0 || count > MAX_AGGREGATION || !count.is_power_of_two() {
        return Err(RangeError::BadAggregationSize {
            count,
            max: MAX_AGGREGATION,
        });
    }
    Ok(())
}

/// Length in bytes of the crate's proof for `bits × count` values: `(9 + 2·log2(n·m))·32`.
pub fn proof_length(bits: BitSize, count: usize) -> usize {
    let lg = (bits.as_usize() * count).trailing_zeros() as usize;
    (9 + 2 * lg) * 32
}

/// The decoded, validated elements of a proof (for the batch verifier).
#[derive(Clone)]
pub(crate) struct ProofParts {
    pub(crate) a: (CompressedRistretto, RistrettoPoint),
    pub(crate) s: (CompressedRistretto, RistrettoPoint),
    pub(crate) t_1: (CompressedRistretto, RistrettoPoint),
    pub(crate) t_2: (CompressedRistretto, RistrettoPoint),
    pub(crate) t_x: Scalar,
    pub(crate) t_x_blinding: Scalar,
    pub(crate) e_blinding: Scalar,
    pub(crate) l_vec: Vec<(CompressedRistretto, RistrettoPoint)>,
    pub(crate) r_vec: Vec<(CompressedRistretto, RistrettoPoint)>,
    pub(crate) ipp_a: Scalar,
    pub(crate) ipp_b: Scalar,
}

impl ProofParts {
    /// Parses the crate's layout (`RangeProof::to_bytes`): A, S, T_1, T_2, t_x, t̃_x, ẽ,
    /// then L_0, R_0, …, L_{k−1}, R_{k−1}, a, b — every point canonical, every scalar reduced.
    fn parse(bytes: &[u8]) -> Result<Self, RangeError> {
        let mut r = Reader::new(bytes, "range proof", MAX_PROOF_BYTES)?;
        let a = decode_point(r.array32()?, "proof point A")?;
        let s = decode_point(r.array32()?, "proof point S")?;
        let t_1 = decode_point(r.array32()?, "proof point T_1")?;
        let t_2 = decode_point(r.array32()?, "proof point T_2")?;
        let t_x = decode_scalar(r.array32()?, "proof scalar t_x")?;
        let t_x_blinding = decode_scalar(r.array32()?, "proof scalar t_x_blinding")?;
        let e_blinding = decode_scalar(r.array32()?, "proof scalar e_blinding")?;
        // The caller checked the total length, so (len − 9·32) / 64 pairs remain.
        let rounds = (bytes.len() / 32 - 9) / 2;
        let mut l_vec = Vec::with_capacity(rounds);
        let mut r_vec = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            l_vec.push(decode_point(r.array32()?, "proof point L")?);
            r_vec.push(decode_point(r.array32()?, "proof point R")?);
        }
        let ipp_a = decode_scalar(r.array32()?, "proof scalar a")?;
        let ipp_b = decode_scalar(r.array32()?, "proof scalar b")?;
        r.finish()?;
        Ok(ProofParts {
            a,
            s,
            t_1,
            t_2,
            t_x,
            t_x_blinding,
            e_blinding,
            l_vec,
            r_vec,
            ipp_a,
            ipp_b,
        })
    }
}

/// A range proof together with the statement it proves.
#[derive(Clone)]
pub struct RangeProof {
    statement: Statement,
    statement_bytes: Vec<u8>,
    proof_bytes: Vec<u8>,
    inner: bulletproofs::RangeProof,
    pub(crate) parts: ProofParts,
}

impl fmt::Debug for RangeProof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RangeProof")
            .field("statement", &self.statement)
            .field("proof_len", &self.proof_bytes.len())
            .finish()
    }
}

impl PartialEq for RangeProof {
    fn eq(&self, other: &Self) -> bool {
        self.statement_bytes == other.statement_bytes && self.proof_bytes == other.proof_bytes
    }
}

impl Eq for RangeProof {}

impl RangeProof {
    /// Proves that every opened value lies in `[0, 2^bits)`, aggregating all of them into one
    /// proof (a single proof when there is one opening).
    ///
    /// # Errors
    /// [`RangeError::BadAggregationSize`] unless the count is a power of two up to 64,
    /// [`RangeError::GeneratorCapacity`], [`RangeError::ValueTooLarge`] for a value that
    /// does not fit.
    pub fn prove_bits<R: RngCore + CryptoRng>(
        gens: &Generators,
        openings: &[&Opening],
        bits: BitSize,
        rng: &mut R,
    ) -> Result<Self, RangeError> {
        check_aggregation(openings.len())?;
        gens.check_capacity(openings.len())?;
        if openings.iter().any(|o| !bits.fits(o.value())) {
            return Err(RangeError::ValueTooLarge { bits: bits.get() });
        }
        let statement = Statement::Bits {
            bits,
            commitments: openings.iter().map(|o| o.commitment()).collect(),
        };
        let values: Zeroizing<Vec<u64>> =
            Zeroizing::new(openings.iter().map(|o| o.value()).collect());
        let blindings: Zeroizing<Vec<Scalar>> =
            Zeroizing::new(openings.iter().map(|o| *o.blinding()).collect());
        Self::prove(gens, statement, &values, &blindings, rng)
    }

    /// Proves that the opened value lies in `[min, max]`, with `bits` for the two derived
    /// ranges (default: the smallest size holding `max − min`).
    ///
    /// # Errors
    /// [`RangeError::EmptyInterval`], [`RangeError::ValueOutsideInterval`],
    /// [`RangeError::ValueTooLarge`] when an explicit `bits` is too small for this value.
    pub fn prove_interval<R: RngCore + CryptoRng>(
        gens: &Generators,
        opening: &Opening,
        min: u64,
        max: u64,
        bits: Option<BitSize>,
        rng: &mut R,
    ) -> Result<Self, RangeError> {
        if min > max {
            return Err(RangeError::EmptyInterval { min, max });
        }
        let value = opening.value();
        if value < min || value > max {
            return Err(RangeError::ValueOutsideInterval { min, max });
        }
        gens.check_capacity(2)?;
        let bits = bits.unwrap_or_else(|| BitSize::for_width(max - min));
        let values = Zeroizing::new(vec![value - min, max - value]);
        if values.iter().any(|&v| !bits.fits(v)) {
            return Err(RangeError::ValueTooLarge { bits: bits.get() });
        }
        let blindings = Zeroizing::new(vec![*opening.blinding(), -opening.blinding()]);
        let statement = Statement::Interval {
            bits,
            min,
            max,
            commitment: opening.commitment(),
        };
        Self::prove(gens, statement, &values, &blindings, rng)
    }

    fn prove<R: RngCore + CryptoRng>(
        gens: &Generators,
        statement: Statement,
        values: &[u64],
        blindings: &[Scalar],
        rng: &mut R,
    ) -> Result<Self, RangeError> {
        let statement_bytes = statement.to_bytes();
        let mut transcript = statement_transcript(&statement_bytes);
        let (proof, _commitments) = bulletproofs::RangeProof::prove_multiple_with_rng(
            gens.bulletproof(),
            gens.pedersen(),
            &mut transcript,
            values,
            blindings,
            statement.bits().as_usize(),
            rng,
        )
        .map_err(RangeError::Prover)?;
        Self::from_parts(statement, &proof.to_bytes())
    }

    /// Pairs a statement with the crate's proof bytes, validating both.
    ///
    /// # Errors
    /// A malformed statement, a proof of the wrong length for the statement, or a
    /// non-canonical point or scalar in the proof.
    pub fn from_parts(statement: Statement, proof_bytes: &[u8]) -> Result<Self, RangeError> {
        statement.validate()?;
        let bits = statement.bits();
        let count = statement.aggregation();
        let expected = proof_length(bits, count);
        if proof_bytes.len() < expected {
            return Err(RangeError::Truncated {
                what: "range proof",
                needed: expected,
                found: proof_bytes.len(),
            });
        }
        if proof_bytes.len() > expected {
            return Err(RangeError::TrailingBytes {
                what: "range proof",
                extra: proof_bytes.len() - expected,
            });
        }
        let parts = ProofParts::parse(proof_bytes)?;
        let inner =
            bulletproofs::RangeProof::from_bytes(proof_bytes).map_err(RangeError::Prover)?;
        Ok(RangeProof {
            statement_bytes: statement.to_bytes(),
            statement,
            proof_bytes: proof_bytes.to_vec(),
            inner,
            parts,
        })
    }

    /// The statement this proves.
    pub fn statement(&self) -> &Statement {
        &self.statement
    }

    /// The crate's proof bytes (without the statement).
    pub fn proof_bytes(&self) -> &[u8] {
        &self.proof_bytes
    }

    /// The canonical statement bytes absorbed by the transcript.
    pub(crate) fn statement_bytes(&self) -> &[u8] {
        &self.statement_bytes
    }

    /// Verifies the proof with the `bulletproofs` crate's verifier.
    ///
    /// # Errors
    /// [`RangeError::VerificationFailed`] for an invalid proof;
    /// [`RangeError::GeneratorCapacity`] if `gens` are too small for its aggregation size.
    ///
    /// # Security
    /// Variable time in public data only; `rng` draws the verifier's batching challenge.
    pub fn verify<R: RngCore + CryptoRng>(
        &self,
        gens: &Generators,
        rng: &mut R,
    ) -> Result<(), RangeError> {
        gens.check_capacity(self.statement.aggregation())?;
        let mut transcript = statement_transcript(&self.statement_bytes);
        self.inner
            .verify_multiple_with_rng(
                gens.bulletproof(),
                gens.pedersen(),
                &mut transcript,
                &self.statement.value_commitments(),
                self.statement.bits().as_usize(),
                rng,
            )
            .map_err(RangeError::from_verifier)
    }

    /// Binary file encoding.
    ///
    /// # Layout
    /// [`Statement::to_bytes`] followed by the crate's proof bytes, whose length is fixed by
    /// the statement ([`proof_length`]); nothing follows.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.statement_bytes.clone();
        out.extend_from_slice(&self.proof_bytes);
        out
    }

    /// Parses the binary encoding.
    ///
    /// # Errors
    /// Wrong version/tag, unsupported bit size, bad aggregation size, truncation, trailing
    /// bytes, non-canonical points or scalars.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, RangeError> {
        let mut reader = Reader::new(bytes, "range proof", MAX_PROOF_BYTES)?;
        let statement = Statement::read(&mut reader)?;
        Self::from_parts(statement, reader.rest())
    }

    /// JSON file encoding: statement fields in clear (commitments as hex), proof in base64.
    pub fn to_json(&self) -> String {
        let statement = match &self.statement {
            Statement::Bits { bits, commitments } => StatementJson::Bits {
                bits: bits.get(),
                commitments: commitments.iter().map(Commitment::to_hex).collect(),
            },
            Statement::Interval {
                bits,
                min,
                max,
                commitment,
            } => StatementJson::Interval {
                bits: bits.get(),
                min: *min,
                max: *max,
                commitment: commitment.to_hex(),
            },
        };
        let file = ProofJson {
            version: u64::from(FORMAT_VERSION),
            kind: KIND_PROOF.to_owned(),
            statement,
            proof: base64_encode(&self.proof_bytes),
        };
        // Serializing strings and integers cannot fail.
        // Strings and integers only: serialisation cannot fail.
        serde_json::to_string_pretty(&file).expect("a proof file always serialises")
    }

    /// Parses the JSON encoding.
    ///
    /// # Errors
    /// As [`RangeProof::from_bytes`], plus bad JSON, unknown fields, bad hex or base64.
    pub fn from_json(text: &[u8]) -> Result<Self, RangeError> {
        let file: ProofJson = parse_json(text, "range proof")?;
        check_json_header(file.version, &file.kind, KIND_PROOF, "range proof")?;
        let statement = match file.statement {
            StatementJson::Bits { bits, commitments } => {
                check_aggregation(commitments.len())?;
                Statement::Bits {
                    bits: BitSize::new(bits)?,
                    commitments: commitments
                        .iter()
                        .map(|c| Commitment::from_hex(c))
                        .collect::<Result<_, _>>()?,
                }
            }
            StatementJson::Interval {
                bits,
                min,
                max,
                commitment,
            } => Statement::Interval {
                bits: BitSize::new(bits)?,
                min,
                max,
                commitment: Commitment::from_hex(&commitment)?,
            },
        };
        let proof = base64_decode(&file.proof, "proof", MAX_PROOF_BYTES)?;
        Self::from_parts(statement, &proof)
    }

    /// Parses either encoding (JSON when the text starts with `{`).
    ///
    /// # Errors
    /// As [`RangeProof::from_json`] / [`RangeProof::from_bytes`].
    pub fn decode(bytes: &[u8]) -> Result<Self, RangeError> {
        if looks_like_json(bytes) {
            Self::from_json(bytes)
        } else {
            Self::from_bytes(bytes)
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProofJson {
    version: u64,
    kind: String,
    statement: StatementJson,
    proof: String,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
enum StatementJson {
    Bits {
        bits: u32,
        commitments: Vec<String>,
    },
    Interval {
        bits: u32,
        min: u64,
        max: u64,
        commitment: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn bit_sizes() {
        assert!(BitSize::new(7).is_err());
        assert!(BitSize::new(128).is_err());
        assert_eq!(BitSize::new(32).unwrap(), BitSize::B32);
        assert_eq!(BitSize::for_width(255), BitSize::B8);
        assert_eq!(BitSize::for_width(256), BitSize::B16);
        assert_eq!(BitSize::for_width(50_000), BitSize::B16);
        assert_eq!(BitSize::for_width(u64::MAX), BitSize::B64);
        assert!(BitSize::B8.fits(255) && !BitSize::B8.fits(256));
    }

    #[test]
    fn lengths_match_the_crate() {
        let gens = Generators::new(4).unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let openings: Vec<Opening> = (0..4).map(|v| Opening::random(v, &mut rng)).collect();
        let refs: Vec<&Opening> = openings.iter().collect();
        for bits in [BitSize::B8, BitSize::B64] {
            for m in [1, 2, 4] {
                let p = RangeProof::prove_bits(&gens, &refs[..m], bits, &mut rng).unwrap();
                assert_eq!(p.proof_bytes().len(), proof_length(bits, m));
                p.verify(&gens, &mut rng).unwrap();
            }
        }
        assert_eq!(proof_length(BitSize::B64, 1), 672);
    }

    #[test]
    fn interval_edges() {
        let gens = Generators::new(2).unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        for (v, min, max) in [
            (0, 0, 0),
            (5, 5, 9),
            (9, 5, 9),
            (u64::MAX, 0, u64::MAX),
            (u64::MAX, u64::MAX, u64::MAX),
        ] {
            let o = Opening::random(v, &mut rng);
            let p = RangeProof::prove_interval(&gens, &o, min, max, None, &mut rng).unwrap();
            p.verify(&gens, &mut rng).unwrap();
        }
        let o = Opening::random(10, &mut rng);
        assert!(matches!(
            RangeProof::prove_interval(&gens, &o, 11, 20, None, &mut rng),
            Err(RangeError::ValueOutsideInterval { .. })
        ));
        assert!(matches!(
            RangeProof::prove_interval(&gens, &o, 20, 11, None, &mut rng),
            Err(RangeError::EmptyInterval { .. })
        ));
        // An explicit size too small for this value is refused rather than proved wrongly.
        let o = Opening::random(1000, &mut rng);
        assert!(matches!(
            RangeProof::prove_interval(&gens, &o, 0, 100_000, Some(BitSize::B8), &mut rng),
            Err(RangeError::ValueOutsideInterval { .. } | RangeError::ValueTooLarge { .. })
        ));
    }
}
