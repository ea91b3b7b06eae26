//! The n-party engine: runs the sans-IO rounds of [`crate::protocol`] over a
//! [`Transport`] and offers vectorised arithmetic on secret-shared values.
//!
//! Every operation works on whole vectors, so a million multiplications cost one
//! round of communication (with Damgård–Nielsen randomness, plus one round of
//! preprocessing that [`Engine::preprocess`] can run ahead of time). Linear operations
//! are local. Comparisons and truncation live in [`crate::compare`].
//!
//! # Security
//! Honest majority (`t < n/2` corrupted parties), semi-honest security; openings check
//! share consistency and abort naming the culprit where the redundancy allows. A party
//! that deviates inside a multiplication can change the result without being caught
//! (full malicious security is future work); see docs/mpc.md.

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, Zeroizing};

use crate::field::{batch_inverse_sqrt_of_square, Fp};
use crate::prf_input::{pad_lengths, PrfInput};
use crate::protocol::{Audience, Context, Input, Open, RandomSharings};
use crate::prss::{Prss, PrssSetup};
use crate::reshare::{stream_partners, Reshare};
use crate::shamir::{Params, PartyId, ShareVec};
use crate::transport::{Frames, Transport};
use crate::Error;

/// Counters of the communication an engine has done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Rounds (exchanges) run.
    pub rounds: u64,
    /// Payload bytes sent to all peers together.
    pub bytes_sent: u64,
}

/// Where the engine's random sharings (and double sharings for multiplication) come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RandomnessSource {
    /// Pseudo-random secret sharing ([`crate::prss`]): one key round, then local.
    Prss,
    /// Damgård–Nielsen: one round of communication per batch ([`RandomSharings`]).
    DamgardNielsen,
}

/// Shares of the same random values at degree `t` and at degree `2t`.
type DoubleSharings = (Zeroizing<Vec<Fp>>, Zeroizing<Vec<Fp>>);

/// Elements per exchange: longer vectors are opened in chunks of this many (1 MiB frames).
pub const CHUNK_ELEMENTS: usize = 1 << 16;

/// How many bits a sum of [`Engine::random_bounded`] summands may exceed one summand by:
/// the bit length of `t + 1` (the dealers' count; PRSS summands are used only when there
/// are fewer than `2^b` of them).
pub(crate) fn mask_summand_bits(t: usize) -> u32 {
    usize::BITS - (t + 1).leading_zeros()
}

/// One party's protocol engine.
pub struct Engine<T: Transport> {
    transport: T,
    ctx: Context,
    rng: ChaCha20Rng,
    source: RandomnessSource,
    /// PRSS keys, distributed on first use.
    prss: Option<Prss>,
    /// Preprocessed double sharings (degree t, degree 2t) of the same random values.
    doubles_t: Vec<Fp>,
    doubles_2t: Vec<Fp>,
    traffic: Traffic,
}

impl<T: Transport> std::fmt::Debug for Engine<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("me", &self.ctx.me())
            .field("params", &self.ctx.params())
            .field("traffic", &self.traffic)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> Drop for Engine<T> {
    fn drop(&mut self) {
        self.doubles_t.zeroize();
        self.doubles_2t.zeroize();
    }
}

impl<T: Transport> Engine<T> {
    /// Creates the engine with the honest-majority threshold `⌊(n−1)/2⌋`, seeding its
    /// randomness from the caller's CSPRNG.
    ///
    /// # Errors
    /// [`Error::InvalidParameters`] for fewer than 3 parties.
    pub fn new<R: RngCore + CryptoRng + ?Sized>(transport: T, rng: &mut R) -> Result<Self, Error> {
        let params = Params::honest_majority(transport.parties())?;
        let ctx = Context::new(params, transport.me())?;
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        let engine_rng = ChaCha20Rng::from_seed(seed);
        seed.zeroize();
        let source = if Prss::worthwhile(params.n(), params.t()) {
            RandomnessSource::Prss
        } else {
            RandomnessSource::DamgardNielsen
        };
        Ok(Engine {
            transport,
            ctx,
            rng: engine_rng,
            source,
            prss: None,
            doubles_t: Vec::new(),
            doubles_2t: Vec::new(),
            traffic: Traffic::default(),
        })
    }

    /// This party.
    pub fn me(&self) -> PartyId {
        self.ctx.me()
    }

    /// Sharing parameters.
    pub fn params(&self) -> Params {
        self.ctx.params()
    }

    /// Where random sharings come from (PRSS up to 7 parties, Damgård–Nielsen beyond).
    pub fn randomness_source(&self) -> RandomnessSource {
        self.source
    }

    /// Chooses where random sharings come from; every party must choose the same.
    pub fn set_randomness_source(&mut self, source: RandomnessSource) {
        self.source = source;
    }

    /// Communication so far.
    pub fn traffic(&self) -> Traffic {
        self.traffic
    }

    /// The transport (e.g. to inspect or close it).
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Runs one round; on error tells the peers (best effort) and returns the error.
    fn exchange(&mut self, outgoing: Frames) -> Result<Frames, Error> {
        self.traffic.rounds += 1;
        self.send_receive(outgoing)
    }

    /// One exchange of frames, not counted as a round (a round may take several).
    fn send_receive(&mut self, outgoing: Frames) -> Result<Frames, Error> {
        self.traffic.bytes_sent += outgoing.iter().map(|f| f.len() as u64).sum::<u64>();
        self.transport.exchange(outgoing)
    }

    /// Tells every peer that this party stops because of `error` (best effort).
    pub fn abort(&mut self, error: &Error) {
        self.transport.abort(error);
    }

    fn wrap(&self, values: Vec<Fp>) -> ShareVec {
        ShareVec::new(self.ctx.me(), values)
    }

    // ----- Input and output -------------------------------------------------------

    /// Every party shares its own vector; `lens[j]` is party `j+1`'s (public) length.
    /// Returns this party's shares of each party's vector.
    ///
    /// # Errors
    /// Length mismatches, transport errors, malformed frames.
    pub fn input(&mut self, lens: &[usize], mine: &[Fp]) -> Result<Vec<ShareVec>, Error> {
        self.traffic.rounds += 1;
        let columns = self.input_columns(lens, mine)?;
        Ok(columns
            .into_iter()
            .map(|mut c| self.wrap(std::mem::take(&mut *c)))
            .collect())
    }

    /// One exchange in which every party deals `lens[me]` values; this party's shares of
    /// each dealer's values. With PRSS keys, `t` of every value's shares come from
    /// pairwise keys and are not sent ([`PrfInput`]); otherwise [`Input`] sends them all.
    fn input_columns(
        &mut self,
        lens: &[usize],
        mine: &[Fp],
    ) -> Result<Vec<Zeroizing<Vec<Fp>>>, Error> {
        if self.source == RandomnessSource::Prss {
            let pad_lens = pad_lengths(&self.ctx, lens)?;
            let pads = self.prss()?.pairwise(&pad_lens)?;
            let (pending, outgoing) = PrfInput::start(&self.ctx, lens, mine, pads)?;
            let incoming = self.send_receive(outgoing)?;
            return pending.finish(&self.ctx, &incoming);
        }
        let (pending, outgoing) = Input::start(&self.ctx, lens, mine, &mut self.rng)?;
        let incoming = self.send_receive(outgoing)?;
        Ok(pending
            .finish(&self.ctx, &incoming)?
            .into_iter()
            .map(Zeroizing::new)
            .collect())
    }

    /// Party `owner` shares `len` values (`values` is read only by the owner).
    ///
    /// # Errors
    /// As [`Engine::input`].
    pub fn input_from(
        &mut self,
        owner: PartyId,
        len: usize,
        values: &[Fp],
    ) -> Result<ShareVec, Error> {
        self.ctx.params().check_party(owner)?;
        let mut lens = vec![0; self.params().n()];
        lens[owner.index()] = len;
        let mine: &[Fp] = if owner == self.me() { values } else { &[] };
        let mut all = self.input(&lens, mine)?;
        Ok(all.swap_remove(owner.index()))
    }

    /// Adopts shares received from an outside data owner (client-input model).
    pub fn adopt(&self, shares: Vec<Fp>) -> ShareVec {
        self.wrap(shares)
    }

    /// Sends the same public bytes to every party and returns what each sent (own included).
    ///
    /// # Security
    /// Not a Byzantine broadcast: use it for data every party then checks for agreement.
    ///
    /// # Errors
    /// Transport errors.
    pub fn exchange_public(&mut self, bytes: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
        let n = self.params().n();
        let me = self.me().index();
        let outgoing = (0..n)
            .map(|j| if j == me { Vec::new() } else { bytes.to_vec() })
            .collect();
        let mut incoming = self.exchange(outgoing)?;
        incoming[me] = bytes.to_vec();
        Ok(incoming)
    }

    /// Checks that every party holds the same public `bytes` (e.g. a job hash).
    ///
    /// # Errors
    /// [`Error::PeerMisbehaved`] naming the first party that disagrees, with `what`.
    pub fn agree(&mut self, bytes: &[u8], what: &str) -> Result<(), Error> {
        let all = self.exchange_public(bytes)?;
        for (j, theirs) in all.iter().enumerate() {
            if theirs != bytes {
                return Err(Error::misbehaved(
                    PartyId::from_index(j),
                    format!("disagrees on {what}; every party must use the same one"),
                ));
            }
        }
        Ok(())
    }

    /// Opens `x` to every party, checking share consistency.
    ///
    /// # Errors
    /// Inconsistent shares (naming the party where possible), transport errors.
    pub fn open(&mut self, x: &ShareVec) -> Result<Vec<Fp>, Error> {
        let values = self.open_with(x.values(), self.params().t(), Audience::All)?;
        Ok(opened_to_all(values))
    }

    /// Opens `x` as signed integers.
    ///
    /// # Errors
    /// As [`Engine::open`].
    pub fn open_signed(&mut self, x: &ShareVec) -> Result<Vec<i128>, Error> {
        Ok(self.open(x)?.into_iter().map(Fp::to_i128).collect())
    }

    /// Opens `x` to `receiver` only: it gets `Some(values)`, everyone else `None`.
    ///
    /// # Errors
    /// As [`Engine::open`].
    pub fn open_to(&mut self, receiver: PartyId, x: &ShareVec) -> Result<Option<Vec<Fp>>, Error> {
        self.ctx.params().check_party(receiver)?;
        self.open_with(x.values(), self.params().t(), Audience::One(receiver))
    }

    /// Opens `shares` in one round: vectors longer than [`CHUNK_ELEMENTS`] are sent as
    /// several exchanges of one chunk each, so frames and buffers stay small and warm.
    fn open_with(
        &mut self,
        shares: &[Fp],
        degree: usize,
        audience: Audience,
    ) -> Result<Option<Vec<Fp>>, Error> {
        self.traffic.rounds += 1;
        if shares.len() <= CHUNK_ELEMENTS {
            return self.open_chunk(shares, degree, audience);
        }
        let mut out: Option<Vec<Fp>> = None;
        for chunk in shares.chunks(CHUNK_ELEMENTS) {
            if let Some(values) = self.open_chunk(chunk, degree, audience)? {
                out.get_or_insert_with(|| Vec::with_capacity(shares.len()))
                    .extend(values);
            }
        }
        Ok(out)
    }

    fn open_chunk(
        &mut self,
        shares: &[Fp],
        degree: usize,
        audience: Audience,
    ) -> Result<Option<Vec<Fp>>, Error> {
        let (pending, outgoing) = Open::start(&self.ctx, shares, degree, audience);
        let incoming = self.send_receive(outgoing)?;
        pending.finish(&self.ctx, &incoming)
    }

    // ----- Local (linear) operations ---------------------------------------------

    fn zip(&self, a: &ShareVec, b: &ShareVec, f: impl Fn(Fp, Fp) -> Fp) -> Result<ShareVec, Error> {
        if a.len() != b.len() {
            return Err(Error::LengthMismatch {
                left: a.len(),
                right: b.len(),
            });
        }
        Ok(self.wrap(
            a.values()
                .iter()
                .zip(b.values())
                .map(|(x, y)| f(*x, *y))
                .collect(),
        ))
    }

    /// `a + b` element-wise (local).
    ///
    /// # Errors
    /// [`Error::LengthMismatch`].
    pub fn add(&self, a: &ShareVec, b: &ShareVec) -> Result<ShareVec, Error> {
        self.zip(a, b, |x, y| x + y)
    }

    /// `a − b` element-wise (local).
    ///
    /// # Errors
    /// [`Error::LengthMismatch`].
    pub fn sub(&self, a: &ShareVec, b: &ShareVec) -> Result<ShareVec, Error> {
        self.zip(a, b, |x, y| x - y)
    }

    /// `a + c` for public constants `c` (one per element, or one for all).
    pub fn add_public(&self, a: &ShareVec, c: Fp) -> ShareVec {
        // Adding a public constant to a Shamir sharing adds it to every share.
        self.wrap(a.values().iter().map(|x| *x + c).collect())
    }

    /// `a + c[k]` element-wise for a public vector `c`.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`].
    pub fn add_public_vec(&self, a: &ShareVec, c: &[Fp]) -> Result<ShareVec, Error> {
        if a.len() != c.len() {
            return Err(Error::LengthMismatch {
                left: a.len(),
                right: c.len(),
            });
        }
        Ok(self.wrap(a.values().iter().zip(c).map(|(x, y)| *x + *y).collect()))
    }

    /// `c · a` for a public scalar (local).
    pub fn mul_public(&self, a: &ShareVec, c: Fp) -> ShareVec {
        self.wrap(a.values().iter().map(|x| *x * c).collect())
    }

    /// `c[k] · a[k]` for a public vector (local).
    ///
    /// # Errors
    /// [`Error::LengthMismatch`].
    pub fn mul_public_vec(&self, a: &ShareVec, c: &[Fp]) -> Result<ShareVec, Error> {
        if a.len() != c.len() {
            return Err(Error::LengthMismatch {
                left: a.len(),
                right: c.len(),
            });
        }
        Ok(self.wrap(a.values().iter().zip(c).map(|(x, y)| *x * *y).collect()))
    }

    /// `1 − a` (for bits; local).
    pub fn one_minus(&self, a: &ShareVec) -> ShareVec {
        self.wrap(a.values().iter().map(|x| Fp::ONE - *x).collect())
    }

    /// The sum of all elements, as a vector of length one (local).
    pub fn sum(&self, a: &ShareVec) -> ShareVec {
        let total = a.values().iter().fold(Fp::ZERO, |acc, x| acc + *x);
        self.wrap(vec![total])
    }

    /// A sharing of public constants (every party uses the constant as its share).
    pub fn constant(&self, c: &[Fp]) -> ShareVec {
        self.wrap(c.to_vec())
    }

    /// The concatenation of several vectors (local).
    pub fn concat(&self, parts: &[&ShareVec]) -> ShareVec {
        let mut out = Vec::with_capacity(parts.iter().map(|p| p.len()).sum());
        for p in parts {
            out.extend_from_slice(p.values());
        }
        self.wrap(out)
    }

    /// Elements `range` of `a` (local).
    ///
    /// # Errors
    /// [`Error::InvalidParameters`] when the range is out of bounds.
    pub fn slice(&self, a: &ShareVec, range: std::ops::Range<usize>) -> Result<ShareVec, Error> {
        a.values()
            .get(range)
            .map(|s| self.wrap(s.to_vec()))
            .ok_or(Error::InvalidParameters("slice out of range"))
    }

    // ----- Multiplication ------------------------------------------------------------

    /// Generates `count` double sharings ahead of time: locally with PRSS (after a
    /// one-time key round), or in one Damgård–Nielsen round for any count.
    ///
    /// # Errors
    /// Transport errors, malformed frames.
    pub fn preprocess(&mut self, count: usize) -> Result<(), Error> {
        if count == 0 {
            return Ok(());
        }
        let (rt, r2t) = match self.source {
            RandomnessSource::Prss => self.prss()?.double(count)?,
            RandomnessSource::DamgardNielsen => {
                let t = self.params().t();
                let (pending, outgoing) =
                    RandomSharings::start(&self.ctx, count, &[t, 2 * t], &mut self.rng);
                let incoming = self.exchange(outgoing)?;
                let out = pending.finish(&self.ctx, &incoming)?;
                // Invariant: `finish` returns one vector per requested degree, here [t, 2t].
                let [rt, r2t]: [Vec<Fp>; 2] = out
                    .try_into()
                    .expect("random sharings at two degrees come back as two vectors");
                (rt, r2t)
            }
        };
        self.doubles_t.extend(rt);
        self.doubles_2t.extend(r2t);
        Ok(())
    }

    /// The PRSS keys, distributed in one round the first time they are needed.
    fn prss(&mut self) -> Result<&mut Prss, Error> {
        if self.prss.is_none() {
            let (pending, outgoing) = PrssSetup::start(&self.ctx, &mut self.rng);
            let incoming = self.exchange(outgoing)?;
            self.prss = Some(pending.finish(&self.ctx, &incoming)?);
        }
        self.prss
            .as_mut()
            .ok_or(Error::InvalidParameters("PRSS keys missing"))
    }

    /// Number of preprocessed double sharings left.
    pub fn preprocessed(&self) -> usize {
        self.doubles_t.len()
    }

    /// `a · b` element-wise, one round. Degree reduction consumes preprocessed double
    /// sharings (Damgård–Nielsen: open `ab + r` at degree `2t`, subtract `r`) when the
    /// pool holds enough; otherwise, with PRSS and `n = 2t + 1`, every party reshares its
    /// local product instead ([`Engine::reshare_products`], no randomness to prepare),
    /// and with Damgård–Nielsen randomness the pool is first filled (one more round).
    ///
    /// # Errors
    /// Length mismatch, transport errors, malformed frames.
    pub fn mul(&mut self, a: &ShareVec, b: &ShareVec) -> Result<ShareVec, Error> {
        if a.len() != b.len() {
            return Err(Error::LengthMismatch {
                left: a.len(),
                right: b.len(),
            });
        }
        let len = a.len();
        if len == 0 {
            return Ok(self.wrap(Vec::new()));
        }
        let pool_short = self.doubles_t.len() < len;
        let resharing = pool_short
            && self.source == RandomnessSource::Prss
            && self.params().n() == 2 * self.params().t() + 1;
        if self.source == RandomnessSource::DamgardNielsen && pool_short {
            // One round for the whole vector rather than one per chunk.
            self.preprocess(len - self.doubles_t.len())?;
        }
        self.traffic.rounds += 1;
        let mut out = Vec::with_capacity(len);
        let degree = 2 * self.params().t();
        // Chunk by chunk: a degree-2t sharing of ab + r, opened to everyone, minus the
        // degree-t sharing of r (Damgård–Nielsen degree reduction), or resharing.
        for start in (0..len).step_by(CHUNK_ELEMENTS) {
            let end = (start + CHUNK_ELEMENTS).min(len);
            if resharing {
                let reduced =
                    self.reshare_products(&a.values()[start..end], &b.values()[start..end])?;
                out.extend_from_slice(&reduced);
                continue;
            }
            let (rt, r2t) = self.take_doubles(end - start)?;
            let masked: Zeroizing<Vec<Fp>> = Zeroizing::new(
                a.values()[start..end]
                    .iter()
                    .zip(&b.values()[start..end])
                    .zip(r2t.iter())
                    .map(|((x, y), r)| *x * *y + *r)
                    .collect(),
            );
            let opened = opened_to_all(self.open_chunk(&masked, degree, Audience::All)?);
            out.extend(opened.iter().zip(rt.iter()).map(|(d, r)| *d - *r));
        }
        Ok(self.wrap(out))
    }

    /// Degree reduction by resharing (Gennaro, Rabin and Rabin, PODC 1998): the local
    /// products `aᵢ·bᵢ` are the points of a degree-`2t` polynomial whose value at 0 is
    /// `ab`; every party shares its product with a fresh degree-`t` polynomial (as an
    /// input, so a malformed frame names its sender; `t` shares of each come from
    /// pairwise keys, so every party sends only `t` elements per product), and the
    /// Lagrange combination at 0 of the `n = 2t + 1` shares received is a degree-`t`
    /// share of `ab`. Any `t` parties see `t` shares of each honest party's product:
    /// nothing.
    fn reshare_products(&mut self, a: &[Fp], b: &[Fp]) -> Result<Zeroizing<Vec<Fp>>, Error> {
        let partners = stream_partners(&self.ctx);
        let streams = self.prss()?.pair_streams(&partners)?;
        let (pending, outgoing) = Reshare::start(&self.ctx, a, b, streams)?;
        let incoming = self.send_receive(outgoing)?;
        pending.finish(&self.ctx, &incoming)
    }

    /// `count` double sharings from the end of the pool, topping it up first when short
    /// (locally with PRSS, so a long multiplication never holds more than a chunk).
    fn take_doubles(&mut self, count: usize) -> Result<DoubleSharings, Error> {
        if self.doubles_t.len() < count {
            self.preprocess(count - self.doubles_t.len())?;
        }
        let at = self.doubles_t.len() - count;
        let rt = Zeroizing::new(self.doubles_t[at..].to_vec());
        let r2t = Zeroizing::new(self.doubles_2t[at..].to_vec());
        self.doubles_t[at..].zeroize();
        self.doubles_2t[at..].zeroize();
        self.doubles_t.truncate(at);
        self.doubles_2t.truncate(at);
        Ok((rt, r2t))
    }

    /// `a²` element-wise.
    ///
    /// # Errors
    /// As [`Engine::mul`].
    pub fn square(&mut self, a: &ShareVec) -> Result<ShareVec, Error> {
        self.mul(a, a)
    }

    // ----- Randomness -------------------------------------------------------------------

    /// `count` sharings of uniformly random field elements (degree t, no dealer).
    ///
    /// # Errors
    /// Transport errors.
    pub fn random(&mut self, count: usize) -> Result<ShareVec, Error> {
        let values = match self.source {
            RandomnessSource::Prss => self.prss()?.random(count)?,
            RandomnessSource::DamgardNielsen => {
                let t = self.params().t();
                let (pending, outgoing) =
                    RandomSharings::start(&self.ctx, count, &[t], &mut self.rng);
                let incoming = self.exchange(outgoing)?;
                let out = pending.finish(&self.ctx, &incoming)?;
                // Invariant: `finish` returns one vector per requested degree, here [t].
                let [values]: [Vec<Fp>; 1] = out
                    .try_into()
                    .expect("random sharings at one degree come back as one vector");
                values
            }
        };
        Ok(self.wrap(values))
    }

    /// `count` sharings of uniformly random bits. With PRSS and `t = 1` (3 or 4 parties)
    /// by XOR of per-set PRSS bits, see [`Engine::random_bits_by_xor`]; otherwise by a
    /// square root, see [`Engine::random_bits_by_square_root`].
    ///
    /// # Errors
    /// Transport errors, inconsistent openings.
    pub fn random_bits(&mut self, count: usize) -> Result<ShareVec, Error> {
        if self.source == RandomnessSource::Prss && self.params().t() == 1 {
            return self.random_bits_by_xor(count);
        }
        self.random_bits_by_square_root(count)
    }

    /// Random bits for `t = 1`: the sets are the single parties `{d}`, and the bit
    /// `b_{d}` of set `{d}` is known to everyone but `d`. Bit `k` is dealt by party
    /// `d = k mod n`, which knows every set bit except its own: it inputs their XOR `u`
    /// ([`Engine::input_columns`]: one element sent per value with 3 parties), and the
    /// result is `u ⊕ b_{d} = u + b − 2ub` with `b` shared from PRSS — one input and one
    /// multiplication per bit in two rounds (the XOR tree over all sets needed
    /// `n − 1` multiplications). No single party knows both `u` and `b_{d}`.
    ///
    /// # Errors
    /// Transport errors, malformed frames.
    fn random_bits_by_xor(&mut self, count: usize) -> Result<ShareVec, Error> {
        let (n, me) = (self.params().n(), self.me().index());
        let prss = self.prss()?;
        let sets: Vec<usize> = (0..n)
            .map(|d| {
                prss.singleton_set(d)
                    .ok_or(Error::InvalidParameters("XOR bits need t = 1"))
            })
            .collect::<Result<_, _>>()?;
        let bits = prss.set_bits(count)?;
        let lens: Vec<usize> = (0..n).map(|d| (count + n - 1 - d) / n).collect();
        let mine: Zeroizing<Vec<Fp>> = Zeroizing::new(
            (me..count)
                .step_by(n)
                .map(|k| {
                    let odd = sets
                        .iter()
                        .filter_map(|set| bits.bit(*set, k))
                        .fold(false, |acc, b| acc ^ b);
                    Fp::new(u128::from(odd))
                })
                .collect(),
        );
        self.traffic.rounds += 1;
        let dealt = self.input_columns(&lens, &mine)?;
        let u: Vec<Fp> = (0..count).map(|k| dealt[k % n][k / n]).collect();
        let b: Vec<Fp> = (0..count).map(|k| bits.share(sets[k % n], k)).collect();
        let (u, b) = (self.wrap(u), self.wrap(b));
        let ub = self.mul(&u, &b)?;
        // u ⊕ b = u + b − 2ub.
        let sum = self.add(&u, &b)?;
        self.sub(&sum, &self.mul_public(&ub, Fp::new(2)))
    }

    /// `count` sharings of uniformly random bits: square a random sharing, open the
    /// square `u` (degree 2t, no degree reduction needed), and set
    /// `b = (r · u^(−1/2) + 1) / 2` (Damgård et al., TCC 2006, §3.1 "random bits").
    ///
    /// # Errors
    /// Transport errors, inconsistent openings.
    pub fn random_bits_by_square_root(&mut self, count: usize) -> Result<ShareVec, Error> {
        let mut bits: Vec<Fp> = Vec::with_capacity(count);
        let half = Fp::new(2).inverse().unwrap_or(Fp::ONE);
        while bits.len() < count {
            let need = count - bits.len();
            let r = self.random(need)?;
            let squares: Vec<Fp> = r.values().iter().map(|x| x.square()).collect();
            let u =
                opened_to_all(self.open_with(&squares, 2 * self.params().t(), Audience::All)?);
            // u^(-1/2) of each public square directly (no inversion needed); u = 0 is dropped.
            let roots = batch_inverse_sqrt_of_square(&u);
            for ((share, uk), v) in r.values().iter().zip(&u).zip(&roots) {
                if *uk != Fp::ZERO {
                    bits.push((*share * *v + Fp::ONE) * half);
                }
            }
        }
        Ok(self.wrap(bits))
    }

    /// Shares of random integers that are sums of values below `2^bits`, at least one of
    /// them unknown to any `t` parties (so the sum is statistically hidden); the result
    /// is below `2^(bits + b)` with `b` the bit length of `t + 1` ([`mask_summand_bits`]).
    /// With PRSS and fewer than `2^b` sets (3 parties) the summands are PRSS values
    /// ([`Prss::bounded`]) and nothing is sent; otherwise parties `1..=t+1` deal one each.
    ///
    /// # Errors
    /// Transport errors; [`Error::InvalidParameters`] for `bits > 100`.
    pub fn random_bounded(&mut self, count: usize, bits: u32) -> Result<ShareVec, Error> {
        if bits > 100 {
            return Err(Error::InvalidParameters(
                "random_bounded supports at most 100 bits",
            ));
        }
        let t = self.params().t();
        if self.source == RandomnessSource::Prss
            && self.prss()?.sets() < 1usize << mask_summand_bits(t)
        {
            let values = self.prss()?.bounded(count, bits)?;
            return Ok(self.wrap(values));
        }
        let n = self.params().n();
        let dealer = self.me().index() <= t;
        let lens: Vec<usize> = (0..n).map(|j| if j <= t { count } else { 0 }).collect();
        let mask = (1u128 << bits) - 1;
        let mut mine: Vec<Fp> = if dealer {
            (0..count)
                .map(|_| {
                    let mut bytes = [0u8; 16];
                    self.rng.fill_bytes(&mut bytes);
                    Fp::new(u128::from_le_bytes(bytes) & mask)
                })
                .collect()
        } else {
            Vec::new()
        };
        let parts = self.input(&lens, &mine);
        mine.zeroize();
        let parts = parts?;
        let mut sum = vec![Fp::ZERO; count];
        for part in parts.iter().take(t + 1) {
            for (s, v) in sum.iter_mut().zip(part.values()) {
                *s += *v;
            }
        }
        Ok(self.wrap(sum))
    }
}

/// The values of an opening to [`Audience::All`].
fn opened_to_all(values: Option<Vec<Fp>>) -> Vec<Fp> {
    // Invariant: `Open::finish` returns `None` only at a party outside the audience, and
    // `Audience::All` includes every party; an opening of an empty vector is `Some([])`.
    values.expect("an opening to all parties yields the values at every party")
}
