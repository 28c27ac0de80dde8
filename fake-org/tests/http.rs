mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;
use flate2::write::GzEncoder;
use serde_json::json;
use sfrest_fake_org::{FakeOrg, Fault};

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn gzip_only_when_asked() {
    let org = FakeOrg::start();
    let token = login(&org);
    let auth = format!("Bearer {token}");
    let target = format!(
        "/services/data/v66.0/query?q={}",
        enc("SELECT Id, Name FROM Contact")
    );
    let plain = request(
        &org.instance_url(),
        "GET",
        &target,
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(plain.status, 200);
    assert!(plain.header("content-encoding").is_none());
    assert_eq!(
        plain
            .header("content-length")
            .unwrap()
            .parse::<usize>()
            .unwrap(),
        plain.raw.len()
    );
    let zipped = request(
        &org.instance_url(),
        "GET",
        &target,
        &[
            ("Authorization", &auth),
            ("Accept-Encoding", "gzip, deflate"),
        ],
        b"",
    );
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
    assert!(zipped.raw.len() < plain.raw.len());
    assert_eq!(zipped.raw[..2], [0x1f, 0x8b]);
    assert_eq!(zipped.json(), plain.json());
    let refused = request(
        &org.instance_url(),
        "GET",
        &target,
        &[
            ("Authorization", &auth),
            ("Accept-Encoding", "gzip;q=0, identity"),
        ],
        b"",
    );
    assert!(refused.header("content-encoding").is_none());
}

#[test]
fn gzip_and_chunked_request_bodies() {
    let org = FakeOrg::start();
    let token = login(&org);
    let body = br#"{"Name":"Gzipped Inc"}"#;
    let compressed = gzip(body);
    let auth = format!("Bearer {token}");
    let r = request(
        &org.instance_url(),
        "POST",
        "/services/data/v66.0/sobjects/Account",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"),
        ],
        &compressed,
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        org.get_record("Account", &id).unwrap()["Name"],
        "Gzipped Inc"
    );
    let rec = org.requests().into_iter().last().unwrap();
    assert_eq!(rec.body, body);
    assert_eq!(rec.raw_body_len, compressed.len());
    assert_eq!(rec.header("CONTENT-ENCODING"), Some("gzip"));

    // Chunked, in three chunks with an extension, then gzip + chunked.
    let mut conn = Conn::open(&org.instance_url());
    let head = format!("POST /services/data/v66.0/sobjects/Account HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
    conn.send_raw(head.as_bytes());
    conn.send_raw(b"5;ext=1\r\n{\"Nam\r\n");
    conn.send_raw(b"9\r\ne\":\"Chunk\r\n");
    conn.send_raw(b"6\r\ny Co\"}\r\n0\r\n\r\n");
    let r = conn.read_response(false).unwrap();
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(org.get_record("Account", &id).unwrap()["Name"], "Chunky Co");
    let z = gzip(br#"{"Name":"Both Ways"}"#);
    let head = format!("POST /services/data/v66.0/sobjects/Account HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n", z.len());
    conn.send_raw(head.as_bytes());
    conn.send_raw(&z);
    conn.send_raw(b"\r\n0\r\n\r\n");
    let r = conn.read_response(false).unwrap();
    assert_eq!(r.status, 201, "{}", r.text());
    // Not gzip at all.
    let r = request(
        &org.instance_url(),
        "POST",
        "/services/data/v66.0/sobjects/Account",
        &[("Authorization", &auth), ("Content-Encoding", "gzip")],
        b"not gzip",
    );
    assert_eq!(r.status, 400);
}

#[test]
fn keep_alive_and_connection_close() {
    let org = FakeOrg::start();
    let mut conn = Conn::open(&org.login_url());
    for _ in 0..3 {
        let r = conn.request("GET", "/services/data/", &[], b"");
        assert_eq!(r.status, 200);
        assert!(r.header("connection").is_none());
    }
    let r = conn.request("GET", "/services/data/", &[("Connection", "close")], b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("connection"), Some("close"));
    assert!(conn.is_closed());
}

#[test]
fn fault_knobs() {
    let org = FakeOrg::start();
    let token = login(&org);
    org.fail_next(
        2,
        Fault::Json {
            status: 503,
            body: json!([{"errorCode": "SERVER_UNAVAILABLE", "message": "busy"}]),
        },
    );
    org.fail_next(1, Fault::MaintenanceHtml);
    org.fail_next(1, Fault::Empty(502));
    org.fail_next(
        1,
        Fault::Status {
            status: 500,
            content_type: "text/plain".into(),
            body: "boom".into(),
        },
    );
    for _ in 0..2 {
        let r = get(&org, &token, "/services/data/v66.0/limits");
        assert_eq!(r.status, 503);
        assert_eq!(rest_error(&r).0, "SERVER_UNAVAILABLE");
    }
    let r = get(&org, &token, "/services/data/v66.0/limits");
    assert_eq!(r.status, 503);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.text().contains("We are down for maintenance"));
    let r = request(&org.login_url(), "GET", "/services/data/", &[], b"");
    assert_eq!(
        (r.status, r.header("content-length"), r.raw.len()),
        (502, Some("0"), 0)
    );
    let r = get(&org, &token, "/services/data/v66.0/limits");
    assert_eq!(
        (r.status, r.text().as_str(), r.header("content-type")),
        (500, "boom", Some("text/plain"))
    );
    assert_eq!(get(&org, &token, "/services/data/v66.0/limits").status, 200);
    org.fail_next(
        1,
        Fault::Response {
            status: 503,
            headers: vec![("Retry-After".into(), "7".into())],
            body: b"busy".to_vec(),
        },
    );
    let r = get(&org, &token, "/services/data/v66.0/limits");
    assert_eq!(
        (r.status, r.header("retry-after"), r.raw.as_slice()),
        (503, Some("7"), &b"busy"[..])
    );
    assert!(r.header("content-type").is_none());

    // Raw bytes, then the connection closes.
    org.fail_next(
        1,
        Fault::Raw(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{\"a\"".to_vec()),
    );
    let mut s = TcpStream::connect(org.login_url().trim_start_matches("http://")).unwrap();
    s.write_all(b"GET /services/data/ HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut got = Vec::new();
    s.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{\"a\"");
    // Close without an answer.
    org.fail_next(1, Fault::Close);
    let mut conn = Conn::open(&org.login_url());
    conn.send_raw(b"GET /services/data/ HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(conn.read_response(false).is_none());
    assert_eq!(
        request(&org.login_url(), "GET", "/services/data/", &[], b"").status,
        200
    );
}

#[test]
fn faults_on_a_path_prefix() {
    let org = FakeOrg::start();
    let token = login(&org);
    org.fail_next_on("/services/data/v66.0/limits", 2, Fault::Empty(503));
    assert_eq!(
        request(&org.login_url(), "GET", "/services/data/", &[], b"").status,
        200
    );
    assert_eq!(get(&org, &token, "/services/data/v66.0/limits").status, 503);
    assert_eq!(
        get(&org, &token, "/services/data/v66.0/sobjects").status,
        200
    );
    assert_eq!(get(&org, &token, "/services/data/v66.0/limits").status, 503);
    assert_eq!(get(&org, &token, "/services/data/v66.0/limits").status, 200);
}

#[test]
fn delays_apply_by_prefix() {
    let org = FakeOrg::start();
    org.delay("/services/data/", Duration::from_millis(300));
    let t = Instant::now();
    assert_eq!(
        request(&org.login_url(), "GET", "/services/data/", &[], b"").status,
        200
    );
    assert!(t.elapsed() >= Duration::from_millis(300));
    let t = Instant::now();
    request(&org.login_url(), "GET", "/services/oauth2/token", &[], b"");
    assert!(t.elapsed() < Duration::from_millis(300));
    org.delay("/services/data/", Duration::ZERO);
    let t = Instant::now();
    request(&org.login_url(), "GET", "/services/data/", &[], b"");
    assert!(t.elapsed() < Duration::from_millis(300));
}

#[test]
fn requests_are_recorded() {
    let org = FakeOrg::start();
    request(
        &org.login_url(),
        "GET",
        "/services/data/?x=1&y=%20",
        &[
            ("X-Custom-Thing", "  Value  "),
            ("Sforce-Call-Options", "client=tests"),
        ],
        b"",
    );
    let recs = org.requests();
    assert_eq!(recs.len(), 1);
    let r = &recs[0];
    assert_eq!(r.host, sfrest_fake_org::Host::Login);
    assert_eq!(r.method, "GET");
    assert_eq!(r.target, "/services/data/?x=1&y=%20");
    assert_eq!(
        (r.path.as_str(), r.query.as_str()),
        ("/services/data/", "x=1&y=%20")
    );
    assert!(r
        .headers
        .iter()
        .any(|(n, v)| n == "x-custom-thing" && v == "Value"));
    assert_eq!(r.header("sforce-call-options"), Some("client=tests"));
    org.clear_requests();
    assert!(org.requests().is_empty());
}

#[test]
fn malformed_requests_get_errors_not_panics() {
    let org = FakeOrg::start();
    let mut conn = Conn::open(&org.login_url());
    conn.send_raw(b"NONSENSE\r\n\r\n");
    assert_eq!(conn.read_response(false).unwrap().status, 400);
    let long = format!("/services/data/{}", "a".repeat(17_000));
    let r = request(&org.login_url(), "GET", &long, &[], b"");
    assert_eq!(r.status, 414);
    let mut conn = Conn::open(&org.login_url());
    conn.send_raw(b"POST /services/oauth2/token HTTP/1.1\r\nContent-Length: nope\r\n\r\n");
    assert_eq!(conn.read_response(false).unwrap().status, 400);
    let token = login(&org);
    let r = send_json(
        &org,
        &token,
        "POST",
        "/services/data/v66.0/sobjects/Account",
        "\u{0}\u{1}[[[",
    );
    assert_eq!(rest_error(&r).0, "JSON_PARSER_ERROR");
    let r = get(&org, &token, "/services/data/v66.0/query?q=%FF%FE");
    assert_eq!(r.status, 400);
    assert_eq!(
        request(&org.login_url(), "GET", "/services/data/", &[], b"").status,
        200
    );
}

#[test]
fn drop_stops_the_listeners() {
    let org = FakeOrg::start();
    let addr = org.login_url().trim_start_matches("http://").to_owned();
    let mut idle = Conn::open(&org.login_url());
    assert_eq!(idle.request("GET", "/services/data/", &[], b"").status, 200);
    drop(org);
    assert!(idle.is_closed());
    std::thread::sleep(Duration::from_millis(50));
    match TcpStream::connect(&addr) {
        Err(_) => {}
        Ok(mut s) => {
            // Accepted by the kernel backlog at most: nobody answers.
            s.set_read_timeout(Some(Duration::from_millis(300)))
                .unwrap();
            let _ = s.write_all(b"GET /services/data/ HTTP/1.1\r\n\r\n");
            let mut buf = [0u8; 16];
            assert!(!matches!(s.read(&mut buf), Ok(n) if n > 0));
        }
    }
}
