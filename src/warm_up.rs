//! Opening connections to the instance ahead of a burst of parallel calls, so that the burst
//! does not pay a TCP and a TLS handshake per extra connection when it starts (two round
//! trips, 0.1 s at 50 ms).
//!
//! The connections are opened by asking for `GET /services/data/` (the API versions) without
//! the session: a resource Salesforce serves without authentication, so the warm-up spends no
//! API call and sends no token. Whatever it answers, the connection it came on stays in the
//! client's pool for the calls that follow.

use std::time::Duration;

use crate::transport::Call;
use crate::Client;

/// The longest a warm-up request may take: it is only worth anything if it is quick.
const WARM_UP_TIMEOUT: Duration = Duration::from_secs(10);

impl Client {
    /// Starts `n` requests at once to the instance in background threads and returns without
    /// waiting for them: once they are answered, the pool holds at least `n` connections to the
    /// instance (those idle now are reused, and the others opened). A failure is logged and
    /// otherwise ignored: the calls that follow open their own connections, as without it.
    pub(crate) fn warm_up(&self, n: usize) {
        let url = format!(
            "{}/services/data/",
            self.instance_url().trim_end_matches('/')
        );
        let timeout = WARM_UP_TIMEOUT.min(self.inner.auth.config.get_timeout);
        for _ in 0..n {
            let client = self.clone();
            let url = url.clone();
            let spawned = std::thread::Builder::new()
                .name("sfrest-warm-up".into())
                .spawn(move || {
                    let call = Call {
                        method: "GET",
                        url: &url,
                        path: "/services/data/",
                        headers: &[],
                        body: None,
                        stream: None,
                        sink: None,
                        timeout,
                        setting: None,
                    };
                    match client.inner.transport.send(call) {
                        Ok(reply) => log::debug!("warm-up: GET /services/data/ {}", reply.status),
                        Err(e) => log::debug!("warm-up failed (ignored): {e}"),
                    }
                });
            if let Err(e) = spawned {
                log::debug!("warm-up thread not started (ignored): {e}");
                return;
            }
        }
    }
}
