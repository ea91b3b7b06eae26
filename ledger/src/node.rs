//! The HTTP node: axum on tokio, loopback by default. Routes, bodies and error codes are
//! documented in `docs/api.md`.
//!
//! Submissions go through one committer thread that drains every waiting submission into a
//! batch, verifies it (Groth16 proofs with the batch verifier) and commits it in one durable
//! transaction, then answers each client. Reads are served concurrently from the in-memory
//! tree and redb read transactions.
//!
//! # Security
//! Registering statements, parties and issuers needs `Authorization: Bearer <operator token>`.
//! Request bodies are capped in size ([`NodeConfig::max_body`]) and in time
//! ([`NodeConfig::body_timeout`]: a client that stalls mid-body gets `408 body_timeout`
//! and its connection is closed, while other clients are served meanwhile). Every error,
//! unknown routes (404) and wrong methods (405) included, is JSON
//! `{"error": {"code": "...", "message": "..."}}` with a stable code.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use rayon::prelude::*;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};

use crate::entry::Entry;
use crate::error::LedgerError;
use crate::store::{Ledger, Receipt, StoredEntry};

/// Node settings.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Largest request body accepted, in bytes.
    pub max_body: usize,
    /// Most submissions verified and committed together.
    pub max_batch: usize,
    /// Most entries in one `POST /v1/entries/batch` request.
    pub max_batch_request: usize,
    /// Longest time a request body may take to arrive, from the end of its headers.
    pub body_timeout: Duration,
}

impl Default for NodeConfig {
    fn default() -> Self {
        NodeConfig {
            max_body: 1024 * 1024,
            max_batch: 512,
            max_batch_request: 1024,
            body_timeout: Duration::from_secs(10),
        }
    }
}

type Outcomes = Vec<Result<Receipt, LedgerError>>;

/// Entries from one request (with whether it carried the operator credential), answered
/// together once committed.
struct Job {
    entries: Vec<(Entry, bool)>,
    reply: oneshot::Sender<Outcomes>,
}

#[derive(Clone)]
struct AppState {
    ledger: Arc<Ledger>,
    jobs: mpsc::Sender<Job>,
    max_batch_request: usize,
    body_timeout: Duration,
}

/// An HTTP error: status, stable code, message.
struct ApiError {
    status: StatusCode,
    code: String,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

impl From<LedgerError> for ApiError {
    fn from(error: LedgerError) -> Self {
        let code = error.code().to_owned();
        let status = match code.as_str() {
            "malformed" | "unsupported_version" | "unknown_kind" | "out_of_range" | "too_large" => {
                StatusCode::BAD_REQUEST
            }
            "proof_invalid"
            | "signature_invalid"
            | "unknown_statement"
            | "unknown_party"
            | "unknown_issuer"
            | "unknown_revocation_root"
            | "stale_revocation_root"
            | "now_out_of_window" => StatusCode::UNPROCESSABLE_ENTITY,
            "nullifier_reused" | "revocation_out_of_order" => StatusCode::CONFLICT,
            "unauthorized" => StatusCode::UNAUTHORIZED,
            "not_found" => StatusCode::NOT_FOUND,
            "unavailable" => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError {
            status,
            code,
            message: error.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "code": self.code, "message": self.message } });
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::REQUEST_TIMEOUT {
            // The rest of the body may never come: do not wait for it on this connection.
            response.headers_mut().insert(
                header::CONNECTION,
                header::HeaderValue::from_static("close"),
            );
        }
        response
    }
}

/// A request body, read within the node's size limit ([`DefaultBodyLimit`]) and time
/// limit ([`NodeConfig::body_timeout`]).
struct TimedBody(Bytes);

impl FromRequest<AppState> for TimedBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        match tokio::time::timeout(state.body_timeout, Bytes::from_request(request, state)).await {
            Ok(Ok(bytes)) => Ok(TimedBody(bytes)),
            Ok(Err(rejection)) => Err(body_error(rejection)),
            Err(_elapsed) => Err(ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "body_timeout",
                format!(
                    "the request body did not arrive within {} s",
                    state.body_timeout.as_secs_f64()
                ),
            )),
        }
    }
}

/// The stable code of an error status that no handler produced (a safety net: every
/// handler and fallback answers [`ApiError`] already).
fn status_code_name(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "body_timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_client_error() => "bad_request",
        _ => "internal",
    }
}

/// Turns any error answer that is not already the JSON error object into one, keeping
/// its status and headers (such as `Allow`).
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let message = status.canonical_reason().unwrap_or("error").to_owned();
    let mut answer = ApiError::new(status, status_code_name(status), message).into_response();
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers_mut().insert(name.clone(), value.clone());
        }
    }
    answer
}

type ApiResult<T> = Result<T, ApiError>;

fn body_error(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "the request body exceeds the node's limit",
        )
    } else {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            rejection.body_text(),
        )
    }
}

fn path_error(rejection: PathRejection) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "bad_request",
        rejection.body_text(),
    )
}

fn query_error(rejection: QueryRejection) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "bad_request",
        rejection.body_text(),
    )
}

/// Builds the router and starts the committer thread for `ledger`.
pub fn router(ledger: Arc<Ledger>, config: &NodeConfig) -> Router {
    let (jobs, receiver) = mpsc::channel::<Job>(4096);
    let committer = Arc::clone(&ledger);
    let max_batch = config.max_batch.max(1);
    // If the thread cannot start, submissions answer `unavailable`.
    let _committer = std::thread::Builder::new()
        .name("ledger-committer".into())
        .spawn(move || commit_loop(&committer, receiver, max_batch));
    let state = AppState {
        ledger,
        jobs,
        max_batch_request: config.max_batch_request.max(1),
        body_timeout: config.body_timeout,
    };
    Router::new()
        .route("/v1/entries", post(submit))
        .route("/v1/entries/batch", post(submit_batch))
        .route("/v1/entries/{index}", get(get_entry))
        .route("/v1/checkpoint", get(get_checkpoint))
        .route("/v1/proofs/inclusion", get(get_inclusion))
        .route("/v1/proofs/consistency", get(get_consistency))
        .route("/v1/statements/{id}", get(get_statement))
        .route("/v1/parties/{key}", get(get_party))
        .route("/v1/issuers/{key}", get(get_issuer))
        .route("/v1/revocations/{key}/{sequence}", get(get_revocation))
        .route("/v1/health", get(health))
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "no such route; see docs/api.md",
            )
        })
        .method_not_allowed_fallback(|request: Request| async move {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!(
                    "{} is not allowed on {}; see docs/api.md",
                    request.method(),
                    request.uri().path()
                ),
            )
        })
        .layer(DefaultBodyLimit::max(config.max_body))
        .layer(axum::middleware::map_response(json_errors))
        .with_state(state)
}

fn commit_loop(ledger: &Ledger, mut receiver: mpsc::Receiver<Job>, max_batch: usize) {
    while let Some(first) = receiver.blocking_recv() {
        // Everything already waiting joins this batch (one request's entries stay together).
        let mut jobs = vec![first];
        let mut queued = jobs[0].entries.len();
        while queued < max_batch {
            match receiver.try_recv() {
                Ok(job) => {
                    queued += job.entries.len();
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        let mut batch = Vec::with_capacity(queued);
        let mut replies = Vec::with_capacity(jobs.len());
        for job in jobs {
            replies.push((job.reply, job.entries.len()));
            batch.extend(job.entries);
        }
        let mut outcomes = ledger.append_batch(batch).into_iter();
        for (reply, count) in replies {
            // A client that went away no longer needs its answer.
            let _ = reply.send(outcomes.by_ref().take(count).collect());
        }
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// Whether the request carries the operator credential; a wrong token is refused.
fn operator_of(state: &AppState, headers: &HeaderMap) -> ApiResult<bool> {
    match bearer(headers) {
        Some(token) if state.ledger.is_operator(token) => Ok(true),
        Some(_) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "the bearer token is not the operator credential",
        )),
        None => Ok(false),
    }
}

/// A submission's JSON body and whether it carries the operator credential.
fn submission(state: &AppState, headers: &HeaderMap, body: &Bytes) -> ApiResult<(Value, bool)> {
    let value = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("the body is not JSON: {e}"),
        )
    })?;
    Ok((value, operator_of(state, headers)?))
}

/// Hands decoded entries to the committer and waits for their commit: one outcome per
/// entry, in order. Entries that need the operator credential and lack it are refused
/// here without reaching the committer.
async fn commit_entries(
    state: &AppState,
    entries: Vec<Result<Entry, LedgerError>>,
    operator: bool,
) -> Result<Outcomes, LedgerError> {
    let mut outcomes: Vec<Option<Result<Receipt, LedgerError>>> = Vec::new();
    let mut accepted = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) if entry.operator_only() && !operator => {
                outcomes.push(Some(Err(LedgerError::Unauthorized)));
            }
            Ok(entry) => {
                outcomes.push(None);
                accepted.push((entry, operator));
            }
            Err(e) => outcomes.push(Some(Err(e))),
        }
    }
    let mut committed = Vec::new().into_iter();
    if !accepted.is_empty() {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            entries: accepted,
            reply,
        };
        state
            .jobs
            .send(job)
            .await
            .map_err(|_| LedgerError::Unavailable)?;
        committed = answer
            .await
            .map_err(|_| LedgerError::Unavailable)?
            .into_iter();
    }
    Ok(outcomes
        .into_iter()
        .map(|o| o.unwrap_or_else(|| committed.next().unwrap_or(Err(LedgerError::Unavailable))))
        .collect())
}

async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    TimedBody(body): TimedBody,
) -> ApiResult<Response> {
    let (value, operator) = submission(&state, &headers, &body)?;
    let entry = tokio::task::spawn_blocking(move || Entry::from_json(&value))
        .await
        .map_err(|_| ApiError::from(LedgerError::Unavailable))??;
    let receipt = commit_entries(&state, vec![Ok(entry)], operator)
        .await?
        .pop()
        .unwrap_or(Err(LedgerError::Unavailable))?;
    let status = if receipt.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(receipt)).into_response())
}

/// `POST /v1/entries/batch`: `{"entries": [...]}`, each entry as for `POST /v1/entries`.
/// All are queued together, so they are verified as one batch and committed in as few
/// transactions as the node's batch limit allows. Each entry gets its own outcome, in
/// order: `{"receipt": {...}}` or `{"error": {"code", "message"}}`.
async fn submit_batch(
    State(state): State<AppState>,
    headers: HeaderMap,
    TimedBody(body): TimedBody,
) -> ApiResult<Response> {
    let (value, operator) = submission(&state, &headers, &body)?;
    let entries = match value {
        Value::Object(mut fields) => fields.remove("entries"),
        _ => None,
    };
    let Some(Value::Array(items)) = entries else {
        return Err(LedgerError::malformed("batch", "expected {\"entries\": [...]}").into());
    };
    if items.len() > state.max_batch_request {
        return Err(LedgerError::TooLarge {
            what: "batch (entries)",
            size: items.len(),
            limit: state.max_batch_request,
        }
        .into());
    }
    let decoded =
        // Decoding checks every point (G2 subgroup checks dominate): on all cores.
        tokio::task::spawn_blocking(move || items.par_iter().map(Entry::from_json).collect::<Vec<_>>())
            .await
            .map_err(|_| ApiError::from(LedgerError::Unavailable))?;
    let results: Vec<Value> = commit_entries(&state, decoded, operator)
        .await?
        .into_iter()
        .map(|outcome| match outcome {
            Ok(receipt) => json!({ "receipt": receipt }),
            Err(e) => json!({ "error": { "code": e.code(), "message": e.to_string() } }),
        })
        .collect();
    Ok(Json(json!({ "results": results })).into_response())
}

async fn get_entry(
    State(state): State<AppState>,
    index: Result<Path<u64>, PathRejection>,
) -> ApiResult<Json<Value>> {
    let Path(index) = index.map_err(path_error)?;
    let ledger = Arc::clone(&state.ledger);
    let stored = tokio::task::spawn_blocking(move || ledger.entry(index))
        .await
        .map_err(|_| ApiError::from(LedgerError::Unavailable))??;
    Ok(Json(json!({
        "index": stored.index,
        "kind": stored.entry.kind(),
        "leaf_hash": crate::merkle::leaf_hash(&stored.bytes),
        "bytes": B64.encode(&stored.bytes),
        "entry": stored.entry.to_json(),
    })))
}

async fn get_checkpoint(State(state): State<AppState>) -> Response {
    let checkpoint = state.ledger.checkpoint();
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        checkpoint.note,
    )
        .into_response()
}

#[derive(Deserialize)]
struct InclusionQuery {
    index: u64,
    size: Option<u64>,
}

async fn get_inclusion(
    State(state): State<AppState>,
    query: Result<Query<InclusionQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let Query(query) = query.map_err(query_error)?;
    let size = query.size.unwrap_or_else(|| state.ledger.size());
    let proof = state.ledger.inclusion_proof(query.index, size)?;
    Ok(Json(json!(proof)))
}

#[derive(Deserialize)]
struct ConsistencyQuery {
    first: u64,
    second: Option<u64>,
}

async fn get_consistency(
    State(state): State<AppState>,
    query: Result<Query<ConsistencyQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let Query(query) = query.map_err(query_error)?;
    let second = query.second.unwrap_or_else(|| state.ledger.size());
    let proof = state.ledger.consistency_proof(query.first, second)?;
    Ok(Json(json!(proof)))
}

async fn get_statement(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> ApiResult<Json<Value>> {
    let id = hex_path_key(id, "a statement id is 64 hex digits")?;
    let ledger = Arc::clone(&state.ledger);
    registered_entry_json("id", id, move || ledger.statement(&id)).await
}

async fn get_party(
    State(state): State<AppState>,
    key: Result<Path<String>, PathRejection>,
) -> ApiResult<Json<Value>> {
    let key = hex_path_key(key, "a party key is 64 hex digits")?;
    let ledger = Arc::clone(&state.ledger);
    registered_entry_json("public_key", key, move || ledger.party(&key)).await
}

async fn get_issuer(
    State(state): State<AppState>,
    key: Result<Path<String>, PathRejection>,
) -> ApiResult<Json<Value>> {
    let key = hex_path_key(key, "an issuer key is 64 hex digits (its packed form)")?;
    let ledger = Arc::clone(&state.ledger);
    registered_entry_json("issuer", key, move || ledger.issuer(&key)).await
}

async fn get_revocation(
    State(state): State<AppState>,
    path: Result<Path<(String, u64)>, PathRejection>,
) -> ApiResult<Json<Value>> {
    let Path((key, sequence)) = path.map_err(path_error)?;
    let key = hex_path_key(
        Ok(Path(key)),
        "an issuer key is 64 hex digits (its packed form)",
    )?;
    let ledger = Arc::clone(&state.ledger);
    registered_entry_json("issuer", key, move || ledger.revocation(&key, sequence)).await
}

/// A 32-byte key or id from a hex path segment (`400 bad_request` with `hint` otherwise).
fn hex_path_key(
    segment: Result<Path<String>, PathRejection>,
    hint: &'static str,
) -> ApiResult<[u8; 32]> {
    let Path(segment) = segment.map_err(path_error)?;
    hex::decode(&segment)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", hint))
}

/// Looks up a registration entry off the async runtime and renders it, keyed by `name`.
async fn registered_entry_json(
    name: &'static str,
    key: [u8; 32],
    lookup: impl FnOnce() -> Result<StoredEntry, LedgerError> + Send + 'static,
) -> ApiResult<Json<Value>> {
    let stored = tokio::task::spawn_blocking(lookup)
        .await
        .map_err(|_| ApiError::from(LedgerError::Unavailable))??;
    Ok(Json(json!({
        name: hex::encode(key),
        "index": stored.index,
        "leaf_hash": crate::merkle::leaf_hash(&stored.bytes),
        "bytes": B64.encode(&stored.bytes),
        "entry": stored.entry.to_json(),
    })))
}

async fn health(State(state): State<AppState>) -> Json<Value> {
    let checkpoint = state.ledger.checkpoint();
    Json(json!({
        "ok": true,
        "origin": state.ledger.origin(),
        "tree_size": checkpoint.size,
        "root": checkpoint.root,
        "verifier_key": state.ledger.verifier().to_string(),
    }))
}

/// Serves `ledger` on `listener` until `shutdown` resolves.
///
/// # Errors
/// [`LedgerError::Io`] when the server fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    ledger: Arc<Ledger>,
    config: NodeConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), LedgerError> {
    let app = router(ledger, &config);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| LedgerError::io(std::path::Path::new("<http server>"), e))
}

/// Runs a node on a multi-threaded tokio runtime, blocking the calling thread until the
/// process is interrupted (Ctrl-C). `ready` is called with the bound address.
///
/// # Errors
/// [`LedgerError::Io`] when the address cannot be bound or the server fails.
pub fn serve_blocking(
    ledger: Arc<Ledger>,
    listen: SocketAddr,
    config: NodeConfig,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), LedgerError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| LedgerError::io(std::path::Path::new("<tokio runtime>"), e))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| LedgerError::io(std::path::Path::new(&listen.to_string()), e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| LedgerError::io(std::path::Path::new(&listen.to_string()), e))?;
        ready(addr);
        let shutdown = async {
            // If the signal handler cannot be installed, run until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        serve(listener, ledger, config, shutdown).await
    })
}

/// A node running on a background thread (for tests, benchmarks and the demo); it stops
/// when dropped.
pub struct BackgroundNode {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for BackgroundNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BackgroundNode({})", self.addr)
    }
}

impl BackgroundNode {
    /// Starts serving `ledger` on `listen` (use port 0 for any free port).
    ///
    /// # Errors
    /// [`LedgerError::Io`] when the runtime cannot start or the address cannot be bound.
    pub fn start(
        ledger: Arc<Ledger>,
        listen: SocketAddr,
        config: NodeConfig,
    ) -> Result<Self, LedgerError> {
        let io = |e: std::io::Error| LedgerError::io(std::path::Path::new(&listen.to_string()), e);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(io)?;
        let std_listener = std::net::TcpListener::bind(listen).map_err(io)?;
        std_listener.set_nonblocking(true).map_err(io)?;
        let addr = std_listener.local_addr().map_err(io)?;
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("ledger-node".into())
            .spawn(move || {
                runtime.block_on(async move {
                    if let Ok(listener) = tokio::net::TcpListener::from_std(std_listener) {
                        let shutdown = async {
                            let _ = stopped.await;
                        };
                        // Errors end the node; the owner notices failing requests.
                        let _ = serve(listener, ledger, config, shutdown).await;
                    }
                });
            })
            .map_err(io)?;
        Ok(BackgroundNode {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, `http://addr`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for BackgroundNode {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run<T>(future: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    /// The safety net turns an error answer made outside the handlers (plain text, empty)
    /// into the JSON error object, keeping status and headers; other answers pass as is.
    #[test]
    fn error_answers_made_elsewhere_become_json() {
        let cases = [
            (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
            (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            (StatusCode::NOT_FOUND, "not_found"),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "bad_request"),
            (StatusCode::BAD_GATEWAY, "internal"),
        ];
        for (status, code) in cases {
            let plain = (status, [(header::ALLOW, "GET")], "plain text").into_response();
            let answer = run(json_errors(plain));
            assert_eq!(answer.status(), status);
            assert_eq!(answer.headers()[header::ALLOW], "GET");
            assert_eq!(answer.headers()[header::CONTENT_TYPE], "application/json");
            let body = run(axum::body::to_bytes(answer.into_body(), 1 << 16)).unwrap();
            let value: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(value["error"]["code"], code);
        }
        let fine = run(json_errors((StatusCode::OK, "ok").into_response()));
        let body = run(axum::body::to_bytes(fine.into_body(), 1 << 16)).unwrap();
        assert_eq!(&body[..], b"ok");
    }
}
