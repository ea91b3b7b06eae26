//! `conclave bench`: tiny runs of each suite leave a report whose results.json matches its
//! documented schema (docs/formats.md, "Benchmark results"), whose CSV has one row per
//! measurement, whose plots are well-formed SVG naming the expected series, and an
//! unusable `--out` is refused with exit 2 before anything is measured.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{command, expect, expect_from, json, refused, stderr, stdout};

/// Asserts `object[name]` exists and has the JSON type `kind`.
fn field<'a>(object: &'a Value, name: &str, kind: &str) -> &'a Value {
    let value = object
        .get(name)
        .unwrap_or_else(|| panic!("missing field {name:?} in {object}"));
    let ok = match kind {
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_u64(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "number|null" => value.is_number() || value.is_null(),
        _ => unreachable!("kind {kind}"),
    };
    assert!(ok, "field {name:?} should be {kind}: {value}");
    value
}

/// Checks the statistics fields shared by measurements and ratios, and their order.
fn check_summary(object: &Value) {
    let n = field(object, "n", "integer").as_u64().expect("n");
    assert!(n >= 1);
    let get = |name| field(object, name, "number").as_f64().expect("number");
    let (min, q1, median, q3, max) = (get("min"), get("q1"), get("median"), get("q3"), get("max"));
    assert!(
        min <= q1 && q1 <= median && median <= q3 && q3 <= max,
        "{object}"
    );
    assert!(min > 0.0, "{object}");
}

/// Validates results.json against the schema `conclave-bench/1`; returns it.
fn validate(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("results.json")).expect("results.json");
    let report: Value = serde_json::from_str(&text).expect("results.json is JSON");
    assert_eq!(field(&report, "schema", "string"), "conclave-bench/1");
    let header = field(&report, "header", "object");
    for name in [
        "mode",
        "cpu_model",
        "load_before",
        "load_after",
        "os",
        "git_commit",
        "conclave_version",
    ] {
        field(header, name, "string");
    }
    for name in ["started_unix", "cores", "memory_mib", "seed", "passes"] {
        field(header, name, "integer");
    }
    assert_eq!(header["passes"], 2, "--tiny makes 2 passes over its suites");
    field(header, "seconds", "number");
    field(header, "steal_percent", "number|null");
    field(header, "suites", "array");
    let crates = field(header, "crates", "object");
    assert!(
        crates.get("ark-groth16").is_some_and(Value::is_string),
        "{crates}"
    );
    field(header, "suite_seeds", "object");
    let commit = header["git_commit"].as_str().expect("string");
    assert!(commit == "unknown" || commit.chars().all(|c| c.is_ascii_hexdigit()));

    for m in field(&report, "measurements", "array")
        .as_array()
        .expect("array")
    {
        for name in ["suite", "operation", "series", "parameter"] {
            field(m, name, "string");
        }
        field(m, "size", "integer");
        assert_eq!(field(m, "unit", "string"), "s");
        check_summary(m);
        let samples = field(m, "samples", "array").as_array().expect("array");
        assert_eq!(samples.len() as u64, m["n"].as_u64().expect("n"));
        assert!(samples.iter().all(|s| s.as_f64().is_some_and(|s| s > 0.0)));
    }
    for r in field(&report, "ratios", "array").as_array().expect("array") {
        for name in [
            "suite",
            "operation",
            "numerator",
            "denominator",
            "parameter",
            "note",
        ] {
            field(r, name, "string");
        }
        field(r, "size", "integer");
        check_summary(r);
    }
    for f in field(&report, "fits", "array").as_array().expect("array") {
        for name in ["suite", "operation", "series", "parameter"] {
            field(f, name, "string");
        }
        for name in ["exponent", "coefficient", "r_squared"] {
            field(f, name, "number");
        }
        assert!(field(f, "points", "integer").as_u64().expect("points") >= 2);
    }
    for p in field(&report, "peers", "array").as_array().expect("array") {
        for name in ["suite", "name", "version", "path"] {
            field(p, name, "string");
        }
    }
    for s in field(&report, "skipped", "array")
        .as_array()
        .expect("array")
    {
        for name in ["suite", "peer", "reason"] {
            assert!(!field(s, name, "string")
                .as_str()
                .expect("string")
                .is_empty());
        }
    }
    report
}

/// Well-formed XML in the simple sense the plots need: every tag closes in order.
fn check_svg(path: &Path, series: &[&str]) {
    let svg = std::fs::read_to_string(path).expect("plot written");
    assert!(svg.starts_with("<svg "), "{}", path.display());
    let mut stack = Vec::new();
    let mut rest = svg.as_str();
    while let Some(open) = rest.find('<') {
        let tail = &rest[open + 1..];
        let close = tail.find('>').expect("tag closes");
        let tag = &tail[..close];
        rest = &tail[close + 1..];
        assert_eq!(tag.matches('"').count() % 2, 0, "quotes in <{tag}>");
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop(), Some(name.to_owned()), "in {}", path.display());
        } else if !tag.ends_with('/') {
            stack.push(tag.split_whitespace().next().expect("name").to_owned());
        }
    }
    assert!(stack.is_empty(), "unclosed {stack:?} in {}", path.display());
    // Its PNG twin: a PNG of twice the SVG's size.
    let png = std::fs::read(path.with_extension("png")).expect("PNG copy written");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{}", path.display());
    assert_eq!(&png[12..16], b"IHDR");
    let dimension = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().expect("4 bytes"));
    let attribute = |name: &str| -> u32 {
        let start = svg.find(&format!(" {name}=\"")).expect("size attribute") + name.len() + 3;
        svg[start..start + svg[start..].find('"').expect("closing quote")]
            .parse()
            .expect("integer size")
    };
    assert_eq!(
        (dimension(16), dimension(20)),
        (2 * attribute("width"), 2 * attribute("height"))
    );
    for name in series {
        assert!(
            svg.contains(&format!("data-series=\"{name}\"")),
            "{} lacks series {name}",
            path.display()
        );
    }
}

/// The CSV: a schema line, the header, one row per measurement in results.json.
fn check_csv(dir: &Path, report: &Value) {
    let csv = std::fs::read_to_string(dir.join("results.csv")).expect("results.csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "# schema: conclave-bench/1");
    assert_eq!(
        lines[1],
        "suite,operation,series,parameter,size,unit,n,median,q1,q3,min,max"
    );
    let measurements = report["measurements"].as_array().expect("array");
    assert_eq!(lines.len() - 2, measurements.len());
}

/// Runs `conclave bench ARGS --out r` in a fresh folder and checks the report against
/// its schema and its CSV: (the folder, the report folder, results.json).
fn tiny_report(args: &str) -> (tempfile::TempDir, PathBuf, Value) {
    tiny_report_from(command(), args)
}

/// [`tiny_report`] starting from `base` (a [`command`] with extra environment, say).
fn tiny_report_from(
    base: std::process::Command,
    args: &str,
) -> (tempfile::TempDir, PathBuf, Value) {
    let d = tempfile::tempdir().expect("tempdir");
    expect_from(base, d.path(), 0, &format!("bench {args} --out r"));
    let r = d.path().join("r");
    let report = validate(&r);
    check_csv(&r, &report);
    (d, r, report)
}

/// The ratios of a report whose `field` is `value`.
fn ratios_where<'a>(report: &'a Value, field: &str, value: &str) -> Vec<&'a Value> {
    report["ratios"]
        .as_array()
        .expect("ratios")
        .iter()
        .filter(|r| r[field] == value)
        .collect()
}

/// The peer that ran in `suite`'s part of a report.
fn peer_of<'a>(report: &'a Value, suite: &str) -> &'a Value {
    report["peers"]
        .as_array()
        .expect("peers")
        .iter()
        .find(|p| p["suite"] == suite)
        .unwrap_or_else(|| panic!("a peer ran in {suite}: {}", report["peers"]))
}

fn operations(report: &Value, suite: &str) -> Vec<(String, String, u64)> {
    report["measurements"]
        .as_array()
        .expect("array")
        .iter()
        .filter(|m| m["suite"] == suite)
        .map(|m| {
            (
                m["operation"].as_str().expect("op").to_owned(),
                m["series"].as_str().expect("series").to_owned(),
                m["size"].as_u64().expect("size"),
            )
        })
        .collect()
}

fn snarkjs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../interop/node_modules/snarkjs/build/cli.cjs")
}

#[test]
fn zk_tiny_run_leaves_a_valid_report_with_fits_ratios_and_the_peer() {
    let d = tempfile::tempdir().expect("tempdir");
    let mut base = command();
    base.env("CONCLAVE_SNARKJS", snarkjs());
    let output = expect_from(
        base,
        d.path(),
        0,
        "bench zk --tiny --compare --json --out r",
    );
    assert_eq!(json(&output)["ok"], true);
    let r = d.path().join("r");
    let report = validate(&r);
    check_csv(&r, &report);
    let ops = operations(&report, "zk");
    for op in ["setup", "prove", "verify"] {
        let sizes: Vec<u64> = ops
            .iter()
            .filter(|(o, s, _)| o == op && s == "conclave")
            .map(|(_, _, size)| *size)
            .collect();
        assert_eq!(sizes, [4, 8, 16], "{op}");
    }
    // Every sweep has a fit; prove grows with the constraint count.
    let fits = report["fits"].as_array().expect("fits");
    let prove = fits
        .iter()
        .find(|f| f["operation"] == "prove" && f["parameter"] == "constraints")
        .expect("prove fit");
    assert!(prove["exponent"].as_f64().expect("exponent").is_finite());
    assert!(fits
        .iter()
        .any(|f| f["operation"] == "verify-batch" && f["series"] == "batch"));
    // The batch ratio is recorded for every batch size.
    let ratios = report["ratios"].as_array().expect("ratios");
    let batch: Vec<&Value> = ratios
        .iter()
        .filter(|r| r["operation"] == "verify-batch")
        .collect();
    assert_eq!(batch.len(), 3);
    // snarkjs: measured when installed, else skipped with the reason; never both.
    let ran = report["peers"]
        .as_array()
        .expect("peers")
        .iter()
        .any(|p| p["name"] == "snarkjs");
    let skipped = report["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .any(|s| s["peer"] == "snarkjs");
    assert!(ran != skipped, "snarkjs ran: {ran}, skipped: {skipped}");
    if snarkjs().is_file() {
        assert!(ran);
        assert!(ratios
            .iter()
            .any(|r| r["numerator"] == "snarkjs" && r["denominator"] == "conclave"));
    }
    check_svg(
        &r.join("zk-groth16-vs-constraints.svg"),
        &["setup (conclave)", "prove (conclave)", "verify (conclave)"],
    );
    check_svg(
        &r.join("zk-batch-verify.svg"),
        &["verify-batch (batch)", "verify-batch (one-by-one)"],
    );
    let md = std::fs::read_to_string(r.join("report.md")).expect("report.md");
    for needle in [
        "## Suite `zk`",
        "| median |",
        "exponent",
        "hypervisor steal",
        "seed",
    ] {
        assert!(md.contains(needle), "report.md lacks {needle:?}");
    }
}

#[test]
fn range_tiny_run_refuses_a_non_empty_out_without_force() {
    let d = tempfile::tempdir().expect("tempdir");
    let r = d.path().join("r");
    std::fs::create_dir(&r).expect("mkdir");
    std::fs::write(r.join("notes.txt"), "mine").expect("write");
    refused(d.path(), "bench range --tiny --out r", "not empty");
    assert!(!r.join("results.json").exists());
    expect(d.path(), 0, "bench range --tiny --force --out r");
    assert_eq!(
        std::fs::read_to_string(r.join("notes.txt")).expect("kept"),
        "mine"
    );
    let report = validate(&r);
    check_csv(&r, &report);
    let ops = operations(&report, "range");
    for op in ["prove", "verify"] {
        assert!(ops.contains(&(op.to_owned(), "conclave".to_owned(), 8)));
        assert!(ops.contains(&(op.to_owned(), "conclave".to_owned(), 16)));
    }
    assert_eq!(ops.len(), 8, "{ops:?}");
    // No zk measurement in a range run; the peer not requested is listed as skipped.
    assert!(operations(&report, "zk").is_empty());
    assert!(!report["skipped"].as_array().expect("skipped").is_empty());
    check_svg(
        &r.join("range-vs-bits.svg"),
        &["prove (conclave)", "verify (conclave)"],
    );
    check_svg(
        &r.join("range-vs-aggregation.svg"),
        &["prove (conclave)", "verify (conclave)"],
    );
    assert!(!r.join("zk-batch-verify.svg").exists());

    // `--replot` redraws the same pictures from the samples in results.json, and replaces
    // the existing files only with --force.
    let drawn = std::fs::read(r.join("range-vs-bits.svg")).expect("svg");
    let png = std::fs::read(r.join("range-vs-bits.png")).expect("png");
    refused(d.path(), "bench --replot r", "already exists; pass --force");
    std::fs::write(r.join("range-vs-bits.svg"), "<svg/>").expect("spoil the plot");
    std::fs::remove_file(r.join("range-vs-bits.png")).expect("remove the png");
    expect(d.path(), 0, "bench --replot r --force");
    assert_eq!(
        std::fs::read(r.join("range-vs-bits.svg")).expect("svg"),
        drawn
    );
    assert_eq!(
        std::fs::read(r.join("range-vs-bits.png")).expect("png"),
        png
    );
    refused(
        d.path(),
        "bench --replot r/nothing.json --force",
        "nothing.json",
    );
}

/// `bench range --compare` runs dalek's bare `bulletproofs` crate beside ours on the same
/// openings at every size, records its version, and the paired ratios are those of the
/// recorded samples.
#[test]
fn range_compare_runs_the_bare_bulletproofs_crate_beside_ours() {
    let (_d, r, report) = tiny_report("range --tiny --compare");
    let ops = operations(&report, "range");
    for op in ["prove", "verify"] {
        for size in [8, 16, 1, 2] {
            for series in ["conclave", "bare bulletproofs"] {
                assert!(
                    ops.contains(&(op.to_owned(), series.to_owned(), size)),
                    "{op} {series} {size}: {ops:?}"
                );
            }
        }
    }
    let peer = peer_of(&report, "range");
    assert_eq!(peer["name"], "bulletproofs");
    assert!(peer["version"].as_str().expect("version").starts_with("5."));
    assert!(report["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .all(|s| s["suite"] != "range"));
    let samples = |op: &str, series: &str, size: u64| -> Vec<f64> {
        report["measurements"]
            .as_array()
            .expect("measurements")
            .iter()
            .find(|m| {
                m["suite"] == "range"
                    && m["operation"] == op
                    && m["series"] == series
                    && m["size"] == size
            })
            .expect("measured")["samples"]
            .as_array()
            .expect("samples")
            .iter()
            .map(|x| x.as_f64().expect("number"))
            .collect()
    };
    let ratios = ratios_where(&report, "suite", "range");
    assert_eq!(ratios.len(), 8, "prove and verify at 4 sizes");
    for ratio in ratios {
        assert_eq!(ratio["numerator"], "conclave");
        assert_eq!(ratio["denominator"], "bare bulletproofs");
        let (op, size) = (
            ratio["operation"].as_str().expect("op"),
            ratio["size"].as_u64().expect("size"),
        );
        let ours = samples(op, "conclave", size);
        let theirs = samples(op, "bare bulletproofs", size);
        let mut paired: Vec<f64> = ours.iter().zip(&theirs).map(|(a, b)| a / b).collect();
        paired.sort_by(f64::total_cmp);
        assert_eq!(paired.len(), 3, "tiny runs take 3 pairs");
        let median = ratio["median"].as_f64().expect("median");
        assert!((median - paired[1]).abs() < 1e-12, "{ratio}");
    }
    check_svg(
        &r.join("range-vs-bits.svg"),
        &[
            "prove (conclave)",
            "prove (bare bulletproofs)",
            "verify (bare bulletproofs)",
        ],
    );
}

/// The committed report's plots are what `--replot` draws from its own samples: they
/// come from the raw data, not from an older drawing code or a hand edit.
#[test]
fn committed_report_plots_are_redrawn_from_its_samples() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    const OPEN: &str = "<!-- speed-table: ";
    let rest = &readme[readme.find(OPEN).expect("speed-table marker") + OPEN.len()..];
    let committed = root.join(&rest[..rest.find(" -->").expect("marker closes")]);
    let d = tempfile::tempdir().expect("tempdir");
    let copy = d.path().join("report");
    std::fs::create_dir(&copy).expect("mkdir");
    std::fs::copy(committed.join("results.json"), copy.join("results.json")).expect("copy");
    expect(d.path(), 0, "bench --replot report");
    let mut plots = 0;
    for entry in std::fs::read_dir(&copy).expect("list") {
        let name = entry.expect("entry").file_name();
        let name = name.to_str().expect("utf-8 name");
        if name.ends_with(".svg") || name.ends_with(".png") {
            plots += 1;
            assert!(
                std::fs::read(copy.join(name)).expect("redrawn")
                    == std::fs::read(committed.join(name)).expect("committed plot"),
                "{name} differs from `conclave bench --replot` of {}; redraw the committed \
                 plots with it",
                committed.display()
            );
        }
    }
    assert_eq!(plots, 22, "11 plots, each as SVG and PNG");
}

/// `--markdown B --against A` pairs the measurements of two reports: a run compared with
/// itself agrees everywhere; a measurement made 100× slower is flagged, with its ratio; one
/// missing from a report is counted as unmatched.
#[test]
fn against_compares_two_reports_measurement_by_measurement() {
    let d = tempfile::tempdir().expect("tempdir");
    expect(d.path(), 0, "bench range --tiny --out a");
    let report = validate(&d.path().join("a"));
    let total = report["measurements"].as_array().expect("array").len();
    assert!(total >= 3);
    let same = json(&expect(
        d.path(),
        0,
        "--json bench --markdown a --against a",
    ));
    assert_eq!(same["shared"], total);
    assert_eq!(same["quartiles_overlap"], total);
    assert_eq!(same["ranges_overlap"], total);
    assert_eq!(same["agree"], total);
    assert_eq!(same["tolerance_percent"], 10.0);
    assert_eq!(same["unmatched"], 0);

    let mut other = report.clone();
    let measurements = other["measurements"].as_array_mut().expect("array");
    let slow = &mut measurements[0];
    for name in ["median", "q1", "q3", "min", "max"] {
        slow[name] = (slow[name].as_f64().expect("time") * 100.0).into();
    }
    let dropped = measurements.pop().expect("last");
    std::fs::create_dir(d.path().join("b")).expect("mkdir");
    std::fs::write(
        d.path().join("b/results.json"),
        serde_json::to_string(&other).expect("json"),
    )
    .expect("write");
    let out = json(&expect(
        d.path(),
        0,
        "--json bench --markdown b --against a",
    ));
    assert_eq!(out["shared"], total - 1);
    assert_eq!(out["quartiles_overlap"], total - 2);
    assert_eq!(out["ranges_overlap"], total - 2);
    assert_eq!(out["agree"], total - 2);
    assert_eq!(out["unmatched"], 1);
    let md = out["markdown"].as_str().expect("markdown");
    assert!(
        md.contains(&format!(
            "{} agree (min–max ranges overlap, or medians within ±10%)",
            total - 2
        )),
        "{md}"
    );
    let first = &report["measurements"][0];
    let row = md
        .lines()
        .find(|l| {
            l.contains(&format!(
                "{} ({}) | {} {} |",
                first["operation"].as_str().expect("op"),
                first["series"].as_str().expect("series"),
                first["size"],
                first["parameter"].as_str().expect("parameter")
            ))
        })
        .unwrap_or_else(|| panic!("no row for the slowed measurement: {md}"));
    assert!(
        row.contains("| 100.00× | **no** | **no** | **no** |"),
        "{row}"
    );
    // A tolerance wide enough for a 100× change calls it agreement; the overlaps stay.
    let wide = json(&expect(
        d.path(),
        0,
        "--json bench --markdown b --against a --tolerance 10000",
    ));
    assert_eq!(wide["agree"], total - 1);
    assert_eq!(wide["ranges_overlap"], total - 2);
    refused(
        d.path(),
        "bench --markdown b --against a --tolerance=-5",
        "a percentage of 0 or more",
    );
    assert!(!md.contains(&format!(
        "{} ({}) | {} {} |",
        dropped["operation"].as_str().expect("op"),
        dropped["series"].as_str().expect("series"),
        dropped["size"],
        dropped["parameter"].as_str().expect("parameter")
    )));
    refused(d.path(), "bench --markdown b --against missing", "missing");
}

#[test]
fn an_unwritable_out_is_refused_with_exit_2_before_measuring() {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(d.path().join("file"), "x").expect("write");
    let started = std::time::Instant::now();
    refused(
        d.path(),
        "bench all --tiny --out file/report",
        "file/report",
    );
    let output = expect(d.path(), 2, "bench zk --tiny --json --out file");
    assert_eq!(json(&output)["ok"], false);
    // Refused before any measurement (a tiny run takes longer than this).
    assert!(started.elapsed().as_secs() < 5);
    assert_eq!(
        std::fs::read_to_string(d.path().join("file")).expect("kept"),
        "x"
    );
}

/// The readable time of the compact table (docs/benchmarks.md): µs with one decimal below
/// 1 ms, ms with two below 1 s, else s with three.
fn readable(value: f64) -> String {
    if value < 1e-3 {
        format!("{:.1} µs", value * 1e6)
    } else if value < 1.0 {
        format!("{:.2} ms", value * 1e3)
    } else {
        format!("{value:.3} s")
    }
}

#[test]
fn markdown_prints_the_table_of_a_report_and_refuses_a_foreign_results_json() {
    let d = tempfile::tempdir().expect("tempdir");
    expect(d.path(), 0, "bench range --tiny --out r");
    let r = d.path().join("r");
    let report = validate(&r);
    let listing = |dir: &Path| {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        names.sort();
        names
    };
    let before = listing(&r);
    assert_eq!(before.len(), 7, "{before:?}");
    let started = std::time::Instant::now();
    let output = expect(d.path(), 0, "bench --markdown r");
    let md = stdout(&output);
    // One row per measurement, in order, with the medians and quartiles of results.json.
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with("| range |")).collect();
    let expected: Vec<String> = report["measurements"]
        .as_array()
        .expect("array")
        .iter()
        .map(|m| {
            let f = |name: &str| readable(m[name].as_f64().expect("number"));
            format!(
                "| range | {} ({}) | {} {} | {} | {}–{} | {} |",
                m["operation"].as_str().expect("op"),
                m["series"].as_str().expect("series"),
                m["size"],
                m["parameter"].as_str().expect("parameter"),
                f("median"),
                f("q1"),
                f("q3"),
                m["n"]
            )
        })
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(rows, expected, "{md}");
    let header = &report["header"];
    let cpu = header["cpu_model"].as_str().expect("cpu");
    assert!(md.starts_with("Machine: "), "{md}");
    assert!(
        md.contains(&format!("{cpu}, {} cores", header["cores"])),
        "{md}"
    );
    assert!(
        md.contains("| suite | work | size | median | q1–q3 | n |"),
        "{md}"
    );
    // Nothing measured: no new file, and quick.
    assert!(started.elapsed().as_secs() < 5);
    assert_eq!(listing(&r), before);
    // The results.json itself works too, and --json carries the same table; a suite filter
    // that matches nothing leaves only the header.
    let same = expect(d.path(), 0, "bench --markdown r/results.json");
    assert_eq!(stdout(&same), md);
    let as_json = json(&expect(d.path(), 0, "bench --markdown r --json"));
    assert_eq!(
        as_json["markdown"].as_str().expect("markdown").trim_end(),
        md.trim_end()
    );
    let zk = stdout(&expect(d.path(), 0, "bench zk --markdown r"));
    assert!(!zk.contains("| range |"), "{zk}");

    // Another schema version, malformed JSON, a missing field, a missing report, an
    // oversized file, and --markdown with --out: all refused with exit 2, naming the file.
    let text = std::fs::read_to_string(r.join("results.json")).expect("read");
    let bad = d.path().join("bad");
    std::fs::create_dir(&bad).expect("mkdir");
    let file = bad.join("results.json");
    std::fs::write(&file, text.replace("conclave-bench/1", "conclave-bench/2")).expect("w");
    let out = refused(d.path(), "bench --markdown bad", "conclave-bench/2");
    assert!(stdout(&out).is_empty());
    assert!(stderr(&out).contains("results.json"));
    std::fs::write(&file, &text[..text.len() / 2]).expect("w");
    refused(
        d.path(),
        "bench --markdown bad",
        "bad/results.json: not JSON",
    );
    std::fs::write(&file, text.replace("\"median\"", "\"middle\"")).expect("w");
    refused(
        d.path(),
        "bench --markdown bad",
        "not a valid conclave-bench/1 report",
    );
    std::fs::write(&file, r#"{"measurements": []}"#).expect("w");
    refused(d.path(), "bench --markdown bad", "no \"schema\"");
    refused(d.path(), "bench --markdown missing", "missing");
    std::fs::File::create(&file)
        .expect("create")
        .set_len(65 * 1024 * 1024)
        .expect("sparse");
    refused(d.path(), "bench --markdown bad", "larger than");
    expect(d.path(), 2, "bench --markdown r --out r2");
    assert!(!d.path().join("r2").exists());
}

/// The (operation, size) pairs of one series of a suite.
fn series(report: &Value, suite: &str, series: &str) -> Vec<(String, u64)> {
    operations(report, suite)
        .into_iter()
        .filter(|(_, s, _)| s == series)
        .map(|(o, _, size)| (o, size))
        .collect()
}

/// The mpyc the README's test command installs (benches/mpyc/requirements.txt).
fn mpyc_python() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/mpyc-venv/bin/python")
}

/// `bench mpc --compare` runs mpyc on the same work as ours, alternately, records its
/// version, and every ratio is ours / mpyc of the recorded samples.
#[test]
fn mpc_compare_runs_mpyc_on_the_same_work() {
    let python = mpyc_python();
    if !python.is_file() {
        println!(
            "NOTE: skipped: no mpyc at {} (the README's test command installs it)",
            python.display()
        );
        return;
    }
    let mut base = command();
    base.env("CONCLAVE_MPYC_PYTHON", &python);
    let (_d, _r, report) = tiny_report_from(base, "mpc --tiny --compare");
    let peer = peer_of(&report, "mpc");
    assert_eq!(peer["name"], "mpyc");
    assert_eq!(peer["version"], "0.11", "the pinned mpyc");
    let find = |op: &str, series: &str| -> f64 {
        report["measurements"]
            .as_array()
            .expect("measurements")
            .iter()
            .find(|m| {
                m["operation"] == op
                    && m["series"] == series
                    && m["parameter"] == "parties (vs mpyc)"
            })
            .unwrap_or_else(|| panic!("{op} ({series}) measured"))["median"]
            .as_f64()
            .expect("median")
    };
    let ratios = ratios_where(&report, "denominator", "mpyc");
    assert_eq!(
        ratios.len(),
        4,
        "multiplications, comparisons, stats, latency"
    );
    for ratio in ratios {
        let op = ratio["operation"].as_str().expect("operation");
        let (ours, theirs) = (find(op, "semi-honest"), find(op, "mpyc"));
        assert!(ours > 0.0 && theirs > 0.0, "{op}");
        // One pair at --tiny: the ratio is that pair's.
        let median = ratio["median"].as_f64().expect("median");
        assert!((median - ours / theirs).abs() <= 1e-9 * median, "{ratio}");
    }
}

#[test]
fn mpc_tiny_run_measures_real_parties_and_reports_the_delay_sweep_or_its_absence() {
    let d = tempfile::tempdir().expect("tempdir");
    let output = expect(d.path(), 0, "bench mpc --tiny --json --out r");
    assert_eq!(json(&output)["ok"], true);
    let r = d.path().join("r");
    let report = validate(&r);
    check_csv(&r, &report);
    let measured = series(&report, "mpc", "semi-honest");
    // Security with abort, measured in the same runs, with its cost as paired ratios.
    assert_eq!(series(&report, "mpc", "malicious").len(), measured.len());
    let ratios = report["ratios"].as_array().expect("ratios");
    assert!(ratios.iter().any(|r| r["suite"] == "mpc"
        && r["numerator"] == "malicious"
        && r["denominator"] == "semi-honest"
        && r["operation"] == "1,000 multiplications"));
    for operation in [
        "1,000 multiplications",
        "100 comparisons (32-bit)",
        "stats over n × 100 values",
        "latency of one multiplication",
    ] {
        assert!(
            measured.contains(&(operation.to_owned(), 3)),
            "{operation} at 3 parties missing: {measured:?}"
        );
    }
    // The delay sweep ran (2 ms each way) or is listed as skipped with the reason.
    let delayed = report["measurements"]
        .as_array()
        .expect("measurements")
        .iter()
        .filter(|m| m["suite"] == "mpc" && m["parameter"] == "one-way delay (ms), 3 parties")
        .collect::<Vec<_>>();
    let skipped = report["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .any(|s| s["peer"].as_str().is_some_and(|p| p.contains("delay")));
    assert!(
        delayed.is_empty() == skipped,
        "delay sweep: {delayed:?}, skipped: {skipped}"
    );
    if let Some(latency) = delayed
        .iter()
        .find(|m| m["operation"] == "latency of one multiplication")
    {
        // One round trip under 2 ms of delay each way takes at least 4 ms.
        assert!(
            latency["median"].as_f64().expect("median") >= 0.004,
            "{latency}"
        );
    }
    check_svg(
        &r.join("mpc-vs-parties.svg"),
        &[
            "1,000 multiplications (semi-honest)",
            "1,000 multiplications (malicious)",
        ],
    );
    assert!(r.join("mpc-vs-delay.svg").is_file());
}

#[test]
fn he_tiny_run_checks_every_encrypted_result_and_plots_both_sweeps() {
    let (_d, r, report) = tiny_report("he --tiny");
    let tfhe = series(&report, "he", "TFHE-rs");
    for size in [1, 2] {
        assert!(
            tfhe.contains(&("score and decision".to_owned(), size)),
            "{tfhe:?}"
        );
        assert!(tfhe.contains(&("encrypt".to_owned(), size)), "{tfhe:?}");
    }
    let elgamal = series(&report, "he", "threshold ElGamal");
    assert_eq!(
        elgamal,
        [
            ("encrypt, sum, 3-of-5 decrypt".to_owned(), 10),
            ("encrypt, sum, 3-of-5 decrypt".to_owned(), 100)
        ]
    );
    check_svg(
        &r.join("he-tfhe-vs-features.svg"),
        &["score and decision (TFHE-rs)"],
    );
    check_svg(
        &r.join("he-threshold-vs-values.svg"),
        &["encrypt, sum, 3-of-5 decrypt (threshold ElGamal)"],
    );
}

#[test]
fn ledger_tiny_run_anchors_through_a_node_and_audits_growing_logs() {
    let (_d, r, report) = tiny_report("ledger --tiny");
    let appends = series(&report, "ledger", "conclave node");
    assert_eq!(
        appends,
        [
            ("append 8 proofs (verified on append)".to_owned(), 1),
            ("append 8 proofs (verified on append)".to_owned(), 2)
        ]
    );
    let audits = series(&report, "ledger", "conclave");
    assert_eq!(audits, [("audit".to_owned(), 16), ("audit".to_owned(), 64)]);
    let fits = report["fits"].as_array().expect("fits");
    assert!(fits
        .iter()
        .any(|f| f["suite"] == "ledger" && f["operation"] == "audit"));
    check_svg(&r.join("ledger-audit-vs-size.svg"), &["audit (conclave)"]);
}

#[test]
fn credentials_tiny_run_proves_and_verifies_a_signed_credential_predicate() {
    let (d, r, report) = tiny_report("credentials --tiny");
    let ops = operations(&report, "credentials");
    for op in ["setup", "load key", "prove", "verify"] {
        assert!(
            ops.contains(&(op.to_owned(), "conclave".to_owned(), 1)),
            "{ops:?}"
        );
    }
    assert_eq!(ops.len(), 4, "{ops:?}");
    assert!(operations(&report, "zk").is_empty());
    // Without --compare the peer is listed as skipped, with the reason.
    assert!(report["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .any(|s| s["suite"] == "credentials"
            && s["peer"] == "snarkjs"
            && s["reason"].as_str().expect("reason").contains("--compare")));
    check_svg(
        &r.join("credentials-vs-count.svg"),
        &[
            "prove (conclave)",
            "verify (conclave)",
            "load key (conclave)",
        ],
    );

    // With --compare but no circom equivalent to build (an interop folder without it):
    // skipped with the reason, nothing invented, no peer series.
    let empty = d.path().join("no-interop");
    std::fs::create_dir(&empty).expect("mkdir");
    let mut base = command();
    base.env("CONCLAVE_SNARKJS", snarkjs())
        .env("CONCLAVE_INTEROP", &empty);
    expect_from(
        base,
        d.path(),
        0,
        "bench credentials --tiny --compare --out r2 --peer-cache cache",
    );
    let report = validate(&d.path().join("r2"));
    let skipped: Vec<&Value> = report["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .filter(|s| s["suite"] == "credentials" && s["peer"] == "snarkjs")
        .collect();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(
        skipped[0]["reason"]
            .as_str()
            .expect("reason")
            .contains("missing"),
        "{skipped:?}"
    );
    assert!(series(&report, "credentials", "snarkjs").is_empty());
    assert!(report["peers"].as_array().expect("peers").is_empty());
    assert!(report["ratios"].as_array().expect("ratios").is_empty());
}

/// The `p`-quantile of sorted values, linear interpolation (as the report's statistics).
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let position = p * (sorted.len() - 1) as f64;
    let (below, above) = (position.floor() as usize, position.ceil() as usize);
    sorted[below] + (sorted[above] - sorted[below]) * (position - below as f64)
}

/// `--compare` times snarkjs `groth16 fullprove` of the circom equivalent
/// (interop/circom/credit_predicate.circom) against whole-process `conclave zk prove` of the
/// two-credential example on the same credentials, in alternation, and the ratio is the
/// summary of the recorded per-pair ratios.
///
/// **Expensive the first time**: the peer's preparation (circom compile, 2^14 powers of tau,
/// zkey; 5–12 minutes on the 2-core VM) goes into a cache under `CARGO_TARGET_TMPDIR`
/// (`target/tmp/bench-peer-cache`) that later runs of this test reuse (then ≈ 15 s).
#[test]
fn credentials_compare_times_snarkjs_fullprove_of_the_circom_equivalent() {
    let interop = Path::new(env!("CARGO_MANIFEST_DIR")).join("../interop");
    if !interop.join("node_modules/circom2/cli.js").is_file() {
        // CI installs the interop peers: there a missing install is a failure.
        assert!(
            std::env::var_os("CI").is_none(),
            "circom2 is not installed: run `npm ci --prefix interop`"
        );
        eprintln!("skipped: interop/node_modules is missing (run `npm ci --prefix interop`)");
        return;
    }
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-peer-cache");
    let d = tempfile::tempdir().expect("tempdir");
    let mut base = command();
    base.env("CONCLAVE_SNARKJS", snarkjs())
        .env("CONCLAVE_INTEROP", &interop);
    expect_from(
        base,
        d.path(),
        0,
        &format!(
            "bench credentials --tiny --compare --json --out r --peer-cache {}",
            cache.display()
        ),
    );
    let r = d.path().join("r");
    let report = validate(&r);
    check_csv(&r, &report);
    let operation = "zk prove (whole process), two-credential example";
    let samples = |series: &str| -> Vec<f64> {
        let m = report["measurements"]
            .as_array()
            .expect("measurements")
            .iter()
            .find(|m| m["operation"] == operation && m["series"] == series)
            .unwrap_or_else(|| panic!("no {series} measurement of {operation}"));
        assert_eq!(m["suite"], "credentials");
        assert_eq!(m["size"], 2);
        m["samples"]
            .as_array()
            .expect("samples")
            .iter()
            .map(|s| s.as_f64().expect("seconds"))
            .collect()
    };
    let (theirs, ours) = (samples("snarkjs"), samples("conclave"));
    assert_eq!(theirs.len(), 2);
    assert_eq!(ours.len(), 2);
    // The ratio is the summary of the per-pair ratios of those samples.
    let ratio = report["ratios"]
        .as_array()
        .expect("ratios")
        .iter()
        .find(|r| r["operation"] == operation)
        .expect("the snarkjs / conclave ratio");
    assert_eq!(ratio["numerator"], "snarkjs");
    assert_eq!(ratio["denominator"], "conclave");
    let mut pairs: Vec<f64> = theirs.iter().zip(&ours).map(|(t, o)| t / o).collect();
    pairs.sort_by(f64::total_cmp);
    for (field, want) in [
        ("median", quantile(&pairs, 0.5)),
        ("min", pairs[0]),
        ("max", pairs[pairs.len() - 1]),
    ] {
        let got = ratio[field].as_f64().expect(field);
        assert!(
            (got - want).abs() <= 1e-12 * want,
            "{field}: {got} vs {want}"
        );
    }
    assert_eq!(ratio["n"], 2);
    // snarkjs starts node and computes the witness in wasm: slower than our whole process.
    assert!(ratio["median"].as_f64().expect("median") > 1.0, "{ratio}");
    let note = ratio["note"].as_str().expect("note");
    assert!(
        note.contains("powers of tau") && note.contains("not in these timings"),
        "{note}"
    );
    assert!(note.contains(&cache.display().to_string()), "{note}");
    // The peer's versions are recorded; it is not also listed as skipped.
    let peer = report["peers"]
        .as_array()
        .expect("peers")
        .iter()
        .find(|p| p["suite"] == "credentials" && p["name"] == "snarkjs")
        .expect("the snarkjs peer");
    let version = peer["version"].as_str().expect("version");
    assert!(
        version.contains("0.7.6") && version.contains("circomlib 2.0.5"),
        "{version}"
    );
    assert!(!report["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .any(|s| s["suite"] == "credentials" && s["peer"] == "snarkjs"));
    // A second run reuses the cache: the note says so. It names the cache relative to its
    // working folder (the peers run elsewhere, so the binary must make it absolute).
    let mut base = command();
    base.env("CONCLAVE_SNARKJS", snarkjs())
        .env("CONCLAVE_INTEROP", &interop);
    expect_from(
        base,
        Path::new(env!("CARGO_TARGET_TMPDIR")),
        0,
        &format!(
            "bench credentials --tiny --compare --json --out {} --peer-cache bench-peer-cache",
            d.path().join("r2").display()
        ),
    );
    let again = validate(&d.path().join("r2"));
    let note = again["ratios"]
        .as_array()
        .expect("ratios")
        .iter()
        .find(|r| r["operation"] == operation)
        .expect("ratio")["note"]
        .as_str()
        .expect("note")
        .to_owned();
    assert!(note.contains("reused from"), "{note}");
}

/// README's "Speed" table is `conclave bench --markdown REPORT --headline` of the committed
/// report its marker names, byte for byte: figures are produced from a report, not typed.
#[test]
fn readme_speed_table_is_the_headline_of_the_committed_report() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let blocks = generated_blocks(&readme, "speed-table");
    assert_eq!(blocks.len(), 1, "README has one speed-table block");
    let (report, body) = &blocks[0];
    check_generated(
        &root,
        &format!("{report} --headline"),
        body,
        "README's speed table",
    );
    // The table names the report's machine and has rows from several suites.
    assert!(body.starts_with("Machine: "), "{body}");
    for suite in ["| zk |", "| mpc |", "| ledger |"] {
        assert!(
            body.contains(suite),
            "no {suite} row in README's speed table"
        );
    }
}

/// docs/benchmarks.md's tables between `<!-- bench-markdown: ARGS -->` and
/// `<!-- /bench-markdown -->` are exactly what `conclave bench --markdown ARGS` prints from
/// the committed reports (issue 19: produced from a report, not typed by hand).
#[test]
fn benchmarks_doc_tables_are_generated_from_committed_reports() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let doc = std::fs::read_to_string(root.join("docs/benchmarks.md")).expect("benchmarks.md");
    let blocks = generated_blocks(&doc, "bench-markdown");
    assert!(blocks.len() >= 2, "docs/benchmarks.md has generated tables");
    for (args, body) in &blocks {
        assert!(body.contains("| suite |"), "a table under `{args}`");
        check_generated(&root, args, body, "a table of docs/benchmarks.md");
    }
}

/// Every `<!-- NAME: ARGS -->` … `<!-- /NAME -->` block of `text`: (ARGS, body).
fn generated_blocks(text: &str, name: &str) -> Vec<(String, String)> {
    let open = format!("<!-- {name}: ");
    let close = format!("<!-- /{name} -->");
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let args = &after[..after.find(" -->").expect("marker closes")];
        let body_start = after.find("-->\n").expect("marker line ends") + 4;
        let body_end = after.find(&close).expect("closing marker");
        blocks.push((args.to_owned(), after[body_start..body_end].to_owned()));
        rest = &after[body_end + close.len()..];
    }
    blocks
}

/// Asserts `body` is what `conclave bench --markdown ARGS` prints (run from the root).
fn check_generated(root: &Path, args: &str, body: &str, what: &str) {
    let output = expect(root, 0, &format!("bench --markdown {args}"));
    assert_eq!(
        body.trim_end(),
        stdout(&output).trim_end(),
        "{what} differs from `conclave bench --markdown {args}`; paste that command's \
         output between the markers"
    );
}
