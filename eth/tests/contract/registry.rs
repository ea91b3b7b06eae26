//! `ConclaveProofRegistry` on anvil with real Groth16 proofs of a small circuit of the
//! registry's credential layout v1 (issuer key x, y; revocation root; day; scope;
//! nullifier; recipient), written here with arkworks constraints.
//!
//! The circuit, `CredentialShapeCircuit`, proves knowledge of a holder secret `s`, an
//! expiry day and a revocation id such that nullifier = (s + scope)⁵, expiry − day is a
//! 32-bit number (the credential has not expired on that day), id ≠ root (a stand-in for
//! non-membership in the revocation tree), and it binds the issuer key and the recipient
//! with one product each (as Semaphore binds its signal). The registry does not depend on
//! what the statement means, only on where its inputs sit; the real credential statement
//! will take this layout's place.

use std::time::{SystemTime, UNIX_EPOCH};

use alloy::primitives::{keccak256, Address, U256};
use ark_bn254::{Bn254, Fr};
use ark_ff::{BigInteger, PrimeField};
use ark_groth16::Groth16;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::{fp::FpVar, FieldVar};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use ark_snark::SNARK;
use conclave_eth::client::{parse_signer, CallOutcome, Node, Transacted};
use conclave_eth::devnode::DANGER_ANVIL_DEV_KEY as DEV_KEY;
use conclave_eth::registry::{self, Policy};
use conclave_eth::verifier::{group_order, ProofCalldata, VerifierKey};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// anvil's second development account (public knowledge: test chains only).
const DANGER_SECOND_DEV_KEY: &str =
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

/// Public inputs in layout v1 order, and the witness.
#[derive(Clone)]
struct CredentialShapeCircuit {
    issuer: [Fr; 2],
    root: Fr,
    day: u64,
    scope: Fr,
    recipient: Fr,
    secret: Fr,
    expires: u64,
    id: Fr,
}

impl CredentialShapeCircuit {
    fn nullifier(&self) -> Fr {
        let t = self.secret + self.scope;
        let t2 = t * t;
        t2 * t2 * t
    }

    fn public_inputs(&self) -> Vec<Fr> {
        vec![
            self.issuer[0],
            self.issuer[1],
            self.root,
            Fr::from(self.day),
            self.scope,
            self.nullifier(),
            self.recipient,
        ]
    }
}

impl ConstraintSynthesizer<Fr> for CredentialShapeCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let nullifier_value = self.nullifier();
        let input = |value: Fr| FpVar::new_input(cs.clone(), || Ok(value));
        let issuer_x = input(self.issuer[0])?;
        let issuer_y = input(self.issuer[1])?;
        let root = input(self.root)?;
        let day = input(Fr::from(self.day))?;
        let scope = input(self.scope)?;
        let nullifier = input(nullifier_value)?;
        let recipient = input(self.recipient)?;
        let secret = FpVar::new_witness(cs.clone(), || Ok(self.secret))?;
        let expires = FpVar::new_witness(cs.clone(), || Ok(Fr::from(self.expires)))?;
        let id = FpVar::new_witness(cs.clone(), || Ok(self.id))?;

        // nullifier = (secret + scope)^5
        let t = &secret + &scope;
        let t4 = t.square()?.square()?;
        (t4 * &t).enforce_equal(&nullifier)?;
        // expires - day < 2^32: not expired on `day`.
        let slack = self.expires.wrapping_sub(self.day);
        let bits = (0..32)
            .map(|i| Boolean::new_witness(cs.clone(), || Ok((slack >> i) & 1 == 1)))
            .collect::<Result<Vec<_>, _>>()?;
        Boolean::le_bits_to_fp(&bits)?.enforce_equal(&(&expires - &day))?;
        // id != root (has an inverse).
        let _nonzero = (&id - &root).inverse()?;
        // Bind the issuer key and the recipient into the constraint system.
        let _ = &issuer_x * &issuer_y;
        let _ = recipient.square()?;
        Ok(())
    }
}

fn word(value: Fr) -> U256 {
    U256::from_be_slice(&value.into_bigint().to_bytes_be())
}

fn address_as_field(address: Address) -> Fr {
    Fr::from_be_bytes_mod_order(address.as_slice())
}

fn today() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86_400
}

struct Prover {
    pk: ark_groth16::ProvingKey<Bn254>,
    rng: ChaCha20Rng,
}

impl Prover {
    fn prove(&mut self, circuit: &CredentialShapeCircuit) -> ProofCalldata {
        let proof = Groth16::<Bn254>::prove(&self.pk, circuit.clone(), &mut self.rng).unwrap();
        ProofCalldata::from_ark(&proof, &circuit.public_inputs())
    }
}

fn reverted(outcome: Transacted) -> String {
    match outcome {
        Transacted::Reverted(data) => registry::describe_revert(data),
        other => panic!("expected a revert, got {other:?}"),
    }
}

fn mined(
    outcome: Transacted,
) -> (
    u64,
    Vec<(Vec<alloy::primitives::B256>, alloy::primitives::Bytes)>,
) {
    match outcome {
        Transacted::Mined { gas_used, logs, .. } => (gas_used, logs),
        Transacted::Reverted(data) => panic!("reverted: {}", registry::describe_revert(data)),
    }
}

fn view_word(client: &Node, contract: Address, data: Vec<u8>) -> U256 {
    match client.call(contract, data).unwrap() {
        CallOutcome::Returned(returned) => U256::from_be_slice(&returned),
        CallOutcome::Reverted(data) => panic!("view reverted: {data:?}"),
    }
}

#[test]
fn registry_accepts_a_credential_proof_once_and_refuses_what_the_policy_does_not_allow() {
    let Some(node) = super::anvil() else {
        println!("NOTE: skipped: anvil is missing (run `npm ci --prefix interop`)");
        return;
    };
    let owner = Node::connect(node.url(), Some(parse_signer(DEV_KEY).unwrap())).unwrap();
    let stranger = Node::connect(
        node.url(),
        Some(parse_signer(DANGER_SECOND_DEV_KEY).unwrap()),
    )
    .unwrap();
    let owner_address = owner.sender().unwrap();

    let today = today();
    let issuer = [Fr::from(0x1551_u64), Fr::from(0xe5_u64)];
    let scope = Fr::from(42u64);
    let root = Fr::from(777u64);
    let base = CredentialShapeCircuit {
        issuer,
        root,
        day: today,
        scope,
        recipient: address_as_field(owner_address),
        secret: Fr::from(123_456_789u64),
        expires: today + 30,
        id: Fr::from(5u64),
    };
    let mut rng = ChaCha20Rng::seed_from_u64(16);
    let (pk, vk) = Groth16::<Bn254>::circuit_specific_setup(base.clone(), &mut rng).unwrap();
    let mut prover = Prover { pk, rng };

    let verifier = owner
        .deploy(VerifierKey::from_ark(&vk).unwrap().deploy_code().unwrap())
        .unwrap()
        .address;
    let contract = owner.deploy(registry::bytecode().unwrap()).unwrap();
    println!("deploying the registry: {} gas", contract.gas_used);
    let contract = contract.address;
    let policy =
        Policy::credential_v1(verifier, [word(issuer[0]), word(issuer[1])], word(scope), 1);

    // Only the owner registers policies and updates roots.
    let refusal = reverted(
        stranger
            .transact(contract, registry::register_policy(&policy))
            .unwrap(),
    );
    assert!(refusal.starts_with("NotOwner"), "{refusal}");
    mined(
        owner
            .transact(contract, registry::register_policy(&policy))
            .unwrap(),
    );
    assert_eq!(
        view_word(&owner, contract, registry::policy_count()),
        U256::from(1u8)
    );
    let refusal = reverted(
        stranger
            .transact(contract, registry::set_revocation_root(1, word(root), true))
            .unwrap(),
    );
    assert!(refusal.starts_with("NotOwner"), "{refusal}");
    let refusal = reverted(
        stranger
            .transact(contract, registry::retire_policy(1))
            .unwrap(),
    );
    assert!(refusal.starts_with("NotOwner"), "{refusal}");
    // Before the owner accepts a root, the proof's root is unknown.
    let first = prover.prove(&base);
    let refusal = reverted(
        owner
            .transact(contract, registry::submit(1, &first))
            .unwrap(),
    );
    assert!(refusal.starts_with("UnknownRevocationRoot"), "{refusal}");
    mined(
        owner
            .transact(contract, registry::set_revocation_root(1, word(root), true))
            .unwrap(),
    );

    // Refusals of valid proofs the policy does not allow, before the first acceptance.
    let mut other_issuer = base.clone();
    other_issuer.issuer[1] = Fr::from(0xe6_u64);
    let refusal = reverted(
        owner
            .transact(contract, registry::submit(1, &prover.prove(&other_issuer)))
            .unwrap(),
    );
    assert!(
        refusal.starts_with("ConfigMismatch: public input #1"),
        "{refusal}"
    );
    let mut other_root = base.clone();
    other_root.root = Fr::from(778u64);
    other_root.secret = Fr::from(555u64);
    let other_root_proof = prover.prove(&other_root);
    let refusal = reverted(
        owner
            .transact(contract, registry::submit(1, &other_root_proof))
            .unwrap(),
    );
    assert!(
        refusal.starts_with("UnknownRevocationRoot: 778"),
        "{refusal}"
    );
    for day in [today - 3, today + 3] {
        let mut stale = base.clone();
        stale.day = day;
        let refusal = reverted(
            owner
                .transact(contract, registry::submit(1, &prover.prove(&stale)))
                .unwrap(),
        );
        assert!(
            refusal.starts_with(&format!(
                "StaleTime: the proof is for day {day}, the block's day is"
            )),
            "{refusal}"
        );
    }
    let mut other_scope = base.clone();
    other_scope.scope = Fr::from(43u64);
    let refusal = reverted(
        owner
            .transact(contract, registry::submit(1, &prover.prove(&other_scope)))
            .unwrap(),
    );
    assert!(
        refusal.starts_with("WrongScope: the policy's scope is 42, the proof's 43"),
        "{refusal}"
    );
    // The proof is bound to the owner's address: another submitter is refused.
    let refusal = reverted(
        stranger
            .transact(contract, registry::submit(1, &first))
            .unwrap(),
    );
    assert!(refusal.starts_with("WrongRecipient"), "{refusal}");
    // A tampered proof (C of another proof) with the right inputs: the verifier says no.
    let mut tampered = first.clone();
    tampered.c = other_root_proof.c;
    let refusal = reverted(
        owner
            .transact(contract, registry::submit(1, &tampered))
            .unwrap(),
    );
    assert!(refusal.starts_with("InvalidProof"), "{refusal}");
    // The nullifier + r (the same field element): refused before anything else.
    let mut plus_r = first.clone();
    plus_r.inputs[5] += group_order();
    let refusal = reverted(
        owner
            .transact(contract, registry::submit(1, &plus_r))
            .unwrap(),
    );
    assert!(
        refusal.starts_with("InputNotInField: public input #5"),
        "{refusal}"
    );
    let mut short = first.clone();
    short.inputs.pop();
    let refusal = reverted(
        owner
            .transact(contract, registry::submit(1, &short))
            .unwrap(),
    );
    assert!(refusal.starts_with("WrongInputCount"), "{refusal}");
    let refusal = reverted(
        owner
            .transact(contract, registry::submit(2, &first))
            .unwrap(),
    );
    assert!(refusal.starts_with("UnknownPolicy"), "{refusal}");

    // Accepted once, with its event.
    let nullifier = word(base.nullifier());
    assert_eq!(
        view_word(
            &owner,
            contract,
            registry::nullifier_used(word(scope), nullifier)
        ),
        U256::ZERO
    );
    let (gas, logs) = mined(
        owner
            .transact(contract, registry::submit(1, &first))
            .unwrap(),
    );
    println!("gas used, registry submit (7 public inputs): {gas}");
    let accepted = keccak256("ProofAccepted(uint256,uint256,uint256,address,uint256)");
    let event = logs
        .iter()
        .find(|(topics, _)| topics.first() == Some(&accepted))
        .expect("ProofAccepted emitted");
    assert_eq!(U256::from_be_bytes(event.0[1].0), U256::from(1u8));
    assert_eq!(U256::from_be_bytes(event.0[2].0), word(scope));
    assert_eq!(U256::from_be_bytes(event.0[3].0), nullifier);
    assert_eq!(
        U256::from_be_slice(&event.1[32..64]),
        U256::from(today),
        "the event carries the proof's day"
    );
    assert_eq!(
        view_word(
            &owner,
            contract,
            registry::nullifier_used(word(scope), nullifier)
        ),
        U256::from(1u8)
    );
    // The same nullifier is refused: the same proof, and a fresh proof of the same
    // statement (different bytes: a replay key made of proof bytes would miss it).
    let refusal = reverted(
        owner
            .transact(contract, registry::submit(1, &first))
            .unwrap(),
    );
    assert!(refusal.starts_with("NullifierUsed"), "{refusal}");
    let again = prover.prove(&base);
    assert_ne!(again.proof_words(), first.proof_words());
    let refusal = reverted(
        owner
            .transact(contract, registry::submit(1, &again))
            .unwrap(),
    );
    assert!(refusal.starts_with("NullifierUsed"), "{refusal}");

    // Root rotation: the owner accepts 778 and drops 777; another holder's proof under the
    // old root is refused, the proof under the new one accepted.
    mined(
        owner
            .transact(
                contract,
                registry::set_revocation_root(1, U256::from(778u64), true),
            )
            .unwrap(),
    );
    mined(
        owner
            .transact(
                contract,
                registry::set_revocation_root(1, word(root), false),
            )
            .unwrap(),
    );
    let mut second_holder = base.clone();
    second_holder.secret = Fr::from(987_654_321u64);
    let refusal = reverted(
        owner
            .transact(contract, registry::submit(1, &prover.prove(&second_holder)))
            .unwrap(),
    );
    assert!(
        refusal.starts_with("UnknownRevocationRoot: 777"),
        "{refusal}"
    );
    mined(
        owner
            .transact(contract, registry::submit(1, &other_root_proof))
            .unwrap(),
    );

    // A retired policy accepts nothing.
    mined(
        owner
            .transact(contract, registry::retire_policy(1))
            .unwrap(),
    );
    second_holder.root = Fr::from(778u64);
    let refusal = reverted(
        owner
            .transact(contract, registry::submit(1, &prover.prove(&second_holder)))
            .unwrap(),
    );
    assert!(refusal.starts_with("UnknownPolicy"), "{refusal}");
    // Ownership moves only by the owner.
    let refusal = reverted(
        stranger
            .transact(
                contract,
                registry::transfer_ownership(stranger.sender().unwrap()),
            )
            .unwrap(),
    );
    assert!(refusal.starts_with("NotOwner"), "{refusal}");
}

#[test]
fn malformed_policies_are_refused() {
    let Some(node) = super::anvil() else {
        println!("NOTE: skipped: anvil is missing (run `npm ci --prefix interop`)");
        return;
    };
    let owner = Node::connect(node.url(), Some(parse_signer(DEV_KEY).unwrap())).unwrap();
    let contract = owner.deploy(registry::bytecode().unwrap()).unwrap().address;
    // The registry itself stands in for a contract with code.
    let good = Policy::credential_v1(
        contract,
        [U256::from(1u8), U256::from(2u8)],
        U256::from(3u8),
        1,
    );
    let no_code = Policy {
        verifier: Address::repeat_byte(0x42),
        ..good.clone()
    };
    let out_of_range = Policy {
        nullifier_index: 7,
        ..good.clone()
    };
    let twice = Policy {
        scope_index: Some(good.nullifier_index),
        ..good.clone()
    };
    let fixed_twice = Policy {
        fixed: vec![(0, U256::from(1u8)), (0, U256::from(2u8))],
        ..good.clone()
    };
    let too_many = Policy {
        input_count: 9,
        ..good.clone()
    };
    // Without a scope input, something must be pinned (the configuration hash).
    let unbound = Policy {
        scope_index: None,
        fixed: vec![],
        ..good.clone()
    };
    for bad in [no_code, out_of_range, twice, fixed_twice, too_many, unbound] {
        let refusal = reverted(
            owner
                .transact(contract, registry::register_policy(&bad))
                .unwrap(),
        );
        assert!(refusal.starts_with("BadPolicy"), "{bad:?}: {refusal}");
    }
    mined(
        owner
            .transact(contract, registry::register_policy(&good))
            .unwrap(),
    );
}

/// A stand-in for a hashed-input predicate statement: public inputs `[config, nullifier,
/// now]` (conclave_eth::predicate::hashed), with config = (scope + salt)⁵ and nullifier =
/// (s + scope)⁵ over a witness scope, secret s and salt (the real statement hashes issuer
/// keys, parameters, scope and revocation roots with Poseidon; the registry only sees the
/// three inputs, so the gas is the same).
#[derive(Clone)]
struct HashedShapeCircuit {
    scope: Fr,
    salt: Fr,
    secret: Fr,
    day: u64,
}

fn fifth(t: Fr) -> Fr {
    let t2 = t * t;
    t2 * t2 * t
}

impl HashedShapeCircuit {
    fn config(&self) -> Fr {
        fifth(self.scope + self.salt)
    }

    fn public_inputs(&self) -> Vec<Fr> {
        vec![
            self.config(),
            fifth(self.secret + self.scope),
            Fr::from(self.day),
        ]
    }
}

impl ConstraintSynthesizer<Fr> for HashedShapeCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let public = self.public_inputs();
        let config = FpVar::new_input(cs.clone(), || Ok(public[0]))?;
        let nullifier = FpVar::new_input(cs.clone(), || Ok(public[1]))?;
        let day = FpVar::new_input(cs.clone(), || Ok(public[2]))?;
        let scope = FpVar::new_witness(cs.clone(), || Ok(self.scope))?;
        let salt = FpVar::new_witness(cs.clone(), || Ok(self.salt))?;
        let secret = FpVar::new_witness(cs.clone(), || Ok(self.secret))?;
        let power =
            |t: FpVar<Fr>| -> Result<FpVar<Fr>, SynthesisError> { Ok(t.square()?.square()? * &t) };
        power(&scope + &salt)?.enforce_equal(&config)?;
        power(&secret + &scope)?.enforce_equal(&nullifier)?;
        let _ = day.square()?;
        Ok(())
    }
}

#[test]
fn hashed_input_policy_and_batches() {
    let Some(node) = super::anvil() else {
        println!("NOTE: skipped: anvil is missing (run `npm ci --prefix interop`)");
        return;
    };
    let owner = Node::connect(node.url(), Some(parse_signer(DEV_KEY).unwrap())).unwrap();
    let scope_text = "lender-x/2026";
    let scope = conclave_circuits::credential::nullifier::scope_to_field(scope_text);
    let holder = |secret: u64| HashedShapeCircuit {
        scope,
        salt: Fr::from(99u64),
        secret: Fr::from(secret),
        day: today(),
    };
    let mut rng = ChaCha20Rng::seed_from_u64(17);
    let (pk, vk) = Groth16::<Bn254>::circuit_specific_setup(holder(1), &mut rng).unwrap();
    let prove = |circuit: &HashedShapeCircuit, rng: &mut ChaCha20Rng| {
        let proof = Groth16::<Bn254>::prove(&pk, circuit.clone(), rng).unwrap();
        ProofCalldata::from_ark(&proof, &circuit.public_inputs())
    };
    let verifier = owner
        .deploy(VerifierKey::from_ark(&vk).unwrap().deploy_code().unwrap())
        .unwrap()
        .address;
    let contract = owner.deploy(registry::bytecode().unwrap()).unwrap().address;
    let policy =
        conclave_eth::predicate::hashed_policy(verifier, word(holder(1).config()), scope_text, 1);
    mined(
        owner
            .transact(contract, registry::register_policy(&policy))
            .unwrap(),
    );

    // One proof: accepted once, its nullifier recorded under the policy's scope.
    let first = prove(&holder(1), &mut rng);
    let (gas, logs) = mined(
        owner
            .transact(contract, registry::submit(1, &first))
            .unwrap(),
    );
    println!("gas used, registry submit of a hashed-input proof (3 public inputs): {gas}");
    assert_eq!(
        registry::accepted_event(&logs),
        Some((U256::from(1u8), word(scope), first.inputs[1]))
    );
    let refusal = reverted(
        owner
            .transact(contract, registry::submit(1, &prove(&holder(1), &mut rng)))
            .unwrap(),
    );
    assert!(refusal.starts_with("NullifierUsed"), "{refusal}");
    // Another configuration (another salt: another issuer, parameter or root).
    let mut other = holder(2);
    other.salt = Fr::from(98u64);
    let refusal = reverted(
        owner
            .transact(contract, registry::submit(1, &prove(&other, &mut rng)))
            .unwrap(),
    );
    assert!(
        refusal.starts_with("ConfigMismatch: public input #0"),
        "{refusal}"
    );

    // Batches through submitBatch: all or nothing.
    let proofs: Vec<ProofCalldata> = (10..18).map(|s| prove(&holder(s), &mut rng)).collect();
    let batch = |proofs: Vec<ProofCalldata>| {
        registry::submit_batch(
            1,
            &conclave_eth::verifier::BatchCalldata::new(proofs).unwrap(),
        )
    };
    let mut with_used = proofs[..2].to_vec();
    with_used.push(first.clone());
    let refusal = reverted(owner.transact(contract, batch(with_used)).unwrap());
    assert!(refusal.starts_with("NullifierUsed"), "{refusal}");
    let twice = vec![proofs[0].clone(), proofs[0].clone()];
    let refusal = reverted(owner.transact(contract, batch(twice)).unwrap());
    assert!(refusal.starts_with("NullifierUsed"), "{refusal}");
    let mut tampered = proofs[..3].to_vec();
    tampered[2].c = tampered[1].c;
    let refusal = reverted(owner.transact(contract, batch(tampered)).unwrap());
    assert!(refusal.starts_with("InvalidProof"), "{refusal}");
    let (gas2, logs) = mined(
        owner
            .transact(contract, batch(proofs[..2].to_vec()))
            .unwrap(),
    );
    assert_eq!(registry::accepted_events(&logs).len(), 2);
    let (gas6, logs) = mined(
        owner
            .transact(contract, batch(proofs[2..].to_vec()))
            .unwrap(),
    );
    assert_eq!(registry::accepted_events(&logs).len(), 6);
    println!(
        "gas used, registry submitBatch of hashed-input proofs: 2 proofs {gas2}, 6 proofs {gas6} \
         ({} per proof)",
        gas6 / 6
    );
    assert!(
        gas6 < 6 * gas / 2,
        "a batch of 6 ({gas6}) should cost less than half of 6 submits ({gas} each)"
    );
    for proof in &proofs {
        assert_eq!(
            view_word(
                &owner,
                contract,
                registry::nullifier_used(word(scope), proof.inputs[1])
            ),
            U256::from(1u8)
        );
    }
}
