#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// The modules are gated behind the temporary `wip` feature until they have been compiled
// and tested on the shared build machine (see the ledger engineer's report).

#[cfg(feature = "wip")]
pub mod client;
#[cfg(feature = "wip")]
pub mod encoding;
#[cfg(feature = "wip")]
pub mod entry;
#[cfg(feature = "wip")]
pub mod error;
#[cfg(feature = "wip")]
pub mod keys;
#[cfg(feature = "wip")]
pub mod merkle;
#[cfg(feature = "wip")]
pub mod node;
#[cfg(feature = "wip")]
pub mod note;
#[cfg(feature = "wip")]
pub mod store;
#[cfg(feature = "wip")]
pub mod verify;

#[cfg(feature = "wip")]
pub use error::{LedgerError, ProofError};
