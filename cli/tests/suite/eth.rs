//! `conclave zk export-solidity|calldata` and `conclave eth deploy|verify` against a real
//! node: anvil from `interop/package-lock.json` (`@foundry-rs/anvil`; its platform
//! package's binary is started directly on a free loopback port and stopped by pid).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use conclave_eth::devnode::{anvil_binary, DevNode, DANGER_ANVIL_DEV_KEY};
use serde_json::Value;

use crate::common::{expect, json, refused, stdout};

/// anvil's first development account (public knowledge: test chains only).
const DEV_KEY: &str = DANGER_ANVIL_DEV_KEY;
/// The BN254 group order r.
const R: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";

fn interop() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop/node_modules")
}

/// anvil from interop/node_modules (installed by the README's test command).
pub(crate) fn anvil() -> DevNode {
    let binary = anvil_binary(&interop()).expect(
        "anvil is not installed: run `npm ci --prefix interop` (the README's test command does)",
    );
    DevNode::start(&binary).expect("anvil starts")
}

/// Commit to 712, threshold and range keys, a threshold proof (>= 650) and a range proof
/// (600..=800), the deployer key file (0600), and an anvil.
fn scenario() -> (tempfile::TempDir, DevNode) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    expect(d, 0, "zk commit --value 712 --out secret.json");
    for statement in ["threshold", "range"] {
        expect(
            d,
            0,
            &format!("zk setup --statement {statement} --bits 32 --out keys"),
        );
    }
    expect(
        d,
        0,
        "zk prove --pk keys/threshold.pk --secret secret.json --threshold 650 --out proof.json",
    );
    expect(
        d,
        0,
        "zk prove --pk keys/range.pk --secret secret.json --min 600 --max 800 --out range.json",
    );
    write_secret(&d.join("deployer.key"), DEV_KEY);
    (dir, anvil())
}

pub(crate) fn write_secret(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// Deploys the verifier for `vk` and returns its address.
fn deploy(d: &Path, anvil: &DevNode, vk: &str) -> String {
    let output = expect(
        d,
        0,
        &format!(
            "--json eth deploy verifier --vk {vk} --rpc {} --eth-key deployer.key",
            anvil.url()
        ),
    );
    let report = json(&output);
    let gas = report["gas_used"].as_u64().unwrap();
    assert!(gas > 100_000);
    println!("deploying the verifier for {vk}: {gas} gas");
    report["address"].as_str().unwrap().to_owned()
}

fn verify(d: &Path, anvil: &DevNode, contract: &str, what: &str, want: i32) -> Value {
    json(&expect(
        d,
        want,
        &format!(
            "--json eth verify --rpc {} --contract {contract} {what}",
            anvil.url()
        ),
    ))
}

/// Our `zk calldata` for `proof`, parsed as JSON (the four arrays).
fn calldata(d: &Path, proof: &str) -> Vec<Value> {
    let text = stdout(&expect(d, 0, &format!("zk calldata --proof {proof}")));
    serde_json::from_str(&format!("[{}]", text.trim())).unwrap()
}

fn write_calldata(path: &Path, parts: &[Value]) {
    let text = serde_json::to_string(parts).unwrap();
    std::fs::write(path, &text[1..text.len() - 1]).unwrap();
}

fn hex_add(a: &str, b: &str) -> String {
    // Adds two numbers given as 0x-hex and decimal (test-only 256-bit limbs).
    let a = num_from_hex(a);
    let b: Vec<u64> = decimal_to_limbs(b);
    let mut out = [0u64; 4];
    let mut carry = 0u128;
    for (i, limb) in out.iter_mut().enumerate() {
        let sum = u128::from(a[i]) + u128::from(b[i]) + carry;
        *limb = sum as u64;
        carry = sum >> 64;
    }
    assert_eq!(carry, 0);
    format!(
        "0x{:016x}{:016x}{:016x}{:016x}",
        out[3], out[2], out[1], out[0]
    )
}

fn num_from_hex(text: &str) -> [u64; 4] {
    let digits = format!("{:0>64}", text.trim_start_matches("0x"));
    let mut limbs = [0u64; 4];
    for (i, limb) in limbs.iter_mut().enumerate() {
        let start = 64 - 16 * (i + 1);
        *limb = u64::from_str_radix(&digits[start..start + 16], 16).unwrap();
    }
    limbs
}

fn decimal_to_limbs(text: &str) -> Vec<u64> {
    let mut limbs = vec![0u64; 4];
    for digit in text.bytes() {
        let mut carry = u128::from(digit - b'0');
        for limb in limbs.iter_mut() {
            let value = u128::from(*limb) * 10 + carry;
            *limb = value as u64;
            carry = value >> 64;
        }
        assert_eq!(carry, 0);
    }
    limbs
}

#[test]
fn verifier_on_anvil_accepts_valid_proofs_and_refuses_tampered_ones() {
    let (dir, anvil) = scenario();
    let d = dir.path();
    let contract = deploy(d, &anvil, "keys/threshold.vk");
    let valid = verify(
        d,
        &anvil,
        &contract,
        "--proof proof.json --send-with deployer.key",
        0,
    );
    assert_eq!(valid["valid"], true);
    let estimate = valid["gas"].as_u64().unwrap();
    let gas = valid["gas_used"].as_u64().unwrap();
    let snarkjs = snarkjs_gas(d, &anvil, "keys/threshold.vk", "proof.json");
    assert!(
        gas <= snarkjs,
        "2 inputs: ours {gas} gas, snarkjs's {snarkjs}"
    );
    // The estimate is enough (the contract reverts rather than returning false when a
    // precompile runs out of gas, so the node's search cannot settle too low).
    assert!(estimate >= gas, "estimate {estimate} < used {gas}");

    let parts = calldata(d, "proof.json");
    let edited = |edit: &dyn Fn(&mut Vec<Value>)| {
        let mut parts = parts.clone();
        edit(&mut parts);
        write_calldata(&d.join("edited.txt"), &parts);
    };
    // The same proof as calldata: valid.
    edited(&|_| {});
    assert_eq!(
        verify(d, &anvil, &contract, "--calldata edited.txt", 0)["valid"],
        true
    );
    // Another threshold (651): the pairing fails, verifyProof returns false.
    edited(&|p| p[3][1] = Value::from(format!("0x{:064x}", 651)));
    let invalid = verify(d, &anvil, &contract, "--calldata edited.txt", 1);
    assert_eq!(invalid["valid"], false);
    assert!(invalid["refused"].is_null());
    // The threshold plus r (the same value mod r): refused, not accepted.
    let plus_r = hex_add(parts[3][1].as_str().unwrap(), R);
    edited(&|p| p[3][1] = Value::from(plus_r.clone()));
    let refused_r = verify(d, &anvil, &contract, "--calldata edited.txt", 1);
    assert!(
        refused_r["refused"]
            .as_str()
            .unwrap()
            .contains("InputNotInField: public input #1"),
        "{refused_r}"
    );
    // A point off the curve (C.y + 1): the precompile refuses it, the contract reverts.
    let c_y = hex_add(parts[2][1].as_str().unwrap(), "1");
    edited(&|p| p[2][1] = Value::from(c_y.clone()));
    let refused_point = verify(d, &anvil, &contract, "--calldata edited.txt", 1);
    assert!(
        refused_point["refused"]
            .as_str()
            .unwrap()
            .contains("MalformedProof"),
        "{refused_point}"
    );
    // Swapped B coordinates (arkworks' c0, c1 order instead of the EVM's): false or revert.
    edited(&|p| {
        let b = p[1].as_array_mut().unwrap();
        for row in b.iter_mut() {
            row.as_array_mut().unwrap().swap(0, 1);
        }
    });
    assert_eq!(
        verify(d, &anvil, &contract, "--calldata edited.txt", 1)["valid"],
        false
    );
    // One input too many: the 3-input overload is refused by a 2-input key.
    edited(&|p| p[3].as_array_mut().unwrap().push(Value::from("0x01")));
    let wrong_count = verify(d, &anvil, &contract, "--calldata edited.txt", 1);
    assert!(
        wrong_count["refused"]
            .as_str()
            .unwrap()
            .contains("takes 2 public inputs, the call gave 3"),
        "{wrong_count}"
    );
    // A range proof sent to the threshold verifier: refused (3 inputs).
    verify(d, &anvil, &contract, "--proof range.json", 1);

    // The range key (3 public inputs) has its own deployment of the same bytecode.
    let range = deploy(d, &anvil, "keys/range.vk");
    let report = verify(
        d,
        &anvil,
        &range,
        "--proof range.json --send-with deployer.key",
        0,
    );
    let range_gas = report["gas_used"].as_u64().unwrap();
    let range_snarkjs = snarkjs_gas(d, &anvil, "keys/range.vk", "range.json");
    assert!(
        range_gas > gas && range_gas <= range_snarkjs,
        "3 inputs: ours {range_gas} gas, snarkjs's {range_snarkjs}"
    );
    println!(
        "gas used: 2 inputs {gas} (estimate {estimate}, snarkjs {snarkjs}), \
         3 inputs {range_gas} (estimate {}, snarkjs {range_snarkjs})",
        report["gas"]
    );
}

/// Gas used by snarkjs's own verifier for `vk` (rendered from its template, compiled with
/// the same solc and settings, deployed on the same node) verifying `proof`'s calldata.
fn snarkjs_gas(d: &Path, anvil: &DevNode, vk: &str, proof: &str) -> u64 {
    let out = d.join(format!("snarkjs-{proof}"));
    expect(
        d,
        0,
        &format!(
            "zk export-snarkjs --vk {vk} --proof {proof} --out {}",
            out.display()
        ),
    );
    let text = stdout(&expect(d, 0, &format!("zk calldata --proof {proof}")));
    std::fs::write(out.join("calldata.txt"), text).unwrap();
    let run = Command::new("node")
        .arg(interop().join("../snarkjs-verifier-gas.mjs"))
        .args([anvil.url(), "verification_key.json", "calldata.txt"])
        .current_dir(&out)
        .output()
        .expect("node runs");
    assert!(run.status.success(), "{run:?}");
    let report: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(
        report["valid"], true,
        "snarkjs's verifier accepts our proof"
    );
    report["gas_used"].as_u64().unwrap()
}

#[test]
fn our_calldata_matches_snarkjs_and_its_calldata_verifies_on_chain() {
    let (dir, anvil) = scenario();
    let d = dir.path();
    expect(
        d,
        0,
        "zk export-snarkjs --vk keys/threshold.vk --proof proof.json --out snarkjs",
    );
    let verified = Command::new("node")
        .arg(interop().join("snarkjs/build/cli.cjs"))
        .args([
            "groth16",
            "verify",
            "verification_key.json",
            "public.json",
            "proof.json",
        ])
        .current_dir(d.join("snarkjs"))
        .output()
        .expect("node runs");
    assert!(
        String::from_utf8_lossy(&verified.stdout).contains("OK"),
        "snarkjs verifies the export: {verified:?}"
    );
    let snarkjs = Command::new("node")
        .arg(interop().join("snarkjs/build/cli.cjs"))
        .args([
            "zkey",
            "export",
            "soliditycalldata",
            "public.json",
            "proof.json",
        ])
        .current_dir(d.join("snarkjs"))
        .output()
        .expect("node runs");
    assert!(snarkjs.status.success(), "{snarkjs:?}");
    let theirs = String::from_utf8(snarkjs.stdout).unwrap();
    let ours = stdout(&expect(d, 0, "zk calldata --proof proof.json"));
    assert_eq!(ours, theirs, "byte for byte, final newline included");

    std::fs::write(d.join("snarkjs.txt"), &theirs).unwrap();
    let contract = deploy(d, &anvil, "keys/threshold.vk");
    assert_eq!(
        verify(d, &anvil, &contract, "--calldata snarkjs.txt", 0)["valid"],
        true
    );
}

#[test]
fn export_solidity_writes_the_pinned_source_and_deployment_data() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    expect(d, 0, "zk setup --statement threshold --bits 16 --out keys");
    let report = json(&expect(
        d,
        0,
        "--json zk export-solidity --vk keys/threshold.vk --out Verifier.sol",
    ));
    assert_eq!(report["public_inputs"], 2);
    let source = std::fs::read_to_string(d.join("Verifier.sol")).unwrap();
    let committed = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../eth/contracts/ConclaveGroth16Verifier.sol"),
    )
    .unwrap();
    assert_eq!(source, committed);
    let deploy: Value =
        serde_json::from_slice(&std::fs::read(d.join("Verifier.deploy.json")).unwrap()).unwrap();
    let bytecode = deploy["bytecode"].as_str().unwrap();
    let args = deploy["constructor_args"].as_str().unwrap();
    assert_eq!(
        deploy["deploy_data"].as_str().unwrap(),
        format!("{bytecode}{}", &args[2..])
    );
    // alpha (2) + beta, gamma, delta (4 each) + offset, length, 3 IC points (6): 22 words.
    assert_eq!(args.len(), 2 + 64 * 22);
    // No overwrite without --force.
    refused(
        d,
        "zk export-solidity --vk keys/threshold.vk --out Verifier.sol",
        "--force",
    );
    expect(
        d,
        0,
        "--force zk export-solidity --vk keys/threshold.vk --out Verifier.sol",
    );
    // Bad input: a deployment key file others can read is refused before any network use.
    std::fs::write(d.join("open.key"), DEV_KEY).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d.join("open.key"), std::fs::Permissions::from_mode(0o644))
            .unwrap();
        refused(
            d,
            "eth deploy verifier --vk keys/threshold.vk --rpc http://127.0.0.1:9 --eth-key open.key",
            "open.key",
        );
    }
}

#[test]
fn repeated_proofs_verify_as_one_batch_and_the_registry_deploys() {
    let (dir, anvil) = scenario();
    let d = dir.path();
    for (threshold, out) in [(700, "p2.json"), (600, "p3.json")] {
        expect(
            d,
            0,
            &format!(
                "zk prove --pk keys/threshold.pk --secret secret.json --threshold {threshold} --out {out}"
            ),
        );
    }
    let contract = deploy(d, &anvil, "keys/threshold.vk");
    let batch = verify(
        d,
        &anvil,
        &contract,
        "--proof proof.json --proof p2.json --proof p3.json --send-with deployer.key",
        0,
    );
    assert_eq!(batch["valid"], true);
    assert_eq!(batch["proofs"], 3);
    let gas = batch["gas_used"].as_u64().unwrap();
    println!("gas used, verifyBatch of 3 through the CLI: {gas}");
    // A proof of another key in the batch: false (exit 1), not refused.
    expect(d, 0, "zk setup --statement threshold --bits 32 --out other");
    expect(
        d,
        0,
        "zk prove --pk other/threshold.pk --secret secret.json --threshold 650 --out foreign.json",
    );
    let foreign = verify(
        d,
        &anvil,
        &contract,
        "--proof proof.json --proof foreign.json",
        1,
    );
    assert_eq!(foreign["valid"], false);
    assert!(foreign["refused"].is_null(), "{foreign}");
    // Proofs with different input counts cannot share a key: refused before the node.
    refused(
        d,
        &format!(
            "eth verify --rpc {} --contract {contract} --proof proof.json --proof range.json",
            anvil.url()
        ),
        "public inputs",
    );

    let registry = json(&expect(
        d,
        0,
        &format!(
            "--json eth deploy registry --rpc {} --eth-key deployer.key",
            anvil.url()
        ),
    ));
    assert_eq!(
        registry["owner"].as_str().unwrap().to_lowercase(),
        "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
    );
    println!(
        "deploying the registry: {} gas",
        registry["gas_used"].as_u64().unwrap()
    );
}

const PREDICATE: &str = "bureau.score >= 650 && bank.debt < 20000 && bank.income >= 3 * bank.debt";

/// Today (UTC) as `YYYY-MM-DD`: the day anvil's blocks carry.
fn today() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    conclave_circuits::credential::Days::new(seconds / 86_400, "today")
        .unwrap()
        .to_string()
}

/// [`credential_files`] and the predicate's keys (`keys/`).
fn credential_world(d: &Path) {
    credential_files(d);
    predicate_setup(d, "keys", "");
}

/// Issuer keys (bureau, bank, an impostor), Alice's and Bob's holder keys, their two
/// credentials each and a score credential of Alice's the impostor signed.
fn credential_files(d: &Path) {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/data");
    for name in [
        "credit-score.schema.json",
        "bank-account.schema.json",
        "alice-score.json",
        "alice-bank.json",
    ] {
        std::fs::copy(data.join(name), d.join(name)).unwrap();
    }
    for issuer in ["bureau", "bank", "impostor"] {
        expect(d, 0, &format!("cred issuer-keygen --out {issuer}"));
    }
    for holder in ["alice", "bob"] {
        expect(d, 0, &format!("cred holder-keygen --out {holder}"));
    }
    for (issuer, schema, attributes, holder, out) in [
        ("bureau", "credit-score", "alice-score", "alice", "score"),
        ("bank", "bank-account", "alice-bank", "alice", "bank"),
        (
            "impostor",
            "credit-score",
            "alice-score",
            "alice",
            "impostor",
        ),
        ("bureau", "credit-score", "alice-score", "bob", "bob-score"),
        ("bank", "bank-account", "alice-bank", "bob", "bob-bank"),
    ] {
        expect(
            d,
            0,
            &format!(
                "cred issue --issuer-key {issuer}/issuer.key --schema {schema}.schema.json \
                 --attributes {attributes}.json --holder {holder}/holder.pub.json \
                 --issued 2026-01-01 --expires 2030-12-31 --out {out}.cred.json"
            ),
        );
    }
}

/// `zk setup` of [`PREDICATE`] over the bureau and bank schemas into `out`, with `flags`.
fn predicate_setup(d: &Path, out: &str, flags: &str) -> Value {
    let setup = format!(
        "--json zk setup --out {out} --schema bureau=credit-score.schema.json \
         --schema bank=bank-account.schema.json {flags} --predicate"
    );
    let mut args: Vec<&str> = setup.split_whitespace().collect();
    args.push(PREDICATE);
    let output = crate::common::command()
        .current_dir(d)
        .args(&args)
        .output()
        .unwrap();
    crate::common::assert_success(&output);
    json(&output)
}

/// `zk prove` of the predicate by Alice with the bureau credential `score` in `scope`, today.
fn prove_predicate(d: &Path, score: &str, scope: &str, out: &str) {
    prove_as(d, "alice", score, "bank", scope, out);
}

fn prove_as(d: &Path, holder: &str, score: &str, bank: &str, scope: &str, out: &str) {
    expect(
        d,
        0,
        &format!(
            "zk prove --pk keys/predicate.pk --credential bureau={score}.cred.json \
             --credential bank={bank}.cred.json --holder-key {holder}/holder.key --scope {scope} \
             --param now={} --out {out}",
            today()
        ),
    );
}

#[test]
fn registry_accepts_a_real_predicate_proof_once_and_refuses_what_its_policy_does_not_allow() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    credential_world(d);
    write_secret(&d.join("deployer.key"), DEV_KEY);
    let anvil = anvil();
    let rpc = anvil.url();
    prove_predicate(d, "score", "lender-x/2026", "proof.json");
    prove_predicate(d, "score", "lender-x/2026", "again.json");
    prove_predicate(d, "impostor", "lender-x/2026", "impostor.json");
    prove_predicate(d, "score", "lender-y/2026", "other-scope.json");
    prove_as(
        d,
        "bob",
        "bob-score",
        "bob-bank",
        "lender-x/2026",
        "bob.json",
    );

    // The predicate key and proof on chain: 2 issuer keys × 2, $now, scope, nullifier.
    refused(
        d,
        "zk calldata --proof proof.json",
        "give its verifying key with --vk",
    );
    let parts = calldata_with(d, "--proof proof.json --vk keys/predicate.vk");
    assert_eq!(parts[3].as_array().unwrap().len(), 7);
    let batch = json(&expect(
        d,
        0,
        "--json zk calldata --batch --proof proof.json --proof again.json --vk keys/predicate.vk",
    ));
    let text: Vec<Value> =
        serde_json::from_str(&format!("[{}]", batch["calldata"].as_str().unwrap())).unwrap();
    assert_eq!(text[0].as_array().unwrap().len(), 2);
    assert_eq!(text[1].as_array().unwrap().len(), 14);
    let export = json(&expect(
        d,
        0,
        "--json zk export-solidity --vk keys/predicate.vk --out Verifier.sol",
    ));
    assert_eq!(export["public_inputs"], 7);
    let verifier = deploy(d, &anvil, "keys/predicate.vk");
    let single = verify(
        d,
        &anvil,
        &verifier,
        "--vk keys/predicate.vk --proof proof.json --send-with deployer.key",
        0,
    );
    println!(
        "gas used, verifyProof of a 7-input predicate proof: {}",
        single["gas_used"]
    );
    let both = verify(
        d,
        &anvil,
        &verifier,
        "--vk keys/predicate.vk --proof proof.json --proof again.json",
        0,
    );
    assert_eq!(both["proofs"], 2);

    let registry = json(&expect(
        d,
        0,
        &format!("--json eth deploy registry --rpc {rpc} --eth-key deployer.key"),
    ))["address"]
        .as_str()
        .unwrap()
        .to_owned();
    let reg = format!("--rpc {rpc} --contract {registry} --eth-key deployer.key");
    // A policy must pin every alias's issuer.
    refused(
        d,
        &format!(
            "eth registry policy {reg} --verifier {verifier} --vk keys/predicate.vk \
             --issuer bureau=bureau/issuer.pub.json --scope lender-x/2026"
        ),
        "`bank` has no issuer key",
    );
    // This key has no hashed inputs: a policy that requires them, or pins a root, is refused.
    let full = format!(
        "eth registry policy {reg} --verifier {verifier} --vk keys/predicate.vk \
         --issuer bureau=bureau/issuer.pub.json --issuer bank=bank/issuer.pub.json \
         --scope lender-x/2026"
    );
    refused(
        d,
        &format!("{full} --hashed-inputs"),
        "not a hashed-input key",
    );
    expect(
        d,
        0,
        "cred revoke --issuer-key bureau/issuer.key --id 5 --registry bureau/revoked.json",
    );
    refused(
        d,
        &format!("{full} --revocation bureau=bureau/revoked.json"),
        "only a hashed-input key pins roots",
    );
    let policy = json(&expect(
        d,
        0,
        &format!(
            "--json eth registry policy {reg} --verifier {verifier} --vk keys/predicate.vk \
             --issuer bureau=bureau/issuer.pub.json --issuer bank=bank/issuer.pub.json \
             --scope lender-x/2026 --window-days 1"
        ),
    ));
    assert_eq!(policy["policy"], "1");
    assert_eq!(policy["public_inputs"], 7);
    let submit = |proof: &str, want: i32| {
        json(&expect(
            d,
            want,
            &format!(
                "--json eth registry submit {reg} --policy 1 --vk keys/predicate.vk --proof {proof}"
            ),
        ))
    };
    // Refused: an issuer the policy does not name, another scope, a tampered proof (the
    // proof of another statement under this statement's inputs; a day changed by one).
    let impostor = submit("impostor.json", 1);
    assert!(
        impostor["refused"]
            .as_str()
            .unwrap()
            .starts_with("ConfigMismatch: public input #2"),
        "{impostor}"
    );
    let other = submit("other-scope.json", 1);
    assert!(
        other["refused"].as_str().unwrap().starts_with("WrongScope"),
        "{other}"
    );
    let mut tampered: Value =
        serde_json::from_slice(&std::fs::read(d.join("proof.json")).unwrap()).unwrap();
    let foreign: Value =
        serde_json::from_slice(&std::fs::read(d.join("other-scope.json")).unwrap()).unwrap();
    tampered["proof"] = foreign["proof"].clone();
    std::fs::write(d.join("tampered.json"), tampered.to_string()).unwrap();
    let bad = submit("tampered.json", 1);
    assert!(
        bad["refused"].as_str().unwrap().starts_with("InvalidProof"),
        "{bad}"
    );

    // Accepted once, with its event; the same nullifier refused afterwards, from the same
    // proof and from a fresh proof of the same statement (other bytes).
    let accepted = submit("proof.json", 0);
    assert_eq!(accepted["accepted"], true);
    assert_eq!(accepted["event"]["name"], "ProofAccepted");
    assert_eq!(accepted["event"]["policy"], "1");
    assert_eq!(accepted["event"]["nullifier"], accepted["nullifier"]);
    println!(
        "gas used, registry submit of a two-credential predicate proof (7 inputs): {}",
        accepted["gas_used"]
    );
    for replay in ["proof.json", "again.json"] {
        let refusal = submit(replay, 1);
        assert!(
            refusal["refused"]
                .as_str()
                .unwrap()
                .starts_with("NullifierUsed"),
            "{refusal}"
        );
    }
    // A batch (submitBatch, one verifyBatch) is all or nothing: a used nullifier, a
    // nullifier twice in the batch, an issuer the policy does not name refuse it (the
    // tampered proof carries Alice's used nullifier here; a tampered batch follows below).
    let submit_many = |proofs: &[&str], want: i32| {
        let flags: Vec<String> = proofs.iter().map(|p| format!("--proof {p}")).collect();
        json(&expect(
            d,
            want,
            &format!(
                "--json eth registry submit {reg} --policy 1 --vk keys/predicate.vk {}",
                flags.join(" ")
            ),
        ))
    };
    for (batch, reason) in [
        (&["bob.json", "again.json"][..], "NullifierUsed"),
        (&["bob.json", "tampered.json"][..], "NullifierUsed"),
        (&["bob.json", "bob.json"][..], "NullifierUsed"),
        (&["bob.json", "impostor.json"][..], "ConfigMismatch"),
    ] {
        let refusal = submit_many(batch, 1);
        assert!(
            refusal["refused"].as_str().unwrap().starts_with(reason),
            "{batch:?}: {refusal}"
        );
    }
    // A second policy in another scope: a batch of two fresh proofs is accepted at once.
    expect(
        d,
        0,
        &format!(
            "--json eth registry policy {reg} --verifier {verifier} --vk keys/predicate.vk \
             --issuer bureau=bureau/issuer.pub.json --issuer bank=bank/issuer.pub.json \
             --scope lender-y/2026"
        ),
    );
    prove_as(
        d,
        "bob",
        "bob-score",
        "bob-bank",
        "lender-y/2026",
        "bob-y.json",
    );
    let submit_y = |proofs: &[&str], want: i32| {
        let flags: Vec<String> = proofs.iter().map(|p| format!("--proof {p}")).collect();
        json(&expect(
            d,
            want,
            &format!(
                "--json eth registry submit {reg} --policy 2 --vk keys/predicate.vk {}",
                flags.join(" ")
            ),
        ))
    };
    let mut tampered_y: Value =
        serde_json::from_slice(&std::fs::read(d.join("other-scope.json")).unwrap()).unwrap();
    tampered_y["proof"] = foreign_x_proof(d);
    std::fs::write(d.join("tampered-y.json"), tampered_y.to_string()).unwrap();
    let refusal = submit_y(&["bob-y.json", "tampered-y.json"], 1);
    assert!(
        refusal["refused"]
            .as_str()
            .unwrap()
            .starts_with("InvalidProof"),
        "{refusal}"
    );
    let batch = submit_y(&["other-scope.json", "bob-y.json"], 0);
    assert_eq!(batch["proofs"], 2);
    assert_eq!(batch["events"], 2);
    println!(
        "gas used, registry submitBatch of 2 predicate proofs: {}",
        batch["gas_used"]
    );
    let replay = submit_y(&["bob-y.json"], 1);
    assert!(replay["refused"]
        .as_str()
        .unwrap()
        .starts_with("NullifierUsed"));
    // Only the owner registers policies and roots.
    write_secret(
        &d.join("stranger.key"),
        "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    );
    refused(
        d,
        &format!(
            "eth registry revocation-root --rpc {rpc} --contract {registry} --eth-key stranger.key \
             --policy 1 --root 5"
        ),
        "NotOwner",
    );
}

/// The `proof` field of Alice's proof in scope lender-x (a valid proof of another statement).
fn foreign_x_proof(d: &Path) -> Value {
    let proof: Value =
        serde_json::from_slice(&std::fs::read(d.join("proof.json")).unwrap()).unwrap();
    proof["proof"].clone()
}

/// `zk calldata ARGS` parsed as the four arrays.
fn calldata_with(d: &Path, args: &str) -> Vec<Value> {
    let text = stdout(&expect(d, 0, &format!("zk calldata {args}")));
    serde_json::from_str(&format!("[{}]", text.trim())).unwrap()
}

/// The predicate with `bureau` revocable (8 public inputs: the bureau's revocation root
/// last): the registry takes the root from the set its owner accepts.
#[test]
fn registry_checks_the_revocation_root_of_a_revocable_predicate() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    credential_world(d);
    write_secret(&d.join("deployer.key"), DEV_KEY);
    let revoke = |id: &str| {
        expect(
            d,
            0,
            &format!(
                "cred revoke --issuer-key bureau/issuer.key --id {id} --registry bureau/revoked.json"
            ),
        );
    };
    revoke("5");
    let setup = "zk setup --out rkeys --schema bureau=credit-score.schema.json --schema bank=bank-account.schema.json --revocable bureau --predicate";
    let mut args: Vec<&str> = setup.split_whitespace().collect();
    args.push(PREDICATE);
    let output = crate::common::command()
        .current_dir(d)
        .args(&args)
        .output()
        .unwrap();
    crate::common::assert_success(&output);
    let prove = |holder: &str, out: &str| {
        let (score, bank) = if holder == "alice" {
            ("score", "bank")
        } else {
            ("bob-score", "bob-bank")
        };
        expect(
            d,
            0,
            &format!(
                "zk prove --pk rkeys/predicate.pk --credential bureau={score}.cred.json \
                 --credential bank={bank}.cred.json --holder-key {holder}/holder.key \
                 --scope lender-x/2026 --param now={} --revocation bureau=bureau/revoked.json \
                 --out {out}",
                today()
            ),
        );
    };
    prove("alice", "alice.json");
    let anvil = anvil();
    let rpc = anvil.url();
    let verifier = deploy(d, &anvil, "rkeys/predicate.vk");
    let registry = json(&expect(
        d,
        0,
        &format!("--json eth deploy registry --rpc {rpc} --eth-key deployer.key"),
    ))["address"]
        .as_str()
        .unwrap()
        .to_owned();
    let reg = format!("--rpc {rpc} --contract {registry} --eth-key deployer.key");
    let policy = json(&expect(
        d,
        0,
        &format!(
            "--json eth registry policy {reg} --verifier {verifier} --vk rkeys/predicate.vk \
             --issuer bureau=bureau/issuer.pub.json --issuer bank=bank/issuer.pub.json \
             --scope lender-x/2026"
        ),
    ));
    assert_eq!(policy["public_inputs"], 8);
    let submit = |proof: &str, want: i32| {
        json(&expect(
            d,
            want,
            &format!(
                "--json eth registry submit {reg} --policy 1 --vk rkeys/predicate.vk --proof {proof}"
            ),
        ))
    };
    let accept_current_root = || {
        json(&expect(
            d,
            0,
            &format!(
                "--json eth registry revocation-root {reg} --policy 1 --registry bureau/revoked.json"
            ),
        ))
    };
    // A root the owner has not accepted yet is refused; accepted, the proof goes through.
    let refusal = submit("alice.json", 1);
    assert!(
        refusal["refused"]
            .as_str()
            .unwrap()
            .starts_with("UnknownRevocationRoot"),
        "{refusal}"
    );
    let first_root = accept_current_root()["root"].as_str().unwrap().to_owned();
    let accepted = submit("alice.json", 0);
    println!(
        "gas used, registry submit of a revocable two-credential predicate proof (8 inputs): {}",
        accepted["gas_used"]
    );
    // The bureau revokes another id: Bob proves against the new root, refused until the
    // owner accepts it; after the owner rejects the old root, proofs against it are refused.
    revoke("6");
    prove("bob", "bob.json");
    let refusal = submit("bob.json", 1);
    assert!(
        refusal["refused"]
            .as_str()
            .unwrap()
            .starts_with("UnknownRevocationRoot"),
        "{refusal}"
    );
    accept_current_root();
    submit("bob.json", 0);
    expect(
        d,
        0,
        &format!("eth registry revocation-root {reg} --policy 1 --root {first_root} --reject"),
    );
    let refusal = submit("alice.json", 1);
    assert!(
        refusal["refused"]
            .as_str()
            .unwrap()
            .starts_with("UnknownRevocationRoot"),
        "{refusal}"
    );
}

/// `zk prove` with the keys in `keys_dir` by `holder` (credentials `score`, `bank`) in
/// `scope`, today, with `extra` flags (`--revocation …`).
fn prove_with(
    d: &Path,
    keys_dir: &str,
    holder: &str,
    creds: [&str; 2],
    scope: &str,
    extra: &str,
    out: &str,
) {
    let [score, bank] = creds;
    expect(
        d,
        0,
        &format!(
            "zk prove --pk {keys_dir}/predicate.pk --credential bureau={score}.cred.json \
             --credential bank={bank}.cred.json --holder-key {holder}/holder.key --scope {scope} \
             --param now={} {extra} --out {out}",
            today()
        ),
    );
}

/// The `config` a hashed-input proof file carries.
fn proof_config(d: &Path, proof: &str) -> String {
    let proof: Value = serde_json::from_slice(&std::fs::read(d.join(proof)).unwrap()).unwrap();
    proof["config"].as_str().unwrap().to_owned()
}

/// Deploys a proof registry (owned by the dev key) and returns its address.
fn deploy_registry(d: &Path, rpc: &str) -> String {
    let report = json(&expect(
        d,
        0,
        &format!("--json eth deploy registry --rpc {rpc} --eth-key deployer.key"),
    ));
    report["address"].as_str().unwrap().to_owned()
}

fn assert_refused(report: &Value, reason: &str) {
    assert_eq!(report["accepted"], false, "{report}");
    assert!(
        report["refused"].as_str().unwrap().starts_with(reason),
        "expected {reason}: {report}"
    );
}

/// A real two-credential predicate proof with hashed public inputs (`zk setup
/// --hashed-inputs`: `[config, nullifier, now]`) through the registry: the policy pins the
/// configuration hash `eth registry policy` computes from the issuers and scope (the one
/// the prover computed), the proof is accepted once, and a replay, a tampered proof, a
/// proof for another scope and one from another issuer are refused.
#[test]
fn registry_takes_a_real_hashed_input_predicate_proof() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    credential_files(d);
    write_secret(&d.join("deployer.key"), DEV_KEY);
    let keys = predicate_setup(d, "hkeys", "--hashed-inputs");
    assert_eq!(keys["hashed_inputs"], true);
    assert_eq!(keys["public_inputs"], 3);
    let prove = |holder: &str, creds: [&str; 2], scope: &str, out: &str| {
        prove_with(d, "hkeys", holder, creds, scope, "", out);
    };
    prove("alice", ["score", "bank"], "lender-x/2026", "proof.json");
    prove("alice", ["score", "bank"], "lender-x/2026", "again.json");
    prove(
        "alice",
        ["impostor", "bank"],
        "lender-x/2026",
        "impostor.json",
    );
    prove(
        "alice",
        ["score", "bank"],
        "lender-y/2026",
        "other-scope.json",
    );
    prove(
        "bob",
        ["bob-score", "bob-bank"],
        "lender-y/2026",
        "bob-y.json",
    );

    // Three public inputs on chain, whatever the statement: [config, nullifier, now].
    let parts = calldata_with(d, "--proof proof.json --vk hkeys/predicate.vk");
    let inputs = parts[3].as_array().unwrap();
    assert_eq!(inputs.len(), 3);
    let config = proof_config(d, "proof.json");
    assert_eq!(
        decimal_to_limbs(&config),
        num_from_hex(inputs[0].as_str().unwrap()).to_vec()
    );
    let anvil = anvil();
    let rpc = anvil.url();
    let verifier = deploy(d, &anvil, "hkeys/predicate.vk");
    let single = verify(
        d,
        &anvil,
        &verifier,
        "--vk hkeys/predicate.vk --proof proof.json --send-with deployer.key",
        0,
    );
    let verify_gas = single["gas_used"].as_u64().unwrap();
    println!(
        "gas used, verifyProof of a real hashed-input predicate proof (3 inputs): {verify_gas}"
    );
    // The goal for hashed-input verification.
    assert!(verify_gas <= 230_000, "{verify_gas}");

    let registry = deploy_registry(d, rpc);
    let reg = format!("--rpc {rpc} --contract {registry} --eth-key deployer.key");
    let policy_line = |scope: &str, issuers: &str| {
        format!(
            "--json eth registry policy {reg} --verifier {verifier} --vk hkeys/predicate.vk \
             --hashed-inputs {issuers} --scope {scope}"
        )
    };
    let ours = "--issuer bureau=bureau/issuer.pub.json --issuer bank=bank/issuer.pub.json";
    // A hashed-input policy still needs every issuer (and takes no root for this key).
    refused(
        d,
        &policy_line("lender-x/2026", "--issuer bureau=bureau/issuer.pub.json"),
        "`bank` has no issuer key",
    );
    expect(
        d,
        0,
        "cred revoke --issuer-key bureau/issuer.key --id 5 --registry bureau/revoked.json",
    );
    refused(
        d,
        &format!(
            "{} --revocation bureau=bureau/revoked.json",
            policy_line("lender-x/2026", ours)
        ),
        "not revocable in this key",
    );
    let policy = json(&expect(d, 0, &policy_line("lender-x/2026", ours)));
    assert_eq!(policy["policy"], "1");
    assert_eq!(policy["public_inputs"], 3);
    assert_eq!(policy["hashed_inputs"], true);
    // The configuration the owner computed is the one the prover computed.
    assert_eq!(policy["config"], config.as_str());
    assert_eq!(policy["fixed"][0]["index"], 0);
    assert_eq!(policy["fixed"][0]["value"], config.as_str());
    let submit = |policy: u64, proofs: &[&str], want: i32| {
        let flags: Vec<String> = proofs.iter().map(|p| format!("--proof {p}")).collect();
        json(&expect(
            d,
            want,
            &format!(
                "--json eth registry submit {reg} --policy {policy} --vk hkeys/predicate.vk {}",
                flags.join(" ")
            ),
        ))
    };
    // Another issuer, another scope: another configuration, refused at input #0.
    assert_ne!(proof_config(d, "impostor.json"), config);
    assert_ne!(proof_config(d, "other-scope.json"), config);
    for proof in ["impostor.json", "other-scope.json"] {
        assert_refused(&submit(1, &[proof], 1), "ConfigMismatch: public input #0");
    }
    // A tampered proof: the proof points of another valid proof (another scope) under this
    // proof's inputs.
    let mut tampered: Value =
        serde_json::from_slice(&std::fs::read(d.join("proof.json")).unwrap()).unwrap();
    let foreign: Value =
        serde_json::from_slice(&std::fs::read(d.join("other-scope.json")).unwrap()).unwrap();
    tampered["proof"] = foreign["proof"].clone();
    std::fs::write(d.join("tampered.json"), tampered.to_string()).unwrap();
    assert_refused(&submit(1, &["tampered.json"], 1), "InvalidProof");

    // Accepted once, with its event; the nullifier is then refused, from the same proof
    // and from a fresh proof of the same statement (other bytes).
    let accepted = submit(1, &["proof.json"], 0);
    assert_eq!(accepted["accepted"], true);
    assert_eq!(accepted["event"]["name"], "ProofAccepted");
    assert_eq!(accepted["event"]["policy"], "1");
    assert_eq!(accepted["event"]["nullifier"], accepted["nullifier"]);
    println!(
        "gas used, registry submit of a real hashed-input predicate proof: {}",
        accepted["gas_used"]
    );
    for replay in ["proof.json", "again.json"] {
        assert_refused(&submit(1, &[replay], 1), "NullifierUsed");
    }
    // The other scope's policy: its configuration accepts the two proofs for it at once
    // (submitBatch), and not a batch with a tampered proof (Alice's lender-y inputs under
    // the proof points of her lender-x proof) nor one with a lender-x proof.
    let policy_y = json(&expect(d, 0, &policy_line("lender-y/2026", ours)));
    assert_eq!(
        policy_y["config"],
        proof_config(d, "other-scope.json").as_str()
    );
    let mut tampered_y = foreign.clone();
    tampered_y["proof"] =
        serde_json::from_slice::<Value>(&std::fs::read(d.join("proof.json")).unwrap()).unwrap()
            ["proof"]
            .clone();
    std::fs::write(d.join("tampered-y.json"), tampered_y.to_string()).unwrap();
    assert_refused(
        &submit(2, &["bob-y.json", "tampered-y.json"], 1),
        "InvalidProof",
    );
    assert_refused(
        &submit(2, &["bob-y.json", "again.json"], 1),
        "ConfigMismatch",
    );
    let batch = submit(2, &["other-scope.json", "bob-y.json"], 0);
    assert_eq!(
        (batch["proofs"].as_u64(), batch["events"].as_u64()),
        (Some(2), Some(2))
    );
    println!(
        "gas used, registry submitBatch of 2 real hashed-input predicate proofs: {}",
        batch["gas_used"]
    );
    assert_refused(&submit(2, &["bob-y.json"], 1), "NullifierUsed");
}

/// Two revocable aliases in one policy (hashed inputs: both roots are leaves of the pinned
/// configuration). A new root of either issuer is a new configuration: proofs against it
/// are refused until the owner registers its policy in the same scope, where holders stay
/// counted once; the retired old policy takes nothing more.
#[test]
fn registry_policy_with_two_revocable_aliases() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    credential_files(d);
    write_secret(&d.join("deployer.key"), DEV_KEY);
    let revoke = |issuer: &str, id: &str| {
        expect(
            d,
            0,
            &format!(
                "cred revoke --issuer-key {issuer}/issuer.key --id {id} --registry {issuer}/revoked.json"
            ),
        );
    };
    revoke("bureau", "5");
    revoke("bank", "5");
    let keys = predicate_setup(
        d,
        "rkeys",
        "--revocable bureau --revocable bank --hashed-inputs",
    );
    assert_eq!(keys["public_inputs"], 3);
    let both = "--revocation bureau=bureau/revoked.json --revocation bank=bank/revoked.json";
    let prove = |holder: &str, out: &str| {
        let creds = if holder == "alice" {
            ["score", "bank"]
        } else {
            ["bob-score", "bob-bank"]
        };
        prove_with(d, "rkeys", holder, creds, "lender-x/2026", both, out);
    };
    prove("alice", "alice.json");
    prove("bob", "bob-old.json");
    let anvil = anvil();
    let rpc = anvil.url();
    let verifier = deploy(d, &anvil, "rkeys/predicate.vk");
    let registry = deploy_registry(d, rpc);
    let reg = format!("--rpc {rpc} --contract {registry} --eth-key deployer.key");
    let policy_line = |revocation: &str| {
        format!(
            "--json eth registry policy {reg} --verifier {verifier} --vk rkeys/predicate.vk \
             --issuer bureau=bureau/issuer.pub.json --issuer bank=bank/issuer.pub.json \
             --scope lender-x/2026 {revocation}"
        )
    };
    // Each revocable alias needs its issuer's registry, signed by that issuer.
    refused(
        d,
        &policy_line("--revocation bureau=bureau/revoked.json"),
        "`bank` is revocable",
    );
    refused(
        d,
        &policy_line(
            "--revocation bureau=bureau/revoked.json --revocation bank=bureau/revoked.json",
        ),
        "signed by another issuer",
    );
    let first = json(&expect(d, 0, &policy_line(both)));
    assert_eq!(first["policy"], "1");
    assert_eq!(first["config"], proof_config(d, "alice.json").as_str());
    let submit = |policy: u64, proof: &str, want: i32| {
        json(&expect(
            d,
            want,
            &format!(
                "--json eth registry submit {reg} --policy {policy} --vk rkeys/predicate.vk \
                 --proof {proof}"
            ),
        ))
    };
    let accepted = submit(1, "alice.json", 0);
    println!(
        "gas used, registry submit of a hashed-input proof with two revocable aliases: {}",
        accepted["gas_used"]
    );
    assert_refused(&submit(1, "alice.json", 1), "NullifierUsed");

    // The bank revokes another id: proofs against its new root are another configuration.
    revoke("bank", "6");
    prove("bob", "bob.json");
    prove("alice", "alice-new.json");
    assert_ne!(proof_config(d, "bob.json"), proof_config(d, "bob-old.json"));
    assert_refused(&submit(1, "bob.json", 1), "ConfigMismatch: public input #0");
    // The owner registers the new roots' policy in the same scope: Bob is accepted there,
    // Alice (already counted in the scope under policy 1) is not.
    let second = json(&expect(d, 0, &policy_line(both)));
    assert_eq!(second["policy"], "2");
    assert_eq!(second["config"], proof_config(d, "bob.json").as_str());
    assert_ne!(second["config"], first["config"]);
    submit(2, "bob.json", 0);
    assert_refused(&submit(2, "alice-new.json", 1), "NullifierUsed");
    // Retired, the old policy takes no proof (Bob's proof against the old roots included).
    let retired = json(&expect(
        d,
        0,
        &format!("--json eth registry retire {reg} --policy 1"),
    ));
    assert_eq!(retired["retired"], true);
    assert_refused(&submit(1, "bob-old.json", 1), "UnknownPolicy");
}
