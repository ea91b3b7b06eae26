//! EdDSA-Poseidon against circomlibjs 0.1.7: committed vectors (keys, signatures and
//! packings must match bit for bit), and a live exchange both ways through
//! `interop/eddsa-poseidon.mjs` when `interop/node_modules` is installed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use ark_bn254::Fr;
use ark_ff::UniformRand;
use conclave_circuits::eddsa::{PublicKey, SecretKey, Signature, SignatureError};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Vectors {
    source: String,
    cases: Vec<Case>,
}

#[derive(Deserialize, Serialize)]
#[allow(non_snake_case)]
struct Case {
    #[serde(default, skip_serializing)]
    private_key: String,
    message: String,
    Ax: String,
    Ay: String,
    R8x: String,
    R8y: String,
    S: String,
    #[serde(default, skip_serializing)]
    packed_public_key: String,
    #[serde(default, skip_serializing)]
    packed_signature: String,
}

fn secret(hex_key: &str) -> SecretKey {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(hex_key, &mut bytes).unwrap();
    SecretKey::from_bytes(bytes)
}

/// Our key derivation, signature and packings equal circomlibjs's; we verify its signature.
fn check_case(case: &Case) {
    let key = secret(&case.private_key);
    let message = Fr::from_str(&case.message).unwrap();
    let public = key.public_key();
    let theirs = PublicKey::from_decimal(&case.Ax, &case.Ay).unwrap();
    assert_eq!(public, theirs, "public key of {}", case.private_key);
    let signature = Signature::from_decimal(&case.R8x, &case.R8y, &case.S).unwrap();
    theirs.verify(message, &signature).unwrap();
    assert_eq!(
        key.sign(message),
        signature,
        "signature by {}",
        case.private_key
    );
    assert_eq!(hex::encode(public.pack()), case.packed_public_key);
    assert_eq!(hex::encode(signature.pack()), case.packed_signature);
    assert_eq!(
        theirs.verify(message + Fr::from(1u64), &signature),
        Err(SignatureError::Invalid)
    );
}

#[test]
fn committed_circomlibjs_vectors_match() {
    let vectors: Vectors =
        serde_json::from_str(include_str!("../vectors/eddsa_poseidon_circomlibjs.json")).unwrap();
    assert!(vectors.source.contains("circomlibjs 0.1.7"));
    assert_eq!(vectors.cases.len(), 27);
    // The edge messages 0, 1 and p − 1 come first.
    assert_eq!(vectors.cases[0].message, "0");
    assert_eq!(vectors.cases[1].message, "1");
    vectors.cases.iter().for_each(check_case);
}

/// circomlibjs's `packSignature` of the known answer of circomlibjs's own test suite.
#[test]
fn known_answer_packs_as_circomlibjs() {
    let key = secret("0001020304050607080900010203040506070809000102030405060708090001");
    let signature = key.sign(Fr::from_str("42649378395939397566720").unwrap());
    assert_eq!(
        hex::encode(signature.pack()),
        "dfedb4315d3f2eb4de2d3c510d7a987dcab67089c8ace06308827bf5bcbe02a2\
         9d043ece562a8f82bfc0adb640c0107a7d3a27c1c7c1a6179a0da73de5c1b203"
    );
}

fn interop_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop");
    if dir.join("node_modules/circomlibjs").exists() {
        return Some(dir);
    }
    // CI installs the interop peers (`npm ci --prefix interop`): there a missing install
    // is a failure, not a reason to skip.
    assert!(
        std::env::var_os("CI").is_none(),
        "circomlibjs is not installed: run `npm ci --prefix interop`"
    );
    eprintln!("skipped: interop/node_modules is missing (run `npm ci --prefix interop`)");
    None
}

fn node(dir: &Path, args: &[&str]) -> serde_json::Value {
    let output = Command::new("node")
        .arg(dir.join("eddsa-poseidon.mjs"))
        .args(args)
        .output()
        .expect("node runs");
    assert!(
        output.status.success(),
        "node {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn circomlibjs_and_we_verify_each_others_signatures() {
    let Some(dir) = interop_dir() else { return };
    // circomlibjs signs with fresh random keys and messages; we derive the same keys and
    // signatures and verify them.
    let theirs: Vectors =
        serde_json::from_value(node(&dir, &["generate", "--count", "8"])).unwrap();
    assert_eq!(theirs.cases.len(), 8);
    theirs.cases.iter().for_each(check_case);

    // We sign random messages under random keys; circomlibjs verifies every one, and
    // rejects the same signatures on other messages.
    let seed = rand::rngs::OsRng.next_u64();
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut cases = Vec::new();
    for index in 0..16 {
        let key = SecretKey::random(&mut rng);
        let message = Fr::rand(&mut rng);
        let signature = key.sign(message);
        let (ax, ay) = key.public_key().point().to_decimal();
        let (r8x, r8y, s) = signature.to_decimal();
        let message = if index % 4 == 3 {
            message + Fr::from(1u64)
        } else {
            message
        };
        cases.push(Case {
            private_key: String::new(),
            message: conclave_circuits::field::to_decimal(&message),
            Ax: ax,
            Ay: ay,
            R8x: r8x,
            R8y: r8y,
            S: s,
            packed_public_key: String::new(),
            packed_signature: String::new(),
        });
    }
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        file.path(),
        serde_json::json!({ "cases": cases }).to_string(),
    )
    .unwrap();
    let verdict = node(&dir, &["verify", file.path().to_str().unwrap()]);
    let expected: Vec<bool> = (0..16).map(|index| index % 4 != 3).collect();
    assert_eq!(
        verdict["valid"],
        serde_json::json!(expected),
        "circomlibjs's verdicts on our signatures (seed {seed})"
    );
}
