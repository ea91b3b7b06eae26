//! The statements a data owner can prove about a committed value, and their circuits.
//!
//! Every statement starts from a Poseidon commitment `C = Poseidon(v, r)` with `v < 2^bits`.
//! Public inputs, in order (the order of `public.json` for snarkjs):
//!
//! | statement | public inputs | proves |
//! |---|---|---|
//! | `threshold` (at least) | `C`, `T` | `v ≥ T` |
//! | `threshold` (at most) | `C`, `T` | `v ≤ T` |
//! | `range` | `C`, `lo`, `hi` | `lo ≤ v ≤ hi` |
//!
//! Bounds are integers below `2^bits`; comparisons are range checks of differences, which
//! cannot wrap around the field because every quantity is below `2^64 ≪ r`.

pub mod predicate;
mod range;
mod threshold;

use ark_bn254::Fr;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::fields::fp::FpVar;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

pub use range::RangeCircuit;
pub use threshold::ThresholdCircuit;

use crate::claim::Interval;
use crate::commitment::{Commitment, Opening};
use crate::gadgets::RangeCheckGadget;
use crate::poseidon::gadget::PoseidonGadget;
use crate::{field, ZkError};

/// Smallest supported value width.
pub const MIN_BITS: u32 = 8;
/// Largest supported value width.
pub const MAX_BITS: u32 = 64;

/// Which side of the threshold the value lies on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// `v ≥ T`.
    AtLeast,
    /// `v ≤ T`.
    AtMost,
}

/// A statement shape, fixed at setup (one proving/verifying key pair per statement).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Statement {
    /// The committed value is at least (or at most) a public threshold.
    Threshold {
        /// Width of the committed value.
        bits: u32,
        /// Which side of the threshold.
        direction: Direction,
    },
    /// The committed value lies in a public interval.
    Range {
        /// Width of the committed value.
        bits: u32,
    },
}

/// The public bounds of a claim: a threshold, or an interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bounds {
    /// The threshold `T` of a threshold statement.
    Threshold(u64),
    /// The interval `[min, max]` of a range statement.
    Range {
        /// Lower bound (inclusive).
        min: u64,
        /// Upper bound (inclusive).
        max: u64,
    },
}

impl Statement {
    /// A threshold statement over `bits`-bit values.
    ///
    /// # Errors
    /// [`ZkError::UnsupportedBits`] outside 8..=64.
    pub fn threshold(bits: u32, direction: Direction) -> Result<Self, ZkError> {
        check_bits(bits)?;
        Ok(Statement::Threshold { bits, direction })
    }

    /// A range statement over `bits`-bit values.
    ///
    /// # Errors
    /// [`ZkError::UnsupportedBits`] outside 8..=64.
    pub fn range(bits: u32) -> Result<Self, ZkError> {
        check_bits(bits)?;
        Ok(Statement::Range { bits })
    }

    /// Width of the committed value.
    pub fn bits(&self) -> u32 {
        match *self {
            Statement::Threshold { bits, .. } | Statement::Range { bits } => bits,
        }
    }

    /// Checks the width (for statements read from files).
    ///
    /// # Errors
    /// [`ZkError::UnsupportedBits`] outside 8..=64.
    pub fn validate(&self) -> Result<(), ZkError> {
        check_bits(self.bits())
    }

    /// Short name, used for key file names: `threshold`, `threshold-at-most` or `range`.
    pub fn name(&self) -> &'static str {
        match self {
            Statement::Threshold {
                direction: Direction::AtLeast,
                ..
            } => "threshold",
            Statement::Threshold {
                direction: Direction::AtMost,
                ..
            } => "threshold-at-most",
            Statement::Range { .. } => "range",
        }
    }

    /// Names of the public inputs, in circuit order.
    pub fn public_input_names(&self) -> &'static [&'static str] {
        match self {
            Statement::Threshold { .. } => &["commitment", "threshold"],
            Statement::Range { .. } => &["commitment", "min", "max"],
        }
    }

    /// The public inputs for a claim about `commitment`, checking the bounds fit the statement.
    ///
    /// # Errors
    /// [`ZkError::BadParameter`] when the bounds are of the other kind, wider than
    /// `bits`, or `min > max`.
    pub fn public_inputs(
        &self,
        commitment: &Commitment,
        bounds: Bounds,
    ) -> Result<Vec<Fr>, ZkError> {
        let limit = self.value_limit();
        let fits = |name: &'static str, value: u64| {
            if u128::from(value) < limit {
                Ok(Fr::from(value))
            } else {
                Err(ZkError::BadParameter {
                    name,
                    value: value.to_string(),
                    reason: "bounds must be below 2^bits of the statement",
                })
            }
        };
        match (self, bounds) {
            (Statement::Threshold { .. }, Bounds::Threshold(threshold)) => {
                Ok(vec![commitment.0, fits("threshold", threshold)?])
            }
            (Statement::Range { .. }, Bounds::Range { min, max }) => {
                if min > max {
                    return Err(ZkError::BadParameter {
                        name: "min",
                        value: min.to_string(),
                        reason: "min must not exceed max",
                    });
                }
                Ok(vec![commitment.0, fits("min", min)?, fits("max", max)?])
            }
            (Statement::Threshold { .. }, Bounds::Range { .. }) => Err(ZkError::BadParameter {
                name: "bounds",
                value: "min/max".into(),
                reason: "a threshold statement takes a threshold, not min/max",
            }),
            (Statement::Range { .. }, Bounds::Threshold(t)) => Err(ZkError::BadParameter {
                name: "bounds",
                value: t.to_string(),
                reason: "a range statement takes min and max, not a threshold",
            }),
        }
    }

    /// Recovers the bounds from public inputs, checking count and widths.
    ///
    /// # Errors
    /// [`ZkError::WrongInputCount`], or [`ZkError::BadParameter`] for bounds that are not
    /// integers below `2^bits` (such a proof could never have been made honestly).
    pub fn bounds(&self, public_inputs: &[Fr]) -> Result<Bounds, ZkError> {
        let expected = self.public_input_names().len();
        if public_inputs.len() != expected {
            return Err(ZkError::WrongInputCount {
                expected,
                found: public_inputs.len(),
            });
        }
        let limit = self.value_limit();
        let integer = |index: usize| {
            let name = self.public_input_names()[index];
            field::to_u64(&public_inputs[index])
                .filter(|v| u128::from(*v) < limit)
                .ok_or_else(|| ZkError::BadParameter {
                    name,
                    value: field::to_decimal(&public_inputs[index]),
                    reason: "bounds must be integers below 2^bits of the statement",
                })
        };
        match self {
            Statement::Threshold { .. } => Ok(Bounds::Threshold(integer(1)?)),
            Statement::Range { .. } => Ok(Bounds::Range {
                min: integer(1)?,
                max: integer(2)?,
            }),
        }
    }

    /// The interval a proof with these public inputs establishes for the committed value:
    /// `[T, 2^bits − 1]` for at least `T`, `[0, T]` for at most `T`, `[min, max]` for a range.
    ///
    /// # Errors
    /// As [`Statement::bounds`].
    pub fn proven_interval(&self, public_inputs: &[Fr]) -> Result<Interval, ZkError> {
        let top = u64::try_from(self.value_limit() - 1).unwrap_or(u64::MAX);
        Ok(match (self, self.bounds(public_inputs)?) {
            (
                Statement::Threshold {
                    direction: Direction::AtMost,
                    ..
                },
                Bounds::Threshold(t),
            ) => Interval { min: 0, max: t },
            (_, Bounds::Threshold(t)) => Interval { min: t, max: top },
            (_, Bounds::Range { min, max }) => Interval { min, max },
        })
    }

    /// One sentence saying what a proof with these public inputs establishes.
    ///
    /// # Errors
    /// As [`Statement::bounds`].
    pub fn describe(&self, public_inputs: &[Fr]) -> Result<String, ZkError> {
        let bits = self.bits();
        Ok(match (self, self.bounds(public_inputs)?) {
            (Statement::Threshold { direction, .. }, Bounds::Threshold(t)) => {
                let op = match direction {
                    Direction::AtLeast => ">=",
                    Direction::AtMost => "<=",
                };
                format!("the committed {bits}-bit value is {op} {t}")
            }
            (_, Bounds::Range { min, max }) => {
                format!("the committed {bits}-bit value lies in [{min}, {max}]")
            }
            (_, Bounds::Threshold(t)) => format!("threshold {t}"),
        })
    }

    /// Checks natively that `opening` satisfies the claim, so no futile proof is attempted.
    ///
    /// # Errors
    /// [`ZkError::Unsatisfied`] naming the failing condition.
    pub fn check_witness(&self, opening: &Opening, bounds: Bounds) -> Result<(), ZkError> {
        let value = opening.value();
        let unsatisfied = |reason| Err(ZkError::Unsatisfied { reason });
        if u128::from(value) >= self.value_limit() {
            return unsatisfied("the value is wider than the statement's bit width");
        }
        match (self, bounds) {
            (
                Statement::Threshold {
                    direction: Direction::AtLeast,
                    ..
                },
                Bounds::Threshold(t),
            ) if value < t => unsatisfied("the value is below the threshold"),
            (
                Statement::Threshold {
                    direction: Direction::AtMost,
                    ..
                },
                Bounds::Threshold(t),
            ) if value > t => unsatisfied("the value is above the threshold"),
            (Statement::Range { .. }, Bounds::Range { min, max }) if value < min || value > max => {
                unsatisfied("the value lies outside [min, max]")
            }
            _ => Ok(()),
        }
    }

    /// Canonical 3-byte encoding: kind (1 threshold, 2 range), bits, direction (0 at least, 1 at most).
    pub fn to_bytes(&self) -> [u8; 3] {
        match *self {
            Statement::Threshold { bits, direction } => {
                [1, bits as u8, u8::from(direction == Direction::AtMost)]
            }
            Statement::Range { bits } => [2, bits as u8, 0],
        }
    }

    /// Decodes [`Statement::to_bytes`].
    ///
    /// # Errors
    /// [`ZkError::Malformed`] for unknown kinds or directions, [`ZkError::UnsupportedBits`].
    pub fn from_bytes(bytes: [u8; 3]) -> Result<Self, ZkError> {
        let bits = u32::from(bytes[1]);
        match bytes {
            [1, _, 0] => Statement::threshold(bits, Direction::AtLeast),
            [1, _, 1] => Statement::threshold(bits, Direction::AtMost),
            [2, _, 0] => Statement::range(bits),
            _ => Err(ZkError::Malformed {
                what: "statement",
                reason: "unknown statement kind or direction byte",
            }),
        }
    }

    fn value_limit(&self) -> u128 {
        1u128 << self.bits()
    }
}

fn check_bits(bits: u32) -> Result<(), ZkError> {
    if (MIN_BITS..=MAX_BITS).contains(&bits) {
        Ok(())
    } else {
        Err(ZkError::UnsupportedBits { bits })
    }
}

/// The private inputs of every statement circuit: the opening of the commitment.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct Witness {
    value: Fr,
    blinding: Fr,
}

impl Witness {
    pub(crate) fn from_opening(opening: &Opening) -> Self {
        Witness {
            value: Fr::from(opening.value()),
            blinding: *opening.blinding(),
        }
    }

    /// A placeholder witness for key generation.
    pub(crate) fn for_setup() -> Self {
        Witness {
            value: Fr::from(0u64),
            blinding: Fr::from(0u64),
        }
    }
}

/// Allocates the public inputs and the opening, and enforces `C = Poseidon(v, r)` and
/// `v < 2^bits`. Returns the public inputs (C first) and `v`.
pub(crate) fn allocate_committed_value(
    cs: &ConstraintSystemRef<Fr>,
    witness: &Witness,
    public_inputs: &[Fr],
    bits: u32,
) -> Result<(Vec<FpVar<Fr>>, FpVar<Fr>), SynthesisError> {
    let inputs = public_inputs
        .iter()
        .map(|x| FpVar::new_input(cs.clone(), || Ok(*x)))
        .collect::<Result<Vec<_>, _>>()?;
    let value = FpVar::new_witness(cs.clone(), || Ok(witness.value))?;
    let blinding = FpVar::new_witness(cs.clone(), || Ok(witness.blinding))?;
    let commitment = inputs.first().ok_or(SynthesisError::Unsatisfiable)?;
    PoseidonGadget::new(2)
        .map_err(|_| SynthesisError::Unsatisfiable)?
        .enforce_hash_equals(&[value.clone(), blinding], commitment)?;
    RangeCheckGadget::enforce_below_power_of_two(cs.clone(), &value, bits as usize)?;
    Ok((inputs, value))
}

/// A circuit for any statement, with its witness and public inputs.
pub enum StatementCircuit {
    /// See [`ThresholdCircuit`].
    Threshold(ThresholdCircuit),
    /// See [`RangeCircuit`].
    Range(RangeCircuit),
}

impl StatementCircuit {
    /// The circuit proving `statement` for `opening` with the given public inputs.
    pub fn new(statement: Statement, opening: &Opening, public_inputs: Vec<Fr>) -> Self {
        Self::build(statement, Witness::from_opening(opening), public_inputs)
    }

    /// The circuit shape for key generation (placeholder assignment).
    pub fn for_setup(statement: Statement) -> Self {
        let zeros = vec![Fr::from(0u64); statement.public_input_names().len()];
        Self::build(statement, Witness::for_setup(), zeros)
    }

    fn build(statement: Statement, witness: Witness, public_inputs: Vec<Fr>) -> Self {
        match statement {
            Statement::Threshold { bits, direction } => StatementCircuit::Threshold(
                ThresholdCircuit::new(bits, direction, witness, public_inputs),
            ),
            Statement::Range { bits } => {
                StatementCircuit::Range(RangeCircuit::new(bits, witness, public_inputs))
            }
        }
    }
}

impl ark_relations::gr1cs::ConstraintSynthesizer<Fr> for StatementCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        match self {
            StatementCircuit::Threshold(circuit) => circuit.generate_constraints(cs),
            StatementCircuit::Range(circuit) => circuit.generate_constraints(cs),
        }
    }
}
