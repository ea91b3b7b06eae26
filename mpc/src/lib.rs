#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod block_stream;
pub mod compare;
pub mod config;
pub mod engine;
mod error;
pub mod field;
pub mod jobs;
pub mod join;
pub mod mac;
pub mod net;
pub mod prf_input;
pub mod protocol;
pub mod prss;
pub mod reshare;
/// Signed result records (`conclave.result`), shared with the HE crate and the ledger.
pub use conclave_record as record;
pub mod shamir;
pub mod transport;

pub use engine::{Engine, RandomnessSource};
pub use error::Error;
pub use field::Fp;
pub use mac::Security;
pub use shamir::{Params, PartyId, ShareVec};
pub use transport::Transport;

/// The Ristretto255 implementation of the private join (re-exported for callers).
pub use curve25519_dalek_5;
/// The Ed25519 implementation used for result records (re-exported for callers).
pub use ed25519_dalek;
