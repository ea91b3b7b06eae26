//! Bulletproofs range proofs on Ristretto Pedersen commitments — no trusted setup.
//!
//! This module owns Conclave's range proofs: Pedersen commitments that add up
//! ([`Commitment`], secret [`Opening`]), single and aggregated proofs that committed values
//! lie in `[0, 2^n)` for n ∈ {8, 16, 32, 64} ([`RangeProof::prove_bits`]), proofs that a
//! committed value lies in an arbitrary interval `[min, max]`
//! ([`RangeProof::prove_interval`]), batch verification of many independent proofs
//! ([`verify_batch`]), and versioned binary and JSON file formats for all of them
//! (documented in `docs/formats.md` and under `# Layout` on each encoder).
//!
//! It follows Bünz, Bootle, Boneh, Poelstra, Wuille and Maxwell, *Bulletproofs: Short
//! Proofs for Confidential Transactions and More* (IEEE S&P 2018), through the dalek
//! `bulletproofs` 5 crate, which does all proving and single-proof verification. Every
//! transcript starts with [`TRANSCRIPT_LABEL`] and the statement's canonical bytes.
//!
//! # Security assumptions
//! Discrete log is hard in ristretto255 (binding commitments, sound proofs); the
//! Fiat–Shamir transform with merlin/STROBE is a random oracle; randomness comes from the
//! caller's CSPRNG. Commitments hide values perfectly.
//!
//! # Example: total debt below a limit
//! ```
//! use conclave_circuits::bulletproof::{Commitment, Generators, Opening, RangeProof, verify_batch};
//! use rand::rngs::OsRng;
//!
//! let gens = Generators::new(2)?;
//! // Three lenders commit to what the customer owes them and hand her the openings.
//! let openings: Vec<Opening> =
//!     [18_000, 12_500, 9_000].iter().map(|&v| Opening::random(v, &mut OsRng)).collect();
//! let commitments: Vec<Commitment> = openings.iter().map(Opening::commitment).collect();
//! // Anyone adds the public commitments; the customer adds the openings.
//! let total = Commitment::sum(&commitments);
//! let total_opening = Opening::sum(&openings)?;
//! let proof = RangeProof::prove_interval(&gens, &total_opening, 0, 50_000, None, &mut OsRng)?;
//! // The verifier checks the proof is about the total and that it verifies.
//! assert_eq!(proof.statement().commitments(), vec![total]);
//! proof.verify(&gens, &mut OsRng)?;
//! verify_batch(&gens, &[proof], &mut OsRng)?;
//! # Ok::<(), conclave_circuits::bulletproof::RangeError>(())
//! ```

mod batch;
mod claim;
mod encoding;
mod error;
mod generators;
mod pedersen;
mod proof;

pub use batch::{verify_batch, verify_each};
pub use claim::Claim;
pub use encoding::{
    FORMAT_VERSION, KIND_COMMITMENT, KIND_OPENING, KIND_PROOF, MAX_JSON_BYTES,
    MAX_SMALL_OBJECT_BYTES,
};
pub use error::RangeError;
pub use generators::{Generators, MAX_AGGREGATION, MAX_BITS, TRANSCRIPT_LABEL};
pub use pedersen::{Commitment, Opening, COMMITMENT_BYTES, OPENING_BYTES};
pub use proof::{proof_length, BitSize, RangeProof, Statement, MAX_PROOF_BYTES};
/// Re-exported so callers can wipe buffers that held openings.
pub use zeroize::Zeroizing;
