#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod encoding;
pub mod error;
pub mod record;
pub mod threshold;
// `scoring` (TFHE) is written (src/scoring/) but not yet declared: it has never been
// compiled, because the tfhe release build did not finish within the session.

pub use error::{Error, Result};
