//! The replication API (`updated` / `deleted`) against the fake org: windows, offsets, the id
//! limit split, and the limits that call for a full resync.

mod common;

use common::clock::{account_at, iso, now_ms, past_minute, MIN};
use serde_json::json;
use sfrest::Error;
use sfrest_fake_org::Fault;

#[test]
fn updated_and_deleted_answer_with_salesforces_fields() {
    let (org, sf) = common::org_and_client();
    let acct = sf.sobject("Account");
    let m = past_minute(30);
    let a = account_at(&org, "A", m + 5_000);
    let b = account_at(&org, "B", m + 2 * MIN);
    let outside = account_at(&org, "Outside", m + 20 * MIN);
    let gone = acct.create(&json!({"Name": "Gone"})).unwrap();
    acct.delete(&gone).unwrap();
    assert!(org.backdate("Account", &gone, m + 3 * MIN + 7_000));

    let upd = acct.updated(&iso(m), &iso(m + 10 * MIN + 30_000)).unwrap();
    assert_eq!(upd.ids, vec![a.clone(), b.clone()]);
    assert!(!upd.ids.contains(&outside) && !upd.ids.contains(&gone));
    // Seconds are dropped: the window ends at the minute.
    assert_eq!(
        upd.latest_date_covered,
        iso(m + 10 * MIN).replace('Z', ".000+0000")
    );

    let del = acct.deleted(&iso(m), &iso(m + 10 * MIN)).unwrap();
    assert_eq!(del.records.len(), 1);
    assert_eq!(del.records[0].id, gone);
    assert_eq!(
        del.records[0].deleted_date,
        iso(m + 3 * MIN + 7_000).replace('Z', ".000+0000")
    );
    assert!(!del.earliest_date_available.is_empty());
    assert_eq!(
        del.latest_date_covered,
        iso(m + 10 * MIN).replace('Z', ".000+0000")
    );
}

#[test]
fn offsets_are_encoded_and_mean_the_same_instant() {
    let (org, sf) = common::org_and_client();
    let acct = sf.sobject("Account");
    let m = past_minute(120);
    let a = account_at(&org, "A", m + MIN);
    let utc = acct.updated(&iso(m), &iso(m + 5 * MIN)).unwrap();
    // The same window written in UTC+01:30: a '+' sent unencoded would arrive as a space.
    let shift = |ms: i64| iso(ms + 90 * MIN).replace('Z', "+01:30");
    org.clear_requests();
    let zoned = acct.updated(&shift(m), &shift(m + 5 * MIN)).unwrap();
    assert_eq!(zoned, utc);
    assert_eq!(zoned.ids, vec![a]);
    let sent = org.requests();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].query.contains("%2B01%3A30"), "{}", sent[0].query);
    assert!(sent[0].path.ends_with("/sobjects/Account/updated/"));
}

#[test]
fn a_window_over_the_id_limit_is_split_and_merged_in_order() {
    let (org, sf) = common::org_and_client();
    let acct = sf.sobject("Account");
    let m = past_minute(200);
    let ids: Vec<String> = (0..10)
        .map(|i| account_at(&org, &format!("N{i}"), m + i * 7 * MIN + 1_000))
        .collect();
    let gone: Vec<String> = ids[..6].to_vec();
    for (i, id) in gone.iter().enumerate() {
        acct.delete(id).unwrap();
        assert!(org.backdate("Account", id, m + i as i64 * 11 * MIN));
    }
    org.set_replication_id_limit(3);
    org.clear_requests();
    let upd = acct.updated(&iso(m), &iso(m + 90 * MIN)).unwrap();
    assert_eq!(upd.ids, ids[6..].to_vec());
    let del = acct.deleted(&iso(m), &iso(m + 90 * MIN)).unwrap();
    let del_ids: Vec<String> = del.records.iter().map(|r| r.id.clone()).collect();
    assert_eq!(del_ids, gone);
    assert_eq!(
        del.latest_date_covered,
        iso(m + 90 * MIN).replace('Z', ".000+0000")
    );
    assert!(
        org.requests().len() > 4,
        "the windows were split: {} calls",
        org.requests().len()
    );

    // Every id of the limit-sized org answers in one call again.
    org.set_replication_id_limit(600_000);
    org.clear_requests();
    assert_eq!(acct.updated(&iso(m), &iso(m + 90 * MIN)).unwrap(), upd);
    assert_eq!(org.requests().len(), 1);
}

#[test]
fn more_ids_in_one_minute_than_the_limit_is_a_clear_error() {
    let (org, sf) = common::org_and_client();
    let m = past_minute(50);
    for i in 0..3 {
        account_at(&org, &format!("Same{i}"), m + i * 1_000);
    }
    org.set_replication_id_limit(2);
    let err = sf
        .sobject("Account")
        .updated(&iso(m - 10 * MIN), &iso(m + 10 * MIN))
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
    assert!(
        text.contains("EXCEEDED_ID_LIMIT") && text.contains("minute"),
        "{text}"
    );
}

#[test]
fn a_start_salesforce_no_longer_covers_says_a_full_resync_is_needed() {
    let (org, sf) = common::org_and_client();
    let acct = sf.sobject("Account");
    let now = now_ms();
    for err in [
        acct.updated(&iso(now - 31 * 86_400_000), &iso(now))
            .unwrap_err(),
        acct.deleted(&iso(now - 16 * 86_400_000), &iso(now))
            .unwrap_err(),
    ] {
        assert!(matches!(err, Error::ResyncNeeded { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains("full resync") && text.contains("Account"),
            "{text}"
        );
        assert!(text.contains("INVALID_REPLICATION_DATE"), "{text}");
    }
    // 20 days back is fine for updated.
    acct.updated(&iso(now - 20 * 86_400_000), &iso(now))
        .unwrap();

    // The Recycle Bin emptied after the start: the delete log no longer reaches back.
    let start = iso(now - 3_600_000);
    acct.deleted(&start, &iso(now)).unwrap();
    org.empty_recycle_bin();
    let err = acct.deleted(&start, &iso(now)).unwrap_err();
    assert!(matches!(err, Error::ResyncNeeded { .. }), "{err:?}");
    assert!(err.to_string().contains("earliestDateAvailable"), "{err}");
}

#[test]
fn bad_times_are_refused_before_anything_is_sent() {
    let (org, sf) = common::org_and_client();
    let acct = sf.sobject("Account");
    org.clear_requests();
    for (start, end, needle) in [
        (
            "2026-11-30T00:00:00",
            "2026-12-01T00:00:00Z",
            "2026-11-30T00:00:00",
        ),
        ("2026-11-30T00:00:00Z", "tomorrow", "tomorrow"),
        (
            "2026-11-30T00:00:10Z",
            "2026-11-30T00:00:50Z",
            "a minute before",
        ),
        (
            "2026-12-01T00:00:00Z",
            "2026-11-30T00:00:00Z",
            "a minute before",
        ),
    ] {
        let err = acct.updated(start, end).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
        assert!(err.to_string().contains(needle), "{err}");
        assert!(acct.deleted(start, end).is_err());
    }
    assert!(org.requests().is_empty());
}

#[test]
fn an_answer_without_latest_date_covered_covers_the_window() {
    let (org, sf) = common::org_and_client();
    let m = past_minute(40);
    org.fail_next_on(
        "/services/data/",
        1,
        sfrest_fake_org::Fault::Json {
            status: 200,
            body: json!({"ids": ["001Hx000000G7DwIAK"], "latestDateCovered": null}),
        },
    );
    let upd = sf
        .sobject("Account")
        .updated(&iso(m), &iso(m + 5 * MIN + 20_000))
        .unwrap();
    assert_eq!(upd.ids, vec!["001Hx000000G7DwIAK".to_string()]);
    assert_eq!(upd.latest_date_covered, iso(m + 5 * MIN));
}

/// Both ends of a window are inclusive (Salesforce's "Polling for Changes": 12:30:00 to 12:35:00
/// "inclusive"), so when a window is split at a minute, a delete at that minute may come in
/// both halves: it is listed once. (The fake org's windows are half-open, so the three answers
/// are Salesforce's as that page describes them, given in turn.)
#[test]
fn a_delete_in_both_halves_of_a_split_window_is_listed_once() {
    let (org, sf) = common::org_and_client();
    let m = past_minute(200);
    let record =
        |id: &str, ms: i64| json!({"id": id, "deletedDate": iso(ms).replace('Z', ".000+0000")});
    let answer = |records: Vec<serde_json::Value>, covered: i64| Fault::Json {
        status: 200,
        body: json!({
            "deletedRecords": records,
            "earliestDateAvailable": iso(m - 60 * MIN).replace('Z', ".000+0000"),
            "latestDateCovered": iso(covered).replace('Z', ".000+0000"),
        }),
    };
    let path = "/services/data/v66.0/sobjects/Account/deleted";
    org.fail_next_on(
        path,
        1,
        Fault::Json {
            status: 400,
            body: json!([{"errorCode": "EXCEEDED_ID_LIMIT", "message": "The number of ids for the given time span exceeds 3"}]),
        },
    );
    let (a, b, c) = (
        "001Hx00000AAAAAAAA",
        "001Hx00000BBBBBBBB",
        "001Hx00000CCCCCCCC",
    );
    org.fail_next_on(
        path,
        1,
        answer(
            vec![record(a, m + MIN), record(b, m + 45 * MIN)],
            m + 45 * MIN,
        ),
    );
    org.fail_next_on(
        path,
        1,
        answer(
            vec![record(b, m + 45 * MIN), record(c, m + 80 * MIN)],
            m + 90 * MIN,
        ),
    );
    let del = sf
        .sobject("Account")
        .deleted(&iso(m), &iso(m + 90 * MIN))
        .unwrap();
    let ids: Vec<&str> = del.records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, [a, b, c]);
}
