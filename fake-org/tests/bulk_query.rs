//! Bulk API 2.0 query jobs over the wire: results, locators, states, limits.
mod common;

use common::bulk_api::*;
use common::*;
use serde_json::{json, Value};
use sfrest_fake_org::FakeOrg;

#[test]
fn query_job_pages_with_locators() {
    let org = FakeOrg::start();
    org.seed_bulk("Account", 2500);
    let api = Api::new(&org);
    let r = api.json(
        "POST",
        "jobs/query",
        json!({"operation": "query", "query": "SELECT Id, Name, AnnualRevenue FROM Account WHERE Name LIKE 'Account 0%'"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let info = r.json();
    let id = info["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("750"));
    assert_eq!(info["state"], "UploadComplete");
    assert_eq!(info["operation"], "query");
    assert_eq!(info["object"], "Account");
    assert_eq!(info["contentType"], "CSV");
    assert_eq!(info["lineEnding"], "LF");
    assert_eq!(info["columnDelimiter"], "COMMA");
    // Results wait for the job.
    let r = api.get(&format!("jobs/query/{id}/results"));
    assert_eq!(r.status, 400);
    let (seen, info) = api.wait("query", &id);
    assert_eq!(seen, vec!["InProgress", "JobComplete"]);
    assert_eq!(info["numberRecordsProcessed"], 2500);
    assert_eq!(info["jobType"], "V2Query");

    let mut locator: Option<String> = None;
    let mut pages = Vec::new();
    let mut names = Vec::new();
    loop {
        let path = match &locator {
            None => format!("jobs/query/{id}/results?maxRecords=1000"),
            Some(l) => format!("jobs/query/{id}/results?maxRecords=1000&locator={l}"),
        };
        let r = api.get(&path);
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.header("content-type"), Some("text/csv"));
        let n: usize = r.header("sforce-numberofrecords").unwrap().parse().unwrap();
        let text = r.text();
        assert!(text.starts_with("\"Id\",\"Name\",\"AnnualRevenue\"\n"));
        let rows = parse_csv(&text);
        assert_eq!(rows.len(), n + 1);
        names.extend(rows[1..].iter().map(|r| r[1].clone()));
        pages.push(n);
        let next = r.header("sforce-locator").unwrap().to_owned();
        if next == "null" {
            break;
        }
        locator = Some(next);
    }
    assert_eq!(pages, vec![1000, 1000, 500]);
    assert_eq!(names.first().unwrap(), "Account 000001");
    assert_eq!(names.last().unwrap(), "Account 002500");
    let r = api.get(&format!("jobs/query/{id}/results?locator=bm9wZQ"));
    assert_eq!(r.status, 400);

    // Parent fields as Account.Name columns, empty when there is no parent.
    let cid = api
        .json(
            "POST",
            "jobs/query",
            json!({"operation": "query", "query": "SELECT LastName, Account.Name FROM Contact ORDER BY LastName LIMIT 3"}),
        )
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.wait("query", &cid);
    let r = api.get(&format!("jobs/query/{cid}/results"));
    assert_eq!(r.header("sforce-locator"), Some("null"));
    assert_eq!(r.header("sforce-numberofrecords"), Some("3"));
    let rows = parse_csv(&r.text());
    assert_eq!(rows[0], vec!["LastName", "Account.Name"]);
    assert_eq!(rows.len(), 4);
    assert!(!rows[1][1].is_empty());

    let list = api.get("jobs/query").json();
    assert_eq!(list["records"].as_array().unwrap().len(), 2);
    assert_eq!(
        api.call("DELETE", &format!("jobs/query/{cid}"), &[], b"")
            .status,
        204
    );
    assert_eq!(api.get(&format!("jobs/query/{cid}")).status, 404);
}

#[test]
fn query_jobs_check_soql_up_front() {
    let org = FakeOrg::start();
    let api = Api::new(&org);
    let r = api.json(
        "POST",
        "jobs/query",
        json!({"operation": "query", "query": "SELECT Naem FROM Account"}),
    );
    assert_eq!(r.status, 400);
    let (code, msg) = rest_error(&r);
    assert_eq!(code, "INVALID_FIELD");
    assert!(msg.contains("No such column 'Naem'"), "{msg}");
    for q in [
        "SELECT COUNT() FROM Account",
        "SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry",
        "SELECT Id FROM Account OFFSET 10",
        "SELECT Id, (SELECT Id FROM Contacts) FROM Account",
    ] {
        let r = api.json(
            "POST",
            "jobs/query",
            json!({"operation": "query", "query": q}),
        );
        assert_eq!(r.status, 400, "{q}");
        assert!(
            rest_error(&r).1.contains("not supported by Bulk API 2.0"),
            "{q}"
        );
    }
    // Abort a query job before it completes.
    let id = api
        .json(
            "POST",
            "jobs/query",
            json!({"operation": "queryAll", "query": "SELECT Id FROM Account"}),
        )
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = api.json(
        "PATCH",
        &format!("jobs/query/{id}"),
        json!({"state": "Aborted"}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["state"], "Aborted");
    assert_eq!(
        api.get(&format!("jobs/query/{id}")).json()["state"],
        "Aborted"
    );
    assert_eq!(api.get(&format!("jobs/query/{id}/results")).status, 400);
}

#[test]
fn unknown_jobs_are_404() {
    let org = FakeOrg::start();
    let api = Api::new(&org);
    let missing = "750Hx0000000000AAA";
    for path in [
        format!("jobs/ingest/{missing}/"),
        format!("jobs/ingest/{missing}/successfulResults/"),
        format!("jobs/query/{missing}"),
        format!("jobs/query/{missing}/results"),
    ] {
        let r = api.get(&path);
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(
            r.json(),
            json!([{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}])
        );
    }
    // An ingest job is not a query job.
    let id = api.create_ingest(json!({"object": "Account", "operation": "insert"}));
    assert_eq!(api.get(&format!("jobs/query/{id}")).status, 404);
    assert_eq!(api.get(&format!("jobs/ingest/{id}")).status, 200);
}

/// `cargo test -p fake-org --release --test bulk_query -- --ignored --nocapture`
#[test]
#[ignore]
fn million_rows_in_and_out() {
    let org = FakeOrg::start();
    org.set_record_requests(false);
    let api = Api::new(&org);
    let mut csv = String::from("Name,Industry,NumberOfEmployees\n");
    for i in 0..1_000_000 {
        csv.push_str(&format!("Loaded {i},Energy,{}\n", i % 500));
    }
    let t = std::time::Instant::now();
    let id = api.create_ingest(json!({"object": "Account", "operation": "insert"}));
    assert_eq!(api.upload(&id, &csv).status, 201);
    let closed = std::time::Instant::now();
    api.close(&id);
    println!(
        "upload + close: {:?} (close alone {:?})",
        t.elapsed(),
        closed.elapsed()
    );
    let (seen, info) = api.wait("ingest", &id);
    println!("ingest done after {:?}, {} polls", t.elapsed(), seen.len());
    assert_eq!(info["numberRecordsProcessed"], 1_000_000);
    let t = std::time::Instant::now();
    let ok = api.csv(&format!("jobs/ingest/{id}/successfulResults/"));
    println!("successfulResults: {} bytes in {:?}", ok.len(), t.elapsed());
    assert_eq!(ok.lines().count(), 1_000_001);

    let t = std::time::Instant::now();
    let qid = api
        .json(
            "POST",
            "jobs/query",
            json!({"operation": "query", "query": "SELECT Id, Name FROM Account"}),
        )
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.wait("query", &qid);
    let mut locator = String::new();
    let mut total = 0;
    let mut pages = 0;
    loop {
        let q = if locator.is_empty() {
            String::new()
        } else {
            format!("?locator={locator}")
        };
        let r = api.get(&format!("jobs/query/{qid}/results{q}"));
        total += r
            .header("sforce-numberofrecords")
            .unwrap()
            .parse::<usize>()
            .unwrap();
        pages += 1;
        locator = r.header("sforce-locator").unwrap().to_owned();
        if locator == "null" {
            break;
        }
    }
    println!(
        "export: {total} records, {pages} pages in {:?}",
        t.elapsed()
    );
    assert_eq!(total, 1_000_020);
}

/// The query job answers of the documentation: info with isPkChunkingSupported, deleting a
/// job still running, aborting a completed one.
#[test]
fn query_job_state_answers_are_the_documented_ones() {
    let org = FakeOrg::start();
    org.set_bulk_polls_until_complete(0);
    org.set_bulk_query_time(std::time::Duration::from_secs(30));
    let api = Api::new(&org);
    let r = api.json(
        "POST",
        "jobs/query",
        json!({"operation": "query", "query": "SELECT Id FROM Account"}),
    );
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let info = api.get(&format!("jobs/query/{id}")).json();
    assert_eq!(info["isPkChunkingSupported"], true, "{info}");
    let r = api.call("DELETE", &format!("jobs/query/{id}"), &[], b"");
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()[0],
        json!({"errorCode": "API_ERROR", "message": "Error encountered when deleting the job because the job is not terminated"})
    );
    org.set_bulk_query_time(std::time::Duration::ZERO);
    let r = api.json(
        "POST",
        "jobs/query",
        json!({"operation": "query", "query": "SELECT Id FROM Account"}),
    );
    let done = r.json()["id"].as_str().unwrap().to_owned();
    api.wait("query", &done);
    let r = api.json(
        "PATCH",
        &format!("jobs/query/{done}"),
        json!({"state": "Aborted"}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()[0]["message"],
        "Aborting already Completed Job not allowed"
    );
}

/// Bulk API 2.0 query jobs do not take compound fields ("Compound address fields or compound
/// geolocation fields"): refused when the job is created, naming the field.
#[test]
fn query_jobs_refuse_compound_fields() {
    let schema = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schema/Invoice__c.json");
    let mut describe: Value =
        serde_json::from_str(&std::fs::read_to_string(schema).unwrap()).unwrap();
    let fields = describe["result"]["fields"].as_array_mut().unwrap();
    let mut address = fields.iter().find(|f| f["name"] == "Name").unwrap().clone();
    address["name"] = json!("Ship_To__c");
    address["label"] = json!("Ship To");
    address["type"] = json!("address");
    address["custom"] = json!(true);
    fields.push(address);
    let dir = std::env::temp_dir().join(format!("fake-org-compound-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("Invoice__c.json");
    std::fs::write(&path, describe.to_string()).unwrap();
    let org = FakeOrg::builder().describe_file(&path).unwrap().start();
    let api = Api::new(&org);
    let r = api.json(
        "POST",
        "jobs/query",
        json!({"operation": "query", "query": "SELECT Id, Ship_To__c FROM Invoice__c"}),
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.json()[0]["errorCode"], "INVALIDJOB");
    assert!(r.text().contains("Ship_To__c"), "{}", r.text());
}
