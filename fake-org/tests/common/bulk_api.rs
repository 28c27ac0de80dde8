//! Bulk API 2.0 over the wire for the tests: jobs created, fed, waited for and read as the
//! documented calls make them (`tests/bulk_ingest.rs`, `tests/bulk_query.rs`).

use serde_json::{json, Value};
use sfrest_fake_org::FakeOrg;

use super::*;

pub const V: &str = "/services/data/v66.0";

pub struct Api<'a> {
    pub org: &'a FakeOrg,
    pub auth: String,
}

impl Api<'_> {
    pub fn new(org: &FakeOrg) -> Api<'_> {
        let token = login(org);
        Api {
            org,
            auth: format!("Bearer {token}"),
        }
    }

    pub fn call(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        let mut h = vec![("Authorization", self.auth.as_str())];
        h.extend_from_slice(headers);
        request(
            &self.org.instance_url(),
            method,
            &format!("{V}/{path}"),
            &h,
            body,
        )
    }

    pub fn json(&self, method: &str, path: &str, body: Value) -> Resp {
        self.call(
            method,
            path,
            &[("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        )
    }

    pub fn get(&self, path: &str) -> Resp {
        self.call("GET", path, &[], b"")
    }

    pub fn create_ingest(&self, body: Value) -> String {
        let r = self.json("POST", "jobs/ingest", body);
        assert_eq!(r.status, 200, "{}", r.text());
        let info = r.json();
        assert_eq!(info["state"], "Open");
        info["id"].as_str().unwrap().to_owned()
    }

    pub fn upload(&self, id: &str, csv: &str) -> Resp {
        self.call(
            "PUT",
            &format!("jobs/ingest/{id}/batches"),
            &[("Content-Type", "text/csv")],
            csv.as_bytes(),
        )
    }

    pub fn close(&self, id: &str) -> Value {
        let r = self.json(
            "PATCH",
            &format!("jobs/ingest/{id}/"),
            json!({"state": "UploadComplete"}),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()
    }

    /// Polls until a final state; the states seen on the way.
    pub fn wait(&self, kind: &str, id: &str) -> (Vec<String>, Value) {
        let mut seen = Vec::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        while std::time::Instant::now() < deadline {
            let r = self.get(&format!("jobs/{kind}/{id}"));
            assert_eq!(r.status, 200, "{}", r.text());
            let info = r.json();
            let state = info["state"].as_str().unwrap().to_owned();
            seen.push(state.clone());
            if matches!(state.as_str(), "JobComplete" | "Failed" | "Aborted") {
                return (seen, info);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("job {id} never finished: {seen:?}");
    }

    /// Runs an ingest job to its end; its final info.
    pub fn ingest(&self, job: Value, csv: &str) -> (String, Value) {
        let id = self.create_ingest(job);
        assert_eq!(self.upload(&id, csv).status, 201);
        self.close(&id);
        let (_, info) = self.wait("ingest", &id);
        (id, info)
    }

    pub fn csv(&self, path: &str) -> String {
        let r = self.get(path);
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.header("content-type"), Some("text/csv"));
        r.text()
    }
}

/// Splits CSV text into records of fields (quoted fields may hold commas and newlines).
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', true) => quoted = false,
            ('"', false) => quoted = true,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && row.is_empty(),
        "CSV ends without a newline"
    );
    rows
}
