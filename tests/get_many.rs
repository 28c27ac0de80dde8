//! `get_many`: records by id through sObject Collections retrieve (POST), against the fake org.

mod common;

use serde::Deserialize;
use serde_json::json;
use sfrest::Error;

#[test]
fn records_come_back_in_the_order_asked_with_none_for_missing_ones() {
    let (org, sf) = common::org_and_client();
    let acct = sf.sobject("Account");
    let a = acct
        .create(&json!({"Name": "Alpha", "Industry": "Energy"}))
        .unwrap();
    let b = acct.create(&json!({"Name": "Beta"})).unwrap();
    let gone = acct.create(&json!({"Name": "Gone"})).unwrap();
    acct.delete(&gone).unwrap();
    let contact = sf
        .sobject("Contact")
        .create(&json!({"LastName": "Other type"}))
        .unwrap();
    let never = format!("{}ZZZ", &a[..12]);
    let ids = vec![
        b.clone(),
        never.clone(),
        a[..15].to_string(), // the 15-character form
        gone,
        a.clone(), // a duplicate, answered again
        contact,
    ];
    org.clear_requests();
    let recs = acct.get_many(&ids, &["Name", "Industry"]).unwrap();
    assert_eq!(recs.len(), ids.len());
    assert_eq!(recs[0].as_ref().unwrap()["Name"], "Beta");
    assert!(recs[1].is_none());
    assert_eq!(recs[2].as_ref().unwrap()["Name"], "Alpha");
    assert_eq!(recs[2].as_ref().unwrap()["Industry"], "Energy");
    assert!(recs[3].is_none(), "a deleted record is not readable");
    assert_eq!(recs[4], recs[2]);
    assert!(recs[5].is_none(), "an id of another type");
    let sent = org.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, "POST");
    assert!(sent[0].path.ends_with("/composite/sobjects/Account"));
    let body: serde_json::Value = serde_json::from_slice(&sent[0].body).unwrap();
    assert_eq!(body["fields"], json!(["Name", "Industry"]));
    assert_eq!(body["ids"].as_array().unwrap().len(), 6);

    // &[&str] works as well as Vec<String>.
    let by_str = acct.get_many(&[a.as_str()], &[]).unwrap();
    assert_eq!(by_str[0].as_ref().unwrap()["Id"], a.as_str());
}

#[test]
fn many_ids_go_in_calls_of_at_most_2000() {
    let (org, sf) = common::org_and_client();
    let acct = sf.sobject("Account");
    org.seed_bulk("Account", 4_500);
    let ids: Vec<String> = sf
        .query_iter("SELECT Id FROM Account")
        .unwrap()
        .map(|r| r.unwrap()["Id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.len() >= 4_500);
    org.clear_requests();
    let recs = acct.get_many(&ids, &["Id", "Name"]).unwrap();
    assert_eq!(recs.len(), ids.len());
    for (id, rec) in ids.iter().zip(&recs) {
        assert_eq!(rec.as_ref().unwrap()["Id"], id.as_str());
    }
    let sizes: Vec<usize> = org
        .requests()
        .iter()
        .map(|r| {
            let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            v["ids"].as_array().unwrap().len()
        })
        .collect();
    assert_eq!(sizes.iter().sum::<usize>(), ids.len());
    assert!(sizes.iter().all(|&n| n <= 2000), "{sizes:?}");
    assert_eq!(sizes.len(), ids.len().div_ceil(2000));
}

#[test]
fn a_malformed_id_is_named_before_anything_is_sent() {
    let (org, sf) = common::org_and_client();
    let acct = sf.sobject("Account");
    let good = acct.create(&json!({"Name": "Good"})).unwrap();
    org.clear_requests();
    for bad in ["001abc", "001RO000003oLnnYAE'--", "001RO000003oLn-YAE", ""] {
        let err = acct.get_many(&[good.as_str(), bad], &["Name"]).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
        assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
    }
    assert!(org.requests().is_empty());
}

#[test]
fn an_unknown_field_fails_the_call_and_types_are_read() {
    let (_org, sf) = common::org_and_client();
    let acct = sf.sobject("Account");
    let a = acct
        .create(&json!({"Name": "Typed", "Industry": "Energy"}))
        .unwrap();
    let err = acct.get_many(&[a.as_str()], &["Nope__c"]).unwrap_err();
    assert_eq!(err.error_code(), Some("INVALID_FIELD"), "{err}");

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "PascalCase")]
    struct Account {
        name: String,
        industry: Option<String>,
    }
    let missing = format!("{}ZZZ", &a[..12]);
    let typed: Vec<Option<Account>> = acct
        .get_many_as(&[a.clone(), missing], &["Name", "Industry"])
        .unwrap();
    assert_eq!(
        typed,
        vec![
            Some(Account {
                name: "Typed".into(),
                industry: Some("Energy".into())
            }),
            None
        ]
    );
}

#[test]
fn a_retrieve_is_a_read_and_is_retried_on_a_transient_failure() {
    let (org, sf) = common::org_and_client();
    let acct = sf.sobject("Account");
    let a = acct.create(&json!({"Name": "Again"})).unwrap();
    org.fail_next_on(
        "/services/data/",
        1,
        sfrest_fake_org::Fault::MaintenanceHtml,
    );
    org.clear_requests();
    let recs = acct.get_many(&[a.as_str()], &["Name"]).unwrap();
    assert_eq!(recs[0].as_ref().unwrap()["Name"], "Again");
    assert_eq!(org.requests().len(), 2, "one failure, one retry");
}

/// With `retry_writes` on, a retrieve (a POST that reads) is retried by the call itself, as
/// often as `max_retries` says, not once more per retry on top.
#[test]
fn with_retry_writes_a_retrieve_is_retried_max_retries_times() {
    let org = sfrest_fake_org::FakeOrg::start();
    let sf = common::password_builder(&org)
        .retry_writes(true)
        .max_retries(1)
        .build()
        .unwrap();
    let path = "/services/data/v66.0/composite/sobjects/Account";
    org.fail_next_on(path, 10, sfrest_fake_org::Fault::MaintenanceHtml);
    org.clear_requests();
    let err = sf
        .sobject("Account")
        .get_many(&["001000000000000AAA"], &["Name"])
        .unwrap_err();
    assert!(err.is_retryable(), "{err}");
    let calls = org.requests().iter().filter(|r| r.path == path).count();
    assert_eq!(calls, 2, "one call, one retry");
}
