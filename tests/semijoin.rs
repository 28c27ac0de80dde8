//! Semi-joins and anti-joins end to end: `query_all` through the client against the fake org.

mod common;

use std::collections::BTreeSet;

use common::org_and_client;
use serde::Deserialize;
use serde_json::json;

fn ids(records: &[serde_json::Value], field: &str) -> BTreeSet<String> {
    records
        .iter()
        .filter_map(|r| r[field].as_str().map(str::to_owned))
        .collect()
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "PascalCase")]
struct Acct {
    id: String,
    name: String,
}

#[test]
fn query_all_with_semi_and_anti_joins() {
    let (_org, sf) = org_and_client();
    let acct = sf.sobject("Account");
    let smiths = acct.create(&json!({"Name": "Smith & Sons"})).unwrap();
    let quiet = acct.create(&json!({"Name": "Quiet Co"})).unwrap();
    sf.sobject("Contact")
        .create(&json!({"LastName": "Smithereen", "AccountId": smiths}))
        .unwrap();

    // Accounts with a contact named Smithereen: just the one made above, typed.
    let got: Vec<Acct> = sf
        .query_all_as(
            "SELECT Id, Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE LastName = 'Smithereen')",
        )
        .unwrap();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        (got[0].id.as_str(), got[0].name.as_str()),
        (smiths.as_str(), "Smith & Sons")
    );

    // Accounts without opportunities: the two new ones, and no account that has one.
    let with_opps = ids(
        &sf.query_all("SELECT AccountId FROM Opportunity").unwrap(),
        "AccountId",
    );
    let without = ids(
        &sf.query_all("SELECT Id FROM Account WHERE Id NOT IN (SELECT AccountId FROM Opportunity)")
            .unwrap(),
        "Id",
    );
    assert!(
        without.contains(&smiths) && without.contains(&quiet),
        "{without:?}"
    );
    assert!(without.is_disjoint(&with_opps));
    let all = ids(&sf.query_all("SELECT Id FROM Account").unwrap(), "Id");
    assert_eq!(without.len() + with_opps.len(), all.len());

    // On a reference field, combined with another condition.
    let contacts = sf
        .query_all(
            "SELECT Id, LastName FROM Contact WHERE LastName LIKE 'Smith%' AND AccountId IN (SELECT Id FROM Account WHERE Name = 'Smith & Sons')",
        )
        .unwrap();
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0]["LastName"], "Smithereen");
}

#[test]
fn a_refused_semi_join_reads_as_salesforce_says_it() {
    let (_org, sf) = org_and_client();
    let err = sf
        .query_all(
            "SELECT Id FROM Account WHERE Name = 'x' OR Id IN (SELECT AccountId FROM Contact)",
        )
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.error_code(), Some("MALFORMED_QUERY"));
    let shown = err.to_string();
    assert!(
        shown.contains("Semi join sub-selects are not allowed with the 'OR' operator"),
        "{shown}"
    );
}
