//! The report `conclave bench` leaves in `--out`: `report.md` (tables with median, spread
//! and n, fitted exponents, the machine), `results.json` and `results.csv` (one row per
//! measurement; schema `conclave-bench/1`, documented in docs/formats.md, "Benchmark
//! results") and one SVG plot per sweep.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::Context;
use serde::Serialize;

use super::machine::Header;
use super::markdown::{date, seconds};
use super::stats::{power_fit, Summary};
use super::svg::{self, Point, Series};
use super::{credentials, he, ledger, mpc, png, range, zk, Key, Runner, Suite};

/// The schema of `results.json` and `results.csv`.
pub const SCHEMA: &str = "conclave-bench/1";

/// The files every report has (plots are per suite).
pub const FILES: [&str; 3] = ["report.md", "results.json", "results.csv"];

/// The columns of `results.csv`, in order.
pub const CSV_COLUMNS: [&str; 12] = [
    "suite",
    "operation",
    "series",
    "parameter",
    "size",
    "unit",
    "n",
    "median",
    "q1",
    "q3",
    "min",
    "max",
];

/// One measurement: the samples of one operation at one size.
#[derive(Debug, Clone, Serialize)]
pub struct Measurement {
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
    /// Unit of the samples (always seconds).
    pub unit: &'static str,
    /// Statistics of the samples.
    #[serde(flatten)]
    pub summary: Summary,
    /// Every sample, in the order taken.
    pub samples: Vec<f64>,
}

impl Measurement {
    /// Summarizes `samples` of `key`.
    ///
    /// # Errors
    /// No sample, or one that is not finite.
    pub fn new(suite: &str, key: Key, samples: Vec<f64>) -> anyhow::Result<Self> {
        let summary = Summary::of(&samples)
            .with_context(|| format!("{suite} {}: no usable sample", key.operation))?;
        Ok(Measurement {
            suite: suite.to_owned(),
            operation: key.operation.to_owned(),
            series: key.series.to_owned(),
            parameter: key.parameter.to_owned(),
            size: key.size,
            unit: "s",
            summary,
            samples,
        })
    }
}

/// A ratio between two measurements taken in pairs.
#[derive(Debug, Clone, Serialize)]
pub struct Ratio {
    /// Suite name.
    pub suite: String,
    /// What was timed.
    pub operation: String,
    /// Series on top.
    pub numerator: String,
    /// Series below.
    pub denominator: String,
    /// What `size` counts.
    pub parameter: String,
    /// Size of the work.
    pub size: u64,
    /// How the two were measured.
    pub note: String,
    /// Statistics of the per-pair ratios.
    #[serde(flatten)]
    pub summary: Summary,
}

/// A fitted growth exponent: median time against size, least squares in log–log space.
#[derive(Debug, Clone, Serialize)]
pub struct Fit {
    /// Suite name.
    pub suite: String,
    /// What was timed.
    pub operation: String,
    /// Implementation or variant.
    pub series: String,
    /// What the sizes count.
    pub parameter: String,
    /// Slope of ln(median) against ln(size).
    pub exponent: f64,
    /// Fitted time at size 1, seconds.
    pub coefficient: f64,
    /// Coefficient of determination of the fit.
    pub r_squared: f64,
    /// Number of sizes fitted.
    pub points: usize,
}

/// A peer that ran.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeerInfo {
    /// Suite name.
    pub suite: String,
    /// Peer name.
    pub name: String,
    /// Its version, as it reports it.
    pub version: String,
    /// Where it was found.
    pub path: String,
}

/// A peer that did not run, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    /// Suite name.
    pub suite: String,
    /// Peer name.
    pub peer: String,
    /// Why it did not run.
    pub reason: String,
}

/// Everything a run produced.
#[derive(Debug, Serialize)]
pub struct Report {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// Machine, versions, seeds.
    pub header: Header,
    /// Every measurement.
    pub measurements: Vec<Measurement>,
    /// Ratios between paired measurements.
    pub ratios: Vec<Ratio>,
    /// Growth exponents of every sweep (two sizes or more).
    pub fits: Vec<Fit>,
    /// Peers that ran.
    pub peers: Vec<PeerInfo>,
    /// Peers that did not.
    pub skipped: Vec<Skipped>,
}

impl Report {
    /// Gathers the suites' results and fits every sweep.
    pub fn build(header: Header, runs: Vec<Runner>) -> Self {
        let mut report = Report {
            schema: SCHEMA,
            header,
            measurements: Vec::new(),
            ratios: Vec::new(),
            fits: Vec::new(),
            peers: Vec::new(),
            skipped: Vec::new(),
        };
        for run in runs {
            report.measurements.extend(run.measurements);
            report.ratios.extend(run.ratios);
            report.peers.extend(run.peers);
            report.skipped.extend(run.skipped);
        }
        report.fits = fits(&report.measurements);
        report
    }

    /// One line for the terminal: the fitted exponents.
    pub fn summary_line(&self) -> String {
        if self.fits.is_empty() {
            return "no sweep to fit".to_owned();
        }
        let parts: Vec<String> = self
            .fits
            .iter()
            .map(|f| {
                format!(
                    "{} {} {} ~ {}^{:.2}",
                    f.suite, f.operation, f.series, f.parameter, f.exponent
                )
            })
            .collect();
        parts.join("; ")
    }

    /// The report's files and their contents: the tables, and each plot as SVG and PNG.
    ///
    /// # Errors
    /// JSON serialization fails (it does not for these types); a plot cannot be rasterised.
    pub fn files(&self, suites: &[Suite]) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
        let mut files = vec![
            ("report.md".to_owned(), self.markdown(suites).into_bytes()),
            (
                "results.json".to_owned(),
                (serde_json::to_string_pretty(self)? + "\n").into_bytes(),
            ),
            ("results.csv".to_owned(), self.csv().into_bytes()),
        ];
        files.extend(plot_files(&self.measurements, suites)?);
        Ok(files)
    }

    /// `results.csv`: one row per measurement, [`CSV_COLUMNS`].
    pub fn csv(&self) -> String {
        let mut text = format!("# schema: {SCHEMA}\n{}\n", CSV_COLUMNS.join(","));
        for m in &self.measurements {
            let s = &m.summary;
            let row = [
                csv_field(&m.suite),
                csv_field(&m.operation),
                csv_field(&m.series),
                csv_field(&m.parameter),
                m.size.to_string(),
                m.unit.to_owned(),
                s.n.to_string(),
                s.median.to_string(),
                s.q1.to_string(),
                s.q3.to_string(),
                s.min.to_string(),
                s.max.to_string(),
            ];
            text.push_str(&row.join(","));
            text.push('\n');
        }
        text
    }

    /// `report.md`.
    pub fn markdown(&self, suites: &[Suite]) -> String {
        let h = &self.header;
        let mut md = String::new();
        let _ = writeln!(md, "# conclave bench report\n");
        let _ = writeln!(
            md,
            "Mode `{}`, suites {}, started {} UTC (Unix time {}; took {:.1} s; samples pooled \
             over {} passes over the suites). Schema `{SCHEMA}`; raw samples in results.json, \
             one row per measurement in results.csv; `conclave bench --markdown` on this \
             folder prints the compact table.\n",
            h.mode,
            suites
                .iter()
                .map(|s| format!("`{}`", s.name()))
                .collect::<Vec<_>>()
                .join(", "),
            date(h.started_unix),
            h.started_unix,
            h.seconds,
            h.passes
        );
        let _ = writeln!(md, "## Machine and versions\n");
        let _ = writeln!(md, "| | |\n|---|---|");
        let rows = [
            ("CPU", h.cpu_model.clone()),
            ("cores (available)", h.cores.to_string()),
            ("memory", format!("{} MiB", h.memory_mib)),
            (
                "load average (1 min) before / after",
                format!("{} / {}", h.load_before, h.load_after),
            ),
            (
                "hypervisor steal during the run",
                h.steal_percent
                    .map_or_else(|| "unknown".to_owned(), |s| format!("{s:.2} %")),
            ),
            ("OS", h.os.clone()),
            ("git commit", h.git_commit.clone()),
            ("conclave", h.conclave_version.clone()),
            ("seed (--seed)", h.seed.to_string()),
        ];
        for (name, value) in rows {
            let _ = writeln!(md, "| {name} | {value} |");
        }
        for (name, version) in &h.crates {
            let _ = writeln!(md, "| crate {name} | {version} |");
        }
        for (suite, seed) in &h.suite_seeds {
            let _ = writeln!(md, "| seed of suite {suite} | {seed} |");
        }
        for peer in &self.peers {
            let _ = writeln!(
                md,
                "| peer {} ({}) | {} at {} |",
                peer.name, peer.suite, peer.version, peer.path
            );
        }
        md.push('\n');
        md.push_str(
            "Times are wall-clock seconds of single calls: median, interquartile range \
             (q1–q3), min–max and the number of samples n.\n\n",
        );
        for suite in suites {
            let _ = writeln!(md, "## Suite `{}`\n", suite.name());
            let _ = writeln!(
                md,
                "| operation | series | size | median | q1–q3 | min–max | n |\n\
                 |---|---|---:|---:|---:|---:|---:|"
            );
            for m in self.measurements.iter().filter(|m| m.suite == suite.name()) {
                let s = &m.summary;
                let _ = writeln!(
                    md,
                    "| {} | {} | {} {} | {} | {}–{} | {}–{} | {} |",
                    m.operation,
                    m.series,
                    m.size,
                    m.parameter,
                    seconds(s.median),
                    seconds(s.q1),
                    seconds(s.q3),
                    seconds(s.min),
                    seconds(s.max),
                    s.n
                );
            }
            let fits: Vec<&Fit> = self
                .fits
                .iter()
                .filter(|f| f.suite == suite.name())
                .collect();
            if !fits.is_empty() {
                let _ = writeln!(
                    md,
                    "\nGrowth (least squares of ln median against ln size):\n\n\
                     | operation | series | against | exponent | r² | sizes |\n\
                     |---|---|---|---:|---:|---:|"
                );
                for f in fits {
                    let _ = writeln!(
                        md,
                        "| {} | {} | {} | {:.3} | {:.3} | {} |",
                        f.operation, f.series, f.parameter, f.exponent, f.r_squared, f.points
                    );
                }
            }
            let ratios: Vec<&Ratio> = self
                .ratios
                .iter()
                .filter(|r| r.suite == suite.name())
                .collect();
            if !ratios.is_empty() {
                let _ = writeln!(
                    md,
                    "\nRatios (per-pair, samples taken in alternation):\n\n\
                     | operation | ratio | size | median | q1–q3 | min–max | n | note |\n\
                     |---|---|---:|---:|---:|---:|---:|---|"
                );
                for r in ratios {
                    let s = &r.summary;
                    let _ = writeln!(
                        md,
                        "| {} | {} / {} | {} {} | {:.3} | {:.3}–{:.3} | {:.3}–{:.3} | {} | {} |",
                        r.operation,
                        r.numerator,
                        r.denominator,
                        r.size,
                        r.parameter,
                        s.median,
                        s.q1,
                        s.q3,
                        s.min,
                        s.max,
                        s.n,
                        r.note
                    );
                }
            }
            let skipped: Vec<&Skipped> = self
                .skipped
                .iter()
                .filter(|s| s.suite == suite.name())
                .collect();
            if !skipped.is_empty() {
                md.push_str("\nPeers skipped:\n\n");
                for s in skipped {
                    let _ = writeln!(md, "- {}: {}", s.peer, s.reason);
                }
            }
            md.push_str("\nPlots:\n\n");
            for plot in suite.plots() {
                let _ = writeln!(md, "![{plot}]({plot}) ([PNG]({}))", png_name(plot));
            }
            md.push('\n');
        }
        md
    }
}

/// The plots of `suites` drawn from `measurements`: each as SVG and as PNG.
///
/// # Errors
/// A plot cannot be rasterised.
pub fn plot_files(
    measurements: &[Measurement],
    suites: &[Suite],
) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for suite in suites {
        let plots = match suite {
            Suite::Zk => zk::plots(measurements),
            Suite::Credentials => credentials::plots(measurements),
            Suite::Range => range::plots(measurements),
            Suite::Mpc => mpc::plots(measurements),
            Suite::He => he::plots(measurements),
            Suite::Ledger => ledger::plots(measurements),
        };
        for (name, svg) in plots {
            let png = png::from_svg(&svg)?;
            files.push((png_name(&name), png));
            files.push((name, svg.into_bytes()));
        }
    }
    Ok(files)
}

/// The PNG copy of plot `name.svg`: `name.png`.
pub fn png_name(svg: &str) -> String {
    format!("{}.png", svg.strip_suffix(".svg").unwrap_or(svg))
}

/// A CSV field, quoted when it holds a comma, quote or newline (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// What one fitted curve is about: (suite, operation, series, parameter).
type CurveKey<'a> = (&'a str, &'a str, &'a str, &'a str);

/// Fits every (suite, operation, series, parameter) measured at two sizes or more.
fn fits(measurements: &[Measurement]) -> Vec<Fit> {
    let mut groups: BTreeMap<CurveKey<'_>, Vec<(f64, f64)>> = BTreeMap::new();
    let mut order = Vec::new();
    for m in measurements {
        let key = (
            m.suite.as_str(),
            m.operation.as_str(),
            m.series.as_str(),
            m.parameter.as_str(),
        );
        if !groups.contains_key(&key) {
            order.push(key);
        }
        groups
            .entry(key)
            .or_default()
            .push((m.size as f64, m.summary.median));
    }
    order
        .into_iter()
        .filter_map(|key| {
            let fit = power_fit(groups.get(&key)?)?;
            Some(Fit {
                suite: key.0.to_owned(),
                operation: key.1.to_owned(),
                series: key.2.to_owned(),
                parameter: key.3.to_owned(),
                exponent: fit.exponent,
                coefficient: fit.coefficient,
                r_squared: fit.r_squared,
                points: fit.points,
            })
        })
        .collect()
}

/// One plot: for each (operation, series) of `suite` measured against `parameter`, a
/// series named "operation series" (or as `name` renames it) of medians with q1–q3 bars.
pub fn plot(
    measurements: &[Measurement],
    suite: &str,
    parameter: &str,
    operations: &[&str],
    title: &str,
    x_label: &str,
) -> String {
    let mut series: Vec<Series> = Vec::new();
    for m in measurements
        .iter()
        .filter(|m| m.suite == suite && m.parameter == parameter)
        .filter(|m| operations.contains(&m.operation.as_str()))
    {
        let name = format!("{} ({})", m.operation, m.series);
        let point = Point {
            x: m.size as f64,
            y: m.summary.median,
            low: m.summary.q1,
            high: m.summary.q3,
        };
        match series.iter_mut().find(|s| s.name == name) {
            Some(existing) => existing.points.push(point),
            None => series.push(Series {
                name,
                points: vec![point],
            }),
        }
    }
    svg::log_log(title, x_label, "seconds", &series)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measurement(operation: &str, series: &str, size: u64, samples: &[f64]) -> Measurement {
        let key = Key {
            operation: "x",
            series: "y",
            parameter: "bits",
            size,
        };
        let mut m = Measurement::new("range", key, samples.to_vec()).expect("samples");
        m.operation = operation.to_owned();
        m.series = series.to_owned();
        m
    }

    #[test]
    fn fits_come_from_medians_of_each_series() {
        // prove: median 2·size (outliers ignored by the median); verify: one size only.
        let ms = vec![
            measurement("prove", "conclave", 8, &[16.0, 16.0, 90.0]),
            measurement("prove", "conclave", 16, &[32.0, 1.0, 32.0]),
            measurement("prove", "conclave", 32, &[64.0, 64.0, 64.0]),
            measurement("verify", "conclave", 8, &[1.0]),
        ];
        let fits = fits(&ms);
        assert_eq!(fits.len(), 1);
        assert!((fits[0].exponent - 1.0).abs() < 1e-12);
        assert!((fits[0].coefficient - 2.0).abs() < 1e-9);
        assert_eq!(fits[0].points, 3);
    }

    #[test]
    fn csv_has_one_row_per_measurement_and_quotes_commas() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
        let header = Header::for_tests();
        let runs = Vec::new();
        let mut report = Report::build(header, runs);
        report.measurements = vec![
            measurement("prove", "conclave", 8, &[1.0, 2.0, 3.0]),
            measurement("verify", "con,clave", 8, &[1.0]),
        ];
        let csv = report.csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0], "# schema: conclave-bench/1");
        assert_eq!(lines[1].split(',').count(), CSV_COLUMNS.len());
        assert_eq!(lines[2], "range,prove,conclave,bits,8,s,3,2,1.5,2.5,1,3");
        assert!(lines[3].starts_with("range,verify,\"con,clave\",bits,8,s,1,"));
    }
}
