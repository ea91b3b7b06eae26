//! Homomorphic evaluation of the linear model: the optimised evaluation used by
//! [`super::score`], and the straightforward high-level baseline kept for benchmarks.
//!
//! # Optimised evaluation
//! With tfhe's default parameters each radix block carries a 2-bit message and 2 carry
//! bits (values 0..15 fit in one block). For a feature `x` with 2-bit blocks
//! `b_0 … b_{k−1}` and a public weight `w`:
//! 1. **Pack** blocks in pairs without bootstrapping: `p_m = b_{2m} + 4·b_{2m+1}`
//!    (`unchecked_scalar_mul` + `unchecked_add`; value ≤ 15, noise level 4 + 1 = 5 =
//!    the parameters' `max_noise_level`), so `x = Σ_m 16^m·p_m`.
//! 2. **Constant-weight lookup**: `w·p_m` is a function of one 4-bit block, so each of
//!    its base-4 digits is a single programmable bootstrap with the lookup table
//!    `v ↦ ⌊w·v / 4^q⌋ mod 4`, placed at block `2m + q`. No multiplication circuit, no
//!    carry propagation; ⌈log₄(15w+1)⌉ bootstraps per pair, all independent
//!    (rayon).
//! 3. **Deferred carries**: all partial products and the bias (a trivial ciphertext)
//!    are added by one multi-operand carry-save sum
//!    (`unchecked_sum_ciphertexts_vec_parallelized`) with a single final carry
//!    propagation, at exactly the width the model needs (`score_bits`, checked so no
//!    score can overflow).
//! 4. One `scalar_ge_parallelized` for the decision.
//!
//! The baseline follows the issue: `FheUint16` features, one scalar multiplication per
//! feature, a chain of additions, one comparison (high-level API).

use rayon::prelude::*;
use tfhe::integer::ciphertext::IntegerCiphertext;
use tfhe::integer::{BooleanBlock, RadixCiphertext, ServerKey};
use tfhe::prelude::*;
use tfhe::{FheBool, FheUint16};

use super::model::LinearModel;
use crate::error::{Error, Result};

/// Optimised evaluation on integer-level ciphertexts (see the module docs).
///
/// `features[i]` must be a clean radix ciphertext of `model.feature_bits / 2` blocks.
/// Returns the score (`model.score_bits / 2` blocks) and the decision bit.
///
/// # Errors
/// [`Error::BadModel`] or [`Error::BadFeatures`] if the inputs do not match the model.
pub fn evaluate_optimised(
    key: &ServerKey,
    model: &LinearModel,
    features: &[RadixCiphertext],
) -> Result<(RadixCiphertext, BooleanBlock)> {
    model.validate()?;
    let in_blocks = (model.feature_bits / 2) as usize;
    let out_blocks = (model.score_bits / 2) as usize;
    if features.len() != model.weights.len() {
        return Err(Error::BadFeatures {
            reason: format!(
                "{} ciphertexts for {} weights",
                features.len(),
                model.weights.len()
            ),
        });
    }
    if let Some(i) = features.iter().position(|f| f.blocks().len() != in_blocks) {
        return Err(Error::BadFeatures {
            reason: format!("feature {i} does not have {in_blocks} blocks"),
        });
    }
    let short: &tfhe::shortint::ServerKey = key.as_ref();
    // One job per (feature, block pair) with a non-zero weight.
    let jobs: Vec<(usize, usize)> = model
        .weights
        .iter()
        .enumerate()
        .filter(|(_, &w)| w != 0)
        .flat_map(|(i, _)| (0..in_blocks / 2).map(move |m| (i, m)))
        .collect();
    let mut terms: Vec<RadixCiphertext> = jobs
        .par_iter()
        .map(|&(i, m)| {
            let w = model.weights[i];
            let blocks = features[i].blocks();
            let hi = short.unchecked_scalar_mul(&blocks[2 * m + 1], 4);
            let packed = short.unchecked_add(&blocks[2 * m], &hi);
            let max_product = u128::from(w) * 15;
            let digits = (128 - max_product.leading_zeros()).div_ceil(2) as usize;
            let digit_blocks: Vec<_> = (0..digits)
                .into_par_iter()
                .filter(|q| 2 * m + q < out_blocks)
                .map(|q| {
                    let lut = short.generate_lookup_table(|v| {
                        ((u128::from(v) * u128::from(w)) >> (2 * q)) as u64 & 3
                    });
                    (2 * m + q, short.apply_lookup_table(&packed, &lut))
                })
                .collect();
            let mut out: Vec<_> = (0..out_blocks).map(|_| short.create_trivial(0)).collect();
            for (pos, block) in digit_blocks {
                out[pos] = block;
            }
            RadixCiphertext::from(out)
        })
        .collect();
    terms.push(key.create_trivial_radix(model.bias, out_blocks));
    let score = key
        .unchecked_sum_ciphertexts_vec_parallelized(terms)
        .ok_or_else(|| Error::Tfhe {
            reason: "empty sum".into(),
        })?;
    let decision = key.scalar_ge_parallelized(&score, model.threshold);
    Ok((score, decision))
}

/// The naive baseline on the high-level API: `FheUint16` features, `x·w` per feature,
/// a chain of `+=`, `+ bias`, `ge(threshold)`. Sets the thread-local server key for
/// its own duration only and unsets it before returning.
///
/// # Errors
/// [`Error::BadModel`] if the model is not 16-bit (the baseline only covers that case)
/// or the feature count differs.
pub fn evaluate_naive(
    key: &tfhe::ServerKey,
    model: &LinearModel,
    features: &[FheUint16],
) -> Result<(FheUint16, FheBool)> {
    model.validate()?;
    if model.score_bits != 16 || features.len() != model.weights.len() || features.is_empty() {
        return Err(Error::BadModel {
            reason: "the naive baseline needs score_bits = 16 and one FheUint16 per weight".into(),
        });
    }
    tfhe::set_server_key(key.clone());
    let mut score: FheUint16 = &features[0] * model.weights[0] as u16;
    for (x, &w) in features.iter().zip(&model.weights).skip(1) {
        let product: FheUint16 = x * w as u16;
        score += &product;
    }
    score += model.bias as u16;
    let decision = score.ge(model.threshold as u16);
    tfhe::unset_server_key();
    Ok((score, decision))
}
