//! Decoding small discrete logarithms: baby-step giant-step (Shanks 1971) with a
//! precomputed baby-step table cached on disk.
//!
//! The table maps the first 8 bytes of `compress(2·j·G)` to `j` for `j < m = 2^b`
//! (doubling lets curve25519-dalek compress in batches with one inversion,
//! `RistrettoPoint::double_and_compress_batch`). Decoding `v·G` for `v < 2^r` takes at
//! most `2^r / m` giant steps `v·G − i·m·G`, batched and spread over all cores with
//! rayon. A truncated-key hit is confirmed by recomputing `v·G`, so a collision or a
//! corrupted table can never yield a wrong value — at worst no value.
//!
//! Everything here is variable time in the (public) total being decoded.

use std::io::Write;
use std::path::Path;

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// File magic of a cached table.
pub const TABLE_MAGIC: &[u8; 8] = b"CNHEDLOG";
/// Format version of a cached table.
pub const TABLE_VERSION: u32 = 1;
/// Largest accepted baby-step exponent (2^26 entries ≈ 800 MB on disk).
pub const MAX_BABY_BITS: u32 = 26;
/// Default baby-step exponent: with 2^20 baby steps, totals below 2^40 decode in at
/// most 2^20 giant steps.
pub const DEFAULT_BABY_BITS: u32 = 20;

const BATCH: usize = 4096;
const HEADER_LEN: usize = 8 + 4 + 4 + 8;
const ENTRY_LEN: usize = 12;

/// A baby-step table for `m = 2^baby_bits`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DlogTable {
    baby_bits: u32,
    /// `(key, j)` sorted by key.
    entries: Vec<(u64, u32)>,
}

fn key_of(bytes: &[u8; 32]) -> u64 {
    let mut k = [0u8; 8];
    k.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(k)
}

impl DlogTable {
    /// Builds the table (`2^baby_bits` point additions and batched compressions).
    ///
    /// # Errors
    /// [`Error::BadTable`] if `baby_bits` exceeds [`MAX_BABY_BITS`].
    pub fn build(baby_bits: u32) -> Result<Self> {
        if baby_bits > MAX_BABY_BITS {
            return Err(Error::BadTable {
                reason: format!("baby-step exponent {baby_bits} exceeds {MAX_BABY_BITS}"),
            });
        }
        let m = 1usize << baby_bits;
        let chunks = m.div_ceil(BATCH);
        let mut entries: Vec<(u64, u32)> = (0..chunks)
            .into_par_iter()
            .flat_map_iter(|c| {
                let start = c * BATCH;
                let len = BATCH.min(m - start);
                let mut p = Scalar::from(start as u64) * RISTRETTO_BASEPOINT_POINT;
                let mut points = Vec::with_capacity(len);
                for _ in 0..len {
                    points.push(p);
                    p += RISTRETTO_BASEPOINT_POINT;
                }
                RistrettoPoint::double_and_compress_batch(&points)
                    .into_iter()
                    .enumerate()
                    .map(move |(k, c)| (key_of(c.as_bytes()), (start + k) as u32))
                    .collect::<Vec<_>>()
            })
            .collect();
        entries.par_sort_unstable();
        Ok(Self { baby_bits, entries })
    }

    /// The baby-step exponent b (`m = 2^b`).
    pub fn baby_bits(&self) -> u32 {
        self.baby_bits
    }

    /// Finds `v < 2^range_bits` with `v·G = point`.
    ///
    /// # Errors
    /// [`Error::OutOfRange`] if there is none.
    pub fn vartime_decode(&self, point: &RistrettoPoint, range_bits: u32) -> Result<u64> {
        let range_bits = range_bits.min(64);
        let range: u128 = 1u128 << range_bits;
        let m = 1u128 << self.baby_bits;
        let giants = range.div_ceil(m);
        let giant_step = Scalar::from(m as u64) * RISTRETTO_BASEPOINT_POINT;
        let chunks = giants.div_ceil(BATCH as u128) as u64;
        let found = (0..chunks).into_par_iter().find_map_first(|c| {
            let first = u128::from(c) * BATCH as u128;
            let len = (giants - first).min(BATCH as u128) as usize;
            let offset = Scalar::from((first * m) as u64) * RISTRETTO_BASEPOINT_POINT;
            let mut q = point - offset;
            let mut points = Vec::with_capacity(len);
            for _ in 0..len {
                points.push(q);
                q -= giant_step;
            }
            let compressed = RistrettoPoint::double_and_compress_batch(&points);
            compressed.iter().enumerate().find_map(|(i, cq)| {
                let key = key_of(cq.as_bytes());
                let lo = self.entries.partition_point(|(k, _)| *k < key);
                self.entries[lo..]
                    .iter()
                    .take_while(|(k, _)| *k == key)
                    .find_map(|(_, j)| {
                        let v = (first + i as u128) * m + u128::from(*j);
                        (v < range && Scalar::from(v as u64) * RISTRETTO_BASEPOINT_POINT == *point)
                            .then_some(v as u64)
                    })
            })
        });
        found.ok_or(Error::OutOfRange { range })
    }

    /// Serialized form.
    ///
    /// # Layout
    /// `"CNHEDLOG"`, version u32 LE, baby_bits u32 LE, entry count u64 LE, then per
    /// entry key u64 LE ‖ j u32 LE (sorted by key), then SHA-256 of everything before.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.entries.len() * ENTRY_LEN + 32);
        out.extend_from_slice(TABLE_MAGIC);
        out.extend_from_slice(&TABLE_VERSION.to_le_bytes());
        out.extend_from_slice(&self.baby_bits.to_le_bytes());
        out.extend_from_slice(&(self.entries.len() as u64).to_le_bytes());
        for (k, j) in &self.entries {
            out.extend_from_slice(&k.to_le_bytes());
            out.extend_from_slice(&j.to_le_bytes());
        }
        let digest = Sha256::digest(&out);
        out.extend_from_slice(&digest);
        out
    }

    /// Parses and validates a serialized table built for `baby_bits`.
    ///
    /// # Errors
    /// [`Error::BadTable`] naming the problem (magic, version, parameters, length,
    /// checksum, order, spot checks).
    pub fn from_bytes(bytes: &[u8], baby_bits: u32) -> Result<Self> {
        let bad = |reason: &str| Error::BadTable {
            reason: reason.to_owned(),
        };
        if bytes.len() < HEADER_LEN + 32 || &bytes[..8] != TABLE_MAGIC {
            return Err(bad("not a Conclave discrete-log table"));
        }
        let u32_at =
            |o: usize| u32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]);
        let version = u32_at(8);
        if version != TABLE_VERSION {
            return Err(Error::BadTable {
                reason: format!("unsupported version {version} (expected {TABLE_VERSION})"),
            });
        }
        let bits = u32_at(12);
        if bits != baby_bits || bits > MAX_BABY_BITS {
            return Err(Error::BadTable {
                reason: format!("built for 2^{bits} baby steps, expected 2^{baby_bits}"),
            });
        }
        let mut count = [0u8; 8];
        count.copy_from_slice(&bytes[16..24]);
        let count = u64::from_le_bytes(count);
        if count != 1u64 << bits {
            return Err(bad("entry count does not match the parameters"));
        }
        let body_len = HEADER_LEN + count as usize * ENTRY_LEN;
        if bytes.len() != body_len + 32 {
            return Err(bad("file is truncated or has trailing bytes"));
        }
        if Sha256::digest(&bytes[..body_len]).as_slice() != &bytes[body_len..] {
            return Err(bad("checksum mismatch"));
        }
        let entries: Vec<(u64, u32)> = bytes[HEADER_LEN..body_len]
            .chunks_exact(ENTRY_LEN)
            .map(|e| {
                let mut k = [0u8; 8];
                k.copy_from_slice(&e[..8]);
                (
                    u64::from_le_bytes(k),
                    u32::from_le_bytes([e[8], e[9], e[10], e[11]]),
                )
            })
            .collect();
        if entries.windows(2).any(|w| w[0] > w[1]) {
            return Err(bad("entries are not sorted"));
        }
        let table = Self {
            baby_bits: bits,
            entries,
        };
        // Spot checks: a few known points must decode.
        for v in [0u64, 1, (1u64 << bits) - 1] {
            if table.vartime_decode(&(Scalar::from(v) * RISTRETTO_BASEPOINT_POINT), bits)? != v {
                return Err(bad("spot check failed"));
            }
        }
        Ok(table)
    }

    /// Loads the cached table at `path`, or builds it and writes the cache (via a
    /// temporary file and rename).
    ///
    /// # Errors
    /// [`Error::BadTable`] for a corrupt cache (delete it to rebuild), [`Error::Io`].
    pub fn load_or_build(path: &Path, baby_bits: u32) -> Result<Self> {
        let io = |source| Error::Io {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read(path) {
            Ok(bytes) => Self::from_bytes(&bytes, baby_bits),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let table = Self::build(baby_bits)?;
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(io)?;
                }
                let tmp = path.with_extension(format!("tmp{}", std::process::id()));
                let mut f = std::fs::File::create(&tmp).map_err(io)?;
                f.write_all(&table.to_bytes()).map_err(io)?;
                f.sync_all().map_err(io)?;
                std::fs::rename(&tmp, path).map_err(io)?;
                Ok(table)
            }
            Err(e) => Err(io(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_small_values_and_rejects_out_of_range() {
        let table = DlogTable::build(8).expect("build");
        for v in [0u64, 1, 255, 256, 1000, 65_535] {
            let p = Scalar::from(v) * RISTRETTO_BASEPOINT_POINT;
            assert_eq!(table.vartime_decode(&p, 16).expect("decode"), v);
        }
        let p = Scalar::from(65_536u64) * RISTRETTO_BASEPOINT_POINT;
        assert!(matches!(
            table.vartime_decode(&p, 16),
            Err(Error::OutOfRange { .. })
        ));
    }

    #[test]
    fn table_round_trips_and_rejects_corruption() {
        let table = DlogTable::build(6).expect("build");
        let bytes = table.to_bytes();
        assert_eq!(DlogTable::from_bytes(&bytes, 6).expect("load"), table);
        assert!(
            DlogTable::from_bytes(&bytes, 7).is_err(),
            "wrong parameters"
        );
        assert!(
            DlogTable::from_bytes(&bytes[..bytes.len() - 1], 6).is_err(),
            "truncated"
        );
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(DlogTable::from_bytes(&longer, 6).is_err(), "trailing byte");
        let mut flipped = bytes.clone();
        flipped[HEADER_LEN + 3] ^= 1;
        assert!(DlogTable::from_bytes(&flipped, 6).is_err(), "flipped bit");
        let mut version = bytes;
        version[8] = 2;
        assert!(DlogTable::from_bytes(&version, 6).is_err(), "version");
    }
}
