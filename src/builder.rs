//! [`ClientBuilder`]: settings given in code, each mirroring an environment variable.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::{Config, PrivateKey};
use crate::error::Result;
use crate::flow::AuthFlow;
use crate::secret::Secret;
use crate::Client;

/// Collects settings, then logs in with [`ClientBuilder::build`].
///
/// Each setter mirrors an environment variable of [`Client::from_env`]; unset values stay unset
/// and the flow follows from what is set (see [`AuthFlow`]).
///
/// ```no_run
/// use std::time::Duration;
/// let sf = sfrest::Client::builder()
///     .login_url("https://mycompany.my.salesforce.com")
///     .client_id("3MVG9...")
///     .client_secret("...")
///     .get_timeout(Duration::from_secs(60))
///     .build()?;
/// # Ok::<_, sfrest::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct ClientBuilder {
    pub(crate) config: Config,
}

impl ClientBuilder {
    /// Starts from the environment and the nearest `.env` (see [`Client::from_env`]); setters
    /// called afterwards override what it found.
    pub fn load_env(mut self) -> Result<Self> {
        self.config = crate::env::load(None, self.config)?;
        Ok(self)
    }

    /// Like [`ClientBuilder::load_env`] with an explicit `.env` file, which must exist.
    pub fn load_env_file(mut self, path: impl AsRef<Path>) -> Result<Self> {
        self.config = crate::env::load(Some(path.as_ref()), self.config)?;
        Ok(self)
    }

    /// The login host (`SF_LOGIN_URL`). Default `https://login.salesforce.com`; sandboxes use
    /// `https://test.salesforce.com`; the client-credentials flow needs the My Domain URL,
    /// such as `https://mycompany.my.salesforce.com`.
    pub fn login_url(mut self, url: impl Into<String>) -> Self {
        self.config.login_url = url.into();
        self
    }

    /// The connected app's consumer key (`SF_CLIENT_ID`). Default: unset.
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.config.client_id = Some(id.into());
        self
    }

    /// The connected app's consumer secret (`SF_CLIENT_SECRET`). Default: unset.
    pub fn client_secret(mut self, secret: impl Into<Secret>) -> Self {
        self.config.client_secret = Some(secret.into());
        self
    }

    /// The user to log in as (`SF_USERNAME`), for the username-password flow. Default: unset.
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.config.username = Some(username.into());
        self
    }

    /// The user's password (`SF_PASSWORD`), without the security token. Default: unset.
    pub fn password(mut self, password: impl Into<Secret>) -> Self {
        self.config.password = Some(password.into());
        self
    }

    /// The user's security token (`SF_SECURITY_TOKEN`), appended to the password when logging
    /// in; needed from IP addresses outside the org's trusted ranges. Default: unset.
    pub fn security_token(mut self, token: impl Into<Secret>) -> Self {
        self.config.security_token = Some(token.into());
        self
    }

    /// A ready access token (`SF_ACCESS_TOKEN`), used as is: no login. Needs
    /// [`ClientBuilder::instance_url`]. Default: unset.
    pub fn access_token(mut self, token: impl Into<Secret>) -> Self {
        self.config.access_token = Some(token.into());
        self
    }

    /// The instance URL that goes with [`ClientBuilder::access_token`] (`SF_INSTANCE_URL`).
    /// Default: unset (a login returns it).
    pub fn instance_url(mut self, url: impl Into<String>) -> Self {
        self.config.instance_url = Some(url.into());
        self
    }

    /// The REST API version (`SF_API_VERSION`), such as `66.0`. Default `66.0` (Spring '26).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.config.api_version = version.into();
        self
    }

    /// Forces a flow (`SF_AUTH_FLOW`) when several are configured. Default: chosen by the rule
    /// documented on [`AuthFlow`].
    pub fn auth_flow(mut self, flow: AuthFlow) -> Self {
        self.config.auth_flow = Some(flow);
        self
    }

    /// The PEM RSA private key (PKCS#8 or PKCS#1) for the JWT bearer flow, as text. Default:
    /// unset.
    pub fn private_key_pem(mut self, pem: impl Into<Secret>) -> Self {
        self.config.private_key = Some(PrivateKey::Pem(pem.into()));
        self
    }

    /// A file holding the PEM RSA private key for the JWT bearer flow (`SF_PRIVATE_KEY_FILE`),
    /// read when the client is built. Default: unset.
    pub fn private_key_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.private_key = Some(PrivateKey::File(path.into()));
        self
    }

    /// The JWT `aud` claim (`SF_JWT_AUDIENCE`). Default: `https://test.salesforce.com` when the
    /// login URL is a sandbox (test.salesforce.com or a `.sandbox.my.salesforce.com` host),
    /// `https://login.salesforce.com` otherwise; never the My Domain URL.
    pub fn jwt_audience(mut self, audience: impl Into<String>) -> Self {
        self.config.jwt_audience = Some(audience.into());
        self
    }

    /// A refresh token issued to the connected app (`SF_REFRESH_TOKEN`), for the refresh-token
    /// flow. Default: unset.
    pub fn refresh_token(mut self, token: impl Into<Secret>) -> Self {
        self.config.refresh_token = Some(token.into());
        self
    }

    /// A file to keep the session in between runs (`SF_TOKEN_CACHE`), so that a job run every
    /// minute does not log in every minute. Created with mode 0600, replaced atomically, keyed
    /// by login URL, client id and username. Default: unset (no cache).
    pub fn token_cache(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.token_cache = Some(path.into());
        self
    }

    /// A PEM file of CA certificates to trust instead of the bundled Mozilla roots
    /// (`SF_CA_FILE`), for networks whose proxy inspects TLS: put the proxy's CA in it (and
    /// any other roots you need). Default: unset (Mozilla's roots).
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.ca_file = Some(path.into());
        self
    }

    /// Timeout of a whole GET call, connect to last byte, retries included. Default 30 s;
    /// 1 ms to 24 h.
    pub fn get_timeout(mut self, timeout: Duration) -> Self {
        self.config.get_timeout = timeout;
        self
    }

    /// Timeout of a whole POST, PATCH or DELETE call, connect to last byte. Default 10 s;
    /// 1 ms to 24 h.
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.config.write_timeout = timeout;
        self
    }

    /// Timeout of a whole streamed transfer: a file downloaded to a writer
    /// ([`RequestBuilder::download`](crate::RequestBuilder::download),
    /// [`SObject::download`](crate::SObject::download)) or a body uploaded from a reader
    /// ([`RequestBuilder::reader`](crate::RequestBuilder::reader),
    /// [`SObject::create_with_blob`](crate::SObject::create_with_blob)). The GET or write
    /// timeout still bounds connecting, the wait for the answer and every silence of the
    /// connection, so a stalled transfer ends early while a large one on a slow link is not cut
    /// short; after an upload's last byte, though, the answer is awaited for what is left of
    /// this timeout, since storing a large file takes the server time. Default 1 h; 1 ms to 24 h.
    pub fn transfer_timeout(mut self, timeout: Duration) -> Self {
        self.config.transfer_timeout = timeout;
        self
    }

    /// Timeout of the whole token request. Default 10 s; 1 ms to 24 h.
    pub fn login_timeout(mut self, timeout: Duration) -> Self {
        self.config.login_timeout = timeout;
        self
    }

    /// The largest response body accepted, in bytes after decompression; a larger one is
    /// [`Error::BodyTooLarge`](crate::Error::BodyTooLarge). Default 64 MiB (a 2,000-record query page of wide records
    /// is a few MiB).
    pub fn max_response_size(mut self, bytes: u64) -> Self {
        self.config.max_response_size = bytes;
        self
    }

    /// How many times a failed GET is made again, with exponential backoff and jitter,
    /// honouring `Retry-After`, within the call's timeout. A call is made again exactly when
    /// its error would say [`Error::is_retryable`](crate::Error::is_retryable) (a connection
    /// reset, 502, 503, 504, an HTML error page, `SERVER_UNAVAILABLE`, `UNABLE_TO_LOCK_ROW`;
    /// never TLS or DNS failures, protocol violations or the daily limit). A timed-out call is
    /// not made again: each attempt has all of the call's remaining time, so a timeout leaves
    /// none. `0` turns retries off. Default 3.
    pub fn max_retries(mut self, n: u32) -> Self {
        self.config.retry.max_retries = n;
        self
    }

    /// Also retry POST, PATCH and DELETE on those failures. Only safe when replaying the call
    /// cannot apply it twice (an upsert on an external id, say). Default `false`: a write is
    /// never made again once it may have reached Salesforce.
    pub fn retry_writes(mut self, yes: bool) -> Self {
        self.config.retry.retry_writes = yes;
        self
    }

    /// Checks the settings and logs in (or takes the ready access token).
    pub fn build(self) -> Result<Client> {
        Client::connect(self.config)
    }
}
