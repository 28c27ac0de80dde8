//! SOQL tokens.

use super::SoqlError;

/// A token kind.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    /// An identifier or dotted path (`Account.Name`); keywords are identifiers too.
    Ident(String),
    /// A quoted string, escapes not yet decoded (LIKE decodes `\%` and `\_` differently).
    Str(String),
    /// A number as written.
    Num(String),
    /// A date literal, days since the epoch.
    Date(i32),
    /// A datetime literal, epoch milliseconds.
    DateTime(i64),
    Comma,
    /// `:` (in `LAST_N_DAYS:7`).
    Colon,
    LParen,
    RParen,
    /// A comparison operator: `=`, `!=`, `<>`, `<`, `<=`, `>`, `>=`.
    Op(&'static str),
    Eof,
}

/// A token and the byte offset where it starts.
#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub tok: Tok,
    pub pos: usize,
}

impl Token {
    /// True when this is the keyword `kw` (case-insensitive).
    pub(crate) fn is_kw(&self, kw: &str) -> bool {
        matches!(&self.tok, Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }

    /// The MALFORMED_QUERY error for this token where it does not belong.
    pub(crate) fn unexpected(&self, src: &str) -> SoqlError {
        SoqlError::malformed(
            src,
            self.pos,
            format!("unexpected token: '{}'", self.describe()),
        )
    }

    /// How the token is named in "unexpected token" messages.
    pub(crate) fn describe(&self) -> String {
        match &self.tok {
            Tok::Ident(s) | Tok::Num(s) => s.clone(),
            Tok::Str(s) => format!("'{s}'"),
            Tok::Date(d) => crate::time::format_date(*d),
            Tok::DateTime(ms) => crate::time::format_datetime(*ms),
            Tok::Comma => ",".into(),
            Tok::Colon => ":".into(),
            Tok::LParen => "(".into(),
            Tok::RParen => ")".into(),
            Tok::Op(o) => (*o).into(),
            Tok::Eof => "<EOF>".into(),
        }
    }
}

/// Splits a SOQL statement into tokens.
pub(crate) fn tokenize(src: &str) -> Result<Vec<Token>, SoqlError> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let tok = match c {
            _ if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b',' => {
                i += 1;
                Tok::Comma
            }
            b':' => {
                i += 1;
                Tok::Colon
            }
            b'(' => {
                i += 1;
                Tok::LParen
            }
            b')' => {
                i += 1;
                Tok::RParen
            }
            b'=' => {
                i += 1;
                Tok::Op("=")
            }
            b'!' if b.get(i + 1) == Some(&b'=') => {
                i += 2;
                Tok::Op("!=")
            }
            b'<' | b'>' => {
                let two = b.get(i + 1).copied();
                let (op, n) = match (c, two) {
                    (b'<', Some(b'=')) => ("<=", 2),
                    (b'<', Some(b'>')) => ("!=", 2),
                    (b'>', Some(b'=')) => (">=", 2),
                    (b'<', _) => ("<", 1),
                    _ => (">", 1),
                };
                i += n;
                Tok::Op(op)
            }
            b'\'' => {
                i += 1;
                let content_start = i;
                loop {
                    match b.get(i) {
                        None => {
                            return Err(SoqlError::malformed(
                                src,
                                src.len(),
                                format!(
                                    "line 1:{} mismatched character '<EOF>' expecting '''",
                                    src.len()
                                ),
                            ))
                        }
                        Some(b'\\') => i += 2,
                        Some(b'\'') => break,
                        Some(_) => i += 1,
                    }
                }
                let raw = src.get(content_start..i).unwrap_or_default().to_owned();
                i += 1;
                Tok::Str(raw)
            }
            b'0'..=b'9' | b'-' | b'+' | b'.' => lex_number(src, &mut i)?,
            _ if c.is_ascii_alphabetic() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.')
                {
                    i += 1;
                }
                Tok::Ident(src[start..i].to_owned())
            }
            _ => {
                let ch = src[start..].chars().next().unwrap_or('?');
                return Err(SoqlError::malformed(
                    src,
                    start,
                    format!("line 1:{start} no viable alternative at character '{ch}'"),
                ));
            }
        };
        out.push(Token { tok, pos: start });
    }
    out.push(Token {
        tok: Tok::Eof,
        pos: src.len(),
    });
    Ok(out)
}

/// Lexes a number, date (`2024-01-31`) or datetime (`2024-01-31T10:00:00Z`) literal.
fn lex_number(src: &str, i: &mut usize) -> Result<Tok, SoqlError> {
    let b = src.as_bytes();
    let start = *i;
    // A date literal: exactly 4 digits then '-'.
    let is_date = b.len() >= start + 10
        && b[start..start + 4].iter().all(u8::is_ascii_digit)
        && b[start + 4] == b'-';
    if is_date {
        let mut end = start;
        while end < b.len()
            && (b[end].is_ascii_alphanumeric() || matches!(b[end], b'-' | b':' | b'.' | b'+'))
        {
            end += 1;
        }
        let text = &src[start..end];
        *i = end;
        if text.len() == 10 {
            if let Some(d) = crate::time::parse_date(text) {
                return Ok(Tok::Date(d));
            }
        } else if let Some(ms) = crate::time::parse_datetime(text) {
            if text[19..].contains(['Z', 'z', '+', '-']) {
                return Ok(Tok::DateTime(ms));
            }
        }
        return Err(SoqlError::malformed(
            src,
            start,
            format!(
                "line 1:{start} no viable alternative at character '{}'",
                &text[..1]
            ),
        ));
    }
    let mut end = start;
    if matches!(b[end], b'-' | b'+') {
        end += 1;
    }
    let digits_start = end;
    while end < b.len() && (b[end].is_ascii_digit() || b[end] == b'.') {
        end += 1;
    }
    let text = &src[digits_start..end];
    let dots = text.matches('.').count();
    if text.is_empty() || text == "." || dots > 1 {
        let ch = src[start..].chars().next().unwrap_or('?');
        return Err(SoqlError::malformed(
            src,
            start,
            format!("line 1:{start} no viable alternative at character '{ch}'"),
        ));
    }
    *i = end;
    Ok(Tok::Num(src[start..end].to_owned()))
}

/// Decodes the escapes of a string literal. `like` keeps `\%` and `\_` as escaped wildcards,
/// returned as `(char, escaped)` pairs.
pub(crate) fn decode_string(raw: &str, like: bool) -> Result<Vec<(char, bool)>, String> {
    let mut out = Vec::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push((c, false));
            continue;
        }
        let e = chars.next().unwrap_or('\\');
        let decoded = match e {
            '\'' | '"' | '\\' => e,
            // The escape table: "\n or \N", "\r or \R", and so on.
            'n' | 'N' => '\n',
            'r' | 'R' => '\r',
            't' | 'T' => '\t',
            'b' | 'B' => '\u{8}',
            'f' | 'F' => '\u{c}',
            'u' => {
                let hex: String = chars.by_ref().take(4).collect();
                let code = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                match code {
                    Some(ch) if hex.len() == 4 => ch,
                    _ => return Err(format!("Invalid string literal '{raw}'. Illegal character sequence '\\u{hex}' in string literal.")),
                }
            }
            '%' | '_' if like => {
                out.push((e, true));
                continue;
            }
            // `\%` and `\_` are for LIKE only; elsewhere, as any other backslash, an error.
            _ => {
                return Err(format!(
                    "Invalid string literal '{raw}'. Illegal character sequence '\\{e}' in string literal."
                ))
            }
        };
        out.push((decoded, true));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_of_a_query() {
        let t = tokenize("SELECT Id, Account.Name FROM Contact WHERE CreatedDate > 2024-01-31T00:00:00Z AND Amount >= -5.5 AND Name != 'O\\'Brien'").unwrap();
        let kinds: Vec<Tok> = t.into_iter().map(|t| t.tok).collect();
        assert!(kinds.contains(&Tok::Ident("Account.Name".into())));
        assert!(kinds.contains(&Tok::Num("-5.5".into())));
        assert!(kinds.contains(&Tok::Op("!=")));
        assert!(kinds.contains(&Tok::Str("O\\'Brien".into())));
        assert!(kinds.iter().any(|k| matches!(k, Tok::DateTime(_))));
    }

    #[test]
    fn string_escapes() {
        let s: String = decode_string(r"a\'b\\c\n", false)
            .unwrap()
            .into_iter()
            .map(|p| p.0)
            .collect();
        assert_eq!(s, "a'b\\c\n");
        let like = decode_string(r"50\%%", true).unwrap();
        assert_eq!(
            like,
            vec![('5', false), ('0', false), ('%', true), ('%', false)]
        );
        assert!(decode_string(r"bad\q", false).is_err());
        // Upper-case letters too; `\%` and `\_` only in LIKE.
        let s: String = decode_string(r"A\NB\T", false)
            .unwrap()
            .into_iter()
            .map(|p| p.0)
            .collect();
        assert_eq!(s, "A\nB\t");
        assert!(decode_string(r"a\%", false).is_err());
        assert!(decode_string(r"a\_", false).is_err());
    }
}
