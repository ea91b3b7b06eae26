//! The report's header: the machine (CPU model, cores, memory, load average, hypervisor
//! steal during the run from `/proc/stat` deltas), the versions (conclave, the crates it
//! links from Cargo.lock, the git commit of the source tree the binary was built in) and
//! the seeds. Anything unknown (not Linux, no git) is recorded as "unknown", never guessed.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::{Mode, Suite};

/// The workspace's lock file, compiled in: the crate versions this binary links.
const CARGO_LOCK: &str = include_str!("../../../Cargo.lock");

/// The crates whose versions the header names.
const CRATES: [&str; 9] = [
    "ark-groth16",
    "ark-bn254",
    "ark-relations",
    "bulletproofs",
    "curve25519-dalek",
    "merlin",
    "tfhe",
    "rustls",
    "redb",
];

/// CPU time counters at one moment (`/proc/stat`, first line, in clock ticks).
#[derive(Debug, Clone, Copy)]
pub struct Snapshot {
    total: Option<u64>,
    steal: Option<u64>,
    load: Option<f64>,
}

impl Snapshot {
    /// Reads the counters now (`None` fields where `/proc` is missing).
    pub fn take() -> Self {
        let (total, steal) = std::fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|text| cpu_times(&text))
            .map_or((None, None), |(t, s)| (Some(t), Some(s)));
        let load = std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|text| text.split_whitespace().next()?.parse().ok());
        Snapshot { total, steal, load }
    }
}

/// (total, steal) ticks from the aggregate `cpu` line of `/proc/stat`: user nice system
/// idle iowait irq softirq steal (guest time is already counted in user).
pub fn cpu_times(stat: &str) -> Option<(u64, u64)> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    Some((fields.iter().sum(), *fields.get(7).unwrap_or(&0)))
}

/// Steal as a percentage of all CPU time between two snapshots.
pub fn steal_percent(before: (u64, u64), after: (u64, u64)) -> Option<f64> {
    let total = after.0.checked_sub(before.0)?;
    let steal = after.1.checked_sub(before.1)?;
    (total > 0).then(|| 100.0 * steal as f64 / total as f64)
}

/// The report's header.
#[derive(Debug, Clone, Serialize)]
pub struct Header {
    /// `tiny`, `quick` or `full`.
    pub mode: String,
    /// Passes over the suites; each measurement's samples are pooled over them.
    pub passes: usize,
    /// Suites run.
    pub suites: Vec<String>,
    /// Start, seconds since the Unix epoch.
    pub started_unix: u64,
    /// Wall time of all suites, seconds.
    pub seconds: f64,
    /// `model name` from /proc/cpuinfo.
    pub cpu_model: String,
    /// Cores available to this process.
    pub cores: usize,
    /// MemTotal, MiB (0 when unknown).
    pub memory_mib: u64,
    /// 1-minute load average before the run ("unknown" when unreadable).
    pub load_before: String,
    /// 1-minute load average after the run.
    pub load_after: String,
    /// Hypervisor steal during the run, percent of CPU time (null when unknown).
    pub steal_percent: Option<f64>,
    /// Operating system and architecture.
    pub os: String,
    /// Commit of the source tree the binary lives in, or "unknown".
    pub git_commit: String,
    /// This binary's version.
    pub conclave_version: String,
    /// Versions of the crates measured, from Cargo.lock.
    pub crates: BTreeMap<String, String>,
    /// `--seed`.
    pub seed: u64,
    /// The seed each suite's random stream was drawn from.
    pub suite_seeds: BTreeMap<String, u64>,
}

impl Header {
    /// Collects the header of a run between two snapshots.
    pub fn collect(
        before: &Snapshot,
        after: &Snapshot,
        elapsed: Duration,
        mode: Mode,
        seed: u64,
        suites: &[Suite],
    ) -> Self {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let load = |l: Option<f64>| l.map_or_else(|| "unknown".to_owned(), |l| format!("{l:.2}"));
        let steal = match (before.total, before.steal, after.total, after.steal) {
            (Some(t0), Some(s0), Some(t1), Some(s1)) => steal_percent((t0, s0), (t1, s1)),
            _ => None,
        };
        Header {
            mode: mode.name().to_owned(),
            passes: mode.passes(),
            suites: suites.iter().map(|s| s.name().to_owned()).collect(),
            started_unix: now.saturating_sub(elapsed.as_secs()),
            seconds: elapsed.as_secs_f64(),
            cpu_model: field(&cpuinfo, "model name").unwrap_or_else(|| "unknown".to_owned()),
            cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            memory_mib: field(&meminfo, "MemTotal")
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
                .map_or(0, |kib| kib / 1024),
            load_before: load(before.load),
            load_after: load(after.load),
            steal_percent: steal,
            os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
            git_commit: git_commit(),
            conclave_version: env!("CARGO_PKG_VERSION").to_owned(),
            crates: CRATES
                .iter()
                .filter_map(|name| Some(((*name).to_owned(), locked_version(CARGO_LOCK, name)?)))
                .collect(),
            seed,
            suite_seeds: suites
                .iter()
                .map(|s| (s.name().to_owned(), s.seed(seed)))
                .collect(),
        }
    }

    /// A fixed header for unit tests.
    #[cfg(test)]
    pub fn for_tests() -> Self {
        Header::collect(
            &Snapshot::take(),
            &Snapshot::take(),
            Duration::ZERO,
            Mode::Tiny,
            1,
            &[Suite::Range],
        )
    }
}

/// The value of `name: value` in a /proc file.
fn field(text: &str, name: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == name).then(|| value.trim().to_owned())
    })
}

/// The version of package `name` this binary was built with (its Cargo.lock).
pub fn built_version(name: &str) -> Option<String> {
    locked_version(CARGO_LOCK, name)
}

/// The version of package `name` in a Cargo.lock; several locked versions are listed in
/// the lock file's order, joined with ", " (curve25519-dalek: "4.1.3, 5.0.0").
pub fn locked_version(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    let mut versions = Vec::new();
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
            else {
                continue;
            };
            versions.push(version.trim_end_matches('"').to_owned());
        }
    }
    (!versions.is_empty()).then(|| versions.join(", "))
}

/// The commit of the git tree holding this binary (`target/release/conclave` built from
/// a checkout), or "unknown".
fn git_commit() -> String {
    let dir = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(std::path::Path::to_path_buf));
    let Some(dir) = dir else {
        return "unknown".to_owned();
    };
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| s.len() >= 7 && s.chars().all(|c| c.is_ascii_hexdigit()))
        .unwrap_or_else(|| "unknown".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steal_comes_from_proc_stat_deltas() {
        let before = "cpu  100 0 50 800 10 0 0 40 0 0\ncpu0 1 2 3\n";
        let after = "cpu  200 0 100 1500 10 0 0 100 0 0\n";
        let b = cpu_times(before).expect("parsed");
        let a = cpu_times(after).expect("parsed");
        assert_eq!(b, (1000, 40));
        assert_eq!(a, (1910, 100));
        let steal = steal_percent(b, a).expect("delta");
        assert!((steal - 100.0 * 60.0 / 910.0).abs() < 1e-9);
        assert_eq!(steal_percent(a, a), None);
        assert_eq!(cpu_times("intr 1 2"), None);
    }

    #[test]
    fn versions_come_from_the_lock_file() {
        let lock = "[[package]]\nname = \"ark-groth16\"\nversion = \"0.6.0\"\n";
        assert_eq!(
            locked_version(lock, "ark-groth16").as_deref(),
            Some("0.6.0")
        );
        assert_eq!(locked_version(lock, "ark"), None);
        let two = format!("{lock}\n[[package]]\nname = \"ark-groth16\"\nversion = \"0.7.0\"\n");
        assert_eq!(
            locked_version(&two, "ark-groth16").as_deref(),
            Some("0.6.0, 0.7.0")
        );
        let dalek = locked_version(CARGO_LOCK, "curve25519-dalek").unwrap();
        assert!(dalek.starts_with("4.") && dalek.contains(", 5."), "{dalek}");
        assert!(locked_version(CARGO_LOCK, "ark-groth16").is_some());
    }
}
