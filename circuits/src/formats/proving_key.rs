//! The two binary bodies of a Groth16 proving key, and a parser of arkworks' canonical
//! proving-key layout that is safe on hostile input and runs point decoding in parallel.
//!
//! * **Compact** (format version 1): `ark_groth16::ProvingKey` serialized compressed.
//!   Loading decompresses every point (a square root each) and checks it is on its curve
//!   and in its subgroup (G2 with the fast test of [`crate::curve`]). Use it for keys
//!   that travel between parties.
//! * **Hashed** (format version 2): the same key serialized
//!   uncompressed, preceded by its length and a SHA-256 over a domain tag, the file's
//!   header and the body. Loading checks the digest and then reads the points as they are:
//!   no square roots, no subgroup checks. A key of 16,384 constraints loads in 30 ms
//!   instead of 3.2 s (docs/benchmarks.md, "Whole-process proving and proving-key
//!   loading").
//! * **Hashed with matrices** (format version 3): the hashed key followed by the R1CS
//!   matrices of its circuit ([`R1csMatrices`]), all under one SHA-256 with its own domain
//!   tag. With them a proof synthesizes only the witness
//!   ([`crate::groth16::ProverKey::prove`]); version 2 keys still load and prove the
//!   slower way.
//!
//! # Security
//! The digest makes a damaged, truncated or carelessly edited key fail to load with
//! [`ZkError::DigestMismatch`] or [`ZkError::Malformed`]. It is not a signature: whoever
//! can write the file can also recompute the digest. That is the right trust model for a
//! key the prover made itself (or fetched over an authenticated channel): a proving key
//! cannot make a false statement verify — soundness rests on the verifying key, whose id
//! every proof names — and a crafted one could at worst weaken zero knowledge, which the
//! point checks of the compact form would not prevent either (they cannot tell a
//! well-formed key made with known trapdoors from an honest one). Call
//! [`crate::groth16::ProvingKey::validate`] to check every point of a hashed key of unknown
//! origin anyway.
//!
//! Every parser refuses a length field that promises more points, rows or terms than the
//! bytes left can hold before allocating anything, so a hostile length cannot exhaust
//! memory. Stored matrices are checked for shape (every column within the variable count,
//! every coefficient canonical) and against the key's query lengths.

use ark_bn254::{Bn254, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use ark_relations::gr1cs::Matrix;
use ark_serialize::{CanonicalSerialize, Compress, Validate};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::points::{checked_g1, checked_g2};
use crate::domain::{PROVING_KEY_DIGEST, PROVING_KEY_WITH_MATRICES_DIGEST};
use crate::groth16::{ProverKey, R1csMatrices};
use crate::ZkError;

/// An arkworks Groth16 proving key on BN254.
pub type ArkProvingKey = ark_groth16::ProvingKey<Bn254>;

/// Bytes of the length and digest fields between a hashed key's header and its body.
pub const HASHED_PREFIX_LEN: usize = 8 + 32;

/// Below this many points a section is decoded on the calling thread (rayon's hand-off
/// costs more than it saves).
const PARALLEL_FROM: usize = 256;

/// The SHA-256 that a hashed key records: domain tag, the file's header, the body.
fn digest(tag: &[u8], header: &[u8], body: &[u8]) -> [u8; 32] {
    Sha256::new()
        .chain_update(tag)
        .chain_update(header)
        .chain_update(body)
        .finalize()
        .into()
}

/// Fills in the length and digest fields of `bytes`, laid out as `header ‖ 8 + 32 zero
/// bytes ‖ body`, where the header is `bytes[..start]`.
fn seal(tag: &[u8], mut bytes: Vec<u8>, start: usize) -> Vec<u8> {
    let (head, body) = bytes.split_at_mut(start + HASHED_PREFIX_LEN);
    let length = body.len() as u64;
    let recorded = digest(tag, &head[..start], body);
    head[start..start + 8].copy_from_slice(&length.to_le_bytes());
    head[start + 8..].copy_from_slice(&recorded);
    bytes
}

/// Appends the hashed form of `key` to `header` (the caller's magic, version, kind and
/// statement bytes, which the digest covers).
///
/// # Layout
/// `header ‖ body length (u64, little-endian) ‖ SHA-256(PROVING_KEY_DIGEST ‖ header ‖ body)
/// ‖ body`, where body is `ark_groth16::ProvingKey` serialized uncompressed (arkworks'
/// canonical layout: each vector as a u64 little-endian count, then its points; a G1 point
/// is 64 bytes, a G2 point 128, flags in the top bits of the last coordinate).
pub fn write_hashed(mut header: Vec<u8>, key: &ArkProvingKey) -> Vec<u8> {
    let start = header.len();
    let size = key.uncompressed_size();
    header.reserve(HASHED_PREFIX_LEN + size);
    header.extend_from_slice(&[0u8; HASHED_PREFIX_LEN]);
    key.serialize_uncompressed(&mut header)
        .expect("serializing into a Vec cannot fail");
    seal(PROVING_KEY_DIGEST, header, start)
}

/// Reads a hashed key: `rest` is everything after `header`.
///
/// # Errors
/// [`ZkError::Malformed`] when the file is shorter or longer than its recorded length,
/// [`ZkError::DigestMismatch`] when its bytes are not those the digest was made over,
/// [`ZkError::Malformed`] or [`ZkError::Decode`] for a body that does not parse (which a
/// matching digest makes a bug of the writer).
pub fn read_hashed(
    what: &'static str,
    header: &[u8],
    rest: &[u8],
) -> Result<ArkProvingKey, ZkError> {
    let body = checked_body(what, PROVING_KEY_DIGEST, header, rest)?;
    let (key, rest) = parse(what, body, Compress::No)?;
    finish(what, rest)?;
    Ok(key)
}

/// Appends the hashed form of `key` with its circuit's `matrices` to `header` (format
/// version 3; the caller's header is covered by the digest).
///
/// # Layout
/// `header ‖ payload length (u64, little-endian) ‖ SHA-256(PROVING_KEY_WITH_MATRICES_DIGEST
/// ‖ header ‖ payload) ‖ payload`, where payload is the arkworks proving key uncompressed
/// (as in [`write_hashed`]) followed by the matrices:
/// `num_instance_variables ‖ num_witness_variables ‖ num_constraints ‖ coefficient count K`
/// (u64 little-endian each), the K distinct coefficients (32 bytes each, the canonical
/// little-endian integer below the BN254 scalar modulus), then for each of `A`, `B`, `C`
/// and each constraint: the term count (u32 little-endian) and per term the column (u32,
/// index into `[1, instance…, witness…]`) and the coefficient's index into the table (u32).
pub fn write_hashed_with_matrices(
    mut header: Vec<u8>,
    key: &ArkProvingKey,
    matrices: &R1csMatrices,
) -> Vec<u8> {
    let start = header.len();
    header.reserve(HASHED_PREFIX_LEN + key.uncompressed_size() + 12 * matrices.num_terms());
    header.extend_from_slice(&[0u8; HASHED_PREFIX_LEN]);
    key.serialize_uncompressed(&mut header)
        .expect("serializing into a Vec cannot fail");
    write_matrices(&mut header, matrices);
    seal(PROVING_KEY_WITH_MATRICES_DIGEST, header, start)
}

/// Reads a key written by [`write_hashed_with_matrices`]: `rest` is everything after
/// `header`.
///
/// # Errors
/// As [`read_hashed`]; [`ZkError::Malformed`] or [`ZkError::Decode`] for matrices that do
/// not parse, name a variable beyond the variable count, or do not fit the key's queries.
pub fn read_hashed_with_matrices(
    what: &'static str,
    header: &[u8],
    rest: &[u8],
) -> Result<ProverKey, ZkError> {
    let payload = checked_body(what, PROVING_KEY_WITH_MATRICES_DIGEST, header, rest)?;
    let (key, rest) = parse(what, payload, Compress::No)?;
    let matrices = read_matrices(what, rest)?;
    ProverKey::with_matrices(what, key, matrices)
}

/// Checks the length and digest fields after `header` and returns the body they cover.
fn checked_body<'a>(
    what: &'static str,
    tag: &[u8],
    header: &[u8],
    rest: &'a [u8],
) -> Result<&'a [u8], ZkError> {
    let Some((length, rest)) = rest.split_first_chunk::<8>() else {
        return Err(ZkError::Malformed {
            what,
            reason: "truncated: shorter than its length and SHA-256 fields",
        });
    };
    let Some((recorded, body)) = rest.split_first_chunk::<32>() else {
        return Err(ZkError::Malformed {
            what,
            reason: "truncated: shorter than its length and SHA-256 fields",
        });
    };
    let length = u64::from_le_bytes(*length);
    match (body.len() as u64).cmp(&length) {
        std::cmp::Ordering::Less => {
            return Err(ZkError::Malformed {
                what,
                reason: "truncated: shorter than the length recorded in its header",
            })
        }
        std::cmp::Ordering::Greater => {
            return Err(ZkError::Malformed {
                what,
                reason: "trailing bytes after the length recorded in its header",
            })
        }
        std::cmp::Ordering::Equal => {}
    }
    if digest(tag, header, body) != *recorded {
        return Err(ZkError::DigestMismatch { what });
    }
    Ok(body)
}

/// Appends the matrices section of [`write_hashed_with_matrices`].
fn write_matrices(out: &mut Vec<u8>, matrices: &R1csMatrices) {
    let mut table: Vec<Fr> = Vec::new();
    let mut index_of = std::collections::HashMap::<Fr, u32>::new();
    let mut terms = Vec::with_capacity(matrices.num_terms());
    let mut rows = Vec::with_capacity(3 * matrices.num_constraints());
    for matrix in matrices.matrices() {
        for row in matrix {
            rows.push(row.len());
            for &(coefficient, column) in row {
                let index = *index_of.entry(coefficient).or_insert_with(|| {
                    table.push(coefficient);
                    u32::try_from(table.len() - 1).expect("fewer than 2^32 coefficients")
                });
                terms.push((column, index));
            }
        }
    }
    for count in [
        matrices.num_instance_variables(),
        matrices.num_witness_variables(),
        matrices.num_constraints(),
        table.len(),
    ] {
        out.extend_from_slice(&(count as u64).to_le_bytes());
    }
    for coefficient in &table {
        out.extend_from_slice(&coefficient.into_bigint().to_bytes_le());
    }
    let mut terms = terms.into_iter();
    for count in rows {
        out.extend_from_slice(
            &u32::try_from(count)
                .expect("rows of fewer than 2^32 terms")
                .to_le_bytes(),
        );
        for (column, index) in terms.by_ref().take(count) {
            let column = u32::try_from(column).expect("fewer than 2^32 variables");
            out.extend_from_slice(&column.to_le_bytes());
            out.extend_from_slice(&index.to_le_bytes());
        }
    }
}

/// Reads the matrices section of [`write_hashed_with_matrices`], which must end the bytes.
fn read_matrices(what: &'static str, bytes: &[u8]) -> Result<R1csMatrices, ZkError> {
    let mut reader = Reader {
        what,
        rest: bytes,
        compress: Compress::No,
    };
    let num_instance = reader.count()?;
    let num_witness = reader.count()?;
    let num_constraints = reader.count()?;
    let table_len = reader.count()?;
    // Each row takes at least its 4-byte term count: refuse counts the bytes cannot hold.
    reader.fits(num_constraints, 3 * 4)?;
    let table = reader
        .take_items(table_len, 32)?
        .chunks_exact(32)
        .map(|bytes| {
            let mut limbs = [0u64; 4];
            for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
                *limb = u64::from_le_bytes(chunk.try_into().expect("chunks of 8 bytes"));
            }
            Fr::from_bigint(ark_ff::BigInt(limbs)).ok_or(ZkError::Malformed {
                what,
                reason: "a stored coefficient is not below the scalar field modulus",
            })
        })
        .collect::<Result<Vec<Fr>, ZkError>>()?;
    let mut read_matrix = || -> Result<Matrix<Fr>, ZkError> {
        let mut matrix = Vec::with_capacity(num_constraints);
        for _ in 0..num_constraints {
            let count =
                u32::from_le_bytes(reader.take(4)?.try_into().expect("take(4) returns 4 bytes"))
                    as usize;
            let row = reader
                .take_items(count, 8)?
                .chunks_exact(8)
                .map(|term| {
                    let column = u32::from_le_bytes(term[..4].try_into().expect("4 bytes"));
                    let index = u32::from_le_bytes(term[4..].try_into().expect("4 bytes"));
                    let coefficient =
                        table
                            .get(index as usize)
                            .copied()
                            .ok_or(ZkError::Malformed {
                                what,
                                reason: "a stored term names a coefficient beyond the table",
                            })?;
                    Ok((coefficient, column as usize))
                })
                .collect::<Result<Vec<_>, ZkError>>()?;
            matrix.push(row);
        }
        Ok(matrix)
    };
    let a = read_matrix()?;
    let b = read_matrix()?;
    let c = read_matrix()?;
    finish(what, reader.rest)?;
    R1csMatrices::from_parts(what, num_instance, num_witness, [a, b, c])
}

/// Appends the compact (compressed) form of `key` to `bytes`.
pub fn write_compact(bytes: &mut Vec<u8>, key: &ArkProvingKey) {
    key.serialize_compressed(bytes)
        .expect("serializing into a Vec cannot fail");
}

/// Reads a compact key and checks every point; returns the key and the bytes after it.
///
/// # Errors
/// [`ZkError::Malformed`] or [`ZkError::Decode`] for truncated or garbled data,
/// [`ZkError::NotOnCurve`] or [`ZkError::NotInSubgroup`] for an invalid point.
pub fn read_compact<'a>(
    what: &'static str,
    bytes: &'a [u8],
) -> Result<(ArkProvingKey, &'a [u8]), ZkError> {
    let (key, rest) = parse(what, bytes, Compress::Yes)?;
    validate(&key)?;
    Ok((key, rest))
}

/// Checks that every point of `key` is on its curve and in the prime-order subgroup
/// (in parallel; G2 with the fast test of [`crate::curve`]).
///
/// # Errors
/// [`ZkError::NotOnCurve`] or [`ZkError::NotInSubgroup`], naming the part of the key.
pub fn validate(key: &ArkProvingKey) -> Result<(), ZkError> {
    let vk = &key.vk;
    let _ = checked_g1("proving key alpha_g1", vk.alpha_g1)?;
    let _ = checked_g1("proving key beta_g1", key.beta_g1)?;
    let _ = checked_g1("proving key delta_g1", key.delta_g1)?;
    for (name, point) in [
        ("proving key beta_g2", vk.beta_g2),
        ("proving key gamma_g2", vk.gamma_g2),
        ("proving key delta_g2", vk.delta_g2),
    ] {
        let _ = checked_g2(name, point)?;
    }
    let g1s: [(&str, &[G1Affine]); 5] = [
        ("proving key gamma_abc_g1", &vk.gamma_abc_g1),
        ("proving key a_query", &key.a_query),
        ("proving key b_g1_query", &key.b_g1_query),
        ("proving key h_query", &key.h_query),
        ("proving key l_query", &key.l_query),
    ];
    for (name, points) in g1s {
        points
            .par_iter()
            .with_min_len(PARALLEL_FROM)
            .try_for_each(|point| checked_g1(name, *point).map(|_| ()))?;
    }
    key.b_g2_query
        .par_iter()
        .with_min_len(PARALLEL_FROM / 8)
        .try_for_each(|point| checked_g2("proving key b_g2_query", *point).map(|_| ()))
}

fn finish(what: &'static str, rest: &[u8]) -> Result<(), ZkError> {
    if rest.is_empty() {
        Ok(())
    } else {
        Err(ZkError::Malformed {
            what,
            reason: "trailing bytes after the end of the key",
        })
    }
}

/// Parses arkworks' canonical layout of a proving key, without checking points (the
/// caller checks the digest or calls [`validate`]).
fn parse<'a>(
    what: &'static str,
    bytes: &'a [u8],
    compress: Compress,
) -> Result<(ArkProvingKey, &'a [u8]), ZkError> {
    let mut reader = Reader {
        what,
        rest: bytes,
        compress,
    };
    let alpha_g1 = reader.point::<G1Affine>()?;
    let beta_g2 = reader.point::<G2Affine>()?;
    let gamma_g2 = reader.point::<G2Affine>()?;
    let delta_g2 = reader.point::<G2Affine>()?;
    let gamma_abc_g1 = reader.points::<G1Affine>()?;
    let beta_g1 = reader.point::<G1Affine>()?;
    let delta_g1 = reader.point::<G1Affine>()?;
    let a_query = reader.points::<G1Affine>()?;
    let b_g1_query = reader.points::<G1Affine>()?;
    let b_g2_query = reader.points::<G2Affine>()?;
    let h_query = reader.points::<G1Affine>()?;
    let l_query = reader.points::<G1Affine>()?;
    let key = ArkProvingKey {
        vk: ark_groth16::VerifyingKey {
            alpha_g1,
            beta_g2,
            gamma_g2,
            delta_g2,
            gamma_abc_g1,
        },
        beta_g1,
        delta_g1,
        a_query,
        b_g1_query,
        b_g2_query,
        h_query,
        l_query,
    };
    Ok((key, reader.rest))
}

struct Reader<'a> {
    what: &'static str,
    rest: &'a [u8],
    compress: Compress,
}

impl<'a> Reader<'a> {
    fn take(&mut self, count: usize) -> Result<&'a [u8], ZkError> {
        if self.rest.len() < count {
            return Err(ZkError::Malformed {
                what: self.what,
                reason: "truncated in the middle of the key",
            });
        }
        let (taken, rest) = self.rest.split_at(count);
        self.rest = rest;
        Ok(taken)
    }

    /// A u64 little-endian count that must fit a `usize`.
    fn count(&mut self) -> Result<usize, ZkError> {
        let bytes = self.take(8)?;
        usize::try_from(u64::from_le_bytes(
            bytes.try_into().expect("take(8) returns 8 bytes"),
        ))
        .map_err(|_| ZkError::Malformed {
            what: self.what,
            reason: "a count larger than this machine can address",
        })
    }

    /// Refuses `count` items of at least `size` bytes each that the bytes left cannot hold.
    fn fits(&self, count: usize, size: usize) -> Result<usize, ZkError> {
        count
            .checked_mul(size)
            .filter(|&length| length <= self.rest.len())
            .ok_or(ZkError::Malformed {
                what: self.what,
                reason: "a count larger than the rest of the key can hold",
            })
    }

    /// The bytes of `count` items of `size` bytes each.
    fn take_items(&mut self, count: usize, size: usize) -> Result<&'a [u8], ZkError> {
        let length = self.fits(count, size)?;
        self.take(length)
    }

    fn decode<P: AffineRepr>(&self, mut bytes: &[u8]) -> Result<P, ZkError> {
        P::deserialize_with_mode(&mut bytes, self.compress, Validate::No).map_err(|source| {
            ZkError::Decode {
                what: self.what,
                source,
            }
        })
    }

    fn point<P: AffineRepr>(&mut self) -> Result<P, ZkError> {
        let size = P::zero().serialized_size(self.compress);
        let bytes = self.take(size)?;
        self.decode(bytes)
    }

    /// A u64 little-endian count, then that many points, decoded in parallel.
    fn points<P: AffineRepr>(&mut self) -> Result<Vec<P>, ZkError> {
        let count = self.take(8)?;
        let count = u64::from_le_bytes(count.try_into().expect("take(8) returns 8 bytes"));
        let size = P::zero().serialized_size(self.compress);
        let length = usize::try_from(count)
            .ok()
            .and_then(|count| count.checked_mul(size))
            .filter(|&length| length <= self.rest.len())
            .ok_or(ZkError::Malformed {
                what: self.what,
                reason: "a point count larger than the rest of the key can hold",
            })?;
        let bytes = self.take(length)?;
        if bytes.len() < PARALLEL_FROM * size {
            bytes
                .chunks_exact(size)
                .map(|chunk| self.decode(chunk))
                .collect()
        } else {
            bytes
                .par_chunks_exact(size)
                .with_min_len(PARALLEL_FROM / 4)
                .map(|chunk| self.decode(chunk))
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_serialize::CanonicalDeserialize;

    #[test]
    fn point_sizes_are_as_documented() {
        assert_eq!(G1Affine::zero().uncompressed_size(), 64);
        assert_eq!(G2Affine::zero().uncompressed_size(), 128);
        assert_eq!(G1Affine::zero().compressed_size(), 32);
        assert_eq!(G2Affine::zero().compressed_size(), 64);
    }

    fn small_key() -> ArkProvingKey {
        let g1 = |k: u64| (G1Affine::generator() * ark_bn254::Fr::from(k)).into_affine();
        let g2 =
            |k: u64| (ark_bn254::G2Projective::generator() * ark_bn254::Fr::from(k)).into_affine();
        ArkProvingKey {
            vk: ark_groth16::VerifyingKey {
                alpha_g1: g1(2),
                beta_g2: g2(3),
                gamma_g2: g2(4),
                delta_g2: g2(5),
                gamma_abc_g1: vec![g1(6), G1Affine::zero()],
            },
            beta_g1: g1(7),
            delta_g1: g1(8),
            a_query: (1..300).map(g1).collect(),
            b_g1_query: vec![g1(9)],
            b_g2_query: (1..40).map(g2).chain([G2Affine::zero()]).collect(),
            h_query: Vec::new(),
            l_query: vec![g1(10), g1(11)],
        }
    }

    #[test]
    fn parser_agrees_with_arkworks_in_both_modes() {
        let key = small_key();
        for compress in [Compress::Yes, Compress::No] {
            let mut bytes = Vec::new();
            key.serialize_with_mode(&mut bytes, compress).unwrap();
            let theirs =
                ArkProvingKey::deserialize_with_mode(&bytes[..], compress, Validate::Yes).unwrap();
            let (ours, rest) = parse("k", &bytes, compress).unwrap();
            assert!(rest.is_empty());
            assert_eq!(ours, theirs);
            assert_eq!(ours, key);
        }
    }

    #[test]
    fn hashed_form_round_trips_and_refuses_every_damage() {
        let key = small_key();
        let header = b"HEAD".to_vec();
        let bytes = write_hashed(header.clone(), &key);
        let rest = &bytes[header.len()..];
        assert_eq!(read_hashed("k", &header, rest).unwrap(), key);
        // Every single flipped byte after the header is refused (the length field as
        // truncation or trailing bytes, the digest and body as a digest mismatch).
        for index in (0..rest.len()).step_by(7) {
            let mut damaged = rest.to_vec();
            damaged[index] ^= 0x20;
            let error = read_hashed("k", &header, &damaged).unwrap_err();
            assert!(
                matches!(
                    error,
                    ZkError::DigestMismatch { .. } | ZkError::Malformed { .. }
                ),
                "byte {index}: {error}"
            );
        }
        // A header other than the one hashed (e.g. another statement) is refused.
        assert!(matches!(
            read_hashed("k", b"HEAX", rest),
            Err(ZkError::DigestMismatch { .. })
        ));
        for cut in [0, 7, 39, 40, rest.len() - 1] {
            assert!(matches!(
                read_hashed("k", &header, &rest[..cut]),
                Err(ZkError::Malformed { .. })
            ));
        }
        let mut longer = rest.to_vec();
        longer.push(0);
        assert!(matches!(
            read_hashed("k", &header, &longer),
            Err(ZkError::Malformed { .. })
        ));
    }

    #[test]
    fn hostile_counts_are_refused_before_allocating() {
        let key = small_key();
        let mut bytes = Vec::new();
        write_compact(&mut bytes, &key);
        // gamma_abc_g1's count sits after alpha (32) and three G2 points (3 × 64).
        let at = 32 + 3 * 64;
        bytes[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(
            read_compact("k", &bytes),
            Err(ZkError::Malformed { .. })
        ));
        bytes[at..at + 8].copy_from_slice(&(1u64 << 40).to_le_bytes());
        assert!(matches!(
            read_compact("k", &bytes),
            Err(ZkError::Malformed { .. })
        ));
    }

    /// `x · x = y`, `(x + 5) · 1 = z`, `y · (x + 2·z) = out` over `[1, out, x, y, z]`.
    fn small_matrices() -> R1csMatrices {
        let f = |v: u64| Fr::from(v);
        let a = vec![vec![(f(1), 2)], vec![(f(1), 2), (f(5), 0)], vec![(f(1), 3)]];
        let b = vec![vec![(f(1), 2)], vec![(f(1), 0)], vec![(f(1), 2), (f(2), 4)]];
        let c = vec![vec![(f(1), 3)], vec![(f(1), 4)], vec![(f(1), 1)]];
        R1csMatrices::from_parts("m", 2, 3, [a, b, c]).unwrap()
    }

    fn matrices_bytes(matrices: &R1csMatrices) -> Vec<u8> {
        let mut bytes = Vec::new();
        write_matrices(&mut bytes, matrices);
        bytes
    }

    #[test]
    fn matrices_round_trip_with_an_interned_coefficient_table() {
        let matrices = small_matrices();
        let bytes = matrices_bytes(&matrices);
        // 4 counts, 3 distinct coefficients (1, 5, 2), 9 rows, 11 terms.
        assert_eq!(bytes.len(), 4 * 8 + 3 * 32 + 9 * 4 + 11 * 8);
        assert_eq!(read_matrices("m", &bytes).unwrap(), matrices);
        assert!(matches!(
            read_matrices("m", &bytes[..bytes.len() - 1]),
            Err(ZkError::Malformed { .. })
        ));
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(
            read_matrices("m", &longer),
            Err(ZkError::Malformed { .. })
        ));
    }

    /// What the digest cannot catch (a writer's bug, or a file re-hashed after editing) is
    /// caught by the parser: every such edit is refused.
    #[test]
    fn malformed_matrices_are_refused_even_under_a_matching_digest() {
        let bytes = matrices_bytes(&small_matrices());
        let table = 4 * 8;
        let rows = table + 3 * 32;
        // The first term of A's first row: column at rows + 4, coefficient index at + 8.
        let edits: [(usize, [u8; 8]); 6] = [
            (0, 0u64.to_le_bytes()),                      // no constant-one variable
            (8, 1u64.to_le_bytes()),                      // fewer witness variables than columns
            (16, u64::MAX.to_le_bytes()),                 // hostile constraint count
            (24, (1u64 << 40).to_le_bytes()),             // hostile table length
            (rows, [0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0]), // hostile term count
            (rows + 8, [9, 0, 0, 0, 0, 0, 0, 0]),         // coefficient index beyond the table
        ];
        for (at, value) in edits {
            let mut damaged = bytes.clone();
            let width = if at >= rows { 4 } else { 8 };
            damaged[at..at + width].copy_from_slice(&value[..width]);
            assert!(
                matches!(read_matrices("m", &damaged), Err(ZkError::Malformed { .. })),
                "edit at {at} accepted"
            );
        }
        // A column beyond the variable count.
        let mut damaged = bytes.clone();
        damaged[rows + 4..rows + 8].copy_from_slice(&5u32.to_le_bytes());
        assert!(matches!(
            read_matrices("m", &damaged),
            Err(ZkError::Malformed { .. })
        ));
        // A coefficient that is not canonical (the modulus itself).
        let mut damaged = bytes.clone();
        damaged[table..table + 32].copy_from_slice(&Fr::MODULUS.to_bytes_le());
        assert!(matches!(
            read_matrices("m", &damaged),
            Err(ZkError::Malformed { .. })
        ));
    }

    #[test]
    fn matrices_must_fit_their_key() {
        // small_key has 2 instance variables and 299 query points: not these matrices.
        assert!(matches!(
            ProverKey::with_matrices("k", small_key(), small_matrices()),
            Err(ZkError::Malformed { .. })
        ));
        let header = b"HEAD".to_vec();
        let bytes = write_hashed_with_matrices(header.clone(), &small_key(), &small_matrices());
        assert!(matches!(
            read_hashed_with_matrices("k", &header, &bytes[header.len()..]),
            Err(ZkError::Malformed { .. })
        ));
    }

    /// A point on the twist curve outside the r-order subgroup.
    fn g2_outside_subgroup() -> G2Affine {
        use ark_bn254::Fq2;
        use ark_ec::short_weierstrass::SWCurveConfig;
        use ark_ff::{Field, One};
        let b = ark_bn254::g2::Config::COEFF_B;
        let mut x = Fq2::one();
        loop {
            if let Some(y) = (x * x * x + b).sqrt() {
                let candidate = G2Affine::new_unchecked(x, y);
                if !candidate.is_in_correct_subgroup_assuming_on_curve() {
                    return candidate;
                }
            }
            x += Fq2::one();
        }
    }

    #[test]
    fn compact_form_checks_every_point() {
        let mut key = small_key();
        let mut bytes = Vec::new();
        write_compact(&mut bytes, &key);
        assert_eq!(read_compact("k", &bytes).unwrap().0, key);
        // A G2 point on the twist but outside the subgroup, deep in b_g2_query.
        key.b_g2_query[17] = g2_outside_subgroup();
        assert!(matches!(validate(&key), Err(ZkError::NotInSubgroup { .. })));
        let mut bytes = Vec::new();
        write_compact(&mut bytes, &key);
        assert!(matches!(
            read_compact("k", &bytes),
            Err(ZkError::NotInSubgroup { .. })
        ));
    }
}
