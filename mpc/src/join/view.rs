//! Signed view statements of the malicious join: naming a party that shows different
//! public values to different parties.
//!
//! The proofs bind to a *view* — every party's public keys, seed commitment and seed —
//! and two honest parties compare its digest. Without signatures a differing digest
//! cannot be pinned on anyone (the receiver of an inconsistent value and its sender
//! look alike). So in exchange `n+1` every party reveals its seed together with an
//! Ed25519 signature, by its long-term key from the party configuration
//! ([`JoinIdentity`]), over its **view statement** ([`ViewStatement`]): its own keys and
//! seed, and the seed commitments of every party as it received them. The receiver
//! checks that the statement matches what the signer sent it directly and carries the
//! receiver's own fresh commitment — which ties the statement to this run, so a
//! statement from an earlier join cannot be replayed. In exchange `n+2` every party
//! forwards the statements it received; a receiver whose view digest differs from the
//! sender's looks for the cause ([`attribute`]): two different statements signed by one
//! party in this run (it equivocated), a forwarded statement its signer never made (the
//! forwarder lied), or none at all (the sender's digest is wrong).
//!
//! Only `ed25519-dalek`'s strict verification is used; docs/mpc.md ("Malicious parties")
//! argues why every case names a party that certainly deviated.

use std::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey, SIGNATURE_LENGTH};
use rand_core::{CryptoRng, RngCore};

use crate::join::error::{JoinError, Misbehavior};
use crate::join::message::POINT_BYTES;
use crate::join::proof::Unit;
use crate::PartyId;

/// Domain tag of the signed view statements.
pub const STATEMENT_DOMAIN: &[u8] = b"conclave/mpc/join/v5/view-statement";

/// A party's signing identity for the malicious join: its Ed25519 key and every
/// party's verifying key, in party order (the keys of the party configuration).
///
/// # Security
/// Holds a signing key: zeroized on drop (`ed25519-dalek`), redacted `Debug`, not
/// cloneable.
pub struct JoinIdentity {
    key: SigningKey,
    parties: Vec<VerifyingKey>,
}

impl fmt::Debug for JoinIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinIdentity")
            .field("parties", &self.parties.len())
            .finish_non_exhaustive()
    }
}

impl JoinIdentity {
    /// This party's signing `key` and the verifying keys of parties `1..=n`.
    pub fn new(key: SigningKey, parties: Vec<VerifyingKey>) -> JoinIdentity {
        JoinIdentity { key, parties }
    }

    /// Fresh identities for the `parties` parties of one in-process join (tests and
    /// benches; real parties use the keys of their configuration).
    pub fn generate<R: RngCore + CryptoRng>(parties: usize, rng: &mut R) -> Vec<JoinIdentity> {
        let keys: Vec<SigningKey> = (0..parties)
            .map(|_| {
                let mut seed = zeroize::Zeroizing::new([0u8; 32]);
                rng.fill_bytes(seed.as_mut());
                SigningKey::from_bytes(&seed)
            })
            .collect();
        let public: Vec<VerifyingKey> = keys.iter().map(SigningKey::verifying_key).collect();
        keys.into_iter()
            .map(|key| JoinIdentity::new(key, public.clone()))
            .collect()
    }

    /// How many parties' verifying keys it holds.
    pub(crate) fn parties(&self) -> usize {
        self.parties.len()
    }

    /// Party `party`'s verifying key.
    fn verifying_key(&self, party: PartyId) -> Option<&VerifyingKey> {
        self.parties.get(party.index())
    }

    /// Whether our own key is the configuration's key of party `me`.
    pub(crate) fn is_party(&self, me: PartyId) -> bool {
        self.verifying_key(me) == Some(&self.key.verifying_key())
    }
}

/// Units of one statement: `P`, `Q`, the seed, the signature (two units) and the `n`
/// seed commitments.
pub fn statement_units(parties: usize) -> usize {
    5 + parties
}

/// What a party signs about its public view: its keys `P`, `Q` (encodings), its seed,
/// and every party's seed commitment as it received them (its own at its index).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewStatement {
    /// The signer.
    pub party: PartyId,
    /// Its layer-1 key `P`.
    pub p: Unit,
    /// Its return-chain key `Q`.
    pub q: Unit,
    /// Its coefficient seed.
    pub seed: Unit,
    /// Every party's seed commitment as the signer received it, in party order.
    pub commitments: Vec<Unit>,
    /// Ed25519 over [`STATEMENT_DOMAIN`] and the fields above.
    pub signature: [u8; SIGNATURE_LENGTH],
}

impl ViewStatement {
    /// The signed bytes: length-prefixed domain, party, count, keys, seed, commitments.
    fn message(&self) -> Vec<u8> {
        let mut m = Vec::with_capacity(64 + (3 + self.commitments.len()) * POINT_BYTES);
        m.extend_from_slice(&(STATEMENT_DOMAIN.len() as u64).to_be_bytes());
        m.extend_from_slice(STATEMENT_DOMAIN);
        m.extend_from_slice(&self.party.0.to_be_bytes());
        m.extend_from_slice(&(self.commitments.len() as u64).to_be_bytes());
        for unit in [&self.p, &self.q, &self.seed] {
            m.extend_from_slice(unit);
        }
        for c in &self.commitments {
            m.extend_from_slice(c);
        }
        m
    }

    /// Our own statement, signed with `identity`.
    pub fn sign(
        identity: &JoinIdentity,
        party: PartyId,
        [p, q, seed]: [Unit; 3],
        commitments: Vec<Unit>,
    ) -> ViewStatement {
        let mut statement = ViewStatement {
            party,
            p,
            q,
            seed,
            commitments,
            signature: [0; SIGNATURE_LENGTH],
        };
        statement.signature = identity.key.sign(&statement.message()).to_bytes();
        statement
    }

    /// Whether the signature is `party`'s (strict Ed25519 verification).
    pub fn verifies(&self, identity: &JoinIdentity) -> bool {
        identity.verifying_key(self.party).is_some_and(|key| {
            key.verify_strict(&self.message(), &Signature::from_bytes(&self.signature))
                .is_ok()
        })
    }

    /// The statement from its signer's seed message (`units`: seed, signature,
    /// commitments; [`ViewStatement::seed_units`]) and the keys it sent us in exchange 1.
    pub(crate) fn from_seed_message(party: PartyId, [p, q]: [Unit; 2], units: &[Unit]) -> Self {
        let unit = |i: usize| units.get(i).copied().unwrap_or_default();
        let mut signature = [0; SIGNATURE_LENGTH];
        signature[..POINT_BYTES].copy_from_slice(&unit(1));
        signature[POINT_BYTES..].copy_from_slice(&unit(2));
        ViewStatement {
            party,
            p,
            q,
            seed: unit(0),
            commitments: units.get(3..).unwrap_or(&[]).to_vec(),
            signature,
        }
    }

    /// The statement as forwarded in a proofs message ([`ViewStatement::units`]).
    pub fn from_units(party: PartyId, units: &[Unit]) -> Self {
        let unit = |i: usize| units.get(i).copied().unwrap_or_default();
        let rest = units.get(2..).unwrap_or(&[]);
        ViewStatement::from_seed_message(party, [unit(0), unit(1)], rest)
    }

    /// The units of our seed message: seed, signature, commitments.
    pub fn seed_units(&self) -> Vec<Unit> {
        let mut units = Vec::with_capacity(3 + self.commitments.len());
        units.push(self.seed);
        let (lo, hi) = self.signature.split_at(POINT_BYTES);
        for half in [lo, hi] {
            let mut unit = [0u8; POINT_BYTES];
            unit.copy_from_slice(half);
            units.push(unit);
        }
        units.extend_from_slice(&self.commitments);
        units
    }

    /// The units of the statement forwarded in a proofs message: `P`, `Q`, then
    /// [`ViewStatement::seed_units`].
    pub fn units(&self) -> Vec<Unit> {
        let mut units = vec![self.p, self.q];
        units.extend(self.seed_units());
        units
    }
}

/// Why party `from`'s view digest differs from ours, from the statements it forwarded
/// (`forwarded`: one [`statement_units`] block per party other than `from`, in party
/// order) and ours (`statements`: every party's statement as it reached us, ours
/// included, all checked on receipt).
///
/// * A forwarded statement that is not ours but carries our commitment and is validly
///   signed by its party `l`: `l` signed two different statements in this run — it
///   showed different values to different parties (`Equivocated`, naming `l`).
/// * One that does not verify, or claims to be ours: `from` forged it
///   (`ForgedStatement`, naming `from`).
/// * All equal to ours: `from`'s view is ours, so its digest is wrong
///   (`WrongViewDigest`, naming `from`).
/// * Otherwise a validly signed statement without our commitment: either `from`
///   replayed one from another join or its signer signed a wrong one
///   ([`JoinError::ViewsDisagree`], naming both).
pub(crate) fn attribute(
    me: PartyId,
    from: PartyId,
    statements: &[Option<ViewStatement>],
    forwarded: &[Unit],
    identity: &JoinIdentity,
) -> JoinError {
    let n = statements.len();
    let per = statement_units(n);
    let blame = |party, reason| JoinError::PeerMisbehaved { party, reason };
    let own_commitment = statements
        .get(me.index())
        .and_then(Option::as_ref)
        .and_then(|s| s.commitments.get(me.index()).copied());
    let mut unresolved = None;
    let others = (0..n).map(PartyId::from_index).filter(|&l| l != from);
    for (block, l) in forwarded.chunks(per).zip(others) {
        let statement = ViewStatement::from_units(l, block);
        let Some(ours) = statements.get(l.index()).and_then(Option::as_ref) else {
            return JoinError::MissingMessage { party: l };
        };
        if &statement == ours {
            continue;
        }
        if l == me || !statement.verifies(identity) {
            return blame(from, Misbehavior::ForgedStatement { party: l });
        }
        if statement.commitments.get(me.index()).copied() == own_commitment {
            return blame(l, Misbehavior::Equivocated);
        }
        unresolved.get_or_insert(l);
    }
    match unresolved {
        Some(signer) => JoinError::ViewsDisagree {
            party: from,
            signer,
        },
        None => blame(from, Misbehavior::WrongViewDigest),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rand_core::SeedableRng;

    fn statement(identity: &JoinIdentity, party: u32, commitments: Vec<Unit>) -> ViewStatement {
        ViewStatement::sign(
            identity,
            PartyId(party),
            [[1; 32], [2; 32], [3; 32]],
            commitments,
        )
    }

    #[test]
    fn statements_verify_under_their_signer_only_and_round_trip() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let ids = JoinIdentity::generate(3, &mut rng);
        let s = statement(&ids[1], 2, vec![[4; 32], [5; 32], [6; 32]]);
        assert!(s.verifies(&ids[0]));
        assert_eq!(ViewStatement::from_units(PartyId(2), &s.units()), s);
        assert_eq!(s.units().len(), statement_units(3));
        // Signed by party 2's key but claiming to be party 3's, or altered: refused.
        let mut other = s.clone();
        other.party = PartyId(3);
        assert!(!other.verifies(&ids[0]));
        let mut altered = s.clone();
        altered.commitments[0][0] ^= 1;
        assert!(!altered.verifies(&ids[0]));
        assert!(format!("{:?}", ids[0]).contains("parties: 3"));
        assert!(!format!("{:?}", ids[0]).contains("key:"));
    }

    #[test]
    fn attribution_names_the_equivocator_the_forger_or_the_sender() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(8);
        let ids = JoinIdentity::generate(3, &mut rng);
        let commitments = vec![[4; 32], [5; 32], [6; 32]];
        let ours: Vec<Option<ViewStatement>> = (0..3)
            .map(|i| Some(statement(&ids[i], i as u32 + 1, commitments.clone())))
            .collect();
        let me = PartyId(1);
        // Party 2 forwards statements of parties 1 and 3.
        let forward = |s1: &ViewStatement, s3: &ViewStatement| {
            let mut units = s1.units();
            units.extend(s3.units());
            units
        };
        let s1 = ours[0].clone().unwrap();
        let s3 = ours[2].clone().unwrap();
        let named = |e: JoinError| match e {
            JoinError::PeerMisbehaved { party, reason } => (party.0, reason),
            other => panic!("{other}"),
        };
        // Everything as we have it: party 2's digest is wrong.
        let e = attribute(me, PartyId(2), &ours, &forward(&s1, &s3), &ids[0]);
        assert_eq!(named(e), (2, Misbehavior::WrongViewDigest));
        // Party 3 signed another seed for party 2 (with our commitment): it equivocated.
        let mut twice = s3.clone();
        twice.seed = [9; 32];
        let twice = ViewStatement::sign(
            &ids[2],
            PartyId(3),
            [twice.p, twice.q, twice.seed],
            commitments.clone(),
        );
        let e = attribute(me, PartyId(2), &ours, &forward(&s1, &twice), &ids[0]);
        assert_eq!(named(e), (3, Misbehavior::Equivocated));
        // A statement of party 3 that party 3 did not sign, or one of ours we did not
        // make: party 2 forged it.
        let mut forged = s3.clone();
        forged.seed = [9; 32];
        let e = attribute(me, PartyId(2), &ours, &forward(&s1, &forged), &ids[0]);
        assert_eq!(
            named(e),
            (2, Misbehavior::ForgedStatement { party: PartyId(3) })
        );
        let mine_again = statement(&ids[0], 1, vec![[7; 32], [5; 32], [6; 32]]);
        let e = attribute(me, PartyId(2), &ours, &forward(&mine_again, &s3), &ids[0]);
        assert_eq!(
            named(e),
            (2, Misbehavior::ForgedStatement { party: PartyId(1) })
        );
        // A valid statement of party 3 without our commitment (another run's, or a
        // wrong one): party 2 or party 3.
        let old = statement(&ids[2], 3, vec![[7; 32], [5; 32], [6; 32]]);
        let e = attribute(me, PartyId(2), &ours, &forward(&s1, &old), &ids[0]);
        assert!(
            matches!(
                e,
                JoinError::ViewsDisagree {
                    party: PartyId(2),
                    signer: PartyId(3)
                }
            ),
            "{e}"
        );
    }
}
