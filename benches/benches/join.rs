//! Criterion benchmarks of the private join (`conclave_mpc::join`): id exponentiations
//! per second (hash to Ristretto255 + one constant-time scalar multiplication +
//! compression per id: the layer-1 key) on one and two rayon threads, the relay step
//! (decompress + two multiplications + compressions per point: the layer-1 key and the
//! return chain's `k·k'`), and a whole join of 2 × 100,000 ids (50 % overlap) with both
//! parties in one process. Throughput is counted in exponentiations.
//!
//! `CONCLAVE_JOIN_MILLION=1` additionally times one join of 1,000,000 × 1,000,000 ids
//! (outside criterion: one run, printed); `CONCLAVE_JOIN_IDS=<n>` one join of n × n. Both
//! also print each party's computing time and the join's duration with a machine per
//! party (`join::memory::Timings`).
#![allow(missing_docs)]

use std::time::{Duration, Instant};

use conclave_mpc::join::{memory, JoinIdentity, JoinLimits, JoinParty, JoinProtocol, Step};
use conclave_mpc::PartyId as Party;
use criterion::{BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// `size` distinct ids for party `party`; the first `shared` are common to all parties.
fn ids(party: u64, size: usize, shared: usize) -> Vec<Vec<u8>> {
    (0..size)
        .map(|i| {
            if i < shared {
                format!("customer-{i:012}").into_bytes()
            } else {
                format!("p{party}-customer-{i:012}").into_bytes()
            }
        })
        .collect()
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("rayon pool")
}

fn exponentiate(c: &mut Criterion) {
    const IDS: usize = 10_000;
    let mut g = c.benchmark_group("join/exponentiate");
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(IDS as u64));
    let input = ids(1, IDS, 0);
    for threads in [1, 2] {
        let pool = pool(threads);
        g.bench_with_input(BenchmarkId::new("threads", threads), &input, |b, input| {
            let mut rng = ChaCha20Rng::seed_from_u64(1);
            b.iter(|| {
                pool.install(|| {
                    JoinParty::new(Party(1), 2, input, JoinLimits::default(), &mut rng)
                        .expect("start")
                })
            });
        });
    }
    // Relay: decompress a received set, multiply by our layer-1 key and by `k·k'` (the
    // return chain), compress (one thread): 2 × 10,000 exponentiations. Counted with
    // the group's throughput of 10,000: read it as points per second.
    let pool1 = pool(1);
    g.bench_function(BenchmarkId::new("relay/threads", 1), |b| {
        b.iter_batched(
            || {
                let mut rng = ChaCha20Rng::seed_from_u64(2);
                let mut identities = JoinIdentity::generate(2, &mut rng).into_iter();
                let mut start = |me: u32, ids: &[Vec<u8>], rng: &mut ChaCha20Rng| {
                    let identity = identities.next().expect("an identity per party");
                    JoinParty::new(Party(me), 2, ids, JoinLimits::default(), rng)
                        .expect("keys")
                        .with_identity(identity)
                        .start(rng)
                        .expect("start")
                };
                let (_, msgs) = start(1, &input, &mut rng);
                let (state, _) = start(2, &input[..1], &mut rng);
                (state, msgs, rng)
            },
            |(state, msgs, mut rng)| {
                let refs: Vec<(Party, &[u8])> = msgs
                    .iter()
                    .map(|m| (Party(1), m.bytes.as_slice()))
                    .collect();
                pool1.install(|| match state.receive(&refs, &mut rng) {
                    Ok(Step::Continue(s, out)) => (s, out),
                    _ => unreachable!("two parties: exchange 1 continues"),
                })
            },
            BatchSize::PerIteration,
        );
    });
    g.finish();
}

/// The exponentiation alone, one thread, 1,024 points: one compression per point
/// (`(p·k).compress()`) against the batch the join uses (`p·(k/2)`, then
/// `double_and_compress_batch`: one shared inversion), and decompression.
fn primitives(c: &mut Criterion) {
    use conclave_mpc::curve25519_dalek_5::ristretto::RistrettoPoint;
    use conclave_mpc::curve25519_dalek_5::scalar::Scalar;
    use conclave_mpc::join::{random_point, random_scalar};
    const POINTS: usize = 1024;
    let mut g = c.benchmark_group("join/primitive");
    g.throughput(Throughput::Elements(POINTS as u64));
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let points: Vec<RistrettoPoint> = (0..POINTS).map(|_| random_point(&mut rng)).collect();
    let k = random_scalar(&mut rng);
    let half = k * Scalar::from(2u8).invert();
    g.bench_function("mul+compress", |b| {
        b.iter(|| {
            points
                .iter()
                .map(|p| (p * k).compress())
                .collect::<Vec<_>>()
        })
    });
    g.bench_function("mul-half+double-and-compress-batch", |b| {
        b.iter(|| {
            let halves: Vec<RistrettoPoint> = points.iter().map(|p| p * half).collect();
            RistrettoPoint::double_and_compress_batch(&halves)
        })
    });
    g.bench_function("mul", |b| {
        b.iter(|| points.iter().map(|p| p * k).collect::<Vec<_>>())
    });
    let encoded: Vec<_> = points.iter().map(|p| p.compress()).collect();
    g.bench_function("decompress", |b| {
        b.iter(|| {
            encoded
                .iter()
                .map(|c| c.decompress().expect("valid"))
                .collect::<Vec<_>>()
        })
    });
    g.finish();
}

fn join(c: &mut Criterion) {
    const IDS: usize = 100_000;
    let mut g = c.benchmark_group("join/two-parties");
    g.sampling_mode(SamplingMode::Flat);
    g.measurement_time(Duration::from_secs(30));
    g.throughput(Throughput::Elements(
        EXPONENTIATIONS_PER_ID_X2 * IDS as u64 / 2,
    ));
    let sets = vec![ids(1, IDS, IDS / 2), ids(2, IDS, IDS / 2)];
    g.bench_with_input(BenchmarkId::new("ids-each", IDS), &sets, |b, sets| {
        let mut seed = 0;
        b.iter(|| {
            seed += 1;
            let mut rngs: Vec<ChaCha20Rng> = (0..2)
                .map(|i| ChaCha20Rng::seed_from_u64(seed * 2 + i))
                .collect();
            memory::run(sets, &mut rngs).expect("join")
        });
    });
    g.finish();
}

/// Exponentiations of a two-party join of `N` × `N` ids with 50 % overlap, per `N`, times
/// two: party 1 does 4 per own id (its key, the other's set at `k·k'`, its complete set
/// at `k'`, its tags), party 2 3 per own id and 1 per row of the union it does not hold
/// (7N + |U|, |U| = 1.5 N): 8.5 per id.
const EXPONENTIATIONS_PER_ID_X2: u64 = 17;

/// One timed join of `size` × `size` ids (50 % overlap), printed; opt-in because the
/// million takes minutes.
fn once(size: usize) {
    let sets = vec![ids(1, size, size / 2), ids(2, size, size / 2)];
    let mut rngs: Vec<ChaCha20Rng> = (0..2).map(ChaCha20Rng::seed_from_u64).collect();
    // `CONCLAVE_JOIN_PROTOCOL=semi-honest`: without the proofs (default: malicious).
    let protocol = match std::env::var("CONCLAVE_JOIN_PROTOCOL").as_deref() {
        Ok("semi-honest") => JoinProtocol::SemiHonest,
        _ => JoinProtocol::Malicious,
    };
    let t = Instant::now();
    let (outs, timings) =
        memory::run_timed(&sets, &mut rngs, JoinLimits::default(), protocol).expect("join");
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(outs[0].len(), size + size / 2);
    let threads = rayon::current_num_threads();
    println!(
        "join/two-parties/ids-each/{size} ({protocol:?}): {secs:.1} s ({:.0} exponentiations/s over {threads} threads)",
        EXPONENTIATIONS_PER_ID_X2 as f64 / 2.0 * size as f64 / secs,
    );
    let per_party: Vec<String> = timings
        .per_party()
        .iter()
        .map(|d| format!("{:.1} s", d.as_secs_f64()))
        .collect();
    println!(
        "  computing per party on {threads} threads: {}; with a machine per party (each {threads} threads, instant network): {:.1} s",
        per_party.join(", "),
        timings.critical_path().as_secs_f64()
    );
    let steps: Vec<String> = timings
        .steps
        .iter()
        .enumerate()
        .map(|(e, parties)| {
            let each: Vec<String> = parties
                .iter()
                .map(|d| format!("{:.1}", d.as_secs_f64()))
                .collect();
            format!("{e}: {}", each.join("/"))
        })
        .collect();
    println!(
        "  per step (0 = hashing and keying, then each exchange), seconds per party: {}",
        steps.join(", ")
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    exponentiate(&mut c);
    primitives(&mut c);
    join(&mut c);
    c.final_summary();
    if std::env::var_os("CONCLAVE_JOIN_MILLION").is_some() {
        once(1_000_000);
    }
    // `CONCLAVE_JOIN_IDS=100000`: one timed join of that many ids per party.
    if let Some(size) = std::env::var("CONCLAVE_JOIN_IDS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        once(size);
    }
}
