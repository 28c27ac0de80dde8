//! Logging in again when the session expires: one attempt for all the threads that met the
//! expired session, whatever its outcome, and never past the deadline of the call that waits.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::auth::Session;
use crate::error::{Error, Result};
use crate::Client;

/// The re-login in progress, if any, and how the last one failed.
#[derive(Default)]
pub(crate) struct LoginFlight {
    state: Mutex<Flight>,
    ended: Condvar,
}

#[derive(Default)]
struct Flight {
    running: bool,
    /// The last attempt, when it failed: when it ended, and its error.
    failed: Option<Failure>,
}

struct Failure {
    ended: Instant,
    error: Error,
    /// It timed out because its caller's deadline came first, before its own login timeout.
    cut_short: bool,
}

impl LoginFlight {
    fn lock(&self) -> MutexGuard<'_, Flight> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Where the call that met the expired session was sent: its timeout names that origin and
/// the setting it came from, as transport errors do.
#[derive(Clone, Copy)]
pub(crate) enum CalledHost {
    /// The session's instance (`SF_INSTANCE_URL` when the client was given an access token).
    Instance,
    /// The login host (`SF_LOGIN_URL`), where the identity URL lives.
    Login,
}

/// The call that needs the new session: its start and deadline, and what to name in a timeout.
struct Waiting<'a> {
    method: &'static str,
    path: &'a str,
    /// The origin the call was sent to and the setting it came from.
    origin: String,
    setting: Option<&'static str>,
    started: Instant,
    deadline: Instant,
    timeout: Duration,
}

impl Waiting<'_> {
    fn timed_out(&self) -> Error {
        Error::Timeout {
            method: self.method,
            path: self.path.to_string(),
            origin: self.origin.clone(),
            setting: self.setting,
            after: self.timeout,
        }
    }
}

impl Client {
    /// A session newer than `session`, which expired for the call `method path` sent to
    /// `host`; that call started at `started` and has `timeout` for all of it, this login
    /// included (see [`Client::relogin`]).
    pub(crate) fn relogin_for(
        &self,
        session: &Session,
        host: CalledHost,
        method: &'static str,
        path: &str,
        started: Instant,
        timeout: Duration,
    ) -> Result<Session> {
        let (origin, setting) = match host {
            CalledHost::Instance => (session.origin.to_string(), self.instance_setting()),
            CalledHost::Login => (
                crate::url::origin_text(&self.inner.auth.config.login_url),
                Some("SF_LOGIN_URL"),
            ),
        };
        let call = Waiting {
            method,
            path,
            origin,
            setting,
            started,
            deadline: started + timeout,
            timeout,
        };
        self.relogin(session.generation, &call)
    }

    /// A session newer than `seen_generation`, which expired for `call`.
    ///
    /// The first thread to get here logs in; the threads that meet the same expired session
    /// while it does wait for its outcome and share it: its new session, or its error when the
    /// login failed (so a login outage costs one attempt, not one per thread). A failed login
    /// is shared with every call that started before it ended; a call started after that tries
    /// again. Nobody waits or logs in past its call's deadline: the login's timeout is cut to
    /// what is left of it, and running out is that call's [`Error::Timeout`].
    fn relogin(&self, seen_generation: u64, call: &Waiting<'_>) -> Result<Session> {
        let flight = &self.inner.login_flight;
        let mut st = flight.lock();
        loop {
            let current = self.session();
            if current.generation != seen_generation {
                return Ok(current);
            }
            if let Some(failed) = &st.failed {
                if failed.ended >= call.started {
                    if !failed.cut_short {
                        return Err(copy(&failed.error));
                    }
                    // Another call's deadline ended that attempt: with little time left, this
                    // call's ends too; with more than half of it, this call tries itself.
                    let left = call.deadline.saturating_duration_since(Instant::now());
                    if left < call.timeout / 2 {
                        return Err(call.timed_out());
                    }
                    if !st.running {
                        st.failed = None;
                        break;
                    }
                }
            }
            if !st.running {
                break;
            }
            let left = call.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(call.timed_out());
            }
            st = flight
                .ended
                .wait_timeout(st, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        let left = call.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(call.timed_out());
        }
        let login_timeout = self.inner.auth.config.login_timeout;
        let rotating = self.inner.auth.flow == crate::AuthFlow::RefreshToken;
        // A refresh cut short after Salesforce answered it would lose a rotated refresh token
        // (the one sent is spent, its successor never read): a refresh starts only with at
        // least half of the time it may take (the login timeout, or the call's own timeout
        // when that is shorter); with less, this call ends and the next one refreshes.
        let least = if rotating {
            login_timeout.min(call.timeout) / 2
        } else {
            Duration::ZERO
        };
        if left < least {
            return Err(too_little_left(call, left));
        }
        st.running = true;
        drop(st);
        let budget = login_timeout.min(left);
        // Spending a refresh token and saving its successor is done by one process at a time
        // (the lock is released at the end of this function, after the cache is written); the
        // wait for it leaves the refresh at least `least`.
        let (lock, timeout) = match (&self.inner.cache, rotating) {
            (Some(cache), true) => {
                // Waited for until the call's deadline, less what a refresh needs.
                let until = call.deadline.checked_sub(least).unwrap_or(call.deadline);
                let lock = crate::cache_lock::lock(cache.path(), until);
                let remaining = call.deadline.saturating_duration_since(Instant::now());
                (lock, login_timeout.min(remaining))
            }
            // No lock to wait for: the whole budget (so a timeout names the configured one).
            _ => (crate::cache_lock::Locked::Unavailable, budget),
        };
        let held = lock.is_held();
        let busy = matches!(lock, crate::cache_lock::Locked::Busy);
        let saved = self.session_saved_by_another_run(held, call.started);
        // Another run kept the lock (it is spending the refresh token), or the wait for it
        // used up what a refresh needs: this call ends, the next one tries.
        let gave_up = saved.is_none() && (busy || timeout.is_zero() || timeout < least);
        let result = match saved {
            Some(saved) => Ok(saved),
            None if gave_up && busy => Err(self.inner.cache.as_ref().map_or_else(
                || call.timed_out(),
                |cache| {
                    cache.refresh_refused(
                        &self.inner.auth.config.login_url,
                        "The next call uses the session it saves, or refreshes.",
                    )
                },
            )),
            None if gave_up => Err(too_little_left(call, timeout)),
            None => {
                self.pick_up_rotated_token();
                self.inner.auth.login_within(&self.inner.transport, timeout)
            }
        };
        let mut st = flight.lock();
        st.running = false;
        match result {
            Ok(mut fresh) => {
                fresh.generation = seen_generation + 1;
                *self
                    .inner
                    .session
                    .write()
                    .unwrap_or_else(|e| e.into_inner()) = fresh.clone();
                st.failed = None;
                // The waiting threads go on with the new session at once; the cache file (two
                // syncs, slow on some disks) is written after, outside the lock.
                flight.ended.notify_all();
                drop(st);
                if let Some(cache) = &self.inner.cache {
                    cache.store_under(&lock, &fresh);
                }
                drop(lock);
                Ok(fresh)
            }
            Err(e) => {
                flight.ended.notify_all();
                if !gave_up {
                    log::warn!("logging in again failed: {e}");
                }
                // Ended by this call's deadline rather than by the login timeout: the threads
                // waiting for it try themselves if they have the time. Another run's refresh
                // under way is the same answer for them all.
                let cut_short = (gave_up && !busy)
                    || (budget < login_timeout && matches!(e, Error::Timeout { .. }));
                st.failed = Some(Failure {
                    ended: Instant::now(),
                    error: copy(&e),
                    cut_short,
                });
                Err(if cut_short { call.timed_out() } else { e })
            }
        }
    }
}

/// The call's timeout, when the session expired with too little of it left to refresh safely.
fn too_little_left(call: &Waiting<'_>, left: Duration) -> Error {
    log::warn!(
        "{} {}: the session expired with {} ms left, too little to refresh it safely; the next call will",
        call.method,
        call.path,
        left.as_millis()
    );
    call.timed_out()
}

impl Client {
    /// With the cache lock held (`locked`): the session another run saved in the token cache
    /// since this call started (`started`), if it is not the one that just expired here: that
    /// run refreshed, its session is fresh, and refreshing again would spend a token for
    /// nothing.
    fn session_saved_by_another_run(
        &self,
        locked: bool,
        started: Instant,
    ) -> Option<crate::auth::Session> {
        if !locked {
            return None;
        }
        let since = std::time::SystemTime::now().checked_sub(started.elapsed())?;
        let saved = self.inner.cache.as_ref()?.load_saved_since(since)?;
        let expired = self.session();
        (saved.access_token.expose() != expired.access_token.expose()).then(|| {
            log::info!("using the session another run saved in the token cache");
            saved
        })
    }
}

/// The same error again, for each thread that shares a failed login (`Error` is not `Clone`:
/// I/O and JSON sources are copied as their kind and text). The kinds a login can end with are
/// copied as they are; any other is kept as its text.
fn copy(e: &Error) -> Error {
    match e {
        Error::MissingConfig {
            flow,
            reason,
            missing,
        } => Error::MissingConfig {
            flow: *flow,
            reason: reason.clone(),
            missing: missing.clone(),
        },
        Error::InvalidConfig { setting, message } => Error::InvalidConfig {
            setting,
            message: message.clone(),
        },
        Error::Auth {
            flow,
            status,
            error,
            description,
        } => Error::Auth {
            flow: *flow,
            status: *status,
            error: error.clone(),
            description: description.clone(),
        },
        Error::UnexpectedBody {
            method,
            path,
            status,
            problem,
            excerpt,
        } => Error::UnexpectedBody {
            method,
            path: path.clone(),
            status: *status,
            problem: problem.clone(),
            excerpt: excerpt.clone(),
        },
        Error::Timeout {
            method,
            path,
            origin,
            setting,
            after,
        } => Error::Timeout {
            method,
            path: path.clone(),
            origin: origin.clone(),
            setting: *setting,
            after: *after,
        },
        Error::BodyTooLarge {
            method,
            path,
            limit,
        } => Error::BodyTooLarge {
            method,
            path: path.clone(),
            limit: *limit,
        },
        Error::Transport {
            method,
            path,
            origin,
            setting,
            message,
        } => Error::Transport {
            method,
            path: path.clone(),
            origin: origin.clone(),
            setting: *setting,
            message: message.clone(),
        },
        Error::Refused { url, reason } => Error::Refused {
            url: url.clone(),
            reason: reason.clone(),
        },
        Error::Io { context, source } => Error::Io {
            context: context.clone(),
            source: std::io::Error::new(source.kind(), source.to_string()),
        },
        Error::Json { context, source } => Error::Json {
            context: context.clone(),
            source: <serde_json::Error as serde::de::Error>::custom(source.to_string()),
        },
        other => Error::Unexpected {
            message: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_reads_the_same() {
        let errors = [
            Error::Auth {
                flow: crate::AuthFlow::Password,
                status: 400,
                error: "invalid_grant".into(),
                description: "authentication failure".into(),
            },
            Error::Timeout {
                method: "POST",
                path: "/services/oauth2/token".into(),
                origin: "https://login.salesforce.com".into(),
                setting: Some("SF_LOGIN_URL"),
                after: Duration::from_millis(700),
            },
            Error::Io {
                context: "reading".into(),
                source: std::io::Error::other("gone"),
            },
        ];
        for e in &errors {
            assert_eq!(copy(e).to_string(), e.to_string());
        }
    }
}
