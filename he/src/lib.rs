#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod encoding;
pub mod error;
pub mod record;
pub mod threshold;

pub use error::{Error, Result};
pub mod scoring;
