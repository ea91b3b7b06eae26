//! Whether a Groth16 proof proves what the verifier asks (see [`crate::claim`] for the rule).

use super::{check_applicable, verify, Proof, VerifyingKey};
use crate::claim::Requirement;
use crate::commitment::Commitment;
use crate::{field, ZkError};

/// What a verifier requires a Groth16 proof to establish about a committed value.
///
/// The default claim requires nothing beyond the proof's own statement.
///
/// # Example
/// ```
/// use conclave_circuits::claim::Requirement;
/// use conclave_circuits::groth16::{self, Claim};
/// use conclave_circuits::{Bounds, Direction, Opening, Statement, ZkError};
/// use rand::rngs::OsRng;
///
/// let (pk, vk) = groth16::setup(Statement::threshold(16, Direction::AtLeast)?, &mut OsRng)?;
/// let opening = Opening::random(712, &mut OsRng);
/// let proof = groth16::prove(&pk, &opening, Bounds::Threshold(700), &mut OsRng)?;
/// let claim = |min| Claim {
///     commitment: Some(opening.commitment()),
///     bounds: Requirement { min: Some(min), max: None },
/// };
/// groth16::verify_claim(&vk, &proof, &claim(650))?;
/// assert!(matches!(
///     groth16::verify_claim(&vk, &proof, &claim(750)),
///     Err(ZkError::WeakerBound { proven: 700, required: 750, .. })
/// ));
/// # Ok::<(), ZkError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Claim {
    /// The proof must be about this commitment.
    pub commitment: Option<Commitment>,
    /// The bounds the proof must establish for the committed value.
    pub bounds: Requirement,
}

impl Claim {
    /// Checks, without the pairing check, that `proof` is made for `key`, has well-formed
    /// public inputs, and establishes this claim.
    ///
    /// # Errors
    /// As [`VerifyingKey::check_applicable`]; [`ZkError::OtherCommitment`] for a proof
    /// about another commitment; [`ZkError::WeakerBound`] for a proof of a weaker bound.
    pub fn check(&self, key: &VerifyingKey, proof: &Proof) -> Result<(), ZkError> {
        check_applicable(key, proof)?;
        if let Some(required) = self.commitment {
            let proven = proof
                .public_inputs
                .first()
                .ok_or(ZkError::WrongInputCount {
                    expected: proof.statement.public_input_names().len(),
                    found: 0,
                })?;
            if *proven != required.0 {
                return Err(ZkError::OtherCommitment {
                    proven: field::to_decimal(proven),
                    required: required.to_decimal(),
                });
            }
        }
        self.bounds.check(proof.proven_interval()?)?;
        Ok(())
    }
}

/// Verifies `proof` under `key` and checks that it proves `claim`.
///
/// # Errors
/// As [`Claim::check`], then as [`verify`] ([`ZkError::InvalidProof`] when the proof does
/// not verify).
pub fn verify_claim(key: &VerifyingKey, proof: &Proof, claim: &Claim) -> Result<(), ZkError> {
    claim.check(key, proof)?;
    verify(key, proof)
}
