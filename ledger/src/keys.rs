//! Key files of a ledger directory: the checkpoint signing key (`log.key`, 0600), its
//! published verifier key (`log.pub`) and the operator credential (`operator.key`, 0600).
//!
//! # Layout
//! `log.key`: JSON `{"version": 1, "kind": "conclave.ledger.log-key", "signer_key":
//! "PRIVATE+KEY+<origin>+<hex id>+<base64>"}` (the signer key in signed-note form).
//! `operator.key`: JSON `{"version": 1, "kind": "conclave.ledger.operator", "token": "<64 hex>"}`.
//! `log.pub`: one line, the signed-note verifier key `<origin>+<hex id>+<base64>`.
//!
//! # Security
//! Secret files are created 0600 before any byte is written, and refused when readable by
//! others. Tokens and key text are zeroized after use. Key files are read up to
//! [`MAX_KEY_FILE`] bytes; larger files (or `/dev/zero`) are refused unread.

use std::fs;
use std::io::{Read, Write};
use std::path::Path;

use rand_core::CryptoRngCore;
use serde_json::{json, Value};
use zeroize::Zeroizing;

use crate::error::LedgerError;
use crate::note::{NoteSigner, NoteVerifier};

/// Largest key file read (`log.key`, `log.pub`, `operator.key` are a few hundred bytes).
pub const MAX_KEY_FILE: usize = 16 * 1024;

/// Reads a key file as text, refusing files above [`MAX_KEY_FILE`] without reading them
/// whole.
fn read_key_text(path: &Path, what: &'static str) -> Result<Zeroizing<String>, LedgerError> {
    let file = fs::File::open(path).map_err(|e| LedgerError::io(path, e))?;
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(MAX_KEY_FILE as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| LedgerError::io(path, e))?;
    if bytes.len() > MAX_KEY_FILE {
        return Err(LedgerError::TooLarge {
            what,
            size: bytes.len(),
            limit: MAX_KEY_FILE,
        });
    }
    let text =
        std::str::from_utf8(&bytes).map_err(|_| LedgerError::malformed(what, "not UTF-8"))?;
    Ok(Zeroizing::new(text.to_owned()))
}

/// The operator credential: 32 random bytes, as hex.
pub struct OperatorToken(Zeroizing<String>);

impl std::fmt::Debug for OperatorToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OperatorToken(<redacted>)")
    }
}

impl OperatorToken {
    /// A fresh token from the caller's CSPRNG.
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(&mut *bytes);
        OperatorToken(Zeroizing::new(hex::encode(*bytes)))
    }

    /// The token text (secret).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Writes a secret file: readable only by its owner (0600 on Unix from creation, since
/// the temporary file it starts as is created so), complete or absent, never replacing
/// an existing file.
///
/// # Errors
/// [`LedgerError::Io`], also when `path` exists.
pub fn write_secret(path: &Path, bytes: &[u8]) -> Result<(), LedgerError> {
    write_new(path, bytes, 0o600)
}

/// Writes a public file (0644), complete or absent, never replacing an existing file.
///
/// # Errors
/// [`LedgerError::Io`], also when `path` exists.
pub fn write_public(path: &Path, bytes: &[u8]) -> Result<(), LedgerError> {
    write_new(path, bytes, 0o644)
}

/// A temporary file in the same folder (0600), written and synced, then linked to `path`
/// unless something is there already, and the folder synced.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), LedgerError> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file =
        tempfile::NamedTempFile::new_in(folder).map_err(|e| LedgerError::io(folder, e))?;
    file.write_all(bytes)
        .and_then(|()| file.as_file().sync_all())
        .map_err(|e| LedgerError::io(path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(fs::Permissions::from_mode(mode))
            .map_err(|e| LedgerError::io(path, e))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    file.persist_noclobber(path)
        .map_err(|e| LedgerError::io(path, e.error))?;
    fs::File::open(folder)
        .and_then(|dir| dir.sync_all())
        .map_err(|e| LedgerError::io(folder, e))
}

fn read_secret(path: &Path, what: &'static str) -> Result<Zeroizing<String>, LedgerError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path)
            .map_err(|e| LedgerError::io(path, e))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(LedgerError::io(
                path,
                std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    format!(
                        "secret file is readable by others (mode {:o}); run `chmod 600 {}`",
                        mode & 0o777,
                        path.display()
                    ),
                ),
            ));
        }
    }
    read_key_text(path, what)
}

fn parse_versioned(text: &str, kind: &str, what: &'static str) -> Result<Value, LedgerError> {
    let value: Value = serde_json::from_str(text).map_err(|e| LedgerError::malformed(what, e))?;
    let version = value.get("version").and_then(Value::as_u64).unwrap_or(0);
    if version != 1 {
        return Err(LedgerError::UnsupportedVersion {
            what,
            found: version,
            supported: 1,
        });
    }
    if value.get("kind").and_then(Value::as_str) != Some(kind) {
        return Err(LedgerError::malformed(
            what,
            format!("\"kind\" must be {kind:?}"),
        ));
    }
    Ok(value)
}

/// Writes `log.key`.
///
/// # Errors
/// [`LedgerError::Io`].
pub fn write_log_key(path: &Path, signer: &NoteSigner) -> Result<(), LedgerError> {
    let text = Zeroizing::new(
        json!({
            "version": 1,
            "kind": "conclave.ledger.log-key",
            "signer_key": &*signer.to_private_text(),
        })
        .to_string(),
    );
    write_secret(path, text.as_bytes())
}

/// Reads `log.key`.
///
/// # Errors
/// [`LedgerError::Io`] (including too-open permissions), malformed files.
pub fn read_log_key(path: &Path) -> Result<NoteSigner, LedgerError> {
    let text = read_secret(path, "log key file")?;
    let value = parse_versioned(&text, "conclave.ledger.log-key", "log key file")?;
    let key = value
        .get("signer_key")
        .and_then(Value::as_str)
        .ok_or_else(|| LedgerError::malformed("log key file", "missing \"signer_key\""))?;
    NoteSigner::parse(key)
}

/// Writes `operator.key`.
///
/// # Errors
/// [`LedgerError::Io`].
pub fn write_operator_token(path: &Path, token: &OperatorToken) -> Result<(), LedgerError> {
    let text = Zeroizing::new(
        json!({ "version": 1, "kind": "conclave.ledger.operator", "token": token.expose() })
            .to_string(),
    );
    write_secret(path, text.as_bytes())
}

/// Reads `operator.key`.
///
/// # Errors
/// [`LedgerError::Io`] (including too-open permissions), malformed files.
pub fn read_operator_token(path: &Path) -> Result<OperatorToken, LedgerError> {
    let text = read_secret(path, "operator key file")?;
    let value = parse_versioned(&text, "conclave.ledger.operator", "operator key file")?;
    let token = value
        .get("token")
        .and_then(Value::as_str)
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| {
            LedgerError::malformed("operator key file", "\"token\" must be 64 hex digits")
        })?;
    Ok(OperatorToken(Zeroizing::new(token.to_owned())))
}

/// Reads a verifier key file (`log.pub`, one line).
///
/// # Errors
/// [`LedgerError::Io`], [`LedgerError::Checkpoint`] for a malformed key.
pub fn read_verifier_key(path: &Path) -> Result<NoteVerifier, LedgerError> {
    let text = read_key_text(path, "verifier key file")?;
    NoteVerifier::parse(text.trim())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::store::{files, Ledger};
    use rand_chacha::rand_core::SeedableRng;

    #[test]
    fn key_files_are_0600_and_never_replaced() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("ledger");
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        // A log key left from an earlier set-up (no database yet) must survive a new init.
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(files::LOG_KEY), b"earlier key").unwrap();
        assert!(Ledger::init(&dir, "keys.test/log", &mut rng).is_err());
        assert_eq!(fs::read(dir.join(files::LOG_KEY)).unwrap(), b"earlier key");
        // A stray operator key alone: refused before any file is written.
        let half = temp.path().join("half");
        fs::create_dir_all(&half).unwrap();
        fs::write(half.join(files::OPERATOR_KEY), b"earlier token").unwrap();
        assert!(Ledger::init(&half, "keys.test/log", &mut rng).is_err());
        assert!(!half.join(files::LOG_KEY).exists() && !half.join(files::LOG_PUB).exists());
        // In a clean folder: secrets 0600, the public key readable, no temporary files left.
        let clean = temp.path().join("clean");
        Ledger::init(&clean, "keys.test/log", &mut rng).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode =
                |name: &str| fs::metadata(clean.join(name)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(files::LOG_KEY), 0o600);
            assert_eq!(mode(files::OPERATOR_KEY), 0o600);
            assert_eq!(mode(files::LOG_PUB), 0o644);
        }
        let names: Vec<String> = fs::read_dir(&clean)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.starts_with(".tmp")), "{names:?}");
        assert!(write_secret(&clean.join(files::LOG_KEY), b"x").is_err());
    }
}
