//! Flows that outlive username-password, re-login on expiry, and the token cache.

mod common;

use std::path::PathBuf;
use std::sync::{Arc, Barrier};

use common::{org_and_client, password_builder};
use serde_json::json;
use sfrest::{AuthFlow, Client, Error};
use sfrest_fake_org::{FakeOrg, Fault};

fn key(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fake-org/keys")).join(name)
}

fn jwt_builder(org: &FakeOrg, key_file: &str) -> sfrest::ClientBuilder {
    let c = org.credentials();
    Client::builder()
        .login_url(org.login_url())
        .client_id(c.client_id)
        .username(c.username)
        .private_key_file(key(key_file))
}

fn form_value(body: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(body).into_owned();
    text.split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")).map(str::to_string))
}

#[test]
fn jwt_bearer_logs_in_with_pkcs8_and_pkcs1_keys() {
    let org = FakeOrg::start();
    for file in ["test-jwt-key.pem", "test-jwt-key-pkcs1.pem"] {
        let sf = jwt_builder(&org, file).build().unwrap();
        assert_eq!(sf.auth_flow(), AuthFlow::Jwt);
        sf.query("SELECT Id FROM Account LIMIT 1").unwrap();
    }
    let token_req = org
        .requests()
        .into_iter()
        .find(|r| r.path == "/services/oauth2/token")
        .unwrap();
    assert_eq!(
        form_value(&token_req.body, "grant_type").as_deref(),
        Some("urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer")
    );
    assert_eq!(org.login_count(), 2);
}

#[test]
fn jwt_errors_are_the_documented_ones() {
    let org = FakeOrg::start();
    let err = jwt_builder(&org, "untrusted-key.pem").build().unwrap_err();
    assert!(
        matches!(&err, Error::Auth { description, .. } if description == "invalid assertion"),
        "{err:?}"
    );
    assert!(err.to_string().contains("certificate"), "{err}");

    let err = jwt_builder(&org, "test-jwt-key.pem")
        .jwt_audience("https://acme.my.salesforce.com")
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, Error::Auth { description, .. } if description == "audience is invalid"),
        "{err:?}"
    );

    let err = jwt_builder(&org, "no-such-key.pem").build().unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidConfig {
            setting: "SF_PRIVATE_KEY_FILE",
            ..
        }
    ));
    assert!(err.to_string().contains("no-such-key.pem"));

    let not_a_key = common::env_file("notakey", "SECRET-MATERIAL-1234\n");
    let err = jwt_builder(&org, "x")
        .private_key_file(&not_a_key)
        .build()
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(
        text.contains(&not_a_key.display().to_string()) && !text.contains("SECRET-MATERIAL"),
        "{text}"
    );
    assert_eq!(org.login_count(), 0);
}

#[test]
fn refresh_token_flow_and_revocation() {
    let org = FakeOrg::start();
    let refresh = org.issue_refresh_token();
    let c = org.credentials();
    let sf = Client::builder()
        .login_url(org.login_url())
        .client_id(&c.client_id)
        .refresh_token(refresh.as_str())
        .build()
        .unwrap();
    assert_eq!(sf.auth_flow(), AuthFlow::RefreshToken);
    sf.query("SELECT Id FROM Account LIMIT 1").unwrap();
    assert!(!format!("{sf:?}").contains(&refresh));

    org.revoke_refresh_tokens();
    org.expire_sessions();
    let err = sf.query("SELECT Id FROM Account LIMIT 1").unwrap_err();
    assert!(
        matches!(&err, Error::Auth { description, .. } if description == "expired access/refresh token"),
        "{err:?}"
    );
}

#[test]
fn expired_session_logs_in_once_and_replays_the_call() {
    let (org, sf) = org_and_client();
    org.expire_sessions();
    let created = sf
        .post("sobjects/Account", &json!({"Name": "After expiry"}))
        .unwrap();
    assert_eq!(created["success"], true);
    assert_eq!(org.login_count(), 2);
    let found = sf
        .query_all("SELECT Id FROM Account WHERE Name = 'After expiry'")
        .unwrap();
    assert_eq!(found.len(), 1, "the write was applied once");
}

#[test]
fn one_relogin_per_call_at_most() {
    let (org, sf) = org_and_client();
    let expired = Fault::Json {
        status: 401,
        body: json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]),
    };
    org.fail_next_on("/services/data/v66.0/limits", 10, expired);
    org.clear_requests();
    let err = sf.limits().unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(org.login_count(), 2, "exactly one new login");
    assert_eq!(
        org.requests()
            .iter()
            .filter(|r| r.path.ends_with("/limits"))
            .count(),
        2,
        "one replay"
    );
}

#[test]
fn eight_threads_hitting_expiry_share_one_login() {
    let (org, sf) = org_and_client();
    sf.query("SELECT Id FROM Account LIMIT 1").unwrap();
    org.expire_sessions();
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (sf, barrier) = (sf.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                for _ in 0..5 {
                    sf.query("SELECT Id FROM Account LIMIT 1").unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(
        org.login_count(),
        2,
        "one login at start, one after the expiry"
    );
}

#[test]
fn what_a_login_cannot_cure_does_not_trigger_one() {
    let (org, sf) = org_and_client();
    org.fail_next(1, Fault::Json {
        status: 403,
        body: json!([{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]),
    });
    let err = sf.limits().unwrap_err();
    assert_eq!(err.error_code(), Some("REQUEST_LIMIT_EXCEEDED"));
    assert!(!err.is_retryable());
    org.fail_next(1, Fault::Json {
        status: 401,
        body: json!([{"message": "This session is not valid for use with the REST API", "errorCode": "INVALID_SESSION_ID"}]),
    });
    assert_eq!(sf.limits().unwrap_err().status(), Some(401));
    assert_eq!(org.login_count(), 1);
}

#[test]
fn a_bare_access_token_says_the_session_expired() {
    let (org, first) = org_and_client();
    let sf = Client::builder()
        .access_token(first.access_token())
        .instance_url(first.instance_url())
        .build()
        .unwrap();
    org.expire_sessions();
    let err = sf.limits().unwrap_err();
    assert!(matches!(err, Error::SessionExpired { .. }), "{err:?}");
    assert_eq!(err.error_code(), Some("INVALID_SESSION_ID"));
    assert!(err.to_string().contains("SF_ACCESS_TOKEN"));
    assert_eq!(org.login_count(), 1);
}

#[test]
fn sf_auth_flow_forces_a_choice() {
    let org = FakeOrg::start();
    let c = org.credentials();
    // Password settings are complete, but client credentials are forced (on My Domain).
    let sf = password_builder(&org)
        .login_url(org.my_domain_url())
        .auth_flow(AuthFlow::ClientCredentials)
        .build()
        .unwrap();
    assert_eq!(sf.auth_flow(), AuthFlow::ClientCredentials);
    let body = org
        .requests()
        .into_iter()
        .find(|r| r.path == "/services/oauth2/token")
        .unwrap()
        .body;
    assert_eq!(
        form_value(&body, "grant_type").as_deref(),
        Some("client_credentials")
    );
    assert!(
        form_value(&body, "password").is_none(),
        "the password is not sent when not needed"
    );
    assert!(!String::from_utf8_lossy(&body).contains(&c.password));
}

#[cfg(unix)]
#[test]
fn token_cache_skips_logins_and_recovers_from_expiry_and_corruption() {
    use std::os::unix::fs::PermissionsExt;
    let org = FakeOrg::start();
    let dir = common::env_file("cache", "")
        .parent()
        .unwrap()
        .to_path_buf();
    let cache = dir.join("token.json");
    let _ = std::fs::remove_file(&cache);

    password_builder(&org).token_cache(&cache).build().unwrap();
    assert_eq!(org.login_count(), 1);
    assert_eq!(
        std::fs::metadata(&cache).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // The next run reuses the session: no login.
    let sf = password_builder(&org).token_cache(&cache).build().unwrap();
    sf.limits().unwrap();
    assert_eq!(org.login_count(), 1);

    // An expired cached session falls back to a fresh login, and the cache is updated.
    org.expire_sessions();
    let sf = password_builder(&org).token_cache(&cache).build().unwrap();
    sf.limits().unwrap();
    assert_eq!(org.login_count(), 2);
    let sf = password_builder(&org).token_cache(&cache).build().unwrap();
    sf.limits().unwrap();
    assert_eq!(org.login_count(), 2);

    // Another org (another login URL) never gets this token.
    let other = FakeOrg::start();
    password_builder(&other)
        .token_cache(&cache)
        .build()
        .unwrap();
    assert_eq!(other.login_count(), 1);

    // A corrupt file is ignored (with a warning) and replaced.
    std::fs::write(&cache, "{ not json").unwrap();
    let sf = password_builder(&org).token_cache(&cache).build().unwrap();
    sf.limits().unwrap();
    assert_eq!(org.login_count(), 3);
    let text = std::fs::read_to_string(&cache).unwrap();
    assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok());
}

/// A cached session whose instance is plain http is used only when the login host is on this
/// machine too: a tampered cache cannot send a remote org's token in clear.
#[test]
fn a_cached_plain_http_instance_is_ignored_for_a_remote_login_host() {
    let org = FakeOrg::start();
    let c = org.credentials();
    let dir = std::env::temp_dir().join(format!("sfrest-plain-cache-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cache = dir.join("tokens.json");
    // A login host elsewhere (a documentation address nothing answers on).
    let remote = "https://192.0.2.1";
    let key = format!("{remote} {} {}", c.client_id, c.username);
    let entry = json!({
        "access_token": org.issue_access_token(),
        "instance_url": org.instance_url(),
        "saved_at": 0,
    });
    std::fs::write(&cache, json!({ "sessions": { key: entry } }).to_string()).unwrap();
    org.clear_requests();
    let result = password_builder(&org)
        .login_url(remote)
        .login_timeout(std::time::Duration::from_millis(300))
        .token_cache(&cache)
        .build();
    assert!(result.is_err(), "the cached session was used");
    assert!(
        org.requests().is_empty(),
        "a call went to the plain-http instance"
    );
}

/// A token cache another user could have written (writable by everyone, or a link of theirs) is
/// not read: its session could send the job's calls to a server of theirs.
#[cfg(unix)]
#[test]
fn a_token_cache_others_can_write_is_ignored() {
    use std::os::unix::fs::PermissionsExt;
    let org = FakeOrg::start();
    let dir = common::env_file("cache-trust", "")
        .parent()
        .unwrap()
        .to_path_buf();
    let cache = dir.join("token.json");
    let _ = std::fs::remove_file(&cache);
    password_builder(&org).token_cache(&cache).build().unwrap();
    password_builder(&org).token_cache(&cache).build().unwrap();
    assert_eq!(org.login_count(), 1, "the cached session was used");
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o666)).unwrap();
    password_builder(&org).token_cache(&cache).build().unwrap();
    assert_eq!(org.login_count(), 2, "a cache others can write is not read");
    // The login replaced it with a file of our own, mode 0600, which is read again.
    assert_eq!(
        std::fs::metadata(&cache).unwrap().permissions().mode() & 0o777,
        0o600
    );
    password_builder(&org).token_cache(&cache).build().unwrap();
    assert_eq!(org.login_count(), 2);
}
