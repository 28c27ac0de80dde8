mod common;

use common::*;
use serde_json::json;
use sfrest_fake_org::FakeOrg;

#[test]
fn paging_with_batch_size() {
    let org = FakeOrg::start();
    let token = login(&org);
    org.seed_bulk("Account", 500);
    assert_eq!(org.count("Account"), 520);
    let auth = format!("Bearer {token}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("Sforce-Query-Options", "batchSize=200"),
    ];
    let mut url = format!(
        "/services/data/v66.0/query?q={}",
        enc("SELECT Id, Name FROM Account")
    );
    let mut pages = Vec::new();
    let mut ids = std::collections::HashSet::new();
    loop {
        let r = request(&org.instance_url(), "GET", &url, &headers, b"");
        assert_eq!(r.status, 200, "{}", r.text());
        let j = r.json();
        assert_eq!(j["totalSize"], 520);
        let records = j["records"].as_array().unwrap();
        pages.push(records.len());
        for rec in records {
            assert_eq!(rec["attributes"]["type"], "Account");
            ids.insert(rec["Id"].as_str().unwrap().to_owned());
        }
        match j.get("nextRecordsUrl") {
            Some(next) => {
                assert_eq!(j["done"], false);
                let next = next.as_str().unwrap();
                assert!(next.starts_with("/services/data/v66.0/query/01g"), "{next}");
                url = next.to_owned();
            }
            None => {
                assert_eq!(j["done"], true);
                break;
            }
        }
    }
    assert_eq!(pages, [200, 200, 120]);
    assert_eq!(ids.len(), 520);
    let r = get(
        &org,
        &token,
        "/services/data/v66.0/query/01gHx0000000000AAA-200",
    );
    assert_eq!(r.status, 400);
    assert_eq!(rest_error(&r).0, "INVALID_QUERY_LOCATOR");
}

#[test]
fn default_page_is_2000() {
    let org = FakeOrg::start();
    let token = login(&org);
    org.seed_bulk("Contact", 2500);
    let r = query(&org, &token, "SELECT Id FROM Contact");
    let j = r.json();
    assert_eq!(j["totalSize"], 2550);
    assert_eq!(j["records"].as_array().unwrap().len(), 2000);
    let next = j["nextRecordsUrl"].as_str().unwrap();
    assert!(next.ends_with("-2000"), "{next}");
    let r = get(&org, &token, next);
    assert_eq!(r.json()["records"].as_array().unwrap().len(), 550);
    assert_eq!(r.json()["done"], true);
}

#[test]
fn count_filter_order_limit_offset() {
    let org = FakeOrg::start();
    let token = login(&org);
    let r = query(&org, &token, "SELECT COUNT() FROM Account");
    assert_eq!(
        r.json(),
        json!({"totalSize": 20, "done": true, "records": []})
    );
    let r = query(
        &org,
        &token,
        "select count() from Opportunity where IsClosed = true",
    );
    let closed = r.json()["totalSize"].as_u64().unwrap();
    assert!(closed > 0 && closed < 30, "{closed}");
    let r = query(
        &org,
        &token,
        "SELECT Name FROM Account WHERE Name LIKE 'acme%'",
    );
    assert_eq!(r.json()["records"][0]["Name"], "Acme Corporation");
    let r = query(
        &org,
        &token,
        "SELECT Name FROM Account WHERE Name = 'O\\'Reilly Media'",
    );
    assert_eq!(r.json()["totalSize"], 1);
    let r = query(&org, &token, "SELECT Name, Industry FROM Account WHERE Industry IN ('Energy', 'Retail') AND AnnualRevenue != null ORDER BY Name DESC LIMIT 2");
    let names: Vec<String> = r.json()["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["Name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names[0] > names[1]);
    let all = query(&org, &token, "SELECT Name FROM Account ORDER BY Name");
    let offset = query(
        &org,
        &token,
        "SELECT Name FROM Account ORDER BY Name LIMIT 3 OFFSET 2",
    );
    assert_eq!(
        offset.json()["records"].as_array().unwrap()[..],
        all.json()["records"].as_array().unwrap()[2..5]
    );
    let r = query(&org, &token, "SELECT Name, CloseDate FROM Opportunity WHERE CloseDate >= 2027-01-01 ORDER BY CloseDate ASC NULLS LAST");
    let recs = r.json()["records"].as_array().unwrap().clone();
    assert!(!recs.is_empty());
    assert!(recs
        .iter()
        .all(|x| x["CloseDate"].as_str().unwrap() >= "2027-01-01"));
    let r = query(&org, &token, "SELECT Id FROM Account WHERE (Industry = 'Energy' OR Industry = 'Media') AND NOT Name LIKE 'Z%'");
    assert_eq!(r.json()["totalSize"], 4);
}

#[test]
fn parent_relationships_nest() {
    let org = FakeOrg::start();
    let token = login(&org);
    let acct = org.insert("Account", json!({"Name": "Parent Co", "Industry": "Media"}));
    org.insert(
        "Contact",
        json!({"LastName": "Child", "FirstName": "Kid", "AccountId": acct}),
    );
    org.insert("Contact", json!({"LastName": "Orphan"}));
    let r = query(&org, &token, "SELECT Id, Name, account.name, Account.Industry FROM Contact WHERE LastName IN ('Child', 'Orphan') ORDER BY LastName");
    let j = r.json();
    let child = &j["records"][0];
    assert_eq!(child["Name"], "Kid Child");
    assert_eq!(
        child["Account"],
        json!({"attributes": {"type": "Account", "url": format!("/services/data/v66.0/sobjects/Account/{acct}")}, "Name": "Parent Co", "Industry": "Media"})
    );
    assert_eq!(j["records"][1]["Account"], serde_json::Value::Null);
    // attributes first, then the fields in query order.
    let text = r.text();
    let first = text.find("\"attributes\"").unwrap();
    let id = text.find("\"Id\"").unwrap();
    let name = text.find("\"Name\"").unwrap();
    assert!(first < id && id < name);
    let r = query(
        &org,
        &token,
        &format!(
            "SELECT Name FROM Contact WHERE Account.Name = 'parent co' AND AccountId = '{}'",
            &acct[..15]
        ),
    );
    assert_eq!(r.json()["totalSize"], 1);
}

#[test]
fn value_formats() {
    let org = FakeOrg::start();
    let token = login(&org);
    let id = org.insert("Opportunity", json!({"Name": "Formats", "StageName": "Closed Won", "CloseDate": "2026-03-31", "Amount": 50000000}));
    let r = query(&org, &token, &format!("SELECT CloseDate, CreatedDate, IsWon, Amount, Probability, AccountId FROM Opportunity WHERE Id = '{id}'"));
    let text = r.text();
    assert!(text.contains("\"CloseDate\":\"2026-03-31\""), "{text}");
    assert!(text.contains("\"IsWon\":true"), "{text}");
    assert!(text.contains("\"Amount\":5.0E7"), "{text}");
    assert!(text.contains("\"Probability\":100.0"), "{text}");
    assert!(text.contains("\"AccountId\":null"), "{text}");
    let created = r.json()["records"][0]["CreatedDate"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(created.len(), 28);
    assert!(created.ends_with(".000+0000"), "{created}");
}

#[test]
fn soql_errors() {
    let org = FakeOrg::start();
    let token = login(&org);
    let r = query(&org, &token, "SELECT Naem FROM Account");
    assert_eq!(r.status, 400);
    let (code, msg) = rest_error(&r);
    assert_eq!(code, "INVALID_FIELD");
    assert!(msg.starts_with("\nSELECT Naem FROM Account\n       ^\nERROR at Row:1:Column:8\nNo such column 'Naem' on entity 'Account'."), "{msg:?}");
    let (code, msg) = rest_error(&query(&org, &token, "SELECT Id FROM Foo"));
    assert_eq!(code, "INVALID_TYPE");
    assert!(
        msg.contains("sObject type 'Foo' is not supported."),
        "{msg}"
    );
    let (code, msg) = rest_error(&query(&org, &token, "SELECT Id FROM Account WHERE"));
    assert_eq!(code, "MALFORMED_QUERY");
    assert!(msg.contains("unexpected token: '<EOF>'"), "{msg}");
    let (code, _) = rest_error(&query(
        &org,
        &token,
        "SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'",
    ));
    assert_eq!(code, "MALFORMED_QUERY");
    let (code, msg) = rest_error(&query(
        &org,
        &token,
        "SELECT Id FROM Account WHERE NumberOfEmployees = '5'",
    ));
    assert_eq!(code, "INVALID_FIELD");
    assert!(msg.ends_with("value of filter criterion for field 'NumberOfEmployees' must be of type integer and should not be enclosed in quotes"), "{msg}");
    let (code, _) = rest_error(&query(
        &org,
        &token,
        "SELECT Id FROM Account WHERE Id = 'nope'",
    ));
    assert_eq!(code, "INVALID_QUERY_FILTER_OPERATOR");
    let (code, msg) = rest_error(&query(&org, &token, "SELECT Id, id FROM Account"));
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("INVALID_FIELD", "duplicate field selected: Id")
    );
    let (code, _) = rest_error(&query(&org, &token, "SELECT Id FROM Account OFFSET 2001"));
    assert_eq!(code, "NUMBER_OUTSIDE_VALID_RANGE");
    // "A subquery can use OFFSET only if the parent query has a LIMIT 1 clause."
    let sub = "SELECT Name, (SELECT LastName FROM Contacts LIMIT 10 OFFSET 1) FROM Account";
    let (code, _) = rest_error(&query(&org, &token, sub));
    assert_eq!(code, "MALFORMED_QUERY");
    let r = query(&org, &token, &format!("{sub} LIMIT 1"));
    assert_eq!(r.status, 200, "{}", r.text());
    let (code, _) = rest_error(&query(&org, &token, "SELECT Owner.Name FROM Contact"));
    assert_eq!(code, "INVALID_FIELD");
    let (code, _) = rest_error(&query(
        &org,
        &token,
        "SELECT Id FROM Account WHERE Name = 'unterminated",
    ));
    assert_eq!(code, "MALFORMED_QUERY");
    let r = get(&org, &token, "/services/data/v66.0/query");
    assert_eq!(rest_error(&r).0, "MALFORMED_QUERY");
}
