//! In-memory runner of the private join: all parties in one process, for tests and
//! benches. Parties run one after another in each exchange; each one's
//! exponentiations run in parallel (rayon). A hook sees (and may alter) every message
//! on its way, so tests can scan the bytes on the wire and inject malformed messages.
//! [`run_timed`] also records how long each party computed in each step, from which
//! benches derive what the join would take with one machine per party.

use std::time::{Duration, Instant};

use rand_core::{CryptoRng, RngCore};

use crate::join::{
    JoinError, JoinIdentity, JoinLimits, JoinOutput, JoinParty, JoinProtocol, Joining, Outgoing,
    Step,
};
use crate::PartyId;

/// Every error raised in one exchange, with the party that raised it, in party order.
pub type Reports = Vec<(PartyId, JoinError)>;

/// Runs a join between `sets.len()` parties; party `i + 1` holds `sets[i]` and draws
/// its secrets and shuffles from `rngs[i]`. The parties' signing identities are fresh,
/// drawn first from `rngs[0]` ([`JoinIdentity::generate`]). Returns each party's output
/// in party order.
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
    hook: H,
) -> Result<Vec<JoinOutput>, JoinError>
where
    T: AsRef<[u8]> + Sync,
    R: RngCore + CryptoRng,
    H: FnMut(PartyId, PartyId, &mut Vec<u8>),
{
    run_protocol(sets, rngs, limits, JoinProtocol::Malicious, hook)
}

/// [`run_with`] with an explicit protocol (every party runs the same).
///
/// # Errors
/// The first error any party raises.
pub fn run_protocol<T, R, H>(
    sets: &[Vec<T>],
    rngs: &mut [R],
    limits: JoinLimits,
    protocol: JoinProtocol,
    hook: H,
) -> Result<Vec<JoinOutput>, JoinError>
where
    T: AsRef<[u8]> + Sync,
    R: RngCore + CryptoRng,
    H: FnMut(PartyId, PartyId, &mut Vec<u8>),
{
    run_report(sets, rngs, limits, protocol, hook)
        .map(|(outputs, _)| outputs)
        .map_err(first_error)
}

/// How long each party computed in each step of an in-memory join: step 0 is
/// `JoinParty::new` and `start` (hashing and keying its ids), step `e` its handling of
/// exchange `e`'s messages. Message copies between parties are not counted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timings {
    /// `steps[e][i]`: party `i + 1` in step `e`.
    pub steps: Vec<Vec<Duration>>,
}

impl Timings {
    /// Each party's total.
    pub fn per_party(&self) -> Vec<Duration> {
        let n = self.steps.first().map_or(0, Vec::len);
        (0..n)
            .map(|i| self.steps.iter().filter_map(|s| s.get(i)).sum())
            .collect()
    }

    /// The join's duration with every party on its own machine (same cores each) and
    /// messages delivered instantly: in each step the parties compute at once, and the
    /// next step starts when the slowest is done — the sum over steps of the maximum.
    pub fn critical_path(&self) -> Duration {
        self.steps
            .iter()
            .map(|s| s.iter().copied().max().unwrap_or_default())
            .sum()
    }
}

/// [`run_protocol`] without a hook, also returning each party's computing time per
/// step ([`Timings`]).
///
/// # Errors
/// The first error any party raises.
pub fn run_timed<T, R>(
    sets: &[Vec<T>],
    rngs: &mut [R],
    limits: JoinLimits,
    protocol: JoinProtocol,
) -> Result<(Vec<JoinOutput>, Timings), JoinError>
where
    T: AsRef<[u8]> + Sync,
    R: RngCore + CryptoRng,
{
    run_report(sets, rngs, limits, protocol, |_, _, _| {}).map_err(first_error)
}

/// The first of the errors of [`run_report`].
fn first_error(errors: Reports) -> JoinError {
    errors.into_iter().next().map_or(
        JoinError::RngCount {
            parties: 0,
            rngs: 0,
        },
        |(_, e)| e,
    )
}

/// [`run_protocol`] with each party's computing time per step ([`Timings`]), reporting
/// on failure every error raised in the first exchange in which any party failed, with
/// the party that raised it (the others of that exchange still run it): what each party
/// would report before an abort frame reaches it.
///
/// # Errors
/// `(party, error)` for each party that failed in that exchange, in party order.
pub fn run_report<T, R, H>(
    sets: &[Vec<T>],
    rngs: &mut [R],
    limits: JoinLimits,
    protocol: JoinProtocol,
    mut hook: H,
) -> Result<(Vec<JoinOutput>, Timings), Reports>
where
    T: AsRef<[u8]> + Sync,
    R: RngCore + CryptoRng,
    H: FnMut(PartyId, PartyId, &mut Vec<u8>),
{
    let n = sets.len();
    if rngs.len() != n {
        return Err(vec![(
            PartyId(1),
            JoinError::RngCount {
                parties: n,
                rngs: rngs.len(),
            },
        )]);
    }
    let mut timings = Timings::default();
    let mut started = vec![Duration::ZERO; n];
    let mut parties = Vec::with_capacity(n);
    let identities = rngs
        .first_mut()
        .map(|rng| JoinIdentity::generate(n, rng))
        .unwrap_or_default();
    for (i, ((set, rng), identity)) in sets.iter().zip(rngs.iter_mut()).zip(identities).enumerate()
    {
        let me = PartyId::from_index(i);
        let t = Instant::now();
        let party = JoinParty::new(me, n, set, limits, rng).map_err(|e| vec![(me, e)])?;
        parties.push(party.with_protocol(protocol).with_identity(identity));
        started[i] = t.elapsed();
    }
    let mut deliver =
        |from: PartyId, out: Vec<Outgoing>, inbox: &mut Vec<Vec<(PartyId, Vec<u8>)>>| {
            for Outgoing { to, bytes } in out {
                for to in to {
                    let mut copy = bytes.clone();
                    hook(from, to, &mut copy);
                    if let Some(slot) = inbox.get_mut(to.index()) {
                        slot.push((from, copy));
                    }
                }
            }
        };
    let mut inbox: Vec<Vec<(PartyId, Vec<u8>)>> = vec![Vec::new(); n];
    let mut states: Vec<Joining> = Vec::with_capacity(n);
    for (i, (party, rng)) in parties.into_iter().zip(rngs.iter_mut()).enumerate() {
        let t = Instant::now();
        let (state, out) = party
            .start(rng)
            .map_err(|e| vec![(PartyId::from_index(i), e)])?;
        started[i] += t.elapsed();
        deliver(PartyId::from_index(i), out, &mut inbox);
        states.push(state);
    }
    timings.steps.push(started);
    let mut outputs = Vec::with_capacity(n);
    while !states.is_empty() {
        let mut next_inbox = vec![Vec::new(); n];
        let mut next_states = Vec::with_capacity(n);
        let mut errors = Vec::new();
        let mut step = vec![Duration::ZERO; n];
        for (i, (state, rng)) in states.into_iter().zip(rngs.iter_mut()).enumerate() {
            let msgs = std::mem::take(&mut inbox[i]);
            let refs: Vec<(PartyId, &[u8])> =
                msgs.iter().map(|(f, b)| (*f, b.as_slice())).collect();
            let t = Instant::now();
            let received = state.receive(&refs, rng);
            step[i] = t.elapsed();
            match received {
                Ok(Step::Continue(s, out)) => {
                    deliver(PartyId::from_index(i), out, &mut next_inbox);
                    next_states.push(*s);
                }
                Ok(Step::Done(output)) => outputs.push(output),
                Err(e) => errors.push((PartyId::from_index(i), e)),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        timings.steps.push(step);
        inbox = next_inbox;
        states = next_states;
    }
    Ok((outputs, timings))
}
