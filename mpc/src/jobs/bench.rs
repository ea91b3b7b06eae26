//! The `bench` job: timings of the engine over whatever transport it runs on
//! (multiplications, comparisons, a stats job, latencies), in the semi-honest mode
//! (top-level keys) and in the malicious mode (the `malicious` object; its
//! multiplication time includes the MAC check). Inputs are deterministic pseudo-random
//! values; nothing is signed.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::stats::default_bits;
use super::{stats, ClientShares, StatsJob};
use crate::engine::{Engine, RandomnessSource};
use crate::field::Fp;
use crate::mac::Security;
use crate::transport::Transport;
use crate::{Error, PartyId};

/// `bench`: timings of the engine over the real transport.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BenchJob {
    /// Batch size of the multiplication benchmark.
    #[serde(default = "default_muls")]
    pub multiplications: usize,
    /// Batch size of the comparison benchmark.
    #[serde(default = "default_cmps")]
    pub comparisons: usize,
    /// Bit width of compared values.
    #[serde(default = "default_bits")]
    pub comparison_bits: u32,
    /// Values per party in the stats benchmark.
    #[serde(default = "default_stats_values")]
    pub stats_values: usize,
    /// Repetitions of the latency measurements.
    #[serde(default = "default_latency")]
    pub latency_samples: usize,
}

fn default_muls() -> usize {
    1_000_000
}
fn default_cmps() -> usize {
    100_000
}
fn default_stats_values() -> usize {
    10_000
}
fn default_latency() -> usize {
    20
}

fn seconds(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

/// Timings over the engine's transport: multiplications, comparisons, stats, latency,
/// first semi-honest, then (with PRSS randomness, up to 7 parties) malicious.
///
/// # Errors
/// Protocol errors.
pub fn bench<T: Transport>(engine: &mut Engine<T>, job: &BenchJob) -> Result<Value, Error> {
    let before = engine.security();
    engine.set_security(Security::SemiHonest)?;
    let mut out = measure(engine, job)?;
    if engine.randomness_source() == RandomnessSource::Prss {
        engine.set_security(Security::Malicious)?;
        let malicious = measure(engine, job)?;
        if let Value::Object(map) = &mut out {
            map.insert("malicious".into(), malicious);
        }
    }
    engine.set_security(before)?;
    Ok(out)
}

/// One pass of the benchmark in the engine's current security mode.
fn measure<T: Transport>(engine: &mut Engine<T>, job: &BenchJob) -> Result<Value, Error> {
    let malicious = engine.security() == Security::Malicious;
    let me = engine.me();
    let n = engine.params().n();
    // Multiplications: preprocessing and the operation itself, timed separately.
    let m = job.multiplications;
    let a = engine.input_from(PartyId(1), m, &pseudo_values(m, 1, 1 << 20, me))?;
    let b = engine.input_from(PartyId(2), m, &pseudo_values(m, 2, 1 << 20, me))?;
    // As an application runs it: randomness generated chunk by chunk inside `mul`.
    engine.verify()?;
    let start = Instant::now();
    let _ = engine.mul(&a, &b)?;
    let fused_mul = seconds(start);
    // Malicious: the check over all products belongs to the multiplication's cost.
    engine.verify()?;
    let fused = seconds(start);
    let check = fused - fused_mul;
    // Split: all double sharings first, then the multiplication alone (semi-honest).
    let (mut pre, mut mul) = (0.0, 0.0);
    if !malicious {
        let start = Instant::now();
        engine.preprocess(m)?;
        pre = seconds(start);
        let start = Instant::now();
        let _ = engine.mul(&a, &b)?;
        mul = seconds(start);
    }
    drop((a, b));
    // Comparisons of k-bit values.
    let c = job.comparisons;
    let bits = job.comparison_bits;
    let x = engine.input_from(PartyId(1), c, &pseudo_values(c, 3, 1 << (bits - 2), me))?;
    let y = engine.input_from(PartyId(2), c, &pseudo_values(c, 4, 1 << (bits - 2), me))?;
    engine.verify()?;
    let start = Instant::now();
    let _ = engine.lt(&x, &y, bits)?;
    engine.verify()?;
    let cmp = seconds(start);
    drop((x, y));
    // Stats over n × stats_values.
    let values: Vec<i64> = (0..job.stats_values as u64)
        .map(|i| 300 + ((i * 7919 + u64::from(me.0) * 104_729) % 550) as i64)
        .collect();
    let start = Instant::now();
    let _ = stats(
        engine,
        &StatsJob {
            bits: 32,
            threshold: 650,
            party: None,
            column: None,
        },
        &values,
        &ClientShares::none(),
    )?;
    let st = seconds(start);
    // Latency of one multiplication and one comparison.
    let one = engine.input_from(PartyId(1), 1, &pseudo_values(1, 5, 1000, me))?;
    let mut mul_lat = Vec::new();
    let mut cmp_lat = Vec::new();
    for _ in 0..job.latency_samples.max(1) {
        let start = Instant::now();
        let _ = engine.mul(&one, &one)?;
        engine.verify()?;
        mul_lat.push(seconds(start));
        let start = Instant::now();
        let _ = engine.lt(&one, &one, 32)?;
        engine.verify()?;
        cmp_lat.push(seconds(start));
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    if malicious {
        return Ok(json!({
            "security": "malicious",
            "mul_s": fused,
            "mul_check_s": check,
            "comparison_s": cmp,
            "stats_s": st,
            "mul_latency_ms": median(&mut mul_lat) * 1e3,
            "comparison_latency_ms": median(&mut cmp_lat) * 1e3,
            "traffic_bytes_sent": engine.traffic().bytes_sent,
            "rounds": engine.traffic().rounds,
        }));
    }
    Ok(json!({
        "job": "bench",
        "security": "semi-honest",
        "parties": n,
        "multiplications": m,
        "randomness": format!("{:?}", engine.randomness_source()),
        "mul_s": fused,
        "mul_preprocessing_s": pre,
        "mul_online_s": mul,
        "mul_total_s": pre + mul,
        "comparisons": c,
        "comparison_bits": bits,
        "comparison_s": cmp,
        "stats_values_per_party": job.stats_values,
        "stats_s": st,
        "mul_latency_ms": median(&mut mul_lat) * 1e3,
        "comparison_latency_ms": median(&mut cmp_lat) * 1e3,
        "traffic_bytes_sent": engine.traffic().bytes_sent,
        "rounds": engine.traffic().rounds,
    }))
}

/// Deterministic pseudo-random benchmark inputs (only the owner's are used).
fn pseudo_values(len: usize, seed: u64, bound: u64, _me: PartyId) -> Vec<Fp> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            Fp::from_i64((state % (2 * bound)) as i64 - bound as i64)
        })
        .collect()
}
