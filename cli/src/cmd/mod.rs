//! One module per command family; each exposes `Command`/`Args` (clap) and `run`.

pub mod cred;
pub mod eth;
pub mod he;
pub mod ledger;
pub mod mpc;
pub mod range;
pub mod zk;
pub mod zk_predicate;
