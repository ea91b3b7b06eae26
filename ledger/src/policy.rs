//! The ledger's append-time policy for credential proofs: how far a predicate proof's `$now`
//! may be from the ledger's clock, and how long a superseded revocation root stays
//! acceptable.
//!
//! These checks depend on the ledger's clock at the moment of appending, so they are made
//! once, on append, and are not repeated by an audit or by a verifier "from the ledger
//! alone" (which check everything that follows from the log's content and order: proofs,
//! registrations, that a revocation root was anchored, nullifier uniqueness). The defaults
//! are documented in `docs/api.md` ("Credential proofs").

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds in a day.
const DAY: u64 = 86_400;

/// Where the ledger reads the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// A fixed time, in seconds since 1970-01-01 UTC (tests, replays).
    Fixed(u64),
}

impl Clock {
    /// Seconds since 1970-01-01 UTC (0 if the system clock is before 1970).
    pub fn now_secs(&self) -> u64 {
        match self {
            Clock::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            Clock::Fixed(secs) => *secs,
        }
    }
}

/// The append-time policy (module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendPolicy {
    /// A predicate proof's `$now` must be within this many days of the ledger's date
    /// (UTC). Default 1: yesterday, today or tomorrow (time zones).
    pub now_window_days: u32,
    /// A revocation root that is no longer its issuer's latest is still accepted for this
    /// long after the ledger anchored its successor. Default 0: only the latest root.
    pub revocation_grace: Duration,
    /// The ledger's clock.
    pub clock: Clock,
}

impl Default for AppendPolicy {
    fn default() -> Self {
        AppendPolicy {
            now_window_days: 1,
            revocation_grace: Duration::ZERO,
            clock: Clock::System,
        }
    }
}

impl AppendPolicy {
    /// The context of one append: the clock read once.
    pub fn context(&self) -> AppendContext {
        let now_secs = self.clock.now_secs();
        AppendContext {
            now_secs,
            today: now_secs / DAY,
            now_window_days: self.now_window_days,
            revocation_grace_secs: self.revocation_grace.as_secs(),
        }
    }
}

/// What an entry's verification sees of the policy while it is appended (never during an
/// audit or a verification from the ledger alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendContext {
    /// The ledger's time, seconds since 1970-01-01 UTC.
    pub now_secs: u64,
    /// The ledger's date, days since 1970-01-01 (UTC).
    pub today: u64,
    /// See [`AppendPolicy::now_window_days`].
    pub now_window_days: u32,
    /// See [`AppendPolicy::revocation_grace`], in seconds.
    pub revocation_grace_secs: u64,
}
