//! REST calls against the fake org: paths, headers, gzip, timeouts, limits and errors.

mod common;

use std::time::{Duration, Instant};

use common::{org_and_client, password_builder};
use serde_json::{json, Value};
use sfrest::Error;
use sfrest_fake_org::{FakeOrg, Fault};

#[test]
fn crud_round_trip_with_relative_and_absolute_paths() {
    let (org, sf) = org_and_client();
    let created = sf
        .post(
            "sobjects/Account",
            &json!({"Name": "Acme", "Industry": "Energy"}),
        )
        .unwrap();
    assert_eq!(created["success"], true);
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(org.get_record("Account", &id).unwrap()["Name"], "Acme");

    let path = format!("/services/data/v66.0/sobjects/Account/{id}");
    let rec = sf.get(&path, &[("fields", "Name,Industry")]).unwrap();
    assert_eq!(rec["Name"], "Acme");
    assert_eq!(rec["Industry"], "Energy");
    assert_eq!(rec["attributes"]["type"], "Account");

    assert_eq!(
        sf.patch(
            &format!("sobjects/Account/{id}"),
            &json!({"Name": "Acme 2"})
        )
        .unwrap(),
        Value::Null
    );
    assert_eq!(org.get_record("Account", &id).unwrap()["Name"], "Acme 2");
    // A full URL on the instance's own origin is fine too.
    let full = format!("{}{path}", sf.instance_url());
    assert_eq!(
        sf.get(&full, &[("fields", "Name")]).unwrap()["Name"],
        "Acme 2"
    );

    assert_eq!(
        sf.delete(&format!("sobjects/Account/{id}")).unwrap(),
        Value::Null
    );
    let err = sf.get(&path, &[]).unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.error_code(), Some("ENTITY_IS_DELETED"));
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "GET {path} failed with 404: ENTITY_IS_DELETED: entity is deleted"
        )),
        "{text}"
    );
}

#[test]
fn query_returns_one_page_as_salesforce_sends_it() {
    let (org, sf) = org_and_client();
    let page = sf
        .query("SELECT Account.Name, Name, CloseDate FROM Opportunity WHERE IsClosed = false ORDER BY CloseDate ASC LIMIT 10")
        .unwrap();
    let recs = page["records"].as_array().unwrap();
    assert!(!recs.is_empty() && recs.len() <= 10);
    assert_eq!(page["done"], true);
    let dates: Vec<&str> = recs
        .iter()
        .map(|r| r["CloseDate"].as_str().unwrap())
        .collect();
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted, "ORDER BY CloseDate ASC");

    org.seed_bulk("Account", 2500);
    let first = sf.query("SELECT Id, Name FROM Account").unwrap();
    assert_eq!(first["done"], false);
    assert_eq!(
        first["records"].as_array().unwrap().len(),
        2000,
        "default page fits the size limit"
    );
    let next = first["nextRecordsUrl"].as_str().unwrap();
    let second = sf.get(next, &[]).unwrap();
    let total = first["totalSize"].as_u64().unwrap() as usize;
    assert_eq!(2000 + second["records"].as_array().unwrap().len(), total);
    assert_eq!(second["done"], true);
}

#[test]
fn every_call_asks_for_gzip_and_says_who_it_is() {
    let (org, sf) = org_and_client();
    org.clear_requests();
    sf.query("SELECT Id FROM Account").unwrap();
    sf.post("sobjects/Contact", &json!({"LastName": "Lovelace"}))
        .unwrap();
    let reqs = org.requests();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        assert!(
            r.header("accept-encoding").unwrap_or("").contains("gzip"),
            "{r:?}"
        );
        assert_eq!(
            r.header("user-agent"),
            Some(concat!("sfrest/", env!("CARGO_PKG_VERSION")))
        );
        assert_eq!(r.header("sforce-call-options"), Some("client=sfrest"));
        assert!(r.header("authorization").unwrap().starts_with("Bearer "));
    }
    assert_eq!(sf.api_usage().map(|(_, max)| max), Some(100000));
}

#[test]
fn uncompressed_answers_are_accepted_too() {
    let (org, sf) = org_and_client();
    org.fail_next(
        1,
        Fault::Status {
            status: 200,
            content_type: "application/json".into(),
            body: r#"{"plain":true}"#.into(),
        },
    );
    assert_eq!(sf.get("limits", &[]).unwrap()["plain"], true);
}

#[test]
fn another_origin_never_gets_the_token() {
    let (org, sf) = org_and_client();
    org.clear_requests();
    for url in [
        format!("{}/services/data/v66.0/limits", org.login_url()),
        "https://evil.example.com/services/data/v66.0/limits".to_string(),
        sf.instance_url().replace("http://", "https://"),
    ] {
        let err = sf.get(&url, &[]).unwrap_err();
        assert!(matches!(err, Error::Refused { .. }), "{url}: {err:?}");
        assert!(err.to_string().contains("origin"), "{err}");
    }
    assert!(org.requests().is_empty(), "no byte was sent");
}

#[test]
fn get_timeout_covers_the_whole_call() {
    let org = FakeOrg::start();
    let sf = password_builder(&org)
        .get_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    org.delay("/services/data/v66.0/query", Duration::from_secs(3));
    let started = Instant::now();
    let err = sf.query("SELECT Id FROM Account").unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    match &err {
        Error::Timeout { method, after, .. } => {
            assert_eq!(*method, "GET");
            assert_eq!(*after, Duration::from_millis(300));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("timed out after 300 ms"), "{err}");
    assert!(err.is_retryable());
}

#[test]
fn write_and_login_timeouts_are_separate() {
    let org = FakeOrg::start();
    let sf = password_builder(&org)
        .get_timeout(Duration::from_secs(20))
        .write_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    org.delay("/services/data/v66.0/sobjects", Duration::from_secs(3));
    let started = Instant::now();
    let err = sf
        .post("sobjects/Account", &json!({"Name": "Slow"}))
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        matches!(err, Error::Timeout { method: "POST", .. }),
        "{err:?}"
    );

    org.delay("/services/oauth2/token", Duration::from_secs(3));
    let started = Instant::now();
    let err = password_builder(&org)
        .login_timeout(Duration::from_millis(300))
        .build()
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        matches!(err, Error::Timeout { method: "POST", ref path, .. } if path == "/services/oauth2/token"),
        "{err:?}"
    );
}

#[test]
fn response_size_is_limited() {
    let org = FakeOrg::start();
    org.seed_bulk("Account", 500);
    let sf = password_builder(&org)
        .max_response_size(10_000)
        .build()
        .unwrap();
    let err = sf.query("SELECT Id, Name FROM Account").unwrap_err();
    assert!(
        matches!(err, Error::BodyTooLarge { limit: 10_000, .. }),
        "{err:?}"
    );
}

#[test]
fn salesforce_errors_keep_code_message_and_fields() {
    let (_org, sf) = org_and_client();
    let err = sf
        .post("sobjects/Account", &json!({"Industry": "Energy"}))
        .unwrap_err();
    match &err {
        Error::Api {
            method,
            path,
            status,
            errors,
        } => {
            assert_eq!(
                (*method, path.as_str(), *status),
                ("POST", "/services/data/v66.0/sobjects/Account", 400)
            );
            assert_eq!(errors[0].error_code, "REQUIRED_FIELD_MISSING");
            assert_eq!(errors[0].fields, vec!["Name".to_string()]);
        }
        other => panic!("unexpected {other:?}"),
    }
    let err = sf.query("SELECT Naem FROM Account").unwrap_err();
    assert_eq!(err.error_code(), Some("INVALID_FIELD"));
    assert!(err.to_string().contains("Naem"), "{err}");
}

#[test]
fn html_empty_and_broken_bodies_become_clear_errors() {
    let org = FakeOrg::start();
    // Without retries, so that each fault is the answer (retries are tested in faults.rs).
    let sf = password_builder(&org).max_retries(0).build().unwrap();
    org.fail_next(1, Fault::MaintenanceHtml);
    let err = sf.get("limits", &[]).unwrap_err();
    match &err {
        Error::UnexpectedBody {
            status: 503,
            excerpt,
            ..
        } => {
            assert!(excerpt.to_lowercase().contains("maintenance"), "{excerpt}");
            assert!(!excerpt.contains('<'), "tags are stripped: {excerpt}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.is_retryable());

    org.fail_next(1, Fault::Empty(500));
    let err = sf.get("limits", &[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "GET /services/data/v66.0/limits answered 500 with an empty body"
    );

    org.fail_next(
        1,
        Fault::Status {
            status: 200,
            content_type: "application/json".into(),
            body: "{\"records\": [".into(),
        },
    );
    let err = sf.get("limits", &[]).unwrap_err();
    assert!(
        matches!(err, Error::UnexpectedBody { status: 200, .. }),
        "{err:?}"
    );

    org.fail_next(
        1,
        Fault::Json {
            status: 300,
            body: json!([
                "/services/data/v66.0/sobjects/Account/001A",
                "/services/data/v66.0/sobjects/Account/001B"
            ]),
        },
    );
    let err = sf
        .patch("sobjects/Account/Ext_Id__c/A-17", &json!({"Name": "x"}))
        .unwrap_err();
    assert!(
        matches!(&err, Error::MultipleChoices { urls, .. } if urls.len() == 2),
        "{err:?}"
    );
    assert!(err.to_string().contains("001B"), "{err}");
}

#[test]
fn connection_closed_is_a_transport_error() {
    let (org, sf) = org_and_client();
    org.fail_next(1, Fault::Close);
    let err = sf
        .post("sobjects/Account", &json!({"Name": "x"}))
        .unwrap_err();
    assert!(
        matches!(err, Error::Transport { method: "POST", .. }),
        "{err:?}"
    );
    // The client keeps working afterwards.
    sf.query("SELECT Id FROM Account LIMIT 1").unwrap();
}

#[test]
fn clones_share_one_session_across_threads() {
    let (org, sf) = org_and_client();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let sf = sf.clone();
            std::thread::spawn(move || {
                for _ in 0..25 {
                    sf.query("SELECT Id FROM Account LIMIT 1").unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(org.login_count(), 1);
    // The last header seen wins; after the threads, one more call sees every call so far.
    sf.query("SELECT Id FROM Account LIMIT 1").unwrap();
    let used = sf.api_usage().unwrap().0;
    assert!(used >= 101, "{used}");
}

#[test]
fn versions_list_is_reachable_without_a_version_prefix() {
    let (_org, sf) = org_and_client();
    let versions = sf.get("/services/data/", &[]).unwrap();
    let list = versions.as_array().unwrap();
    assert!(list.iter().any(|v| v["version"] == "66.0"));
}

#[test]
fn typed_get_reads_into_a_struct_or_says_why_not() {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Limits {
        daily_api_requests: Daily,
    }
    #[derive(serde::Deserialize, Debug)]
    #[serde(rename_all = "PascalCase")]
    struct Daily {
        max: u64,
    }
    let (org, sf) = org_and_client();
    org.set_api_usage(5, 15000);
    let l: Limits = sf.get_as("limits", &[]).unwrap();
    assert_eq!(l.daily_api_requests.max, 15000);
    let err = sf.get_as::<Daily>("limits", &[]).unwrap_err();
    assert!(matches!(err, Error::Json { .. }), "{err:?}");
    assert!(err.to_string().contains("GET limits"), "{err}");
}
