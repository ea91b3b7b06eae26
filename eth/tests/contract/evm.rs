//! The in-process chain (`conclave_eth::evm`, revm): the committed contracts deployed and
//! called without any node. A real Groth16 proof verifies; a tampered input, a tampered
//! proof, an off-curve point, an input + r and the wrong overload are rejected, the last
//! three as reverts named from the ABIs with their arguments; the registry's and anchor's
//! refusals come back named too; the anchor checks inclusion proofs from the ledger's own
//! Merkle tree; and the gas of `verifyProof` is anvil's receipt's, when anvil is installed.

use alloy::dyn_abi::DynSolValue;
use conclave_circuits::groth16;
use conclave_circuits::{Bounds, Direction, Opening, Statement};
use conclave_eth::client::{parse_signer, Node};
use conclave_eth::devnode::DANGER_ANVIL_DEV_KEY as DEV_KEY;
use conclave_eth::evm::{Address, EvmError, InProcessChain, Revert, DEPLOYER, U256};
use conclave_eth::verifier::{group_order, ProofCalldata, VerifierKey};
use conclave_eth::{anchor, registry};
use conclave_ledger::merkle::{leaf_hash, MerkleTree};
use rand_core::SeedableRng;

/// A 2-input threshold key (score ≥ 650 over a 32-bit committed score) and a proof.
fn threshold_proof(seed: u64) -> (VerifierKey, ProofCalldata) {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let statement = Statement::threshold(32, Direction::AtLeast).unwrap();
    let (pk, vk) = groth16::setup(statement, &mut rng).unwrap();
    let proof = groth16::prove(
        &pk,
        &Opening::random(712, &mut rng),
        Bounds::Threshold(650),
        &mut rng,
    )
    .unwrap();
    (
        VerifierKey::from_ark(vk.ark()).unwrap(),
        ProofCalldata::from_ark(proof.ark(), proof.public_inputs()),
    )
}

/// The revert of a call that must revert.
fn reverted<T: std::fmt::Debug>(outcome: Result<T, EvmError>) -> Revert {
    match outcome {
        Err(EvmError::Reverted { revert, gas_used }) => {
            assert!(gas_used > 21_000, "a revert still uses gas");
            revert
        }
        other => panic!("expected a revert, got {other:?}"),
    }
}

fn uint(n: u64) -> DynSolValue {
    DynSolValue::Uint(U256::from(n), 256)
}

#[test]
fn in_process_verifier_accepts_a_proof_and_names_its_refusals() {
    let (key, calldata) = threshold_proof(1);
    let mut chain = InProcessChain::new();
    let verifier = chain.deploy(key.deploy_code().unwrap()).unwrap();
    assert_eq!(verifier.address, DEPLOYER.create(0));
    assert!(verifier.gas_used > 900_000, "{}", verifier.gas_used);

    let valid = chain.call(verifier.address, calldata.encode()).unwrap();
    assert_eq!(valid.as_bool(), Some(true));
    assert!(
        (215_000..230_000).contains(&valid.gas_used),
        "verifyProof with 2 inputs used {} gas",
        valid.gas_used
    );
    // As a transaction: the same gas, and the nonce moves on.
    let sent = chain.transact(verifier.address, calldata.encode()).unwrap();
    assert_eq!(sent.gas_used, valid.gas_used);
    assert_eq!(chain.nonce(DEPLOYER), 2);

    // A public input changed: the pairing fails, the contract answers false.
    let mut input = calldata.clone();
    input.inputs[1] += U256::from(1u8);
    let answer = chain.call(verifier.address, input.encode()).unwrap();
    assert_eq!(answer.as_bool(), Some(false));
    // The proof changed (A and C swapped, both on the curve): false.
    let mut swapped = calldata.clone();
    std::mem::swap(&mut swapped.a, &mut swapped.c);
    let answer = chain.call(verifier.address, swapped.encode()).unwrap();
    assert_eq!(answer.as_bool(), Some(false));

    // A off the curve: the precompile refuses it and the contract reverts.
    let mut off_curve = calldata.clone();
    off_curve.a[1] += U256::from(1u8);
    let revert = reverted(chain.call(verifier.address, off_curve.encode()));
    assert_eq!(revert.name().as_deref(), Some("MalformedProof"));
    assert!(
        revert.to_string().starts_with("MalformedProof: "),
        "{revert}"
    );

    // x + r: ecMul would reduce it, so the contract refuses it, naming the input.
    let mut shifted = calldata.clone();
    shifted.inputs[1] += group_order();
    let revert = reverted(chain.call(verifier.address, shifted.encode()));
    assert_eq!(revert.name().as_deref(), Some("InputNotInField"));
    assert_eq!(revert.arguments(), vec![uint(1)]);
    assert!(revert.to_string().contains("public input #1"), "{revert}");

    // The 1-input overload on a 2-input key.
    let mut short = calldata.clone();
    short.inputs.truncate(1);
    let revert = reverted(chain.transact(verifier.address, short.encode()));
    assert_eq!(revert.name().as_deref(), Some("WrongInputCount"));
    assert_eq!(revert.arguments(), vec![uint(2), uint(1)]);
    assert_eq!(
        chain.nonce(DEPLOYER),
        3,
        "a reverted transaction uses its nonce"
    );
}

#[test]
fn in_process_registry_and_anchor_refuse_with_named_errors() {
    let mut chain = InProcessChain::new();
    let stranger = Address::repeat_byte(0x5a);
    chain.fund(stranger);

    let registry = chain.deploy(registry::bytecode().unwrap()).unwrap();
    let revert =
        reverted(chain.transact_from(stranger, registry.address, registry::retire_policy(1)));
    assert_eq!(revert.name().as_deref(), Some("NotOwner"));
    assert_eq!(revert.arguments(), vec![DynSolValue::Address(stranger)]);
    let (_, calldata) = threshold_proof(2);
    let revert = reverted(chain.transact(registry.address, registry::submit(5, &calldata)));
    assert_eq!(revert.name().as_deref(), Some("UnknownPolicy"));
    assert!(revert.to_string().contains("no live policy 5"), "{revert}");

    // The anchor, with a tree the ledger's own Merkle code builds.
    let mut tree = MerkleTree::new();
    for i in 0..13u32 {
        tree.push(leaf_hash(format!("entry {i}").as_bytes()));
    }
    let contract = chain
        .deploy(anchor::deploy_code(DEPLOYER, "example.org/log").unwrap())
        .unwrap();
    let note = b"example.org/log\n13\n...\n";
    let root = tree.root();
    let revert = reverted(chain.transact_from(
        stranger,
        contract.address,
        anchor::anchor_calldata(13, &root.0, note),
    ));
    assert_eq!(revert.name().as_deref(), Some("NotOperator"));
    assert_eq!(
        revert.arguments(),
        vec![
            DynSolValue::Address(stranger),
            DynSolValue::Address(DEPLOYER)
        ]
    );
    let anchored = chain
        .transact(contract.address, anchor::anchor_calldata(13, &root.0, note))
        .unwrap();
    assert!(anchored.gas_used < 80_000, "{}", anchored.gas_used);
    assert_eq!(anchored.logs.len(), 1, "CheckpointAnchored");
    let older = tree.root_at(8).unwrap();
    let revert =
        reverted(chain.transact(contract.address, anchor::anchor_calldata(8, &older.0, note)));
    assert_eq!(revert.name().as_deref(), Some("StaleCheckpoint"));
    assert!(
        revert.to_string().starts_with("StaleCheckpoint: size 8"),
        "{revert}"
    );

    for index in [0, 6, 12] {
        let proof = tree.inclusion_proof(index, 13).unwrap();
        let path: Vec<[u8; 32]> = proof.hashes.iter().map(|h| h.0).collect();
        let leaf = tree.leaf(index).unwrap();
        let included = chain
            .call(
                contract.address,
                anchor::verify_inclusion_calldata(index, 13, &leaf.0, &path),
            )
            .unwrap();
        assert_eq!(included.as_bool(), Some(true), "entry {index}");
        assert!(
            included.gas_used < 30_000 + 1_400 * path.len() as u64,
            "{} gas for {} levels",
            included.gas_used,
            path.len()
        );
        let other = leaf_hash(b"not in the log");
        let excluded = chain
            .call(
                contract.address,
                anchor::verify_inclusion_calldata(index, 13, &other.0, &path),
            )
            .unwrap();
        assert_eq!(excluded.as_bool(), Some(false), "entry {index}");
        let revert = reverted(chain.call(
            contract.address,
            anchor::verify_inclusion_calldata(index, 12, &leaf.0, &path),
        ));
        assert_eq!(revert.name().as_deref(), Some("NotAnchored"));
    }
}

#[test]
fn in_process_gas_is_anvils() {
    let Some(node) = super::anvil() else {
        println!("NOTE: skipped: anvil is missing (run `npm ci --prefix interop`)");
        return;
    };
    let (key, calldata) = threshold_proof(3);
    let client = Node::connect(node.url(), Some(parse_signer(DEV_KEY).unwrap())).unwrap();
    let on_anvil = client.deploy(key.deploy_code().unwrap()).unwrap();
    let (_, anvil_gas) = client.send_verify(on_anvil.address, &calldata).unwrap();

    let mut chain = InProcessChain::new();
    let here = chain.deploy(key.deploy_code().unwrap()).unwrap();
    let sent = chain.transact(here.address, calldata.encode()).unwrap();
    println!(
        "verifyProof, 2 inputs: in process {} gas, anvil {anvil_gas}; deployment {} and {}",
        sent.gas_used, here.gas_used, on_anvil.gas_used
    );
    assert_eq!(sent.gas_used, anvil_gas);
    assert_eq!(here.gas_used, on_anvil.gas_used);
}
