//! Deploying the verifier and calling it over Ethereum JSON-RPC (alloy, HTTP transport).
//!
//! [`Node`] is a blocking facade: it owns a single-threaded tokio runtime (explicit, not a
//! global) and runs alloy's async calls on it, so the CLI stays synchronous.
//!
//! # Security
//! `verify` is an `eth_call` against the node you name: its answer is as trustworthy as
//! that node (run your own, or check several). The signing key only leaves this process
//! as signatures; it is zeroized when the [`Node`] is dropped (alloy's signer holds it).

use std::str::FromStr;

use alloy::network::{EthereumWallet, TransactionBuilder};
use alloy::primitives::{keccak256, Address, Bytes, B256, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::TransactionRequest;
use alloy::signers::local::PrivateKeySigner;
use alloy::transports::TransportError;
use zeroize::Zeroizing;

use crate::verifier::ProofCalldata;
use crate::EthError;

/// A connection to one Ethereum node, optionally with a key to sign transactions.
pub struct Node {
    url: String,
    runtime: tokio::runtime::Runtime,
    provider: DynProvider,
    sender: Option<Address>,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("url", &self.url)
            .field("sender", &self.sender)
            .finish_non_exhaustive()
    }
}

/// A deployed contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployment {
    /// The contract's address.
    pub address: Address,
    /// The deployment transaction's hash (hex).
    pub tx: String,
    /// Gas the deployment used.
    pub gas_used: u64,
}

/// What `verifyProof` answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It returned true.
    Valid,
    /// It returned false: the pairing equation does not hold.
    Invalid,
    /// It reverted: the call was refused (wrong input count, an input not below r, a
    /// malformed point), with the decoded reason.
    Refused(String),
}

/// What [`Node::transact`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transacted {
    /// The transaction was mined and succeeded.
    Mined {
        /// Transaction hash (hex).
        tx: String,
        /// Gas it used (from the receipt).
        gas_used: u64,
        /// The events it emitted: each log's topics and data.
        logs: Vec<(Vec<B256>, Bytes)>,
    },
    /// The simulation reverted, with this revert data; nothing was sent.
    Reverted(Option<Bytes>),
}

/// Parses a `0x`-prefixed (or bare) 20-byte hex address.
///
/// # Errors
/// [`EthError::Malformed`] otherwise.
pub fn parse_address(text: &str) -> Result<Address, EthError> {
    Address::from_str(text.trim()).map_err(|e| EthError::Malformed {
        what: "contract address",
        reason: format!("{text:?} is not 20 bytes of hex ({e})"),
    })
}

/// Parses a secret key file's text: 64 hex digits, `0x` optional, surrounding whitespace ignored.
///
/// # Errors
/// [`EthError::BadSecretKey`] otherwise.
pub fn parse_signer(text: &str) -> Result<PrivateKeySigner, EthError> {
    let text = text.trim();
    let digits = text.strip_prefix("0x").unwrap_or(text);
    let mut bytes = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(digits, bytes.as_mut_slice()).map_err(|_| EthError::BadSecretKey)?;
    PrivateKeySigner::from_slice(bytes.as_slice()).map_err(|_| EthError::BadSecretKey)
}

impl Node {
    /// Connects (lazily: nothing is sent yet) to the node at `url`, signing with `signer`
    /// if given.
    ///
    /// # Errors
    /// [`EthError::BadUrl`], or an I/O error building the runtime (as [`EthError::Rpc`]).
    pub fn connect(url: &str, signer: Option<PrivateKeySigner>) -> Result<Self, EthError> {
        let parsed = url.parse().map_err(|_| EthError::BadUrl {
            url: url.to_owned(),
        })?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| EthError::Rpc {
                url: url.to_owned(),
                source: TransportError::local_usage_str(&format!(
                    "cannot start the I/O runtime: {e}"
                )),
            })?;
        let sender = signer.as_ref().map(PrivateKeySigner::address);
        let provider = match signer {
            Some(signer) => ProviderBuilder::new()
                .wallet(EthereumWallet::from(signer))
                .connect_http(parsed)
                .erased(),
            None => ProviderBuilder::new().connect_http(parsed).erased(),
        };
        Ok(Node {
            url: url.to_owned(),
            runtime,
            provider,
            sender,
        })
    }

    /// The address transactions are sent from, if a key was given.
    pub fn sender(&self) -> Option<Address> {
        self.sender
    }

    fn rpc(&self, source: TransportError) -> EthError {
        EthError::Rpc {
            url: self.url.clone(),
            source,
        }
    }

    /// The address of this client's signing key; `need` says why one is needed.
    fn signer_address(&self, need: &'static str) -> Result<Address, EthError> {
        self.sender
            .ok_or_else(|| self.rpc(TransportError::local_usage_str(need)))
    }

    /// Sends a contract-creation transaction with `code` and waits for its receipt.
    ///
    /// # Errors
    /// [`EthError::Rpc`] (no key given, node unreachable, transaction refused),
    /// [`EthError::DeploymentReverted`] when the constructor reverts.
    pub fn deploy(&self, code: Vec<u8>) -> Result<Deployment, EthError> {
        let from = self.signer_address("deploying needs a signing key (--eth-key)")?;
        let request = TransactionRequest::default()
            .with_from(from)
            .with_deploy_code(Bytes::from(code));
        self.runtime.block_on(async {
            let pending = self
                .provider
                .send_transaction(request)
                .await
                .map_err(|e| self.rpc(e))?;
            let receipt = pending.get_receipt().await.map_err(EthError::Receipt)?;
            let tx = format!("{:#x}", receipt.transaction_hash);
            match (receipt.status(), receipt.contract_address) {
                (true, Some(address)) => Ok(Deployment {
                    address,
                    tx,
                    gas_used: receipt.gas_used,
                }),
                _ => Err(EthError::DeploymentReverted {
                    tx,
                    gas_used: receipt.gas_used,
                }),
            }
        })
    }

    /// Sends `verifyProof` as a transaction (signed with the node's key) and returns the
    /// transaction hash and the gas it used, from the receipt. A transaction records the
    /// check on chain and measures its exact cost; the answer itself comes from [`Self::verify`].
    ///
    /// # Errors
    /// [`EthError::Rpc`] (no key, node unreachable, the call reverts while estimating gas),
    /// [`EthError::Receipt`], [`EthError::TransactionReverted`] when it was mined but failed.
    pub fn send_verify(
        &self,
        contract: Address,
        calldata: &ProofCalldata,
    ) -> Result<(String, u64), EthError> {
        self.send_data(contract, calldata.encode())
    }

    /// [`Self::send_verify`] for any call data (e.g. `verifyBatch`'s).
    ///
    /// # Errors
    /// As [`Self::send_verify`].
    pub fn send_data(&self, contract: Address, data: Vec<u8>) -> Result<(String, u64), EthError> {
        let sent = self.send(contract, data)?;
        Ok((sent.tx, sent.gas_used))
    }

    /// Calls `verifyProof` on `contract` (an `eth_call`, no transaction) and, when it did
    /// not revert, also asks the node for the gas a transaction making the same call would
    /// need (`eth_estimateGas`).
    ///
    /// # Errors
    /// [`EthError::Rpc`] when the node fails for another reason than a revert,
    /// [`EthError::UnexpectedReturn`] when the answer is not a bool.
    pub fn verify(
        &self,
        contract: Address,
        calldata: &ProofCalldata,
    ) -> Result<(Verdict, Option<u64>), EthError> {
        self.verify_data(contract, calldata.encode())
    }

    /// [`Self::verify`] for any call data returning a bool (e.g. `verifyBatch`'s).
    ///
    /// # Errors
    /// As [`Self::verify`].
    pub fn verify_data(
        &self,
        contract: Address,
        data: Vec<u8>,
    ) -> Result<(Verdict, Option<u64>), EthError> {
        let request = TransactionRequest::default()
            .with_to(contract)
            .with_input(Bytes::from(data));
        self.runtime.block_on(async {
            let returned = match self.call_request(request.clone()).await? {
                Ok(returned) => returned,
                Err(revert) => return Ok((Verdict::Refused(describe_revert(revert)), None)),
            };
            let verdict = match decode_bool(&returned) {
                Some(true) => Verdict::Valid,
                Some(false) => Verdict::Invalid,
                None => {
                    return Err(EthError::UnexpectedReturn {
                        contract: format!("{contract:#x}"),
                        returned: hex::encode(&returned),
                    })
                }
            };
            let gas = self
                .provider
                .estimate_gas(request)
                .await
                .map_err(|e| self.rpc(e))?;
            Ok((verdict, Some(gas)))
        })
    }

    /// Sends `data` to `contract` as a transaction signed with this client's key, after
    /// simulating it with an `eth_call` from the same address: a call that would revert
    /// is not sent, and its revert data is returned instead.
    ///
    /// # Errors
    /// [`EthError::Rpc`] (no key, node unreachable), [`EthError::Receipt`],
    /// [`EthError::TransactionReverted`] when the mined transaction failed anyway (the
    /// chain moved between simulation and mining).
    pub fn transact(&self, contract: Address, data: Vec<u8>) -> Result<Transacted, EthError> {
        let from = self.signer_address("sending a transaction needs a signing key (--eth-key)")?;
        let request = TransactionRequest::default()
            .with_from(from)
            .with_to(contract)
            .with_input(Bytes::from(data));
        self.runtime.block_on(async {
            if let Err(revert) = self.call_request(request.clone()).await? {
                return Ok(Transacted::Reverted(revert));
            }
            let pending = self
                .provider
                .send_transaction(request)
                .await
                .map_err(|e| self.rpc(e))?;
            let receipt = pending.get_receipt().await.map_err(EthError::Receipt)?;
            let tx = format!("{:#x}", receipt.transaction_hash);
            if !receipt.status() {
                return Err(EthError::TransactionReverted {
                    tx,
                    gas_used: receipt.gas_used,
                });
            }
            let logs = receipt
                .logs()
                .iter()
                .map(|log| (log.topics().to_vec(), log.data().data.clone()))
                .collect();
            Ok(Transacted::Mined {
                tx,
                gas_used: receipt.gas_used,
                logs,
            })
        })
    }

    async fn call_request(
        &self,
        request: TransactionRequest,
    ) -> Result<Result<Bytes, Option<Bytes>>, EthError> {
        match self.provider.call(request).await {
            Ok(returned) => Ok(Ok(returned)),
            Err(error) => match error.as_error_resp() {
                Some(payload) if payload.message.contains("revert") => {
                    Ok(Err(payload.as_revert_data()))
                }
                _ => Err(self.rpc(error)),
            },
        }
    }
}

/// What an `eth_call` answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallOutcome {
    /// The call returned these bytes.
    Returned(Vec<u8>),
    /// The call reverted, with this revert data if the node gave any.
    Reverted(Option<Vec<u8>>),
}

/// A mined transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// The transaction hash (hex).
    pub tx: String,
    /// Gas it used, from the receipt.
    pub gas_used: u64,
}

impl Node {
    /// An `eth_call` of `data` on `contract` (from this client's address, if it has a key).
    ///
    /// # Errors
    /// [`EthError::Rpc`] when the node fails for another reason than a revert.
    pub fn call(&self, contract: Address, data: Vec<u8>) -> Result<CallOutcome, EthError> {
        let mut request = TransactionRequest::default()
            .with_to(contract)
            .with_input(Bytes::from(data));
        if let Some(from) = self.sender {
            request = request.with_from(from);
        }
        Ok(match self.runtime.block_on(self.call_request(request))? {
            Ok(returned) => CallOutcome::Returned(returned.to_vec()),
            Err(revert) => CallOutcome::Reverted(revert.map(|data| data.to_vec())),
        })
    }

    /// Sends `data` to `contract` as a transaction signed with this client's key and waits
    /// for its receipt.
    ///
    /// # Errors
    /// [`EthError::Rpc`] (no key, node unreachable, the call reverts while the node
    /// estimates its gas), [`EthError::Receipt`], [`EthError::TransactionReverted`] when
    /// it was mined but failed.
    pub fn send(&self, contract: Address, data: Vec<u8>) -> Result<Sent, EthError> {
        let from = self.signer_address("sending a transaction needs a signing key (--eth-key)")?;
        let request = TransactionRequest::default()
            .with_from(from)
            .with_to(contract)
            .with_input(Bytes::from(data));
        self.runtime.block_on(async {
            let pending = self
                .provider
                .send_transaction(request)
                .await
                .map_err(|e| self.rpc(e))?;
            let receipt = pending.get_receipt().await.map_err(EthError::Receipt)?;
            let sent = Sent {
                tx: format!("{:#x}", receipt.transaction_hash),
                gas_used: receipt.gas_used,
            };
            if !receipt.status() {
                return Err(EthError::TransactionReverted {
                    tx: sent.tx,
                    gas_used: sent.gas_used,
                });
            }
            Ok(sent)
        })
    }
}

pub(crate) fn decode_bool(returned: &[u8]) -> Option<bool> {
    if returned.len() != 32 || returned[..31].iter().any(|b| *b != 0) {
        return None;
    }
    match returned[31] {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    }
}

/// Names the verifier's custom errors (`WrongInputCount`, `InputNotInField`,
/// `MalformedProof`, `BadVerifyingKey`, `EmptyBatch`) in revert data.
pub fn describe_revert(data: Option<Bytes>) -> String {
    let Some(data) = data.filter(|data| data.len() >= 4) else {
        return "reverted without a reason (wrong function or arguments for this contract?)"
            .to_owned();
    };
    let selector = |signature: &str| keccak256(signature.as_bytes())[..4].to_vec();
    let argument = |i: usize| {
        data.get(4 + 32 * i..4 + 32 * (i + 1))
            .map(U256::from_be_slice)
            .unwrap_or_default()
    };
    let head = data[..4].to_vec();
    if head == selector("WrongInputCount(uint256,uint256)") {
        format!(
            "WrongInputCount: the key takes {} public inputs, the call gave {}",
            argument(0),
            argument(1)
        )
    } else if head == selector("InputNotInField(uint256)") {
        format!(
            "InputNotInField: public input #{} is not below the group order r",
            argument(0)
        )
    } else if head == selector("MalformedProof()") {
        "MalformedProof: a point is not on the curve, not canonical or outside its subgroup \
         (or the precompile ran out of gas)"
            .to_owned()
    } else if head == selector("BadVerifyingKey()") {
        "BadVerifyingKey".to_owned()
    } else if head == selector("EmptyBatch()") {
        "EmptyBatch: the batch holds no proof".to_owned()
    } else {
        format!("reverted with data 0x{}", hex::encode(&data))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn bools_decode_strictly() {
        let mut word = [0u8; 32];
        assert_eq!(decode_bool(&word), Some(false));
        word[31] = 1;
        assert_eq!(decode_bool(&word), Some(true));
        word[31] = 2;
        assert_eq!(decode_bool(&word), None);
        word[0] = 1;
        word[31] = 1;
        assert_eq!(decode_bool(&word), None);
        assert_eq!(decode_bool(&[1]), None);
    }

    #[test]
    fn keys_and_addresses_parse() {
        // anvil's first development account.
        let signer =
            parse_signer("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80\n")
                .unwrap();
        assert_eq!(
            signer.address(),
            parse_address("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266").unwrap()
        );
        assert!(parse_signer("0x12").is_err());
        assert!(parse_signer(&"0".repeat(64)).is_err(), "zero is not a key");
        assert!(parse_address("0x1234").is_err());
    }

    #[test]
    fn reverts_are_named() {
        let mut data = keccak256(b"InputNotInField(uint256)")[..4].to_vec();
        data.extend_from_slice(&U256::from(1u8).to_be_bytes::<32>());
        assert!(describe_revert(Some(data.into())).contains("public input #1"));
        assert!(describe_revert(None).contains("without a reason"));
    }
}
