//! `conclave bench --markdown REPORT`: the compact Markdown table of an existing report
//! (work, median, spread, n, and one line naming the machine), printed without measuring
//! anything, so that the figures in README.md and docs/benchmarks.md are pasted from a
//! report rather than typed by hand.
//!
//! This module owns reading `results.json` back (bounded by [`Limit::BENCH_RESULTS`],
//! schema checked; `--replot` redraws the plots from its samples) and the rendering
//! ([`table`]); the readable time format ([`seconds`]) is shared with `report.md`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::Deserialize;

use crate::fsio::{self, Limit};

use super::report::{Measurement, SCHEMA};
use super::stats::Summary;

/// The part of `results.json` the table needs (other fields are ignored; `schema` is
/// checked by [`load`] before this is parsed).
#[derive(Debug, Deserialize)]
pub struct Results {
    /// The machine.
    pub header: Machine,
    /// Every measurement.
    pub measurements: Vec<Row>,
    /// Ratios of paired measurements.
    #[serde(default)]
    pub ratios: Vec<RatioRow>,
}

/// One ratio of paired measurements, as the headline table shows it.
#[derive(Debug, Deserialize)]
pub struct RatioRow {
    /// Suite name.
    pub suite: String,
    /// What was timed.
    pub operation: String,
    /// The series on top.
    pub numerator: String,
    /// The series below.
    pub denominator: String,
    /// What `size` counts.
    pub parameter: String,
    /// Size of the work.
    pub size: u64,
    /// Number of pairs.
    pub n: u64,
    /// Median ratio.
    pub median: f64,
    /// First quartile.
    pub q1: f64,
    /// Third quartile.
    pub q3: f64,
}

/// The header fields the machine line names.
#[derive(Debug, Deserialize)]
pub struct Machine {
    /// `tiny`, `quick` or `full`.
    pub mode: String,
    /// Start, seconds since the Unix epoch.
    pub started_unix: u64,
    /// CPU model.
    pub cpu_model: String,
    /// Cores available.
    pub cores: u64,
    /// Git commit, or "unknown".
    pub git_commit: String,
}

/// One measurement, as the table shows it.
#[derive(Debug, Deserialize)]
pub struct Row {
    /// Suite name.
    pub suite: String,
    /// What was timed.
    pub operation: String,
    /// Implementation or variant.
    pub series: String,
    /// What `size` counts.
    pub parameter: String,
    /// Size of the work.
    pub size: u64,
    /// Number of samples.
    pub n: u64,
    /// Median, seconds.
    pub median: f64,
    /// First quartile, seconds.
    pub q1: f64,
    /// Third quartile, seconds.
    pub q3: f64,
    /// Fastest sample, seconds.
    pub min: f64,
    /// Slowest sample, seconds.
    pub max: f64,
    /// Every sample, seconds (what `--replot` draws from).
    #[serde(default)]
    pub samples: Vec<f64>,
}

impl Row {
    /// The measurement again, its statistics recomputed from its samples.
    ///
    /// # Errors
    /// The row has no samples or one that is not finite.
    pub fn measurement(&self) -> anyhow::Result<Measurement> {
        let summary = Summary::of(&self.samples).with_context(|| {
            format!(
                "measurement {} {} ({}) at size {} has no usable samples",
                self.suite, self.operation, self.series, self.size
            )
        })?;
        Ok(Measurement {
            suite: self.suite.clone(),
            operation: self.operation.clone(),
            series: self.series.clone(),
            parameter: self.parameter.clone(),
            size: self.size,
            unit: "s",
            summary,
            samples: self.samples.clone(),
        })
    }
}

/// The `results.json` that `path` names: the file itself, or the one in a report folder.
pub fn results_path(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join("results.json")
    } else {
        path.to_path_buf()
    }
}

/// Reads and checks `results.json`.
///
/// # Errors
/// The file cannot be read or is too large, is not the JSON of a report, has another
/// schema, or holds a time that is not a finite number ≥ 0 or a measurement with n = 0.
pub fn load(file: &Path) -> anyhow::Result<Results> {
    let name = file.display();
    let bytes = fsio::read(file, Limit::BENCH_RESULTS)?;
    // The schema first, so that another version's report is named as such.
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .with_context(|| format!("{name}: not JSON (expected a conclave bench results.json)"))?;
    match value.get("schema").and_then(serde_json::Value::as_str) {
        Some(SCHEMA) => {}
        Some(other) => bail!(
            "{name}: schema {other:?}, this conclave reads {SCHEMA:?} (written by another \
             version of conclave?)"
        ),
        None => bail!("{name}: no \"schema\" string; not a conclave bench results.json"),
    }
    let results: Results = serde_json::from_value(value)
        .with_context(|| format!("{name}: not a valid {SCHEMA} report"))?;
    for m in &results.measurements {
        let times = [m.median, m.q1, m.q3];
        if m.n == 0 || times.iter().any(|t| !t.is_finite() || *t < 0.0) {
            bail!(
                "{name}: measurement {} {} ({}) at size {} has n = {} or a time that is not \
                 a finite number of seconds",
                m.suite,
                m.operation,
                m.series,
                m.size,
                m.n
            );
        }
    }
    Ok(results)
}

/// A time in seconds, readably: µs with one decimal below 1 ms, ms with two below 1 s,
/// else s with three.
pub fn seconds(value: f64) -> String {
    if value < 1e-3 {
        format!("{:.1} µs", value * 1e6)
    } else if value < 1.0 {
        format!("{:.2} ms", value * 1e3)
    } else {
        format!("{value:.3} s")
    }
}

/// A ratio with three significant digits (at least two decimals): `3.25×`, `0.300×`,
/// `0.0115×`.
pub fn times(value: f64) -> String {
    let magnitude = if value > 0.0 && value.is_finite() {
        value.log10().floor() as i64
    } else {
        0
    };
    let decimals = (2 - magnitude).clamp(2, 12) as usize;
    format!("{value:.decimals$}×")
}

/// The date (UTC, `YYYY-MM-DD`) of a Unix time.
pub fn date(unix: u64) -> String {
    // Days to civil date (Howard Hinnant's algorithm, proleptic Gregorian).
    let z = (unix / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The compact table of `results` (only `suite` when given), with the machine line.
pub fn table(results: &Results, suite: Option<&str>) -> String {
    let mut md = machine_line(results);
    md.push_str(ROW_HEADER);
    for m in results
        .measurements
        .iter()
        .filter(|m| suite.is_none_or(|s| s == m.suite))
    {
        write_row(&mut md, m);
    }
    md
}

const ROW_HEADER: &str =
    "| suite | work | size | median | q1–q3 | n |\n|---|---|---:|---:|---:|---:|\n";

/// The line naming the machine, the run and what the columns mean.
fn machine_line(results: &Results) -> String {
    let h = &results.header;
    let commit = if h.git_commit.len() > 12 {
        &h.git_commit[..12]
    } else {
        h.git_commit.as_str()
    };
    format!(
        "Machine: {}, {} cores; run {} (`--{}`), commit `{commit}`. Wall-clock time of one \
         call: median, interquartile range (q1–q3), n samples.\n\n",
        h.cpu_model,
        h.cores,
        date(h.started_unix),
        h.mode
    )
}

/// One measurement's table row.
fn write_row(md: &mut String, m: &Row) {
    let _ = writeln!(
        md,
        "| {} | {} ({}) | {} {} | {} | {}–{} | {} |",
        m.suite,
        m.operation,
        m.series,
        m.size,
        m.parameter,
        seconds(m.median),
        seconds(m.q1),
        seconds(m.q3),
        m.n
    );
}

/// The headline table of `results` (README's "Speed"): per suite, work and series only the
/// largest size measured, then every ratio at its largest size (the peers and variants
/// run side by side), with the machine line.
pub fn headline(results: &Results) -> String {
    let mut md = machine_line(results);
    md.push_str(ROW_HEADER);
    for m in largest(&results.measurements, |m| {
        (
            m.suite.as_str(),
            m.operation.as_str(),
            m.series.as_str(),
            m.parameter.as_str(),
            m.size,
        )
    }) {
        write_row(&mut md, m);
    }
    if !results.ratios.is_empty() {
        md.push_str(
            "\n| suite | ratio (same run, paired samples) | size | median | q1–q3 | n |\n\
             |---|---|---:|---:|---:|---:|\n",
        );
        for r in largest(&results.ratios, |r| {
            (
                r.suite.as_str(),
                r.operation.as_str(),
                r.numerator.as_str(),
                r.denominator.as_str(),
                r.size,
            )
        }) {
            let _ = writeln!(
                md,
                "| {} | {}: {} / {} | {} {} | {} | {}–{} | {} |",
                r.suite,
                r.operation,
                r.numerator,
                r.denominator,
                r.size,
                r.parameter,
                times(r.median),
                times(r.q1),
                times(r.q3),
                r.n
            );
        }
    }
    md
}

/// How two reports' measurements of the same work compare (`--markdown B --against A`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Agreement {
    /// Measurements in both reports.
    pub shared: usize,
    /// Of those, how many have overlapping interquartile ranges.
    pub quartiles_overlap: usize,
    /// Of those, how many have overlapping min–max ranges.
    pub ranges_overlap: usize,
    /// Of those, how many agree ([`agrees`]): ranges overlap, or medians within the
    /// tolerance.
    pub agree: usize,
    /// Measurements in only one of the two reports.
    pub unmatched: usize,
}

/// The default `--tolerance` (percent) of `--against`: the run-to-run variation of medians
/// measured between two `bench all --quick --compare` runs of one binary on the quiet
/// 2-core VM (76 measurements: half within 2.2 %, three quarters within 7.5 %, nine in
/// ten within 14 %; docs/benchmarks.md, "What agree means").
pub const DEFAULT_TOLERANCE_PERCENT: f64 = 10.0;

/// Whether `[a_lo, a_hi]` and `[b_lo, b_hi]` share a point.
fn overlap(a: (f64, f64), b: (f64, f64)) -> bool {
    a.0.max(b.0) <= a.1.min(b.1)
}

/// Whether two measurements of the same work agree: their min–max ranges overlap, or
/// their medians differ by at most `tolerance_percent` (either way round: the ratio of
/// the medians lies in [1 / (1 + t), 1 + t]). Measurements with a single sample have no
/// range wider than a point, so for them only the medians' tolerance can say "agree".
pub fn agrees(a: &Row, b: &Row, tolerance_percent: f64) -> bool {
    if overlap((a.min, a.max), (b.min, b.max)) {
        return true;
    }
    let bound = 1.0 + tolerance_percent / 100.0;
    a.median > 0.0 && b.median > 0.0 && {
        let ratio = a.median / b.median;
        ratio <= bound && ratio >= 1.0 / bound
    }
}

/// The table comparing `results` with `other` (an earlier run, another machine or
/// commit), one row per work measured in both: both medians and quartiles, their ratio,
/// whether their interquartile and min–max ranges overlap, and whether they agree
/// ([`agrees`], with `tolerance_percent`); then a line counting them. `suite` keeps one
/// suite's rows.
pub fn against(
    results: &Results,
    other: &Results,
    suite: Option<&str>,
    tolerance_percent: f64,
) -> (String, Agreement) {
    let key = |m: &Row| {
        (
            m.suite.clone(),
            m.operation.clone(),
            m.series.clone(),
            m.parameter.clone(),
            m.size,
        )
    };
    let keep = |m: &&Row| suite.is_none_or(|s| s == m.suite);
    let mut agreement = Agreement::default();
    let mut md = machine_line(results);
    md.push_str("Against: ");
    md.push_str(machine_line(other).trim_start_matches("Machine: "));
    md.push_str(
        "| suite | work | size | median (q1–q3) | against: median (q1–q3) | ratio | quartiles overlap | ranges overlap | agree |
|---|---|---:|---:|---:|---:|---|---|---|
",
    );
    for m in results.measurements.iter().filter(keep) {
        let Some(o) = other.measurements.iter().find(|o| key(o) == key(m)) else {
            agreement.unmatched += 1;
            continue;
        };
        agreement.shared += 1;
        let quartiles = overlap((m.q1, m.q3), (o.q1, o.q3));
        let ranges = overlap((m.min, m.max), (o.min, o.max));
        agreement.quartiles_overlap += usize::from(quartiles);
        agreement.ranges_overlap += usize::from(ranges);
        let agree = agrees(m, o, tolerance_percent);
        agreement.agree += usize::from(agree);
        let yes = |b: bool| if b { "yes" } else { "**no**" };
        let _ = writeln!(
            md,
            "| {} | {} ({}) | {} {} | {} ({}–{}) | {} ({}–{}) | {} | {} | {} | {} |",
            m.suite,
            m.operation,
            m.series,
            m.size,
            m.parameter,
            seconds(m.median),
            seconds(m.q1),
            seconds(m.q3),
            seconds(o.median),
            seconds(o.q1),
            seconds(o.q3),
            if o.median > 0.0 {
                times(m.median / o.median)
            } else {
                "–".to_owned()
            },
            yes(quartiles),
            yes(ranges),
            yes(agree)
        );
    }
    agreement.unmatched += other
        .measurements
        .iter()
        .filter(keep)
        .filter(|o| !results.measurements.iter().any(|m| key(m) == key(o)))
        .count();
    let _ = writeln!(
        md,
        "
{} measurements in both runs: interquartile ranges overlap for {}, min–max ranges \
         for {}; {} agree (min–max ranges overlap, or medians within ±{}%); {} in only one \
         of them.",
        agreement.shared,
        agreement.quartiles_overlap,
        agreement.ranges_overlap,
        agreement.agree,
        tolerance_percent,
        agreement.unmatched
    );
    (md, agreement)
}

/// Of the items sharing a (suite, work, series, parameter) key, the one of the largest size,
/// in the order the first of each key appears.
fn largest<T>(items: &[T], key: impl Fn(&T) -> (&str, &str, &str, &str, u64)) -> Vec<&T> {
    let mut kept: Vec<&T> = Vec::new();
    for item in items {
        let (a, b, c, d, size) = key(item);
        let slot = kept.iter_mut().find(|k| {
            let (ka, kb, kc, kd, _) = key(k);
            (ka, kb, kc, kd) == (a, b, c, d)
        });
        match slot {
            Some(slot) if key(slot).4 < size => *slot = item,
            Some(_) => {}
            None => kept.push(item),
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(median: f64, min: f64, max: f64) -> Row {
        Row {
            suite: "zk".to_owned(),
            operation: "prove".to_owned(),
            series: "conclave".to_owned(),
            parameter: "constraints".to_owned(),
            size: 64,
            n: 5,
            median,
            q1: median,
            q3: median,
            min,
            max,
            samples: Vec::new(),
        }
    }

    #[test]
    fn agreement_is_overlapping_ranges_or_medians_within_the_tolerance() {
        // Overlapping min–max ranges agree whatever the medians.
        assert!(agrees(&row(1.0, 0.9, 1.5), &row(1.4, 1.45, 1.6), 0.0));
        // Disjoint ranges: only the medians' tolerance decides, both ways round.
        let (a, b) = (row(1.0, 0.99, 1.01), row(1.08, 1.07, 1.09));
        assert!(agrees(&a, &b, 10.0) && agrees(&b, &a, 10.0));
        assert!(!agrees(&a, &b, 5.0) && !agrees(&b, &a, 5.0));
        // The bound is a ratio: 1.1 / 1.0 is within 10 %, 1.0 / 1.1 too, 1.12 is not.
        assert!(agrees(
            &row(1.1, 1.1, 1.1),
            &row(1.0, 1.0, 1.0),
            10.0 + 1e-9
        ));
        assert!(agrees(
            &row(1.0, 1.0, 1.0),
            &row(1.1, 1.1, 1.1),
            10.0 + 1e-9
        ));
        assert!(!agrees(&row(1.12, 1.12, 1.12), &row(1.0, 1.0, 1.0), 10.0));
        // One sample each (no spread): equal medians agree, others only by tolerance.
        assert!(agrees(&row(2.0, 2.0, 2.0), &row(2.0, 2.0, 2.0), 0.0));
        assert!(!agrees(&row(2.0, 2.0, 2.0), &row(2.1, 2.1, 2.1), 0.0));
        // A zero median never agrees by ratio.
        assert!(!agrees(&row(0.0, 0.0, 0.0), &row(1.0, 1.0, 1.0), 1e9));
    }

    #[test]
    fn dates_are_utc_civil_dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(1_796_169_600), "2026-12-02");
        assert_eq!(date(1_796_255_999), "2026-12-02");
    }

    #[test]
    fn ratios_keep_three_significant_digits() {
        assert_eq!(times(3.25), "3.25×");
        assert_eq!(times(60.53), "60.53×");
        assert_eq!(times(0.3), "0.300×");
        assert_eq!(times(0.011_54), "0.0115×");
        assert_eq!(times(0.0), "0.00×");
    }

    #[test]
    fn times_keep_three_significant_digits_in_their_unit() {
        assert_eq!(seconds(0.000_012_34), "12.3 µs");
        assert_eq!(seconds(0.012_345), "12.35 ms");
        assert_eq!(seconds(2.5), "2.500 s");
    }

    #[test]
    fn the_table_filters_by_suite_and_shortens_the_commit() {
        let text = r#"{"schema": "conclave-bench/1",
            "header": {"mode": "quick", "started_unix": 0, "cpu_model": "X", "cores": 2,
                       "git_commit": "0123456789abcdef0123"},
            "measurements": [
              {"suite": "zk", "operation": "prove", "series": "conclave",
               "parameter": "constraints", "size": 64, "n": 3,
               "median": 0.5, "q1": 0.25, "q3": 0.75, "min": 0.25, "max": 0.75},
              {"suite": "range", "operation": "verify", "series": "conclave",
               "parameter": "bits", "size": 8, "n": 1,
               "median": 0.0001, "q1": 0.0001, "q3": 0.0001, "min": 0.0001, "max": 0.0001}]}"#;
        let results: Results = serde_json::from_str(text).expect("parses");
        let md = table(&results, Some("zk"));
        assert!(md.contains("commit `0123456789ab`"), "{md}");
        assert!(md.contains("1970-01-01"));
        assert!(md.contains(
            "| zk | prove (conclave) | 64 constraints | 500.00 ms | 250.00 ms–750.00 ms | 3 |"
        ));
        assert!(!md.contains("| range |"));
        assert_eq!(table(&results, None).matches("| range |").count(), 1);
    }

    #[test]
    fn the_headline_keeps_the_largest_size_of_each_work_and_every_ratio() {
        let text = r#"{"schema": "conclave-bench/1",
            "header": {"mode": "full", "started_unix": 0, "cpu_model": "X", "cores": 2,
                       "git_commit": "abc"},
            "measurements": [
              {"suite": "zk", "operation": "prove", "series": "conclave",
               "parameter": "constraints", "size": 64, "n": 3,
               "median": 0.5, "q1": 0.25, "q3": 0.75, "min": 0.25, "max": 0.75},
              {"suite": "zk", "operation": "prove", "series": "conclave",
               "parameter": "constraints", "size": 1024, "n": 3,
               "median": 2.0, "q1": 1.5, "q3": 2.5, "min": 1.5, "max": 2.5},
              {"suite": "zk", "operation": "prove", "series": "conclave",
               "parameter": "constraints", "size": 256, "n": 3,
               "median": 1.0, "q1": 1.0, "q3": 1.0, "min": 1.0, "max": 1.0},
              {"suite": "zk", "operation": "verify", "series": "conclave",
               "parameter": "constraints", "size": 64, "n": 5,
               "median": 0.001, "q1": 0.001, "q3": 0.001, "min": 0.001, "max": 0.001}],
            "ratios": [
              {"suite": "mpc", "operation": "mul", "numerator": "malicious",
               "denominator": "semi-honest", "parameter": "parties", "size": 3, "n": 2,
               "median": 2.5, "q1": 2.4, "q3": 2.6, "min": 2.4, "max": 2.6},
              {"suite": "mpc", "operation": "mul", "numerator": "malicious",
               "denominator": "semi-honest", "parameter": "parties", "size": 7, "n": 2,
               "median": 3.25, "q1": 3.0, "q3": 3.5, "min": 3.0, "max": 3.5}]}"#;
        let results: Results = serde_json::from_str(text).expect("parses");
        let md = headline(&results);
        assert!(
            md.contains("| zk | prove (conclave) | 1024 constraints | 2.000 s |"),
            "{md}"
        );
        assert!(!md.contains("64 constraints | 500.00 ms"), "{md}");
        assert!(!md.contains("256 constraints"), "{md}");
        assert!(
            md.contains("| zk | verify (conclave) | 64 constraints | 1.00 ms |"),
            "{md}"
        );
        assert!(
            md.contains(
                "| mpc | mul: malicious / semi-honest | 7 parties | 3.25× | 3.00×–3.50× | 2 |"
            ),
            "{md}"
        );
        assert!(!md.contains("| 3 parties | 2.50×"), "{md}");
        // The row order is the report's: prove before verify.
        assert!(md.find("prove (conclave)") < md.find("verify (conclave)"));
    }
}
