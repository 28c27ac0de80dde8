//! A re-login under pressure: it stays inside the call's timeout, and the threads that meet one
//! expired session make one login attempt between them, whether it succeeds or fails.

mod common;

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::password_builder;
use common::rotation::refresh_builder;
use serde_json::json;
use sfrest::Error;
use sfrest_fake_org::{FakeOrg, Fault};

const TOKEN: &str = "/services/oauth2/token";

fn token_requests(org: &FakeOrg) -> usize {
    org.requests().iter().filter(|r| r.path == TOKEN).count()
}

#[test]
fn a_slow_relogin_ends_at_the_call_timeout() {
    let org = FakeOrg::start();
    let sf = password_builder(&org)
        .get_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    org.delay(TOKEN, Duration::from_secs(4));
    org.expire_sessions();
    let started = Instant::now();
    let err = sf.limits().unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(&err, Error::Timeout { method: "GET", path, after, .. } if path.ends_with("/limits") && *after == Duration::from_secs(1)),
        "{err:?}"
    );
    assert!(err.to_string().contains("after 1 s"), "{err}");
    assert!(took >= Duration::from_millis(900), "{took:?}");
    assert!(took < Duration::from_millis(2500), "{took:?}");
}

#[test]
fn a_write_with_a_slow_relogin_ends_at_its_timeout() {
    let org = FakeOrg::start();
    let sf = password_builder(&org)
        .write_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    org.delay(TOKEN, Duration::from_secs(4));
    org.expire_sessions();
    let before = org.count("Account");
    let started = Instant::now();
    let err = sf
        .post("sobjects/Account", &json!({"Name": "late"}))
        .unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(&err, Error::Timeout { method: "POST", after, .. } if *after == Duration::from_secs(1)),
        "{err:?}"
    );
    assert!(took < Duration::from_millis(2500), "{took:?}");
    assert_eq!(org.count("Account"), before, "no replay after the deadline");
}

/// `n` threads, released together, each making one `limits()` call: their results and the
/// slowest call's duration.
fn together(sf: &sfrest::Client, n: usize) -> (Vec<sfrest::Result<serde_json::Value>>, Duration) {
    let barrier = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let (sf, barrier) = (sf.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let started = Instant::now();
                let result = sf.limits();
                (result, started.elapsed())
            })
        })
        .collect();
    let mut results = Vec::new();
    let mut slowest = Duration::ZERO;
    for h in handles {
        let (r, took) = h.join().unwrap();
        results.push(r);
        slowest = slowest.max(took);
    }
    (results, slowest)
}

#[test]
fn sixteen_threads_share_one_failed_login() {
    let org = FakeOrg::start();
    let sf = password_builder(&org)
        .get_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    // The login takes a while and fails: every thread meets the expired session during it.
    org.delay(TOKEN, Duration::from_millis(700));
    org.fail_next_on(
        TOKEN,
        100,
        Fault::Json {
            status: 400,
            body: json!({"error": "invalid_grant", "error_description": "authentication failure"}),
        },
    );
    org.expire_sessions();
    org.clear_requests();
    let (results, slowest) = together(&sf, 16);
    assert_eq!(
        token_requests(&org),
        1,
        "one login attempt between 16 threads"
    );
    for r in &results {
        let err = r.as_ref().unwrap_err();
        assert!(
            matches!(err, Error::Auth { error, .. } if error == "invalid_grant"),
            "every thread gets the login's failure: {err:?}"
        );
        assert!(err.to_string().starts_with("login failed"), "{err}");
    }
    assert!(slowest < Duration::from_secs(5), "{slowest:?}");

    // A call made after that failure tries again (here: with the login working again).
    org.clear_faults();
    org.delay(TOKEN, Duration::ZERO);
    assert!(sf.limits().is_ok());
    assert_eq!(token_requests(&org), 2);
}

#[test]
fn sixteen_threads_share_one_slow_successful_login() {
    let org = FakeOrg::start();
    let sf = password_builder(&org).build().unwrap();
    org.delay(TOKEN, Duration::from_millis(700));
    org.expire_sessions();
    org.clear_requests();
    let (results, slowest) = together(&sf, 16);
    for r in results {
        assert!(r.unwrap()["DailyApiRequests"].is_object());
    }
    assert_eq!(token_requests(&org), 1);
    assert_eq!(org.login_count(), 2, "one at start, one after the expiry");
    assert!(slowest < Duration::from_secs(10), "{slowest:?}");
}

#[test]
fn waiters_stop_at_their_own_deadline() {
    let org = FakeOrg::start();
    let sf = password_builder(&org)
        .get_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    org.delay(TOKEN, Duration::from_secs(4));
    org.expire_sessions();
    org.clear_requests();
    let (results, slowest) = together(&sf, 8);
    for r in &results {
        assert!(
            matches!(r, Err(Error::Timeout { after, .. }) if *after == Duration::from_secs(1)),
            "{r:?}"
        );
    }
    assert_eq!(token_requests(&org), 1);
    assert!(slowest < Duration::from_millis(2500), "{slowest:?}");
}

/// With the refresh-token flow a refresh cut short by the call's deadline, after Salesforce
/// answered it, would lose a rotated refresh token: with less than half the login timeout left,
/// the call ends without refreshing, and the next call, with its whole timeout, refreshes.
#[test]
fn a_refresh_is_not_started_with_too_little_time_left() {
    let org = FakeOrg::start();
    org.set_refresh_token_rotation(true);
    let r0 = org.issue_refresh_token();
    let sf = refresh_builder(&org, &r0)
        .get_timeout(Duration::from_millis(3000))
        .login_timeout(Duration::from_millis(4000))
        .build()
        .unwrap();
    let limits = "/services/data/v66.0/limits";
    // The expired session's 401 comes after 2.2 s of the call's 3 s: 0.8 s left, under 1.5 s
    // (half of the shorter of the 4 s login timeout and the call's 3 s).
    org.delay(limits, Duration::from_millis(2200));
    org.expire_sessions();
    org.clear_requests();
    let err = sf.limits().unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(token_requests(&org), 0, "no refresh was started");
    // The next call has its whole timeout: it refreshes and succeeds.
    org.delay(limits, Duration::ZERO);
    sf.limits().unwrap();
    assert_eq!(token_requests(&org), 1);
}

/// A call whose own timeout is shorter than the login timeout still refreshes when most of it
/// is left: the least time a refresh needs is half of the shorter of the two.
#[test]
fn a_short_call_timeout_still_refreshes() {
    let org = FakeOrg::start();
    org.set_refresh_token_rotation(true);
    let r0 = org.issue_refresh_token();
    let sf = refresh_builder(&org, &r0)
        .get_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    org.expire_sessions();
    org.clear_requests();
    sf.limits().unwrap();
    assert_eq!(token_requests(&org), 1, "the session was refreshed");
}
