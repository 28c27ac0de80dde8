//! On the wire: the replication API, retrieve by POST, refresh-token rotation, identity and
//! userinfo, and per-app usage, as raw HTTP.

mod common;

use common::clock::{iso, this_minute};
use common::*;
use serde_json::json;
use sfrest_fake_org::FakeOrg;

const UPDATED: &str = "/services/data/v66.0/sobjects/Account/updated/";

#[test]
fn replication_windows_and_their_errors() {
    let org = FakeOrg::start();
    let token = login(&org);
    let recent = this_minute() - 3_600_000;
    let id = org.insert("Account", json!({"Name": "W"}));
    org.backdate("Account", &id, recent + 1_000);
    let start = iso(recent);
    let end = iso(recent + 120_000);
    let r = get(
        &org,
        &token,
        &format!("{UPDATED}?start={}&end={}", enc(&start), enc(&end)),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    assert_eq!(j["ids"], json!([id]));
    assert_eq!(
        j["latestDateCovered"],
        iso(recent + 120_000).replace('Z', ".000+0000")
    );

    // A '+' left unencoded arrives as a space: not a dateTime.
    let raw = start.replace('Z', "+00:00");
    let r = get(
        &org,
        &token,
        &format!("{UPDATED}?start={raw}&end={}", enc(&end)),
    );
    assert_eq!(r.status, 400);
    assert_eq!(rest_error(&r).0, "INVALID_REPLICATION_DATE");

    // start not before end (to the minute), too old, missing.
    for q in [
        format!("start={}&end={}", enc(&end), enc(&start)),
        format!(
            "start={}&end={}",
            enc(&iso(recent + 1_000)),
            enc(&iso(recent + 50_000))
        ),
        format!(
            "start={}&end={}",
            enc(&iso(recent - 31 * 86_400_000)),
            enc(&end)
        ),
    ] {
        let r = get(&org, &token, &format!("{UPDATED}?{q}"));
        assert_eq!(r.status, 400, "{q}");
        assert_eq!(rest_error(&r).0, "INVALID_REPLICATION_DATE", "{q}");
    }
    let r = get(&org, &token, &format!("{UPDATED}?end={}", enc(&end)));
    assert_eq!(rest_error(&r).0, "MISSING_ARGUMENT");

    // The id limit.
    org.set_replication_id_limit(0);
    let r = get(
        &org,
        &token,
        &format!("{UPDATED}?start={}&end={}", enc(&start), enc(&end)),
    );
    assert_eq!(r.status, 400);
    assert_eq!(rest_error(&r).0, "EXCEEDED_ID_LIMIT");

    // Deleted: 15 days back at most, and the answer's three fields.
    let deleted = UPDATED.replace("updated", "deleted");
    let r = get(
        &org,
        &token,
        &format!(
            "{deleted}?start={}&end={}",
            enc(&iso(recent - 16 * 86_400_000)),
            enc(&end)
        ),
    );
    assert_eq!(rest_error(&r).0, "INVALID_REPLICATION_DATE");
    org.set_replication_id_limit(10);
    let r = get(
        &org,
        &token,
        &format!("{deleted}?start={}&end={}", enc(&start), enc(&end)),
    );
    let j = r.json();
    assert_eq!(j["deletedRecords"], json!([]));
    assert!(j["earliestDateAvailable"].is_string() && j["latestDateCovered"].is_string());
}

#[test]
fn retrieve_by_post_answers_one_entry_per_id_in_order() {
    let org = FakeOrg::start();
    let token = login(&org);
    let a = org.insert("Account", json!({"Name": "A"}));
    let path = "/services/data/v66.0/composite/sobjects/Account";
    let body = json!({"ids": [a, "001000000000000AAA", a], "fields": ["id", "name"]});
    let r = send_json(&org, &token, "POST", path, &body.to_string());
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    assert_eq!(j[0]["Id"], a.as_str());
    assert_eq!(j[0]["Name"], "A");
    assert_eq!(j[0]["attributes"]["type"], "Account");
    assert!(j[1].is_null());
    assert_eq!(j[2], j[0]);

    let many: Vec<String> = (0..2001).map(|_| a.clone()).collect();
    let body = json!({"ids": many, "fields": ["Name"]});
    let r = send_json(&org, &token, "POST", path, &body.to_string());
    assert_eq!(r.status, 400);
    let body = json!({"ids": [a], "fields": ["Nope"]});
    let r = send_json(&org, &token, "POST", path, &body.to_string());
    assert_eq!(rest_error(&r).0, "INVALID_FIELD");
}

#[test]
fn rotation_spends_each_refresh_token_and_reuse_revokes_the_chain() {
    let org = FakeOrg::start();
    let c = org.credentials();
    org.set_refresh_token_rotation(true);
    let r0 = org.issue_refresh_token();
    let refresh = |t: &str| {
        token_request(
            &org.login_url(),
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &c.client_id),
                ("refresh_token", t),
            ],
        )
    };
    let first = refresh(&r0);
    assert_eq!(first.status, 200, "{}", first.text());
    let r1 = first.json()["refresh_token"].as_str().unwrap().to_owned();
    let access = first.json()["access_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r0);
    // The spent token again: refused, and its successor and session are revoked.
    let again = refresh(&r0);
    assert_eq!(again.status, 400);
    assert_eq!(
        again.json()["error_description"],
        "expired access/refresh token"
    );
    assert_eq!(refresh(&r1).status, 400);
    assert_eq!(
        get(&org, &access, "/services/data/v66.0/limits").status,
        401
    );

    // Without rotation: no refresh_token in the answer, the token stays valid.
    org.set_refresh_token_rotation(false);
    let r = org.issue_refresh_token();
    let answer = refresh(&r);
    assert!(answer.json().get("refresh_token").is_none());
    assert_eq!(refresh(&r).status, 200);
}

#[test]
fn identity_url_and_userinfo_need_the_bearer_token() {
    let org = FakeOrg::start();
    let c = org.credentials();
    let j = password_login(&org).json();
    let id_url = j["id"].as_str().unwrap().to_owned();
    let token = j["access_token"].as_str().unwrap().to_owned();
    let path = id_url.strip_prefix(&org.login_url()).unwrap().to_owned();
    let auth = format!("Bearer {token}");
    let r = request(
        &org.login_url(),
        "GET",
        &path,
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let me = r.json();
    assert_eq!(me["id"], id_url.as_str());
    assert_eq!(me["username"], c.username.as_str());
    assert!(me["urls"]["rest"].as_str().unwrap().contains("{version}"));
    let r = request(
        &org.login_url(),
        "GET",
        &format!("{path}?version=66.0"),
        &[("Authorization", &auth)],
        b"",
    );
    assert!(r.json()["urls"]["rest"]
        .as_str()
        .unwrap()
        .ends_with("/v66.0/"));
    let r = request(&org.login_url(), "GET", &path, &[], b"");
    assert_eq!(r.status, 403);
    let other = format!("/id/{}/005000000000000AAA", org.org_id());
    let r = request(
        &org.login_url(),
        "GET",
        &other,
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(r.status, 404);

    let r = request(
        &org.login_url(),
        "GET",
        "/services/oauth2/userinfo",
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["sub"], id_url.as_str());
    assert_eq!(r.json()["preferred_username"], c.username.as_str());
}

#[test]
fn per_app_usage_is_a_limit_info_entry() {
    let org = FakeOrg::start();
    let token = login(&org);
    let r = get(&org, &token, "/services/data/v66.0/limits");
    assert!(!r.header("sforce-limit-info").unwrap().contains("per-app"));
    org.set_app_api_usage(Some((4, 5, "my-app")));
    let r = get(&org, &token, "/services/data/v66.0/limits");
    let info = r.header("sforce-limit-info").unwrap().to_owned();
    assert!(info.starts_with("api-usage="), "{info}");
    assert!(
        info.ends_with("; per-app-api-usage=5/5(appName=my-app)"),
        "{info}"
    );
    let r = get(&org, &token, "/services/data/v66.0/limits");
    assert_eq!(r.status, 403);
    assert_eq!(rest_error(&r).0, "REQUEST_LIMIT_EXCEEDED");
}
