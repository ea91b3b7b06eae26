//! Ready-made jobs, one module each: [`stats`] (aggregate statistics over all parties'
//! values), [`score`] (a linear score over vertically partitioned data, decisions
//! revealed only to the lender), [`joined`] (`stats` and `score` over a private join,
//! and `join-stats`: aggregates over the customers every party holds) and [`bench`]
//! (timings); [`input`] parses a party's CSV,
//! [`shares`] holds client-input shares, [`check`] validates a job against the party
//! config and this party's input before any connection is opened. This module owns the
//! job file ([`JobFile`], a serde-tagged [`Job`]), its canonical digest, and the signed
//! result record every job ends with.
//!
//! A job runs identically at every party; public facts (job digest, input lengths,
//! applicant ids) are checked for agreement first, so a party with a different job
//! file or input layout is named before any secret is shared.

pub mod bench;
pub mod check;
pub mod input;
pub mod joined;
pub mod score;
pub mod shares;
pub mod stats;

use ed25519_dalek::{SigningKey, VerifyingKey};
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::engine::Engine;
use crate::mac::Security;
use crate::record::{self, PartyKey, RecordError, ResultBody, ResultRecord};
use crate::transport::Transport;
use crate::{Error, PartyId};

pub use bench::{bench, BenchJob};
pub use check::{JobError, PrivateSink};
pub use input::{normalize_id, JobInput};
pub use joined::{Column, JoinStatsJob};
pub use score::{Feature, ScoreJob};
pub use shares::{ClientShares, SHARES_VERSION};
pub use stats::{stats, StatsJob};

/// Version of the job file format (unchanged since the per-job modules: same keys).
pub const JOB_VERSION: u32 = 1;
/// Version of the private output file (`<out>.private.json`).
pub const PRIVATE_VERSION: u32 = 1;
/// `kind` of the private output file.
pub const PRIVATE_KIND: &str = "conclave.mpc.private";
const JOB_TAG: &[u8] = b"conclave-mpc-job-v1";
const INPUT_TAG: &[u8] = b"conclave-mpc-input-v1";

/// A job file (`stats.toml`, `score.toml`, `bench.toml`); see docs/formats.md, "Job files".
///
/// The `job` key selects the [`Job`] variant, whose parameters live in the section of
/// the same name (`[stats]`, `[score]`, `[bench]`); a section of another job, or any
/// unknown key, is refused.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JobFile {
    /// Format version ([`JOB_VERSION`]).
    pub version: u32,
    /// Human description, copied into the result record.
    #[serde(default)]
    pub description: String,
    /// Private join: the id column of every party's CSV. The job then runs over the
    /// rows every party holds, found by [`crate::join`] without revealing the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join: Option<String>,
    /// `security = "semi-honest" | "malicious"` (default malicious): which adversary the
    /// engine protects against; stated in the signed record's outputs.
    #[serde(default, skip_serializing_if = "Security::is_default")]
    pub security: Security,
    /// The job and its parameters.
    #[serde(flatten)]
    pub job: Job,
}

/// The ready-made jobs, tagged by the job file's `job` key.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "job", rename_all = "lowercase", deny_unknown_fields)]
pub enum Job {
    /// `job = "stats"` with a `[stats]` section.
    Stats {
        /// Its parameters.
        stats: StatsJob,
    },
    /// `job = "score"` with a `[score]` section.
    Score {
        /// Its parameters.
        score: ScoreJob,
    },
    /// `job = "bench"` with a `[bench]` section.
    Bench {
        /// Its parameters.
        bench: BenchJob,
    },
    /// `job = "join-stats"` with a `[join-stats]` section (needs `join`).
    #[serde(rename = "join-stats")]
    JoinStats {
        /// Its parameters.
        #[serde(rename = "join-stats")]
        join_stats: JoinStatsJob,
    },
}

impl Job {
    /// The value of the `job` key: `"stats"`, `"score"`, `"bench"` or `"join-stats"`.
    pub fn name(&self) -> &'static str {
        match self {
            Job::Stats { .. } => "stats",
            Job::Score { .. } => "score",
            Job::Bench { .. } => "bench",
            Job::JoinStats { .. } => "join-stats",
        }
    }

    /// The party that alone learns private outputs (the lender of a score job), if any.
    pub fn private_outputs_to(&self) -> Option<PartyId> {
        match self {
            Job::Score { score } => Some(PartyId(score.lender)),
            Job::Stats { .. } | Job::Bench { .. } | Job::JoinStats { .. } => None,
        }
    }

    /// Whether the job ends with a signed result record (every job but `bench`).
    pub fn has_record(&self) -> bool {
        !matches!(self, Job::Bench { .. })
    }
}

/// The digest input of a job file: the same JSON, key for key, as the flat job file of
/// format 1 (`version, job, description, <section>`), so computation ids are stable.
#[derive(Serialize)]
struct CanonicalJob<'a> {
    version: u32,
    job: &'static str,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    join: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stats: Option<&'a StatsJob>,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<&'a ScoreJob>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bench: Option<&'a BenchJob>,
    #[serde(rename = "join-stats", skip_serializing_if = "Option::is_none")]
    join_stats: Option<&'a JoinStatsJob>,
    /// Absent for the default (malicious), so computation ids of older files are kept.
    #[serde(skip_serializing_if = "Security::is_default")]
    security: Security,
}

impl JobFile {
    /// Parses a job file and checks its parameters (not yet against a config: see
    /// [`JobFile::validate`]).
    ///
    /// # Errors
    /// [`Error::BadFile`] naming `what` and the problem.
    pub fn from_toml(text: &str, what: &str) -> Result<JobFile, Error> {
        let job: JobFile = toml::from_str(text).map_err(|e| {
            Error::bad_file(
                what,
                format!(
                    "not a valid job file: {e} (jobs are stats, score, bench, join-stats, each \
                     with a section of its name; see docs/formats.md)"
                ),
            )
        })?;
        if job.version != JOB_VERSION {
            return Err(Error::bad_file(
                what,
                format!(
                    "job version {} is not supported (expected {JOB_VERSION})",
                    job.version
                ),
            ));
        }
        let ok = match &job.job {
            Job::Stats { stats } => (2..=48).contains(&stats.bits),
            Job::Score { score } => {
                (2..=64).contains(&score.bits)
                    && score.fraction_bits <= 24
                    && !score.features.is_empty()
            }
            Job::Bench { bench } => (2..=40).contains(&bench.comparison_bits),
            Job::JoinStats { join_stats } => join_stats.in_range(),
        };
        if !ok {
            return Err(Error::bad_file(
                what,
                format!(
                    "[{}] parameters out of range (see docs/formats.md, \"Job files\")",
                    job.job.name()
                ),
            ));
        }
        joined::check_join_keys(&job).map_err(|reason| Error::bad_file(what, reason))?;
        Ok(job)
    }

    /// SHA-256 of the canonical job bytes: the record's `computation_id`.
    ///
    /// # Layout
    /// `SHA-256("conclave-mpc-job-v1" || 0x00 || JSON)` where the JSON object has the
    /// keys `version, job, description, [join,] <job section>` in this order (compact,
    /// serde_json number formatting; `join` and the optional keys of a section only when
    /// set), as format 1 has always hashed it.
    pub fn digest(&self) -> [u8; 32] {
        let (mut stats, mut score, mut bench, mut join_stats) = (None, None, None, None);
        match &self.job {
            Job::Stats { stats: s } => stats = Some(s),
            Job::Score { score: s } => score = Some(s),
            Job::Bench { bench: b } => bench = Some(b),
            Job::JoinStats { join_stats: j } => join_stats = Some(j),
        }
        let canonical = CanonicalJob {
            version: self.version,
            job: self.job.name(),
            description: &self.description,
            join: self.join.as_deref(),
            stats,
            score,
            bench,
            join_stats,
            security: self.security,
        };
        // Invariant: these structs hold only strings, integers, floats and booleans, which
        // serde_json always serializes (a non-finite float becomes `null`, never an error).
        let bytes = serde_json::to_vec(&canonical).expect("a job serializes to JSON");
        let mut h = Sha256::new();
        h.update(JOB_TAG);
        h.update([0]);
        h.update(&bytes);
        h.finalize().into()
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

/// What only this party learned or chose: the salt of its input commitment and, for
/// the lender of a score job, the decisions (and scores) with their salt.
///
/// # Security
/// Secret: never print it; write it with [`PrivateOutputs::to_json`] to a 0600 file.
/// Redacting `Debug`, no `Serialize`, zeroised salts.
pub struct PrivateOutputs {
    party: PartyId,
    input_salt: Zeroizing<[u8; 32]>,
    lender: Option<score::LenderOutputs>,
}

impl std::fmt::Debug for PrivateOutputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateOutputs(redacted)")
    }
}

impl PrivateOutputs {
    /// Whether this party learned job outputs nobody else has (the lender's decisions).
    pub fn has_decisions(&self) -> bool {
        self.lender.is_some()
    }

    /// The private output file (`<out>.private.json`, write it 0600).
    ///
    /// # Layout
    /// `{"version":1,"kind":"conclave.mpc.private","party":i,"input_salt":"<64 hex>"}`,
    /// plus for the lender `"decisions":[{"id","approve","score"?}]` (ids sorted) and
    /// `"decisions_salt":"<64 hex>"`.
    pub fn to_json(&self) -> Zeroizing<String> {
        let mut value = json!({
            "version": PRIVATE_VERSION,
            "kind": PRIVATE_KIND,
            "party": self.party.0,
            "input_salt": hex::encode(*self.input_salt),
        });
        if let Some(lender) = &self.lender {
            value["decisions"] = lender.decisions.clone();
            value["decisions_salt"] = json!(hex::encode(*lender.salt));
        }
        // Invariant: a `Value` built from strings, numbers and booleans always serializes.
        let mut text = serde_json::to_string_pretty(&value).expect("JSON value serializes");
        text.push('\n');
        Zeroizing::new(text)
    }
}

/// What a job produced at this party.
#[derive(Debug)]
pub struct JobOutcome {
    /// The signed record (identical at every party), absent for `bench`.
    pub record: Option<ResultRecord>,
    /// Public outputs (also inside the record).
    pub outputs: Value,
    /// Outputs only this party holds (keep them in a 0600 file, never print them).
    pub private: PrivateOutputs,
}

/// Runs `job` at this party with its `input`, then signs and exchanges the record.
///
/// The job is validated first ([`JobFile::validate`]; the caller should do so before
/// connecting, too, so that a bad job never reaches the network).
///
/// # Errors
/// [`Error::Job`] for a job that does not fit the parties or the input; any protocol
/// error, naming the party at fault; the caller should then call [`Engine::abort`] so
/// the others stop too.
pub fn run<T: Transport, R: RngCore + CryptoRng>(
    engine: &mut Engine<T>,
    job: &JobFile,
    input: &JobInput,
    client: &ClientShares,
    signer: &Signer<'_>,
    rng: &mut R,
) -> Result<JobOutcome, Error> {
    let me = engine.me();
    job.validate(engine.params().n(), me, input, PrivateSink::Caller)?;
    let digest = job.digest();
    engine.agree(&digest, "the job file (computation id)")?;
    // The digest covers the security setting, so every party switches alike.
    engine.set_security(job.security)?;
    let mut salt = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(salt.as_mut());
    let mut private = PrivateOutputs {
        party: me,
        input_salt: salt.clone(),
        lender: None,
    };
    let mut outputs = match (&job.job, input, job.join.as_deref()) {
        (job_kind, JobInput::Table { columns, rows }, Some(column)) => {
            let (outputs, lender) =
                joined::run(engine, job_kind, column, columns, rows, signer, rng)?;
            private.lender = lender;
            outputs
        }
        (Job::Stats { stats: params }, JobInput::Values(values), None) => {
            stats(engine, params, values, client)?
        }
        (Job::Score { score: params }, JobInput::Table { columns, rows }, None) => {
            let (outputs, lender) = score::score(engine, params, columns, rows, rng)?;
            private.lender = lender;
            outputs
        }
        (Job::Bench { bench: params }, _, _) => {
            return Ok(JobOutcome {
                record: None,
                outputs: bench(engine, params)?,
                private,
            });
        }
        (kind, _, _) => {
            return Err(JobError::InputKind {
                job: kind.name(),
                expected: input::expected_kind(job),
            }
            .into())
        }
    };
    if let Value::Object(map) = &mut outputs {
        map.insert("security".into(), json!(job.security.name()));
    }
    let mut h = Sha256::new();
    h.update(INPUT_TAG);
    h.update(me.0.to_le_bytes());
    h.update(*salt);
    h.update(input.canonical_bytes());
    let commitment: [u8; 32] = h.finalize().into();
    let commitments = engine.exchange_public(&commitment)?;
    let body = ResultBody {
        computation_id: hex::encode(digest),
        description: job.description.clone(),
        input_commitments: commitments.iter().map(hex::encode).collect(),
        outputs: outputs.clone(),
        parties: signer.parties.iter().copied().map(PartyKey::from).collect(),
    };
    let record = signed_record(engine, signer, &body)?;
    Ok(JobOutcome {
        record: Some(record),
        outputs,
        private,
    })
}

/// Signs `body`, exchanges signatures with every party, checks each against that
/// party's key, and assembles the record (signatures in party order).
///
/// # Errors
/// [`Error::PeerMisbehaved`] naming a party whose signature is malformed or does not
/// verify (it computed different outputs); transport errors.
fn signed_record<T: Transport>(
    engine: &mut Engine<T>,
    signer: &Signer<'_>,
    body: &ResultBody,
) -> Result<ResultRecord, Error> {
    let text = body.to_text();
    let mine = record::sign(signer.key, &text).signature.to_bytes();
    let all = engine.exchange_public(&mine)?;
    let mut signatures = Vec::with_capacity(all.len());
    for (j, bytes) in all.iter().enumerate() {
        let signature: [u8; 64] = bytes.as_slice().try_into().map_err(|_| {
            Error::misbehaved(
                PartyId::from_index(j),
                "malformed frame: signature is not 64 bytes",
            )
        })?;
        signatures.push(signature);
    }
    ResultRecord::assemble(text, &body.parties, signatures).map_err(|e| match e {
        RecordError::BadSignature { party, .. } => Error::misbehaved(
            PartyId::from_index(party),
            "its signature on the result does not verify (different outputs?)",
        ),
        RecordError::SignatureCount { .. } => {
            Error::InvalidParameters("a verifying key per party is needed")
        }
        other => Error::Record(other),
    })
}

/// `v` fits in `bits` signed bits.
pub(crate) fn check_range(v: i128, bits: u32) -> Result<(), Error> {
    let bound = 1i128 << (bits - 1);
    if v < -bound || v >= bound {
        return Err(Error::ValueOutOfRange { value: v, bits });
    }
    Ok(())
}

/// A peer's announced input length (8 bytes LE, at most 10⁸).
pub(crate) fn parse_len(party: PartyId, bytes: &[u8]) -> Result<usize, Error> {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const STATS: &str = "version = 1\njob = \"stats\"\ndescription = \"test\"\n[stats]\nbits = 32\nthreshold = 650\n";
    const SCORE: &str = "version = 1\njob = \"score\"\ndescription = \"joint credit decision\"\n[score]\nfraction_bits = 8\nbits = 48\nbias = 0.5\nthreshold = 1.0\nlender = 1\nreveal_scores = true\n[[score.features]]\nparty = 1\ncolumn = \"income\"\nweight = 0.004\n[[score.features]]\nparty = 2\ncolumn = \"debt\"\nweight = -0.01\n";

    #[test]
    fn job_files_parse_into_the_tagged_enum() {
        let job = JobFile::from_toml(STATS, "stats.toml").unwrap();
        assert_eq!(
            job.job,
            Job::Stats {
                stats: StatsJob {
                    bits: 32,
                    threshold: 650,
                    party: None,
                    column: None,
                }
            }
        );
        let job = JobFile::from_toml(SCORE, "score.toml").unwrap();
        let Job::Score { score } = &job.job else {
            panic!("a score job")
        };
        assert_eq!(score.features.len(), 2);
        assert_eq!(job.job.private_outputs_to(), Some(PartyId(1)));
        let bench = JobFile::from_toml("version = 1\njob = \"bench\"\n[bench]\n", "b").unwrap();
        assert_eq!(bench.job.name(), "bench");
        assert!(!bench.job.has_record());
    }

    /// The digest is the documented layout over the format-1 JSON (values computed with
    /// Python's hashlib from the bytes in the comments), so computation ids did not move
    /// when the job file became an enum.
    #[test]
    fn digests_are_the_format_1_digests() {
        // {"version":1,"job":"stats","description":"test","stats":{"bits":32,"threshold":650}}
        let job = JobFile::from_toml(STATS, "stats.toml").unwrap();
        assert_eq!(
            hex::encode(job.digest()),
            "18b21d6b80b3604c64dc44fbe2ed5fad34adce0ef3302cbf95b2974d8c32ee45"
        );
        // {"version":1,"job":"score","description":"joint credit decision","score":{"fraction_bits":8,"bits":48,"bias":0.5,"threshold":1.0,"lender":1,"reveal_scores":true,"features":[{"party":1,"column":"income","weight":0.004},{"party":2,"column":"debt","weight":-0.01}]}}
        let job = JobFile::from_toml(SCORE, "score.toml").unwrap();
        assert_eq!(
            hex::encode(job.digest()),
            "1a16a7ad6dac99a5e2c398388a7f772b78515020af8444ee88b51a7be2188c51"
        );
    }

    #[test]
    fn malformed_job_files_are_refused_naming_the_problem() {
        let refused = |text: &str, needle: &str| {
            let e = JobFile::from_toml(text, "job.toml")
                .unwrap_err()
                .to_string();
            assert!(e.contains("job.toml") && e.contains(needle), "{e}");
        };
        refused(
            "version = 2\njob = \"stats\"\n[stats]\nthreshold = 1\n",
            "version 2",
        );
        refused("version = 1\njob = \"magic\"\n", "magic");
        refused("version = 1\njob = \"stats\"\n", "stats");
        refused("version = 1\n[stats]\nthreshold = 1\n", "job");
        // A section of another job, or an unknown key, is not silently ignored.
        refused(
            "version = 1\njob = \"stats\"\n[stats]\nthreshold = 1\n[bench]\n",
            "bench",
        );
        refused(
            "version = 1\njob = \"stats\"\ncolour = 1\n[stats]\nthreshold = 1\n",
            "colour",
        );
        refused(
            "version = 1\njob = \"stats\"\n[stats]\nbits = 60\nthreshold = 1\n",
            "out of range",
        );
    }
}
