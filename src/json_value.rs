//! One record's JSON text made into a `serde_json::Value`, without serde's visitor machinery on
//! the common path. Query records are plain JSON: objects, unescaped strings, short numbers. This
//! parser builds those directly and hands anything else (an escape, an exponent, a long number,
//! deep nesting, invalid JSON) to `serde_json::from_str`, which then decides, so the result, and
//! any error, is always exactly serde_json's. The differential tests below hold it to that.

use serde_json::{Map, Value};

use crate::json_scan::{find_special, string_end};

/// Deeper than this is left to serde_json (which has its own recursion limit).
const MAX_DEPTH: u32 = 64;

/// Powers of ten exact in an `f64` (10^0 to 10^15 are all this parser needs).
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// Parses `text` as serde_json would.
pub(crate) fn parse(text: &str) -> serde_json::Result<Value> {
    let mut p = Parser {
        text,
        b: text.as_bytes(),
        i: 0,
        numbers: plain_numbers(),
    };
    match p.value(0) {
        Some(v) if p.at_end() => Ok(v),
        _ => serde_json::from_str(text),
    }
}

/// Whether a number made here equals the one serde_json parses. Not when a crate of the user's
/// program turns on serde_json's `arbitrary_precision`, which keeps a number's digits as sent
/// (`1.50` stays `1.50`): then numbers go to serde_json.
fn plain_numbers() -> bool {
    use std::sync::atomic::{AtomicU8, Ordering};
    static PLAIN: AtomicU8 = AtomicU8::new(0);
    match PLAIN.load(Ordering::Relaxed) {
        1 => true,
        2 => false,
        _ => {
            let plain = serde_json::from_str::<Value>("1.50")
                .ok()
                .and_then(|v| serde_json::to_string(&v).ok())
                .is_some_and(|text| text == "1.5");
            PLAIN.store(if plain { 1 } else { 2 }, Ordering::Relaxed);
            plain
        }
    }
}

struct Parser<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
    numbers: bool,
}

impl Parser<'_> {
    /// The byte at the cursor; 0 at the end (a NUL byte is never valid there either).
    #[inline(always)]
    fn at(&self) -> u8 {
        self.b.get(self.i).copied().unwrap_or(0)
    }

    /// Skips blanks; the byte then at the cursor.
    #[inline(always)]
    fn skip_ws(&mut self) -> u8 {
        let mut c = self.at();
        if c > b' ' {
            return c;
        }
        while matches!(c, b' ' | b'\n' | b'\t' | b'\r') {
            self.i += 1;
            c = self.at();
        }
        c
    }

    fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.i == self.b.len()
    }

    fn value(&mut self, depth: u32) -> Option<Value> {
        match self.skip_ws() {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => self.string().map(Value::String),
            b't' => self.literal("true", Value::Bool(true)),
            b'f' => self.literal("false", Value::Bool(false)),
            b'n' => self.literal("null", Value::Null),
            b'-' | b'0'..=b'9' if self.numbers => self.number(),
            _ => None,
        }
    }

    /// A member's or an item's value: strings and numbers here, the rest by `value`.
    #[inline(always)]
    fn item(&mut self, depth: u32) -> Option<Value> {
        match self.skip_ws() {
            b'"' => self.string().map(Value::String),
            b'-' | b'0'..=b'9' if self.numbers => self.number(),
            _ => self.value(depth),
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Option<Value> {
        let end = self.i + word.len();
        (self.b.get(self.i..end)? == word.as_bytes()).then(|| {
            self.i = end;
            v
        })
    }

    fn object(&mut self, depth: u32) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.i += 1;
        let mut map = Map::new();
        let mut c = self.skip_ws();
        if c == b'}' {
            self.i += 1;
            return Some(Value::Object(map));
        }
        loop {
            if c != b'"' {
                return None;
            }
            let key = self.string()?;
            if self.skip_ws() != b':' {
                return None;
            }
            self.i += 1;
            let v = self.item(depth)?;
            map.insert(key, v);
            match self.skip_ws() {
                b',' => {
                    self.i += 1;
                    c = self.skip_ws();
                }
                b'}' => {
                    self.i += 1;
                    return Some(Value::Object(map));
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, depth: u32) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.i += 1;
        let mut items = Vec::new();
        if self.skip_ws() == b']' {
            self.i += 1;
            return Some(Value::Array(items));
        }
        loop {
            items.push(self.item(depth)?);
            match self.skip_ws() {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(Value::Array(items));
                }
                _ => return None,
            }
        }
    }

    /// A string starting at the opening quote.
    #[inline(always)]
    fn string(&mut self) -> Option<String> {
        let start = self.i + 1;
        let j = find_special(self.b, start);
        if self.b.get(j) == Some(&b'"') {
            self.i = j + 1;
            // Both ends are ASCII quotes, so the slice is on character boundaries.
            return Some(self.text[start..j].to_owned());
        }
        self.escaped_string(j)
    }

    /// A string whose first special byte (at `j`) is not its closing quote: escaped strings
    /// are decoded by serde_json; a control byte or the end of the text is left to it.
    #[cold]
    #[inline(never)]
    fn escaped_string(&mut self, j: usize) -> Option<String> {
        if self.b.get(j) != Some(&b'\\') {
            return None;
        }
        let end = string_end(self.b, self.i)?;
        let decoded = serde_json::from_str(self.text.get(self.i..end)?).ok();
        self.i = end;
        decoded
    }

    /// Integers of up to 18 digits and decimals of up to 15 significant digits without an
    /// exponent: made exactly as serde_json makes them (an integer, or the digits as an `f64`
    /// divided by an exact power of ten, which rounds correctly). Others go to serde_json.
    fn number(&mut self) -> Option<Value> {
        let negative = self.at() == b'-';
        if negative {
            self.i += 1;
        }
        let first = self.i;
        let mut digits: u64 = 0;
        while let c @ b'0'..=b'9' = self.at() {
            digits = digits * 10 + u64::from(c - b'0');
            self.i += 1;
            if self.i - first > 18 {
                return None;
            }
        }
        let int_len = self.i - first;
        if int_len == 0 || (int_len > 1 && self.b[first] == b'0') {
            return None;
        }
        let mut frac_len = 0;
        if self.at() == b'.' {
            self.i += 1;
            while let c @ b'0'..=b'9' = self.at() {
                digits = digits * 10 + u64::from(c - b'0');
                self.i += 1;
                frac_len += 1;
                if int_len + frac_len > 15 {
                    return None;
                }
            }
            if frac_len == 0 {
                return None;
            }
        }
        if let b'e' | b'E' = self.at() {
            return None;
        }
        if frac_len == 0 {
            return match (negative, digits) {
                (false, n) => Some(Value::from(n)),
                // serde_json makes `-0` a float; leave it to serde_json.
                (true, 0) => None,
                (true, n) => Some(Value::from(-i64::try_from(n).ok()?)),
            };
        }
        let f = digits as f64 / POW10[frac_len];
        Some(Value::from(if negative { -f } else { f }))
    }
}

#[cfg(test)]
mod tests {
    fn same_as_serde(text: &str) {
        if let Some(diff) = crate::fuzzing::record_disagreement(text) {
            panic!("{text}: {diff}");
        }
    }

    #[test]
    fn records_parse_as_serde_json_parses_them() {
        for text in [
            r#"{"attributes":{"type":"Account","url":"/services/data/v66.0/sobjects/Account/001A"},"Id":"001A","Name":"Zoë & Co","AnnualRevenue":1007.0,"NumberOfEmployees":42,"IsDeleted":false,"Parent":null,"Tags":["a","b"],"Nested":{"X":[{"Y":[]},{}]}}"#,
            " { \"a\" : [ 1 , -2 , 3.25 , -0.5 , 0 , 0.0 , -0.0 ] , \"b\" : { } } ",
            r#"{"a":1,"a":2}"#,
            r#"{"esc":"line\nbreak \"quoted\" \u00e9 \ud83d\ude00","tab":"a\tb","slash":"a\/b"}"#,
            r#"[1e5, 1E-3, 2.5e+10, 123456789012345678, 1234567890123456789, 18446744073709551615, 18446744073709551616, -9223372036854775808, -9223372036854775809]"#,
            "[0.1, 0.3, 1.7976931348623157, 123456789.012345, 9007199254740993, 99999999999999.9]",
            r#""just a string""#,
            "true",
            "null",
            "-12",
        ] {
            same_as_serde(text);
        }
    }

    #[test]
    fn invalid_json_fails_as_serde_json_fails() {
        for text in [
            "",
            " ",
            "{",
            "}",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":1,}",
            "[1,]",
            "[01]",
            "[1.]",
            "[.5]",
            "[-]",
            "[1x]",
            "{\"a\":tru}",
            "{\"a\":nul}",
            "{\"a\":1}x",
            "{\"a\":1} {}",
            "{a:1}",
            "\"unterminated",
            "\"bad \\q escape\"",
            "\"control \u{1} byte\"",
            "[\"a\"\"b\"]",
            "{\"a\" 1}",
            "[1 2]",
            "+1",
            "[--1]",
            "[1.5.5]",
            "{\"a\":[}",
        ] {
            same_as_serde(text);
        }
    }

    #[test]
    fn deep_nesting_is_left_to_serde_json() {
        for depth in [63, 64, 65, 127, 128, 129, 200] {
            let text = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
            same_as_serde(&text);
            let text = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
            same_as_serde(&text);
        }
    }
}
