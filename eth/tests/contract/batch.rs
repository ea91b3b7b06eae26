//! `verifyBatch` on anvil with real threshold proofs: batches of 1, 2 and 8 verify; one
//! tampered proof or input anywhere, or a proof under another key, makes the batch false;
//! an input + r, a malformed point and an empty batch revert; gas of a batch of 8 against
//! eight single verifications.

use alloy::primitives::{Address, U256};
use conclave_circuits::groth16::{self, Proof, VerifyingKey};
use conclave_circuits::{Bounds, Direction, Opening, Statement};
use conclave_eth::client::{parse_signer, Node, Verdict};
use conclave_eth::devnode::DANGER_ANVIL_DEV_KEY as DEV_KEY;
use conclave_eth::verifier::{group_order, BatchCalldata, ProofCalldata, VerifierKey};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// A threshold key and `count` proofs (values and thresholds differ).
fn threshold_proofs(seed: u64, count: u64) -> (VerifyingKey, Vec<Proof>) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let statement = Statement::threshold(32, Direction::AtLeast).unwrap();
    let (pk, vk) = groth16::setup(statement, &mut rng).unwrap();
    let proofs = (0..count)
        .map(|i| {
            let opening = Opening::random(700 + i, &mut rng);
            groth16::prove(&pk, &opening, Bounds::Threshold(600 + i), &mut rng).unwrap()
        })
        .collect();
    (vk, proofs)
}

fn calldata(proof: &Proof) -> ProofCalldata {
    ProofCalldata::from_ark(proof.ark(), proof.public_inputs())
}

fn deploy(client: &Node, vk: &VerifyingKey) -> Address {
    let code = VerifierKey::from_ark(vk.ark())
        .unwrap()
        .deploy_code()
        .unwrap();
    client.deploy(code).unwrap().address
}

fn batch_verdict(client: &Node, contract: Address, proofs: Vec<ProofCalldata>) -> Verdict {
    let data = BatchCalldata::new(proofs).unwrap().encode();
    client.verify_data(contract, data).unwrap().0
}

fn refused(verdict: Verdict) -> String {
    match verdict {
        Verdict::Refused(reason) => reason,
        other => panic!("expected a revert, got {other:?}"),
    }
}

#[test]
fn batches_verify_and_one_bad_proof_or_input_anywhere_fails() {
    let Some(node) = super::anvil() else {
        println!("NOTE: skipped: anvil is missing (run `npm ci --prefix interop`)");
        return;
    };
    let client = Node::connect(node.url(), Some(parse_signer(DEV_KEY).unwrap())).unwrap();
    let (vk, proofs) = threshold_proofs(1, 8);
    let (other_vk, other_proofs) = threshold_proofs(2, 2);
    let contract = deploy(&client, &vk);
    let other = deploy(&client, &other_vk);
    let all: Vec<ProofCalldata> = proofs.iter().map(calldata).collect();

    // Valid batches of 1, 2 and 8 (the same proof twice too).
    for k in [1, 2, 8] {
        assert_eq!(
            batch_verdict(&client, contract, all[..k].to_vec()),
            Verdict::Valid,
            "batch of {k}"
        );
    }
    assert_eq!(
        batch_verdict(&client, contract, vec![all[3].clone(), all[3].clone()]),
        Verdict::Valid
    );

    // One tampered public input (threshold + 1) at the first, a middle and the last position.
    for at in [0, 4, 7] {
        let mut batch = all.clone();
        batch[at].inputs[1] += U256::from(1u8);
        assert_eq!(
            batch_verdict(&client, contract, batch),
            Verdict::Invalid,
            "input of proof {at}"
        );
    }
    // One tampered proof: its C replaced by another proof's C (a valid point), or its A
    // and C swapped with another's (every point valid, every equation off).
    for at in [0, 5, 7] {
        let mut batch = all.clone();
        batch[at].c = all[(at + 1) % 8].c;
        assert_eq!(
            batch_verdict(&client, contract, batch),
            Verdict::Invalid,
            "C of proof {at}"
        );
        let mut batch = all.clone();
        batch[at].a = all[(at + 2) % 8].a;
        assert_eq!(
            batch_verdict(&client, contract, batch),
            Verdict::Invalid,
            "A of proof {at}"
        );
    }
    // Inputs moved to another proof.
    let mut swapped = all.clone();
    let first = swapped[1].inputs.clone();
    swapped[1].inputs = swapped[2].inputs.clone();
    swapped[2].inputs = first;
    assert_eq!(batch_verdict(&client, contract, swapped), Verdict::Invalid);
    // A proof under another key: alone, among valid ones, and a whole batch of them.
    let foreign: Vec<ProofCalldata> = other_proofs.iter().map(calldata).collect();
    let mut mixed = all.clone();
    mixed[6] = foreign[0].clone();
    assert_eq!(batch_verdict(&client, contract, mixed), Verdict::Invalid);
    assert_eq!(
        batch_verdict(&client, contract, foreign.clone()),
        Verdict::Invalid
    );
    assert_eq!(batch_verdict(&client, other, foreign), Verdict::Valid);
    assert_eq!(
        batch_verdict(&client, other, all[..2].to_vec()),
        Verdict::Invalid
    );

    // Public input x + r (the same value mod r): refused, at its index in pubSignals.
    let mut plus_r = all.clone();
    plus_r[5].inputs[1] += group_order();
    let reason = refused(batch_verdict(&client, contract, plus_r));
    assert!(
        reason.contains("InputNotInField: public input #11"),
        "{reason}"
    );
    // A point off the curve (C.y + 1): the precompile refuses it, the contract reverts.
    let mut off_curve = all.clone();
    off_curve[2].c[1] += U256::from(1u8);
    assert!(refused(batch_verdict(&client, contract, off_curve)).contains("MalformedProof"));
    // B off the curve (only the pairing sees B): reverts too.
    let mut bad_b = all.clone();
    bad_b[7].b[0][0] += U256::from(1u8);
    assert!(refused(batch_verdict(&client, contract, bad_b)).contains("MalformedProof"));
    // Swapped B coordinates (arkworks' c0, c1 order): false or revert, never true.
    let mut swapped_b = all.clone();
    for row in swapped_b[4].b.iter_mut() {
        row.swap(0, 1);
    }
    assert_ne!(batch_verdict(&client, contract, swapped_b), Verdict::Valid);
    // Proofs with 3 inputs against a 2-input key: the length is refused.
    let mut three = all[..2].to_vec();
    for proof in three.iter_mut() {
        proof.inputs.push(U256::from(1u8));
    }
    let reason = refused(batch_verdict(&client, contract, three));
    assert!(reason.contains("WrongInputCount"), "{reason}");
    // An empty batch (encoded by hand: the Rust side refuses to build one).
    let mut empty = BatchCalldata::selector().to_vec();
    for word in [0x40u64, 0x60, 0, 0] {
        empty.extend_from_slice(&U256::from(word).to_be_bytes::<32>());
    }
    let (verdict, _) = client.verify_data(contract, empty).unwrap();
    assert!(refused(verdict).contains("EmptyBatch"));
}

#[test]
fn a_batch_of_eight_costs_at_most_half_of_eight_single_verifications() {
    let Some(node) = super::anvil() else {
        println!("NOTE: skipped: anvil is missing (run `npm ci --prefix interop`)");
        return;
    };
    let client = Node::connect(node.url(), Some(parse_signer(DEV_KEY).unwrap())).unwrap();
    let (vk, proofs) = threshold_proofs(3, 8);
    let contract = deploy(&client, &vk);
    let all: Vec<ProofCalldata> = proofs.iter().map(calldata).collect();
    let mut singles = 0;
    for proof in &all {
        let (_, used) = client.send_verify(contract, proof).unwrap();
        singles += used;
    }
    let mut report = Vec::new();
    for k in [1usize, 2, 4, 8] {
        let data = BatchCalldata::new(all[..k].to_vec()).unwrap().encode();
        let (verdict, estimate) = client.verify_data(contract, data.clone()).unwrap();
        assert_eq!(verdict, Verdict::Valid);
        let (_, used) = client.send_data(contract, data).unwrap();
        let estimate = estimate.unwrap();
        assert!(estimate >= used, "estimate {estimate} < used {used}");
        report.push((k, used, estimate));
    }
    println!("gas used, 8 single verifyProof transactions: {singles} in all");
    for (k, used, estimate) in &report {
        println!("gas used, verifyBatch of {k}: {used} (eth_estimateGas {estimate})");
    }
    let eight = report[3].1;
    assert!(
        2 * eight <= singles,
        "a batch of 8 used {eight} gas, eight single verifications {singles}"
    );
}
