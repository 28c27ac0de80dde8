//! The start of an answer's body as one line of text, for error messages.

/// The start of a body as one line of text, for error messages: HTML tags removed, whitespace
/// folded, at most 200 characters.
///
/// Every live secret is wiped out of it, before and after (a server may reflect the request).
pub(crate) fn excerpt(body: &[u8]) -> String {
    let lossy = String::from_utf8_lossy(&body[..body.len().min(64 * 1024)]);
    let text = crate::redact::cow(&lossy);
    let mut plain = String::with_capacity(text.len().min(4096));
    let mut in_tag = false;
    let mut skip_until: Option<&str> = None;
    let lower = text.to_ascii_lowercase();
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < bytes.len() {
        if let Some(end) = skip_until {
            match lower[i..].find(end) {
                Some(at) => {
                    i += at + end.len();
                    skip_until = None;
                    continue;
                }
                None => break,
            }
        }
        let c = text[i..].chars().next().unwrap_or(' ');
        if c == '<' {
            if lower[i..].starts_with("<script") {
                skip_until = Some("</script>");
            } else if lower[i..].starts_with("<style") {
                skip_until = Some("</style>");
            }
            in_tag = true;
        } else if c == '>' && in_tag {
            in_tag = false;
            plain.push(' ');
        } else if !in_tag {
            plain.push(c);
        }
        i += c.len_utf8();
    }
    let folded = crate::redact::text(&plain.split_whitespace().collect::<Vec<_>>().join(" "));
    if folded.chars().count() > 200 {
        let cut: String = folded.chars().take(200).collect();
        format!("{cut}…")
    } else {
        folded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_reads_html_as_text() {
        let page = b"<html><head><style>body{x:y}</style><script>var a=1;</script><title>Down</title></head>\n<body><h1>We are   down\n for maintenance</h1></body></html>";
        assert_eq!(excerpt(page), "Down We are down for maintenance");
    }

    #[test]
    fn excerpt_is_bounded_and_lossy() {
        let long = "x".repeat(1000);
        assert_eq!(excerpt(long.as_bytes()).chars().count(), 201);
        assert_eq!(excerpt(b"\xff\xfeok"), "\u{fffd}\u{fffd}ok");
        assert_eq!(excerpt(b""), "");
    }
}
