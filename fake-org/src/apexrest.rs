//! Apex REST (`/services/apexrest/{urlMapping}`): routes that tests register with
//! [`FakeOrg::apex_rest`](crate::FakeOrg::apex_rest), answered as Salesforce answers Apex
//! REST classes, unhandled exceptions and unmapped URLs included.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use crate::ctx::Ctx;
use crate::form::{parse_form, percent_decode};
use crate::org::read;
use crate::response::Response;

/// What an Apex REST method answers: Salesforce serializes its return value as JSON, or the
/// code sets `RestContext.response` itself.
pub type ApexResult = Result<ApexResponse, ApexError>;

/// A handler registered for a method and URL mapping.
pub(crate) type Handler = Arc<dyn Fn(&ApexRequest) -> ApexResult + Send + Sync>;

/// One registered route.
pub(crate) struct Route {
    pub method: String,
    /// Mapping segments, `*` for a wildcard.
    pub mapping: Vec<String>,
    pub handler: Handler,
}

/// The request an Apex REST method sees (`RestContext.request`).
#[derive(Clone, Debug)]
pub struct ApexRequest {
    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    pub method: String,
    /// The path after `/services/apexrest`, percent-decoded, such as `/Invoices/42`.
    pub request_uri: String,
    /// The query parameters, decoded, in order.
    pub params: Vec<(String, String)>,
    /// The request headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body (empty for GET and DELETE).
    pub body: Vec<u8>,
}

impl ApexRequest {
    /// A query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A header, matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The last segment of the URI (`42` of `/Invoices/42`), as Apex code reads an id.
    pub fn last_segment(&self) -> &str {
        self.request_uri.rsplit('/').next().unwrap_or("")
    }

    /// The body as JSON: a body that does not parse is the 400 `JSON_PARSER_ERROR` Salesforce
    /// answers when it cannot deserialize a method's parameters (use `?`).
    pub fn json(&self) -> Result<serde_json::Value, ApexError> {
        serde_json::from_slice(&self.body).map_err(|e| ApexError::JsonParser(e.to_string()))
    }
}

/// The answer of an Apex REST method.
#[derive(Clone, Debug)]
pub struct ApexResponse {
    status: Option<u16>,
    content_type: Option<String>,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl ApexResponse {
    /// A method returning this value, serialized as JSON (status 200).
    pub fn json(value: &serde_json::Value) -> ApexResponse {
        ApexResponse {
            status: None,
            content_type: Some("application/json;charset=UTF-8".into()),
            headers: Vec::new(),
            body: Some(value.to_string().into_bytes()),
        }
    }

    /// A `void` method: 204 for PATCH, 200 with an empty body otherwise.
    pub fn void() -> ApexResponse {
        ApexResponse {
            status: None,
            content_type: None,
            headers: Vec::new(),
            body: None,
        }
    }

    /// A body the code set itself (`RestContext.response.responseBody`), of this type.
    pub fn body(content_type: &str, body: impl Into<Vec<u8>>) -> ApexResponse {
        ApexResponse {
            status: None,
            content_type: Some(content_type.to_string()),
            headers: Vec::new(),
            body: Some(body.into()),
        }
    }

    /// Sets the status (`RestContext.response.statusCode`).
    pub fn status(mut self, status: u16) -> ApexResponse {
        self.status = Some(status);
        self
    }

    /// Adds a response header (`RestContext.response.addHeader`).
    pub fn header(mut self, name: &str, value: &str) -> ApexResponse {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// An exception an Apex REST method does not handle.
#[derive(Clone, Debug)]
pub enum ApexError {
    /// A system exception (`System.NullPointerException`, `System.LimitException`, ...):
    /// 500 `APEX_ERROR`.
    Exception {
        /// The exception type, such as `System.NullPointerException`.
        type_name: String,
        /// Its message.
        message: String,
    },
    /// An exception class of the code's own: 400 `APEX_ERROR`.
    User {
        /// The exception type, such as `InvoiceService.InvalidInvoiceException`.
        type_name: String,
        /// Its message.
        message: String,
    },
    /// The body did not deserialize into the method's parameters: 400 `JSON_PARSER_ERROR`.
    JsonParser(String),
}

impl ApexError {
    /// A system exception: 500 `APEX_ERROR`.
    pub fn exception(type_name: &str, message: &str) -> ApexError {
        ApexError::Exception {
            type_name: type_name.to_string(),
            message: message.to_string(),
        }
    }

    /// An exception of the code's own class: 400 `APEX_ERROR`.
    pub fn user(type_name: &str, message: &str) -> ApexError {
        ApexError::User {
            type_name: type_name.to_string(),
            message: message.to_string(),
        }
    }
}

/// Whether the request's segments match a mapping's: `*` matches one segment, a trailing `*`
/// any rest (none included, so `X` and `X/*` match the same URLs).
fn matches(mapping: &[String], segs: &[&str]) -> bool {
    match (mapping.split_first(), segs.split_first()) {
        (None, None) => true,
        (Some((m, [])), _) if m == "*" => true,
        (Some((m, rest)), Some((s, more))) if m == "*" || m == s => matches(rest, more),
        _ => false,
    }
}

/// Mapping segments of `/Invoices/*`.
pub(crate) fn mapping_segments(mapping: &str) -> Vec<String> {
    mapping
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// `/services/apexrest/...`, authenticated.
pub(crate) fn route(ctx: &Ctx, uri: &str) -> Response {
    let req = ctx.req;
    let segs: Vec<String> = uri
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode(s, false))
        .collect();
    let seg_refs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let shown = format!("/{}", segs.join("/"));
    let routes = read(&ctx.org.apex_routes);
    // The most specific mapping wins: more literal segments, then fewer wildcards.
    let best = routes
        .iter()
        .filter(|r| matches(&r.mapping, &seg_refs))
        .max_by_key(|r| {
            let literal = r.mapping.iter().filter(|m| *m != "*").count();
            (literal, std::cmp::Reverse(r.mapping.len() - literal))
        })
        .map(|r| r.mapping.clone());
    let Some(mapping) = best else {
        let msg = format!("Could not find a match for URL {shown}");
        return Response::error(404, "NOT_FOUND", &msg);
    };
    let same: Vec<&Route> = routes.iter().filter(|r| r.mapping == mapping).collect();
    let Some(route) = same.iter().find(|r| r.method == req.method) else {
        let allowed: Vec<&str> = same.iter().map(|r| r.method.as_str()).collect();
        return Response::method_not_allowed(&req.method, &allowed.join(","));
    };
    if req
        .header("content-type")
        .is_some_and(|t| t.to_ascii_lowercase().starts_with("multipart/"))
    {
        return Response::error(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "Content-Type multipart/form-data is not supported by Apex REST",
        );
    }
    let apex_req = ApexRequest {
        method: req.method.clone(),
        request_uri: shown,
        params: parse_form(&req.query),
        headers: req.headers.clone(),
        body: if matches!(req.method.as_str(), "GET" | "DELETE") {
            Vec::new()
        } else {
            req.body.clone()
        },
    };
    let handler = route.handler.clone();
    drop(routes);
    let class = mapping
        .iter()
        .find(|m| *m != "*")
        .cloned()
        .unwrap_or_else(|| "RestResource".into());
    let method = format!("do{}", title_case(&req.method));
    let answer = catch_unwind(AssertUnwindSafe(|| handler(&apex_req))).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "the handler panicked".into());
        Err(ApexError::exception("System.UnexpectedException", &message))
    });
    match answer {
        Ok(resp) => answer_of(resp, &req.method),
        Err(e) => error_of(e, &class, &method),
    }
}

fn title_case(method: &str) -> String {
    let lower = method.to_ascii_lowercase();
    let mut chars = lower.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

fn answer_of(resp: ApexResponse, method: &str) -> Response {
    let status = resp.status.unwrap_or(match (&resp.body, method) {
        (None, "PATCH") => 204,
        _ => 200,
    });
    let mut out = Response {
        status,
        content_type: resp.content_type,
        headers: resp.headers,
        body: resp.body.unwrap_or_default(),
        compressible: true,
    };
    if out.content_type.is_none() && !out.body.is_empty() {
        out.content_type = Some("application/json;charset=UTF-8".into());
    }
    out
}

fn error_of(e: ApexError, class: &str, method: &str) -> Response {
    let stack = format!("Class.{class}.{method}: line 1, column 1");
    match e {
        ApexError::Exception { type_name, message } => Response::error(
            500,
            "APEX_ERROR",
            &format!("{type_name}: {message}\n\n{stack}"),
        ),
        ApexError::User { type_name, message } => Response::error(
            400,
            "APEX_ERROR",
            &format!("{type_name}: {message}\n\n{stack}"),
        ),
        ApexError::JsonParser(message) => Response::error(400, "JSON_PARSER_ERROR", &message),
    }
}

impl crate::FakeOrg {
    /// Registers an Apex REST method: `method` (`GET`, `POST`, `PUT`, `PATCH`, `DELETE`) on
    /// `url_mapping` as an `@RestResource(urlMapping=...)` gives it (`/Invoices/*`: `*`
    /// matches one segment, a trailing `*` any rest; case-sensitive), answered by `handler`
    /// at `/services/apexrest/...`. The most specific mapping wins; a mapping without this
    /// method answers 405, an unmapped URL 404 `Could not find a match for URL /...`, and an
    /// [`ApexError`] (or a panic) is answered as Salesforce answers an unhandled exception.
    ///
    /// ```no_run
    /// use sfrest_fake_org::{ApexResponse, FakeOrg};
    /// let org = FakeOrg::start();
    /// org.apex_rest("PUT", "/Invoices/*", |req| {
    ///     let body = req.json()?;
    ///     Ok(ApexResponse::json(&serde_json::json!({"id": req.last_segment(), "amount": body["amount"]})))
    /// });
    /// ```
    pub fn apex_rest<F>(&self, method: &str, url_mapping: &str, handler: F)
    where
        F: Fn(&ApexRequest) -> ApexResult + Send + Sync + 'static,
    {
        let method = method.to_ascii_uppercase();
        let mapping = mapping_segments(url_mapping);
        let mut routes = crate::org::write(&self.org.apex_routes);
        routes.retain(|r| !(r.method == method && r.mapping == mapping));
        routes.push(Route {
            method,
            mapping,
            handler: std::sync::Arc::new(handler),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Vec<String> {
        mapping_segments(s)
    }

    #[test]
    fn mappings_match_like_salesforce() {
        assert!(matches(&m("/Invoices/*"), &["Invoices", "42"]));
        assert!(matches(&m("/Invoices/*"), &["Invoices"]));
        assert!(matches(&m("/Invoices"), &["Invoices"]));
        assert!(!matches(&m("/Invoices"), &["Invoices", "42"]));
        assert!(!matches(&m("/Invoices/*"), &["invoices", "42"]));
        assert!(matches(
            &m("/Accounts/*/contacts"),
            &["Accounts", "001", "contacts"]
        ));
        assert!(!matches(&m("/Accounts/*/contacts"), &["Accounts", "001"]));
        assert_eq!(title_case("PATCH"), "Patch");
    }
}
