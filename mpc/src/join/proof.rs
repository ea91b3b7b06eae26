//! Proofs of correct exponentiation for the private join (the malicious protocol).
//!
//! This module owns the cryptography that makes a wrong key detectable at the
//! *positional* relay steps of the join — the steps that raise a received set, in its
//! order, to the relay's key (layer-1 relays: `k_j`; return chain: `k_j·k'_j`):
//! * public keys `P_j = k_j·B` and `Q_j = (k_j·k'_j)·B` ([`PublicKeys`]);
//! * 128-bit coefficients per origin's set from a seed every party contributed to
//!   ([`coefficients`]), and the aggregate `A = Σ c_p·u_p` of a message with dalek's
//!   variable-time multiscalar multiplication ([`aggregate`]);
//! * a Chaum–Pedersen proof that `log_B K = log_{A_in} A_out` ([`Dleq`]), Fiat–Shamir
//!   with SHA-512, bound to the whole public view of the join and to the step.
//!
//! Why this suffices, and what it leaks, is argued in `docs/mpc.md` ("Private join",
//! "Malicious parties"). Only dalek's group operations are used; no curve code here.

use curve25519_dalek_5::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek_5::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek_5::scalar::Scalar;
use curve25519_dalek_5::traits::{Identity, VartimeMultiscalarMul};
use rand_core::{CryptoRng, RngCore};
use rayon::prelude::*;
use sha2::{Digest, Sha512};
use zeroize::Zeroize;

use crate::join::message::POINT_BYTES;
use crate::PartyId;

/// Domain tag of the seed commitments.
pub const COMMIT_DOMAIN: &[u8] = b"conclave/mpc/join/v4/seed-commitment";
/// Domain tag of the digest of the public view (keys, commitments, seeds).
pub const VIEW_DOMAIN: &[u8] = b"conclave/mpc/join/v4/view";
/// Domain tag of the aggregation coefficients.
pub const COEFFICIENT_DOMAIN: &[u8] = b"conclave/mpc/join/v4/coefficients";
/// Domain tag of the Chaum–Pedersen challenges.
pub const DLEQ_DOMAIN: &[u8] = b"conclave/mpc/join/v4/dleq";

/// Points per chunk of a parallel aggregate (one multiscalar multiplication each).
const AGGREGATE_CHUNK: usize = 4096;

/// 32 bytes: a digest, a seed, a commitment or an encoded scalar or point.
pub type Unit = [u8; POINT_BYTES];

/// SHA-512 truncated to 32 bytes over length-prefixed parts.
fn digest32(domain: &[u8], parts: &[&[u8]]) -> Unit {
    let mut h = Sha512::new()
        .chain_update((domain.len() as u64).to_be_bytes())
        .chain_update(domain);
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    let full = h.finalize();
    let mut out = [0u8; POINT_BYTES];
    out.copy_from_slice(&full[..POINT_BYTES]);
    out
}

/// The commitment to party `party`'s coefficient seed.
pub fn commit(party: PartyId, seed: &Unit) -> Unit {
    digest32(COMMIT_DOMAIN, &[&party.0.to_be_bytes(), seed])
}

/// A party's public keys for one join.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicKeys {
    /// `P = k·B` (layer 1).
    pub p: RistrettoPoint,
    /// `Q = (k·k')·B` (return chain).
    pub q: RistrettoPoint,
}

/// Everything public a party saw before the proofs: every party's keys, seed
/// commitment and seed, in party order. Its digest binds the coefficients and the
/// proofs, and two honest parties compare it.
pub fn view_digest(keys: &[PublicKeys], commitments: &[Unit], seeds: &[Unit]) -> Unit {
    let mut parts: Vec<Vec<u8>> = Vec::with_capacity(keys.len() + 1);
    parts.push((keys.len() as u64).to_be_bytes().to_vec());
    for ((k, c), s) in keys.iter().zip(commitments).zip(seeds) {
        let mut part = Vec::with_capacity(4 * POINT_BYTES);
        part.extend_from_slice(k.p.compress().as_bytes());
        part.extend_from_slice(k.q.compress().as_bytes());
        part.extend_from_slice(c);
        part.extend_from_slice(s);
        parts.push(part);
    }
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    digest32(VIEW_DOMAIN, &refs)
}

/// The `len` coefficients of `origin`'s set: 128-bit, pseudorandom from the view
/// (hence from every party's seed, revealed only after every positional message was
/// delivered).
pub fn coefficients(view: &Unit, origin: PartyId, len: usize) -> Vec<Scalar> {
    let blocks = len.div_ceil(4);
    let mut out: Vec<Scalar> = (0..blocks)
        .into_par_iter()
        .flat_map_iter(|b| {
            let h = Sha512::new()
                .chain_update((COEFFICIENT_DOMAIN.len() as u64).to_be_bytes())
                .chain_update(COEFFICIENT_DOMAIN)
                .chain_update(view)
                .chain_update(origin.0.to_be_bytes())
                .chain_update((b as u64).to_be_bytes())
                .finalize();
            (0..4).map(move |i| {
                let mut bytes = [0u8; 32];
                bytes[..16].copy_from_slice(&h[16 * i..16 * (i + 1)]);
                Scalar::from_bytes_mod_order(bytes)
            })
        })
        .collect();
    out.truncate(len);
    out
}

/// `Σ c_p·u_p` over a message's points (decompressed, hence validated, when the message
/// was received); variable time (everything here is public to its holder). Parallel
/// over chunks of [`AGGREGATE_CHUNK`] points.
pub fn aggregate(coefficients: &[Scalar], points: &[RistrettoPoint]) -> RistrettoPoint {
    points
        .par_chunks(AGGREGATE_CHUNK)
        .enumerate()
        .map(|(k, chunk)| {
            let first = k * AGGREGATE_CHUNK;
            let end = (first + chunk.len()).min(coefficients.len());
            let cs = coefficients.get(first..end).unwrap_or(&[]);
            RistrettoPoint::vartime_multiscalar_mul(cs, &chunk[..cs.len()])
        })
        .reduce(RistrettoPoint::identity, |a, b| a + b)
}

/// [`aggregate`] over a message's 32-byte encodings, decompressing them chunk by chunk
/// (for messages held encoded to bound memory).
///
/// # Errors
/// The position of a point that does not decompress.
pub fn aggregate_encoded(coefficients: &[Scalar], body: &[u8]) -> Result<RistrettoPoint, usize> {
    body.par_chunks(AGGREGATE_CHUNK * POINT_BYTES)
        .enumerate()
        .map(|(k, chunk)| {
            let first = k * AGGREGATE_CHUNK;
            let points = chunk
                .chunks_exact(POINT_BYTES)
                .enumerate()
                .map(|(i, c)| {
                    let mut enc = [0u8; POINT_BYTES];
                    enc.copy_from_slice(c);
                    CompressedRistretto(enc).decompress().ok_or(first + i)
                })
                .collect::<Result<Vec<RistrettoPoint>, usize>>()?;
            Ok(aggregate(coefficients.get(first..).unwrap_or(&[]), &points))
        })
        .try_reduce(RistrettoPoint::identity, |a, b| Ok(a + b))
}

/// What a proof is about: which party proves which step of whose set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Statement<'a> {
    /// The digest of the prover's public view ([`view_digest`]).
    pub view: &'a Unit,
    /// The proving relay.
    pub prover: PartyId,
    /// 1: layer-1 step (key `P`), 2: return-chain step (key `Q`).
    pub chain: u8,
    /// Whose set.
    pub origin: PartyId,
    /// The hop of the step's output message.
    pub hop: u32,
    /// The relay's public key for this step (`P` or `Q`).
    pub key: RistrettoPoint,
    /// Aggregate of the input message.
    pub a_in: RistrettoPoint,
    /// Aggregate of the output message.
    pub a_out: RistrettoPoint,
}

impl Statement<'_> {
    fn challenge(&self, t1: &RistrettoPoint, t2: &RistrettoPoint) -> Scalar {
        let h = Sha512::new()
            .chain_update((DLEQ_DOMAIN.len() as u64).to_be_bytes())
            .chain_update(DLEQ_DOMAIN)
            .chain_update(self.view)
            .chain_update(self.prover.0.to_be_bytes())
            .chain_update([self.chain])
            .chain_update(self.origin.0.to_be_bytes())
            .chain_update(self.hop.to_be_bytes())
            .chain_update(RISTRETTO_BASEPOINT_POINT.compress().as_bytes())
            .chain_update(self.key.compress().as_bytes())
            .chain_update(self.a_in.compress().as_bytes())
            .chain_update(self.a_out.compress().as_bytes())
            .chain_update(t1.compress().as_bytes())
            .chain_update(t2.compress().as_bytes());
        Scalar::from_bytes_mod_order_wide(&h.finalize().into())
    }
}

/// A Chaum–Pedersen proof `(e, s)` that `log_B key = log_{a_in} a_out`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dleq {
    /// The challenge.
    pub e: Scalar,
    /// The response `r + e·x`.
    pub s: Scalar,
}

impl Dleq {
    /// Proves the statement with witness `x` (`key = x·B`, `a_out = x·a_in`).
    ///
    /// # Security
    /// Constant-time in `x` and the nonce (dalek's constant-time multiplications and
    /// scalar arithmetic); the nonce is zeroized.
    pub fn prove<R: RngCore + CryptoRng>(st: &Statement<'_>, x: &Scalar, rng: &mut R) -> Dleq {
        let mut r = crate::join::random_scalar(rng);
        let t1 = RistrettoPoint::mul_base(&r);
        #[allow(clippy::op_ref)]
        let t2 = st.a_in * &r;
        let e = st.challenge(&t1, &t2);
        let s = r + e * x;
        r.zeroize();
        Dleq { e, s }
    }

    /// Checks the proof (variable time: everything is public).
    pub fn verify(&self, st: &Statement<'_>) -> bool {
        let t1 = RistrettoPoint::vartime_double_scalar_mul_basepoint(&-self.e, &st.key, &self.s);
        let t2 = RistrettoPoint::vartime_multiscalar_mul([self.s, -self.e], [st.a_in, st.a_out]);
        st.challenge(&t1, &t2) == self.e
    }

    /// `e ‖ s`, canonical encodings.
    pub fn to_units(self) -> [Unit; 2] {
        [self.e.to_bytes(), self.s.to_bytes()]
    }

    /// Parses `e ‖ s`; `None` for a non-canonical scalar.
    pub fn from_units(e: &Unit, s: &Unit) -> Option<Dleq> {
        let e = Option::from(Scalar::from_canonical_bytes(*e))?;
        let s = Option::from(Scalar::from_canonical_bytes(*s))?;
        Some(Dleq { e, s })
    }
}

/// Decompresses a 32-byte unit.
pub fn point(unit: &Unit) -> Option<RistrettoPoint> {
    CompressedRistretto(*unit).decompress()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::SeedableRng;

    #[test]
    fn dleq_accepts_the_right_exponent_only() {
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([9; 32]);
        let x = crate::join::random_scalar(&mut rng);
        let a_in = crate::join::random_point(&mut rng);
        let view = [1u8; 32];
        let st = Statement {
            view: &view,
            prover: PartyId(2),
            chain: 2,
            origin: PartyId(1),
            hop: 1,
            key: RistrettoPoint::mul_base(&x),
            a_in,
            a_out: a_in * x,
        };
        let proof = Dleq::prove(&st, &x, &mut rng);
        assert!(proof.verify(&st));
        let [e, s] = proof.to_units();
        assert_eq!(Dleq::from_units(&e, &s), Some(proof));
        let wrong = Statement {
            a_out: a_in * (x + Scalar::ONE),
            ..st
        };
        assert!(!Dleq::prove(&wrong, &x, &mut rng).verify(&wrong));
        assert!(
            !proof.verify(&Statement { hop: 2, ..st }),
            "bound to the step"
        );
        let other_view = [2u8; 32];
        assert!(!proof.verify(&Statement {
            view: &other_view,
            ..st
        }));
    }

    #[test]
    fn aggregate_is_linear_and_chunked() {
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([4; 32]);
        let n = AGGREGATE_CHUNK + 5;
        let points: Vec<RistrettoPoint> = (0..n)
            .map(|_| crate::join::random_point(&mut rng))
            .collect();
        let cs = coefficients(&[7; 32], PartyId(3), n);
        assert_eq!(cs.len(), n);
        assert!(cs
            .iter()
            .all(|c| c.as_bytes()[16..].iter().all(|&b| b == 0)));
        let want: RistrettoPoint = cs.iter().zip(&points).map(|(c, p)| p * c).sum();
        assert_eq!(aggregate(&cs, &points), want);
        let k = Scalar::from(5u8);
        let raised: Vec<RistrettoPoint> = points.iter().map(|p| p * k).collect();
        assert_eq!(aggregate(&cs, &raised), want * k);
        let mut moved = points.clone();
        moved.swap(0, n - 1);
        assert_ne!(aggregate(&cs, &moved), want);
        let mut body: Vec<u8> = points
            .iter()
            .flat_map(|p| p.compress().to_bytes())
            .collect();
        assert_eq!(aggregate_encoded(&cs, &body), Ok(want));
        body[POINT_BYTES * (n - 1)..].copy_from_slice(&[0xff; 32]);
        assert_eq!(aggregate_encoded(&cs, &body), Err(n - 1));
        assert_ne!(
            coefficients(&[7; 32], PartyId(3), 4),
            coefficients(&[7; 32], PartyId(2), 4)
        );
    }
}
