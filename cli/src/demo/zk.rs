//! The zero-knowledge chapter of `conclave demo` (it drives the same library calls as
//! `conclave zk …`).

use conclave_circuits::groth16::{self, Proof};
use conclave_circuits::{Bounds, Direction, Opening, Statement, ZkError};
use rand::rngs::OsRng;

use super::Story;
use crate::cmd::zk::{key_paths, read_proof};
use crate::fsio::WritePolicy;

/// The zero-knowledge chapter of the demo: commit, prove ≥ 650, verify, reject tampering.
pub fn chapter(story: &mut Story) -> anyhow::Result<()> {
    story.chapter("Zero knowledge: the applicant proves her score is at least 650")?;
    let statement = Statement::threshold(32, Direction::AtLeast)?;
    let (pk, vk) = story.step(
        "the lender generates Groth16 keys for 'score >= T' (32-bit)",
        || Ok(groth16::setup(statement, &mut OsRng)?),
    )?;
    let (pk_path, vk_path) = key_paths(&story.path("keys"), statement);
    // The demo writes into its own fresh folder.
    let files = WritePolicy::NO_OVERWRITE;
    files.write_public(&pk_path, &pk.to_bytes())?;
    files.write_public(&vk_path, &vk.to_bytes())?;

    let secret_path = story.path("applicant/secret.json");
    let opening = story.step(
        "the applicant commits to her score 712 (secret kept 0600)",
        || {
            let opening = Opening::random(712, &mut OsRng);
            files.write_secret(&secret_path, opening.to_secret_json().as_bytes())?;
            Ok(opening)
        },
    )?;
    let proof = story.step(
        "she proves 'committed score >= 650' without revealing it",
        || {
            Ok(groth16::prove(
                &pk,
                &opening,
                Bounds::Threshold(650),
                &mut OsRng,
            )?)
        },
    )?;
    let proof_path = story.path("applicant/proof.json");
    files.write_public(&proof_path, proof.to_json().as_bytes())?;

    let received = read_proof(&proof_path)?;
    story.step(
        "the lender verifies the proof against the commitment",
        || Ok(groth16::verify(&vk, &received)?),
    )?;
    story.step(
        "she cannot prove 'score >= 750': the prover refuses",
        || {
            let refused = groth16::prove(&pk, &opening, Bounds::Threshold(750), &mut OsRng);
            anyhow::ensure!(
                matches!(refused, Err(ZkError::Unsatisfied { .. })),
                "a score of 712 must not be provable as >= 750"
            );
            Ok(())
        },
    )?;
    story.step("a proof with one flipped bit is rejected", || {
        let mut tampered = received.to_bytes();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        let outcome = Proof::from_bytes(&tampered).and_then(|proof| groth16::verify(&vk, &proof));
        anyhow::ensure!(outcome.is_err(), "a tampered proof must be rejected");
        Ok(())
    })?;

    story.artifacts.insert("zk.vk", vk_path);
    story.artifacts.insert("zk.pk", pk_path);
    story.artifacts.insert("zk.secret", secret_path);
    story.artifacts.insert("zk.proof", proof_path);
    Ok(())
}
