//! Comparisons, exact truncation, division by public constants, min/max and
//! fixed-point multiplication on secret-shared signed integers.
//!
//! Follows Catrina and de Hoogh, "Improved primitives for secure multiparty integer
//! computation" (SCN 2010): `Mod2m` opens `c = a + 2^(k−1) + r` for a random `r` whose
//! low `m` bits are shared bit by bit, then fixes the wrap-around with a bitwise
//! comparison of the public `c mod 2^m` with the shared bits (a tree of
//! greater/equal pairs, `⌈log2 m⌉` rounds, about `2m` multiplications). `LTZ` is the
//! top bit of `a + 2^(k−1)`.
//!
//! # Security
//! The high part of `r` is a sum of values below `2^(k−m+σ)`, σ =
//! [`STATISTICAL_SECURITY`] + 1, at least one of which no `t` parties know (dealt by
//! parties `1..=t+1`, or PRSS summands — see [`Engine::random_bounded`]), so the opened
//! `c` is within statistical distance `2^−40` of independent of `a`. Inputs must lie in `[−2^(k−1), 2^(k−1))`;
//! values outside that range give wrong results (the jobs validate their inputs).
//!
//! In the malicious mode ([`crate::Security::Malicious`]) every local formula runs on
//! the values and on their MACs ([`Engine::build`]: a constant `c` becomes `c·α` in the
//! MAC lane), the random bits are verified to be bits and the high mask is a sum of
//! PRSS values before `c` is opened, and `c` is a masked value: it is opened without a
//! check (it reveals nothing even if `a` carries an error), while every product that
//! follows is verified before any output.

use crate::engine::{mask_summand_bits, Engine};
use crate::field::Fp;
use crate::shamir::ShareVec;
use crate::transport::Transport;
use crate::Error;

/// Statistical security parameter in bits: the distance between the real and ideal
/// distributions of each opened masked value is at most `2^−STATISTICAL_SECURITY`.
pub const STATISTICAL_SECURITY: u32 = 40;

/// Elements per batch of [`Engine::mod2m`] (and so of every comparison and truncation)
/// in the semi-honest mode. 8,192 since 2026-12-03 (2,048 before): an A/B of alternated
/// binaries on the quiet 2-core AMD VM, 4 runs each, gave stats over 3 × 10,000 values
/// 1.43 s against 1.59 s and 100,000 comparisons 1.81 s against 1.86 s (medians),
/// 481 rounds against 985 for the whole semi-honest bench job.
pub const COMPARISON_BATCH: usize = 8192;

/// Elements per batch in the malicious mode (each batch also pays a coin, an inner
/// product and a MAC check, 5–6 rounds, before its masked opening). Measured on the
/// quiet 2-core AMD EPYC VM (2026-12-03, `conclave mpc bench`, 3 parties, binaries
/// with 2,048, 8,192 and 16,384 alternated, 4 runs each): 100,000 comparisons took
/// 4.41 / 4.07 / 4.02 s (medians; rounds 2,867 / 1,981 / 1,885 for the whole bench
/// job) and stats over 3 × 10,000 values 3.24 / 3.13 / 3.17 s; 8,192 is the smallest
/// batch with the gain (an earlier run on a busy VM had found 8,192 slower than 2,048,
/// 9.2 against 8.2 s: small batches stay in cache, which a busy machine punishes more).
pub const COMPARISON_BATCH_MALICIOUS: usize = 8192;

/// Extra mask bits: σ = s + 1 gives distance ≤ 2^(1 − σ) = 2^−s.
const MASK_BITS: u32 = STATISTICAL_SECURITY + 1;

/// Largest bit width accepted by [`Engine::ltz`] etc. for the given threshold in the
/// semi-honest mode: the masked value must stay below p = 2^127 − 1. The malicious
/// mode masks with a sum of `C(n, t)` PRSS values: see [`max_bits_malicious`].
pub fn max_bits(t: usize) -> u32 {
    126 - MASK_BITS - mask_summand_bits(t) - 1
}

/// Largest bit width of comparisons in the malicious mode for `n` parties (threshold
/// `⌊(n−1)/2⌋`): the mask is a sum of `C(n, t)` PRSS values (78 bits for 7 parties).
pub fn max_bits_malicious(n: usize) -> u32 {
    let t = n.saturating_sub(1) / 2;
    let mut sets = 1usize;
    for k in 0..t {
        sets = sets * (n - k) / (k + 1);
    }
    126 - MASK_BITS - (usize::BITS - sets.leading_zeros()) - 1
}

/// Encodes a real number as a fixed-point integer with `f` fractional bits (rounded).
///
/// # Errors
/// [`Error::InvalidParameters`] for non-finite values or values too large.
pub fn encode_fixed(x: f64, f: u32) -> Result<i128, Error> {
    let scaled = (x * (f64::from(2u32).powi(f as i32))).round();
    if !scaled.is_finite() || scaled.abs() >= 2f64.powi(100) {
        return Err(Error::InvalidParameters("fixed-point value out of range"));
    }
    Ok(scaled as i128)
}

/// Decodes a fixed-point integer with `f` fractional bits.
pub fn decode_fixed(x: i128, f: u32) -> f64 {
    x as f64 / 2f64.powi(f as i32)
}

impl<T: Transport> Engine<T> {
    fn check_bits(&self, k: u32) -> Result<(), Error> {
        if k < 2 || k > 126 - MASK_BITS - self.mask_bits() - 1 {
            return Err(Error::InvalidParameters(
                "bit width must be at least 2 and leave 41 bits of statistical masking below p",
            ));
        }
        Ok(())
    }

    /// `a mod 2^m` for signed `k`-bit `a` (result in `[0, 2^m)`), `1 ≤ m < k`.
    ///
    /// Vectors longer than [`COMPARISON_BATCH`] elements run as consecutive batches:
    /// each batch costs its own handful of rounds, but its `m`-fold bit vectors stay a
    /// few MiB, in cache and in memory the allocator reuses (fresh pages cost a fault
    /// each, which dominated long comparisons on the VM).
    ///
    /// # Errors
    /// Invalid widths, transport and opening errors.
    pub fn mod2m(&mut self, a: &ShareVec, k: u32, m: u32) -> Result<ShareVec, Error> {
        self.check_bits(k)?;
        if m == 0 || m >= k {
            return Err(Error::InvalidParameters("mod2m needs 1 <= m < k"));
        }
        self.require_macs(a)?;
        let batch = if self.security() == crate::Security::Malicious {
            COMPARISON_BATCH_MALICIOUS
        } else {
            COMPARISON_BATCH
        };
        if a.len() <= batch {
            return self.mod2m_batch(a, k, m);
        }
        let mut parts = Vec::with_capacity(a.len().div_ceil(batch));
        for start in (0..a.len()).step_by(batch) {
            let end = (start + batch).min(a.len());
            let part = self.slice(a, start..end)?;
            parts.push(self.mod2m_batch(&part, k, m)?);
        }
        let refs: Vec<&ShareVec> = parts.iter().collect();
        Ok(self.concat(&refs))
    }

    fn mod2m_batch(&mut self, a: &ShareVec, k: u32, m: u32) -> Result<ShareVec, Error> {
        let len = a.len();
        let mu = m as usize;
        let bits = self.random_bits(len * mu)?;
        let pairs = self.bit_pair_products(&bits, mu)?;
        let high = self.random_bounded(len, k - m + MASK_BITS)?;
        let two_m = Fp::pow2(m);
        let offset = Fp::pow2(k - 1);
        let low = self.build(&[&bits], |l| {
            l.of(&bits)
                .chunks_exact(mu)
                .map(|chunk| {
                    chunk
                        .iter()
                        .enumerate()
                        .fold(Fp::ZERO, |acc, (i, b)| acc + Fp::pow2(i as u32) * *b)
                })
                .collect()
        });
        let masked = self.build(&[a, &low, &high], |l| {
            let off = offset * l.one();
            l.of(a)
                .iter()
                .zip(l.of(&low))
                .zip(l.of(&high))
                .map(|((x, lo), hi)| *x + off + *lo + two_m * *hi)
                .collect()
        });
        let opened = self.open_masked(&masked)?;
        let mask_m = (1u128 << m) - 1;
        let c_low: Vec<u128> = opened.iter().map(|c| c.to_u128() & mask_m).collect();
        let lt = self.bit_lt_public(&c_low, &bits, &pairs, mu)?;
        Ok(self.build(&[&low, &lt], |l| {
            c_low
                .iter()
                .zip(l.of(&low))
                .zip(l.of(&lt))
                .map(|((c, lo), x)| Fp::new(*c) * l.one() - *lo + two_m * *x)
                .collect()
        }))
    }

    /// `r_{2j+1}·r_{2j}` for every element and `j < m/2`: the products of neighbouring
    /// mask bits, which do not depend on the opened `c`. Every first-level product of
    /// the comparison tree ([`Engine::bit_lt_public`]) is an affine function of
    /// `r_hi`, `r_lo` and `r_hi·r_lo` once `c` is known, so one product per pair
    /// (16 for `m = 32`) replaces up to two (about 23 on average). One round, which the
    /// tree saves.
    fn bit_pair_products(&mut self, bits: &ShareVec, m: usize) -> Result<ShareVec, Error> {
        let half = m / 2;
        let pick = |offset: usize| {
            self.build(&[bits], |l| {
                let b = l.of(bits);
                b.chunks_exact(m)
                    .flat_map(|chunk| (0..half).map(move |j| chunk[2 * j + offset]))
                    .collect()
            })
        };
        let (hi, lo) = (pick(1), pick(0));
        self.mul(&hi, &lo)
    }

    /// `[c < r]` per element, for public `c` (`m` bits) and shared bits of `r`
    /// (`bits[e·m + i]` is bit `i` of element `e`).
    ///
    /// Per bit, `gt_i = [r_i > c_i]` and `eq_i = [r_i = c_i]` are linear (c is public).
    /// A binary tree merges neighbours, high over low: `gt = gt_hi + eq_hi · gt_lo`
    /// (the two terms exclude each other, so OR is a sum) and `eq = eq_hi · eq_lo`;
    /// the lowest node of a level never needs its `eq`. The first level multiplies
    /// nothing: its products are affine in the bits and `pair_products`
    /// ([`Engine::bit_pair_products`], computed before `c` is opened), so the tree
    /// itself needs `⌈log2 m⌉ − 1` rounds and, for `m = 32`, `15 + 7 + 3 + 1 = 26`
    /// multiplications. Every level has the same layout for every element (a node's
    /// `gt` and `eq` side by side per element), so no per-element plan is built; a
    /// product whose `gt_lo` is publicly zero is computed anyway (about 2 of the 26 for
    /// `m = 32`), which costs less than the bookkeeping that skipped it.
    fn bit_lt_public(
        &mut self,
        c: &[u128],
        bits: &ShareVec,
        pair_products: &ShareVec,
        m: usize,
    ) -> Result<ShareVec, Error> {
        let len = c.len();
        let (half, top) = (m / 2, m % 2 == 1);
        let mut width = half + usize::from(top);
        // Level 1, per element: the `gt` of its `width` nodes, then their `eq`.
        let mut tree = self.build(&[bits, pair_products], |l| {
            let (b, s, one) = (l.of(bits), l.of(pair_products), l.one());
            let mut out = Vec::with_capacity(len * 2 * width);
            for (el, ce) in c.iter().enumerate() {
                let (r, rs) = (&b[el * m..(el + 1) * m], &s[el * half..(el + 1) * half]);
                let c_bit = |i: usize| (ce >> i) & 1 == 1;
                for (j, p) in rs.iter().enumerate() {
                    // gt_hi + eq_hi·gt_lo, with gt_lo = 0 when c_lo = 1.
                    let (c_hi, c_lo, rh, rl) =
                        (c_bit(2 * j + 1), c_bit(2 * j), r[2 * j + 1], r[2 * j]);
                    let gt_hi = if c_hi { Fp::ZERO } else { rh };
                    let cross = match (c_lo, c_hi) {
                        (true, _) => Fp::ZERO,
                        (false, true) => *p,
                        (false, false) => rl - *p,
                    };
                    out.push(gt_hi + cross);
                }
                if top {
                    out.push(if c_bit(m - 1) { Fp::ZERO } else { r[m - 1] });
                }
                for (j, p) in rs.iter().enumerate() {
                    // eq_hi·eq_lo; the lowest node's is never read.
                    let (rh, rl) = (r[2 * j + 1], r[2 * j]);
                    out.push(match (j, c_bit(2 * j + 1), c_bit(2 * j)) {
                        (0, _, _) => Fp::ZERO,
                        (_, true, true) => *p,
                        (_, true, false) => rh - *p,
                        (_, false, true) => rl - *p,
                        (_, false, false) => one - rh - rl + *p,
                    });
                }
                if top {
                    let r_top = r[m - 1];
                    out.push(if c_bit(m - 1) { r_top } else { one - r_top });
                }
            }
            out
        });
        while width > 1 {
            let (pairs, carry) = (width / 2, width % 2 == 1);
            let next = pairs + usize::from(carry);
            let stride = 2 * width;
            // Per element: eq_hi·gt_lo for every pair, then eq_hi·eq_lo above the lowest.
            let per = 2 * pairs - 1;
            let gather = |pick_eq_lo: bool| {
                let tree = &tree;
                self.build(&[tree], move |l| {
                    let x = l.of(tree);
                    let mut out = Vec::with_capacity(len * per);
                    for node in x.chunks_exact(stride) {
                        let (gt, eq) = node.split_at(width);
                        for j in 0..pairs {
                            out.push(if pick_eq_lo { eq[2 * j + 1] } else { gt[2 * j] });
                        }
                        for j in 1..pairs {
                            out.push(if pick_eq_lo { eq[2 * j + 1] } else { eq[2 * j] });
                        }
                    }
                    out
                })
            };
            let (left, right) = (gather(true), gather(false));
            let prod = self.mul(&left, &right)?;
            tree = self.build(&[&tree, &prod], |l| {
                let (x, p) = (l.of(&tree), l.of(&prod));
                let mut out = Vec::with_capacity(len * 2 * next);
                for (node, products) in x.chunks_exact(stride).zip(p.chunks_exact(per)) {
                    let (gt, eq) = node.split_at(width);
                    let (cross, both) = products.split_at(pairs);
                    out.extend((0..pairs).map(|j| gt[2 * j + 1] + cross[j]));
                    if carry {
                        out.push(gt[width - 1]);
                    }
                    out.push(Fp::ZERO);
                    out.extend_from_slice(both);
                    if carry {
                        out.push(eq[width - 1]);
                    }
                }
                out
            });
            width = next;
        }
        // Width 1: each element's `gt` then its unread `eq`.
        Ok(self.build(&[&tree], |l| {
            l.of(&tree).iter().step_by(2).copied().collect()
        }))
    }

    /// `[a < 0]` for signed `k`-bit `a`, as a shared bit.
    ///
    /// # Errors
    /// As [`Engine::mod2m`].
    pub fn ltz(&mut self, a: &ShareVec, k: u32) -> Result<ShareVec, Error> {
        let low = self.mod2m(a, k, k - 1)?;
        let inv = Fp::pow2(k - 1).inverse().unwrap_or(Fp::ZERO);
        let offset = Fp::pow2(k - 1);
        Ok(self.build(&[a, &low], |l| {
            l.of(a)
                .iter()
                .zip(l.of(&low))
                .map(|(x, lo)| l.one() - (*x + offset * l.one() - *lo) * inv)
                .collect()
        }))
    }

    /// `[a < b]` for signed `k`-bit `a`, `b`.
    ///
    /// # Errors
    /// As [`Engine::mod2m`].
    pub fn lt(&mut self, a: &ShareVec, b: &ShareVec, k: u32) -> Result<ShareVec, Error> {
        let d = self.sub(a, b)?;
        self.ltz(&d, k + 1)
    }

    /// `[a ≥ b]` for signed `k`-bit `a`, `b`.
    ///
    /// # Errors
    /// As [`Engine::mod2m`].
    pub fn ge(&mut self, a: &ShareVec, b: &ShareVec, k: u32) -> Result<ShareVec, Error> {
        let l = self.lt(a, b, k)?;
        Ok(self.one_minus(&l))
    }

    /// `[a ≥ c]` for a public `c` (also `k`-bit).
    ///
    /// # Errors
    /// As [`Engine::mod2m`].
    pub fn ge_public(&mut self, a: &ShareVec, c: i128, k: u32) -> Result<ShareVec, Error> {
        let d = self.add_public(a, -Fp::from_i128(c));
        let l = self.ltz(&d, k + 1)?;
        Ok(self.one_minus(&l))
    }

    /// `[a = b]` for signed `k`-bit values: `1 − [a < b] − [b < a]` (one batched comparison).
    ///
    /// # Errors
    /// As [`Engine::mod2m`].
    pub fn eq(&mut self, a: &ShareVec, b: &ShareVec, k: u32) -> Result<ShareVec, Error> {
        let ab = self.sub(a, b)?;
        let ba = self.sub(b, a)?;
        let both = self.concat(&[&ab, &ba]);
        let l = self.ltz(&both, k + 1)?;
        let len = a.len();
        Ok(self.build(&[&l], |lane| {
            let v = lane.of(&l);
            (0..len).map(|i| lane.one() - v[i] - v[len + i]).collect()
        }))
    }

    /// `⌊a / 2^m⌋` exactly, for signed `k`-bit `a`.
    ///
    /// # Errors
    /// As [`Engine::mod2m`].
    pub fn trunc(&mut self, a: &ShareVec, k: u32, m: u32) -> Result<ShareVec, Error> {
        let low = self.mod2m(a, k, m)?;
        let inv = Fp::pow2(m).inverse().unwrap_or(Fp::ZERO);
        Ok(self.build(&[a, &low], |l| {
            l.of(a)
                .iter()
                .zip(l.of(&low))
                .map(|(x, lo)| (*x - *lo) * inv)
                .collect()
        }))
    }

    /// `⌊a / d⌋` exactly, for signed `k`-bit `a` (`k ≤ 40`) and a public `1 ≤ d < 2^40`:
    /// multiply by `⌈2^k/d⌉`, truncate by `k`, then correct by ±1 with two comparisons.
    ///
    /// # Errors
    /// Invalid widths or divisor, transport and opening errors.
    pub fn div_public(&mut self, a: &ShareVec, d: u64, k: u32) -> Result<ShareVec, Error> {
        if d == 0 || d >= 1 << 40 || !(2..=40).contains(&k) {
            return Err(Error::InvalidParameters(
                "div_public needs 1 <= d < 2^40 and 2 <= k <= 40",
            ));
        }
        let c = (1u128 << k).div_ceil(u128::from(d));
        let scaled = self.mul_public(a, Fp::new(c));
        let q0 = self.trunc(&scaled, 2 * k, k)?;
        let dq = self.mul_public(&q0, Fp::new(u128::from(d)));
        let r = self.sub(a, &dq)?;
        let r_minus_d = self.add_public(&r, -Fp::new(u128::from(d)));
        let both = self.concat(&[&r, &r_minus_d]);
        let kr = 64 - d.leading_zeros() + 3;
        let l = self.ltz(&both, kr)?;
        let len = a.len();
        Ok(self.build(&[&q0, &l], |lane| {
            let (q, v) = (lane.of(&q0), lane.of(&l));
            (0..len)
                .map(|i| q[i] - v[i] + lane.one() - v[len + i])
                .collect()
        }))
    }

    /// Element-wise `(min(a, b), max(a, b))` with one comparison and one multiplication.
    ///
    /// # Errors
    /// As [`Engine::mod2m`].
    pub fn min_max_pairs(
        &mut self,
        a: &ShareVec,
        b: &ShareVec,
        k: u32,
    ) -> Result<(ShareVec, ShareVec), Error> {
        let diff = self.sub(a, b)?;
        let l = self.ltz(&diff, k + 1)?;
        let sel = self.mul(&l, &diff)?;
        // min = b + [a<b](a − b); max = a − [a<b](a − b).
        let min = self.add(b, &sel)?;
        let max = self.sub(a, &sel)?;
        Ok((min, max))
    }

    /// Minimum and maximum of all elements of `a` (non-empty), by a tournament of
    /// `⌈log2 len⌉` levels, each one batched comparison for both.
    ///
    /// # Errors
    /// [`Error::InvalidParameters`] for an empty vector; as [`Engine::mod2m`].
    pub fn min_max(&mut self, a: &ShareVec, k: u32) -> Result<(ShareVec, ShareVec), Error> {
        if a.is_empty() {
            return Err(Error::InvalidParameters("min/max of an empty vector"));
        }
        let (mut mins, mut maxs) = if a.len() == 1 {
            (self.slice(a, 0..1)?, self.slice(a, 0..1)?)
        } else {
            let half = a.len() / 2;
            let x = self.slice(a, 0..half)?;
            let y = self.slice(a, half..2 * half)?;
            let (mut lo, mut hi) = self.min_max_pairs(&x, &y, k)?;
            if a.len() % 2 == 1 {
                let last = self.slice(a, 2 * half..a.len())?;
                lo = self.concat(&[&lo, &last]);
                hi = self.concat(&[&hi, &last]);
            }
            (lo, hi)
        };
        while mins.len() > 1 {
            // Both vectors have the same length; pair up halves of each in one batch.
            let len = mins.len();
            let half = len / 2;
            let lx = self.slice(&mins, 0..half)?;
            let ly = self.slice(&mins, half..2 * half)?;
            let hx = self.slice(&maxs, 0..half)?;
            let hy = self.slice(&maxs, half..2 * half)?;
            let x = self.concat(&[&lx, &hx]);
            let y = self.concat(&[&ly, &hy]);
            let (lo, hi) = self.min_max_pairs(&x, &y, k)?;
            let mut new_min = self.slice(&lo, 0..half)?;
            let mut new_max = self.slice(&hi, half..2 * half)?;
            if len % 2 == 1 {
                let lm = self.slice(&mins, 2 * half..len)?;
                let hm = self.slice(&maxs, 2 * half..len)?;
                new_min = self.concat(&[&new_min, &lm]);
                new_max = self.concat(&[&new_max, &hm]);
            }
            mins = new_min;
            maxs = new_max;
        }
        Ok((mins, maxs))
    }

    /// Fixed-point product of signed `k`-bit values with `f` fractional bits:
    /// `⌊a·b / 2^f⌋` (exact truncation).
    ///
    /// # Errors
    /// As [`Engine::mod2m`] with width `2k`.
    pub fn mul_fixed(
        &mut self,
        a: &ShareVec,
        b: &ShareVec,
        k: u32,
        f: u32,
    ) -> Result<ShareVec, Error> {
        let p = self.mul(a, b)?;
        self.trunc(&p, 2 * k, f)
    }
}
