//! Public-API tests of `conclave-he`, in one test binary.
#![allow(clippy::unwrap_used)]

#[cfg(feature = "tfhe")]
mod scoring;
mod threshold;
