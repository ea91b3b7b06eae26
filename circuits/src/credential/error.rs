//! The error type of credentials: schemas, attribute files, key files and signed credentials.

use crate::babyjubjub::PointError;
use crate::eddsa::SignatureError;

/// Everything that can go wrong reading, issuing or verifying a credential.
///
/// [`CredentialError::is_invalid`] separates "well-formed but not acceptable" (a signature
/// that does not verify, another issuer, expired, not yet valid) from malformed input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// The JSON text could not be decoded (syntax, a missing or unknown field, a wrong type).
    #[error("{what}: not a valid file of this format: {source}")]
    Json {
        /// Which format was expected.
        what: &'static str,
        /// serde_json's explanation.
        #[source]
        source: serde_json::Error,
    },
    /// The file's `version` is not one this code reads.
    #[error("{what}: version {found} is not supported (this program reads version 1)")]
    UnsupportedVersion {
        /// Which format.
        what: &'static str,
        /// The version found.
        found: u64,
    },
    /// The file's `type` names another kind of file (a holder key given as an issuer key…).
    #[error("{what}: this file is a \"{found}\", not a \"{expected}\"")]
    WrongFileType {
        /// Which format was expected.
        what: &'static str,
        /// The expected `type`.
        expected: &'static str,
        /// The `type` found.
        found: String,
    },
    /// Some text or list is longer than its limit.
    #[error("{what} is too long: {found} (at most {limit})")]
    TooLong {
        /// What is too long.
        what: &'static str,
        /// Its length (bytes or entries).
        found: usize,
        /// The limit.
        limit: usize,
    },
    /// A schema id or attribute name uses characters outside its alphabet.
    #[error(
        "{what} {name:?} is not allowed: use a-z, 0-9 and _ (schema ids may also use \
         . / : -), starting with a letter"
    )]
    BadName {
        /// "schema id" or "attribute name".
        what: &'static str,
        /// The offending name.
        name: String,
    },
    /// An attribute file is for another schema than the one given.
    #[error("the attribute file is for schema {found:?}, not {expected:?}")]
    SchemaMismatch {
        /// The schema given.
        expected: String,
        /// The schema the attribute file names.
        found: String,
    },
    /// A schema lists no attribute.
    #[error("the schema has no attribute; list at least one")]
    NoAttributes,
    /// A schema names one attribute twice.
    #[error("attribute {name:?} appears twice in the schema")]
    DuplicateAttribute {
        /// The repeated name.
        name: String,
    },
    /// An unsigned-integer attribute's width is not 1 to 64 bits.
    #[error("attribute {name:?}: bits must be 1 to 64, not {bits}")]
    BadWidth {
        /// The attribute.
        name: String,
        /// The width given.
        bits: u64,
    },
    /// `bits` was given for an attribute that is not an unsigned integer.
    #[error("attribute {name:?}: bits applies only to type \"uint\"")]
    WidthNotApplicable {
        /// The attribute.
        name: String,
    },
    /// The attributes name one the schema does not have.
    #[error("attribute {name:?} is not in schema {schema:?}")]
    UnknownAttribute {
        /// The unknown name.
        name: String,
        /// The schema id.
        schema: String,
    },
    /// The attributes lack one of the schema's.
    #[error("attribute {name:?} of schema {schema:?} is missing")]
    MissingAttribute {
        /// The missing name.
        name: String,
        /// The schema id.
        schema: String,
    },
    /// A value does not have its attribute's type.
    #[error("attribute {name:?} must be {expected}")]
    WrongType {
        /// The attribute.
        name: String,
        /// What the schema asks for, in words.
        expected: &'static str,
    },
    /// An unsigned integer does not fit its attribute's width.
    #[error("attribute {name:?} must be below 2^{bits}")]
    OutOfRange {
        /// The attribute.
        name: String,
        /// Its width.
        bits: u8,
    },
    /// A date is not `YYYY-MM-DD` between 1970-01-01 and 9999-12-31.
    #[error("{what}: {text:?} is not a date: write YYYY-MM-DD, from 1970-01-01 to 9999-12-31")]
    BadDate {
        /// Which date.
        what: String,
        /// The text given.
        text: String,
    },
    /// A day count is beyond 9999-12-31.
    #[error("{what}: day {days} is after 9999-12-31")]
    DayOutOfRange {
        /// Which date.
        what: String,
        /// The day count.
        days: u64,
    },
    /// The expiry date is before the issue date.
    #[error("the credential would expire ({expires}) before it is issued ({issued})")]
    ExpiresBeforeIssued {
        /// Issue date.
        issued: String,
        /// Expiry date.
        expires: String,
    },
    /// A revocation id is not a canonical decimal u64.
    #[error("revocation_id {text:?} is not a decimal integer below 2^64 (no leading zeros)")]
    BadRevocationId {
        /// The text given.
        text: String,
    },
    /// A private key is not 64 hexadecimal digits.
    #[error("{what}: the private key must be 64 hexadecimal digits (32 bytes)")]
    BadSecretKey {
        /// Which key file.
        what: &'static str,
    },
    /// A key point is not acceptable (off the curve, small order, non-canonical…).
    #[error("{what}: {source}")]
    Point {
        /// Which key.
        what: &'static str,
        /// The reason.
        #[source]
        source: PointError,
    },
    /// The signature is malformed (`S ≥ l`, `R8` not acceptable).
    #[error("the credential's signature is malformed: {0}")]
    MalformedSignature(#[source] SignatureError),
    /// The signature does not verify over the credential's hash: forged or altered.
    #[error(
        "the issuer's signature does not verify over this credential's contents: it was \
         altered after issuance or not signed by this key"
    )]
    BadSignature,
    /// The credential names another issuer than the one the verifier trusts.
    #[error("the credential was issued by another key than the trusted issuer's")]
    OtherIssuer,
    /// The credential has expired.
    #[error("the credential expired on {expires} (checked on {now})")]
    Expired {
        /// Expiry date.
        expires: String,
        /// The date checked against.
        now: String,
    },
    /// The credential's issue date is after the date checked against.
    #[error("the credential is not valid before {issued} (checked on {now})")]
    NotYetValid {
        /// Issue date.
        issued: String,
        /// The date checked against.
        now: String,
    },
    /// The Poseidon hash could not be computed (internal: arity out of range).
    #[error("cannot hash the credential: {0}")]
    Hash(#[source] crate::ZkError),
}

impl CredentialError {
    /// Whether this means "well-formed but not acceptable" (exit code 1 in the CLI) rather
    /// than malformed input.
    pub fn is_invalid(&self) -> bool {
        matches!(
            self,
            CredentialError::BadSignature
                | CredentialError::OtherIssuer
                | CredentialError::Expired { .. }
                | CredentialError::NotYetValid { .. }
        )
    }
}
