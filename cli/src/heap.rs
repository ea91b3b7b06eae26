//! Process-wide allocator tuning: keep freed heap memory mapped.
//!
//! glibc's malloc serves blocks at or above its mmap threshold (128 KiB at start-up) with
//! fresh `mmap`s and trims the heap top above twice that, so code that allocates and
//! frees MiB-sized buffers round after round (the MPC engine's per-round vectors)
//! touches freshly zeroed pages again and again: 261,000 page faults for one `stats`
//! job over 3 × 10,000 values on the 2-core VM (docs/benchmarks.md).
//! Freeing a block that malloc had mmapped raises both thresholds to that block's size
//! (mallopt(3), "M_MMAP_THRESHOLD … dynamic"), up to 32 MiB on 64-bit systems, so one
//! such block freed at start-up keeps the working set in a heap that stays mapped. No
//! page of it is touched (calloc of a fresh mapping does not write), and other
//! allocators simply free it.

/// Just under glibc's 32 MiB ceiling for the dynamic mmap threshold.
const PRIMING_BYTES: usize = 31 << 20;

/// Allocates and frees one [`PRIMING_BYTES`] block (see the module docs).
pub fn keep_freed_memory_mapped() {
    drop(std::hint::black_box(vec![0u8; PRIMING_BYTES]));
}
