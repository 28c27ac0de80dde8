//! Records at scale against the fake org: streaming queries, sObject helpers, collections,
//! composite, search, describe, and SOQL quoting.

mod common;

use common::org_and_client;
use serde::Deserialize;
use serde_json::{json, Value};
use sfrest::{soql, Error, QueryOptions, Subrequest};
use sfrest_fake_org::Fault;

fn count_requests(org: &sfrest_fake_org::FakeOrg, method: &str, prefix: &str) -> usize {
    org.requests()
        .iter()
        .filter(|r| r.method == method && r.path.starts_with(prefix))
        .count()
}

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
fn sobject_helpers_round_trip() {
    let (org, sf) = org_and_client();
    let acct = sf.sobject("Account");
    let id = acct
        .create(&json!({"Name": "Acme", "Ext_Id__c": "A-17"}))
        .unwrap();
    assert_eq!(acct.get(&id, &["Name"]).unwrap()["Name"], "Acme");
    acct.update(&id, &json!({"Industry": "Energy"})).unwrap();
    assert_eq!(
        org.get_record("Account", &id).unwrap()["Industry"],
        "Energy"
    );

    let r = acct
        .upsert("Ext_Id__c", "A-17", &json!({"Name": "Acme Corp"}))
        .unwrap();
    assert_eq!((r.id.as_str(), r.created), (id.as_str(), false));
    let r = acct
        .upsert("Ext_Id__c", "B/42 ?", &json!({"Name": "Beta"}))
        .unwrap();
    assert!(r.created);
    assert_eq!(
        org.get_record("Account", &r.id).unwrap()["Ext_Id__c"],
        "B/42 ?"
    );
    assert!(
        org.requests()
            .iter()
            .any(|q| q.path.ends_with("/Ext_Id__c/B%2F42%20%3F")),
        "external id percent-encoded"
    );

    org.insert("Account", json!({"Name": "Dup 1", "Ext_Id__c": "D-1"}));
    org.insert("Account", json!({"Name": "Dup 2", "Ext_Id__c": "D-1"}));
    let err = acct
        .upsert("Ext_Id__c", "D-1", &json!({"Name": "x"}))
        .unwrap_err();
    assert!(
        matches!(&err, Error::MultipleChoices { urls, .. } if urls.len() == 2),
        "{err:?}"
    );

    let describe = acct.describe().unwrap();
    assert!(describe["fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == "Name"));
    acct.delete(&id).unwrap();
    assert_eq!(
        acct.get(&id, &[]).unwrap_err().error_code(),
        Some("ENTITY_IS_DELETED")
    );
    // An id cannot walk out of its path segment, nor address the type itself (an empty id:
    // `GET sobjects/Account` is its basic information) or another of its resources: what is
    // not a record id is refused before anything is sent.
    org.clear_requests();
    for bad in ["../../limits", "", "describe"] {
        let err = acct.get(bad, &[]).unwrap_err();
        assert!(
            matches!(err, sfrest::Error::InvalidArgument { .. }),
            "{bad:?}: {err:?}"
        );
        assert!(acct.delete(bad).is_err());
        assert!(acct.update(bad, &json!({"Name": "x"})).is_err());
    }
    assert!(org.requests().is_empty(), "{:?}", org.requests());
}

#[test]
fn collections_split_at_200_and_keep_order() {
    let (org, sf) = org_and_client();
    let before = org.count("Account");
    let records: Vec<Value> = (0..450)
        .map(|i| json!({"Name": format!("Bulk {i:03}")}))
        .collect();
    org.clear_requests();
    let results = sf.sobject("Account").create_many(&records).unwrap();
    assert_eq!(
        count_requests(&org, "POST", "/services/data/v66.0/composite/sobjects"),
        3
    );
    assert_eq!(results.len(), 450);
    assert!(results.iter().all(|r| r.success && r.id.is_some()));
    assert_eq!(org.count("Account"), before + 450);
    for (i, r) in results.iter().enumerate().step_by(97) {
        let rec = org.get_record("Account", r.id.as_deref().unwrap()).unwrap();
        assert_eq!(
            rec["Name"],
            format!("Bulk {i:03}"),
            "result {i} is record {i}"
        );
    }
    // Updates and deletes, also split.
    let updates: Vec<Value> = results
        .iter()
        .map(|r| json!({"Id": r.id, "Industry": "Retail"}))
        .collect();
    let up = sf.sobject("Account").update_many(&updates).unwrap();
    assert!(up.iter().all(|r| r.success));
    assert_eq!(
        org.get_record("Account", results[449].id.as_deref().unwrap())
            .unwrap()["Industry"],
        "Retail"
    );
    let ids: Vec<&str> = results.iter().map(|r| r.id.as_deref().unwrap()).collect();
    let del = sf.sobject("Account").delete_many(&ids).unwrap();
    assert!(del.iter().all(|r| r.success));
    assert_eq!(org.count("Account"), before);
}

#[test]
fn collections_report_each_failure_and_honour_all_or_none() {
    let (org, sf) = org_and_client();
    let before = org.count("Account");
    let records = vec![
        json!({"Name": "Good 1"}),
        json!({"Industry": "No name"}),
        json!({"Name": "Good 2"}),
    ];
    let results = sf.sobject("Account").create_many(&records).unwrap();
    assert!(results[0].success && results[2].success);
    assert!(!results[1].success);
    assert_eq!(results[1].errors[0].error_code, "REQUIRED_FIELD_MISSING");
    assert_eq!(org.count("Account"), before + 2);

    let results = sf
        .sobject("Account")
        .all_or_none(true)
        .create_many(&records)
        .unwrap();
    assert!(results.iter().all(|r| !r.success));
    assert_eq!(
        results[0].errors[0].error_code,
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(results[1].errors[0].error_code, "REQUIRED_FIELD_MISSING");
    assert_eq!(org.count("Account"), before + 2, "rolled back");
}

#[test]
fn large_bodies_are_sent_gzip_compressed() {
    let (org, sf) = org_and_client();
    let records: Vec<Value> = (0..200)
        .map(|i| json!({"Name": format!("Compressible name number {i:05} {}", "x".repeat(200))}))
        .collect();
    org.clear_requests();
    sf.sobject("Account").create_many(&records).unwrap();
    let req = &org.requests()[0];
    assert_eq!(req.header("content-encoding"), Some("gzip"));
    assert!(
        req.raw_body_len * 5 < req.body.len(),
        "{} on the wire for {}",
        req.raw_body_len,
        req.body.len()
    );
    // Small bodies go as they are.
    org.clear_requests();
    sf.sobject("Account")
        .create(&json!({"Name": "small"}))
        .unwrap();
    assert_eq!(org.requests()[0].header("content-encoding"), None);
}

#[test]
fn composite_resolves_references() {
    let (org, sf) = org_and_client();
    let out = sf
        .composite(
            true,
            &[
                Subrequest::post("acct", "sobjects/Account", json!({"Name": "Parent"})),
                Subrequest::post(
                    "ct",
                    "sobjects/Contact",
                    json!({"LastName": "Child", "AccountId": "@{acct.id}"}),
                ),
                Subrequest::get("read", "sobjects/Contact/@{ct.id}"),
            ],
        )
        .unwrap();
    assert_eq!(
        out.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![201, 201, 200]
    );
    let acct_id = out[0].body["id"].as_str().unwrap();
    assert_eq!(out[2].body["AccountId"], acct_id);
    let ct_id = out[1].body["id"].as_str().unwrap();
    assert_eq!(
        org.get_record("Contact", ct_id).unwrap()["AccountId"],
        acct_id
    );

    let too_many: Vec<Subrequest> = (0..26)
        .map(|i| Subrequest::get(&format!("r{i}"), "limits"))
        .collect();
    org.clear_requests();
    assert!(matches!(
        sf.composite(false, &too_many),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(org.requests().is_empty());
}

#[test]
fn search_describe_limits_versions_and_usage() {
    let (org, sf) = org_and_client();
    sf.sobject("Account")
        .create(&json!({"Name": "Zyxwv Searchable"}))
        .unwrap();
    let found = sf
        .search("FIND {Zyxwv} IN NAME FIELDS RETURNING Account(Id, Name)")
        .unwrap();
    let recs = found["searchRecords"].as_array().unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0]["Name"], "Zyxwv Searchable");
    assert_eq!(recs[0]["attributes"]["type"], "Account");

    let global = sf.describe_global().unwrap();
    assert!(global["sobjects"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["name"] == "Opportunity"));
    org.set_api_usage(120, 15000);
    let limits = sf.limits().unwrap();
    assert_eq!(limits["DailyApiRequests"]["Max"], 15000);
    let (used, max) = sf.api_usage().unwrap();
    assert_eq!(max, 15000);
    assert!(used >= 120);
    let versions = sf.versions().unwrap();
    assert!(versions
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["url"] == "/services/data/v66.0"));
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

#[test]
fn a_failure_part_way_returns_what_was_already_written() {
    let (org, sf) = org_and_client();
    let before = org.count("Account");
    let mut records: Vec<Value> = (0..450)
        .map(|i| json!({"Name": format!("Part {i}")}))
        .collect();
    records[250] = json!("not a record");
    let err = sf.sobject("Account").create_many(&records).unwrap_err();
    match &err {
        Error::Partial {
            results, source, ..
        } => {
            assert_eq!(results.len(), 200, "the first call's results are kept");
            assert!(results.iter().all(|r| r.success));
            assert!(
                matches!(**source, Error::InvalidArgument { .. }),
                "{source:?}"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        err.to_string().contains("200 records were processed"),
        "{err}"
    );
    assert_eq!(org.count("Account"), before + 200);
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

/// An API version the org does not serve answers 404 NOT_FOUND on resources every version
/// has: the error points at SF_API_VERSION.
#[test]
fn an_unserved_api_version_is_named_in_the_error() {
    let org = sfrest_fake_org::FakeOrg::start();
    let sf = common::password_builder(&org)
        .api_version("99.0")
        .build()
        .unwrap();
    let err = sf.query("SELECT Id FROM Account").unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("404") && text.contains("SF_API_VERSION"),
        "{text}"
    );
    // A missing record of a served version is not about the version.
    let (_org, sf) = common::org_and_client();
    let text = sf
        .sobject("Account")
        .get("001000000000000AAA", &[])
        .unwrap_err()
        .to_string();
    assert!(!text.contains("SF_API_VERSION"), "{text}");
}
