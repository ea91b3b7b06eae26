//! The `score` job: per applicant `Σ wⱼxⱼ + bias ≥ threshold` over vertically
//! partitioned data (each party holds some columns), with public weights. Each party
//! computes its partial score locally in fixed point ([`ScoreJob::partial_scores`]) and
//! shares it; the decisions (and optionally the scores) are opened to the lender only,
//! which commits to them in the public outputs.
//!
//! The fixed-point encoding lives here and nowhere else: [`ScoreJob::decide`] is the
//! plaintext reference that the MPC result must equal.

use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{check_range, JobError};
use crate::compare::{decode_fixed, encode_fixed};
use crate::engine::Engine;
use crate::field::Fp;
use crate::transport::Transport;
use crate::{Error, PartyId};

/// One weighted feature column of a score job.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Feature {
    /// The party holding the column.
    pub party: u32,
    /// The CSV column name.
    pub column: String,
    /// Its public weight.
    pub weight: f64,
}

/// `score`: per applicant `Σ wⱼxⱼ + bias ≥ threshold`, revealed only to `lender`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScoreJob {
    /// Fractional bits of the fixed-point weights.
    #[serde(default = "default_fraction")]
    pub fraction_bits: u32,
    /// Bit width of scores in fixed point (2..=64).
    #[serde(default = "default_score_bits")]
    pub bits: u32,
    /// Public bias.
    #[serde(default)]
    pub bias: f64,
    /// Public decision threshold.
    pub threshold: f64,
    /// The only party that learns decisions (and scores).
    pub lender: u32,
    /// Whether the lender also learns the scores.
    #[serde(default)]
    pub reveal_scores: bool,
    /// The weighted columns.
    pub features: Vec<Feature>,
}

fn default_fraction() -> u32 {
    8
}
fn default_score_bits() -> u32 {
    48
}

/// What only the lender learns: decisions (and scores) by applicant id, and the salt
/// of its commitment to them.
pub(crate) struct LenderOutputs {
    /// `[{"id","approve","score"?}]`, ids sorted.
    pub(crate) decisions: Value,
    /// Salt of `decisions_commitment`.
    pub(crate) salt: Zeroizing<[u8; 32]>,
}

/// `x` in fixed point with `f` fractional bits; `what` names it in the error.
fn fixed(x: f64, f: u32, what: impl FnOnce() -> String) -> Result<i128, JobError> {
    encode_fixed(x, f).map_err(|_| JobError::NumberOutOfRange {
        what: what(),
        value: x,
    })
}

impl ScoreJob {
    /// The fixed-point weight of `feature` (`round(weight · 2^fraction_bits)`).
    ///
    /// # Errors
    /// [`JobError::NumberOutOfRange`] for a weight that cannot be encoded.
    pub fn fixed_weight(&self, feature: &Feature) -> Result<i128, JobError> {
        fixed(feature.weight, self.fraction_bits, || {
            format!("weight of column {:?}", feature.column)
        })
    }

    /// The fixed-point bias and threshold, the threshold checked against `bits`.
    ///
    /// # Errors
    /// [`JobError::NumberOutOfRange`].
    pub fn fixed_bias_threshold(&self) -> Result<(i128, i128), JobError> {
        let bias = fixed(self.bias, self.fraction_bits, || "bias".into())?;
        let threshold = fixed(self.threshold, self.fraction_bits, || "threshold".into())?;
        if check_range(threshold, self.bits).is_err() {
            return Err(JobError::NumberOutOfRange {
                what: format!("threshold (in {}-bit fixed point)", self.bits),
                value: self.threshold,
            });
        }
        Ok((bias, threshold))
    }

    /// The plaintext reference of one applicant's decision: `Σ round(xⱼ · wⱼ) + bias ≥
    /// threshold` in the job's fixed point, with `value(feature)` the applicant's value of
    /// each feature column. The MPC decision equals this.
    ///
    /// # Errors
    /// [`JobError::NumberOutOfRange`] for weights, bias or threshold that cannot be
    /// encoded; [`JobError::MissingColumn`] when `value` has no value for a feature.
    pub fn decide(&self, value: impl Fn(&Feature) -> Option<f64>) -> Result<bool, JobError> {
        let (bias, threshold) = self.fixed_bias_threshold()?;
        let mut total = bias;
        for feature in &self.features {
            let x = value(feature).ok_or_else(|| JobError::MissingColumn {
                party: feature.party,
                column: feature.column.clone(),
                found: Vec::new(),
            })?;
            total += (x * self.fixed_weight(feature)? as f64).round() as i128;
        }
        Ok(total >= threshold)
    }

    /// Party `me`'s fixed-point partial scores `Σ round(xⱼ · wⱼ)` over its own feature
    /// columns, one per row in `order`; each term and sum must stay below
    /// `2^(bits−1) / (parties + 2)` so that the shared total cannot wrap.
    ///
    /// # Errors
    /// [`JobError::MissingColumn`] for a column of `me` absent from `columns`;
    /// [`JobError::NumberOutOfRange`] for a weight; [`JobError::PartialScoreOutOfRange`]
    /// naming the applicant.
    pub fn partial_scores(
        &self,
        me: PartyId,
        parties: usize,
        columns: &[String],
        rows: &[(String, Vec<f64>)],
        order: &[usize],
    ) -> Result<Vec<i128>, JobError> {
        let mut mine = Vec::new();
        for feature in self.features.iter().filter(|ft| ft.party == me.0) {
            let idx = columns
                .iter()
                .position(|c| *c == feature.column)
                .ok_or_else(|| JobError::MissingColumn {
                    party: me.0,
                    column: feature.column.clone(),
                    found: columns.to_vec(),
                })?;
            mine.push((idx, self.fixed_weight(feature)?));
        }
        let limit = (1i128 << (self.bits - 1)) / (parties as i128 + 2);
        let out_of_range = |i: usize| JobError::PartialScoreOutOfRange {
            id: rows[i].0.clone(),
            bits: self.bits,
            parties,
        };
        let mut partial = Vec::with_capacity(order.len());
        for &i in order {
            let mut acc: i128 = 0;
            for (idx, w) in &mine {
                let term = (rows[i].1[*idx] * (*w as f64)).round();
                if !term.is_finite() || term.abs() >= limit as f64 {
                    return Err(out_of_range(i));
                }
                acc += term as i128;
            }
            if acc.abs() >= limit {
                return Err(out_of_range(i));
            }
            partial.push(acc);
        }
        Ok(partial)
    }
}

/// Row indices sorted by applicant id (the public join key).
///
/// # Errors
/// [`JobError::DuplicateId`] naming an id that appears twice.
pub fn applicant_order(rows: &[(String, Vec<f64>)]) -> Result<Vec<usize>, JobError> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|a, b| rows[*a].0.cmp(&rows[*b].0));
    for w in order.windows(2) {
        if rows[w[0]].0 == rows[w[1]].0 {
            return Err(JobError::DuplicateId {
                id: rows[w[0]].0.clone(),
            });
        }
    }
    Ok(order)
}

/// The score computation: returns the public outputs and, at the lender, what only it
/// learns.
pub(crate) fn score<T: Transport, R: RngCore + CryptoRng>(
    engine: &mut Engine<T>,
    job: &ScoreJob,
    columns: &[String],
    rows: &[(String, Vec<f64>)],
    rng: &mut R,
) -> Result<(Value, Option<LenderOutputs>), Error> {
    let me = engine.me();
    let n = engine.params().n();
    let lender = PartyId(job.lender);
    engine.params().check_party(lender)?;
    // Ids are the public join key: sort and agree on them.
    let order = applicant_order(rows)?;
    let mut ids = Sha256::new();
    for i in &order {
        ids.update((rows[*i].0.len() as u32).to_le_bytes());
        ids.update(rows[*i].0.as_bytes());
    }
    let ids: [u8; 32] = ids.finalize().into();
    engine.agree(
        &ids,
        "the set of applicant ids (every party must hold one row per applicant)",
    )?;
    // Local partial score over this party's columns, in fixed point.
    let partial: Vec<Fp> = job
        .partial_scores(me, n, columns, rows, &order)?
        .into_iter()
        .map(Fp::from_i128)
        .collect();
    let (bias, threshold) = job.fixed_bias_threshold()?;
    let len = rows.len();
    let parts = engine.input(&vec![len; n], &partial)?;
    let mut total = engine.constant(&vec![Fp::from_i128(bias); len]);
    for p in &parts {
        total = engine.add(&total, p)?;
    }
    let decision = engine.ge_public(&total, threshold, job.bits)?;
    let decisions = engine.open_to(lender, &decision)?;
    let scores = if job.reveal_scores {
        engine.open_to(lender, &total)?
    } else {
        None
    };
    // The lender commits to the decisions so the record binds them.
    let mut commitment = [0u8; 32];
    let mut private = None;
    if let Some(d) = &decisions {
        let mut salt = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(salt.as_mut());
        let mut h = Sha256::new();
        h.update(b"conclave-mpc-decisions-v1");
        h.update(*salt);
        let list: Vec<Value> = order
            .iter()
            .zip(d)
            .enumerate()
            .map(|(k, (i, approve))| {
                let approve = *approve == Fp::ONE;
                h.update([u8::from(approve)]);
                let mut entry = json!({ "id": rows[*i].0, "approve": approve });
                if let Some(s) = scores.as_ref().and_then(|s| s.get(k)) {
                    entry["score"] = json!(decode_fixed(s.to_i128(), job.fraction_bits));
                }
                entry
            })
            .collect();
        if list.len() != len {
            return Err(Error::LengthMismatch {
                left: list.len(),
                right: len,
            });
        }
        commitment = h.finalize().into();
        private = Some(LenderOutputs {
            decisions: Value::Array(list),
            salt,
        });
    }
    let all = engine.exchange_public(&commitment)?;
    let lender_commitment = &all[lender.index()];
    Ok((
        json!({
            "job": "score",
            "applicants": len,
            "lender": lender.0,
            "scores_revealed_to_lender": job.reveal_scores,
            "decisions_commitment": hex::encode(lender_commitment),
        }),
        private,
    ))
}
