//! Domain-separation tags for every hash the zero-knowledge core computes, in one place.

/// Prefix of the SHA-256 that names a Groth16 verifying key (its statement id).
pub const VERIFYING_KEY_ID: &[u8] = b"conclave/groth16/verifying-key/v1\0";

/// Prefix of the SHA-256 that a hashed (format version 2) proving key records over its
/// header and body.
pub const PROVING_KEY_DIGEST: &[u8] = b"conclave/groth16/proving-key/v2\0";

/// Prefix of the SHA-256 that a hashed proving key with its circuit's R1CS matrices
/// (format version 3) records over its header, key body and matrices.
pub const PROVING_KEY_WITH_MATRICES_DIGEST: &[u8] = b"conclave/groth16/proving-key/v3\0";

/// Magic bytes that open every binary file of the zero-knowledge core.
pub const BINARY_MAGIC: &[u8; 4] = b"CNCL";
