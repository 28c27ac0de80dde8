//! Ending a session ([`Client::logout`]): its access token revoked at Salesforce and forgotten
//! in the token cache.

use crate::error::Result;
use crate::secret::Secret;
use crate::transport::{Body, Call};
use crate::url::form_encode;
use crate::Client;

/// The revocation endpoint, on the instance's origin (the token's own).
const REVOKE_PATH: &str = "/services/oauth2/revoke";

impl Client {
    /// Ends the session: revokes its access token at Salesforce (`POST
    /// /services/oauth2/revoke` on the instance URL, "Revoking OAuth Tokens") and forgets it
    /// in the token cache, so that neither this process nor a later run uses it again. A token
    /// Salesforce no longer knows (expired, revoked) counts as ended. The configured refresh
    /// token, if any, is left alone.
    ///
    /// The client stays usable: its next call logs in again (a ready access token,
    /// `SF_ACCESS_TOKEN`, cannot: its calls then fail with [`Error::SessionExpired`](crate::Error::SessionExpired)). With a
    /// token cache, a job run every minute is better off not logging out: the next run would
    /// log in again. The write timeout applies (default 10 s); the call is not retried.
    ///
    /// ```no_run
    /// # let sf = sfrest::Client::from_env()?;
    /// // ... the job's work ...
    /// sf.logout()?;
    /// # Ok::<_, sfrest::Error>(())
    /// ```
    pub fn logout(&self) -> Result<()> {
        // One write timeout for all of it: the revocation, and the wait for the cache's lock.
        let deadline = std::time::Instant::now() + self.inner.auth.config.write_timeout;
        let session = self.session();
        let url = format!(
            "{}{REVOKE_PATH}",
            session.instance_url.trim_end_matches('/')
        );
        let form = Secret::new(form_encode(&[("token", session.access_token.expose())]));
        let reply = self.inner.transport.send(Call {
            method: "POST",
            url: &url,
            path: REVOKE_PATH,
            headers: &[("Accept", "application/json")],
            body: Some(Body {
                content_type: "application/x-www-form-urlencoded",
                bytes: form.expose().as_bytes(),
            }),
            stream: None,
            sink: None,
            timeout: self.inner.auth.config.write_timeout,
            setting: self.instance_setting(),
        })?;
        if reply.status != 200 {
            // The OAuth error (`{error, error_description}`), redacted, as every error is read.
            let e = crate::response::api_error("POST", REVOKE_PATH, &reply);
            if reply.status != 400 || e.error_code() != Some("invalid_token") {
                return Err(e);
            }
            log::debug!("logout: Salesforce no longer knew the token");
        }
        if let Some(cache) = &self.inner.cache {
            cache.forget(&session.access_token, deadline);
        }
        Ok(())
    }
}
