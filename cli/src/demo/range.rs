//! The range-proof chapter of `conclave demo` (it drives the same library calls as
//! `conclave range …`).

use conclave_circuits::bulletproof::{Claim, Commitment, Generators, Opening, RangeProof};
use conclave_circuits::claim::Requirement;
use rand::rngs::OsRng;

use super::Story;
use crate::cmd::range::{read_opening, read_proof, write_commitment, write_opening};
use crate::fsio::WritePolicy;

/// The range-proof chapter of the demo: three lenders commit to what a customer owes them,
/// anyone adds the commitments, the customer proves the total is within her credit limit,
/// a verifier checks it, and a tampered proof fails.
pub fn chapter(story: &mut Story) -> anyhow::Result<()> {
    const LIMIT: u64 = 50_000;
    story.chapter("Range proofs: total debt under a limit (Bulletproofs, no trusted setup)")?;
    let gens = story.step(
        "Build Ristretto generators (hash-to-curve, no setup)",
        || Ok(Generators::new(2)?),
    )?;
    let lenders = [
        ("lender-a", 18_000u64),
        ("lender-b", 12_500),
        ("lender-c", 9_000),
    ];
    // The demo writes into its own fresh folder.
    let files = WritePolicy::NO_OVERWRITE.plan(&[], &[])?;
    let mut commitments = Vec::new();
    let mut opening_files = Vec::new();
    for (name, owed) in lenders {
        let opening_path = story.path(&format!("range/{name}-opening.json"));
        let commitment_path = story.path(&format!("range/{name}-commitment.json"));
        let commitment = story.step(
            &format!("{name} commits to the {owed} the customer owes"),
            || {
                let opening = Opening::random(owed, &mut OsRng);
                write_opening(&files, &opening_path, &opening, false)?;
                write_commitment(&files, &commitment_path, &opening.commitment(), false)?;
                Ok(opening.commitment())
            },
        )?;
        commitments.push(commitment);
        opening_files.push(opening_path);
    }
    let total_path = story.path("range/total-commitment.json");
    let total = story.step("Anyone adds the three public commitments", || {
        let total = Commitment::sum(&commitments);
        write_commitment(&files, &total_path, &total, false)?;
        Ok(total)
    })?;
    let total_opening_path = story.path("range/total-opening.json");
    story.step(
        "Customer adds the three openings the lenders gave her",
        || {
            let openings = opening_files
                .iter()
                .map(|p| read_opening(p))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let sum = Opening::sum(&openings)?;
            sum.check_opens(&total)?;
            write_opening(&files, &total_opening_path, &sum, false)
        },
    )?;
    let proof_path = story.path("range/total-debt-proof.json");
    let proof = story.step(
        &format!("Customer proves 0 ≤ total ≤ {LIMIT} (interval Bulletproof)"),
        || {
            let opening = read_opening(&total_opening_path)?;
            let proof = RangeProof::prove_interval(&gens, &opening, 0, LIMIT, None, &mut OsRng)?;
            files.write_public(&proof_path, proof.to_json().as_bytes())?;
            Ok(proof)
        },
    )?;
    story.step(
        &format!(
            "Verifier: proof is about the summed commitment, {} bytes, valid",
            proof.proof_bytes().len()
        ),
        || {
            let proof = read_proof(&proof_path)?;
            let claim = Claim {
                commitments: Some(vec![total]),
                bounds: Requirement {
                    min: None,
                    max: Some(LIMIT),
                },
            };
            claim.check(&proof)?;
            proof.verify(&gens, &mut OsRng)?;
            Ok(())
        },
    )?;
    let rejected = story.step("A tampered proof (one byte flipped) is rejected", || {
        let mut bytes = proof.to_bytes();
        let last = bytes.len() - 40;
        bytes[last] ^= 1;
        Ok(match RangeProof::from_bytes(&bytes) {
            Ok(tampered) => tampered.verify(&gens, &mut OsRng).is_err(),
            Err(_) => true,
        })
    })?;
    story.expect(rejected, "a tampered range proof is rejected")?;
    story.artifacts.insert("range.proof", proof_path);
    story.artifacts.insert("range.total", total_path);
    Ok(())
}
