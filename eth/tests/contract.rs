//! The committed bytecode and ABI are what the pinned solc makes of the committed source.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;

use conclave_eth::verifier::{ABI, BYTECODE_HEX};

#[test]
fn committed_bytecode_is_reproducible_with_the_pinned_solc() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    if !root.join("../interop/node_modules/solc").exists() {
        println!(
            "NOTE: skipped: interop/node_modules/solc is missing (run `npm ci --prefix interop`)"
        );
        return;
    }
    let output = Command::new("node")
        .arg(root.join("contracts/compile.mjs"))
        .output()
        .expect("node runs");
    assert!(
        output.status.success(),
        "compile.mjs failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "solc warned: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let compiled: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        compiled["compiler"].as_str().unwrap(),
        "0.8.30+commit.73712a01.Emscripten.clang"
    );
    assert_eq!(
        compiled["bytecode"].as_str().unwrap(),
        BYTECODE_HEX.trim(),
        "eth/contracts/ConclaveGroth16Verifier.bin is stale: run `node eth/contracts/compile.mjs --write`"
    );
    let committed_abi: serde_json::Value = serde_json::from_str(ABI).unwrap();
    assert_eq!(compiled["abi"], committed_abi);
}
