//! Bulk API 2.0 ingest jobs over the wire: uploads, states, results.
mod common;

use std::io::Write;

use common::bulk_api::*;
use common::*;
use serde_json::{json, Value};
use sfrest_fake_org::FakeOrg;

#[test]
fn ingest_insert_with_quoted_multiline_field() {
    let org = FakeOrg::start();
    let api = Api::new(&org);
    let r = api.json(
        "POST",
        "jobs/ingest",
        json!({"object": "Account", "operation": "insert", "contentType": "CSV", "lineEnding": "LF", "columnDelimiter": "COMMA"}),
    );
    assert_eq!(r.status, 200);
    assert!(r.header("sforce-limit-info").is_some());
    let info = r.json();
    let id = info["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 18);
    assert!(id.starts_with("750"));
    assert_eq!(info["operation"], "insert");
    assert_eq!(info["object"], "Account");
    assert_eq!(info["state"], "Open");
    assert_eq!(info["concurrencyMode"], "Parallel");
    assert_eq!(info["contentType"], "CSV");
    assert_eq!(info["apiVersion"], 66.0);
    assert_eq!(info["lineEnding"], "LF");
    assert_eq!(info["columnDelimiter"], "COMMA");
    assert_eq!(info["createdById"], org.user_id());
    assert_eq!(
        info["contentUrl"],
        format!("services/data/v66.0/jobs/ingest/{id}/batches")
    );
    let before = org.count("Account");
    let csv = "Name,Industry,NumberOfEmployees\n\"Multi\nLine \"\"Quoted\"\", Inc\",Technology,12\nPlain Co,,\n";
    let r = api.upload(&id, csv);
    assert_eq!(r.status, 201);
    assert!(r.raw.is_empty());
    let closed = api.close(&id);
    assert_eq!(closed["state"], "UploadComplete");
    let (seen, info) = api.wait("ingest", &id);
    assert_eq!(seen, vec!["InProgress", "JobComplete"]);
    assert_eq!(info["numberRecordsProcessed"], 2);
    assert_eq!(info["numberRecordsFailed"], 0);
    assert_eq!(info["jobType"], "V2Ingest");
    assert_eq!(info["retries"], 0);
    assert!(info.get("errorMessage").is_none());
    assert_eq!(org.count("Account"), before + 2);

    let text = api.csv(&format!("jobs/ingest/{id}/successfulResults/"));
    let first_line = text.lines().next().unwrap();
    assert_eq!(
        first_line,
        "\"sf__Id\",\"sf__Created\",Name,Industry,NumberOfEmployees"
    );
    let rows = parse_csv(&text);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1][1], "true");
    assert_eq!(rows[1][2], "Multi\nLine \"Quoted\", Inc");
    assert_eq!(rows[1][3], "Technology");
    assert_eq!(rows[2][2], "Plain Co");
    assert_eq!(rows[2][3], "");
    assert!(text.contains("\"Plain Co\",\"\",\"\"\n"));
    let rec = org.get_record("Account", &rows[1][0]).unwrap();
    assert_eq!(rec["Name"], "Multi\nLine \"Quoted\", Inc");
    assert_eq!(rec["NumberOfEmployees"], 12);
    let rec = org.get_record("Account", &rows[2][0]).unwrap();
    assert_eq!(rec["Industry"], Value::Null);

    let failed = api.csv(&format!("jobs/ingest/{id}/failedResults/"));
    assert_eq!(
        failed,
        "\"sf__Id\",\"sf__Error\",Name,Industry,NumberOfEmployees\n"
    );
    let list = api.get("jobs/ingest").json();
    assert_eq!(list["done"], true);
    assert_eq!(list["nextRecordsUrl"], Value::Null);
    assert_eq!(list["records"][0]["id"], id.as_str());
    assert_eq!(list["records"][0]["state"], "JobComplete");
    assert_eq!(org.bulk_job_count(), 1);
}

#[test]
fn failed_rows_are_in_failed_results() {
    let org = FakeOrg::start();
    let api = Api::new(&org);
    let csv = "Name,NumberOfEmployees,Website\nGood One,5,\n,7,x\nBad Count,lots,\n";
    let (id, info) = api.ingest(json!({"object": "Account", "operation": "insert"}), csv);
    assert_eq!(info["state"], "JobComplete");
    assert_eq!(info["numberRecordsProcessed"], 3);
    assert_eq!(info["numberRecordsFailed"], 2);
    let rows = parse_csv(&api.csv(&format!("jobs/ingest/{id}/failedResults/")));
    assert_eq!(
        rows,
        vec![
            vec!["sf__Id", "sf__Error", "Name", "NumberOfEmployees", "Website"],
            vec![
                "",
                "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --",
                "",
                "7",
                "x"
            ],
            vec![
                "",
                "INVALID_TYPE_ON_FIELD_IN_RECORD:Employees: value not of required type: lots:NumberOfEmployees --",
                "Bad Count",
                "lots",
                ""
            ],
        ]
    );
    let ok = parse_csv(&api.csv(&format!("jobs/ingest/{id}/successfulResults/")));
    assert_eq!(ok.len(), 2);
    assert_eq!(ok[1][2], "Good One");
    // A completed job has nothing unprocessed: only the header.
    assert_eq!(
        api.csv(&format!("jobs/ingest/{id}/unprocessedrecords/")),
        "Name,NumberOfEmployees,Website\n"
    );
}

#[test]
fn upsert_reports_created_and_updated_and_update_needs_id() {
    let org = FakeOrg::start();
    let api = Api::new(&org);
    let existing = org.insert("Account", json!({"Name": "Old Name", "Ext_Id__c": "E-1"}));
    let csv = "Ext_Id__c,Name\nE-1,Renamed\nE-2,Brand New\n";
    let (id, info) = api.ingest(
        json!({"object": "Account", "operation": "upsert", "externalIdFieldName": "Ext_Id__c"}),
        csv,
    );
    assert_eq!(info["externalIdFieldName"], "Ext_Id__c");
    assert_eq!(info["numberRecordsProcessed"], 2);
    let rows = parse_csv(&api.csv(&format!("jobs/ingest/{id}/successfulResults/")));
    assert_eq!(rows[0], vec!["sf__Id", "sf__Created", "Ext_Id__c", "Name"]);
    assert_eq!(rows[1], vec![existing.as_str(), "false", "E-1", "Renamed"]);
    assert_eq!(rows[2][1], "true");
    assert_eq!(
        org.get_record("Account", &existing).unwrap()["Name"],
        "Renamed"
    );
    assert_eq!(
        org.get_record("Account", &rows[2][0]).unwrap()["Ext_Id__c"],
        "E-2"
    );

    // Contacts attached to their account through its external id.
    let csv = "LastName,Account.Ext_Id__c\nSmith,E-2\nJones,NOPE\n";
    let (id, info) = api.ingest(json!({"object": "Contact", "operation": "insert"}), csv);
    assert_eq!(info["numberRecordsFailed"], 1);
    let ok = parse_csv(&api.csv(&format!("jobs/ingest/{id}/successfulResults/")));
    assert_eq!(
        org.get_record("Contact", &ok[1][0]).unwrap()["AccountId"],
        rows[2][0].as_str()
    );
    let bad = parse_csv(&api.csv(&format!("jobs/ingest/{id}/failedResults/")));
    assert_eq!(
        bad[1][1],
        "INVALID_FIELD:Foreign key external ID: NOPE not found for field Ext_Id__c in entity Account:--"
    );

    // Update: rows without an Id fail, the others change.
    let csv = format!("Id,Industry\n{existing},Energy\n,Energy\n");
    let (id, info) = api.ingest(json!({"object": "Account", "operation": "update"}), &csv);
    assert_eq!(info["numberRecordsFailed"], 1);
    assert_eq!(
        org.get_record("Account", &existing).unwrap()["Industry"],
        "Energy"
    );
    let bad = parse_csv(&api.csv(&format!("jobs/ingest/{id}/failedResults/")));
    assert_eq!(
        bad[1][1],
        "MISSING_ARGUMENT:Id not specified in an update call:--"
    );
}

#[test]
fn delete_and_hard_delete() {
    let org = FakeOrg::start();
    let api = Api::new(&org);
    let a = org.insert("Account", json!({"Name": "Doomed A"}));
    let b = org.insert("Account", json!({"Name": "Doomed B"}));
    let before = org.count("Account");
    let csv = format!("Id\n{a}\n001Hx000000zzzzAAA\n");
    let (id, info) = api.ingest(json!({"object": "Account", "operation": "delete"}), &csv);
    assert_eq!(info["numberRecordsProcessed"], 2);
    assert_eq!(info["numberRecordsFailed"], 1);
    assert_eq!(org.count("Account"), before - 1);
    assert_eq!(org.get_record("Account", &a).unwrap()["IsDeleted"], true);
    let ok = parse_csv(&api.csv(&format!("jobs/ingest/{id}/successfulResults/")));
    assert_eq!(ok[1], vec![a.as_str(), "false", a.as_str()]);
    let failed = parse_csv(&api.csv(&format!("jobs/ingest/{id}/failedResults/")));
    assert_eq!(failed[1][0], "001Hx000000zzzzAAA");
    assert!(
        failed[1][1].starts_with("MALFORMED_ID:")
            || failed[1][1].starts_with("INVALID_CROSS_REFERENCE_KEY:"),
        "{}",
        failed[1][1]
    );

    let (_, info) = api.ingest(
        json!({"object": "Account", "operation": "hardDelete"}),
        &format!("Id\n{b}\n"),
    );
    assert_eq!(info["numberRecordsFailed"], 0);
    assert!(org.get_record("Account", &b).is_none());
    let all = get(
        &org,
        api.auth.trim_start_matches("Bearer "),
        &format!(
            "{V}/queryAll?q={}",
            enc("SELECT Id FROM Account WHERE Name LIKE 'Doomed%'")
        ),
    )
    .json();
    assert_eq!(all["totalSize"], 1);
}

#[test]
fn gzip_upload_and_crlf() {
    let org = FakeOrg::start();
    let api = Api::new(&org);
    let id = api
        .create_ingest(json!({"object": "Account", "operation": "insert", "lineEnding": "CRLF"}));
    let mut csv = String::from("Name,BillingCity\r\n");
    for i in 0..500 {
        csv.push_str(&format!("Zipped {i},\"Paris\"\r\n"));
    }
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(csv.as_bytes()).unwrap();
    let gz = enc.finish().unwrap();
    let r = api.call(
        "PUT",
        &format!("jobs/ingest/{id}/batches"),
        &[("Content-Type", "text/csv"), ("Content-Encoding", "gzip")],
        &gz,
    );
    assert_eq!(r.status, 201);
    let put = org
        .requests()
        .into_iter()
        .rfind(|r| r.method == "PUT")
        .unwrap();
    assert_eq!(put.raw_body_len, gz.len());
    api.close(&id);
    let (_, info) = api.wait("ingest", &id);
    assert_eq!(info["numberRecordsProcessed"], 500);
    assert_eq!(info["numberRecordsFailed"], 0);
    let r = api.call(
        "GET",
        &format!("jobs/ingest/{id}/successfulResults/"),
        &[("Accept-Encoding", "gzip")],
        b"",
    );
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    let text = r.text();
    assert!(text.starts_with("\"sf__Id\",\"sf__Created\",Name,BillingCity\r\n"));
    assert_eq!(text.matches("\r\n").count(), 501);
    assert!(text.contains(",\"true\",\"Zipped 499\",\"Paris\"\r\n"));
}

#[test]
fn one_upload_per_job_and_only_while_open() {
    let org = FakeOrg::start();
    let api = Api::new(&org);
    let id = api.create_ingest(json!({"object": "Account", "operation": "insert"}));
    assert_eq!(api.upload(&id, "Name\nFirst\n").status, 201);
    let r = api.upload(&id, "Name\nSecond\n");
    assert_eq!(r.status, 400);
    let (code, msg) = rest_error(&r);
    assert_eq!(code, "INVALIDJOB");
    assert!(msg.contains("Found multiple batches"), "{msg}");
    let r = api.call(
        "PUT",
        &format!("jobs/ingest/{id}/batches"),
        &[("Content-Type", "application/json")],
        b"{}",
    );
    assert_eq!(r.status, 415);
    api.close(&id);
    let r = api.upload(&id, "Name\nThird\n");
    assert_eq!(r.status, 400);
    assert_eq!(rest_error(&r).0, "INVALIDJOBSTATE");
    let r = api.json(
        "PATCH",
        &format!("jobs/ingest/{id}/"),
        json!({"state": "UploadComplete"}),
    );
    assert_eq!(r.status, 400);
    let (_, info) = api.wait("ingest", &id);
    assert_eq!(info["numberRecordsProcessed"], 1);
    // Deleting a closed job.
    assert_eq!(
        api.call("DELETE", &format!("jobs/ingest/{id}/"), &[], b"")
            .status,
        204
    );
    assert_eq!(api.get(&format!("jobs/ingest/{id}/")).status, 404);
    assert_eq!(org.bulk_job_count(), 0);
}

#[test]
fn abort_keeps_rows_unprocessed() {
    let org = FakeOrg::start();
    let api = Api::new(&org);
    let before = org.count("Account");
    let id = api.create_ingest(json!({"object": "Account", "operation": "insert"}));
    assert_eq!(
        api.upload(&id, "Name,Industry\nNever,\"Tech, Inc\"\nNot Either,\n")
            .status,
        201
    );
    let r = api.call("DELETE", &format!("jobs/ingest/{id}/"), &[], b"");
    assert_eq!(r.status, 400, "an open job cannot be deleted");
    let r = api.json(
        "PATCH",
        &format!("jobs/ingest/{id}/"),
        json!({"state": "Aborted"}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["state"], "Aborted");
    let info = api.get(&format!("jobs/ingest/{id}/")).json();
    assert_eq!(info["state"], "Aborted");
    assert_eq!(info["numberRecordsProcessed"], 0);
    assert_eq!(org.count("Account"), before);
    assert_eq!(
        api.csv(&format!("jobs/ingest/{id}/unprocessedrecords/")),
        "Name,Industry\n\"Never\",\"Tech, Inc\"\n\"Not Either\",\"\"\n"
    );
    let r = api.json(
        "PATCH",
        &format!("jobs/ingest/{id}/"),
        json!({"state": "UploadComplete"}),
    );
    assert_eq!(r.status, 400);
}

#[test]
fn unusable_uploads_fail_the_job() {
    let org = FakeOrg::start();
    let api = Api::new(&org);
    let (id, info) = api.ingest(
        json!({"object": "Account", "operation": "insert"}),
        "Name,Foo\nA,b\n",
    );
    assert_eq!(info["state"], "Failed");
    assert_eq!(
        info["errorMessage"],
        "InvalidBatch : Field name not found : Foo"
    );
    assert_eq!(info["numberRecordsProcessed"], 0);
    assert_eq!(
        api.csv(&format!("jobs/ingest/{id}/unprocessedrecords/")),
        "Name,Foo\n\"A\",\"b\"\n"
    );

    let (_, info) = api.ingest(
        json!({"object": "Account", "operation": "insert", "lineEnding": "LF"}),
        "Name\r\nA\r\n",
    );
    assert_eq!(
        info["errorMessage"],
        "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF"
    );

    org.fail_next_bulk_job("InternalServerError : retry later");
    let (_, info) = api.ingest(
        json!({"object": "Account", "operation": "insert"}),
        "Name\nA\n",
    );
    assert_eq!(info["state"], "Failed");
    assert_eq!(info["errorMessage"], "InternalServerError : retry later");
    // The knob applies once.
    let (_, info) = api.ingest(
        json!({"object": "Account", "operation": "insert"}),
        "Name\nA\n",
    );
    assert_eq!(info["state"], "JobComplete");

    let r = api.json(
        "POST",
        "jobs/ingest",
        json!({"object": "Nope__c", "operation": "insert"}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        rest_error(&r),
        ("INVALIDJOB".into(), "Unable to find object: Nope__c".into())
    );
    let r = api.json(
        "POST",
        "jobs/ingest",
        json!({"object": "Account", "operation": "upsert"}),
    );
    assert_eq!(rest_error(&r).0, "INVALIDJOB");
}

#[test]
fn polls_and_delay_knobs() {
    let org = FakeOrg::start();
    let api = Api::new(&org);
    org.set_bulk_polls_until_complete(3);
    let id = api.create_ingest(json!({"object": "Account", "operation": "insert"}));
    api.upload(&id, "Name\nX\n");
    api.close(&id);
    let (seen, _) = api.wait("ingest", &id);
    assert_eq!(
        seen,
        vec!["InProgress", "InProgress", "InProgress", "JobComplete"]
    );

    org.set_bulk_polls_until_complete(0);
    org.set_bulk_processing_delay(std::time::Duration::from_millis(150));
    let start = std::time::Instant::now();
    let r = api.json(
        "POST",
        "jobs/query",
        json!({"operation": "query", "query": "SELECT Id FROM Account"}),
    );
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let (seen, info) = api.wait("query", &id);
    assert!(start.elapsed() >= std::time::Duration::from_millis(150));
    assert_eq!(seen.last().unwrap(), "JobComplete");
    assert!(seen.len() > 1);
    assert_eq!(
        info["numberRecordsProcessed"], 21,
        "20 seeded, 1 inserted above"
    );
}

/// A row whose width differs from the header fails with Salesforce's text, and its
/// failedResults line has every header column, empty (as a real org writes it).
#[test]
fn a_row_of_the_wrong_width_fails_as_salesforce_writes_it() {
    let org = FakeOrg::start();
    let api = Api::new(&org);
    let csv = "LastName,FirstName,Title,Email\nDoe,Jo,Boss\n";
    let (id, info) = api.ingest(json!({"object": "Contact", "operation": "insert"}), csv);
    assert_eq!(info["numberRecordsFailed"], 1);
    let rows = parse_csv(&api.csv(&format!("jobs/ingest/{id}/failedResults/")));
    assert_eq!(
        rows[1],
        vec![
            "",
            "INVALID_FIELD:Number of fields in header is different from the row. header = 4 row = 3:--",
            "",
            "",
            "",
            ""
        ]
    );
}

/// successfulResults gives doubles as Salesforce stored them (the Bulk Insert walkthrough:
/// AnnualRevenue 912260031 comes back as 9.12260031E8), integers as sent.
#[test]
fn successful_results_write_doubles_as_stored() {
    let org = FakeOrg::start();
    let api = Api::new(&org);
    let csv = "Name,AnnualRevenue,NumberOfEmployees\nBig,912260031,2676\n";
    let (id, _) = api.ingest(json!({"object": "Account", "operation": "insert"}), csv);
    let rows = parse_csv(&api.csv(&format!("jobs/ingest/{id}/successfulResults/")));
    assert_eq!(rows[1][2..], ["Big", "9.12260031E8", "2676"]);
}
