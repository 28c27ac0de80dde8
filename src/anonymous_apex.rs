//! Anonymous Apex through the Tooling API (`tooling/executeAnonymous`): a block of Apex run
//! as the logged-in user, its failure an error.

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::request::Request;
use crate::Client;

/// The answer of `executeAnonymous`: always 200, the outcome in the body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Outcome {
    compiled: bool,
    success: bool,
    #[serde(default)]
    line: i64,
    #[serde(default)]
    column: i64,
    compile_problem: Option<String>,
    exception_message: Option<String>,
    exception_stack_trace: Option<String>,
}

impl Client {
    /// Runs a block of anonymous Apex as the logged-in user, as the Developer Console's
    /// Execute Anonymous does (`GET tooling/executeAnonymous/?anonymousBody=...`): `Ok` when
    /// it compiled and ran, [`Error::Apex`] when it did not compile or threw (Salesforce then
    /// rolls the whole block back). The REST call returns no debug log: write what you need to
    /// a record, or query `ApexLog` afterwards.
    ///
    /// The block travels in the URL, so keep it to a few kilobytes (Salesforce refuses long
    /// URLs); for more, deploy a class. It may change the org, so it is not made again after a
    /// transient failure unless writes are ([`ClientBuilder::retry_writes`](crate::ClientBuilder::retry_writes));
    /// the GET timeout applies ([`ClientBuilder::get_timeout`](crate::ClientBuilder::get_timeout),
    /// default 30 s).
    ///
    /// ```no_run
    /// # let sf = sfrest::Client::from_env()?;
    /// sf.execute_anonymous("Database.executeBatch(new NightlyCleanup(), 200);")?;
    /// # Ok::<_, sfrest::Error>(())
    /// ```
    pub fn execute_anonymous(&self, apex: &str) -> Result<()> {
        let tooling = self.tooling();
        let (reply, shown_path) = tooling.call(&Request {
            method: "GET",
            path: "executeAnonymous/",
            params: &[("anonymousBody", apex)],
            body: None,
            headers: &[],
            changes_org: true,
        })?;
        let value = crate::response::into_json("GET", &shown_path, &reply)?;
        let outcome: Outcome = serde_json::from_value(value).map_err(|e| {
            Error::json(
                format!("GET {shown_path}: the answer is not an executeAnonymous result"),
                e,
            )
        })?;
        if outcome.compiled && outcome.success {
            return Ok(());
        }
        let text = |s: Option<String>| crate::redact::text(s.unwrap_or_default().trim());
        let message = if outcome.compiled {
            text(outcome.exception_message)
        } else {
            text(outcome.compile_problem)
        };
        Err(Error::Apex {
            compiled: outcome.compiled,
            line: outcome.line,
            column: outcome.column,
            message,
            stack_trace: text(outcome.exception_stack_trace),
        })
    }
}
