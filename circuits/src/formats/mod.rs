//! File formats of the zero-knowledge core, all versioned (`FORMAT_VERSION`).
//!
//! * Binary (compact): `"CNCL"`, format version (1 byte), object kind (1 byte), the
//!   3-byte statement, then arkworks canonical compressed data; see each `to_bytes`.
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
mod secret;
pub mod snarkjs;

/// Version of every format written by this module.
pub const FORMAT_VERSION: u64 = 1;

/// Whether `bytes` look like a JSON document rather than a binary file.
fn is_json(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{')
}
