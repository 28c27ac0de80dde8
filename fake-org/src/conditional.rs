//! Conditional requests: `If-Modified-Since` on sObject rows and describes, answered 304 when
//! nothing changed since (HTTP-date format, `Tue, 10 Aug 2015 00:00:00 GMT`).

use std::sync::OnceLock;

use crate::ctx::Ctx;
use crate::response::Response;

/// When the schema was last changed: when this process started serving (it never changes).
pub(crate) fn schema_modified_ms() -> i64 {
    static STARTED: OnceLock<i64> = OnceLock::new();
    *STARTED.get_or_init(|| crate::store::whole_seconds(crate::time::now_ms()))
}

/// 304 Not Modified when the request's `If-Modified-Since` is at or after `modified_ms`; an
/// unreadable date is ignored, as HTTP says.
pub(crate) fn not_modified(ctx: &Ctx, modified_ms: i64) -> Option<Response> {
    let since = parse_http_date(ctx.req.header("if-modified-since")?)?;
    (modified_ms <= since).then(|| Response {
        status: 304,
        content_type: None,
        headers: Vec::new(),
        body: Vec::new(),
        compressible: false,
    })
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
