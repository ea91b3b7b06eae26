//! The lexer and the recursive-descent parser of the predicate language.

use super::ast::{ArithOp, CmpOp, Expr, ExprKind, LogicOp, Span};
use super::PredicateError;

/// Deepest nesting of parentheses and `!` the parser accepts (it recurses).
pub const MAX_DEPTH: usize = 64;

const ATOM: &str = "an attribute, a literal, `$param` or `(`";

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    OrOr,
    AndAnd,
    Bang,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Cmp(CmpOp),
    Arith(ArithOp),
    In,
    Ident(String),
    Param(String),
    Int(u128),
    Eof,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::OrOr => "`||`".to_owned(),
            Tok::AndAnd => "`&&`".to_owned(),
            Tok::Bang => "`!`".to_owned(),
            Tok::LParen => "`(`".to_owned(),
            Tok::RParen => "`)`".to_owned(),
            Tok::LBracket => "`[`".to_owned(),
            Tok::RBracket => "`]`".to_owned(),
            Tok::Comma => "`,`".to_owned(),
            Tok::Dot => "`.`".to_owned(),
            Tok::Cmp(op) => format!("`{}`", op.symbol()),
            Tok::Arith(op) => format!("`{}`", op.symbol()),
            Tok::In => "`in`".to_owned(),
            Tok::Ident(name) => format!("`{name}`"),
            Tok::Param(name) => format!("`${name}`"),
            Tok::Int(v) => format!("`{v}`"),
            Tok::Eof => "end of input".to_owned(),
        }
    }
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn lex(src: &str) -> Result<Vec<(Tok, Span)>, PredicateError> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let next = b.get(i + 1).copied();
        let two = |tok: Tok| (tok, 2);
        let one = |tok: Tok| (tok, 1);
        let (tok, len) = match (c, next) {
            (b'|', Some(b'|')) => two(Tok::OrOr),
            (b'&', Some(b'&')) => two(Tok::AndAnd),
            (b'<', Some(b'=')) => two(Tok::Cmp(CmpOp::Le)),
            (b'>', Some(b'=')) => two(Tok::Cmp(CmpOp::Ge)),
            (b'=', Some(b'=')) => two(Tok::Cmp(CmpOp::Eq)),
            (b'!', Some(b'=')) => two(Tok::Cmp(CmpOp::Ne)),
            (b'<', _) => one(Tok::Cmp(CmpOp::Lt)),
            (b'>', _) => one(Tok::Cmp(CmpOp::Gt)),
            (b'!', _) => one(Tok::Bang),
            (b'(', _) => one(Tok::LParen),
            (b')', _) => one(Tok::RParen),
            (b'[', _) => one(Tok::LBracket),
            (b']', _) => one(Tok::RBracket),
            (b',', _) => one(Tok::Comma),
            (b'.', _) => one(Tok::Dot),
            (b'+', _) => one(Tok::Arith(ArithOp::Add)),
            (b'-', _) => one(Tok::Arith(ArithOp::Sub)),
            (b'*', _) => one(Tok::Arith(ArithOp::Mul)),
            (b'|', _) | (b'&', _) | (b'=', _) => {
                return Err(PredicateError::Expected {
                    span: Span::new(start, start + 1),
                    expected: match c {
                        b'|' => "`||`",
                        b'&' => "`&&`",
                        _ => "`==`",
                    },
                    found: format!("`{}`", char::from(c)),
                })
            }
            (b'$', _) => {
                let mut j = i + 1;
                while j < b.len() && is_ident_char(b[j]) {
                    j += 1;
                }
                if j == i + 1 || !is_ident_start(b[i + 1]) {
                    return Err(PredicateError::Expected {
                        span: Span::new(i + 1, i + 1),
                        expected: "a parameter name after `$`",
                        found: describe_at(src, i + 1),
                    });
                }
                (Tok::Param(src[i + 1..j].to_owned()), j - i)
            }
            (c, _) if c.is_ascii_digit() => {
                let mut j = i;
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                let span = Span::new(i, j);
                let value = src[i..j]
                    .parse::<u128>()
                    .map_err(|_| PredicateError::LiteralTooLarge { span })?;
                (Tok::Int(value), j - i)
            }
            (c, _) if is_ident_start(c) => {
                let mut j = i;
                while j < b.len() && is_ident_char(b[j]) {
                    j += 1;
                }
                let word = &src[i..j];
                let tok = if word == "in" {
                    Tok::In
                } else {
                    Tok::Ident(word.to_owned())
                };
                (tok, j - i)
            }
            _ => {
                let found = src[i..].chars().next().unwrap_or('\u{fffd}');
                return Err(PredicateError::UnexpectedChar {
                    span: Span::new(i, i + found.len_utf8()),
                    found,
                });
            }
        };
        out.push((tok, Span::new(start, start + len)));
        i += len;
    }
    out.push((Tok::Eof, Span::new(b.len(), b.len())));
    Ok(out)
}

/// How the character at `i` reads in an error message.
fn describe_at(src: &str, i: usize) -> String {
    src.get(i..)
        .and_then(|rest| rest.chars().next())
        .map_or_else(|| "end of input".to_owned(), |c| format!("`{c}`"))
}

/// Parses a predicate.
///
/// # Errors
/// The first lexical or syntax error, with its span ([`PredicateError::render`] shows it).
pub fn parse(source: &str) -> Result<Expr, PredicateError> {
    let tokens = lex(source)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let expr = parser.or()?;
    let (tok, span) = parser.peek();
    if *tok != Tok::Eof {
        return Err(PredicateError::Expected {
            span,
            expected: "an operator or the end of the predicate",
            found: tok.describe(),
        });
    }
    Ok(expr)
}

struct Parser {
    tokens: Vec<(Tok, Span)>,
    pos: usize,
    depth: usize,
}

fn node(kind: ExprKind, span: Span) -> Expr {
    Expr { kind, span }
}

impl Parser {
    fn peek(&self) -> (&Tok, Span) {
        // The token list always ends with `Eof`, and `bump` never moves past it.
        let last = self.tokens.len().saturating_sub(1);
        let (tok, span) = &self.tokens[self.pos.min(last)];
        (tok, *span)
    }

    fn bump(&mut self) -> (Tok, Span) {
        let (tok, span) = self.peek();
        let out = (tok.clone(), span);
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        out
    }

    fn expect(&mut self, want: &Tok, expected: &'static str) -> Result<Span, PredicateError> {
        let (tok, span) = self.peek();
        if tok == want {
            self.bump();
            Ok(span)
        } else {
            Err(PredicateError::Expected {
                span,
                expected,
                found: tok.describe(),
            })
        }
    }

    fn enter(&mut self, span: Span) -> Result<(), PredicateError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(PredicateError::TooDeep {
                span,
                limit: MAX_DEPTH,
            });
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, PredicateError> {
        let mut lhs = self.and()?;
        while *self.peek().0 == Tok::OrOr {
            self.bump();
            let rhs = self.and()?;
            lhs = logic(LogicOp::Or, lhs, rhs);
        }
        Ok(lhs)
    }

    fn and(&mut self) -> Result<Expr, PredicateError> {
        let mut lhs = self.not()?;
        while *self.peek().0 == Tok::AndAnd {
            self.bump();
            let rhs = self.not()?;
            lhs = logic(LogicOp::And, lhs, rhs);
        }
        Ok(lhs)
    }

    fn not(&mut self) -> Result<Expr, PredicateError> {
        let (tok, span) = self.peek();
        if *tok == Tok::Bang {
            self.bump();
            self.enter(span)?;
            let operand = self.not()?;
            self.depth -= 1;
            let whole = span.join(operand.span);
            return Ok(node(ExprKind::Not(Box::new(operand)), whole));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, PredicateError> {
        let lhs = self.sum()?;
        let expr = match self.peek().0.clone() {
            Tok::Cmp(op) => {
                self.bump();
                let rhs = self.sum()?;
                let span = lhs.span.join(rhs.span);
                node(
                    ExprKind::Compare {
                        op,
                        lhs: Box::new(lhs),
                        rhs: Box::new(rhs),
                    },
                    span,
                )
            }
            Tok::In => {
                self.bump();
                self.expect(&Tok::LBracket, "`[` after `in`")?;
                let mut set = vec![self.sum()?];
                let close = loop {
                    let (tok, span) = self.bump();
                    match tok {
                        Tok::Comma => set.push(self.sum()?),
                        Tok::RBracket => break span,
                        other => {
                            return Err(PredicateError::Expected {
                                span,
                                expected: "`,` or `]`",
                                found: other.describe(),
                            })
                        }
                    }
                };
                let span = lhs.span.join(close);
                node(
                    ExprKind::In {
                        value: Box::new(lhs),
                        set,
                    },
                    span,
                )
            }
            _ => return Ok(lhs),
        };
        let (tok, span) = self.peek();
        if matches!(tok, Tok::Cmp(_) | Tok::In) {
            return Err(PredicateError::ChainedComparison { span });
        }
        Ok(expr)
    }

    fn sum(&mut self) -> Result<Expr, PredicateError> {
        let mut lhs = self.product()?;
        while let Tok::Arith(op @ (ArithOp::Add | ArithOp::Sub)) = *self.peek().0 {
            self.bump();
            let rhs = self.product()?;
            lhs = arith(op, lhs, rhs);
        }
        Ok(lhs)
    }

    fn product(&mut self) -> Result<Expr, PredicateError> {
        let mut lhs = self.atom()?;
        while *self.peek().0 == Tok::Arith(ArithOp::Mul) {
            self.bump();
            let rhs = self.atom()?;
            lhs = arith(ArithOp::Mul, lhs, rhs);
        }
        Ok(lhs)
    }

    fn atom(&mut self) -> Result<Expr, PredicateError> {
        let (tok, span) = self.bump();
        match tok {
            Tok::Int(v) => Ok(node(ExprKind::Literal(v), span)),
            Tok::Param(name) => Ok(node(ExprKind::Param(name), span)),
            Tok::Ident(alias) => {
                self.expect(&Tok::Dot, "`.` and an attribute name after the alias")?;
                let (tok, name_span) = self.bump();
                match tok {
                    Tok::Ident(name) => Ok(node(
                        ExprKind::Attribute { alias, name },
                        span.join(name_span),
                    )),
                    other => Err(PredicateError::Expected {
                        span: name_span,
                        expected: "an attribute name",
                        found: other.describe(),
                    }),
                }
            }
            Tok::LParen => {
                self.enter(span)?;
                let inner = self.or()?;
                self.expect(&Tok::RParen, "`)`")?;
                self.depth -= 1;
                Ok(inner)
            }
            other => Err(PredicateError::Expected {
                span,
                expected: ATOM,
                found: other.describe(),
            }),
        }
    }
}

fn logic(op: LogicOp, lhs: Expr, rhs: Expr) -> Expr {
    let span = lhs.span.join(rhs.span);
    node(
        ExprKind::Logic {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        },
        span,
    )
}

fn arith(op: ArithOp, lhs: Expr, rhs: Expr) -> Expr {
    let span = lhs.span.join(rhs.span);
    node(
        ExprKind::Arith {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        },
        span,
    )
}
