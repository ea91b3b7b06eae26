//! Parties over real TCP + TLS 1.3 inside one process (one thread each): a correct run,
//! a round over some links, and refusals: wrong certificate, unknown party id, malformed
//! frame, vanished party, a skipped frame.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use conclave_mpc::config::{certificate_from_pem, PartyConfig, PartyInfo, TlsIdentity};
use conclave_mpc::ed25519_dalek::SigningKey;
use conclave_mpc::field::Fp;
use conclave_mpc::net::{self, TcpTransport};
use conclave_mpc::transport::Transport;
use conclave_mpc::{Engine, Error, PartyId};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// `n` ports free just now, below the kernel's ephemeral range (32768–60999 on Linux):
/// a port the kernel handed out for `:0` could be taken by a concurrent test's outgoing
/// connection before its party listens ("Address already in use"); these never are. A
/// process-wide counter keeps concurrent tests on distinct ports.
fn free_ports(n: usize) -> Vec<u16> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    const LOW: u32 = 20_000;
    const SPAN: u32 = 12_000;
    let start = std::process::id() % SPAN;
    let mut ports = Vec::with_capacity(n);
    while ports.len() < n {
        let k = NEXT.fetch_add(1, Ordering::Relaxed);
        assert!(k < SPAN, "no free test port left below the ephemeral range");
        let port = u16::try_from(LOW + (start + k) % SPAN).expect("below 32,000");
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            ports.push(port);
        }
    }
    ports
}

pub(super) fn setup(
    n: usize,
    connect_secs: u64,
    round_secs: u64,
) -> (PartyConfig, Vec<TlsIdentity>) {
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let ports = free_ports(n);
    let ids: Vec<TlsIdentity> = (1..=n as u32)
        .map(|i| TlsIdentity::generate(PartyId(i)).unwrap())
        .collect();
    let parties = ids
        .iter()
        .enumerate()
        .map(|(i, id)| PartyInfo {
            id: PartyId(i as u32 + 1),
            address: format!("127.0.0.1:{}", ports[i]),
            certificate_pem: id.certificate_pem.clone(),
            certificate: certificate_from_pem(&id.certificate_pem).unwrap(),
            verifying_key: SigningKey::generate(&mut rng).verifying_key(),
        })
        .collect();
    let config = PartyConfig::new(
        parties,
        Duration::from_secs(connect_secs),
        Duration::from_secs(round_secs),
    )
    .unwrap();
    (config, ids)
}

pub(super) fn connect_all(
    configs: Vec<PartyConfig>,
    ids: Vec<TlsIdentity>,
) -> Vec<Result<TcpTransport, Error>> {
    std::thread::scope(|s| {
        let handles: Vec<_> = configs
            .iter()
            .zip(&ids)
            .enumerate()
            .map(|(i, (c, id))| s.spawn(move || net::connect(c, PartyId(i as u32 + 1), id)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn three_parties_multiply_over_tls() {
    let (config, ids) = setup(3, 20, 20);
    let transports = connect_all(vec![config.clone(), config.clone(), config], ids);
    let results: Vec<Vec<Fp>> = std::thread::scope(|s| {
        let handles: Vec<_> = transports
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                s.spawn(move || {
                    let mut rng = ChaCha20Rng::seed_from_u64(i as u64);
                    let mut e = Engine::new(t.unwrap(), &mut rng).unwrap();
                    let x = e
                        .input_from(PartyId(1), 2, &[Fp::from_i64(-7), Fp::from_i64(6)])
                        .unwrap();
                    let y = e
                        .input_from(PartyId(3), 2, &[Fp::from_i64(5), Fp::from_i64(6)])
                        .unwrap();
                    let p = e.mul(&x, &y).unwrap();
                    let l = e.lt(&x, &y, 16).unwrap();
                    let both = e.concat(&[&p, &l]);
                    e.open(&both).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for r in results {
        assert_eq!(
            r,
            vec![Fp::from_i64(-35), Fp::from_i64(36), Fp::ONE, Fp::ZERO]
        );
    }
}

/// `TcpTransport::exchange_links`: a round over some links only (party 1 to party 2)
/// keeps every link in step for the full rounds after it. A frame the receiver expects
/// but the sender skips is a silence: party 1 times out naming party 3, and party 2,
/// one round further, names party 3 too through party 1's abort (in time even when its
/// own deadline comes first: the grace period).
#[test]
fn a_round_over_some_links_keeps_the_links_in_step() {
    type Outcome = (Vec<Option<Vec<u8>>>, Vec<Vec<u8>>, Result<(), Error>);
    let (config, ids) = setup(3, 20, 1);
    let transports = connect_all(vec![config.clone(), config.clone(), config], ids);
    let results: Vec<Outcome> = std::thread::scope(|s| {
        let handles: Vec<_> = transports
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                s.spawn(move || {
                    let mut t = t.unwrap();
                    assert!(matches!(
                        t.exchange_links(vec![None; 2], &[true; 3]),
                        Err(Error::InvalidParameters(_))
                    ));
                    // Party 1 sends to party 2 only; party 2 expects party 1 only.
                    let mut out = vec![None; 3];
                    if i == 0 {
                        out[1] = Some(b"one to two".to_vec());
                    }
                    let sparse = t.exchange_links(out, &[i == 1, false, false]).unwrap();
                    // A full round after it: every link is still in step.
                    let full = t.exchange(vec![vec![i as u8 + 1; 3]; 3]).unwrap();
                    // Party 3 skips the frame party 1 expects from it.
                    let out = (0..3)
                        .map(|j| (j != i && !(i == 2 && j == 0)).then(|| vec![7]))
                        .collect();
                    let mut last = t.exchange_links(out, &[true; 3]).map(|_| ());
                    // Parties 2 and 3 try one more round (party 3 stays connected
                    // until party 1 has given up on it, and stays silent towards it:
                    // a frame now would fill the slot it skipped, links count rounds).
                    if i > 0 {
                        let out = (0..3).map(|j| (i == 1 || j != 0).then(|| vec![8]));
                        last = last
                            .and_then(|()| t.exchange_links(out.collect(), &[true; 3]).map(|_| ()));
                    }
                    (sparse, full, last)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results[0].0, vec![None, None, None]);
    assert_eq!(results[1].0, vec![Some(b"one to two".to_vec()), None, None]);
    assert_eq!(results[2].0, vec![None, None, None]);
    for (i, (_, full, _)) in results.iter().enumerate() {
        for (j, frame) in full.iter().enumerate() {
            let want = if i == j {
                Vec::new()
            } else {
                vec![j as u8 + 1; 3]
            };
            assert_eq!(*frame, want, "party {} from party {}", i + 1, j + 1);
        }
    }
    match &results[0].2 {
        Err(Error::Timeout { party, .. }) => assert_eq!(*party, PartyId(3)),
        other => panic!("party 1: expected a timeout naming party 3, got {other:?}"),
    }
    match &results[1].2 {
        Err(e @ Error::PeerAborted { party, .. }) => {
            assert_eq!((*party, e.culprit()), (PartyId(1), Some(PartyId(3))), "{e}")
        }
        other => panic!("party 2: expected party 1's abort naming party 3, got {other:?}"),
    }
    // Party 3 reads party 1's abort blaming it: as it answered every frame it chose
    // to, it blames party 1 (an abort blaming the receiver blames its sender).
    let e = results[2].2.as_ref().err();
    assert_eq!(
        e.and_then(Error::culprit),
        Some(PartyId(1)),
        "party 3: {e:?}"
    );
}

#[test]
fn unknown_party_id_is_refused() {
    let (config, ids) = setup(3, 2, 2);
    match net::connect(&config, PartyId(9), &ids[0]) {
        Err(Error::UnknownParty {
            party: 9,
            parties: 3,
        }) => {}
        other => panic!("expected UnknownParty, got {other:?}"),
    }
}

#[test]
fn wrong_certificate_is_refused() {
    let (config, ids) = setup(3, 3, 3);
    // Party 3 runs with a different certificate than the one the others pinned.
    let impostor = TlsIdentity::generate(PartyId(3)).unwrap();
    let mut parties = config.parties.clone();
    parties[2].certificate_pem = impostor.certificate_pem.clone();
    parties[2].certificate = certificate_from_pem(&impostor.certificate_pem).unwrap();
    let impostor_config =
        PartyConfig::new(parties, config.connect_timeout, config.round_timeout).unwrap();
    let mut ids = ids;
    ids[2] = impostor;
    let start = Instant::now();
    let results = connect_all(vec![config.clone(), config, impostor_config], ids);
    assert!(start.elapsed() < Duration::from_secs(15));
    match &results[2] {
        Err(Error::Tls { reason, .. }) => assert!(
            reason.to_lowercase().contains("certificate") || reason.contains("refused"),
            "{reason}"
        ),
        other => panic!("impostor must fail with a TLS error, got {other:?}"),
    }
    for r in &results[..2] {
        match r {
            Err(e) => assert!(e.culprit().is_some(), "{e}"),
            Ok(_) => panic!("honest parties must not complete setup with an impostor"),
        }
    }
}

#[test]
fn malformed_frame_and_vanished_party_stop_everyone() {
    let (config, ids) = setup(3, 20, 5);
    let transports = connect_all(vec![config.clone(), config.clone(), config], ids);
    let mut transports: Vec<TcpTransport> = transports.into_iter().map(Result::unwrap).collect();
    let mut t3 = transports.pop().unwrap();
    let mut t2 = transports.pop().unwrap();
    let mut t1 = transports.pop().unwrap();
    // Party 2 sends a frame of an unknown kind to party 1.
    net::danger_send_raw(&mut t2, PartyId(1), 7, vec![1, 2, 3]).unwrap();
    let start = Instant::now();
    let e1 = t1.exchange(vec![Vec::new(); 3]).unwrap_err();
    match &e1 {
        Error::PeerMisbehaved { party, reason } => {
            assert_eq!(*party, PartyId(2));
            assert!(reason.contains("malformed"), "{reason}");
        }
        other => panic!("expected malformed frame from party 2, got {other:?}"),
    }
    t1.abort(&e1);
    // Party 3 stops too, naming a party (the aborting party 1, or the silent party 2).
    let e3 = loop {
        match t3.exchange(vec![Vec::new(); 3]) {
            Err(e) => break e,
            Ok(_) => continue,
        }
    };
    assert!(
        matches!(e3.culprit(), Some(PartyId(1)) | Some(PartyId(2))),
        "{e3}"
    );
    // Party 1 vanishes: party 2 stops, well within the timeout, either on party 1's abort
    // (which blames party 2 itself, relayed) or on party 1's disconnection.
    drop(t1);
    let e2 = loop {
        match t2.exchange(vec![Vec::new(); 3]) {
            Err(e) => break e,
            Ok(_) => continue,
        }
    };
    let relayed = matches!(
        e2,
        Error::PeerAborted {
            party: PartyId(1),
            culprit: Some(PartyId(2)),
            ..
        }
    );
    assert!(
        relayed || matches!(e2.culprit(), Some(PartyId(1)) | Some(PartyId(3))),
        "{e2}"
    );
    assert!(start.elapsed() < Duration::from_secs(12));
}
