//! Bulk waits against a sick server: transient poll failures are ridden out until the wait's
//! own timeout, no poll outlives it, and a wait that ends in an error names the job ids.

mod common;

use std::time::{Duration, Instant};

use serde_json::json;
use sfrest::{Bulk, Client, Error};
use sfrest_fake_org::{FakeOrg, Fault};

/// A client whose calls are not retried by themselves: each blip is one failed poll.
fn client(org: &FakeOrg) -> Client {
    common::password_builder(org)
        .max_retries(0)
        .build()
        .unwrap()
}

fn fast(sf: &Client) -> Bulk {
    sf.bulk()
        .poll_interval(Duration::from_millis(10), Duration::from_millis(100))
}

const CSV: &str = "Name\nWait A\nWait B\n";

fn ingest_path(id: &str) -> String {
    format!("/services/data/v66.0/jobs/ingest/{id}")
}

fn polls(org: &FakeOrg, path: &str) -> usize {
    org.requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.trim_end_matches('/') == path)
        .count()
}

#[test]
fn a_wait_rides_out_maintenance_pages_and_broken_connections() {
    let org = FakeOrg::start();
    let sf = client(&org);
    let job = fast(&sf).insert("Account", CSV.as_bytes()).unwrap();
    let path = ingest_path(&job.ids()[0]);
    org.fail_next_on(&path, 4, Fault::MaintenanceHtml);
    org.fail_next_on(&path, 1, Fault::Close);
    org.fail_next_on(&path, 1, Fault::Empty(502));
    org.clear_requests();
    let job = job.wait().unwrap();
    assert!(job.is_done());
    assert_eq!(job.number_records_processed(), 2);
    assert!(
        polls(&org, &path) >= 7,
        "six failed polls, then one that worked"
    );

    // A query job too.
    let job = fast(&sf)
        .start_query("SELECT Id FROM Account", false)
        .unwrap();
    let path = format!("/services/data/v66.0/jobs/query/{}", job.info().id);
    org.fail_next_on(&path, 5, Fault::Empty(503));
    let job = job.wait().unwrap();
    assert_eq!(job.info().state, "JobComplete");
}

#[test]
fn a_wait_that_fails_names_the_job_and_it_can_be_re_attached() {
    let org = FakeOrg::start();
    let sf = client(&org);
    let job = fast(&sf).insert("Account", CSV.as_bytes()).unwrap();
    let id = job.ids()[0].clone();
    org.fail_next_on(
        &ingest_path(&id),
        1,
        Fault::Json {
            status: 400,
            body: json!([{"errorCode": "INVALIDJOBSTATE", "message": "something odd"}]),
        },
    );
    let err = job.wait().unwrap_err();
    assert!(
        matches!(&err, Error::JobWait { ids, query: false, source } if ids[..] == [id.as_str()] && source.error_code() == Some("INVALIDJOBSTATE")),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains(&format!("bulk.job(\"{id}\")")) && text.contains("something odd"),
        "{text}"
    );
    assert_eq!(err.error_code(), Some("INVALIDJOBSTATE"));
    let job = fast(&sf).job(&id).unwrap().wait().unwrap();
    assert_eq!(job.number_records_processed(), 2);

    // A query job's error says how to re-attach to a query job.
    let job = fast(&sf)
        .start_query("SELECT Id FROM Account", false)
        .unwrap();
    let id = job.info().id.clone();
    org.fail_next_on(
        &format!("/services/data/v66.0/jobs/query/{id}"),
        1,
        Fault::Json {
            status: 404,
            body: json!([{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]),
        },
    );
    let err = job.wait().unwrap_err();
    assert!(
        matches!(&err, Error::JobWait { query: true, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains(&format!("bulk.query_job(\"{id}\")")),
        "{err}"
    );
    fast(&sf).query_job(&id).unwrap().wait().unwrap();
}

#[test]
fn polls_that_keep_failing_end_at_the_wait_timeout() {
    let org = FakeOrg::start();
    let sf = client(&org);
    let job = fast(&sf)
        .wait_timeout(Duration::from_secs(1))
        .insert("Account", CSV.as_bytes())
        .unwrap();
    let id = job.ids()[0].clone();
    org.answer_in_turn_on(&ingest_path(&id), vec![Fault::MaintenanceHtml]);
    let started = Instant::now();
    let err = job.wait().unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(&err, Error::JobWait { ids, source, .. } if ids[..] == [id.as_str()] && source.status() == Some(503)),
        "{err:?}"
    );
    assert!(took >= Duration::from_millis(700), "ridden out: {took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    org.clear_faults();
    fast(&sf).job(&id).unwrap().wait().unwrap();
}

#[test]
fn a_slow_poll_does_not_outlive_the_wait() {
    let org = FakeOrg::start();
    let sf = client(&org);
    let job = fast(&sf)
        .wait_timeout(Duration::from_secs(1))
        .insert("Account", CSV.as_bytes())
        .unwrap();
    let id = job.ids()[0].clone();
    org.delay(&ingest_path(&id), Duration::from_secs(6));
    let started = Instant::now();
    let err = job.wait().unwrap_err();
    let took = started.elapsed();
    assert!(
        // The poll was cut to what was left of the wait: the wait's own timeout ran out.
        matches!(&err, Error::JobTimeout { ids, .. } if ids[..] == [id.as_str()]),
        "{err:?}"
    );
    assert!(took < Duration::from_secs(3), "{took:?}");
}
