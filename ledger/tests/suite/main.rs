//! Public-API tests of `conclave-ledger`, in one test binary (one link instead of four).
#![allow(clippy::unwrap_used)]

mod audit;
mod crash;
mod credentials;
mod http_api;
mod limits;
mod merkle_vectors;
mod signed_note_vectors;
