//! Parser tests: shapes, names and Salesforce's errors.

use super::parser::parse_at;
use super::*;
use crate::schema;
use crate::zone::TimeZone;

fn p(src: &str) -> Result<Query, SoqlError> {
    parse(src, &TimeZone::utc())
}

fn err(src: &str) -> SoqlError {
    p(src).expect_err(src)
}

fn ms(s: &str) -> i64 {
    crate::time::parse_datetime(s).unwrap()
}

#[test]
fn errors_point_at_row_and_column() {
    let e = err("SELECT Id\nFROM Account\nWHERE Nmae = 'x'");
    assert_eq!(e.code, "INVALID_FIELD");
    assert!(
        e.message
            .starts_with("\nWHERE Nmae = 'x'\n      ^\nERROR at Row:3:Column:7\n"),
        "{:?}",
        e.message
    );
    let e = err("SELECT Id FROM Account LIMIT x");
    assert_eq!(e.code, "MALFORMED_QUERY");
    assert!(
        e.message.ends_with("unexpected token: 'x'"),
        "{}",
        e.message
    );
    assert_eq!(err("  ").code, "MALFORMED_QUERY");
    assert!(err("SELECT Id")
        .message
        .ends_with("unexpected token: '<EOF>'"));
    assert_eq!(err("SELECT Id FROM Nope").code, "INVALID_TYPE");
}

#[test]
fn parent_fields_nest_under_their_relationship_at_first_mention() {
    let q = p("SELECT Account.Name, Id, Account.Industry FROM Contact").unwrap();
    let Select::Fields(items) = q.select else {
        panic!("fields")
    };
    assert_eq!(items.len(), 2);
    assert!(
        matches!(&items[0], OutItem::Parent { rel, items, .. } if rel == "Account" && items.len() == 2)
    );
    // The object's own name may lead a path.
    assert!(p("SELECT Account.Name FROM Account").is_ok());
    let e = err("SELECT Acount.Name FROM Contact");
    assert!(
        e.message
            .contains("Didn't understand relationship 'Acount'"),
        "{}",
        e.message
    );
    let e = err("SELECT Name, name FROM Account");
    assert_eq!(e.message, "duplicate field selected: Name");
}

#[test]
fn subqueries_resolve_child_relationships() {
    let q = p("SELECT Name, (SELECT LastName FROM contacts WHERE Email != null ORDER BY LastName LIMIT 2) FROM Account").unwrap();
    let Select::Fields(items) = q.select else {
        panic!("fields")
    };
    let OutItem::Children(sub) = &items[1] else {
        panic!("{items:?}")
    };
    assert_eq!(sub.rel, "Contacts");
    assert_eq!(sub.query.obj, schema::CONTACT);
    assert_eq!(sub.query.limit, Some(2));
    assert!(sub.query.filter.is_some());
    let e = err("SELECT Id, (SELECT Id FROM Contactz) FROM Account");
    assert_eq!(e.code, "INVALID_TYPE");
    assert!(e.message.ends_with("Didn't understand relationship 'Contactz' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names."), "{}", e.message);
    assert!(err("SELECT Id, (SELECT Id FROM Contacts) FROM Contact")
        .message
        .contains("'Contacts'"));
}

#[test]
fn aggregates_name_their_columns() {
    let q = p("SELECT StageName, COUNT(Id), SUM(Amount) total, MAX(CloseDate) FROM Opportunity GROUP BY StageName HAVING COUNT(Id) > 1 ORDER BY SUM(Amount) DESC").unwrap();
    let Select::Aggregate(agg) = q.select else {
        panic!("aggregate")
    };
    let names: Vec<&str> = agg.columns.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(names, ["StageName", "expr0", "total", "expr1"]);
    assert_eq!(agg.calls.len(), 3);
    assert!(agg.having.is_some());
    assert!(agg.order[0].desc);
    let e = err("SELECT Name, COUNT(Id) FROM Account GROUP BY Industry");
    assert_eq!(e.code, "MALFORMED_QUERY");
    assert!(
        e.message
            .ends_with("Field must be grouped or aggregated: Name"),
        "{}",
        e.message
    );
    let e = err("SELECT SUM(Name) FROM Account");
    assert!(
        e.message
            .ends_with("field Name does not support aggregate operator SUM"),
        "{}",
        e.message
    );
    let e = err("SELECT AnnualRevenue FROM Account GROUP BY AnnualRevenue");
    assert!(
        e.message
            .ends_with("field 'AnnualRevenue' can not be grouped in a query call"),
        "{}",
        e.message
    );
    let e = err("SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry ORDER BY Name");
    assert!(
        e.message
            .ends_with("Field must be grouped or aggregated: Name"),
        "{}",
        e.message
    );
    assert!(matches!(
        p("SELECT COUNT() FROM Account").unwrap().select,
        Select::Count
    ));
    assert!(err("SELECT COUNT() FROM Account GROUP BY Industry")
        .message
        .contains("COUNT(fieldName)"));
    assert!(err("SELECT COUNT(), Name FROM Account")
        .message
        .contains("only item"));
}

#[test]
fn paths_reach_five_levels_and_no_further() {
    // The sample schema has one level of lookups; deeper paths fail on the relationship, and
    // more than five levels are refused before anything else.
    assert!(p("SELECT Account.Name FROM Opportunity WHERE Account.Industry = 'Energy' ORDER BY Account.Name DESC NULLS LAST, Name").is_ok());
    let e = err("SELECT Account.Owner.Name FROM Contact");
    assert!(
        e.message.contains("Didn't understand relationship 'Owner'"),
        "{}",
        e.message
    );
    let e = err("SELECT A.B.C.D.E.F.Name FROM Contact");
    assert!(
        e.message.contains("not supported by the fake org"),
        "{}",
        e.message
    );
}

#[test]
fn unsupported_features_say_so() {
    for q in [
        "SELECT TYPEOF What WHEN Account THEN Name END FROM Contact",
        "SELECT toLabel(Industry) FROM Account",
        "SELECT Id, (SELECT Id FROM Contacts WHERE AccountId IN (SELECT Id FROM Account)) FROM Account",
        "SELECT Id FROM Account FOR UPDATE",
        "SELECT Id FROM Account WITH SECURITY_ENFORCED",
        "SELECT Industry, COUNT(Id) FROM Account GROUP BY ROLLUP(Industry)",
    ] {
        let e = err(q);
        assert!(
            e.message.contains("not supported by the fake org"),
            "{q}: {}",
            e.message
        );
    }
}

#[test]
fn date_literals_become_ranges_in_the_org_time_zone() {
    let la = TimeZone::parse("America/Los_Angeles").unwrap();
    // 05:00 UTC on Dec 1 is still Nov 30 in Los Angeles.
    let now = ms("2026-12-01T05:00:00Z");
    let q = parse_at("SELECT Id FROM Account WHERE CreatedDate = TODAY", &la, now).unwrap();
    let Some(Cond::Cmp(_, "=", Operand::Range(s, e))) = q.filter else {
        panic!("{:?}", q.filter)
    };
    assert_eq!(
        (s, e),
        (ms("2026-11-30T08:00:00Z"), ms("2026-12-01T08:00:00Z"))
    );
    let q = parse_at(
        "SELECT Id FROM Opportunity WHERE CloseDate < LAST_N_DAYS:7",
        &TimeZone::utc(),
        now,
    )
    .unwrap();
    let Some(Cond::Cmp(_, "<", Operand::Range(s, e))) = q.filter else {
        panic!("{:?}", q.filter)
    };
    let today = crate::time::days_from_civil(2026, 12, 1);
    assert_eq!((s, e), (today - 7, today + 1));
}

#[test]
fn date_literal_errors() {
    let e = err("SELECT Id FROM Account WHERE Name = TODAY");
    assert_eq!(e.code, "INVALID_FIELD");
    assert!(e.message.ends_with("value of filter criterion for field 'Name' must be of type string and should be enclosed in quotes"), "{}", e.message);
    let e = err("SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS");
    assert_eq!(e.code, "MALFORMED_QUERY");
    assert!(
        e.message.ends_with("unexpected token: '<EOF>'"),
        "{}",
        e.message
    );
    let e = err("SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS:x");
    assert!(
        e.message.ends_with("unexpected token: 'x'"),
        "{}",
        e.message
    );
    assert!(p("SELECT Id FROM Account WHERE CreatedDate IN (TODAY, YESTERDAY)").is_ok());
}
