//! Pedersen commitments on Ristretto: `C = v·B + r·B_blinding`.
//!
//! Follows the `bulletproofs` crate's `PedersenGens` (Bünz et al., "Bulletproofs", IEEE S&P
//! 2018, §2.1). Commitments are perfectly hiding and computationally binding (discrete log in
//! ristretto255). They are additively homomorphic, which gives the total-debt flow: lenders
//! commit to `v_i` with blinding `r_i`; anyone adds the commitments; whoever holds every
//! opening adds them ([`Opening::sum`]) to get an opening of the total.
//!
//! # Security
//! An [`Opening`] is a secret: it has a redacting `Debug`, no `Clone`/`Serialize`, is
//! zeroized on drop, and compares in constant time. Its encodings are returned in
//! [`Zeroizing`] buffers.

use std::fmt;
use std::ops::{Add, Sub};

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::encoding::{
    check_json_header, decode_point, decode_scalar, hex32, looks_like_json, parse_json, Reader,
    FORMAT_VERSION, KIND_COMMITMENT, KIND_OPENING, MAX_SMALL_OBJECT_BYTES, TAG_COMMITMENT,
    TAG_OPENING,
};
use super::error::RangeError;
use bulletproofs::PedersenGens;

/// Binary size of a commitment file: version, tag, 32-byte point.
pub const COMMITMENT_BYTES: usize = 2 + 32;
/// Binary size of an opening file: version, tag, u64 value, 32-byte scalar.
pub const OPENING_BYTES: usize = 2 + 8 + 32;

/// A Pedersen commitment to a 64-bit value (a canonical Ristretto point).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Commitment {
    compressed: CompressedRistretto,
    point: RistrettoPoint,
}

impl fmt::Debug for Commitment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Commitment({})", self.to_hex())
    }
}

impl Commitment {
    /// Wraps a point.
    pub fn from_point(point: RistrettoPoint) -> Self {
        Commitment {
            compressed: point.compress(),
            point,
        }
    }

    /// The commitment to zero with zero blinding (the identity): the neutral element of
    /// [`Commitment::sum`], and the padding for aggregated proofs.
    pub fn identity() -> Self {
        Self::from_point(RistrettoPoint::identity())
    }

    /// Parses a 32-byte canonical Ristretto encoding.
    ///
    /// # Errors
    /// [`RangeError::NonCanonicalPoint`] for any encoding `decompress` refuses.
    pub fn from_compressed_bytes(bytes: [u8; 32]) -> Result<Self, RangeError> {
        let (compressed, point) = decode_point(bytes, "commitment")?;
        Ok(Commitment { compressed, point })
    }

    /// The 32-byte compressed point.
    pub fn to_compressed_bytes(&self) -> [u8; 32] {
        self.compressed.to_bytes()
    }

    /// The compressed point, as the `bulletproofs` crate takes it.
    pub fn as_compressed(&self) -> &CompressedRistretto {
        &self.compressed
    }

    /// The point.
    pub fn as_point(&self) -> &RistrettoPoint {
        &self.point
    }

    /// Lowercase hex of the compressed point.
    pub fn to_hex(&self) -> String {
        hex::encode(self.compressed.as_bytes())
    }

    /// Parses lowercase hex of a canonical point.
    ///
    /// # Errors
    /// [`RangeError::BadField`] for bad hex, [`RangeError::NonCanonicalPoint`] for a bad point.
    pub fn from_hex(text: &str) -> Result<Self, RangeError> {
        Self::from_compressed_bytes(hex32(text, "commitment")?)
    }

    /// Sum of commitments: commits to the sum of the values under the sum of the blindings.
    pub fn sum<'a>(commitments: impl IntoIterator<Item = &'a Commitment>) -> Commitment {
        Self::from_point(commitments.into_iter().map(|c| c.point).sum())
    }

    /// This commitment minus `value·B`: commits to `v − value` under the same blinding.
    pub fn minus_value(&self, value: u64) -> Commitment {
        Self::from_point(self.point - PedersenGens::default().B * Scalar::from(value))
    }

    /// `value·B` minus this commitment: commits to `value − v` under the negated blinding.
    pub fn subtracted_from_value(&self, value: u64) -> Commitment {
        Self::from_point(PedersenGens::default().B * Scalar::from(value) - self.point)
    }

    /// Binary file encoding.
    ///
    /// # Layout
    /// `version: u8 = 1 | tag: u8 = 1 | point: [u8; 32]` (34 bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(COMMITMENT_BYTES);
        out.extend_from_slice(&[FORMAT_VERSION, TAG_COMMITMENT]);
        out.extend_from_slice(self.compressed.as_bytes());
        out
    }

    /// Parses the binary file encoding.
    ///
    /// # Errors
    /// Wrong version or tag, truncation, trailing bytes, non-canonical point.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, RangeError> {
        let mut reader = Reader::new(bytes, "commitment", MAX_SMALL_OBJECT_BYTES)?;
        reader.header(TAG_COMMITMENT)?;
        let commitment = Self::from_compressed_bytes(reader.array32()?)?;
        reader.finish()?;
        Ok(commitment)
    }

    /// JSON file encoding: `{"version":1,"kind":"conclave.range.commitment","commitment":"<hex>"}`.
    pub fn to_json(&self) -> String {
        let file = CommitmentJson {
            version: u64::from(FORMAT_VERSION),
            kind: KIND_COMMITMENT.to_owned(),
            commitment: self.to_hex(),
        };
        // Serializing a struct of strings and integers cannot fail.
        // Strings and integers only: serialisation cannot fail.
        serde_json::to_string_pretty(&file).expect("a commitment file always serialises")
    }

    /// Parses the JSON file encoding.
    ///
    /// # Errors
    /// Bad JSON, unknown fields, wrong version/kind, bad hex, non-canonical point.
    pub fn from_json(text: &[u8]) -> Result<Self, RangeError> {
        let file: CommitmentJson = parse_json(text, "commitment")?;
        check_json_header(file.version, &file.kind, KIND_COMMITMENT, "commitment")?;
        Self::from_hex(&file.commitment)
    }

    /// Parses either encoding (JSON when the text starts with `{`).
    ///
    /// # Errors
    /// As [`Commitment::from_json`] / [`Commitment::from_bytes`].
    pub fn decode(bytes: &[u8]) -> Result<Self, RangeError> {
        if looks_like_json(bytes) {
            Self::from_json(bytes)
        } else {
            Self::from_bytes(bytes)
        }
    }
}

impl Add for Commitment {
    type Output = Commitment;
    fn add(self, rhs: Commitment) -> Commitment {
        Commitment::from_point(self.point + rhs.point)
    }
}

impl Sub for Commitment {
    type Output = Commitment;
    fn sub(self, rhs: Commitment) -> Commitment {
        Commitment::from_point(self.point - rhs.point)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommitmentJson {
    version: u64,
    kind: String,
    commitment: String,
}

/// The secret opening of a commitment: the value and its blinding factor.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Opening {
    value: u64,
    blinding: Scalar,
}

impl fmt::Debug for Opening {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Opening(<redacted>)")
    }
}

impl ConstantTimeEq for Opening {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.value.ct_eq(&other.value) & self.blinding.ct_eq(&other.blinding)
    }
}

impl Opening {
    /// An opening with a fresh uniformly random blinding factor from `rng`.
    pub fn random<R: RngCore + CryptoRng>(value: u64, rng: &mut R) -> Self {
        Opening {
            value,
            blinding: Scalar::random(rng),
        }
    }

    /// An opening with a caller-chosen blinding factor.
    ///
    /// # Security
    /// The blinding must be uniformly random and never reused, or the commitment leaks.
    pub fn from_parts(value: u64, blinding: Scalar) -> Self {
        Opening { value, blinding }
    }

    /// The committed value.
    pub fn value(&self) -> u64 {
        self.value
    }

    /// The blinding factor.
    pub fn blinding(&self) -> &Scalar {
        &self.blinding
    }

    /// The commitment this opens.
    pub fn commitment(&self) -> Commitment {
        let gens = PedersenGens::default();
        Commitment::from_point(gens.commit(Scalar::from(self.value), self.blinding))
    }

    /// Checks that this opens `commitment`.
    ///
    /// # Errors
    /// [`RangeError::OpeningMismatch`] if it does not.
    pub fn check_opens(&self, commitment: &Commitment) -> Result<(), RangeError> {
        if self.commitment() == *commitment {
            Ok(())
        } else {
            Err(RangeError::OpeningMismatch {
                commitment: commitment.to_hex(),
            })
        }
    }

    /// The opening of the sum of the two commitments.
    ///
    /// # Errors
    /// [`RangeError::ValueOverflow`] if the values add past `u64::MAX`.
    pub fn checked_add(&self, other: &Opening) -> Result<Opening, RangeError> {
        let value = self
            .value
            .checked_add(other.value)
            .ok_or(RangeError::ValueOverflow)?;
        Ok(Opening {
            value,
            blinding: self.blinding + other.blinding,
        })
    }

    /// The opening of `self`'s commitment minus `other`'s.
    ///
    /// # Errors
    /// [`RangeError::ValueUnderflow`] if `other`'s value is larger.
    pub fn checked_sub(&self, other: &Opening) -> Result<Opening, RangeError> {
        let value = self
            .value
            .checked_sub(other.value)
            .ok_or(RangeError::ValueUnderflow)?;
        Ok(Opening {
            value,
            blinding: self.blinding - other.blinding,
        })
    }

    /// The opening of the sum of the commitments (the total-debt helper): sums values and
    /// blindings. An empty list gives the opening of [`Commitment::identity`].
    ///
    /// # Errors
    /// [`RangeError::ValueOverflow`] if the total exceeds `u64::MAX`.
    pub fn sum<'a>(openings: impl IntoIterator<Item = &'a Opening>) -> Result<Opening, RangeError> {
        let mut total = Opening {
            value: 0,
            blinding: Scalar::ZERO,
        };
        for opening in openings {
            total = total.checked_add(opening)?;
        }
        Ok(total)
    }

    /// Binary file encoding (secret: store with 0600 permissions).
    ///
    /// # Layout
    /// `version: u8 = 1 | tag: u8 = 2 | value: u64 LE | blinding: [u8; 32] canonical scalar`
    /// (42 bytes).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(OPENING_BYTES));
        out.extend_from_slice(&[FORMAT_VERSION, TAG_OPENING]);
        out.extend_from_slice(&self.value.to_le_bytes());
        out.extend_from_slice(self.blinding.as_bytes());
        out
    }

    /// Parses the binary file encoding.
    ///
    /// # Errors
    /// Wrong version or tag, truncation, trailing bytes, non-canonical blinding scalar.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, RangeError> {
        let mut reader = Reader::new(bytes, "opening", MAX_SMALL_OBJECT_BYTES)?;
        reader.header(TAG_OPENING)?;
        let value = reader.u64()?;
        let mut blinding = Zeroizing::new(reader.array32()?);
        let blinding = decode_scalar(std::mem::take(&mut *blinding), "blinding")?;
        reader.finish()?;
        Ok(Opening { value, blinding })
    }

    /// JSON file encoding (secret). The public commitment is included so a reader can check
    /// the file was not corrupted:
    /// `{"version":1,"kind":"conclave.range.opening","value":18000,"blinding":"<hex>","commitment":"<hex>"}`.
    pub fn to_json(&self) -> Zeroizing<String> {
        let file = OpeningJson {
            version: u64::from(FORMAT_VERSION),
            kind: KIND_OPENING.to_owned(),
            value: self.value,
            blinding: hex::encode(self.blinding.as_bytes()),
            commitment: self.commitment().to_hex(),
        };
        // Serializing a struct of strings and integers cannot fail.
        // Strings and integers only: serialisation cannot fail.
        Zeroizing::new(
            serde_json::to_string_pretty(&file).expect("an opening file always serialises"),
        )
    }

    /// Parses the JSON file encoding and checks the embedded commitment.
    ///
    /// # Errors
    /// Bad JSON, unknown fields, wrong version/kind, bad hex, non-canonical scalar or point,
    /// or [`RangeError::OpeningMismatch`] if value and blinding do not open the commitment.
    pub fn from_json(text: &[u8]) -> Result<Self, RangeError> {
        let file: OpeningJson = parse_json(text, "opening")?;
        check_json_header(file.version, &file.kind, KIND_OPENING, "opening")?;
        let mut raw = Zeroizing::new(hex32(&file.blinding, "blinding")?);
        let blinding = decode_scalar(std::mem::take(&mut *raw), "blinding")?;
        let opening = Opening {
            value: file.value,
            blinding,
        };
        let commitment = Commitment::from_hex(&file.commitment)?;
        opening.check_opens(&commitment)?;
        Ok(opening)
    }

    /// Parses either encoding (JSON when the text starts with `{`).
    ///
    /// # Errors
    /// As [`Opening::from_json`] / [`Opening::from_bytes`].
    pub fn decode(bytes: &[u8]) -> Result<Self, RangeError> {
        if looks_like_json(bytes) {
            Self::from_json(bytes)
        } else {
            Self::from_bytes(bytes)
        }
    }
}

/// The JSON shape of an opening; zeroized on drop because it holds the blinding in hex.
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(deny_unknown_fields)]
struct OpeningJson {
    version: u64,
    kind: String,
    value: u64,
    blinding: String,
    commitment: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn rng() -> ChaCha20Rng {
        ChaCha20Rng::seed_from_u64(7)
    }

    #[test]
    fn commitments_add_up_like_their_openings() {
        let mut rng = rng();
        let openings: Vec<Opening> = [18_000, 12_500, 9_000]
            .iter()
            .map(|&v| Opening::random(v, &mut rng))
            .collect();
        let commitments: Vec<Commitment> = openings.iter().map(Opening::commitment).collect();
        let total = Opening::sum(&openings).unwrap();
        assert_eq!(total.value(), 39_500);
        assert_eq!(total.commitment(), Commitment::sum(&commitments));
        assert_eq!(
            total.commitment(),
            commitments[0] + commitments[1] + commitments[2]
        );
        let diff = openings[0].checked_sub(&openings[1]).unwrap();
        assert_eq!(diff.commitment(), commitments[0] - commitments[1]);
        assert!(matches!(
            openings[1].checked_sub(&openings[0]),
            Err(RangeError::ValueUnderflow)
        ));
        // A wrong total does not open the sum.
        let wrong = Opening::from_parts(39_501, *total.blinding());
        assert!(wrong.check_opens(&Commitment::sum(&commitments)).is_err());
    }

    #[test]
    fn overflow_is_an_error() {
        let mut rng = rng();
        let a = Opening::random(u64::MAX, &mut rng);
        let b = Opening::random(1, &mut rng);
        assert!(matches!(
            Opening::sum([&a, &b]),
            Err(RangeError::ValueOverflow)
        ));
    }

    #[test]
    fn value_shifts_match_openings() {
        let mut rng = rng();
        let o = Opening::random(500, &mut rng);
        let c = o.commitment();
        let low = Opening::from_parts(400, *o.blinding());
        assert_eq!(c.minus_value(100), low.commitment());
        let high = Opening::from_parts(100, -o.blinding());
        assert_eq!(c.subtracted_from_value(600), high.commitment());
    }

    #[test]
    fn encodings_round_trip_and_reject_garbage() {
        let mut rng = rng();
        let o = Opening::random(42, &mut rng);
        let c = o.commitment();
        assert_eq!(Commitment::decode(&c.to_bytes()).unwrap(), c);
        assert_eq!(Commitment::decode(c.to_json().as_bytes()).unwrap(), c);
        let back = Opening::decode(&o.to_bytes()).unwrap();
        assert!(bool::from(back.ct_eq(&o)));
        let back = Opening::decode(o.to_json().as_bytes()).unwrap();
        assert!(bool::from(back.ct_eq(&o)));

        let mut long = c.to_bytes();
        long.push(0);
        assert!(matches!(
            Commitment::from_bytes(&long),
            Err(RangeError::TrailingBytes { extra: 1, .. })
        ));
        assert!(matches!(
            Commitment::from_bytes(&long[..10]),
            Err(RangeError::Truncated { .. })
        ));
        let mut versioned = c.to_bytes();
        versioned[0] = 2;
        assert!(matches!(
            Commitment::from_bytes(&versioned),
            Err(RangeError::UnsupportedVersion { .. })
        ));
        assert!(matches!(
            Commitment::from_bytes(&o.to_bytes()),
            Err(RangeError::WrongKind { .. })
        ));
        let mut tagged = c.to_bytes();
        tagged[1] = TAG_OPENING;
        assert!(matches!(
            Commitment::from_bytes(&tagged),
            Err(RangeError::WrongKind { .. })
        ));

        // Opening JSON whose value was edited no longer matches its commitment.
        let edited = o.to_json().replace("\"value\": 42", "\"value\": 43");
        assert!(matches!(
            Opening::from_json(edited.as_bytes()),
            Err(RangeError::OpeningMismatch { .. })
        ));
        // Unknown fields and trailing text are refused.
        let extra = c.to_json().replacen('{', "{\"extra\": 1,", 1);
        assert!(matches!(
            Commitment::from_json(extra.as_bytes()),
            Err(RangeError::Json(_))
        ));
        let trailing = format!("{} x", c.to_json());
        assert!(matches!(
            Commitment::from_json(trailing.as_bytes()),
            Err(RangeError::Json(_))
        ));
        // Non-reduced blinding.
        let mut raw = o.to_bytes().to_vec();
        raw[10..42].copy_from_slice(&[0xff; 32]);
        assert!(matches!(
            Opening::from_bytes(&raw),
            Err(RangeError::NonCanonicalScalar { .. })
        ));
    }

    #[test]
    fn debug_is_redacted() {
        let o = Opening::from_parts(18_000, Scalar::from(5u64));
        assert_eq!(format!("{o:?}"), "Opening(<redacted>)");
    }
}
