//! The JSON forms of keys and proofs, and decoders that accept either form.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::points::{g1_from_strings, g1_to_strings, g2_from_strings, g2_to_strings};
use super::{is_json, FORMAT_VERSION};
use crate::field;
use crate::groth16::{Proof, ProvingKey, StatementId, VerifyingKey};
use crate::statement::Statement;
use crate::ZkError;

const PROOF_FORMAT: &str = "conclave.groth16.proof";
const VERIFYING_KEY_FORMAT: &str = "conclave.groth16.verifying_key";
const PROVING_KEY_FORMAT: &str = "conclave.groth16.proving_key";

/// The fields every Conclave JSON document starts with.
#[derive(Deserialize)]
pub(super) struct Envelope {
    format: String,
    version: u64,
}

/// Checks a JSON document's format name and version before it is parsed in full.
pub(super) fn check_envelope(
    what: &'static str,
    format: &'static str,
    text: &str,
) -> Result<(), ZkError> {
    let envelope: Envelope =
        serde_json::from_str(text).map_err(|source| ZkError::Json { what, source })?;
    if envelope.format != format {
        return Err(ZkError::WrongKind {
            expected: what,
            found: format!("\"{}\" document", envelope.format),
        });
    }
    if envelope.version != FORMAT_VERSION {
        return Err(ZkError::UnsupportedVersion {
            what,
            found: envelope.version,
            supported: FORMAT_VERSION,
        });
    }
    Ok(())
}

fn parse<'a, T: Deserialize<'a>>(what: &'static str, text: &'a str) -> Result<T, ZkError> {
    serde_json::from_str(text).map_err(|source| ZkError::Json { what, source })
}

fn utf8<'a>(what: &'static str, bytes: &'a [u8]) -> Result<&'a str, ZkError> {
    std::str::from_utf8(bytes).map_err(|_| ZkError::Malformed {
        what,
        reason: "JSON document is not valid UTF-8",
    })
}

/// Groth16 proof points as decimal strings, exactly as in snarkjs `proof.json`.
#[derive(Serialize, Deserialize)]
pub(super) struct ProofPoints {
    pub(super) pi_a: Vec<String>,
    pub(super) pi_b: Vec<Vec<String>>,
    pub(super) pi_c: Vec<String>,
}

impl ProofPoints {
    pub(super) fn from_ark(proof: &ark_groth16::Proof<ark_bn254::Bn254>) -> Self {
        ProofPoints {
            pi_a: g1_to_strings(&proof.a),
            pi_b: g2_to_strings(&proof.b),
            pi_c: g1_to_strings(&proof.c),
        }
    }

    pub(super) fn to_ark(&self) -> Result<ark_groth16::Proof<ark_bn254::Bn254>, ZkError> {
        Ok(ark_groth16::Proof {
            a: g1_from_strings("proof pi_a", &self.pi_a)?,
            b: g2_from_strings("proof pi_b", &self.pi_b)?,
            c: g1_from_strings("proof pi_c", &self.pi_c)?,
        })
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProofJson {
    format: String,
    version: u64,
    statement: Statement,
    claim: String,
    verifying_key_id: String,
    public_inputs: Vec<String>,
    proof: ProofPoints,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyJson {
    format: String,
    version: u64,
    statement: Statement,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    /// The binary form, base64.
    key: String,
}

impl Proof {
    /// The JSON form: statement, claim, key id, decimal public inputs, snarkjs-style points.
    pub fn to_json(&self) -> String {
        let document = ProofJson {
            format: PROOF_FORMAT.into(),
            version: FORMAT_VERSION,
            statement: self.statement,
            claim: self.claim().unwrap_or_default(),
            verifying_key_id: self.vk_id.to_hex(),
            public_inputs: self.public_inputs.iter().map(field::to_decimal).collect(),
            proof: ProofPoints::from_ark(&self.proof),
        };
        serde_json::to_string_pretty(&document).expect("a proof always serializes")
    }

    /// Parses [`Proof::to_json`], checking the claim text matches the public inputs.
    ///
    /// # Errors
    /// Wrong format or version, bad decimal inputs, invalid points, a claim that does not
    /// match the inputs (someone edited one but not the other).
    pub fn from_json(text: &str) -> Result<Self, ZkError> {
        check_envelope("proof", PROOF_FORMAT, text)?;
        let document: ProofJson = parse("proof", text)?;
        document.statement.validate()?;
        let public_inputs = document
            .public_inputs
            .iter()
            .enumerate()
            .map(|(i, x)| field::parse_decimal(&format!("public input #{i}"), x))
            .collect::<Result<Vec<_>, _>>()?;
        let proof = Proof {
            statement: document.statement,
            vk_id: StatementId::from_hex(&document.verifying_key_id)?,
            public_inputs,
            proof: document.proof.to_ark()?,
        };
        if proof.claim()? != document.claim {
            return Err(ZkError::Malformed {
                what: "proof",
                reason: "the \"claim\" text does not match the public inputs",
            });
        }
        Ok(proof)
    }

    /// Decodes either the binary or the JSON form.
    ///
    /// # Errors
    /// As [`Proof::from_bytes`] or [`Proof::from_json`].
    pub fn decode(bytes: &[u8]) -> Result<Self, ZkError> {
        if is_json(bytes) {
            Proof::from_json(utf8("proof", bytes)?)
        } else {
            Proof::from_bytes(bytes)
        }
    }
}

impl VerifyingKey {
    /// The JSON form: statement, id and the binary key in base64.
    pub fn to_json(&self) -> String {
        key_json(
            VERIFYING_KEY_FORMAT,
            self.statement,
            Some(self.id()),
            &self.to_bytes(),
        )
    }

    /// Parses [`VerifyingKey::to_json`], checking the recorded id.
    ///
    /// # Errors
    /// As [`VerifyingKey::from_bytes`], plus a statement or id that disagrees with the key.
    pub fn from_json(text: &str) -> Result<Self, ZkError> {
        let (statement, id, bytes) = read_key_json("verifying key", VERIFYING_KEY_FORMAT, text)?;
        let key = VerifyingKey::from_bytes(&bytes)?;
        if key.statement() != statement {
            return Err(ZkError::Malformed {
                what: "verifying key",
                reason: "the \"statement\" field disagrees with the encoded key",
            });
        }
        if id.is_some_and(|id| id != key.id().to_hex()) {
            return Err(ZkError::Malformed {
                what: "verifying key",
                reason: "the \"id\" field is not the hash of the encoded key",
            });
        }
        Ok(key)
    }

    /// Decodes either the binary or the JSON form.
    ///
    /// # Errors
    /// As [`VerifyingKey::from_bytes`] or [`VerifyingKey::from_json`].
    pub fn decode(bytes: &[u8]) -> Result<Self, ZkError> {
        if is_json(bytes) {
            VerifyingKey::from_json(utf8("verifying key", bytes)?)
        } else {
            VerifyingKey::from_bytes(bytes)
        }
    }
}

impl ProvingKey {
    /// The JSON form: statement and the binary key in base64.
    pub fn to_json(&self) -> String {
        key_json(PROVING_KEY_FORMAT, self.statement, None, &self.to_bytes())
    }

    /// Parses [`ProvingKey::to_json`].
    ///
    /// # Errors
    /// As [`ProvingKey::from_bytes`], plus a statement that disagrees with the key.
    pub fn from_json(text: &str) -> Result<Self, ZkError> {
        let (statement, _, bytes) = read_key_json("proving key", PROVING_KEY_FORMAT, text)?;
        let key = ProvingKey::from_bytes(&bytes)?;
        if key.statement() != statement {
            return Err(ZkError::Malformed {
                what: "proving key",
                reason: "the \"statement\" field disagrees with the encoded key",
            });
        }
        Ok(key)
    }

    /// Decodes either the binary or the JSON form.
    ///
    /// # Errors
    /// As [`ProvingKey::from_bytes`] or [`ProvingKey::from_json`].
    pub fn decode(bytes: &[u8]) -> Result<Self, ZkError> {
        if is_json(bytes) {
            ProvingKey::from_json(utf8("proving key", bytes)?)
        } else {
            ProvingKey::from_bytes(bytes)
        }
    }
}

fn key_json(format: &str, statement: Statement, id: Option<StatementId>, bytes: &[u8]) -> String {
    let document = KeyJson {
        format: format.into(),
        version: FORMAT_VERSION,
        statement,
        id: id.map(|id| id.to_hex()),
        key: BASE64.encode(bytes),
    };
    serde_json::to_string_pretty(&document).expect("a key always serializes")
}

fn read_key_json(
    what: &'static str,
    format: &'static str,
    text: &str,
) -> Result<(Statement, Option<String>, Vec<u8>), ZkError> {
    check_envelope(what, format, text)?;
    let document: KeyJson = parse(what, text)?;
    let bytes = BASE64
        .decode(document.key.as_bytes())
        .map_err(|_| ZkError::Malformed {
            what,
            reason: "the \"key\" field is not valid base64",
        })?;
    Ok((document.statement, document.id, bytes))
}
