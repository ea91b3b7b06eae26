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

use std::fs;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressStyle};
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
}

/// Which measurement a sample set belongs to.
#[derive(Debug, Clone)]
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

/// Runs one suite's measurements and collects them, ticking the suite's progress bar.
pub struct Runner {
    suite: Suite,
    mode: Mode,
    seed: u64,
    compare: bool,
    peer_cache: PathBuf,
    bar: Option<ProgressBar>,
    /// Everything measured so far.
    pub measurements: Vec<Measurement>,
    /// Ratios between paired measurements.
    pub ratios: Vec<Ratio>,
    /// Peers that ran.
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
        progress: bool,
    ) -> Self {
        let bar = progress.then(|| {
            let bar = ProgressBar::new(0);
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

    /// Times `n` calls of `work`, one sample each, after one discarded warm-up call.
    ///
    /// A warm-up call that takes longer than [`WARM_UP_LIMIT`] is kept as the first sample
    /// instead (first-call costs are milliseconds, lost in the noise of such a call), so
    /// the largest `--full` sizes are not paid twice.
    ///
    /// # Errors
    /// The first error of `work`.
    pub fn time<T>(
        &self,
        n: usize,
        mut work: impl FnMut() -> anyhow::Result<T>,
    ) -> anyhow::Result<Vec<f64>> {
        let mut samples = Vec::with_capacity(n);
        let first = self.warm_up(&mut work)?;
        if first > WARM_UP_LIMIT && n > 0 {
            samples.push(first);
            self.tick();
        }
        while samples.len() < n {
            samples.push(self.once(&mut work)?);
        }
        Ok(samples)
    }

    /// One call of `work` whose time is not a sample (no progress tick): the warm-up
    /// before a series. Returns its time in seconds.
    ///
    /// # Errors
    /// The error of `work`.
    pub fn warm_up<T>(&self, work: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<f64> {
        let start = Instant::now();
        let value = work()?;
        let took = start.elapsed().as_secs_f64();
        drop(std::hint::black_box(value));
        Ok(took)
    }

    /// Times one call of `work`, in seconds.
    ///
    /// # Errors
    /// The error of `work`.
    pub fn once<T>(&self, work: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<f64> {
        let took = self.warm_up(work)?;
        self.tick();
        Ok(took)
    }

    /// Times `n` pairs of calls of `a` and `b` on a shared `state`, swapping which of
    /// the two goes first in every other pair (a b, b a, a b, …), so that whatever
    /// drifts within a pair (caches, clock, the other's leftovers) does not always
    /// favour the same side. Returns both sample lists, in pair order (for
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
        let (mut first, mut second) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for pair in 0..n {
            if pair % 2 == 0 {
                first.push(self.once(|| a(state))?);
                second.push(self.once(|| b(state))?);
            } else {
                second.push(self.once(|| b(state))?);
                first.push(self.once(|| a(state))?);
            }
        }
        Ok((first, second))
    }

    /// Records the samples of one measurement.
    ///
    /// # Errors
    /// No sample, or one that is not finite.
    pub fn record(&mut self, key: Key, samples: Vec<f64>) -> anyhow::Result<()> {
        let measurement = Measurement::new(self.suite.name(), key, samples)?;
        self.measurements.push(measurement);
        Ok(())
    }

    /// Records the ratio `numerator / denominator` of two measurements taken in pairs.
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
        let summary = stats::paired_ratio(numerator_samples, denominator_samples)
            .context("ratio of unpaired samples")?;
        self.ratios.push(Ratio {
            suite: self.suite.name().to_owned(),
            operation: numerator.operation.to_owned(),
            numerator: numerator.series.to_owned(),
            denominator: denominator.series.to_owned(),
            parameter: numerator.parameter.to_owned(),
            size: numerator.size,
            note: note.to_owned(),
            summary,
        });
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

    fn finish(self) -> Self {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        self
    }
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
    let progress = !out.is_json() && std::io::stderr().is_terminal();
    let before = machine::Snapshot::take();
    let started = Instant::now();
    let mut runs = Vec::new();
    for suite in &suites {
        let mut runner = Runner::new(
            *suite,
            mode,
            suite.seed(args.seed),
            args.compare,
            peer_cache.clone(),
            progress,
        );
        match suite {
            Suite::Zk => zk::run(&mut runner)?,
            Suite::Credentials => credentials::run(&mut runner)?,
            Suite::Range => range::run(&mut runner)?,
            Suite::Mpc => mpc::run(&mut runner)?,
            Suite::He => he::run(&mut runner)?,
            Suite::Ledger => ledger::run(&mut runner)?,
        }
        runs.push(runner.finish());
    }
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

    fn runner() -> Runner {
        Runner::new(
            Suite::Zk,
            Mode::Tiny,
            1,
            false,
            PathBuf::from("unused"),
            false,
        )
    }

    #[test]
    fn a_series_starts_with_one_discarded_warm_up_call() -> anyhow::Result<()> {
        let runner = runner();
        let mut calls = 0;
        // The first call is slow (a cold cache, say): it is not among the samples.
        let samples = runner.time(3, || {
            calls += 1;
            if calls == 1 {
                std::thread::sleep(Duration::from_millis(300));
            }
            Ok(())
        })?;
        assert_eq!(calls, 4);
        assert_eq!(samples.len(), 3);
        assert!(samples.iter().all(|s| *s < 0.2), "{samples:?}");
        Ok(())
    }

    #[test]
    fn a_warm_up_longer_than_the_limit_is_the_first_sample() -> anyhow::Result<()> {
        let runner = runner();
        let mut calls = 0;
        let samples = runner.time(2, || {
            calls += 1;
            if calls == 1 {
                std::thread::sleep(Duration::from_secs_f64(WARM_UP_LIMIT + 0.05));
            }
            Ok(())
        })?;
        assert_eq!(calls, 2, "not repeated");
        assert_eq!(samples.len(), 2);
        assert!(
            samples[0] > WARM_UP_LIMIT && samples[1] < 0.5,
            "{samples:?}"
        );
        Ok(())
    }
}
