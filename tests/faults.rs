//! Retries and hostile answers: what is made again, what is not, and that nothing hangs or
//! panics.

mod common;

use std::time::{Duration, Instant};

use common::{org_and_client, password_builder};
use fake_org::{FakeOrg, Fault};
use serde_json::json;
use sfrest::Error;

fn limits_calls(org: &FakeOrg) -> usize {
    org.requests()
        .iter()
        .filter(|r| r.path.ends_with("/limits"))
        .count()
}

#[test]
fn reads_are_retried_through_maintenance_pages_and_edge_errors() {
    let (org, sf) = org_and_client();
    org.clear_requests();
    org.fail_next(1, Fault::MaintenanceHtml);
    org.fail_next(1, Fault::Empty(502));
    let limits = sf.limits().unwrap();
    assert!(limits["DailyApiRequests"].is_object());
    assert_eq!(limits_calls(&org), 3);
}

#[test]
fn retries_are_bounded() {
    let (org, sf) = org_and_client();
    org.clear_requests();
    org.fail_next(10, Fault::Empty(503));
    let err = sf.limits().unwrap_err();
    assert!(
        matches!(err, Error::UnexpectedBody { status: 503, .. }),
        "{err:?}"
    );
    assert_eq!(limits_calls(&org), 4, "one call and three retries");
}

#[test]
fn retries_can_be_turned_off() {
    let org = FakeOrg::start();
    let sf = password_builder(&org).max_retries(0).build().unwrap();
    org.clear_requests();
    org.fail_next(1, Fault::Empty(503));
    assert!(sf.limits().is_err());
    assert_eq!(limits_calls(&org), 1);
}

#[test]
fn writes_are_never_replayed_unless_asked() {
    let (org, sf) = org_and_client();
    let before = org.count("Account");
    org.fail_next(1, Fault::MaintenanceHtml);
    let err = sf
        .post("sobjects/Account", &json!({"Name": "Once"}))
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    org.fail_next(1, Fault::Close);
    assert!(sf
        .post("sobjects/Account", &json!({"Name": "Once"}))
        .is_err());
    assert_eq!(
        org.count("Account"),
        before,
        "nothing was written, nothing replayed"
    );

    let org = FakeOrg::start();
    let sf = password_builder(&org).retry_writes(true).build().unwrap();
    org.fail_next(1, Fault::Empty(503));
    sf.sobject("Account")
        .upsert("Ext_Id__c", "R-1", &json!({"Name": "Retried"}))
        .unwrap();
}

#[test]
fn retry_after_is_honoured() {
    let (org, sf) = org_and_client();
    org.fail_next(
        1,
        Fault::Response {
            status: 503,
            headers: vec![("Retry-After".into(), "1".into())],
            body: b"[{\"errorCode\":\"SERVER_UNAVAILABLE\",\"message\":\"busy\"}]".to_vec(),
        },
    );
    let started = Instant::now();
    sf.limits().unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn retries_stay_inside_the_timeout() {
    let org = FakeOrg::start();
    let sf = password_builder(&org)
        .get_timeout(Duration::from_millis(800))
        .build()
        .unwrap();
    org.fail_next(
        1,
        Fault::Response {
            status: 503,
            headers: vec![("Retry-After".into(), "30".into())],
            body: vec![],
        },
    );
    let started = Instant::now();
    let err = sf.limits().unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        err.status(),
        Some(503),
        "a wait past the budget is not started: {err:?}"
    );
}

#[test]
fn the_daily_limit_is_not_retried_and_says_how_to_check() {
    let (org, sf) = org_and_client();
    org.clear_requests();
    org.fail_next(1, Fault::Json {
        status: 403,
        body: json!([{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]),
    });
    let err = sf.limits().unwrap_err();
    assert_eq!(limits_calls(&org), 1);
    assert!(
        err.to_string().contains("limits()") && err.to_string().contains("api_usage()"),
        "{err}"
    );
}

#[test]
fn hostile_bodies_are_clear_errors_never_panics() {
    let (org, sf) = org_and_client();
    let sf = sf;
    let raw = |head: &str, body: &[u8]| {
        let mut v = head.as_bytes().to_vec();
        v.extend_from_slice(body);
        Fault::Raw(v)
    };
    // gzip announced, but the body is not gzip.
    org.fail_next(1, raw("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 11\r\n\r\n", b"{\"a\":\"b\"}\r\n"));
    let err = sf
        .post("sobjects/Account", &json!({"Name": "x"}))
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::UnexpectedBody { status: 200, .. } | Error::Transport { .. }
        ),
        "{err:?}"
    );
    // Non-UTF-8 JSON.
    org.fail_next(
        1,
        raw(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4\r\n\r\n",
            b"\xff\xfe\xfd\xfc",
        ),
    );
    let err = sf
        .post("sobjects/Account", &json!({"Name": "x"}))
        .unwrap_err();
    assert!(
        matches!(err, Error::UnexpectedBody { status: 200, .. }),
        "{err:?}"
    );
    // Connection closed in the middle of the body.
    org.fail_next(
        1,
        raw(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n",
            b"{\"records\":[",
        ),
    );
    let err = sf
        .post("sobjects/Account", &json!({"Name": "x"}))
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    // A 401 that does not parse is not a session expiry.
    org.fail_next(
        1,
        raw(
            "HTTP/1.1 401 Unauthorized\r\nContent-Type: text/html\r\nContent-Length: 9\r\n\r\n",
            b"<b>no</b>",
        ),
    );
    let err = sf
        .post("sobjects/Account", &json!({"Name": "x"}))
        .unwrap_err();
    assert!(
        matches!(err, Error::UnexpectedBody { status: 401, .. }),
        "{err:?}"
    );
    assert_eq!(org.login_count(), 1);
}

#[test]
fn a_redirect_is_not_followed() {
    let (org, sf) = org_and_client();
    org.fail_next(
        1,
        Fault::Response {
            status: 302,
            headers: vec![("Location".into(), "http://127.0.0.2:9/steal".into())],
            body: vec![],
        },
    );
    let err = sf.limits().unwrap_err();
    assert_eq!(err.status(), Some(302), "{err:?}");
}

#[test]
fn next_records_url_to_another_host_is_refused() {
    let (org, sf) = org_and_client();
    org.fail_next(1, Fault::Json {
        status: 200,
        body: json!({"totalSize": 3, "done": false, "nextRecordsUrl": "http://127.0.0.2:9/services/data/v66.0/query/01g-2", "records": [{"Id": "1"}]}),
    });
    let mut iter = sf.query_iter("SELECT Id FROM Account").unwrap();
    assert!(iter.next().unwrap().is_ok());
    let err = iter.next().unwrap().unwrap_err();
    assert!(matches!(err, Error::Refused { .. }), "{err:?}");
    assert!(iter.next().is_none());
}
