//! Probes the verifier must refuse, each with its typed reason: flipped bits in the body
//! and in every signature, wrong key, extra, duplicate and missing signers, a party listed
//! twice, malleated signatures, trailing and leading garbage, oversized input, other
//! versions and kinds.

use conclave_record::{
    sign, verify_signed_body, PartyKey, RecordError, RecordSignature, ResultBody, ResultRecord,
    SignatureEntry, MAX_RECORD_BYTES,
};
use ed25519_dalek::SigningKey;
use serde_json::Value;

use crate::golden::{keys, GOLDEN};

fn golden() -> ResultRecord {
    ResultRecord::from_json(GOLDEN).expect("golden record parses")
}

fn outsider() -> SigningKey {
    SigningKey::from_bytes(&[9; 32])
}

fn key_of(k: &SigningKey) -> PartyKey {
    PartyKey::from(k.verifying_key())
}

#[test]
fn every_flipped_bit_of_the_body_is_refused() {
    let record = golden();
    let mut checked = 0;
    for position in 0..record.body.len() {
        for bit in 0..8 {
            let mut bytes = record.body.clone().into_bytes();
            bytes[position] ^= 1 << bit;
            // Only flips that leave UTF-8 text are representable in a JSON record.
            let Ok(body) = String::from_utf8(bytes) else {
                continue;
            };
            let probe = ResultRecord {
                body,
                ..record.clone()
            };
            assert!(
                probe.verify().is_err(),
                "bit {bit} of body byte {position} flipped, still verifies"
            );
            checked += 1;
        }
    }
    assert!(checked > 8 * 400, "only {checked} probes");
    // A flip that keeps the body well-formed ("sum":"42" -> "52") is a bad signature of
    // the first party checked.
    let at = record.body.find("\"sum\":\"42\"").expect("sum") + 7;
    let mut bytes = record.body.clone().into_bytes();
    bytes[at] ^= 0x01;
    let probe = ResultRecord {
        body: String::from_utf8(bytes).expect("ascii"),
        ..record
    };
    assert!(matches!(
        probe.verify(),
        Err(RecordError::BadSignature { party: 0, .. })
    ));
}

#[test]
fn every_flipped_bit_of_every_signature_names_its_party() {
    let record = golden();
    for (party, entry) in record.signatures.iter().enumerate() {
        for bit in 0..512 {
            let mut bytes = entry.signature.to_bytes();
            bytes[bit / 8] ^= 1 << (bit % 8);
            let mut probe = record.clone();
            probe.signatures[party].signature = RecordSignature::from_bytes(bytes);
            match probe.verify() {
                Err(RecordError::BadSignature { party: p, key }) => {
                    assert_eq!((p, key), (party, entry.public_key));
                }
                other => panic!("party {party}, bit {bit}: {other:?}"),
            }
        }
    }
}

#[test]
fn a_malleated_signature_is_refused() {
    // s + ℓ verifies under lax RFC 8032 checks; verify_strict requires canonical s.
    const ELL: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let record = golden();
    let mut bytes = record.signatures[1].signature.to_bytes();
    let mut carry = 0u16;
    for (i, l) in ELL.iter().enumerate() {
        let sum = u16::from(bytes[32 + i]) + u16::from(*l) + carry;
        bytes[32 + i] = sum as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0);
    let mut probe = record;
    probe.signatures[1].signature = RecordSignature::from_bytes(bytes);
    assert!(matches!(
        probe.verify(),
        Err(RecordError::BadSignature { party: 1, .. })
    ));
}

#[test]
fn signer_set_probes_are_refused_with_their_reason() {
    let record = golden();
    let outsider = outsider();
    // Wrong key: party 1's entry carries the outsider's key (and a valid signature by it).
    let mut probe = record.clone();
    probe.signatures[1] = sign(&outsider, &record.body);
    assert!(matches!(
        probe.verify(),
        Err(RecordError::UnlistedSigner { key }) if key == key_of(&outsider)
    ));
    // Wrong key: party 1's entry holds a signature the outsider made.
    let mut probe = record.clone();
    probe.signatures[1].signature = sign(&outsider, &record.body).signature;
    assert!(matches!(
        probe.verify(),
        Err(RecordError::BadSignature { party: 1, .. })
    ));
    // Extra signer.
    let mut probe = record.clone();
    probe.signatures.push(sign(&outsider, &record.body));
    assert!(matches!(
        probe.verify(),
        Err(RecordError::UnlistedSigner { key }) if key == key_of(&outsider)
    ));
    // Duplicate signature of a party (identical or re-made).
    let mut probe = record.clone();
    probe.signatures.push(record.signatures[2]);
    assert!(matches!(
        probe.verify(),
        Err(RecordError::DuplicateSignature { party: 2, .. })
    ));
    // Missing signature.
    let mut probe = record.clone();
    probe.signatures.remove(1);
    assert!(matches!(
        probe.verify(),
        Err(RecordError::MissingSignature { party: 1, .. })
    ));
    let mut probe = record.clone();
    probe.signatures.clear();
    assert!(matches!(
        probe.verify(),
        Err(RecordError::MissingSignature { party: 0, .. })
    ));
    // Order of entries does not matter.
    let mut probe = record;
    probe.signatures.reverse();
    probe.verify().expect("any order verifies");
}

#[test]
fn a_party_listed_twice_cannot_hide_an_unverified_signature() {
    // The verifier before this crate's rewrite counted signatures per listed party and
    // compared totals: with `parties = [A, A]`, A's signature counted twice and a garbage
    // entry by an unlisted C passed unchecked.
    let keys = keys();
    let a = key_of(&keys[0]);
    let body = ResultBody {
        computation_id: "00".repeat(32),
        description: "twice".into(),
        input_commitments: vec![],
        outputs: serde_json::json!({}),
        parties: vec![a, a],
    };
    let text = body.to_text();
    let record = ResultRecord {
        version: 1,
        kind: "conclave.result".into(),
        body: text.clone(),
        signatures: vec![
            sign(&keys[0], &text),
            SignatureEntry {
                public_key: key_of(&keys[2]),
                signature: RecordSignature::from_bytes([0; 64]),
            },
        ],
    };
    assert!(matches!(
        record.verify(),
        Err(RecordError::DuplicateParty { party: 1, key }) if key == a
    ));
    assert!(matches!(
        ResultRecord::sign(&body, &[&keys[0]]),
        Err(RecordError::DuplicateParty { party: 1, .. })
    ));
}

#[test]
fn bodies_that_are_not_result_bodies_are_refused() {
    let keys = keys();
    let signed = |text: &str| {
        let entries: Vec<SignatureEntry> = keys.iter().map(|k| sign(k, text)).collect();
        verify_signed_body(text, &entries)
    };
    let record = golden();
    let extra_field = record.body.replacen('{', "{\"extra\":1,", 1);
    assert!(matches!(
        signed(&extra_field),
        Err(RecordError::MalformedBody { .. })
    ));
    signed(&format!("{} ", record.body)).expect("a body is signed byte for byte, spaces too");
    assert!(matches!(
        signed(&format!("{}x", record.body)),
        Err(RecordError::MalformedBody { .. })
    ));
    let nobody = ResultBody {
        parties: vec![],
        ..ResultBody::from_text(&record.body).expect("body")
    };
    assert!(matches!(
        signed(&nobody.to_text()),
        Err(RecordError::NoParties)
    ));
}

#[test]
fn record_text_probes_are_refused_with_their_reason() {
    let malformed = |text: &str| {
        assert!(
            matches!(
                ResultRecord::from_json(text),
                Err(RecordError::MalformedRecord { .. })
            ),
            "{text:.80}"
        );
    };
    malformed(&format!("{GOLDEN}x"));
    malformed(&format!("{GOLDEN}{{}}"));
    malformed(&format!("x{GOLDEN}"));
    malformed(&GOLDEN[..GOLDEN.len() / 2]);
    malformed("");
    malformed("[]");
    ResultRecord::from_json(&format!("  {GOLDEN}  ")).expect("whitespace is not garbage");

    let mut value: Value = serde_json::from_str(GOLDEN).expect("json");
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut v = value.clone();
        f(&mut v);
        v.to_string()
    };
    malformed(&edit(&|v| v["note"] = "unknown field".into()));
    malformed(&edit(&|v| v["signatures"][0]["extra"] = 1.into()));
    malformed(&edit(&|v| v["version"] = "1".into()));
    malformed(&edit(&|v| {
        v.as_object_mut().expect("object").remove("body");
    }));
    malformed(&edit(&|v| v["signatures"][0]["signature"] = "00".into()));
    malformed(&edit(&|v| {
        v["signatures"][0]["public_key"] = "zz".repeat(32).into()
    }));
    // y = 2 is not the y-coordinate of a curve point.
    let off_curve = format!("02{}", "00".repeat(31));
    malformed(&edit(&|v| {
        v["signatures"][0]["public_key"] = off_curve.clone().into()
    }));

    assert!(matches!(
        ResultRecord::from_json(&edit(&|v| v["version"] = 2.into())),
        Err(RecordError::UnsupportedVersion { found: 2 })
    ));
    assert!(matches!(
        ResultRecord::from_json(&edit(&|v| v["kind"] = "conclave.other".into())),
        Err(RecordError::WrongKind)
    ));
    let mut record = golden();
    record.version = 0;
    assert!(matches!(
        record.verify(),
        Err(RecordError::UnsupportedVersion { found: 0 })
    ));
    let mut record = golden();
    record.kind = "conclave.results".into();
    assert!(matches!(record.verify(), Err(RecordError::WrongKind)));

    // Hex keys of either case are the same key (as before typed keys).
    value["signatures"][0]["public_key"] = value["signatures"][0]["public_key"]
        .as_str()
        .expect("hex")
        .to_uppercase()
        .into();
    ResultRecord::from_json(&value.to_string())
        .expect("upper-case hex parses")
        .verify()
        .expect("and verifies");
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let padded = format!(
        "{GOLDEN}{}",
        " ".repeat(MAX_RECORD_BYTES + 1 - GOLDEN.len())
    );
    assert!(matches!(
        ResultRecord::from_json(&padded),
        Err(RecordError::TooLarge { size, limit: MAX_RECORD_BYTES }) if size == MAX_RECORD_BYTES + 1
    ));
    let fits = &padded[..MAX_RECORD_BYTES];
    ResultRecord::from_json(fits).expect("at the limit parses");
}
