//! Generators and transcripts: the public parameters every prover and verifier shares.
//!
//! Pedersen generators are the `bulletproofs` crate defaults (`B` = the Ristretto base
//! point, `B_blinding` = SHA3-512 hash-to-group of `B`), so commitments made here are
//! interchangeable with any other user of that crate. The vector generators are the crate's
//! `BulletproofGens` (SHAKE256 "GeneratorsChain", one chain per party). No trusted setup:
//! everything is derived from public labels.
//!
//! The batch verifier needs the `H` vector generators, which the crate keeps private; they
//! are re-derived here with the crate's published construction, and a unit test checks the
//! derivation against the crate's public `G` generators (same construction, label `G`).

use std::sync::OnceLock;

use bulletproofs::{BulletproofGens, PedersenGens};
use curve25519_dalek::ristretto::RistrettoPoint;
use merlin::Transcript;
use sha3::digest::{ExtendableOutput, Update, XofReader};
use sha3::Shake256;

use super::error::RangeError;

/// Domain-separation label of every Conclave range-proof transcript (format version 1).
pub const TRANSCRIPT_LABEL: &[u8] = b"conclave.bulletproof.range.v1";

/// Largest bit size of a single range (the crate supports 8, 16, 32 and 64).
pub const MAX_BITS: usize = 64;

/// Largest number of values in one aggregated proof.
pub const MAX_AGGREGATION: usize = 64;

/// Public parameters: Pedersen and Bulletproofs generators for up to `party_capacity`
/// aggregated 64-bit values.
///
/// Building them hashes to the curve `2 · 64 · party_capacity` times (≈ 1 ms per party on
/// our machine), so build once and share.
pub struct Generators {
    pedersen: PedersenGens,
    bulletproof: BulletproofGens,
    h_vectors: OnceLock<Vec<Vec<RistrettoPoint>>>,
}

impl Generators {
    /// Generators for proofs aggregating up to `party_capacity` values (rounded up to a
    /// power of two).
    ///
    /// # Errors
    /// [`RangeError::BadAggregationSize`] if `party_capacity` is 0 or above
    /// [`MAX_AGGREGATION`].
    pub fn new(party_capacity: usize) -> Result<Self, RangeError> {
        if party_capacity == 0 || party_capacity > MAX_AGGREGATION {
            return Err(RangeError::BadAggregationSize {
                count: party_capacity,
                max: MAX_AGGREGATION,
            });
        }
        let capacity = party_capacity.next_power_of_two();
        Ok(Generators {
            pedersen: PedersenGens::default(),
            bulletproof: BulletproofGens::new(MAX_BITS, capacity),
            h_vectors: OnceLock::new(),
        })
    }

    /// The Pedersen generators (`B` for values, `B_blinding` for blinding factors).
    pub fn pedersen(&self) -> &PedersenGens {
        &self.pedersen
    }

    /// The Bulletproofs vector generators.
    pub fn bulletproof(&self) -> &BulletproofGens {
        &self.bulletproof
    }

    /// How many values one aggregated proof may hold with these generators.
    pub fn party_capacity(&self) -> usize {
        self.bulletproof.party_capacity
    }

    /// Checks that a proof over `count` values fits these generators.
    pub(crate) fn check_capacity(&self, count: usize) -> Result<(), RangeError> {
        if count > self.party_capacity() {
            return Err(RangeError::GeneratorCapacity {
                needed: count,
                capacity: self.party_capacity(),
            });
        }
        Ok(())
    }

    /// The `H` generators of every party (derived on first use, then cached).
    pub(crate) fn h_vectors(&self) -> &[Vec<RistrettoPoint>] {
        self.h_vectors.get_or_init(|| {
            (0..self.party_capacity())
                .map(|party| generator_chain(b'H', party, MAX_BITS))
                .collect()
        })
    }
}

/// The crate's `GeneratorsChain`: SHAKE256("GeneratorsChain" || tag || party as u32 LE),
/// read 64 bytes at a time and mapped to Ristretto with `from_uniform_bytes`.
pub(crate) fn generator_chain(tag: u8, party: usize, count: usize) -> Vec<RistrettoPoint> {
    let mut label = [tag, 0, 0, 0, 0];
    // Party indices are below MAX_AGGREGATION (64), so the cast cannot truncate.
    label[1..5].copy_from_slice(&(party as u32).to_le_bytes());
    let mut shake = Shake256::default();
    shake.update(b"GeneratorsChain");
    shake.update(&label);
    let mut reader = shake.finalize_xof();
    (0..count)
        .map(|_| {
            let mut uniform = [0u8; 64];
            reader.read(&mut uniform);
            RistrettoPoint::from_uniform_bytes(&uniform)
        })
        .collect()
}

/// A fresh transcript for one statement: the Conclave label, then the statement's canonical
/// bytes (so a proof cannot be replayed for another interval or commitment list).
pub(crate) fn statement_transcript(statement_bytes: &[u8]) -> Transcript {
    let mut transcript = Transcript::new(TRANSCRIPT_LABEL);
    transcript.append_message(b"statement", statement_bytes);
    transcript
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_matches_the_crate_generators() {
        let gens = Generators::new(2).unwrap();
        for party in 0..2 {
            let ours = generator_chain(b'G', party, MAX_BITS);
            let theirs: Vec<_> = gens
                .bulletproof()
                .share(party)
                .G(MAX_BITS)
                .copied()
                .collect();
            assert_eq!(ours, theirs, "party {party}");
        }
        // H uses another label, so it must differ from G.
        assert_ne!(gens.h_vectors()[0][0], generator_chain(b'G', 0, 1)[0]);
    }

    #[test]
    fn capacity_is_checked() {
        assert!(Generators::new(0).is_err());
        assert!(Generators::new(65).is_err());
        let gens = Generators::new(3).unwrap();
        assert_eq!(gens.party_capacity(), 4);
        assert!(gens.check_capacity(4).is_ok());
        assert!(matches!(
            gens.check_capacity(8),
            Err(RangeError::GeneratorCapacity {
                needed: 8,
                capacity: 4
            })
        ));
    }
}
