//! Homomorphic-encryption benchmarks: TFHE scoring (ours vs the naive baseline, in the
//! same run) and threshold ElGamal. Fixed seeds; setup outside the timed loops; small
//! sample sizes (TFHE operations take seconds).
//!
//! Run: `cargo bench -p conclave-benches --bench he`
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use conclave_he::scoring::eval::{evaluate_naive, evaluate_optimised};
use conclave_he::scoring::model::{Features, LinearModel, KIND_FEATURES, KIND_MODEL};
use conclave_he::scoring::{self, encrypt_u16, EncryptedFeatures, EncryptedScore};
use conclave_he::threshold::decrypt::{combine, PartialDecryption};
use conclave_he::threshold::dkg::{Trustee, TrusteeKey};
use conclave_he::threshold::dlog::DlogTable;
use conclave_he::threshold::{Ciphertext, JointPublicKey, ThresholdParams, TrusteeIndex};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

fn model8() -> LinearModel {
    LinearModel {
        version: 1,
        kind: KIND_MODEL.into(),
        feature_bits: 8,
        score_bits: 16,
        weights: vec![12, 7, 30, 3, 25, 9, 14, 20],
        bias: 150,
        threshold: 15_000,
    }
}

const VALUES: [u64; 8] = [210, 45, 180, 90, 33, 250, 17, 128];

fn tfhe(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(42);
    let model = model8();
    let features = Features {
        version: 1,
        kind: KIND_FEATURES.into(),
        bits: 8,
        values: VALUES.to_vec(),
    };
    let mut group = c.benchmark_group("he_tfhe");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    group.bench_function("keygen_client_and_compressed_server", |b| {
        b.iter(|| black_box(scoring::generate_keys(&mut rng).expect("keygen")))
    });
    let (ck, sk) = scoring::generate_keys(&mut rng).expect("keygen");
    let expanded = sk.expand().expect("expand");
    let hl = sk.high_level();
    group.bench_function("server_key_decompress", |b| {
        b.iter(|| black_box(sk.expand().expect("expand")))
    });
    group.bench_function("encrypt_8xFheUint8_compressed_list", |b| {
        b.iter(|| black_box(EncryptedFeatures::encrypt(&ck, &features).expect("encrypt")))
    });
    let input = EncryptedFeatures::encrypt(&ck, &features).expect("encrypt");
    let radix = input.expand(&expanded).expect("expand");
    let naive_in = encrypt_u16(&ck, &VALUES);
    let (want_score, want_decision) = model.evaluate(&VALUES).expect("plain");
    // Same answer from both evaluators before timing them.
    let (ns, nd) = evaluate_naive(&hl, &model, &naive_in).expect("naive");
    assert_eq!(
        (
            scoring::decrypt_u16(&ck, &ns),
            scoring::decrypt_bool(&ck, &nd)
        ),
        (want_score, want_decision)
    );
    let ours = scoring::score(&expanded, &model, &input).expect("score");
    assert_eq!(
        scoring::decrypt(&ck, &ours).expect("decrypt"),
        (want_score, want_decision)
    );

    group.bench_function(
        BenchmarkId::new("score_8_features", "naive_FheUint16"),
        |b| b.iter(|| black_box(evaluate_naive(&hl, &model, &naive_in).expect("naive"))),
    );
    group.bench_function(BenchmarkId::new("score_8_features", "optimised"), |b| {
        b.iter(|| black_box(evaluate_optimised(&expanded.key, &model, &radix).expect("ours")))
    });
    group.bench_function("score_8_features_end_to_end_incl_list_decompression", |b| {
        b.iter(|| black_box(scoring::score(&expanded, &model, &input).expect("score")))
    });
    let result_bytes = ours.to_bytes().expect("bytes");
    group.bench_function("decrypt_score_and_decision", |b| {
        b.iter(|| {
            let r = EncryptedScore::from_bytes(&result_bytes, &ck).expect("result");
            black_box(scoring::decrypt(&ck, &r).expect("decrypt"))
        })
    });
    group.finish();

    // Sizes (compressed and not).
    let sk_bytes = sk.to_bytes().expect("sk").len();
    let mut full = Vec::new();
    tfhe::safe_serialization::safe_serialize(&hl, &mut full, 1 << 32).expect("serialize");
    let list_bytes = input.to_bytes().expect("list").len();
    let mut uncompressed = 0usize;
    for ct in encrypt_u16(&ck, &VALUES[..1]) {
        let mut v = Vec::new();
        tfhe::safe_serialization::safe_serialize(&ct, &mut v, 1 << 30).expect("serialize");
        uncompressed += v.len();
    }
    let mut one_u8 = Vec::new();
    let x: tfhe::FheUint8 = tfhe::prelude::FheEncrypt::encrypt(7u8, client_of(&ck));
    tfhe::safe_serialization::safe_serialize(&x, &mut one_u8, 1 << 30).expect("serialize");
    eprintln!(
        "SIZES server_key_compressed={sk_bytes} server_key_uncompressed={} features_8xFheUint8_compressed_list={list_bytes} \
         one_FheUint8_uncompressed={} one_FheUint16_uncompressed={uncompressed} result={}",
        full.len(),
        one_u8.len(),
        result_bytes.len()
    );
}

fn client_of(ck: &scoring::ClientKeyBundle) -> &tfhe::ClientKey {
    ck.client_key()
}

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
    group.bench_function("combine_3_of_5_verify_and_decode_total_2^29", |b| {
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

criterion_group!(benches, elgamal, tfhe);
criterion_main!(benches);
