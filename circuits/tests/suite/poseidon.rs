//! Poseidon: known answers from circomlibjs, native = gadget, pinned constraint counts.

use std::str::FromStr;

use ark_bn254::Fr;
use ark_ff::UniformRand;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::ConstraintSystem;
use conclave_circuits::poseidon::{self, gadget::PoseidonGadget};
use proptest::prelude::*;
use rand::SeedableRng;

#[derive(serde::Deserialize)]
struct Vectors {
    source: String,
    cases: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    inputs: Vec<String>,
    output: String,
}

fn vectors() -> Vectors {
    serde_json::from_str(include_str!("../vectors/poseidon_circomlibjs.json")).unwrap()
}

#[test]
fn native_matches_circomlibjs_for_1_to_16_inputs() {
    let vectors = vectors();
    assert!(vectors.source.contains("circomlibjs"));
    assert_eq!(vectors.cases.len(), 64);
    for case in &vectors.cases {
        let inputs: Vec<Fr> = case
            .inputs
            .iter()
            .map(|x| Fr::from_str(x).unwrap())
            .collect();
        let expected = Fr::from_str(&case.output).unwrap();
        assert_eq!(
            poseidon::hash(&inputs).unwrap(),
            expected,
            "inputs {:?}",
            case.inputs
        );
    }
}

#[test]
fn gadget_matches_circomlibjs_vectors_and_is_satisfied() {
    for case in vectors().cases.iter().step_by(3) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let inputs: Vec<FpVar<Fr>> = case
            .inputs
            .iter()
            .map(|x| FpVar::new_witness(cs.clone(), || Ok(Fr::from_str(x).unwrap())).unwrap())
            .collect();
        let digest = PoseidonGadget::new(inputs.len())
            .unwrap()
            .hash(&inputs)
            .unwrap();
        assert_eq!(digest.value().unwrap(), Fr::from_str(&case.output).unwrap());
        assert!(cs.is_satisfied().unwrap());
    }
}

#[test]
fn two_input_gadget_costs_240_constraints_like_circomlib() {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    let (a, b) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
    let expected = poseidon::hash(&[a, b]).unwrap();
    for with_equality in [false, true] {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let x = FpVar::new_witness(cs.clone(), || Ok(a)).unwrap();
        let y = FpVar::new_witness(cs.clone(), || Ok(b)).unwrap();
        let out = FpVar::new_input(cs.clone(), || Ok(expected)).unwrap();
        let gadget = PoseidonGadget::new(2).unwrap();
        if with_equality {
            gadget.enforce_hash_equals(&[x, y], &out).unwrap();
        } else {
            assert_eq!(gadget.hash(&[x, y]).unwrap().value().unwrap(), expected);
        }
        assert_eq!(cs.num_constraints(), 240);
        assert!(cs.is_satisfied().unwrap());
    }
}

#[test]
fn enforce_hash_equals_rejects_a_wrong_digest_or_preimage() {
    let digest = poseidon::hash(&[Fr::from(712u64), Fr::from(99u64)]).unwrap();
    for (value, blinding, expected) in [
        (713u64, 99u64, digest),
        (712, 98, digest),
        (712, 99, digest + Fr::from(1u64)),
    ] {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let v = FpVar::new_witness(cs.clone(), || Ok(Fr::from(value))).unwrap();
        let r = FpVar::new_witness(cs.clone(), || Ok(Fr::from(blinding))).unwrap();
        let c = FpVar::new_input(cs.clone(), || Ok(expected)).unwrap();
        PoseidonGadget::new(2)
            .unwrap()
            .enforce_hash_equals(&[v, r], &c)
            .unwrap();
        assert!(
            !cs.is_satisfied().unwrap(),
            "({value}, {blinding}) must not satisfy"
        );
    }
}

#[test]
fn gadget_rejects_wrong_input_count() {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let x = FpVar::new_witness(cs.clone(), || Ok(Fr::from(1u64))).unwrap();
    assert!(PoseidonGadget::new(2).unwrap().hash(&[x]).is_err());
    assert!(PoseidonGadget::new(0).is_err());
    assert!(PoseidonGadget::new(17).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    #[test]
    fn native_and_gadget_agree(seed in any::<u64>(), count in 1usize..=16) {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        let values: Vec<Fr> = (0..count).map(|_| Fr::rand(&mut rng)).collect();
        let cs = ConstraintSystem::<Fr>::new_ref();
        let vars: Vec<FpVar<Fr>> = values
            .iter()
            .map(|v| FpVar::new_witness(cs.clone(), || Ok(*v)).unwrap())
            .collect();
        let digest = PoseidonGadget::new(count).unwrap().hash(&vars).unwrap();
        prop_assert_eq!(digest.value().unwrap(), poseidon::hash(&values).unwrap());
        prop_assert!(cs.is_satisfied().unwrap());
    }
}

/// `C = Poseidon(v, r)` with the preimage and the digest in every allocation mode: the
/// right digest satisfies with a pinned cost, a wrong one never does (an all-constant
/// false claim is a synthesis error, not a silently dropped constraint).
#[test]
fn enforce_hash_equals_in_every_allocation_mode() {
    use ark_r1cs_std::alloc::AllocationMode::{self, Constant, Input, Witness};
    use ark_relations::gr1cs::SynthesisError;
    let preimage = [Fr::from(712u64), Fr::from(99u64)];
    let digest = poseidon::hash(&preimage).unwrap();
    let run = |inputs_mode: AllocationMode, digest_mode: AllocationMode, expected: Fr| {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let inputs: Vec<FpVar<Fr>> = preimage
            .iter()
            .map(|x| FpVar::new_variable(cs.clone(), || Ok(*x), inputs_mode).unwrap())
            .collect();
        let c = FpVar::new_variable(cs.clone(), || Ok(expected), digest_mode).unwrap();
        PoseidonGadget::new(2)
            .unwrap()
            .enforce_hash_equals(&inputs, &c)
            .map(|()| (cs.is_satisfied().unwrap(), cs.num_constraints()))
    };
    for inputs_mode in [Constant, Input, Witness] {
        for digest_mode in [Constant, Input, Witness] {
            let cost = match (inputs_mode, digest_mode) {
                (Constant, Constant) => 0,
                (Constant, _) => 1,
                _ => 240,
            };
            let label = format!("preimage {inputs_mode:?}, digest {digest_mode:?}");
            assert_eq!(
                run(inputs_mode, digest_mode, digest).unwrap(),
                (true, cost),
                "{label}"
            );
            match run(inputs_mode, digest_mode, digest + Fr::from(1u64)) {
                Ok((satisfied, constraints)) => {
                    assert!(!satisfied, "a wrong digest satisfies: {label}");
                    assert_eq!(constraints, cost, "{label}");
                }
                Err(error) => {
                    assert_eq!((inputs_mode, digest_mode), (Constant, Constant), "{label}");
                    assert!(matches!(error, SynthesisError::Unsatisfiable));
                }
            }
        }
    }
}
