//! The sObject Tree resource (`POST composite/tree/{Type}`): parents with their children in one
//! call, all or nothing, answered as the sObject Tree Response Body page shows.
mod common;

use common::*;
use serde_json::{json, Value};
use sfrest_fake_org::FakeOrg;

const TREE: &str = "/services/data/v66.0/composite/tree/Account";

fn post(org: &FakeOrg, token: &str, body: &Value) -> Resp {
    send_json(org, token, "POST", TREE, &body.to_string())
}

fn contact(reference: &str, last: &str) -> Value {
    json!({"attributes": {"type": "Contact", "referenceId": reference}, "lastname": last, "email": "sample@example.com"})
}

#[test]
fn trees_are_created_parents_first_and_linked() {
    let org = FakeOrg::start();
    let token = login(&org);
    let body = json!({"records": [
        {"attributes": {"type": "Account", "referenceId": "ref1"}, "name": "SampleAccount",
         "Contacts": {"records": [contact("ref2", "Smith"), contact("ref3", "Evans")]}},
        {"attributes": {"type": "Account", "referenceId": "ref4"}, "name": "SampleAccount2",
         "Contacts": {"records": [contact("ref5", "Jones")]}},
    ]});
    let r = post(&org, &token, &body);
    assert_eq!(r.status, 201, "{}", r.text());
    let text = r.text();
    assert!(
        text.starts_with(r#"{"hasErrors":false,"results":[{"referenceId":"ref1","id":"001"#),
        "{text}"
    );
    let results = r.json()["results"].as_array().unwrap().clone();
    let refs: Vec<&str> = results
        .iter()
        .map(|x| x["referenceId"].as_str().unwrap())
        .collect();
    assert_eq!(
        refs,
        ["ref1", "ref4", "ref2", "ref3", "ref5"],
        "root records first"
    );
    let id = |reference: &str| {
        results
            .iter()
            .find(|x| x["referenceId"] == reference)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let q = query(
        &org,
        &token,
        &format!(
            "SELECT LastName, AccountId FROM Contact WHERE Id = '{}'",
            id("ref5")
        ),
    );
    assert_eq!(q.json()["records"][0]["AccountId"], id("ref4"));
    assert_eq!(q.json()["records"][0]["LastName"], "Jones");
}

#[test]
fn a_record_that_fails_fails_the_request_and_nothing_is_kept() {
    let org = FakeOrg::start();
    let token = login(&org);
    let (accounts, contacts) = (org.count("Account"), org.count("Contact"));
    let mut bad = contact("ref3", "x");
    bad.as_object_mut().unwrap().remove("lastname");
    let body = json!({"records": [
        {"attributes": {"type": "Account", "referenceId": "ref1"}, "name": "Kept?",
         "Contacts": {"records": [contact("ref2", "Smith"), bad]}},
    ]});
    let r = post(&org, &token, &body);
    assert_eq!(r.status, 400, "{}", r.text());
    let j = r.json();
    assert_eq!(j["hasErrors"], true);
    assert_eq!(j["results"].as_array().unwrap().len(), 1, "{j}");
    assert_eq!(j["results"][0]["referenceId"], "ref3");
    assert_eq!(
        j["results"][0]["errors"][0]["statusCode"],
        "REQUIRED_FIELD_MISSING"
    );
    assert_eq!(j["results"][0]["errors"][0]["fields"], json!(["LastName"]));
    assert_eq!(
        (org.count("Account"), org.count("Contact")),
        (accounts, contacts)
    );
}

#[test]
fn the_requests_shape_and_limits_are_checked() {
    let org = FakeOrg::start();
    let token = login(&org);
    // A repeated reference id: one result for each record that has it.
    let body = json!({"records": [
        {"attributes": {"type": "Account", "referenceId": "same"}, "name": "A"},
        {"attributes": {"type": "Account", "referenceId": "same"}, "name": "B"},
    ]});
    let r = post(&org, &token, &body);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["results"].as_array().unwrap().len(),
        2,
        "{}",
        r.text()
    );
    // More than 200 records across the trees.
    let many: Vec<Value> = (0..201)
        .map(|i| json!({"attributes": {"type": "Account", "referenceId": format!("r{i}")}, "Name": "N"}))
        .collect();
    let r = post(&org, &token, &json!({"records": many}));
    assert_eq!(r.status, 400);
    assert!(rest_error(&r).1.contains("200"), "{}", r.text());
    // A root of another type than the URL's.
    let r = post(&org, &token, &json!({"records": [contact("c1", "Smith")]}));
    assert_eq!(r.status, 400);
    assert_eq!(rest_error(&r).0, "INVALID_INPUT");
    // Only POST.
    let r = get(&org, &token, TREE);
    assert_eq!(r.status, 405);
}
