//! Who the session is ([`Client::identity`]) and the connected app's share of the API limit
//! ([`Client::app_api_usage`]).

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::auth::Session;
use crate::error::{Error, Result};
use crate::relogin::CalledHost;
use crate::response::into_json;
use crate::secret::Secret;
use crate::transport::{Call, Reply};
use crate::url::{path_only, Origin};
use crate::Client;

/// The OpenID Connect endpoint read when the login answer's identity URL is not known.
const USERINFO_PATH: &str = "/services/oauth2/userinfo";

impl Client {
    /// Who the session is: the identity URL of the login answer (`id`), read with the
    /// session's token. Its answer has `user_id`, `organization_id`, `username`,
    /// `display_name`, `email`, `urls` (for this API version) and more.
    ///
    /// A client given a bare access token (or a cached session from an older sfrest) has no
    /// identity URL: it reads `/services/oauth2/userinfo` instead, whose answer names the same
    /// user in OpenID Connect terms (`sub`, `user_id`, `organization_id`,
    /// `preferred_username`, ...). Either way the token goes only to the login host's origin
    /// (`SF_LOGIN_URL`: use `https://test.salesforce.com` or the My Domain for a sandbox), and
    /// only over https. An expired session is renewed once, as for every call.
    ///
    /// ```no_run
    /// # let sf = sfrest::Client::from_env()?;
    /// let me = sf.identity()?;
    /// println!("{} in org {}", me["username"], me["organization_id"]);
    /// # Ok::<_, sfrest::Error>(())
    /// ```
    pub fn identity(&self) -> Result<Value> {
        let timeout = self.inner.auth.config.get_timeout;
        let started = Instant::now();
        let deadline = started + timeout;
        let session = self.session();
        let (reply, path) = self.identity_call(&session, timeout)?;
        let rejected = matches!(reply.status, 401 | 403);
        if rejected && self.inner.auth.flow.can_relogin() {
            log::info!("identity: the session was refused; logging in again");
            let fresh =
                self.relogin_for(&session, CalledHost::Login, "GET", &path, started, timeout)?;
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::Timeout {
                    method: "GET",
                    path,
                    origin: crate::url::origin_text(&self.inner.auth.config.login_url),
                    setting: Some("SF_LOGIN_URL"),
                    after: timeout,
                });
            }
            let (reply, path) = self.identity_call(&fresh, left)?;
            return into_json("GET", &path, &reply);
        }
        into_json("GET", &path, &reply)
    }

    /// The connected app's own share of the daily API limit, `(used, max)`, from the
    /// `per-app-api-usage` entry of the last `Sforce-Limit-Info` header seen. `None` until a
    /// call has been made, and when the app has no quota of its own (Salesforce sends the entry
    /// only then); the org's total is [`Client::api_usage`].
    pub fn app_api_usage(&self) -> Option<(u64, u64)> {
        *self
            .inner
            .app_api_usage
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    fn identity_call(&self, session: &Session, timeout: Duration) -> Result<(Reply, String)> {
        let config = &self.inner.auth.config;
        let login_url = config.login_url.trim_end_matches('/');
        let url = match &session.identity_url {
            Some(id) => format!("{id}?version={}", config.api_version),
            None => format!("{login_url}{USERINFO_PATH}"),
        };
        let refused = |reason: String| Error::Refused {
            url: url.split(['?', '#']).next().unwrap_or("").to_string(),
            reason,
        };
        let origin = Origin::parse(&url).ok_or_else(|| refused("not a valid URL".into()))?;
        if Origin::parse(login_url).as_ref() != Some(&origin) {
            return Err(refused(format!(
                "the identity URL is not on the login host ({login_url}), and the session token is only sent there"
            )));
        }
        if !origin.is_secure_enough() {
            return Err(refused("the session token is only sent over https".into()));
        }
        let path = path_only(&url).to_string();
        let bearer = Secret::new(format!("Bearer {}", session.access_token.expose()));
        let reply = self.inner.transport.send(Call {
            method: "GET",
            url: &url,
            path: &path,
            headers: &[
                ("Authorization", bearer.expose()),
                ("Accept", "application/json"),
                ("Sforce-Call-Options", "client=sfrest"),
            ],
            body: None,
            stream: None,
            sink: None,
            timeout,
            // The identity URL is checked to be on the login host.
            setting: Some("SF_LOGIN_URL"),
        })?;
        Ok((reply, path))
    }
}
