//! [`RequestBuilder`]: any call, with any method, query parameters, headers and one kind of
//! body (none, JSON, bytes, a stream), answered as a [`Response`] or streamed to a writer.

use std::io::{Read, Write};
use std::time::Duration;

use serde::Serialize;

use crate::call_response::Response;
use crate::client::MAX_TIMEOUT;
use crate::error::{Error, Result};
use crate::request::Request;
use crate::response::status_error;
use crate::transfer::{is_success, Transfer};
use crate::transport::Body;
use crate::view::{check_header, set_header};
use crate::Client;

/// The methods a call can use.
const METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

/// One call being put together: see [`Client::request`].
#[must_use = "a request does nothing until it is sent (send, json, bytes, reader or download)"]
pub struct RequestBuilder {
    client: Client,
    method: &'static str,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    timeout: Option<Duration>,
    transfer_timeout: Option<Duration>,
    /// The first problem found while building, reported by the call before anything is sent.
    problem: Option<String>,
}

/// Shows the call and the header names, never a header value.
impl std::fmt::Debug for RequestBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("method", &self.method)
            .field("path", &crate::url::path_only(&self.path))
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("timeout", &self.timeout)
            .field("transfer_timeout", &self.transfer_timeout)
            .field("problem", &self.problem)
            .finish()
    }
}

impl Client {
    /// Any call: `method` is `GET`, `HEAD`, `POST`, `PUT`, `PATCH` or `DELETE` (any case);
    /// `path` follows the rules of [`Client::get`] (absolute on the instance, such as
    /// `/services/apexrest/Invoices/42`, relative to `/services/data/vXX.X/`, or a full URL on
    /// the instance's origin). Add query parameters and headers, then send it with no body
    /// ([`RequestBuilder::send`]), JSON ([`RequestBuilder::json`]), bytes
    /// ([`RequestBuilder::bytes`]) or a stream ([`RequestBuilder::reader`]), or stream its
    /// answer to a writer ([`RequestBuilder::download`]).
    ///
    /// The call keeps everything other calls do: the timeouts, the retries (of GET and HEAD),
    /// the new login when the session expired, the origin rule for the token, gzip and logging.
    /// A 2xx or 304 answer is `Ok`; any other status is the same [`Error`] other calls give.
    ///
    /// ```no_run
    /// use serde_json::json;
    /// # let sf = sfrest::Client::from_env()?;
    /// let resp = sf
    ///     .request("PUT", "/services/apexrest/Invoices/42")
    ///     .query("mode", "full")
    ///     .header("X-Request-Id", "job-7")
    ///     .timeout(std::time::Duration::from_secs(60))
    ///     .json(&json!({"amount": 12.5}))?;
    /// println!("{} {:?}", resp.status(), resp.header("Content-Type"));
    /// let v = resp.json()?; // Null for an empty body
    /// # Ok::<_, sfrest::Error>(())
    /// ```
    pub fn request(&self, method: &str, path: &str) -> RequestBuilder {
        let known = METHODS
            .iter()
            .copied()
            .find(|m| m.eq_ignore_ascii_case(method));
        let problem = match known {
            Some(_) => None,
            None => Some(format!(
                "{method:?} is not a method sfrest sends: use GET, HEAD, POST, PUT, PATCH or DELETE"
            )),
        };
        RequestBuilder {
            client: self.clone(),
            method: known.unwrap_or("GET"),
            path: path.to_string(),
            query: Vec::new(),
            headers: Vec::new(),
            timeout: None,
            transfer_timeout: None,
            problem,
        }
    }
}

impl RequestBuilder {
    /// Adds a query parameter, encoded (added after any the path already has).
    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_string(), value.to_string()));
        self
    }

    /// Adds a header to this call, replacing a default, a [`Client::with_header`] header or an
    /// earlier `.header` of the same name (names match without regard to case). A header sfrest
    /// owns (`Authorization`, `Host`, `Content-Length`, `Transfer-Encoding`, `Connection`,
    /// `Accept-Encoding`) or a value with CR or LF makes the call fail with
    /// [`Error::InvalidArgument`] before anything is sent. A `Content-Type` here replaces the
    /// body's; with a `Content-Encoding` here the body is sent as given (sfrest does not
    /// compress it).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match check_header(name, value) {
            Ok(()) => set_header(&mut self.headers, name, value),
            Err(e) => {
                self.problem.get_or_insert(e);
            }
        }
        self
    }

    /// The timeout of this call, replacing the configured one (GET timeout for GET and HEAD,
    /// write timeout for the rest). For [`RequestBuilder::send`], [`RequestBuilder::json`] and
    /// [`RequestBuilder::bytes`] it bounds the whole call, retries included; for
    /// [`RequestBuilder::reader`] and [`RequestBuilder::download`] it bounds connecting, the
    /// wait for the answer and every silence of the connection, while
    /// [`RequestBuilder::transfer_timeout`] bounds the whole. 1 ms to 24 h.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        if timeout.is_zero() || timeout > MAX_TIMEOUT {
            self.problem
                .get_or_insert(invalid_timeout("timeout", timeout));
        }
        self.timeout = Some(timeout);
        self
    }

    /// The bound on a whole streamed transfer ([`RequestBuilder::reader`],
    /// [`RequestBuilder::download`]) of this call. Default: the client's
    /// [`transfer_timeout`](crate::ClientBuilder::transfer_timeout) (1 h). 1 ms to 24 h.
    pub fn transfer_timeout(mut self, timeout: Duration) -> Self {
        if timeout.is_zero() || timeout > MAX_TIMEOUT {
            self.problem
                .get_or_insert(invalid_timeout("transfer_timeout", timeout));
        }
        self.transfer_timeout = Some(timeout);
        self
    }

    /// Sends the call without a body.
    pub fn send(self) -> Result<Response> {
        self.send_body(None)
    }

    /// Sends `body` as JSON (`Content-Type: application/json`).
    pub fn json<B: Serialize + ?Sized>(self, body: &B) -> Result<Response> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::json("cannot serialize the request body", e))?;
        self.bytes("application/json", &bytes)
    }

    /// Sends `body` with this content type (compressed with gzip above 32 KiB, like every
    /// body sfrest sends).
    pub fn bytes(self, content_type: &str, body: &[u8]) -> Result<Response> {
        self.send_body(Some(Body {
            content_type,
            bytes: body,
        }))
    }

    /// Sends a body streamed from `reader` (chunked transfer encoding, never held in memory,
    /// sent as read: not compressed). A streamed body is never sent twice, so the call is
    /// never retried: a failure other calls retry is [`Error::NotRetried`].
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sf = sfrest::Client::from_env()?;
    /// let csv = std::fs::File::open("rates.csv")?;
    /// let resp = sf.request("POST", "/services/apexrest/Rates").reader("text/csv", csv)?;
    /// # Ok(()) }
    /// ```
    pub fn reader<R: Read>(self, content_type: &str, mut reader: R) -> Result<Response> {
        self.check()?;
        let (idle, whole) = self.transfer_bounds();
        let (params, headers) = (self.params(), self.header_refs());
        let t = Transfer {
            method: self.method,
            path: &self.path,
            params: &params,
            headers: &headers,
            idle,
            whole,
        };
        let (reply, shown) = self.client.upload(&t, content_type, &mut reader)?;
        Ok(Response::new(self.method, shown, reply))
    }

    /// Streams the answer's body into `out` as it arrives (never held in memory, no size
    /// limit) and returns the number of bytes written. A 304 answer writes nothing and returns
    /// 0; any other status but 2xx is the usual error, with nothing written. Retried (GET and
    /// HEAD) only while nothing has been written to `out`.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sf = sfrest::Client::from_env()?;
    /// let mut file = std::fs::File::create("q3.pdf")?;
    /// let n = sf
    ///     .request("GET", "sobjects/ContentVersion/068RO0000012abcYAA/VersionData")
    ///     .download(&mut file)?;
    /// println!("{n} bytes");
    /// # Ok(()) }
    /// ```
    pub fn download<W: Write>(self, out: &mut W) -> Result<u64> {
        self.check()?;
        let (idle, whole) = self.transfer_bounds();
        let (params, headers) = (self.params(), self.header_refs());
        let t = Transfer {
            method: self.method,
            path: &self.path,
            params: &params,
            headers: &headers,
            idle,
            whole,
        };
        let (written, reply, shown) = self.client.download(&t, out)?;
        if is_success(reply.status) {
            Ok(written)
        } else {
            Err(status_error(self.method, &shown, &reply))
        }
    }

    fn send_body(self, body: Option<Body<'_>>) -> Result<Response> {
        self.check()?;
        let (params, headers) = (self.params(), self.header_refs());
        let req = Request {
            method: self.method,
            path: &self.path,
            params: &params,
            body,
            headers: &headers,
            changes_org: false,
        };
        let timeout = self
            .timeout
            .unwrap_or_else(|| self.client.default_timeout(self.method));
        let (reply, shown) = self.client.call_within(&req, timeout)?;
        if is_success(reply.status) {
            Ok(Response::new(self.method, shown, reply))
        } else {
            Err(status_error(self.method, &shown, &reply))
        }
    }

    fn check(&self) -> Result<()> {
        match &self.problem {
            Some(problem) => Err(Error::InvalidArgument {
                message: format!(
                    "{} {}: {problem}",
                    self.method,
                    crate::url::path_only(&self.path)
                ),
            }),
            None => Ok(()),
        }
    }

    /// The bound on silences and the bound on the whole of a streamed transfer.
    fn transfer_bounds(&self) -> (Duration, Duration) {
        let idle = self
            .timeout
            .unwrap_or_else(|| self.client.default_timeout(self.method));
        let whole = self
            .transfer_timeout
            .unwrap_or(self.client.inner.auth.config.transfer_timeout);
        (idle, whole)
    }

    fn params(&self) -> Vec<(&str, &str)> {
        self.query
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    fn header_refs(&self) -> Vec<(&str, &str)> {
        self.headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }
}

fn invalid_timeout(setting: &str, t: Duration) -> String {
    format!("{setting} {t:?} is not a usable timeout: give one between 1 ms and 24 h")
}
