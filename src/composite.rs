//! The Composite resource: up to 25 subrequests in one API call, later ones referring to the
//! results of earlier ones with `@{referenceId.field}`.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::Client;

/// The most subrequests one composite call takes.
pub const COMPOSITE_LIMIT: usize = 25;

/// One subrequest of [`Client::composite`].
#[derive(Clone, Debug, Serialize)]
pub struct Subrequest {
    method: &'static str,
    url: String,
    #[serde(rename = "referenceId")]
    reference_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<Value>,
}

impl Subrequest {
    /// A subrequest; `url` is absolute (`/services/data/v66.0/...`) or relative to the API
    /// version root like the other calls (`sobjects/Account`; under `tooling/` on a
    /// [`Client::tooling`] view).
    pub fn new(method: &'static str, reference_id: &str, url: &str, body: Option<Value>) -> Self {
        Subrequest {
            method,
            url: url.to_string(),
            reference_id: reference_id.to_string(),
            body,
        }
    }

    /// A GET subrequest.
    pub fn get(reference_id: &str, url: &str) -> Self {
        Self::new("GET", reference_id, url, None)
    }

    /// A POST subrequest, such as a new record.
    pub fn post(reference_id: &str, url: &str, body: Value) -> Self {
        Self::new("POST", reference_id, url, Some(body))
    }

    /// A PATCH subrequest.
    pub fn patch(reference_id: &str, url: &str, body: Value) -> Self {
        Self::new("PATCH", reference_id, url, Some(body))
    }

    /// A DELETE subrequest.
    pub fn delete(reference_id: &str, url: &str) -> Self {
        Self::new("DELETE", reference_id, url, None)
    }
}

/// One subresponse, in the order of the subrequests.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Subresponse {
    /// The subrequest's answer body (an error array when it failed).
    #[serde(default)]
    pub body: Value,
    /// Its HTTP status.
    #[serde(rename = "httpStatusCode")]
    pub status: u16,
    /// Its reference id.
    #[serde(rename = "referenceId")]
    pub reference_id: String,
    /// Its response headers.
    #[serde(rename = "httpHeaders", default)]
    pub headers: Value,
}

impl Client {
    /// Runs up to 25 subrequests in one API call, in the order given. With `all_or_none`, a
    /// failure rolls back every subrequest.
    ///
    /// The order holds because sfrest sends `collateSubrequests: false` (API 48.0 and later;
    /// earlier versions never reorder): by default (API 49.0 and later) Salesforce may run
    /// subrequests that do not refer to each other in any order, so that an update followed
    /// by a read of the same record could read the old value.
    ///
    /// ```no_run
    /// use serde_json::json;
    /// use sfrest::Subrequest;
    /// # let sf = sfrest::Client::from_env()?;
    /// let out = sf.composite(true, &[
    ///     Subrequest::post("acct", "sobjects/Account", json!({"Name": "Acme"})),
    ///     Subrequest::post("ct", "sobjects/Contact", json!({"LastName": "Lee", "AccountId": "@{acct.id}"})),
    /// ])?;
    /// assert_eq!(out[1].status, 201);
    /// # Ok::<_, sfrest::Error>(())
    /// ```
    pub fn composite(
        &self,
        all_or_none: bool,
        requests: &[Subrequest],
    ) -> Result<Vec<Subresponse>> {
        if requests.is_empty() || requests.len() > COMPOSITE_LIMIT {
            return Err(Error::InvalidArgument {
                message: format!(
                    "a composite call takes 1 to {COMPOSITE_LIMIT} subrequests, not {}",
                    requests.len()
                ),
            });
        }
        let prefix = self.version_root();
        let items: Vec<Subrequest> = requests
            .iter()
            .map(|r| {
                let mut r = r.clone();
                if !r.url.starts_with('/') {
                    r.url = format!("{prefix}{}", r.url);
                }
                r
            })
            .collect();
        let mut body = json!({"allOrNone": all_or_none, "compositeRequest": items});
        // The member exists from 48.0 on, and not in the Tooling API's composite.
        if !self.is_tooling() && crate::config::api_major(self.api_version()) >= Some(48) {
            body["collateSubrequests"] = Value::Bool(false);
        }
        let v = self.post("composite", &body)?;
        let out = v.get("compositeResponse").cloned().unwrap_or(Value::Null);
        serde_json::from_value(out)
            .map_err(|e| Error::json("cannot read the composite response", e))
    }
}
