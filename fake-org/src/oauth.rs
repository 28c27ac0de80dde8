//! The OAuth 2.0 token endpoint: password, client-credentials and refresh-token grants.

use std::sync::atomic::Ordering;

use base64::Engine;

use crate::form::{param, parse_form};
use crate::org::{lock, Org};
use crate::response::{json_object, Response};
use crate::rotation::Outcome;
use crate::{Host, RecordedRequest};

/// The JWT bearer grant's `grant_type`.
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The client's id and secret, from the body or the Basic header.
struct Client {
    id: Option<String>,
    secret: Option<String>,
}

fn unsupported() -> Response {
    Response::oauth_error("unsupported_grant_type", "grant type not supported")
}

fn auth_failure() -> Response {
    Response::oauth_error("invalid_grant", "authentication failure")
}

/// `POST /services/oauth2/token`.
pub(crate) fn token(org: &Org, req: &RecordedRequest) -> Response {
    if req.method != "POST" {
        return Response::oauth_error("invalid_request", "must use HTTP POST");
    }
    let form_encoded = req.header("content-type").is_some_and(|ct| {
        ct.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .eq_ignore_ascii_case("application/x-www-form-urlencoded")
    });
    if !form_encoded {
        return unsupported();
    }
    let params = parse_form(&String::from_utf8_lossy(&req.body));
    let client = client_of(&params, req);
    match param(&params, "grant_type").unwrap_or("") {
        "password" => password(org, &params, &client, req.host),
        "client_credentials" if req.host == Host::Login => {
            Response::oauth_error("invalid_grant", "request not supported on this domain")
        }
        "client_credentials" => match check_client(org, &client) {
            Err(resp) => resp,
            Ok(()) => success(org, Some("api"), true, req.host),
        },
        "refresh_token" => refresh(org, &params, &client, req.host),
        JWT_BEARER => jwt_bearer(org, &params, req.host),
        _ => unsupported(),
    }
}

fn client_of(params: &[(String, String)], req: &RecordedRequest) -> Client {
    let basic = req.header("authorization").and_then(|v| {
        let (scheme, rest) = v.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("Basic") {
            return None;
        }
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (id, secret) = text.split_once(':')?;
        Some((id.to_owned(), secret.to_owned()))
    });
    let (basic_id, basic_secret) = basic.map_or((None, None), |(i, s)| (Some(i), Some(s)));
    Client {
        id: param(params, "client_id").map(str::to_owned).or(basic_id),
        secret: param(params, "client_secret")
            .map(str::to_owned)
            .or(basic_secret),
    }
}

/// Checks the consumer key and secret.
fn check_client(org: &Org, client: &Client) -> Result<(), Response> {
    if client.id.as_deref() != Some(org.creds.client_id.as_str()) {
        return Err(Response::oauth_error(
            "invalid_client_id",
            "client identifier invalid",
        ));
    }
    if client.secret.as_deref() != Some(org.creds.client_secret.as_str()) {
        return Err(Response::oauth_error(
            "invalid_client",
            "invalid client credentials",
        ));
    }
    Ok(())
}

fn password(org: &Org, params: &[(String, String)], client: &Client, host: Host) -> Response {
    if let Err(resp) = check_client(org, client) {
        return resp;
    }
    if org.password_blocked.load(Ordering::Relaxed) {
        return auth_failure();
    }
    let c = &org.creds;
    let username_ok =
        param(params, "username").is_some_and(|u| u.eq_ignore_ascii_case(&c.username));
    let given = param(params, "password").unwrap_or("");
    let with_token = format!("{}{}", c.password, c.security_token);
    let password_ok =
        given == with_token || (org.trusted_ip.load(Ordering::Relaxed) && given == c.password);
    if username_ok && password_ok {
        success(org, None, true, host)
    } else {
        auth_failure()
    }
}

fn refresh(org: &Org, params: &[(String, String)], client: &Client, host: Host) -> Response {
    if client.id.as_deref() != Some(org.creds.client_id.as_str()) {
        return Response::oauth_error("invalid_client_id", "client identifier invalid");
    }
    if client
        .secret
        .as_deref()
        .is_some_and(|s| s != org.creds.client_secret)
    {
        return Response::oauth_error("invalid_client", "invalid client credentials");
    }
    let presented = param(params, "refresh_token").unwrap_or("");
    let known = lock(&org.refresh_tokens).contains(presented);
    let outcome = lock(&org.rotation).present(presented, known);
    match outcome {
        Outcome::Reuse { refresh, access } => {
            // A spent token came back: its successor and their sessions are revoked.
            let mut tokens = lock(&org.refresh_tokens);
            for t in &refresh {
                tokens.remove(t);
            }
            drop(tokens);
            let mut sessions = crate::org::write(&org.sessions);
            for t in &access {
                sessions.remove(t);
            }
            Response::oauth_error("invalid_grant", "expired access/refresh token")
        }
        _ if !known => Response::oauth_error("invalid_grant", "expired access/refresh token"),
        Outcome::Keep => {
            let access_token = org.new_access_token();
            issued_with(org, presented, &access_token);
            grant(
                org,
                access_token,
                Some("refresh_token api"),
                true,
                None,
                host,
            )
        }
        Outcome::Rotate(chain) => {
            lock(&org.refresh_tokens).remove(presented);
            let next = org.new_refresh_token();
            let access_token = org.new_access_token();
            lock(&org.rotation).issued(chain, &next, &access_token);
            issued_with(org, &next, &access_token);
            grant(
                org,
                access_token,
                Some("refresh_token api"),
                true,
                Some(&next),
                host,
            )
        }
    }
}

/// The JWT bearer grant: no `signature` or `issued_at` in the answer.
fn jwt_bearer(org: &Org, params: &[(String, String)], host: Host) -> Response {
    match crate::jwt::check(org, param(params, "assertion")) {
        Ok(()) => success(org, Some("api"), false, host),
        Err(resp) => resp,
    }
}

/// Notes that `access_token` was issued for `refresh_token`, so that revoking the refresh
/// token revokes it too.
fn issued_with(org: &Org, refresh_token: &str, access_token: &str) {
    lock(&org.issued_by_refresh)
        .entry(refresh_token.to_string())
        .or_default()
        .push(access_token.to_string());
}

/// Issues a session and writes the token response (`signed`: with signature and issued_at).
/// `host`: the host the token was asked of, which the identity URL names.
fn success(org: &Org, scope: Option<&str>, signed: bool, host: Host) -> Response {
    grant(org, org.new_access_token(), scope, signed, None, host)
}

/// Writes the token response for an access token already issued, with a new refresh token when
/// the grant rotated one.
fn grant(
    org: &Org,
    access_token: String,
    scope: Option<&str>,
    signed: bool,
    refresh_token: Option<&str>,
    host: Host,
) -> Response {
    // The identity URL is on the host the token was asked of: a My Domain login's names the
    // My Domain (as Salesforce's answers show), the generic login host's names that host.
    let id = crate::identity::identity_url(org, host);
    let issued_at = crate::time::now_ms().to_string();
    let signature = sign(&org.creds.client_secret, &id, &issued_at);
    let mut members = vec![
        ("id", id.as_str()),
        ("issued_at", issued_at.as_str()),
        ("instance_url", org.my_domain_url.as_str()),
        ("signature", signature.as_str()),
        ("access_token", access_token.as_str()),
        ("token_type", "Bearer"),
    ];
    if let Some(scope) = scope {
        members.push(("scope", scope));
    }
    if let Some(token) = refresh_token {
        members.push(("refresh_token", token));
    }
    if !signed {
        members.retain(|(k, _)| *k != "signature" && *k != "issued_at");
    }
    org.login_count.fetch_add(1, Ordering::Relaxed);
    Response::json(200, json_object(&members)).header(
        "Cache-Control",
        "no-cache,must-revalidate,max-age=0,no-store,private",
    )
}

/// base64(HMAC-SHA256(key = client secret, message = id + issued_at)).
pub(crate) fn sign(secret: &str, id: &str, issued_at: &str) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let tag = ring::hmac::sign(&key, format!("{id}{issued_at}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(tag.as_ref())
}
