//! `conclave zk …`: Poseidon commitments and Groth16 proofs on BN254, snarkjs interop.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use conclave_circuits::claim::Requirement;
use conclave_circuits::formats::snarkjs;
use conclave_circuits::groth16::{self, Claim, Proof, ProvingKey, VerifyingKey};
use conclave_circuits::{field, Bounds, Commitment, Direction, Opening, Statement, ZkError};
use rand::rngs::OsRng;
use rand::SeedableRng;
use serde_json::json;

use crate::fsio::{self, Limit, SecretSource};
use crate::output::{millis, Output, Verdict};

/// Zero-knowledge commands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Commit to a value: writes the secret opening (0600) and prints the commitment.
    Commit {
        /// The value to commit to (an unsigned 64-bit integer), or `-` to read it from stdin
        /// (a value on the command line is visible to other users of this machine).
        #[arg(
            long,
            required_unless_present = "value_file",
            conflicts_with = "value_file"
        )]
        value: Option<String>,
        /// Read the value from this file instead of the command line.
        #[arg(long)]
        value_file: Option<PathBuf>,
        /// Where to write the secret file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Generate a proving key and a verifying key for a statement, or for a predicate over
    /// credentials (`--predicate TEXT --schema alias=FILE …`).
    Setup {
        /// `threshold` (value ≥ T, or ≤ T with --at-most) or `range` (min ≤ value ≤ max).
        #[arg(
            long,
            value_parser = ["threshold", "range"],
            required_unless_present = "predicate",
            conflicts_with = "predicate"
        )]
        statement: Option<String>,
        /// A predicate over credentials, e.g.
        /// "bureau.score >= 650 && bank.income >= 3 * bank.debt" (keys `predicate.pk`,
        /// `predicate.vk` in --out).
        #[arg(long, requires = "schema")]
        predicate: Option<String>,
        /// `alias=FILE`: the schema of the credential an alias names (one per alias).
        #[arg(long, requires = "predicate")]
        schema: Vec<String>,
        /// An alias whose credentials are revocable: proofs then show non-membership in
        /// the issuer's revocation registry (repeatable).
        #[arg(long, requires = "predicate")]
        revocable: Vec<String>,
        /// `alias=FILE`: the issuer public key (`issuer.pub.json`) the alias requires,
        /// recorded in the key (repeatable; aliases without one accept any issuer).
        #[arg(long, requires = "predicate")]
        issuer: Vec<String>,
        /// Hash the public inputs into `[config, nullifier, now]` (for on-chain verifiers;
        /// see docs/credentials.md, "Hashed public inputs").
        #[arg(long, requires = "predicate")]
        hashed_inputs: bool,
        /// Width of the committed value in bits (8 to 64).
        #[arg(long, default_value_t = 32)]
        bits: u32,
        /// For `threshold`: prove value ≤ T instead of value ≥ T.
        #[arg(long)]
        at_most: bool,
        /// Directory for `<statement>.pk`, `<statement>.vk` and `<statement>.vk.json`.
        #[arg(long)]
        out: PathBuf,
        /// DANGER: derive the setup randomness from this seed (reproducible tests only;
        /// anyone who knows the seed can forge proofs).
        #[arg(long, hide = true)]
        danger_seed: Option<u64>,
    },
    /// Prove a statement about a committed value.
    Prove {
        /// Proving key from `zk setup`.
        #[arg(long)]
        pk: PathBuf,
        /// Secret file from `zk commit` (must be 0600).
        #[arg(
            long,
            required_unless_present = "credential",
            conflicts_with = "credential"
        )]
        secret: Option<PathBuf>,
        /// `alias=FILE`: a credential for each alias of a predicate key.
        #[arg(long, requires_all = ["holder_key", "scope"])]
        credential: Vec<String>,
        /// The holder's secret key file (`cred holder-keygen`), for predicate keys.
        #[arg(long, requires = "credential")]
        holder_key: Option<PathBuf>,
        /// The verifier's scope (e.g. `lender-x/2026`), for predicate keys.
        #[arg(long, requires = "credential")]
        scope: Option<String>,
        /// `name=value`: a predicate parameter (`now=2026-12-02` is always needed).
        #[arg(long, requires = "credential")]
        param: Vec<String>,
        /// `alias=FILE`: the issuer's revocation registry (`cred revoke`) of a revocable
        /// alias.
        #[arg(long, requires = "credential")]
        revocation: Vec<String>,
        /// Threshold T (for threshold keys).
        #[arg(long, conflicts_with_all = ["min", "max"])]
        threshold: Option<u64>,
        /// Lower bound (for range keys).
        #[arg(long, requires = "max")]
        min: Option<u64>,
        /// Upper bound (for range keys).
        #[arg(long, requires = "min")]
        max: Option<u64>,
        /// Where to write the proof.
        #[arg(long)]
        out: PathBuf,
        /// Write the compact binary form instead of JSON.
        #[arg(long)]
        binary: bool,
    },
    /// Verify one proof, or several at once with batch verification.
    Verify {
        /// Verifying key from `zk setup`.
        #[arg(long)]
        vk: PathBuf,
        /// Proof file(s).
        #[arg(long, num_args = 1.., required = true)]
        proof: Vec<PathBuf>,
        /// Require every proof to be about this commitment (decimal, as `zk commit` prints).
        #[arg(long)]
        commitment: Option<String>,
        /// Require every proof to show value ≥ this bound.
        #[arg(long)]
        min: Option<u64>,
        /// Require every proof to show value ≤ this bound.
        #[arg(long)]
        max: Option<u64>,
        /// `alias=FILE`: for predicate keys, require this issuer public key for the alias.
        #[arg(long)]
        issuer: Vec<String>,
        /// `alias=FILE`: for predicate keys, require the proof's revocation root of the
        /// alias to be this registry's current root.
        #[arg(long)]
        revocation: Vec<String>,
    },
    /// Write a key and proof as snarkjs `verification_key.json`, `proof.json`, `public.json`.
    ExportSnarkjs {
        /// Verifying key.
        #[arg(long)]
        vk: PathBuf,
        /// Proof made for that key.
        #[arg(long)]
        proof: PathBuf,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
    },
    /// Write the Solidity verifier and, next to it, `<name>.deploy.json` (bytecode and this
    /// key's constructor arguments).
    ExportSolidity {
        /// Verifying key.
        #[arg(long)]
        vk: PathBuf,
        /// Where to write the contract source (e.g. `Verifier.sol`).
        #[arg(long)]
        out: PathBuf,
    },
    /// Print a proof's `verifyProof` arguments as `snarkjs zkey export soliditycalldata` does
    /// (or, with `--batch`, the `verifyBatch` arguments of several proofs under one key).
    Calldata {
        /// Proof file; repeat it with `--batch`.
        #[arg(long, required = true)]
        proof: Vec<PathBuf>,
        /// The predicate verifying key the proofs were made with (predicate proofs only:
        /// the parameters' types come from its statement).
        #[arg(long)]
        vk: Option<PathBuf>,
        /// Print `verifyBatch(uint256[8][] proofs, uint256[] pubSignals)`'s arguments.
        #[arg(long)]
        batch: bool,
    },
    /// Verify a snarkjs Groth16 (bn128) proof natively.
    VerifySnarkjs {
        /// `verification_key.json`.
        verification_key: PathBuf,
        /// `proof.json`.
        proof: PathBuf,
        /// `public.json`.
        public: PathBuf,
    },
}

/// Runs a `zk` command.
pub fn run(command: Command, out: &Output) -> anyhow::Result<Verdict> {
    match command {
        Command::Commit {
            value,
            value_file,
            out: path,
        } => commit(&SecretSource::from_options(value, value_file)?, &path, out),
        Command::Setup {
            predicate: Some(predicate),
            schema,
            revocable,
            issuer,
            hashed_inputs,
            out: dir,
            danger_seed,
            ..
        } => super::zk_predicate::setup(
            &predicate,
            &schema,
            &super::zk_predicate::SetupOptions {
                revocable: &revocable,
                issuers: &issuer,
                hashed_inputs,
            },
            &dir,
            danger_seed,
            out,
        ),
        Command::Setup {
            statement,
            bits,
            at_most,
            out: dir,
            danger_seed,
            ..
        } => {
            let statement = statement.context("give --statement or --predicate")?;
            let statement = parse_statement(&statement, bits, at_most)?;
            setup(statement, &dir, danger_seed, out)
        }
        Command::Prove {
            pk,
            credential,
            holder_key: Some(holder_key),
            scope: Some(scope),
            param,
            revocation,
            out: path,
            ..
        } if !credential.is_empty() => super::zk_predicate::prove(
            &pk,
            &credential,
            &holder_key,
            &scope,
            &param,
            &revocation,
            &path,
            out,
        ),
        Command::Prove {
            pk,
            secret,
            threshold,
            min,
            max,
            out: path,
            binary,
            ..
        } => {
            let secret = secret.context("give --secret (or --credential for a predicate key)")?;
            let bounds = match (threshold, min, max) {
                (Some(t), None, None) => Bounds::Threshold(t),
                (None, Some(min), Some(max)) => Bounds::Range { min, max },
                _ => bail!("give either --threshold T, or --min LO --max HI"),
            };
            prove(&pk, &secret, bounds, &path, binary, out)
        }
        Command::Verify {
            vk,
            proof,
            commitment,
            min,
            max,
            issuer,
            revocation,
        } => {
            let vk_bytes = fsio::read(&vk, Limit::GROTH16_VERIFYING_KEY)?;
            if super::zk_predicate::is_predicate_key(&vk_bytes) {
                if commitment.is_some() || min.is_some() || max.is_some() {
                    bail!("--commitment, --min and --max apply to commitment statements, not predicate keys");
                }
                return super::zk_predicate::verify(
                    &vk_bytes,
                    &vk,
                    &proof,
                    &issuer,
                    &revocation,
                    out,
                );
            }
            if !issuer.is_empty() || !revocation.is_empty() {
                bail!("--issuer and --revocation apply to predicate keys only");
            }
            let claim = Claim {
                commitment: commitment
                    .map(|text| field::parse_decimal("--commitment", &text).map(Commitment))
                    .transpose()?,
                bounds: Requirement { min, max },
            };
            verify(&vk, &proof, &claim, out)
        }
        Command::ExportSnarkjs {
            vk,
            proof,
            out: dir,
        } => export_snarkjs(&vk, &proof, &dir, out),
        Command::ExportSolidity { vk, out: path } => {
            crate::cmd::eth::export_solidity(&vk, &path, out)
        }
        Command::Calldata { proof, vk, batch } => {
            crate::cmd::eth::print_calldata(&proof, vk.as_deref(), batch, out)
        }
        Command::VerifySnarkjs {
            verification_key,
            proof,
            public,
        } => verify_snarkjs(&verification_key, &proof, &public, out),
    }
}

fn parse_statement(name: &str, bits: u32, at_most: bool) -> anyhow::Result<Statement> {
    let statement = match (name, at_most) {
        ("threshold", false) => Statement::threshold(bits, Direction::AtLeast),
        ("threshold", true) => Statement::threshold(bits, Direction::AtMost),
        ("range", false) => Statement::range(bits),
        ("range", true) => bail!("--at-most applies to threshold statements only"),
        (other, _) => bail!("unknown statement {other:?}: choose threshold or range"),
    };
    Ok(statement?)
}

fn commit(value: &SecretSource, path: &Path, out: &Output) -> anyhow::Result<Verdict> {
    let inputs: Vec<&Path> = value.input().into_iter().collect();
    let plan = out.writes().plan(&inputs, &[path])?;
    let opening = Opening::random(value.read_u64()?, &mut OsRng);
    let commitment = opening.commitment().to_decimal();
    plan.write_secret(path, opening.to_secret_json().as_bytes())?;
    out.report(
        &format!(
            "commitment {commitment}\nsecret written to {} (mode 0600)",
            path.display()
        ),
        json!({ "ok": true, "commitment": commitment, "secret": path }),
    )?;
    Ok(Verdict::Success)
}

/// Key file paths for a statement in `dir`.
pub fn key_paths(dir: &Path, statement: Statement) -> (PathBuf, PathBuf) {
    let name = statement.name();
    (
        dir.join(format!("{name}.pk")),
        dir.join(format!("{name}.vk")),
    )
}

fn setup(
    statement: Statement,
    dir: &Path,
    danger_seed: Option<u64>,
    out: &Output,
) -> anyhow::Result<Verdict> {
    let (pk_path, vk_path) = key_paths(dir, statement);
    let vk_json_path = vk_path.with_extension("vk.json");
    let plan = out
        .writes()
        .plan(&[], &[&pk_path, &vk_path, &vk_json_path])?;
    let (keys, took) = out.step("generating Groth16 keys", || match danger_seed {
        Some(seed) => groth16::setup(
            statement,
            &mut rand_chacha::ChaCha20Rng::seed_from_u64(seed),
        ),
        None => groth16::setup(statement, &mut OsRng),
    });
    let (pk, vk) = keys?;
    plan.write_public(&pk_path, &pk.to_bytes())?;
    plan.write_public(&vk_path, &vk.to_bytes())?;
    plan.write_public(&vk_json_path, vk.to_json().as_bytes())?;
    out.report(
        &format!(
            "{} keys ({}-bit) in {:.0} ms\n  proving key   {}\n  verifying key {} (JSON: {})\n  statement id  {}",
            statement.name(),
            statement.bits(),
            millis(took),
            pk_path.display(),
            vk_path.display(),
            vk_json_path.display(),
            vk.id()
        ),
        json!({
            "ok": true,
            "statement": statement,
            "statement_id": vk.id().to_hex(),
            "proving_key": pk_path,
            "verifying_key": vk_path,
            "verifying_key_json": vk_json_path,
            "ms": millis(took),
        }),
    )?;
    Ok(Verdict::Success)
}

/// Reads a secret opening, refusing files that others can read.
pub fn read_secret(path: &Path) -> anyhow::Result<Opening> {
    let bytes = fsio::read_secret(path, Limit::ZK_SECRET)?;
    let text = std::str::from_utf8(&bytes)
        .with_context(|| format!("{}: secret file is not UTF-8 text", path.display()))?;
    Opening::from_secret_json(text).with_context(|| format!("{}: bad secret file", path.display()))
}

/// Reads a proving key (binary or JSON).
pub fn read_proving_key(path: &Path) -> anyhow::Result<ProvingKey> {
    ProvingKey::decode(&fsio::read(path, Limit::GROTH16_PROVING_KEY)?)
        .with_context(|| format!("{}: bad proving key", path.display()))
}

/// Reads a verifying key (binary or JSON).
pub fn read_verifying_key(path: &Path) -> anyhow::Result<VerifyingKey> {
    VerifyingKey::decode(&fsio::read(path, Limit::GROTH16_VERIFYING_KEY)?)
        .with_context(|| format!("{}: bad verifying key", path.display()))
}

/// Reads a proof (binary or JSON).
pub fn read_proof(path: &Path) -> anyhow::Result<Proof> {
    Proof::decode(&fsio::read(path, Limit::GROTH16_PROOF)?)
        .with_context(|| format!("{}: bad proof", path.display()))
}

fn prove(
    pk_path: &Path,
    secret_path: &Path,
    bounds: Bounds,
    path: &Path,
    binary: bool,
    out: &Output,
) -> anyhow::Result<Verdict> {
    let plan = out.writes().plan(&[pk_path, secret_path], &[path])?;
    let pk = read_proving_key(pk_path)?;
    let opening = read_secret(secret_path)?;
    let (proof, took) = out.step("proving", || {
        groth16::prove(&pk, &opening, bounds, &mut OsRng)
    });
    let proof = proof.with_context(|| format!("cannot prove with {}", pk_path.display()))?;
    let bytes = if binary {
        proof.to_bytes()
    } else {
        proof.to_json().into_bytes()
    };
    plan.write_public(path, &bytes)?;
    let claim = proof.claim()?;
    out.report(
        &format!(
            "proved: {claim}\nproof written to {} in {:.0} ms",
            path.display(),
            millis(took)
        ),
        json!({
            "ok": true,
            "claim": claim,
            "statement": proof.statement(),
            "statement_id": proof.vk_id().to_hex(),
            "public_inputs": decimal_inputs(&proof),
            "proof": path,
            "ms": millis(took),
        }),
    )?;
    Ok(Verdict::Success)
}

fn decimal_inputs(proof: &Proof) -> Vec<String> {
    proof
        .public_inputs()
        .iter()
        .map(field::to_decimal)
        .collect()
}

fn verify(
    vk_path: &Path,
    proof_paths: &[PathBuf],
    claim: &Claim,
    out: &Output,
) -> anyhow::Result<Verdict> {
    let vk = read_verifying_key(vk_path)?;
    let proofs = proof_paths
        .iter()
        .map(|path| {
            let proof = read_proof(path)?;
            claim.check(&vk, &proof).with_context(|| {
                format!(
                    "{}: does not prove what was asked with {}",
                    path.display(),
                    vk_path.display()
                )
            })?;
            Ok(proof)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (outcome, took) = out.step("verifying", || {
        groth16::verify_batch(&vk, &proofs, &mut OsRng)
    });
    let failing = match outcome {
        Ok(()) => Vec::new(),
        Err(ZkError::BatchRejected { failing }) => failing,
        Err(other) => return Err(other).context("verification could not run"),
    };
    let reports: Vec<_> = proofs
        .iter()
        .zip(proof_paths)
        .enumerate()
        .map(|(index, (proof, path))| {
            json!({
                "file": path,
                "valid": !failing.contains(&index),
                "claim": proof.claim().unwrap_or_default(),
                "public_inputs": decimal_inputs(proof),
            })
        })
        .collect();
    let valid = failing.is_empty();
    let human = proofs
        .iter()
        .zip(proof_paths)
        .enumerate()
        .map(|(index, (proof, path))| {
            let verdict = if failing.contains(&index) {
                "INVALID"
            } else {
                "valid"
            };
            format!(
                "{verdict}: {} ({})",
                path.display(),
                proof.claim().unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    out.report(
        &format!(
            "{human}\n{} of {} proofs valid ({:.1} ms)",
            proofs.len() - failing.len(),
            proofs.len(),
            millis(took)
        ),
        json!({
            "ok": valid,
            "valid": valid,
            "statement_id": vk.id().to_hex(),
            "proofs": reports,
            "ms": millis(took),
        }),
    )?;
    Ok(Verdict::from_valid(valid))
}

fn export_snarkjs(
    vk_path: &Path,
    proof_path: &Path,
    dir: &Path,
    out: &Output,
) -> anyhow::Result<Verdict> {
    let paths = [
        dir.join("verification_key.json"),
        dir.join("proof.json"),
        dir.join("public.json"),
    ];
    let plan = out
        .writes()
        .plan(&[vk_path, proof_path], &[&paths[0], &paths[1], &paths[2]])?;
    let vk = read_verifying_key(vk_path)?;
    let proof = read_proof(proof_path)?;
    let files = snarkjs::export(&vk, &proof).with_context(|| {
        format!(
            "{}: not a proof for {}",
            proof_path.display(),
            vk_path.display()
        )
    })?;
    let [vk_out, proof_out, public_out] = paths;
    let paths = [
        (vk_out, files.verification_key),
        (proof_out, files.proof),
        (public_out, files.public),
    ];
    for (path, text) in &paths {
        plan.write_public(path, text.as_bytes())?;
    }
    out.report(
        &format!("wrote snarkjs files to {}", dir.display()),
        json!({
            "ok": true,
            "verification_key": paths[0].0,
            "proof": paths[1].0,
            "public": paths[2].0,
        }),
    )?;
    Ok(Verdict::Success)
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    String::from_utf8(fsio::read(path, Limit::SNARKJS)?)
        .with_context(|| format!("{}: not UTF-8 text", path.display()))
}

fn verify_snarkjs(
    vk_path: &Path,
    proof_path: &Path,
    public_path: &Path,
    out: &Output,
) -> anyhow::Result<Verdict> {
    let vk = snarkjs::parse_verification_key(&read_text(vk_path)?)
        .with_context(|| format!("{}: bad snarkjs verification key", vk_path.display()))?;
    let proof = snarkjs::parse_proof(&read_text(proof_path)?)
        .with_context(|| format!("{}: bad snarkjs proof", proof_path.display()))?;
    let public = snarkjs::parse_public(&read_text(public_path)?)
        .with_context(|| format!("{}: bad snarkjs public signals", public_path.display()))?;
    let (outcome, took) = out.step("verifying", || snarkjs::verify(&vk, &proof, &public));
    let valid = match outcome {
        Ok(()) => true,
        Err(ZkError::InvalidProof) => false,
        Err(other) => {
            return Err(other)
                .with_context(|| format!("{}: does not fit the key", public_path.display()))
        }
    };
    out.report(
        if valid { "OK: the snarkjs proof is valid" } else { "INVALID: the snarkjs proof does not verify" },
        json!({ "ok": valid, "valid": valid, "public_signals": public.iter().map(field::to_decimal).collect::<Vec<_>>(), "ms": millis(took) }),
    )?;
    Ok(Verdict::from_valid(valid))
}
