//! Proving from stored R1CS matrices ([`ProverKey`]): proofs of the fast path verify under
//! arkworks' normal verifier, a witness that does not satisfy the circuit is refused, the
//! stored matrices are those of arkworks' generator, the version 3 key file round-trips and
//! refuses damage to its matrices, keys without matrices (version 2 files) still prove; and
//! the same for the predicate statement's key files.

use std::collections::BTreeMap;

use ark_bn254::{Bn254, Fr};
use ark_groth16::Groth16;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use ark_serialize::CanonicalDeserialize;
use ark_snark::SNARK;
use conclave_circuits::credential::holder::HolderSecret;
use conclave_circuits::credential::{Attributes, Credential, CredentialBody, Days, Schema};
use conclave_circuits::eddsa::SecretKey;
use conclave_circuits::formats::proving_key::{
    read_hashed, read_hashed_with_matrices, write_hashed, write_hashed_with_matrices,
};
use conclave_circuits::groth16::{ProverKey, R1csMatrices};
use conclave_circuits::statement::predicate::{
    self, PredicateProvingKey, PredicateStatement, PredicateStatementError, ProverInputs,
};
use conclave_circuits::ZkError;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// `out = f^rounds(x)` with `f(y) = y² + 3y + 5`: one multiplication per round, linear
/// combinations in between (what witness-only synthesis must evaluate without storing).
struct ChainCircuit {
    x: Option<Fr>,
    out: Option<Fr>,
    rounds: usize,
}

fn chain(x: Fr, rounds: usize) -> Fr {
    (0..rounds).fold(x, |y, _| y * y + y * Fr::from(3u64) + Fr::from(5u64))
}

impl ChainCircuit {
    fn blank(rounds: usize) -> Self {
        ChainCircuit {
            x: None,
            out: None,
            rounds,
        }
    }

    fn with(x: u64, out: Fr, rounds: usize) -> Self {
        ChainCircuit {
            x: Some(Fr::from(x)),
            out: Some(out),
            rounds,
        }
    }
}

impl ConstraintSynthesizer<Fr> for ChainCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let out = FpVar::new_input(cs.clone(), || {
            self.out.ok_or(SynthesisError::AssignmentMissing)
        })?;
        let mut y = FpVar::new_witness(cs, || self.x.ok_or(SynthesisError::AssignmentMissing))?;
        for _ in 0..self.rounds {
            y = &y * &y + &y * Fr::from(3u64) + Fr::from(5u64);
        }
        y.enforce_equal(&out)
    }
}

/// More constraints than the parallel threshold of the witness check (1,024).
const ROUNDS: usize = 1500;

fn chain_keys(rounds: usize, seed: u64) -> (ProverKey, ark_groth16::VerifyingKey<Bn254>) {
    ProverKey::setup(
        || ChainCircuit::blank(rounds),
        &mut ChaCha20Rng::seed_from_u64(seed),
    )
    .unwrap()
}

#[test]
fn fast_path_proofs_verify_under_the_normal_verifier() {
    let (key, vk) = chain_keys(ROUNDS, 1);
    assert!(key.matrices().is_some());
    let out = chain(Fr::from(7u64), ROUNDS);
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let proof = key
        .prove(ChainCircuit::with(7, out, ROUNDS), &mut rng)
        .unwrap();
    assert!(Groth16::<Bn254>::verify(&vk, &[out], &proof).unwrap());
    // Bound to its public input.
    assert!(!Groth16::<Bn254>::verify(&vk, &[out + Fr::from(1u64)], &proof).unwrap());
    // Zero knowledge: fresh blinding, another proof of the same statement.
    let again = key
        .prove(ChainCircuit::with(7, out, ROUNDS), &mut rng)
        .unwrap();
    assert_ne!(proof, again);
    assert!(Groth16::<Bn254>::verify(&vk, &[out], &again).unwrap());
    // The same key without matrices proves the arkworks way; that proof verifies too.
    let plain = ProverKey::from(key.ark().clone());
    assert!(plain.matrices().is_none());
    let proof = plain
        .prove(ChainCircuit::with(7, out, ROUNDS), &mut rng)
        .unwrap();
    assert!(Groth16::<Bn254>::verify(&vk, &[out], &proof).unwrap());
}

#[test]
fn a_wrong_witness_is_refused() {
    let (key, vk) = chain_keys(ROUNDS, 3);
    let out = chain(Fr::from(7u64), ROUNDS);
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    // x = 8 does not lead to `out`: the fast path refuses to prove.
    assert_eq!(
        key.prove(ChainCircuit::with(8, out, ROUNDS), &mut rng),
        Err(SynthesisError::Unsatisfiable)
    );
    // (arkworks' own prover, in a release build, returns a proof that does not verify.)
    let plain = ProverKey::from(key.ark().clone());
    let forged = plain
        .prove(ChainCircuit::with(8, out, ROUNDS), &mut rng)
        .unwrap();
    assert!(!Groth16::<Bn254>::verify(&vk, &[out], &forged).unwrap());
    // A circuit of another size than the key's matrices is refused as well.
    let short = chain(Fr::from(7u64), ROUNDS - 1);
    assert_eq!(
        key.prove(ChainCircuit::with(7, short, ROUNDS - 1), &mut rng),
        Err(SynthesisError::Unsatisfiable)
    );
}

#[test]
fn stored_matrices_are_the_generators() {
    let (key, _) = chain_keys(40, 5);
    let matrices = R1csMatrices::of_circuit(ChainCircuit::blank(40)).unwrap();
    assert_eq!(key.matrices(), Some(&matrices));
    // One constraint per round and the final equality; 1 and `out`; x and one per round.
    assert_eq!(matrices.num_constraints(), 41);
    assert_eq!(matrices.num_instance_variables(), 2);
    assert_eq!(matrices.num_witness_variables(), 41);
    matrices.check_fits("k", key.ark()).unwrap();
    let (other, _) = chain_keys(41, 5);
    assert!(matches!(
        ProverKey::with_matrices("k", other.ark().clone(), matrices),
        Err(ZkError::Malformed { .. })
    ));
}

#[test]
fn key_files_with_matrices_round_trip_and_refuse_damage() {
    let (key, _) = chain_keys(200, 6);
    let matrices = key.matrices().unwrap();
    let header = b"TEST-HEADER".to_vec();
    let bytes = write_hashed_with_matrices(header.clone(), key.ark(), matrices);
    let rest = &bytes[header.len()..];
    assert_eq!(read_hashed_with_matrices("k", &header, rest).unwrap(), key);
    // Every byte of the matrices section (the end of the file), flipped, is caught by the
    // digest.
    let key_end = write_hashed(header.clone(), key.ark()).len() - header.len();
    assert!(rest.len() > key_end + 32);
    for at in (key_end..rest.len()).step_by(13) {
        let mut damaged = rest.to_vec();
        damaged[at] ^= 0x04;
        assert!(
            matches!(
                read_hashed_with_matrices("k", &header, &damaged),
                Err(ZkError::DigestMismatch { .. })
            ),
            "flipped byte {at} accepted"
        );
    }
    // Truncated anywhere in the matrices, or extended: refused by the length field.
    for cut in [key_end, key_end + 1, rest.len() - 8, rest.len() - 1] {
        assert!(matches!(
            read_hashed_with_matrices("k", &header, &rest[..cut]),
            Err(ZkError::Malformed { .. })
        ));
    }
    let mut longer = rest.to_vec();
    longer.push(0);
    assert!(matches!(
        read_hashed_with_matrices("k", &header, &longer),
        Err(ZkError::Malformed { .. })
    ));
    // Another header (statement) than the one hashed.
    assert!(matches!(
        read_hashed_with_matrices("k", b"TEST-HEADEX", rest),
        Err(ZkError::DigestMismatch { .. })
    ));
    // The two versions' digests are domain-separated: neither reader takes the other's.
    let v2 = write_hashed(header.clone(), key.ark());
    assert!(read_hashed_with_matrices("k", &header, &v2[header.len()..]).is_err());
    assert!(read_hashed("k", &header, rest).is_err());
    // A version 2 key still loads, and proves without matrices.
    let old = ProverKey::from(read_hashed("k", &header, &v2[header.len()..]).unwrap());
    assert_eq!(old.ark(), key.ark());
    assert!(old.matrices().is_none());
}

// ---- the predicate statement --------------------------------------------------------

fn score_schema() -> Schema {
    Schema::from_json(include_bytes!(
        "../../../examples/data/credit-score.schema.json"
    ))
    .unwrap()
}

/// One credential from the bureau to a holder: (credential map, holder secret).
fn bureau_credential(rng: &mut ChaCha20Rng) -> (BTreeMap<String, Credential>, HolderSecret) {
    let schema = score_schema();
    let issuer = SecretKey::random(rng);
    let holder = HolderSecret::from_secret_key(&SecretKey::random(rng));
    let attributes = Attributes::from_json(
        &schema,
        include_bytes!("../../../examples/data/alice-score.json"),
    )
    .unwrap();
    let body = CredentialBody::new(
        attributes,
        holder.public_key(),
        Days::parse("2026-11-01", "issued").unwrap(),
        Days::parse("2027-12-31", "expires").unwrap(),
        42,
    )
    .unwrap();
    let credential = body.sign(&issuer).unwrap();
    (BTreeMap::from([("bureau".to_owned(), credential)]), holder)
}

/// The predicate statement's key file (version 3, matrices stored) proves and the proof
/// verifies; damage to its matrices is refused; a version 2 file of the same key (no
/// matrices) still loads and proves with arkworks' prover.
#[test]
fn predicate_keys_with_stored_matrices_and_version_2_keys_prove() {
    let mut rng = ChaCha20Rng::seed_from_u64(16);
    let statement = PredicateStatement::new(
        "bureau.score >= 650",
        BTreeMap::from([("bureau".to_owned(), score_schema())]),
    )
    .unwrap();
    let (pk, vk) = predicate::setup(statement, &mut rng).unwrap();
    let (credentials, holder) = bureau_credential(&mut rng);
    let params = BTreeMap::from([("now".to_owned(), "2026-12-02".to_owned())]);
    let inputs = ProverInputs {
        credentials: &credentials,
        holder: &holder,
        scope: "lender-x/2026",
        params: &params,
    };

    let bytes = pk.to_bytes();
    assert!(bytes.starts_with(b"CNCLPPK3"));
    let loaded = PredicateProvingKey::from_bytes(&bytes).unwrap();
    let proof = predicate::prove(&loaded, &inputs, &mut rng).unwrap();
    predicate::verify(&vk, &proof).unwrap();

    // The last bytes of the file are the matrices' C rows: flipped, the digest refuses.
    let mut damaged = bytes.clone();
    let at = bytes.len() - 5;
    damaged[at] ^= 0x01;
    assert!(matches!(
        PredicateProvingKey::from_bytes(&damaged),
        Err(PredicateStatementError::ProvingKey {
            source: ZkError::DigestMismatch { .. },
            ..
        })
    ));

    // The same key as a version 2 file: "CNCLPPK2", the statement, the hashed key alone.
    let compact = pk.to_compact_bytes();
    let statement_len = u32::from_be_bytes(compact[8..12].try_into().unwrap()) as usize;
    let mut header = b"CNCLPPK2".to_vec();
    header.extend_from_slice(&compact[8..12 + statement_len]);
    let ark_key =
        ark_groth16::ProvingKey::<Bn254>::deserialize_compressed(&compact[12 + statement_len..])
            .unwrap();
    let v2 = write_hashed(header, &ark_key);
    let old = PredicateProvingKey::from_bytes(&v2).unwrap();
    assert!(old.to_bytes().starts_with(b"CNCLPPK2"));
    let proof = predicate::prove(&old, &inputs, &mut rng).unwrap();
    predicate::verify(&vk, &proof).unwrap();
}
