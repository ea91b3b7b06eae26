//! Test fixtures shared by the predicate statement's unit tests: the example
//! predicate, the example schemas and a signed bureau credential for a holder.
#![allow(clippy::unwrap_used)]

use crate::credential::{Attributes, Credential, CredentialBody, Days, Schema};
use crate::eddsa::SecretKey;

/// The two-credential predicate.
pub const EXAMPLE: &str =
    "bureau.score >= 650 && bank.debt < 20000 && bank.income >= 3 * bank.debt";

/// The example schema of `bureau` (credit score) or, for any other name, the bank account.
pub fn schema(name: &str) -> Schema {
    let bytes: &[u8] = match name {
        "bureau" => include_bytes!("../../../../examples/data/credit-score.schema.json"),
        _ => include_bytes!("../../../../examples/data/bank-account.schema.json"),
    };
    Schema::from_json(bytes).unwrap()
}

/// Alice's example score credential, signed by `issuer` for `holder`, with revocation id
/// `id`, valid 2026-11-01 to 2027-12-31.
pub fn credential(issuer: &SecretKey, holder: &SecretKey, id: u64) -> Credential {
    let schema = schema("bureau");
    let attributes = Attributes::from_json(
        &schema,
        include_bytes!("../../../../examples/data/alice-score.json"),
    )
    .unwrap();
    let day = |t| Days::parse(t, "day").unwrap();
    CredentialBody::new(
        attributes,
        holder.public_key(),
        day("2026-11-01"),
        day("2027-12-31"),
        id,
    )
    .unwrap()
    .sign(issuer)
    .unwrap()
}
