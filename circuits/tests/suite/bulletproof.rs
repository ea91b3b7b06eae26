//! Public-API tests of `conclave_circuits::bulletproof`: proofs of every supported size,
//! aggregation, intervals, batch verification, and every negative case of issue 3
//! (truncated proofs, a proof for another commitment, unsupported bit sizes,
//! non-power-of-two aggregation, non-canonical encodings, trailing bytes).

use conclave_circuits::bulletproof::{
    proof_length, verify_batch, verify_each, BitSize, Commitment, Generators, Opening, RangeError,
    RangeProof, Statement, TRANSCRIPT_LABEL,
};
use merlin::Transcript;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn single(gens: &Generators, value: u64, bits: BitSize, rng: &mut ChaCha20Rng) -> RangeProof {
    let opening = Opening::random(value, rng);
    RangeProof::prove_bits(gens, &[&opening], bits, rng).unwrap()
}

#[test]
fn single_proofs_for_every_bit_size() {
    let gens = Generators::new(1).unwrap();
    let mut rng = rng(1);
    for bits in BitSize::ALL {
        let top = if bits.get() == 64 {
            u64::MAX
        } else {
            (1u64 << bits.get()) - 1
        };
        for value in [0, 1, top] {
            let proof = single(&gens, value, bits, &mut rng);
            proof.verify(&gens, &mut rng).unwrap();
            assert_eq!(proof.proof_bytes().len(), proof_length(bits, 1));
        }
        if bits.get() < 64 {
            let opening = Opening::random(top + 1, &mut rng);
            assert!(matches!(
                RangeProof::prove_bits(&gens, &[&opening], bits, &mut rng),
                Err(RangeError::ValueTooLarge { .. })
            ));
        }
    }
}

#[test]
fn aggregated_proofs_for_every_power_of_two() {
    let gens = Generators::new(64).unwrap();
    let mut rng = rng(2);
    let openings: Vec<Opening> = (0..64).map(|v| Opening::random(v * 3, &mut rng)).collect();
    let refs: Vec<&Opening> = openings.iter().collect();
    for m in [1, 2, 4, 8, 16, 32, 64] {
        let proof = RangeProof::prove_bits(&gens, &refs[..m], BitSize::B8, &mut rng).unwrap();
        proof.verify(&gens, &mut rng).unwrap();
        assert_eq!(proof.statement().aggregation(), m);
        assert_eq!(
            proof.statement().commitments(),
            openings[..m]
                .iter()
                .map(Opening::commitment)
                .collect::<Vec<_>>()
        );
    }
    // One value out of range spoils the aggregate.
    let big = Opening::random(256, &mut rng);
    assert!(matches!(
        RangeProof::prove_bits(&gens, &[refs[0], &big], BitSize::B8, &mut rng),
        Err(RangeError::ValueTooLarge { bits: 8 })
    ));
}

#[test]
fn aggregation_counts_must_be_powers_of_two() {
    let gens = Generators::new(64).unwrap();
    let mut rng = rng(3);
    let openings: Vec<Opening> = (0..65).map(|v| Opening::random(v, &mut rng)).collect();
    let refs: Vec<&Opening> = openings.iter().collect();
    for m in [0, 3, 5, 6, 7, 12, 63, 65] {
        assert!(
            matches!(
                RangeProof::prove_bits(&gens, &refs[..m], BitSize::B32, &mut rng),
                Err(RangeError::BadAggregationSize { count, .. }) if count == m
            ),
            "m = {m}"
        );
    }
    // A statement built by hand with 3 commitments is refused too.
    let statement = Statement::Bits {
        bits: BitSize::B8,
        commitments: openings[..3].iter().map(Opening::commitment).collect(),
    };
    assert!(matches!(
        statement.validate(),
        Err(RangeError::BadAggregationSize { count: 3, .. })
    ));
    assert!(RangeProof::from_parts(statement, &[0; 32 * 13]).is_err());
    // A binary file claiming 3 values.
    let mut bytes = RangeProof::prove_bits(&gens, &refs[..4], BitSize::B8, &mut rng)
        .unwrap()
        .to_bytes();
    bytes[4] = 3;
    assert!(matches!(
        RangeProof::from_bytes(&bytes),
        Err(RangeError::BadAggregationSize { count: 3, .. })
    ));
    assert!(matches!(
        Generators::new(65),
        Err(RangeError::BadAggregationSize { .. })
    ));
}

#[test]
fn unsupported_bit_sizes_are_refused() {
    for bits in [0, 1, 7, 12, 24, 48, 63, 65, 128, 256] {
        assert!(
            matches!(BitSize::new(bits), Err(RangeError::UnsupportedBitSize { bits: b }) if b == bits)
        );
    }
    let gens = Generators::new(1).unwrap();
    let mut rng = rng(4);
    let proof = single(&gens, 5, BitSize::B16, &mut rng);
    let mut bytes = proof.to_bytes();
    bytes[3] = 12;
    assert!(matches!(
        RangeProof::from_bytes(&bytes),
        Err(RangeError::UnsupportedBitSize { bits: 12 })
    ));
    let json = proof.to_json().replace("\"bits\": 16", "\"bits\": 12");
    assert!(matches!(
        RangeProof::from_json(json.as_bytes()),
        Err(RangeError::UnsupportedBitSize { bits: 12 })
    ));
}

#[test]
fn intervals_prove_both_bounds() {
    let gens = Generators::new(2).unwrap();
    let mut rng = rng(5);
    let opening = Opening::random(39_500, &mut rng);
    let proof = RangeProof::prove_interval(&gens, &opening, 0, 50_000, None, &mut rng).unwrap();
    assert_eq!(proof.statement().bits(), BitSize::B16);
    proof.verify(&gens, &mut rng).unwrap();
    let proof =
        RangeProof::prove_interval(&gens, &opening, 39_000, 40_000, None, &mut rng).unwrap();
    assert_eq!(proof.statement().bits(), BitSize::B16);
    proof.verify(&gens, &mut rng).unwrap();
    // The proof does not carry over to a tighter interval the value is outside of.
    let Statement::Interval {
        bits, commitment, ..
    } = proof.statement().clone()
    else {
        panic!("interval statement expected")
    };
    for (min, max) in [(39_600, 40_000), (39_000, 39_400), (0, 39_499)] {
        let moved = Statement::Interval {
            bits,
            min,
            max,
            commitment,
        };
        let forged = RangeProof::from_parts(moved, proof.proof_bytes()).unwrap();
        assert!(matches!(
            forged.verify(&gens, &mut rng),
            Err(RangeError::VerificationFailed)
        ));
    }
    assert!(matches!(
        RangeProof::prove_interval(&gens, &opening, 40_000, 50_000, None, &mut rng),
        Err(RangeError::ValueOutsideInterval { .. })
    ));
    // An empty interval in a file is refused at decode time.
    let mut bytes = proof.to_bytes();
    bytes[4..12].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(
        RangeProof::from_bytes(&bytes),
        Err(RangeError::EmptyInterval { .. })
    ));
}

#[test]
fn a_proof_for_another_commitment_fails() {
    let gens = Generators::new(2).unwrap();
    let mut rng = rng(6);
    let proof = single(&gens, 1000, BitSize::B32, &mut rng);
    let other = Opening::random(1000, &mut rng).commitment();
    let swapped = Statement::Bits {
        bits: BitSize::B32,
        commitments: vec![other],
    };
    let forged = RangeProof::from_parts(swapped, proof.proof_bytes()).unwrap();
    assert!(matches!(
        forged.verify(&gens, &mut rng),
        Err(RangeError::VerificationFailed)
    ));
    // Also inside a batch, where it is named.
    let good = single(&gens, 1, BitSize::B32, &mut rng);
    match verify_batch(&gens, &[good.clone(), forged.clone(), good], &mut rng) {
        Err(RangeError::BatchFailed { failed, total: 3 }) => assert_eq!(failed, vec![1]),
        other => panic!("{other:?}"),
    }
    // And an interval proof moved to another commitment.
    let opening = Opening::random(10, &mut rng);
    let proof = RangeProof::prove_interval(&gens, &opening, 0, 100, None, &mut rng).unwrap();
    let moved = Statement::Interval {
        bits: BitSize::B8,
        min: 0,
        max: 100,
        commitment: other,
    };
    let forged = RangeProof::from_parts(moved, proof.proof_bytes()).unwrap();
    assert!(matches!(
        forged.verify(&gens, &mut rng),
        Err(RangeError::VerificationFailed)
    ));
}

#[test]
fn truncated_proofs_are_refused_at_every_length() {
    let gens = Generators::new(2).unwrap();
    let mut rng = rng(7);
    let a = Opening::random(1, &mut rng);
    let b = Opening::random(2, &mut rng);
    let proof = RangeProof::prove_bits(&gens, &[&a, &b], BitSize::B16, &mut rng).unwrap();
    let bytes = proof.to_bytes();
    for len in 0..bytes.len() {
        let err = RangeProof::from_bytes(&bytes[..len]).unwrap_err();
        assert!(
            matches!(err, RangeError::Truncated { .. }),
            "len {len}: {err:?}"
        );
    }
    let json = proof.to_json();
    for len in (0..json.len()).step_by(7) {
        assert!(
            RangeProof::decode(&json.as_bytes()[..len]).is_err(),
            "json len {len}"
        );
    }
    // A JSON proof whose base64 lost 32 bytes.
    let short = RangeProof::from_parts(proof.statement().clone(), &proof.proof_bytes()[..32 * 10]);
    assert!(matches!(short, Err(RangeError::Truncated { .. })));
}

#[test]
fn trailing_bytes_are_refused() {
    let gens = Generators::new(1).unwrap();
    let mut rng = rng(8);
    let proof = single(&gens, 3, BitSize::B8, &mut rng);
    for extra in [&[0u8][..], &[0; 32], &[0xff; 64]] {
        let mut bytes = proof.to_bytes();
        bytes.extend_from_slice(extra);
        assert!(
            matches!(RangeProof::from_bytes(&bytes), Err(RangeError::TrailingBytes { extra: n, .. }) if n == extra.len())
        );
        let mut raw = proof.proof_bytes().to_vec();
        raw.extend_from_slice(extra);
        assert!(matches!(
            RangeProof::from_parts(proof.statement().clone(), &raw),
            Err(RangeError::TrailingBytes { .. })
        ));
    }
    let json = format!("{}{{}}", proof.to_json());
    assert!(matches!(
        RangeProof::from_json(json.as_bytes()),
        Err(RangeError::Json(_))
    ));
    let mut c = Opening::random(1, &mut rng).commitment().to_bytes();
    c.push(0);
    assert!(matches!(
        Commitment::from_bytes(&c),
        Err(RangeError::TrailingBytes { .. })
    ));
    assert!(matches!(
        RangeProof::from_bytes(&vec![1u8; 9000]),
        Err(RangeError::TooLarge { .. })
    ));
}

#[test]
fn non_canonical_encodings_are_refused() {
    let gens = Generators::new(1).unwrap();
    let mut rng = rng(9);
    let proof = single(&gens, 77, BitSize::B32, &mut rng);
    let head = proof.to_bytes().len() - proof.proof_bytes().len();
    let elements = proof.proof_bytes().len() / 32;
    let scalar_slots = [4, 5, 6, elements - 2, elements - 1];
    for slot in 0..elements {
        let mut bytes = proof.to_bytes();
        let at = head + slot * 32;
        if scalar_slots.contains(&slot) {
            // 2^256 − 1 is not reduced modulo ℓ: non-canonical.
            bytes[at..at + 32].copy_from_slice(&[0xff; 32]);
            assert!(
                matches!(
                    RangeProof::from_bytes(&bytes),
                    Err(RangeError::NonCanonicalScalar { .. })
                ),
                "slot {slot}"
            );
        } else {
            bytes[at..at + 32].copy_from_slice(&[0xff; 32]);
            assert!(
                matches!(
                    RangeProof::from_bytes(&bytes),
                    Err(RangeError::NonCanonicalPoint { .. })
                ),
                "slot {slot}"
            );
        }
    }
    // The group order ℓ itself (reduces to 0) is not a canonical scalar.
    let ell: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut bytes = proof.to_bytes();
    bytes[head + 4 * 32..head + 5 * 32].copy_from_slice(&ell);
    assert!(matches!(
        RangeProof::from_bytes(&bytes),
        Err(RangeError::NonCanonicalScalar { .. })
    ));
    // A non-canonical commitment inside the statement.
    let mut bytes = proof.to_bytes();
    bytes[5..37].copy_from_slice(&[0xff; 32]);
    assert!(matches!(
        RangeProof::from_bytes(&bytes),
        Err(RangeError::NonCanonicalPoint { .. })
    ));
    // Uppercase hex or non-canonical base64 in JSON.
    let json = proof.to_json();
    let hex = proof.statement().commitments()[0].to_hex();
    let upper = json.replace(&hex, &hex.to_uppercase());
    if upper != json {
        assert!(matches!(
            RangeProof::from_json(upper.as_bytes()),
            Err(RangeError::BadField { .. })
        ));
    }
    let unpadded = json.replace('=', "");
    if unpadded != json {
        assert!(matches!(
            RangeProof::from_json(unpadded.as_bytes()),
            Err(RangeError::BadField { .. })
        ));
    }
    assert!(matches!(
        Commitment::from_compressed_bytes([0xff; 32]),
        Err(RangeError::NonCanonicalPoint { .. })
    ));
}

#[test]
fn every_flipped_byte_is_caught() {
    let gens = Generators::new(1).unwrap();
    let mut rng = rng(10);
    let proof = single(&gens, 123_456, BitSize::B32, &mut rng);
    let bytes = proof.to_bytes();
    // Probe one bit in every 8th byte, covering every field of the file.
    for at in (0..bytes.len()).step_by(8) {
        let mut tampered = bytes.clone();
        tampered[at] ^= 0x02;
        let rejected = match RangeProof::from_bytes(&tampered) {
            Err(_) => true,
            Ok(p) => p.verify(&gens, &mut rng).is_err(),
        };
        assert!(rejected, "flip at byte {at} was accepted");
    }
}

#[test]
fn versions_and_kinds_are_checked() {
    let gens = Generators::new(1).unwrap();
    let mut rng = rng(11);
    let opening = Opening::random(5, &mut rng);
    let proof = single(&gens, 5, BitSize::B8, &mut rng);
    let mut bytes = proof.to_bytes();
    bytes[0] = 2;
    assert!(matches!(
        RangeProof::from_bytes(&bytes),
        Err(RangeError::UnsupportedVersion { version: 2, .. })
    ));
    let json = proof.to_json().replace("\"version\": 1", "\"version\": 9");
    assert!(matches!(
        RangeProof::from_json(json.as_bytes()),
        Err(RangeError::UnsupportedVersion { version: 9, .. })
    ));
    assert!(matches!(
        RangeProof::decode(opening.to_json().as_bytes()),
        Err(RangeError::Json(_) | RangeError::WrongKind { .. })
    ));
    assert!(matches!(
        RangeProof::decode(&opening.to_bytes()),
        Err(RangeError::WrongKind { .. })
    ));
    assert!(matches!(
        Commitment::decode(opening.to_json().as_bytes()),
        Err(RangeError::Json(_) | RangeError::WrongKind { .. })
    ));
}

#[test]
fn generators_too_small_are_an_error_not_a_failure() {
    let big = Generators::new(4).unwrap();
    let small = Generators::new(1).unwrap();
    let mut rng = rng(12);
    let openings: Vec<Opening> = (0..4).map(|v| Opening::random(v, &mut rng)).collect();
    let refs: Vec<&Opening> = openings.iter().collect();
    let proof = RangeProof::prove_bits(&big, &refs, BitSize::B8, &mut rng).unwrap();
    assert!(matches!(
        proof.verify(&small, &mut rng),
        Err(RangeError::GeneratorCapacity {
            needed: 4,
            capacity: 1
        })
    ));
    assert!(matches!(
        verify_batch(&small, &[proof], &mut rng),
        Err(RangeError::GeneratorCapacity { .. })
    ));
}

#[test]
fn transcripts_are_domain_separated() {
    // A proof made with the bare crate under another transcript label does not verify here.
    let gens = Generators::new(1).unwrap();
    let mut rng = rng(13);
    let opening = Opening::random(9, &mut rng);
    let mut transcript = Transcript::new(b"some other protocol");
    let (bare, _) = bulletproofs::RangeProof::prove_single_with_rng(
        gens.bulletproof(),
        gens.pedersen(),
        &mut transcript,
        9,
        opening.blinding(),
        8,
        &mut rng,
    )
    .unwrap();
    let statement = Statement::Bits {
        bits: BitSize::B8,
        commitments: vec![opening.commitment()],
    };
    let ours = RangeProof::from_parts(statement, &bare.to_bytes()).unwrap();
    assert!(matches!(
        ours.verify(&gens, &mut rng),
        Err(RangeError::VerificationFailed)
    ));
    assert!(!TRANSCRIPT_LABEL.is_empty());
}

#[test]
fn batch_verification_names_every_bad_proof() {
    let gens = Generators::new(4).unwrap();
    let mut rng = rng(14);
    let mut proofs: Vec<RangeProof> = (0..16)
        .map(|i| single(&gens, i, BitSize::ALL[(i % 4) as usize], &mut rng))
        .collect();
    verify_batch(&gens, &proofs, &mut rng).unwrap();
    verify_batch(&gens, &proofs[..1], &mut rng).unwrap();
    verify_batch(&gens, &[], &mut rng).unwrap();
    assert!(verify_each(&gens, &proofs, &mut rng)
        .iter()
        .all(Result::is_ok));
    // Break proofs 3 and 12 (proof 12 by swapping in proof 8's commitment: same size).
    let mut bytes = proofs[3].to_bytes();
    let n = bytes.len();
    bytes[n - 40] ^= 1; // inside scalar `a`
    proofs[3] = RangeProof::from_bytes(&bytes).unwrap();
    let stolen = Statement::Bits {
        bits: proofs[12].statement().bits(),
        commitments: proofs[8].statement().commitments(),
    };
    proofs[12] = RangeProof::from_parts(stolen, proofs[12].proof_bytes()).unwrap();
    match verify_batch(&gens, &proofs, &mut rng) {
        Err(RangeError::BatchFailed { failed, total: 16 }) => assert_eq!(failed, vec![3, 12]),
        other => panic!("{other:?}"),
    }
    let each = verify_each(&gens, &proofs, &mut rng);
    let bad: Vec<usize> = each
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_err())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(bad, vec![3, 12]);
    assert!(RangeError::BatchFailed {
        failed: vec![],
        total: 0
    }
    .is_invalid_proof());
    assert!(!RangeError::UnsupportedBitSize { bits: 3 }.is_invalid_proof());
}

#[test]
fn total_debt_scenario() {
    let gens = Generators::new(2).unwrap();
    let mut rng = rng(15);
    let openings: Vec<Opening> = [18_000, 12_500, 9_000]
        .iter()
        .map(|&v| Opening::random(v, &mut rng))
        .collect();
    let commitments: Vec<Commitment> = openings.iter().map(Opening::commitment).collect();
    let total = Commitment::sum(&commitments);
    let total_opening = Opening::sum(&openings).unwrap();
    total_opening.check_opens(&total).unwrap();
    let proof =
        RangeProof::prove_interval(&gens, &total_opening, 0, 50_000, None, &mut rng).unwrap();
    let decoded = RangeProof::decode(proof.to_json().as_bytes()).unwrap();
    assert_eq!(decoded, proof);
    assert_eq!(decoded.statement().commitments(), vec![total]);
    decoded.verify(&gens, &mut rng).unwrap();
    // A limit below the total cannot be proved.
    assert!(RangeProof::prove_interval(&gens, &total_opening, 0, 39_499, None, &mut rng).is_err());
    // A lender who lies about its opening is caught by the customer.
    let lie = Opening::from_parts(1, *openings[0].blinding());
    assert!(lie.check_opens(&commitments[0]).is_err());
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        #[test]
        fn openings_add_like_commitments(values in proptest::collection::vec(0u64..(1 << 40), 1..6), seed in any::<u64>()) {
            let mut rng = ChaCha20Rng::seed_from_u64(seed);
            let openings: Vec<Opening> = values.iter().map(|&v| Opening::random(v, &mut rng)).collect();
            let commitments: Vec<Commitment> = openings.iter().map(Opening::commitment).collect();
            let total = Opening::sum(&openings).unwrap();
            prop_assert_eq!(total.value(), values.iter().sum::<u64>());
            prop_assert_eq!(total.commitment(), Commitment::sum(&commitments));
            let back = Opening::decode(total.to_json().as_bytes()).unwrap();
            prop_assert_eq!(back.commitment(), total.commitment());
            let back = Commitment::decode(&commitments[0].to_bytes()).unwrap();
            prop_assert_eq!(back, commitments[0]);
        }

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..800)) {
            let _ = RangeProof::decode(&bytes);
            let _ = Commitment::decode(&bytes);
            let _ = Opening::decode(&bytes);
        }
    }
}

/// The verifier's claim decides, not the statement the prover chose: an interval inside
/// the required bounds proves them, a wider one or another commitment does not.
#[test]
fn claims_accept_stronger_proofs_and_refuse_weaker_ones() {
    use conclave_circuits::bulletproof::Claim;
    use conclave_circuits::claim::{Interval, Requirement, Side};
    let mut rng = rng(21);
    let gens = Generators::new(2).unwrap();
    let opening = Opening::random(39_500, &mut rng);
    let other = Opening::random(39_500, &mut rng);
    let proof = RangeProof::prove_interval(&gens, &opening, 100, 40_000, None, &mut rng).unwrap();
    assert_eq!(
        proof.statement().proven_interval(),
        Interval {
            min: 100,
            max: 40_000
        }
    );
    let claim = |commitments, min, max| Claim {
        commitments,
        bounds: Requirement { min, max },
    };
    let mine = Some(vec![opening.commitment()]);
    for ok in [
        Claim::default(),
        claim(mine.clone(), Some(0), Some(50_000)),
        claim(mine.clone(), Some(100), Some(40_000)),
    ] {
        ok.check(&proof).unwrap();
    }
    assert!(matches!(
        claim(mine.clone(), None, Some(39_999)).check(&proof),
        Err(RangeError::WeakerBound {
            side: Side::Max,
            proven: 40_000,
            required: 39_999
        })
    ));
    assert!(matches!(
        claim(mine.clone(), Some(101), None).check(&proof),
        Err(RangeError::WeakerBound {
            side: Side::Min,
            proven: 100,
            required: 101
        })
    ));
    assert!(matches!(
        claim(Some(vec![other.commitment()]), None, None).check(&proof),
        Err(RangeError::OtherCommitment { .. })
    ));
    // A bits proof establishes [0, 2^bits − 1].
    let bits = single(&gens, 200, BitSize::B8, &mut rng);
    assert_eq!(
        bits.statement().proven_interval(),
        Interval { min: 0, max: 255 }
    );
    claim(None, Some(0), Some(255)).check(&bits).unwrap();
    assert!(claim(None, None, Some(254)).check(&bits).is_err());
}
