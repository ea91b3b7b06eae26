//! Zero-knowledge core: Poseidon, Groth16 setup/prove/verify per statement, batch
//! verification against one-by-one, and our prover against the bare ark-groth16 call.
//!
//! Run: `cargo bench -p conclave-benches --bench zk`. Figures: docs/benchmarks.md.
#![allow(missing_docs, clippy::unwrap_used)]

use ark_bn254::{Bn254, Fr};
use ark_ff::UniformRand;
use ark_groth16::Groth16;
use ark_snark::SNARK;
use conclave_circuits::groth16::{self, Proof};
use conclave_circuits::statement::StatementCircuit;
use conclave_circuits::{poseidon, Bounds, Direction, Opening, Statement};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn statements() -> Vec<(&'static str, Statement, Bounds)> {
    vec![
        (
            "threshold32",
            Statement::threshold(32, Direction::AtLeast).unwrap(),
            Bounds::Threshold(650),
        ),
        (
            "threshold64",
            Statement::threshold(64, Direction::AtLeast).unwrap(),
            Bounds::Threshold(650),
        ),
        (
            "range64",
            Statement::range(64).unwrap(),
            Bounds::Range { min: 600, max: 850 },
        ),
    ]
}

fn poseidon_native(c: &mut Criterion) {
    let mut group = c.benchmark_group("poseidon_native");
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for inputs in [2usize, 16] {
        let values: Vec<Fr> = (0..inputs).map(|_| Fr::rand(&mut rng)).collect();
        group.throughput(Throughput::Elements(1));
        group.bench_with_input(BenchmarkId::from_parameter(inputs), &values, |b, values| {
            b.iter(|| poseidon::hash(values).unwrap())
        });
    }
    group.finish();
}

fn groth16_phases(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let opening = Opening::random(712, &mut rng);
    let mut setup = c.benchmark_group("groth16_setup");
    setup.sample_size(10);
    for (name, statement, _) in statements() {
        setup.bench_function(name, |b| {
            b.iter(|| groth16::setup(statement, &mut rng).unwrap())
        });
    }
    setup.finish();
    let mut prove = c.benchmark_group("groth16_prove");
    prove.sample_size(20);
    for (name, statement, bounds) in statements() {
        let (pk, _) = groth16::setup(statement, &mut rng).unwrap();
        prove.bench_function(name, |b| {
            b.iter(|| groth16::prove(&pk, &opening, bounds, &mut rng).unwrap())
        });
    }
    prove.finish();
    let mut verify = c.benchmark_group("groth16_verify");
    for (name, statement, bounds) in statements() {
        let (pk, vk) = groth16::setup(statement, &mut rng).unwrap();
        let proof = groth16::prove(&pk, &opening, bounds, &mut rng).unwrap();
        verify.bench_function(name, |b| b.iter(|| groth16::verify(&vk, &proof).unwrap()));
    }
    verify.finish();
}

/// Our `prove` (native witness check + public inputs + proof) against the bare call.
fn prove_overhead(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let (name, statement, bounds) = statements().remove(0);
    let opening = Opening::random(712, &mut rng);
    let (pk, _) = groth16::setup(statement, &mut rng).unwrap();
    let inputs = statement
        .public_inputs(&opening.commitment(), bounds)
        .unwrap();
    let mut group = c.benchmark_group("groth16_prove_overhead");
    group.sample_size(30);
    group.bench_function(BenchmarkId::new("conclave", name), |b| {
        b.iter(|| groth16::prove(&pk, &opening, bounds, &mut rng).unwrap())
    });
    group.bench_function(BenchmarkId::new("bare_ark_groth16", name), |b| {
        b.iter(|| {
            let circuit = StatementCircuit::new(statement, &opening, inputs.clone());
            Groth16::<Bn254>::prove(pk.ark(), circuit, &mut rng).unwrap()
        })
    });
    group.finish();
}

fn batch_verification(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let statement = Statement::threshold(32, Direction::AtLeast).unwrap();
    let (pk, vk) = groth16::setup(statement, &mut rng).unwrap();
    let proofs: Vec<Proof> = (0..256u64)
        .map(|i| {
            let opening = Opening::random(700 + i, &mut rng);
            groth16::prove(&pk, &opening, Bounds::Threshold(650), &mut rng).unwrap()
        })
        .collect();
    let mut group = c.benchmark_group("groth16_batch_verify");
    group.sample_size(10);
    for n in [1usize, 16, 64, 256] {
        let batch = &proofs[..n];
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("batch", n), batch, |b, batch| {
            b.iter(|| groth16::verify_batch(&vk, batch, &mut rng).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("one_by_one", n), batch, |b, batch| {
            b.iter(|| {
                batch
                    .iter()
                    .for_each(|proof| groth16::verify(&vk, proof).unwrap())
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    poseidon_native,
    groth16_phases,
    prove_overhead,
    batch_verification
);
criterion_main!(benches);
