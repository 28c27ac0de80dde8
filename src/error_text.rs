//! How an [`Error`] reads: `Display` is the message for people (its `Debug`, in
//! `error_debug.rs`, is that same message, then the fields for a developer).

use std::fmt;
use std::time::Duration;

use crate::error::{ApiError, Error};

impl fmt::Display for ApiError {
    /// `CODE: message (fields: A, B)`. A message of several lines (a SOQL error with its caret
    /// under the query) starts on a line of its own, each line indented alike, so that the caret
    /// still points at the right column.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = self.message.trim_start_matches(['\n', '\r']).trim_end();
        if message.contains('\n') {
            write!(f, "{}:", self.error_code)?;
            for line in message.lines() {
                write!(f, "\n    {line}")?;
            }
            if !self.fields.is_empty() {
                write!(f, "\n    (fields: {})", self.fields.join(", "))?;
            }
            return Ok(());
        }
        write!(f, "{}: {}", self.error_code, message.trim_start())?;
        if !self.fields.is_empty() {
            write!(f, " (fields: {})", self.fields.join(", "))?;
        }
        let duplicates = self.duplicate_ids();
        if !duplicates.is_empty() {
            let rule = self.duplicate_result.as_ref().map(|d| &d["duplicateRule"]);
            match rule.and_then(serde_json::Value::as_str) {
                Some(rule) => write!(f, " (rule {rule} matched {})", duplicates.join(", "))?,
                None => write!(f, " (matched {})", duplicates.join(", "))?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::MissingConfig {
                flow,
                reason,
                missing,
            } => write!(
                f,
                "incomplete settings: the {flow} ({reason}) needs {}",
                missing.join(", ")
            ),
            Error::InvalidConfig { setting, message } => {
                write!(f, "invalid setting {}: {message}", Setting(setting))
            }
            Error::Auth {
                flow,
                status,
                error,
                description,
            } => {
                write!(
                    f,
                    "login failed ({flow}): {status} {error}: {description}"
                )?;
                if let Some(hint) = crate::flow::hint(*flow, error, description) {
                    write!(f, ". {hint}")?;
                }
                Ok(())
            }
            Error::Api {
                method,
                path,
                status,
                errors,
            } => {
                write!(f, "{method} {path} failed with {status}")?;
                for (i, e) in errors.iter().enumerate() {
                    f.write_str(if i == 0 { ": " } else { "; " })?;
                    write!(f, "{e}")?;
                }
                match errors.iter().find(|e| e.error_code == "REQUEST_LIMIT_EXCEEDED") {
                    Some(e) if e.is_concurrency_limit() => f.write_str(". too many calls are running at once in the org (a concurrent-request limit, not the daily one, often long-running calls of other integrations); a retry after a short wait may succeed")?,
                    Some(_) => f.write_str(". the org's daily API request limit is used up; retrying soon does not help: check usage with Client::limits() or Client::api_usage()")?,
                    None => {}
                }
                if let Some(version) = unserved_version(*status, errors, path) {
                    write!(f, ". Every API version has this resource: is {version} one this org serves (SF_API_VERSION)? GET /services/data/ lists them")?;
                }
                Ok(())
            }
            Error::MultipleChoices { method, path, urls } => write!(
                f,
                "{method} {path}: the external id matches {} records: {}",
                urls.len(),
                urls.join(", ")
            ),
            Error::UnexpectedBody {
                method,
                path,
                status,
                problem,
                excerpt,
            } => {
                write!(f, "{method} {path} answered {status} with {problem}")?;
                if !excerpt.is_empty() {
                    write!(f, ": \"{excerpt}\"")?;
                }
                Ok(())
            }
            Error::Timeout {
                method,
                path,
                origin,
                setting,
                after,
            } => write!(
                f,
                "{method} {path} on {} timed out after {} (the whole call, connect to last byte)",
                Where(origin, *setting),
                fmt_duration(*after)
            ),
            Error::BodyTooLarge {
                method,
                path,
                limit,
            } => write!(
                f,
                "{method} {path}: the response body is larger than the limit of {limit} bytes (raise it with max_response_size)"
            ),
            Error::Transport {
                method,
                path,
                origin,
                setting,
                message,
            } => write!(
                f,
                "{method} {path} on {} failed: {message}",
                Where(origin, *setting)
            ),
            Error::SessionExpired { method, path } => write!(
                f,
                "{method} {path}: the session is expired or invalid (INVALID_SESSION_ID: an old token, or one mistyped) and the access-token flow cannot log in again: set a fresh SF_ACCESS_TOKEN, or credentials for a flow that logs in (client credentials, JWT bearer, refresh token)"
            ),
            Error::Refused { url, reason } => write!(f, "refused to call {url}: {reason}"),
            Error::InvalidArgument { message } => write!(f, "invalid argument: {message}"),
            Error::Unexpected { message } => write!(f, "unexpected answer: {message}"),
            Error::Json { context, source } => write!(f, "{context}: {source}"),
            Error::Io { context, source } => write!(f, "{context}: {source}"),
            Error::NotRetried { reason, source } => write!(f, "{source} (not retried: {reason})"),
            Error::Partial {
                results,
                job_ids,
                source,
            } => {
                write!(f, "{source}")?;
                if !results.is_empty() {
                    let ok = results.iter().filter(|r| r.success).count();
                    write!(
                        f,
                        "; before that, {} records were processed ({ok} saved): their results are in Error::Partial",
                        results.len()
                    )?;
                }
                if !job_ids.is_empty() {
                    write!(
                        f,
                        "; bulk jobs {} were already uploaded and keep running (re-attach with bulk.jobs(&ids))",
                        job_ids.join(", ")
                    )?;
                }
                Ok(())
            }
            Error::JobFailed { id, state, message } => {
                write!(f, "bulk job {id} ended {state}")?;
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            Error::ResyncNeeded {
                sobject,
                start,
                reason,
            } => write!(
                f,
                "{sobject} changes since {start} are no longer available ({reason}): a full resync is needed: read every {sobject} record again (a Bulk API query), then record when that read started with set_watermark and run changes_since from there"
            ),
            Error::Apex {
                compiled: false,
                line,
                column,
                message,
                ..
            } => write!(
                f,
                "anonymous Apex did not compile: line {line}, column {column}: {message}"
            ),
            Error::Apex {
                message,
                stack_trace,
                ..
            } => {
                write!(f, "anonymous Apex threw {message}")?;
                if !stack_trace.is_empty() {
                    write!(f, " ({})", stack_trace.trim_end())?;
                }
                f.write_str(" and was rolled back")
            }
            Error::Watermark { path, problem } => write!(
                f,
                "watermark file {}: {problem} (it is left as it is: fix it, or delete it to start again from the last 24 hours)",
                path.display()
            ),
            Error::JobTimeout { ids, query, after } => write!(
                f,
                "bulk job {} still running after {}: it keeps running in the org; re-attach later with {} and wait again",
                ids.join(", "),
                fmt_duration(*after),
                resume(ids, *query),
            ),
            Error::JobWait { ids, query, source } => write!(
                f,
                "waiting for bulk job {} stopped: {source}; the job keeps running in the org: re-attach with {} and wait again",
                ids.join(", "),
                resume(ids, *query),
            ),
        }
    }
}

/// The call that re-attaches to these jobs.
fn resume(ids: &[String], query: bool) -> String {
    let first = ids.first().map(String::as_str).unwrap_or_default();
    if query {
        format!("bulk.query_job(\"{first}\")")
    } else if ids.len() == 1 {
        format!("bulk.job(\"{first}\")")
    } else {
        "bulk.jobs(&ids)".to_string()
    }
}

/// An origin and where it came from: `https://x.my.salesforce.com (SF_INSTANCE_URL or
/// ClientBuilder::instance_url)`.
struct Where<'a>(&'a str, Option<&'static str>);

impl fmt::Display for Where<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(setting) => write!(f, "{} ({})", self.0, Setting(setting)),
            None => write!(f, "{} (the instance URL the login returned)", self.0),
        }
    }
}

/// A setting by both of its names, the variable and the builder method that sets it
/// (`SF_LOGIN_URL or ClientBuilder::login_url`), since a client may be built either way.
/// Names that are not variables (`env file`) are written as they are.
struct Setting<'a>(&'a str);

impl fmt::Display for Setting<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match builder_method(self.0) {
            Some(method) => write!(f, "{} or ClientBuilder::{method}", self.0),
            None => f.write_str(self.0),
        }
    }
}

/// The `ClientBuilder` method that sets the variable `name`.
fn builder_method(name: &str) -> Option<&'static str> {
    Some(match name {
        "SF_LOGIN_URL" => "login_url",
        "SF_INSTANCE_URL" => "instance_url",
        "SF_API_VERSION" => "api_version",
        "SF_AUTH_FLOW" => "auth_flow",
        "SF_CA_FILE" => "ca_file",
        "SF_PRIVATE_KEY_FILE" => "private_key_file",
        "SF_JWT_AUDIENCE" => "jwt_audience",
        "SF_TOKEN_CACHE" => "token_cache",
        _ => return None,
    })
}

pub(crate) fn fmt_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// The version of a 404 NOT_FOUND on a resource that every API version has (`query`,
/// `queryAll`, `limits`, `composite`, `jobs/query`, `jobs/ingest`): most likely a version the
/// org does not serve.
fn unserved_version<'p>(status: u16, errors: &[crate::ApiError], path: &'p str) -> Option<&'p str> {
    if status != 404 || !errors.iter().any(|e| e.error_code == "NOT_FOUND") {
        return None;
    }
    let rest = path.strip_prefix("/services/data/")?;
    let (version, resource) = rest.split_once('/')?;
    let resource = resource
        .split('?')
        .next()
        .unwrap_or("")
        .trim_end_matches('/');
    (version.starts_with('v')
        && matches!(
            resource,
            "query" | "queryAll" | "limits" | "composite" | "jobs/query" | "jobs/ingest"
        ))
    .then_some(version)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// What Salesforce sends for a misspelt field: the query line, a caret under the bad token.
    pub(crate) fn soql_error() -> Error {
        Error::Api {
            method: "GET",
            path: "/services/data/v66.0/query".into(),
            status: 400,
            errors: vec![ApiError {
                error_code: "INVALID_FIELD".into(),
                message: "\nSELECT Id, Nmae FROM Account\n           ^\nERROR at Row:1:Column:12\nNo such column 'Nmae' on entity 'Account'.".into(),
                fields: vec![],
                duplicate_result: None,
            }],
        }
    }

    #[test]
    fn a_setting_is_named_by_its_variable_and_its_builder_method() {
        let e = Error::InvalidConfig {
            setting: "SF_LOGIN_URL",
            message: "login.salesforce.com is not a URL".into(),
        };
        assert_eq!(
            e.to_string(),
            "invalid setting SF_LOGIN_URL or ClientBuilder::login_url: login.salesforce.com is not a URL"
        );
        let e = Error::Timeout {
            method: "GET",
            path: "/services/data/v66.0/limits".into(),
            origin: "https://x.my.salesforce.com".into(),
            setting: Some("SF_INSTANCE_URL"),
            after: Duration::from_secs(30),
        };
        assert!(
            e.to_string().contains(
                "https://x.my.salesforce.com (SF_INSTANCE_URL or ClientBuilder::instance_url)"
            ),
            "{e}"
        );
        // A name that is not a variable is written as it is.
        let e = Error::InvalidConfig {
            setting: "env file",
            message: "x".into(),
        };
        assert_eq!(e.to_string(), "invalid setting env file: x");
    }

    #[test]
    fn a_caret_keeps_pointing_at_its_column() {
        let text = soql_error().to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "GET /services/data/v66.0/query failed with 400: INVALID_FIELD:"
        );
        let query = lines[1];
        let caret = lines[2];
        assert!(query.ends_with("SELECT Id, Nmae FROM Account"), "{text}");
        assert_eq!(caret.trim(), "^", "{text}");
        assert_eq!(&query[caret.len() - 1..caret.len() + 3], "Nmae", "{text}");
        assert_eq!(lines[3].trim(), "ERROR at Row:1:Column:12");
        assert_eq!(lines.len(), 5, "{text}");
    }

    #[test]
    fn one_line_messages_stay_on_one_line() {
        let e = ApiError {
            error_code: "REQUIRED_FIELD_MISSING".into(),
            message: " Required fields are missing: [Name] ".into(),
            fields: vec!["Name".into()],
            duplicate_result: None,
        };
        assert_eq!(
            e.to_string(),
            "REQUIRED_FIELD_MISSING: Required fields are missing: [Name] (fields: Name)"
        );
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(fmt_duration(Duration::from_secs(30)), "30 s");
        assert_eq!(fmt_duration(Duration::from_millis(250)), "250 ms");
    }
}
