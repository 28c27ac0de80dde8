//! Retries and hostile answers: what is made again, what is not, and that nothing hangs or
//! panics.

mod common;

use std::time::{Duration, Instant};

use common::{org_and_client, password_builder};
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
    // Complete answers say `Connection: close`, as a server that closes after them must:
    // otherwise the client may reuse the closed connection for the next case.
    let raw = |head: &str, body: &[u8]| {
        let mut v = head.as_bytes().to_vec();
        v.extend_from_slice(body);
        Fault::Raw(v)
    };
    // gzip announced, but the body is not gzip.
    org.fail_next(1, raw("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 11\r\n\r\n", b"{\"a\":\"b\"}\r\n"));
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
            "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 4\r\n\r\n",
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
            "HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Type: text/html\r\nContent-Length: 9\r\n\r\n",
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
    let text = err.to_string();
    assert!(
        text.contains("http://127.0.0.2:9") && text.contains("does not follow"),
        "{text}"
    );
    assert!(!text.contains("/steal"), "only the origin is named: {text}");
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

/// A gzip stream that inflates to `mib` MiB of zeros, built from one compressed MiB repeated,
/// so that making it costs little even in debug builds.
fn gzip_of_zeros(mib: u32) -> Vec<u8> {
    use flate2::{Compress, Compression, Crc, FlushCompress};
    let zeros = vec![0u8; 1 << 20];
    let mut block = Vec::with_capacity(64 * 1024);
    // Raw deflate, ended by a sync flush: a non-final block that refers only to itself.
    Compress::new(Compression::best(), false)
        .compress_vec(&zeros, &mut block, FlushCompress::Sync)
        .unwrap();
    let mut one = Crc::new();
    one.update(&zeros);
    let mut crc = Crc::new();
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    for _ in 0..mib {
        out.extend_from_slice(&block);
        crc.combine(&one);
    }
    out.extend_from_slice(&[0x03, 0x00]); // an empty final block
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&crc.amount().to_le_bytes());
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn gzip_response(body: Vec<u8>) -> Fault {
    Fault::Response {
        status: 200,
        headers: vec![
            (
                "Content-Type".into(),
                "application/json;charset=UTF-8".into(),
            ),
            ("Content-Encoding".into(), "gzip".into()),
        ],
        body,
    }
}

#[test]
fn the_gzip_bomb_builder_is_valid_gzip() {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&gzip_of_zeros(3)[..])
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out.len(), 3 << 20);
    assert!(out.iter().all(|&b| b == 0));
}

#[test]
fn a_server_that_trickles_hits_the_total_timeout_at_its_bound() {
    let org = FakeOrg::start();
    let sf = password_builder(&org)
        .get_timeout(Duration::from_secs(1))
        .write_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let body = b"{\"DailyApiRequests\":{\"Max\":15000,\"Remaining\":14999}}".to_vec();
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    // The status and headers come at once, then a byte a second: only the total timeout can
    // end this call (each single read is quick).
    let trickle = || Fault::Trickle {
        head: head.clone().into_bytes(),
        body: body.clone(),
        interval: Duration::from_secs(1),
    };
    org.fail_next(1, trickle());
    let started = Instant::now();
    let err = sf
        .post("sobjects/Account", &json!({"Name": "slow"}))
        .unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(took >= Duration::from_millis(900), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");

    // The same for a GET, retries included: the budget is for the whole call.
    org.fail_next(1, trickle());
    let started = Instant::now();
    let err = sf.limits().unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(took >= Duration::from_millis(900), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    // The client still works afterwards.
    assert!(sf.limits().unwrap()["DailyApiRequests"].is_object());
}

#[test]
fn truncated_gzip_is_a_clear_error() {
    let org = FakeOrg::start();
    let sf = password_builder(&org).max_retries(0).build().unwrap();
    let page = sf
        .query("SELECT Id, Name FROM Account")
        .unwrap()
        .to_string();
    let gz = gzip(page.as_bytes());
    // Cut mid-stream, but sent whole (Content-Length matches what is sent).
    org.fail_next(1, gzip_response(gz[..gz.len() / 2].to_vec()));
    let err = sf.limits().unwrap_err();
    assert!(
        matches!(err, Error::UnexpectedBody { status: 200, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("could not be decoded"), "{err}");
    // The same with the trailer alone missing.
    org.fail_next(1, gzip_response(gz[..gz.len() - 8].to_vec()));
    let err = sf.limits().unwrap_err();
    assert!(
        matches!(err, Error::UnexpectedBody { status: 200, .. }),
        "{err:?}"
    );
    assert!(sf.limits().is_ok());
}

#[test]
fn a_gzip_bomb_is_refused_at_the_size_limit() {
    let org = FakeOrg::start();
    let sf = password_builder(&org)
        .max_response_size(1 << 20)
        .max_retries(0)
        .build()
        .unwrap();
    let bomb = gzip_of_zeros(200); // about 200 KB on the wire, 200 MiB inflated
    assert!(bomb.len() < 400_000, "{}", bomb.len());
    org.fail_next(1, gzip_response(bomb));
    let started = Instant::now();
    let err = sf.limits().unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(err, Error::BodyTooLarge { limit, .. } if limit == 1 << 20),
        "{err:?}"
    );
    // Inflating 200 MiB takes seconds in a debug build; stopping at 1 MiB takes milliseconds.
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert!(sf.limits().is_ok());
}

#[test]
fn a_connection_closed_before_any_byte_is_a_transport_error() {
    let org = FakeOrg::start();
    let sf = password_builder(&org).max_retries(0).build().unwrap();
    org.fail_next(1, Fault::Close);
    let err = sf.limits().unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    org.fail_next(1, Fault::Close);
    let err = sf
        .post("sobjects/Account", &json!({"Name": "x"}))
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(sf.limits().is_ok());
}
