//! Reading a `multipart/form-data` body into its parts, without copying their contents.

use std::ops::Range;

/// One part: its `name`, `filename` and `Content-Type`, and where its content lies in the body.
#[derive(Debug, PartialEq)]
pub(crate) struct Part {
    pub name: Option<String>,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub content: Range<usize>,
}

/// The boundary of a `multipart/form-data` content type (quoted or not).
pub(crate) fn boundary(content_type: &str) -> Option<String> {
    let mut params = content_type.split(';');
    let kind = params.next()?.trim();
    if !kind.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty() && b.len() <= 70)
    })
}

/// Splits `body` at `--boundary` lines; `Err` says what is malformed.
pub(crate) fn parse(body: &[u8], boundary: &str) -> Result<Vec<Part>, String> {
    let delimiter = format!("--{boundary}");
    let d = delimiter.as_bytes();
    let mut at = if body.starts_with(d) {
        0
    } else {
        find(body, format!("\r\n{delimiter}").as_bytes(), 0)
            .map(|i| i + 2)
            .ok_or("the body does not contain the boundary")?
    };
    let mut parts = Vec::new();
    loop {
        at += d.len();
        if body[at..].starts_with(b"--") {
            return Ok(parts);
        }
        at += line_end(&body[at..]).ok_or("a boundary line does not end")?;
        let head_end = find(body, b"\r\n\r\n", at)
            .map(|i| (i, 4))
            .or_else(|| find(body, b"\n\n", at).map(|i| (i, 2)))
            .ok_or("a part has no blank line after its headers")?;
        let head = String::from_utf8_lossy(&body[at..head_end.0]).into_owned();
        let start = head_end.0 + head_end.1;
        let end = find(body, format!("\r\n{delimiter}").as_bytes(), start)
            .ok_or("the body ends before its closing boundary")?;
        parts.push(part(&head, start..end));
        at = end + 2;
    }
}

fn part(head: &str, content: Range<usize>) -> Part {
    let mut p = Part {
        name: None,
        filename: None,
        content_type: None,
        content,
    };
    for line in head.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim();
        if name.eq_ignore_ascii_case("content-type") {
            p.content_type = Some(value.trim().to_string());
        } else if name.eq_ignore_ascii_case("content-disposition") {
            for param in value.split(';').skip(1) {
                let Some((k, v)) = param.split_once('=') else {
                    continue;
                };
                let v = v.trim().trim_matches('"').to_string();
                match k.trim().to_ascii_lowercase().as_str() {
                    "name" => p.name = Some(v),
                    "filename" => p.filename = Some(v),
                    _ => {}
                }
            }
        }
    }
    p
}

/// The length of the line break at the start of `s` (CRLF or LF).
fn line_end(s: &[u8]) -> Option<usize> {
    if s.starts_with(b"\r\n") {
        Some(2)
    } else if s.starts_with(b"\n") {
        Some(1)
    } else {
        None
    }
}

/// The first position of `needle` in `hay` at or after `from`.
fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let first = *needle.first()?;
    let mut i = from;
    while i + needle.len() <= hay.len() {
        let next = hay[i..hay.len() + 1 - needle.len()]
            .iter()
            .position(|&b| b == first)?;
        i += next;
        if hay[i..].starts_with(needle) {
            return Some(i);
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salesforce_layout_parses() {
        let body = b"--boundary_string\r\nContent-Disposition: form-data; name=\"entity_content\";\r\nContent-Type: application/json\r\n\r\n{\"Title\":\"Q1\"}\r\n--boundary_string\r\nContent-Type: application/octet-stream\r\nContent-Disposition: form-data; name=\"VersionData\"; filename=\"Q1 Brochure.pdf\"\r\n\r\n\r\n--boundary_strin\r\nraw\r\n--boundary_string--\r\n";
        let b = boundary("multipart/form-data; boundary=\"boundary_string\"").unwrap();
        let parts = parse(body, &b).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name.as_deref(), Some("entity_content"));
        assert_eq!(parts[0].filename, None);
        assert_eq!(&body[parts[0].content.clone()], b"{\"Title\":\"Q1\"}");
        assert_eq!(parts[1].name.as_deref(), Some("VersionData"));
        assert_eq!(parts[1].filename.as_deref(), Some("Q1 Brochure.pdf"));
        assert_eq!(
            &body[parts[1].content.clone()],
            b"\r\n--boundary_strin\r\nraw"
        );
    }

    #[test]
    fn malformed_bodies_are_errors() {
        assert!(parse(b"no boundary here", "b").is_err());
        assert!(parse(b"--b\r\nContent-Type: x\r\n\r\nunterminated", "b").is_err());
        assert_eq!(boundary("application/json"), None);
        assert_eq!(
            boundary("multipart/form-data; boundary=abc").as_deref(),
            Some("abc")
        );
        assert_eq!(find(b"abcabd", b"abd", 0), Some(3));
        assert_eq!(find(b"ab", b"abc", 0), None);
    }
}
