//! `conclave zk setup --predicate`, `zk prove --credential`, and `zk verify` of predicate
//! proofs: the predicate statement over signed credentials
//! (`conclave_circuits::statement::predicate`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use conclave_circuits::credential::holder::HolderSecret;
use conclave_circuits::credential::keys::{self, KeyRole};
use conclave_circuits::credential::revocation::RevocationRegistry;
use conclave_circuits::credential::{Credential, Schema};
use conclave_circuits::field;
use conclave_circuits::statement::predicate::{
    self, PredicateProof, PredicateStatement, PredicateStatementError, PredicateVerifyingKey,
    ProverInputs,
};
use rand::rngs::OsRng;
use rand::SeedableRng;
use serde_json::json;

use crate::fsio::{self, Limit};
use crate::output::{millis, Output, Verdict};

/// File names of a predicate statement's keys in the `--out` directory.
pub fn key_paths(dir: &Path) -> (PathBuf, PathBuf) {
    (dir.join("predicate.pk"), dir.join("predicate.vk"))
}

/// Splits `alias=value`.
fn split_binding<'a>(flag: &str, text: &'a str) -> anyhow::Result<(&'a str, &'a str)> {
    match text.split_once('=') {
        Some((alias, value)) if !alias.is_empty() && !value.is_empty() => Ok((alias, value)),
        _ => bail!("{flag} takes NAME=VALUE, got {text:?}"),
    }
}

/// Parses repeated `alias=value` flags into a map, refusing a name given twice.
fn bindings(flag: &str, items: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut map = BTreeMap::new();
    for item in items {
        let (name, value) = split_binding(flag, item)?;
        if map.insert(name.to_owned(), value.to_owned()).is_some() {
            bail!("{flag} {name}=… is given twice");
        }
    }
    Ok(map)
}

fn read_json_file<T>(
    path: &Path,
    limit: Limit,
    decode: impl FnOnce(&[u8]) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let bytes = fsio::read(path, limit)?;
    decode(&bytes).with_context(|| format!("{}", path.display()))
}

/// What `zk setup --predicate` records besides the predicate and schemas.
pub struct SetupOptions<'a> {
    /// `--revocable ALIAS`, repeatable.
    pub revocable: &'a [String],
    /// `--issuer alias=FILE`, repeatable.
    pub issuers: &'a [String],
    /// `--hashed-inputs`.
    pub hashed_inputs: bool,
}

/// Reads `alias=FILE` revocation registries (each checked: format, root, signature).
fn registries(items: &[String]) -> anyhow::Result<BTreeMap<String, RevocationRegistry>> {
    let mut map = BTreeMap::new();
    for (alias, file) in bindings("--revocation", items)? {
        let registry = read_json_file(Path::new(&file), Limit::REVOCATION_REGISTRY, |b| {
            Ok(RevocationRegistry::from_json(b)?)
        })?;
        map.insert(alias, registry);
    }
    Ok(map)
}

/// `zk setup --predicate TEXT --schema alias=FILE … [--revocable ALIAS …] --out DIR`.
pub fn setup(
    text: &str,
    schemas: &[String],
    options: &SetupOptions<'_>,
    dir: &Path,
    danger_seed: Option<u64>,
    out: &Output,
) -> anyhow::Result<Verdict> {
    let mut map = BTreeMap::new();
    let mut inputs = Vec::new();
    for (alias, file) in bindings("--schema", schemas)? {
        let path = PathBuf::from(file);
        let schema = read_json_file(&path, Limit::CRED_FILE, |b| Ok(Schema::from_json(b)?))?;
        inputs.push(path);
        map.insert(alias, schema);
    }
    let mut statement = PredicateStatement::new(text, map)
        .and_then(|s| s.with_revocation(options.revocable.iter().cloned()))
        .context("cannot set up this predicate")?;
    for (alias, file) in bindings("--issuer", options.issuers)? {
        let path = PathBuf::from(file);
        let key = read_json_file(&path, Limit::CRED_KEY, |b| {
            Ok(keys::public_key_from_json(KeyRole::Issuer, b)?)
        })?;
        inputs.push(path);
        statement = statement
            .with_issuer(&alias, key)
            .context("cannot set up this predicate")?;
    }
    if options.hashed_inputs {
        statement = statement.with_hashed_inputs();
    }
    let constraints = predicate::constraint_count(&statement)?;
    let (pk_path, vk_path) = key_paths(dir);
    let input_refs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    let plan = out.writes().plan(&input_refs, &[&pk_path, &vk_path])?;
    let (keys, took) = out.step("generating Groth16 keys", || match danger_seed {
        Some(seed) => predicate::setup(
            statement.clone(),
            &mut rand_chacha::ChaCha20Rng::seed_from_u64(seed),
        ),
        None => predicate::setup(statement.clone(), &mut OsRng),
    });
    let (pk, vk) = keys?;
    plan.write_public(&pk_path, &pk.to_bytes())?;
    plan.write_public(&vk_path, vk.to_json().as_bytes())?;
    let params: Vec<String> = statement.params().keys().map(|n| format!("${n}")).collect();
    out.report(
        &format!(
            "predicate keys in {:.0} ms ({constraints} constraints)\n  predicate     {text}\n  parameters    {}\n  revocable     {}\n  proving key   {}\n  verifying key {}\n  key id        {}",
            millis(took),
            params.join(", "),
            if statement.revocable().is_empty() {
                "(none)".to_owned()
            } else {
                statement.revocable().iter().cloned().collect::<Vec<_>>().join(", ")
            },
            pk_path.display(),
            vk_path.display(),
            vk.id_hex()
        ),
        json!({
            "ok": true,
            "predicate": text,
            "aliases": statement.aliases().iter().map(|(a, s)| (a.clone(), s.id().to_owned())).collect::<BTreeMap<_, _>>(),
            "params": params,
            "revocable": statement.revocable(),
            "hashed_inputs": statement.hashed_inputs(),
            "public_inputs": statement.public_input_count(),
            "pinned_issuers": statement.pinned_issuers().iter().map(|(alias, key)| {
                let (ax, ay) = key.point().to_decimal();
                (alias.clone(), json!({ "Ax": ax, "Ay": ay }))
            }).collect::<serde_json::Map<_, _>>(),
            "constraints": constraints,
            "statement_id": vk.id_hex(),
            "proving_key": pk_path,
            "verifying_key": vk_path,
            "ms": millis(took),
        }),
    )?;
    Ok(Verdict::Success)
}

/// Whether a verifying key file is a predicate statement's.
pub fn is_predicate_key(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|v| v.get("format").and_then(|f| f.as_str().map(str::to_owned)))
        .is_some_and(|f| f == "conclave.predicate.verifying_key")
}

/// `zk prove --pk … --credential alias=FILE … --holder-key FILE --scope TEXT --param n=v …
/// [--revocation alias=FILE …]`.
#[allow(clippy::too_many_arguments)]
pub fn prove(
    pk_path: &Path,
    credentials: &[String],
    holder_key: &Path,
    scope: &str,
    params: &[String],
    revocation: &[String],
    path: &Path,
    out: &Output,
) -> anyhow::Result<Verdict> {
    let credential_files = bindings("--credential", credentials)?;
    let registry_files = bindings("--revocation", revocation)?;
    let mut inputs: Vec<PathBuf> = vec![pk_path.to_owned(), holder_key.to_owned()];
    inputs.extend(credential_files.values().map(PathBuf::from));
    inputs.extend(registry_files.values().map(PathBuf::from));
    let input_refs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    let plan = out.writes().plan(&input_refs, &[path])?;
    // Decoded while the witness is computed (`predicate::prove_key_file`).
    let pk = fsio::read(pk_path, Limit::GROTH16_PROVING_KEY)?;
    let mut creds = BTreeMap::new();
    for (alias, file) in &credential_files {
        let cred = read_json_file(Path::new(file), Limit::CRED_FILE, |b| {
            Ok(Credential::from_json(b)?)
        })?;
        creds.insert(alias.clone(), cred);
    }
    let holder_bytes = fsio::read_secret(holder_key, Limit::CRED_KEY)?;
    let holder = keys::secret_key_from_json(KeyRole::Holder, &holder_bytes)
        .with_context(|| format!("{}", holder_key.display()))?;
    let holder = HolderSecret::from_secret_key(&holder);
    let params = bindings("--param", params)?;
    let registries = registries(revocation)?;
    let inputs = ProverInputs {
        credentials: &creds,
        holder: &holder,
        scope,
        params: &params,
    };
    let (proof, took) = out.step("proving", || {
        predicate::prove_key_file(&pk, &inputs, &registries, &mut OsRng)
    });
    let proof = proof.with_context(|| format!("cannot prove with {}", pk_path.display()))?;
    plan.write_public(path, proof.to_json().as_bytes())?;
    out.report(
        &format!(
            "proved: {}\n  scope     {}\n  nullifier {}\nproof written to {} in {:.0} ms",
            proof.predicate(),
            proof.scope(),
            field::to_decimal(&proof.nullifier()),
            path.display(),
            millis(took)
        ),
        json!({
            "ok": true,
            "predicate": proof.predicate(),
            "scope": proof.scope(),
            "nullifier": field::to_decimal(&proof.nullifier()),
            "revocation": revocation_json(&proof),
            "statement_id": proof.vk_id_hex(),
            "proof": path,
            "ms": millis(took),
        }),
    )?;
    Ok(Verdict::Success)
}

fn revocation_json(proof: &PredicateProof) -> serde_json::Value {
    proof
        .revocation_roots()
        .iter()
        .map(|(alias, r)| {
            let value = json!({
                "root": field::to_decimal(&r.root),
                "sequence": r.sequence.to_string(),
            });
            (alias.clone(), value)
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

fn describe(proof: &PredicateProof) -> serde_json::Value {
    json!({
        "predicate": proof.predicate(),
        "issuers": proof.issuers().iter().map(|(alias, key)| {
            let (ax, ay) = key.point().to_decimal();
            (alias.clone(), json!({ "Ax": ax, "Ay": ay }))
        }).collect::<serde_json::Map<_, _>>(),
        "params": proof.params(),
        "scope": proof.scope(),
        "nullifier": field::to_decimal(&proof.nullifier()),
        "revocation": revocation_json(proof),
        "config": proof.config_hash().map(|c| field::to_decimal(&c)),
    })
}

/// `zk verify --vk predicate.vk --proof proof.json [--issuer alias=FILE …] [--revocation
/// alias=FILE …]`: exit 0 valid, 1 invalid, another issuer than required or a revocation
/// root that is not the registry's current one, 2 malformed or made for another key.
pub fn verify(
    vk_bytes: &[u8],
    vk_path: &Path,
    proof_paths: &[PathBuf],
    issuers: &[String],
    revocation: &[String],
    out: &Output,
) -> anyhow::Result<Verdict> {
    let vk = PredicateVerifyingKey::from_json(vk_bytes)
        .with_context(|| format!("{}: bad predicate verifying key", vk_path.display()))?;
    let mut required = BTreeMap::new();
    for (alias, file) in bindings("--issuer", issuers)? {
        if !vk.statement().aliases().contains_key(&alias) {
            bail!("--issuer {alias}=…: the predicate has no alias `{alias}`");
        }
        let key = read_json_file(Path::new(&file), Limit::CRED_KEY, |b| {
            Ok(keys::public_key_from_json(KeyRole::Issuer, b)?)
        })?;
        required.insert(alias, key);
    }
    let current = registries(revocation)?;
    if let Some(alias) = current
        .keys()
        .find(|a| !vk.statement().revocable().contains(*a))
    {
        bail!("--revocation {alias}=…: alias `{alias}` is not revocable in this key");
    }
    let mut reports = Vec::new();
    let mut human = Vec::new();
    let mut all_valid = true;
    for path in proof_paths {
        let proof = PredicateProof::from_json(&fsio::read(path, Limit::GROTH16_PROOF)?)
            .with_context(|| format!("{}: bad predicate proof", path.display()))?;
        let (outcome, took) = out.step("verifying", || {
            predicate::verify(&vk, &proof)?;
            for (alias, key) in &required {
                proof.require_issuer(alias, key)?;
            }
            for (alias, registry) in &current {
                proof.require_revocation_root(alias, registry)?;
            }
            Ok::<(), PredicateStatementError>(())
        });
        let (valid, reason) = match outcome {
            Ok(()) => (true, None),
            Err(error) if error.is_invalid() => (false, Some(error.to_string())),
            Err(error) => {
                return Err(error).with_context(|| {
                    format!(
                        "{}: cannot be checked with {}",
                        path.display(),
                        vk_path.display()
                    )
                })
            }
        };
        all_valid &= valid;
        let mut report = describe(&proof);
        if let Some(object) = report.as_object_mut() {
            object.insert("file".into(), json!(path));
            object.insert("valid".into(), json!(valid));
            object.insert("ms".into(), json!(millis(took)));
            if let Some(reason) = &reason {
                object.insert("reason".into(), json!(reason));
            }
        }
        reports.push(report);
        let issuers: Vec<String> = proof
            .issuers()
            .iter()
            .map(|(alias, key)| {
                let (ax, _) = key.point().to_decimal();
                let short: String = ax.chars().take(12).collect();
                let pinned = if vk.statement().pinned_issuers().contains_key(alias) {
                    " (pinned by the key)"
                } else if required.contains_key(alias) {
                    " (required)"
                } else {
                    ""
                };
                format!("{alias}: Ax {short}…{pinned}")
            })
            .collect();
        let roots: Vec<String> = proof
            .revocation_roots()
            .iter()
            .map(|(alias, r)| {
                let root = field::to_decimal(&r.root);
                let short: String = root.chars().take(12).collect();
                let checked = if current.contains_key(alias) {
                    " (checked against the registry)"
                } else {
                    ""
                };
                format!("{alias}: root {short}… sequence {}{checked}", r.sequence)
            })
            .collect();
        let roots = if roots.is_empty() {
            String::new()
        } else {
            format!("\n  revocation {}", roots.join(", "))
        };
        human.push(format!(
            "{}: {}\n  predicate {}\n  issuers   {}\n  params    {}\n  scope     {}\n  nullifier {}{roots}",
            if valid { "valid" } else { "INVALID" },
            path.display(),
            proof.predicate(),
            issuers.join(", "),
            proof
                .params()
                .iter()
                .map(|(n, v)| format!("${n}={v}"))
                .collect::<Vec<_>>()
                .join(", "),
            proof.scope(),
            field::to_decimal(&proof.nullifier()),
        ));
        if let Some(reason) = reason {
            human.push(format!("  reason    {reason}"));
        }
    }
    let single = reports.len() == 1;
    let mut object = json!({
        "ok": all_valid,
        "valid": all_valid,
        "statement_id": vk.id_hex(),
        "proofs": reports.clone(),
    });
    if single {
        if let (Some(object), Some(first)) = (
            object.as_object_mut(),
            reports.first().and_then(|r| r.as_object()),
        ) {
            for (k, v) in first {
                if k != "valid" {
                    object.insert(k.clone(), v.clone());
                }
            }
        }
    }
    out.report(&human.join("\n"), object)?;
    Ok(Verdict::from_valid(all_valid))
}
