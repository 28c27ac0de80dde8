//! Conditional requests: `If-Modified-Since` on sObject rows and describes, answered 304 when
//! nothing changed since (HTTP-date format, `Tue, 10 Aug 2015 00:00:00 GMT`); on sObject rows
//! also `If-Unmodified-Since`, and for Account rows, which carry an `ETag`, `If-Match` and
//! `If-None-Match` (RFC 9110's order of evaluation; DELETE ignores them all, as Salesforce's).

use std::sync::OnceLock;

use base64::Engine;

use crate::ctx::Ctx;
use crate::response::{ApiError, Response};

/// When the schema was last changed: when this process started serving (it never changes).
pub(crate) fn schema_modified_ms() -> i64 {
    static STARTED: OnceLock<i64> = OnceLock::new();
    *STARTED.get_or_init(|| crate::store::whole_seconds(crate::time::now_ms()))
}

/// 304 Not Modified when the request's `If-Modified-Since` is at or after `modified_ms`; an
/// unreadable date is ignored, as HTTP says.
pub(crate) fn not_modified(ctx: &Ctx, modified_ms: i64) -> Option<Response> {
    let since = parse_http_date(ctx.req.header("if-modified-since")?)?;
    (modified_ms <= since).then(|| not_modified_row(None))
}

/// 304 Not Modified, empty, with the record's ETag when it has one.
fn not_modified_row(tag: Option<&str>) -> Response {
    let r = Response {
        status: 304,
        content_type: None,
        headers: Vec::new(),
        body: Vec::new(),
        compressible: false,
    };
    match tag {
        Some(t) => r.header("ETag", t),
        None => r,
    }
}

/// The entity tag of a record version (`content`: the record, whole), quoted, as Salesforce
/// writes it: a digest, with `-gzip` when the answer is compressed
/// (`"U5iWijwWbQD18jeiXwsqxeGpZQk=-gzip"`).
pub(crate) fn etag(ctx: &Ctx, content: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, content.as_bytes());
    let tag = base64::engine::general_purpose::STANDARD.encode(digest.as_ref());
    if crate::http::accepts_gzip(ctx.req) {
        format!("\"{tag}-gzip\"")
    } else {
        format!("\"{tag}\"")
    }
}

/// A tag without its quotes, weakness mark or `-gzip` (a compressed and a plain answer of one
/// version are the same version).
fn bare(tag: &str) -> &str {
    let t = tag.trim();
    let t = t.strip_prefix("W/").unwrap_or(t);
    let t = t.trim_matches('"');
    t.strip_suffix("-gzip").unwrap_or(t)
}

/// Whether a list of tags (`"a", "b"`, or `*`) names `tag`. Compared `strong`ly (If-Match), a
/// weak tag (`W/"..."`) never matches.
fn names(list: &str, tag: &str, strong: bool) -> bool {
    list.trim() == "*"
        || list
            .split(',')
            .map(str::trim)
            .filter(|t| !(strong && t.starts_with("W/")))
            .any(|t| bare(t) == bare(tag))
}

/// The preconditions of a read (`read`: GET or HEAD) or a write (PATCH) of a record last
/// modified at `modified_ms`; `tag` is its ETag (Account rows only). `Ok(Some(304))` when a
/// read may be answered "not modified"; 412 when a precondition fails and nothing is to be
/// done.
pub(crate) fn check_row(
    ctx: &Ctx,
    tag: Option<&str>,
    modified_ms: i64,
    read: bool,
) -> Result<Option<Response>, ApiError> {
    let failed = |what: &str| {
        ApiError::new(
            412,
            "PRECONDITION_FAILED",
            &format!("The {what} precondition was not met: the record has changed"),
        )
    };
    let req = ctx.req;
    if let (Some(list), Some(t)) = (req.header("if-match"), tag) {
        if !names(list, t, true) {
            return Err(failed("If-Match"));
        }
    } else if let Some(since) = req.header("if-unmodified-since").and_then(parse_http_date) {
        if modified_ms > since {
            return Err(failed("If-Unmodified-Since"));
        }
    }
    if let (Some(list), Some(t)) = (req.header("if-none-match"), tag) {
        if names(list, t, false) {
            return if read {
                Ok(Some(not_modified_row(tag)))
            } else {
                Err(failed("If-None-Match"))
            };
        }
    } else if read && not_modified(ctx, modified_ms).is_some() {
        return Ok(Some(not_modified_row(tag)));
    }
    Ok(None)
}

/// Parses `Tue, 10 Aug 2015 00:00:00 GMT` into milliseconds since the epoch.
pub(crate) fn parse_http_date(s: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let rest = s.trim().split_once(',').map_or(s.trim(), |(_, r)| r.trim());
    let parts: Vec<&str> = rest.split_whitespace().collect();
    let [day, month, year, clock, zone] = parts.as_slice() else {
        return None;
    };
    if !matches!(*zone, "GMT" | "UTC" | "Z") {
        return None;
    }
    let d: u32 = day.parse().ok()?;
    let m = MONTHS.iter().position(|n| n.eq_ignore_ascii_case(month))? as u32 + 1;
    let y: i64 = year.parse().ok()?;
    let mut hms = clock.split(':').map(|p| p.parse::<i64>().ok());
    let (h, mi, sec) = (hms.next()??, hms.next()??, hms.next()??);
    if !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let days = crate::time::days_from_civil(y, m, d);
    Some(((days * 24 + h) * 60 + mi) * 60_000 + sec * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_parse() {
        let ms = parse_http_date("Tue, 10 Aug 2015 00:00:00 GMT").unwrap();
        assert_eq!(crate::time::http_date(ms), "Mon, 10 Aug 2015 00:00:00 GMT");
        let now = crate::store::whole_seconds(crate::time::now_ms());
        assert_eq!(parse_http_date(&crate::time::http_date(now)), Some(now));
        assert_eq!(parse_http_date("yesterday"), None);
        assert_eq!(parse_http_date("Tue, 10 Aug 2015 25:00:00 GMT"), None);
    }
}
