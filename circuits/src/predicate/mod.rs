//! The predicate language's front end: lexer, parser, typed AST with source spans, a width
//! checker that refuses what cannot be kept from wrapping in the BN254 scalar field, and a
//! plaintext evaluator (the reference a circuit is tested against), and the compiler to R1CS
//! ([`compile`]; see its module for the contract and soundness argument).
//!
//! ```text
//! bureau.score >= 650 && bank.debt < 20000 && bank.income >= 3 * bank.debt
//! ```
//!
//! Grammar (EBNF; precedence from loosest to tightest `||`, `&&`, `!`, comparison / `in`,
//! `+ -`, `*`; binary operators are left associative; comparisons do not chain):
//! ```text
//! predicate  = or ;
//! or         = and { "||" and } ;
//! and        = not { "&&" not } ;
//! not        = "!" not | comparison ;
//! comparison = sum [ ( "<" | "<=" | ">" | ">=" | "==" | "!=" ) sum
//!                  | "in" "[" sum { "," sum } "]" ] ;
//! sum        = product { ( "+" | "-" ) product } ;
//! product    = atom { "*" atom } ;
//! atom       = integer | ident "." ident | "$" ident | "(" or ")" ;
//! integer    = digit { digit } ;              (* below 2^128 *)
//! ident      = ( letter | "_" ) { letter | digit | "_" } ;   (* not "in" *)
//! ```

mod ast;
mod check;
mod compile;
#[cfg(test)]
mod compile_tests;
mod error;
mod eval;
mod parse;
#[cfg(test)]
mod tests;

pub use ast::{ArithOp, CmpOp, Expr, ExprKind, LogicOp, Span};
pub use check::{Checked, Env, ParamType, Width, MAX_VALUE_BITS};
pub use compile::{
    attribute_bits, compile, enforce, param_bits, CompileError, PredicateVars, DATE_BITS,
};
pub use error::PredicateError;
pub use eval::Assignment;
pub use parse::{parse, MAX_DEPTH};
