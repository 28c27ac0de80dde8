//! Real TLS end to end: the fake org serves https with a certificate from a test CA made at
//! test time; the SDK trusts that CA only when told to (`ca_file`, `SF_CA_FILE`), fails with an
//! error that names the TLS problem otherwise, and never falls back to plain http.

mod common;
#[path = "common/pki.rs"]
mod pki;

use std::path::PathBuf;

use common::{env_file, password_builder, password_env};
use pki::{pki, Pki};
use rcgen::KeyPair;
use sfrest::{Client, Error};
use sfrest_fake_org::FakeOrg;

fn write_ca(tag: &str, pki: &Pki) -> PathBuf {
    let path = env_file(tag, "").with_file_name("ca.pem");
    std::fs::write(&path, &pki.ca_pem).unwrap();
    path
}

fn tls_org() -> (Pki, FakeOrg) {
    let pki = pki(&["127.0.0.1", "localhost"]);
    let org = FakeOrg::start_tls(&pki.chain_pem, &pki.key_pem);
    (pki, org)
}

#[test]
fn the_fake_org_serves_https_urls() {
    let (_pki, org) = tls_org();
    assert!(org.is_tls());
    for url in [org.login_url(), org.my_domain_url(), org.instance_url()] {
        assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    }
}

#[test]
fn a_trusted_certificate_works_for_login_and_calls() {
    let (pki, org) = tls_org();
    let ca = write_ca("tls-trusted", &pki);
    let sf = password_builder(&org).ca_file(&ca).build().unwrap();
    let page = sf.query("SELECT Id, Name FROM Account LIMIT 3").unwrap();
    assert_eq!(page["records"].as_array().unwrap().len(), 3);
    let limits = sf.limits().unwrap();
    assert!(limits["DailyApiRequests"].is_object());
    assert_eq!(org.login_count(), 1);
    let requests = org.requests();
    assert!(requests.len() >= 3, "{}", requests.len());
    assert_eq!(org.plain_http_attempts(), 0);
}

#[test]
fn sf_ca_file_in_env_is_honoured() {
    let (pki, org) = tls_org();
    let ca = write_ca("tls-env", &pki);
    let env = format!("{}SF_CA_FILE={}\n", password_env(&org), ca.display());
    let sf = Client::from_env_file(env_file("tls-env", &env)).unwrap();
    assert!(sf.limits().unwrap()["DailyApiRequests"].is_object());
}

#[test]
fn an_untrusted_certificate_fails_naming_the_tls_problem_without_fallback() {
    let (_pki, org) = tls_org();
    // The bundled Mozilla roots do not include the test CA.
    let err = password_builder(&org).build().unwrap_err();
    let Error::Transport { ref message, .. } = err else {
        panic!("expected a transport error, got {err:?}");
    };
    let lower = message.to_ascii_lowercase();
    assert!(lower.contains("tls"), "{message}");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "POST /services/oauth2/token on {} (SF_LOGIN_URL or ClientBuilder::login_url) failed: tls: ",
            org.login_url()
        )),
        "{text}"
    );
    assert!(
        text.contains("put the proxy's CA certificate in SF_CA_FILE"),
        "{text}"
    );
    assert!(
        message.contains("UnknownIssuer") || lower.contains("certificate"),
        "{message}"
    );
    // Nothing was served: no request reached the org over TLS, and no plain-http attempt was
    // made on its ports (login does not retry over http).
    assert!(org.requests().is_empty());
    assert_eq!(org.plain_http_attempts(), 0);
    assert_eq!(org.login_count(), 0);

    // Another CA is no better.
    let other = pki(&["127.0.0.1"]);
    let ca = write_ca("tls-other-ca", &other);
    let err = password_builder(&org).ca_file(&ca).build().unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.to_string().contains("tls"), "{err}");
    assert!(org.requests().is_empty());
    assert_eq!(org.plain_http_attempts(), 0);
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    let pki = pki(&["sfrest.example.invalid"]);
    let org = FakeOrg::start_tls(&pki.chain_pem, &pki.key_pem);
    let ca = write_ca("tls-name", &pki);
    let err = password_builder(&org).ca_file(&ca).build().unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(
        text.contains("tls") && (text.contains("NotValidForName") || text.contains("name")),
        "{text}"
    );
    assert!(org.requests().is_empty());
}

#[test]
fn plain_http_to_the_https_org_is_never_served() {
    let (pki, org) = tls_org();
    let ca = write_ca("tls-plain", &pki);
    // Plain http is allowed by the SDK for loopback only; the https org answers it 400 and
    // serves nothing.
    let http_login = org.login_url().replacen("https://", "http://", 1);
    let c = org.credentials();
    let err = Client::builder()
        .login_url(http_login)
        .ca_file(&ca)
        .client_id(c.client_id)
        .client_secret(c.client_secret)
        .username(c.username)
        .password(c.password)
        .security_token(c.security_token)
        .build()
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err:?}");
    assert_eq!(org.plain_http_attempts(), 1);
    assert!(org.requests().is_empty());
    assert_eq!(org.login_count(), 0);
}

#[test]
fn a_bad_key_or_certificate_is_an_error_not_a_panic() {
    let pki = pki(&["127.0.0.1"]);
    assert!(FakeOrg::try_start_tls("not a pem", &pki.key_pem).is_err());
    assert!(FakeOrg::try_start_tls(&pki.chain_pem, "not a pem").is_err());
    let other = KeyPair::generate().unwrap().serialize_pem();
    assert!(FakeOrg::try_start_tls(&pki.chain_pem, &other).is_err());
}
