//! Shared set-up for the integration tests: a fake org and a client logged in to it.
#![allow(dead_code)]

use sfrest::{Client, ClientBuilder};
use sfrest_fake_org::FakeOrg;

/// Epoch milliseconds, minutes and date-time text, shared with the fake org's tests.
#[path = "../../fake-org/tests/common/clock.rs"]
pub mod clock;

/// Helpers of the refresh-token rotation tests.
pub mod rotation;

/// A builder with the fake org's test user, username-password flow.
pub fn password_builder(org: &FakeOrg) -> ClientBuilder {
    let c = org.credentials();
    Client::builder()
        .login_url(org.login_url())
        .client_id(c.client_id)
        .client_secret(c.client_secret)
        .username(c.username)
        .password(c.password)
        .security_token(c.security_token)
}

/// A fresh org and a client logged in to it.
pub fn org_and_client() -> (FakeOrg, Client) {
    let org = FakeOrg::start();
    let sf = password_builder(&org)
        .build()
        .expect("login to the fake org");
    (org, sf)
}

/// Writes `text` to a fresh `.env` in its own temporary directory and returns the path.
pub fn env_file(tag: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sfrest-it-{}-{tag}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(".env");
    std::fs::write(&path, text).unwrap();
    // As a user keeps a file of credentials (and whatever the umask: a .env others can write
    // is not trusted when found by searching).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

/// The `.env` text for the fake org's test user, username-password flow.
pub fn password_env(org: &FakeOrg) -> String {
    let c = org.credentials();
    format!(
        "SF_LOGIN_URL={}\nSF_CLIENT_ID={}\nSF_CLIENT_SECRET={}\nSF_USERNAME={}\nSF_PASSWORD='{}'\nSF_SECURITY_TOKEN={}\n",
        org.login_url(),
        c.client_id,
        c.client_secret,
        c.username,
        c.password,
        c.security_token
    )
}

/// How many recorded requests had this method and a path starting with `prefix`.
pub fn count_requests(org: &FakeOrg, method: &str, prefix: &str) -> usize {
    org.requests()
        .iter()
        .filter(|r| r.method == method && r.path.starts_with(prefix))
        .count()
}
