//! Wiping secrets out of text a server sent back: every [`Secret`](crate::Secret) alive in the
//! process is listed here (weakly), and [`text`] replaces each of them, as sent and in the
//! encodings a reflecting server may echo it in (form or percent encoding, JSON or HTML
//! escaping), with `[redacted]`. Used wherever an error message, excerpt or log line is built
//! from what a server sent: a token endpoint, proxy or WAF page that reflects the request, or a
//! REST error page that echoes the `Authorization` header.

use std::borrow::Cow;
use std::fmt::Write;
use std::sync::{Arc, RwLock, Weak};

/// What a secret is replaced with.
pub(crate) const REDACTED: &str = "[redacted]";

/// Shorter values are not searched for: replacing every `ab` of a message would make it
/// unreadable, and no Salesforce credential is this short.
const MIN_LEN: usize = 6;

/// A listed secret: the value (weakly) and the forms to search for, worked out once.
struct Entry {
    value: Weak<str>,
    needles: Vec<String>,
}

struct Registry {
    live: Vec<Entry>,
    /// Prune dead entries when the list grows past this.
    prune_at: usize,
}

static REGISTRY: RwLock<Registry> = RwLock::new(Registry {
    live: Vec::new(),
    prune_at: 64,
});

/// Lists a secret for as long as it (any clone of it) lives.
pub(crate) fn register(secret: &Arc<str>) {
    if secret.len() < MIN_LEN {
        return;
    }
    let entry = Entry {
        value: Arc::downgrade(secret),
        needles: variants(secret),
    };
    let mut reg = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    if reg.live.len() >= reg.prune_at {
        reg.live.retain(|e| e.value.strong_count() > 0);
        reg.prune_at = (reg.live.len() * 2).max(64);
    }
    reg.live.push(entry);
}

/// `s` with every live secret, in any of its encodings, replaced by `[redacted]`.
pub(crate) fn text(s: &str) -> String {
    cow(s).into_owned()
}

/// [`text`], borrowing when there is nothing to replace (the common case, and cheap: a read
/// lock and a substring search per listed form).
pub(crate) fn cow(s: &str) -> Cow<'_, str> {
    if s.len() < MIN_LEN {
        return Cow::Borrowed(s);
    }
    let mut found: Vec<String> = {
        let reg = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
        reg.live
            .iter()
            .filter(|e| e.value.strong_count() > 0)
            .flat_map(|e| e.needles.iter())
            .filter(|n| s.contains(n.as_str()))
            .cloned()
            .collect()
    };
    if found.is_empty() {
        return Cow::Borrowed(s);
    }
    // Longest first, so that a secret holding another (the password with the security token
    // appended, a whole form) is replaced whole.
    found.sort_by_key(|n| std::cmp::Reverse(n.len()));
    found.dedup();
    let mut out = s.to_string();
    for needle in found {
        out = out.replace(needle.as_str(), REDACTED);
    }
    Cow::Owned(out)
}

/// The forms a value takes when a server echoes it: as is, percent-encoded (form style with
/// `+` or `%20` for a space, upper- or lower-case hex), JSON-escaped, HTML-escaped.
fn variants(value: &str) -> Vec<String> {
    let mut out = vec![value.to_string()];
    for (plus, upper) in [(true, true), (false, true), (true, false), (false, false)] {
        out.push(percent(value, plus, upper));
    }
    if let Ok(json) = serde_json::to_string(value) {
        out.push(json[1..json.len() - 1].to_string());
        out.push(json[1..json.len() - 1].replace('/', "\\/"));
    }
    let html = value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    out.push(html.replace('\'', "&#39;"));
    out.push(html.replace('\'', "&#x27;"));
    out.sort();
    out.dedup();
    out
}

fn percent(value: &str, space_as_plus: bool, upper: bool) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b' ' if space_as_plus => out.push('+'),
            _ if upper => {
                let _ = write!(out, "%{b:02X}");
            }
            _ => {
                let _ = write!(out, "%{b:02x}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Secret;

    #[test]
    fn live_secrets_are_wiped_in_every_encoding() {
        let password = Secret::new("s3cr3t+P&ss=%! <x>'y'/z");
        let page = format!(
            "echo: password=s3cr3t%2BP%26ss%3D%25%21+%3Cx%3E%27y%27%2Fz, raw {}, json {}, html {}, lower s3cr3t%2bP%26ss%3d%25%21%20%3cx%3e%27y%27%2fz",
            password.expose(),
            serde_json::to_string(password.expose()).unwrap(),
            "s3cr3t+P&amp;ss=%! &lt;x&gt;&#39;y&#39;/z",
        );
        let clean = text(&page);
        assert!(!clean.contains("s3cr3t"), "{clean}");
        assert_eq!(clean.matches(REDACTED).count(), 5, "{clean}");
        assert!(
            clean.starts_with("echo: password=[redacted], raw [redacted]"),
            "{clean}"
        );
    }

    #[test]
    fn a_dropped_secret_is_no_longer_searched_and_short_values_never_are() {
        let token = Secret::new("00Dfake!AQtoken-one-time");
        assert_eq!(text("x 00Dfake!AQtoken-one-time y"), "x [redacted] y");
        drop(token);
        assert_eq!(
            text("x 00Dfake!AQtoken-one-time y"),
            "x 00Dfake!AQtoken-one-time y"
        );
        let _short = Secret::new("abc");
        assert_eq!(text("abcabc"), "abcabc");
    }
}
