//! The homomorphic-encryption chapter of `conclave demo` (it drives the same library calls as
//! `conclave he …`).

use conclave_he::scoring::model::{Features, LinearModel};
use conclave_he::scoring::{self, EncryptedFeatures, EncryptedScore, ServerKeyBundle};
use conclave_he::threshold::decrypt::{self as tdecrypt, PartialDecryption};
use conclave_he::threshold::dkg::Trustee;
use conclave_he::threshold::dlog::DlogTable;
use conclave_he::threshold::{Ciphertext, ThresholdParams, TrusteeIndex};
use rand_core::OsRng;

use super::Story;
use crate::fsio::WritePolicy;

/// The homomorphic-encryption chapter of the demo: threshold aggregation, then TFHE scoring.
pub fn chapter(story: &mut Story) -> anyhow::Result<()> {
    story.chapter("Homomorphic encryption: a threshold-decrypted total")?;
    let (n, t) = (3u32, 2u32);
    let params = ThresholdParams::new(n, t)?;
    let (r1, msgs1) = story.step("3 trustees publish transport keys (round 1)", || {
        let mut states = Vec::new();
        let mut msgs = Vec::new();
        for i in 1..=n {
            let (s, m) = Trustee::start(params, TrusteeIndex(i), &mut OsRng)?;
            states.push(s);
            msgs.push(m);
        }
        Ok((states, msgs))
    })?;
    let (r2, msgs2) = story.step("each deals Feldman-committed shares (round 2)", || {
        let mut states = Vec::new();
        let mut msgs = Vec::new();
        for s in r1 {
            let (s, m) = s.deal(&msgs1, &mut OsRng)?;
            states.push(s);
            msgs.push(m);
        }
        Ok((states, msgs))
    })?;
    let keys = story.step(
        "each verifies its shares; joint key, no one holds it",
        || {
            r2.into_iter()
                .map(|s| s.finish(&msgs2).map(|(k, _)| k))
                .collect::<Result<Vec<_>, _>>()
                .map_err(anyhow::Error::from)
        },
    )?;
    let pk = keys[0].public_key().clone();
    let balances: Vec<u64> = (0..200).map(|i| 1_000 + (i * 7_919) % 50_000).collect();
    let expected: u64 = balances.iter().sum();
    let cts = story.step("200 branches encrypt their balances", || {
        Ok(balances
            .iter()
            .map(|&v| Ciphertext::encrypt(&pk, v, &mut OsRng))
            .collect::<Vec<_>>())
    })?;
    let total = story.step("anyone adds the ciphertexts", || Ok(Ciphertext::sum(&cts)?))?;
    let mut partials = story.step("trustees 1 and 3 partially decrypt, with proofs", || {
        Ok(vec![
            PartialDecryption::create(&keys[0], &total, &mut OsRng)?,
            PartialDecryption::create(&keys[2], &total, &mut OsRng)?,
        ])
    })?;
    // Trustee 2 lies: its share is trustee 1's, relabelled.
    let mut forged = partials[0].clone();
    forged.trustee = 2;
    partials.insert(1, forged);
    let table_path = story.path("dlog-16.bin");
    let combined = story.step(
        "combine: forged share from trustee 2 rejected; total decoded",
        || {
            let table = DlogTable::load_or_build(&table_path, 16)?;
            Ok(tdecrypt::combine(&pk, &total, &partials, &table, 32)?)
        },
    )?;
    story.expect(
        combined.total == expected,
        "threshold total equals the plaintext sum",
    )?;
    story.expect(
        combined.rejected.iter().any(|(i, _)| *i == 2),
        "trustee 2's forged share is named",
    )?;
    let record = tdecrypt::result_record(&pk, &total, &partials, &combined, &keys[0])?;
    let record_path = story.path("he-total.result.json");
    // The demo writes into its own fresh folder.
    WritePolicy::NO_OVERWRITE.write_public(&record_path, &record.to_json())?;
    story.artifacts.insert("he.result", record_path);
    story.tell(
        &format!(
            "total = {} (matches the plaintext sum); signed result record",
            combined.total
        ),
        Default::default(),
    )?;

    tfhe_demo_chapter(story)
}

/// The TFHE chapter: a lender scores encrypted features it never sees.
fn tfhe_demo_chapter(story: &mut Story) -> anyhow::Result<()> {
    story.chapter("Homomorphic encryption: scoring encrypted credit data (TFHE)")?;
    let (ck, sk) = story.step("applicant generates TFHE keys", || {
        Ok(scoring::generate_keys(&mut OsRng)?)
    })?;
    let model = LinearModel {
        version: 1,
        kind: conclave_he::scoring::model::KIND_MODEL.into(),
        feature_bits: 8,
        score_bits: 16,
        weights: vec![3, 5],
        bias: 100,
        threshold: 900,
    };
    let features = Features {
        version: 1,
        kind: conclave_he::scoring::model::KIND_FEATURES.into(),
        bits: 8,
        values: vec![120, 77],
    };
    let ct = story.step("applicant encrypts 2 features (compressed list)", || {
        Ok(EncryptedFeatures::encrypt(&ck, &features)?.to_bytes()?)
    })?;
    let sk_bytes = sk.to_bytes()?;
    let result = story.step("lender scores them without seeing them", || {
        let sk = ServerKeyBundle::from_bytes(&sk_bytes)?;
        let input = EncryptedFeatures::from_bytes(&ct)?;
        Ok(scoring::score(&sk.expand()?, &model, &input)?.to_bytes()?)
    })?;
    let (score, approved) = story.step("applicant decrypts score and decision", || {
        let r = EncryptedScore::from_bytes(&result, &ck)?;
        Ok(scoring::decrypt(&ck, &r)?)
    })?;
    let (want_score, want_decision) = model.evaluate(&features.values)?;
    story.expect(
        score == want_score && approved == want_decision,
        "TFHE score equals the plaintext model",
    )?;
    story.tell(
        &format!(
            "score {score}, {}",
            if approved { "approved" } else { "declined" }
        ),
        Default::default(),
    )?;
    Ok(())
}
