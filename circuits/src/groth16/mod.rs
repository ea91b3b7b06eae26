//! Groth16 on BN254 for Conclave statements: key generation, proving, verification and
//! batch verification (arkworks `ark-groth16`).
//!
//! Keys and proofs carry their [`Statement`]; a proof also names the verifying key it was
//! made for by its [`StatementId`], so checking a proof under another statement's key is
//! an error that says so rather than a silent "invalid".
//!
//! [`ProverKey`] is the faster prover for any circuit: a key that keeps its circuit's R1CS
//! matrices and proves from a witness-only synthesis ([`matrices`]).

mod batch;
mod claim;
pub mod matrices;
mod pairing;

use ark_bn254::{Bn254, Fr};
use ark_groth16::{Groth16, PreparedVerifyingKey};
use ark_serialize::CanonicalSerialize;
use ark_snark::SNARK;
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRngCore, SeedableRng};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

pub use batch::verify_batch;
pub use claim::{verify_claim, Claim};
pub use matrices::{ProverKey, R1csMatrices};

use crate::claim::Interval;
use crate::commitment::Opening;
use crate::statement::{Bounds, Statement, StatementCircuit};
use crate::{domain, ZkError};

/// The 32-byte id of a verifying key: SHA-256 over a domain tag and the key's canonical bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatementId(pub [u8; 32]);

impl StatementId {
    /// Lower-case hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 hex digits.
    ///
    /// # Errors
    /// [`ZkError::Malformed`] for anything else.
    pub fn from_hex(text: &str) -> Result<Self, ZkError> {
        let mut id = [0u8; 32];
        hex::decode_to_slice(text, &mut id).map_err(|_| ZkError::Malformed {
            what: "statement id",
            reason: "expected 64 hexadecimal digits",
        })?;
        Ok(StatementId(id))
    }
}

impl std::fmt::Display for StatementId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// A proving key for one statement.
pub struct ProvingKey {
    pub(crate) statement: Statement,
    pub(crate) key: ark_groth16::ProvingKey<Bn254>,
}

/// A verifying key for one statement, prepared for fast verification.
#[derive(Clone)]
pub struct VerifyingKey {
    pub(crate) statement: Statement,
    pub(crate) key: ark_groth16::VerifyingKey<Bn254>,
    pub(crate) prepared: PreparedVerifyingKey<Bn254>,
    id: StatementId,
}

/// A proof of a statement about a committed value, with its public inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct Proof {
    pub(crate) statement: Statement,
    pub(crate) vk_id: StatementId,
    pub(crate) public_inputs: Vec<Fr>,
    pub(crate) proof: ark_groth16::Proof<Bn254>,
}

impl ProvingKey {
    /// The statement this key proves.
    pub fn statement(&self) -> Statement {
        self.statement
    }

    /// The verifying key that checks this key's proofs.
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey::new(self.statement, self.key.vk.clone())
    }

    /// The underlying arkworks key.
    pub fn ark(&self) -> &ark_groth16::ProvingKey<Bn254> {
        &self.key
    }
}

impl VerifyingKey {
    pub(crate) fn new(statement: Statement, key: ark_groth16::VerifyingKey<Bn254>) -> Self {
        let prepared = ark_groth16::prepare_verifying_key(&key);
        let id = statement_id(statement, &key);
        VerifyingKey {
            statement,
            key,
            prepared,
            id,
        }
    }

    /// The statement this key checks.
    pub fn statement(&self) -> Statement {
        self.statement
    }

    /// The key's id (what proofs and the ledger refer to).
    pub fn id(&self) -> StatementId {
        self.id
    }

    /// The underlying arkworks key.
    pub fn ark(&self) -> &ark_groth16::VerifyingKey<Bn254> {
        &self.key
    }

    /// Checks that `proof` was made for this key and has well-formed public inputs,
    /// without checking the proof itself.
    ///
    /// # Errors
    /// [`ZkError::KeyMismatch`], [`ZkError::WrongInputCount`] or [`ZkError::BadParameter`].
    pub fn check_applicable(&self, proof: &Proof) -> Result<(), ZkError> {
        check_applicable(self, proof)
    }
}

impl Proof {
    /// The statement proven.
    pub fn statement(&self) -> Statement {
        self.statement
    }

    /// Id of the verifying key this proof was made for.
    pub fn vk_id(&self) -> StatementId {
        self.vk_id
    }

    /// The public inputs, in circuit order.
    pub fn public_inputs(&self) -> &[Fr] {
        &self.public_inputs
    }

    /// What the proof claims, in one sentence.
    ///
    /// # Errors
    /// As [`Statement::describe`].
    pub fn claim(&self) -> Result<String, ZkError> {
        self.statement.describe(&self.public_inputs)
    }

    /// The bounds claimed.
    ///
    /// # Errors
    /// As [`Statement::bounds`].
    pub fn bounds(&self) -> Result<Bounds, ZkError> {
        self.statement.bounds(&self.public_inputs)
    }

    /// The interval the proof establishes for the committed value.
    ///
    /// # Errors
    /// As [`Statement::bounds`].
    pub fn proven_interval(&self) -> Result<Interval, ZkError> {
        self.statement.proven_interval(&self.public_inputs)
    }

    /// The underlying arkworks proof.
    pub fn ark(&self) -> &ark_groth16::Proof<Bn254> {
        &self.proof
    }
}

fn statement_id(statement: Statement, key: &ark_groth16::VerifyingKey<Bn254>) -> StatementId {
    let mut bytes = Vec::with_capacity(key.compressed_size());
    key.serialize_compressed(&mut bytes)
        .expect("serializing into a Vec cannot fail");
    let digest = Sha256::new()
        .chain_update(domain::VERIFYING_KEY_ID)
        .chain_update(statement.to_bytes())
        .chain_update(&bytes)
        .finalize();
    StatementId(digest.into())
}

/// Generates a proving/verifying key pair for `statement` from a CSPRNG.
///
/// # Security
/// Whoever knows the randomness drawn here can forge proofs (the "toxic waste"): use a
/// fresh OS CSPRNG outside tests, and discard it.
///
/// # Errors
/// [`ZkError::UnsupportedBits`] or synthesis errors.
pub fn setup(
    statement: Statement,
    rng: &mut impl CryptoRngCore,
) -> Result<(ProvingKey, VerifyingKey), ZkError> {
    setup_with(statement, &mut derived_rng(rng))
}

/// Draws a ChaCha20 generator seeded from the caller's CSPRNG, so that arkworks' generic
/// prover and setup are compiled once, here, for one concrete generator type.
fn derived_rng(rng: &mut impl CryptoRngCore) -> ChaCha20Rng {
    let mut seed = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(seed.as_mut());
    ChaCha20Rng::from_seed(*seed)
}

fn setup_with(
    statement: Statement,
    rng: &mut ChaCha20Rng,
) -> Result<(ProvingKey, VerifyingKey), ZkError> {
    statement.validate()?;
    let circuit = StatementCircuit::for_setup(statement);
    let (key, vk) = Groth16::<Bn254>::circuit_specific_setup(circuit, rng)?;
    Ok((
        ProvingKey { statement, key },
        VerifyingKey::new(statement, vk),
    ))
}

/// Proves that `opening` satisfies the key's statement with the given bounds.
///
/// # Errors
/// [`ZkError::Unsatisfied`] when the secret does not satisfy the claim (checked natively
/// before proving), [`ZkError::BadParameter`] for bounds that do not fit the statement.
pub fn prove(
    key: &ProvingKey,
    opening: &Opening,
    bounds: Bounds,
    rng: &mut impl CryptoRngCore,
) -> Result<Proof, ZkError> {
    prove_with(key, opening, bounds, &mut derived_rng(rng))
}

fn prove_with(
    key: &ProvingKey,
    opening: &Opening,
    bounds: Bounds,
    rng: &mut ChaCha20Rng,
) -> Result<Proof, ZkError> {
    let statement = key.statement;
    let public_inputs = statement.public_inputs(&opening.commitment(), bounds)?;
    statement.check_witness(opening, bounds)?;
    let circuit = StatementCircuit::new(statement, opening, public_inputs.clone());
    let proof = Groth16::<Bn254>::prove(&key.key, circuit, rng)?;
    Ok(Proof {
        statement,
        vk_id: statement_id(statement, &key.key.vk),
        public_inputs,
        proof,
    })
}

/// Verifies one proof.
///
/// # Errors
/// [`ZkError::InvalidProof`] when it does not verify; [`ZkError::KeyMismatch`],
/// [`ZkError::WrongInputCount`] or [`ZkError::BadParameter`] when it cannot be checked
/// under this key at all.
pub fn verify(key: &VerifyingKey, proof: &Proof) -> Result<(), ZkError> {
    check_applicable(key, proof)?;
    let valid = Groth16::<Bn254>::verify_with_processed_vk(
        &key.prepared,
        &proof.public_inputs,
        &proof.proof,
    )?;
    if valid {
        Ok(())
    } else {
        Err(ZkError::InvalidProof)
    }
}

/// Checks that `proof` was made for `key` and has well-formed public inputs.
pub(crate) fn check_applicable(key: &VerifyingKey, proof: &Proof) -> Result<(), ZkError> {
    if proof.vk_id != key.id || proof.statement != key.statement {
        return Err(ZkError::KeyMismatch {
            key: key.id.to_hex(),
            proof_key: proof.vk_id.to_hex(),
        });
    }
    proof.bounds().map(|_| ())
}
