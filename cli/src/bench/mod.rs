//! `conclave bench`: the benchmark suites researchers run from the shipped binary, and the
//! report they leave (docs/benchmarks.md, "conclave bench"; file formats in
//! docs/formats.md, "Benchmark results").
//!
//! This module owns the command (arguments, the checks on `--out` made before anything is
//! measured, one progress bar per suite) and the measurement loop ([`Runner`]); the suites
//! live in [`zk`], [`credentials`], [`range`], [`mpc`], [`he`] and [`ledger`], the statistics in [`stats`], the machine header in
//! [`machine`], plots in [`svg`] (and their PNG copies in [`png`]), the report files in [`report`] and the compact table of
//! an existing report (`--markdown`) in [`markdown`].
//!
//! Timings are wall-clock seconds of one call each (no outlier removal): what a user of the
//! library would see. Each series starts with one discarded warm-up call ([`Runner::time`],
//! [`Runner::warm_up`]) so that the first sample does not pay the process's first-call
//! costs (page faults, thread pools, lazily built tables). Every random input comes from a
//! ChaCha20 stream seeded by `--seed`, recorded in the report.
//!
//! The suites run in **passes** ([`Mode::passes`]): every pass runs every suite with its
//! share of each measurement's samples (suites in reverse order on odd passes), and the
//! samples of all passes are pooled. A measurement's samples are thus spread over the whole
//! run rather than taken within a few seconds, so a slow minute of a shared machine widens
//! its spread instead of shifting its median — what makes two runs agree. Work that only
//! prepares measurements (keys, proofs to verify) is made once ([`Runner::keep`]).

mod credentials;
mod he;
mod ledger;
mod machine;
mod markdown;
mod mpc;
mod png;
mod range;
mod report;
mod stats;
mod svg;
mod zk;

use std::any::Any;
use std::collections::HashMap;
use std::fs;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::ValueEnum;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde_json::json;

use crate::fsio::WritePolicy;
use crate::output::{Output, Verdict};

use report::{Measurement, PeerInfo, Ratio, Skipped};

/// Runs `command` (a peer, or this binary as a fresh process) and fails unless it exits
/// 0, with its status and both streams in the error.
fn run_checked(
    command: &mut std::process::Command,
    what: &str,
) -> anyhow::Result<std::process::Output> {
    let output = command
        .output()
        .with_context(|| format!("{what}: cannot start"))?;
    if !output.status.success() {
        bail!(
            "{what} failed ({}): {} {}",
            output.status,
            String::from_utf8_lossy(&output.stdout).trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(output)
}

/// Arguments of `conclave bench`.
#[derive(clap::Args)]
pub struct Args {
    /// Which suite to run (with --markdown: which suite's rows to print).
    #[arg(value_enum, default_value_t = SuiteChoice::All)]
    suite: SuiteChoice,
    /// Small sizes and few samples: each suite in a few seconds (the default).
    #[arg(long, conflicts_with = "full")]
    quick: bool,
    /// The full sweeps (Groth16 up to 2^18 constraints): minutes.
    #[arg(long)]
    full: bool,
    /// Tiny sizes for tests (hidden).
    #[arg(long, hide = true, conflicts_with_all = ["quick", "full"])]
    tiny: bool,
    /// Also run the peers found on this machine (snarkjs from interop/node_modules) on the
    /// same work, reported side by side as ratios.
    #[arg(long)]
    compare: bool,
    /// Folder for the report (created; must be empty unless --force).
    #[arg(long, required_unless_present_any = ["markdown", "replot"])]
    out: Option<PathBuf>,
    /// With --compare: where the slow, once-only preparation of peers is kept and reused
    /// (the circom build and Groth16 setup of the credentials suite's snarkjs peer).
    /// Default: $XDG_CACHE_HOME/conclave/bench-peers, else ~/.cache/conclave/bench-peers,
    /// else peer-cache/ in the report folder.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["markdown", "replot"])]
    peer_cache: Option<PathBuf>,
    /// Measure nothing: print the compact Markdown table (work, median, q1–q3, n, and the
    /// machine line) of an existing report, given as its folder or its results.json.
    #[arg(
        long,
        value_name = "REPORT",
        conflicts_with_all = ["out", "quick", "full", "tiny", "compare"]
    )]
    markdown: Option<PathBuf>,
    /// With --markdown: compare with another report (folder or results.json): both
    /// medians, their ratio, and whether their spreads overlap, for every work in both.
    #[arg(
        long,
        value_name = "REPORT",
        requires = "markdown",
        conflicts_with = "headline"
    )]
    against: Option<PathBuf>,
    /// With --against: two measurements agree when their min–max ranges overlap or their
    /// medians differ by at most this many percent (default: the run-to-run variation
    /// measured on a quiet machine, docs/benchmarks.md).
    #[arg(
        long,
        value_name = "PERCENT",
        requires = "against",
        default_value_t = markdown::DEFAULT_TOLERANCE_PERCENT
    )]
    tolerance: f64,
    /// Measure nothing: redraw the plots (SVG and PNG) of an existing report folder from
    /// the samples in its results.json, replacing them (needs --force); its tables are left
    /// as they are.
    #[arg(
        long,
        value_name = "REPORT",
        conflicts_with_all = ["out", "quick", "full", "tiny", "compare", "markdown"]
    )]
    replot: Option<PathBuf>,
    /// With --markdown: the headline table instead (README's "Speed"): the largest size of
    /// each work and series, and every ratio at its largest size.
    #[arg(long, requires = "markdown")]
    headline: bool,
    /// Seed of every random input (recorded in the report).
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// The suites on the command line.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SuiteChoice {
    /// Groth16 (BN254) against constraint count, batch verification against batch size.
    Zk,
    /// Credential predicate proofs against the number of credentials in one proof.
    Credentials,
    /// Bulletproofs against bits and aggregation size.
    Range,
    /// The MPC engine over TLS processes against parties and network delay (and mpyc).
    Mpc,
    /// TFHE scoring against features, threshold ElGamal totals against values.
    He,
    /// Ledger appends against concurrent clients, audit against log size.
    Ledger,
    /// Every suite.
    All,
}

impl SuiteChoice {
    /// The one suite chosen, or `None` for all.
    fn suite(self) -> Option<Suite> {
        match self {
            SuiteChoice::Zk => Some(Suite::Zk),
            SuiteChoice::Credentials => Some(Suite::Credentials),
            SuiteChoice::Range => Some(Suite::Range),
            SuiteChoice::Mpc => Some(Suite::Mpc),
            SuiteChoice::He => Some(Suite::He),
            SuiteChoice::Ledger => Some(Suite::Ledger),
            SuiteChoice::All => None,
        }
    }
}

/// A suite that runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suite {
    /// [`zk`].
    Zk,
    /// [`credentials`].
    Credentials,
    /// [`range`].
    Range,
    /// [`mpc`].
    Mpc,
    /// [`he`].
    He,
    /// [`ledger`].
    Ledger,
}

impl Suite {
    /// Its name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Suite::Zk => "zk",
            Suite::Credentials => "credentials",
            Suite::Range => "range",
            Suite::Mpc => "mpc",
            Suite::He => "he",
            Suite::Ledger => "ledger",
        }
    }

    /// Every suite, in the order `all` runs them.
    const ALL: [Suite; 6] = [
        Suite::Zk,
        Suite::Credentials,
        Suite::Range,
        Suite::Mpc,
        Suite::He,
        Suite::Ledger,
    ];

    /// The plot files it writes.
    fn plots(self) -> &'static [&'static str] {
        match self {
            Suite::Zk => zk::PLOTS,
            Suite::Credentials => credentials::PLOTS,
            Suite::Range => range::PLOTS,
            Suite::Mpc => mpc::PLOTS,
            Suite::He => he::PLOTS,
            Suite::Ledger => ledger::PLOTS,
        }
    }

    /// The seed of its random stream: `--seed` mixed with the suite, so suites run alone
    /// or together see the same inputs; below 2^53, so JSON readers that parse numbers as
    /// doubles read it exactly.
    fn seed(self, base: u64) -> u64 {
        let salt = match self {
            Suite::Zk => 0x7a6b,
            Suite::Credentials => 0x6372_6564,
            Suite::Range => 0x7261_6e67,
            Suite::Mpc => 0x006d_7063,
            Suite::He => 0x6865,
            Suite::Ledger => 0x6c65_6467_6572,
        };
        (base.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ salt) & ((1 << 53) - 1)
    }
}

/// How much to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Test sizes: a fraction of a second per suite.
    Tiny,
    /// A few seconds per suite.
    Quick,
    /// The full sweeps.
    Full,
}

impl Mode {
    /// Its name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Tiny => "tiny",
            Mode::Quick => "quick",
            Mode::Full => "full",
        }
    }

    /// Picks one of three values by mode.
    pub fn pick<T>(self, tiny: T, quick: T, full: T) -> T {
        match self {
            Mode::Tiny => tiny,
            Mode::Quick => quick,
            Mode::Full => full,
        }
    }

    /// How many passes the run makes over its suites: every measurement with at least
    /// this many samples has samples from every pass. (`--full` has as few as 2 samples
    /// of its slowest set-ups.)
    pub fn passes(self) -> usize {
        self.pick(2, 3, 2)
    }
}

/// Which measurement a sample set belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// What was timed (`prove`, `verify`, …).
    pub operation: &'static str,
    /// Which implementation or variant (`conclave`, `batch`, `snarkjs`, …).
    pub series: &'static str,
    /// What `size` counts (`constraints`, `bits`, `proofs`, …).
    pub parameter: &'static str,
    /// The size of the work.
    pub size: u64,
}

/// A warm-up call longer than this (seconds) counts as the first sample of its series
/// rather than being repeated ([`Runner::time`]).
pub const WARM_UP_LIMIT: f64 = 1.0;

/// In passes after the first, whose process is warm, a warm-up call longer than this
/// (seconds) counts as a sample: it only has to bring the series' data back into the
/// caches, which costs microseconds next to such a call.
pub const LATER_WARM_UP_LIMIT: f64 = 0.05;

/// The samples of one paired ratio, pooled over the passes.
struct PendingRatio {
    numerator: Key,
    denominator: Key,
    note: String,
    numerator_samples: Vec<f64>,
    denominator_samples: Vec<f64>,
}

/// Runs one suite's measurements and collects them, ticking the suite's progress bar.
pub struct Runner {
    suite: Suite,
    mode: Mode,
    seed: u64,
    compare: bool,
    peer_cache: PathBuf,
    bar: Option<ProgressBar>,
    /// The pass being run (0-based) and how many there are.
    pass: usize,
    passes: usize,
    /// Samples so far, per measurement, in the order first recorded.
    samples: Vec<(Key, Vec<f64>)>,
    /// Paired samples so far, per ratio.
    pending_ratios: Vec<PendingRatio>,
    /// What [`Runner::keep`] made in an earlier pass.
    kept: HashMap<&'static str, Rc<dyn Any>>,
    /// Everything measured (filled by [`Runner::finish`]).
    pub measurements: Vec<Measurement>,
    /// Ratios between paired measurements (filled by [`Runner::finish`]).
    pub ratios: Vec<Ratio>,
    /// Peers that ran (each once, however many passes recorded it).
    pub peers: Vec<PeerInfo>,
    /// Peers that did not, and why.
    pub skipped: Vec<Skipped>,
}

impl Runner {
    fn new(
        suite: Suite,
        mode: Mode,
        seed: u64,
        compare: bool,
        peer_cache: PathBuf,
        progress: Option<&MultiProgress>,
    ) -> Self {
        let bar = progress.map(|bars| {
            let bar = bars.add(ProgressBar::new(0));
            if let Ok(style) = ProgressStyle::with_template(
                "{prefix:>6} [{bar:30}] {pos}/{len} samples, {elapsed} elapsed, ~{eta} left",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(suite.name());
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Runner {
            suite,
            mode,
            seed,
            compare,
            peer_cache,
            bar,
            pass: 0,
            passes: mode.passes(),
            samples: Vec::new(),
            pending_ratios: Vec::new(),
            kept: HashMap::new(),
            measurements: Vec::new(),
            ratios: Vec::new(),
            peers: Vec::new(),
            skipped: Vec::new(),
        }
    }

    /// The measurement size.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The seed of this suite's random stream.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Whether `--compare` was given.
    pub fn compare(&self) -> bool {
        self.compare
    }

    /// Where peers' once-only preparation is cached (`--peer-cache`).
    pub fn peer_cache(&self) -> &Path {
        &self.peer_cache
    }

    /// Announces how many samples the suite will take (for the bar's estimate of time left).
    pub fn plan(&self, samples: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(samples);
        }
    }

    fn tick(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// Starts pass `pass` (0-based) of this suite.
    fn begin_pass(&mut self, pass: usize) {
        self.pass = pass;
    }

    /// How many of a measurement's `n` samples this pass takes: sample `i` is taken in
    /// pass `i mod passes`, so the first passes take one more when `passes` does not
    /// divide `n`, and a pass may take none when `n < passes`.
    pub fn share(&self, n: usize) -> usize {
        (n + self.passes - 1 - self.pass) / self.passes
    }

    /// Makes `value` once, in the first pass that asks for it, and hands the same value to
    /// every later pass: preparation that is not itself measured (keys, proofs to verify).
    ///
    /// # Errors
    /// The error of `make`, or a value of another type kept under `name` (a bug).
    pub fn keep<T: 'static>(
        &mut self,
        name: &'static str,
        make: impl FnOnce(&mut Self) -> anyhow::Result<T>,
    ) -> anyhow::Result<Rc<T>> {
        let any: Rc<dyn Any> = match self.kept.get(name) {
            Some(value) => Rc::clone(value),
            None => {
                let value: Rc<dyn Any> = Rc::new(make(self)?);
                self.kept.insert(name, Rc::clone(&value));
                value
            }
        };
        any.downcast::<T>()
            .map_err(|_| anyhow::anyhow!("{name}: kept with another type (a bug)"))
    }

    /// Times this pass's share of `n` calls of `work` ([`Runner::share`]), one sample
    /// each, after one discarded warm-up call.
    ///
    /// A warm-up call that takes longer than [`WARM_UP_LIMIT`] ([`LATER_WARM_UP_LIMIT`] in
    /// later passes, whose process is warm) is kept as the first sample instead
    /// (first-call costs are milliseconds, lost in the noise of such a call), so slow
    /// calls are not paid twice. A pass whose share is 0 still calls `work` once, unrecorded,
    /// for the values the suite takes from it.
    ///
    /// # Errors
    /// The first error of `work`.
    pub fn time<T>(
        &self,
        n: usize,
        mut work: impl FnMut() -> anyhow::Result<T>,
    ) -> anyhow::Result<Vec<f64>> {
        let share = self.share(n);
        let mut samples = Vec::with_capacity(share);
        let limit = if self.pass == 0 {
            WARM_UP_LIMIT
        } else {
            LATER_WARM_UP_LIMIT
        };
        let first = clock(&mut work)?;
        if first > limit && share > 0 {
            samples.push(first);
            self.tick();
        }
        while samples.len() < share {
            samples.push(self.once(&mut work)?);
        }
        Ok(samples)
    }

    /// One call of `work` whose time is not a sample (no progress tick): the warm-up
    /// before a series. Only in the first pass: later passes run in a warm process with
    /// the series' files in the page cache.
    ///
    /// # Errors
    /// The error of `work`.
    pub fn warm_up<T>(&self, work: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<()> {
        if self.pass == 0 {
            clock(work)?;
        }
        Ok(())
    }

    /// Times one call of `work`, in seconds.
    ///
    /// # Errors
    /// The error of `work`.
    pub fn once<T>(&self, work: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<f64> {
        let took = clock(work)?;
        self.tick();
        Ok(took)
    }

    /// Times this pass's share of `n` pairs of calls of `a` and `b` on a shared `state`,
    /// swapping which of the two goes first in every other pair (a b, b a, a b, …; odd
    /// passes start with b a, so that a pass of one pair does not always put `a` first),
    /// so that whatever drifts within a pair (caches, clock, the other's leftovers) does
    /// not always favour the same side. Returns both sample lists, in pair order (for
    /// [`Runner::ratio`]); no warm-up (call [`Runner::warm_up`] first).
    ///
    /// # Errors
    /// The first error of `a` or `b`.
    pub fn alternate<S, A, B>(
        &self,
        n: usize,
        state: &mut S,
        mut a: impl FnMut(&mut S) -> anyhow::Result<A>,
        mut b: impl FnMut(&mut S) -> anyhow::Result<B>,
    ) -> anyhow::Result<(Vec<f64>, Vec<f64>)> {
        let share = self.share(n);
        let (mut first, mut second) = (Vec::with_capacity(share), Vec::with_capacity(share));
        for pair in 0..share {
            if (pair + self.pass).is_multiple_of(2) {
                first.push(self.once(|| a(state))?);
                second.push(self.once(|| b(state))?);
            } else {
                second.push(self.once(|| b(state))?);
                first.push(self.once(|| a(state))?);
            }
        }
        Ok((first, second))
    }

    /// Adds this pass's samples of one measurement (none is fine: a pass whose share was
    /// 0).
    ///
    /// # Errors
    /// A sample that is not finite.
    pub fn record(&mut self, key: Key, samples: Vec<f64>) -> anyhow::Result<()> {
        if let Some(bad) = samples.iter().find(|s| !s.is_finite()) {
            bail!(
                "{} {}: sample {bad} is not a time",
                self.suite.name(),
                key.operation
            );
        }
        match self.samples.iter_mut().find(|(k, _)| *k == key) {
            Some((_, pooled)) => pooled.extend(samples),
            None => self.samples.push((key, samples)),
        }
        Ok(())
    }

    /// Adds this pass's pairs to the ratio `numerator / denominator` of two measurements
    /// taken in pairs.
    ///
    /// # Errors
    /// The two sample lists cannot be paired.
    pub fn ratio(
        &mut self,
        numerator: &Key,
        denominator: &Key,
        numerator_samples: &[f64],
        denominator_samples: &[f64],
        note: &str,
    ) -> anyhow::Result<()> {
        if numerator_samples.len() != denominator_samples.len() {
            bail!(
                "{} {}: ratio of unpaired samples ({} against {})",
                self.suite.name(),
                numerator.operation,
                numerator_samples.len(),
                denominator_samples.len()
            );
        }
        let known = self
            .pending_ratios
            .iter()
            .position(|r| r.numerator == *numerator && r.denominator == *denominator);
        let index = known.unwrap_or_else(|| {
            self.pending_ratios.push(PendingRatio {
                numerator: numerator.clone(),
                denominator: denominator.clone(),
                note: note.to_owned(),
                numerator_samples: Vec::new(),
                denominator_samples: Vec::new(),
            });
            self.pending_ratios.len() - 1
        });
        let pending = &mut self.pending_ratios[index];
        pending.numerator_samples.extend(numerator_samples);
        pending.denominator_samples.extend(denominator_samples);
        Ok(())
    }

    /// Records a peer that did not run.
    pub fn skip(&mut self, peer: &str, reason: &str) {
        self.skipped.push(Skipped {
            suite: self.suite.name().to_owned(),
            peer: peer.to_owned(),
            reason: reason.to_owned(),
        });
    }

    /// Summarizes the samples pooled over every pass; each peer and skipped peer once.
    ///
    /// # Errors
    /// A measurement without a sample, or a ratio whose pairs cannot be divided.
    fn finish(mut self) -> anyhow::Result<Self> {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        let suite = self.suite.name();
        for (key, samples) in std::mem::take(&mut self.samples) {
            self.measurements
                .push(Measurement::new(suite, key, samples)?);
        }
        for pending in std::mem::take(&mut self.pending_ratios) {
            let summary =
                stats::paired_ratio(&pending.numerator_samples, &pending.denominator_samples)
                    .with_context(|| {
                        format!(
                            "{suite} {}: no ratio of its pairs",
                            pending.numerator.operation
                        )
                    })?;
            self.ratios.push(Ratio {
                suite: suite.to_owned(),
                operation: pending.numerator.operation.to_owned(),
                numerator: pending.numerator.series.to_owned(),
                denominator: pending.denominator.series.to_owned(),
                parameter: pending.numerator.parameter.to_owned(),
                size: pending.numerator.size,
                note: pending.note,
                summary,
            });
        }
        self.peers = first_of_each(std::mem::take(&mut self.peers));
        self.skipped = first_of_each(std::mem::take(&mut self.skipped));
        Ok(self)
    }
}

/// `items` without repeats (every pass records its peers), in the order first seen.
fn first_of_each<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut kept: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        if !kept.contains(&item) {
            kept.push(item);
        }
    }
    kept
}

/// Times one call of `work`, in seconds.
fn clock<T>(work: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<f64> {
    let start = Instant::now();
    let value = work()?;
    let took = start.elapsed().as_secs_f64();
    drop(std::hint::black_box(value));
    Ok(took)
}

/// Runs `conclave bench`.
///
/// # Errors
/// An unusable `--out` (before anything is measured), a failed measurement, or a report
/// file that cannot be written.
pub fn run(args: Args, out: &Output) -> anyhow::Result<Verdict> {
    if let Some(report) = &args.markdown {
        return print_markdown(report, &args, out);
    }
    if let Some(report) = &args.replot {
        return replot(report, out);
    }
    let Some(dir) = args.out.as_deref() else {
        bail!("--out is required (the folder for the report)");
    };
    let mode = if args.tiny {
        Mode::Tiny
    } else if args.full {
        Mode::Full
    } else {
        Mode::Quick
    };
    let suites = match args.suite.suite() {
        Some(suite) => vec![suite],
        None => Suite::ALL.to_vec(),
    };
    let mut files: Vec<PathBuf> = report::FILES.iter().map(|f| dir.join(f)).collect();
    for suite in &suites {
        for plot in suite.plots() {
            files.push(dir.join(plot));
            files.push(dir.join(report::png_name(plot)));
        }
    }
    prepare_out(dir, out.writes())?;
    let outputs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let plan = out.writes().plan(&[], &outputs)?;

    // Absolute: the peers run in other working folders (circom2 from interop/).
    let peer_cache = args
        .peer_cache
        .clone()
        .unwrap_or_else(|| default_peer_cache(dir));
    let peer_cache = std::path::absolute(&peer_cache)
        .with_context(|| format!("--peer-cache {}", peer_cache.display()))?;
    let bars = (!out.is_json() && std::io::stderr().is_terminal()).then(MultiProgress::new);
    let before = machine::Snapshot::take();
    let started = Instant::now();
    let mut runners: Vec<Runner> = suites
        .iter()
        .map(|suite| {
            Runner::new(
                *suite,
                mode,
                suite.seed(args.seed),
                args.compare,
                peer_cache.clone(),
                bars.as_ref(),
            )
        })
        .collect();
    for pass in 0..mode.passes() {
        let order: Vec<usize> = if pass % 2 == 0 {
            (0..runners.len()).collect()
        } else {
            (0..runners.len()).rev().collect()
        };
        for index in order {
            let runner = &mut runners[index];
            runner.begin_pass(pass);
            match runner.suite {
                Suite::Zk => zk::run(runner)?,
                Suite::Credentials => credentials::run(runner)?,
                Suite::Range => range::run(runner)?,
                Suite::Mpc => mpc::run(runner)?,
                Suite::He => he::run(runner)?,
                Suite::Ledger => ledger::run(runner)?,
            }
        }
    }
    let runs = runners
        .into_iter()
        .map(Runner::finish)
        .collect::<anyhow::Result<Vec<Runner>>>()?;
    let elapsed = started.elapsed();
    let after = machine::Snapshot::take();
    let header = machine::Header::collect(&before, &after, elapsed, mode, args.seed, &suites);
    let report = report::Report::build(header, runs);
    for (name, bytes) in report.files(&suites)? {
        plan.write_public(&dir.join(name), &bytes)?;
    }
    out.report(
        &format!(
            "wrote {} measurements, {} ratios and {} fits to {} in {:.1} s ({})",
            report.measurements.len(),
            report.ratios.len(),
            report.fits.len(),
            dir.display(),
            elapsed.as_secs_f64(),
            report.summary_line()
        ),
        json!({
            "ok": true,
            "out": dir,
            "mode": mode.name(),
            "measurements": report.measurements.len(),
            "ratios": report.ratios.len(),
            "fits": report.fits.len(),
            "skipped": report.skipped,
            "seconds": elapsed.as_secs_f64(),
        }),
    )?;
    Ok(Verdict::Success)
}

/// `--replot REPORT`: redraws the report's plots from the samples in its results.json.
fn replot(report: &Path, out: &Output) -> anyhow::Result<Verdict> {
    let file = markdown::results_path(report);
    let dir = file.parent().unwrap_or(Path::new("."));
    let measurements = markdown::load(&file)?
        .measurements
        .iter()
        .map(markdown::Row::measurement)
        .collect::<anyhow::Result<Vec<Measurement>>>()
        .with_context(|| format!("{}: cannot redraw its plots", file.display()))?;
    let suites: Vec<Suite> = Suite::ALL
        .into_iter()
        .filter(|s| measurements.iter().any(|m| m.suite == s.name()))
        .collect();
    let plots = report::plot_files(&measurements, &suites)?;
    let paths: Vec<PathBuf> = plots.iter().map(|(name, _)| dir.join(name)).collect();
    let outputs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let plan = out.writes().plan(&[file.as_path()], &outputs)?;
    for (path, (_, bytes)) in paths.iter().zip(&plots) {
        plan.write_public(path, bytes)?;
    }
    out.report(
        &format!(
            "redrew {} plot files in {} from {} measurements",
            plots.len(),
            dir.display(),
            measurements.len()
        ),
        json!({ "ok": true, "out": dir, "files": paths, "measurements": measurements.len() }),
    )?;
    Ok(Verdict::Success)
}

/// `--markdown REPORT`: reads the report's results.json and prints its compact table.
/// With `--against OTHER`: the comparison of the two reports instead.
fn print_markdown(report: &Path, args: &Args, out: &Output) -> anyhow::Result<Verdict> {
    let file = markdown::results_path(report);
    let results = markdown::load(&file)?;
    let suite = args.suite.suite().map(Suite::name);
    if let Some(other) = &args.against {
        let other_file = markdown::results_path(other);
        if !(args.tolerance.is_finite() && args.tolerance >= 0.0) {
            bail!(
                "--tolerance {}: give a percentage of 0 or more (e.g. 10)",
                args.tolerance
            );
        }
        let (table, agreement) = markdown::against(
            &results,
            &markdown::load(&other_file)?,
            suite,
            args.tolerance,
        );
        out.report(
            table.trim_end(),
            json!({
                "ok": true,
                "results": file,
                "against": other_file,
                "markdown": table,
                "shared": agreement.shared,
                "quartiles_overlap": agreement.quartiles_overlap,
                "ranges_overlap": agreement.ranges_overlap,
                "tolerance_percent": args.tolerance,
                "agree": agreement.agree,
                "unmatched": agreement.unmatched,
            }),
        )?;
        return Ok(Verdict::Success);
    }
    let table = if args.headline {
        markdown::headline(&results)
    } else {
        markdown::table(&results, suite)
    };
    out.report(
        table.trim_end(),
        json!({ "ok": true, "results": file, "markdown": table }),
    )?;
    Ok(Verdict::Success)
}

/// The default `--peer-cache`: `$XDG_CACHE_HOME/conclave/bench-peers`, else
/// `$HOME/.cache/conclave/bench-peers`, else `peer-cache/` in the report folder.
fn default_peer_cache(out: &Path) -> PathBuf {
    let set = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(xdg) = set("XDG_CACHE_HOME") {
        xdg.join("conclave/bench-peers")
    } else if let Some(home) = set("HOME") {
        home.join(".cache/conclave/bench-peers")
    } else {
        out.join("peer-cache")
    }
}

/// Checks `--out` before any measurement: created if missing, refused if it is not a
/// folder, is not empty (unless `--force`), or cannot be written to.
fn prepare_out(dir: &Path, writes: WritePolicy) -> anyhow::Result<()> {
    let name = dir.display();
    match fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() && writes != WritePolicy::new(true) {
                bail!(
                    "{name}: exists and is not empty; choose a new folder for the report, or \
                     pass --force to write into this one"
                );
            }
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(dir)
                .with_context(|| format!("{name}: cannot create the report folder"))?;
        }
        Err(error) => {
            return Err(error).with_context(|| format!("{name}: not a readable folder"));
        }
    }
    tempfile::Builder::new()
        .prefix(".conclave-bench-probe")
        .tempfile_in(dir)
        .with_context(|| format!("{name}: cannot write the report there"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A runner of `passes` passes, in its first pass.
    fn runner(passes: usize) -> Runner {
        let mut runner = Runner::new(
            Suite::Zk,
            Mode::Tiny,
            1,
            false,
            PathBuf::from("unused"),
            None,
        );
        runner.passes = passes;
        runner
    }

    fn key(size: u64) -> Key {
        Key {
            operation: "prove",
            series: "conclave",
            parameter: "bits",
            size,
        }
    }

    /// `work` for [`Runner::time`] that sleeps `first` on its first call and counts calls.
    fn slow_first_call(
        first: Duration,
        calls: &mut usize,
    ) -> impl FnMut() -> anyhow::Result<()> + '_ {
        move || {
            *calls += 1;
            if *calls == 1 {
                std::thread::sleep(first);
            }
            Ok(())
        }
    }

    #[test]
    fn a_series_starts_with_one_discarded_warm_up_call() -> anyhow::Result<()> {
        let runner = runner(1);
        let mut calls = 0;
        // The first call is slow (a cold cache, say): it is not among the samples.
        let samples = runner.time(3, slow_first_call(Duration::from_millis(300), &mut calls))?;
        assert_eq!(calls, 4);
        assert_eq!(samples.len(), 3);
        assert!(samples.iter().all(|s| *s < 0.2), "{samples:?}");
        Ok(())
    }

    #[test]
    fn a_warm_up_longer_than_the_limit_is_the_first_sample() -> anyhow::Result<()> {
        let runner = runner(1);
        let mut calls = 0;
        let slow = Duration::from_secs_f64(WARM_UP_LIMIT + 0.05);
        let samples = runner.time(2, slow_first_call(slow, &mut calls))?;
        assert_eq!(calls, 2, "not repeated");
        assert_eq!(samples.len(), 2);
        assert!(
            samples[0] > WARM_UP_LIMIT && samples[1] < 0.5,
            "{samples:?}"
        );
        Ok(())
    }

    #[test]
    fn samples_are_spread_over_the_passes_and_pooled() -> anyhow::Result<()> {
        let mut three = runner(3);
        // 5 samples over 3 passes: 2, 2, 1; 2 samples: 1, 1, 0.
        let shares: Vec<(usize, usize)> = (0..3)
            .map(|pass| {
                three.begin_pass(pass);
                (three.share(5), three.share(2))
            })
            .collect();
        assert_eq!(shares, [(2, 1), (2, 1), (1, 0)]);

        let mut runner = runner(3);
        for pass in 0..3 {
            runner.begin_pass(pass);
            let samples = runner.time(5, || Ok(()))?;
            assert_eq!(samples.len(), [2, 2, 1][pass]);
            // Marked by pass, to check the pooled order.
            let marked = samples.iter().map(|_| pass as f64 + 1.0).collect();
            runner.record(key(8), marked)?;
            let mut calls = 0;
            let none = runner.time(2, || {
                calls += 1;
                Ok(())
            })?;
            // A pass whose share is 0 still calls the work once (its values are needed).
            assert_eq!((none.len(), calls > 0), ([1, 1, 0][pass], true));
            runner.record(key(16), none)?;
        }
        let runner = runner.finish()?;
        assert_eq!(runner.measurements.len(), 2);
        assert_eq!(runner.measurements[0].samples, [1.0, 1.0, 2.0, 2.0, 3.0]);
        assert_eq!(runner.measurements[0].summary.n, 5);
        assert_eq!(runner.measurements[1].summary.n, 2);
        Ok(())
    }

    #[test]
    fn later_passes_warm_up_only_short_series_and_skip_explicit_warm_ups() -> anyhow::Result<()> {
        let mut runner = runner(2);
        runner.begin_pass(1);
        // A slow first call (past the later passes' limit) is a sample: 2 calls for 2.
        let mut calls = 0;
        let slow = Duration::from_secs_f64(LATER_WARM_UP_LIMIT + 0.05);
        let samples = runner.time(4, slow_first_call(slow, &mut calls))?;
        assert_eq!((calls, samples.len()), (2, 2));
        assert!(samples[0] > LATER_WARM_UP_LIMIT, "{samples:?}");
        // A fast one is discarded as before: 3 calls for 2 samples.
        let mut calls = 0;
        let samples = runner.time(4, slow_first_call(Duration::ZERO, &mut calls))?;
        assert_eq!((calls, samples.len()), (3, 2));
        // Explicit warm-ups run in the first pass only.
        let mut warmed = 0;
        runner.warm_up(|| {
            warmed += 1;
            Ok(())
        })?;
        runner.begin_pass(0);
        runner.warm_up(|| {
            warmed += 10;
            Ok(())
        })?;
        assert_eq!(warmed, 10);
        Ok(())
    }

    #[test]
    fn pairs_alternate_which_side_goes_first_across_passes() -> anyhow::Result<()> {
        let mut runner = runner(3);
        let mut order = String::new();
        for pass in 0..3 {
            runner.begin_pass(pass);
            let (a, b) = runner.alternate(
                4,
                &mut order,
                |order| {
                    order.push('a');
                    Ok(())
                },
                |order| {
                    order.push('b');
                    Ok(())
                },
            )?;
            assert_eq!((a.len(), b.len()), ([2, 1, 1][pass], [2, 1, 1][pass]));
            order.push('|');
        }
        assert_eq!(order, "abba|ba|ab|");
        Ok(())
    }

    #[test]
    fn kept_values_are_made_once() -> anyhow::Result<()> {
        let mut runner = runner(2);
        let mut made = 0;
        for pass in 0..2 {
            runner.begin_pass(pass);
            let value = runner.keep("keys", |_| {
                made += 1;
                Ok(vec![7u8; 3])
            })?;
            assert_eq!(*value, [7, 7, 7]);
        }
        assert_eq!(made, 1);
        let wrong = runner.keep("keys", |_| Ok(1u32));
        assert!(wrong.is_err_and(|e| e.to_string().contains("another type")));
        Ok(())
    }

    #[test]
    fn ratios_pool_their_pairs_and_peers_are_listed_once() -> anyhow::Result<()> {
        let mut runner = runner(2);
        let (a, b) = (
            key(1),
            Key {
                series: "bare",
                ..key(1)
            },
        );
        for (pass, (top, bottom)) in [([2.0, 4.0], [1.0, 1.0]), ([9.0, 3.0], [3.0, 1.0])]
            .into_iter()
            .enumerate()
        {
            runner.begin_pass(pass);
            runner.ratio(&a, &b, &top, &bottom, "note")?;
            runner.record(a.clone(), top.to_vec())?;
            runner.record(b.clone(), bottom.to_vec())?;
            runner.skip("peer", "absent");
            runner.peers.push(PeerInfo {
                suite: "zk".into(),
                name: "snarkjs".into(),
                version: "1".into(),
                path: "p".into(),
            });
        }
        assert!(
            runner.ratio(&a, &b, &[1.0], &[], "note").is_err(),
            "unpaired"
        );
        let runner = runner.finish()?;
        assert_eq!(runner.ratios.len(), 1);
        // Per-pair ratios 2, 4, 3, 3: median 3, over all four pairs.
        assert_eq!(runner.ratios[0].summary.n, 4);
        assert!((runner.ratios[0].summary.median - 3.0).abs() < 1e-12);
        assert_eq!((runner.peers.len(), runner.skipped.len()), (1, 1));
        Ok(())
    }

    #[test]
    fn a_measurement_without_any_sample_is_an_error() {
        let mut runner = runner(2);
        runner
            .record(key(8), Vec::new())
            .expect("a pass may take none");
        assert!(runner.finish().is_err());
    }
}
