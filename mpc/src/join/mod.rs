//! Private join: double-keyed ECDH private set intersection over Ristretto255.
//!
//! This module owns the matching of customer ids between parties *before* an MPC job:
//! every party ends with the same pseudonymous, common row order (the union of all
//! parties' ids) and knows which of those rows are its own, without any id that it
//! does not hold being revealed to it in the clear. It follows the commutative-
//! encryption PSI of Huberman, Franklin and Hogg (EC 1999) in its elliptic-curve form
//! (as in Meadows 1986, Google's Private Join and Compute, Facebook's Private-ID),
//! extended from two parties to a ring of `n` parties. The protocol and its leakage are
//! written down in `docs/mpc.md` ("Private join").
//!
//! # Protocol (sans-IO, `n` parties in a ring `1 → 2 → … → n → 1`)
//! Party `i` holds ids `S_i` and a fresh secret scalar `k_i` ([`Start::new`]).
//! 1. *Start.* `i` hashes each id to the group (`H`, SHA-512 with the domain tag
//!    [`ID_DOMAIN`], dalek's `RistrettoPoint::from_hash`), raises it to `k_i`, shuffles
//!    the list with the caller's CSPRNG (remembering the permutation) and sends it to
//!    `i + 1` ([`Start::start`]).
//! 2. *Relay*, rounds `r = 1 … n−1`. `i` receives from `i − 1` the set of origin
//!    `i − r` (exponentiated by `r` keys), raises every element to `k_i` and passes it on
//!    in the same order ([`Relay::receive`]). In round `n − 1` the set (origin `i + 1`)
//!    is complete — `H(x)^K` with `K = k_1 ⋯ k_n` — and `i` broadcasts it.
//! 3. *Collect.* `i` receives the other `n − 1` complete sets ([`Collect::finish`]). The
//!    *tags* `H(x)^K` of all parties, deduplicated and sorted by their 32-byte encoding,
//!    are the common row order. Party `i`'s own set came back in the order of its own
//!    shuffle, so it maps each of its tags to its input row.
//!
//! # Security
//! Semi-honest parties (no proofs of correct exponentiation), DDH in the random-oracle
//! model. Keys are uniformly random, fresh per join, zeroized on drop, and used only in
//! constant-time scalar multiplication (`&RistrettoPoint * &Scalar`). **What leaks**
//! (to every party): each party's set size; the union size; and, because every complete
//! set is broadcast labelled with its origin, for every pseudonymous row *which parties
//! hold it* — so each party learns which of its own ids every other party also holds
//! (the intersection), but not ids it does not hold. See `docs/mpc.md` for the
//! argument and for what it would take to hide the membership pattern.

mod error;
pub mod memory;
pub mod message;

use std::fmt;

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use rand::seq::SliceRandom;
use rand_core::{CryptoRng, RngCore};
use rayon::prelude::*;
use sha2::{Digest, Sha512};
use zeroize::{Zeroize, ZeroizeOnDrop};

pub use error::{JoinError, Misbehavior};
use message::{Expect, MessageKind, POINT_BYTES};

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

/// A party's secret exponent for one join.
///
/// # Security
/// Zeroized on drop, redacted in `Debug`, never cloned or serialized.
struct JoinKey(Scalar);

impl JoinKey {
    fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> JoinKey {
        loop {
            let k = Scalar::random(rng);
            if k != Scalar::ZERO {
                return JoinKey(k);
            }
        }
    }

    /// `(p · k)` compressed; constant-time in `k`.
    fn apply(&self, p: &RistrettoPoint) -> Tag {
        // By reference on both sides: no copy of the secret scalar is left on the stack.
        #[allow(clippy::op_ref)]
        let product = p * &self.0;
        product.compress().to_bytes()
    }
}

impl Drop for JoinKey {
    fn drop(&mut self) {
        self.0.zeroize();
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

/// Step 1: validated input, exponentiated by our key (in input order), not yet sent.
pub struct Start {
    ring: Ring,
    key: JoinKey,
    own: Vec<Tag>,
}

impl fmt::Debug for Start {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Start")
            .field("me", &self.ring.me)
            .field("parties", &self.ring.parties)
            .field("rows", &self.own.len())
            .finish_non_exhaustive()
    }
}

impl Start {
    /// Checks the input and computes `H(id)^k` for every id, with a fresh key from `rng`.
    ///
    /// Hashing and exponentiation run in parallel (rayon).
    ///
    /// # Errors
    /// [`JoinError::PartyCount`], [`JoinError::UnknownParty`], [`JoinError::TooManyRows`],
    /// and [`JoinError::DuplicateId`] when two rows carry the same id — all before
    /// anything is sent.
    ///
    /// # Security
    /// The key is used in constant-time scalar multiplication only; sorting the ids to
    /// find duplicates is variable-time over our own ids, which never leave this party.
    pub fn new<T, R>(
        me: PartyId,
        parties: usize,
        ids: &[T],
        limits: JoinLimits,
        rng: &mut R,
    ) -> Result<Start, JoinError>
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
        let key = JoinKey::generate(rng);
        let own = ids
            .par_iter()
            .map(|id| key.apply(&hash_id(id.as_ref())))
            .collect();
        Ok(Start {
            ring: Ring {
                me,
                parties,
                limits,
            },
            key,
            own,
        })
    }

    /// Shuffles our exponentiated ids and returns the message for the next party.
    pub fn start<R: RngCore + CryptoRng>(self, rng: &mut R) -> (Relay, Outgoing) {
        let Start { ring, key, own } = self;
        // perm[k] = input row of the k-th element we send.
        let mut perm: Vec<usize> = (0..own.len()).collect();
        perm.shuffle(rng);
        let bytes = message::encode(MessageKind::Hop, ring.me, 1, perm.iter().map(|&r| own[r]));
        let out = Outgoing {
            to: vec![ring.offset(ring.me, 1)],
            bytes,
        };
        let mut counts = vec![None; ring.parties];
        counts[ring.me.index()] = Some(perm.len());
        (
            Relay {
                ring,
                key,
                perm,
                round: 1,
                counts,
            },
            out,
        )
    }
}

/// Step 2 (rounds `1 … n−1`): exponentiate the set that the previous party sends.
pub struct Relay {
    ring: Ring,
    key: JoinKey,
    perm: Vec<usize>,
    round: u32,
    /// Set size of each origin, as first seen.
    counts: Vec<Option<usize>>,
}

impl fmt::Debug for Relay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Relay")
            .field("me", &self.ring.me)
            .field("parties", &self.ring.parties)
            .field("round", &self.round)
            .finish_non_exhaustive()
    }
}

/// What [`Relay::receive`] leads to.
#[derive(Debug)]
pub enum Relayed {
    /// Another relay round follows; send the message to the next party.
    Relay(Relay, Outgoing),
    /// The set we completed goes to every other party; then collect theirs.
    Collect(Collect, Outgoing),
}

impl Relay {
    /// The party whose message this round expects.
    pub fn expects_from(&self) -> PartyId {
        self.ring.offset(self.ring.me, -1)
    }

    /// Takes the previous party's message, exponentiates it by our key and returns the
    /// next state with the message to send.
    ///
    /// # Errors
    /// [`JoinError::PeerMisbehaved`] naming `from` when it is not the previous party or
    /// the message is malformed (see [`message`]).
    pub fn receive(self, from: PartyId, bytes: &[u8]) -> Result<Relayed, JoinError> {
        let Relay {
            ring,
            key,
            perm,
            round,
            mut counts,
        } = self;
        ring.check_sender(from)?;
        if from != ring.offset(ring.me, -1) {
            return Err(JoinError::PeerMisbehaved {
                party: from,
                reason: Misbehavior::UnexpectedMessage,
            });
        }
        let origin = ring.offset(ring.me, -i64::from(round));
        let body = message::check_header(
            from,
            bytes,
            Expect {
                kind: MessageKind::Hop,
                origin,
                hop: round,
                max_points: ring.limits.max_rows,
            },
        )?;
        let next = message::map_points(from, body, |p, _| key.apply(&p))?;
        counts[origin.index()] = Some(next.len());
        if round + 1 < ring.n() {
            let bytes = message::encode(MessageKind::Hop, origin, round + 1, next.into_iter());
            let out = Outgoing {
                to: vec![ring.offset(ring.me, 1)],
                bytes,
            };
            return Ok(Relayed::Relay(
                Relay {
                    ring,
                    key,
                    perm,
                    round: round + 1,
                    counts,
                },
                out,
            ));
        }
        // Round n − 1: `next` is the complete set of origin `me + 1`.
        let bytes = message::encode(MessageKind::Final, origin, ring.n(), next.iter().copied());
        let to = (1..=ring.n())
            .map(PartyId)
            .filter(|&p| p != ring.me)
            .collect();
        let mut finals = vec![None; ring.parties];
        finals[origin.index()] = Some(next);
        drop(key);
        Ok(Relayed::Collect(
            Collect {
                ring,
                perm,
                counts,
                finals,
            },
            Outgoing { to, bytes },
        ))
    }
}

/// Step 3: collect every party's complete set and derive the common row order.
pub struct Collect {
    ring: Ring,
    perm: Vec<usize>,
    counts: Vec<Option<usize>>,
    finals: Vec<Option<Vec<Tag>>>,
}

impl fmt::Debug for Collect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Collect")
            .field("me", &self.ring.me)
            .field("parties", &self.ring.parties)
            .finish_non_exhaustive()
    }
}

impl Collect {
    /// Takes the `n − 1` complete sets that the other parties broadcast (party `j`
    /// sends the set of origin `j + 1`) and returns this party's view of the join.
    ///
    /// # Errors
    /// [`JoinError::PeerMisbehaved`] naming the sender for a malformed message, a set
    /// whose size changed on the way, or a second message; [`JoinError::MissingMessage`]
    /// when a party sent none.
    pub fn finish<B: AsRef<[u8]>>(
        self,
        messages: impl IntoIterator<Item = (PartyId, B)>,
    ) -> Result<JoinOutput, JoinError> {
        let Collect {
            ring,
            perm,
            counts,
            mut finals,
        } = self;
        for (from, bytes) in messages {
            ring.check_sender(from)?;
            let origin = ring.offset(from, 1);
            if finals[origin.index()].is_some() {
                return Err(JoinError::PeerMisbehaved {
                    party: from,
                    reason: Misbehavior::UnexpectedMessage,
                });
            }
            let body = message::check_header(
                from,
                bytes.as_ref(),
                Expect {
                    kind: MessageKind::Final,
                    origin,
                    hop: ring.n(),
                    max_points: ring.limits.max_rows,
                },
            )?;
            let tags = message::map_points(from, body, |_, bytes| bytes)?;
            // Every origin's size was seen in a relay round (ours: when we sent it).
            if let Some(expected) = counts[origin.index()] {
                if expected != tags.len() {
                    return Err(JoinError::PeerMisbehaved {
                        party: from,
                        reason: Misbehavior::WrongCount {
                            origin,
                            expected,
                            got: tags.len(),
                        },
                    });
                }
            }
            finals[origin.index()] = Some(tags);
        }
        let mut sets = Vec::with_capacity(ring.parties);
        for (i, set) in finals.into_iter().enumerate() {
            match set {
                Some(s) => sets.push(s),
                None => {
                    return Err(JoinError::MissingMessage {
                        party: ring.offset(PartyId::from_index(i), -1),
                    })
                }
            }
        }
        let mut rows: Vec<Tag> = sets.iter().flatten().copied().collect();
        rows.par_sort_unstable();
        rows.dedup();
        let mut own = vec![None; rows.len()];
        for (k, tag) in sets[ring.me.index()].iter().enumerate() {
            // Every own tag is in `rows` (built from all sets, ours included).
            if let Ok(row) = rows.binary_search(tag) {
                own[row] = Some(perm[k]);
            }
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
    fn key_debug_is_redacted() {
        use rand_core::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([3; 32]);
        let key = JoinKey::generate(&mut rng);
        assert_eq!(format!("{key:?}"), "JoinKey(<redacted>)");
    }
}
