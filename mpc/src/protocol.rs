//! Sans-IO protocol rounds: shares in, frames out; frames in, shares out.
//!
//! Each round is a typestate: `start` consumes inputs and returns the frames to send
//! plus a `Pending` value; `Pending::finish` consumes the frames received and yields the
//! result. A pending round cannot be finished twice nor skipped. The
//! [`crate::engine::Engine`] drives them over a [`crate::transport::Transport`].
//!
//! Protocols (honest majority, semi-honest with cheap cheating detection at openings):
//! - [`Open`]: everyone (or one party) receives all shares and reconstructs with the
//!   consistency check of [`crate::shamir::Reconstructor`].
//! - [`Input`]: each dealer Shamir-shares its values and sends one share to each party.
//! - [`RandomSharings`]: Damgård–Nielsen (CRYPTO 2007, §4) batch generation of random
//!   sharings of one secret at several degrees (double sharings: degrees `t` and `2t`),
//!   extracting `n − t` outputs from `n` contributions with a Vandermonde matrix.
//! - Multiplication ([`crate::engine::Engine::mul`]) opens `xy + r` at degree `2t` and
//!   subtracts the degree-`t` share of `r` (Damgård–Nielsen degree reduction), or
//!   reshares the products ([`crate::reshare`]).
//!
//! With PRSS keys, inputs use [`crate::prf_input`] instead of [`Input`]: `t` shares of
//! every value come from pairwise keys and are not sent.
//!
//! # Layout of a frame
//! Concatenated canonical field elements ([`Fp::to_bytes`], 16 bytes each); the number
//! of elements is fixed by the round, so any other length is malformed.

use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroize;

use crate::field::{Fp, ELEMENT_BYTES};
use crate::shamir::{share_into, Params, PartyId, Reconstructor};
use crate::transport::Frames;
use crate::Error;

/// Encodes elements as one frame.
pub fn encode(values: &[Fp]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * ELEMENT_BYTES);
    for v in values {
        out.extend_from_slice(&v.to_bytes());
    }
    out
}

/// Decodes a frame of exactly `expected` canonical elements sent by `party`.
///
/// # Errors
/// [`Error::PeerMisbehaved`] for a wrong length or a non-canonical element.
pub fn decode(party: PartyId, frame: &[u8], expected: usize) -> Result<Vec<Fp>, Error> {
    let mut out = Vec::with_capacity(expected);
    decode_each(party, frame, expected, |_, v| out.push(v))?;
    Ok(out)
}

/// Checks that a frame from `party` holds exactly `expected` canonical elements and
/// hands each to `each(position, element)` in order, without collecting them.
///
/// # Errors
/// As [`decode`]; `each` has seen the elements before the first bad one.
pub fn decode_each(
    party: PartyId,
    frame: &[u8],
    expected: usize,
    mut each: impl FnMut(usize, Fp),
) -> Result<(), Error> {
    if frame.len() != expected * ELEMENT_BYTES {
        return Err(Error::misbehaved(
            party,
            format!(
                "malformed frame: {} bytes where {expected} field elements ({} bytes) were expected",
                frame.len(),
                expected * ELEMENT_BYTES
            ),
        ));
    }
    for (k, chunk) in frame.chunks_exact(ELEMENT_BYTES).enumerate() {
        let mut bytes = [0u8; ELEMENT_BYTES];
        bytes.copy_from_slice(chunk);
        let value = Fp::from_canonical_bytes(bytes).ok_or_else(|| {
            Error::misbehaved(
                party,
                format!("malformed frame: element #{k} is not below p"),
            )
        })?;
        each(k, value);
    }
    Ok(())
}

/// Who learns an opened value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Every party.
    All,
    /// Only this party; the others send it their shares and learn nothing.
    One(PartyId),
}

/// Public context shared by the rounds of one party.
#[derive(Debug, Clone)]
pub struct Context {
    params: Params,
    me: PartyId,
    open_t: Reconstructor,
    open_2t: Reconstructor,
    /// Damgård–Nielsen extraction matrix, `n − t` rows of `n` entries: `M[j][i] = (i+1)^j`.
    vandermonde: Vec<Vec<Fp>>,
}

impl Context {
    /// Precomputes reconstruction and extraction coefficients for party `me`.
    ///
    /// # Errors
    /// [`Error::UnknownParty`] when `me` is not in `1..=n`.
    pub fn new(params: Params, me: PartyId) -> Result<Context, Error> {
        params.check_party(me)?;
        let all: Vec<PartyId> = params.parties().collect();
        let open_t = Reconstructor::new(params.t(), &all, Some(me))?;
        let open_2t = Reconstructor::new(2 * params.t(), &all, Some(me))?;
        let n = params.n();
        let vandermonde = (0..n - params.t())
            .map(|j| {
                (0..n)
                    .map(|i| Fp::new(i as u128 + 1).vartime_pow(j as u128))
                    .collect()
            })
            .collect();
        Ok(Context {
            params,
            me,
            open_t,
            open_2t,
            vandermonde,
        })
    }

    /// The sharing parameters.
    pub fn params(&self) -> Params {
        self.params
    }

    /// This party.
    pub fn me(&self) -> PartyId {
        self.me
    }

    fn n(&self) -> usize {
        self.params.n()
    }
}

/// Opening round (typestate start).
pub struct Open;

/// An opening whose frames have been sent.
pub struct OpenPending {
    mine: Vec<Fp>,
    degree: usize,
    audience: Audience,
}

impl Drop for OpenPending {
    fn drop(&mut self) {
        self.mine.zeroize();
    }
}

impl Open {
    /// Starts opening `shares` (degree `degree`: `t` normally, `2t` for products).
    pub fn start(
        ctx: &Context,
        shares: &[Fp],
        degree: usize,
        audience: Audience,
    ) -> (OpenPending, Frames) {
        let receivers: Vec<usize> = (0..ctx.n())
            .filter(|j| {
                let to = PartyId::from_index(*j);
                to != ctx.me && (audience == Audience::All || audience == Audience::One(to))
            })
            .collect();
        let mut outgoing: Frames = vec![Vec::new(); ctx.n()];
        if let Some((last, others)) = receivers.split_last() {
            let frame = encode(shares);
            for j in others {
                outgoing[*j] = frame.clone();
            }
            outgoing[*last] = frame;
        }
        (
            OpenPending {
                mine: shares.to_vec(),
                degree,
                audience,
            },
            outgoing,
        )
    }
}

impl OpenPending {
    /// Reconstructs (when this party is in the audience) with the consistency check.
    ///
    /// # Errors
    /// Malformed frames, inconsistent shares (naming the party when possible).
    pub fn finish(mut self, ctx: &Context, incoming: &Frames) -> Result<Option<Vec<Fp>>, Error> {
        let receives = match self.audience {
            Audience::All => true,
            Audience::One(p) => p == ctx.me,
        };
        if !receives {
            for (j, frame) in incoming.iter().enumerate() {
                let from = PartyId::from_index(j);
                if from != ctx.me && !frame.is_empty() {
                    return Err(Error::misbehaved(
                        from,
                        "malformed frame: sent shares to a party outside the audience",
                    ));
                }
            }
            return Ok(None);
        }
        let len = self.mine.len();
        let mut columns: Vec<Vec<Fp>> = Vec::with_capacity(ctx.n());
        for (j, frame) in incoming.iter().enumerate() {
            let from = PartyId::from_index(j);
            if from == ctx.me {
                columns.push(std::mem::take(&mut self.mine));
            } else {
                columns.push(decode(from, frame, len)?);
            }
        }
        let rec = if self.degree == ctx.params.t() {
            &ctx.open_t
        } else if self.degree == 2 * ctx.params.t() {
            &ctx.open_2t
        } else {
            return Err(Error::InvalidParameters("can only open degree t or 2t"));
        };
        let result = rec.open(|p| columns[p.index()].as_slice());
        for c in &mut columns {
            c.zeroize();
        }
        result.map(Some)
    }
}

/// Input round: dealers share their own values (the client-input model inside the protocol).
pub struct Input;

/// An input round whose shares have been sent.
pub struct InputPending {
    lens: Vec<usize>,
    mine: Vec<Fp>,
}

impl Drop for InputPending {
    fn drop(&mut self) {
        self.mine.zeroize();
    }
}

impl Input {
    /// Starts sharing `values` (this party deals `lens[me]` values; `values.len()` must match).
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when `values` does not have this party's declared length.
    pub fn start<R: RngCore + CryptoRng + ?Sized>(
        ctx: &Context,
        lens: &[usize],
        values: &[Fp],
        rng: &mut R,
    ) -> Result<(InputPending, Frames), Error> {
        let n = ctx.n();
        if lens.len() != n {
            return Err(Error::LengthMismatch {
                left: lens.len(),
                right: n,
            });
        }
        if values.len() != lens[ctx.me.index()] {
            return Err(Error::LengthMismatch {
                left: values.len(),
                right: lens[ctx.me.index()],
            });
        }
        let mut per_party: Vec<Vec<Fp>> =
            (0..n).map(|_| Vec::with_capacity(values.len())).collect();
        let mut row = vec![Fp::ZERO; n];
        for v in values {
            share_into(*v, ctx.params.t(), n, rng, &mut row);
            for (column, s) in per_party.iter_mut().zip(&row) {
                column.push(*s);
            }
        }
        row.zeroize();
        let outgoing = per_party
            .iter_mut()
            .enumerate()
            .map(|(j, column)| {
                if j == ctx.me.index() {
                    Vec::new()
                } else {
                    let frame = encode(column);
                    column.zeroize();
                    frame
                }
            })
            .collect();
        let mine = std::mem::take(&mut per_party[ctx.me.index()]);
        Ok((
            InputPending {
                lens: lens.to_vec(),
                mine,
            },
            outgoing,
        ))
    }
}

impl InputPending {
    /// This party's shares of every dealer's values, indexed by dealer.
    ///
    /// # Errors
    /// [`Error::PeerMisbehaved`] for a malformed frame.
    pub fn finish(mut self, ctx: &Context, incoming: &Frames) -> Result<Vec<Vec<Fp>>, Error> {
        let mut out = Vec::with_capacity(ctx.n());
        for (j, frame) in incoming.iter().enumerate() {
            let from = PartyId::from_index(j);
            if from == ctx.me {
                out.push(std::mem::take(&mut self.mine));
            } else {
                out.push(decode(from, frame, self.lens[j])?);
            }
        }
        Ok(out)
    }
}

/// Damgård–Nielsen random sharings: `count` random secrets, each shared at every degree
/// in `degrees` (e.g. `[t, 2t]` for double sharings), with no dealer.
pub struct RandomSharings;

/// A random-sharing round whose contributions have been sent.
pub struct RandomPending {
    count: usize,
    batches: usize,
    degrees: usize,
    mine: Vec<Fp>,
}

impl Drop for RandomPending {
    fn drop(&mut self) {
        self.mine.zeroize();
    }
}

impl RandomSharings {
    /// Each party contributes `⌈count/(n−t)⌉` random secrets shared at each degree.
    ///
    /// # Layout
    /// The frame to party `j` holds, for each degree in order, `batches` shares.
    pub fn start<R: RngCore + CryptoRng + ?Sized>(
        ctx: &Context,
        count: usize,
        degrees: &[usize],
        rng: &mut R,
    ) -> (RandomPending, Frames) {
        let n = ctx.n();
        let batches = count.div_ceil(n - ctx.params.t());
        let mut per_party: Vec<Vec<Fp>> = (0..n)
            .map(|_| Vec::with_capacity(batches * degrees.len()))
            .collect();
        let mut secrets: Vec<Fp> = (0..batches).map(|_| Fp::random(rng)).collect();
        let mut row = vec![Fp::ZERO; n];
        for degree in degrees {
            for s in &secrets {
                share_into(*s, *degree, n, rng, &mut row);
                for (column, v) in per_party.iter_mut().zip(&row) {
                    column.push(*v);
                }
            }
        }
        secrets.zeroize();
        row.zeroize();
        let outgoing = per_party
            .iter_mut()
            .enumerate()
            .map(|(j, column)| {
                let frame = if j == ctx.me.index() {
                    Vec::new()
                } else {
                    encode(column)
                };
                if j != ctx.me.index() {
                    column.zeroize();
                }
                frame
            })
            .collect();
        let mine = std::mem::take(&mut per_party[ctx.me.index()]);
        (
            RandomPending {
                count,
                batches,
                degrees: degrees.len(),
                mine,
            },
            outgoing,
        )
    }
}

impl RandomPending {
    /// For each requested degree, this party's shares of the `count` random secrets.
    ///
    /// # Errors
    /// [`Error::PeerMisbehaved`] for a malformed frame.
    pub fn finish(self, ctx: &Context, incoming: &Frames) -> Result<Vec<Vec<Fp>>, Error> {
        let n = ctx.n();
        let expected = self.batches * self.degrees;
        let mut columns: Vec<Vec<Fp>> = Vec::with_capacity(n);
        for (j, frame) in incoming.iter().enumerate() {
            let from = PartyId::from_index(j);
            if from == ctx.me {
                columns.push(self.mine.clone());
            } else {
                columns.push(decode(from, frame, expected)?);
            }
        }
        let rows = n - ctx.params.t();
        let mut out = Vec::with_capacity(self.degrees);
        for d in 0..self.degrees {
            let mut values = Vec::with_capacity(self.batches * rows);
            for b in 0..self.batches {
                let at = d * self.batches + b;
                for row in &ctx.vandermonde {
                    let mut acc = Fp::ZERO;
                    for (m, column) in row.iter().zip(&columns) {
                        acc += *m * column[at];
                    }
                    values.push(acc);
                }
            }
            values.truncate(self.count);
            out.push(values);
        }
        for c in &mut columns {
            c.zeroize();
        }
        Ok(out)
    }
}

/// Finishes one sans-IO round of every party in memory (tests): party `to` finishes
/// `pending[to]` with the frames the others sent it, each after
/// `tamper(from, to, frame)`.
#[cfg(test)]
pub(crate) fn finish_all<P, R>(
    pending: Vec<P>,
    sent: &[Frames],
    tamper: &impl Fn(usize, usize, &mut Vec<u8>),
    finish: impl Fn(usize, P, &Frames) -> R,
) -> Vec<R> {
    pending
        .into_iter()
        .enumerate()
        .map(|(to, p)| {
            let incoming: Frames = (0..sent.len())
                .map(|from| {
                    let mut frame = if from == to {
                        Vec::new()
                    } else {
                        sent[from][to].clone()
                    };
                    tamper(from, to, &mut frame);
                    frame
                })
                .collect();
            finish(to, p, &incoming)
        })
        .collect()
}
