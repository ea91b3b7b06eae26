//! The plaintext side of scoring: the linear model and the feature vector (JSON), their
//! validation, and the reference plaintext evaluation that TFHE results must equal.

use serde::{Deserialize, Serialize};

use crate::encoding::{check_header, from_json, to_json};
use crate::error::{Error, Result};

/// Kind tag of a model file.
pub const KIND_MODEL: &str = "conclave.he.linear-model";
/// Kind tag of a feature file.
pub const KIND_FEATURES: &str = "conclave.he.features";
/// Format version of model and feature files.
pub const MODEL_VERSION: u32 = 1;
/// Most features a model may have.
pub const MAX_FEATURES: usize = 64;

/// A linear model: `score = bias + Σ weights[i]·x[i]`, `decision = score ≥ threshold`.
///
/// Weights, bias and threshold are non-negative integers (a feature that should lower
/// the score is encoded as `max − value` by the applicant's software).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinearModel {
    /// [`MODEL_VERSION`].
    pub version: u32,
    /// [`KIND_MODEL`].
    pub kind: String,
    /// Width of each feature: 8 or 16 bits.
    pub feature_bits: u32,
    /// Width of the score: 8, 16 or 32 bits; the maximum possible score must fit.
    pub score_bits: u32,
    /// One weight per feature.
    pub weights: Vec<u64>,
    /// Added to the weighted sum.
    pub bias: u64,
    /// Approve when `score ≥ threshold`.
    pub threshold: u64,
}

impl LinearModel {
    /// Checks widths and that no score can overflow `score_bits`.
    ///
    /// # Errors
    /// [`Error::BadModel`] saying what to change.
    pub fn validate(&self) -> Result<()> {
        check_header("model", self.version, MODEL_VERSION, &self.kind, KIND_MODEL)?;
        let bad = |reason: String| Err(Error::BadModel { reason });
        if !matches!(self.feature_bits, 8 | 16) {
            return bad(format!(
                "feature_bits is {}, must be 8 or 16",
                self.feature_bits
            ));
        }
        if !matches!(self.score_bits, 8 | 16 | 32) {
            return bad(format!(
                "score_bits is {}, must be 8, 16 or 32",
                self.score_bits
            ));
        }
        if self.weights.is_empty() || self.weights.len() > MAX_FEATURES {
            return bad(format!(
                "{} weights; need 1..={MAX_FEATURES}",
                self.weights.len()
            ));
        }
        let max = self.max_score();
        if max >= 1u128 << self.score_bits {
            return bad(format!(
                "weights overflow the chosen width: the largest possible score is {max}, which \
                 needs {} bits but score_bits is {}; raise score_bits or lower the weights",
                128 - max.leading_zeros(),
                self.score_bits
            ));
        }
        if u128::from(self.threshold) >= 1u128 << self.score_bits {
            return bad(format!(
                "threshold {} does not fit in {} bits",
                self.threshold, self.score_bits
            ));
        }
        Ok(())
    }

    /// Largest score any feature vector can produce.
    pub fn max_score(&self) -> u128 {
        let x_max = (1u128 << self.feature_bits) - 1;
        self.weights.iter().fold(u128::from(self.bias), |acc, &w| {
            acc.saturating_add(u128::from(w).saturating_mul(x_max))
        })
    }

    /// Plaintext reference evaluation.
    ///
    /// # Errors
    /// [`Error::BadFeatures`] if the vector does not fit the model.
    pub fn evaluate(&self, features: &[u64]) -> Result<(u64, bool)> {
        self.check_features(features)?;
        let score = self
            .weights
            .iter()
            .zip(features)
            .fold(u128::from(self.bias), |acc, (&w, &x)| {
                acc + u128::from(w) * u128::from(x)
            });
        let score = u64::try_from(score).map_err(|_| Error::BadModel {
            reason: "score overflows 64 bits".into(),
        })?;
        Ok((score, score >= self.threshold))
    }

    /// Checks length and widths of a feature vector.
    ///
    /// # Errors
    /// [`Error::BadFeatures`].
    pub fn check_features(&self, features: &[u64]) -> Result<()> {
        if features.len() != self.weights.len() {
            return Err(Error::BadFeatures {
                reason: format!(
                    "{} values, the model has {} weights",
                    features.len(),
                    self.weights.len()
                ),
            });
        }
        check_widths(features, self.feature_bits)
    }

    /// Parses and validates a model file.
    ///
    /// # Errors
    /// Format errors, [`Error::BadModel`].
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let m: Self = from_json("model", bytes, 1 << 20)?;
        m.validate()?;
        Ok(m)
    }

    /// SHA-256 of the canonical JSON (identifies the model in outputs).
    pub fn hash(&self) -> [u8; 32] {
        crate::encoding::hash256(
            b"conclave-he/v1/model",
            // Integers only: serialisation cannot fail.
            &[&serde_json::to_vec(self).expect("a model always serialises")],
        )
    }
}

/// A plaintext feature vector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Features {
    /// [`MODEL_VERSION`].
    pub version: u32,
    /// [`KIND_FEATURES`].
    pub kind: String,
    /// Width of each value: 8 or 16.
    pub bits: u32,
    /// The values.
    pub values: Vec<u64>,
}

fn check_widths(values: &[u64], bits: u32) -> Result<()> {
    if !matches!(bits, 8 | 16) {
        return Err(Error::BadFeatures {
            reason: format!("bits is {bits}, must be 8 or 16"),
        });
    }
    if values.is_empty() || values.len() > MAX_FEATURES {
        return Err(Error::BadFeatures {
            reason: format!("{} values; need 1..={MAX_FEATURES}", values.len()),
        });
    }
    if let Some((i, v)) = values.iter().enumerate().find(|&(_, &v)| v >> bits != 0) {
        return Err(Error::BadFeatures {
            reason: format!("value {i} is {v}, which does not fit in {bits} bits"),
        });
    }
    Ok(())
}

impl Features {
    /// Parses and validates a feature file.
    ///
    /// # Errors
    /// Format errors, [`Error::BadFeatures`].
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let f: Self = from_json("features", bytes, 1 << 20)?;
        check_header("features", f.version, MODEL_VERSION, &f.kind, KIND_FEATURES)?;
        check_widths(&f.values, f.bits)?;
        Ok(f)
    }
    /// JSON form.
    pub fn to_json(&self) -> Vec<u8> {
        to_json(self)
    }
}
