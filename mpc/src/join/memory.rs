//! In-memory runner of the private join: all parties in one process, for tests and
//! benches. Parties run one after another; each one's exponentiations run in parallel
//! (rayon). A hook sees (and may alter) every message on its way, so tests can scan
//! the bytes on the wire and inject malformed messages.

use rand_core::{CryptoRng, RngCore};

use crate::join::{Collect, JoinError, JoinLimits, JoinOutput, Outgoing, Relay, Relayed, Start};
use crate::PartyId;

/// Runs a join between `sets.len()` parties; party `i + 1` holds `sets[i]` and draws
/// its key and shuffle from `rngs[i]`. Returns each party's output in party order.
///
/// # Errors
/// The first error any party raises.
pub fn run<T, R>(sets: &[Vec<T>], rngs: &mut [R]) -> Result<Vec<JoinOutput>, JoinError>
where
    T: AsRef<[u8]> + Sync,
    R: RngCore + CryptoRng,
{
    run_with(sets, rngs, JoinLimits::default(), |_, _, _| {})
}

/// [`run`] with explicit limits and a `hook(from, to, bytes)` called for every message
/// delivered (once per recipient) before the recipient reads it.
///
/// # Errors
/// The first error any party raises.
pub fn run_with<T, R, H>(
    sets: &[Vec<T>],
    rngs: &mut [R],
    limits: JoinLimits,
    mut hook: H,
) -> Result<Vec<JoinOutput>, JoinError>
where
    T: AsRef<[u8]> + Sync,
    R: RngCore + CryptoRng,
    H: FnMut(PartyId, PartyId, &mut Vec<u8>),
{
    let n = sets.len();
    if rngs.len() != n {
        return Err(JoinError::RngCount {
            parties: n,
            rngs: rngs.len(),
        });
    }
    let mut starts = Vec::with_capacity(n);
    for (i, (set, rng)) in sets.iter().zip(rngs.iter_mut()).enumerate() {
        starts.push(Start::new(PartyId::from_index(i), n, set, limits, rng)?);
    }
    let mut inbox: Vec<Vec<(PartyId, Vec<u8>)>> = vec![Vec::new(); n];
    let mut deliver = |from: PartyId, out: Outgoing, inbox: &mut Vec<Vec<(PartyId, Vec<u8>)>>| {
        let Outgoing { to, bytes } = out;
        for to in to {
            let mut copy = bytes.clone();
            hook(from, to, &mut copy);
            if let Some(slot) = inbox.get_mut(to.index()) {
                slot.push((from, copy));
            }
        }
    };
    let mut relays: Vec<Relay> = Vec::with_capacity(n);
    for (i, (start, rng)) in starts.into_iter().zip(rngs.iter_mut()).enumerate() {
        let (relay, out) = start.start(rng);
        deliver(PartyId::from_index(i), out, &mut inbox);
        relays.push(relay);
    }
    let mut collects: Vec<Collect> = Vec::with_capacity(n);
    while !relays.is_empty() {
        let mut next_inbox = vec![Vec::new(); n];
        let mut next_relays = Vec::with_capacity(n);
        for (i, relay) in relays.into_iter().enumerate() {
            let me = PartyId::from_index(i);
            let mut msgs = std::mem::take(&mut inbox[i]);
            let Some((from, bytes)) = msgs.pop() else {
                return Err(JoinError::MissingMessage {
                    party: relay.expects_from(),
                });
            };
            if let Some((extra, _)) = msgs.pop() {
                return Err(JoinError::PeerMisbehaved {
                    party: extra,
                    reason: super::Misbehavior::UnexpectedMessage,
                });
            }
            match relay.receive(from, &bytes)? {
                Relayed::Relay(r, out) => {
                    deliver(me, out, &mut next_inbox);
                    next_relays.push(r);
                }
                Relayed::Collect(c, out) => {
                    deliver(me, out, &mut next_inbox);
                    collects.push(c);
                }
            }
        }
        inbox = next_inbox;
        relays = next_relays;
    }
    collects
        .into_iter()
        .zip(inbox)
        .map(|(c, msgs)| c.finish(msgs))
        .collect()
}
