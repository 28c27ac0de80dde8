//! Composite: up to 25 subrequests in one call, later ones referring to earlier results
//! with `@{referenceId.path}`, optionally all-or-none.

use serde_json::{json, Map, Value as J};

use crate::ctx::{Ctx, NEWEST, OLDEST};
use crate::form::percent_decode;
use crate::org::write;
use crate::response::{ApiError, Response};
use crate::RecordedRequest;

/// Most subrequests one call takes.
const LIMIT: usize = 25;

/// One subrequest's answer.
struct Sub {
    reference: String,
    status: u16,
    /// The answer, parsed, for `@{ref...}` references.
    body: J,
    /// The answer as the resource wrote it (its members in its order), for the response.
    raw: String,
    headers: J,
}

fn halted(reference: String, message: &str) -> Sub {
    let body = json!([{"errorCode": "PROCESSING_HALTED", "message": message}]);
    Sub {
        reference,
        status: 400,
        raw: body.to_string(),
        body,
        headers: json!({}),
    }
}

const ROLLED_BACK: &str =
    "The transaction was rolled back since another operation in the same transaction failed.";

/// `POST composite`.
pub(crate) fn run(ctx: &Ctx) -> Response {
    let body = match crate::validate::parse_object(&ctx.req.body) {
        Ok(b) => b,
        Err(e) => return e.into(),
    };
    let all_or_none = body.get("allOrNone").and_then(J::as_bool).unwrap_or(false);
    let Some(J::Array(subs)) = body.get("compositeRequest") else {
        return ApiError::new(
            400,
            "JSON_PARSER_ERROR",
            "The request body must have a compositeRequest array",
        )
        .into();
    };
    if subs.is_empty() || subs.len() > LIMIT {
        let msg = format!(
            "A composite request must have between 1 and {LIMIT} subrequests, not {}",
            subs.len()
        );
        return ApiError::new(400, "LIMIT_EXCEEDED", &msg).into();
    }
    write(&ctx.org.store).begin_journal();
    let mut done: Vec<Sub> = Vec::with_capacity(subs.len());
    let mut failed = false;
    for sub in subs {
        let reference = sub
            .get("referenceId")
            .and_then(J::as_str)
            .unwrap_or("")
            .to_owned();
        if failed && all_or_none {
            done.push(halted(reference, ROLLED_BACK));
            continue;
        }
        let answer = match sub.as_object() {
            Some(map) => one(ctx, map, &done, reference),
            None => halted(reference, "Each subrequest must be a JSON object"),
        };
        failed |= answer.status >= 400;
        done.push(answer);
    }
    let rollback = failed && all_or_none;
    write(&ctx.org.store).end_journal(rollback);
    if rollback {
        for d in done.iter_mut().filter(|d| d.status < 400) {
            *d = halted(std::mem::take(&mut d.reference), ROLLED_BACK);
        }
    }
    // Written out by hand: each body keeps the member order of the answer it stands for.
    let mut out = String::from("{\"compositeResponse\":[");
    for (i, d) in done.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"body\":");
        out.push_str(&d.raw);
        out.push_str(",\"httpHeaders\":");
        out.push_str(&d.headers.to_string());
        out.push_str(&format!(
            ",\"httpStatusCode\":{},\"referenceId\":",
            d.status
        ));
        out.push_str(&J::String(d.reference.clone()).to_string());
        out.push('}');
    }
    out.push_str("]}");
    Response::json(200, out.into_bytes())
}

/// Runs one subrequest.
fn one(ctx: &Ctx, sub: &Map<String, J>, done: &[Sub], reference: String) -> Sub {
    let method = sub
        .get("method")
        .and_then(J::as_str)
        .unwrap_or("")
        .to_ascii_uppercase();
    let url = sub.get("url").and_then(J::as_str).unwrap_or("");
    let url = match substitute_str(url, done) {
        Ok(u) => u,
        Err(msg) => return halted(reference, &msg),
    };
    let body = match sub.get("body").map(|b| substitute(b, done)).transpose() {
        Ok(b) => b,
        Err(msg) => return halted(reference, &msg),
    };
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let rest = path.strip_prefix("/services/data/").unwrap_or("");
    let mut segs: Vec<String> = rest.split('/').map(|s| percent_decode(s, false)).collect();
    if segs.len() > 1 && segs.last().is_some_and(String::is_empty) {
        segs.pop();
    }
    let major = segs[0]
        .strip_prefix('v')
        .and_then(|v| v.strip_suffix(".0"))
        .and_then(|v| v.parse::<u32>().ok());
    let Some(major) = major.filter(|m| (OLDEST..=NEWEST).contains(m)) else {
        return answer(reference, crate::ctx::unserved_version(major), path);
    };
    if segs.get(1).is_some_and(|s| s == "composite") && segs.len() == 2 {
        let e = ApiError::new(
            400,
            "INVALID_URL",
            "A composite subrequest cannot be a composite request",
        );
        return answer(reference, e.into(), path);
    }
    let body_bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    let mut headers: Vec<(String, String)> = ctx
        .req
        .headers
        .iter()
        .filter(|(n, _)| n == "authorization")
        .cloned()
        .collect();
    headers.push(("content-type".into(), "application/json".into()));
    let req = RecordedRequest {
        host: ctx.req.host,
        connection: ctx.req.connection,
        method,
        target: url.clone(),
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        raw_body_len: body_bytes.len(),
        body: body_bytes,
    };
    let sub_ctx = Ctx {
        org: ctx.org,
        req: &req,
        version: format!("{major}.0"),
        dispatch: ctx.dispatch,
        tooling: false,
    };
    let s: Vec<&str> = segs[1..].iter().map(String::as_str).collect();
    answer(reference, (ctx.dispatch)(&sub_ctx, &s), path)
}

fn answer(reference: String, resp: Response, path: &str) -> Sub {
    let (body, raw) = if resp.body.is_empty() {
        (J::Null, "null".to_string())
    } else {
        match serde_json::from_slice::<J>(&resp.body) {
            Ok(v) => (v, String::from_utf8_lossy(&resp.body).trim().to_string()),
            Err(_) => {
                let v = J::String(String::from_utf8_lossy(&resp.body).into_owned());
                let raw = v.to_string();
                (v, raw)
            }
        }
    };
    let headers = match (resp.status, body.get("id").and_then(J::as_str)) {
        (201, Some(id)) => json!({"Location": format!("{}/{id}", path.trim_end_matches('/'))}),
        _ => json!({}),
    };
    Sub {
        reference,
        status: resp.status,
        body,
        raw,
        headers,
    }
}

/// Replaces `@{ref.path}` in every string of a JSON value.
fn substitute(v: &J, done: &[Sub]) -> Result<J, String> {
    Ok(match v {
        J::String(s) => J::String(substitute_str(s, done)?),
        J::Array(items) => J::Array(
            items
                .iter()
                .map(|i| substitute(i, done))
                .collect::<Result<_, _>>()?,
        ),
        J::Object(map) => J::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), substitute(v, done)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

fn substitute_str(s: &str, done: &[Sub]) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("@{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        out.push_str(&resolve(&after[..end], done)?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The value of `ref.path.to[0].field` among earlier successful answers.
fn resolve(expr: &str, done: &[Sub]) -> Result<String, String> {
    let (reference, path) = expr.split_once('.').unwrap_or((expr, ""));
    let missing = || {
        format!("Invalid reference specified. No value for {expr} found in {reference}. Provided referenceId ('{reference}') must exist and be executed successfully before it is referenced.")
    };
    let sub = done
        .iter()
        .find(|d| d.reference == reference && d.status < 400)
        .ok_or_else(missing)?;
    let mut v = &sub.body;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (name, mut indexes) = part.split_once('[').map_or((part, ""), |(n, i)| (n, i));
        if !name.is_empty() {
            v = v.get(name).ok_or_else(missing)?;
        }
        while let Some((idx, tail)) = indexes.split_once(']') {
            let i: usize = idx.parse().map_err(|_| missing())?;
            v = v.get(i).ok_or_else(missing)?;
            indexes = tail.trim_start_matches('[');
        }
    }
    Ok(match v {
        J::String(s) => s.clone(),
        J::Null => return Err(missing()),
        other => other.to_string(),
    })
}
