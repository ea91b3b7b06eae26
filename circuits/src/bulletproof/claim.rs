//! Whether a range proof proves what the verifier asks (see [`crate::claim`] for the rule).

use super::error::RangeError;
use super::pedersen::Commitment;
use super::proof::{RangeProof, Statement};
use crate::claim::{Interval, Requirement};

/// What a verifier requires a range proof to establish.
///
/// The default claim requires nothing beyond the proof's own statement.
///
/// # Example
/// ```
/// use conclave_circuits::bulletproof::{Claim, Generators, Opening, RangeError, RangeProof};
/// use conclave_circuits::claim::Requirement;
/// use rand::rngs::OsRng;
///
/// let gens = Generators::new(2)?;
/// let opening = Opening::random(39_500, &mut OsRng);
/// let proof = RangeProof::prove_interval(&gens, &opening, 0, 40_000, None, &mut OsRng)?;
/// let claim = |max| Claim {
///     commitments: Some(vec![opening.commitment()]),
///     bounds: Requirement { min: None, max: Some(max) },
/// };
/// claim(50_000).check(&proof)?;
/// assert!(matches!(
///     claim(39_999).check(&proof),
///     Err(RangeError::WeakerBound { proven: 40_000, required: 39_999, .. })
/// ));
/// # Ok::<(), RangeError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Claim {
    /// The proof must be about exactly these commitments, in this order.
    pub commitments: Option<Vec<Commitment>>,
    /// The bounds the proof must establish for every committed value.
    pub bounds: Requirement,
}

impl Claim {
    /// Checks that `proof`'s statement establishes this claim (it does not verify the
    /// proof: call [`RangeProof::verify`] or [`super::verify_batch`] as well).
    ///
    /// # Errors
    /// [`RangeError::OtherCommitment`] for a proof about other commitments;
    /// [`RangeError::WeakerBound`] for a proof of a weaker bound.
    pub fn check(&self, proof: &RangeProof) -> Result<(), RangeError> {
        let statement = proof.statement();
        if let Some(required) = &self.commitments {
            let proven = statement.commitments();
            if &proven != required {
                return Err(RangeError::OtherCommitment {
                    proven: hexes(&proven),
                    required: hexes(required),
                });
            }
        }
        self.bounds.check(statement.proven_interval())?;
        Ok(())
    }
}

impl Statement {
    /// The interval the statement establishes for each committed value: `[min, max]` for
    /// an interval proof, `[0, 2^bits − 1]` for a bits proof.
    pub fn proven_interval(&self) -> Interval {
        match self {
            Statement::Interval { min, max, .. } => Interval {
                min: *min,
                max: *max,
            },
            Statement::Bits { bits, .. } => Interval {
                min: 0,
                max: u64::MAX >> (64 - bits.get()),
            },
        }
    }
}

fn hexes(commitments: &[Commitment]) -> String {
    commitments
        .iter()
        .map(Commitment::to_hex)
        .collect::<Vec<_>>()
        .join(", ")
}
