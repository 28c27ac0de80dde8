//! Refresh-token rotation across overlapping runs: the token cache's lock between processes
//! keeps two runs from presenting one refresh token (which would make Salesforce revoke the
//! chain).

mod common;

use std::path::Path;

use common::rotation::{
    assert_each_presented_once, presented, refresh_builder, rotating_client, temp_dir,
};
use sfrest_fake_org::FakeOrg;

/// Two runs whose sessions expire at the same moment refresh one after the other (the token
/// cache's lock between processes), and the second takes up the first's fresh session: the
/// same refresh token is never presented twice, which would make Salesforce revoke the chain.
#[test]
fn runs_whose_sessions_expire_together_never_present_one_token_twice() {
    let org = FakeOrg::start();
    org.set_refresh_token_rotation(true);
    let r0 = org.issue_refresh_token();
    let cache = temp_dir("together").join("tokens.json");
    let a = rotating_client(&org, &r0, Some(&cache));
    let b = rotating_client(&org, &r0, Some(&cache)); // the cached session, no refresh
    org.expire_sessions();
    // A slow token endpoint, so that both refreshes would be under way at once.
    org.delay(
        "/services/oauth2/token",
        std::time::Duration::from_millis(300),
    );
    let barrier = std::sync::Barrier::new(2);
    std::thread::scope(|s| {
        for sf in [&a, &b] {
            let barrier = &barrier;
            s.spawn(move || {
                barrier.wait();
                sf.query("SELECT Id FROM Account LIMIT 1").unwrap();
            });
        }
    });
    let tokens = presented(&org);
    assert_each_presented_once(&tokens);
    assert_eq!(tokens.len(), 2, "one refresh for both runs: {tokens:?}");
    // The lock (the operating system's, on the file beside the cache) is free again.
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(cache.with_file_name("tokens.json.lock"))
        .unwrap();
    assert!(lock.try_lock().is_ok(), "the lock is released");
}

/// Holds the token cache's lock as another run of the job would (an open file with the
/// operating system's lock), until dropped.
fn hold_lock(cache: &Path) -> std::fs::File {
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(cache.with_file_name("tokens.json.lock"))
        .unwrap();
    f.try_lock().unwrap();
    f
}

/// While another run holds the cache's lock (it is spending the refresh token), this run does
/// not present the same token: a re-login ends the call within its timeout, a new client's
/// first login fails; once the lock is free, both go on.
#[test]
fn a_run_does_not_refresh_while_another_holds_the_lock() {
    let org = FakeOrg::start();
    org.set_refresh_token_rotation(true);
    let r0 = org.issue_refresh_token();
    let cache = temp_dir("held").join("tokens.json");
    let sf = refresh_builder(&org, &r0)
        .token_cache(&cache)
        .get_timeout(std::time::Duration::from_secs(2))
        .login_timeout(std::time::Duration::from_secs(1))
        .build()
        .unwrap();
    let held = hold_lock(&cache);
    org.expire_sessions();
    let before = presented(&org).len();
    let started = std::time::Instant::now();
    let err = sf.query("SELECT Id FROM Account LIMIT 1").unwrap_err();
    assert!(matches!(err, sfrest::Error::Refused { .. }), "{err:?}");
    assert!(err.to_string().contains("another run of this job"), "{err}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    // A new client with no usable session (the cache's was expired) does not refresh either.
    std::fs::remove_file(&cache).unwrap();
    let started = std::time::Instant::now();
    let err = refresh_builder(&org, &r0)
        .token_cache(&cache)
        .login_timeout(std::time::Duration::from_secs(1))
        .build()
        .unwrap_err();
    assert!(matches!(err, sfrest::Error::Refused { .. }), "{err:?}");
    assert!(err.to_string().contains("another run of this job"), "{err}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        presented(&org).len(),
        before,
        "no refresh token was presented"
    );
    drop(held);
    sf.query("SELECT Id FROM Account LIMIT 1").unwrap();
    assert_eq!(presented(&org).len(), before + 1);
}

/// Two refresh-token configurations of one connected app (two users, or two orgs) sharing a
/// cache file keep their entries apart: each run of either finds its own rotated token.
#[test]
fn two_refresh_token_configurations_share_a_cache_file_safely() {
    let org = FakeOrg::start();
    org.set_refresh_token_rotation(true);
    let (ra, rb) = (org.issue_refresh_token(), org.issue_refresh_token());
    let cache = temp_dir("two-configs").join("tokens.json");
    rotating_client(&org, &ra, Some(&cache)); // job A's first run: ra rotated
    rotating_client(&org, &rb, Some(&cache)); // job B's first run: rb rotated
    for token in [&ra, &rb, &ra] {
        // A later run of each job, whose session then expires: it refreshes with its own
        // rotated token, never a spent one.
        let sf = rotating_client(&org, token, Some(&cache));
        org.expire_sessions();
        sf.query("SELECT Id FROM Account LIMIT 1").unwrap();
    }
    let tokens = presented(&org);
    assert_each_presented_once(&tokens);
}
