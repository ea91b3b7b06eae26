#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "wip")]
pub mod client;
pub mod encoding;
#[cfg(feature = "wip")]
pub mod entry;
pub mod error;
#[cfg(feature = "wip")]
pub mod keys;
pub mod merkle;
#[cfg(feature = "wip")]
pub mod node;
pub mod note;
#[cfg(feature = "wip")]
pub mod store;
#[cfg(feature = "wip")]
pub mod verify;

pub use error::{LedgerError, ProofError};
