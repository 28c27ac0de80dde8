//! What a `*_many` write says of records whose call failed: refused by Salesforce (not saved,
//! `CALL_FAILED`) or sent with the answer lost (perhaps saved, `OUTCOME_UNKNOWN`); and ids and
//! external id values checked before anything is sent.

mod common;

use common::org_and_client;
use serde_json::{json, Value};
use sfrest::{Error, OUTCOME_UNKNOWN};
use sfrest_fake_org::Fault;

const COLLECTIONS: &str = "/services/data/v66.0/composite/sobjects";

fn accounts(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| json!({"Name": format!("Lost {i}")}))
        .collect()
}

#[test]
fn records_of_a_call_whose_answer_was_lost_may_have_been_saved() {
    let (org, sf) = org_and_client();
    // The first call is answered; the connection of the second closes without an answer,
    // after Salesforce had the request (it may have saved the records).
    let saved: Vec<Value> = (0..200)
        .map(|i| json!({"id": format!("001Hx{i:013}"), "success": true, "errors": []}))
        .collect();
    org.answer_in_turn_on(
        COLLECTIONS,
        vec![
            Fault::Json {
                status: 200,
                body: Value::Array(saved),
            },
            Fault::Close,
        ],
    );
    let err = sf
        .sobject("Account")
        .create_many(&accounts(600))
        .unwrap_err();
    org.clear_faults();
    let Error::Partial { results, .. } = &err else {
        panic!("{err:?}");
    };
    // The third call was never made: its records are after results.len().
    assert_eq!(results.len(), 400, "{err}");
    assert!(results[..200].iter().all(|r| r.success));
    for r in &results[200..] {
        assert!(!r.success);
        assert_eq!(r.errors[0].error_code, OUTCOME_UNKNOWN);
        assert!(
            r.errors[0].message.contains("may have been saved"),
            "{}",
            r.errors[0].message
        );
    }
}

#[test]
fn delete_many_checks_every_id_before_sending() {
    let (org, sf) = org_and_client();
    let a = sf
        .sobject("Account")
        .create(&json!({"Name": "Keep"}))
        .unwrap();
    org.clear_requests();
    let two_in_one = format!("{a},{a}");
    for bad in ["", " ", two_in_one.as_str()] {
        let e = sf.sobject("Account").delete_many(&[&a, bad]).unwrap_err();
        assert!(matches!(e, Error::InvalidArgument { .. }), "{e:?}");
        assert!(e.to_string().contains("number 2 of 2"), "{e}");
    }
    assert!(org.requests().is_empty(), "nothing was sent");
    assert!(sf.sobject("Account").get(&a, &["Name"]).is_ok());
}

#[test]
fn upsert_refuses_an_empty_external_id_value() {
    let (org, sf) = org_and_client();
    org.clear_requests();
    for (field, value) in [("Ext_Id__c", ""), ("Ext_Id__c", ".."), ("", "A-1")] {
        let e = sf
            .sobject("Account")
            .upsert(field, value, &json!({"Name": "X"}))
            .unwrap_err();
        assert!(
            matches!(e, Error::InvalidArgument { .. }),
            "{field} {value}: {e:?}"
        );
    }
    assert!(org.requests().is_empty(), "nothing was sent");
}
