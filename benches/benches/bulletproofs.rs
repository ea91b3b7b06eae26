//! Bulletproofs range proofs (issue 3): single proofs per bit size, aggregated proofs per
//! aggregation size, batch verification against one-by-one, and our API against the bare
//! `bulletproofs` crate calls it wraps.
//!
//! Run: `cargo bench -p conclave-benches --bench bulletproofs`. Sample sizes are small on
//! purpose (2-core machine); setup (generators, openings, proofs) is outside timed loops and
//! every random input comes from a fixed ChaCha seed.

#![allow(missing_docs)]
use std::time::Duration;

use bulletproofs::{BulletproofGens, PedersenGens};
use conclave_circuits::bulletproof::{
    verify_batch, verify_each, BitSize, Generators, Opening, RangeProof,
};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use merlin::Transcript;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(0xb0_11e7)
}

/// Single proofs for each bit size: ours vs the bare crate (`prove_single`/`verify_single`).
fn single(c: &mut Criterion) {
    let gens = Generators::new(1).expect("capacity 1 is valid");
    let bare_bp = BulletproofGens::new(64, 1);
    let bare_pc = PedersenGens::default();
    let mut rng = rng();
    let opening = Opening::random(200, &mut rng);

    let mut prove = c.benchmark_group("bp_prove_single");
    for bits in BitSize::ALL {
        let n = bits.get() as usize;
        prove.bench_with_input(BenchmarkId::new("conclave", n), &bits, |b, &bits| {
            b.iter(|| RangeProof::prove_bits(&gens, &[&opening], bits, &mut rng).expect("prove"))
        });
        prove.bench_with_input(BenchmarkId::new("bare", n), &n, |b, &n| {
            b.iter(|| {
                let mut t = Transcript::new(b"bench");
                bulletproofs::RangeProof::prove_single_with_rng(
                    &bare_bp,
                    &bare_pc,
                    &mut t,
                    opening.value(),
                    opening.blinding(),
                    n,
                    &mut rng,
                )
                .expect("prove")
            })
        });
    }
    prove.finish();

    let mut verify = c.benchmark_group("bp_verify_single");
    for bits in BitSize::ALL {
        let n = bits.get() as usize;
        let ours = RangeProof::prove_bits(&gens, &[&opening], bits, &mut rng).expect("prove");
        verify.bench_with_input(BenchmarkId::new("conclave", n), &ours, |b, proof| {
            b.iter(|| proof.verify(&gens, &mut rng).expect("valid"))
        });
        let mut t = Transcript::new(b"bench");
        let (bare, commitment) = bulletproofs::RangeProof::prove_single_with_rng(
            &bare_bp,
            &bare_pc,
            &mut t,
            opening.value(),
            opening.blinding(),
            n,
            &mut rng,
        )
        .expect("prove");
        verify.bench_with_input(BenchmarkId::new("bare", n), &bare, |b, proof| {
            b.iter(|| {
                let mut t = Transcript::new(b"bench");
                proof
                    .verify_single_with_rng(&bare_bp, &bare_pc, &mut t, &commitment, n, &mut rng)
                    .expect("valid")
            })
        });
    }
    verify.finish();
}

/// Aggregated 64-bit proofs for m = 1 … 64.
fn aggregated(c: &mut Criterion) {
    let gens = Generators::new(64).expect("capacity 64 is valid");
    let mut rng = rng();
    let openings: Vec<Opening> = (0..64u64)
        .map(|v| Opening::random(v << 40, &mut rng))
        .collect();
    let refs: Vec<&Opening> = openings.iter().collect();
    let mut prove = c.benchmark_group("bp_prove_aggregated_64bit");
    for m in [1usize, 2, 4, 8, 16, 32, 64] {
        prove.bench_with_input(BenchmarkId::from_parameter(m), &m, |b, &m| {
            b.iter(|| {
                RangeProof::prove_bits(&gens, &refs[..m], BitSize::B64, &mut rng).expect("prove")
            })
        });
    }
    prove.finish();
    let mut verify = c.benchmark_group("bp_verify_aggregated_64bit");
    for m in [1usize, 2, 4, 8, 16, 32, 64] {
        let proof =
            RangeProof::prove_bits(&gens, &refs[..m], BitSize::B64, &mut rng).expect("prove");
        verify.bench_with_input(BenchmarkId::from_parameter(m), &proof, |b, proof| {
            b.iter(|| proof.verify(&gens, &mut rng).expect("valid"))
        });
    }
    verify.finish();
}

/// k independent single 64-bit proofs: one by one (sequential), one by one on all cores,
/// and the combined multiscalar batch check.
fn batch(c: &mut Criterion) {
    let gens = Generators::new(1).expect("capacity 1 is valid");
    let mut rng = rng();
    let proofs: Vec<RangeProof> = (0..256u64)
        .map(|v| {
            let opening = Opening::random(v * 7919, &mut rng);
            RangeProof::prove_bits(&gens, &[&opening], BitSize::B64, &mut rng).expect("prove")
        })
        .collect();
    let mut group = c.benchmark_group("bp_batch_verify_64bit");
    for k in [1usize, 16, 64, 256] {
        group.throughput(Throughput::Elements(k as u64));
        let slice = &proofs[..k];
        group.bench_with_input(BenchmarkId::new("one_by_one", k), slice, |b, proofs| {
            b.iter(|| {
                for proof in proofs {
                    proof.verify(&gens, &mut rng).expect("valid");
                }
            })
        });
        group.bench_with_input(BenchmarkId::new("parallel_each", k), slice, |b, proofs| {
            b.iter(|| {
                assert!(verify_each(&gens, proofs, &mut rng)
                    .iter()
                    .all(Result::is_ok))
            })
        });
        group.bench_with_input(BenchmarkId::new("batch", k), slice, |b, proofs| {
            b.iter(|| verify_batch(&gens, proofs, &mut rng).expect("valid"))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = single, aggregated, batch
}
criterion_main!(benches);
