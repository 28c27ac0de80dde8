//! One HTTP exchange: headers, timeout, gzip both ways, the size limit, and ureq's errors
//! turned into ours. Knows nothing of sessions or Salesforce's JSON.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use flate2::write::GzEncoder;
use ureq::http;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use ureq::RequestExt;

use crate::error::{Error, Result};
use crate::url::origin_text;

/// `User-Agent` of every request.
pub(crate) const USER_AGENT: &str = concat!("sfrest/", env!("CARGO_PKG_VERSION"));

/// A request body.
pub(crate) struct Body<'a> {
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

/// A request body read from a stream (sent chunked, never held in memory).
pub(crate) struct Stream<'a> {
    pub content_type: &'a str,
    pub content_encoding: Option<&'static str>,
    pub reader: &'a mut dyn Read,
}

/// One request to make.
pub(crate) struct Call<'a, 'r, 'w> {
    pub method: &'static str,
    pub url: &'a str,
    /// The path shown in errors and logs (never a query string, never a token).
    pub path: &'a str,
    /// Request headers; a `Content-Type` here replaces the body's, and a `Content-Encoding`
    /// here means the body is sent as given (never compressed again).
    pub headers: &'a [(&'a str, &'a str)],
    pub body: Option<Body<'a>>,
    /// A streamed body, in place of `body`.
    pub stream: Option<Stream<'r>>,
    /// Where a 2xx body goes, copied as it arrives, in place of `Reply::body`.
    pub sink: Option<&'w mut dyn Write>,
    pub timeout: Duration,
    /// The setting the URL's origin came from (`SF_LOGIN_URL`, `SF_INSTANCE_URL`), named in
    /// transport errors; `None` for the instance URL a login returned.
    pub setting: Option<&'static str>,
}

/// What came back.
pub(crate) struct Reply {
    pub status: u16,
    /// Every response header, names lowercase.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// A response header by lowercase name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The shared agent (one connection pool) and the limits every call obeys.
#[derive(Clone)]
pub(crate) struct Transport {
    agent: ureq::Agent,
    max_response_size: u64,
    compress_above: usize,
}

impl Transport {
    /// `roots`: trust these CA certificates instead of the bundled Mozilla roots.
    pub fn new(
        max_response_size: u64,
        compress_above: usize,
        roots: Option<Vec<Certificate<'static>>>,
    ) -> Transport {
        let mut config = ureq::Agent::config_builder();
        if let Some(roots) = roots {
            config = config.tls_config(
                TlsConfig::builder()
                    .root_certs(RootCerts::new_with_certs(&roots))
                    .build(),
            );
        }
        let config = config
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(USER_AGENT)
            .accept_encoding("gzip")
            // Threads sharing a client (parallel bulk downloads, the load test) keep their
            // connections: ureq's default keeps 3 idle per host.
            .max_idle_connections(64)
            .max_idle_connections_per_host(32)
            .build();
        let agent = ureq::Agent::with_parts(
            config,
            ureq::unversioned::transport::DefaultConnector::new(),
            crate::resolver::CachingResolver::default(),
        );
        Transport {
            agent,
            max_response_size,
            compress_above,
        }
    }

    /// Sends the call and reads the whole (decompressed, size-limited) body, all within
    /// `call.timeout`.
    pub fn send(&self, call: Call<'_, '_, '_>) -> Result<Reply> {
        self.send_timed(call, None)
    }

    /// [`Transport::send`] for a transfer: `call.timeout` bounds the whole of it, and `idle`
    /// (when given) bounds connecting, the wait for the answer, and every silence of the
    /// connection in between (a stalled transfer ends after `idle`, a slow one does not).
    pub fn send_timed(&self, mut call: Call<'_, '_, '_>, idle: Option<Duration>) -> Result<Reply> {
        let started = Instant::now();
        log::debug!("{} {}", call.method, call.path);
        let mut builder = http::Request::builder().method(call.method).uri(call.url);
        for (name, value) in call.headers {
            builder = builder.header(*name, *value);
        }
        let has = |name: &str| {
            call.headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
        };
        let own_type = has("content-type");
        let own_encoding = has("content-encoding");
        let timing = (call.timeout, idle);
        let result = match (&call.body, call.stream.take()) {
            (_, Some(stream)) => {
                if !own_type {
                    builder = builder.header("Content-Type", stream.content_type);
                }
                if let (Some(encoding), false) = (stream.content_encoding, own_encoding) {
                    builder = builder.header("Content-Encoding", encoding);
                }
                builder
                    .body(ureq::SendBody::from_reader(stream.reader))
                    .map(|r| self.run(r, timing))
            }
            (None, None) => builder.body(()).map(|r| self.run(r, timing)),
            (Some(body), None) => {
                if !own_type {
                    builder = builder.header("Content-Type", body.content_type);
                }
                if body.bytes.len() > self.compress_above && !own_encoding {
                    let gz = gzip(body.bytes);
                    log::trace!(
                        "request body {} bytes, gzip {} bytes",
                        body.bytes.len(),
                        gz.len()
                    );
                    builder
                        .header("Content-Encoding", "gzip")
                        .body(gz)
                        .map(|r| self.run(r, timing))
                } else {
                    builder.body(body.bytes).map(|r| self.run(r, timing))
                }
            }
        };
        let mut response = match result {
            Err(e) => {
                return Err(Error::Transport {
                    method: call.method,
                    path: call.path.to_string(),
                    origin: origin_text(call.url),
                    setting: call.setting,
                    message: format!("invalid request: {e}"),
                })
            }
            Ok(Err(e)) => return Err(convert(e, &call, None, idle)),
            Ok(Ok(r)) => r,
        };
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let body = match call.sink.take() {
            // No body follows a HEAD answer (its Content-Encoding describes the GET's body).
            _ if call.method == "HEAD" => Vec::new(),
            Some(sink) if (200..300).contains(&status) => {
                let mut reader = response.body_mut().as_reader();
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = match reader.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(e) => {
                            return Err(convert(ureq::Error::from(e), &call, Some(status), idle))
                        }
                    };
                    sink.write_all(&buf[..n]).map_err(|e| Error::Io {
                        context: format!("writing the answer of {} {}", call.method, call.path),
                        source: e,
                    })?;
                }
                Vec::new()
            }
            _ => response
                .body_mut()
                .with_config()
                .limit(self.max_response_size)
                .read_to_vec()
                .map_err(|e| convert(e, &call, Some(status), idle))?,
        };
        log::trace!(
            "{} {} -> {status}, {} bytes in {} ms",
            call.method,
            call.path,
            body.len(),
            started.elapsed().as_millis()
        );
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    fn run<S: ureq::AsSendBody>(
        &self,
        request: http::Request<S>,
        (timeout, idle): (Duration, Option<Duration>),
    ) -> std::result::Result<http::Response<ureq::Body>, ureq::Error> {
        let mut config = request
            .with_agent(&self.agent)
            .configure()
            .timeout_global(Some(timeout));
        if let Some(idle) = idle {
            config = config
                .timeout_connect(Some(idle))
                .timeout_recv_response(Some(idle))
                .timeout_per_read(Some(idle))
                .timeout_per_write(Some(idle));
        }
        config.build().run()
    }
}

/// Reads the CA certificates of a PEM file (`SF_CA_FILE`).
pub(crate) fn load_roots(path: &std::path::Path) -> Result<Vec<Certificate<'static>>> {
    let invalid = |message: String| Error::InvalidConfig {
        setting: "SF_CA_FILE",
        message,
    };
    let pem =
        std::fs::read(path).map_err(|e| invalid(format!("cannot read {}: {e}", path.display())))?;
    let certs: Vec<Certificate<'static>> = ureq::tls::parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect();
    if certs.is_empty() {
        return Err(invalid(format!(
            "{} holds no PEM certificate (BEGIN CERTIFICATE)",
            path.display()
        )));
    }
    Ok(certs)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4),
        flate2::Compression::fast(),
    );
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

/// Whether a transport error's message says it is final: TLS, DNS, a request that cannot be
/// sent, a response that breaks the protocol. The messages [`convert`] writes start so.
pub(crate) fn is_final(message: &str) -> bool {
    [
        "tls:",
        "host not found",
        "invalid request",
        "invalid response",
    ]
    .iter()
    .any(|p| message.starts_with(p))
}

/// Whether an I/O error is the resolver's (std words every getaddrinfo failure so, the
/// temporary `EAI_AGAIN` included).
fn dns_error(io: &std::io::Error) -> bool {
    io.to_string()
        .starts_with("failed to lookup address information")
}

/// Turns ureq's error into ours; `status` is known when the error happened reading the body,
/// `idle` is the bound on silences of a transfer ([`Transport::send_timed`]).
///
/// Transport errors name the origin and its setting (in `Display`), and say what the failure
/// usually means: the message starts with what happened (`connection refused`, `host not
/// found`, `tls: ...`), which [`is_final`] reads.
fn convert(
    e: ureq::Error,
    call: &Call<'_, '_, '_>,
    status: Option<u16>,
    idle: Option<Duration>,
) -> Error {
    let method = call.method;
    let path = call.path.to_string();
    match e {
        ureq::Error::Timeout(kind) if idle.is_some() && kind != ureq::Timeout::Global => {
            let idle = idle.unwrap_or_default();
            let when = match status {
                None => "no answer",
                Some(_) => "the transfer stalled: no data",
            };
            Error::Transport {
                method,
                path,
                origin: origin_text(call.url),
                setting: call.setting,
                message: format!(
                    "timed out: {when} for {} (the call's timeout bounds connecting, the wait for the answer and every silence of a transfer; the transfer timeout bounds the whole)",
                    crate::error_text::fmt_duration(idle)
                ),
            }
        }
        ureq::Error::Timeout(_) => Error::Timeout {
            method,
            path,
            origin: origin_text(call.url),
            setting: call.setting,
            after: call.timeout,
        },
        ureq::Error::BodyExceedsLimit(limit) => Error::BodyTooLarge {
            method,
            path,
            limit,
        },
        // A body that arrived whole but does not inflate (ureq passes its own errors, such as
        // a lost connection, through the decoder unchanged).
        ureq::Error::Decompress(codec, io) if status.is_some() => Error::UnexpectedBody {
            method,
            path,
            status: status.unwrap_or(0),
            problem: format!("a body that could not be decoded ({codec}: {io})"),
            excerpt: String::new(),
        },
        ureq::Error::Io(io)
            if status.is_some()
                && io.kind() == std::io::ErrorKind::InvalidData
                && tls_error(&io).is_none() =>
        {
            Error::UnexpectedBody {
                method,
                path,
                status: status.unwrap_or(0),
                problem: format!("a body that could not be decoded ({io})"),
                excerpt: String::new(),
            }
        }
        other => Error::Transport {
            method,
            path,
            origin: origin_text(call.url),
            setting: call.setting,
            message: crate::redact::text(&transport_message(&other, call, status)),
        },
    }
}

/// What went wrong on the connection, and what usually causes it.
fn transport_message(e: &ureq::Error, call: &Call<'_, '_, '_>, status: Option<u16>) -> String {
    let setting = call.setting.unwrap_or("the instance URL");
    let origin = crate::url::Origin::parse(call.url);
    let host = origin.as_ref().map_or("the host", |o| o.host.as_str());
    match (e, status) {
        (ureq::Error::HostNotFound, _) => format!(
            "host not found: {host} has no address; check the host name in {setting} (a My Domain URL looks like https://NAME.my.salesforce.com)"
        ),
        (ureq::Error::Io(io), None) if dns_error(io) => format!(
            "host not found: looking up {host} failed ({}); check the host name in {setting} and this machine's DNS",
            io.to_string().trim_start_matches("failed to lookup address information: ")
        ),
        (ureq::Error::Io(io), None) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            let port = origin.as_ref().map_or(0, |o| o.port);
            format!(
                "connection refused: nothing accepts connections on {host} port {port}; check {setting} (scheme, host and port) and that the server is up"
            )
        }
        (ureq::Error::Protocol(p), _) => {
            format!("invalid response: it breaks the HTTP protocol ({p})")
        }
        (ureq::Error::LargeResponseHeader(_, limit), _) => {
            format!("invalid response: its headers are larger than {limit} bytes")
        }
        (ureq::Error::Tls(m), _) => format!("tls: {m}"),
        (ureq::Error::Rustls(e), _) => format!("tls: {e}{}", tls_hint(e, setting)),
        (ureq::Error::Io(io), _) if tls_error(io).is_some() => {
            let e = tls_error(io).unwrap_or(&rustls::Error::HandshakeNotComplete);
            format!("tls: {e}{}", tls_hint(e, setting))
        }
        (other, Some(s)) => format!("connection lost while reading the {s} answer: {other}"),
        (other, None) => other.to_string(),
    }
}

/// The rustls error inside an I/O error (handshake and record errors reach us that way).
fn tls_error(io: &std::io::Error) -> Option<&rustls::Error> {
    io.get_ref()?.downcast_ref::<rustls::Error>()
}

/// What a TLS failure usually means.
fn tls_hint(e: &rustls::Error, setting: &str) -> String {
    match e {
        rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer) => {
            " (the server's certificate is not signed by a trusted CA; behind a TLS-inspecting \
             proxy, put the proxy's CA certificate in SF_CA_FILE or ClientBuilder::ca_file)"
                .into()
        }
        rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName) => {
            " (the server's certificate is for another host name)".into()
        }
        rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType) => format!(
            " (the server does not answer in TLS: it probably serves plain http on this port; if so, {setting} must start with http://, which sfrest accepts for loopback hosts only)"
        ),
        _ => String::new(),
    }
}

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

    #[test]
    fn dns_and_protocol_failures_are_final() {
        let call = Call {
            method: "GET",
            url: "https://x.invalid/",
            path: "/p",
            headers: &[],
            body: None,
            stream: None,
            sink: None,
            timeout: Duration::from_secs(1),
            setting: None,
        };
        let again = std::io::Error::other(
            "failed to lookup address information: Temporary failure in name resolution",
        );
        let e = convert(ureq::Error::Io(again), &call, None, None);
        assert!(e.to_string().contains("host not found"), "{e}");
        assert!(!e.is_retryable(), "{e}");
        let e = convert(
            ureq::Error::LargeResponseHeader(70_000, 65_536),
            &call,
            None,
            None,
        );
        assert!(!e.is_retryable(), "{e}");
        let reset = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert!(convert(ureq::Error::Io(reset), &call, None, None).is_retryable());
    }

    #[test]
    fn gzip_round_trips() {
        use std::io::Read;
        let data = b"{\"records\":[]}".repeat(100);
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&gzip(&data)[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, data);
    }
}
