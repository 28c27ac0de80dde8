//! What a script's `main` prints when it returns `Err`: the same text as `Display` (Salesforce's
//! multi-line messages intact, the caret under the right column), then the fields.
//!
//! This file is its own `main` (`harness = false` in Cargo.toml). Run without
//! `SFREST_MAIN_ERROR_CASE`, it runs itself once per case with the variable set, so that the
//! child's `main` really returns `Err` through the standard library, and compares what the child
//! wrote to stderr with the same error made here.

use std::process::{Command, Termination};

use sfrest::{Client, Error};
use sfrest_fake_org::FakeOrg;

const CASE: &str = "SFREST_MAIN_ERROR_CASE";

/// A misspelt field: Salesforce answers with the query line and a caret under `Nmae`.
const BAD_SOQL: &str = "SELECT Id, Nmae FROM Account";

fn wrong_password(org: &FakeOrg) -> Result<Client, Error> {
    let c = org.credentials();
    Client::builder()
        .login_url(org.login_url())
        .client_id(c.client_id)
        .client_secret(c.client_secret)
        .username(c.username)
        .password("not the password")
        .security_token(c.security_token)
        .build()
}

fn bad_query(org: &FakeOrg) -> Result<serde_json::Value, Error> {
    let c = org.credentials();
    let sf = Client::builder()
        .login_url(org.login_url())
        .client_id(c.client_id)
        .client_secret(c.client_secret)
        .username(c.username)
        .password(c.password)
        .security_token(c.security_token)
        .build()?;
    sf.query(BAD_SOQL)
}

fn main() -> Result<(), Error> {
    match std::env::var(CASE).as_deref() {
        Ok("login") => {
            wrong_password(&FakeOrg::start())?;
            Ok(())
        }
        Ok("soql") => {
            bad_query(&FakeOrg::start())?;
            Ok(())
        }
        Ok("boxed") => {
            // What `fn main() -> Result<(), Box<dyn std::error::Error>>` does with an Err.
            let boxed: Result<(), Box<dyn std::error::Error>> =
                bad_query(&FakeOrg::start()).map(drop).map_err(Into::into);
            let _ = boxed.report();
            std::process::exit(1);
        }
        Ok(other) => panic!("unknown case {other}"),
        Err(_) => {
            check_all();
            Ok(())
        }
    }
}

/// Runs this binary with `case` and returns its stderr, checking it failed.
fn run_case(case: &str) -> String {
    let me = std::env::current_exe().expect("the test binary's path");
    let out = Command::new(me)
        .env(CASE, case)
        .output()
        .expect("run the test binary again");
    assert!(!out.status.success(), "case {case} did not fail");
    String::from_utf8(out.stderr).expect("utf-8 stderr")
}

fn check_all() {
    let org = FakeOrg::start();

    // Login: the advice of Display, not only the fields.
    let expected = wrong_password(&org).unwrap_err();
    let stderr = run_case("login");
    assert_eq!(stderr, format!("Error: {expected:?}\n"));
    assert!(
        stderr.starts_with(&format!("Error: {expected}\n\ndetails: Auth {{")),
        "{stderr}"
    );
    assert!(
        stderr.contains("usual causes: the security token"),
        "{stderr}"
    );
    println!("login: ok");

    // SOQL: the message's lines are lines, and the caret is under the misspelt field.
    let expected = bad_query(&org).unwrap_err();
    let stderr = run_case("soql");
    assert_eq!(stderr, format!("Error: {expected:?}\n"));
    let message = stderr.split("\n\ndetails: ").next().unwrap();
    assert!(!message.contains("\\n"), "{message}");
    let lines: Vec<&str> = message.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim_end().ends_with(BAD_SOQL))
        .unwrap_or_else(|| panic!("no query line in {message}"));
    let caret = lines[at + 1];
    assert_eq!(caret.trim(), "^", "{message}");
    let column = caret.len() - 1;
    assert_eq!(&lines[at][column..column + 4], "Nmae", "{message}");
    println!("soql: ok");

    // Box<dyn Error> prints the same.
    assert_eq!(run_case("boxed"), stderr);
    println!("boxed: ok");
}
