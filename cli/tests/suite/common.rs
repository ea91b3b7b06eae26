//! Helpers shared by the binary tests: run the real `conclave`, read its exit code, stderr
//! and `--json` output.
#![allow(dead_code)] // not every helper is used by every module

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// Runs `conclave args…` in the current directory.
pub fn conclave(args: &[&str]) -> Output {
    command()
        .args(args)
        .output()
        .expect("the conclave binary runs")
}

/// Runs `conclave args…` in `dir` (relative paths in `args` resolve there).
pub fn conclave_in(dir: &Path, args: &[&str]) -> Output {
    command()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the conclave binary runs")
}

/// The exit code (the process must have exited, not been killed).
pub fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

/// What the command printed on stderr.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// What the command printed on stdout.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A `conclave` command to add arguments to (for spawning or piping).
pub fn command() -> Command {
    Command::new(env!("CARGO_BIN_EXE_conclave"))
}

/// Panics with the exit status and both streams unless the command succeeded.
pub fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status,
        stdout(output),
        stderr(output)
    );
}

/// stdout parsed as one JSON object (panics with both streams when it is not).
pub fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON object ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            stderr(output)
        )
    })
}
