//! Groth16 statements end to end: completeness, soundness probes, batch verification,
//! pinned constraint counts.

use ark_bn254::Fr;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use conclave_circuits::groth16::{self, Proof, ProvingKey, VerifyingKey};
use conclave_circuits::statement::StatementCircuit;
use conclave_circuits::{Bounds, Direction, Opening, Statement, ZkError};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn keys(statement: Statement) -> (ProvingKey, VerifyingKey) {
    groth16::setup(statement, &mut rng(1)).unwrap()
}

fn at_least(bits: u32) -> Statement {
    Statement::threshold(bits, Direction::AtLeast).unwrap()
}

/// Synthesizes a circuit with an arbitrary (possibly dishonest) witness and public inputs.
fn satisfied(statement: Statement, opening: &Opening, public_inputs: Vec<Fr>) -> (bool, usize) {
    let cs = ConstraintSystem::<Fr>::new_ref();
    StatementCircuit::new(statement, opening, public_inputs)
        .generate_constraints(cs.clone())
        .unwrap();
    (cs.is_satisfied().unwrap(), cs.num_constraints())
}

#[test]
fn constraint_counts_are_pinned() {
    let opening = Opening::random(712, &mut rng(2));
    let c = opening.commitment().0;
    // Poseidon commitment (240) + v < 2^bits (bits) + slack < 2^bits (bits).
    let threshold = |bits| satisfied(at_least(bits), &opening, vec![c, Fr::from(650u64)]);
    assert_eq!(threshold(32), (true, 304));
    assert_eq!(threshold(64), (true, 368));
    let range = Statement::range(32).unwrap();
    let inputs = vec![c, Fr::from(600u64), Fr::from(850u64)];
    assert_eq!(satisfied(range, &opening, inputs), (true, 240 + 3 * 32));
}

#[test]
fn dishonest_witnesses_do_not_satisfy_the_circuits() {
    let mut rng = rng(3);
    let opening = Opening::random(712, &mut rng);
    let c = opening.commitment().0;
    let statement = at_least(32);
    // Wrong blinding: opens to another commitment.
    let wrong_blinding = Opening::random(712, &mut rng);
    assert!(!satisfied(statement, &wrong_blinding, vec![c, Fr::from(650u64)]).0);
    // Value below the threshold.
    let low = Opening::random(600, &mut rng);
    assert!(!satisfied(statement, &low, vec![low.commitment().0, Fr::from(650u64)]).0);
    // Value wider than the statement: 2^32 with threshold 0.
    let wide = Opening::random(1 << 32, &mut rng);
    assert!(!satisfied(statement, &wide, vec![wide.commitment().0, Fr::from(0u64)]).0);
    // At most: value above.
    let at_most = Statement::threshold(32, Direction::AtMost).unwrap();
    assert!(!satisfied(at_most, &opening, vec![c, Fr::from(700u64)]).0);
    assert!(satisfied(at_most, &opening, vec![c, Fr::from(712u64)]).0);
    // Range: outside on either side.
    let range = Statement::range(32).unwrap();
    assert!(!satisfied(range, &opening, vec![c, Fr::from(713u64), Fr::from(800u64)]).0);
    assert!(!satisfied(range, &opening, vec![c, Fr::from(600u64), Fr::from(711u64)]).0);
    assert!(satisfied(range, &opening, vec![c, Fr::from(712u64), Fr::from(712u64)]).0);
    // A threshold that is not below 2^bits is refused by the verifier, not the circuit
    // (as with circomlib's comparators, bounds are public and checked in the clear): see
    // `bounds_at_or_above_two_to_the_bits_are_refused_by_the_verifier`.
}

#[test]
fn bounds_at_or_above_two_to_the_bits_are_refused_by_the_verifier() {
    let (pk, vk) = keys(at_least(32));
    let opening = Opening::random(712, &mut rng(11));
    let proof = groth16::prove(&pk, &opening, Bounds::Threshold(650), &mut rng(12)).unwrap();
    let threshold_offset = 9 + 32 + 1 + 32;
    for bad in [-Fr::from(1u64), Fr::from(1u64 << 32)] {
        let mut bytes = proof.to_bytes();
        let mut encoded = Vec::new();
        ark_serialize::CanonicalSerialize::serialize_compressed(&bad, &mut encoded).unwrap();
        bytes[threshold_offset..threshold_offset + 32].copy_from_slice(&encoded);
        let outcome = Proof::from_bytes(&bytes).and_then(|p| groth16::verify(&vk, &p));
        assert!(
            matches!(
                outcome,
                Err(ZkError::BadParameter {
                    name: "threshold",
                    ..
                })
            ),
            "{outcome:?}"
        );
    }
    assert!(matches!(
        groth16::prove(&pk, &opening, Bounds::Threshold(1 << 32), &mut rng(13)),
        Err(ZkError::BadParameter { .. })
    ));
}

#[test]
fn threshold_proofs_verify_and_changed_inputs_do_not() {
    for bits in [32, 64] {
        let (pk, vk) = keys(at_least(bits));
        let opening = Opening::random(712, &mut rng(4));
        let proof = groth16::prove(&pk, &opening, Bounds::Threshold(650), &mut rng(5)).unwrap();
        groth16::verify(&vk, &proof).unwrap();
        assert_eq!(
            proof.claim().unwrap(),
            format!("the committed {bits}-bit value is >= 650")
        );

        // A public input changed after proving.
        let mut bytes = proof.to_bytes();
        let threshold_offset = 9 + 32 + 1 + 32;
        bytes[threshold_offset] ^= 0x01; // 650 -> 651
        let changed = Proof::from_bytes(&bytes).unwrap();
        assert_eq!(changed.bounds().unwrap(), Bounds::Threshold(651));
        assert!(matches!(
            groth16::verify(&vk, &changed),
            Err(ZkError::InvalidProof)
        ));
        // Another commitment.
        let other = Opening::random(712, &mut rng(6));
        let other_proof = groth16::prove(&pk, &other, Bounds::Threshold(650), &mut rng(7)).unwrap();
        let mut swapped = proof.to_bytes();
        swapped[9 + 33..9 + 33 + 32].copy_from_slice(&other_proof.to_bytes()[9 + 33..9 + 33 + 32]);
        let swapped = Proof::from_bytes(&swapped).unwrap();
        assert!(matches!(
            groth16::verify(&vk, &swapped),
            Err(ZkError::InvalidProof)
        ));
    }
}

#[test]
fn at_most_and_range_statements_work() {
    let opening = Opening::random(712, &mut rng(8));
    let at_most = Statement::threshold(32, Direction::AtMost).unwrap();
    let (pk, vk) = keys(at_most);
    let proof = groth16::prove(&pk, &opening, Bounds::Threshold(800), &mut rng(9)).unwrap();
    groth16::verify(&vk, &proof).unwrap();
    assert!(matches!(
        groth16::prove(&pk, &opening, Bounds::Threshold(700), &mut rng(9)),
        Err(ZkError::Unsatisfied { .. })
    ));

    let (pk, vk) = keys(Statement::range(64).unwrap());
    let bounds = Bounds::Range { min: 600, max: 850 };
    let proof = groth16::prove(&pk, &opening, bounds, &mut rng(10)).unwrap();
    groth16::verify(&vk, &proof).unwrap();
    assert_eq!(
        proof.claim().unwrap(),
        "the committed 64-bit value lies in [600, 850]"
    );
    for bad in [
        Bounds::Range { min: 713, max: 850 },
        Bounds::Range { min: 0, max: 711 },
    ] {
        assert!(matches!(
            groth16::prove(&pk, &opening, bad, &mut rng(10)),
            Err(ZkError::Unsatisfied { .. })
        ));
    }
    assert!(matches!(
        groth16::prove(
            &pk,
            &opening,
            Bounds::Range { min: 900, max: 800 },
            &mut rng(10)
        ),
        Err(ZkError::BadParameter { .. })
    ));
    assert!(matches!(
        groth16::prove(&pk, &opening, Bounds::Threshold(5), &mut rng(10)),
        Err(ZkError::BadParameter { .. })
    ));
}

#[test]
fn prover_refuses_unsatisfiable_claims_with_a_reason() {
    let (pk, _) = keys(at_least(8));
    let wide = Opening::random(300, &mut rng(11));
    assert!(matches!(
        groth16::prove(&pk, &wide, Bounds::Threshold(10), &mut rng(12)),
        Err(ZkError::Unsatisfied { reason }) if reason.contains("wider")
    ));
    assert!(matches!(
        groth16::prove(
            &pk,
            &Opening::random(7, &mut rng(11)),
            Bounds::Threshold(256),
            &mut rng(12)
        ),
        Err(ZkError::BadParameter { .. })
    ));
    for bits in [0, 7, 65, 128] {
        assert!(matches!(
            Statement::threshold(bits, Direction::AtLeast),
            Err(ZkError::UnsupportedBits { .. })
        ));
    }
}

#[test]
fn a_proof_under_another_statements_key_is_an_error_not_invalid() {
    let (pk, _) = keys(at_least(32));
    let (_, other_vk) = groth16::setup(at_least(32), &mut rng(99)).unwrap();
    let (_, range_vk) = keys(Statement::range(32).unwrap());
    let proof = groth16::prove(
        &pk,
        &Opening::random(712, &mut rng(13)),
        Bounds::Threshold(650),
        &mut rng(14),
    )
    .unwrap();
    assert!(matches!(
        groth16::verify(&other_vk, &proof),
        Err(ZkError::KeyMismatch { .. })
    ));
    assert!(matches!(
        groth16::verify(&range_vk, &proof),
        Err(ZkError::KeyMismatch { .. })
    ));
}

#[test]
fn batch_verification_accepts_valid_batches_and_names_bad_proofs() {
    let (pk, vk) = keys(at_least(32));
    let mut rng = rng(15);
    let proofs: Vec<Proof> = (0..12u64)
        .map(|i| {
            let opening = Opening::random(650 + i * 10, &mut rng);
            groth16::prove(&pk, &opening, Bounds::Threshold(600 + i), &mut rng).unwrap()
        })
        .collect();
    groth16::verify_batch(&vk, &proofs, &mut rng).unwrap();
    groth16::verify_batch(&vk, &proofs[..1], &mut rng).unwrap();
    groth16::verify_batch(&vk, &[], &mut rng).unwrap();

    let mut bad = proofs.clone();
    for index in [3, 9] {
        let mut bytes = bad[index].to_bytes();
        bytes[9 + 33 + 32] ^= 0x02; // change the threshold
        bad[index] = Proof::from_bytes(&bytes).unwrap();
    }
    match groth16::verify_batch(&vk, &bad, &mut rng) {
        Err(ZkError::BatchRejected { failing }) => assert_eq!(failing, vec![3, 9]),
        other => panic!("expected a rejected batch, got {other:?}"),
    }
    // Two proofs swapped between statements of one batch: A from one, B/C from another.
    let mut mixed = proofs.clone();
    let mut bytes = mixed[0].to_bytes();
    let donor = proofs[1].to_bytes();
    let proof_start = bytes.len() - 128;
    bytes[proof_start..proof_start + 32].copy_from_slice(&donor[proof_start..proof_start + 32]);
    mixed[0] = Proof::from_bytes(&bytes).unwrap();
    match groth16::verify_batch(&vk, &mixed, &mut rng) {
        Err(ZkError::BatchRejected { failing }) => assert_eq!(failing, vec![0]),
        other => panic!("expected a rejected batch, got {other:?}"),
    }
    let single = groth16::verify_batch(&vk, &bad[3..4], &mut rng);
    assert!(matches!(single, Err(ZkError::BatchRejected { failing }) if failing == vec![0]));
}

/// The verifier's claim, not the prover's: a valid proof of a weaker bound, of the other
/// side, or about another commitment does not prove the claim (and the pairing check is
/// not what rejects it).
#[test]
fn claims_accept_stronger_proofs_and_refuse_weaker_ones() {
    use conclave_circuits::claim::{Interval, Requirement, Side};
    use conclave_circuits::groth16::{verify_claim, Claim};
    let mut rng = rng(11);
    let opening = Opening::random(712, &mut rng);
    let other = Opening::random(712, &mut rng);
    let (pk, vk) = keys(at_least(16));
    let proof = groth16::prove(&pk, &opening, Bounds::Threshold(700), &mut rng).unwrap();
    assert_eq!(
        proof.proven_interval().unwrap(),
        Interval {
            min: 700,
            max: 65_535
        }
    );
    let claim = |commitment, min, max| Claim {
        commitment,
        bounds: Requirement { min, max },
    };
    let mine = Some(opening.commitment());
    for ok in [
        Claim::default(),
        claim(mine, Some(650), None),
        claim(mine, Some(700), Some(65_535)),
        claim(None, None, Some(70_000)),
    ] {
        verify_claim(&vk, &proof, &ok).unwrap();
    }
    assert!(matches!(
        verify_claim(&vk, &proof, &claim(mine, Some(701), None)),
        Err(ZkError::WeakerBound {
            side: Side::Min,
            proven: 700,
            required: 701
        })
    ));
    assert!(matches!(
        verify_claim(&vk, &proof, &claim(mine, None, Some(1_000))),
        Err(ZkError::WeakerBound {
            side: Side::Max,
            proven: 65_535,
            required: 1_000
        })
    ));
    assert!(matches!(
        verify_claim(&vk, &proof, &claim(Some(other.commitment()), None, None)),
        Err(ZkError::OtherCommitment { .. })
    ));

    // At most T establishes [0, T]; a range [min, max].
    let (pk, vk) = keys(Statement::threshold(16, Direction::AtMost).unwrap());
    let proof = groth16::prove(&pk, &opening, Bounds::Threshold(800), &mut rng).unwrap();
    verify_claim(&vk, &proof, &claim(mine, Some(0), Some(800))).unwrap();
    assert!(matches!(
        verify_claim(&vk, &proof, &claim(mine, Some(1), None)),
        Err(ZkError::WeakerBound {
            side: Side::Min,
            proven: 0,
            required: 1
        })
    ));
    let (pk, vk) = keys(Statement::range(16).unwrap());
    let proof = groth16::prove(
        &pk,
        &opening,
        Bounds::Range { min: 600, max: 850 },
        &mut rng,
    )
    .unwrap();
    verify_claim(&vk, &proof, &claim(mine, Some(600), Some(850))).unwrap();
    assert!(matches!(
        verify_claim(&vk, &proof, &claim(mine, Some(600), Some(849))),
        Err(ZkError::WeakerBound {
            side: Side::Max,
            proven: 850,
            required: 849
        })
    ));

    // A proof under another statement's key is refused before any claim is weighed.
    assert!(matches!(
        Claim::default().check(&keys(at_least(16)).1, &proof),
        Err(ZkError::KeyMismatch { .. })
    ));
}
