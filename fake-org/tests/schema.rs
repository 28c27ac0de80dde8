//! Your own schema and records: describe files, data files, validation from the loaded schema.
mod common;

use common::*;
use serde_json::json;
use sfrest_fake_org::FakeOrg;

const SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schema");
const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/invoices.json");

fn invoices_org() -> FakeOrg {
    FakeOrg::builder()
        .describe_file(SCHEMA)
        .unwrap()
        .data_file(DATA)
        .unwrap()
        .without_sample_data()
        .start()
}

#[test]
fn loaded_object_is_queried_with_its_records_and_links() {
    let org = invoices_org();
    let token = login(&org);
    assert_eq!(org.count("Account"), 1, "only the loaded Account");
    assert_eq!(org.count("Invoice__c"), 2);
    let r = query(
        &org,
        &token,
        "SELECT Name, Amount__c, Status__c, Paid__c, Account__r.Name, CreatedDate FROM Invoice__c ORDER BY Name",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    let recs = j["records"].as_array().unwrap();
    assert_eq!(recs[0]["attributes"]["type"], "Invoice__c");
    assert!(recs[0]["attributes"]["url"]
        .as_str()
        .unwrap()
        .contains("/Invoice__c/a0B"));
    assert_eq!(recs[0]["Amount__c"], 1200.5);
    assert_eq!(recs[0]["Account__r"]["Name"], "Globex Ltd");
    assert_eq!(recs[0]["CreatedDate"], "2025-12-01T09:30:00.000+0000");
    // Defaults from the describe: the picklist's default value, the checkbox's default.
    assert_eq!(recs[1]["Status__c"], "Draft");
    assert_eq!(recs[1]["Paid__c"], false);
    assert_eq!(
        recs[1]["Account__r"]["Name"], "Globex Ltd",
        "linked by external id"
    );
}

#[test]
fn writes_are_validated_against_the_loaded_schema() {
    let org = invoices_org();
    let token = login(&org);
    let url = "/services/data/v66.0/sobjects/Invoice__c";
    let r = send_json(&org, &token, "POST", url, r#"{"Amount__c": 5}"#);
    assert_eq!(r.status, 400);
    assert_eq!(
        rest_error(&r),
        (
            "REQUIRED_FIELD_MISSING".into(),
            "Required fields are missing: [Name]".into()
        )
    );
    let r = send_json(
        &org,
        &token,
        "POST",
        url,
        r#"{"Name": "X", "Status__c": "Lost"}"#,
    );
    assert_eq!(
        rest_error(&r).0,
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "{}",
        r.text()
    );
    let r = send_json(
        &org,
        &token,
        "POST",
        url,
        r#"{"Name": "X", "Invoice_Number__c": "123456789012345678901"}"#,
    );
    assert_eq!(rest_error(&r).0, "STRING_TOO_LONG");
    let r = send_json(
        &org,
        &token,
        "POST",
        url,
        r#"{"Name": "X", "Amount__c": 1e15}"#,
    );
    assert_eq!(
        rest_error(&r).0,
        "NUMBER_OUTSIDE_VALID_RANGE",
        "{}",
        r.text()
    );
    let r = send_json(
        &org,
        &token,
        "POST",
        url,
        r#"{"Name": "X", "Invoice_Number__c": "2026-0001"}"#,
    );
    assert_eq!(rest_error(&r).0, "DUPLICATE_VALUE");
    let r = send_json(&org, &token, "POST", url, r#"{"Name": "X", "Nope__c": 1}"#);
    assert_eq!(rest_error(&r).0, "INVALID_FIELD");
    let r = send_json(
        &org,
        &token,
        "POST",
        url,
        r#"{"Name": "INV-3", "Amount__c": 10.555}"#,
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let rec = org.get_record("Invoice__c", &id).unwrap();
    assert_eq!(rec["Amount__c"], 10.56, "rounded to the field's scale");
    assert_eq!(rec["OwnerId"], org.user_id());
    assert_eq!(rec["CreatedById"], org.user_id());
    assert!(rec["SystemModstamp"].is_string());
}

#[test]
fn records_are_checked_when_added() {
    let b = || FakeOrg::builder().describe_file(SCHEMA).unwrap();
    let e = b()
        .records("Invoice__c", &json!([{"Name": "A", "Status__c": "Lost"}]))
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("Invoice__c record 1: Status__c: INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        "{e}"
    );
    let e = b()
        .records("Invoice__c", &json!([{"Amount__c": 1}]))
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("Required fields are missing: [Name]"),
        "{e}"
    );
    let e = b()
        .records("Invoice__c", &json!([{"Name": "A", "Colour__c": 1}]))
        .unwrap_err();
    assert!(
        e.to_string().contains("no field Colour__c on Invoice__c"),
        "{e}"
    );
    let e = FakeOrg::builder()
        .records("Invoice__c", &json!([]))
        .unwrap_err();
    assert!(e.to_string().contains("load its describe first"), "{e}");
    let e = FakeOrg::builder()
        .describe_file("/nonexistent/Invoice__c.json")
        .unwrap_err();
    assert!(
        e.to_string().starts_with("/nonexistent/Invoice__c.json: "),
        "{e}"
    );
    let e = FakeOrg::builder()
        .describe(&json!({"status": 1, "result": null, "message": "No sObject Foo__c"}))
        .unwrap_err();
    assert!(e.to_string().contains("No sObject Foo__c"), "{e}");
    let err = b()
        .records(
            "Invoice__c",
            &json!([{"Name": "A", "Account__c": "@Nobody"}]),
        )
        .unwrap()
        .try_start()
        .err()
        .expect("a dangling reference stops the start");
    assert!(
        err.to_string()
            .contains("no Account loaded before it with reference id or Id \"Nobody\""),
        "{err}"
    );
}

#[test]
fn export_tree_files_with_nested_children_and_plans() {
    let dir = std::env::temp_dir().join(format!("sfrest-fake-org-tree-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("Account.json"),
        json!({"records": [{
            "attributes": {"type": "Account", "referenceId": "AccountRef1"},
            "Name": "Tree Co",
            "Contacts": {"records": [
                {"attributes": {"type": "Contact", "referenceId": "ContactRef1"}, "LastName": "Leaf"}
            ]}
        }]})
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.join("Invoice__c.json"),
        json!({"records": [{
            "attributes": {"type": "Invoice__c", "referenceId": "Invoice__cRef1"},
            "Name": "INV-T", "Account__c": "@AccountRef1"
        }]})
        .to_string(),
    )
    .unwrap();
    let plan = dir.join("plan.json");
    std::fs::write(
        &plan,
        json!([
            {"sobject": "Account", "saveRefs": true, "resolveRefs": false, "files": ["Account.json"]},
            {"sobject": "Invoice__c", "saveRefs": false, "resolveRefs": true, "files": ["Invoice__c.json"]}
        ])
        .to_string(),
    )
    .unwrap();
    let org = FakeOrg::builder()
        .describe_file(SCHEMA)
        .unwrap()
        .data_file(&plan)
        .unwrap()
        .without_sample_data()
        .start();
    let token = login(&org);
    let r = query(&org, &token, "SELECT Name, Account.Name FROM Contact");
    assert_eq!(
        r.json()["records"][0]["Account"]["Name"],
        "Tree Co",
        "{}",
        r.text()
    );
    let r = query(&org, &token, "SELECT Account__r.Name FROM Invoice__c");
    assert_eq!(r.json()["records"][0]["Account__r"]["Name"], "Tree Co");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn standard_objects_stay_and_sample_data_is_optional() {
    let org = FakeOrg::builder().describe_file(SCHEMA).unwrap().start();
    assert_eq!(org.count("Account"), 20, "sample data by default");
    assert_eq!(org.count("Invoice__c"), 0);
    let id = org.insert("Invoice__c", json!({"Name": "Direct"}));
    assert!(id.starts_with("a0B"), "{id}");
    // An org without a loaded schema knows nothing of Invoice__c.
    let plain = FakeOrg::start();
    assert_eq!(plain.count("Invoice__c"), 0);
    let token = login(&plain);
    let r = query(&plain, &token, "SELECT Id FROM Invoice__c");
    assert_eq!(rest_error(&r).0, "INVALID_TYPE");
}

/// A long text area (the describe says neither filterable nor sortable) cannot be filtered or
/// sorted on, with Salesforce's errors; it can still be selected.
#[test]
fn a_long_text_area_is_not_filtered_or_sorted() {
    let org = invoices_org();
    let token = login(&org);
    let (code, msg) = rest_error(&query(
        &org,
        &token,
        "SELECT Name FROM Invoice__c WHERE Notes__c = 'x'",
    ));
    assert_eq!(code, "INVALID_FIELD");
    assert!(
        msg.contains("field 'Notes__c' can not be filtered in query call"),
        "{msg}"
    );
    let (code, msg) = rest_error(&query(
        &org,
        &token,
        "SELECT Name FROM Invoice__c ORDER BY Notes__c",
    ));
    assert_eq!(code, "INVALID_FIELD");
    assert!(
        msg.contains("field 'Notes__c' can not be sorted in a query call"),
        "{msg}"
    );
    let r = query(&org, &token, "SELECT Name, Notes__c FROM Invoice__c");
    assert_eq!(r.status, 200, "{}", r.text());
}
