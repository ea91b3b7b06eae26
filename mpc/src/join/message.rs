//! Wire messages of the private join: one canonical, versioned, size-limited encoding.
//!
//! A message carries one party's set (its *origin*) on its way round the ring, as
//! compressed Ristretto255 points. Decoding validates everything a peer controls: the
//! version, kind, origin and hop against what the round expects, the exact length
//! (no trailing bytes), the point count against the receiver's limit, that every point
//! is a canonical Ristretto255 encoding (`CompressedRistretto::decompress`), and that no
//! point repeats. Every failure names the sender ([`JoinError::PeerMisbehaved`]).

use std::fmt;

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use rayon::prelude::*;

use crate::join::error::{JoinError, Misbehavior};
use crate::PartyId;

/// The format version written by this build (first byte of every message).
pub const VERSION: u8 = 1;
/// Bytes of one compressed Ristretto255 point.
pub const POINT_BYTES: usize = 32;
/// Bytes of the fixed header: version, kind, origin, hop, count.
pub const HEADER_BYTES: usize = 1 + 1 + 4 + 4 + 8;

/// The two kinds of message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind {
    /// A set on its way round the ring, not yet exponentiated by every party.
    Hop,
    /// A fully exponentiated set, broadcast to every party.
    Final,
}

impl MessageKind {
    fn byte(self) -> u8 {
        match self {
            MessageKind::Hop => 1,
            MessageKind::Final => 2,
        }
    }
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MessageKind::Hop => "hop",
            MessageKind::Final => "final",
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
}

/// Encodes a message.
///
/// # Layout
/// ```text
/// version  u8      = 1
/// kind     u8      1 = hop, 2 = final
/// origin   u32 BE  1-based id of the party whose set this is
/// hop      u32 BE  how many parties' keys have been applied (final: n)
/// count    u64 BE  number of points
/// points   count × 32 bytes, compressed Ristretto255 (canonical encoding)
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

/// Checks the header against `expect` and returns the body (exactly `count` points).
pub(crate) fn check_header(
    from: PartyId,
    bytes: &[u8],
    expect: Expect,
) -> Result<&[u8], JoinError> {
    let bad = |reason| blame(from, reason);
    let Some((header, body)) = bytes.split_first_chunk::<HEADER_BYTES>() else {
        return Err(bad(Misbehavior::Truncated { len: bytes.len() }));
    };
    if header[0] != VERSION {
        return Err(bad(Misbehavior::UnsupportedVersion(header[0])));
    }
    let kind = match header[1] {
        1 => MessageKind::Hop,
        2 => MessageKind::Final,
        other => return Err(bad(Misbehavior::UnknownKind(other))),
    };
    if kind != expect.kind {
        return Err(bad(Misbehavior::WrongKind {
            expected: expect.kind,
            got: kind,
        }));
    }
    let word = |at: usize| {
        u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    let origin = word(2);
    if origin != expect.origin.0 {
        return Err(bad(Misbehavior::WrongOrigin {
            expected: expect.origin,
            got: origin,
        }));
    }
    let hop = word(6);
    if hop != expect.hop {
        return Err(bad(Misbehavior::WrongHop {
            expected: expect.hop,
            got: hop,
        }));
    }
    let mut count_bytes = [0u8; 8];
    count_bytes.copy_from_slice(&header[10..18]);
    let count = u64::from_be_bytes(count_bytes);
    let points = match usize::try_from(count) {
        Ok(c) if c <= expect.max_points => c,
        _ => {
            return Err(bad(Misbehavior::TooManyPoints {
                count,
                limit: expect.max_points,
            }))
        }
    };
    if points.checked_mul(POINT_BYTES) != Some(body.len()) {
        return Err(bad(Misbehavior::WrongLength {
            count,
            body: body.len(),
        }));
    }
    check_distinct(from, body)?;
    Ok(body)
}

/// Refuses a body in which a 32-byte point encoding repeats.
fn check_distinct(from: PartyId, body: &[u8]) -> Result<(), JoinError> {
    let chunks: Vec<&[u8]> = body.chunks_exact(POINT_BYTES).collect();
    let mut order: Vec<usize> = (0..chunks.len()).collect();
    order.par_sort_unstable_by(|&a, &b| chunks[a].cmp(chunks[b]));
    match order.windows(2).find(|w| chunks[w[0]] == chunks[w[1]]) {
        Some(w) => Err(blame(
            from,
            Misbehavior::DuplicatePoint {
                first: w[0].min(w[1]),
                second: w[0].max(w[1]),
            },
        )),
        None => Ok(()),
    }
}

/// Decompresses every point of a checked body and maps it with `f`, in parallel.
///
/// # Errors
/// [`Misbehavior::InvalidPoint`] (naming `from` and a bad index) when a point
/// is not a canonical Ristretto255 encoding.
pub(crate) fn map_points<T: Send>(
    from: PartyId,
    body: &[u8],
    f: impl Fn(RistrettoPoint, [u8; POINT_BYTES]) -> T + Sync,
) -> Result<Vec<T>, JoinError> {
    body.par_chunks_exact(POINT_BYTES)
        .enumerate()
        .map(|(index, chunk)| {
            let mut bytes = [0u8; POINT_BYTES];
            bytes.copy_from_slice(chunk);
            CompressedRistretto(bytes)
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
        }
    }

    #[test]
    fn layout_is_frozen() {
        let bytes = encode(MessageKind::Final, PartyId(3), 5, [[7u8; 32]].into_iter());
        let mut want = vec![1, 2, 0, 0, 0, 3, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1];
        want.extend([7u8; 32]);
        assert_eq!(bytes, want);
        assert_eq!(HEADER_BYTES, 18);
    }

    #[test]
    fn header_round_trips_and_rejects_mismatches() {
        let p = curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
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
