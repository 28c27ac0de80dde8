//! Salesforce's restrictions on semi-joins and anti-joins, each answered with a 400 and its
//! error (fake-org/README.md says which texts were seen from Salesforce).
mod common;

use common::*;
use sfrest_fake_org::FakeOrg;

/// The (errorCode, message) of a query the org must refuse with a 400.
fn refused(org: &FakeOrg, token: &str, soql: &str) -> (String, String) {
    let r = query(org, token, soql);
    assert_eq!(r.status, 400, "{soql}: {}", r.text());
    rest_error(&r)
}

/// Asserts a MALFORMED_QUERY whose message ends with `tail`.
fn malformed(org: &FakeOrg, token: &str, soql: &str, tail: &str) {
    let (code, message) = refused(org, token, soql);
    assert_eq!(code, "MALFORMED_QUERY", "{soql}: {message}");
    assert!(message.ends_with(tail), "{soql}: {message:?}");
}

#[test]
fn at_most_two_semi_joins() {
    let org = FakeOrg::start();
    let token = login(&org);
    let (code, message) = refused(
        &org,
        &token,
        "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact) \
         AND Id IN (SELECT AccountId FROM Opportunity) \
         AND Id NOT IN (SELECT AccountId FROM Contact WHERE LastName = 'x')",
    );
    assert_eq!(code, "EXCEEDED_MAX_SEMIJOIN_SUBSELECTS");
    assert_eq!(message, "Maximum 2 semi join sub-selects are allowed");
}

#[test]
fn semi_joins_stay_at_the_top_level_and_out_of_or() {
    let org = FakeOrg::start();
    let token = login(&org);
    let or = "Semi join sub-selects are not allowed with the 'OR' operator";
    malformed(
        &org,
        &token,
        "SELECT Id FROM Account WHERE Name = 'x' OR Id IN (SELECT AccountId FROM Contact)",
        or,
    );
    malformed(
        &org,
        &token,
        "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact) OR Id IN (SELECT AccountId FROM Opportunity)",
        or,
    );
    let top = "Semi join sub-selects are only allowed at the top level WHERE expressions and not in nested WHERE expressions.";
    for soql in [
        "SELECT Id FROM Account WHERE Name = 'x' AND (Industry = 'Energy' OR Id IN (SELECT AccountId FROM Contact))",
        "SELECT Id FROM Account WHERE (Name = 'x' AND Id NOT IN (SELECT AccountId FROM Contact)) AND Industry = 'Energy'",
        "SELECT Id FROM Account WHERE NOT Id IN (SELECT AccountId FROM Contact)",
        "SELECT Id FROM Account WHERE Name = 'x' AND NOT (Id IN (SELECT AccountId FROM Contact))",
    ] {
        malformed(&org, &token, soql, top);
    }
    // The caret points at the semi-join's left operand.
    let (_, message) = refused(
        &org,
        &token,
        "SELECT Id FROM Account WHERE Name = 'x' OR Id IN (SELECT AccountId FROM Contact)",
    );
    assert!(
        message.contains("\nERROR at Row:1:Column:44\n"),
        "{message:?}"
    );
}

#[test]
fn no_semi_join_inside_a_semi_join() {
    let org = FakeOrg::start();
    let token = login(&org);
    malformed(
        &org,
        &token,
        "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE AccountId IN (SELECT AccountId FROM Opportunity))",
        "Nesting of semi join sub-selects is not supported",
    );
}

#[test]
fn the_inner_query_has_no_order_limit_or_grouping() {
    let org = FakeOrg::start();
    let token = login(&org);
    for (soql, tail) in [
        (
            "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact ORDER BY LastName)",
            "unexpected token: 'ORDER'",
        ),
        (
            "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE LastName = 'x' LIMIT 5)",
            "unexpected token: 'LIMIT'",
        ),
        (
            "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact OFFSET 5)",
            "unexpected token: 'OFFSET'",
        ),
        (
            "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact GROUP BY AccountId)",
            "missing value at 'GROUP'",
        ),
        (
            "SELECT Id FROM Account WHERE Id IN (SELECT COUNT() FROM Contact)",
            "unexpected token: '('",
        ),
        (
            "SELECT Id FROM Account WHERE Id IN (SELECT AccountId, Id FROM Contact)",
            "unexpected token: ','",
        ),
    ] {
        malformed(&org, &token, soql, tail);
    }
}

#[test]
fn the_inner_field_is_an_id_or_reference_without_a_path() {
    let org = FakeOrg::start();
    let token = login(&org);
    malformed(
        &org,
        &token,
        "SELECT Id FROM Account WHERE Id IN (SELECT lastname FROM Contact)",
        "semi join sub selects can only query id fields, cannot use: 'LastName'",
    );
    malformed(
        &org,
        &token,
        "SELECT Id FROM Account WHERE Id IN (SELECT Account.Id FROM Contact)",
        "inner select field cannot have more than one level of relationships",
    );
    let (code, message) = refused(
        &org,
        &token,
        "SELECT Id FROM Account WHERE Id IN (SELECT Nope FROM Contact)",
    );
    assert_eq!(code, "INVALID_FIELD");
    assert!(
        message.contains("No such column 'Nope' on entity 'Contact'"),
        "{message}"
    );
    let (code, _) = refused(
        &org,
        &token,
        "SELECT Id FROM Account WHERE Id IN (SELECT Id FROM Nope__c)",
    );
    assert_eq!(code, "INVALID_TYPE");
}

#[test]
fn both_sides_point_to_the_same_object() {
    let org = FakeOrg::start();
    let token = login(&org);
    // Recorded from Salesforce: the caret on the left operand.
    let soql = "SELECT Id FROM Contact WHERE AccountId IN (SELECT Id FROM Opportunity)";
    malformed(
        &org,
        &token,
        soql,
        "The selected field 'Id' in the subquery and the left operand field in the where expression in the outer query 'AccountId' should point to the same object type",
    );
    let (_, message) = refused(&org, &token, soql);
    assert!(
        message.contains("\nERROR at Row:1:Column:30\n"),
        "{message:?}"
    );
    // A left operand that is no id at all.
    malformed(
        &org,
        &token,
        "SELECT Id FROM Account WHERE Name IN (SELECT AccountId FROM Contact)",
        "The selected field 'AccountId' in the subquery and the left operand field in the where expression in the outer query 'Name' should point to the same object type",
    );
    malformed(
        &org,
        &token,
        "SELECT Id FROM Account WHERE Id IN (SELECT Id FROM Account)",
        "The inner and outer selects should not be on the same object type",
    );
    malformed(
        &org,
        &token,
        "SELECT Id FROM Opportunity WHERE Account.Id IN (SELECT AccountId FROM Contact)",
        "The left operand of a semi join sub-select cannot follow a relationship: 'Account.Id'",
    );
}

#[test]
fn what_the_fake_org_still_refuses_says_so() {
    let org = FakeOrg::start();
    let token = login(&org);
    for soql in [
        "SELECT Id, (SELECT Id FROM Contacts WHERE Id IN (SELECT ContactId__c FROM Opportunity)) FROM Account",
        "SELECT Id, (SELECT Id FROM Contacts WHERE AccountId NOT IN (SELECT AccountId FROM Opportunity)) FROM Account",
        "SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry HAVING COUNT(Id) IN (SELECT AccountId FROM Contact)",
    ] {
        let (code, message) = refused(&org, &token, soql);
        assert_eq!(code, "MALFORMED_QUERY", "{soql}");
        assert!(
            message.contains("is not supported by the fake org (sfrest-fake-org)"),
            "{soql}: {message}"
        );
    }
}
