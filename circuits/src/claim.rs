//! The verifier's side of a proof: what it must establish, and the policy that decides
//! whether it does.
//!
//! A proof of a statement about a committed value establishes an interval for that value
//! (a threshold proof `v ≥ T` over `bits`-bit values establishes `[T, 2^bits − 1]`). A
//! verifier states what it requires — which commitment, a lower bound, an upper bound —
//! and a proof proves the claim when it is about that commitment and its interval lies
//! inside the required one: a proof of `v ≥ 700` proves the claim `v ≥ 650`, a proof of
//! `v ≥ 600` does not. Both proof systems apply this one rule:
//! [`crate::groth16::Claim`] for Groth16 statements and
//! [`crate::bulletproof::Claim`] for Bulletproofs range proofs.
//!
//! # Security
//! A proof that verifies proves only what its public inputs say; checking it against the
//! verifier's own claim (not against the claim the prover wrote down) is what stops a
//! valid proof of a weaker bound, or about someone else's commitment, from being accepted.

use std::fmt;

/// Which end of the interval a bound constrains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// A lower bound: `value ≥ bound`.
    Min,
    /// An upper bound: `value ≤ bound`.
    Max,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Min => "≥",
            Side::Max => "≤",
        })
    }
}

/// An inclusive interval `[min, max]` of 64-bit values that a proof establishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
    /// Lower end, inclusive.
    pub min: u64,
    /// Upper end, inclusive.
    pub max: u64,
}

/// Bounds a verifier requires: `value ≥ min` and/or `value ≤ max`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Requirement {
    /// Require `value ≥ min`.
    pub min: Option<u64>,
    /// Require `value ≤ max`.
    pub max: Option<u64>,
}

/// A bound the proof does not establish.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeakerBound {
    /// Which bound.
    pub side: Side,
    /// The bound the proof establishes.
    pub proven: u64,
    /// The bound the verifier requires.
    pub required: u64,
}

impl Requirement {
    /// Checks that `proven` lies inside the required bounds.
    ///
    /// # Errors
    /// The first bound (lower, then upper) that `proven` does not establish.
    pub fn check(&self, proven: Interval) -> Result<(), WeakerBound> {
        if let Some(required) = self.min {
            if proven.min < required {
                return Err(WeakerBound {
                    side: Side::Min,
                    proven: proven.min,
                    required,
                });
            }
        }
        if let Some(required) = self.max {
            if proven.max > required {
                return Err(WeakerBound {
                    side: Side::Max,
                    proven: proven.max,
                    required,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interval_inside_the_bounds_proves_them() {
        let proven = Interval { min: 700, max: 900 };
        for (min, max) in [
            (None, None),
            (Some(650), None),
            (Some(700), Some(900)),
            (None, Some(1000)),
        ] {
            assert_eq!(Requirement { min, max }.check(proven), Ok(()));
        }
        assert_eq!(
            Requirement {
                min: Some(701),
                max: None
            }
            .check(proven),
            Err(WeakerBound {
                side: Side::Min,
                proven: 700,
                required: 701
            })
        );
        assert_eq!(
            Requirement {
                min: Some(0),
                max: Some(899)
            }
            .check(proven),
            Err(WeakerBound {
                side: Side::Max,
                proven: 900,
                required: 899
            })
        );
    }
}
