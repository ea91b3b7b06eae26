#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod audit;
pub mod client;
pub mod encoding;
pub mod entry;
pub mod error;
pub mod keys;
pub mod merkle;
pub mod node;
pub mod note;
pub mod policy;
pub mod store;
pub mod verify;

pub use error::{AuditFinding, LedgerError, ProofError};
