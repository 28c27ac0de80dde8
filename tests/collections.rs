//! `*_many` writes with several sObject Collections calls at once (`SObject::concurrency`):
//! the calls overlap, results stay in input order, and a failed call is reported exactly.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::org_and_client;
use serde_json::{json, Value};
use sfrest::{Error, CALL_FAILED};
use sfrest_fake_org::Fault;

const COLLECTIONS: &str = "/services/data/v66.0/composite/sobjects";

fn accounts(tag: &str, n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| json!({"Name": format!("{tag} {i:04}")}))
        .collect()
}

#[test]
fn calls_at_once_overlap_and_keep_input_order() {
    let (org, sf) = org_and_client();
    // Each call waits 1 s at the org: four calls one after another take at least 4 s.
    org.delay(COLLECTIONS, Duration::from_secs(1));
    let records = accounts("Overlap", 800);
    let t = Instant::now();
    let results = sf
        .sobject("Account")
        .concurrency(4)
        .create_many(&records)
        .unwrap();
    let took = t.elapsed();
    org.delay(COLLECTIONS, Duration::ZERO);
    assert!(
        took < Duration::from_millis(3_500),
        "4 calls of 1 s at once took {took:?}"
    );
    assert_eq!(results.len(), 800);
    assert!(results.iter().all(|r| r.success), "{results:?}");
    // Each result is its own record's: read the names back by id.
    let ids: Vec<&str> = results.iter().map(|r| r.id.as_deref().unwrap()).collect();
    let names: HashMap<String, String> = sf
        .query_all("SELECT Id, Name FROM Account WHERE Name LIKE 'Overlap %'")
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                r["Id"].as_str().unwrap().to_string(),
                r["Name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(names[*id], format!("Overlap {i:04}"), "result {i}");
    }
    // Deletes at once too, in order.
    let deleted = sf
        .sobject("Account")
        .concurrency(3)
        .delete_many(&ids)
        .unwrap();
    assert_eq!(deleted.len(), 800);
    for (r, id) in deleted.iter().zip(&ids) {
        assert!(r.success);
        assert_eq!(r.id.as_deref(), Some(*id));
    }
}

#[test]
fn a_failed_call_among_calls_at_once_is_reported_record_by_record() {
    let (org, sf) = org_and_client();
    let before = org.count("Account");
    // Five calls, all started at once (each waits 1 s at the org, so all five are there
    // before the first is answered); the first answered fails as a whole.
    org.delay(COLLECTIONS, Duration::from_secs(1));
    org.fail_next_on(
        COLLECTIONS,
        1,
        Fault::Json {
            status: 500,
            body: json!([{"errorCode": "UNKNOWN_EXCEPTION", "message": "boom"}]),
        },
    );
    let records = accounts("Failing", 1_000);
    let err = sf
        .sobject("Account")
        .concurrency(5)
        .create_many(&records)
        .unwrap_err();
    org.delay(COLLECTIONS, Duration::ZERO);
    assert_eq!(
        org.count("Account"),
        before + 800,
        "four calls of five wrote"
    );
    let Error::Partial {
        results, source, ..
    } = &err
    else {
        panic!("unexpected {err:?}");
    };
    assert!(source.to_string().contains("UNKNOWN_EXCEPTION"), "{source}");
    assert_eq!(results.iter().filter(|r| r.success).count(), 800);
    // The failed call was the last one (its records are after results.len()) or one before
    // it, whose 200 records stand unsaved with CALL_FAILED.
    let unsaved: Vec<usize> = (0..results.len())
        .filter(|&i| !results[i].success)
        .collect();
    match results.len() {
        800 => assert!(unsaved.is_empty()),
        1_000 => {
            assert_eq!(unsaved.len(), 200);
            assert_eq!(unsaved[0] % 200, 0, "a whole call: {unsaved:?}");
            assert_eq!(unsaved[199], unsaved[0] + 199);
            for &i in &unsaved {
                let errors = &results[i].errors;
                assert_eq!(errors.len(), 1);
                assert_eq!(errors[0].error_code, CALL_FAILED);
                assert!(errors[0].message.contains("UNKNOWN_EXCEPTION"));
            }
        }
        n => panic!("{n} results"),
    }
    // The saved ones are the records they say they are.
    for (i, r) in results.iter().enumerate().filter(|(_, r)| r.success) {
        let rec = sf
            .sobject("Account")
            .get(r.id.as_deref().unwrap(), &["Name"])
            .unwrap();
        assert_eq!(rec["Name"], format!("Failing {i:04}"));
    }
}

#[test]
fn an_unserializable_record_stops_calls_at_once_before_anything_is_sent() {
    let (org, sf) = org_and_client();
    let before = org.count("Account");
    let mut records = accounts("Unsent", 450);
    records[250] = json!("not a record");
    let err = sf
        .sobject("Account")
        .concurrency(4)
        .create_many(&records)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
    assert_eq!(org.count("Account"), before);
}
