//! Shamir secret sharing over GF(2^127 − 1) (Shamir 1979, "How to share a secret").
//!
//! Party `i` (1-based) holds the evaluation of a random polynomial of degree `t` at
//! `x = i`; the secret is the value at `x = 0`. Any `t + 1` shares determine the secret,
//! any `t` reveal nothing. With `t < n/2` (honest majority) a product of two sharings
//! has degree `2t < n` and can still be opened, which the engine uses.
//!
//! [`Reconstructor`] opens vectors of sharings and, when more than `d + 1` shares of a
//! degree-`d` sharing are present, checks that all of them lie on one polynomial; when
//! they do not, it names the party whose share is off (or the set of suspects when the
//! redundancy is too small to tell).

use std::sync::Arc;

use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::field::Fp;
use crate::Error;

/// A party's 1-based index; also its Shamir evaluation point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartyId(pub u32);

impl PartyId {
    /// The 0-based position of this party in per-party vectors.
    pub fn index(self) -> usize {
        self.0 as usize - 1
    }

    /// The party at 0-based position `index`.
    pub fn from_index(index: usize) -> PartyId {
        PartyId(index as u32 + 1)
    }

    /// The evaluation point `x = id`.
    pub fn point(self) -> Fp {
        Fp::new(u128::from(self.0))
    }
}

impl std::fmt::Display for PartyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Public parameters of a sharing: `n` parties and threshold `t` with `n ≥ 3`, `t < n/2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    n: usize,
    t: usize,
}

impl Params {
    /// Parameters for `n` parties with the largest honest-majority threshold `⌊(n−1)/2⌋`.
    ///
    /// # Errors
    /// [`Error::InvalidParameters`] when `n < 3` or `n > 1000`.
    pub fn honest_majority(n: usize) -> Result<Params, Error> {
        Params::new(n, (n.saturating_sub(1)) / 2)
    }

    /// Parameters for `n` parties and threshold `t`.
    ///
    /// # Errors
    /// [`Error::InvalidParameters`] unless `3 ≤ n ≤ 1000` and `1 ≤ t`, `2t < n`.
    pub fn new(n: usize, t: usize) -> Result<Params, Error> {
        if !(3..=1000).contains(&n) {
            return Err(Error::InvalidParameters("need between 3 and 1000 parties"));
        }
        if t == 0 || 2 * t >= n {
            return Err(Error::InvalidParameters(
                "threshold must satisfy 1 <= t < n/2 (honest majority)",
            ));
        }
        Ok(Params { n, t })
    }

    /// Number of parties.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Threshold: the largest coalition that learns nothing.
    pub fn t(&self) -> usize {
        self.t
    }

    /// All party ids `1..=n`.
    pub fn parties(&self) -> impl Iterator<Item = PartyId> {
        (1..=self.n as u32).map(PartyId)
    }

    /// Checks that `party` is one of `1..=n`.
    ///
    /// # Errors
    /// [`Error::UnknownParty`].
    pub fn check_party(&self, party: PartyId) -> Result<(), Error> {
        if party.0 == 0 || party.0 as usize > self.n {
            return Err(Error::UnknownParty {
                party: party.0,
                parties: self.n,
            });
        }
        Ok(())
    }
}

/// Evaluates the polynomial with `coeffs` (lowest degree first) at `x` (Horner).
#[inline]
pub fn evaluate(coeffs: &[Fp], x: Fp) -> Fp {
    coeffs.iter().rev().fold(Fp::ZERO, |acc, c| acc * x + *c)
}

/// Lagrange coefficients `λ_j` with `f(target) = Σ λ_j f(points[j])` for deg f < |points|.
///
/// # Errors
/// [`Error::InvalidParameters`] when points repeat.
pub fn lagrange_coefficients(points: &[Fp], target: Fp) -> Result<Vec<Fp>, Error> {
    let mut out = Vec::with_capacity(points.len());
    for (j, xj) in points.iter().enumerate() {
        let mut num = Fp::ONE;
        let mut den = Fp::ONE;
        for (m, xm) in points.iter().enumerate() {
            if m != j {
                num *= target - *xm;
                den *= *xj - *xm;
            }
        }
        let inv = den
            .inverse()
            .ok_or(Error::InvalidParameters("repeated evaluation point"))?;
        out.push(num * inv);
    }
    Ok(out)
}

/// Samples the `n` shares (at `x = 1..=n`) of a random degree-`degree` polynomial with
/// constant term `secret`, writing share `i` to `out[i]`.
pub fn share_into<R: RngCore + CryptoRng + ?Sized>(
    secret: Fp,
    degree: usize,
    n: usize,
    rng: &mut R,
    out: &mut [Fp],
) {
    // Coefficients on the stack for the usual thresholds (this runs once per shared
    // value: inputs and every resharing multiplication).
    let mut stack = [Fp::ZERO; STACK_COEFFICIENTS];
    let mut heap = Vec::new();
    let coeffs: &mut [Fp] = if degree < STACK_COEFFICIENTS {
        &mut stack[..=degree]
    } else {
        heap.resize(degree + 1, Fp::ZERO);
        &mut heap
    };
    coeffs[0] = secret;
    for c in coeffs[1..].iter_mut() {
        *c = Fp::random(rng);
    }
    for (i, slot) in out.iter_mut().take(n).enumerate() {
        *slot = evaluate_at_small(coeffs, i as u64 + 1);
    }
    coeffs.zeroize();
}

/// Horner's rule at a small integer point (a party's evaluation point).
#[inline(always)]
fn evaluate_at_small(coeffs: &[Fp], x: u64) -> Fp {
    let (last, rest) = coeffs
        .split_last()
        .map_or((Fp::ZERO, &[][..]), |(l, r)| (*l, r));
    rest.iter().rev().fold(last, |acc, c| acc.mul_small(x) + *c)
}

/// Polynomials of degree below this keep their coefficients on the stack in [`share_into`].
const STACK_COEFFICIENTS: usize = 8;

/// One party's shares of a vector of secrets: what a data owner sends to that party
/// (the client-input model) and what the engine computes on.
///
/// In the malicious-security mode ([`crate::engine::Security::Malicious`]) every vector
/// the engine computes also carries this party's shares of `α·x` (the MACs, SPDZ-wise
/// Shamir); vectors made with [`ShareVec::new`] carry none until
/// [`crate::Engine::authenticate`] adds them.
///
/// # Security
/// Secret: no `Clone`/`Debug`/`Serialize`. The values and MACs are [`SharedShares`]: the
/// engine's pending MAC check may hold them too (without a copy) until it has verified
/// them; they are wiped when the last holder drops them.
pub struct ShareVec {
    party: PartyId,
    values: SharedShares,
    macs: Option<SharedShares>,
}

/// Share values behind a reference count, wiped when the last holder drops them: a
/// [`ShareVec`]'s values or MACs, also held by the MAC check that has yet to verify
/// them (`crate::mac::MacState`).
pub(crate) type SharedShares = Arc<Zeroizing<Vec<Fp>>>;

fn shared(values: Vec<Fp>) -> SharedShares {
    Arc::new(Zeroizing::new(values))
}

/// Dropping a vector wipes its values and MACs unless the MAC check still holds them,
/// which wipes them when it lets go (the last holder of a [`SharedShares`] wipes it).
impl ZeroizeOnDrop for ShareVec {}

impl std::fmt::Debug for ShareVec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ShareVec(party {}, {} shares, redacted)",
            self.party,
            self.values.len()
        )
    }
}

impl ShareVec {
    /// Wraps shares held by `party`.
    pub fn new(party: PartyId, values: Vec<Fp>) -> ShareVec {
        ShareVec {
            party,
            values: shared(values),
            macs: None,
        }
    }

    /// Wraps shares of `x` and of `α·x` (one MAC share per value; a MAC vector of
    /// another length is dropped, so the vector counts as unauthenticated).
    pub(crate) fn authenticated(party: PartyId, values: Vec<Fp>, macs: Vec<Fp>) -> ShareVec {
        let macs = (macs.len() == values.len()).then(|| shared(macs));
        ShareVec {
            party,
            values: shared(values),
            macs,
        }
    }

    /// The values and their MACs as shared buffers (for the MAC check to hold without a
    /// copy); `None` when the vector is not authenticated.
    pub(crate) fn shared_with_macs(&self) -> Option<(SharedShares, SharedShares)> {
        let macs = self.macs.as_ref()?;
        Some((Arc::clone(&self.values), Arc::clone(macs)))
    }

    /// This party's shares of `α·x` (malicious mode), one per value; `None` when the
    /// vector is not authenticated.
    pub fn macs(&self) -> Option<&[Fp]> {
        self.macs.as_ref().map(|m| m.as_slice())
    }

    /// The holder.
    pub fn party(&self) -> PartyId {
        self.party
    }

    /// The share values.
    pub fn values(&self) -> &[Fp] {
        &self.values
    }

    /// Number of shared values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the vector is empty.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// Splits `secrets` into one [`ShareVec`] per party (degree `t` Shamir sharing).
pub fn share<R: RngCore + CryptoRng + ?Sized>(
    params: Params,
    secrets: &[Fp],
    rng: &mut R,
) -> Vec<ShareVec> {
    let n = params.n();
    let mut columns: Vec<Vec<Fp>> = (0..n).map(|_| Vec::with_capacity(secrets.len())).collect();
    let mut row = vec![Fp::ZERO; n];
    for secret in secrets {
        share_into(*secret, params.t(), n, rng, &mut row);
        for (column, value) in columns.iter_mut().zip(&row) {
            column.push(*value);
        }
    }
    row.zeroize();
    columns
        .into_iter()
        .enumerate()
        .map(|(i, values)| ShareVec::new(PartyId::from_index(i), values))
        .collect()
}

/// Opens degree-`d` sharings from the shares of several parties, checking consistency.
#[derive(Debug, Clone)]
pub struct Reconstructor {
    degree: usize,
    /// Parties whose shares define the polynomial (the first `d + 1` present).
    base: Vec<PartyId>,
    /// Lagrange coefficients of `base` at zero.
    at_zero: Vec<Fp>,
    /// For every further party: its id and the coefficients predicting its share.
    checks: Vec<(PartyId, Vec<Fp>)>,
    /// The opener, whose own share is never a suspect.
    trusted: Option<PartyId>,
}

impl Reconstructor {
    /// Prepares to open degree-`degree` sharings from the shares of `present` parties.
    /// `preferred` (usually the opener itself, whose own share it trusts) is put first.
    ///
    /// # Errors
    /// [`Error::InvalidParameters`] with fewer than `degree + 1` parties.
    pub fn new(
        degree: usize,
        present: &[PartyId],
        preferred: Option<PartyId>,
    ) -> Result<Self, Error> {
        if present.len() < degree + 1 {
            return Err(Error::InvalidParameters(
                "not enough shares to reconstruct this degree",
            ));
        }
        let mut order: Vec<PartyId> = present.to_vec();
        order.sort();
        order.dedup();
        if order.len() != present.len() {
            return Err(Error::InvalidParameters("a party appears twice"));
        }
        if let Some(p) = preferred {
            if let Some(pos) = order.iter().position(|q| *q == p) {
                order.remove(pos);
                order.insert(0, p);
            }
        }
        let base: Vec<PartyId> = order[..=degree].to_vec();
        let points: Vec<Fp> = base.iter().map(|p| p.point()).collect();
        let at_zero = lagrange_coefficients(&points, Fp::ZERO)?;
        let checks = order[degree + 1..]
            .iter()
            .map(|p| Ok((*p, lagrange_coefficients(&points, p.point())?)))
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(Reconstructor {
            degree,
            base,
            at_zero,
            checks,
            trusted: preferred,
        })
    }

    /// Opens every value; `shares(p)` gives party `p`'s share vector (all the same length).
    ///
    /// # Errors
    /// [`Error::PeerMisbehaved`] naming the party whose share is off the polynomial the
    /// others agree on, or [`Error::InconsistentShares`] when that party cannot be told
    /// apart; [`Error::LengthMismatch`] for vectors of different lengths.
    pub fn open<'a>(&self, shares: impl Fn(PartyId) -> &'a [Fp]) -> Result<Vec<Fp>, Error> {
        let base: Vec<&[Fp]> = self.base.iter().map(|p| shares(*p)).collect();
        let len = base[0].len();
        for (p, s) in self
            .base
            .iter()
            .map(|p| (*p, shares(*p)))
            .chain(self.checks.iter().map(|(p, _)| (*p, shares(*p))))
        {
            if s.len() != len {
                return Err(Error::misbehaved(
                    p,
                    format!("sent {} shares where {len} were expected", s.len()),
                ));
            }
        }
        let mut out = Vec::with_capacity(len);
        for k in 0..len {
            let mut secret = Fp::ZERO;
            for (lambda, column) in self.at_zero.iter().zip(&base) {
                secret += *lambda * column[k];
            }
            out.push(secret);
        }
        for (party, coeffs) in &self.checks {
            let theirs = shares(*party);
            for k in 0..len {
                let mut predicted = Fp::ZERO;
                for (lambda, column) in coeffs.iter().zip(&base) {
                    predicted += *lambda * column[k];
                }
                if predicted != theirs[k] {
                    return Err(self.blame(k, &shares));
                }
            }
        }
        Ok(out)
    }

    /// Finds who lied about value `k`: among all `(d + 1)`-subsets of the shares, the
    /// polynomial that the most shares agree on; the parties off it are named when that
    /// set is unique. With too little redundancy (`n = 2t + 1`, `d = t = 1`) several
    /// explanations fit equally well and every possible culprit is listed instead.
    fn blame<'a>(&self, k: usize, shares: &impl Fn(PartyId) -> &'a [Fp]) -> Error {
        let mut all: Vec<PartyId> = self.base.clone();
        all.extend(self.checks.iter().map(|(p, _)| *p));
        let trusted = self.trusted;
        let size = self.degree + 1;
        let m = all.len();
        let mut best: Option<Vec<PartyId>> = None;
        let mut tie = false;
        let mut combo: Vec<usize> = (0..size).collect();
        for _ in 0..20_000 {
            let points: Vec<Fp> = combo.iter().map(|i| all[*i].point()).collect();
            let values: Vec<Fp> = combo.iter().map(|i| shares(all[*i])[k]).collect();
            let mut off = Vec::new();
            for p in &all {
                if let Ok(coeffs) = lagrange_coefficients(&points, p.point()) {
                    let predicted = coeffs
                        .iter()
                        .zip(&values)
                        .fold(Fp::ZERO, |acc, (l, v)| acc + *l * *v);
                    if predicted != shares(*p)[k] {
                        off.push(*p);
                    }
                }
            }
            match &best {
                Some(set) if off.len() == set.len() && *set != off => tie = true,
                Some(set) if off.len() >= set.len() => {}
                _ => {
                    best = Some(off);
                    tie = false;
                }
            }
            // Advance to the next combination of `size` indices out of `m`.
            let mut i = size;
            loop {
                if i == 0 {
                    return self.verdict(k, best, tie, &all, trusted);
                }
                i -= 1;
                if combo[i] < m - size + i {
                    combo[i] += 1;
                    for j in i + 1..size {
                        combo[j] = combo[j - 1] + 1;
                    }
                    break;
                }
            }
        }
        self.verdict(k, best, true, &all, trusted)
    }

    fn verdict(
        &self,
        k: usize,
        best: Option<Vec<PartyId>>,
        tie: bool,
        all: &[PartyId],
        trusted: Option<PartyId>,
    ) -> Error {
        match best {
            Some(off) if !tie && off.len() == 1 => Error::misbehaved(
                off[0],
                format!(
                    "its share of opened value #{k} is off the degree-{} polynomial the other parties' shares agree on",
                    self.degree
                ),
            ),
            _ => Error::InconsistentShares {
                index: k,
                suspects: all.iter().copied().filter(|p| Some(*p) != trusted).collect(),
            },
        }
    }
}

/// Opens a vector from the given parties' [`ShareVec`]s (client side / tests) with the
/// consistency check; the threshold comes from `params`.
///
/// # Errors
/// As [`Reconstructor::open`]; [`Error::InvalidParameters`] with fewer than `t + 1` vectors.
pub fn reconstruct(params: Params, shares: &[ShareVec]) -> Result<Vec<Fp>, Error> {
    for s in shares {
        params.check_party(s.party())?;
    }
    let present: Vec<PartyId> = shares.iter().map(|s| s.party()).collect();
    let rec = Reconstructor::new(params.t(), &present, None)?;
    rec.open(|p: PartyId| {
        shares
            .iter()
            .find(|s| s.party() == p)
            .map(ShareVec::values)
            .unwrap_or(&[])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    /// Adds one to share `k` of `shares` (held nowhere else).
    fn tamper(shares: &mut ShareVec, k: usize) {
        let values = Arc::get_mut(&mut shares.values).expect("held only here");
        values[k] += Fp::ONE;
    }

    #[test]
    fn share_and_reconstruct_with_subsets() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let params = Params::honest_majority(5).unwrap();
        let secrets: Vec<Fp> = (-3..4).map(Fp::from_i64).collect();
        let shares = share(params, &secrets, &mut rng);
        assert_eq!(reconstruct(params, &shares).unwrap(), secrets);
        assert_eq!(reconstruct(params, &shares[2..]).unwrap(), secrets);
        assert!(reconstruct(params, &shares[3..]).is_err());
    }

    #[test]
    fn tampered_share_is_named_when_attributable() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let params = Params::honest_majority(5).unwrap();
        let secrets = vec![Fp::new(712), Fp::new(5)];
        let mut shares = share(params, &secrets, &mut rng);
        tamper(&mut shares[3], 1);
        match reconstruct(params, &shares) {
            Err(Error::PeerMisbehaved { party, .. }) => assert_eq!(party, PartyId(4)),
            other => panic!("expected party 4 to be named, got {other:?}"),
        }
    }

    #[test]
    fn tampered_share_is_detected_with_three_parties() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let params = Params::honest_majority(3).unwrap();
        let mut shares = share(params, &[Fp::new(9)], &mut rng);
        tamper(&mut shares[2], 0);
        assert!(matches!(
            reconstruct(params, &shares),
            Err(Error::InconsistentShares { .. }) | Err(Error::PeerMisbehaved { .. })
        ));
    }
}
