//! The PRF keystream read one AES block per field element, for the long element-aligned
//! reads of resharing ([`crate::prss::PairStreams`]).
//!
//! Block `c` of draw `d` is AES-256(key, d·2^64 + c) with the counter big-endian: the
//! same bytes as the PRSS keystream (`ctr::Ctr128BE<Aes256>`, checked against NIST SP
//! 800-38A there and against it here), without the stream cipher's byte-wise bookkeeping
//! (counter blocks are built and encrypted in place, a batch at a time). An element is
//! the block read little-endian with the top bit cleared, reduced mod `p`.

use aes::cipher::{BlockCipherEncrypt, KeyInit};
use zeroize::Zeroize;

use crate::field::{Fp, MODULUS};

/// Blocks encrypted per batch (4 KiB).
const BATCH: usize = 256;

/// One key's keystream, positioned at an element.
pub(crate) struct BlockStream {
    cipher: aes::Aes256,
    /// The counter block of the next element.
    counter: u128,
}

impl BlockStream {
    /// The keystream of `key` for draw `draw`, positioned at element `first`.
    pub(crate) fn new(key: &[u8; 32], draw: u64, first: u64) -> BlockStream {
        BlockStream {
            cipher: aes::Aes256::new(key.into()),
            counter: (u128::from(draw) << 64) + u128::from(first),
        }
    }

    /// Writes the next `bytes.len() / 16` keystream blocks into `bytes` (a whole number
    /// of blocks; a shorter tail is left as it is).
    pub(crate) fn write_blocks(&mut self, bytes: &mut [u8]) {
        let (blocks, _tail) = aes::Block::slice_as_chunks_mut(bytes);
        self.encrypt_next(blocks);
    }

    /// Overwrites `blocks` with the next keystream blocks: counter blocks encrypted in
    /// place.
    fn encrypt_next(&mut self, blocks: &mut [aes::Block]) {
        for block in blocks.iter_mut() {
            *block = self.counter.to_be_bytes().into();
            self.counter = self.counter.wrapping_add(1);
        }
        self.cipher.encrypt_blocks(blocks);
    }

    /// Fills `out` with the next elements, through `scratch` (at least one block; the
    /// caller wipes it when done with the stream — see [`Scratch`]).
    pub(crate) fn fill(&mut self, out: &mut [Fp], scratch: &mut Scratch) {
        for part in out.chunks_mut(BATCH) {
            let blocks = &mut scratch.blocks[..part.len()];
            self.encrypt_next(blocks);
            for (slot, block) in part.iter_mut().zip(blocks.iter()) {
                let bytes: [u8; 16] = (*block).into();
                *slot = Fp::new(u128::from_le_bytes(bytes) & MODULUS);
            }
        }
    }
}

/// Keystream blocks on their way to elements, wiped once on drop (wiping per fill costs
/// as much as the keystream).
pub(crate) struct Scratch {
    blocks: Vec<aes::Block>,
}

impl Scratch {
    pub(crate) fn new() -> Scratch {
        Scratch {
            blocks: vec![aes::Block::default(); BATCH],
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for block in &mut self.blocks {
            block.as_mut_slice().zeroize();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ctr::cipher::{KeyIvInit, StreamCipher, StreamCipherSeek};

    /// The elements and bytes equal those read from `ctr`'s AES-256-CTR keystream (the PRSS
    /// keystream, NIST-checked in `prss`) at the same draw and position, across batches.
    #[test]
    fn blocks_equal_the_ctr_keystream_at_any_draw_and_position() {
        let key = [0x5au8; 32];
        for (draw, first, len) in [
            (0u64, 0u64, 3usize),
            (5, 3, 2 * BATCH + 17),
            (7, 1000, BATCH),
        ] {
            let mut counter = [0u8; 16];
            counter[..8].copy_from_slice(&draw.to_be_bytes());
            let mut reference = ctr::Ctr128BE::<aes::Aes256>::new(&key.into(), &counter.into());
            reference.seek(first * 16);
            let mut bytes = vec![0u8; len * 16];
            reference.write_keystream(&mut bytes);
            let want: Vec<Fp> = bytes
                .chunks(16)
                .map(|b| Fp::new(u128::from_le_bytes(b.try_into().unwrap()) & MODULUS))
                .collect();
            let mut scratch = Scratch::new();
            let mut stream = BlockStream::new(&key, draw, first);
            // Two fills: the stream continues where the first stopped.
            let mut got = vec![Fp::ZERO; len];
            let (head, tail) = got.split_at_mut(len / 3);
            stream.fill(head, &mut scratch);
            stream.fill(tail, &mut scratch);
            assert_eq!(got, want, "draw {draw}, first {first}");
        }
        let mut reference = ctr::Ctr128BE::<aes::Aes256>::new(&key.into(), &[0u8; 16].into());
        let mut want = vec![0u8; 48];
        reference.write_keystream(&mut want);
        let mut got = vec![0u8; 48];
        let mut stream = BlockStream::new(&key, 0, 0);
        stream.write_blocks(&mut got[..32]);
        stream.write_blocks(&mut got[32..]);
        assert_eq!(got, want, "bytes");
        let mut a = vec![Fp::ZERO; 4];
        let mut b = vec![Fp::ZERO; 4];
        BlockStream::new(&key, 1, 0).fill(&mut a, &mut Scratch::new());
        BlockStream::new(&key, 2, 0).fill(&mut b, &mut Scratch::new());
        assert_ne!(a, b, "draws read different streams");
    }
}
