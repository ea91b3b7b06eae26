//! TFHE scoring benchmarks: our optimised evaluation against the naive high-level-API
//! baseline (same model, same answer asserted before timing, one run), plus key generation,
//! encryption, decryption and sizes. Needs the `tfhe` feature (TFHE-rs compiles for about
//! an hour on 2 cores):
//!
//! `cargo bench --workspace --features conclave-benches/tfhe --bench he_tfhe`
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use conclave_he::scoring::eval::{
    evaluate_naive, evaluate_optimised, partial_products, sum_with_bias,
};
use conclave_he::scoring::model::{Features, LinearModel, KIND_FEATURES, KIND_MODEL};
use conclave_he::scoring::tfhe;
use conclave_he::scoring::{self, encrypt_u16, EncryptedFeatures, EncryptedScore};
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

/// Process CPU time (user + system) in seconds, from `/proc/self/stat` (Linux).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    // After the command name: state is field 3, utime 14 and stime 15 (clock ticks).
    let ticks = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<f64>().ok());
    (ticks(14).unwrap_or(0.0) + ticks(15).unwrap_or(0.0)) / 100.0
}

/// One timed run of each phase of the optimised evaluation, with the CPU time it used
/// (so the use of both cores shows), and the cost of one bootstrap alone and of 16 in
/// parallel. Printed as `PHASES …`.
fn phases(
    key: &tfhe::integer::ServerKey,
    model: &LinearModel,
    radix: &[tfhe::integer::RadixCiphertext],
) {
    fn timed<T>(f: impl FnOnce() -> T) -> (T, f64, f64) {
        let (wall, cpu) = (Instant::now(), cpu_seconds());
        let out = f();
        (out, wall.elapsed().as_secs_f64(), cpu_seconds() - cpu)
    }
    use rayon::prelude::*;
    use tfhe::integer::ciphertext::IntegerCiphertext;
    let (terms, products_wall, products_cpu) =
        timed(|| partial_products(key, model, radix).expect("products"));
    let digit_blocks: usize = terms
        .iter()
        .map(|t| t.blocks().iter().filter(|b| !b.is_trivial()).count())
        .sum();
    let (score, sum_wall, sum_cpu) = timed(|| sum_with_bias(key, model, terms).expect("sum"));
    let (_, ge_wall, ge_cpu) = timed(|| key.scalar_ge_parallelized(&score, model.threshold));
    let short: &tfhe::shortint::ServerKey = key.as_ref();
    let block = &radix[0].blocks()[0];
    let lut = short.generate_lookup_table(|v| v ^ 1);
    let (_, one_wall, _) = timed(|| short.apply_lookup_table(block, &lut));
    let (_, par_wall, par_cpu) = timed(|| {
        (0..16)
            .into_par_iter()
            .map(|_| short.apply_lookup_table(block, &lut))
            .collect::<Vec<_>>()
    });
    eprintln!(
        "PHASES partial_products={products_wall:.2}s(cpu {products_cpu:.2}s, {digit_blocks} digit blocks) \
         sum={sum_wall:.2}s(cpu {sum_cpu:.2}s) decision={ge_wall:.2}s(cpu {ge_cpu:.2}s) \
         one_pbs={one_wall:.3}s sixteen_pbs_parallel={par_wall:.2}s(cpu {par_cpu:.2}s)"
    );
}

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

    phases(&expanded.key, &model, &radix);

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

criterion_group!(benches, tfhe);
criterion_main!(benches);
