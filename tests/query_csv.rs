//! `query_csv` against the fake org: columns in SELECT order whatever `serde_json::Map` does,
//! parents flattened, nulls empty, the same CSV as a Bulk API 2.0 export of the same fields.

mod common;

use common::org_and_client;
use sfrest::QueryOptions;

#[test]
fn columns_follow_the_select_order_not_the_alphabet() {
    let (org, sf) = org_and_client();
    org.seed_bulk("Account", 3000);
    let mut out = Vec::new();
    let n = sf
        .query_csv(
            "SELECT Name, Id, NumberOfEmployees, BillingCity FROM Account ORDER BY Name",
            &mut out,
        )
        .unwrap();
    assert_eq!(n as usize, org.count("Account"));
    let text = String::from_utf8(out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("\"Name\",\"Id\",\"NumberOfEmployees\",\"BillingCity\"")
    );
    assert_eq!(lines.count(), n as usize);
}

#[test]
fn parents_are_flattened_and_nulls_are_empty() {
    let (org, sf) = org_and_client();
    let acct = org.insert("Account", serde_json::json!({"Name": "Quote \"Co\", Ltd"}));
    org.insert(
        "Contact",
        serde_json::json!({"LastName": "Zed", "AccountId": acct}),
    );
    org.insert("Contact", serde_json::json!({"LastName": "Orphan"}));
    let mut out = Vec::new();
    sf.query_csv(
        "SELECT LastName, Account.Name, Email FROM Contact WHERE LastName IN ('Zed', 'Orphan') ORDER BY LastName DESC",
        &mut out,
    )
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        text,
        "\"LastName\",\"Account.Name\",\"Email\"\n\"Zed\",\"Quote \"\"Co\"\", Ltd\",\n\"Orphan\",,\n"
    );
}

#[test]
fn an_empty_result_still_has_its_header() {
    let (_org, sf) = org_and_client();
    let mut out = Vec::new();
    let n = sf
        .query_csv(
            "SELECT Id, Name FROM Account WHERE Name = 'nobody'",
            &mut out,
        )
        .unwrap();
    assert_eq!(n, 0);
    assert_eq!(String::from_utf8(out).unwrap(), "\"Id\",\"Name\"\n");
}

#[test]
fn the_same_csv_as_a_bulk_export() {
    let (org, sf) = org_and_client();
    org.seed_bulk("Account", 4500);
    let soql = "SELECT Id, Name, BillingCity FROM Account ORDER BY Name";
    let mut rest = Vec::new();
    let opts = QueryOptions::new().batch_size(1000);
    sf.query_csv_with(soql, &opts, &mut rest).unwrap();
    let mut bulk = Vec::new();
    sf.bulk()
        .poll_interval(
            std::time::Duration::from_millis(5),
            std::time::Duration::from_millis(20),
        )
        .query(soql, &mut bulk)
        .unwrap();
    assert!(rest == bulk, "REST and Bulk exports differ");
}

/// A first record whose parent is null does not cost the later records their parent fields:
/// the header is widened to the SELECT list's fields under that parent.
#[test]
fn a_null_parent_in_the_first_record_keeps_the_parent_columns() {
    let (org, sf) = org_and_client();
    let acct = org.insert(
        "Account",
        serde_json::json!({"Name": "Acme", "Industry": "Energy"}),
    );
    org.insert("Contact", serde_json::json!({"LastName": "Aaa Orphan"}));
    org.insert(
        "Contact",
        serde_json::json!({"LastName": "Bbb Member", "AccountId": acct}),
    );
    let mut out = Vec::new();
    sf.query_csv(
        "SELECT LastName, account.Name, Account.Industry FROM Contact \
         WHERE LastName IN ('Aaa Orphan', 'Bbb Member') ORDER BY LastName",
        &mut out,
    )
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("\"LastName\",\"Account.Name\",\"Account.Industry\"")
    );
    assert_eq!(lines.next(), Some("\"Aaa Orphan\",,"));
    assert_eq!(lines.next(), Some("\"Bbb Member\",\"Acme\",\"Energy\""));
    assert_eq!(lines.next(), None);
}

/// A query page of one record, sent exactly as written.
fn one_record_page(record: &str) -> sfrest_fake_org::Fault {
    sfrest_fake_org::Fault::Status {
        status: 200,
        content_type: "application/json".into(),
        body: format!(r#"{{"totalSize":1,"done":true,"records":[{record}]}}"#),
    }
}

/// A record nested thousands of parents deep (SOQL allows five) is an error, quickly: not a
/// stack overflow, nor minutes of re-parsing.
#[test]
fn parents_nested_too_deep_are_an_error() {
    let (org, sf) = org_and_client();
    let depth = 8000;
    let record = format!(
        "{}null{}",
        r#"{"attributes":{"type":"Account"},"a":"#.repeat(depth),
        "}".repeat(depth)
    );
    org.fail_next_on("/services/data/v66.0/query", 1, one_record_page(&record));
    let started = std::time::Instant::now();
    let err = sf
        .query_csv("SELECT Id FROM Account", Vec::new())
        .unwrap_err();
    assert!(
        err.to_string().contains("nested more than 10 deep"),
        "{err}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

/// A member name written with an escape is the same name.
#[test]
fn an_escaped_member_name_is_read() {
    let (org, sf) = org_and_client();
    org.fail_next_on(
        "/services/data/v66.0/query",
        1,
        one_record_page(r#"{"attributes":{"type":"Account"},"N\u0061me":"x","Id":"001"}"#),
    );
    let mut out = Vec::new();
    sf.query_csv("SELECT Name, Id FROM Account", &mut out)
        .unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "\"Name\",\"Id\"\n\"x\",\"001\"\n"
    );
}
