//! Any call (`Client::request`), per-call and per-view headers, Apex REST, the Tooling API,
//! duplicate rules and conditional requests, against the fake org.

mod common;

use serde_json::json;
use sfrest::Error;
use sfrest_fake_org::{ApexError, ApexResponse, FakeOrg, RecordedRequest};

fn requests_to(org: &FakeOrg, path_start: &str) -> Vec<RecordedRequest> {
    org.requests()
        .into_iter()
        .filter(|r| r.path.starts_with(path_start))
        .collect()
}

#[test]
fn put_to_apex_rest_with_query_headers_and_json() {
    let (org, sf) = common::org_and_client();
    org.apex_rest("PUT", "/Invoices/*", |req| {
        let body = req.json()?;
        Ok(ApexResponse::json(&json!({
            "id": req.last_segment(),
            "mode": req.param("mode"),
            "request": req.header("x-request-id"),
            "amount": body["amount"],
        }))
        .header("ETag", "\"v7\""))
    });
    let resp = sf
        .request("put", "/services/apexrest/Invoices/42")
        .query("mode", "full & fast")
        .header("X-Request-Id", "job-7")
        .timeout(std::time::Duration::from_secs(20))
        .json(&json!({"amount": 12.5}))
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.header("etag"), Some("\"v7\""));
    let v = resp.json().unwrap();
    assert_eq!(
        v,
        json!({"id": "42", "mode": "full & fast", "request": "job-7", "amount": 12.5})
    );
    #[derive(serde::Deserialize)]
    struct Answer {
        id: String,
    }
    assert_eq!(resp.json_as::<Answer>().unwrap().id, "42");
    assert!(resp.text().unwrap().contains("\"id\":\"42\""));
    let sent = requests_to(&org, "/services/apexrest/");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, "PUT");
    assert_eq!(sent[0].header("x-request-id"), Some("job-7"));
    assert_eq!(sent[0].header("content-type"), Some("application/json"));
    assert!(sent[0].query.contains("mode=full"), "{}", sent[0].query);
}

#[test]
fn apex_rest_errors_are_api_errors() {
    let (org, sf) = common::org_and_client();
    org.apex_rest("GET", "/Invoices/*", |_| {
        Err(ApexError::exception(
            "System.NullPointerException",
            "Attempt to de-reference a null object",
        ))
    });
    org.apex_rest("POST", "/Invoices", |req| {
        req.json()?;
        Ok(ApexResponse::void())
    });
    org.apex_rest("PATCH", "/Invoices", |_| Ok(ApexResponse::void()));
    let e = sf
        .request("GET", "/services/apexrest/Invoices/1")
        .send()
        .unwrap_err();
    assert_eq!(e.status(), Some(500));
    assert_eq!(e.error_code(), Some("APEX_ERROR"));
    let text = e.to_string();
    assert!(
        text.starts_with("GET /services/apexrest/Invoices/1 failed with 500: APEX_ERROR:"),
        "{text}"
    );
    assert!(
        text.contains("System.NullPointerException: Attempt to de-reference a null object"),
        "{text}"
    );
    let e = sf
        .request("GET", "/services/apexrest/Missing")
        .send()
        .unwrap_err();
    assert_eq!(e.status(), Some(404));
    assert!(
        e.to_string()
            .contains("Could not find a match for URL /Missing"),
        "{e}"
    );
    let e = sf
        .request("DELETE", "/services/apexrest/Invoices")
        .send()
        .unwrap_err();
    assert_eq!(e.error_code(), Some("METHOD_NOT_ALLOWED"));
    let e = sf
        .request("POST", "/services/apexrest/Invoices")
        .bytes("application/json", b"{not json")
        .unwrap_err();
    assert_eq!(e.error_code(), Some("JSON_PARSER_ERROR"));
    let ok = sf
        .request("POST", "/services/apexrest/Invoices")
        .json(&json!({}))
        .unwrap();
    assert_eq!(
        (ok.status(), ok.json().unwrap()),
        (200, serde_json::Value::Null)
    );
    let ok = sf
        .request("PATCH", "/services/apexrest/Invoices")
        .json(&json!({}))
        .unwrap();
    assert_eq!(ok.status(), 204);
}

#[test]
fn bad_methods_and_headers_are_refused_before_sending() {
    let (org, sf) = common::org_and_client();
    org.clear_requests();
    let e = sf.request("TRACE", "sobjects/Account").send().unwrap_err();
    assert!(matches!(e, Error::InvalidArgument { .. }), "{e:?}");
    assert!(e.to_string().contains("\"TRACE\" is not a method"), "{e}");
    for (name, value, says) in [
        ("Authorization", "Bearer other", "set by sfrest"),
        ("host", "evil.example", "set by sfrest"),
        ("Content-Length", "0", "set by sfrest"),
        ("X-Id", "a\r\nAuthorization: Bearer x", "carriage return"),
        ("X-Id", "a\nb", "line feed"),
        ("Bad Name", "x", "not a valid header name"),
    ] {
        let e = sf
            .request("GET", "limits")
            .header(name, value)
            .send()
            .unwrap_err();
        assert!(e.to_string().contains(says), "{name}: {e}");
        let e = sf.with_header(name, value).limits().unwrap_err();
        assert!(e.to_string().contains(says), "{name}: {e}");
    }
    let e = sf
        .request("GET", "limits")
        .timeout(std::time::Duration::ZERO)
        .send()
        .unwrap_err();
    assert!(e.to_string().contains("not a usable timeout"), "{e}");
    assert!(org.requests().is_empty(), "nothing may be sent");
}

#[test]
fn any_body_kind_and_status() {
    let (org, sf) = common::org_and_client();
    org.apex_rest("POST", "/Echo", |req| {
        Ok(ApexResponse::body(
            req.header("content-type").unwrap_or("none"),
            req.body.clone(),
        )
        .status(201))
    });
    let r = sf
        .request("POST", "/services/apexrest/Echo")
        .bytes("text/csv", b"a,b\n1,2\n")
        .unwrap();
    assert_eq!((r.status(), r.bytes()), (201, &b"a,b\n1,2\n"[..]));
    assert_eq!(r.header("Content-Type"), Some("text/csv"));
    let big = vec![b'x'; 200_000];
    let r = sf
        .request("POST", "/services/apexrest/Echo")
        .bytes("application/octet-stream", &big)
        .unwrap();
    assert_eq!(r.bytes().len(), big.len());
    let last = requests_to(&org, "/services/apexrest/Echo").pop().unwrap();
    assert_eq!(last.header("content-encoding"), Some("gzip"));
    assert!(last.raw_body_len < 10_000);
    let r = sf
        .request("POST", "/services/apexrest/Echo")
        .reader("text/plain", &b"streamed body"[..])
        .unwrap();
    assert_eq!(r.text().unwrap(), "streamed body");
    let last = requests_to(&org, "/services/apexrest/Echo").pop().unwrap();
    assert_eq!(last.header("transfer-encoding"), Some("chunked"));
    // A plain REST call through request(): the usual errors.
    let e = sf
        .request("GET", "sobjects/Account/001000000000000AAA")
        .send()
        .unwrap_err();
    assert_eq!(e.status(), Some(404));
    assert!(
        e.to_string().starts_with(
            "GET /services/data/v66.0/sobjects/Account/001000000000000AAA failed with 404"
        ),
        "{e}"
    );
    let r = sf.request("HEAD", "limits").send().unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().is_empty());
}

#[test]
fn a_view_sends_its_headers_on_every_kind_of_call() {
    let (org, sf) = common::org_and_client();
    let lenient = sf
        .with_header("X-Job", "nightly")
        .with_header("Sforce-Duplicate-Rule-Header", "allowSave=true");
    for i in 0..250 {
        org.insert("Account", json!({"Name": format!("View {i:03}")}));
    }
    org.clear_requests();
    lenient.limits().unwrap();
    let all = lenient
        .query_all_with(
            "SELECT Id FROM Account WHERE Name LIKE 'View %'",
            &sfrest::QueryOptions::new().batch_size(200),
        )
        .unwrap();
    assert_eq!(all.len(), 250);
    let results = lenient
        .sobject("Account")
        .create_many(&[json!({"Name": "A"}), json!({"Name": "B"})])
        .unwrap();
    assert!(results.iter().all(|r| r.success));
    lenient
        .composite(false, &[sfrest::Subrequest::get("l", "limits")])
        .unwrap();
    lenient
        .request("GET", "limits")
        .header("x-job", "override")
        .send()
        .unwrap();
    let mut csv = Vec::new();
    lenient
        .bulk()
        .poll_interval(
            std::time::Duration::from_millis(10),
            std::time::Duration::from_millis(50),
        )
        .query("SELECT Id FROM Account LIMIT 3", &mut csv)
        .unwrap();
    let sent = org.requests();
    let paths: Vec<&str> = sent.iter().map(|r| r.path.as_str()).collect();
    assert!(
        paths.iter().any(|p| p.contains("/query/")),
        "a next page: {paths:?}"
    );
    assert!(paths.iter().any(|p| p.ends_with("/composite/sobjects")));
    assert!(paths.iter().any(|p| p.ends_with("/composite")));
    assert!(paths.iter().any(|p| p.contains("/jobs/query")));
    // Bulk's warm-up of its download connections (`GET /services/data/`, no session) is no
    // API call: it carries neither the token nor a view's headers.
    for r in sent.iter().filter(|r| r.path != "/services/data/") {
        let expected = if r.query.is_empty()
            && r.path.ends_with("/limits")
            && r.header("x-job") == Some("override")
        {
            "override"
        } else {
            "nightly"
        };
        assert_eq!(r.header("x-job"), Some(expected), "{} {}", r.method, r.path);
        assert_eq!(
            r.header("sforce-duplicate-rule-header"),
            Some("allowSave=true")
        );
    }
    // The view shares the session: no new login, and the plain client sends no extra header.
    assert_eq!(org.login_count(), 1);
    org.clear_requests();
    sf.limits().unwrap();
    assert_eq!(org.requests()[0].header("x-job"), None);
    assert!(format!("{lenient:?}").contains("X-Job"));
}

#[test]
fn tooling_queries_pages_and_records() {
    let (org, sf) = common::org_and_client();
    for i in 0..230 {
        org.insert(
            "ApexClass",
            json!({"Name": format!("Generated{i:03}"), "ApiVersion": 66.0, "Status": "Active"}),
        );
    }
    let tooling = sf.tooling();
    assert!(tooling.is_tooling() && !sf.is_tooling());
    let first = tooling
        .query("SELECT Id, Name FROM ApexClass WHERE Name = 'AccountService'")
        .unwrap();
    assert_eq!(first["size"], 1);
    assert_eq!(first["entityTypeName"], "ApexClass");
    assert!(first["records"][0]["attributes"]["url"]
        .as_str()
        .unwrap()
        .starts_with("/services/data/v66.0/tooling/sobjects/ApexClass/01p"));
    org.clear_requests();
    let all = tooling
        .query_all_with(
            "SELECT Id, Name FROM ApexClass WHERE Name LIKE 'Generated%'",
            &sfrest::QueryOptions::new().batch_size(200),
        )
        .unwrap();
    assert_eq!(all.len(), 230);
    let paths: Vec<String> = org.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths.len(), 2, "{paths:?}");
    assert!(
        paths[1].starts_with("/services/data/v66.0/tooling/query/01g"),
        "{paths:?}"
    );
    // Records through the tooling view.
    let classes = tooling.sobject("ApexClass");
    let id = classes
        .create(&json!({"Name": "Made", "Body": "public class Made {}"}))
        .unwrap();
    assert_eq!(classes.get(&id, &["Name"]).unwrap()["Name"], "Made");
    classes.update(&id, &json!({"Status": "Deleted"})).unwrap();
    classes.delete(&id).unwrap();
    let g = tooling.get("sobjects/ApexClass/describe", &[]).unwrap();
    assert_eq!(g["name"], "ApexClass");
    // Data objects are not Tooling objects.
    let e = tooling.query("SELECT Id FROM Account").unwrap_err();
    assert_eq!(e.error_code(), Some("INVALID_TYPE"));
    let paged: Vec<_> = tooling
        .query_iter("SELECT Name FROM ApexClass WHERE Name = 'InvoiceRest'")
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(paged.len(), 1);
    // Bulk from a tooling view uses the data API.
    let mut csv = Vec::new();
    tooling
        .bulk()
        .poll_interval(
            std::time::Duration::from_millis(10),
            std::time::Duration::from_millis(50),
        )
        .query("SELECT Id FROM Account LIMIT 1", &mut csv)
        .unwrap();
}

#[test]
fn duplicate_rules_block_unless_allow_save() {
    let (org, sf) = common::org_and_client();
    org.set_duplicate_rule("Lead", &["Email"]);
    let leads = sf.sobject("Lead");
    let lee = json!({"LastName": "Lee", "Company": "Acme", "Email": "lee@acme.example"});
    let first = leads.create(&lee).unwrap();
    let e = leads.create(&lee).unwrap_err();
    assert_eq!(e.status(), Some(400));
    assert_eq!(e.error_code(), Some("DUPLICATES_DETECTED"));
    let Error::Api { errors, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(errors[0].duplicate_ids(), vec![first.clone()]);
    let details = errors[0].duplicate_result.as_ref().unwrap();
    assert_eq!(details["duplicateRule"], "Standard_Lead_Duplicate_Rule");
    assert!(e.to_string().contains(&first), "{e}");
    // Collections report it per record.
    let results = leads.create_many(std::slice::from_ref(&lee)).unwrap();
    assert_eq!(results[0].errors[0].error_code, "DUPLICATES_DETECTED");
    // allowSave=true saves it, on a view and on one call.
    let lenient = sf.with_header("Sforce-Duplicate-Rule-Header", "allowSave=true");
    assert!(lenient.sobject("Lead").create(&lee).is_ok());
    assert!(
        lenient
            .sobject("Lead")
            .create_many(std::slice::from_ref(&lee))
            .unwrap()[0]
            .success
    );
    let r = sf
        .request("POST", "sobjects/Lead")
        .header(
            "Sforce-Duplicate-Rule-Header",
            "allowSave=true; includeRecordDetails=true",
        )
        .json(&lee)
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(org.count("Lead"), 4);
    org.clear_duplicate_rules();
    assert!(leads.create(&lee).is_ok());
}

#[test]
fn both_spellings_of_the_duplicate_details_are_read() {
    let raw = json!([{"duplicateResult": {"matchResults": [{"matchRecords": [{"record": {"Id": "00Q1"}}]}]},
                      "errorCode": "DUPLICATES_DETECTED", "message": "dup"}]);
    let errors: Vec<sfrest::ApiError> = serde_json::from_value(raw).unwrap();
    assert_eq!(errors[0].duplicate_ids(), vec!["00Q1".to_string()]);
    let raw = json!([{"duplicateResut": {"matchResults": [{"matchRecords": [{"record": {"Id": "00Q2"}}]}]},
                      "errorCode": "DUPLICATES_DETECTED", "message": "dup"}]);
    let errors: Vec<sfrest::ApiError> = serde_json::from_value(raw).unwrap();
    assert_eq!(errors[0].duplicate_ids(), vec!["00Q2".to_string()]);
}

#[test]
fn if_modified_since_answers_304_when_nothing_changed() {
    let (org, sf) = common::org_and_client();
    let id = org.insert("Account", json!({"Name": "Unchanged"}));
    let later = "Fri, 01 Jan 2100 00:00:00 GMT";
    let earlier = "Thu, 01 Jan 2015 00:00:00 GMT";
    let path = format!("sobjects/Account/{id}");
    let r = sf
        .request("GET", &path)
        .header("If-Modified-Since", later)
        .send()
        .unwrap();
    assert_eq!(r.status(), 304);
    assert_eq!(r.json().unwrap(), serde_json::Value::Null);
    let r = sf
        .request("GET", &path)
        .header("If-Modified-Since", earlier)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json().unwrap()["Name"], "Unchanged");
    let r = sf
        .request("GET", "sobjects/Account/describe")
        .header("If-Modified-Since", later)
        .send()
        .unwrap();
    assert_eq!(r.status(), 304);
    let mut out = Vec::new();
    let n = sf
        .request("GET", &path)
        .header("If-Modified-Since", later)
        .download(&mut out)
        .unwrap();
    assert_eq!((n, out.len()), (0, 0));
}
