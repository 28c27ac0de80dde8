//! [`Client`]: a logged-in session and the REST calls made with it.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use serde::Serialize;
use serde_json::Value;

use crate::auth::{Authenticator, Session};
use crate::builder::ClientBuilder;
use crate::cache::TokenCache;
use crate::config::{normalize_api_version, normalize_base_url, Config};
use crate::error::{Error, Result};
use crate::flow::AuthFlow;
use crate::request::Request;
use crate::response::into_json;
use crate::transport::{Body, Transport};

/// The longest timeout accepted for a call.
pub(crate) const MAX_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Request bodies larger than this many bytes are sent gzip-compressed.
pub(crate) const COMPRESS_ABOVE: usize = 32 * 1024;

/// A logged-in Salesforce client.
///
/// Cheap to clone: clones share one connection pool and one session, and the client is
/// `Send + Sync`, so threads can share it.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
    /// Headers added to every call, and whether paths are Tooling API paths.
    pub(crate) view: crate::view::View,
}

pub(crate) struct Inner {
    pub transport: Transport,
    pub auth: Authenticator,
    pub session: RwLock<Session>,
    /// The re-login in progress, so that one thread logs in and the others wait for it.
    pub login_flight: crate::relogin::LoginFlight,
    pub cache: Option<TokenCache>,
    pub api_usage: Mutex<Option<(u64, u64)>>,
    pub app_api_usage: Mutex<Option<(u64, u64)>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("instance_url", &self.instance_url())
            .field("api_version", &self.inner.auth.config.api_version)
            .field("flow", &self.inner.auth.flow)
            .field("username", &self.inner.auth.config.username)
            .field("access_token", &"[redacted]")
            .field("tooling", &self.view.tooling)
            .field(
                "headers",
                &self.view.headers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
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
        for (setting, t) in [
            ("get_timeout", config.get_timeout),
            ("write_timeout", config.write_timeout),
            ("login_timeout", config.login_timeout),
            ("transfer_timeout", config.transfer_timeout),
        ] {
            if t > MAX_TIMEOUT || t.is_zero() {
                return Err(Error::InvalidConfig {
                    setting,
                    message: format!(
                        "{t:?} is not a usable timeout: give one between 1 ms and 24 h"
                    ),
                });
            }
        }
        let flow = config.choose_flow()?;
        let roots = match &config.ca_file {
            Some(path) => Some(crate::transport::load_roots(path)?),
            None => None,
        };
        let transport = Transport::new(config.max_response_size, COMPRESS_ABOVE, roots);
        let cache = TokenCache::for_config(&config);
        let auth = Authenticator::new(config, flow)?;
        if flow == AuthFlow::RefreshToken {
            if let Some(token) = cache.as_ref().and_then(TokenCache::refresh_token) {
                auth.adopt_refresh_token(token);
            }
        }
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
            _ => first_login(&auth, &transport, cache.as_ref())?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                auth,
                session: RwLock::new(session),
                login_flight: Default::default(),
                cache,
                api_usage: Mutex::new(None),
                app_api_usage: Mutex::new(None),
            }),
            view: crate::view::View::default(),
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
    /// println!("{}", acct["Name"].as_str().unwrap_or_default());
    /// # Ok::<_, sfrest::Error>(())
    /// ```
    pub fn get(&self, path: &str, params: &[(&str, &str)]) -> Result<Value> {
        self.call_json("GET", path, params, None, &[])
    }

    /// [`Client::get`], read into your own type.
    ///
    /// ```no_run
    /// #[derive(serde::Deserialize)]
    /// #[serde(rename_all = "PascalCase")]
    /// struct Account { name: String, industry: Option<String> }
    /// # let sf = sfrest::Client::from_env()?;
    /// let a: Account = sf.get_as("sobjects/Account/001RO000003oLnnYAE", &[("fields", "Name,Industry")])?;
    /// # Ok::<_, sfrest::Error>(())
    /// ```
    pub fn get_as<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        params: &[(&str, &str)],
    ) -> Result<T> {
        let v = self.get(path, params)?;
        serde_json::from_value(v).map_err(|e| {
            Error::json(
                format!(
                    "GET {}: cannot read the answer as the requested type",
                    crate::url::path_only(path)
                ),
                e,
            )
        })
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
    ///     let text = |field: &str| rec[field].as_str().unwrap_or_default().to_string();
    ///     println!("{} {}", text("Id"), text("Name"));
    /// }
    /// # Ok::<_, sfrest::Error>(())
    /// ```
    pub fn query(&self, soql: &str) -> Result<Value> {
        self.get("query", &[("q", soql)])
    }

    pub(crate) fn session(&self) -> Session {
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
        extra_headers: &[(&str, &str)],
    ) -> Result<Value> {
        let body = json.map(|bytes| Body {
            content_type: "application/json",
            bytes,
        });
        let (reply, shown_path) = self.call(&Request {
            method,
            path,
            params,
            body,
            headers: extra_headers,
            changes_org: false,
        })?;
        into_json(method, &shown_path, &reply)
    }
}

/// The login of a new client that found no session in the token cache. With the refresh-token
/// flow it holds the cache's lock between processes (see `cache_lock.rs`) and looks in the
/// cache again once it has it: a run that started at the same moment may have refreshed
/// meanwhile, and refreshing again with the same token would spend it twice.
fn first_login(
    auth: &Authenticator,
    transport: &Transport,
    cache: Option<&TokenCache>,
) -> Result<Session> {
    use crate::cache_lock::Locked;
    let timeout = auth.config.login_timeout;
    let started = std::time::Instant::now();
    let lock = match cache {
        Some(cache) if auth.flow == AuthFlow::RefreshToken => {
            // The wait for the lock leaves the refresh at least half the login timeout (a
            // refresh cut short after Salesforce answered would lose a rotated token).
            match crate::cache_lock::lock(cache.path(), started + timeout / 2) {
                Locked::Held(lock) => {
                    if let Some(session) = cache.load() {
                        return Ok(session);
                    }
                    if let Some(token) = cache.refresh_token() {
                        auth.adopt_unspent(token);
                    }
                    Locked::Held(lock)
                }
                // Another run is spending the refresh token this one would present.
                Locked::Busy => {
                    return Err(cache.refresh_refused(
                        &auth.config.login_url,
                        "Run again once it is done (its session will be in the cache), or keep runs from overlapping.",
                    ))
                }
                Locked::Unavailable => Locked::Unavailable,
            }
        }
        _ => Locked::Unavailable,
    };
    // What the wait for the lock left; the whole login timeout when there was none (so that
    // a timeout names the configured one).
    let left = match lock {
        Locked::Held(_) => timeout.saturating_sub(started.elapsed()),
        _ => timeout,
    };
    let session = auth.login_within(transport, left)?;
    if let Some(cache) = cache {
        cache.store_under(&lock, &session);
    }
    Ok(session)
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
