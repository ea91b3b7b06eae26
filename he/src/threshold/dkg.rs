//! Distributed key generation for the threshold ElGamal key, as file-exchange rounds.
//!
//! Joint-Feldman DKG (Pedersen, EUROCRYPT '91; Gennaro–Jarecki–Krawczyk–Rabin, J. Cryptology
//! 2007, §3 "JF-DKG"), with a Schnorr proof of knowledge of each dealer's constant term
//! to stop rogue-key attacks, and shares encrypted to their recipients so every round
//! file can be published:
//!
//! 1. **Round 1** ([`Trustee::start`]): each trustee `i` publishes a transport key
//!    `T_i = τ_i·G` and an Ed25519 key (for result records).
//! 2. **Round 2** ([`TrusteeRound1::deal`]): each trustee picks a random polynomial
//!    `f_i` of degree t−1, publishes Feldman commitments `C_ik = a_ik·G`, a proof of
//!    knowledge of `a_i0`, and `f_i(j) + H(τ_i·T_j, i, j)` for every other trustee `j`.
//! 3. **Finish** ([`TrusteeRound2::finish`]): each trustee checks every proof and every
//!    share it received against the commitments (`f_i(j)·G = Σ_k j^k·C_ik`), and sums
//!    its shares: `x_j = Σ_i f_i(j)`. The joint key is `Y = Σ_i C_i0`; everyone can
//!    compute every verification key `Y_j = x_j·G` from the commitments.
//!
//! A dealer whose proof or share fails is named in [`Error::TrusteeMisbehaved`]; the
//! protocol then aborts (restart without that trustee) — the GJKR complaint phase that
//! would let honest parties continue is not implemented. Transitions consume `self`,
//! so rounds cannot run out of order.
//!
//! # Security
//! Secret state (`τ_i`, the polynomial, `x_i`, the Ed25519 key) is zeroized on drop,
//! has a redacting `Debug` and is written only through `to_secret_bytes` (callers
//! store it 0600). As in JF-DKG, a rushing adversary can bias the distribution of `Y`
//! slightly; this does not affect the security of ElGamal encryption (GJKR §4).

use std::collections::BTreeMap;
use std::fmt;

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use ed25519_dalek::SigningKey;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::{JointPublicKey, ThresholdParams, TrusteeIndex, FORMAT_VERSION, JSON_LIMIT};
use crate::encoding::{
    check_header, from_json, hash256, hash_to_scalar, point_from_hex, point_hex, scalar_from_hex,
    scalar_hex, to_json, DST_DKG_POK, DST_DKG_SHARE_PAD,
};
use crate::error::{Error, Result};

/// Kind tag of a round-1 message.
pub const KIND_ROUND1: &str = "conclave.he.dkg-round1";
/// Kind tag of a round-2 message.
pub const KIND_ROUND2: &str = "conclave.he.dkg-round2";
/// Kind tag of a trustee's secret state file.
pub const KIND_STATE: &str = "conclave.he.trustee-state";

const G: RistrettoPoint = RISTRETTO_BASEPOINT_POINT;

/// Round-1 message: a trustee's transport and signing keys (public).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round1Message {
    /// Format version.
    pub version: u32,
    /// [`KIND_ROUND1`].
    pub kind: String,
    /// Number of trustees n.
    pub trustees: u32,
    /// Threshold t.
    pub threshold: u32,
    /// Sender's 1-based index.
    pub index: u32,
    /// Hex Ristretto transport key `T_i`.
    pub transport_key: String,
    /// Hex Ed25519 public key.
    pub signing_key: String,
}

/// Proof of knowledge of a dealer's constant term (Schnorr, Fiat–Shamir).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchnorrProof {
    /// Hex commitment `R = k·G`.
    pub r: String,
    /// Hex response `z = k + c·a_i0`.
    pub z: String,
}

/// An encrypted share `f_i(j) + pad` for trustee `j`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptedShare {
    /// Recipient's index.
    pub to: u32,
    /// Hex masked scalar.
    pub masked: String,
}

/// Round-2 message: a dealer's Feldman commitments, proof and encrypted shares (public).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round2Message {
    /// Format version.
    pub version: u32,
    /// [`KIND_ROUND2`].
    pub kind: String,
    /// Number of trustees n.
    pub trustees: u32,
    /// Threshold t.
    pub threshold: u32,
    /// Dealer's index.
    pub dealer: u32,
    /// Hex hash of the round-1 messages this dealer saw.
    pub round1_hash: String,
    /// Hex `C_ik = a_ik·G`, k = 0..t.
    pub commitments: Vec<String>,
    /// Proof of knowledge of `a_i0`.
    pub proof: SchnorrProof,
    /// One share for every other trustee.
    pub shares: Vec<EncryptedShare>,
}

impl Round1Message {
    /// Parses and checks the header.
    ///
    /// # Errors
    /// Format errors.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let msg: Self = from_json("DKG round-1 message", bytes, JSON_LIMIT)?;
        check_header(
            "DKG round-1 message",
            msg.version,
            FORMAT_VERSION,
            &msg.kind,
            KIND_ROUND1,
        )?;
        Ok(msg)
    }
    /// JSON form.
    pub fn to_json(&self) -> Vec<u8> {
        to_json(self)
    }
}

impl Round2Message {
    /// Parses and checks the header.
    ///
    /// # Errors
    /// Format errors.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let msg: Self = from_json("DKG round-2 message", bytes, JSON_LIMIT)?;
        check_header(
            "DKG round-2 message",
            msg.version,
            FORMAT_VERSION,
            &msg.kind,
            KIND_ROUND2,
        )?;
        Ok(msg)
    }
    /// JSON form.
    pub fn to_json(&self) -> Vec<u8> {
        to_json(self)
    }
}

/// Entry point of the DKG.
pub struct Trustee;

impl Trustee {
    /// Round 1: creates trustee `index`'s transport and signing keys.
    ///
    /// # Errors
    /// [`Error::BadParameters`] if the index is not in 1..=n.
    pub fn start<R: RngCore + CryptoRng>(
        params: ThresholdParams,
        index: TrusteeIndex,
        rng: &mut R,
    ) -> Result<(TrusteeRound1, Round1Message)> {
        if index.0 == 0 || index.0 > params.trustees {
            return Err(Error::Malformed {
                what: "trustee index",
                reason: format!("{} is not in 1..={}", index.0, params.trustees),
            });
        }
        let transport = Scalar::random(rng);
        let signing = SigningKey::generate(rng);
        let msg = Round1Message {
            version: FORMAT_VERSION,
            kind: KIND_ROUND1.into(),
            trustees: params.trustees,
            threshold: params.threshold,
            index: index.0,
            transport_key: point_hex(&(transport * G)),
            signing_key: hex::encode(signing.verifying_key().as_bytes()),
        };
        Ok((
            TrusteeRound1 {
                params,
                index,
                transport,
                signing,
            },
            msg,
        ))
    }
}

/// A trustee after round 1 (holds its transport and signing secrets).
#[derive(ZeroizeOnDrop)]
pub struct TrusteeRound1 {
    #[zeroize(skip)]
    params: ThresholdParams,
    #[zeroize(skip)]
    index: TrusteeIndex,
    transport: Scalar,
    #[zeroize(skip)] // SigningKey zeroizes itself on drop.
    signing: SigningKey,
}

/// A trustee after round 2 (also holds its polynomial).
#[derive(ZeroizeOnDrop)]
pub struct TrusteeRound2 {
    #[zeroize(skip)]
    params: ThresholdParams,
    #[zeroize(skip)]
    index: TrusteeIndex,
    transport: Scalar,
    #[zeroize(skip)]
    signing: SigningKey,
    coefficients: Vec<Scalar>,
    #[zeroize(skip)]
    peers: Peers,
}

/// A trustee's final key material: its share `x_i` of the joint secret and its
/// Ed25519 signing key.
#[derive(ZeroizeOnDrop)]
pub struct TrusteeKey {
    #[zeroize(skip)]
    index: TrusteeIndex,
    share: Scalar,
    #[zeroize(skip)]
    signing: SigningKey,
    #[zeroize(skip)]
    public: JointPublicKey,
}

impl fmt::Debug for TrusteeRound1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TrusteeRound1 {{ index: {}, .. (secrets redacted) }}",
            self.index.0
        )
    }
}
impl fmt::Debug for TrusteeRound2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TrusteeRound2 {{ index: {}, .. (secrets redacted) }}",
            self.index.0
        )
    }
}
impl fmt::Debug for TrusteeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TrusteeKey {{ index: {}, .. (secrets redacted) }}",
            self.index.0
        )
    }
}

/// The round-1 view: every trustee's transport and signing key, and its hash.
#[derive(Clone, Debug)]
struct Peers {
    transport: Vec<RistrettoPoint>,
    signing: Vec<[u8; 32]>,
    hash: [u8; 32],
}

fn collect_round1(params: ThresholdParams, msgs: &[Round1Message]) -> Result<Peers> {
    let mut by_index: BTreeMap<u32, &Round1Message> = BTreeMap::new();
    for m in msgs {
        if m.trustees != params.trustees || m.threshold != params.threshold {
            return Err(Error::TrusteeMisbehaved {
                trustee: m.index,
                reason: format!(
                    "round-1 message is for t = {}, n = {}, not t = {}, n = {}",
                    m.threshold, m.trustees, params.threshold, params.trustees
                ),
            });
        }
        if m.index == 0 || m.index > params.trustees {
            return Err(Error::RoundIncomplete {
                round: 1,
                reason: format!(
                    "message from index {} outside 1..={}",
                    m.index, params.trustees
                ),
            });
        }
        if by_index.insert(m.index, m).is_some_and(|prev| prev != m) {
            return Err(Error::RoundIncomplete {
                round: 1,
                reason: format!("two different messages from trustee {}", m.index),
            });
        }
    }
    let missing: Vec<u32> = (1..=params.trustees)
        .filter(|i| !by_index.contains_key(i))
        .collect();
    if !missing.is_empty() {
        return Err(Error::RoundIncomplete {
            round: 1,
            reason: format!("missing messages from trustees {missing:?}"),
        });
    }
    let mut transport = Vec::new();
    let mut signing = Vec::new();
    let mut parts: Vec<Vec<u8>> = Vec::new();
    for m in by_index.values() {
        let t = point_from_hex("transport key", &m.transport_key).map_err(|e| {
            Error::TrusteeMisbehaved {
                trustee: m.index,
                reason: e.to_string(),
            }
        })?;
        let s = crate::encoding::bytes32_from_hex("signing key", &m.signing_key)?;
        ed25519_dalek::VerifyingKey::from_bytes(&s).map_err(|_| Error::TrusteeMisbehaved {
            trustee: m.index,
            reason: "signing key is not a valid Ed25519 key".into(),
        })?;
        parts.push(m.index.to_le_bytes().to_vec());
        parts.push(t.compress().to_bytes().to_vec());
        parts.push(s.to_vec());
        transport.push(t);
        signing.push(s);
    }
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    Ok(Peers {
        transport,
        signing,
        hash: hash256(b"conclave-he/v1/dkg-round1", &refs),
    })
}

fn share_pad(dh: &RistrettoPoint, dealer: u32, recipient: u32, round1_hash: &[u8; 32]) -> Scalar {
    hash_to_scalar(
        DST_DKG_SHARE_PAD,
        &[
            dh.compress().as_bytes(),
            &dealer.to_le_bytes(),
            &recipient.to_le_bytes(),
            round1_hash,
        ],
    )
}

fn pok_challenge(
    dealer: u32,
    c0: &RistrettoPoint,
    r: &RistrettoPoint,
    round1_hash: &[u8; 32],
) -> Scalar {
    hash_to_scalar(
        DST_DKG_POK,
        &[
            &dealer.to_le_bytes(),
            c0.compress().as_bytes(),
            r.compress().as_bytes(),
            round1_hash,
        ],
    )
}

fn eval_poly(coefficients: &[Scalar], x: u32) -> Scalar {
    let x = Scalar::from(x);
    coefficients
        .iter()
        .rev()
        .fold(Scalar::ZERO, |acc, c| acc * x + c)
}

fn eval_commitments(commitments: &[RistrettoPoint], x: u32) -> RistrettoPoint {
    let x = Scalar::from(x);
    commitments
        .iter()
        .rev()
        .fold(RistrettoPoint::identity(), |acc, c| acc * x + c)
}

impl TrusteeRound1 {
    /// This trustee's index.
    pub fn index(&self) -> TrusteeIndex {
        self.index
    }

    /// Round 2: given all n round-1 messages (including its own), deal shares.
    ///
    /// # Errors
    /// [`Error::RoundIncomplete`] / [`Error::TrusteeMisbehaved`] for a missing,
    /// duplicated or malformed round-1 message, or if its own message differs.
    pub fn deal<R: RngCore + CryptoRng>(
        self,
        round1: &[Round1Message],
        rng: &mut R,
    ) -> Result<(TrusteeRound2, Round2Message)> {
        let peers = collect_round1(self.params, round1)?;
        let me = (self.index.0 - 1) as usize;
        if peers.transport[me] != self.transport * G
            || peers.signing[me] != self.signing.verifying_key().to_bytes()
        {
            return Err(Error::RoundIncomplete {
                round: 1,
                reason: format!(
                    "the message for index {} is not this trustee's",
                    self.index.0
                ),
            });
        }
        let t = self.params.threshold as usize;
        let coefficients: Vec<Scalar> = (0..t).map(|_| Scalar::random(rng)).collect();
        let commitments: Vec<RistrettoPoint> = coefficients.iter().map(|a| a * G).collect();
        let k = Zeroizing::new(Scalar::random(rng));
        let r = *k * G;
        let c = pok_challenge(self.index.0, &commitments[0], &r, &peers.hash);
        let z = *k + c * coefficients[0];
        let shares = (1..=self.params.trustees)
            .filter(|&j| j != self.index.0)
            .map(|j| {
                let dh = self.transport * peers.transport[(j - 1) as usize];
                let masked =
                    eval_poly(&coefficients, j) + share_pad(&dh, self.index.0, j, &peers.hash);
                EncryptedShare {
                    to: j,
                    masked: scalar_hex(&masked),
                }
            })
            .collect();
        let msg = Round2Message {
            version: FORMAT_VERSION,
            kind: KIND_ROUND2.into(),
            trustees: self.params.trustees,
            threshold: self.params.threshold,
            dealer: self.index.0,
            round1_hash: hex::encode(peers.hash),
            commitments: commitments.iter().map(point_hex).collect(),
            proof: SchnorrProof {
                r: point_hex(&r),
                z: scalar_hex(&z),
            },
            shares,
        };
        Ok((
            TrusteeRound2 {
                params: self.params,
                index: self.index,
                transport: self.transport,
                signing: self.signing.clone(),
                coefficients,
                peers,
            },
            msg,
        ))
    }
}

impl TrusteeRound2 {
    /// This trustee's index.
    pub fn index(&self) -> TrusteeIndex {
        self.index
    }

    /// Finish: verify every dealer's round-2 message, derive the share `x_i` and the
    /// joint public key.
    ///
    /// # Errors
    /// [`Error::TrusteeMisbehaved`] naming a dealer whose proof or share is wrong;
    /// [`Error::RoundIncomplete`] for missing or duplicated messages.
    pub fn finish(self, round2: &[Round2Message]) -> Result<(TrusteeKey, JointPublicKey)> {
        let n = self.params.trustees;
        let t = self.params.threshold as usize;
        let mut by_dealer: BTreeMap<u32, &Round2Message> = BTreeMap::new();
        for m in round2 {
            if m.dealer == 0 || m.dealer > n {
                return Err(Error::RoundIncomplete {
                    round: 2,
                    reason: format!("message from dealer {} outside 1..={n}", m.dealer),
                });
            }
            if by_dealer.insert(m.dealer, m).is_some_and(|prev| prev != m) {
                return Err(Error::RoundIncomplete {
                    round: 2,
                    reason: format!("two different messages from trustee {}", m.dealer),
                });
            }
        }
        let missing: Vec<u32> = (1..=n).filter(|i| !by_dealer.contains_key(i)).collect();
        if !missing.is_empty() {
            return Err(Error::RoundIncomplete {
                round: 2,
                reason: format!("missing messages from trustees {missing:?}"),
            });
        }
        let mut share = Scalar::ZERO;
        let mut all_commitments: Vec<Vec<RistrettoPoint>> = Vec::new();
        for (&dealer, m) in &by_dealer {
            let bad = |reason: String| Error::TrusteeMisbehaved {
                trustee: dealer,
                reason,
            };
            if m.trustees != n || m.threshold != self.params.threshold {
                return Err(bad("round-2 message has other parameters".into()));
            }
            if m.round1_hash != hex::encode(self.peers.hash) {
                return Err(bad(
                    "dealt against a different set of round-1 messages".into()
                ));
            }
            if m.commitments.len() != t {
                return Err(bad(format!(
                    "{} commitments, expected {t}",
                    m.commitments.len()
                )));
            }
            let commitments = m
                .commitments
                .iter()
                .map(|h| point_from_hex("commitment", h))
                .collect::<Result<Vec<_>>>()
                .map_err(|e| bad(e.to_string()))?;
            let r = point_from_hex("proof R", &m.proof.r).map_err(|e| bad(e.to_string()))?;
            let z = scalar_from_hex("proof z", &m.proof.z).map_err(|e| bad(e.to_string()))?;
            let c = pok_challenge(dealer, &commitments[0], &r, &self.peers.hash);
            if z * G != r + c * commitments[0] {
                return Err(bad(
                    "proof of knowledge of the constant term does not verify".into(),
                ));
            }
            let mine = if dealer == self.index.0 {
                eval_poly(&self.coefficients, self.index.0)
            } else {
                let enc = m
                    .shares
                    .iter()
                    .find(|s| s.to == self.index.0)
                    .ok_or_else(|| bad(format!("no share for trustee {}", self.index.0)))?;
                if m.shares.len() != (n - 1) as usize {
                    return Err(bad(format!(
                        "{} shares, expected {}",
                        m.shares.len(),
                        n - 1
                    )));
                }
                let masked =
                    scalar_from_hex("share", &enc.masked).map_err(|e| bad(e.to_string()))?;
                let dh = self.transport * self.peers.transport[(dealer - 1) as usize];
                masked - share_pad(&dh, dealer, self.index.0, &self.peers.hash)
            };
            if mine * G != eval_commitments(&commitments, self.index.0) {
                return Err(bad(format!(
                    "share for trustee {} does not match the dealer's commitments",
                    self.index.0
                )));
            }
            share += mine;
            all_commitments.push(commitments);
        }
        let key = all_commitments
            .iter()
            .fold(RistrettoPoint::identity(), |acc, c| acc + c[0]);
        let verification_keys: Vec<RistrettoPoint> = (1..=n)
            .map(|j| {
                all_commitments
                    .iter()
                    .fold(RistrettoPoint::identity(), |acc, c| {
                        acc + eval_commitments(c, j)
                    })
            })
            .collect();
        let public = JointPublicKey {
            params: self.params,
            key,
            verification_keys,
            signing_keys: self.peers.signing.clone(),
        };
        if public.verification_key(self.index)? != share * G {
            return Err(Error::RoundIncomplete {
                round: 2,
                reason: "derived share does not match its verification key".into(),
            });
        }
        Ok((
            TrusteeKey {
                index: self.index,
                share,
                signing: self.signing.clone(),
                public: public.clone(),
            },
            public,
        ))
    }
}

impl TrusteeKey {
    /// This trustee's index.
    pub fn index(&self) -> TrusteeIndex {
        self.index
    }
    /// The joint public key this share belongs to.
    pub fn public_key(&self) -> &JointPublicKey {
        &self.public
    }
    /// This trustee's Ed25519 signing key (signs result records).
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing
    }
    pub(crate) fn share(&self) -> &Scalar {
        &self.share
    }
}

// ---------------------------------------------------------------------------------------
// Secret state files (written 0600 by the caller).

#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
struct StateFile {
    version: u32,
    kind: String,
    stage: u32,
    trustees: u32,
    threshold: u32,
    index: u32,
    transport: String,
    signing: String,
    coefficients: Vec<String>,
    peers_transport: Vec<String>,
    peers_signing: Vec<String>,
    round1_hash: String,
    share: String,
    public_key: String,
}

/// A trustee's state between CLI invocations: one of the three stages.
pub enum TrusteeState {
    /// After round 1.
    Round1(TrusteeRound1),
    /// After round 2.
    Round2(TrusteeRound2),
    /// Key generation finished.
    Done(TrusteeKey),
}

impl fmt::Debug for TrusteeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Round1(s) => s.fmt(f),
            Self::Round2(s) => s.fmt(f),
            Self::Done(s) => s.fmt(f),
        }
    }
}

fn blank_state(
    stage: u32,
    params: ThresholdParams,
    index: TrusteeIndex,
    transport: &Scalar,
    signing: &SigningKey,
) -> StateFile {
    StateFile {
        version: FORMAT_VERSION,
        kind: KIND_STATE.into(),
        stage,
        trustees: params.trustees,
        threshold: params.threshold,
        index: index.0,
        transport: scalar_hex(transport),
        signing: hex::encode(signing.to_bytes()),
        coefficients: Vec::new(),
        peers_transport: Vec::new(),
        peers_signing: Vec::new(),
        round1_hash: String::new(),
        share: String::new(),
        public_key: String::new(),
    }
}

impl TrusteeState {
    /// The last key-generation round this state has completed: 1, 2, or 3 (finished).
    pub fn completed_round(&self) -> u32 {
        match self {
            Self::Round1(_) => 1,
            Self::Round2(_) => 2,
            Self::Done(_) => 3,
        }
    }

    /// Checks that `round` is the next round for this state (round 2 after round 1, round
    /// 3 after round 2), so a state file is only ever replaced by its successor.
    ///
    /// # Errors
    /// [`Error::RoundOutOfOrder`] for any other round: a rerun, a skipped round, or any
    /// round on a finished key generation (round 1 never runs on an existing state).
    pub fn check_next_round(&self, round: u32) -> Result<()> {
        let completed = self.completed_round();
        if round == completed + 1 {
            Ok(())
        } else {
            Err(Error::RoundOutOfOrder {
                requested: round,
                completed,
            })
        }
    }

    /// Secret JSON bytes (zeroized when dropped). Write them 0600.
    ///
    /// # Layout
    /// `{version, kind, stage, trustees, threshold, index, transport, signing,
    /// coefficients[], peers_transport[], peers_signing[], round1_hash, share,
    /// public_key}`, secrets as hex scalars, `public_key` the embedded public key JSON.
    pub fn to_secret_bytes(&self) -> Zeroizing<Vec<u8>> {
        let file = match self {
            Self::Round1(s) => blank_state(1, s.params, s.index, &s.transport, &s.signing),
            Self::Round2(s) => {
                let mut f = blank_state(2, s.params, s.index, &s.transport, &s.signing);
                f.coefficients = s.coefficients.iter().map(scalar_hex).collect();
                f.peers_transport = s.peers.transport.iter().map(point_hex).collect();
                f.peers_signing = s.peers.signing.iter().map(hex::encode).collect();
                f.round1_hash = hex::encode(s.peers.hash);
                f
            }
            Self::Done(s) => {
                let mut f = blank_state(3, s.public.params, s.index, &Scalar::ZERO, &s.signing);
                f.share = scalar_hex(&s.share);
                f.public_key = String::from_utf8_lossy(&s.public.to_json()).into_owned();
                f
            }
        };
        Zeroizing::new(to_json(&file))
    }

    /// Parses a state file.
    ///
    /// # Errors
    /// Format errors.
    pub fn from_secret_bytes(bytes: &[u8]) -> Result<Self> {
        const WHAT: &str = "trustee state";
        let f: StateFile = from_json(WHAT, bytes, JSON_LIMIT)?;
        check_header(WHAT, f.version, FORMAT_VERSION, &f.kind, KIND_STATE)?;
        let params = ThresholdParams::new(f.trustees, f.threshold)?;
        let index = TrusteeIndex(f.index);
        let signing_bytes = Zeroizing::new(crate::encoding::bytes32_from_hex(
            "signing key",
            &f.signing,
        )?);
        let signing = SigningKey::from_bytes(&signing_bytes);
        match f.stage {
            1 => Ok(Self::Round1(TrusteeRound1 {
                params,
                index,
                transport: scalar_from_hex("transport key", &f.transport)?,
                signing,
            })),
            2 => {
                let coefficients = f
                    .coefficients
                    .iter()
                    .map(|h| scalar_from_hex("coefficient", h))
                    .collect::<Result<Vec<_>>>()?;
                let transport = f
                    .peers_transport
                    .iter()
                    .map(|h| point_from_hex("peer transport key", h))
                    .collect::<Result<Vec<_>>>()?;
                let signing_keys = f
                    .peers_signing
                    .iter()
                    .map(|h| crate::encoding::bytes32_from_hex("peer signing key", h))
                    .collect::<Result<Vec<_>>>()?;
                if coefficients.len() != params.threshold as usize
                    || transport.len() != params.trustees as usize
                    || signing_keys.len() != params.trustees as usize
                {
                    return Err(Error::Malformed {
                        what: WHAT,
                        reason: "inconsistent lengths".into(),
                    });
                }
                Ok(Self::Round2(TrusteeRound2 {
                    params,
                    index,
                    transport: scalar_from_hex("transport key", &f.transport)?,
                    signing,
                    coefficients,
                    peers: Peers {
                        transport,
                        signing: signing_keys,
                        hash: crate::encoding::bytes32_from_hex("round1_hash", &f.round1_hash)?,
                    },
                }))
            }
            3 => {
                let public = JointPublicKey::from_json(f.public_key.as_bytes())?;
                let share = scalar_from_hex("share", &f.share)?;
                if public.verification_key(index)? != share * G {
                    return Err(Error::Malformed {
                        what: WHAT,
                        reason: "share does not match its verification key".into(),
                    });
                }
                Ok(Self::Done(TrusteeKey {
                    index,
                    share,
                    signing,
                    public,
                }))
            }
            other => Err(Error::Malformed {
                what: WHAT,
                reason: format!("unknown stage {other}"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;

    /// Every stage accepts exactly its next round; reruns, skips and round 1 are refused.
    #[test]
    fn only_the_next_round_runs_on_a_state() -> Result<()> {
        let mut rng = ChaCha20Rng::seed_from_u64(15);
        let params = ThresholdParams::new(2, 2)?;
        let (s1, m1) = Trustee::start(params, TrusteeIndex(1), &mut rng)?;
        let (s2, m2) = Trustee::start(params, TrusteeIndex(2), &mut rng)?;
        let round1 = [m1, m2];
        let (d1, r1) = s1.deal(&round1, &mut rng)?;
        let (d2, r2) = s2.deal(&round1, &mut rng)?;
        let (key, _) = d1.finish(&[r1, r2])?;
        let states = [
            TrusteeState::Round1(Trustee::start(params, TrusteeIndex(1), &mut rng)?.0),
            TrusteeState::Round2(d2),
            TrusteeState::Done(key),
        ];
        for (state, completed) in states.iter().zip(1u32..) {
            assert_eq!(state.completed_round(), completed);
            for round in 0..=5 {
                let outcome = state.check_next_round(round);
                if round == completed + 1 {
                    assert!(outcome.is_ok(), "round {round} after {completed}");
                } else {
                    assert!(
                        matches!(
                            outcome,
                            Err(Error::RoundOutOfOrder { requested, completed: c })
                                if requested == round && c == completed
                        ),
                        "round {round} after {completed} must be refused"
                    );
                }
            }
        }
        let message = states[2].check_next_round(1).err().map(|e| e.to_string());
        assert!(message.is_some_and(|m| m.contains("already finished")));
        Ok(())
    }
}
