//! `conclave bench --markdown REPORT`: the compact Markdown table of an existing report
//! (work, median, spread, n, and one line naming the machine), printed without measuring
//! anything, so that the figures in README.md and docs/benchmarks.md are pasted from a
//! report rather than typed by hand.
//!
//! This module owns reading `results.json` back (bounded by [`Limit::BENCH_RESULTS`],
//! schema checked) and the rendering ([`table`]); the readable time format ([`seconds`])
//! is shared with `report.md`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::Deserialize;

use crate::fsio::{self, Limit};

use super::report::SCHEMA;

/// The part of `results.json` the table needs (other fields are ignored; `schema` is
/// checked by [`load`] before this is parsed).
#[derive(Debug, Deserialize)]
pub struct Results {
    /// The machine.
    pub header: Machine,
    /// Every measurement.
    pub measurements: Vec<Row>,
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
    let h = &results.header;
    let commit = if h.git_commit.len() > 12 {
        &h.git_commit[..12]
    } else {
        h.git_commit.as_str()
    };
    let mut md = String::new();
    let _ = writeln!(
        md,
        "Machine: {}, {} cores; run {} (`--{}`), commit `{commit}`. Wall-clock time of one \
         call: median, interquartile range (q1–q3), n samples.\n",
        h.cpu_model,
        h.cores,
        date(h.started_unix),
        h.mode
    );
    md.push_str("| suite | work | size | median | q1–q3 | n |\n|---|---|---:|---:|---:|---:|\n");
    for m in results
        .measurements
        .iter()
        .filter(|m| suite.is_none_or(|s| s == m.suite))
    {
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
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_civil_dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(1_796_169_600), "2026-12-02");
        assert_eq!(date(1_796_255_999), "2026-12-02");
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
               "median": 0.5, "q1": 0.25, "q3": 0.75},
              {"suite": "range", "operation": "verify", "series": "conclave",
               "parameter": "bits", "size": 8, "n": 1,
               "median": 0.0001, "q1": 0.0001, "q3": 0.0001}]}"#;
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
}
