//! The n-party engine: runs the sans-IO rounds of [`crate::protocol`] over a
//! [`Transport`] and offers vectorised arithmetic on secret-shared values.
//!
//! Every operation works on whole vectors, so a million multiplications cost one
//! round of communication (with Damgård–Nielsen randomness, plus one round of
//! preprocessing that [`Engine::preprocess`] can run ahead of time). Linear operations
//! are local. Comparisons and truncation live in [`crate::compare`].
//!
//! # Security
//! Honest majority (`t < n/2` corrupted parties). Two settings ([`Security`]):
//! semi-honest (the default of the engine; openings check share consistency and abort
//! naming the culprit where the redundancy allows, but a party that deviates inside a
//! multiplication can change the result), and malicious (the default of jobs):
//! SPDZ-wise Shamir ([`crate::mac`]), where every value carries a MAC share, every
//! product is verified by a batched check before anything that depends on it is
//! opened, random bits are checked to be bits, and every deviation makes every honest
//! party abort before any output; see docs/mpc.md, "Malicious security".

use std::sync::Arc;

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, Zeroizing};

use crate::field::{batch_inverse_sqrt_of_square, Fp};
pub use crate::mac::Security;
use crate::mac::{self, MacState};
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

/// An engine's transport that counts its exchanges in the engine's [`Traffic`]
/// ([`Engine::counted_transport`]).
pub struct CountedTransport<'a, T: Transport> {
    transport: &'a mut T,
    traffic: &'a mut Traffic,
}

impl<T: Transport> Transport for CountedTransport<'_, T> {
    fn me(&self) -> PartyId {
        self.transport.me()
    }

    fn parties(&self) -> usize {
        self.transport.parties()
    }

    fn exchange(&mut self, outgoing: Frames) -> Result<Frames, Error> {
        self.traffic.rounds += 1;
        self.traffic.bytes_sent += outgoing.iter().map(|f| f.len() as u64).sum::<u64>();
        self.transport.exchange(outgoing)
    }

    fn abort(&mut self, error: &Error) {
        self.transport.abort(error);
    }
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

/// Elements per exchange: longer vectors are opened and multiplied in chunks of this many
/// (4 MiB frames). Every exchange waits for the slowest party; with 2^16 a million
/// multiplications over TLS took ≈ 10 % longer (docs/benchmarks.md, MPC, session 20).
pub const CHUNK_ELEMENTS: usize = 1 << 18;

/// The error of an operation on a vector without MACs in the malicious mode.
const UNAUTHENTICATED: &str =
    "shares without MACs in the malicious mode: pass outside shares through Engine::authenticate";

/// The byte every party sends to confirm an output opening (malicious mode).
const CONFIRM: u8 = 1;

/// Authenticated random masks generated at once for the MAC check.
const MASK_BATCH: usize = 16;

/// One lane of a computation on shares: the values (`one = 1`) or, in the malicious
/// mode, their MACs (`one = α`: a public constant `c` has MAC share `c·α`). A linear
/// formula written once against a [`Lane`] yields both ([`Engine::build`]).
pub(crate) struct Lane {
    mac: bool,
    one: Fp,
}

impl Lane {
    /// This lane of `x` (empty for the MAC lane of an unauthenticated vector).
    pub(crate) fn of<'a>(&self, x: &'a ShareVec) -> &'a [Fp] {
        if self.mac {
            x.macs().unwrap_or(&[])
        } else {
            x.values()
        }
    }

    /// The share of the public constant 1 in this lane: 1, or this party's share of `α`.
    pub(crate) fn one(&self) -> Fp {
        self.one
    }
}

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
    security: Security,
    /// The MAC key share and unverified products (malicious mode only).
    mac: Option<MacState>,
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
            security: Security::SemiHonest,
            mac: None,
        })
    }

    /// The security setting: [`Security::SemiHonest`] unless [`Engine::set_security`]
    /// chose otherwise.
    pub fn security(&self) -> Security {
        self.security
    }

    /// Chooses the security setting; every party must choose the same, before the values
    /// it applies to are created (vectors made in the semi-honest mode carry no MACs and
    /// are refused by the malicious mode until [`Engine::authenticate`]d). Switching to
    /// malicious draws this party's share of the MAC key `α` (a PRSS value: the PRSS key
    /// round on first use); switching back verifies what is pending first.
    ///
    /// # Errors
    /// [`Error::InvalidParameters`] for the malicious mode without PRSS randomness (more
    /// than 7 parties); transport errors; [`Error::CheatDetected`] from the pending check.
    pub fn set_security(&mut self, security: Security) -> Result<(), Error> {
        if security == self.security {
            return Ok(());
        }
        match security {
            Security::Malicious => {
                if self.source != RandomnessSource::Prss {
                    return Err(Error::InvalidParameters(
                        "malicious security needs PRSS randomness (at most 7 parties)",
                    ));
                }
                let (alpha, parts) = self.prss()?.alpha_parts()?;
                self.mac = Some(MacState::new(alpha, parts));
            }
            Security::SemiHonest => {
                self.verify()?;
                self.mac = None;
            }
        }
        self.security = security;
        Ok(())
    }

    /// A vector computed lane by lane from `inputs`: `f` runs on the value lane and, in
    /// the malicious mode when every input carries MACs, on the MAC lane, so a linear
    /// formula written once (constants times [`Lane::one`]) keeps the MACs right. When
    /// an input has no MACs the result has none either (and is refused by `mul`/`open`).
    pub(crate) fn build(&self, inputs: &[&ShareVec], f: impl Fn(&Lane) -> Vec<Fp>) -> ShareVec {
        let values = f(&Lane {
            mac: false,
            one: Fp::ONE,
        });
        match &self.mac {
            Some(state) if inputs.iter().all(|x| x.macs().is_some()) => {
                let macs = f(&Lane {
                    mac: true,
                    one: state.alpha,
                });
                ShareVec::authenticated(self.me(), values, macs)
            }
            _ => self.wrap(values),
        }
    }

    /// In the malicious mode, refuses a vector without MACs.
    pub(crate) fn require_macs(&self, x: &ShareVec) -> Result<(), Error> {
        if self.mac.is_some() && x.macs().is_none() {
            return Err(Error::InvalidParameters(UNAUTHENTICATED));
        }
        Ok(())
    }

    /// Bits the sum of [`Engine::random_bounded`] summands may exceed one summand by:
    /// [`mask_summand_bits`] in the semi-honest mode, the bit length of the number of
    /// PRSS sets `C(n, t)` in the malicious mode (where every summand is a PRSS value).
    pub(crate) fn mask_bits(&self) -> u32 {
        let (n, t) = (self.params().n(), self.params().t());
        if self.mac.is_none() {
            return mask_summand_bits(t);
        }
        let mut sets = 1usize;
        for k in 0..t {
            sets = sets * (n - k) / (k + 1);
        }
        usize::BITS - sets.leading_zeros()
    }

    /// Adds the MACs to shares that have none (e.g. client-input shares from
    /// [`Engine::adopt`]): `[α·x] = [α]·[x]`, one multiplication round, verified with
    /// the next check (which also catches client shares that do not lie on one
    /// degree-`t` polynomial when `n > 2t + 1`). The identity in the semi-honest mode.
    ///
    /// # Errors
    /// As [`Engine::mul`].
    pub fn authenticate(&mut self, x: ShareVec) -> Result<ShareVec, Error> {
        if self.mac.is_none() || x.macs().is_some() {
            return Ok(x);
        }
        self.authenticate_values(x.values().to_vec())
    }

    /// This party's share of `α` (malicious mode).
    fn alpha(&self) -> Result<Fp, Error> {
        self.mac
            .as_ref()
            .map(|s| s.alpha)
            .ok_or(Error::InvalidParameters(
                "no MAC key in the semi-honest mode",
            ))
    }

    /// `values` with MACs `[α]·[x]` (one multiplication round), recorded for the check.
    fn authenticate_values(&mut self, values: Vec<Fp>) -> Result<ShareVec, Error> {
        let alpha = self.alpha()?;
        let key = vec![alpha; values.len()];
        let macs = self
            .mul_pairs(&[(&key[..], &values[..])])?
            .pop()
            .unwrap_or_default();
        let out = ShareVec::authenticated(self.me(), values, macs);
        self.record_authenticated(&out)?;
        Ok(out)
    }

    /// Whether random bits take their MACs from dealt cross terms
    /// ([`Engine::xor_bits_dealt`]): malicious mode with 3 parties (`t = 1`,
    /// `n = 2t + 1`, where the `t + 1` honest shares of any dealt value lie on one
    /// degree-`t` polynomial, so a dealer can only deal a wrong value).
    fn dealt_bit_macs(&self) -> bool {
        self.mac.is_some() && self.params().t() == 1 && self.params().n() == 3
    }

    /// Keeps pairs `(z, α·z)` for the next check; checks at once past [`mac::MAX_PENDING`].
    fn record(&mut self, z: &[Fp], m: &[Fp]) -> Result<(), Error> {
        if let Some(state) = &mut self.mac {
            state.record(z, m);
        }
        self.verify_if_full()
    }

    /// Keeps pairs `(z, α·z)` the caller is done with for the next check, without
    /// copying them (the check wipes them when it lets go).
    fn record_owned(&mut self, z: Vec<Fp>, m: Vec<Fp>) -> Result<(), Error> {
        let (z, m) = (Zeroizing::new(z), Zeroizing::new(m));
        if let Some(state) = &mut self.mac {
            state.record_shared(Arc::new(z), Arc::new(m));
        }
        self.verify_if_full()
    }

    /// Records the values and MACs of a vector the engine returns for the next check,
    /// without copying them (the check holds the same buffers as `x`).
    fn record_authenticated(&mut self, x: &ShareVec) -> Result<(), Error> {
        if let (Some(state), Some((z, m))) = (&mut self.mac, x.shared_with_macs()) {
            state.record_shared(z, m);
        }
        self.verify_if_full()
    }

    /// Runs the check once [`mac::MAX_PENDING`] pairs are pending.
    fn verify_if_full(&mut self) -> Result<(), Error> {
        if self
            .mac
            .as_ref()
            .is_some_and(|state| state.pending() >= mac::MAX_PENDING)
        {
            self.verify()?;
        }
        Ok(())
    }

    /// Runs the MAC check over every product, input and random value not yet verified
    /// (Chida et al., CRYPTO 2018, §4): a coin is tossed by opening a PRSS value, the
    /// coefficients `ρ_k` are derived from it ([`mac::combine`]), `w = Σ ρ_k z_k + v` is
    /// opened (masked by an authenticated random `v`), `T = Σ ρ_k m_k + α v − w·α` is
    /// computed locally, multiplied by a random `β` and `β·T` opened: it must be 0
    /// (CheckZero). Four rounds (a fifth for every 16 checks makes the masks); nothing to do in the semi-honest mode or with nothing pending. The engine
    /// runs it before every opening that depends on products ([`Engine::open`],
    /// [`Engine::open_to`], random bits before they mask anything).
    ///
    /// # Errors
    /// [`Error::CheatDetected`] when the combination is not 0 (some party deviated);
    /// inconsistent shares of `w` or `T` (naming the party when `n ≥ 3t + 1`); transport
    /// errors; [`Error::InvalidParameters`] past [`mac::MAX_CHECKS`] checks.
    pub fn verify(&mut self) -> Result<(), Error> {
        self.verify_with(None)
    }

    /// [`Engine::verify`], with the coin already tossed when `coin` is given (the bit
    /// check's: [`Engine::verify_bits`]). The masks exist before any coin is tossed.
    fn verify_with(&mut self, coin: Option<Fp>) -> Result<(), Error> {
        let (pending, checks) = match &self.mac {
            Some(state) => (state.pending(), state.checks),
            None => return Ok(()),
        };
        if pending == 0 {
            return Ok(());
        }
        if checks >= mac::MAX_CHECKS {
            return Err(Error::InvalidParameters(
                "more MAC checks than the 2^-100 soundness bound allows in one engine; split the job",
            ));
        }
        let t = self.params().t();
        self.ensure_masks()?;
        let coin = match coin {
            Some(coin) => coin,
            None => self.coin().map_err(unattributed)?,
        };
        let Some(state) = &mut self.mac else {
            return Ok(());
        };
        let seed = mac::check_seed(b"mac", coin, state.checks);
        let (w_part, u_part) = state.combine_pending(seed);
        let (v, mv) = match (state.masks_v.pop(), state.masks_m.pop()) {
            (Some(v), Some(mv)) => (v, mv),
            _ => return Err(Error::InvalidParameters("MAC check masks out of step")),
        };
        let alpha = state.alpha;
        state.clear();
        state.checks += 1;
        let check = state.checks;
        // Shares off one polynomial here may be a dealer's doing (an input, a PRSS key)
        // as well as the sender's: reported without a name.
        let w = self
            .open_with(&[w_part + v], t, Audience::All)
            .map_err(unattributed)?;
        let w = single(opened_to_all(w))?;
        let mut u = u_part + mv - w * alpha;
        // CheckZero (Chida et al., §3): open β·T for a PRSS value β no `t` parties know,
        // not T itself. When only MACs are wrong, T is a combination of the MAC errors
        // times secret values (an error on the MAC of x reaches the pair of x·y as
        // error·y), which an opened T would show the cheater; β·T (plus the additive
        // error a cheater can put on this product) is uniform whenever T ≠ 0.
        let beta = Zeroizing::new(self.prss()?.random(1)?);
        let scaled = self
            .mul_pairs(&[(&beta[..], &[u][..])])
            .map_err(unattributed)?
            .pop()
            .unwrap_or_default();
        u.zeroize();
        let total = self
            .open_with(&scaled, t, Audience::All)
            .map_err(unattributed)?;
        let total = single(opened_to_all(total))?;
        if total != Fp::ZERO {
            return Err(Error::CheatDetected {
                check: "MAC check",
                detail: format!(
                    "check #{check} over {pending} products, inputs and random values: the random linear combination of the MACs is off by a non-zero value, so some party changed a share inside a multiplication, an input or a MAC"
                ),
            });
        }
        Ok(())
    }

    /// Makes [`MASK_BATCH`] authenticated random masks `(v, α·v)` for the check when none
    /// are left (one multiplication round, recorded nowhere: each mask's MAC error enters
    /// its check's `T` directly).
    fn ensure_masks(&mut self) -> Result<(), Error> {
        if !self.mac.as_ref().is_some_and(|s| s.masks_v.is_empty()) {
            return Ok(());
        }
        let alpha = self.alpha()?;
        let v = self.prss()?.random(MASK_BATCH)?;
        let key = vec![alpha; MASK_BATCH];
        let m = self
            .mul_pairs(&[(&key[..], &v[..])])?
            .pop()
            .unwrap_or_default();
        if let Some(state) = &mut self.mac {
            state.masks_v = v;
            state.masks_m = m;
        }
        Ok(())
    }

    /// A public random field element: a PRSS value opened (no `t` parties know it
    /// before; the honest parties' shares fix it, so a rushing party cannot steer it).
    fn coin(&mut self) -> Result<Fp, Error> {
        let share = self.prss()?.random(1)?;
        let t = self.params().t();
        single(opened_to_all(self.open_with(&share, t, Audience::All)?))
    }

    /// After an output opening in the malicious mode: every party confirms that it
    /// opened without error, so a party that detected cheating stops everyone (its
    /// abort arrives instead of its confirmation) before anyone returns the output.
    fn confirm(&mut self) -> Result<(), Error> {
        let all = self.exchange_public(&[CONFIRM])?;
        for (j, bytes) in all.iter().enumerate() {
            if bytes.as_slice() != [CONFIRM] {
                return Err(Error::misbehaved(
                    PartyId::from_index(j),
                    "did not confirm the output opening",
                ));
            }
        }
        Ok(())
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

    /// The transport, with every exchange counted in this engine's [`Traffic`] (one
    /// round and the bytes sent each): for protocols that run their own rounds over the
    /// same connections, e.g. the private join ([`crate::join::driver::run`]).
    pub fn counted_transport(&mut self) -> CountedTransport<'_, T> {
        CountedTransport {
            transport: &mut self.transport,
            traffic: &mut self.traffic,
        }
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
        if self.mac.is_none() {
            return Ok(columns
                .into_iter()
                .map(|mut c| self.wrap(std::mem::take(&mut *c)))
                .collect());
        }
        // Malicious: MACs [α]·[x] for every dealt value in one multiplication round. A
        // dealer's shares need no separate check: with n = 2t + 1 the t + 1 honest
        // shares always lie on one degree-t polynomial (a deviating dealer only chose
        // another input), and with n > 2t + 1 the check's opening of Σ ρ_k x_k + v
        // finds shares off one polynomial.
        let alpha = self.alpha()?;
        let longest = columns.iter().map(|c| c.len()).max().unwrap_or(0);
        let key = vec![alpha; longest];
        let parts: Vec<(&[Fp], &[Fp])> = columns
            .iter()
            .map(|c| (&key[..c.len()], c.as_slice()))
            .collect();
        let macs = self.mul_pairs(&parts)?;
        let mut out = Vec::with_capacity(columns.len());
        for (mut c, m) in columns.into_iter().zip(macs) {
            let x = ShareVec::authenticated(self.me(), std::mem::take(&mut *c), m);
            self.record_authenticated(&x)?;
            out.push(x);
        }
        Ok(out)
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

    /// Adopts shares received from an outside data owner (client-input model). In the
    /// malicious mode they carry no MACs: pass them through [`Engine::authenticate`].
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
    ///
    /// # Security
    /// In the malicious mode the pending MAC check runs first ([`Engine::verify`]), and
    /// every party confirms the opening before any returns the values.
    pub fn open(&mut self, x: &ShareVec) -> Result<Vec<Fp>, Error> {
        self.require_macs(x)?;
        self.verify()?;
        let values = self.open_with(x.values(), self.params().t(), Audience::All)?;
        let values = opened_to_all(values);
        if self.mac.is_some() {
            self.confirm()?;
        }
        Ok(values)
    }

    /// Opens a value masked by verified randomness (comparisons): no check before, no
    /// confirmation after. Whatever depends on it is verified before any output.
    pub(crate) fn open_masked(&mut self, x: &ShareVec) -> Result<Vec<Fp>, Error> {
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
        self.require_macs(x)?;
        self.verify()?;
        let values = self.open_with(x.values(), self.params().t(), Audience::One(receiver))?;
        if self.mac.is_some() {
            self.confirm()?;
        }
        Ok(values)
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
        Ok(self.build(&[a, b], |l| {
            l.of(a)
                .iter()
                .zip(l.of(b))
                .map(|(x, y)| f(*x, *y))
                .collect()
        }))
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
        // Adding a public constant to a Shamir sharing adds it to every share (and
        // `c·α` to every MAC share).
        self.build(&[a], |l| {
            let cl = c * l.one();
            l.of(a).iter().map(|x| *x + cl).collect()
        })
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
        Ok(self.build(&[a], |l| {
            l.of(a)
                .iter()
                .zip(c)
                .map(|(x, y)| *x + *y * l.one())
                .collect()
        }))
    }

    /// `c · a` for a public scalar (local).
    pub fn mul_public(&self, a: &ShareVec, c: Fp) -> ShareVec {
        self.build(&[a], |l| l.of(a).iter().map(|x| *x * c).collect())
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
        Ok(self.build(&[a], |l| {
            l.of(a).iter().zip(c).map(|(x, y)| *x * *y).collect()
        }))
    }

    /// `1 − a` (for bits; local).
    pub fn one_minus(&self, a: &ShareVec) -> ShareVec {
        self.build(&[a], |l| l.of(a).iter().map(|x| l.one() - *x).collect())
    }

    /// The sum of all elements, as a vector of length one (local).
    pub fn sum(&self, a: &ShareVec) -> ShareVec {
        self.build(&[a], |l| {
            vec![l.of(a).iter().fold(Fp::ZERO, |acc, x| acc + *x)]
        })
    }

    /// A sharing of public constants (every party uses the constant as its share, and
    /// `c·α` as its MAC share).
    pub fn constant(&self, c: &[Fp]) -> ShareVec {
        self.build(&[], |l| c.iter().map(|x| *x * l.one()).collect())
    }

    /// The concatenation of several vectors (local).
    pub fn concat(&self, parts: &[&ShareVec]) -> ShareVec {
        self.build(parts, |l| {
            let mut out = Vec::with_capacity(parts.iter().map(|p| p.len()).sum());
            for p in parts {
                out.extend_from_slice(l.of(p));
            }
            out
        })
    }

    /// Elements `range` of `a` (local).
    ///
    /// # Errors
    /// [`Error::InvalidParameters`] when the range is out of bounds.
    pub fn slice(&self, a: &ShareVec, range: std::ops::Range<usize>) -> Result<ShareVec, Error> {
        if range.start > range.end || range.end > a.len() {
            return Err(Error::InvalidParameters("slice out of range"));
        }
        Ok(self.build(&[a], |l| l.of(a)[range.clone()].to_vec()))
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
    ///
    /// In the malicious mode `x·y` and `(α·x)·y` go in the same round (twice the
    /// traffic) and the pair is kept for the next [`Engine::verify`].
    pub fn mul(&mut self, a: &ShareVec, b: &ShareVec) -> Result<ShareVec, Error> {
        if a.len() != b.len() {
            return Err(Error::LengthMismatch {
                left: a.len(),
                right: b.len(),
            });
        }
        if self.mac.is_none() {
            let out = self.mul_pairs(&[(a.values(), b.values())])?.pop();
            return Ok(self.wrap(out.unwrap_or_default()));
        }
        self.require_macs(a)?;
        self.require_macs(b)?;
        let a_macs = a.macs().unwrap_or(&[]);
        let mut out = self.mul_pairs(&[(a.values(), b.values()), (a_macs, b.values())])?;
        let (m, z) = (out.pop().unwrap_or_default(), out.pop().unwrap_or_default());
        let product = ShareVec::authenticated(self.me(), z, m);
        self.record_authenticated(&product)?;
        Ok(product)
    }

    /// Products `a·b` of several pairs of share slices in one round (semi-honest:
    /// unverified; the caller authenticates). The pairs are multiplied as one virtual
    /// vector, chunk by chunk ([`CHUNK_ELEMENTS`]); a single pair is read in place.
    fn mul_pairs(&mut self, parts: &[(&[Fp], &[Fp])]) -> Result<Vec<Vec<Fp>>, Error> {
        for (a, b) in parts {
            if a.len() != b.len() {
                return Err(Error::LengthMismatch {
                    left: a.len(),
                    right: b.len(),
                });
            }
        }
        let mut outs: Vec<Vec<Fp>> = parts
            .iter()
            .map(|(a, _)| Vec::with_capacity(a.len()))
            .collect();
        let len: usize = parts.iter().map(|(a, _)| a.len()).sum();
        if len == 0 {
            return Ok(outs);
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
        // Chunk by chunk of the virtual concatenation, each chunk as pieces of the parts
        // (read in place); the products are split back into one vector per part.
        let (mut part, mut offset, mut out_part) = (0, 0, 0);
        while part < parts.len() {
            let mut pieces: Vec<(&[Fp], &[Fp])> = Vec::new();
            let mut room = CHUNK_ELEMENTS;
            while room > 0 && part < parts.len() {
                let (a, b) = parts[part];
                let take = room.min(a.len() - offset);
                pieces.push((&a[offset..offset + take], &b[offset..offset + take]));
                room -= take;
                offset += take;
                if offset == a.len() {
                    part += 1;
                    offset = 0;
                }
            }
            if room == CHUNK_ELEMENTS {
                break; // only empty parts were left
            }
            let prod = self.mul_chunk(&pieces, resharing)?;
            let mut rest: &[Fp] = &prod;
            while !rest.is_empty() {
                while outs[out_part].len() == parts[out_part].0.len() {
                    out_part += 1;
                }
                let room = parts[out_part].0.len() - outs[out_part].len();
                let (now, later) = rest.split_at(room.min(rest.len()));
                outs[out_part].extend_from_slice(now);
                rest = later;
            }
        }
        Ok(outs)
    }

    /// One exchange: degree reduction of the products of one chunk, by resharing or by
    /// Damgård–Nielsen (a degree-2t sharing of ab + r, opened to everyone, minus the
    /// degree-t sharing of r).
    fn mul_chunk(
        &mut self,
        pieces: &[(&[Fp], &[Fp])],
        resharing: bool,
    ) -> Result<Zeroizing<Vec<Fp>>, Error> {
        if resharing {
            return self.reshare_products(pieces);
        }
        let degree = 2 * self.params().t();
        let len = pieces.iter().map(|(a, _)| a.len()).sum();
        let (rt, r2t) = self.take_doubles(len)?;
        let masked: Zeroizing<Vec<Fp>> = Zeroizing::new(
            pieces
                .iter()
                .flat_map(|(a, b)| a.iter().zip(b.iter()))
                .zip(r2t.iter())
                .map(|((x, y), r)| *x * *y + *r)
                .collect(),
        );
        let opened = opened_to_all(self.open_chunk(&masked, degree, Audience::All)?);
        Ok(Zeroizing::new(
            opened.iter().zip(rt.iter()).map(|(d, r)| *d - *r).collect(),
        ))
    }

    /// Degree reduction by resharing (Gennaro, Rabin and Rabin, PODC 1998): the local
    /// products `aᵢ·bᵢ` are the points of a degree-`2t` polynomial whose value at 0 is
    /// `ab`; every party shares its product with a fresh degree-`t` polynomial (as an
    /// input, so a malformed frame names its sender; `t` shares of each come from
    /// pairwise keys, so every party sends only `t` elements per product), and the
    /// Lagrange combination at 0 of the `n = 2t + 1` shares received is a degree-`t`
    /// share of `ab`. Any `t` parties see `t` shares of each honest party's product:
    /// nothing.
    fn reshare_products(&mut self, pieces: &[(&[Fp], &[Fp])]) -> Result<Zeroizing<Vec<Fp>>, Error> {
        let partners = stream_partners(&self.ctx);
        let streams = self.prss()?.pair_streams(&partners)?;
        let (pending, outgoing) = Reshare::start(&self.ctx, pieces, streams)?;
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
        if self.mac.is_some() {
            return self.authenticate_values(values);
        }
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
            if self.dealt_bit_macs() {
                return self.xor_bits_dealt(count);
            }
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
        if self.mac.is_some() {
            return self.xor_bits_checked(u, b);
        }
        let (u, b) = (self.wrap(u), self.wrap(b));
        let ub = self.mul(&u, &b)?;
        // u ⊕ b = u + b − 2ub, in one pass.
        let two = Fp::new(2);
        Ok(self.build(&[&u, &b, &ub], |l| {
            l.of(&u)
                .iter()
                .zip(l.of(&b))
                .zip(l.of(&ub))
                .map(|((x, y), xy)| *x + *y - two * *xy)
                .collect()
        }))
    }

    /// `count` sharings of uniformly random bits: square a random sharing, open the
    /// square `u` (degree 2t, no degree reduction needed), and set
    /// `b = (r · u^(−1/2) + 1) / 2` (Damgård et al., TCC 2006, §3.1 "random bits").
    ///
    /// # Errors
    /// Transport errors, inconsistent openings.
    pub fn random_bits_by_square_root(&mut self, count: usize) -> Result<ShareVec, Error> {
        if self.mac.is_some() {
            return self.square_root_bits_checked(count);
        }
        let mut bits: Vec<Fp> = Vec::with_capacity(count);
        let half = Fp::new(2).inverse().unwrap_or(Fp::ONE);
        while bits.len() < count {
            let need = count - bits.len();
            let r = self.random(need)?;
            // Reduced to degree t before the opening: the local squares r(x_j)² are the
            // points of the degree-2t polynomial r(x)², and opening them would show
            // every party every honest share up to sign — enough for t parties to
            // recover r, hence the bit. A multiplication gives a fresh degree-t sharing
            // of r² whose opening shows r² only.
            let squares = self.mul(&r, &r)?;
            let u = opened_to_all(self.open_with(
                squares.values(),
                self.params().t(),
                Audience::All,
            )?);
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
        if self.mac.is_some() {
            // Malicious: PRSS summands only (a dealt summand could be out of range
            // without anyone noticing), authenticated; see `Engine::mask_bits`.
            let values = self.prss()?.bounded(count, bits)?;
            return self.authenticate_values(values);
        }
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

    /// Malicious XOR bits (`t = 1`): `b = u ⊕ b_d = u + b_d − 2·u·b_d` with MACs. Round
    /// one computes `u·b_d`, `α·u` and `α·b_d`, round two `(α·u)·b_d`; all three pairs are
    /// recorded. The dealer of `u` could deal a non-bit, so the bits are checked
    /// ([`Engine::verify_bits`]) before they mask anything.
    fn xor_bits_checked(&mut self, u: Vec<Fp>, b: Vec<Fp>) -> Result<ShareVec, Error> {
        let alpha = self.alpha()?;
        let key = vec![alpha; u.len()];
        let mut first =
            self.mul_pairs(&[(&u[..], &b[..]), (&key[..], &u[..]), (&key[..], &b[..])])?;
        let (mb, mu, ub) = (
            first.pop().unwrap_or_default(),
            first.pop().unwrap_or_default(),
            first.pop().unwrap_or_default(),
        );
        let mub = self
            .mul_pairs(&[(&mu[..], &b[..])])?
            .pop()
            .unwrap_or_default();
        let two = Fp::new(2);
        let values: Vec<Fp> = u
            .iter()
            .zip(&b)
            .zip(&ub)
            .map(|((x, y), xy)| *x + *y - two * *xy)
            .collect();
        let macs: Vec<Fp> = mu
            .iter()
            .zip(&mb)
            .zip(&mub)
            .map(|((x, y), xy)| *x + *y - two * *xy)
            .collect();
        self.record_owned(u, mu)?;
        self.record_owned(b, mb)?;
        self.record_owned(ub, mub)?;
        let bits = ShareVec::authenticated(self.me(), values, macs);
        self.verify_bits(&bits)?;
        Ok(bits)
    }

    /// Malicious XOR bits with `n = 3` (`t = 1`, `n = 2t + 1`): two products per bit in
    /// one round instead of four in two. Bit `k`'s dealer `d = k mod n` inputs `u` (the
    /// XOR of the set bits it knows); in the same input round every other party deals
    /// its cross terms of the MAC of the PRSS bit `b_d` (`α_A·b_d` for the set
    /// `A ≠ {d}` assigned to it, [`crate::prss::AlphaParts`]), so `[α·b_d]` costs no
    /// product. With `y = 1 − 2·b_d` (MAC `α − 2·α·b_d`), `b = u ⊕ b_d = b_d + u·y` and
    /// its MAC `α·b_d + (α·y)·u`: the products `u·y` and `(α·y)·u` need no MAC of `u`.
    /// The pairs `(b_d, α·b_d)` (catching a wrong dealing) and `(u·y, (α·y)·u)` are
    /// recorded; a non-bit `u` makes `b` a non-bit, which [`Engine::verify_bits`]
    /// catches before the bits mask anything.
    fn xor_bits_dealt(&mut self, count: usize) -> Result<ShareVec, Error> {
        let (n, me) = (self.params().n(), self.me().index());
        let alpha = self.alpha()?;
        let prss = self.prss()?;
        let sets: Vec<usize> = (0..n)
            .map(|d| {
                prss.singleton_set(d)
                    .ok_or(Error::InvalidParameters("XOR bits need t = 1"))
            })
            .collect::<Result<_, _>>()?;
        let bits = prss.set_bits(count)?;
        let Some(state) = self.mac.as_ref() else {
            return Err(Error::InvalidParameters(UNAUTHENTICATED));
        };
        // One value per party and bit: `u` where it deals the bit, else its cross terms.
        let mut mine: Zeroizing<Vec<Fp>> = Zeroizing::new(Vec::with_capacity(count));
        let mut mac_b: Zeroizing<Vec<Fp>> = Zeroizing::new(Vec::with_capacity(count));
        for k in 0..count {
            let d = k % n;
            if d == me {
                let odd = sets
                    .iter()
                    .filter_map(|set| bits.bit(*set, k))
                    .fold(false, |acc, b| acc ^ b);
                mine.push(Fp::new(u128::from(odd)));
                mac_b.push(Fp::ZERO);
            } else {
                let (diag, deal) = state.parts.of_bit(&bits, sets[d], k);
                mine.push(deal);
                mac_b.push(diag);
            }
        }
        let lens = vec![count; n];
        self.traffic.rounds += 1;
        let dealt = self.input_columns(&lens, &mine)?;
        drop(mine);
        let mut u = Zeroizing::new(Vec::with_capacity(count));
        let mut b = Zeroizing::new(Vec::with_capacity(count));
        let (mut y, mut my) = (
            Zeroizing::new(Vec::with_capacity(count)),
            Zeroizing::new(Vec::with_capacity(count)),
        );
        let two = Fp::new(2);
        for (k, m) in mac_b.iter_mut().enumerate() {
            let d = k % n;
            for (j, column) in dealt.iter().enumerate() {
                if j == d {
                    u.push(column[k]);
                } else {
                    *m += column[k];
                }
            }
            let bk = bits.share(sets[d], k);
            b.push(bk);
            y.push(Fp::ONE - two * bk);
            my.push(alpha - two * *m);
        }
        drop(dealt);
        let mut prods = self.mul_pairs(&[(&y[..], &u[..]), (&my[..], &u[..])])?;
        let (m, z) = (
            prods.pop().unwrap_or_default(),
            prods.pop().unwrap_or_default(),
        );
        let values: Vec<Fp> = b.iter().zip(&z).map(|(x, xy)| *x + *xy).collect();
        let macs: Vec<Fp> = mac_b.iter().zip(&m).map(|(x, xy)| *x + *xy).collect();
        self.record_owned(std::mem::take(&mut *b), std::mem::take(&mut *mac_b))?;
        self.record_owned(z, m)?;
        let bits = ShareVec::authenticated(self.me(), values, macs);
        self.verify_bits(&bits)?;
        Ok(bits)
    }

    /// Verifies that every shared `b_k` is a bit: with coefficients `ρ_k` from a coin
    /// tossed after the bits are fixed, `[α·Σ ρ_k b_k(1 − b_k)]` is computed as one inner
    /// product (local products of MAC and value shares, one degree reduction) and
    /// recorded as the MAC of the public value 0, then the MAC check runs with
    /// coefficients from the **same coin** (other domain tag; one coin round saved per
    /// batch of bits): a non-bit makes the check fail unless the cheater guesses `α`.
    ///
    /// # Security
    /// Every error but the one in this inner product's reduction is fixed before the
    /// coin; that one, chosen knowing all coefficients, only shifts the constant term of
    /// the check value `T(α)`, whose `α`-coefficient `−Σ ρ_k d_k + ρ_0·Σ ρ'_k b_k(1−b_k)`
    /// is fixed before the coin and non-zero except with probability `≤ (N/B + 2)/p` when
    /// some value or bit is wrong: `T = 0` then needs a guess of the uniform `α`
    /// (docs/mpc.md, "Malicious security").
    fn verify_bits(&mut self, bits: &ShareVec) -> Result<(), Error> {
        let macs = bits
            .macs()
            .ok_or(Error::InvalidParameters(UNAUTHENTICATED))?;
        self.ensure_masks()?;
        let coin = self.coin()?;
        let checks = self.mac.as_ref().map_or(0, |s| s.checks);
        let rho = mac::coefficients(mac::check_seed(b"bits", coin, checks), bits.len());
        let local = rho
            .iter()
            .zip(bits.values())
            .zip(macs)
            .fold(Fp::ZERO, |acc, ((r, b), m)| acc + *r * *m * (Fp::ONE - *b));
        let reduced = self
            .mul_pairs(&[(&[local][..], &[Fp::ONE][..])])?
            .pop()
            .unwrap_or_default();
        self.record(&[Fp::ZERO], &reduced)?;
        self.verify_with(Some(coin))
    }

    /// Malicious square-root bits (`t ≥ 2`): `s = r²` and the MACs of `r` and `s` are
    /// computed and verified, then `s` is opened at degree `t` (consistency-checked) and
    /// `b = (r·s^(−1/2) + 1)/2`, MAC `(α r·s^(−1/2) + α)/2`.
    fn square_root_bits_checked(&mut self, count: usize) -> Result<ShareVec, Error> {
        let alpha = self.alpha()?;
        let half = Fp::new(2).inverse().unwrap_or(Fp::ONE);
        let t = self.params().t();
        let (mut values, mut macs) = (Vec::with_capacity(count), Vec::with_capacity(count));
        while values.len() < count {
            let need = count - values.len();
            let r = self.prss()?.random(need)?;
            let key = vec![alpha; need];
            let mut first = self.mul_pairs(&[(&r[..], &r[..]), (&key[..], &r[..])])?;
            let (mr, sq) = (
                first.pop().unwrap_or_default(),
                first.pop().unwrap_or_default(),
            );
            let msq = self
                .mul_pairs(&[(&mr[..], &r[..])])?
                .pop()
                .unwrap_or_default();
            self.record(&r, &mr)?;
            self.record(&sq, &msq)?;
            self.verify()?;
            let u = opened_to_all(self.open_with(&sq, t, Audience::All)?);
            let roots = batch_inverse_sqrt_of_square(&u);
            for (((share, mac_share), uk), v) in r.iter().zip(&mr).zip(&u).zip(&roots) {
                if *uk != Fp::ZERO {
                    values.push((*share * *v + Fp::ONE) * half);
                    macs.push((*mac_share * *v + alpha) * half);
                }
            }
        }
        Ok(ShareVec::authenticated(self.me(), values, macs))
    }
}

/// An inconsistent opening inside the MAC check, reported as "a party cheated": its
/// shares are linear combinations of dealt ones, so the share off the polynomial may be
/// an honest receiver's (of an inconsistent dealing) rather than the sender's lie.
/// Transport errors and malformed frames keep naming their party.
fn unattributed(e: Error) -> Error {
    match e {
        Error::InconsistentShares { index, suspects } => Error::CheatDetected {
            check: "MAC check's opening",
            detail: format!(
                "the shares of value #{index} lie on no degree-t polynomial; parties involved: {suspects:?}"
            ),
        },
        Error::PeerMisbehaved { party, reason } if reason.starts_with("its share of opened value") => {
            Error::CheatDetected {
                check: "MAC check's opening",
                detail: format!(
                    "the share of party {party} is off the polynomial of the others (a wrong share, or an inconsistent input or key dealt to it)"
                ),
            }
        }
        other => other,
    }
}

/// The single value of a one-element opening.
fn single(values: Vec<Fp>) -> Result<Fp, Error> {
    values.first().copied().ok_or(Error::InvalidParameters(
        "an opening of one value returned none",
    ))
}

/// The values of an opening to [`Audience::All`].
fn opened_to_all(values: Option<Vec<Fp>>) -> Vec<Fp> {
    // Invariant: `Open::finish` returns `None` only at a party outside the audience, and
    // `Audience::All` includes every party; an opening of an empty vector is `Some([])`.
    values.expect("an opening to all parties yields the values at every party")
}
