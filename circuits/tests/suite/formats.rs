//! File formats: round trips, golden files, and a probe table of malformed inputs.

use std::path::PathBuf;

use ark_serialize::CanonicalSerialize;
use conclave_circuits::formats::snarkjs;
use conclave_circuits::groth16::{self, Proof, ProvingKey, VerifyingKey};
use conclave_circuits::{Bounds, Direction, Opening, Statement, ZkError};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn fixture() -> (ProvingKey, VerifyingKey, Proof) {
    let mut rng = ChaCha20Rng::seed_from_u64(21);
    let statement = Statement::threshold(32, Direction::AtLeast).unwrap();
    let (pk, vk) = groth16::setup(statement, &mut rng).unwrap();
    let opening = Opening::random(712, &mut rng);
    let proof = groth16::prove(&pk, &opening, Bounds::Threshold(650), &mut rng).unwrap();
    (pk, vk, proof)
}

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/groth16")
}

#[test]
fn keys_and_proofs_round_trip_in_both_forms() {
    let (pk, vk, proof) = fixture();
    assert_eq!(Proof::decode(&proof.to_bytes()).unwrap(), proof);
    assert_eq!(Proof::decode(proof.to_json().as_bytes()).unwrap(), proof);
    assert_eq!(VerifyingKey::decode(&vk.to_bytes()).unwrap().id(), vk.id());
    assert_eq!(
        VerifyingKey::decode(vk.to_json().as_bytes()).unwrap().id(),
        vk.id()
    );
    let pk_again = ProvingKey::decode(&pk.to_bytes()).unwrap();
    assert_eq!(pk_again.verifying_key().id(), vk.id());
    let pk_json = ProvingKey::decode(pk.to_json().as_bytes()).unwrap();
    assert_eq!(pk_json.statement(), pk.statement());
    assert_eq!(proof.to_bytes().len(), 9 + 33 + 2 * 32 + 128);
}

#[test]
fn secret_files_round_trip_and_reject_tampering() {
    let opening = Opening::random(712, &mut ChaCha20Rng::seed_from_u64(22));
    let text = opening.to_secret_json();
    let back = Opening::from_secret_json(&text).unwrap();
    assert_eq!(back.value(), 712);
    assert_eq!(back.commitment(), opening.commitment());
    let edited = text.replace("\"712\"", "\"713\"");
    assert!(matches!(
        Opening::from_secret_json(&edited),
        Err(ZkError::Unsatisfied { .. })
    ));
    assert!(
        Opening::from_secret_json(&text.replace("conclave.zk.secret", "conclave.zk.other"))
            .is_err()
    );
    assert!(matches!(
        Opening::from_secret_json(&text.replace("\"version\": 1", "\"version\": 2")),
        Err(ZkError::UnsupportedVersion { found: 2, .. })
    ));
}

#[test]
fn binary_probe_table() {
    let (_, vk, proof) = fixture();
    let good = proof.to_bytes();
    let mut probes: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("truncated header", good[..5].to_vec()),
        ("truncated proof", good[..good.len() - 1].to_vec()),
        ("trailing byte", [good.clone(), vec![0]].concat()),
        ("leading garbage", [vec![0], good.clone()].concat()),
        ("verifying key where a proof is expected", vk.to_bytes()),
    ];
    let mut flip = |label, index: usize, mask: u8| {
        let mut bytes = good.clone();
        bytes[index] ^= mask;
        probes.push((label, bytes));
    };
    flip("bad magic", 0, 0xff);
    flip("future version", 4, 0x02);
    flip("unknown kind", 5, 0x40);
    flip("unknown statement", 6, 0x10);
    flip("unsupported width", 7, 0x80);
    flip("input count", 41, 0x01);
    flip("non-canonical input (>= modulus)", 9 + 33 + 31, 0xf0);
    let last = good.len() - 1;
    // Both flag bits set (infinity and sign) is never a valid compressed point.
    let mut flags = good.clone();
    flags[last] |= 0xc0;
    probes.push(("invalid point flags", flags));
    for (label, bytes) in probes {
        assert!(
            Proof::from_bytes(&bytes).is_err(),
            "{label} must be rejected"
        );
    }
    let vk_bytes = vk.to_bytes();
    for cut in [0, 8, 9, 40, vk_bytes.len() - 1] {
        assert!(
            VerifyingKey::from_bytes(&vk_bytes[..cut]).is_err(),
            "vk cut at {cut}"
        );
    }
    assert!(VerifyingKey::from_bytes(&[vk_bytes.clone(), vec![1]].concat()).is_err());
    // A hostile input-point count is refused before anything is allocated for it.
    let count_at = 9 + 32 + 3 * 64;
    for count in [u64::MAX, 1 << 40, 4] {
        let mut bytes = vk_bytes.clone();
        bytes[count_at..count_at + 8].copy_from_slice(&count.to_le_bytes());
        assert!(
            matches!(
                VerifyingKey::from_bytes(&bytes),
                Err(ZkError::Malformed { .. })
            ),
            "count {count}"
        );
    }
}

/// A binary proof whose B is a valid twist point outside G2 (and one whose A is the
/// infinity-free encoding of an x with no curve point) is refused, naming the point.
#[test]
fn binary_proof_points_outside_their_groups_are_named() {
    use ark_bn254::{Fq, Fq2, G2Affine};
    use ark_ff::{One, UniformRand};
    use ark_serialize::CanonicalSerialize;

    let (_, vk, proof) = fixture();
    let good = proof.to_bytes();
    let points_start = good.len() - 128;
    let mut rng = ChaCha20Rng::seed_from_u64(23);
    let outside = loop {
        let x = Fq2::new(Fq::rand(&mut rng), Fq::rand(&mut rng));
        if let Some(point) = G2Affine::get_point_from_x_unchecked(x, true) {
            break point;
        }
    };
    assert!(outside.is_on_curve());
    let mut b_bytes = Vec::new();
    outside.serialize_compressed(&mut b_bytes).unwrap();
    let mut bytes = good.clone();
    bytes[points_start + 32..points_start + 96].copy_from_slice(&b_bytes);
    match Proof::from_bytes(&bytes) {
        Err(ZkError::NotInSubgroup { what }) => assert_eq!(what, "proof.B"),
        other => panic!("expected B outside the subgroup, got {other:?}"),
    }

    // x = 1 gives x³ + 3 = 4 = 2², so look for an x with no square root instead.
    let mut x = Fq::one();
    let off_curve_x = loop {
        if ark_bn254::G1Affine::get_point_from_x_unchecked(x, true).is_none() {
            break x;
        }
        x += Fq::one();
    };
    let mut a_bytes = Vec::new();
    off_curve_x.serialize_compressed(&mut a_bytes).unwrap();
    let mut bytes = good.clone();
    bytes[points_start..points_start + 32].copy_from_slice(&a_bytes);
    assert!(matches!(
        Proof::from_bytes(&bytes),
        Err(ZkError::Decode { what: "proof", .. })
    ));
    assert!(groth16::verify(&vk, &Proof::from_bytes(&good).unwrap()).is_ok());
}

#[test]
fn json_probe_table() {
    let (_, vk, proof) = fixture();
    let good = proof.to_json();
    let document: serde_json::Value = serde_json::from_str(&good).unwrap();
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut value = document.clone();
        f(&mut value);
        value.to_string()
    };
    let modulus = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
    let probes = [
        (
            "wrong format",
            edit(&|v| v["format"] = "conclave.groth16.verifying_key".into()),
        ),
        ("future version", edit(&|v| v["version"] = 2.into())),
        (
            "input >= modulus",
            edit(&|v| v["public_inputs"][1] = modulus.into()),
        ),
        (
            "input not decimal",
            edit(&|v| v["public_inputs"][1] = "0x10".into()),
        ),
        (
            "one input missing",
            edit(&|v| {
                v["public_inputs"].as_array_mut().unwrap().pop();
            }),
        ),
        (
            "claim edited",
            edit(&|v| v["claim"] = "the committed 32-bit value is >= 700".into()),
        ),
        (
            "point off curve",
            edit(&|v| v["proof"]["pi_a"][1] = "5".into()),
        ),
        (
            "G2 point off curve",
            edit(&|v| v["proof"]["pi_b"][0][0] = "5".into()),
        ),
        ("bad key id", edit(&|v| v["verifying_key_id"] = "zz".into())),
        ("unknown field", edit(&|v| v["extra"] = 1.into())),
        ("truncated", good[..good.len() / 2].to_string()),
    ];
    for (label, text) in probes {
        assert!(Proof::from_json(&text).is_err(), "{label} must be rejected");
    }
    // A proof whose threshold is edited consistently (claim too) parses but does not verify.
    let edited = edit(&|v| {
        v["public_inputs"][1] = "700".into();
        v["claim"] = "the committed 32-bit value is >= 700".into();
    });
    let forged = Proof::from_json(&edited).unwrap();
    assert!(matches!(
        groth16::verify(&vk, &forged),
        Err(ZkError::InvalidProof)
    ));

    let vk_json: serde_json::Value = serde_json::from_str(&vk.to_json()).unwrap();
    let mut wrong_id = vk_json.clone();
    wrong_id["id"] = "00".repeat(32).into();
    assert!(VerifyingKey::from_json(&wrong_id.to_string()).is_err());
    let mut wrong_statement = vk_json;
    wrong_statement["statement"]["direction"] = "at_most".into();
    assert!(VerifyingKey::from_json(&wrong_statement.to_string()).is_err());
}

#[test]
fn snarkjs_export_round_trips_through_the_native_verifier() {
    let (_, vk, proof) = fixture();
    let files = snarkjs::export(&vk, &proof).unwrap();
    let key = snarkjs::parse_verification_key(&files.verification_key).unwrap();
    let points = snarkjs::parse_proof(&files.proof).unwrap();
    let public = snarkjs::parse_public(&files.public).unwrap();
    snarkjs::verify(&key, &points, &public).unwrap();
    let mut changed = public.clone();
    changed[1] += ark_bn254::Fr::from(1u64);
    assert!(matches!(
        snarkjs::verify(&key, &points, &changed),
        Err(ZkError::InvalidProof)
    ));
    assert!(matches!(
        snarkjs::verify(&key, &points, &public[..1]),
        Err(ZkError::WrongInputCount {
            expected: 2,
            found: 1
        })
    ));
    assert!(snarkjs::parse_proof(&files.proof.replace("bn128", "bls12381")).is_err());
    assert!(snarkjs::parse_public("[\"-1\"]").is_err());
}

/// Golden files written by `regenerate_golden_files` must still decode and verify.
#[test]
fn golden_files_still_decode_and_verify() {
    let dir = golden_dir();
    let vk = VerifyingKey::decode(&std::fs::read(dir.join("threshold32.vk")).unwrap()).unwrap();
    for name in ["proof.json", "proof.bin"] {
        let proof = Proof::decode(&std::fs::read(dir.join(name)).unwrap()).unwrap();
        groth16::verify(&vk, &proof).unwrap();
        assert_eq!(
            proof.claim().unwrap(),
            "the committed 32-bit value is >= 650"
        );
    }
    let expected_id = std::fs::read_to_string(dir.join("threshold32.vk.id")).unwrap();
    assert_eq!(vk.id().to_hex(), expected_id.trim());
}

/// A proving key written before format version 2 (compact, by the code of 2026-12-02:
/// `conclave zk setup --statement threshold --bits 32 --danger-seed 21`, the same key as
/// `fixture()`) still loads, fully checked, and its proofs verify under the golden key.
#[test]
fn version_1_proving_keys_still_load_and_prove() {
    let dir = golden_dir();
    let old = std::fs::read(dir.join("threshold32.v1.pk")).unwrap();
    assert_eq!(&old[..6], b"CNCL\x01\x01", "a version 1 proving key");
    let pk = ProvingKey::decode(&old).unwrap();
    let vk = VerifyingKey::decode(&std::fs::read(dir.join("threshold32.vk")).unwrap()).unwrap();
    assert_eq!(pk.verifying_key().id(), vk.id());
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let proof = groth16::prove(
        &pk,
        &Opening::random(700, &mut rng),
        Bounds::Threshold(650),
        &mut rng,
    )
    .unwrap();
    groth16::verify(&vk, &proof).unwrap();
    // The compact writer still writes exactly that format.
    assert_eq!(pk.to_compact_bytes(), old);
    // And the key converts to the hashed form and back without change.
    let hashed = pk.to_bytes();
    assert_eq!(&hashed[..6], b"CNCL\x02\x01");
    assert_eq!(
        ProvingKey::from_bytes(&hashed).unwrap().to_compact_bytes(),
        old
    );
}

/// The hashed (version 2) proving key: round trip, then a probe table of damage, each
/// refused with the error that names it.
#[test]
fn hashed_proving_keys_round_trip_and_refuse_damage() {
    let (pk, vk, _) = fixture();
    let good = pk.to_bytes();
    assert_eq!(good[4], 2, "setup writes format version 2");
    // header 9, length 8, digest 32, then the uncompressed body.
    assert_eq!(good.len(), 9 + 8 + 32 + pk.ark().uncompressed_size());
    let back = ProvingKey::from_bytes(&good).unwrap();
    assert_eq!(back.ark(), pk.ark());
    assert_eq!(back.statement(), pk.statement());
    assert_eq!(back.verifying_key().id(), vk.id());
    back.validate().unwrap();
    // The JSON form wraps the same bytes.
    assert_eq!(
        ProvingKey::decode(pk.to_json().as_bytes()).unwrap().ark(),
        pk.ark()
    );

    let flipped = |index: usize| {
        let mut bytes = good.clone();
        bytes[index] ^= 0x01;
        bytes
    };
    let body = 9 + 8 + 32;
    let digest_mismatch = [
        ("a flipped byte in the body", flipped(body + 100)),
        ("a flipped byte in the last point", flipped(good.len() - 1)),
        ("a flipped byte in the recorded SHA-256", flipped(9 + 8 + 5)),
        ("another (valid) statement in the header", {
            let mut bytes = good.clone();
            bytes[7] = 16;
            bytes
        }),
    ];
    for (label, bytes) in digest_mismatch {
        match ProvingKey::from_bytes(&bytes) {
            Err(ZkError::DigestMismatch { what }) => assert_eq!(what, "proving key"),
            other => panic!("{label}: expected DigestMismatch, got {:?}", other.err()),
        }
    }
    let error = ProvingKey::from_bytes(&flipped(body))
        .err()
        .unwrap()
        .to_string();
    assert!(
        error.contains("damaged or was altered") && error.contains("SHA-256"),
        "{error}"
    );

    let malformed = [
        ("truncated in the digest", good[..9 + 20].to_vec()),
        ("truncated in the body", good[..good.len() / 2].to_vec()),
        ("one byte short", good[..good.len() - 1].to_vec()),
        ("a trailing byte", [good.clone(), vec![0]].concat()),
        ("a length field one too large", {
            let mut bytes = good.clone();
            bytes[9] ^= 0x01;
            bytes
        }),
    ];
    for (label, bytes) in malformed {
        assert!(
            matches!(
                ProvingKey::from_bytes(&bytes),
                Err(ZkError::Malformed { .. })
            ),
            "{label}: {:?}",
            ProvingKey::from_bytes(&bytes).err()
        );
    }
    let mut future = good.clone();
    future[4] = 3;
    assert!(matches!(
        ProvingKey::from_bytes(&future),
        Err(ZkError::UnsupportedVersion {
            found: 3,
            supported: 2,
            ..
        })
    ));
    assert!(matches!(
        ProvingKey::from_bytes(&vk.to_bytes()),
        Err(ZkError::WrongKind { .. })
    ));
}

/// Rewrites the golden files (only when a format version changes on purpose):
/// `CONCLAVE_REGENERATE_VECTORS=1 cargo test --release -p conclave-circuits --test suite -- --ignored regenerate`
#[test]
#[ignore = "writes the golden files; run only on a deliberate format change"]
fn regenerate_golden_files() {
    if std::env::var_os("CONCLAVE_REGENERATE_VECTORS").is_none() {
        return;
    }
    let (_, vk, proof) = fixture();
    let dir = golden_dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("threshold32.vk"), vk.to_bytes()).unwrap();
    std::fs::write(dir.join("threshold32.vk.id"), vk.id().to_hex() + "\n").unwrap();
    std::fs::write(dir.join("proof.json"), proof.to_json()).unwrap();
    std::fs::write(dir.join("proof.bin"), proof.to_bytes()).unwrap();
}

fn snarkjs_vector(name: &str) -> String {
    std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/vectors/snarkjs")
            .join(name),
    )
    .unwrap()
}

/// A proof made by snarkjs itself (circom circuit of the same statement) verifies natively,
/// and its commitment is our Poseidon commitment to (712, 123456789).
#[test]
fn snarkjs_made_proofs_verify_natively() {
    let key = snarkjs::parse_verification_key(&snarkjs_vector("verification_key.json")).unwrap();
    let proof = snarkjs::parse_proof(&snarkjs_vector("proof.json")).unwrap();
    let public = snarkjs::parse_public(&snarkjs_vector("public.json")).unwrap();
    snarkjs::verify(&key, &proof, &public).unwrap();

    let opening = Opening::from_parts(712, ark_bn254::Fr::from(123_456_789u64));
    assert_eq!(opening.commitment().0, public[0]);

    let mut lowered = public.clone();
    lowered[1] -= ark_bn254::Fr::from(1u64);
    assert!(matches!(
        snarkjs::verify(&key, &proof, &lowered),
        Err(ZkError::InvalidProof)
    ));
    let mut swapped = proof;
    std::mem::swap(&mut swapped.a, &mut swapped.c);
    assert!(matches!(
        snarkjs::verify(&key, &swapped, &public),
        Err(ZkError::InvalidProof)
    ));
}
