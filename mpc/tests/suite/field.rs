//! Property tests of GF(2^127 − 1) arithmetic against arbitrary-precision integers.

use conclave_mpc::field::{Fp, MODULUS};
use num_bigint::BigUint;
use proptest::prelude::*;

fn big(x: u128) -> BigUint {
    BigUint::from(x)
}

fn p() -> BigUint {
    big(MODULUS)
}

fn to_u128(x: &BigUint) -> u128 {
    let digits = x.to_u64_digits();
    digits
        .iter()
        .rev()
        .fold(0u128, |acc, d| (acc << 64) | u128::from(*d))
}

fn element() -> impl Strategy<Value = u128> {
    prop_oneof![
        0..MODULUS,
        Just(0u128),
        Just(1u128),
        Just(MODULUS - 1),
        Just(MODULUS - 2),
        Just(1u128 << 126),
        Just((1u128 << 64) - 1),
    ]
}

proptest! {
    #[test]
    fn mul_matches_bigint(a in element(), b in element()) {
        let expected = to_u128(&((big(a) * big(b)) % p()));
        prop_assert_eq!((Fp::new(a) * Fp::new(b)).to_u128(), expected);
    }

    #[test]
    fn mul_small_matches_bigint(
        a in element(),
        k in prop_oneof![any::<u64>(), Just(0u64), Just(1u64), Just(u64::MAX)],
    ) {
        let expected = to_u128(&((big(a) * BigUint::from(k)) % p()));
        prop_assert_eq!(Fp::new(a).mul_small(k).to_u128(), expected);
    }

    #[test]
    fn square_matches_bigint(a in element()) {
        let expected = to_u128(&((big(a) * big(a)) % p()));
        prop_assert_eq!(Fp::new(a).square().to_u128(), expected);
    }

    #[test]
    fn add_sub_match_bigint(a in element(), b in element()) {
        prop_assert_eq!((Fp::new(a) + Fp::new(b)).to_u128(), to_u128(&((big(a) + big(b)) % p())));
        prop_assert_eq!((Fp::new(a) - Fp::new(b)).to_u128(), to_u128(&((big(a) + p() - big(b)) % p())));
    }

    #[test]
    fn dot_matches_bigint(
        a in proptest::collection::vec(element(), 0..40),
        b in proptest::collection::vec(element(), 0..40),
    ) {
        let expected = a
            .iter()
            .zip(&b)
            .fold(BigUint::from(0u8), |acc, (x, y)| acc + big(*x) * big(*y))
            % p();
        let (fa, fb): (Vec<Fp>, Vec<Fp>) = (
            a.iter().map(|x| Fp::new(*x)).collect(),
            b.iter().map(|y| Fp::new(*y)).collect(),
        );
        prop_assert_eq!(Fp::dot(&fa, &fb).to_u128(), to_u128(&expected));
    }

    #[test]
    fn weighted_sums_match_bigint(
        weights in proptest::collection::vec(element(), 0..8),
        rows in proptest::collection::vec(proptest::collection::vec(element(), 8), 0..6),
    ) {
        // Column j is element j of every row (random elements overflow the 128-bit sum
        // about every other term).
        let columns: Vec<Vec<Fp>> = (0..weights.len())
            .map(|j| rows.iter().map(|row| Fp::new(row[j])).collect())
            .collect();
        let column_refs: Vec<&[Fp]> = columns.iter().map(Vec::as_slice).collect();
        let fw: Vec<Fp> = weights.iter().map(|w| Fp::new(*w)).collect();
        let mut out = vec![Fp::ZERO; rows.len()];
        Fp::weighted_sums_into(&mut out, &fw, &column_refs);
        for (e, got) in out.iter().enumerate() {
            let expected = fw
                .iter()
                .zip(&columns)
                .fold(BigUint::from(0u8), |acc, (w, c)| acc + big(w.to_u128()) * big(c[e].to_u128()))
                % p();
            prop_assert_eq!(got.to_u128(), to_u128(&expected));
        }
    }

    #[test]
    fn new_reduces_any_u128(x in any::<u128>()) {
        prop_assert_eq!(Fp::new(x).to_u128(), to_u128(&(big(x) % p())));
    }

    #[test]
    fn inverse_and_roots(a in 1..MODULUS) {
        let x = Fp::new(a);
        prop_assert_eq!(x * x.inverse().unwrap(), Fp::ONE);
        let u = x.square();
        let v = u.inverse_sqrt_of_square();
        prop_assert_eq!(v * v * u, Fp::ONE);
    }

    #[test]
    fn signed_round_trip(v in any::<i64>()) {
        prop_assert_eq!(Fp::from_i64(v).to_i128(), i128::from(v));
    }

    #[test]
    fn bytes_round_trip(a in element()) {
        let x = Fp::new(a);
        prop_assert_eq!(Fp::from_canonical_bytes(x.to_bytes()), Some(x));
    }
}

#[test]
fn dot_of_long_vectors_of_the_largest_elements_counts_every_overflow() {
    // (p − 1)² ≡ 1: 10,001 terms of (p − 1)·(p − 1) sum to 10,001, through thousands of
    // 128-bit overflows of each lane.
    let most = vec![Fp::new(MODULUS - 1); 10_001];
    assert_eq!(Fp::dot(&most, &most), Fp::new(10_001));
    let halves = vec![Fp::new(1u128 << 126); 4_099];
    // (2^126)² = 2^252 = 2^(127·1 + 125) ≡ 2^125.
    assert_eq!(
        Fp::dot(&halves, &halves),
        Fp::new(1u128 << 125).mul_small(4_099)
    );
}

#[test]
fn weighted_sums_of_the_largest_elements_count_every_overflow() {
    // Seven terms of (p − 1)·(p − 1) ≡ 1 per element, each folded product near 2^128.
    let most = vec![Fp::new(MODULUS - 1); 5];
    let columns = vec![most.as_slice(); 7];
    let mut out = vec![Fp::ZERO; 5];
    Fp::weighted_sums_into(&mut out, &[Fp::new(MODULUS - 1); 7], &columns);
    assert_eq!(out, vec![Fp::new(7); 5]);
}

#[test]
fn non_canonical_bytes_rejected() {
    assert!(Fp::from_canonical_bytes(MODULUS.to_le_bytes()).is_none());
    assert!(Fp::from_canonical_bytes(u128::MAX.to_le_bytes()).is_none());
}
