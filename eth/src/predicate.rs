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
//! A hashed-input statement (`zk setup --hashed-inputs`) has the public inputs `[config,
//! nullifier, now]` ([`hashed`]): [`policy`] then computes `config` from the issuer keys,
//! parameters, scope and the revocation root of every revocable alias with the statement's
//! own function (`conclave_circuits::statement::predicate::config_hash`) and pins it, so
//! one policy covers any number of revocable aliases (each root is a leaf of the hash).
//!
//! # Security
//! A policy that left an issuer key or a parameter free would let the prover choose it
//! (any issuer, `$min_income = 0`): [`policy`] refuses to build one. The registry checks
//! the values; their meaning (which issuer is trusted for an alias) is the owner's choice.

use std::collections::BTreeMap;

use alloy::primitives::{Address, U256};
use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use conclave_circuits::credential::nullifier::scope_to_field;
use conclave_circuits::eddsa::PublicKey;
use conclave_circuits::statement::predicate::{
    config_hash, PredicateProof, PredicateStatement, PredicateVerifyingKey, RevocationRoot, NOW,
};

use crate::registry::Policy;
use crate::verifier::{ProofCalldata, VerifierKey};
use crate::EthError;

/// A field element as a `uint256`.
pub fn word(value: Fr) -> U256 {
    U256::from_be_slice(&value.into_bigint().to_bytes_be())
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
    // `from_json` checked the points and the key id, which covers them.
    let verifier = VerifierKey::from_ark(key.ark())?;
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
    let calldata = ProofCalldata::from_ark(proof.ark(), &inputs);
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
    /// For a hashed-input statement, the revocation root of every revocable alias (hashed
    /// into the pinned configuration). Must be empty for a statement without hashed
    /// inputs: its roots are a set the owner updates (`setRevocationRoot`).
    pub roots: &'a BTreeMap<String, RevocationRoot>,
}

fn position(index: usize) -> Result<u8, EthError> {
    u8::try_from(index).map_err(|_| EthError::UnsupportedInputCount {
        found: index + 1,
        max: crate::verifier::MAX_PUBLIC_INPUTS,
    })
}

fn incomplete(name: &str, problem: &'static str) -> EthError {
    EthError::PolicyIncomplete {
        name: name.to_owned(),
        problem,
    }
}

/// The issuer key of every alias (the spec's, or the one the key pins), after refusing an
/// alias the statement does not have, a parameter the policy cannot pin (`now`, or one the
/// statement does not have) and a missing parameter value.
fn checked_issuers(
    statement: &PredicateStatement,
    spec: &PredicatePolicy<'_>,
) -> Result<BTreeMap<String, PublicKey>, EthError> {
    if let Some(alias) = spec
        .issuers
        .keys()
        .find(|a| !statement.aliases().contains_key(*a))
    {
        return Err(incomplete(alias, "is not an alias of the predicate"));
    }
    if let Some(name) = spec
        .params
        .keys()
        .find(|p| p.as_str() == NOW || !statement.params().contains_key(*p))
    {
        return Err(incomplete(
            name,
            "is not a parameter the policy pins (`now` is checked against the block's day)",
        ));
    }
    if let Some(name) = statement
        .params()
        .keys()
        .find(|p| p.as_str() != NOW && !spec.params.contains_key(*p))
    {
        return Err(incomplete(name, "has no value (give --param name=value)"));
    }
    let mut issuers = BTreeMap::new();
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
        issuers.insert(alias.clone(), *key);
    }
    Ok(issuers)
}

/// The registry policy of a predicate statement: every issuer key and every parameter
/// but `now` pinned, `now` within the window of the block's day, the nullifier recorded
/// under the scope; no recipient (the statement does not bind the submitter).
///
/// Without hashed inputs the scope is checked at its position and the revocation root of
/// the revocable alias (if any) must be one the owner accepts (`setRevocationRoot`). With
/// hashed inputs ([`hashed`]) the policy pins `config`, the statement's own hash of the
/// issuer keys, parameters, scope and the revocation root of every revocable alias
/// (`spec.roots`): a new root of any of them is a new configuration, registered as a new
/// policy in the same scope (see [`hashed_policy`]).
///
/// # Errors
/// [`EthError::PolicyIncomplete`] when an alias has no issuer key or a parameter no value,
/// an issuer or parameter is not the statement's, a revocable alias of a hashed-input
/// statement has no root (or a root is given for an alias that is not revocable, or for a
/// statement without hashed inputs), or more than one alias of a statement without hashed
/// inputs is revocable (the registry checks one root position: use hashed inputs);
/// [`EthError::Predicate`] for a parameter value not of its type;
/// [`EthError::UnsupportedInputCount`] for a statement with more public inputs than the
/// verifier takes.
pub fn policy(
    statement: &PredicateStatement,
    spec: &PredicatePolicy<'_>,
) -> Result<Policy, EthError> {
    if statement.hashed_inputs() {
        return hashed_predicate_policy(statement, spec);
    }
    let layout = PredicateLayout::of(statement);
    let n = layout.input_count();
    if n > crate::verifier::MAX_PUBLIC_INPUTS {
        return Err(EthError::UnsupportedInputCount {
            found: n,
            max: crate::verifier::MAX_PUBLIC_INPUTS,
        });
    }
    if let Some(alias) = spec.roots.keys().next() {
        return Err(incomplete(
            alias,
            "has a root, but only a hashed-input key pins roots in its policy (accept roots \
             with `eth registry revocation-root`)",
        ));
    }
    let issuers = checked_issuers(statement, spec)?;
    let mut fixed = Vec::new();
    for (alias, key) in &issuers {
        let (x, y) = layout
            .issuer(alias)
            .ok_or_else(|| incomplete(alias, "is not an alias of the predicate"))?;
        let point = key.point();
        fixed.push((position(x)?, word(point.x())));
        fixed.push((position(y)?, word(point.y())));
    }
    for (name, text) in spec.params {
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

/// [`policy`] of a hashed-input statement: the configuration hash of the spec pinned.
fn hashed_predicate_policy(
    statement: &PredicateStatement,
    spec: &PredicatePolicy<'_>,
) -> Result<Policy, EthError> {
    let issuers = checked_issuers(statement, spec)?;
    if let Some(alias) = spec
        .roots
        .keys()
        .find(|a| !statement.revocable().contains(*a))
    {
        return Err(incomplete(
            alias,
            "has a root but is not revocable in this key",
        ));
    }
    if let Some(alias) = statement
        .revocable()
        .iter()
        .find(|a| !spec.roots.contains_key(*a))
    {
        return Err(incomplete(
            alias,
            "is revocable: the configuration hashes its revocation root (give --revocation \
             alias=FILE)",
        ));
    }
    if !statement.params().contains_key(NOW) {
        return Err(incomplete(NOW, "is not a parameter of the predicate"));
    }
    // `now` is a public input of its own, not a leaf of the configuration: any day will do.
    let mut params = spec.params.clone();
    params.insert(NOW.to_owned(), "1970-01-01".to_owned());
    let config = config_hash(statement, &issuers, &params, spec.scope, spec.roots)
        .map_err(EthError::Predicate)?;
    Ok(hashed_policy(
        spec.verifier,
        word(config),
        spec.scope,
        spec.window_days,
    ))
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

    const NO_ROOTS: &BTreeMap<String, RevocationRoot> = &BTreeMap::new();

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
            roots: NO_ROOTS,
        }
    }

    /// Hashed inputs: the policy pins the statement's own configuration hash of the
    /// issuers, parameters, scope and the root of every revocable alias (two here), at
    /// position 0, and checks `now` at 2; another root, scope or issuer is another config.
    #[test]
    fn hashed_policies_pin_the_configuration_hash() {
        use conclave_circuits::eddsa::SecretKey;
        let key = |b: u8| SecretKey::from_bytes([b; 32]).public_key();
        let mut schemas = BTreeMap::new();
        schemas.insert("bureau".to_owned(), schema("credit-score.schema.json"));
        schemas.insert("bank".to_owned(), schema("bank-account.schema.json"));
        let statement =
            PredicateStatement::new("bureau.score >= 650 && bank.income >= $min_income", schemas)
                .unwrap()
                .with_revocation(["bureau", "bank"])
                .unwrap()
                .with_hashed_inputs();
        let issuers = BTreeMap::from([("bureau".to_owned(), key(1)), ("bank".to_owned(), key(2))]);
        let params = BTreeMap::from([("min_income".to_owned(), "30000".to_owned())]);
        let root = |r: u64| RevocationRoot {
            root: Fr::from(r),
            sequence: 0,
        };
        let roots = BTreeMap::from([
            ("bureau".to_owned(), root(11)),
            ("bank".to_owned(), root(12)),
        ]);
        let with_roots = |roots| PredicatePolicy {
            roots,
            ..spec(&issuers, &params)
        };
        let policy = policy(&statement, &with_roots(&roots)).unwrap();
        let mut with_now = params.clone();
        with_now.insert(NOW.to_owned(), "2026-12-02".to_owned());
        let config = config_hash(&statement, &issuers, &with_now, "lender-x/2026", &roots).unwrap();
        assert_eq!(
            policy,
            hashed_policy(Address::repeat_byte(7), word(config), "lender-x/2026", 1)
        );
        assert_eq!(policy.fixed, vec![(hashed::CONFIG, word(config))]);
        assert_eq!(
            (
                policy.input_count,
                policy.nullifier_index,
                policy.now_index,
                policy.scope_index
            ),
            (3, 1, Some(2), None)
        );
        // Each part is a leaf: another root, scope, issuer or parameter, another config.
        let other_root = BTreeMap::from([
            ("bureau".to_owned(), root(11)),
            ("bank".to_owned(), root(13)),
        ]);
        let others = [
            policy_of(&statement, &with_roots(&other_root)).unwrap(),
            policy_of(
                &statement,
                &PredicatePolicy {
                    scope: "lender-y/2026",
                    ..with_roots(&roots)
                },
            )
            .unwrap(),
        ];
        for other in others {
            assert_ne!(other.fixed, policy.fixed);
        }
        let impostor = BTreeMap::from([("bureau".to_owned(), key(3)), ("bank".to_owned(), key(2))]);
        let policy_impostor = policy_of(
            &statement,
            &PredicatePolicy {
                issuers: &impostor,
                ..with_roots(&roots)
            },
        )
        .unwrap();
        assert_ne!(policy_impostor.fixed, policy.fixed);
        // A revocable alias without a root, a root for no revocable alias, a root for a
        // key without hashed inputs: refused.
        let one_root = BTreeMap::from([("bureau".to_owned(), root(11))]);
        assert!(matches!(
            policy_of(&statement, &with_roots(&one_root)),
            Err(EthError::PolicyIncomplete { name, .. }) if name == "bank"
        ));
        let unrevocable = PredicateStatement::new(
            "bureau.score >= 650 && bank.income >= $min_income",
            statement.aliases().clone(),
        )
        .unwrap()
        .with_hashed_inputs();
        assert!(matches!(
            policy_of(&unrevocable, &with_roots(&one_root)),
            Err(EthError::PolicyIncomplete { name, .. }) if name == "bureau"
        ));
        let bureau_only =
            BTreeMap::from([("bureau".to_owned(), schema("credit-score.schema.json"))]);
        let plain = PredicateStatement::new("bureau.score >= 650", bureau_only)
            .unwrap()
            .with_revocation(["bureau"])
            .unwrap();
        assert!(policy_of(&plain, &with_roots(&one_root)).is_err());
        // Still every issuer and parameter pinned.
        let no_params = BTreeMap::new();
        assert!(matches!(
            policy_of(&statement, &PredicatePolicy { params: &no_params, ..with_roots(&roots) }),
            Err(EthError::PolicyIncomplete { name, .. }) if name == "min_income"
        ));
    }

    fn policy_of(
        statement: &PredicateStatement,
        spec: &PredicatePolicy<'_>,
    ) -> Result<Policy, EthError> {
        policy(statement, spec)
    }
}
