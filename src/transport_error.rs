//! ureq's errors turned into ours: what happened on the connection, named with the origin and
//! the setting it came from, and what it usually means.

use std::time::Duration;

use crate::error::Error;
use crate::transport::Call;
use crate::url::origin_text;

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
/// `idle` is the bound on silences of a transfer
/// ([`crate::transport::Transport::send_timed`]).
///
/// Transport errors name the origin and its setting (in `Display`), and say what the failure
/// usually means: the message starts with what happened (`connection refused`, `host not
/// found`, `tls: ...`), which [`is_final`] reads.
pub(crate) fn convert(
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
