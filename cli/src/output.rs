//! How commands talk to people and scripts: prose or one JSON object, progress spinners
//! only on a terminal, and the verdict that becomes the exit code.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

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
}

impl Output {
    /// Prose for people unless `json`; spinners only when stderr is a terminal.
    pub fn new(json: bool) -> Self {
        Output {
            json,
            show_progress: !json && std::io::stderr().is_terminal(),
        }
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
        eprintln!("error: {error:#}");
        if self.json {
            let object = serde_json::json!({ "ok": false, "error": format!("{error:#}") });
            println!("{object}");
        }
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
