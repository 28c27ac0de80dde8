//! [`Fault`]: what the org answers instead of handling a request, for failure tests, and the
//! responses faults stand for.

use std::time::Duration;

use crate::response::{Response, JSON};
use crate::RecordedRequest;

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

/// The response a fault stands for.
pub(crate) fn fault_response(fault: Fault) -> Response {
    let mut headers = Vec::new();
    let (status, content_type, body) = match fault {
        Fault::Status {
            status,
            content_type,
            body,
        } => (status, Some(content_type), body.into_bytes()),
        Fault::Json { status, body } => {
            (status, Some(JSON.to_owned()), body.to_string().into_bytes())
        }
        Fault::Response {
            status,
            headers: h,
            body,
        } => {
            headers = h;
            (status, None, body)
        }
        Fault::MaintenanceHtml => (
            503,
            Some("text/html;charset=UTF-8".to_owned()),
            MAINTENANCE_PAGE.as_bytes().to_vec(),
        ),
        Fault::Empty(status) => (status, None, Vec::new()),
        Fault::Raw(_) | Fault::Close | Fault::Trickle { .. } | Fault::Reflect { .. } => {
            (500, None, Vec::new())
        }
    };
    Response {
        status,
        content_type,
        headers,
        body,
        compressible: false,
    }
}

/// The [`Fault::Reflect`] answer: the template with the request filled in.
pub(crate) fn reflect(
    req: &RecordedRequest,
    status: u16,
    content_type: String,
    template: &str,
) -> Response {
    let mut headers: Vec<&(String, String)> = req.headers.iter().collect();
    headers.sort_by_key(|(n, _)| n != "authorization");
    let headers: String = headers.iter().map(|(n, v)| format!("{n}: {v}\n")).collect();
    let body = String::from_utf8_lossy(&req.body).into_owned();
    let json = content_type.to_ascii_lowercase().contains("json");
    let fill = |text: &str| {
        if json {
            let quoted = serde_json::to_string(text).unwrap_or_default();
            quoted[1..quoted.len().saturating_sub(1).max(1)].to_owned()
        } else {
            text.to_owned()
        }
    };
    let out = template
        .replace("{body}", &fill(&body))
        .replace("{headers}", &fill(&headers));
    Response {
        status,
        content_type: Some(content_type),
        headers: Vec::new(),
        body: out.into_bytes(),
        compressible: false,
    }
}

const MAINTENANCE_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Salesforce - Down for Maintenance</title></head>\n<body><div class=\"content\"><h1>We are down for maintenance.</h1>\n<p>Sorry for the inconvenience. We'll be back shortly.</p>\n<p>Please check <a href=\"https://status.salesforce.com\">Salesforce Trust</a> for status updates.</p></div></body></html>\n";
