//! Anonymous Apex over the wire (`GET tooling/executeAnonymous/?anonymousBody=...`): the
//! documented result object, member for member, whatever the block did.
mod common;

use common::*;
use sfrest_fake_org::{AnonymousApex, FakeOrg};

const PATH: &str = "/services/data/v66.0/tooling/executeAnonymous/";

#[test]
fn the_answer_is_the_documented_result_object() {
    let org = FakeOrg::start();
    let token = login(&org);
    let r = get(
        &org,
        &token,
        &format!("{PATH}?anonymousBody={}", enc("System.debug('hi');")),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.text(),
        r#"{"line":-1,"column":-1,"compiled":true,"success":true,"compileProblem":null,"exceptionStackTrace":null,"exceptionMessage":null}"#
    );

    org.anonymous_apex(|apex| {
        if apex.contains("throw") {
            AnonymousApex::Exception {
                line: 1,
                message: "System.NullPointerException: Attempt to de-reference a null object"
                    .into(),
            }
        } else {
            AnonymousApex::CompileError {
                line: 1,
                column: 9,
                problem: format!("Unexpected token '{}'.", apex.len()),
            }
        }
    });
    let r = get(
        &org,
        &token,
        &format!("{PATH}?anonymousBody={}", enc("Integer x")),
    );
    assert_eq!(
        r.text(),
        r#"{"line":1,"column":9,"compiled":false,"success":false,"compileProblem":"Unexpected token '9'.","exceptionStackTrace":null,"exceptionMessage":null}"#
    );
    let r = get(
        &org,
        &token,
        &format!("{PATH}?anonymousBody={}", enc("throw")),
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        r.text(),
        r#"{"line":1,"column":1,"compiled":true,"success":false,"compileProblem":null,"exceptionStackTrace":"AnonymousBlock: line 1, column 1","exceptionMessage":"System.NullPointerException: Attempt to de-reference a null object"}"#
    );
}

#[test]
fn only_get_runs_a_block_and_a_session_is_needed() {
    let org = FakeOrg::start();
    let token = login(&org);
    let r = send_json(&org, &token, "POST", PATH, "{}");
    assert_eq!(r.status, 405, "{}", r.text());
    assert_eq!(rest_error(&r).0, "METHOD_NOT_ALLOWED");
    let r = get(&org, "00Dbogus!token", &format!("{PATH}?anonymousBody=x"));
    assert_eq!(r.status, 401, "{}", r.text());
}
