//! Revocation in the predicate statement: which aliases are revocable (fixed at setup, in
//! the key id), the prover's non-membership witnesses from each issuer's signed registry,
//! the roots a proof carries, and the verifier's freshness check against a registry.
//!
//! A revocable alias adds one public input, the root of its issuer's revocation tree
//! ([`crate::credential::revocation`]), and the circuit shows that the credential's
//! revocation id is not in that tree
//! ([`crate::credential::revocation::gadget::NonMembershipGadget`], 15,489 constraints).
//!
//! # Security
//! The proof binds the root, not the registry's sequence: the sequence a proof file
//! carries is the prover's claim (the root determines the revoked set, and so the sequence,
//! of an honest issuer's registry). Freshness is the verifier's policy:
//! [`PredicateProof::require_revocation_root`] refuses a proof whose root is not the
//! current root of the registry the verifier trusts (a ledger may accept a window of recent
//! sequences instead).

use std::collections::{BTreeMap, BTreeSet};

use ark_bn254::Fr;

use super::{PredicateProof, PredicateStatement, PredicateStatementError, Result};
use crate::credential::revocation::{NonMembershipWitness, RevocationError, RevocationRegistry};
use crate::credential::Credential;

/// A revocation root a proof was made against, with the registry sequence the prover read
/// it from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RevocationRoot {
    /// The tree root (a public input of the proof).
    pub root: Fr,
    /// The registry's sequence number (informative: not bound by the proof).
    pub sequence: u64,
}

impl RevocationRoot {
    /// The root and sequence of a registry.
    pub fn of(registry: &RevocationRegistry) -> Self {
        RevocationRoot {
            root: registry.root(),
            sequence: registry.sequence(),
        }
    }
}

impl PredicateStatement {
    /// Makes the credentials of `aliases` revocable: a proof then shows each one's
    /// revocation id is not in its issuer's revocation tree under a root given as a public
    /// input. Recorded in the statement (and so in the key id).
    ///
    /// # Errors
    /// [`PredicateStatementError::Alias`] for an alias the predicate does not use.
    pub fn with_revocation<I, S>(mut self, aliases: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        for alias in aliases {
            let alias = alias.into();
            if !self.aliases.contains_key(&alias) {
                return Err(PredicateStatementError::Alias {
                    alias,
                    problem: "cannot be revocable: the predicate does not use it",
                });
            }
            self.revocable.insert(alias);
        }
        Ok(self)
    }

    /// The revocable aliases, in name order (the order of their roots among the public
    /// inputs).
    pub fn revocable(&self) -> &BTreeSet<String> {
        &self.revocable
    }
}

impl PredicateProof {
    /// The revocation root (and registry sequence) of each revocable alias, in alias order;
    /// empty for a statement without revocation.
    pub fn revocation_roots(&self) -> &BTreeMap<String, RevocationRoot> {
        &self.revocation
    }

    /// Refuses the proof unless its revocation root for `alias` is `registry`'s current
    /// root and the registry is the proof's issuer's for that alias. Call after
    /// [`super::verify`].
    ///
    /// # Errors
    /// [`PredicateStatementError::Revocation`] when `alias` is not revocable in the proof;
    /// [`PredicateStatementError::RegistryOtherIssuer`];
    /// [`PredicateStatementError::StaleRevocationRoot`] for another root or sequence.
    pub fn require_revocation_root(
        &self,
        alias: &str,
        registry: &RevocationRegistry,
    ) -> Result<()> {
        let claimed =
            self.revocation
                .get(alias)
                .ok_or_else(|| PredicateStatementError::Revocation {
                    alias: alias.to_owned(),
                    problem: "is not revocable in this proof's key",
                })?;
        if self.issuers.get(alias) != Some(&registry.issuer()) {
            return Err(PredicateStatementError::RegistryOtherIssuer {
                alias: alias.to_owned(),
            });
        }
        if claimed.root != registry.root() || claimed.sequence != registry.sequence() {
            return Err(PredicateStatementError::StaleRevocationRoot {
                alias: alias.to_owned(),
                proof_sequence: claimed.sequence,
                current_sequence: registry.sequence(),
            });
        }
        Ok(())
    }
}

/// The prover's side: for each revocable alias, checks its registry (present, the
/// credential's issuer's) and that the credential is not revoked; returns the witnesses
/// and the roots.
pub(super) fn witnesses(
    statement: &PredicateStatement,
    credentials: &BTreeMap<String, Credential>,
    registries: &BTreeMap<String, RevocationRegistry>,
) -> Result<(
    BTreeMap<String, NonMembershipWitness>,
    BTreeMap<String, RevocationRoot>,
)> {
    if let Some(alias) = registries
        .keys()
        .find(|a| !statement.revocable.contains(*a))
    {
        return Err(PredicateStatementError::Revocation {
            alias: alias.clone(),
            problem: "is not revocable in this key (drop its --revocation)",
        });
    }
    let mut paths = BTreeMap::new();
    let mut roots = BTreeMap::new();
    for alias in &statement.revocable {
        let problem = |problem| PredicateStatementError::Revocation {
            alias: alias.clone(),
            problem,
        };
        let registry = registries.get(alias).ok_or_else(|| {
            problem("is revocable but has no revocation registry (pass --revocation alias=FILE)")
        })?;
        let credential = credentials
            .get(alias)
            .ok_or_else(|| problem("has no credential (pass --credential alias=FILE)"))?;
        registry.check_issuer(&credential.issuer()).map_err(|_| {
            problem("has a revocation registry of another issuer than its credential's")
        })?;
        let id = credential.body().revocation_id();
        let path = registry.non_membership(id).map_err(|e| match e {
            RevocationError::Revoked { id } => PredicateStatementError::Revoked {
                alias: alias.clone(),
                id,
                sequence: registry.sequence(),
            },
            source => PredicateStatementError::Registry {
                alias: alias.clone(),
                source,
            },
        })?;
        paths.insert(alias.clone(), path);
        roots.insert(alias.clone(), RevocationRoot::of(registry));
    }
    Ok((paths, roots))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use ark_ff::AdditiveGroup;
    use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::super::fixtures::{credential, schema, EXAMPLE};
    use super::super::{
        constraint_count, prove, prove_revocable, public_inputs, setup, verify, PredicateCircuit,
        PredicateProvingKey, PredicateVerifyingKey, ProverInputs,
    };
    use super::*;
    use crate::credential::holder::HolderSecret;
    use crate::credential::nullifier::{nullifier, scope_to_field};
    use crate::eddsa::SecretKey;

    const PREDICATE: &str = "bureau.score >= 650";
    fn bureau_only() -> PredicateStatement {
        PredicateStatement::new(
            PREDICATE,
            BTreeMap::from([("bureau".to_owned(), schema("bureau"))]),
        )
        .unwrap()
    }

    fn keys(statement: PredicateStatement) -> (PredicateProvingKey, PredicateVerifyingKey) {
        setup(statement, &mut ChaCha20Rng::seed_from_u64(7)).unwrap()
    }

    /// Revocation adds exactly the non-membership gadget (15,489) per revocable alias; a
    /// statement without revocation keeps its count and its canonical bytes.
    #[test]
    fn revocation_constraint_counts() {
        let plain = bureau_only();
        let revocable = bureau_only().with_revocation(["bureau"]).unwrap();
        assert_eq!(plain.public_input_count(), 5);
        assert_eq!(revocable.public_input_count(), 6);
        let base = constraint_count(&plain).unwrap();
        assert_eq!(base, 5_409);
        assert_eq!(constraint_count(&revocable).unwrap(), base + 15_489);
        assert_ne!(plain.canonical_bytes(), revocable.canonical_bytes());
        assert!(revocable
            .canonical_bytes()
            .starts_with(&plain.canonical_bytes()));
        // The two-credential example: 9,765 without revocation (unchanged), one
        // gadget per revocable alias.
        let schemas = BTreeMap::from([
            ("bank".to_owned(), schema("bank")),
            ("bureau".to_owned(), schema("bureau")),
        ]);
        let example = PredicateStatement::new(EXAMPLE, schemas).unwrap();
        assert_eq!(constraint_count(&example).unwrap(), 9_765);
        let both = example.clone().with_revocation(["bank", "bureau"]).unwrap();
        assert_eq!(both.public_input_count(), 9);
        assert_eq!(constraint_count(&both).unwrap(), 9_765 + 2 * 15_489);
        assert!(matches!(
            example.with_revocation(["lender"]),
            Err(PredicateStatementError::Alias { ref alias, .. }) if alias == "lender"
        ));
    }

    #[test]
    fn revocable_proofs_prove_verify_and_refuse_revoked_stale_and_tampered() {
        let mut rng = ChaCha20Rng::seed_from_u64(16);
        let bureau = SecretKey::from_bytes([1u8; 32]);
        let impostor = SecretKey::from_bytes([3u8; 32]);
        let alice = SecretKey::from_bytes([2u8; 32]);
        let holder = HolderSecret::from_secret_key(&alice);
        let good = credential(&bureau, &alice, 1000);
        let revoked = credential(&bureau, &alice, 1001);
        let mut registry = RevocationRegistry::new(&bureau);
        registry.revoke(&bureau, 1001).unwrap();
        registry.revoke(&bureau, 7).unwrap();
        let registries = BTreeMap::from([("bureau".to_owned(), registry.clone())]);
        let params = BTreeMap::from([("now".to_owned(), "2026-12-02".to_owned())]);
        let (pk, vk) = keys(bureau_only().with_revocation(["bureau"]).unwrap());
        // The key file keeps the revocable aliases; the id differs from the plain key's.
        let vk_again = PredicateVerifyingKey::from_json(vk.to_json().as_bytes()).unwrap();
        assert_eq!(vk_again.statement().revocable().len(), 1);
        assert_eq!(vk_again.id_hex(), vk.id_hex());
        let creds = BTreeMap::from([("bureau".to_owned(), good)]);
        let inputs = ProverInputs {
            credentials: &creds,
            holder: &holder,
            scope: "lender-x/2026",
            params: &params,
        };
        let proof = prove_revocable(&pk, &inputs, &registries, &mut rng).unwrap();
        verify(&vk, &proof).unwrap();
        assert_eq!(
            proof.revocation_roots().get("bureau"),
            Some(&RevocationRoot {
                root: registry.root(),
                sequence: 2
            })
        );
        proof.require_revocation_root("bureau", &registry).unwrap();
        // The file round-trips with its roots.
        let again = PredicateProof::from_json(proof.to_json().as_bytes()).unwrap();
        assert_eq!(again, proof);
        verify(&vk_again, &again).unwrap();

        // A later registry: the proof's root is stale.
        let mut later = registry.clone();
        later.revoke(&bureau, 99).unwrap();
        assert!(matches!(
            proof.require_revocation_root("bureau", &later),
            Err(PredicateStatementError::StaleRevocationRoot {
                proof_sequence: 2,
                current_sequence: 3,
                ..
            })
        ));
        // Another issuer's registry is not the proof's issuer's.
        let other = RevocationRegistry::new(&impostor);
        let error = proof.require_revocation_root("bureau", &other).unwrap_err();
        assert!(error.is_invalid(), "{error}");
        // A tampered root (the later registry's, or the empty tree's) or sequence in the
        // proof file: the proof no longer verifies, or the sequence check refuses it.
        for root in [
            later.root(),
            RevocationRegistry::new(&bureau).root(),
            Fr::ZERO,
        ] {
            let mut tampered = proof.clone();
            tampered
                .revocation
                .insert("bureau".to_owned(), RevocationRoot { root, sequence: 2 });
            assert!(matches!(
                verify(&vk, &tampered),
                Err(PredicateStatementError::InvalidProof)
            ));
        }
        let mut tampered = proof.clone();
        tampered.revocation.insert(
            "bureau".to_owned(),
            RevocationRoot {
                root: registry.root(),
                sequence: 5,
            },
        );
        assert!(tampered
            .require_revocation_root("bureau", &registry)
            .is_err());
        // A proof without its root, or with a root for an alias that is not revocable, is
        // refused before the pairing.
        let mut missing = proof.clone();
        missing.revocation.clear();
        assert!(matches!(
            verify(&vk, &missing),
            Err(PredicateStatementError::Revocation { .. })
        ));

        // The revoked credential cannot be proven...
        let revoked_creds = BTreeMap::from([("bureau".to_owned(), revoked.clone())]);
        let revoked_inputs = ProverInputs {
            credentials: &revoked_creds,
            ..inputs
        };
        assert!(matches!(
            prove_revocable(&pk, &revoked_inputs, &registries, &mut rng),
            Err(PredicateStatementError::Revoked {
                id: 1001,
                sequence: 2,
                ..
            })
        ));
        // ... and a forced witness (a neighbour's path, the empty tree's path) leaves the
        // system unsatisfied, while the honest witness of the good credential satisfies it.
        let statement = pk.statement();
        let public = |creds: &BTreeMap<String, Credential>| {
            let issuers = creds.iter().map(|(a, c)| (a.clone(), c.issuer())).collect();
            public_inputs(
                statement,
                &issuers,
                &params,
                "lender-x/2026",
                nullifier(&holder, scope_to_field("lender-x/2026")),
                &BTreeMap::from([("bureau".to_owned(), RevocationRoot::of(&registry))]),
            )
            .unwrap()
        };
        let satisfied = |creds: &BTreeMap<String, Credential>, path: NonMembershipWitness| {
            let public = public(creds);
            let paths = BTreeMap::from([("bureau".to_owned(), path)]);
            let cs = ConstraintSystem::<Fr>::new_ref();
            PredicateCircuit::new(statement, &public, creds, &holder)
                .with_revocation(&paths)
                .generate_constraints(cs.clone())
                .unwrap();
            cs.is_satisfied().unwrap()
        };
        assert!(satisfied(&creds, registry.non_membership(1000).unwrap()));
        for path in [
            registry.non_membership(1000).unwrap(),
            registry.non_membership(1003).unwrap(),
            RevocationRegistry::new(&bureau)
                .non_membership(1001)
                .unwrap(),
        ] {
            assert!(!satisfied(&revoked_creds, path));
        }

        // Registries: missing, another issuer's, for a non-revocable alias.
        assert!(matches!(
            prove(&pk, &inputs, &mut rng),
            Err(PredicateStatementError::Revocation { .. })
        ));
        let wrong = BTreeMap::from([("bureau".to_owned(), other)]);
        assert!(matches!(
            prove_revocable(&pk, &inputs, &wrong, &mut rng),
            Err(PredicateStatementError::Revocation { .. })
        ));
        let (plain_pk, plain_vk) = keys(bureau_only());
        assert_ne!(plain_vk.id_hex(), vk.id_hex());
        assert!(matches!(
            prove_revocable(&plain_pk, &inputs, &registries, &mut rng),
            Err(PredicateStatementError::Revocation { .. })
        ));
        // Without revocation the proof file has no roots, and verifies as before.
        let plain = prove(&plain_pk, &inputs, &mut rng).unwrap();
        assert!(plain.revocation_roots().is_empty());
        verify(&plain_vk, &plain).unwrap();
        assert!(!plain.to_json().contains("revocation"));
        // A proof with a root for the plain key is refused.
        let mut extra = plain.clone();
        extra
            .revocation
            .insert("bureau".to_owned(), RevocationRoot::of(&registry));
        assert!(verify(&plain_vk, &extra).is_err());
    }
}
