//! A user-written MPC computation with the `conclave-mpc` API: three hospitals learn
//! how many patients across all of them have a risk score (weight × dose, truncated in
//! fixed point) above a limit, and the largest score — nothing else.
//!
//! Run: `cargo run --release -p conclave-examples --example mpc_custom`
//! (all parties in one process over in-memory channels; swap
//! `memory::network` for `conclave_mpc::net::connect` to run them on separate machines).

use std::time::Duration;

use conclave_mpc::field::Fp;
use conclave_mpc::transport::memory;
use conclave_mpc::{Engine, Error, PartyId};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

const FRACTION: u32 = 8; // fixed point: 8 fractional bits
const BITS: u32 = 32;

fn hospital(
    mut engine: Engine<memory::MemoryTransport>,
    data: &[(f64, f64)],
) -> Result<(i128, f64), Error> {
    let me = engine.me();
    let fixed = |x: f64| Fp::from_i128((x * f64::from(1u32 << FRACTION)).round() as i128);
    // Public lengths first, then every hospital shares its two columns.
    let lens_raw = engine.exchange_public(&(data.len() as u64).to_le_bytes())?;
    let lens: Vec<usize> = lens_raw
        .iter()
        .map(|b| u64::from_le_bytes(b.as_slice().try_into().unwrap_or([0; 8])) as usize)
        .collect();
    let weights: Vec<Fp> = data.iter().map(|(w, _)| fixed(*w)).collect();
    let doses: Vec<Fp> = data.iter().map(|(_, d)| fixed(*d)).collect();
    let w = engine.input(&lens, &weights)?;
    let d = engine.input(&lens, &doses)?;
    let w = engine.concat(&w.iter().collect::<Vec<_>>());
    let d = engine.concat(&d.iter().collect::<Vec<_>>());
    // risk = weight × dose in fixed point (one multiplication round + exact truncation).
    let risk = engine.mul_fixed(&w, &d, BITS / 2, FRACTION)?;
    let limit = (250.0 * f64::from(1u32 << FRACTION)) as i128;
    let high = engine.ge_public(&risk, limit, BITS)?;
    let count = engine.sum(&high);
    let (_, max) = engine.min_max(&risk, BITS)?;
    let out = engine.concat(&[&count, &max]);
    let opened = engine.open_signed(&out)?;
    if me == PartyId(1) {
        println!("hospital 1 sees only the answers: {opened:?}");
    }
    Ok((opened[0], opened[1] as f64 / f64::from(1u32 << FRACTION)))
}

fn main() -> Result<(), Error> {
    let data: Vec<Vec<(f64, f64)>> = vec![
        vec![(70.0, 3.5), (82.5, 2.0), (55.0, 5.0)],
        vec![(90.0, 3.0), (64.0, 1.5)],
        vec![(101.0, 2.5), (77.0, 4.0), (48.0, 6.0), (60.0, 1.0)],
    ];
    let results = std::thread::scope(|s| {
        let handles: Vec<_> = memory::network(3, Duration::from_secs(30))
            .into_iter()
            .zip(&data)
            .enumerate()
            .map(|(i, (transport, mine))| {
                s.spawn(move || {
                    let mut rng = ChaCha20Rng::seed_from_u64(i as u64);
                    hospital(Engine::new(transport, &mut rng)?, mine)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join()).collect::<Vec<_>>()
    });
    let all: Vec<(f64, f64)> = data.concat();
    let plain_count = all.iter().filter(|(w, d)| w * d >= 250.0).count();
    let plain_max = all.iter().map(|(w, d)| w * d).fold(f64::MIN, f64::max);
    for r in results {
        let (count, max) = r.map_err(|_| Error::InvalidParameters("a party thread panicked"))??;
        assert_eq!(count as usize, plain_count);
        assert!((max - plain_max).abs() < 0.01);
    }
    println!("{plain_count} patients at or above 250; largest risk {plain_max:.2} (equals the plaintext answer)");
    Ok(())
}
