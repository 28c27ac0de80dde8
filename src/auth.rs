//! Logging in: the OAuth token request of each flow, and what its errors usually mean.

use std::time::Duration;

use serde::Deserialize;

use crate::config::{normalize_base_url, Config, PrivateKey};
use crate::error::{Error, Result};
use crate::excerpt::excerpt;
use crate::flow::AuthFlow;
use crate::jwt::{default_audience, SigningKey};
use crate::secret::Secret;
use crate::transport::{Body, Call, Reply, Transport};
use crate::url::{form_encode, Origin};

/// The token endpoint, below the login URL.
pub(crate) const TOKEN_PATH: &str = "/services/oauth2/token";

/// A logged-in session: where to send calls and the token that opens the door.
#[derive(Clone, Debug)]
pub(crate) struct Session {
    pub access_token: Secret,
    pub instance_url: String,
    pub origin: Origin,
    /// Counts logins in this process, so that threads that all saw the same session expire
    /// log in once between them.
    pub generation: u64,
    /// The identity URL of the token answer (`id`), on the login host.
    pub identity_url: Option<String>,
    /// A new refresh token, when the token answer rotated it.
    pub refresh_token: Option<Secret>,
}

impl Session {
    /// A session from a ready token; the instance URL is checked like a login's.
    pub fn ready(access_token: Secret, instance_url: &str) -> Result<Session> {
        let instance_url = normalize_base_url("SF_INSTANCE_URL", instance_url)?;
        Ok(Session {
            origin: origin_of(&instance_url),
            access_token,
            instance_url,
            generation: 0,
            identity_url: None,
            refresh_token: None,
        })
    }
}

fn origin_of(checked_url: &str) -> Origin {
    Origin::parse(checked_url).unwrap_or(Origin {
        scheme: "https".into(),
        host: String::new(),
        port: 443,
    })
}

/// The token response. No `Debug`: it holds the token.
#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    instance_url: Option<String>,
    id: Option<String>,
    refresh_token: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Everything needed to log in, and again when the session expires.
#[derive(Debug)]
pub(crate) struct Authenticator {
    pub config: Config,
    pub flow: AuthFlow,
    key: Option<SigningKey>,
    /// The refresh token to present next when it is no longer the configured one: the last
    /// one a token answer rotated in, or the one kept in the token cache.
    rotated: std::sync::Mutex<Option<Secret>>,
    /// Whether the "rotation without a token cache" warning was given.
    warned: std::sync::atomic::AtomicBool,
    /// The last refresh tokens this process presented: a spent token is never taken up again
    /// (presenting one twice makes Salesforce revoke its successor).
    spent: std::sync::Mutex<Vec<Secret>>,
}

/// How many presented refresh tokens are remembered.
const SPENT_KEPT: usize = 16;

impl Authenticator {
    /// Checks the settings for `flow` and loads the JWT key (so a bad key fails at start).
    pub fn new(config: Config, flow: AuthFlow) -> Result<Authenticator> {
        let key = match (flow, &config.private_key) {
            (AuthFlow::Jwt, Some(PrivateKey::Pem(pem))) => Some(SigningKey::from_pem(
                pem,
                "the private key given to the builder",
            )?),
            (AuthFlow::Jwt, Some(PrivateKey::File(path))) => Some(SigningKey::from_file(path)?),
            _ => None,
        };
        Ok(Authenticator {
            config,
            flow,
            key,
            rotated: std::sync::Mutex::new(None),
            warned: std::sync::atomic::AtomicBool::new(false),
            spent: std::sync::Mutex::new(Vec::new()),
        })
    }

    /// The refresh token the next refresh presents: the rotated one, else the configured one.
    pub fn refresh_token(&self) -> Option<Secret> {
        self.rotated
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .or_else(|| self.config.refresh_token.clone())
    }

    /// Presents `token` at the next refresh instead of the configured one (a rotated token
    /// kept in the token cache by an earlier run).
    pub fn adopt_refresh_token(&self, token: Secret) {
        *self.rotated.lock().unwrap_or_else(|e| e.into_inner()) = Some(token);
    }

    /// Takes up `token` (a rotated one that another process put in the token cache) unless this
    /// process already presented it.
    pub fn adopt_unspent(&self, token: Secret) {
        let spent = self.spent.lock().unwrap_or_else(|e| e.into_inner());
        if spent.iter().all(|t| t.expose() != token.expose()) {
            drop(spent);
            log::debug!("taking up the refresh token another run rotated in");
            self.adopt_refresh_token(token);
        }
    }

    /// Logs in with the configured flow (any flow but [`AuthFlow::AccessToken`]) within
    /// `timeout` (the login timeout, or what is left of a call's for a re-login).
    pub fn login_within(&self, transport: &Transport, timeout: Duration) -> Result<Session> {
        let config = &self.config;
        let flow = self.flow;
        let login_url = normalize_base_url("SF_LOGIN_URL", &config.login_url)?;
        let url = format!("{login_url}{TOKEN_PATH}");
        let client_id = config.client_id.as_deref().unwrap_or_default();
        let client_secret = config.client_secret.as_ref().map(Secret::expose);
        let username = config.username.as_deref().unwrap_or_default();
        // Secrets built here live in `Secret`s so that they are wiped from view in Debug.
        let mut params: Vec<(&str, &str)> = Vec::new();
        let password_and_token;
        let assertion;
        let refresh_token = match flow {
            AuthFlow::RefreshToken => self.refresh_token(),
            _ => None,
        };
        if let Some(t) = &refresh_token {
            let mut spent = self.spent.lock().unwrap_or_else(|e| e.into_inner());
            if spent.len() == SPENT_KEPT {
                spent.remove(0);
            }
            spent.push(t.clone());
        }
        match flow {
            AuthFlow::Password => {
                password_and_token = Secret::new(format!(
                    "{}{}",
                    config
                        .password
                        .as_ref()
                        .map(Secret::expose)
                        .unwrap_or_default(),
                    config
                        .security_token
                        .as_ref()
                        .map(Secret::expose)
                        .unwrap_or_default()
                ));
                params.push(("grant_type", "password"));
                params.push(("username", username));
                params.push(("password", password_and_token.expose()));
            }
            AuthFlow::ClientCredentials => params.push(("grant_type", "client_credentials")),
            AuthFlow::Jwt => {
                let audience = config
                    .jwt_audience
                    .as_deref()
                    .unwrap_or_else(|| default_audience(&login_url));
                let key = self.key.as_ref().ok_or_else(|| Error::MissingConfig {
                    flow,
                    reason: "the key could not be loaded".into(),
                    missing: vec!["SF_PRIVATE_KEY_FILE"],
                })?;
                assertion = key.assertion(client_id, username, audience)?;
                params.push(("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"));
                params.push(("assertion", assertion.expose()));
            }
            AuthFlow::RefreshToken => {
                params.push(("grant_type", "refresh_token"));
                params.push((
                    "refresh_token",
                    refresh_token
                        .as_ref()
                        .map(Secret::expose)
                        .unwrap_or_default(),
                ));
            }
            AuthFlow::AccessToken => {
                return Err(Error::InvalidConfig {
                    setting: "SF_AUTH_FLOW",
                    message:
                        "the access-token flow cannot log in: set credentials for another flow"
                            .into(),
                })
            }
        }
        if flow != AuthFlow::Jwt {
            params.push(("client_id", client_id));
            if let Some(secret) = client_secret {
                params.push(("client_secret", secret));
            }
        }
        let form = Secret::new(form_encode(&params));
        log::info!("logging in to {login_url} ({flow})");
        let reply = transport.send(Call {
            method: "POST",
            url: &url,
            path: TOKEN_PATH,
            headers: &[
                ("Accept", "application/json"),
                ("Sforce-Call-Options", "client=sfrest"),
            ],
            body: Some(Body {
                content_type: "application/x-www-form-urlencoded",
                bytes: form.expose().as_bytes(),
            }),
            stream: None,
            sink: None,
            timeout,
            setting: Some("SF_LOGIN_URL"),
        })?;
        let session = read_token_response(flow, &reply)?;
        if !session.origin.instance_trusted_with(&login_url) {
            return Err(Error::Refused {
                url: crate::redact::text(&session.instance_url),
                reason: format!(
                    "the token answer of {login_url} names a plain-http instance; only a login host on this machine may (the session token goes over https otherwise)"
                ),
            });
        }
        // A rotation: a refresh answer carrying a refresh token other than the one presented.
        let rotated = session.refresh_token.as_ref().filter(|new| {
            flow == AuthFlow::RefreshToken
                && refresh_token.as_ref().map(Secret::expose) != Some(new.expose())
        });
        if let Some(new) = rotated {
            self.adopt_refresh_token(new.clone());
            if config.token_cache.is_none()
                && !self.warned.swap(true, std::sync::atomic::Ordering::Relaxed)
            {
                log::warn!("{ROTATION_WITHOUT_CACHE}");
                // The next run will fail: said on stderr too when no logger is listening.
                if log::max_level() == log::LevelFilter::Off {
                    eprintln!("sfrest: warning: {ROTATION_WITHOUT_CACHE}");
                }
            }
        }
        Ok(session)
    }
}

/// The warning for a rotated refresh token that nothing keeps between runs.
pub(crate) const ROTATION_WITHOUT_CACHE: &str = "the connected app rotates refresh tokens (Refresh Token Rotation): this login used up the refresh token from SF_REFRESH_TOKEN and got a new one, which this process keeps in memory only; the next run will present the used one and fail with 'expired access/refresh token' (and Salesforce then revokes the new one too). Set SF_TOKEN_CACHE to a file path (such as /var/lib/myjob/sfrest-tokens.json) so that sfrest keeps the newest refresh token there for the next run, or turn rotation off for the app";

pub(crate) fn read_token_response(flow: AuthFlow, reply: &Reply) -> Result<Session> {
    let parsed: Option<TokenResponse> = serde_json::from_slice(&reply.body).ok();
    // A success, or any body naming a token, may hold one that no redaction knows yet: such a
    // body is never quoted in an error.
    let may_hold_token = (200..300).contains(&reply.status)
        || reply
            .body
            .windows(6)
            .any(|w| w.eq_ignore_ascii_case(b"_token"));
    match parsed {
        Some(TokenResponse {
            access_token: Some(token),
            instance_url: Some(instance),
            id,
            refresh_token,
            ..
        }) if reply.status == 200 => {
            let instance_url =
                normalize_base_url("instance_url (from the token response)", &instance).map_err(
                    |e| match e {
                        Error::InvalidConfig { setting, message } => Error::InvalidConfig {
                            setting,
                            message: crate::redact::text(&message),
                        },
                        other => other,
                    },
                )?;
            log::info!("logged in; instance {}", crate::redact::cow(&instance_url));
            Ok(Session {
                origin: origin_of(&instance_url),
                access_token: Secret::new(token),
                instance_url,
                generation: 0,
                identity_url: id,
                refresh_token: refresh_token.map(Secret::new),
            })
        }
        Some(TokenResponse {
            error: Some(error),
            error_description,
            ..
        }) => Err(Error::Auth {
            flow,
            status: reply.status,
            error: crate::redact::text(&error),
            description: crate::redact::text(&error_description.unwrap_or_default()),
        }),
        _ => Err(Error::UnexpectedBody {
            method: "POST",
            path: TOKEN_PATH.to_string(),
            status: reply.status,
            problem: if (300..400).contains(&reply.status) {
                crate::response::describe(reply)
            } else if reply.body.is_empty() {
                "an empty body instead of a token response".into()
            } else {
                "a body that is not a token response".into()
            },
            excerpt: if may_hold_token {
                String::new()
            } else {
                excerpt(&reply.body)
            },
        }),
    }
}
