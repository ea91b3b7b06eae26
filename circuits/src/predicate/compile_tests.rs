//! Tests of the predicate compiler: agreement with the plaintext evaluator on random
//! predicates and values (in every allocation mode), forced witnesses for false predicates,
//! overflow attempts, constants, and pinned constraint counts.

use ark_bn254::Fr;
use ark_r1cs_std::alloc::{AllocVar, AllocationMode};
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef, SynthesisError, SynthesisMode};
use proptest::prelude::*;

use super::tests::schema;
use super::*;
use crate::credential::{AttributeType, AttributeValue, Days, Schema};

const EXAMPLE: &str = "bureau.score >= 650 && bank.debt < 20000 && bank.income >= 3 * bank.debt";

const MODES: [AllocationMode; 3] = [
    AllocationMode::Constant,
    AllocationMode::Input,
    AllocationMode::Witness,
];

/// The issue's aliases with 64-bit income and debt (the example schemas in
/// `examples/data` use 32 bits; see `example_schemas_count`).
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
        .param("t", ParamType::String)
        .param("wide", ParamType::Uint { bits: 252 })
}

/// One value of the test: what the evaluator sees and what the circuit sees.
#[derive(Clone, Debug)]
enum V {
    Uint(u64),
    Date(u32),
    Str(&'static str),
    Field(Fr),
}

impl V {
    fn attribute_value(&self) -> Option<AttributeValue> {
        match self {
            V::Uint(v) => Some(AttributeValue::Uint(*v)),
            V::Date(d) => Some(AttributeValue::Date(
                Days::new(u64::from(*d), "test").expect("day"),
            )),
            V::Str(s) => Some(AttributeValue::String((*s).to_owned())),
            V::Field(_) => None,
        }
    }

    fn field(&self) -> Fr {
        match self {
            V::Field(f) => *f,
            other => other.attribute_value().expect("value").to_field(),
        }
    }
}

/// Compiles `src` against `env` with the values allocated in `mode`: the constraint system,
/// the output, and what the evaluator says (`None` when it cannot evaluate).
fn run(
    env: &Env,
    src: &str,
    attributes: &[(&str, &str, V)],
    params: &[(&str, V)],
    mode: AllocationMode,
    cs: ConstraintSystemRef<Fr>,
) -> (Result<Boolean<Fr>, CompileError>, Option<bool>) {
    let expr = parse(src).unwrap_or_else(|e| panic!("{}", e.render(src)));
    let mut vars = PredicateVars::new();
    let mut assignment = Assignment::new();
    for (alias, name, v) in attributes {
        let var = FpVar::new_variable(cs.clone(), || Ok(v.field()), mode).expect("alloc");
        vars.set_attribute(alias, name, var);
        if let Some(value) = v.attribute_value() {
            assignment = assignment.attribute(alias, name, value);
        }
    }
    for (name, v) in params {
        let var = FpVar::new_variable(cs.clone(), || Ok(v.field()), mode).expect("alloc");
        vars.set_param(name, var);
        if let Some(value) = v.attribute_value() {
            assignment = assignment.param(name, value);
        }
    }
    let want = expr.evaluate(&assignment).ok();
    (compile(env, &expr, &vars), want)
}

/// Constraints of `src` with every value a witness, and whether the output is true.
fn cost(src: &str, attributes: &[(&str, &str, V)], params: &[(&str, V)]) -> (usize, bool) {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let (out, want) = run(
        &env(),
        src,
        attributes,
        params,
        AllocationMode::Witness,
        cs.clone(),
    );
    let out = out.expect("compiles");
    let value = out.value().expect("value");
    assert_eq!(Some(value), want, "{src}");
    assert!(cs.is_satisfied().expect("satisfiable check"), "{src}");
    (cs.num_constraints(), value)
}

fn example_values(score: u64, income: u64, debt: u64) -> Vec<(&'static str, &'static str, V)> {
    vec![
        ("bureau", "score", V::Uint(score)),
        ("bank", "income", V::Uint(income)),
        ("bank", "debt", V::Uint(debt)),
    ]
}

#[test]
fn issue_example_costs_and_agrees() {
    // 17 (16-bit >= 10-bit) + 65 (64-bit < 15-bit) + 67 (64-bit >= 66-bit) + 2 (&&).
    for (score, income, debt, holds) in [
        (650, 60_000, 19_999, true),
        (649, 60_000, 19_999, false),
        (700, 59_996, 19_999, false),
        (700, 59_997, 19_999, true),
        (700, 60_000, 20_000, false),
        (u64::from(u16::MAX), u64::MAX, u64::MAX / 3 - 1, false),
        (700, u64::MAX, 0, true),
    ] {
        assert_eq!(
            cost(EXAMPLE, &example_values(score, income, debt), &[]),
            (151, holds),
            "{score} {income} {debt}"
        );
    }
}

#[test]
fn example_schemas_count() {
    // With the example schemas' widths (income and debt of 32 bits): 17 + 33 + 35 + 2.
    let bank = Schema::from_json(include_bytes!(
        "../../../examples/data/bank-account.schema.json"
    ))
    .expect("schema");
    let bureau = Schema::from_json(include_bytes!(
        "../../../examples/data/credit-score.schema.json"
    ))
    .expect("schema");
    let env = Env::new().alias("bureau", bureau).alias("bank", bank);
    let cs = ConstraintSystem::<Fr>::new_ref();
    let (out, want) = run(
        &env,
        EXAMPLE,
        &example_values(700, 90_000, 10_000),
        &[],
        AllocationMode::Witness,
        cs.clone(),
    );
    assert_eq!(want, Some(true));
    assert!(out.expect("compiles").value().expect("value"));
    assert_eq!(cs.num_constraints(), 87);
    assert!(cs.is_satisfied().expect("check"));
}

#[test]
fn operator_costs_are_pinned() {
    let vals = |income: u64, debt: u64| example_values(700, income, debt);
    for (src, constraints) in [
        // A 64-bit ordering comparison: 65 constraints (≤ 70), strict or not.
        ("bank.income < bank.debt", 65),
        ("bank.income <= bank.debt", 65),
        ("bank.income > bank.debt", 65),
        ("bank.income >= bank.debt", 65),
        // With a signed side (a 65-bit difference): 66 + 1.
        ("bank.income - bank.debt >= 5", 67),
        // Equality: is-zero, 2.
        ("bank.income == bank.debt", 2),
        ("bank.income != bank.debt", 2),
        // `in` over three items: 2 products + is-zero.
        ("bank.income in [1, 2, bank.debt]", 4),
        ("bank.income in [7]", 2),
        // A product of two variables: 1, then a 128-bit comparison: 129.
        ("bank.income * bank.debt >= 3", 130),
        // `+`, `-` and constant factors are free.
        ("bank.income + 2 * bank.debt - 1 == 0", 2),
        // `&&`, `||`: 1 each; `!`: free.
        (
            "!(bank.income == 1) || bank.debt == 2 && bank.income != 3",
            8,
        ),
        // Dates: 22-bit day counts, 23.
        ("bureau.as_of >= $now", 23),
        // Strings: equality and `in`.
        ("bureau.name == $s", 2),
        ("bureau.name in [$s, $t]", 3),
    ] {
        for (income, debt) in [(5, 5), (10, 3), (0, u64::MAX), (u64::MAX, 1)] {
            let mut attributes = vals(income, debt);
            attributes.push(("bureau", "as_of", V::Date(20_000 + (income % 3) as u32)));
            attributes.push(("bureau", "name", V::Str("Acme")));
            let params = [
                ("now", V::Date(20_001)),
                ("s", V::Str("Acme")),
                ("t", V::Str("Other")),
            ];
            assert_eq!(cost(src, &attributes, &params).0, constraints, "{src}");
        }
    }
}

#[test]
fn constants_fold_and_are_checked() {
    for (src, holds) in [
        ("650 >= 649", true),
        ("1 > 2", false),
        ("3 * 5 - 15 == 0", true),
        ("7 in [1, 2, 3]", false),
        ("!(1 < 1) && (2 <= 2 || 0 > 1)", true),
        (
            "85070591730234615865843651857942052864 > 85070591730234615865843651857942052863",
            true,
        ),
    ] {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let (out, want) = run(&env(), src, &[], &[], AllocationMode::Constant, cs.clone());
        assert_eq!(out.expect("compiles").value().ok(), Some(holds), "{src}");
        assert_eq!(want, Some(holds));
        assert_eq!(cs.num_constraints(), 0, "{src}");
        // `enforce` refuses a false constant predicate instead of accepting it.
        let expr = parse(src).expect("parse");
        let enforced = enforce(&env(), &expr, &PredicateVars::new());
        if holds {
            assert!(enforced.is_ok(), "{src}");
        } else {
            assert!(
                matches!(
                    enforced,
                    Err(CompileError::Synthesis(SynthesisError::Unsatisfiable))
                ),
                "{src}"
            );
        }
    }
    // A constant attribute outside its declared width that the comparison can see is
    // refused, not compared.
    let cs = ConstraintSystem::<Fr>::new_ref();
    let (out, _) = run(
        &env(),
        "bureau.score >= 650",
        &[("bureau", "score", V::Uint(1 << 20))],
        &[],
        AllocationMode::Constant,
        cs,
    );
    assert!(matches!(
        out,
        Err(CompileError::Synthesis(SynthesisError::Unsatisfiable))
    ));
}

#[test]
fn overflow_attempts_do_not_wrap() {
    let big = 1u64 << 32;
    for (src, attributes, holds) in [
        // a * b reaching 2^64 and 2^128 − 2^65 + 1: compared exactly.
        (
            "bank.income * bank.debt >= 18446744073709551616",
            example_values(0, big, big),
            true,
        ),
        (
            "bank.income * bank.debt < 18446744073709551616",
            example_values(0, big, big - 1),
            true,
        ),
        (
            "bank.income * bank.debt > 340282366920938463426481119284349108224",
            example_values(0, u64::MAX, u64::MAX),
            true,
        ),
        (
            "bank.income * bank.debt == 340282366920938463426481119284349108225",
            example_values(0, u64::MAX, u64::MAX),
            true,
        ),
        // Negative differences are negative, not huge.
        (
            "bank.debt - bank.income < 1",
            example_values(0, u64::MAX, 0),
            true,
        ),
        (
            "bank.debt - bank.income >= 0",
            example_values(0, 1, 0),
            false,
        ),
        (
            "bank.debt - bank.income > bank.income - bank.debt",
            example_values(0, 5, 3),
            false,
        ),
        (
            "0 - bank.debt - bank.income < 0 - 18446744073709551615",
            example_values(0, 1, u64::MAX),
            true,
        ),
        (
            "bank.income - bank.debt == 0 - 1",
            example_values(0, 3, 4),
            true,
        ),
    ] {
        for mode in MODES {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let (out, want) = run(&env(), src, &attributes, &[], mode, cs.clone());
            // The evaluator's i128 cannot hold (2^64 − 1)^2; the circuit can.
            if let Some(want) = want {
                assert_eq!(want, holds, "{src}");
            }
            let out = out.expect("compiles");
            assert_eq!(out.value().ok(), Some(holds), "{src} {mode:?}");
            if mode == AllocationMode::Constant {
                assert_eq!(out, Boolean::Constant(holds));
                continue;
            }
            out.enforce_equal(&Boolean::TRUE).expect("enforce");
            assert_eq!(cs.is_satisfied().expect("check"), holds, "{src} {mode:?}");
        }
    }
    // Values the field could wrap: a 252-bit parameter against its successor.
    // 2^252 − 1, the widest parameter value.
    let wide = crate::gadgets::power_of_two(252) - Fr::from(1u64);
    for (src, holds) in [
        ("$wide > 5", true),
        ("$wide <= 5", false),
        ("$wide >= $wide", true),
        ("$wide < $wide", false),
        ("$wide in [0, 1]", false),
    ] {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let (out, _) = run(
            &env(),
            src,
            &[],
            &[("wide", V::Field(wide))],
            AllocationMode::Witness,
            cs.clone(),
        );
        let out = out.expect("compiles");
        assert_eq!(out.value().ok(), Some(holds), "{src}");
        assert!(cs.is_satisfied().expect("check"));
        out.enforce_equal(&Boolean::TRUE).expect("enforce");
        assert_eq!(cs.is_satisfied().expect("check"), holds, "{src}");
    }
}

#[test]
fn setup_mode_has_the_same_shape() {
    for src in [
        EXAMPLE,
        "bank.income in [1, 2, bank.debt] || !(bank.debt == 3)",
    ] {
        let proving = cost(src, &example_values(700, 5, 6), &[]).0;
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_mode(SynthesisMode::Setup);
        let (out, _) = run(
            &env(),
            src,
            &example_values(700, 5, 6),
            &[],
            AllocationMode::Witness,
            cs.clone(),
        );
        let _holds = out.expect("compiles in setup mode");
        assert_eq!(cs.num_constraints(), proving, "{src}");
    }
}

#[test]
fn missing_values_and_bad_predicates_are_errors() {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let (out, _) = run(
        &env(),
        EXAMPLE,
        &example_values(1, 2, 3)[..2],
        &[],
        AllocationMode::Witness,
        cs.clone(),
    );
    assert!(matches!(
        out,
        Err(CompileError::Predicate(PredicateError::MissingValue { ref name, .. })) if name == "bank.debt"
    ));
    let (out, _) = run(
        &env(),
        "bureau.name < $s",
        &[],
        &[],
        AllocationMode::Witness,
        cs,
    );
    assert!(matches!(
        out,
        Err(CompileError::Predicate(
            PredicateError::OperatorNotAllowed { .. }
        ))
    ));
}

// ---- random predicates ----------------------------------------------------------------

const WIDTHS: [u8; 4] = [8, 16, 32, 64];

#[derive(Clone, Debug)]
enum Num {
    Lit(u64),
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

fn literal() -> impl Strategy<Value = u64> {
    prop_oneof![
        0u64..300,
        any::<u64>(),
        Just(u64::MAX),
        (0..64u32).prop_map(|k| 1u64 << k),
        (1..64u32).prop_map(|k| (1u64 << k) - 1),
    ]
}

fn num() -> impl Strategy<Value = Num> {
    let leaf = prop_oneof![
        literal().prop_map(Num::Lit),
        (0..4usize).prop_map(Num::Attr),
        (0..4usize).prop_map(Num::Attr),
    ];
    leaf.prop_recursive(2, 6, 2, |inner| {
        (0..3usize, inner.clone(), inner)
            .prop_map(|(op, l, r)| Num::Op(op, Box::new(l), Box::new(r)))
    })
}

fn cond() -> impl Strategy<Value = Cond> {
    let leaf = prop_oneof![
        (0..6usize, num(), num()).prop_map(|(op, l, r)| Cond::Cmp(op, l, r)),
        (num(), proptest::collection::vec(num(), 1..4)).prop_map(|(v, s)| Cond::In(v, s)),
    ];
    leaf.prop_recursive(3, 8, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| Cond::Not(Box::new(c))),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Cond::And(Box::new(l), Box::new(r))),
            (inner.clone(), inner).prop_map(|(l, r)| Cond::Or(Box::new(l), Box::new(r))),
        ]
    })
}

fn num_src(n: &Num) -> String {
    const ARITH: [&str; 3] = ["+", "-", "*"];
    match n {
        Num::Lit(v) => v.to_string(),
        Num::Attr(i) => format!("c.a{i}"),
        Num::Op(op, l, r) => format!("({} {} {})", num_src(l), ARITH[*op], num_src(r)),
    }
}

fn cond_src(c: &Cond) -> String {
    const CMP: [&str; 6] = ["<", "<=", ">", ">=", "==", "!="];
    match c {
        Cond::Cmp(op, l, r) => format!("({} {} {})", num_src(l), CMP[*op], num_src(r)),
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

/// Attribute values: boundaries of each width, or anything in range.
fn values() -> impl Strategy<Value = [u64; 4]> {
    let one = |bits: u8| {
        let max = if bits == 64 {
            u64::MAX
        } else {
            (1u64 << bits) - 1
        };
        prop_oneof![Just(0u64), Just(1), Just(max), Just(max - 1), 0..=max]
    };
    (
        one(WIDTHS[0]),
        one(WIDTHS[1]),
        one(WIDTHS[2]),
        one(WIDTHS[3]),
    )
        .prop_map(|(a, b, c, d)| [a, b, c, d])
}

fn random_env() -> Env {
    let specs: Vec<(String, AttributeType)> = WIDTHS
        .iter()
        .enumerate()
        .map(|(i, bits)| (format!("a{i}"), AttributeType::Uint { bits: *bits }))
        .collect();
    let specs: Vec<(&str, AttributeType)> = specs.iter().map(|(n, k)| (n.as_str(), *k)).collect();
    Env::new().alias("c", schema("test/c", &specs))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    /// The circuit with its output enforced true is satisfied iff the evaluator says true,
    /// in every allocation mode; constants fold to the evaluator's answer.
    #[test]
    fn circuit_agrees_with_the_evaluator(c in cond(), values in values()) {
        let src = cond_src(&c);
        let env = random_env();
        let expr = parse(&src).map_err(|e| TestCaseError::fail(e.render(&src)))?;
        // Widths the checker refuses (a product above 252 bits) are its business.
        prop_assume!(env.check(&expr).is_ok());
        let attributes: Vec<(&str, String, V)> = values
            .iter()
            .enumerate()
            .map(|(i, v)| ("c", format!("a{i}"), V::Uint(*v)))
            .collect();
        let attributes: Vec<(&str, &str, V)> =
            attributes.iter().map(|(a, n, v)| (*a, n.as_str(), v.clone())).collect();
        for mode in MODES {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let (out, want) = run(&env, &src, &attributes, &[], mode, cs.clone());
            // Values above i128 are beyond the evaluator (not the circuit): skip those.
            let Some(want) = want else { return Ok(()) };
            let out = out.map_err(|e| TestCaseError::fail(format!("{src}: {e:?}")))?;
            prop_assert_eq!(out.value().ok(), Some(want), "{} {:?}", src, mode);
            if mode == AllocationMode::Constant {
                prop_assert_eq!(cs.num_constraints(), 0);
                prop_assert!(matches!(out, Boolean::Constant(_)));
                continue;
            }
            // A predicate of literals only folds to a constant in every mode (r1cs-std's
            // `enforce_equal` refuses `false == true` between constants).
            if let Boolean::Constant(value) = out {
                prop_assert_eq!(value, want, "{}", src);
                continue;
            }
            // The honest witness satisfies the constraints; the forced output `true`
            // leaves a false predicate unsatisfied.
            prop_assert!(cs.is_satisfied().unwrap_or(false), "{}", src);
            out.enforce_equal(&Boolean::TRUE).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(cs.is_satisfied().unwrap_or(false), want, "{} {:?}", src, mode);
        }
    }
}
