//! File formats of the zero-knowledge core, all versioned (`FORMAT_VERSION`).
//!
//! * Binary (compact): `"CNCL"`, format version (1 byte), object kind (1 byte), the
//!   3-byte statement, then arkworks canonical compressed data; see each `to_bytes`.
//!   Proving keys are written in version 2 ([`PROVING_KEY_VERSION`], [`proving_key`]):
//!   uncompressed points under a SHA-256 digest, so loading one needs no point
//!   decompression or subgroup checks; version 1 proving keys still load.
//! * JSON (for people and scripts): an object with `"format"` and `"version"` fields.
//!   Proofs show their statement, claim and public inputs as decimal strings and their
//!   points as snarkjs-style decimal coordinates.
//! * snarkjs interop ([`snarkjs`]): `verification_key.json`, `proof.json`, `public.json`.
//!
//! Decoders accept either form (JSON is recognised by its opening `{`), check points
//! are on the curve and in the subgroup, scalars canonical, and reject trailing bytes.

mod binary;
mod json;
pub(crate) mod points;
pub mod proving_key;
mod secret;
pub mod snarkjs;

/// Version of every format written by this module, except binary proving keys.
pub const FORMAT_VERSION: u64 = 1;

/// Version of the binary proving key written by `ProvingKey::to_bytes` (hashed,
/// uncompressed); `ProvingKey::from_bytes` also reads version 1 (compact).
pub const PROVING_KEY_VERSION: u64 = 2;

/// Whether `bytes` look like a JSON document rather than a binary file.
fn is_json(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{')
}
