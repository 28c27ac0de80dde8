//! Query jobs: SOQL checked up front, matching rows kept as row numbers, CSV pages written
//! from the store on demand and chained by locators.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use base64::Engine;

use super::csv::write_quoted;
use super::query_limits::unsupported;
use super::{
    bad, bulk, common, csv_options, csv_response, eol, job_head, job_list, json_body, member,
    Common, Job, Kind, Phase, Progress,
};
use crate::ctx::Ctx;
use crate::form::{param, parse_form};
use crate::org::{lock, read};
use crate::response::Response;
use crate::schema;
use crate::soql::{self, FieldRef, Query, Select};
use crate::store::Store;
use crate::value::{java_double, Value};

/// Page size when `maxRecords` is not given.
pub(super) const DEFAULT_MAX_RECORDS: usize = 50_000;
/// Largest page served, whatever `maxRecords` asks for.
const MAX_RECORDS_CAP: usize = 1_000_000;
/// Result URLs in one `resultPages` answer, as Salesforce: at most five.
const PAGES_PER_LISTING: usize = 5;
/// The first API version with `resultPages`.
const RESULT_PAGES_SINCE: u32 = 58;

pub(crate) struct QueryJob {
    c: Common,
    query: Query,
    /// Matching rows, in result order.
    rows: Vec<u32>,
    /// CSV header names and the fields they read.
    columns: Vec<(String, FieldRef)>,
    p: Mutex<Progress>,
}

/// Routes `jobs/query/...`.
pub(super) fn route(ctx: &Ctx, method: &str, rest: &[&str]) -> Response {
    let with = |id: &str, f: &dyn Fn(&QueryJob) -> Response| match bulk(ctx).get(id, Kind::Query) {
        Some(j) => match &*j {
            Job::Query(q) => f(q),
            Job::Ingest(_) => Response::not_found(),
        },
        None => Response::not_found(),
    };
    match (rest, method) {
        ([], "POST") => create(ctx),
        ([], "GET" | "HEAD") => {
            let items = bulk(ctx)
                .list(Kind::Query)
                .iter()
                .filter_map(|j| match &**j {
                    Job::Query(q) => Some(info(ctx, q, &lock(&q.p), true)),
                    Job::Ingest(_) => None,
                })
                .collect();
            job_list(items)
        }
        ([], m) => Response::method_not_allowed(m, "GET,HEAD,POST"),
        ([id], "GET" | "HEAD") => with(id, &|q| {
            let mut p = lock(&q.p);
            p.poll(bulk(ctx));
            Response::json(200, info(ctx, q, &p, true))
        }),
        ([id], "PATCH") => with(id, &|q| abort(ctx, q)),
        ([id], "DELETE") => {
            with(id, &|q| {
                let phase = lock(&q.p).phase;
                if !phase.terminal() {
                    // The "Delete a Query Job" page's answer.
                    return bad(
                        "API_ERROR",
                        "Error encountered when deleting the job because the job is not terminated",
                    );
                }
                bulk(ctx).remove(id);
                Response::no_content()
            })
        }
        ([_], m) => Response::method_not_allowed(m, "GET,HEAD,PATCH,DELETE"),
        ([id, "results"], "GET" | "HEAD") => with(id, &|q| results(ctx, q)),
        ([_, "results"], m) => Response::method_not_allowed(m, "GET,HEAD"),
        // The docs' example spells it `resultpages`; both are served.
        ([_, "resultPages" | "resultpages"], _) if !has_result_pages(ctx) => Response::not_found(),
        ([id, "resultPages" | "resultpages"], "GET" | "HEAD") => {
            with(id, &|q| result_pages(ctx, q))
        }
        ([_, "resultPages" | "resultpages"], m) => Response::method_not_allowed(m, "GET,HEAD"),
        _ => Response::not_found(),
    }
}

fn create(ctx: &Ctx) -> Response {
    let body = match json_body(ctx) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (all_rows, operation) = match member(&body, "operation") {
        Some("query") => (false, "query"),
        Some("queryAll") => (true, "queryAll"),
        other => {
            return bad(
                "INVALIDJOB",
                &format!(
                "Invalid operation: '{}'. Valid operations for query jobs are query and queryAll",
                other.unwrap_or("")
            ),
            )
        }
    };
    let Some(text) = member(&body, "query") else {
        return bad(
            "INVALIDJOB",
            "The query field is required to create a query job",
        );
    };
    let csv = match csv_options(&body) {
        Ok(o) => o,
        Err(r) => return r,
    };
    if let Some(feature) = unsupported(text) {
        return bad(
            "INVALIDJOB",
            &format!("{feature} is not supported by Bulk API 2.0 query jobs"),
        );
    }
    let query = match soql::parse(text, &ctx.org.time_zone()) {
        Ok(q) => q,
        Err(e) => return Response::error(400, e.code, &e.message),
    };
    let Select::Fields(items) = &query.select else {
        return bad(
            "INVALIDJOB",
            "Aggregate functions, COUNT() included, is not supported by Bulk API 2.0 query jobs",
        );
    };
    let def = schema::object(query.obj);
    let columns = soql::flat_columns(query.obj, items);
    // "Compound address fields or compound geolocation fields" are not supported.
    if let Some((name, _)) = columns.iter().find(|(_, f)| {
        schema::object(f.obj).fields[f.field as usize].ty == crate::schema::FieldType::Compound
    }) {
        return bad(
            "INVALIDJOB",
            &format!("{name}: compound fields are not supported by Bulk API 2.0 query jobs; select their parts (such as BillingCity) instead"),
        );
    }
    let rows = soql::execute(&query, &read(&ctx.org.store), all_rows);
    let b = bulk(ctx);
    let (key, id) = b.new_id();
    let c = common(ctx, id, def.name, operation, csv);
    let mut p = Progress::new(c.created_ms);
    p.query = true;
    p.close();
    p.outcome = Some(match b.take_failure() {
        Some(message) => (Phase::Failed, Some(message)),
        None => (Phase::JobComplete, None),
    });
    let job = QueryJob {
        c,
        query,
        rows,
        columns,
        p: Mutex::new(p),
    };
    let out = {
        let p = lock(&job.p);
        let mut o = job_head(&job.c, &ctx.org.user_id, &p, "UploadComplete");
        o = tail(o, &job.c, false);
        o.finish()
    };
    b.add(key, Arc::new(Job::Query(job)));
    Response::json(200, out)
}

fn tail(o: super::JsonObj, c: &Common, detail: bool) -> super::JsonObj {
    let mut o = o
        .str("concurrencyMode", "Parallel")
        .str("contentType", "CSV")
        .raw("apiVersion", &c.api_version);
    if detail {
        o = o.str("jobType", "V2Query");
    }
    o.str("lineEnding", c.line_ending)
        .str("columnDelimiter", c.delimiter_name)
}

fn info(ctx: &Ctx, q: &QueryJob, p: &Progress, detail: bool) -> Vec<u8> {
    let mut o = job_head(&q.c, &ctx.org.user_id, p, p.phase.name());
    o = tail(o, &q.c, detail);
    if detail {
        let n = if p.phase == Phase::JobComplete {
            q.rows.len()
        } else {
            0
        };
        o = o
            .raw("numberRecordsProcessed", &n.to_string())
            .raw("retries", "0")
            .raw("totalProcessingTime", &p.processing_ms.to_string())
            .raw("isPkChunkingSupported", "true");
        if let Some(m) = p
            .error_message
            .as_deref()
            .filter(|_| p.phase == Phase::Failed)
        {
            o = o.str("errorMessage", m);
        }
    }
    o.finish()
}

fn abort(ctx: &Ctx, q: &QueryJob) -> Response {
    let body = match json_body(ctx) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let target = member(&body, "state").unwrap_or("");
    let mut p = lock(&q.p);
    if target != "Aborted" {
        return bad(
            "INVALIDJOBSTATE",
            &format!("Invalid state: '{target}'. A query job can only be set to Aborted"),
        );
    }
    if p.phase == Phase::JobComplete {
        // The "Abort a Query Job" page's answer.
        return bad(
            "INVALIDJOBSTATE",
            "Aborting already Completed Job not allowed",
        );
    }
    if p.phase.terminal() {
        return bad(
            "INVALIDJOBSTATE",
            &format!(
                "Cannot abort job {}: it is already {}",
                q.c.id,
                p.phase.name()
            ),
        );
    }
    q.c.abort.store(true, Ordering::SeqCst);
    p.finish(Phase::Aborted, None);
    let o = job_head(&q.c, &ctx.org.user_id, &p, "Aborted");
    Response::json(200, tail(o, &q.c, false).finish())
}

/// The locator of the page starting at `offset`.
fn locator(offset: usize) -> String {
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(offset.to_string())
}

fn parse_locator(s: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(s.trim_end_matches('='))
        .ok()?;
    std::str::from_utf8(&bytes).ok()?.parse().ok()
}

/// Whether the request's API version serves `resultPages` (58.0 and later).
fn has_result_pages(ctx: &Ctx) -> bool {
    ctx.major() >= RESULT_PAGES_SINCE
}

/// Why the results of `q` cannot be read by this request: results must be asked for with the
/// API version that created the job (409 otherwise), of a `JobComplete` job.
fn not_readable(ctx: &Ctx, q: &QueryJob) -> Option<Response> {
    if ctx.version != q.c.api_version {
        // The status is documented; the code and text are ours (none is documented).
        return Some(Response::error(
            409,
            "API_VERSION_MISMATCH",
            &format!(
                "Job {} was created with API version {}: read its results with that version, not {}",
                q.c.id, q.c.api_version, ctx.version
            ),
        ));
    }
    let phase = lock(&q.p).phase;
    if phase != Phase::JobComplete {
        return Some(bad(
            "INVALIDJOBSTATE",
            &format!(
                "Results are available once the job is JobComplete; job {} is {}",
                q.c.id,
                phase.name()
            ),
        ));
    }
    None
}

/// `GET jobs/query/{id}/resultPages[?locator=L]`: up to five result URLs of pages that can be
/// downloaded at once, and the URL of the next five.
fn result_pages(ctx: &Ctx, q: &QueryJob) -> Response {
    if let Some(r) = not_readable(ctx, q) {
        return r;
    }
    let params = parse_form(&ctx.req.query);
    let size = bulk(ctx).page_size();
    let start = match param(&params, "locator").filter(|l| !l.is_empty()) {
        None => 0,
        Some(l) => match parse_locator(l).filter(|&o| o < q.rows.len()) {
            Some(o) => o,
            None => return bad("INVALIDLOCATOR", &format!("Invalid locator: {l}")),
        },
    };
    let base = format!("{}/jobs/query/{}", ctx.base(), q.c.id);
    let mut out = b"{\"resultPages\":[".to_vec();
    let mut offset = start;
    for i in 0..PAGES_PER_LISTING {
        if i > 0 && offset >= q.rows.len() {
            break;
        }
        if i > 0 {
            out.push(b',');
        }
        let url = format!("{base}/results?locator={}", locator(offset));
        out.extend_from_slice(b"{\"resultUrl\":");
        crate::value::write_json_str(&mut out, &url);
        out.push(b'}');
        offset = offset.saturating_add(size);
    }
    out.push(b']');
    if offset < q.rows.len() {
        out.extend_from_slice(b",\"nextRecordsUrl\":");
        let next = format!("{base}/resultPages?locator={}", locator(offset));
        crate::value::write_json_str(&mut out, &next);
        out.extend_from_slice(b",\"done\":false}");
    } else {
        out.extend_from_slice(b",\"nextRecordsUrl\":null,\"done\":true}");
    }
    Response::json(200, out)
}

fn results(ctx: &Ctx, q: &QueryJob) -> Response {
    if let Some(r) = not_readable(ctx, q) {
        return r;
    }
    let params = parse_form(&ctx.req.query);
    let max = match param(&params, "maxRecords") {
        None => bulk(ctx).page_size(),
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if n > 0 => n.min(MAX_RECORDS_CAP),
            _ => {
                return bad(
                    "INVALIDREQUEST",
                    &format!("Invalid maxRecords: '{v}'. It must be a positive integer"),
                )
            }
        },
    };
    let offset = match param(&params, "locator").filter(|l| !l.is_empty()) {
        None => 0,
        // The locator of the first page (from `resultPages`) is valid too, even with no rows.
        Some(l) => match parse_locator(l).filter(|&o| o == 0 || o < q.rows.len()) {
            Some(o) => o,
            None => return bad("INVALIDLOCATOR", &format!("Invalid locator: {l}")),
        },
    };
    let end = (offset + max).min(q.rows.len());
    let page = &q.rows[offset..end];
    let next = if end < q.rows.len() {
        locator(end)
    } else {
        "null".to_owned()
    };
    let body = write_page(&read(&ctx.org.store), q, page);
    // The server's own time: pages are produced at a finite rate (outside every lock).
    let produce = bulk(ctx).result_time(page.len());
    if !produce.is_zero() {
        std::thread::sleep(produce);
    }
    csv_response(body)
        .header("Sforce-Locator", &next)
        .header("Sforce-NumberOfRecords", &page.len().to_string())
}

/// The header row and one line per record.
fn write_page(store: &Store, q: &QueryJob, rows: &[u32]) -> Vec<u8> {
    let delim = q.c.delimiter;
    let nl = eol(&q.c);
    let mut out = Vec::with_capacity(64 + rows.len() * (16 + 24 * q.columns.len()));
    for (i, (c, _)) in q.columns.iter().enumerate() {
        if i > 0 {
            out.push(delim);
        }
        write_quoted(&mut out, c);
    }
    out.extend_from_slice(nl);
    for &row in rows {
        let Some(values) = store.row(q.query.obj, row) else {
            continue;
        };
        let mut first = true;
        let mut sep = |out: &mut Vec<u8>| {
            if !first {
                out.push(delim);
            }
            first = false;
        };
        for (_, f) in &q.columns {
            sep(&mut out);
            write_csv_value(&mut out, soql::field_value(store, values, f));
        }
        out.extend_from_slice(nl);
    }
    out
}

/// A value as Bulk API 2.0 writes it in CSV: quoted, nulls empty, datetimes with `Z`.
fn write_csv_value(out: &mut Vec<u8>, v: &Value) {
    let text = match v {
        Value::Null => return,
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Num(f) => java_double(*f),
        Value::Date(d) => crate::time::format_date(*d),
        Value::DateTime(ms) => {
            let s = crate::time::format_datetime(*ms);
            format!("{}Z", s.trim_end_matches("+0000"))
        }
        Value::Id(obj, row) => schema::object(*obj).id_of(*row),
        Value::Short(..) | Value::Long(_) => {
            write_quoted(out, v.as_str().unwrap_or(""));
            return;
        }
    };
    write_quoted(out, &text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locators_round_trip_and_look_like_salesforce() {
        assert_eq!(locator(10000), "MTAwMDA");
        assert_eq!(parse_locator("MTAwMDA"), Some(10000));
        assert_eq!(parse_locator("garbage!"), None);
    }
}
