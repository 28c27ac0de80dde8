//! Semi-joins (`IN (SELECT ...)`) and anti-joins (`NOT IN (SELECT ...)`) in WHERE: on Id and on
//! reference fields, combined with other conditions, empty inner results and null references.
//! Each expected answer is worked out from plain queries over the same data.
mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::{json, Value};
use sfrest_fake_org::FakeOrg;

fn ok(org: &FakeOrg, token: &str, soql: &str) -> Value {
    let r = query(org, token, soql);
    assert_eq!(r.status, 200, "{soql}: {}", r.text());
    r.json()
}

/// The values of `field` in a query answer's records, nulls left out.
fn column(j: &Value, field: &str) -> BTreeSet<String> {
    j["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r[field].as_str().map(str::to_owned))
        .collect()
}

fn ids(org: &FakeOrg, token: &str, soql: &str) -> BTreeSet<String> {
    let j = ok(org, token, soql);
    assert_eq!(j["done"], true, "{soql}");
    column(&j, "Id")
}

#[test]
fn semi_join_on_id_keeps_the_parents_of_matching_children() {
    let org = FakeOrg::start();
    let token = login(&org);
    let last = ok(
        &org,
        &token,
        "SELECT LastName FROM Contact ORDER BY LastName LIMIT 1",
    )["records"][0]["LastName"]
        .as_str()
        .unwrap()
        .to_owned();
    let soql = format!("SELECT AccountId FROM Contact WHERE LastName = '{last}'");
    let expected = column(&ok(&org, &token, &soql), "AccountId");
    let all = ids(&org, &token, "SELECT Id FROM Account");
    assert!(
        !expected.is_empty() && expected.len() < all.len(),
        "{expected:?}"
    );

    let j = ok(
        &org,
        &token,
        &format!("SELECT Id, Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE LastName = '{last}')"),
    );
    assert_eq!(column(&j, "Id"), expected);
    assert_eq!(j["totalSize"], expected.len());
    // Each parent once, however many of its children match; records have their usual shape.
    assert_eq!(j["records"].as_array().unwrap().len(), expected.len());
    assert_eq!(j["records"][0]["attributes"]["type"], "Account");
    assert!(j["records"][0]["Name"].is_string());

    // The anti-join keeps exactly the others.
    let anti = ids(
        &org,
        &token,
        &format!("SELECT Id FROM Account WHERE Id NOT IN (SELECT AccountId FROM Contact WHERE LastName = '{last}')"),
    );
    assert_eq!(anti, all.difference(&expected).cloned().collect());
}

#[test]
fn anti_join_finds_parents_without_children() {
    let org = FakeOrg::start();
    let token = login(&org);
    let lonely = org.insert("Account", json!({"Name": "No Deals Ltd"}));
    let with_opps = column(
        &ok(&org, &token, "SELECT AccountId FROM Opportunity"),
        "AccountId",
    );
    let all = ids(&org, &token, "SELECT Id FROM Account");
    let got = ids(
        &org,
        &token,
        "SELECT Id FROM Account WHERE Id NOT IN (SELECT AccountId FROM Opportunity)",
    );
    assert!(got.contains(&lonely), "{got:?}");
    assert_eq!(got, all.difference(&with_opps).cloned().collect());
    let semi = ids(
        &org,
        &token,
        "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity)",
    );
    assert_eq!(semi, with_opps);
    assert!(!semi.contains(&lonely));
}

#[test]
fn semi_join_on_a_reference_field_and_null_references() {
    let org = FakeOrg::start();
    let token = login(&org);
    let orphan = org.insert("Contact", json!({"LastName": "Orphan"}));
    let energy = ids(
        &org,
        &token,
        "SELECT Id FROM Contact WHERE Account.Industry = 'Energy'",
    );
    assert!(!energy.is_empty());
    let got = ids(
        &org,
        &token,
        "SELECT Id FROM Contact WHERE AccountId IN (SELECT Id FROM Account WHERE Industry = 'Energy')",
    );
    assert_eq!(got, energy);
    assert!(!got.contains(&orphan));

    // A contact without an account is in no semi-join, even one over every account ...
    let all_contacts = ids(&org, &token, "SELECT Id FROM Contact");
    let with_account = ids(
        &org,
        &token,
        "SELECT Id FROM Contact WHERE AccountId IN (SELECT Id FROM Account)",
    );
    assert!(!with_account.contains(&orphan));
    assert_eq!(
        with_account,
        ids(
            &org,
            &token,
            "SELECT Id FROM Contact WHERE AccountId != null"
        )
    );
    // ... and the anti-join keeps it, as `AccountId NOT IN ('001...')` does.
    let anti = ids(
        &org,
        &token,
        "SELECT Id FROM Contact WHERE AccountId NOT IN (SELECT Id FROM Account WHERE Industry = 'Energy')",
    );
    assert!(anti.contains(&orphan));
    assert_eq!(anti, all_contacts.difference(&energy).cloned().collect());

    // Child to child: opportunities of accounts that have an Energy-account contact.
    let opps = ids(
        &org,
        &token,
        "SELECT Id FROM Opportunity WHERE AccountId IN (SELECT AccountId FROM Contact WHERE Account.Industry = 'Energy')",
    );
    assert_eq!(
        opps,
        ids(
            &org,
            &token,
            "SELECT Id FROM Opportunity WHERE Account.Industry = 'Energy' AND AccountId IN (SELECT AccountId FROM Contact)"
        )
    );
}

#[test]
fn null_values_of_the_inner_field_match_nothing() {
    let org = FakeOrg::start();
    let token = login(&org);
    org.insert("Contact", json!({"LastName": "Nobody"}));
    // The only contact named Nobody has no account: the set is empty, not {null}.
    let j = ok(
        &org,
        &token,
        "SELECT COUNT() FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE LastName = 'Nobody')",
    );
    assert_eq!(j["totalSize"], 0);
    let j = ok(
        &org,
        &token,
        "SELECT COUNT() FROM Account WHERE Id NOT IN (SELECT AccountId FROM Contact WHERE LastName = 'Nobody')",
    );
    assert_eq!(j["totalSize"], 20);
}

#[test]
fn empty_inner_results() {
    let org = FakeOrg::start();
    let token = login(&org);
    let none = "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE LastName = 'No Such Name')";
    let j = ok(&org, &token, none);
    assert_eq!(j["totalSize"], 0);
    assert_eq!(j["records"], json!([]));
    let every = ids(
        &org,
        &token,
        "SELECT Id FROM Account WHERE Id NOT IN (SELECT AccountId FROM Contact WHERE LastName = 'No Such Name')",
    );
    assert_eq!(every, ids(&org, &token, "SELECT Id FROM Account"));
}

#[test]
fn semi_joins_combine_with_other_conditions() {
    let org = FakeOrg::start();
    let token = login(&org);
    let both = org.insert(
        "Account",
        json!({"Name": "Both Kinds", "Industry": "Media"}),
    );
    org.insert(
        "Contact",
        json!({"LastName": "Zed", "AccountId": both.as_str()}),
    );
    org.insert(
        "Opportunity",
        json!({"Name": "Open deal", "StageName": "Prospecting", "CloseDate": "2030-01-01", "AccountId": both.as_str()}),
    );
    let contacts = column(
        &ok(
            &org,
            &token,
            "SELECT AccountId FROM Contact WHERE LastName LIKE 'Z%' OR Email = null",
        ),
        "AccountId",
    );
    let open = column(
        &ok(
            &org,
            &token,
            "SELECT AccountId FROM Opportunity WHERE IsClosed = false",
        ),
        "AccountId",
    );
    let media = ids(
        &org,
        &token,
        "SELECT Id FROM Account WHERE Industry = 'Media'",
    );
    let expected: BTreeSet<String> = media
        .iter()
        .filter(|id| contacts.contains(*id) && !open.contains(*id))
        .cloned()
        .collect();
    let soql = "SELECT Id FROM Account WHERE Industry = 'Media' \
                AND Id IN (SELECT AccountId FROM Contact WHERE (LastName LIKE 'Z%' OR Email = null)) \
                AND Id NOT IN (SELECT AccountId FROM Opportunity WHERE IsClosed = false)";
    let got = ids(&org, &token, soql);
    assert_eq!(got, expected);
    assert!(!got.contains(&both), "Both Kinds has an open deal");

    let two_semis = ids(
        &org,
        &token,
        "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE LastName = 'Zed') \
         AND (Id IN (SELECT AccountId FROM Opportunity WHERE IsClosed = false))",
    );
    assert_eq!(two_semis, BTreeSet::from([both.clone()]));

    // With ORDER BY and LIMIT on the outer query, COUNT() and aggregates.
    let j = ok(
        &org,
        &token,
        "SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity) ORDER BY Name DESC LIMIT 2",
    );
    let names: Vec<&str> = j["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names[0] >= names[1], "{names:?}");
    let count = ok(
        &org,
        &token,
        "SELECT COUNT() FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity)",
    );
    let with_opps = column(
        &ok(&org, &token, "SELECT AccountId FROM Opportunity"),
        "AccountId",
    );
    assert_eq!(count["totalSize"], with_opps.len());
    let j = ok(
        &org,
        &token,
        "SELECT Industry, COUNT(Id) n FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE LastName = 'Zed') GROUP BY Industry",
    );
    assert_eq!(j["records"][0]["Industry"], "Media");
    assert_eq!(j["records"][0]["n"], 1);
}

#[test]
fn deleted_inner_records_do_not_count() {
    let org = FakeOrg::start();
    let token = login(&org);
    let acct = org.insert("Account", json!({"Name": "Soon Childless"}));
    let kid = org.insert(
        "Contact",
        json!({"LastName": "Leaving", "AccountId": acct.as_str()}),
    );
    let soql = "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE LastName = 'Leaving')";
    assert_eq!(ids(&org, &token, soql), BTreeSet::from([acct.clone()]));
    let r = send_json(
        &org,
        &token,
        "DELETE",
        &format!("/services/data/v66.0/sobjects/Contact/{kid}"),
        "",
    );
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(ids(&org, &token, soql).is_empty());
}

#[test]
fn semi_join_in_a_bulk_query_job() {
    let org = FakeOrg::start();
    let token = login(&org);
    let soql = "SELECT Id FROM Account WHERE Id NOT IN (SELECT AccountId FROM Opportunity)";
    let expected = ids(&org, &token, soql);
    let body = json!({"operation": "query", "query": soql}).to_string();
    let r = send_json(
        &org,
        &token,
        "POST",
        "/services/data/v66.0/jobs/query",
        &body,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let job = r.json()["id"].as_str().unwrap().to_owned();
    let info = format!("/services/data/v66.0/jobs/query/{job}");
    let mut state = String::new();
    for _ in 0..400 {
        state = get(&org, &token, &info).json()["state"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        if state == "JobComplete" || state == "Failed" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(state, "JobComplete");
    let r = get(&org, &token, &format!("{info}/results"));
    assert_eq!(r.status, 200, "{}", r.text());
    let csv = r.text();
    let got: BTreeSet<String> = csv
        .lines()
        .skip(1)
        .map(|l| l.trim_matches('"').to_owned())
        .collect();
    assert_eq!(got, expected, "{csv}");
}

#[test]
fn polymorphic_lookups_match_any_of_their_targets() {
    let visit = json!({"name": "Visit__c", "label": "Visit", "labelPlural": "Visits", "fields": [
        {"name": "Id", "type": "id"},
        {"name": "Name", "type": "string", "length": 80},
        {"name": "What__c", "type": "reference", "referenceTo": ["Account", "Contact"], "relationshipName": "What__r"},
    ]});
    let org = FakeOrg::builder().describe(&visit).unwrap().start();
    let token = login(&org);
    let acct = org.insert("Account", json!({"Name": "Visited Inc"}));
    let polly = org.insert("Contact", json!({"LastName": "Polly"}));
    let at_acct = org.insert("Visit__c", json!({"Name": "A", "What__c": acct.as_str()}));
    let at_polly = org.insert("Visit__c", json!({"Name": "P", "What__c": polly.as_str()}));
    let got = ids(
        &org,
        &token,
        "SELECT Id FROM Visit__c WHERE What__c IN (SELECT Id FROM Contact WHERE LastName = 'Polly')",
    );
    assert_eq!(got, BTreeSet::from([at_polly.clone()]));
    let got = ids(
        &org,
        &token,
        "SELECT Id FROM Visit__c WHERE What__c IN (SELECT Id FROM Account WHERE Name = 'Visited Inc')",
    );
    assert_eq!(got, BTreeSet::from([at_acct]));
    let got = ids(
        &org,
        &token,
        "SELECT Id FROM Contact WHERE Id IN (SELECT What__c FROM Visit__c)",
    );
    assert_eq!(got, BTreeSet::from([polly]));
    let r = query(
        &org,
        &token,
        "SELECT Id FROM Visit__c WHERE What__c IN (SELECT Id FROM Opportunity)",
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(rest_error(&r)
        .1
        .ends_with("should point to the same object type"));
}
