//! The golden record `tests/vectors/result-v1.json`, written by an implementation of the
//! format independent of this crate (`tests/vectors/make_result_v1.py`, whose docstring
//! is the procedure). A record written then must still parse and verify now, and this
//! crate's signer must still produce it byte for byte.

use conclave_record::{PartyKey, ResultBody, ResultRecord, RECORD_KIND, RECORD_VERSION};
use ed25519_dalek::SigningKey;

pub const GOLDEN: &str = include_str!("../vectors/result-v1.json");

/// The parties of the golden record: seeds `[i; 32]` for i = 1, 2, 3.
pub fn keys() -> Vec<SigningKey> {
    (1u8..=3)
        .map(|i| SigningKey::from_bytes(&[i; 32]))
        .collect()
}

/// The procedure of `make_result_v1.py`, with this crate's signer.
fn procedure() -> ResultRecord {
    let keys = keys();
    let body = ResultBody {
        computation_id: "c0".repeat(32),
        description: "golden vector: sum of three inputs (\"quoted\", unicode é ✓)".into(),
        input_commitments: vec!["11".repeat(32), "22".repeat(32), "33".repeat(32)],
        outputs: serde_json::json!({"count": 3, "mean": "14", "sum": "42"}),
        parties: keys
            .iter()
            .map(|k| PartyKey::from(k.verifying_key()))
            .collect(),
    };
    let signers: Vec<&SigningKey> = keys.iter().collect();
    ResultRecord::sign(&body, &signers).expect("the procedure signs")
}

#[test]
fn the_golden_record_parses_and_verifies() {
    let record = ResultRecord::from_json(GOLDEN).expect("golden record parses");
    assert_eq!(record.version, RECORD_VERSION);
    assert_eq!(record.kind, RECORD_KIND);
    let body = record.verify().expect("golden record verifies");
    let parties: Vec<PartyKey> = keys()
        .iter()
        .map(|k| PartyKey::from(k.verifying_key()))
        .collect();
    assert_eq!(body.parties, parties);
    assert_eq!(
        parties[0].to_string(),
        "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c"
    );
    assert_eq!(body.computation_id, "c0".repeat(32));
    assert_eq!(body.input_commitments.len(), 3);
    assert_eq!(body.outputs["sum"], "42");
    assert_eq!(body.outputs["count"], 3);
    assert!(body.description.contains("\"quoted\", unicode é ✓"));
    // The body text is kept byte for byte: parsing then writing gives the file back.
    assert_eq!(String::from_utf8(record.to_json()).expect("utf-8"), GOLDEN);
}

#[test]
fn the_procedure_still_reproduces_the_golden_record() {
    let record = procedure();
    assert_eq!(
        String::from_utf8(record.to_json()).expect("utf-8"),
        GOLDEN,
        "the signer or the body's serialisation changed: records written before would no \
         longer be reproduced (bump RECORD_VERSION if that is intended)"
    );
}
