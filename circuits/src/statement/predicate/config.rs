//! Hashed public inputs (for on-chain verification, where every public input costs gas):
//! with [`PredicateStatement::with_hashed_inputs`] the proof has three public inputs,
//! `[config, nullifier, now]`, and `config` is a Poseidon hash, computed in the circuit,
//! of everything else that used to be public.
//!
//! # Layout
//! `config = poseidon_tree(leaves)` (the arity-16 Poseidon tree of the credential hash,
//! [`crate::credential::poseidon_tree`]: one circomlib `Poseidon(k)` for up to 16 leaves),
//! with `leaves`, in this order:
//! 1. `tagged_field("conclave/predicate/config/v1\0", "")` ([`CONFIG_TAG`]);
//! 2. for each alias in byte order of its name: its issuer key's `Ax`, `Ay` (also for an
//!    issuer pinned at setup);
//! 3. for each parameter other than `$now`, in byte order of its name: its value (a day
//!    count, an integer, or a string's `string_to_field`);
//! 4. the scope (`scope_to_field` of the scope text);
//! 5. for each revocable alias in byte order of its name: its revocation root.
//!
//! The verifier recomputes `config` natively from the proof file's issuers, parameters,
//! scope and roots ([`PredicateProof::config_hash`] is the value the prover computed;
//! [`config_hash`] recomputes it), checking each value as without hashing (keys are
//! checked points, parameters in range). An on-chain verifier registers the `config` of
//! the issuers, parameters, scope and roots it accepts, and compares.
//!
//! # Security
//! Poseidon's collision resistance binds the config to one list of values; the shape of
//! the list is fixed by the statement (in the key id), and the tag separates it from other
//! uses of Poseidon.

use std::collections::BTreeMap;

use ark_bn254::Fr;

use super::{
    expanded_inputs, PredicateProof, PredicateStatement, PredicateStatementError, Result,
    RevocationRoot, NOW,
};
use crate::credential::{poseidon_tree, tagged_field};
use crate::eddsa::PublicKey;

/// Domain tag of the config hash's first leaf.
pub const CONFIG_TAG: &[u8] = b"conclave/predicate/config/v1\0";

impl PredicateStatement {
    /// Makes the proof's public inputs `[config, nullifier, now]` (module documentation).
    /// Recorded in the statement (and so in the key id).
    pub fn with_hashed_inputs(mut self) -> Self {
        self.hashed_inputs = true;
        self
    }

    /// Whether the public inputs are hashed into `config`.
    pub fn hashed_inputs(&self) -> bool {
        self.hashed_inputs
    }

    /// Where `$now` and the nullifier sit in the unhashed layout.
    pub(super) fn now_and_nullifier_index(&self) -> (usize, usize) {
        let issuers = 2 * self.aliases.len();
        let now = self.params.keys().position(|n| n == NOW).unwrap_or(0);
        (issuers + now, issuers + self.params.len() + 1)
    }

    /// The config leaves, `now` and the nullifier from the unhashed public inputs.
    pub(super) fn config_leaves(&self, expanded: &[Fr]) -> Option<Vec<Fr>> {
        let (now, nullifier) = self.now_and_nullifier_index();
        if expanded.len() != nullifier + 1 + self.revocable.len() {
            return None;
        }
        let mut leaves = Vec::with_capacity(expanded.len());
        leaves.push(tagged_field(CONFIG_TAG, b""));
        leaves.extend(
            expanded
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != now && *i != nullifier)
                .map(|(_, v)| *v),
        );
        Some(leaves)
    }

    /// The hashed public inputs `[config, nullifier, now]` from the unhashed ones.
    pub(super) fn hash_inputs(&self, expanded: &[Fr]) -> Result<Vec<Fr>> {
        let (now, nullifier) = self.now_and_nullifier_index();
        let leaves = self
            .config_leaves(expanded)
            .ok_or(PredicateStatementError::Malformed {
                what: "predicate proof",
                reason: "its values do not fit the statement",
            })?;
        let config = poseidon_tree(&leaves).map_err(PredicateStatementError::ConfigHash)?;
        Ok(vec![config, expanded[nullifier], expanded[now]])
    }
}

/// The config of a hashed-inputs statement from its parts: the issuer key of every alias,
/// every parameter's text (`now` included; it is not hashed), the scope text and the
/// revocation root of every revocable alias. Each value is checked as a verifier does.
///
/// # Errors
/// [`PredicateStatementError::Alias`], [`PredicateStatementError::Param`],
/// [`PredicateStatementError::Revocation`] for values that do not fit the statement.
pub fn config_hash(
    statement: &PredicateStatement,
    issuers: &BTreeMap<String, PublicKey>,
    params: &BTreeMap<String, String>,
    scope: &str,
    roots: &BTreeMap<String, RevocationRoot>,
) -> Result<Fr> {
    let expanded = expanded_inputs(statement, issuers, params, scope, Fr::from(0u64), roots)?;
    Ok(statement.hash_inputs(&expanded)?[0])
}

impl PredicateProof {
    /// The config hash the prover computed (module documentation), for a hashed-inputs
    /// key; `None` otherwise. [`super::verify`] recomputes it from the proof's parts.
    pub fn config_hash(&self) -> Option<Fr> {
        self.config
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use ark_ff::AdditiveGroup;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::super::fixtures::{credential, schema, EXAMPLE};
    use super::super::{
        constraint_count, prove_revocable, setup, verify, PredicateVerifyingKey, ProverInputs,
    };
    use super::*;
    use crate::credential::holder::HolderSecret;
    use crate::credential::nullifier::scope_to_field;
    use crate::credential::revocation::RevocationRegistry;
    use crate::credential::Days;
    use crate::eddsa::SecretKey;

    /// The example with hashed inputs: 3 public inputs, the keys are witnesses
    /// (same checks), and `config = Poseidon(6)` over tag, 4 coordinates and the scope:
    /// 9,765 + 352.
    #[test]
    fn hashed_inputs_constraint_count() {
        let schemas = BTreeMap::from([
            ("bank".to_owned(), schema("bank")),
            ("bureau".to_owned(), schema("bureau")),
        ]);
        let plain = PredicateStatement::new(EXAMPLE, schemas).unwrap();
        let hashed = plain.clone().with_hashed_inputs();
        assert_eq!(hashed.public_input_count(), 3);
        assert_ne!(plain.canonical_bytes(), hashed.canonical_bytes());
        let revocable = hashed.clone().with_revocation(["bureau"]).unwrap();
        assert_eq!(revocable.public_input_count(), 3);
        assert_eq!(
            (
                constraint_count(&hashed).unwrap(),
                constraint_count(&revocable).unwrap()
            ),
            // The root: non-membership, and one more leaf (Poseidon(7) instead of 6).
            (10_117, 10_117 + 15_489 + 27)
        );
    }

    #[test]
    fn hashed_proofs_verify_and_altered_parts_fail() {
        let mut rng = ChaCha20Rng::seed_from_u64(18);
        let bureau = SecretKey::from_bytes([1u8; 32]);
        let impostor = SecretKey::from_bytes([3u8; 32]);
        let alice = SecretKey::from_bytes([2u8; 32]);
        let holder = HolderSecret::from_secret_key(&alice);
        let mut registry = RevocationRegistry::new(&bureau);
        registry.revoke(&bureau, 5).unwrap();
        let registries = BTreeMap::from([("bureau".to_owned(), registry.clone())]);
        let statement = PredicateStatement::new(
            "bureau.score >= $min",
            BTreeMap::from([("bureau".to_owned(), schema("bureau"))]),
        )
        .unwrap()
        .with_revocation(["bureau"])
        .unwrap()
        .with_hashed_inputs();
        let (pk, vk) = setup(statement, &mut rng).unwrap();
        let vk = PredicateVerifyingKey::from_json(vk.to_json().as_bytes()).unwrap();
        assert!(vk.statement().hashed_inputs());
        let params = BTreeMap::from([
            ("min".to_owned(), "650".to_owned()),
            ("now".to_owned(), "2026-12-02".to_owned()),
        ]);
        let creds = BTreeMap::from([("bureau".to_owned(), credential(&bureau, &alice, 11))]);
        let inputs = ProverInputs {
            credentials: &creds,
            holder: &holder,
            scope: "lender-x/2026",
            params: &params,
        };
        let proof = prove_revocable(&pk, &inputs, &registries, &mut rng).unwrap();
        verify(&vk, &proof).unwrap();
        let proof = PredicateProof::from_json(proof.to_json().as_bytes()).unwrap();
        verify(&vk, &proof).unwrap();
        // The config from its parts, and the public inputs [config, nullifier, now].
        let issuers = BTreeMap::from([("bureau".to_owned(), bureau.public_key())]);
        let roots = BTreeMap::from([("bureau".to_owned(), RevocationRoot::of(&registry))]);
        let config =
            config_hash(vk.statement(), &issuers, &params, "lender-x/2026", &roots).unwrap();
        assert_eq!(proof.config_hash(), Some(config));
        let expected = poseidon_tree(&[
            tagged_field(CONFIG_TAG, b""),
            bureau.public_key().point().x(),
            bureau.public_key().point().y(),
            Fr::from(650u64),
            scope_to_field("lender-x/2026"),
            registry.root(),
        ])
        .unwrap();
        assert_eq!(config, expected);
        let public = proof.public_inputs(vk.statement()).unwrap();
        let now = Days::parse("2026-12-02", "now").unwrap().to_field();
        assert_eq!(public, vec![config, proof.nullifier(), now]);

        // Altered parts: issuer, scope, a parameter, the root, the stored config.
        let mut probes = Vec::new();
        let mut p = proof.clone();
        p.issuers.insert("bureau".to_owned(), impostor.public_key());
        probes.push(("issuer", p));
        let mut p = proof.clone();
        p.scope = "lender-y/2026".to_owned();
        probes.push(("scope", p));
        let mut p = proof.clone();
        p.params.insert("min".to_owned(), "600".to_owned());
        probes.push(("param", p));
        let mut p = proof.clone();
        p.params.insert("now".to_owned(), "2026-12-03".to_owned());
        probes.push(("now", p));
        let mut p = proof.clone();
        p.revocation.insert(
            "bureau".to_owned(),
            RevocationRoot {
                root: Fr::ZERO,
                sequence: 1,
            },
        );
        probes.push(("root", p));
        let mut p = proof.clone();
        p.config = Some(config + Fr::from(1u64));
        probes.push(("config", p));
        let mut p = proof.clone();
        p.nullifier += Fr::from(1u64);
        probes.push(("nullifier", p));
        for (what, probe) in probes {
            assert!(
                matches!(
                    verify(&vk, &probe),
                    Err(PredicateStatementError::InvalidProof)
                ),
                "{what}"
            );
        }
        let mut p = proof.clone();
        p.config = None;
        assert!(verify(&vk, &p).is_err());
    }
}
