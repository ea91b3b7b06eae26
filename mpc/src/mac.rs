//! Security with abort against a cheating minority: SPDZ-wise Shamir (Chida, Genkin,
//! Hamada, Ikarashi, Kikuchi, Lindell, Nof, "Fast large-scale honest-majority MPC for
//! malicious adversaries", CRYPTO 2018, §3–4).
//!
//! This module owns the security setting ([`Security`]), the per-engine MAC state (the
//! share of the secret key `α` and the products not yet verified) and the batched
//! random linear combination of the check; [`crate::engine::Engine`] runs the rounds.
//!
//! Every value `x` is carried as Shamir shares of `x` and of `α·x`, `α` a uniformly
//! random field element that no `t` parties know (a PRSS value). Linear operations act
//! on both; a multiplication computes `x·y` and `(α·x)·y` with the semi-honest protocol,
//! which is *secure up to additive attacks* (a cheater can only add an error of its
//! choice, independent of the secrets, to each product). Each such pair `(z, m)` is kept
//! until the check: with coefficients `ρ_k` drawn from a coin tossed after the pairs
//! are fixed, `T = Σ ρ_k (m_k − α·z_k)` must be 0. The engine opens `w = Σ ρ_k z_k + v`
//! (masked by a fresh authenticated `v`), computes `[T] = Σ ρ_k [m_k] + [α v] − w·[α]`
//! locally and opens it; any opening of a degree-`t` sharing is checked for consistency
//! over all `n ≥ 2t + 1` shares, so both openings are correct or abort.
//!
//! # Security
//! The coefficients are `ρ_{iB+j} = s_j·τ^i` (`B` = [`BLOCK`], `s_j` and `τ` from
//! ChaCha20 keyed by the coin): a non-zero error vector of `N` pairs survives with
//! probability at most `(N/B + 2)/p` per check (Schwartz–Zippel in `τ`, one linear form
//! in `s`, one guess of `α`); the engine checks at most [`MAX_PENDING`] pairs at once,
//! so a check fails to catch a cheater with probability below `2^-116`, and a job of
//! at most [`MAX_CHECKS`] checks below `2^-100` (docs/mpc.md, "Malicious security").

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::field::Fp;
use crate::prss::AlphaParts;
use crate::shamir::SharedShares;

/// Which adversary the engine protects against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Security {
    /// Parties follow the protocol (honest majority); openings still check share
    /// consistency. The fastest mode.
    SemiHonest,
    /// Up to `t < n/2` parties deviate arbitrarily: every honest party aborts before any
    /// output unless the computation was correct (SPDZ-wise Shamir, [`crate::mac`]).
    #[default]
    Malicious,
}

impl Security {
    /// The job file's spelling: `"semi-honest"` or `"malicious"`.
    pub fn name(self) -> &'static str {
        match self {
            Security::SemiHonest => "semi-honest",
            Security::Malicious => "malicious",
        }
    }

    /// Whether this is the default ([`Security::Malicious`]); job files omit it then.
    pub fn is_default(&self) -> bool {
        *self == Security::Malicious
    }
}

/// Coefficients per block of the random linear combination (`ρ_{iB+j} = s_j τ^i`).
pub const BLOCK: usize = 1024;

/// Unverified pairs after which the engine checks at once (bounds memory and the
/// degree `N/B` of the check polynomial: `2^20/2^10 = 2^10`).
pub const MAX_PENDING: usize = 1 << 20;

/// Checks one engine runs at most, so that the soundness error per job stays below
/// `2^16 · 2^-116 = 2^-100`.
pub const MAX_CHECKS: u64 = 1 << 16;

/// Domain separation of the check's coefficient stream.
const CHECK_TAG: &[u8] = b"conclave-mpc-mac-check-v1";

/// The MAC state of one party: its share of `α` and the pairs awaiting the check.
///
/// # Security
/// Secret (shares); zeroised on drop, no `Clone`/`Debug`. The pending pairs are shared
/// buffers (a multiplication's outputs are held by the caller's vectors too, without a
/// copy), each wiped when its last holder drops it.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct MacState {
    /// This party's share of the MAC key `α`.
    pub(crate) alpha: Fp,
    /// Its per-set parts (`α = Σ_A α_A` along the PRSS sets): MACs of PRSS values
    /// without a multiplication ([`crate::prss::AlphaParts::of_bit`], 3 parties).
    pub(crate) parts: AlphaParts,
    /// Segments of shares of values `z_k` and of the claimed `α·z_k` whose MACs are not
    /// yet verified, in recording order (equal lengths in each segment).
    #[zeroize(skip)]
    pending: Vec<(SharedShares, SharedShares)>,
    /// Authenticated random masks `(v, α·v)` for the check's opening of `w`.
    pub(crate) masks_v: Vec<Fp>,
    pub(crate) masks_m: Vec<Fp>,
    /// Checks run so far.
    #[zeroize(skip)]
    pub(crate) checks: u64,
}

impl MacState {
    pub(crate) fn new(alpha: Fp, parts: AlphaParts) -> MacState {
        MacState {
            alpha,
            parts,
            pending: Vec::new(),
            masks_v: Vec::new(),
            masks_m: Vec::new(),
            checks: 0,
        }
    }

    /// Records pairs `(z_k, m_k)` to verify (a copy; see [`MacState::record_shared`]).
    pub(crate) fn record(&mut self, z: &[Fp], m: &[Fp]) {
        let len = z.len().min(m.len());
        self.record_shared(
            SharedShares::new(Zeroizing::new(z[..len].to_vec())),
            SharedShares::new(Zeroizing::new(m[..len].to_vec())),
        );
    }

    /// Records pairs held in shared buffers (the values and MACs of a vector the engine
    /// returns), without copying them.
    pub(crate) fn record_shared(&mut self, z: SharedShares, m: SharedShares) {
        debug_assert_eq!(z.len(), m.len());
        self.pending.push((z, m));
    }

    /// Pairs awaiting the check.
    pub(crate) fn pending(&self) -> usize {
        self.pending.iter().map(|(z, m)| z.len().min(m.len())).sum()
    }

    /// `(Σ ρ_k z_k, Σ ρ_k m_k)` over the pending pairs ([`combine`]).
    pub(crate) fn combine_pending(&self, seed: [u8; 32]) -> (Fp, Fp) {
        combine(
            seed,
            self.pending
                .iter()
                .map(|(z, m)| (z.as_slice(), m.as_slice())),
        )
    }

    /// Forgets the verified pairs (their buffers are wiped by their last holder).
    pub(crate) fn clear(&mut self) {
        self.pending.clear();
    }
}

/// The coefficient seed of check number `check` of kind `kind` from the opened coin.
pub(crate) fn check_seed(kind: &[u8], coin: Fp, check: u64) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(CHECK_TAG);
    h.update([0]);
    h.update(kind);
    h.update([0]);
    h.update(check.to_le_bytes());
    h.update(coin.to_bytes());
    h.finalize().into()
}

/// `(Σ ρ_k z_k, Σ ρ_k m_k)` with `ρ_{iB+j} = s_j τ^i` from `seed` (Horner over blocks),
/// `k` running over the concatenation of `segments` (pairs of equal-length slices `z`,
/// `m`; blocks run across segment boundaries).
pub(crate) fn combine<'a>(
    seed: [u8; 32],
    segments: impl IntoIterator<Item = (&'a [Fp], &'a [Fp])>,
) -> (Fp, Fp) {
    let mut rng = ChaCha20Rng::from_seed(seed);
    let coeffs: Vec<Fp> = (0..BLOCK).map(|_| Fp::random(&mut rng)).collect();
    let tau = Fp::random(&mut rng);
    // Horner accumulators over finished blocks, and the current block's sums from
    // position `j` on.
    let (mut w, mut u) = (Fp::ZERO, Fp::ZERO);
    let (mut block_w, mut block_u, mut j) = (Fp::ZERO, Fp::ZERO, 0);
    for (z, m) in segments {
        let len = z.len().min(m.len());
        let mut at = 0;
        while at < len {
            let take = (BLOCK - j).min(len - at);
            block_w += Fp::dot(&coeffs[j..j + take], &z[at..at + take]);
            block_u += Fp::dot(&coeffs[j..j + take], &m[at..at + take]);
            (j, at) = (j + take, at + take);
            if j == BLOCK {
                w = w * tau + block_w;
                u = u * tau + block_u;
                (block_w, block_u, j) = (Fp::ZERO, Fp::ZERO, 0);
            }
        }
    }
    if j > 0 {
        w = w * tau + block_w;
        u = u * tau + block_u;
    }
    (w, u)
}

/// `count` coefficients `ρ_k` (same structure as [`combine`]) for the bit check.
pub(crate) fn coefficients(seed: [u8; 32], count: usize) -> Vec<Fp> {
    let mut rng = ChaCha20Rng::from_seed(seed);
    let coeffs: Vec<Fp> = (0..BLOCK).map(|_| Fp::random(&mut rng)).collect();
    let tau = Fp::random(&mut rng);
    let mut power = Fp::ONE;
    let mut out = Vec::with_capacity(count);
    for k in 0..count {
        if k > 0 && k % BLOCK == 0 {
            power *= tau;
        }
        out.push(coeffs[k % BLOCK] * power);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combination_is_linear_and_catches_a_single_error() {
        let z: Vec<Fp> = (0..3000u128).map(Fp::new).collect();
        let alpha = Fp::new(77);
        let mut m: Vec<Fp> = z.iter().map(|x| *x * alpha).collect();
        let seed = [7u8; 32];
        let (w, u) = combine(seed, [(&z[..], &m[..])]);
        assert_eq!(u - w * alpha, Fp::ZERO);
        m[2500] += Fp::ONE;
        let (w, u) = combine(seed, [(&z[..], &m[..])]);
        assert_ne!(u - w * alpha, Fp::ZERO);
        // A zero error vector passes with other coefficients too.
        m[2500] -= Fp::ONE;
        let (w, u) = combine([9u8; 32], [(&z[..], &m[..])]);
        assert_eq!(u - w * alpha, Fp::ZERO);
        assert_eq!(coefficients(seed, 2049).len(), 2049);
    }

    #[test]
    fn segments_combine_as_their_concatenation() {
        let z: Vec<Fp> = (0..5000u128).map(|k| Fp::new(k * k + 3)).collect();
        let m: Vec<Fp> = (0..5000u128).map(|k| Fp::new(7 * k + 1)).collect();
        let seed = [3u8; 32];
        let whole = combine(seed, [(&z[..], &m[..])]);
        // Cuts inside blocks, at a block boundary, and an empty segment.
        for cuts in [
            vec![1, 1023, 1024, 1025, 4999],
            vec![1024, 1024, 2048],
            vec![7],
        ] {
            let mut segments = Vec::new();
            let mut from = 0;
            for to in cuts.into_iter().chain([5000]) {
                segments.push((&z[from..to], &m[from..to]));
                from = to;
            }
            assert_eq!(combine(seed, segments), whole);
        }
        // A different split of the coefficients would give another sum.
        assert_ne!(combine(seed, [(&z[1..], &m[1..])]), whole);
    }

    #[test]
    fn shared_records_count_and_clear() {
        let mut state = MacState::new(Fp::new(5), AlphaParts::none());
        let z = SharedShares::new(Zeroizing::new(vec![Fp::new(2); 3]));
        let m = SharedShares::new(Zeroizing::new(vec![Fp::new(10); 3]));
        state.record_shared(z.clone(), m.clone());
        state.record(&[Fp::new(4)], &[Fp::new(20)]);
        assert_eq!(state.pending(), 4);
        let (w, u) = state.combine_pending([1u8; 32]);
        assert_eq!(u, w * Fp::new(5));
        state.clear();
        assert_eq!(state.pending(), 0);
        // The caller's buffers outlive the check's hold on them.
        assert_eq!(std::sync::Arc::strong_count(&z), 1);
    }
}
