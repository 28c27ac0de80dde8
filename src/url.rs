//! The little URL handling the SDK needs: origins, loopback hosts, form and path encoding.

use std::fmt::Write;

/// The scheme, host and port of a URL: what "same origin" compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Origin {
    pub scheme: String,
    pub host: String,
    pub port: u16,
}

impl Origin {
    /// Parses the origin of an absolute `http` or `https` URL; `None` for anything else.
    pub fn parse(url: &str) -> Option<Origin> {
        let (scheme, rest) = url.split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "https" => 443,
            "http" => 80,
            _ => return None,
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if authority.is_empty() || authority.contains('@') {
            return None;
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6.split_once(']')?;
            (format!("[{host}]"), after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (authority.to_string(), None),
            }
        };
        let port = match port {
            Some(p) => p.parse().ok()?,
            None => default_port,
        };
        if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c == '\\') {
            return None;
        }
        Some(Origin {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    /// Whether the host is this machine: `localhost`, `127.0.0.0/8` or `[::1]`.
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(&self.host)
    }

    /// Whether a secret may travel to this origin: https, or plain http to a loopback host.
    pub fn is_secure_enough(&self) -> bool {
        self.scheme == "https" || self.is_loopback()
    }

    /// Whether a session's instance at this origin is believed with the login host at
    /// `login_url`: https, or plain http only when the login host is on this machine too (the
    /// fake org). A remote login host naming a plain-http instance on loopback, reached through
    /// a proxy say, would send the token in clear to the proxy's machine.
    pub fn instance_trusted_with(&self, login_url: &str) -> bool {
        self.scheme == "https" || Origin::parse(login_url).is_some_and(|o| o.is_loopback())
    }
}

/// `scheme://host`, with `:port` unless it is the scheme's default.
impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let default = if self.scheme == "https" { 443 } else { 80 };
        write!(f, "{}://{}", self.scheme, self.host)?;
        if self.port != default {
            write!(f, ":{}", self.port)?;
        }
        Ok(())
    }
}

/// Whether `host` (as in a URL: `localhost`, `127.0.0.1`, `[::1]`; names in any case) is this
/// machine's loopback.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host == "[::1]"
        || host == "::1"
        || host.strip_prefix("127.").is_some_and(|rest| {
            rest.split('.').count() == 3 && rest.split('.').all(|o| o.parse::<u8>().is_ok())
        })
}

/// The origin of a URL as text, for error messages; the part before the path when it does not
/// parse.
pub(crate) fn origin_text(url: &str) -> String {
    match Origin::parse(url) {
        Some(origin) => origin.to_string(),
        None => {
            let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
            let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
            let host = authority.rsplit('@').next().unwrap_or("");
            format!("{scheme}://{host}")
        }
    }
}

/// `application/x-www-form-urlencoded` encoding of name/value pairs.
pub(crate) fn form_encode(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_into(&mut out, name, true);
        out.push('=');
        encode_into(&mut out, value, true);
    }
    out
}

/// Percent-encodes one path segment (record ids, external id values), so that `/`, `?`, `#`
/// and the like cannot change which resource is called.
pub(crate) fn encode_path_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    encode_into(&mut out, segment, false);
    out
}

fn encode_into(out: &mut String, s: &str, space_as_plus: bool) {
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b' ' if space_as_plus => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
}

/// The path of a URL or of a path with a query string, for error messages and logs: no query.
pub(crate) fn path_only(url_or_path: &str) -> &str {
    let after_origin = match url_or_path.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => url_or_path,
    };
    after_origin.split(['?', '#']).next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let a = Origin::parse("https://NA1.salesforce.com/services/data").unwrap();
        assert_eq!(a, Origin::parse("https://na1.salesforce.com:443").unwrap());
        assert_ne!(a, Origin::parse("http://na1.salesforce.com").unwrap());
        assert_ne!(a, Origin::parse("https://na1.salesforce.com:8443").unwrap());
        assert_ne!(
            a,
            Origin::parse("https://na1.salesforce.com.evil.com").unwrap()
        );
        assert_eq!(Origin::parse("https://user@evil.com"), None);
        assert_eq!(Origin::parse("ftp://x"), None);
        assert_eq!(Origin::parse("https://"), None);
        assert_eq!(Origin::parse("https://x:notaport"), None);
    }

    #[test]
    fn loopback_is_only_this_machine() {
        for ok in [
            "http://127.0.0.1:80",
            "http://localhost:1",
            "http://[::1]:9",
            "http://127.1.2.3",
        ] {
            assert!(Origin::parse(ok).unwrap().is_loopback(), "{ok}");
        }
        for no in [
            "http://127.0.0.1.evil.com",
            "http://10.0.0.1",
            "http://localhost.evil.com",
            "http://127.0.0.256",
        ] {
            assert!(!Origin::parse(no).unwrap().is_loopback(), "{no}");
        }
        // Hosts as a request's URI keeps them (any case, brackets or not).
        for host in ["LOCALHOST", "LocalHost", "127.0.0.1", "[::1]", "::1"] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in ["localhost.evil.com", "LOCALHOST.example", "128.0.0.1", ""] {
            assert!(!is_loopback_host(host), "{host}");
        }
        assert!(!Origin::parse("http://na1.salesforce.com")
            .unwrap()
            .is_secure_enough());
        assert!(Origin::parse("https://na1.salesforce.com")
            .unwrap()
            .is_secure_enough());
    }

    #[test]
    fn form_encoding_escapes_everything_special() {
        assert_eq!(
            form_encode(&[("grant_type", "password"), ("password", "p&ss=w rd+%é")]),
            "grant_type=password&password=p%26ss%3Dw+rd%2B%25%C3%A9"
        );
    }

    #[test]
    fn path_segments_cannot_escape() {
        assert_eq!(encode_path_segment("a/b?c#d e"), "a%2Fb%3Fc%23d%20e");
        assert_eq!(
            encode_path_segment("001RO0000035WQgYAM"),
            "001RO0000035WQgYAM"
        );
    }

    #[test]
    fn origins_read_as_written() {
        assert_eq!(
            origin_text("https://NA1.salesforce.com:443/services/data"),
            "https://na1.salesforce.com"
        );
        assert_eq!(
            origin_text("http://127.0.0.1:8080/x?y"),
            "http://127.0.0.1:8080"
        );
        assert_eq!(origin_text("http://[::1]:80"), "http://[::1]");
        // Never the user info of a malformed URL.
        assert_eq!(origin_text("https://user:pw@host/x"), "https://host");
    }

    #[test]
    fn path_only_drops_origin_and_query() {
        assert_eq!(
            path_only("https://x.com/services/data/v66.0/query?q=SELECT"),
            "/services/data/v66.0/query"
        );
        assert_eq!(path_only("/a/b?c"), "/a/b");
        assert_eq!(path_only("https://x.com"), "/");
    }
}
