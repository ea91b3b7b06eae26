//! The `conclave` binary end to end, one test binary for every command group (one link
//! instead of six keeps the CI build short): each module runs the real binary and checks
//! exit codes, outputs and bad-input errors.

mod anchor;
mod bench;
mod common;
mod cred;
mod demo;
mod eth;
mod files;
mod he;
mod ledger;
mod ledger_credentials;
mod mpc;
mod mpc_cheater;
mod mpc_join;
mod mpc_join_cheater;
mod predicate;
mod range;
mod tour;
mod zk;
mod zk_claim;
