//! The error type of EdDSA-Poseidon signatures.

use crate::babyjubjub::PointError;

/// Everything that can go wrong decoding or verifying an EdDSA-Poseidon signature.
///
/// [`SignatureError::Invalid`] means "well-formed but false"; every other variant means
/// the key or signature itself was unusable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// A key or signature point is not acceptable.
    #[error(transparent)]
    Point(#[from] PointError),
    /// `S` is not a canonical scalar: it must be below the subgroup order `l`.
    #[error(
        "the signature's S is not below Baby Jubjub's subgroup order \
         l = 2736030358979909402780800718157159386076813972158567259200215660948447373041 \
         (or not a canonical decimal integer)"
    )]
    ScalarNotReduced,
    /// The signature is well-formed but does not verify under this key and message.
    #[error("the signature does not verify for this public key and message")]
    Invalid,
}

impl SignatureError {
    /// Whether this error means "well-formed but invalid" rather than bad input.
    pub fn is_invalid_signature(&self) -> bool {
        matches!(self, SignatureError::Invalid)
    }
}
