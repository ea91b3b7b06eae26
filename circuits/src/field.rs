//! BN254 scalar-field helpers: strict decimal parsing and printing, integers to field elements.

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use num_bigint::BigUint;

use crate::ZkError;

/// Parses a decimal string into a field element, rejecting anything not strictly below the modulus.
///
/// # Errors
/// [`ZkError::NotAFieldElement`] for empty strings, signs, non-digits, leading zeros or values ≥ r.
pub fn parse_decimal(what: &str, text: &str) -> Result<Fr, ZkError> {
    parse_field(what, text)
}

/// Parses a canonical decimal integer strictly below the modulus of any prime field `F`.
///
/// # Errors
/// As [`parse_decimal`].
pub fn parse_field<F: PrimeField>(what: &str, text: &str) -> Result<F, ZkError> {
    let reject = || ZkError::NotAFieldElement {
        what: what.to_owned(),
        value: text.to_owned(),
    };
    let canonical_digits = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if !canonical_digits {
        return Err(reject());
    }
    let integer = BigUint::parse_bytes(text.as_bytes(), 10).ok_or_else(reject)?;
    if integer >= F::MODULUS.into() {
        return Err(reject());
    }
    Ok(F::from(integer))
}

/// Prints a field element as a canonical decimal string (the snarkjs convention).
pub fn to_decimal(value: &Fr) -> String {
    to_decimal_in(value)
}

/// Prints an element of any prime field as a canonical decimal string.
pub fn to_decimal_in<F: PrimeField>(value: &F) -> String {
    BigUint::from_bytes_le(&value.into_bigint().to_bytes_le()).to_string()
}

/// The field element as an unsigned 64-bit integer, if it is one.
pub fn to_u64(value: &Fr) -> Option<u64> {
    let limbs = value.into_bigint().0;
    limbs[1..].iter().all(|&limb| limb == 0).then_some(limbs[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_round_trip_and_strictness() {
        let x = parse_decimal("x", "712").unwrap();
        assert_eq!(x, Fr::from(712u64));
        assert_eq!(to_decimal(&x), "712");
        assert_eq!(to_u64(&x), Some(712));
        let modulus = BigUint::from(Fr::MODULUS).to_string();
        let below = (BigUint::from(Fr::MODULUS) - 1u8).to_string();
        assert_eq!(to_decimal(&parse_decimal("x", &below).unwrap()), below);
        assert_eq!(to_u64(&parse_decimal("x", &below).unwrap()), None);
        for bad in ["", "-1", "+1", "01", "1.0", "0x10", " 1", &modulus] {
            assert!(parse_decimal("x", bad).is_err(), "{bad:?} must be rejected");
        }
    }
}
