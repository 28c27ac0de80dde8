//! SOQL result shapes: parent-to-child subqueries, aggregates, SOSL RETURNING with LIMIT.
mod common;

use std::collections::HashMap;

use common::*;
use serde_json::{json, Value};
use sfrest_fake_org::FakeOrg;

fn ok(org: &FakeOrg, token: &str, soql: &str) -> Value {
    let r = query(org, token, soql);
    assert_eq!(r.status, 200, "{soql}: {}", r.text());
    r.json()
}

fn records(j: &Value) -> &Vec<Value> {
    j["records"].as_array().unwrap()
}

#[test]
fn subqueries_nest_child_results_or_null() {
    let org = FakeOrg::start();
    let token = login(&org);
    let lonely = org.insert("Account", json!({"Name": "Lonely"}));
    let soql = "SELECT Id, Name, (SELECT Id, LastName, Account.Name FROM Contacts ORDER BY LastName DESC, Id), (SELECT Name FROM Opportunities LIMIT 1) FROM Account ORDER BY Name";
    let j = ok(&org, &token, soql);
    let recs = records(&j);
    // Keys in SELECT order, the subquery under its relationship name.
    let orders = record_keys(&query(&org, &token, soql).text());
    assert_eq!(orders.len(), recs.len());
    for keys in &orders {
        assert_eq!(
            keys,
            &["attributes", "Id", "Name", "Contacts", "Opportunities"]
        );
    }
    assert_eq!(recs.len(), 21);
    let mut with_children = 0;
    for rec in recs {
        let id = rec["Id"].as_str().unwrap();
        let expected = ok(
            &org,
            &token,
            &format!("SELECT Id, LastName FROM Contact WHERE AccountId = '{id}' ORDER BY LastName DESC, Id"),
        );
        let contacts = &rec["Contacts"];
        if expected["totalSize"] == 0 {
            assert!(contacts.is_null(), "{rec}");
            continue;
        }
        with_children += 1;
        assert_eq!(contacts["totalSize"], expected["totalSize"]);
        assert_eq!(contacts["done"], true);
        for (got, want) in records(contacts).iter().zip(records(&expected)) {
            assert_eq!(got["Id"], want["Id"]);
            assert_eq!(got["attributes"]["type"], "Contact");
            assert_eq!(got["Account"]["Name"], rec["Name"]);
        }
        let opps = &rec["Opportunities"];
        if !opps.is_null() {
            assert_eq!(opps["totalSize"], 1, "LIMIT applies to each parent");
        }
    }
    assert!(with_children > 5, "{with_children}");
    let lonely_rec = recs.iter().find(|r| r["Id"] == lonely.as_str()).unwrap();
    assert!(lonely_rec["Contacts"].is_null());

    // A child WHERE that matches nothing gives null too.
    let j = ok(
        &org,
        &token,
        "SELECT Id, (SELECT Id FROM Contacts WHERE LastName = 'Nobody') FROM Account LIMIT 3",
    );
    assert!(records(&j).iter().all(|r| r["Contacts"].is_null()));

    let r = query(
        &org,
        &token,
        "SELECT Id, (SELECT Id FROM Contactz) FROM Account",
    );
    assert_eq!(r.status, 400);
    let (code, msg) = rest_error(&r);
    assert_eq!(code, "INVALID_TYPE");
    assert!(
        msg.contains("Didn't understand relationship 'Contactz' in FROM part of query call"),
        "{msg}"
    );
}

#[test]
fn a_large_child_set_pages_on_its_own() {
    let org = FakeOrg::start();
    let token = login(&org);
    let acct = org.insert("Account", json!({"Name": "Big"}));
    for i in 0..450 {
        org.insert(
            "Contact",
            json!({"LastName": format!("C{i:03}"), "AccountId": acct}),
        );
    }
    let soql = format!("SELECT Id, (SELECT LastName FROM Contacts ORDER BY LastName) FROM Account WHERE Id = '{acct}'");
    let auth = format!("Bearer {token}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("Sforce-Query-Options", "batchSize=200"),
    ];
    let url = format!("/services/data/v66.0/query?q={}", enc(&soql));
    let r = request(&org.instance_url(), "GET", &url, &headers, b"");
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    let kids = &j["records"][0]["Contacts"];
    assert_eq!(kids["totalSize"], 450);
    assert_eq!(kids["done"], false);
    let mut names: Vec<String> = records(kids)
        .iter()
        .map(|c| c["LastName"].as_str().unwrap().to_owned())
        .collect();
    let mut next = kids["nextRecordsUrl"].as_str().unwrap().to_owned();
    assert!(next.starts_with("/services/data/v66.0/query/01g"), "{next}");
    loop {
        let r = request(&org.instance_url(), "GET", &next, &headers, b"");
        assert_eq!(r.status, 200, "{}", r.text());
        let page = r.json();
        assert_eq!(page["totalSize"], 450);
        names.extend(
            records(&page)
                .iter()
                .map(|c| c["LastName"].as_str().unwrap().to_owned()),
        );
        match page["nextRecordsUrl"].as_str() {
            Some(n) => next = n.to_owned(),
            None => break,
        }
    }
    let want: Vec<String> = (0..450).map(|i| format!("C{i:03}")).collect();
    assert_eq!(names, want);
}

#[test]
fn aggregates_group_count_sum_and_name_columns() {
    let org = FakeOrg::start();
    let token = login(&org);
    let all = ok(
        &org,
        &token,
        "SELECT StageName, Amount, CloseDate FROM Opportunity",
    );
    let mut want: HashMap<String, (i64, f64, String)> = HashMap::new();
    for o in records(&all) {
        let e = want
            .entry(o["StageName"].as_str().unwrap().to_owned())
            .or_insert((0, 0.0, String::new()));
        e.0 += 1;
        e.1 += o["Amount"].as_f64().unwrap_or(0.0);
        let d = o["CloseDate"].as_str().unwrap().to_owned();
        if d > e.2 {
            e.2 = d;
        }
    }
    let soql = "SELECT StageName, COUNT(Id), SUM(Amount) total, MAX(CloseDate) FROM Opportunity GROUP BY StageName";
    let j = ok(&org, &token, soql);
    let rows = records(&j);
    for keys in record_keys(&query(&org, &token, soql).text()) {
        assert_eq!(keys, ["attributes", "StageName", "expr0", "total", "expr1"]);
    }
    assert_eq!(j["totalSize"], want.len());
    assert_eq!(j["done"], true);
    let mut stages = Vec::new();
    for row in rows {
        assert_eq!(
            row["attributes"],
            json!({"type": "AggregateResult"}),
            "no url"
        );
        let stage = row["StageName"].as_str().unwrap();
        stages.push(stage.to_owned());
        let (n, sum, max) = &want[stage];
        assert_eq!(row["expr0"], *n);
        assert!(row["expr0"].is_i64());
        assert!((row["total"].as_f64().unwrap() - sum).abs() < 0.01, "{row}");
        assert_eq!(row["expr1"], max.as_str());
    }
    let mut sorted = stages.clone();
    sorted.sort_by_key(|s| s.to_lowercase());
    assert_eq!(stages, sorted, "groups come in GROUP BY order");

    // HAVING, ORDER BY an aggregate, LIMIT over the groups.
    let j = ok(&org, &token, "SELECT StageName s, COUNT(Id) n FROM Opportunity GROUP BY StageName HAVING COUNT(Id) > 3 ORDER BY COUNT(Id) DESC, StageName LIMIT 2");
    let rows = records(&j);
    assert!(rows.len() <= 2);
    for row in rows {
        assert!(want[row["s"].as_str().unwrap()].0 > 3);
    }
    if rows.len() == 2 {
        assert!(rows[0]["n"].as_i64() >= rows[1]["n"].as_i64());
    }

    // No GROUP BY: one row, even over nothing.
    let j = ok(&org, &token, "SELECT COUNT(Id), SUM(Amount), COUNT_DISTINCT(StageName), MIN(Name) FROM Opportunity WHERE Name = 'none'");
    assert_eq!(j["totalSize"], 1);
    assert_eq!(records(&j)[0]["expr0"], 0);
    assert!(records(&j)[0]["expr1"].is_null());
    assert_eq!(records(&j)[0]["expr2"], 0);
    let j = ok(
        &org,
        &token,
        "SELECT COUNT_DISTINCT(StageName) FROM Opportunity",
    );
    assert_eq!(records(&j)[0]["expr0"], want.len());

    // A parent field groups under its own name. COUNT() cannot go with GROUP BY ("You can't
    // use COUNT() with a GROUP BY clause for API version 19.0 and later").
    let j = ok(
        &org,
        &token,
        "SELECT Account.Name, COUNT(Id) FROM Contact WHERE AccountId != null GROUP BY Account.Name",
    );
    assert!(records(&j)[0].get("Name").is_some(), "{j}");
    let r = query(
        &org,
        &token,
        "SELECT COUNT() FROM Contact WHERE AccountId != null GROUP BY Account.Name",
    );
    let (code, msg) = rest_error(&r);
    assert_eq!((r.status, code.as_str()), (400, "MALFORMED_QUERY"), "{msg}");
    assert!(msg.contains("COUNT(fieldName)"), "{msg}");

    // Salesforce's errors.
    let r = query(
        &org,
        &token,
        "SELECT Name, COUNT(Id) FROM Opportunity GROUP BY StageName",
    );
    let (code, msg) = rest_error(&r);
    assert_eq!((r.status, code.as_str()), (400, "MALFORMED_QUERY"));
    assert!(
        msg.ends_with("Field must be grouped or aggregated: Name"),
        "{msg}"
    );
    let r = query(&org, &token, "SELECT SUM(StageName) FROM Opportunity");
    assert!(rest_error(&r)
        .1
        .ends_with("field StageName does not support aggregate operator SUM"));
}

#[test]
fn sosl_returning_limits_count_matching_records() {
    let org = FakeOrg::start();
    let token = login(&org);
    for i in 0..5 {
        org.insert("Account", json!({"Name": format!("Zebra Works {i}")}));
    }
    let search = |q: &str| {
        let r = get(
            &org,
            &token,
            &format!("/services/data/v66.0/search?q={}", enc(q)),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["searchRecords"].as_array().unwrap().clone()
    };
    let found = search("FIND {Zebra} RETURNING Account(Id, Name LIMIT 2)");
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found
        .iter()
        .all(|r| r["Name"].as_str().unwrap().starts_with("Zebra")));
    let found = search("FIND {Zebra} RETURNING Account(Name ORDER BY Name DESC LIMIT 3)");
    let names: Vec<&str> = found.iter().map(|r| r["Name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Zebra Works 4", "Zebra Works 3", "Zebra Works 2"]);
    assert_eq!(search("FIND {Zebra} RETURNING Account(Name)").len(), 5);
}
