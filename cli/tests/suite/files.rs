//! The file contract of every command, through the real binary: no existing file is
//! replaced without `--force`, no input ever (not even with `--force`), secrets are written
//! 0600 and atomically, every reader has a size limit (`/dev/zero`, a 50 MB "proof"),
//! secret values come from stdin or a file; and the output contract: usage errors are JSON
//! with `--json`, messages carry no Rust `Debug` structures.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use crate::common::{expect, json, refused, stderr, stdout, with_stdin};

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap()
}

/// Names in `dir` (to check that no temporary file is left behind).
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn existing_files_are_replaced_only_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    expect(d, 0, "zk commit --value 712 --out secret.json");
    let first = read(d, "secret.json");
    for line in [
        "zk commit --value 1 --out secret.json",
        "range commit --value 1 --out secret.json",
    ] {
        let output = refused(d, line, "secret.json: already exists; pass --force");
        assert!(!stderr(&output).contains("tmp"), "{}", stderr(&output));
    }
    assert_eq!(read(d, "secret.json"), first, "the secret is untouched");
    assert_eq!(names(d), ["secret.json"], "no temporary file is left");

    // --force is global: before or after the subcommand.
    expect(d, 0, "--force zk commit --value 1 --out secret.json");
    assert_ne!(read(d, "secret.json"), first);
    expect(d, 0, "range commit --value 2 --out secret.json --force");
    #[cfg(unix)]
    {
        // Replaced by a fresh 0600 file even where the old one was wider.
        use std::os::unix::fs::PermissionsExt;
        let path = d.join("pub.json");
        std::fs::write(&path, b"old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        expect(d, 0, "--force range commit --value 3 --out pub.json");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&d.join("secret.json")), 0o600);
    }
    assert_eq!(names(d), ["pub.json", "secret.json"]);

    // MPC keys: refused as a whole (nothing written), replaced with --force.
    expect(d, 0, "mpc keygen --party 1 --out p1");
    let key = read(d, "p1/signing.key");
    std::fs::remove_file(d.join("p1/signing.pub")).unwrap();
    refused(
        d,
        "mpc keygen --party 1 --out p1",
        "p1/tls.key: already exists",
    );
    assert!(!d.join("p1/signing.pub").exists());
    assert_eq!(read(d, "p1/signing.key"), key);
    expect(d, 0, "--force mpc keygen --party 1 --out p1");
    assert_ne!(read(d, "p1/signing.key"), key);

    // Public outputs too: nothing is written when any output exists.
    expect(
        d,
        0,
        "range commit --value 4 --out a.json --commitment ca.json",
    );
    let commitment = read(d, "ca.json");
    refused(
        d,
        "range commit --value 5 --out b.json --commitment ca.json",
        "ca.json: already exists",
    );
    assert!(
        !d.join("b.json").exists(),
        "checked before anything is written"
    );
    assert_eq!(read(d, "ca.json"), commitment);
}

#[test]
fn an_input_is_never_an_output_even_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    expect(d, 0, "zk commit --value 712 --out secret.json");
    expect(d, 0, "zk setup --statement threshold --bits 8 --out keys");
    let secret = read(d, "secret.json");
    for (line, needle) in [
        (
            "--force zk prove --pk keys/threshold.pk --secret secret.json --threshold 650 \
             --out secret.json",
            "secret.json: is also an input",
        ),
        (
            "--force zk prove --pk keys/threshold.pk --secret ./keys/../secret.json \
             --threshold 650 --out secret.json",
            "is also an input",
        ),
        (
            "--force zk prove --pk keys/threshold.pk --secret secret.json --threshold 650 \
             --out keys/threshold.pk",
            "keys/threshold.pk: is also an input",
        ),
        (
            "--force zk commit --value-file secret.json --out secret.json",
            "is also an input",
        ),
    ] {
        refused(d, line, needle);
    }
    assert_eq!(read(d, "secret.json"), secret);

    expect(
        d,
        0,
        "range commit --value 10 --out a.json --commitment ca.json",
    );
    expect(
        d,
        0,
        "range commit --value 20 --out b.json --commitment cb.json",
    );
    let a = read(d, "a.json");
    refused(
        d,
        "--force range add --openings a.json b.json --out a.json",
        "a.json: is also an input",
    );
    refused(
        d,
        "--force range add --openings a.json b.json --out t.json --commitment b.json",
        "b.json: is also an input",
    );
    refused(
        d,
        "--force range add ca.json cb.json --out cb.json",
        "cb.json: is also an input",
    );
    assert_eq!(read(d, "a.json"), a);
    // Two outputs of one command may not be the same file.
    refused(
        d,
        "range commit --value 5 --out f.json --commitment f.json",
        "f.json: given for two outputs",
    );
    refused(
        d,
        "--force range commit --value 5 --out a.json --commitment ./a.json",
        "given for two outputs",
    );
    assert!(!d.join("f.json").exists());
    assert_eq!(read(d, "a.json"), a);
    #[cfg(unix)]
    {
        // A symbolic link to an input is the input.
        std::os::unix::fs::symlink(d.join("a.json"), d.join("link.json")).unwrap();
        refused(
            d,
            "--force range add --openings a.json b.json --out link.json",
            "link.json: is also an input",
        );
        assert_eq!(read(d, "a.json"), a);
    }
}

#[test]
fn readers_refuse_oversized_input_naming_file_and_limit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A 50 MB "proof": refused from its size, without reading it.
    let big = std::fs::File::create(d.join("big.json")).unwrap();
    big.set_len(50_000_000).unwrap();
    drop(big);
    refused(
        d,
        "range verify --proof big.json",
        "big.json: larger than 64 KiB, the limit for a range proof",
    );
    refused(
        d,
        "zk verify --vk big.json --proof big.json",
        "big.json: larger than 64 KiB, the limit for a Groth16 verifying key",
    );
    refused(
        d,
        "range add big.json --out total.json",
        "big.json: larger than 64 KiB, the limit for a range commitment",
    );
    #[cfg(target_os = "linux")]
    {
        // An endless device: at most limit + 1 bytes are read.
        expect(d, 0, "zk setup --statement threshold --bits 8 --out keys");
        for (line, needle) in [
            (
                "zk verify --vk keys/threshold.vk --proof /dev/zero",
                "/dev/zero: larger than 64 KiB, the limit for a Groth16 proof",
            ),
            (
                "zk verify --vk /dev/zero --proof /dev/zero",
                "/dev/zero: larger than 64 KiB",
            ),
            (
                "range verify --proof /dev/zero",
                "/dev/zero: larger than 64 KiB",
            ),
            (
                "he aggregate --public-key /dev/zero --input x.ct --out y.ct",
                "/dev/zero: larger than 1 MiB",
            ),
            (
                "zk commit --value-file /dev/zero --out s.json",
                "/dev/zero: larger than 1 KiB, the limit for a secret value",
            ),
        ] {
            let output = refused(d, line, needle);
            assert!(!stderr(&output).contains("panicked"), "{line}");
        }
        let output = expect(
            d,
            2,
            "--json zk verify --vk keys/threshold.vk --proof /dev/zero",
        );
        assert_eq!(json(&output)["ok"], false);
    }
}

#[test]
fn secret_values_come_from_stdin_or_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let output = with_stdin(d, "zk commit --value - --out s1.json", "712\n");
    assert!(output.status.success(), "{}", stderr(&output));
    let secret: serde_json::Value = serde_json::from_slice(&read(d, "s1.json")).unwrap();
    assert_eq!(secret["value"], "712");

    std::fs::write(d.join("value.txt"), " 18000\n").unwrap();
    expect(d, 0, "range commit --value-file value.txt --out o.json");
    let opening: serde_json::Value = serde_json::from_slice(&read(d, "o.json")).unwrap();
    assert_eq!(opening["value"], 18000);
    let output = with_stdin(d, "range commit --value - --out o2.json", "42");
    assert!(output.status.success(), "{}", stderr(&output));
    let opening: serde_json::Value = serde_json::from_slice(&read(d, "o2.json")).unwrap();
    assert_eq!(opening["value"], 42);
    // The old form still works.
    expect(d, 0, "zk commit --value 5 --out s2.json");

    // Bad values: exit 2, and the text given is not echoed back.
    let output = with_stdin(d, "zk commit --value - --out s3.json", "hunter2\n");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("not an unsigned integer"));
    assert!(!stderr(&output).contains("hunter2"));
    assert!(!d.join("s3.json").exists());
    refused(
        d,
        "zk commit --value 5 --value-file value.txt --out s4.json",
        "cannot be used with",
    );
    refused(d, "range commit --out s5.json", "--value");
}

#[test]
fn usage_errors_are_json_with_json_and_help_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (line, needle) in [
        (
            "--json zk verify --vk a.vk --proof p.json --bogus",
            "--bogus",
        ),
        ("zk verify --json --vk a.vk", "--proof"),
        ("--json zk commit --value 1", "--out"),
        ("--json zk", "subcommand"),
        ("--json frobnicate", "frobnicate"),
    ] {
        let output = expect(d, 2, line);
        let report = json(&output);
        assert_eq!(report["ok"], false, "{line}");
        let error = report["error"].as_str().unwrap();
        assert!(error.contains(needle), "{line}: {error}");
        assert!(!error.starts_with("error:"), "{line}: {error}");
    }
    // Without --json, clap's message (with its usage line) on stderr, nothing on stdout.
    let output = expect(d, 2, "zk verify --vk a.vk --proof p.json --bogus");
    assert!(stdout(&output).is_empty());
    assert!(stderr(&output).contains("--bogus") && stderr(&output).contains("Usage"));
    // Help and version are not errors.
    assert!(stdout(&expect(d, 0, "--help")).contains("--force"));
    assert!(stdout(&expect(d, 0, "--json zk verify --help")).contains("Usage"));
    assert!(stdout(&expect(d, 0, "--version")).contains("conclave"));
}

#[test]
fn error_messages_carry_no_debug_structures() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    expect(d, 0, "zk setup --statement threshold --bits 8 --out keys");
    expect(d, 0, "zk commit --value 100 --out secret.json");
    let pk = read(d, "keys/threshold.pk");
    std::fs::write(d.join("cut.pk"), &pk[..pk.len() / 2]).unwrap();
    let vk = read(d, "keys/threshold.vk");
    std::fs::write(d.join("cut.vk"), &vk[..vk.len() - 7]).unwrap();
    std::fs::create_dir(d.join("folder")).unwrap();
    for line in [
        "zk prove --pk cut.pk --secret secret.json --threshold 50 --out p.json",
        "zk verify --vk cut.vk --proof cut.vk",
        "zk verify --vk missing.vk --proof p.json",
        "zk verify --vk folder --proof p.json",
        "range verify --proof folder",
        "he partial-decrypt --state missing.state --input x.ct --out y.json",
    ] {
        let output = expect(d, 2, &format!("--json {line}"));
        let error = json(&output)["error"].as_str().unwrap().to_owned();
        for debug in ["Error {", "kind:", "Os {", "code:", "Custom {"] {
            assert!(!error.contains(debug), "{line}: {error}");
        }
    }
}
