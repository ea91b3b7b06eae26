//! `conclave ledger …`: the verifiable append-only ledger (crate `conclave-ledger`), used
//! either embedded on a local directory (`--data DIR`) or through a node (`--node URL`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use conclave_ledger::audit::{audit_dir, audit_node};
use conclave_ledger::client::{Client, ClientConfig};
use conclave_ledger::entry::{
    Entry, Issuer, Party, PredicateStatementEntry, RevocationRoot, Statement,
};
use conclave_ledger::keys;
use conclave_ledger::merkle::ConsistencyProof;
use conclave_ledger::node::{self, NodeConfig};
use conclave_ledger::note::{Checkpoint, NoteVerifier};
use conclave_ledger::policy::AppendPolicy;
use conclave_ledger::store::{files, Ledger, Receipt};
use conclave_ledger::verify::{verify_entry, LogSource};
use conclave_ledger::LedgerError;
use serde_json::json;

use crate::fsio;
use crate::output::{Output, Verdict};

mod anchor;

/// Where a command reads or writes the log.
#[derive(clap::Args, Debug, Clone)]
pub struct Target {
    /// URL of a ledger node (e.g. http://127.0.0.1:7700).
    #[arg(long, conflicts_with = "data")]
    pub node: Option<String>,
    /// A local ledger directory, used embedded (no server).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// With --node: seconds to wait for each answer of the node.
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    pub timeout: f64,
}

impl Target {
    /// A client of `url` with this target's limits.
    fn client(&self, url: &str) -> anyhow::Result<Client> {
        anyhow::ensure!(
            self.timeout.is_finite() && self.timeout > 0.0 && self.timeout <= 86_400.0,
            "--timeout must be a number of seconds between 0 and 86400"
        );
        let config = ClientConfig {
            timeout: std::time::Duration::from_secs_f64(self.timeout),
            ..ClientConfig::default()
        };
        Ok(Client::with_config(url, config)?)
    }
}

/// Ledger commands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Create a ledger: database, checkpoint signing key and operator credential (0600).
    Init {
        /// Directory to create the ledger in.
        #[arg(long)]
        data: PathBuf,
        /// The log's origin line (also the name of its checkpoint key).
        #[arg(long)]
        origin: String,
    },
    /// Serve a ledger over HTTP (loopback by default) until interrupted.
    Serve {
        /// The ledger directory.
        #[arg(long)]
        data: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:7700")]
        listen: SocketAddr,
        /// A credential predicate proof's `$now` must be within this many days of the
        /// node's date (UTC).
        #[arg(long, default_value_t = 1, value_name = "DAYS")]
        now_window_days: u32,
        /// Accept a revocation root that is no longer its issuer's latest for this many
        /// seconds after its successor was anchored (0: only the latest root).
        #[arg(long, default_value_t = 0, value_name = "SECONDS")]
        revocation_grace: u64,
    },
    /// Register a verifying key as a statement (operator only): a Groth16 key, or a
    /// credential predicate key (`zk setup --predicate`), whose proofs the ledger then
    /// takes with `submit`.
    RegisterStatement {
        /// The verifying key file (from `conclave zk setup`).
        #[arg(long)]
        vk: PathBuf,
        /// A human label for the statement.
        #[arg(long, default_value = "")]
        label: String,
        #[command(flatten)]
        target: Target,
        /// Operator credential file (default with --data: DIR/operator.key).
        #[arg(long)]
        operator_key: Option<PathBuf>,
    },
    /// Register the Ed25519 public key of a computing party (operator only).
    RegisterParty {
        /// The party's public key, 64 hex digits.
        #[arg(long)]
        key: String,
        /// A human name for the party.
        #[arg(long, default_value = "")]
        name: String,
        #[command(flatten)]
        target: Target,
        /// Operator credential file (default with --data: DIR/operator.key).
        #[arg(long)]
        operator_key: Option<PathBuf>,
    },
    /// Register a credential issuer's public key (operator only), so that predicate proofs
    /// naming it and its revocation roots are accepted.
    RegisterIssuer {
        /// The issuer public key file (`cred issuer-keygen`'s issuer.pub.json).
        #[arg(long)]
        issuer: PathBuf,
        /// A human label for the issuer.
        #[arg(long, default_value = "")]
        label: String,
        #[command(flatten)]
        target: Target,
        /// Operator credential file (default with --data: DIR/operator.key).
        #[arg(long)]
        operator_key: Option<PathBuf>,
    },
    /// Anchor an issuer's signed revocation root (the registry file `cred revoke` keeps):
    /// accepted for a registered issuer, with a valid signature and a sequence above the
    /// last anchored one. Needs no operator credential.
    RegisterRevocation {
        /// The revocation registry file.
        #[arg(long)]
        registry: PathBuf,
        #[command(flatten)]
        target: Target,
    },
    /// Submit a proof (Groth16, range or credential predicate proof), a signed result
    /// record or a revocation registry; prints the index and the inclusion proof. Several files go in one batch (verified together, one
    /// request to a node); each gets its own outcome.
    Submit {
        /// The file(s) to anchor.
        #[arg(required = true, num_args = 1..)]
        file: Vec<PathBuf>,
        #[command(flatten)]
        target: Target,
    },
    /// Print entry INDEX.
    Get {
        /// The entry index.
        index: u64,
        #[command(flatten)]
        target: Target,
    },
    /// Print the latest signed checkpoint.
    Checkpoint {
        #[command(flatten)]
        target: Target,
    },
    /// Print the inclusion proof of entry INDEX in the current tree (or one of --size).
    ProveInclusion {
        /// The entry index.
        index: u64,
        /// Tree size (default: the current size).
        #[arg(long)]
        size: Option<u64>,
        #[command(flatten)]
        target: Target,
    },
    /// Print the consistency proof between tree sizes FIRST and SECOND.
    ProveConsistency {
        /// The older size.
        first: u64,
        /// The newer size.
        second: u64,
        #[command(flatten)]
        target: Target,
    },
    /// Verify entry N from the log alone: checkpoint signature, inclusion, content. With
    /// --rpc and --contract, against the tree anchored on chain instead: inclusion checked
    /// here and by the anchor contract, then content.
    Verify {
        /// The entry index.
        #[arg(long)]
        entry: u64,
        /// The log's verifier key file (`log.pub` of the ledger). With --rpc, optional: the
        /// anchor's origin must then be its name.
        #[arg(long, required_unless_present = "rpc")]
        log_key: Option<PathBuf>,
        /// JSON-RPC endpoint of an Ethereum node: verify against the anchored tree.
        #[arg(long, requires = "contract")]
        rpc: Option<String>,
        /// Address of the checkpoint anchor contract (`eth deploy anchor`).
        #[arg(long, requires = "rpc")]
        contract: Option<String>,
        #[command(flatten)]
        target: Target,
    },
    /// Post the log's latest signed checkpoint to an anchor contract on Ethereum, after
    /// checking its signature with the log key and that it extends the tree anchored before.
    Anchor {
        /// JSON-RPC endpoint of an Ethereum node (http://host:port).
        #[arg(long)]
        rpc: String,
        /// Address of the checkpoint anchor contract (`eth deploy anchor`).
        #[arg(long)]
        contract: String,
        /// File holding the operator's secp256k1 secret key as hex (must be 0600).
        #[arg(long)]
        eth_key: PathBuf,
        /// The log's verifier key file (`log.pub`); needed with --node, defaults to
        /// DIR/log.pub with --data.
        #[arg(long)]
        log_key: Option<PathBuf>,
        #[command(flatten)]
        target: Target,
    },
    /// Recompute everything: decode and re-verify every entry, rebuild the tree, check
    /// the signed checkpoint with the log's public key. Runs on a directory read-only
    /// (also while a node serves it) or through a node; needs no secret.
    Audit {
        #[command(flatten)]
        target: Target,
        /// The log's verifier key file (`log.pub`); needed with --node, defaults to
        /// DIR/log.pub with --data.
        #[arg(long)]
        log_key: Option<PathBuf>,
    },
}

#[allow(clippy::large_enum_variant)] // one per command run: boxing would buy nothing
enum Log {
    Local(Ledger),
    Remote(Client),
}

impl Log {
    fn connect(target: &Target) -> anyhow::Result<Self> {
        match (&target.node, &target.data) {
            (Some(url), _) => Ok(Log::Remote(target.client(url)?)),
            (None, Some(dir)) => Ok(Log::Local(open_local(dir)?)),
            (None, None) => anyhow::bail!("say where the ledger is: --node URL or --data DIR"),
        }
    }

    fn source(&self) -> &dyn LogSource {
        match self {
            Log::Local(ledger) => ledger,
            Log::Remote(client) => client,
        }
    }

    fn consistency(&self, first: u64, second: u64) -> Result<ConsistencyProof, LedgerError> {
        match self {
            Log::Local(ledger) => ledger.consistency_proof(first, second),
            Log::Remote(client) => client.consistency_proof(first, second),
        }
    }

    fn submit_batch(
        &self,
        entries: Vec<Entry>,
    ) -> Result<Vec<Result<Receipt, LedgerError>>, LedgerError> {
        match self {
            Log::Local(ledger) => {
                Ok(ledger.append_batch(entries.into_iter().map(|entry| (entry, true)).collect()))
            }
            Log::Remote(client) => client.submit_batch(&entries),
        }
    }

    fn submit(&self, entry: Entry, operator_token: Option<&str>) -> Result<Receipt, LedgerError> {
        match self {
            Log::Local(ledger) => ledger.append(entry, true),
            Log::Remote(client) => match operator_token {
                Some(token) => client.clone().with_operator_token(token).submit(&entry),
                None => client.submit(&entry),
            },
        }
    }
}

fn open_local(dir: &Path) -> anyhow::Result<Ledger> {
    Ledger::open(dir).with_context(|| format!("{}: cannot open the ledger", dir.display()))
}

fn operator_token(target: &Target, file: Option<&Path>) -> anyhow::Result<Option<String>> {
    let path = match (file, &target.data) {
        (Some(path), _) => path.to_path_buf(),
        (None, Some(_)) => return Ok(None),
        (None, None) => anyhow::bail!(
            "registering needs the operator credential: pass --operator-key DIR/{}",
            files::OPERATOR_KEY
        ),
    };
    let token = keys::read_operator_token(&path)
        .with_context(|| format!("{}: not an operator credential", path.display()))?;
    Ok(Some(token.expose().to_owned()))
}

/// Maps a refusal to exit code 1 (an invalid proof or signature) or 2 (anything else).
fn refusal(out: &Output, error: LedgerError, context: &str) -> anyhow::Result<Verdict> {
    if error.is_rejection() {
        out.report(
            &format!("INVALID: {context}: {error}"),
            json!({ "ok": false, "valid": false, "code": error.code(), "error": error.to_string() }),
        )?;
        Ok(Verdict::Invalid)
    } else {
        Err(anyhow::Error::new(error).context(context.to_owned()))
    }
}

fn receipt_report(out: &Output, receipt: &Receipt) -> anyhow::Result<Verdict> {
    let human = format!(
        "{} {} entry at index {} (leaf {})\ncheckpoint:\n{}inclusion proof ({} hashes) in tree of {}:\n{}",
        if receipt.duplicate { "already anchored:" } else { "anchored" },
        receipt.kind,
        receipt.index,
        receipt.leaf_hash.to_hex(),
        receipt.checkpoint,
        receipt.inclusion.hashes.len(),
        receipt.inclusion.tree_size,
        receipt
            .inclusion
            .hashes
            .iter()
            .map(|h| format!("  {}", h.to_hex()))
            .collect::<Vec<_>>()
            .join("\n")
    );
    out.report(&human, json!({ "ok": true, "receipt": receipt }))?;
    Ok(Verdict::Success)
}

/// One line per submitted file; `Invalid` (exit 1) if the ledger refused any of them.
fn batch_report(
    out: &Output,
    files: &[PathBuf],
    outcomes: Vec<Result<Receipt, LedgerError>>,
) -> anyhow::Result<Verdict> {
    let mut lines = Vec::new();
    let mut results = Vec::new();
    for (path, outcome) in files.iter().zip(outcomes) {
        match outcome {
            Ok(receipt) => {
                lines.push(format!(
                    "{}: {} {} entry at index {}",
                    path.display(),
                    if receipt.duplicate {
                        "already anchored:"
                    } else {
                        "anchored"
                    },
                    receipt.kind,
                    receipt.index
                ));
                results.push(json!({ "file": path, "ok": true, "receipt": receipt }));
            }
            // Reported in place: the other files may already be anchored.
            Err(e) => {
                lines.push(format!("{}: REFUSED ({}): {e}", path.display(), e.code()));
                results.push(
                    json!({ "file": path, "ok": false, "code": e.code(), "error": e.to_string() }),
                );
            }
        }
    }
    let ok = results.iter().all(|r| r["ok"] == true);
    out.report(&lines.join("\n"), json!({ "ok": ok, "results": results }))?;
    Ok(Verdict::from_valid(ok))
}

/// Whether a verifying key file is a credential predicate key (JSON with its format).
fn is_predicate_key(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|v| v.get("format").and_then(|f| f.as_str()).map(str::to_owned))
        .is_some_and(|f| f == "conclave.predicate.verifying_key")
}

/// Reads a file to anchor (kinds: see [`Entry::from_file_bytes`]).
pub(crate) fn entry_from_file(path: &Path) -> anyhow::Result<Entry> {
    let bytes = fsio::read(path, fsio::Limit::REVOCATION_REGISTRY)?;
    Entry::from_file_bytes(&bytes).with_context(|| path.display().to_string())
}

/// The log's public key for `purpose` ("an audit", "anchoring"): `--log-key`, or
/// `DIR/log.pub` with `--data`.
fn log_key_for(
    target: &Target,
    log_key: Option<&Path>,
    purpose: &str,
) -> anyhow::Result<NoteVerifier> {
    let path = match (log_key, &target.data) {
        (Some(path), _) => path.to_path_buf(),
        (None, Some(dir)) => dir.join(files::LOG_PUB),
        (None, None) => anyhow::bail!(
            "{purpose} through --node needs the log's public key: pass --log-key log.pub \
             (obtained from the operator, never from the node you check)"
        ),
    };
    read_log_key(&path)
}

fn read_log_key(path: &Path) -> anyhow::Result<NoteVerifier> {
    keys::read_verifier_key(path)
        .with_context(|| format!("{}: not a log verifier key", path.display()))
}

/// Runs a `ledger` command.
pub fn run(command: Command, out: &Output) -> anyhow::Result<Verdict> {
    match command {
        Command::Init { data, origin } => {
            let init = Ledger::init(&data, &origin, &mut rand_core::OsRng)
                .with_context(|| format!("{}: cannot create the ledger", data.display()))?;
            out.report(
                &format!(
                    "created ledger {origin} in {}\nverifier key (published in {}): {}\noperator credential: {} (0600)",
                    data.display(),
                    data.join(files::LOG_PUB).display(),
                    init.verifier_key,
                    data.join(files::OPERATOR_KEY).display()
                ),
                json!({
                    "ok": true, "origin": origin, "verifier_key": init.verifier_key,
                    "log_pub": data.join(files::LOG_PUB), "operator_key": data.join(files::OPERATOR_KEY),
                }),
            )?;
            Ok(Verdict::Success)
        }
        Command::Serve {
            data,
            listen,
            now_window_days,
            revocation_grace,
        } => {
            let policy = AppendPolicy {
                now_window_days,
                revocation_grace: std::time::Duration::from_secs(revocation_grace),
                ..AppendPolicy::default()
            };
            let ledger = Arc::new(open_local(&data)?.with_policy(policy));
            let size = ledger.size();
            let origin = ledger.origin().to_owned();
            node::serve_blocking(ledger, listen, NodeConfig::default(), |addr| {
                // Printed before serving so scripts can wait for it.
                let _ = out.report(
                    &format!("serving {origin} ({size} entries) on http://{addr}"),
                    json!({ "ok": true, "listening": format!("http://{addr}"), "origin": origin, "tree_size": size }),
                );
            })
            .context("the node stopped")?;
            Ok(Verdict::Success)
        }
        Command::RegisterStatement {
            vk,
            label,
            target,
            operator_key,
        } => {
            let token = operator_token(&target, operator_key.as_deref())?;
            let bytes = fsio::read(&vk, fsio::Limit::CRED_FILE)?;
            let (entry, id): (Entry, [u8; 32]) = if is_predicate_key(&bytes) {
                let statement = PredicateStatementEntry::from_file_bytes(&bytes, &label)
                    .with_context(|| format!("{}: not a predicate verifying key", vk.display()))?;
                let id = statement.id();
                (statement.into(), id)
            } else {
                let statement = Statement::from_file_bytes(&bytes, &label)
                    .with_context(|| format!("{}: not a verifying key", vk.display()))?;
                let id = statement.id();
                (statement.into(), id)
            };
            let log = Log::connect(&target)?;
            match log.submit(entry, token.as_deref()) {
                Ok(receipt) => {
                    out.say(&format!(
                        "statement id {}",
                        conclave_ledger::merkle::Hash(id).to_hex()
                    ))?;
                    receipt_report(out, &receipt)
                }
                Err(e) => refusal(out, e, "the statement was refused"),
            }
        }
        Command::RegisterParty {
            key,
            name,
            target,
            operator_key,
        } => {
            let token = operator_token(&target, operator_key.as_deref())?;
            let party = Party::from_hex(&key, &name).context("--key")?;
            let log = Log::connect(&target)?;
            match log.submit(party.into(), token.as_deref()) {
                Ok(receipt) => receipt_report(out, &receipt),
                Err(e) => refusal(out, e, "the party was refused"),
            }
        }
        Command::RegisterIssuer {
            issuer,
            label,
            target,
            operator_key,
        } => {
            let token = operator_token(&target, operator_key.as_deref())?;
            let bytes = fsio::read(&issuer, fsio::Limit::CRED_KEY)?;
            let entry = Issuer::from_file_bytes(&bytes, &label)
                .with_context(|| format!("{}: not an issuer public key", issuer.display()))?;
            let id = entry.id();
            let log = Log::connect(&target)?;
            match log.submit(entry.into(), token.as_deref()) {
                Ok(receipt) => {
                    out.say(&format!("issuer id {}", hex::encode(id)))?;
                    receipt_report(out, &receipt)
                }
                Err(e) => refusal(out, e, "the issuer was refused"),
            }
        }
        Command::RegisterRevocation { registry, target } => {
            let bytes = fsio::read(&registry, fsio::Limit::REVOCATION_REGISTRY)?;
            let entry = RevocationRoot::from_registry_bytes(&bytes).with_context(|| {
                format!("{}: not a valid revocation registry", registry.display())
            })?;
            let sequence = entry.sequence;
            let log = Log::connect(&target)?;
            match log.submit(entry.into(), None) {
                Ok(receipt) => {
                    out.say(&format!("revocation root sequence {sequence}"))?;
                    receipt_report(out, &receipt)
                }
                Err(e) => refusal(out, e, "the revocation root was refused"),
            }
        }
        Command::Submit { file, target } => {
            let log = Log::connect(&target)?;
            if let [file] = file.as_slice() {
                let entry = entry_from_file(file)?;
                return match log.submit(entry, None) {
                    Ok(receipt) => receipt_report(out, &receipt),
                    Err(e) => refusal(
                        out,
                        e,
                        &format!("{}: refused by the ledger", file.display()),
                    ),
                };
            }
            let entries = file
                .iter()
                .map(|path| entry_from_file(path))
                .collect::<anyhow::Result<Vec<_>>>()?;
            batch_report(out, &file, log.submit_batch(entries)?)
        }
        Command::Get { index, target } => {
            let log = Log::connect(&target)?;
            let (index, bytes) = log.source().entry_at(index)?;
            let entry = Entry::from_bytes(&bytes)?;
            let view = json!({
                "index": index,
                "kind": entry.kind(),
                "leaf_hash": conclave_ledger::merkle::leaf_hash(&bytes),
                "entry": entry.to_json(),
            });
            out.report(
                &serde_json::to_string_pretty(&view)?,
                json!({ "ok": true, "entry": view }),
            )?;
            Ok(Verdict::Success)
        }
        Command::Checkpoint { target } => {
            let log = Log::connect(&target)?;
            let note = log.source().signed_checkpoint()?;
            let checkpoint = Checkpoint::parse_unverified(&note)?;
            out.report(
                note.trim_end(),
                json!({ "ok": true, "origin": checkpoint.origin, "size": checkpoint.size, "root": checkpoint.root, "note": note }),
            )?;
            Ok(Verdict::Success)
        }
        Command::ProveInclusion {
            index,
            size,
            target,
        } => {
            let log = Log::connect(&target)?;
            let size = match size {
                Some(size) => size,
                None => Checkpoint::parse_unverified(&log.source().signed_checkpoint()?)?.size,
            };
            let proof = log.source().inclusion(index, size)?;
            out.report(
                &format!(
                    "inclusion of entry {index} in tree of {size}:\n{}",
                    hash_lines(&proof.hashes)
                ),
                json!({ "ok": true, "proof": proof }),
            )?;
            Ok(Verdict::Success)
        }
        Command::ProveConsistency {
            first,
            second,
            target,
        } => {
            let log = Log::connect(&target)?;
            let proof = log.consistency(first, second)?;
            out.report(
                &format!(
                    "consistency of tree {first} with tree {second}:\n{}",
                    hash_lines(&proof.hashes)
                ),
                json!({ "ok": true, "proof": proof }),
            )?;
            Ok(Verdict::Success)
        }
        Command::Verify {
            entry,
            log_key,
            rpc: Some(rpc),
            contract: Some(contract),
            target,
        } => {
            let verifier = log_key.as_deref().map(read_log_key).transpose()?;
            anchor::verify(entry, &target, verifier.as_ref(), &rpc, &contract, out)
        }
        Command::Anchor {
            rpc,
            contract,
            eth_key,
            log_key,
            target,
        } => {
            let verifier = log_key_for(&target, log_key.as_deref(), "anchoring")?;
            anchor::post(&target, &verifier, &rpc, &contract, &eth_key, out)
        }
        Command::Verify {
            entry,
            log_key,
            target,
            ..
        } => {
            let log_key = log_key.context("give --log-key log.pub, or --rpc and --contract")?;
            let verifier = read_log_key(&log_key)?;
            let log = Log::connect(&target)?;
            match verify_entry(log.source(), &verifier, entry) {
                Ok(verified) => {
                    out.report(
                        &format!(
                            "VALID: entry {} ({}) is in the log {} signed at size {} (root {}), and its content verifies{}",
                            verified.index,
                            verified.kind,
                            verifier.name(),
                            verified.tree_size,
                            verified.root.to_hex(),
                            if verified.depends_on.is_empty() {
                                String::new()
                            } else {
                                format!(" under registered entries {:?}", verified.depends_on)
                            }
                        ),
                        json!({ "ok": true, "valid": true, "verified": verified }),
                    )?;
                    Ok(Verdict::Success)
                }
                Err(e) => refusal(out, e, &format!("entry {entry} does not verify")),
            }
        }
        Command::Audit { target, log_key } => {
            let verifier = log_key_for(&target, log_key.as_deref(), "an audit")?;
            let (report, took) = match (&target.node, &target.data) {
                (Some(url), _) => {
                    let client = target.client(url)?;
                    out.step("auditing", || audit_node(&client, &verifier))
                }
                (None, Some(dir)) => out.step("auditing", || audit_dir(dir, &verifier)),
                (None, None) => anyhow::bail!("say where the ledger is: --node URL or --data DIR"),
            };
            match report {
                Ok(report) => {
                    out.report(
                        &format!(
                            "VALID: audit of {} passed: {} entries ({}) re-verified, root {} matches the checkpoint signed by {} ({:.1} ms)",
                            report.origin,
                            report.entries,
                            report.kinds.iter().map(|(k, n)| format!("{n} {k}")).collect::<Vec<_>>().join(", "),
                            report.root.to_hex(),
                            verifier.name(),
                            took.as_secs_f64() * 1e3
                        ),
                        json!({ "ok": true, "valid": true, "report": report, "ms": took.as_secs_f64() * 1e3 }),
                    )?;
                    Ok(Verdict::Success)
                }
                Err(e) if e.is_rejection() => {
                    out.report(
                        &format!("INVALID: {e}"),
                        json!({ "ok": false, "valid": false, "code": e.code(), "error": e.to_string() }),
                    )?;
                    Ok(Verdict::Invalid)
                }
                Err(e) => Err(anyhow::Error::new(e).context("the audit could not run")),
            }
        }
    }
}

/// One indented hex hash per line, for printing a Merkle proof.
fn hash_lines(hashes: &[conclave_ledger::merkle::Hash]) -> String {
    hashes
        .iter()
        .map(|h| format!("  {}", h.to_hex()))
        .collect::<Vec<_>>()
        .join("\n")
}
