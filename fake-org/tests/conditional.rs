//! Conditional requests on sObject rows, as Salesforce answers them: an ETag on Account rows,
//! If-None-Match (304 on a read, 412 on a write), If-Match (412 when no tag matches, nothing
//! done), If-Unmodified-Since on any row; DELETE ignores them.

mod common;

use common::*;
use sfrest_fake_org::FakeOrg;

const V: &str = "/services/data/v66.0";

fn call(
    org: &FakeOrg,
    token: &str,
    method: &str,
    target: &str,
    extra: &[(&str, &str)],
    body: &str,
) -> Resp {
    let auth = format!("Bearer {token}");
    let mut headers = vec![
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    headers.extend_from_slice(extra);
    request(
        &org.instance_url(),
        method,
        target,
        &headers,
        body.as_bytes(),
    )
}

#[test]
fn account_rows_carry_an_etag_that_conditions_reads_and_writes() {
    let org = FakeOrg::start();
    let token = login(&org);
    let id = org.insert("Account", serde_json::json!({"Name": "Tagged"}));
    let row = format!("{V}/sobjects/Account/{id}");

    let r = call(&org, &token, "GET", &row, &[], "");
    assert_eq!(r.status, 200);
    let tag = r
        .header("etag")
        .expect("an ETag on an Account row")
        .to_string();
    assert!(tag.starts_with('"') && tag.ends_with('"'), "{tag}");

    // The same version: not modified.
    let r = call(&org, &token, "GET", &row, &[("If-None-Match", &tag)], "");
    assert_eq!(r.status, 304);
    assert!(r.body().is_empty());

    // A write with a matching If-None-Match is refused.
    let r = call(
        &org,
        &token,
        "PATCH",
        &row,
        &[("If-None-Match", &tag)],
        r#"{"Name":"No"}"#,
    );
    assert_eq!(r.status, 412, "{}", r.text());
    assert_eq!(rest_error(&r).0, "PRECONDITION_FAILED");

    // If-Match with the current tag writes; afterwards that tag is stale.
    let r = call(
        &org,
        &token,
        "PATCH",
        &row,
        &[("If-Match", &tag)],
        r#"{"Name":"First"}"#,
    );
    assert_eq!(r.status, 204, "{}", r.text());
    let r = call(
        &org,
        &token,
        "PATCH",
        &row,
        &[("If-Match", "*")],
        r#"{"Name":"Second"}"#,
    );
    assert_eq!(r.status, 204, "* matches any version: {}", r.text());
    let r = call(
        &org,
        &token,
        "PATCH",
        &row,
        &[("If-Match", &tag)],
        r#"{"Name":"Lost"}"#,
    );
    assert_eq!(r.status, 412, "{}", r.text());
    // If-Match compares strongly: the current tag marked weak does not match.
    let current = call(&org, &token, "GET", &row, &[], "");
    let weak = format!("W/{}", current.header("etag").unwrap());
    let r = call(
        &org,
        &token,
        "PATCH",
        &row,
        &[("If-Match", &weak)],
        r#"{"Name":"Lost"}"#,
    );
    assert_eq!(r.status, 412, "{}", r.text());
    let r = call(&org, &token, "GET", &row, &[], "");
    assert_eq!(
        r.json()["Name"],
        "Second",
        "a failed precondition changes nothing"
    );
    assert_ne!(r.header("etag"), Some(tag.as_str()));
}

#[test]
fn if_unmodified_since_conditions_any_row_and_delete_ignores_conditions() {
    let org = FakeOrg::start();
    let token = login(&org);
    let id = org.insert("Contact", serde_json::json!({"LastName": "Old"}));
    let row = format!("{V}/sobjects/Contact/{id}");
    let r = call(&org, &token, "GET", &row, &[], "");
    assert_eq!(r.header("etag"), None, "only Account rows carry an ETag");
    let past = "Tue, 10 Aug 2015 00:00:00 GMT";
    let r = call(
        &org,
        &token,
        "PATCH",
        &row,
        &[("If-Unmodified-Since", past)],
        r#"{"LastName":"New"}"#,
    );
    assert_eq!(r.status, 412, "{}", r.text());
    let future = "Fri, 01 Jan 2100 00:00:00 GMT";
    let r = call(
        &org,
        &token,
        "PATCH",
        &row,
        &[("If-Unmodified-Since", future)],
        r#"{"LastName":"New"}"#,
    );
    assert_eq!(r.status, 204, "{}", r.text());
    let r = call(
        &org,
        &token,
        "DELETE",
        &row,
        &[("If-Unmodified-Since", past), ("If-Match", "\"nope\"")],
        "",
    );
    assert_eq!(r.status, 204, "{}", r.text());
}
