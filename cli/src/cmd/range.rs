//! `conclave range …`: Pedersen commitments and Bulletproofs range proofs on Ristretto
//! (no trusted setup), backed by `conclave_circuits::bulletproof`.
//!
//! Files: `commit` writes a secret opening (0600) and, with `--commitment`, the public
//! commitment; `add` sums public commitment files, or with `--openings` sums secret opening
//! files into the opening of the total (this is how the customer in the total-debt flow gets
//! `total-opening.json`: each lender hands her its opening over a private channel). All
//! readers accept the JSON and the binary encodings (docs/formats.md, "Bulletproofs").
//!
//! Exit codes: 0 valid / done, 1 a well-formed proof that does not verify, 2 bad input
//! (unreadable or non-canonical file, unsupported bit size, aggregation count not a power
//! of two, a proof about another commitment or a weaker bound than asked for).

use std::path::{Path, PathBuf};

use anyhow::Context;
use conclave_circuits::bulletproof::{
    verify_batch, BitSize, Claim, Commitment, Generators, Opening, RangeError, RangeProof,
    Statement,
};
use conclave_circuits::claim::Requirement;
use rand::rngs::OsRng;
use serde_json::{json, Value};

use crate::fsio::{self, Limit, Plan, SecretSource};
use crate::output::{millis, Output, Verdict};

/// Range-proof commands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Commit to a value: writes the secret opening (mode 0600) and prints the commitment.
    Commit(CommitArgs),
    /// Add commitment files (public), or opening files with `--openings` (secret).
    Add(AddArgs),
    /// Prove that committed values lie in [0, 2^bits) (several openings: one aggregated
    /// proof), or that one committed value lies in [--min, --max].
    Prove(ProveArgs),
    /// Verify range proofs; several files are batch-verified and failures are named.
    Verify(VerifyArgs),
}

/// Options of `conclave range commit`.
#[derive(clap::Args)]
pub struct CommitArgs {
    /// The value to commit to (0 ..= 2^64 − 1), or `-` to read it from stdin (a value on
    /// the command line is visible to other users of this machine).
    #[arg(
        long,
        required_unless_present = "value_file",
        conflicts_with = "value_file"
    )]
    pub value: Option<String>,
    /// Read the value from this file instead of the command line.
    #[arg(long)]
    pub value_file: Option<PathBuf>,
    /// Where to write the secret opening (value + blinding), mode 0600.
    #[arg(long)]
    pub out: PathBuf,
    /// Also write the public commitment file here.
    #[arg(long)]
    pub commitment: Option<PathBuf>,
    /// Write binary encodings instead of JSON.
    #[arg(long)]
    pub binary: bool,
}

/// Options of `conclave range add`.
#[derive(clap::Args)]
pub struct AddArgs {
    /// Commitment files to add (opening files with `--openings`).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Where to write the sum (a commitment, or with `--openings` a secret opening).
    #[arg(long)]
    pub out: PathBuf,
    /// The inputs are secret opening files: write the opening of the total (mode 0600).
    #[arg(long)]
    pub openings: bool,
    /// With `--openings`: also write the public commitment of the total here.
    #[arg(long)]
    pub commitment: Option<PathBuf>,
    /// Write binary encodings instead of JSON.
    #[arg(long)]
    pub binary: bool,
}

/// Options of `conclave range prove`.
#[derive(clap::Args)]
pub struct ProveArgs {
    /// Opening file(s); several openings give one aggregated proof (count: power of two).
    #[arg(long, required = true, num_args = 1..)]
    pub opening: Vec<PathBuf>,
    /// Range size: 8, 16, 32 or 64 (default 64; with --min/--max, the smallest that fits).
    #[arg(long)]
    pub bits: Option<u32>,
    /// Prove value ≥ min (interval proof; default 0 when only --max is given).
    #[arg(long)]
    pub min: Option<u64>,
    /// Prove value ≤ max (interval proof; default 2^64 − 1 when only --min is given).
    #[arg(long)]
    pub max: Option<u64>,
    /// Where to write the proof.
    #[arg(long)]
    pub out: PathBuf,
    /// Write the binary encoding instead of JSON.
    #[arg(long)]
    pub binary: bool,
}

/// Options of `conclave range verify`.
#[derive(clap::Args)]
pub struct VerifyArgs {
    /// Proof file(s) to verify.
    #[arg(long, required = true, num_args = 1..)]
    pub proof: Vec<PathBuf>,
    /// Require the (single) proof to be about these commitment files, in order.
    #[arg(long, num_args = 1..)]
    pub commitment: Vec<PathBuf>,
    /// Require every proof to show value ≤ this bound.
    #[arg(long)]
    pub max: Option<u64>,
    /// Require every proof to show value ≥ this bound.
    #[arg(long)]
    pub min: Option<u64>,
}

/// Runs a `range` command.
pub fn run(command: Command, out: &Output) -> anyhow::Result<Verdict> {
    match command {
        Command::Commit(args) => commit(args, out),
        Command::Add(args) => add(args, out),
        Command::Prove(args) => prove(args, out),
        Command::Verify(args) => verify(args, out),
    }
}

fn commit(args: CommitArgs, out: &Output) -> anyhow::Result<Verdict> {
    let value = SecretSource::from_options(args.value.clone(), args.value_file.clone())?;
    let inputs: Vec<&Path> = value.input().into_iter().collect();
    let outputs: Vec<&Path> = std::iter::once(args.out.as_path())
        .chain(args.commitment.as_deref())
        .collect();
    let plan = out.writes().plan(&inputs, &outputs)?;
    let opening = Opening::random(value.read_u64()?, &mut OsRng);
    let commitment = opening.commitment();
    write_opening(&plan, &args.out, &opening, args.binary)?;
    if let Some(path) = &args.commitment {
        write_commitment(&plan, path, &commitment, args.binary)?;
    }
    out.report(
        &format!(
            "commitment {}\nsecret opening written to {} (mode 0600){}",
            commitment.to_hex(),
            args.out.display(),
            args.commitment
                .as_ref()
                .map(|p| format!("\ncommitment written to {}", p.display()))
                .unwrap_or_default()
        ),
        json!({
            "ok": true,
            "commitment": commitment.to_hex(),
            "opening": args.out,
            "commitment_file": args.commitment,
        }),
    )?;
    Ok(Verdict::Success)
}

fn add(args: AddArgs, out: &Output) -> anyhow::Result<Verdict> {
    let inputs: Vec<&Path> = args.files.iter().map(PathBuf::as_path).collect();
    let outputs: Vec<&Path> = std::iter::once(args.out.as_path())
        .chain(args.commitment.as_deref())
        .collect();
    let plan = out.writes().plan(&inputs, &outputs)?;
    let (total, opening_written) = if args.openings {
        let openings = args
            .files
            .iter()
            .map(|path| read_opening(path))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let total = Opening::sum(&openings).context("cannot add the openings")?;
        write_opening(&plan, &args.out, &total, args.binary)?;
        let commitment = total.commitment();
        if let Some(path) = &args.commitment {
            write_commitment(&plan, path, &commitment, args.binary)?;
        }
        (commitment, true)
    } else {
        if args.commitment.is_some() {
            anyhow::bail!(
                "--commitment is only for --openings; without it, --out is the commitment"
            );
        }
        let commitments = args
            .files
            .iter()
            .map(|path| read_commitment(path))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let total = Commitment::sum(&commitments);
        write_commitment(&plan, &args.out, &total, args.binary)?;
        (total, false)
    };
    let what = if opening_written {
        "secret opening of the total (mode 0600)"
    } else {
        "total commitment"
    };
    out.report(
        &format!(
            "added {} {}: total commitment {}\n{what} written to {}",
            args.files.len(),
            if args.openings {
                "openings"
            } else {
                "commitments"
            },
            total.to_hex(),
            args.out.display()
        ),
        json!({
            "ok": true,
            "count": args.files.len(),
            "commitment": total.to_hex(),
            "out": args.out,
            "secret": opening_written,
        }),
    )?;
    Ok(Verdict::Success)
}

fn prove(args: ProveArgs, out: &Output) -> anyhow::Result<Verdict> {
    let inputs: Vec<&Path> = args.opening.iter().map(PathBuf::as_path).collect();
    let plan = out.writes().plan(&inputs, &[&args.out])?;
    let bits = args
        .bits
        .map(|bits| BitSize::new(bits).with_context(|| format!("--bits {bits}")))
        .transpose()?;
    let openings = args
        .opening
        .iter()
        .map(|path| read_opening(path))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let interval = args.min.is_some() || args.max.is_some();
    let count = openings.len();
    let gens = Generators::new(if interval { 2 } else { count.clamp(1, 64) })
        .with_context(|| format!("cannot aggregate {count} openings"))?;
    let (proof, took) = out.step("proving", || {
        if interval {
            anyhow::ensure!(
                count == 1,
                "--min/--max prove an interval for one opening; {count} were given"
            );
            let (min, max) = (args.min.unwrap_or(0), args.max.unwrap_or(u64::MAX));
            RangeProof::prove_interval(&gens, &openings[0], min, max, bits, &mut OsRng)
                .with_context(|| format!("{}: cannot prove", args.opening[0].display()))
        } else {
            let refs: Vec<&Opening> = openings.iter().collect();
            RangeProof::prove_bits(&gens, &refs, bits.unwrap_or(BitSize::B64), &mut OsRng)
                .context("cannot prove")
        }
    });
    let proof = proof?;
    let bytes = if args.binary {
        proof.to_bytes()
    } else {
        proof.to_json().into_bytes()
    };
    plan.write_public(&args.out, &bytes)?;
    out.report(
        &format!(
            "proved {} ({} proof bytes) in {:.1} ms\nproof written to {}",
            describe(proof.statement()),
            proof.proof_bytes().len(),
            millis(took),
            args.out.display()
        ),
        json!({
            "ok": true,
            "proof": args.out,
            "statement": statement_json(proof.statement()),
            "proof_bytes": proof.proof_bytes().len(),
            "ms": millis(took),
        }),
    )?;
    Ok(Verdict::Success)
}

fn verify(args: VerifyArgs, out: &Output) -> anyhow::Result<Verdict> {
    let proofs = args
        .proof
        .iter()
        .map(|path| read_proof(path))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut claim = Claim {
        commitments: None,
        bounds: Requirement {
            min: args.min,
            max: args.max,
        },
    };
    if !args.commitment.is_empty() {
        anyhow::ensure!(
            proofs.len() == 1,
            "--commitment checks a single proof; {} were given",
            proofs.len()
        );
        claim.commitments = Some(
            args.commitment
                .iter()
                .map(|path| read_commitment(path))
                .collect::<anyhow::Result<Vec<_>>>()?,
        );
    }
    for (path, proof) in args.proof.iter().zip(&proofs) {
        claim
            .check(proof)
            .with_context(|| format!("{}: does not prove what was asked", path.display()))?;
    }
    let capacity = proofs
        .iter()
        .map(|p| p.statement().aggregation())
        .max()
        .unwrap_or(1);
    let gens = Generators::new(capacity)?;
    let (outcome, took) = out.step("verifying", || {
        if proofs.len() == 1 {
            proofs[0].verify(&gens, &mut OsRng)
        } else {
            verify_batch(&gens, &proofs, &mut OsRng)
        }
    });
    let failed: Vec<usize> = match outcome {
        Ok(()) => Vec::new(),
        Err(RangeError::VerificationFailed) => vec![0],
        Err(RangeError::BatchFailed { failed, .. }) => failed,
        Err(other) => return Err(anyhow::Error::new(other).context("cannot verify")),
    };
    let entries: Vec<Value> = args
        .proof
        .iter()
        .zip(&proofs)
        .enumerate()
        .map(|(i, (path, proof))| {
            json!({
                "file": path,
                "valid": !failed.contains(&i),
                "statement": statement_json(proof.statement()),
            })
        })
        .collect();
    let mut human = String::new();
    for (i, (path, proof)) in args.proof.iter().zip(&proofs).enumerate() {
        let verdict = if failed.contains(&i) {
            "INVALID"
        } else {
            "valid"
        };
        human.push_str(&format!(
            "{verdict}: {} proves {}\n",
            path.display(),
            describe(proof.statement())
        ));
    }
    let mode = if proofs.len() == 1 { "single" } else { "batch" };
    human.push_str(&format!(
        "{} of {} proofs valid ({mode} verification, {:.1} ms)",
        proofs.len() - failed.len(),
        proofs.len(),
        millis(took)
    ));
    let valid = failed.is_empty();
    out.report(
        &human,
        json!({
            "ok": valid,
            "valid": valid,
            "mode": mode,
            "proofs": entries,
            "failed": failed.iter().map(|&i| &args.proof[i]).collect::<Vec<_>>(),
            "ms": millis(took),
        }),
    )?;
    Ok(Verdict::from_valid(valid))
}

/// The interval `[low, high]` a statement establishes for each committed value.
fn bounds(statement: &Statement) -> (u64, u64) {
    let interval = statement.proven_interval();
    (interval.min, interval.max)
}

fn describe(statement: &Statement) -> String {
    let (low, high) = bounds(statement);
    match statement {
        Statement::Interval {
            commitment, bits, ..
        } => format!(
            "{low} ≤ value ≤ {high} for commitment {} ({}-bit interval proof)",
            short(commitment),
            bits.get()
        ),
        other => {
            let commitments = other.commitments();
            format!(
                "{} committed value(s) in [0, 2^{}) ({})",
                commitments.len(),
                other.bits().get(),
                commitments.iter().map(short).collect::<Vec<_>>().join(", ")
            )
        }
    }
}

fn statement_json(statement: &Statement) -> Value {
    let (low, high) = bounds(statement);
    match statement {
        Statement::Interval {
            commitment, bits, ..
        } => json!({
            "type": "interval", "bits": bits.get(), "min": low, "max": high,
            "commitment": commitment.to_hex(),
        }),
        other => json!({
            "type": "bits", "bits": other.bits().get(), "min": low, "max": high,
            "commitments": other.commitments().iter().map(Commitment::to_hex).collect::<Vec<_>>(),
        }),
    }
}

fn short(commitment: &Commitment) -> String {
    let hex = commitment.to_hex();
    format!("{}…", &hex[..12])
}

pub(crate) fn read_opening(path: &Path) -> anyhow::Result<Opening> {
    let bytes = fsio::read_secret(path, Limit::RANGE_OPENING)?;
    Opening::decode(&bytes).with_context(|| format!("{}: not a valid opening file", path.display()))
}

fn read_commitment(path: &Path) -> anyhow::Result<Commitment> {
    let bytes = fsio::read(path, Limit::RANGE_COMMITMENT)?;
    Commitment::decode(&bytes).with_context(|| {
        format!(
            "{}: not a valid commitment file (to add secret openings, pass --openings)",
            path.display()
        )
    })
}

pub(crate) fn read_proof(path: &Path) -> anyhow::Result<RangeProof> {
    let bytes = fsio::read(path, Limit::RANGE_PROOF)?;
    RangeProof::decode(&bytes)
        .with_context(|| format!("{}: not a valid range-proof file", path.display()))
}

pub(crate) fn write_opening(
    plan: &Plan,
    path: &Path,
    opening: &Opening,
    binary: bool,
) -> anyhow::Result<()> {
    if binary {
        plan.write_secret(path, &opening.to_bytes())
    } else {
        plan.write_secret(path, opening.to_json().as_bytes())
    }
}

pub(crate) fn write_commitment(
    plan: &Plan,
    path: &Path,
    commitment: &Commitment,
    binary: bool,
) -> anyhow::Result<()> {
    if binary {
        plan.write_public(path, &commitment.to_bytes())
    } else {
        plan.write_public(path, commitment.to_json().as_bytes())
    }
}
