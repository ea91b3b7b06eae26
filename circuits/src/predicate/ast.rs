//! The typed syntax tree of a predicate, with byte spans into the source, and its printer
//! (minimal parentheses; printing then parsing gives back the same tree).

use std::fmt;

/// A half-open byte range `start..end` of the source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The span `start..end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// `+`, `-` or `*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

/// `&&` or `||`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogicOp {
    /// `&&`
    And,
    /// `||`
    Or,
}

impl ArithOp {
    /// The operator's text.
    pub fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
        }
    }
}

impl CmpOp {
    /// The operator's text.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
        }
    }

    /// Whether `lhs op rhs` holds, given their ordering.
    pub fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self {
            CmpOp::Lt => ordering == Less,
            CmpOp::Le => ordering != Greater,
            CmpOp::Gt => ordering == Greater,
            CmpOp::Ge => ordering != Less,
            CmpOp::Eq => ordering == Equal,
            CmpOp::Ne => ordering != Equal,
        }
    }
}

impl LogicOp {
    /// The operator's text.
    pub fn symbol(self) -> &'static str {
        match self {
            LogicOp::And => "&&",
            LogicOp::Or => "||",
        }
    }
}

/// One node of the tree and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    /// What the node is.
    pub kind: ExprKind,
    /// Its source text (without enclosing parentheses).
    pub span: Span,
}

/// The kinds of node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExprKind {
    /// An unsigned integer literal.
    Literal(u128),
    /// `alias.name`: an attribute of the credential bound to `alias`.
    Attribute {
        /// The credential's alias.
        alias: String,
        /// The attribute's name.
        name: String,
    },
    /// `$name`: a public parameter bound at proof time.
    Param(String),
    /// `lhs op rhs` with `+ - *`.
    Arith {
        /// The operator.
        op: ArithOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `lhs op rhs` with a comparison.
    Compare {
        /// The operator.
        op: CmpOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `value in [set…]`.
    In {
        /// The value looked for.
        value: Box<Expr>,
        /// The listed values (at least one).
        set: Vec<Expr>,
    },
    /// `!operand`.
    Not(Box<Expr>),
    /// `lhs && rhs` or `lhs || rhs`.
    Logic {
        /// The operator.
        op: LogicOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
}

/// Binding strength: higher binds tighter.
pub(crate) mod prec {
    pub const OR: u8 = 1;
    pub const AND: u8 = 2;
    pub const NOT: u8 = 3;
    pub const CMP: u8 = 4;
    pub const SUM: u8 = 5;
    pub const PRODUCT: u8 = 6;
    pub const ATOM: u8 = 7;
}

impl Expr {
    fn precedence(&self) -> u8 {
        match &self.kind {
            ExprKind::Literal(_) | ExprKind::Attribute { .. } | ExprKind::Param(_) => prec::ATOM,
            ExprKind::Arith {
                op: ArithOp::Mul, ..
            } => prec::PRODUCT,
            ExprKind::Arith { .. } => prec::SUM,
            ExprKind::Compare { .. } | ExprKind::In { .. } => prec::CMP,
            ExprKind::Not(_) => prec::NOT,
            ExprKind::Logic {
                op: LogicOp::And, ..
            } => prec::AND,
            ExprKind::Logic {
                op: LogicOp::Or, ..
            } => prec::OR,
        }
    }

    /// The tree with every compound node in parentheses (for tests and debugging).
    pub fn fully_parenthesized(&self) -> String {
        match &self.kind {
            ExprKind::Literal(_) | ExprKind::Attribute { .. } | ExprKind::Param(_) => {
                self.to_string()
            }
            ExprKind::Arith { op, lhs, rhs } => format!(
                "({} {} {})",
                lhs.fully_parenthesized(),
                op.symbol(),
                rhs.fully_parenthesized()
            ),
            ExprKind::Compare { op, lhs, rhs } => format!(
                "({} {} {})",
                lhs.fully_parenthesized(),
                op.symbol(),
                rhs.fully_parenthesized()
            ),
            ExprKind::Logic { op, lhs, rhs } => format!(
                "({} {} {})",
                lhs.fully_parenthesized(),
                op.symbol(),
                rhs.fully_parenthesized()
            ),
            ExprKind::In { value, set } => {
                let items: Vec<String> = set.iter().map(Expr::fully_parenthesized).collect();
                format!(
                    "({} in [{}])",
                    value.fully_parenthesized(),
                    items.join(", ")
                )
            }
            ExprKind::Not(operand) => format!("(!{})", operand.fully_parenthesized()),
        }
    }
}

/// Writes `e`, in parentheses if it binds looser than `min`.
fn child(f: &mut fmt::Formatter<'_>, e: &Expr, min: u8) -> fmt::Result {
    if e.precedence() < min {
        write!(f, "({e})")
    } else {
        write!(f, "{e}")
    }
}

fn binary(f: &mut fmt::Formatter<'_>, lhs: &Expr, op: &str, rhs: &Expr, p: u8) -> fmt::Result {
    child(f, lhs, p)?;
    write!(f, " {op} ")?;
    child(f, rhs, p + 1)
}

impl fmt::Display for Expr {
    /// The source form with as few parentheses as keep the tree.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Literal(v) => write!(f, "{v}"),
            ExprKind::Attribute { alias, name } => write!(f, "{alias}.{name}"),
            ExprKind::Param(name) => write!(f, "${name}"),
            ExprKind::Arith { op, lhs, rhs } => binary(f, lhs, op.symbol(), rhs, self.precedence()),
            ExprKind::Logic { op, lhs, rhs } => binary(f, lhs, op.symbol(), rhs, self.precedence()),
            ExprKind::Compare { op, lhs, rhs } => {
                child(f, lhs, prec::SUM)?;
                write!(f, " {} ", op.symbol())?;
                child(f, rhs, prec::SUM)
            }
            ExprKind::In { value, set } => {
                child(f, value, prec::SUM)?;
                write!(f, " in [")?;
                for (i, item) in set.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    child(f, item, prec::SUM)?;
                }
                write!(f, "]")
            }
            ExprKind::Not(operand) => {
                write!(f, "!")?;
                child(f, operand, prec::NOT)
            }
        }
    }
}
