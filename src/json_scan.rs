//! Finding where JSON values end without building them: how a query page is cut into records
//! in one quick pass. The scan checks structure only (brackets, strings); each record is fully
//! checked when it is parsed.

/// Where the first `"`, `\` or control byte (below 0x20) of `b[from..]` is, eight bytes at a
/// time; `b.len()` when there is none.
pub(crate) fn find_special(b: &[u8], from: usize) -> usize {
    let mut j = from;
    while let Some(chunk) = b.get(j..j + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let mask = special_mask(u64::from_le_bytes(word));
        if mask != 0 {
            return j + (mask.trailing_zeros() / 8) as usize;
        }
        j += 8;
    }
    while let Some(&c) = b.get(j) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            return j;
        }
        j += 1;
    }
    j
}

/// A mask whose lowest set bit is in the first byte of `w` (little-endian) that is `"`, `\`
/// or below 0x20, and zero when there is none. Bits above the lowest may be spurious (a
/// borrow carries into the next byte), so only the lowest is used. One test finds `"` and the
/// control bytes together: XOR with 2 makes `"` 0x20 and keeps the control bytes below 0x20.
fn special_mask(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = |v: u64, n: u8| v.wrapping_sub(ONES * u64::from(n)) & !v & HIGH;
    below(w ^ (ONES * 2), 0x21) | below(w ^ (ONES * u64::from(b'\\')), 1)
}

/// The index just past the string whose opening quote is at `i`; `None` when it never ends.
#[inline]
pub(crate) fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    loop {
        j = find_special(b, j);
        match *b.get(j)? {
            b'"' => return Some(j + 1),
            b'\\' => j += 2,
            // A control byte: invalid in a string, which the parse of the value reports.
            _ => j += 1,
        }
    }
}

/// The index just past the JSON value starting at `i` (no blank before it); `None` when the
/// text ends first or nothing value-like is there. Brackets are counted, not matched: `[}` is
/// cut as one value, which its parse then refuses.
pub(crate) fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => {
            // Depth only: whether the brackets are of the right kind is for the parse.
            let mut depth = 1usize;
            let mut j = i + 1;
            loop {
                match *b.get(j)? {
                    b'"' => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let len = b[i..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'.'))
                .count();
            (len > 0).then_some(i + len)
        }
    }
}

/// The index of the first non-blank byte at or after `i`.
pub(crate) fn skip_blank(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\t' | b'\r') = b.get(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_special_byte_is_found_wherever_it_is() {
        for special in (0u8..0x20).chain([b'"', b'\\']) {
            for len in 0..40 {
                for at in 0..len {
                    let mut text = vec![b'a'; len];
                    text[at] = special;
                    // A later special byte must not hide the first one.
                    if at + 1 < len {
                        text[len - 1] = b'"';
                    }
                    assert_eq!(find_special(&text, 0), at, "{special} at {at} of {len}");
                }
                assert_eq!(find_special(&vec![b'a'; len], 0), len);
            }
        }
        let plain: Vec<u8> = (0x20u8..=0xff)
            .filter(|c| *c != b'"' && *c != b'\\')
            .collect();
        assert_eq!(find_special(&plain, 0), plain.len());
        assert_eq!(find_special("aé\"".as_bytes(), 0), 3);
    }

    #[test]
    fn values_end_where_json_says() {
        let cases: &[(&str, Option<usize>)] = &[
            (r#""abc" ,"#, Some(5)),
            (r#""a\"b\\" x"#, Some(8)),
            (r#"{"a":[1,{"b":"]}"}]} ,"#, Some(20)),
            ("[[],{}]]", Some(7)),
            ("true,", Some(4)),
            ("-1.5e+3]", Some(7)),
            ("{\"a\":1", None),
            ("[}", Some(2)),
            ("{]", Some(2)),
            ("\"open", None),
            (",", None),
            ("", None),
        ];
        for (text, end) in cases {
            assert_eq!(value_end(text.as_bytes(), 0), *end, "{text}");
        }
    }
}
