//! API overhead in instructions, not seconds: runs a fixed number of proofs through our API
//! or through the bare crate call it wraps, so that `valgrind --tool=callgrind` can count
//! the instructions of each (repeatable on a noisy 2-core VM, where criterion's intervals
//! overlap by more than the 5–10 % we want to resolve).
//!
//! ```text
//! cargo bench --workspace --bench api_overhead --no-run
//! BIN=$(ls -t target/release/deps/api_overhead-* | grep -v '\.d$' | head -1)
//! for mode in ours bare; do for n in 0 10; do
//!   valgrind --tool=callgrind --callgrind-out-file=/dev/null $BIN bp-prove $mode $n
//! done; done   # per proof = (I(10) − I(0)) / 10, from "Collected" on stderr
//! ```
//! Workloads: `bp-prove`, `bp-verify` (64-bit Bulletproofs), `groth16-prove` (threshold32).
//! Setup (generators, keys, the proof to verify) is identical for both modes and cancels in
//! the difference. Rayon is held to one thread so that no work escapes the count order.
//!
//! Run without arguments (as `cargo bench` does) it prints this usage and exits.
#![allow(missing_docs)]

use ark_bn254::Bn254;
use ark_groth16::Groth16;
use ark_snark::SNARK;
use bulletproofs::{BulletproofGens, PedersenGens};
use conclave_circuits::bulletproof::{BitSize, Generators, Opening as BpOpening, RangeProof};
use conclave_circuits::groth16;
use conclave_circuits::statement::StatementCircuit;
use conclave_circuits::{Bounds, Direction, Opening, Statement};
use merlin::Transcript;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

const USAGE: &str =
    "usage: api_overhead <bp-prove|bp-verify|groth16-prove> <ours|bare> <iterations>";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = match args.as_slice() {
        [workload, mode, n] => n
            .parse::<usize>()
            .ok()
            .filter(|_| mode == "ours" || mode == "bare")
            .map(|n| (workload.as_str(), mode == "ours", n)),
        _ => None,
    };
    let Some((workload, ours, n)) = parsed else {
        println!("{USAGE}");
        return;
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global()
        .expect("the global pool is configured once, first");
    match workload {
        "bp-prove" => bulletproof_prove(ours, n),
        "bp-verify" => bulletproof_verify(ours, n),
        "groth16-prove" => groth16_prove(ours, n),
        _ => println!("{USAGE}"),
    }
}

fn bulletproof_prove(ours: bool, n: usize) {
    let gens = Generators::new(1).expect("capacity 1 is valid");
    let (bare_bp, bare_pc) = (BulletproofGens::new(64, 1), PedersenGens::default());
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let opening = BpOpening::random(200, &mut rng);
    for _ in 0..n {
        if ours {
            RangeProof::prove_bits(&gens, &[&opening], BitSize::B64, &mut rng).expect("prove");
        } else {
            let mut transcript = Transcript::new(b"bench");
            bulletproofs::RangeProof::prove_single_with_rng(
                &bare_bp,
                &bare_pc,
                &mut transcript,
                opening.value(),
                opening.blinding(),
                64,
                &mut rng,
            )
            .expect("prove");
        }
    }
}

fn bulletproof_verify(ours: bool, n: usize) {
    let gens = Generators::new(1).expect("capacity 1 is valid");
    let (bare_bp, bare_pc) = (BulletproofGens::new(64, 1), PedersenGens::default());
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let opening = BpOpening::random(200, &mut rng);
    let proof = RangeProof::prove_bits(&gens, &[&opening], BitSize::B64, &mut rng).expect("prove");
    let (bare, commitment) = bulletproofs::RangeProof::prove_single_with_rng(
        &bare_bp,
        &bare_pc,
        &mut Transcript::new(b"bench"),
        opening.value(),
        opening.blinding(),
        64,
        &mut rng,
    )
    .expect("prove");
    for _ in 0..n {
        if ours {
            proof.verify(&gens, &mut rng).expect("valid");
        } else {
            bare.verify_single_with_rng(
                &bare_bp,
                &bare_pc,
                &mut Transcript::new(b"bench"),
                &commitment,
                64,
                &mut rng,
            )
            .expect("valid");
        }
    }
}

fn groth16_prove(ours: bool, n: usize) {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let statement = Statement::threshold(32, Direction::AtLeast).expect("valid statement");
    let bounds = Bounds::Threshold(650);
    let opening = Opening::random(712, &mut rng);
    let (pk, _) = groth16::setup(statement, &mut rng).expect("setup");
    let inputs = statement
        .public_inputs(&opening.commitment(), bounds)
        .expect("public inputs");
    for _ in 0..n {
        if ours {
            groth16::prove(&pk, &opening, bounds, &mut rng).expect("prove");
        } else {
            let circuit = StatementCircuit::new(statement, &opening, inputs.clone());
            Groth16::<Bn254>::prove(pk.ark(), circuit, &mut rng).expect("prove");
        }
    }
}
