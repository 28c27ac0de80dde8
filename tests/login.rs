//! Settings and login flows against the fake org.

mod common;

use common::{env_file, org_and_client, password_builder, password_env};
use sfrest::{AuthFlow, Client, Error};
use sfrest_fake_org::{FakeOrg, Host};

#[test]
fn env_file_logs_in_with_password_and_security_token() {
    let org = FakeOrg::start();
    let path = env_file("pw", &password_env(&org));
    let sf = Client::from_env_file(&path).unwrap();
    assert_eq!(sf.instance_url(), org.instance_url());
    assert_eq!(sf.api_version(), "66.0");
    assert_eq!(sf.auth_flow(), AuthFlow::Password);
    assert_eq!(org.login_count(), 1);
}

#[test]
fn token_request_is_form_encoded_in_the_body_never_the_url() {
    let (org, _sf) = org_and_client();
    let creds = org.credentials();
    let token_requests: Vec<_> = org
        .requests()
        .into_iter()
        .filter(|r| r.path == "/services/oauth2/token")
        .collect();
    assert_eq!(token_requests.len(), 1);
    let r = &token_requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.host, Host::Login);
    assert_eq!(r.query, "", "nothing may travel in the URL");
    assert!(!r.target.contains(&creds.password));
    assert_eq!(
        r.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let body = String::from_utf8(r.body.clone()).unwrap();
    assert!(body.contains("grant_type=password"), "{body}");
    assert!(
        body.contains(&format!("username={}", creds.username.replace('@', "%40"))),
        "{body}"
    );
}

#[test]
fn missing_security_token_explains_the_usual_causes() {
    let org = FakeOrg::start();
    let c = org.credentials();
    let err = Client::builder()
        .login_url(org.login_url())
        .client_id(&c.client_id)
        .client_secret(c.client_secret.as_str())
        .username(&c.username)
        .password(c.password.as_str())
        .build()
        .unwrap_err();
    assert_eq!(err.error_code(), Some("invalid_grant"));
    assert_eq!(err.status(), Some(400));
    let text = err.to_string();
    assert!(text.contains("authentication failure"), "{text}");
    assert!(text.contains("security token"), "{text}");
    assert!(text.contains("client-credentials"), "{text}");
    assert!(!text.contains(&c.password), "{text}");
    // From a trusted IP range the token is not needed.
    org.set_trusted_ip(true);
    Client::builder()
        .login_url(org.login_url())
        .client_id(c.client_id)
        .client_secret(c.client_secret)
        .username(c.username)
        .password(c.password)
        .build()
        .unwrap();
}

#[test]
fn blocked_password_flow_points_to_client_credentials() {
    let org = FakeOrg::start();
    org.set_password_flow_blocked(true);
    let err = password_builder(&org).build().unwrap_err();
    assert!(
        matches!(&err, Error::Auth { flow: AuthFlow::Password, error, description, .. }
        if error == "invalid_grant" && description == "authentication failure"),
        "{err:?}"
    );
    assert!(err.to_string().contains("Winter '27"), "{err}");
}

#[test]
fn wrong_client_secret_and_id_are_told_apart() {
    let org = FakeOrg::start();
    let err = password_builder(&org)
        .client_secret("nope")
        .build()
        .unwrap_err();
    assert_eq!(err.error_code(), Some("invalid_client"));
    assert!(err.to_string().contains("SF_CLIENT_SECRET"), "{err}");
    let err = password_builder(&org)
        .client_id("nope")
        .build()
        .unwrap_err();
    assert_eq!(err.error_code(), Some("invalid_client_id"));
}

#[test]
fn client_credentials_needs_my_domain() {
    let org = FakeOrg::start();
    let c = org.credentials();
    let err = Client::builder()
        .login_url(org.login_url())
        .client_id(&c.client_id)
        .client_secret(c.client_secret.as_str())
        .build()
        .unwrap_err();
    assert_eq!(err.error_code(), Some("invalid_grant"));
    let text = err.to_string();
    assert!(
        text.contains("request not supported on this domain") && text.contains("My Domain"),
        "{text}"
    );

    let sf = Client::builder()
        .login_url(org.my_domain_url())
        .client_id(c.client_id)
        .client_secret(c.client_secret)
        .build()
        .unwrap();
    assert_eq!(sf.auth_flow(), AuthFlow::ClientCredentials);
    assert_eq!(
        sf.query("SELECT Id FROM Account LIMIT 1").unwrap()["records"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn incomplete_settings_name_every_missing_variable_and_the_flow() {
    let path = env_file(
        "incomplete",
        "SF_USERNAME=someone@example.com\nSF_LOGIN_URL=http://127.0.0.1:9\n",
    );
    let err = Client::from_env_file(&path).unwrap_err();
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
    let text = err.to_string();
    assert!(
        text.contains("username-password flow") && text.contains("SF_USERNAME"),
        "{text}"
    );
}

#[test]
fn ready_access_token_skips_login() {
    let org = FakeOrg::start();
    let first = password_builder(&org).build().unwrap();
    let sf = Client::builder()
        .access_token(first.access_token())
        .instance_url(first.instance_url())
        .build()
        .unwrap();
    assert_eq!(sf.auth_flow(), AuthFlow::AccessToken);
    assert_eq!(org.login_count(), 1, "no second login");
    sf.query("SELECT Id FROM Contact LIMIT 1").unwrap();
}

#[test]
fn unusable_timeouts_are_refused() {
    for t in [std::time::Duration::MAX, std::time::Duration::ZERO] {
        let err = Client::builder()
            .access_token("x")
            .instance_url("https://na1.salesforce.com")
            .get_timeout(t)
            .build()
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidConfig {
                    setting: "get_timeout",
                    ..
                }
            ),
            "{err:?}"
        );
    }
}

#[test]
fn insecure_urls_are_refused_before_sending() {
    let err = Client::builder()
        .access_token("00Dx!secret")
        .instance_url("http://na1.salesforce.com")
        .build()
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidConfig {
                setting: "SF_INSTANCE_URL",
                ..
            }
        ),
        "{err:?}"
    );
    let err = Client::builder()
        .login_url("http://login.salesforce.com")
        .client_id("x")
        .client_secret("y")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("https"), "{err}");
}

/// A token answer with an unexpected status (201) is refused without quoting its body: the
/// token in it is not one that any redaction knows.
#[test]
fn an_odd_token_answer_is_refused_without_quoting_its_token() {
    let org = FakeOrg::start();
    let secret = "00DFAKE!SECRETTOKEN123456789";
    org.fail_next_on(
        "/services/oauth2/token",
        1,
        sfrest_fake_org::Fault::Json {
            status: 201,
            body: serde_json::json!({
                "access_token": secret,
                "instance_url": org.my_domain_url(),
                "token_type": "Bearer",
            }),
        },
    );
    let err = common::password_builder(&org).build().unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("201"), "{shown}");
    assert!(!shown.contains("SECRETTOKEN"), "{shown}");
}
