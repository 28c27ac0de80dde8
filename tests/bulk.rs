//! Bulk API 2.0 against the fake org: streamed, split, gzip uploads; polling; results; query
//! export with locator paging.

mod common;

use std::time::Duration;

use common::org_and_client;
use sfrest::{Bulk, Client, Error};

fn fast(sf: &Client) -> Bulk {
    sf.bulk()
        .poll_interval(Duration::from_millis(5), Duration::from_millis(20))
}

fn csv_rows(text: &str) -> usize {
    // Records, not lines: quoted fields may hold newlines.
    let mut rows = 0;
    let mut in_quotes = false;
    for c in text.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            '\n' if !in_quotes => rows += 1,
            _ => {}
        }
    }
    rows
}

#[test]
fn insert_wait_and_read_results() {
    let (org, sf) = org_and_client();
    let before = org.count("Account");
    let csv = "Name,BillingCity,Industry\nBulk A,\"two\nlines, and a comma\",Energy\nBulk B,,Retail\n,no name,Retail\n";
    let job = fast(&sf).insert("Account", csv.as_bytes()).unwrap();
    let mut polls = 0;
    let job = job.wait_with(|_| polls += 1).unwrap();
    assert!(polls >= 1);
    assert_eq!(job.number_records_processed(), 3);
    assert_eq!(
        job.number_records_failed(),
        1,
        "a failed record is not an error"
    );
    assert_eq!(org.count("Account"), before + 2);

    let mut ok = Vec::new();
    job.successful_results(&mut ok).unwrap();
    let ok = String::from_utf8(ok).unwrap();
    assert!(ok.starts_with("\"sf__Id\",\"sf__Created\""), "{ok}");
    assert_eq!(csv_rows(&ok), 3, "header + 2 rows: {ok}");
    assert!(ok.contains("two\nlines, and a comma"), "{ok}");

    let mut failed = Vec::new();
    job.failed_results(&mut failed).unwrap();
    let failed = String::from_utf8(failed).unwrap();
    assert!(failed.starts_with("\"sf__Id\",\"sf__Error\""), "{failed}");
    assert!(failed.contains("REQUIRED_FIELD_MISSING"), "{failed}");
}

#[test]
fn large_inputs_become_several_gzip_uploads_cut_at_records() {
    let (org, sf) = org_and_client();
    let before = org.count("Account");
    let mut csv = String::from("Name,BillingCity\n");
    for i in 0..60 {
        csv.push_str(&format!("Split {i:02},\"multi\nline {i}\"\n"));
    }
    org.clear_requests();
    let job = fast(&sf)
        .max_upload_bytes(400)
        .insert("Account", csv.as_bytes())
        .unwrap();
    let uploads: Vec<_> = org
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    assert!(uploads.len() >= 4, "{} uploads", uploads.len());
    assert_eq!(job.ids().len(), uploads.len(), "one job per upload");
    for u in &uploads {
        assert_eq!(u.header("content-encoding"), Some("gzip"));
        assert!(u.body.len() <= 400, "{}", u.body.len());
        let text = String::from_utf8(u.body.clone()).unwrap();
        assert!(text.starts_with("Name,BillingCity\n"));
        assert_eq!(text.matches('"').count() % 2, 0, "a record was cut: {text}");
    }
    let job = job.wait().unwrap();
    assert_eq!(job.number_records_processed(), 60);
    assert_eq!(org.count("Account"), before + 60);
    let mut ok = Vec::new();
    job.successful_results(&mut ok).unwrap();
    let ok = String::from_utf8(ok).unwrap();
    assert_eq!(
        ok.matches("sf__Id").count(),
        1,
        "one header row for all jobs"
    );
    assert_eq!(csv_rows(&ok), 61);
}

#[test]
fn upsert_update_and_delete() {
    let (org, sf) = org_and_client();
    let bulk = fast(&sf);
    let job = bulk
        .upsert(
            "Account",
            "Ext_Id__c",
            "Ext_Id__c,Name\nX-1,First\nX-2,Second\n".as_bytes(),
        )
        .unwrap()
        .wait()
        .unwrap();
    assert_eq!(job.number_records_failed(), 0);
    let job = bulk
        .upsert(
            "Account",
            "Ext_Id__c",
            "Ext_Id__c,Name\nX-1,First again\nX-3,Third\n".as_bytes(),
        )
        .unwrap()
        .wait()
        .unwrap();
    let mut ok = Vec::new();
    job.successful_results(&mut ok).unwrap();
    let ok = String::from_utf8(ok).unwrap();
    assert!(
        ok.contains("\"false\"") && ok.contains("\"true\""),
        "one updated, one created: {ok}"
    );

    let ids: Vec<String> = sf
        .query_all("SELECT Id FROM Account WHERE Ext_Id__c LIKE 'X-%'")
        .unwrap()
        .iter()
        .map(|r| r["Id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 3);
    let mut update = String::from("Id,Industry\n");
    for id in &ids {
        update.push_str(&format!("{id},Banking\n"));
    }
    bulk.update("Account", update.as_bytes())
        .unwrap()
        .wait()
        .unwrap();
    assert_eq!(
        org.get_record("Account", &ids[0]).unwrap()["Industry"],
        "Banking"
    );
    let del = format!("Id\n{}\n", ids.join("\n"));
    let job = bulk
        .delete("Account", del.as_bytes())
        .unwrap()
        .wait()
        .unwrap();
    assert_eq!(job.number_records_processed(), 3);
    assert!(sf
        .query_all("SELECT Id FROM Account WHERE Ext_Id__c LIKE 'X-%'")
        .unwrap()
        .is_empty());
}

#[test]
fn a_failed_job_is_an_error_with_salesforce_message() {
    let (org, sf) = org_and_client();
    org.fail_next_bulk_job("InvalidBatch : Field name not found : Bogus__c");
    let err = fast(&sf)
        .insert("Account", "Name\nx\n".as_bytes())
        .unwrap()
        .wait()
        .unwrap_err();
    assert!(
        matches!(&err, Error::JobFailed { state, message, .. } if state == "Failed" && message.contains("Bogus__c")),
        "{err:?}"
    );
    let err = fast(&sf)
        .insert("Account", "Name\n".as_bytes())
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
}

#[test]
fn a_wait_timeout_names_the_job_to_resume_and_jobs_can_be_reattached() {
    let (org, sf) = org_and_client();
    org.set_bulk_polls_until_complete(1_000_000);
    let job = fast(&sf)
        .wait_timeout(Duration::from_millis(100))
        .insert("Account", "Name\nSlow one\n".as_bytes())
        .unwrap();
    let id = job.ids()[0].clone();
    let err = job.wait().unwrap_err();
    assert!(
        matches!(&err, Error::JobTimeout { ids, .. } if ids == &vec![id.clone()]),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains(&id) && text.contains("keeps running") && text.contains("bulk.job("),
        "{text}"
    );

    org.set_bulk_polls_until_complete(0);
    let job = fast(&sf).job(&id).unwrap().wait().unwrap();
    assert_eq!(job.number_records_processed(), 1);
}

#[test]
fn an_open_job_can_be_aborted() {
    let (org, sf) = org_and_client();
    org.set_bulk_polls_until_complete(1_000_000);
    let job = fast(&sf)
        .insert("Account", "Name\nAbort me\n".as_bytes())
        .unwrap();
    job.abort().unwrap();
    let err = job.wait().unwrap_err();
    assert!(
        matches!(&err, Error::JobFailed { state, .. } if state == "Aborted"),
        "{err:?}"
    );
}

#[test]
fn query_export_follows_the_locator_and_keeps_one_header() {
    let (org, sf) = org_and_client();
    org.seed_bulk("Account", 2500);
    let expected = org.count("Account");
    org.clear_requests();
    let mut out = Vec::new();
    let n = fast(&sf)
        .max_records(1000)
        .query("SELECT Id, Name FROM Account", &mut out)
        .unwrap();
    assert_eq!(n as usize, expected);
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.lines().next(), Some("\"Id\",\"Name\""));
    assert_eq!(text.matches("\"Id\",\"Name\"").count(), 1);
    assert_eq!(csv_rows(&text), expected + 1);
    let pages = org
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/results"))
        .count();
    assert_eq!(pages, expected.div_ceil(1000));

    let err = fast(&sf)
        .query("SELECT Nope FROM Account", Vec::new())
        .unwrap_err();
    assert_eq!(err.error_code(), Some("INVALID_FIELD"));
}

/// The API calls of a 1,000,000-record load and export. Run in release for the numbers in
/// BENCHMARKS.md:
/// `cargo test --release --test bulk -- --ignored --nocapture million_records_in_a_handful_of_calls`
#[test]
#[ignore = "a measurement: 1,000,000 records; run in release"]
fn million_records_in_a_handful_of_calls() {
    let (org, sf) = org_and_client();
    let bulk = sf
        .bulk()
        .poll_interval(Duration::from_millis(50), Duration::from_secs(1));
    let mut csv = String::with_capacity(40_000_000);
    csv.push_str("Name,Industry\n");
    for i in 0..1_000_000 {
        csv.push_str(&format!("Load {i:07},Energy\n"));
    }
    org.clear_requests();
    let started = std::time::Instant::now();
    let job = bulk
        .insert("Account", csv.as_bytes())
        .unwrap()
        .wait()
        .unwrap();
    let load_calls = org.requests().len();
    assert_eq!(job.number_records_processed(), 1_000_000);
    println!(
        "load: {load_calls} API calls ({} jobs), {:?}",
        job.ids().len(),
        started.elapsed()
    );

    org.clear_requests();
    let started = std::time::Instant::now();
    let n = bulk
        .query(
            "SELECT Id, Name FROM Account WHERE Industry = 'Energy'",
            std::io::sink(),
        )
        .unwrap();
    let export_calls = org.requests().len();
    assert!(n >= 1_000_000);
    println!(
        "export: {n} records, {export_calls} API calls, {:?}",
        started.elapsed()
    );
}

#[test]
fn an_open_quote_stops_the_upload_with_a_clear_error() {
    let (org, sf) = org_and_client();
    let mut csv = String::from("Name,BillingCity\n");
    for i in 0..50 {
        csv.push_str(&format!("Fine {i},Oslo\n"));
    }
    csv.push_str("Bolt 12\" long,Oslo\n");
    csv.push_str(&"After,Oslo\n".repeat(500));
    let before = org.count("Account");
    let err = fast(&sf)
        .max_upload_bytes(2000)
        .insert("Account", csv.as_bytes())
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(
        text.contains("record 51") && text.contains("quote") && text.contains("aborted"),
        "{text}"
    );
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        org.count("Account"),
        before,
        "the job with the broken record was aborted"
    );
}

#[test]
fn a_query_job_timeout_says_how_to_resume_it() {
    let (org, sf) = org_and_client();
    org.set_bulk_polls_until_complete(1_000_000);
    let bulk = fast(&sf).wait_timeout(Duration::from_millis(100));
    let job = bulk.start_query("SELECT Id FROM Account", false).unwrap();
    let id = job.info().id.clone();
    let err = job.wait().unwrap_err();
    assert!(
        matches!(&err, Error::JobTimeout { query: true, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains(&format!("bulk.query_job(\"{id}\")")),
        "{err}"
    );
    org.set_bulk_polls_until_complete(0);
    let n = bulk
        .query_job(&id)
        .unwrap()
        .wait()
        .unwrap()
        .results(std::io::sink())
        .unwrap();
    assert_eq!(n as usize, org.count("Account"));
}

#[test]
fn several_jobs_reattach_together() {
    let (org, sf) = org_and_client();
    let mut csv = String::from("Name\n");
    for i in 0..40 {
        csv.push_str(&format!("Reattach {i:02}\n"));
    }
    let ids = fast(&sf)
        .max_upload_bytes(100)
        .insert("Account", csv.as_bytes())
        .unwrap()
        .ids();
    assert!(ids.len() > 2);
    let job = fast(&sf).jobs(&ids).unwrap().wait().unwrap();
    assert_eq!(job.number_records_processed(), 40);
    assert_eq!(
        sf.query_all("SELECT Id FROM Account WHERE Name LIKE 'Reattach%'")
            .unwrap()
            .len(),
        40
    );
    let _ = org;
}

#[test]
fn a_download_is_replayed_after_the_session_expires() {
    let (org, sf) = org_and_client();
    let job = fast(&sf)
        .start_query("SELECT Id FROM Account", false)
        .unwrap()
        .wait()
        .unwrap();
    org.expire_sessions();
    let mut out = Vec::new();
    let n = job.results(&mut out).unwrap();
    assert_eq!(n as usize, org.count("Account"));
    assert_eq!(
        csv_rows(&String::from_utf8(out).unwrap()),
        org.count("Account") + 1,
        "one header"
    );
    assert_eq!(org.login_count(), 2);
}
