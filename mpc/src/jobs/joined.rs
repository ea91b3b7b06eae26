//! Jobs over a private join (`join = "<id column>"` in the job file): `stats` and
//! `score` over the customers that every party holds, and `join-stats` (how many shared
//! customers score at or above a threshold, totals of columns over them).
//!
//! Each party reads its table keyed by the join column, runs [`crate::join`] over the
//! job's transport, and the parties agree on SHA-256 of the common pseudonymous order
//! (abort on disagreement). Then every party shares, for **every** row of the common
//! order, its presence bit and its columns (zeros where it does not hold the row); a
//! row counts iff it is present at every party, `m = ∏ pᵢ` (`n − 1` multiplications per
//! row), and every aggregate is a sum of `m·x` — so the intersection itself stays
//! hidden: only the aggregates are opened (the number of shared customers is one of
//! them), and `score` opens `m·decision` to the lender alone, who keeps the entries of
//! its own customers. Costs grow with the union, not the intersection.
//!
//! # Security
//! As the engine (honest majority) plus the join's leakage (docs/mpc.md, "Private join":
//! set sizes, union size, and to party 1 the sizes of the regions of the Venn diagram).
//! The signed result states the join: the id column, union and set sizes, and the
//! hash of the common order.

use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::score::{applicant_order, LenderOutputs};
use super::{check_range, parse_len, Feature, Job, JobError, JobFile, ScoreJob, Signer, StatsJob};
use crate::compare::decode_fixed;
use crate::engine::Engine;
use crate::field::Fp;
use crate::join::{self, JoinIdentity, JoinLimits, JoinOutput, JoinProtocol};
use crate::transport::Transport;
use crate::{Error, PartyId, Security, ShareVec};

/// Domain tag of the hash of the common order (one place; STYLE.md §6).
pub const JOIN_ORDER_TAG: &[u8] = b"conclave-mpc-join-order-v1";

/// A column of one party.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// The party holding it.
    pub party: u32,
    /// Its name in that party's CSV header.
    pub column: String,
}

/// `join-stats`: over the customers every party holds, how many have a score
/// `Σ wⱼxⱼ + bias ≥ threshold` (the score as in `score`, same fixed point), and the
/// total of each of `totals` — aggregates only.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct JoinStatsJob {
    /// Fractional bits of the fixed-point weights.
    #[serde(default = "default_fraction")]
    pub fraction_bits: u32,
    /// Bit width of scores in fixed point (2..=64).
    #[serde(default = "default_score_bits")]
    pub bits: u32,
    /// Public bias.
    #[serde(default)]
    pub bias: f64,
    /// Public score threshold.
    pub threshold: f64,
    /// The weighted columns of the score.
    pub features: Vec<Feature>,
    /// Integer columns summed over the shared customers (e.g. debt).
    #[serde(default)]
    pub totals: Vec<Column>,
    /// Signed bit width of the values of `totals` columns (2..=48).
    #[serde(default = "default_total_bits")]
    pub total_bits: u32,
}

fn default_fraction() -> u32 {
    8
}
fn default_score_bits() -> u32 {
    48
}
fn default_total_bits() -> u32 {
    32
}

impl JoinStatsJob {
    /// Whether the parameters are within the supported ranges.
    pub(crate) fn in_range(&self) -> bool {
        (2..=64).contains(&self.bits)
            && self.fraction_bits <= 24
            && !self.features.is_empty()
            && (2..=48).contains(&self.total_bits)
    }

    /// The score part as a [`ScoreJob`] (for its fixed point and plaintext reference
    /// [`ScoreJob::decide`]); its lender is unused.
    pub fn score(&self) -> ScoreJob {
        ScoreJob {
            fraction_bits: self.fraction_bits,
            bits: self.bits,
            bias: self.bias,
            threshold: self.threshold,
            lender: 1,
            reveal_scores: false,
            features: self.features.clone(),
        }
    }
}

/// Checks the keys that depend on `join` (file-level, before any config is known).
pub(crate) fn check_join_keys(job: &JobFile) -> Result<(), String> {
    match (&job.job, job.join.as_deref()) {
        (_, Some(c)) if c.trim().is_empty() || c.contains(',') => Err(format!(
            "`join = {c:?}` must name the id column of every party's CSV"
        )),
        (Job::Bench { .. }, Some(_)) => Err("the bench job takes no `join`".into()),
        (Job::Stats { stats }, Some(_)) if stats.party.is_none() || stats.column.is_none() => Err(
            "a stats job with `join` needs `party` and `column` in [stats] (whose column to \
                 aggregate over the shared customers)"
                .into(),
        ),
        (Job::Stats { stats }, None) if stats.party.is_some() || stats.column.is_some() => {
            Err("`party` and `column` in [stats] need `join = \"<id column>\"`".into())
        }
        (Job::JoinStats { .. }, None) => {
            Err("the join-stats job needs `join = \"<id column>\"`".into())
        }
        _ => Ok(()),
    }
}

fn column_index(me: PartyId, columns: &[String], column: &str) -> Result<usize, JobError> {
    columns
        .iter()
        .position(|c| c == column)
        .ok_or_else(|| JobError::MissingColumn {
            party: me.0,
            column: column.to_string(),
            found: columns.to_vec(),
        })
}

/// The integer values of column `idx`, each within `bits` signed bits.
fn integer_column(
    rows: &[(String, Vec<f64>)],
    idx: usize,
    column: &str,
    bits: u32,
) -> Result<Vec<i64>, JobError> {
    rows.iter()
        .enumerate()
        .map(|(row, (_, values))| {
            let v = values[idx];
            if v.fract() != 0.0 {
                return Err(JobError::NotAnInteger {
                    column: column.to_string(),
                    row,
                });
            }
            if v.abs() > 1e15 || check_range(v as i128, bits).is_err() {
                return Err(JobError::ValueOutOfRange { index: row, bits });
            }
            Ok(v as i64)
        })
        .collect()
}

fn unknown_party(column: &str, party: u32, parties: usize) -> JobError {
    JobError::FeatureOfUnknownParty {
        column: column.to_string(),
        party,
        parties,
    }
}

/// The `(party, column)` of a joined stats job.
fn stats_column(stats: &StatsJob) -> Result<(u32, &str), JobError> {
    match (stats.party, stats.column.as_deref()) {
        (Some(p), Some(c)) => Ok((p, c)),
        _ => Err(JobError::InputKind {
            job: "stats",
            expected: "`party` and `column` in [stats] with `join`",
        }),
    }
}

/// Validates a joined job for party `me` with its table (before any connection):
/// unique ids (after normalisation), the parties and columns the job names, values
/// within their widths, partial scores that fit.
pub(crate) fn validate(
    job: &Job,
    parties: usize,
    me: PartyId,
    columns: &[String],
    rows: &[(String, Vec<f64>)],
) -> Result<(), JobError> {
    let exists = |p: u32| (1..=parties).contains(&(p as usize));
    applicant_order(rows)?;
    let all: Vec<usize> = (0..rows.len()).collect();
    let check_score = |score: &ScoreJob| -> Result<(), JobError> {
        if let Some(f) = score.features.iter().find(|f| !exists(f.party)) {
            return Err(unknown_party(&f.column, f.party, parties));
        }
        for f in &score.features {
            score.fixed_weight(f)?;
        }
        score.fixed_bias_threshold()?;
        score.partial_scores(me, parties, columns, rows, &all)?;
        Ok(())
    };
    match job {
        Job::Stats { stats } => {
            let (party, column) = stats_column(stats)?;
            if !exists(party) {
                return Err(unknown_party(column, party, parties));
            }
            check_range(i128::from(stats.threshold), stats.bits).map_err(|_| {
                JobError::NumberOutOfRange {
                    what: format!("threshold (in {} signed bits)", stats.bits),
                    value: stats.threshold as f64,
                }
            })?;
            if party == me.0 {
                let idx = column_index(me, columns, column)?;
                integer_column(rows, idx, column, stats.bits)?;
            }
        }
        Job::Score { score } => {
            if !exists(score.lender) {
                return Err(JobError::LenderUnknown {
                    party: score.lender,
                    parties,
                });
            }
            check_score(score)?;
        }
        Job::JoinStats { join_stats } => {
            check_score(&join_stats.score())?;
            for t in &join_stats.totals {
                if !exists(t.party) {
                    return Err(unknown_party(&t.column, t.party, parties));
                }
                if t.party == me.0 {
                    let idx = column_index(me, columns, &t.column)?;
                    integer_column(rows, idx, &t.column, join_stats.total_bits)?;
                }
            }
        }
        Job::Bench { .. } => {}
    }
    Ok(())
}

/// SHA-256 of the common order: `JOIN_ORDER_TAG || 0x00 || len:u64 LE || tags`.
pub fn order_hash(tags: &[join::Tag]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(JOIN_ORDER_TAG);
    h.update([0]);
    h.update((tags.len() as u64).to_le_bytes());
    for t in tags {
        h.update(t);
    }
    h.finalize().into()
}

/// Runs the private join over the engine's transport (the malicious one signs our view
/// with the configuration's key), agrees on the order's hash and exchanges the set
/// sizes; returns the order and the public description of the join.
fn private_join<T: Transport, R: RngCore + CryptoRng>(
    engine: &mut Engine<T>,
    column: &str,
    rows: &[(String, Vec<f64>)],
    signer: &Signer<'_>,
    rng: &mut R,
) -> Result<(JoinOutput, Value), Error> {
    let ids: Vec<&[u8]> = rows.iter().map(|(id, _)| id.as_bytes()).collect();
    // Counted in the engine's traffic (rounds and bytes of the job's outputs).
    // Malicious jobs (the default) prove every exponentiation of the join.
    let protocol = if engine.security() == Security::Malicious {
        JoinProtocol::Malicious
    } else {
        JoinProtocol::SemiHonest
    };
    let order = join::driver::run(
        &mut engine.counted_transport(),
        &ids,
        JoinLimits::default(),
        protocol,
        JoinIdentity::new(signer.key.clone(), signer.parties.clone()),
        rng,
    )?;
    let hash = order_hash(order.tags());
    engine.agree(
        &hash,
        "the common row order of the private join (SHA-256 of the pseudonymous tags)",
    )?;
    let sizes = engine
        .exchange_public(&(rows.len() as u64).to_le_bytes())?
        .iter()
        .enumerate()
        .map(|(j, b)| parse_len(PartyId::from_index(j), b))
        .collect::<Result<Vec<usize>, Error>>()?;
    if order.is_empty() {
        return Err(Error::InvalidParameters(
            "the private join found no ids at any party",
        ));
    }
    let info = json!({
        "column": column,
        "protocol": protocol.name(),
        "union_size": order.len(),
        "set_sizes": sizes,
        "order_sha256": hex::encode(hash),
    });
    Ok((order, info))
}

/// Our values in the common order: `f(input row)` where we hold the row, 0 elsewhere.
fn spread(order: &JoinOutput, f: impl Fn(usize) -> Fp) -> Vec<Fp> {
    order
        .own_rows()
        .iter()
        .map(|r| r.map_or(Fp::ZERO, &f))
        .collect()
}

/// Every party shares, per row of the common order, its presence bit and its columns
/// (`mine`, each of the order's length; zeros where absent); party `j` shares
/// `counts[j]` columns. Returns `m = ∏ pᵢ` and each party's shared columns.
fn share_rows<T: Transport>(
    engine: &mut Engine<T>,
    order: &JoinOutput,
    mine: &[Vec<Fp>],
    counts: &[usize],
) -> Result<(ShareVec, Vec<Vec<ShareVec>>), Error> {
    let u = order.len();
    let mut values = Vec::with_capacity(u * (1 + mine.len()));
    values.extend(order.presence().map(|p| if p { Fp::ONE } else { Fp::ZERO }));
    for column in mine {
        values.extend_from_slice(column);
    }
    let lens: Vec<usize> = counts.iter().map(|c| u * (1 + c)).collect();
    let parts = engine.input(&lens, &values)?;
    let mut m: Option<ShareVec> = None;
    let mut columns = Vec::with_capacity(parts.len());
    for (part, count) in parts.iter().zip(counts) {
        let presence = engine.slice(part, 0..u)?;
        m = Some(match m {
            None => presence,
            Some(acc) => engine.mul(&acc, &presence)?,
        });
        columns.push(
            (0..*count)
                .map(|c| engine.slice(part, u * (1 + c)..u * (2 + c)))
                .collect::<Result<Vec<_>, Error>>()?,
        );
    }
    let m = m.ok_or(Error::InvalidParameters("a join needs parties"))?;
    Ok((m, columns))
}

/// `m·a` for each `a` of `factors`, in one multiplication round.
fn times_m<T: Transport>(
    engine: &mut Engine<T>,
    m: &ShareVec,
    factors: &[&ShareVec],
) -> Result<Vec<ShareVec>, Error> {
    let u = m.len();
    let ms: Vec<&ShareVec> = factors.iter().map(|_| m).collect();
    let left = engine.concat(&ms);
    let right = engine.concat(factors);
    let product = engine.mul(&left, &right)?;
    (0..factors.len())
        .map(|k| engine.slice(&product, k * u..(k + 1) * u))
        .collect()
}

/// Runs a joined job: the join, then the job over the matched rows.
pub(crate) fn run<T: Transport, R: RngCore + CryptoRng>(
    engine: &mut Engine<T>,
    job: &Job,
    column: &str,
    columns: &[String],
    rows: &[(String, Vec<f64>)],
    signer: &Signer<'_>,
    rng: &mut R,
) -> Result<(Value, Option<LenderOutputs>), Error> {
    let (order, info) = private_join(engine, column, rows, signer, rng)?;
    match job {
        Job::Stats { stats } => Ok((
            joined_stats(engine, stats, &order, info, columns, rows)?,
            None,
        )),
        Job::Score { score } => joined_score(engine, score, &order, info, columns, rows, rng),
        Job::JoinStats { join_stats } => Ok((
            run_join_stats(engine, join_stats, &order, info, columns, rows)?,
            None,
        )),
        Job::Bench { .. } => Err(JobError::InputKind {
            job: "bench",
            expected: "no input",
        }
        .into()),
    }
}

fn joined_stats<T: Transport>(
    engine: &mut Engine<T>,
    job: &StatsJob,
    order: &JoinOutput,
    info: Value,
    columns: &[String],
    rows: &[(String, Vec<f64>)],
) -> Result<Value, Error> {
    let me = engine.me();
    let n = engine.params().n();
    let (party, column) = stats_column(job)?;
    let owner = PartyId(party);
    engine.params().check_party(owner)?;
    let u = order.len();
    if 2 * job.bits + (usize::BITS - u.leading_zeros()) > 124 {
        return Err(Error::InvalidParameters(
            "too many rows of this width: the sum of squares would overflow",
        ));
    }
    let mine = if me == owner {
        let idx = column_index(me, columns, column)?;
        let values = integer_column(rows, idx, column, job.bits)?;
        vec![spread(order, |i| Fp::from_i64(values[i]))]
    } else {
        Vec::new()
    };
    let counts: Vec<usize> = (0..n).map(|j| usize::from(j == owner.index())).collect();
    let (m, shared) = share_rows(engine, order, &mine, &counts)?;
    let x = &shared[owner.index()][0];
    let ge = engine.ge_public(x, i128::from(job.threshold), job.bits)?;
    let products = times_m(engine, &m, &[x, &ge])?;
    let (mx, mge) = (&products[0], &products[1]);
    let squares = engine.square(mx)?;
    // Rows that do not count take the neutral value of min (the largest value) and of
    // max (the smallest): `m·x + (1 − m)·c` is linear in the shared `m`.
    let not_m = engine.one_minus(&m);
    let top = (1i128 << (job.bits - 1)) - 1;
    let for_min = engine.add(mx, &engine.mul_public(&not_m, Fp::from_i128(top)))?;
    let for_max = engine.add(mx, &engine.mul_public(&not_m, Fp::from_i128(-top - 1)))?;
    let (min, _) = engine.min_max(&for_min, job.bits)?;
    let (_, max) = engine.min_max(&for_max, job.bits)?;
    let sums = [
        engine.sum(&m),
        engine.sum(mx),
        engine.sum(&squares),
        engine.sum(mge),
    ];
    let all = engine.concat(&[&sums[0], &sums[1], &sums[2], &sums[3], &min, &max]);
    let opened = engine.open_signed(&all)?;
    let [count, sum, sumsq, above, min, max] = opened[..] else {
        return Err(Error::LengthMismatch {
            left: opened.len(),
            right: 6,
        });
    };
    let (mean, variance, min, max) = if count > 0 {
        let mean = sum as f64 / count as f64;
        let variance = (count * sumsq - sum * sum) as f64 / (count * count) as f64;
        (
            json!(mean),
            json!(variance),
            json!(min.to_string()),
            json!(max.to_string()),
        )
    } else {
        (Value::Null, Value::Null, Value::Null, Value::Null)
    };
    Ok(json!({
        "job": "stats",
        "join": info,
        "party": party,
        "column": column,
        "shared_customers": count,
        "count": count,
        "sum": sum.to_string(),
        "mean": mean,
        "variance": variance,
        "min": min,
        "max": max,
        "threshold": job.threshold,
        "count_at_or_above_threshold": above.to_string(),
    }))
}

/// Shares presence and the partial score (and `extra` columns) of every party; returns
/// `m`, the shared total score `bias + Σ partials`, and each party's extra columns.
fn shared_scores<T: Transport>(
    engine: &mut Engine<T>,
    score: &ScoreJob,
    order: &JoinOutput,
    columns: &[String],
    rows: &[(String, Vec<f64>)],
    extra: Vec<Vec<Fp>>,
    extra_counts: &[usize],
) -> Result<(ShareVec, ShareVec, Vec<Vec<ShareVec>>), Error> {
    let me = engine.me();
    let n = engine.params().n();
    let all: Vec<usize> = (0..rows.len()).collect();
    let partial = score.partial_scores(me, n, columns, rows, &all)?;
    let mut mine = vec![spread(order, |i| Fp::from_i128(partial[i]))];
    mine.extend(extra);
    let counts: Vec<usize> = extra_counts.iter().map(|c| 1 + c).collect();
    let (m, mut shared) = share_rows(engine, order, &mine, &counts)?;
    let (bias, _) = score.fixed_bias_threshold()?;
    let mut total = engine.constant(&vec![Fp::from_i128(bias); order.len()]);
    for cols in &mut shared {
        let partial = cols.remove(0);
        total = engine.add(&total, &partial)?;
    }
    Ok((m, total, shared))
}

fn joined_score<T: Transport, R: RngCore + CryptoRng>(
    engine: &mut Engine<T>,
    job: &ScoreJob,
    order: &JoinOutput,
    info: Value,
    columns: &[String],
    rows: &[(String, Vec<f64>)],
    rng: &mut R,
) -> Result<(Value, Option<LenderOutputs>), Error> {
    let n = engine.params().n();
    let lender = PartyId(job.lender);
    engine.params().check_party(lender)?;
    let (m, total, _) = shared_scores(engine, job, order, columns, rows, Vec::new(), &vec![0; n])?;
    let (_, threshold) = job.fixed_bias_threshold()?;
    let decision = engine.ge_public(&total, threshold, job.bits)?;
    let (decisions, scores) = if job.reveal_scores {
        let products = times_m(engine, &m, &[&decision, &total])?;
        let d = engine.open_to(lender, &products[0])?;
        (d, engine.open_to(lender, &products[1])?)
    } else {
        let products = times_m(engine, &m, &[&decision])?;
        (engine.open_to(lender, &products[0])?, None)
    };
    // Only the lender has `decisions`; it keeps the rows it holds (the others are 0).
    let mut commitment = [0u8; 32];
    let mut private = None;
    if let Some(d) = &decisions {
        let mut entries: Vec<(usize, &str, bool, Option<Fp>)> = order
            .own_rows()
            .iter()
            .enumerate()
            .filter_map(|(row, own)| {
                own.map(|i| {
                    let approve = d.get(row).is_some_and(|v| *v == Fp::ONE);
                    let score = scores.as_ref().and_then(|s| s.get(row).copied());
                    (i, rows[i].0.as_str(), approve, score)
                })
            })
            .collect();
        entries.sort_by(|a, b| a.1.cmp(b.1));
        let mut salt = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(salt.as_mut());
        let mut h = Sha256::new();
        h.update(b"conclave-mpc-decisions-v1");
        h.update(*salt);
        let list: Vec<Value> = entries
            .iter()
            .map(|(_, id, approve, score)| {
                h.update([u8::from(*approve)]);
                let mut entry = json!({ "id": id, "approve": approve });
                if let Some(s) = score {
                    entry["score"] = json!(decode_fixed(s.to_i128(), job.fraction_bits));
                }
                entry
            })
            .collect();
        commitment = h.finalize().into();
        private = Some(LenderOutputs {
            decisions: Value::Array(list),
            salt,
        });
    }
    let all = engine.exchange_public(&commitment)?;
    Ok((
        json!({
            "job": "score",
            "join": info,
            "rows": order.len(),
            "lender": lender.0,
            "decisions": "per customer of the lender, approve = present at every party and score ≥ threshold",
            "scores_revealed_to_lender": job.reveal_scores,
            "decisions_commitment": hex::encode(&all[lender.index()]),
        }),
        private,
    ))
}

fn run_join_stats<T: Transport>(
    engine: &mut Engine<T>,
    job: &JoinStatsJob,
    order: &JoinOutput,
    info: Value,
    columns: &[String],
    rows: &[(String, Vec<f64>)],
) -> Result<Value, Error> {
    let me = engine.me();
    let n = engine.params().n();
    let score = job.score();
    // Each party's totals columns, in job order.
    let mut counts = vec![0usize; n];
    let mut position = Vec::with_capacity(job.totals.len());
    for t in &job.totals {
        let owner = PartyId(t.party);
        engine.params().check_party(owner)?;
        position.push((owner.index(), counts[owner.index()]));
        counts[owner.index()] += 1;
    }
    let mut extra = Vec::new();
    for t in job.totals.iter().filter(|t| t.party == me.0) {
        let idx = column_index(me, columns, &t.column)?;
        let values = integer_column(rows, idx, &t.column, job.total_bits)?;
        extra.push(spread(order, |i| Fp::from_i64(values[i])));
    }
    let (m, total, shared) = shared_scores(engine, &score, order, columns, rows, extra, &counts)?;
    let (_, threshold) = score.fixed_bias_threshold()?;
    let decision = engine.ge_public(&total, threshold, score.bits)?;
    let mut factors: Vec<&ShareVec> = vec![&decision];
    for (owner, k) in &position {
        factors.push(&shared[*owner][*k]);
    }
    let products = times_m(engine, &m, &factors)?;
    let mut sums = vec![engine.sum(&m)];
    sums.extend(products.iter().map(|p| engine.sum(p)));
    let refs: Vec<&ShareVec> = sums.iter().collect();
    let all = engine.concat(&refs);
    let opened = engine.open_signed(&all)?;
    if opened.len() != 2 + job.totals.len() {
        return Err(Error::LengthMismatch {
            left: opened.len(),
            right: 2 + job.totals.len(),
        });
    }
    let totals: Vec<Value> = job
        .totals
        .iter()
        .zip(&opened[2..])
        .map(|(t, v)| json!({ "party": t.party, "column": t.column, "total": v.to_string() }))
        .collect();
    Ok(json!({
        "job": "join-stats",
        "join": info,
        "shared_customers": opened[0],
        "threshold": job.threshold,
        "shared_at_or_above_threshold": opened[1],
        "totals": totals,
    }))
}
