//! Private join: two-layer keyed ECDH over Ristretto255 that hides who holds what.
//!
//! This module owns the matching of customer ids between parties *before* an MPC job:
//! every party ends with the same pseudonymous, common row order (the union of all
//! parties' ids) and knows which of those rows are its own — and nothing about which
//! rows the *other* parties hold. It builds on the commutative-encryption PSI of
//! Huberman, Franklin and Hogg (EC 1999) in its elliptic-curve form (Meadows 1986,
//! Google's Private Join and Compute, Facebook's Private-ID), extended to `n` parties,
//! with a second key layer and a return chain so that the membership pattern stays
//! hidden. The protocol and its leakage are written down in `docs/mpc.md`
//! ("Private join").
//!
//! # Protocol (sans-IO, `n` parties in a ring `1 → 2 → … → n → 1`, `2n` exchanges)
//! Party `i` holds ids `S_i` and fresh secret scalars `k_i` (layer 1) and `k'_i`
//! (layer 2) ([`JoinParty::new`]); `H` is SHA-512 with the domain tag [`ID_DOMAIN`]
//! into dalek's `RistrettoPoint::from_uniform_bytes` (what its `from_hash` does).
//! 1. *Layer 1* (exchanges `1 … n−1`, then `n`). `i` sends `H(x)^{k_i}`, shuffled, round
//!    the ring; every party raises the set to its `k_j` and passes it on. The party that
//!    applies the last key shuffles the complete set `H(x)^K`, `K = ∏ k_j`, and sends
//!    it to the deduplicating party [`DEDUP_PARTY`] only.
//! 2. *Return chain* (same exchanges). The first relay also raises `i`'s keyed set to
//!    `k_j·k'_j` and sends it on a second chain, in `i`'s shuffled order; every other
//!    party does the same; back at `i` (exchange `n`) it is raised to `k'_i`: `i`'s own
//!    tags `T(x) = H(x)^{K·K'}`, `K' = ∏ k'_j`, which `i` puts back in input order.
//! 3. *Layer 2* (exchanges `n+1 … 2n−1`). Party 1 deduplicates the union `U₁` of the
//!    complete sets and sends it through the chain `1 → 2 → … → n`; every party raises
//!    it to `k'_j` and shuffles it; party `n` sorts the result, `U₂ = U₁^{K'}` — the
//!    common order — and broadcasts it (exchange `2n`).
//! 4. Every party finds its own tags in `U₂` ([`JoinOutput`]).
//!
//! With [`JoinProtocol::Malicious`] (the default) every party also sends its public
//! keys and a seed commitment in exchange 1, its seed with its signed view statement
//! in exchange `n+1` ([`view`]: names a party that shows different values to different
//! parties) and, in exchange `n+2`, the statements it received, aggregates and
//! Chaum–Pedersen proofs for each of its positional steps (layer-1 relay and
//! return-chain steps), checked by everyone; the origin checks its chains' links in
//! exchange `n+3` ([`proof`], docs/mpc.md "Malicious parties").
//!
//! Shortcuts that change no message's content (docs/mpc.md, "Cost"): party `n`'s
//! returned set is exactly its rows of the last layer-2 input, so it exponentiates
//! only the other rows there; with two parties, party 1 raises party 2's set to
//! `k_1·k'_1` once — that is both party 2's return chain and its complete set at the
//! level `k'_1`, at which party 1 then deduplicates (raising the other complete set
//! to `k'_1` on arrival).
//!
//! # Security
//! [`JoinProtocol::Malicious`] (the default): security with abort against parties that
//! deviate — every positional relay step (layer-1 relays, the return chain) is proven
//! with public keys, 128-bit random-linear-combination aggregates and Chaum–Pedersen
//! proofs ([`proof`]), and everything else is covered by each party finding all its
//! tags in the (agreed) common order; a failed check names the cheater where it can be
//! told. [`JoinProtocol::SemiHonest`]: no proofs. Privacy: DDH in the random-oracle
//! model, one corrupted party. Keys are uniformly random, fresh per join, zeroized on
//! drop, and used only in constant-time scalar multiplication. Every received point is
//! decompressed (validated) once before use; the common order's rows equal to one of
//! our own tags are valid by construction and not decompressed again. **What leaks**: to every
//! party, every set size, the union size and its own rows; to party 1 in addition the
//! layer-1 membership pattern (for each subset of parties, how many ids exactly that
//! subset holds), which it cannot link to ids or rows. Nobody learns which of its own
//! ids another party holds. See `docs/mpc.md` for the argument.

mod error;
pub mod memory;
pub mod message;
mod order;
pub mod proof;
pub mod view;

use std::collections::BTreeMap;
use std::fmt;

use curve25519_dalek_5::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek_5::scalar::Scalar;
use curve25519_dalek_5::traits::Identity;
use rand::seq::SliceRandom;
use rand_core::{CryptoRng, RngCore};
use rayon::prelude::*;
use sha2::{Digest, Sha512};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

pub use error::{JoinError, Misbehavior};
use message::{Expect, MessageKind, POINT_BYTES};
use order::{positions_in, tag_order};
use proof::{Dleq, PublicKeys, Statement, Unit};
pub use view::JoinIdentity;
use view::ViewStatement;

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
    /// The most points of positional messages the malicious protocol keeps decompressed
    /// (160 bytes each) from their receipt until their aggregates; beyond it a message
    /// is kept as its 32-byte encodings and decompressed again when aggregated.
    pub max_held_points: usize,
}

impl Default for JoinLimits {
    /// 16,777,216 ids per party (512 MiB per message); 8,388,608 held points (1.25 GiB).
    fn default() -> Self {
        JoinLimits {
            max_rows: 1 << 24,
            max_held_points: 1 << 23,
        }
    }
}

/// Which join protocol runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum JoinProtocol {
    /// Security with abort against parties that deviate: every positional relay step
    /// is proven correct (public keys, aggregates, Chaum–Pedersen proofs; docs/mpc.md).
    #[default]
    Malicious,
    /// No proofs: correct only if every party follows the protocol.
    SemiHonest,
}

impl JoinProtocol {
    /// The name stated in job outputs and records.
    pub fn name(self) -> &'static str {
        match self {
            JoinProtocol::Malicious => {
                "two-layer ECDH over Ristretto255 with proofs of correct exponentiation (malicious, wire version 5; docs/mpc.md, Private join)"
            }
            JoinProtocol::SemiHonest => {
                "two-layer ECDH over Ristretto255 (semi-honest, wire version 5; docs/mpc.md, Private join)"
            }
        }
    }
}

/// Hashes one id to Ristretto255:
/// `from_uniform_bytes(SHA-512(len(tag) ‖ tag ‖ len(id) ‖ id))` (dalek's `from_hash`),
/// lengths as u64 big-endian.
pub fn hash_id(id: &[u8]) -> RistrettoPoint {
    let hash = Sha512::new()
        .chain_update((ID_DOMAIN.len() as u64).to_be_bytes())
        .chain_update(ID_DOMAIN)
        .chain_update((id.len() as u64).to_be_bytes())
        .chain_update(id);
    RistrettoPoint::from_uniform_bytes(&hash.finalize().into())
}

/// 64 uniform bytes from `rng`, zeroized on drop: what dalek's `Scalar::random` and
/// `RistrettoPoint::random` draw (they take `rand_core` 0.10's traits; ours are 0.6's).
fn wide_random<R: RngCore + CryptoRng>(rng: &mut R) -> Zeroizing<[u8; 64]> {
    let mut wide = Zeroizing::new([0u8; 64]);
    rng.fill_bytes(wide.as_mut());
    wide
}

/// A uniform scalar: 64 bytes of `rng` reduced mod ℓ, as dalek's `Scalar::random`.
pub fn random_scalar<R: RngCore + CryptoRng>(rng: &mut R) -> Scalar {
    Scalar::from_bytes_mod_order_wide(&wide_random(rng))
}

/// A uniform point: 64 bytes of `rng` through dalek's hash-to-group, as dalek's
/// `RistrettoPoint::random`. For tests and benches.
pub fn random_point<R: RngCore + CryptoRng>(rng: &mut R) -> RistrettoPoint {
    RistrettoPoint::from_uniform_bytes(&wide_random(rng))
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
            let k = random_scalar(rng);
            if k != Scalar::ZERO {
                return JoinKey::new(k);
            }
        }
    }

    /// `(p · k)` compressed for every `p`, in parallel batches of [`APPLY_BATCH`]
    /// ([`JoinKey::apply_batch_into`]); constant-time in `k`.
    fn apply(&self, points: &[RistrettoPoint]) -> Vec<Tag> {
        let mut out = vec![[0u8; POINT_BYTES]; points.len()];
        out.par_chunks_mut(APPLY_BATCH)
            .zip(points.par_chunks(APPLY_BATCH))
            .for_each(|(dst, batch)| {
                self.apply_batch_into(batch, dst);
            });
        out
    }

    /// `(p · k)` compressed for every `p` into `out` (`out.len() == points.len()`);
    /// returns the halves `p · k/2`. Each point is multiplied by `k/2` (dalek's
    /// constant-time variable-base multiplication), and the batch is doubled and
    /// compressed with one shared inversion
    /// ([`RistrettoPoint::double_and_compress_batch`]): the same encodings as
    /// `(p·k).compress()`, about one field inversion per point cheaper.
    fn apply_batch_into(&self, points: &[RistrettoPoint], out: &mut [Tag]) -> Vec<RistrettoPoint> {
        // By reference on both sides: no copy of the secret scalar is left on the stack.
        #[allow(clippy::op_ref)]
        let halves: Vec<RistrettoPoint> = points.iter().map(|p| p * &self.half).collect();
        for (dst, c) in out
            .iter_mut()
            .zip(RistrettoPoint::double_and_compress_batch(&halves))
        {
            *dst = c.to_bytes();
        }
        halves
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

    /// Every party but us.
    fn others(&self) -> Vec<PartyId> {
        (1..=self.n())
            .map(PartyId)
            .filter(|&j| j != self.me)
            .collect()
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

/// A party's secrets for one join: layer-1 key `k`, layer-2 key `k'` and their product
/// (applied to the other parties' sets on the return chain).
struct Keys {
    k1: JoinKey,
    k2: JoinKey,
    k12: JoinKey,
}

impl Keys {
    fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Keys {
        let k1 = JoinKey::generate(rng);
        let k2 = JoinKey::generate(rng);
        let k12 = JoinKey::new(k1.k * k2.k);
        Keys { k1, k2, k12 }
    }
}

/// Decompresses the points of `body` (32-byte encodings) at positions `at` (all of them
/// when `None`), applies `key` to each, in parallel batches of [`APPLY_BATCH`], and
/// returns the encodings in the order of `at`.
///
/// # Errors
/// The position in `body` of a point that does not decompress (non-canonical or not a
/// Ristretto255 encoding).
fn apply_encoded(key: &JoinKey, body: &[u8], at: Option<&[usize]>) -> Result<Vec<Tag>, usize> {
    let len = at.map_or(body.len() / POINT_BYTES, <[usize]>::len);
    let mut out = vec![[0u8; POINT_BYTES]; len];
    let point = |i: usize| {
        let mut encoding = [0u8; POINT_BYTES];
        encoding.copy_from_slice(&body[i * POINT_BYTES..(i + 1) * POINT_BYTES]);
        CompressedRistretto(encoding).decompress().ok_or(i)
    };
    out.par_chunks_mut(APPLY_BATCH)
        .enumerate()
        .try_for_each(|(b, dst)| {
            let first = b * APPLY_BATCH;
            let points = (first..first + dst.len())
                .map(|j| point(at.map_or(j, |at| at[j])))
                .collect::<Result<Vec<RistrettoPoint>, usize>>()?;
            key.apply_batch_into(&points, dst);
            Ok::<(), usize>(())
        })?;
    Ok(out)
}

/// Applies `key` to every point of a checked message body, in parallel (batches of
/// [`APPLY_BATCH`]), straight into one output vector.
///
/// # Errors
/// [`Misbehavior::InvalidPoint`] naming `from` when a point does not decompress.
fn apply_all(key: &JoinKey, from: PartyId, body: &[u8]) -> Result<Vec<Tag>, JoinError> {
    apply_encoded(key, body, None).map_err(|index| invalid_point(from, index))
}

/// Decompresses (validates) every point of a checked message body, in parallel: for a
/// positional message, whose points are exponentiated and, in the malicious protocol,
/// kept for its aggregate.
///
/// # Errors
/// [`Misbehavior::InvalidPoint`] naming `from` when a point does not decompress.
fn decompress_all(from: PartyId, body: &[u8]) -> Result<Vec<RistrettoPoint>, JoinError> {
    body.par_chunks_exact(POINT_BYTES)
        .with_min_len(APPLY_BATCH)
        .enumerate()
        .map(|(index, c)| {
            let mut encoding = [0u8; POINT_BYTES];
            encoding.copy_from_slice(c);
            CompressedRistretto(encoding)
                .decompress()
                .ok_or_else(|| invalid_point(from, index))
        })
        .collect()
}

/// `from` sent a point that does not decompress, at `index` of its message.
fn invalid_point(from: PartyId, index: usize) -> JoinError {
    JoinError::PeerMisbehaved {
        party: from,
        reason: Misbehavior::InvalidPoint { index },
    }
}

fn shuffled<R: RngCore + CryptoRng>(mut tags: Vec<Tag>, rng: &mut R) -> Vec<Tag> {
    tags.shuffle(rng);
    tags
}

/// The 32-byte encodings of a checked message body.
fn encodings(body: &[u8]) -> Vec<Tag> {
    body.chunks_exact(POINT_BYTES)
        .map(|c| {
            let mut t = [0u8; POINT_BYTES];
            t.copy_from_slice(c);
            t
        })
        .collect()
}

/// Checks the common order received from `from`: strictly sorted, and every element a
/// canonical Ristretto255 encoding. Rows equal to one of our own tags are valid by
/// construction (we compressed them ourselves) and are not decompressed again, so a
/// party decompresses only the rows it does not hold.
///
/// Returns the row of each of our tags (`None` where it is missing, which
/// [`Joining::finish`] refuses).
///
/// # Errors
/// [`Misbehavior::InvalidPoint`] (checked first, over every row when the order is not
/// sorted) or [`Misbehavior::Unsorted`], naming `from`.
fn check_final(
    from: PartyId,
    rows: &[Tag],
    own_tags: &[Tag],
) -> Result<Vec<Option<usize>>, JoinError> {
    let unsorted = rows.windows(2).position(|w| w[0] >= w[1]);
    let positions = match unsorted {
        None => positions_in(rows, own_tags),
        Some(_) => Vec::new(),
    };
    let mut known = vec![false; rows.len()];
    for row in positions.iter().flatten() {
        known[*row] = true;
    }
    rows.par_iter()
        .zip(known.par_iter())
        .enumerate()
        .try_for_each(|(index, (row, &known))| {
            if known || CompressedRistretto(*row).decompress().is_some() {
                Ok(())
            } else {
                Err(index)
            }
        })
        .map_err(|index| invalid_point(from, index))?;
    match unsorted {
        Some(index) => Err(JoinError::PeerMisbehaved {
            party: from,
            reason: Misbehavior::Unsorted { index: index + 1 },
        }),
        None => Ok(positions),
    }
}

/// A validated party, its ids hashed and keyed, before the first message is sent.
pub struct JoinParty {
    ring: Ring,
    keys: Keys,
    /// `H(x)^k` in input order.
    own_keyed: Vec<Tag>,
    /// `H(x)^(k/2)` in input order, from which [`JoinKey::apply_batch_into`] made
    /// `own_keyed`: the malicious protocol aggregates our keyed set from them instead of
    /// decompressing it (dropped by the semi-honest one).
    own_halves: Vec<RistrettoPoint>,
    protocol: JoinProtocol,
    /// Our coefficient seed (revealed at exchange `n+1` of the malicious protocol).
    seed: Unit,
    /// Signs our view statement (the malicious protocol needs it).
    identity: Option<JoinIdentity>,
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
        let keys = Keys::generate(rng);
        let mut seed = [0u8; POINT_BYTES];
        rng.fill_bytes(&mut seed);
        let mut own_keyed = vec![[0u8; POINT_BYTES]; ids.len()];
        let mut own_halves = vec![RistrettoPoint::identity(); ids.len()];
        own_keyed
            .par_chunks_mut(APPLY_BATCH)
            .zip(own_halves.par_chunks_mut(APPLY_BATCH))
            .zip(ids.par_chunks(APPLY_BATCH))
            .for_each(|((dst, halves), chunk)| {
                let h: Vec<RistrettoPoint> = chunk.iter().map(|id| hash_id(id.as_ref())).collect();
                halves.copy_from_slice(&keys.k1.apply_batch_into(&h, dst));
            });
        Ok(JoinParty {
            ring: Ring {
                me,
                parties,
                limits,
            },
            keys,
            own_keyed,
            own_halves,
            protocol: JoinProtocol::Malicious,
            seed,
            identity: None,
        })
    }

    /// Chooses the protocol (default [`JoinProtocol::Malicious`]); every party of a
    /// join must choose the same.
    pub fn with_protocol(mut self, protocol: JoinProtocol) -> JoinParty {
        self.protocol = protocol;
        if protocol == JoinProtocol::SemiHonest {
            self.own_halves = Vec::new();
        }
        self
    }

    /// Our signing identity: the malicious protocol signs our view with it and checks
    /// the others' (docs/mpc.md, "Malicious parties").
    pub fn with_identity(mut self, identity: JoinIdentity) -> JoinParty {
        self.identity = Some(identity);
        self
    }

    /// Shuffles our keyed ids and returns the state for exchange 1 with the message to
    /// send in it (our keyed set, to the next party; it starts both the layer-1 chain
    /// and the return chain).
    ///
    /// # Errors
    /// With the malicious protocol: [`JoinError::MissingIdentity`] without
    /// [`JoinParty::with_identity`], [`JoinError::IdentityMismatch`] when it does not
    /// fit the join — before anything is sent.
    pub fn start<R: RngCore + CryptoRng>(
        self,
        rng: &mut R,
    ) -> Result<(Joining, Vec<Outgoing>), JoinError> {
        let JoinParty {
            ring,
            keys,
            own_keyed,
            own_halves,
            protocol,
            seed,
            identity,
        } = self;
        let identity = match (protocol, identity) {
            (JoinProtocol::SemiHonest, _) => None,
            (JoinProtocol::Malicious, None) => return Err(JoinError::MissingIdentity),
            (JoinProtocol::Malicious, Some(id)) => {
                if id.parties() != ring.parties || !id.is_party(ring.me) {
                    return Err(JoinError::IdentityMismatch {
                        keys: id.parties(),
                        parties: ring.parties,
                        me: ring.me,
                    });
                }
                Some(id)
            }
        };
        let own_len = own_keyed.len();
        // Position `p` of everything on our set's chains holds input row `perm[p]`.
        let mut perm: Vec<usize> = (0..own_len).collect();
        perm.shuffle(rng);
        let first = message::encode(
            MessageKind::Hop,
            ring.me,
            1,
            perm.iter().map(|&row| own_keyed[row]),
        );
        let mut out = Vec::with_capacity(2);
        let proofs = match identity {
            None => None,
            Some(identity) => {
                let mut state = ProofState::new(ring, &keys, seed, identity);
                let own = state.keys[ring.me.index()].unwrap_or(PublicKeys {
                    p: RistrettoPoint::default(),
                    q: RistrettoPoint::default(),
                });
                out.push(Outgoing {
                    to: ring.others(),
                    bytes: message::encode(
                        MessageKind::Keys,
                        ring.me,
                        0,
                        [
                            own.p.compress().to_bytes(),
                            own.q.compress().to_bytes(),
                            proof::commit(ring.me, &seed),
                        ]
                        .into_iter(),
                    ),
                });
                state.hold(
                    (MessageKind::Hop.byte(), ring.me.0, 1),
                    perm.iter().map(|&row| own_halves[row]).collect(),
                    &first[message::HEADER_BYTES..],
                    true,
                );
                Some(Box::new(state))
            }
        };
        out.push(Outgoing {
            to: vec![ring.offset(ring.me, 1)],
            bytes: first,
        });
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
        Ok((
            Joining {
                ring,
                keys,
                exchange: 1,
                counts,
                completes,
                perm,
                own_tags: Vec::new(),
                own_pre: Vec::new(),
                union_len: None,
                rows: None,
                own_positions: None,
                proofs,
            },
            out,
        ))
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
    /// At the deduplicating party: the complete layer-1 set of each origin and who sent
    /// it (`H(x)^K`, not yet decompressed; with two parties already raised to `k'_1`).
    completes: Vec<Option<(PartyId, Vec<Tag>)>>,
    /// Our shuffle: position `p` of our set's chains holds input row `perm[p]`.
    perm: Vec<usize>,
    /// Our tags `H(x)^(K·K')`, in input order (after exchange `n`).
    own_tags: Vec<Tag>,
    /// At party `n` (the end of the layer-2 chain): our returned set, at the level of
    /// the layer-2 chain's last input (`H(x)^(K·k'_1⋯k'_(n−1))`), with the tag each one
    /// becomes; sorted. Lets party `n` skip the rows it holds in layer 2.
    own_pre: Vec<(Tag, Tag)>,
    /// The union size, as seen in the layer-2 chain.
    union_len: Option<usize>,
    /// The common order (the last party of the chain, before it broadcasts it).
    rows: Option<Vec<Tag>>,
    /// The row of each of our tags in `rows`, once a received common order is checked.
    own_positions: Option<Vec<Option<usize>>>,
    /// The malicious protocol's state (`None`: semi-honest).
    proofs: Option<Box<ProofState>>,
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
            exact: None,
        };
        let mut out = Vec::new();
        if self.proofs.is_some() {
            let aux = if e == 1 {
                Some((MessageKind::Keys, 3))
            } else if e == n + 1 {
                Some((MessageKind::Seed, 3 + ring.parties))
            } else if e == n + 2 {
                Some((MessageKind::Proofs, proof_units(ring.parties)))
            } else {
                None
            };
            if let Some((kind, units)) = aux {
                for j in ring.others() {
                    out.push((
                        j,
                        Expect {
                            kind,
                            origin: j,
                            hop: 0,
                            max_points,
                            exact: Some(units),
                        },
                    ));
                }
            }
        }
        if e < n {
            let origin = ring.offset(me, -i64::from(e));
            out.push((prev, x(MessageKind::Hop, origin, e)));
            if e > 1 {
                out.push((prev, x(MessageKind::Blind, origin, e - 1)));
            }
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
                MessageKind::Keys | MessageKind::Seed | MessageKind::Proofs => {
                    if let Some(ps) = self.proofs.as_mut() {
                        ps.receive(from, x.kind, body)?;
                    }
                }
                MessageKind::Hop => {
                    self.check_count(from, x.origin, body)?;
                    let points = decompress_all(from, body)?;
                    let completes = x.hop + 1 == n;
                    if self.exchange == 1 && completes && me == DEDUP_PARTY {
                        // Two parties: the return chain's `H(x)^(k_2·k_1·k'_1)` is also
                        // the complete set raised to `k'_1`, the level at which we
                        // deduplicate: one exponentiation for both.
                        let both = self.keys.k12.apply(&points);
                        out.push(Outgoing {
                            to: vec![next],
                            bytes: message::encode(
                                MessageKind::Blind,
                                x.origin,
                                1,
                                both.iter().copied(),
                            ),
                        });
                        self.completes[x.origin.index()] = Some((me, both));
                        self.hold(x, points, body);
                        continue;
                    }
                    if self.exchange == 1 {
                        // The first relay starts the origin's return chain from the
                        // same keyed set, in the origin's shuffled order.
                        let returned = self.keys.k12.apply(&points);
                        out.push(Outgoing {
                            to: vec![next],
                            bytes: message::encode(
                                MessageKind::Blind,
                                x.origin,
                                1,
                                returned.into_iter(),
                            ),
                        });
                    }
                    let keyed = self.keys.k1.apply(&points);
                    self.hold(x, points, body);
                    if !completes {
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
                            self.completes[x.origin.index()] = Some((me, complete));
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
                    // `H(x)^(k_me · ∏_(j≠me) k_j·k'_j)` in our shuffled order: raised to
                    // `k'_me`, our tags.
                    let points = decompress_all(from, body)?;
                    let tags = self.keys.k2.apply(&points);
                    self.hold(x, points, body);
                    let mut own = vec![[0u8; POINT_BYTES]; tags.len()];
                    for (&row, tag) in self.perm.iter().zip(&tags) {
                        own[row] = *tag;
                    }
                    self.own_tags = own;
                    if me.0 == n {
                        let mut pre: Vec<(Tag, Tag)> =
                            encodings(body).into_iter().zip(tags).collect();
                        pre.par_sort_unstable_by(|a, b| tag_order(&a.0, &b.0));
                        self.own_pre = pre;
                    }
                }
                MessageKind::Blind => {
                    self.check_count(from, x.origin, body)?;
                    let points = decompress_all(from, body)?;
                    let keyed = self.keys.k12.apply(&points);
                    self.hold(x, points, body);
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
                    let set = if n == 2 {
                        // Deduplicated at the level of `k'_1` (see the `Hop` arm).
                        apply_all(&self.keys.k2, from, body)?
                    } else {
                        // Decompressed (validated) once, when the union is keyed.
                        encodings(body)
                    };
                    self.completes[x.origin.index()] = Some((from, set));
                }
                MessageKind::Layer2 => {
                    let len = self.check_union(from, body)?;
                    self.union_len = Some(len);
                    if me.0 < n {
                        let keyed = apply_all(&self.keys.k2, from, body)?;
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
                        let rows = self.layer2_finish(from, body)?;
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
                    let rows = encodings(body);
                    self.own_positions = Some(check_final(from, &rows, &self.own_tags)?);
                    self.rows = Some(rows);
                }
            }
        }
        if me == DEDUP_PARTY && self.exchange == n {
            out.push(self.layer2_start(rng)?);
        }
        if let Some(ps) = self.proofs.as_mut() {
            let e = self.exchange;
            if e == n {
                // Every positional message has been delivered: reveal our seed.
                out.push(ps.seed_message()?);
            } else if e == n + 1 {
                out.push(ps.proofs_message(&self.keys, rng)?);
            } else if e == n + 2 {
                ps.verify()?;
            } else if e == n + 3 {
                // One exchange later, so that a holder that caught a false claim has
                // aborted (naming the culprit) before we report an ambiguous pair.
                ps.check_links()?;
            }
        }
        Ok(out)
    }

    /// In the malicious protocol, keeps a positional message (its points, decompressed
    /// once on receipt, or its encodings `body`) until its aggregate's coefficients are
    /// known.
    fn hold(&mut self, x: Expect, points: Vec<RistrettoPoint>, body: &[u8]) {
        if let Some(ps) = self.proofs.as_mut() {
            ps.hold((x.kind.byte(), x.origin.0, x.hop), points, body, false);
        }
    }

    /// At party `n`: the last layer-2 key applied to the union, sorted — the common
    /// order. The rows we hold are our returned set (`own_pre`), whose tags we already
    /// have; only the others are exponentiated.
    ///
    /// # Errors
    /// [`Misbehavior::InvalidPoint`] naming `from` for a point that does not decompress.
    fn layer2_finish(&self, from: PartyId, body: &[u8]) -> Result<Vec<Tag>, JoinError> {
        let known = order::lookup_units(&self.own_pre, body);
        let fresh: Vec<usize> = known
            .iter()
            .enumerate()
            .filter_map(|(i, k)| k.is_none().then_some(i))
            .collect();
        let mut rows: Vec<Tag> = known.into_iter().flatten().collect();
        rows.extend(
            apply_encoded(&self.keys.k2, body, Some(&fresh))
                .map_err(|index| invalid_point(from, index))?,
        );
        rows.par_sort_unstable_by(|a, b| tag_order(a, b));
        Ok(rows)
    }

    /// At the deduplicating party after exchange `n`: the union of the complete sets,
    /// keyed with `k'` and shuffled, for the next party of the chain.
    ///
    /// # Errors
    /// [`Misbehavior::InvalidPoint`] naming the party that sent a complete set with a
    /// point that does not decompress (with its position in that party's message).
    fn layer2_start<R: RngCore + CryptoRng>(&mut self, rng: &mut R) -> Result<Outgoing, JoinError> {
        // Every element with who sent it and where: a bad point is blamed on its sender.
        let mut union: Vec<(Tag, PartyId, usize)> = Vec::new();
        for (i, set) in std::mem::take(&mut self.completes).into_iter().enumerate() {
            match set {
                Some((from, s)) => {
                    union.extend(s.into_iter().enumerate().map(|(at, t)| (t, from, at)))
                }
                None => {
                    return Err(JoinError::MissingMessage {
                        party: self.ring.offset(PartyId::from_index(i), -1),
                    })
                }
            }
        }
        union.par_sort_unstable_by(|a, b| tag_order(&a.0, &b.0));
        union.dedup_by(|a, b| a.0 == b.0);
        self.union_len = Some(union.len());
        let keyed = if self.ring.parties == 2 {
            // Already at the level of `k'_1` (and decompressed on the way).
            union.iter().map(|u| u.0).collect()
        } else {
            let tags: Vec<Tag> = union.iter().map(|u| u.0).collect();
            apply_encoded(&self.keys.k2, tags.as_flattened(), None).map_err(|i| {
                let (_, party, index) = union[i];
                JoinError::PeerMisbehaved {
                    party,
                    reason: Misbehavior::InvalidPoint { index },
                }
            })?
        };
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
        let positions = match self.own_positions {
            Some(positions) => positions,
            None => positions_in(&rows, &self.own_tags),
        };
        let mut own = vec![None; rows.len()];
        let mut missing = 0;
        for (input_row, position) in positions.into_iter().enumerate() {
            match position {
                Some(row) => own[row] = Some(input_row),
                None => missing += 1,
            }
        }
        if missing > 0 {
            return Err(JoinError::OrderInconsistent { missing });
        }
        Ok(JoinOutput { rows, own })
    }
}

/// A positional message: (kind byte, origin, hop).
type MsgId = (u8, u32, u32);

/// Units of a proofs message of a join of `parties` up to its claims: the view digest
/// and four per claim, `2n − 3` claims (`n − 1` return-chain steps, `n − 2` layer-1
/// steps).
fn claim_units(parties: usize) -> usize {
    1 + 4 * (2 * parties - 3)
}

/// Units of a proofs message: [`claim_units`], then the forwarded view statements of
/// the `n − 1` other parties.
fn proof_units(parties: usize) -> usize {
    claim_units(parties) + (parties - 1) * view::statement_units(parties)
}

/// One positional step of a relay: `(kind of the output, origin, hop of the output,
/// input message)`.
type StepId = (MessageKind, PartyId, u32, MsgId);

/// The positional steps of party `j`, in the order of its proofs message: for each
/// distance `e = 1 … n−1` behind it (origin `j − e`), its return-chain step (input: the
/// origin's keyed set at `e = 1`, else the blind message of hop `e − 1`; output: blind
/// hop `e`) and, unless it completes the set, its layer-1 step (hop `e` → hop `e + 1`).
fn steps(ring: &Ring, j: PartyId) -> Vec<StepId> {
    let n = ring.n();
    let mut out = Vec::new();
    for e in 1..n {
        let o = ring.offset(j, -i64::from(e));
        let input = if e == 1 {
            (MessageKind::Hop.byte(), o.0, 1)
        } else {
            (MessageKind::Blind.byte(), o.0, e - 1)
        };
        out.push((MessageKind::Blind, o, e, input));
        if e + 2 <= n {
            out.push((
                MessageKind::Hop,
                o,
                e + 1,
                (MessageKind::Hop.byte(), o.0, e),
            ));
        }
    }
    out
}

/// A positional message held until its aggregate's coefficients are known.
enum Held {
    /// Its points, decompressed on receipt; our own keyed set as the halves
    /// `H(x)^(k/2)` of what we sent (`halves`).
    Points {
        points: Vec<RistrettoPoint>,
        halves: bool,
    },
    /// Beyond [`JoinLimits::max_held_points`]: its encodings, decompressed again when
    /// aggregated.
    Encoded(Vec<u8>),
}

/// A relay's claim about one positional step.
#[derive(Clone, Copy, Debug)]
struct Claim {
    kind: MessageKind,
    origin: PartyId,
    hop: u32,
    input: MsgId,
    a_in: RistrettoPoint,
    a_out: RistrettoPoint,
    proof: Dleq,
}

impl Claim {
    fn statement<'a>(&self, view: &'a Unit, prover: PartyId, key: &PublicKeys) -> Statement<'a> {
        Statement {
            view,
            prover,
            chain: self.kind.byte(),
            origin: self.origin,
            hop: self.hop,
            key: if self.kind == MessageKind::Hop {
                key.p
            } else {
                key.q
            },
            a_in: self.a_in,
            a_out: self.a_out,
        }
    }
}

/// The state of the malicious protocol (docs/mpc.md, "Malicious parties"): everyone's
/// public keys and seeds, the positional messages we hold until the coefficients are
/// known, their aggregates, and every party's claims.
struct ProofState {
    ring: Ring,
    /// Our seed (secret until exchange `n+1`).
    seed: Unit,
    /// Signs our view statement, checks the others'.
    identity: JoinIdentity,
    /// Every party's view statement as it reached us (ours included), from exchange
    /// `n+1`: forwarded in our proofs message, and what a differing view is traced to.
    statements: Vec<Option<ViewStatement>>,
    keys: Vec<Option<PublicKeys>>,
    commitments: Vec<Option<Unit>>,
    seeds: Vec<Option<Unit>>,
    /// The positional messages we received and our own keyed set, until aggregated.
    held: BTreeMap<MsgId, Held>,
    /// Points held decompressed (at most [`JoinLimits::max_held_points`]).
    held_points: usize,
    /// The digest of our public view (after the seeds).
    view: Unit,
    /// Aggregates of the messages we hold.
    agg: BTreeMap<MsgId, RistrettoPoint>,
    /// Aggregates of the messages we sent (our keyed set and our steps' outputs).
    sent: BTreeMap<MsgId, RistrettoPoint>,
    /// Every party's claims, in the order of [`steps`].
    claims: Vec<Vec<Claim>>,
}

impl ProofState {
    fn new(ring: Ring, keys: &Keys, seed: Unit, identity: JoinIdentity) -> ProofState {
        let n = ring.parties;
        let mut state = ProofState {
            ring,
            seed,
            identity,
            statements: vec![None; n],
            keys: vec![None; n],
            commitments: vec![None; n],
            seeds: vec![None; n],
            held: BTreeMap::new(),
            held_points: 0,
            view: [0; POINT_BYTES],
            agg: BTreeMap::new(),
            sent: BTreeMap::new(),
            claims: vec![Vec::new(); n],
        };
        let me = ring.me.index();
        state.keys[me] = Some(PublicKeys {
            p: RistrettoPoint::mul_base(&keys.k1.k),
            q: RistrettoPoint::mul_base(&keys.k12.k),
        });
        state.commitments[me] = Some(proof::commit(ring.me, &seed));
        state.seeds[me] = Some(seed);
        state
    }

    /// Holds positional message `id`: its `points` while they fit in
    /// [`JoinLimits::max_held_points`], else its encodings `body`.
    fn hold(&mut self, id: MsgId, points: Vec<RistrettoPoint>, body: &[u8], halves: bool) {
        let held = if self.held_points + points.len() <= self.ring.limits.max_held_points {
            self.held_points += points.len();
            Held::Points { points, halves }
        } else {
            Held::Encoded(body.to_vec())
        };
        self.held.insert(id, held);
    }

    /// Takes a keys, seed or proofs message (checked for kind, sender and unit count).
    fn receive(&mut self, from: PartyId, kind: MessageKind, body: &[u8]) -> Result<(), JoinError> {
        let units = encodings(body);
        let bad = |reason| JoinError::PeerMisbehaved {
            party: from,
            reason,
        };
        let point = |index: usize| {
            units
                .get(index)
                .and_then(proof::point)
                .ok_or(bad(Misbehavior::InvalidPoint { index }))
        };
        let at = from.index();
        match kind {
            MessageKind::Keys => {
                self.keys[at] = Some(PublicKeys {
                    p: point(0)?,
                    q: point(1)?,
                });
                self.commitments[at] = units.get(2).copied();
            }
            MessageKind::Seed => {
                let seed = units.first().copied().unwrap_or_default();
                let committed = self.commitments[at];
                if committed != Some(proof::commit(from, &seed)) {
                    return Err(bad(Misbehavior::BadSeed));
                }
                let keys = self.keys[at].ok_or(JoinError::MissingMessage { party: from })?;
                let statement = ViewStatement::from_seed_message(
                    from,
                    [keys.p.compress().to_bytes(), keys.q.compress().to_bytes()],
                    &units,
                );
                let me = self.ring.me.index();
                if statement.commitments.get(at).copied() != committed {
                    return Err(bad(Misbehavior::StatementContradicts {
                        what: "another seed commitment of its own",
                    }));
                }
                if statement.commitments.get(me).copied() != self.commitments[me] {
                    return Err(bad(Misbehavior::StatementContradicts {
                        what: "another seed commitment of ours",
                    }));
                }
                if !statement.verifies(&self.identity) {
                    return Err(bad(Misbehavior::BadStatementSignature));
                }
                self.seeds[at] = Some(seed);
                self.statements[at] = Some(statement);
            }
            _ => {
                if units.first() != Some(&self.view) {
                    return Err(view::attribute(
                        self.ring.me,
                        from,
                        &self.statements,
                        units.get(claim_units(self.ring.parties)..).unwrap_or(&[]),
                        &self.identity,
                    ));
                }
                let mut claims = Vec::new();
                for (k, (kind, origin, hop, input)) in
                    steps(&self.ring, from).into_iter().enumerate()
                {
                    let base = 1 + 4 * k;
                    let scalar = |i: usize| {
                        units
                            .get(base + i)
                            .ok_or(bad(Misbehavior::InvalidScalar { index: base + i }))
                    };
                    let proof = Dleq::from_units(scalar(2)?, scalar(3)?)
                        .ok_or(bad(Misbehavior::InvalidScalar { index: base + 2 }))?;
                    claims.push(Claim {
                        kind,
                        origin,
                        hop,
                        input,
                        a_in: point(base)?,
                        a_out: point(base + 1)?,
                        proof,
                    });
                }
                self.claims[at] = claims;
            }
        }
        Ok(())
    }

    /// Our seed with our signed view statement, for every other party.
    fn seed_message(&mut self) -> Result<Outgoing, JoinError> {
        let ring = self.ring;
        let me = ring.me.index();
        let commitments: Vec<Unit> = (0..ring.parties)
            .map(|i| {
                self.commitments[i].ok_or(JoinError::MissingMessage {
                    party: PartyId::from_index(i),
                })
            })
            .collect::<Result<_, _>>()?;
        let keys = self.keys[me].ok_or(JoinError::MissingMessage { party: ring.me })?;
        let statement = ViewStatement::sign(
            &self.identity,
            ring.me,
            [
                keys.p.compress().to_bytes(),
                keys.q.compress().to_bytes(),
                self.seed,
            ],
            commitments,
        );
        let units = statement.seed_units();
        self.statements[me] = Some(statement);
        Ok(Outgoing {
            to: ring.others(),
            bytes: message::encode(MessageKind::Seed, ring.me, 0, units.into_iter()),
        })
    }

    /// With every seed known: the view digest, the coefficients of each origin's set,
    /// the aggregates of every positional message we hold, and our claims (aggregates
    /// and Chaum–Pedersen proofs) for every positional step we made.
    fn proofs_message<R: RngCore + CryptoRng>(
        &mut self,
        keys: &Keys,
        rng: &mut R,
    ) -> Result<Outgoing, JoinError> {
        let ring = self.ring;
        let missing = |i: usize| JoinError::MissingMessage {
            party: PartyId::from_index(i),
        };
        let public: Vec<PublicKeys> = (0..ring.parties)
            .map(|i| self.keys[i].ok_or(missing(i)))
            .collect::<Result<_, _>>()?;
        let commitments: Vec<Unit> = (0..ring.parties)
            .map(|i| self.commitments[i].ok_or(missing(i)))
            .collect::<Result<_, _>>()?;
        let seeds: Vec<Unit> = (0..ring.parties)
            .map(|i| self.seeds[i].ok_or(missing(i)))
            .collect::<Result<_, _>>()?;
        self.view = proof::view_digest(&public, &commitments, &seeds);
        let mut coefficients: BTreeMap<u32, Vec<Scalar>> = BTreeMap::new();
        let own = (MessageKind::Hop.byte(), ring.me.0, 1);
        for (id, held) in std::mem::take(&mut self.held) {
            let len = match &held {
                Held::Points { points, .. } => points.len(),
                Held::Encoded(body) => body.len() / POINT_BYTES,
            };
            let cs = coefficients
                .entry(id.1)
                .or_insert_with(|| proof::coefficients(&self.view, PartyId(id.1), len));
            if cs.len() < len {
                *cs = proof::coefficients(&self.view, PartyId(id.1), len);
            }
            let a = match held {
                Held::Points { points, halves } => {
                    let a = proof::aggregate(cs, &points);
                    if halves {
                        a + a
                    } else {
                        a
                    }
                }
                // Validated on receipt (or our own): decompresses again.
                Held::Encoded(body) => proof::aggregate_encoded(cs, &body)
                    .map_err(|index| invalid_point(ring.offset(ring.me, -1), index))?,
            };
            self.agg.insert(id, a);
        }
        if let Some(a) = self.agg.get(&own) {
            self.sent.insert(own, *a);
        }
        let mut units: Vec<Unit> = vec![self.view];
        let mut claims = Vec::new();
        for (kind, origin, hop, input) in steps(&ring, ring.me) {
            let a_in = self
                .agg
                .get(&input)
                .copied()
                .ok_or(JoinError::MissingMessage {
                    party: ring.offset(ring.me, -1),
                })?;
            let x = if kind == MessageKind::Hop {
                &keys.k1.k
            } else {
                &keys.k12.k
            };
            #[allow(clippy::op_ref)]
            let a_out = a_in * x;
            let mut claim = Claim {
                kind,
                origin,
                hop,
                input,
                a_in,
                a_out,
                proof: Dleq {
                    e: Scalar::ZERO,
                    s: Scalar::ZERO,
                },
            };
            let own_keys = public[ring.me.index()];
            claim.proof = Dleq::prove(&claim.statement(&self.view, ring.me, &own_keys), x, rng);
            self.sent.insert((kind.byte(), origin.0, hop), a_out);
            let [e, s] = claim.proof.to_units();
            units.extend([
                a_in.compress().to_bytes(),
                a_out.compress().to_bytes(),
                e,
                s,
            ]);
            claims.push(claim);
        }
        self.claims[ring.me.index()] = claims;
        for (l, statement) in self.statements.iter().enumerate() {
            if l != ring.me.index() {
                let statement = statement.as_ref().ok_or(JoinError::MissingMessage {
                    party: PartyId::from_index(l),
                })?;
                units.extend(statement.units());
            }
        }
        Ok(Outgoing {
            to: ring.others(),
            bytes: message::encode(MessageKind::Proofs, ring.me, 0, units.into_iter()),
        })
    }

    /// Checks every other party's proofs, and its aggregates of the messages we hold:
    /// the input of a step we fed, the output of a step we received. Every failure
    /// names a party that certainly deviated.
    fn verify(&self) -> Result<(), JoinError> {
        let ring = self.ring;
        for j in ring.others() {
            let Some(keys) = self.keys[j.index()] else {
                return Err(JoinError::MissingMessage { party: j });
            };
            for c in &self.claims[j.index()] {
                let bad = |reason| JoinError::PeerMisbehaved { party: j, reason };
                if !c.proof.verify(&c.statement(&self.view, j, &keys)) {
                    return Err(bad(Misbehavior::BadProof {
                        kind: c.kind,
                        origin: c.origin,
                        hop: c.hop,
                    }));
                }
                let kind_of = |b: u8| {
                    if b == MessageKind::Hop.byte() {
                        MessageKind::Hop
                    } else {
                        MessageKind::Blind
                    }
                };
                if ring.offset(j, -1) == ring.me && self.sent.get(&c.input) != Some(&c.a_in) {
                    return Err(bad(Misbehavior::WrongAggregate {
                        kind: kind_of(c.input.0),
                        origin: c.origin,
                        hop: c.input.2,
                        side: "sent it",
                    }));
                }
                let output = (c.kind.byte(), c.origin.0, c.hop);
                if ring.offset(j, 1) == ring.me && self.agg.get(&output) != Some(&c.a_out) {
                    return Err(bad(Misbehavior::WrongAggregate {
                        kind: c.kind,
                        origin: c.origin,
                        hop: c.hop,
                        side: "received from it",
                    }));
                }
            }
        }
        Ok(())
    }

    /// On our own set's chains: each relay's input aggregate equals its predecessor's
    /// output aggregate (the two hold the same message). With the first input and the
    /// last return-chain output checked by us in [`ProofState::verify`], the proofs
    /// then chain from our keyed set to our returned set.
    fn check_links(&self) -> Result<(), JoinError> {
        let ring = self.ring;
        let me = ring.me;
        let n = ring.n();
        let claim = |j: PartyId, kind: MessageKind, hop: u32| {
            self.claims[j.index()]
                .iter()
                .find(|c| c.kind == kind && c.origin == me && c.hop == hop)
                .copied()
        };
        for e in 2..n {
            let (prev, relay) = (
                ring.offset(me, i64::from(e) - 1),
                ring.offset(me, i64::from(e)),
            );
            let mut links = vec![(MessageKind::Blind, e, e - 1)];
            if e + 2 <= n {
                links.push((MessageKind::Hop, e + 1, e));
            }
            for (kind, hop, prev_hop) in links {
                let (Some(a), Some(b)) = (claim(relay, kind, hop), claim(prev, kind, prev_hop))
                else {
                    return Err(JoinError::MissingMessage { party: relay });
                };
                if a.a_in != b.a_out {
                    return Err(JoinError::AggregatesDisagree {
                        sender: prev,
                        receiver: relay,
                    });
                }
            }
        }
        Ok(())
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
            RistrettoPoint::from_uniform_bytes(&Sha512::digest(b"x").into()),
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
        assert_eq!(key.apply(&points), want);
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

    /// RFC 9496, Appendix A.1 (encodings of `[m]B`, `m = 0 … 15`) and A.3 (element
    /// derivation from 64 uniform bytes): the join's exponentiation (`k/2`, then the
    /// batch doubling and compression) and its hash-to-group map give the standard's
    /// encodings with whichever backend dalek selected on this CPU (AVX-512 IFMA where
    /// present, `.cargo/config.toml`).
    #[test]
    fn exponentiation_and_hash_to_group_match_rfc_9496() {
        const MULTIPLES: [&str; 16] = [
            "0000000000000000000000000000000000000000000000000000000000000000",
            "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76",
            "6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919",
            "94741f5d5d52755ece4f23f044ee27d5d1ea1e2bd196b462166b16152a9d0259",
            "da80862773358b466ffadfe0b3293ab3d9fd53c5ea6c955358f568322daf6a57",
            "e882b131016b52c1d3337080187cf768423efccbb517bb495ab812c4160ff44e",
            "f64746d3c92b13050ed8d80236a7f0007c3b3f962f5ba793d19a601ebb1df403",
            "44f53520926ec81fbd5a387845beb7df85a96a24ece18738bdcfa6a7822a176d",
            "903293d8f2287ebe10e2374dc1a53e0bc887e592699f02d077d5263cdd55601c",
            "02622ace8f7303a31cafc63f8fc48fdc16e1c8c8d234b2f0d6685282a9076031",
            "20706fd788b2720a1ed2a5dad4952b01f413bcf0e7564de8cdc816689e2db95f",
            "bce83f8ba5dd2fa572864c24ba1810f9522bc6004afe95877ac73241cafdab42",
            "e4549ee16b9aa03099ca208c67adafcafa4c3f3e4e5303de6026e3ca8ff84460",
            "aa52e000df2e16f55fb1032fc33bc42742dad6bd5a8fc0be0167436c5948501f",
            "46376b80f409b29dc2b5f6f0c52591990896e5716f41477cd30085ab7f10301e",
            "e0c418f7c8d9c4cdd7395b93ea124f3ad99021bb681dfc3302a9d99a2e53e64e",
        ];
        let base = curve25519_dalek_5::constants::RISTRETTO_BASEPOINT_POINT;
        for (m, want) in MULTIPLES.iter().enumerate().skip(1) {
            let key = JoinKey::new(Scalar::from(m as u8));
            assert_eq!(hex::encode(key.apply(&[base])[0]), *want, "[{m}]B");
        }
        // A batch of the fifteen, and a wrong multiple is a different encoding.
        let fifteen = JoinKey::new(Scalar::from(15u8));
        let batch = fifteen.apply(&vec![base; APPLY_BATCH + 1]);
        assert!(batch.iter().all(|t| hex::encode(t) == MULTIPLES[15]));
        assert_ne!(
            hex::encode(JoinKey::new(Scalar::from(14u8)).apply(&[base])[0]),
            MULTIPLES[15]
        );

        for (input, output) in [
            (
                "5d1be09e3d0c82fc538112490e35701979d99e06ca3e2b5b54bffe8b4dc772c1\
                 4d98b696a1bbfb5ca32c436cc61c16563790306c79eaca7705668b47dffe5bb6",
                "3066f82a1a747d45120d1740f14358531a8f04bbffe6a819f86dfe50f44a0a46",
            ),
            (
                "f116b34b8f17ceb56e8732a60d913dd10cce47a6d53bee9204be8b44f6678b27\
                 0102a56902e2488c46120e9276cfe54638286b9e4b3cdb470b542d46c2068d38",
                "f26e5b6f7d362d2d2a94c5d0e7602cb4773c95a2e5c31a64f133189fa76ed61b",
            ),
        ] {
            let bytes: [u8; 64] = hex::decode(input).unwrap().try_into().unwrap();
            let point = RistrettoPoint::from_uniform_bytes(&bytes);
            assert_eq!(hex::encode(point.compress().to_bytes()), output);
        }
    }

    #[test]
    fn proof_steps_match_the_message_size_and_links_are_checked() {
        use rand_core::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([8; 32]);
        for n in 2..=6 {
            let ring = Ring {
                me: PartyId(1),
                parties: n,
                limits: JoinLimits::default(),
            };
            for j in 1..=n as u32 {
                assert_eq!(1 + 4 * steps(&ring, PartyId(j)).len(), claim_units(n));
                assert_eq!(claim_units(n) + (n - 1) * (n + 5), proof_units(n));
            }
        }
        // Three parties, our set (party 1) relayed by 2 then 3: party 3's input
        // aggregate must be party 2's output aggregate.
        let ring = Ring {
            me: PartyId(1),
            parties: 3,
            limits: JoinLimits::default(),
        };
        let keys = Keys::generate(&mut rng);
        let identity = JoinIdentity::generate(3, &mut rng).remove(0);
        let mut state = ProofState::new(ring, &keys, [1; POINT_BYTES], identity);
        let (x, y) = (random_point(&mut rng), random_point(&mut rng));
        let zero = Dleq {
            e: Scalar::ZERO,
            s: Scalar::ZERO,
        };
        for j in [PartyId(2), PartyId(3)] {
            state.claims[j.index()] = steps(&ring, j)
                .into_iter()
                .map(|(kind, origin, hop, input)| Claim {
                    kind,
                    origin,
                    hop,
                    input,
                    a_in: x,
                    a_out: x,
                    proof: zero,
                })
                .collect();
        }
        assert!(state.check_links().is_ok());
        for c in &mut state.claims[PartyId(3).index()] {
            if c.kind == MessageKind::Blind && c.origin == PartyId(1) {
                c.a_in = y;
            }
        }
        assert!(matches!(
            state.check_links(),
            Err(JoinError::AggregatesDisagree {
                sender: PartyId(2),
                receiver: PartyId(3)
            })
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
