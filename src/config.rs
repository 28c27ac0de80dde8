//! Settings: what [`ClientBuilder`] collects, and the rule that picks the login flow.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::flow::AuthFlow;
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::url::Origin;

/// The default login host (production and Developer Edition orgs).
pub const DEFAULT_LOGIN_URL: &str = "https://login.salesforce.com";
/// The default REST API version: Spring '26.
pub const DEFAULT_API_VERSION: &str = "66.0";

/// Where the JWT bearer flow's private key comes from.
#[derive(Clone, Debug)]
pub(crate) enum PrivateKey {
    Pem(Secret),
    File(PathBuf),
}

/// Every setting, as collected from the environment or the builder. Secrets are [`Secret`]s.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub login_url: String,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub security_token: Option<Secret>,
    pub access_token: Option<Secret>,
    pub instance_url: Option<String>,
    pub api_version: String,
    pub auth_flow: Option<AuthFlow>,
    pub private_key: Option<PrivateKey>,
    pub jwt_audience: Option<String>,
    pub refresh_token: Option<Secret>,
    pub token_cache: Option<PathBuf>,
    pub ca_file: Option<PathBuf>,
    pub get_timeout: Duration,
    pub write_timeout: Duration,
    pub login_timeout: Duration,
    /// Bounds a whole streamed transfer (file downloads and uploads).
    pub transfer_timeout: Duration,
    pub max_response_size: u64,
    pub retry: RetryPolicy,
    /// Where settings came from, for error messages (e.g. "no .env file found").
    pub source_note: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            login_url: DEFAULT_LOGIN_URL.to_string(),
            client_id: None,
            client_secret: None,
            username: None,
            password: None,
            security_token: None,
            access_token: None,
            instance_url: None,
            api_version: DEFAULT_API_VERSION.to_string(),
            auth_flow: None,
            private_key: None,
            jwt_audience: None,
            refresh_token: None,
            token_cache: None,
            ca_file: None,
            get_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(10),
            login_timeout: Duration::from_secs(10),
            transfer_timeout: Duration::from_secs(3600),
            max_response_size: 64 * 1024 * 1024,
            retry: RetryPolicy {
                max_retries: 3,
                retry_writes: false,
            },
            source_note: None,
        }
    }
}

impl Config {
    /// Applies the documented rule, then checks that the chosen flow has everything it needs.
    pub fn choose_flow(&self) -> Result<AuthFlow> {
        let (flow, reason) = if let Some(flow) = self.auth_flow {
            (
                flow,
                format!(
                    "forced with SF_AUTH_FLOW={} (or ClientBuilder::auth_flow)",
                    flow.as_str()
                ),
            )
        } else if self.access_token.is_some() {
            (
                AuthFlow::AccessToken,
                "chosen because SF_ACCESS_TOKEN is set".into(),
            )
        } else if self.private_key.is_some() {
            (
                AuthFlow::Jwt,
                "chosen because SF_PRIVATE_KEY_FILE is set".into(),
            )
        } else if self.refresh_token.is_some() {
            (
                AuthFlow::RefreshToken,
                "chosen because SF_REFRESH_TOKEN is set".into(),
            )
        } else if self.username.is_some() || self.password.is_some() {
            let var = if self.username.is_some() {
                "SF_USERNAME"
            } else {
                "SF_PASSWORD"
            };
            (AuthFlow::Password, format!("chosen because {var} is set"))
        } else if self.client_id.is_some() || self.client_secret.is_some() {
            let var = if self.client_id.is_some() {
                "SF_CLIENT_ID"
            } else {
                "SF_CLIENT_SECRET"
            };
            (
                AuthFlow::ClientCredentials,
                format!("chosen because {var} is set without SF_USERNAME"),
            )
        } else {
            let mut message = "no credentials are set: set SF_CLIENT_ID + SF_CLIENT_SECRET (client-credentials flow, with a My Domain SF_LOGIN_URL), or SF_CLIENT_ID + SF_USERNAME + SF_PRIVATE_KEY_FILE (JWT bearer flow), or SF_CLIENT_ID + SF_REFRESH_TOKEN (refresh-token flow), or SF_CLIENT_ID + SF_CLIENT_SECRET + SF_USERNAME + SF_PASSWORD (+ SF_SECURITY_TOKEN) (username-password flow), or SF_ACCESS_TOKEN + SF_INSTANCE_URL (a ready session)".to_string();
            if let Some(note) = &self.source_note {
                message.push_str(&format!("; {note}"));
            }
            return Err(Error::InvalidConfig {
                setting: "credentials",
                message,
            });
        };
        let mut missing = Vec::new();
        let mut need = |present: bool, name: &'static str| {
            if !present {
                missing.push(name);
            }
        };
        match flow {
            AuthFlow::Password => {
                need(self.client_id.is_some(), "SF_CLIENT_ID");
                need(self.client_secret.is_some(), "SF_CLIENT_SECRET");
                need(self.username.is_some(), "SF_USERNAME");
                need(self.password.is_some(), "SF_PASSWORD");
            }
            AuthFlow::ClientCredentials => {
                need(self.client_id.is_some(), "SF_CLIENT_ID");
                need(self.client_secret.is_some(), "SF_CLIENT_SECRET");
            }
            AuthFlow::Jwt => {
                need(self.client_id.is_some(), "SF_CLIENT_ID");
                need(self.username.is_some(), "SF_USERNAME");
                need(self.private_key.is_some(), "SF_PRIVATE_KEY_FILE");
            }
            AuthFlow::RefreshToken => {
                need(self.client_id.is_some(), "SF_CLIENT_ID");
                need(self.refresh_token.is_some(), "SF_REFRESH_TOKEN");
            }
            AuthFlow::AccessToken => {
                need(self.access_token.is_some(), "SF_ACCESS_TOKEN");
                need(self.instance_url.is_some(), "SF_INSTANCE_URL");
            }
        }
        if missing.is_empty() {
            Ok(flow)
        } else {
            let reason = match &self.source_note {
                Some(note) => format!("{reason}; {note}"),
                None => reason,
            };
            Err(Error::MissingConfig {
                flow,
                reason,
                missing,
            })
        }
    }
}

/// Checks a login or instance URL: absolute, https (http only for loopback), no path.
pub(crate) fn normalize_base_url(setting: &'static str, url: &str) -> Result<String> {
    let trimmed = url.trim().trim_end_matches('/');
    let invalid = |message: String| Error::InvalidConfig { setting, message };
    // What the errors show: never a user:password@ part or a query string (a token, perhaps).
    let shown = shown_url(trimmed);
    let origin = Origin::parse(trimmed).ok_or_else(|| {
        let why = if shown.contains("…@") {
            " (a user name or password in the URL is not used: give them as settings)"
        } else {
            ""
        };
        invalid(format!(
            "{shown:?} is not a URL like https://login.salesforce.com or https://NAME.my.salesforce.com{why}"
        ))
    })?;
    if !origin.is_secure_enough() {
        return Err(invalid(format!(
            "{shown} is plain http: credentials and tokens are only sent over https (http is allowed for loopback hosts only)"
        )));
    }
    if trimmed.contains(['?', '#']) {
        return Err(invalid(format!(
            "{shown} has a query string or fragment: give the scheme and host only, like https://login.salesforce.com"
        )));
    }
    let path = crate::url::path_only(trimmed);
    if path != "/" && !path.is_empty() {
        return Err(invalid(format!(
            "{shown} has a path ({path}): give the scheme and host only, like https://login.salesforce.com"
        )));
    }
    Ok(trimmed.to_string())
}

/// `url` for an error message: anything up to the last `@` (a `user:password@` part, whatever
/// characters the password holds) becomes `…@`, and a query string or fragment `?…`.
fn shown_url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (format!("{s}://"), r),
        None => (String::new(), url),
    };
    let (masked, rest) = match rest.rsplit_once('@') {
        Some((_, after)) => ("…@", after),
        None => ("", rest),
    };
    let cut = rest.find(['?', '#']).unwrap_or(rest.len());
    let tail = if cut < rest.len() { "?…" } else { "" };
    format!("{scheme}{masked}{}{tail}", &rest[..cut])
}

/// The major number of an API version such as `66.0` (`66`).
pub(crate) fn api_major(version: &str) -> Option<u32> {
    version.split('.').next()?.parse().ok()
}

/// Accepts `66.0`, `v66.0` or `66` and returns `66.0`.
pub(crate) fn normalize_api_version(version: &str) -> Result<String> {
    let v = version.trim().trim_start_matches(['v', 'V']);
    let (major, minor) = v.split_once('.').unwrap_or((v, "0"));
    let ok = |s: &str| !s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit());
    if ok(major) && ok(minor) {
        Ok(format!("{major}.{minor}"))
    } else {
        Err(Error::InvalidConfig {
            setting: "SF_API_VERSION",
            message: format!("{version:?} is not an API version like 66.0"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_rule_and_missing_names() {
        let mut c = Config {
            username: Some("u".into()),
            ..Config::default()
        };
        let err = c.choose_flow().unwrap_err();
        match &err {
            Error::MissingConfig { flow, missing, .. } => {
                assert_eq!(*flow, AuthFlow::Password);
                assert_eq!(
                    missing,
                    &["SF_CLIENT_ID", "SF_CLIENT_SECRET", "SF_PASSWORD"]
                );
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.to_string().contains("username-password flow"), "{err}");
        c.access_token = Some("t".into());
        assert!(matches!(
            c.choose_flow(),
            Err(Error::MissingConfig { flow: AuthFlow::AccessToken, ref missing, .. }) if missing == &["SF_INSTANCE_URL"]
        ));
        c.auth_flow = Some(AuthFlow::ClientCredentials);
        assert!(matches!(
            c.choose_flow(),
            Err(Error::MissingConfig {
                flow: AuthFlow::ClientCredentials,
                ..
            })
        ));
        let none = Config::default().choose_flow().unwrap_err();
        assert!(none.to_string().contains("no credentials"), "{none}");
    }

    #[test]
    fn urls_must_be_https_or_loopback_and_bare() {
        assert_eq!(
            normalize_base_url("SF_LOGIN_URL", "https://test.salesforce.com/").unwrap(),
            "https://test.salesforce.com"
        );
        assert!(normalize_base_url("SF_LOGIN_URL", "http://127.0.0.1:8080").is_ok());
        let e = normalize_base_url("SF_LOGIN_URL", "http://login.salesforce.com").unwrap_err();
        assert!(e.to_string().contains("https"), "{e}");
        assert!(normalize_base_url("SF_LOGIN_URL", "login.salesforce.com").is_err());
        assert!(normalize_base_url("SF_LOGIN_URL", "https://x.com/services/oauth2/token").is_err());
        assert!(normalize_base_url("SF_LOGIN_URL", "https://login.salesforce.com?x").is_err());
        assert!(normalize_base_url("SF_LOGIN_URL", "https://login.salesforce.com#x").is_err());
        // Errors never repeat a password in the URL or its query string.
        for url in [
            "https://user:hunter2pw@login.salesforce.com",
            "https://login.salesforce.com/?token=hunter2pw",
            "http://user:hunter2pw@example.com",
            "https://user:hun/ter2pw@login.salesforce.com",
            "https://user:hun?ter2pw@login.salesforce.com",
            "https://user:hun#ter2pw@login.salesforce.com/x",
        ] {
            let e = normalize_base_url("SF_LOGIN_URL", url)
                .unwrap_err()
                .to_string();
            assert!(!e.contains("hunter2pw") && !e.contains("ter2pw"), "{e}");
        }
    }

    #[test]
    fn api_versions_normalize() {
        assert_eq!(normalize_api_version("v66.0").unwrap(), "66.0");
        assert_eq!(normalize_api_version("67").unwrap(), "67.0");
        assert!(normalize_api_version("sixty").is_err());
        assert!(normalize_api_version("66.0/../..").is_err());
    }

    #[test]
    fn auth_flow_names_round_trip() {
        for f in [
            AuthFlow::Password,
            AuthFlow::ClientCredentials,
            AuthFlow::AccessToken,
        ] {
            assert_eq!(AuthFlow::parse(f.as_str()), Some(f));
        }
        assert_eq!(
            AuthFlow::parse("Client-Credentials"),
            Some(AuthFlow::ClientCredentials)
        );
        assert_eq!(AuthFlow::parse("oauth"), None);
    }
}
