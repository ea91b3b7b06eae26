//! The `stats` job: sum, count, mean, variance, min, max and the count of values at or
//! above a public threshold, over every party's values (and client-input shares).
//! Only these aggregates are opened; per-party counts are public.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{check_range, parse_len, ClientShares};
use crate::engine::Engine;
use crate::field::Fp;
use crate::transport::Transport;
use crate::{Error, PartyId};

/// `stats`: sum, count, mean, variance, min, max and the count of values ≥ `threshold`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StatsJob {
    /// Values are signed integers of this many bits (2..=48).
    #[serde(default = "default_bits")]
    pub bits: u32,
    /// The public threshold.
    pub threshold: i64,
    /// With a private join: the party holding the column (absent without a join).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<u32>,
    /// With a private join: the column whose statistics are computed over the
    /// customers every party holds (absent without a join).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
}

pub(super) fn default_bits() -> u32 {
    32
}

/// The stats computation on already-agreed parameters: returns the public outputs.
///
/// # Errors
/// Values out of range (local), protocol errors.
pub fn stats<T: Transport>(
    engine: &mut Engine<T>,
    job: &StatsJob,
    values: &[i64],
    client: &ClientShares,
) -> Result<Value, Error> {
    for v in values {
        check_range(i128::from(*v), job.bits)?;
    }
    check_range(i128::from(job.threshold), job.bits)?;
    let lens_raw = engine.exchange_public(&(values.len() as u64).to_le_bytes())?;
    let lens = lens_raw
        .iter()
        .enumerate()
        .map(|(j, b)| parse_len(PartyId::from_index(j), b))
        .collect::<Result<Vec<usize>, Error>>()?;
    // Client-input shares: every party must hold shares of the same batch.
    let mut batch = client.batch.to_vec();
    batch.extend_from_slice(&(client.shares.len() as u64).to_le_bytes());
    engine.agree(&batch, "the client share batch (id and length)")?;
    let count: usize = lens.iter().sum::<usize>() + client.shares.len();
    if count == 0 {
        return Err(Error::InvalidParameters("no values at any party"));
    }
    if 2 * job.bits + (usize::BITS - count.leading_zeros()) > 124 {
        return Err(Error::InvalidParameters(
            "too many values of this width: the sum of squares would overflow",
        ));
    }
    let mine: Vec<Fp> = values.iter().map(|v| Fp::from_i64(*v)).collect();
    let parts = engine.input(&lens, &mine)?;
    let adopted = engine.adopt(client.shares.clone());
    let adopted = engine.authenticate(adopted)?;
    let mut refs: Vec<&crate::ShareVec> = parts.iter().collect();
    refs.push(&adopted);
    let x = engine.concat(&refs);
    let squares = engine.square(&x)?;
    let ge = engine.ge_public(&x, i128::from(job.threshold), job.bits)?;
    let (min, max) = engine.min_max(&x, job.bits)?;
    let sum = engine.sum(&x);
    let sumsq = engine.sum(&squares);
    let above = engine.sum(&ge);
    let all = engine.concat(&[&sum, &sumsq, &above, &min, &max]);
    let opened = engine.open_signed(&all)?;
    let [sum, sumsq, above, min, max] = opened[..] else {
        return Err(Error::LengthMismatch {
            left: opened.len(),
            right: 5,
        });
    };
    let mean = sum as f64 / count as f64;
    // Population variance from exact integers: (n·Σx² − (Σx)²) / n².
    let n = count as i128;
    let numerator = n * sumsq - sum * sum;
    let variance = numerator as f64 / (n * n) as f64;
    Ok(json!({
        "job": "stats",
        "count": count,
        "per_party_counts": lens,
        "sum": sum.to_string(),
        "mean": mean,
        "variance": variance,
        "min": min.to_string(),
        "max": max.to_string(),
        "threshold": job.threshold,
        "count_at_or_above_threshold": above.to_string(),
    }))
}
