//! Sorting and matching of point encodings (the join's tags and received sets) at a
//! million elements: every comparison first looks at the encodings' first eight bytes
//! as one big-endian word — the bytes' lexicographic order, decided in one instruction
//! for all but the rare pairs of pseudorandom encodings that share them — and lookups
//! are one sort and a merge instead of a binary search per element, whose every step
//! misses the cache at this size.

use std::cmp::Ordering;

use rayon::prelude::*;

use super::message::POINT_BYTES;
use super::Tag;

/// The first eight bytes of an encoding as a big-endian number (ordering by it agrees
/// with the bytes' lexicographic order).
fn prefix(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[..8]);
    u64::from_be_bytes(word)
}

/// The lexicographic order of two encodings, the prefix compared first.
pub(crate) fn tag_order(a: &[u8], b: &[u8]) -> Ordering {
    prefix(a).cmp(&prefix(b)).then_with(|| a.cmp(b))
}

/// The 32-byte units of `body`, and `(prefix, position)` for each, sorted.
fn units_by_prefix(body: &[u8]) -> (Vec<&[u8]>, Vec<(u64, usize)>) {
    let units: Vec<&[u8]> = body.chunks_exact(POINT_BYTES).collect();
    let mut keys: Vec<(u64, usize)> = units
        .par_iter()
        .enumerate()
        .map(|(at, unit)| (prefix(unit), at))
        .collect();
    keys.par_sort_unstable();
    (units, keys)
}

/// The positions (lowest first) of two equal 32-byte units of `body`, if any.
pub(crate) fn first_duplicate(body: &[u8]) -> Option<(usize, usize)> {
    let (units, keys) = units_by_prefix(body);
    // Equal units share a prefix: compare in full only within a run of equal prefixes.
    keys.chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() > 1)
        .find_map(|run| {
            run.iter().enumerate().find_map(|(i, &(_, a))| {
                run[i + 1..]
                    .iter()
                    .find(|&&(_, b)| units[a] == units[b])
                    .map(|&(_, b)| (a.min(b), a.max(b)))
            })
        })
}

/// For each of `tags`, its row in `rows` (sorted by [`tag_order`], distinct), if there.
pub(crate) fn positions_in(rows: &[Tag], tags: &[Tag]) -> Vec<Option<usize>> {
    let mut order: Vec<(Tag, usize)> = tags.iter().copied().zip(0..).collect();
    order.par_sort_unstable_by(|a, b| tag_order(&a.0, &b.0));
    let mut out = vec![None; tags.len()];
    let mut row = 0;
    for (tag, at) in &order {
        while row < rows.len() && tag_order(&rows[row], tag) == Ordering::Less {
            row += 1;
        }
        if rows.get(row) == Some(tag) {
            out[*at] = Some(row);
        }
    }
    out
}

/// For each 32-byte unit of `body`, the value paired with it in `table` (sorted by its
/// keys in [`tag_order`], keys distinct), if its key is there.
pub(crate) fn lookup_units(table: &[(Tag, Tag)], body: &[u8]) -> Vec<Option<Tag>> {
    let (units, order) = units_by_prefix(body);
    let mut out = vec![None; units.len()];
    let mut entry = 0;
    for &(key, at) in &order {
        while entry < table.len() && prefix(&table[entry].0) < key {
            entry += 1;
        }
        // Keys sharing the prefix: compare in full (rarely more than one).
        out[at] = table[entry..]
            .iter()
            .take_while(|(k, _)| prefix(k) == key)
            .find(|(k, _)| k.as_slice() == units[at])
            .map(|(_, value)| *value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tags with shared prefixes and bytes that differ only late, in random order.
    fn tags() -> Vec<Tag> {
        let mut out = Vec::new();
        for k in 0..300u32 {
            let mut t = [0u8; POINT_BYTES];
            t[..4].copy_from_slice(&(k % 7).to_be_bytes());
            t[28..].copy_from_slice(&(k.wrapping_mul(2_654_435_761)).to_be_bytes());
            out.push(t);
        }
        out
    }

    #[test]
    fn order_is_the_bytes_order() {
        let mut ours = tags();
        ours.sort_by(|a, b| tag_order(a, b));
        let mut plain = tags();
        plain.sort();
        assert_eq!(ours, plain);
    }

    #[test]
    fn duplicates_are_found_with_their_positions() {
        let units = tags();
        let mut body: Vec<u8> = units.concat();
        assert_eq!(first_duplicate(&body), None);
        body[200 * POINT_BYTES..201 * POINT_BYTES].copy_from_slice(&units[13]);
        assert_eq!(first_duplicate(&body), Some((13, 200)));
        assert_eq!(first_duplicate(&[]), None);
    }

    #[test]
    fn positions_and_lookups_agree_with_a_plain_search() {
        let mut rows = tags();
        rows.sort();
        let mut probes: Vec<Tag> = tags().into_iter().step_by(3).collect();
        probes.push([0xff; POINT_BYTES]);
        probes.push([0x00; POINT_BYTES]);
        let expected: Vec<Option<usize>> =
            probes.iter().map(|t| rows.binary_search(t).ok()).collect();
        assert_eq!(positions_in(&rows, &probes), expected);

        let mut table: Vec<(Tag, Tag)> = probes
            .iter()
            .map(|t| {
                let mut v = *t;
                v[31] ^= 1;
                (*t, v)
            })
            .collect();
        table.sort_by(|a, b| tag_order(&a.0, &b.0));
        let body = rows.concat();
        let found = lookup_units(&table, &body);
        for (row, value) in rows.iter().zip(&found) {
            let want = table.iter().find(|(k, _)| k == row).map(|(_, v)| *v);
            assert_eq!(*value, want);
        }
        assert!(found.iter().filter(|v| v.is_some()).count() >= 100);
    }
}
