//! Threshold ElGamal benchmarks: DKG, encryption, aggregation, verifiable partial
//! decryption and decoding of totals. Fixed seeds; setup outside the timed loops. (TFHE
//! scoring is in `he_tfhe.rs`, behind the `tfhe` feature.)
//!
//! Run: `cargo bench --workspace --bench he`
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use conclave_he::threshold::decrypt::{combine, PartialDecryption};
use conclave_he::threshold::dkg::{Trustee, TrusteeKey};
use conclave_he::threshold::dlog::DlogTable;
use conclave_he::threshold::{Ciphertext, JointPublicKey, ThresholdParams, TrusteeIndex};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

fn dkg(n: u32, t: u32) -> (Vec<TrusteeKey>, JointPublicKey) {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let params = ThresholdParams::new(n, t).expect("params");
    let (r1, m1): (Vec<_>, Vec<_>) = (1..=n)
        .map(|i| Trustee::start(params, TrusteeIndex(i), &mut rng).expect("start"))
        .unzip();
    let (r2, m2): (Vec<_>, Vec<_>) = r1
        .into_iter()
        .map(|s| s.deal(&m1, &mut rng).expect("deal"))
        .unzip();
    let keys: Vec<_> = r2
        .into_iter()
        .map(|s| s.finish(&m2).expect("finish").0)
        .collect();
    let pk = keys[0].public_key().clone();
    (keys, pk)
}

fn elgamal(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let mut group = c.benchmark_group("he_elgamal");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("dkg_3_of_5_all_parties", |b| {
        b.iter(|| black_box(dkg(5, 3)))
    });
    let (keys, pk) = dkg(5, 3);
    group.bench_function("encrypt", |b| {
        b.iter(|| black_box(Ciphertext::encrypt(&pk, 123_456, &mut rng)))
    });
    let cts: Vec<Ciphertext> = (0..1000u64)
        .map(|v| Ciphertext::encrypt(&pk, v * 1_000_003, &mut rng))
        .collect();
    group.bench_function("add_2", |b| {
        b.iter(|| black_box(Ciphertext::sum(&cts[..2]).expect("sum")))
    });
    group.bench_function("aggregate_1000", |b| {
        b.iter(|| black_box(Ciphertext::sum(&cts).expect("sum")))
    });
    let total = Ciphertext::sum(&cts).expect("sum");
    group.bench_function("partial_decrypt", |b| {
        b.iter(|| {
            black_box(PartialDecryption::create(&keys[0], &total, &mut rng).expect("partial"))
        })
    });
    let partials: Vec<_> = keys[..3]
        .iter()
        .map(|k| PartialDecryption::create(k, &total, &mut rng).expect("partial"))
        .collect();
    let table_path = std::env::temp_dir().join("conclave-bench-dlog-20.bin");
    let t0 = std::time::Instant::now();
    let table = DlogTable::load_or_build(&table_path, 20).expect("table");
    eprintln!(
        "TABLE 2^20 load_or_build {:.2} s ({})",
        t0.elapsed().as_secs_f64(),
        table_path.display()
    );
    let expected: u64 = (0..1000u64).map(|v| v * 1_000_003).sum();
    group.bench_function("combine_3_of_5_verify_and_decode_total_about_2^39", |b| {
        b.iter(|| {
            let out = combine(&pk, &total, &partials, &table, 40).expect("combine");
            assert_eq!(out.total, expected);
            black_box(out)
        })
    });
    for bits in [32u32, 40] {
        let v = (1u64 << bits) - 1; // worst case: the last giant step
        let point = curve25519_dalek::scalar::Scalar::from(v)
            * curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
        group.bench_function(
            BenchmarkId::new("decode_worst_case_total", format!("2^{bits}")),
            |b| {
                b.iter(|| {
                    assert_eq!(table.vartime_decode(&point, bits).expect("decode"), v);
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, elgamal);
criterion_main!(benches);
