//! Every transport failure names the origin it tried and the setting the origin came from, and
//! says what usually causes it: connection refused, https to a plain-http server, a server that
//! never answers. (DNS failures are unit tests in src/transport_error.rs: tests make no lookups.
//! Unknown certificate authorities: tests/tls.rs.)

mod common;

use std::net::TcpListener;
use std::time::Duration;

use common::{env_file, password_builder, password_env};
use sfrest::{Client, Error};
use sfrest_fake_org::FakeOrg;

/// A loopback port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn a_login_url_nobody_listens_on_names_the_origin_and_sf_login_url() {
    let port = closed_port();
    let org = FakeOrg::start();
    let env = password_env(&org).replace(&org.login_url(), &format!("http://127.0.0.1:{port}"));
    let err = Client::from_env_file(env_file("refused", &env)).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "POST /services/oauth2/token on http://127.0.0.1:{port} (SF_LOGIN_URL or ClientBuilder::login_url) failed: connection refused: "
        )),
        "{text}"
    );
    assert!(text.contains(&format!("127.0.0.1 port {port}")), "{text}");
    assert!(text.contains("check SF_LOGIN_URL"), "{text}");
    let Error::Transport {
        ref origin,
        setting,
        ..
    } = err
    else {
        panic!("{err:?}")
    };
    assert_eq!(origin, &format!("http://127.0.0.1:{port}"));
    assert_eq!(setting, Some("SF_LOGIN_URL"));
    assert_eq!(org.login_count(), 0);
}

#[test]
fn an_instance_url_nobody_listens_on_names_sf_instance_url() {
    let port = closed_port();
    let sf = Client::builder()
        .access_token("00Dxx0000000000!AQ0AQFakeToken")
        .instance_url(format!("http://localhost:{port}"))
        .max_retries(0)
        .build()
        .unwrap();
    let err = sf.limits().unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "GET /services/data/v66.0/limits on http://localhost:{port} (SF_INSTANCE_URL or ClientBuilder::instance_url) failed: connection refused"
        )),
        "{text}"
    );
    assert!(text.contains("check SF_INSTANCE_URL"), "{text}");
    assert!(!text.contains("FakeToken"), "{text}");
}

#[test]
fn https_to_a_plain_http_server_says_so() {
    let org = FakeOrg::start();
    let https = org.login_url().replacen("http://", "https://", 1);
    let err = password_builder(&org)
        .login_url(&https)
        .build()
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "POST /services/oauth2/token on {https} (SF_LOGIN_URL or ClientBuilder::login_url) failed: tls: "
        )),
        "{text}"
    );
    assert!(
        text.contains("it probably serves plain http on this port")
            && text.contains("SF_LOGIN_URL must start with http://"),
        "{text}"
    );
    assert!(!err.is_retryable());
    assert_eq!(org.login_count(), 0);
}

#[test]
fn a_server_that_never_answers_times_out_naming_the_origin() {
    // Accepts connections (the kernel's backlog does) and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let err = Client::builder()
        .login_url(&url)
        .client_id("id")
        .client_secret("secret")
        .login_timeout(Duration::from_millis(300))
        .build()
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "POST /services/oauth2/token on {url} (SF_LOGIN_URL or ClientBuilder::login_url) timed out after 300 ms"
        )),
        "{text}"
    );
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");

    // A call on the instance.
    let sf = Client::builder()
        .access_token("00Dxx0000000000!AQ0AQFakeToken")
        .instance_url(&url)
        .get_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = sf.limits().unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "GET /services/data/v66.0/limits on {url} (SF_INSTANCE_URL or ClientBuilder::instance_url) timed out after 300 ms"
        )),
        "{text}"
    );
}

#[test]
fn calls_on_the_instance_a_login_returned_say_where_it_came_from() {
    let org = FakeOrg::start();
    let sf = password_builder(&org).max_retries(0).build().unwrap();
    let instance = sf.instance_url();
    drop(org);
    let err = sf.limits().unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "GET /services/data/v66.0/limits on {instance} (the instance URL the login returned) failed: "
        )),
        "{text}"
    );
}
