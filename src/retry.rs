//! When a failed call is made again: idempotent calls only (unless the caller opts in), on
//! exactly the failures [`Error::is_retryable`] calls retryable (broken connections, 502/503/504
//! and 5xx HTML pages, transient Salesforce codes), with exponential backoff and jitter,
//! honouring `Retry-After`, never past the call's timeout.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::{Duration, Instant};

use crate::error::Result;
use crate::transport::Reply;

/// The first wait; each retry doubles it, up to [`MAX_WAIT`].
const FIRST_WAIT: Duration = Duration::from_millis(250);
/// The longest wait between two attempts (a longer `Retry-After` is honoured if it fits).
const MAX_WAIT: Duration = Duration::from_secs(8);

/// The retry settings of a client.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RetryPolicy {
    pub max_retries: u32,
    pub retry_writes: bool,
}

impl RetryPolicy {
    /// How long to wait before attempt `attempt + 1`, or `None` to give this outcome to the
    /// caller. `deadline` is the end of the call's timeout budget.
    pub fn wait(
        &self,
        method: &str,
        attempt: u32,
        outcome: &Result<(Reply, String)>,
        deadline: Instant,
    ) -> Option<Duration> {
        if attempt >= self.max_retries {
            return None;
        }
        let idempotent = matches!(method, "GET" | "HEAD");
        if !idempotent && !self.retry_writes {
            return None;
        }
        let retry_after = match outcome {
            Err(e) if e.is_retryable() => None,
            Ok((reply, path)) if !(200..300).contains(&reply.status) => {
                // The error this answer makes, asked the question the caller would ask (the
                // method named in it plays no part in the answer).
                if !crate::response::api_error("GET", path, reply).is_retryable() {
                    return None;
                }
                reply.header("retry-after").and_then(parse_retry_after)
            }
            _ => return None,
        };
        let wait = retry_after.unwrap_or_else(|| backoff(attempt));
        let remaining = deadline.saturating_duration_since(Instant::now());
        // Leave the next attempt at least as long as the wait, or it is not worth making.
        (wait.saturating_mul(2) < remaining).then_some(wait)
    }
}

/// `Retry-After` in seconds (the HTTP-date form is not used by Salesforce and is ignored).
fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Exponential backoff with jitter: between half and all of `FIRST_WAIT * 2^attempt`, capped.
pub(crate) fn backoff(attempt: u32) -> Duration {
    let full = FIRST_WAIT
        .saturating_mul(1 << attempt.min(16))
        .min(MAX_WAIT);
    let random = RandomState::new().hash_one(Instant::now()) % 1000;
    full / 2 + full / 2 * random as u32 / 1000
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    fn reply(status: u16, ct: &str, retry_after: Option<&str>) -> Result<(Reply, String)> {
        Ok((
            Reply {
                status,
                headers: [("content-type", ct)]
                    .into_iter()
                    .chain(retry_after.map(|r| ("retry-after", r)))
                    .map(|(n, v)| (n.to_string(), v.to_string()))
                    .collect(),
                body: if ct.contains("html") {
                    b"<html><body>down</body></html>".to_vec()
                } else {
                    vec![]
                },
            },
            "/p".into(),
        ))
    }

    const POLICY: RetryPolicy = RetryPolicy {
        max_retries: 3,
        retry_writes: false,
    };

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(60)
    }

    #[test]
    fn only_transient_failures_of_reads_are_retried() {
        assert!(POLICY
            .wait("GET", 0, &reply(503, "application/json", None), far())
            .is_some());
        assert!(POLICY
            .wait("GET", 0, &reply(500, "text/html", None), far())
            .is_some());
        assert!(POLICY
            .wait("GET", 0, &reply(500, "application/json", None), far())
            .is_none());
        assert!(POLICY
            .wait("GET", 0, &reply(403, "application/json", None), far())
            .is_none());
        assert!(POLICY
            .wait("POST", 0, &reply(503, "text/html", None), far())
            .is_none());
        assert!(POLICY
            .wait("PATCH", 0, &reply(502, "", None), far())
            .is_none());
        let writes = RetryPolicy {
            retry_writes: true,
            ..POLICY
        };
        assert!(writes
            .wait("POST", 0, &reply(503, "", None), far())
            .is_some());
        assert!(
            POLICY
                .wait("GET", 3, &reply(503, "", None), far())
                .is_none(),
            "bounded"
        );
        let tls = Err(Error::Transport {
            method: "GET",
            path: "/p".into(),
            origin: "https://x.my.salesforce.com".into(),
            setting: None,
            message: "tls: invalid peer certificate: UnknownIssuer".into(),
        });
        assert!(
            POLICY.wait("GET", 0, &tls, far()).is_none(),
            "a certificate problem is final"
        );
        let reset = Err(Error::Transport {
            method: "GET",
            path: "/p".into(),
            origin: "https://x.my.salesforce.com".into(),
            setting: None,
            message: "io: Connection reset by peer".into(),
        });
        assert!(POLICY.wait("GET", 0, &reset, far()).is_some());
        let timeout = Err(Error::Timeout {
            method: "GET",
            path: "/p".into(),
            origin: "https://x.my.salesforce.com".into(),
            setting: None,
            after: Duration::from_secs(1),
        });
        assert!(
            POLICY.wait("GET", 0, &timeout, far()).is_some(),
            "retryable, and time is left"
        );
        assert!(POLICY
            .wait(
                "GET",
                0,
                &timeout,
                Instant::now() + Duration::from_millis(100)
            )
            .is_none());
    }

    #[test]
    fn retry_after_is_honoured_within_the_budget() {
        assert_eq!(
            POLICY.wait("GET", 0, &reply(503, "", Some("2")), far()),
            Some(Duration::from_secs(2))
        );
        let soon = Instant::now() + Duration::from_secs(3);
        assert_eq!(
            POLICY.wait("GET", 0, &reply(503, "", Some("2")), soon),
            None
        );
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        for attempt in 0..20 {
            let full = FIRST_WAIT
                .saturating_mul(1 << attempt.min(16))
                .min(MAX_WAIT);
            let w = backoff(attempt);
            assert!(w >= full / 2 && w <= full, "{attempt}: {w:?}");
        }
    }
}
