//! How commands talk to people and scripts: prose or one JSON object, progress spinners
//! only on a terminal, and the verdict that becomes the exit code; and the invocation's
//! [`WritePolicy`] (`--force`), handed to every command with it.
//!
//! The output contract: with `--json`, stdout carries exactly one JSON object per
//! invocation, whose `"ok"` is true exactly when the exit code is 0; every verify command
//! prints `"valid": true|false` with exit code 0 or 1; any error, usage errors included, prints
//! `{"ok": false, "error": "…"}` and exits 2. Messages are `Display` text, each cause
//! once, never a Rust `Debug` structure ([`error_message`]).

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

use crate::fsio::WritePolicy;

/// What a command concluded; errors are reported separately (exit code 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Everything succeeded (exit code 0).
    Success,
    /// A proof or check was well-formed but invalid (exit code 1).
    Invalid,
}

impl Verdict {
    /// `Success` when `ok`, `Invalid` otherwise.
    pub fn from_valid(ok: bool) -> Self {
        if ok {
            Verdict::Success
        } else {
            Verdict::Invalid
        }
    }
}

/// The output channel of one command invocation.
pub struct Output {
    json: bool,
    show_progress: bool,
    writes: WritePolicy,
}

impl Output {
    /// Prose for people unless `json`; spinners only when stderr is a terminal; files
    /// written under `writes`.
    pub fn new(json: bool, writes: WritePolicy) -> Self {
        Output {
            json,
            show_progress: !json && std::io::stderr().is_terminal(),
            writes,
        }
    }

    /// Whether this invocation may replace existing files (`--force`).
    pub fn writes(&self) -> WritePolicy {
        self.writes
    }

    /// Whether this invocation prints JSON.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Prints the command's result: `human` as prose, or `json` as one JSON object.
    pub fn report(&self, human: &str, json: Value) -> anyhow::Result<()> {
        let mut stdout = std::io::stdout().lock();
        if self.json {
            serde_json::to_writer(&mut stdout, &json)?;
            writeln!(stdout)?;
        } else {
            writeln!(stdout, "{human}")?;
        }
        stdout.flush()?;
        Ok(())
    }

    /// Prints a line of prose (nothing in JSON mode): used by stories such as the demo.
    pub fn say(&self, line: &str) -> anyhow::Result<()> {
        if !self.json {
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "{line}")?;
            stdout.flush()?;
        }
        Ok(())
    }

    /// Runs a long step, with a spinner named `label` on a terminal; returns its duration.
    pub fn step<T>(&self, label: &str, work: impl FnOnce() -> T) -> (T, Duration) {
        let spinner = self.show_progress.then(|| {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
                bar.set_style(style);
            }
            bar.set_message(label.to_owned());
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        let start = Instant::now();
        let value = work();
        let elapsed = start.elapsed();
        if let Some(bar) = spinner {
            bar.finish_and_clear();
        }
        (value, elapsed)
    }

    /// Reports an error: one line on stderr, and a JSON object on stdout in JSON mode.
    pub fn error(&self, error: &anyhow::Error) {
        report_error(self.json, &error_message(error));
    }
}

/// Prints `message` as an error on stderr, and as `{"ok": false, "error": message}` on
/// stdout when `json` (also used for usage errors, before an [`Output`] exists).
pub fn report_error(json: bool, message: &str) {
    eprintln!("error: {message}");
    if json {
        let object = serde_json::json!({ "ok": false, "error": message });
        println!("{object}");
    }
}

/// The error and its causes on one line, as people should read it: each cause once (a
/// library error that repeats its source is not repeated again), and the `Debug` form of
/// an I/O error that a dependency printed (`Error { kind: UnexpectedEof, message: "…" }`,
/// `Os { code: 2, … }`) replaced by its message.
pub fn error_message(error: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in error.chain() {
        let text = without_debug_structures(&cause.to_string());
        if parts.last().is_some_and(|last| last.ends_with(&text)) {
            continue;
        }
        parts.push(text);
    }
    parts.join(": ")
}

/// Replaces every `std::io::Error` `Debug` structure in `text` by its message.
fn without_debug_structures(text: &str) -> String {
    const OPENINGS: [&str; 4] = ["Os { code: ", "Error { kind: ", "Custom { kind: ", "Kind("];
    let mut rest = text;
    let mut out = String::with_capacity(text.len());
    while let Some((start, opening)) = OPENINGS
        .iter()
        .filter_map(|o| rest.find(o).map(|i| (i, *o)))
        .min_by_key(|(i, _)| *i)
    {
        let Some(length) = structure_length(&rest[start..]) else {
            break;
        };
        let structure = &rest[start..start + length];
        out.push_str(&rest[..start]);
        out.push_str(&plain_io_error(structure, opening));
        rest = &rest[start + length..];
    }
    out.push_str(rest);
    out
}

/// Length of the balanced `{ … }` or `( … )` structure at the start of `text` (quotes
/// respected), or `None` if it does not close.
fn structure_length(text: &str) -> Option<usize> {
    let (mut depth, mut quoted, mut escaped) = (0usize, false, false);
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '{' | '(' if !quoted => depth += 1,
            '}' | ')' if !quoted => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// The message inside one I/O error `Debug` structure.
fn plain_io_error(structure: &str, opening: &str) -> String {
    let quoted = ["message: \"", "error: \""]
        .iter()
        .find_map(|field| structure.find(field).map(|i| &structure[i + field.len()..]))
        .and_then(|tail| tail.rfind('"').map(|end| tail[..end].replace("\\\"", "\"")));
    let kind = |text: &str| {
        let mut words = String::new();
        for c in text.chars().filter(|c| c.is_alphanumeric()) {
            if c.is_uppercase() && !words.is_empty() {
                words.push(' ');
            }
            words.extend(c.to_lowercase());
        }
        words
    };
    match (opening, quoted) {
        ("Os { code: ", Some(message)) => {
            let code: String = structure[opening.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            format!("{message} (os error {code})")
        }
        (_, Some(message)) => message,
        ("Kind(", None) => kind(&structure[opening.len()..]),
        (_, None) => structure
            .split("kind: ")
            .nth(1)
            .map(|k| kind(k.split([',', ' ']).next().unwrap_or("")))
            .unwrap_or_else(|| "I/O error".to_owned()),
    }
}

/// Whether the error is a closed stdout (`conclave … | head`), which is not a failure.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Milliseconds with three decimals, for timings in reports.
pub fn millis(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1e6).round() / 1e3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_debug_structures_become_messages() {
        let cases = [
            (
                r#"malformed proving key: I/O error: Error { kind: UnexpectedEof, message: "failed to fill whole buffer" }"#,
                "malformed proving key: I/O error: failed to fill whole buffer",
            ),
            (
                r#"x: Os { code: 2, kind: NotFound, message: "No such file or directory" }"#,
                "x: No such file or directory (os error 2)",
            ),
            (
                r#"y: Custom { kind: InvalidData, error: "bad \"tag\"" } and Kind(UnexpectedEof)"#,
                r#"y: bad "tag" and unexpected eof"#,
            ),
            ("plain text { braces } stay", "plain text { braces } stay"),
            ("Kind(unclosed", "Kind(unclosed"),
        ];
        for (debug, plain) in cases {
            assert_eq!(without_debug_structures(debug), plain);
        }
    }

    #[test]
    fn a_cause_repeated_by_its_error_is_printed_once() {
        let io = std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "cut short");
        let error = anyhow::Error::new(io)
            .context("bad key: cut short")
            .context("k.pk");
        assert_eq!(error_message(&error), "k.pk: bad key: cut short");
    }
}
