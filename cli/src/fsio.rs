//! File helpers shared by every command: read with the path in the error, write secrets 0600.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;

use anyhow::Context;

/// Reads a whole file, naming it in the error.
pub fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    fs::read(path).with_context(|| format!("{}: cannot read", path.display()))
}

/// Writes a public file, creating parent directories.
pub fn write_public(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    create_parent(path)?;
    fs::write(path, bytes).with_context(|| format!("{}: cannot write", path.display()))
}

/// Writes a secret file readable only by its owner (0600 on Unix), creating parents.
///
/// An existing file is replaced and its permissions tightened before any byte is written.
pub fn write_secret(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    create_parent(path)?;
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("{}: cannot create secret file", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o600))
            .with_context(|| format!("{}: cannot restrict permissions", path.display()))?;
    }
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("{}: cannot write secret file", path.display()))
}

/// Refuses to read a secret file that others may read (mode wider than 0600 on Unix).
pub fn check_secret_permissions(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path)
            .with_context(|| format!("{}: cannot read", path.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            anyhow::bail!(
                "{}: secret file is readable by others (mode {:o}); run `chmod 600 {}`",
                path.display(),
                mode & 0o777,
                path.display()
            );
        }
    }
    Ok(())
}

fn create_parent(path: &Path) -> anyhow::Result<()> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => fs::create_dir_all(parent)
            .with_context(|| format!("{}: cannot create directory", parent.display())),
        _ => Ok(()),
    }
}
