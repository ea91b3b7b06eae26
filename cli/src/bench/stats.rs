//! The statistics of a report, kept apart from the timing so that tests can feed known
//! samples: a [`Summary`] of one measurement (n, median, quartiles, min–max), the
//! [`paired_ratio`] of two measurements taken in alternation (its spread comes from the
//! per-pair ratios, not from dividing two medians), and the least-squares [`power_fit`] of
//! log(time) against log(size) whose slope is the growth exponent.
//!
//! Quantiles use linear interpolation between closest ranks (type 7 of Hyndman and Fan,
//! the default of R and NumPy).

use serde::Serialize;

/// The spread of one set of samples (seconds, or a ratio).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    /// Number of samples.
    pub n: usize,
    /// Median.
    pub median: f64,
    /// First quartile.
    pub q1: f64,
    /// Third quartile.
    pub q3: f64,
    /// Smallest sample.
    pub min: f64,
    /// Largest sample.
    pub max: f64,
}

/// The `p`-quantile (0 ≤ p ≤ 1) of sorted, non-empty `sorted` (linear interpolation).
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let last = sorted.len() - 1;
    let position = p * last as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    let weight = position - below as f64;
    sorted[below] + (sorted[above.min(last)] - sorted[below]) * weight
}

impl Summary {
    /// Summarizes `samples`; `None` when there are none or one is not finite.
    pub fn of(samples: &[f64]) -> Option<Summary> {
        if samples.is_empty() || samples.iter().any(|s| !s.is_finite()) {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        Some(Summary {
            n: sorted.len(),
            median: quantile(&sorted, 0.5),
            q1: quantile(&sorted, 0.25),
            q3: quantile(&sorted, 0.75),
            min: sorted[0],
            max: sorted[sorted.len() - 1],
        })
    }
}

/// The ratio `numerator / denominator` of two measurements whose samples were taken in
/// pairs (sample i of each in the same round): the summary of the per-pair ratios, so the
/// spread reflects how the two varied together. `None` when the lengths differ, a list
/// is empty or a denominator is not positive.
pub fn paired_ratio(numerator: &[f64], denominator: &[f64]) -> Option<Summary> {
    if numerator.len() != denominator.len() || denominator.iter().any(|d| *d <= 0.0) {
        return None;
    }
    let ratios: Vec<f64> = numerator
        .iter()
        .zip(denominator)
        .map(|(n, d)| n / d)
        .collect();
    Summary::of(&ratios)
}

/// A least-squares fit `time ≈ coefficient · size^exponent` (a line in log–log space).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PowerFit {
    /// The growth exponent: the slope of ln(time) against ln(size).
    pub exponent: f64,
    /// e^intercept: the time the fit predicts at size 1.
    pub coefficient: f64,
    /// Coefficient of determination of the log–log line (1 for an exact power law).
    pub r_squared: f64,
    /// Number of (size, time) points fitted.
    pub points: usize,
}

/// Fits ln(time) = ln(coefficient) + exponent · ln(size) by ordinary least squares over
/// `(size, time)` points. `None` with fewer than two distinct sizes or a non-positive value.
pub fn power_fit(points: &[(f64, f64)]) -> Option<PowerFit> {
    if points.iter().any(|&(x, y)| !(x > 0.0 && y > 0.0)) {
        return None;
    }
    let logs: Vec<(f64, f64)> = points.iter().map(|&(x, y)| (x.ln(), y.ln())).collect();
    let n = logs.len() as f64;
    let mean_x = logs.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = logs.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = logs.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let sxy: f64 = logs.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let syy: f64 = logs.iter().map(|p| (p.1 - mean_y).powi(2)).sum();
    if logs.len() < 2 || sxx <= f64::EPSILON {
        return None;
    }
    let exponent = sxy / sxx;
    let intercept = mean_y - exponent * mean_x;
    let residual: f64 = logs
        .iter()
        .map(|p| (p.1 - intercept - exponent * p.0).powi(2))
        .sum();
    let r_squared = if syy <= f64::EPSILON {
        1.0
    } else {
        1.0 - residual / syy
    };
    Some(PowerFit {
        exponent,
        coefficient: intercept.exp(),
        r_squared,
        points: logs.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn summary_of_known_samples() {
        let s = Summary::of(&[5.0, 1.0, 4.0, 2.0, 3.0]).expect("samples");
        assert_eq!(s.n, 5);
        assert!(close(s.median, 3.0) && close(s.q1, 2.0) && close(s.q3, 4.0));
        assert!(close(s.min, 1.0) && close(s.max, 5.0) && close(s.q3 - s.q1, 2.0));
        // Even count: the median interpolates between the middle two.
        let even = Summary::of(&[4.0, 1.0, 3.0, 2.0]).expect("samples");
        assert!(close(even.median, 2.5) && close(even.q1, 1.75) && close(even.q3, 3.25));
        let one = Summary::of(&[7.0]).expect("one sample");
        assert!(close(one.median, 7.0) && close(one.q3 - one.q1, 0.0));
    }

    #[test]
    fn summary_refuses_empty_or_non_finite() {
        assert_eq!(Summary::of(&[]), None);
        assert_eq!(Summary::of(&[1.0, f64::NAN]), None);
        assert_eq!(Summary::of(&[f64::INFINITY]), None);
    }

    #[test]
    fn ratios_come_from_pairs_not_from_medians() {
        // Pairs (2,1), (6,2), (12,3): ratios 2, 3, 4.
        let r = paired_ratio(&[2.0, 6.0, 12.0], &[1.0, 2.0, 3.0]).expect("pairs");
        assert!(close(r.median, 3.0) && close(r.min, 2.0) && close(r.max, 4.0));
        assert_eq!(r.n, 3);
        // The ratio of medians would be 6 / 2 = 3 too, but here it differs: pairs
        // (1,1), (10,2), (3,3) give ratios 1, 5, 1 (median 1), medians 3 / 2 = 1.5.
        let r = paired_ratio(&[1.0, 10.0, 3.0], &[1.0, 2.0, 3.0]).expect("pairs");
        assert!(close(r.median, 1.0) && close(r.max, 5.0));
        assert_eq!(paired_ratio(&[1.0], &[1.0, 2.0]), None);
        assert_eq!(paired_ratio(&[1.0], &[0.0]), None);
    }

    #[test]
    fn an_exact_power_law_gives_its_exponent() {
        let points: Vec<(f64, f64)> = (4..12)
            .map(|k| {
                let n = f64::from(1u32 << k);
                (n, 3e-6 * n.powf(1.25))
            })
            .collect();
        let fit = power_fit(&points).expect("fit");
        assert!(close(fit.exponent, 1.25), "{fit:?}");
        assert!(close(fit.coefficient, 3e-6), "{fit:?}");
        assert!(close(fit.r_squared, 1.0));
        assert_eq!(fit.points, 8);
        // Constant time: exponent 0.
        let flat = power_fit(&[(1.0, 2.0), (10.0, 2.0), (100.0, 2.0)]).expect("fit");
        assert!(flat.exponent.abs() < 1e-12);
        // Noise lowers r².
        let noisy = power_fit(&[(1.0, 1.0), (2.0, 3.0), (4.0, 2.0), (8.0, 9.0)]).expect("fit");
        assert!(noisy.r_squared < 0.99);
    }

    #[test]
    fn a_fit_needs_two_sizes_and_positive_values() {
        assert_eq!(power_fit(&[(8.0, 1.0)]), None);
        assert_eq!(power_fit(&[(8.0, 1.0), (8.0, 2.0)]), None);
        assert_eq!(power_fit(&[(8.0, 1.0), (16.0, 0.0)]), None);
        assert_eq!(power_fit(&[(0.0, 1.0), (16.0, 1.0)]), None);
    }
}
