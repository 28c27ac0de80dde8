//! Routing: the OAuth endpoint, the versions list and the versioned REST API.

use crate::ctx::{Ctx, NEWEST, OLDEST};
use crate::form::percent_decode;
use crate::org::Org;
use crate::response::Response;
use crate::{
    collections, composite, describe, identity, oauth, query, search, sobjects, RecordedRequest,
};

/// Answers any request.
pub(crate) fn route(org: &Org, req: &RecordedRequest) -> Response {
    let _schema = crate::schema::enter(org.schema);
    if let Some(resp) = crate::stats::hook(org, req) {
        return resp;
    }
    let path = req.path.as_str();
    if path == "/services/oauth2/token" || path == "/services/oauth2/token/" {
        return oauth::token(org, req);
    }
    if path == "/services/oauth2/revoke" || path == "/services/oauth2/revoke/" {
        return crate::revoke::revoke(org, req);
    }
    if path == "/services/oauth2/userinfo" || path == "/services/oauth2/userinfo/" {
        return identity::userinfo(org, req);
    }
    if let Some(rest) = path.strip_prefix("/id/") {
        return match rest.trim_end_matches('/').split('/').collect::<Vec<_>>()[..] {
            [org_id, user_id] => identity::id(org, req, org_id, user_id),
            _ => Response::not_found(),
        };
    }
    if path == "/services/data" || path == "/services/data/" {
        return match req.method.as_str() {
            "GET" | "HEAD" => versions(),
            m => Response::method_not_allowed(m, "HEAD,GET"),
        };
    }
    if let Some(uri) = path.strip_prefix("/services/apexrest") {
        if uri.is_empty() || uri.starts_with('/') {
            return apex_rest(org, req, uri).header("Sforce-Limit-Info", &org.limit_info());
        }
    }
    match path.strip_prefix("/services/data/") {
        Some(rest) => data(org, req, rest),
        None => Response::not_found(),
    }
}

/// `/services/apexrest/...`: no API version, the same session check and API limit.
fn apex_rest(org: &Org, req: &RecordedRequest, uri: &str) -> Response {
    if let Some(denied) = deny(org, req) {
        return denied;
    }
    let ctx = Ctx {
        org,
        req,
        version: format!("{NEWEST}.0"),
        dispatch,
        tooling: false,
    };
    crate::apexrest::route(&ctx, uri)
}

/// The release name of an API version: 66 is Spring '26, three releases a year.
fn release_label(v: u32) -> String {
    let k = v - 30; // 30.0 was Spring '14
    let season = ["Spring", "Summer", "Winter"][(k % 3) as usize];
    let year = 14 + k / 3 + u32::from(k % 3 == 2);
    format!("{season} '{year:02}")
}

fn versions() -> Response {
    let list: Vec<serde_json::Value> = (OLDEST..=NEWEST)
        .map(|v| {
            serde_json::json!({
                "label": release_label(v),
                "url": format!("/services/data/v{v}.0"),
                "version": format!("{v}.0"),
            })
        })
        .collect();
    Response::json_value(200, &serde_json::Value::Array(list))
}

fn data(org: &Org, req: &RecordedRequest, rest: &str) -> Response {
    let mut segs: Vec<String> = rest.split('/').map(|s| percent_decode(s, false)).collect();
    if segs.len() > 1 && segs.last().is_some_and(String::is_empty) {
        segs.pop();
    }
    let version = segs[0].clone();
    let major = version
        .strip_prefix('v')
        .and_then(|v| v.strip_suffix(".0"))
        .and_then(|v| v.parse::<u32>().ok());
    let resp = match major {
        Some(m) if (OLDEST..=NEWEST).contains(&m) => {
            authenticated(org, req, format!("{m}.0"), &segs[1..])
        }
        m => crate::ctx::unserved_version(m),
    };
    resp.header("Sforce-Limit-Info", &org.limit_info())
}

/// The answer to a request without a live session, or over the daily API limit; `None` when
/// the request may proceed (it is then counted).
fn deny(org: &Org, req: &RecordedRequest) -> Option<Response> {
    let token = req.header("authorization").and_then(|v| {
        let (scheme, token) = v.split_once(' ')?;
        (scheme.eq_ignore_ascii_case("Bearer") || scheme.eq_ignore_ascii_case("OAuth"))
            .then(|| token.trim())
    });
    if !token.is_some_and(|t| org.session_valid(t)) {
        return Some(Response::error(
            401,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
        ));
    }
    if !org.charge_api_call() {
        return Some(Response::error(
            403,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        ));
    }
    None
}

fn authenticated(org: &Org, req: &RecordedRequest, version: String, segs: &[String]) -> Response {
    if let Some(denied) = deny(org, req) {
        return denied;
    }
    crate::duplicates::note_request(req.header("sforce-duplicate-rule-header"));
    let ctx = Ctx {
        org,
        req,
        version,
        dispatch,
        tooling: false,
    };
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    dispatch(&ctx, &s)
}

/// Answers an authenticated request for the path segments after `vXX.X`.
pub(crate) fn dispatch(ctx: &Ctx, s: &[&str]) -> Response {
    let method = ctx.req.method.as_str();
    match (s, method) {
        ([], "GET" | "HEAD") => resources(ctx),
        ([], m) => Response::method_not_allowed(m, "HEAD,GET"),
        ([q @ ("query" | "queryAll")], "GET" | "HEAD") => query::run(ctx, *q == "queryAll"),
        ([q @ ("query" | "queryAll"), locator], "GET" | "HEAD") => {
            query::more(ctx, locator, *q == "queryAll")
        }
        (["query" | "queryAll", ..], m) => Response::method_not_allowed(m, "HEAD,GET"),
        (["sobjects"], "GET" | "HEAD") => {
            crate::conditional::not_modified(ctx, crate::conditional::schema_modified_ms())
                .unwrap_or_else(|| describe::global(ctx))
        }
        (["sobjects"], m) => Response::method_not_allowed(m, "HEAD,GET"),
        (["sobjects", ty, rest @ ..], _) => sobjects::route(ctx, ty, rest),
        (["composite"], "POST") => composite::run(ctx),
        (["composite"], m) => Response::method_not_allowed(m, "POST"),
        (["composite", "sobjects", rest @ ..], _) => collections::route(ctx, rest),
        (["composite", "tree", ty], _) => crate::tree::run(ctx, ty),
        (["recent"], "GET" | "HEAD") => crate::recent::list(ctx),
        (["recent"], m) => Response::method_not_allowed(m, "HEAD,GET"),
        (["jobs", rest @ ..], _) => crate::bulk::route(ctx, rest),
        (["search"], "GET" | "HEAD") => search::run(ctx),
        (["search"], m) => Response::method_not_allowed(m, "HEAD,GET"),
        (["limits"], "GET" | "HEAD") => crate::limits::limits(ctx),
        (["limits"], m) => Response::method_not_allowed(m, "HEAD,GET"),
        (["tooling", rest @ ..], _) if !ctx.tooling => crate::tooling::route(ctx, rest),
        _ => Response::not_found(),
    }
}

fn resources(ctx: &Ctx) -> Response {
    let b = ctx.base();
    Response::json_value(
        200,
        &serde_json::json!({
            "limits": format!("{b}/limits"),
            "query": format!("{b}/query"),
            "queryAll": format!("{b}/queryAll"),
            "composite": format!("{b}/composite"),
            "search": format!("{b}/search"),
            "sobjects": format!("{b}/sobjects"),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_labels() {
        assert_eq!(release_label(66), "Spring '26");
        assert_eq!(release_label(67), "Summer '26");
        assert_eq!(release_label(68), "Winter '27");
        assert_eq!(release_label(31), "Summer '14");
        assert_eq!(release_label(32), "Winter '15");
    }
}
