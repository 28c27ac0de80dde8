//! A small HTTP/1.1 server: one thread per connection, keep-alive, chunked and gzip request
//! bodies, gzip responses on request.

use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;

use crate::fault::{fault_response, reflect};
use crate::org::{lock, Org};
use crate::response::{reason, Response};
use crate::tls::TlsServer;
use crate::{Fault, Host, RecordedRequest};

/// Longest request target Salesforce accepts; longer gets 414.
const MAX_URI: usize = 16_384;
/// Longest target plus headers; longer gets 431.
const MAX_HEAD: usize = 16_384;
/// Largest request body accepted (Bulk API uploads are at most 150 MB).
const MAX_BODY: usize = 160 * 1024 * 1024;
/// Largest `multipart/form-data` body accepted: a 2 GB ContentVersion and its fields.
const MAX_MULTIPART: usize = 2 * 1024 * 1024 * 1024 + 1024 * 1024;

/// Starts the accept loop of one listener, serving https when `tls` is given.
pub(crate) fn serve_with(
    listener: TcpListener,
    host: Host,
    org: Arc<Org>,
    tls: Option<Arc<TlsServer>>,
) -> io::Result<JoinHandle<()>> {
    thread::Builder::new()
        .name(format!("fake-org-{host:?}"))
        .spawn(move || {
            for conn in listener.incoming() {
                if org.shutdown.load(Ordering::SeqCst) {
                    break;
                }
                match conn {
                    Ok(stream) => {
                        let org = org.clone();
                        let tls = tls.clone();
                        let _ = thread::Builder::new()
                            .name("fake-org-conn".into())
                            .spawn(move || connection(stream, host, org, tls));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        })
}

/// Why a request could not be read.
enum ReadError {
    /// The connection failed or closed mid-request: nothing to answer.
    Io,
    /// The request is not acceptable: answer with this status and close.
    Http(u16),
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> ReadError {
        ReadError::Io
    }
}

/// A request read off the wire.
struct Incoming {
    req: RecordedRequest,
    keep_alive: bool,
    /// Set when a gzip body could not be decoded.
    gzip_error: Option<String>,
}

fn connection(stream: TcpStream, host: Host, org: Arc<Org>, tls: Option<Arc<TlsServer>>) {
    let _ = stream.set_nodelay(true);
    let id = org.next_conn.fetch_add(1, Ordering::Relaxed);
    if let Ok(clone) = stream.try_clone() {
        lock(&org.conns).insert(id, clone);
    }
    if let (false, Some(tls)) = (org.shutdown.load(Ordering::SeqCst), tls) {
        crate::tls::connection(stream, &tls, host, id, &org);
    } else if !org.shutdown.load(Ordering::SeqCst) {
        if let Ok(read_half) = stream.try_clone() {
            let mut reader = BufReader::with_capacity(64 * 1024, read_half);
            let mut writer = BufWriter::with_capacity(64 * 1024, stream);
            while serve_one(&mut reader, &mut writer, host, id, &org) {}
            let _ = writer.get_ref().shutdown(Shutdown::Both);
        }
    }
    lock(&org.conns).remove(&id);
}

/// Reads and answers one request; false when the connection must close.
pub(crate) fn serve_one<R: Read, W: Write>(
    reader: &mut BufReader<R>,
    writer: &mut BufWriter<W>,
    host: Host,
    conn: u64,
    org: &Org,
) -> bool {
    let incoming = match read_request(reader, writer, host, conn) {
        Ok(Some(i)) => i,
        Ok(None) | Err(ReadError::Io) => return false,
        Err(ReadError::Http(status)) => {
            let body = format!(
                "<html><body><h1>{status} {}</h1></body></html>",
                reason(status)
            );
            let resp = Response {
                status,
                content_type: Some("text/html".into()),
                headers: Vec::new(),
                body: body.into_bytes(),
                compressible: false,
            };
            let _ = write_response(writer, resp, None, false);
            return false;
        }
    };
    let Incoming {
        req,
        keep_alive,
        gzip_error,
    } = incoming;
    if org.recording.load(Ordering::Relaxed) {
        lock(&org.requests).push(req.clone());
    }
    if let Some(d) = org.delay_for(&req.path) {
        thread::sleep(d);
    }
    let resp = match org.take_fault(&req.path) {
        Some(Fault::Raw(bytes)) => {
            let _ = writer.write_all(&bytes).and_then(|_| writer.flush());
            return false;
        }
        Some(Fault::Close) => return false,
        Some(Fault::Trickle {
            head,
            body,
            interval,
        }) => {
            if writer.write_all(&head).and_then(|_| writer.flush()).is_ok() {
                for b in body {
                    thread::sleep(interval);
                    let sent = writer.write_all(&[b]).and_then(|_| writer.flush());
                    if sent.is_err() || org.shutdown.load(Ordering::SeqCst) {
                        break;
                    }
                }
            }
            return false;
        }
        Some(Fault::Reflect {
            status,
            content_type,
            template,
        }) => reflect(&req, status, content_type, &template),
        Some(fault) => fault_response(fault),
        None => match gzip_error {
            Some(msg) => Response::error(400, "JSON_PARSER_ERROR", &msg),
            None => catch_unwind(AssertUnwindSafe(|| crate::rest::route(org, &req))).unwrap_or_else(|_| {
                Response::error(500, "UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this ErrorId if you contact support: 1873645921-42 (-1096358263)")
            }),
        },
    };
    write_response(writer, resp, Some(&req), keep_alive).is_ok() && keep_alive
}

/// Reads one line (without CRLF). `None` at a clean end of stream before any byte.
fn read_line<R: Read>(
    r: &mut BufReader<R>,
    limit: usize,
    too_long: u16,
) -> Result<Option<Vec<u8>>, ReadError> {
    let mut line = Vec::new();
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return if line.is_empty() {
                Ok(None)
            } else {
                Err(ReadError::Io)
            };
        }
        let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..=i], true),
            None => (buf, false),
        };
        line.extend_from_slice(chunk);
        let n = chunk.len();
        r.consume(n);
        if line.len() > limit {
            return Err(ReadError::Http(too_long));
        }
        if done {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(Some(line));
        }
    }
}

fn read_request<R: Read, W: Write>(
    r: &mut BufReader<R>,
    w: &mut BufWriter<W>,
    host: Host,
    conn: u64,
) -> Result<Option<Incoming>, ReadError> {
    // Tolerate stray empty lines between requests.
    let line = loop {
        match read_line(r, MAX_URI + 32, 414)? {
            None => return Ok(None),
            Some(l) if l.is_empty() => continue,
            Some(l) => break l,
        }
    };
    let line = String::from_utf8(line).map_err(|_| ReadError::Http(400))?;
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Http(400));
    };
    if !version.starts_with("HTTP/1.") || method.is_empty() || target.is_empty() {
        return Err(ReadError::Http(400));
    }
    if target.len() > MAX_URI {
        return Err(ReadError::Http(414));
    }
    let mut head_len = target.len();
    let mut headers = Vec::new();
    loop {
        let Some(h) = read_line(r, MAX_HEAD, 431)? else {
            return Err(ReadError::Io);
        };
        if h.is_empty() {
            break;
        }
        head_len += h.len();
        if head_len > MAX_HEAD {
            return Err(ReadError::Http(431));
        }
        let h = String::from_utf8_lossy(&h).into_owned();
        let Some((name, value)) = h.split_once(':') else {
            return Err(ReadError::Http(400));
        };
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let connection = header("connection").unwrap_or("").to_ascii_lowercase();
    let keep_alive = if version == "HTTP/1.0" {
        connection.contains("keep-alive")
    } else {
        !connection.split(',').any(|t| t.trim() == "close")
    };
    let chunked =
        header("transfer-encoding").is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    let length = match header("content-length") {
        Some(v) if !chunked => Some(v.parse::<usize>().map_err(|_| ReadError::Http(400))?),
        _ => None,
    };
    let multipart = header("content-type").is_some_and(|t| {
        t.trim_start()
            .to_ascii_lowercase()
            .starts_with("multipart/form-data")
    });
    let max_body = if multipart { MAX_MULTIPART } else { MAX_BODY };
    if length.is_some_and(|n| n > max_body) {
        return Err(ReadError::Http(413));
    }
    let expects_continue = header("expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue"));
    if expects_continue && (chunked || length.unwrap_or(0) > 0) {
        w.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        w.flush()?;
    }
    let raw = if chunked {
        read_chunked(r, max_body)?
    } else {
        let mut body = vec![0u8; length.unwrap_or(0)];
        r.read_exact(&mut body)?;
        body
    };
    let raw_body_len = raw.len();
    let gzipped = header("content-encoding").is_some_and(|e| e.trim().eq_ignore_ascii_case("gzip"));
    let mut gzip_error = None;
    let body = if gzipped && !raw.is_empty() {
        let mut out = Vec::new();
        match MultiGzDecoder::new(&raw[..])
            .take(MAX_BODY as u64 * 4)
            .read_to_end(&mut out)
        {
            Ok(_) => out,
            Err(e) => {
                gzip_error = Some(format!("Unable to read the request body: Content-Encoding is gzip but the body is not valid gzip data ({e})"));
                raw
            }
        }
    } else {
        raw
    };
    let target_path = strip_authority(target);
    let (path, query) = target_path.split_once('?').unwrap_or((target_path, ""));
    let req = RecordedRequest {
        host,
        connection: conn,
        method: method.to_owned(),
        target: target.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        body,
        raw_body_len,
    };
    Ok(Some(Incoming {
        req,
        keep_alive,
        gzip_error,
    }))
}

/// Turns an absolute-form target (`http://host/path`) into its path.
fn strip_authority(target: &str) -> &str {
    match target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))
    {
        Some(rest) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target,
    }
}

fn read_chunked<R: Read>(r: &mut BufReader<R>, max_body: usize) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        let Some(line) = read_line(r, 1024, 400)? else {
            return Err(ReadError::Io);
        };
        let line = String::from_utf8_lossy(&line);
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| ReadError::Http(400))?;
        if size == 0 {
            // Trailer section, up to the empty line.
            loop {
                match read_line(r, MAX_HEAD, 431)? {
                    Some(l) if l.is_empty() => return Ok(body),
                    Some(_) => continue,
                    None => return Ok(body),
                }
            }
        }
        if body.len() + size > max_body {
            return Err(ReadError::Http(413));
        }
        let start = body.len();
        body.resize(start + size, 0);
        r.read_exact(&mut body[start..])?;
        let mut crlf = [0u8; 2];
        r.read_exact(&mut crlf)?;
        if &crlf != b"\r\n" {
            return Err(ReadError::Http(400));
        }
    }
}

/// True when the request's Accept-Encoding allows gzip.
pub(crate) fn accepts_gzip(req: &RecordedRequest) -> bool {
    req.header("accept-encoding").is_some_and(|v| {
        v.split(',').any(|item| {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim();
            let q_zero = parts.any(|p| {
                let p = p.trim();
                p.strip_prefix("q=")
                    .is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q == 0.0))
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !q_zero
        })
    })
}

fn write_response<W: Write>(
    w: &mut BufWriter<W>,
    mut resp: Response,
    req: Option<&RecordedRequest>,
    keep_alive: bool,
) -> io::Result<()> {
    let gzip = resp.compressible && !resp.body.is_empty() && req.is_some_and(accepts_gzip);
    if gzip {
        let mut enc = GzEncoder::new(
            Vec::with_capacity(resp.body.len() / 4 + 64),
            Compression::fast(),
        );
        enc.write_all(&resp.body)?;
        resp.body = enc.finish()?;
    }
    let mut head = String::with_capacity(256);
    head.push_str(&format!(
        "HTTP/1.1 {} {}\r\n",
        resp.status,
        reason(resp.status)
    ));
    head.push_str(&format!(
        "Date: {}\r\n",
        crate::time::http_date(crate::time::now_ms())
    ));
    for (name, value) in &resp.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(ct) = &resp.content_type {
        head.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    if gzip {
        head.push_str("Content-Encoding: gzip\r\n");
    }
    if resp.compressible {
        head.push_str("Vary: Accept-Encoding\r\n");
    }
    if resp.status != 204 && resp.status >= 200 {
        head.push_str(&format!("Content-Length: {}\r\n", resp.body.len()));
    }
    if !keep_alive {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    w.write_all(head.as_bytes())?;
    let head_only = req.is_some_and(|r| r.method == "HEAD");
    if resp.status != 204 && !head_only {
        w.write_all(&resp.body)?;
    }
    w.flush()
}
