//! The `conclave` binary: parse arguments, run one command, map the outcome to an exit code.
//!
//! Exit codes are a contract: 0 success (or a valid proof), 1 a proof or check that is
//! invalid, 2 bad input or any other error, usage errors included (as JSON with `--json`).
#![forbid(unsafe_code)]

mod bench;
mod cmd;
mod demo;
mod fsio;
mod heap;
mod output;

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};

use crate::fsio::WritePolicy;
use crate::output::{Output, Verdict};

/// Conclave: privacy-preserving computation you can verify.
#[derive(Parser)]
#[command(name = "conclave", version, about, long_about = None)]
struct Cli {
    /// Print one JSON object per command (for scripts) instead of prose.
    #[arg(long, global = true)]
    json: bool,
    /// Replace existing output files (never a file the command also reads).
    #[arg(long, global = true)]
    force: bool,
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
    /// Ethereum: deploy the Groth16 verifier contract and ask it about proofs.
    #[command(subcommand)]
    Eth(cmd::eth::Command),
    /// Benchmark suites with a report: tables, raw data, plots, machine and versions.
    Bench(bench::Args),
    /// Signed credentials: issuer and holder keys, issuing and verifying credentials.
    #[command(subcommand)]
    Cred(cmd::cred::Command),
    /// Run the end-to-end scenario in a temporary directory and tell it as a story.
    Demo(demo::Args),
}

fn main() -> ExitCode {
    heap::keep_freed_memory_mapped();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(&error),
    };
    let out = Output::new(cli.json, WritePolicy::new(cli.force));
    let outcome = match cli.command {
        Command::Zk(command) => cmd::zk::run(command, &out),
        Command::Range(command) => cmd::range::run(command, &out),
        Command::Mpc(command) => cmd::mpc::run(command, &out),
        Command::He(command) => cmd::he::run(command, &out),
        Command::Ledger(command) => cmd::ledger::run(command, &out),
        Command::Eth(command) => cmd::eth::run(command, &out),
        Command::Cred(command) => cmd::cred::run(command, &out),
        Command::Demo(args) => demo::run(args, &out),
        Command::Bench(args) => bench::run(args, &out),
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

/// `--help` and `--version` print as usual (exit 0); any other parse error is a usage error:
/// clap's message on stderr, and with `--json` also `{"ok": false, "error": …}` on stdout;
/// exit 2 either way.
fn usage_error(error: &clap::Error) -> ExitCode {
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        error.exit();
    }
    if !json_requested() {
        // clap's own rendering (usage line, hints) and its exit code 2.
        error.exit();
    }
    let rendered = error.render().to_string();
    let message = if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        "a subcommand is missing (run with --help to list them)".to_owned()
    } else {
        // clap's first paragraph ("error: …" and its indented details), on one line.
        let first = rendered
            .trim_start()
            .split("\n\n")
            .next()
            .unwrap_or_default();
        let message = first.split_whitespace().collect::<Vec<_>>().join(" ");
        match message.strip_prefix("error: ") {
            Some(rest) => rest.to_owned(),
            None => message,
        }
    };
    eprint!("{rendered}");
    let object = serde_json::json!({ "ok": false, "error": message });
    println!("{object}");
    ExitCode::from(2)
}

/// Whether `--json` is among the arguments (before a `--` that ends the options): the
/// command line could not be parsed, so this is looked up by hand.
fn json_requested() -> bool {
    std::env::args_os()
        .skip(1)
        .take_while(|arg| arg != "--")
        .any(|arg| arg == "--json")
}
