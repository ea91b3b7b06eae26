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
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::field::Fp;
use crate::prss::AlphaParts;

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
/// Secret (shares); zeroised on drop, no `Clone`/`Debug`.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct MacState {
    /// This party's share of the MAC key `α`.
    pub(crate) alpha: Fp,
    /// Its per-set parts (`α = Σ_A α_A` along the PRSS sets): MACs of PRSS values
    /// without a multiplication ([`crate::prss::AlphaParts::of_bit`], 3 parties).
    pub(crate) parts: AlphaParts,
    /// Shares of values `z_k` whose MACs are not yet verified.
    pub(crate) pending_z: Vec<Fp>,
    /// Shares of the claimed `α·z_k`.
    pub(crate) pending_m: Vec<Fp>,
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
            pending_z: Vec::new(),
            pending_m: Vec::new(),
            masks_v: Vec::new(),
            masks_m: Vec::new(),
            checks: 0,
        }
    }

    /// Records pairs `(z_k, m_k)` to verify.
    pub(crate) fn record(&mut self, z: &[Fp], m: &[Fp]) {
        self.pending_z.extend_from_slice(z);
        self.pending_m.extend_from_slice(m);
    }

    pub(crate) fn pending(&self) -> usize {
        self.pending_z.len()
    }

    /// Forgets the verified pairs: zeroises the used elements only (`Vec::zeroize`
    /// would also wipe the spare capacity, megabytes after a long multiplication, at
    /// every check) and keeps the capacity for the next batch.
    pub(crate) fn clear(&mut self) {
        self.pending_z.as_mut_slice().zeroize();
        self.pending_m.as_mut_slice().zeroize();
        self.pending_z.clear();
        self.pending_m.clear();
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

/// `(Σ ρ_k z_k, Σ ρ_k m_k)` with `ρ_{iB+j} = s_j τ^i` from `seed` (Horner over blocks).
pub(crate) fn combine(seed: [u8; 32], z: &[Fp], m: &[Fp]) -> (Fp, Fp) {
    let mut rng = ChaCha20Rng::from_seed(seed);
    let coeffs: Vec<Fp> = (0..BLOCK).map(|_| Fp::random(&mut rng)).collect();
    let tau = Fp::random(&mut rng);
    let (mut w, mut u) = (Fp::ZERO, Fp::ZERO);
    for (zb, mb) in z.chunks(BLOCK).zip(m.chunks(BLOCK)) {
        w = w * tau + Fp::dot(&coeffs, zb);
        u = u * tau + Fp::dot(&coeffs, mb);
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
        let (w, u) = combine(seed, &z, &m);
        assert_eq!(u - w * alpha, Fp::ZERO);
        m[2500] += Fp::ONE;
        let (w, u) = combine(seed, &z, &m);
        assert_ne!(u - w * alpha, Fp::ZERO);
        // A zero error vector passes with other coefficients too.
        m[2500] -= Fp::ONE;
        let (w, u) = combine([9u8; 32], &z, &m);
        assert_eq!(u - w * alpha, Fp::ZERO);
        assert_eq!(coefficients(seed, 2049).len(), 2049);
    }
}
