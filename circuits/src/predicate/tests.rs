//! Unit tests of the predicate front end.

use proptest::prelude::*;

use super::*;
use crate::credential::{AttributeSpec, AttributeType, AttributeValue, Days, Schema};

const EXAMPLE: &str = "bureau.score >= 650 && bank.debt < 20000 && bank.income >= 3 * bank.debt";

/// A schema of the named attributes (shared with the compiler's tests).
pub(super) fn schema(id: &str, attributes: &[(&str, AttributeType)]) -> Schema {
    Schema::new(
        id.to_owned(),
        attributes
            .iter()
            .map(|(name, kind)| AttributeSpec {
                name: (*name).to_owned(),
                kind: *kind,
            })
            .collect(),
    )
    .expect("test schema")
}

fn env() -> Env {
    Env::new()
        .alias(
            "bureau",
            schema(
                "test/bureau",
                &[
                    ("score", AttributeType::Uint { bits: 16 }),
                    ("as_of", AttributeType::Date),
                    ("name", AttributeType::String),
                ],
            ),
        )
        .alias(
            "bank",
            schema(
                "test/bank",
                &[
                    ("income", AttributeType::Uint { bits: 64 }),
                    ("debt", AttributeType::Uint { bits: 64 }),
                ],
            ),
        )
        .param("s", ParamType::String)
        .param("wide", ParamType::Uint { bits: 252 })
        .param("wide2", ParamType::Uint { bits: 252 })
        .param("w1", ParamType::Uint { bits: 250 })
        .param("w2", ParamType::Uint { bits: 250 })
}

fn parsed(src: &str) -> Expr {
    parse(src).unwrap_or_else(|e| panic!("{}", e.render(src)))
}

/// The error of `src` (parse, then check against [`env`]), its rendering, and the 0-based
/// column of the first caret in the rendering.
fn failure(src: &str) -> (PredicateError, String, usize) {
    let err = match parse(src) {
        Err(e) => e,
        Ok(expr) => match env().check(&expr) {
            Err(e) => e,
            Ok(_) => panic!("`{src}` was accepted"),
        },
    };
    let text = err.render(src);
    let caret_line = text.lines().nth(2).expect("three lines");
    let column = caret_line.find('^').expect("a caret");
    (err, text, column)
}

#[test]
fn example_round_trips_and_checks() {
    let expr = parsed(EXAMPLE);
    assert_eq!(expr.to_string(), EXAMPLE);
    assert_eq!(parsed(&expr.to_string()), expr);
    assert_eq!(
        expr.fully_parenthesized(),
        "(((bureau.score >= 650) && (bank.debt < 20000)) && (bank.income >= (3 * bank.debt)))"
    );
    assert_eq!(expr.span, Span::new(0, EXAMPLE.len()));
    let checked = env().check(&expr).expect("example checks");
    assert!(checked.params.is_empty());

    let values = |score, debt, income| {
        Assignment::new()
            .attribute("bureau", "score", AttributeValue::Uint(score))
            .attribute("bank", "debt", AttributeValue::Uint(debt))
            .attribute("bank", "income", AttributeValue::Uint(income))
    };
    assert_eq!(expr.evaluate(&values(650, 19_999, 59_997)), Ok(true));
    assert_eq!(expr.evaluate(&values(649, 19_999, 59_997)), Ok(false));
    assert_eq!(expr.evaluate(&values(650, 20_000, 60_000)), Ok(false));
    assert_eq!(expr.evaluate(&values(650, 19_999, 59_996)), Ok(false));
}

#[test]
fn precedence_and_associativity() {
    let cases = [
        ("1 + 2 * 3 < 4", "((1 + (2 * 3)) < 4)"),
        ("1 * 2 + 3 < 4", "(((1 * 2) + 3) < 4)"),
        ("1 - 2 - 3 == 0", "(((1 - 2) - 3) == 0)"),
        ("1 - (2 - 3) == 0", "((1 - (2 - 3)) == 0)"),
        ("2 * (3 * 4) == 24", "((2 * (3 * 4)) == 24)"),
        (
            "a.x < 1 || b.y > 2 && c.z == 3",
            "((a.x < 1) || ((b.y > 2) && (c.z == 3)))",
        ),
        (
            "(a.x < 1 || b.y > 2) && c.z == 3",
            "(((a.x < 1) || (b.y > 2)) && (c.z == 3))",
        ),
        ("!a.x < 1 && b.y > 2", "((!(a.x < 1)) && (b.y > 2))"),
        ("!(a.x < 1 || b.y > 2)", "(!((a.x < 1) || (b.y > 2)))"),
        ("!!a.x == 1", "(!(!(a.x == 1)))"),
        ("(1 + 2) * 3 >= $min", "(((1 + 2) * 3) >= $min)"),
        ("a.x in [1, 2 + 3, $p]", "(a.x in [1, (2 + 3), $p])"),
        (
            "a.x + 1 in [2] || $q != 0",
            "(((a.x + 1) in [2]) || ($q != 0))",
        ),
        (
            "a.x < 1 || b.y < 2 || c.z < 3",
            "(((a.x < 1) || (b.y < 2)) || (c.z < 3))",
        ),
        (
            "a.x < 1 || (b.y < 2 || c.z < 3)",
            "((a.x < 1) || ((b.y < 2) || (c.z < 3)))",
        ),
        ("(a.x < 1) == (b.y < 2)", "((a.x < 1) == (b.y < 2))"),
    ];
    for (src, tree) in cases {
        let expr = parsed(src);
        assert_eq!(expr.fully_parenthesized(), tree, "{src}");
        assert_eq!(expr.to_string(), src, "minimal printing of {src}");
        let again = parsed(&expr.to_string());
        assert_eq!(again.fully_parenthesized(), tree, "{src} reprinted");
        // The fully parenthesized form parses to the same tree too.
        assert_eq!(parsed(tree).fully_parenthesized(), tree);
    }
}

#[test]
fn parse_errors_point_at_their_column() {
    let cases: &[(&str, usize, &str)] = &[
        (
            "bureau.score >= ",
            16,
            "expected an attribute, a literal, `$param` or `(`, found end of input",
        ),
        (
            "bureau.score >= )",
            16,
            "expected an attribute, a literal, `$param` or `(`, found `)`",
        ),
        (
            "a.x < b.y < 3",
            10,
            "comparisons do not chain; join them with `&&`",
        ),
        (
            "a.x == 1 in [1]",
            9,
            "comparisons do not chain; join them with `&&`",
        ),
        ("a.x # 3", 4, "unexpected character `#`"),
        ("a.x < 3 €", 8, "unexpected character `€`"),
        ("a.x = 3", 4, "expected `==`, found `=`"),
        ("a.x < 1 & b.y", 8, "expected `&&`, found `&`"),
        ("(a.x < 3", 8, "expected `)`, found end of input"),
        ("a.x in 3", 7, "expected `[` after `in`, found `3`"),
        ("a.x in [1 2]", 10, "expected `,` or `]`, found `2`"),
        ("a.x in []", 8, "expected an attribute, a literal"),
        ("$ < 3", 1, "expected a parameter name after `$`, found ` `"),
        (
            "a < 3",
            2,
            "expected `.` and an attribute name after the alias",
        ),
        ("a.1 < 3", 2, "expected an attribute name, found `1`"),
        (
            "a.x < 3 4",
            8,
            "expected an operator or the end of the predicate, found `4`",
        ),
        (
            "a.x < 340282366920938463463374607431768211456",
            6,
            "integer literal too large",
        ),
    ];
    for (src, column, message) in cases {
        let (err, text, caret) = failure(src);
        assert_eq!(caret, *column, "caret of {src:?}:\n{text}");
        assert!(
            err.to_string().contains(message),
            "{src:?}: {err} lacks {message}"
        );
        assert!(text.starts_with(&format!("error at line 1, column {}: ", column + 1)));
        assert_eq!(text.lines().nth(1), Some(*src));
    }
    // The largest literal parses.
    assert!(parse("a.x < 340282366920938463463374607431768211455").is_ok());
}

#[test]
fn errors_on_later_lines_and_the_caret_width() {
    // The rendering shown in docs/credentials.md.
    let src = "bureau.score >= ";
    let err = parse(src).expect_err("incomplete");
    assert_eq!(
        err.render(src),
        "error at line 1, column 17: expected an attribute, a literal, `$param` or `(`, \
         found end of input\nbureau.score >= \n                ^"
    );
    let empty = parse("").expect_err("empty");
    assert_eq!(empty.span(), Span::new(0, 0));
    assert_eq!(empty.render("").lines().nth(2), Some("^"));

    let src = "a.x < 1 &&\n  b.y >";
    let (err, text, caret) = failure(src);
    assert!(matches!(err, PredicateError::Expected { .. }));
    assert_eq!(caret, 7);
    assert!(text.starts_with("error at line 2, column 8: "), "{text}");
    assert_eq!(text.lines().nth(1), Some("  b.y >"));

    let (err, text, caret) = failure("bureau.scor >= 1");
    assert_eq!(caret, 0);
    assert_eq!(text.lines().nth(2), Some("^^^^^^^^^^^"));
    assert_eq!(
        err.to_string(),
        "`bureau` has no attribute `scor`; its attributes: `score`, `as_of`, `name`"
    );
}

#[test]
fn nesting_is_bounded() {
    let ok = format!("{}a.x < 1", "!".repeat(MAX_DEPTH));
    assert!(parse(&ok).is_ok());
    let deep = format!("{}a.x < 1", "!".repeat(MAX_DEPTH + 1));
    let (err, _, caret) = failure(&deep);
    assert!(matches!(err, PredicateError::TooDeep { .. }));
    assert_eq!(caret, MAX_DEPTH);
    let parens = format!("{}1{} == 1", "(".repeat(100_000), ")".repeat(100_000));
    assert!(matches!(
        parse(&parens),
        Err(PredicateError::TooDeep { .. })
    ));
}

#[test]
fn check_errors_point_at_their_column() {
    let cases: &[(&str, usize, &str)] = &[
        (
            "bank.debt < 1 && bureaux.score >= 1",
            17,
            "unknown alias `bureaux`; known aliases: `bank`, `bureau`",
        ),
        (
            "bureau.name < $s",
            0,
            "strings allow only `==`, `!=` and `in`",
        ),
        (
            "bureau.name == bank.debt",
            15,
            "expected a string, found a number",
        ),
        (
            "bureau.name + 1 == $s",
            0,
            "expected a number (arithmetic is on numbers only), found a string",
        ),
        ("bureau.as_of >= 5", 16, "expected a date"),
        (
            "bureau.as_of + 1 > $now",
            0,
            "expected a number (arithmetic is on numbers only), found a date",
        ),
        ("bank.income", 0, "expected a condition, found a number"),
        ("!bank.income", 1, "expected a condition, found a number"),
        (
            "bank.debt < 1 || bank.income",
            17,
            "expected a condition, found a number",
        ),
        (
            "(bank.debt < 1) < (bank.debt < 2)",
            1,
            "expected a value (conditions combine with `&&`, `||` and `!`), found a condition",
        ),
        (
            "bank.debt in [1, bureau.as_of]",
            17,
            "expected a number, found a date",
        ),
        (
            "$t > 1 && bureau.as_of < $t",
            25,
            "parameter `$t` is used both as a number and as a date",
        ),
    ];
    for (src, column, message) in cases {
        let (err, text, caret) = failure(src);
        assert_eq!(caret, *column, "caret of {src:?}:\n{text}");
        assert!(
            err.to_string().contains(message),
            "{src:?}: `{err}` lacks `{message}`"
        );
    }
}

#[test]
fn strings_and_dates_where_they_are_sound() {
    let env = env();
    for src in [
        "bureau.name == $s",
        "bureau.name != $s",
        "bureau.name in [$s, $s]",
        "bureau.as_of >= $now",
        "$now < bureau.as_of",
        "bureau.as_of in [$d1, $d2]",
    ] {
        env.check(&parsed(src))
            .unwrap_or_else(|e| panic!("{}", e.render(src)));
    }
    let checked = env
        .check(&parsed("bureau.as_of >= $now && bank.debt < $max"))
        .expect("checks");
    assert_eq!(checked.params.get("now"), Some(&ParamType::Date));
    assert_eq!(
        checked.params.get("max"),
        Some(&ParamType::Uint { bits: 64 })
    );

    let day = |d| AttributeValue::Date(Days::new(d, "test").expect("day"));
    let expr = parsed("bureau.as_of >= $now && bureau.name == $s");
    let values = |as_of, now, name: &str| {
        Assignment::new()
            .attribute("bureau", "as_of", day(as_of))
            .attribute("bureau", "name", AttributeValue::String(name.to_owned()))
            .param("now", day(now))
            .param("s", AttributeValue::String("acme".to_owned()))
    };
    assert_eq!(expr.evaluate(&values(20_000, 20_000, "acme")), Ok(true));
    assert_eq!(expr.evaluate(&values(19_999, 20_000, "acme")), Ok(false));
    assert_eq!(expr.evaluate(&values(20_001, 20_000, "acme2")), Ok(false));
}

#[test]
fn widths_are_tracked_through_arithmetic() {
    let env = env();
    // Two 64-bit attributes multiply to 128 bits: accepted.
    env.check(&parsed("bank.income * bank.debt >= $x * 2"))
        .expect("128 bits");
    env.check(&parsed(
        "bank.income * bank.debt * bank.income - bank.debt < 1",
    ))
    .expect("193 bits, signed");

    // Four of them need 256 bits: refused at the product.
    let src = "bank.debt < 1 || bank.income * bank.debt * bank.income * bank.debt > 0";
    let (err, text, caret) = failure(src);
    assert_eq!(caret, 17, "{text}");
    assert_eq!(
        err,
        PredicateError::TooWide {
            span: Span::new(17, 66),
            bits: 256,
            limit: MAX_VALUE_BITS
        }
    );
    // 252 bits are accepted, one more is not.
    env.check(&parsed("$wide > $wide2")).expect("252 vs 252");
    env.check(&parsed("$wide == 1")).expect("252 bits");
    let (err, _, caret) = failure("$wide + 1 > 0");
    assert_eq!(caret, 0);
    assert!(matches!(err, PredicateError::TooWide { bits: 253, .. }));
    // A signed side makes the difference one bit wider.
    env.check(&parsed("$w1 - $w2 < 5"))
        .expect("signed 251 vs 3: difference 252 bits");
    let (err, _, caret) = failure("5 < $wide && $wide > $w1 - $w2");
    assert_eq!(caret, 13);
    assert!(matches!(
        err,
        PredicateError::ComparisonTooWide { bits: 253, .. }
    ));
    // Equality needs no extra bit.
    env.check(&parsed("$wide == $w1 - $w2"))
        .expect("252-bit equality");
    // A declared parameter outside 1..=252 bits is refused.
    let too = Env::new().param("p", ParamType::Uint { bits: 253 });
    assert!(matches!(
        too.check(&parsed("$p > 0")),
        Err(PredicateError::TooWide { bits: 253, .. })
    ));
}

#[test]
fn evaluation_errors() {
    let income = |v| Assignment::new().attribute("bank", "income", AttributeValue::Uint(v));
    let cube = parsed("bank.income * bank.income * bank.income > 0");
    assert!(matches!(
        cube.evaluate(&income(u64::MAX)),
        Err(PredicateError::Overflow { span }) if span == Span::new(0, 25)
    ));
    assert!(matches!(
        cube.evaluate(&income(1 << 50)),
        Err(PredicateError::Overflow { span }) if span == Span::new(0, 39)
    ));
    assert_eq!(cube.evaluate(&income(1 << 20)), Ok(true));
    assert_eq!(
        parsed("bank.income - 5 < 0").evaluate(&income(4)),
        Ok(true),
        "subtraction goes negative"
    );
    let missing = parsed("bank.income > 0 || bank.debt > 0");
    assert_eq!(
        missing.evaluate(&income(1)),
        Err(PredicateError::MissingValue {
            span: Span::new(19, 28),
            name: "bank.debt".to_owned()
        })
    );
    assert!(matches!(
        parsed("$p > 0").evaluate(&income(1)),
        Err(PredicateError::MissingValue { name, .. }) if name == "$p"
    ));
    assert!(matches!(
        parsed("bank.income").evaluate(&income(1)),
        Err(PredicateError::TypeMismatch { .. })
    ));
}

// ---- random predicates against a direct computation ----

const ARITH: [ArithOp; 3] = [ArithOp::Add, ArithOp::Sub, ArithOp::Mul];
const CMP: [CmpOp; 6] = [
    CmpOp::Lt,
    CmpOp::Le,
    CmpOp::Gt,
    CmpOp::Ge,
    CmpOp::Eq,
    CmpOp::Ne,
];

#[derive(Clone, Debug)]
enum Num {
    Lit(u16),
    Attr(usize),
    Op(usize, Box<Num>, Box<Num>),
}

#[derive(Clone, Debug)]
enum Cond {
    Cmp(usize, Num, Num),
    In(Num, Vec<Num>),
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

fn num() -> impl Strategy<Value = Num> {
    let leaf = prop_oneof![
        any::<u16>().prop_map(Num::Lit),
        (0..4usize).prop_map(Num::Attr)
    ];
    leaf.prop_recursive(2, 8, 2, |inner| {
        (0..3usize, inner.clone(), inner)
            .prop_map(|(op, l, r)| Num::Op(op, Box::new(l), Box::new(r)))
    })
}

fn cond() -> impl Strategy<Value = Cond> {
    let leaf = prop_oneof![
        (0..6usize, num(), num()).prop_map(|(op, l, r)| Cond::Cmp(op, l, r)),
        (num(), proptest::collection::vec(num(), 1..4)).prop_map(|(v, s)| Cond::In(v, s)),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| Cond::Not(Box::new(c))),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Cond::And(Box::new(l), Box::new(r))),
            (inner.clone(), inner).prop_map(|(l, r)| Cond::Or(Box::new(l), Box::new(r))),
        ]
    })
}

fn num_src(n: &Num) -> String {
    match n {
        Num::Lit(v) => v.to_string(),
        Num::Attr(i) => format!("c.a{i}"),
        Num::Op(op, l, r) => format!("({} {} {})", num_src(l), ARITH[*op].symbol(), num_src(r)),
    }
}

fn cond_src(c: &Cond) -> String {
    match c {
        Cond::Cmp(op, l, r) => format!("({} {} {})", num_src(l), CMP[*op].symbol(), num_src(r)),
        Cond::In(v, s) => format!(
            "({} in [{}])",
            num_src(v),
            s.iter().map(num_src).collect::<Vec<_>>().join(", ")
        ),
        Cond::Not(c) => format!("(!{})", cond_src(c)),
        Cond::And(l, r) => format!("({} && {})", cond_src(l), cond_src(r)),
        Cond::Or(l, r) => format!("({} || {})", cond_src(l), cond_src(r)),
    }
}

fn num_value(n: &Num, values: &[u16; 4]) -> i128 {
    match n {
        Num::Lit(v) => i128::from(*v),
        Num::Attr(i) => i128::from(values[*i]),
        Num::Op(op, l, r) => {
            let (x, y) = (num_value(l, values), num_value(r, values));
            match op {
                0 => x + y,
                1 => x - y,
                _ => x * y,
            }
        }
    }
}

fn cond_value(c: &Cond, values: &[u16; 4]) -> bool {
    match c {
        Cond::Cmp(op, l, r) => {
            let (x, y) = (num_value(l, values), num_value(r, values));
            match op {
                0 => x < y,
                1 => x <= y,
                2 => x > y,
                3 => x >= y,
                4 => x == y,
                _ => x != y,
            }
        }
        Cond::In(v, s) => {
            let x = num_value(v, values);
            s.iter().any(|n| num_value(n, values) == x)
        }
        Cond::Not(c) => !cond_value(c, values),
        Cond::And(l, r) => cond_value(l, values) && cond_value(r, values),
        Cond::Or(l, r) => cond_value(l, values) || cond_value(r, values),
    }
}

proptest! {
    #[test]
    fn evaluate_matches_direct_computation(c in cond(), values in any::<[u16; 4]>()) {
        let src = cond_src(&c);
        let expr = parse(&src).map_err(|e| TestCaseError::fail(e.render(&src)))?;
        let env = Env::new().alias(
            "c",
            schema(
                "test/c",
                &[
                    ("a0", AttributeType::Uint { bits: 16 }),
                    ("a1", AttributeType::Uint { bits: 16 }),
                    ("a2", AttributeType::Uint { bits: 16 }),
                    ("a3", AttributeType::Uint { bits: 16 }),
                ],
            ),
        );
        prop_assert!(env.check(&expr).is_ok(), "{}", src);
        let mut assignment = Assignment::new();
        for (i, v) in values.iter().enumerate() {
            assignment = assignment.attribute("c", &format!("a{i}"), AttributeValue::Uint(u64::from(*v)));
        }
        let want = cond_value(&c, &values);
        prop_assert_eq!(expr.evaluate(&assignment), Ok(want), "{}", src);
        // The minimal printing parses back to the same tree and value.
        let printed = expr.to_string();
        let again = parse(&printed).map_err(|e| TestCaseError::fail(e.render(&printed)))?;
        prop_assert_eq!(again.fully_parenthesized(), expr.fully_parenthesized());
        prop_assert_eq!(again.evaluate(&assignment), Ok(want));
    }
}
