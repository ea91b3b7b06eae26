//! `conclave demo`: the end-to-end scenario, told as a short story with timings.
//!
//! Each command family has one chapter, a module here (`demo::zk`, `demo::range`,
//! `demo::mpc`, `demo::he`, `demo::ledger`, `demo::credentials`, `demo::onchain`); chapters
//! run in order in one temporary directory and may leave artifacts for later chapters
//! (the ledger chapter anchors the proof made by the zero-knowledge chapter; the
//! credentials chapter anchors its predicate proof on the ledger chapter's node; the
//! on-chain chapter verifies that proof and anchors the ledger's checkpoint on an
//! in-process EVM).

use std::any::Any;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{json, Value};

use crate::output::{millis, Output, Verdict};

mod credentials;
mod he;
mod ledger;
mod mpc;
mod onchain;
mod range;
mod zk;

/// Options of `conclave demo`.
#[derive(clap::Args)]
pub struct Args {
    /// Keep the working directory (and print its path) instead of deleting it.
    #[arg(long)]
    pub keep: bool,
}

/// Shared state of one demo run: where files go, what earlier chapters produced.
pub struct Story<'a> {
    out: &'a Output,
    dir: PathBuf,
    started: Instant,
    chapters: usize,
    /// Files produced by earlier chapters, by name (e.g. `"zk.proof"`, `"zk.vk"`).
    pub artifacts: BTreeMap<&'static str, PathBuf>,
    /// Address of a ledger node started by the ledger chapter, if any.
    pub ledger_url: Option<String>,
    /// The credentials chapter's predicate key, proof and issuers, for the on-chain chapter.
    pub predicate: Option<onchain::Predicate>,
    /// Values kept alive until the story ends (servers, child processes).
    pub keep_alive: Vec<Box<dyn Any>>,
    /// Chapter summaries for the `--json` report, by key (e.g. `"mpc"`).
    pub summaries: serde_json::Map<String, Value>,
    events: Vec<Value>,
}

impl Story<'_> {
    /// A path inside the working directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Starts the next chapter with a numbered heading.
    pub fn chapter(&mut self, title: &str) -> anyhow::Result<()> {
        self.chapters += 1;
        self.out.say(&format!("\n== {}. {title} ==", self.chapters))
    }

    /// Fails the demo, naming what should have held, unless `holds`.
    ///
    /// # Errors
    /// When `holds` is false: the demo has shown a broken property.
    pub fn expect(&self, holds: bool, what: &str) -> anyhow::Result<()> {
        anyhow::ensure!(holds, "demo expectation failed: {what}");
        Ok(())
    }

    /// Tells one step of the story, with how long it took.
    pub fn tell(&mut self, line: &str, took: Duration) -> anyhow::Result<()> {
        self.events
            .push(json!({ "step": line, "ms": millis(took) }));
        self.out
            .say(&format!("  {line:<64} {:>10.1} ms", millis(took)))
    }

    /// Runs `work` as one timed step of the story and tells it.
    pub fn step<T>(
        &mut self,
        line: &str,
        work: impl FnOnce() -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let (value, took) = self.out.step(line, work);
        let value = value.with_context(|| format!("demo step failed: {line}"))?;
        self.tell(line, took)?;
        Ok(value)
    }
}

/// Runs every chapter in order in a fresh temporary directory.
pub fn run(args: Args, out: &Output) -> anyhow::Result<Verdict> {
    let temp = tempfile::Builder::new()
        .prefix("conclave-demo-")
        .tempdir()?;
    let mut story = Story {
        out,
        dir: temp.path().to_path_buf(),
        started: Instant::now(),
        chapters: 0,
        artifacts: BTreeMap::new(),
        ledger_url: None,
        predicate: None,
        keep_alive: Vec::new(),
        summaries: serde_json::Map::new(),
        events: Vec::new(),
    };
    out.say("Conclave demo: a loan applicant, her lenders and a public ledger.")?;
    out.say(&format!("Working in {}", story.dir.display()))?;
    // Chapters, in story order: one module each.
    zk::chapter(&mut story)?;
    range::chapter(&mut story)?;
    mpc::chapter(&mut story)?;
    he::chapter(&mut story)?;
    ledger::chapter(&mut story)?;
    credentials::chapter(&mut story)?;
    onchain::chapter(&mut story)?;

    let total = story.started.elapsed();
    let events = std::mem::take(&mut story.events);
    let summaries = std::mem::take(&mut story.summaries);
    drop(story);
    let kept = if args.keep {
        Some(temp.keep().display().to_string())
    } else {
        None
    };
    out.say(&format!("\nDemo finished in {:.1} s.", total.as_secs_f64()))?;
    if let Some(dir) = &kept {
        out.say(&format!("Files kept in {dir}"))?;
    }
    if out.is_json() {
        let mut report =
            json!({ "ok": true, "total_ms": millis(total), "steps": events, "kept": kept });
        if let Value::Object(map) = &mut report {
            map.extend(summaries);
        }
        out.report("", report)?;
    }
    Ok(Verdict::Success)
}
