//! Public-API tests of `conclave-mpc`, in one test binary (one link instead of three).
#![allow(clippy::unwrap_used)]

mod engine;
mod field;
mod jobs;
mod join;
mod joined;
mod malicious;
mod net;
