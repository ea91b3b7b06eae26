//! All parties in one process over in-memory channels: results equal the plaintext
//! computation for n = 3, 5, 7, and dishonest or vanishing parties are caught.

use std::time::Duration;

use conclave_mpc::compare::{COMPARISON_BATCH, COMPARISON_BATCH_MALICIOUS};
use conclave_mpc::engine::CHUNK_ELEMENTS;
use conclave_mpc::field::Fp;
use conclave_mpc::shamir::{self, Params, PartyId};
use conclave_mpc::transport::memory::{self, MemoryTransport};
use conclave_mpc::transport::{Frames, Transport};
use conclave_mpc::{Engine, Error, RandomnessSource, Security};
use proptest::prelude::*;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// Runs `f` at every party (one thread each) and returns each party's result.
fn run<T, R, F>(transports: Vec<T>, f: F) -> Vec<Result<R, Error>>
where
    T: Transport + Send,
    R: Send,
    F: Fn(&mut Engine<T>) -> Result<R, Error> + Sync,
{
    std::thread::scope(|s| {
        let handles: Vec<_> = transports
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let f = &f;
                s.spawn(move || {
                    let mut rng = ChaCha20Rng::seed_from_u64(1000 + i as u64);
                    let mut engine = Engine::new(t, &mut rng)?;
                    let out = f(&mut engine);
                    if let Err(e) = &out {
                        engine.abort(e);
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("party thread panicked"))
            .collect()
    })
}

fn net(n: usize) -> Vec<MemoryTransport> {
    memory::network(n, Duration::from_secs(20))
}

fn fp(v: &[i64]) -> Vec<Fp> {
    v.iter().map(|x| Fp::from_i64(*x)).collect()
}

/// Party 1 inputs `a`, party 2 inputs `b`; returns the shared pair.
fn two_inputs<T: Transport>(
    e: &mut Engine<T>,
    a: &[i64],
    b: &[i64],
) -> Result<(conclave_mpc::ShareVec, conclave_mpc::ShareVec), Error> {
    let x = e.input_from(PartyId(1), a.len(), &fp(a))?;
    let y = e.input_from(PartyId(2), b.len(), &fp(b))?;
    Ok((x, y))
}

fn all_equal<R: PartialEq + std::fmt::Debug>(results: Vec<Result<R, Error>>) -> R {
    let mut values: Vec<R> = results
        .into_iter()
        .map(|r| r.expect("party failed"))
        .collect();
    let first = values.remove(0);
    for v in &values {
        assert_eq!(v, &first);
    }
    first
}

const BITS: u32 = 32;

fn small_value() -> impl Strategy<Value = i64> {
    let bound = 1i64 << (BITS - 1);
    prop_oneof![
        -bound..bound,
        Just(-bound),
        Just(bound - 1),
        Just(0i64),
        Just(-1i64),
        -5i64..5,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, .. ProptestConfig::default() })]

    #[test]
    fn arithmetic_and_comparisons_match_plaintext(
        n in prop_oneof![Just(3usize), Just(5usize), Just(7usize)],
        source in prop_oneof![Just(RandomnessSource::Prss), Just(RandomnessSource::DamgardNielsen)],
        pairs in proptest::collection::vec((small_value(), small_value()), 1..12),
    ) {
        let a: Vec<i64> = pairs.iter().map(|p| p.0).collect();
        let b: Vec<i64> = pairs.iter().map(|p| p.1).collect();
        let out = all_equal(run(net(n), |e| {
            e.set_randomness_source(source);
            let (x, y) = two_inputs(e, &a, &b)?;
            let sum = e.add(&x, &y)?;
            let prod = e.mul(&x, &y)?;
            let lt = e.lt(&x, &y, BITS)?;
            let ge = e.ge(&x, &y, BITS)?;
            let eq = e.eq(&x, &y, BITS)?;
            let tr = e.trunc(&x, BITS, 5)?;
            let (mn, mx) = e.min_max(&x, BITS)?;
            Ok((
                e.open_signed(&sum)?,
                e.open_signed(&prod)?,
                e.open_signed(&lt)?,
                e.open_signed(&ge)?,
                e.open_signed(&eq)?,
                e.open_signed(&tr)?,
                e.open_signed(&mn)?[0],
                e.open_signed(&mx)?[0],
            ))
        }));
        for k in 0..a.len() {
            let (x, y) = (i128::from(a[k]), i128::from(b[k]));
            prop_assert_eq!(out.0[k], x + y);
            prop_assert_eq!(out.1[k], x * y);
            prop_assert_eq!(out.2[k], i128::from(x < y));
            prop_assert_eq!(out.3[k], i128::from(x >= y));
            prop_assert_eq!(out.4[k], i128::from(x == y));
            prop_assert_eq!(out.5[k], x.div_euclid(32));
        }
        prop_assert_eq!(out.6, i128::from(*a.iter().min().unwrap()));
        prop_assert_eq!(out.7, i128::from(*a.iter().max().unwrap()));
    }
}

/// `a mod 2^m` for every width `m` of a 20-bit value (odd and even widths: the
/// comparison tree carries the top node of odd levels), at the range's edges and
/// around every power of two, in both modes.
#[test]
fn mod2m_is_exact_for_every_width() {
    let k = 20u32;
    let bound = 1i64 << (k - 1);
    let mut values: Vec<i64> = vec![-bound, bound - 1, 0, -1, 1, 12_345, -54_321];
    for i in 0..k - 1 {
        let p = 1i64 << i;
        values.extend([p - 1, p, p + 1, -p, -p - 1]);
    }
    for security in [Security::SemiHonest, Security::Malicious] {
        let out = all_equal(run(net(3), |e| {
            e.set_security(security)?;
            let x = e.input_from(PartyId(1), values.len(), &fp(&values))?;
            (1..k)
                .map(|m| {
                    let low = e.mod2m(&x, k, m)?;
                    e.open_signed(&low)
                })
                .collect::<Result<Vec<_>, Error>>()
        }));
        for (m, opened) in (1..k).zip(&out) {
            for (v, got) in values.iter().zip(opened) {
                let want = i128::from(v.rem_euclid(1i64 << m));
                assert_eq!(*got, want, "{v} mod 2^{m} ({security:?})");
            }
        }
    }
}

#[test]
fn division_by_public_constants() {
    let a: Vec<i64> = vec![
        0,
        1,
        -1,
        7,
        -7,
        1000,
        -1000,
        123_456,
        (1 << 30) - 1,
        -(1 << 30),
    ];
    for d in [1u64, 2, 3, 7, 10, 1000] {
        let out = all_equal(run(net(3), |e| {
            let x = e.input_from(PartyId(3), a.len(), &fp(&a))?;
            let q = e.div_public(&x, d, BITS)?;
            e.open_signed(&q)
        }));
        for (k, v) in a.iter().enumerate() {
            assert_eq!(out[k], i128::from(v.div_euclid(d as i64)), "{v} / {d}");
        }
    }
}

#[test]
fn fixed_point_multiplication_truncates() {
    // 1.5 × −2.25 = −3.375 with 8 fractional bits.
    let f = 8;
    let out = all_equal(run(net(3), |e| {
        let (x, y) = two_inputs(e, &[384], &[-576])?;
        let p = e.mul_fixed(&x, &y, 24, f)?;
        e.open_signed(&p)
    }));
    assert_eq!(out[0], (384i128 * -576).div_euclid(256));
}

#[test]
fn open_to_one_party_only() {
    let results = run(net(5), |e| {
        let x = e.input_from(PartyId(2), 3, &fp(&[4, 5, 6]))?;
        e.open_to(PartyId(4), &x)
    });
    for (i, r) in results.into_iter().enumerate() {
        let r = r.unwrap();
        if i == 3 {
            assert_eq!(r, Some(fp(&[4, 5, 6])));
        } else {
            assert_eq!(r, None);
        }
    }
}

#[test]
fn a_million_multiplications_is_one_round_trip() {
    let len = 100_000; // scaled down for test time; the round count is what matters
    let rounds = all_equal(run(net(3), |e| {
        let x = e.input_from(PartyId(1), len, &vec![Fp::new(3); len])?;
        e.preprocess(len)?;
        let before = e.traffic().rounds;
        let p = e.mul(&x, &x)?;
        let after = e.traffic().rounds;
        let opened = e.open(&p)?;
        assert!(opened.iter().all(|v| *v == Fp::new(9)));
        Ok(after - before)
    }));
    assert_eq!(rounds, 1);
}

#[test]
fn random_sharings_are_consistent_fresh_and_bits_are_bits() {
    // 3 and 4 parties make PRSS bits by XOR of per-set bits, 5 and 7 by square roots.
    for n in [3, 4, 5, 7] {
        for source in [RandomnessSource::Prss, RandomnessSource::DamgardNielsen] {
            let (first, second, bits) = all_equal(run(net(n), |e| {
                e.set_randomness_source(source);
                // Opening checks that every party's share lies on one degree-t polynomial.
                let r1 = e.random(64)?;
                let r2 = e.random(64)?;
                let b = e.random_bits(64)?;
                Ok((e.open(&r1)?, e.open(&r2)?, e.open(&b)?))
            }));
            let mut all = first.clone();
            all.extend(&second);
            all.sort_by_key(|v| v.to_u128());
            all.dedup();
            assert_eq!(
                all.len(),
                128,
                "n = {n}, {source:?}: repeated random values"
            );
            assert!(bits.iter().all(|b| *b == Fp::ZERO || *b == Fp::ONE));
            assert!(bits.contains(&Fp::ZERO) && bits.contains(&Fp::ONE));
        }
    }
}

/// Comparison masks: sums of summands below `2^SUMMAND_BITS` (PRSS summands with 3
/// parties, dealt ones otherwise) stay below `2^(SUMMAND_BITS + 2)` (t = 1 and t = 2),
/// are consistent degree-t sharings, vary, and are sums (some exceed one summand's range).
#[test]
fn bounded_random_values_are_sums_below_their_bound() {
    const SUMMAND_BITS: u32 = 20;
    for n in [3, 5] {
        for source in [RandomnessSource::Prss, RandomnessSource::DamgardNielsen] {
            let results: Vec<(Vec<Fp>, u64)> = run(net(n), |e| {
                e.set_randomness_source(source);
                e.preprocess(1)?; // PRSS keys, so only the values' own traffic counts
                let before = e.traffic().bytes_sent;
                let r = e.random_bounded(512, SUMMAND_BITS)?;
                let sent = e.traffic().bytes_sent - before;
                Ok((e.open(&r)?, sent))
            })
            .into_iter()
            .map(|r| r.expect("party failed"))
            .collect();
            let values: Vec<u128> = results[0].0.iter().map(|v| v.to_u128()).collect();
            assert!(results.iter().all(|(v, _)| *v == results[0].0));
            let label = format!("n = {n}, {source:?}");
            assert!(
                values.iter().all(|v| *v < 1 << (SUMMAND_BITS + 2)),
                "{label}"
            );
            assert!(values.iter().any(|v| *v >= 1 << SUMMAND_BITS), "{label}");
            let mut distinct = values.clone();
            distinct.sort_unstable();
            distinct.dedup();
            assert!(distinct.len() > 500, "{label}: values repeat");
            let sent: u64 = results.iter().map(|(_, sent)| sent).sum();
            if n == 3 && source == RandomnessSource::Prss {
                assert_eq!(sent, 0, "PRSS summands need no communication");
            } else {
                assert!(sent > 0, "{label}: summands are dealt");
            }
        }
    }
}

/// With PRSS and n = 2t + 1 a multiplication reshares the local products; with a
/// preprocessed pool it consumes double sharings instead. Both give the plaintext
/// products in one round, and resharing leaves the pool alone.
#[test]
fn multiplication_by_resharing_and_from_the_pool_agree() {
    let xs: Vec<i64> = (0..300).map(|i| i * 7919 % 20_011 - 10_000).collect();
    let ys: Vec<i64> = (0..300).map(|i| i * 104_729 % 19_997 - 9_000).collect();
    for n in [3, 5] {
        let (reshared, pooled, rounds, left, sent) = all_equal(run(net(n), |e| {
            let (x, y) = two_inputs(e, &xs, &ys)?;
            e.preprocess(1)?; // distributes the PRSS keys, leaves one double sharing
            let before = e.traffic();
            let reshared = e.mul(&x, &y)?;
            let rounds = e.traffic().rounds - before.rounds;
            let sent = e.traffic().bytes_sent - before.bytes_sent;
            let left = e.preprocessed();
            e.preprocess(xs.len())?;
            let pooled = e.mul(&x, &y)?;
            Ok((
                e.open_signed(&reshared)?,
                e.open_signed(&pooled)?,
                rounds,
                left,
                sent,
            ))
        }));
        // t of every product's n − 1 outgoing shares come from pairwise keys.
        let t = (n - 1) / 2;
        assert_eq!(
            sent,
            (t * xs.len() * 16) as u64,
            "n = {n}: bytes sent per party"
        );
        for k in 0..xs.len() {
            let want = i128::from(xs[k]) * i128::from(ys[k]);
            assert_eq!(reshared[k], want, "n = {n}, resharing, element {k}");
            assert_eq!(pooled[k], want, "n = {n}, pool, element {k}");
        }
        assert_eq!(rounds, 1, "n = {n}");
        assert_eq!(left, 1, "n = {n}: resharing must not consume the pool");
    }
}

/// `len` pairs of signed values spread over about ±50,000, in both orders.
fn spread_pairs(len: usize) -> (Vec<i64>, Vec<i64>) {
    let xs = (0..len as i64)
        .map(|i| i * 7919 % 100_003 - 50_000)
        .collect();
    let ys = (0..len as i64)
        .map(|i| i * 104_729 % 99_991 - 49_000)
        .collect();
    (xs, ys)
}

#[test]
fn long_vectors_are_opened_in_chunks_within_one_round() {
    let len = CHUNK_ELEMENTS + 7;
    let (xs, ys) = spread_pairs(len);
    let cmp = COMPARISON_BATCH + 152; // a full comparison batch and a partial one
    let (products, rounds, lt) = all_equal(run(net(3), |e| {
        let (x, y) = two_inputs(e, &xs, &ys)?;
        e.preprocess(1)?; // distributes the PRSS keys (a one-time round)
        let before = e.traffic().rounds;
        let p = e.mul(&x, &y)?;
        let rounds = e.traffic().rounds - before;
        let (cx, cy) = (e.slice(&x, 0..cmp)?, e.slice(&y, 0..cmp)?);
        let lt = e.lt(&cx, &cy, BITS)?;
        Ok((e.open_signed(&p)?, rounds, e.open_signed(&lt)?))
    }));
    assert_eq!(rounds, 1, "one protocol round however many exchanges");
    for k in 0..len {
        assert_eq!(products[k], i128::from(xs[k]) * i128::from(ys[k]));
    }
    for k in 0..cmp {
        assert_eq!(lt[k], i128::from(xs[k] < ys[k]));
    }
}

/// In the malicious mode comparisons run in batches of their own size: a full batch and
/// a partial one still compare every element correctly.
#[test]
fn malicious_comparisons_span_several_batches() {
    let cmp = COMPARISON_BATCH_MALICIOUS + 152;
    let (xs, ys) = spread_pairs(cmp);
    let lt = all_equal(run(net(3), |e| {
        e.set_security(Security::Malicious)?;
        let (x, y) = two_inputs(e, &xs, &ys)?;
        let lt = e.lt(&x, &y, BITS)?;
        e.open_signed(&lt)
    }));
    assert_eq!(lt.len(), cmp);
    for k in 0..cmp {
        assert_eq!(lt[k], i128::from(xs[k] < ys[k]), "element {k}");
    }
    assert!(lt.contains(&0) && lt.contains(&1), "both outcomes occur");
}

#[test]
fn nine_parties_use_damgard_nielsen_and_still_multiply() {
    let out = all_equal(run(net(9), |e| {
        assert_eq!(e.randomness_source(), RandomnessSource::DamgardNielsen);
        let (x, y) = two_inputs(e, &[-3, 12_345], &[7, -2])?;
        let p = e.mul(&x, &y)?;
        e.open_signed(&p)
    }));
    assert_eq!(out, vec![-21, -24_690]);
    let sources = all_equal(run(net(3), |e| Ok(e.randomness_source())));
    assert_eq!(sources, RandomnessSource::Prss);
}

#[test]
fn malformed_prss_keys_are_refused_naming_the_sender() {
    let transports = with_truncator(3, 1, 1);
    // The first random sharing distributes the PRSS keys; party 1 deals keys to both others.
    let results = run(transports, |e| e.random(4));
    for r in &results[1..] {
        match r {
            Err(Error::PeerMisbehaved { party, reason }) => {
                assert_eq!(*party, PartyId(1));
                assert!(reason.contains("PRSS keys"), "{reason}");
            }
            other => panic!("expected a malformed-key error, got {other:?}"),
        }
    }
}

#[test]
fn shamir_share_reconstruct_n_3_5_7() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    for n in [3, 5, 7] {
        let params = Params::honest_majority(n).unwrap();
        let secrets = fp(&[i64::MIN, -1, 0, 1, i64::MAX]);
        let shares = shamir::share(params, &secrets, &mut rng);
        assert_eq!(shamir::reconstruct(params, &shares).unwrap(), secrets);
        // t shares are not enough.
        assert!(shamir::reconstruct(params, &shares[..params.t()]).is_err());
    }
}

/// A transport that adds 1 to the first element it sends to everyone in round `round`.
struct Tamper<T> {
    inner: T,
    round: usize,
    seen: usize,
}

impl<T: Transport> Transport for Tamper<T> {
    fn me(&self) -> PartyId {
        self.inner.me()
    }
    fn parties(&self) -> usize {
        self.inner.parties()
    }
    fn exchange(&mut self, mut outgoing: Frames) -> Result<Frames, Error> {
        if self.seen == self.round {
            for frame in outgoing.iter_mut().filter(|f| f.len() >= 16) {
                frame[0] = frame[0].wrapping_add(1);
            }
        }
        self.seen += 1;
        self.inner.exchange(outgoing)
    }
    fn abort(&mut self, error: &Error) {
        self.inner.abort(error)
    }
}

enum Either<A, B> {
    Honest(A),
    Liar(B),
}

impl<A: Transport, B: Transport> Transport for Either<A, B> {
    fn me(&self) -> PartyId {
        match self {
            Either::Honest(a) => a.me(),
            Either::Liar(b) => b.me(),
        }
    }
    fn parties(&self) -> usize {
        match self {
            Either::Honest(a) => a.parties(),
            Either::Liar(b) => b.parties(),
        }
    }
    fn exchange(&mut self, outgoing: Frames) -> Result<Frames, Error> {
        match self {
            Either::Honest(a) => a.exchange(outgoing),
            Either::Liar(b) => b.exchange(outgoing),
        }
    }
    fn abort(&mut self, error: &Error) {
        match self {
            Either::Honest(a) => a.abort(error),
            Either::Liar(b) => b.abort(error),
        }
    }
}

fn with_liar(
    n: usize,
    liar: usize,
    round: usize,
) -> Vec<Either<MemoryTransport, Tamper<MemoryTransport>>> {
    net(n)
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            if i + 1 == liar {
                Either::Liar(Tamper {
                    inner: t,
                    round,
                    seen: 0,
                })
            } else {
                Either::Honest(t)
            }
        })
        .collect()
}

/// A transport that cuts the last `bytes` bytes off every frame it sends.
struct Truncate<T> {
    inner: T,
    bytes: usize,
}

impl<T: Transport> Transport for Truncate<T> {
    fn me(&self) -> PartyId {
        self.inner.me()
    }
    fn parties(&self) -> usize {
        self.inner.parties()
    }
    fn exchange(&mut self, mut outgoing: Frames) -> Result<Frames, Error> {
        for f in outgoing.iter_mut() {
            f.truncate(f.len().saturating_sub(self.bytes));
        }
        self.inner.exchange(outgoing)
    }
}

/// `n` parties where party `liar` truncates every frame by `bytes`.
fn with_truncator(
    n: usize,
    liar: usize,
    bytes: usize,
) -> Vec<Either<MemoryTransport, Truncate<MemoryTransport>>> {
    net(n)
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            if i + 1 == liar {
                Either::Liar(Truncate { inner: t, bytes })
            } else {
                Either::Honest(t)
            }
        })
        .collect()
}

#[test]
fn tampered_share_at_opening_names_the_liar_with_five_parties() {
    // Rounds: 0 = PRSS keys (first use), 1 = input, 2 = open (the liar's share is altered).
    let results = run(with_liar(5, 4, 2), |e| {
        let x = e.input_from(PartyId(1), 2, &fp(&[10, 20]))?;
        e.open(&x)
    });
    for (i, r) in results.into_iter().enumerate() {
        if i == 3 {
            continue;
        }
        match r {
            Err(Error::PeerMisbehaved { party, .. }) => {
                assert_eq!(party, PartyId(4), "party {}", i + 1)
            }
            other => panic!("party {} expected to name party 4, got {other:?}", i + 1),
        }
    }
}

#[test]
fn tampered_share_at_opening_is_detected_with_three_parties() {
    // Rounds as above: the liar alters its share at the opening.
    let results = run(with_liar(3, 3, 2), |e| {
        let x = e.input_from(PartyId(1), 1, &fp(&[42]))?;
        e.open(&x)
    });
    for r in results.into_iter().take(2) {
        match r {
            Err(Error::InconsistentShares { suspects, .. }) => {
                assert!(suspects.contains(&PartyId(3)))
            }
            other => panic!("expected detection, got {other:?}"),
        }
    }
}

#[test]
fn malformed_frame_is_refused_naming_the_sender() {
    let transports = with_truncator(3, 2, 3);
    let results = run(transports, |e| {
        let x = e.input_from(PartyId(2), 2, &fp(&[1, 2]))?;
        e.open(&x)
    });
    // The first party to see a short frame stops naming party 2 and tells the others,
    // who may stop on that message first: every honest party names party 2.
    for i in [0, 2] {
        match &results[i] {
            Err(e) => {
                assert_eq!(e.culprit(), Some(PartyId(2)), "{e}");
                assert!(e.to_string().contains("malformed"), "{e}");
            }
            Ok(_) => panic!("party {} finished despite malformed frames", i + 1),
        }
    }
}

#[test]
fn vanished_party_stops_the_others_with_its_name() {
    let mut transports = memory::network(3, Duration::from_secs(2));
    let dead = transports.pop().unwrap(); // party 3 never runs
    drop(dead);
    let results = run(transports, |e| {
        let x = e.input_from(PartyId(1), 1, &fp(&[1]))?;
        e.open(&x)
    });
    for r in results {
        match r {
            Err(e) => assert_eq!(e.culprit(), Some(PartyId(3)), "{e}"),
            Ok(_) => panic!("must not finish without party 3"),
        }
    }
}

#[test]
fn stats_job_matches_plaintext() {
    use conclave_mpc::jobs::{stats, ClientShares, StatsJob};
    let data: Vec<Vec<i64>> = vec![
        vec![300, 700, 650, -5],
        vec![800, 649],
        vec![651, 1 << 20, -(1 << 20)],
    ];
    let job = StatsJob {
        bits: 32,
        threshold: 650,
        party: None,
        column: None,
    };
    let results = std::thread::scope(|s| {
        let handles: Vec<_> = net(3)
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let data = &data;
                let job = &job;
                s.spawn(move || {
                    let mut rng = ChaCha20Rng::seed_from_u64(i as u64);
                    let mut e = Engine::new(t, &mut rng)?;
                    stats(&mut e, job, &data[i], &ClientShares::none())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    });
    let all: Vec<i64> = data.concat();
    for r in results {
        let v = r.unwrap();
        assert_eq!(v["sum"], all.iter().sum::<i64>().to_string());
        assert_eq!(v["min"], all.iter().min().unwrap().to_string());
        assert_eq!(v["max"], all.iter().max().unwrap().to_string());
        assert_eq!(v["count"], all.len());
        assert_eq!(
            v["count_at_or_above_threshold"],
            all.iter().filter(|x| **x >= 650).count().to_string()
        );
        let mean = all.iter().sum::<i64>() as f64 / all.len() as f64;
        let var = all.iter().map(|x| (*x as f64 - mean).powi(2)).sum::<f64>() / all.len() as f64;
        assert!((v["variance"].as_f64().unwrap() - var).abs() / var < 1e-9);
    }
}
