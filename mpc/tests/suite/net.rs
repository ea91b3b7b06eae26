//! Parties over real TCP + TLS 1.3 inside one process (one thread each): a correct run,
//! and refusals: wrong certificate, unknown party id, malformed frame, vanished party.

use std::time::{Duration, Instant};

use conclave_mpc::config::{certificate_from_pem, PartyConfig, PartyInfo, TlsIdentity};
use conclave_mpc::ed25519_dalek::SigningKey;
use conclave_mpc::field::Fp;
use conclave_mpc::net::{self, TcpTransport};
use conclave_mpc::transport::Transport;
use conclave_mpc::{Engine, Error, PartyId};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<std::net::TcpListener> = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect()
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
