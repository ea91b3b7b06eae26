//! The checker: kinds (number, date, string, condition) and the widths of numbers, so that
//! nothing a circuit computes can wrap in the BN254 scalar field.
//!
//! A number has a [`Width`]: `bits` and whether it may be negative. Unsigned means
//! `0 ≤ v < 2^bits`, signed means `|v| < 2^bits`. Literals take their bit length, `uint`
//! attributes their declared bits, parameters their declared bits (64 unless declared).
//! `a * b` takes `bits(a) + bits(b)`, `a + b` takes `max + 1`, `a - b` takes `max + 1` and is
//! signed; a result is signed when either operand is. Every value must fit in
//! [`MAX_VALUE_BITS`] = 252 bits (so `|v| < 2^252 < p/2` has one field encoding and `x == y`
//! in the field is `x == y` over the integers). A comparison `<, <=, >, >=` is sound when its
//! difference `d = rhs - lhs` satisfies `|d| < 2^252`, so `d + 2^252` fits in 253 bits below
//! `p`: the difference's width is `max(bits)` when both sides are unsigned, `max(bits) + 1`
//! otherwise, and must be at most 252.

use std::collections::BTreeMap;

use super::ast::{CmpOp, Expr, ExprKind, Span};
use super::PredicateError;
use crate::credential::{AttributeType, Schema};

/// The widest value (in bits of magnitude) the checker accepts.
pub const MAX_VALUE_BITS: u32 = 252;

/// The type of a public parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    /// An unsigned integer below `2^bits` (1 ≤ bits ≤ 252).
    Uint {
        /// Width in bits.
        bits: u32,
    },
    /// A date (days since 1970-01-01).
    Date,
    /// A string (hashed into the field).
    String,
}

/// The width of a number: `0 ≤ v < 2^bits` when unsigned, `|v| < 2^bits` when signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Width {
    /// Bits of magnitude.
    pub bits: u32,
    /// Whether the value may be negative.
    pub signed: bool,
}

/// What the checker knows: the schema of each alias and the declared parameters.
/// Undeclared parameters are 64-bit unsigned, or dates where compared with a date.
#[derive(Clone, Debug, Default)]
pub struct Env {
    aliases: BTreeMap<String, Schema>,
    params: BTreeMap<String, ParamType>,
}

/// A predicate that passed the checker, and the type each parameter it uses takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// Each parameter used, with its declared or inferred type.
    pub params: BTreeMap<String, ParamType>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    Bool,
    Num(Width),
    Date,
    Str,
}

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::Bool => "a condition",
            Ty::Num(_) => "a number",
            Ty::Date => "a date",
            Ty::Str => "a string",
        }
    }
}

impl Env {
    /// No aliases and no declared parameters.
    pub fn new() -> Self {
        Env::default()
    }

    /// Binds `alias` to a schema.
    #[must_use]
    pub fn alias(mut self, alias: &str, schema: Schema) -> Self {
        self.aliases.insert(alias.to_owned(), schema);
        self
    }

    /// Declares parameter `$name`.
    #[must_use]
    pub fn param(mut self, name: &str, kind: ParamType) -> Self {
        self.params.insert(name.to_owned(), kind);
        self
    }

    /// The schema bound to `alias`.
    pub fn schema(&self, alias: &str) -> Option<&Schema> {
        self.aliases.get(alias)
    }

    /// Checks a predicate: every alias and attribute known, kinds matching, every width
    /// within [`MAX_VALUE_BITS`] and every comparison sound (see the module documentation).
    ///
    /// # Errors
    /// The first problem found, with its span: [`PredicateError::UnknownAlias`],
    /// [`PredicateError::UnknownAttribute`], [`PredicateError::TypeMismatch`],
    /// [`PredicateError::OperatorNotAllowed`], [`PredicateError::TooWide`],
    /// [`PredicateError::ComparisonTooWide`], [`PredicateError::ParamConflict`].
    pub fn check(&self, expr: &Expr) -> Result<Checked, PredicateError> {
        let mut checker = Checker {
            env: self,
            used: BTreeMap::new(),
        };
        let ty = checker.ty(expr)?;
        expect_bool(ty, expr.span)?;
        Ok(Checked {
            params: checker.used,
        })
    }
}

fn expect_bool(ty: Ty, span: Span) -> Result<(), PredicateError> {
    if ty == Ty::Bool {
        Ok(())
    } else {
        Err(PredicateError::TypeMismatch {
            span,
            expected: "a condition",
            found: ty.name(),
        })
    }
}

struct Checker<'a> {
    env: &'a Env,
    used: BTreeMap<String, ParamType>,
}

impl Checker<'_> {
    fn is_undeclared_param(&self, e: &Expr) -> bool {
        matches!(&e.kind, ExprKind::Param(name) if !self.env.params.contains_key(name))
    }

    fn param(&mut self, name: &str, span: Span, date_context: bool) -> Result<Ty, PredicateError> {
        let kind = match self.env.params.get(name) {
            Some(kind) => *kind,
            None if date_context => ParamType::Date,
            None => ParamType::Uint { bits: 64 },
        };
        if let Some(previous) = self.used.insert(name.to_owned(), kind) {
            if previous != kind {
                return Err(PredicateError::ParamConflict {
                    span,
                    name: name.to_owned(),
                });
            }
        }
        match kind {
            ParamType::Uint { bits } if !(1..=MAX_VALUE_BITS).contains(&bits) => {
                Err(PredicateError::TooWide {
                    span,
                    bits,
                    limit: MAX_VALUE_BITS,
                })
            }
            ParamType::Uint { bits } => Ok(Ty::Num(Width {
                bits,
                signed: false,
            })),
            ParamType::Date => Ok(Ty::Date),
            ParamType::String => Ok(Ty::Str),
        }
    }

    /// Types of comparison operands: an undeclared parameter is a date beside a date.
    fn operands(&mut self, exprs: &[&Expr]) -> Result<Vec<Ty>, PredicateError> {
        let mut known = Vec::with_capacity(exprs.len());
        for e in exprs {
            known.push(if self.is_undeclared_param(e) {
                None
            } else {
                Some(self.ty(e)?)
            });
        }
        let date_context = known.contains(&Some(Ty::Date));
        exprs
            .iter()
            .zip(known)
            .map(|(e, ty)| match (ty, &e.kind) {
                (Some(ty), _) => Ok(ty),
                (None, ExprKind::Param(name)) => self.param(name, e.span, date_context),
                (None, _) => self.ty(e),
            })
            .collect()
    }

    fn ty(&mut self, e: &Expr) -> Result<Ty, PredicateError> {
        match &e.kind {
            ExprKind::Literal(v) => Ok(Ty::Num(Width {
                bits: (128 - v.leading_zeros()).max(1),
                signed: false,
            })),
            ExprKind::Attribute { alias, name } => {
                let schema =
                    self.env
                        .aliases
                        .get(alias)
                        .ok_or_else(|| PredicateError::UnknownAlias {
                            span: e.span,
                            alias: alias.clone(),
                            known: self.env.aliases.keys().cloned().collect(),
                        })?;
                let spec = schema
                    .attributes()
                    .iter()
                    .find(|a| a.name == *name)
                    .ok_or_else(|| PredicateError::UnknownAttribute {
                        span: e.span,
                        alias: alias.clone(),
                        attribute: name.clone(),
                        known: schema.attributes().iter().map(|a| a.name.clone()).collect(),
                    })?;
                Ok(match spec.kind {
                    AttributeType::Uint { bits } => Ty::Num(Width {
                        bits: u32::from(bits),
                        signed: false,
                    }),
                    AttributeType::Date => Ty::Date,
                    AttributeType::String => Ty::Str,
                })
            }
            ExprKind::Param(name) => self.param(name, e.span, false),
            ExprKind::Arith { op, lhs, rhs } => {
                let a = self.number(lhs)?;
                let b = self.number(rhs)?;
                let width = match op {
                    super::ArithOp::Mul => Width {
                        bits: a.bits + b.bits,
                        signed: a.signed || b.signed,
                    },
                    super::ArithOp::Add => Width {
                        bits: a.bits.max(b.bits) + 1,
                        signed: a.signed || b.signed,
                    },
                    super::ArithOp::Sub => Width {
                        bits: a.bits.max(b.bits) + 1,
                        signed: true,
                    },
                };
                if width.bits > MAX_VALUE_BITS {
                    return Err(PredicateError::TooWide {
                        span: e.span,
                        bits: width.bits,
                        limit: MAX_VALUE_BITS,
                    });
                }
                Ok(Ty::Num(width))
            }
            ExprKind::Compare { op, lhs, rhs } => {
                let tys = self.operands(&[lhs, rhs])?;
                let (a, b) = (tys[0], tys[1]);
                self.comparable((a, lhs.span), (b, rhs.span))?;
                let ordering = !matches!(op, CmpOp::Eq | CmpOp::Ne);
                match (a, ordering) {
                    (Ty::Str, true) => Err(PredicateError::OperatorNotAllowed {
                        span: e.span,
                        what: "strings",
                        allowed: "`==`, `!=` and `in`",
                    }),
                    (Ty::Num(wa), true) => {
                        if let Ty::Num(wb) = b {
                            let bits = wa.bits.max(wb.bits) + u32::from(wa.signed || wb.signed);
                            if bits > MAX_VALUE_BITS {
                                return Err(PredicateError::ComparisonTooWide {
                                    span: e.span,
                                    bits,
                                    limit: MAX_VALUE_BITS,
                                });
                            }
                        }
                        Ok(Ty::Bool)
                    }
                    _ => Ok(Ty::Bool),
                }
            }
            ExprKind::In { value, set } => {
                let mut all: Vec<&Expr> = vec![value];
                all.extend(set.iter());
                let tys = self.operands(&all)?;
                for (ty, item) in tys.iter().zip(all.iter()).skip(1) {
                    self.comparable((tys[0], value.span), (*ty, item.span))?;
                }
                Ok(Ty::Bool)
            }
            ExprKind::Not(operand) => {
                let ty = self.ty(operand)?;
                expect_bool(ty, operand.span)?;
                Ok(Ty::Bool)
            }
            ExprKind::Logic { lhs, rhs, .. } => {
                for side in [lhs, rhs] {
                    let ty = self.ty(side)?;
                    expect_bool(ty, side.span)?;
                }
                Ok(Ty::Bool)
            }
        }
    }

    fn number(&mut self, e: &Expr) -> Result<Width, PredicateError> {
        match self.ty(e)? {
            Ty::Num(w) => Ok(w),
            other => Err(PredicateError::TypeMismatch {
                span: e.span,
                expected: "a number (arithmetic is on numbers only)",
                found: other.name(),
            }),
        }
    }

    /// Whether two operand kinds (with their spans) can be compared.
    fn comparable(
        &self,
        (a, a_span): (Ty, Span),
        (b, span): (Ty, Span),
    ) -> Result<(), PredicateError> {
        let expected = match a {
            Ty::Bool => {
                return Err(PredicateError::TypeMismatch {
                    span: a_span,
                    expected: "a value (conditions combine with `&&`, `||` and `!`)",
                    found: "a condition",
                })
            }
            Ty::Num(_) => "a number",
            Ty::Date => "a date (a date attribute or a date parameter such as `$now`)",
            Ty::Str => "a string",
        };
        let same = matches!(
            (a, b),
            (Ty::Num(_), Ty::Num(_)) | (Ty::Date, Ty::Date) | (Ty::Str, Ty::Str)
        );
        if same {
            Ok(())
        } else {
            Err(PredicateError::TypeMismatch {
                span,
                expected,
                found: b.name(),
            })
        }
    }
}
