//! `Client::logout` against the fake org: the access token is revoked at Salesforce and
//! forgotten in the token cache; the client logs in again on its next call.

mod common;

use common::password_builder;
use sfrest::Error;
use sfrest_fake_org::FakeOrg;

/// A client that can only use `token` (no credentials to log in again with).
fn ready(org: &FakeOrg, token: &sfrest::Secret) -> sfrest::Client {
    sfrest::Client::builder()
        .access_token(token.clone())
        .instance_url(org.instance_url())
        .build()
        .unwrap()
}

#[test]
fn a_logged_out_token_is_revoked_and_the_client_logs_in_again() {
    let org = FakeOrg::start();
    let sf = password_builder(&org).build().unwrap();
    let token = sf.access_token();
    ready(&org, &token).limits().unwrap();
    let logins = org.login_count();

    sf.logout().unwrap();
    let e = ready(&org, &token).limits().unwrap_err();
    assert!(matches!(e, Error::SessionExpired { .. }), "{e:?}");
    // Logging out again is fine: the token is already unknown.
    sf.logout().unwrap();
    // The client itself carries on, on a new session.
    sf.limits().unwrap();
    assert_eq!(org.login_count(), logins + 1);
    assert_ne!(sf.access_token().expose(), token.expose());
}

#[test]
fn the_token_cache_forgets_a_logged_out_session() {
    let org = FakeOrg::start();
    let cache = std::env::temp_dir().join(format!("sfrest-logout-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&cache);
    let sf = password_builder(&org).token_cache(&cache).build().unwrap();
    let token = sf.access_token();
    assert!(std::fs::read_to_string(&cache)
        .unwrap()
        .contains(token.expose()));
    // A second run finds the session and does not log in.
    let logins = org.login_count();
    password_builder(&org).token_cache(&cache).build().unwrap();
    assert_eq!(org.login_count(), logins);

    sf.logout().unwrap();
    assert!(!std::fs::read_to_string(&cache)
        .unwrap()
        .contains(token.expose()));
    // The next run logs in instead of using the revoked token.
    let next = password_builder(&org).token_cache(&cache).build().unwrap();
    assert_eq!(org.login_count(), logins + 1);
    next.limits().unwrap();
    let _ = std::fs::remove_file(&cache);
    let _ = std::fs::remove_file(cache.with_extension("json.lock"));
}
