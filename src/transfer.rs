//! Transfers: a request body streamed from a reader, and an answer streamed to a writer. Both
//! keep memory flat whatever the size. The call's timeout bounds connecting, the wait for the
//! answer and every silence of the connection (but the wait for an upload's answer, which
//! only the transfer timeout bounds); the transfer timeout bounds the whole.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::relogin::CalledHost;
use crate::request::{bearer, session_expired};
use crate::response::status_error;
use crate::transport::{Call, Reply, Stream};
use crate::Client;

/// What [`Error::NotRetried`] says of a streamed request body.
const STREAMED: &str =
    "the request body was streamed from a reader, which cannot be read twice; make the call again with a fresh reader";

/// One transfer to make.
pub(crate) struct Transfer<'a> {
    pub method: &'static str,
    pub path: &'a str,
    pub params: &'a [(&'a str, &'a str)],
    pub headers: &'a [(&'a str, &'a str)],
    /// Bounds connecting, the wait for the answer and every silence.
    pub idle: Duration,
    /// Bounds the whole transfer.
    pub whole: Duration,
}

/// Counts the bytes handed to the caller's writer.
struct Counting<'w> {
    inner: &'w mut dyn Write,
    written: u64,
}

impl Write for Counting<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl Client {
    /// Sends a body streamed from `reader` (chunked, never held in memory). Never retried:
    /// a failure that would be retried for another call is [`Error::NotRetried`]; an expired
    /// session is renewed for the next call, and this one reported the same way. Returns the
    /// reply of a 2xx or 304 answer, and the path to show.
    pub(crate) fn upload(
        &self,
        t: &Transfer<'_>,
        content_type: &str,
        reader: &mut dyn Read,
    ) -> Result<(Reply, String)> {
        self.view.check()?;
        let started = Instant::now();
        let session = self.session();
        let (url, shown) = self.target(&session, t.path, t.params)?;
        let bearer = bearer(&session);
        let headers = self.headers(&bearer, "application/json", t.headers);
        let sent = self.inner.transport.send_timed(
            Call {
                method: t.method,
                url: &url,
                path: &shown,
                headers: &headers,
                body: None,
                stream: Some(Stream {
                    content_type,
                    content_encoding: None,
                    reader,
                }),
                sink: None,
                timeout: t.whole,
                setting: self.instance_setting(),
            },
            Some(t.idle),
        );
        let reply = sent.map_err(|e| not_retried(e, STREAMED.to_string()))?;
        self.note_usage(&reply);
        if session_expired(&reply) {
            if !self.inner.auth.flow.can_relogin() {
                return Err(Error::SessionExpired {
                    method: t.method,
                    path: shown,
                });
            }
            log::info!("session expired; logging in again for the next call");
            self.relogin_for(
                &session,
                CalledHost::Instance,
                t.method,
                &shown,
                started,
                t.whole,
            )?;
            return Err(Error::NotRetried {
                reason: format!("the session had expired and sfrest logged in again; {STREAMED}"),
                source: Box::new(status_error(t.method, &shown, &reply)),
            });
        }
        if is_success(reply.status) {
            return Ok((reply, shown));
        }
        Err(not_retried(
            status_error(t.method, &shown, &reply),
            STREAMED.to_string(),
        ))
    }

    /// Streams the body of a 2xx answer into `out` and returns the number of bytes written.
    /// Failures are retried as for other calls (and after an expired session, once) only while
    /// nothing has been written to `out`; retries end within `t.idle` of the start. A non-2xx
    /// answer is read whole and returned as the reply (304 among them), with 0 bytes written.
    pub(crate) fn download(
        &self,
        t: &Transfer<'_>,
        out: &mut dyn Write,
    ) -> Result<(u64, Reply, String)> {
        self.view.check()?;
        let retry = self.inner.auth.config.retry;
        let started = Instant::now();
        let deadline = started + t.idle;
        let mut session = self.session();
        let mut relogged = false;
        let mut attempt = 0;
        let mut out = Counting {
            inner: out,
            written: 0,
        };
        loop {
            let (url, shown) = self.target(&session, t.path, t.params)?;
            // Retries and a re-login share the one budget: `t.whole` bounds it all.
            let left = (started + t.whole).saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::Timeout {
                    method: t.method,
                    path: shown,
                    origin: session.origin.to_string(),
                    setting: self.instance_setting(),
                    after: t.whole,
                });
            }
            let bearer = bearer(&session);
            let headers = self.headers(&bearer, "*/*", t.headers);
            let sent = self
                .inner
                .transport
                .send_timed(
                    Call {
                        method: t.method,
                        url: &url,
                        path: &shown,
                        headers: &headers,
                        body: None,
                        stream: None,
                        sink: Some(&mut out),
                        timeout: left,
                        setting: self.instance_setting(),
                    },
                    Some(t.idle),
                )
                // What is left ran out: the whole transfer is what timed out.
                .map_err(|e| match e {
                    Error::Timeout { after, .. } if after == left => e.with_timeout(t.whole),
                    e => e,
                });
            if out.written > 0 {
                let reply = sent.map_err(|e| {
                    let reason = format!(
                        "{} bytes of the answer were already written to the writer; download again into a fresh writer",
                        out.written
                    );
                    not_retried(e, reason)
                })?;
                self.note_usage(&reply);
                // A buffered writer's last bytes are the caller's only once flushed: a disk
                // that is full fails here, not silently when the buffer is dropped.
                flush(&mut out)?;
                return Ok((out.written, reply, shown));
            }
            if let Ok(reply) = &sent {
                self.note_usage(reply);
                if session_expired(reply) && self.inner.auth.flow.can_relogin() && !relogged {
                    log::info!("session expired; logging in again");
                    session = self.relogin_for(
                        &session,
                        CalledHost::Instance,
                        t.method,
                        &shown,
                        started,
                        t.whole,
                    )?;
                    relogged = true;
                    continue;
                }
            }
            let outcome = sent.map(|reply| (reply, shown));
            match retry.wait(t.method, attempt, &outcome, deadline) {
                Some(wait) => {
                    attempt += 1;
                    log::warn!(
                        "{} {}: {}; retry {attempt} of {} in {} ms",
                        t.method,
                        crate::url::path_only(t.path),
                        match &outcome {
                            Ok((reply, _)) => format!("answered {}", reply.status),
                            Err(e) => e.to_string(),
                        },
                        retry.max_retries,
                        wait.as_millis()
                    );
                    std::thread::sleep(wait);
                }
                None => {
                    let (reply, shown) = outcome?;
                    if session_expired(&reply) && !self.inner.auth.flow.can_relogin() {
                        return Err(Error::SessionExpired {
                            method: t.method,
                            path: shown,
                        });
                    }
                    flush(&mut out)?;
                    return Ok((0, reply, shown));
                }
            }
        }
    }
}

/// Flushes the caller's writer at the end of a download.
fn flush(out: &mut Counting<'_>) -> Result<()> {
    out.flush().map_err(|source| Error::Io {
        context: format!(
            "flushing the writer after {} bytes of the download",
            out.written
        ),
        source,
    })
}

/// 2xx, and 304 (`Not Modified`): the answers a call returns as a success.
pub(crate) fn is_success(status: u16) -> bool {
    (200..300).contains(&status) || status == 304
}

/// `e` as [`Error::NotRetried`] when it is a failure that would have been retried (a timeout
/// never is: the time is up).
fn not_retried(e: Error, reason: String) -> Error {
    if e.is_retryable() && !matches!(e, Error::Timeout { .. }) {
        Error::NotRetried {
            reason,
            source: Box::new(e),
        }
    } else {
        e
    }
}
