//! The party configuration file (`parties.toml`) and party key material.
//!
//! The configuration lists every party's id, address, pinned TLS certificate (PEM) and
//! Ed25519 verifying key; every party must use the same file (its digest is compared
//! during the connection handshake). Formats: docs/formats.md ("MPC formats").

use std::time::Duration;

use ed25519_dalek::{SigningKey, VerifyingKey};
use rustls::pki_types::pem::PemObject;
pub use rustls::pki_types::CertificateDer;
use rustls::pki_types::PrivateKeyDer;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::shamir::{Params, PartyId};
use crate::Error;

/// Version of the configuration format.
pub const CONFIG_VERSION: u32 = 1;

/// Domain-separation tag of the configuration digest.
const CONFIG_DIGEST_TAG: &[u8] = b"conclave-mpc-config-v1";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    version: u32,
    #[serde(default = "default_connect")]
    connect_timeout_secs: u64,
    #[serde(default = "default_round")]
    round_timeout_secs: u64,
    #[serde(default = "default_frame")]
    max_frame_bytes: u64,
    party: Vec<PartyFile>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartyFile {
    id: u32,
    address: String,
    tls_certificate: String,
    signing_key: String,
}

fn default_connect() -> u64 {
    30
}
fn default_round() -> u64 {
    60
}
fn default_frame() -> u64 {
    1 << 30
}

/// One party as the configuration describes it.
#[derive(Debug, Clone)]
pub struct PartyInfo {
    /// Its id (1-based, also its Shamir evaluation point).
    pub id: PartyId,
    /// `host:port` it listens on.
    pub address: String,
    /// Its pinned TLS certificate, PEM as written in the file.
    pub certificate_pem: String,
    /// The same certificate, DER.
    pub certificate: CertificateDer<'static>,
    /// Its Ed25519 key for result records.
    pub verifying_key: VerifyingKey,
}

/// The parsed, validated configuration.
#[derive(Debug, Clone)]
pub struct PartyConfig {
    /// Parties, sorted by id, ids exactly `1..=n`.
    pub parties: Vec<PartyInfo>,
    /// Deadline for establishing all connections.
    pub connect_timeout: Duration,
    /// Longest wait for any peer's frame in one round.
    pub round_timeout: Duration,
    /// Largest frame accepted from a peer.
    pub max_frame_bytes: u64,
}

impl PartyConfig {
    /// Parses and validates a configuration (`what` names the file in errors).
    ///
    /// # Errors
    /// [`Error::BadFile`] describing the problem.
    pub fn from_toml(text: &str, what: &str) -> Result<PartyConfig, Error> {
        let file: ConfigFile = toml::from_str(text)
            .map_err(|e| Error::bad_file(what, format!("not a valid party config: {e}")))?;
        if file.version != CONFIG_VERSION {
            return Err(Error::bad_file(
                what,
                format!(
                    "config version {} is not supported (expected {CONFIG_VERSION})",
                    file.version
                ),
            ));
        }
        let mut parties = Vec::with_capacity(file.party.len());
        for p in file.party {
            let certificate = CertificateDer::from_pem_slice(p.tls_certificate.as_bytes())
                .map_err(|e| {
                    Error::bad_file(
                        what,
                        format!(
                            "party {}: tls_certificate is not a PEM certificate: {e}",
                            p.id
                        ),
                    )
                })?;
            let key_bytes: [u8; 32] = hex::decode(p.signing_key.trim())
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| {
                    Error::bad_file(
                        what,
                        format!("party {}: signing_key must be 64 hex digits", p.id),
                    )
                })?;
            let verifying_key = VerifyingKey::from_bytes(&key_bytes).map_err(|_| {
                Error::bad_file(
                    what,
                    format!("party {}: signing_key is not an Ed25519 point", p.id),
                )
            })?;
            parties.push(PartyInfo {
                id: PartyId(p.id),
                address: p.address,
                certificate_pem: p.tls_certificate,
                certificate,
                verifying_key,
            });
        }
        parties.sort_by_key(|p| p.id);
        for (i, p) in parties.iter().enumerate() {
            if p.id != PartyId::from_index(i) {
                return Err(Error::bad_file(
                    what,
                    "party ids must be exactly 1, 2, …, n with no gaps or repeats",
                ));
            }
        }
        Params::honest_majority(parties.len()).map_err(|e| {
            Error::bad_file(
                what,
                format!("{e} (the config lists {} parties)", parties.len()),
            )
        })?;
        if file.connect_timeout_secs == 0 || file.round_timeout_secs == 0 {
            return Err(Error::bad_file(what, "timeouts must be at least 1 second"));
        }
        Ok(PartyConfig {
            parties,
            connect_timeout: Duration::from_secs(file.connect_timeout_secs),
            round_timeout: Duration::from_secs(file.round_timeout_secs),
            max_frame_bytes: file.max_frame_bytes,
        })
    }

    /// Writes the configuration as TOML.
    ///
    /// # Errors
    /// Never in practice (serialisation of plain data).
    pub fn to_toml(&self) -> Result<String, Error> {
        let file = ConfigFile {
            version: CONFIG_VERSION,
            connect_timeout_secs: self.connect_timeout.as_secs(),
            round_timeout_secs: self.round_timeout.as_secs(),
            max_frame_bytes: self.max_frame_bytes,
            party: self
                .parties
                .iter()
                .map(|p| PartyFile {
                    id: p.id.0,
                    address: p.address.clone(),
                    tls_certificate: p.certificate_pem.clone(),
                    signing_key: hex::encode(p.verifying_key.as_bytes()),
                })
                .collect(),
        };
        toml::to_string_pretty(&file).map_err(|e| Error::bad_file("config", e.to_string()))
    }

    /// Builds a configuration from parties (sorted, validated like a parsed file).
    ///
    /// # Errors
    /// As [`PartyConfig::from_toml`].
    pub fn new(
        parties: Vec<PartyInfo>,
        connect_timeout: Duration,
        round_timeout: Duration,
    ) -> Result<Self, Error> {
        let config = PartyConfig {
            parties,
            connect_timeout,
            round_timeout,
            max_frame_bytes: default_frame(),
        };
        PartyConfig::from_toml(&config.to_toml()?, "config")
    }

    /// Number of parties.
    pub fn n(&self) -> usize {
        self.parties.len()
    }

    /// Sharing parameters for this configuration.
    ///
    /// # Errors
    /// Never for a validated config.
    pub fn params(&self) -> Result<Params, Error> {
        Params::honest_majority(self.n())
    }

    /// The entry of `party`.
    ///
    /// # Errors
    /// [`Error::UnknownParty`] when the config does not list it.
    pub fn party(&self, party: PartyId) -> Result<&PartyInfo, Error> {
        self.parties
            .iter()
            .find(|p| p.id == party)
            .ok_or(Error::UnknownParty {
                party: party.0,
                parties: self.n(),
            })
    }

    /// SHA-256 over a canonical encoding of everything security-relevant in the config.
    ///
    /// # Layout
    /// `tag || n:u32 || per party: id:u32 || len:u32 || address || len:u32 || cert DER || key(32)`,
    /// integers little-endian.
    pub fn digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(CONFIG_DIGEST_TAG);
        h.update((self.n() as u32).to_le_bytes());
        for p in &self.parties {
            h.update(p.id.0.to_le_bytes());
            h.update((p.address.len() as u32).to_le_bytes());
            h.update(p.address.as_bytes());
            h.update((p.certificate.len() as u32).to_le_bytes());
            h.update(p.certificate.as_ref());
            h.update(p.verifying_key.as_bytes());
        }
        h.finalize().into()
    }
}

/// A party's secret TLS key and public certificate.
///
/// # Security
/// The key is zeroised on drop; no `Clone`/`Debug` of the key material.
pub struct TlsIdentity {
    /// The certificate, PEM.
    pub certificate_pem: String,
    key_pem: Zeroizing<String>,
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsIdentity(key redacted)")
    }
}

impl TlsIdentity {
    /// Wraps PEM strings (validated when used).
    pub fn from_pem(certificate_pem: String, key_pem: String) -> TlsIdentity {
        TlsIdentity {
            certificate_pem,
            key_pem: Zeroizing::new(key_pem),
        }
    }

    /// The private key, PEM (PKCS#8).
    pub fn key_pem(&self) -> &str {
        &self.key_pem
    }

    /// Generates a self-signed ECDSA P-256 certificate for `party` (rcgen).
    ///
    /// # Errors
    /// [`Error::KeyGen`].
    pub fn generate(party: PartyId) -> Result<TlsIdentity, Error> {
        let key = rcgen::KeyPair::generate().map_err(|e| Error::KeyGen(e.to_string()))?;
        let mut params = rcgen::CertificateParams::new(vec![format!("conclave-party-{}", party.0)])
            .map_err(|e| Error::KeyGen(e.to_string()))?;
        params.distinguished_name.push(
            rcgen::DnType::CommonName,
            format!("conclave mpc party {}", party.0),
        );
        let cert = params
            .self_signed(&key)
            .map_err(|e| Error::KeyGen(e.to_string()))?;
        Ok(TlsIdentity {
            certificate_pem: cert.pem(),
            key_pem: Zeroizing::new(key.serialize_pem()),
        })
    }

    pub(crate) fn der(&self) -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), Error> {
        let cert =
            CertificateDer::from_pem_slice(self.certificate_pem.as_bytes()).map_err(|e| {
                Error::bad_file("TLS certificate", format!("not a PEM certificate: {e}"))
            })?;
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes())
            .map_err(|e| Error::bad_file("TLS key", format!("not a PEM private key: {e}")))?;
        Ok((cert, key))
    }
}

/// Parses one PEM certificate.
///
/// # Errors
/// [`Error::BadFile`].
pub fn certificate_from_pem(pem: &str) -> Result<CertificateDer<'static>, Error> {
    CertificateDer::from_pem_slice(pem.as_bytes())
        .map_err(|e| Error::bad_file("TLS certificate", format!("not a PEM certificate: {e}")))
}

/// Version of the signing-key file format.
pub const SIGNING_KEY_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SigningKeyFile {
    version: u32,
    kind: String,
    party: u32,
    secret_key: String,
}

/// Encodes an Ed25519 signing key as the JSON key file (store it 0600).
pub fn signing_key_to_json(party: PartyId, key: &SigningKey) -> Zeroizing<String> {
    let file = SigningKeyFile {
        version: SIGNING_KEY_VERSION,
        kind: "conclave.mpc.signing-key".into(),
        party: party.0,
        secret_key: hex::encode(key.to_bytes()),
    };
    // Invariant: a struct of strings and integers always serializes.
    let mut text = serde_json::to_string_pretty(&file).expect("a key file serializes");
    text.push('\n');
    let mut secret = file.secret_key;
    zeroize::Zeroize::zeroize(&mut secret);
    Zeroizing::new(text)
}

/// Decodes the JSON key file written by [`signing_key_to_json`].
///
/// # Errors
/// [`Error::BadFile`] naming `what`.
pub fn signing_key_from_json(text: &str, what: &str) -> Result<(PartyId, SigningKey), Error> {
    let mut file: SigningKeyFile = serde_json::from_str(text)
        .map_err(|e| Error::bad_file(what, format!("not a signing key file: {e}")))?;
    if file.version != SIGNING_KEY_VERSION || file.kind != "conclave.mpc.signing-key" {
        return Err(Error::bad_file(
            what,
            "unsupported signing key version or kind",
        ));
    }
    let decoded = hex::decode(&file.secret_key).map(Zeroizing::new);
    zeroize::Zeroize::zeroize(&mut file.secret_key);
    let seed: [u8; 32] = decoded
        .ok()
        .and_then(|bytes| bytes.as_slice().try_into().ok())
        .ok_or_else(|| Error::bad_file(what, "secret_key must be 64 hex digits"))?;
    Ok((PartyId(file.party), SigningKey::from_bytes(&seed)))
}
