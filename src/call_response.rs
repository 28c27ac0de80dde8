//! [`Response`]: the answer of a [`Client::request`](crate::Client::request) call, whatever
//! its body.

use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::excerpt::excerpt;
use crate::transport::Reply;

/// A successful (2xx or 304) answer of [`Client::request`](crate::Client::request): its
/// status, its headers and its body, read however the caller needs (JSON, a type of theirs,
/// bytes, text).
pub struct Response {
    method: &'static str,
    path: String,
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    pub(crate) fn new(method: &'static str, path: String, reply: Reply) -> Response {
        Response {
            method,
            path,
            status: reply.status,
            headers: reply.headers,
            body: reply.body,
        }
    }

    /// The HTTP status, such as 200, 201, 204 or 304 (`Not Modified`, the answer to an
    /// `If-Modified-Since` header when nothing changed).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// A response header by name, matched without regard to case (the first one, when there
    /// are several).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every response header, names in lower case, in the order received.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// The body as JSON; `Value::Null` for an empty body (204, 304). A body that is not JSON is
    /// [`Error::UnexpectedBody`], naming the call, the status and the start of the body.
    pub fn json(&self) -> Result<Value> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body).map_err(|e| self.not_json(e))
    }

    /// The body read into your own type (an empty body reads as JSON `null`, so as `()` or an
    /// `Option`).
    pub fn json_as<T: DeserializeOwned>(&self) -> Result<T> {
        let v = self.json()?;
        serde_json::from_value(v).map_err(|e| {
            Error::json(
                format!(
                    "{} {}: cannot read the answer as the requested type",
                    self.method, self.path
                ),
                e,
            )
        })
    }

    /// The body's bytes, decompressed (empty for 204 and 304).
    pub fn bytes(&self) -> &[u8] {
        &self.body
    }

    /// The body's bytes, taken out of the response.
    pub fn into_bytes(self) -> Vec<u8> {
        self.body
    }

    /// The body as UTF-8 text; a body that is not UTF-8 is [`Error::UnexpectedBody`].
    pub fn text(&self) -> Result<&str> {
        std::str::from_utf8(&self.body).map_err(|e| Error::UnexpectedBody {
            method: self.method,
            path: self.path.clone(),
            status: self.status,
            problem: format!("a body that is not UTF-8 text ({e})"),
            excerpt: excerpt(&self.body),
        })
    }

    fn not_json(&self, e: serde_json::Error) -> Error {
        let ct = crate::redact::text(self.header("content-type").unwrap_or("no content type"));
        let e = crate::redact::text(&e.to_string());
        Error::UnexpectedBody {
            method: self.method,
            path: self.path.clone(),
            status: self.status,
            problem: format!("a body of type {ct} that is not JSON ({e})"),
            excerpt: excerpt(&self.body),
        }
    }
}

/// Shows the status, the header names and the body size: never a header value (a cookie) or
/// the body.
impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("status", &self.status)
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("body_len", &self.body.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, ct: &str, body: &[u8]) -> Response {
        Response::new(
            "GET",
            "/p".into(),
            Reply {
                status,
                headers: vec![
                    ("content-type".into(), ct.into()),
                    ("etag".into(), "\"abc\"".into()),
                    ("set-cookie".into(), "BrowserId=secret".into()),
                ],
                body: body.to_vec(),
            },
        )
    }

    #[test]
    fn bodies_read_every_way() {
        let r = resp(200, "application/json", br#"{"a":1}"#);
        assert_eq!(r.status(), 200);
        assert_eq!(r.header("ETag"), Some("\"abc\""));
        assert_eq!(r.header("CONTENT-type"), Some("application/json"));
        assert_eq!(r.header("missing"), None);
        assert_eq!(r.json().unwrap()["a"], 1);
        #[derive(serde::Deserialize)]
        struct A {
            a: u8,
        }
        assert_eq!(r.json_as::<A>().unwrap().a, 1);
        assert_eq!(r.text().unwrap(), r#"{"a":1}"#);
        assert_eq!(resp(304, "", b"").json().unwrap(), Value::Null);
        assert!(resp(204, "", b"").json_as::<Option<A>>().unwrap().is_none());
    }

    #[test]
    fn wrong_bodies_are_clear_errors() {
        let r = resp(200, "text/plain", b"hello");
        let e = r.json().unwrap_err();
        assert!(
            e.to_string()
                .contains("GET /p answered 200 with a body of type text/plain that is not JSON"),
            "{e}"
        );
        let e = resp(200, "application/octet-stream", b"\xff\xfe")
            .text()
            .unwrap_err();
        assert!(e.to_string().contains("not UTF-8"), "{e}");
        let e = r.json_as::<u8>().unwrap_err();
        assert!(e.to_string().contains("not JSON"), "{e}");
    }

    #[test]
    fn debug_shows_no_header_values() {
        let text = format!("{:?}", resp(200, "application/json", b"{}"));
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains("set-cookie"), "{text}");
    }
}
