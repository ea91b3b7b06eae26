//! `conclave mpc run` with a private join (`join = "customer_id"`), three real processes
//! over TLS on loopback: the example 3-bank jobs (`examples/data/jobs/join-*.toml` with
//! `bankN/customers.csv`) give the plaintext join's results; the lender gets decisions
//! for its own customers only; no id or value of a customer that is not shared appears
//! in any file or output of a party that does not hold it; a duplicate id is refused
//! before connecting.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};

use conclave_mpc::jobs::{Job, JobFile};
use serde_json::Value;

use crate::common::{assert_success as ok, command, expect, free_base_port, stderr};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data")
}

/// Keys and a 3-party config in `dir`, the example join jobs and each bank's CSV
/// (`bank<i>.csv`).
pub(crate) fn setup(dir: &Path) {
    let base = free_base_port(3);
    expect(
        dir,
        0,
        &format!(
            "mpc config --parties 3 --base-port {base} --connect-timeout 20 --round-timeout 30 \
             --out parties.toml"
        ),
    );
    for job in ["join-stats.toml", "join-score.toml", "join-debt.toml"] {
        std::fs::copy(examples().join("jobs").join(job), dir.join(job)).unwrap();
    }
    for i in 1..=3 {
        std::fs::copy(
            examples().join(format!("bank{i}/customers.csv")),
            dir.join(format!("bank{i}.csv")),
        )
        .unwrap();
    }
}

pub(crate) fn party(dir: &Path, i: u32, job: &str) -> Child {
    let line = format!(
        "--json mpc run --party {i} --config parties.toml --job {job} --out {job}.result{i}.json \
         --input bank{i}.csv"
    );
    command()
        .current_dir(dir)
        .args(line.split_whitespace())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Runs all three parties on `job`; returns their outputs (each checked successful).
fn run(dir: &Path, job: &str) -> Vec<Output> {
    let children: Vec<Child> = (1..=3).map(|i| party(dir, i, job)).collect();
    let outs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for out in &outs {
        ok(out);
    }
    outs
}

/// Each bank's CSV as `id → value` (ids already canonical in the examples).
fn tables(dir: &Path) -> Vec<BTreeMap<String, i64>> {
    (1..=3)
        .map(|i| {
            let text = std::fs::read_to_string(dir.join(format!("bank{i}.csv"))).unwrap();
            text.lines()
                .skip(1)
                .filter(|l| !l.trim().is_empty())
                .map(|l| {
                    let (id, v) = l.split_once(',').unwrap();
                    (id.trim().to_string(), v.trim().parse().unwrap())
                })
                .collect()
        })
        .collect()
}

fn shared(t: &[BTreeMap<String, i64>]) -> Vec<String> {
    t[0].keys()
        .filter(|id| t[1].contains_key(*id) && t[2].contains_key(*id))
        .cloned()
        .collect()
}

/// `needle` occurs in `haystack` as a whole word (not inside a hex string or a longer
/// number).
fn has_word(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(at, _)| {
        let before = haystack[..at].chars().next_back();
        let after = haystack[at + needle.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

fn outputs(out: &Output) -> Value {
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    report["outputs"].clone()
}

/// Everything party `i` printed or wrote.
fn everything_of(dir: &Path, i: u32, outs: &[Output]) -> String {
    let mut all = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.contains(&format!(".result{i}.")) {
            all.push_str(&std::fs::read_to_string(&path).unwrap());
        }
    }
    let out = &outs[i as usize - 1];
    all.push_str(&String::from_utf8_lossy(&out.stdout));
    all.push_str(&stderr(out));
    all
}

#[test]
fn joined_jobs_over_tls_equal_the_plaintext_join_and_leak_no_other_customer() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    // Mark every customer that is not shared with a value no shared row has, so a leak
    // of its row would show up in the outputs.
    let mut t = tables(d);
    let common = shared(&t);
    let mut marks = Vec::new();
    for (bank, table) in t.iter_mut().enumerate() {
        for (k, (id, v)) in table.iter_mut().enumerate() {
            if !common.contains(id) {
                *v = 770_000 + (bank as i64) * 1000 + k as i64;
                marks.push((bank, id.clone(), v.to_string()));
            }
        }
        let column = ["income", "debt", "late_payments"][bank];
        let csv: String = std::iter::once(format!("customer_id,{column}\n"))
            .chain(table.iter().map(|(id, v)| format!("{id},{v}\n")))
            .collect();
        std::fs::write(d.join(format!("bank{}.csv", bank + 1)), csv).unwrap();
    }
    // Marked values must not break the score's width: keep them out of the features by
    // computing the job on the shared rows only (that is the point of the join).
    let union: BTreeSet<&String> = t.iter().flat_map(|m| m.keys()).collect();
    let mut everything: Vec<Vec<Output>> = Vec::new();

    // stats of bank 2's debt over the shared customers.
    let outs = run(d, "join-debt.toml");
    let debts: Vec<i64> = common.iter().map(|id| t[1][id]).collect();
    for out in &outs {
        let o = outputs(out);
        assert_eq!(o["shared_customers"], common.len());
        assert_eq!(o["sum"], debts.iter().sum::<i64>().to_string());
        assert_eq!(o["min"], debts.iter().min().unwrap().to_string());
        assert_eq!(o["max"], debts.iter().max().unwrap().to_string());
        assert_eq!(
            o["count_at_or_above_threshold"],
            debts.iter().filter(|x| **x >= 100).count().to_string()
        );
        assert_eq!(o["join"]["union_size"], union.len());
        assert_eq!(o["join"]["column"], "customer_id");
    }
    let record: Value = serde_json::from_str(
        &std::fs::read_to_string(d.join("join-debt.toml.result1.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(record["signatures"].as_array().unwrap().len(), 3);
    assert!(
        record.to_string().contains("order_sha256"),
        "the signed record states the join"
    );
    everything.push(outs);

    // score: decisions to the lender (bank 1) for its own customers.
    let text = std::fs::read_to_string(d.join("join-score.toml")).unwrap();
    let Job::Score { score } = JobFile::from_toml(&text, "join-score.toml").unwrap().job else {
        panic!("a score job")
    };
    let outs = run(d, "join-score.toml");
    let private: Value = serde_json::from_str(
        &std::fs::read_to_string(d.join("join-score.toml.result1.private.json")).unwrap(),
    )
    .unwrap();
    let decisions = private["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), t[0].len(), "one decision per own customer");
    let mut approved = 0;
    for (entry, id) in decisions.iter().zip(t[0].keys()) {
        assert_eq!(entry["id"], id.as_str());
        let expect = common.contains(id)
            && score
                .decide(|f| {
                    let bank = ["income", "debt", "late_payments"]
                        .iter()
                        .position(|c| *c == f.column)?;
                    Some(t[bank][id] as f64)
                })
                .unwrap();
        assert_eq!(entry["approve"], expect, "{id}");
        approved += usize::from(expect);
    }
    assert!(approved > 0, "the example approves some shared customers");
    for i in [2, 3] {
        assert!(
            !d.join(format!("join-score.toml.result{i}.private.json"))
                .exists()
                || !std::fs::read_to_string(
                    d.join(format!("join-score.toml.result{i}.private.json"))
                )
                .unwrap()
                .contains("decisions")
        );
    }
    everything.push(outs);

    // join-stats: aggregates only.
    let outs = run(d, "join-stats.toml");
    let debt: i64 = common.iter().map(|id| t[1][id]).sum();
    let income: i64 = common.iter().map(|id| t[0][id]).sum();
    for out in &outs {
        let o = outputs(out);
        assert_eq!(o["shared_customers"], common.len());
        assert_eq!(o["shared_at_or_above_threshold"], approved);
        assert_eq!(o["totals"][0]["total"], debt.to_string());
        assert_eq!(o["totals"][1]["total"], income.to_string());
    }
    everything.push(outs);

    // Nothing of a customer that is not shared reaches a party that does not hold it:
    // neither its id nor its row's value, in any file or output.
    for i in 1..=3u32 {
        let seen: String = everything
            .iter()
            .map(|outs| everything_of(d, i, outs))
            .collect();
        for (bank, id, value) in &marks {
            if t[i as usize - 1].contains_key(id) {
                continue;
            }
            assert!(
                !has_word(&seen, id),
                "party {i} saw {id} (of bank {})",
                bank + 1
            );
            assert!(!has_word(&seen, value), "party {i} saw a value of {id}");
        }
        // And nobody but the holder sees a shared customer's id either (only the lender
        // lists its own customers, in its 0600 file).
        if i != 1 {
            for id in &common {
                assert!(!has_word(&seen, id), "party {i} printed {id}");
            }
        }
    }
}

#[test]
fn a_duplicate_customer_id_is_refused_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    let mut csv = std::fs::read_to_string(d.join("bank2.csv")).unwrap();
    let first = csv
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    // The same customer again, written in lower case with spaces: normalised, a duplicate.
    csv.push_str(&format!("  {}  ,17\n", first.to_ascii_lowercase()));
    std::fs::write(d.join("bank2.csv"), csv).unwrap();
    let out = party(d, 2, "join-stats.toml").wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("appears twice"), "{}", stderr(&out));
}
