//! The `mpc` suite: the n-party engine as `conclave mpc run` runs it — one process per
//! party, TLS 1.3 between every pair, on loopback — timed inside the parties by the
//! `bench` job (the figures party 1 reports).
//!
//! - **Against the number of parties** (3, 5; 7 at `--full`): a batch of multiplications,
//!   a batch of 32-bit comparisons, the stats job, and the latency of one multiplication,
//!   each semi-honest and with security with abort (`malicious`, same run), with the paired
//!   ratio malicious / semi-honest.
//! - **At the sizes of the speed goals** (`--full`, 3 parties): 1,000,000 multiplications,
//!   100,000 comparisons, stats over 3 × 10,000 values, as `conclave mpc bench` runs them.
//! - **Against network delay** (only as root, with `ip` and `tc`): the same job with
//!   3 parties inside a fresh network namespace whose loopback has `tc netem` delay of 1,
//!   4 and 16 ms each way (2 ms at `--tiny`); otherwise listed as skipped with the reason.
//! - **Peer** (`--compare`): mpyc (the Python named by `CONCLAVE_MPYC_PYTHON`, else
//!   `python3`, with mpyc importable; pinned in benches/mpyc/requirements.txt) runs the
//!   same work at 3 parties with the script embedded in this binary, and so does Conclave,
//!   alternately; reported as paired ratios. Absent mpyc is listed as skipped.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context};
use serde_json::Value;

use super::report::{plot, Measurement, PeerInfo};
use super::{run_checked, Key, Mode, Runner};
use crate::cmd::mpc::{bench_processes, BenchSizes};

/// The plots this suite writes.
pub const PLOTS: &[&str] = &["mpc-vs-parties.svg", "mpc-vs-delay.svg"];

/// What `size` counts in the party sweep.
const PARTIES: &str = "parties";
/// What `size` counts in the delay sweep.
const DELAY: &str = "one-way delay (ms), 3 parties";
/// What `size` counts in the run at the sizes of the speed goals (`--full`).
const GOALS: &str = "parties (sizes of the speed goals)";
/// What `size` counts in the comparison with mpyc.
const PEER: &str = "parties (vs mpyc)";

/// The mpyc benchmark script (benches/mpyc/bench_mpyc.py), shipped in the binary.
const MPYC_SCRIPT: &str = include_str!("../../../benches/mpyc/bench_mpyc.py");

/// The operations one bench run reports, by the key of party 1's outputs.
struct Operations {
    mul: &'static str,
    cmp: &'static str,
    stats: &'static str,
}

/// The `series` of the semi-honest figures.
const SEMI_HONEST: &str = "semi-honest";
/// The `series` of the malicious figures.
const MALICIOUS: &str = "malicious";

/// The figures of one `bench` job run in one security mode.
#[derive(Clone)]
struct RunFigures {
    mul: f64,
    cmp: f64,
    stats: f64,
    mul_latency: f64,
}

impl RunFigures {
    /// The semi-honest figures of party 1's outputs (the top level) and, when the engine
    /// ran it (PRSS randomness, up to 7 parties), the malicious ones (`malicious`).
    fn from_outputs(outputs: &Value) -> anyhow::Result<(Self, Option<Self>)> {
        let semi_honest = Self::from_object(outputs, "semi-honest")?;
        let malicious = outputs
            .get("malicious")
            .map(|m| Self::from_object(m, "malicious"))
            .transpose()?;
        Ok((semi_honest, malicious))
    }

    fn from_object(outputs: &Value, mode: &str) -> anyhow::Result<Self> {
        let get = |key: &str| {
            outputs
                .get(key)
                .and_then(Value::as_f64)
                .with_context(|| format!("the bench job reported no {mode} `{key}`"))
        };
        Ok(RunFigures {
            mul: get("mul_s")?,
            cmp: get("comparison_s")?,
            stats: get("stats_s")?,
            mul_latency: get("mul_latency_ms")? / 1e3,
        })
    }
}

/// The job sizes and operation names of the party sweep in a mode. At `--full` the sweep
/// runs a fifth of the work of the speed goals (7 parties on 100,000 comparisons and
/// 7 × 10,000 values would take minutes per sample); the goals' own sizes run at 3 parties
/// ([`goal_workload`]).
fn workload(mode: Mode) -> (BenchSizes, Operations) {
    let sizes = mode.pick(
        (1_000, 100, 100),
        (100_000, 2_000, 300),
        (1_000_000, 20_000, 2_000),
    );
    let names = mode.pick(
        Operations {
            mul: "1,000 multiplications",
            cmp: "100 comparisons (32-bit)",
            stats: "stats over n × 100 values",
        },
        Operations {
            mul: "100,000 multiplications",
            cmp: "2,000 comparisons (32-bit)",
            stats: "stats over n × 300 values",
        },
        Operations {
            mul: "1,000,000 multiplications",
            cmp: "20,000 comparisons (32-bit)",
            stats: "stats over n × 2,000 values",
        },
    );
    (bench_sizes(sizes), names)
}

/// The sizes of the speed goals of `conclave mpc bench` (docs/mpc.md), measured at
/// 3 parties with `--full`.
fn goal_workload() -> (BenchSizes, Operations) {
    (
        bench_sizes((1_000_000, 100_000, 10_000)),
        Operations {
            mul: "1,000,000 multiplications",
            cmp: "100,000 comparisons (32-bit)",
            stats: "stats over n × 10,000 values",
        },
    )
}

/// The smaller work run on both sides with `--compare` (mpyc is far slower: its stats
/// job grows faster than linearly, 55 s for 3 × 1,000 values on 2 cores).
fn peer_workload(mode: Mode) -> (BenchSizes, Operations) {
    let sizes = mode.pick((1_000, 20, 20), (10_000, 100, 30), (100_000, 1_000, 300));
    let names = mode.pick(
        Operations {
            mul: "1,000 multiplications",
            cmp: "20 comparisons (32-bit)",
            stats: "stats over n × 20 values",
        },
        Operations {
            mul: "10,000 multiplications",
            cmp: "100 comparisons (32-bit)",
            stats: "stats over n × 30 values",
        },
        Operations {
            mul: "100,000 multiplications",
            cmp: "1,000 comparisons (32-bit)",
            stats: "stats over n × 300 values",
        },
    );
    (bench_sizes(sizes), names)
}

/// Job sizes from (multiplications, comparisons, values per party in stats).
fn bench_sizes((multiplications, comparisons, stats_values): (usize, usize, usize)) -> BenchSizes {
    BenchSizes {
        multiplications,
        comparisons,
        stats_values,
    }
}

/// Runs the suite.
///
/// # Errors
/// A party that fails (reported with its message).
pub fn run(runner: &mut Runner) -> anyhow::Result<()> {
    let mode = runner.mode();
    let parties: Vec<u32> = mode.pick(vec![3], vec![3, 5], vec![3, 5, 7]);
    let delays: Vec<u32> = mode.pick(vec![2], Vec::new(), vec![1, 4, 16]);
    let n = mode.pick(1, 3, 3);
    let compare = runner.compare();
    let peer_runs = if compare { 2 * n } else { 0 };
    let goal_runs = if mode == Mode::Full { n } else { 0 };
    runner.plan((n * (parties.len() + delays.len()) + goal_runs + peer_runs) as u64);

    let (sizes, names) = workload(mode);
    for &count in &parties {
        let figures = timed_runs(runner, n, |_| bench_processes(count, &sizes, &[]))?;
        record_modes(runner, &names, PARTIES, u64::from(count), &figures)?;
    }
    if goal_runs > 0 {
        let (sizes, names) = goal_workload();
        let figures = timed_runs(runner, goal_runs, |_| bench_processes(3, &sizes, &[]))?;
        record_modes(runner, &names, GOALS, 3, &figures)?;
    }

    // Under delay every round costs a round trip: at --full the sweep runs the --quick
    // work (100,000 comparisons at 16 ms would take minutes per sample).
    let (delay_sizes, delay_names) = workload(match mode {
        Mode::Full => Mode::Quick,
        other => other,
    });
    if delays.is_empty() {
        runner.skip(
            "network delay sweep",
            "runs with --full (and --tiny): tens of seconds per delay",
        );
    }
    for &delay in &delays {
        let namespace = match DelayedLoopback::create(delay) {
            Ok(namespace) => namespace,
            Err(error) => {
                runner.skip(
                    "network delay sweep (tc netem in a network namespace)",
                    &format!("{error:#} (needs root, `ip` and `tc`)"),
                );
                break;
            }
        };
        let launcher = namespace.launcher();
        let figures = timed_runs(runner, n, |_| bench_processes(3, &delay_sizes, &launcher))?;
        record_modes(runner, &delay_names, DELAY, u64::from(delay), &figures)?;
    }

    if compare {
        compare_with_mpyc(runner, n)?;
    }
    Ok(())
}

/// `n` runs of the bench job, each one tick of the progress bar: per run the semi-honest
/// figures and, when measured, the malicious ones.
fn timed_runs(
    runner: &Runner,
    n: usize,
    mut run: impl FnMut(usize) -> anyhow::Result<Value>,
) -> anyhow::Result<Vec<(RunFigures, Option<RunFigures>)>> {
    (0..runner.share(n))
        .map(|i| {
            let mut outputs = None;
            runner.once(|| {
                outputs = Some(run(i)?);
                Ok(())
            })?;
            RunFigures::from_outputs(&outputs.context("the bench job ran")?)
        })
        .collect()
}

/// The four figures per run at one size, as the `semi-honest` series and (when every run
/// measured it) the `malicious` series, with the paired ratio malicious / semi-honest.
fn record_modes(
    runner: &mut Runner,
    names: &Operations,
    parameter: &'static str,
    size: u64,
    runs: &[(RunFigures, Option<RunFigures>)],
) -> anyhow::Result<()> {
    let semi_honest: Vec<RunFigures> = runs.iter().map(|(s, _)| s.clone()).collect();
    record_figures(runner, names, SEMI_HONEST, parameter, size, &semi_honest)?;
    let Some(malicious) = runs
        .iter()
        .map(|(_, m)| m.clone())
        .collect::<Option<Vec<RunFigures>>>()
    else {
        return Ok(());
    };
    record_figures(runner, names, MALICIOUS, parameter, size, &malicious)?;
    for (operation, pick) in columns(names) {
        let key = |series| Key {
            operation,
            series,
            parameter,
            size,
        };
        let a: Vec<f64> = malicious.iter().map(pick).collect();
        let b: Vec<f64> = semi_honest.iter().map(pick).collect();
        runner.ratio(
            &key(MALICIOUS),
            &key(SEMI_HONEST),
            &a,
            &b,
            "security with abort (MACs, batched checks) against semi-honest, same run",
        )?;
    }
    Ok(())
}

/// An operation's name and how to read its time from a run's figures.
type Column = (&'static str, fn(&RunFigures) -> f64);

/// The four operations of a run, with how to read each from its figures.
fn columns(names: &Operations) -> [Column; 4] {
    [
        (names.mul, |f| f.mul),
        (names.cmp, |f| f.cmp),
        (names.stats, |f| f.stats),
        ("latency of one multiplication", |f| f.mul_latency),
    ]
}

/// Records the four figures of a set of runs at one size.
fn record_figures(
    runner: &mut Runner,
    names: &Operations,
    series: &'static str,
    parameter: &'static str,
    size: u64,
    figures: &[RunFigures],
) -> anyhow::Result<()> {
    for (operation, pick) in columns(names) {
        let key = Key {
            operation,
            series,
            parameter,
            size,
        };
        runner.record(key, figures.iter().map(pick).collect())?;
    }
    Ok(())
}

/// mpyc and Conclave on the same work at 3 parties, alternately; ratios Conclave / mpyc.
fn compare_with_mpyc(runner: &mut Runner, n: usize) -> anyhow::Result<()> {
    let python = std::env::var("CONCLAVE_MPYC_PYTHON").unwrap_or_else(|_| "python3".into());
    let version = match mpyc_version(&python) {
        Ok(version) => version,
        Err(reason) => {
            runner.skip("mpyc", &reason);
            return Ok(());
        }
    };
    runner.peers.push(PeerInfo {
        suite: "mpc".into(),
        name: "mpyc".into(),
        version: version.clone(),
        path: format!("{python} (bench_mpyc.py -M3: 3 local processes, no TLS)"),
    });
    let script_dir = tempfile::Builder::new()
        .prefix("conclave-bench-mpyc-")
        .tempdir()?;
    let script = script_dir.path().join("bench_mpyc.py");
    std::fs::write(&script, MPYC_SCRIPT)
        .with_context(|| format!("{}: cannot write the mpyc script", script.display()))?;
    let (sizes, names) = peer_workload(runner.mode());
    // The figures are those the programs report (their wall-clock times are not used);
    // which of the two runs first swaps every pair.
    let mut figures: (Vec<RunFigures>, Vec<RunFigures>) = (Vec::new(), Vec::new());
    runner.alternate(
        n,
        &mut figures,
        |(ours, _)| {
            // mpyc is semi-honest: compared with our semi-honest figures.
            let (semi_honest, _) = RunFigures::from_outputs(&bench_processes(3, &sizes, &[])?)?;
            ours.push(semi_honest);
            Ok(())
        },
        |(_, theirs)| {
            theirs.push(mpyc_figures(&run_mpyc(&python, &script, &sizes)?)?);
            Ok(())
        },
    )?;
    let (ours, theirs) = figures;
    record_figures(runner, &names, SEMI_HONEST, PEER, 3, &ours)?;
    record_figures(runner, &names, "mpyc", PEER, 3, &theirs)?;
    for (operation, pick) in columns(&names) {
        let key = |series| Key {
            operation,
            series,
            parameter: PEER,
            size: 3,
        };
        let a: Vec<f64> = ours.iter().map(pick).collect();
        let b: Vec<f64> = theirs.iter().map(pick).collect();
        runner.ratio(
            &key(SEMI_HONEST),
            &key("mpyc"),
            &a,
            &b,
            &format!("mpyc {version}: 3 local processes without TLS; ours with TLS 1.3"),
        )?;
    }
    Ok(())
}

/// mpyc's version, or why it cannot run.
fn mpyc_version(python: &str) -> Result<String, String> {
    let output = Command::new(python)
        .args(["-c", "import mpyc; print(mpyc.__version__)"])
        .output()
        .map_err(|e| format!("{python}: cannot run ({e})"))?;
    if !output.status.success() {
        return Err(format!(
            "{python} cannot import mpyc (pip install -r benches/mpyc/requirements.txt, then \
             set CONCLAVE_MPYC_PYTHON)"
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// Runs the mpyc script with 3 local parties; returns its JSON line.
fn run_mpyc(python: &str, script: &Path, sizes: &BenchSizes) -> anyhow::Result<Value> {
    let output = run_checked(
        Command::new(python)
            .arg(script)
            .arg("-M3")
            .env("MULS", sizes.multiplications.to_string())
            .env("CMPS", sizes.comparisons.to_string())
            .env("STATS", sizes.stats_values.to_string()),
        &format!("the mpyc script ({python})"),
    )?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|line| line.trim_start().starts_with('{'))
        .context("mpyc printed no JSON line")?;
    serde_json::from_str(line).context("mpyc's JSON line does not parse")
}

/// The figures of an mpyc run, in the bench job's units.
fn mpyc_figures(outputs: &Value) -> anyhow::Result<RunFigures> {
    let get = |key: &str| {
        outputs
            .get(key)
            .and_then(Value::as_f64)
            .with_context(|| format!("mpyc reported no `{key}`"))
    };
    Ok(RunFigures {
        mul: get("mul_s")?,
        cmp: get("cmp_s")?,
        stats: get("stats_s")?,
        mul_latency: get("mul_latency_ms")? / 1e3,
    })
}

/// A network namespace whose loopback delays every packet (`tc netem`); deleted on drop.
struct DelayedLoopback {
    name: String,
}

impl DelayedLoopback {
    /// Creates the namespace with `delay_ms` of delay each way on its loopback.
    fn create(delay_ms: u32) -> anyhow::Result<Self> {
        let name = format!("conclave-bench-{}-{delay_ms}", std::process::id());
        ip(&["netns", "add", &name])?;
        let namespace = DelayedLoopback { name };
        let exec = ["netns", "exec", namespace.name.as_str()];
        ip(&[&exec[..], &["ip", "link", "set", "lo", "up"]].concat())?;
        let delay = format!("{delay_ms}ms");
        let netem = [
            "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", &delay,
        ];
        ip(&[&exec[..], &netem[..]].concat())?;
        Ok(namespace)
    }

    /// The command prefix that runs a program inside the namespace.
    fn launcher(&self) -> Vec<String> {
        ["ip", "netns", "exec", &self.name]
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    }
}

impl Drop for DelayedLoopback {
    fn drop(&mut self) {
        let _ = ip(&["netns", "delete", &self.name]);
    }
}

/// Runs `ip ARGS`, failing with its message.
fn ip(args: &[&str]) -> anyhow::Result<()> {
    let output = Command::new("ip")
        .args(args)
        .output()
        .context("cannot run `ip`")?;
    if !output.status.success() {
        bail!(
            "`ip {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// The suite's plots.
pub fn plots(measurements: &[Measurement]) -> Vec<(String, String)> {
    // Every operation the suite measured (reports of older binaries had other sizes); the
    // parameter picks the sweep.
    let all: Vec<&str> = measurements
        .iter()
        .filter(|m| m.suite == "mpc")
        .map(|m| m.operation.as_str())
        .collect();
    vec![
        (
            PLOTS[0].to_owned(),
            plot(
                measurements,
                "mpc",
                PARTIES,
                &all,
                "MPC over TLS (one process per party) against the number of parties",
                "parties",
            ),
        ),
        (
            PLOTS[1].to_owned(),
            plot(
                measurements,
                "mpc",
                DELAY,
                &all,
                "MPC with 3 parties against network delay (tc netem)",
                "one-way delay (ms)",
            ),
        ),
    ]
}
