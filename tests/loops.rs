//! Servers whose pages never end: a `nextRecordsUrl` or `Sforce-Locator` that leads back to a
//! page already read, and pages that bring far more records than announced. Each ends with a
//! clear error, with no call beyond the one that showed the problem.

mod common;

use std::sync::mpsc;
use std::time::Duration;

use common::org_and_client;
use serde_json::json;
use sfrest::Error;
use sfrest_fake_org::{FakeOrg, Fault};

const QUERY: &str = "/services/data/v66.0/query";

/// Runs `f` on a thread and fails the test if it has not returned within a minute (a loop that
/// is not stopped would otherwise hang the test run).
fn within_a_minute<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the call never returned: the server's loop was followed forever")
}

fn page(total: u64, records: usize, next: Option<&str>) -> Fault {
    let records: Vec<_> = (0..records)
        .map(|i| json!({"attributes": {"type": "Account"}, "Id": format!("001{i:015}")}))
        .collect();
    let mut body = json!({"totalSize": total, "done": next.is_none(), "records": records});
    if let Some(next) = next {
        body["nextRecordsUrl"] = json!(next);
    }
    Fault::Json { status: 200, body }
}

fn calls(org: &FakeOrg, prefix: &str) -> usize {
    org.requests()
        .iter()
        .filter(|r| r.path.starts_with(prefix))
        .count()
}

#[test]
fn a_next_records_url_cycle_ends_naming_the_repeated_url() {
    let (org, sf) = org_and_client();
    let a = format!("{QUERY}/01gA0000000001-2000");
    let b = format!("{QUERY}/01gA0000000001-4000");
    // The first answer names A; A names B; B names A again: A -> B -> A, forever.
    org.answer_in_turn_on(QUERY, vec![page(100, 2, Some(&a)), page(100, 2, Some(&b))]);
    org.clear_requests();
    let (records, err, after) = within_a_minute(move || {
        let mut iter = sf.query_iter("SELECT Id FROM Account").unwrap();
        let mut records = 0;
        let err = loop {
            match iter.next() {
                Some(Ok(_)) => records += 1,
                Some(Err(e)) => break e,
                None => panic!("the iterator ended without an error"),
            }
        };
        (records, err, iter.next().is_none())
    });
    assert_eq!(records, 6, "three pages were read");
    assert!(after, "the iterator ends after the error");
    assert!(
        matches!(&err, Error::Unexpected { message } if message.contains(&format!("nextRecordsUrl {a} again"))),
        "{err:?}"
    );
    assert_eq!(calls(&org, QUERY), 3, "no call beyond the page that looped");

    // query_all stops the same way, with bounded memory.
    org.clear_faults();
    org.answer_in_turn_on(QUERY, vec![page(100, 2, Some(&a)), page(100, 2, Some(&b))]);
    org.clear_requests();
    let sf = common::password_builder(&org).build().unwrap();
    let err = within_a_minute(move || sf.query_all("SELECT Id FROM Account").unwrap_err());
    assert!(
        matches!(&err, Error::Unexpected { message } if message.contains(&a)),
        "{err:?}"
    );
    assert_eq!(calls(&org, QUERY), 3);
}

#[test]
fn a_page_that_names_itself_ends_at_once() {
    let (org, sf) = org_and_client();
    let a = format!("{QUERY}/01gB0000000001-2000");
    org.answer_in_turn_on(QUERY, vec![page(10, 1, Some(&a))]);
    org.clear_requests();
    let err = within_a_minute(move || sf.query_all("SELECT Id FROM Account").unwrap_err());
    assert!(
        matches!(&err, Error::Unexpected { message } if message.contains(&a)),
        "{err:?}"
    );
    assert_eq!(calls(&org, QUERY), 2);
}

#[test]
fn far_more_records_than_total_size_is_an_error() {
    let (org, sf) = org_and_client();
    // Distinct pages of 1,500 records each, all saying totalSize 10.
    let pages: Vec<Fault> = (1..=4)
        .map(|i| {
            page(
                10,
                1500,
                Some(&format!("{QUERY}/01gC0000000001-{}", i * 1500)),
            )
        })
        .collect();
    org.answer_in_turn_on(QUERY, pages);
    org.clear_requests();
    let err = within_a_minute(move || sf.query_all("SELECT Id FROM Account").unwrap_err());
    assert!(
        matches!(&err, Error::Unexpected { message } if message.contains("announced 10 records")),
        "{err:?}"
    );
    assert_eq!(
        calls(&org, QUERY),
        2,
        "stopped at the page that went past twice the count"
    );
}

#[test]
fn pages_without_total_size_are_still_checked_for_loops() {
    let (org, sf) = org_and_client();
    let a = format!("{QUERY}/01gD0000000001-1");
    let no_total = Fault::Json {
        status: 200,
        body: json!({"done": false, "nextRecordsUrl": a, "records": []}),
    };
    org.answer_in_turn_on(QUERY, vec![no_total]);
    let err = within_a_minute(move || sf.query_all("SELECT Id FROM Account").unwrap_err());
    assert!(matches!(&err, Error::Unexpected { .. }), "{err:?}");

    // Distinct pages full of records, none saying totalSize: bounded as if none were announced.
    org.clear_faults();
    let pages: Vec<Fault> = (1..=4)
        .map(|i| {
            let Fault::Json { status, mut body } = page(
                0,
                1500,
                Some(&format!("{QUERY}/01gE0000000001-{}", i * 1500)),
            ) else {
                unreachable!()
            };
            body.as_object_mut().unwrap().remove("totalSize");
            Fault::Json { status, body }
        })
        .collect();
    org.answer_in_turn_on(QUERY, pages);
    let sf = common::password_builder(&org).build().unwrap();
    let err = within_a_minute(move || sf.query_all("SELECT Id FROM Account").unwrap_err());
    assert!(
        matches!(&err, Error::Unexpected { message } if message.contains("announced 0 records")),
        "{err:?}"
    );
}

fn csv_page(locator: &str, announced: usize, records: usize) -> Fault {
    let mut body = b"\"Id\"\n".to_vec();
    for i in 0..records {
        body.extend_from_slice(format!("\"001{i:015}\"\n").as_bytes());
    }
    Fault::Response {
        status: 200,
        headers: vec![
            ("Content-Type".into(), "text/csv".into()),
            ("Sforce-Locator".into(), locator.into()),
            ("Sforce-NumberOfRecords".into(), announced.to_string()),
        ],
        body,
    }
}

/// A finished query job of the fake org, and the path of its results. `parallel`: the pages
/// are listed by `resultPages` (more than 1) or follow `Sforce-Locator` (1).
fn finished_query_job(sf: &sfrest::Client, parallel: usize) -> (sfrest::QueryJob, String) {
    let job = sf
        .bulk()
        .parallel_downloads(parallel)
        .poll_interval(Duration::from_millis(10), Duration::from_millis(50))
        .start_query("SELECT Id, Name FROM Account", false)
        .unwrap()
        .wait()
        .unwrap();
    let path = format!("/services/data/v66.0/jobs/query/{}/results", job.info().id);
    (job, path)
}

#[test]
fn a_repeated_sforce_locator_ends_naming_the_locator() {
    let (org, sf) = org_and_client();
    let (job, path) = finished_query_job(&sf, 1);
    let processed = job.info().number_records_processed as usize;
    assert!(processed > 2, "the fake org has accounts");
    org.answer_in_turn_on(&path, vec![csv_page("QUFB", 1, 1), csv_page("QkJC", 1, 1)]);
    org.clear_requests();
    let (err, out) = within_a_minute(move || {
        let mut out = Vec::new();
        let err = job.results(&mut out).unwrap_err();
        (err, out)
    });
    assert!(
        matches!(&err, Error::Unexpected { message } if message.contains("Sforce-Locator QUFB again") && message.contains("bulk query job")),
        "{err:?}"
    );
    assert_eq!(calls(&org, &path), 3, "no call beyond the page that looped");
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.matches("\"Id\"").count(), 1, "one header row: {text}");
}

#[test]
fn bulk_pages_far_beyond_the_processed_count_are_an_error() {
    let (org, sf) = org_and_client();
    // One page at a time (Sforce-Locator), and in parallel (resultPages).
    for parallel in [1, 4] {
        let (job, path) = finished_query_job(&sf, parallel);
        let processed = job.info().number_records_processed as usize;
        let big = 2 * processed + 2_500;
        for l in ["QUFB", "QkJC", "Q0ND"] {
            org.fail_next_on(&path, 1, csv_page(l, big, big));
        }
        org.clear_requests();
        let err = within_a_minute(move || job.results(std::io::sink()).unwrap_err());
        assert!(
            matches!(&err, Error::Unexpected { message } if message.contains(&format!("announced {processed} records"))),
            "{parallel}: {err:?}"
        );
        assert_eq!(calls(&org, &path), 1, "{parallel}");
        org.clear_faults();

        // A page that holds far more records than its own Sforce-NumberOfRecords.
        let (job, path) = finished_query_job(&sf, parallel);
        org.fail_next_on(&path, 1, csv_page("null", 1, 2_500));
        let err = job.results(std::io::sink()).unwrap_err();
        assert!(
            matches!(&err, Error::Unexpected { message } if message.contains("Sforce-NumberOfRecords says 1 records, but the page holds 2500")),
            "{parallel}: {err:?}"
        );
        org.clear_faults();
    }
}

/// Pages that announce no records (`Sforce-NumberOfRecords: 0`) while holding rows count by
/// their rows against the job, whether read one at a time or listed by `resultPages`.
#[test]
fn pages_that_understate_their_rows_still_count_them() {
    let (org, sf) = org_and_client();
    for parallel in [1, 4] {
        let (job, path) = finished_query_job(&sf, parallel);
        let processed = job.info().number_records_processed as usize;
        let rows = 2_000;
        let pages = (2 * processed + 2_000) / rows + 2;
        if parallel > 1 {
            let listed: Vec<_> = (0..pages)
                .map(|i| json!({"resultUrl": format!("{path}?locator=L{i}")}))
                .collect();
            org.fail_next_on(
                &path.replace("/results", "/resultPages"),
                1,
                Fault::Json {
                    status: 200,
                    body: json!({"resultPages": listed, "nextRecordsUrl": null, "done": true}),
                },
            );
            org.fail_next_on(&path, pages, csv_page("null", 0, rows));
        } else {
            for i in 0..pages {
                org.fail_next_on(&path, 1, csv_page(&format!("L{}", i + 1), 0, rows));
            }
        }
        let err = within_a_minute(move || job.results(std::io::sink()).unwrap_err());
        assert!(
            matches!(&err, Error::Unexpected { message } if message.contains(&format!("announced {processed} records"))),
            "{parallel}: {err:?}"
        );
        org.clear_faults();
    }
}

/// A totalSize that rises with every page does not raise the bound: the first (lowest)
/// announcement counts.
#[test]
fn a_rising_total_size_does_not_raise_the_bound() {
    let (org, sf) = org_and_client();
    let pages: Vec<Fault> = (1..=5u64)
        .map(|i| {
            page(
                100 * 10u64.pow(i as u32),
                1_500,
                Some(&format!("{QUERY}/01gF0000000001-{}", i * 1500)),
            )
        })
        .collect();
    org.answer_in_turn_on(QUERY, pages);
    let err = within_a_minute(move || sf.query_all("SELECT Id FROM Account").unwrap_err());
    assert!(
        matches!(&err, Error::Unexpected { message } if message.contains("announced 1000 records")),
        "{err:?}"
    );
}

/// Empty pages that each name a next page end the chain whatever totalSize says.
#[test]
fn empty_pages_end_even_under_a_huge_total_size() {
    let (org, sf) = org_and_client();
    let pages: Vec<Fault> = (0..2_100)
        .map(|i| page(u64::MAX, 0, Some(&format!("{QUERY}/01gG0000000001-{i}"))))
        .collect();
    org.answer_in_turn_on(QUERY, pages);
    let err = within_a_minute(move || sf.query_all("SELECT Id FROM Account").unwrap_err());
    assert!(
        matches!(&err, Error::Unexpected { message } if message.contains("without a record")),
        "{err:?}"
    );
    assert!(calls(&org, QUERY) <= 2_001);
}

/// The results of a query job still running are refused before any page is asked for: the
/// job is looked up, and its count will bound the pages once it is complete.
#[test]
fn results_of_a_running_job_are_refused() {
    let (org, sf) = org_and_client();
    org.set_bulk_polls_until_complete(0);
    org.set_bulk_query_time(Duration::from_secs(30));
    let job = sf
        .bulk()
        .parallel_downloads(1)
        .start_query("SELECT Id FROM Account", false)
        .unwrap();
    org.clear_requests();
    let err = job.results(std::io::sink()).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { message } if message.contains("JobComplete")),
        "{err:?}"
    );
    assert_eq!(
        calls(&org, "/services/data/v66.0/jobs/query"),
        1,
        "one look-up"
    );
    assert!(org.requests().iter().all(|r| !r.path.ends_with("/results")));
    // An aborted job never has results: JobFailed, not "wait for it".
    job.abort().unwrap();
    let err = job.results(std::io::sink()).unwrap_err();
    assert!(
        matches!(&err, Error::JobFailed { state, .. } if state == "Aborted"),
        "{err:?}"
    );
}

#[test]
fn rotations_are_cleared() {
    let (org, sf) = org_and_client();
    org.answer_in_turn_on("/services/data/v66.0/limits", vec![Fault::Empty(404)]);
    assert!(sf.limits().is_err());
    org.clear_faults();
    assert!(sf.limits().is_ok());
}
