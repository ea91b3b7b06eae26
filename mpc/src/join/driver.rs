//! Runs the private join over a [`Transport`] (the TLS connections of `mpc run`, or
//! in-memory channels): every exchange of the join becomes one round of the transport,
//! the messages for a peer concatenated into its frame (an empty frame when there are
//! none). This is the only place where the join meets the network; the protocol itself
//! stays sans-IO ([`crate::join`]).

use rand_core::{CryptoRng, RngCore};

use crate::join::{
    message, JoinError, JoinIdentity, JoinLimits, JoinOutput, JoinParty, JoinProtocol, Outgoing,
    Step,
};
use crate::transport::Transport;
use crate::{Error, PartyId};

impl From<JoinError> for Error {
    /// A peer's misbehaviour keeps naming that peer (so aborts name the culprit).
    fn from(e: JoinError) -> Error {
        match e {
            JoinError::PeerMisbehaved { party, reason } => {
                Error::misbehaved(party, format!("in the private join: {reason}"))
            }
            JoinError::MissingMessage { party } => {
                Error::misbehaved(party, "sent no message it owed in the private join")
            }
            other => Error::Join(other),
        }
    }
}

/// Packs outgoing messages into one frame per party (0-based), empty where none.
fn frames(n: usize, out: Vec<Outgoing>) -> Vec<Vec<u8>> {
    let mut frames = vec![Vec::new(); n];
    for Outgoing { to, bytes } in out {
        for p in to {
            if let Some(f) = frames.get_mut(p.index()) {
                f.extend_from_slice(&bytes);
            }
        }
    }
    frames
}

/// Runs a join of this party's `ids` with every other party of `transport`, with the
/// given protocol (every party must choose the same); the malicious one signs our view
/// with `identity` (the party configuration's keys).
///
/// Every party must call this at the same point of its protocol (the join takes `2n`
/// rounds of the transport).
///
/// # Errors
/// [`Error::Join`] for a local problem (e.g. a duplicate id, before anything is sent);
/// [`Error::PeerMisbehaved`] naming a peer that sent a malformed or unexpected message;
/// transport errors.
pub fn run<T, I, R>(
    transport: &mut T,
    ids: &[I],
    limits: JoinLimits,
    protocol: JoinProtocol,
    identity: JoinIdentity,
    rng: &mut R,
) -> Result<JoinOutput, Error>
where
    T: Transport,
    I: AsRef<[u8]> + Sync,
    R: RngCore + CryptoRng,
{
    let n = transport.parties();
    let me = transport.me();
    let (mut state, mut out) = JoinParty::new(me, n, ids, limits, rng)?
        .with_protocol(protocol)
        .with_identity(identity)
        .start(rng)?;
    loop {
        let incoming = transport.exchange(frames(n, out))?;
        let mut messages: Vec<(PartyId, &[u8])> = Vec::new();
        for (j, frame) in incoming.iter().enumerate() {
            let from = PartyId::from_index(j);
            if from == me {
                continue;
            }
            for m in message::split(from, frame, limits.max_rows)? {
                messages.push((from, m));
            }
        }
        match state.receive(&messages, rng)? {
            Step::Continue(next, o) => {
                state = *next;
                out = o;
            }
            Step::Done(output) => return Ok(output),
        }
    }
}
