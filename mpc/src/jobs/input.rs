//! One party's private input to a job: integers for `stats`, a table keyed by applicant
//! id for `score`, nothing for `bench`; with a private join (`join = "<column>"`), a
//! table keyed by the named id column for `stats`, `score` and `join-stats`. Parsed from
//! CSV, hashed into the party's input commitment by [`JobInput::canonical_bytes`].
//!
//! Join ids are normalised by [`normalize_id`] (trimmed, ASCII letters upper-cased), so
//! ` c-17` at one bank and `C-17` at another are the same customer.

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
pub(crate) fn expected_kind(job: &JobFile) -> &'static str {
    match (&job.job, &job.join) {
        (Job::Bench { .. }, _) => "no input",
        (_, Some(_)) => "a CSV table with the join column named by `join`",
        (Job::Stats { .. }, None) => "a CSV of integers",
        (Job::Score { .. }, None) => "a CSV table with an `id` column",
        (Job::JoinStats { .. }, None) => "a CSV table with the join column (set `join`)",
    }
}

/// The normal form of a join id: leading and trailing whitespace removed, ASCII letters
/// upper-cased; other bytes (digits, punctuation, non-ASCII letters) are kept as they
/// are (no Unicode normalisation). `None` for an id that is empty after trimming or
/// holds a control character.
pub fn normalize_id(raw: &str) -> Option<String> {
    let id = raw.trim();
    if id.is_empty() || id.chars().any(char::is_control) {
        return None;
    }
    Some(id.to_ascii_uppercase())
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
            Job::Stats { .. } if has_client_shares && job.join.is_none() => {
                Ok(JobInput::Values(Vec::new()))
            }
            other => Err(JobError::MissingInput { job: other.name() }),
        }
    }

    /// Parses CSV for `job`: stats takes one integer per line (optional header);
    /// score takes a header `id,<col>,…` and numeric rows.
    ///
    /// # Errors
    /// [`Error::BadFile`] naming `what` and the line.
    pub fn parse_csv(job: &JobFile, text: &str, what: &str) -> Result<JobInput, Error> {
        match (&job.job, &job.join) {
            (Job::Bench { .. }, _) => Ok(JobInput::None),
            (_, Some(column)) => parse_joined_table(text, what, column),
            (Job::Stats { .. }, None) => parse_values(text, what),
            (Job::Score { .. } | Job::JoinStats { .. }, None) => parse_table(text, what),
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

/// A table whose id column is `join` (anywhere in the header); ids normalised
/// ([`normalize_id`]); every other column numeric. Errors name the row, never an id.
fn parse_joined_table(text: &str, what: &str, join: &str) -> Result<JobInput, Error> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<String> = lines
        .next()
        .ok_or_else(|| {
            Error::bad_file(
                what,
                format!("empty file; expected a header with the join column `{join}`"),
            )
        })?
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    let Some(id_at) = header.iter().position(|c| c == join) else {
        return Err(Error::bad_file(
            what,
            format!("the header has no join column `{join}` (columns: {header:?})"),
        ));
    };
    let columns: Vec<String> = header
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != id_at)
        .map(|(_, c)| c.clone())
        .collect();
    let mut rows = Vec::new();
    for (i, line) in lines.enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
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
        let id = normalize_id(fields[id_at]).ok_or_else(|| {
            Error::bad_file(
                what,
                format!(
                    "row {}: the `{join}` id is empty or holds a control character",
                    i + 2
                ),
            )
        })?;
        let values = fields
            .iter()
            .enumerate()
            .filter(|(k, _)| *k != id_at)
            .map(|(_, f)| f.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
            .collect::<Option<Vec<f64>>>()
            .ok_or_else(|| Error::bad_file(what, format!("row {}: non-numeric value", i + 2)))?;
        rows.push((id, values));
    }
    Ok(JobInput::Table { columns, rows })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn join_ids_are_normalised() {
        assert_eq!(normalize_id("  c-17\t").as_deref(), Some("C-17"));
        assert_eq!(normalize_id("Ünï-3").as_deref(), Some("ÜNï-3"));
        assert_eq!(normalize_id("   "), None);
        assert_eq!(normalize_id("a\u{0}b"), None);
    }

    #[test]
    fn joined_tables_take_the_id_column_anywhere() {
        let job = JobFile::from_toml(
            "version = 1\njob = \"stats\"\njoin = \"customer_id\"\n[stats]\nparty = 1\ncolumn = \"debt\"\nthreshold = 5\n",
            "j",
        )
        .unwrap();
        let input =
            JobInput::parse_csv(&job, "debt,customer_id\n5, c1 \n7,C2\n", "in.csv").unwrap();
        let JobInput::Table { columns, rows } = input else {
            panic!("a table")
        };
        assert_eq!(columns, ["debt"]);
        assert_eq!(
            rows,
            [("C1".to_string(), vec![5.0]), ("C2".to_string(), vec![7.0])]
        );
        let err = JobInput::parse_csv(&job, "id,debt\n1,2\n", "in.csv").unwrap_err();
        assert!(err.to_string().contains("customer_id"), "{err}");
        let err = JobInput::parse_csv(&job, "customer_id,debt\n ,2\n", "in.csv").unwrap_err();
        assert!(err.to_string().contains("row 2"), "{err}");
    }
}
