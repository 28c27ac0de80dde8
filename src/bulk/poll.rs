//! Waiting for jobs: the polling schedule and the wait that rides out transient failures.

use std::time::{Duration, Instant};

use super::{Bulk, JobInfo};
use crate::error::{Error, Result};

/// The wait before the next poll, `waited` into a wait: an eighth of it, within `[first, max]`.
pub(crate) fn next_poll_wait(waited: Duration, first: Duration, max: Duration) -> Duration {
    (waited / 8).clamp(first, max.max(first))
}

impl Bulk {
    /// Polls `refresh` with backoff until every job is final, reporting progress. `known`: the
    /// jobs as last seen; when one is still running the first poll waits `poll_first` (a poll
    /// right away would only repeat what the job's creation answered). `refresh` is given the
    /// timeout of its calls: the client's GET timeout, or what is left of the wait if less.
    ///
    /// A poll that fails in a way a retry may cure ([`Error::is_retryable`]: a maintenance
    /// page, a broken connection, a timeout) is made again after a backoff (capped at the
    /// polling interval's maximum), for as long as the wait timeout allows. Every error but the
    /// job's own failure and the wait timeout is [`Error::JobWait`], naming the jobs.
    pub(super) fn poll<F, P>(
        &self,
        ids: &[String],
        known: &[JobInfo],
        mut refresh: F,
        mut progress: P,
    ) -> Result<()>
    where
        F: FnMut(Duration) -> Result<Vec<JobInfo>>,
        P: FnMut(&[JobInfo]),
    {
        self.poll_until_final(ids, known, &mut refresh, &mut progress)
            .map_err(|e| match e {
                e @ (Error::JobFailed { .. } | Error::JobTimeout { .. }) => e,
                source => Error::JobWait {
                    ids: ids.to_vec(),
                    query: known.iter().any(|i| i.operation.starts_with("query")),
                    source: Box::new(source),
                },
            })
    }

    fn poll_until_final(
        &self,
        ids: &[String],
        known: &[JobInfo],
        refresh: &mut dyn FnMut(Duration) -> Result<Vec<JobInfo>>,
        progress: &mut dyn FnMut(&[JobInfo]),
    ) -> Result<()> {
        let started = Instant::now();
        let query = known.iter().any(|i| i.operation.starts_with("query"));
        if !known.iter().all(JobInfo::is_final) {
            std::thread::sleep(self.poll_first.min(self.wait_timeout));
        }
        let mut wait = next_poll_wait(started.elapsed(), self.poll_first, self.poll_max);
        let mut last: Vec<(String, u64)> = Vec::new();
        let mut failures: u32 = 0;
        let get_timeout = self.client.inner.auth.config.get_timeout;
        loop {
            let left = self.wait_timeout.saturating_sub(started.elapsed());
            let timeout = get_timeout.min(left).max(Duration::from_millis(1));
            let infos = match refresh(timeout) {
                Ok(infos) => {
                    failures = 0;
                    infos
                }
                Err(Error::Timeout { .. }) if timeout < get_timeout => {
                    // The poll was cut to what was left of the wait: the wait's own timeout
                    // ran out, not the poll's.
                    return Err(Error::JobTimeout {
                        ids: ids.to_vec(),
                        query,
                        after: self.wait_timeout,
                    });
                }
                Err(e) => {
                    let pause = crate::retry::backoff(failures).min(self.poll_max);
                    if !e.is_retryable()
                        || started.elapsed().saturating_add(pause) >= self.wait_timeout
                    {
                        return Err(e);
                    }
                    failures = failures.saturating_add(1);
                    log::warn!(
                        "bulk job {}: polling failed ({e}); polling again in {} ms",
                        ids.join(", "),
                        pause.as_millis()
                    );
                    std::thread::sleep(pause);
                    continue;
                }
            };
            let now: Vec<(String, u64)> = infos
                .iter()
                .map(|i| (i.state.clone(), i.number_records_processed))
                .collect();
            if now != last {
                for i in &infos {
                    log::info!(
                        "bulk job {}: {} ({} records processed, {} failed)",
                        crate::redact::cow(&i.id),
                        crate::redact::cow(&i.state),
                        i.number_records_processed,
                        i.number_records_failed
                    );
                }
                last = now;
            }
            progress(&infos);
            if let Some(bad) = infos
                .iter()
                .find(|i| i.state == "Failed" || i.state == "Aborted")
            {
                return Err(Error::JobFailed {
                    id: crate::redact::text(&bad.id),
                    state: crate::redact::text(&bad.state),
                    message: crate::redact::text(bad.error_message.as_deref().unwrap_or_default()),
                });
            }
            if infos.iter().all(JobInfo::is_final) {
                return Ok(());
            }
            if started.elapsed().saturating_add(wait) > self.wait_timeout {
                return Err(Error::JobTimeout {
                    ids: ids.to_vec(),
                    query: infos.iter().any(|i| i.operation.starts_with("query")),
                    after: self.wait_timeout,
                });
            }
            std::thread::sleep(wait);
            wait = next_poll_wait(started.elapsed(), self.poll_first, self.poll_max);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{DEFAULT_POLL_FIRST, DEFAULT_POLL_MAX};
    use super::*;

    /// Polls until a job of `secs` is seen final, on the default schedule (no time spent
    /// in the calls themselves).
    fn polls_for(secs: f64) -> (u32, f64) {
        let mut t = DEFAULT_POLL_FIRST;
        let mut n = 1;
        while t.as_secs_f64() < secs {
            t += next_poll_wait(t, DEFAULT_POLL_FIRST, DEFAULT_POLL_MAX);
            n += 1;
        }
        (n, t.as_secs_f64())
    }

    #[test]
    fn the_default_schedule_is_what_the_docs_say() {
        assert_eq!(polls_for(2.0).0, 8);
        assert_eq!(polls_for(10.0).0, 22);
        assert_eq!(polls_for(60.0).0, 37);
        let (hour, _) = polls_for(3600.0);
        assert!((158..=164).contains(&hour), "{hour}");
        assert_eq!(polls_for(7200.0).0 - hour, 120);
        // Noticed within an eighth of the run time (or the first interval).
        for secs in [1.0, 2.0, 2.05, 3.0, 7.0, 30.0, 100.0] {
            let (_, seen) = polls_for(secs);
            assert!(seen <= secs * 1.125 + 0.25, "{secs} s job seen at {seen}");
        }
        assert_eq!(
            next_poll_wait(
                Duration::from_secs(3600),
                DEFAULT_POLL_FIRST,
                DEFAULT_POLL_MAX
            ),
            DEFAULT_POLL_MAX
        );
    }
}
