//! The README's "A tour of the CLI", run as written: every ```sh block under that heading
//! becomes one bash script (`set -euo pipefail`) that runs in a fresh directory holding a
//! copy of `examples/data`, with this build's `conclave` first on PATH. So a README command
//! that is wrong, or a file it uses that nothing makes, fails the suite.
//!
//! What the harness changes, and nothing else:
//! - the ledger address `127.0.0.1:7700` and the MPC `--base-port 7801` become free ports;
//! - after `conclave ledger serve … &` it waits until the node listens (a reader is slower
//!   than a script);
//! - background jobs (`… &`) are recorded: MPC parties must exit 0 by the end, servers are
//!   stopped on exit (trap), and the whole script has a deadline;
//! - a line whose comment starts `# tour-skip: <reason>` is not run in its place (it is a
//!   README command that does not work yet: keep them few). It is tried once more at the
//!   end, with the servers still up, and the test fails if it succeeds: remove the marker;
//! - the snarkjs line (`…/interop/node_modules/.bin/snarkjs …`) runs only when set-up
//!   step 2 has installed snarkjs (`npm ci --prefix interop`) and `node` is on PATH.
//!
//! The discrete-log table of `he combine` is cached in the directory the `he` tests use.
#![cfg(unix)] // bash, process groups and symlinks
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::free_base_port;

/// The heading of the tour in README.md.
const HEADING: &str = "## A tour of the CLI";
/// The ledger address the README uses.
const LEDGER_ADDRESS: &str = "127.0.0.1:7700";
/// The MPC base port the README uses.
const MPC_BASE_PORT: &str = "--base-port 7801";
/// The marker of a line the harness does not run.
const SKIP: &str = "# tour-skip:";
/// What the script prints when a `# tour-skip:` line succeeds after all.
const NOW_WORKS: &str = "tour: succeeds now, remove its tour-skip marker: ";
/// What identifies the snarkjs line.
const SNARKJS: &str = "interop/node_modules/.bin/snarkjs";
/// The whole tour must finish within this (TFHE keys and Groth16 setups take the most).
const DEADLINE: Duration = Duration::from_secs(900);

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the cli crate sits in the workspace")
        .to_path_buf()
}

/// The lines of every ```sh block between the tour heading and the next `## ` heading.
fn tour_lines(markdown: &str) -> Vec<String> {
    #[derive(PartialEq)]
    enum At {
        Prose,
        Sh,
        OtherBlock,
    }
    let mut lines = Vec::new();
    let mut in_tour = false;
    let mut at = At::Prose;
    let mut blocks = 0;
    for line in markdown.lines() {
        let fence = line.trim();
        match at {
            At::Prose if line.starts_with("## ") => in_tour = line.trim_end() == HEADING,
            At::Prose if in_tour && fence == "```sh" => {
                at = At::Sh;
                blocks += 1;
            }
            At::Prose if fence.starts_with("```") => at = At::OtherBlock,
            At::Sh | At::OtherBlock if fence == "```" => at = At::Prose,
            At::Sh => lines.push(line.to_string()),
            At::Prose | At::OtherBlock => {}
        }
    }
    assert!(
        blocks > 0 && at == At::Prose,
        "README.md: no complete ```sh block under {HEADING:?}"
    );
    lines
}

/// Splits a shell line into the command and its trailing `# comment` (outside quotes).
fn split_comment(line: &str) -> (&str, &str) {
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '#') if previous.is_whitespace() => return (&line[..i], &line[i..]),
            _ => {}
        }
        previous = c;
    }
    (line, "")
}

/// The free ports that replace the README's fixed ones.
struct Ports {
    ledger: u16,
    mpc_base: u16,
}

/// The bash script for the tour's lines, and the lines it skipped.
fn script(lines: &[String], ports: &Ports, snarkjs: bool) -> (String, Vec<String>) {
    let mut out = String::from(
        r#"set -euo pipefail
tour_jobs=()
tour_servers=()
tour_stop() { for p in "${tour_servers[@]}" "${tour_jobs[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap tour_stop EXIT
tour_wait_port() {
  for _ in $(seq 1 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "tour: nothing listens on port $1" >&2
  return 1
}
PS4='+ tour: '
set -x
"#,
    );
    let mut skipped = Vec::new();
    let mut retry = String::new();
    for line in lines {
        let (command, comment) = split_comment(line);
        let command = command
            .trim_end()
            .replace(LEDGER_ADDRESS, &format!("127.0.0.1:{}", ports.ledger))
            .replace(MPC_BASE_PORT, &format!("--base-port {}", ports.mpc_base));
        if comment.starts_with(SKIP) || (!snarkjs && command.contains(SNARKJS)) {
            skipped.push(line.trim().to_string());
            out.push_str(": tour-skipped\n");
            if comment.starts_with(SKIP) {
                // Tried once more at the end, servers still up: a marker must not outlive
                // the fix it waits for.
                retry.push_str(&format!(
                    "if ( {command} ) >/dev/null 2>&1; then echo {}; fi\n",
                    single_quoted(&format!("{NOW_WORKS}{}", line.trim()))
                ));
            }
            continue;
        }
        match command.strip_suffix('&') {
            Some(job) if !job.ends_with('&') => {
                if job.contains("ledger serve") {
                    out.push_str(&format!(
                        "{job}& tour_servers+=($!)\ntour_wait_port {}\n",
                        ports.ledger
                    ));
                } else {
                    out.push_str(&format!("{job}& tour_jobs+=($!)\n"));
                }
            }
            _ => {
                out.push_str(&command);
                out.push('\n');
            }
        }
    }
    out.push_str("for p in \"${tour_jobs[@]}\"; do wait \"$p\"; done\nset +x\n");
    out.push_str(&retry);
    out.push_str("echo 'tour: every command succeeded'\n");
    (out, skipped)
}

/// `text` as one single-quoted bash word.
fn single_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// What a run of the script left behind.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `script` with bash in `dir` (its own process group, killed at the end or at the
/// deadline), with this build's `conclave` first on PATH.
fn run(dir: &Path, script: &str, deadline: Duration) -> Run {
    use std::os::unix::process::CommandExt;
    std::fs::write(dir.join("tour.sh"), script).unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_conclave")).parent().unwrap();
    let path = std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let stdout = std::fs::File::create(dir.join("tour.stdout")).unwrap();
    let stderr = std::fs::File::create(dir.join("tour.stderr")).unwrap();
    let mut child = Command::new("bash")
        .arg("tour.sh")
        .current_dir(dir)
        .env("PATH", path)
        .env(
            "XDG_CACHE_HOME",
            std::env::temp_dir().join("conclave-he-cli-test-cache"),
        )
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .process_group(0)
        .spawn()
        .expect("bash runs");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    // Whatever is left of the group (a server whose trap did not run, a stuck party).
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .stderr(Stdio::null())
        .status();
    let _ = child.wait();
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    Run {
        code: status.and_then(|s| s.code()),
        stdout: read("tour.stdout"),
        stderr: read("tour.stderr"),
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn node_available() -> bool {
    Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn record(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: the tour should have written it: {e}", path.display()));
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["kind"], "conclave.result", "{}", path.display());
    assert_eq!(
        value["signatures"].as_array().map(Vec::len),
        Some(3),
        "{}: signed by the three banks",
        path.display()
    );
    value
}

#[test]
fn readme_tour_runs_as_written() {
    let repo = repo();
    let readme = std::fs::read_to_string(repo.join("README.md")).unwrap();
    let lines = tour_lines(&readme);
    let text = lines.join("\n");
    for needle in [LEDGER_ADDRESS, MPC_BASE_PORT, "examples/data"] {
        assert!(
            text.contains(needle),
            "the tour no longer uses {needle:?}: update tour.rs"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    copy_dir(&repo.join("examples/data"), &d.join("examples/data"));
    let snarkjs = repo.join("interop/node_modules/.bin/snarkjs").exists() && node_available();
    if snarkjs {
        std::os::unix::fs::symlink(repo.join("interop"), d.join("interop")).unwrap();
    }
    let ports = Ports {
        ledger: free_base_port(1),
        mpc_base: free_base_port(3),
    };
    let (script, skipped) = script(&lines, &ports, snarkjs);
    for line in &skipped {
        eprintln!("tour: skipped `{line}`");
    }
    assert!(
        skipped.len() <= 2,
        "the tour skips {} lines: fix them instead: {skipped:#?}",
        skipped.len()
    );

    let outcome = run(d, &script, DEADLINE);
    assert_eq!(
        outcome.code,
        Some(0),
        "the README tour failed (None: killed after {} s); the last command traced is the \
         one that failed\n--- stdout (tail) ---\n{}\n--- stderr (tail) ---\n{}",
        DEADLINE.as_secs(),
        tail(&outcome.stdout, 40),
        tail(&outcome.stderr, 40)
    );
    let out = &outcome.stdout;
    assert!(out.contains("tour: every command succeeded"), "{out}");
    let fixed: Vec<&str> = out.lines().filter(|l| l.starts_with(NOW_WORKS)).collect();
    assert!(
        fixed.is_empty(),
        "README.md: these lines work now; remove their `{SKIP}` marker: {fixed:#?}"
    );

    // The key outputs: verified proofs, a verified ledger entry, signed MPC results, the
    // lender's private decisions, the TFHE decision and the threshold-decrypted total.
    assert!(
        out.contains("2 of 2 proofs valid") && !out.contains("INVALID"),
        "zk/range batch verification: {out}"
    );
    if snarkjs {
        assert!(out.contains("OK: the snarkjs proof is valid"), "{out}");
    }
    assert!(out.contains("VALID: entry 1 "), "ledger verify: {out}");
    let tour = d.join("tour");
    record(&tour.join("mpc/stats.json"));
    record(&tour.join("mpc/decisions.json"));
    let private: Value = serde_json::from_str(
        &std::fs::read_to_string(tour.join("mpc/decisions.private.json")).unwrap(),
    )
    .unwrap();
    let alice = private["decisions"]
        .as_array()
        .and_then(|all| all.iter().find(|d| d["id"] == "alice"))
        .unwrap_or_else(|| panic!("no decision for alice: {private}"));
    assert_eq!(alice["approve"], true, "{private}");
    assert!(out.contains("score 464, decision: approve"), "TFHE: {out}");
    assert!(out.contains("total 30 "), "threshold total: {out}");
    let total: Value =
        serde_json::from_str(&std::fs::read_to_string(tour.join("fraud-total.json")).unwrap())
            .unwrap();
    assert_eq!(total["kind"], "conclave.result");
}

/// The harness itself: a wrong command fails the run, a failing background party fails
/// it, marked lines are skipped, ports are replaced (so a broken README cannot pass).
#[test]
fn tour_harness_catches_a_wrong_command() {
    let markdown = "# x\n## A tour of the CLI\n```sh\nmkdir tour && cd tour   # a comment\n\
                    conclave zk commit --value 1 --out s.json\n\
                    conclave ledger serve --data nowhere --listen 127.0.0.1:7700 &   # x\n\
                    conclave nonsense --out x   # tour-skip: not yet\n```\n\
                    ```text\nnot a command\n```\n## Next\n```sh\nfalse\n```\n";
    let lines = tour_lines(markdown);
    assert_eq!(lines.len(), 4, "{lines:?}");
    let ports = Ports {
        ledger: 1234,
        mpc_base: 5678,
    };
    let (text, skipped) = script(&lines, &ports, false);
    assert_eq!(
        skipped,
        ["conclave nonsense --out x   # tour-skip: not yet"]
    );
    assert!(
        text.contains("--listen 127.0.0.1:1234 & tour_servers+=($!)"),
        "{text}"
    );
    assert!(!text.contains("not a command") && !text.contains("\nfalse\n"));

    let dir = tempfile::tempdir().unwrap();
    let wrong = vec![
        "conclave zk commit --value 712 --out s.json".to_string(),
        "conclave zk verify --vk missing.vk --proof s.json".to_string(),
        "touch should-not-exist".to_string(),
    ];
    let (text, _) = script(&wrong, &ports, false);
    let outcome = run(dir.path(), &text, Duration::from_secs(60));
    assert_eq!(outcome.code, Some(2), "{}", outcome.stderr);
    assert!(dir.path().join("s.json").exists());
    assert!(!dir.path().join("should-not-exist").exists());

    // A marked line is not run in place; one that works by the end is reported.
    let dir = tempfile::tempdir().unwrap();
    let marked = vec![
        "test -e later   # tour-skip: 'later' is not there yet".to_string(),
        "false   # tour-skip: still broken".to_string(),
        "touch later".to_string(),
    ];
    let (text, skipped) = script(&marked, &ports, false);
    assert_eq!(skipped.len(), 2);
    let outcome = run(dir.path(), &text, Duration::from_secs(60));
    assert_eq!(outcome.code, Some(0), "{}", outcome.stderr);
    let reported: Vec<&str> = outcome
        .stdout
        .lines()
        .filter(|l| l.starts_with(NOW_WORKS))
        .collect();
    assert_eq!(
        reported,
        [format!("{NOW_WORKS}{}", marked[0])],
        "{}",
        outcome.stdout
    );

    // A background job that fails is caught at the end.
    let dir = tempfile::tempdir().unwrap();
    let background = vec!["conclave zk verify --vk missing.vk --proof x.json &".to_string()];
    let (text, _) = script(&background, &ports, false);
    let outcome = run(dir.path(), &text, Duration::from_secs(60));
    assert_eq!(outcome.code, Some(2), "{}", outcome.stderr);
}
