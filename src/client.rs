//! [`Client`]: a logged-in session and the REST calls made with it.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use serde::Serialize;
use serde_json::Value;

use crate::auth::{Authenticator, Session};
use crate::cache::TokenCache;
use crate::config::{normalize_api_version, normalize_base_url, AuthFlow, ClientBuilder, Config};
use crate::error::{Error, Result};
use crate::response::{into_json, parse_api_usage};
use crate::secret::Secret;
use crate::transport::{Body, Call, Reply, Transport};
use crate::url::{form_encode, path_only, Origin};

/// Request bodies larger than this many bytes are sent gzip-compressed.
pub(crate) const COMPRESS_ABOVE: usize = 32 * 1024;

/// A logged-in Salesforce client.
///
/// Cheap to clone: clones share one connection pool and one session, and the client is
/// `Send + Sync`, so threads can share it.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    auth: Authenticator,
    session: RwLock<Session>,
    /// Held while logging in again, so that one thread logs in and the others wait for it.
    login_lock: Mutex<()>,
    cache: Option<TokenCache>,
    api_usage: Mutex<Option<(u64, u64)>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("instance_url", &self.instance_url())
            .field("api_version", &self.inner.auth.config.api_version)
            .field("flow", &self.inner.auth.flow)
            .field("username", &self.inner.auth.config.username)
            .field("access_token", &"[redacted]")
            .finish()
    }
}

impl Client {
    /// Logs in with settings from the environment, where a `.env` file in the current directory
    /// or one of its parents (if any) fills in what the real environment does not set.
    ///
    /// The variables are listed in `.env.example`; which flow is used follows the rule on
    /// [`AuthFlow`].
    pub fn from_env() -> Result<Client> {
        ClientBuilder::default().load_env()?.build()
    }

    /// Like [`Client::from_env`] with an explicit `.env` file (which must exist): the form for
    /// cron jobs, whose working directory is rarely the project's.
    pub fn from_env_file(path: impl AsRef<Path>) -> Result<Client> {
        ClientBuilder::default().load_env_file(path)?.build()
    }

    /// A builder for settings given in code.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    pub(crate) fn connect(mut config: Config) -> Result<Client> {
        config.login_url = normalize_base_url("SF_LOGIN_URL", &config.login_url)?;
        config.api_version = normalize_api_version(&config.api_version)?;
        let flow = config.choose_flow()?;
        let transport = Transport::new(config.max_response_size, COMPRESS_ABOVE);
        let cache = TokenCache::for_config(&config);
        let auth = Authenticator::new(config, flow)?;
        let cached = cache.as_ref().and_then(TokenCache::load);
        let session = match (
            flow,
            &auth.config.access_token,
            &auth.config.instance_url,
            cached,
        ) {
            (AuthFlow::AccessToken, Some(token), Some(url), _) => {
                Session::ready(token.clone(), url)?
            }
            (_, _, _, Some(session)) => session,
            _ => {
                let session = auth.login(&transport)?;
                if let Some(cache) = &cache {
                    cache.store(&session);
                }
                session
            }
        };
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                auth,
                session: RwLock::new(session),
                login_lock: Mutex::new(()),
                cache,
                api_usage: Mutex::new(None),
            }),
        })
    }

    /// The instance URL calls go to, such as `https://mycompany.my.salesforce.com`.
    pub fn instance_url(&self) -> String {
        self.session().instance_url
    }

    /// The REST API version in use, such as `66.0`.
    pub fn api_version(&self) -> &str {
        &self.inner.auth.config.api_version
    }

    /// The flow the client logged in with.
    pub fn auth_flow(&self) -> AuthFlow {
        self.inner.auth.flow
    }

    /// The session's access token, for handing to another tool. Keep it secret.
    pub fn access_token(&self) -> crate::Secret {
        self.session().access_token
    }

    /// The org's API usage `(used, max)` from the last `Sforce-Limit-Info` header seen, if any.
    pub fn api_usage(&self) -> Option<(u64, u64)> {
        *self
            .inner
            .api_usage
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// GET a resource. `path` is either absolute on the instance (`/services/data/v66.0/...`),
    /// relative to `/services/data/vXX.X/` (`sobjects/Account/001...`), or a full URL on the
    /// instance's origin. `params` are added to the query string, encoded.
    ///
    /// ```no_run
    /// # let sf = sfrest::Client::from_env()?;
    /// let acct = sf.get("sobjects/Account/001RO000003oLnnYAE", &[("fields", "Name,Industry")])?;
    /// println!("{}", acct["Name"]);
    /// # Ok::<_, sfrest::Error>(())
    /// ```
    pub fn get(&self, path: &str, params: &[(&str, &str)]) -> Result<Value> {
        self.call_json("GET", path, params, None, &[])
    }

    /// POST a JSON body, such as a new record to `sobjects/Account`.
    pub fn post<B: Serialize + ?Sized>(&self, path: &str, body: &B) -> Result<Value> {
        let bytes = to_body(body)?;
        self.call_json("POST", path, &[], Some(&bytes), &[])
    }

    /// PATCH a JSON body, such as changed fields to `sobjects/Account/{id}`. A 204 answer is
    /// `Value::Null`.
    pub fn patch<B: Serialize + ?Sized>(&self, path: &str, body: &B) -> Result<Value> {
        let bytes = to_body(body)?;
        self.call_json("PATCH", path, &[], Some(&bytes), &[])
    }

    /// DELETE a resource. A 204 answer is `Value::Null`.
    pub fn delete(&self, path: &str) -> Result<Value> {
        self.call_json("DELETE", path, &[], None, &[])
    }

    /// Runs a SOQL query and returns the first page as Salesforce sends it (`totalSize`,
    /// `done`, `records`, and `nextRecordsUrl` when there is more).
    ///
    /// ```no_run
    /// # let sf = sfrest::Client::from_env()?;
    /// let page = sf.query("SELECT Id, Name FROM Account ORDER BY Name LIMIT 10")?;
    /// for rec in page["records"].as_array().into_iter().flatten() {
    ///     println!("{} {}", rec["Id"], rec["Name"]);
    /// }
    /// # Ok::<_, sfrest::Error>(())
    /// ```
    pub fn query(&self, soql: &str) -> Result<Value> {
        self.get("query", &[("q", soql)])
    }

    fn session(&self) -> Session {
        self.inner
            .session
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Makes one call and reads its JSON answer.
    pub(crate) fn call_json(
        &self,
        method: &'static str,
        path: &str,
        params: &[(&str, &str)],
        json: Option<&[u8]>,
        extra_headers: &[(&'static str, &str)],
    ) -> Result<Value> {
        let body = json.map(|bytes| Body {
            content_type: "application/json",
            bytes,
        });
        let (reply, shown_path) = self.call(method, path, params, body, extra_headers)?;
        into_json(method, &shown_path, &reply)
    }

    /// Makes one call on the session: resolves the path, checks the origin, adds the headers.
    /// An expired session (401 `INVALID_SESSION_ID`) is renewed once and the call replayed once,
    /// for every flow that can log in again. Returns the reply and the path to show in errors.
    pub(crate) fn call(
        &self,
        method: &'static str,
        path: &str,
        params: &[(&str, &str)],
        body: Option<Body<'_>>,
        extra_headers: &[(&'static str, &str)],
    ) -> Result<(Reply, String)> {
        let session = self.session();
        let first = self.call_once(&session, method, path, params, body.as_ref(), extra_headers)?;
        if !session_expired(&first.0) {
            return Ok(first);
        }
        if !self.inner.auth.flow.can_relogin() {
            return Err(Error::SessionExpired {
                method,
                path: first.1,
            });
        }
        log::info!("session expired; logging in again");
        let fresh = self.relogin(session.generation)?;
        self.call_once(&fresh, method, path, params, body.as_ref(), extra_headers)
    }

    /// Logs in again unless another thread already did since `seen_generation`.
    fn relogin(&self, seen_generation: u64) -> Result<Session> {
        let _guard = self
            .inner
            .login_lock
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let current = self.session();
        if current.generation != seen_generation {
            return Ok(current);
        }
        let mut fresh = self.inner.auth.login(&self.inner.transport)?;
        fresh.generation = seen_generation + 1;
        if let Some(cache) = &self.inner.cache {
            cache.store(&fresh);
        }
        *self
            .inner
            .session
            .write()
            .unwrap_or_else(|e| e.into_inner()) = fresh.clone();
        Ok(fresh)
    }

    fn call_once(
        &self,
        session: &Session,
        method: &'static str,
        path: &str,
        params: &[(&str, &str)],
        body: Option<&Body<'_>>,
        extra_headers: &[(&'static str, &str)],
    ) -> Result<(Reply, String)> {
        let mut url = self.resolve(session, path)?;
        if !params.is_empty() {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&form_encode(params));
        }
        let shown_path = path_only(&url).to_string();
        let bearer = Secret::new(format!("Bearer {}", session.access_token.expose()));
        let mut headers: Vec<(&'static str, &str)> = vec![
            ("Authorization", bearer.expose()),
            ("Accept", "application/json"),
            ("Sforce-Call-Options", "client=sfrest"),
        ];
        headers.extend_from_slice(extra_headers);
        let config = &self.inner.auth.config;
        let timeout = if method == "GET" {
            config.get_timeout
        } else {
            config.write_timeout
        };
        let reply = self.inner.transport.send(Call {
            method,
            url: &url,
            path: &shown_path,
            headers: &headers,
            body: body.map(|b| Body {
                content_type: b.content_type,
                bytes: b.bytes,
            }),
            timeout,
        })?;
        if let Some(usage) = reply.limit_info.as_deref().and_then(parse_api_usage) {
            *self
                .inner
                .api_usage
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Some(usage);
        }
        Ok((reply, shown_path))
    }

    /// The full URL for `path`, refusing any origin but the instance's.
    fn resolve(&self, session: &Session, path: &str) -> Result<String> {
        let lower = path.get(..8).unwrap_or(path).to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            let refused = |reason: String| Error::Refused {
                url: path.split(['?', '#']).next().unwrap_or("").to_string(),
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
            format!(
                "{}/services/data/v{}/{path}",
                session.instance_url, self.inner.auth.config.api_version
            )
        })
    }
}

/// Whether a reply says the session expired in a way a new login cures: 401 with
/// `INVALID_SESSION_ID`, but not the "not valid for use with the REST API" variant.
fn session_expired(reply: &Reply) -> bool {
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

fn to_body<B: Serialize + ?Sized>(body: &B) -> Result<Vec<u8>> {
    serde_json::to_vec(body).map_err(|e| Error::json("cannot serialize the request body", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync_clone<T: Send + Sync + Clone>() {}

    #[test]
    fn client_is_send_sync_clone() {
        assert_send_sync_clone::<Client>();
    }
}
