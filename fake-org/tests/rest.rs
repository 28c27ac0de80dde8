mod common;

use common::*;
use serde_json::json;
use sfrest_fake_org::FakeOrg;

#[test]
fn versions_list_needs_no_auth() {
    let org = FakeOrg::start();
    let r = request(&org.instance_url(), "GET", "/services/data/", &[], b"");
    assert_eq!(r.status, 200);
    assert!(r.header("sforce-limit-info").is_none());
    let list = r.json();
    let list = list.as_array().unwrap();
    assert_eq!(list[0]["version"], "31.0");
    let last = list.last().unwrap();
    assert_eq!(
        last,
        &json!({"label": "Winter '27", "url": "/services/data/v68.0", "version": "68.0"})
    );
    let v66 = list.iter().find(|v| v["version"] == "66.0").unwrap();
    assert_eq!(v66["label"], "Spring '26");
    let v67 = list.iter().find(|v| v["version"] == "67.0").unwrap();
    assert_eq!(v67["label"], "Summer '26");
}

#[test]
fn unauthenticated_and_expired_sessions_get_401() {
    let org = FakeOrg::start();
    let r = request(
        &org.instance_url(),
        "GET",
        "/services/data/v66.0/query?q=SELECT+Id+FROM+Account",
        &[],
        b"",
    );
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json(),
        json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
    );
    assert!(r.header("sforce-limit-info").is_some());
    let r = get(&org, "00Dbogus!token", "/services/data/v66.0/limits");
    assert_eq!(rest_error(&r).0, "INVALID_SESSION_ID");
    let token = login(&org);
    assert_eq!(get(&org, &token, "/services/data/v66.0/limits").status, 200);
    org.expire_sessions();
    let r = get(&org, &token, "/services/data/v66.0/limits");
    assert_eq!(r.status, 401);
    assert_eq!(
        rest_error(&r),
        (
            "INVALID_SESSION_ID".into(),
            "Session expired or invalid".into()
        )
    );
    let fresh = login(&org);
    assert_eq!(get(&org, &fresh, "/services/data/v66.0/limits").status, 200);
}

#[test]
fn retired_and_unknown_versions() {
    let org = FakeOrg::start();
    let token = login(&org);
    let r = get(&org, &token, "/services/data/v29.0/limits");
    assert_eq!(r.status, 410);
    assert_eq!(rest_error(&r).0, "UNSUPPORTED_API_VERSION");
    let r = get(&org, &token, "/services/data/v99.0/limits");
    assert_eq!(r.status, 404);
    assert_eq!(
        rest_error(&r),
        (
            "NOT_FOUND".into(),
            "The requested resource does not exist".into()
        )
    );
    let r = get(&org, &token, "/services/data/v66.0/nothing/here");
    assert_eq!(rest_error(&r).0, "NOT_FOUND");
    let r = get(&org, &token, "/some/other/path");
    assert_eq!(r.status, 404);
}

#[test]
fn limit_info_counts_authenticated_calls() {
    let org = FakeOrg::start();
    let token = login(&org);
    org.set_api_usage(10, 12);
    let r = get(&org, &token, "/services/data/v66.0/limits");
    assert_eq!(r.header("sforce-limit-info"), Some("api-usage=11/12"));
    assert_eq!(
        r.json()["DailyApiRequests"],
        json!({"Max": 12, "Remaining": 1})
    );
    let r = get(
        &org,
        &token,
        "/services/data/v66.0/sobjects/Account/describe",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("sforce-limit-info"), Some("api-usage=12/12"));
    let r = get(&org, &token, "/services/data/v66.0/limits");
    assert_eq!(r.status, 403);
    assert_eq!(
        rest_error(&r),
        (
            "REQUEST_LIMIT_EXCEEDED".into(),
            "TotalRequests Limit exceeded.".into()
        )
    );
    // Unauthenticated calls are not counted.
    org.set_api_usage(0, 100);
    request(
        &org.instance_url(),
        "GET",
        "/services/data/v66.0/limits",
        &[],
        b"",
    );
    assert_eq!(org.api_usage(), (0, 100));
}

#[test]
fn crud_round_trip() {
    let org = FakeOrg::start();
    let token = login(&org);
    let before = org.count("Account");
    let r = send_json(
        &org,
        &token,
        "POST",
        "/services/data/v66.0/sobjects/Account/",
        r#"{"Name":"Round Trip Ltd","Industry":"Energy","NumberOfEmployees":42,"AnnualRevenue":1250000.5}"#,
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let j = r.json();
    assert_eq!(j["success"], true);
    assert_eq!(j["errors"], json!([]));
    let id = j["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("001") && id.len() == 18);
    // In Salesforce's order: id, errors, success.
    assert_eq!(
        r.text(),
        format!(r#"{{"id":"{id}","errors":[],"success":true}}"#)
    );
    assert_eq!(org.count("Account"), before + 1);

    let r = get(&org, &token, &format!("/services/data/v66.0/sobjects/Account/{id}?fields=Name,NumberOfEmployees,AnnualRevenue"));
    assert_eq!(r.status, 200);
    let text = r.text();
    assert!(text.starts_with(&format!("{{\"attributes\":{{\"type\":\"Account\",\"url\":\"/services/data/v66.0/sobjects/Account/{id}\"}}")), "{text}");
    assert_eq!(r.json()["NumberOfEmployees"], 42);
    assert_eq!(r.json()["AnnualRevenue"], 1250000.5);
    assert!(r.json().get("Industry").is_none());

    let r = send_json(
        &org,
        &token,
        "PATCH",
        &format!("/services/data/v66.0/sobjects/Account/{id}"),
        r#"{"Industry":"Retail","Phone":null}"#,
    );
    assert_eq!(r.status, 204);
    assert!(r.raw.is_empty());
    assert!(r.header("content-length").is_none());
    let rec = org.get_record("Account", &id).unwrap();
    assert_eq!(rec["Industry"], "Retail");
    assert_eq!(rec["IsDeleted"], false);

    // All fields without ?fields=, 15-character and lower-cased 18-character ids accepted.
    let r = get(
        &org,
        &token,
        &format!("/services/data/v66.0/sobjects/Account/{}", &id[..15]),
    );
    assert_eq!(r.json()["Industry"], "Retail");
    assert_eq!(r.json()["Id"], id.as_str());
    assert!(r.json()["CreatedDate"]
        .as_str()
        .unwrap()
        .ends_with(".000+0000"));
    let r = get(
        &org,
        &token,
        &format!(
            "/services/data/v66.0/sobjects/Account/{}",
            id.to_lowercase()
        ),
    );
    assert_eq!(r.status, 200);

    let url = format!("/services/data/v66.0/sobjects/Account/{id}");
    let r = request(
        &org.instance_url(),
        "DELETE",
        &url,
        &[("Authorization", &format!("Bearer {token}"))],
        b"",
    );
    assert_eq!(r.status, 204);
    assert_eq!(org.count("Account"), before);
    let r = get(&org, &token, &url);
    assert_eq!(r.status, 404);
    assert_eq!(rest_error(&r).0, "ENTITY_IS_DELETED");
    let auth = format!("Bearer {token}");
    let r = request(
        &org.instance_url(),
        "DELETE",
        &url,
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(
        (r.status, rest_error(&r).0.as_str()),
        (404, "ENTITY_IS_DELETED")
    );
    let r = send_json(&org, &token, "PATCH", &url, r#"{"Name":"Zombie"}"#);
    assert_eq!(
        (r.status, rest_error(&r).0.as_str()),
        (404, "ENTITY_IS_DELETED")
    );
    assert_eq!(org.get_record("Account", &id).unwrap()["IsDeleted"], true);
    let soql = format!("SELECT Id, IsDeleted FROM Account WHERE Id = '{id}'");
    assert_eq!(query(&org, &token, &soql).json()["totalSize"], 0);
    let r = get(
        &org,
        &token,
        &format!("/services/data/v66.0/queryAll?q={}", enc(&soql)),
    );
    assert_eq!(r.json()["totalSize"], 1);
    assert_eq!(r.json()["records"][0]["IsDeleted"], true);
}

/// A record in the recycle bin answers 404 `ENTITY_IS_DELETED` to a read, an update and a
/// second delete, with Salesforce's body; an id that never existed stays `NOT_FOUND`.
#[test]
fn a_deleted_record_says_it_is_deleted() {
    let org = FakeOrg::start();
    let token = login(&org);
    let id = org.insert("Account", json!({"Name": "Binned"}));
    let url = format!("/services/data/v66.0/sobjects/Account/{id}");
    assert_eq!(get(&org, &token, &url).status, 200);
    assert_eq!(send_json(&org, &token, "DELETE", &url, "").status, 204);

    let deleted =
        json!([{"errorCode": "ENTITY_IS_DELETED", "message": "entity is deleted", "fields": []}]);
    let r = get(&org, &token, &url);
    assert_eq!((r.status, r.json()), (404, deleted.clone()), "GET");
    let r = get(&org, &token, &format!("{url}?fields=Name"));
    assert_eq!((r.status, r.json()), (404, deleted.clone()), "GET ?fields=");
    let r = send_json(&org, &token, "PATCH", &url, r#"{"Name":"Zombie"}"#);
    assert_eq!((r.status, r.json()), (404, deleted.clone()), "PATCH");
    let r = send_json(&org, &token, "DELETE", &url, "");
    assert_eq!((r.status, r.json()), (404, deleted), "DELETE again");
    assert_eq!(org.get_record("Account", &id).unwrap()["Name"], "Binned");

    let never = "/services/data/v66.0/sobjects/Account/001000000000999AAA";
    let r = get(&org, &token, never);
    assert_eq!((r.status, rest_error(&r).0.as_str()), (404, "NOT_FOUND"));
}

#[test]
fn create_validation_errors() {
    let org = FakeOrg::start();
    let token = login(&org);
    let url = "/services/data/v66.0/sobjects/Account";
    let r = send_json(&org, &token, "POST", url, r#"{"Name":"X","Naem":"typo"}"#);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!([{"message": "No such column 'Naem' on sobject of type Account", "errorCode": "INVALID_FIELD", "fields": ["Naem"]}])
    );
    let r = send_json(&org, &token, "POST", url, r#"{"Industry":"Energy"}"#);
    assert_eq!(
        r.json(),
        json!([{"message": "Required fields are missing: [Name]", "errorCode": "REQUIRED_FIELD_MISSING", "fields": ["Name"]}])
    );
    let r = send_json(
        &org,
        &token,
        "POST",
        "/services/data/v66.0/sobjects/Opportunity",
        r#"{"Name":"Deal"}"#,
    );
    assert_eq!(
        rest_error(&r).1,
        "Required fields are missing: [StageName, CloseDate]"
    );
    let r = send_json(&org, &token, "POST", url, r#"{"Name": "x",}"#);
    assert_eq!(r.status, 400);
    assert_eq!(rest_error(&r).0, "JSON_PARSER_ERROR");
    let r = send_json(
        &org,
        &token,
        "POST",
        url,
        r#"{"Name":"X","IsDeleted":true}"#,
    );
    assert_eq!(rest_error(&r).0, "INVALID_FIELD_FOR_INSERT_UPDATE");
    let r = send_json(
        &org,
        &token,
        "POST",
        url,
        r#"{"Name":"X","NumberOfEmployees":"many"}"#,
    );
    let (code, msg) = rest_error(&r);
    assert_eq!(code, "JSON_PARSER_ERROR");
    assert!(msg.contains("VALUE_STRING value many"), "{msg}");
    let r = send_json(
        &org,
        &token,
        "POST",
        "/services/data/v66.0/sobjects/Contact",
        r#"{"LastName":"X","AccountId":"003Hx000004bAbcAAA"}"#,
    );
    assert_eq!(rest_error(&r).0, "FIELD_INTEGRITY_EXCEPTION");
    let r = send_json(
        &org,
        &token,
        "POST",
        url,
        r#"{"Name":"X","Ext_Id__c":"acme-0001"}"#,
    );
    assert_eq!(rest_error(&r).0, "DUPLICATE_VALUE");
    let r = send_json(
        &org,
        &token,
        "POST",
        "/services/data/v66.0/sobjects/Foo__c",
        r#"{"Name":"X"}"#,
    );
    assert_eq!(r.status, 404);
    assert_eq!(rest_error(&r).0, "NOT_FOUND");
}

#[test]
fn record_ids_are_checked() {
    let org = FakeOrg::start();
    let token = login(&org);
    let contact = org.insert("Contact", json!({"LastName": "Doe"}));
    let r = get(
        &org,
        &token,
        &format!("/services/data/v66.0/sobjects/Account/{contact}"),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!([{"fields": ["Id"], "message": format!("Account ID: id value of incorrect type: {contact}"), "errorCode": "MALFORMED_ID"}])
    );
    let r = get(
        &org,
        &token,
        "/services/data/v66.0/sobjects/Account/not-an-id",
    );
    assert_eq!(rest_error(&r).0, "MALFORMED_ID");
    // Right shape, no such record.
    let r = get(
        &org,
        &token,
        "/services/data/v66.0/sobjects/Account/001Hx00000ZZZZZ",
    );
    assert_eq!(r.status, 404);
    assert_eq!(
        rest_error(&r),
        (
            "NOT_FOUND".into(),
            "The requested resource does not exist".into()
        )
    );
    let r = send_json(
        &org,
        &token,
        "PUT",
        &format!("/services/data/v66.0/sobjects/Contact/{contact}"),
        "{}",
    );
    assert_eq!(r.status, 405);
    assert_eq!(rest_error(&r).0, "METHOD_NOT_ALLOWED");
}

#[test]
fn upsert_by_external_id() {
    let org = FakeOrg::start();
    let token = login(&org);
    let url = "/services/data/v66.0/sobjects/Account/Ext_Id__c/NEW-1";
    let r = send_json(&org, &token, "PATCH", url, r#"{"Name":"Upserted"}"#);
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["created"], true);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let r = send_json(&org, &token, "PATCH", url, r#"{"Name":"Upserted again"}"#);
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({"id": id, "success": true, "errors": [], "created": false})
    );
    assert_eq!(
        org.get_record("Account", &id).unwrap()["Name"],
        "Upserted again"
    );
    org.insert("Account", json!({"Name": "Dup A", "Ext_Id__c": "DUP"}));
    org.insert("Account", json!({"Name": "Dup B", "Ext_Id__c": "DUP"}));
    let r = send_json(
        &org,
        &token,
        "PATCH",
        "/services/data/v66.0/sobjects/Account/Ext_Id__c/DUP",
        r#"{"Name":"?"}"#,
    );
    assert_eq!(r.status, 300);
    assert_eq!(r.json().as_array().unwrap().len(), 2);
    let r = send_json(
        &org,
        &token,
        "PATCH",
        "/services/data/v66.0/sobjects/Account/Phone/123",
        r#"{"Name":"?"}"#,
    );
    assert_eq!(r.status, 404);
}

#[test]
fn describe_comes_from_the_schema() {
    let org = FakeOrg::start();
    let token = login(&org);
    let d = get(
        &org,
        &token,
        "/services/data/v66.0/sobjects/Contact/describe",
    )
    .json();
    let fields = d["fields"].as_array().unwrap();
    let account_id = fields.iter().find(|f| f["name"] == "AccountId").unwrap();
    assert_eq!(account_id["referenceTo"], json!(["Account"]));
    assert_eq!(account_id["relationshipName"], "Account");
    let last = fields.iter().find(|f| f["name"] == "LastName").unwrap();
    assert_eq!(last["nillable"], false);
    let g = get(&org, &token, "/services/data/v66.0/sobjects/").json();
    let names: Vec<&str> = g["sobjects"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["name"].as_str())
        .collect();
    for name in [
        "Account",
        "Contact",
        "Opportunity",
        "ContentVersion",
        "Document",
        "Lead",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
}
