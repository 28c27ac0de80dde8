//! Putting user input into SOQL safely.
//!
//! Never paste a value into a query as it is: a quote in it would end the string literal and
//! the rest would become SOQL. Quote it:
//!
//! ```
//! use sfrest::soql;
//! let input = "O'Brien\\"; // a quote and a backslash
//! let q = format!("SELECT Id FROM Contact WHERE LastName = {}", soql::quote(input));
//! assert_eq!(q, r"SELECT Id FROM Contact WHERE LastName = 'O\'Brien\\'");
//!
//! // In LIKE patterns, % and _ are wildcards: escape them too, then add your own.
//! let q = format!("SELECT Id FROM Account WHERE Name LIKE '{}%'", soql::escape_like("50%_off"));
//! assert_eq!(q, r"SELECT Id FROM Account WHERE Name LIKE '50\%\_off%'");
//! ```

/// `value` as a complete SOQL string literal, quotes included.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    push_escaped(&mut out, value, false);
    out.push('\'');
    out
}

/// `value` escaped for use inside a SOQL string literal (no quotes added).
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    push_escaped(&mut out, value, false);
    out
}

/// `value` escaped for use inside a `LIKE` pattern literal: like [`escape`], and `%` and `_`
/// match only themselves. Add your own wildcards around it.
pub fn escape_like(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    push_escaped(&mut out, value, true);
    out
}

/// `value` as a complete `LIKE` literal matching it exactly, quotes included.
pub fn quote_like(value: &str) -> String {
    format!("'{}'", escape_like(value))
}

fn push_escaped(out: &mut String, value: &str, like: bool) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '%' if like => out.push_str("\\%"),
            '_' if like => out.push_str("\\_"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads a SOQL string literal back the way Salesforce does; `None` if it is not exactly
    /// one well-formed literal.
    fn unquote(literal: &str, like: bool) -> Option<String> {
        let inner = literal.strip_prefix('\'')?.strip_suffix('\'')?;
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '\'' => return None, // an unescaped quote would end the literal early
                '\\' => out.push(match chars.next()? {
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    '"' => '"',
                    '\'' => '\'',
                    '\\' => '\\',
                    '%' if like => '%',
                    '_' if like => '_',
                    'u' => {
                        let hex: String = chars.by_ref().take(4).collect();
                        char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
                    }
                    _ => return None,
                }),
                '%' | '_' if like => return None, // a live wildcard
                c => out.push(c),
            }
        }
        Some(out)
    }

    const HOSTILE: &[&str] = &[
        "",
        "plain",
        "O'Brien",
        "' OR Name != '",
        "\\' OR Id != null OR Name = '\\",
        "back\\slash\\",
        "\\",
        "'",
        "''",
        "new\nline\r\ttab\u{8}bell\u{c}feed",
        "\"double\"",
        "null\u{0}byte\u{1b}esc",
        "100% _sure_",
        "é ü 日本 🚀",
        "') LIMIT 1 --",
    ];

    #[test]
    fn hostile_inputs_stay_one_literal_and_round_trip() {
        for input in HOSTILE {
            let q = quote(input);
            assert_eq!(
                unquote(&q, false).as_deref(),
                Some(*input),
                "quote({input:?}) = {q}"
            );
            let l = quote_like(input);
            assert_eq!(
                unquote(&l, true).as_deref(),
                Some(*input),
                "quote_like({input:?}) = {l}"
            );
        }
    }

    #[test]
    fn like_escapes_wildcards_only_in_like_form() {
        assert_eq!(escape("50%_"), "50%_");
        assert_eq!(escape_like("50%_"), "50\\%\\_");
        assert_eq!(quote("a'b"), "'a\\'b'");
    }
}
