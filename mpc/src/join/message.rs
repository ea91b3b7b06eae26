//! Wire messages of the private join: one canonical, versioned, size-limited encoding.
//!
//! A message carries one set of compressed Ristretto255 points on its way through the
//! protocol (see [`crate::join`]): a party's set round the ring (*hop*), the same set on
//! its return chain (*blind*, keyed with `k·k'` by every other party), a completed
//! layer-1 set on its way to the deduplicating party (*complete*), the union on its way
//! through the layer-2 chain (*layer 2*) and the common order (*final*). Decoding
//! validates what a peer controls in the header and the layout: the version, kind,
//! origin and hop against what the round expects, the exact length (no trailing bytes),
//! the point count against the receiver's limit, and that no point repeats. That every
//! point is a canonical Ristretto255 encoding (`CompressedRistretto::decompress`) is
//! checked once, where the point is used (see [`crate::join`]). Every failure names the
//! sender ([`JoinError::PeerMisbehaved`]).
//! Several messages to the same peer in one exchange travel as one frame, simply
//! concatenated ([`split`]); each message's length follows from its header.

use std::fmt;

#[cfg(test)]
use rayon::prelude::*;

use crate::join::error::{JoinError, Misbehavior};
use crate::PartyId;

/// The format version written by this build (first byte of every message).
pub const VERSION: u8 = 5;
/// Bytes of one compressed Ristretto255 point.
pub const POINT_BYTES: usize = 32;
/// Bytes of the fixed header: version, kind, origin, hop, count.
pub const HEADER_BYTES: usize = 1 + 1 + 4 + 4 + 8;
/// The most 32-byte units of a proof-protocol message (keys, seed, proofs): a view
/// digest, four units per claim (at most `2n − 3` claims) and `n − 1` forwarded view
/// statements of `n + 5` units.
pub const MAX_PROOF_UNITS: usize = 1
    + 4 * (2 * crate::join::MAX_PARTIES)
    + (crate::join::MAX_PARTIES - 1) * (crate::join::MAX_PARTIES + 5);

/// The kinds of message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind {
    /// Layer 1: a party's set on its way round the ring, not yet keyed by every party.
    Hop,
    /// Layer 1: a set keyed by every party, shuffled, sent to the deduplicating party.
    Complete,
    /// A party's set on its return chain round the ring (keyed with `k_j·k'_j`).
    Blind,
    /// Layer 2: the deduplicated union on its way through the chain `1 → … → n`.
    Layer2,
    /// The common row order, broadcast by the last party of the chain.
    Final,
    /// Malicious protocol, exchange 1: a party's public keys `P`, `Q` and the
    /// commitment to its coefficient seed, to every party.
    Keys,
    /// Malicious protocol, exchange `n+1`: a party's coefficient seed, to every party.
    Seed,
    /// Malicious protocol, exchange `n+2`: a party's view digest and its claims
    /// (aggregates and Chaum–Pedersen proofs) for its positional steps, to every party.
    Proofs,
}

impl MessageKind {
    pub(crate) fn byte(self) -> u8 {
        match self {
            MessageKind::Hop => 1,
            MessageKind::Complete => 2,
            MessageKind::Blind => 3,
            MessageKind::Layer2 => 4,
            MessageKind::Final => 5,
            MessageKind::Keys => 6,
            MessageKind::Seed => 7,
            MessageKind::Proofs => 8,
        }
    }

    fn from_byte(b: u8) -> Option<MessageKind> {
        Some(match b {
            1 => MessageKind::Hop,
            2 => MessageKind::Complete,
            3 => MessageKind::Blind,
            4 => MessageKind::Layer2,
            5 => MessageKind::Final,
            6 => MessageKind::Keys,
            7 => MessageKind::Seed,
            8 => MessageKind::Proofs,
            _ => return None,
        })
    }
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MessageKind::Hop => "hop",
            MessageKind::Complete => "complete",
            MessageKind::Blind => "blind",
            MessageKind::Layer2 => "layer-2",
            MessageKind::Final => "final",
            MessageKind::Keys => "keys",
            MessageKind::Seed => "seed",
            MessageKind::Proofs => "proofs",
        })
    }
}

/// The header fields a receiver expects in a round.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Expect {
    pub kind: MessageKind,
    pub origin: PartyId,
    pub hop: u32,
    pub max_points: usize,
    /// The exact number of 32-byte units (proof-protocol messages).
    pub exact: Option<usize>,
}

/// A parsed header (not yet checked against a round).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Header {
    pub kind: MessageKind,
    pub origin: u32,
    pub hop: u32,
    pub count: u64,
}

/// Encodes a message.
///
/// # Layout
/// ```text
/// version  u8      = 4
/// kind     u8      1 hop, 2 complete, 3 blind, 4 layer 2, 5 final, 6 keys, 7 seed, 8 proofs
/// origin   u32 BE  1-based id of the party whose set this is (layer 2, final: party 1;
///                  keys, seed, proofs: the sender)
/// hop      u32 BE  how many keys have been applied (see `crate::join`; 0 for 6–8)
/// count    u64 BE  number of 32-byte units
/// units    count × 32 bytes: compressed Ristretto255 points (canonical encoding);
///          keys: P, Q, seed commitment; seed: the seed; proofs: view digest, then
///          per claim A_in, A_out, e, s
/// ```
pub fn encode(
    kind: MessageKind,
    origin: PartyId,
    hop: u32,
    points: impl ExactSizeIterator<Item = [u8; POINT_BYTES]>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_BYTES + POINT_BYTES * points.len());
    out.push(VERSION);
    out.push(kind.byte());
    out.extend_from_slice(&origin.0.to_be_bytes());
    out.extend_from_slice(&hop.to_be_bytes());
    out.extend_from_slice(&(points.len() as u64).to_be_bytes());
    for p in points {
        out.extend_from_slice(&p);
    }
    out
}

fn blame(party: PartyId, reason: Misbehavior) -> JoinError {
    JoinError::PeerMisbehaved { party, reason }
}

/// Reads the header of `bytes` (version, kind, count against `max_points`, exact
/// length); returns it with the body.
pub(crate) fn parse(
    from: PartyId,
    bytes: &[u8],
    max_points: usize,
) -> Result<(Header, &[u8]), JoinError> {
    let bad = |reason| blame(from, reason);
    let Some((header, body)) = bytes.split_first_chunk::<HEADER_BYTES>() else {
        return Err(bad(Misbehavior::Truncated { len: bytes.len() }));
    };
    if header[0] != VERSION {
        return Err(bad(Misbehavior::UnsupportedVersion(header[0])));
    }
    let kind = MessageKind::from_byte(header[1]).ok_or(bad(Misbehavior::UnknownKind(header[1])))?;
    let word = |at: usize| {
        u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    let mut count_bytes = [0u8; 8];
    count_bytes.copy_from_slice(&header[10..18]);
    let count = u64::from_be_bytes(count_bytes);
    let points = match usize::try_from(count) {
        Ok(c) if c <= max_points.max(MAX_PROOF_UNITS) => c,
        _ => {
            return Err(bad(Misbehavior::TooManyPoints {
                count,
                limit: max_points,
            }))
        }
    };
    if points.checked_mul(POINT_BYTES) != Some(body.len()) {
        return Err(bad(Misbehavior::WrongLength {
            count,
            body: body.len(),
        }));
    }
    Ok((
        Header {
            kind,
            origin: word(2),
            hop: word(6),
            count,
        },
        body,
    ))
}

/// Checks a parsed header against what the round expects, and that the body repeats
/// no point.
pub(crate) fn check(
    from: PartyId,
    header: Header,
    body: &[u8],
    expect: Expect,
) -> Result<(), JoinError> {
    let bad = |reason| blame(from, reason);
    if header.kind != expect.kind {
        return Err(bad(Misbehavior::WrongKind {
            expected: expect.kind,
            got: header.kind,
        }));
    }
    if header.origin != expect.origin.0 {
        return Err(bad(Misbehavior::WrongOrigin {
            expected: expect.origin,
            got: header.origin,
        }));
    }
    if header.hop != expect.hop {
        return Err(bad(Misbehavior::WrongHop {
            expected: expect.hop,
            got: header.hop,
        }));
    }
    if header.count > expect.max_points as u64 {
        return Err(bad(Misbehavior::TooManyPoints {
            count: header.count,
            limit: expect.max_points,
        }));
    }
    if let Some(exact) = expect.exact {
        if header.count != exact as u64 {
            return Err(bad(Misbehavior::WrongCount {
                origin: expect.origin,
                expected: exact,
                got: usize::try_from(header.count).unwrap_or(usize::MAX),
            }));
        }
        // Not a set: aggregates of one relay may coincide (same input, two chains).
        return Ok(());
    }
    check_distinct(from, body)
}

/// Checks the header against `expect` and returns the body (exactly `count` points).
#[cfg(test)]
pub(crate) fn check_header(
    from: PartyId,
    bytes: &[u8],
    expect: Expect,
) -> Result<&[u8], JoinError> {
    let (header, body) = parse(from, bytes, expect.max_points)?;
    check(from, header, body, expect)?;
    Ok(body)
}

/// Splits one frame into its messages (each one's length follows from its header).
///
/// # Errors
/// [`Misbehavior::Truncated`] or [`Misbehavior::TooManyPoints`] naming `from` when the
/// frame does not consist of whole messages within the limit.
pub fn split(from: PartyId, frame: &[u8], max_points: usize) -> Result<Vec<&[u8]>, JoinError> {
    let mut out = Vec::new();
    let mut rest = frame;
    while !rest.is_empty() {
        let Some((header, _)) = rest.split_first_chunk::<HEADER_BYTES>() else {
            return Err(blame(from, Misbehavior::Truncated { len: rest.len() }));
        };
        let mut count_bytes = [0u8; 8];
        count_bytes.copy_from_slice(&header[10..18]);
        let count = u64::from_be_bytes(count_bytes);
        let len = usize::try_from(count)
            .ok()
            .filter(|&c| c <= max_points.max(MAX_PROOF_UNITS))
            .and_then(|c| c.checked_mul(POINT_BYTES))
            .and_then(|b| b.checked_add(HEADER_BYTES))
            .ok_or(blame(
                from,
                Misbehavior::TooManyPoints {
                    count,
                    limit: max_points,
                },
            ))?;
        if len > rest.len() {
            return Err(blame(
                from,
                Misbehavior::WrongLength {
                    count,
                    body: rest.len() - HEADER_BYTES,
                },
            ));
        }
        let (message, tail) = rest.split_at(len);
        out.push(message);
        rest = tail;
    }
    Ok(out)
}

/// Refuses a body in which a 32-byte point encoding repeats.
fn check_distinct(from: PartyId, body: &[u8]) -> Result<(), JoinError> {
    match super::order::first_duplicate(body) {
        Some((first, second)) => Err(blame(from, Misbehavior::DuplicatePoint { first, second })),
        None => Ok(()),
    }
}

/// Decompresses every point of a checked body and maps it with `f`, in parallel.
#[cfg(test)]
///
/// # Errors
/// [`Misbehavior::InvalidPoint`] (naming `from` and a bad index) when a point
/// is not a canonical Ristretto255 encoding.
pub(crate) fn map_points<T: Send>(
    from: PartyId,
    body: &[u8],
    f: impl Fn(curve25519_dalek_5::RistrettoPoint, [u8; POINT_BYTES]) -> T + Sync,
) -> Result<Vec<T>, JoinError> {
    body.par_chunks_exact(POINT_BYTES)
        .enumerate()
        .map(|(index, chunk)| {
            let mut bytes = [0u8; POINT_BYTES];
            bytes.copy_from_slice(chunk);
            curve25519_dalek_5::ristretto::CompressedRistretto(bytes)
                .decompress()
                .map(|p| f(p, bytes))
                .ok_or(index)
        })
        .collect::<Result<Vec<T>, usize>>()
        .map_err(|index| blame(from, Misbehavior::InvalidPoint { index }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expect(kind: MessageKind, origin: u32, hop: u32) -> Expect {
        Expect {
            kind,
            origin: PartyId(origin),
            hop,
            max_points: 4,
            exact: None,
        }
    }

    #[test]
    fn layout_is_frozen() {
        let bytes = encode(MessageKind::Final, PartyId(3), 5, [[7u8; 32]].into_iter());
        let mut want = vec![5, 5, 0, 0, 0, 3, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1];
        want.extend([7u8; 32]);
        assert_eq!(bytes, want);
        assert_eq!(HEADER_BYTES, 18);
        let two = [bytes.clone(), bytes.clone()].concat();
        assert_eq!(
            split(PartyId(1), &two, 4).expect("two messages"),
            vec![&bytes[..], &bytes[..]]
        );
        assert!(split(PartyId(1), &two[..two.len() - 1], 4).is_err());
        assert!(split(PartyId(1), &[], 4).expect("empty frame").is_empty());
    }

    #[test]
    fn header_round_trips_and_rejects_mismatches() {
        let p = curve25519_dalek_5::constants::RISTRETTO_BASEPOINT_POINT;
        let pts = [p.compress().to_bytes(), (p + p).compress().to_bytes()];
        let bytes = encode(MessageKind::Hop, PartyId(2), 1, pts.into_iter());
        let body = check_header(PartyId(1), &bytes, expect(MessageKind::Hop, 2, 1))
            .expect("valid message");
        assert_eq!(body.len(), 64);
        let decoded = map_points(PartyId(1), body, |q, _| q).expect("valid message");
        assert_eq!(decoded, vec![p, p + p]);
        for (e, want) in [
            (expect(MessageKind::Final, 2, 1), "final message"),
            (expect(MessageKind::Hop, 3, 1), "party 3"),
            (expect(MessageKind::Hop, 2, 2), "expected 2"),
            (
                Expect {
                    max_points: 1,
                    ..expect(MessageKind::Hop, 2, 1)
                },
                "limit of 1",
            ),
        ] {
            match check_header(PartyId(1), &bytes, e) {
                Err(
                    err @ JoinError::PeerMisbehaved {
                        party: PartyId(1), ..
                    },
                ) => {
                    assert!(err.to_string().contains(want), "{err}");
                }
                other => panic!("accepted or wrong error: {other:?}"),
            }
        }
    }
}
