//! The predicate compiler: a checked predicate and the circuit values of its attributes and
//! parameters → one [`Boolean`] that is true iff the predicate holds (BN254, r1cs-std).
//!
//! # Contract (what the caller guarantees)
//! Each value handed in through [`PredicateVars`] is range-checked by the caller to its type:
//! a `uint` attribute of `bits` bits (or a `Uint { bits }` parameter) lies in `[0, 2^bits)`,
//! a date (attribute or parameter) in `[0, 2^DATE_BITS)`, and a string is any field element
//! (its [`crate::credential::string_to_field`] hash). The credential statement gets this from
//! its attribute range checks and from range-checking parameters. Values outside their range
//! void the width argument below.
//!
//! # Soundness
//! The checker ([`super::Env::check`]) bounds every number by `|v| < 2^252 < p/2`, so the field
//! element of every intermediate value is that of the integer: `+ -` are free linear
//! combinations and `*` one constraint, and none wraps. Then
//! - `x == y` and `x != y` are r1cs-std's is-zero (2 constraints): `|x − y| < 2^253 < p`, so
//!   `x − y = 0` in the field iff over the integers (for strings, equal iff equal hashes);
//! - `x in [a, b, …]` is the is-zero of `Π (x − aᵢ)` (one constraint per extra item, 2 for the
//!   test): a product of non-zero field elements is non-zero;
//! - `<, <=, >, >=` compute `d = rhs − lhs` (or `lhs − rhs`, minus 1 for a strict comparison)
//!   whose magnitude is below `2^w`, with `w` the maximum operand width (plus one when an
//!   operand may be negative); [`SignGadget`] decomposes `d + 2^w` into exactly `w + 1` bits
//!   and returns the top one (`d ≥ 0`). A comparison of two 64-bit values costs 65
//!   constraints, of two dates `DATE_BITS + 1` = 23;
//! - `&&` and `||` cost one constraint each, `!` none.
//!
//! Where both operands are constants the result is computed natively (no constraint), and
//! a constant that breaks its width contract is refused ([`SynthesisError::Unsatisfiable`])
//! rather than silently accepted (r1cs-std accepts unequal constants unchecked).

use std::collections::BTreeMap;

use ark_bn254::Fr;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::{fp::FpVar, FieldVar};
use ark_relations::gr1cs::SynthesisError;

use super::ast::{ArithOp, CmpOp, Expr, ExprKind, LogicOp, Span};
use super::check::{Checked, Env, ParamType, Width};
use super::PredicateError;
use crate::credential::AttributeType;
use crate::gadgets::SignGadget;

/// The width of a date: day counts up to 9999-12-31 (2,932,896) are below `2^22`.
pub const DATE_BITS: u32 = 22;

/// Why a predicate could not be compiled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompileError {
    /// The predicate does not check, or a value it names was not supplied
    /// ([`PredicateError::MissingValue`]).
    #[error(transparent)]
    Predicate(#[from] PredicateError),
    /// Constraint synthesis failed; [`SynthesisError::Unsatisfiable`] means a constant value
    /// outside its declared width.
    #[error("constraint synthesis failed")]
    Synthesis(#[source] SynthesisError),
}

impl From<SynthesisError> for CompileError {
    fn from(error: SynthesisError) -> Self {
        CompileError::Synthesis(error)
    }
}

/// The circuit values a predicate reads: each `alias.attribute` and each `$param`, already
/// range-checked by the caller (see the module documentation).
#[derive(Clone, Debug, Default)]
pub struct PredicateVars {
    attributes: BTreeMap<String, BTreeMap<String, FpVar<Fr>>>,
    params: BTreeMap<String, FpVar<Fr>>,
}

impl PredicateVars {
    /// No values.
    pub fn new() -> Self {
        PredicateVars::default()
    }

    /// Sets `alias.name` (range-checked by the caller to its schema type).
    pub fn set_attribute(&mut self, alias: &str, name: &str, value: FpVar<Fr>) {
        self.attributes
            .entry(alias.to_owned())
            .or_default()
            .insert(name.to_owned(), value);
    }

    /// Sets `$name` (range-checked by the caller to its [`ParamType`]).
    pub fn set_param(&mut self, name: &str, value: FpVar<Fr>) {
        self.params.insert(name.to_owned(), value);
    }
}

/// The range a parameter value must be checked to before it is handed to the compiler:
/// `Some(bits)` for `[0, 2^bits)`, `None` for a string (any field element).
pub fn param_bits(kind: ParamType) -> Option<u32> {
    match kind {
        ParamType::Uint { bits } => Some(bits),
        ParamType::Date => Some(DATE_BITS),
        ParamType::String => None,
    }
}

/// The range an attribute value must be checked to (as [`param_bits`]).
pub fn attribute_bits(kind: AttributeType) -> Option<u32> {
    match kind {
        AttributeType::Uint { bits } => Some(u32::from(bits)),
        AttributeType::Date => Some(DATE_BITS),
        AttributeType::String => None,
    }
}

/// Compiles `expr` (checked against `env` here) over `vars`: the returned boolean is true iff
/// the predicate holds for the values (see the module documentation for the contract).
///
/// # Errors
/// [`CompileError::Predicate`] for a predicate the checker refuses or a value missing from
/// `vars`; [`CompileError::Synthesis`] for a constant out of its range or a synthesis failure.
pub fn compile(env: &Env, expr: &Expr, vars: &PredicateVars) -> Result<Boolean<Fr>, CompileError> {
    let checked = env.check(expr)?;
    let compiler = Compiler {
        env,
        checked: &checked,
        vars,
    };
    compiler.condition(expr)
}

/// [`compile`], then enforces that the predicate holds. A predicate that is false on
/// constants fails here with [`SynthesisError::Unsatisfiable`] (r1cs-std would accept
/// `false == true` between constants).
///
/// # Errors
/// As [`compile`].
pub fn enforce(env: &Env, expr: &Expr, vars: &PredicateVars) -> Result<(), CompileError> {
    match compile(env, expr, vars)? {
        Boolean::Constant(true) => Ok(()),
        Boolean::Constant(false) => Err(SynthesisError::Unsatisfiable.into()),
        holds => Ok(holds.enforce_equal(&Boolean::TRUE)?),
    }
}

/// A compiled sub-expression.
enum Value {
    Bool(Boolean<Fr>),
    Num(FpVar<Fr>, Width),
    Date(FpVar<Fr>),
    Str(FpVar<Fr>),
}

impl Value {
    fn name(&self) -> &'static str {
        match self {
            Value::Bool(_) => "a condition",
            Value::Num(..) => "a number",
            Value::Date(_) => "a date",
            Value::Str(_) => "a string",
        }
    }
}

struct Compiler<'a> {
    env: &'a Env,
    checked: &'a Checked,
    vars: &'a PredicateVars,
}

/// The checker refused what reaches here; reported as a type mismatch at `span`.
fn mismatch(span: Span, expected: &'static str, found: &Value) -> CompileError {
    PredicateError::TypeMismatch {
        span,
        expected,
        found: found.name(),
    }
    .into()
}

impl Compiler<'_> {
    fn condition(&self, e: &Expr) -> Result<Boolean<Fr>, CompileError> {
        match self.value(e)? {
            Value::Bool(b) => Ok(b),
            other => Err(mismatch(e.span, "a condition", &other)),
        }
    }

    fn number(&self, e: &Expr) -> Result<(FpVar<Fr>, Width), CompileError> {
        match self.value(e)? {
            Value::Num(v, w) => Ok((v, w)),
            other => Err(mismatch(e.span, "a number", &other)),
        }
    }

    fn missing(span: Span, name: String) -> CompileError {
        PredicateError::MissingValue { span, name }.into()
    }

    fn value(&self, e: &Expr) -> Result<Value, CompileError> {
        match &e.kind {
            ExprKind::Literal(v) => Ok(Value::Num(
                FpVar::Constant(Fr::from(*v)),
                Width {
                    bits: (128 - v.leading_zeros()).max(1),
                    signed: false,
                },
            )),
            ExprKind::Attribute { alias, name } => {
                let kind = self
                    .env
                    .schema(alias)
                    .and_then(|schema| schema.attributes().iter().find(|a| a.name == *name))
                    .map(|spec| spec.kind)
                    .ok_or_else(|| Self::missing(e.span, format!("{alias}.{name}")))?;
                let var = self
                    .vars
                    .attributes
                    .get(alias)
                    .and_then(|m| m.get(name))
                    .cloned()
                    .ok_or_else(|| Self::missing(e.span, format!("{alias}.{name}")))?;
                Ok(match kind {
                    AttributeType::Uint { bits } => Value::Num(
                        var,
                        Width {
                            bits: u32::from(bits),
                            signed: false,
                        },
                    ),
                    AttributeType::Date => Value::Date(var),
                    AttributeType::String => Value::Str(var),
                })
            }
            ExprKind::Param(name) => {
                let missing = || Self::missing(e.span, format!("${name}"));
                let kind = self.checked.params.get(name).ok_or_else(missing)?;
                let var = self.vars.params.get(name).cloned().ok_or_else(missing)?;
                Ok(match *kind {
                    ParamType::Uint { bits } => Value::Num(
                        var,
                        Width {
                            bits,
                            signed: false,
                        },
                    ),
                    ParamType::Date => Value::Date(var),
                    ParamType::String => Value::Str(var),
                })
            }
            ExprKind::Arith { op, lhs, rhs } => {
                let (a, wa) = self.number(lhs)?;
                let (b, wb) = self.number(rhs)?;
                // The same widths as the checker, which bounded them by MAX_VALUE_BITS.
                let signed = wa.signed || wb.signed;
                Ok(match op {
                    ArithOp::Add => Value::Num(
                        a + b,
                        Width {
                            bits: wa.bits.max(wb.bits) + 1,
                            signed,
                        },
                    ),
                    ArithOp::Sub => Value::Num(
                        a - b,
                        Width {
                            bits: wa.bits.max(wb.bits) + 1,
                            signed: true,
                        },
                    ),
                    ArithOp::Mul => Value::Num(
                        a * b,
                        Width {
                            bits: wa.bits + wb.bits,
                            signed,
                        },
                    ),
                })
            }
            ExprKind::Compare { op, lhs, rhs } => {
                let (x, y) = (self.value(lhs)?, self.value(rhs)?);
                let (x, y, bits) = match (x, y) {
                    (Value::Num(x, wx), Value::Num(y, wy)) => {
                        let bits = wx.bits.max(wy.bits) + u32::from(wx.signed || wy.signed);
                        (x, y, Some(bits))
                    }
                    (Value::Date(x), Value::Date(y)) => (x, y, Some(DATE_BITS)),
                    (Value::Str(x), Value::Str(y)) => (x, y, None),
                    (x, y) => return Err(mismatch(rhs.span, x.name(), &y)),
                };
                let one = Fr::from(1u64);
                let ordering = |d: FpVar<Fr>| match bits {
                    Some(bits) => SignGadget::is_nonnegative(&d, bits as usize),
                    None => Err(SynthesisError::Unsatisfiable),
                };
                let holds = match op {
                    CmpOp::Eq => x.is_eq(&y)?,
                    CmpOp::Ne => not(&x.is_eq(&y)?)?,
                    CmpOp::Ge => ordering(&x - &y)?,
                    CmpOp::Gt => ordering(&x - &y - one)?,
                    CmpOp::Le => ordering(&y - &x)?,
                    CmpOp::Lt => ordering(&y - &x - one)?,
                };
                Ok(Value::Bool(holds))
            }
            ExprKind::In { value, set } => {
                let x = match self.value(value)? {
                    Value::Num(x, _) | Value::Date(x) | Value::Str(x) => x,
                    other => return Err(mismatch(value.span, "a value", &other)),
                };
                let mut product = FpVar::Constant(Fr::from(1u64));
                for item in set {
                    let y = match self.value(item)? {
                        Value::Num(y, _) | Value::Date(y) | Value::Str(y) => y,
                        other => return Err(mismatch(item.span, "a value", &other)),
                    };
                    product *= &x - y;
                }
                Ok(Value::Bool(product.is_eq(&FpVar::zero())?))
            }
            ExprKind::Not(operand) => Ok(Value::Bool(not(&self.condition(operand)?)?)),
            ExprKind::Logic { op, lhs, rhs } => {
                let (a, b) = (self.condition(lhs)?, self.condition(rhs)?);
                Ok(Value::Bool(logic(*op, &a, &b)?))
            }
        }
    }
}

/// `!b`, free (r1cs-std's `Not` operator unwraps internally).
fn not(b: &Boolean<Fr>) -> Result<Boolean<Fr>, SynthesisError> {
    Ok(match b {
        Boolean::Constant(c) => Boolean::Constant(!c),
        Boolean::Var(v) => Boolean::Var(v.not()?),
    })
}

/// `a && b` or `a || b`: one constraint, none with a constant operand (r1cs-std's operators
/// unwrap internally).
fn logic(op: LogicOp, a: &Boolean<Fr>, b: &Boolean<Fr>) -> Result<Boolean<Fr>, SynthesisError> {
    use Boolean::{Constant, Var};
    Ok(match (op, a, b) {
        (LogicOp::And, Constant(false), _) | (LogicOp::And, _, Constant(false)) => Constant(false),
        (LogicOp::Or, Constant(true), _) | (LogicOp::Or, _, Constant(true)) => Constant(true),
        (_, Constant(_), x) | (_, x, Constant(_)) => x.clone(),
        (LogicOp::And, Var(x), Var(y)) => Var(x.and(y)?),
        (LogicOp::Or, Var(x), Var(y)) => Var(x.or(y)?),
    })
}
