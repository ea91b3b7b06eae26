//! `conclave eth …` and the Ethereum-facing `zk` commands (`zk export-solidity`,
//! `zk calldata`): the Groth16 verifier contract of `conclave-eth`, its deployment and
//! calls over JSON-RPC (`verifyProof`, and `verifyBatch` when `--proof` is repeated), and
//! the proof registry (`eth deploy registry`, `eth registry
//! policy|revocation-root|retire|submit`) fed with credential predicate proofs, hashed-input
//! ones included (the policy pins their configuration hash).
//!
//! `zk export-solidity --out Verifier.sol` writes the contract source (the same for every
//! key) and `Verifier.deploy.json` next to it: the pinned bytecode, this key's ABI-encoded
//! constructor arguments and their concatenation, the data of a contract-creation
//! transaction any wallet can send (no Solidity compiler needed).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use conclave_circuits::credential::keys::{self, KeyRole};
use conclave_circuits::credential::revocation::RevocationRegistry;
use conclave_circuits::field;
use conclave_circuits::statement::predicate::{PredicateVerifyingKey, RevocationRoot};
use conclave_eth::client::{self, Node, Transacted, Verdict as ChainVerdict};
use conclave_eth::predicate::{self as onchain, PredicatePolicy};
use conclave_eth::registry;
use conclave_eth::verifier::{self, BatchCalldata, ProofCalldata, VerifierKey};
use conclave_eth::PrivateKeySigner;
use serde_json::json;

use crate::cmd::zk::{read_proof, read_verifying_key};
use crate::cmd::zk_predicate::is_predicate_key;
use crate::fsio::{self, Limit};
use crate::output::{Output, Verdict};

/// Ethereum commands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Deploy a contract (sends a transaction signed with --eth-key).
    Deploy {
        /// What to deploy.
        #[command(subcommand)]
        contract: DeployCommand,
    },
    /// Register policies and revocation roots in a proof registry, and submit proofs to it.
    Registry {
        /// What to do.
        #[command(subcommand)]
        command: RegistryCommand,
    },
    /// Ask a deployed verifier about a proof, or several at once with verifyBatch (an
    /// eth_call: no transaction, no key).
    Verify {
        /// JSON-RPC endpoint of an Ethereum node (http://host:port).
        #[arg(long)]
        rpc: String,
        /// Address of the verifier contract.
        #[arg(long)]
        contract: String,
        /// A Conclave proof file (from `zk prove`); repeat it to verify a batch of proofs
        /// under the contract's key in one call (verifyBatch: k + 3 pairings).
        #[arg(
            long,
            required_unless_present = "calldata",
            conflicts_with = "calldata"
        )]
        proof: Vec<PathBuf>,
        /// A file holding calldata as `snarkjs zkey export soliditycalldata` prints it.
        #[arg(long)]
        calldata: Option<PathBuf>,
        /// The predicate verifying key the proofs were made with (predicate proofs only).
        #[arg(long, conflicts_with = "calldata")]
        vk: Option<PathBuf>,
        /// Also send the call as a transaction signed with this key (0600 hex file), to
        /// record it on chain and report the gas it used (only when the call does not revert).
        #[arg(long)]
        send_with: Option<PathBuf>,
    },
}

/// What the owner of a proof registry does, and submitting proofs to it.
#[derive(clap::Subcommand)]
pub enum RegistryCommand {
    /// Register a policy for a predicate statement (owner only): the verifier deployed for
    /// its key, the issuer key of every alias, the value of every parameter but `now`, the
    /// scope; prints the policy's id.
    Policy {
        /// JSON-RPC endpoint of an Ethereum node (http://host:port).
        #[arg(long)]
        rpc: String,
        /// Address of the proof registry.
        #[arg(long)]
        contract: String,
        /// File holding the owner's secp256k1 secret key as hex (must be 0600).
        #[arg(long)]
        eth_key: PathBuf,
        /// Address of the verifier deployed for --vk (`eth deploy verifier --vk …`).
        #[arg(long)]
        verifier: String,
        /// The predicate verifying key (`zk setup --predicate`).
        #[arg(long)]
        vk: PathBuf,
        /// `alias=FILE`: the issuer public key (`issuer.pub.json`) accepted for an alias;
        /// one per alias.
        #[arg(long, required = true)]
        issuer: Vec<String>,
        /// `name=value`: the value of a parameter other than `now`; one per parameter.
        #[arg(long)]
        param: Vec<String>,
        /// The verifier scope (as in `zk prove --scope`): nullifiers are recorded in it.
        #[arg(long)]
        scope: String,
        /// How many days the proof's `now` may differ from the block's day.
        #[arg(long, default_value_t = 1)]
        window_days: u32,
        /// `alias=FILE`: the issuer's revocation registry (`cred revoke --registry FILE`;
        /// signature checked) whose root a hashed-input key's configuration hashes; one per
        /// revocable alias. A key without hashed inputs takes roots with `revocation-root`.
        #[arg(long)]
        revocation: Vec<String>,
        /// Require a hashed-input key (`zk setup --hashed-inputs`): the policy pins the
        /// configuration hash of the issuers, parameters, scope and roots (detected from the
        /// key without this flag).
        #[arg(long)]
        hashed_inputs: bool,
    },
    /// Accept (or with --reject stop accepting) a revocation root for a policy (owner only).
    RevocationRoot {
        /// JSON-RPC endpoint of an Ethereum node (http://host:port).
        #[arg(long)]
        rpc: String,
        /// Address of the proof registry.
        #[arg(long)]
        contract: String,
        /// File holding the owner's secp256k1 secret key as hex (must be 0600).
        #[arg(long)]
        eth_key: PathBuf,
        /// The policy's id.
        #[arg(long)]
        policy: u64,
        /// The root (decimal field element, as `cred revoke` prints it).
        #[arg(
            long,
            required_unless_present = "registry",
            conflicts_with = "registry"
        )]
        root: Option<String>,
        /// Take the root from an issuer's revocation registry file (`cred revoke
        /// --registry FILE`; its signature is checked).
        #[arg(long)]
        registry: Option<PathBuf>,
        /// Stop accepting the root instead.
        #[arg(long)]
        reject: bool,
    },
    /// Retire a policy (owner only): it accepts no more proofs (e.g. after registering the
    /// policy of a hashed-input key's new revocation roots in the same scope).
    Retire {
        /// JSON-RPC endpoint of an Ethereum node (http://host:port).
        #[arg(long)]
        rpc: String,
        /// Address of the proof registry.
        #[arg(long)]
        contract: String,
        /// File holding the owner's secp256k1 secret key as hex (must be 0600).
        #[arg(long)]
        eth_key: PathBuf,
        /// The policy's id.
        #[arg(long)]
        policy: u64,
    },
    /// Submit predicate proofs to a policy: the registry checks them, records their
    /// nullifiers in the scope and refuses each the second time (exit 1 when refused).
    Submit {
        /// JSON-RPC endpoint of an Ethereum node (http://host:port).
        #[arg(long)]
        rpc: String,
        /// Address of the proof registry.
        #[arg(long)]
        contract: String,
        /// File holding the submitter's secp256k1 secret key as hex (must be 0600).
        #[arg(long)]
        eth_key: PathBuf,
        /// The policy's id.
        #[arg(long)]
        policy: u64,
        /// The predicate verifying key the proof was made with.
        #[arg(long)]
        vk: PathBuf,
        /// The proof (`zk prove --credential …`); repeat it to submit a batch with one
        /// `submitBatch` (one verifyBatch call: k + 3 pairings; all or nothing).
        #[arg(long, required = true)]
        proof: Vec<PathBuf>,
    },
}

/// Contracts `eth deploy` can deploy.
#[derive(clap::Subcommand)]
pub enum DeployCommand {
    /// The Groth16 verifier for one verifying key (the key goes to the constructor).
    Verifier {
        /// Verifying key from `zk setup`.
        #[arg(long)]
        vk: PathBuf,
        /// JSON-RPC endpoint of an Ethereum node (http://host:port).
        #[arg(long)]
        rpc: String,
        /// File holding the deployer's secp256k1 secret key as hex (must be 0600).
        #[arg(long)]
        eth_key: PathBuf,
    },
    /// The checkpoint anchor of a ledger (`ledger anchor` posts to it, `ledger verify
    /// --rpc` checks entries against it).
    Anchor {
        /// JSON-RPC endpoint of an Ethereum node (http://host:port).
        #[arg(long)]
        rpc: String,
        /// File holding the deployer's secp256k1 secret key as hex (must be 0600).
        #[arg(long)]
        eth_key: PathBuf,
        /// The only address allowed to anchor (default: the deployer's).
        #[arg(long)]
        operator: Option<String>,
        /// Bind the anchor to this log origin (the ledger's `--origin`); default: any.
        #[arg(long, default_value = "")]
        origin: String,
    },
    /// The proof registry (the deployer becomes its owner; docs/onchain.md).
    Registry {
        /// JSON-RPC endpoint of an Ethereum node (http://host:port).
        #[arg(long)]
        rpc: String,
        /// File holding the deployer's secp256k1 secret key as hex (must be 0600).
        #[arg(long)]
        eth_key: PathBuf,
    },
}

/// Runs an `eth` command.
pub fn run(command: Command, out: &Output) -> anyhow::Result<Verdict> {
    match command {
        Command::Deploy {
            contract: DeployCommand::Verifier { vk, rpc, eth_key },
        } => deploy_verifier(&vk, &rpc, &eth_key, out),
        Command::Deploy {
            contract:
                DeployCommand::Anchor {
                    rpc,
                    eth_key,
                    operator,
                    origin,
                },
        } => deploy_anchor(&rpc, &eth_key, operator.as_deref(), &origin, out),
        Command::Deploy {
            contract: DeployCommand::Registry { rpc, eth_key },
        } => deploy_registry(&rpc, &eth_key, out),
        Command::Registry { command } => run_registry(command, out),
        Command::Verify {
            rpc,
            contract,
            proof,
            calldata,
            vk,
            send_with,
        } => {
            let key = vk.as_deref().map(read_predicate_key).transpose()?;
            let key = key.as_ref().map(|(key, _)| key);
            let (data, count) = match (proof.as_slice(), calldata) {
                ([path], None) => (proof_calldata(path, key)?.encode(), 1),
                ([], Some(path)) => (read_calldata(&path)?.encode(), 1),
                (paths, None) if paths.len() > 1 => {
                    let proofs = paths
                        .iter()
                        .map(|path| proof_calldata(path, key))
                        .collect::<anyhow::Result<Vec<_>>>()?;
                    let batch = BatchCalldata::new(proofs).context("cannot batch these proofs")?;
                    (batch.encode(), paths.len())
                }
                _ => bail!(
                    "give either --proof FILE (repeat it to verify a batch) or --calldata FILE"
                ),
            };
            verify(&rpc, &contract, data, count, send_with.as_deref(), out)
        }
    }
}

/// The verifier contract's key for a statement or predicate verifying key file.
fn verifier_key(vk_path: &Path) -> anyhow::Result<VerifierKey> {
    let bytes = fsio::read(vk_path, Limit::GROTH16_VERIFYING_KEY)?;
    if is_predicate_key(&bytes) {
        return Ok(read_predicate_key(vk_path)?.1);
    }
    let vk = read_verifying_key(vk_path)?;
    VerifierKey::from_ark(vk.ark())
        .with_context(|| format!("{}: cannot be verified on chain", vk_path.display()))
}

/// A predicate verifying key file and the verifier contract's key for it.
fn read_predicate_key(path: &Path) -> anyhow::Result<(PredicateVerifyingKey, VerifierKey)> {
    let bytes = fsio::read(path, Limit::GROTH16_VERIFYING_KEY)?;
    if !is_predicate_key(&bytes) {
        bail!(
            "{}: not a predicate verifying key (--vk is for predicate proofs)",
            path.display()
        );
    }
    onchain::verifier_key(&bytes)
        .with_context(|| format!("{}: cannot be verified on chain", path.display()))
}

/// Whether a proof file is a predicate proof.
fn is_predicate_proof(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .is_some_and(|v| v["format"] == "conclave.predicate.proof")
}

/// A proof's `verifyProof` arguments: a statement proof alone, a predicate proof with the
/// key it was made for (`key`, from `--vk`).
fn proof_calldata(
    path: &Path,
    key: Option<&PredicateVerifyingKey>,
) -> anyhow::Result<ProofCalldata> {
    let bytes = fsio::read(path, Limit::GROTH16_PROOF)?;
    if is_predicate_proof(&bytes) {
        let key = key.with_context(|| {
            format!(
                "{}: a predicate proof: give its verifying key with --vk",
                path.display()
            )
        })?;
        let (_, calldata) = onchain::proof_calldata(key, &bytes)
            .with_context(|| format!("{}: bad predicate proof", path.display()))?;
        return Ok(calldata);
    }
    let proof = read_proof(path)?;
    Ok(ProofCalldata::from_ark(proof.ark(), proof.public_inputs()))
}

fn read_calldata(path: &Path) -> anyhow::Result<ProofCalldata> {
    let text = String::from_utf8(fsio::read(path, Limit::SNARKJS)?)
        .with_context(|| format!("{}: not UTF-8 text", path.display()))?;
    ProofCalldata::parse_snarkjs(&text).with_context(|| format!("{}: bad calldata", path.display()))
}

/// `zk export-solidity`: the contract source and this key's deployment data.
pub fn export_solidity(vk_path: &Path, path: &Path, out: &Output) -> anyhow::Result<Verdict> {
    let deploy_path = path.with_extension("deploy.json");
    let plan = out.writes().plan(&[vk_path], &[path, &deploy_path])?;
    let key = verifier_key(vk_path)?;
    let args = key.constructor_args();
    let deploy = json!({
        "contract": "ConclaveGroth16Verifier",
        "compiler": verifier::COMPILER,
        "public_inputs": key.public_input_count(),
        "bytecode": verifier::BYTECODE_HEX.trim(),
        "constructor_args": format!("0x{}", hex::encode(&args)),
        "deploy_data": format!("0x{}", hex::encode(key.deploy_code()?)),
        "abi": serde_json::from_str::<serde_json::Value>(verifier::ABI)?,
    });
    plan.write_public(path, verifier::SOURCE.as_bytes())?;
    plan.write_public(
        &deploy_path,
        serde_json::to_string_pretty(&deploy)?.as_bytes(),
    )?;
    out.report(
        &format!(
            "wrote {} (the verifier source, the same for every key) and {} (bytecode and this \
             key's constructor arguments: {} public inputs)",
            path.display(),
            deploy_path.display(),
            key.public_input_count()
        ),
        json!({
            "ok": true,
            "source": path,
            "deploy": deploy_path,
            "public_inputs": key.public_input_count(),
        }),
    )?;
    Ok(Verdict::Success)
}

/// `zk calldata`: prints what `snarkjs zkey export soliditycalldata` prints for the proof,
/// or with `batch` the arguments of `verifyBatch` for all the proofs.
pub fn print_calldata(
    proof_paths: &[PathBuf],
    vk: Option<&Path>,
    batch: bool,
    out: &Output,
) -> anyhow::Result<Verdict> {
    let key = vk.map(read_predicate_key).transpose()?;
    let key = key.as_ref().map(|(key, _)| key);
    let proofs = proof_paths
        .iter()
        .map(|path| proof_calldata(path, key))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (text, data) = match proofs.as_slice() {
        [single] if !batch => (single.to_snarkjs(), single.encode()),
        _ if !batch => bail!("several --proof: give --batch for verifyBatch's arguments"),
        _ => {
            let batch = BatchCalldata::new(proofs).context("cannot batch these proofs")?;
            (batch.to_text(), batch.encode())
        }
    };
    out.report(
        &text,
        json!({
            "ok": true,
            "calldata": text,
            "proofs": proof_paths.len(),
            "data": format!("0x{}", hex::encode(data)),
        }),
    )?;
    Ok(Verdict::Success)
}

pub(crate) fn read_signer(path: &Path) -> anyhow::Result<PrivateKeySigner> {
    let secret = fsio::read_secret(path, Limit::ZK_SECRET)?;
    let text = std::str::from_utf8(&secret)
        .with_context(|| format!("{}: not UTF-8 text", path.display()))?;
    client::parse_signer(text).with_context(|| format!("{}: bad key", path.display()))
}

fn deploy_verifier(
    vk_path: &Path,
    rpc: &str,
    key_path: &Path,
    out: &Output,
) -> anyhow::Result<Verdict> {
    let key = verifier_key(vk_path)?;
    let node = Node::connect(rpc, Some(read_signer(key_path)?))?;
    let (deployment, _) = out.step("deploying the verifier", || node.deploy(key.deploy_code()?));
    let deployment = deployment.context("deployment failed")?;
    out.report(
        &format!(
            "verifier deployed at {:#x} ({} public inputs, {} gas, transaction {})",
            deployment.address,
            key.public_input_count(),
            deployment.gas_used,
            deployment.tx
        ),
        json!({
            "ok": true,
            "address": format!("{:#x}", deployment.address),
            "transaction": deployment.tx,
            "gas_used": deployment.gas_used,
            "public_inputs": key.public_input_count(),
        }),
    )?;
    Ok(Verdict::Success)
}

fn deploy_registry(rpc: &str, key_path: &Path, out: &Output) -> anyhow::Result<Verdict> {
    let node = Node::connect(rpc, Some(read_signer(key_path)?))?;
    let (deployment, _) = out.step("deploying the proof registry", || {
        node.deploy(registry::bytecode()?)
    });
    let deployment = deployment.context("deployment failed")?;
    let owner = node.sender().map(|owner| format!("{owner:#x}"));
    out.report(
        &format!(
            "proof registry deployed at {:#x} (owner {}, {} gas, transaction {})",
            deployment.address,
            owner.as_deref().unwrap_or("?"),
            deployment.gas_used,
            deployment.tx
        ),
        json!({
            "ok": true,
            "address": format!("{:#x}", deployment.address),
            "owner": owner,
            "transaction": deployment.tx,
            "gas_used": deployment.gas_used,
        }),
    )?;
    Ok(Verdict::Success)
}

/// `eth verify`: `data` is verifyProof's call data (`count` = 1) or verifyBatch's.
fn verify(
    rpc: &str,
    contract: &str,
    data: Vec<u8>,
    count: usize,
    send_with: Option<&Path>,
    out: &Output,
) -> anyhow::Result<Verdict> {
    let address = client::parse_address(contract)?;
    let signer = send_with.map(read_signer).transpose()?;
    let node = Node::connect(rpc, signer)?;
    let (verdict, gas) = node.verify_data(address, data.clone())?;
    let sent = match (&verdict, send_with) {
        (ChainVerdict::Refused(_), _) | (_, None) => None,
        (_, Some(_)) => Some(node.send_data(address, data)?),
    };
    let what = match count {
        1 => "the proof".to_owned(),
        k => format!("all {k} proofs (verifyBatch)"),
    };
    let (human, valid, refused) = match &verdict {
        ChainVerdict::Valid => (format!("VALID: the contract accepts {what}"), true, None),
        ChainVerdict::Invalid => (
            "INVALID: the contract returned false".to_owned(),
            false,
            None,
        ),
        ChainVerdict::Refused(reason) => (
            format!("REFUSED: the contract reverted: {reason}"),
            false,
            Some(reason.clone()),
        ),
    };
    let human = match (gas, &sent) {
        (_, Some((tx, used))) => format!("{human} (transaction {tx} used {used} gas)"),
        (Some(gas), None) => format!("{human} (a transaction would need {gas} gas)"),
        (None, None) => human,
    };
    out.report(
        &human,
        json!({
            "ok": true,
            "valid": valid,
            "refused": refused,
            "gas": gas,
            "transaction": sent.as_ref().map(|(tx, _)| tx),
            "gas_used": sent.as_ref().map(|(_, used)| used),
            "proofs": count,
            "contract": format!("{address:#x}"),
        }),
    )?;
    Ok(Verdict::from_valid(valid))
}

/// `eth deploy anchor`: the checkpoint anchor, operated by `--operator` or the deployer.
fn deploy_anchor(
    rpc: &str,
    key_path: &Path,
    operator: Option<&str>,
    origin: &str,
    out: &Output,
) -> anyhow::Result<Verdict> {
    let node = Node::connect(rpc, Some(read_signer(key_path)?))?;
    let operator = match operator {
        Some(text) => client::parse_address(text).context("--operator")?,
        None => node.sender().context("the deployer key has no address")?,
    };
    let code = conclave_eth::anchor::deploy_code(operator, origin)?;
    let (deployment, _) = out.step("deploying the checkpoint anchor", || node.deploy(code));
    let deployment = deployment.context("deployment failed")?;
    out.report(
        &format!(
            "checkpoint anchor deployed at {:#x} (operator {operator:#x}, origin {}, {} gas, \
             transaction {})",
            deployment.address,
            if origin.is_empty() { "any" } else { origin },
            deployment.gas_used,
            deployment.tx
        ),
        json!({
            "ok": true,
            "address": format!("{:#x}", deployment.address),
            "transaction": deployment.tx,
            "gas_used": deployment.gas_used,
            "operator": format!("{operator:#x}"),
            "origin": origin,
        }),
    )?;
    Ok(Verdict::Success)
}

/// Parses repeated `name=value` flags, refusing a name given twice.
fn bindings(flag: &str, items: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut map = BTreeMap::new();
    for item in items {
        match item.split_once('=') {
            Some((name, value)) if !name.is_empty() && !value.is_empty() => {
                if map.insert(name.to_owned(), value.to_owned()).is_some() {
                    bail!("{flag} {name}=… is given twice");
                }
            }
            _ => bail!("{flag} takes NAME=VALUE, got {item:?}"),
        }
    }
    Ok(map)
}

fn run_registry(command: RegistryCommand, out: &Output) -> anyhow::Result<Verdict> {
    match command {
        RegistryCommand::Policy {
            rpc,
            contract,
            eth_key,
            verifier,
            vk,
            issuer,
            param,
            scope,
            window_days,
            revocation,
            hashed_inputs,
        } => {
            let (key, _) = read_predicate_key(&vk)?;
            let statement = key.statement();
            if hashed_inputs && !statement.hashed_inputs() {
                bail!(
                    "{}: not a hashed-input key (made without `zk setup --hashed-inputs`)",
                    vk.display()
                );
            }
            let mut issuers = BTreeMap::new();
            for (alias, file) in bindings("--issuer", &issuer)? {
                let bytes = fsio::read(Path::new(&file), Limit::CRED_KEY)?;
                let public = keys::public_key_from_json(KeyRole::Issuer, &bytes)
                    .with_context(|| format!("{file}: bad issuer public key"))?;
                issuers.insert(alias, public);
            }
            let mut roots = BTreeMap::new();
            for (alias, file) in bindings("--revocation", &revocation)? {
                let bytes = fsio::read(Path::new(&file), Limit::REVOCATION_REGISTRY)?;
                let registry = RevocationRegistry::from_json(&bytes)
                    .with_context(|| format!("{file}: bad revocation registry"))?;
                let issuer = issuers
                    .get(&alias)
                    .or_else(|| statement.pinned_issuers().get(&alias));
                if issuer.is_some_and(|issuer| *issuer != registry.issuer()) {
                    bail!(
                        "--revocation {alias}={file}: the registry is signed by another issuer \
                         than the policy's for `{alias}`"
                    );
                }
                roots.insert(alias, RevocationRoot::of(&registry));
            }
            let params = bindings("--param", &param)?;
            let spec = PredicatePolicy {
                verifier: client::parse_address(&verifier).context("--verifier")?,
                issuers: &issuers,
                params: &params,
                scope: &scope,
                window_days,
                roots: &roots,
            };
            let policy = onchain::policy(statement, &spec)
                .with_context(|| format!("no policy for {}", vk.display()))?;
            // A hashed-input policy pins only its configuration hash.
            let config = policy
                .fixed
                .first()
                .filter(|_| statement.hashed_inputs())
                .map(|(_, config)| config.to_string());
            register_policy(&rpc, &contract, &eth_key, &policy, &scope, config, out)
        }
        RegistryCommand::RevocationRoot {
            rpc,
            contract,
            eth_key,
            policy,
            root,
            registry: registry_file,
            reject,
        } => {
            let root = match (root, registry_file) {
                (Some(root), _) => field::parse_decimal("--root", &root)
                    .context("--root takes a decimal field element")?,
                (None, Some(path)) => {
                    let bytes = fsio::read(&path, Limit::REVOCATION_REGISTRY)?;
                    RevocationRegistry::from_json(&bytes)
                        .with_context(|| format!("{}: bad revocation registry", path.display()))?
                        .root()
                }
                (None, None) => bail!("give --root or --registry"),
            };
            let data = registry::set_revocation_root(policy, onchain::word(root), !reject);
            let (tx, gas) = owner_transaction(&rpc, &contract, &eth_key, data)?;
            let what = if reject {
                "no longer accepted"
            } else {
                "accepted"
            };
            out.report(
                &format!(
                    "revocation root {what} for policy {policy} ({gas} gas, transaction {tx})"
                ),
                json!({
                    "ok": true,
                    "policy": policy,
                    "root": field::to_decimal(&root),
                    "accepted": !reject,
                    "transaction": tx,
                    "gas_used": gas,
                }),
            )?;
            Ok(Verdict::Success)
        }
        RegistryCommand::Retire {
            rpc,
            contract,
            eth_key,
            policy,
        } => {
            let data = registry::retire_policy(policy);
            let (tx, gas) = owner_transaction(&rpc, &contract, &eth_key, data)?;
            out.report(
                &format!("policy {policy} retired ({gas} gas, transaction {tx})"),
                json!({
                    "ok": true,
                    "policy": policy,
                    "retired": true,
                    "transaction": tx,
                    "gas_used": gas,
                }),
            )?;
            Ok(Verdict::Success)
        }
        RegistryCommand::Submit {
            rpc,
            contract,
            eth_key,
            policy,
            vk,
            proof,
        } => submit(&rpc, &contract, &eth_key, policy, &vk, &proof, out),
    }
}

/// Sends an owner-only registry call; a refusal is an error (exit 2) with its decoded reason.
fn owner_transaction(
    rpc: &str,
    contract: &str,
    key_path: &Path,
    data: Vec<u8>,
) -> anyhow::Result<(String, u64)> {
    let address = client::parse_address(contract)?;
    let node = Node::connect(rpc, Some(read_signer(key_path)?))?;
    match node.transact(address, data)? {
        Transacted::Mined { tx, gas_used, .. } => Ok((tx, gas_used)),
        Transacted::Reverted(data) => bail!(
            "the registry {address:#x} refused: {}",
            registry::describe_revert(data)
        ),
    }
}

fn register_policy(
    rpc: &str,
    contract: &str,
    key_path: &Path,
    policy: &registry::Policy,
    scope: &str,
    config: Option<String>,
    out: &Output,
) -> anyhow::Result<Verdict> {
    let address = client::parse_address(contract)?;
    let node = Node::connect(rpc, Some(read_signer(key_path)?))?;
    let (tx, gas, logs) = match node.transact(address, registry::register_policy(policy))? {
        Transacted::Mined { tx, gas_used, logs } => (tx, gas_used, logs),
        Transacted::Reverted(data) => bail!(
            "the registry {address:#x} refused the policy: {}",
            registry::describe_revert(data)
        ),
    };
    let id = registry::registered_policy_id(&logs)
        .context("the registry emitted no PolicyRegistered event (is it a proof registry?)")?;
    let pinned = match &config {
        Some(config) => format!("hashed inputs, configuration {config}"),
        None => format!("{} pinned values", policy.fixed.len()),
    };
    out.report(
        &format!(
            "policy {id} registered (scope {scope:?}, {} public inputs, {pinned}, {gas} gas, \
             transaction {tx})",
            policy.input_count,
        ),
        json!({
            "ok": true,
            "policy": id.to_string(),
            "hashed_inputs": config.is_some(),
            "config": config,
            "scope": scope,
            "scope_field": policy.scope.to_string(),
            "public_inputs": policy.input_count,
            "verifier": format!("{:#x}", policy.verifier),
            "fixed": policy.fixed.iter().map(|(i, v)| json!({"index": i, "value": v.to_string()})).collect::<Vec<_>>(),
            "transaction": tx,
            "gas_used": gas,
        }),
    )?;
    Ok(Verdict::Success)
}

/// `eth registry submit`: exit 0 when accepted (nullifier recorded), 1 when the registry
/// refuses the proof (decoded reason), 2 for bad input or an unreachable node.
fn submit(
    rpc: &str,
    contract: &str,
    key_path: &Path,
    policy: u64,
    vk_path: &Path,
    proof_paths: &[PathBuf],
    out: &Output,
) -> anyhow::Result<Verdict> {
    let address = client::parse_address(contract)?;
    let (key, _) = read_predicate_key(vk_path)?;
    let mut proofs = Vec::new();
    let mut calldata = Vec::new();
    for path in proof_paths {
        let bytes = fsio::read(path, Limit::GROTH16_PROOF)?;
        let (proof, data) = onchain::proof_calldata(&key, &bytes)
            .with_context(|| format!("{}: bad predicate proof", path.display()))?;
        proofs.push(proof);
        calldata.push(data);
    }
    let nullifiers: Vec<String> = proofs
        .iter()
        .map(|proof| field::to_decimal(&proof.nullifier()))
        .collect();
    let scopes: Vec<&str> = proofs.iter().map(|proof| proof.scope()).collect();
    let data = match calldata.as_slice() {
        [single] => registry::submit(policy, single),
        _ => registry::submit_batch(
            policy,
            &BatchCalldata::new(calldata).context("cannot batch these proofs")?,
        ),
    };
    let (nullifier, scope) = (nullifiers.join(", "), scopes.join(", "));
    let node = Node::connect(rpc, Some(read_signer(key_path)?))?;
    let (outcome, _) = out.step("submitting", || node.transact(address, data));
    match outcome? {
        Transacted::Mined { tx, gas_used, logs } => {
            let event = registry::accepted_event(&logs);
            out.report(
                &format!(
                    "ACCEPTED by policy {policy}: nullifier {nullifier} recorded in scope \
                     {scope:?} ({gas_used} gas, transaction {tx})"
                ),
                json!({
                    "ok": true,
                    "accepted": true,
                    "policy": policy,
                    "proofs": proofs.len(),
                    "scope": scopes.first(),
                    "nullifier": nullifiers.first(),
                    "nullifiers": nullifiers,
                    "events": registry::accepted_events(&logs).len(),
                    "event": event.map(|(policy, scope, nullifier)| json!({
                        "name": "ProofAccepted",
                        "policy": policy.to_string(),
                        "scope": scope.to_string(),
                        "nullifier": nullifier.to_string(),
                    })),
                    "transaction": tx,
                    "gas_used": gas_used,
                    "contract": format!("{address:#x}"),
                }),
            )?;
            Ok(Verdict::Success)
        }
        Transacted::Reverted(data) => {
            let reason = registry::describe_revert(data);
            out.report(
                &format!("REFUSED by the registry: {reason}"),
                json!({
                    "ok": true,
                    "accepted": false,
                    "refused": reason,
                    "policy": policy,
                    "proofs": proofs.len(),
                    "scope": scopes.first(),
                    "nullifiers": nullifiers,
                    "contract": format!("{address:#x}"),
                }),
            )?;
            Ok(Verdict::Invalid)
        }
    }
}
