//! The one error type of the crate.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::flow::AuthFlow;

/// Result with [`Error`] as the error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One entry of the error array Salesforce sends with a failed REST call.
///
/// REST calls answer `[{"errorCode": "...", "message": "...", "fields": [...]}]`; sObject
/// Collections answer `statusCode` in place of `errorCode`, which lands in the same field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// Salesforce's code, such as `INVALID_FIELD` or `REQUIRED_FIELD_MISSING`.
    #[serde(rename = "errorCode", alias = "statusCode", default)]
    pub error_code: String,
    /// The human-readable message.
    #[serde(default)]
    pub message: String,
    /// The fields the error is about, when Salesforce names them.
    #[serde(default)]
    pub fields: Vec<String>,
    /// For `DUPLICATES_DETECTED`: the duplicate rule's verdict as Salesforce sends it
    /// (`duplicateRule`, `matchResults` with the matching records, ...). REST answers spell the
    /// key `duplicateResut`; both that and `duplicateResult` are read.
    #[serde(
        rename = "duplicateResult",
        alias = "duplicateResut",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub duplicate_result: Option<serde_json::Value>,
}

impl ApiError {
    /// Whether this `REQUEST_LIMIT_EXCEEDED` is a concurrent-request limit (`ConcurrentRequests`,
    /// `ConcurrentPerOrgLongTxn`: too many calls running at once), which passes, rather than
    /// the daily one (`TotalRequests`).
    pub(crate) fn is_concurrency_limit(&self) -> bool {
        self.error_code == "REQUEST_LIMIT_EXCEEDED" && self.message.contains("Concurrent")
    }

    /// For `DUPLICATES_DETECTED`: the ids of the existing records the duplicate rule matched,
    /// in Salesforce's order (empty for other errors).
    pub fn duplicate_ids(&self) -> Vec<String> {
        let Some(result) = &self.duplicate_result else {
            return Vec::new();
        };
        let matches = result["matchResults"].as_array().into_iter().flatten();
        matches
            .flat_map(|m| m["matchRecords"].as_array().into_iter().flatten())
            .filter_map(|r| r["record"]["Id"].as_str().map(str::to_string))
            .collect()
    }
}

/// The outcome for one record of a `*_many` call, in the order the records were given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordResult {
    /// The record id, when Salesforce returns one.
    #[serde(default)]
    pub id: Option<String>,
    /// Whether this record was saved.
    pub success: bool,
    /// Why it was not (`statusCode`, message, fields).
    #[serde(default)]
    pub errors: Vec<ApiError>,
    /// For upserts: whether the record was created (true) or updated (false).
    #[serde(default)]
    pub created: Option<bool>,
}

/// Everything that can go wrong, with what is needed to understand it.
///
/// No variant ever holds a password, token, secret or key.
#[non_exhaustive]
pub enum Error {
    /// The settings are incomplete: `missing` names every variable the chosen flow needs.
    MissingConfig {
        /// The flow that was chosen.
        flow: AuthFlow,
        /// Why that flow was chosen (which variables pointed to it).
        reason: String,
        /// The variables (or builder methods) that are missing.
        missing: Vec<&'static str>,
    },
    /// A setting has a value that cannot work: a malformed URL, an unknown flow, an unreadable file.
    InvalidConfig {
        /// The variable or builder method.
        setting: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The OAuth token endpoint refused to log in.
    Auth {
        /// The flow that tried to log in.
        flow: AuthFlow,
        /// The HTTP status (400 for every documented OAuth error).
        status: u16,
        /// The OAuth `error` field, such as `invalid_grant`.
        error: String,
        /// The OAuth `error_description` field, such as `authentication failure`.
        description: String,
    },
    /// A REST call was answered with an error status and Salesforce's JSON error array.
    Api {
        /// The HTTP method.
        method: &'static str,
        /// The path that was called, without its query string.
        path: String,
        /// The HTTP status.
        status: u16,
        /// Every entry of the error array, in order.
        errors: Vec<ApiError>,
    },
    /// 300 Multiple Choices: an external id matched several records.
    MultipleChoices {
        /// The HTTP method.
        method: &'static str,
        /// The path that was called.
        path: String,
        /// The URLs of the matching records.
        urls: Vec<String>,
    },
    /// The body was not the JSON expected: an HTML maintenance page, an empty error, broken JSON.
    UnexpectedBody {
        /// The HTTP method.
        method: &'static str,
        /// The path that was called.
        path: String,
        /// The HTTP status.
        status: u16,
        /// What was wrong with the body.
        problem: String,
        /// The start of the body, as text, whitespace folded (HTML tags removed).
        excerpt: String,
    },
    /// The call did not finish (connect to last byte) within its timeout.
    Timeout {
        /// The HTTP method.
        method: &'static str,
        /// The path that was called.
        path: String,
        /// The origin called (scheme, host and port, such as `https://login.salesforce.com`).
        origin: String,
        /// The setting the origin came from (`SF_LOGIN_URL`, `SF_INSTANCE_URL`); `None` for
        /// the instance URL a login returned.
        setting: Option<&'static str>,
        /// The timeout that ran out.
        after: Duration,
    },
    /// The response body was larger than the configured limit (after decompression).
    BodyTooLarge {
        /// The HTTP method.
        method: &'static str,
        /// The path that was called.
        path: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// The session expired (401 `INVALID_SESSION_ID`) and the client cannot log in again: it was
    /// given a bare access token.
    SessionExpired {
        /// The HTTP method.
        method: &'static str,
        /// The path that was called.
        path: String,
    },
    /// The connection failed: refused, reset, closed early, DNS, TLS or proxy trouble. The
    /// message starts with what happened (`connection refused`, `host not found`, `tls: ...`)
    /// and says what usually causes it.
    Transport {
        /// The HTTP method.
        method: &'static str,
        /// The path that was called.
        path: String,
        /// The origin called (scheme, host and port, such as `https://login.salesforce.com`).
        origin: String,
        /// The setting the origin came from (`SF_LOGIN_URL`, `SF_INSTANCE_URL`); `None` for
        /// the instance URL a login returned.
        setting: Option<&'static str>,
        /// What the HTTP layer reported.
        message: String,
    },
    /// The request was refused before any byte was sent, to keep the session token (or a
    /// refresh token another run is spending) safe.
    Refused {
        /// The URL (scheme, host, port and path; never a token).
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// The call cannot be made as asked: too many subrequests, a record that is not an object.
    InvalidArgument {
        /// What is wrong.
        message: String,
    },
    /// A successful answer lacked what the call needs, such as the id of a created record.
    Unexpected {
        /// What was missing.
        message: String,
    },
    /// A Bulk API job ended `Failed` or `Aborted`.
    JobFailed {
        /// The job id.
        id: String,
        /// `Failed` or `Aborted`.
        state: String,
        /// Salesforce's `errorMessage`.
        message: String,
    },
    /// Waiting for Bulk API jobs took longer than the wait timeout. The jobs keep running in
    /// the org: re-attach with `bulk.job(id)`.
    JobTimeout {
        /// The job ids.
        ids: Vec<String>,
        /// Whether they are query jobs (re-attach with `bulk.query_job(id)`) rather than ingest
        /// jobs (`bulk.jobs(&ids)`).
        query: bool,
        /// The wait timeout.
        after: Duration,
    },
    /// Waiting for Bulk API jobs stopped on an error other than the job's own failure or the
    /// wait timeout (after transient poll failures were ridden out as long as the wait allowed).
    /// The jobs keep running in the org: re-attach with `bulk.job(id)`, `bulk.jobs(&ids)` or
    /// `bulk.query_job(id)` and wait again.
    JobWait {
        /// The job ids.
        ids: Vec<String>,
        /// Whether they are query jobs (`bulk.query_job(id)`) rather than ingest jobs.
        query: bool,
        /// What stopped the wait.
        source: Box<Error>,
    },
    /// A call made of several (records split into groups of 200, a file split into several
    /// Bulk API jobs) stopped part way: what was already done is here, and was not undone.
    Partial {
        /// The results of the records already processed, in input order (sObject Collections).
        results: Vec<RecordResult>,
        /// Bulk API jobs already uploaded: they keep running in the org (`bulk.jobs(&ids)`).
        job_ids: Vec<String>,
        /// What stopped the rest.
        source: Box<Error>,
    },
    /// A call failed in a way that is retried for other calls (a lost connection, a 502, 503
    /// or 504 answer, an expired session), and was not made again: its body was streamed from
    /// a reader, which cannot be read twice, or part of the answer was already written to the
    /// caller's writer. Make the call again with a fresh reader or writer.
    NotRetried {
        /// Why it could not be made again.
        reason: String,
        /// The failure.
        source: Box<Error>,
    },
    /// Reading the caller's input or writing to the caller's output failed.
    Io {
        /// What was being read or written.
        context: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A request body could not be serialized, or a response could not be read into the asked type.
    Json {
        /// What was being (de)serialized.
        context: String,
        /// serde_json's explanation.
        source: serde_json::Error,
    },
    /// Salesforce no longer covers the start of a replication window (`updated` reaches 30
    /// days back, `deleted` as little as 15): changes may have been missed, and only a full
    /// resync (reading every record again) is safe.
    ResyncNeeded {
        /// The sObject type.
        sobject: String,
        /// The start of the window that was asked for.
        start: String,
        /// What Salesforce answered.
        reason: String,
    },
    /// A block of anonymous Apex ([`Client::execute_anonymous`](crate::Client::execute_anonymous))
    /// did not compile, or threw. Nothing it did before throwing is kept (Salesforce rolls the
    /// block back).
    Apex {
        /// `false`: the compiler refused it (`message` is its problem); `true`: it threw.
        compiled: bool,
        /// The line Salesforce named (from 1).
        line: i64,
        /// The column Salesforce named (from 1).
        column: i64,
        /// The compiler's problem, or the exception (`System.DmlException: ...`).
        message: String,
        /// Where it threw (`AnonymousBlock: line 3, column 1`); empty when it did not compile.
        stack_trace: String,
    },
    /// A watermark file of `changes_since` is unreadable or not one sfrest wrote.
    Watermark {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong with it.
        problem: String,
    },
}

impl Error {
    /// The HTTP status of the answer behind this error, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Partial { source, .. }
            | Error::JobWait { source, .. }
            | Error::NotRetried { source, .. } => source.status(),
            Error::Auth { status, .. }
            | Error::Api { status, .. }
            | Error::UnexpectedBody { status, .. } => Some(*status),
            Error::MultipleChoices { .. } => Some(300),
            Error::SessionExpired { .. } => Some(401),
            _ => None,
        }
    }

    /// Salesforce's `errorCode` (the first one), or the OAuth `error` field for a failed login.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            Error::Partial { source, .. }
            | Error::JobWait { source, .. }
            | Error::NotRetried { source, .. } => source.error_code(),
            Error::Api { errors, .. } => errors.first().map(|e| e.error_code.as_str()),
            Error::Auth { error, .. } => Some(error.as_str()),
            Error::SessionExpired { .. } => Some("INVALID_SESSION_ID"),
            _ => None,
        }
    }

    /// Whether the same call may succeed if made again a little later.
    ///
    /// True for timeouts, broken connections (refused, reset, closed early), 502/503/504
    /// answers (including HTML maintenance pages), other 5xx HTML pages, and transient
    /// Salesforce codes (`SERVER_UNAVAILABLE`, `UNABLE_TO_LOCK_ROW`). False for everything a
    /// retry cannot cure: TLS failures, DNS failures of any kind (an unknown host, and a
    /// temporary resolver failure such as `EAI_AGAIN` too), a request that cannot be sent, a
    /// response that breaks the HTTP protocol (such as headers over 64 KiB), any other API
    /// error, and notably `REQUEST_LIMIT_EXCEEDED` for the daily limit (`TotalRequests Limit
    /// exceeded.`). The same code for a concurrent-request limit (`ConcurrentRequests`,
    /// `ConcurrentPerOrgLongTxn`: too many calls running at once in the org) is retryable.
    ///
    /// The client's own retries (see `ClientBuilder::max_retries`) make a call again exactly
    /// when this is true, for GET calls (and writes with `retry_writes`), while attempts and
    /// the call's timeout allow. A timeout is therefore never retried within the call (each
    /// attempt has all of the call's remaining time); true here means a later call may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Timeout { .. } => true,
            Error::NotRetried { source, .. } => source.is_retryable(),
            // A certificate problem, an unknown host or a broken protocol does not go away in
            // a second.
            Error::Transport { message, .. } => !crate::transport_error::is_final(message),
            Error::UnexpectedBody {
                status, problem, ..
            } => matches!(status, 502..=504) || (*status >= 500 && problem.contains("HTML")),
            Error::Api { status, errors, .. } => {
                let code = errors.first().map(|e| e.error_code.as_str());
                if code == Some("REQUEST_LIMIT_EXCEEDED") {
                    return errors.first().is_some_and(|e| e.is_concurrency_limit());
                }
                matches!(status, 502..=504)
                    || matches!(code, Some("SERVER_UNAVAILABLE" | "UNABLE_TO_LOCK_ROW"))
            }
            _ => false,
        }
    }

    /// This error, naming `after` (the call's whole timeout) when it is a timeout: a retry or
    /// a re-login runs on what is left of the call's budget, but the call is what timed out.
    pub(crate) fn with_timeout(self, after: Duration) -> Error {
        match self {
            Error::Timeout {
                method,
                path,
                origin,
                setting,
                ..
            } => Error::Timeout {
                method,
                path,
                origin,
                setting,
                after,
            },
            other => other,
        }
    }

    /// A JSON error; serde's message may quote the server's data, so a live secret in it is
    /// wiped (the message is then kept as text).
    pub(crate) fn json(context: impl Into<String>, source: serde_json::Error) -> Self {
        let text = source.to_string();
        let source = match crate::redact::cow(&text) {
            std::borrow::Cow::Owned(clean) => {
                <serde_json::Error as serde::de::Error>::custom(clean)
            }
            std::borrow::Cow::Borrowed(_) => source,
        };
        Error::Json {
            context: crate::redact::text(&context.into()),
            source,
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Json { source, .. } => Some(source),
            Error::Io { source, .. } => Some(source),
            Error::Partial { source, .. }
            | Error::JobWait { source, .. }
            | Error::NotRetried { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: &str) -> Error {
        Error::Api {
            method: "GET",
            path: "/services/data/v66.0/limits".into(),
            status,
            errors: vec![ApiError {
                error_code: code.into(),
                message: "m".into(),
                fields: vec![],
                duplicate_result: None,
            }],
        }
    }

    #[test]
    fn retryable_classification() {
        let transport = |message: &str| Error::Transport {
            method: "GET",
            path: "/p".into(),
            origin: "https://x.my.salesforce.com".into(),
            setting: None,
            message: message.into(),
        };
        assert!(transport("io: Connection reset by peer").is_retryable());
        assert!(!transport("tls: invalid peer certificate: UnknownIssuer").is_retryable());
        assert!(!transport("host not found").is_retryable());
        assert!(
            !transport("invalid response: http parse resulted in too many headers").is_retryable()
        );
        assert!(api(503, "SERVER_UNAVAILABLE").is_retryable());
        assert!(api(500, "UNABLE_TO_LOCK_ROW").is_retryable());
        assert!(!api(403, "REQUEST_LIMIT_EXCEEDED").is_retryable());
        assert!(!api(400, "INVALID_FIELD").is_retryable());
        assert_eq!(api(404, "NOT_FOUND").error_code(), Some("NOT_FOUND"));
        assert_eq!(api(404, "NOT_FOUND").status(), Some(404));
    }

    #[test]
    fn limit_error_says_how_to_check_usage() {
        let text = api(403, "REQUEST_LIMIT_EXCEEDED").to_string();
        assert!(text.contains("api_usage()"), "{text}");
        assert!(text.starts_with("GET /services/data/v66.0/limits failed with 403"));
    }

    #[test]
    fn a_concurrent_request_limit_is_not_the_daily_one() {
        let mut e = api(403, "REQUEST_LIMIT_EXCEEDED");
        if let Error::Api { errors, .. } = &mut e {
            errors[0].message = "ConcurrentPerOrgLongTxn Limit exceeded".into();
        }
        let text = e.to_string();
        assert!(text.contains("at once"), "{text}");
        assert!(!text.contains("daily API request limit"), "{text}");
        assert!(e.is_retryable());
        if let Error::Api { errors, .. } = &mut e {
            errors[0].message = "TotalRequests Limit exceeded.".into();
        }
        assert!(e.to_string().contains("daily"));
        assert!(!e.is_retryable());
    }

    #[test]
    fn error_is_send_sync() {
        fn check<T: Send + Sync + std::error::Error + 'static>() {}
        check::<Error>();
    }
}
