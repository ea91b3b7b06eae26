//! The `zk` suite: Groth16 on BN254.
//!
//! - **Growth with constraint count**: setup, prove and verify of a synthetic chain
//!   circuit of exactly 2^k R1CS constraints (x_{i+1} = x_i², one public output), k from 2
//!   (tiny) over 6–12 (quick) to 10–18 (full), run through ark-groth16 as
//!   conclave-circuits runs its statements.
//! - **Batch verification against batch size**: `groth16::verify_batch` against one-by-one
//!   `groth16::verify` on the same distinct proofs of the 32-bit threshold statement,
//!   timed in alternation and reported as a paired ratio.
//! - **Peer** (`--compare`): snarkjs `groth16 verify` on the threshold proof exported as
//!   by `conclave zk export-snarkjs`, against `conclave zk verify-snarkjs` on the same
//!   files, both timed as fresh processes. snarkjs cannot prove this statement without a
//!   circom build of it, so only verification is compared.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};
use ark_bn254::{Bn254, Fr};
use ark_ff::Field;
use ark_groth16::Groth16;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use ark_relations::lc;
use ark_snark::SNARK;
use conclave_circuits::formats::snarkjs;
use conclave_circuits::groth16::{self, Proof};
use conclave_circuits::{Bounds, Direction, Opening, Statement};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::report::{plot, Measurement, PeerInfo};
use super::{run_checked, Key, Runner};

/// The plots this suite writes.
pub const PLOTS: &[&str] = &["zk-groth16-vs-constraints.svg", "zk-batch-verify.svg"];

/// x_{i+1} = x_i² for `steps` steps: one R1CS constraint per step, the last value public.
struct ChainCircuit {
    start: Option<Fr>,
    end: Option<Fr>,
    steps: usize,
}

impl ChainCircuit {
    /// For setup: no values.
    fn blank(steps: usize) -> Self {
        ChainCircuit {
            start: None,
            end: None,
            steps,
        }
    }

    /// With the witness `start` and its public end value.
    fn with_witness(start: Fr, steps: usize) -> Self {
        let end = (0..steps).fold(start, |x, _| x.square());
        ChainCircuit {
            start: Some(start),
            end: Some(end),
            steps,
        }
    }
}

impl ConstraintSynthesizer<Fr> for ChainCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let mut value = self.start;
        let mut x = cs.new_witness_variable(|| value.ok_or(SynthesisError::AssignmentMissing))?;
        for step in 0..self.steps {
            value = value.map(|v| v.square());
            let y = if step + 1 == self.steps {
                cs.new_input_variable(|| self.end.ok_or(SynthesisError::AssignmentMissing))?
            } else {
                cs.new_witness_variable(|| value.ok_or(SynthesisError::AssignmentMissing))?
            };
            cs.enforce_r1cs_constraint(|| lc!() + x, || lc!() + x, || lc!() + y)?;
            x = y;
        }
        Ok(())
    }
}

/// Runs the suite.
///
/// # Errors
/// A proof that fails to verify (a bug, reported as such), or a peer that rejects ours.
pub fn run(runner: &mut Runner) -> anyhow::Result<()> {
    let mode = runner.mode();
    let exponents: Vec<u32> =
        mode.pick(vec![2, 3, 4], vec![6, 8, 10, 12], vec![10, 12, 14, 16, 18]);
    let (setup_n, prove_n, verify_n) = mode.pick((2, 3, 3), (5, 5, 5), (3, 5, 10));
    let batches: Vec<usize> = mode.pick(vec![1, 2, 4], vec![1, 4, 16], vec![1, 4, 16, 64, 256]);
    let batch_n = mode.pick(3, 5, 10);
    let peer_n = mode.pick(2, 3, 10);
    let chain_samples = exponents.len() * (setup_n + prove_n + verify_n);
    let batch_samples = batches.len() * 2 * batch_n;
    let peer_samples = if runner.compare() { 2 * peer_n } else { 0 };
    runner.plan((chain_samples + batch_samples + peer_samples) as u64);
    let mut rng = ChaCha20Rng::seed_from_u64(runner.seed());

    for k in exponents {
        let steps = 1usize << k;
        let size = steps as u64;
        let key = |operation| Key {
            operation,
            series: "conclave",
            parameter: "constraints",
            size,
        };
        let mut keys = None;
        let samples = runner.time(setup_n, || {
            let pair =
                Groth16::<Bn254>::circuit_specific_setup(ChainCircuit::blank(steps), &mut rng)?;
            keys = Some(pair);
            Ok(())
        })?;
        runner.record(key("setup"), samples)?;
        let (pk, vk) = keys.context("setup ran")?;
        let pvk = Groth16::<Bn254>::process_vk(&vk)?;
        let start = Fr::from(3u64) + Fr::from(rand::Rng::gen::<u64>(&mut rng));
        let end = (0..steps).fold(start, |x, _| x.square());
        let mut proof = None;
        let samples = runner.time(prove_n, || {
            proof = Some(Groth16::<Bn254>::prove(
                &pk,
                ChainCircuit::with_witness(start, steps),
                &mut rng,
            )?);
            Ok(())
        })?;
        runner.record(key("prove"), samples)?;
        let proof = proof.context("prove ran")?;
        let samples = runner.time(verify_n, || {
            if !Groth16::<Bn254>::verify_with_processed_vk(&pvk, &[end], &proof)? {
                bail!("the chain proof of 2^{k} constraints does not verify (a bug)");
            }
            Ok(())
        })?;
        runner.record(key("verify"), samples)?;
    }

    // Batch verification on distinct proofs of the 32-bit threshold statement.
    let most = batches.iter().copied().max().unwrap_or(1);
    let batch_proofs = runner.keep("threshold proofs to verify", |_| {
        let statement = Statement::threshold(32, Direction::AtLeast)?;
        let (pk, vk) = groth16::setup(statement, &mut rng)?;
        let proofs: Vec<Proof> = (0..most as u64)
            .map(|i| {
                let opening = Opening::random(700 + i, &mut rng);
                groth16::prove(&pk, &opening, Bounds::Threshold(650), &mut rng)
            })
            .collect::<Result<_, _>>()?;
        Ok((vk, proofs))
    })?;
    let (vk, proofs) = &*batch_proofs;
    for size in batches {
        let batch = &proofs[..size];
        let key = |series| Key {
            operation: "verify-batch",
            series,
            parameter: "proofs",
            size: size as u64,
        };
        // One discarded pair first (the series' warm-up).
        runner.warm_up(|| Ok(groth16::verify_batch(vk, batch, &mut rng)?))?;
        runner.warm_up(|| {
            for proof in batch {
                groth16::verify(vk, proof)?;
            }
            Ok(())
        })?;
        let (together, each) = runner.alternate(
            batch_n,
            &mut rng,
            |rng| groth16::verify_batch(vk, batch, rng).map_err(anyhow::Error::from),
            |_| {
                for proof in batch {
                    groth16::verify(vk, proof)?;
                }
                Ok(())
            },
        )?;
        runner.ratio(
            &key("batch"),
            &key("one-by-one"),
            &together,
            &each,
            "verify_batch / verify in a loop, same proofs, alternating (a b, b a, …)",
        )?;
        runner.record(key("batch"), together)?;
        runner.record(key("one-by-one"), each)?;
    }

    if runner.compare() {
        compare_snarkjs(runner, vk, &proofs[0], peer_n)?;
    } else {
        runner.skip("snarkjs", "not requested (pass --compare)");
    }
    Ok(())
}

/// Where snarkjs is: `$CONCLAVE_SNARKJS` (its `build/cli.cjs`), else
/// `interop/node_modules/snarkjs/build/cli.cjs` in the current folder or one above it.
fn find_snarkjs() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("CONCLAVE_SNARKJS") {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("CONCLAVE_SNARKJS={} is not a file", path.display()))
        };
    }
    let cwd = std::env::current_dir().map_err(|e| format!("no current folder: {e}"))?;
    cwd.ancestors()
        .map(|dir| dir.join("interop/node_modules/snarkjs/build/cli.cjs"))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            "not found: no interop/node_modules/snarkjs here or above (run `npm ci --prefix \
             interop` in the source tree, or set CONCLAVE_SNARKJS to snarkjs' build/cli.cjs)"
                .to_owned()
        })
}

/// The `version` of the snarkjs package holding `cli` (`…/snarkjs/build/cli.cjs`).
pub(super) fn snarkjs_version(cli: &Path) -> String {
    cli.parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("package.json"))
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|v| v.get("version")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// snarkjs' `build/cli.cjs` and `node --version`, or `None` after recording in `runner`
/// why the snarkjs peer is skipped.
pub(super) fn snarkjs_peer(runner: &mut Runner) -> Option<(PathBuf, String)> {
    let cli = match find_snarkjs() {
        Ok(cli) => cli,
        Err(reason) => {
            runner.skip("snarkjs", &reason);
            return None;
        }
    };
    let Some(node) = node_version() else {
        runner.skip("snarkjs", "node is not on PATH");
        return None;
    };
    Some((cli, node))
}

/// `node --version`, or `None` when node does not run.
fn node_version() -> Option<String> {
    match Command::new("node").arg("--version").output() {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).trim().to_owned()),
        _ => None,
    }
}

fn compare_snarkjs(
    runner: &mut Runner,
    vk: &groth16::VerifyingKey,
    proof: &Proof,
    n: usize,
) -> anyhow::Result<()> {
    let Some((cli, node)) = snarkjs_peer(runner) else {
        return Ok(());
    };
    let exe = std::env::current_exe().context("cannot locate the conclave binary")?;
    let dir = tempfile::Builder::new()
        .prefix("conclave-bench-snarkjs-")
        .tempdir()?;
    let files = snarkjs::export(vk, proof)?;
    let names = ["verification_key.json", "public.json", "proof.json"];
    for (name, text) in names
        .iter()
        .zip([&files.verification_key, &files.public, &files.proof])
    {
        std::fs::write(dir.path().join(name), text)?;
    }
    let mut peer = Command::new("node");
    peer.arg(&cli)
        .args(["groth16", "verify"])
        .args(names)
        .current_dir(dir.path());
    let mut ours = Command::new(&exe);
    // verify-snarkjs takes: verification key, proof, public signals.
    ours.args(["zk", "verify-snarkjs"])
        .arg(dir.path().join(names[0]))
        .arg(dir.path().join(names[2]))
        .arg(dir.path().join(names[1]));
    let key = |series| Key {
        operation: "verify-snarkjs-files",
        series,
        parameter: "proofs",
        size: 1,
    };
    // One discarded pair first: the files and both programs in the page cache.
    runner.warm_up(|| run_checked(&mut peer, "snarkjs groth16 verify of the exported proof"))?;
    runner.warm_up(|| {
        run_checked(
            &mut ours,
            "conclave zk verify-snarkjs of the exported proof",
        )
    })?;
    let (theirs, mine) = runner.alternate(
        n,
        &mut (peer, ours),
        |(peer, _)| run_checked(peer, "snarkjs groth16 verify of the exported proof"),
        |(_, ours)| run_checked(ours, "conclave zk verify-snarkjs of the exported proof"),
    )?;
    runner.ratio(
        &key("snarkjs"),
        &key("conclave"),
        &theirs,
        &mine,
        "both as fresh processes (node or conclave start-up included), alternating",
    )?;
    runner.record(key("snarkjs"), theirs)?;
    runner.record(key("conclave"), mine)?;
    runner.peers.push(PeerInfo {
        suite: "zk".to_owned(),
        name: "snarkjs".to_owned(),
        version: format!("{} (node {node})", snarkjs_version(&cli)),
        path: cli.display().to_string(),
    });
    Ok(())
}

/// The suite's plots.
pub fn plots(measurements: &[Measurement]) -> Vec<(String, String)> {
    vec![
        (
            PLOTS[0].to_owned(),
            plot(
                measurements,
                "zk",
                "constraints",
                &["setup", "prove", "verify"],
                "Groth16 (BN254) against constraint count",
                "constraints",
            ),
        ),
        (
            PLOTS[1].to_owned(),
            plot(
                measurements,
                "zk",
                "proofs",
                &["verify-batch"],
                "Groth16 batch verification against batch size",
                "proofs in the batch",
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_relations::gr1cs::ConstraintSystem;

    #[test]
    fn the_chain_has_one_constraint_per_step_and_is_satisfied() {
        for steps in [1usize, 2, 16] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            ChainCircuit::with_witness(Fr::from(5u64), steps)
                .generate_constraints(cs.clone())
                .expect("synthesizes");
            assert_eq!(cs.num_constraints(), steps);
            assert!(cs.is_satisfied().expect("checkable"));
        }
        // A wrong public end value is not satisfied.
        let cs = ConstraintSystem::<Fr>::new_ref();
        let mut wrong = ChainCircuit::with_witness(Fr::from(5u64), 4);
        wrong.end = Some(Fr::from(7u64));
        wrong.generate_constraints(cs.clone()).expect("synthesizes");
        assert!(!cs.is_satisfied().expect("checkable"));
    }
}
