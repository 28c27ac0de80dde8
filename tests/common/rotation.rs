//! Helpers of the refresh-token rotation tests (`tests/rotation.rs`, `tests/rotation_lock.rs`).

use std::path::{Path, PathBuf};

use sfrest::{Client, ClientBuilder};
use sfrest_fake_org::{FakeOrg, RecordedRequest};

/// The refresh tokens presented to the token endpoint, in order.
pub fn presented(org: &FakeOrg) -> Vec<String> {
    org.requests()
        .iter()
        .filter(|r: &&RecordedRequest| r.path == "/services/oauth2/token")
        .filter_map(|r| {
            let body = String::from_utf8_lossy(&r.body).into_owned();
            body.split('&')
                .find_map(|p| p.strip_prefix("refresh_token="))
                .map(percent_decode)
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(if b[i] == b'+' { b' ' } else { b[i] });
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sfrest-rotation-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A builder for the refresh-token flow with `refresh`, on the fake org's login host.
pub fn refresh_builder(org: &FakeOrg, refresh: &str) -> ClientBuilder {
    Client::builder()
        .login_url(org.login_url())
        .client_id(org.credentials().client_id)
        .refresh_token(refresh)
}

/// Fails when a refresh token in `tokens` (as [`presented`] lists them) was presented twice.
pub fn assert_each_presented_once(tokens: &[String]) {
    let mut unique = tokens.to_vec();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        tokens.len(),
        "a token was presented twice: {tokens:?}"
    );
}

pub fn rotating_client(org: &FakeOrg, refresh: &str, cache: Option<&Path>) -> Client {
    let mut b = refresh_builder(org, refresh);
    if let Some(path) = cache {
        b = b.token_cache(path);
    }
    b.build().expect("refresh-token login")
}
