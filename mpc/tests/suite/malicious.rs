//! Security with abort (issue 18): all parties in one process, one of them cheating
//! through a test-only transport that tampers with, or withholds, its outgoing frames.
//! Honest parties must never output a wrong result, must all abort (before the final
//! confirmation) when the cheater deviates, and name the cheater where the redundancy
//! allows (`n ≥ 3t + 1`: 4 parties). A smaller test runs the cheater over TCP + TLS.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use conclave_mpc::field::{Fp, MODULUS};
use conclave_mpc::transport::{Frames, Transport};
use conclave_mpc::{Engine, Error, PartyId, Security, ShareVec};
use proptest::prelude::*;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

const BITS: u32 = 32;
/// Length of the multiplied vectors: its frames (value and MAC products, 2·L elements)
/// have a size no other round of the test program has.
const L: usize = 37;
/// Length of the output opening of [`OPS`] (odd, so no multiplication frame has it).
const OUT: usize = 3 * L;

/// What the cheater does to one frame.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Cheat {
    /// Adds 1 to one field element (a wrong share), or flips a byte of a short frame.
    Add,
    /// Adds 1 to an element of the second half of a multiplication frame: the products
    /// of the MAC lane (a tampered MAC share).
    Mac,
    /// Sends nothing to the victim (while answering everyone else).
    Silence,
}

/// Which frame the cheater changes.
#[derive(Clone, Copy, Debug)]
enum Target {
    /// The exchange with this index (0-based, counted at the cheater).
    Round(usize),
    /// The first frame to the victim of exactly this many bytes.
    Size(usize),
}

#[derive(Clone, Copy, Debug)]
struct Plan {
    cheater: usize,
    victim: usize,
    target: Target,
    cheat: Cheat,
    /// Which element to change (modulo the frame's element count).
    position: usize,
}

enum Message {
    Frame(Vec<u8>),
    Abort(Vec<u8>),
}

/// An in-memory transport whose party may cheat according to a [`Plan`].
struct CheatNet<'a> {
    me: usize,
    n: usize,
    timeout: Duration,
    senders: Vec<Option<Sender<Message>>>,
    receivers: Vec<Option<Receiver<Message>>>,
    round: usize,
    plan: Option<Plan>,
    fired: &'a AtomicBool,
    /// Frame sizes sent to each peer, per round (baseline runs).
    log: Vec<Vec<usize>>,
}

fn cheat_net(
    n: usize,
    plan: Option<Plan>,
    timeout: Duration,
    fired: &AtomicBool,
) -> Vec<CheatNet<'_>> {
    let mut senders: Vec<Vec<Option<Sender<Message>>>> =
        (0..n).map(|_| (0..n).map(|_| None).collect()).collect();
    let mut receivers: Vec<Vec<Option<Receiver<Message>>>> =
        (0..n).map(|_| (0..n).map(|_| None).collect()).collect();
    for from in 0..n {
        for to in 0..n {
            if from != to {
                let (tx, rx) = mpsc::channel();
                senders[from][to] = Some(tx);
                receivers[to][from] = Some(rx);
            }
        }
    }
    senders
        .into_iter()
        .zip(receivers)
        .enumerate()
        .map(|(me, (senders, receivers))| CheatNet {
            me,
            n,
            timeout,
            senders,
            receivers,
            round: 0,
            plan: plan.filter(|p| p.cheater == me),
            fired,
            log: Vec::new(),
        })
        .collect()
}

/// Adds 1 (mod p) to element `k` of a frame of field elements.
fn add_one(frame: &mut [u8], k: usize) {
    let at = k * 16;
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&frame[at..at + 16]);
    let v = (u128::from_le_bytes(bytes) + 1) % MODULUS;
    frame[at..at + 16].copy_from_slice(&v.to_le_bytes());
}

impl CheatNet<'_> {
    /// Applies the plan to this round's frames; returns the peer to withhold from.
    fn cheat(&mut self, outgoing: &mut Frames) -> Option<usize> {
        let plan = self.plan?;
        let frame = &mut outgoing[plan.victim];
        let hit = match plan.target {
            Target::Round(r) => r == self.round,
            Target::Size(bytes) => frame.len() == bytes,
        };
        if !hit || self.fired.load(Ordering::SeqCst) {
            return None;
        }
        match plan.cheat {
            Cheat::Silence => {
                self.fired.store(true, Ordering::SeqCst);
                return Some(plan.victim);
            }
            Cheat::Add | Cheat::Mac => {
                let elements = frame.len() / 16;
                if frame.len().is_multiple_of(16) && elements > 0 {
                    let k = if plan.cheat == Cheat::Mac && elements >= 2 {
                        elements / 2 + plan.position % (elements / 2)
                    } else {
                        plan.position % elements
                    };
                    add_one(frame, k);
                } else if let Some(b) = frame.first_mut() {
                    *b ^= 1;
                } else {
                    return None;
                }
                self.fired.store(true, Ordering::SeqCst);
            }
        }
        None
    }
}

impl Transport for CheatNet<'_> {
    fn me(&self) -> PartyId {
        PartyId::from_index(self.me)
    }

    fn parties(&self) -> usize {
        self.n
    }

    fn exchange(&mut self, mut outgoing: Frames) -> Result<Frames, Error> {
        self.log.push(outgoing.iter().map(Vec::len).collect());
        let withhold = self.cheat(&mut outgoing);
        self.round += 1;
        for (j, frame) in outgoing.into_iter().enumerate() {
            if Some(j) == withhold {
                continue;
            }
            if let Some(tx) = &self.senders[j] {
                let _ = tx.send(Message::Frame(frame));
            }
        }
        let mut incoming = vec![Vec::new(); self.n];
        for (j, slot) in incoming.iter_mut().enumerate() {
            let party = PartyId::from_index(j);
            let Some(rx) = &self.receivers[j] else {
                continue;
            };
            match rx.recv_timeout(self.timeout) {
                Ok(Message::Frame(f)) => *slot = f,
                Ok(Message::Abort(p)) => return Err(Error::from_abort_payload(party, &p)),
                Err(RecvTimeoutError::Timeout) => {
                    return Err(Error::Timeout {
                        party,
                        seconds: self.timeout.as_secs(),
                    })
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(Error::PeerDisconnected {
                        party,
                        reason: "gone".into(),
                    })
                }
            }
        }
        Ok(incoming)
    }

    fn abort(&mut self, error: &Error) {
        for tx in self.senders.iter().flatten() {
            let _ = tx.send(Message::Abort(error.abort_payload()));
        }
    }
}

fn fp(v: &[i64]) -> Vec<Fp> {
    v.iter().map(|x| Fp::from_i64(*x)).collect()
}

/// An operation of a random test program over the inputs `x` (party 1), `y` (party 2).
#[derive(Clone, Copy, Debug)]
enum Op {
    Mul,
    Lt,
    Eq,
    Trunc,
    AddPublic,
}

fn apply<T: Transport>(
    e: &mut Engine<T>,
    op: Op,
    x: &ShareVec,
    y: &ShareVec,
) -> Result<ShareVec, Error> {
    match op {
        Op::Mul => e.mul(x, y),
        Op::Lt => e.lt(x, y, BITS),
        Op::Eq => e.eq(x, y, BITS),
        Op::Trunc => e.trunc(x, BITS, 3),
        Op::AddPublic => Ok(e.add_public(x, Fp::from_i64(-5))),
    }
}

fn plain(op: Op, x: i64, y: i64) -> i128 {
    let (x, y) = (i128::from(x), i128::from(y));
    match op {
        Op::Mul => x * y,
        Op::Lt => i128::from(x < y),
        Op::Eq => i128::from(x == y),
        Op::Trunc => x.div_euclid(8),
        Op::AddPublic => x - 5,
    }
}

/// The fixed program of the strategy tests: `x·y` (the L-element multiplication), then
/// `[x < y]`, opened together (first 20 products and all L comparison bits).
fn program<T: Transport>(
    e: &mut Engine<T>,
    a: &[i64],
    b: &[i64],
    ops: &[Op],
) -> Result<Vec<i128>, Error> {
    e.set_security(Security::Malicious)?;
    let x = e.input_from(PartyId(1), a.len(), &fp(a))?;
    let y = e.input_from(PartyId(2), b.len(), &fp(b))?;
    let mut outs = Vec::new();
    for op in ops {
        outs.push(apply(e, *op, &x, &y)?);
    }
    let refs: Vec<&ShareVec> = outs.iter().collect();
    let all = e.concat(&refs);
    e.open_signed(&all)
}

fn expected(a: &[i64], b: &[i64], ops: &[Op]) -> Vec<i128> {
    ops.iter()
        .flat_map(|op| a.iter().zip(b).map(move |(x, y)| plain(*op, *x, *y)))
        .collect()
}

struct Outcome {
    results: Vec<Result<Vec<i128>, Error>>,
    fired: bool,
    rounds: usize,
    log: Vec<Vec<usize>>,
}

/// What one party's thread ends with: its result, and what the test recorded of it.
type PartyOutcome = (Result<Vec<i128>, Error>, usize, Vec<Vec<usize>>);

/// Runs `f` at every party over a [`CheatNet`] with `plan`.
fn run_with<F>(n: usize, plan: Option<Plan>, timeout: Duration, f: F) -> Outcome
where
    F: Fn(&mut Engine<CheatNet<'_>>) -> Result<Vec<i128>, Error> + Sync,
{
    let fired = AtomicBool::new(false);
    let transports = cheat_net(n, plan, timeout, &fired);
    let outs: Vec<PartyOutcome> = std::thread::scope(|s| {
        let handles: Vec<_> = transports
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let f = &f;
                s.spawn(move || {
                    let mut rng = ChaCha20Rng::seed_from_u64(500 + i as u64);
                    let mut engine = Engine::new(t, &mut rng).unwrap();
                    let out = f(&mut engine);
                    if let Err(e) = &out {
                        engine.abort(e);
                    }
                    let t = engine.transport_mut();
                    (out, t.round, std::mem::take(&mut t.log))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let rounds = outs.first().map_or(0, |o| o.1);
    let log = plan.map_or_else(
        || outs.first().map(|o| o.2.clone()).unwrap_or_default(),
        |p| outs[p.cheater].2.clone(),
    );
    Outcome {
        results: outs.into_iter().map(|o| o.0).collect(),
        fired: fired.load(Ordering::SeqCst),
        rounds,
        log,
    }
}

fn inputs() -> (Vec<i64>, Vec<i64>) {
    let a: Vec<i64> = (0..L as i64).map(|k| (k * 7919) % 2001 - 1000).collect();
    let b: Vec<i64> = (0..L as i64).map(|k| (k * 104_729) % 1999 - 999).collect();
    (a, b)
}

/// The honest parties' results of a run with `plan`: asserts that none is a wrong
/// result, and returns the honest errors.
fn honest_errors(out: &Outcome, plan: &Plan, want: &[i128]) -> Vec<Error> {
    let mut errors = Vec::new();
    for (i, r) in out.results.iter().enumerate() {
        if i == plan.cheater {
            continue;
        }
        match r {
            Ok(v) => assert_eq!(
                v,
                want,
                "party {} output a wrong result under {plan:?}",
                i + 1
            ),
            Err(e) => errors.push(clone_error(e)),
        }
    }
    errors
}

fn clone_error(e: &Error) -> Error {
    Error::from_abort_payload(PartyId(0), &e.abort_payload())
}

fn t_of(n: usize) -> usize {
    (n - 1) / 2
}

const OPS: [Op; 3] = [Op::Mul, Op::Lt, Op::AddPublic];

/// Runs the fixed program with one strategy and asserts: every honest party aborts,
/// none outputs; the cheater is named at every honest party when `named`.
fn strategy(n: usize, cheat: Cheat, target: Target, cheater: usize, named: bool) {
    let (a, b) = inputs();
    let want = expected(&a, &b, &OPS);
    // The cheater is party n; with resharing it sends shares to the parties it does not
    // designate (all but n+1..n+t mod n), e.g. party t+1.
    let victim = t_of(n);
    let plan = Plan {
        cheater,
        victim,
        target,
        cheat,
        position: 5,
    };
    let timeout = Duration::from_secs(if cheat == Cheat::Silence { 2 } else { 20 });
    let out = run_with(n, Some(plan), timeout, |e| program(e, &a, &b, &OPS));
    assert!(out.fired, "the cheat never fired: {plan:?} (n = {n})");
    let errors = honest_errors(&out, &plan, &want);
    assert_eq!(
        errors.len(),
        n - 1,
        "every honest party must abort under {plan:?} (n = {n})"
    );
    if named {
        for e in &errors {
            assert_eq!(
                e.culprit(),
                Some(PartyId::from_index(cheater)),
                "n = {n}, {plan:?}: {e}"
            );
        }
    }
}

/// Frame size of the malicious multiplication of L values from the cheater to the
/// victim: 2L products, `t` shares each by resharing (one to the victim when it is not
/// designated) or one opening share each (Damgård–Nielsen when n > 2t + 1).
fn mul_frame() -> usize {
    2 * L * 16
}

#[test]
fn honest_malicious_runs_match_plaintext() {
    let (a, b) = inputs();
    let ops = [Op::Mul, Op::Lt, Op::Eq, Op::Trunc, Op::AddPublic];
    for n in [3, 4, 5, 7] {
        let out = run_with(n, None, Duration::from_secs(20), |e| {
            program(e, &a, &b, &ops)
        });
        for r in out.results {
            assert_eq!(r.unwrap(), expected(&a, &b, &ops), "n = {n}");
        }
    }
}

#[test]
fn wrong_share_in_a_multiplication_aborts_everyone() {
    for n in [3, 4, 5, 7] {
        strategy(n, Cheat::Add, Target::Size(mul_frame()), n - 1, false);
    }
}

#[test]
fn tampered_mac_share_aborts_everyone() {
    for n in [3, 4, 5, 7] {
        strategy(n, Cheat::Mac, Target::Size(mul_frame()), n - 1, false);
    }
}

#[test]
fn wrong_opening_share_aborts_and_names_the_cheater_with_4_parties() {
    for n in [3, 4, 5, 7] {
        // The output opening (after the check: every sharing is consistent, so with
        // n ≥ 3t + 1 the one share off the polynomial is the liar's).
        strategy(n, Cheat::Add, Target::Size(OUT * 16), n - 1, n == 4);
    }
}

#[test]
fn silence_towards_one_peer_aborts_everyone_naming_the_cheater() {
    for n in [3, 4, 5, 7] {
        strategy(n, Cheat::Silence, Target::Size(mul_frame()), n - 1, true);
    }
}

/// With n > 2t + 1 (4 and 6 parties) a dealer can deal shares that lie on no
/// degree-t polynomial; the check's opening finds them (a "party cheated": the honest
/// receiver of the bad share looks like the liar, so nobody is named). With n = 2t + 1 the t + 1 honest shares always lie on one polynomial: a
/// dealer can only choose another input, which no protocol can prevent.
#[test]
fn inconsistent_input_shares_are_caught() {
    for n in [4, 6] {
        let (a, b) = inputs();
        let want = expected(&a, &b, &OPS);
        let cheater = 0; // party 1 deals `x` (its PRF shares go to party 2, frames to 3..n)
        let plan = Plan {
            cheater,
            victim: 2,
            target: Target::Size(L * 16),
            cheat: Cheat::Add,
            position: 3,
        };
        let out = run_with(n, Some(plan), Duration::from_secs(20), |e| {
            program(e, &a, &b, &OPS)
        });
        assert!(out.fired);
        let errors = honest_errors(&out, &plan, &want);
        assert_eq!(errors.len(), n - 1, "n = {n}: every honest party aborts");
    }
}

/// Adds `delta` to element `k` of a frame of field elements.
fn add_to(frame: &mut [u8], k: usize, delta: u128) {
    for _ in 0..delta {
        add_one(frame, k);
    }
}

/// A consistent cheat by party 3 of 3 (it designates party 1 in resharing and sends its
/// share of every product to party 2): +1 on party 2's new share of product #5, then +2
/// on its own opening share of that product to both, so all three opening shares lie
/// on one line whose value at 0 is the product − 1. `rules`: (frame size, peer, delta),
/// applied in order per peer, each to the first matching frame.
struct Consistent<T> {
    inner: T,
    rules: Vec<(usize, usize, u128, bool)>,
}

impl<T: Transport> Transport for Consistent<T> {
    fn me(&self) -> PartyId {
        self.inner.me()
    }

    fn parties(&self) -> usize {
        self.inner.parties()
    }

    fn exchange(&mut self, mut outgoing: Frames) -> Result<Frames, Error> {
        for (peer, frame) in outgoing.iter_mut().enumerate() {
            if let Some(rule) = self.rules.iter_mut().find(|r| r.1 == peer && !r.3) {
                if frame.len() == rule.0 {
                    add_to(frame, 5, rule.2);
                    rule.3 = true;
                }
            }
        }
        self.inner.exchange(outgoing)
    }

    fn abort(&mut self, error: &Error) {
        self.inner.abort(error);
    }
}

fn consistent_cheat(security: Security) -> Vec<Result<Vec<i128>, Error>> {
    let (a, b) = inputs();
    // Value products come first in a malicious multiplication frame (then the MACs).
    let mul = if security == Security::Malicious {
        2 * L * 16
    } else {
        L * 16
    };
    let rules = vec![
        (mul, 1, 1, false),
        (L * 16, 0, 2, false),
        (L * 16, 1, 2, false),
    ];
    std::thread::scope(|s| {
        let handles: Vec<_> = conclave_mpc::transport::memory::network(3, Duration::from_secs(20))
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let (a, b, rules) = (&a, &b, rules.clone());
                s.spawn(move || {
                    let mut rng = ChaCha20Rng::seed_from_u64(40 + i as u64);
                    let t = Consistent {
                        inner: t,
                        rules: if i == 2 { rules } else { Vec::new() },
                    };
                    let mut e = Engine::new(t, &mut rng)?;
                    e.set_security(security)?;
                    let run = |e: &mut Engine<_>| {
                        let x = e.input_from(PartyId(1), a.len(), &fp(a))?;
                        let y = e.input_from(PartyId(2), b.len(), &fp(b))?;
                        let p = e.mul(&x, &y)?;
                        e.open_signed(&p)
                    };
                    let out = run(&mut e);
                    if let Err(err) = &out {
                        e.abort(err);
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// Malicious random bits, opened (a test program of their own).
fn bits_program<T: Transport>(e: &mut Engine<T>) -> Result<Vec<i128>, Error> {
    e.set_security(Security::Malicious)?;
    let bits = e.random_bits(L)?;
    e.open_signed(&bits)
}

/// Runs [`bits_program`] with `plan` and asserts that the cheat fired and that every
/// honest party aborted with a detected cheat (none output anything).
fn bits_cheat_is_caught(n: usize, plan: Plan, what: &str) {
    // A closure, not the fn item: the engine's lifetime must stay higher-ranked.
    #[allow(clippy::redundant_closure)]
    let out = run_with(n, Some(plan), Duration::from_secs(20), |e| bits_program(e));
    assert!(
        out.fired,
        "n = {n}, {what}: the cheat never fired ({plan:?})"
    );
    for (i, r) in out.results.iter().enumerate() {
        if i == plan.cheater {
            continue;
        }
        match r {
            Ok(v) => panic!(
                "n = {n}, {what}: party {} output {v:?} under {plan:?}",
                i + 1
            ),
            Err(e) => assert!(
                matches!(e, Error::CheatDetected { .. } | Error::PeerAborted { .. }),
                "n = {n}, {what}: party {}: {e}",
                i + 1
            ),
        }
    }
}

/// Malicious random bits (docs/mpc.md, "Malicious security"): honest runs give bits that
/// every party opens alike. With 3 parties the MAC of the PRSS bit is dealt: a cheater
/// that deals a wrong cross term (a wrong share in the dealing round, the first frame
/// of `L` elements from party 3 to party 2, which it does not designate) or a wrong `u`
/// (a non-bit) is caught. For 3, 5 and 7 parties a wrong MAC-lane product of the bits
/// (with 5 and 7 parties: the MAC `α·r` of the square root's `r`) or a wrong value-lane
/// product is caught: every honest party aborts, none outputs.
#[test]
fn wrong_dealt_bit_macs_and_bit_products_are_caught() {
    for n in [3, 5, 7] {
        #[allow(clippy::redundant_closure)]
        let honest = run_with(n, None, Duration::from_secs(20), |e| bits_program(e));
        let first = honest.results[0].as_ref().unwrap().clone();
        assert_eq!(first.len(), L);
        assert!(
            first.iter().all(|b| *b == 0 || *b == 1),
            "n = {n}: {first:?}"
        );
        assert!(
            first.contains(&0) && first.contains(&1),
            "n = {n}: {first:?}"
        );
        for r in &honest.results {
            assert_eq!(r.as_ref().unwrap(), &first, "n = {n}");
        }
        let cheater = n - 1;
        let victim = t_of(n);
        let mut cases = vec![
            (
                "a wrong MAC-lane product",
                Target::Size(2 * L * 16),
                Cheat::Mac,
                1,
            ),
            (
                "a wrong value-lane product",
                Target::Size(2 * L * 16),
                Cheat::Add,
                1,
            ),
        ];
        if n == 3 {
            // Bit k's `u` comes from party k mod 3 + 1: position 0 is a cross term of bit
            // 0's MAC (dealt by party 3), position 2 is party 3's `u` of bit 2.
            cases.push(("a wrong cross term", Target::Size(L * 16), Cheat::Add, 0));
            cases.push(("a non-bit u", Target::Size(L * 16), Cheat::Add, 2));
        }
        for (what, target, cheat, position) in cases {
            let plan = Plan {
                cheater,
                victim,
                target,
                cheat,
                position,
            };
            bits_cheat_is_caught(n, plan, what);
        }
    }
}

/// The attack is real: in the semi-honest mode a cheater that keeps its shares
/// consistent changes the product every honest party outputs, and nobody notices; the
/// malicious mode stops everyone before the opening.
#[test]
fn a_consistent_cheat_fools_the_semi_honest_mode_only() {
    let (a, b) = inputs();
    let mut want = expected(&a, &b, &[Op::Mul]);
    want[5] -= 1;
    let semi = consistent_cheat(Security::SemiHonest);
    for r in &semi[..2] {
        assert_eq!(
            r.as_ref().unwrap(),
            &want,
            "semi-honest: product #5 is off by one"
        );
    }
    let malicious = consistent_cheat(Security::Malicious);
    for r in &malicious[..2] {
        let e = r.as_ref().err().unwrap();
        assert!(
            matches!(e, Error::CheatDetected { .. } | Error::PeerAborted { .. }),
            "{e}"
        );
    }
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::Mul),
        Just(Op::Lt),
        Just(Op::Eq),
        Just(Op::Trunc),
        Just(Op::AddPublic)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, .. ProptestConfig::default() })]

    /// Random programs and random cheating positions: no honest party ever outputs a
    /// wrong result, and honest parties never disagree (all output, or all abort)
    /// unless the cheat hits the final confirmation round, where a withheld or wrong
    /// confirmation stops only its victim (no output is wrong either way).
    #[test]
    fn a_cheater_never_changes_an_output(
        n in prop_oneof![Just(3usize), Just(4usize), Just(5usize), Just(7usize)],
        ops in proptest::collection::vec(op_strategy(), 1..3),
        values in proptest::collection::vec((-1000i64..1000, -1000i64..1000), 1..6),
        round_frac in 0.0f64..1.0,
        cheat in prop_oneof![Just(Cheat::Add), Just(Cheat::Mac), Just(Cheat::Silence)],
        position in 0usize..64,
        cheater_pick in 0usize..8,
        victim_pick in 0usize..8,
    ) {
        let a: Vec<i64> = values.iter().map(|v| v.0).collect();
        let b: Vec<i64> = values.iter().map(|v| v.1).collect();
        let want = expected(&a, &b, &ops);
        let baseline = run_with(n, None, Duration::from_secs(20), |e| program(e, &a, &b, &ops));
        for r in &baseline.results {
            prop_assert_eq!(r.as_ref().unwrap(), &want);
        }
        // Parties 1 and 2 deal the inputs; the cheater is one of the others.
        let cheater = 2 + cheater_pick % (n - 2);
        let victim = (cheater + 1 + victim_pick % (n - 1)) % n;
        let last = baseline.rounds - 1;
        let round = ((round_frac * last as f64) as usize).min(last - 1);
        let plan = Plan { cheater, victim, target: Target::Round(round), cheat, position };
        let timeout = Duration::from_secs(if cheat == Cheat::Silence { 2 } else { 20 });
        let out = run_with(n, Some(plan), timeout, |e| program(e, &a, &b, &ops));
        let errors = honest_errors(&out, &plan, &want);
        prop_assert!(
            errors.is_empty() || errors.len() == n - 1,
            "honest parties disagree under {:?} (n = {}, round {} of {}): {:?}",
            plan, n, round, baseline.rounds, errors.iter().map(|e| e.to_string()).collect::<Vec<_>>()
        );
        let _ = &baseline.log;
    }
}

/// Every round of one malicious comparison (XOR random bits, the bit check sharing the
/// MAC check's coin, the mask, the masked opening, the tree, the checks before the
/// output) with 3 parties: a wrong share or a wrong MAC-lane product sent in any round
/// by party 3 never changes an honest output, and the honest parties agree (all
/// abort or all output the right result). Exhaustive over rounds, before the final
/// confirmation.
#[test]
fn a_cheat_in_any_round_of_a_comparison_never_changes_the_result() {
    let n = 3;
    let (a, b) = (vec![5i64, -7, 100, 0], vec![6i64, -8, 100, -1]);
    let ops = [Op::Lt];
    let want = expected(&a, &b, &ops);
    let baseline = run_with(n, None, Duration::from_secs(20), |e| {
        program(e, &a, &b, &ops)
    });
    for r in &baseline.results {
        assert_eq!(r.as_ref().unwrap(), &want);
    }
    let mut aborted = 0;
    for round in 0..baseline.rounds - 1 {
        for cheat in [Cheat::Add, Cheat::Mac] {
            let plan = Plan {
                cheater: 2,
                victim: 0,
                target: Target::Round(round),
                cheat,
                position: round * 7,
            };
            let out = run_with(n, Some(plan), Duration::from_secs(20), |e| {
                program(e, &a, &b, &ops)
            });
            let errors = honest_errors(&out, &plan, &want);
            assert!(
                errors.is_empty() || errors.len() == n - 1,
                "honest parties disagree under {plan:?} (round {round} of {}): {:?}",
                baseline.rounds,
                errors.iter().map(|e| e.to_string()).collect::<Vec<_>>()
            );
            aborted += usize::from(!errors.is_empty());
        }
    }
    assert!(aborted > 0, "no cheat was detected at all");
}

/// Wraps a real transport; adds 1 to one element of the first frame of `size` bytes
/// to `victim` (test-only cheating around the real engine and the real TLS links).
struct Tampering<T> {
    inner: T,
    victim: usize,
    size: usize,
    fired: bool,
}

impl<T: Transport> Transport for Tampering<T> {
    fn me(&self) -> PartyId {
        self.inner.me()
    }

    fn parties(&self) -> usize {
        self.inner.parties()
    }

    fn exchange(&mut self, mut outgoing: Frames) -> Result<Frames, Error> {
        if !self.fired && outgoing[self.victim].len() == self.size {
            add_one(&mut outgoing[self.victim], 3);
            self.fired = true;
        }
        self.inner.exchange(outgoing)
    }

    fn abort(&mut self, error: &Error) {
        self.inner.abort(error);
    }
}

/// Three parties over real TCP + TLS 1.3; party 3 changes one share of its resharing
/// of the products. Both honest parties stop with an error before any output (and in
/// the semi-honest mode the same cheat changes the product unnoticed: see above).
#[test]
fn a_cheater_over_tls_makes_the_others_abort() {
    use super::net::{connect_all, setup};
    let (config, ids) = setup(3, 20, 20);
    let transports = connect_all(vec![config.clone(), config.clone(), config], ids);
    let (a, b) = inputs();
    let results: Vec<Result<Vec<i128>, Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = transports
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let (a, b) = (&a, &b);
                s.spawn(move || {
                    let mut rng = ChaCha20Rng::seed_from_u64(i as u64);
                    let tampering = Tampering {
                        inner: t.unwrap(),
                        victim: 1,
                        size: if i == 2 { mul_frame() } else { usize::MAX },
                        fired: false,
                    };
                    let mut e = Engine::new(tampering, &mut rng).unwrap();
                    let out = program(&mut e, a, b, &[Op::Mul]);
                    if let Err(err) = &out {
                        e.abort(err);
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (i, r) in results.iter().enumerate().take(2) {
        let e = r
            .as_ref()
            .err()
            .unwrap_or_else(|| panic!("party {} output under a cheat", i + 1));
        assert!(
            matches!(e, Error::CheatDetected { .. } | Error::PeerAborted { .. }),
            "party {}: {e}",
            i + 1
        );
    }
}

/// Jobs run malicious unless the job file says `security = "semi-honest"`; the signed
/// record's outputs state the setting, and the two files have different computation ids.
#[test]
fn jobs_state_their_security_in_the_record() {
    use conclave_mpc::ed25519_dalek::SigningKey;
    use conclave_mpc::jobs::{self, ClientShares, JobFile, JobInput, Signer};
    use conclave_mpc::transport::memory;
    let stats =
        "version = 1\njob = \"stats\"\ndescription = \"t\"\n[stats]\nbits = 32\nthreshold = 650\n";
    let semi = format!("security = \"semi-honest\"\n{stats}");
    let keys: Vec<SigningKey> = (1..=3u8)
        .map(|i| SigningKey::from_bytes(&[i; 32]))
        .collect();
    let mut ids = Vec::new();
    for (text, want) in [(stats.to_string(), "malicious"), (semi, "semi-honest")] {
        let job = JobFile::from_toml(&text, "stats.toml").unwrap();
        ids.push(job.digest());
        let outs: Vec<Result<jobs::JobOutcome, Error>> = std::thread::scope(|s| {
            let handles: Vec<_> = memory::network(3, Duration::from_secs(20))
                .into_iter()
                .enumerate()
                .map(|(i, t)| {
                    let (keys, job) = (&keys, &job);
                    s.spawn(move || {
                        let mut rng = ChaCha20Rng::seed_from_u64(77 + i as u64);
                        let mut engine = Engine::new(t, &mut rng)?;
                        let signer = Signer {
                            key: &keys[i],
                            parties: keys.iter().map(SigningKey::verifying_key).collect(),
                        };
                        let input = JobInput::Values(vec![600 + i as i64 * 50, 700, -3]);
                        jobs::run(
                            &mut engine,
                            job,
                            &input,
                            &ClientShares::none(),
                            &signer,
                            &mut rng,
                        )
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for out in outs {
            let out = out.unwrap();
            assert_eq!(out.outputs["security"], want);
            assert_eq!(out.outputs["count_at_or_above_threshold"], "5");
            // The record signs the same outputs.
            assert!(out.record.is_some());
        }
    }
    assert_ne!(ids[0], ids[1]);
}
