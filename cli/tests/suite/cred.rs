//! `conclave cred …` through the real binary: key generation (files 0600, circomlibjs
//! derivation from `--seed-hex`), issuing the example credentials, verifying (exit 0 valid,
//! 1 invalid / expired / other issuer, 2 malformed), overwrites refused without `--force`,
//! and circomlibjs's `verifyPoseidon` accepting our signature over the hash it recomputes
//! (`interop/credential.mjs`, skipped when `interop/node_modules` is missing); `cred revoke`
//! creating and updating the signed revocation registry in place, refusing a second
//! revocation (exit 1), other keys and damaged registries (exit 2, file untouched).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::{expect, json, refused};

/// Copies the example schemas and attribute files into `dir`.
fn examples(dir: &Path) {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/data");
    for name in [
        "credit-score.schema.json",
        "bank-account.schema.json",
        "alice-score.json",
        "alice-bank.json",
    ] {
        std::fs::copy(data.join(name), dir.join(name)).unwrap();
    }
}

/// Bureau and Alice keys, and Alice's score credential `alice-score.cred.json`.
fn issue_score(d: &Path) -> Value {
    examples(d);
    expect(d, 0, "cred issuer-keygen --out bureau");
    expect(d, 0, "cred holder-keygen --out alice");
    json(&expect(
        d,
        0,
        "--json cred issue --issuer-key bureau/issuer.key --schema credit-score.schema.json \
         --attributes alice-score.json --holder alice/holder.pub.json --issued 2026-12-01 \
         --expires 2027-12-31 --out alice-score.cred.json",
    ))
}

const VERIFY: &str =
    "--json cred verify --credential alice-score.cred.json --issuer bureau/issuer.pub.json";

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn issue_and_verify_the_example_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let issued = issue_score(d);
    assert_eq!(issued["ok"], true);
    assert_eq!(issued["schema"], "example.org/credit-score/v1");
    #[cfg(unix)]
    for key in ["bureau/issuer.key", "alice/holder.key"] {
        assert_eq!(mode(&d.join(key)), 0o600, "{key}");
    }
    let valid = json(&expect(d, 0, &format!("{VERIFY} --now 2027-06-01")));
    assert_eq!(
        (valid["ok"].clone(), valid["valid"].clone()),
        (true.into(), true.into())
    );
    assert_eq!(valid["hash"], issued["hash"]);
    assert_eq!(valid["attributes"]["score"], 712);
    // The last day is valid, the day after is not, nor the day before issue.
    expect(d, 0, &format!("{VERIFY} --now 2027-12-31"));
    let expired = json(&expect(d, 1, &format!("{VERIFY} --now 2028-01-01")));
    assert_eq!(
        (expired["ok"].clone(), expired["valid"].clone()),
        (false.into(), false.into())
    );
    assert!(expired["reason"].as_str().unwrap().contains("expired"));
    expect(d, 1, &format!("{VERIFY} --now 2026-11-30"));
    // The bank credential too, from the same bureau key for brevity.
    expect(
        d,
        0,
        "cred issue --issuer-key bureau/issuer.key --schema bank-account.schema.json \
         --attributes alice-bank.json --holder alice/holder.pub.json --expires 2099-12-31 \
         --revocation-id 42 --out alice-bank.cred.json",
    );
    let bank = json(&expect(
        d,
        0,
        "--json cred verify --credential alice-bank.cred.json --issuer bureau/issuer.pub.json",
    ));
    assert_eq!(bank["revocation_id"], "42");
    assert_eq!(bank["attributes"]["debt"], 12500);
}

#[test]
fn altered_credentials_and_other_issuers_are_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    issue_score(d);
    expect(d, 0, "cred issuer-keygen --out other");
    let other = json(&expect(
        d,
        1,
        "--json cred verify --credential alice-score.cred.json --issuer other/issuer.pub.json \
         --now 2027-01-01",
    ));
    assert!(other["reason"].as_str().unwrap().contains("another key"));
    let original = std::fs::read_to_string(d.join("alice-score.cred.json")).unwrap();
    let alter = |name: &str, change: &dyn Fn(&mut Value)| {
        let mut value: Value = serde_json::from_str(&original).unwrap();
        change(&mut value);
        std::fs::write(d.join(name), serde_json::to_string(&value).unwrap()).unwrap();
    };
    alter("score.json", &|v| v["attributes"]["score"] = 850.into());
    alter("expiry.json", &|v| v["expires"] = "2099-12-31".into());
    let bob: Value = {
        expect(d, 0, "cred holder-keygen --out bob");
        serde_json::from_str(&std::fs::read_to_string(d.join("bob/holder.pub.json")).unwrap())
            .unwrap()
    };
    alter("holder.json", &|v| {
        v["holder"] = serde_json::json!({"Ax": bob["Ax"], "Ay": bob["Ay"]})
    });
    for name in ["score.json", "expiry.json", "holder.json"] {
        let out = json(&expect(
            d,
            1,
            &format!(
                "--json cred verify --credential {name} --issuer bureau/issuer.pub.json \
                 --now 2027-01-01"
            ),
        ));
        assert!(
            out["reason"].as_str().unwrap().contains("does not verify"),
            "{name}"
        );
    }
    // Malformed: exit 2.
    alter("extra.json", &|v| v["extra"] = 1.into());
    refused(
        d,
        "cred verify --credential extra.json --issuer bureau/issuer.pub.json",
        "unknown field",
    );
    alter("s.json", &|v| v["signature"]["S"] = "-1".into());
    refused(
        d,
        "cred verify --credential s.json --issuer bureau/issuer.pub.json",
        "subgroup order",
    );
    std::fs::write(d.join("cut.json"), &original[..original.len() / 2]).unwrap();
    refused(
        d,
        "cred verify --credential cut.json --issuer bureau/issuer.pub.json",
        "cut.json",
    );
    // A holder key where the issuer's belongs.
    refused(
        d,
        "cred verify --credential alice-score.cred.json --issuer alice/holder.pub.json",
        "issuer-public-key",
    );
    let err = json(&expect(
        d,
        2,
        "--json cred verify --credential cut.json --issuer bureau/issuer.pub.json",
    ));
    assert_eq!(err["ok"], false);
}

#[test]
fn seed_hex_gives_circomlibjs_keys_and_files_are_not_replaced_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // circomlibjs test/eddsa.js: prv2pub of this key.
    let seed = "0001020304050607080900010203040506070809000102030405060708090001";
    let out = json(&expect(
        d,
        0,
        &format!("--json cred issuer-keygen --seed-hex {seed} --out k"),
    ));
    assert_eq!(
        out["Ax"],
        "13277427435165878497778222415993513565335242147425444199013288855685581939618"
    );
    assert_eq!(
        out["Ay"],
        "13622229784656158136036771217484571176836296686641868549125388198837476602820"
    );
    let key = std::fs::read_to_string(d.join("k/issuer.key")).unwrap();
    refused(
        d,
        "cred issuer-keygen --out k",
        "already exists; pass --force",
    );
    assert_eq!(
        std::fs::read_to_string(d.join("k/issuer.key")).unwrap(),
        key
    );
    expect(d, 0, "--force cred issuer-keygen --out k");
    assert_ne!(
        std::fs::read_to_string(d.join("k/issuer.key")).unwrap(),
        key
    );
    #[cfg(unix)]
    assert_eq!(mode(&d.join("k/issuer.key")), 0o600);
    refused(
        d,
        "cred issuer-keygen --seed-hex 00ff --out k2",
        "64 hexadecimal",
    );

    issue_score(d);
    let issue = "cred issue --issuer-key bureau/issuer.key --schema credit-score.schema.json \
                 --attributes alice-score.json --holder alice/holder.pub.json \
                 --expires 2027-12-31 --out alice-score.cred.json";
    refused(d, issue, "already exists; pass --force");
    expect(d, 0, &format!("--force {issue}"));
    // Never over an input, not even with --force.
    refused(
        d,
        &issue.replace(
            "--out alice-score.cred.json",
            "--out alice-score.json --force",
        ),
        "is also an input",
    );
    // Secret key readable by others: refused.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = d.join("bureau/issuer.key");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        expect(d, 2, &format!("--force {issue}"));
    }
    // Attribute values that the schema refuses.
    std::fs::write(
        d.join("bad.json"),
        r#"{"version":1,"schema":"example.org/credit-score/v1","attributes":{"score":70000,"as_of":"2026-11-30","bureau":"x"}}"#,
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = d.join("bureau/issuer.key");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    refused(
        d,
        "cred issue --issuer-key bureau/issuer.key --schema credit-score.schema.json \
         --attributes bad.json --holder alice/holder.pub.json --expires 2027-12-31 --out x.json",
        "below 2^16",
    );
    refused(
        d,
        "cred issue --issuer-key bureau/issuer.key --schema credit-score.schema.json \
         --attributes alice-score.json --holder alice/holder.pub.json --expires 2027-02-30 \
         --out x.json",
        "YYYY-MM-DD",
    );
    refused(
        d,
        "cred issue --issuer-key bureau/issuer.key --schema credit-score.schema.json \
         --attributes alice-bank.json --holder alice/holder.pub.json --expires 2027-12-31 \
         --out x.json",
        "is for schema \"example.org/bank-account/v1\"",
    );
    // The issuer's public key where the holder's belongs.
    refused(
        d,
        "cred issue --issuer-key bureau/issuer.key --schema credit-score.schema.json \
         --attributes alice-score.json --holder bureau/issuer.pub.json --expires 2027-12-31 \
         --out x.json",
        "holder-public-key",
    );
    assert!(!d.join("x.json").exists());
}

pub(crate) fn interop_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop");
    if dir.join("node_modules/circomlibjs").exists() {
        return Some(dir);
    }
    // CI installs the interop peers (`npm ci --prefix interop`): there a missing install
    // is a failure, not a reason to skip.
    assert!(
        std::env::var_os("CI").is_none(),
        "circomlibjs is not installed: run `npm ci --prefix interop`"
    );
    eprintln!("skipped: interop/node_modules is missing (run `npm ci --prefix interop`)");
    None
}

fn circomlibjs_verify(interop: &Path, credential: &Path) -> Value {
    let output = Command::new("node")
        .arg(interop.join("credential.mjs"))
        .arg("verify")
        .arg(credential)
        .output()
        .expect("node runs");
    assert!(
        output.status.success(),
        "node: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn circomlibjs_verifies_the_issued_credential() {
    let Some(interop) = interop_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let issued = issue_score(d);
    let path = d.join("alice-score.cred.json");
    let theirs = circomlibjs_verify(&interop, &path);
    assert_eq!(theirs["hash"], issued["hash"]);
    assert_eq!(theirs["valid"], true);
    // A changed attribute: circomlibjs's hash changes and the signature no longer verifies.
    let mut value: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    value["attributes"]["score"] = 713.into();
    let altered = d.join("altered.json");
    std::fs::write(&altered, serde_json::to_string(&value).unwrap()).unwrap();
    let theirs = circomlibjs_verify(&interop, &altered);
    assert_ne!(theirs["hash"], issued["hash"]);
    assert_eq!(theirs["valid"], false);
}

const REVOKE: &str =
    "--json cred revoke --issuer-key bureau/issuer.key --registry bureau/revoked.json";

#[test]
fn revoke_creates_and_updates_the_signed_registry() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    expect(d, 0, "cred issuer-keygen --out bureau");
    let first = json(&expect(d, 0, &format!("{REVOKE} --id 42")));
    assert_eq!(first["created"], true);
    assert_eq!(first["sequence"], "1");
    assert_eq!(first["revoked"], 1);
    let second = json(&expect(d, 0, &format!("{REVOKE} --id 7")));
    assert_eq!(second["created"], false);
    assert_eq!(second["sequence"], "2");
    assert_ne!(second["root"], first["root"]);
    let registry: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("bureau/revoked.json")).unwrap())
            .unwrap();
    assert_eq!(registry["revoked"], serde_json::json!(["7", "42"]));
    assert_eq!(registry["root"], second["root"]);
    assert_eq!(registry["type"], "revocation-registry");
    // The library reads and checks what the command wrote (signature, root).
    let parsed = conclave_circuits::credential::revocation::RevocationRegistry::from_json(
        &std::fs::read(d.join("bureau/revoked.json")).unwrap(),
    )
    .unwrap();
    assert!(parsed.tree().is_revoked(7) && parsed.tree().is_revoked(42));
    assert!(parsed.non_membership(42).is_err());

    // Twice: exit 1, the registry unchanged (byte for byte).
    let before = std::fs::read(d.join("bureau/revoked.json")).unwrap();
    let again = json(&expect(d, 1, &format!("{REVOKE} --id 42")));
    assert_eq!(again["already_revoked"], true);
    assert_eq!(again["sequence"], "2");
    assert_eq!(
        std::fs::read(d.join("bureau/revoked.json")).unwrap(),
        before
    );
    // --force changes nothing about in-place updates.
    let forced = json(&expect(d, 0, &format!("--force {REVOKE} --id 8")));
    assert_eq!(forced["sequence"], "3");
}

#[test]
fn revoke_refuses_other_keys_and_damaged_registries_without_touching_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    expect(d, 0, "cred issuer-keygen --out bureau");
    expect(d, 0, "cred issuer-keygen --out other");
    expect(d, 0, "cred holder-keygen --out alice");
    expect(d, 0, &format!("{REVOKE} --id 42"));
    let path = d.join("bureau/revoked.json");
    let good = std::fs::read(&path).unwrap();
    // Another issuer's key on the bureau's registry: refused, unchanged.
    refused(
        d,
        "cred revoke --issuer-key other/issuer.key --registry bureau/revoked.json --id 1",
        "another issuer",
    );
    assert_eq!(std::fs::read(&path).unwrap(), good);
    // A holder key is not an issuer key.
    refused(
        d,
        "cred revoke --issuer-key alice/holder.key --registry bureau/revoked.json --id 1",
        "issuer-secret-key",
    );
    // The key file is never the registry.
    refused(
        d,
        "cred revoke --issuer-key bureau/issuer.key --registry bureau/issuer.key --id 1",
        "also an input",
    );
    // A truncated registry: refused (exit 2), left as it is.
    let truncated = &good[..good.len() / 2];
    std::fs::write(&path, truncated).unwrap();
    refused(d, &format!("{REVOKE} --id 1"), "not a valid registry");
    assert_eq!(std::fs::read(&path).unwrap(), truncated);
    // An altered one (an id removed): the root or signature no longer matches.
    let mut value: Value = serde_json::from_slice(&good).unwrap();
    value["revoked"] = serde_json::json!([]);
    std::fs::write(&path, serde_json::to_vec(&value).unwrap()).unwrap();
    refused(d, &format!("{REVOKE} --id 1"), "does not match");
    // Not a number.
    refused(
        d,
        "cred revoke --issuer-key bureau/issuer.key --registry fresh.json --id -1",
        "",
    );
    assert!(!d.join("fresh.json").exists());
}
