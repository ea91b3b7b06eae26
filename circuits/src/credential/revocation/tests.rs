use super::*;
use serde_json::Value;

fn issuer() -> SecretKey {
    SecretKey::from_bytes([11u8; 32])
}

#[test]
fn roots_are_pinned_and_match_a_naive_tree() {
    // The empty tree's root is E64.
    let empty = RevocationTree::default();
    assert_eq!(empty.root(), empty_roots()[DEPTH]);
    assert_eq!(RevocationTree::new(Vec::<u64>::new()).unwrap(), empty);
    let ids = [0u64, 42, 43, 1 << 63, u64::MAX];
    let tree = RevocationTree::new(ids).unwrap();
    assert_eq!(
        field::to_decimal(&tree.root()),
        "10298567207123891047839322119337977431153673726230412796105678994550595033885"
    );
    // Independent computation: every path hashed one leaf at a time from the empty tree.
    // The root of ids ∪ {x} is the path of x from the leaf 1 with the siblings of x in the
    // tree of ids.
    let mut naive = RevocationTree::default();
    let mut so_far = Vec::new();
    for id in ids {
        let witness = naive.non_membership(id).unwrap();
        let mut node = Fr::from(REVOKED_LEAF);
        for (height, sibling) in witness.siblings().iter().enumerate() {
            node = if (id >> height) & 1 == 1 {
                hash2(*sibling, node)
            } else {
                hash2(node, *sibling)
            };
        }
        so_far.push(id);
        naive = RevocationTree::new(so_far.clone()).unwrap();
        assert_eq!(node, naive.root(), "after {id}");
    }
    assert_eq!(naive.root(), tree.root());
    // Order of insertion does not matter; another set gives another root.
    assert_eq!(
        RevocationTree::new(ids.iter().rev().copied())
            .unwrap()
            .root(),
        tree.root()
    );
    assert_ne!(
        RevocationTree::new([0u64, 42, 43]).unwrap().root(),
        tree.root()
    );
    assert_ne!(
        RevocationTree::new([1u64]).unwrap().root(),
        RevocationTree::new([2u64]).unwrap().root()
    );
}

#[test]
fn non_membership_witnesses_verify_only_for_unrevoked_ids() {
    let tree = RevocationTree::new([3u64, 4, 1000]).unwrap();
    for id in [0u64, 2, 5, 999, 1001, u64::MAX] {
        let witness = tree.non_membership(id).unwrap();
        assert_eq!(witness.siblings().len(), DEPTH);
        witness.verify(id, tree.root()).unwrap();
        assert!(matches!(
            witness.verify(id, RevocationTree::default().root()),
            Err(RevocationError::PathMismatch { .. })
        ));
    }
    assert!(matches!(
        tree.non_membership(1000),
        Err(RevocationError::Revoked { id: 1000 })
    ));
    // The path of 5 with id 4 (revoked, sibling leaf of 5) does not verify.
    let witness = tree.non_membership(5).unwrap();
    assert!(witness.verify(4, tree.root()).is_err());
}

#[test]
fn the_registry_is_signed_round_trips_and_refuses_every_alteration() {
    let key = issuer();
    let mut registry = RevocationRegistry::new(&key);
    assert_eq!(registry.sequence(), 0);
    assert_eq!(registry.root(), RevocationTree::default().root());
    registry.revoke(&key, 42).unwrap();
    registry.revoke(&key, 7).unwrap();
    assert_eq!(registry.sequence(), 2);
    assert!(registry.tree().is_revoked(42) && registry.tree().is_revoked(7));
    assert_eq!(
        registry.root(),
        RevocationTree::new([7u64, 42]).unwrap().root()
    );
    key.public_key()
        .verify(registry_message(registry.root(), 2), registry.signature())
        .unwrap();
    // Twice: refused, unchanged.
    let before = registry.clone();
    assert!(matches!(
        registry.revoke(&key, 42),
        Err(RevocationError::AlreadyRevoked {
            id: 42,
            sequence: 2
        })
    ));
    assert_eq!(registry, before);
    // Another issuer's key: refused, unchanged.
    let other = SecretKey::from_bytes([12u8; 32]);
    assert!(matches!(
        registry.revoke(&other, 9),
        Err(RevocationError::OtherIssuer)
    ));
    assert_eq!(registry, before);
    assert!(registry.check_issuer(&key.public_key()).is_ok());
    assert!(registry.check_issuer(&other.public_key()).is_err());
    // Witness for the prover.
    registry
        .non_membership(8)
        .unwrap()
        .verify(8, registry.root())
        .unwrap();
    assert!(registry.non_membership(7).is_err());

    let text = registry.to_json();
    let back = RevocationRegistry::from_json(text.as_bytes()).unwrap();
    assert_eq!(back, registry);
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["revoked"], serde_json::json!(["7", "42"]));
    assert_eq!(value["sequence"], "2");

    let alter = |change: &dyn Fn(&mut Value)| {
        let mut v = value.clone();
        change(&mut v);
        RevocationRegistry::from_json(serde_json::to_string(&v).unwrap().as_bytes())
    };
    // Another sequence (replaying an old root as new): the signature fails.
    assert!(matches!(
        alter(&|v| v["sequence"] = "3".into()),
        Err(RevocationError::BadSignature)
    ));
    // An id removed, the root recomputed to match: the signature fails.
    let unrevoked = field::to_decimal(&RevocationTree::new([42u64]).unwrap().root());
    assert!(matches!(
        alter(&|v| {
            v["revoked"] = serde_json::json!(["42"]);
            v["root"] = unrevoked.clone().into();
        }),
        Err(RevocationError::BadSignature)
    ));
    // An id removed, the root kept: mismatch.
    assert!(matches!(
        alter(&|v| v["revoked"] = serde_json::json!(["42"])),
        Err(RevocationError::RootMismatch)
    ));
    // Another issuer's key in the file (signature by ours).
    let (ax, ay) = other.public_key().point().to_decimal();
    assert!(matches!(
        alter(&|v| {
            v["issuer"]["Ax"] = ax.clone().into();
            v["issuer"]["Ay"] = ay.clone().into();
        }),
        Err(RevocationError::BadSignature)
    ));
    // Malformed.
    assert!(matches!(
        alter(&|v| v["revoked"] = serde_json::json!(["42", "7"])),
        Err(RevocationError::NotIncreasing { id: 7 })
    ));
    assert!(matches!(
        alter(&|v| v["revoked"] = serde_json::json!(["7", "7", "42"])),
        Err(RevocationError::NotIncreasing { id: 7 })
    ));
    assert!(matches!(
        alter(&|v| v["revoked"] = serde_json::json!(["07", "42"])),
        Err(RevocationError::BadNumber { .. })
    ));
    assert!(matches!(
        alter(&|v| v["revoked"] = serde_json::json!(["7", "18446744073709551616"])),
        Err(RevocationError::BadNumber { .. })
    ));
    assert!(matches!(
        alter(&|v| v["version"] = 2.into()),
        Err(RevocationError::UnsupportedVersion(2))
    ));
    assert!(matches!(
        alter(&|v| v["type"] = "issuer-public-key".into()),
        Err(RevocationError::WrongFileType(_))
    ));
    assert!(matches!(
        alter(&|v| v["depth"] = 32.into()),
        Err(RevocationError::UnsupportedDepth(32))
    ));
    assert!(matches!(
        alter(&|v| v["extra"] = 1.into()),
        Err(RevocationError::Json(_))
    ));
    assert!(matches!(
        alter(&|v| v["issuer"]["Ax"] = "0".into()),
        Err(RevocationError::Malformed(_))
    ));
    for cut in [0, 1, text.len() / 2, text.len() - 3] {
        assert!(matches!(
            RevocationRegistry::from_json(&text.as_bytes()[..cut]),
            Err(RevocationError::Json(_))
        ));
    }
}
