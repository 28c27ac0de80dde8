//! The start of an answer's body as one line of text, for error messages.

/// The most of a body an excerpt is made from.
const WINDOW: usize = 64 * 1024;
/// Dropped from the end of a longer body's window, once redacted: more than any token's length.
const CUT_MARGIN: usize = 16 * 1024;

/// The start of a body as one line of text, for error messages: HTML tags removed, whitespace
/// folded, at most 200 characters.
///
/// Every live secret is wiped out of it, before and after (a server may reflect the request).
pub(crate) fn excerpt(body: &[u8]) -> String {
    let lossy = String::from_utf8_lossy(&body[..body.len().min(WINDOW)]);
    let mut text = crate::redact::cow(&lossy);
    if body.len() > WINDOW {
        // A secret cut in two by the window's end is unknown to the redaction: the window's
        // last bytes (more than any token) are dropped, after redacting the rest whole.
        let mut keep = text.len().saturating_sub(CUT_MARGIN);
        while !text.is_char_boundary(keep) {
            keep -= 1;
        }
        text.to_mut().truncate(keep);
    }
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
    fn a_secret_cut_by_the_window_is_dropped_whole() {
        let token = format!("00DCUT!{}", "s".repeat(100));
        let _live = crate::secret::Secret::new(token.clone());
        // A comment hides everything up to just before the window's end, where the token
        // (reflected by the server) starts and runs past it.
        for cut in [WINDOW, WINDOW - CUT_MARGIN] {
            let mut body = format!("<!--{}-->", "x".repeat(cut - 60 - 7)).into_bytes();
            body.extend_from_slice(token.as_bytes());
            body.extend_from_slice(&b"y".repeat(WINDOW));
            assert!(body.len() > WINDOW);
            assert!(
                !excerpt(&body).contains("00DCUT!"),
                "{cut}: {}",
                excerpt(&body)
            );
        }
    }

    #[test]
    fn excerpt_is_bounded_and_lossy() {
        let long = "x".repeat(1000);
        assert_eq!(excerpt(long.as_bytes()).chars().count(), 201);
        assert_eq!(excerpt(b"\xff\xfeok"), "\u{fffd}\u{fffd}ok");
        assert_eq!(excerpt(b""), "");
    }
}
