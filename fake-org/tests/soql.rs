//! SOQL as real jobs write it: date literals, subqueries, aggregates, relationship paths.
mod common;

use common::*;
use serde_json::{json, Value};
use sfrest_fake_org::FakeOrg;

fn ok(org: &FakeOrg, token: &str, soql: &str) -> Value {
    let r = query(org, token, soql);
    assert_eq!(r.status, 200, "{soql}: {}", r.text());
    r.json()
}

fn names(j: &Value) -> Vec<String> {
    j["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Name"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// Today's date in `tz` as `YYYY-MM-DD`, and the same `days` later.
fn local_date(offset_hours: i64, days: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let day = (now + offset_hours * 3600).div_euclid(86_400) + days;
    let (y, m, d) = common::clock::civil_date(day);
    format!("{y:04}-{m:02}-{d:02}")
}

#[test]
fn date_literals_on_date_and_datetime_fields() {
    // Retried when a run straddles midnight in the zone used.
    let days = || (local_date(0, 0), local_date(14, 0));
    for _ in 0..3 {
        let before = days();
        date_literals_round();
        if days() == before {
            return;
        }
    }
    panic!("three runs straddled midnight");
}

fn date_literals_round() {
    let org = FakeOrg::start();
    let token = login(&org);
    // Written today: LastModifiedDate = TODAY; the sample data is from 2025.
    let fresh = org.insert("Account", json!({"Name": "Fresh"}));
    let j = ok(
        &org,
        &token,
        "SELECT Id, Name FROM Account WHERE LastModifiedDate = TODAY",
    );
    assert_eq!(names(&j), ["Fresh"]);
    assert_eq!(j["records"][0]["Id"], fresh.as_str());
    let j = ok(
        &org,
        &token,
        "SELECT COUNT() FROM Account WHERE CreatedDate < TODAY",
    );
    assert_eq!(j["totalSize"], 20);
    let j = ok(
        &org,
        &token,
        "SELECT COUNT() FROM Account WHERE CreatedDate = LAST_N_DAYS:3",
    );
    assert_eq!(j["totalSize"], 1);
    let j = ok(
        &org,
        &token,
        "SELECT COUNT() FROM Account WHERE CreatedDate > YESTERDAY AND CreatedDate < TOMORROW",
    );
    assert_eq!(j["totalSize"], 1);
    let j = ok(
        &org,
        &token,
        "SELECT COUNT() FROM Account WHERE CreatedDate != THIS_YEAR",
    );
    assert_eq!(j["totalSize"], 20);

    // Date fields: CloseDate in the org's time zone (UTC+14 here: always "tomorrow" or later
    // than UTC's today, so the zone visibly matters).
    org.set_time_zone("+14:00").unwrap();
    let today = local_date(14, 0);
    for (name, date) in [
        ("D-today", today.clone()),
        ("D-yesterday", local_date(14, -1)),
        ("D-next-week", local_date(14, 7)),
        ("D-ago-10", local_date(14, -10)),
    ] {
        org.insert(
            "Opportunity",
            json!({"Name": name, "StageName": "Prospecting", "CloseDate": date}),
        );
    }
    let q = |cond: &str| {
        let j = ok(
            &org,
            &token,
            &format!("SELECT Name FROM Opportunity WHERE Name LIKE 'D-%' AND CloseDate {cond} ORDER BY Name"),
        );
        names(&j)
    };
    assert_eq!(q("= TODAY"), ["D-today"]);
    assert_eq!(q("= YESTERDAY"), ["D-yesterday"]);
    assert_eq!(q("= LAST_N_DAYS:1"), ["D-today", "D-yesterday"]);
    assert_eq!(q("= N_DAYS_AGO:10"), ["D-ago-10"]);
    assert_eq!(q("= NEXT_N_DAYS:7"), ["D-next-week"]);
    assert_eq!(q("> TODAY"), ["D-next-week"]);
    assert_eq!(q("<= TODAY"), ["D-ago-10", "D-today", "D-yesterday"]);
    assert_eq!(q("IN (TODAY, N_DAYS_AGO:10)"), ["D-ago-10", "D-today"]);
    assert_eq!(q(&format!("= {today}")), ["D-today"]);
    assert_eq!(q("= LAST_90_DAYS").len(), 3);

    // Wrong types are Salesforce's errors; an unknown time zone is ours.
    let r = query(&org, &token, "SELECT Id FROM Account WHERE Name = TODAY");
    assert_eq!(r.status, 400);
    let (code, msg) = rest_error(&r);
    assert_eq!(code, "INVALID_FIELD");
    assert!(
        msg.contains("must be of type string and should be enclosed in quotes"),
        "{msg}"
    );
    assert!(org
        .set_time_zone("Mars/Olympus")
        .unwrap_err()
        .contains("Mars/Olympus"));
}

/// Level0__c -> Level1__c -> ... -> Level6__c, each through a lookup `Up__c` (`Up__r`).
fn chain_org() -> FakeOrg {
    let mut b = FakeOrg::builder().without_sample_data();
    for i in 0..=6 {
        let mut fields = vec![
            json!({"name": "Id", "type": "id"}),
            json!({"name": "Name", "type": "string", "length": 80}),
            json!({"name": "Rank__c", "type": "double"}),
        ];
        if i < 6 {
            fields.push(json!({"name": "Up__c", "type": "reference", "referenceTo": [format!("Level{}__c", i + 1)], "relationshipName": "Up__r"}));
        }
        let describe = json!({"name": format!("Level{i}__c"), "label": format!("Level{i}"), "labelPlural": format!("Level{i}s"), "fields": fields});
        b = b.describe(&describe).unwrap();
    }
    b.start()
}

#[test]
fn relationship_paths_nest_up_to_five_levels() {
    let org = chain_org();
    let token = login(&org);
    let mut up: Option<String> = None;
    for i in (0..=6).rev() {
        let mut rec = json!({"Name": format!("L{i}")});
        if let Some(id) = &up {
            rec["Up__c"] = json!(id);
        }
        up = Some(org.insert(&format!("Level{i}__c"), rec));
    }
    org.insert("Level0__c", json!({"Name": "Orphan"}));
    let five = "Up__r.Up__r.Up__r.Up__r.Up__r";
    let j = ok(
        &org,
        &token,
        &format!("SELECT Name, Up__r.Name, {five}.Name FROM Level0__c WHERE {five}.Name = 'L5' OR Name = 'Orphan' ORDER BY {five}.Name NULLS LAST, Name"),
    );
    assert_eq!(names(&j), ["L0", "Orphan"]);
    let rec = &j["records"][0];
    let mut level = &rec["Up__r"];
    assert_eq!(level["Name"], "L1");
    for i in 2..=5 {
        level = &level["Up__r"];
        assert_eq!(level["attributes"]["type"], format!("Level{i}__c"));
    }
    assert_eq!(level["Name"], "L5");
    assert!(level.get("Up__r").is_none());
    assert!(
        j["records"][1]["Up__r"].is_null(),
        "an empty lookup is null"
    );

    let r = query(
        &org,
        &token,
        &format!("SELECT {five}.Up__r.Name FROM Level0__c"),
    );
    assert_eq!(r.status, 400);
    assert!(rest_error(&r).1.contains("not supported by the fake org"));

    // Child relationships of loaded lookups, and grouping by a deep path.
    let j = ok(
        &org,
        &token,
        "SELECT Name, (SELECT Name FROM Level0s__r ORDER BY Name) FROM Level1__c",
    );
    assert_eq!(j["records"][0]["Level0s__r"]["records"][0]["Name"], "L0");
    let j = ok(&org, &token, "SELECT Up__r.Up__r.Name, COUNT(Id) FROM Level0__c GROUP BY Up__r.Up__r.Name ORDER BY Up__r.Up__r.Name NULLS FIRST");
    assert_eq!(j["records"][0]["Name"], Value::Null);
    assert_eq!(j["records"][1]["Name"], "L2");
}

#[test]
fn order_by_several_keys() {
    let org = FakeOrg::builder().without_sample_data().start();
    let token = login(&org);
    for (name, city, n) in [
        ("a", "Paris", Some(3)),
        ("b", "Paris", None),
        ("c", "berlin", Some(1)),
        ("d", "Berlin", Some(2)),
        ("e", "", Some(2)),
    ] {
        let mut rec = json!({"Name": name, "NumberOfEmployees": n});
        if !city.is_empty() {
            rec["BillingCity"] = json!(city);
        }
        org.insert("Account", rec);
    }
    let q = |order: &str| {
        names(&ok(
            &org,
            &token,
            &format!("SELECT Name FROM Account ORDER BY {order}"),
        ))
    };
    assert_eq!(
        q("BillingCity, NumberOfEmployees DESC"),
        ["e", "d", "c", "b", "a"]
    );
    assert_eq!(
        q("BillingCity DESC NULLS LAST, Name"),
        ["a", "b", "c", "d", "e"]
    );
    assert_eq!(
        q("NumberOfEmployees ASC NULLS LAST, Name DESC"),
        ["c", "e", "d", "a", "b"]
    );
    assert_eq!(
        q("NumberOfEmployees DESC, BillingCity"),
        ["b", "a", "e", "d", "c"]
    );
    // With LIMIT and OFFSET only the rows kept are put in order: the same rows as a full sort.
    assert_eq!(
        q("NumberOfEmployees DESC, BillingCity LIMIT 2 OFFSET 1"),
        ["a", "e"]
    );
    assert_eq!(q("BillingCity LIMIT 3"), ["e", "c", "d"]);
    assert!(q("Name DESC LIMIT 0").is_empty());
}

/// Strings sort by their upper-case forms, as Salesforce documents for English locales: `_`
/// (after `Z`) sorts after every letter, whatever the letters' case.
#[test]
fn strings_sort_by_their_upper_case_forms() {
    let org = FakeOrg::start();
    let token = login(&org);
    for name in ["_Beta", "alpha", "Zed", "beta"] {
        org.insert(
            "Account",
            serde_json::json!({"Name": name, "Industry": "Sorting"}),
        );
    }
    let j = ok(
        &org,
        &token,
        "SELECT Name FROM Account WHERE Industry = 'Sorting' ORDER BY Name",
    );
    assert_eq!(names(&j), ["alpha", "beta", "Zed", "_Beta"]);
    let j = ok(
        &org,
        &token,
        "SELECT Name FROM Account WHERE Industry = 'Sorting' AND Name > 'z' ORDER BY Name",
    );
    assert_eq!(names(&j), ["Zed", "_Beta"]);
}

/// A picklist sorts in its setup order (the describe's `picklistValues` order), not
/// alphabetically, in ORDER BY and in a grouped ORDER BY alike.
#[test]
fn picklists_sort_in_their_setup_order() {
    let org = FakeOrg::start();
    let token = login(&org);
    let describe = get(
        &org,
        &token,
        "/services/data/v66.0/sobjects/Opportunity/describe",
    )
    .json();
    let stages: Vec<String> = describe["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "StageName")
        .unwrap()["picklistValues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].as_str().unwrap().to_owned())
        .collect();
    // Each record's stage, as its place in the setup order.
    let places = |j: &Value| -> Vec<usize> {
        j["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let stage = r["StageName"].as_str().unwrap();
                stages.iter().position(|p| p == stage).unwrap()
            })
            .collect()
    };
    let got = places(&ok(
        &org,
        &token,
        "SELECT StageName FROM Opportunity ORDER BY StageName",
    ));
    assert!(
        got.len() > 3 && got.windows(2).all(|w| w[0] <= w[1]),
        "{got:?}"
    );
    assert!(got.first() < got.last(), "several stages: {got:?}");
    let got = places(&ok(
        &org,
        &token,
        "SELECT StageName, COUNT(Id) FROM Opportunity GROUP BY StageName ORDER BY StageName DESC",
    ));
    assert!(got.windows(2).all(|w| w[0] > w[1]), "{got:?}");
}

/// FIELDS(STANDARD) selects the object's standard fields; FIELDS(ALL) and FIELDS(CUSTOM) need
/// a LIMIT of at most 200; a field selected twice is Salesforce's duplicate error.
#[test]
fn the_fields_function() {
    let org = FakeOrg::start();
    let token = login(&org);
    let j = ok(
        &org,
        &token,
        "SELECT FIELDS(STANDARD) FROM Account ORDER BY Name LIMIT 3",
    );
    let first = &j["records"][0];
    assert!(
        first.get("Name").is_some() && first.get("Industry").is_some(),
        "{first}"
    );
    let r = query(&org, &token, "SELECT FIELDS(ALL) FROM Account");
    let (code, msg) = rest_error(&r);
    assert_eq!(code, "MALFORMED_QUERY");
    assert!(msg.contains("LIMIT of at most 200"), "{msg}");
    let j = ok(&org, &token, "SELECT FIELDS(ALL) FROM Account LIMIT 200");
    assert!(j["totalSize"].as_u64().unwrap() > 0);
    let (code, msg) = rest_error(&query(
        &org,
        &token,
        "SELECT Name, FIELDS(STANDARD) FROM Account LIMIT 1",
    ));
    assert_eq!(code, "INVALID_FIELD");
    assert!(msg.contains("duplicate field selected: Name"), "{msg}");
}
