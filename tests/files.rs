//! Files down and up: blob fields streamed to a writer and uploaded as multipart from a
//! reader, and how transfers are bounded and retried, against the fake org.

mod common;

use std::io::Read;
use std::time::{Duration, Instant};

use serde_json::json;
use sfrest::Error;
use sfrest_fake_org::{FakeOrg, Fault};

/// Bytes that are not text and not all alike.
fn file_bytes(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
}

fn shared_folder(sf: &sfrest::Client) -> String {
    let f = sf
        .query("SELECT Id FROM Folder WHERE Name = 'Shared Documents'")
        .unwrap();
    f["records"][0]["Id"].as_str().unwrap().to_string()
}

#[test]
fn content_versions_go_up_as_multipart_and_come_down_as_bytes() {
    let (org, sf) = common::org_and_client();
    let account = org.insert("Account", json!({"Name": "Files Inc"}));
    let data = file_bytes(300_000);
    let files = sf.sobject("ContentVersion");
    let id = files
        .create_with_blob(
            &json!({"Title": "Q3 report", "PathOnClient": "q3.pdf", "FirstPublishLocationId": account}),
            "VersionData",
            "q3.pdf",
            &data[..],
        )
        .unwrap();
    assert!(id.starts_with("068"), "{id}");
    let sent = org
        .requests()
        .into_iter()
        .rfind(|r| r.path.ends_with("/sobjects/ContentVersion"))
        .unwrap();
    let ct = sent.header("content-type").unwrap();
    assert!(ct.starts_with("multipart/form-data; boundary="), "{ct}");
    assert_eq!(sent.header("transfer-encoding"), Some("chunked"));
    let body = String::from_utf8_lossy(&sent.body[..400]).into_owned();
    assert!(body.contains("name=\"entity_content\""), "{body}");
    assert!(
        body.contains("name=\"VersionData\"; filename=\"q3.pdf\""),
        "{body}"
    );

    let v = files
        .get(
            &id,
            &[
                "ContentDocumentId",
                "ContentSize",
                "FileExtension",
                "VersionData",
                "IsLatest",
            ],
        )
        .unwrap();
    assert_eq!(v["ContentSize"], 300_000);
    assert_eq!(v["FileExtension"], "pdf");
    assert_eq!(v["IsLatest"], true);
    let url = format!("/services/data/v66.0/sobjects/ContentVersion/{id}/VersionData");
    assert_eq!(v["VersionData"], url.as_str());
    let doc = v["ContentDocumentId"].as_str().unwrap().to_string();
    assert!(doc.starts_with("069"), "{doc}");

    let mut out = Vec::new();
    let n = files.download(&id, "VersionData", &mut out).unwrap();
    assert_eq!((n, out.len()), (300_000, 300_000));
    assert!(out == data, "downloaded bytes differ");
    assert_eq!(org.blob("ContentVersion", &id).unwrap(), data);
    // The URL a query gives works with request().download as well.
    let mut again = Vec::new();
    sf.request("GET", &url).download(&mut again).unwrap();
    assert!(again == data);

    // The file is linked to the account, and a second version joins the same document.
    let links = sf
        .query(&format!(
            "SELECT ContentDocumentId FROM ContentDocumentLink WHERE LinkedEntityId = '{account}'"
        ))
        .unwrap();
    assert_eq!(links["records"][0]["ContentDocumentId"], doc.as_str());
    let v2 = files
        .create_with_blob(
            &json!({"PathOnClient": "q3-final.pdf", "ContentDocumentId": doc, "ReasonForChange": "final"}),
            "VersionData",
            "q3-final.pdf",
            &b"final"[..],
        )
        .unwrap();
    let d = sf
        .sobject("ContentDocument")
        .get(&doc, &["LatestPublishedVersionId", "ContentSize"])
        .unwrap();
    assert_eq!(d["LatestPublishedVersionId"], v2.as_str());
    assert_eq!(d["ContentSize"], 5);
    assert_eq!(files.get(&id, &["IsLatest"]).unwrap()["IsLatest"], false);
    assert_eq!(
        files.get(&v2, &["VersionNumber", "Title"]).unwrap()["VersionNumber"],
        "2"
    );
}

#[test]
fn attachments_and_documents_too() {
    let (org, sf) = common::org_and_client();
    let account = org.insert("Account", json!({"Name": "Attach Co"}));
    let att = sf.sobject("Attachment");
    let id = att
        .create_with_blob(
            &json!({"ParentId": account, "Name": "notes.txt", "ContentType": "text/plain"}),
            "Body",
            "notes.txt",
            &b"some notes"[..],
        )
        .unwrap();
    let mut out = Vec::new();
    att.download(&id, "body", &mut out).unwrap();
    assert_eq!(out, b"some notes");
    assert_eq!(att.get(&id, &["BodyLength"]).unwrap()["BodyLength"], 10);

    let folder = shared_folder(&sf);
    let docs = sf.sobject("Document");
    let id = docs
        .create_with_blob(
            &json!({"FolderId": folder, "Name": "logo.png"}),
            "Body",
            "logo.png",
            &file_bytes(1000)[..],
        )
        .unwrap();
    let sent = org
        .requests()
        .into_iter()
        .rfind(|r| r.path.ends_with("/sobjects/Document"))
        .unwrap();
    assert!(String::from_utf8_lossy(&sent.body).contains("name=\"entity_document\""));
    docs.update_with_blob(
        &id,
        &json!({"Description": "v2"}),
        "Body",
        "logo.png",
        &b"new"[..],
    )
    .unwrap();
    let mut out = Vec::new();
    docs.download(&id, "Body", &mut out).unwrap();
    assert_eq!(out, b"new");
    let d = docs
        .get(&id, &["BodyLength", "Type", "Description"])
        .unwrap();
    assert_eq!(
        (d["BodyLength"].clone(), d["Type"].clone()),
        (json!(3), json!("png"))
    );

    // Errors are the usual ones.
    let e = att
        .create_with_blob(&json!({"Name": "x.txt"}), "Body", "x.txt", &b"x"[..])
        .unwrap_err();
    assert_eq!(e.error_code(), Some("REQUIRED_FIELD_MISSING"));
    let e = sf
        .sobject("ContentVersion")
        .create_with_blob(&json!({"Title": "no path"}), "VersionData", "a", &b"x"[..])
        .unwrap_err();
    assert!(e.to_string().contains("PathOnClient"), "{e}");
    let e = att
        .download("00P000000000000AAA", "Body", &mut Vec::new())
        .unwrap_err();
    assert_eq!((e.status(), e.error_code()), (Some(404), Some("NOT_FOUND")));
    let e = sf
        .sobject("ContentVersion")
        .create_with_blob(
            &json!({"PathOnClient": "a.txt"}),
            "Body",
            "a.txt",
            &b"x"[..],
        )
        .unwrap_err();
    assert_eq!(e.error_code(), Some("INVALID_FIELD"));
    let e = sf
        .sobject("ContentVersion")
        .create_with_blob(
            &json!(["not", "an", "object"]),
            "VersionData",
            "a",
            &b"x"[..],
        )
        .unwrap_err();
    assert!(matches!(e, Error::InvalidArgument { .. }), "{e:?}");
}

#[test]
fn a_base64_json_insert_is_downloadable_too() {
    let (_org, sf) = common::org_and_client();
    let id = sf
        .sobject("ContentVersion")
        .create(&json!({"PathOnClient": "hi.txt", "VersionData": "aGVsbG8gd29ybGQ="}))
        .unwrap();
    let mut out = Vec::new();
    sf.sobject("ContentVersion")
        .download(&id, "VersionData", &mut out)
        .unwrap();
    assert_eq!(out, b"hello world");
}

#[test]
fn a_file_that_cannot_be_read_is_an_io_error() {
    let (_org, sf) = common::org_and_client();
    struct Broken(usize);
    impl Read for Broken {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0 == 0 {
                return Err(std::io::Error::other("disk on fire"));
            }
            self.0 -= 1;
            buf[0] = b'x';
            Ok(1)
        }
    }
    let e = sf
        .sobject("ContentVersion")
        .create_with_blob(
            &json!({"PathOnClient": "a.bin"}),
            "VersionData",
            "a.bin",
            Broken(3),
        )
        .unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e:?}");
    assert!(e.to_string().contains("disk on fire"), "{e}");
    assert!(e.to_string().contains("reading a.bin"), "{e}");
}

#[test]
fn a_streamed_upload_is_never_retried_and_says_so() {
    let (org, sf) = common::org_and_client();
    org.fail_next_on(
        "/services/data/v66.0/sobjects/ContentVersion",
        1,
        Fault::MaintenanceHtml,
    );
    org.clear_requests();
    let e = sf
        .sobject("ContentVersion")
        .create_with_blob(
            &json!({"PathOnClient": "a.txt"}),
            "VersionData",
            "a.txt",
            &b"abc"[..],
        )
        .unwrap_err();
    assert!(matches!(e, Error::NotRetried { .. }), "{e:?}");
    assert!(e.is_retryable());
    assert_eq!(e.status(), Some(503));
    let text = e.to_string();
    assert!(
        text.contains("not retried") && text.contains("cannot be read twice"),
        "{text}"
    );
    assert_eq!(org.requests().len(), 1, "one attempt only");
    // The same through request().reader, and after an expired session.
    org.expire_sessions();
    let e = sf
        .request("POST", "/services/apexrest/Anything")
        .reader("text/plain", &b"abc"[..])
        .unwrap_err();
    assert!(matches!(e, Error::NotRetried { .. }), "{e:?}");
    assert!(e.to_string().contains("logged in again"), "{e}");
    assert_eq!(org.login_count(), 2);
    // A plain GET of the same client is retried as usual.
    org.fail_next_on("/services/data/v66.0/limits", 1, Fault::MaintenanceHtml);
    sf.limits().unwrap();
}

#[test]
fn a_download_is_retried_only_before_the_first_byte() {
    let (org, sf) = common::org_and_client();
    let id = sf
        .sobject("ContentVersion")
        .create_with_blob(
            &json!({"PathOnClient": "a.bin"}),
            "VersionData",
            "a.bin",
            &file_bytes(5000)[..],
        )
        .unwrap();
    let path = format!("/services/data/v66.0/sobjects/ContentVersion/{id}/VersionData");
    // Before the first byte: a 503 and a dropped connection are retried.
    org.fail_next_on(&path, 1, Fault::MaintenanceHtml);
    org.fail_next_on(&path, 1, Fault::Close);
    org.clear_requests();
    let mut out = Vec::new();
    let n = sf
        .sobject("ContentVersion")
        .download(&id, "VersionData", &mut out)
        .unwrap();
    assert_eq!(n, 5000);
    assert_eq!(org.requests().len(), 3);
    // After the first byte: not retried, and the error says how much was written.
    let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 5000\r\n\r\n";
    let mut raw = head.to_vec();
    raw.extend_from_slice(&[b'z'; 1000]);
    org.fail_next_on(&path, 1, Fault::Raw(raw));
    org.clear_requests();
    let mut out = Vec::new();
    let e = sf
        .sobject("ContentVersion")
        .download(&id, "VersionData", &mut out)
        .unwrap_err();
    assert!(matches!(e, Error::NotRetried { .. }), "{e:?}");
    assert!(
        e.to_string()
            .contains("1000 bytes of the answer were already written"),
        "{e}"
    );
    assert_eq!(out.len(), 1000);
    assert_eq!(org.requests().len(), 1);
    // After an expired session the download is made again, with a new login.
    org.expire_sessions();
    let mut out = Vec::new();
    sf.sobject("ContentVersion")
        .download(&id, "VersionData", &mut out)
        .unwrap();
    assert_eq!(out.len(), 5000);
}

/// A 200 answer whose body arrives one byte every `interval`.
fn trickle(len: usize, interval: Duration) -> Fault {
    Fault::Trickle {
        head: format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {len}\r\n\r\n"
        )
        .into_bytes(),
        body: vec![b'a'; len],
        interval,
    }
}

fn client_with(org: &FakeOrg, get: Duration, transfer: Duration) -> sfrest::Client {
    common::password_builder(org)
        .get_timeout(get)
        .transfer_timeout(transfer)
        .max_retries(0)
        .build()
        .unwrap()
}

#[test]
fn a_slow_download_outlives_the_get_timeout_within_the_transfer_bound() {
    let org = FakeOrg::start();
    let sf = client_with(&org, Duration::from_millis(1500), Duration::from_secs(60));
    // 24 bytes, 150 ms apart: 3.6 s in all, never silent for 1.5 s.
    org.fail_next_on(
        "/services/data/v66.0/sobjects/Attachment/",
        1,
        trickle(24, Duration::from_millis(150)),
    );
    let mut out = Vec::new();
    let started = Instant::now();
    let n = sf
        .request("GET", "sobjects/Attachment/00P000000000000AAA/Body")
        .download(&mut out)
        .unwrap();
    assert_eq!(n, 24);
    assert!(started.elapsed() > Duration::from_millis(1500));
}

/// A re-login (and any retry) spends the one transfer budget: the download that follows it
/// gets what is left, not a fresh bound.
#[test]
fn a_relogin_during_a_download_stays_within_the_transfer_bound() {
    let org = FakeOrg::start();
    let sf = client_with(&org, Duration::from_secs(5), Duration::from_secs(3));
    let path = "/services/data/v66.0/sobjects/Attachment/";
    org.fail_next_on(
        path,
        1,
        Fault::Json {
            status: 401,
            body: serde_json::json!([{"errorCode": "INVALID_SESSION_ID", "message": "Session expired or invalid"}]),
        },
    );
    // 100 bytes 50 ms apart: 5 s, never silent, longer than what the re-login leaves.
    org.fail_next_on(path, 1, trickle(100, Duration::from_millis(50)));
    org.delay("/services/oauth2/token", Duration::from_millis(1500));
    let started = Instant::now();
    let e = sf
        .request("GET", "sobjects/Attachment/00P000000000000AAA/Body")
        .download(&mut Vec::new())
        .unwrap_err();
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(3900),
        "{took:?}: past the 3 s bound"
    );
    assert!(
        matches!(e, Error::Timeout { after, .. } if after == Duration::from_secs(3)),
        "{e:?}"
    );
}

#[test]
fn a_stalled_download_ends_and_the_transfer_bound_holds() {
    let org = FakeOrg::start();
    let sf = client_with(&org, Duration::from_millis(400), Duration::from_secs(60));
    // A silence of 10 s: ended by the 400 ms bound on silences.
    org.fail_next_on(
        "/services/data/v66.0/sobjects/Attachment/",
        1,
        trickle(3, Duration::from_secs(10)),
    );
    let started = Instant::now();
    let e = sf
        .request("GET", "sobjects/Attachment/00P000000000000AAA/Body")
        .download(&mut Vec::new())
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert!(e.to_string().contains("timed out"), "{e}");
    assert!(e.is_retryable());
    // A steady trickle (never silent for 400 ms) longer than the transfer bound of 1.5 s.
    let sf = client_with(&org, Duration::from_secs(5), Duration::from_millis(1500));
    org.fail_next_on(
        "/services/data/v66.0/sobjects/Attachment/",
        1,
        trickle(100, Duration::from_millis(100)),
    );
    let started = Instant::now();
    let e = sf
        .request("GET", "sobjects/Attachment/00P000000000000AAA/Body")
        .download(&mut Vec::new())
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(e, Error::Timeout { after, .. } if after == Duration::from_millis(1500)),
        "{e:?}"
    );
    // No answer at all within the GET timeout.
    let sf = client_with(&org, Duration::from_millis(400), Duration::from_secs(60));
    org.delay(
        "/services/data/v66.0/sobjects/Attachment/",
        Duration::from_secs(10),
    );
    let started = Instant::now();
    let e = sf
        .request("GET", "sobjects/Attachment/00P000000000000AAA/Body")
        .download(&mut Vec::new())
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert!(e.to_string().contains("no answer"), "{e}");
}

/// A queried blob field is a URL in the version of the query, whatever version uploaded it.
#[test]
fn a_queried_blob_url_carries_the_version_of_the_query() {
    let (org, sf) = common::org_and_client();
    let id = sf
        .sobject("ContentVersion")
        .create_with_blob(
            &json!({"Title": "v", "PathOnClient": "v.txt"}),
            "VersionData",
            "v.txt",
            &b"hello"[..],
        )
        .unwrap();
    let older = common::password_builder(&org)
        .api_version("60.0")
        .build()
        .unwrap();
    let page = older
        .query(&format!(
            "SELECT VersionData FROM ContentVersion WHERE Id = '{id}'"
        ))
        .unwrap();
    let url = format!("/services/data/v60.0/sobjects/ContentVersion/{id}/VersionData");
    assert_eq!(page["records"][0]["VersionData"], url.as_str());
    // The same for a record read by id.
    let rec = older
        .sobject("ContentVersion")
        .get(&id, &["VersionData"])
        .unwrap();
    assert_eq!(rec["VersionData"], url.as_str());
}
