//! The `conclave` binary: parse arguments, run one command, map the outcome to an exit code.
//!
//! Exit codes are a contract: 0 success (or a valid proof), 1 a proof or check that is
//! invalid, 2 bad input or any other error.
#![forbid(unsafe_code)]

mod cmd;
mod fsio;
mod heap;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::output::{Output, Verdict};

/// Conclave: privacy-preserving computation you can verify.
#[derive(Parser)]
#[command(name = "conclave", version, about, long_about = None)]
struct Cli {
    /// Print one JSON object per command (for scripts) instead of prose.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Groth16 proofs on BN254: commitments, threshold and range statements, snarkjs interop.
    #[command(subcommand)]
    Zk(cmd::zk::Command),
    /// Bulletproofs range proofs on Pedersen commitments (no trusted setup).
    #[command(subcommand)]
    Range(cmd::range::Command),
    /// Secret-sharing MPC between party processes over TLS 1.3: stats and joint scores.
    #[command(subcommand)]
    Mpc(cmd::mpc::Command),
    /// Homomorphic encryption: TFHE scoring of encrypted features, threshold-decrypted totals.
    #[command(subcommand)]
    He(cmd::he::Command),
    /// The verifiable ledger: an append-only Merkle log that verifies proofs before anchoring them.
    #[command(subcommand)]
    Ledger(cmd::ledger::Command),
    /// Run the end-to-end scenario in a temporary directory and tell it as a story.
    Demo(cmd::demo::Args),
}

fn main() -> ExitCode {
    heap::keep_freed_memory_mapped();
    let cli = Cli::parse();
    let out = Output::new(cli.json);
    let outcome = match cli.command {
        Command::Zk(command) => cmd::zk::run(command, &out),
        Command::Range(command) => cmd::range::run(command, &out),
        Command::Mpc(command) => cmd::mpc::run(command, &out),
        Command::He(command) => cmd::he::run(command, &out),
        Command::Ledger(command) => cmd::ledger::run(command, &out),
        Command::Demo(args) => cmd::demo::run(args, &out),
    };
    match outcome {
        Ok(Verdict::Success) => ExitCode::SUCCESS,
        Ok(Verdict::Invalid) => ExitCode::from(1),
        Err(error) if output::is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            out.error(&error);
            ExitCode::from(2)
        }
    }
}
