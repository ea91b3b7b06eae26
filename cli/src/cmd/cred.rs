//! `conclave cred …`: signed credentials, backed by `conclave_circuits::credential`.
//!
//! Files (docs/formats.md, "Credentials"): `issuer-keygen` / `holder-keygen` write a secret
//! key file (mode 0600) and a public key file into a folder; `issue` signs a schema's
//! attribute values for a holder and writes the credential; `verify` checks a credential
//! against a trusted issuer's public key file and, with `--now` (default: today, UTC), its
//! validity period; `revoke` adds a revocation id to the issuer's signed revocation
//! registry (creating it if absent).
//!
//! Exit codes: 0 done / valid, 1 a well-formed credential that is not acceptable (signature
//! invalid, other issuer, expired, not yet valid) or an id already revoked (nothing
//! changed), 2 bad input (malformed or unreadable file, refused overwrite, a registry of
//! another issuer).

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, Context};
use conclave_circuits::credential::keys::{self, KeyRole};
use conclave_circuits::credential::revocation::{RevocationError, RevocationRegistry};
use conclave_circuits::credential::{
    Attributes, Credential, CredentialBody, CredentialError, Days, Schema,
};
use conclave_circuits::eddsa::{PublicKey, SecretKey};
use conclave_circuits::field;
use rand::rngs::OsRng;
use serde_json::json;
use zeroize::Zeroizing;

use crate::fsio::{self, Limit};
use crate::output::{Output, Verdict};

/// Credential commands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Make an issuer key pair: `issuer.key` (secret, mode 0600) and `issuer.pub.json`.
    IssuerKeygen(KeygenArgs),
    /// Make a holder key pair: `holder.key` (secret, mode 0600) and `holder.pub.json`.
    HolderKeygen(KeygenArgs),
    /// Sign a holder's attribute values under a schema: write the credential.
    Issue(IssueArgs),
    /// Check a credential: issuer, signature and (on --now, default today) validity dates.
    Verify(VerifyArgs),
    /// Revoke a credential: add its revocation id to the issuer's signed registry (created
    /// if absent, updated in place atomically; --force is not needed).
    Revoke(RevokeArgs),
}

/// Options of `conclave cred issuer-keygen` and `holder-keygen`.
#[derive(clap::Args)]
pub struct KeygenArgs {
    /// Folder to write the two key files into (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Use this 32-byte private key (64 hex digits) instead of a random one: the same
    /// derivation as circomlibjs `eddsa.prv2pub`. Visible to other local users; for tests.
    #[arg(long)]
    pub seed_hex: Option<String>,
}

/// Options of `conclave cred issue`.
#[derive(clap::Args)]
pub struct IssueArgs {
    /// The issuer's secret key file (mode 0600).
    #[arg(long)]
    pub issuer_key: PathBuf,
    /// The schema file.
    #[arg(long)]
    pub schema: PathBuf,
    /// The attribute file: `{"version": 1, "schema": id, "attributes": {name: value}}`.
    #[arg(long)]
    pub attributes: PathBuf,
    /// The holder's public key file.
    #[arg(long)]
    pub holder: PathBuf,
    /// Last day of validity, YYYY-MM-DD.
    #[arg(long)]
    pub expires: String,
    /// Issue date, YYYY-MM-DD (default: today, UTC).
    #[arg(long)]
    pub issued: Option<String>,
    /// Revocation id, a decimal integer below 2^64 (default: random).
    #[arg(long)]
    pub revocation_id: Option<u64>,
    /// Where to write the credential.
    #[arg(long)]
    pub out: PathBuf,
}

/// Options of `conclave cred verify`.
#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The credential file.
    #[arg(long)]
    pub credential: PathBuf,
    /// The trusted issuer's public key file.
    #[arg(long)]
    pub issuer: PathBuf,
    /// Check validity on this day, YYYY-MM-DD (default: today, UTC).
    #[arg(long)]
    pub now: Option<String>,
}

/// Options of `conclave cred revoke`.
#[derive(clap::Args)]
pub struct RevokeArgs {
    /// The issuer's secret key file (mode 0600).
    #[arg(long)]
    pub issuer_key: PathBuf,
    /// The revocation id to revoke (the credential's `revocation_id`, below 2^64).
    #[arg(long)]
    pub id: u64,
    /// The issuer's registry file: read, checked, updated in place (created if absent).
    #[arg(long)]
    pub registry: PathBuf,
}

/// Runs a `cred` command.
pub fn run(command: Command, out: &Output) -> anyhow::Result<Verdict> {
    match command {
        Command::IssuerKeygen(args) => keygen(KeyRole::Issuer, args, out),
        Command::HolderKeygen(args) => keygen(KeyRole::Holder, args, out),
        Command::Issue(args) => issue(args, out),
        Command::Verify(args) => verify(args, out),
        Command::Revoke(args) => revoke(args, out),
    }
}

fn role_name(role: KeyRole) -> &'static str {
    match role {
        KeyRole::Issuer => "issuer",
        KeyRole::Holder => "holder",
    }
}

fn keygen(role: KeyRole, args: KeygenArgs, out: &Output) -> anyhow::Result<Verdict> {
    let name = role_name(role);
    let secret_path = args.out.join(format!("{name}.key"));
    let public_path = args.out.join(format!("{name}.pub.json"));
    let plan = out
        .writes()
        .plan(&[], &[secret_path.as_path(), public_path.as_path()])?;
    let key = match args.seed_hex.map(Zeroizing::new) {
        Some(hex) => keys::secret_key_from_hex(hex.trim()).ok_or_else(|| {
            anyhow!("--seed-hex: give the private key as exactly 64 hexadecimal digits")
        })?,
        None => SecretKey::random(&mut OsRng),
    };
    let public = key.public_key();
    plan.write_secret(
        &secret_path,
        keys::secret_key_to_json(role, &key).as_bytes(),
    )?;
    plan.write_public(
        &public_path,
        keys::public_key_to_json(role, &public).as_bytes(),
    )?;
    let (ax, ay) = public.point().to_decimal();
    out.report(
        &format!(
            "{name} key written to {} (mode 0600)\npublic key written to {}\nAx {ax}\nAy {ay}",
            secret_path.display(),
            public_path.display()
        ),
        json!({
            "ok": true,
            "secret_key": secret_path,
            "public_key": public_path,
            "Ax": ax,
            "Ay": ay,
        }),
    )?;
    Ok(Verdict::Success)
}

fn today() -> anyhow::Result<Days> {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("the system clock is before 1970")?
        .as_secs();
    Ok(Days::new(seconds / 86_400, "today")?)
}

fn date_or_today(text: Option<&str>, what: &str) -> anyhow::Result<Days> {
    match text {
        Some(text) => Ok(Days::parse(text, what)?),
        None => today(),
    }
}

fn read_with<T>(
    path: &Path,
    limit: Limit,
    decode: impl FnOnce(&[u8]) -> Result<T, CredentialError>,
) -> anyhow::Result<T> {
    let bytes = fsio::read(path, limit)?;
    decode(&bytes).with_context(|| format!("{}", path.display()))
}

fn issue(args: IssueArgs, out: &Output) -> anyhow::Result<Verdict> {
    let inputs = [
        args.issuer_key.as_path(),
        args.schema.as_path(),
        args.attributes.as_path(),
        args.holder.as_path(),
    ];
    let plan = out.writes().plan(&inputs, &[args.out.as_path()])?;
    let issuer_bytes = fsio::read_secret(&args.issuer_key, Limit::CRED_KEY)?;
    let issuer = keys::secret_key_from_json(KeyRole::Issuer, &issuer_bytes)
        .with_context(|| format!("{}", args.issuer_key.display()))?;
    let schema = read_with(&args.schema, Limit::CRED_FILE, Schema::from_json)?;
    let attributes = read_with(&args.attributes, Limit::CRED_FILE, |b| {
        Attributes::from_json(&schema, b)
    })?;
    let holder = read_with(&args.holder, Limit::CRED_KEY, |b| {
        keys::public_key_from_json(KeyRole::Holder, b)
    })?;
    let issued = date_or_today(args.issued.as_deref(), "--issued")?;
    let expires = Days::parse(&args.expires, "--expires")?;
    let revocation_id = args
        .revocation_id
        .unwrap_or_else(|| CredentialBody::random_revocation_id(&mut OsRng));
    let body = CredentialBody::new(attributes, holder, issued, expires, revocation_id)?;
    let hash = body.hash()?;
    let credential = body.sign(&issuer)?;
    plan.write_public(&args.out, credential.to_json().as_bytes())?;
    out.report(
        &format!(
            "credential for schema {} written to {}\nvalid {issued} to {expires}, revocation id {revocation_id}\nhash {}",
            schema.id(),
            args.out.display(),
            field::to_decimal(&hash)
        ),
        json!({
            "ok": true,
            "credential": args.out,
            "schema": schema.id(),
            "hash": field::to_decimal(&hash),
            "issued": issued.to_string(),
            "expires": expires.to_string(),
            "revocation_id": revocation_id.to_string(),
        }),
    )?;
    Ok(Verdict::Success)
}

fn verify(args: VerifyArgs, out: &Output) -> anyhow::Result<Verdict> {
    let credential = read_with(&args.credential, Limit::CRED_FILE, Credential::from_json)?;
    let issuer: PublicKey = read_with(&args.issuer, Limit::CRED_KEY, |b| {
        keys::public_key_from_json(KeyRole::Issuer, b)
    })?;
    let now = date_or_today(args.now.as_deref(), "--now")?;
    let body = credential.body();
    let hash = field::to_decimal(&body.hash()?);
    let facts = json!({
        "schema": body.schema().id(),
        "hash": hash,
        "issued": body.issued().to_string(),
        "expires": body.expires().to_string(),
        "now": now.to_string(),
        "revocation_id": body.revocation_id().to_string(),
        "attributes": body.attributes().to_json_map(),
    });
    let (valid, human, mut object) = match credential.verify(&issuer, Some(now)) {
        Ok(()) => (
            true,
            format!(
                "valid: credential of schema {} signed by the trusted issuer, valid {} to {} (checked on {now})",
                body.schema().id(),
                body.issued(),
                body.expires()
            ),
            json!({ "ok": true, "valid": true }),
        ),
        Err(error) if error.is_invalid() => (
            false,
            format!("invalid: {error}"),
            json!({ "ok": false, "valid": false, "reason": error.to_string() }),
        ),
        Err(error) => {
            return Err(error).with_context(|| format!("{}", args.credential.display()))
        }
    };
    if let (Some(object), Some(facts)) = (object.as_object_mut(), facts.as_object()) {
        object.extend(facts.clone());
    }
    out.report(&human, object)?;
    Ok(Verdict::from_valid(valid))
}

/// `cred revoke`: the registry is this command's input and output. It is replaced only
/// after it was read and checked completely (format, root, the issuer's signature, the
/// same issuer as `--issuer-key`), atomically (temporary file, fsync, rename), so a crash
/// leaves the old registry or the new one. `--force` changes nothing here: updating the
/// registry is the command's purpose, and a file that is not a valid registry of this
/// issuer is never replaced, with or without `--force`.
fn revoke(args: RevokeArgs, out: &Output) -> anyhow::Result<Verdict> {
    // The registry is deliberately replaced (not an "overwrite" of a foreign file: it was
    // read and checked first), so the plan forces; the key file stays a protected input.
    let plan = fsio::WritePolicy::new(true)
        .plan(&[args.issuer_key.as_path()], &[args.registry.as_path()])?;
    let key_bytes = fsio::read_secret(&args.issuer_key, Limit::CRED_KEY)?;
    let issuer = keys::secret_key_from_json(KeyRole::Issuer, &key_bytes)
        .with_context(|| format!("{}", args.issuer_key.display()))?;
    let name = args.registry.display().to_string();
    let (mut registry, created) = match std::fs::symlink_metadata(&args.registry) {
        Ok(_) => {
            let bytes = fsio::read(&args.registry, Limit::REVOCATION_REGISTRY)?;
            let registry = RevocationRegistry::from_json(&bytes).with_context(|| name.clone())?;
            registry
                .check_issuer(&issuer.public_key())
                .with_context(|| {
                    format!("{name} (with --issuer-key {})", args.issuer_key.display())
                })?;
            (registry, false)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            (RevocationRegistry::new(&issuer), true)
        }
        Err(e) => return Err(e).with_context(|| format!("{name}: cannot read")),
    };
    match registry.revoke(&issuer, args.id) {
        Ok(()) => {}
        Err(error @ RevocationError::AlreadyRevoked { .. }) => {
            out.report(
                &format!("{name}: {error}"),
                json!({
                    "ok": false,
                    "already_revoked": true,
                    "id": args.id.to_string(),
                    "registry": args.registry,
                    "sequence": registry.sequence().to_string(),
                    "root": field::to_decimal(&registry.root()),
                }),
            )?;
            return Ok(Verdict::Invalid);
        }
        Err(error) => return Err(error).with_context(|| name.clone()),
    }
    plan.write_public(&args.registry, registry.to_json().as_bytes())?;
    let root = field::to_decimal(&registry.root());
    out.report(
        &format!(
            "revocation id {} revoked; registry {} {} (sequence {}, {} revoked)\nroot {root}",
            args.id,
            name,
            if created { "created" } else { "updated" },
            registry.sequence(),
            registry.tree().revoked().count()
        ),
        json!({
            "ok": true,
            "id": args.id.to_string(),
            "registry": args.registry,
            "created": created,
            "sequence": registry.sequence().to_string(),
            "revoked": registry.tree().revoked().count(),
            "root": root,
        }),
    )?;
    Ok(Verdict::Success)
}
