//! Ready-made jobs: `stats` (aggregate statistics over all parties' values), `score`
//! (a linear score over vertically partitioned data, decisions revealed only to the
//! lender) and `bench` (timings), plus input parsing and signed result records.
//!
//! A job runs identically at every party; public facts (job digest, input lengths,
//! applicant ids) are checked for agreement first, so a party with a different job
//! file or input layout is named before any secret is shared.

use std::time::Instant;

use ed25519_dalek::{SigningKey, VerifyingKey};
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::compare::encode_fixed;
use crate::engine::Engine;
use crate::field::Fp;
use crate::record::{self, PartyKey, RecordError, ResultBody, ResultRecord};
use crate::transport::Transport;
use crate::{Error, PartyId};

/// Version of the job file format.
pub const JOB_VERSION: u32 = 1;
const JOB_TAG: &[u8] = b"conclave-mpc-job-v1";
const INPUT_TAG: &[u8] = b"conclave-mpc-input-v1";

/// A job file (`stats.toml`, `score.toml`, `bench.toml`); see docs/formats/mpc.md.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct JobFile {
    /// Format version (1).
    pub version: u32,
    /// `"stats"`, `"score"` or `"bench"`.
    pub job: String,
    /// Human description, copied into the result record.
    #[serde(default)]
    pub description: String,
    /// Parameters of a stats job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<StatsJob>,
    /// Parameters of a score job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<ScoreJob>,
    /// Parameters of a bench job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bench: Option<BenchJob>,
}

/// `stats`: sum, count, mean, variance, min, max and the count of values ≥ `threshold`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StatsJob {
    /// Values are signed integers of this many bits (2..=48).
    #[serde(default = "default_bits")]
    pub bits: u32,
    /// The public threshold.
    pub threshold: i64,
}

fn default_bits() -> u32 {
    32
}

/// One weighted feature column of a score job.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Feature {
    /// The party holding the column.
    pub party: u32,
    /// The CSV column name.
    pub column: String,
    /// Its public weight.
    pub weight: f64,
}

/// `score`: per applicant `Σ wⱼxⱼ + bias ≥ threshold`, revealed only to `lender`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScoreJob {
    /// Fractional bits of the fixed-point weights.
    #[serde(default = "default_fraction")]
    pub fraction_bits: u32,
    /// Bit width of scores in fixed point (2..=64).
    #[serde(default = "default_score_bits")]
    pub bits: u32,
    /// Public bias.
    #[serde(default)]
    pub bias: f64,
    /// Public decision threshold.
    pub threshold: f64,
    /// The only party that learns decisions (and scores).
    pub lender: u32,
    /// Whether the lender also learns the scores.
    #[serde(default)]
    pub reveal_scores: bool,
    /// The weighted columns.
    pub features: Vec<Feature>,
}

fn default_fraction() -> u32 {
    8
}
fn default_score_bits() -> u32 {
    48
}

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

impl JobFile {
    /// Parses and validates a job file.
    ///
    /// # Errors
    /// [`Error::BadFile`] naming `what` and the problem.
    pub fn from_toml(text: &str, what: &str) -> Result<JobFile, Error> {
        let job: JobFile = toml::from_str(text)
            .map_err(|e| Error::bad_file(what, format!("not a valid job file: {e}")))?;
        if job.version != JOB_VERSION {
            return Err(Error::bad_file(
                what,
                format!("job version {} is not supported (expected 1)", job.version),
            ));
        }
        let ok = match job.job.as_str() {
            "stats" => job.stats.as_ref().map(|s| (2..=48).contains(&s.bits)),
            "score" => job.score.as_ref().map(|s| {
                (2..=64).contains(&s.bits) && s.fraction_bits <= 24 && !s.features.is_empty()
            }),
            "bench" => job
                .bench
                .as_ref()
                .map(|b| (2..=40).contains(&b.comparison_bits)),
            _ => None,
        };
        match ok {
            Some(true) => Ok(job),
            Some(false) => Err(Error::bad_file(
                what,
                format!(
                    "[{}] parameters out of range (see docs/formats/mpc.md)",
                    job.job
                ),
            )),
            None => Err(Error::bad_file(
                what,
                format!(
                    "job {:?} needs a matching [{}] section; jobs are stats, score, bench",
                    job.job, job.job
                ),
            )),
        }
    }

    /// SHA-256 of the canonical job bytes: the record's `computation_id`.
    ///
    /// # Layout
    /// `SHA-256("conclave-mpc-job-v1" || 0x00 || canonical JSON of the parsed job)`.
    pub fn digest(&self) -> [u8; 32] {
        let canonical = serde_json::to_vec(self).unwrap_or_default();
        let mut h = Sha256::new();
        h.update(JOB_TAG);
        h.update([0]);
        h.update(&canonical);
        h.finalize().into()
    }
}

/// One party's private input, parsed from CSV.
pub enum JobInput {
    /// A list of integers (stats).
    Values(Vec<i64>),
    /// A table: applicant ids and named numeric columns (score).
    Table {
        /// Column names (after `id`).
        columns: Vec<String>,
        /// `(id, values)` rows.
        rows: Vec<(String, Vec<f64>)>,
    },
    /// No input (bench).
    None,
}

impl std::fmt::Debug for JobInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JobInput(redacted)")
    }
}

impl JobInput {
    /// Parses CSV for `job`: stats takes one integer per line (optional header);
    /// score takes a header `id,<col>,…` and numeric rows.
    ///
    /// # Errors
    /// [`Error::BadFile`] naming `what` and the line.
    pub fn parse_csv(job: &JobFile, text: &str, what: &str) -> Result<JobInput, Error> {
        match job.job.as_str() {
            "stats" => {
                let mut values = Vec::new();
                for (i, line) in text.lines().enumerate() {
                    let field = line.split(',').next().unwrap_or("").trim();
                    if field.is_empty()
                        || (i == 0 && field.parse::<i64>().is_err() && !field.starts_with('-'))
                    {
                        continue;
                    }
                    let v: i64 = field.parse().map_err(|_| {
                        Error::bad_file(
                            what,
                            format!("line {}: {field:?} is not an integer", i + 1),
                        )
                    })?;
                    values.push(v);
                }
                Ok(JobInput::Values(values))
            }
            "score" => {
                let mut lines = text.lines().filter(|l| !l.trim().is_empty());
                let header: Vec<String> = lines
                    .next()
                    .ok_or_else(|| {
                        Error::bad_file(what, "empty file; expected a header `id,<column>,…`")
                    })?
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .collect();
                if header.first().map(String::as_str) != Some("id") {
                    return Err(Error::bad_file(what, "the first column must be `id`"));
                }
                let columns = header[1..].to_vec();
                let mut rows = Vec::new();
                for (i, line) in lines.enumerate() {
                    let fields: Vec<&str> = line.split(',').map(str::trim).collect();
                    if fields.len() != header.len() {
                        return Err(Error::bad_file(
                            what,
                            format!(
                                "row {}: {} fields, header has {}",
                                i + 2,
                                fields.len(),
                                header.len()
                            ),
                        ));
                    }
                    let values = fields[1..]
                        .iter()
                        .map(|f| f.parse::<f64>().ok().filter(|v| v.is_finite()))
                        .collect::<Option<Vec<f64>>>()
                        .ok_or_else(|| {
                            Error::bad_file(what, format!("row {}: non-numeric value", i + 2))
                        })?;
                    rows.push((fields[0].to_string(), values));
                }
                Ok(JobInput::Table { columns, rows })
            }
            _ => Ok(JobInput::None),
        }
    }

    fn canonical_bytes(&self) -> Vec<u8> {
        match self {
            JobInput::Values(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            JobInput::Table { columns, rows } => {
                let mut out = Vec::new();
                for c in columns {
                    out.extend_from_slice(&(c.len() as u32).to_le_bytes());
                    out.extend_from_slice(c.as_bytes());
                }
                for (id, values) in rows {
                    out.extend_from_slice(&(id.len() as u32).to_le_bytes());
                    out.extend_from_slice(id.as_bytes());
                    for v in values {
                        out.extend_from_slice(&v.to_le_bytes());
                    }
                }
                out
            }
            JobInput::None => Vec::new(),
        }
    }
}

/// The party's signing key and every party's verifying key (by party id).
pub struct Signer<'a> {
    /// This party's key.
    pub key: &'a SigningKey,
    /// Verifying keys of parties `1..=n`.
    pub parties: Vec<VerifyingKey>,
}

impl std::fmt::Debug for Signer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(redacted)")
    }
}

/// What a job produced at this party.
#[derive(Debug)]
pub struct JobOutcome {
    /// The signed record (identical at every party), absent for `bench`.
    pub record: Option<ResultRecord>,
    /// Public outputs (also inside the record).
    pub outputs: Value,
    /// Outputs only this party learned (the lender's decisions), if any.
    pub private: Option<Value>,
    /// Salt of this party's input commitment (keep it to open the commitment later).
    pub input_salt: String,
}

/// Runs `job` at this party with its `input`, then signs and exchanges the record.
///
/// # Errors
/// Any protocol error, naming the party at fault; the caller should then call
/// [`Engine::abort`] so the others stop too.
pub fn run<T: Transport, R: RngCore + CryptoRng>(
    engine: &mut Engine<T>,
    job: &JobFile,
    input: &JobInput,
    client: &ClientShares,
    signer: &Signer<'_>,
    rng: &mut R,
) -> Result<JobOutcome, Error> {
    let digest = job.digest();
    engine.agree(&digest, "the job file (computation id)")?;
    let mut salt = [0u8; 32];
    rng.fill_bytes(&mut salt);
    let mut h = Sha256::new();
    h.update(INPUT_TAG);
    h.update(engine.me().0.to_le_bytes());
    h.update(salt);
    h.update(input.canonical_bytes());
    let commitment: [u8; 32] = h.finalize().into();
    let (outputs, private) = match (job.job.as_str(), input) {
        ("stats", JobInput::Values(values)) => {
            (stats(engine, job_stats(job)?, values, client)?, None)
        }
        ("score", JobInput::Table { columns, rows }) => {
            score(engine, job_score(job)?, columns, rows, rng)?
        }
        ("bench", _) => {
            let b = job
                .bench
                .as_ref()
                .ok_or(Error::InvalidParameters("bench job without [bench]"))?;
            return Ok(JobOutcome {
                record: None,
                outputs: bench(engine, b)?,
                private: None,
                input_salt: hex::encode(salt),
            });
        }
        _ => {
            return Err(Error::InvalidParameters(
                "input does not match the job kind",
            ))
        }
    };
    let commitments = engine.exchange_public(&commitment)?;
    let body = ResultBody {
        computation_id: hex::encode(digest),
        description: job.description.clone(),
        input_commitments: commitments.iter().map(hex::encode).collect(),
        outputs: outputs.clone(),
        parties: signer.parties.iter().copied().map(PartyKey::from).collect(),
    };
    let text = body.to_text();
    let mine = record::sign(signer.key, &text).signature.to_bytes();
    let all = engine.exchange_public(&mine)?;
    let mut signatures = Vec::with_capacity(all.len());
    for (j, bytes) in all.iter().enumerate() {
        let sig: [u8; 64] = bytes.as_slice().try_into().map_err(|_| {
            Error::misbehaved(
                PartyId::from_index(j),
                "malformed frame: signature is not 64 bytes",
            )
        })?;
        signatures.push(sig);
    }
    let record = ResultRecord::assemble(text, &body.parties, signatures).map_err(|e| match e {
        RecordError::BadSignature { party, .. } => Error::misbehaved(
            PartyId::from_index(party),
            "its signature on the result does not verify (different outputs?)",
        ),
        RecordError::SignatureCount { .. } => {
            Error::InvalidParameters("a verifying key per party is needed")
        }
        other => Error::Record(other),
    })?;
    Ok(JobOutcome {
        record: Some(record),
        outputs,
        private,
        input_salt: hex::encode(salt),
    })
}

fn job_stats(job: &JobFile) -> Result<&StatsJob, Error> {
    job.stats
        .as_ref()
        .ok_or(Error::InvalidParameters("stats job without [stats]"))
}

fn job_score(job: &JobFile) -> Result<&ScoreJob, Error> {
    job.score
        .as_ref()
        .ok_or(Error::InvalidParameters("score job without [score]"))
}

fn check_range(v: i128, bits: u32) -> Result<(), Error> {
    let bound = 1i128 << (bits - 1);
    if v < -bound || v >= bound {
        return Err(Error::ValueOutOfRange { value: v, bits });
    }
    Ok(())
}

fn parse_len(party: PartyId, bytes: &[u8]) -> Result<usize, Error> {
    let b: [u8; 8] = bytes
        .try_into()
        .map_err(|_| Error::misbehaved(party, "malformed frame: length is not 8 bytes"))?;
    let len = u64::from_le_bytes(b);
    if len > 100_000_000 {
        return Err(Error::misbehaved(
            party,
            format!("announced {len} input values (limit 10^8)"),
        ));
    }
    Ok(len as usize)
}

/// The stats computation on already-agreed parameters: returns the public outputs.
///
/// # Errors
/// Values out of range (local), protocol errors.
pub fn stats<T: Transport>(
    engine: &mut Engine<T>,
    job: &StatsJob,
    values: &[i64],
    client: &ClientShares,
) -> Result<Value, Error> {
    for v in values {
        check_range(i128::from(*v), job.bits)?;
    }
    check_range(i128::from(job.threshold), job.bits)?;
    let lens_raw = engine.exchange_public(&(values.len() as u64).to_le_bytes())?;
    let lens = lens_raw
        .iter()
        .enumerate()
        .map(|(j, b)| parse_len(PartyId::from_index(j), b))
        .collect::<Result<Vec<usize>, Error>>()?;
    // Client-input shares: every party must hold shares of the same batch.
    let mut batch = client.batch.to_vec();
    batch.extend_from_slice(&(client.shares.len() as u64).to_le_bytes());
    engine.agree(&batch, "the client share batch (id and length)")?;
    let count: usize = lens.iter().sum::<usize>() + client.shares.len();
    if count == 0 {
        return Err(Error::InvalidParameters("no values at any party"));
    }
    if 2 * job.bits + (usize::BITS - count.leading_zeros()) > 124 {
        return Err(Error::InvalidParameters(
            "too many values of this width: the sum of squares would overflow",
        ));
    }
    let mine: Vec<Fp> = values.iter().map(|v| Fp::from_i64(*v)).collect();
    let parts = engine.input(&lens, &mine)?;
    let adopted = engine.adopt(client.shares.clone());
    let mut refs: Vec<&crate::ShareVec> = parts.iter().collect();
    refs.push(&adopted);
    let x = engine.concat(&refs);
    let squares = engine.square(&x)?;
    let ge = engine.ge_public(&x, i128::from(job.threshold), job.bits)?;
    let (min, max) = engine.min_max(&x, job.bits)?;
    let sum = engine.sum(&x);
    let sumsq = engine.sum(&squares);
    let above = engine.sum(&ge);
    let all = engine.concat(&[&sum, &sumsq, &above, &min, &max]);
    let opened = engine.open_signed(&all)?;
    let (sum, sumsq, above, min, max) = (opened[0], opened[1], opened[2], opened[3], opened[4]);
    let mean = sum as f64 / count as f64;
    // Population variance from exact integers: (n·Σx² − (Σx)²) / n².
    let n = count as i128;
    let numerator = n * sumsq - sum * sum;
    let variance = numerator as f64 / (n * n) as f64;
    Ok(json!({
        "job": "stats",
        "count": count,
        "per_party_counts": lens,
        "sum": sum.to_string(),
        "mean": mean,
        "variance": variance,
        "min": min.to_string(),
        "max": max.to_string(),
        "threshold": job.threshold,
        "count_at_or_above_threshold": above.to_string(),
    }))
}

type ScoreResult = (Value, Option<Value>);

fn score<T: Transport, R: RngCore + CryptoRng>(
    engine: &mut Engine<T>,
    job: &ScoreJob,
    columns: &[String],
    rows: &[(String, Vec<f64>)],
    rng: &mut R,
) -> Result<ScoreResult, Error> {
    let me = engine.me();
    let n = engine.params().n();
    let lender = PartyId(job.lender);
    engine.params().check_party(lender)?;
    // Ids are the public join key: sort and agree on them.
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|a, b| rows[*a].0.cmp(&rows[*b].0));
    for w in order.windows(2) {
        if rows[w[0]].0 == rows[w[1]].0 {
            return Err(Error::bad_file(
                "input",
                format!("applicant id {:?} appears twice", rows[w[0]].0),
            ));
        }
    }
    let mut ids = Sha256::new();
    for i in &order {
        ids.update((rows[*i].0.len() as u32).to_le_bytes());
        ids.update(rows[*i].0.as_bytes());
    }
    let ids: [u8; 32] = ids.finalize().into();
    engine.agree(
        &ids,
        "the set of applicant ids (every party must hold one row per applicant)",
    )?;
    // Local partial score over this party's columns, in fixed point.
    let f = job.fraction_bits;
    let mut mine_cols = Vec::new();
    for feat in job.features.iter().filter(|ft| ft.party == me.0) {
        let idx = columns
            .iter()
            .position(|c| *c == feat.column)
            .ok_or_else(|| {
                Error::bad_file(
                    "input",
                    format!("column {:?} required by the job is missing", feat.column),
                )
            })?;
        mine_cols.push((idx, encode_fixed(feat.weight, f)?));
    }
    let limit = (1i128 << (job.bits - 1)) / (n as i128 + 2);
    let mut partial = Vec::with_capacity(rows.len());
    for i in &order {
        let mut acc: i128 = 0;
        for (idx, w) in &mine_cols {
            let x = rows[*i].1[*idx];
            let term = (x * (*w as f64)).round();
            if !term.is_finite() || term.abs() >= limit as f64 {
                return Err(Error::ValueOutOfRange {
                    value: term as i128,
                    bits: job.bits,
                });
            }
            acc += term as i128;
        }
        if acc.abs() >= limit {
            return Err(Error::ValueOutOfRange {
                value: acc,
                bits: job.bits,
            });
        }
        partial.push(Fp::from_i128(acc));
    }
    let len = rows.len();
    let parts = engine.input(&vec![len; n], &partial)?;
    let mut total = engine.constant(&vec![Fp::from_i128(encode_fixed(job.bias, f)?); len]);
    for p in &parts {
        total = engine.add(&total, p)?;
    }
    let threshold = encode_fixed(job.threshold, f)?;
    check_range(threshold, job.bits)?;
    let decision = engine.ge_public(&total, threshold, job.bits)?;
    let decisions = engine.open_to(lender, &decision)?;
    let scores = if job.reveal_scores {
        engine.open_to(lender, &total)?
    } else {
        None
    };
    // The lender commits to the decisions so the record binds them.
    let mut commitment = [0u8; 32];
    let mut private = None;
    if let Some(d) = &decisions {
        let mut salt = [0u8; 32];
        rng.fill_bytes(&mut salt);
        let mut h = Sha256::new();
        h.update(b"conclave-mpc-decisions-v1");
        h.update(salt);
        let list: Vec<Value> = order
            .iter()
            .enumerate()
            .map(|(k, i)| {
                let approve = d[k] == Fp::ONE;
                h.update([u8::from(approve)]);
                let mut entry = json!({ "id": rows[*i].0, "approve": approve });
                if let Some(s) = &scores {
                    entry["score"] = json!(crate::compare::decode_fixed(s[k].to_i128(), f));
                }
                entry
            })
            .collect();
        commitment = h.finalize().into();
        private = Some(json!({ "decisions": list, "decisions_salt": hex::encode(salt) }));
    }
    let all = engine.exchange_public(&commitment)?;
    let lender_commitment = &all[lender.index()];
    Ok((
        json!({
            "job": "score",
            "applicants": len,
            "lender": lender.0,
            "scores_revealed_to_lender": job.reveal_scores,
            "decisions_commitment": hex::encode(lender_commitment),
        }),
        private,
    ))
}

fn seconds(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

/// Timings over the engine's transport: multiplications, comparisons, stats, latency.
///
/// # Errors
/// Protocol errors.
pub fn bench<T: Transport>(engine: &mut Engine<T>, job: &BenchJob) -> Result<Value, Error> {
    let me = engine.me();
    let n = engine.params().n();
    // Multiplications: preprocessing and the operation itself, timed separately.
    let m = job.multiplications;
    let a = engine.input_from(PartyId(1), m, &pseudo_values(m, 1, 1 << 20, me))?;
    let b = engine.input_from(PartyId(2), m, &pseudo_values(m, 2, 1 << 20, me))?;
    // As an application runs it: randomness generated chunk by chunk inside `mul`.
    let start = Instant::now();
    let _ = engine.mul(&a, &b)?;
    let fused = seconds(start);
    // Split: all double sharings first, then the multiplication alone.
    let start = Instant::now();
    engine.preprocess(m)?;
    let pre = seconds(start);
    let start = Instant::now();
    let _ = engine.mul(&a, &b)?;
    let mul = seconds(start);
    drop((a, b));
    // Comparisons of k-bit values.
    let c = job.comparisons;
    let bits = job.comparison_bits;
    let x = engine.input_from(PartyId(1), c, &pseudo_values(c, 3, 1 << (bits - 2), me))?;
    let y = engine.input_from(PartyId(2), c, &pseudo_values(c, 4, 1 << (bits - 2), me))?;
    let start = Instant::now();
    let _ = engine.lt(&x, &y, bits)?;
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
        mul_lat.push(seconds(start));
        let start = Instant::now();
        let _ = engine.lt(&one, &one, 32)?;
        cmp_lat.push(seconds(start));
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    Ok(json!({
        "job": "bench",
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

/// Version of the client share file format.
pub const SHARES_VERSION: u32 = 1;

/// Shares that an outside data owner dealt to this party (the client-input model).
///
/// # Security
/// Secret: zeroised on drop, no `Clone`/`Debug`/`Serialize`.
pub struct ClientShares {
    /// Random id of the dealing (the same at every party).
    pub batch: [u8; 16],
    /// This party's shares.
    pub shares: Vec<Fp>,
}

impl Drop for ClientShares {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.shares);
    }
}

impl std::fmt::Debug for ClientShares {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientShares({} values, redacted)", self.shares.len())
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SharesFile {
    version: u32,
    kind: String,
    batch: String,
    party: u32,
    parties: u32,
    shares: Vec<String>,
}

impl ClientShares {
    /// No client input.
    pub fn none() -> ClientShares {
        ClientShares {
            batch: [0; 16],
            shares: Vec::new(),
        }
    }

    /// Splits `values` for `params.n()` parties: one JSON share file per party, in order.
    pub fn deal<R: RngCore + CryptoRng>(
        params: crate::Params,
        values: &[i64],
        rng: &mut R,
    ) -> Vec<zeroize::Zeroizing<String>> {
        let mut batch = [0u8; 16];
        rng.fill_bytes(&mut batch);
        let secrets: Vec<Fp> = values.iter().map(|v| Fp::from_i64(*v)).collect();
        crate::shamir::share(params, &secrets, rng)
            .iter()
            .map(|s| {
                let file = SharesFile {
                    version: SHARES_VERSION,
                    kind: "conclave.mpc.shares".into(),
                    batch: hex::encode(batch),
                    party: s.party().0,
                    parties: params.n() as u32,
                    shares: s
                        .values()
                        .iter()
                        .map(|v| hex::encode(v.to_bytes()))
                        .collect(),
                };
                let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
                text.push('\n');
                zeroize::Zeroizing::new(text)
            })
            .collect()
    }

    /// Parses this party's share file, checking it was dealt for `party` of `n`.
    ///
    /// # Errors
    /// [`Error::BadFile`] naming `what`.
    pub fn from_json(
        text: &str,
        party: PartyId,
        n: usize,
        what: &str,
    ) -> Result<ClientShares, Error> {
        let file: SharesFile = serde_json::from_str(text)
            .map_err(|e| Error::bad_file(what, format!("not a share file: {e}")))?;
        if file.version != SHARES_VERSION || file.kind != "conclave.mpc.shares" {
            return Err(Error::bad_file(
                what,
                "unsupported share file version or kind",
            ));
        }
        if file.party != party.0 || file.parties as usize != n {
            return Err(Error::bad_file(
                what,
                format!(
                    "dealt for party {} of {}, but this is party {} of {n}",
                    file.party, file.parties, party.0
                ),
            ));
        }
        let batch: [u8; 16] = hex::decode(&file.batch)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| Error::bad_file(what, "batch must be 32 hex digits"))?;
        let shares = file
            .shares
            .iter()
            .enumerate()
            .map(|(k, h)| {
                hex::decode(h)
                    .ok()
                    .and_then(|b| <[u8; 16]>::try_from(b).ok())
                    .and_then(Fp::from_canonical_bytes)
                    .ok_or_else(|| {
                        Error::bad_file(
                            what,
                            format!("share #{k} is not a canonical field element"),
                        )
                    })
            })
            .collect::<Result<Vec<Fp>, Error>>()?;
        Ok(ClientShares { batch, shares })
    }
}
