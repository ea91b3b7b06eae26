//! Homomorphic evaluation of the linear model: the optimised evaluation used by
//! [`super::score`], and the straightforward high-level baseline kept for benchmarks.
//!
//! # Optimised evaluation
//! With tfhe's default parameters each radix block carries a 2-bit message and 2 carry
//! bits (values 0..15 fit in one block). Feature `i` has 2-bit blocks `a_{i,k}` and a
//! public weight `wᵢ`, so `score = b + Σ_k 4^k · Σᵢ wᵢ·a_{i,k}`:
//! 1. **Pack across features** without bootstrapping: at every block position `k`, the
//!    blocks of two features (largest weights together) become one input
//!    `v = a_{i,k} + 4·a_{j,k}` (`unchecked_scalar_mul` + `unchecked_add`; value ≤ 15,
//!    noise level 4 + 1 = 5 = the parameters' `max_noise_level`).
//! 2. **Constant-weight lookup**: `wᵢ·a + wⱼ·a′` is a function of that one 4-bit input,
//!    so each of its base-4 digits is a single programmable bootstrap with the lookup
//!    table `v ↦ ⌊(wᵢ·(v mod 4) + wⱼ·⌊v/4⌋) / 4^q⌋ mod 4`, placed at block `k + q`: the
//!    products *and* the pair's sum come out of ⌈log₄(3(wᵢ+wⱼ)+1)⌉ bootstraps. No
//!    multiplication circuit, no carry propagation, all independent (rayon). An odd
//!    feature out has a 2-bit input (4 values), which leaves room for all its digits in
//!    one many-lookup-table bootstrap.
//! 3. **Deferred carries**: the digits, stacked column by column, and the bias (a
//!    trivial ciphertext) are added by one multi-operand carry-save sum
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
use tfhe::shortint::ciphertext::{Degree, NoiseLevel};
use tfhe::shortint::Ciphertext;
use tfhe::{FheBool, FheUint16};

use super::model::LinearModel;
use crate::error::{Error, Result};

/// Optimised evaluation on integer-level ciphertexts (see the module docs):
/// [`partial_products`], then [`sum_with_bias`], then one comparison.
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
    let terms = partial_products(key, model, features)?;
    let score = sum_with_bias(key, model, terms)?;
    let decision = key.scalar_ge_parallelized(&score, model.threshold);
    Ok((score, decision))
}

/// Steps 1–2: the digits of every `wᵢ·(block pair)` as radix ciphertexts of the score's
/// width, one per (feature, block pair) with a non-zero weight; blocks outside a
/// product's digits are trivial zeros.
///
/// # Errors
/// [`Error::BadModel`] or [`Error::BadFeatures`] if the inputs do not match the model.
pub fn partial_products(
    key: &ServerKey,
    model: &LinearModel,
    features: &[RadixCiphertext],
) -> Result<Vec<RadixCiphertext>> {
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
    let jobs = lookup_jobs(&model.weights, in_blocks);
    let digits: Vec<(usize, Ciphertext)> = jobs
        .par_iter()
        .flat_map_iter(|job| {
            let atom = |i: usize| &features[i].blocks()[job.position];
            // The input packs one or two blocks: v = a (+ 4·a′), at most 15 (noise 4 + 1).
            let packed = match job.second {
                Some(j) => {
                    short.unchecked_add(atom(job.first), &short.unchecked_scalar_mul(atom(j), 4))
                }
                None => atom(job.first).clone(),
            };
            let (w1, w2) = (
                model.weights[job.first],
                job.second.map_or(0, |j| model.weights[j]),
            );
            let value = move |v: u64| w1 * (v & 3) + w2 * (v >> 2);
            let columns: Vec<usize> = (0..job.digits)
                .map(|q| job.position + q)
                .filter(|&c| c < out_blocks)
                .collect();
            let digit = move |q: usize| move |v: u64| (value(v) >> (2 * q)) & 3;
            let blocks: Vec<Ciphertext> = if job.second.is_none() {
                // A lone 2-bit block (4 values) leaves room for up to 4 functions in one
                // bootstrap: all its digits at once.
                let functions: Vec<_> = (0..columns.len()).map(digit).collect();
                functions
                    .chunks(4)
                    .flat_map(|group| {
                        let refs: Vec<&dyn Fn(u64) -> u64> =
                            group.iter().map(|f| f as &dyn Fn(u64) -> u64).collect();
                        let lut = short.generate_many_lookup_table(&refs);
                        short.apply_many_lookup_table(&packed, &lut)
                    })
                    .collect()
            } else {
                (0..columns.len())
                    .into_par_iter()
                    .map(|q| {
                        short.apply_lookup_table(&packed, &short.generate_lookup_table(digit(q)))
                    })
                    .collect()
            };
            columns.into_iter().zip(blocks).collect::<Vec<_>>()
        })
        .collect();
    // Stack the digits column by column into as few radix terms as possible.
    let mut columns: Vec<Vec<Ciphertext>> = (0..out_blocks).map(|_| Vec::new()).collect();
    for (column, block) in digits {
        columns[column].push(block);
    }
    let height = columns.iter().map(Vec::len).max().unwrap_or(0);
    Ok((0..height)
        .map(|_| {
            RadixCiphertext::from(
                columns
                    .iter_mut()
                    .map(|column| column.pop().unwrap_or_else(|| short.create_trivial(0)))
                    .collect::<Vec<_>>(),
            )
        })
        .collect())
}

/// One programmable-bootstrap input: block `position` of feature `first`, plus the same
/// block of feature `second` when paired, and how many base-4 digits the weighted value
/// `w₁·a + w₂·a′` (at most `3·(w₁ + w₂)`) has.
#[derive(Debug, Clone, PartialEq)]
struct LookupJob {
    position: usize,
    first: usize,
    second: Option<usize>,
    digits: usize,
}

/// Pairs, at every block position, the blocks of features with the largest weights
/// together (so a pair's weighted sum needs as few digits as possible); an odd one out
/// goes alone. Zero weights drop out.
fn lookup_jobs(weights: &[u64], in_blocks: usize) -> Vec<LookupJob> {
    let mut order: Vec<usize> = (0..weights.len()).filter(|&i| weights[i] != 0).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(weights[i]));
    let digits = |max: u64| (64 - max.leading_zeros()).div_ceil(2) as usize;
    (0..in_blocks)
        .flat_map(|position| {
            order.chunks(2).map(move |group| {
                let max: u64 = group.iter().map(|&i| 3 * weights[i]).sum();
                LookupJob {
                    position,
                    first: group[0],
                    second: group.get(1).copied(),
                    digits: digits(max),
                }
            })
        })
        .collect()
}

/// Step 3: adds the partial products and the bias with one carry-save sum and a single
/// final carry propagation, at the score's width.
///
/// # Errors
/// [`Error::Tfhe`] if there is nothing to sum.
pub fn sum_with_bias(
    key: &ServerKey,
    model: &LinearModel,
    mut terms: Vec<RadixCiphertext>,
) -> Result<RadixCiphertext> {
    let out_blocks = (model.score_bits / 2) as usize;
    terms.push(key.create_trivial_radix(model.bias, out_blocks));
    key.unchecked_sum_ciphertexts_vec_parallelized(terms)
        .ok_or_else(|| Error::Tfhe {
            reason: "empty sum".into(),
        })
}

/// Brings a clean radix ciphertext into the form tfhe's parameter-conformance check
/// accepts for a high-level `FheUint`: every block with the full message degree and
/// nominal noise.
///
/// tfhe tracks each block's degree (an upper bound on its plaintext) and noise level
/// exactly, so a score whose top block can only hold small values, a block that is
/// still trivial (noise zero) or a one-bit decision would be rejected by
/// `safe_deserialize_conformant` on the client's side. Raising a bound is always
/// sound; lowering one never happens here: a block with carries or more than nominal
/// noise is an error.
///
/// # Errors
/// [`Error::Tfhe`] if a block is not clean.
pub fn into_transport_form(mut ct: RadixCiphertext) -> Result<RadixCiphertext> {
    for (i, block) in ct.blocks_mut().iter_mut().enumerate() {
        let full = Degree::new(block.message_modulus.0 - 1);
        if block.degree > full || block.noise_level() > NoiseLevel::NOMINAL {
            return Err(Error::Tfhe {
                reason: format!(
                    "block {i} is not clean (degree {:?}, noise {:?})",
                    block.degree,
                    block.noise_level()
                ),
            });
        }
        block.degree = full;
        block.set_noise_level_to_nominal();
    }
    Ok(ct)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_jobs_pair_the_largest_weights_and_drop_zeros() {
        let jobs = lookup_jobs(&[3, 30, 0, 25, 7], 2);
        let at0: Vec<_> = jobs.iter().filter(|j| j.position == 0).collect();
        assert_eq!(
            at0.iter()
                .map(|j| (j.first, j.second, j.digits))
                .collect::<Vec<_>>(),
            // 3·(30+25) = 165 → 4 digits; 3·(7+3) = 30 → 3 digits.
            vec![(1, Some(3), 4), (4, Some(0), 3)]
        );
        assert_eq!(jobs.len(), 4);
        assert!(jobs.iter().all(|j| j.first != 2 && j.second != Some(2)));
        // An odd one out goes alone: 3·12 = 36 → 3 digits.
        let lone = lookup_jobs(&[12], 1);
        assert_eq!(
            lone,
            vec![LookupJob {
                position: 0,
                first: 0,
                second: None,
                digits: 3
            }]
        );
    }
}
