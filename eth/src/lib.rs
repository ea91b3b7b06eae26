#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod anchor;
pub mod client;
pub mod devnode;
pub mod error;
pub mod evm;
pub mod predicate;
pub mod registry;
pub mod verifier;

pub use alloy::signers::local::PrivateKeySigner;
pub use error::EthError;
