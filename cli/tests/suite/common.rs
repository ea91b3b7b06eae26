//! Helpers shared by the binary tests: run the real `conclave`, read its exit code, stderr
//! and `--json` output.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::Value;

/// Runs `conclave` in `dir` with the words of `line` (split at whitespace, no quoting:
/// file names relative to `dir`, without spaces) and asserts its exit code is `want`,
/// showing both streams otherwise. Returns the output for further checks.
pub fn expect(dir: &Path, want: i32, line: &str) -> Output {
    expect_from(command(), dir, want, line)
}

/// As [`expect`], starting from `base` (a [`command`] with extra environment, say).
pub fn expect_from(mut base: Command, dir: &Path, want: i32, line: &str) -> Output {
    let output = base
        .current_dir(dir)
        .args(line.split_whitespace())
        .output()
        .expect("the conclave binary runs");
    assert_eq!(
        code(&output),
        want,
        "`conclave {line}`\nstdout: {}\nstderr: {}",
        stdout(&output),
        stderr(&output)
    );
    output
}

/// As [`expect`] with exit code 2 (bad input), and stderr must contain `needle`.
pub fn refused(dir: &Path, line: &str, needle: &str) -> Output {
    let output = expect(dir, 2, line);
    assert!(
        stderr(&output).contains(needle),
        "`conclave {line}` should mention {needle:?}: {}",
        stderr(&output)
    );
    output
}

/// The exit code (the process must have exited, not been killed).
fn code(output: &Output) -> i32 {
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

/// Runs `conclave` in `dir` with `stdin` piped in; returns the output.
pub fn with_stdin(dir: &Path, line: &str, stdin: &str) -> std::process::Output {
    let mut child = command()
        .current_dir(dir)
        .args(line.split_whitespace())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the conclave binary starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes())
        .expect("write to the child's stdin");
    child.wait_with_output().expect("the child exits")
}

/// A base port such that `base … base + n − 1` are free on loopback (for `mpc config
/// --base-port`), below the kernel's ephemeral range (32768–60999 on Linux): a port the
/// kernel handed out for `:0` could be taken by a concurrent test's outgoing connection
/// before its party listens ("Address already in use"); these never are. A process-wide
/// counter keeps concurrent tests on distinct ports.
pub fn free_base_port(n: u16) -> u16 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    const LOW: u32 = 20_000;
    const SPAN: u32 = 12_000;
    let start = std::process::id() % SPAN;
    loop {
        let k = NEXT.fetch_add(u32::from(n), Ordering::Relaxed);
        assert!(k < SPAN, "no free test port left below the ephemeral range");
        let base = LOW + (start + k) % SPAN;
        if base + u32::from(n) > LOW + SPAN {
            continue; // would wrap around the range
        }
        let base = u16::try_from(base).expect("below 32,000");
        if (0..n).all(|i| std::net::TcpListener::bind(("127.0.0.1", base + i)).is_ok()) {
            return base;
        }
    }
}
