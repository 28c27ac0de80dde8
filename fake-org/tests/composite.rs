mod common;

use common::*;
use serde_json::json;
use sfrest_fake_org::FakeOrg;

#[test]
fn collections_create_update_delete() {
    let org = FakeOrg::start();
    let token = login(&org);
    let before = org.count("Account");
    let body = json!({"allOrNone": false, "records": [
        {"attributes": {"type": "Account"}, "Name": "C1"},
        {"attributes": {"type": "Account"}, "Industry": "no name"},
        {"attributes": {"type": "Account"}, "Name": "C3"},
    ]});
    let r = send_json(
        &org,
        &token,
        "POST",
        "/services/data/v66.0/composite/sobjects",
        &body.to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let res = r.json();
    assert_eq!(res[0]["success"], true);
    assert_eq!(
        res[1],
        json!({"success": false, "errors": [{"statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [Name]", "fields": ["Name"]}]})
    );
    assert_eq!(res[2]["success"], true);
    assert_eq!(org.count("Account"), before + 2);
    let (id1, id3) = (
        res[0]["id"].as_str().unwrap().to_owned(),
        res[2]["id"].as_str().unwrap().to_owned(),
    );

    // All or none: nothing is created, the good ones say they were rolled back.
    let mut all = body.clone();
    all["allOrNone"] = json!(true);
    let r = send_json(
        &org,
        &token,
        "POST",
        "/services/data/v66.0/composite/sobjects",
        &all.to_string(),
    );
    let res = r.json();
    assert_eq!(
        res[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(res[1]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING");
    assert_eq!(org.count("Account"), before + 2);
    let q = query(
        &org,
        &token,
        "SELECT COUNT() FROM Account WHERE Name = 'C1'",
    );
    assert_eq!(q.json()["totalSize"], 1, "the rolled-back insert is gone");

    let upd = json!({"records": [{"attributes": {"type": "Account"}, "id": id1, "Industry": "Media"}, {"Id": id3, "Industry": "Media"}]});
    let r = send_json(
        &org,
        &token,
        "PATCH",
        "/services/data/v66.0/composite/sobjects",
        &upd.to_string(),
    );
    assert!(
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["success"] == true),
        "{}",
        r.text()
    );
    assert_eq!(
        org.get_record("Account", &id3).unwrap()["Industry"],
        "Media"
    );

    let auth = format!("Bearer {token}");
    let url = format!(
        "/services/data/v66.0/composite/sobjects?ids={id1},{id3},001Hx00000ZZZZZ&allOrNone=true"
    );
    let r = request(
        &org.instance_url(),
        "DELETE",
        &url,
        &[("Authorization", &auth)],
        b"",
    );
    let res = r.json();
    assert_eq!(
        res[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(org.count("Account"), before + 2, "rolled back");
    let url = format!("/services/data/v66.0/composite/sobjects?ids={id1},{id3}");
    let r = request(
        &org.instance_url(),
        "DELETE",
        &url,
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(
        r.json(),
        json!([{"id": id1, "success": true, "errors": []}, {"id": id3, "success": true, "errors": []}])
    );
    assert_eq!(org.count("Account"), before);

    let many: Vec<_> = (0..201)
        .map(|i| json!({"attributes": {"type": "Account"}, "Name": format!("N{i}")}))
        .collect();
    let r = send_json(
        &org,
        &token,
        "POST",
        "/services/data/v66.0/composite/sobjects",
        &json!({"records": many}).to_string(),
    );
    assert_eq!(r.status, 400);
    assert_eq!(rest_error(&r).0, "EXCEEDED_ID_LIMIT");
}

#[test]
fn collections_upsert_and_retrieve() {
    let org = FakeOrg::start();
    let token = login(&org);
    let body = json!({"records": [
        {"attributes": {"type": "Account"}, "Ext_Id__c": "ACME-0001", "Name": "Acme Renamed"},
        {"attributes": {"type": "Account"}, "Ext_Id__c": "U-NEW", "Name": "Brand New"},
    ]});
    let r = send_json(
        &org,
        &token,
        "PATCH",
        "/services/data/v66.0/composite/sobjects/Account/Ext_Id__c",
        &body.to_string(),
    );
    let res = r.json();
    assert_eq!(
        (res[0]["created"].clone(), res[1]["created"].clone()),
        (json!(false), json!(true)),
        "{res}"
    );
    let ids = format!(
        "{},{}",
        res[0]["id"].as_str().unwrap(),
        res[1]["id"].as_str().unwrap()
    );
    let r = get(
        &org,
        &token,
        &format!(
            "/services/data/v66.0/composite/sobjects/Account?ids={ids},001Hx00000ZZZZZ&fields=Name"
        ),
    );
    let got = r.json();
    assert_eq!(got[0]["Name"], "Acme Renamed");
    assert_eq!(got[1]["Name"], "Brand New");
    assert_eq!(got[2], serde_json::Value::Null);
}

#[test]
fn composite_references_and_rollback() {
    let org = FakeOrg::start();
    let token = login(&org);
    let body = json!({"allOrNone": true, "compositeRequest": [
        {"method": "POST", "url": "/services/data/v66.0/sobjects/Account", "referenceId": "acct", "body": {"Name": "Composite Parent"}},
        {"method": "POST", "url": "/services/data/v66.0/sobjects/Contact", "referenceId": "ct", "body": {"LastName": "Kid", "AccountId": "@{acct.id}"}},
        {"method": "GET", "url": "/services/data/v66.0/sobjects/Contact/@{ct.id}?fields=AccountId", "referenceId": "read"},
        {"method": "GET", "url": "/services/data/v66.0/query?q=SELECT+Id+FROM+Contact+WHERE+Id+%3D+'@{ct.id}'", "referenceId": "q"},
    ]});
    org.set_api_usage(0, 1000);
    let r = send_json(
        &org,
        &token,
        "POST",
        "/services/data/v66.0/composite",
        &body.to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(org.api_usage().0, 1, "one API call");
    let out = r.json()["compositeResponse"].clone();
    assert_eq!(out[0]["httpStatusCode"], 201);
    assert_eq!(out[0]["referenceId"], "acct");
    let acct = out[0]["body"]["id"].as_str().unwrap();
    assert_eq!(
        out[0]["httpHeaders"]["Location"],
        format!("/services/data/v66.0/sobjects/Account/{acct}")
    );
    assert_eq!(out[2]["body"]["AccountId"], acct);
    assert_eq!(out[3]["body"]["totalSize"], 1);

    let before = (org.count("Account"), org.count("Contact"));
    let body = json!({"allOrNone": true, "compositeRequest": [
        {"method": "POST", "url": "/services/data/v66.0/sobjects/Account", "referenceId": "a", "body": {"Name": "Doomed"}},
        {"method": "POST", "url": "/services/data/v66.0/sobjects/Contact", "referenceId": "c", "body": {"FirstName": "No last name"}},
        {"method": "GET", "url": "/services/data/v66.0/limits", "referenceId": "l"},
    ]});
    let out = send_json(
        &org,
        &token,
        "POST",
        "/services/data/v66.0/composite",
        &body.to_string(),
    )
    .json()["compositeResponse"]
        .clone();
    assert_eq!(out[0]["httpStatusCode"], 400);
    assert_eq!(out[0]["body"][0]["errorCode"], "PROCESSING_HALTED");
    assert_eq!(out[1]["body"][0]["errorCode"], "REQUIRED_FIELD_MISSING");
    assert_eq!(out[2]["body"][0]["errorCode"], "PROCESSING_HALTED");
    assert_eq!((org.count("Account"), org.count("Contact")), before);
    let r = query(
        &org,
        &token,
        "SELECT COUNT() FROM Account WHERE Name = 'Doomed'",
    );
    assert_eq!(r.json()["totalSize"], 0);
    let r = get(
        &org,
        &token,
        &format!(
            "/services/data/v66.0/queryAll?q={}",
            enc("SELECT Id FROM Account WHERE Name = 'Doomed'")
        ),
    );
    assert_eq!(
        r.json()["totalSize"],
        0,
        "a rolled-back insert is not even in queryAll"
    );

    let too_many: Vec<_> = (0..26).map(|i| json!({"method": "GET", "url": "/services/data/v66.0/limits", "referenceId": format!("r{i}")})).collect();
    let r = send_json(
        &org,
        &token,
        "POST",
        "/services/data/v66.0/composite",
        &json!({"compositeRequest": too_many}).to_string(),
    );
    assert_eq!(r.status, 400);
}

#[test]
fn sosl_search() {
    let org = FakeOrg::start();
    let token = login(&org);
    org.insert("Account", json!({"Name": "Zyxwv Searchable"}));
    let q = enc("FIND {zyxwv} IN NAME FIELDS RETURNING Account(Id, Name), Contact");
    let r = get(&org, &token, &format!("/services/data/v66.0/search?q={q}"));
    assert_eq!(r.status, 200, "{}", r.text());
    let recs = r.json()["searchRecords"].as_array().unwrap().clone();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0]["Name"], "Zyxwv Searchable");
    assert_eq!(recs[0]["attributes"]["type"], "Account");
    let q = enc("FIND {Smith} RETURNING Contact(Name WHERE FirstName = 'Ann' LIMIT 2)");
    let r = get(&org, &token, &format!("/services/data/v66.0/search?q={q}"));
    let recs = r.json()["searchRecords"].as_array().unwrap().clone();
    assert!(!recs.is_empty() && recs.len() <= 2);
    assert!(recs
        .iter()
        .all(|x| x["Name"].as_str().unwrap().starts_with("Ann ")));
    let r = get(
        &org,
        &token,
        &format!("/services/data/v66.0/search?q={}", enc("FIND zyxwv")),
    );
    assert_eq!(rest_error(&r).0, "MALFORMED_SEARCH");
}

/// A Composite request of one GET subrequest.
fn one_get(org: &FakeOrg, token: &str, url: &str) -> Resp {
    let body = json!({"compositeRequest": [{"method": "GET", "url": url, "referenceId": "r"}]});
    send_json(
        org,
        token,
        "POST",
        "/services/data/v66.0/composite",
        &body.to_string(),
    )
}

/// Each subresponse's body keeps the member order of the resource's own answer (a query page:
/// totalSize, done, records; a record: attributes first), not an alphabetical one.
#[test]
fn composite_bodies_keep_their_member_order() {
    let org = FakeOrg::start();
    let token = login(&org);
    let r = one_get(
        &org,
        &token,
        "/services/data/v66.0/query?q=SELECT+Name,Id+FROM+Account+LIMIT+1",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let text = r.text();
    let page = text.find("\"totalSize\"").expect("a page");
    assert!(page < text.find("\"done\"").unwrap(), "{text}");
    assert!(
        text.find("\"done\"").unwrap() < text.find("\"records\"").unwrap(),
        "{text}"
    );
    let record = text.find("\"attributes\"").unwrap();
    assert!(record < text.find("\"Name\"").unwrap(), "{text}");
    assert!(
        text.find("\"Name\"").unwrap() < text.find("\"Id\"").unwrap(),
        "{text}"
    );
    assert_eq!(r.json()["compositeResponse"][0]["httpStatusCode"], 200);
}

/// A subrequest to a retired API version gets the 410 a direct call gets.
#[test]
fn a_subrequest_to_a_retired_version_is_gone() {
    let org = FakeOrg::start();
    let token = login(&org);
    let r = one_get(&org, &token, "/services/data/v25.0/limits");
    let sub = &r.json()["compositeResponse"][0];
    assert_eq!(sub["httpStatusCode"], 410, "{sub}");
    assert_eq!(sub["body"][0]["errorCode"], "UNSUPPORTED_API_VERSION");
}
