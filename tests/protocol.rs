//! Answers that break the HTTP protocol, or whose body is not what its status says: each is one
//! clear error, classified the same by `is_retryable()` and by the client's own retries.

mod common;

use common::org_and_client;
use serde_json::json;
use sfrest::Error;
use sfrest_fake_org::{FakeOrg, Fault};

fn limits_calls(org: &FakeOrg) -> usize {
    org.requests()
        .iter()
        .filter(|r| r.path.ends_with("/limits"))
        .count()
}

#[test]
fn protocol_violations_are_final_and_not_retried() {
    let (org, sf) = org_and_client();
    let mut many = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n".to_vec();
    for i in 0..100_000 {
        many.extend_from_slice(format!("X-H{i}: v\r\n").as_bytes());
    }
    many.extend_from_slice(b"Content-Length: 2\r\n\r\n{}");
    let mut long = b"HTTP/1.1 200 OK\r\nX-Long: ".to_vec();
    long.resize(long.len() + 10 * 1024 * 1024, b'a');
    long.extend_from_slice(b"\r\nContent-Length: 2\r\n\r\n{}");
    for (what, raw) in [("100,000 headers", many), ("a 10 MB header line", long)] {
        org.clear_requests();
        org.fail_next(1, Fault::Raw(raw));
        let err = sf.limits().unwrap_err();
        assert!(matches!(err, Error::Transport { .. }), "{what}: {err:?}");
        assert!(!err.is_retryable(), "{what}: {err}");
        assert!(
            err.to_string().contains("invalid response"),
            "{what}: {err}"
        );
        assert_eq!(limits_calls(&org), 1, "{what}: not retried");
    }
    assert!(sf.limits().is_ok(), "the client still works");
}

#[test]
fn a_503_with_valid_json_is_not_called_malformed() {
    let org = FakeOrg::start();
    let sf = common::password_builder(&org)
        .max_retries(0)
        .build()
        .unwrap();
    org.fail_next(
        1,
        Fault::Json {
            status: 503,
            body: json!({"status": "down", "retryIn": 60}),
        },
    );
    let err = sf.limits().unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, Error::UnexpectedBody { status: 503, .. }),
        "{err:?}"
    );
    assert!(!text.contains("malformed"), "{text}");
    assert!(text.contains("JSON body"), "{text}");
    assert!(err.is_retryable());
    // And broken JSON still is.
    org.fail_next(
        1,
        Fault::Status {
            status: 503,
            content_type: "application/json".into(),
            body: "{\"status\":".into(),
        },
    );
    assert!(sf
        .limits()
        .unwrap_err()
        .to_string()
        .contains("malformed JSON"));
}

#[test]
fn what_is_retryable_is_what_is_retried() {
    // Answers, whether the error says retryable, and whether the client retried it.
    let answers = [
        Fault::Empty(503),
        Fault::MaintenanceHtml,
        Fault::Close,
        Fault::Json {
            status: 500,
            body: json!([{"errorCode": "UNABLE_TO_LOCK_ROW", "message": "unable to obtain exclusive access to this record"}]),
        },
        Fault::Json {
            status: 503,
            body: json!([{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}]),
        },
        Fault::Json {
            status: 400,
            body: json!([{"errorCode": "MALFORMED_QUERY", "message": "unexpected token"}]),
        },
        Fault::Empty(500),
    ];
    let org = FakeOrg::start();
    let once = common::password_builder(&org)
        .max_retries(0)
        .build()
        .unwrap();
    let retrying = common::password_builder(&org)
        .max_retries(1)
        .build()
        .unwrap();
    for fault in answers {
        org.fail_next(1, fault.clone());
        let err = once.limits().unwrap_err();
        org.clear_requests();
        org.fail_next(1, fault.clone());
        let retried = retrying.limits().is_ok();
        org.clear_faults();
        assert_eq!(
            err.is_retryable(),
            retried,
            "{fault:?}: is_retryable() {} but retried {retried}: {err}",
            err.is_retryable()
        );
        assert_eq!(limits_calls(&org), 1 + usize::from(retried), "{fault:?}");
    }
}
