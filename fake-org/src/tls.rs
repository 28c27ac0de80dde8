//! https for the fake org: a rustls server configuration from PEM text, and one connection
//! served through it. A connection whose first byte is not a TLS handshake is a plain-HTTP
//! request sent to the https port: it is counted, answered 400 in clear text (as nginx does) and
//! closed, never served.

use std::cell::RefCell;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::net::TcpStream;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

use crate::org::Org;
use crate::Host;

/// The TLS side of both listeners.
pub(crate) struct TlsServer {
    config: Arc<ServerConfig>,
    /// Connections that sent plain HTTP to an https port.
    pub plaintext: AtomicUsize,
}

impl TlsServer {
    /// A server configuration from a PEM certificate chain (leaf first) and a PEM private key
    /// (PKCS#8, PKCS#1 or SEC1).
    pub fn from_pem(cert_chain_pem: &str, key_pem: &str) -> io::Result<TlsServer> {
        let invalid = |what: String| io::Error::new(io::ErrorKind::InvalidInput, what);
        let certs = CertificateDer::pem_slice_iter(cert_chain_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid(format!("bad certificate PEM: {e}")))?;
        if certs.is_empty() {
            return Err(invalid("no certificate in the certificate PEM".into()));
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
            .map_err(|e| invalid(format!("bad private key PEM: {e}")))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid(format!("tls: {e}")))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| invalid(format!("certificate and key do not fit: {e}")))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsServer {
            config: Arc::new(config),
            plaintext: AtomicUsize::new(0),
        })
    }
}

/// The TLS stream, shared by the buffered reader and writer of one connection thread.
#[derive(Clone)]
struct Shared(Rc<RefCell<StreamOwned<ServerConnection, TcpStream>>>);

impl Read for Shared {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.borrow_mut().read(buf)
    }
}

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.borrow_mut().flush()
    }
}

/// Serves one accepted connection over TLS until it closes.
pub(crate) fn connection(stream: TcpStream, tls: &TlsServer, host: Host, conn_id: u64, org: &Org) {
    // The first byte of a TLS connection is a handshake record (22); "G", "P"... is plain HTTP.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut first = [0u8; 1];
    match stream.peek(&mut first) {
        Ok(1) if first[0] == 22 => {}
        Ok(1) => {
            tls.plaintext.fetch_add(1, Ordering::Relaxed);
            let body = "<html><body><h1>400 Bad Request</h1>The plain HTTP request was sent to HTTPS port</body></html>";
            let _ = (&stream).write_all(
                format!(
                    "HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            );
            // Close gracefully: read what the client still sends (bounded), so that it gets
            // the answer rather than a reset.
            let _ = stream.shutdown(std::net::Shutdown::Write);
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let _ = io::copy(&mut (&stream).take(1 << 20), &mut io::sink());
            return;
        }
        _ => return,
    }
    let _ = stream.set_read_timeout(None);
    let Ok(conn) = ServerConnection::new(tls.config.clone()) else {
        return;
    };
    let shared = Shared(Rc::new(RefCell::new(StreamOwned::new(conn, stream))));
    let mut reader = BufReader::with_capacity(64 * 1024, shared.clone());
    let mut writer = BufWriter::with_capacity(64 * 1024, shared.clone());
    while crate::http::serve_one(&mut reader, &mut writer, host, conn_id, org) {}
    let _ = writer.flush();
    let mut s = shared.0.borrow_mut();
    s.conn.send_close_notify();
    let _ = s.flush();
}
