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
use conclave_he::threshold::dkg::{
    Round1Message, Round2Message, Trustee, TrusteeKey, TrusteeState,
};
use conclave_he::threshold::dlog::{DlogTable, DEFAULT_BABY_BITS};
use conclave_he::threshold::{Ciphertext, JointPublicKey, ThresholdParams, TrusteeIndex};
use conclave_he::Error as HeError;
use rand_core::OsRng;
use serde_json::json;

use crate::fsio::{self, Limit, SecretSource};
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
        /// The value, or `-` to read it from stdin (a value on the command line is visible
        /// to other users of this machine).
        #[arg(
            long,
            required_unless_present = "value_file",
            conflicts_with = "value_file"
        )]
        value: Option<String>,
        /// Read the value from this file instead of the command line.
        #[arg(long)]
        value_file: Option<PathBuf>,
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

fn load_client_key(path: &Path) -> anyhow::Result<ClientKeyBundle> {
    ClientKeyBundle::from_bytes(&fsio::read_secret(path, Limit::TFHE_CLIENT_KEY)?)
        .with_context(|| format!("{}", path.display()))
}

fn load_state(path: &Path) -> anyhow::Result<TrusteeState> {
    TrusteeState::from_secret_bytes(&fsio::read_secret(path, Limit::HE_THRESHOLD)?)
        .with_context(|| format!("{}", path.display()))
}

/// A finished trustee state (after round 3), for decrypting and signing.
fn load_key(path: &Path) -> anyhow::Result<TrusteeKey> {
    match load_state(path)? {
        TrusteeState::Done(key) => Ok(key),
        other => bail!(
            "{}: key generation is not finished (round {} of 3 done; run round {} next)",
            path.display(),
            other.completed_round(),
            other.completed_round() + 1
        ),
    }
}

fn load_pk(path: &Path) -> anyhow::Result<JointPublicKey> {
    JointPublicKey::from_json(&fsio::read(path, Limit::HE_THRESHOLD)?)
        .with_context(|| format!("{}", path.display()))
}

fn load_ct(path: &Path) -> anyhow::Result<Ciphertext> {
    Ciphertext::from_json(&fsio::read(path, Limit::HE_CIPHERTEXT)?)
        .with_context(|| format!("{}", path.display()))
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
            let client_path = dir.join("client.key");
            let server_path = dir.join("server.key");
            let plan = out.writes().plan(&[], &[&client_path, &server_path])?;
            let (keys, took) = out.step("generating TFHE keys", || {
                scoring::generate_keys(&mut OsRng)
            });
            let (ck, sk) = keys?;
            plan.write_secret(&client_path, &ck.to_secret_bytes()?)?;
            let server_bytes = sk.to_bytes()?;
            plan.write_public(&server_path, &server_bytes)?;
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
            let plan = out.writes().plan(&[&key, &features], &[&out_path])?;
            let ck = load_client_key(&key)?;
            let f = Features::from_json(&fsio::read(&features, Limit::HE_MODEL)?)
                .with_context(|| format!("{}", features.display()))?;
            let (ct, took) = out.step("encrypting features", || {
                EncryptedFeatures::encrypt(&ck, &f)
            });
            let bytes = ct?.to_bytes()?;
            plan.write_public(&out_path, &bytes)?;
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
            let plan = out
                .writes()
                .plan(&[&server_key, &model, &input], &[&out_path])?;
            let sk = ServerKeyBundle::from_bytes(&fsio::read(&server_key, Limit::TFHE_SERVER_KEY)?)
                .with_context(|| format!("{}", server_key.display()))?;
            let m = LinearModel::from_json(&fsio::read(&model, Limit::HE_MODEL)?)
                .with_context(|| format!("{}", model.display()))?;
            let ct = EncryptedFeatures::from_bytes(&fsio::read(&input, Limit::TFHE_CIPHERTEXT)?)
                .with_context(|| format!("{}", input.display()))?;
            let (expanded, t_expand) = out.step("decompressing server key", || sk.expand());
            let expanded = expanded?;
            let (result, took) = out.step("scoring on encrypted features", || {
                scoring::score(&expanded, &m, &ct)
            });
            let result = result.with_context(|| format!("{}", input.display()))?;
            let bytes = result.to_bytes()?;
            plan.write_public(&out_path, &bytes)?;
            out.report(
                &format!("Scored {} encrypted features in {:.2} s -> {}", ct.len(), took.as_secs_f64(), out_path.display()),
                json!({"ok": true, "out": out_path, "bytes": bytes.len(), "score_ms": millis(took), "key_expand_ms": millis(t_expand)}),
            )?;
            Ok(Verdict::Success)
        }
        Command::Decrypt { key, input } => {
            let ck = load_client_key(&key)?;
            let result =
                EncryptedScore::from_bytes(&fsio::read(&input, Limit::TFHE_CIPHERTEXT)?, &ck)
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
            value_file,
            out: out_path,
        } => {
            let value = SecretSource::from_options(value, value_file)?;
            let inputs: Vec<&Path> = std::iter::once(public_key.as_path())
                .chain(value.input())
                .collect();
            let plan = out.writes().plan(&inputs, &[&out_path])?;
            let pk = load_pk(&public_key)?;
            let ct = Ciphertext::encrypt(&pk, value.read_u64()?, &mut OsRng);
            plan.write_public(&out_path, &ct.to_json())?;
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
            let inputs: Vec<&Path> = std::iter::once(public_key.as_path())
                .chain(input.iter().map(PathBuf::as_path))
                .collect();
            let plan = out.writes().plan(&inputs, &[&out_path])?;
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
            plan.write_public(&out_path, &total.to_json())?;
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
            let plan = out.writes().plan(&[&state, &input], &[&out_path])?;
            let key = load_key(&state)?;
            let ct = load_ct(&input)?;
            let pd = PartialDecryption::create(&key, &ct, &mut OsRng)
                .with_context(|| format!("{}", input.display()))?;
            plan.write_public(&out_path, &pd.to_json())?;
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
            let table_path = table.unwrap_or_else(|| default_table_path(table_bits));
            let inputs: Vec<&Path> = [&public_key, &input, &state, &table_path]
                .into_iter()
                .map(PathBuf::as_path)
                .chain(partials.iter().map(PathBuf::as_path))
                .collect();
            let plan = out.writes().plan(&inputs, &[&out_path])?;
            let pk = load_pk(&public_key)?;
            let ct = load_ct(&input)?;
            let signer = load_key(&state)?;
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
                    PartialDecryption::from_json(&fsio::read(p, Limit::HE_THRESHOLD)?)
                        .with_context(|| format!("{}", p.display()))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
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
                        json!({"ok": false, "valid": false, "error": e.to_string()}),
                    )?;
                    return Ok(Verdict::Invalid);
                }
                Err(e) => return Err(e).with_context(|| format!("{}", input.display())),
            };
            let record = tdecrypt::result_record(&pk, &ct, &pds, &combined, &signer)?;
            plan.write_public(&out_path, &record.to_json())?;
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
                json!({"ok": true, "valid": true, "total": combined.total, "used": combined.used, "rejected": rejected,
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
    anyhow::ensure!(
        (1..=3).contains(&round),
        "--round {round}: rounds are 1, 2 and 3"
    );
    if round == 1 {
        let (Some(index), Some(n), Some(t)) = (index, trustees, threshold) else {
            bail!("round 1 needs --index, --trustees and --threshold");
        };
        refuse_existing_state(state)?;
        let plan = out.writes().plan(&[], &[state, out_path])?;
        let params = ThresholdParams::new(n, t)?;
        let (s, msg) = Trustee::start(params, TrusteeIndex(index), &mut OsRng)?;
        // The public message first: if it cannot be written, no state exists to block a rerun.
        plan.write_public(out_path, &msg.to_json())?;
        plan.write_secret(state, &TrusteeState::Round1(s).to_secret_bytes())?;
        out.report(
            &format!(
                "Trustee {index} of {n} (threshold {t}): round-1 message {}",
                out_path.display()
            ),
            json!({"ok": true, "round": 1, "out": out_path}),
        )?;
        return Ok(Verdict::Success);
    }
    let files: Vec<&Path> = std::iter::once(state)
        .chain(inputs.iter().map(PathBuf::as_path))
        .collect();
    let plan = out.writes().plan(&files, &[out_path])?;
    let current = load_state(state)?;
    current
        .check_next_round(round)
        .with_context(|| format!("{}", state.display()))?;
    match current {
        TrusteeState::Round1(s) => {
            let msgs = inputs
                .iter()
                .map(|p| {
                    Round1Message::from_json(&fsio::read(p, Limit::HE_THRESHOLD)?)
                        .with_context(|| format!("{}", p.display()))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let (s, msg) = s.deal(&msgs, &mut OsRng)?;
            plan.write_public(out_path, &msg.to_json())?;
            plan.replace_secret(state, &TrusteeState::Round2(s).to_secret_bytes())?;
            out.report(
                &format!(
                    "Round-2 message (commitments and encrypted shares) {}",
                    out_path.display()
                ),
                json!({"ok": true, "round": 2, "out": out_path}),
            )?;
        }
        TrusteeState::Round2(s) => {
            let msgs = inputs
                .iter()
                .map(|p| {
                    Round2Message::from_json(&fsio::read(p, Limit::HE_THRESHOLD)?)
                        .with_context(|| format!("{}", p.display()))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let (key, pk) = s.finish(&msgs)?;
            plan.write_public(out_path, &pk.to_json())?;
            plan.replace_secret(state, &TrusteeState::Done(key).to_secret_bytes())?;
            let key_id = hex_of(&pk.key_id());
            out.report(
                &format!("Joint public key {} (key id {key_id})", out_path.display()),
                json!({"ok": true, "round": 3, "out": out_path, "key_id": key_id}),
            )?;
        }
        // `check_next_round` admits no round after a finished key generation.
        TrusteeState::Done(_) => bail!("{}: key generation is already finished", state.display()),
    }
    Ok(Verdict::Success)
}

/// Round 1 starts a new key generation: it never replaces a trustee state, not even with
/// `--force` (that would destroy a key share or a key generation under way).
fn refuse_existing_state(state: &Path) -> anyhow::Result<()> {
    if std::fs::symlink_metadata(state).is_err() {
        return Ok(());
    }
    let existing = fsio::read(state, Limit::HE_THRESHOLD)
        .ok()
        .and_then(|bytes| TrusteeState::from_secret_bytes(&zeroize::Zeroizing::new(bytes)).ok());
    match existing {
        Some(existing) => Err(anyhow::Error::new(HeError::RoundOutOfOrder {
            requested: 1,
            completed: existing.completed_round(),
        })
        .context(format!(
            "{}: already holds a trustee state (not even --force replaces it; give round 1 \
             a new --state file)",
            state.display()
        ))),
        None => Ok(()),
    }
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
