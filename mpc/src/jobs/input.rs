//! One party's private input to a job: integers for `stats`, a table keyed by applicant
//! id for `score`, nothing for `bench`; parsed from CSV, hashed into the party's input
//! commitment by [`JobInput::canonical_bytes`].

use super::{Job, JobError, JobFile};
use crate::Error;

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

/// What input `job` takes, in words (for errors).
pub(crate) fn expected_kind(job: &Job) -> &'static str {
    match job {
        Job::Stats { .. } => "a CSV of integers",
        Job::Score { .. } => "a CSV table with an `id` column",
        Job::Bench { .. } => "no input",
    }
}

impl JobInput {
    /// The input of a party that has no input file: none for `bench`, an empty list for
    /// `stats` when it holds client shares.
    ///
    /// # Errors
    /// [`JobError::MissingInput`] when the job needs this party's own data.
    pub fn absent(job: &JobFile, has_client_shares: bool) -> Result<JobInput, JobError> {
        match &job.job {
            Job::Bench { .. } => Ok(JobInput::None),
            Job::Stats { .. } if has_client_shares => Ok(JobInput::Values(Vec::new())),
            other => Err(JobError::MissingInput { job: other.name() }),
        }
    }

    /// Parses CSV for `job`: stats takes one integer per line (optional header);
    /// score takes a header `id,<col>,…` and numeric rows.
    ///
    /// # Errors
    /// [`Error::BadFile`] naming `what` and the line.
    pub fn parse_csv(job: &JobFile, text: &str, what: &str) -> Result<JobInput, Error> {
        match &job.job {
            Job::Stats { .. } => parse_values(text, what),
            Job::Score { .. } => parse_table(text, what),
            Job::Bench { .. } => Ok(JobInput::None),
        }
    }

    /// The bytes committed to in the result record.
    ///
    /// # Layout
    /// Values: each `i64` LE. Table: each column as `len:u32 LE || UTF-8`, then each row
    /// as `len:u32 LE || id || values as f64 LE`. None: empty.
    pub(crate) fn canonical_bytes(&self) -> Vec<u8> {
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

fn parse_values(text: &str, what: &str) -> Result<JobInput, Error> {
    let mut values = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let field = line.split(',').next().unwrap_or("").trim();
        if field.is_empty() || (i == 0 && field.parse::<i64>().is_err() && !field.starts_with('-'))
        {
            continue;
        }
        let v: i64 = field.parse().map_err(|_| {
            Error::bad_file(what, format!("line {}: {field:?} is not an integer", i + 1))
        })?;
        values.push(v);
    }
    Ok(JobInput::Values(values))
}

fn parse_table(text: &str, what: &str) -> Result<JobInput, Error> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<String> = lines
        .next()
        .ok_or_else(|| Error::bad_file(what, "empty file; expected a header `id,<column>,…`"))?
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
            .ok_or_else(|| Error::bad_file(what, format!("row {}: non-numeric value", i + 2)))?;
        rows.push((fields[0].to_string(), values));
    }
    Ok(JobInput::Table { columns, rows })
}
