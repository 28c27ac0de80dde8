//! [`Fault`]: what the org answers instead of handling a request, for failure tests.

use std::time::Duration;

/// A failure the org answers with instead of handling a request (see [`FakeOrg::fail_next`](crate::FakeOrg::fail_next)).
#[derive(Clone, Debug)]
pub enum Fault {
    /// Exactly this status, content type and body.
    Status {
        /// HTTP status code.
        status: u16,
        /// `Content-Type` header value.
        content_type: String,
        /// Body text.
        body: String,
    },
    /// This status with a JSON body (`application/json;charset=UTF-8`).
    Json {
        /// HTTP status code.
        status: u16,
        /// The JSON body.
        body: serde_json::Value,
    },
    /// This status with exactly these headers (besides Date and Content-Length) and body.
    Response {
        /// HTTP status code.
        status: u16,
        /// Extra headers, e.g. `("Retry-After", "1")` or `("Content-Type", "text/plain")`.
        headers: Vec<(String, String)>,
        /// Body bytes.
        body: Vec<u8>,
    },
    /// 503 with Salesforce's `text/html` "We are down for maintenance" page.
    MaintenanceHtml,
    /// This status with an empty body.
    Empty(u16),
    /// These raw bytes are written to the socket, then the connection is closed.
    Raw(Vec<u8>),
    /// The connection is closed without an answer.
    Close,
    /// This status and content type, with a body made from `template` by putting the request
    /// in it, as a proxy, firewall or debugging page that reflects the request does: `{body}`
    /// becomes the request body as received (form-encoded for a token request), `{headers}`
    /// every request header as `name: value` lines (the `Authorization` header first when
    /// there is one). For a JSON content type the request text is JSON-escaped, so the body
    /// stays valid JSON.
    Reflect {
        /// HTTP status code.
        status: u16,
        /// `Content-Type` header value.
        content_type: String,
        /// The body, with `{body}` and `{headers}` to be filled in.
        template: String,
    },
    /// `head` is written at once, then `body` one byte every `interval`; then the connection
    /// is closed. A server that answers slowly, for timeout tests.
    Trickle {
        /// Written at once (status line and headers, typically).
        head: Vec<u8>,
        /// Written a byte at a time.
        body: Vec<u8>,
        /// The pause before each byte of `body`.
        interval: Duration,
    },
}
