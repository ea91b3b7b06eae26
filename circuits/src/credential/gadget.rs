//! One credential inside a circuit: its hash recomputed from witness leaves, its attributes
//! range-checked to their schema widths, the issuer's EdDSA-Poseidon signature verified,
//! the holder bound and the expiry checked against a caller-supplied day.
//!
//! This module owns [`CredentialGadget`] (the core every predicate statement runs per
//! credential), [`poseidon_tree_var`] (the in-circuit twin of [`super::poseidon_tree`]),
//! [`DayVar`] (a range-checked day count, e.g. the public `$now`) and the values it hands
//! to a predicate compiler ([`CredentialVar`], [`AttributeVar`]).
//!
//! # What [`CredentialGadget::enforce_valid`] enforces
//! With the schema fixed at setup (its id, names and types are constants of the circuit):
//! - leaves = `[tag, schema, n, holder Ax, holder Ay, issued, expires, revocation id,
//!   attributes…]` exactly as [`super::CredentialBody::leaves`], where the tag, the schema
//!   hash and `n` are constants, the holder coordinates are those computed from the holder
//!   secret ([`super::holder::HolderVar`]: holder binding costs nothing more per
//!   credential), and the rest are witnesses;
//! - hash = the arity-16 Poseidon tree of the leaves, and the issuer's signature on it
//!   verifies under the issuer [`PointVar`] the caller supplies (a constant, or a public
//!   input the verifier checks natively as a [`crate::eddsa::PublicKey`]);
//! - every `uint` attribute is below `2^bits`, every `date` attribute below `2^22`
//!   ([`DAY_BITS`]; 9999-12-31 is day 2,932,896), strings are unconstrained field elements;
//! - `expires − now ∈ [0, 2^22)` with `now` a [`DayVar`] (below `2^22`): then
//!   `expires = now + d` over the integers, so `expires ≥ now` (a negative difference wraps
//!   to about `p`, far above `2^22`); the expiry needs no range check of its own.
//!
//! The issue date is hashed but neither range-checked nor compared (the native
//! [`super::Credential::verify`] also checks `issued ≤ now`; a statement that wants this
//! compares it itself).
//!
//! # Security
//! The range checks are defence in depth: an honest issuer signs only values of the right
//! widths (the native types refuse others), but a predicate compiler's no-wrap argument
//! rests on the widths, so the circuit does not take them on trust. The signature gadget
//! clears torsion of the issuer key with `8·A`: a non-constant issuer key must be checked
//! natively by whoever fixes the public input.

use std::borrow::Borrow;

use ark_bn254::Fr;
use ark_r1cs_std::alloc::{AllocVar, AllocationMode};
use ark_r1cs_std::fields::fp::FpVar;
use ark_relations::gr1cs::{ConstraintSystemRef, Namespace, SynthesisError};

use super::holder::HolderVar;
use super::{schema_to_field, tagged_field, AttributeType, Credential, Schema};
use super::{CREDENTIAL_TAG, HEADER_LEAVES, TREE_ARITY};
use crate::eddsa::gadget::{EddsaPoseidonGadget, PointVar, SignatureVar};
use crate::eddsa::Signature;
use crate::gadgets::RangeCheckGadget;
use crate::poseidon::gadget::PoseidonGadget;

/// Bits of a day count: 9999-12-31 is day 2,932,896 < 2^22.
pub const DAY_BITS: usize = 22;

/// A day count (days since 1970-01-01) as constraints, checked below `2^22`.
#[derive(Clone)]
pub struct DayVar(FpVar<Fr>);

impl DayVar {
    /// Range-checks `value` below `2^22` (22 constraints; a constant is checked natively).
    ///
    /// # Errors
    /// [`SynthesisError::Unsatisfiable`] for a constant out of range; synthesis errors.
    pub fn new(cs: ConstraintSystemRef<Fr>, value: FpVar<Fr>) -> Result<Self, SynthesisError> {
        RangeCheckGadget::enforce_below_power_of_two(cs, &value, DAY_BITS)?;
        Ok(DayVar(value))
    }

    /// The day count.
    pub fn value(&self) -> &FpVar<Fr> {
        &self.0
    }
}

impl AllocVar<super::Days, Fr> for DayVar {
    /// Allocates a day in `mode` and range-checks it (a public `$now` is an input).
    fn new_variable<T: Borrow<super::Days>>(
        cs: impl Into<Namespace<Fr>>,
        f: impl FnOnce() -> Result<T, SynthesisError>,
        mode: AllocationMode,
    ) -> Result<Self, SynthesisError> {
        let cs = cs.into().cs();
        let value = FpVar::new_variable(cs.clone(), || f().map(|d| d.borrow().to_field()), mode)?;
        DayVar::new(cs, value)
    }
}

/// One attribute's value in a circuit, with its schema type (a predicate compiler's input).
#[derive(Clone)]
pub struct AttributeVar {
    name: String,
    kind: AttributeType,
    value: FpVar<Fr>,
}

impl AttributeVar {
    /// The attribute's name in its schema.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its schema type.
    pub fn kind(&self) -> AttributeType {
        self.kind
    }

    /// The value: an integer, a day count, or a string's field element
    /// ([`super::string_to_field`]).
    pub fn value(&self) -> &FpVar<Fr> {
        &self.value
    }

    /// The width the circuit enforced: `Some(bits)` for `uint`, `Some(22)` for `date`,
    /// `None` for `string` (any field element).
    pub fn bits(&self) -> Option<usize> {
        match self.kind {
            AttributeType::Uint { bits } => Some(usize::from(bits)),
            AttributeType::Date => Some(DAY_BITS),
            AttributeType::String => None,
        }
    }
}

/// What [`CredentialGadget::enforce_valid`] proved about one credential, for the rest of
/// the statement.
#[derive(Clone)]
pub struct CredentialVar {
    attributes: Vec<AttributeVar>,
    expires: FpVar<Fr>,
    revocation_id: FpVar<Fr>,
    hash: FpVar<Fr>,
}

impl CredentialVar {
    /// The attributes in schema order.
    pub fn attributes(&self) -> &[AttributeVar] {
        &self.attributes
    }

    /// The attribute called `name`, if the schema has one.
    pub fn attribute(&self, name: &str) -> Option<&AttributeVar> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The expiry day, checked `≥ now` and hence below `now + 2^22 < 2^23` (not
    /// range-checked on its own).
    pub fn expires(&self) -> &FpVar<Fr> {
        &self.expires
    }

    /// The revocation id as signed (an integer below 2^64 from an honest issuer; not
    /// range-checked here: [`super::revocation::gadget`] decomposes it into 64 bits).
    pub fn revocation_id(&self) -> &FpVar<Fr> {
        &self.revocation_id
    }

    /// The credential hash the signature verified.
    pub fn hash(&self) -> &FpVar<Fr> {
        &self.hash
    }
}

/// The arity-16 Poseidon tree of [`super::poseidon_tree`] as constraints.
///
/// # Errors
/// [`SynthesisError::Unsatisfiable`] for no leaves; synthesis errors.
pub fn poseidon_tree_var(leaves: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    let hash = |chunk: &[FpVar<Fr>]| {
        PoseidonGadget::new(chunk.len())
            .map_err(|_| SynthesisError::Unsatisfiable)?
            .hash(chunk)
    };
    let mut level = leaves.to_vec();
    while level.len() > TREE_ARITY {
        level = level
            .chunks(TREE_ARITY)
            .map(hash)
            .collect::<Result<Vec<_>, _>>()?;
    }
    hash(&level)
}

/// Verifies one credential of a fixed schema in a circuit (module docs).
pub struct CredentialGadget;

/// The prover's values for one credential: leaves and signature.
struct Witness {
    leaves: Vec<Fr>,
    signature: Signature,
}

impl CredentialGadget {
    /// Allocates `credential` (a witness; `None` in setup mode) as a credential of
    /// `schema`, bound to `holder`, signed by `issuer`, not expired on `now`; returns its
    /// attributes (schema order, with widths) and the values other parts of a statement
    /// need.
    ///
    /// A credential of another shape than the schema (another number of attributes) is
    /// [`SynthesisError::Unsatisfiable`]; one of another schema with the same shape, or
    /// signed by another issuer, or of another holder, or expired, leaves the constraint
    /// system unsatisfied.
    ///
    /// # Errors
    /// As above; `AssignmentMissing` when proving without a credential; synthesis errors.
    pub fn enforce_valid(
        cs: ConstraintSystemRef<Fr>,
        schema: &Schema,
        credential: Option<&Credential>,
        issuer: &PointVar,
        holder: &HolderVar,
        now: &DayVar,
    ) -> Result<CredentialVar, SynthesisError> {
        let witness = match credential {
            Some(c) if c.body().schema().attributes().len() != schema.attributes().len() => {
                return Err(SynthesisError::Unsatisfiable)
            }
            Some(c) => Some(Witness {
                leaves: c.body().leaves(),
                signature: *c.signature(),
            }),
            None => None,
        };
        Self::enforce_raw(cs, schema, witness.as_ref(), issuer, holder, now)
    }

    /// [`Self::enforce_valid`] on raw leaves (tests play a dishonest issuer with it).
    fn enforce_raw(
        cs: ConstraintSystemRef<Fr>,
        schema: &Schema,
        witness: Option<&Witness>,
        issuer: &PointVar,
        holder: &HolderVar,
        now: &DayVar,
    ) -> Result<CredentialVar, SynthesisError> {
        let leaf = |index: usize| {
            FpVar::new_witness(cs.clone(), || {
                witness
                    .and_then(|w| w.leaves.get(index).copied())
                    .ok_or(SynthesisError::AssignmentMissing)
            })
        };
        let issued = leaf(5)?;
        let expires = leaf(6)?;
        let revocation_id = leaf(7)?;
        let mut attributes = Vec::with_capacity(schema.attributes().len());
        for (position, spec) in schema.attributes().iter().enumerate() {
            let value = leaf(HEADER_LEAVES + position)?;
            match spec.kind {
                AttributeType::Uint { bits } => RangeCheckGadget::enforce_below_power_of_two(
                    cs.clone(),
                    &value,
                    usize::from(bits),
                )?,
                AttributeType::Date => {
                    RangeCheckGadget::enforce_below_power_of_two(cs.clone(), &value, DAY_BITS)?
                }
                AttributeType::String => {}
            }
            attributes.push(AttributeVar {
                name: spec.name.clone(),
                kind: spec.kind,
                value,
            });
        }
        let mut leaves = vec![
            FpVar::Constant(tagged_field(CREDENTIAL_TAG, b"")),
            FpVar::Constant(schema_to_field(schema)),
            FpVar::Constant(Fr::from(schema.attributes().len() as u64)),
            holder.x().clone(),
            holder.y().clone(),
            issued,
            expires.clone(),
            revocation_id.clone(),
        ];
        leaves.extend(attributes.iter().map(|a| a.value.clone()));
        let hash = poseidon_tree_var(&leaves)?;
        let signature = SignatureVar::new_witness(cs.clone(), || {
            witness
                .map(|w| w.signature)
                .ok_or(SynthesisError::AssignmentMissing)
        })?;
        EddsaPoseidonGadget::enforce_valid(issuer, &hash, &signature)?;
        // expires ≥ now: with now < 2^22, expires − now ∈ [0, 2^22) means expires = now + d
        // over the integers (below 2^23 < p), so no range check of expires is needed.
        RangeCheckGadget::enforce_below_power_of_two(cs, &(&expires - now.value()), DAY_BITS)?;
        Ok(CredentialVar {
            attributes,
            expires,
            revocation_id,
            hash,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::holder::HolderSecret;
    use crate::credential::{AttributeSpec, Attributes, CredentialBody, Days, HEADER_LEAVES};
    use crate::eddsa::SecretKey;
    use ark_r1cs_std::GR1CSVar;
    use ark_relations::gr1cs::{ConstraintSystem, SynthesisMode};
    use AllocationMode::{Constant, Input, Witness as W};

    fn spec(name: &str, kind: AttributeType) -> AttributeSpec {
        AttributeSpec {
            name: name.into(),
            kind,
        }
    }

    /// The example credit-score schema (uint 16, date, string).
    fn score_schema(id: &str) -> Schema {
        Schema::new(
            id.into(),
            vec![
                spec("score", AttributeType::Uint { bits: 16 }),
                spec("as_of", AttributeType::Date),
                spec("bureau", AttributeType::String),
            ],
        )
        .unwrap()
    }

    /// 12 attributes: a two-level tree (20 leaves).
    fn wide_schema() -> Schema {
        let specs = (0..12)
            .map(|i| spec(&format!("a{i}"), AttributeType::Uint { bits: 64 }))
            .collect();
        Schema::new("example.org/wide/v1".into(), specs).unwrap()
    }

    fn day(text: &str) -> Days {
        Days::parse(text, "test").unwrap()
    }

    struct Fixture {
        issuer: SecretKey,
        holder: SecretKey,
        credential: Credential,
    }

    fn fixture(schema: &Schema) -> Fixture {
        let issuer = SecretKey::from_bytes([1u8; 32]);
        let holder = SecretKey::from_bytes([2u8; 32]);
        let map: serde_json::Map<String, serde_json::Value> = schema
            .attributes()
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let value = match s.kind {
                    AttributeType::Uint { .. } => serde_json::json!(700 + i as u64),
                    AttributeType::Date => serde_json::json!("2026-11-01"),
                    AttributeType::String => serde_json::json!("Bureau"),
                };
                (s.name.clone(), value)
            })
            .collect();
        let attributes = Attributes::from_map(schema, &map).unwrap();
        let body = CredentialBody::new(
            attributes,
            holder.public_key(),
            day("2026-12-01"),
            day("2027-12-31"),
            42,
        )
        .unwrap();
        let credential = body.sign(&issuer).unwrap();
        Fixture {
            issuer,
            holder,
            credential,
        }
    }

    struct Run<'a> {
        schema: &'a Schema,
        witness: Witness,
        issuer: crate::babyjubjub::Point,
        issuer_mode: AllocationMode,
        holder: &'a SecretKey,
        now: Days,
    }

    impl<'a> Run<'a> {
        fn honest(f: &'a Fixture, schema: &'a Schema, issuer_mode: AllocationMode) -> Self {
            Run {
                schema,
                witness: Witness {
                    leaves: f.credential.body().leaves(),
                    signature: *f.credential.signature(),
                },
                issuer: f.issuer.public_key().point(),
                issuer_mode,
                holder: &f.holder,
                now: day("2027-06-01"),
            }
        }

        /// `(satisfied, constraints, hash, attribute values)`.
        fn go(&self) -> Result<(bool, usize, Fr, Vec<Fr>), SynthesisError> {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let issuer = PointVar::new_variable(cs.clone(), || Ok(self.issuer), self.issuer_mode)?;
            let secret = HolderSecret::from_secret_key(self.holder);
            let holder = HolderVar::new_witness(cs.clone(), Some(&secret))?;
            let now = DayVar::new_input(cs.clone(), || Ok(self.now))?;
            let before = cs.num_constraints();
            let out = CredentialGadget::enforce_raw(
                cs.clone(),
                self.schema,
                Some(&self.witness),
                &issuer,
                &holder,
                &now,
            )?;
            let values = out
                .attributes()
                .iter()
                .map(|a| a.value().value())
                .collect::<Result<_, _>>()?;
            Ok((
                cs.is_satisfied()?,
                cs.num_constraints() - before,
                out.hash().value()?,
                values,
            ))
        }
    }

    #[test]
    fn honest_credentials_satisfy_with_the_native_hash_and_pinned_counts() {
        let schema = score_schema("example.org/credit-score/v1");
        let wide = wide_schema();
        let mut counts = Vec::new();
        for schema in [&schema, &wide] {
            let f = fixture(schema);
            for mode in [Constant, Input, W] {
                let (ok, constraints, hash, values) = Run::honest(&f, schema, mode).go().unwrap();
                assert!(ok, "{mode:?}");
                assert_eq!(hash, f.credential.body().hash().unwrap());
                let native: Vec<Fr> = f.credential.body().leaves()[HEADER_LEAVES..].to_vec();
                assert_eq!(values, native);
                counts.push(constraints);
            }
        }
        // Per credential (the holder's key, `now` and an issuer key's allocation are per
        // proof, counted apart): the signature gadget (2,135 with a constant issuer key;
        // 3,683 − 18 for the key's own checks with an input or witness key), the Poseidon
        // tree (Poseidon(11): 468 − 12 for four constant leaves in the first round; 12
        // attributes: Poseidon(16) 612 − 12, Poseidon(4) 300 − 3, Poseidon(2) 240), the
        // range checks (16 + 22 + 0, or 12 × 64) and the expiry (22).
        assert_eq!(counts, [2_651, 4_181, 4_181, 4_062, 5_592, 5_592]);
    }

    #[test]
    fn poseidon_tree_var_equals_the_native_tree() {
        for n in [1usize, 2, 15, 16, 17, 72] {
            let values: Vec<Fr> = (0..n as u64).map(|i| Fr::from(i * 7 + 3)).collect();
            let cs = ConstraintSystem::<Fr>::new_ref();
            let vars: Vec<FpVar<Fr>> = values
                .iter()
                .map(|v| FpVar::new_witness(cs.clone(), || Ok(*v)).unwrap())
                .collect();
            let tree = poseidon_tree_var(&vars).unwrap();
            assert_eq!(
                tree.value().unwrap(),
                crate::credential::poseidon_tree(&values).unwrap(),
                "{n} leaves"
            );
            assert!(cs.is_satisfied().unwrap());
        }
        assert!(poseidon_tree_var(&[]).is_err());
    }

    fn refused(run: &Run<'_>, what: &str) {
        match run.go() {
            Ok((ok, ..)) => assert!(!ok, "{what} satisfies ({:?})", run.issuer_mode),
            Err(error) => assert!(
                matches!(error, SynthesisError::Unsatisfiable),
                "{what}: {error:?}"
            ),
        }
    }

    #[test]
    fn forged_expired_and_foreign_credentials_do_not_satisfy() {
        let schema = score_schema("example.org/credit-score/v1");
        let f = fixture(&schema);
        let other_issuer = SecretKey::from_bytes([5u8; 32]);
        let other_holder = SecretKey::from_bytes([6u8; 32]);
        let other_schema = score_schema("example.org/other-score/v1");
        for mode in [Constant, Input, W] {
            let honest = Run::honest(&f, &schema, mode);
            assert!(honest.go().unwrap().0);
            // The last valid day is fine, the next is not.
            let mut last = Run::honest(&f, &schema, mode);
            last.now = day("2027-12-31");
            assert!(last.go().unwrap().0);
            let mut expired = Run::honest(&f, &schema, mode);
            expired.now = day("2028-01-01");
            refused(&expired, "expired");
            let mut far = Run::honest(&f, &schema, mode);
            far.now = day("9999-12-31");
            refused(&far, "expired by centuries");

            let mut wrong_issuer = Run::honest(&f, &schema, mode);
            wrong_issuer.issuer = other_issuer.public_key().point();
            refused(&wrong_issuer, "another issuer's key");

            let mut wrong_holder = Run::honest(&f, &schema, mode);
            wrong_holder.holder = &other_holder;
            refused(&wrong_holder, "another holder's secret");

            for index in [5, 6, 7, HEADER_LEAVES, HEADER_LEAVES + 1, HEADER_LEAVES + 2] {
                let mut tampered = Run::honest(&f, &schema, mode);
                tampered.witness.leaves[index] += Fr::from(1u64);
                refused(&tampered, &format!("leaf {index} altered"));
            }

            let foreign = Run::honest(&f, &other_schema, mode);
            refused(&foreign, "a credential of another schema");

            // The issuer's signature over the holder's key instead of the issuer's.
            let mut resigned = Run::honest(&f, &schema, mode);
            resigned.witness.signature = f.holder.sign(f.credential.body().hash().unwrap());
            refused(&resigned, "signed by the holder");
        }
        // A credential of another shape is refused before synthesis.
        let wide = wide_schema();
        let cs = ConstraintSystem::<Fr>::new_ref();
        let issuer = PointVar::new_constant(cs.clone(), f.issuer.public_key().point()).unwrap();
        let secret = HolderSecret::from_secret_key(&f.holder);
        let holder = HolderVar::new_witness(cs.clone(), Some(&secret)).unwrap();
        let now = DayVar::new_input(cs.clone(), || Ok(day("2027-01-01"))).unwrap();
        assert!(matches!(
            CredentialGadget::enforce_valid(cs, &wide, Some(&f.credential), &issuer, &holder, &now),
            Err(SynthesisError::Unsatisfiable)
        ));
    }

    #[test]
    fn out_of_range_values_are_refused_even_when_the_issuer_signs_them() {
        // A dishonest issuer signs a score of 2^16 (the schema says 16 bits), a date of 2^22
        // and an expiry of p − 1 (which `expires − now` would wrap): the signature verifies,
        // the range checks do not.
        let schema = score_schema("example.org/credit-score/v1");
        let f = fixture(&schema);
        for (index, value) in [
            (HEADER_LEAVES, Fr::from(1u64 << 16)),
            (HEADER_LEAVES + 1, Fr::from(1u64 << DAY_BITS)),
            (6, -Fr::from(1u64)),
        ] {
            let mut run = Run::honest(&f, &schema, Input);
            run.witness.leaves[index] = value;
            let hash = crate::credential::poseidon_tree(&run.witness.leaves).unwrap();
            run.witness.signature = f.issuer.sign(hash);
            refused(&run, &format!("leaf {index} = {value}"));
            // The same values within range pass (the signature is fresh and valid).
            let mut fine = Run::honest(&f, &schema, Input);
            fine.witness.leaves[index] = Fr::from(3u64 << 20);
            if index == 6 {
                fine.now = day("1970-01-02");
            }
            let hash = crate::credential::poseidon_tree(&fine.witness.leaves).unwrap();
            fine.witness.signature = f.issuer.sign(hash);
            if index != HEADER_LEAVES {
                assert!(fine.go().unwrap().0, "leaf {index} in range");
            }
        }
    }

    #[test]
    fn setup_mode_synthesizes_the_same_constraints_without_values() {
        let schema = score_schema("example.org/credit-score/v1");
        let f = fixture(&schema);
        let count = |setup: bool| {
            let cs = ConstraintSystem::<Fr>::new_ref();
            if setup {
                cs.set_mode(SynthesisMode::Setup);
            }
            let issuer =
                PointVar::new_input(cs.clone(), || Ok(f.issuer.public_key().point())).unwrap();
            let secret = HolderSecret::from_secret_key(&f.holder);
            let holder = HolderVar::new_witness(cs.clone(), (!setup).then_some(&secret)).unwrap();
            let now = DayVar::new_input(cs.clone(), || Ok(day("2027-01-01"))).unwrap();
            let credential = (!setup).then_some(&f.credential);
            CredentialGadget::enforce_valid(
                cs.clone(),
                &schema,
                credential,
                &issuer,
                &holder,
                &now,
            )
            .unwrap();
            cs.num_constraints()
        };
        assert_eq!(count(true), count(false));
    }

    #[test]
    fn two_credentials_one_holder_nullifier_and_revocation_compose() {
        use crate::credential::nullifier::{nullifier, scope_to_field, NullifierGadget};
        use crate::credential::revocation::gadget::NonMembershipGadget;
        use crate::credential::revocation::{RevocationRegistry, RevocationTree};
        let bureau_schema = score_schema("example.org/credit-score/v1");
        let bank_schema = Schema::new(
            "example.org/bank-account/v1".into(),
            vec![
                spec("income", AttributeType::Uint { bits: 32 }),
                spec("debt", AttributeType::Uint { bits: 32 }),
                spec("opened", AttributeType::Date),
                spec("bank", AttributeType::String),
            ],
        )
        .unwrap();
        let bureau = fixture(&bureau_schema);
        let mut bank = fixture(&bank_schema);
        // Another issuer for the bank, same holder.
        let bank_issuer = SecretKey::from_bytes([7u8; 32]);
        bank.credential = bank.credential.body().clone().sign(&bank_issuer).unwrap();
        let mut registry = RevocationRegistry::new(&bank_issuer);
        registry.revoke(&bank_issuer, 41).unwrap();
        registry.revoke(&bank_issuer, 43).unwrap();
        let secret = HolderSecret::from_secret_key(&bureau.holder);
        let scope = scope_to_field("lender-x/2026");
        // (revocation witness, root, claimed nullifier) → (satisfied, constraints)
        let run = |witness: &crate::credential::revocation::NonMembershipWitness,
                   root: Fr,
                   claimed: Fr| {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let holder = HolderVar::new_witness(cs.clone(), Some(&secret)).unwrap();
            let now = DayVar::new_input(cs.clone(), || Ok(day("2027-06-01"))).unwrap();
            let scope_var = FpVar::new_input(cs.clone(), || Ok(scope)).unwrap();
            let claimed = FpVar::new_input(cs.clone(), || Ok(claimed)).unwrap();
            NullifierGadget::enforce_nullifier(&holder, &scope_var, &claimed).unwrap();
            let bureau_key =
                PointVar::new_constant(cs.clone(), bureau.issuer.public_key().point()).unwrap();
            let score = CredentialGadget::enforce_valid(
                cs.clone(),
                &bureau_schema,
                Some(&bureau.credential),
                &bureau_key,
                &holder,
                &now,
            )
            .unwrap();
            assert_eq!(score.attribute("score").unwrap().bits(), Some(16));
            let bank_key =
                PointVar::new_input(cs.clone(), || Ok(bank_issuer.public_key().point())).unwrap();
            let account = CredentialGadget::enforce_valid(
                cs.clone(),
                &bank_schema,
                Some(&bank.credential),
                &bank_key,
                &holder,
                &now,
            )
            .unwrap();
            assert_eq!(account.attributes().len(), 4);
            let root = FpVar::new_input(cs.clone(), || Ok(root)).unwrap();
            NonMembershipGadget::enforce_not_revoked(
                cs.clone(),
                account.revocation_id(),
                Some(witness),
                &root,
            )
            .unwrap();
            (cs.is_satisfied().unwrap(), cs.num_constraints())
        };
        let witness = registry.non_membership(42).unwrap();
        let honest = nullifier(&secret, scope);
        // holder 912 + now 22 + nullifier 258 + bureau (constant key) 2,651 + bank key 18
        // + bank core (3,665 + Poseidon(12) 495 + ranges 86 + expiry 22) + revocation 15,489.
        let root = registry.root();
        assert_eq!(run(&witness, root, honest), (true, 23_618));
        // The nullifier of another scope, a path of the tree before revocations.
        assert!(!run(&witness, root, nullifier(&secret, scope_to_field("other"))).0);
        let stale = RevocationTree::default().non_membership(42).unwrap();
        assert!(!run(&stale, root, honest).0);
        // Once 42 is revoked there is no witness, and the old one fails the new root.
        registry.revoke(&bank_issuer, 42).unwrap();
        assert!(registry.non_membership(42).is_err());
        assert!(!run(&witness, registry.root(), honest).0);
    }
}
