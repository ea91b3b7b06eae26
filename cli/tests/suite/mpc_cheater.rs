//! Security with abort over real processes and TLS (issue 18): the honest parties run as
//! `conclave mpc run` processes on a stats job in the default (malicious) mode; the last
//! party runs inside this test process through the public `conclave_mpc` API (its config,
//! TLS identity and signing key read from the files `mpc config` wrote) over a transport
//! wrapper that deviates. The wrapper is test code only: the shipped binary has no way
//! to cheat. Every honest process must exit non-zero, print no output value, write no
//! result file, and name the cheater where the redundancy allows it (4 parties).
//!
//! A party that answers one peer and not another (it withholds its frames to one honest
//! peer from some round on, over [`TcpTransport::exchange_links`]) is named by the
//! starved peer, which times out, and by every other honest peer through the starved
//! peer's abort; none hangs past a few round timeouts. Withholding only the job's last
//! exchange (the signatures) splits the honest parties, as docs/mpc.md says: the starved
//! one aborts, the others output the right values. Also: different frames to different
//! peers in one round, and a frame skipped once (the link then runs a round behind).
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use conclave_mpc::config::{signing_key_from_json, PartyConfig, TlsIdentity};
use conclave_mpc::field::MODULUS;
use conclave_mpc::jobs::{self, ClientShares, JobFile, JobInput, Signer};
use conclave_mpc::net::TcpTransport;
use conclave_mpc::transport::{Frames, Transport};
use conclave_mpc::{Engine, Error, PartyId};
use rand::rngs::OsRng;
use serde_json::Value;

use crate::common::{assert_success as ok, command, expect, free_base_port, stderr, stdout};

/// Bytes of one field element in a frame (little-endian `u128`).
const ELEMENT: usize = 16;

/// Every party's values (party `i` holds `BANKS[i − 1]`).
const BANKS: [&[i64]; 4] = [
    &[700, -3, 650],
    &[12, 649],
    &[2147483647, -2147483648],
    &[900, -40],
];

/// The round timeout of the withholding tests' configs (seconds).
const SHORT_ROUND: u64 = 2;

/// Keys, an `n`-party config `parties.toml` with short timeouts, the stats job and every
/// party's CSV in `dir`.
fn setup(dir: &Path, n: u16) {
    setup_with(dir, n, 10);
}

/// As [`setup`], with a round timeout of `round_timeout` seconds.
fn setup_with(dir: &Path, n: u16, round_timeout: u64) {
    let base = free_base_port(n);
    expect(
        dir,
        0,
        &format!(
            "mpc config --parties {n} --base-port {base} --connect-timeout 15 \
             --round-timeout {round_timeout} --out parties.toml"
        ),
    );
    std::fs::write(
        dir.join("stats.toml"),
        "version = 1\njob = \"stats\"\ndescription = \"cheater test\"\n[stats]\nbits = 32\nthreshold = 650\n",
    )
    .unwrap();
    for (i, values) in BANKS.iter().enumerate().take(usize::from(n)) {
        let lines: Vec<String> = values.iter().map(i64::to_string).collect();
        std::fs::write(
            dir.join(format!("bank{}.csv", i + 1)),
            format!("value\n{}\n", lines.join("\n")),
        )
        .unwrap();
    }
}

/// Starts party `i` as a real `conclave mpc run` process.
fn party(dir: &Path, i: u32) -> Child {
    let line = format!(
        "--json mpc run --party {i} --config parties.toml --job stats.toml --input bank{i}.csv \
         --out result{i}.json"
    );
    command()
        .current_dir(dir)
        .args(line.split_whitespace())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// How the in-process party deviates.
#[derive(Clone, Debug)]
enum Cheat {
    /// Follows the protocol (baseline).
    None,
    /// Adds 1 to the first element of its frame to every peer in exchange `round`
    /// (0-based, counted at this party).
    Round(usize),
    /// Adds 1 to one element of the first frame of exactly `bytes` bytes to `victim`
    /// (0-based party index).
    Size { bytes: usize, victim: usize },
    /// Different frames to different peers: in exchange `round`, adds 1 to the first
    /// element of the frame to `victim` only (every other peer gets the right frame).
    Split { round: usize, victim: usize },
    /// Answers one peer and not another: from exchange `round` on, sends `victim`
    /// nothing at all (still reading from it), every other peer its frames as usual.
    Withhold { round: usize, victim: usize },
    /// Skips only its frame of exchange `round` to `victim`, then goes on: the link
    /// counts rounds, so each later frame fills the slot of the one before.
    Skip { round: usize, victim: usize },
}

/// Wraps the real TLS transport: logs the frame sizes it sends and applies a [`Cheat`].
struct Cheating {
    inner: TcpTransport,
    cheat: Cheat,
    round: usize,
    /// Frame sizes to each party, per exchange.
    log: Vec<Vec<usize>>,
    /// Size of each frame it tampered with or withheld.
    tampered: Vec<usize>,
}

/// Adds 1 (mod p) to element `k` of a frame of field elements.
fn add_one(frame: &mut [u8], k: usize) {
    let at = k * ELEMENT;
    let mut bytes = [0u8; ELEMENT];
    bytes.copy_from_slice(&frame[at..at + ELEMENT]);
    let v = (u128::from_le_bytes(bytes) + 1) % MODULUS;
    frame[at..at + ELEMENT].copy_from_slice(&v.to_le_bytes());
}

impl Transport for Cheating {
    fn me(&self) -> PartyId {
        self.inner.me()
    }

    fn parties(&self) -> usize {
        self.inner.parties()
    }

    fn exchange(&mut self, mut outgoing: Frames) -> Result<Frames, Error> {
        self.log.push(outgoing.iter().map(Vec::len).collect());
        let me = self.me().0 as usize - 1;
        let round = self.round;
        self.round += 1;
        match self.cheat {
            Cheat::None => {}
            Cheat::Round(r) if r == round => {
                for (j, frame) in outgoing.iter_mut().enumerate() {
                    if j != me && frame.len() >= ELEMENT {
                        add_one(frame, 0);
                        self.tampered.push(frame.len());
                    }
                }
            }
            Cheat::Round(_) => {}
            Cheat::Size { bytes, victim } => {
                if self.tampered.is_empty() && outgoing[victim].len() == bytes {
                    add_one(&mut outgoing[victim], 3);
                    self.tampered.push(bytes);
                }
            }
            Cheat::Split { round: r, victim } => {
                if r == round && outgoing[victim].len() >= ELEMENT {
                    add_one(&mut outgoing[victim], 0);
                    self.tampered.push(outgoing[victim].len());
                }
            }
            Cheat::Withhold { round: r, victim } | Cheat::Skip { round: r, victim }
                if round == r || (matches!(self.cheat, Cheat::Withhold { .. }) && round > r) =>
            {
                self.tampered.push(outgoing[victim].len());
                let n = outgoing.len();
                let sent = outgoing
                    .into_iter()
                    .enumerate()
                    .map(|(j, frame)| (j != victim).then_some(frame))
                    .collect();
                let incoming = self.inner.exchange_links(sent, &vec![true; n])?;
                return Ok(incoming
                    .into_iter()
                    .map(Option::unwrap_or_default)
                    .collect());
            }
            Cheat::Withhold { .. } | Cheat::Skip { .. } => {}
        }
        self.inner.exchange(outgoing)
    }

    fn abort(&mut self, error: &Error) {
        self.inner.abort(error);
    }
}

/// What the in-process party ended with.
struct Inside {
    result: Result<Value, Error>,
    log: Vec<Vec<usize>>,
    tampered: Vec<usize>,
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap()
}

/// Runs party `me` in this process, as `conclave mpc run` would, on `job` (a TOML file
/// in `dir`) with its CSV `input`, over the real TLS transport wrapped by `wrap`: the
/// same config, its TLS identity and signing key. Returns the outputs (or the error it
/// aborted with, after telling the others) and the engine (with the wrapper inside).
pub(crate) fn run_party_over<W: Transport>(
    dir: &Path,
    me: u32,
    job: &str,
    input: &str,
    wrap: impl FnOnce(TcpTransport) -> W,
) -> (Result<Value, Error>, Engine<W>) {
    let config = PartyConfig::from_toml(&read(dir, "parties.toml"), "parties.toml").unwrap();
    let job = JobFile::from_toml(&read(dir, job), job).unwrap();
    let input = JobInput::parse_csv(&job, &read(dir, input), input).unwrap();
    let keys = format!("p{me}");
    let identity = TlsIdentity::from_pem(
        read(dir, &format!("{keys}/tls.crt")),
        read(dir, &format!("{keys}/tls.key")),
    );
    let (key_party, signing) =
        signing_key_from_json(&read(dir, &format!("{keys}/signing.key")), "signing.key").unwrap();
    assert_eq!(key_party, PartyId(me));
    let signer = Signer {
        key: &signing,
        parties: config.parties.iter().map(|p| p.verifying_key).collect(),
    };
    let transport = conclave_mpc::net::connect(&config, PartyId(me), &identity).unwrap();
    let mut engine = Engine::new(wrap(transport), &mut OsRng).unwrap();
    let result = jobs::run(
        &mut engine,
        &job,
        &input,
        &ClientShares::none(),
        &signer,
        &mut OsRng,
    )
    .map(|outcome| outcome.outputs);
    if let Err(error) = &result {
        engine.abort(error);
    }
    (result, engine)
}

/// Runs party `me` on the stats job over a [`Cheating`] transport.
fn run_inside(dir: &Path, me: u32, cheat: Cheat) -> Inside {
    let (result, mut engine) =
        run_party_over(dir, me, "stats.toml", &format!("bank{me}.csv"), |inner| {
            Cheating {
                inner,
                cheat,
                round: 0,
                log: Vec::new(),
                tampered: Vec::new(),
            }
        });
    let t = engine.transport_mut();
    Inside {
        result,
        log: std::mem::take(&mut t.log),
        tampered: std::mem::take(&mut t.tampered),
    }
}

/// Parties `1..n` as processes, party `n` inside this process with `cheat`.
fn run(dir: &Path, n: u32, cheat: Cheat) -> (Vec<Output>, Inside) {
    let (outputs, inside, _) = run_within(dir, n, cheat, Duration::from_secs(120));
    (outputs, inside)
}

/// As [`run`], failing (after killing the processes) when an honest process is still
/// running `limit` after the start; also returns how long the run took.
fn run_within(
    dir: &Path,
    n: u32,
    cheat: Cheat,
    limit: Duration,
) -> (Vec<Output>, Inside, Duration) {
    let start = Instant::now();
    let mut children: Vec<Child> = (1..n).map(|i| party(dir, i)).collect();
    let inside = run_inside(dir, n, cheat);
    while !children.iter_mut().all(|c| c.try_wait().unwrap().is_some()) {
        if start.elapsed() > limit {
            for c in &mut children {
                let _ = c.kill();
            }
            let errs: Vec<String> = children
                .into_iter()
                .map(|c| stderr(&c.wait_with_output().unwrap()))
                .collect();
            panic!("an honest process still ran after {limit:?} (killed): {errs:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let elapsed = start.elapsed();
    let outputs = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    (outputs, inside, elapsed)
}

/// Every honest process failed before any output: exit code non-zero, `{"ok": false}`
/// without outputs on stdout, no result file; returns their stderr.
fn honest_failures(dir: &Path, outputs: &[Output], inside: &Inside) -> Vec<String> {
    outputs
        .iter()
        .enumerate()
        .map(|(k, out)| {
            let i = k + 1;
            let err = stderr(out);
            assert!(
                !out.status.success(),
                "party {i} succeeded under a cheat (the cheater tampered with frames of {:?} bytes)\nstdout: {}\nstderr: {err}",
                inside.tampered,
                stdout(out)
            );
            let report: Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("party {i}: stdout is not JSON ({e}): {err}"));
            assert_eq!(report["ok"], false, "party {i}");
            assert!(report.get("outputs").is_none(), "party {i}: {report}");
            // The extreme values (bank 3's) are the opened min and max of every run.
            for value in ["2147483647", "-2147483648"] {
                assert!(!stdout(out).contains(value), "party {i}: {}", stdout(out));
            }
            for file in [format!("result{i}.json"), format!("result{i}.private.json")] {
                assert!(!dir.join(&file).exists(), "party {i} wrote {file}");
            }
            err
        })
        .collect()
}

/// The plaintext stats of the first `n` banks: (sum, min, max, count ≥ 650, count).
fn plaintext(n: usize) -> (i64, i64, i64, usize, usize) {
    let all: Vec<i64> = BANKS[..n].iter().flat_map(|b| b.iter().copied()).collect();
    (
        all.iter().sum(),
        *all.iter().min().unwrap(),
        *all.iter().max().unwrap(),
        all.iter().filter(|v| **v >= 650).count(),
        all.len(),
    )
}

/// A process's outputs (parsed from its JSON) equal the in-process party's; the
/// floating-point fields up to the last digit lost in printing and parsing.
fn same_outputs(theirs: &Value, mine: &Value, party: usize) {
    let (Value::Object(theirs), Value::Object(mine)) = (theirs, mine) else {
        panic!("party {party}: outputs are not objects: {theirs} / {mine}");
    };
    assert_eq!(
        theirs.keys().collect::<Vec<_>>(),
        mine.keys().collect::<Vec<_>>(),
        "party {party}"
    );
    for (key, value) in mine {
        if value.is_f64() {
            let (t, m) = (theirs[key].as_f64().unwrap(), value.as_f64().unwrap());
            assert!(
                (t - m).abs() <= 1e-12 * m.abs(),
                "party {party}: {key} {t} vs {m}"
            );
        } else {
            assert_eq!(&theirs[key], value, "party {party}: {key}");
        }
    }
}

/// The index of the output opening in a run's exchanges: the last one whose frame to
/// every peer holds exactly the five opened aggregates (sum, Σx², count, min, max).
fn output_opening(log: &[Vec<usize>], me: usize) -> usize {
    log.iter()
        .rposition(|sizes| {
            sizes
                .iter()
                .enumerate()
                .all(|(j, s)| j == me || *s == 5 * ELEMENT)
        })
        .unwrap_or_else(|| panic!("no output opening of 5 elements in {log:?}"))
}

/// The baseline (the wrapper follows the protocol: all four succeed with the plaintext
/// outputs and the same record), then party 4 sends a wrong share of the output
/// opening to every peer: with 4 = 3t + 1 parties the honest parties' error correction
/// singles it out, and every honest process exits non-zero naming party 4.
#[test]
fn a_cheating_party_4_is_named_by_every_honest_process() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d, 4);
    let (outputs, inside) = run(d, 4, Cheat::None);
    let mine = inside.result.unwrap();
    let (sum, min, max, above, count) = plaintext(4);
    assert_eq!(mine["sum"], sum.to_string());
    assert_eq!(mine["min"], min.to_string());
    assert_eq!(mine["max"], max.to_string());
    assert_eq!(mine["count_at_or_above_threshold"], above.to_string());
    assert_eq!(mine["count"], count);
    assert_eq!(mine["security"], "malicious");
    for (k, out) in outputs.iter().enumerate() {
        ok(out);
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        same_outputs(&report["outputs"], &mine, k + 1);
        assert_eq!(
            read(d, &format!("result{}.json", k + 1)),
            read(d, "result1.json")
        );
    }
    // Every process checked party 4's signature on the same outputs.
    let record: Value = serde_json::from_str(&read(d, "result1.json")).unwrap();
    assert_eq!(record["signatures"].as_array().unwrap().len(), 4);
    let round = output_opening(&inside.log, 3);

    for i in 1..=3 {
        std::fs::remove_file(d.join(format!("result{i}.json"))).unwrap();
        std::fs::remove_file(d.join(format!("result{i}.private.json"))).unwrap();
    }
    let (outputs, inside) = run(d, 4, Cheat::Round(round));
    assert_eq!(
        inside.tampered,
        vec![5 * ELEMENT; 3],
        "the cheat hit the output opening's frames"
    );
    assert!(inside.result.is_err(), "the cheater itself got no output");
    for (k, err) in honest_failures(d, &outputs, &inside).iter().enumerate() {
        assert!(
            err.contains("party 4 misbehaved"),
            "party {} must name party 4: {err}",
            k + 1
        );
        for other in 1..=3 {
            assert!(
                !err.contains(&format!("party {other} misbehaved")),
                "party {} blames honest party {other}: {err}",
                k + 1
            );
        }
    }
}

/// Three parties: party 3 adds 1 to one share it sends party 2 in the first
/// multiplication (the squares: value and MAC products, 2 · 7 elements). With n = 3 the
/// deviation is detected but cannot be attributed: both honest processes exit non-zero
/// saying a party cheated, before any output.
#[test]
fn a_wrong_share_in_a_multiplication_stops_both_honest_processes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d, 3);
    let (_, _, _, _, count) = plaintext(3);
    let bytes = 2 * count * ELEMENT;
    let (outputs, inside) = run(d, 3, Cheat::Size { bytes, victim: 1 });
    assert_eq!(inside.tampered, vec![bytes], "the cheat fired");
    assert!(inside.result.is_err(), "the cheater itself got no output");
    for (k, err) in honest_failures(d, &outputs, &inside).iter().enumerate() {
        assert!(
            err.contains("a party cheated"),
            "party {} must say a party cheated: {err}",
            k + 1
        );
    }
}

/// The exchanges (counted at the in-process party) the withholding tests aim at, found
/// in the frame sizes of an honest run.
#[derive(Debug)]
struct Rounds {
    /// The input dealing (PRF inputs): two exchanges after the input lengths (the only
    /// exchange of 8-byte frames), the client-batch agreement between them.
    input: usize,
    /// The first multiplication of secret values after the inputs' MACs: the squares,
    /// value and MAC products (2 · count elements to some peer).
    multiplication: usize,
    /// The opening of `w` in the MAC check before the outputs (one element to every
    /// peer, three exchanges before the output opening: `w`, `β·T` and its opening).
    check_opening: usize,
    /// The output opening (five aggregates to every peer).
    opening: usize,
    /// Its confirmation (one byte to every peer).
    confirmation: usize,
    /// The job's last exchange: the signatures on the record (64 bytes to every peer).
    signatures: usize,
}

/// Finds the [`Rounds`] in the log of an honest run at party index `me`.
fn rounds(log: &[Vec<usize>], me: usize, count: usize) -> Rounds {
    let all = |r: usize, bytes: usize| {
        log[r]
            .iter()
            .enumerate()
            .all(|(j, s)| j == me || *s == bytes)
    };
    let lens = (0..log.len())
        .find(|&r| all(r, 8))
        .unwrap_or_else(|| panic!("no exchange of input lengths in {log:?}"));
    let input = lens + 2;
    let multiplication = (input + 2..log.len())
        .find(|&r| log[r].contains(&(2 * count * ELEMENT)))
        .unwrap_or_else(|| panic!("no multiplication of {count} squares in {log:?}"));
    let opening = output_opening(log, me);
    let confirmation = opening + 1;
    let signatures = log.len() - 1;
    let check_opening = opening - 3;
    assert!(
        all(check_opening, ELEMENT),
        "no check's opening at {check_opening}: {log:?}"
    );
    assert!(
        all(confirmation, 1),
        "no confirmation after {opening}: {log:?}"
    );
    assert!(
        all(signatures, 64),
        "the last exchange is not the signatures: {log:?}"
    );
    Rounds {
        input,
        multiplication,
        check_opening,
        opening,
        confirmation,
        signatures,
    }
}

/// Removes the result files of parties `1..n`.
fn clean(dir: &Path, n: u32) {
    for i in 1..n {
        for file in [format!("result{i}.json"), format!("result{i}.private.json")] {
            let _ = std::fs::remove_file(dir.join(file));
        }
    }
}

/// An honest run with party `n` inside (with the short round timeout): every party
/// outputs the plaintext stats; returns the in-process party's log and outputs and the
/// run's duration.
fn baseline(dir: &Path, n: u32) -> (Vec<Vec<usize>>, Value, Duration) {
    let (outputs, inside, elapsed) = run_within(dir, n, Cheat::None, Duration::from_secs(120));
    let mine = inside.result.unwrap();
    let (sum, ..) = plaintext(n as usize);
    assert_eq!(mine["sum"], sum.to_string());
    for (k, out) in outputs.iter().enumerate() {
        ok(out);
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        same_outputs(&report["outputs"], &mine, k + 1);
    }
    clean(dir, n);
    (inside.log, mine, elapsed)
}

/// Runs `cheat` (it must fire): every honest process exits non-zero at most `slack`
/// later than the honest run took, prints no output and writes no record; the cheater
/// gets no output either. Returns the honest processes' stderr.
fn everyone_aborts(dir: &Path, n: u32, cheat: Cheat, honest: Duration) -> Vec<String> {
    let slack = Duration::from_secs(3 * SHORT_ROUND);
    let (outputs, inside, elapsed) =
        run_within(dir, n, cheat.clone(), honest + Duration::from_secs(60));
    assert!(!inside.tampered.is_empty(), "{cheat:?} never fired");
    let errs = honest_failures(dir, &outputs, &inside);
    eprintln!(
        "{cheat:?}: {elapsed:?}, the cheater: {:?}, the honest: {errs:?}",
        inside.result.as_ref().err()
    );
    assert!(
        inside.result.is_err(),
        "{cheat:?}: the cheater itself got no output"
    );
    assert!(
        elapsed <= honest + slack,
        "{cheat:?}: the honest processes took {elapsed:?} (an honest run {honest:?}): {errs:?}"
    );
    errs
}

/// Every honest process names party `cheater` as the one that did not answer (the
/// starved peer by its timeout, the others through its abort), and no honest party.
fn all_name_the_silent(errs: &[String], n: u32, cheat: &Cheat) {
    let cheater = n;
    for (k, err) in errs.iter().enumerate() {
        let party = k + 1;
        assert!(
            err.contains(&format!(
                "party {cheater} did not answer within {SHORT_ROUND} s"
            )),
            "{cheat:?}: party {party} must name party {cheater}: {err}"
        );
        for honest in 1..n {
            assert!(
                !err.contains(&format!("party {honest} did not answer")),
                "{cheat:?}: party {party} blames honest party {honest}: {err}"
            );
        }
    }
}

/// The withholding strategies for `n` parties, the cheater being party `n` and its
/// victim party index `victim` (0-based). Returns the directory (for more runs), the
/// rounds and how long an honest run took.
fn withholding(n: u32, victim: usize) -> (tempfile::TempDir, Rounds, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup_with(d, n as u16, SHORT_ROUND);
    let (log, mine, honest) = baseline(d, n);
    let me = n as usize - 1;
    let at = rounds(&log, me, plaintext(n as usize).4);
    eprintln!("n = {n}: {at:?}, log {log:?}");

    // (a) the input dealing, (b) a multiplication, (c) the output opening and (c') its
    // confirmation: the starved peer times out, the others abort on its abort, all name
    // the cheater. After a withheld confirmation the others opened the outputs, but the
    // job's next exchange (the input commitments) brings the starved peer's abort.
    for round in [at.input, at.multiplication, at.opening, at.confirmation] {
        let cheat = Cheat::Withhold { round, victim };
        let errs = everyone_aborts(d, n, cheat.clone(), honest);
        all_name_the_silent(&errs, n, &cheat);
    }

    // (d) The last exchange, the signatures on the record: the starved peer aborts
    // naming the cheater; the others (and the cheater) received every signature, so
    // they output the right values with a record signed by all n. Inherent in the last
    // message of any protocol without a broadcast channel (docs/mpc.md, "Not covered").
    let cheat = Cheat::Withhold {
        round: at.signatures,
        victim,
    };
    let (outputs, inside, elapsed) =
        run_within(d, n, cheat.clone(), honest + Duration::from_secs(60));
    assert_eq!(
        inside.tampered.len(),
        1,
        "the cheat fired at the last exchange"
    );
    same_outputs(&inside.result.unwrap(), &mine, n as usize);
    assert!(elapsed <= honest + Duration::from_secs(3 * SHORT_ROUND));
    for (k, out) in outputs.iter().enumerate() {
        let party = k + 1;
        let record = d.join(format!("result{party}.json"));
        if k == victim {
            assert!(!out.status.success(), "the starved party {party} succeeded");
            let report: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert!(report.get("outputs").is_none(), "party {party}: {report}");
            assert!(!record.exists(), "the starved party {party} wrote a record");
            // A real cheater would stay connected; this one finished and closed its
            // connections, which the starved party may see before its timeout.
            let err = stderr(out);
            assert!(
                err.contains(&format!("party {n} did not answer within {SHORT_ROUND} s"))
                    || err.contains(&format!("party {n} disconnected")),
                "party {party}: {err}"
            );
        } else {
            ok(out);
            let report: Value = serde_json::from_slice(&out.stdout).unwrap();
            same_outputs(&report["outputs"], &mine, party);
            let record: Value =
                serde_json::from_str(&std::fs::read_to_string(record).unwrap()).unwrap();
            assert_eq!(record["signatures"].as_array().unwrap().len(), n as usize);
        }
    }
    clean(d, n);

    // A skipped frame, then on as if nothing happened: the starved peer takes each later
    // frame for the one before (a share of another value where the sizes agree). Every
    // honest process still aborts before any output; none is named.
    for round in [at.input, at.check_opening - 1, at.opening] {
        let cheat = Cheat::Skip { round, victim };
        for (k, err) in everyone_aborts(d, n, cheat.clone(), honest)
            .iter()
            .enumerate()
        {
            for honest in 1..n {
                for blame in ["misbehaved", "did not answer", "disconnected"] {
                    assert!(
                        !err.contains(&format!("party {honest} {blame}")),
                        "{cheat:?}: party {} blames honest party {honest}: {err}",
                        k + 1
                    );
                }
            }
        }
    }
    (dir, at, honest)
}

/// Three parties, party 3 withholding from party 1: both honest processes exit
/// non-zero naming party 3 at every position but the last exchange. Then different
/// frames to different peers: a wrong share to party 2 only, (1) of the MAC check's
/// opening of `w` — party 2 says a party cheated (the check's openings are not
/// attributed), (2) of the output opening — party 2 lists the suspects (n = 2t + 1: no
/// error correction); either way its abort stops party 1, which opened right values,
/// before it returns them.
#[test]
fn a_party_answering_one_peer_and_not_another_is_named_3_parties() {
    let (dir, at, honest) = withholding(3, 0);
    let d = dir.path();
    for (round, says) in [
        (at.check_opening, "a party cheated"),
        (at.opening, "sent a wrong share"),
    ] {
        let cheat = Cheat::Split { round, victim: 1 };
        for (k, err) in everyone_aborts(d, 3, cheat.clone(), honest)
            .iter()
            .enumerate()
        {
            assert!(err.contains(says), "{cheat:?}: party {}: {err}", k + 1);
            assert!(
                !err.contains("misbehaved"),
                "{cheat:?}: party {}: {err}",
                k + 1
            );
        }
    }
}

/// Four parties, party 4 withholding from party 2. Then a wrong share of the output
/// opening to party 1 only: party 1 corrects and attributes it (n = 3t + 1), its abort
/// names party 4 at the others (which opened right values) before they return them.
#[test]
fn a_party_answering_one_peer_and_not_another_is_named_4_parties() {
    let (dir, at, honest) = withholding(4, 1);
    let cheat = Cheat::Split {
        round: at.opening,
        victim: 0,
    };
    let errs = everyone_aborts(dir.path(), 4, cheat, honest);
    for (k, err) in errs.iter().enumerate() {
        assert!(err.contains("party 4 misbehaved"), "party {}: {err}", k + 1);
        for other in 1..=3 {
            assert!(
                !err.contains(&format!("party {other} misbehaved")),
                "party {} blames honest party {other}: {err}",
                k + 1
            );
        }
    }
}
