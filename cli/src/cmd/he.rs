//! `conclave he …`: TFHE scoring of encrypted features, and threshold-decryptable
//! additive encryption (exponential ElGamal over Ristretto255) — thin wrappers over
//! `conclave_he`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use conclave_he::scoring::model::{Features, LinearModel};
use conclave_he::scoring::{
    self, ClientKeyBundle, EncryptedFeatures, EncryptedScore, ServerKeyBundle,
};
use conclave_he::threshold::decrypt::{self as tdecrypt, PartialDecryption};
use conclave_he::threshold::dkg::{Round1Message, Round2Message, Trustee, TrusteeState};
use conclave_he::threshold::dlog::{DlogTable, DEFAULT_BABY_BITS};
use conclave_he::threshold::{Ciphertext, JointPublicKey, ThresholdParams, TrusteeIndex};
use conclave_he::Error as HeError;
use rand_core::OsRng;
use serde_json::json;

use crate::cmd::demo::Story;
use crate::fsio;
use crate::output::{millis, Output, Verdict};

/// Homomorphic-encryption commands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Generate a TFHE client key (0600) and compressed server key into a directory.
        Keygen {
        /// Output directory (gets client.key and server.key).
        #[arg(long)]
        out: PathBuf,
    },
    /// Encrypt a feature vector (JSON) as a TFHE compressed ciphertext list.
        Encrypt {
        /// Client key file.
        #[arg(long)]
        key: PathBuf,
        /// Features JSON: {"version":1,"kind":"conclave.he.features","bits":8,"values":[…]}.
        #[arg(long)]
        features: PathBuf,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Evaluate a linear model on encrypted features (server side).
        Score {
        /// Compressed server key file.
        #[arg(long)]
        server_key: PathBuf,
        /// Model JSON.
        #[arg(long)]
        model: PathBuf,
        /// Encrypted features.
        #[arg(long)]
        input: PathBuf,
        /// Output: encrypted score and decision.
        #[arg(long)]
        out: PathBuf,
    },
    /// Decrypt an encrypted score and decision.
        Decrypt {
        /// Client key file.
        #[arg(long)]
        key: PathBuf,
        /// Encrypted score file.
        #[arg(long)]
        input: PathBuf,
    },
    /// Threshold key generation, one round per invocation (files exchanged between trustees).
    TrusteeKeygen {
        /// Round: 1 (publish keys), 2 (deal shares), 3 (finish: derive share and public key).
        #[arg(long)]
        round: u32,
        /// This trustee's secret state file (0600), created in round 1.
        #[arg(long)]
        state: PathBuf,
        /// Round 1: this trustee's index (1..=n).
        #[arg(long)]
        index: Option<u32>,
        /// Round 1: number of trustees n.
        #[arg(long)]
        trustees: Option<u32>,
        /// Round 1: threshold t.
        #[arg(long)]
        threshold: Option<u32>,
        /// Rounds 2 and 3: every trustee's message from the previous round.
        #[arg(long = "in", num_args = 1..)]
        inputs: Vec<PathBuf>,
        /// This round's public output (round 3: the joint public key).
        #[arg(long)]
        out: PathBuf,
    },
    /// Encrypt a 64-bit value under the joint threshold key.
    EncryptValue {
        /// Joint public key file.
        #[arg(long)]
        public_key: PathBuf,
        /// The value.
        #[arg(long)]
        value: u64,
        /// Output ciphertext.
        #[arg(long)]
        out: PathBuf,
    },
    /// Add ciphertexts homomorphically.
    Aggregate {
        /// Joint public key file.
        #[arg(long)]
        public_key: PathBuf,
        /// Ciphertexts to add.
        #[arg(long, num_args = 1.., required = true)]
        input: Vec<PathBuf>,
        /// Output ciphertext (records the hash of every input).
        #[arg(long)]
        out: PathBuf,
    },
    /// Produce this trustee's partial decryption with a Chaum–Pedersen proof.
    PartialDecrypt {
        /// This trustee's state file (after round 3).
        #[arg(long)]
        state: PathBuf,
        /// Ciphertext to decrypt.
        #[arg(long)]
        input: PathBuf,
        /// Output partial decryption.
        #[arg(long)]
        out: PathBuf,
    },
    /// Verify partial decryptions, combine t of them, decode the total, write a signed result record.
    Combine {
        /// Joint public key file.
        #[arg(long)]
        public_key: PathBuf,
        /// Ciphertext that was partially decrypted.
        #[arg(long)]
        input: PathBuf,
        /// Partial decryption files.
        #[arg(long, num_args = 1.., required = true)]
        partials: Vec<PathBuf>,
        /// State file of the trustee who signs the result record.
        #[arg(long)]
        state: PathBuf,
        /// Output: signed `conclave.result` record.
        #[arg(long)]
        out: PathBuf,
        /// Discrete-log table cache (default: $XDG_CACHE_HOME/conclave/dlog-<bits>.bin).
        #[arg(long)]
        table: Option<PathBuf>,
        /// Baby-step table size exponent (2^bits entries).
        #[arg(long, default_value_t = DEFAULT_BABY_BITS)]
        table_bits: u32,
        /// Totals are searched in [0, 2^range_bits).
        #[arg(long, default_value_t = 40)]
        range_bits: u32,
    },
}

fn read_secret(path: &Path) -> anyhow::Result<Vec<u8>> {
    fsio::check_secret_permissions(path)?;
    fsio::read(path)
}

fn load_client_key(path: &Path) -> anyhow::Result<ClientKeyBundle> {
    ClientKeyBundle::from_bytes(&read_secret(path)?).with_context(|| format!("{}", path.display()))
}

fn load_state(path: &Path) -> anyhow::Result<TrusteeState> {
    TrusteeState::from_secret_bytes(&read_secret(path)?)
        .with_context(|| format!("{}", path.display()))
}

fn load_pk(path: &Path) -> anyhow::Result<JointPublicKey> {
    JointPublicKey::from_json(&fsio::read(path)?).with_context(|| format!("{}", path.display()))
}

fn load_ct(path: &Path) -> anyhow::Result<Ciphertext> {
    Ciphertext::from_json(&fsio::read(path)?).with_context(|| format!("{}", path.display()))
}

fn default_table_path(bits: u32) -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("conclave").join(format!("dlog-{bits}.bin"))
}

/// Runs an `he` command.
pub fn run(command: Command, out: &Output) -> anyhow::Result<Verdict> {
    match command {
                Command::Keygen { out: dir } => {
            let (keys, took) = out.step("generating TFHE keys", || {
                scoring::generate_keys(&mut OsRng)
            });
            let (ck, sk) = keys?;
            let client_path = dir.join("client.key");
            let server_path = dir.join("server.key");
            fsio::write_secret(&client_path, &ck.to_secret_bytes()?)?;
            let server_bytes = sk.to_bytes()?;
            fsio::write_public(&server_path, &server_bytes)?;
            let key_id = hex_of(&ck.key_id());
            out.report(
                &format!(
                    "Wrote {} (secret, 0600) and {} ({} bytes); key id {key_id}; {:.1} s",
                    client_path.display(),
                    server_path.display(),
                    server_bytes.len(),
                    took.as_secs_f64()
                ),
                json!({"ok": true, "client_key": client_path, "server_key": server_path,
                       "server_key_bytes": server_bytes.len(), "key_id": key_id, "ms": millis(took)}),
            )?;
            Ok(Verdict::Success)
        }
                Command::Encrypt {
            key,
            features,
            out: out_path,
        } => {
            let ck = load_client_key(&key)?;
            let f = Features::from_json(&fsio::read(&features)?)
                .with_context(|| format!("{}", features.display()))?;
            let (ct, took) = out.step("encrypting features", || {
                EncryptedFeatures::encrypt(&ck, &f)
            });
            let bytes = ct?.to_bytes()?;
            fsio::write_public(&out_path, &bytes)?;
            out.report(
                &format!("Encrypted {} features into {} ({} bytes)", f.values.len(), out_path.display(), bytes.len()),
                json!({"ok": true, "out": out_path, "count": f.values.len(), "bytes": bytes.len(), "ms": millis(took)}),
            )?;
            Ok(Verdict::Success)
        }
                Command::Score {
            server_key,
            model,
            input,
            out: out_path,
        } => {
            let sk = ServerKeyBundle::from_bytes(&fsio::read(&server_key)?)
                .with_context(|| format!("{}", server_key.display()))?;
            let m = LinearModel::from_json(&fsio::read(&model)?)
                .with_context(|| format!("{}", model.display()))?;
            let ct = EncryptedFeatures::from_bytes(&fsio::read(&input)?)
                .with_context(|| format!("{}", input.display()))?;
            let (expanded, t_expand) = out.step("decompressing server key", || sk.expand());
            let expanded = expanded?;
            let (result, took) = out.step("scoring on encrypted features", || {
                scoring::score(&expanded, &m, &ct)
            });
            let result = result.with_context(|| format!("{}", input.display()))?;
            let bytes = result.to_bytes()?;
            fsio::write_public(&out_path, &bytes)?;
            out.report(
                &format!("Scored {} encrypted features in {:.2} s -> {}", ct.len(), took.as_secs_f64(), out_path.display()),
                json!({"ok": true, "out": out_path, "bytes": bytes.len(), "score_ms": millis(took), "key_expand_ms": millis(t_expand)}),
            )?;
            Ok(Verdict::Success)
        }
                Command::Decrypt { key, input } => {
            let ck = load_client_key(&key)?;
            let result = EncryptedScore::from_bytes(&fsio::read(&input)?, &ck)
                .with_context(|| format!("{}", input.display()))?;
            let (score, approved) = scoring::decrypt(&ck, &result)?;
            out.report(
                &format!("score {score}, decision: {}", if approved { "approve" } else { "decline" }),
                json!({"ok": true, "score": score, "approved": approved, "model": hex_of(&result.model_hash())}),
            )?;
            Ok(Verdict::Success)
        }
        Command::TrusteeKeygen {
            round,
            state,
            index,
            trustees,
            threshold,
            inputs,
            out: out_path,
        } => trustee_keygen(
            out, round, &state, index, trustees, threshold, &inputs, &out_path,
        ),
        Command::EncryptValue {
            public_key,
            value,
            out: out_path,
        } => {
            let pk = load_pk(&public_key)?;
            let ct = Ciphertext::encrypt(&pk, value, &mut OsRng);
            fsio::write_public(&out_path, &ct.to_json())?;
            out.report(
                &format!("Encrypted one value into {}", out_path.display()),
                json!({"ok": true, "out": out_path, "hash": hex_of(&ct.hash())}),
            )?;
            Ok(Verdict::Success)
        }
        Command::Aggregate {
            public_key,
            input,
            out: out_path,
        } => {
            let pk = load_pk(&public_key)?;
            let cts = input
                .iter()
                .map(|p| {
                    let ct = load_ct(p)?;
                    ct.check_key(&pk)
                        .with_context(|| format!("{}", p.display()))?;
                    Ok(ct)
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let total = Ciphertext::sum(&cts)?;
            fsio::write_public(&out_path, &total.to_json())?;
            out.report(
                &format!("Added {} ciphertexts into {}", cts.len(), out_path.display()),
                json!({"ok": true, "out": out_path, "count": cts.len(), "hash": hex_of(&total.hash())}),
            )?;
            Ok(Verdict::Success)
        }
        Command::PartialDecrypt {
            state,
            input,
            out: out_path,
        } => {
            let TrusteeState::Done(key) = load_state(&state)? else {
                bail!(
                    "{}: key generation is not finished (run round 3 first)",
                    state.display()
                );
            };
            let ct = load_ct(&input)?;
            let pd = PartialDecryption::create(&key, &ct, &mut OsRng)
                .with_context(|| format!("{}", input.display()))?;
            fsio::write_public(&out_path, &pd.to_json())?;
            out.report(
                &format!(
                    "Trustee {} wrote a partial decryption to {}",
                    key.index().0,
                    out_path.display()
                ),
                json!({"ok": true, "out": out_path, "trustee": key.index().0}),
            )?;
            Ok(Verdict::Success)
        }
        Command::Combine {
            public_key,
            input,
            partials,
            state,
            out: out_path,
            table,
            table_bits,
            range_bits,
        } => {
            let pk = load_pk(&public_key)?;
            let ct = load_ct(&input)?;
            let TrusteeState::Done(signer) = load_state(&state)? else {
                bail!(
                    "{}: key generation is not finished (run round 3 first)",
                    state.display()
                );
            };
            if signer.public_key() != &pk {
                bail!(
                    "{}: this trustee belongs to another key than {}",
                    state.display(),
                    public_key.display()
                );
            }
            let pds = partials
                .iter()
                .map(|p| {
                    PartialDecryption::from_json(&fsio::read(p)?)
                        .with_context(|| format!("{}", p.display()))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let table_path = table.unwrap_or_else(|| default_table_path(table_bits));
            let (table, t_table) = out.step("loading discrete-log table", || {
                DlogTable::load_or_build(&table_path, table_bits)
            });
            let table = table?;
            let (combined, t_combine) = out.step("combining partial decryptions", || {
                tdecrypt::combine(&pk, &ct, &pds, &table, range_bits)
            });
            let combined = match combined {
                Ok(c) => c,
                Err(e @ HeError::NotEnoughShares { .. }) => {
                    out.report(
                        &format!("cannot decrypt: {e}"),
                        json!({"ok": false, "error": e.to_string()}),
                    )?;
                    return Ok(Verdict::Invalid);
                }
                Err(e) => return Err(e).with_context(|| format!("{}", input.display())),
            };
            let record = tdecrypt::result_record(&pk, &ct, &pds, &combined, &signer)?;
            fsio::write_public(&out_path, &record.to_json())?;
            let rejected: Vec<_> = combined
                .rejected
                .iter()
                .map(|(i, r)| json!({"trustee": i, "reason": r}))
                .collect();
            let mut human = format!(
                "total {} (trustees {:?}); record written to {}",
                combined.total,
                combined.used,
                out_path.display()
            );
            for (i, r) in &combined.rejected {
                human.push_str(&format!(
                    "\nrejected partial decryption of trustee {i}: {r}"
                ));
            }
            out.report(
                &human,
                json!({"ok": true, "total": combined.total, "used": combined.used, "rejected": rejected,
                       "record": out_path, "table_ms": millis(t_table), "combine_ms": millis(t_combine)}),
            )?;
            Ok(Verdict::Success)
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn trustee_keygen(
    out: &Output,
    round: u32,
    state: &Path,
    index: Option<u32>,
    trustees: Option<u32>,
    threshold: Option<u32>,
    inputs: &[PathBuf],
    out_path: &Path,
) -> anyhow::Result<Verdict> {
    match round {
        1 => {
            let (Some(index), Some(n), Some(t)) = (index, trustees, threshold) else {
                bail!("round 1 needs --index, --trustees and --threshold");
            };
            let params = ThresholdParams::new(n, t)?;
            let (s, msg) = Trustee::start(params, TrusteeIndex(index), &mut OsRng)?;
            fsio::write_secret(state, &TrusteeState::Round1(s).to_secret_bytes())?;
            fsio::write_public(out_path, &msg.to_json())?;
            out.report(
                &format!(
                    "Trustee {index} of {n} (threshold {t}): round-1 message {}",
                    out_path.display()
                ),
                json!({"ok": true, "round": 1, "out": out_path}),
            )?;
        }
        2 => {
            let TrusteeState::Round1(s) = load_state(state)? else {
                bail!(
                    "{}: not at round 1 (each round runs once, in order)",
                    state.display()
                );
            };
            let msgs = inputs
                .iter()
                .map(|p| {
                    Round1Message::from_json(&fsio::read(p)?)
                        .with_context(|| format!("{}", p.display()))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let (s, msg) = s.deal(&msgs, &mut OsRng)?;
            fsio::write_secret(state, &TrusteeState::Round2(s).to_secret_bytes())?;
            fsio::write_public(out_path, &msg.to_json())?;
            out.report(
                &format!(
                    "Round-2 message (commitments and encrypted shares) {}",
                    out_path.display()
                ),
                json!({"ok": true, "round": 2, "out": out_path}),
            )?;
        }
        3 => {
            let TrusteeState::Round2(s) = load_state(state)? else {
                bail!(
                    "{}: not at round 2 (each round runs once, in order)",
                    state.display()
                );
            };
            let msgs = inputs
                .iter()
                .map(|p| {
                    Round2Message::from_json(&fsio::read(p)?)
                        .with_context(|| format!("{}", p.display()))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let (key, pk) = s.finish(&msgs)?;
            fsio::write_secret(state, &TrusteeState::Done(key).to_secret_bytes())?;
            fsio::write_public(out_path, &pk.to_json())?;
            let key_id = hex_of(&pk.key_id());
            out.report(
                &format!("Joint public key {} (key id {key_id})", out_path.display()),
                json!({"ok": true, "round": 3, "out": out_path, "key_id": key_id}),
            )?;
        }
        other => bail!("--round {other}: rounds are 1, 2 and 3"),
    }
    Ok(Verdict::Success)
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The homomorphic-encryption chapter of the demo: threshold aggregation, then TFHE scoring.
pub fn demo_chapter(story: &mut Story) -> anyhow::Result<()> {
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
    fsio::write_public(&record_path, &record.to_json())?;
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
