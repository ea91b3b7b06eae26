//! Credential predicate proofs (`conclave_circuits::statement::predicate`) on chain: the
//! verifier contract's key for a predicate verifying key, the `verifyProof` / `submit`
//! arguments of a predicate proof, and the registry [`Policy`] of a predicate statement
//! (which public input is which, and the values the policy pins).
//!
//! # Layout
//! The predicate statement's public inputs, in order (its module documentation): for each
//! alias in byte order of its name the issuer key's `Ax`, `Ay`; for each parameter in
//! byte order of its name (`$now` among them) its value; the scope; the nullifier; for
//! each revocable alias in byte order of its name the root of its issuer's revocation tree.
//! [`PredicateLayout`] gives these positions; [`policy`] pins every issuer key and every
//! parameter except `$now` (a date the registry compares with the block's day), checks
//! the scope and records nullifiers under it, and takes the revocation root from the set
//! of roots the registry's owner accepts.
//!
//! # Security
//! A policy that left an issuer key or a parameter free would let the prover choose it
//! (any issuer, `$min_income = 0`): [`policy`] refuses to build one. The registry checks
//! the values; their meaning (which issuer is trusted for an alias) is the owner's choice.

use std::collections::BTreeMap;

use alloy::primitives::{Address, U256};
use ark_bn254::{Bn254, Fr};
use ark_ff::{BigInteger, PrimeField};
use ark_serialize::CanonicalDeserialize;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use conclave_circuits::credential::nullifier::scope_to_field;
use conclave_circuits::eddsa::PublicKey;
use conclave_circuits::statement::predicate::{
    PredicateProof, PredicateStatement, PredicateVerifyingKey, NOW,
};

use crate::registry::Policy;
use crate::verifier::{ProofCalldata, VerifierKey};
use crate::EthError;

/// A field element as a `uint256`.
pub fn word(value: Fr) -> U256 {
    U256::from_be_slice(&value.into_bigint().to_bytes_be())
}

/// Decodes the base64 field `field` of a JSON file into a checked arkworks value
/// (compressed, points on the curve and in their subgroups, no trailing bytes).
fn ark_field<T: CanonicalDeserialize>(
    what: &'static str,
    json: &[u8],
    field: &str,
) -> Result<T, EthError> {
    let malformed = |reason: &str| EthError::Malformed {
        what,
        reason: reason.to_owned(),
    };
    let value: serde_json::Value =
        serde_json::from_slice(json).map_err(|e| malformed(&format!("not JSON ({e})")))?;
    let text = value[field]
        .as_str()
        .ok_or_else(|| malformed(&format!("no {field:?} text field")))?;
    let bytes = BASE64
        .decode(text)
        .map_err(|_| malformed(&format!("{field:?} is not base64")))?;
    let mut reader = bytes.as_slice();
    let decoded = T::deserialize_compressed(&mut reader)
        .map_err(|e| malformed(&format!("{field:?} does not decode ({e})")))?;
    if !reader.is_empty() {
        return Err(malformed(&format!("{field:?} has trailing bytes")));
    }
    Ok(decoded)
}

/// A predicate verifying key file (`zk setup --predicate`) and the verifier contract's
/// key for it.
///
/// # Errors
/// [`EthError::Predicate`] for a file that is not a valid predicate verifying key,
/// [`EthError::UnsupportedInputCount`] when the statement has more than
/// [`crate::verifier::MAX_PUBLIC_INPUTS`] public inputs.
pub fn verifier_key(vk_json: &[u8]) -> Result<(PredicateVerifyingKey, VerifierKey), EthError> {
    let key = PredicateVerifyingKey::from_json(vk_json).map_err(EthError::Predicate)?;
    // The file's id covers this field (checked by `from_json`), so it is the key's.
    let ark: ark_groth16::VerifyingKey<Bn254> =
        ark_field("predicate verifying key", vk_json, "key")?;
    let verifier = VerifierKey::from_ark(&ark)?;
    Ok((key, verifier))
}

/// A predicate proof file (`zk prove --credential …`) made for `key`, and its
/// `verifyProof` arguments (public inputs in circuit order).
///
/// # Errors
/// [`EthError::Predicate`] for a malformed proof or values that do not fit the statement,
/// [`EthError::ProofForOtherKey`] for a proof made for another key.
pub fn proof_calldata(
    key: &PredicateVerifyingKey,
    proof_json: &[u8],
) -> Result<(PredicateProof, ProofCalldata), EthError> {
    let proof = PredicateProof::from_json(proof_json).map_err(EthError::Predicate)?;
    if proof.vk_id_hex() != key.id_hex() || proof.predicate() != key.statement().text() {
        return Err(EthError::ProofForOtherKey {
            key: key.id_hex(),
            proof_key: proof.vk_id_hex(),
        });
    }
    let inputs = proof
        .public_inputs(key.statement())
        .map_err(EthError::Predicate)?;
    let ark: ark_groth16::Proof<Bn254> = ark_field("predicate proof", proof_json, "proof")?;
    let calldata = ProofCalldata::from_ark(&ark, &inputs);
    Ok((proof, calldata))
}

/// Where each public input of a predicate statement sits (see the module's `# Layout`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PredicateLayout {
    aliases: Vec<String>,
    params: Vec<String>,
    revocable: Vec<String>,
}

impl PredicateLayout {
    /// The layout of `statement`.
    pub fn of(statement: &PredicateStatement) -> Self {
        PredicateLayout {
            aliases: statement.aliases().keys().cloned().collect(),
            params: statement.params().keys().cloned().collect(),
            revocable: statement.revocable().iter().cloned().collect(),
        }
    }

    /// The number of public inputs.
    pub fn input_count(&self) -> usize {
        2 * self.aliases.len() + self.params.len() + 2 + self.revocable.len()
    }

    /// Position of revocable `alias`'s revocation root.
    pub fn revocation_root(&self, alias: &str) -> Option<usize> {
        let i = self.revocable.iter().position(|a| a == alias)?;
        Some(self.nullifier() + 1 + i)
    }

    /// Positions of `alias`'s issuer key `Ax`, `Ay`.
    pub fn issuer(&self, alias: &str) -> Option<(usize, usize)> {
        let i = self.aliases.iter().position(|a| a == alias)?;
        Some((2 * i, 2 * i + 1))
    }

    /// Position of parameter `name` (`now` included).
    pub fn param(&self, name: &str) -> Option<usize> {
        let i = self.params.iter().position(|p| p == name)?;
        Some(2 * self.aliases.len() + i)
    }

    /// Position of the scope.
    pub fn scope(&self) -> usize {
        2 * self.aliases.len() + self.params.len()
    }

    /// Position of the nullifier.
    pub fn nullifier(&self) -> usize {
        self.scope() + 1
    }
}

/// What the owner decides for a predicate policy.
#[derive(Clone, Debug)]
pub struct PredicatePolicy<'a> {
    /// The verifier contract deployed for the statement's key.
    pub verifier: Address,
    /// The issuer key accepted for each alias (every alias needs one, unless the key pins
    /// its issuer: then that one is the default).
    pub issuers: &'a BTreeMap<String, PublicKey>,
    /// The value of every parameter except `now`, as text (`min_income=30000`).
    pub params: &'a BTreeMap<String, String>,
    /// The verifier scope (as in `zk prove --scope`).
    pub scope: &'a str,
    /// How many days the proof's `$now` may differ from the block's day.
    pub window_days: u32,
}

fn position(index: usize) -> Result<u8, EthError> {
    u8::try_from(index).map_err(|_| EthError::UnsupportedInputCount {
        found: index + 1,
        max: crate::verifier::MAX_PUBLIC_INPUTS,
    })
}

/// The registry policy of a predicate statement: every issuer key and every parameter
/// but `now` pinned, `now` within the window of the block's day, the scope, the
/// nullifier, the revocation root of the revocable alias (if any) one the owner accepts
/// (`setRevocationRoot`); no recipient (the statement does not bind the submitter).
///
/// # Errors
/// [`EthError::PolicyIncomplete`] when an alias has no issuer key or a parameter no value,
/// or an issuer or parameter is not the statement's, or more than one alias is revocable
/// (the registry checks one root position: use hashed inputs); [`EthError::Predicate`] for a
/// parameter value not of its type; [`EthError::UnsupportedInputCount`] for a statement
/// with more public inputs than the verifier takes.
pub fn policy(
    statement: &PredicateStatement,
    spec: &PredicatePolicy<'_>,
) -> Result<Policy, EthError> {
    let layout = PredicateLayout::of(statement);
    let n = layout.input_count();
    if n > crate::verifier::MAX_PUBLIC_INPUTS {
        return Err(EthError::UnsupportedInputCount {
            found: n,
            max: crate::verifier::MAX_PUBLIC_INPUTS,
        });
    }
    let incomplete = |name: &str, problem: &'static str| EthError::PolicyIncomplete {
        name: name.to_owned(),
        problem,
    };
    if let Some(alias) = spec.issuers.keys().find(|a| layout.issuer(a).is_none()) {
        return Err(incomplete(alias, "is not an alias of the predicate"));
    }
    if let Some(name) = spec
        .params
        .keys()
        .find(|p| p.as_str() == NOW || layout.param(p).is_none())
    {
        return Err(incomplete(
            name,
            "is not a parameter the policy pins (`now` is checked against the block's day)",
        ));
    }
    let mut fixed = Vec::new();
    for alias in statement.aliases().keys() {
        // An issuer the key pins (`zk setup --issuer`) is the default, and the only one
        // its proofs can have.
        let pinned = statement.pinned_issuers().get(alias);
        let key = spec
            .issuers
            .get(alias)
            .or(pinned)
            .ok_or_else(|| incomplete(alias, "has no issuer key (give --issuer alias=FILE)"))?;
        if pinned.is_some_and(|pinned| pinned != key) {
            return Err(incomplete(
                alias,
                "is pinned by the key to another issuer (no proof could match this policy)",
            ));
        }
        let (x, y) = layout
            .issuer(alias)
            .ok_or_else(|| incomplete(alias, "is not an alias of the predicate"))?;
        let point = key.point();
        fixed.push((position(x)?, word(point.x())));
        fixed.push((position(y)?, word(point.y())));
    }
    for name in statement.params().keys().filter(|p| p.as_str() != NOW) {
        let text = spec
            .params
            .get(name)
            .ok_or_else(|| incomplete(name, "has no value (give --param name=value)"))?;
        let value = statement
            .param_value(name, text)
            .map_err(EthError::Predicate)?;
        let at = layout
            .param(name)
            .ok_or_else(|| incomplete(name, "is not a parameter of the predicate"))?;
        fixed.push((position(at)?, word(value)));
    }
    let now = layout
        .param(NOW)
        .ok_or_else(|| incomplete(NOW, "is not a parameter of the predicate"))?;
    let root_index = match statement.revocable().iter().collect::<Vec<_>>()[..] {
        [] => None,
        [alias] => {
            let at = layout
                .revocation_root(alias)
                .ok_or_else(|| incomplete(alias, "is not an alias of the predicate"))?;
            Some(position(at)?)
        }
        [_, second, ..] => {
            return Err(incomplete(
                second,
                "is a second revocable alias: the registry checks one revocation root per \
                 policy (use hashed inputs)",
            ))
        }
    };
    Ok(Policy {
        verifier: spec.verifier,
        input_count: position(n - 1)? + 1,
        scope_index: Some(position(layout.scope())?),
        nullifier_index: position(layout.nullifier())?,
        now_index: Some(position(now)?),
        now_window_days: spec.window_days,
        root_index,
        recipient_index: None,
        scope: word(scope_to_field(spec.scope)),
        fixed,
    })
}

/// Positions of the public inputs of a hashed-input predicate statement: `[config,
/// nullifier, now]`, `config` a hash of everything else the statement makes public (issuer
/// keys, parameters but `now`, scope, revocation roots) computed off chain.
pub mod hashed {
    /// The configuration hash (pinned by the policy).
    pub const CONFIG: u8 = 0;
    /// The nullifier.
    pub const NULLIFIER: u8 = 1;
    /// The day `$now`.
    pub const NOW: u8 = 2;
    /// Number of public inputs.
    pub const INPUTS: u8 = 3;
}

/// The registry policy of a hashed-input predicate statement ([`hashed`]): the
/// configuration hash pinned, `now` within `window_days` of the block's day, nullifiers
/// recorded under `scope` (which the configuration hash covers: the statement has no
/// scope input of its own). A new revocation root makes a new configuration: register it
/// as a new policy in the same scope (nullifiers are per scope, so holders stay counted
/// once) and retire the old one when proofs against the old root should stop.
pub fn hashed_policy(verifier: Address, config: U256, scope: &str, window_days: u32) -> Policy {
    Policy {
        verifier,
        input_count: hashed::INPUTS,
        scope_index: None,
        nullifier_index: hashed::NULLIFIER,
        now_index: Some(hashed::NOW),
        now_window_days: window_days,
        root_index: None,
        recipient_index: None,
        scope: word(scope_to_field(scope)),
        fixed: vec![(hashed::CONFIG, config)],
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use conclave_circuits::credential::Schema;

    fn schema(file: &str) -> Schema {
        let path = format!("{}/../examples/data/{file}", env!("CARGO_MANIFEST_DIR"));
        Schema::from_json(&std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn layout_follows_the_statement_order() {
        let mut schemas = BTreeMap::new();
        schemas.insert("bureau".to_owned(), schema("credit-score.schema.json"));
        schemas.insert("bank".to_owned(), schema("bank-account.schema.json"));
        let statement =
            PredicateStatement::new("bureau.score >= 650 && bank.income >= $min_income", schemas)
                .unwrap();
        let layout = PredicateLayout::of(&statement);
        assert_eq!(layout.input_count(), statement.public_input_count());
        // bank < bureau; min_income < now.
        assert_eq!(layout.issuer("bank"), Some((0, 1)));
        assert_eq!(layout.issuer("bureau"), Some((2, 3)));
        assert_eq!(layout.param("min_income"), Some(4));
        assert_eq!(layout.param(NOW), Some(5));
        assert_eq!((layout.scope(), layout.nullifier()), (6, 7));
        assert_eq!(layout.issuer("other"), None);
        assert_eq!(layout.revocation_root("bureau"), None);
        let revocable = statement.with_revocation(["bureau"]).unwrap();
        let layout = PredicateLayout::of(&revocable);
        assert_eq!(layout.input_count(), revocable.public_input_count());
        assert_eq!(layout.revocation_root("bureau"), Some(8));
        assert_eq!(layout.revocation_root("bank"), None);
    }

    #[test]
    fn policies_pin_every_issuer_and_parameter() {
        use conclave_circuits::eddsa::SecretKey;
        let key = |b: u8| SecretKey::from_bytes([b; 32]).public_key();
        let mut schemas = BTreeMap::new();
        schemas.insert("bureau".to_owned(), schema("credit-score.schema.json"));
        schemas.insert("bank".to_owned(), schema("bank-account.schema.json"));
        let statement =
            PredicateStatement::new("bureau.score >= 650 && bank.income >= $min_income", schemas)
                .unwrap();
        let mut issuers =
            BTreeMap::from([("bureau".to_owned(), key(1)), ("bank".to_owned(), key(2))]);
        let params = BTreeMap::from([("min_income".to_owned(), "30000".to_owned())]);
        let policy = policy(&statement, &spec(&issuers, &params)).unwrap();
        assert_eq!(policy.input_count, 8);
        let bank = key(2).point();
        assert_eq!(
            policy.fixed,
            vec![
                (0, word(bank.x())),
                (1, word(bank.y())),
                (2, word(key(1).point().x())),
                (3, word(key(1).point().y())),
                (4, U256::from(30_000u32)),
            ]
        );
        assert_eq!(policy.now_index, Some(5));
        assert_eq!(policy.scope_index, Some(6));
        assert_eq!(policy.nullifier_index, 7);
        assert_eq!(policy.scope, word(scope_to_field("lender-x/2026")));
        // A free parameter, a missing issuer, `now` pinned, a foreign alias: refused.
        let no_params = BTreeMap::new();
        assert!(matches!(
            policy_of(&statement, &spec(&issuers, &no_params)),
            Err(EthError::PolicyIncomplete { name, .. }) if name == "min_income"
        ));
        let with_now = BTreeMap::from([
            ("min_income".to_owned(), "1".to_owned()),
            ("now".to_owned(), "2026-12-02".to_owned()),
        ]);
        assert!(policy_of(&statement, &spec(&issuers, &with_now)).is_err());
        issuers.remove("bank");
        assert!(matches!(
            policy_of(&statement, &spec(&issuers, &params)),
            Err(EthError::PolicyIncomplete { name, .. }) if name == "bank"
        ));
        // A key that pins the bank's issuer: the default, and the only one accepted.
        let pinned = statement.with_issuer("bank", key(2)).unwrap();
        assert_eq!(
            policy_of(&pinned, &spec(&issuers, &params)).unwrap(),
            policy
        );
        issuers.insert("bank".to_owned(), key(3));
        assert!(policy_of(&pinned, &spec(&issuers, &params)).is_err());
    }

    fn spec<'a>(
        issuers: &'a BTreeMap<String, PublicKey>,
        params: &'a BTreeMap<String, String>,
    ) -> PredicatePolicy<'a> {
        PredicatePolicy {
            verifier: Address::repeat_byte(7),
            issuers,
            params,
            scope: "lender-x/2026",
            window_days: 1,
        }
    }

    fn policy_of(
        statement: &PredicateStatement,
        spec: &PredicatePolicy<'_>,
    ) -> Result<Policy, EthError> {
        policy(statement, spec)
    }
}
