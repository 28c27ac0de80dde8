//! The login flows, and what their OAuth errors usually mean. Imports nothing of the crate:
//! errors, settings and the login itself all build on it.

use std::fmt;

/// How the client gets its session.
///
/// Unless forced with `SF_AUTH_FLOW` or [`ClientBuilder::auth_flow`](crate::ClientBuilder::auth_flow), the flow follows from which
/// settings are present, first match wins:
///
/// 1. `SF_ACCESS_TOKEN` → [`AuthFlow::AccessToken`] (with `SF_INSTANCE_URL`);
/// 2. `SF_PRIVATE_KEY_FILE` (or a key given to the builder) → [`AuthFlow::Jwt`];
/// 3. `SF_REFRESH_TOKEN` → [`AuthFlow::RefreshToken`];
/// 4. `SF_USERNAME` or `SF_PASSWORD` → [`AuthFlow::Password`];
/// 5. `SF_CLIENT_ID` or `SF_CLIENT_SECRET` → [`AuthFlow::ClientCredentials`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthFlow {
    /// OAuth username-password flow: client id and secret, username, password + security token.
    /// Salesforce retires it for connected apps in Winter '27.
    Password,
    /// OAuth client-credentials flow: client id and secret, run as the app's configured user.
    /// Works only on the org's My Domain login URL.
    ClientCredentials,
    /// OAuth JWT bearer flow: client id, username and the private key whose certificate the
    /// connected app holds. Acts as that user, with no password.
    Jwt,
    /// OAuth refresh-token flow: a refresh token issued to the connected app, and its client id
    /// (and secret, if the app requires it).
    RefreshToken,
    /// A ready access token and its instance URL: no login at all.
    AccessToken,
}

impl AuthFlow {
    /// The name used by `SF_AUTH_FLOW`: `password`, `client_credentials`, `jwt`,
    /// `refresh_token` or `access_token`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthFlow::Password => "password",
            AuthFlow::ClientCredentials => "client_credentials",
            AuthFlow::Jwt => "jwt",
            AuthFlow::RefreshToken => "refresh_token",
            AuthFlow::AccessToken => "access_token",
        }
    }

    /// Whether the flow can log in again by itself when the session expires.
    pub fn can_relogin(self) -> bool {
        self != AuthFlow::AccessToken
    }

    /// Parses an `SF_AUTH_FLOW` value.
    pub fn parse(name: &str) -> Option<AuthFlow> {
        match name.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "password" | "username_password" => Some(AuthFlow::Password),
            "client_credentials" => Some(AuthFlow::ClientCredentials),
            "jwt" | "jwt_bearer" => Some(AuthFlow::Jwt),
            "refresh_token" => Some(AuthFlow::RefreshToken),
            "access_token" => Some(AuthFlow::AccessToken),
            _ => None,
        }
    }
}

impl fmt::Display for AuthFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AuthFlow::Password => "username-password flow",
            AuthFlow::ClientCredentials => "client-credentials flow",
            AuthFlow::Jwt => "JWT bearer flow",
            AuthFlow::RefreshToken => "refresh-token flow",
            AuthFlow::AccessToken => "access-token flow",
        })
    }
}

/// What an OAuth error usually means, in words a user can act on.
pub(crate) fn hint(flow: AuthFlow, error: &str, description: &str) -> Option<&'static str> {
    let d = description.to_ascii_lowercase();
    Some(match (error, d.as_str()) {
        ("invalid_grant", "authentication failure") if flow == AuthFlow::Password => {
            "usual causes: the security token is not appended to the password (it is needed from IP addresses outside the org's trusted ranges: set SF_SECURITY_TOKEN, reset it under Settings > Reset My Security Token); a wrong username or password; or the org blocks the username-password flow (the default in orgs created since Summer '23; Salesforce retires the flow for connected apps in Winter '27): switch to the client-credentials flow (SF_CLIENT_ID + SF_CLIENT_SECRET with your My Domain SF_LOGIN_URL)"
        }
        ("invalid_grant", "audience is invalid") => {
            "the JWT aud claim must be https://login.salesforce.com (production) or https://test.salesforce.com (sandbox), never the My Domain URL: check SF_JWT_AUDIENCE and SF_LOGIN_URL"
        }
        ("invalid_grant", "invalid assertion") => {
            "the JWT signature does not match the certificate uploaded to the connected app (Use digital signatures), or SF_CLIENT_ID/SF_USERNAME are wrong: check that SF_PRIVATE_KEY_FILE is the key of that certificate"
        }
        ("invalid_grant", "expired authorization code") if flow == AuthFlow::Jwt => {
            "the JWT had already expired when it arrived: check this machine's clock"
        }
        ("invalid_grant", "expired access/refresh token") => {
            "the refresh token was revoked or has expired (per the connected app's refresh token policy): get a new one by authorizing the app again. With Refresh Token Rotation each refresh token works once, and presenting a used one revokes its successor too: keep the newest in SF_TOKEN_CACHE"
        }
        ("invalid_grant", "authentication failure") => {
            "usual causes: wrong credentials, or the flow is not enabled for the connected app"
        }
        ("invalid_grant", "request not supported on this domain") => {
            "the client-credentials flow works only on the org's My Domain login URL: set SF_LOGIN_URL to https://NAME.my.salesforce.com (sandbox: https://NAME--SBX.sandbox.my.salesforce.com), not login.salesforce.com or test.salesforce.com"
        }
        ("invalid_grant", d) if d.contains("client credentials user") => {
            "the connected app has no run-as user: enable the client credentials flow and set its Run As user in the app's policies"
        }
        ("invalid_grant", "user hasn't approved this consumer") => {
            "the connected app is not authorized for this user: set Permitted Users to 'Admin approved users are pre-authorized' and add the user's profile or a permission set"
        }
        ("invalid_grant", "login rate exceeded") => {
            "Salesforce allows 3,600 logins per user per hour: reuse sessions instead of logging in for every call"
        }
        ("invalid_grant", "inactive user") => "the user is deactivated or frozen in the org",
        ("invalid_client_id", _) => {
            "SF_CLIENT_ID is not the consumer key of a connected app in this org (a new or changed app can take up to 10 minutes to be usable)"
        }
        ("invalid_client", _) => "SF_CLIENT_SECRET is not the consumer secret that goes with SF_CLIENT_ID",
        ("unsupported_grant_type", _) => {
            "the token request was not accepted for this flow: check that the flow is enabled for the connected app"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authentication_failure_names_the_usual_causes() {
        let h = hint(
            AuthFlow::Password,
            "invalid_grant",
            "authentication failure",
        )
        .unwrap();
        for needle in [
            "security token",
            "password",
            "Summer '23",
            "Winter '27",
            "client-credentials",
        ] {
            assert!(h.contains(needle), "{needle} missing from {h}");
        }
        let h = hint(
            AuthFlow::ClientCredentials,
            "invalid_grant",
            "request not supported on this domain",
        )
        .unwrap();
        assert!(h.contains("My Domain"));
        assert_eq!(hint(AuthFlow::Password, "weird", "thing"), None);
    }
}
