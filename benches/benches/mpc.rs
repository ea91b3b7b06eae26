//! Criterion benchmarks of the MPC engine: three parties in one process over in-memory
//! channels (protocol cost without TLS; `conclave mpc bench` measures real processes).
#![allow(missing_docs)]

use std::time::Duration;

use conclave_mpc::field::Fp;
use conclave_mpc::transport::memory::{self, MemoryTransport};
use conclave_mpc::{Engine, Error, PartyId, Security};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// Runs `f` at three parties (threads) and returns party 1's result.
fn three<R: Send>(f: impl Fn(&mut Engine<MemoryTransport>) -> Result<R, Error> + Sync) -> R {
    std::thread::scope(|s| {
        let handles: Vec<_> = memory::network(3, Duration::from_secs(600))
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let f = &f;
                s.spawn(move || {
                    let mut rng = ChaCha20Rng::seed_from_u64(i as u64);
                    let mut e = Engine::new(t, &mut rng).expect("engine");
                    f(&mut e).expect("party failed")
                })
            })
            .collect();
        let mut out: Vec<R> = handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect();
        out.swap_remove(0)
    })
}

fn field(c: &mut Criterion) {
    let mut g = c.benchmark_group("mpc/field");
    let x = Fp::new(0x1234_5678_9abc_def0_1122_3344_5566_7788);
    g.bench_function("mul", |b| {
        b.iter(|| std::hint::black_box(x) * std::hint::black_box(x))
    });
    g.bench_function("inverse", |b| b.iter(|| std::hint::black_box(x).inverse()));
    g.finish();
}

/// Semi-honest (`mpc/mul_3_parties`) and with security with abort
/// (`mpc/mul_3_parties_malicious`: the products, their MACs and the check over them).
fn multiplications(c: &mut Criterion) {
    for (group, security) in [
        ("mpc/mul_3_parties", Security::SemiHonest),
        ("mpc/mul_3_parties_malicious", Security::Malicious),
    ] {
        let mut g = c.benchmark_group(group);
        g.sample_size(10);
        for size in [1usize, 10_000, 1_000_000] {
            g.bench_with_input(BenchmarkId::from_parameter(size), &size, |b, &size| {
                b.iter_custom(|iters| {
                    three(|e| {
                        e.set_security(security)?;
                        let x = e.input_from(PartyId(1), size, &vec![Fp::new(3); size])?;
                        e.verify()?;
                        let start = std::time::Instant::now();
                        for _ in 0..iters {
                            e.mul(&x, &x)?;
                            e.verify()?;
                        }
                        Ok(start.elapsed())
                    })
                })
            });
        }
        g.finish();
    }
}

fn comparisons(c: &mut Criterion) {
    let mut g = c.benchmark_group("mpc/lt32_3_parties");
    g.sample_size(10);
    for size in [1usize, 1_000, 10_000] {
        g.bench_with_input(BenchmarkId::from_parameter(size), &size, |b, &size| {
            b.iter_custom(|iters| {
                three(|e| {
                    let vals: Vec<Fp> = (0..size as i64)
                        .map(|v| Fp::from_i64(v * 7919 % 100_000 - 50_000))
                        .collect();
                    let x = e.input_from(PartyId(1), size, &vals)?;
                    let y = e.input_from(PartyId(2), size, &vals)?;
                    let start = std::time::Instant::now();
                    for _ in 0..iters {
                        e.lt(&x, &y, 32)?;
                    }
                    Ok(start.elapsed())
                })
            })
        });
    }
    g.finish();
}

criterion_group!(benches, field, multiplications, comparisons);
criterion_main!(benches);
