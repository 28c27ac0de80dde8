//! `changes_since`: the watermark file of an incremental job, against the fake org.

mod common;

use std::path::PathBuf;

use common::clock::{account_at, iso, ms_of, now_ms, this_minute, HOUR, MIN};
use serde_json::json;
use sfrest::Error;

/// A fresh directory for one test's watermark files.
fn dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sfrest-changes-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn the_first_run_covers_24_hours_and_the_next_starts_where_it_ended() {
    let (org, sf) = common::org_and_client();
    let acct = sf.sobject("Account");
    let wm = dir("first").join("account.watermark");
    let recent = account_at(&org, "Recent", now_ms() - 23 * HOUR);
    let old = account_at(&org, "Old", now_ms() - 25 * HOUR);
    let gone = account_at(&org, "Gone", now_ms() - 2 * HOUR);
    acct.delete(&gone).unwrap();
    assert!(org.backdate("Account", &gone, now_ms() - HOUR));

    let first = acct.changes_since(&wm).unwrap();
    assert!(first.updated.contains(&recent), "{first:?}");
    assert!(!first.updated.contains(&old));
    assert_eq!(first.deleted.len(), 1);
    assert_eq!(first.deleted[0].id, gone);
    let start = ms_of(&first.start);
    assert!(
        (now_ms() - 24 * HOUR - start).abs() < 2 * MIN,
        "{}",
        first.start
    );
    let covered = first.latest_date_covered.clone();
    assert!(!wm.exists(), "nothing is written before commit");
    first.commit().unwrap();
    let stored: serde_json::Value = serde_json::from_slice(&std::fs::read(&wm).unwrap()).unwrap();
    assert_eq!(stored["sobject"], "Account");
    assert_eq!(stored["latestDateCovered"], covered.as_str());
    let leftovers: Vec<_> = std::fs::read_dir(wm.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "no temporary file is left: {leftovers:?}"
    );

    let later = account_at(&org, "Later", ms_of(&covered) + 1_000);
    let second = acct.changes_since(&wm).unwrap();
    assert_eq!(second.start, covered);
    assert!(!second.updated.contains(&recent));
    assert!(second.deleted.is_empty());
    // A record saved after the first run's covered minute belongs to a later window (this
    // one, or the next when the clock has not reached a new minute yet).
    if ms_of(&second.latest_date_covered) > ms_of(&covered) + 1_000 {
        assert!(second.updated.contains(&later));
    } else {
        assert!(second.is_empty());
    }
}

#[test]
fn a_run_that_does_not_commit_sees_the_same_window_again() {
    let (org, sf) = common::org_and_client();
    let acct = sf.sobject("Account");
    let wm = dir("crash").join("account.watermark");
    let start = this_minute() - 3 * HOUR;
    let start_text = iso(start);
    acct.set_watermark(&wm, &start_text).unwrap();
    let a = account_at(&org, "A", start + 5 * MIN);
    let crashed = acct.changes_since(&wm).unwrap();
    assert!(crashed.updated.contains(&a));
    drop(crashed); // the job failed before commit
    let again = acct.changes_since(&wm).unwrap();
    assert_eq!(again.start, start_text);
    assert!(again.updated.contains(&a));
    again.commit().unwrap();
    let after = acct.changes_since(&wm).unwrap();
    assert!(!after.updated.contains(&a));
}

/// A record saved at the very end of a window and another a few seconds later, in the same
/// minute: the first run ends before that minute (Salesforce's latestDateCovered, held back
/// by a save still in progress), so the next run starts there and sees both.
#[test]
fn two_updates_in_the_minute_at_the_windows_edge_are_not_lost() {
    let (org, sf) = common::org_and_client();
    let acct = sf.sobject("Account");
    let wm = dir("edge").join("account.watermark");
    let edge = this_minute() - 10 * MIN;
    let a = account_at(&org, "A", edge + 10_000);
    org.hold_latest_date_covered(Some(edge + 30_000));
    let first = acct.changes_since(&wm).unwrap();
    assert!(!first.updated.contains(&a), "A is after the covered minute");
    assert_eq!(ms_of(&first.latest_date_covered), edge);
    first.commit().unwrap();

    let b = account_at(&org, "B", edge + 50_000);
    org.hold_latest_date_covered(None);
    let second = acct.changes_since(&wm).unwrap();
    assert_eq!(ms_of(&second.start), edge);
    assert!(second.updated.contains(&a), "{second:?}");
    assert!(second.updated.contains(&b), "{second:?}");
    second.commit().unwrap();
    let third = acct.changes_since(&wm).unwrap();
    assert!(!third.updated.contains(&a) && !third.updated.contains(&b));
}

#[test]
fn a_corrupt_or_foreign_watermark_is_an_error_naming_the_file() {
    let (_org, sf) = common::org_and_client();
    let acct = sf.sobject("Account");
    let d = dir("corrupt");
    for (name, text, needle) in [
        ("garbage.watermark", "not json at all", "not a watermark"),
        ("empty.watermark", "", "not a watermark"),
        (
            "contact.watermark",
            r#"{"sobject":"Contact","latestDateCovered":"2026-11-30T00:00:00.000+0000"}"#,
            "Contact",
        ),
        (
            "baddate.watermark",
            r#"{"sobject":"Account","latestDateCovered":"yesterday"}"#,
            "yesterday",
        ),
    ] {
        let path = d.join(name);
        std::fs::write(&path, text).unwrap();
        let err = acct.changes_since(&path).unwrap_err();
        assert!(matches!(err, Error::Watermark { .. }), "{err:?}");
        let shown = err.to_string();
        assert!(shown.contains(&path.display().to_string()), "{shown}");
        assert!(shown.contains(needle), "{shown}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            text,
            "left as it is"
        );
    }
    assert!(acct.set_watermark(d.join("x"), "soon").is_err());
}

#[test]
fn a_watermark_older_than_salesforce_keeps_needs_a_full_resync() {
    let (_org, sf) = common::org_and_client();
    let acct = sf.sobject("Account");
    let wm = dir("old").join("account.watermark");
    acct.set_watermark(&wm, &iso(now_ms() - 40 * 24 * HOUR))
        .unwrap();
    let err = acct.changes_since(&wm).unwrap_err();
    assert!(matches!(err, Error::ResyncNeeded { .. }), "{err:?}");
    assert!(err.to_string().contains("set_watermark"), "{err}");
}

#[test]
fn a_second_run_in_the_same_minute_leaves_no_gap() {
    let (_org, sf) = common::org_and_client();
    let acct = sf.sobject("Account");
    let wm = dir("twice").join("account.watermark");
    let first = acct.changes_since(&wm).unwrap();
    let covered = first.latest_date_covered.clone();
    first.commit().unwrap();
    let second = acct.changes_since(&wm).unwrap();
    assert_eq!(second.start, covered);
    assert!(ms_of(&second.latest_date_covered) >= ms_of(&covered));
}

#[test]
fn a_latest_date_covered_past_the_end_never_moves_the_watermark_ahead() {
    let (org, sf) = common::org_and_client();
    let acct = sf.sobject("Account");
    let wm = dir("ahead").join("account.watermark");
    let start = this_minute() - 2 * HOUR;
    acct.set_watermark(&wm, &iso(start)).unwrap();
    org.fail_next_on(
        "/services/data/",
        2, // the updated and the deleted call
        sfrest_fake_org::Fault::Json {
            status: 200,
            body: json!({
                "ids": [],
                "deletedRecords": [],
                "earliestDateAvailable": "2000-01-01T00:00:00.000+0000",
                "latestDateCovered": "2099-01-01T00:00:00.000+0000",
            }),
        },
    );
    let changes = acct.changes_since(&wm).unwrap();
    assert!(ms_of(&changes.latest_date_covered) <= now_ms());
    assert!(ms_of(&changes.latest_date_covered) > start);
}

/// A watermark far in the future (a local time written with `Z`, a wrong clock) would hide
/// every change until then: `set_watermark` refuses it, and `changes_since` refuses a file
/// that holds one.
#[test]
fn a_watermark_in_the_future_is_refused() {
    let (_org, sf) = common::org_and_client();
    let acct = sf.sobject("Account");
    let wm = dir("future").join("account.watermark");
    let err = acct.set_watermark(&wm, "2099-01-01T00:00:00Z").unwrap_err();
    assert!(
        matches!(err, sfrest::Error::InvalidArgument { .. }),
        "{err:?}"
    );
    assert!(!wm.exists());
    std::fs::write(
        &wm,
        r#"{"sobject":"Account","latestDateCovered":"2099-01-01T00:00:00.000+0000"}"#,
    )
    .unwrap();
    let err = acct.changes_since(&wm).unwrap_err();
    assert!(matches!(err, sfrest::Error::Watermark { .. }), "{err:?}");
    assert!(err.to_string().contains("in the future"), "{err}");

    // Half an hour ahead is a local time of UTC+01:00 written with `Z`: refused too. Two
    // minutes ahead is a clock a little fast: taken.
    let soon = |ms: i64| iso(now_ms() + ms);
    let err = acct.set_watermark(&wm, &soon(30 * 60_000)).unwrap_err();
    assert!(err.to_string().contains("in the future"), "{err}");
    acct.set_watermark(&wm, &soon(2 * 60_000)).unwrap();
}
