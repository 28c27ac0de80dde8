//! One HTTP exchange: headers, timeout, gzip both ways, the size limit, and ureq's errors
//! turned into ours (in [`crate::transport_error`]). Knows nothing of sessions or Salesforce's
//! JSON.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use flate2::write::GzEncoder;
use ureq::http;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use ureq::RequestExt;

use crate::error::{Error, Result};
use crate::transport_error::convert;
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
    /// `roots`: trust these CA certificates instead of the bundled Mozilla roots. The proxy
    /// variables are honoured (ureq reads them), but for this machine's loopback, which is
    /// always called directly (see [`Transport::run`]).
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
    /// After a streamed upload's last byte the server may take longer than `idle` to store
    /// what it got (a file of gigabytes), so its answer is awaited for what is left of
    /// `call.timeout`: ending sooner would report a failure for a record likely created.
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
        let timing = (call.timeout, idle, idle);
        let upload_timing = (call.timeout, idle, idle.map(|_| call.timeout));
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
                    .map(|r| self.run(r, upload_timing))
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
        (timeout, idle, answer): (Duration, Option<Duration>, Option<Duration>),
    ) -> std::result::Result<http::Response<ureq::Body>, ureq::Error> {
        // A proxy elsewhere cannot reach this machine's loopback (the fake org, a tunnel), and
        // a plain-http call tunnelled through it would travel in clear to the proxy's machine:
        // loopback is called directly whatever the proxy variables say.
        let loopback = request
            .uri()
            .host()
            .is_some_and(crate::url::is_loopback_host);
        let mut config = request
            .with_agent(&self.agent)
            .configure()
            .timeout_global(Some(timeout));
        if loopback {
            config = config.proxy(None);
        }
        if let Some(idle) = idle {
            config = config
                .timeout_connect(Some(idle))
                .timeout_recv_response(answer)
                .timeout_per_read(answer)
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

#[cfg(test)]
mod tests {
    use super::*;

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
