//! TFHE scoring tests. TFHE is slow (key generation ≈ 4 s, a bootstrap ≈ 10 ms), so keys
//! are generated once per test binary and the number of homomorphic operations is kept
//! small; big runs belong in benches/benches/he.rs.

use std::sync::OnceLock;

use conclave_he::scoring::eval::{evaluate_naive, evaluate_optimised};
use conclave_he::scoring::model::{Features, LinearModel, KIND_FEATURES, KIND_MODEL};
use conclave_he::scoring::{
    decrypt, decrypt_bool, decrypt_u16, encrypt_u16, generate_keys, score, ClientKeyBundle,
    EncryptedFeatures, EncryptedScore, ServerKeyBundle,
};
use conclave_he::Error;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

struct Keys {
    client: ClientKeyBundle,
    server: ServerKeyBundle,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let (client, server) = generate_keys(&mut ChaCha20Rng::seed_from_u64(1)).expect("keygen");
        Keys { client, server }
    })
}

fn model(
    weights: Vec<u64>,
    bias: u64,
    threshold: u64,
    feature_bits: u32,
    score_bits: u32,
) -> LinearModel {
    LinearModel {
        version: 1,
        kind: KIND_MODEL.into(),
        feature_bits,
        score_bits,
        weights,
        bias,
        threshold,
    }
}

fn features(bits: u32, values: Vec<u64>) -> Features {
    Features {
        version: 1,
        kind: KIND_FEATURES.into(),
        bits,
        values,
    }
}

#[test]
fn tfhe_score_equals_plaintext_on_random_inputs_through_files() {
    let k = keys();
    // Files round-trip: keys are (de)serialized with tfhe safe serialization.
    let client =
        ClientKeyBundle::from_bytes(&k.client.to_secret_bytes().expect("ck bytes")).expect("ck");
    let server = ServerKeyBundle::from_bytes(&k.server.to_bytes().expect("sk bytes")).expect("sk");
    let expanded = server.expand().expect("expand");
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    // Two weights pair up (3·(150+90) → 5 digits), 7 goes alone (many-lookup-table
    // bootstrap, 3 digits), the zero weight drops out.
    let m = model(vec![7, 0, 150, 90], 13, 20_000, 8, 16);
    m.validate().expect("model");
    for _ in 0..2 {
        let values: Vec<u64> = (0..4).map(|_| rng.next_u64() % 256).collect();
        let f = features(8, values.clone());
        let bytes = EncryptedFeatures::encrypt(&client, &f)
            .expect("encrypt")
            .to_bytes()
            .expect("bytes");
        let input = EncryptedFeatures::from_bytes(&bytes).expect("features");
        let result = score(&expanded, &m, &input)
            .expect("score")
            .to_bytes()
            .expect("bytes");
        let result = EncryptedScore::from_bytes(&result, &client).expect("result");
        assert_eq!(result.model_hash(), m.hash());
        assert_eq!(
            decrypt(&client, &result).expect("decrypt"),
            m.evaluate(&values).expect("plain"),
            "{values:?}"
        );
    }
    // Edge: all-maximal features hit the largest score exactly (no overflow), 8-bit score width.
    let small = model(vec![1], 0, 255, 8, 8);
    let input = EncryptedFeatures::encrypt(&client, &features(8, vec![255])).expect("encrypt");
    let out = score(&expanded, &small, &input).expect("score");
    assert_eq!(decrypt(&client, &out).expect("decrypt"), (255, true));
    // A lone weight with 5 digits (3·250 = 750): two many-lookup-table bootstraps per block.
    let lone = model(vec![250], 0, 63_751, 8, 16);
    let input = EncryptedFeatures::encrypt(&client, &features(8, vec![255])).expect("encrypt");
    let out = score(&expanded, &lone, &input).expect("score");
    assert_eq!(decrypt(&client, &out).expect("decrypt"), (63_750, false));
}

#[test]
fn optimised_equals_naive_baseline() {
    let k = keys();
    let hl = k.server.high_level();
    let expanded = k.server.expand().expect("expand");
    // 8-bit features: 255·14 + 5 fits the naive baseline's 16-bit score.
    let m = model(vec![3, 11], 5, 1_000, 8, 16);
    let values = vec![200u64, 77];
    let naive_in = encrypt_u16(&k.client, &values);
    let (naive_score, naive_dec) = evaluate_naive(&hl, &m, &naive_in).expect("naive");
    let f = features(8, values.clone());
    let input = EncryptedFeatures::encrypt(&k.client, &f).expect("encrypt");
    let ours = score(&expanded, &m, &input).expect("score");
    let want = m.evaluate(&values).expect("plain");
    assert_eq!(
        (
            decrypt_u16(&k.client, &naive_score),
            decrypt_bool(&k.client, &naive_dec)
        ),
        want
    );
    assert_eq!(decrypt(&k.client, &ours).expect("decrypt"), want);
    // The optimised evaluator refuses mismatched inputs instead of computing garbage.
    let radix = input.expand(&expanded).expect("expand");
    assert!(matches!(
        evaluate_optimised(&expanded.key, &model(vec![1, 2, 3], 0, 0, 8, 16), &radix),
        Err(Error::BadFeatures { .. })
    ));
}

#[test]
fn bad_inputs_give_clear_errors() {
    let k = keys();
    // A model whose weights overflow the chosen width.
    let overflow = model(vec![300, 300], 0, 10, 8, 16);
    match overflow.validate() {
        Err(Error::BadModel { reason }) => assert!(reason.contains("overflow"), "{reason}"),
        other => panic!("expected BadModel, got {other:?}"),
    }
    assert!(
        model(vec![1], 0, 0, 12, 16).validate().is_err(),
        "feature width"
    );
    assert!(
        model(vec![1], 0, 1 << 16, 8, 16).validate().is_err(),
        "threshold width"
    );
    assert!(LinearModel::from_json(b"{\"version\":1}").is_err());
    // Features that do not fit their width.
    assert!(Features::from_json(
        br#"{"version":1,"kind":"conclave.he.features","bits":8,"values":[256]}"#
    )
    .is_err());
    assert!(EncryptedFeatures::encrypt(&k.client, &features(8, vec![256])).is_err());

    let f = features(8, vec![1, 2]);
    let bytes = EncryptedFeatures::encrypt(&k.client, &f)
        .expect("encrypt")
        .to_bytes()
        .expect("bytes");
    // Truncated and trailing-garbage files.
    for cut in [10, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            EncryptedFeatures::from_bytes(&bytes[..cut]).is_err(),
            "cut {cut}"
        );
    }
    let mut longer = bytes.clone();
    longer.extend_from_slice(b"xx");
    assert!(EncryptedFeatures::from_bytes(&longer).is_err());
    // Oversized file.
    let huge = vec![0u8; (64 << 20) + 1];
    assert!(matches!(
        EncryptedFeatures::from_bytes(&huge),
        Err(Error::TooLarge { .. })
    ));
    // A flipped byte inside the tfhe payload is caught by tfhe's checks or ours.
    let mut flipped = bytes.clone();
    let n = flipped.len();
    flipped[n - 5] ^= 0xff;
    let _ = EncryptedFeatures::from_bytes(&flipped); // must not panic
                                                     // A features file given as a key.
    assert!(matches!(
        ServerKeyBundle::from_bytes(&bytes),
        Err(Error::WrongKind { .. })
    ));
    assert!(matches!(
        ClientKeyBundle::from_bytes(&bytes),
        Err(Error::WrongKind { .. })
    ));

    // Model / input mismatch.
    let expanded = k.server.expand().expect("expand");
    let input = EncryptedFeatures::from_bytes(&bytes).expect("features");
    assert!(matches!(
        score(&expanded, &model(vec![1, 2, 3], 0, 0, 8, 16), &input),
        Err(Error::BadFeatures { .. })
    ));
    assert!(matches!(
        score(&expanded, &model(vec![1, 2], 0, 0, 16, 32), &input),
        Err(Error::BadFeatures { .. })
    ));

    // A ciphertext under another key: rejected by the evaluator and by the decryptor.
    let (other_client, other_server) =
        generate_keys(&mut ChaCha20Rng::seed_from_u64(3)).expect("keygen 2");
    let foreign = EncryptedFeatures::encrypt(&other_client, &f).expect("encrypt");
    assert!(matches!(
        score(&expanded, &model(vec![1, 2], 0, 0, 8, 16), &foreign),
        Err(Error::KeyMismatch { .. })
    ));
    let other_expanded = other_server.expand().expect("expand");
    let foreign_result = score(&other_expanded, &model(vec![1, 2], 0, 0, 8, 16), &foreign)
        .expect("score")
        .to_bytes()
        .expect("bytes");
    assert!(matches!(
        EncryptedScore::from_bytes(&foreign_result, &k.client),
        Err(Error::KeyMismatch { .. })
    ));
    // Debug output of the secret key bundle is redacted.
    assert!(format!("{:?}", k.client).contains("redacted"));
}
