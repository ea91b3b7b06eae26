//! `conclave eth …` and the Ethereum-facing `zk` commands (`zk export-solidity`,
//! `zk calldata`): the Groth16 verifier contract of `conclave-eth`, its deployment and
//! calls over JSON-RPC (`verifyProof`, and `verifyBatch` when `--proof` is repeated), and
//! the deployment of the proof registry.
//!
//! `zk export-solidity --out Verifier.sol` writes the contract source (the same for every
//! key) and `Verifier.deploy.json` next to it: the pinned bytecode, this key's ABI-encoded
//! constructor arguments and their concatenation, the data of a contract-creation
//! transaction any wallet can send (no Solidity compiler needed).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use conclave_eth::client::{self, Node, Verdict as ChainVerdict};
use conclave_eth::registry;
use conclave_eth::verifier::{self, BatchCalldata, ProofCalldata, VerifierKey};
use conclave_eth::PrivateKeySigner;
use serde_json::json;

use crate::cmd::zk::{read_proof, read_verifying_key};
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
        /// Also send the call as a transaction signed with this key (0600 hex file), to
        /// record it on chain and report the gas it used (only when the call does not revert).
        #[arg(long)]
        send_with: Option<PathBuf>,
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
        Command::Verify {
            rpc,
            contract,
            proof,
            calldata,
            send_with,
        } => {
            let (data, count) = match (proof.as_slice(), calldata) {
                ([path], None) => (proof_calldata(path)?.encode(), 1),
                ([], Some(path)) => (read_calldata(&path)?.encode(), 1),
                (paths, None) if paths.len() > 1 => {
                    let proofs = paths
                        .iter()
                        .map(|path| proof_calldata(path))
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

fn verifier_key(vk_path: &Path) -> anyhow::Result<VerifierKey> {
    let vk = read_verifying_key(vk_path)?;
    VerifierKey::from_ark(vk.ark())
        .with_context(|| format!("{}: cannot be verified on chain", vk_path.display()))
}

fn proof_calldata(path: &Path) -> anyhow::Result<ProofCalldata> {
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

/// `zk calldata`: prints what `snarkjs zkey export soliditycalldata` prints for the proof.
pub fn print_calldata(proof_path: &Path, out: &Output) -> anyhow::Result<Verdict> {
    let calldata = proof_calldata(proof_path)?;
    let text = calldata.to_snarkjs();
    out.report(
        &text,
        json!({
            "ok": true,
            "calldata": text,
            "data": format!("0x{}", hex::encode(calldata.encode())),
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
