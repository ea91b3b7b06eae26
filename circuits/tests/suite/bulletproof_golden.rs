//! Golden range-proof files: proofs written once (seeded ChaCha20, see
//! `tests/vectors/bulletproof/README.md`) must keep decoding, re-encoding byte for byte,
//! and verifying — so neither our file format nor the transcript can change silently.
//!
//! Regenerate (only on a deliberate format change, with a version bump):
//! `CONCLAVE_REGENERATE_VECTORS=1 cargo test --release -p conclave-circuits --test suite -- --ignored regenerate`

use std::path::PathBuf;

use conclave_circuits::bulletproof::{
    verify_batch, BitSize, Commitment, Generators, Opening, RangeError, RangeProof, Statement,
};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/bulletproof")
}

/// The golden proofs, exactly as generated: name, proof.
fn generate() -> Vec<(&'static str, RangeProof, Vec<Opening>)> {
    let gens = Generators::new(4).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(20_261_124);
    let lenders: Vec<Opening> = [18_000u64, 12_500, 9_000]
        .iter()
        .map(|&v| Opening::random(v, &mut rng))
        .collect();
    let total = Opening::sum(&lenders).unwrap();
    let single64 = RangeProof::prove_bits(&gens, &[&lenders[0]], BitSize::B64, &mut rng).unwrap();
    let single8 = Opening::random(200, &mut rng);
    let single8_proof = RangeProof::prove_bits(&gens, &[&single8], BitSize::B8, &mut rng).unwrap();
    let pad = Opening::random(0, &mut rng);
    let agg = RangeProof::prove_bits(
        &gens,
        &[&lenders[0], &lenders[1], &lenders[2], &pad],
        BitSize::B32,
        &mut rng,
    )
    .unwrap();
    let interval = RangeProof::prove_interval(&gens, &total, 0, 50_000, None, &mut rng).unwrap();
    vec![
        ("single-64.json", single64, vec![]),
        ("single-8.bin", single8_proof, vec![single8]),
        ("aggregated-4x32.json", agg, vec![]),
        ("interval-total-debt.json", interval, vec![total]),
    ]
}

fn encode(name: &str, proof: &RangeProof) -> Vec<u8> {
    if name.ends_with(".bin") {
        proof.to_bytes()
    } else {
        proof.to_json().into_bytes()
    }
}

#[test]
#[ignore = "writes the golden files; run only on a deliberate format change"]
fn regenerate_golden_vectors() {
    if std::env::var_os("CONCLAVE_REGENERATE_VECTORS").is_none() {
        return;
    }
    std::fs::create_dir_all(dir()).unwrap();
    for (name, proof, openings) in generate() {
        std::fs::write(dir().join(name), encode(name, &proof)).unwrap();
        for (i, opening) in openings.iter().enumerate() {
            let stem = name.split('.').next().unwrap();
            std::fs::write(
                dir().join(format!("{stem}.opening{i}.json")),
                opening.to_json().as_bytes(),
            )
            .unwrap();
        }
    }
}

#[test]
fn golden_proofs_still_decode_reencode_and_verify() {
    let gens = Generators::new(4).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut all = Vec::new();
    for (name, _, _) in generate() {
        let bytes = std::fs::read(dir().join(name)).unwrap_or_else(|e| {
            panic!("{name}: {e} (generate once with the command in this file's header)")
        });
        let proof = RangeProof::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(encode(name, &proof), bytes, "{name} re-encodes differently");
        proof
            .verify(&gens, &mut rng)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // Flip one bit of the proof part: must not verify.
        let mut tampered = proof.to_bytes();
        let at = tampered.len() - 64;
        tampered[at] ^= 1;
        let tampered = RangeProof::from_bytes(&tampered).unwrap();
        assert!(
            matches!(
                tampered.verify(&gens, &mut rng),
                Err(RangeError::VerificationFailed)
            ),
            "{name}"
        );
        all.push(proof);
    }
    verify_batch(&gens, &all, &mut rng).unwrap();
    // The statements are what the README says.
    match all[3].statement() {
        Statement::Interval {
            bits,
            min: 0,
            max: 50_000,
            commitment,
        } => {
            assert_eq!(*bits, BitSize::B16);
            let opening = Opening::decode(
                &std::fs::read(dir().join("interval-total-debt.opening0.json")).unwrap(),
            )
            .unwrap();
            assert_eq!(opening.value(), 39_500);
            assert_eq!(opening.commitment(), *commitment);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(all[2].statement().aggregation(), 4);
    assert_eq!(all[0].proof_bytes().len(), 672);
    let c: Commitment = all[1].statement().commitments()[0];
    let opening =
        Opening::decode(&std::fs::read(dir().join("single-8.opening0.json")).unwrap()).unwrap();
    opening.check_opens(&c).unwrap();
}

#[test]
fn prover_is_deterministic_for_a_seed() {
    // Regenerating with the same seed gives the same bytes (the golden files are reproducible).
    for (name, proof, _) in generate() {
        let on_disk = std::fs::read(dir().join(name)).unwrap();
        assert_eq!(encode(name, &proof), on_disk, "{name}");
    }
}
