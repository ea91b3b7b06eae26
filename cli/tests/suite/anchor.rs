//! `conclave eth deploy anchor`, `conclave ledger anchor` and `conclave ledger verify --rpc`
//! through the real binary against a real node (anvil): anchor then verify, a log serving
//! other entries refused, an entry newer than the anchor reported, only the operator
//! anchors, a forked or rewound log is not anchored.
#![allow(clippy::unwrap_used)]

use conclave_eth::devnode::DANGER_ANVIL_DEV_KEY;

use crate::common::{expect, json, stderr, stdout};
use crate::eth::{anvil, write_secret};
use crate::ledger::zk_files;

/// anvil's second development account key (public knowledge: test chains only).
const STRANGER_KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

#[test]
fn anchor_then_verify_entries_against_the_chain() {
    let temp = tempfile::tempdir().unwrap();
    let d = temp.path();
    zk_files(d);
    // The log, and another log under the same origin holding other entries (what a node
    // serving tampered entries looks like to a verifier).
    for (data, proof) in [("ledger", "proof.json"), ("forged", "second.json")] {
        expect(
            d,
            0,
            &format!("ledger init --data {data} --origin anchor.example/log"),
        );
        expect(
            d,
            0,
            &format!("ledger register-statement --vk threshold.vk --data {data}"),
        );
        expect(d, 0, &format!("ledger submit {proof} --data {data}"));
    }
    write_secret(&d.join("operator.eth"), DANGER_ANVIL_DEV_KEY);
    write_secret(&d.join("stranger.eth"), STRANGER_KEY);
    let node = anvil();
    let rpc = node.url();

    let deployed = json(&expect(
        d,
        0,
        &format!(
            "--json eth deploy anchor --rpc {rpc} --eth-key operator.eth --origin anchor.example/log"
        ),
    ));
    let contract = deployed["address"].as_str().unwrap().to_owned();
    println!("deploying the anchor: {} gas", deployed["gas_used"]);
    let chain = format!("--rpc {rpc} --contract {contract}");
    let anchor = |data: &str, key: &str, want: i32| {
        expect(
            d,
            want,
            &format!("--json ledger anchor --data {data} {chain} --eth-key {key}"),
        )
    };
    let verify = |data: &str, entry: u64, want: i32| {
        json(&expect(
            d,
            want,
            &format!("--json ledger verify --entry {entry} --data {data} {chain}"),
        ))
    };

    // Nothing anchored yet.
    let report = verify("ledger", 0, 1);
    assert_eq!(report["beyond_anchor"], true);
    assert_eq!(report["anchored_size"], 0);

    // Only the operator anchors; a checkpoint that the log key does not sign is not posted.
    let out = anchor("ledger", "stranger.eth", 2);
    assert!(stderr(&out).contains("NotOperator"), "{}", stderr(&out));
    let out = expect(
        d,
        1,
        &format!(
            "--json ledger anchor --data ledger --log-key forged/log.pub {chain} --eth-key operator.eth"
        ),
    );
    assert_eq!(json(&out)["anchored"], false);

    // Anchor, then again (nothing to send).
    let report = json(&anchor("ledger", "operator.eth", 0));
    assert_eq!(report["anchored"], true);
    assert_eq!(report["tree_size"], 2);
    let gas = report["gas_used"].as_u64().unwrap();
    println!("anchoring through the CLI: {gas} gas");
    assert!(gas <= 80_000, "{gas} gas");
    let report = json(&anchor("ledger", "operator.eth", 0));
    assert_eq!(report["already_anchored"], true);
    assert!(report["transaction"].is_null());

    // Both entries verify against the anchored root, here and on chain.
    for entry in [0, 1] {
        let report = verify("ledger", entry, 0);
        assert_eq!(report["ok"], true);
        assert_eq!(report["valid"], true);
        assert_eq!(report["on_chain"], "included");
        assert_eq!(report["anchored_size"], 2);
    }
    // The other log's entry 1 (another proof) is refused, here and by the contract.
    let report = verify("forged", 1, 1);
    assert_eq!(report["valid"], false);
    assert_eq!(report["local"], false);
    assert_eq!(report["on_chain"], "not_included");
    // And its checkpoint (same size, another root) is a fork: not anchored.
    let report = json(&anchor("forged", "operator.eth", 1));
    assert_eq!(report["anchored"], false);
    assert!(report["error"].as_str().unwrap().contains("forked"));

    // A newer entry is beyond the anchor until the next anchoring.
    expect(d, 0, "ledger submit second.json --data ledger");
    let report = verify("ledger", 2, 1);
    assert_eq!(report["beyond_anchor"], true);
    assert_eq!(report["anchored_size"], 2);
    let human = expect(
        d,
        1,
        &format!("ledger verify --entry 2 --data ledger {chain}"),
    );
    assert!(
        stdout(&human).contains("beyond the anchored tree") && stdout(&human).contains("size 2"),
        "{}",
        stdout(&human)
    );
    let report = json(&anchor("ledger", "operator.eth", 0));
    assert_eq!(report["tree_size"], 3);
    assert_eq!(report["previous_size"], 2);
    let report = verify("ledger", 2, 0);
    assert_eq!(report["anchored_size"], 3);
    assert_eq!(report["on_chain"], "included");
    // The other log is now behind the anchor: not anchored.
    let report = json(&anchor("forged", "operator.eth", 1));
    assert!(report["error"].as_str().unwrap().contains("went back"));

    // An anchor bound to another origin takes nothing from this log.
    let other = json(&expect(
        d,
        0,
        &format!("--json eth deploy anchor --rpc {rpc} --eth-key operator.eth --origin other.example/log"),
    ));
    let out = expect(
        d,
        2,
        &format!(
            "ledger anchor --data ledger --rpc {rpc} --contract {} --eth-key operator.eth",
            other["address"].as_str().unwrap()
        ),
    );
    assert!(
        stderr(&out).contains("bound to the log"),
        "{}",
        stderr(&out)
    );
}
