//! The plaintext evaluator: the reference semantics a predicate circuit is tested against.
//! Numbers are exact integers (checked `i128` arithmetic; overflow is an error, never a
//! wrap), dates are day counts, strings compare by equality only. Both sides of `&&` and
//! `||` are always evaluated, as a circuit does, so a missing value is never hidden.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::ast::{ArithOp, CmpOp, Expr, ExprKind, LogicOp, Span};
use super::PredicateError;
use crate::credential::{AttributeValue, Attributes};

/// The values a predicate is evaluated on: attributes per alias, and parameters.
#[derive(Clone, Debug, Default)]
pub struct Assignment {
    attributes: BTreeMap<String, BTreeMap<String, AttributeValue>>,
    params: BTreeMap<String, AttributeValue>,
}

impl Assignment {
    /// No values.
    pub fn new() -> Self {
        Assignment::default()
    }

    /// Sets `alias.name`.
    #[must_use]
    pub fn attribute(mut self, alias: &str, name: &str, value: AttributeValue) -> Self {
        self.attributes
            .entry(alias.to_owned())
            .or_default()
            .insert(name.to_owned(), value);
        self
    }

    /// Sets every attribute of a credential under `alias`.
    #[must_use]
    pub fn credential(mut self, alias: &str, attributes: &Attributes) -> Self {
        let map = self.attributes.entry(alias.to_owned()).or_default();
        for (spec, value) in attributes
            .schema()
            .attributes()
            .iter()
            .zip(attributes.values())
        {
            map.insert(spec.name.clone(), value.clone());
        }
        self
    }

    /// Sets `$name`.
    #[must_use]
    pub fn param(mut self, name: &str, value: AttributeValue) -> Self {
        self.params.insert(name.to_owned(), value);
        self
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Val {
    Bool(bool),
    Int(i128),
    Date(u32),
    Str(String),
}

impl Val {
    fn name(&self) -> &'static str {
        match self {
            Val::Bool(_) => "a condition",
            Val::Int(_) => "a number",
            Val::Date(_) => "a date",
            Val::Str(_) => "a string",
        }
    }

    fn from_attribute(value: &AttributeValue) -> Val {
        match value {
            AttributeValue::Uint(v) => Val::Int(i128::from(*v)),
            AttributeValue::Date(d) => Val::Date(d.get()),
            AttributeValue::String(s) => Val::Str(s.clone()),
        }
    }
}

impl Expr {
    /// Evaluates the predicate on plaintext values.
    ///
    /// # Errors
    /// [`PredicateError::MissingValue`], [`PredicateError::Overflow`], and
    /// [`PredicateError::TypeMismatch`] / [`PredicateError::OperatorNotAllowed`] for what the
    /// checker would have refused.
    pub fn evaluate(&self, assignment: &Assignment) -> Result<bool, PredicateError> {
        match eval(self, assignment)? {
            Val::Bool(b) => Ok(b),
            other => Err(mismatch(self.span, "a condition", &other)),
        }
    }
}

fn mismatch(span: Span, expected: &'static str, found: &Val) -> PredicateError {
    PredicateError::TypeMismatch {
        span,
        expected,
        found: found.name(),
    }
}

fn boolean(e: &Expr, a: &Assignment) -> Result<bool, PredicateError> {
    match eval(e, a)? {
        Val::Bool(b) => Ok(b),
        other => Err(mismatch(e.span, "a condition", &other)),
    }
}

fn int(e: &Expr, a: &Assignment) -> Result<i128, PredicateError> {
    match eval(e, a)? {
        Val::Int(v) => Ok(v),
        other => Err(mismatch(e.span, "a number", &other)),
    }
}

/// The ordering of two values of one kind (`Some` only for numbers and dates); `None` for
/// two strings; an error for anything else.
fn compare(lhs: &Val, rhs: &Val, rhs_span: Span) -> Result<Option<Ordering>, PredicateError> {
    match (lhs, rhs) {
        (Val::Int(x), Val::Int(y)) => Ok(Some(x.cmp(y))),
        (Val::Date(x), Val::Date(y)) => Ok(Some(x.cmp(y))),
        (Val::Str(_), Val::Str(_)) => Ok(None),
        (Val::Bool(_), _) => Err(mismatch(rhs_span, "a value", lhs)),
        (l, r) => Err(mismatch(rhs_span, l.name(), r)),
    }
}

fn eval(e: &Expr, a: &Assignment) -> Result<Val, PredicateError> {
    match &e.kind {
        ExprKind::Literal(v) => i128::try_from(*v)
            .map(Val::Int)
            .map_err(|_| PredicateError::Overflow { span: e.span }),
        ExprKind::Attribute { alias, name } => a
            .attributes
            .get(alias)
            .and_then(|m| m.get(name))
            .map(Val::from_attribute)
            .ok_or_else(|| PredicateError::MissingValue {
                span: e.span,
                name: format!("{alias}.{name}"),
            }),
        ExprKind::Param(name) => a.params.get(name).map(Val::from_attribute).ok_or_else(|| {
            PredicateError::MissingValue {
                span: e.span,
                name: format!("${name}"),
            }
        }),
        ExprKind::Arith { op, lhs, rhs } => {
            let (x, y) = (int(lhs, a)?, int(rhs, a)?);
            let result = match op {
                ArithOp::Add => x.checked_add(y),
                ArithOp::Sub => x.checked_sub(y),
                ArithOp::Mul => x.checked_mul(y),
            };
            result
                .map(Val::Int)
                .ok_or(PredicateError::Overflow { span: e.span })
        }
        ExprKind::Compare { op, lhs, rhs } => {
            let (x, y) = (eval(lhs, a)?, eval(rhs, a)?);
            match compare(&x, &y, rhs.span)? {
                Some(ordering) => Ok(Val::Bool(op.holds(ordering))),
                None => match op {
                    CmpOp::Eq => Ok(Val::Bool(x == y)),
                    CmpOp::Ne => Ok(Val::Bool(x != y)),
                    _ => Err(PredicateError::OperatorNotAllowed {
                        span: e.span,
                        what: "strings",
                        allowed: "`==`, `!=` and `in`",
                    }),
                },
            }
        }
        ExprKind::In { value, set } => {
            let x = eval(value, a)?;
            let mut found = false;
            for item in set {
                let y = eval(item, a)?;
                compare(&x, &y, item.span)?;
                found |= x == y;
            }
            Ok(Val::Bool(found))
        }
        ExprKind::Not(operand) => Ok(Val::Bool(!boolean(operand, a)?)),
        ExprKind::Logic { op, lhs, rhs } => {
            let (x, y) = (boolean(lhs, a)?, boolean(rhs, a)?);
            Ok(Val::Bool(match op {
                LogicOp::And => x && y,
                LogicOp::Or => x || y,
            }))
        }
    }
}
