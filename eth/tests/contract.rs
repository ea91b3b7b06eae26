//! The contract itself: the committed bytecode and ABI are what the pinned solc makes of
//! the committed source, and its gas for one public input (no Conclave statement has just
//! one, so a 2-input key is cut to its first input: same work, pairing false) against
//! snarkjs's verifier for the same key on the same anvil. Submodules: `verifyBatch`
//! (`batch`), the proof registry (`registry_contract`), the checkpoint anchor with its
//! RFC 9162 inclusion verifier (`anchor`) and the in-process chain (`in_process`, revm).
#![allow(clippy::unwrap_used)]

#[path = "contract/anchor.rs"]
mod anchor;
#[path = "contract/batch.rs"]
mod batch;
#[path = "contract/evm.rs"]
mod in_process;
#[path = "contract/registry.rs"]
mod registry_contract;

use std::path::PathBuf;
use std::process::Command;

use conclave_circuits::formats::snarkjs;
use conclave_circuits::groth16;
use conclave_circuits::{Bounds, Direction, Opening, Statement};
use conclave_eth::client::{parse_signer, Node, Verdict};
use conclave_eth::devnode::{anvil_binary, DevNode, DANGER_ANVIL_DEV_KEY as DEV_KEY};
use conclave_eth::registry;
use conclave_eth::verifier::{ProofCalldata, VerifierKey, ABI, BYTECODE_HEX};
use rand_core::SeedableRng;

#[test]
fn committed_bytecode_is_reproducible_with_the_pinned_solc() {
    for (name, bytecode, abi) in [
        ("ConclaveGroth16Verifier", BYTECODE_HEX, ABI),
        (
            "ConclaveProofRegistry",
            registry::BYTECODE_HEX,
            registry::ABI,
        ),
        (
            conclave_eth::anchor::CONTRACT,
            conclave_eth::anchor::BYTECODE_HEX,
            conclave_eth::anchor::ABI,
        ),
    ] {
        assert_recompiles(name, bytecode, abi);
    }
}

/// Recompiles `contracts/<name>.sol` and compares with the committed bytecode and ABI.
fn assert_recompiles(name: &str, bytecode: &str, abi: &str) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    if !root.join("../interop/node_modules/solc").exists() {
        println!(
            "NOTE: skipped: interop/node_modules/solc is missing (run `npm ci --prefix interop`)"
        );
        return;
    }
    let output = Command::new("node")
        .arg(root.join("contracts/compile.mjs"))
        .arg(name)
        .output()
        .expect("node runs");
    assert!(
        output.status.success(),
        "compile.mjs {name} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "solc warned about {name}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let compiled: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        compiled["compiler"].as_str().unwrap(),
        "0.8.30+commit.73712a01.Emscripten.clang"
    );
    assert_eq!(
        compiled["bytecode"].as_str().unwrap(),
        bytecode.trim(),
        "eth/contracts/{name}.bin is stale: run `node eth/contracts/compile.mjs {name} --write`"
    );
    let committed_abi: serde_json::Value = serde_json::from_str(abi).unwrap();
    assert_eq!(
        compiled["abi"], committed_abi,
        "eth/contracts/{name}.abi.json is stale"
    );
}

/// anvil from interop/node_modules, if installed.
fn anvil() -> Option<DevNode> {
    let node_modules = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop/node_modules");
    anvil_binary(&node_modules).map(|binary| DevNode::start(&binary).unwrap())
}

#[test]
fn one_input_costs_no_more_than_snarkjs() {
    let Some(node) = anvil() else {
        println!("NOTE: skipped: anvil is missing (run `npm ci --prefix interop`)");
        return;
    };
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(17);
    let statement = Statement::threshold(32, Direction::AtLeast).unwrap();
    let (pk, vk) = groth16::setup(statement, &mut rng).unwrap();
    let proof = groth16::prove(
        &pk,
        &Opening::random(712, &mut rng),
        Bounds::Threshold(650),
        &mut rng,
    )
    .unwrap();
    let mut cut = vk.ark().clone();
    cut.gamma_abc_g1.truncate(2);
    let calldata = ProofCalldata::from_ark(proof.ark(), &proof.public_inputs()[..1]);

    let client = Node::connect(node.url(), Some(parse_signer(DEV_KEY).unwrap())).unwrap();
    let code = VerifierKey::from_ark(&cut).unwrap().deploy_code().unwrap();
    let contract = client.deploy(code).unwrap().address;
    let (verdict, _) = client.verify(contract, &calldata).unwrap();
    assert_eq!(
        verdict,
        Verdict::Invalid,
        "the cut key does not fit the proof"
    );
    let (_, ours) = client.send_verify(contract, &calldata).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let files = snarkjs::export(&vk, &proof).unwrap();
    let mut key: serde_json::Value = serde_json::from_str(&files.verification_key).unwrap();
    key["nPublic"] = 1.into();
    key["IC"].as_array_mut().unwrap().truncate(2);
    std::fs::write(dir.path().join("vk.json"), key.to_string()).unwrap();
    std::fs::write(dir.path().join("calldata.txt"), calldata.to_snarkjs()).unwrap();
    let run = Command::new("node")
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop/snarkjs-verifier-gas.mjs"))
        .args([node.url(), "vk.json", "calldata.txt"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(report["valid"], false);
    let theirs = report["gas_used"].as_u64().unwrap();
    println!("gas used, 1 public input: Conclave {ours}, snarkjs {theirs}");
    assert!(
        ours <= theirs,
        "1 input: ours {ours} gas, snarkjs's {theirs}"
    );
}
