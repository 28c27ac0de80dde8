//! Records against the fake org: sObject helpers, collections, composite, search, describe,
//! a failure part way, an unserved API version (queries are in `tests/queries.rs`).

mod common;

use common::{count_requests, org_and_client};
use serde_json::{json, Value};
use sfrest::{Error, Subrequest};

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
    org.clear_requests();
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
    // In the order given: Salesforce may reorder independent subrequests unless told not to.
    let sent: Value = serde_json::from_slice(&org.requests()[0].body).unwrap();
    assert_eq!(sent["collateSubrequests"], false, "{sent}");
    // The Tooling API's composite has no such member.
    org.clear_requests();
    sf.tooling()
        .composite(
            false,
            &[Subrequest::get("c", "query?q=SELECT+Id+FROM+ApexClass")],
        )
        .unwrap();
    let sent: Value = serde_json::from_slice(&org.requests()[0].body).unwrap();
    assert!(sent.get("collateSubrequests").is_none(), "{sent}");
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
