//! The boundary between protocol logic and the network: one synchronous round at a time.
//!
//! Protocol code ([`crate::protocol`]) is sans-IO: it turns shares into per-party
//! outgoing frames and incoming frames into shares. A [`Transport`] moves those frames:
//! [`memory`] over in-process channels (tests, benches), [`crate::net`] over TLS 1.3.
//! A transport must deliver frames from each peer in order and report a peer that goes
//! away or stays silent as an error naming it.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use crate::{Error, PartyId};

/// Frames for one round, indexed by 0-based party position; the own entry is ignored
/// when sending and empty when receiving.
pub type Frames = Vec<Vec<u8>>;

/// Moves one round of frames between the parties.
pub trait Transport {
    /// This party.
    fn me(&self) -> PartyId;
    /// Number of parties.
    fn parties(&self) -> usize;
    /// Sends `outgoing[j]` to party `j + 1` (every peer gets a frame, possibly empty)
    /// and returns one frame from every peer.
    ///
    /// # Errors
    /// [`Error::PeerDisconnected`], [`Error::Timeout`], [`Error::PeerAborted`] or
    /// [`Error::PeerMisbehaved`] naming the peer.
    fn exchange(&mut self, outgoing: Frames) -> Result<Frames, Error>;
    /// Best effort: tells every peer that this party stops because of `error`.
    fn abort(&mut self, _error: &Error) {}
}

/// In-process channels between `n` parties (one thread per party).
pub mod memory {
    use super::*;

    enum Message {
        Frame(Vec<u8>),
        Abort(Vec<u8>),
    }

    /// One party's end of an in-memory network.
    pub struct MemoryTransport {
        me: PartyId,
        n: usize,
        timeout: Duration,
        senders: Vec<Option<Sender<Message>>>,
        receivers: Vec<Option<Receiver<Message>>>,
    }

    /// Creates connected transports for parties `1..=n`; a receive waits at most `timeout`.
    pub fn network(n: usize, timeout: Duration) -> Vec<MemoryTransport> {
        let mut senders: Vec<Vec<Option<Sender<Message>>>> =
            (0..n).map(|_| (0..n).map(|_| None).collect()).collect();
        let mut receivers: Vec<Vec<Option<Receiver<Message>>>> =
            (0..n).map(|_| (0..n).map(|_| None).collect()).collect();
        for from in 0..n {
            for to in 0..n {
                if from != to {
                    let (tx, rx) = mpsc::channel();
                    senders[from][to] = Some(tx);
                    receivers[to][from] = Some(rx);
                }
            }
        }
        senders
            .into_iter()
            .zip(receivers)
            .enumerate()
            .map(|(i, (senders, receivers))| MemoryTransport {
                me: PartyId::from_index(i),
                n,
                timeout,
                senders,
                receivers,
            })
            .collect()
    }

    impl Transport for MemoryTransport {
        fn me(&self) -> PartyId {
            self.me
        }

        fn parties(&self) -> usize {
            self.n
        }

        fn exchange(&mut self, outgoing: Frames) -> Result<Frames, Error> {
            if outgoing.len() != self.n {
                return Err(Error::InvalidParameters(
                    "one outgoing frame per party expected",
                ));
            }
            // A peer that is gone is reported when we read from it (after any abort it
            // sent first), as over TCP, so everyone names the same culprit.
            for (j, frame) in outgoing.into_iter().enumerate() {
                if let Some(tx) = &self.senders[j] {
                    let _ = tx.send(Message::Frame(frame));
                }
            }
            let mut incoming = vec![Vec::new(); self.n];
            for (j, slot) in incoming.iter_mut().enumerate() {
                let Some(rx) = &self.receivers[j] else {
                    continue;
                };
                let party = PartyId::from_index(j);
                match rx.recv_timeout(self.timeout) {
                    Ok(Message::Frame(frame)) => *slot = frame,
                    Ok(Message::Abort(payload)) => {
                        return Err(Error::from_abort_payload(party, &payload))
                    }
                    Err(RecvTimeoutError::Timeout) => {
                        return Err(Error::Timeout {
                            party,
                            seconds: self.timeout.as_secs(),
                        })
                    }
                    Err(RecvTimeoutError::Disconnected) => {
                        return Err(Error::PeerDisconnected {
                            party,
                            reason: "channel closed".into(),
                        })
                    }
                }
            }
            Ok(incoming)
        }

        fn abort(&mut self, error: &Error) {
            for tx in self.senders.iter().flatten() {
                let _ = tx.send(Message::Abort(error.abort_payload()));
            }
        }
    }
}
