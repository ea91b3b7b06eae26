//! The predicate statement: one Groth16 proof that a holder has a valid, unexpired
//! credential per alias, all bound to her holder key, whose attributes satisfy a predicate
//! ([`crate::predicate`]), with a scoped nullifier. Setup, prove and verify, and the key and
//! proof files.
//!
//! # What the circuit enforces
//! For every alias (in name order), with the schema fixed at setup,
//! [`CredentialGadget::enforce_valid`]: the credential hash recomputed from its leaves, the
//! issuer's EdDSA-Poseidon signature on it under the alias's public issuer key, attribute
//! range checks, `expires ≥ $now`, and the holder leaves equal to `k·Base8` for the one
//! holder secret `k` of the proof ([`HolderVar`]). Then the nullifier
//! `Poseidon(tag, k, scope)` ([`NullifierGadget`]) equals the public nullifier, and the
//! compiled predicate ([`crate::predicate::enforce`]) holds. For every revocable alias, the
//! credential's revocation id is not in the revocation tree of the public root
//! ([`NonMembershipGadget`]).
//!
//! # Public inputs, in order
//! 1. for each alias in byte order of its name: the issuer key's `Ax`, `Ay` (circomlib
//!    coordinates);
//! 2. for each parameter in byte order of its name — `$now` (a date) always, then every
//!    `$param` the predicate uses — its value: a day count, an integer, or a string's
//!    [`crate::credential::string_to_field`];
//! 3. the scope ([`scope_to_field`] of the scope text);
//! 4. the nullifier;
//! 5. for each revocable alias ([`PredicateStatement::with_revocation`]) in byte order of
//!    its name: the root of its issuer's revocation tree (module `revocation`).
//!
//! With hashed inputs ([`PredicateStatement::with_hashed_inputs`]) the public inputs are
//! `[config, nullifier, now]` and `config` hashes the others (module `config`).
//! Issuers pinned at setup ([`PredicateStatement::with_issuer`]) keep their place in the
//! layout; the circuit requires them equal to the pinned key.
//!
//! # Security
//! The verifier checks natively what the circuit leaves to it: every issuer key is a
//! checked Baby Jubjub point in the prime-order subgroup (the signature gadget clears
//! torsion with `8·A`), each parameter lies in its type's range (`[0, 2^bits)`, dates below
//! `2^22`: the compiler's no-wrap argument rests on it; `$now` is also range-checked in the
//! circuit), and the scope field is that of the scope text. Which issuer keys are
//! acceptable for an alias is the verifier's policy: a proof names its issuers, and
//! [`PredicateProof::require_issuer`] refuses others.

mod config;
#[cfg(test)]
mod fixtures;
mod issuers;
mod revocation;

pub use config::{config_hash, CONFIG_TAG};
pub use revocation::RevocationRoot;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use ark_bn254::{Bn254, Fr};
use ark_ff::{BigInteger, PrimeField};
use ark_groth16::{Groth16, PreparedVerifyingKey};
use ark_r1cs_std::alloc::{AllocVar, AllocationMode};
use ark_r1cs_std::fields::fp::FpVar;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, SynthesisError,
};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use ark_snark::SNARK;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRngCore, SeedableRng};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::babyjubjub::Point;
use crate::credential::gadget::{poseidon_tree_var, CredentialGadget, DayVar};
use crate::credential::holder::{HolderSecret, HolderVar};
use crate::credential::nullifier::{nullifier, scope_to_field, NullifierGadget};
use crate::credential::revocation::gadget::NonMembershipGadget;
use crate::credential::revocation::{NonMembershipWitness, RevocationError, RevocationRegistry};
use crate::credential::{
    string_to_field, tagged_field, AttributeValue, Credential, CredentialError, Days, Schema,
};
use crate::eddsa::gadget::PointVar;
use crate::eddsa::PublicKey;
use crate::field;
use crate::formats::proving_key;
use crate::gadgets::enforce_equal;
use crate::groth16::matrices::witness_only_assignment;
use crate::groth16::ProverKey;
use crate::predicate::{
    self, parse, Assignment, CompileError, Env, Expr, ParamType, PredicateError, PredicateVars,
};
use crate::ZkError;

/// The parameter every predicate statement has: the day the credentials must be valid on.
pub const NOW: &str = "now";

const VERSION: u64 = 1;
const PROOF_FORMAT: &str = "conclave.predicate.proof";
const VERIFYING_KEY_FORMAT: &str = "conclave.predicate.verifying_key";
/// Magic of the compact (compressed, every point checked on load) proving key file.
const PROVING_KEY_MAGIC_COMPACT: &[u8; 8] = b"CNCLPPK1";
/// Magic of the hashed (uncompressed, SHA-256-checked) proving key file without matrices
/// (still read).
const PROVING_KEY_MAGIC_V2: &[u8; 8] = b"CNCLPPK2";
/// Magic of the hashed proving key file with the circuit's R1CS matrices, which `setup`
/// writes.
const PROVING_KEY_MAGIC: &[u8; 8] = b"CNCLPPK3";
/// Domain tag of a predicate verifying key's id.
const KEY_ID_TAG: &[u8] = b"conclave/predicate/verifying-key/v1\0";

/// Everything that can go wrong with a predicate statement.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PredicateStatementError {
    /// The predicate text does not parse or check.
    #[error("{}", .error.render(.text))]
    Predicate {
        /// The predicate text.
        text: String,
        /// What is wrong, with its span (rendered with a caret by `Display`).
        error: PredicateError,
    },
    /// The predicate names no alias (it must read at least one credential).
    #[error("the predicate reads no credential: name attributes as `alias.attribute`")]
    NoAlias,
    /// A schema was given for an alias the predicate does not use, or the other way round.
    #[error("alias `{alias}` {problem}")]
    Alias {
        /// The alias.
        alias: String,
        /// "has no schema" / "is not used by the predicate" / "has no credential".
        problem: &'static str,
    },
    /// `$now` is used as something other than a date.
    #[error("`$now` is the day the credentials must be valid on: use it as a date")]
    NowNotDate,
    /// A parameter value is missing, unknown, or not of its type.
    #[error("parameter `${name}`: {problem}")]
    Param {
        /// The parameter's name.
        name: String,
        /// What is wrong.
        problem: &'static str,
    },
    /// A credential is of another schema than its alias's.
    #[error(
        "the credential for `{alias}` is of schema `{found}`, but the key expects `{expected}`"
    )]
    OtherSchema {
        /// The alias.
        alias: String,
        /// The key's schema id.
        expected: String,
        /// The credential's schema id (or the same id with other attributes).
        found: String,
    },
    /// A credential is not valid (bad signature, expired, not yet valid).
    #[error("the credential for `{alias}` is not valid")]
    Credential {
        /// The alias.
        alias: String,
        /// Why.
        #[source]
        source: CredentialError,
    },
    /// A credential is bound to another holder key than the one given.
    #[error("the credential for `{alias}` was issued to another holder key than this one")]
    OtherHolder {
        /// The alias.
        alias: String,
    },
    /// The credentials do not satisfy the predicate, so no proof exists.
    #[error("the credentials do not satisfy the predicate `{predicate}`")]
    PredicateFalse {
        /// The predicate text.
        predicate: String,
    },
    /// A revocation registry is missing, not the credential's issuer's, or given for an
    /// alias that is not revocable.
    #[error("alias `{alias}` {problem}")]
    Revocation {
        /// The alias.
        alias: String,
        /// What is wrong.
        problem: &'static str,
    },
    /// A credential is revoked in its issuer's registry, so no proof exists.
    #[error("the credential for `{alias}` is revoked (revocation id {id}, registry sequence {sequence})")]
    Revoked {
        /// The alias.
        alias: String,
        /// The credential's revocation id.
        id: u64,
        /// The registry's sequence.
        sequence: u64,
    },
    /// A registry does not give a non-membership witness.
    #[error("the revocation registry for `{alias}` cannot be used")]
    Registry {
        /// The alias.
        alias: String,
        /// Why.
        #[source]
        source: RevocationError,
    },
    /// The registry a verifier requires is another issuer's than the proof's for an alias.
    #[error("the revocation registry given for `{alias}` is not the registry of the proof's issuer for `{alias}`")]
    RegistryOtherIssuer {
        /// The alias.
        alias: String,
    },
    /// The proof's revocation root for an alias is not the registry's current root.
    #[error("the proof's revocation root for `{alias}` is stale or not the registry's: the proof was made at sequence {proof_sequence}, the registry is at sequence {current_sequence} (prove again with the current registry)")]
    StaleRevocationRoot {
        /// The alias.
        alias: String,
        /// The sequence the proof file names.
        proof_sequence: u64,
        /// The registry's current sequence.
        current_sequence: u64,
    },
    /// A credential is signed by another issuer than the one the key pins for its alias.
    #[error("the credential for `{alias}` is signed by another issuer than the one this key requires for `{alias}`")]
    IssuerNotPinned {
        /// The alias.
        alias: String,
    },
    /// The proof names another issuer for an alias than the one required.
    #[error("the proof's issuer for `{alias}` is not the required issuer key")]
    OtherIssuer {
        /// The alias.
        alias: String,
    },
    /// The proof was made for another key (another predicate, schema or setup).
    #[error("the proof was made for key {proof_key}, not for this key {key}")]
    KeyMismatch {
        /// This key's id.
        key: String,
        /// The key the proof names.
        proof_key: String,
    },
    /// The proof is well-formed but does not verify.
    #[error("the proof does not verify")]
    InvalidProof,
    /// A key or proof file is malformed.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// What was being read.
        what: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// A key or proof file is not valid JSON of its shape.
    #[error("malformed {what}")]
    Json {
        /// What was being read.
        what: &'static str,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// A schema inside a key file is malformed.
    #[error("malformed schema for `{alias}` in the key")]
    Schema {
        /// The alias.
        alias: String,
        /// Why.
        #[source]
        source: CredentialError,
    },
    /// A Groth16 key or proof does not decode (bad point, trailing bytes).
    #[error("malformed {what}")]
    Serialization {
        /// What was being read.
        what: &'static str,
        /// Why.
        #[source]
        source: ark_serialize::SerializationError,
    },
    /// The Groth16 key inside a proving key file does not load (digest mismatch,
    /// truncated, garbled, bad point).
    #[error("malformed {what}")]
    ProvingKey {
        /// What was being read.
        what: &'static str,
        /// Why.
        #[source]
        source: ZkError,
    },
    /// The config hash could not be computed.
    #[error("cannot hash the public inputs")]
    ConfigHash(#[source] CredentialError),
    /// Constraint synthesis failed.
    #[error("constraint synthesis failed")]
    Synthesis(#[source] SynthesisError),
}

impl From<SynthesisError> for PredicateStatementError {
    fn from(error: SynthesisError) -> Self {
        PredicateStatementError::Synthesis(error)
    }
}

impl PredicateStatementError {
    /// Whether this means "well-formed but false / not acceptable" (exit code 1 in the CLI)
    /// rather than unusable input.
    pub fn is_invalid(&self) -> bool {
        matches!(
            self,
            PredicateStatementError::InvalidProof
                | PredicateStatementError::OtherIssuer { .. }
                | PredicateStatementError::RegistryOtherIssuer { .. }
                | PredicateStatementError::StaleRevocationRoot { .. }
        )
    }
}

type Result<T, E = PredicateStatementError> = std::result::Result<T, E>;

/// A predicate statement as fixed at setup: the predicate, each alias's schema, the
/// parameters (always `$now`, a date), and the revocable aliases.
#[derive(Clone, Debug)]
pub struct PredicateStatement {
    text: String,
    expr: Expr,
    env: Env,
    aliases: BTreeMap<String, Schema>,
    params: BTreeMap<String, ParamType>,
    revocable: BTreeSet<String>,
    pinned: BTreeMap<String, PublicKey>,
    hashed_inputs: bool,
}

impl PartialEq for PredicateStatement {
    fn eq(&self, other: &Self) -> bool {
        self.canonical_bytes() == other.canonical_bytes()
    }
}

fn collect_aliases(e: &Expr, out: &mut Vec<String>) {
    use crate::predicate::ExprKind;
    match &e.kind {
        ExprKind::Attribute { alias, .. } => out.push(alias.clone()),
        ExprKind::Literal(_) | ExprKind::Param(_) => {}
        ExprKind::Arith { lhs, rhs, .. }
        | ExprKind::Compare { lhs, rhs, .. }
        | ExprKind::Logic { lhs, rhs, .. } => {
            collect_aliases(lhs, out);
            collect_aliases(rhs, out);
        }
        ExprKind::In { value, set } => {
            collect_aliases(value, out);
            for item in set {
                collect_aliases(item, out);
            }
        }
        ExprKind::Not(operand) => collect_aliases(operand, out),
    }
}

impl PredicateStatement {
    /// Parses and checks `text` against the schemas (one per alias the predicate reads;
    /// `$now` is declared a date).
    ///
    /// # Errors
    /// [`PredicateStatementError::Predicate`] (with a caret rendering),
    /// [`PredicateStatementError::Alias`] for a schema of an unused alias,
    /// [`PredicateStatementError::NoAlias`], [`PredicateStatementError::NowNotDate`].
    pub fn new(text: &str, schemas: BTreeMap<String, Schema>) -> Result<Self> {
        let bad = |error| PredicateStatementError::Predicate {
            text: text.to_owned(),
            error,
        };
        let expr = parse(text).map_err(bad)?;
        let mut env = Env::new().param(NOW, ParamType::Date);
        for (alias, schema) in &schemas {
            env = env.alias(alias, schema.clone());
        }
        let checked = env.check(&expr).map_err(bad)?;
        let mut used = Vec::new();
        collect_aliases(&expr, &mut used);
        if used.is_empty() {
            return Err(PredicateStatementError::NoAlias);
        }
        if let Some(alias) = schemas.keys().find(|a| !used.contains(*a)) {
            return Err(PredicateStatementError::Alias {
                alias: alias.clone(),
                problem: "has a schema but the predicate does not use it",
            });
        }
        let mut params = checked.params;
        if params.insert(NOW.to_owned(), ParamType::Date) == Some(ParamType::String) {
            return Err(PredicateStatementError::NowNotDate);
        }
        Ok(PredicateStatement {
            text: text.to_owned(),
            expr,
            env,
            aliases: schemas,
            params,
            revocable: BTreeSet::new(),
            pinned: BTreeMap::new(),
            hashed_inputs: false,
        })
    }

    /// The predicate text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Each alias's schema, in alias order (the order of the issuer public inputs).
    pub fn aliases(&self) -> &BTreeMap<String, Schema> {
        &self.aliases
    }

    /// Each parameter's type, in name order (the order of the parameter public inputs).
    pub fn params(&self) -> &BTreeMap<String, ParamType> {
        &self.params
    }

    /// The number of public inputs: 2 per alias, 1 per parameter, scope and nullifier, 1
    /// per revocable alias; 3 (`config`, nullifier, `$now`) with hashed inputs.
    pub fn public_input_count(&self) -> usize {
        if self.hashed_inputs {
            return 3;
        }
        2 * self.aliases.len() + self.params.len() + 2 + self.revocable.len()
    }

    /// Bytes that identify the statement (hashed into the key id).
    ///
    /// # Layout
    /// `u32be(len text) ‖ text ‖ u32be(aliases) ‖ per alias u32be(len) ‖ alias ‖
    /// u32be(len schema) ‖ schema canonical bytes ‖ u32be(params) ‖ per parameter
    /// u32be(len) ‖ name ‖ code (1 uint, 2 date, 3 string) ‖ u32be(bits)`, then, only if
    /// some alias is revocable, `0x01 ‖ u32be(count) ‖ per revocable alias u32be(len) ‖
    /// alias`, then, only if some issuer is pinned, `0x02 ‖ u32be(count) ‖ per pinned alias
    /// u32be(len) ‖ alias ‖ the issuer key packed (32 bytes)`, then `0x03` with hashed
    /// public inputs (so keys without these options keep their ids).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        fn chunk(out: &mut Vec<u8>, bytes: &[u8]) {
            out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
            out.extend_from_slice(bytes);
        }
        let mut out = Vec::new();
        chunk(&mut out, self.text.as_bytes());
        out.extend_from_slice(&(self.aliases.len() as u32).to_be_bytes());
        for (alias, schema) in &self.aliases {
            chunk(&mut out, alias.as_bytes());
            chunk(&mut out, &schema.canonical_bytes());
        }
        out.extend_from_slice(&(self.params.len() as u32).to_be_bytes());
        for (name, kind) in &self.params {
            chunk(&mut out, name.as_bytes());
            let (code, bits) = match kind {
                ParamType::Uint { bits } => (1u8, *bits),
                ParamType::Date => (2, 0),
                ParamType::String => (3, 0),
            };
            out.push(code);
            out.extend_from_slice(&bits.to_be_bytes());
        }
        if !self.revocable.is_empty() {
            out.push(1);
            out.extend_from_slice(&(self.revocable.len() as u32).to_be_bytes());
            for alias in &self.revocable {
                chunk(&mut out, alias.as_bytes());
            }
        }
        if !self.pinned.is_empty() {
            out.push(2);
            out.extend_from_slice(&(self.pinned.len() as u32).to_be_bytes());
            for (alias, key) in &self.pinned {
                chunk(&mut out, alias.as_bytes());
                out.extend_from_slice(&key.pack());
            }
        }
        if self.hashed_inputs {
            out.push(3);
        }
        out
    }

    /// A parameter's field element from its text: `YYYY-MM-DD` for a date, a decimal
    /// integer below `2^bits`, any text for a string.
    ///
    /// # Errors
    /// [`PredicateStatementError::Param`] for an unknown parameter or a value not of its type.
    pub fn param_value(&self, name: &str, text: &str) -> Result<Fr> {
        let problem = |problem| PredicateStatementError::Param {
            name: name.to_owned(),
            problem,
        };
        let kind = self
            .params
            .get(name)
            .ok_or_else(|| problem("the predicate has no such parameter"))?;
        match kind {
            ParamType::Date => Days::parse(text, name)
                .map(Days::to_field)
                .map_err(|_| problem("expected a date YYYY-MM-DD (1970-01-01 to 9999-12-31)")),
            ParamType::Uint { bits } => {
                let value = field::parse_decimal(name, text)
                    .map_err(|_| problem("expected a decimal integer"))?;
                if value.into_bigint().num_bits() > *bits {
                    return Err(problem("the value is wider than the parameter's bits"));
                }
                Ok(value)
            }
            ParamType::String => Ok(string_to_field(text)),
        }
    }

    /// The parameter values' field elements, in parameter order, checked to their types.
    fn param_values(&self, texts: &BTreeMap<String, String>) -> Result<Vec<Fr>> {
        if let Some(name) = texts.keys().find(|n| !self.params.contains_key(*n)) {
            return Err(PredicateStatementError::Param {
                name: name.clone(),
                problem: "the predicate has no such parameter",
            });
        }
        self.params
            .keys()
            .map(|name| {
                let text = texts
                    .get(name)
                    .ok_or_else(|| PredicateStatementError::Param {
                        name: name.clone(),
                        problem: "no value given (pass --param name=value)",
                    })?;
                self.param_value(name, text)
            })
            .collect()
    }
}

/// The circuit of a predicate statement (module documentation). Without values it is the
/// setup circuit.
pub struct PredicateCircuit<'a> {
    statement: &'a PredicateStatement,
    public: Option<&'a [Fr]>,
    credentials: Option<&'a BTreeMap<String, Credential>>,
    holder: Option<&'a HolderSecret>,
    revocation: Option<&'a BTreeMap<String, NonMembershipWitness>>,
}

impl<'a> PredicateCircuit<'a> {
    /// The circuit for key generation (no values).
    pub fn for_setup(statement: &'a PredicateStatement) -> Self {
        PredicateCircuit {
            statement,
            public: None,
            credentials: None,
            holder: None,
            revocation: None,
        }
    }

    /// The circuit with a prover's values: the public inputs in order, a credential per
    /// alias, and the holder secret.
    pub fn new(
        statement: &'a PredicateStatement,
        public: &'a [Fr],
        credentials: &'a BTreeMap<String, Credential>,
        holder: &'a HolderSecret,
    ) -> Self {
        PredicateCircuit {
            statement,
            public: Some(public),
            credentials: Some(credentials),
            holder: Some(holder),
            revocation: None,
        }
    }

    /// Adds the prover's non-membership witness of each revocable alias.
    pub fn with_revocation(mut self, paths: &'a BTreeMap<String, NonMembershipWitness>) -> Self {
        self.revocation = Some(paths);
        self
    }
}

impl ConstraintSynthesizer<Fr> for PredicateCircuit<'_> {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let statement = self.statement;
        let value = |index: usize| {
            self.public
                .and_then(|p| p.get(index).copied())
                .ok_or(SynthesisError::AssignmentMissing)
        };
        // With hashed inputs, the public inputs are `[config, nullifier, now]` and every
        // other value is a witness hashed into `config` (module `config`).
        let hashed = statement.hashed_inputs;
        let mode = if hashed {
            AllocationMode::Witness
        } else {
            AllocationMode::Input
        };
        let (now_index, nullifier_index) = statement.now_and_nullifier_index();
        let mut preallocated = BTreeMap::new();
        let mut config = None;
        if hashed {
            config = Some(FpVar::new_input(cs.clone(), || {
                let public = self.public.ok_or(SynthesisError::AssignmentMissing)?;
                let inputs = statement
                    .hash_inputs(public)
                    .map_err(|_| SynthesisError::Unsatisfiable)?;
                Ok(inputs[0])
            })?);
            for index in [nullifier_index, now_index] {
                let var = FpVar::new_input(cs.clone(), || value(index))?;
                preallocated.insert(index, var);
            }
        }
        let mut leaves = vec![FpVar::Constant(tagged_field(CONFIG_TAG, b""))];
        let mut next = 0usize;
        let mut issuers = Vec::with_capacity(statement.aliases.len());
        for alias in statement.aliases.keys() {
            let index = next;
            next += 2;
            if let Some(key) = statement.pinned.get(alias) {
                // A pinned issuer: the inputs must equal the key's coordinates, and the
                // signature is checked under the constant key.
                let point = key.point();
                let (x, y) = (FpVar::Constant(point.x()), FpVar::Constant(point.y()));
                if !hashed {
                    enforce_equal(&FpVar::new_input(cs.clone(), || value(index))?, &x)?;
                    enforce_equal(&FpVar::new_input(cs.clone(), || value(index + 1))?, &y)?;
                }
                leaves.extend([x, y]);
                issuers.push(PointVar::new_constant(cs.clone(), point)?);
                continue;
            }
            // Ax then Ay; as public inputs the verifier checks them natively.
            let issuer = PointVar::new_variable(
                cs.clone(),
                || {
                    Point::new(value(index)?, value(index + 1)?, "issuer key")
                        .map_err(|_| SynthesisError::Unsatisfiable)
                },
                mode,
            )?;
            leaves.extend([issuer.x().clone(), issuer.y().clone()]);
            issuers.push(issuer);
        }
        let mut input = || {
            let index = next;
            next += 1;
            match preallocated.remove(&index) {
                Some(var) => Ok(var),
                None => FpVar::new_variable(cs.clone(), || value(index), mode),
            }
        };
        let mut vars = PredicateVars::new();
        let mut now = None;
        for name in statement.params.keys() {
            let value = input()?;
            if name == NOW {
                now = Some(DayVar::new(cs.clone(), value.clone())?);
            } else {
                leaves.push(value.clone());
            }
            vars.set_param(name, value);
        }
        let now = now.ok_or(SynthesisError::Unsatisfiable)?;
        let scope = input()?;
        leaves.push(scope.clone());
        let nullifier = input()?;
        let mut roots = BTreeMap::new();
        for alias in &statement.revocable {
            let root = input()?;
            leaves.push(root.clone());
            roots.insert(alias, root);
        }
        if let Some(config) = config {
            enforce_equal(&poseidon_tree_var(&leaves)?, &config)?;
        }
        let holder = HolderVar::new_witness(cs.clone(), self.holder)?;
        for ((alias, schema), issuer) in statement.aliases.iter().zip(&issuers) {
            let credential = self.credentials.and_then(|c| c.get(alias));
            let credential = CredentialGadget::enforce_valid(
                cs.clone(),
                schema,
                credential,
                issuer,
                &holder,
                &now,
            )?;
            for attribute in credential.attributes() {
                vars.set_attribute(alias, attribute.name(), attribute.value().clone());
            }
            if let Some(root) = roots.get(alias) {
                let path = self.revocation.and_then(|r| r.get(alias));
                NonMembershipGadget::enforce_not_revoked(
                    cs.clone(),
                    credential.revocation_id(),
                    path,
                    root,
                )?;
            }
        }
        NullifierGadget::enforce_nullifier(&holder, &scope, &nullifier)?;
        predicate::enforce(&statement.env, &statement.expr, &vars).map_err(|e| match e {
            CompileError::Synthesis(e) => e,
            // The statement was checked at construction; nothing else can fail here.
            _ => SynthesisError::Unsatisfiable,
        })
    }
}

/// The number of constraints of a statement's circuit.
///
/// # Errors
/// Synthesis errors.
pub fn constraint_count(statement: &PredicateStatement) -> Result<usize> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(ark_relations::gr1cs::SynthesisMode::Setup);
    PredicateCircuit::for_setup(statement).generate_constraints(cs.clone())?;
    cs.finalize();
    Ok(cs.num_constraints())
}

/// A proving key of a predicate statement.
pub struct PredicateProvingKey {
    statement: PredicateStatement,
    key: ProverKey,
}

/// A verifying key of a predicate statement, prepared for verification.
#[derive(Clone)]
pub struct PredicateVerifyingKey {
    statement: PredicateStatement,
    key: ark_groth16::VerifyingKey<Bn254>,
    prepared: PreparedVerifyingKey<Bn254>,
    id: [u8; 32],
}

impl fmt::Debug for PredicateVerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PredicateVerifyingKey")
            .field("predicate", &self.statement.text)
            .field("id", &hex::encode(self.id))
            .finish()
    }
}

/// A proof of a predicate statement with the values of its public inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct PredicateProof {
    vk_id: [u8; 32],
    predicate: String,
    issuers: BTreeMap<String, PublicKey>,
    params: BTreeMap<String, String>,
    scope: String,
    nullifier: Fr,
    revocation: BTreeMap<String, RevocationRoot>,
    config: Option<Fr>,
    proof: ark_groth16::Proof<Bn254>,
}

fn key_id(statement: &PredicateStatement, key: &ark_groth16::VerifyingKey<Bn254>) -> [u8; 32] {
    let mut bytes = Vec::new();
    // Serializing into a Vec cannot fail.
    let _ = key.serialize_compressed(&mut bytes);
    Sha256::new()
        .chain_update(KEY_ID_TAG)
        .chain_update(statement.canonical_bytes())
        .chain_update(&bytes)
        .finalize()
        .into()
}

impl PredicateVerifyingKey {
    fn new(statement: PredicateStatement, key: ark_groth16::VerifyingKey<Bn254>) -> Self {
        let prepared = ark_groth16::prepare_verifying_key(&key);
        let id = key_id(&statement, &key);
        PredicateVerifyingKey {
            statement,
            key,
            prepared,
            id,
        }
    }

    /// The statement this key checks.
    pub fn statement(&self) -> &PredicateStatement {
        &self.statement
    }

    /// The key's id (hex).
    pub fn id_hex(&self) -> String {
        hex::encode(self.id)
    }

    /// The arkworks Groth16 verifying key (its id is covered by [`Self::id_hex`]), e.g. for
    /// a verifier contract's constructor.
    pub fn ark(&self) -> &ark_groth16::VerifyingKey<Bn254> {
        &self.key
    }
}

impl PredicateProvingKey {
    /// The statement this key proves.
    pub fn statement(&self) -> &PredicateStatement {
        &self.statement
    }

    /// The verifying key of this proving key.
    pub fn verifying_key(&self) -> PredicateVerifyingKey {
        PredicateVerifyingKey::new(self.statement.clone(), self.key.vk.clone())
    }
}

impl PredicateProof {
    /// The predicate proven (as the key has it).
    pub fn predicate(&self) -> &str {
        &self.predicate
    }

    /// Each alias's issuer key.
    pub fn issuers(&self) -> &BTreeMap<String, PublicKey> {
        &self.issuers
    }

    /// Each parameter's value as text.
    pub fn params(&self) -> &BTreeMap<String, String> {
        &self.params
    }

    /// The verifier scope.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// The nullifier (one per holder and scope).
    pub fn nullifier(&self) -> Fr {
        self.nullifier
    }

    /// Id of the verifying key this proof was made for (hex).
    pub fn vk_id_hex(&self) -> String {
        hex::encode(self.vk_id)
    }

    /// The arkworks Groth16 proof (checked points, as decoded), e.g. for a verifier
    /// contract's calldata; its public inputs are [`Self::public_inputs`].
    pub fn ark(&self) -> &ark_groth16::Proof<Bn254> {
        &self.proof
    }

    /// Refuses the proof unless `alias`'s issuer is `key`.
    ///
    /// # Errors
    /// [`PredicateStatementError::OtherIssuer`].
    pub fn require_issuer(&self, alias: &str, key: &PublicKey) -> Result<()> {
        match self.issuers.get(alias) {
            Some(issuer) if issuer == key => Ok(()),
            _ => Err(PredicateStatementError::OtherIssuer {
                alias: alias.to_owned(),
            }),
        }
    }

    /// The public inputs in circuit order (module documentation), with every value
    /// checked natively against the statement.
    ///
    /// # Errors
    /// [`PredicateStatementError::Alias`] or [`PredicateStatementError::Param`] when the
    /// proof's values do not fit the statement.
    pub fn public_inputs(&self, statement: &PredicateStatement) -> Result<Vec<Fr>> {
        public_inputs(
            statement,
            &self.issuers,
            &self.params,
            &self.scope,
            self.nullifier,
            &self.revocation,
        )
    }
}

/// The public inputs in circuit order: [`expanded_inputs`], hashed into `[config,
/// nullifier, now]` for a hashed-inputs statement.
fn public_inputs(
    statement: &PredicateStatement,
    issuers: &BTreeMap<String, PublicKey>,
    params: &BTreeMap<String, String>,
    scope: &str,
    nullifier: Fr,
    roots: &BTreeMap<String, RevocationRoot>,
) -> Result<Vec<Fr>> {
    let expanded = expanded_inputs(statement, issuers, params, scope, nullifier, roots)?;
    if statement.hashed_inputs {
        statement.hash_inputs(&expanded)
    } else {
        Ok(expanded)
    }
}

/// Every value the statement binds, checked, in the unhashed order (module
/// documentation): what the circuit takes, and the public inputs without hashing.
fn expanded_inputs(
    statement: &PredicateStatement,
    issuers: &BTreeMap<String, PublicKey>,
    params: &BTreeMap<String, String>,
    scope: &str,
    nullifier: Fr,
    roots: &BTreeMap<String, RevocationRoot>,
) -> Result<Vec<Fr>> {
    let mut inputs = Vec::with_capacity(statement.public_input_count());
    if let Some(alias) = issuers.keys().find(|a| !statement.aliases.contains_key(*a)) {
        return Err(PredicateStatementError::Alias {
            alias: alias.clone(),
            problem: "is not used by the predicate",
        });
    }
    for alias in statement.aliases.keys() {
        let point = issuers
            .get(alias)
            .ok_or_else(|| PredicateStatementError::Alias {
                alias: alias.clone(),
                problem: "has no issuer key",
            })?
            .point();
        inputs.push(point.x());
        inputs.push(point.y());
    }
    inputs.extend(statement.param_values(params)?);
    inputs.push(scope_to_field(scope));
    inputs.push(nullifier);
    if let Some(alias) = roots.keys().find(|a| !statement.revocable.contains(*a)) {
        return Err(PredicateStatementError::Revocation {
            alias: alias.clone(),
            problem: "has a revocation root but is not revocable in this key",
        });
    }
    for alias in &statement.revocable {
        let root = roots
            .get(alias)
            .ok_or_else(|| PredicateStatementError::Revocation {
                alias: alias.clone(),
                problem: "is revocable but has no revocation root",
            })?;
        inputs.push(root.root);
    }
    Ok(inputs)
}

/// Draws a ChaCha20 generator seeded from the caller's CSPRNG (one concrete type for
/// arkworks' generic setup and prover).
fn derived_rng(rng: &mut impl CryptoRngCore) -> ChaCha20Rng {
    let mut seed = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(seed.as_mut());
    ChaCha20Rng::from_seed(*seed)
}

/// Generates the keys of a predicate statement.
///
/// # Security
/// Whoever knows the randomness drawn here can forge proofs: use a fresh OS CSPRNG.
///
/// # Errors
/// Synthesis errors.
pub fn setup(
    statement: PredicateStatement,
    rng: &mut impl CryptoRngCore,
) -> Result<(PredicateProvingKey, PredicateVerifyingKey)> {
    let (key, vk) = ProverKey::setup(
        || PredicateCircuit::for_setup(&statement),
        &mut derived_rng(rng),
    )?;
    Ok((
        PredicateProvingKey {
            statement: statement.clone(),
            key,
        },
        PredicateVerifyingKey::new(statement, vk),
    ))
}

/// What the prover brings: a credential per alias, the holder secret, the scope and the
/// parameter values (as text: `now=2026-12-02`).
pub struct ProverInputs<'a> {
    /// A credential per alias.
    pub credentials: &'a BTreeMap<String, Credential>,
    /// The holder secret of the key the credentials are bound to.
    pub holder: &'a HolderSecret,
    /// The verifier's scope.
    pub scope: &'a str,
    /// Every parameter's value as text (`now` included).
    pub params: &'a BTreeMap<String, String>,
}

/// Proves the key's statement when no alias is revocable: [`prove_revocable`] without
/// registries.
///
/// # Errors
/// As [`prove_revocable`].
pub fn prove(
    key: &PredicateProvingKey,
    inputs: &ProverInputs<'_>,
    rng: &mut impl CryptoRngCore,
) -> Result<PredicateProof> {
    prove_revocable(key, inputs, &BTreeMap::new(), rng)
}

/// Proves the key's statement, with the issuer's revocation registry of each revocable
/// alias. Everything the circuit enforces is first checked natively, so a false statement
/// is refused with the reason rather than yielding an invalid proof.
///
/// # Errors
/// [`PredicateStatementError::Revocation`] (a registry missing, of another issuer, or
/// for an alias that is not revocable), [`PredicateStatementError::Revoked`];
/// [`PredicateStatementError::Alias`] (missing or extra credential),
/// [`PredicateStatementError::OtherSchema`], [`PredicateStatementError::Credential`] (bad
/// signature, expired, not yet valid on `$now`), [`PredicateStatementError::OtherHolder`],
/// [`PredicateStatementError::Param`], [`PredicateStatementError::PredicateFalse`];
/// synthesis errors.
pub fn prove_revocable(
    key: &PredicateProvingKey,
    inputs: &ProverInputs<'_>,
    registries: &BTreeMap<String, RevocationRegistry>,
    rng: &mut impl CryptoRngCore,
) -> Result<PredicateProof> {
    let prepared = Prepared::new(&key.statement, inputs, registries)?;
    let proof = key.key.prove(prepared.circuit(), &mut derived_rng(rng))?;
    prepared.finish(key, proof)
}

/// Proves the statement of a proving key file (as [`PredicateProvingKey::from_bytes`]
/// reads it) with [`prove_revocable`]'s checks, decoding the key on a second thread while
/// this one checks the inputs natively and computes the witness: the witness needs only
/// the statement, which heads the file. The proof is the one [`prove_revocable`] makes
/// with the decoded key.
///
/// # Errors
/// A file that [`PredicateProvingKey::from_bytes`] refuses (reported first), then as
/// [`prove_revocable`].
pub fn prove_key_file(
    key_file: &[u8],
    inputs: &ProverInputs<'_>,
    registries: &BTreeMap<String, RevocationRegistry>,
    rng: &mut impl CryptoRngCore,
) -> Result<PredicateProof> {
    let Ok(statement) = PredicateProvingKey::statement_of_bytes(key_file) else {
        // Let the full decoder say what is wrong.
        let key = PredicateProvingKey::from_bytes(key_file)?;
        return prove_revocable(&key, inputs, registries, rng);
    };
    let mut rng = derived_rng(rng);
    std::thread::scope(|scope| {
        let loading = scope.spawn(|| PredicateProvingKey::from_bytes(key_file));
        let witness = Prepared::new(&statement, inputs, registries).and_then(|prepared| {
            let assignment = witness_only_assignment(prepared.circuit())?;
            Ok((prepared, assignment))
        });
        let key = loading
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        let (prepared, (assignment, num_instance)) = witness?;
        let proof = match key
            .key
            .prove_assignment(&assignment, num_instance, &mut rng)?
        {
            Some(proof) => proof,
            None => key.key.prove(prepared.circuit(), &mut rng)?,
        };
        prepared.finish(&key, proof)
    })
}

/// A prover's inputs checked natively against a statement, with everything the circuit
/// takes: what [`prove_revocable`] does before and after the Groth16 prover.
struct Prepared<'a> {
    statement: &'a PredicateStatement,
    inputs: &'a ProverInputs<'a>,
    public: Vec<Fr>,
    paths: BTreeMap<String, NonMembershipWitness>,
    roots: BTreeMap<String, RevocationRoot>,
    issuers: BTreeMap<String, PublicKey>,
    nullifier: Fr,
}

impl<'a> Prepared<'a> {
    /// Checks everything the circuit enforces natively (module documentation of
    /// [`prove_revocable`]'s errors).
    fn new(
        statement: &'a PredicateStatement,
        inputs: &'a ProverInputs<'a>,
        registries: &BTreeMap<String, RevocationRegistry>,
    ) -> Result<Self> {
        let now_text = inputs
            .params
            .get(NOW)
            .ok_or_else(|| PredicateStatementError::Param {
                name: NOW.to_owned(),
                problem: "no value given (pass --param now=YYYY-MM-DD)",
            })?;
        let now = Days::parse(now_text, NOW).map_err(|_| PredicateStatementError::Param {
            name: NOW.to_owned(),
            problem: "expected a date YYYY-MM-DD (1970-01-01 to 9999-12-31)",
        })?;
        if let Some(alias) = inputs
            .credentials
            .keys()
            .find(|a| !statement.aliases.contains_key(*a))
        {
            return Err(PredicateStatementError::Alias {
                alias: alias.clone(),
                problem: "is not used by the predicate",
            });
        }
        let holder_key = inputs.holder.public_key();
        let mut assignment = Assignment::new();
        let mut issuers = BTreeMap::new();
        for (alias, schema) in &statement.aliases {
            let credential =
                inputs
                    .credentials
                    .get(alias)
                    .ok_or_else(|| PredicateStatementError::Alias {
                        alias: alias.clone(),
                        problem: "has no credential (pass --credential alias=FILE)",
                    })?;
            let found = credential.body().schema();
            if found != schema {
                return Err(PredicateStatementError::OtherSchema {
                    alias: alias.clone(),
                    expected: schema.id().to_owned(),
                    found: found.id().to_owned(),
                });
            }
            statement.check_pinned(alias, &credential.issuer())?;
            credential
                .verify(&credential.issuer(), Some(now))
                .map_err(|source| PredicateStatementError::Credential {
                    alias: alias.clone(),
                    source,
                })?;
            if credential.body().holder() != holder_key {
                return Err(PredicateStatementError::OtherHolder {
                    alias: alias.clone(),
                });
            }
            assignment = assignment.credential(alias, credential.body().attributes());
            issuers.insert(alias.clone(), credential.issuer());
        }
        let (paths, roots) = revocation::witnesses(statement, inputs.credentials, registries)?;
        let nullifier = nullifier(inputs.holder, scope_to_field(inputs.scope));
        let public = expanded_inputs(
            statement,
            &issuers,
            inputs.params,
            inputs.scope,
            nullifier,
            &roots,
        )?;
        let false_predicate = || PredicateStatementError::PredicateFalse {
            predicate: statement.text.clone(),
        };
        // The evaluator takes parameters that fit its types; wider ones are checked by the
        // constraint system below.
        let mut evaluable = true;
        for (name, kind) in &statement.params {
            let Some(text) = inputs.params.get(name) else {
                continue;
            };
            let value = match kind {
                ParamType::Date => Days::parse(text, name).ok().map(AttributeValue::Date),
                ParamType::Uint { .. } => text.parse::<u64>().ok().map(AttributeValue::Uint),
                ParamType::String => Some(AttributeValue::String(text.clone())),
            };
            match value {
                Some(value) => assignment = assignment.param(name, value),
                None => evaluable = false,
            }
        }
        let circuit = || {
            PredicateCircuit::new(statement, &public, inputs.credentials, inputs.holder)
                .with_revocation(&paths)
        };
        match statement.expr.evaluate(&assignment) {
            Ok(true) => {}
            Ok(false) => return Err(false_predicate()),
            Err(_) => evaluable = false,
        }
        if !evaluable {
            let cs = ConstraintSystem::<Fr>::new_ref();
            match circuit().generate_constraints(cs.clone()) {
                Ok(()) => {
                    if !cs.is_satisfied()? {
                        return Err(false_predicate());
                    }
                }
                Err(SynthesisError::Unsatisfiable) => return Err(false_predicate()),
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Prepared {
            statement,
            inputs,
            public,
            paths,
            roots,
            issuers,
            nullifier,
        })
    }

    /// The circuit with the prover's values.
    fn circuit(&self) -> PredicateCircuit<'_> {
        PredicateCircuit::new(
            self.statement,
            &self.public,
            self.inputs.credentials,
            self.inputs.holder,
        )
        .with_revocation(&self.paths)
    }

    /// The proof file's contents around `proof`, made under `key`.
    fn finish(
        self,
        key: &PredicateProvingKey,
        proof: ark_groth16::Proof<Bn254>,
    ) -> Result<PredicateProof> {
        let statement = self.statement;
        Ok(PredicateProof {
            vk_id: key_id(statement, &key.key.vk),
            predicate: statement.text.clone(),
            issuers: self.issuers,
            params: self.inputs.params.clone(),
            scope: self.inputs.scope.to_owned(),
            nullifier: self.nullifier,
            revocation: self.roots,
            config: if statement.hashed_inputs {
                Some(statement.hash_inputs(&self.public)?[0])
            } else {
                None
            },
            proof,
        })
    }
}

/// Verifies a proof under a key: the proof names this key, its values fit the statement
/// (issuer keys checked points, parameters in range), and the Groth16 proof verifies.
///
/// # Errors
/// [`PredicateStatementError::KeyMismatch`], [`PredicateStatementError::Alias`] /
/// [`PredicateStatementError::Param`] for values that do not fit, and
/// [`PredicateStatementError::InvalidProof`].
pub fn verify(key: &PredicateVerifyingKey, proof: &PredicateProof) -> Result<()> {
    if proof.vk_id != key.id || proof.predicate != key.statement.text {
        return Err(PredicateStatementError::KeyMismatch {
            key: key.id_hex(),
            proof_key: proof.vk_id_hex(),
        });
    }
    for (alias, pinned) in &key.statement.pinned {
        proof.require_issuer(alias, pinned)?;
    }
    let inputs = proof.public_inputs(&key.statement)?;
    // A hashed-inputs proof's stored config must be the one its parts give.
    if key.statement.hashed_inputs != proof.config.is_some() {
        return Err(PredicateStatementError::Malformed {
            what: "predicate proof",
            reason: "a config hash is present without hashed inputs, or missing with them",
        });
    }
    if proof
        .config
        .is_some_and(|config| Some(&config) != inputs.first())
    {
        return Err(PredicateStatementError::InvalidProof);
    }
    let valid = Groth16::<Bn254>::verify_with_processed_vk(&key.prepared, &inputs, &proof.proof)?;
    if valid {
        Ok(())
    } else {
        Err(PredicateStatementError::InvalidProof)
    }
}

// ---- files ------------------------------------------------------------------------------

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatementJson {
    predicate: String,
    schemas: BTreeMap<String, serde_json::Value>,
    params: BTreeMap<String, ParamJson>,
    /// Revocable aliases (absent when none).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    revocable: BTreeSet<String>,
    /// Pinned issuer keys (absent when none).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    issuers: BTreeMap<String, PointJson>,
    /// Public inputs hashed into `[config, nullifier, now]` (absent when false).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    hashed_inputs: bool,
}

#[derive(Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum ParamJson {
    Uint { bits: u32 },
    Date,
    String,
}

impl From<ParamType> for ParamJson {
    fn from(kind: ParamType) -> Self {
        match kind {
            ParamType::Uint { bits } => ParamJson::Uint { bits },
            ParamType::Date => ParamJson::Date,
            ParamType::String => ParamJson::String,
        }
    }
}

impl PredicateStatement {
    fn to_json_value(&self) -> StatementJson {
        StatementJson {
            predicate: self.text.clone(),
            schemas: self
                .aliases
                .iter()
                .map(|(alias, schema)| {
                    let value =
                        serde_json::from_str(&schema.to_json()).unwrap_or(serde_json::Value::Null);
                    (alias.clone(), value)
                })
                .collect(),
            params: self
                .params
                .iter()
                .map(|(name, kind)| (name.clone(), ParamJson::from(*kind)))
                .collect(),
            revocable: self.revocable.clone(),
            issuers: self
                .pinned
                .iter()
                .map(|(alias, key)| {
                    let (ax, ay) = key.point().to_decimal();
                    (alias.clone(), PointJson { ax, ay })
                })
                .collect(),
            hashed_inputs: self.hashed_inputs,
        }
    }

    fn from_json_value(json: StatementJson) -> Result<Self> {
        let mut schemas = BTreeMap::new();
        for (alias, value) in json.schemas {
            let schema = Schema::from_json(value.to_string().as_bytes()).map_err(|source| {
                PredicateStatementError::Schema {
                    alias: alias.clone(),
                    source,
                }
            })?;
            schemas.insert(alias, schema);
        }
        let mut statement =
            PredicateStatement::new(&json.predicate, schemas)?.with_revocation(json.revocable)?;
        for (alias, point) in json.issuers {
            let point = Point::from_decimal(&point.ax, &point.ay, "issuer key").map_err(|_| {
                PredicateStatementError::Malformed {
                    what: "predicate key",
                    reason: "a pinned issuer key is not a valid Baby Jubjub key",
                }
            })?;
            statement = statement.with_issuer(&alias, PublicKey::from_point(point))?;
        }
        if json.hashed_inputs {
            statement = statement.with_hashed_inputs();
        }
        let params: BTreeMap<String, ParamJson> = statement
            .params
            .iter()
            .map(|(n, k)| (n.clone(), ParamJson::from(*k)))
            .collect();
        if params != json.params {
            return Err(PredicateStatementError::Malformed {
                what: "predicate key",
                reason: "its parameter list does not match its predicate",
            });
        }
        Ok(statement)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyingKeyJson {
    format: String,
    version: u64,
    id: String,
    statement: StatementJson,
    /// The arkworks verifying key, compressed, base64.
    key: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PointJson {
    #[serde(rename = "Ax")]
    ax: String,
    #[serde(rename = "Ay")]
    ay: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProofJson {
    format: String,
    version: u64,
    vk_id: String,
    predicate: String,
    issuers: BTreeMap<String, PointJson>,
    params: BTreeMap<String, String>,
    scope: String,
    nullifier: String,
    /// Each revocable alias's root and registry sequence (absent when none).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    revocation: BTreeMap<String, RevocationJson>,
    /// The config hash, decimal (only with hashed inputs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    config: Option<String>,
    /// The arkworks proof, compressed, base64.
    proof: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RevocationJson {
    root: String,
    sequence: String,
}

fn to_base64(value: &impl CanonicalSerialize) -> String {
    let mut bytes = Vec::new();
    // Serializing into a Vec cannot fail.
    let _ = value.serialize_compressed(&mut bytes);
    BASE64.encode(bytes)
}

fn from_base64<T: CanonicalDeserialize>(what: &'static str, text: &str) -> Result<T> {
    let bytes = BASE64
        .decode(text)
        .map_err(|_| PredicateStatementError::Malformed {
            what,
            reason: "not base64",
        })?;
    // Checked decoding (points on the curve and in the subgroup); trailing bytes refused.
    let mut reader = bytes.as_slice();
    let value = T::deserialize_compressed(&mut reader)
        .map_err(|source| PredicateStatementError::Serialization { what, source })?;
    if !reader.is_empty() {
        return Err(PredicateStatementError::Malformed {
            what,
            reason: "trailing bytes",
        });
    }
    Ok(value)
}

fn check_format(what: &'static str, format: &str, version: u64, expected: &str) -> Result<()> {
    if format != expected {
        return Err(PredicateStatementError::Malformed {
            what,
            reason: "this is not a predicate statement file of that kind",
        });
    }
    if version != VERSION {
        return Err(PredicateStatementError::Malformed {
            what,
            reason: "unsupported version (this build reads version 1)",
        });
    }
    Ok(())
}

impl PredicateVerifyingKey {
    /// The verifying key file.
    ///
    /// # Layout
    /// JSON `{"format": "conclave.predicate.verifying_key", "version": 1, "id": hex,
    /// "statement": {"predicate", "schemas": {alias: schema}, "params": {name: {"type"…}},
    /// and only when used "revocable": [alias…], "issuers": {alias: {"Ax", "Ay"}},
    /// "hashed_inputs": true},
    /// "key": base64 of the compressed arkworks key}`.
    pub fn to_json(&self) -> String {
        let json = VerifyingKeyJson {
            format: VERIFYING_KEY_FORMAT.to_owned(),
            version: VERSION,
            id: self.id_hex(),
            statement: self.statement.to_json_value(),
            key: to_base64(&self.key),
        };
        serde_json::to_string_pretty(&json).unwrap_or_default()
    }

    /// Reads a verifying key file; its id is recomputed and must match.
    ///
    /// # Errors
    /// Malformed JSON, statement or key.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        const WHAT: &str = "predicate verifying key";
        let json: VerifyingKeyJson = serde_json::from_slice(bytes)
            .map_err(|source| PredicateStatementError::Json { what: WHAT, source })?;
        check_format(WHAT, &json.format, json.version, VERIFYING_KEY_FORMAT)?;
        let statement = PredicateStatement::from_json_value(json.statement)?;
        let key = from_base64(WHAT, &json.key)?;
        let vk = PredicateVerifyingKey::new(statement, key);
        if vk.id_hex() != json.id {
            return Err(PredicateStatementError::Malformed {
                what: WHAT,
                reason: "its id does not match its contents",
            });
        }
        Ok(vk)
    }
}

impl PredicateProvingKey {
    /// The proving key file (what `setup` writes): fast to load, since its points are
    /// stored uncompressed and checked by a digest instead of decompressed and
    /// subgroup-checked (see [`crate::formats::proving_key`] for what the digest protects),
    /// and fast to prove with, since it keeps the circuit's R1CS matrices.
    ///
    /// # Layout
    /// `"CNCLPPK3" ‖ u32be(len) ‖ statement JSON (as in the verifying key) ‖ payload length
    /// (u64, little-endian) ‖ SHA-256("conclave/groth16/proving-key/v3\0" ‖ everything
    /// before the length ‖ payload) ‖ payload`, payload the arkworks proving key
    /// uncompressed and the matrices
    /// ([`proving_key::write_hashed_with_matrices`]). The digest covers the statement, so
    /// a changed predicate or schema is refused too. A key without matrices (read from a
    /// `"CNCLPPK2"` file, the same without matrices and with the `v2` tag) is written as
    /// such.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self.key.matrices() {
            Some(matrices) => proving_key::write_hashed_with_matrices(
                self.header(PROVING_KEY_MAGIC),
                &self.key,
                matrices,
            ),
            None => proving_key::write_hashed(self.header(PROVING_KEY_MAGIC_V2), &self.key),
        }
    }

    /// The compact proving key file: about half the size, every point decompressed and
    /// checked on load (for a key that travels between parties).
    ///
    /// # Layout
    /// `"CNCLPPK1" ‖ u32be(len) ‖ statement JSON ‖ the arkworks proving key, compressed`.
    pub fn to_compact_bytes(&self) -> Vec<u8> {
        let mut out = self.header(PROVING_KEY_MAGIC_COMPACT);
        proving_key::write_compact(&mut out, &self.key);
        out
    }

    /// Magic, statement length and statement JSON.
    fn header(&self, magic: &[u8; 8]) -> Vec<u8> {
        let statement = serde_json::to_vec(&self.statement.to_json_value()).unwrap_or_default();
        let mut out = Vec::with_capacity(statement.len() + 12);
        out.extend_from_slice(magic);
        out.extend_from_slice(&(statement.len() as u32).to_be_bytes());
        out.extend_from_slice(&statement);
        out
    }

    /// The statement heading a proving key file of any version, without reading the key
    /// (which [`PredicateProvingKey::from_bytes`] decodes and checks).
    ///
    /// # Errors
    /// A bad magic, a truncated header, a malformed statement.
    pub fn statement_of_bytes(bytes: &[u8]) -> Result<PredicateStatement> {
        let malformed = |reason| PredicateStatementError::Malformed { what: WHAT, reason };
        let rest = [
            PROVING_KEY_MAGIC,
            PROVING_KEY_MAGIC_V2,
            PROVING_KEY_MAGIC_COMPACT,
        ]
        .iter()
        .find_map(|magic| bytes.strip_prefix(magic.as_slice()))
        .ok_or_else(|| malformed("not a predicate proving key (bad magic)"))?;
        let (len, rest) = rest
            .split_first_chunk::<4>()
            .ok_or_else(|| malformed("truncated"))?;
        let statement = rest
            .get(..u32::from_be_bytes(*len) as usize)
            .ok_or_else(|| malformed("truncated"))?;
        statement_of_json(WHAT, statement)
    }

    /// Reads a proving key file: the hashed form of [`PredicateProvingKey::to_bytes`]
    /// (digest checked) or the compact form of [`PredicateProvingKey::to_compact_bytes`]
    /// (points checked).
    ///
    /// # Errors
    /// Malformed header or statement; [`PredicateStatementError::ProvingKey`] for a key
    /// that does not load (digest mismatch, truncated, trailing bytes, bad point).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let malformed = |reason| PredicateStatementError::Malformed { what: WHAT, reason };
        let key_error = |source| PredicateStatementError::ProvingKey { what: WHAT, source };
        let (version, rest) = if let Some(rest) = bytes.strip_prefix(PROVING_KEY_MAGIC.as_slice()) {
            (3, rest)
        } else if let Some(rest) = bytes.strip_prefix(PROVING_KEY_MAGIC_V2.as_slice()) {
            (2, rest)
        } else if let Some(rest) = bytes.strip_prefix(PROVING_KEY_MAGIC_COMPACT.as_slice()) {
            (1, rest)
        } else {
            return Err(malformed("not a predicate proving key (bad magic)"));
        };
        let (len, rest) = rest
            .split_first_chunk::<4>()
            .ok_or_else(|| malformed("truncated"))?;
        let len = u32::from_be_bytes(*len) as usize;
        if rest.len() < len {
            return Err(malformed("truncated"));
        }
        let (statement, rest) = rest.split_at(len);
        let statement = statement_of_json(WHAT, statement)?;
        let header = &bytes[..bytes.len() - rest.len()];
        let key = match version {
            3 => proving_key::read_hashed_with_matrices(WHAT, header, rest).map_err(key_error)?,
            2 => proving_key::read_hashed(WHAT, header, rest)
                .map_err(key_error)?
                .into(),
            _ => {
                let (key, rest) = proving_key::read_compact(WHAT, rest).map_err(key_error)?;
                if !rest.is_empty() {
                    return Err(malformed("trailing bytes"));
                }
                key.into()
            }
        };
        if key.vk.gamma_abc_g1.len() != statement.public_input_count() + 1 {
            return Err(malformed(
                "its key has another number of public inputs than its statement",
            ));
        }
        Ok(PredicateProvingKey { statement, key })
    }
}

/// What proving key files are called in errors.
const WHAT: &str = "predicate proving key";

/// The statement JSON of a key file.
fn statement_of_json(what: &'static str, bytes: &[u8]) -> Result<PredicateStatement> {
    let json: StatementJson = serde_json::from_slice(bytes)
        .map_err(|source| PredicateStatementError::Json { what, source })?;
    PredicateStatement::from_json_value(json)
}

impl PredicateProof {
    /// The proof file.
    ///
    /// # Layout
    /// JSON `{"format": "conclave.predicate.proof", "version": 1, "vk_id": hex,
    /// "predicate": text, "issuers": {alias: {"Ax", "Ay"}}, "params": {name: text},
    /// "scope": text, "nullifier": decimal, "revocation": {alias: {"root": decimal,
    /// "sequence": decimal}} (only with revocable aliases), "proof": base64 of the
    /// compressed arkworks proof}`.
    pub fn to_json(&self) -> String {
        let json = ProofJson {
            format: PROOF_FORMAT.to_owned(),
            version: VERSION,
            vk_id: self.vk_id_hex(),
            predicate: self.predicate.clone(),
            issuers: self
                .issuers
                .iter()
                .map(|(alias, key)| {
                    let (ax, ay) = key.point().to_decimal();
                    (alias.clone(), PointJson { ax, ay })
                })
                .collect(),
            params: self.params.clone(),
            scope: self.scope.clone(),
            nullifier: field::to_decimal(&self.nullifier),
            revocation: self
                .revocation
                .iter()
                .map(|(alias, r)| {
                    let json = RevocationJson {
                        root: field::to_decimal(&r.root),
                        sequence: r.sequence.to_string(),
                    };
                    (alias.clone(), json)
                })
                .collect(),
            config: self.config.as_ref().map(field::to_decimal),
            proof: to_base64(&self.proof),
        };
        serde_json::to_string_pretty(&json).unwrap_or_default()
    }

    /// Reads a proof file: issuer keys checked points, the nullifier a canonical field
    /// element, the proof's points checked.
    ///
    /// # Errors
    /// Malformed JSON, points or proof.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        const WHAT: &str = "predicate proof";
        let malformed = |reason| PredicateStatementError::Malformed { what: WHAT, reason };
        let json: ProofJson = serde_json::from_slice(bytes)
            .map_err(|source| PredicateStatementError::Json { what: WHAT, source })?;
        check_format(WHAT, &json.format, json.version, PROOF_FORMAT)?;
        let mut vk_id = [0u8; 32];
        hex::decode_to_slice(&json.vk_id, &mut vk_id)
            .map_err(|_| malformed("vk_id is not 64 hexadecimal digits"))?;
        let mut issuers = BTreeMap::new();
        for (alias, point) in json.issuers {
            let point = Point::from_decimal(&point.ax, &point.ay, "issuer key")
                .map_err(|_| malformed("an issuer key is not a valid Baby Jubjub key"))?;
            issuers.insert(alias, PublicKey::from_point(point));
        }
        let nullifier = field::parse_decimal("nullifier", &json.nullifier)
            .map_err(|_| malformed("the nullifier is not a canonical decimal field element"))?;
        let mut revocation = BTreeMap::new();
        for (alias, r) in json.revocation {
            let root = field::parse_decimal("revocation root", &r.root).map_err(|_| {
                malformed("a revocation root is not a canonical decimal field element")
            })?;
            let canonical = r.sequence == "0" || !r.sequence.starts_with('0');
            let sequence = r
                .sequence
                .parse::<u64>()
                .ok()
                .filter(|_| canonical && r.sequence.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| malformed("a revocation sequence is not a decimal u64"))?;
            revocation.insert(alias, RevocationRoot { root, sequence });
        }
        let config = json
            .config
            .map(|c| field::parse_decimal("config", &c))
            .transpose()
            .map_err(|_| malformed("the config hash is not a canonical decimal field element"))?;
        Ok(PredicateProof {
            vk_id,
            predicate: json.predicate,
            issuers,
            params: json.params,
            scope: json.scope,
            nullifier,
            revocation,
            config,
            proof: from_base64(WHAT, &json.proof)?,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const EXAMPLE: &str =
        "bureau.score >= 650 && bank.debt < 20000 && bank.income >= 3 * bank.debt";

    fn schemas() -> BTreeMap<String, Schema> {
        let bank = Schema::from_json(include_bytes!(
            "../../../examples/data/bank-account.schema.json"
        ))
        .unwrap();
        let bureau = Schema::from_json(include_bytes!(
            "../../../examples/data/credit-score.schema.json"
        ))
        .unwrap();
        BTreeMap::from([("bank".to_owned(), bank), ("bureau".to_owned(), bureau)])
    }

    /// `prove_key_file` (the key decoded on a second thread while the witness is
    /// computed) proves from the hashed file with matrices and, the old way, from the
    /// compact file; a damaged or truncated key file is refused with the key's error, a
    /// bad magic as malformed, a false predicate
    /// with `PredicateFalse`, a credential of another holder with `OtherHolder`.
    #[test]
    fn proving_from_key_file_bytes_overlaps_loading_and_keeps_every_refusal() {
        use fixtures::{credential, schema};
        let mut rng = ChaCha20Rng::seed_from_u64(18);
        let bureau = crate::eddsa::SecretKey::from_bytes([1u8; 32]);
        let alice = crate::eddsa::SecretKey::from_bytes([2u8; 32]);
        let bob = crate::eddsa::SecretKey::from_bytes([4u8; 32]);
        let holder = HolderSecret::from_secret_key(&alice);
        let schemas = || BTreeMap::from([("bureau".to_owned(), schema("bureau"))]);
        let statement = PredicateStatement::new("bureau.score >= 650", schemas()).unwrap();
        let (pk, vk) = setup(statement, &mut rng).unwrap();
        let params = BTreeMap::from([("now".to_owned(), "2026-12-02".to_owned())]);
        let credentials = BTreeMap::from([("bureau".to_owned(), credential(&bureau, &alice, 9))]);
        let inputs = ProverInputs {
            credentials: &credentials,
            holder: &holder,
            scope: "s",
            params: &params,
        };
        let none = BTreeMap::new();
        for bytes in [pk.to_bytes(), pk.to_compact_bytes()] {
            assert_eq!(
                PredicateProvingKey::statement_of_bytes(&bytes)
                    .unwrap()
                    .text,
                pk.statement().text
            );
            let proof = prove_key_file(&bytes, &inputs, &none, &mut rng).unwrap();
            verify(&vk, &proof).unwrap();
        }
        let bytes = pk.to_bytes();
        let mut damaged = bytes.clone();
        let last = damaged.len() - 1;
        damaged[last] ^= 1;
        assert!(matches!(
            prove_key_file(&damaged, &inputs, &none, &mut rng),
            Err(PredicateStatementError::ProvingKey { .. })
        ));
        assert!(matches!(
            prove_key_file(&bytes[..bytes.len() / 2], &inputs, &none, &mut rng),
            Err(PredicateStatementError::ProvingKey { .. })
        ));
        assert!(matches!(
            prove_key_file(b"CNCLPPK9", &inputs, &none, &mut rng),
            Err(PredicateStatementError::Malformed { .. })
        ));
        let others = BTreeMap::from([("bureau".to_owned(), credential(&bureau, &bob, 9))]);
        let other_holder = ProverInputs {
            credentials: &others,
            ..inputs
        };
        assert!(matches!(
            prove_key_file(&bytes, &other_holder, &none, &mut rng),
            Err(PredicateStatementError::OtherHolder { .. })
        ));
        let false_statement = PredicateStatement::new("bureau.score < 650", schemas()).unwrap();
        let (false_pk, _) = setup(false_statement, &mut rng).unwrap();
        assert!(matches!(
            prove_key_file(&false_pk.to_bytes(), &inputs, &none, &mut rng),
            Err(PredicateStatementError::PredicateFalse { .. })
        ));
    }

    /// The two-credential statement (no revocation): the total is pinned; the
    /// budget is 10,765 (circom + circomlib for the same statement). Two credential cores
    /// with public issuer keys dominate (bureau 4,181, bank 4,268, each key 18), then
    /// holder binding 912 (see docs/credentials.md).
    #[test]
    fn two_credential_example_constraint_count() {
        let statement = PredicateStatement::new(EXAMPLE, schemas()).unwrap();
        // Ax, Ay per alias, $now, scope, nullifier.
        assert_eq!(statement.public_input_count(), 7);
        assert_eq!(
            statement.params().keys().collect::<Vec<_>>(),
            vec![&NOW.to_owned()]
        );
        assert_eq!(constraint_count(&statement).unwrap(), 9_765);
    }

    /// The hashed proving key file round-trips, and a flipped byte anywhere (statement,
    /// length, digest, body), a truncation or a trailing byte is refused; the compact
    /// form round-trips too.
    #[test]
    fn proving_key_files_round_trip_and_damage_is_refused() {
        let bureau = schemas().remove("bureau").unwrap();
        let statement = PredicateStatement::new(
            "bureau.score >= 650",
            BTreeMap::from([("bureau".to_owned(), bureau)]),
        )
        .unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(16);
        let (pk, vk) = setup(statement, &mut rng).unwrap();
        let bytes = pk.to_bytes();
        assert!(bytes.starts_with(PROVING_KEY_MAGIC));
        let loaded = PredicateProvingKey::from_bytes(&bytes).unwrap();
        assert_eq!(loaded.key, pk.key);
        assert_eq!(loaded.statement().text, pk.statement().text);
        assert_eq!(loaded.verifying_key().id_hex(), vk.id_hex());
        let compact = pk.to_compact_bytes();
        assert!(compact.len() < bytes.len());
        assert_eq!(
            PredicateProvingKey::from_bytes(&compact).unwrap().key.ark(),
            pk.key.ark()
        );
        // Flipped bytes: in the statement JSON, the length, the digest, the last byte of the
        // body.
        let statement_len = u32::from_be_bytes(bytes[8..12].try_into().unwrap()) as usize;
        let key_start = 12 + statement_len;
        // "650" → "750": still a valid statement, caught by the digest.
        let text_at = bytes.windows(6).position(|w| w == b">= 650").unwrap() + 3;
        for at in [
            text_at,
            key_start,
            key_start + 8,
            key_start + 40,
            bytes.len() - 1,
        ] {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x01;
            assert!(
                PredicateProvingKey::from_bytes(&damaged).is_err(),
                "flipped byte at {at} accepted"
            );
        }
        let mut damaged = bytes.clone();
        damaged[bytes.len() / 2] ^= 0x80;
        assert!(matches!(
            PredicateProvingKey::from_bytes(&damaged),
            Err(PredicateStatementError::ProvingKey {
                source: ZkError::DigestMismatch { .. },
                ..
            })
        ));
        for cut in [1, 5, 11, key_start, key_start + 39, bytes.len() - 1] {
            assert!(
                PredicateProvingKey::from_bytes(&bytes[..cut]).is_err(),
                "truncation to {cut} accepted"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(PredicateProvingKey::from_bytes(&longer).is_err());
        assert!(PredicateProvingKey::from_bytes(b"CNCLPPK3").is_err());
    }

    #[test]
    fn statements_are_refused_with_reasons() {
        let error = PredicateStatement::new("bureau.score >= ", schemas()).unwrap_err();
        let text = error.to_string();
        assert!(text.contains("column 17") && text.contains('^'), "{text}");
        assert!(matches!(
            PredicateStatement::new("1 < 2", BTreeMap::new()),
            Err(PredicateStatementError::NoAlias)
        ));
        assert!(matches!(
            PredicateStatement::new("bureau.score >= 1", schemas()),
            Err(PredicateStatementError::Alias { ref alias, .. }) if alias == "bank"
        ));
        assert!(matches!(
            PredicateStatement::new("bureau.score >= $now", schemas()),
            Err(PredicateStatementError::Predicate { .. })
        ));
        let statement =
            PredicateStatement::new("bureau.as_of >= $now && bank.income > $min", schemas())
                .unwrap();
        assert_eq!(statement.public_input_count(), 2 * 2 + 2 + 2);
        assert!(statement.param_value("min", "18446744073709551615").is_ok());
        assert!(statement
            .param_value("min", "18446744073709551616")
            .is_err());
        assert!(statement.param_value("now", "2026-02-30").is_err());
        assert!(statement.param_value("other", "1").is_err());
    }
}
