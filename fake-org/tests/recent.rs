//! Recently viewed records (`GET /recent`, `recentItems` of an sObject's basic information):
//! the REST row calls update the list unless `Sforce-Mru: updateMru=false`; queries never do.
mod common;

use common::*;
use sfrest_fake_org::FakeOrg;

const V: &str = "/services/data/v66.0";

fn recent(org: &FakeOrg, token: &str, query: &str) -> Vec<(String, String)> {
    let r = get(org, token, &format!("{V}/recent{query}"));
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["attributes"]["type"].as_str().unwrap().to_string(),
                x["Id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn create(org: &FakeOrg, token: &str, ty: &str, body: &str) -> String {
    let r = send_json(org, token, "POST", &format!("{V}/sobjects/{ty}"), body);
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["id"].as_str().unwrap().to_string()
}

#[test]
fn row_calls_make_records_recent_most_recent_first() {
    let org = FakeOrg::start();
    let token = login(&org);
    assert!(recent(&org, &token, "").is_empty(), "nothing viewed yet");
    let a = create(&org, &token, "Account", r#"{"Name":"Viewed A"}"#);
    let c = create(&org, &token, "Contact", r#"{"LastName":"Viewed C"}"#);
    // A query does not count; reading A again moves it to the front.
    query(&org, &token, "SELECT Id FROM Account LIMIT 5");
    assert_eq!(
        get(&org, &token, &format!("{V}/sobjects/Account/{a}")).status,
        200
    );
    assert_eq!(
        recent(&org, &token, ""),
        [
            ("Account".to_string(), a.clone()),
            ("Contact".to_string(), c.clone())
        ]
    );
    assert_eq!(recent(&org, &token, "?limit=1").len(), 1);
    // The answer's shape: attributes first, then Id and Name.
    let text = get(&org, &token, &format!("{V}/recent?limit=1")).text();
    assert_eq!(
        text,
        format!(
            r#"[{{"attributes":{{"type":"Account","url":"{V}/sobjects/Account/{a}"}},"Id":"{a}","Name":"Viewed A"}}]"#
        )
    );
    // The basic information lists the type's own.
    let basic = get(&org, &token, &format!("{V}/sobjects/Contact")).json();
    assert_eq!(basic["recentItems"][0]["Id"], c.as_str());
    assert_eq!(basic["recentItems"].as_array().unwrap().len(), 1);
    // A deleted record drops out.
    let r = request(
        &org.instance_url(),
        "DELETE",
        &format!("{V}/sobjects/Account/{a}"),
        &[("Authorization", &format!("Bearer {token}"))],
        b"",
    );
    assert_eq!(r.status, 204);
    assert_eq!(recent(&org, &token, ""), [("Contact".to_string(), c)]);
}

#[test]
fn update_mru_false_leaves_the_list_alone() {
    let org = FakeOrg::start();
    let token = login(&org);
    let a = create(&org, &token, "Account", r#"{"Name":"Quiet"}"#);
    let b = create(&org, &token, "Account", r#"{"Name":"Loud"}"#);
    let auth = format!("Bearer {token}");
    let r = request(
        &org.instance_url(),
        "GET",
        &format!("{V}/sobjects/Account/{a}"),
        &[("Authorization", &auth), ("Sforce-Mru", "updateMru=false")],
        b"",
    );
    assert_eq!(r.status, 200);
    let ids: Vec<String> = recent(&org, &token, "")
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    assert_eq!(
        ids,
        [b, a],
        "the read with updateMru=false did not move A to the front"
    );
}
