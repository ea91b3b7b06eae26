//! A blocking HTTP client for a ledger node (the API of `docs/api.md`), used by the CLI,
//! tests and the load test.
//!
//! # Security
//! Nothing the node says is trusted by this module: callers verify checkpoints with the
//! log's verifier key and entries with inclusion proofs (see [`crate::verify`]).
//! Every request has a deadline ([`ClientConfig::timeout`], for connecting, sending and
//! reading the whole answer) and every answer a size limit ([`ClientConfig::max_response`]),
//! so a node that stalls or floods cannot hang or exhaust its client.

use std::io::Read;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde_json::Value;

use crate::entry::Entry;
use crate::error::LedgerError;
use crate::merkle::{ConsistencyProof, InclusionProof};
use crate::store::Receipt;

/// Default deadline of one request (connect, send, whole answer): long enough for a node
/// to verify and commit a full batch on a small machine.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default largest answer read from a node (a batch of 1,024 receipts fits).
pub const DEFAULT_MAX_RESPONSE: usize = 8 * 1024 * 1024;

/// Limits of a [`Client`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientConfig {
    /// Deadline of one request, from connecting to the last byte of the answer.
    pub timeout: Duration,
    /// Largest answer body accepted, in bytes; larger answers are refused unread.
    pub max_response: usize,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            timeout: DEFAULT_TIMEOUT,
            max_response: DEFAULT_MAX_RESPONSE,
        }
    }
}

/// A client of one node.
#[derive(Debug, Clone)]
pub struct Client {
    base: String,
    http: reqwest::blocking::Client,
    operator_token: Option<String>,
    config: ClientConfig,
}

/// An entry as served by a node.
#[derive(Debug, Clone)]
pub struct FetchedEntry {
    /// Its index.
    pub index: u64,
    /// Its canonical bytes.
    pub bytes: Vec<u8>,
    /// The decoded entry.
    pub entry: Entry,
}

/// A node's `{"code", "message"}` error object as [`LedgerError::Remote`].
fn remote_error(error: Option<&Value>, no_message: impl FnOnce() -> String) -> LedgerError {
    let field = |name| error.and_then(|e| e.get(name)).and_then(Value::as_str);
    LedgerError::Remote {
        code: field("code").unwrap_or("http").to_owned(),
        message: field("message").map_or_else(no_message, str::to_owned),
    }
}

/// Whether an I/O error from reading an answer body is reqwest's timeout.
fn io_is_timeout(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::TimedOut
        || e.get_ref()
            .and_then(|inner| inner.downcast_ref::<reqwest::Error>())
            .is_some_and(reqwest::Error::is_timeout)
}

impl Client {
    /// A client of the node at `base` (e.g. `http://127.0.0.1:7700`) with the default
    /// limits ([`ClientConfig::default`]).
    ///
    /// # Errors
    /// [`LedgerError::Http`] when the HTTP client cannot be built.
    pub fn new(base: &str) -> Result<Self, LedgerError> {
        Self::with_config(base, ClientConfig::default())
    }

    /// A client of the node at `base` with the given limits.
    ///
    /// # Errors
    /// [`LedgerError::Http`] when the HTTP client cannot be built.
    pub fn with_config(base: &str, config: ClientConfig) -> Result<Self, LedgerError> {
        let http = reqwest::blocking::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .build()
            .map_err(|e| LedgerError::Http(e.to_string()))?;
        Ok(Client {
            base: base.trim_end_matches('/').to_owned(),
            http,
            operator_token: None,
            config,
        })
    }

    /// The limits in use.
    pub fn config(&self) -> ClientConfig {
        self.config
    }

    fn timed_out(&self) -> LedgerError {
        LedgerError::TimedOut {
            url: self.base.clone(),
            after: self.config.timeout,
        }
    }

    fn too_large(&self) -> LedgerError {
        LedgerError::ResponseTooLarge {
            url: self.base.clone(),
            limit: self.config.max_response,
        }
    }

    fn http_error(&self, e: reqwest::Error) -> LedgerError {
        if e.is_timeout() {
            self.timed_out()
        } else {
            LedgerError::Http(e.to_string())
        }
    }

    /// Sends `request` and reads the whole answer within the deadline and size limit.
    fn send(
        &self,
        request: reqwest::blocking::RequestBuilder,
    ) -> Result<(reqwest::StatusCode, Vec<u8>), LedgerError> {
        let deadline = Instant::now() + self.config.timeout;
        let mut response = request.send().map_err(|e| self.http_error(e))?;
        let status = response.status();
        let limit = self.config.max_response;
        if response
            .content_length()
            .is_some_and(|length| length > limit as u64)
        {
            return Err(self.too_large());
        }
        let mut body = Vec::new();
        let mut buffer = [0u8; 16 * 1024];
        loop {
            if Instant::now() > deadline {
                return Err(self.timed_out());
            }
            let read = match response.read(&mut buffer) {
                Ok(0) => break,
                Ok(read) => read,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) if io_is_timeout(&e) => return Err(self.timed_out()),
                Err(e) => return Err(LedgerError::Http(format!("reading the answer: {e}"))),
            };
            if body.len() + read > limit {
                return Err(self.too_large());
            }
            body.extend_from_slice(&buffer[..read]);
        }
        Ok((status, body))
    }

    /// Sends the operator credential with submissions.
    pub fn with_operator_token(mut self, token: &str) -> Self {
        self.operator_token = Some(token.trim().to_owned());
        self
    }

    /// The node's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Sends `request`; a non-success answer becomes the node's error.
    fn call(&self, request: reqwest::blocking::RequestBuilder) -> Result<Vec<u8>, LedgerError> {
        let (status, bytes) = self.send(request)?;
        if !status.is_success() {
            let parsed: Option<Value> = serde_json::from_slice(&bytes).ok();
            let error = parsed.as_ref().and_then(|v| v.get("error"));
            return Err(remote_error(error, || format!("HTTP {status}")));
        }
        Ok(bytes)
    }

    fn get(&self, path: &str) -> Result<Vec<u8>, LedgerError> {
        self.call(self.http.get(format!("{}{path}", self.base)))
    }

    fn get_json(&self, path: &str) -> Result<Value, LedgerError> {
        let bytes = self.get(path)?;
        serde_json::from_slice(&bytes).map_err(|e| LedgerError::malformed("node response", e))
    }

    /// `GET /v1/health`.
    ///
    /// # Errors
    /// Transport and node errors.
    pub fn health(&self) -> Result<Value, LedgerError> {
        self.get_json("/v1/health")
    }

    /// `GET /v1/checkpoint`: the signed note (unverified).
    ///
    /// # Errors
    /// Transport and node errors.
    pub fn checkpoint(&self) -> Result<String, LedgerError> {
        let bytes = self.get("/v1/checkpoint")?;
        String::from_utf8(bytes).map_err(|_| LedgerError::malformed("checkpoint", "not UTF-8"))
    }

    /// `GET /v1/entries/{index}`, decoded and with its bytes checked against its JSON form.
    ///
    /// # Errors
    /// Transport and node errors, undecodable entries.
    pub fn entry(&self, index: u64) -> Result<FetchedEntry, LedgerError> {
        let value = self.get_json(&format!("/v1/entries/{index}"))?;
        Self::fetched(&value)
    }

    fn fetched(value: &Value) -> Result<FetchedEntry, LedgerError> {
        let index = value
            .get("index")
            .and_then(Value::as_u64)
            .ok_or_else(|| LedgerError::malformed("node response", "missing \"index\""))?;
        let bytes = value
            .get("bytes")
            .and_then(Value::as_str)
            .and_then(|b| B64.decode(b).ok())
            .ok_or_else(|| LedgerError::malformed("node response", "missing base64 \"bytes\""))?;
        let entry = Entry::from_bytes(&bytes)?;
        Ok(FetchedEntry {
            index,
            bytes,
            entry,
        })
    }

    /// `GET /v1/statements/{id}`.
    ///
    /// # Errors
    /// Transport and node errors.
    pub fn statement(&self, id: &[u8; 32]) -> Result<FetchedEntry, LedgerError> {
        let value = self.get_json(&format!("/v1/statements/{}", hex::encode(id)))?;
        Self::fetched(&value)
    }

    /// `GET /v1/parties/{key}`.
    ///
    /// # Errors
    /// Transport and node errors.
    pub fn party(&self, key: &[u8; 32]) -> Result<FetchedEntry, LedgerError> {
        let value = self.get_json(&format!("/v1/parties/{}", hex::encode(key)))?;
        Self::fetched(&value)
    }

    /// `GET /v1/issuers/{key}` (the packed issuer key, hex).
    ///
    /// # Errors
    /// Transport and node errors.
    pub fn issuer(&self, id: &[u8; 32]) -> Result<FetchedEntry, LedgerError> {
        let value = self.get_json(&format!("/v1/issuers/{}", hex::encode(id)))?;
        Self::fetched(&value)
    }

    /// `GET /v1/revocations/{issuer}/{sequence}`.
    ///
    /// # Errors
    /// Transport and node errors.
    pub fn revocation(&self, id: &[u8; 32], sequence: u64) -> Result<FetchedEntry, LedgerError> {
        let value = self.get_json(&format!("/v1/revocations/{}/{sequence}", hex::encode(id)))?;
        Self::fetched(&value)
    }

    /// `GET /v1/proofs/inclusion?index=&size=`.
    ///
    /// # Errors
    /// Transport and node errors.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<InclusionProof, LedgerError> {
        let value = self.get_json(&format!("/v1/proofs/inclusion?index={index}&size={size}"))?;
        serde_json::from_value(value).map_err(|e| LedgerError::malformed("inclusion proof", e))
    }

    /// `GET /v1/proofs/consistency?first=&second=`.
    ///
    /// # Errors
    /// Transport and node errors.
    pub fn consistency_proof(
        &self,
        first: u64,
        second: u64,
    ) -> Result<ConsistencyProof, LedgerError> {
        let value = self.get_json(&format!(
            "/v1/proofs/consistency?first={first}&second={second}"
        ))?;
        serde_json::from_value(value).map_err(|e| LedgerError::malformed("consistency proof", e))
    }

    /// `POST /v1/entries` with an entry.
    ///
    /// # Errors
    /// Transport errors and the node's refusal ([`LedgerError::Remote`] with its code).
    pub fn submit(&self, entry: &Entry) -> Result<Receipt, LedgerError> {
        self.submit_raw(entry.to_json().to_string().into_bytes())
    }

    /// `POST /v1/entries` with a raw body (for tests of bad input).
    ///
    /// # Errors
    /// Transport errors and the node's refusal.
    pub fn submit_raw(&self, body: Vec<u8>) -> Result<Receipt, LedgerError> {
        let bytes = self.post("/v1/entries", body)?;
        serde_json::from_slice(&bytes).map_err(|e| LedgerError::malformed("receipt", e))
    }

    /// `POST /v1/entries/batch`: submits `entries` in one request; they are verified and
    /// committed together. One outcome per entry, in order; a refused entry carries the
    /// node's code ([`LedgerError::Remote`]).
    ///
    /// # Errors
    /// Transport errors and refusals of the whole request (body too large, too many
    /// entries).
    pub fn submit_batch(
        &self,
        entries: &[Entry],
    ) -> Result<Vec<Result<Receipt, LedgerError>>, LedgerError> {
        let body = serde_json::json!({
            "entries": entries.iter().map(Entry::to_json).collect::<Vec<_>>()
        });
        let bytes = self.post("/v1/entries/batch", body.to_string().into_bytes())?;
        let answer: Value = serde_json::from_slice(&bytes)
            .map_err(|e| LedgerError::malformed("batch answer", e))?;
        let results = answer
            .get("results")
            .and_then(Value::as_array)
            .filter(|results| results.len() == entries.len())
            .ok_or_else(|| {
                LedgerError::malformed("batch answer", "not one result per submitted entry")
            })?;
        results
            .iter()
            .map(
                |result| match (result.get("receipt"), result.get("error")) {
                    (Some(receipt), None) => Ok(Ok(serde_json::from_value(receipt.clone())
                        .map_err(|e| LedgerError::malformed("receipt", e))?)),
                    (None, Some(error)) => Ok(Err(remote_error(Some(error), String::new))),
                    _ => Err(LedgerError::malformed(
                        "batch answer",
                        "a result is neither a receipt nor an error",
                    )),
                },
            )
            .collect()
    }

    fn post(&self, path: &str, body: Vec<u8>) -> Result<Vec<u8>, LedgerError> {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body);
        if let Some(token) = &self.operator_token {
            request = request.bearer_auth(token);
        }
        self.call(request)
    }
}
