//! Issuer pinning in the predicate statement: an alias may require one issuer key, fixed
//! at setup and recorded in the statement (so in the key id). The key stays a public input
//! (the layout of the public inputs does not depend on pinning), but the circuit enforces
//! it equal to the pinned key and checks the signature under the constant key, which costs
//! about 1,550 constraints less than a variable key; the verifier refuses a proof naming
//! another key ([`super::PredicateStatementError::OtherIssuer`]) before the pairing.

use std::collections::BTreeMap;

use super::{PredicateStatement, PredicateStatementError, Result};
use crate::eddsa::PublicKey;

impl PredicateStatement {
    /// Requires `key` as the issuer of `alias`'s credentials.
    ///
    /// # Errors
    /// [`PredicateStatementError::Alias`] for an alias the predicate does not use or one
    /// already pinned.
    pub fn with_issuer(mut self, alias: &str, key: PublicKey) -> Result<Self> {
        if !self.aliases.contains_key(alias) {
            return Err(PredicateStatementError::Alias {
                alias: alias.to_owned(),
                problem: "cannot have a required issuer: the predicate does not use it",
            });
        }
        if self.pinned.insert(alias.to_owned(), key).is_some() {
            return Err(PredicateStatementError::Alias {
                alias: alias.to_owned(),
                problem: "has its issuer given twice",
            });
        }
        Ok(self)
    }

    /// The issuer keys fixed at setup, by alias (aliases without one accept any issuer;
    /// the verifier may still require one).
    pub fn pinned_issuers(&self) -> &BTreeMap<String, PublicKey> {
        &self.pinned
    }

    /// Refuses `issuer` for `alias` if the statement pins another key.
    pub(super) fn check_pinned(&self, alias: &str, issuer: &PublicKey) -> Result<()> {
        match self.pinned.get(alias) {
            Some(pinned) if pinned != issuer => Err(PredicateStatementError::IssuerNotPinned {
                alias: alias.to_owned(),
            }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use ark_bn254::Fr;
    use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::super::fixtures::{credential, schema, EXAMPLE};
    use super::super::{
        constraint_count, prove, public_inputs, setup, verify, PredicateCircuit, PredicateProof,
        PredicateVerifyingKey, ProverInputs,
    };
    use super::*;
    use crate::credential::holder::HolderSecret;
    use crate::credential::nullifier::{nullifier, scope_to_field};
    use crate::credential::Credential;
    use crate::eddsa::SecretKey;

    /// Pinning both issuers of the example: each signature is checked under a
    /// constant key (a core of 2,651 instead of 4,181 and the key's 18 checks) plus 2
    /// equalities with the inputs: 6,673.
    #[test]
    fn pinned_issuers_constraint_count_and_key_id() {
        let bureau = SecretKey::from_bytes([1u8; 32]).public_key();
        let bank = SecretKey::from_bytes([4u8; 32]).public_key();
        let schemas = BTreeMap::from([
            ("bank".to_owned(), schema("bank")),
            ("bureau".to_owned(), schema("bureau")),
        ]);
        let plain = PredicateStatement::new(EXAMPLE, schemas).unwrap();
        let pinned = plain
            .clone()
            .with_issuer("bureau", bureau)
            .unwrap()
            .with_issuer("bank", bank)
            .unwrap();
        assert_eq!(pinned.public_input_count(), plain.public_input_count());
        assert_eq!(constraint_count(&plain).unwrap(), 9_765);
        assert_eq!(
            constraint_count(&pinned).unwrap(),
            9_765 - 2 * (4_181 + 18 - 2_651) + 2 * 2
        );
        assert_ne!(plain.canonical_bytes(), pinned.canonical_bytes());
        let other = plain.clone().with_issuer("bureau", bank).unwrap();
        assert_ne!(other.canonical_bytes(), pinned.canonical_bytes());
        assert!(plain.clone().with_issuer("lender", bank).is_err());
        assert!(other.with_issuer("bureau", bank).is_err());
    }

    #[test]
    fn pinned_issuer_refuses_other_keys_at_proving_verifying_and_in_the_circuit() {
        let mut rng = ChaCha20Rng::seed_from_u64(17);
        let bureau = SecretKey::from_bytes([1u8; 32]);
        let impostor = SecretKey::from_bytes([3u8; 32]);
        let alice = SecretKey::from_bytes([2u8; 32]);
        let holder = HolderSecret::from_secret_key(&alice);
        let statement = PredicateStatement::new(
            "bureau.score >= 650",
            BTreeMap::from([("bureau".to_owned(), schema("bureau"))]),
        )
        .unwrap()
        .with_issuer("bureau", bureau.public_key())
        .unwrap();
        let (pk, vk) = setup(statement, &mut rng).unwrap();
        let vk_again = PredicateVerifyingKey::from_json(vk.to_json().as_bytes()).unwrap();
        assert_eq!(vk_again.id_hex(), vk.id_hex());
        assert_eq!(
            vk_again.statement().pinned_issuers().get("bureau"),
            Some(&bureau.public_key())
        );
        let params = BTreeMap::from([("now".to_owned(), "2026-12-02".to_owned())]);
        let good = BTreeMap::from([("bureau".to_owned(), credential(&bureau, &alice, 9))]);
        let bad = BTreeMap::from([("bureau".to_owned(), credential(&impostor, &alice, 9))]);
        let inputs = ProverInputs {
            credentials: &good,
            holder: &holder,
            scope: "s",
            params: &params,
        };
        let proof = prove(&pk, &inputs, &mut rng).unwrap();
        verify(&vk_again, &proof).unwrap();
        // The impostor's credential is refused at proving.
        let bad_inputs = ProverInputs {
            credentials: &bad,
            ..inputs
        };
        assert!(matches!(
            prove(&pk, &bad_inputs, &mut rng),
            Err(PredicateStatementError::IssuerNotPinned { .. })
        ));
        // A proof file naming another key is refused without the verifier naming the issuer.
        let mut tampered = PredicateProof::from_json(proof.to_json().as_bytes()).unwrap();
        tampered
            .issuers
            .insert("bureau".to_owned(), impostor.public_key());
        let error = verify(&vk, &tampered).unwrap_err();
        assert!(matches!(error, PredicateStatementError::OtherIssuer { .. }) && error.is_invalid());
        // In the circuit: the impostor's credential with its key as the input, or with the
        // pinned key as the input, leaves the system unsatisfied; the honest one satisfies.
        let satisfied = |creds: &BTreeMap<String, Credential>, key: PublicKey| {
            let public = public_inputs(
                pk.statement(),
                &BTreeMap::from([("bureau".to_owned(), key)]),
                &params,
                "s",
                nullifier(&holder, scope_to_field("s")),
                &BTreeMap::new(),
            )
            .unwrap();
            let cs = ConstraintSystem::<Fr>::new_ref();
            PredicateCircuit::new(pk.statement(), &public, creds, &holder)
                .generate_constraints(cs.clone())
                .unwrap();
            cs.is_satisfied().unwrap()
        };
        assert!(satisfied(&good, bureau.public_key()));
        assert!(!satisfied(&bad, impostor.public_key()));
        assert!(!satisfied(&bad, bureau.public_key()));
        assert!(!satisfied(&good, impostor.public_key()));
    }
}
