//! `identity()` (the login answer's identity URL, or userinfo for a bare access token) and
//! `app_api_usage()` (per-app-api-usage in Sforce-Limit-Info), against the fake org.

mod common;

use sfrest::{Client, Error};
use sfrest_fake_org::{FakeOrg, Host};

#[test]
fn identity_reads_the_login_answers_identity_url_on_the_login_host() {
    let (org, sf) = common::org_and_client();
    org.clear_requests();
    let me = sf.identity().unwrap();
    assert_eq!(me["username"], org.credentials().username.as_str());
    assert_eq!(me["user_id"], org.user_id().as_str());
    assert_eq!(me["organization_id"], org.org_id().as_str());
    assert_eq!(
        me["urls"]["rest"],
        format!(
            "{}/services/data/v{}/",
            org.my_domain_url(),
            sf.api_version()
        )
        .as_str()
    );
    let sent = org.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].host, Host::Login);
    assert_eq!(
        sent[0].path,
        format!("/id/{}/{}", org.org_id(), org.user_id())
    );
    let auth = sent[0].header("authorization").unwrap();
    assert_eq!(auth, format!("Bearer {}", sf.access_token().expose()));
}

/// A login through the My Domain (the client credentials flow's only host) gets an identity
/// URL on the My Domain, as Salesforce answers, and `identity` reads it there.
#[test]
fn a_my_domain_login_reads_its_identity_on_the_my_domain() {
    let org = FakeOrg::start();
    let c = org.credentials();
    let sf = Client::builder()
        .login_url(org.my_domain_url())
        .client_id(c.client_id)
        .client_secret(c.client_secret)
        .build()
        .unwrap();
    org.clear_requests();
    let me = sf.identity().unwrap();
    assert_eq!(me["organization_id"], org.org_id());
    let sent = org.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].host, sfrest_fake_org::Host::MyDomain);
    assert!(sent[0].path.starts_with("/id/"), "{}", sent[0].path);
    assert!(
        me["id"].as_str().unwrap().starts_with(&org.my_domain_url()),
        "{}",
        me["id"]
    );
    // UserInfo on the My Domain names the same identity URL (`sub`).
    let bare = Client::builder()
        .login_url(org.my_domain_url())
        .access_token(sf.access_token())
        .instance_url(org.instance_url())
        .build()
        .unwrap();
    let info = bare.identity().unwrap();
    assert_eq!(info["sub"], me["id"]);
}

#[test]
fn a_bare_access_token_reads_userinfo() {
    let org = FakeOrg::start();
    let token = org.issue_access_token();
    let sf = Client::builder()
        .login_url(org.login_url())
        .access_token(token.as_str())
        .instance_url(org.instance_url())
        .build()
        .unwrap();
    org.clear_requests();
    let me = sf.identity().unwrap();
    assert_eq!(
        me["preferred_username"],
        org.credentials().username.as_str()
    );
    assert_eq!(me["organization_id"], org.org_id().as_str());
    let sent = org.requests();
    assert_eq!(sent[0].path, "/services/oauth2/userinfo");
    assert_eq!(sent[0].host, Host::Login);

    // A refused token cannot be renewed with a bare access token: Salesforce's answer.
    org.expire_sessions();
    let err = sf.identity().unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
    assert!(err.to_string().contains("Bad_OAuth_Token"), "{err}");
}

#[test]
fn an_expired_session_is_renewed_once() {
    let (org, sf) = common::org_and_client();
    org.expire_sessions();
    let logins = org.login_count();
    let me = sf.identity().unwrap();
    assert_eq!(me["user_id"], org.user_id().as_str());
    assert_eq!(org.login_count(), logins + 1);
}

#[test]
fn the_token_never_goes_to_an_identity_url_off_the_login_host() {
    let org = FakeOrg::start();
    let c = org.credentials();
    let dir = std::env::temp_dir().join(format!("sfrest-identity-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cache = dir.join("tokens.json");
    // A cached session whose identity URL points elsewhere (a tampered cache file).
    let key = format!("{} {} {}", org.login_url(), c.client_id, c.username);
    let entry = serde_json::json!({
        "access_token": org.issue_access_token(),
        "instance_url": org.instance_url(),
        "saved_at": 0,
        "identity_url": format!("{}/id/{}/{}", org.my_domain_url(), org.org_id(), org.user_id()),
    });
    std::fs::write(
        &cache,
        serde_json::json!({ "sessions": { key: entry } }).to_string(),
    )
    .unwrap();
    let sf = common::password_builder(&org)
        .token_cache(&cache)
        .build()
        .unwrap();
    org.clear_requests();
    let err = sf.identity().unwrap_err();
    assert!(matches!(err, Error::Refused { .. }), "{err:?}");
    assert!(err.to_string().contains("login host"), "{err}");
    assert!(org.requests().is_empty(), "nothing was sent");
}

#[test]
fn app_api_usage_comes_from_per_app_api_usage() {
    let (org, sf) = common::org_and_client();
    sf.query("SELECT Id FROM Account LIMIT 1").unwrap();
    assert_eq!(sf.app_api_usage(), None, "no per-app quota: no entry");
    org.set_app_api_usage(Some((10, 250, "sfrest-tests")));
    sf.query("SELECT Id FROM Account LIMIT 1").unwrap();
    assert_eq!(sf.app_api_usage(), Some((11, 250)));
    let (used, max) = sf.api_usage().unwrap();
    assert!(
        max > 250 && used >= 2,
        "the org's total stays apart: {used}/{max}"
    );
    org.set_app_api_usage(Some((250, 250, "sfrest-tests")));
    let err = sf.query("SELECT Id FROM Account LIMIT 1").unwrap_err();
    assert_eq!(err.error_code(), Some("REQUEST_LIMIT_EXCEEDED"), "{err}");
}
