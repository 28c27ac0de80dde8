//! Salesforce record ids (15/18 characters with the case-insensitivity suffix) and random tokens.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// Characters of a base-62 id counter, in ASCII order so that ids sort like their counters.
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Alphabet of the 3-character checksum suffix.
const SUFFIX: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
/// The instance ("pod") part of every id this org issues.
pub(crate) const POD: &str = "Hx";

/// The 15-character, case-sensitive form of the id of counter `counter` under `prefix`.
pub(crate) fn id15(prefix: &str, counter: u64) -> [u8; 15] {
    let mut out = [b'0'; 15];
    out[..3].copy_from_slice(&prefix.as_bytes()[..3]);
    out[3..5].copy_from_slice(POD.as_bytes());
    // out[5] is the reserved '0'
    let mut n = counter;
    for slot in out[6..].iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out
}

/// The case-insensitivity suffix of a 15-character id.
pub(crate) fn checksum(id: &[u8; 15]) -> [u8; 3] {
    let mut out = [0u8; 3];
    for (chunk, slot) in id.chunks(5).zip(out.iter_mut()) {
        let mut bits = 0usize;
        for (i, c) in chunk.iter().enumerate() {
            if c.is_ascii_uppercase() {
                bits |= 1 << i;
            }
        }
        *slot = SUFFIX[bits];
    }
    out
}

/// The 18-character id of counter `counter` under `prefix`.
pub(crate) fn id18(prefix: &str, counter: u64) -> String {
    let base = id15(prefix, counter);
    let sum = checksum(&base);
    let mut s = String::with_capacity(18);
    s.extend(base.iter().map(|&b| b as char));
    s.extend(sum.iter().map(|&b| b as char));
    s
}

/// Normalizes a 15- or 18-character id to its case-sensitive 15-character form.
///
/// Returns `None` when the text is not shaped like an id: wrong length, a character that is not
/// alphanumeric, or an 18-character id whose suffix does not fit its first 15 characters.
/// As on Salesforce, an 18-character id is case-insensitive: its suffix restores the case.
pub(crate) fn normalize(text: &str) -> Option<[u8; 15]> {
    let bytes = text.as_bytes();
    if !(bytes.len() == 15 || bytes.len() == 18) || !bytes.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    let mut id = [0u8; 15];
    id.copy_from_slice(&bytes[..15]);
    if bytes.len() == 18 {
        for (chunk_no, suffix_char) in bytes[15..].iter().enumerate() {
            let bits = SUFFIX
                .iter()
                .position(|s| s.eq_ignore_ascii_case(suffix_char))?;
            for i in 0..5 {
                let c = &mut id[chunk_no * 5 + i];
                if bits & (1 << i) != 0 {
                    if !c.is_ascii_alphabetic() {
                        return None;
                    }
                    c.make_ascii_uppercase();
                } else {
                    c.make_ascii_lowercase();
                }
            }
        }
    }
    Some(id)
}

/// The counter of a normalized id issued by this org under `prefix`, if it is one.
pub(crate) fn counter_of(id: &[u8; 15], prefix: &str) -> Option<u64> {
    if &id[..3] != prefix.as_bytes() || &id[3..5] != POD.as_bytes() || id[5] != b'0' {
        return None;
    }
    let mut n: u64 = 0;
    for c in &id[6..] {
        let digit = BASE62.iter().position(|b| b == c)? as u64;
        n = n * 62 + digit;
    }
    Some(n)
}

/// Random-looking strings: a per-process random hasher applied to a counter.
pub(crate) struct Rng {
    state: RandomState,
    counter: AtomicU64,
}

impl Rng {
    /// A new generator with fresh random keys.
    pub(crate) fn new() -> Rng {
        Rng {
            state: RandomState::new(),
            counter: AtomicU64::new(1),
        }
    }

    /// The next pseudo-random 64-bit value.
    pub(crate) fn next_u64(&self) -> u64 {
        let mut h = self.state.build_hasher();
        h.write_u64(self.counter.fetch_add(1, Ordering::Relaxed));
        h.finish()
    }

    /// `len` random characters of `[A-Za-z0-9._]`.
    pub(crate) fn token_chars(&self, len: usize) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";
        self.chars_from(ALPHABET, len)
    }

    fn chars_from(&self, alphabet: &[u8], len: usize) -> String {
        let mut out = String::with_capacity(len);
        let mut bits = 0u64;
        for i in 0..len {
            if i % 8 == 0 {
                bits = self.next_u64();
            }
            out.push(alphabet[(bits & 0xff) as usize % alphabet.len()] as char);
            bits >>= 8;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_matches_known_salesforce_id() {
        // A real, published example: 001D000000IqhSL -> 001D000000IqhSLIAZ
        let id: [u8; 15] = *b"001D000000IqhSL";
        assert_eq!(&checksum(&id), b"IAZ");
    }

    #[test]
    fn normalize_restores_case_from_suffix() {
        let id = id18("001", 123_456);
        let lower = id.to_ascii_lowercase();
        let n = normalize(&lower).expect("valid id");
        assert_eq!(&n[..], &id.as_bytes()[..15]);
        assert_eq!(counter_of(&n, "001"), Some(123_456));
        assert_eq!(counter_of(&n, "003"), None);
        assert!(normalize("001Hx00000abcdeXXX!").is_none());
        assert!(normalize("abc").is_none());
    }

    #[test]
    fn ids_sort_like_counters() {
        let a = id18("006", 61);
        let b = id18("006", 62);
        assert!(a < b, "{a} < {b}");
    }
}
