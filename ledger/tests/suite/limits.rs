//! Time and size limits on both sides of the HTTP API, checked with raw TCP: the node
//! answers every error (404, 405, 408, 413, 400) with the JSON error object of
//! `docs/api.md` and times out a stalled body without holding up other clients; the
//! client gives up on a silent node ("timed out after N s") and refuses oversized answers.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use conclave_ledger::client::{Client, ClientConfig};
use conclave_ledger::node::{BackgroundNode, NodeConfig};
use conclave_ledger::store::Ledger;
use conclave_ledger::LedgerError;
use rand_chacha::rand_core::SeedableRng;
use serde_json::Value;

fn node(body_timeout: Duration) -> (tempfile::TempDir, BackgroundNode) {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("ledger");
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
    Ledger::init(&dir, "limits.test/log", &mut rng).unwrap();
    let ledger = Arc::new(Ledger::open(&dir).unwrap());
    let config = NodeConfig {
        max_body: 16 * 1024,
        body_timeout,
        ..NodeConfig::default()
    };
    let node = BackgroundNode::start(ledger, "127.0.0.1:0".parse().unwrap(), config).unwrap();
    (temp, node)
}

/// An HTTP answer read off a raw socket.
struct Answer {
    status: u16,
    head: String,
    body: Value,
}

/// Sends `request` as is and reads the answer until the node closes the connection.
fn raw(addr: SocketAddr, request: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream.write_all(request).unwrap();
    read_answer(&mut stream)
}

fn read_answer(stream: &mut TcpStream) -> Answer {
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let body = serde_json::from_str(body)
        .unwrap_or_else(|e| panic!("the body is not JSON ({e}):\n{head}\n\n{body}"));
    Answer {
        status,
        head: head.to_ascii_lowercase(),
        body,
    }
}

/// Asserts the documented error object: `{"error": {"code": <code>, "message": "..."}}`.
fn assert_error(answer: &Answer, status: u16, code: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert!(
        answer.head.contains("content-type: application/json"),
        "{}",
        answer.head
    );
    assert_eq!(answer.body["error"]["code"], code, "{}", answer.body);
    assert!(
        !answer.body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .is_empty(),
        "{}",
        answer.body
    );
}

fn request(method: &str, path: &str, body: &str) -> Vec<u8> {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[test]
fn every_error_of_the_node_is_the_documented_json_object() {
    let (_temp, node) = node(Duration::from_secs(10));
    let addr = node.addr();
    assert_error(&raw(addr, &request("GET", "/nope", "")), 404, "not_found");
    let wrong_method = raw(addr, &request("GET", "/v1/entries", ""));
    assert_error(&wrong_method, 405, "method_not_allowed");
    assert!(
        wrong_method.head.contains("allow: post"),
        "{}",
        wrong_method.head
    );
    assert_error(
        &raw(addr, &request("DELETE", "/v1/checkpoint", "")),
        405,
        "method_not_allowed",
    );
    assert_error(
        &raw(addr, &request("POST", "/v1/entries", "{not json")),
        400,
        "malformed_json",
    );
    let huge = format!(r#"{{"kind":"party","name":"{}"}}"#, "x".repeat(32 * 1024));
    assert_error(
        &raw(addr, &request("POST", "/v1/entries", &huge)),
        413,
        "body_too_large",
    );
    assert_error(
        &raw(addr, &request("GET", "/v1/entries/abc", "")),
        400,
        "bad_request",
    );
    assert_error(
        &raw(addr, &request("GET", "/v1/entries/5", "")),
        404,
        "not_found",
    );
}

#[test]
fn a_stalled_body_times_out_without_holding_up_other_clients() {
    let (_temp, node) = node(Duration::from_secs(2));
    let addr = node.addr();
    let start = Instant::now();
    let mut stalled = TcpStream::connect(addr).unwrap();
    stalled
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    // Headers promise 1,000 bytes; 12 arrive, then nothing.
    stalled
        .write_all(b"POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"kind\": \"pa")
        .unwrap();
    // Meanwhile another client is served at once.
    std::thread::sleep(Duration::from_millis(200));
    let quick = Instant::now();
    let health = Client::new(&node.url()).unwrap().health().unwrap();
    assert_eq!(health["ok"], true);
    assert!(quick.elapsed() < Duration::from_secs(1));
    // The stalled request is answered 408 with the JSON error, and its connection closed.
    let answer = read_answer(&mut stalled);
    let took = start.elapsed();
    assert_error(&answer, 408, "body_timeout");
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(8),
        "{took:?}"
    );
    // Writing more after the answer finds the connection closed (or is ignored): no
    // second answer ever comes.
    let _ = stalled.write_all(&[b'x'; 988]);
    let mut rest = Vec::new();
    let _ = stalled.read_to_end(&mut rest);
    assert!(rest.is_empty());
    let _ = stalled.shutdown(Shutdown::Both);
}

/// A listener that runs `serve` on each accepted connection, on its own thread.
fn fake_node(serve: fn(TcpStream)) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    format!("http://{addr}")
}

fn client(url: &str, timeout: Duration, max_response: usize) -> Client {
    Client::with_config(
        url,
        ClientConfig {
            timeout,
            max_response,
        },
    )
    .unwrap()
}

/// Reads the request head so the client is waiting for an answer.
fn read_head(stream: &mut TcpStream) {
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !seen.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
        seen.push(byte[0]);
    }
}

#[test]
fn the_client_gives_up_on_a_silent_or_stalling_node() {
    let silent = fake_node(|mut stream| {
        read_head(&mut stream);
        std::thread::sleep(Duration::from_secs(30));
    });
    let start = Instant::now();
    let error = client(&silent, Duration::from_secs(1), 1 << 20)
        .checkpoint()
        .unwrap_err();
    assert!(matches!(error, LedgerError::TimedOut { .. }), "{error:?}");
    assert_eq!(error.code(), "timeout");
    assert!(error.to_string().contains("timed out after 1 s"), "{error}");
    assert!(start.elapsed() < Duration::from_secs(5));

    // Headers, a little of the body, then nothing.
    let stalling = fake_node(|mut stream| {
        read_head(&mut stream);
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{\"ok\"");
        std::thread::sleep(Duration::from_secs(30));
    });
    let start = Instant::now();
    let error = client(&stalling, Duration::from_secs(1), 1 << 20)
        .health()
        .unwrap_err();
    assert!(matches!(error, LedgerError::TimedOut { .. }), "{error:?}");
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn the_client_refuses_an_oversized_answer() {
    // Announced as too large.
    let announced = fake_node(|mut stream| {
        read_head(&mut stream);
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n");
        let zeros = [b'0'; 64 * 1024];
        while stream.write_all(&zeros).is_ok() {}
    });
    // Not announced: an endless chunked stream.
    let endless = fake_node(|mut stream| {
        read_head(&mut stream);
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        let mut chunk = b"10000\r\n".to_vec();
        chunk.extend_from_slice(&[b'0'; 0x10000]);
        chunk.extend_from_slice(b"\r\n");
        while stream.write_all(&chunk).is_ok() {}
    });
    for url in [announced, endless] {
        let start = Instant::now();
        let error = client(&url, Duration::from_secs(20), 256 * 1024)
            .checkpoint()
            .unwrap_err();
        assert!(
            matches!(error, LedgerError::ResponseTooLarge { limit: 262_144, .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("262144 bytes"), "{error}");
        assert!(start.elapsed() < Duration::from_secs(10));
    }
}
