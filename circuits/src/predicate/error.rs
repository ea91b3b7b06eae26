//! The error type of the predicate language (parse, check and evaluation errors), each with
//! the byte span it is about, and its rendering with a caret under the source column.

use super::Span;

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Everything that can be wrong with a predicate: its text, its types and widths, or the
/// values it is evaluated on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PredicateError {
    /// A character that starts no token.
    #[error("unexpected character `{found}`")]
    UnexpectedChar {
        /// Where.
        span: Span,
        /// The character.
        found: char,
    },
    /// The parser wanted something else here.
    #[error("expected {expected}, found {found}")]
    Expected {
        /// Where.
        span: Span,
        /// What would have been accepted.
        expected: &'static str,
        /// The token found (quoted) or "end of input".
        found: String,
    },
    /// An integer literal of 2^128 or more.
    #[error("integer literal too large (at most 2^128 - 1)")]
    LiteralTooLarge {
        /// Where.
        span: Span,
    },
    /// `a < b < c`.
    #[error("comparisons do not chain; join them with `&&`")]
    ChainedComparison {
        /// The second comparison operator.
        span: Span,
    },
    /// Parentheses or `!` nested deeper than [`super::MAX_DEPTH`].
    #[error("nested deeper than {limit} levels")]
    TooDeep {
        /// Where.
        span: Span,
        /// The limit.
        limit: usize,
    },
    /// An alias with no schema.
    #[error("unknown alias `{alias}`; known aliases: {}", list(.known))]
    UnknownAlias {
        /// Where.
        span: Span,
        /// The alias.
        alias: String,
        /// The aliases that have a schema.
        known: Vec<String>,
    },
    /// An attribute its alias's schema does not have.
    #[error("`{alias}` has no attribute `{attribute}`; its attributes: {}", list(.known))]
    UnknownAttribute {
        /// Where.
        span: Span,
        /// The alias.
        alias: String,
        /// The attribute named.
        attribute: String,
        /// The schema's attributes.
        known: Vec<String>,
    },
    /// A value of the wrong kind (a string in arithmetic, a number where a condition goes…).
    #[error("expected {expected}, found {found}")]
    TypeMismatch {
        /// Where.
        span: Span,
        /// What would have been accepted.
        expected: &'static str,
        /// The kind found ("a string", "a date"…).
        found: &'static str,
    },
    /// An operator the operands' kind does not allow (`<` on strings…).
    #[error("{what} allow only {allowed}")]
    OperatorNotAllowed {
        /// The operator.
        span: Span,
        /// The kind of operands ("strings").
        what: &'static str,
        /// The operators they allow.
        allowed: &'static str,
    },
    /// A value (an arithmetic result or a parameter) wider than [`super::MAX_VALUE_BITS`]
    /// bits, which could wrap in the BN254 scalar field.
    #[error(
        "this value needs {bits} bits; more than {limit} could wrap in the BN254 scalar field"
    )]
    TooWide {
        /// Where.
        span: Span,
        /// Its width.
        bits: u32,
        /// The limit.
        limit: u32,
    },
    /// A comparison whose difference could wrap in the field.
    #[error(
        "the difference of this comparison's sides needs {bits} bits plus a sign; \
         more than {limit} bits cannot be compared soundly in the BN254 scalar field"
    )]
    ComparisonTooWide {
        /// The comparison.
        span: Span,
        /// The difference's width.
        bits: u32,
        /// The limit.
        limit: u32,
    },
    /// An undeclared parameter used both as a number and as a date.
    #[error("parameter `${name}` is used both as a number and as a date")]
    ParamConflict {
        /// The second use.
        span: Span,
        /// The parameter.
        name: String,
    },
    /// Evaluation found no value for an attribute (`alias.name`) or parameter (`$name`).
    #[error("no value for `{name}`")]
    MissingValue {
        /// Where.
        span: Span,
        /// The attribute or parameter.
        name: String,
    },
    /// Evaluation overflowed 128-bit signed arithmetic.
    #[error("arithmetic overflow (the value does not fit in a signed 128-bit integer)")]
    Overflow {
        /// The operation.
        span: Span,
    },
}

impl PredicateError {
    /// The byte span the error is about.
    pub fn span(&self) -> Span {
        match self {
            PredicateError::UnexpectedChar { span, .. }
            | PredicateError::Expected { span, .. }
            | PredicateError::LiteralTooLarge { span }
            | PredicateError::ChainedComparison { span }
            | PredicateError::TooDeep { span, .. }
            | PredicateError::UnknownAlias { span, .. }
            | PredicateError::UnknownAttribute { span, .. }
            | PredicateError::TypeMismatch { span, .. }
            | PredicateError::OperatorNotAllowed { span, .. }
            | PredicateError::TooWide { span, .. }
            | PredicateError::ComparisonTooWide { span, .. }
            | PredicateError::ParamConflict { span, .. }
            | PredicateError::MissingValue { span, .. }
            | PredicateError::Overflow { span } => *span,
        }
    }

    /// The error for humans: `error at line L, column C: message`, then the source line,
    /// then carets under the offending text (one caret past the end for "end of input").
    /// Columns count characters from 1.
    pub fn render(&self, source: &str) -> String {
        let span = self.span();
        let start = floor_boundary(source, span.start);
        let end = floor_boundary(source, span.end.max(span.start));
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let line_no = source[..start].matches('\n').count() + 1;
        let column = source[line_start..start].chars().count();
        let width = source[start..end.min(line_end).max(start)]
            .chars()
            .count()
            .max(1);
        format!(
            "error at line {line_no}, column {}: {self}\n{}\n{}{}",
            column + 1,
            &source[line_start..line_end],
            " ".repeat(column),
            "^".repeat(width)
        )
    }
}

/// The largest char boundary at or below `i` (clamped to the text).
fn floor_boundary(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}
