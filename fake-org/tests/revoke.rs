//! Token revocation (`/services/oauth2/revoke`, "Revoking OAuth Tokens"): 200 and an empty
//! body when done, 400 with an OAuth error otherwise; a refresh token takes its access tokens
//! with it.
mod common;

use common::*;
use sfrest_fake_org::FakeOrg;

fn revoke(base: &str, token: &str) -> Resp {
    request(
        base,
        "POST",
        "/services/oauth2/revoke",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        format!("token={}", enc(token)).as_bytes(),
    )
}

fn oauth_error(r: &Resp) -> String {
    r.json()["error"].as_str().unwrap_or_default().to_string()
}

#[test]
fn a_revoked_access_token_stops_working_on_either_host() {
    let org = FakeOrg::start();
    for base in [org.instance_url(), org.login_url()] {
        let token = login(&org);
        assert_eq!(get(&org, &token, "/services/data/v66.0/limits").status, 200);
        let r = revoke(&base, &token);
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(r.body().is_empty(), "{}", r.text());
        let r = get(&org, &token, "/services/data/v66.0/limits");
        assert_eq!(r.status, 401, "{}", r.text());
        // Revoked once: the token is no longer one the org knows.
        let r = revoke(&base, &token);
        assert_eq!(r.status, 400);
        assert_eq!(oauth_error(&r), "invalid_token");
    }
    let r = revoke(&org.login_url(), "");
    assert_eq!(r.status, 400);
    assert_eq!(oauth_error(&r), "unsupported_token_type");
}

#[test]
fn a_revoked_refresh_token_takes_its_access_tokens_with_it() {
    let org = FakeOrg::start();
    let c = org.credentials();
    let rt = org.issue_refresh_token();
    let refresh = || {
        let r = token_request(
            &org.login_url(),
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", rt.as_str()),
                ("client_id", c.client_id.as_str()),
            ],
        );
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["access_token"].as_str().unwrap().to_string()
    };
    let (a, b) = (refresh(), refresh());
    let other = login(&org);
    // By GET, as the documentation also allows.
    let r = request(
        &org.login_url(),
        "GET",
        &format!("/services/oauth2/revoke?token={}", enc(&rt)),
        &[],
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(!org.refresh_token_valid(&rt));
    for token in [&a, &b] {
        assert_eq!(get(&org, token, "/services/data/v66.0/limits").status, 401);
    }
    // A session of another grant is not touched.
    assert_eq!(get(&org, &other, "/services/data/v66.0/limits").status, 200);
}
