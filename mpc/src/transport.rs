//! The boundary between protocol logic and the network: one synchronous round at a time.
//!
//! Protocol code ([`crate::protocol`]) is sans-IO: it turns shares into per-party
//! outgoing frames and incoming frames into shares. A [`Transport`] moves those frames:
//! [`memory`] over in-process channels (tests, benches), [`crate::net`] over TLS 1.3.
//! A transport must deliver frames from each peer in order and report a peer that goes
//! away or stays silent as an error naming it. Both transports run their rounds through
//! one loop, [`exchange_round`], so they fail in the same way and name the same culprit.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

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

/// What one peer's link delivered in a round.
pub(crate) enum Delivery {
    /// A data frame.
    Frame(Vec<u8>),
    /// An abort message (its payload, see [`Error::abort_payload`]).
    Abort(Vec<u8>),
    /// The link failed; the error names the peer.
    Failed(Error),
}

/// How long a party that timed out on a peer still waits for that peer's abort (see
/// [`exchange_round`]): a quarter of the round timeout, between 200 ms and 2 s. The
/// peer's abort left at its own deadline, which is no later than ours (it sent us its
/// previous frame before we started this round), so this only has to cover the
/// delivery of one frame on a loaded machine.
pub(crate) fn abort_grace(round_timeout: Duration) -> Duration {
    (round_timeout / 4).clamp(Duration::from_millis(200), Duration::from_secs(2))
}

/// An abort from a peer that blames this party: this party knows it followed the
/// protocol, so the blame falls on the sender (the reason stays as it was sent). Without
/// this a cheater could abort naming an honest party and have every honest party
/// repeat the name.
fn disowned(me: PartyId, aborted: Error) -> Error {
    match aborted {
        Error::PeerAborted {
            party,
            culprit: Some(culprit),
            reason,
        } if culprit == me => Error::PeerAborted {
            party,
            culprit: None,
            reason,
        },
        other => other,
    }
}

/// One synchronous round, the loop every transport shares: hands `outgoing[j]` to
/// `send(j, frame)` for every party `j` (the transport skips itself), then collects one
/// delivery per peer from `receive(j, wait)` (`None`: no link to `j`, i.e. this party)
/// until a deadline `round_timeout` after the sends.
///
/// A failed send is reported only after the receives, so an abort the peer sent before
/// it went away (or another peer's failure earlier in party order) is what everyone
/// reports, over TCP as in memory.
///
/// A peer that stays silent past the deadline may itself be stuck: a cheater that
/// answers one peer and not another starves that peer, which stops at its own deadline
/// while the others, one round further, wait for it. Their deadlines fall at about the
/// same time as the starved peer's, so its abort could arrive just after they gave up
/// and they would blame the honest peer. So on a timeout this party first tells every
/// peer (`notify`, the abort of [`Error::Timeout`]: the starved peer's names the
/// cheater), then waits [`abort_grace`] more on the silent peer's link: an abort that
/// arrives names the culprit it names, unless it blames this party (the silent peer's
/// word against what this party saw); otherwise the timeout stands. An abort that
/// blames this party and is read after the deadline is taken for that timeout too (the
/// thread may wake up late, after the abort came in); one read before the deadline
/// blames its sender ([`disowned`]).
///
/// # Errors
/// [`Error::PeerAborted`], [`Error::Timeout`], [`Error::PeerDisconnected`] or the
/// link's own error, naming the first peer (in party order) that failed.
pub(crate) fn exchange_round(
    me: PartyId,
    n: usize,
    outgoing: Frames,
    round_timeout: Duration,
    mut send: impl FnMut(usize, Vec<u8>) -> Result<(), Error>,
    mut receive: impl FnMut(usize, Duration) -> Option<Result<Delivery, RecvTimeoutError>>,
    mut notify: impl FnMut(&Error),
) -> Result<Frames, Error> {
    if outgoing.len() != n {
        return Err(Error::InvalidParameters(
            "one outgoing frame per party expected",
        ));
    }
    let mut send_failure = None;
    for (j, frame) in outgoing.into_iter().enumerate() {
        if let Err(e) = send(j, frame) {
            send_failure.get_or_insert(e);
        }
    }
    let deadline = Instant::now() + round_timeout;
    let mut incoming = vec![Vec::new(); n];
    for (j, slot) in incoming.iter_mut().enumerate() {
        let party = PartyId::from_index(j);
        let wait = deadline.saturating_duration_since(Instant::now());
        match receive(j, wait) {
            None => {}
            Some(Ok(Delivery::Frame(frame))) => *slot = frame,
            Some(Ok(Delivery::Abort(payload))) => {
                let aborted = Error::from_abort_payload(party, &payload);
                if aborted.culprit() == Some(me) && Instant::now() >= deadline {
                    // It came after our deadline (this thread woke up late): we timed
                    // out on this peer before it timed out on us.
                    let timeout = Error::Timeout {
                        party,
                        seconds: round_timeout.as_secs(),
                    };
                    notify(&timeout);
                    return Err(timeout);
                }
                return Err(disowned(me, aborted));
            }
            Some(Ok(Delivery::Failed(e))) => return Err(e),
            Some(Err(RecvTimeoutError::Timeout)) => {
                let timeout = Error::Timeout {
                    party,
                    seconds: round_timeout.as_secs(),
                };
                notify(&timeout);
                return Err(match receive(j, abort_grace(round_timeout)) {
                    Some(Ok(Delivery::Abort(payload))) => {
                        match Error::from_abort_payload(party, &payload) {
                            // Its word against what we saw: it did not answer.
                            aborted if aborted.culprit() == Some(me) => timeout,
                            aborted => aborted,
                        }
                    }
                    _ => timeout,
                });
            }
            Some(Err(RecvTimeoutError::Disconnected)) => {
                return Err(Error::PeerDisconnected {
                    party,
                    reason: "connection closed".into(),
                })
            }
        }
    }
    match send_failure {
        Some(e) => Err(e),
        None => Ok(incoming),
    }
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

    /// Creates connected transports for parties `1..=n`; a round waits at most `timeout`.
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
            let (senders, receivers) = (&self.senders, &self.receivers);
            exchange_round(
                self.me,
                self.n,
                outgoing,
                self.timeout,
                |j, frame| {
                    if let Some(tx) = &senders[j] {
                        // A peer that is gone is reported when we read from it.
                        let _ = tx.send(Message::Frame(frame));
                    }
                    Ok(())
                },
                |j, wait| {
                    let rx = receivers[j].as_ref()?;
                    Some(rx.recv_timeout(wait).map(|m| match m {
                        Message::Frame(frame) => Delivery::Frame(frame),
                        Message::Abort(payload) => Delivery::Abort(payload),
                    }))
                },
                |error| abort_all(senders, error),
            )
        }

        fn abort(&mut self, error: &Error) {
            abort_all(&self.senders, error);
        }
    }

    fn abort_all(senders: &[Option<Sender<Message>>], error: &Error) {
        for tx in senders.iter().flatten() {
            let _ = tx.send(Message::Abort(error.abort_payload()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A failed send is reported only after the receives: the abort the peer sent
    /// before it went away names the culprit, as it does at every other party.
    #[test]
    fn an_abort_read_after_a_failed_send_wins() {
        let culprit = Error::misbehaved(PartyId(3), "sent garbage");
        let result = exchange_round(
            PartyId(1),
            3,
            vec![Vec::new(), vec![1], vec![2]],
            Duration::from_secs(1),
            |j, _| match j {
                1 => Err(Error::PeerDisconnected {
                    party: PartyId(2),
                    reason: "gone".into(),
                }),
                _ => Ok(()),
            },
            |j, _| match j {
                0 => None,
                1 => Some(Ok(Delivery::Abort(culprit.abort_payload()))),
                _ => Some(Ok(Delivery::Frame(vec![9]))),
            },
            |_| {},
        );
        let error = result.err().map(|e| (e.culprit(), e.to_string()));
        assert_eq!(
            error.as_ref().map(|e| e.0),
            Some(Some(PartyId(3))),
            "{error:?}"
        );
        // Without the abort the failed send is the error.
        let result = exchange_round(
            PartyId(1),
            3,
            vec![Vec::new(), vec![1], vec![2]],
            Duration::from_secs(1),
            |j, _| match j {
                1 => Err(Error::PeerDisconnected {
                    party: PartyId(2),
                    reason: "gone".into(),
                }),
                _ => Ok(()),
            },
            |j, _| (j > 0).then(|| Ok(Delivery::Frame(vec![9]))),
            |_| {},
        );
        assert!(matches!(
            result,
            Err(Error::PeerDisconnected {
                party: PartyId(2),
                ..
            })
        ));
        // A silent peer times out, named.
        let result = exchange_round(
            PartyId(1),
            3,
            vec![Vec::new(); 3],
            Duration::from_millis(10),
            |_, _| Ok(()),
            |j, _| match j {
                0 => None,
                1 => Some(Ok(Delivery::Frame(Vec::new()))),
                _ => Some(Err(RecvTimeoutError::Timeout)),
            },
            |_| {},
        );
        assert!(matches!(
            result,
            Err(Error::Timeout {
                party: PartyId(3),
                ..
            })
        ));
        assert!(matches!(
            exchange_round(
                PartyId(1),
                3,
                vec![Vec::new()],
                Duration::ZERO,
                |_, _| Ok(()),
                |_, _| None,
                |_| {}
            ),
            Err(Error::InvalidParameters(_))
        ));
    }

    /// A peer that times out is told at once, then given a grace period: when its abort
    /// arrives in it (it was starved by a third party), that abort's culprit is
    /// reported, not the honest peer that merely stopped.
    #[test]
    fn a_timeout_waits_for_the_silent_peers_abort() {
        let cheater = Error::Timeout {
            party: PartyId(3),
            seconds: 2,
        };
        let mut notified = Vec::new();
        let mut waits = Vec::new();
        let result = exchange_round(
            PartyId(1),
            3,
            vec![Vec::new(); 3],
            Duration::from_secs(2),
            |_, _| Ok(()),
            |j, wait| {
                waits.push((j, wait));
                match (j, waits.len()) {
                    (0, _) => Some(Ok(Delivery::Frame(Vec::new()))),
                    (1, 2) => Some(Err(RecvTimeoutError::Timeout)),
                    (1, _) => Some(Ok(Delivery::Abort(cheater.abort_payload()))),
                    _ => Some(Ok(Delivery::Frame(Vec::new()))),
                }
            },
            |e| notified.push(e.culprit()),
        );
        let error = result.err();
        assert_eq!(
            error.as_ref().and_then(Error::culprit),
            Some(PartyId(3)),
            "{error:?}"
        );
        assert!(matches!(
            error,
            Some(Error::PeerAborted {
                party: PartyId(2),
                ..
            })
        ));
        // The timeout was announced (naming party 2) before the grace period.
        assert_eq!(notified, vec![Some(PartyId(2))]);
        assert_eq!(waits.len(), 3);
        assert_eq!(waits[2], (1, abort_grace(Duration::from_secs(2))));
        assert_eq!(
            abort_grace(Duration::from_secs(2)),
            Duration::from_millis(500)
        );
        assert_eq!(
            abort_grace(Duration::from_millis(10)),
            Duration::from_millis(200)
        );
        assert_eq!(abort_grace(Duration::from_secs(60)), Duration::from_secs(2));

        // The silent peer's abort blames us: we know we answered, the timeout stands.
        let framing = Error::Timeout {
            party: PartyId(1),
            seconds: 2,
        };
        let mut calls = 0;
        let result = exchange_round(
            PartyId(1),
            3,
            vec![Vec::new(); 3],
            Duration::from_millis(10),
            |_, _| Ok(()),
            |j, _| {
                calls += 1;
                match (j, calls) {
                    (0, _) => None,
                    (1, _) => Some(Ok(Delivery::Frame(Vec::new()))),
                    (_, 3) => Some(Err(RecvTimeoutError::Timeout)),
                    _ => Some(Ok(Delivery::Abort(framing.abort_payload()))),
                }
            },
            |_| {},
        );
        assert!(matches!(
            result,
            Err(Error::Timeout {
                party: PartyId(3),
                ..
            })
        ));
        // Read after the deadline, it is the timeout.
        let result = exchange_round(
            PartyId(1),
            3,
            vec![Vec::new(); 3],
            Duration::ZERO,
            |_, _| Ok(()),
            |j, _| match j {
                0 => None,
                _ => Some(Ok(Delivery::Abort(framing.abort_payload()))),
            },
            |_| {},
        );
        assert!(matches!(
            result,
            Err(Error::Timeout {
                party: PartyId(2),
                ..
            })
        ));
        // An abort that blames us before the deadline blames its sender.
        let result = exchange_round(
            PartyId(1),
            3,
            vec![Vec::new(); 3],
            Duration::from_secs(1),
            |_, _| Ok(()),
            |j, _| match j {
                0 => None,
                1 => Some(Ok(Delivery::Frame(Vec::new()))),
                _ => Some(Ok(Delivery::Abort(framing.abort_payload()))),
            },
            |_| {},
        );
        let error = result.err();
        assert_eq!(
            error.as_ref().and_then(Error::culprit),
            Some(PartyId(3)),
            "{error:?}"
        );
    }
}
