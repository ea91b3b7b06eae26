//! snarkjs interop (Groth16 on `bn128`): export Conclave keys and proofs as
//! `verification_key.json`, `proof.json` and `public.json` that `snarkjs groth16 verify`
//! accepts, and verify any snarkjs Groth16/bn128 triple natively.
//!
//! snarkjs and arkworks use the same Groth16 equation and input order (`IC[0]` for the
//! constant one, then the public signals), so keys and proofs map point for point.

use ark_bn254::{Bn254, Fr};
use ark_groth16::Groth16;
use ark_snark::SNARK;
use serde::{Deserialize, Serialize};

use super::json::ProofPoints;
use super::points::{g1_from_strings, g1_to_strings, g2_from_strings, g2_to_strings};
use crate::groth16::{Proof, VerifyingKey};
use crate::{field, ZkError};

/// snarkjs `verification_key.json` (Groth16).
#[derive(Serialize, Deserialize)]
struct VerificationKeyJson {
    protocol: String,
    curve: String,
    #[serde(rename = "nPublic")]
    n_public: usize,
    vk_alpha_1: Vec<String>,
    vk_beta_2: Vec<Vec<String>>,
    vk_gamma_2: Vec<Vec<String>>,
    vk_delta_2: Vec<Vec<String>>,
    #[serde(rename = "IC")]
    ic: Vec<Vec<String>>,
}

/// snarkjs `proof.json` (Groth16).
#[derive(Serialize, Deserialize)]
struct ProofJson {
    #[serde(flatten)]
    points: ProofPoints,
    protocol: String,
    curve: String,
}

/// The three snarkjs files, as JSON text.
pub struct SnarkjsFiles {
    /// `verification_key.json`.
    pub verification_key: String,
    /// `proof.json`.
    pub proof: String,
    /// `public.json`.
    pub public: String,
}

/// Exports a key and a proof made for it in snarkjs's format.
///
/// # Errors
/// [`ZkError::KeyMismatch`] if the proof was made for another key.
pub fn export(key: &VerifyingKey, proof: &Proof) -> Result<SnarkjsFiles, ZkError> {
    if proof.vk_id() != key.id() {
        return Err(ZkError::KeyMismatch {
            key: key.id().to_hex(),
            proof_key: proof.vk_id().to_hex(),
        });
    }
    let vk = key.ark();
    let document = VerificationKeyJson {
        protocol: "groth16".into(),
        curve: "bn128".into(),
        n_public: vk.gamma_abc_g1.len() - 1,
        vk_alpha_1: g1_to_strings(&vk.alpha_g1),
        vk_beta_2: g2_to_strings(&vk.beta_g2),
        vk_gamma_2: g2_to_strings(&vk.gamma_g2),
        vk_delta_2: g2_to_strings(&vk.delta_g2),
        ic: vk.gamma_abc_g1.iter().map(g1_to_strings).collect(),
    };
    let proof_document = ProofJson {
        points: ProofPoints::from_ark(proof.ark()),
        protocol: "groth16".into(),
        curve: "bn128".into(),
    };
    let public: Vec<String> = proof
        .public_inputs()
        .iter()
        .map(field::to_decimal)
        .collect();
    Ok(SnarkjsFiles {
        verification_key: pretty(&document),
        proof: pretty(&proof_document),
        public: pretty(&public),
    })
}

fn pretty<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("snarkjs documents always serialize")
}

fn check_protocol(what: &'static str, protocol: &str, curve: &str) -> Result<(), ZkError> {
    if protocol != "groth16" || curve != "bn128" {
        return Err(ZkError::WrongKind {
            expected: what,
            found: format!(
                "{protocol} proof system on curve {curve} (only groth16 on bn128 is supported)"
            ),
        });
    }
    Ok(())
}

/// Parses a snarkjs Groth16 `verification_key.json`, validating every point.
///
/// # Errors
/// Malformed JSON, another protocol or curve, invalid points, `nPublic` disagreeing with `IC`.
pub fn parse_verification_key(text: &str) -> Result<ark_groth16::VerifyingKey<Bn254>, ZkError> {
    let what = "snarkjs verification key";
    let document: VerificationKeyJson =
        serde_json::from_str(text).map_err(|source| ZkError::Json { what, source })?;
    check_protocol(what, &document.protocol, &document.curve)?;
    if document.ic.len() != document.n_public + 1 {
        return Err(ZkError::WrongInputCount {
            expected: document.n_public,
            found: document.ic.len().saturating_sub(1),
        });
    }
    Ok(ark_groth16::VerifyingKey {
        alpha_g1: g1_from_strings("vk_alpha_1", &document.vk_alpha_1)?,
        beta_g2: g2_from_strings("vk_beta_2", &document.vk_beta_2)?,
        gamma_g2: g2_from_strings("vk_gamma_2", &document.vk_gamma_2)?,
        delta_g2: g2_from_strings("vk_delta_2", &document.vk_delta_2)?,
        gamma_abc_g1: document
            .ic
            .iter()
            .enumerate()
            .map(|(i, point)| g1_from_strings(&format!("IC[{i}]"), point))
            .collect::<Result<_, _>>()?,
    })
}

/// Parses a snarkjs Groth16 `proof.json`, validating every point.
///
/// # Errors
/// Malformed JSON, another protocol or curve, invalid points.
pub fn parse_proof(text: &str) -> Result<ark_groth16::Proof<Bn254>, ZkError> {
    let what = "snarkjs proof";
    let document: ProofJson =
        serde_json::from_str(text).map_err(|source| ZkError::Json { what, source })?;
    check_protocol(what, &document.protocol, &document.curve)?;
    document.points.to_ark()
}

/// Parses a snarkjs `public.json`: an array of decimal strings below the field modulus.
///
/// # Errors
/// Malformed JSON, or a signal that is not a canonical field element.
pub fn parse_public(text: &str) -> Result<Vec<Fr>, ZkError> {
    let signals: Vec<String> = serde_json::from_str(text).map_err(|source| ZkError::Json {
        what: "snarkjs public signals",
        source,
    })?;
    signals
        .iter()
        .enumerate()
        .map(|(i, signal)| field::parse_decimal(&format!("public signal #{i}"), signal))
        .collect()
}

/// Verifies a snarkjs proof natively.
///
/// # Errors
/// [`ZkError::WrongInputCount`] when the number of signals differs from `nPublic`,
/// [`ZkError::InvalidProof`] when the proof does not verify.
pub fn verify(
    key: &ark_groth16::VerifyingKey<Bn254>,
    proof: &ark_groth16::Proof<Bn254>,
    public: &[Fr],
) -> Result<(), ZkError> {
    let expected = key.gamma_abc_g1.len() - 1;
    if public.len() != expected {
        return Err(ZkError::WrongInputCount {
            expected,
            found: public.len(),
        });
    }
    let prepared = ark_groth16::prepare_verifying_key(key);
    if Groth16::<Bn254>::verify_with_processed_vk(&prepared, public, proof)? {
        Ok(())
    } else {
        Err(ZkError::InvalidProof)
    }
}
