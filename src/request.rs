//! Making a call on the session: the URL and its origin check, the headers, retries within the
//! timeout, and one new login when the session has expired.

use std::time::{Duration, Instant};

use crate::auth::Session;
use crate::error::{Error, Result};
use crate::relogin::CalledHost;
use crate::response::parse_api_usage;
use crate::secret::Secret;
use crate::transport::{Body, Call, Reply, Stream};
use crate::url::{form_encode, path_only, Origin};
use crate::Client;

/// One REST call, before it has a URL.
pub(crate) struct Request<'a> {
    pub method: &'static str,
    /// Absolute on the instance (`/services/...`), relative to `/services/data/vXX.X/`, or a
    /// full URL that must be on the instance's origin.
    pub path: &'a str,
    pub params: &'a [(&'a str, &'a str)],
    pub body: Option<Body<'a>>,
    /// Headers beyond the ones every call carries (and the view's); a name given here
    /// replaces a default or view header of the same name.
    pub headers: &'a [(&'a str, &'a str)],
    /// A GET that changes the org (anonymous Apex): made again on a transient failure only
    /// as a write is (`retry_writes`), since the first attempt may have run.
    pub changes_org: bool,
}

impl Client {
    /// Makes one call on the session: resolves the path, checks the origin, adds the headers.
    /// An expired session (401 `INVALID_SESSION_ID`) is renewed once and the call replayed once,
    /// for every flow that can log in again. Returns the reply and the path to show in errors.
    /// The timeout covers all of it: retries, and the replay after a new login.
    pub(crate) fn call(&self, req: &Request<'_>) -> Result<(Reply, String)> {
        self.call_within(req, self.default_timeout(req.method))
    }

    /// The configured timeout of a call: the GET timeout for reads, the write timeout for the
    /// rest.
    pub(crate) fn default_timeout(&self, method: &str) -> Duration {
        let config = &self.inner.auth.config;
        if matches!(method, "GET" | "HEAD") {
            config.get_timeout
        } else {
            config.write_timeout
        }
    }

    /// [`Client::call`] with this timeout for the whole call, re-login and replay included.
    pub(crate) fn call_within(
        &self,
        req: &Request<'_>,
        timeout: Duration,
    ) -> Result<(Reply, String)> {
        self.view.check()?;
        let started = Instant::now();
        let deadline = started + timeout;
        let session = self.session();
        let first = self.call_retrying(&session, req, deadline, timeout)?;
        if !session_expired(&first.0) {
            return Ok(first);
        }
        if !self.inner.auth.flow.can_relogin() {
            return Err(Error::SessionExpired {
                method: req.method,
                path: first.1,
            });
        }
        log::info!("session expired; logging in again");
        let fresh = self.relogin_for(
            &session,
            CalledHost::Instance,
            req.method,
            &first.1,
            started,
            timeout,
        )?;
        self.call_retrying(&fresh, req, deadline, timeout)
    }

    /// One call, made again on transient failures as [`RetryPolicy`] allows, until `deadline`
    /// (the end of the call's `timeout`).
    fn call_retrying(
        &self,
        session: &Session,
        req: &Request<'_>,
        deadline: Instant,
        timeout: Duration,
    ) -> Result<(Reply, String)> {
        let method = req.method;
        let config = &self.inner.auth.config;
        let mut attempt = 0;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(Error::Timeout {
                    method,
                    path: path_only(req.path).to_string(),
                    origin: session.origin.to_string(),
                    setting: self.instance_setting(),
                    after: timeout,
                });
            }
            let outcome = self
                .call_once(session, req, remaining)
                .map_err(|e| e.with_timeout(timeout));
            let retried_as = if req.changes_org { "POST" } else { method };
            match config.retry.wait(retried_as, attempt, &outcome, deadline) {
                None => return outcome,
                Some(wait) => {
                    attempt += 1;
                    let why = match &outcome {
                        Ok((reply, _)) => format!("answered {}", reply.status),
                        Err(e) => e.to_string(),
                    };
                    log::warn!(
                        "{method} {}: {why}; retry {attempt} of {} in {} ms",
                        crate::redact::cow(path_only(req.path)),
                        config.retry.max_retries,
                        wait.as_millis()
                    );
                    std::thread::sleep(wait);
                }
            }
        }
    }

    /// The setting the instance URL came from: `SF_INSTANCE_URL` for a ready access token,
    /// none when a login returned it.
    pub(crate) fn instance_setting(&self) -> Option<&'static str> {
        (self.inner.auth.flow == crate::AuthFlow::AccessToken).then_some("SF_INSTANCE_URL")
    }

    fn call_once(
        &self,
        session: &Session,
        req: &Request<'_>,
        timeout: Duration,
    ) -> Result<(Reply, String)> {
        let (url, shown_path) = self.target(session, req.path, req.params)?;
        let bearer = bearer(session);
        let headers = self.headers(&bearer, "application/json", req.headers);
        let reply = self.inner.transport.send(Call {
            method: req.method,
            url: &url,
            path: &shown_path,
            headers: &headers,
            body: req.body.as_ref().map(|b| Body {
                content_type: b.content_type,
                bytes: b.bytes,
            }),
            stream: None,
            sink: None,
            timeout,
            setting: self.instance_setting(),
        })?;
        self.note_usage(&reply);
        Ok((reply, shown_path))
    }

    /// One call with a streamed request body and/or a streamed 2xx response body, for Bulk API
    /// uploads and downloads. Not retried. After an expired session (401) a new login is made;
    /// a download is then replayed once (nothing was written to `sink` yet), an upload is not (a
    /// stream cannot be read twice).
    pub(crate) fn call_streaming(
        &self,
        method: &'static str,
        path: &str,
        params: &[(&str, &str)],
        mut stream: Option<Stream<'_>>,
        mut sink: Option<&mut dyn std::io::Write>,
        timeout: Duration,
    ) -> Result<(Reply, String)> {
        self.view.check()?;
        let replayable = stream.is_none();
        let started = Instant::now();
        let deadline = started + timeout;
        let mut session = self.session();
        let mut replayed = false;
        loop {
            let (url, shown_path) = self.target(&session, path, params)?;
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(Error::Timeout {
                    method,
                    path: shown_path,
                    origin: session.origin.to_string(),
                    setting: self.instance_setting(),
                    after: timeout,
                });
            }
            let bearer = bearer(&session);
            let headers = self.headers(&bearer, "application/json, text/csv", &[]);
            let reply = self
                .inner
                .transport
                .send(Call {
                    method,
                    url: &url,
                    path: &shown_path,
                    headers: &headers,
                    body: None,
                    stream: stream.take(),
                    sink: sink.as_mut().map(|s| &mut **s as &mut dyn std::io::Write),
                    timeout: remaining,
                    setting: self.instance_setting(),
                })
                .map_err(|e| e.with_timeout(timeout))?;
            self.note_usage(&reply);
            if !session_expired(&reply) || !self.inner.auth.flow.can_relogin() {
                return Ok((reply, shown_path));
            }
            let fresh = self.relogin_for(
                &session,
                CalledHost::Instance,
                method,
                &shown_path,
                started,
                timeout,
            )?;
            if !replayable || replayed {
                return Ok((reply, shown_path));
            }
            log::info!("session expired; replaying {method} {shown_path}");
            session = fresh;
            replayed = true;
        }
    }

    /// The headers of a call: the bearer token, the defaults, the view's headers, then the
    /// call's own; a later header replaces an earlier one of the same name (the bearer token
    /// cannot be replaced: [`crate::view::check_header`] refuses it).
    pub(crate) fn headers<'h>(
        &'h self,
        bearer: &'h Secret,
        accept: &'h str,
        own: &[(&'h str, &'h str)],
    ) -> Vec<(&'h str, &'h str)> {
        let mut headers: Vec<(&str, &str)> = vec![
            ("Authorization", bearer.expose()),
            ("Accept", accept),
            ("Sforce-Call-Options", "client=sfrest"),
        ];
        let view = self
            .view
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()));
        for (name, value) in view.chain(own.iter().copied()) {
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            headers.push((name, value));
        }
        headers
    }

    /// The URL for `path` (origin-checked) with `params` in its query string, and the path to
    /// show in errors and logs.
    pub(crate) fn target(
        &self,
        session: &Session,
        path: &str,
        params: &[(&str, &str)],
    ) -> Result<(String, String)> {
        let mut url = self.resolve(session, path)?;
        if !params.is_empty() {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&form_encode(params));
        }
        let shown = crate::redact::text(path_only(&url));
        Ok((url, shown))
    }

    pub(crate) fn note_usage(&self, reply: &Reply) {
        let Some(header) = reply.header("sforce-limit-info") else {
            return;
        };
        if let Some(usage) = parse_api_usage(header) {
            *self
                .inner
                .api_usage
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Some(usage);
        }
        if let Some(usage) = crate::response::parse_app_api_usage(header) {
            *self
                .inner
                .app_api_usage
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Some(usage);
        }
    }

    /// The full URL for `path`, refusing any origin but the instance's.
    fn resolve(&self, session: &Session, path: &str) -> Result<String> {
        let lower = path.get(..8).unwrap_or(path).to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            let refused = |reason: String| Error::Refused {
                url: crate::redact::text(path.split(['?', '#']).next().unwrap_or("")),
                reason,
            };
            let origin = Origin::parse(path).ok_or_else(|| refused("not a valid URL".into()))?;
            if origin != session.origin {
                return Err(refused(format!(
                    "the session token is only sent to the instance URL's origin ({})",
                    session.instance_url
                )));
            }
            if !origin.is_secure_enough() {
                return Err(refused("the session token is only sent over https".into()));
            }
            return Ok(path.to_string());
        }
        Ok(if path.starts_with('/') {
            format!("{}{path}", session.instance_url)
        } else {
            format!("{}{}{path}", session.instance_url, self.version_root())
        })
    }
}

/// The `Authorization` header value, kept a [`Secret`].
pub(crate) fn bearer(session: &Session) -> Secret {
    Secret::unlisted(format!("Bearer {}", session.access_token.expose()))
}

/// Whether a reply says the session expired in a way a new login cures: 401 with
/// `INVALID_SESSION_ID`, but not the "not valid for use with the REST API" variant.
pub(crate) fn session_expired(reply: &Reply) -> bool {
    if reply.status != 401 {
        return false;
    }
    let Ok(errors) = serde_json::from_slice::<Vec<crate::ApiError>>(&reply.body) else {
        return false;
    };
    errors.first().is_some_and(|e| {
        e.error_code == "INVALID_SESSION_ID"
            && !e.message.contains("not valid for use with the REST API")
    })
}
