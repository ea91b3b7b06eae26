//! Input rounds in which `t` of each dealer's shares come from pairwise PRF keys, so a
//! dealer sends shares to only `n − 1 − t` parties (half the traffic of
//! [`crate::protocol::Input`] when `n = 2t + 1`).
//!
//! Dealer `i` designates the `t` parties `D_i = {i+1, …, i+t}` (mod `n`). For a value
//! `v` it fixes the degree-`t` polynomial `f` by `f(0) = v` and `f(x_j) = s_{ij}`, where
//! `s_{ij}` is the next element of the pseudo-random stream keyed by the pairwise key of
//! `i` and `j` ([`Prss::pairwise`]); party `j ∈ D_i` reads `s_{ij}` itself, every other
//! party receives `f(x_k)` (Lagrange interpolation through the `t + 1` fixed points).
//! No pair is ever designated in both directions (`j − i ∈ 1..=t` and `i − j ∈ 1..=t`
//! mod `n` would need `n ≤ 2t`), so one stream per pair and draw suffices.
//!
//! # Security
//! The `t` values at `D_i` are pseudo-random and independent of `v`, so `f` is a random
//! degree-`t` polynomial with `f(0) = v`; any `t` parties other than the dealer see `t`
//! of its points (read from their own keys or received) and learn nothing about `v`.
//! Semi-honest, computational (AES-256-CTR as a PRF), like [`crate::prss`].
//!
//! # Layout of a frame
//! As [`crate::protocol`]: the dealer's `lens[dealer]` shares for the receiver, 16 bytes
//! each; parties in `D_dealer` receive an empty frame.
//!
//! [`Prss::pairwise`]: crate::prss::Prss::pairwise

use zeroize::Zeroizing;

use crate::field::{Fp, ELEMENT_BYTES};
use crate::protocol::{decode, Context};
use crate::shamir::{lagrange_coefficients, PartyId};
use crate::transport::Frames;
use crate::Error;

/// Whether dealer `dealer` designates `party` (0-based indices): `party − dealer ∈ 1..=t`
/// mod `n`.
pub(crate) fn designates(dealer: usize, party: usize, n: usize, t: usize) -> bool {
    let distance = (party + n - dealer) % n;
    (1..=t).contains(&distance)
}

/// How many pairwise PRF elements this party needs from the key it shares with each
/// party, for dealers dealing `lens[i]` values: its own count towards the parties it
/// designates, the dealer's count from the dealers that designate it. Pass the result
/// to [`crate::prss::Prss::pairwise`].
///
/// # Errors
/// [`Error::LengthMismatch`] unless there is one length per party.
pub fn pad_lengths(ctx: &Context, lens: &[usize]) -> Result<Vec<usize>, Error> {
    let (n, t) = (ctx.params().n(), ctx.params().t());
    if lens.len() != n {
        return Err(Error::LengthMismatch {
            left: lens.len(),
            right: n,
        });
    }
    let me = ctx.me().index();
    Ok((0..n)
        .map(|j| {
            if designates(me, j, n, t) {
                lens[me]
            } else if designates(j, me, n, t) {
                lens[j]
            } else {
                0
            }
        })
        .collect())
}

/// The error for a dealer that sent shares the receiver derives from their pairwise key.
pub(crate) fn derived_share_sent(dealer: PartyId) -> Error {
    Error::misbehaved(
        dealer,
        "malformed frame: sent shares this party derives from their pairwise key",
    )
}

/// Input round with PRF-derived shares (typestate start).
pub struct PrfInput;

/// A PRF input round whose frames have been sent.
pub struct PrfInputPending {
    lens: Vec<usize>,
    /// This party's shares, by dealer: its own values' shares and the pads of the
    /// dealers that designate it; the rest arrive in frames.
    known: Vec<Option<Zeroizing<Vec<Fp>>>>,
}

impl PrfInput {
    /// Starts dealing `values` (`lens[me]` of them) with `pads` from
    /// [`crate::prss::Prss::pairwise`] called with [`pad_lengths`]`(ctx, lens)`.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when `values` or `pads` do not have the lengths the
    /// round expects.
    pub fn start(
        ctx: &Context,
        lens: &[usize],
        values: &[Fp],
        mut pads: Vec<Zeroizing<Vec<Fp>>>,
    ) -> Result<(PrfInputPending, Frames), Error> {
        let (n, t) = (ctx.params().n(), ctx.params().t());
        let me = ctx.me().index();
        let expected_pads = pad_lengths(ctx, lens)?;
        if values.len() != lens[me] {
            return Err(Error::LengthMismatch {
                left: values.len(),
                right: lens[me],
            });
        }
        if pads.len() != n || pads.iter().zip(&expected_pads).any(|(p, e)| p.len() != *e) {
            return Err(Error::LengthMismatch {
                left: pads.iter().map(|p| p.len()).sum(),
                right: expected_pads.iter().sum(),
            });
        }
        let designated: Vec<usize> = (0..n).filter(|j| designates(me, *j, n, t)).collect();
        let mut nodes = vec![Fp::ZERO];
        nodes.extend(designated.iter().map(|j| PartyId::from_index(*j).point()));
        let mut outgoing: Frames = vec![Vec::new(); n];
        let mut own = Zeroizing::new(Vec::new());
        for k in (0..n).filter(|k| !designated.contains(k)) {
            // f(x_k) = c_0 · v + Σ_j c_j · s_{me,j}.
            let coeffs = lagrange_coefficients(&nodes, PartyId::from_index(k).point())?;
            let share = |e: usize| {
                designated
                    .iter()
                    .zip(&coeffs[1..])
                    .fold(coeffs[0] * values[e], |acc, (j, c)| acc + *c * pads[*j][e])
            };
            if k == me {
                own = Zeroizing::new((0..values.len()).map(share).collect());
            } else {
                let frame = &mut outgoing[k];
                frame.reserve_exact(values.len() * ELEMENT_BYTES);
                for e in 0..values.len() {
                    frame.extend_from_slice(&share(e).to_bytes());
                }
            }
        }
        let mut known: Vec<Option<Zeroizing<Vec<Fp>>>> = (0..n).map(|_| None).collect();
        known[me] = Some(own);
        for (i, slot) in known.iter_mut().enumerate() {
            if designates(i, me, n, t) {
                *slot = Some(std::mem::take(&mut pads[i]));
            }
        }
        Ok((
            PrfInputPending {
                lens: lens.to_vec(),
                known,
            },
            outgoing,
        ))
    }
}

impl PrfInputPending {
    /// This party's shares of every dealer's values, indexed by dealer.
    ///
    /// # Errors
    /// [`Error::PeerMisbehaved`] for a malformed frame (including a non-empty frame from
    /// a dealer that designates this party).
    pub fn finish(
        mut self,
        ctx: &Context,
        incoming: &Frames,
    ) -> Result<Vec<Zeroizing<Vec<Fp>>>, Error> {
        let mut out = Vec::with_capacity(ctx.params().n());
        for (j, frame) in incoming.iter().enumerate() {
            match self.known[j].take() {
                Some(shares) => {
                    if j != ctx.me().index() && !frame.is_empty() {
                        return Err(derived_share_sent(PartyId::from_index(j)));
                    }
                    out.push(shares);
                }
                None => out.push(Zeroizing::new(decode(
                    PartyId::from_index(j),
                    frame,
                    self.lens[j],
                )?)),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::finish_all;
    use crate::shamir::{reconstruct, Params, ShareVec};
    use rand::{rngs::StdRng, SeedableRng};

    /// Runs one PRF input round among `n` parties in memory with agreed random pads;
    /// `tamper` may alter the frames in flight. Returns every party's result and the
    /// frames that were sent (`[from][to]`).
    #[allow(clippy::type_complexity)]
    fn round(
        n: usize,
        lens: &[usize],
        values: &[Vec<Fp>],
        tamper: impl Fn(usize, usize, &mut Vec<u8>),
    ) -> (Vec<Result<Vec<Zeroizing<Vec<Fp>>>, Error>>, Vec<Frames>) {
        let params = Params::honest_majority(n).unwrap();
        let ctxs: Vec<Context> = (0..n)
            .map(|i| Context::new(params, PartyId::from_index(i)).unwrap())
            .collect();
        let mut rng = StdRng::seed_from_u64(7);
        // pads[i][j] = pads[j][i]: what the key of i and j would produce.
        let mut table: Vec<Vec<Vec<Fp>>> = vec![vec![Vec::new(); n]; n];
        for i in 0..n {
            let want = pad_lengths(&ctxs[i], lens).unwrap();
            for j in 0..i {
                assert_eq!(want[j], table[j][i].len(), "pads of {i} and {j} disagree");
                table[i][j] = table[j][i].clone();
            }
            for j in i + 1..n {
                table[i][j] = (0..want[j]).map(|_| Fp::random(&mut rng)).collect();
            }
        }
        let mut pending = Vec::new();
        let mut sent = Vec::new();
        for i in 0..n {
            let pads = table[i].iter().cloned().map(Zeroizing::new).collect();
            let (p, frames) = PrfInput::start(&ctxs[i], lens, &values[i], pads).unwrap();
            pending.push(p);
            sent.push(frames);
        }
        let results = finish_all(pending, &sent, &tamper, |j, p, incoming| {
            p.finish(&ctxs[j], incoming)
        });
        (results, sent)
    }

    #[test]
    fn dealt_values_reconstruct_and_only_undesignated_parties_get_frames() {
        let mut rng = StdRng::seed_from_u64(1);
        for n in [3, 4, 5, 7] {
            let t = (n - 1) / 2;
            let lens: Vec<usize> = (0..n).map(|i| 3 + i).collect();
            let values: Vec<Vec<Fp>> = lens
                .iter()
                .map(|len| (0..*len).map(|_| Fp::random(&mut rng)).collect())
                .collect();
            let (results, sent) = round(n, &lens, &values, |_, _, _| {});
            let columns: Vec<Vec<Zeroizing<Vec<Fp>>>> =
                results.into_iter().map(Result::unwrap).collect();
            for dealer in 0..n {
                // Every party's column of this dealer's values, as degree-t shares:
                // reconstruct checks all n lie on one degree-t polynomial.
                let shares: Vec<ShareVec> = (0..n)
                    .map(|j| ShareVec::new(PartyId::from_index(j), columns[j][dealer].to_vec()))
                    .collect();
                let params = Params::honest_majority(n).unwrap();
                assert_eq!(reconstruct(params, &shares).unwrap(), values[dealer]);
                let receivers = sent[dealer].iter().filter(|f| !f.is_empty()).count();
                assert_eq!(
                    receivers,
                    n - 1 - t,
                    "n = {n}: dealer {dealer} sends to n-1-t"
                );
            }
        }
    }

    #[test]
    fn malformed_frames_name_the_dealer() {
        let values = vec![vec![Fp::new(5); 2]; 3];
        // Party 1 (index 0) designates index 1 and sends to index 2.
        let (results, _) = round(3, &[2, 2, 2], &values, |from, to, frame| {
            if from == 0 && to == 2 {
                frame.pop();
            }
        });
        let err = results[2].as_ref().expect_err("short frame accepted");
        assert_eq!(err.culprit(), Some(PartyId(1)), "{err}");
        let (results, _) = round(3, &[2, 2, 2], &values, |from, to, frame| {
            if from == 0 && to == 1 {
                frame.extend_from_slice(&[0; ELEMENT_BYTES]);
            }
        });
        let err = results[1]
            .as_ref()
            .expect_err("frame from a designating dealer accepted");
        assert_eq!(err.culprit(), Some(PartyId(1)), "{err}");
        assert!(err.to_string().contains("pairwise key"), "{err}");
        assert!(results[0].is_ok() && results[2].is_ok());
    }

    #[test]
    fn no_pair_is_designated_both_ways() {
        for (n, t) in [(3, 1), (4, 1), (5, 2), (7, 3), (9, 4)] {
            for i in 0..n {
                let count = (0..n).filter(|j| designates(i, *j, n, t)).count();
                assert_eq!(count, t, "dealer {i} of {n} designates t parties");
                assert!(!designates(i, i, n, t));
                for j in 0..n {
                    assert!(!(designates(i, j, n, t) && designates(j, i, n, t)));
                }
            }
        }
    }
}
