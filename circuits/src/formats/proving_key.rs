//! The two binary bodies of a Groth16 proving key, and a parser of arkworks' canonical
//! proving-key layout that is safe on hostile input and runs point decoding in parallel.
//!
//! * **Compact** (format version 1): `ark_groth16::ProvingKey` serialized compressed.
//!   Loading decompresses every point (a square root each) and checks it is on its curve
//!   and in its subgroup (G2 with the fast test of [`crate::curve`]). Use it for keys
//!   that travel between parties.
//! * **Hashed** (format version 2, what `setup` writes): the same key serialized
//!   uncompressed, preceded by its length and a SHA-256 over a domain tag, the file's
//!   header and the body. Loading checks the digest and then reads the points as they are:
//!   no square roots, no subgroup checks. A key of 16,384 constraints loads in 30 ms
//!   instead of 3.2 s (docs/benchmarks.md, "Whole-process proving and proving-key
//!   loading").
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
//! Both parsers refuse a length field that promises more points than the bytes left can
//! hold before allocating anything, so a hostile length cannot exhaust memory.

use ark_bn254::{Bn254, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_serialize::{CanonicalSerialize, Compress, Validate};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::points::{checked_g1, checked_g2};
use crate::domain::PROVING_KEY_DIGEST;
use crate::ZkError;

/// An arkworks Groth16 proving key on BN254.
pub type ArkProvingKey = ark_groth16::ProvingKey<Bn254>;

/// Bytes of the length and digest fields between a hashed key's header and its body.
pub const HASHED_PREFIX_LEN: usize = 8 + 32;

/// Below this many points a section is decoded on the calling thread (rayon's hand-off
/// costs more than it saves).
const PARALLEL_FROM: usize = 256;

/// The SHA-256 that a hashed key records: domain tag, the file's header, the body.
fn digest(header: &[u8], body: &[u8]) -> [u8; 32] {
    Sha256::new()
        .chain_update(PROVING_KEY_DIGEST)
        .chain_update(header)
        .chain_update(body)
        .finalize()
        .into()
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
    header.extend_from_slice(&(size as u64).to_le_bytes());
    header.extend_from_slice(&[0u8; 32]);
    key.serialize_uncompressed(&mut header)
        .expect("serializing into a Vec cannot fail");
    let (head, body) = header.split_at_mut(start + HASHED_PREFIX_LEN);
    let recorded = digest(&head[..start], body);
    head[start + 8..].copy_from_slice(&recorded);
    header
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
    if digest(header, body) != *recorded {
        return Err(ZkError::DigestMismatch { what });
    }
    let (key, rest) = parse(what, body, Compress::No)?;
    finish(what, rest)?;
    Ok(key)
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
