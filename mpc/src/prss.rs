//! Pseudo-random secret sharing (PRSS): random degree-`t` sharings and degree-`2t`
//! sharings of zero that every party derives locally, after one key-distribution round
//! (Cramer, Damgård and Ishai, "Share conversion, pseudorandom secret-sharing and
//! applications to secure computation", TCC 2005, §3–4).
//!
//! For every set `A` of `t` parties (a largest set the adversary may corrupt) the
//! `n − t` parties outside `A` share a 256-bit key `k_A`. The polynomial
//! `f_A(x) = Π_{j∈A} (j − x)/j` has degree `t`, `f_A(0) = 1` and vanishes on `A`. With
//! `r_A` drawn from the PRF keyed by `k_A`, party `i`'s share of the random secret
//! `Σ_A r_A` is `Σ_{A ∌ i} r_A · f_A(i)`: a degree-`t` sharing whose secret the corrupted
//! parties cannot predict, because the set `A` that contains all of them has a key they
//! never saw. A degree-`2t` sharing of zero adds, per set, `Σ_{l=1..t} s_{A,l} · i^l · f_A(i)`
//! (degree `2t`, zero at 0). A double sharing — the same random secret at degrees `t` and
//! `2t`, what Damgård–Nielsen multiplication consumes — is the first plus the second.
//!
//! The same keys give two more kinds of randomness without communication: integers
//! `Σ_A r_A` with every `r_A` below a power of two ([`Prss::bounded`], the statistical
//! masks of comparisons), and per-set bits `b_A` shared as `b_A · f_A(i)`
//! ([`Prss::set_bits`]), whose XOR is a random shared bit no `t` parties know.
//!
//! The setup round also gives every pair of parties a key of its own
//! ([`Prss::pairwise`]): pseudo-random shares for [`crate::prf_input`].
//!
//! # PRF
//! AES-256 in counter mode (the RustCrypto `aes` and `ctr` crates; AES-NI when the CPU
//! has it, detected at run time) keyed with `k_A`; draw number `d` starts the 128-bit
//! big-endian counter at `d·2^64`, so every draw reads a fresh stream of its own and all
//! holders of a key read the same bytes as long as they make the same calls in the same
//! order (the engine's operations are deterministic and identical at every party). A
//! field element is 16 keystream bytes with the top bit cleared and reduced mod `p`
//! (statistical distance `2^−127` from uniform). Until 2026-12-03 the PRF was ChaCha12;
//! AES-NI makes the keystream, 14 % of the malicious comparisons' CPU with ChaCha12, about
//! half as costly (docs/benchmarks.md, "Session 17").
//!
//! # Cost
//! One round to distribute keys, then `C(n−1, t)·(1 + t)` keystream elements per double
//! sharing and no communication. That beats Damgård–Nielsen's `2(n−1)/(n−t)` sent
//! elements per sharing while the number of sets is small; [`Prss::worthwhile`] decides
//! (up to 7 parties).
//!
//! # Security
//! Computational (AES-256 is a PRF; a draw reads at most 2^34 blocks, far below the
//! birthday bound of the PRP/PRF switch), semi-honest: a dealer of a key who deviates can
//! bias nothing it could not bias by choosing its own Damgård–Nielsen contribution.
//! Keys and keystream buffers are zeroized.

use ctr::cipher::{KeyIvInit, StreamCipher, StreamCipherSeek};

/// The PRF's stream cipher: AES-256 in counter mode (AES-NI when the CPU has it).
type Keystream = ctr::Ctr128BE<aes::Aes256>;
use rand_core::{CryptoRng, RngCore};
use rayon::prelude::*;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::block_stream::{BlockStream, Scratch};
use crate::field::{Fp, ELEMENT_BYTES, MODULUS};
use crate::protocol::Context;
use crate::shamir::PartyId;
use crate::transport::Frames;
use crate::Error;

/// Bytes of one set key.
const KEY_BYTES: usize = 32;

/// Largest `C(n−1, t)·(1 + t)` (keystream elements per double sharing at one party) for
/// which PRSS is used: 80 at n = 7, 350 at n = 9.
const MAX_ELEMENTS_PER_DOUBLE: usize = 100;

/// Elements generated per parallel task.
const CHUNK: usize = 1 << 13;

/// Keystream bytes produced at a time within a task.
const STREAM_BLOCK_BYTES: usize = 4096;

/// Every `t`-subset of the 0-based party indices `0..n`, in lexicographic order.
fn subsets(n: usize, t: usize) -> Vec<Vec<usize>> {
    fn extend(
        start: usize,
        n: usize,
        t: usize,
        current: &mut Vec<usize>,
        out: &mut Vec<Vec<usize>>,
    ) {
        if current.len() == t {
            out.push(current.clone());
            return;
        }
        for i in start..n {
            current.push(i);
            extend(i + 1, n, t, current, out);
            current.pop();
        }
    }
    let mut out = Vec::new();
    extend(0, n, t, &mut Vec::with_capacity(t), &mut out);
    out
}

/// The party that deals `A`'s key: the lowest-numbered party outside `A`.
fn dealer_of(set: &[usize], n: usize) -> usize {
    (0..n).find(|i| !set.contains(i)).unwrap_or(0)
}

/// One key this party holds and the public coefficients it weighs that key's draws with.
struct SetKey {
    key: Zeroizing<[u8; KEY_BYTES]>,
    /// Position of the set `A` among all `t`-subsets (lexicographic).
    set_index: usize,
    /// `f_A(me)`.
    share_coeff: Fp,
    /// `me^l · f_A(me)` for `l = 1..=t`.
    zero_coeffs: Vec<Fp>,
}

impl SetKey {
    fn new(key: [u8; KEY_BYTES], set_index: usize, set: &[usize], me: PartyId, t: usize) -> SetKey {
        let x = me.point();
        let mut f = Fp::ONE;
        for j in set {
            let pj = PartyId::from_index(*j).point();
            // pj ≠ 0, so the inverse exists.
            f *= (pj - x) * pj.inverse().unwrap_or(Fp::ZERO);
        }
        let mut zero_coeffs = Vec::with_capacity(t);
        let mut power = x;
        for _ in 0..t {
            zero_coeffs.push(power * f);
            power *= x;
        }
        SetKey {
            key: Zeroizing::new(key),
            set_index,
            share_coeff: f,
            zero_coeffs,
        }
    }

    /// The keystream of draw `draw`, positioned at element `first`.
    fn stream(&self, draw: u64, first: usize) -> Keystream {
        keystream(&self.key, draw, first)
    }
}

/// The keystream of `key` for draw `draw`, positioned at element `first`.
fn keystream(key: &[u8; KEY_BYTES], draw: u64, first: usize) -> Keystream {
    // The 128-bit counter starts at draw·2^64: every draw has its own 2^64 blocks.
    let mut counter = [0u8; 16];
    counter[..8].copy_from_slice(&draw.to_be_bytes());
    let mut cipher = Keystream::new(&(*key).into(), &counter.into());
    cipher.seek((first * ELEMENT_BYTES) as u64);
    cipher
}

/// Reads keystream element `k` of `buf` as an integer.
#[inline(always)]
fn raw_element(buf: &[u8], k: usize) -> u128 {
    let mut bytes = [0u8; ELEMENT_BYTES];
    bytes.copy_from_slice(&buf[k * ELEMENT_BYTES..(k + 1) * ELEMENT_BYTES]);
    u128::from_le_bytes(bytes)
}

/// Reads keystream element `k` of `buf` as a field element.
#[inline(always)]
fn element(buf: &[u8], k: usize) -> Fp {
    Fp::new(raw_element(buf, k) & MODULUS)
}

/// This party's PRSS keys: generates shares of random values with no communication.
pub struct Prss {
    keys: Vec<SetKey>,
    /// Keys shared with one other party each, by 0-based party index (`None` for self).
    pair_keys: Vec<Option<Zeroizing<[u8; KEY_BYTES]>>>,
    t: usize,
    /// This party's 0-based index.
    me: usize,
    /// `C(n, t)`: the number of sets, held or not.
    sets: usize,
    draws: u64,
}

impl std::fmt::Debug for Prss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prss")
            .field("keys", &self.keys.len())
            .field("draws", &self.draws)
            .finish_non_exhaustive()
    }
}

impl Prss {
    /// Whether PRSS is cheaper than Damgård–Nielsen for `n` parties and threshold `t`.
    pub fn worthwhile(n: usize, t: usize) -> bool {
        let mut sets = 1usize; // C(n−1, t)
        for k in 0..t {
            sets = sets * (n - 1 - k) / (k + 1);
        }
        sets.saturating_mul(1 + t) <= MAX_ELEMENTS_PER_DOUBLE
    }

    /// Shares of `count` fresh random secrets, degree `t`.
    ///
    /// # Errors
    /// [`Error::InvalidParameters`] when one draw would exceed the ChaCha stream.
    pub fn random(&mut self, count: usize) -> Result<Vec<Fp>, Error> {
        self.sum_over_sets(count, MODULUS)
    }

    /// `C(n, t)`, the number of sets `A`: how many pseudo-random summands make up each
    /// secret of [`Prss::bounded`], and how many bits [`Prss::set_bits`] returns per bit.
    pub fn sets(&self) -> usize {
        self.sets
    }

    /// Degree-`t` shares of `count` random integers `Σ_A r_A` with every `r_A` uniform
    /// below `2^bits` (`bits ≤ 126`): each result is below `sets() · 2^bits`, and any `t`
    /// parties miss at least one summand, which hides the others statistically when the
    /// caller leaves enough mask bits (the same argument as values dealt by `t + 1`
    /// parties, with no communication).
    ///
    /// # Errors
    /// As [`Prss::random`]; [`Error::InvalidParameters`] for `bits > 126`.
    pub fn bounded(&mut self, count: usize, bits: u32) -> Result<Vec<Fp>, Error> {
        if bits > 126 {
            return Err(Error::InvalidParameters(
                "PRSS bounded values have at most 126 bits",
            ));
        }
        self.sum_over_sets(count, (1u128 << bits) - 1)
    }

    /// Shares of `Σ_A (r_A & mask)`, `r_A` one keystream element of set `A`'s key.
    fn sum_over_sets(&mut self, count: usize, mask: u128) -> Result<Vec<Fp>, Error> {
        let mut out = vec![Fp::ZERO; count];
        self.generate(
            count,
            1,
            |key, stream, chunk_t, _| {
                for (k, slot) in chunk_t.iter_mut().enumerate() {
                    *slot += key.share_coeff * Fp::new(raw_element(stream, k) & mask);
                }
            },
            &mut out,
            &mut [],
        )?;
        Ok(out)
    }

    /// For every set `A` whose key this party holds, `count` pseudo-random bits `b_A`
    /// that exactly the parties outside `A` know; [`SetBits::share`] gives this party's
    /// degree-`t` share `b_A · f_A(i)` of each. Any `t` parties miss the bits of at least
    /// one set, so the XOR over all sets is a random bit none of them knows.
    ///
    /// # Errors
    /// [`Error::InvalidParameters`] when one draw would exceed the ChaCha stream.
    pub fn set_bits(&mut self, count: usize) -> Result<SetBits, Error> {
        let bytes = count.div_ceil(8);
        if bytes as u128 >= 1u128 << 38 {
            return Err(Error::InvalidParameters(
                "too many random bits requested at once",
            ));
        }
        let draw = self.draws;
        self.draws += 1;
        let mut held: Vec<Option<HeldBits>> = (0..self.sets).map(|_| None).collect();
        for key in &self.keys {
            let mut stream = Zeroizing::new(vec![0u8; bytes]);
            key.stream(draw, 0).write_keystream(&mut stream);
            held[key.set_index] = Some(HeldBits {
                share_coeff: key.share_coeff,
                bits: stream,
            });
        }
        Ok(SetBits { held })
    }

    /// The index of the set `{party}` (0-based party index) when sets are single parties
    /// (`t = 1`): sets are ordered lexicographically, so it is the party's own index.
    pub fn singleton_set(&self, party: usize) -> Option<usize> {
        (self.t == 1 && party < self.sets).then_some(party)
    }

    /// Pseudo-random field elements this party shares with one other party each:
    /// `lens[j]` elements from the key shared with party `j` (0-based; `lens[me]` must be
    /// 0), all from one draw. Party `j` reads the same elements when it asks for
    /// `lens[me]` from this party in the same call. Used by [`crate::prf_input`].
    ///
    /// # Errors
    /// [`Error::InvalidParameters`] for a wrong number of lengths, a draw longer than
    /// the ChaCha stream, or elements requested from this party itself.
    pub fn pairwise(&mut self, lens: &[usize]) -> Result<Vec<Zeroizing<Vec<Fp>>>, Error> {
        if lens.len() != self.pair_keys.len() {
            return Err(Error::InvalidParameters("one pairwise length per party"));
        }
        if lens
            .iter()
            .any(|len| (*len as u128) * (ELEMENT_BYTES as u128) >= 1u128 << 38)
        {
            return Err(Error::InvalidParameters(
                "too many pairwise elements requested at once",
            ));
        }
        let partners: Vec<usize> = (0..lens.len()).filter(|j| lens[*j] > 0).collect();
        let mut streams = self.pair_streams(&partners)?;
        let mut out: Vec<Zeroizing<Vec<Fp>>> = lens
            .iter()
            .map(|len| Zeroizing::new(vec![Fp::ZERO; *len]))
            .collect();
        for (index, j) in partners.iter().enumerate() {
            streams.fill(index, &mut out[*j])?;
        }
        Ok(out)
    }

    /// The keystreams of one draw from the keys this party shares with each of
    /// `parties` (0-based indices): the other party of each pair reads the same stream
    /// when it asks for this party in the same call. A draw holds at most 2^34 elements
    /// per stream (the caller keeps to far less).
    ///
    /// # Errors
    /// [`Error::InvalidParameters`] for this party itself or an index out of range.
    pub fn pair_streams(&mut self, parties: &[usize]) -> Result<PairStreams, Error> {
        let draw = self.draws;
        self.draws += 1;
        let streams = parties
            .iter()
            .map(|j| {
                let key = self.pair_keys.get(*j).and_then(Option::as_ref).ok_or(
                    Error::InvalidParameters(
                        "no pairwise key with this party (itself or out of range)",
                    ),
                )?;
                Ok(BlockStream::new(key, draw, 0))
            })
            .collect::<Result<_, Error>>()?;
        Ok(PairStreams {
            streams,
            scratch: Scratch::new(),
        })
    }

    /// Draws the MAC key `α = Σ_A α_A` of the malicious mode: this party's share
    /// `Σ_{A∌i} α_A·f_A(i)` (the same value as [`Prss::random`]`(1)` would give) and
    /// [`AlphaParts`], the per-set weights that let it compute MACs of per-set bits
    /// ([`Prss::set_bits`]) without a multiplication ([`AlphaParts::of_bit`]).
    ///
    /// # Errors
    /// As [`Prss::random`].
    pub(crate) fn alpha_parts(&mut self) -> Result<(Fp, AlphaParts), Error> {
        let draw = self.draws;
        self.draws += 1;
        let n = self.pair_keys.len();
        let sets = subsets(n, self.t);
        let me = self.me;
        // α_A for every held set, by set index.
        let mut alpha_of: Vec<Option<Fp>> = vec![None; self.sets];
        let mut share = Fp::ZERO;
        let mut scratch = Scratch::new();
        for key in &self.keys {
            let mut one = [Fp::ZERO];
            BlockStream::new(&key.key, draw, 0).fill(&mut one, &mut scratch);
            share += key.share_coeff * one[0];
            alpha_of[key.set_index] = Some(one[0]);
            one.zeroize();
        }
        let mut diag = vec![Fp::ZERO; self.sets];
        let mut deal = vec![Fp::ZERO; self.sets];
        for key in &self.keys {
            let b = key.set_index;
            if let Some(alpha_b) = alpha_of[b] {
                diag[b] = alpha_b * key.share_coeff;
            }
            for (a, alpha_a) in alpha_of.iter().enumerate() {
                if let Some(alpha_a) = alpha_a {
                    if a != b && cross_dealer(&sets[a], &sets[b], n) == Some(me) {
                        deal[b] += *alpha_a;
                    }
                }
            }
        }
        alpha_of.zeroize();
        Ok((share, AlphaParts { diag, deal }))
    }

    /// Shares of `count` fresh random secrets at degree `t` and, of the same secrets,
    /// at degree `2t` (double sharings).
    ///
    /// # Errors
    /// As [`Prss::random`].
    pub fn double(&mut self, count: usize) -> Result<(Vec<Fp>, Vec<Fp>), Error> {
        let mut rt = vec![Fp::ZERO; count];
        let mut r2t = vec![Fp::ZERO; count];
        let per = 1 + self.t;
        self.generate(
            count,
            per,
            |key, stream, chunk_t, chunk_2t| {
                for (k, (st, s2t)) in chunk_t.iter_mut().zip(chunk_2t.iter_mut()).enumerate() {
                    let base = k * per;
                    let r = key.share_coeff * element(stream, base);
                    let mut zero = Fp::ZERO;
                    for (l, c) in key.zero_coeffs.iter().enumerate() {
                        zero += *c * element(stream, base + 1 + l);
                    }
                    *st += r;
                    *s2t += r + zero;
                }
            },
            &mut rt,
            &mut r2t,
        )?;
        Ok((rt, r2t))
    }

    /// Runs `accumulate(key, keystream, out_t chunk, out_2t chunk)` for every key over
    /// chunks of the outputs in parallel; `per` keystream elements per output.
    fn generate(
        &mut self,
        count: usize,
        per: usize,
        accumulate: impl Fn(&SetKey, &[u8], &mut [Fp], &mut [Fp]) + Sync,
        out_t: &mut [Fp],
        out_2t: &mut [Fp],
    ) -> Result<(), Error> {
        // ChaCha (IETF nonce) has a 32-bit block counter: 2^38 bytes per nonce.
        if (count as u128) * (per as u128) * (ELEMENT_BYTES as u128) >= 1u128 << 38 {
            return Err(Error::InvalidParameters(
                "too many random sharings requested at once",
            ));
        }
        let draw = self.draws;
        self.draws += 1;
        let keys = &self.keys;
        // Keystream goes through one small stack buffer per task (zeroized once at the
        // end) rather than a buffer the size of the chunk: no large allocation, no page
        // faults, little to wipe.
        let block = (STREAM_BLOCK_BYTES / (per * ELEMENT_BYTES)).max(1);
        let task = |c: usize, chunk_t: &mut [Fp], chunk_2t: &mut [Fp]| {
            let mut buf = Zeroizing::new([0u8; STREAM_BLOCK_BYTES]);
            for key in keys {
                let mut stream = BlockStream::new(&key.key, draw, (c * CHUNK * per) as u64);
                for start in (0..chunk_t.len()).step_by(block) {
                    let end = (start + block).min(chunk_t.len());
                    let bytes = &mut buf[..(end - start) * per * ELEMENT_BYTES];
                    stream.write_blocks(bytes);
                    let part_2t = if chunk_2t.is_empty() {
                        &mut []
                    } else {
                        &mut chunk_2t[start..end]
                    };
                    accumulate(key, bytes, &mut chunk_t[start..end], part_2t);
                }
            }
        };
        if out_2t.is_empty() {
            out_t
                .par_chunks_mut(CHUNK)
                .enumerate()
                .for_each(|(c, chunk)| task(c, chunk, &mut []));
        } else {
            out_t
                .par_chunks_mut(CHUNK)
                .zip(out_2t.par_chunks_mut(CHUNK))
                .enumerate()
                .for_each(|(c, (a, b))| task(c, a, b));
        }
        Ok(())
    }
}

/// The party (0-based) that deals the cross term `α_A·r_B` of the MAC `α·r` of a
/// value `r = Σ_B r_B` ([`AlphaParts`]): the lowest party outside `A ∪ B`, which holds
/// both keys. `None` only when `A ∪ B` is everyone, impossible for `|A| = |B| = t < n/2`.
fn cross_dealer(a: &[usize], b: &[usize], n: usize) -> Option<usize> {
    (0..n).find(|i| !a.contains(i) && !b.contains(i))
}

/// This party's per-set weights of the MAC key `α = Σ_A α_A` ([`Prss::alpha_parts`]).
/// For a value `r = Σ_B r_B` with `r_B` known to the holders of `B`,
/// `α·r = Σ_B α_B·r_B + Σ_{A≠B} α_A·r_B`: a diagonal term is shared locally like a PRSS
/// value (`α_B·r_B·f_B(i)`), a cross term is known to the parties outside `A ∪ B` and
/// dealt as an input by the lowest of them ([`cross_dealer`]). By set index: `α_B·f_B(i)`
/// and the sum of the `α_A` whose cross terms with `B` this party deals; zero for sets it
/// does not hold.
///
/// # Security
/// Secret (parts of the MAC key); zeroised on drop, no `Clone`/`Debug`.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct AlphaParts {
    diag: Vec<Fp>,
    deal: Vec<Fp>,
}

impl AlphaParts {
    /// No parts (for unit tests of the MAC state).
    #[cfg(test)]
    pub(crate) fn none() -> AlphaParts {
        AlphaParts {
            diag: Vec::new(),
            deal: Vec::new(),
        }
    }

    /// The MAC parts of per-set bits ([`Prss::set_bits`]): for bit `k` of set `set`,
    /// this party's diagonal share `α_A·b_A·f_A(i)` and the cross terms it deals,
    /// `b_A·Σ α_{A'}` over the sets `A' ≠ A` assigned to it.
    pub(crate) fn of_bit(&self, bits: &SetBits, set: usize, k: usize) -> (Fp, Fp) {
        match bits.bit(set, k) {
            Some(true) => (
                self.diag.get(set).copied().unwrap_or(Fp::ZERO),
                self.deal.get(set).copied().unwrap_or(Fp::ZERO),
            ),
            _ => (Fp::ZERO, Fp::ZERO),
        }
    }
}

/// Keystreams shared with some other parties, from one draw ([`Prss::pair_streams`]).
pub struct PairStreams {
    streams: Vec<BlockStream>,
    scratch: Scratch,
}

impl PairStreams {
    /// Fills `out` with the next elements of the stream shared with the `index`-th party
    /// of the list given to [`Prss::pair_streams`].
    ///
    /// # Errors
    /// [`Error::InvalidParameters`] when `index` is not below the length of that list.
    pub fn fill(&mut self, index: usize, out: &mut [Fp]) -> Result<(), Error> {
        let stream = self
            .streams
            .get_mut(index)
            .ok_or(Error::InvalidParameters("no such pairwise stream"))?;
        stream.fill(out, &mut self.scratch);
        Ok(())
    }
}

/// One set's bits as its key holders read them.
struct HeldBits {
    share_coeff: Fp,
    /// Bit `k` is bit `k % 8` of byte `k / 8`.
    bits: Zeroizing<Vec<u8>>,
}

/// Per-set pseudo-random bits from one draw ([`Prss::set_bits`]).
pub struct SetBits {
    /// By set index; `None` for the sets this party belongs to (it has no key).
    held: Vec<Option<HeldBits>>,
}

impl SetBits {
    /// Bit `k` of set `set`, if this party holds the set's key.
    pub fn bit(&self, set: usize, k: usize) -> Option<bool> {
        let held = self.held.get(set)?.as_ref()?;
        Some((held.bits[k / 8] >> (k % 8)) & 1 == 1)
    }

    /// This party's degree-`t` share of bit `k` of set `set`: `b_A · f_A(i)`, zero for
    /// the sets it belongs to.
    pub fn share(&self, set: usize, k: usize) -> Fp {
        match self.held.get(set).and_then(Option::as_ref) {
            Some(held) if (held.bits[k / 8] >> (k % 8)) & 1 == 1 => held.share_coeff,
            _ => Fp::ZERO,
        }
    }
}

/// Key distribution round (typestate start).
pub struct PrssSetup;

/// Key distribution whose keys have been sent.
pub struct PrssSetupPending {
    /// Keys this party dealt, per set index.
    dealt: Vec<(usize, Zeroizing<[u8; KEY_BYTES]>)>,
    /// Pairwise keys this party dealt (to every higher-numbered party), by party index.
    dealt_pairs: Vec<Option<Zeroizing<[u8; KEY_BYTES]>>>,
}

impl PrssSetup {
    /// Deals a key for every set whose dealer this party is and sends it to the other
    /// parties outside the set.
    ///
    /// Also deals a pairwise key to every higher-numbered party.
    ///
    /// # Layout
    /// The frame to party `j` is the concatenation, in lexicographic set order, of the
    /// 32-byte keys of the sets this party deals and `j` holds, followed by the 32-byte
    /// pairwise key when `j` is numbered higher than this party.
    pub fn start<R: RngCore + CryptoRng + ?Sized>(
        ctx: &Context,
        rng: &mut R,
    ) -> (PrssSetupPending, Frames) {
        let (n, t) = (ctx.params().n(), ctx.params().t());
        let me = ctx.me().index();
        let mut outgoing: Frames = vec![Vec::new(); n];
        let mut dealt = Vec::new();
        for (index, set) in subsets(n, t).iter().enumerate() {
            if dealer_of(set, n) != me {
                continue;
            }
            let mut key = Zeroizing::new([0u8; KEY_BYTES]);
            rng.fill_bytes(key.as_mut());
            for (j, frame) in outgoing.iter_mut().enumerate() {
                if j != me && !set.contains(&j) {
                    frame.extend_from_slice(key.as_ref());
                }
            }
            dealt.push((index, key));
        }
        let mut dealt_pairs: Vec<Option<Zeroizing<[u8; KEY_BYTES]>>> = vec![None; n];
        for (j, frame) in outgoing.iter_mut().enumerate().skip(me + 1) {
            let mut key = Zeroizing::new([0u8; KEY_BYTES]);
            rng.fill_bytes(key.as_mut());
            frame.extend_from_slice(key.as_ref());
            dealt_pairs[j] = Some(key);
        }
        (PrssSetupPending { dealt, dealt_pairs }, outgoing)
    }
}

impl PrssSetupPending {
    /// Collects the keys dealt by the others.
    ///
    /// # Errors
    /// [`Error::PeerMisbehaved`] for a frame of the wrong length.
    pub fn finish(mut self, ctx: &Context, incoming: &Frames) -> Result<Prss, Error> {
        let (n, t) = (ctx.params().n(), ctx.params().t());
        let me = ctx.me().index();
        let sets = subsets(n, t);
        let mut cursor = vec![0usize; n];
        let mut expected = vec![0usize; n];
        for set in &sets {
            let dealer = dealer_of(set, n);
            if dealer != me && !set.contains(&me) {
                expected[dealer] += KEY_BYTES;
            }
        }
        // Lower-numbered parties each deal this party a pairwise key.
        for e in expected.iter_mut().take(me) {
            *e += KEY_BYTES;
        }
        for (j, frame) in incoming.iter().enumerate() {
            if j != me && frame.len() != expected[j] {
                return Err(Error::misbehaved(
                    PartyId::from_index(j),
                    format!(
                        "malformed frame: {} bytes of PRSS keys where {} were expected",
                        frame.len(),
                        expected[j]
                    ),
                ));
            }
        }
        let mut keys = Vec::new();
        for (index, set) in sets.iter().enumerate() {
            if set.contains(&me) {
                continue;
            }
            let dealer = dealer_of(set, n);
            let mut key = [0u8; KEY_BYTES];
            if dealer == me {
                let position = self.dealt.iter().position(|(i, _)| *i == index);
                if let Some(p) = position {
                    key.copy_from_slice(self.dealt.swap_remove(p).1.as_ref());
                }
            } else {
                let at = cursor[dealer];
                key.copy_from_slice(&incoming[dealer][at..at + KEY_BYTES]);
                cursor[dealer] = at + KEY_BYTES;
            }
            keys.push(SetKey::new(key, index, set, ctx.me(), t));
            key.zeroize();
        }
        let mut pair_keys = std::mem::take(&mut self.dealt_pairs);
        for (j, slot) in pair_keys.iter_mut().enumerate().take(me) {
            let at = cursor[j];
            let mut key = Zeroizing::new([0u8; KEY_BYTES]);
            key.copy_from_slice(&incoming[j][at..at + KEY_BYTES]);
            *slot = Some(key);
        }
        Ok(Prss {
            keys,
            pair_keys,
            t,
            me,
            sets: sets.len(),
            draws: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex<const N: usize>(text: &str) -> [u8; N] {
        let bytes = hex::decode(text).expect("hex");
        bytes.try_into().expect("length")
    }

    /// The keystream cipher is AES-256-CTR with a 128-bit big-endian counter: NIST SP
    /// 800-38A, F.5.5 (CTR-AES256.Encrypt), whose four blocks carry the counter's low byte
    /// over (…feff, …ff00, …).
    #[test]
    fn the_keystream_is_nist_aes256_ctr() {
        let key: [u8; 32] =
            unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
        let counter: [u8; 16] = unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
        let mut data: [u8; 64] = unhex(concat!(
            "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51",
            "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
        ));
        Keystream::new(&key.into(), &counter.into()).apply_keystream(&mut data);
        let want: [u8; 64] = unhex(concat!(
            "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5",
            "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6"
        ));
        assert_eq!(data, want);
    }

    /// Draw `d` reads the stream from counter `d·2^64`, and `first` skips whole elements:
    /// holders of a key who ask for the same draw and position read the same bytes, and
    /// different draws read different streams.
    #[test]
    fn draws_start_their_own_counter_and_seek_by_elements() {
        let key = [7u8; KEY_BYTES];
        let read = |mut stream: Keystream, len: usize| {
            let mut bytes = vec![0u8; len];
            stream.write_keystream(&mut bytes);
            bytes
        };
        let mut counter = [0u8; 16];
        counter[..8].copy_from_slice(&5u64.to_be_bytes());
        let direct = read(
            Keystream::new(&key.into(), &counter.into()),
            10 * ELEMENT_BYTES,
        );
        assert_eq!(read(keystream(&key, 5, 0), 10 * ELEMENT_BYTES), direct);
        assert_eq!(
            read(keystream(&key, 5, 3), 7 * ELEMENT_BYTES),
            direct[3 * ELEMENT_BYTES..]
        );
        assert_ne!(read(keystream(&key, 6, 0), 10 * ELEMENT_BYTES), direct);
    }

    /// The MAC parts of a per-set bit `b_A` add up to `α·b_A`: the diagonal shares are a
    /// degree-`t` sharing of `α_A·b_A`, and the dealt values (summed in the clear here)
    /// supply every cross term `α_{A'}·b_A` exactly once, for 3, 5 and 7 parties.
    #[test]
    fn bit_mac_parts_add_up_to_alpha_times_the_bit() {
        use crate::shamir::{reconstruct, Params, ShareVec};
        use rand::{rngs::StdRng, SeedableRng};
        for n in [3, 5, 7] {
            let params = Params::honest_majority(n).unwrap();
            let ctxs: Vec<Context> = (0..n)
                .map(|i| Context::new(params, PartyId::from_index(i)).unwrap())
                .collect();
            let mut rng = StdRng::seed_from_u64(n as u64);
            let (pending, sent): (Vec<_>, Vec<Frames>) =
                ctxs.iter().map(|c| PrssSetup::start(c, &mut rng)).unzip();
            let mut prss: Vec<Prss> = pending
                .into_iter()
                .enumerate()
                .map(|(j, p)| {
                    let incoming = (0..n).map(|i| sent[i][j].clone()).collect();
                    p.finish(&ctxs[j], &incoming).unwrap()
                })
                .collect();
            let parts: Vec<(Fp, AlphaParts)> =
                prss.iter_mut().map(|p| p.alpha_parts().unwrap()).collect();
            let open = |values: Vec<Fp>| {
                let shares: Vec<ShareVec> = values
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| ShareVec::new(PartyId::from_index(i), vec![v]))
                    .collect();
                reconstruct(params, &shares).unwrap()[0]
            };
            let alpha = open(parts.iter().map(|p| p.0).collect());
            let bits: Vec<SetBits> = prss.iter_mut().map(|p| p.set_bits(40).unwrap()).collect();
            let sets = prss[0].sets();
            let mut ones = 0;
            for set in 0..sets {
                for k in 0..40 {
                    let b = bits.iter().find_map(|x| x.bit(set, k)).unwrap();
                    let (diag, dealt): (Vec<Fp>, Vec<Fp>) =
                        (0..n).map(|i| parts[i].1.of_bit(&bits[i], set, k)).unzip();
                    let mac = open(diag) + dealt.iter().fold(Fp::ZERO, |a, x| a + *x);
                    assert_eq!(mac, alpha * Fp::new(u128::from(b)), "n = {n}, set {set}");
                    ones += usize::from(b);
                }
            }
            assert!(ones > 0 && ones < sets * 40);
        }
    }

    #[test]
    fn subsets_and_dealers() {
        assert_eq!(subsets(3, 1), vec![vec![0], vec![1], vec![2]]);
        assert_eq!(subsets(5, 2).len(), 10);
        assert_eq!(subsets(7, 3).len(), 35);
        assert_eq!(dealer_of(&[0], 3), 1);
        assert_eq!(dealer_of(&[1, 2], 5), 0);
        assert!(Prss::worthwhile(3, 1));
        assert!(Prss::worthwhile(5, 2));
        assert!(Prss::worthwhile(7, 3));
        assert!(!Prss::worthwhile(9, 4));
    }
}
