//! Signed notes (C2SP `signed-note`, the format of Go's `golang.org/x/mod/sumdb/note`) with
//! Ed25519 signatures, and checkpoints (C2SP `tlog-checkpoint`) carried inside them.
//!
//! A note is UTF-8 text ending in a newline, a blank line, then signature lines
//! `— <name> <base64(key id ‖ signature)>`. For Ed25519 (algorithm byte 0x01) the key id is
//! the first four bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key) and the signature covers
//! the text. Verifier keys are published as `<name>+<hex(key id)>+<base64(0x01 ‖ key)>`;
//! signer keys as `PRIVATE+KEY+<name>+<hex(key id)>+<base64(0x01 ‖ seed)>`.
//!
//! A checkpoint's text is three lines: origin, decimal tree size, base64 tree head
//! (optionally followed by extension lines, which this log never writes).
//!
//! # Security
//! Signatures are verified with `verify_strict` (no small-order keys or malleable
//! signatures). The signer key is secret: redacting `Debug`, zeroized on drop.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::LedgerError;
use crate::merkle::Hash;

/// Algorithm byte of Ed25519 in C2SP signed-note.
const ALG_ED25519: u8 = 0x01;
/// A note may carry at most this many signatures (as in the Go reference).
const MAX_SIGNATURES: usize = 100;
/// The separator that starts a signature line: an em dash and a space.
const SIG_PREFIX: &str = "\u{2014} ";

fn note_error(reason: impl Into<String>) -> LedgerError {
    LedgerError::Checkpoint {
        reason: reason.into(),
    }
}

/// A key name: non-empty, no whitespace, no `+` (C2SP signed-note).
fn check_name(name: &str) -> Result<(), LedgerError> {
    if name.is_empty() || name.contains('+') || name.chars().any(char::is_whitespace) {
        return Err(note_error(format!(
            "key name {name:?} must be non-empty, without spaces or '+'"
        )));
    }
    Ok(())
}

/// SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[..4] — the signed-note key id of an Ed25519 key.
pub fn key_id(name: &str, key: &VerifyingKey) -> [u8; 4] {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([0x0A, ALG_ED25519]);
    hasher.update(key.as_bytes());
    let digest = hasher.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// A public note verifier: a name and an Ed25519 key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    id: [u8; 4],
    key: VerifyingKey,
}

impl NoteVerifier {
    /// A verifier for `key` under `name`.
    ///
    /// # Errors
    /// [`LedgerError::Checkpoint`] for an invalid name.
    pub fn new(name: &str, key: VerifyingKey) -> Result<Self, LedgerError> {
        check_name(name)?;
        Ok(NoteVerifier {
            name: name.to_owned(),
            id: key_id(name, &key),
            key,
        })
    }

    /// Parses a verifier key `<name>+<hex id>+<base64(0x01 ‖ key)>`.
    ///
    /// # Errors
    /// [`LedgerError::Checkpoint`] when the text is malformed, the algorithm is not Ed25519,
    /// the key is not a valid point, or the id does not match the name and key.
    pub fn parse(text: &str) -> Result<Self, LedgerError> {
        let text = text.trim_end_matches(['\n', '\r']);
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(note_error(
                "verifier key must look like name+hexid+base64key",
            ));
        };
        check_name(name)?;
        if id_hex.len() != 8 || id_hex.chars().any(|c| !matches!(c, '0'..='9' | 'a'..='f')) {
            return Err(note_error("verifier key id must be 8 lowercase hex digits"));
        }
        let raw = B64
            .decode(key_b64)
            .map_err(|_| note_error("verifier key material is not base64"))?;
        if raw.len() != 33 || raw[0] != ALG_ED25519 {
            return Err(note_error(
                "verifier key is not an Ed25519 key (0x01 followed by 32 bytes)",
            ));
        }
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&raw[1..]);
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|_| note_error("verifier key is not a valid Ed25519 point"))?;
        if key.is_weak() {
            return Err(note_error("verifier key is a small-order point"));
        }
        let verifier = NoteVerifier::new(name, key)?;
        if hex::encode(verifier.id) != id_hex {
            return Err(note_error(
                "verifier key id does not match its name and key",
            ));
        }
        Ok(verifier)
    }

    /// The key's name (for a log, its origin).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 4-byte key id.
    pub fn id(&self) -> [u8; 4] {
        self.id
    }

    /// The Ed25519 public key.
    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Opens a signed note: checks its syntax and this key's signature, returns the text.
    ///
    /// Signatures by other keys (witness cosignatures) are allowed and ignored.
    ///
    /// # Errors
    /// [`LedgerError::Checkpoint`] when the note is malformed, carries no signature by this
    /// key, or this key's signature does not verify.
    pub fn open<'n>(&self, note: &'n str) -> Result<&'n str, LedgerError> {
        if note.chars().any(|c| c.is_control() && c != '\n') {
            return Err(note_error("malformed note: control characters"));
        }
        let split = note
            .rfind("\n\n")
            .ok_or_else(|| note_error("malformed note: no blank line before the signatures"))?;
        let text = &note[..=split];
        let signatures = &note[split + 2..];
        if !signatures.ends_with('\n') {
            return Err(note_error(
                "malformed note: signature block must end in a newline",
            ));
        }
        let mut found = false;
        let mut count = 0usize;
        for line in signatures[..signatures.len() - 1].split('\n') {
            count += 1;
            if count > MAX_SIGNATURES {
                return Err(note_error("malformed note: too many signatures"));
            }
            let rest = line
                .strip_prefix(SIG_PREFIX)
                .ok_or_else(|| note_error("malformed note: signature line must start with '— '"))?;
            let (name, b64) = rest.split_once(' ').ok_or_else(|| {
                note_error("malformed note: signature line needs name and base64")
            })?;
            check_name(name)?;
            let raw = B64
                .decode(b64)
                .map_err(|_| note_error("malformed note: signature is not base64"))?;
            if raw.len() < 5 {
                return Err(note_error("malformed note: signature too short"));
            }
            if name != self.name || raw[..4] != self.id {
                continue;
            }
            let signature = Signature::from_slice(&raw[4..]).map_err(|_| {
                note_error(format!(
                    "invalid signature for key {}+{}",
                    self.name,
                    hex::encode(self.id)
                ))
            })?;
            self.key
                .verify_strict(text.as_bytes(), &signature)
                .map_err(|_| {
                    note_error(format!(
                        "invalid signature for key {}+{}",
                        self.name,
                        hex::encode(self.id)
                    ))
                })?;
            found = true;
        }
        if !found {
            return Err(note_error(format!(
                "the note has no signature by key {}+{}",
                self.name,
                hex::encode(self.id)
            )));
        }
        Ok(text)
    }
}

impl std::fmt::Display for NoteVerifier {
    /// The verifier key in signed-note form: `<name>+<hex id>+<base64(0x01 ‖ key)>`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut raw = vec![ALG_ED25519];
        raw.extend_from_slice(self.key.as_bytes());
        write!(
            f,
            "{}+{}+{}",
            self.name,
            hex::encode(self.id),
            B64.encode(raw)
        )
    }
}

/// A note signer: a name and an Ed25519 secret key.
pub struct NoteSigner {
    name: String,
    key: SigningKey,
}

impl std::fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoteSigner")
            .field("name", &self.name)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl NoteSigner {
    /// A fresh key for `name` from the caller's CSPRNG.
    ///
    /// # Errors
    /// [`LedgerError::Checkpoint`] for an invalid name.
    pub fn generate(name: &str, rng: &mut impl CryptoRngCore) -> Result<Self, LedgerError> {
        check_name(name)?;
        Ok(NoteSigner {
            name: name.to_owned(),
            key: SigningKey::generate(rng),
        })
    }

    /// Parses `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 ‖ seed)>`.
    ///
    /// # Errors
    /// [`LedgerError::Checkpoint`] when the text is malformed or the id does not match.
    pub fn parse(text: &str) -> Result<Self, LedgerError> {
        let text = text.trim_end_matches(['\n', '\r']);
        let rest = text
            .strip_prefix("PRIVATE+KEY+")
            .ok_or_else(|| note_error("signer key must start with PRIVATE+KEY+"))?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(note_error(
                "signer key must look like PRIVATE+KEY+name+hexid+base64",
            ));
        };
        check_name(name)?;
        let raw = Zeroizing::new(
            B64.decode(key_b64)
                .map_err(|_| note_error("signer key material is not base64"))?,
        );
        if raw.len() != 33 || raw[0] != ALG_ED25519 {
            return Err(note_error(
                "signer key is not an Ed25519 seed (0x01 + 32 bytes)",
            ));
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        seed.copy_from_slice(&raw[1..]);
        let signer = NoteSigner {
            name: name.to_owned(),
            key: SigningKey::from_bytes(&seed),
        };
        if hex::encode(signer.verifier().id) != id_hex {
            return Err(note_error("signer key id does not match its name and key"));
        }
        Ok(signer)
    }

    /// The signer key in signed-note form (secret: keep it in a 0600 file).
    pub fn to_private_text(&self) -> Zeroizing<String> {
        let mut raw = Zeroizing::new(vec![ALG_ED25519]);
        raw.extend_from_slice(self.key.as_bytes());
        Zeroizing::new(format!(
            "PRIVATE+KEY+{}+{}+{}",
            self.name,
            hex::encode(self.verifier().id),
            B64.encode(&*raw)
        ))
    }

    /// The matching verifier.
    pub fn verifier(&self) -> NoteVerifier {
        let key = self.key.verifying_key();
        NoteVerifier {
            name: self.name.clone(),
            id: key_id(&self.name, &key),
            key,
        }
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Signs `text` (which must end in a newline) and returns the signed note.
    ///
    /// # Errors
    /// [`LedgerError::Checkpoint`] when the text is empty, lacks the final newline, or
    /// contains a blank line or control characters.
    pub fn sign(&self, text: &str) -> Result<String, LedgerError> {
        if text.is_empty() || !text.ends_with('\n') || text.contains("\n\n") {
            return Err(note_error(
                "note text must be non-empty, end in a newline and have no blank line",
            ));
        }
        if text.chars().any(|c| c.is_control() && c != '\n') {
            return Err(note_error("note text has control characters"));
        }
        let signature = self.key.sign(text.as_bytes());
        let mut raw = self.verifier().id.to_vec();
        raw.extend_from_slice(&signature.to_bytes());
        Ok(format!(
            "{text}\n{SIG_PREFIX}{} {}\n",
            self.name,
            B64.encode(raw)
        ))
    }
}

/// A tree head as a C2SP `tlog-checkpoint`: origin, size, root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line (also the name of its key).
    pub origin: String,
    /// Number of entries.
    pub size: u64,
    /// RFC 9162 tree head of those entries.
    pub root: Hash,
}

impl Checkpoint {
    /// The checkpoint body: `origin\nsize\nbase64(root)\n`.
    pub fn to_text(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root.0)
        )
    }

    /// Parses a checkpoint body (extension lines are allowed and ignored).
    ///
    /// # Errors
    /// [`LedgerError::Checkpoint`] when a line is missing or malformed.
    pub fn parse(text: &str) -> Result<Self, LedgerError> {
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| note_error("checkpoint must end in a newline"))?;
        let mut lines = body.split('\n');
        let origin = lines
            .next()
            .filter(|l| !l.is_empty())
            .ok_or_else(|| note_error("checkpoint has no origin line"))?;
        let size_line = lines
            .next()
            .ok_or_else(|| note_error("checkpoint has no size line"))?;
        if size_line.is_empty()
            || !size_line.bytes().all(|b| b.is_ascii_digit())
            || (size_line.len() > 1 && size_line.starts_with('0'))
        {
            return Err(note_error(
                "checkpoint size must be a decimal without leading zeros",
            ));
        }
        let size = size_line
            .parse::<u64>()
            .map_err(|_| note_error("checkpoint size out of range"))?;
        let root_line = lines
            .next()
            .ok_or_else(|| note_error("checkpoint has no root hash line"))?;
        let root_bytes = B64
            .decode(root_line)
            .map_err(|_| note_error("checkpoint root is not base64"))?;
        let root = Hash::from_slice(&root_bytes)
            .map_err(|_| note_error("checkpoint root is not 32 bytes"))?;
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
        })
    }

    /// Reads the checkpoint inside a signed note WITHOUT checking any signature (for
    /// display only; use [`Checkpoint::open`] to rely on it).
    ///
    /// # Errors
    /// [`LedgerError::Checkpoint`] when the note or checkpoint is malformed.
    pub fn parse_unverified(note: &str) -> Result<Self, LedgerError> {
        let split = note
            .rfind("\n\n")
            .ok_or_else(|| note_error("malformed note: no blank line before the signatures"))?;
        Checkpoint::parse(&note[..=split])
    }

    /// Signs this checkpoint into a signed note.
    ///
    /// # Errors
    /// [`LedgerError::Checkpoint`] when the origin is not the signer's name.
    pub fn sign(&self, signer: &NoteSigner) -> Result<String, LedgerError> {
        if self.origin != signer.name() {
            return Err(note_error(
                "the checkpoint origin must be the log key's name",
            ));
        }
        signer.sign(&self.to_text())
    }

    /// Opens a signed checkpoint with the log's verifier key.
    ///
    /// # Errors
    /// [`LedgerError::Checkpoint`] when the signature does not verify, the note or the
    /// checkpoint is malformed, or the origin is not the key's name.
    pub fn open(note: &str, verifier: &NoteVerifier) -> Result<Self, LedgerError> {
        let text = verifier.open(note)?;
        let checkpoint = Checkpoint::parse(text)?;
        if checkpoint.origin != verifier.name() {
            return Err(note_error(format!(
                "checkpoint origin {:?} is not the key's name {:?}",
                checkpoint.origin,
                verifier.name()
            )));
        }
        Ok(checkpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;

    #[test]
    fn checkpoint_round_trip_and_tamper() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let signer = NoteSigner::generate("example.org/log", &mut rng).unwrap();
        let verifier = NoteVerifier::parse(&signer.verifier().to_string()).unwrap();
        let checkpoint = Checkpoint {
            origin: "example.org/log".into(),
            size: 42,
            root: crate::merkle::leaf_hash(b"x"),
        };
        let note = checkpoint.sign(&signer).unwrap();
        assert_eq!(Checkpoint::open(&note, &verifier).unwrap(), checkpoint);
        let tampered = note.replacen("\n42\n", "\n43\n", 1);
        assert!(Checkpoint::open(&tampered, &verifier).is_err());
        let other = NoteSigner::generate("example.org/log", &mut rng).unwrap();
        assert!(Checkpoint::open(&note, &other.verifier()).is_err());
        let round = NoteSigner::parse(&signer.to_private_text()).unwrap();
        assert_eq!(round.verifier(), signer.verifier());
    }
}
