//! A cheating relay in the private join, over real processes and TLS (issue 18): banks 1
//! and 2 run `conclave mpc run` on the example `join-stats` job (malicious, the default);
//! bank 3 runs inside this test process through the public `conclave_mpc` API over a
//! transport wrapper that raises every point of the sets it relays by a wrong factor
//! (what a relay using the key `k·7` instead of `k` sends: consistent on both chains, so
//! without proofs the shared customers would silently stop matching). The wrapper is test
//! code only. Both honest processes must exit non-zero before any output, write no
//! result, and name party 3: the one that holds the cheater's message directly, the
//! other through its abort. A second cheat: bank 3 shows bank 2 another public key and
//! signs a second view statement to match it (it equivocates); both honest banks name
//! it from the statements forwarded with the proofs.
#![allow(clippy::unwrap_used)]

use std::process::Child;

use conclave_mpc::config::signing_key_from_json;
use conclave_mpc::curve25519_dalek_5::constants::RISTRETTO_BASEPOINT_COMPRESSED;
use conclave_mpc::curve25519_dalek_5::ristretto::CompressedRistretto;
use conclave_mpc::curve25519_dalek_5::Scalar;
use conclave_mpc::join::message::{self, HEADER_BYTES, POINT_BYTES};
use conclave_mpc::join::view::ViewStatement;
use conclave_mpc::join::JoinIdentity;
use conclave_mpc::net::TcpTransport;
use conclave_mpc::transport::{Frames, Transport};
use conclave_mpc::{Error, PartyId};
use serde_json::Value;

use crate::common::{assert_success as ok, stderr, stdout};
use crate::mpc_cheater::run_party_over;
use crate::mpc_join::{party, setup};

/// Message kinds of the join's wire format (`conclave_mpc::join::message::MessageKind`: `Hop`, `Complete`, `Blind`).
const HOP: u8 = 1;
const COMPLETE: u8 = 2;
const BLIND: u8 = 3;
/// The malicious protocol's keys and seed messages.
const KEYS: u8 = 6;
const SEED: u8 = 7;

/// What bank 3 does wrong.
enum Cheat {
    /// Nothing.
    None,
    /// Relays with its key times this factor.
    WrongKey(Scalar),
    /// Shows bank 2 the basepoint as its layer-1 key and signs a second view
    /// statement with it (its own signing key).
    Equivocate(Box<JoinIdentity>),
}

/// Wraps the real TLS transport; with [`Cheat::WrongKey`], re-exponentiates the points
/// of every join message in which this party acts as a relay (a layer-1 hop after the
/// first, the complete set, the return chain); with [`Cheat::Equivocate`], rewrites the
/// keys and seed messages to bank 2.
struct WrongKeyRelay {
    inner: TcpTransport,
    cheat: Cheat,
    /// Our return-chain key `Q` (from our keys message).
    q: [u8; POINT_BYTES],
    /// Messages it changed.
    tampered: usize,
}

/// The keys or seed message `m` of party `me` rewritten with another key `P`; `q` keeps
/// our return-chain key from the keys message for the seed message's statement.
fn equivocate(me: PartyId, identity: &JoinIdentity, q: &mut [u8; POINT_BYTES], m: &mut Vec<u8>) {
    let other = RISTRETTO_BASEPOINT_COMPRESSED.to_bytes();
    if m[1] == KEYS {
        q.copy_from_slice(&m[HEADER_BYTES + 32..HEADER_BYTES + 64]);
        m[HEADER_BYTES..HEADER_BYTES + 32].copy_from_slice(&other);
    } else {
        let units: Vec<[u8; 32]> = m[HEADER_BYTES..]
            .chunks(POINT_BYTES)
            .map(|c| c.try_into().unwrap())
            .collect();
        let second = ViewStatement::sign(identity, me, [other, *q, units[0]], units[3..].to_vec());
        m.truncate(HEADER_BYTES);
        m.extend_from_slice(&second.seed_units().concat());
    }
}

/// `m`'s points raised by `factor`.
fn reexponentiate(m: &mut [u8], factor: &Scalar) {
    for chunk in m[HEADER_BYTES..].chunks_exact_mut(POINT_BYTES) {
        let point = CompressedRistretto(chunk.try_into().unwrap())
            .decompress()
            .unwrap();
        chunk.copy_from_slice((point * factor).compress().as_bytes());
    }
}

impl WrongKeyRelay {
    /// The frame for party `to` with every relay message's points raised by the factor,
    /// or the keys and seed messages to bank 2 rewritten; other frames (the engine's,
    /// or the join's other messages) unchanged.
    fn tamper(&mut self, to: usize, frame: Vec<u8>) -> Vec<u8> {
        if matches!(self.cheat, Cheat::None) {
            return frame;
        }
        let me = self.inner.me();
        let Ok(messages) = message::split(me, &frame, usize::MAX / POINT_BYTES) else {
            return frame;
        };
        if messages.iter().any(|m| m[0] != message::VERSION) {
            return frame;
        }
        let mut out = Vec::with_capacity(frame.len());
        for m in messages {
            let mut m = m.to_vec();
            let hop = u32::from_be_bytes(m[6..10].try_into().unwrap());
            let relay = matches!(m[1], COMPLETE | BLIND) || (m[1] == HOP && hop >= 2);
            match &self.cheat {
                Cheat::Equivocate(identity) if to == 1 && matches!(m[1], KEYS | SEED) => {
                    equivocate(me, identity, &mut self.q, &mut m);
                    self.tampered += 1;
                }
                Cheat::WrongKey(factor) if relay => {
                    reexponentiate(&mut m, factor);
                    self.tampered += 1;
                }
                _ => {}
            }
            out.extend_from_slice(&m);
        }
        out
    }
}

impl Transport for WrongKeyRelay {
    fn me(&self) -> PartyId {
        self.inner.me()
    }

    fn parties(&self) -> usize {
        self.inner.parties()
    }

    fn exchange(&mut self, outgoing: Frames) -> Result<Frames, Error> {
        let outgoing = outgoing
            .into_iter()
            .enumerate()
            .map(|(to, f)| self.tamper(to, f))
            .collect();
        self.inner.exchange(outgoing)
    }

    fn abort(&mut self, error: &Error) {
        self.inner.abort(error);
    }
}

/// Banks 1 and 2 as processes, bank 3 in this process cheating with `cheat`.
fn run(
    dir: &std::path::Path,
    cheat: Cheat,
) -> (Vec<std::process::Output>, Result<Value, Error>, usize) {
    let children: Vec<Child> = (1..=2).map(|i| party(dir, i, "join-stats.toml")).collect();
    let (result, mut engine) = run_party_over(dir, 3, "join-stats.toml", "bank3.csv", |inner| {
        WrongKeyRelay {
            inner,
            cheat,
            q: [0; POINT_BYTES],
            tampered: 0,
        }
    });
    let outputs = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    (outputs, result, engine.transport_mut().tampered)
}

#[test]
fn a_relay_using_a_wrong_key_in_the_join_is_named_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);

    // Baseline: the wrapper relays faithfully, all three agree.
    let (outputs, result, tampered) = run(d, Cheat::None);
    assert_eq!(tampered, 0);
    let mine = result.unwrap();
    assert_eq!(mine["security"], "malicious");
    for out in &outputs {
        ok(out);
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            report["outputs"]["shared_customers"],
            mine["shared_customers"]
        );
    }
    for i in 1..=2 {
        for kind in ["json", "private.json"] {
            let _ = std::fs::remove_file(d.join(format!("join-stats.toml.result{i}.{kind}")));
        }
    }

    // Bank 3 relays with a wrong key.
    let (outputs, result, tampered) = run(d, Cheat::WrongKey(Scalar::from(7u8)));
    assert_honest_banks_name_party_3(d, &outputs, result, tampered, "");

    // Bank 3 shows bank 2 another key, with a second signed view statement.
    let (_, key) = signing_key_from_json(
        &std::fs::read_to_string(d.join("p3/signing.key")).unwrap(),
        "signing.key",
    )
    .unwrap();
    let (outputs, result, tampered) = run(
        d,
        Cheat::Equivocate(Box::new(JoinIdentity::new(key, vec![]))),
    );
    assert_eq!(tampered, 2, "the keys and the seed message to bank 2");
    assert_honest_banks_name_party_3(
        d,
        &outputs,
        result,
        tampered,
        "signed two different views of this join",
    );
}

/// Both honest banks exited non-zero with no output or result file, blaming party 3
/// (and, when given, saying `why`) and no honest party.
fn assert_honest_banks_name_party_3(
    d: &std::path::Path,
    outputs: &[std::process::Output],
    result: Result<Value, Error>,
    tampered: usize,
    why: &str,
) {
    assert!(tampered > 0, "the cheat never fired");
    eprintln!("relay messages changed: {tampered}; the cheater: {result:?}");
    assert!(result.is_err(), "the cheater itself got no output");
    for (k, out) in outputs.iter().enumerate() {
        let i = k + 1;
        let err = stderr(out);
        eprintln!("bank {i}: {err}");
        assert!(!out.status.success(), "bank {i} succeeded: {}", stdout(out));
        let report: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("bank {i}: stdout is not JSON ({e}): {err}"));
        assert_eq!(report["ok"], false, "bank {i}");
        assert!(report.get("outputs").is_none(), "bank {i}: {report}");
        for kind in ["json", "private.json"] {
            let file = format!("join-stats.toml.result{i}.{kind}");
            assert!(!d.join(&file).exists(), "bank {i} wrote {file}");
        }
        for honest in 1..=2 {
            assert!(
                !err.contains(&format!("party {honest} misbehaved")),
                "bank {i} blames honest party {honest}: {err}"
            );
        }
        assert!(
            err.contains("party 3 misbehaved: in the private join"),
            "bank {i} must name party 3: {err}"
        );
        assert!(err.contains(why), "bank {i} must say why: {err}");
    }
}
