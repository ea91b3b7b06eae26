//! TCP + TLS 1.3 between party processes: the only socket code of the crate.
//!
//! Every ordered pair of parties has its own connection (party `i` dials party `j` to
//! send to it), so reading and writing never block each other: one writer thread per
//! outgoing connection, one reader thread per incoming connection. Both sides
//! authenticate with certificates pinned in the [`PartyConfig`] (mutual TLS 1.3 with
//! rustls, ring provider, no PKI, no TLS 1.2); the dialer then announces its party id
//! and the config digest, which the listener checks against the client certificate.
//!
//! # Layout of a frame (inside TLS)
//! `kind:u8 (0 data, 1 abort) || round:u64 LE || len:u32 LE || payload`. Data frames
//! carry the protocol payload of round `round` (counted from 0 per connection); an
//! abort frame carries a UTF-8 reason. Frames above `max_frame_bytes`, unknown kinds or
//! out-of-order rounds are malformed and stop the computation naming the sender.
//!
//! Hello (dialer → listener, once): `version:u8 = 2 || party:u32 LE || config digest (32)`.
//! Answer (listener → dialer): `status:u8 (0 ok, 1 refused) || len:u16 LE || reason`.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls13_signature, CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    ClientConfig, ClientConnection, DigitallySignedStruct, DistinguishedName, ServerConfig,
    ServerConnection, SignatureScheme, StreamOwned,
};

use crate::config::{PartyConfig, TlsIdentity};
use crate::transport::{exchange_round, Delivery, Frames, Transport};
use crate::{Error, PartyId};

/// 2 since the PRF became ChaCha12, 3 since it became AES-256-CTR, 4 since a resharing
/// reads pairwise keystream elements as already weighted shares (session 20): parties of
/// different versions would compute garbage.
const HELLO_VERSION: u8 = 4;
const KIND_DATA: u8 = 0;
const KIND_ABORT: u8 = 1;
const HEADER: usize = 13;

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Server side of the pin: the dialer must present the certificate pinned for party `id`.
#[derive(Debug)]
struct PinnedServer {
    expected: CertificateDer<'static>,
    algs: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        check_pinned(
            std::slice::from_ref(&self.expected),
            end_entity,
            intermediates,
        )
        .map(|()| ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("only TLS 1.3 is supported".into()))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

/// Accepts exactly one of the `pinned` certificates, presented without intermediates.
fn check_pinned(
    pinned: &[CertificateDer<'static>],
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
) -> Result<(), rustls::Error> {
    if intermediates.is_empty() && pinned.iter().any(|c| c.as_ref() == end_entity.as_ref()) {
        Ok(())
    } else {
        Err(rustls::Error::InvalidCertificate(
            rustls::CertificateError::ApplicationVerificationFailure,
        ))
    }
}

/// Listener side: the client must present one of the pinned party certificates.
#[derive(Debug)]
struct PinnedClients {
    allowed: Vec<CertificateDer<'static>>,
    algs: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for PinnedClients {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        check_pinned(&self.allowed, end_entity, intermediates)
            .map(|()| ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("only TLS 1.3 is supported".into()))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

fn tls_error(party: PartyId, e: impl std::fmt::Display) -> Error {
    let text = e.to_string();
    let reason = if text.contains("ApplicationVerificationFailure")
        || text.contains("BadCertificate")
        || text.contains("AccessDenied")
    {
        format!("{text} — the certificate is not the one pinned in the config (regenerate the config or check the key files)")
    } else {
        text
    };
    Error::Tls { party, reason }
}

fn io_error(party: PartyId, e: &std::io::Error) -> Error {
    // rustls reports TLS failures as io::Error(InvalidData) wrapping rustls::Error.
    if e.kind() == ErrorKind::InvalidData {
        return tls_error(party, e);
    }
    Error::PeerDisconnected {
        party,
        reason: e.to_string(),
    }
}

type Incoming = Result<(u8, Vec<u8>), Error>;

/// The queue feeding one peer's writer thread: (frame kind, payload).
type Outgoing = SyncSender<(u8, Vec<u8>)>;

/// A connected party: implements [`Transport`] over TLS 1.3.
pub struct TcpTransport {
    me: PartyId,
    n: usize,
    round_timeout: Duration,
    round: u64,
    writers: Vec<Option<Outgoing>>,
    writer_threads: Vec<JoinHandle<()>>,
    readers: Vec<Option<Receiver<Incoming>>>,
}

impl std::fmt::Debug for TcpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpTransport")
            .field("me", &self.me)
            .field("n", &self.n)
            .field("round", &self.round)
            .finish_non_exhaustive()
    }
}

fn write_frame(w: &mut impl Write, kind: u8, round: u64, payload: &[u8]) -> std::io::Result<()> {
    let mut header = [0u8; HEADER];
    header[0] = kind;
    header[1..9].copy_from_slice(&round.to_le_bytes());
    let len = u32::try_from(payload.len())
        .map_err(|_| std::io::Error::new(ErrorKind::InvalidInput, "frame too large"))?;
    header[9..13].copy_from_slice(&len.to_le_bytes());
    w.write_all(&header)?;
    w.write_all(payload)?;
    w.flush()
}

/// Reads frames from one peer and forwards them (or the first error) to the engine.
fn reader_loop(
    mut stream: StreamOwned<ServerConnection, TcpStream>,
    party: PartyId,
    max: u64,
    tx: Sender<Incoming>,
) {
    let mut round = 0u64;
    loop {
        let mut header = [0u8; HEADER];
        if let Err(e) = stream.read_exact(&mut header) {
            let _ = tx.send(Err(if e.kind() == ErrorKind::UnexpectedEof {
                Error::PeerDisconnected {
                    party,
                    reason: "connection closed".into(),
                }
            } else {
                io_error(party, &e)
            }));
            return;
        }
        let kind = header[0];
        let mut r = [0u8; 8];
        r.copy_from_slice(&header[1..9]);
        let frame_round = u64::from_le_bytes(r);
        let mut l = [0u8; 4];
        l.copy_from_slice(&header[9..13]);
        let len = u64::from(u32::from_le_bytes(l));
        let problem = if kind != KIND_DATA && kind != KIND_ABORT {
            Some(format!("malformed frame: unknown frame kind {kind}"))
        } else if len > max {
            Some(format!(
                "malformed frame: {len} bytes exceeds the limit of {max}"
            ))
        } else if kind == KIND_DATA && frame_round != round {
            Some(format!(
                "malformed frame: round {frame_round} where round {round} was expected"
            ))
        } else {
            None
        };
        if let Some(reason) = problem {
            let _ = tx.send(Err(Error::misbehaved(party, reason)));
            return;
        }
        let mut payload = vec![0u8; len as usize];
        if let Err(e) = stream.read_exact(&mut payload) {
            let _ = tx.send(Err(if e.kind() == ErrorKind::UnexpectedEof {
                Error::misbehaved(party, "malformed frame: connection closed inside a frame")
            } else {
                io_error(party, &e)
            }));
            return;
        }
        if kind == KIND_DATA {
            round += 1;
        }
        if tx.send(Ok((kind, payload))).is_err() || kind == KIND_ABORT {
            return;
        }
    }
}

fn writer_loop(mut stream: StreamOwned<ClientConnection, TcpStream>, rx: Receiver<(u8, Vec<u8>)>) {
    let mut round = 0u64;
    while let Ok((kind, payload)) = rx.recv() {
        if write_frame(&mut stream, kind, round, &payload).is_err() {
            return;
        }
        if kind == KIND_DATA {
            round += 1;
        }
    }
    stream.conn.send_close_notify();
    let _ = stream.flush();
}

/// What the listener learned about one accepted connection.
struct Accepted {
    party: PartyId,
    stream: StreamOwned<ServerConnection, TcpStream>,
}

fn refuse(stream: &mut StreamOwned<ServerConnection, TcpStream>, reason: &str) {
    let bytes = reason.as_bytes();
    let len = bytes.len().min(1000);
    let mut answer = vec![1u8];
    answer.extend_from_slice(&(len as u16).to_le_bytes());
    answer.extend_from_slice(&bytes[..len]);
    let _ = stream.write_all(&answer);
    let _ = stream.flush();
}

/// Length of the dialer's hello (see the module docs).
const HELLO_BYTES: usize = 37;

/// The hello a dialer sends after the TLS handshake.
fn hello(me: PartyId, digest: &[u8; 32]) -> [u8; HELLO_BYTES] {
    let mut hello = [0u8; HELLO_BYTES];
    hello[0] = HELLO_VERSION;
    hello[1..5].copy_from_slice(&me.0.to_le_bytes());
    hello[5..].copy_from_slice(digest);
    hello
}

/// The listener's check of a hello that came with client certificate `cert`: the party it
/// claims to be, or that claim and the reason for refusing it.
fn check_hello(
    config: &PartyConfig,
    hello: &[u8; HELLO_BYTES],
    cert: &[u8],
    digest: &[u8; 32],
) -> Result<PartyId, (PartyId, String)> {
    let claimed = PartyId(u32::from_le_bytes([hello[1], hello[2], hello[3], hello[4]]));
    let refuse = |reason: String| Err((claimed, reason));
    if hello[0] != HELLO_VERSION {
        return refuse(format!(
            "hello version {} is not supported (this build speaks {HELLO_VERSION})",
            hello[0]
        ));
    }
    let Ok(info) = config.party(claimed) else {
        return refuse(format!(
            "party id {} is not in the config (parties 1..={})",
            claimed.0,
            config.n()
        ));
    };
    if info.certificate.as_ref() != cert {
        return refuse(format!(
            "the certificate presented is not the one pinned for party {}",
            claimed.0
        ));
    }
    if hello[5..] != digest[..] {
        return refuse("the dialer uses a different parties config (digest mismatch); all parties need the same file".into());
    }
    Ok(claimed)
}

fn accept_one(
    config: &PartyConfig,
    server: &Arc<ServerConfig>,
    socket: TcpStream,
    digest: &[u8; 32],
    timeout: Duration,
) -> Result<Accepted, String> {
    socket.set_nodelay(true).map_err(|e| e.to_string())?;
    socket
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    socket
        .set_write_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    let conn = ServerConnection::new(server.clone()).map_err(|e| e.to_string())?;
    let mut stream = StreamOwned::new(conn, socket);
    while stream.conn.is_handshaking() {
        stream
            .conn
            .complete_io(&mut stream.sock)
            .map_err(|e| format!("TLS handshake with a dialer failed: {e}"))?;
    }
    let cert = stream
        .conn
        .peer_certificates()
        .and_then(|c| c.first())
        .map(|c| c.as_ref().to_vec())
        .ok_or("dialer presented no certificate")?;
    let mut hello = [0u8; HELLO_BYTES];
    stream
        .read_exact(&mut hello)
        .map_err(|e| format!("no hello from dialer: {e}"))?;
    let claimed = match check_hello(config, &hello, &cert, digest) {
        Ok(party) => party,
        Err((party, reason)) => {
            refuse(&mut stream, &reason);
            return Err(format!(
                "refused a connection claiming to be party {}: {reason}",
                party.0
            ));
        }
    };
    stream
        .write_all(&[0u8, 0, 0])
        .and_then(|()| stream.flush())
        .map_err(|e| e.to_string())?;
    stream
        .sock
        .set_read_timeout(None)
        .map_err(|e| e.to_string())?;
    Ok(Accepted {
        party: claimed,
        stream,
    })
}

fn dial(
    config: &PartyConfig,
    me: PartyId,
    to: PartyId,
    client: Arc<ClientConfig>,
    digest: &[u8; 32],
    deadline: Instant,
) -> Result<StreamOwned<ClientConnection, TcpStream>, Error> {
    let info = config.party(to)?;
    let seconds = config.connect_timeout.as_secs();
    let mut last = String::from("no attempt");
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Err(Error::ConnectFailed {
                party: to,
                address: info.address.clone(),
                seconds,
                reason: last,
            });
        }
        let addrs: Vec<_> = match info.address.to_socket_addrs() {
            Ok(a) => a.collect(),
            Err(e) => {
                return Err(Error::ConnectFailed {
                    party: to,
                    address: info.address.clone(),
                    seconds,
                    reason: format!("cannot resolve: {e}"),
                })
            }
        };
        let mut connected = None;
        for addr in &addrs {
            match TcpStream::connect_timeout(addr, (deadline - now).min(Duration::from_secs(5))) {
                Ok(s) => {
                    connected = Some(s);
                    break;
                }
                Err(e) => last = e.to_string(),
            }
        }
        let Some(socket) = connected else {
            std::thread::sleep(Duration::from_millis(100));
            continue;
        };
        let step = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_secs(1));
        socket
            .set_nodelay(true)
            .and_then(|()| socket.set_read_timeout(Some(step)))
            .and_then(|()| socket.set_write_timeout(Some(step)))
            .map_err(|e| io_error(to, &e))?;
        let name = ServerName::try_from(format!("conclave-party-{}", to.0))
            .map_err(|e| tls_error(to, e))?;
        let conn = ClientConnection::new(client.clone(), name).map_err(|e| tls_error(to, e))?;
        let mut stream = StreamOwned::new(conn, socket);
        while stream.conn.is_handshaking() {
            stream
                .conn
                .complete_io(&mut stream.sock)
                .map_err(|e| io_error(to, &e))?;
        }
        stream
            .write_all(&hello(me, digest))
            .and_then(|()| stream.flush())
            .map_err(|e| io_error(to, &e))?;
        let mut answer = [0u8; 3];
        stream.read_exact(&mut answer).map_err(|e| match io_error(to, &e) {
            Error::PeerDisconnected { party, reason } => Error::Tls {
                party,
                reason: format!("party {party} closed the connection during the hello ({reason}); it probably refused our certificate"),
            },
            other => other,
        })?;
        if answer[0] != 0 {
            let len = usize::from(u16::from_le_bytes([answer[1], answer[2]]));
            let mut reason = vec![0u8; len.min(1000)];
            let _ = stream.read_exact(&mut reason);
            return Err(Error::Tls {
                party: to,
                reason: format!(
                    "refused our connection: {}",
                    String::from_utf8_lossy(&reason)
                ),
            });
        }
        stream
            .sock
            .set_write_timeout(Some(config.round_timeout))
            .map_err(|e| io_error(to, &e))?;
        return Ok(stream);
    }
}

/// Connects party `me` to every other party of `config`, authenticating with `identity`.
///
/// Listens on `me`'s configured address, dials every peer (retrying until the config's
/// connect deadline) and waits until every peer has dialled in.
///
/// # Errors
/// [`Error::UnknownParty`] when `me` is not in the config; [`Error::ConnectFailed`] or
/// [`Error::Tls`] naming the peer that could not be reached or authenticated.
pub fn connect(
    config: &PartyConfig,
    me: PartyId,
    identity: &TlsIdentity,
) -> Result<TcpTransport, Error> {
    let mine = config.party(me)?;
    let (cert, key) = identity.der()?;
    if cert.as_ref() != mine.certificate.as_ref() {
        return Err(Error::bad_file(
            "TLS certificate",
            format!(
                "this key's certificate is not the one pinned for party {} in the config",
                me.0
            ),
        ));
    }
    let digest = config.digest();
    let algs = provider().signature_verification_algorithms;
    let n = config.n();
    let deadline = Instant::now() + config.connect_timeout;

    let server = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| tls_error(me, e))?
        .with_client_cert_verifier(Arc::new(PinnedClients {
            allowed: config
                .parties
                .iter()
                .filter(|p| p.id != me)
                .map(|p| p.certificate.clone())
                .collect(),
            algs,
        }))
        .with_single_cert(vec![cert.clone()], key.clone_key())
        .map_err(|e| tls_error(me, e))?;
    let mut server = server;
    server.send_tls13_tickets = 0;
    let server = Arc::new(server);

    let bind_addr = mine.address.clone();
    let listener = TcpListener::bind(&bind_addr).map_err(|source| Error::Io {
        context: format!("cannot listen on {bind_addr} (party {me}'s address in the config)"),
        source,
    })?;
    listener.set_nonblocking(true).map_err(|source| Error::Io {
        context: "listener".into(),
        source,
    })?;

    // Accept n − 1 authenticated dialers in the background.
    let accept_config = config.clone();
    let accept_server = server.clone();
    let (acc_tx, acc_rx) = mpsc::channel::<Result<Vec<Accepted>, Error>>();
    std::thread::spawn(move || {
        let mut got: Vec<Accepted> = Vec::new();
        let mut last_refusal = String::from("no connection attempt");
        while got.len() < n - 1 {
            if Instant::now() >= deadline {
                let missing: Vec<PartyId> = accept_config
                    .parties
                    .iter()
                    .map(|p| p.id)
                    .filter(|id| *id != me && !got.iter().any(|a| a.party == *id))
                    .collect();
                let party = missing.first().copied().unwrap_or(me);
                let _ = acc_tx.send(Err(Error::ConnectFailed {
                    party,
                    address: "(incoming)".into(),
                    seconds: accept_config.connect_timeout.as_secs(),
                    reason: format!(
                        "parties {missing:?} did not connect to us; last refusal: {last_refusal}"
                    ),
                }));
                return;
            }
            match listener.accept() {
                Ok((socket, _)) => {
                    let _ = socket.set_nonblocking(false);
                    let left = deadline
                        .saturating_duration_since(Instant::now())
                        .max(Duration::from_secs(1));
                    match accept_one(&accept_config, &accept_server, socket, &digest, left) {
                        Ok(a) if a.party == me || got.iter().any(|g| g.party == a.party) => {
                            last_refusal = format!("party {} connected twice", a.party);
                        }
                        Ok(a) => got.push(a),
                        Err(reason) => {
                            eprintln!("party {me}: {reason}");
                            last_refusal = reason;
                        }
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                Err(e) => last_refusal = e.to_string(),
            }
        }
        let _ = acc_tx.send(Ok(got));
    });

    let client = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| tls_error(me, e))?;
    let mut outgoing: Vec<Option<StreamOwned<ClientConnection, TcpStream>>> =
        (0..n).map(|_| None).collect();
    for peer in config.parties.iter().filter(|p| p.id != me) {
        let client = Arc::new(
            client
                .clone()
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(PinnedServer {
                    expected: peer.certificate.clone(),
                    algs,
                }))
                .with_client_auth_cert(vec![cert.clone()], key.clone_key())
                .map_err(|e| tls_error(me, e))?,
        );
        outgoing[peer.id.index()] = Some(dial(config, me, peer.id, client, &digest, deadline)?);
    }
    let accepted = acc_rx
        .recv_timeout(config.connect_timeout + Duration::from_secs(5))
        .map_err(|_| Error::ConnectFailed {
            party: me,
            address: mine.address.clone(),
            seconds: config.connect_timeout.as_secs(),
            reason: "listener thread stopped".into(),
        })??;

    let max = config.max_frame_bytes;
    let mut readers: Vec<Option<Receiver<Incoming>>> = (0..n).map(|_| None).collect();
    for a in accepted {
        let (tx, rx) = mpsc::channel();
        let party = a.party;
        readers[party.index()] = Some(rx);
        std::thread::spawn(move || reader_loop(a.stream, party, max, tx));
    }
    let mut writers: Vec<Option<Outgoing>> = (0..n).map(|_| None).collect();
    let mut writer_threads = Vec::new();
    for (j, stream) in outgoing.into_iter().enumerate() {
        if let Some(stream) = stream {
            let (tx, rx) = mpsc::sync_channel(4);
            writers[j] = Some(tx);
            writer_threads.push(std::thread::spawn(move || writer_loop(stream, rx)));
        }
    }
    Ok(TcpTransport {
        me,
        n,
        round_timeout: config.round_timeout,
        round: 0,
        writers,
        writer_threads,
        readers,
    })
}

impl TcpTransport {
    /// One round over some of the links: sends `outgoing[j]` to party `j + 1` where it is
    /// `Some` and nothing at all where it is `None`, then waits (one `round_timeout` for
    /// the round) for a frame from every party `j + 1` with `expect[j]`, returned as
    /// `Some`. [`Transport::exchange`] is this round with every link used.
    ///
    /// Rounds are counted per link, so a protocol may leave links idle in a round as
    /// long as both ends agree: party `i` sends to `j` exactly when `j` expects a frame
    /// from `i` (e.g. an opening to one party needs no empty frames to the others). A
    /// sender that skips a frame its peer expects is a silent peer to it: that peer
    /// times out naming the sender, and its abort stops the others
    /// ([`crate::transport`]); a frame it sends that peer later fills the skipped slot
    /// (and is checked as that round's payload). The own entries are ignored.
    ///
    /// # Errors
    /// [`Error::InvalidParameters`] when `outgoing` or `expect` does not have one entry
    /// per party; otherwise as [`Transport::exchange`].
    pub fn exchange_links(
        &mut self,
        outgoing: Vec<Option<Vec<u8>>>,
        expect: &[bool],
    ) -> Result<Vec<Option<Vec<u8>>>, Error> {
        if outgoing.len() != self.n || expect.len() != self.n {
            return Err(Error::InvalidParameters(
                "one outgoing frame and one expectation per party expected",
            ));
        }
        let sending: Vec<bool> = outgoing.iter().map(Option::is_some).collect();
        let frames = outgoing
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect();
        let (writers, readers) = (&self.writers, &self.readers);
        let incoming = exchange_round(
            self.me,
            self.n,
            frames,
            self.round_timeout,
            |j, frame| match &writers[j] {
                Some(tx) if sending[j] => {
                    tx.send((KIND_DATA, frame))
                        .map_err(|_| Error::PeerDisconnected {
                            party: PartyId::from_index(j),
                            reason: "connection to it failed while sending".into(),
                        })
                }
                _ => Ok(()),
            },
            |j, wait| {
                if !expect[j] {
                    return None;
                }
                let rx = readers[j].as_ref()?;
                Some(rx.recv_timeout(wait).map(|m| match m {
                    Ok((KIND_ABORT, payload)) => Delivery::Abort(payload),
                    Ok((_, frame)) => Delivery::Frame(frame),
                    Err(e) => Delivery::Failed(e),
                }))
            },
            |error| abort_all(writers, error),
        )?;
        self.round += 1;
        Ok(incoming
            .into_iter()
            .enumerate()
            .map(|(j, frame)| (expect[j] && readers[j].is_some()).then_some(frame))
            .collect())
    }
}

/// Best effort: queues an abort frame for every peer (never blocks).
fn abort_all(writers: &[Option<Outgoing>], error: &Error) {
    let payload = error.abort_payload();
    for tx in writers.iter().flatten() {
        let _ = tx.try_send((KIND_ABORT, payload.clone()));
    }
}

impl Transport for TcpTransport {
    fn me(&self) -> PartyId {
        self.me
    }

    fn parties(&self) -> usize {
        self.n
    }

    fn exchange(&mut self, outgoing: Frames) -> Result<Frames, Error> {
        let n = self.n;
        let incoming =
            self.exchange_links(outgoing.into_iter().map(Some).collect(), &vec![true; n])?;
        Ok(incoming
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect())
    }

    fn abort(&mut self, error: &Error) {
        abort_all(&self.writers, error);
    }
}

impl Drop for TcpTransport {
    fn drop(&mut self) {
        // Closing the channels makes each writer send close_notify and exit; writes
        // have a timeout, so joining is bounded.
        self.writers.clear();
        for handle in self.writer_threads.drain(..) {
            let _ = handle.join();
        }
    }
}

/// Sends raw bytes to a listening party as if in a data frame of round 0 — for tests of
/// malformed-frame handling only.
#[doc(hidden)]
pub fn danger_send_raw(
    transport: &mut TcpTransport,
    to: PartyId,
    kind: u8,
    payload: Vec<u8>,
) -> Result<(), Error> {
    match transport.writers.get(to.index()).and_then(|w| w.as_ref()) {
        Some(tx) => tx
            .send((kind, payload))
            .map_err(|_| Error::PeerDisconnected {
                party: to,
                reason: "writer stopped".into(),
            }),
        None => Err(Error::UnknownParty {
            party: to.0,
            parties: transport.n,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{certificate_from_pem, PartyInfo};

    /// A 3-party config and the parties' certificates (DER).
    fn config() -> (PartyConfig, Vec<Vec<u8>>) {
        let parties: Vec<PartyInfo> = (1..=3)
            .map(|i| {
                let id = TlsIdentity::generate(PartyId(i)).unwrap();
                let signing = ed25519_dalek::SigningKey::from_bytes(&[i as u8; 32]);
                PartyInfo {
                    id: PartyId(i),
                    address: format!("127.0.0.1:{}", 7000 + i),
                    certificate: certificate_from_pem(&id.certificate_pem).unwrap(),
                    certificate_pem: id.certificate_pem,
                    verifying_key: signing.verifying_key(),
                }
            })
            .collect();
        let certs = parties.iter().map(|p| p.certificate.to_vec()).collect();
        let timeout = Duration::from_secs(1);
        (PartyConfig::new(parties, timeout, timeout).unwrap(), certs)
    }

    #[test]
    fn hellos_are_checked_against_version_party_certificate_and_config() {
        let (config, certs) = config();
        let digest = config.digest();
        let good = hello(PartyId(2), &digest);
        assert_eq!(
            check_hello(&config, &good, &certs[1], &digest),
            Ok(PartyId(2))
        );
        let refused = |hello: &[u8; HELLO_BYTES], cert: &[u8]| {
            check_hello(&config, hello, cert, &digest).unwrap_err().1
        };
        // A dialer of an earlier protocol version (the previous resharing, or the
        // ChaCha20 PRF) is turned away.
        for version in [HELLO_VERSION - 1, 1] {
            let mut old = good;
            old[0] = version;
            assert_eq!(
                refused(&old, &certs[1]),
                format!(
                    "hello version {version} is not supported (this build speaks {HELLO_VERSION})"
                )
            );
        }
        let stranger = hello(PartyId(4), &digest);
        assert!(refused(&stranger, &certs[1]).contains("party id 4 is not in the config"));
        assert!(refused(&good, &certs[0]).contains("not the one pinned for party 2"));
        let other_config = hello(PartyId(2), &[7; 32]);
        assert!(refused(&other_config, &certs[1]).contains("digest mismatch"));
    }
}
