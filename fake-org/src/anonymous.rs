//! Anonymous Apex, `GET tooling/executeAnonymous/?anonymousBody=...`: the fake org runs no
//! Apex, so a block is answered by the handler a test registers
//! ([`FakeOrg::anonymous_apex`](crate::FakeOrg::anonymous_apex)), and by default as compiled
//! and run. The answer is always 200 with the documented result object; a compile problem or
//! an exception is in the object, not in the status.

use std::sync::Arc;

use crate::ctx::Ctx;
use crate::response::Response;
use crate::value::json_str;

/// What a block of anonymous Apex did, as the fake org answers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnonymousApex {
    /// It compiled and ran: `compiled: true, success: true`.
    Success,
    /// It did not compile: `compiled: false` with where and why.
    CompileError {
        /// The line of the problem (from 1).
        line: i64,
        /// The column of the problem (from 1).
        column: i64,
        /// The compiler's message, such as `Unexpected token 'x'.`.
        problem: String,
    },
    /// It compiled, then threw: `success: false` with the exception and its stack.
    Exception {
        /// The line that threw (from 1).
        line: i64,
        /// The exception, such as `System.NullPointerException: Attempt to de-reference a null object`.
        message: String,
    },
}

/// The handler a test registered.
pub(crate) type Handler = Arc<dyn Fn(&str) -> AnonymousApex + Send + Sync>;

/// Answers `executeAnonymous`. A missing `anonymousBody` is taken as an empty block
/// (*inferred*: Salesforce's documentation does not say).
pub(crate) fn run(ctx: &Ctx) -> Response {
    let params = crate::form::parse_form(&ctx.req.query);
    let body = crate::form::param(&params, "anonymousBody").unwrap_or_default();
    let handler = crate::org::read(&ctx.org.anonymous_apex).clone();
    let outcome = match handler {
        Some(handler) => handler(body),
        None => AnonymousApex::Success,
    };
    Response::json(200, answer(&outcome))
}

/// The result object, members in the order Salesforce writes them (serde_json's map would
/// sort them).
fn answer(outcome: &AnonymousApex) -> Vec<u8> {
    let (line, column, compiled, success, problem, stack, message) = match outcome {
        AnonymousApex::Success => (-1, -1, true, true, None, None, None),
        AnonymousApex::CompileError {
            line,
            column,
            problem,
        } => (
            *line,
            *column,
            false,
            false,
            Some(json_str(problem)),
            None,
            None,
        ),
        AnonymousApex::Exception { line, message } => (
            *line,
            1,
            true,
            false,
            None,
            Some(json_str(&format!("AnonymousBlock: line {line}, column 1"))),
            Some(json_str(message)),
        ),
    };
    let null = || "null".to_string();
    format!(
        "{{\"line\":{line},\"column\":{column},\"compiled\":{compiled},\"success\":{success},\"compileProblem\":{},\"exceptionStackTrace\":{},\"exceptionMessage\":{}}}",
        problem.unwrap_or_else(null),
        stack.unwrap_or_else(null),
        message.unwrap_or_else(null),
    )
    .into_bytes()
}

impl crate::FakeOrg {
    /// Answers every block of anonymous Apex (`tooling/executeAnonymous`) with `handler`,
    /// which gets the block's text: the fake org runs no Apex, so this is how a test makes a
    /// block fail to compile or throw, and sees what its job sent. Without a handler every
    /// block compiles and runs.
    ///
    /// ```no_run
    /// use sfrest_fake_org::{AnonymousApex, FakeOrg};
    /// let org = FakeOrg::start();
    /// org.anonymous_apex(|apex| match apex.contains("Database.executeBatch") {
    ///     true => AnonymousApex::Success,
    ///     false => AnonymousApex::CompileError { line: 1, column: 1, problem: "Unexpected token.".into() },
    /// });
    /// ```
    pub fn anonymous_apex<F>(&self, handler: F)
    where
        F: Fn(&str) -> AnonymousApex + Send + Sync + 'static,
    {
        *crate::org::write(&self.org.anonymous_apex) = Some(Arc::new(handler));
    }
}
