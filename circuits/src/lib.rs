#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod babyjubjub;
pub mod bulletproof;
pub mod claim;
pub mod commitment;
pub mod credential;
pub mod curve;
pub mod domain;
pub mod eddsa;
mod error;
pub mod field;
pub mod formats;
pub mod gadgets;
pub mod groth16;
pub mod poseidon;
pub mod predicate;
pub mod statement;

pub use commitment::{Commitment, Opening};
pub use error::ZkError;
pub use statement::{Bounds, Direction, Statement};
