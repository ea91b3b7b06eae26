//! Known-answer tests for RFC 9162 §2.1 from transparency-dev/merkle (see vectors/SOURCE.md),
//! with the negative probe tables of the upstream verifier tests.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use conclave_ledger::merkle::{
    empty_root, leaf_hash, node_hash, verify_consistency, verify_inclusion, Hash, MerkleTree,
};
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("../vectors/transparency_dev_merkle.json")).unwrap()
}

fn h(text: &str) -> Hash {
    Hash::from_hex(text).unwrap()
}

fn hashes(value: &Value) -> Vec<Hash> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| h(v.as_str().unwrap()))
        .collect()
}

fn b64(value: &Value) -> Hash {
    Hash::from_slice(&B64.decode(value.as_str().unwrap()).unwrap()).unwrap()
}

fn tree(v: &Value) -> (MerkleTree, Vec<Hash>) {
    let mut tree = MerkleTree::new();
    let mut leaves = Vec::new();
    for leaf in v["leaves_hex"].as_array().unwrap() {
        let hash = leaf_hash(&hex::decode(leaf.as_str().unwrap()).unwrap());
        tree.push(hash);
        leaves.push(hash);
    }
    (tree, leaves)
}

#[test]
fn tree_heads_match_the_published_roots() {
    let v = vectors();
    let (tree, _) = tree(&v);
    assert_eq!(empty_root(), h(v["empty_root_hex"].as_str().unwrap()));
    assert_eq!(tree.root_at(0).unwrap(), empty_root());
    for (i, root) in v["roots_hex"].as_array().unwrap().iter().enumerate() {
        assert_eq!(
            tree.root_at(i as u64 + 1).unwrap(),
            h(root.as_str().unwrap()),
            "size {}",
            i + 1
        );
    }
}

/// The corruptions of upstream `corruptInclusionProof`: each must be rejected.
fn inclusion_probes(
    index: u64,
    size: u64,
    leaf: Hash,
    root: Hash,
    proof: &[Hash],
    some: Hash,
) -> Vec<(String, u64, u64, Hash, Hash, Vec<Hash>)> {
    let mut probes = vec![
        (
            "index - 1".to_string(),
            index.wrapping_sub(1),
            size,
            leaf,
            root,
            proof.to_vec(),
        ),
        (
            "index + 1".into(),
            index + 1,
            size,
            leaf,
            root,
            proof.to_vec(),
        ),
        (
            "index ^ 2".into(),
            index ^ 2,
            size,
            leaf,
            root,
            proof.to_vec(),
        ),
        (
            "size * 2".into(),
            index,
            size * 2,
            leaf,
            root,
            proof.to_vec(),
        ),
        (
            "size / 2".into(),
            index,
            size / 2,
            leaf,
            root,
            proof.to_vec(),
        ),
        (
            "wrong leaf".into(),
            index,
            size,
            leaf_hash(b"WrongLeaf"),
            root,
            proof.to_vec(),
        ),
        (
            "empty root".into(),
            index,
            size,
            leaf,
            empty_root(),
            proof.to_vec(),
        ),
        (
            "random root".into(),
            index,
            size,
            leaf,
            some,
            proof.to_vec(),
        ),
        (
            "trailing root".into(),
            index,
            size,
            leaf,
            root,
            [proof, &[root]].concat(),
        ),
        (
            "preceding root".into(),
            index,
            size,
            leaf,
            root,
            [&[root], proof].concat(),
        ),
    ];
    for i in 0..proof.len() {
        let mut wrong = proof.to_vec();
        wrong[i].0[0] ^= 8;
        probes.push((
            format!("modified proof[{i}] bit 3"),
            index,
            size,
            leaf,
            root,
            wrong,
        ));
    }
    if !proof.is_empty() {
        probes.push((
            "removed component".into(),
            index,
            size,
            leaf,
            root,
            proof[..proof.len() - 1].to_vec(),
        ));
    }
    if proof.len() > 1 {
        let wrong = [&[proof[0], some], &proof[1..]].concat();
        probes.push(("inserted component".into(), index, size, leaf, root, wrong));
    }
    probes
}

#[test]
fn inclusion_proofs_match_and_every_probe_fails() {
    let v = vectors();
    let (tree, leaves) = tree(&v);
    let roots = hashes(&v["roots_hex"]);
    let some = h(v["some_hash_hex"].as_str().unwrap());
    for case in v["inclusion"].as_array().unwrap() {
        let index = case["leaf"].as_u64().unwrap() - 1;
        let size = case["size"].as_u64().unwrap();
        let proof = hashes(&case["proof"]);
        let root = roots[size as usize - 1];
        let leaf = leaves[index as usize];
        assert_eq!(
            tree.inclusion_proof(index, size).unwrap().hashes,
            proof,
            "generated proof {index}/{size}"
        );
        verify_inclusion(index, size, &leaf, &proof, &root).unwrap();
        for (desc, i, s, l, r, p) in inclusion_probes(index, size, leaf, root, &proof, some) {
            assert!(
                verify_inclusion(i, s, &l, &p, &r).is_err(),
                "probe {desc:?} verified for {index}/{size}"
            );
        }
    }
    // Published JSON vector (base64).
    let j = &v["testdata_inclusion_1_happy_path"];
    let proof: Vec<Hash> = j["proof"].as_array().unwrap().iter().map(b64).collect();
    verify_inclusion(
        j["leafIdx"].as_u64().unwrap(),
        j["treeSize"].as_u64().unwrap(),
        &b64(&j["leafHash"]),
        &proof,
        &b64(&j["root"]),
    )
    .unwrap();
}

#[test]
fn inclusion_edge_cases() {
    let some = leaf_hash(b"x");
    // Index/size combinations that can never verify with an empty proof.
    for (index, size) in [(0u64, 0u64), (1, 0), (2, 1)] {
        assert!(verify_inclusion(index, size, &some, &[], &empty_root()).is_err());
    }
    // One-leaf tree: the root is the leaf hash and the proof is empty.
    verify_inclusion(0, 1, &some, &[], &some).unwrap();
    assert!(verify_inclusion(0, 1, &some, &[], &empty_root()).is_err());
}

#[test]
fn consistency_proofs_match_and_every_probe_fails() {
    let v = vectors();
    let (tree, _) = tree(&v);
    let roots = hashes(&v["roots_hex"]);
    let some = h(v["some_hash_hex"].as_str().unwrap());
    for case in v["consistency"].as_array().unwrap() {
        let (s1, s2) = (
            case["size1"].as_u64().unwrap(),
            case["size2"].as_u64().unwrap(),
        );
        let proof = hashes(&case["proof"]);
        let (r1, r2) = (roots[s1 as usize - 1], roots[s2 as usize - 1]);
        assert_eq!(
            tree.consistency_proof(s1, s2).unwrap().hashes,
            proof,
            "generated proof {s1}->{s2}"
        );
        verify_consistency(s1, s2, &proof, &r1, &r2).unwrap();
        if proof.is_empty() {
            continue;
        }
        let wrong_root = leaf_hash(b"WrongRoot");
        let mut probes: Vec<(String, u64, u64, Hash, Hash, Vec<Hash>)> = vec![
            ("size1 - 1".into(), s1 - 1, s2, r1, r2, proof.clone()),
            ("size1 + 1".into(), s1 + 1, s2, r1, r2, proof.clone()),
            ("size1 ^ 2".into(), s1 ^ 2, s2, r1, r2, proof.clone()),
            ("size2 * 2".into(), s1, s2 * 2, r1, r2, proof.clone()),
            ("size2 / 2".into(), s1, s2 / 2, r1, r2, proof.clone()),
            ("wrong root1".into(), s1, s2, wrong_root, r2, proof.clone()),
            ("wrong root2".into(), s1, s2, r1, wrong_root, proof.clone()),
            ("swapped roots".into(), s1, s2, r2, r1, proof.clone()),
            ("empty proof".into(), s1, s2, r1, r2, vec![]),
            (
                "trailing root1".into(),
                s1,
                s2,
                r1,
                r2,
                [&proof[..], &[r1]].concat(),
            ),
            (
                "trailing root2".into(),
                s1,
                s2,
                r1,
                r2,
                [&proof[..], &[r2]].concat(),
            ),
            (
                "preceding root1".into(),
                s1,
                s2,
                r1,
                r2,
                [&[r1], &proof[..]].concat(),
            ),
            (
                "preceding root2".into(),
                s1,
                s2,
                r1,
                r2,
                [&[r2], &proof[..]].concat(),
            ),
            (
                "preceding proof[0]".into(),
                s1,
                s2,
                r1,
                r2,
                [&[proof[0]], &proof[..]].concat(),
            ),
            (
                "truncated proof".into(),
                s1,
                s2,
                r1,
                r2,
                proof[..proof.len() - 1].to_vec(),
            ),
            (
                "random extra".into(),
                s1,
                s2,
                r1,
                r2,
                [&proof[..], &[some]].concat(),
            ),
        ];
        for i in 0..proof.len() {
            let mut wrong = proof.clone();
            wrong[i].0[0] ^= 16;
            probes.push((format!("modified proof[{i}] bit 4"), s1, s2, r1, r2, wrong));
        }
        for (desc, a, b, x, y, p) in probes {
            assert!(
                verify_consistency(a, b, &p, &x, &y).is_err(),
                "probe {desc:?} verified for {s1}->{s2}"
            );
        }
    }
    let j = &v["testdata_consistency_1_happy_path"];
    let proof: Vec<Hash> = j["proof"].as_array().unwrap().iter().map(b64).collect();
    verify_consistency(
        j["size1"].as_u64().unwrap(),
        j["size2"].as_u64().unwrap(),
        &proof,
        &b64(&j["root1"]),
        &b64(&j["root2"]),
    )
    .unwrap();
}

#[test]
fn consistency_edge_cases() {
    let (a, b) = (leaf_hash(b"a"), leaf_hash(b"b"));
    verify_consistency(0, 0, &[], &a, &a).unwrap();
    verify_consistency(0, 1, &[], &a, &b).unwrap();
    verify_consistency(1, 1, &[], &b, &b).unwrap();
    assert!(verify_consistency(0, 0, &[], &a, &b).is_err());
    assert!(verify_consistency(1, 1, &[], &a, &b).is_err());
    assert!(
        verify_consistency(1, 0, &[], &a, &b).is_err(),
        "time travel"
    );
    assert!(
        verify_consistency(2, 1, &[], &a, &b).is_err(),
        "time travel"
    );
    assert!(
        verify_consistency(1, 2, &[], &a, &b).is_err(),
        "empty proof"
    );
    assert!(verify_consistency(0, 0, &[empty_root()], &empty_root(), &empty_root()).is_err());
    assert!(verify_consistency(0, 1, &[empty_root()], &empty_root(), &empty_root()).is_err());
    assert!(verify_consistency(1, 1, &[empty_root()], &empty_root(), &empty_root()).is_err());
    // A real 1 -> 2 proof is the second leaf.
    verify_consistency(1, 2, &[b], &a, &node_hash(&a, &b)).unwrap();
}

#[test]
fn a_hash_of_the_wrong_length_is_refused() {
    assert!(Hash::from_slice(&[]).is_err());
    assert!(Hash::from_slice(b"WrongLeaf").is_err());
    assert!(Hash::from_slice(&[0u8; 33]).is_err());
    assert!(Hash::from_hex("zz").is_err());
}
