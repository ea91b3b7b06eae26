//! C2SP signed-note known answers from the Go reference implementation (vectors/SOURCE.md).

use conclave_ledger::note::{NoteSigner, NoteVerifier};
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("../vectors/signed_note_go.json")).unwrap()
}

#[test]
fn keys_parse_and_signing_reproduces_the_go_note_byte_for_byte() {
    let v = vectors();
    let vkey = v["verifier_key"].as_str().unwrap();
    let verifier = NoteVerifier::parse(vkey).unwrap();
    assert_eq!(verifier.to_string(), vkey);
    assert_eq!(hex::encode(verifier.id()), "c74f20a3");
    let signer = NoteSigner::parse(v["signer_key"].as_str().unwrap()).unwrap();
    assert_eq!(signer.verifier(), verifier);
    assert_eq!(
        &*signer.to_private_text(),
        v["signer_key"].as_str().unwrap()
    );
    let text = v["text"].as_str().unwrap();
    let note = signer.sign(text).unwrap();
    assert_eq!(note, v["signed_note"].as_str().unwrap());
    assert_eq!(verifier.open(&note).unwrap(), text);
}

#[test]
fn cosignatures_by_other_keys_are_ignored_and_tampering_is_caught() {
    let v = vectors();
    let verifier = NoteVerifier::parse(v["verifier_key"].as_str().unwrap()).unwrap();
    let enoch = NoteVerifier::parse(v["other_verifier_key"].as_str().unwrap()).unwrap();
    let note = v["signed_note"].as_str().unwrap();
    let both = format!("{note}{}", v["other_signature_line"].as_str().unwrap());
    verifier.open(&both).unwrap();
    enoch.open(&both).unwrap();
    assert!(enoch.open(note).is_err(), "no signature by this key");
    assert!(verifier
        .open(&note.replace("cryptography", "cryptographY"))
        .is_err());
    let text = v["text"].as_str().unwrap();
    let sig_line = &note[text.len() + 1..];
    // The malformed notes of the Go test table.
    let bad = [
        text.to_string(),
        format!("{text}\n"),
        format!("{text}\n{}", &sig_line[..sig_line.len() - 1]),
        format!("\u{1}{text}\n{sig_line}"),
        format!("{text}\n\u{2014} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="),
        format!("{text}\n{sig_line}Unexpected line.\n"),
        format!("{text}\n{}", sig_line.repeat(101)),
    ];
    for msg in bad {
        assert!(verifier.open(&msg).is_err(), "accepted {msg:?}");
    }
    // A corrupted signature from the right key is an error, not a skip.
    let split = text.len() + 1 + 60;
    let corrupted = format!("{}ABCD{}", &note[..split], &note[split..]);
    assert!(verifier.open(&corrupted).is_err());
}

#[test]
fn mangled_verifier_keys_are_refused() {
    let v = vectors();
    for bad in v["bad_verifier_keys"].as_array().unwrap() {
        assert!(NoteVerifier::parse(bad.as_str().unwrap()).is_err());
    }
    let vkey = v["verifier_key"].as_str().unwrap().as_bytes().to_vec();
    for i in 0..vkey.len() {
        let mut b = vkey.clone();
        b[i] = b[i].wrapping_add(1);
        if let Ok(text) = String::from_utf8(b) {
            assert!(NoteVerifier::parse(&text).is_err(), "accepted {text}");
        }
        if let Ok(text) = std::str::from_utf8(&vkey[..i]) {
            assert!(NoteVerifier::parse(text).is_err(), "accepted prefix {text}");
        }
    }
}
