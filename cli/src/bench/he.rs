//! The `he` suite: homomorphic encryption as the HE commands run it.
//!
//! - **TFHE credit score against the number of features**: a linear model over 8-bit
//!   features (TFHE-rs, the parameters of `conclave he`), encrypted as one compressed list;
//!   encryption and the server's evaluation (score and decision, `scoring::score`) timed
//!   for 1 … 16 features with one key pair (its generation timed in each pass, the first
//!   pass's keys used). Each evaluation is decrypted and checked against the plaintext
//!   model before it counts.
//! - **Threshold ElGamal totals against the number of values**: encrypting under the joint
//!   key of a 3-of-5 DKG, summing the ciphertexts and decrypting the total with three
//!   trustees' verifiable partial decryptions, for 10 … 10,000 values.

use anyhow::{ensure, Context};
use conclave_he::scoring::model::{Features, LinearModel, KIND_FEATURES, KIND_MODEL};
use conclave_he::scoring::{self, EncryptedFeatures};
use conclave_he::threshold::decrypt::{combine, PartialDecryption};
use conclave_he::threshold::dkg::{Trustee, TrusteeKey};
use conclave_he::threshold::dlog::DlogTable;
use conclave_he::threshold::{Ciphertext, JointPublicKey, ThresholdParams, TrusteeIndex};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use super::report::{plot, Measurement};
use super::{Key, Runner};

/// The plots this suite writes.
pub const PLOTS: &[&str] = &["he-tfhe-vs-features.svg", "he-threshold-vs-values.svg"];

/// What `size` counts in the TFHE sweep.
const FEATURES: &str = "features (8-bit)";
/// Bits of the largest total the threshold sweep decrypts.
const TOTAL_BITS: u32 = 24;
/// What `size` counts in the threshold sweep.
const VALUES: &str = "encrypted values";

/// Runs the suite.
///
/// # Errors
/// A result that does not decrypt to the plaintext computation (a bug, reported as such).
pub fn run(runner: &mut Runner) -> anyhow::Result<()> {
    let mode = runner.mode();
    let features: Vec<usize> = mode.pick(vec![1, 2], vec![1, 2, 4], vec![1, 2, 4, 8, 16]);
    let values: Vec<usize> = mode.pick(
        vec![10, 100],
        vec![10, 100, 1_000],
        vec![10, 100, 1_000, 10_000],
    );
    let n = mode.pick(1, 3, 5);
    let keygen_n = mode.pick(1, 2, 3);
    runner.plan((keygen_n + 2 * n * features.len() + n * values.len()) as u64);
    let mut rng = ChaCha20Rng::seed_from_u64(runner.seed());

    // Key generation is timed once per pass (a spread, not one number); the suite uses
    // the first pass's keys.
    let mut made = None;
    if runner.share(keygen_n) > 0 {
        let samples = runner.time(keygen_n, || {
            made = Some(scoring::generate_keys(&mut rng)?);
            Ok(())
        })?;
        runner.record(
            Key {
                operation: "key generation (client + compressed server key)",
                series: "TFHE-rs",
                parameter: "key pairs",
                size: 1,
            },
            samples,
        )?;
    }
    let keys = runner.keep("TFHE keys", |_| {
        let (client, server) = made.context("key generation ran in the first pass")?;
        Ok((client, server.expand()?))
    })?;
    let (client, expanded) = &*keys;
    for &count in &features {
        let model = model(count, &mut rng);
        let plain = Features {
            version: 1,
            kind: KIND_FEATURES.into(),
            bits: 8,
            values: (0..count).map(|_| rng.gen_range(0..256u64)).collect(),
        };
        let expected = model.evaluate(&plain.values)?;
        let key = |operation| Key {
            operation,
            series: "TFHE-rs",
            parameter: FEATURES,
            size: count as u64,
        };
        let mut input = None;
        let samples = runner.time(n, || {
            input = Some(EncryptedFeatures::encrypt(client, &plain)?);
            Ok(())
        })?;
        runner.record(key("encrypt"), samples)?;
        let input = input.context("encryption ran")?;
        let samples = runner.time(n, || {
            let result = scoring::score(expanded, &model, &input)?;
            ensure!(
                scoring::decrypt(client, &result)? == expected,
                "the encrypted score differs from the plaintext model (a bug)"
            );
            Ok(())
        })?;
        runner.record(key("score and decision"), samples)?;
    }

    let (trustees, joint) = dkg(&mut rng)?;
    // Totals stay below 10,000 × 1,000 < 2^24: a 2^12 baby-step table decodes them.
    let table = DlogTable::build(12)?;
    for &count in &values {
        let plain: Vec<u64> = (0..count).map(|_| rng.gen_range(0..1_000)).collect();
        let total: u64 = plain.iter().sum();
        let samples = runner.time(n, || {
            let cts: Vec<Ciphertext> = plain
                .iter()
                .map(|&v| Ciphertext::encrypt(&joint, v, &mut rng))
                .collect();
            let sum = Ciphertext::sum(&cts)?;
            let partials = trustees[..3]
                .iter()
                .map(|t| PartialDecryption::create(t, &sum, &mut rng))
                .collect::<Result<Vec<_>, _>>()?;
            let opened = combine(&joint, &sum, &partials, &table, TOTAL_BITS)?;
            ensure!(
                opened.total == total,
                "the decrypted total is wrong (a bug)"
            );
            Ok(())
        })?;
        runner.record(
            Key {
                operation: "encrypt, sum, 3-of-5 decrypt",
                series: "threshold ElGamal",
                parameter: VALUES,
                size: count as u64,
            },
            samples,
        )?;
    }
    Ok(())
}

/// A model of `count` small weights whose largest score fits its 16 bits.
fn model(count: usize, rng: &mut ChaCha20Rng) -> LinearModel {
    LinearModel {
        version: 1,
        kind: KIND_MODEL.into(),
        feature_bits: 8,
        score_bits: 16,
        weights: (0..count).map(|_| rng.gen_range(1..=15)).collect(),
        bias: 150,
        threshold: 1_000,
    }
}

/// A 3-of-5 distributed key generation, all trustees in this process.
fn dkg(rng: &mut ChaCha20Rng) -> anyhow::Result<(Vec<TrusteeKey>, JointPublicKey)> {
    let params = ThresholdParams::new(5, 3)?;
    let (first, dealt): (Vec<_>, Vec<_>) = (1..=5)
        .map(|i| Trustee::start(params, TrusteeIndex(i), rng))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .unzip();
    let (second, shares): (Vec<_>, Vec<_>) = first
        .into_iter()
        .map(|trustee| trustee.deal(&dealt, rng))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .unzip();
    let keys = second
        .into_iter()
        .map(|trustee| Ok(trustee.finish(&shares)?.0))
        .collect::<anyhow::Result<Vec<TrusteeKey>>>()?;
    let joint = keys.first().context("five trustees")?.public_key().clone();
    Ok((keys, joint))
}

/// The suite's plots.
pub fn plots(measurements: &[Measurement]) -> Vec<(String, String)> {
    vec![
        (
            PLOTS[0].to_owned(),
            plot(
                measurements,
                "he",
                FEATURES,
                &["encrypt", "score and decision"],
                "TFHE credit score against the number of features",
                "features",
            ),
        ),
        (
            PLOTS[1].to_owned(),
            plot(
                measurements,
                "he",
                VALUES,
                &["encrypt, sum, 3-of-5 decrypt"],
                "Threshold ElGamal: a total of encrypted values",
                "values",
            ),
        ),
    ]
}
