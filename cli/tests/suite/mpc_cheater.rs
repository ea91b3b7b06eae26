//! Security with abort over real processes and TLS (issue 18): the honest parties run as
//! `conclave mpc run` processes on a stats job in the default (malicious) mode; the last
//! party runs inside this test process through the public `conclave_mpc` API (its config,
//! TLS identity and signing key read from the files `mpc config` wrote) over a transport
//! wrapper that deviates. The wrapper is test code only: the shipped binary has no way
//! to cheat. Every honest process must exit non-zero, print no output value, write no
//! result file, and name the cheater where the redundancy allows it (4 parties).
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Child, Output, Stdio};

use conclave_mpc::config::{signing_key_from_json, PartyConfig, TlsIdentity};
use conclave_mpc::field::MODULUS;
use conclave_mpc::jobs::{self, ClientShares, JobFile, JobInput, Signer};
use conclave_mpc::transport::{Frames, Transport};
use conclave_mpc::{Engine, Error, PartyId};
use rand::rngs::OsRng;
use serde_json::Value;

use crate::common::{assert_success as ok, command, expect, stderr, stdout};

/// Bytes of one field element in a frame (little-endian `u128`).
const ELEMENT: usize = 16;

/// Every party's values (party `i` holds `BANKS[i − 1]`).
const BANKS: [&[i64]; 4] = [
    &[700, -3, 650],
    &[12, 649],
    &[2147483647, -2147483648],
    &[900, -40],
];

fn free_base_port(n: u16) -> u16 {
    loop {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = probe.local_addr().unwrap().port();
        drop(probe);
        if base < 65000
            && (0..n).all(|i| std::net::TcpListener::bind(("127.0.0.1", base + i)).is_ok())
        {
            return base;
        }
    }
}

/// Keys, an `n`-party config `parties.toml` with short timeouts, the stats job and every
/// party's CSV in `dir`.
fn setup(dir: &Path, n: u16) {
    let base = free_base_port(n);
    expect(
        dir,
        0,
        &format!(
            "mpc config --parties {n} --base-port {base} --connect-timeout 15 --round-timeout 10 \
             --out parties.toml"
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
}

/// Wraps the real TLS transport: logs the frame sizes it sends and applies a [`Cheat`].
struct Cheating<T> {
    inner: T,
    cheat: Cheat,
    round: usize,
    /// Frame sizes to each party, per exchange.
    log: Vec<Vec<usize>>,
    /// Size of each frame it tampered with.
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

impl<T: Transport> Transport for Cheating<T> {
    fn me(&self) -> PartyId {
        self.inner.me()
    }

    fn parties(&self) -> usize {
        self.inner.parties()
    }

    fn exchange(&mut self, mut outgoing: Frames) -> Result<Frames, Error> {
        self.log.push(outgoing.iter().map(Vec::len).collect());
        let me = self.me().0 as usize - 1;
        match self.cheat {
            Cheat::None => {}
            Cheat::Round(round) if round == self.round => {
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
        }
        self.round += 1;
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

/// Runs party `me` in this process, as `conclave mpc run` would, over a [`Cheating`]
/// transport: the same config, job and input files, its TLS identity and signing key.
fn run_inside(dir: &Path, me: u32, cheat: Cheat) -> Inside {
    let config = PartyConfig::from_toml(&read(dir, "parties.toml"), "parties.toml").unwrap();
    let job = JobFile::from_toml(&read(dir, "stats.toml"), "stats.toml").unwrap();
    let csv = format!("bank{me}.csv");
    let input = JobInput::parse_csv(&job, &read(dir, &csv), &csv).unwrap();
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
    let cheating = Cheating {
        inner: transport,
        cheat,
        round: 0,
        log: Vec::new(),
        tampered: Vec::new(),
    };
    let mut engine = Engine::new(cheating, &mut OsRng).unwrap();
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
    let t = engine.transport_mut();
    Inside {
        result,
        log: std::mem::take(&mut t.log),
        tampered: std::mem::take(&mut t.tampered),
    }
}

/// Parties `1..n` as processes, party `n` inside this process with `cheat`.
fn run(dir: &Path, n: u32, cheat: Cheat) -> (Vec<Output>, Inside) {
    let children: Vec<Child> = (1..n).map(|i| party(dir, i)).collect();
    let inside = run_inside(dir, n, cheat);
    let outputs = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    (outputs, inside)
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
