//! Opening connections to the instance ahead of a burst of parallel calls, so that the burst
//! does not pay a TCP and a TLS handshake per extra connection when it starts (two round
//! trips, 0.1 s at 50 ms).
//!
//! The connections are opened by asking for `GET /services/data/` (the API versions) without
//! the session: a resource Salesforce serves without authentication, so the warm-up spends no
//! API call and sends no token. Whatever it answers, the connection it came on stays in the
//! client's pool for the calls that follow. The requests hold their answers until all of them
//! have one (or a short while has passed), so that they are in flight together on as many
//! connections, however quick the server is.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::transport::Call;
use crate::Client;

/// The longest a warm-up request may take: it is only worth anything if it is quick.
const WARM_UP_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest a warm-up holds its answer waiting for the others.
const HOLD: Duration = Duration::from_secs(2);

/// Counts the warm-ups that have their answer; each waits until all have (or [`HOLD`]).
struct Latch {
    left: Mutex<usize>,
    all_in: Condvar,
    /// [`HOLD`], or less when the requests' timeout is short (the hold counts against it).
    hold: Duration,
}

impl Latch {
    fn arrive_and_wait(&self) {
        let deadline = Instant::now() + self.hold;
        let mut left = self.left.lock().unwrap_or_else(|e| e.into_inner());
        *left = left.saturating_sub(1);
        self.all_in.notify_all();
        while *left > 0 {
            let now = Instant::now();
            if now >= deadline {
                return;
            }
            left = self
                .all_in
                .wait_timeout(left, deadline - now)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }
}

/// Where a warm-up's answer goes: nowhere, once every warm-up has its own.
struct Held<'a> {
    latch: &'a Latch,
    arrived: bool,
}

impl Held<'_> {
    fn arrive(&mut self) {
        if !self.arrived {
            self.arrived = true;
            self.latch.arrive_and_wait();
        }
    }
}

impl Write for Held<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.arrive();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Client {
    /// Starts `n` requests at once to the instance in background threads and returns without
    /// waiting for them: once they are answered, the pool holds `n` connections to the
    /// instance (those idle now are reused, and the others opened). A failure is logged and
    /// otherwise ignored: the calls that follow open their own connections, as without it.
    pub(crate) fn warm_up(&self, n: usize) {
        let url = format!(
            "{}/services/data/",
            self.instance_url().trim_end_matches('/')
        );
        let timeout = WARM_UP_TIMEOUT.min(self.inner.auth.config.get_timeout);
        let latch = Arc::new(Latch {
            left: Mutex::new(n),
            all_in: Condvar::new(),
            hold: HOLD.min(timeout / 2),
        });
        for started in 0..n {
            let client = self.clone();
            let url = url.clone();
            let mine = latch.clone();
            let spawned = std::thread::Builder::new()
                .name("sfrest-warm-up".into())
                .spawn(move || {
                    let mut held = Held {
                        latch: &mine,
                        arrived: false,
                    };
                    let call = Call {
                        method: "GET",
                        url: &url,
                        path: "/services/data/",
                        headers: &[],
                        body: None,
                        stream: None,
                        sink: Some(&mut held),
                        timeout,
                        setting: None,
                    };
                    match client.inner.transport.send(call) {
                        Ok(reply) => log::debug!("warm-up: GET /services/data/ {}", reply.status),
                        Err(e) => log::debug!("warm-up failed (ignored): {e}"),
                    }
                    // An answer without a body, or none at all, still counts.
                    held.arrive();
                });
            if let Err(e) = spawned {
                log::debug!("warm-up thread not started (ignored): {e}");
                // The threads that did start do not wait for those that did not.
                let mut left = latch.left.lock().unwrap_or_else(|e| e.into_inner());
                *left = left.saturating_sub(n - started);
                latch.all_in.notify_all();
                return;
            }
        }
    }
}
