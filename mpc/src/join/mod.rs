//! Private join: two-layer keyed ECDH over Ristretto255 that hides who holds what.
//!
//! This module owns the matching of customer ids between parties *before* an MPC job:
//! every party ends with the same pseudonymous, common row order (the union of all
//! parties' ids) and knows which of those rows are its own — and nothing about which
//! rows the *other* parties hold. It builds on the commutative-encryption PSI of
//! Huberman, Franklin and Hogg (EC 1999) in its elliptic-curve form (Meadows 1986,
//! Google's Private Join and Compute, Facebook's Private-ID), extended to `n` parties,
//! with a second key layer and a blinded ring so that the membership pattern stays
//! hidden. The protocol and its leakage are written down in `docs/mpc.md`
//! ("Private join").
//!
//! # Protocol (sans-IO, `n` parties in a ring `1 → 2 → … → n → 1`, `2n` exchanges)
//! Party `i` holds ids `S_i` and fresh secret scalars `k_i` (layer 1), `k'_i`
//! (layer 2) and `r_i` (blinding) ([`JoinParty::new`]); `H` is SHA-512 with the domain
//! tag [`ID_DOMAIN`] into dalek's `RistrettoPoint::from_hash`.
//! 1. *Layer 1* (exchanges `1 … n−1`, then `n`). `i` sends `H(x)^{k_i}`, shuffled, round
//!    the ring; every party raises the set to its `k_j` and passes it on. The party that
//!    applies the last key shuffles the complete set `H(x)^K`, `K = ∏ k_j`, and sends
//!    it to the deduplicating party [`DEDUP_PARTY`] only.
//! 2. *Blinded ring* (same exchanges). `i` also sends `H(x)^{r_i}` round the ring; every
//!    other party raises it to `k_j·k'_j`; back at `i` (exchange `n`) it is raised to
//!    `r_i⁻¹·k_i·k'_i`: `i`'s own tags `T(x) = H(x)^{K·K'}`, `K' = ∏ k'_j`, in its
//!    input order. Nobody else sees anything but uniformly blinded points.
//! 3. *Layer 2* (exchanges `n+1 … 2n−1`). Party 1 deduplicates the union `U₁` of the
//!    complete sets and sends it through the chain `1 → 2 → … → n`; every party raises
//!    it to `k'_j` and shuffles it; party `n` sorts the result, `U₂ = U₁^{K'}` — the
//!    common order — and broadcasts it (exchange `2n`).
//! 4. Every party finds its own tags in `U₂` ([`JoinOutput`]).
//!
//! # Security
//! Semi-honest parties (no proofs of correct exponentiation), DDH in the random-oracle
//! model, one corrupted party. Keys are uniformly random, fresh per join, zeroized on
//! drop, and used only in constant-time scalar multiplication. **What leaks**: to every
//! party, every set size, the union size and its own rows; to party 1 in addition the
//! layer-1 membership pattern (for each subset of parties, how many ids exactly that
//! subset holds), which it cannot link to ids or rows. Nobody learns which of its own
//! ids another party holds. See `docs/mpc.md` for the argument.

mod error;
pub mod memory;
pub mod message;

use std::fmt;

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use rand::seq::SliceRandom;
use rand_core::{CryptoRng, RngCore};
use rayon::prelude::*;
use sha2::{Digest, Sha512};
use zeroize::{Zeroize, ZeroizeOnDrop};

pub use error::{JoinError, Misbehavior};
use message::{Expect, MessageKind, POINT_BYTES};

pub mod driver;

use crate::PartyId;

/// Domain-separation tag of the id-to-group hash (one place; STYLE.md §6).
pub const ID_DOMAIN: &[u8] = b"conclave/mpc/join/v1/id-to-ristretto255";

/// The largest number of parties in one join.
pub const MAX_PARTIES: usize = 64;

/// A row's pseudonym: the compressed encoding of `H(id)^(k_1 ⋯ k_n)`.
pub type Tag = [u8; POINT_BYTES];

/// Size limits of a join.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JoinLimits {
    /// The most ids one party may contribute (own input and every received set).
    pub max_rows: usize,
}

impl Default for JoinLimits {
    /// 16,777,216 ids per party (512 MiB per message).
    fn default() -> Self {
        JoinLimits { max_rows: 1 << 24 }
    }
}

/// Hashes one id to Ristretto255: `from_hash(SHA-512(len(tag) ‖ tag ‖ len(id) ‖ id))`,
/// lengths as u64 big-endian.
pub fn hash_id(id: &[u8]) -> RistrettoPoint {
    let hash = Sha512::new()
        .chain_update((ID_DOMAIN.len() as u64).to_be_bytes())
        .chain_update(ID_DOMAIN)
        .chain_update((id.len() as u64).to_be_bytes())
        .chain_update(id);
    RistrettoPoint::from_hash(hash)
}

/// Points exponentiated and compressed together: one field inversion per batch
/// ([`RistrettoPoint::double_and_compress_batch`]) instead of one per point.
const APPLY_BATCH: usize = 256;

/// A party's secret exponent for one join.
///
/// # Security
/// Zeroized on drop, redacted in `Debug`, never cloned or serialized.
struct JoinKey {
    /// The exponent `k`.
    k: Scalar,
    /// `k/2 mod ℓ`: `compress(2·(p·k/2)) = compress(p·k)`, and dalek compresses doubled
    /// points in batches.
    half: Scalar,
}

impl JoinKey {
    fn new(k: Scalar) -> JoinKey {
        let half = k * Scalar::from(2u8).invert();
        JoinKey { k, half }
    }

    fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> JoinKey {
        loop {
            let k = Scalar::random(rng);
            if k != Scalar::ZERO {
                return JoinKey::new(k);
            }
        }
    }

    /// `(p · k)` compressed for every `p`; constant-time in `k`. Each point is
    /// multiplied by `k/2` (dalek's constant-time variable-base multiplication), and the
    /// batch is doubled and compressed with one shared inversion
    /// ([`RistrettoPoint::double_and_compress_batch`]): the same encodings as
    /// `(p·k).compress()`, about one field inversion per point cheaper.
    fn apply_batch(&self, points: &[RistrettoPoint]) -> Vec<Tag> {
        // By reference on both sides: no copy of the secret scalar is left on the stack.
        #[allow(clippy::op_ref)]
        let halves: Vec<RistrettoPoint> = points.iter().map(|p| p * &self.half).collect();
        RistrettoPoint::double_and_compress_batch(&halves)
            .into_iter()
            .map(|c| c.to_bytes())
            .collect()
    }
}

impl Drop for JoinKey {
    fn drop(&mut self) {
        self.k.zeroize();
        self.half.zeroize();
    }
}

impl ZeroizeOnDrop for JoinKey {}

impl fmt::Debug for JoinKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JoinKey(<redacted>)")
    }
}

/// A message to send: the same bytes to each of `to`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    /// Recipients.
    pub to: Vec<PartyId>,
    /// Encoded message ([`message::encode`]).
    pub bytes: Vec<u8>,
}

/// Who we are and with whom.
#[derive(Clone, Copy, Debug)]
struct Ring {
    me: PartyId,
    parties: usize,
    limits: JoinLimits,
}

impl Ring {
    fn n(&self) -> u32 {
        // `parties ≤ MAX_PARTIES`, checked in `Start::new`.
        self.parties as u32
    }

    /// The party `steps` places after `p` in the ring (backwards for negative).
    fn offset(&self, p: PartyId, steps: i64) -> PartyId {
        let n = i64::from(self.n());
        let idx = (i64::from(p.0) - 1 + steps).rem_euclid(n);
        PartyId(idx as u32 + 1)
    }

    fn check_sender(&self, from: PartyId) -> Result<(), JoinError> {
        if from.0 == 0 || from.0 > self.n() {
            return Err(JoinError::UnknownParty {
                party: from.0,
                parties: self.parties,
            });
        }
        if from == self.me {
            return Err(JoinError::PeerMisbehaved {
                party: from,
                reason: Misbehavior::UnexpectedMessage,
            });
        }
        Ok(())
    }
}

/// The party that deduplicates the layer-1 union (it learns the layer-1 membership
/// pattern, unlinkable to rows; see the module documentation).
pub const DEDUP_PARTY: PartyId = PartyId(1);

/// A party's secrets for one join: layer-1 key `k`, layer-2 key `k'`, their product
/// (applied to other parties' blinded sets) and `r⁻¹·k·k'` (unblinds our own set).
struct Keys {
    k1: JoinKey,
    k2: JoinKey,
    k12: JoinKey,
    unblind: JoinKey,
}

impl Keys {
    fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> (Keys, JoinKey) {
        let k1 = JoinKey::generate(rng);
        let k2 = JoinKey::generate(rng);
        let blind = JoinKey::generate(rng);
        let k12 = JoinKey::new(k1.k * k2.k);
        let unblind = JoinKey::new(blind.k.invert() * k12.k);
        (
            Keys {
                k1,
                k2,
                k12,
                unblind,
            },
            blind,
        )
    }
}

/// Applies `key` to every point of a checked message body, in parallel (batches of
/// [`APPLY_BATCH`]).
///
/// # Errors
/// [`Misbehavior::InvalidPoint`] naming `from` when a point does not decompress.
fn apply_all(key: &JoinKey, from: PartyId, body: &[u8]) -> Result<Vec<Tag>, JoinError> {
    let batches = body
        .par_chunks(POINT_BYTES * APPLY_BATCH)
        .enumerate()
        .map(|(b, chunk)| {
            let points = chunk
                .chunks_exact(POINT_BYTES)
                .enumerate()
                .map(|(i, bytes)| {
                    let mut encoding = [0u8; POINT_BYTES];
                    encoding.copy_from_slice(bytes);
                    CompressedRistretto(encoding)
                        .decompress()
                        .ok_or(b * APPLY_BATCH + i)
                })
                .collect::<Result<Vec<RistrettoPoint>, usize>>()?;
            Ok(key.apply_batch(&points))
        })
        .collect::<Result<Vec<Vec<Tag>>, usize>>()
        .map_err(|index| JoinError::PeerMisbehaved {
            party: from,
            reason: Misbehavior::InvalidPoint { index },
        })?;
    Ok(batches.concat())
}

fn shuffled<R: RngCore + CryptoRng>(mut tags: Vec<Tag>, rng: &mut R) -> Vec<Tag> {
    tags.shuffle(rng);
    tags
}

/// A validated party, its ids hashed and keyed, before the first message is sent.
pub struct JoinParty {
    ring: Ring,
    keys: Keys,
    /// `H(x)^k` in input order.
    own_keyed: Vec<Tag>,
    /// `H(x)^r` in input order.
    own_blinded: Vec<Tag>,
}

impl fmt::Debug for JoinParty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinParty")
            .field("me", &self.ring.me)
            .field("parties", &self.ring.parties)
            .field("rows", &self.own_keyed.len())
            .finish_non_exhaustive()
    }
}

impl JoinParty {
    /// Checks the input and computes `H(id)^k` and `H(id)^r` for every id, with fresh
    /// secrets from `rng`.
    ///
    /// Hashing and exponentiation run in parallel (rayon).
    ///
    /// # Errors
    /// [`JoinError::PartyCount`], [`JoinError::UnknownParty`], [`JoinError::TooManyRows`],
    /// and [`JoinError::DuplicateId`] when two rows carry the same id — all before
    /// anything is sent.
    ///
    /// # Security
    /// The keys are used in constant-time scalar multiplication only; sorting the ids to
    /// find duplicates is variable-time over our own ids, which never leave this party.
    pub fn new<T, R>(
        me: PartyId,
        parties: usize,
        ids: &[T],
        limits: JoinLimits,
        rng: &mut R,
    ) -> Result<JoinParty, JoinError>
    where
        T: AsRef<[u8]> + Sync,
        R: RngCore + CryptoRng,
    {
        if !(2..=MAX_PARTIES).contains(&parties) {
            return Err(JoinError::PartyCount {
                parties,
                max: MAX_PARTIES,
            });
        }
        if me.0 == 0 || me.0 as usize > parties {
            return Err(JoinError::UnknownParty {
                party: me.0,
                parties,
            });
        }
        if ids.len() > limits.max_rows {
            return Err(JoinError::TooManyRows {
                rows: ids.len(),
                limit: limits.max_rows,
            });
        }
        let mut order: Vec<usize> = (0..ids.len()).collect();
        order.par_sort_unstable_by(|&a, &b| ids[a].as_ref().cmp(ids[b].as_ref()));
        if let Some(w) = order
            .windows(2)
            .find(|w| ids[w[0]].as_ref() == ids[w[1]].as_ref())
        {
            return Err(JoinError::DuplicateId {
                first: w[0].min(w[1]),
                second: w[0].max(w[1]),
            });
        }
        let (keys, blind) = Keys::generate(rng);
        let (keyed, blinded): (Vec<Vec<Tag>>, Vec<Vec<Tag>>) = ids
            .par_chunks(APPLY_BATCH)
            .map(|chunk| {
                let h: Vec<RistrettoPoint> = chunk.iter().map(|id| hash_id(id.as_ref())).collect();
                (keys.k1.apply_batch(&h), blind.apply_batch(&h))
            })
            .unzip();
        let (own_keyed, own_blinded) = (keyed.concat(), blinded.concat());
        Ok(JoinParty {
            ring: Ring {
                me,
                parties,
                limits,
            },
            keys,
            own_keyed,
            own_blinded,
        })
    }

    /// Shuffles our keyed ids and returns the state for exchange 1 with the messages to
    /// send in it (our keyed set and our blinded set, both to the next party).
    pub fn start<R: RngCore + CryptoRng>(self, rng: &mut R) -> (Joining, Vec<Outgoing>) {
        let JoinParty {
            ring,
            keys,
            own_keyed,
            own_blinded,
        } = self;
        let next = vec![ring.offset(ring.me, 1)];
        let own_len = own_keyed.len();
        let keyed = shuffled(own_keyed, rng);
        let out = vec![
            Outgoing {
                to: next.clone(),
                bytes: message::encode(MessageKind::Hop, ring.me, 1, keyed.into_iter()),
            },
            Outgoing {
                to: next,
                bytes: message::encode(MessageKind::Blind, ring.me, 0, own_blinded.into_iter()),
            },
        ];
        let mut counts = vec![None; ring.parties];
        counts[ring.me.index()] = Some(own_len);
        let completes = vec![
            None;
            if ring.me == DEDUP_PARTY {
                ring.parties
            } else {
                0
            }
        ];
        (
            Joining {
                ring,
                keys,
                exchange: 1,
                counts,
                completes,
                own_tags: Vec::new(),
                union_len: None,
                rows: None,
            },
            out,
        )
    }
}

/// A join in progress: one state per exchange `1 ..= 2n`.
pub struct Joining {
    ring: Ring,
    keys: Keys,
    /// The exchange whose messages [`Joining::receive`] takes next.
    exchange: u32,
    /// Set size of each origin, as first seen.
    counts: Vec<Option<usize>>,
    /// At the deduplicating party: the complete layer-1 set of each origin.
    completes: Vec<Option<Vec<Tag>>>,
    /// Our tags `H(x)^(K·K')`, in input order (after exchange `n`).
    own_tags: Vec<Tag>,
    /// The union size, as seen in the layer-2 chain.
    union_len: Option<usize>,
    /// The common order (the last party of the chain, before it broadcasts it).
    rows: Option<Vec<Tag>>,
}

impl fmt::Debug for Joining {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Joining")
            .field("me", &self.ring.me)
            .field("parties", &self.ring.parties)
            .field("exchange", &self.exchange)
            .finish_non_exhaustive()
    }
}

/// What [`Joining::receive`] leads to.
#[derive(Debug)]
pub enum Step {
    /// Send these messages in the next exchange (possibly none), then receive again.
    Continue(Box<Joining>, Vec<Outgoing>),
    /// The join is complete.
    Done(JoinOutput),
}

impl Joining {
    /// The number of exchanges a join of `parties` takes (`2n`).
    pub fn exchanges(parties: usize) -> usize {
        2 * parties
    }

    /// The exchange whose messages [`Joining::receive`] takes next (1-based).
    pub fn exchange(&self) -> u32 {
        self.exchange
    }

    /// What this party must receive in the current exchange: `(sender, expectation)`.
    fn expected(&self) -> Vec<(PartyId, Expect)> {
        let ring = &self.ring;
        let (n, e, me) = (ring.n(), self.exchange, ring.me);
        let prev = ring.offset(me, -1);
        let max_points = ring.limits.max_rows;
        let x = |kind, origin, hop| Expect {
            kind,
            origin,
            hop,
            max_points,
        };
        let mut out = Vec::new();
        if e < n {
            let origin = ring.offset(me, -i64::from(e));
            out.push((prev, x(MessageKind::Hop, origin, e)));
            out.push((prev, x(MessageKind::Blind, origin, e - 1)));
        } else if e == n {
            out.push((prev, x(MessageKind::Blind, me, n - 1)));
            if me == DEDUP_PARTY {
                for j in (1..=n).map(PartyId).filter(|&j| j != me) {
                    out.push((j, x(MessageKind::Complete, ring.offset(j, 1), n)));
                }
            }
        } else if e < 2 * n {
            let m = e - n;
            if me.0 == m + 1 {
                out.push((PartyId(m), x(MessageKind::Layer2, DEDUP_PARTY, m)));
            }
        } else if e == 2 * n && me.0 != n {
            out.push((PartyId(n), x(MessageKind::Final, DEDUP_PARTY, n)));
        }
        out
    }

    /// Takes every message this party received in the current exchange (any order) and
    /// returns the next state with the messages to send, or the result.
    ///
    /// # Errors
    /// [`JoinError::PeerMisbehaved`] naming the sender of a message this exchange does not
    /// expect from it, or of a malformed one (see [`message`]); [`JoinError::MissingMessage`]
    /// naming a party that owed a message and sent none; [`JoinError::OrderInconsistent`]
    /// when our own ids are not all in the common order (someone deviated).
    pub fn receive<R: RngCore + CryptoRng>(
        mut self,
        messages: &[(PartyId, &[u8])],
        rng: &mut R,
    ) -> Result<Step, JoinError> {
        let expected = self.expected();
        let mut got: Vec<Option<&[u8]>> = vec![None; expected.len()];
        for &(from, bytes) in messages {
            self.ring.check_sender(from)?;
            let (header, body) = message::parse(from, bytes, self.ring.limits.max_rows)?;
            let slot = expected
                .iter()
                .enumerate()
                .position(|(k, (f, x))| *f == from && x.kind == header.kind && got[k].is_none());
            let Some(slot) = slot else {
                let owed = expected
                    .iter()
                    .enumerate()
                    .find(|(k, (f, _))| *f == from && got[*k].is_none());
                let reason = match owed {
                    Some((_, (_, x))) => Misbehavior::WrongKind {
                        expected: x.kind,
                        got: header.kind,
                    },
                    None => Misbehavior::UnexpectedMessage,
                };
                return Err(JoinError::PeerMisbehaved {
                    party: from,
                    reason,
                });
            };
            message::check(from, header, body, expected[slot].1)?;
            got[slot] = Some(body);
        }
        let mut bodies = Vec::with_capacity(expected.len());
        for ((from, x), body) in expected.iter().zip(&got) {
            match body {
                Some(b) => bodies.push((*from, *x, *b)),
                None => return Err(JoinError::MissingMessage { party: *from }),
            }
        }
        let out = self.process(&bodies, rng)?;
        self.exchange += 1;
        if self.exchange as usize > Self::exchanges(self.ring.parties) {
            return self.finish().map(Step::Done);
        }
        Ok(Step::Continue(Box::new(self), out))
    }

    /// Checks that `body` holds as many points as `origin`'s set (recording it if new).
    fn check_count(
        &mut self,
        from: PartyId,
        origin: PartyId,
        body: &[u8],
    ) -> Result<(), JoinError> {
        let got = body.len() / message::POINT_BYTES;
        match self.counts[origin.index()] {
            Some(expected) if expected != got => Err(JoinError::PeerMisbehaved {
                party: from,
                reason: Misbehavior::WrongCount {
                    origin,
                    expected,
                    got,
                },
            }),
            Some(_) => Ok(()),
            None => {
                self.counts[origin.index()] = Some(got);
                Ok(())
            }
        }
    }

    /// Checks a union size against the set sizes: `max |S_i| ≤ |U| ≤ Σ |S_i|`.
    fn check_union(&self, from: PartyId, body: &[u8]) -> Result<usize, JoinError> {
        let got = body.len() / message::POINT_BYTES;
        let sizes = self.counts.iter().flatten();
        let min = sizes.clone().copied().max().unwrap_or(0);
        let max: usize = sizes.sum();
        let expected = self.union_len;
        if got < min || got > max || expected.is_some_and(|u| u != got) {
            return Err(JoinError::PeerMisbehaved {
                party: from,
                reason: Misbehavior::ImplausibleUnion { got, min, max },
            });
        }
        Ok(got)
    }

    fn process<R: RngCore + CryptoRng>(
        &mut self,
        bodies: &[(PartyId, Expect, &[u8])],
        rng: &mut R,
    ) -> Result<Vec<Outgoing>, JoinError> {
        let ring = self.ring;
        let (n, me) = (ring.n(), ring.me);
        let next = ring.offset(me, 1);
        let mut out = Vec::new();
        for &(from, x, body) in bodies {
            match x.kind {
                MessageKind::Hop => {
                    self.check_count(from, x.origin, body)?;
                    let keyed = apply_all(&self.keys.k1, from, body)?;
                    if x.hop + 1 < n {
                        out.push(Outgoing {
                            to: vec![next],
                            bytes: message::encode(
                                MessageKind::Hop,
                                x.origin,
                                x.hop + 1,
                                keyed.into_iter(),
                            ),
                        });
                    } else {
                        // Complete: every layer-1 key applied. Shuffled, so that the
                        // deduplicating party cannot follow the origin's order.
                        let complete = shuffled(keyed, rng);
                        if me == DEDUP_PARTY {
                            self.completes[x.origin.index()] = Some(complete);
                        } else {
                            out.push(Outgoing {
                                to: vec![DEDUP_PARTY],
                                bytes: message::encode(
                                    MessageKind::Complete,
                                    x.origin,
                                    n,
                                    complete.into_iter(),
                                ),
                            });
                        }
                    }
                }
                MessageKind::Blind if x.origin == me => {
                    self.check_count(from, me, body)?;
                    self.own_tags = apply_all(&self.keys.unblind, from, body)?;
                }
                MessageKind::Blind => {
                    self.check_count(from, x.origin, body)?;
                    let keyed = apply_all(&self.keys.k12, from, body)?;
                    out.push(Outgoing {
                        to: vec![next],
                        bytes: message::encode(
                            MessageKind::Blind,
                            x.origin,
                            x.hop + 1,
                            keyed.into_iter(),
                        ),
                    });
                }
                MessageKind::Complete => {
                    self.check_count(from, x.origin, body)?;
                    let tags = message::map_points(from, body, |_, bytes| bytes)?;
                    self.completes[x.origin.index()] = Some(tags);
                }
                MessageKind::Layer2 => {
                    let len = self.check_union(from, body)?;
                    self.union_len = Some(len);
                    let keyed = apply_all(&self.keys.k2, from, body)?;
                    if me.0 < n {
                        out.push(Outgoing {
                            to: vec![next],
                            bytes: message::encode(
                                MessageKind::Layer2,
                                DEDUP_PARTY,
                                x.hop + 1,
                                shuffled(keyed, rng).into_iter(),
                            ),
                        });
                    } else {
                        let mut rows = keyed;
                        rows.par_sort_unstable();
                        out.push(Outgoing {
                            to: (1..n).map(PartyId).collect(),
                            bytes: message::encode(
                                MessageKind::Final,
                                DEDUP_PARTY,
                                n,
                                rows.iter().copied(),
                            ),
                        });
                        self.rows = Some(rows);
                    }
                }
                MessageKind::Final => {
                    self.check_union(from, body)?;
                    let rows = message::map_points(from, body, |_, bytes| bytes)?;
                    if let Some(index) = rows.windows(2).position(|w| w[0] >= w[1]) {
                        return Err(JoinError::PeerMisbehaved {
                            party: from,
                            reason: Misbehavior::Unsorted { index: index + 1 },
                        });
                    }
                    self.rows = Some(rows);
                }
            }
        }
        if me == DEDUP_PARTY && self.exchange == n {
            out.push(self.layer2_start(rng)?);
        }
        Ok(out)
    }

    /// At the deduplicating party after exchange `n`: the union of the complete sets,
    /// keyed with `k'` and shuffled, for the next party of the chain.
    fn layer2_start<R: RngCore + CryptoRng>(&mut self, rng: &mut R) -> Result<Outgoing, JoinError> {
        let mut union: Vec<Tag> = Vec::new();
        for (i, set) in std::mem::take(&mut self.completes).into_iter().enumerate() {
            match set {
                Some(s) => union.extend(s),
                None => {
                    return Err(JoinError::MissingMessage {
                        party: self.ring.offset(PartyId::from_index(i), -1),
                    })
                }
            }
        }
        union.par_sort_unstable();
        union.dedup();
        self.union_len = Some(union.len());
        let keyed = union
            .par_chunks(APPLY_BATCH)
            .map(|chunk| {
                let points = chunk
                    .iter()
                    .map(|t| CompressedRistretto(*t).decompress())
                    .collect::<Option<Vec<RistrettoPoint>>>()?;
                Some(self.keys.k2.apply_batch(&points))
            })
            .collect::<Option<Vec<Vec<Tag>>>>()
            .ok_or(JoinError::OrderInconsistent { missing: 0 })?
            .concat();
        // (Never `None`: every element was decompressed when it arrived, or compressed
        // here from a point.)
        Ok(Outgoing {
            to: vec![self.ring.offset(self.ring.me, 1)],
            bytes: message::encode(
                MessageKind::Layer2,
                DEDUP_PARTY,
                1,
                shuffled(keyed, rng).into_iter(),
            ),
        })
    }

    /// Maps our tags into the common order.
    fn finish(self) -> Result<JoinOutput, JoinError> {
        let rows = self.rows.unwrap_or_default();
        let mut own = vec![None; rows.len()];
        let mut missing = 0;
        for (input_row, tag) in self.own_tags.iter().enumerate() {
            match rows.binary_search(tag) {
                Ok(row) => own[row] = Some(input_row),
                Err(_) => missing += 1,
            }
        }
        if missing > 0 {
            return Err(JoinError::OrderInconsistent { missing });
        }
        Ok(JoinOutput { rows, own })
    }
}

/// One party's result: the common row order and which rows are its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinOutput {
    rows: Vec<Tag>,
    own: Vec<Option<usize>>,
}

impl JoinOutput {
    /// Number of rows: the size of the union of all parties' ids.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no party had any id.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The common row order: the pseudonymous tags, sorted; identical at every party.
    pub fn tags(&self) -> &[Tag] {
        &self.rows
    }

    /// For each row of the common order, the index of our input row with that id, or
    /// `None` when we do not hold it.
    pub fn own_rows(&self) -> &[Option<usize>] {
        &self.own
    }

    /// For each row of the common order, whether we hold it (our presence bit).
    pub fn presence(&self) -> impl Iterator<Item = bool> + '_ {
        self.own.iter().map(Option::is_some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_offsets_wrap() {
        let ring = Ring {
            me: PartyId(1),
            parties: 3,
            limits: JoinLimits::default(),
        };
        assert_eq!(ring.offset(PartyId(1), -1), PartyId(3));
        assert_eq!(ring.offset(PartyId(3), 1), PartyId(1));
        assert_eq!(ring.offset(PartyId(2), -2), PartyId(3));
        assert!(matches!(
            ring.check_sender(PartyId(4)),
            Err(JoinError::UnknownParty {
                party: 4,
                parties: 3
            })
        ));
        assert!(ring.check_sender(PartyId(1)).is_err(), "not from ourselves");
        assert!(ring.check_sender(PartyId(2)).is_ok());
    }

    #[test]
    fn hash_is_domain_separated_and_injective_on_lengths() {
        assert_ne!(hash_id(b"ab"), hash_id(b"abc"));
        assert_ne!(
            hash_id(b"x"),
            RistrettoPoint::hash_from_bytes::<Sha512>(b"x"),
            "domain tag applied"
        );
    }

    #[test]
    fn batch_exponentiation_equals_single_multiplication_and_compression() {
        use rand_core::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([5; 32]);
        let key = JoinKey::generate(&mut rng);
        // Across a batch boundary, through the message path too.
        let points: Vec<RistrettoPoint> = (0..APPLY_BATCH + 3)
            .map(|i| hash_id(format!("id-{i}").as_bytes()))
            .collect();
        #[allow(clippy::op_ref)]
        let want: Vec<Tag> = points
            .iter()
            .map(|p| (p * &key.k).compress().to_bytes())
            .collect();
        assert_eq!(key.apply_batch(&points), want);
        let body: Vec<u8> = points
            .iter()
            .flat_map(|p| p.compress().to_bytes())
            .collect();
        assert_eq!(apply_all(&key, PartyId(2), &body).unwrap(), want);
        let mut bad = body.clone();
        let at = (APPLY_BATCH + 1) * POINT_BYTES;
        bad[at..at + POINT_BYTES].copy_from_slice(&[0xff; POINT_BYTES]);
        assert!(matches!(
            apply_all(&key, PartyId(2), &bad),
            Err(JoinError::PeerMisbehaved {
                party: PartyId(2),
                reason: Misbehavior::InvalidPoint { index }
            }) if index == APPLY_BATCH + 1
        ));
    }

    #[test]
    fn key_debug_is_redacted() {
        use rand_core::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([3; 32]);
        let key = JoinKey::generate(&mut rng);
        assert_eq!(format!("{key:?}"), "JoinKey(<redacted>)");
    }
}
