//! Degree reduction by resharing (Gennaro, Rabin and Rabin, PODC 1998) with pairwise
//! pseudo-random shares, in one pass over the vectors.
//!
//! Each party `i` holds a point `d_i = a_i·b_i` of the degree-`2t` product polynomial
//! (`n = 2t + 1`). It deals `d_i` as in [`crate::prf_input`]: the shares of the `t`
//! parties it designates come from pairwise keys, the other `t` are sent. Every party's
//! new share is `Σ_i λ_i f_i(x_me)` with `λ` the Lagrange coefficients at 0 over all
//! `n` points; a dealer sends `λ_i f_i(x_k)`, already weighted, and a designated party
//! derives its weighted share `λ_i f_i(x_j)` from the pairwise keystream directly, so
//! receivers only add (`Combination`: with three parties the weights are small integers
//! and a product costs two multiplications). Unlike a [`crate::prf_input::PrfInput`]
//! round followed by the combination, this builds no per-dealer columns: one pass
//! computes the products, the outgoing shares and this party's partial sum (own share
//! and keystream-derived shares, keystream read in 4 KiB blocks), and
//! [`ResharePending::finish`] adds the received shares while decoding them.
//!
//! # Security
//! As [`crate::prf_input`]: any `t` parties see `t` points of each other party's
//! degree-`t` polynomial, which say nothing about its product share.

use zeroize::Zeroizing;

use crate::field::{Fp, ELEMENT_BYTES};
use crate::prf_input::{derived_share_sent, designates};
use crate::protocol::{decode_each, Context};
use crate::prss::PairStreams;
use crate::shamir::{lagrange_coefficients, PartyId};
use crate::transport::Frames;
use crate::Error;

/// Elements whose keystream is read at a time (4 KiB per stream).
const BLOCK: usize = 256;

/// The parties whose pairwise streams a resharing reads, in the order
/// [`Reshare::start`] expects them: first those this party designates, then those that
/// designate it. Pass them to [`crate::prss::Prss::pair_streams`].
pub fn stream_partners(ctx: &Context) -> Vec<usize> {
    let (n, t) = (ctx.params().n(), ctx.params().t());
    let me = ctx.me().index();
    let mut partners: Vec<usize> = (0..n).filter(|j| designates(me, *j, n, t)).collect();
    partners.extend((0..n).filter(|i| designates(*i, me, n, t)));
    partners
}

/// Resharing round (typestate start).
pub struct Reshare;

/// A resharing whose outgoing shares have been sent.
pub struct ResharePending {
    /// `λ_me·f_me(x_me) + Σ_i λ_i·f_i(x_me)` over the parties `i` that designate this
    /// one (their shares come from the keystreams: [`Combination`]) per element:
    /// everything but the received shares.
    partial: Zeroizing<Vec<Fp>>,
    /// Whether party `i`'s frame carries (weighted) shares for this party.
    receives: Vec<bool>,
}

impl Reshare {
    /// Starts reducing the products `a[e]·b[e]` of every pair `(a, b)` of `parts`
    /// (shares of degree `t` each), as one vector: the parts concatenated, read in place
    /// (no copy). `streams` must come from [`crate::prss::Prss::pair_streams`] with
    /// [`stream_partners`].
    ///
    /// # Errors
    /// [`Error::InvalidParameters`] unless `n = 2t + 1`; [`Error::LengthMismatch`].
    pub fn start(
        ctx: &Context,
        parts: &[(&[Fp], &[Fp])],
        mut streams: PairStreams,
    ) -> Result<(ResharePending, Frames), Error> {
        let (n, t) = (ctx.params().n(), ctx.params().t());
        if n != 2 * t + 1 {
            return Err(Error::InvalidParameters("resharing needs n = 2t + 1"));
        }
        for (a, b) in parts {
            if a.len() != b.len() {
                return Err(Error::LengthMismatch {
                    left: a.len(),
                    right: b.len(),
                });
            }
        }
        let me = ctx.me().index();
        let point = |j: usize| PartyId::from_index(j).point();
        let all: Vec<Fp> = (0..n).map(point).collect();
        let lambda = lagrange_coefficients(&all, Fp::ZERO)?;
        let designated: Vec<usize> = (0..n).filter(|j| designates(me, *j, n, t)).collect();
        let designating: Vec<usize> = (0..n).filter(|i| designates(*i, me, n, t)).collect();
        let receivers: Vec<usize> = (0..n)
            .filter(|k| *k != me && !designated.contains(k))
            .collect();
        let combination = Combination::new(me, &designated, &receivers, &lambda)?;
        let len: usize = parts.iter().map(|(a, _)| a.len()).sum();
        let mut products_of = PartProducts::new(parts);
        let mut outgoing: Frames = vec![Vec::new(); n];
        // Filled block by block (no zero-fill of the whole vectors first).
        for k in &receivers {
            outgoing[*k] = Vec::with_capacity(len * ELEMENT_BYTES);
        }
        let mut partial = Zeroizing::new(Vec::with_capacity(len));
        let mut own_block = Zeroizing::new([Fp::ZERO; BLOCK]);
        // Per block: products, then t keystreams towards the designated, then t from
        // the designating parties.
        let mut block = Zeroizing::new(vec![Fp::ZERO; (1 + 2 * t) * BLOCK]);
        let mut outgoing_block = Zeroizing::new([Fp::ZERO; BLOCK]);
        for start in (0..len).step_by(BLOCK) {
            let end = (start + BLOCK).min(len);
            let width = end - start;
            let (products, pads) = block.split_at_mut(BLOCK);
            products_of.next_into(&mut products[..width]);
            combination.prepare(&mut products[..width]);
            for (s, pad) in pads.chunks_mut(BLOCK).enumerate() {
                streams.fill(s, &mut pad[..width])?;
            }
            // Column j of the block: the products (j = 0), then the keystreams.
            let columns: Vec<&[Fp]> = block.chunks(BLOCK).map(|column| &column[..width]).collect();
            let out = &mut own_block[..width];
            combination.own(out, &columns);
            partial.extend_from_slice(out);
            for (r, k) in receivers.iter().enumerate() {
                let shares = &mut outgoing_block[..width];
                combination.sent(r, shares, &columns);
                let frame = &mut outgoing[*k];
                for share in shares.iter() {
                    frame.extend_from_slice(&share.to_bytes());
                }
            }
        }
        let receives = (0..n)
            .map(|i| i != me && !designating.contains(&i))
            .collect();
        Ok((ResharePending { partial, receives }, outgoing))
    }
}

/// How a dealer turns a block of its products `d` and keystream elements into its own
/// share and the shares it sends (the weighted shares `λ_me·f_me(x)`). Columns: the
/// products, the `t` keystreams shared with the designated parties, the `t` shared with
/// the designating ones.
enum Combination {
    /// Any `t`: `f_me` takes `d` at 0 and `s_j` at each designated `x_j`, and the
    /// keystream element `r_j` is `λ_me·s_j` (uniform as `s_j` is), so the designated
    /// party adds `r_j` as its weighted share without a multiplication and
    /// `λ_me·f_me(x) = c_0(x)·λ_me·d + Σ_j c_j(x)·r_j` for the Lagrange basis `c` of the
    /// nodes: `own` and each of `sent` are the weights `(c_0·λ_me, c_1, …)` of one point.
    Lagrange { own: Vec<Fp>, sent: Vec<Vec<Fp>> },
    /// Three parties (`t = 1`, points 1–3): the line `L(x) = (x_j − x)·g + x·q` with
    /// `g = κ·d`, `κ = λ_me/x_j` and `q` the keystream element shared with the designated
    /// party `j` — `L(0) = λ_me·d`, and `L(x_j) = x_j·q`, which `j` computes from `q`
    /// alone (`f_me(x_j) = x_j·q/λ_me` is uniform). Every other coefficient is a small
    /// integer, so a product costs two multiplications and a few additions instead of
    /// one and four weighted terms. The own share adds `x_me·q'` for the keystream `q'`
    /// shared with the party that designates this one.
    Line {
        kappa: Fp,
        /// `(x_j − x_me, x_me)`.
        own: (i64, i64),
        /// `(x_j − x_k, x_k)` for the one receiver `k`.
        sent: (i64, i64),
    },
}

impl Combination {
    fn new(
        me: usize,
        designated: &[usize],
        receivers: &[usize],
        lambda: &[Fp],
    ) -> Result<Combination, Error> {
        let point = |j: usize| PartyId::from_index(j).point();
        if let ([j], [k]) = (designated, receivers) {
            let x = |i: usize| (i + 1) as i64;
            let kappa = lambda[me]
                * point(*j)
                    .inverse()
                    .ok_or(Error::InvalidParameters("party point 0"))?;
            return Ok(Combination::Line {
                kappa,
                own: (x(*j) - x(me), x(me)),
                sent: (x(*j) - x(*k), x(*k)),
            });
        }
        let mut nodes = vec![Fp::ZERO];
        nodes.extend(designated.iter().map(|j| point(*j)));
        let weighted = |x: Fp| -> Result<Vec<Fp>, Error> {
            let mut coeffs = lagrange_coefficients(&nodes, x)?;
            coeffs[0] *= lambda[me];
            Ok(coeffs)
        };
        Ok(Combination::Lagrange {
            own: weighted(point(me))?,
            sent: receivers
                .iter()
                .map(|k| weighted(point(*k)))
                .collect::<Result<_, _>>()?,
        })
    }

    /// Turns a block of products into the first column [`Combination::own`] and
    /// [`Combination::sent`] read: `g = κ·d` for the line, `d` itself otherwise.
    fn prepare(&self, products: &mut [Fp]) {
        if let Combination::Line { kappa, .. } = self {
            for d in products {
                *d *= *kappa;
            }
        }
    }

    /// This party's weighted share of its own product plus the keystream-derived shares
    /// the designating parties dealt it.
    fn own(&self, out: &mut [Fp], columns: &[&[Fp]]) {
        match self {
            Combination::Lagrange { own, .. } => {
                let (dealt, received) = columns.split_at(own.len());
                Fp::weighted_sums_into(out, own, dealt);
                for column in received {
                    for (o, r) in out.iter_mut().zip(*column) {
                        *o += *r;
                    }
                }
            }
            Combination::Line { own, .. } => {
                let (g, q, q_in) = (columns[0], columns[1], columns[2]);
                for (e, o) in out.iter_mut().enumerate() {
                    *o = multiple(g[e], own.0) + multiple(q[e] + q_in[e], own.1);
                }
            }
        }
    }

    /// The weighted share for the `receiver`-th party this one sends to.
    fn sent(&self, receiver: usize, out: &mut [Fp], columns: &[&[Fp]]) {
        match self {
            Combination::Lagrange { sent, .. } => {
                let weights = &sent[receiver];
                Fp::weighted_sums_into(out, weights, &columns[..weights.len()]);
            }
            Combination::Line { sent, .. } => {
                let (g, q) = (columns[0], columns[1]);
                for (e, o) in out.iter_mut().enumerate() {
                    *o = multiple(g[e], sent.0) + multiple(q[e], sent.1);
                }
            }
        }
    }
}

/// `k·x` for a small public `k` (additions up to 3).
#[inline(always)]
fn multiple(x: Fp, k: i64) -> Fp {
    let m = match k.unsigned_abs() {
        0 => Fp::ZERO,
        1 => x,
        2 => x + x,
        3 => x + x + x,
        k => x.mul_small(k),
    };
    if k < 0 {
        -m
    } else {
        m
    }
}

/// The products of a list of pairs of slices, read block by block in order as one
/// concatenated vector.
struct PartProducts<'a> {
    parts: &'a [(&'a [Fp], &'a [Fp])],
    part: usize,
    offset: usize,
}

impl<'a> PartProducts<'a> {
    fn new(parts: &'a [(&'a [Fp], &'a [Fp])]) -> Self {
        PartProducts {
            parts,
            part: 0,
            offset: 0,
        }
    }

    /// Writes the next `out.len()` products (the caller asks for no more than remain).
    fn next_into(&mut self, out: &mut [Fp]) {
        let mut done = 0;
        while done < out.len() {
            let Some((a, b)) = self.parts.get(self.part) else {
                return;
            };
            let take = (out.len() - done).min(a.len() - self.offset);
            let range = self.offset..self.offset + take;
            for ((p, x), y) in out[done..done + take]
                .iter_mut()
                .zip(&a[range.clone()])
                .zip(&b[range])
            {
                *p = *x * *y;
            }
            done += take;
            self.offset += take;
            if self.offset == a.len() {
                self.part += 1;
                self.offset = 0;
            }
        }
    }
}

impl ResharePending {
    /// Adds the received shares (their senders weighted them by their Lagrange
    /// coefficient): this party's degree-`t` shares of the products.
    ///
    /// # Errors
    /// [`Error::PeerMisbehaved`] for a malformed frame, naming its sender.
    pub fn finish(mut self, ctx: &Context, incoming: &Frames) -> Result<Zeroizing<Vec<Fp>>, Error> {
        let len = self.partial.len();
        for (i, frame) in incoming.iter().enumerate() {
            let from = PartyId::from_index(i);
            if self.receives.get(i).copied().unwrap_or(false) {
                let partial = &mut self.partial;
                decode_each(from, frame, len, |e, share| partial[e] += share)?;
            } else if from != ctx.me() && !frame.is_empty() {
                return Err(derived_share_sent(from));
            }
        }
        Ok(self.partial)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::finish_all;
    use crate::prss::{Prss, PrssSetup};
    use crate::shamir::{reconstruct, share, Params, ShareVec};
    use rand::{rngs::StdRng, SeedableRng};

    fn contexts(n: usize) -> Vec<Context> {
        let params = Params::honest_majority(n).unwrap();
        (0..n)
            .map(|i| Context::new(params, PartyId::from_index(i)).unwrap())
            .collect()
    }

    /// PRSS keys for every party, exchanged in memory.
    fn keys(ctxs: &[Context], rng: &mut StdRng) -> Vec<Prss> {
        let (pending, sent): (Vec<_>, Vec<Frames>) =
            ctxs.iter().map(|c| PrssSetup::start(c, rng)).unzip();
        pending
            .into_iter()
            .enumerate()
            .map(|(j, p)| {
                let incoming = (0..ctxs.len()).map(|i| sent[i][j].clone()).collect();
                p.finish(&ctxs[j], &incoming).unwrap()
            })
            .collect()
    }

    /// One resharing of `x·y` (degree-t sharings dealt here); `tamper(from, to, frame)`
    /// may alter frames in flight.
    #[allow(clippy::type_complexity)]
    fn run(
        n: usize,
        x: &[Fp],
        y: &[Fp],
        tamper: impl Fn(usize, usize, &mut Vec<u8>),
    ) -> (Vec<Result<Zeroizing<Vec<Fp>>, Error>>, Vec<Frames>) {
        run_cut(n, x, y, &[], tamper)
    }

    /// As [`run`], with the vectors passed as parts cut at `cuts` (ascending).
    #[allow(clippy::type_complexity)]
    fn run_cut(
        n: usize,
        x: &[Fp],
        y: &[Fp],
        cuts: &[usize],
        tamper: impl Fn(usize, usize, &mut Vec<u8>),
    ) -> (Vec<Result<Zeroizing<Vec<Fp>>, Error>>, Vec<Frames>) {
        let mut rng = StdRng::seed_from_u64(n as u64);
        let ctxs = contexts(n);
        let mut prss = keys(&ctxs, &mut rng);
        let params = ctxs[0].params();
        let (xs, ys) = (share(params, x, &mut rng), share(params, y, &mut rng));
        let (pending, sent): (Vec<_>, Vec<Frames>) = (0..n)
            .map(|i| {
                let streams = prss[i].pair_streams(&stream_partners(&ctxs[i])).unwrap();
                let (xv, yv) = (xs[i].values(), ys[i].values());
                let mut bounds = vec![0];
                bounds.extend_from_slice(cuts);
                bounds.push(xv.len());
                let parts: Vec<(&[Fp], &[Fp])> = bounds
                    .windows(2)
                    .map(|w| (&xv[w[0]..w[1]], &yv[w[0]..w[1]]))
                    .collect();
                Reshare::start(&ctxs[i], &parts, streams).unwrap()
            })
            .unzip();
        let results = finish_all(pending, &sent, &tamper, |j, p, incoming| {
            p.finish(&ctxs[j], incoming)
        });
        (results, sent)
    }

    #[test]
    fn products_are_reshared_at_degree_t_sending_t_shares() {
        let mut rng = StdRng::seed_from_u64(3);
        // More than one keystream block, not a multiple of it.
        let x: Vec<Fp> = (0..BLOCK + 77).map(|_| Fp::random(&mut rng)).collect();
        let y: Vec<Fp> = (0..BLOCK + 77).map(|_| Fp::random(&mut rng)).collect();
        for n in [3, 5, 7] {
            let t = (n - 1) / 2;
            let (results, sent) = run(n, &x, &y, |_, _, _| {});
            let shares: Vec<ShareVec> = results
                .into_iter()
                .enumerate()
                .map(|(j, r)| ShareVec::new(PartyId::from_index(j), r.unwrap().to_vec()))
                .collect();
            // reconstruct checks that all n shares lie on one degree-t polynomial.
            let params = Params::honest_majority(n).unwrap();
            let products = reconstruct(params, &shares).unwrap();
            let want: Vec<Fp> = x.iter().zip(&y).map(|(a, b)| *a * *b).collect();
            assert_eq!(products, want, "n = {n}");
            for frames in &sent {
                assert_eq!(frames.iter().filter(|f| !f.is_empty()).count(), t);
                assert!(frames
                    .iter()
                    .all(|f| f.is_empty() || f.len() == x.len() * 16));
            }
        }
    }

    #[test]
    fn parts_are_reshared_as_their_concatenation() {
        let mut rng = StdRng::seed_from_u64(4);
        let x: Vec<Fp> = (0..2 * BLOCK + 5).map(|_| Fp::random(&mut rng)).collect();
        let y: Vec<Fp> = (0..2 * BLOCK + 5).map(|_| Fp::random(&mut rng)).collect();
        let (whole, whole_sent) = run(3, &x, &y, |_, _, _| {});
        // Cuts inside a block, an empty part, a cut on a block boundary.
        let (cut, cut_sent) = run_cut(3, &x, &y, &[7, 7, BLOCK, BLOCK + 200], |_, _, _| {});
        for (a, b) in whole.iter().zip(&cut) {
            assert_eq!(
                a.as_ref().unwrap().as_slice(),
                b.as_ref().unwrap().as_slice()
            );
        }
        assert_eq!(whole_sent, cut_sent);
    }

    #[test]
    fn malformed_frames_name_their_sender() {
        let x = vec![Fp::new(3); 5];
        // Party 1 (index 0) designates index 1 and sends to index 2.
        let (results, _) = run(3, &x, &x, |from, to, frame| {
            if from == 0 && to == 2 {
                frame.truncate(frame.len() - 1);
            }
        });
        let err = results[2].as_ref().expect_err("short frame accepted");
        assert_eq!(err.culprit(), Some(PartyId(1)), "{err}");
        let (results, _) = run(3, &x, &x, |from, to, frame| {
            if from == 0 && to == 2 {
                frame[..16].copy_from_slice(&[0xff; 16]);
            }
        });
        let err = results[2].as_ref().expect_err("element above p accepted");
        assert!(err.to_string().contains("not below p"), "{err}");
        let (results, _) = run(3, &x, &x, |from, to, frame| {
            if from == 0 && to == 1 {
                frame.extend_from_slice(&[0; 16]);
            }
        });
        let err = results[1].as_ref().expect_err("derived share accepted");
        assert_eq!(err.culprit(), Some(PartyId(1)), "{err}");
    }
}
