//! Arithmetic in the prime field GF(p), p = 2^127 − 1 (a Mersenne prime).
//!
//! This is plain modular arithmetic, not a cryptographic primitive: the secrecy of the
//! protocols comes from Shamir sharing over this field. Elements are stored reduced in
//! `[0, p)`. Multiplication computes the full 254-bit product with four 64×64-bit
//! partial products and reduces it with the Mersenne identity `2^127 ≡ 1 (mod p)`:
//! writing `x = a·2^127 + b` with `b < 2^127` gives `x ≡ a + b`, and one conditional
//! subtraction finishes (see docs/mpc.md, "Field"). The reduction is property-tested
//! against `num-bigint` in `tests/field.rs`.
//!
//! Operations are constant time except [`Fp::from_canonical_bytes`] and the `vartime_`
//! functions, whose timing depends only on public data.

/// The modulus p = 2^127 − 1.
pub const MODULUS: u128 = (1u128 << 127) - 1;

/// Number of bytes of the canonical encoding of one element.
pub const ELEMENT_BYTES: usize = 16;

/// An element of GF(2^127 − 1), always reduced.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Fp(u128);

impl std::fmt::Debug for Fp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Fp({:#x})", self.0)
    }
}

// Zeroizing writes `Fp::default()` (zero); also gives slices of elements `zeroize()`.
impl zeroize::DefaultIsZeroes for Fp {}

#[inline(always)]
fn reduce_once(x: u128) -> u128 {
    // x < 2^128: fold the top bit, then one conditional subtraction.
    let folded = (x & MODULUS) + (x >> 127);
    let (minus, borrow) = folded.overflowing_sub(MODULUS);
    if borrow {
        folded
    } else {
        minus
    }
}

#[inline(always)]
fn add_mod(a: u128, b: u128) -> u128 {
    // Both < 2^127, so the sum < 2^128 does not overflow.
    reduce_once(a + b)
}

#[inline(always)]
fn sub_mod(a: u128, b: u128) -> u128 {
    reduce_once(a + (MODULUS - b))
}

/// The product modulo p, with the Mersenne reduction described in the module docs.
#[inline(always)]
fn mul_mod(x: u128, y: u128) -> u128 {
    reduce_once(mul_folded(x, y))
}

/// `x·y` folded once with `2^127 ≡ 1`: a value below `2^128` congruent to the product,
/// not yet reduced (for [`mul_mod`] and the lazily reduced [`Fp::dot`]).
#[inline(always)]
fn mul_folded(x: u128, y: u128) -> u128 {
    const M64: u128 = u64::MAX as u128;
    let (a0, a1) = (x & M64, x >> 64);
    let (b0, b1) = (y & M64, y >> 64);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    // Column sums: mid < 3·2^64, so no overflow.
    let mid = (p00 >> 64) + (p01 & M64) + (p10 & M64);
    let lo = (p00 & M64) | (mid << 64);
    let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    // x·y = hi·2^128 + lo = a·2^127 + b with b = lo mod 2^127, a = 2·hi + lo/2^127 < 2^127.
    let a = (hi << 1) | (lo >> 127);
    let b = lo & MODULUS;
    a + b
}

/// `Σ w·x` over `terms`, each product folded below `2^128` and added with its carry
/// counted (`2^128 ≡ 2`), reduced once.
#[inline(always)]
fn lazy_sum(terms: impl Iterator<Item = (Fp, Fp)>) -> Fp {
    let (mut sum, mut carries) = (0u128, 0u64);
    for (w, x) in terms {
        let (s, carry) = sum.overflowing_add(mul_folded(w.0, x.0));
        sum = s;
        carries += u64::from(carry);
    }
    Fp::new(sum) + Fp::new(2 * u128::from(carries))
}

/// [`Fp::weighted_sums_into`] for exactly `N` columns (`columns.len() == N`).
fn weighted_sums_of<const N: usize>(out: &mut [Fp], weights: &[Fp], columns: &[&[Fp]]) {
    let len = out.len();
    let weights: [Fp; N] = std::array::from_fn(|j| weights[j]);
    let columns: [&[Fp]; N] = std::array::from_fn(|j| &columns[j][..len]);
    for (e, o) in out.iter_mut().enumerate() {
        *o = lazy_sum((0..N).map(|j| (weights[j], columns[j][e])));
    }
}

/// `x·k` modulo p for a 64-bit `k`: two 64×64-bit products instead of four.
#[inline(always)]
fn mul_small_mod(x: u128, k: u64) -> u128 {
    const M64: u128 = u64::MAX as u128;
    let k = u128::from(k);
    let p0 = (x & M64) * k;
    let p1 = (x >> 64) * k; // < 2^127
                            // x·k = sum + high·2^128.
    let (sum, carry) = p0.overflowing_add(p1 << 64);
    let high = (p1 >> 64) + u128::from(carry);
    // 2^127 ≡ 1, so 2^128 ≡ 2 and sum ≡ (sum mod 2^127) + ⌊sum / 2^127⌋; the total stays
    // below 2^127 + 1 + 2^66 < 2^128.
    reduce_once((sum & MODULUS) + (sum >> 127) + (high << 1))
}

/// `x²` modulo p: as [`mul_mod`] with the two cross products computed once.
#[inline(always)]
fn square_mod(x: u128) -> u128 {
    const M64: u128 = u64::MAX as u128;
    let (a0, a1) = (x & M64, x >> 64);
    let p00 = a0 * a0;
    let cross = a0 * a1; // < 2^127 because a1 < 2^63
    let p11 = a1 * a1;
    // 2·cross < 2^128: no overflow.
    let cross2 = cross << 1;
    let mid = (p00 >> 64) + (cross2 & M64);
    let lo = (p00 & M64) | (mid << 64);
    let hi = p11 + (cross2 >> 64) + (mid >> 64);
    let a = (hi << 1) | (lo >> 127);
    let b = lo & MODULUS;
    reduce_once(a + b)
}

/// `x^(2^k − 1)` for `L` independent values in lockstep, so the CPU overlaps the `L`
/// dependency chains (the same addition chain as [`Fp::pow_2k_minus_1`]).
fn pow_2k_minus_1_lanes<const L: usize>(x: [Fp; L], k: u32) -> [Fp; L] {
    match k {
        0 => [Fp::ONE; L],
        1 => x,
        _ if k.is_multiple_of(2) => {
            let half = pow_2k_minus_1_lanes(x, k / 2);
            let mut y = half;
            for _ in 0..k / 2 {
                for lane in y.iter_mut() {
                    *lane = lane.square();
                }
            }
            for (lane, h) in y.iter_mut().zip(half) {
                *lane *= h;
            }
            y
        }
        _ => {
            let mut y = pow_2k_minus_1_lanes(x, k - 1);
            for (lane, xl) in y.iter_mut().zip(x) {
                *lane = lane.square() * xl;
            }
            y
        }
    }
}

/// [`Fp::inverse_sqrt_of_square`] of every element of `values`, eight at a time in
/// lockstep and chunks in parallel (rayon).
pub fn batch_inverse_sqrt_of_square(values: &[Fp]) -> Vec<Fp> {
    use rayon::prelude::*;
    const LANES: usize = 8;
    let mut out = values.to_vec();
    out.par_chunks_mut(1 << 12).for_each(|chunk| {
        let mut lanes = chunk.chunks_exact_mut(LANES);
        for group in &mut lanes {
            let mut x = [Fp::ZERO; LANES];
            x.copy_from_slice(group);
            group.copy_from_slice(&pow_2k_minus_1_lanes(x, 125));
        }
        for v in lanes.into_remainder() {
            *v = v.inverse_sqrt_of_square();
        }
    });
    out
}

impl Fp {
    /// The additive identity.
    pub const ZERO: Fp = Fp(0);
    /// The multiplicative identity.
    pub const ONE: Fp = Fp(1);

    /// Reduces any `u128` modulo p.
    #[inline]
    pub fn new(x: u128) -> Fp {
        Fp(reduce_once(x))
    }

    /// Embeds a signed integer: negative values map to `p − |x|`.
    #[inline]
    pub fn from_i128(x: i128) -> Fp {
        if x >= 0 {
            Fp::new(x as u128)
        } else {
            -Fp::new(x.unsigned_abs())
        }
    }

    /// Embeds a signed 64-bit integer.
    #[inline]
    pub fn from_i64(x: i64) -> Fp {
        Fp::from_i128(i128::from(x))
    }

    /// The canonical representative in `[0, p)`.
    #[inline]
    pub fn to_u128(self) -> u128 {
        self.0
    }

    /// The signed representative in `(−p/2, p/2]`.
    #[inline]
    pub fn to_i128(self) -> i128 {
        if self.0 > MODULUS / 2 {
            -((MODULUS - self.0) as i128)
        } else {
            self.0 as i128
        }
    }

    /// `self · k` for a small (64-bit) integer `k`, cheaper than a full product.
    #[inline(always)]
    pub fn mul_small(self, k: u64) -> Fp {
        Fp(mul_small_mod(self.0, k))
    }

    /// `Σ a_i·b_i` over the pairs of `a` and `b` (the shorter one's length), reduced
    /// once at the end: each product is only folded below `2^128` ([`mul_folded`]) and
    /// added into a 128-bit sum whose overflows are counted (`2^128 ≡ 2`), so a term costs
    /// its four word products and one add with carry instead of two reductions. Four
    /// independent sums keep the adds off one dependency chain. Constant time.
    pub fn dot(a: &[Fp], b: &[Fp]) -> Fp {
        let mut sums = [0u128; 4];
        let mut carries = [0u64; 4];
        let mut add = |lane: usize, x: &Fp, y: &Fp| {
            let (sum, carry) = sums[lane].overflowing_add(mul_folded(x.0, y.0));
            sums[lane] = sum;
            carries[lane] += u64::from(carry);
        };
        let len = a.len().min(b.len());
        let (a4, b4) = (a[..len].chunks_exact(4), b[..len].chunks_exact(4));
        let tail = a4.remainder().iter().zip(b4.remainder());
        for (x, y) in a4.zip(b4) {
            for lane in 0..4 {
                add(lane, &x[lane], &y[lane]);
            }
        }
        for (x, y) in tail {
            add(0, x, y);
        }
        sums.iter()
            .zip(carries)
            .fold(Fp::ZERO, |total, (sum, carry)| {
                // sum + carry·2^128 ≡ sum + 2·carry (mod p).
                total + Fp::new(*sum) + Fp::new(2 * u128::from(carry))
            })
    }

    /// `out[e] = Σ_j weights[j]·columns[j][e]` for every `e < out.len()`, each sum
    /// reduced once as in [`Fp::dot`] (a term costs its four word products and one add
    /// with carry). Constant time.
    ///
    /// # Panics
    /// When `weights` and `columns` differ in length or a column is shorter than `out`.
    pub fn weighted_sums_into(out: &mut [Fp], weights: &[Fp], columns: &[&[Fp]]) {
        assert_eq!(weights.len(), columns.len(), "one weight per column");
        // Unrolled for the column counts of resharing with n = 3, 5, 7 (t + 1 columns).
        match columns.len() {
            2 => weighted_sums_of::<2>(out, weights, columns),
            3 => weighted_sums_of::<3>(out, weights, columns),
            4 => weighted_sums_of::<4>(out, weights, columns),
            _ => {
                let len = out.len();
                let columns: Vec<&[Fp]> = columns.iter().map(|c| &c[..len]).collect();
                for (e, o) in out.iter_mut().enumerate() {
                    *o = lazy_sum(weights.iter().zip(&columns).map(|(w, c)| (*w, c[e])));
                }
            }
        }
    }

    /// `self²`.
    #[inline(always)]
    pub fn square(self) -> Fp {
        Fp(square_mod(self.0))
    }

    /// `self^(2^k − 1)` by an addition chain of about `k` squarings (public exponent).
    pub fn pow_2k_minus_1(self, k: u32) -> Fp {
        match k {
            0 => Fp::ONE,
            1 => self,
            _ if k.is_multiple_of(2) => {
                let half = self.pow_2k_minus_1(k / 2);
                let mut x = half;
                for _ in 0..k / 2 {
                    x = x.square();
                }
                x * half
            }
            _ => self.pow_2k_minus_1(k - 1).square() * self,
        }
    }

    /// `self^e` for a public exponent (square and multiply).
    pub fn vartime_pow(self, mut e: u128) -> Fp {
        let mut base = self;
        let mut acc = Fp::ONE;
        while e > 0 {
            if e & 1 == 1 {
                acc *= base;
            }
            base = base.square();
            e >>= 1;
        }
        acc
    }

    /// The multiplicative inverse (Fermat: `x^(p−2)`, `p − 2 = (2^125 − 1)·4 + 1`);
    /// `None` for zero.
    pub fn inverse(self) -> Option<Fp> {
        if self.0 == 0 {
            return None;
        }
        Some(self.pow_2k_minus_1(125).square().square() * self)
    }

    /// For a non-zero square `u`, the element `u^(2^125 − 1)`, which squares to `1/u`
    /// (because `(p − 1)/2 = 2^126 − 1` is odd and `2·(2^125 − 1) ≡ −1` modulo it).
    pub fn inverse_sqrt_of_square(self) -> Fp {
        self.pow_2k_minus_1(125)
    }

    /// `2^k` as a field element (`k < 127`).
    pub fn pow2(k: u32) -> Fp {
        Fp::new(1u128 << (k % 127))
    }

    /// Little-endian canonical encoding.
    ///
    /// # Layout
    /// 16 bytes, the value in `[0, p)` as a little-endian `u128` (top bit always 0).
    pub fn to_bytes(self) -> [u8; ELEMENT_BYTES] {
        self.0.to_le_bytes()
    }

    /// Decodes a canonical encoding; `None` when the value is not below p.
    pub fn from_canonical_bytes(bytes: [u8; ELEMENT_BYTES]) -> Option<Fp> {
        let x = u128::from_le_bytes(bytes);
        (x < MODULUS).then_some(Fp(x))
    }

    /// A uniformly random element (rejection sampling on 127 random bits).
    pub fn random<R: rand_core::RngCore + ?Sized>(rng: &mut R) -> Fp {
        loop {
            // Two word draws: cheaper than `fill_bytes` through the block RNG's byte path.
            let x = ((u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64())) & MODULUS;
            if x != MODULUS {
                return Fp(x);
            }
        }
    }
}

impl std::ops::Add for Fp {
    type Output = Fp;
    #[inline(always)]
    fn add(self, rhs: Fp) -> Fp {
        Fp(add_mod(self.0, rhs.0))
    }
}
impl std::ops::Sub for Fp {
    type Output = Fp;
    #[inline(always)]
    fn sub(self, rhs: Fp) -> Fp {
        Fp(sub_mod(self.0, rhs.0))
    }
}
impl std::ops::Mul for Fp {
    type Output = Fp;
    #[inline(always)]
    fn mul(self, rhs: Fp) -> Fp {
        Fp(mul_mod(self.0, rhs.0))
    }
}
impl std::ops::Neg for Fp {
    type Output = Fp;
    #[inline(always)]
    fn neg(self) -> Fp {
        Fp(sub_mod(0, self.0))
    }
}
impl std::ops::AddAssign for Fp {
    #[inline(always)]
    fn add_assign(&mut self, rhs: Fp) {
        *self = *self + rhs;
    }
}
impl std::ops::SubAssign for Fp {
    #[inline(always)]
    fn sub_assign(&mut self, rhs: Fp) {
        *self = *self - rhs;
    }
}
impl std::ops::MulAssign for Fp {
    #[inline(always)]
    fn mul_assign(&mut self, rhs: Fp) {
        *self = *self * rhs;
    }
}

/// Inverts every non-zero element of `values` in place with one field inversion
/// (Montgomery's trick). Zeros stay zero.
pub fn batch_invert(values: &mut [Fp]) {
    let mut prefix = Vec::with_capacity(values.len());
    let mut acc = Fp::ONE;
    for v in values.iter() {
        prefix.push(acc);
        if *v != Fp::ZERO {
            acc *= *v;
        }
    }
    // acc is a product of non-zero elements, hence non-zero.
    let mut inv = acc.inverse().unwrap_or(Fp::ZERO);
    for (v, before) in values.iter_mut().zip(prefix).rev() {
        if *v != Fp::ZERO {
            let original = *v;
            *v = inv * before;
            inv *= original;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_identities() {
        let a = Fp::from_i64(-5);
        assert_eq!(a.to_i128(), -5);
        assert_eq!((a + Fp::from_i64(5)), Fp::ZERO);
        assert_eq!(Fp::new(MODULUS), Fp::ZERO);
        assert_eq!(Fp::new(u128::MAX), Fp::new(1)); // 2^128 − 1 = 2p + 1
        assert_eq!((Fp::from_i64(-1) * Fp::from_i64(-1)), Fp::ONE);
        let x = Fp::new(123_456_789);
        assert_eq!(x * x.inverse().unwrap(), Fp::ONE);
        assert!(Fp::ZERO.inverse().is_none());
        let u = x.square();
        let v = u.inverse_sqrt_of_square();
        assert_eq!(v * v * u, Fp::ONE);
        // The lockstep batch (8 lanes plus a remainder) agrees with the scalar chain.
        let squares: Vec<Fp> = (1..=19u128)
            .map(|k| Fp::new(k * 0x9e37_79b9_7f4a_7c15).square())
            .collect();
        let batch = batch_inverse_sqrt_of_square(&squares);
        for (u, v) in squares.iter().zip(&batch) {
            assert_eq!(*v, u.inverse_sqrt_of_square());
            assert_eq!(*v * *v * *u, Fp::ONE);
        }
        assert!(Fp::from_canonical_bytes(MODULUS.to_le_bytes()).is_none());
        let mut vals = vec![Fp::new(3), Fp::ZERO, Fp::new(7)];
        batch_invert(&mut vals);
        assert_eq!(vals[0] * Fp::new(3), Fp::ONE);
        assert_eq!(vals[1], Fp::ZERO);
        assert_eq!(vals[2] * Fp::new(7), Fp::ONE);
    }
}
