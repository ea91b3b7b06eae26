//! An Ethereum chain inside this process ([`InProcessChain`], on revm): deploy the
//! committed contracts and call them without any node.
//!
//! Owns the in-memory EVM (revm's mainnet configuration at its default hardfork, an empty
//! state plus funded development accounts, one block whose timestamp the caller sets),
//! contract creation and calls with the call data the rest of this crate builds
//! ([`crate::verifier::VerifierKey::deploy_code`], [`crate::verifier::ProofCalldata::encode`],
//! [`crate::registry::submit`], [`crate::anchor::anchor_calldata`], …: nothing is
//! encoded twice), the gas each transaction uses as a receipt would give it, and reverts
//! decoded into [`Revert`] with the contracts' custom errors named from their ABIs.
//!
//! `conclave demo` runs its on-chain chapter here. Gas figures match a node running the
//! same hardfork (the tests compare them with anvil's receipts when anvil is installed).
//!
//! # Security
//! Nothing here is consensus: the chain is this process's memory, and its answers are as
//! trustworthy as the code you run. It is meant for demonstrations and tests; transactions
//! are not signed (the sender is simply named) and gas costs nothing (base fee and gas
//! price zero).

use std::convert::Infallible;
use std::time::{SystemTime, UNIX_EPOCH};

use alloy::dyn_abi::{DynSolType, DynSolValue};
use alloy::primitives::{keccak256, Bytes, B256};
use revm::context::result::{EVMError, ExecutionResult, HaltReason, Output};
use revm::context::{BlockEnv, Context, TxEnv};
use revm::database::{CacheDB, EmptyDB};
use revm::handler::{MainnetContext, MainnetEvm};
use revm::primitives::TxKind;
use revm::state::AccountInfo;
use revm::{DatabaseRef, ExecuteCommitEvm, ExecuteEvm, MainBuilder, MainContext};

pub use alloy::primitives::{Address, U256};

/// The balance each development account starts with: 10 000 ether.
pub const DEV_BALANCE_WEI: u128 = 10_000 * 1_000_000_000_000_000_000;

/// The first development account (a name, not a key: transactions here are unsigned).
pub const DEPLOYER: Address = Address::new([
    0xc0, 0xc1, 0xa7, 0xe0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
]);

type Evm = MainnetEvm<MainnetContext<CacheDB<EmptyDB>>>;

/// Events as [`crate::client::Transacted::Mined`] gives them: each log's topics and data.
type Logs = Vec<(Vec<B256>, Bytes)>;

/// Why a transaction or call on the in-process chain did not succeed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvmError {
    /// The contract reverted (`REVERT`): the transaction failed, its gas was used.
    #[error("reverted ({gas_used} gas): {revert}")]
    Reverted {
        /// Gas the transaction used (as its receipt would say).
        gas_used: u64,
        /// What the contract said.
        revert: Revert,
    },
    /// Execution halted (out of gas, invalid opcode, code too large, …): all gas used.
    #[error("halted ({gas_used} gas): {reason}")]
    Halted {
        /// Gas the transaction used.
        gas_used: u64,
        /// Why the EVM stopped.
        reason: HaltReason,
    },
    /// The EVM refused the transaction before running it (nonce, balance, gas limit).
    #[error("the in-process EVM refused the transaction: {0}")]
    Rejected(#[source] Box<EVMError<Infallible>>),
    /// A contract creation succeeded without giving an address (not expected from revm).
    #[error("the contract creation returned no address")]
    NoContractAddress,
}

/// What a reverted call returned, decoded against the committed contracts' errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revert {
    data: Vec<u8>,
}

/// The custom errors of the committed contracts' ABIs: `(selector, name, argument types)`.
fn known_errors() -> Vec<([u8; 4], String, Vec<String>)> {
    [
        crate::verifier::ABI,
        crate::registry::ABI,
        crate::anchor::ABI,
    ]
    .iter()
    .filter_map(|abi| serde_json::from_str::<serde_json::Value>(abi).ok())
    .filter_map(|abi| abi.as_array().cloned())
    .flatten()
    .filter(|item| item["type"] == "error")
    .filter_map(|item| {
        let name = item["name"].as_str()?.to_owned();
        let types = item["inputs"]
            .as_array()?
            .iter()
            .map(|input| input["type"].as_str().map(str::to_owned))
            .collect::<Option<Vec<String>>>()?;
        let hash = keccak256(format!("{name}({})", types.join(",")).as_bytes());
        Some(([hash[0], hash[1], hash[2], hash[3]], name, types))
    })
    .collect()
}

/// `Error(string)`, what `require(cond, "message")` and `revert("message")` produce.
const ERROR_STRING: [u8; 4] = [0x08, 0xc3, 0x79, 0xa0];
/// `Panic(uint256)`, what failed `assert`s, overflows and bad array indices produce.
const PANIC: [u8; 4] = [0x4e, 0x48, 0x7b, 0x71];

impl Revert {
    /// Wraps revert data.
    pub fn new(data: Vec<u8>) -> Self {
        Revert { data }
    }

    /// The raw revert data (selector and ABI-encoded arguments).
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The name of the error: a custom error of the verifier, registry or anchor contract
    /// (`NullifierUsed`, `InputNotInField`, `NotOperator`, …), `Error` or `Panic`; `None`
    /// for no data or an error none of them declares.
    pub fn name(&self) -> Option<String> {
        let selector: [u8; 4] = self.data.get(..4)?.try_into().ok()?;
        match selector {
            ERROR_STRING => Some("Error".to_owned()),
            PANIC => Some("Panic".to_owned()),
            _ => known_errors()
                .into_iter()
                .find(|(known, _, _)| *known == selector)
                .map(|(_, name, _)| name),
        }
    }

    /// The error's arguments, decoded with its ABI types (empty when unknown or malformed).
    pub fn arguments(&self) -> Vec<DynSolValue> {
        let Some(selector) = self.data.get(..4) else {
            return Vec::new();
        };
        let types: Vec<String> = match <[u8; 4]>::try_from(selector) {
            Ok(ERROR_STRING) => vec!["string".to_owned()],
            Ok(PANIC) => vec!["uint256".to_owned()],
            Ok(selector) => known_errors()
                .into_iter()
                .find(|(known, _, _)| *known == selector)
                .map(|(_, _, types)| types)
                .unwrap_or_default(),
            Err(_) => return Vec::new(),
        };
        let Ok(tuple) = DynSolType::parse(&format!("({})", types.join(","))) else {
            return Vec::new();
        };
        match tuple.abi_decode_params(&self.data[4..]) {
            Ok(DynSolValue::Tuple(values)) => values,
            _ => Vec::new(),
        }
    }
}

impl std::fmt::Display for Revert {
    /// The contract's explanation: the anchor's, registry's and verifier's own wording
    /// (as `conclave eth …` prints it), `Error(string)`'s message, or `Panic`'s code.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name().as_deref() {
            Some("Error") => match self.arguments().first() {
                Some(DynSolValue::String(message)) => write!(f, "Error: {message}"),
                _ => write!(f, "Error: (malformed message)"),
            },
            Some("Panic") => match self.arguments().first() {
                Some(DynSolValue::Uint(code, _)) => write!(f, "Panic: code {code:#x}"),
                _ => write!(f, "Panic"),
            },
            _ => {
                let anchor = crate::anchor::AnchorRevert::decode(Some(&self.data));
                if matches!(anchor, crate::anchor::AnchorRevert::Unknown { .. }) {
                    let data = (!self.data.is_empty()).then(|| Bytes::from(self.data.clone()));
                    write!(f, "{}", crate::registry::describe_revert(data))
                } else {
                    write!(f, "{anchor}")
                }
            }
        }
    }
}

/// A contract created on the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deployed {
    /// Its address.
    pub address: Address,
    /// Gas the creation transaction used.
    pub gas_used: u64,
}

/// A call or transaction that succeeded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Executed {
    /// What the contract returned (ABI-encoded).
    pub output: Vec<u8>,
    /// Gas a transaction making this call uses (its receipt's `gasUsed`: the 21 000 base
    /// and the call data included, refunds deducted).
    pub gas_used: u64,
    /// The events emitted: each log's topics and data (as
    /// [`crate::client::Transacted::Mined`] gives them, so [`crate::registry::accepted_event`]
    /// and friends read both).
    pub logs: Logs,
}

impl Executed {
    /// The output as one ABI `bool` (`verifyProof`, `verifyInclusion`), `None` if it is not
    /// exactly one word holding 0 or 1.
    pub fn as_bool(&self) -> Option<bool> {
        crate::client::decode_bool(&self.output)
    }
}

/// An Ethereum chain in this process's memory (see the module documentation).
pub struct InProcessChain {
    evm: Evm,
}

impl std::fmt::Debug for InProcessChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InProcessChain")
            .field("timestamp", &self.evm.ctx.block.timestamp)
            .field("spec", &self.evm.ctx.cfg.spec)
            .finish_non_exhaustive()
    }
}

impl Default for InProcessChain {
    fn default() -> Self {
        Self::new()
    }
}

impl InProcessChain {
    /// A chain whose block has the current time as its timestamp, with [`DEPLOYER`] funded.
    pub fn new() -> Self {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        Self::at_time(now)
    }

    /// A chain whose block has timestamp `unix_seconds` (contracts read it as
    /// `block.timestamp`: the registry compares a proof's day with it), with [`DEPLOYER`]
    /// funded.
    pub fn at_time(unix_seconds: u64) -> Self {
        let mut db = CacheDB::new(EmptyDB::new());
        db.insert_account_info(
            DEPLOYER,
            AccountInfo::from_balance(U256::from(DEV_BALANCE_WEI)),
        );
        let block = BlockEnv {
            number: U256::from(1u8),
            timestamp: U256::from(unix_seconds),
            // A mainnet-sized block, so the EVM's checks see a realistic limit.
            gas_limit: 60_000_000,
            ..BlockEnv::default()
        };
        let evm = Context::mainnet()
            .with_db(db)
            .with_block(block)
            .build_mainnet();
        InProcessChain { evm }
    }

    /// Sets the block's timestamp (Unix seconds).
    pub fn set_time(&mut self, unix_seconds: u64) {
        self.evm.ctx.block.timestamp = U256::from(unix_seconds);
    }

    /// Gives `account` [`DEV_BALANCE_WEI`] (a second sender: an owner, a submitter, an
    /// operator other than [`DEPLOYER`]).
    pub fn fund(&mut self, account: Address) {
        let nonce = self.nonce(account);
        let mut info = AccountInfo::from_balance(U256::from(DEV_BALANCE_WEI));
        info.nonce = nonce;
        self.evm
            .ctx
            .journaled_state
            .database
            .insert_account_info(account, info);
    }

    /// The account's nonce (its number of transactions so far).
    pub fn nonce(&self, account: Address) -> u64 {
        match self.evm.ctx.journaled_state.database.basic_ref(account) {
            Ok(info) => info.map_or(0, |info| info.nonce),
            Err(never) => match never {},
        }
    }

    fn tx(&self, from: Address, kind: TxKind, data: Vec<u8>) -> TxEnv {
        TxEnv::builder()
            .caller(from)
            .kind(kind)
            .data(Bytes::from(data))
            .nonce(self.nonce(from))
            .gas_price(0)
            .build_fill()
    }

    /// Creates a contract from [`DEPLOYER`] with `code` (creation bytecode followed by the
    /// ABI-encoded constructor arguments) and commits it.
    ///
    /// # Errors
    /// [`EvmError::Reverted`] when the constructor reverts (the nonce is still used, as
    /// on a chain), [`EvmError::Halted`], [`EvmError::Rejected`].
    pub fn deploy(&mut self, code: Vec<u8>) -> Result<Deployed, EvmError> {
        self.deploy_from(DEPLOYER, code)
    }

    /// [`Self::deploy`] from another funded account.
    ///
    /// # Errors
    /// As [`Self::deploy`].
    pub fn deploy_from(&mut self, from: Address, code: Vec<u8>) -> Result<Deployed, EvmError> {
        let tx = self.tx(from, TxKind::Create, code);
        let result = self.evm.transact_commit(tx).map_err(rejected)?;
        let gas_used = result.tx_gas_used();
        match succeeded(result)? {
            (Output::Create(_, Some(address)), _) => Ok(Deployed { address, gas_used }),
            _ => Err(EvmError::NoContractAddress),
        }
    }

    /// Sends `data` to `contract` as a transaction from [`DEPLOYER`] and commits it
    /// (storage writes, events; a reverted transaction commits only its nonce).
    ///
    /// # Errors
    /// [`EvmError::Reverted`] with the decoded reason, [`EvmError::Halted`],
    /// [`EvmError::Rejected`].
    pub fn transact(&mut self, contract: Address, data: Vec<u8>) -> Result<Executed, EvmError> {
        self.transact_from(DEPLOYER, contract, data)
    }

    /// [`Self::transact`] from another account (funded with [`Self::fund`]).
    ///
    /// # Errors
    /// As [`Self::transact`].
    pub fn transact_from(
        &mut self,
        from: Address,
        contract: Address,
        data: Vec<u8>,
    ) -> Result<Executed, EvmError> {
        let tx = self.tx(from, TxKind::Call(contract), data);
        let result = self.evm.transact_commit(tx).map_err(rejected)?;
        executed(result)
    }

    /// Runs `data` against `contract` from [`DEPLOYER`] without committing anything (an
    /// `eth_call`); the gas is what the same transaction would use.
    ///
    /// # Errors
    /// As [`Self::transact`].
    pub fn call(&mut self, contract: Address, data: Vec<u8>) -> Result<Executed, EvmError> {
        self.call_from(DEPLOYER, contract, data)
    }

    /// [`Self::call`] from another address (it need not be funded: gas costs nothing).
    ///
    /// # Errors
    /// As [`Self::transact`].
    pub fn call_from(
        &mut self,
        from: Address,
        contract: Address,
        data: Vec<u8>,
    ) -> Result<Executed, EvmError> {
        let tx = self.tx(from, TxKind::Call(contract), data);
        let result = self.evm.transact(tx).map_err(rejected)?;
        executed(result.result)
    }
}

fn rejected(error: EVMError<Infallible>) -> EvmError {
    EvmError::Rejected(Box::new(error))
}

/// The output and logs of a successful execution, or why it failed.
fn succeeded(result: ExecutionResult) -> Result<(Output, Logs), EvmError> {
    let gas_used = result.tx_gas_used();
    match result {
        ExecutionResult::Success { output, logs, .. } => Ok((
            output,
            logs.into_iter()
                .map(|log| (log.data.topics().to_vec(), log.data.data))
                .collect(),
        )),
        ExecutionResult::Revert { output, .. } => Err(EvmError::Reverted {
            gas_used,
            revert: Revert::new(output.to_vec()),
        }),
        ExecutionResult::Halt { reason, .. } => Err(EvmError::Halted { gas_used, reason }),
    }
}

fn executed(result: ExecutionResult) -> Result<Executed, EvmError> {
    let gas_used = result.tx_gas_used();
    let (output, logs) = succeeded(result)?;
    Ok(Executed {
        output: output.into_data().to_vec(),
        gas_used,
        logs,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reverts_are_named_and_explained_from_the_abis() {
        let selector = |signature: &str| keccak256(signature.as_bytes())[..4].to_vec();
        let word = |n: u64| U256::from(n).to_be_bytes::<32>();

        let mut used = selector("NullifierUsed(uint256,uint256)");
        used.extend_from_slice(&word(7));
        used.extend_from_slice(&word(9));
        let used = Revert::new(used);
        assert_eq!(used.name().as_deref(), Some("NullifierUsed"));
        assert_eq!(
            used.arguments(),
            vec![
                DynSolValue::Uint(U256::from(7u8), 256),
                DynSolValue::Uint(U256::from(9u8), 256)
            ]
        );
        assert!(used
            .to_string()
            .contains("nullifier 9 was already used in scope 7"));

        let mut stale = selector("StaleCheckpoint(uint64,uint64)");
        stale.extend_from_slice(&word(9));
        stale.extend_from_slice(&word(4));
        let stale = Revert::new(stale);
        assert_eq!(stale.name().as_deref(), Some("StaleCheckpoint"));
        assert!(stale.to_string().starts_with("StaleCheckpoint: size 4"));

        let mut input = selector("InputNotInField(uint256)");
        input.extend_from_slice(&word(1));
        assert!(Revert::new(input)
            .to_string()
            .contains("public input #1 is not below"));

        let message = DynSolValue::Tuple(vec![DynSolValue::String("no".into())]);
        let mut error = ERROR_STRING.to_vec();
        error.extend_from_slice(&message.abi_encode_params());
        let error = Revert::new(error);
        assert_eq!(error.name().as_deref(), Some("Error"));
        assert_eq!(error.to_string(), "Error: no");

        let mut panic = PANIC.to_vec();
        panic.extend_from_slice(&word(0x11));
        assert_eq!(Revert::new(panic).to_string(), "Panic: code 0x11");

        assert_eq!(Revert::new(vec![]).name(), None);
        assert!(Revert::new(vec![]).to_string().contains("without a reason"));
        assert_eq!(Revert::new(vec![1, 2, 3, 4]).name(), None);
    }

    #[test]
    fn a_chain_funds_its_deployer_and_counts_nonces() {
        let mut chain = InProcessChain::at_time(86_400 * 20_000);
        assert_eq!(chain.nonce(DEPLOYER), 0);
        // Creation code returning an empty runtime: a contract with no code.
        let deployed = chain.deploy(vec![0x60, 0x00, 0x60, 0x00, 0xf3]).unwrap();
        assert_eq!(chain.nonce(DEPLOYER), 1);
        assert_eq!(deployed.address, DEPLOYER.create(0));
        assert!(deployed.gas_used >= 53_000, "{}", deployed.gas_used);
        // Creation code that reverts: a typed error, the nonce is used.
        let reverted = chain
            .deploy(vec![0x60, 0x00, 0x60, 0x00, 0xfd])
            .unwrap_err();
        assert!(
            matches!(reverted, EvmError::Reverted { ref revert, .. } if revert.data().is_empty()),
            "{reverted:?}"
        );
        assert_eq!(chain.nonce(DEPLOYER), 2);
        // A call does not commit.
        let other = Address::repeat_byte(0x22);
        chain.call(other, vec![]).unwrap();
        assert_eq!(chain.nonce(DEPLOYER), 2);
        chain.fund(other);
        chain.transact_from(other, DEPLOYER, vec![]).unwrap();
        assert_eq!(chain.nonce(other), 1);
    }
}
