//! Validation of a job against the parties and this party's input, before any
//! connection: everything a party can check alone is checked here, so that a job that
//! cannot produce a correct result never reaches the network (a feature of a party that
//! is not in the config would otherwise be dropped and a wrong result signed).

use super::score::applicant_order;
use super::{check_range, Job, JobFile, JobInput};
use crate::PartyId;

/// Where this party keeps what only it learns (the lender's decisions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrivateSink {
    /// The caller receives private outputs and stores them (a library caller, or a CLI
    /// run with an output file).
    Caller,
    /// Nowhere: private outputs would be lost, so a party that has some is refused.
    Nowhere,
}

/// A job that does not fit the parties, this party or its input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum JobError {
    /// A score feature names a party that is not in the config.
    #[error("feature column {column:?} belongs to party {party}, but the config has parties 1..={parties}; fix `party` in the job's [[score.features]] or use the right config")]
    FeatureOfUnknownParty {
        /// The column.
        column: String,
        /// The party the job names.
        party: u32,
        /// How many parties the config has.
        parties: usize,
    },
    /// The lender of a score job is not in the config.
    #[error("lender {party} is not in the config (parties 1..={parties}); fix `lender` in the job's [score]")]
    LenderUnknown {
        /// The party the job names.
        party: u32,
        /// How many parties the config has.
        parties: usize,
    },
    /// This party alone learns private outputs but has nowhere to keep them.
    #[error("party {party} is the {job} job's lender: it alone learns the decisions, which would be lost; give it an output file (`mpc run --out result.json` writes them to result.private.json)")]
    PrivateOutputsLost {
        /// This party.
        party: u32,
        /// The job name.
        job: &'static str,
    },
    /// A column the job assigns to this party is not in its input.
    #[error("column {column:?} that the job assigns to party {party} is missing from its input (columns found: {found:?})")]
    MissingColumn {
        /// This party.
        party: u32,
        /// The missing column.
        column: String,
        /// The columns the input has.
        found: Vec<String>,
    },
    /// An applicant id appears twice in this party's input.
    #[error(
        "applicant id {id:?} appears twice in the input; every applicant must have exactly one row"
    )]
    DuplicateId {
        /// The id.
        id: String,
    },
    /// The job needs this party's own input and none was given.
    #[error("a {job} job needs this party's input file (--input)")]
    MissingInput {
        /// The job name.
        job: &'static str,
    },
    /// The input is of another kind than the job takes.
    #[error("the {job} job takes {expected}")]
    InputKind {
        /// The job name.
        job: &'static str,
        /// What it takes.
        expected: &'static str,
    },
    /// An input value outside the job's declared width.
    #[error("input value #{index} does not fit in the job's {bits} signed bits (stats `bits`)")]
    ValueOutOfRange {
        /// Position of the value in the input (0-based).
        index: usize,
        /// The declared width.
        bits: u32,
    },
    /// A value of a column the job sums or compares as an integer is not an integer.
    #[error("column {column:?}, data row {row} (0-based): not an integer; this job takes whole numbers in that column")]
    NotAnInteger {
        /// The column.
        column: String,
        /// The data row (0-based).
        row: usize,
    },
    /// A public number of the job that cannot be encoded at the job's width.
    #[error("{what} = {value} does not fit the job's fixed point or bit width")]
    NumberOutOfRange {
        /// Which number.
        what: String,
        /// Its value.
        value: f64,
    },
    /// One applicant's partial score at this party is too large for the shared total.
    #[error("applicant {id:?}: this party's partial score does not fit {bits}-bit scores shared among {parties} parties; lower the weights or raise `bits`")]
    PartialScoreOutOfRange {
        /// The applicant id.
        id: String,
        /// The score width.
        bits: u32,
        /// The number of parties.
        parties: usize,
    },
}

impl JobFile {
    /// Checks this job for party `me` of `parties` with `input`, where private outputs
    /// go to `sink`: every party the job names exists, this party's input has the kind,
    /// columns, ids and value ranges the job needs, and a party that alone learns
    /// private outputs has somewhere to keep them.
    ///
    /// # Errors
    /// The first [`JobError`] found.
    pub fn validate(
        &self,
        parties: usize,
        me: PartyId,
        input: &JobInput,
        sink: PrivateSink,
    ) -> Result<(), JobError> {
        let exists = |p: u32| (1..=parties).contains(&(p as usize));
        match (&self.job, input) {
            (job, JobInput::Table { columns, rows }) if self.join.is_some() => {
                super::joined::validate(job, parties, me, columns, rows)?;
            }
            (job, _) if self.join.is_some() && !matches!(job, Job::Bench { .. }) => {
                return Err(JobError::InputKind {
                    job: job.name(),
                    expected: super::input::expected_kind(self),
                })
            }
            (Job::Stats { stats }, JobInput::Values(values)) => {
                check_range(i128::from(stats.threshold), stats.bits).map_err(|_| {
                    JobError::NumberOutOfRange {
                        what: format!("threshold (in {} signed bits)", stats.bits),
                        value: stats.threshold as f64,
                    }
                })?;
                if let Some(index) = values
                    .iter()
                    .position(|v| check_range(i128::from(*v), stats.bits).is_err())
                {
                    return Err(JobError::ValueOutOfRange {
                        index,
                        bits: stats.bits,
                    });
                }
            }
            (Job::Score { score }, JobInput::Table { columns, rows }) => {
                if let Some(f) = score.features.iter().find(|f| !exists(f.party)) {
                    return Err(JobError::FeatureOfUnknownParty {
                        column: f.column.clone(),
                        party: f.party,
                        parties,
                    });
                }
                if !exists(score.lender) {
                    return Err(JobError::LenderUnknown {
                        party: score.lender,
                        parties,
                    });
                }
                for f in &score.features {
                    score.fixed_weight(f)?;
                }
                score.fixed_bias_threshold()?;
                let order = applicant_order(rows)?;
                score.partial_scores(me, parties, columns, rows, &order)?;
            }
            (Job::Bench { .. }, _) => {}
            (job, _) => {
                return Err(JobError::InputKind {
                    job: job.name(),
                    expected: super::input::expected_kind(self),
                })
            }
        }
        if self.job.private_outputs_to() == Some(me) && sink == PrivateSink::Nowhere {
            return Err(JobError::PrivateOutputsLost {
                party: me.0,
                job: self.job.name(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn score_job(features: &str, lender: u32) -> JobFile {
        JobFile::from_toml(
            &format!(
                "version = 1\njob = \"score\"\n[score]\nthreshold = 1.0\nlender = {lender}\n{features}"
            ),
            "score.toml",
        )
        .unwrap()
    }

    fn feature(party: u32, column: &str) -> String {
        format!("[[score.features]]\nparty = {party}\ncolumn = \"{column}\"\nweight = 0.5\n")
    }

    fn table(columns: &[&str], ids: &[&str]) -> JobInput {
        JobInput::Table {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: ids
                .iter()
                .map(|id| (id.to_string(), vec![1.0; columns.len()]))
                .collect(),
        }
    }

    #[test]
    fn a_well_formed_score_job_passes_at_every_party() {
        let job = score_job(&(feature(1, "income") + &feature(3, "late")), 1);
        let ids = ["a", "b", "c"];
        job.validate(
            3,
            PartyId(1),
            &table(&["income"], &ids),
            PrivateSink::Caller,
        )
        .unwrap();
        job.validate(3, PartyId(2), &table(&[], &ids), PrivateSink::Nowhere)
            .unwrap();
        job.validate(
            3,
            PartyId(3),
            &table(&["late", "x"], &ids),
            PrivateSink::Nowhere,
        )
        .unwrap();
    }

    #[test]
    fn a_feature_of_a_party_outside_the_config_is_refused() {
        let job = score_job(&(feature(1, "income") + &feature(9, "debt")), 1);
        let err = job
            .validate(3, PartyId(2), &table(&[], &["a"]), PrivateSink::Caller)
            .unwrap_err();
        assert_eq!(
            err,
            JobError::FeatureOfUnknownParty {
                column: "debt".into(),
                party: 9,
                parties: 3
            }
        );
        assert!(err.to_string().contains("party 9"), "{err}");
    }

    #[test]
    fn a_lender_outside_the_config_or_without_output_is_refused() {
        let job = score_job(&feature(1, "income"), 4);
        assert_eq!(
            job.validate(
                3,
                PartyId(1),
                &table(&["income"], &["a"]),
                PrivateSink::Caller
            ),
            Err(JobError::LenderUnknown {
                party: 4,
                parties: 3
            })
        );
        let job = score_job(&feature(1, "income"), 2);
        assert_eq!(
            job.validate(3, PartyId(2), &table(&[], &["a"]), PrivateSink::Nowhere),
            Err(JobError::PrivateOutputsLost {
                party: 2,
                job: "score"
            })
        );
        // Other parties learn nothing private: no output file needed.
        job.validate(3, PartyId(3), &table(&[], &["a"]), PrivateSink::Nowhere)
            .unwrap();
    }

    #[test]
    fn missing_columns_and_duplicate_ids_are_refused() {
        let job = score_job(&(feature(1, "income") + &feature(2, "debt")), 1);
        let err = job
            .validate(
                3,
                PartyId(2),
                &table(&["dept"], &["a"]),
                PrivateSink::Nowhere,
            )
            .unwrap_err();
        assert_eq!(
            err,
            JobError::MissingColumn {
                party: 2,
                column: "debt".into(),
                found: vec!["dept".into()]
            }
        );
        let err = job
            .validate(
                3,
                PartyId(1),
                &table(&["income"], &["a", "b", "a"]),
                PrivateSink::Caller,
            )
            .unwrap_err();
        assert_eq!(err, JobError::DuplicateId { id: "a".into() });
    }

    #[test]
    fn inputs_of_the_wrong_kind_or_range_are_refused() {
        let stats = JobFile::from_toml(
            "version = 1\njob = \"stats\"\n[stats]\nbits = 8\nthreshold = 10\n",
            "s",
        )
        .unwrap();
        stats
            .validate(
                3,
                PartyId(1),
                &JobInput::Values(vec![127, -128]),
                PrivateSink::Nowhere,
            )
            .unwrap();
        assert_eq!(
            stats.validate(
                3,
                PartyId(1),
                &JobInput::Values(vec![1, 128]),
                PrivateSink::Nowhere
            ),
            Err(JobError::ValueOutOfRange { index: 1, bits: 8 })
        );
        assert!(matches!(
            stats.validate(3, PartyId(1), &table(&[], &["a"]), PrivateSink::Nowhere),
            Err(JobError::InputKind { job: "stats", .. })
        ));
        assert_eq!(
            JobInput::absent(&stats, false).unwrap_err(),
            JobError::MissingInput { job: "stats" }
        );
        assert!(matches!(
            JobInput::absent(&stats, true),
            Ok(JobInput::Values(v)) if v.is_empty()
        ));
        let job = score_job(&feature(1, "income"), 1);
        let huge = JobInput::Table {
            columns: vec!["income".into()],
            rows: vec![("a".into(), vec![1e30])],
        };
        assert!(matches!(
            job.validate(3, PartyId(1), &huge, PrivateSink::Caller),
            Err(JobError::PartialScoreOutOfRange { .. })
        ));
    }

    #[test]
    fn the_plaintext_reference_uses_the_job_fixed_point() {
        // 0.004·256 rounds to 1: an income of x adds x/256; the threshold 1.0 is 256/256.
        let job = score_job(&feature(1, "income").replace("0.5", "0.004"), 1);
        let Job::Score { score } = &job.job else {
            panic!("score")
        };
        assert!(score.decide(|_| Some(256.0)).unwrap());
        assert!(!score.decide(|_| Some(255.0)).unwrap());
        assert!(score.decide(|_| None).is_err());
    }
}
