//! Streaming queries against the fake org: pages fetched when reached and one ahead, errors in
//! their place, options, typed rows, SOQL quoting, and the README's cron query.

mod common;

use common::{count_requests, org_and_client};
use serde::Deserialize;
use serde_json::json;
use sfrest::{soql, Error, QueryOptions};
use sfrest_fake_org::Fault;

#[test]
fn query_iter_fetches_pages_only_when_reached_and_caps_nothing() {
    let (org, sf) = org_and_client();
    org.seed_bulk("Account", 5000);
    let expected = org.count("Account");
    org.clear_requests();
    let opts = QueryOptions::new().prefetch(false);
    let mut iter = sf
        .query_iter_with("SELECT Id, Name FROM Account", &opts)
        .unwrap();
    assert_eq!(iter.total_size() as usize, expected);
    assert!(iter.next().unwrap().is_ok());
    assert_eq!(
        count_requests(&org, "GET", "/services/data/v66.0/query"),
        1,
        "one page so far"
    );
    let rest = iter.by_ref().collect::<Result<Vec<_>, _>>().unwrap();
    assert_eq!(rest.len() + 1, expected, "no silent cap");
    assert_eq!(
        count_requests(&org, "GET", "/services/data/v66.0/query"),
        expected.div_ceil(2000)
    );
}

#[test]
fn the_next_page_is_fetched_ahead_and_no_further() {
    let (org, sf) = org_and_client();
    org.seed_bulk("Account", 5000);
    let expected = org.count("Account");
    org.clear_requests();
    let mut iter = sf.query_iter("SELECT Id, Name FROM Account").unwrap();
    assert!(iter.next().unwrap().is_ok());
    // The second page is on its way while the first is read (generous wait: a loaded machine).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while count_requests(&org, "GET", "/services/data/v66.0/query") < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "no page fetched ahead"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert_eq!(
        count_requests(&org, "GET", "/services/data/v66.0/query"),
        2,
        "one page ahead, not more"
    );
    let rest = iter.by_ref().collect::<Result<Vec<_>, _>>().unwrap();
    assert_eq!(rest.len() + 1, expected);
    assert_eq!(
        count_requests(&org, "GET", "/services/data/v66.0/query"),
        expected.div_ceil(2000),
        "nothing fetched past the last page"
    );
}

#[test]
fn an_error_on_a_page_fetched_ahead_comes_in_its_place() {
    let (org, sf) = org_and_client();
    org.seed_bulk("Account", 2500);
    // The cursor pages are under /query/ (the first call is /query?q=...).
    org.fail_next_on(
        "/services/data/v66.0/query/",
        1,
        Fault::Json {
            status: 400,
            body: json!([{"errorCode": "INVALID_QUERY_LOCATOR", "message": "invalid query locator"}]),
        },
    );
    let mut iter = sf.query_iter("SELECT Id FROM Account").unwrap();
    for _ in 0..2000 {
        iter.next().unwrap().unwrap();
    }
    let err = iter.next().unwrap().unwrap_err();
    assert_eq!(err.error_code(), Some("INVALID_QUERY_LOCATOR"));
    assert!(iter.next().is_none());
}

#[test]
fn an_error_on_a_later_page_is_an_item_then_the_end() {
    let (org, sf) = org_and_client();
    org.seed_bulk("Account", 2500);
    let opts = QueryOptions::new().prefetch(false);
    let mut iter = sf.query_iter_with("SELECT Id FROM Account", &opts).unwrap();
    for _ in 0..2000 {
        iter.next().unwrap().unwrap();
    }
    org.fail_next(1, Fault::Json {
        status: 400,
        body: json!([{"errorCode": "INVALID_QUERY_LOCATOR", "message": "invalid query locator"}]),
    });
    let err = iter.next().unwrap().unwrap_err();
    assert_eq!(err.error_code(), Some("INVALID_QUERY_LOCATOR"));
    assert!(iter.next().is_none());
}

#[test]
fn batch_size_and_deleted_rows_options() {
    let (org, sf) = org_and_client();
    org.seed_bulk("Account", 1200);
    org.clear_requests();
    let opts = QueryOptions::new().batch_size(500);
    let all = sf.query_all_with("SELECT Id FROM Account", &opts).unwrap();
    assert_eq!(all.len(), org.count("Account"));
    let reqs = org.requests();
    assert!(reqs
        .iter()
        .all(|r| r.header("sforce-query-options") == Some("batchSize=500")));
    assert_eq!(reqs.len(), all.len().div_ceil(500));

    let acct = sf.sobject("Account");
    let id = acct.create(&json!({"Name": "Soon gone"})).unwrap();
    acct.delete(&id).unwrap();
    let q = format!("SELECT Id, IsDeleted FROM Account WHERE Id = '{id}'");
    assert!(sf.query_all(&q).unwrap().is_empty());
    let with_deleted = sf
        .query_all_with(&q, &QueryOptions::new().include_deleted(true))
        .unwrap();
    assert_eq!(with_deleted.len(), 1);
    assert_eq!(with_deleted[0]["IsDeleted"], true);
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "PascalCase")]
struct Opp {
    name: String,
    close_date: String,
    account: Option<AccountName>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "PascalCase")]
struct AccountName {
    name: String,
}

#[test]
fn typed_queries_read_into_structs() {
    let (_org, sf) = org_and_client();
    let opps: Vec<Opp> = sf
        .query_all_as("SELECT Account.Name, Name, CloseDate FROM Opportunity WHERE IsClosed = false ORDER BY CloseDate")
        .unwrap();
    assert!(!opps.is_empty());
    assert!(opps
        .iter()
        .all(|o| !o.name.is_empty() && o.close_date.len() == 10));
    assert!(opps
        .iter()
        .any(|o| o.account.as_ref().is_some_and(|a| !a.name.is_empty())));
    let err = sf
        .query_all_as::<Opp>("SELECT Id FROM Account")
        .unwrap_err();
    assert!(matches!(err, Error::Json { .. }), "{err:?}");
}

#[test]
fn quoted_input_cannot_change_the_query() {
    let (org, sf) = org_and_client();
    let hostile = "O'Brien \\ \"quoted\"\nnew line\t100%_";
    org.insert("Account", json!({"Name": hostile}));
    let q = format!(
        "SELECT Id, Name FROM Account WHERE Name = {}",
        soql::quote(hostile)
    );
    let found = sf.query_all(&q).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["Name"], hostile);
    for attack in [
        "' OR Name != '",
        "x' OR Id != null OR Name = 'y",
        "\\' OR Name != \\'",
    ] {
        let q = format!(
            "SELECT Id FROM Account WHERE Name = {}",
            soql::quote(attack)
        );
        assert!(sf.query_all(&q).unwrap().is_empty(), "{q}");
    }
    let like = format!(
        "SELECT Id FROM Account WHERE Name LIKE '{}%'",
        soql::escape_like("100%_")
    );
    assert!(
        sf.query_all(&like).unwrap().is_empty(),
        "% and _ match only themselves"
    );
}

fn utc_day() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86_400
}

#[test]
fn the_readme_cron_query_finds_what_changed_today() {
    // A run that straddles midnight UTC (the org's time zone) is tried again on a fresh org.
    for _ in 0..3 {
        let day = utc_day();
        cron_query_round();
        if utc_day() == day {
            return;
        }
    }
    panic!("three runs straddled midnight");
}

fn cron_query_round() {
    let (org, sf) = org_and_client();
    // The sample data was last modified in 2025; these two change today.
    sf.post(
        "sobjects/Contact",
        &json!({"LastName": "Today", "Email": "today@example.com"}),
    )
    .unwrap();
    let old = sf
        .query("SELECT Id FROM Contact WHERE Email != null LIMIT 1")
        .unwrap()["records"][0]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    sf.patch(&format!("sobjects/Contact/{old}"), &json!({"Title": "CTO"}))
        .unwrap();
    let mut seen = Vec::new();
    for rec in sf
        // The README's cron query, as written there.
        .query_iter(
            "SELECT Id, Name, Email FROM Contact WHERE LastModifiedDate = TODAY AND Email != null ORDER BY Name",
        )
        .unwrap()
    {
        let rec = rec.unwrap();
        seen.push(rec["Id"].as_str().unwrap().to_owned());
        assert!(rec["Email"].is_string(), "{rec}");
    }
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen.contains(&old));
    let before = sf
        .query("SELECT COUNT() FROM Contact WHERE LastModifiedDate < TODAY")
        .unwrap();
    assert_eq!(before["totalSize"], org.count("Contact") as u64 - 2);
}
