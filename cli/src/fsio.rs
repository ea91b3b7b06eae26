//! Every file the CLI reads or writes goes through here.
//!
//! - **Reads** take a [`Limit`] per format (the table in docs/formats.md, "Size limits"):
//!   at most `limit + 1` bytes are ever read, so `/dev/zero`, a FIFO or a 50 MB "proof" is
//!   refused with the file and the limit named instead of growing memory until the kernel
//!   kills the process.
//! - **Writes** go through a [`WritePolicy`] (the global `--force` flag) and a [`Plan`]
//!   (one command's inputs and outputs, checked before any work is done): an existing file
//!   is replaced only with `--force`, a command's own input never (not even with
//!   `--force`), and two outputs of one command may not be the same file.
//! - Every write is **atomic**: a temporary file in the destination's folder (created 0600
//!   for secrets, so no byte is ever readable by others), write, fsync, rename (or, without
//!   `--force`, a no-clobber link that fails if the destination appeared meanwhile), fsync
//!   of the folder. A crash leaves the old file or the new one, never half of either.
//!
//! Security: identity of files is compared both by canonical path and by (device, inode),
//! so `./a.json`, `dir/../a.json`, a symlink and a hard link to an input are all refused.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use zeroize::Zeroizing;

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const GIB: u64 = 1024 * MIB;

/// The largest file accepted for one format (docs/formats.md, "Size limits").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    what: &'static str,
    bytes: u64,
}

impl Limit {
    const fn new(what: &'static str, bytes: u64) -> Self {
        Limit { what, bytes }
    }

    /// A secret value given on stdin (`--value -`) or in a file (`--value-file`).
    pub const SECRET_VALUE: Limit = Limit::new("secret value", KIB);
    /// Secret values to share (`mpc share --value -` or `--value-file`), one per line.
    pub const SECRET_VALUES: Limit = Limit::new("list of secret values", MIB);
    /// `zk commit` secret file.
    pub const ZK_SECRET: Limit = Limit::new("zk secret file", 4 * KIB);
    /// Groth16 proving key (`.pk`, binary or JSON).
    pub const GROTH16_PROVING_KEY: Limit = Limit::new("Groth16 proving key", 64 * MIB);
    /// Groth16 verifying key (`.vk`, `.vk.json`).
    pub const GROTH16_VERIFYING_KEY: Limit = Limit::new("Groth16 verifying key", 64 * KIB);
    /// Groth16 proof (binary or JSON).
    pub const GROTH16_PROOF: Limit = Limit::new("Groth16 proof", 64 * KIB);
    /// snarkjs `verification_key.json`, `proof.json` or `public.json`.
    pub const SNARKJS: Limit = Limit::new("snarkjs JSON file", 256 * KIB);
    /// Bulletproofs commitment (public).
    pub const RANGE_COMMITMENT: Limit = Limit::new("range commitment", 64 * KIB);
    /// Bulletproofs opening (secret).
    pub const RANGE_OPENING: Limit = Limit::new("range opening", 64 * KIB);
    /// Bulletproofs range proof.
    pub const RANGE_PROOF: Limit = Limit::new("range proof", 64 * KIB);
    /// Threshold-ElGamal trustee state (secret), DKG round messages, joint public key and
    /// partial decryptions.
    pub const HE_THRESHOLD: Limit = Limit::new("threshold key-generation file", MIB);
    /// Threshold-ElGamal ciphertext (an aggregate lists the hash of every summand).
    pub const HE_CIPHERTEXT: Limit = Limit::new("threshold ciphertext", 64 * MIB);
    /// TFHE client key (secret).
    pub const TFHE_CLIENT_KEY: Limit = Limit::new("TFHE client key", 256 * MIB);
    /// TFHE compressed server key.
    pub const TFHE_SERVER_KEY: Limit = Limit::new("TFHE server key", GIB);
    /// TFHE encrypted features or encrypted score.
    pub const TFHE_CIPHERTEXT: Limit = Limit::new("TFHE ciphertext", 64 * MIB);
    /// Linear model or feature vector (JSON) for TFHE scoring.
    pub const HE_MODEL: Limit = Limit::new("model or features JSON file", MIB);
    /// A file submitted to the ledger (proof, verifying key, range proof, result record).
    pub const LEDGER_ENTRY: Limit = Limit::new("ledger entry file", MIB);
    /// MPC text files: party config, keys, certificates, job files, share files, CSV inputs.
    pub const MPC_TEXT: Limit = Limit::new("MPC input file", 64 * MIB);
    /// Credential key files (issuer or holder, secret or public).
    pub const CRED_KEY: Limit = Limit::new("credential key file", 4 * KIB);
    /// Credentials, credential schemas and attribute files.
    pub const CRED_FILE: Limit = Limit::new("credential, schema or attribute file", 256 * KIB);
    /// An issuer's revocation registry (`cred revoke`; at most 65,536 ids of ≤ 20 digits).
    pub const REVOCATION_REGISTRY: Limit = Limit::new("revocation registry", 4 * MIB);
    /// `results.json` of a `conclave bench` report (read by `conclave bench --markdown`).
    pub const BENCH_RESULTS: Limit = Limit::new("conclave bench results.json", 64 * MIB);

    /// The limit in bytes.
    #[cfg(test)]
    pub fn bytes(self) -> u64 {
        self.bytes
    }
}

/// `1 KiB`, `64 MiB`…: limits are powers of two, printed as such.
fn human(bytes: u64) -> String {
    match bytes {
        b if b >= GIB && b % GIB == 0 => format!("{} GiB", b / GIB),
        b if b >= MIB && b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b >= KIB && b % KIB == 0 => format!("{} KiB", b / KIB),
        b => format!("{b} bytes"),
    }
}

fn too_large(name: &str, limit: Limit) -> anyhow::Error {
    anyhow!(
        "{name}: larger than {}, the limit for a {} (see \"Size limits\" in docs/formats.md)",
        human(limit.bytes),
        limit.what
    )
}

/// Reads at most `limit + 1` bytes from `reader`; refuses more, naming `name` and the limit.
fn read_bounded(
    reader: impl Read,
    name: &str,
    limit: Limit,
    capacity: u64,
) -> anyhow::Result<Vec<u8>> {
    let capacity = usize::try_from(capacity.min(limit.bytes) + 1).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    reader
        .take(limit.bytes + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("{name}: cannot read"))?;
    if bytes.len() as u64 > limit.bytes {
        return Err(too_large(name, limit));
    }
    Ok(bytes)
}

/// Reads a whole file of the format `limit` describes, naming the file in every error.
///
/// # Errors
/// The file cannot be opened or read, is a directory, or is larger than the limit (a
/// regular file is refused from its size without reading it; anything else, `/dev/zero`
/// say, after `limit + 1` bytes).
pub fn read(path: &Path, limit: Limit) -> anyhow::Result<Vec<u8>> {
    let name = path.display().to_string();
    let file = File::open(path).with_context(|| format!("{name}: cannot read"))?;
    let metadata = file
        .metadata()
        .with_context(|| format!("{name}: cannot read"))?;
    if metadata.is_dir() {
        bail!("{name}: is a directory, not a {}", limit.what);
    }
    if metadata.is_file() && metadata.len() > limit.bytes {
        return Err(too_large(&name, limit));
    }
    read_bounded(file, &name, limit, metadata.len())
}

/// Reads a secret file (refusing one that others may read), zeroized when dropped.
///
/// # Errors
/// As [`read`], and [`check_secret_permissions`].
pub fn read_secret(path: &Path, limit: Limit) -> anyhow::Result<Zeroizing<Vec<u8>>> {
    check_secret_permissions(path)?;
    read(path, limit).map(Zeroizing::new)
}

/// Where a secret value comes from: `--value N`, `--value -` (stdin) or `--value-file F`.
/// (No `Debug`: it may hold the value.)
pub enum SecretSource {
    /// Given on the command line (visible to other users in the process list).
    Argument(String),
    /// Read from standard input (`--value -`).
    Stdin,
    /// Read from a file (`--value-file`).
    File(PathBuf),
}

impl SecretSource {
    /// From the `--value` and `--value-file` options (clap guarantees exactly one).
    pub fn from_options(value: Option<String>, file: Option<PathBuf>) -> anyhow::Result<Self> {
        match (value, file) {
            (Some(value), None) if value == "-" => Ok(SecretSource::Stdin),
            (Some(value), None) => Ok(SecretSource::Argument(value)),
            (None, Some(file)) => Ok(SecretSource::File(file)),
            _ => bail!("give the secret value with --value N, --value - (stdin) or --value-file F"),
        }
    }

    /// The files this source reads (for [`WritePolicy::plan`]).
    pub fn input(&self) -> Option<&Path> {
        match self {
            SecretSource::File(path) => Some(path),
            _ => None,
        }
    }

    /// The raw text of the source (at most `limit`) and how to name it in messages.
    fn read_text(&self, limit: Limit) -> anyhow::Result<(Zeroizing<Vec<u8>>, String)> {
        Ok(match self {
            SecretSource::Argument(text) => {
                (Zeroizing::new(text.as_bytes().to_vec()), "--value".into())
            }
            SecretSource::Stdin => {
                let bytes = read_bounded(std::io::stdin().lock(), "standard input", limit, 64)?;
                (Zeroizing::new(bytes), "the value on standard input".into())
            }
            SecretSource::File(path) => (
                Zeroizing::new(read(path, limit)?),
                path.display().to_string(),
            ),
        })
    }

    /// Reads the value as an unsigned 64-bit integer (surrounding whitespace ignored).
    ///
    /// # Errors
    /// Unreadable source, more than [`Limit::SECRET_VALUE`], or not an integer; the value
    /// itself is never echoed in the message.
    pub fn read_u64(&self) -> anyhow::Result<u64> {
        let (text, name) = self.read_text(Limit::SECRET_VALUE)?;
        std::str::from_utf8(&text)
            .ok()
            .map(str::trim)
            .and_then(|t| t.parse::<u64>().ok())
            .ok_or_else(|| anyhow!("{name}: not an unsigned integer (0 to 18446744073709551615)"))
    }

    /// Reads signed 64-bit integers separated by white space (one per line, say).
    ///
    /// # Errors
    /// Unreadable source, more than [`Limit::SECRET_VALUES`], no value, or a word that is
    /// not an integer (named by its position, never echoed).
    pub fn read_i64_list(&self) -> anyhow::Result<Vec<i64>> {
        let (text, name) = self.read_text(Limit::SECRET_VALUES)?;
        let text = std::str::from_utf8(&text).map_err(|_| anyhow!("{name}: not text"))?;
        let values = text
            .split_whitespace()
            .enumerate()
            .map(|(i, word)| {
                word.parse::<i64>()
                    .map_err(|_| anyhow!("{name}: value {} is not a signed 64-bit integer", i + 1))
            })
            .collect::<anyhow::Result<Vec<i64>>>()?;
        anyhow::ensure!(!values.is_empty(), "{name}: no value to share");
        Ok(values)
    }
}

/// Whether existing files may be replaced: the global `--force` flag.
///
/// Passed explicitly to every command (through [`crate::output::Output::writes`]); there
/// is no global switch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WritePolicy {
    force: bool,
}

/// How one side of a comparison is known: canonical path and (device, inode) if it exists.
struct Identity {
    given: PathBuf,
    resolved: PathBuf,
    inode: Option<(u64, u64)>,
}

impl Identity {
    fn of(path: &Path) -> Self {
        Identity {
            given: path.to_path_buf(),
            resolved: resolve(path),
            inode: inode(path),
        }
    }

    fn same(&self, other: &Identity) -> bool {
        self.resolved == other.resolved
            || matches!((self.inode, other.inode), (Some(a), Some(b)) if a == b)
    }
}

#[cfg(unix)]
fn inode(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn inode(_path: &Path) -> Option<(u64, u64)> {
    None
}

/// The canonical form of `path`, also for a file (and folders) that do not exist yet: the
/// longest existing ancestor canonicalized, the rest appended.
fn resolve(path: &Path) -> PathBuf {
    if let Ok(canonical) = fs::canonicalize(path) {
        return canonical;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => {
            let parent = if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            };
            resolve(parent).join(name)
        }
        _ => path.to_path_buf(),
    }
}

impl WritePolicy {
    /// Replaces nothing that exists: for writes into a fresh folder (the demo's).
    pub const NO_OVERWRITE: WritePolicy = WritePolicy { force: false };

    /// `force`: whether `--force` was given.
    pub fn new(force: bool) -> Self {
        WritePolicy { force }
    }

    /// Checks one command's outputs before it does any work: no output is one of `inputs`
    /// (not even with `--force`), no two outputs are the same file, and none exists unless
    /// `--force` was given.
    ///
    /// # Errors
    /// The first violation, naming the file and the fix.
    pub fn plan(self, inputs: &[&Path], outputs: &[&Path]) -> anyhow::Result<Plan> {
        let plan = Plan {
            force: self.force,
            inputs: inputs.iter().map(|p| Identity::of(p)).collect(),
        };
        let outputs: Vec<Identity> = outputs.iter().map(|p| Identity::of(p)).collect();
        for (i, output) in outputs.iter().enumerate() {
            if let Some(earlier) = outputs[..i].iter().find(|o| o.same(output)) {
                bail!(
                    "{}: given for two outputs of this command (also as {}); choose a \
                     different file for each output",
                    output.given.display(),
                    earlier.given.display()
                );
            }
            plan.check(&output.given)?;
        }
        Ok(plan)
    }

    /// Writes a public file atomically (no inputs to protect: [`Plan::write_public`] otherwise).
    ///
    /// # Errors
    /// As [`Plan::write_public`].
    pub fn write_public(self, path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
        self.plan(&[], &[path])?.write_public(path, bytes)
    }

    /// Writes a secret file atomically, 0600 from creation ([`Plan::write_secret`]).
    ///
    /// # Errors
    /// As [`Plan::write_secret`].
    pub fn write_secret(self, path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
        self.plan(&[], &[path])?.write_secret(path, bytes)
    }
}

/// One command's checked inputs and write policy; every output goes through it.
pub struct Plan {
    force: bool,
    inputs: Vec<Identity>,
}

impl Plan {
    /// Refuses `path` if it is one of the inputs, or exists and `--force` was not given.
    fn check(&self, path: &Path) -> anyhow::Result<()> {
        let output = Identity::of(path);
        if let Some(input) = self.inputs.iter().find(|i| i.same(&output)) {
            bail!(
                "{}: is also an input of this command ({}); write the output to another \
                 file (not even --force replaces an input)",
                path.display(),
                input.given.display()
            );
        }
        if !self.force && fs::symlink_metadata(path).is_ok() {
            bail!(
                "{}: already exists; pass --force to replace it",
                path.display()
            );
        }
        Ok(())
    }

    /// Writes a public file atomically (umask applies, as for any new file).
    ///
    /// # Errors
    /// The file is an input, exists without `--force`, or cannot be written.
    pub fn write_public(&self, path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
        self.check(path)?;
        write_atomic(path, bytes, Secrecy::Public, self.force)
    }

    /// Writes a secret file: readable only by its owner (0600) from its creation, atomic.
    ///
    /// # Errors
    /// The file is an input, exists without `--force`, or cannot be written.
    pub fn write_secret(&self, path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
        self.check(path)?;
        write_atomic(path, bytes, Secrecy::Secret, self.force)
    }

    /// Replaces a secret input by its next version (a trustee state advancing one round):
    /// the caller has checked that this is the right update; atomic, 0600.
    ///
    /// # Errors
    /// The file is not one of this plan's inputs, or cannot be written.
    pub fn replace_secret(&self, path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
        let target = Identity::of(path);
        anyhow::ensure!(
            self.inputs.iter().any(|i| i.same(&target)),
            "{}: only an input of this command can be updated in place",
            path.display()
        );
        write_atomic(path, bytes, Secrecy::Secret, true)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Secrecy {
    Public,
    Secret,
}

/// The one atomic writer: temporary file in the same folder (0600 from creation for
/// secrets), write, fsync, rename (`replace`) or no-clobber link, fsync the folder.
fn write_atomic(path: &Path, bytes: &[u8], secrecy: Secrecy, replace: bool) -> anyhow::Result<()> {
    let name = path.display();
    let file_name = path
        .file_name()
        .ok_or_else(|| anyhow!("{name}: not a file name"))?;
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).with_context(|| format!("{}: cannot create folder", dir.display()))?;
    let prefix = format!(".{}.", file_name.to_string_lossy());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match secrecy {
            Secrecy::Secret => 0o600,
            Secrecy::Public => 0o666,
        };
        builder.permissions(fs::Permissions::from_mode(mode));
    }
    let mut temp = builder
        .tempfile_in(dir)
        .with_context(|| format!("{name}: cannot create a file in {}", dir.display()))?;
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .with_context(|| format!("{name}: cannot write"))?;
    let persisted = if replace {
        temp.persist(path)
    } else {
        temp.persist_noclobber(path)
    };
    match persisted {
        Ok(_) => {}
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
            bail!("{name}: already exists; pass --force to replace it")
        }
        Err(e) => return Err(e.error).with_context(|| format!("{name}: cannot write")),
    }
    sync_dir(dir).with_context(|| format!("{}: cannot sync folder", dir.display()))
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    match File::open(dir).and_then(|d| d.sync_all()) {
        // Some file systems cannot sync a folder; the rename is still atomic there.
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => Ok(()),
        other => other,
    }
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Refuses to read a secret file that others may read (mode wider than 0600 on Unix).
///
/// # Errors
/// The file cannot be inspected or is group/world-accessible.
pub fn check_secret_permissions(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path)
            .with_context(|| format!("{}: cannot read", path.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            bail!(
                "{}: secret file is readable by others (mode {:o}); run `chmod 600 {}`",
                path.display(),
                mode & 0o777,
                path.display()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_are_bounded_and_name_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        fs::write(&path, vec![b'x'; 65 * 1024]).unwrap();
        let error = read(&path, Limit::GROTH16_PROOF).unwrap_err().to_string();
        assert!(
            error.contains("p.json") && error.contains("64 KiB"),
            "{error}"
        );
        fs::write(&path, vec![b'x'; 64 * 1024]).unwrap();
        assert_eq!(read(&path, Limit::GROTH16_PROOF).unwrap().len(), 64 * 1024);
        #[cfg(unix)]
        {
            let error = read(Path::new("/dev/zero"), Limit::GROTH16_PROOF).unwrap_err();
            assert!(error.to_string().contains("larger than 64 KiB"), "{error}");
        }
    }

    #[test]
    fn plan_refuses_inputs_duplicates_and_existing_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let input = d.join("in.json");
        fs::write(&input, b"x").unwrap();
        let strict = WritePolicy::new(false);
        let force = WritePolicy::new(true);
        let alias = d.join("sub/../in.json");
        fs::create_dir(d.join("sub")).unwrap();
        for policy in [strict, force] {
            assert!(policy.plan(&[&input], &[&alias]).is_err());
            assert!(policy
                .plan(&[], &[&d.join("new"), &d.join("./new")])
                .is_err());
        }
        assert!(strict.plan(&[], &[&input]).is_err());
        assert!(force.plan(&[], &[&input]).is_ok());
        let plan = strict.plan(&[&input], &[&d.join("out")]).unwrap();
        plan.write_secret(&d.join("out"), b"secret").unwrap();
        assert!(plan.write_secret(&d.join("out"), b"again").is_err());
        assert_eq!(fs::read(d.join("out")).unwrap(), b"secret");
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(d).unwrap().count(), 3);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(d.join("out")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn limits_print_as_powers_of_two() {
        assert_eq!(human(Limit::TFHE_SERVER_KEY.bytes()), "1 GiB");
        assert_eq!(human(Limit::GROTH16_PROOF.bytes()), "64 KiB");
        assert_eq!(human(1000), "1000 bytes");
    }
}
