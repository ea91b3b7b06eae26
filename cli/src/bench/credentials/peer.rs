//! The snarkjs peer of the `credentials` suite (`--compare`): whole-process `conclave zk
//! prove` of the issue's two-credential example against snarkjs `groth16 fullprove` of its
//! circom equivalent (`interop/circom/credit_predicate.circom`, circomlib 2.0.5, compiled by
//! the pinned `circom2` npm package) on the same credential files.
//!
//! The peer's preparation (circom compile, a 2^14 powers of tau with one local contribution,
//! the circuit's zkey) takes minutes and is not part of what is compared: it is made once
//! into the peer cache (`--peer-cache`, layout below) and reused while the circuit source and
//! the tools' versions stay the same; its duration is stated in the ratio's note, never in
//! the prove timings. The powers of tau are fine for timing, not for production keys.
//!
//! # Layout of the cache
//! ```text
//! <peer-cache>/snarkjs-<version>/pot14/pot.ptau, pot.json       prepared phase 2, 2^14
//! <peer-cache>/snarkjs-<version>/credit_predicate-<16 hex>/      one per circuit source + versions
//!     credit_predicate_js/credit_predicate.wasm, credit_predicate.zkey, prepared.json
//! ```
//! Each entry is built in a temporary folder next to it and renamed into place when
//! complete, so an interrupted preparation leaves nothing that looks finished.
//!
//! Absent tools (node, snarkjs, circom2, circomlib, the interop folder) are reported as a
//! skipped peer with the reason; so is a preparation that fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use anyhow::{bail, Context};
use serde_json::{json, Value};

use super::super::report::PeerInfo;
use super::super::zk::{snarkjs_peer, snarkjs_version};
use super::super::{run_checked, Key, Runner};
use super::PARAMETER;

/// The example predicate of issue 16 (the statement whose whole-process prove is timed).
const EXAMPLE: &str = "bureau.score >= 650 && bank.debt < 20000 && bank.income >= 3 * bank.debt";
/// The verifier scope and the day of the proofs.
const SCOPE: &str = "lender-x/2026";
const NOW: &str = "2026-12-02";
/// The circom source inside the interop folder (relative: circom2 runs under WASI and
/// resolves paths from its working folder).
const CIRCUIT: &str = "circom/credit_predicate.circom";
/// Powers of tau: 2^14 ≥ 10,676 constraints + public inputs.
const POWER: u32 = 14;
/// What is timed.
const OPERATION: &str = "zk prove (whole process), two-credential example";

const FILES: &[(&str, &[u8])] = &[
    (
        "credit-score.schema.json",
        include_bytes!("../../../../examples/data/credit-score.schema.json"),
    ),
    (
        "bank-account.schema.json",
        include_bytes!("../../../../examples/data/bank-account.schema.json"),
    ),
    (
        "alice-score.json",
        include_bytes!("../../../../examples/data/alice-score.json"),
    ),
    (
        "alice-bank.json",
        include_bytes!("../../../../examples/data/alice-bank.json"),
    ),
];

/// Runs `node <snarkjs_cli> <args>` in `dir` and fails unless it exits 0.
fn run_snarkjs<A: AsRef<std::ffi::OsStr>>(
    snarkjs_cli: &Path,
    dir: &Path,
    args: &[A],
    what: &str,
) -> anyhow::Result<Output> {
    run_checked(
        Command::new("node")
            .arg(snarkjs_cli)
            .args(args)
            .current_dir(dir),
        what,
    )
}

/// The interop folder: `$CONCLAVE_INTEROP`, else `interop/` in the current folder or one
/// above it; it must hold the circom source, `credential.mjs`, circom2 and circomlib.
fn find_interop() -> Result<PathBuf, String> {
    let dir = if let Some(dir) = std::env::var_os("CONCLAVE_INTEROP") {
        PathBuf::from(dir)
    } else {
        let cwd = std::env::current_dir().map_err(|e| format!("no current folder: {e}"))?;
        cwd.ancestors()
            .map(|dir| dir.join("interop"))
            .find(|dir| dir.join(CIRCUIT).is_file())
            .ok_or_else(|| {
                format!(
                    "not found: no interop/{CIRCUIT} here or above (run from the source tree, or \
                     set CONCLAVE_INTEROP to its interop folder)"
                )
            })?
    };
    for needed in [
        CIRCUIT,
        "credential.mjs",
        "node_modules/circom2/cli.js",
        "node_modules/circomlib/package.json",
        "node_modules/circomlibjs/package.json",
    ] {
        if !dir.join(needed).is_file() {
            return Err(format!(
                "{} is missing (run `npm ci --prefix interop` in the source tree)",
                dir.join(needed).display()
            ));
        }
    }
    Ok(dir)
}

/// The `version` field of a package.json.
fn package_version(file: &Path) -> String {
    std::fs::read_to_string(file)
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .and_then(|v| v.get("version")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The path of `to` relative to the folder `from` (both absolute, links resolved):
/// `..` for each component of `from` past their common prefix, then the rest of `to`.
fn relative(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut path = PathBuf::new();
    for _ in common..from.len() {
        path.push("..");
    }
    for part in &to[common..] {
        path.push(part);
    }
    if path.as_os_str().is_empty() {
        path.push(".");
    }
    path
}

/// 64-bit FNV-1a: the cache entry's name (not a security boundary: the cache is the
/// user's own folder).
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.iter().chain(&[0xff]) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// The prepared peer: where its files are and what making them cost.
struct Prepared {
    dir: PathBuf,
    info: Value,
    /// Whether this run made it (else it was reused from the cache).
    made_now: bool,
}

impl Prepared {
    fn wasm(&self) -> PathBuf {
        self.dir.join("credit_predicate_js/credit_predicate.wasm")
    }

    fn zkey(&self) -> PathBuf {
        self.dir.join("credit_predicate.zkey")
    }

    fn seconds(&self, field: &str) -> f64 {
        self.info[field].as_f64().unwrap_or(f64::NAN)
    }
}

/// Builds `dest` with `make` in a temporary folder beside it, renamed into place when
/// complete (if another process finished first, its copy is kept).
fn build_atomically(
    dest: &Path,
    make: impl FnOnce(&Path) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let parent = dest.parent().context("a cache entry has a parent")?;
    std::fs::create_dir_all(parent)
        .with_context(|| format!("{}: cannot create the peer cache", parent.display()))?;
    let temp = tempfile::Builder::new()
        .prefix(".preparing-")
        .tempdir_in(parent)
        .with_context(|| format!("{}: cannot write the peer cache", parent.display()))?;
    make(temp.path())?;
    match std::fs::rename(temp.path(), dest) {
        Ok(()) => Ok(()),
        Err(_) if dest.exists() => Ok(()),
        Err(error) => {
            Err(error).with_context(|| format!("{}: cannot finish the entry", dest.display()))
        }
    }
}

/// The folder holding the powers of tau (prepared phase 2, `pot.ptau`, and `pot.json`
/// with how long they took) in `cache`, made if missing.
fn powers_of_tau(cache: &Path, snarkjs_cli: &Path) -> anyhow::Result<PathBuf> {
    let dir = cache.join(format!("pot{POWER}"));
    if dir.join("pot.ptau").is_file() {
        return Ok(dir);
    }
    build_atomically(&dir, |out| {
        let started = Instant::now();
        let run = |args: &[&str], what: &str| run_snarkjs(snarkjs_cli, out, args, what);
        run(
            &[
                "powersoftau",
                "new",
                "bn128",
                &POWER.to_string(),
                "pot0.ptau",
            ],
            "snarkjs powersoftau new",
        )?;
        let entropy = format!("-e=conclave bench peer {:?}", std::time::SystemTime::now());
        run(
            &[
                "powersoftau",
                "contribute",
                "pot0.ptau",
                "pot1.ptau",
                "--name=conclave",
                &entropy,
            ],
            "snarkjs powersoftau contribute",
        )?;
        run(
            &["powersoftau", "prepare", "phase2", "pot1.ptau", "pot.ptau"],
            "snarkjs powersoftau prepare phase2",
        )?;
        for name in ["pot0.ptau", "pot1.ptau"] {
            std::fs::remove_file(out.join(name))?;
        }
        let info = json!({ "power": POWER, "seconds": started.elapsed().as_secs_f64() });
        std::fs::write(out.join("pot.json"), info.to_string())?;
        Ok(())
    })?;
    Ok(dir)
}

/// The compiled circuit and its zkey, from the cache or made now.
fn prepare(
    cache: &Path,
    interop: &Path,
    snarkjs_cli: &Path,
    versions: &Value,
) -> anyhow::Result<Prepared> {
    let source = std::fs::read(interop.join(CIRCUIT))
        .with_context(|| format!("{}: cannot read", interop.join(CIRCUIT).display()))?;
    let snarkjs_version = versions["snarkjs"].as_str().unwrap_or("unknown");
    let cache = cache.join(format!("snarkjs-{snarkjs_version}"));
    let key = fnv1a(&[&source, versions.to_string().as_bytes()]);
    let dir = cache.join(format!("credit_predicate-{key:016x}"));
    let info_file = dir.join("prepared.json");
    if let Some(info) = std::fs::read(&info_file)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
    {
        return Ok(Prepared {
            dir,
            info,
            made_now: false,
        });
    }
    eprintln!(
        "conclave bench: preparing the snarkjs peer of the credentials suite once (circom \
         compile, 2^{POWER} powers of tau, zkey: minutes) into {}",
        dir.display()
    );
    let ptau_dir = powers_of_tau(&cache, snarkjs_cli)?;
    let ptau = ptau_dir.join("pot.ptau");
    let ptau_info: Value = std::fs::read(ptau_dir.join("pot.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or(Value::Null);
    build_atomically(&dir, |out| {
        let started = Instant::now();
        // circom2 runs under WASI with only the working folder and its parents opened, as
        // relative paths: every path it is given is relative, and symbolic links resolved
        // first (node_modules may be a link to another checkout's).
        let modules = std::fs::canonicalize(interop.join("node_modules"))?;
        let cwd = modules.parent().context("node_modules has a parent")?;
        let source = relative(cwd, &std::fs::canonicalize(interop.join(CIRCUIT))?);
        let target = relative(cwd, &std::fs::canonicalize(out)?);
        let compiled = run_checked(
            Command::new("node")
                .arg(modules.join("circom2/cli.js"))
                .arg(&source)
                .args(["--r1cs", "--wasm", "--O2", "-l", "node_modules", "-o"])
                .arg(&target)
                .current_dir(cwd),
            "circom2 (compiling interop/circom/credit_predicate.circom)",
        )?;
        let log = String::from_utf8_lossy(&compiled.stdout).into_owned();
        let compile_seconds = started.elapsed().as_secs_f64();
        let constraints = log
            .lines()
            .find_map(|l| l.trim().strip_prefix("non-linear constraints:"))
            .and_then(|n| n.trim().parse::<u64>().ok());
        let started = Instant::now();
        let snarkjs =
            |args: &[&std::ffi::OsStr], what: &str| run_snarkjs(snarkjs_cli, out, args, what);
        snarkjs(
            &[
                "groth16".as_ref(),
                "setup".as_ref(),
                "credit_predicate.r1cs".as_ref(),
                ptau.as_os_str(),
                "credit_predicate0.zkey".as_ref(),
            ],
            "snarkjs groth16 setup",
        )?;
        let entropy = format!("-e=conclave bench zkey {:?}", std::time::SystemTime::now());
        snarkjs(
            &[
                "zkey".as_ref(),
                "contribute".as_ref(),
                "credit_predicate0.zkey".as_ref(),
                "credit_predicate.zkey".as_ref(),
                "--name=conclave".as_ref(),
                entropy.as_ref(),
            ],
            "snarkjs zkey contribute",
        )?;
        std::fs::remove_file(out.join("credit_predicate0.zkey"))?;
        let info = json!({
            "versions": versions,
            "constraints": constraints,
            "compile_seconds": compile_seconds,
            "ptau_power": POWER,
            "ptau_seconds": ptau_info.get("seconds").cloned().unwrap_or(Value::Null),
            "zkey_seconds": started.elapsed().as_secs_f64(),
            "prepared_unix": std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        });
        std::fs::write(out.join("prepared.json"), info.to_string())?;
        Ok(())
    })?;
    let info = serde_json::from_slice(&std::fs::read(&info_file)?)
        .with_context(|| format!("{}: not JSON", info_file.display()))?;
    Ok(Prepared {
        dir,
        info,
        made_now: true,
    })
}

/// Makes the example's files in `d` with the CLI (as cli/tests/suite/predicate.rs does):
/// two issuers, Alice, her two credentials, the keys of the example predicate.
fn example_files(exe: &Path, d: &Path) -> anyhow::Result<()> {
    for (name, bytes) in FILES {
        std::fs::write(d.join(name), bytes)?;
    }
    let conclave = |args: &[&str]| {
        run_checked(
            Command::new(exe).args(args).current_dir(d),
            &format!("conclave {}", args.join(" ")),
        )
    };
    for issuer in ["bureau", "bank"] {
        conclave(&["cred", "issuer-keygen", "--out", issuer])?;
    }
    conclave(&["cred", "holder-keygen", "--out", "alice"])?;
    for (issuer, schema, attributes, out) in [
        (
            "bureau",
            "credit-score.schema.json",
            "alice-score.json",
            "score.cred.json",
        ),
        (
            "bank",
            "bank-account.schema.json",
            "alice-bank.json",
            "bank.cred.json",
        ),
    ] {
        conclave(&[
            "cred",
            "issue",
            "--issuer-key",
            &format!("{issuer}/issuer.key"),
            "--schema",
            schema,
            "--attributes",
            attributes,
            "--holder",
            "alice/holder.pub.json",
            "--issued",
            "2026-11-01",
            "--expires",
            "2027-12-31",
            "--out",
            out,
        ])?;
    }
    conclave(&[
        "zk",
        "setup",
        "--predicate",
        EXAMPLE,
        "--schema",
        "bureau=credit-score.schema.json",
        "--schema",
        "bank=bank-account.schema.json",
        "--out",
        "keys",
    ])?;
    Ok(())
}

/// What the snarkjs peer needs, made in the first pass: snarkjs, the versions, the circom
/// build of the predicate (from the cache), and a folder with the example credentials,
/// our proving key and the circuit's input, where both provers have proved once.
struct Workbench {
    cli: PathBuf,
    versions: Value,
    prepared: Prepared,
    work: tempfile::TempDir,
}

impl Workbench {
    /// `snarkjs groth16 fullprove` and `conclave zk prove` of the same instance, writing
    /// their proofs into the work folder.
    fn provers(&self) -> anyhow::Result<(Command, Command)> {
        let d = self.work.path();
        let exe = std::env::current_exe().context("cannot locate the conclave binary")?;
        let mut theirs = Command::new("node");
        theirs
            .arg(&self.cli)
            .args(["groth16", "fullprove", "input.json"])
            .arg(self.prepared.wasm())
            .arg(self.prepared.zkey())
            .args(["snarkjs-proof.json", "snarkjs-public.json"])
            .current_dir(d);
        let mut ours = Command::new(&exe);
        ours.args([
            "--force",
            "zk",
            "prove",
            "--pk",
            "keys/predicate.pk",
            "--credential",
            "bureau=score.cred.json",
            "--credential",
            "bank=bank.cred.json",
            "--holder-key",
            "alice/holder.key",
            "--scope",
            SCOPE,
            "--param",
            &format!("now={NOW}"),
            "--out",
            "proof.json",
        ])
        .current_dir(d);
        Ok((theirs, ours))
    }
}

/// Finds and prepares the peer (`None` after recording why it is skipped); proves once
/// with each (the discarded warm-up pair: files and both programs in the page cache) and
/// checks that both proved the same statement instance.
fn workbench(runner: &mut Runner) -> anyhow::Result<Option<Workbench>> {
    let Some((cli, node)) = snarkjs_peer(runner) else {
        return Ok(None);
    };
    let interop = match find_interop() {
        Ok(dir) => dir,
        Err(reason) => {
            runner.skip("snarkjs", &reason);
            return Ok(None);
        }
    };
    let modules = interop.join("node_modules");
    let versions = json!({
        "snarkjs": snarkjs_version(&cli),
        "circom2": package_version(&modules.join("circom2/package.json")),
        "circomlib": package_version(&modules.join("circomlib/package.json")),
        "node": node,
    });
    let cache = runner.peer_cache().to_path_buf();
    let prepared = match prepare(&cache, &interop, &cli, &versions) {
        Ok(prepared) => prepared,
        Err(error) => {
            runner.skip(
                "snarkjs",
                &format!("preparing the circom equivalent failed: {error:#}"),
            );
            return Ok(None);
        }
    };

    let exe = std::env::current_exe().context("cannot locate the conclave binary")?;
    let work = tempfile::Builder::new()
        .prefix("conclave-bench-credentials-")
        .tempdir()?;
    let d = work.path();
    example_files(&exe, d)?;
    let input = run_checked(
        Command::new("node")
            .arg(interop.join("credential.mjs"))
            .args([
                "circom-input",
                "score.cred.json",
                "bank.cred.json",
                "alice/holder.key",
                SCOPE,
                NOW,
            ])
            .current_dir(d),
        "node interop/credential.mjs circom-input",
    )?;
    std::fs::write(d.join("input.json"), &input.stdout)?;
    let bench = Workbench {
        cli,
        versions,
        prepared,
        work,
    };
    let (mut theirs, mut ours) = bench.provers()?;
    runner.warm_up(|| run_checked(&mut theirs, "snarkjs groth16 fullprove"))?;
    runner.warm_up(|| run_checked(&mut ours, "conclave zk prove"))?;
    same_nullifier(bench.work.path())?;
    Ok(Some(bench))
}

/// Times the two provers in alternation and records them with their paired ratio.
pub fn compare_snarkjs(runner: &mut Runner, n: usize) -> anyhow::Result<()> {
    let bench = runner.keep("snarkjs peer", workbench)?;
    let Some(bench) = &*bench else {
        return Ok(());
    };
    let (peer, mine) = runner.alternate(
        n,
        &mut bench.provers()?,
        |(theirs, _)| run_checked(theirs, "snarkjs groth16 fullprove"),
        |(_, ours)| run_checked(ours, "conclave zk prove"),
    )?;
    let key = |series| Key {
        operation: OPERATION,
        series,
        parameter: PARAMETER,
        size: 2,
    };
    let prepared = &bench.prepared;
    let versions = &bench.versions;
    let constraints = prepared.info["constraints"]
        .as_u64()
        .map_or_else(|| "?".to_owned(), |c| c.to_string());
    let note = format!(
        "both as fresh processes (node or conclave start-up included), alternating after one \
         discarded pair; snarkjs computes the witness with the circom wasm and proves \
         ({constraints} constraints); the circom compile ({:.0} s), 2^{POWER} powers of tau \
         ({:.0} s) and zkey ({:.0} s) are not in these timings: {} {}",
        prepared.seconds("compile_seconds"),
        prepared.seconds("ptau_seconds"),
        prepared.seconds("zkey_seconds"),
        if prepared.made_now {
            "made in this run, cached in"
        } else {
            "reused from"
        },
        prepared.dir.display()
    );
    runner.ratio(&key("snarkjs"), &key("conclave"), &peer, &mine, &note)?;
    runner.record(key("snarkjs"), peer)?;
    runner.record(key("conclave"), mine)?;
    runner.peers.push(PeerInfo {
        suite: "credentials".to_owned(),
        name: "snarkjs".to_owned(),
        version: format!(
            "{} (node {}; circuit by circom2 {}, circomlib {})",
            versions["snarkjs"].as_str().unwrap_or("unknown"),
            versions["node"].as_str().unwrap_or("unknown"),
            versions["circom2"].as_str().unwrap_or("unknown"),
            versions["circomlib"].as_str().unwrap_or("unknown"),
        ),
        path: bench.cli.display().to_string(),
    });
    Ok(())
}

/// Both proofs made in `d` show the same nullifier (so both proved the same instance).
fn same_nullifier(d: &Path) -> anyhow::Result<()> {
    let read = |name: &str| -> anyhow::Result<Value> {
        let bytes = std::fs::read(d.join(name)).with_context(|| format!("{name}: not written"))?;
        serde_json::from_slice(&bytes).with_context(|| format!("{name}: not JSON"))
    };
    let ours = read("proof.json")?;
    let nullifier = ours["nullifier"]
        .as_str()
        .context("proof.json has no nullifier")?;
    let public = read("snarkjs-public.json")?;
    let signals = public
        .as_array()
        .context("snarkjs-public.json is not a list")?;
    if !signals.iter().any(|s| s.as_str() == Some(nullifier)) {
        bail!(
            "snarkjs's public signals {public} lack conclave's nullifier {nullifier}: the two \
             provers did not prove the same instance (a bug)"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_to_the_common_folder() {
        let rel = |a: &str, b: &str| relative(Path::new(a), Path::new(b));
        assert_eq!(
            rel("/work/main/interop", "/work/wt/x/interop/circom/c.circom"),
            Path::new("../../wt/x/interop/circom/c.circom")
        );
        assert_eq!(rel("/a/b", "/a/b/c"), Path::new("c"));
        assert_eq!(rel("/a/b", "/a/b"), Path::new("."));
        assert_eq!(rel("/a/b/c", "/tmp/x"), Path::new("../../../tmp/x"));
    }

    #[test]
    fn the_cache_key_separates_sources_and_versions() {
        let a = fnv1a(&[b"circuit", b"v1"]);
        assert_eq!(a, fnv1a(&[b"circuit", b"v1"]));
        assert_ne!(a, fnv1a(&[b"circuit", b"v2"]));
        assert_ne!(a, fnv1a(&[b"circuit2", b"v1"]));
        // Part boundaries count: ("ab", "c") is not ("a", "bc").
        assert_ne!(fnv1a(&[b"ab", b"c"]), fnv1a(&[b"a", b"bc"]));
    }
}
