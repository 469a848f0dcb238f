//! Fuzz bytes as two id columns through `data::pair_ids`, checked against a reference hash
//! join on the exact values: the pairing must equal it, or both must refuse.
//!
//! Byte 0 picks the candidate's kind of id, byte 1 the baseline's (signed, unsigned, text);
//! the rest is split at the first `0xFF` into the two columns, 8 bytes per integer id (so
//! `u64` ids at or above 2^63 and negative `i64` ids are common) or one short string per
//! byte pair for text.
#![no_main]

use std::collections::HashMap;

use modelgate::data::{Ids, PairError, pair_ids};

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Signed,
    Unsigned,
    Text,
}

fn kind(b: u8) -> Kind {
    match b % 3 {
        0 => Kind::Signed,
        1 => Kind::Unsigned,
        _ => Kind::Text,
    }
}

/// The column's values, as exact integers (text ids are numbered strings).
fn values(kind: Kind, bytes: &[u8]) -> Vec<i128> {
    match kind {
        Kind::Signed => bytes
            .chunks_exact(8)
            .map(|c| i128::from(i64::from_le_bytes(c.try_into().unwrap_or([0; 8]))))
            .collect(),
        Kind::Unsigned => bytes
            .chunks_exact(8)
            .map(|c| i128::from(u64::from_le_bytes(c.try_into().unwrap_or([0; 8]))))
            .collect(),
        Kind::Text => bytes
            .chunks_exact(2)
            .map(|c| i128::from(u16::from_le_bytes([c[0], c[1]])))
            .collect(),
    }
}

fn text(v: i128) -> String {
    format!("t{v}")
}

fn column<'a>(kind: Kind, values: &[i128], texts: &'a [String]) -> Ids<'a> {
    match kind {
        Kind::Signed => Ids::Signed(values.iter().map(|&v| v as i64).collect()),
        Kind::Unsigned => Ids::Unsigned(values.iter().map(|&v| v as u64).collect()),
        Kind::Text => Ids::Text(texts.iter().map(String::as_str).collect()),
    }
}

/// The reference: per candidate row the baseline row with the same value, when every
/// value is unique on each side and both sides hold the same set.
fn reference(c: &[i128], b: &[i128]) -> Option<Vec<u32>> {
    let mut index: HashMap<i128, u32> = HashMap::new();
    for (r, v) in b.iter().enumerate() {
        if index.insert(*v, r as u32).is_some() {
            return None;
        }
    }
    let mut seen: HashMap<i128, ()> = HashMap::new();
    for v in c {
        if seen.insert(*v, ()).is_some() {
            return None;
        }
    }
    if seen.len() != index.len() {
        return None;
    }
    c.iter().map(|v| index.get(v).copied()).collect()
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let [ck, bk, rest @ ..] = data else {
        return;
    };
    let (ck, bk) = (kind(*ck), kind(*bk));
    let (cb, bb) = match rest.iter().position(|&b| b == 0xFF) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, rest),
    };
    let (c, b) = (values(ck, cb), values(bk, bb));
    let (ct, bt): (Vec<String>, Vec<String>) =
        (c.iter().map(|&v| text(v)).collect(), b.iter().map(|&v| text(v)).collect());
    let got = pair_ids(&column(ck, &c, &ct), &column(bk, &b, &bt));
    if (ck == Kind::Text) != (bk == Kind::Text) {
        assert!(matches!(got, Err(PairError::Mixed { .. })), "{got:?}");
        return;
    }
    match (got, reference(&c, &b)) {
        (Ok(order), Some(want)) => assert_eq!(order, want),
        (Err(PairError::Duplicates { .. } | PairError::Unpaired { .. }), None) => {}
        (got, want) => panic!("pair_ids gave {got:?}, the reference {want:?}"),
    }
});
