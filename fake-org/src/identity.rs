//! Who a session is: the identity URL of the token answer (`/id/{orgId}/{userId}`) and the
//! OpenID Connect `userinfo` endpoint, both read with the bearer token.

use serde_json::{json, Value};

use crate::org::Org;
use crate::response::Response;
use crate::RecordedRequest;

/// The bearer token of a request, if it carries one.
fn bearer(req: &RecordedRequest) -> Option<&str> {
    let v = req.header("authorization")?;
    let (scheme, token) = v.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("Bearer") || scheme.eq_ignore_ascii_case("OAuth"))
        .then(|| token.trim())
}

/// Salesforce answers a bad token with a plain-text code (the status is inferred: 403).
fn bad_token() -> Response {
    text(403, "Bad_OAuth_Token")
}

fn text(status: u16, body: &str) -> Response {
    let mut r = Response::json(status, body.as_bytes().to_vec());
    r.content_type = Some("text/plain;charset=UTF-8".to_owned());
    r
}

fn check(org: &Org, req: &RecordedRequest) -> Option<Response> {
    if req.method != "GET" && req.method != "POST" && req.method != "HEAD" {
        return Some(Response::method_not_allowed(&req.method, "GET,POST"));
    }
    if !bearer(req).is_some_and(|t| org.session_valid(t)) {
        return Some(bad_token());
    }
    None
}

/// The URLs of the identity answer; `{version}` stays literal unless `version` is given.
fn urls(org: &Org, version: &str) -> Value {
    let base = &org.my_domain_url;
    let user = &org.user_id;
    let org_id = org.org_id18();
    let data = format!("{base}/services/data/v{version}");
    json!({
        "enterprise": format!("{base}/services/Soap/c/{version}/{org_id}"),
        "metadata": format!("{base}/services/Soap/m/{version}/{org_id}"),
        "partner": format!("{base}/services/Soap/u/{version}/{org_id}"),
        "rest": format!("{data}/"),
        "sobjects": format!("{data}/sobjects/"),
        "search": format!("{data}/search/"),
        "query": format!("{data}/query/"),
        "recent": format!("{data}/recent/"),
        "tooling_soap": format!("{base}/services/Soap/T/{version}/{org_id}"),
        "tooling_rest": format!("{data}/tooling/"),
        "profile": format!("{base}/{user}"),
        "feeds": format!("{data}/chatter/feeds"),
        "groups": format!("{data}/chatter/groups"),
        "users": format!("{data}/chatter/users"),
        "feed_items": format!("{data}/chatter/feed-items"),
        "feed_elements": format!("{data}/chatter/feed-elements"),
        "custom_domain": base,
    })
}

fn version_param(req: &RecordedRequest) -> String {
    let params = crate::form::parse_form(&req.query);
    match crate::form::param(&params, "version") {
        Some("latest") => format!("{}.0", crate::ctx::NEWEST),
        Some(v) if !v.is_empty() => v.to_owned(),
        _ => "{version}".to_owned(),
    }
}

fn photos(org: &Org) -> Value {
    let base = &org.my_domain_url;
    json!({
        "picture": format!("{base}/profilephoto/005/F"),
        "thumbnail": format!("{base}/profilephoto/005/T"),
    })
}

/// `GET /id/{orgId}/{userId}` (either host).
pub(crate) fn id(org: &Org, req: &RecordedRequest, org_id: &str, user_id: &str) -> Response {
    if let Some(r) = check(org, req) {
        return r;
    }
    let same = |a: &str, b: &str| a.len() >= 15 && b.len() >= 15 && a[..15] == b[..15];
    if !same(org_id, &org.org_id18()) || !same(user_id, &org.user_id) {
        return text(404, "Bad_Id");
    }
    let c = &org.creds;
    let id = identity_url(org, req.host);
    let body = json!({
        "id": id,
        "asserted_user": true,
        "user_id": org.user_id,
        "organization_id": org.org_id18(),
        "username": c.username,
        "nick_name": "test.user",
        "display_name": "Test User",
        "email": c.username,
        "email_verified": true,
        "first_name": "Test",
        "last_name": "User",
        "timezone": "America/Los_Angeles",
        "photos": photos(org),
        "addr_street": null,
        "addr_city": null,
        "addr_state": null,
        "addr_country": "US",
        "addr_zip": null,
        "mobile_phone": null,
        "mobile_phone_verified": false,
        "is_lightning_login_user": false,
        "status": {"created_date": null, "body": null},
        "urls": urls(org, &version_param(req)),
        "active": true,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": -28_800_000,
        "last_modified_date": "2025-01-06T09:00:00Z",
        "is_app_installed": true,
    });
    Response::json_value(200, &body)
}

/// The identity URL, on the host asked (a token asked of the My Domain names the My Domain).
pub(crate) fn identity_url(org: &Org, host: crate::Host) -> String {
    let base = match host {
        crate::Host::Login => &org.login_url,
        crate::Host::MyDomain => &org.my_domain_url,
    };
    format!("{base}/id/{}/{}", org.org_id18(), org.user_id)
}

/// `GET /services/oauth2/userinfo` (either host).
pub(crate) fn userinfo(org: &Org, req: &RecordedRequest) -> Response {
    if let Some(r) = check(org, req) {
        return r;
    }
    let c = &org.creds;
    let body = json!({
        "sub": identity_url(org, req.host),
        "user_id": org.user_id,
        "organization_id": org.org_id18(),
        "preferred_username": c.username,
        "nickname": "test.user",
        "name": "Test User",
        "email": c.username,
        "email_verified": true,
        "given_name": "Test",
        "family_name": "User",
        "zoneinfo": "America/Los_Angeles",
        "photos": photos(org),
        "urls": urls(org, &version_param(req)),
        "active": true,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": -28_800_000,
        "updated_at": "2025-01-06T09:00:00Z",
    });
    Response::json_value(200, &body)
}
