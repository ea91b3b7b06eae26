//! Zero-knowledge core: Poseidon, Groth16 setup/prove/verify per statement, batch
//! verification against one-by-one, our prover against the bare ark-groth16 call,
//! proving-key loading (hashed version 2, compact version 1, arkworks' checked
//! deserialization) for the threshold key and a synthetic 2^14-constraint key, beside
//! proving with that key (arkworks' prover and from stored matrices), and the issue-16
//! two-credential predicate proof (stored matrices against arkworks' synthesis, key
//! loading).
//!
//! Run: `cargo bench -p conclave-benches --bench zk`. Figures: docs/benchmarks.md.
#![allow(missing_docs, clippy::unwrap_used)]

use ark_bn254::{Bn254, Fr};
use ark_ff::{Field, UniformRand};
use ark_groth16::Groth16;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use ark_relations::lc;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use ark_snark::SNARK;
use conclave_circuits::credential::holder::HolderSecret;
use conclave_circuits::credential::{Attributes, Credential, CredentialBody, Days, Schema};
use conclave_circuits::eddsa::SecretKey;
use conclave_circuits::formats::proving_key::{self, ArkProvingKey};
use conclave_circuits::groth16::{self, Proof, ProverKey, ProvingKey};
use conclave_circuits::statement::predicate::{
    self, PredicateProvingKey, PredicateStatement, ProverInputs,
};
use conclave_circuits::statement::StatementCircuit;
use conclave_circuits::{poseidon, Bounds, Direction, Opening, Statement};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::collections::BTreeMap;

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

/// x_{i+1} = x_i² for `steps` steps: one constraint per step, the last value public
/// (the chain of `conclave bench zk`).
struct ChainCircuit {
    start: Option<Fr>,
    steps: usize,
}

impl ConstraintSynthesizer<Fr> for ChainCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let mut value = self.start;
        let mut x = cs.new_witness_variable(|| value.ok_or(SynthesisError::AssignmentMissing))?;
        for step in 0..self.steps {
            value = value.map(|v| v.square());
            let next = || value.ok_or(SynthesisError::AssignmentMissing);
            let y = if step + 1 == self.steps {
                cs.new_input_variable(next)?
            } else {
                cs.new_witness_variable(next)?
            };
            cs.enforce_r1cs_constraint(|| lc!() + x, || lc!() + x, || lc!() + y)?;
            x = y;
        }
        Ok(())
    }
}

/// Loading a proving key from its bytes in memory (the file read is not timed): the hashed
/// form `setup` writes, the compact form, and arkworks' own checked decoding (what version
/// 1 loading was before the hashed form); proving with the big key for scale.
fn key_loading(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let mut group = c.benchmark_group("groth16_key_load");
    group.sample_size(10);
    let (pk, _) = groth16::setup(statements()[0].1, &mut rng).unwrap();
    let (hashed, compact) = (pk.to_bytes(), pk.to_compact_bytes());
    let mut ark_compressed = Vec::new();
    pk.ark().serialize_compressed(&mut ark_compressed).unwrap();
    group.bench_function(BenchmarkId::new("hashed_v2", "threshold32"), |b| {
        b.iter(|| ProvingKey::from_bytes(&hashed).unwrap())
    });
    group.bench_function(BenchmarkId::new("compact_v1", "threshold32"), |b| {
        b.iter(|| ProvingKey::from_bytes(&compact).unwrap())
    });
    group.bench_function(BenchmarkId::new("arkworks_checked", "threshold32"), |b| {
        b.iter(|| ArkProvingKey::deserialize_compressed(&ark_compressed[..]).unwrap())
    });

    let steps = 1usize << 14;
    let blank = ChainCircuit { start: None, steps };
    let (key, _) = Groth16::<Bn254>::circuit_specific_setup(blank, &mut rng).unwrap();
    let header = b"CNCLbench".to_vec();
    let hashed = proving_key::write_hashed(header.clone(), &key);
    let mut compact = Vec::new();
    proving_key::write_compact(&mut compact, &key);
    let name = "chain16384";
    group.bench_function(BenchmarkId::new("hashed_v2", name), |b| {
        b.iter(|| proving_key::read_hashed("k", &header, &hashed[header.len()..]).unwrap())
    });
    group.bench_function(BenchmarkId::new("compact_v1", name), |b| {
        b.iter(|| proving_key::read_compact("k", &compact).unwrap())
    });
    group.bench_function(BenchmarkId::new("arkworks_checked", name), |b| {
        b.iter(|| ArkProvingKey::deserialize_compressed(&compact[..]).unwrap())
    });
    let start = Fr::from(7u64);
    group.bench_function(BenchmarkId::new("prove_for_scale", name), |b| {
        b.iter(|| {
            let circuit = ChainCircuit {
                start: Some(start),
                steps,
            };
            Groth16::<Bn254>::prove(&key, circuit, &mut rng).unwrap()
        })
    });
    let with_matrices = ProverKey::setup(
        || ChainCircuit { start: None, steps },
        &mut ChaCha20Rng::seed_from_u64(6),
    )
    .unwrap()
    .0;
    group.bench_function(BenchmarkId::new("prove_stored_matrices", name), |b| {
        b.iter(|| {
            let circuit = ChainCircuit {
                start: Some(start),
                steps,
            };
            with_matrices.prove(circuit, &mut rng).unwrap()
        })
    });
    group.finish();
}

/// The two-credential example (docs/credentials.md, "Speed"): bureau score, bank
/// income and debt, both credentials bound to one holder, `$now`, scope and nullifier.
const EXAMPLE: &str = "bureau.score >= 650 && bank.debt < 20000 && bank.income >= 3 * bank.debt";

fn example_credential(
    schema: &Schema,
    attributes: &[u8],
    holder: &HolderSecret,
    rng: &mut ChaCha20Rng,
) -> Credential {
    let attributes = Attributes::from_json(schema, attributes).unwrap();
    CredentialBody::new(
        attributes,
        holder.public_key(),
        Days::parse("2026-11-01", "issued").unwrap(),
        Days::parse("2027-12-31", "expires").unwrap(),
        CredentialBody::random_revocation_id(rng),
    )
    .unwrap()
    .sign(&SecretKey::random(rng))
    .unwrap()
}

/// `predicate_prove/stored_matrices`: what `conclave zk prove` does after reading its
/// files, with the key `zk setup` writes (version 3, matrices stored);
/// `predicate_prove/arkworks_synthesis`: the same key without matrices (a version 2 file),
/// proved by `Groth16::prove`, which builds and inlines the constraint system;
/// `predicate_key_load/v3`: decoding that key file from memory.
fn predicate_proving(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let bureau = Schema::from_json(include_bytes!(
        "../../examples/data/credit-score.schema.json"
    ))
    .unwrap();
    let bank = Schema::from_json(include_bytes!(
        "../../examples/data/bank-account.schema.json"
    ))
    .unwrap();
    let holder = HolderSecret::from_secret_key(&SecretKey::random(&mut rng));
    let credentials = BTreeMap::from([
        (
            "bureau".to_owned(),
            example_credential(
                &bureau,
                include_bytes!("../../examples/data/alice-score.json"),
                &holder,
                &mut rng,
            ),
        ),
        (
            "bank".to_owned(),
            example_credential(
                &bank,
                include_bytes!("../../examples/data/alice-bank.json"),
                &holder,
                &mut rng,
            ),
        ),
    ]);
    let statement = PredicateStatement::new(
        EXAMPLE,
        BTreeMap::from([("bureau".to_owned(), bureau), ("bank".to_owned(), bank)]),
    )
    .unwrap();
    let (pk, _) = predicate::setup(statement, &mut rng).unwrap();
    let bytes = pk.to_bytes();
    // The same key as a version 2 file (no matrices): header from the compact form.
    let compact = pk.to_compact_bytes();
    let statement_len = u32::from_be_bytes(compact[8..12].try_into().unwrap()) as usize;
    let mut header = b"CNCLPPK2".to_vec();
    header.extend_from_slice(&compact[8..12 + statement_len]);
    let ark_key = ArkProvingKey::deserialize_compressed(&compact[12 + statement_len..]).unwrap();
    let old =
        PredicateProvingKey::from_bytes(&proving_key::write_hashed(header, &ark_key)).unwrap();
    let params = BTreeMap::from([("now".to_owned(), "2026-12-02".to_owned())]);
    let inputs = ProverInputs {
        credentials: &credentials,
        holder: &holder,
        scope: "lender-x/2026",
        params: &params,
    };

    let mut group = c.benchmark_group("predicate_prove");
    group.sample_size(10);
    group.bench_function("stored_matrices", |b| {
        b.iter(|| predicate::prove(&pk, &inputs, &mut rng).unwrap())
    });
    group.bench_function("arkworks_synthesis", |b| {
        b.iter(|| predicate::prove(&old, &inputs, &mut rng).unwrap())
    });
    group.finish();
    let mut group = c.benchmark_group("predicate_key_load");
    group.sample_size(10);
    group.bench_function("v3", |b| {
        b.iter(|| PredicateProvingKey::from_bytes(&bytes).unwrap())
    });
    group.finish();
}

criterion_group!(
    benches,
    predicate_proving,
    key_loading,
    poseidon_native,
    groth16_phases,
    prove_overhead,
    batch_verification
);
criterion_main!(benches);
