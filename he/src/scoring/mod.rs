//! TFHE scoring of an encrypted feature vector with a public linear model, on the
//! `tfhe` crate (high-level integer API, default parameters
//! `PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M128`, failure probability ≤ 2^-128, with
//! list compression `COMP_PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M128`).
//!
//! Parties: the **applicant** generates keys ([`generate_keys`]), keeps the
//! [`ClientKeyBundle`] (secret, written 0600 by the caller) and sends the
//! [`ServerKeyBundle`] (compressed) and her encrypted features ([`EncryptedFeatures`],
//! a compressed ciphertext list) to the **lender**, who evaluates the model
//! ([`score`]) and returns an [`EncryptedScore`] that only she can [`decrypt`].
//!
//! No function relies on a thread-local server key set elsewhere: [`score`] works with
//! explicit integer-level keys, and the high-level baseline
//! [`eval::evaluate_naive`] sets and unsets the key inside itself (STYLE.md §4).
//!
//! # Security
//! IND-CPA of TFHE (LWE/GLWE) at the default 128-bit parameters; the lender learns the
//! number and width of features, nothing about their values. Decryption of the result
//! reveals the score and decision to the applicant, and with them information about
//! the model (see docs/he.md). Keys are tagged with a random 32-byte key id so that a
//! ciphertext under another key is rejected with a clear error rather than decrypting
//! to garbage. tfhe's own `ClientKey` does not zeroize its buffers on drop; our
//! serialized copies do.

/// The TFHE-rs crate these types wrap (for callers that measure or convert raw objects).
pub use tfhe;

pub mod envelope;
pub mod eval;
pub mod model;

use std::fmt;

use rand_core::{CryptoRng, RngCore};
use rayon::prelude::*;
use tfhe::integer::ciphertext::CompressedCiphertextListBuilder as IntegerListBuilder;
use tfhe::integer::compression_keys::CompressedCompressionKey;
use tfhe::integer::RadixCiphertext;
use tfhe::prelude::*;
use tfhe::safe_serialization::{safe_deserialize, safe_deserialize_conformant, safe_serialize};
use tfhe::shortint::parameters::{
    COMP_PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M128,
    PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M128,
};
use tfhe::{
    ClientKey, CompressedCiphertextList, CompressedServerKey, Config, ConfigBuilder, FheTypes,
    FheUint16, FheUint16ConformanceParams, FheUint16Id, FheUint2, FheUint2ConformanceParams,
    FheUint2Id, FheUint32, FheUint32ConformanceParams, FheUint32Id, FheUint8,
    FheUint8ConformanceParams, FheUint8Id, ReRandomizationMetadata,
};
use zeroize::Zeroizing;

use self::envelope::{Envelope, EnvelopeKind};
use self::model::{Features, LinearModel};
use crate::error::{Error, Result};

/// Name of the parameter set, recorded in key metadata.
pub const PARAMETER_SET: &str =
    "PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M128 + COMP_PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M128";

/// The tfhe configuration used for every key.
pub fn config() -> Config {
    ConfigBuilder::with_custom_parameters(PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M128)
        .enable_compression(COMP_PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M128)
        .build()
}

fn tfhe_err(e: impl fmt::Display) -> Error {
    Error::Tfhe {
        reason: e.to_string(),
    }
}

fn ser<T: serde::Serialize + tfhe::Versionize + tfhe::named::Named>(
    obj: &T,
    limit: u64,
) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    safe_serialize(obj, &mut out, limit).map_err(tfhe_err)?;
    Ok(out)
}

fn check_meta(
    what: &'static str,
    meta: &serde_json::Value,
    key: &str,
    expected: &str,
) -> Result<()> {
    match meta.get(key).and_then(|v| v.as_str()) {
        Some(v) if v == expected => Ok(()),
        other => Err(Error::Malformed {
            what,
            reason: format!("metadata `{key}` is {other:?}, expected {expected:?}"),
        }),
    }
}

fn meta_u32(what: &'static str, meta: &serde_json::Value, key: &str) -> Result<u32> {
    meta.get(key)
        .and_then(serde_json::Value::as_u64)
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| Error::Malformed {
            what,
            reason: format!("metadata `{key}` missing or not a small integer"),
        })
}

fn check_key_id(what: &'static str, found: &[u8], expected: &[u8; 32]) -> Result<()> {
    if found != expected {
        return Err(Error::KeyMismatch {
            what,
            found: hex::encode(found),
            expected: hex::encode(expected),
        });
    }
    Ok(())
}

/// The applicant's secret key material: the tfhe client key, plus the (public)
/// compression key needed to pack her features into a compressed list.
pub struct ClientKeyBundle {
    key_id: [u8; 32],
    client: ClientKey,
    compression: CompressedCompressionKey,
}

impl fmt::Debug for ClientKeyBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ClientKeyBundle {{ key_id: {}, .. (secret redacted) }}",
            hex::encode(self.key_id)
        )
    }
}

/// The evaluator's key: a tfhe compressed server key.
#[derive(Clone)]
pub struct ServerKeyBundle {
    key_id: [u8; 32],
    key: CompressedServerKey,
}

impl fmt::Debug for ServerKeyBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ServerKeyBundle {{ key_id: {} }}",
            hex::encode(self.key_id)
        )
    }
}

/// Generates a client key and the matching compressed server key (≈ 4 s on 2 cores).
///
/// `rng` supplies the 32-byte key id (the tfhe tag); tfhe draws the key material from
/// its own OS-seeded CSPRNG.
///
/// # Errors
/// [`Error::Tfhe`] if the server key lacks a compression key (cannot happen with
/// [`config`]).
pub fn generate_keys<R: RngCore + CryptoRng>(
    rng: &mut R,
) -> Result<(ClientKeyBundle, ServerKeyBundle)> {
    let mut key_id = [0u8; 32];
    rng.fill_bytes(&mut key_id);
    let mut client = ClientKey::generate(config());
    client.tag_mut().set_data(&key_id);
    let server = CompressedServerKey::new(&client);
    let compression = server
        .clone()
        .into_raw_parts()
        .2
        .ok_or_else(|| tfhe_err("server key has no compression key"))?;
    Ok((
        ClientKeyBundle {
            key_id,
            client,
            compression,
        },
        ServerKeyBundle {
            key_id,
            key: server,
        },
    ))
}

impl ClientKeyBundle {
    /// Key id (hex in file metadata).
    pub fn key_id(&self) -> [u8; 32] {
        self.key_id
    }

    /// The underlying tfhe client key.
    pub fn client_key(&self) -> &ClientKey {
        &self.client
    }

    /// Secret envelope bytes (write them 0600).
    ///
    /// # Layout
    /// Envelope kind 1; metadata `{"parameters": PARAMETER_SET}`; sections: tfhe
    /// `ClientKey`, tfhe integer `CompressedCompressionKey`.
    ///
    /// # Errors
    /// [`Error::Tfhe`] if tfhe fails to serialize.
    pub fn to_secret_bytes(&self) -> Result<Zeroizing<Vec<u8>>> {
        let limit = EnvelopeKind::ClientKey.limit();
        let mut env = Envelope {
            kind: EnvelopeKind::ClientKey,
            key_id: self.key_id,
            meta: serde_json::json!({ "parameters": PARAMETER_SET }),
            sections: vec![ser(&self.client, limit)?, ser(&self.compression, limit)?],
        };
        let out = Zeroizing::new(env.to_bytes());
        for s in &mut env.sections {
            zeroize::Zeroize::zeroize(s);
        }
        Ok(out)
    }

    /// Parses a client key file.
    ///
    /// # Errors
    /// Envelope errors, [`Error::TfheDeserialize`], [`Error::KeyMismatch`] if the tag
    /// inside does not match the envelope, [`Error::Malformed`] for other parameters.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let kind = EnvelopeKind::ClientKey;
        let env = Envelope::from_bytes(bytes, kind)?;
        check_meta(kind.name(), &env.meta, "parameters", PARAMETER_SET)?;
        let [client, compression] =
            <[Vec<u8>; 2]>::try_from(env.sections).map_err(|_| Error::Malformed {
                what: kind.name(),
                reason: "expected 2 sections".into(),
            })?;
        let client = Zeroizing::new(client);
        let client: ClientKey =
            safe_deserialize(client.as_slice(), kind.limit()).map_err(|reason| {
                Error::TfheDeserialize {
                    what: "client key",
                    reason,
                }
            })?;
        let compression: CompressedCompressionKey =
            safe_deserialize(compression.as_slice(), kind.limit()).map_err(|reason| {
                Error::TfheDeserialize {
                    what: "compression key",
                    reason,
                }
            })?;
        if client.computation_parameters()
            != tfhe::shortint::AtomicPatternParameters::from(
                PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M128,
            )
        {
            return Err(Error::Malformed {
                what: kind.name(),
                reason: "client key uses other parameters".into(),
            });
        }
        check_key_id("client key", client.tag().data(), &env.key_id)?;
        Ok(Self {
            key_id: env.key_id,
            client,
            compression,
        })
    }
}

impl ServerKeyBundle {
    /// Key id.
    pub fn key_id(&self) -> [u8; 32] {
        self.key_id
    }

    /// Envelope bytes.
    ///
    /// # Layout
    /// Envelope kind 2; metadata `{"parameters": PARAMETER_SET}`; one section: tfhe
    /// `CompressedServerKey`.
    ///
    /// # Errors
    /// [`Error::Tfhe`].
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let kind = EnvelopeKind::ServerKey;
        Ok(Envelope {
            kind,
            key_id: self.key_id,
            meta: serde_json::json!({ "parameters": PARAMETER_SET }),
            sections: vec![ser(&self.key, kind.limit())?],
        }
        .to_bytes())
    }

    /// Parses a server key file with tfhe's parameter-conformance check.
    ///
    /// # Errors
    /// Envelope errors, [`Error::TfheDeserialize`] (size limit, header, conformance),
    /// [`Error::KeyMismatch`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let kind = EnvelopeKind::ServerKey;
        let env = Envelope::from_bytes(bytes, kind)?;
        check_meta(kind.name(), &env.meta, "parameters", PARAMETER_SET)?;
        let [section] = <[Vec<u8>; 1]>::try_from(env.sections).map_err(|_| Error::Malformed {
            what: kind.name(),
            reason: "expected 1 section".into(),
        })?;
        let key: CompressedServerKey =
            safe_deserialize_conformant(section.as_slice(), kind.limit(), &config().into())
                .map_err(|reason| Error::TfheDeserialize {
                    what: "server key",
                    reason,
                })?;
        check_key_id("server key", key.tag().data(), &env.key_id)?;
        Ok(Self {
            key_id: env.key_id,
            key,
        })
    }

    /// Decompresses into the integer-level keys used by [`score`]
    /// (server key and decompression key).
    ///
    /// # Errors
    /// [`Error::Tfhe`] if the key has no decompression key.
    pub fn expand(&self) -> Result<ExpandedServerKey> {
        let hl = self.key.decompress();
        let (key, _, _, decompression, ..) = hl.into_raw_parts();
        Ok(ExpandedServerKey {
            key_id: self.key_id,
            key,
            decompression: decompression
                .ok_or_else(|| tfhe_err("server key has no decompression key"))?,
        })
    }

    /// The high-level tfhe server key (for the naive baseline).
    pub fn high_level(&self) -> tfhe::ServerKey {
        self.key.decompress()
    }
}

/// Decompressed integer-level evaluation keys.
pub struct ExpandedServerKey {
    key_id: [u8; 32],
    /// Integer server key.
    pub key: tfhe::integer::ServerKey,
    decompression: tfhe::integer::compression_keys::DecompressionKey,
}

impl fmt::Debug for ExpandedServerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ExpandedServerKey {{ key_id: {} }}",
            hex::encode(self.key_id)
        )
    }
}

/// The applicant's encrypted features: a tfhe compressed ciphertext list of
/// `FheUint8`/`FheUint16` values.
pub struct EncryptedFeatures {
    key_id: [u8; 32],
    bits: u32,
    list: CompressedCiphertextList,
}

impl fmt::Debug for EncryptedFeatures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "EncryptedFeatures {{ count: {}, bits: {} }}",
            self.len(),
            self.bits
        )
    }
}

impl EncryptedFeatures {
    /// Encrypts a feature vector under the client key (no server key needed).
    ///
    /// # Errors
    /// [`Error::BadFeatures`].
    pub fn encrypt(ck: &ClientKeyBundle, features: &Features) -> Result<Self> {
        let compression = ck.compression.decompress();
        let mut builder = IntegerListBuilder::new();
        for &v in &features.values {
            if v >> features.bits != 0 {
                return Err(Error::BadFeatures {
                    reason: format!("value {v} does not fit in {} bits", features.bits),
                });
            }
            let radix: RadixCiphertext = match features.bits {
                8 => FheUint8::encrypt(v as u8, &ck.client).into_raw_parts().0,
                16 => FheUint16::encrypt(v as u16, &ck.client).into_raw_parts().0,
                other => {
                    return Err(Error::BadFeatures {
                        reason: format!("bits is {other}, must be 8 or 16"),
                    })
                }
            };
            builder.push(radix);
        }
        let list = builder.build(&compression);
        let meta = vec![ReRandomizationMetadata::default(); features.values.len()];
        Ok(Self {
            key_id: ck.key_id,
            bits: features.bits,
            list: CompressedCiphertextList::from_raw_parts(list, ck.client.tag().clone(), meta),
        })
    }

    /// Number of encrypted values.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Envelope bytes.
    ///
    /// # Layout
    /// Envelope kind 3; metadata `{"count": n, "bits": 8|16}`; one section: tfhe
    /// `CompressedCiphertextList`.
    ///
    /// # Errors
    /// [`Error::Tfhe`].
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let kind = EnvelopeKind::Features;
        Ok(Envelope {
            kind,
            key_id: self.key_id,
            meta: serde_json::json!({ "count": self.len(), "bits": self.bits }),
            sections: vec![ser(&self.list, kind.limit())?],
        }
        .to_bytes())
    }

    /// Parses an encrypted-features file, checking count, element types and tag.
    ///
    /// # Errors
    /// Envelope errors, [`Error::TfheDeserialize`], [`Error::Malformed`],
    /// [`Error::KeyMismatch`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let kind = EnvelopeKind::Features;
        let env = Envelope::from_bytes(bytes, kind)?;
        let count = meta_u32(kind.name(), &env.meta, "count")? as usize;
        let bits = meta_u32(kind.name(), &env.meta, "bits")?;
        let [section] = <[Vec<u8>; 1]>::try_from(env.sections).map_err(|_| Error::Malformed {
            what: kind.name(),
            reason: "expected 1 section".into(),
        })?;
        // tfhe has no conformance parameters for compressed lists; we check the
        // header/size here and every element's type below.
        let list: CompressedCiphertextList = safe_deserialize(section.as_slice(), kind.limit())
            .map_err(|reason| Error::TfheDeserialize {
                what: "encrypted features",
                reason,
            })?;
        let expected_type = match bits {
            8 => FheTypes::Uint8,
            16 => FheTypes::Uint16,
            other => {
                return Err(Error::Malformed {
                    what: kind.name(),
                    reason: format!("bits is {other}, must be 8 or 16"),
                })
            }
        };
        if list.len() != count || count == 0 || count > model::MAX_FEATURES {
            return Err(Error::Malformed {
                what: kind.name(),
                reason: format!("list holds {} values, metadata says {count}", list.len()),
            });
        }
        for i in 0..count {
            if list.get_kind_of(i) != Some(expected_type) {
                return Err(Error::Malformed {
                    what: kind.name(),
                    reason: format!(
                        "value {i} is {:?}, expected {expected_type:?}",
                        list.get_kind_of(i)
                    ),
                });
            }
        }
        check_key_id("encrypted features", list.tag().data(), &env.key_id)?;
        Ok(Self {
            key_id: env.key_id,
            bits,
            list,
        })
    }

    /// Decompresses the values into integer radix ciphertexts (in parallel).
    ///
    /// # Errors
    /// [`Error::KeyMismatch`] if the list is under another key; [`Error::Tfhe`].
    pub fn expand(&self, key: &ExpandedServerKey) -> Result<Vec<RadixCiphertext>> {
        check_key_id("encrypted features", &self.key_id, &key.key_id)?;
        let (inner, _, _) = self.list.clone().into_raw_parts();
        (0..self.len())
            .into_par_iter()
            .map(|i| {
                inner
                    .get::<RadixCiphertext>(i, &key.decompression)
                    .map_err(tfhe_err)?
                    .ok_or_else(|| tfhe_err(format!("value {i} missing from the list")))
            })
            .collect()
    }
}

/// An encrypted score (as `FheUint8/16/32`) and decision (`FheUint2` holding 0 or 1).
pub struct EncryptedScore {
    key_id: [u8; 32],
    model_hash: [u8; 32],
    score: ScoreCiphertext,
    decision: FheUint2,
}

enum ScoreCiphertext {
    U8(FheUint8),
    U16(FheUint16),
    U32(FheUint32),
}

impl fmt::Debug for EncryptedScore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "EncryptedScore {{ model: {} }}",
            hex::encode(self.model_hash)
        )
    }
}

/// Evaluates `model` on the encrypted features with the optimised evaluation
/// ([`eval::evaluate_optimised`]).
///
/// # Errors
/// [`Error::BadModel`]/[`Error::BadFeatures`] if the input does not fit the model,
/// [`Error::KeyMismatch`] if the features are under another key.
pub fn score(
    key: &ExpandedServerKey,
    model: &LinearModel,
    input: &EncryptedFeatures,
) -> Result<EncryptedScore> {
    model.validate()?;
    if input.len() != model.weights.len() || input.bits != model.feature_bits {
        return Err(Error::BadFeatures {
            reason: format!(
                "{} encrypted {}-bit values, the model expects {} {}-bit values",
                input.len(),
                input.bits,
                model.weights.len(),
                model.feature_bits
            ),
        });
    }
    let features = input.expand(key)?;
    let (score, decision) = eval::evaluate_optimised(&key.key, model, &features)?;
    let tag = input.list.tag().clone();
    let score = eval::into_transport_form(score)?;
    let decision = eval::into_transport_form(decision.into_radix(1, &key.key))?;
    let meta = ReRandomizationMetadata::default;
    let score = match model.score_bits {
        8 => ScoreCiphertext::U8(FheUint8::from_raw_parts(
            score,
            FheUint8Id,
            tag.clone(),
            meta(),
        )),
        16 => ScoreCiphertext::U16(FheUint16::from_raw_parts(
            score,
            FheUint16Id,
            tag.clone(),
            meta(),
        )),
        _ => ScoreCiphertext::U32(FheUint32::from_raw_parts(
            score,
            FheUint32Id,
            tag.clone(),
            meta(),
        )),
    };
    Ok(EncryptedScore {
        key_id: input.key_id,
        model_hash: model.hash(),
        score,
        decision: FheUint2::from_raw_parts(decision, FheUint2Id, tag, meta()),
    })
}

impl EncryptedScore {
    /// Hash of the model that produced this score.
    pub fn model_hash(&self) -> [u8; 32] {
        self.model_hash
    }

    /// Envelope bytes.
    ///
    /// # Layout
    /// Envelope kind 4; metadata `{"score_bits": 8|16|32, "model": hex}`; sections:
    /// tfhe `FheUint{8,16,32}` score, tfhe `FheUint2` decision.
    ///
    /// # Errors
    /// [`Error::Tfhe`].
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let kind = EnvelopeKind::Result;
        let limit = kind.limit();
        let (bits, score) = match &self.score {
            ScoreCiphertext::U8(c) => (8, ser(c, limit)?),
            ScoreCiphertext::U16(c) => (16, ser(c, limit)?),
            ScoreCiphertext::U32(c) => (32, ser(c, limit)?),
        };
        Ok(Envelope {
            kind,
            key_id: self.key_id,
            meta: serde_json::json!({ "score_bits": bits, "model": hex::encode(self.model_hash) }),
            sections: vec![score, ser(&self.decision, limit)?],
        }
        .to_bytes())
    }

    /// Parses an encrypted score with tfhe's conformance checks for the client's
    /// parameters.
    ///
    /// # Errors
    /// Envelope errors, [`Error::TfheDeserialize`], [`Error::KeyMismatch`].
    pub fn from_bytes(bytes: &[u8], ck: &ClientKeyBundle) -> Result<Self> {
        let kind = EnvelopeKind::Result;
        let limit = kind.limit();
        let env = Envelope::from_bytes(bytes, kind)?;
        check_key_id("encrypted score", &env.key_id, &ck.key_id)?;
        let bits = meta_u32(kind.name(), &env.meta, "score_bits")?;
        let model_hash = env
            .meta
            .get("model")
            .and_then(|v| v.as_str())
            .ok_or_else(|| Error::Malformed {
                what: kind.name(),
                reason: "metadata `model` missing".into(),
            })
            .and_then(|h| crate::encoding::bytes32_from_hex("model hash", h))?;
        let [score, decision] =
            <[Vec<u8>; 2]>::try_from(env.sections).map_err(|_| Error::Malformed {
                what: kind.name(),
                reason: "expected 2 sections".into(),
            })?;
        let params = ck.client.computation_parameters();
        let de = |reason| Error::TfheDeserialize {
            what: "encrypted score",
            reason,
        };
        let score = match bits {
            8 => ScoreCiphertext::U8(
                safe_deserialize_conformant(
                    score.as_slice(),
                    limit,
                    &FheUint8ConformanceParams::from(params),
                )
                .map_err(de)?,
            ),
            16 => ScoreCiphertext::U16(
                safe_deserialize_conformant(
                    score.as_slice(),
                    limit,
                    &FheUint16ConformanceParams::from(params),
                )
                .map_err(de)?,
            ),
            32 => ScoreCiphertext::U32(
                safe_deserialize_conformant(
                    score.as_slice(),
                    limit,
                    &FheUint32ConformanceParams::from(params),
                )
                .map_err(de)?,
            ),
            other => {
                return Err(Error::Malformed {
                    what: kind.name(),
                    reason: format!("score_bits is {other}"),
                })
            }
        };
        let decision: FheUint2 = safe_deserialize_conformant(
            decision.as_slice(),
            limit,
            &FheUint2ConformanceParams::from(params),
        )
        .map_err(de)?;
        let tag = match &score {
            ScoreCiphertext::U8(c) => c.tag().data().to_vec(),
            ScoreCiphertext::U16(c) => c.tag().data().to_vec(),
            ScoreCiphertext::U32(c) => c.tag().data().to_vec(),
        };
        check_key_id("encrypted score", &tag, &ck.key_id)?;
        check_key_id("encrypted decision", decision.tag().data(), &ck.key_id)?;
        Ok(Self {
            key_id: env.key_id,
            model_hash,
            score,
            decision,
        })
    }
}

/// Decrypts a score and decision.
///
/// # Errors
/// [`Error::KeyMismatch`] if made under another key; [`Error::Malformed`] if the
/// decision is not 0 or 1.
pub fn decrypt(ck: &ClientKeyBundle, result: &EncryptedScore) -> Result<(u64, bool)> {
    check_key_id("encrypted score", &result.key_id, &ck.key_id)?;
    let score: u64 = match &result.score {
        ScoreCiphertext::U8(c) => u64::from(FheDecrypt::<u8>::decrypt(c, &ck.client)),
        ScoreCiphertext::U16(c) => u64::from(FheDecrypt::<u16>::decrypt(c, &ck.client)),
        ScoreCiphertext::U32(c) => u64::from(FheDecrypt::<u32>::decrypt(c, &ck.client)),
    };
    let decision: u8 = result.decision.decrypt(&ck.client);
    match decision {
        0 => Ok((score, false)),
        1 => Ok((score, true)),
        other => Err(Error::Malformed {
            what: "encrypted decision",
            reason: format!("decrypted to {other}, not 0 or 1"),
        }),
    }
}

/// Encrypts values as `FheUint16` under the client key (for the naive baseline).
pub fn encrypt_u16(ck: &ClientKeyBundle, values: &[u64]) -> Vec<FheUint16> {
    values
        .iter()
        .map(|&v| FheUint16::encrypt(v as u16, &ck.client))
        .collect()
}

/// Decrypts an `FheUint16` (for the naive baseline).
pub fn decrypt_u16(ck: &ClientKeyBundle, ct: &FheUint16) -> u64 {
    u64::from(FheDecrypt::<u16>::decrypt(ct, &ck.client))
}

/// Decrypts an `FheBool` (for the naive baseline).
pub fn decrypt_bool(ck: &ClientKeyBundle, ct: &tfhe::FheBool) -> bool {
    ct.decrypt(&ck.client)
}
