#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod encoding;
pub mod error;
/// Signed result records (`conclave.result`), shared with the MPC crate and the ledger.
pub use conclave_record as record;
pub mod scoring;
pub mod threshold;

pub use error::{Error, Result};
