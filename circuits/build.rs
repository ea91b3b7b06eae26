//! Turns circomlibjs' Poseidon constants (`src/poseidon/constants.json`, hex strings) into
//! a binary table of 32-byte little-endian integers, so start-up does not parse 11,000
//! hex strings out of 900 KB of JSON. `poseidon::params` tests the table against the
//! JSON, parsed independently.
//!
//! # Layout of `$OUT_DIR/poseidon_constants.bin`
//! For each width t = 2..=17 in turn: the round constants `C[t-2]` in order, then the MDS
//! matrix `M[t-2]` row by row; each value 32 bytes, little-endian. The JSON's shape (16
//! widths, t × t matrices) is checked here; the counts per width are checked by the tests.

use std::path::PathBuf;

const SOURCE: &str = "src/poseidon/constants.json";

fn main() {
    println!("cargo:rerun-if-changed={SOURCE}");
    println!("cargo:rerun-if-changed=build.rs");
    let text = std::fs::read_to_string(SOURCE).expect("src/poseidon/constants.json is readable");
    let (constants, rest) = section(&text, "\"C\"");
    let (matrices, _) = section(rest, "\"M\"");
    let constants = split_top_level(constants);
    let matrices = split_top_level(matrices);
    assert_eq!(
        constants.len(),
        16,
        "constants.json: 16 widths of round constants"
    );
    assert_eq!(matrices.len(), 16, "constants.json: 16 MDS matrices");
    let mut table = Vec::new();
    for (width, (round_constants, matrix)) in constants.iter().zip(&matrices).enumerate() {
        for value in hex_values(round_constants) {
            table.extend_from_slice(&value);
        }
        let rows = split_top_level(matrix);
        let t = width + 2;
        assert_eq!(rows.len(), t, "constants.json: M[{width}] has {t} rows");
        for row in rows {
            let values = hex_values(row);
            assert_eq!(
                values.len(),
                t,
                "constants.json: M[{width}] rows have {t} entries"
            );
            for value in values {
                table.extend_from_slice(&value);
            }
        }
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("poseidon_constants.bin"), table).expect("OUT_DIR is writable");
}

/// The text of the array that follows `key`, and the text after it.
fn section<'a>(text: &'a str, key: &str) -> (&'a str, &'a str) {
    let start = text.find(key).expect("constants.json has the key") + key.len();
    let open = start + text[start..].find('[').expect("an array follows the key");
    let mut depth = 0usize;
    for (offset, byte) in text[open..].bytes().enumerate() {
        match byte {
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    let end = open + offset + 1;
                    return (&text[open + 1..end - 1], &text[end..]);
                }
            }
            _ => {}
        }
    }
    panic!("constants.json: unbalanced brackets after {key}");
}

/// The elements of a list that are themselves arrays, as their inner text.
fn split_top_level(list: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (offset, byte) in list.bytes().enumerate() {
        match byte {
            b'[' => {
                if depth == 0 {
                    start = offset + 1;
                }
                depth += 1;
            }
            b']' => {
                depth -= 1;
                if depth == 0 {
                    items.push(&list[start..offset]);
                }
            }
            _ => {}
        }
    }
    items
}

/// The `"0x…"` strings of a flat list, as 32-byte little-endian integers.
fn hex_values(list: &str) -> Vec<[u8; 32]> {
    list.split(',')
        .map(|item| {
            let item = item.trim().trim_matches('"');
            let digits = item
                .strip_prefix("0x")
                .unwrap_or_else(|| panic!("constants.json: {item:?} is not 0x-prefixed hex"));
            assert!(
                !digits.is_empty() && digits.len() <= 64,
                "constants.json: {item:?} is not a 256-bit hex integer"
            );
            let mut value = [0u8; 32];
            for (index, byte) in digits.as_bytes().rchunks(2).enumerate() {
                let pair = std::str::from_utf8(byte).expect("ASCII hex");
                value[index] = u8::from_str_radix(pair, 16)
                    .unwrap_or_else(|_| panic!("constants.json: {item:?} is not hex"));
            }
            value
        })
        .collect()
}
