//! RFC 4180 CSV as Bulk API 2.0 reads and writes it: quoted fields with doubled quotes,
//! delimiters and newlines inside quotes, LF or CRLF record ends.

/// Why a CSV upload cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CsvError(pub String);

/// Reads records one at a time from a byte offset, without copying the data.
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    delim: u8,
    /// Whether the last record read ended with CRLF (rather than LF or the end of data).
    pub last_crlf: bool,
    /// Whether the last record read ended with a line break at all.
    pub last_terminated: bool,
}

impl<'a> Reader<'a> {
    /// A reader over `data` starting at byte `pos`.
    pub(crate) fn new(data: &'a [u8], pos: usize, delim: u8) -> Reader<'a> {
        Reader {
            data,
            pos,
            delim,
            last_crlf: false,
            last_terminated: false,
        }
    }

    /// The offset of the next record.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Skips empty lines; true when a record follows.
    fn skip_blank_lines(&mut self) -> bool {
        loop {
            match self.data.get(self.pos..) {
                Some([b'\n', ..]) => self.pos += 1,
                Some([b'\r', b'\n', ..]) => self.pos += 2,
                Some([]) | None => return false,
                Some(_) => return true,
            }
        }
    }

    /// The offset where the next record starts (after blank lines), or `None` at the end.
    pub(crate) fn next_start(&mut self) -> Option<usize> {
        self.skip_blank_lines().then_some(self.pos)
    }

    /// Reads the next record into `out` (cleared first); false at the end of the data.
    pub(crate) fn record(&mut self, out: &mut Vec<String>) -> Result<bool, CsvError> {
        out.clear();
        if !self.skip_blank_lines() {
            return Ok(false);
        }
        let d = self.data;
        let mut i = self.pos;
        loop {
            // One field starting at i.
            let mut field: Vec<u8> = Vec::new();
            if d.get(i) == Some(&b'"') {
                i += 1;
                loop {
                    match d.get(i) {
                        None => {
                            return Err(CsvError(
                                "ClientInputError : Failed to parse CSV. Unterminated quoted field: a value that starts with a quote must end with a quote".into(),
                            ))
                        }
                        Some(b'"') if d.get(i + 1) == Some(&b'"') => {
                            field.push(b'"');
                            i += 2;
                        }
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(&c) => {
                            field.push(c);
                            i += 1;
                        }
                    }
                }
                match d.get(i) {
                    None | Some(b'\n') => {}
                    Some(b'\r') if d.get(i + 1) == Some(&b'\n') => {}
                    Some(&c) if c == self.delim => {}
                    Some(_) => return Err(unescaped_quote()),
                }
            } else {
                let start = i;
                while let Some(&c) = d.get(i) {
                    if c == self.delim || c == b'\n' || (c == b'\r' && d.get(i + 1) == Some(&b'\n'))
                    {
                        break;
                    }
                    if c == b'"' {
                        return Err(unescaped_quote());
                    }
                    i += 1;
                }
                field.extend_from_slice(&d[start..i]);
            }
            out.push(
                String::from_utf8(field)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            );
            match d.get(i) {
                Some(&c) if c == self.delim => i += 1,
                Some(b'\n') => {
                    self.last_crlf = false;
                    self.last_terminated = true;
                    self.pos = i + 1;
                    return Ok(true);
                }
                Some(b'\r') => {
                    self.last_crlf = true;
                    self.last_terminated = true;
                    self.pos = i + 2;
                    return Ok(true);
                }
                _ => {
                    self.last_crlf = false;
                    self.last_terminated = false;
                    self.pos = i;
                    return Ok(true);
                }
            }
        }
    }
}

fn unescaped_quote() -> CsvError {
    CsvError("ClientInputError : Failed to parse CSV. Found unescaped quote. A value with quote should be within a quote".into())
}

/// Appends `s` in double quotes, doubling the quotes inside.
pub(crate) fn write_quoted(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for &b in s.as_bytes() {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// The byte of a `columnDelimiter` name.
pub(crate) fn delimiter_byte(name: &str) -> Option<u8> {
    Some(match name {
        "COMMA" => b',',
        "TAB" => b'\t',
        "PIPE" => b'|',
        "SEMICOLON" => b';',
        "CARET" => b'^',
        "BACKQUOTE" => b'`',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(data: &str) -> Result<Vec<Vec<String>>, CsvError> {
        let mut r = Reader::new(data.as_bytes(), 0, b',');
        let mut rec = Vec::new();
        let mut out = Vec::new();
        while r.record(&mut rec)? {
            out.push(rec.clone());
        }
        Ok(out)
    }

    #[test]
    fn quotes_commas_and_newlines() {
        let rows =
            all("Name,Description\n\"Acme, Inc.\",\"Line 1\nLine \"\"2\"\"\"\r\nplain,\n").unwrap();
        assert_eq!(
            rows,
            vec![
                vec!["Name".to_owned(), "Description".to_owned()],
                vec!["Acme, Inc.".to_owned(), "Line 1\nLine \"2\"".to_owned()],
                vec!["plain".to_owned(), String::new()],
            ]
        );
    }

    #[test]
    fn no_trailing_newline_and_blank_lines() {
        let rows = all("a,b\n\n1,2").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1], vec!["1".to_owned(), "2".to_owned()]);
    }

    #[test]
    fn stray_quotes_are_errors() {
        assert!(all("a\nab\"c\n").is_err());
        assert!(all("a\n\"abc\"x\n").is_err());
        assert!(all("a\n\"abc\n").is_err());
    }

    #[test]
    fn quoting() {
        let mut out = Vec::new();
        write_quoted(&mut out, "say \"hi\", ok");
        assert_eq!(out, b"\"say \"\"hi\"\", ok\"");
    }
}
