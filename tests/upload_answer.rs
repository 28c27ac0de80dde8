//! After a streamed upload's last byte, the server's answer is awaited for what is left of
//! the transfer bound, not for the write timeout: storing a large file takes the server time,
//! and giving up sooner reported a failure for a record that was most likely created.

mod common;

use std::time::{Duration, Instant};

use serde_json::json;
use sfrest::Error;
use sfrest_fake_org::FakeOrg;

fn client(org: &FakeOrg, transfer: Duration) -> sfrest::Client {
    common::password_builder(org)
        .write_timeout(Duration::from_millis(300))
        .transfer_timeout(transfer)
        .max_retries(0)
        .build()
        .unwrap()
}

fn upload(sf: &sfrest::Client) -> sfrest::Result<String> {
    sf.sobject("ContentVersion").create_with_blob(
        &json!({"Title": "big", "PathOnClient": "big.bin"}),
        "VersionData",
        "big.bin",
        &vec![7u8; 200_000][..],
    )
}

#[test]
fn a_slow_answer_after_an_upload_is_awaited_within_the_transfer_bound() {
    let org = FakeOrg::start();
    let sf = client(&org, Duration::from_secs(20));
    // The server takes 1.5 s after the last byte: five times the write timeout.
    org.delay(
        "/services/data/v66.0/sobjects/ContentVersion",
        Duration::from_millis(1500),
    );
    let started = Instant::now();
    let id = upload(&sf).unwrap();
    assert!(started.elapsed() >= Duration::from_millis(1500));
    assert_eq!(
        org.blob("ContentVersion", &id).map(|b| b.len()),
        Some(200_000)
    );
}

#[test]
fn a_server_that_never_answers_an_upload_ends_at_the_transfer_bound() {
    let org = FakeOrg::start();
    let sf = client(&org, Duration::from_millis(1200));
    org.delay(
        "/services/data/v66.0/sobjects/ContentVersion",
        Duration::from_secs(8),
    );
    let started = Instant::now();
    let e = upload(&sf).unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
    // It waited for the answer past the 300 ms write timeout, up to the 1.2 s bound, and no
    // longer (generous margins: the server would answer after 8 s).
    assert!(
        started.elapsed() >= Duration::from_millis(1100),
        "{:?}",
        started.elapsed()
    );
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
}
