//! Public-API tests of the threshold ElGamal scheme: DKG, any t of n decrypt, t − 1
//! cannot, forged partial decryptions are rejected and named, totals match plaintext.

use conclave_he::threshold::decrypt::{
    combine, combine_point, lagrange_at_zero, result_record, PartialDecryption,
};
use conclave_he::threshold::dkg::{
    Round1Message, Round2Message, Trustee, TrusteeKey, TrusteeState,
};
use conclave_he::threshold::dlog::DlogTable;
use conclave_he::threshold::{Ciphertext, JointPublicKey, ThresholdParams, TrusteeIndex};
use conclave_he::Error;
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek::scalar::Scalar;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// Runs the DKG in memory; returns every trustee's key and the joint key.
fn dkg(n: u32, t: u32, seed: u64) -> (Vec<TrusteeKey>, JointPublicKey) {
    let mut rng = rng(seed);
    let params = ThresholdParams::new(n, t).expect("params");
    let (r1, m1): (Vec<_>, Vec<Round1Message>) = (1..=n)
        .map(|i| Trustee::start(params, TrusteeIndex(i), &mut rng).expect("start"))
        .unzip();
    let (r2, m2): (Vec<_>, Vec<Round2Message>) = r1
        .into_iter()
        .map(|s| s.deal(&m1, &mut rng).expect("deal"))
        .unzip();
    let mut keys = Vec::new();
    let mut pks = Vec::new();
    for s in r2 {
        let (k, pk) = s.finish(&m2).expect("finish");
        keys.push(k);
        pks.push(pk);
    }
    assert!(
        pks.windows(2).all(|w| w[0] == w[1]),
        "all trustees derive the same key"
    );
    (keys, pks.remove(0))
}

fn table() -> DlogTable {
    DlogTable::build(10).expect("table")
}

#[test]
fn any_t_of_n_decrypt_the_sum() {
    let (keys, pk) = dkg(5, 3, 1);
    let mut r = rng(2);
    let values: Vec<u64> = (0..40).map(|i| (i * 7_919 + 13) % 100_000).collect();
    let cts: Vec<Ciphertext> = values
        .iter()
        .map(|&v| Ciphertext::encrypt(&pk, v, &mut r))
        .collect();
    let total = Ciphertext::sum(&cts).expect("sum");
    assert_eq!(total.inputs.len(), 40);
    let expected: u64 = values.iter().sum();
    let table = table();
    // Every 3-subset of 5 trustees.
    for a in 0..5 {
        for b in a + 1..5 {
            for c in b + 1..5 {
                let partials: Vec<_> = [a, b, c]
                    .iter()
                    .map(|&i| PartialDecryption::create(&keys[i], &total, &mut r).expect("partial"))
                    .collect();
                let out = combine(&pk, &total, &partials, &table, 32).expect("combine");
                assert_eq!(out.total, expected, "subset {a},{b},{c}");
                assert!(out.rejected.is_empty());
            }
        }
    }
}

#[test]
fn t_minus_one_cannot_decrypt() {
    let (keys, pk) = dkg(4, 3, 3);
    let mut r = rng(4);
    let ct = Ciphertext::encrypt(&pk, 4242, &mut r);
    let partials: Vec<_> = keys[..2]
        .iter()
        .map(|k| PartialDecryption::create(k, &ct, &mut r).expect("partial"))
        .collect();
    match combine(&pk, &ct, &partials, &table(), 20) {
        Err(Error::NotEnoughShares {
            needed: 3,
            valid: 2,
            ..
        }) => {}
        other => panic!("expected NotEnoughShares, got {other:?}"),
    }
    // Interpolating only two shares (as if t were 2) does not give the plaintext.
    let set = [1u32, 2];
    let mask = partials
        .iter()
        .map(|p| {
            let d = conclave_he::encoding::point_from_hex("d", &p.share).expect("point");
            lagrange_at_zero(p.trustee, &set) * d
        })
        .fold(
            curve25519_dalek::ristretto::RistrettoPoint::default(),
            |a, b| a + b,
        );
    assert_ne!(
        ct.b - mask,
        Scalar::from(4242u64) * RISTRETTO_BASEPOINT_POINT
    );
}

#[test]
fn forged_partial_decryption_is_rejected_and_named() {
    let (keys, pk) = dkg(3, 2, 5);
    let mut r = rng(6);
    let ct = Ciphertext::sum(&[
        Ciphertext::encrypt(&pk, 10, &mut r),
        Ciphertext::encrypt(&pk, 32, &mut r),
    ])
    .expect("sum");
    let honest1 = PartialDecryption::create(&keys[0], &ct, &mut r).expect("p1");
    let honest3 = PartialDecryption::create(&keys[2], &ct, &mut r).expect("p3");
    // Trustee 2 publishes a wrong share D' = D + G with the old proof.
    let mut forged = PartialDecryption::create(&keys[1], &ct, &mut r).expect("p2");
    let d = conclave_he::encoding::point_from_hex("d", &forged.share).expect("point");
    forged.share = conclave_he::encoding::point_hex(&(d + RISTRETTO_BASEPOINT_POINT));
    assert!(matches!(
        forged.verify(&pk, &ct),
        Err(Error::InvalidPartialDecryption { trustee: 2, .. })
    ));
    // Combining with the forgery first still yields the right total, and names trustee 2.
    let out = combine(
        &pk,
        &ct,
        &[forged.clone(), honest1.clone(), honest3],
        &table(),
        16,
    )
    .expect("combine");
    assert_eq!(out.total, 42);
    assert_eq!(out.used, vec![1, 3]);
    assert_eq!(out.rejected.len(), 1);
    assert_eq!(out.rejected[0].0, 2);
    // With only the forgery and one honest share: not enough, and 2 is named.
    match combine(&pk, &ct, &[forged, honest1.clone()], &table(), 16) {
        Err(Error::NotEnoughShares { rejected, .. }) => assert_eq!(rejected, vec![2]),
        other => panic!("expected NotEnoughShares, got {other:?}"),
    }
    // Probe table of other tamperings, each must be rejected.
    let mut probes = Vec::new();
    let mut p = honest1.clone();
    p.trustee = 3; // relabelled share
    probes.push(p);
    let mut p = honest1.clone();
    p.c = conclave_he::encoding::scalar_hex(&Scalar::ONE);
    probes.push(p);
    let mut p = honest1.clone();
    p.z = "ff".repeat(32); // non-canonical scalar
    probes.push(p);
    let mut p = honest1.clone();
    p.ciphertext = "00".repeat(32);
    probes.push(p);
    let mut p = honest1.clone();
    p.share = "01".repeat(32); // not a point
    probes.push(p);
    let mut p = honest1;
    p.trustee = 9; // out of range
    probes.push(p);
    for (i, p) in probes.iter().enumerate() {
        assert!(p.verify(&pk, &ct).is_err(), "probe {i} accepted");
    }
}

#[test]
fn wrong_share_in_dkg_names_the_dealer() {
    let mut r = rng(7);
    let params = ThresholdParams::new(3, 2).expect("params");
    let (r1, m1): (Vec<_>, Vec<_>) = (1..=3)
        .map(|i| Trustee::start(params, TrusteeIndex(i), &mut r).expect("start"))
        .unzip();
    let (r2, mut m2): (Vec<_>, Vec<_>) = r1
        .into_iter()
        .map(|s| s.deal(&m1, &mut r).expect("deal"))
        .unzip();
    // Dealer 2 sends trustee 1 a bad share.
    let share = m2[1].shares.iter_mut().find(|s| s.to == 1).expect("share");
    share.masked = conclave_he::encoding::scalar_hex(&Scalar::from(5u64));
    let mut states = r2.into_iter();
    let first = states.next().expect("t1");
    match first.finish(&m2) {
        Err(Error::TrusteeMisbehaved { trustee: 2, .. }) => {}
        other => panic!("expected trustee 2 named, got {other:?}"),
    }
    // A bad proof of knowledge is caught by everyone.
    let mut m2b = m2.clone();
    m2b[2].proof.z = conclave_he::encoding::scalar_hex(&Scalar::ONE);
    let second = states.next().expect("t2");
    assert!(matches!(
        second.finish(&m2b),
        Err(Error::TrusteeMisbehaved { trustee: 3, .. })
    ));
    // Missing message.
    let third = states.next().expect("t3");
    assert!(matches!(
        third.finish(&m2[..2]),
        Err(Error::RoundIncomplete { round: 2, .. })
    ));
}

#[test]
fn state_and_files_round_trip_and_reject_garbage() {
    let (keys, pk) = dkg(3, 2, 8);
    let pk_json = pk.to_json();
    assert_eq!(JointPublicKey::from_json(&pk_json).expect("pk"), pk);
    let state = TrusteeState::Done(dkg(3, 2, 8).0.remove(0)).to_secret_bytes();
    match TrusteeState::from_secret_bytes(&state).expect("state") {
        TrusteeState::Done(k) => assert_eq!(k.public_key(), &pk),
        other => panic!("unexpected {other:?}"),
    }
    assert!(!format!("{:?}", keys[0]).contains(&hex::encode(keys[0].signing_key().to_bytes())));
    let mut r = rng(9);
    let ct = Ciphertext::encrypt(&pk, 7, &mut r);
    let ct_json = ct.to_json();
    assert_eq!(Ciphertext::from_json(&ct_json).expect("ct"), ct);
    // Truncated, wrong version, wrong kind, bad point, wrong key.
    assert!(Ciphertext::from_json(&ct_json[..ct_json.len() / 2]).is_err());
    let text = String::from_utf8(ct_json.clone()).expect("utf8");
    assert!(matches!(
        Ciphertext::from_json(text.replace("\"version\": 1", "\"version\": 2").as_bytes()),
        Err(Error::UnsupportedVersion { .. })
    ));
    assert!(matches!(
        Ciphertext::from_json(&pk_json),
        Err(Error::Malformed { .. }) | Err(Error::WrongKind { .. })
    ));
    let bad_point = text.replace(&conclave_he::encoding::point_hex(&ct.a), &"ff".repeat(32));
    assert!(matches!(
        Ciphertext::from_json(bad_point.as_bytes()),
        Err(Error::BadPoint { .. })
    ));
    let (_, other_pk) = dkg(3, 2, 10);
    let foreign = Ciphertext::encrypt(&other_pk, 1, &mut r);
    assert!(matches!(
        Ciphertext::sum(&[ct.clone(), foreign.clone()]),
        Err(Error::KeyMismatch { .. })
    ));
    assert!(PartialDecryption::create(&keys[0], &foreign, &mut r).is_err());
    // Tampered public key: verification key changed -> inconsistent.
    let pk_text = String::from_utf8(pk_json).expect("utf8");
    let vk1 = conclave_he::encoding::point_hex(&pk.verification_keys[0]);
    let tampered = pk_text.replace(
        &vk1,
        &conclave_he::encoding::point_hex(&RISTRETTO_BASEPOINT_POINT),
    );
    assert!(JointPublicKey::from_json(tampered.as_bytes()).is_err());
    assert!(ThresholdParams::new(2, 3).is_err());
    assert!(ThresholdParams::new(3, 0).is_err());
}

#[test]
fn result_record_verifies_and_detects_tampering() {
    let (keys, pk) = dkg(3, 2, 11);
    let mut r = rng(12);
    let ct = Ciphertext::sum(&[
        Ciphertext::encrypt(&pk, 5, &mut r),
        Ciphertext::encrypt(&pk, 6, &mut r),
    ])
    .expect("sum");
    let partials: Vec<_> = keys[1..]
        .iter()
        .map(|k| PartialDecryption::create(k, &ct, &mut r).expect("p"))
        .collect();
    let out = combine(&pk, &ct, &partials, &table(), 16).expect("combine");
    let record = result_record(&pk, &ct, &partials, &out, &keys[1]).expect("record");
    let body = record.verify().expect("verifies");
    assert_eq!(body.outputs["total"], 11);
    assert_eq!(body.input_commitments.len(), 2);
    let mut tampered = record.clone();
    tampered.body = tampered.body.replace("\"total\":11", "\"total\":12");
    assert!(tampered.verify().is_err());
    let mut unsigned = record;
    unsigned.signatures.clear();
    assert!(unsigned.verify().is_err());
}

#[test]
fn decodes_large_totals_with_a_small_table() {
    // 2^40-scale decoding logic with a small table: v = 2^30 + 12345 needs 2^20 giant
    // steps of 2^10 — too slow for CI; use a total near 2^24 instead (2^14 giant steps).
    let (keys, pk) = dkg(2, 2, 13);
    let mut r = rng(14);
    let v = (1u64 << 24) + 12_345;
    let ct = Ciphertext::encrypt(&pk, v, &mut r);
    let partials: Vec<_> = keys
        .iter()
        .map(|k| PartialDecryption::create(k, &ct, &mut r).expect("p"))
        .collect();
    let combined = combine_point(&pk, &ct, &partials).expect("point");
    let (point, used) = (combined.point, combined.used);
    assert_eq!(used, vec![1, 2]);
    assert_eq!(table().vartime_decode(&point, 25).expect("decode"), v);
    assert!(matches!(
        table().vartime_decode(&point, 24),
        Err(Error::OutOfRange { .. })
    ));
}
