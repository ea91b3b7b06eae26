//! Private join (two-layer ECDH over Ristretto255), all parties in one process: results
//! equal a plaintext join for n = 2, 3, 4 and 0 %, 50 %, 100 % overlap; duplicate ids and
//! malformed messages are refused naming the party at fault; no id (or its unkeyed
//! hash) ever appears in the bytes on the wire, and no tag of the common order travels
//! labelled with the party that holds it (the membership pattern stays hidden).

use std::collections::{BTreeMap, BTreeSet};

use conclave_mpc::join::view::ViewStatement;
use conclave_mpc::join::{
    self, hash_id, memory, message, JoinError, JoinIdentity, JoinLimits, JoinOutput, JoinParty,
    JoinProtocol, Misbehavior, Step,
};
use conclave_mpc::PartyId;
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn rngs(n: usize, seed: u64) -> Vec<ChaCha20Rng> {
    (0..n)
        .map(|i| ChaCha20Rng::seed_from_u64(seed * 100 + i as u64))
        .collect()
}

fn random_id(rng: &mut ChaCha20Rng) -> Vec<u8> {
    let mut id = b"cust-".to_vec();
    id.extend((0..11).map(|_| rng.gen_range(b'a'..=b'z')));
    id
}

/// `n` sets of `size` ids each; `overlap_percent` of each set is common to all parties,
/// the rest is unique to the party. Each set is in its own random order.
fn sets(n: usize, size: usize, overlap_percent: usize, seed: u64) -> Vec<Vec<Vec<u8>>> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let shared = size * overlap_percent / 100;
    let common: Vec<Vec<u8>> = (0..shared).map(|_| random_id(&mut rng)).collect();
    (0..n)
        .map(|_| {
            let mut s = common.clone();
            s.extend((shared..size).map(|_| random_id(&mut rng)));
            s.shuffle(&mut rng);
            s
        })
        .collect()
}

/// Asserts that the outputs are exactly the plaintext join of `sets`.
fn assert_plaintext_join(sets: &[Vec<Vec<u8>>], outs: &[JoinOutput]) {
    let union: BTreeSet<&[u8]> = sets.iter().flatten().map(Vec::as_slice).collect();
    let tags = outs[0].tags();
    for out in outs {
        assert_eq!(out.tags(), tags, "every party has the same common order");
        assert_eq!(out.len(), union.len(), "one row per id of the union");
        assert_eq!(out.own_rows().len(), out.len());
    }
    assert!(
        tags.windows(2).all(|w| w[0] < w[1]),
        "sorted, distinct tags"
    );
    // Each row maps to one plaintext id; each id of the union to one row.
    let mut row_id: Vec<Option<&[u8]>> = vec![None; tags.len()];
    for (set, out) in sets.iter().zip(outs) {
        let mut seen = vec![false; set.len()];
        for (row, own) in out.own_rows().iter().enumerate() {
            let Some(input) = *own else { continue };
            assert!(!seen[input], "an input row appears twice");
            seen[input] = true;
            let id = set[input].as_slice();
            match row_id[row] {
                None => row_id[row] = Some(id),
                Some(other) => assert_eq!(other, id, "row {row} holds different ids"),
            }
        }
        assert!(seen.iter().all(|&s| s), "every input row is in the order");
    }
    let mut id_row: BTreeMap<&[u8], usize> = BTreeMap::new();
    for (row, id) in row_id.iter().enumerate() {
        let id = id.expect("every row is some party's id");
        assert!(id_row.insert(id, row).is_none(), "one id in two rows");
    }
    assert_eq!(id_row.keys().copied().collect::<BTreeSet<_>>(), union);
    // Presence bits equal plaintext membership.
    for (set, out) in sets.iter().zip(outs) {
        let mine: BTreeSet<&[u8]> = set.iter().map(Vec::as_slice).collect();
        for (row, present) in out.presence().enumerate() {
            let id = row_id[row].expect("checked above");
            assert_eq!(present, mine.contains(id));
        }
    }
}

#[test]
fn join_equals_plaintext_join() {
    for n in 2..=4 {
        for overlap in [0, 50, 100] {
            for (seed, size) in [(1u64, 40usize), (2, 1), (3, 7)] {
                let seed = seed * 1000 + n as u64 * 10 + overlap as u64;
                let sets = sets(n, size, overlap, seed);
                let outs = memory::run(&sets, &mut rngs(n, seed)).unwrap();
                assert_plaintext_join(&sets, &outs);
                let union: BTreeSet<_> = sets.iter().flatten().collect();
                let expected = match overlap {
                    0 => n * size,
                    100 => size,
                    _ => union.len(),
                };
                assert_eq!(outs[0].len(), expected, "n={n} overlap={overlap}");
            }
        }
    }
}

/// With proofs, the held messages kept as encodings (no budget for decompressed points,
/// or a budget that fits some of them) give the same join as the default.
#[test]
fn join_equals_plaintext_join_whatever_the_held_points_budget() {
    for n in [2, 3] {
        let sets = sets(n, 30, 50, 70 + n as u64);
        let default = memory::run(&sets, &mut rngs(n, 8)).unwrap();
        assert_plaintext_join(&sets, &default);
        for max_held_points in [0, 45] {
            let limits = JoinLimits {
                max_held_points,
                ..JoinLimits::default()
            };
            let outs = memory::run_with(&sets, &mut rngs(n, 8), limits, |_, _, _| {}).unwrap();
            assert_eq!(outs, default, "n={n} held={max_held_points}");
        }
    }
}

/// The timed runner gives the same join, one step per exchange plus the start for
/// every party, and the critical path is the sum of each step's slowest party.
#[test]
fn timed_join_equals_the_join_and_times_every_step() {
    let sets = sets(3, 20, 50, 44);
    let plain = memory::run(&sets, &mut rngs(3, 9)).unwrap();
    let (outs, timings) = memory::run_timed(
        &sets,
        &mut rngs(3, 9),
        JoinLimits::default(),
        JoinProtocol::Malicious,
    )
    .unwrap();
    assert_eq!(outs, plain);
    assert_eq!(timings.steps.len(), 1 + join::Joining::exchanges(3));
    assert!(timings.steps.iter().all(|s| s.len() == 3));
    let ms = std::time::Duration::from_millis;
    let made_up = memory::Timings {
        steps: vec![vec![ms(1), ms(5)], vec![ms(7), ms(2)]],
    };
    assert_eq!(made_up.critical_path(), ms(12));
    assert_eq!(made_up.per_party(), vec![ms(8), ms(7)]);
}

#[test]
fn join_with_unequal_and_empty_sets() {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let pool: Vec<Vec<u8>> = (0..60).map(|_| random_id(&mut rng)).collect();
    for n in 2..=5 {
        let mut sets: Vec<Vec<Vec<u8>>> = (0..n)
            .map(|_| {
                let k = rng.gen_range(0..40);
                let mut s: Vec<Vec<u8>> = pool.choose_multiple(&mut rng, k).cloned().collect();
                s.shuffle(&mut rng);
                s
            })
            .collect();
        sets[n - 1].clear();
        let outs = memory::run(&sets, &mut rngs(n, 70 + n as u64)).unwrap();
        assert_plaintext_join(&sets, &outs);
    }
}

#[test]
fn join_tags_differ_between_runs() {
    let sets = sets(2, 20, 100, 9);
    let a = memory::run(&sets, &mut rngs(2, 1)).unwrap();
    let b = memory::run(&sets, &mut rngs(2, 2)).unwrap();
    let a: BTreeSet<_> = a[0].tags().iter().collect();
    assert!(
        b[0].tags().iter().all(|t| !a.contains(t)),
        "fresh keys: unlinkable runs"
    );
}

#[test]
fn join_refuses_duplicate_ids_before_sending() {
    let mut sets = sets(3, 10, 50, 11);
    let dup = sets[1][2].clone();
    sets[1][8] = dup;
    let mut sent = 0;
    let err = memory::run_with(&sets, &mut rngs(3, 1), JoinLimits::default(), |_, _, _| {
        sent += 1
    })
    .unwrap_err();
    assert!(
        matches!(
            err,
            JoinError::DuplicateId {
                first: 2,
                second: 8
            }
        ),
        "{err}"
    );
    assert_eq!(sent, 0, "nothing is sent");
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let err = JoinParty::new(PartyId(1), 2, &sets[1], JoinLimits::default(), &mut rng).unwrap_err();
    assert!(!err
        .to_string()
        .contains(std::str::from_utf8(&sets[1][2]).unwrap()));
}

#[test]
fn join_refuses_bad_parameters() {
    let ids = [b"a".to_vec(), b"b".to_vec()];
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let lim = JoinLimits::default();
    assert!(matches!(
        JoinParty::new(PartyId(1), 1, &ids, lim, &mut rng),
        Err(JoinError::PartyCount { parties: 1, .. })
    ));
    assert!(matches!(
        JoinParty::new(PartyId(3), 2, &ids, lim, &mut rng),
        Err(JoinError::UnknownParty { party: 3, .. })
    ));
    assert!(matches!(
        JoinParty::new(
            PartyId(1),
            2,
            &ids,
            JoinLimits {
                max_rows: 1,
                ..JoinLimits::default()
            },
            &mut rng
        ),
        Err(JoinError::TooManyRows { rows: 2, limit: 1 })
    ));
}

/// Positions in the message layout (see `message::encode`).
const COUNT_AT: usize = 10;
const BODY_AT: usize = message::HEADER_BYTES;
/// Kind bytes.
const HOP: u8 = 1;
const COMPLETE: u8 = 2;
const BLIND: u8 = 3;
const LAYER2: u8 = 4;
const FINAL: u8 = 5;
const KEYS: u8 = 6;
const SEED: u8 = 7;
const PROOFS: u8 = 8;

fn set_count(bytes: &mut [u8], count: u64) {
    bytes[COUNT_AT..COUNT_AT + 8].copy_from_slice(&count.to_be_bytes());
}

fn shrink(b: &mut Vec<u8>) {
    let count = u64::from_be_bytes(b[COUNT_AT..COUNT_AT + 8].try_into().unwrap());
    set_count(b, count - 1);
    b.truncate(b.len() - 32);
}

type Tamper = fn(&mut Vec<u8>);

#[test]
fn join_refuses_malformed_messages_naming_the_sender() {
    // (what, which kind of message is altered, how, which refusal)
    type Probe = (&'static str, u8, Tamper, fn(&Misbehavior) -> bool);
    let probes: Vec<Probe> = vec![
        (
            "point that does not decompress",
            HOP,
            |b| b[BODY_AT..BODY_AT + 32].copy_from_slice(&[0xff; 32]),
            |m| matches!(m, Misbehavior::InvalidPoint { index: 0 }),
        ),
        (
            "negative (odd) encoding",
            FINAL,
            |b| {
                let at = BODY_AT + 32;
                b[at..at + 32].copy_from_slice(&[0; 32]);
                b[at] = 1;
            },
            |m| matches!(m, Misbehavior::InvalidPoint { index: 1 }),
        ),
        // Complete sets are validated once, when the deduplicating party keys the union
        // (n ≥ 3) or on arrival (n = 2); the return chain and layer 2 on arrival (party
        // n skips only the rows equal to its own returned set): each still names the
        // sender and the point's position in its message.
        (
            "complete set with a point that does not decompress",
            COMPLETE,
            |b| b[BODY_AT + 64..BODY_AT + 96].copy_from_slice(&[0xff; 32]),
            |m| matches!(m, Misbehavior::InvalidPoint { index: 2 }),
        ),
        (
            "return chain with a point that does not decompress",
            BLIND,
            |b| b[BODY_AT + 32..BODY_AT + 64].copy_from_slice(&[0xff; 32]),
            |m| matches!(m, Misbehavior::InvalidPoint { index: 1 }),
        ),
        (
            "layer-2 union with a non-canonical point",
            LAYER2,
            |b| {
                let at = BODY_AT + 3 * 32;
                b[at..at + 32].copy_from_slice(&[0; 32]);
                b[at] = 1;
            },
            |m| matches!(m, Misbehavior::InvalidPoint { index: 3 }),
        ),
        (
            "trailing byte",
            HOP,
            |b| b.push(0),
            |m| matches!(m, Misbehavior::WrongLength { .. }),
        ),
        (
            "one byte short",
            FINAL,
            |b| {
                b.pop();
            },
            |m| matches!(m, Misbehavior::WrongLength { .. }),
        ),
        (
            "truncated header",
            BLIND,
            |b| b.truncate(5),
            |m| matches!(m, Misbehavior::Truncated { len: 5 }),
        ),
        (
            "count beyond the limit",
            HOP,
            |b| set_count(b, u64::MAX),
            |m| matches!(m, Misbehavior::TooManyPoints { .. }),
        ),
        (
            "complete set shrunk on the way (wrong count)",
            COMPLETE,
            shrink,
            |m| {
                matches!(
                    m,
                    Misbehavior::WrongCount {
                        expected: 6,
                        got: 5,
                        ..
                    }
                )
            },
        ),
        ("blinded set shrunk (wrong count)", BLIND, shrink, |m| {
            matches!(m, Misbehavior::WrongCount { got: 5, .. })
        }),
        ("common order shrunk", FINAL, shrink, |m| {
            matches!(m, Misbehavior::ImplausibleUnion { .. })
        }),
        (
            "common order not sorted",
            FINAL,
            |b| {
                let first: [u8; 32] = b[BODY_AT..BODY_AT + 32].try_into().unwrap();
                let second: [u8; 32] = b[BODY_AT + 32..BODY_AT + 64].try_into().unwrap();
                b[BODY_AT..BODY_AT + 32].copy_from_slice(&second);
                b[BODY_AT + 32..BODY_AT + 64].copy_from_slice(&first);
            },
            |m| matches!(m, Misbehavior::Unsorted { index: 1 }),
        ),
        (
            "duplicate point",
            HOP,
            |b| {
                let first: [u8; 32] = b[BODY_AT..BODY_AT + 32].try_into().unwrap();
                b[BODY_AT + 64..BODY_AT + 96].copy_from_slice(&first);
            },
            |m| {
                matches!(
                    m,
                    Misbehavior::DuplicatePoint {
                        first: 0,
                        second: 2
                    }
                )
            },
        ),
        (
            "unknown version",
            HOP,
            |b| b[0] = 9,
            |m| matches!(m, Misbehavior::UnsupportedVersion(9)),
        ),
        (
            "unknown kind",
            FINAL,
            |b| b[1] = 9,
            |m| matches!(m, Misbehavior::UnknownKind(9)),
        ),
        (
            "final sent as a hop",
            FINAL,
            |b| b[1] = 1,
            |m| matches!(m, Misbehavior::WrongKind { .. }),
        ),
        (
            "another party's set",
            HOP,
            |b| b[5] ^= 3,
            |m| matches!(m, Misbehavior::WrongOrigin { .. }),
        ),
        (
            "wrong hop",
            BLIND,
            |b| b[9] += 1,
            |m| matches!(m, Misbehavior::WrongHop { .. }),
        ),
        // The malicious protocol's messages (wire version 5).
        (
            "public key that does not decompress",
            KEYS,
            |b| b[BODY_AT..BODY_AT + 32].copy_from_slice(&[0xff; 32]),
            |m| matches!(m, Misbehavior::InvalidPoint { index: 0 }),
        ),
        ("keys message one unit short", KEYS, shrink, |m| {
            matches!(
                m,
                Misbehavior::WrongCount {
                    expected: 3,
                    got: 2,
                    ..
                }
            )
        }),
        (
            "seed that does not open its commitment",
            SEED,
            |b| b[BODY_AT] ^= 1,
            |m| matches!(m, Misbehavior::BadSeed),
        ),
        (
            "signature on the view statement altered",
            SEED,
            |b| b[BODY_AT + 32] ^= 1,
            |m| matches!(m, Misbehavior::BadStatementSignature),
        ),
        (
            "view statement with other seed commitments than were sent",
            SEED,
            |b| {
                let at = BODY_AT + 3 * 32;
                for byte in &mut b[at..] {
                    *byte ^= 1;
                }
            },
            |m| matches!(m, Misbehavior::StatementContradicts { .. }),
        ),
        (
            "view digest altered",
            PROOFS,
            |b| b[BODY_AT] ^= 1,
            |m| matches!(m, Misbehavior::WrongViewDigest),
        ),
        (
            "view digest and a forwarded view statement altered",
            PROOFS,
            |b| {
                b[BODY_AT] ^= 1;
                let last = b.len() - 1;
                b[last] ^= 1;
            },
            |m| matches!(m, Misbehavior::ForgedStatement { .. }),
        ),
        (
            "proof with a non-canonical scalar",
            PROOFS,
            |b| {
                let at = BODY_AT + 3 * 32;
                b[at..at + 32].copy_from_slice(&[0xff; 32]);
            },
            |m| matches!(m, Misbehavior::InvalidScalar { index: 3 }),
        ),
        (
            "aggregate replaced by another valid point",
            PROOFS,
            |b| {
                let at = BODY_AT + 2 * 32;
                let other = curve25519_dalek_5::constants::RISTRETTO_BASEPOINT_COMPRESSED;
                b[at..at + 32].copy_from_slice(other.as_bytes());
            },
            |m| matches!(m, Misbehavior::BadProof { .. }),
        ),
        (
            "proof response altered",
            PROOFS,
            |b| {
                let at = BODY_AT + 4 * 32;
                b[at] ^= 1;
            },
            |m| matches!(m, Misbehavior::BadProof { .. }),
        ),
        (
            "aggregate that does not decompress",
            PROOFS,
            |b| {
                let at = BODY_AT + 32;
                b[at..at + 32].copy_from_slice(&[0xff; 32]);
            },
            |m| matches!(m, Misbehavior::InvalidPoint { index: 1 }),
        ),
    ];
    let mut tampered = 0;
    for n in [2, 3, 4] {
        let sets = sets(n, 6, 50, 40 + n as u64);
        for cheater in 1..=n as u32 {
            for (name, kind, tamper, expect) in &probes {
                let mut victim = None;
                let result = memory::run_with(
                    &sets,
                    &mut rngs(n, 5),
                    JoinLimits::default(),
                    |from, to, bytes| {
                        if from.0 == cheater && bytes[1] == *kind && victim.is_none() {
                            tamper(bytes);
                            victim = Some(to);
                        }
                    },
                );
                if victim.is_none() {
                    // This party never sends such a message (e.g. only party n sends
                    // the common order).
                    result.unwrap();
                    continue;
                }
                tampered += 1;
                let err = result.unwrap_err();
                match &err {
                    JoinError::PeerMisbehaved { party, reason } => {
                        assert_eq!(party.0, cheater, "n={n} {name}: {err}");
                        assert!(expect(reason), "n={n} {name}: {err}");
                        assert!(err.to_string().contains(&format!("party {cheater}")));
                    }
                    other => panic!("n={n} {name}: unexpected error {other}"),
                }
            }
        }
    }
    assert!(tampered > 100, "{tampered} probes ran");
}

#[test]
fn join_refuses_a_message_from_the_wrong_party() {
    let sets = sets(3, 4, 50, 3);
    // Party 3's first messages are redirected to party 2, who expects party 1's.
    let mut rs = rngs(3, 1);
    let mut identities = JoinIdentity::generate(3, &mut ChaCha20Rng::seed_from_u64(9)).into_iter();
    let mut starts: Vec<_> = sets
        .iter()
        .zip(rs.iter_mut())
        .enumerate()
        .map(|(i, (s, r))| {
            JoinParty::new(PartyId::from_index(i), 3, s, JoinLimits::default(), r)
                .unwrap()
                .with_identity(identities.next().unwrap())
                .start(r)
                .unwrap()
        })
        .collect();
    let (_, from3) = starts.pop().unwrap();
    let (state2, _) = starts.pop().unwrap();
    assert_eq!(state2.exchange(), 1);
    let msgs: Vec<(PartyId, &[u8])> = from3
        .iter()
        .map(|o| (PartyId(3), o.bytes.as_slice()))
        .collect();
    let err = state2.receive(&msgs, &mut rs[1]).unwrap_err();
    assert!(
        matches!(
            err,
            JoinError::PeerMisbehaved {
                party: PartyId(3),
                reason: Misbehavior::UnexpectedMessage
            }
        ),
        "{err}"
    );
    // Nothing at all: the party that owed messages is named.
    let identity = JoinIdentity::generate(3, &mut ChaCha20Rng::seed_from_u64(9)).remove(1);
    let (state2, _) = JoinParty::new(PartyId(2), 3, &sets[1], JoinLimits::default(), &mut rs[1])
        .unwrap()
        .with_identity(identity)
        .start(&mut rs[1])
        .unwrap();
    let err = state2.receive(&[], &mut rs[1]).unwrap_err();
    assert!(
        matches!(err, JoinError::MissingMessage { party: PartyId(1) }),
        "{err}"
    );
}

/// The fix of the membership leak: no point of the common order ever travels except in
/// the final broadcast, so no party sees a tag labelled with who holds it (the old
/// protocol broadcast every party's complete set, labelled with its origin).
#[test]
fn join_never_sends_tags_labelled_with_their_holder() {
    for n in [2, 3, 4] {
        let sets = sets(n, 30, 50, 80 + n as u64);
        let mut wire: Vec<(PartyId, PartyId, Vec<u8>)> = Vec::new();
        let outs = memory::run_with(&sets, &mut rngs(n, 4), JoinLimits::default(), |f, t, b| {
            wire.push((f, t, b.clone()))
        })
        .unwrap();
        assert_plaintext_join(&sets, &outs);
        let tags: BTreeSet<&[u8]> = outs[0].tags().iter().map(|t| &t[..]).collect();
        let mut finals = 0;
        for (from, _, bytes) in &wire {
            if bytes[1] == FINAL {
                assert_eq!(from.0 as usize, n, "only the last party of the chain");
                finals += 1;
                continue;
            }
            for point in bytes[BODY_AT..].chunks(32) {
                assert!(
                    !tags.contains(point),
                    "a tag travels outside the final order"
                );
            }
        }
        assert_eq!(finals, n - 1);
        // Party 1 (deduplicating) and the completers see layer-1 values; none is a tag.
        // Every party's view of its own rows is exactly its own ids.
        for (set, out) in sets.iter().zip(&outs) {
            assert_eq!(out.presence().filter(|p| *p).count(), set.len());
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn join_messages_never_carry_ids_or_their_hashes() {
    for n in [2, 3, 4] {
        let sets = sets(n, 30, 50, 60 + n as u64);
        let mut wire: Vec<Vec<u8>> = Vec::new();
        let outs = memory::run_with(&sets, &mut rngs(n, 3), JoinLimits::default(), |_, _, b| {
            wire.push(b.clone())
        })
        .unwrap();
        assert_plaintext_join(&sets, &outs);
        // hops n(n−1), return-chain hops n(n−1), completes n−1, layer 2 n−1, final n−1;
        // keys, seeds and proofs n(n−1) each
        assert_eq!(
            wire.len(),
            2 * n * (n - 1) + 3 * (n - 1) + 3 * n * (n - 1),
            "messages"
        );
        for id in sets.iter().flatten() {
            let unkeyed = hash_id(id).compress().to_bytes();
            for bytes in &wire {
                assert!(!contains(bytes, id), "an id appears on the wire");
                assert!(!contains(bytes, &unkeyed[..16]), "an unkeyed hash appears");
            }
        }
        // The ids never leave through the outputs either: only tags and row indices.
        for out in &outs {
            let dump = format!("{out:?}");
            for id in sets.iter().flatten() {
                assert!(!dump.contains(std::str::from_utf8(id).unwrap()));
            }
        }
    }
}

#[test]
fn join_states_redact_debug() {
    let ids = [b"secret-id-1".to_vec()];
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let identity = JoinIdentity::generate(2, &mut rng).remove(0);
    let party = JoinParty::new(PartyId(1), 2, &ids, JoinLimits::default(), &mut rng)
        .unwrap()
        .with_identity(identity);
    let dump = format!("{party:?}");
    assert!(dump.contains("rows: 1"), "{dump}");
    let (state, _) = party.start(&mut rng).unwrap();
    let dump = format!("{state:?}");
    assert!(
        !dump.contains("Scalar") && !dump.contains("own_tags"),
        "{dump}"
    );
    assert_eq!(join::MAX_PARTIES, 64);
    let _: Option<Step> = None;
}

/// Raises every point of a set message by `w` (a test scalar): what a relay that
/// used the key `k·w` instead of its key `k` would have sent.
fn reexponentiate(bytes: &mut [u8], w: &curve25519_dalek_5::Scalar) {
    for chunk in bytes[BODY_AT..].chunks_exact_mut(32) {
        let p = curve25519_dalek_5::ristretto::CompressedRistretto(chunk.try_into().unwrap())
            .decompress()
            .unwrap();
        chunk.copy_from_slice((p * w).compress().as_bytes());
    }
}

fn hop_of(bytes: &[u8]) -> u32 {
    u32::from_be_bytes(bytes[6..10].try_into().unwrap())
}

/// Rows held by every party.
fn shared_rows(outs: &[JoinOutput]) -> usize {
    (0..outs[0].len())
        .filter(|&r| outs.iter().all(|o| o.own_rows()[r].is_some()))
        .count()
}

/// The attack the proofs close: a relay that applies a wrong but consistent key on
/// both chains of every set it relays (layer 1 and the return chain, and the complete
/// set it sends). Semi-honest, the ids of its own set silently stop matching the
/// others'; with proofs, every honest party that holds one of its messages names it
/// before the join ends.
#[test]
fn join_names_a_relay_that_uses_a_wrong_key() {
    let w = curve25519_dalek_5::Scalar::from(7u8);
    for n in [2, 3, 4] {
        let sets = sets(n, 12, 50, 90 + n as u64);
        let shared = 6;
        for cheater in 1..=n as u32 {
            let cheat = |from: PartyId, _to: PartyId, bytes: &mut Vec<u8>| {
                let relay_step = match bytes[1] {
                    HOP => hop_of(bytes) >= 2,
                    BLIND | COMPLETE => true,
                    _ => false,
                };
                if from.0 == cheater && relay_step {
                    reexponentiate(bytes, &w);
                }
            };
            // Semi-honest: no party can tell; shared customers are lost (or the
            // cheater's victims see their own ids missing, naming nobody).
            match memory::run_protocol(
                &sets,
                &mut rngs(n, 6),
                JoinLimits::default(),
                JoinProtocol::SemiHonest,
                cheat,
            ) {
                Ok(outs) => assert!(shared_rows(&outs) < shared, "n={n} cheater={cheater}"),
                Err(e) => assert!(
                    matches!(e, JoinError::OrderInconsistent { .. }),
                    "n={n} cheater={cheater}: {e}"
                ),
            }
            // Malicious: named, whether the held messages are kept decompressed (the
            // default), as encodings (no budget) or some of each.
            for max_held_points in [JoinLimits::default().max_held_points, 0, 18] {
                let limits = JoinLimits {
                    max_held_points,
                    ..JoinLimits::default()
                };
                let errors = memory::run_report(
                    &sets,
                    &mut rngs(n, 6),
                    limits,
                    JoinProtocol::Malicious,
                    cheat,
                )
                .unwrap_err();
                let honest: Vec<&(PartyId, JoinError)> =
                    errors.iter().filter(|(p, _)| p.0 != cheater).collect();
                assert!(!honest.is_empty(), "n={n} cheater={cheater}: {errors:?}");
                for (p, e) in honest {
                    assert!(
                        matches!(
                            e,
                            JoinError::PeerMisbehaved {
                                party,
                                reason: Misbehavior::WrongAggregate { .. }
                            } if party.0 == cheater
                        ),
                        "n={n} cheater={cheater} held={max_held_points}: party {p} reported {e}"
                    );
                    assert!(e.to_string().contains(&format!("party {cheater} ")), "{e}");
                }
            }
        }
    }
}

/// The same sets joined with and without proofs give the same common order and rows
/// (same seeds: the proofs change no set message), and the semi-honest protocol sends
/// no keys, seeds or proofs.
#[test]
fn semi_honest_join_is_unchanged_and_sends_no_proofs() {
    for n in [2, 3, 4] {
        let sets = sets(n, 20, 50, 30 + n as u64);
        let mut kinds = BTreeSet::new();
        let semi = memory::run_protocol(
            &sets,
            &mut rngs(n, 8),
            JoinLimits::default(),
            JoinProtocol::SemiHonest,
            |_, _, b| {
                kinds.insert(b[1]);
            },
        )
        .unwrap();
        assert_plaintext_join(&sets, &semi);
        assert!(kinds.iter().all(|k| (HOP..=FINAL).contains(k)), "{kinds:?}");
        let mal = memory::run(&sets, &mut rngs(n, 8)).unwrap();
        assert_plaintext_join(&sets, &mal);
        assert_eq!(semi.len(), mal.len());
        assert_ne!(
            JoinProtocol::Malicious.name(),
            JoinProtocol::SemiHonest.name()
        );
    }
}

/// The malicious join refuses to start without a signing identity that fits it, before
/// anything is sent; the semi-honest one needs none.
#[test]
fn malicious_join_needs_a_fitting_identity() {
    let ids = [b"a".to_vec()];
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let new = |rng: &mut ChaCha20Rng| {
        JoinParty::new(PartyId(1), 2, &ids, JoinLimits::default(), rng).unwrap()
    };
    let err = new(&mut rng).start(&mut rng).unwrap_err();
    assert!(matches!(err, JoinError::MissingIdentity), "{err}");
    // Keys for three parties, or party 2's key, in a two-party join as party 1.
    let three = JoinIdentity::generate(3, &mut rng).remove(0);
    let err = new(&mut rng)
        .with_identity(three)
        .start(&mut rng)
        .unwrap_err();
    assert!(
        matches!(err, JoinError::IdentityMismatch { keys: 3, .. }),
        "{err}"
    );
    let second = JoinIdentity::generate(2, &mut rng).remove(1);
    let err = new(&mut rng)
        .with_identity(second)
        .start(&mut rng)
        .unwrap_err();
    assert!(
        matches!(err, JoinError::IdentityMismatch { keys: 2, .. }),
        "{err}"
    );
    new(&mut rng)
        .with_protocol(JoinProtocol::SemiHonest)
        .start(&mut rng)
        .unwrap();
}

/// Every error an honest party (not party 1) reported names party 1 for one of `allowed`.
fn honest_reports_name_party_1(
    reports: &[(PartyId, JoinError)],
    allowed: &[Misbehavior],
    what: &str,
) {
    let honest: Vec<_> = reports.iter().filter(|(at, _)| at.0 != 1).collect();
    assert!(!honest.is_empty(), "{what}: {reports:?}");
    for (at, e) in honest {
        match e {
            JoinError::PeerMisbehaved { party, reason } => {
                assert_eq!(party.0, 1, "{what}: party {at}: {e}");
                assert!(allowed.contains(reason), "{what}: party {at}: {e}");
            }
            other => panic!("{what}: party {at}: {other}"),
        }
    }
}

/// A party that shows different public keys to different parties is named: with keys
/// that contradict its signed view statement by the receiver of those keys, and when it
/// signs two different statements (another key for party 3) by every honest party,
/// through the statements forwarded with the proofs.
#[test]
fn join_names_a_party_that_shows_different_values_to_different_parties() {
    for n in [2, 3, 4] {
        let sets = sets(n, 8, 50, 20 + n as u64);
        let errors = memory::run_report(
            &sets,
            &mut rngs(n, 2),
            JoinLimits::default(),
            JoinProtocol::Malicious,
            |from, to, b| {
                if b[1] == KEYS && from.0 == 1 && to.0 == 2 {
                    let other = curve25519_dalek_5::constants::RISTRETTO_BASEPOINT_COMPRESSED;
                    b[BODY_AT..BODY_AT + 32].copy_from_slice(other.as_bytes());
                }
            },
        )
        .unwrap_err();
        honest_reports_name_party_1(
            &errors,
            &[Misbehavior::BadStatementSignature],
            &format!("n={n} other key"),
        );
    }
    for n in [3, 4] {
        let sets = sets(n, 8, 50, 30 + n as u64);
        let mut rs = rngs(n, 4);
        // `memory::run_report` draws the parties' identities from the first generator.
        let cheater = JoinIdentity::generate(n, &mut rs[0].clone()).remove(0);
        let other_key = curve25519_dalek_5::constants::RISTRETTO_BASEPOINT_COMPRESSED.to_bytes();
        let mut q = [0u8; 32];
        let errors = memory::run_report(
            &sets,
            &mut rs,
            JoinLimits::default(),
            JoinProtocol::Malicious,
            |from, to, b| {
                if from.0 != 1 || to.0 != 3 {
                    return;
                }
                if b[1] == KEYS {
                    q.copy_from_slice(&b[BODY_AT + 32..BODY_AT + 64]);
                    b[BODY_AT..BODY_AT + 32].copy_from_slice(&other_key);
                }
                if b[1] == SEED {
                    // Party 1 signs a second statement, with the key party 3 got.
                    let units: Vec<[u8; 32]> = b[BODY_AT..]
                        .chunks(32)
                        .map(|c| c.try_into().unwrap())
                        .collect();
                    let second = ViewStatement::sign(
                        &cheater,
                        PartyId(1),
                        [other_key, q, units[0]],
                        units[3..].to_vec(),
                    );
                    b.truncate(BODY_AT);
                    b.extend_from_slice(&second.seed_units().concat());
                }
            },
        )
        .unwrap_err();
        honest_reports_name_party_1(
            &errors,
            &[Misbehavior::Equivocated, Misbehavior::WrongViewDigest],
            &format!("n={n} two statements"),
        );
        assert!(
            errors.iter().any(|(at, e)| at.0 != 1
                && matches!(
                    e,
                    JoinError::PeerMisbehaved {
                        reason: Misbehavior::Equivocated,
                        ..
                    }
                )),
            "n={n}: {errors:?}"
        );
        assert!(errors
            .iter()
            .any(|(_, e)| e.to_string().contains("signed two different views")));
    }
}
