//! Verifiable partial decryption and combination.
//!
//! Trustee `i` publishes `D_i = x_i·A` with a Chaum–Pedersen proof (CRYPTO '92, the
//! DLEQ protocol made non-interactive with Fiat–Shamir) that `log_G Y_i = log_A D_i`.
//! The combiner verifies every proof, excludes and names the trustees whose proof
//! fails, and with any t valid shares computes `v·G = B − Σ λ_i·D_i` (Lagrange
//! coefficients at 0 over the chosen indices), then decodes `v` with [`super::dlog`].

use std::collections::BTreeSet;

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::dkg::TrusteeKey;
use super::dlog::DlogTable;
use super::{Ciphertext, JointPublicKey, TrusteeIndex, FORMAT_VERSION, JSON_LIMIT};
use crate::encoding::{
    check_header, from_json, hash_to_scalar, point_from_hex, point_hex, scalar_from_hex,
    scalar_hex, to_json, DST_CHAUM_PEDERSEN,
};
use crate::error::{Error, Result};

/// Kind tag of a partial decryption file.
pub const KIND_PARTIAL: &str = "conclave.he.partial-decryption";

const G: RistrettoPoint = RISTRETTO_BASEPOINT_POINT;

/// A trustee's partial decryption `D_i = x_i·A` with its Chaum–Pedersen proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartialDecryption {
    /// Format version.
    pub version: u32,
    /// [`KIND_PARTIAL`].
    pub kind: String,
    /// Hex key id of the joint key.
    pub key_id: String,
    /// Hex hash of the ciphertext being decrypted.
    pub ciphertext: String,
    /// Trustee index i.
    pub trustee: u32,
    /// Hex `D_i`.
    pub share: String,
    /// Hex Fiat–Shamir challenge `c`.
    pub c: String,
    /// Hex response `z = k + c·x_i`.
    pub z: String,
}

#[allow(clippy::too_many_arguments)]
fn challenge(
    key_id: &[u8],
    ct_hash: &[u8],
    trustee: u32,
    y: &RistrettoPoint,
    a: &RistrettoPoint,
    d: &RistrettoPoint,
    r1: &RistrettoPoint,
    r2: &RistrettoPoint,
) -> Scalar {
    hash_to_scalar(
        DST_CHAUM_PEDERSEN,
        &[
            key_id,
            ct_hash,
            &trustee.to_le_bytes(),
            y.compress().as_bytes(),
            a.compress().as_bytes(),
            d.compress().as_bytes(),
            r1.compress().as_bytes(),
            r2.compress().as_bytes(),
        ],
    )
}

impl PartialDecryption {
    /// Trustee `key` partially decrypts `ct`.
    ///
    /// # Errors
    /// [`Error::KeyMismatch`] if `ct` is under another key.
    pub fn create<R: RngCore + CryptoRng>(
        key: &TrusteeKey,
        ct: &Ciphertext,
        rng: &mut R,
    ) -> Result<Self> {
        let pk = key.public_key();
        ct.check_key(pk)?;
        let x = key.share();
        let y = pk.verification_key(key.index())?;
        let d = x * ct.a;
        let k = Zeroizing::new(Scalar::random(rng));
        let (r1, r2) = (*k * G, *k * ct.a);
        let ct_hash = ct.hash();
        let c = challenge(&ct.key_id, &ct_hash, key.index().0, &y, &ct.a, &d, &r1, &r2);
        let z = *k + c * x;
        Ok(Self {
            version: FORMAT_VERSION,
            kind: KIND_PARTIAL.into(),
            key_id: hex::encode(ct.key_id),
            ciphertext: hex::encode(ct_hash),
            trustee: key.index().0,
            share: point_hex(&d),
            c: scalar_hex(&c),
            z: scalar_hex(&z),
        })
    }

    /// Verifies this partial decryption against `ct` and `pk`; returns `D_i`.
    ///
    /// # Errors
    /// [`Error::InvalidPartialDecryption`] naming the trustee.
    pub fn verify(&self, pk: &JointPublicKey, ct: &Ciphertext) -> Result<RistrettoPoint> {
        let bad = |reason: &str| Error::InvalidPartialDecryption {
            trustee: self.trustee,
            reason: reason.to_owned(),
        };
        if self.version != FORMAT_VERSION || self.kind != KIND_PARTIAL {
            return Err(bad("wrong version or kind"));
        }
        if self.key_id != hex::encode(pk.key_id()) {
            return Err(bad("made under a different key"));
        }
        if self.ciphertext != hex::encode(ct.hash()) {
            return Err(bad("decrypts a different ciphertext"));
        }
        let y = pk
            .verification_key(TrusteeIndex(self.trustee))
            .map_err(|_| bad("trustee index out of range"))?;
        let d =
            point_from_hex("share", &self.share).map_err(|_| bad("share is not a valid point"))?;
        let c = scalar_from_hex("c", &self.c)
            .map_err(|_| bad("challenge is not a canonical scalar"))?;
        let z =
            scalar_from_hex("z", &self.z).map_err(|_| bad("response is not a canonical scalar"))?;
        let r1 = z * G - c * y;
        let r2 = z * ct.a - c * d;
        let expected = challenge(
            &ct.key_id,
            &ct.hash(),
            self.trustee,
            &y,
            &ct.a,
            &d,
            &r1,
            &r2,
        );
        if expected != c {
            return Err(bad("Chaum–Pedersen proof does not verify"));
        }
        Ok(d)
    }

    /// Parses a partial decryption file.
    ///
    /// # Layout
    /// `{version, kind, key_id, ciphertext, trustee, share, c, z}` (hex).
    ///
    /// # Errors
    /// Format errors.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        const WHAT: &str = "partial decryption";
        let p: Self = from_json(WHAT, bytes, JSON_LIMIT)?;
        check_header(WHAT, p.version, FORMAT_VERSION, &p.kind, KIND_PARTIAL)?;
        Ok(p)
    }

    /// JSON form.
    pub fn to_json(&self) -> Vec<u8> {
        to_json(self)
    }
}

/// Lagrange coefficient at 0 for index `i` over the index set `set`.
pub fn lagrange_at_zero(i: u32, set: &[u32]) -> Scalar {
    let xi = Scalar::from(i);
    let mut num = Scalar::ONE;
    let mut den = Scalar::ONE;
    for &j in set {
        if j != i {
            let xj = Scalar::from(j);
            num *= xj;
            den *= xj - xi;
        }
    }
    num * den.invert()
}

/// What [`combine`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Combined {
    /// The decrypted total.
    pub total: u64,
    /// Trustees whose partial decryptions were used.
    pub used: Vec<u32>,
    /// Trustees whose partial decryptions were rejected, with the reason.
    pub rejected: Vec<(u32, String)>,
}

/// The outcome of [`combine_point`]: `v·G` and which trustees were used or rejected.
#[derive(Debug, Clone)]
pub struct CombinedPoint {
    /// `v·G` for the encrypted total `v`.
    pub point: RistrettoPoint,
    /// Trustees whose partial decryptions were used.
    pub used: Vec<u32>,
    /// Trustees whose partial decryptions were rejected, with the reason.
    pub rejected: Vec<(u32, String)>,
}

/// Verifies partial decryptions, excludes invalid ones, and with t valid ones recovers
/// `v·G`.
///
/// # Errors
/// [`Error::NotEnoughShares`] (listing the rejected trustees) if fewer than t verify.
pub fn combine_point(
    pk: &JointPublicKey,
    ct: &Ciphertext,
    partials: &[PartialDecryption],
) -> Result<CombinedPoint> {
    ct.check_key(pk)?;
    let mut seen = BTreeSet::new();
    let mut valid: Vec<(u32, RistrettoPoint)> = Vec::new();
    let mut rejected: Vec<(u32, String)> = Vec::new();
    for p in partials {
        match p.verify(pk, ct) {
            Ok(d) if seen.insert(p.trustee) => valid.push((p.trustee, d)),
            Ok(_) => {} // a verified duplicate of a share already held adds nothing
            Err(e) => rejected.push((p.trustee, e.to_string())),
        }
    }
    let t = pk.params.threshold as usize;
    if valid.len() < t {
        return Err(Error::NotEnoughShares {
            needed: pk.params.threshold,
            valid: valid.len() as u32,
            rejected: rejected.iter().map(|(i, _)| *i).collect(),
        });
    }
    valid.sort_by_key(|(i, _)| *i);
    valid.truncate(t);
    let set: Vec<u32> = valid.iter().map(|(i, _)| *i).collect();
    let mask = valid
        .iter()
        .fold(RistrettoPoint::identity(), |acc, (i, d)| {
            acc + lagrange_at_zero(*i, &set) * d
        });
    Ok(CombinedPoint {
        point: ct.b - mask,
        used: set,
        rejected,
    })
}

/// [`combine_point`], then decode the total with the discrete-log table over
/// `[0, 2^range_bits)`.
///
/// # Errors
/// As [`combine_point`], and [`Error::OutOfRange`] if the total is not in range.
pub fn combine(
    pk: &JointPublicKey,
    ct: &Ciphertext,
    partials: &[PartialDecryption],
    table: &DlogTable,
    range_bits: u32,
) -> Result<Combined> {
    let CombinedPoint {
        point,
        used,
        rejected,
    } = combine_point(pk, ct, partials)?;
    let total = table.vartime_decode(&point, range_bits)?;
    Ok(Combined {
        total,
        used,
        rejected,
    })
}

/// Builds and signs the `conclave.result` record of a threshold decryption: inputs are
/// the hashes of the summed contributions, outputs the total, the key id, the
/// ciphertext hash, every partial decryption used (with its proof, so anyone can
/// re-verify) and the rejected trustees. Signed by `signer` (one of the trustees).
///
/// # Errors
/// [`Error::Record`] if the record cannot be built (cannot happen with one signer that
/// is also the one listed party; the record is verified before it is returned).
pub fn result_record(
    pk: &JointPublicKey,
    ct: &Ciphertext,
    partials: &[PartialDecryption],
    combined: &Combined,
    signer: &TrusteeKey,
) -> Result<crate::record::ResultRecord> {
    let ct_hash = ct.hash();
    let key_id = pk.key_id();
    let computation_id = crate::encoding::hash256(
        crate::encoding::DST_COMPUTATION,
        &[b"threshold-elgamal-sum", &key_id, &ct_hash],
    );
    let used: Vec<&PartialDecryption> = partials
        .iter()
        .filter(|p| combined.used.contains(&p.trustee) && p.verify(pk, ct).is_ok())
        .collect();
    let inputs = if ct.inputs.is_empty() {
        vec![hex::encode(ct_hash)]
    } else {
        ct.inputs.iter().map(hex::encode).collect()
    };
    let body = crate::record::ResultBody {
        computation_id: hex::encode(computation_id),
        description: format!(
            "Total of {} encrypted contributions, decrypted by {} of {} trustees (threshold ElGamal over Ristretto255)",
            inputs.len(),
            combined.used.len(),
            pk.params.trustees
        ),
        input_commitments: inputs,
        outputs: serde_json::json!({
            "total": combined.total,
            "key_id": hex::encode(key_id),
            "ciphertext": hex::encode(ct_hash),
            "trustees_used": combined.used,
            "partial_decryptions": used,
            "rejected": combined.rejected.iter().map(|(i, r)| serde_json::json!({"trustee": i, "reason": r})).collect::<Vec<_>>(),
        }),
        parties: vec![crate::record::PartyKey::from(
            signer.signing_key().verifying_key(),
        )],
    };
    Ok(crate::record::ResultRecord::sign(
        &body,
        &[signer.signing_key()],
    )?)
}
