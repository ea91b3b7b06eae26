//! The one error type of `conclave-mpc`.
//!
//! Every error that a peer can cause names that peer (`party`), so an operator knows
//! whom to call; STYLE.md §4.

use crate::PartyId;

/// Everything that can go wrong in sharing, the protocol engine, networking and jobs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Parameters that cannot work (too few parties, threshold too high, sizes that overflow).
    #[error("invalid parameters: {0}")]
    InvalidParameters(&'static str),
    /// A party id outside `1..=n`, or one that the configuration does not list.
    #[error("party {party} is not part of this computation (known parties: 1..={parties}); check the party id and the config file")]
    UnknownParty {
        /// The offending id.
        party: u32,
        /// How many parties the computation has.
        parties: usize,
    },
    /// A value that does not fit the declared bit width.
    #[error("value {value} does not fit in {bits} signed bits")]
    ValueOutOfRange {
        /// The value.
        value: i128,
        /// The declared width.
        bits: u32,
    },
    /// Operands of an element-wise operation have different lengths.
    #[error("length mismatch: {left} vs {right} elements")]
    LengthMismatch {
        /// Length of the left operand.
        left: usize,
        /// Length of the right operand.
        right: usize,
    },
    /// A peer sent something that breaks the protocol (malformed frame, wrong length,
    /// non-canonical element, value out of range, disagreement on public data).
    #[error("party {party} misbehaved: {reason}")]
    PeerMisbehaved {
        /// The party at fault.
        party: PartyId,
        /// What it did.
        reason: String,
    },
    /// Opened shares do not lie on one polynomial and the culprit cannot be singled out
    /// (with `n = 2t + 1` parties one wrong share is detectable but not attributable).
    #[error("inconsistent shares while opening value #{index}: one of parties {suspects:?} sent a wrong share; aborting")]
    InconsistentShares {
        /// Index of the first inconsistent value in the opened vector.
        index: usize,
        /// The parties one of which must have lied.
        suspects: Vec<PartyId>,
    },
    /// A check of the malicious-security mode failed: some party deviated (a wrong share
    /// inside a multiplication, an input, a MAC share or a random bit), and the check
    /// cannot tell which. Every honest party stops before any output.
    #[error("a party cheated: the {check} failed ({detail}); aborting before any output")]
    CheatDetected {
        /// Which check failed.
        check: &'static str,
        /// What was seen.
        detail: String,
    },
    /// A peer closed its connection or its process died.
    #[error("party {party} disconnected: {reason}")]
    PeerDisconnected {
        /// The party that went away.
        party: PartyId,
        /// What the transport saw.
        reason: String,
    },
    /// A peer did not answer within the round timeout.
    #[error("party {party} did not answer within {seconds} s (round timeout)")]
    Timeout {
        /// The silent party.
        party: PartyId,
        /// The timeout.
        seconds: u64,
    },
    /// Another party aborted the computation and told us why.
    #[error("party {party} aborted the computation: {reason}")]
    PeerAborted {
        /// The party that sent the abort.
        party: PartyId,
        /// The party it blamed, if any (e.g. the one that vanished).
        culprit: Option<PartyId>,
        /// Its reason.
        reason: String,
    },
    /// Connecting to a peer failed until the connect deadline.
    #[error("cannot connect to party {party} at {address} within {seconds} s: {reason}; is that party running and is the address in the config right?")]
    ConnectFailed {
        /// The party we tried to reach.
        party: PartyId,
        /// Its configured address.
        address: String,
        /// The connect deadline.
        seconds: u64,
        /// The last error.
        reason: String,
    },
    /// A TLS failure (handshake, certificate not pinned, protocol error).
    #[error("TLS with party {party}: {reason}")]
    Tls {
        /// The peer (or the party we expected).
        party: PartyId,
        /// What rustls reported.
        reason: String,
    },
    /// A local I/O failure.
    #[error("{context}: {source}")]
    Io {
        /// What we were doing.
        context: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A configuration, key or job file that cannot be used.
    #[error("{what}: {reason}")]
    BadFile {
        /// Which file or object.
        what: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// A job that does not fit the parties or this party's input (checked before any
    /// connection).
    #[error(transparent)]
    Job(#[from] crate::jobs::JobError),
    /// A private join failed at this party (e.g. a duplicate id); see [`crate::join`].
    #[error(transparent)]
    Join(crate::join::JoinError),
    /// A result record that cannot be built or does not verify.
    #[error(transparent)]
    Record(#[from] conclave_record::Error),
    /// Key or certificate generation failed.
    #[error("key generation failed: {0}")]
    KeyGen(String),
}

impl Error {
    /// Shorthand for [`Error::PeerMisbehaved`].
    pub fn misbehaved(party: PartyId, reason: impl Into<String>) -> Self {
        Error::PeerMisbehaved {
            party,
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::BadFile`].
    pub fn bad_file(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::BadFile {
            what: what.into(),
            reason: reason.into(),
        }
    }

    /// The party this error blames, if any.
    pub fn culprit(&self) -> Option<PartyId> {
        match self {
            Error::PeerMisbehaved { party, .. }
            | Error::PeerDisconnected { party, .. }
            | Error::Timeout { party, .. }
            | Error::PeerAborted {
                culprit: None,
                party,
                ..
            }
            | Error::ConnectFailed { party, .. }
            | Error::Tls { party, .. } => Some(*party),
            Error::PeerAborted {
                culprit: Some(culprit),
                ..
            } => Some(*culprit),
            _ => None,
        }
    }

    /// The payload of an abort message telling peers that we stop because of `self`.
    ///
    /// # Layout
    /// `culprit:u32 LE (0 when nobody is blamed) ‖ reason (UTF-8)`.
    pub fn abort_payload(&self) -> Vec<u8> {
        let culprit = self.culprit().map_or(0, |p| p.0);
        let mut payload = culprit.to_le_bytes().to_vec();
        payload.extend_from_slice(self.to_string().as_bytes());
        payload
    }

    /// The error a party reports on receiving abort `payload` from `party`.
    pub fn from_abort_payload(party: PartyId, payload: &[u8]) -> Error {
        let (culprit, reason) = match payload.split_first_chunk::<4>() {
            Some((id, reason)) => (u32::from_le_bytes(*id), reason),
            None => (0, payload),
        };
        Error::PeerAborted {
            party,
            culprit: (culprit != 0).then_some(PartyId(culprit)),
            reason: String::from_utf8_lossy(reason).into_owned(),
        }
    }
}
