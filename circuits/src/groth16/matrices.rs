//! Proving from stored R1CS matrices: a proving key that keeps the constraint matrices of
//! its circuit (made once at setup), so that each proof synthesizes only the witness.
//!
//! arkworks' `Groth16::prove` builds the whole constraint system for every proof: every
//! linear combination goes into a map, `finalize` inlines them all, and the matrices are
//! extracted again — for the 9,765-constraint predicate statement that costs about as
//! much as the multi-scalar multiplications (docs/benchmarks.md). [`ProverKey::prove`]
//! instead synthesizes the circuit in arkworks' witness-only mode
//! (`SynthesisMode::Prove { construct_matrices: false }`: values are computed, no linear
//! combination is stored), evaluates the stored matrices on the witness once — checking
//! every constraint and feeding the same row values to the QAP quotient of arkworks'
//! `LibsnarkReduction` ([`R1csMatrices::quotient`]) — and computes the proof with the
//! formulas of arkworks' prover (`create_proof`; for the same blinding `r`, `s` the proof
//! is the one of `Groth16::create_proof_with_reduction_and_matrices`, tested).
//! [`ProverKey::prove_assignment`] takes a witness computed beforehand, so that a caller
//! can compute it while the key is still being decoded
//! ([`crate::statement::predicate::prove_key_file`]).
//!
//! The matrices are those arkworks' generator uses: the circuit synthesized in setup mode
//! with `OptimizationGoal::Constraints`, finalized, `to_matrices()` of the R1CS predicate.
//!
//! # Security
//! Soundness rests on the verifying key only: matrices that do not match the key give
//! proofs that do not verify. Before proving, every constraint `⟨A_i,z⟩·⟨B_i,z⟩ = ⟨C_i,z⟩`
//! is checked on the witness `z`, so a witness that does not satisfy the circuit is refused
//! with [`SynthesisError::Unsatisfiable`] instead of yielding an invalid proof (arkworks'
//! own prover only checks this in debug builds). Like the points of a hashed key, stored
//! matrices are trusted as the prover's own output and protected by the key file's digest
//! ([`crate::formats::proving_key`]); crafted matrices could make a proof leak what a
//! crafted key could leak anyway.

use std::ops::Deref;

use ark_bn254::{Bn254, Fr, G1Affine};
use ark_ec::{pairing::Pairing, CurveGroup, VariableBaseMSM};
use ark_ff::{FftField, Field, One, PrimeField, UniformRand, Zero};
use ark_groth16::Groth16;
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, Matrix, OptimizationGoal,
    SynthesisError, SynthesisMode, R1CS_PREDICATE_LABEL,
};
use ark_snark::SNARK;
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;
use zeroize::Zeroizing;

use crate::ZkError;

/// Below this many constraints the witness check runs on the calling thread.
const PARALLEL_FROM: usize = 1024;

/// The R1CS of a circuit as arkworks' Groth16 generator sees it: the three matrices, one
/// row per constraint, each row a list of `(coefficient, column)`, columns indexing the
/// full assignment `[1, instance…, witness…]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct R1csMatrices {
    pub(crate) num_instance_variables: usize,
    pub(crate) num_witness_variables: usize,
    /// `A`, `B`, `C`, each with one row per constraint.
    pub(crate) abc: [Matrix<Fr>; 3],
}

impl R1csMatrices {
    /// Synthesizes `circuit` (no values needed) the way arkworks' Groth16 generator does and
    /// returns its matrices.
    ///
    /// # Errors
    /// Synthesis errors; [`SynthesisError::PredicateNotFound`] for a constraint system with
    /// other predicates than R1CS.
    pub fn of_circuit<C: ConstraintSynthesizer<Fr>>(circuit: C) -> Result<Self, SynthesisError> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        circuit.generate_constraints(cs.clone())?;
        cs.finalize();
        let mut all = cs.to_matrices()?;
        let r1cs = all
            .remove(R1CS_PREDICATE_LABEL)
            .filter(|_| all.is_empty())
            .ok_or(SynthesisError::PredicateNotFound)?;
        let abc: [Matrix<Fr>; 3] = r1cs.try_into().map_err(|_| SynthesisError::ArityMismatch)?;
        Ok(R1csMatrices {
            num_instance_variables: cs.num_instance_variables(),
            num_witness_variables: cs.num_witness_variables(),
            abc,
        })
    }

    /// Builds matrices from their parts, checking their shape: three matrices with the
    /// same number of rows, every column below `num_instance_variables +
    /// num_witness_variables`, at least the constant-one instance variable.
    ///
    /// # Errors
    /// [`ZkError::Malformed`] naming `what`.
    pub fn from_parts(
        what: &'static str,
        num_instance_variables: usize,
        num_witness_variables: usize,
        abc: [Matrix<Fr>; 3],
    ) -> Result<Self, ZkError> {
        let malformed = |reason| ZkError::Malformed { what, reason };
        if num_instance_variables == 0 {
            return Err(malformed(
                "constraint matrices without the constant-one variable",
            ));
        }
        let [a, b, c] = &abc;
        if a.len() != b.len() || a.len() != c.len() {
            return Err(malformed(
                "constraint matrices with different numbers of rows",
            ));
        }
        let columns = num_instance_variables
            .checked_add(num_witness_variables)
            .ok_or(malformed("a variable count that overflows"))?;
        let in_range = |m: &Matrix<Fr>| m.iter().flatten().all(|&(_, column)| column < columns);
        if !abc.iter().all(in_range) {
            return Err(malformed(
                "a constraint term names a variable beyond the variable count",
            ));
        }
        Ok(R1csMatrices {
            num_instance_variables,
            num_witness_variables,
            abc,
        })
    }

    /// Number of constraints (rows).
    pub fn num_constraints(&self) -> usize {
        self.abc[0].len()
    }

    /// Number of instance variables, the constant one included.
    pub fn num_instance_variables(&self) -> usize {
        self.num_instance_variables
    }

    /// Number of witness variables.
    pub fn num_witness_variables(&self) -> usize {
        self.num_witness_variables
    }

    /// Number of non-zero terms over the three matrices.
    pub fn num_terms(&self) -> usize {
        self.abc
            .iter()
            .map(|m| m.iter().map(Vec::len).sum::<usize>())
            .sum()
    }

    /// The three matrices, `A`, `B`, `C`.
    pub fn matrices(&self) -> &[Matrix<Fr>; 3] {
        &self.abc
    }

    /// Size of the evaluation domain of the QAP: `num_constraints + num_instance_variables`
    /// rounded up to a power of two (BN254's scalar field has 2-adicity 28, so arkworks'
    /// `GeneralEvaluationDomain` is always the radix-2 one here).
    fn domain_size(&self) -> Option<usize> {
        self.num_constraints()
            .checked_add(self.num_instance_variables)?
            .checked_next_power_of_two()
    }

    /// Checks that these matrices have the shape of `key`'s circuit: as many instance and
    /// witness variables as its queries, and its evaluation domain.
    ///
    /// # Errors
    /// [`ZkError::Malformed`] naming `what`.
    pub fn check_fits(
        &self,
        what: &'static str,
        key: &ark_groth16::ProvingKey<Bn254>,
    ) -> Result<(), ZkError> {
        let malformed = |reason| ZkError::Malformed { what, reason };
        if key.vk.gamma_abc_g1.len() != self.num_instance_variables
            || key.l_query.len() != self.num_witness_variables
            || key.a_query.len() != self.num_instance_variables + self.num_witness_variables
        {
            return Err(malformed(
                "its constraint matrices have other variable counts than its key",
            ));
        }
        if self.domain_size().map(|size| size - 1) != Some(key.h_query.len()) {
            return Err(malformed(
                "its constraint matrices have another constraint count than its key",
            ));
        }
        Ok(())
    }

    /// The QAP quotient `h` of `assignment` (`[1, instance…, witness…]`) as arkworks'
    /// `LibsnarkReduction` computes it, or `None` when some constraint
    /// `⟨A_i,z⟩·⟨B_i,z⟩ = ⟨C_i,z⟩` does not hold. The row evaluations the check needs are
    /// the ones the quotient needs, so the check costs one multiplication per constraint.
    ///
    /// # Errors
    /// [`SynthesisError::PolynomialDegreeTooLarge`] for a circuit beyond BN254's 2^28 domain.
    fn quotient(&self, assignment: &[Fr]) -> Result<Option<Vec<Fr>>, SynthesisError> {
        let n = self.num_constraints();
        let inputs = self.num_instance_variables;
        let domain = GeneralEvaluationDomain::<Fr>::new(n + inputs)
            .ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let coset = domain
            .get_coset(Fr::GENERATOR)
            .ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let size = domain.size();
        let row = |terms: &[(Fr, usize)]| {
            terms
                .iter()
                .fold(Fr::zero(), |sum, &(coefficient, column)| {
                    let value = assignment[column];
                    if coefficient.is_one() {
                        sum + value
                    } else {
                        sum + coefficient * value
                    }
                })
        };
        let mut a = vec![Fr::zero(); size];
        let mut b = vec![Fr::zero(); size];
        let mut c = vec![Fr::zero(); size];
        let [ma, mb, mc] = &self.abc;
        let satisfied = a[..n]
            .par_iter_mut()
            .zip(&mut b[..n])
            .zip(&mut c[..n])
            .zip(ma)
            .zip(mb)
            .zip(mc)
            .with_min_len(PARALLEL_FROM / 4)
            .all(|(((((a, b), c), ra), rb), rc)| {
                *a = row(ra);
                *b = row(rb);
                *c = row(rc);
                *a * *b == *c
            });
        if !satisfied {
            return Ok(None);
        }
        // The instance rows of arkworks' reduction (A only): `a` holds the instance there.
        a[n..n + inputs].copy_from_slice(&assignment[..inputs]);
        let to_coset = |values: &mut Vec<Fr>| {
            domain.ifft_in_place(values);
            coset.fft_in_place(values);
        };
        rayon::join(
            || to_coset(&mut a),
            || rayon::join(|| to_coset(&mut b), || to_coset(&mut c)),
        );
        let vanishing_inverse = domain
            .evaluate_vanishing_polynomial(Fr::GENERATOR)
            .inverse()
            .ok_or(SynthesisError::DivisionByZero)?;
        a.par_iter_mut()
            .zip(&b)
            .zip(&c)
            .for_each(|((a, b), c)| *a = (*a * b - c) * vanishing_inverse);
        coset.ifft_in_place(&mut a);
        Ok(Some(a))
    }
}

/// A Groth16 proving key with, when known, the R1CS matrices of its circuit: proves by
/// witness-only synthesis when it has them ([`ProverKey::prove`]), as arkworks'
/// `Groth16::prove` otherwise. Dereferences to the arkworks key.
#[derive(Clone, Debug, PartialEq)]
pub struct ProverKey {
    key: ark_groth16::ProvingKey<Bn254>,
    matrices: Option<R1csMatrices>,
}

impl Deref for ProverKey {
    type Target = ark_groth16::ProvingKey<Bn254>;

    fn deref(&self) -> &Self::Target {
        &self.key
    }
}

impl From<ark_groth16::ProvingKey<Bn254>> for ProverKey {
    /// A key without matrices (e.g. read from an older file): proves as arkworks does.
    fn from(key: ark_groth16::ProvingKey<Bn254>) -> Self {
        ProverKey {
            key,
            matrices: None,
        }
    }
}

impl ProverKey {
    /// Generates keys for the circuit that `circuit` makes (it is called twice: once for
    /// arkworks' generator, once for the matrices), keeping the matrices with the proving
    /// key. `rng` is one concrete generator type so that arkworks' generic setup and
    /// prover are compiled once: seed it from the caller's CSPRNG.
    ///
    /// # Security
    /// As [`crate::groth16::setup`]: whoever knows the randomness drawn here can forge
    /// proofs; seed `rng` from a fresh OS CSPRNG and discard it.
    ///
    /// # Errors
    /// Synthesis errors.
    pub fn setup<C: ConstraintSynthesizer<Fr>>(
        circuit: impl Fn() -> C,
        rng: &mut ChaCha20Rng,
    ) -> Result<(Self, ark_groth16::VerifyingKey<Bn254>), SynthesisError> {
        let (key, vk) = Groth16::<Bn254>::circuit_specific_setup(circuit(), rng)?;
        let matrices = R1csMatrices::of_circuit(circuit())?;
        Ok((
            ProverKey {
                key,
                matrices: Some(matrices),
            },
            vk,
        ))
    }

    /// Joins a key and matrices read from a file, checking that they fit each other
    /// ([`R1csMatrices::check_fits`]).
    ///
    /// # Errors
    /// [`ZkError::Malformed`] naming `what`.
    pub fn with_matrices(
        what: &'static str,
        key: ark_groth16::ProvingKey<Bn254>,
        matrices: R1csMatrices,
    ) -> Result<Self, ZkError> {
        matrices.check_fits(what, &key)?;
        Ok(ProverKey {
            key,
            matrices: Some(matrices),
        })
    }

    /// The arkworks key.
    pub fn ark(&self) -> &ark_groth16::ProvingKey<Bn254> {
        &self.key
    }

    /// The circuit's matrices, if this key has them.
    pub fn matrices(&self) -> Option<&R1csMatrices> {
        self.matrices.as_ref()
    }

    /// Proves `circuit` (with its values) under this key: from the stored matrices with a
    /// witness-only synthesis when the key has them, with arkworks' `Groth16::prove`
    /// otherwise. Both give a proof of the same distribution that the same verifying key
    /// accepts. `rng` (the blinding `r`, `s`) should be seeded from the caller's CSPRNG.
    ///
    /// # Errors
    /// Synthesis errors from the circuit; with matrices, [`SynthesisError::Unsatisfiable`]
    /// when the witness does not satisfy every constraint, or when the circuit allocates
    /// other numbers of variables than the matrices were made for (a key made for another
    /// circuit).
    pub fn prove<C: ConstraintSynthesizer<Fr>>(
        &self,
        circuit: C,
        rng: &mut ChaCha20Rng,
    ) -> Result<ark_groth16::Proof<Bn254>, SynthesisError> {
        match &self.matrices {
            Some(matrices) => prove_with_matrices(&self.key, matrices, circuit, rng),
            None => Groth16::<Bn254>::prove(&self.key, circuit, rng),
        }
    }

    /// Proves from an assignment that [`witness_only_assignment`] made for this key's
    /// circuit (so that the caller can compute it while the key is still loading), checking
    /// every constraint on it as [`ProverKey::prove`] does. `None` when this key has no
    /// matrices: then prove with [`ProverKey::prove`].
    ///
    /// # Errors
    /// [`SynthesisError::Unsatisfiable`] when the assignment does not satisfy every
    /// constraint or has other variable counts than the matrices.
    pub fn prove_assignment(
        &self,
        assignment: &[Fr],
        num_instance: usize,
        rng: &mut ChaCha20Rng,
    ) -> Result<Option<ark_groth16::Proof<Bn254>>, SynthesisError> {
        self.matrices
            .as_ref()
            .map(|matrices| prove_assignment(&self.key, matrices, assignment, num_instance, rng))
            .transpose()
    }
}

/// The full assignment `[1, instance…, witness…]` of `circuit` and the number of instance
/// variables, synthesized without building the constraint system.
///
/// # Security
/// The assignment holds the witness: it is zeroized on drop (arkworks' constraint system,
/// which computed it, is not).
///
/// # Errors
/// Synthesis errors.
pub fn witness_only_assignment<C: ConstraintSynthesizer<Fr>>(
    circuit: C,
) -> Result<(Zeroizing<Vec<Fr>>, usize), SynthesisError> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: false,
        generate_lc_assignments: false,
    });
    circuit.generate_constraints(cs.clone())?;
    take_assignment(cs)
}

fn take_assignment(
    cs: ConstraintSystemRef<Fr>,
) -> Result<(Zeroizing<Vec<Fr>>, usize), SynthesisError> {
    let mut full = Zeroizing::new(cs.instance_assignment()?);
    let num_instance = full.len();
    if num_instance != cs.num_instance_variables() {
        return Err(SynthesisError::AssignmentMissing);
    }
    let witness = Zeroizing::new(cs.witness_assignment()?);
    full.extend_from_slice(&witness);
    Ok((full, num_instance))
}

fn prove_with_matrices<C: ConstraintSynthesizer<Fr>>(
    key: &ark_groth16::ProvingKey<Bn254>,
    matrices: &R1csMatrices,
    circuit: C,
    rng: &mut ChaCha20Rng,
) -> Result<ark_groth16::Proof<Bn254>, SynthesisError> {
    let (assignment, num_instance) = witness_only_assignment(circuit)?;
    prove_assignment(key, matrices, &assignment, num_instance, rng)
}

fn prove_assignment(
    key: &ark_groth16::ProvingKey<Bn254>,
    matrices: &R1csMatrices,
    assignment: &[Fr],
    num_instance: usize,
    rng: &mut ChaCha20Rng,
) -> Result<ark_groth16::Proof<Bn254>, SynthesisError> {
    if num_instance != matrices.num_instance_variables
        || assignment.len() != num_instance + matrices.num_witness_variables
    {
        return Err(SynthesisError::Unsatisfiable);
    }
    // The quotient is a function of the witness: zeroized like it.
    let h = Zeroizing::new(
        matrices
            .quotient(assignment)?
            .ok_or(SynthesisError::Unsatisfiable)?,
    );
    let r = Fr::rand(rng);
    let s = Fr::rand(rng);
    Ok(create_proof(key, r, s, &h, assignment, num_instance))
}

/// The points of a query after the first (the constant one's).
fn tail<T>(points: &[T]) -> &[T] {
    points.get(1..).unwrap_or_default()
}

/// The Groth16 proof of `assignment` (`[1, instance…, witness…]`, `num_instance` of them
/// instance variables) with the QAP quotient `h` and blinding `r`, `s`: the computation of
/// arkworks' `Groth16::create_proof_with_assignment` (same formulas, same proof for the
/// same `r`, `s`), from the quotient that [`R1csMatrices::quotient`] computed with the
/// constraint check.
fn create_proof(
    pk: &ark_groth16::ProvingKey<Bn254>,
    r: Fr,
    s: Fr,
    h: &[Fr],
    assignment: &[Fr],
    num_instance: usize,
) -> ark_groth16::Proof<Bn254> {
    type G1 = <Bn254 as Pairing>::G1;
    type G2 = <Bn254 as Pairing>::G2;
    // Scalars of every variable but the constant one: instance, then witness.
    let scalars = Zeroizing::new(
        assignment[1..]
            .par_iter()
            .map(|x| x.into_bigint())
            .collect::<Vec<_>>(),
    );
    let witness = &scalars[num_instance - 1..];
    let h = Zeroizing::new(h.par_iter().map(|x| x.into_bigint()).collect::<Vec<_>>());
    // One after the other, each parallel inside (running them side by side was slower
    // on two cores: each WNAF multiplication builds its own thread pool).
    let h_acc = G1::msm_bigint(&pk.h_query, &h);
    drop(h);
    let l_acc = G1::msm_bigint(&pk.l_query, witness);
    let a_acc = G1::msm_bigint(tail(&pk.a_query), &scalars);
    let b_g1_acc = G1::msm_bigint(tail(&pk.b_g1_query), &scalars);
    let b_g2_acc = G2::msm_bigint(tail(&pk.b_g2_query), &scalars);
    let first = |points: &[G1Affine]| points.first().copied().unwrap_or_default();
    let g_a = pk.delta_g1 * r + first(&pk.a_query) + a_acc + pk.vk.alpha_g1;
    let g1_b = if r.is_zero() {
        G1::zero()
    } else {
        pk.delta_g1 * s + first(&pk.b_g1_query) + b_g1_acc + pk.beta_g1
    };
    let g2_b = pk.vk.delta_g2 * s
        + pk.b_g2_query.first().copied().unwrap_or_default()
        + b_g2_acc
        + pk.vk.beta_g2;
    let g_c = g_a * s + g1_b * r - pk.delta_g1 * (r * s) + l_acc + h_acc;
    ark_groth16::Proof {
        a: g_a.into_affine(),
        b: g2_b.into_affine(),
        c: g_c.into_affine(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use ark_r1cs_std::{alloc::AllocVar, eq::EqGadget, fields::fp::FpVar};
    use ark_relations::gr1cs::ConstraintSystemRef;
    use rand::SeedableRng;

    /// `x^k = y` for a public `y` (k − 1 products), a public `x + 1` and a witness `x`.
    #[derive(Clone)]
    struct Power {
        x: Fr,
        y: Fr,
        k: usize,
    }

    impl ConstraintSynthesizer<Fr> for Power {
        fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
            let y = FpVar::new_input(cs.clone(), || Ok(self.y))?;
            let x1 = FpVar::new_input(cs.clone(), || Ok(self.x + Fr::one()))?;
            let x = FpVar::new_witness(cs, || Ok(self.x))?;
            (&x + Fr::one()).enforce_equal(&x1)?;
            let mut acc = x.clone();
            for _ in 1..self.k {
                acc *= &x;
            }
            acc.enforce_equal(&y)
        }
    }

    fn power(x: u64, k: usize) -> Power {
        let x = Fr::from(x);
        Power {
            x,
            y: x.pow([k as u64]),
            k,
        }
    }

    /// The fused check-and-quotient prover gives, for the same `r`, `s`, exactly the proof
    /// of arkworks' `create_proof_with_reduction_and_matrices`, for domains of 2^2 to
    /// 2^10 (constraint counts just below, at and above powers of two).
    #[test]
    fn same_proof_as_arkworks_for_the_same_blinding() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        for k in [2, 3, 5, 6, 13, 60, 61, 62, 1000] {
            let circuit = power(3 + k as u64, k);
            let (key, vk) = ProverKey::setup(|| circuit.clone(), &mut rng).unwrap();
            let matrices = key.matrices().unwrap();
            let (assignment, num_instance) = witness_only_assignment(circuit.clone()).unwrap();
            let r = Fr::rand(&mut rng);
            let s = Fr::rand(&mut rng);
            let h = matrices.quotient(&assignment).unwrap().unwrap();
            let ours = create_proof(key.ark(), r, s, &h, &assignment, num_instance);
            let theirs = Groth16::<Bn254>::create_proof_with_reduction_and_matrices(
                key.ark(),
                r,
                s,
                matrices.matrices(),
                num_instance,
                matrices.num_constraints(),
                &assignment,
            )
            .unwrap();
            assert_eq!(ours, theirs, "k = {k}");
            let public = [circuit.y, circuit.x + Fr::one()];
            assert!(Groth16::<Bn254>::verify(&vk, &public, &ours).unwrap());
            let proof = key
                .prove_assignment(&assignment, num_instance, &mut rng)
                .unwrap()
                .unwrap();
            assert!(Groth16::<Bn254>::verify(&vk, &public, &proof).unwrap());
            assert!(
                !Groth16::<Bn254>::verify(&vk, &[circuit.y + Fr::one(), public[1]], &proof)
                    .unwrap()
            );
        }
    }

    /// A wrong witness is refused with `Unsatisfiable`, never turned into a proof: a wrong
    /// `x` (the last constraint fails), a wrong public `x + 1` (the first fails), a
    /// tampered assignment entry, and assignments of another length.
    #[test]
    fn wrong_witnesses_are_refused() {
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let honest = power(5, 40);
        let (key, _) = ProverKey::setup(|| honest.clone(), &mut rng).unwrap();
        let wrong_x = Power {
            x: honest.x + Fr::one(),
            ..honest.clone()
        };
        let wrong_input = Power {
            y: honest.y + Fr::one(),
            ..honest.clone()
        };
        for circuit in [wrong_x, wrong_input] {
            assert!(matches!(
                key.prove(circuit, &mut rng),
                Err(SynthesisError::Unsatisfiable)
            ));
        }
        let (assignment, num_instance) = witness_only_assignment(honest).unwrap();
        assert!(key
            .prove_assignment(&assignment, num_instance, &mut rng)
            .unwrap()
            .is_some());
        for at in 1..assignment.len() {
            let mut tampered = assignment.to_vec();
            tampered[at] += Fr::one();
            assert!(
                matches!(
                    key.prove_assignment(&tampered, num_instance, &mut rng),
                    Err(SynthesisError::Unsatisfiable)
                ),
                "entry {at} tampered"
            );
        }
        let shorter = &assignment[..assignment.len() - 1];
        assert!(key
            .prove_assignment(shorter, num_instance, &mut rng)
            .is_err());
        let mut longer = assignment.to_vec();
        longer.push(Fr::zero());
        assert!(key
            .prove_assignment(&longer, num_instance, &mut rng)
            .is_err());
        assert!(key
            .prove_assignment(&assignment, num_instance + 1, &mut rng)
            .is_err());
        // A key without matrices cannot prove from an assignment.
        let bare = ProverKey::from(key.ark().clone());
        assert!(bare
            .prove_assignment(&assignment, num_instance, &mut rng)
            .unwrap()
            .is_none());
    }
}
