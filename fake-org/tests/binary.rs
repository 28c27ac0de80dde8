//! The `sfrest-fake-org` binary: loads a schema and data, prints a `.env` block that logs in.
mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::*;

struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn binary_prints_an_env_block_that_logs_in() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let child = Command::new(env!("CARGO_BIN_EXE_sfrest-fake-org"))
        .args(["--schema", &format!("{dir}/tests/schema/")])
        .args(["--data", &format!("{dir}/tests/data/invoices.json")])
        .args(["--time-zone", "America/New_York", "--no-sample-data"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut child = Killed(child);
    let out = child.0.stdout.take().unwrap();
    let mut env = std::collections::HashMap::new();
    let mut printed = String::new();
    for line in BufReader::new(out).lines() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if let Some((k, v)) = line.split_once('=') {
            env.insert(k.to_owned(), v.trim_matches('\'').to_owned());
        }
        if line.starts_with("SF_SECURITY_TOKEN=") {
            break;
        }
    }
    assert!(printed.contains("Invoice__c (2)"), "{printed}");
    assert!(
        printed.contains("time zone:      America/New_York"),
        "{printed}"
    );
    let login = &env["SF_LOGIN_URL"];
    let password = format!("{}{}", env["SF_PASSWORD"], env["SF_SECURITY_TOKEN"]);
    let r = token_request(
        login,
        &[
            ("grant_type", "password"),
            ("client_id", &env["SF_CLIENT_ID"]),
            ("client_secret", &env["SF_CLIENT_SECRET"]),
            ("username", &env["SF_USERNAME"]),
            ("password", &password),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    let (instance, token) = (
        j["instance_url"].as_str().unwrap(),
        j["access_token"].as_str().unwrap(),
    );
    let auth = format!("Bearer {token}");
    let q = format!(
        "/services/data/v66.0/query?q={}",
        enc("SELECT Name FROM Invoice__c ORDER BY Name")
    );
    let r = request(instance, "GET", &q, &[("Authorization", &auth)], b"");
    assert_eq!(r.json()["records"][1]["Name"], "INV-2", "{}", r.text());
}

#[test]
fn binary_names_a_bad_file_and_exits_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_sfrest-fake-org"))
        .args(["--schema", "/nonexistent/schema"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/schema"), "{err}");
}
