//! Public-API tests of `conclave-he`, in one test binary.
#![allow(clippy::unwrap_used)]

mod scoring;
mod threshold;
