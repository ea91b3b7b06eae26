//! [`Point`]: a checked point of Baby Jubjub's prime-order subgroup, and circomlib's packing.

use ark_bn254::Fr;
use ark_ec::twisted_edwards::TECurveConfig;
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, Field, PrimeField, Zero};

use super::{Affine, BabyJubjubConfig, COEFF_A, COEFF_D};
use crate::field;

/// Bytes of a packed point (circomlib `packPoint`).
pub const PACKED_POINT_BYTES: usize = 32;

/// Why bytes or coordinates are not an acceptable point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PointError {
    /// A coordinate is not a canonical element of the BN254 scalar field.
    #[error(
        "{what}: a coordinate is not a canonical field element (a decimal integer below the \
         BN254 scalar field modulus, or 32 little-endian bytes below it with the sign bit clear \
         for x = 0)"
    )]
    NonCanonical {
        /// Which point.
        what: &'static str,
    },
    /// The coordinates do not satisfy the curve equation.
    #[error("{what} is not a point on Baby Jubjub (a = 168700, d = 168696)")]
    NotOnCurve {
        /// Which point.
        what: &'static str,
    },
    /// The point is on the curve but has a small-order component.
    #[error(
        "{what} is not in Baby Jubjub's prime-order subgroup (it has a small-order component)"
    )]
    NotInSubgroup {
        /// Which point.
        what: &'static str,
    },
    /// The point is the identity `(0, 1)`.
    #[error("{what} is the identity point, which no key or signature may use")]
    Identity {
        /// Which point.
        what: &'static str,
    },
}

/// A point of Baby Jubjub's prime-order subgroup other than the identity, in circomlib's
/// coordinates.
///
/// Every constructor checks the curve equation, subgroup membership and non-identity, so
/// a `Point` never carries a small-order component.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Point(Affine);

impl Point {
    /// Checks an arkworks point.
    ///
    /// # Errors
    /// [`PointError::NotOnCurve`], [`PointError::NotInSubgroup`] or [`PointError::Identity`];
    /// `what` names the point in the message.
    pub fn from_affine(point: Affine, what: &'static str) -> Result<Self, PointError> {
        if !point.is_on_curve() {
            return Err(PointError::NotOnCurve { what });
        }
        if !BabyJubjubConfig::is_in_correct_subgroup_assuming_on_curve(&point) {
            return Err(PointError::NotInSubgroup { what });
        }
        if point.is_zero() {
            return Err(PointError::Identity { what });
        }
        Ok(Point(point))
    }

    /// Checks affine coordinates `(x, y)`.
    ///
    /// # Errors
    /// As [`Point::from_affine`].
    pub fn new(x: Fr, y: Fr, what: &'static str) -> Result<Self, PointError> {
        Self::from_affine(Affine::new_unchecked(x, y), what)
    }

    /// Parses canonical decimal coordinates (the form circomlibjs and snarkjs print).
    ///
    /// # Errors
    /// [`PointError::NonCanonical`], then as [`Point::from_affine`].
    pub fn from_decimal(x: &str, y: &str, what: &'static str) -> Result<Self, PointError> {
        let parse =
            |text| field::parse_decimal(what, text).map_err(|_| PointError::NonCanonical { what });
        Self::new(parse(x)?, parse(y)?, what)
    }

    /// The x coordinate.
    pub fn x(&self) -> Fr {
        self.0.x
    }

    /// The y coordinate.
    pub fn y(&self) -> Fr {
        self.0.y
    }

    /// The arkworks point.
    pub fn affine(&self) -> Affine {
        self.0
    }

    /// The coordinates as decimal strings `(x, y)`.
    pub fn to_decimal(&self) -> (String, String) {
        (field::to_decimal(&self.0.x), field::to_decimal(&self.0.y))
    }

    /// circomlib's `packPoint`.
    ///
    /// # Layout
    /// `y` as 32 little-endian bytes; the top bit of the last byte is set when
    /// `x > (p − 1)/2` (`p` the BN254 scalar field modulus).
    pub fn pack(&self) -> [u8; PACKED_POINT_BYTES] {
        let mut bytes = [0u8; PACKED_POINT_BYTES];
        bytes.copy_from_slice(&self.0.y.into_bigint().to_bytes_le());
        if is_negative(&self.0.x) {
            bytes[31] |= 0x80;
        }
        bytes
    }

    /// circomlib's `unpackPoint`, with the checks of [`Point::from_affine`].
    ///
    /// # Errors
    /// [`PointError::NonCanonical`] for `y ≥ p` or a sign bit on `x = 0`;
    /// [`PointError::NotOnCurve`] when no `x` fits `y`; then as [`Point::from_affine`].
    pub fn unpack(
        bytes: &[u8; PACKED_POINT_BYTES],
        what: &'static str,
    ) -> Result<Self, PointError> {
        let mut y_bytes = *bytes;
        let negative = y_bytes[31] & 0x80 != 0;
        y_bytes[31] &= 0x7f;
        let y_int = num_bigint::BigUint::from_bytes_le(&y_bytes);
        if y_int >= Fr::MODULUS.into() {
            return Err(PointError::NonCanonical { what });
        }
        let y = Fr::from(y_int);
        let y2 = y.square();
        let denominator = COEFF_A - COEFF_D * y2;
        let x2 = (Fr::ONE - y2)
            * denominator
                .inverse()
                .ok_or(PointError::NotOnCurve { what })?;
        let root = x2.sqrt().ok_or(PointError::NotOnCurve { what })?;
        let positive = if is_negative(&root) { -root } else { root };
        if negative && positive.is_zero() {
            return Err(PointError::NonCanonical { what });
        }
        let x = if negative { -positive } else { positive };
        Self::new(x, y, what)
    }
}

/// `x > (p − 1)/2`: circomlib's sign of a coordinate.
fn is_negative(x: &Fr) -> bool {
    x.into_bigint() > Fr::MODULUS_MINUS_ONE_DIV_TWO
}

#[cfg(test)]
mod tests {
    use super::super::{Fs, BASE8, GENERATOR};
    use super::*;
    use ark_ec::CurveGroup;
    use ark_ff::AdditiveGroup;
    use ark_ff::UniformRand;
    use rand::SeedableRng;

    #[test]
    fn pack_round_trips_and_decoding_checks_every_condition() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        for _ in 0..32 {
            let point =
                Point::from_affine((BASE8 * Fs::rand(&mut rng)).into_affine(), "p").unwrap();
            assert_eq!(Point::unpack(&point.pack(), "p").unwrap(), point);
            let (x, y) = point.to_decimal();
            assert_eq!(Point::from_decimal(&x, &y, "p").unwrap(), point);
        }
        let what = "p";
        // Off the curve.
        assert_eq!(
            Point::new(BASE8.x, BASE8.y + Fr::ONE, what),
            Err(PointError::NotOnCurve { what })
        );
        // On the curve, outside the subgroup (the full-group generator, and a point of order 2).
        assert_eq!(
            Point::from_affine(GENERATOR, what),
            Err(PointError::NotInSubgroup { what })
        );
        assert_eq!(
            Point::new(Fr::ZERO, -Fr::ONE, what),
            Err(PointError::NotInSubgroup { what })
        );
        let mixed = (BASE8 + GENERATOR).into_affine();
        assert_eq!(
            Point::unpack(&Point::pack_unchecked(&mixed), what),
            Err(PointError::NotInSubgroup { what })
        );
        assert_eq!(
            Point::new(Fr::ZERO, Fr::ONE, what),
            Err(PointError::Identity { what })
        );
        // y ≥ p, and "−0".
        let mut p_bytes = [0u8; 32];
        p_bytes.copy_from_slice(&Fr::MODULUS.to_bytes_le());
        assert_eq!(
            Point::unpack(&p_bytes, what),
            Err(PointError::NonCanonical { what })
        );
        let mut minus_zero = [0u8; 32];
        minus_zero[0] = 1;
        minus_zero[31] = 0x80;
        assert_eq!(
            Point::unpack(&minus_zero, what),
            Err(PointError::NonCanonical { what })
        );
        // A y with no x on the curve.
        let mut y = Fr::from(2u64);
        let off = loop {
            let x2 = (Fr::ONE - y.square()) / (COEFF_A - COEFF_D * y.square());
            if x2.sqrt().is_none() {
                break y;
            }
            y += Fr::ONE;
        };
        let mut off_bytes = [0u8; 32];
        off_bytes.copy_from_slice(&off.into_bigint().to_bytes_le());
        assert_eq!(
            Point::unpack(&off_bytes, what),
            Err(PointError::NotOnCurve { what })
        );
        // Non-canonical decimals.
        let (x, y) = Point::from_affine(BASE8, what).unwrap().to_decimal();
        assert_eq!(
            Point::from_decimal(&format!("0{x}"), &y, what),
            Err(PointError::NonCanonical { what })
        );
    }

    impl Point {
        /// `pack` for any curve point (tests build encodings of bad points with it).
        fn pack_unchecked(point: &Affine) -> [u8; 32] {
            Point(*point).pack()
        }
    }
}
