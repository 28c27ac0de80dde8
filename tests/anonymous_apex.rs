//! Anonymous Apex (`Client::execute_anonymous`) against the fake org: the block arrives as
//! sent, a compile problem and an exception are errors that say so, and the call is not made
//! again on a transient failure unless writes are.

mod common;

use std::sync::{Arc, Mutex};

use common::{org_and_client, password_builder};
use sfrest::Error;
use sfrest_fake_org::{AnonymousApex, Fault};

/// Registers a handler answering `outcome` and keeping every block it was given.
fn recording(org: &sfrest_fake_org::FakeOrg, outcome: AnonymousApex) -> Arc<Mutex<Vec<String>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    org.anonymous_apex(move |apex| {
        log.lock().unwrap().push(apex.to_string());
        outcome.clone()
    });
    seen
}

#[test]
fn a_block_runs_as_sent() {
    let (org, sf) = org_and_client();
    let seen = recording(&org, AnonymousApex::Success);
    let apex = "Account a = new Account(Name = 'Zoë & Co + 1');\ninsert a; // 100% sure?";
    sf.execute_anonymous(apex).unwrap();
    // From a Tooling view too: the path is under tooling/ once, not twice.
    sf.tooling().execute_anonymous("System.debug(1);").unwrap();
    assert_eq!(*seen.lock().unwrap(), [apex, "System.debug(1);"]);
    let paths: Vec<String> = org
        .requests()
        .into_iter()
        .map(|r| r.path)
        .filter(|p| p.contains("executeAnonymous"))
        .collect();
    assert_eq!(
        paths, ["/services/data/v66.0/tooling/executeAnonymous/"; 2],
        "{paths:?}"
    );
}

#[test]
fn a_compile_problem_is_an_error_naming_its_place() {
    let (org, sf) = org_and_client();
    recording(
        &org,
        AnonymousApex::CompileError {
            line: 2,
            column: 13,
            problem: "Unexpected token 'x'.".into(),
        },
    );
    let e = sf
        .execute_anonymous("Integer i = 1;\nInteger j = x x;")
        .unwrap_err();
    match &e {
        Error::Apex {
            compiled: false,
            line: 2,
            column: 13,
            message,
            stack_trace,
        } => {
            assert_eq!(message, "Unexpected token 'x'.");
            assert!(stack_trace.is_empty(), "{stack_trace}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        e.to_string(),
        "anonymous Apex did not compile: line 2, column 13: Unexpected token 'x'."
    );
}

#[test]
fn an_exception_is_an_error_with_its_stack() {
    let (org, sf) = org_and_client();
    recording(
        &org,
        AnonymousApex::Exception {
            line: 3,
            message: "System.DmlException: Insert failed. REQUIRED_FIELD_MISSING".into(),
        },
    );
    let e = sf.execute_anonymous("insert new Account();").unwrap_err();
    assert!(
        matches!(
            &e,
            Error::Apex {
                compiled: true,
                line: 3,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "anonymous Apex threw System.DmlException: Insert failed. REQUIRED_FIELD_MISSING (AnonymousBlock: line 3, column 1) and was rolled back"
    );
}

#[test]
fn a_transient_failure_is_not_retried_unless_writes_are() {
    let path = "/services/data/v66.0/tooling/executeAnonymous";
    let (org, sf) = org_and_client();
    let seen = recording(&org, AnonymousApex::Success);
    org.fail_next_on(path, 1, Fault::Empty(503));
    let e = sf
        .execute_anonymous("delete [SELECT Id FROM Lead];")
        .unwrap_err();
    assert_eq!(e.status(), Some(503), "{e}");
    assert!(seen.lock().unwrap().is_empty());
    // An ordinary GET with the same fault is retried: the fault alone does not stop it.
    org.fail_next_on("/services/data/v66.0/limits", 1, Fault::Empty(503));
    sf.limits().unwrap();

    let sf = password_builder(&org).retry_writes(true).build().unwrap();
    org.fail_next_on(path, 1, Fault::Empty(503));
    sf.execute_anonymous("delete [SELECT Id FROM Lead];")
        .unwrap();
    assert_eq!(seen.lock().unwrap().len(), 1);
}
