//! Signed credentials: an issuer vouches for a holder's attributes by signing, with
//! EdDSA-Poseidon ([`crate::eddsa`]), one Poseidon hash of everything the credential says.
//!
//! This module owns schemas and attribute values ([`schema`]), issuer and holder key files
//! ([`keys`]), the credential's hash layout ([`CredentialBody::leaves`],
//! [`CredentialBody::hash`]) and the credential file ([`Credential`]). Circuits that prove
//! predicates over credentials recompute the same hash; docs/credentials.md documents the
//! layout for them and for other implementations. In circuits: [`gadget`] (one credential's
//! core: hash, ranges, signature, expiry), [`holder`] (holder binding), [`nullifier`]
//! (scoped nullifiers), [`revocation`] (revocation registry, non-membership).
//!
//! # Hash layout (version 1)
//! Leaves, in order (`n` = number of attributes):
//! 1. `CREDENTIAL_TAG` = [`tagged_field`]`("conclave/credential/hash/v1\0", "")`;
//! 2. the schema: [`schema_to_field`] of its canonical bytes ([`Schema::canonical_bytes`]);
//! 3. `n`;
//! 4. the holder's public key `Ax`, 5. `Ay` (circomlib coordinates);
//! 6. issue date, 7. expiry date (days since 1970-01-01);
//! 8. revocation id (an integer below 2^64);
//! 9. … 8 + n: the attributes in schema order: integers as themselves, dates as days,
//!    strings as [`string_to_field`].
//!
//! The hash is a Poseidon tree of arity 16 (circomlib Poseidon): while more than 16 values
//! remain, cut them into consecutive chunks of 16 (the last may be shorter) and replace
//! each chunk by its Poseidon hash; then hash the remaining ≤ 16 values with
//! `Poseidon(k)`. Up to 8 attributes this is a single `Poseidon(8 + n)`. `n` and the tag
//! in the leaves keep credentials of different shapes apart.
//!
//! # Domain-separated hashing into the field
//! `tagged_field(tag, data)` = SHA-256(`tag ‖ data`) read as a big-endian integer with its
//! top three bits cleared (so below 2^253 < p). Tags: `conclave/credential/string/v1\0`
//! for string attributes, `conclave/credential/schema/v1\0` for schemas,
//! `conclave/credential/hash/v1\0` for the tag leaf.
//!
//! # Security
//! Unforgeability is EdDSA-Poseidon's; binding of the signed hash to the attributes rests
//! on Poseidon's collision resistance and, for strings and schemas, SHA-256's. Verification
//! checks the issuer is the trusted key, the signature, and (given a date) the validity
//! period. Revocation ids are random `u64`s: two credentials of one issuer share one with
//! probability about `k²/2^65` for `k` credentials.

mod error;
pub mod gadget;
pub mod holder;
pub mod keys;
pub mod nullifier;
pub mod revocation;
pub mod schema;

use ark_bn254::Fr;
use ark_ff::PrimeField;
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use error::CredentialError;
pub use schema::{AttributeSpec, AttributeType, AttributeValue, Attributes, Days, Schema};

use crate::eddsa::{PublicKey, SecretKey, Signature, SignatureError};
use crate::poseidon;
use keys::PointJson;

/// Tag of string attributes hashed into the field.
pub const STRING_TAG: &[u8] = b"conclave/credential/string/v1\0";
/// Tag of schemas hashed into the field.
pub const SCHEMA_TAG: &[u8] = b"conclave/credential/schema/v1\0";
/// Tag whose hash is the first leaf of every credential hash.
pub const CREDENTIAL_TAG: &[u8] = b"conclave/credential/hash/v1\0";
/// Leaves before the attributes.
pub const HEADER_LEAVES: usize = 8;
/// Arity of the Poseidon tree.
pub const TREE_ARITY: usize = 16;

/// SHA-256(`tag ‖ data`) as a big-endian integer, top three bits cleared (below 2^253).
pub fn tagged_field(tag: &[u8], data: &[u8]) -> Fr {
    let mut digest: [u8; 32] = Sha256::new()
        .chain_update(tag)
        .chain_update(data)
        .finalize()
        .into();
    digest[0] &= 0x1f;
    Fr::from_be_bytes_mod_order(&digest)
}

/// A string attribute's field element: [`tagged_field`] with [`STRING_TAG`] over its UTF-8.
pub fn string_to_field(text: &str) -> Fr {
    tagged_field(STRING_TAG, text.as_bytes())
}

/// A schema's field element: [`tagged_field`] with [`SCHEMA_TAG`] over its canonical bytes.
pub fn schema_to_field(schema: &Schema) -> Fr {
    tagged_field(SCHEMA_TAG, &schema.canonical_bytes())
}

/// The Poseidon tree of arity 16 over `leaves` (module docs, "Hash layout").
///
/// # Errors
/// [`CredentialError::Hash`] for no leaves.
pub fn poseidon_tree(leaves: &[Fr]) -> Result<Fr, CredentialError> {
    let mut level = leaves.to_vec();
    while level.len() > TREE_ARITY {
        level = level
            .chunks(TREE_ARITY)
            .map(poseidon::hash)
            .collect::<Result<Vec<_>, _>>()
            .map_err(CredentialError::Hash)?;
    }
    poseidon::hash(&level).map_err(CredentialError::Hash)
}

/// What the issuer signs: schema and attributes, holder key, validity and revocation id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialBody {
    attributes: Attributes,
    holder: PublicKey,
    issued: Days,
    expires: Days,
    revocation_id: u64,
}

impl CredentialBody {
    /// A credential body.
    ///
    /// # Errors
    /// [`CredentialError::ExpiresBeforeIssued`].
    pub fn new(
        attributes: Attributes,
        holder: PublicKey,
        issued: Days,
        expires: Days,
        revocation_id: u64,
    ) -> Result<Self, CredentialError> {
        if expires < issued {
            return Err(CredentialError::ExpiresBeforeIssued {
                issued: issued.to_string(),
                expires: expires.to_string(),
            });
        }
        Ok(CredentialBody {
            attributes,
            holder,
            issued,
            expires,
            revocation_id,
        })
    }

    /// A fresh random revocation id.
    pub fn random_revocation_id(rng: &mut impl CryptoRngCore) -> u64 {
        rng.next_u64()
    }

    /// The hash's leaves, in order (module docs, "Hash layout").
    pub fn leaves(&self) -> Vec<Fr> {
        let schema = self.attributes.schema();
        let holder = self.holder.point();
        let mut leaves = vec![
            tagged_field(CREDENTIAL_TAG, b""),
            schema_to_field(schema),
            Fr::from(schema.attributes().len() as u64),
            holder.x(),
            holder.y(),
            self.issued.to_field(),
            self.expires.to_field(),
            Fr::from(self.revocation_id),
        ];
        leaves.extend(
            self.attributes
                .values()
                .iter()
                .map(AttributeValue::to_field),
        );
        leaves
    }

    /// The field element the issuer signs.
    ///
    /// # Errors
    /// None in practice (a schema has 1 to 64 attributes); [`CredentialError::Hash`] otherwise.
    pub fn hash(&self) -> Result<Fr, CredentialError> {
        poseidon_tree(&self.leaves())
    }

    /// Signs the body with the issuer's key.
    ///
    /// # Errors
    /// As [`CredentialBody::hash`].
    pub fn sign(self, issuer: &SecretKey) -> Result<Credential, CredentialError> {
        let signature = issuer.sign(self.hash()?);
        Ok(Credential {
            body: self,
            issuer: issuer.public_key(),
            signature,
        })
    }

    /// The schema.
    pub fn schema(&self) -> &Schema {
        self.attributes.schema()
    }

    /// The attribute values.
    pub fn attributes(&self) -> &Attributes {
        &self.attributes
    }

    /// The holder's public key.
    pub fn holder(&self) -> PublicKey {
        self.holder
    }

    /// Issue date.
    pub fn issued(&self) -> Days {
        self.issued
    }

    /// Expiry date (the last day the credential is valid).
    pub fn expires(&self) -> Days {
        self.expires
    }

    /// The revocation id.
    pub fn revocation_id(&self) -> u64 {
        self.revocation_id
    }
}

/// A signed credential: a body, the issuer's public key and its signature over the body's
/// hash. Decoding checks every point and `S < l`, but not the signature: call
/// [`Credential::verify`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    body: CredentialBody,
    issuer: PublicKey,
    signature: Signature,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialJson {
    version: u64,
    schema: schema::SchemaJson,
    attributes: serde_json::Map<String, serde_json::Value>,
    holder: PointJson,
    issued: String,
    expires: String,
    revocation_id: String,
    issuer: PointJson,
    signature: SignatureJson,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignatureJson {
    #[serde(rename = "R8x")]
    r8x: String,
    #[serde(rename = "R8y")]
    r8y: String,
    #[serde(rename = "S")]
    s: String,
}

fn parse_u64(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    canonical.then(|| text.parse().ok()).flatten()
}

impl Credential {
    /// The signed body.
    pub fn body(&self) -> &CredentialBody {
        &self.body
    }

    /// The issuer's public key, as the credential names it.
    pub fn issuer(&self) -> PublicKey {
        self.issuer
    }

    /// The signature.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }

    /// Checks the credential: issued by `trusted_issuer`, its signature valid over its
    /// hash, and, given `now`, `issued ≤ now ≤ expires`.
    ///
    /// # Errors
    /// [`CredentialError::OtherIssuer`], [`CredentialError::BadSignature`],
    /// [`CredentialError::Expired`], [`CredentialError::NotYetValid`] (all
    /// [`CredentialError::is_invalid`]).
    pub fn verify(
        &self,
        trusted_issuer: &PublicKey,
        now: Option<Days>,
    ) -> Result<(), CredentialError> {
        if self.issuer != *trusted_issuer {
            return Err(CredentialError::OtherIssuer);
        }
        self.issuer
            .verify(self.body.hash()?, &self.signature)
            .map_err(|e| match e {
                SignatureError::Invalid => CredentialError::BadSignature,
                other => CredentialError::MalformedSignature(other),
            })?;
        if let Some(now) = now {
            if now > self.body.expires {
                return Err(CredentialError::Expired {
                    expires: self.body.expires.to_string(),
                    now: now.to_string(),
                });
            }
            if now < self.body.issued {
                return Err(CredentialError::NotYetValid {
                    issued: self.body.issued.to_string(),
                    now: now.to_string(),
                });
            }
        }
        Ok(())
    }

    /// The credential file (JSON, version 1; docs/formats.md, "Credentials").
    ///
    /// # Layout
    /// `{"version": 1, "schema": {…schema file…}, "attributes": {name: value},
    /// "holder": {"Ax", "Ay"}, "issued": "YYYY-MM-DD", "expires": "YYYY-MM-DD",
    /// "revocation_id": "<decimal u64>", "issuer": {"Ax", "Ay"},
    /// "signature": {"R8x", "R8y", "S"}}`, every coordinate and `S` a decimal string.
    pub fn to_json(&self) -> String {
        let (r8x, r8y, s) = self.signature.to_decimal();
        let json = CredentialJson {
            version: 1,
            schema: self.body.schema().to_json_value(),
            attributes: self.body.attributes.to_json_map(),
            holder: PointJson::of(&self.body.holder),
            issued: self.body.issued.to_string(),
            expires: self.body.expires.to_string(),
            revocation_id: self.body.revocation_id.to_string(),
            issuer: PointJson::of(&self.issuer),
            signature: SignatureJson { r8x, r8y, s },
        };
        // Serializing strings, integers and maps of them cannot fail.
        let mut text = serde_json::to_string_pretty(&json).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Decodes a credential file strictly (unknown fields, points off the curve or outside
    /// the subgroup, `S ≥ l`, non-canonical decimals are refused). The signature is not
    /// checked here.
    ///
    /// # Errors
    /// Any malformation, as a [`CredentialError`] that is not [`CredentialError::is_invalid`].
    pub fn from_json(bytes: &[u8]) -> Result<Self, CredentialError> {
        let json: CredentialJson =
            serde_json::from_slice(bytes).map_err(|source| CredentialError::Json {
                what: "credential",
                source,
            })?;
        if json.version != 1 {
            return Err(CredentialError::UnsupportedVersion {
                what: "credential",
                found: json.version,
            });
        }
        let schema = Schema::from_json_value(json.schema)?;
        let attributes = Attributes::from_map(&schema, &json.attributes)?;
        let revocation_id =
            parse_u64(&json.revocation_id).ok_or_else(|| CredentialError::BadRevocationId {
                text: json.revocation_id.clone(),
            })?;
        let body = CredentialBody::new(
            attributes,
            json.holder.key("the credential's holder key")?,
            Days::parse(&json.issued, "issued")?,
            Days::parse(&json.expires, "expires")?,
            revocation_id,
        )?;
        let signature =
            Signature::from_decimal(&json.signature.r8x, &json.signature.r8y, &json.signature.s)
                .map_err(CredentialError::MalformedSignature)?;
        Ok(Credential {
            body,
            issuer: json.issuer.key("the credential's issuer key")?,
            signature,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A change made to a credential's JSON.
    type Alteration = Box<dyn Fn(&mut Value)>;
    use crate::babyjubjub::Fs;
    use ark_ff::{BigInteger, PrimeField};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;
    use serde_json::Value;

    /// Made by `node interop/credential.mjs write-vectors` (circomlibjs Poseidon and EdDSA,
    /// Node's SHA-256: an independent implementation of the layout).
    const VECTORS: &str = include_str!("../../tests/vectors/credential_circomlibjs.json");

    fn cases() -> Vec<Value> {
        let vectors: Value = serde_json::from_str(VECTORS).unwrap();
        vectors["cases"].as_array().unwrap().clone()
    }

    fn decimal(value: &Fr) -> String {
        crate::field::to_decimal(value)
    }

    #[test]
    fn hash_layout_and_signature_match_circomlibjs() {
        let all = cases();
        assert_eq!(all.len(), 2);
        for case in all {
            let text = serde_json::to_vec(&case["credential"]).unwrap();
            let credential = Credential::from_json(&text).unwrap();
            let leaves: Vec<String> = credential.body().leaves().iter().map(decimal).collect();
            let expected: Vec<String> = serde_json::from_value(case["leaves"].clone()).unwrap();
            assert_eq!(leaves, expected);
            assert_eq!(decimal(&credential.body().hash().unwrap()), case["hash"]);
            credential.verify(&credential.issuer(), None).unwrap();
            // Our deterministic signature under the same keys is circomlibjs's, bit for bit.
            let issuer =
                keys::secret_key_from_hex(case["issuer_private_key"].as_str().unwrap()).unwrap();
            let holder =
                keys::secret_key_from_hex(case["holder_private_key"].as_str().unwrap()).unwrap();
            assert_eq!(credential.body().holder(), holder.public_key());
            let resigned = credential.body().clone().sign(&issuer).unwrap();
            assert_eq!(resigned, credential);
            assert_eq!(
                Credential::from_json(resigned.to_json().as_bytes()).unwrap(),
                credential
            );
        }
        // The first case is one Poseidon(11), the second a two-level tree (20 leaves).
        let small =
            Credential::from_json(&serde_json::to_vec(&cases()[0]["credential"]).unwrap()).unwrap();
        let leaves = small.body().leaves();
        assert_eq!(leaves.len(), 11);
        assert_eq!(
            small.body().hash().unwrap(),
            poseidon::hash(&leaves).unwrap()
        );
        assert_eq!(leaves[5], Fr::from(20_788u64)); // 2026-12-01
    }

    #[test]
    fn tree_shape() {
        let leaves: Vec<Fr> = (0..33u64).map(Fr::from).collect();
        let chunks: Vec<Fr> = leaves
            .chunks(16)
            .map(|c| poseidon::hash(c).unwrap())
            .collect();
        assert_eq!(
            poseidon_tree(&leaves).unwrap(),
            poseidon::hash(&chunks).unwrap()
        );
        assert_eq!(
            poseidon_tree(&leaves[..16]).unwrap(),
            poseidon::hash(&leaves[..16]).unwrap()
        );
        assert!(poseidon_tree(&[]).is_err());
        // Strings and schemas: different tags give different elements, all below 2^253.
        assert_ne!(string_to_field("a"), tagged_field(SCHEMA_TAG, b"a"));
        assert!(string_to_field("a").into_bigint().num_bits() <= 253);
    }

    struct Fixture {
        issuer: SecretKey,
        other_issuer: SecretKey,
        holder: SecretKey,
        credential: Credential,
    }

    fn fixture() -> Fixture {
        let mut rng = ChaCha20Rng::seed_from_u64(16);
        let issuer = SecretKey::random(&mut rng);
        let other_issuer = SecretKey::random(&mut rng);
        let holder = SecretKey::random(&mut rng);
        let schema = Schema::from_json(
            br#"{"version":1,"id":"s/v1","attributes":[{"name":"score","type":"uint","bits":16},{"name":"name","type":"string"}]}"#,
        )
        .unwrap();
        let attributes = Attributes::from_json(
            &schema,
            br#"{"version":1,"schema":"s/v1","attributes":{"score":700,"name":"Alice"}}"#,
        )
        .unwrap();
        let body = CredentialBody::new(
            attributes,
            holder.public_key(),
            Days::parse("2026-01-01", "issued").unwrap(),
            Days::parse("2026-12-31", "expires").unwrap(),
            CredentialBody::random_revocation_id(&mut rng),
        )
        .unwrap();
        let credential = body.sign(&issuer).unwrap();
        Fixture {
            issuer,
            other_issuer,
            holder,
            credential,
        }
    }

    fn edit(credential: &Credential, change: impl FnOnce(&mut Value)) -> Vec<u8> {
        let mut json: Value = serde_json::from_str(&credential.to_json()).unwrap();
        change(&mut json);
        serde_json::to_vec(&json).unwrap()
    }

    fn day(text: &str) -> Option<Days> {
        Some(Days::parse(text, "now").unwrap())
    }

    #[test]
    fn verify_accepts_genuine_and_rejects_altered_credentials() {
        let f = fixture();
        let issuer = f.issuer.public_key();
        let c = &f.credential;
        c.verify(&issuer, None).unwrap();
        c.verify(&issuer, day("2026-01-01")).unwrap();
        c.verify(&issuer, day("2026-12-31")).unwrap();
        assert!(matches!(
            c.verify(&issuer, day("2027-01-01")),
            Err(CredentialError::Expired { .. })
        ));
        assert!(matches!(
            c.verify(&issuer, day("2025-12-31")),
            Err(CredentialError::NotYetValid { .. })
        ));
        assert!(matches!(
            c.verify(&f.other_issuer.public_key(), None),
            Err(CredentialError::OtherIssuer)
        ));
        let other_holder = SecretKey::from_bytes([9; 32]).public_key();
        let alterations: Vec<Alteration> = vec![
            Box::new(|j| j["attributes"]["score"] = 701.into()),
            Box::new(|j| j["attributes"]["name"] = "Alicf".into()),
            Box::new(|j| j["expires"] = "2027-12-31".into()),
            Box::new(|j| j["issued"] = "2025-12-31".into()),
            Box::new(|j| j["revocation_id"] = "1".into()),
            Box::new(|j| j["schema"]["id"] = "t/v1".into()),
            Box::new(|j| j["schema"]["attributes"][0]["bits"] = 32.into()),
            Box::new(move |j| {
                let (x, y) = other_holder.point().to_decimal();
                j["holder"] = serde_json::json!({"Ax": x, "Ay": y});
            }),
        ];
        for (i, alter) in alterations.iter().enumerate() {
            let altered = Credential::from_json(&edit(c, alter)).unwrap();
            assert!(
                matches!(
                    altered.verify(&issuer, None),
                    Err(CredentialError::BadSignature)
                ),
                "alteration {i}"
            );
        }
        // Claiming another issuer: the trusted key is that issuer's, but the signature is not.
        let other = f.other_issuer.public_key();
        let (x, y) = other.point().to_decimal();
        let claimed = Credential::from_json(&edit(c, |j| {
            j["issuer"] = serde_json::json!({"Ax": x, "Ay": y})
        }))
        .unwrap();
        let error = claimed.verify(&other, None).unwrap_err();
        assert!(matches!(error, CredentialError::BadSignature) && error.is_invalid());
        // The same body signed by the holder instead of the issuer.
        let self_signed = c.body().clone().sign(&f.holder).unwrap();
        assert!(matches!(
            self_signed.verify(&issuer, None),
            Err(CredentialError::OtherIssuer)
        ));
    }

    #[test]
    fn malformed_credentials_are_refused() {
        let f = fixture();
        let c = &f.credential;
        let l = num_bigint::BigUint::from_bytes_le(&Fs::MODULUS.to_bytes_le());
        let s_plus_l =
            num_bigint::BigUint::parse_bytes(c.signature().to_decimal().2.as_bytes(), 10).unwrap()
                + l;
        let cases: Vec<Alteration> = vec![
            Box::new(move |j| j["signature"]["S"] = s_plus_l.to_string().into()),
            Box::new(|j| j["signature"]["R8x"] = "1".into()),
            Box::new(|j| j["signature"]["S"] = "01".into()),
            Box::new(|j| {
                j["issuer"] = serde_json::json!({"Ax": "0", "Ay":
                    "21888242871839275222246405745257275088548364400416034343698204186575808495616"})
            }),
            Box::new(|j| j["holder"]["Ax"] = "5".into()),
            Box::new(|j| j["version"] = 2.into()),
            Box::new(|j| j["extra"] = 1.into()),
            Box::new(|j| j["signature"]["extra"] = "1".into()),
            Box::new(|j| j["revocation_id"] = "01".into()),
            Box::new(|j| j["revocation_id"] = "18446744073709551616".into()),
            Box::new(|j| j["issued"] = "2027-02-01".into()),
            Box::new(|j| j["expires"] = "2026-02-30".into()),
            Box::new(|j| j["attributes"]["score"] = 70000.into()),
            Box::new(|j| j["attributes"]["extra"] = 1.into()),
            Box::new(|j| {
                j["attributes"].as_object_mut().unwrap().remove("name");
            }),
            Box::new(|j| {
                j.as_object_mut().unwrap().remove("signature");
            }),
        ];
        for (i, change) in cases.iter().enumerate() {
            let error = Credential::from_json(&edit(c, change)).unwrap_err();
            assert!(!error.is_invalid(), "case {i}: {error}");
        }
        assert!(Credential::from_json(b"{").is_err());
        assert!(Credential::from_json(b"").is_err());
    }
}
