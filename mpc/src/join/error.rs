//! Errors of the private join ([`JoinError`]) and what a misbehaving peer did ([`Misbehavior`]).
//!
//! Errors carry row indices and party ids, never id bytes: an error message may end up
//! in a log that other people read (STYLE.md §4).

use crate::join::message::{MessageKind, HEADER_BYTES, VERSION};
use crate::PartyId;

/// Everything that can go wrong in a private join.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JoinError {
    /// The number of parties is outside `2..=max`.
    #[error("a private join needs between 2 and {max} parties, not {parties}")]
    PartyCount {
        /// The requested number of parties.
        parties: usize,
        /// The largest supported number.
        max: usize,
    },
    /// Our own party id is not in `1..=parties`.
    #[error("party {party} is not one of the {parties} parties of this join; check the party id")]
    UnknownParty {
        /// The offending id.
        party: u32,
        /// How many parties the join has.
        parties: usize,
    },
    /// Two input rows carry the same id; refused before anything is sent.
    #[error("input rows {first} and {second} (0-based) carry the same id; ids must be unique per party, remove or merge the duplicate rows")]
    DuplicateId {
        /// The smaller row index.
        first: usize,
        /// The larger row index.
        second: usize,
    },
    /// Our own input is larger than the configured limit.
    #[error("{rows} ids exceed the limit of {limit} per party; raise `JoinLimits::max_rows` or split the input")]
    TooManyRows {
        /// Rows in the input.
        rows: usize,
        /// The limit.
        limit: usize,
    },
    /// The in-memory runner got a different number of random generators than parties.
    #[error("{rngs} random generators for {parties} parties; pass one per party")]
    RngCount {
        /// Parties (input sets).
        parties: usize,
        /// Random generators.
        rngs: usize,
    },
    /// A peer sent something that breaks the protocol.
    #[error("party {party} misbehaved in the private join: {reason}")]
    PeerMisbehaved {
        /// The party at fault.
        party: PartyId,
        /// What it did.
        reason: Misbehavior,
    },
    /// Some of our own ids are not in the common order that the last party of the
    /// chain broadcast: a party deviated (the protocol gives no way to tell which).
    #[error("{missing} of this party's ids are missing from the common order; a party deviated from the join protocol")]
    OrderInconsistent {
        /// How many of our ids are missing.
        missing: usize,
    },
    /// Another party computed its proofs over a different public view (keys, seed
    /// commitments or seeds) than ours, and a statement it forwarded, validly signed by
    /// `signer` but without our seed commitment, is the only difference: either `party`
    /// replayed a statement from another join or `signer` signed a wrong one. One of
    /// the two deviated; the join aborts.
    #[error("party {party} computed its join proofs over other public keys or seeds than this party, and forwards a statement signed by party {signer} that is not from this join as we see it; party {party} or party {signer} deviated (the join aborts)")]
    ViewsDisagree {
        /// The party whose view digest differs from ours.
        party: PartyId,
        /// The signer of the statement we cannot place.
        signer: PartyId,
    },
    /// The malicious protocol signs each party's view; it needs this party's identity.
    #[error("the malicious private join needs this party's signing key and every party's verifying key (JoinParty::with_identity)")]
    MissingIdentity,
    /// The identity does not fit the join: another number of verifying keys than
    /// parties, or our key is not the one listed for us.
    #[error("the join identity lists {keys} verifying keys for {parties} parties, or its signing key is not the one listed for party {me}")]
    IdentityMismatch {
        /// Verifying keys in the identity.
        keys: usize,
        /// Parties of the join.
        parties: usize,
        /// Our party id.
        me: PartyId,
    },
    /// Two neighbours of our set's chain claim different aggregates of the message
    /// between them: one of them deviated (each holds the message; the honest one names
    /// the other itself).
    #[error("parties {sender} and {receiver} claim different aggregates of the join message between them; one of them deviated from the protocol")]
    AggregatesDisagree {
        /// The party that sent the message.
        sender: PartyId,
        /// The party that received it.
        receiver: PartyId,
    },
    /// A peer did not send the message it owed in the last round.
    #[error("party {party} sent no message in the last round of the private join")]
    MissingMessage {
        /// The silent party.
        party: PartyId,
    },
}

/// What a peer did wrong; the payload of [`JoinError::PeerMisbehaved`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Misbehavior {
    /// The message is shorter than its fixed header.
    #[error("a message of {len} bytes is shorter than the {HEADER_BYTES}-byte header")]
    Truncated {
        /// Its length.
        len: usize,
    },
    /// The format version is not one we speak.
    #[error("unsupported message version {0} (this build speaks version {VERSION})")]
    UnsupportedVersion(u8),
    /// The kind byte is unknown.
    #[error("unknown message kind {0}")]
    UnknownKind(u8),
    /// A message of the wrong kind for this round.
    #[error("expected a {expected} message, got a {got} message")]
    WrongKind {
        /// What the round expects.
        expected: MessageKind,
        /// What arrived.
        got: MessageKind,
    },
    /// The body length does not match the declared point count (or trailing bytes).
    #[error("the message declares {count} points but its body holds {body} bytes (32 per point)")]
    WrongLength {
        /// Declared point count.
        count: u64,
        /// Body length in bytes.
        body: usize,
    },
    /// More points than the receiver's limit.
    #[error("the message declares {count} points, above the limit of {limit}")]
    TooManyPoints {
        /// Declared point count.
        count: u64,
        /// The limit.
        limit: usize,
    },
    /// The message carries another party's set than the round expects.
    #[error("the message carries the set of party {got}, expected that of party {expected}")]
    WrongOrigin {
        /// Expected origin.
        expected: PartyId,
        /// Origin in the message.
        got: u32,
    },
    /// The message claims a different number of applied keys than the round expects.
    #[error("the message says {got} keys were applied, expected {expected}")]
    WrongHop {
        /// Expected count.
        expected: u32,
        /// Count in the message.
        got: u32,
    },
    /// A set changed size on its way round the ring.
    #[error("the message holds {got} points but party {origin}'s set has {expected}")]
    WrongCount {
        /// Whose set it is.
        origin: PartyId,
        /// Its size as first seen (or as we sent it).
        expected: usize,
        /// The size in this message.
        got: usize,
    },
    /// A point that does not decompress (non-canonical or not a Ristretto255 encoding).
    #[error("point #{index} is not a canonical Ristretto255 encoding")]
    InvalidPoint {
        /// Its position in the message.
        index: usize,
    },
    /// The same point twice in one set.
    #[error("points #{first} and #{second} are equal; a set never repeats an element")]
    DuplicatePoint {
        /// The smaller position.
        first: usize,
        /// The larger position.
        second: usize,
    },
    /// A union whose size does not fit the set sizes (`max |S_i| ≤ |U| ≤ Σ |S_i|`) or
    /// differs from the size seen earlier in the chain.
    #[error("a union of {got} rows does not fit the set sizes (between {min} and {max}) or changed on the way")]
    ImplausibleUnion {
        /// Its size.
        got: usize,
        /// The largest set.
        min: usize,
        /// The sum of the set sizes.
        max: usize,
    },
    /// The common order is not sorted (or repeats a tag).
    #[error("the common order is not strictly sorted at position {index}")]
    Unsorted {
        /// The first position out of order.
        index: usize,
    },
    /// A revealed coefficient seed that does not match the party's commitment.
    #[error("revealed a proof seed that does not match its commitment")]
    BadSeed,
    /// A 32-byte unit that should be a canonical scalar is not.
    #[error("unit #{index} is not a canonical scalar")]
    InvalidScalar {
        /// Its position in the message.
        index: usize,
    },
    /// A proof of correct exponentiation that does not verify.
    #[error("its proof of correct exponentiation for party {origin}'s set ({kind} message, hop {hop}) does not verify: it used another key than it published")]
    BadProof {
        /// The chain: hop (layer 1) or blind (return chain).
        kind: MessageKind,
        /// Whose set.
        origin: PartyId,
        /// The hop of the step's output.
        hop: u32,
    },
    /// A claimed aggregate that differs from the message we hold.
    #[error("claims an aggregate of the {kind} message of party {origin}'s set at hop {hop} that differs from the message we {side}")]
    WrongAggregate {
        /// The message's chain.
        kind: MessageKind,
        /// Whose set.
        origin: PartyId,
        /// The message's hop.
        hop: u32,
        /// "sent it" or "received from it".
        side: &'static str,
    },
    /// A signed view statement that does not verify under the sender's key.
    #[error(
        "its signature on its view of the join (keys, seed, seed commitments) does not verify"
    )]
    BadStatementSignature,
    /// A signed view statement that contradicts what its signer sent us directly.
    #[error("its signed view of the join shows {what} than it sent us")]
    StatementContradicts {
        /// What differs.
        what: &'static str,
    },
    /// Two different view statements signed by one party in this join: it showed
    /// different keys, seed commitments or seeds to different parties.
    #[error("signed two different views of this join (keys, seed commitments, seeds): it showed different values to different parties")]
    Equivocated,
    /// A forwarded view statement that its claimed signer never made.
    #[error("forwarded a view statement of party {party} that party {party} did not sign")]
    ForgedStatement {
        /// The claimed signer.
        party: PartyId,
    },
    /// A view digest that does not match the view it forwarded (equal to ours).
    #[error("its view digest does not match the signed views it forwarded (they equal ours)")]
    WrongViewDigest,
    /// A message from a party that owes none in this round, or a second one.
    #[error("sent a message it does not owe in this round")]
    UnexpectedMessage,
}
