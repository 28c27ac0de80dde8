//! Views of a client: extra headers on every call ([`Client::with_header`]) and the Tooling API
//! ([`Client::tooling`]). A view shares the session and the connection pool of its client.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::Client;

/// What a view changes about the calls made through it.
#[derive(Clone, Debug, Default)]
pub(crate) struct View {
    /// Headers sent with every call, in the order given (a later one of the same name replaces
    /// an earlier one).
    pub headers: Arc<[(String, String)]>,
    /// Relative paths live under `/services/data/vXX.X/tooling/`.
    pub tooling: bool,
    /// A header that cannot be sent, reported by every call of the view before it is made.
    pub invalid: Option<Arc<str>>,
}

/// Headers sfrest sets itself and does not let a caller replace: the session token, and what
/// HTTP framing needs. (`Content-Encoding` is sfrest's when it compresses a body; a body sent
/// with the caller's own `Content-Encoding` is not compressed again.)
const OWNED: [&str; 6] = [
    "authorization",
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "accept-encoding",
];

/// Checks a header a caller wants to send: a token name, not one sfrest owns, and a value
/// without CR, LF or other control characters (which would split or smuggle headers).
pub(crate) fn check_header(name: &str, value: &str) -> std::result::Result<(), String> {
    let invalid = |message: String| message;
    let tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || !name.bytes().all(tchar) {
        return Err(invalid(format!(
            "{name:?} is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)"
        )));
    }
    if OWNED.iter().any(|o| o.eq_ignore_ascii_case(name)) {
        return Err(invalid(format!(
            "the {name} header is set by sfrest and cannot be replaced"
        )));
    }
    if let Some(bad) = value
        .bytes()
        .find(|&b| (b < 0x20 && b != b'\t') || b == 0x7f)
    {
        let what = match bad {
            b'\r' => "a carriage return (CR)".to_string(),
            b'\n' => "a line feed (LF)".to_string(),
            other => format!("the control character 0x{other:02x}"),
        };
        return Err(invalid(format!(
            "the value of the {name} header contains {what}, which would split the request's headers"
        )));
    }
    Ok(())
}

/// Adds `(name, value)` to `headers`, replacing an earlier header of the same name.
pub(crate) fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: &str) {
    headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    headers.push((name.to_string(), value.to_string()));
}

impl View {
    /// The error for a view made with a header that cannot be sent.
    pub(crate) fn check(&self) -> Result<()> {
        match &self.invalid {
            Some(message) => Err(Error::InvalidArgument {
                message: message.to_string(),
            }),
            None => Ok(()),
        }
    }
}

impl Client {
    /// A view of this client that sends `name: value` with every call made through it: plain
    /// calls, [`Client::request`], queries and their next pages, sObject Collections,
    /// composite and Bulk API calls. It shares this client's session and connection pool, and
    /// can be stacked (`sf.with_header(..).with_header(..)`); a later value of the same name
    /// replaces an earlier one. The login itself never carries these headers.
    ///
    /// A header sfrest owns (`Authorization`, `Host`, `Content-Length`, `Transfer-Encoding`,
    /// `Connection`, `Accept-Encoding`) or a value with CR or LF cannot be sent: every call of
    /// the view then fails with [`Error::InvalidArgument`] before anything is sent.
    ///
    /// ```no_run
    /// use serde_json::json;
    /// # let sf = sfrest::Client::from_env()?;
    /// // Save leads even when a duplicate rule (set to "Alert") matches them.
    /// let lenient = sf.with_header("Sforce-Duplicate-Rule-Header", "allowSave=true");
    /// let results = lenient.sobject("Lead").create_many(&[
    ///     json!({"LastName": "Lee", "Company": "Acme", "Email": "lee@acme.example"}),
    /// ])?;
    /// # Ok::<_, sfrest::Error>(())
    /// ```
    pub fn with_header(&self, name: &str, value: &str) -> Client {
        let mut view = self.view.clone();
        match check_header(name, value) {
            Ok(()) => {
                let mut headers = view.headers.to_vec();
                set_header(&mut headers, name, value);
                view.headers = headers.into();
            }
            Err(e) => {
                if view.invalid.is_none() {
                    view.invalid = Some(format!("with_header: {e}").into());
                }
            }
        }
        Client {
            inner: self.inner.clone(),
            view,
        }
    }

    /// A view of this client on the Tooling API: relative paths live under
    /// `/services/data/vXX.X/tooling/` instead of `/services/data/vXX.X/`, so
    /// [`Client::query`], [`Client::query_iter`], [`Client::query_all`] (and their next pages),
    /// [`Client::get`], [`Client::post`], [`Client::patch`], [`Client::delete`],
    /// [`Client::request`], [`Client::composite`] and [`Client::sobject`] work on Tooling
    /// objects such as `ApexClass`. Absolute paths (`/services/...`) are unchanged. Shares the
    /// session, the connection pool and the headers of this client. [`Client::bulk`] on a
    /// Tooling view uses the data API (there is no Tooling Bulk API).
    ///
    /// ```no_run
    /// # let sf = sfrest::Client::from_env()?;
    /// let tooling = sf.tooling();
    /// for class in tooling.query_all("SELECT Id, Name, ApiVersion FROM ApexClass ORDER BY Name")? {
    ///     println!("{} {}", class["Name"], class["ApiVersion"]);
    /// }
    /// # Ok::<_, sfrest::Error>(())
    /// ```
    pub fn tooling(&self) -> Client {
        let mut view = self.view.clone();
        view.tooling = true;
        Client {
            inner: self.inner.clone(),
            view,
        }
    }

    /// Whether this client is a Tooling API view ([`Client::tooling`]).
    pub fn is_tooling(&self) -> bool {
        self.view.tooling
    }

    /// This client without the Tooling view (same headers), for the data-API-only calls.
    pub(crate) fn data_api(&self) -> Client {
        let mut view = self.view.clone();
        view.tooling = false;
        Client {
            inner: self.inner.clone(),
            view,
        }
    }

    /// `/services/data/vXX.X/`, or `/services/data/vXX.X/tooling/` for a Tooling view: what a
    /// relative path is relative to.
    pub(crate) fn version_root(&self) -> String {
        let tooling = if self.view.tooling { "tooling/" } else { "" };
        format!(
            "/services/data/v{}/{tooling}",
            self.inner.auth.config.api_version
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_headers_and_split_values_are_refused() {
        for name in [
            "Authorization",
            "host",
            "Content-Length",
            "TRANSFER-ENCODING",
        ] {
            let e = check_header(name, "x").unwrap_err();
            assert!(e.contains("set by sfrest"), "{e}");
        }
        let e = check_header("X-Id", "a\r\nAuthorization: Bearer evil").unwrap_err();
        assert!(e.contains("carriage return"), "{e}");
        let e = check_header("X-Id", "a\nb").unwrap_err();
        assert!(e.contains("line feed"), "{e}");
        assert!(check_header("X-Id", "a\0b").is_err());
        assert!(check_header("Bad Name", "x").is_err());
        assert!(check_header("Bad:Name", "x").is_err());
        assert!(check_header("", "x").is_err());
        check_header(
            "Sforce-Duplicate-Rule-Header",
            "allowSave=true; includeRecordDetails=true",
        )
        .unwrap();
        check_header("If-Modified-Since", "Tue, 10 Aug 2015 00:00:00 GMT").unwrap();
        check_header("X-Tab", "a\tb é").unwrap();
    }

    #[test]
    fn set_header_replaces_any_case() {
        let mut h = vec![("X-A".to_string(), "1".to_string())];
        set_header(&mut h, "x-a", "2");
        set_header(&mut h, "X-B", "3");
        assert_eq!(
            h,
            vec![
                ("x-a".to_string(), "2".to_string()),
                ("X-B".to_string(), "3".to_string())
            ]
        );
    }
}
