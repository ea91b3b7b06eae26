//! Public-API tests of `conclave-circuits`, in one test binary: each arkworks-heavy test
//! binary costs minutes of release compile time on our 2-core machines, so the modules
//! below share one link instead of five.
#![allow(clippy::unwrap_used)]

mod bulletproof;
mod bulletproof_golden;
mod eddsa;
mod formats;
mod groth16;
mod poseidon;
mod prover_key;
