//! The query and queryAll resources: running SOQL, paging through cursors, writing records.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::ctx::Ctx;
use crate::form::{param, parse_form};
use crate::org::{lock, read};
use crate::response::Response;
use crate::schema;
use crate::soql::{self, OutItem, Query, Select};
use crate::store::Store;
use crate::value::{write_json_str, write_value, Value};

/// Open cursors kept at once; the oldest is dropped beyond this.
const MAX_CURSORS: usize = 64;
/// Default page size.
const DEFAULT_BATCH: usize = 2000;

/// A query's remaining result: matching rows by index, serialized page by page on demand.
pub(crate) struct Cursor {
    query: Query,
    rows: Vec<u32>,
    batch: usize,
}

/// The open cursors, by locator id.
#[derive(Default)]
pub(crate) struct Cursors {
    map: HashMap<String, Arc<Cursor>>,
    order: VecDeque<String>,
    seq: AtomicU64,
}

impl Cursors {
    /// A fresh locator id.
    fn next_id(&self) -> String {
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        crate::ids::id18("01g", 7_340_000 + n)
    }

    /// Keeps a cursor under `id`, dropping the oldest beyond the limit.
    fn insert(&mut self, id: String, cursor: Cursor) {
        if self.order.len() >= MAX_CURSORS {
            if let Some(old) = self.order.pop_front() {
                self.map.remove(&old);
            }
        }
        self.order.push_back(id.clone());
        self.map.insert(id, Arc::new(cursor));
    }
}

/// The page size asked for with `Sforce-Query-Options: batchSize=N`, clamped to 200..=2000.
fn batch_size(ctx: &Ctx) -> Option<usize> {
    let options = ctx.req.header("sforce-query-options")?;
    options.split(',').find_map(|opt| {
        let (k, v) = opt.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("batchSize") {
            return None;
        }
        v.trim().parse::<usize>().ok().map(|n| n.clamp(200, 2000))
    })
}

/// `GET query?q=...` and `GET queryAll?q=...`.
pub(crate) fn run(ctx: &Ctx, all_rows: bool) -> Response {
    let params = parse_form(&ctx.req.query);
    let Some(q) = param(&params, "q") else {
        return Response::error(400, "MALFORMED_QUERY", "A query string has to be specified");
    };
    let query = match soql::parse(q, &ctx.org.time_zone()) {
        Ok(query) => query,
        Err(e) => return Response::error(400, e.code, &e.message),
    };
    let store = read(&ctx.org.store);
    let rows = soql::execute(&query, &store, all_rows);
    if matches!(query.select, Select::Count) {
        let body = format!(
            "{{\"totalSize\":{},\"done\":true,\"records\":[]}}",
            rows.len()
        );
        return Response::json(200, body.into_bytes());
    }
    let batch = batch_size(ctx).unwrap_or(DEFAULT_BATCH);
    if rows.len() <= batch {
        return Response::json(200, page(ctx, &store, &query, &rows, rows.len(), None));
    }
    let total = rows.len();
    let id = lock(&ctx.org.cursors).next_id();
    let body = page(
        ctx,
        &store,
        &query,
        &rows[..batch],
        total,
        Some(format!("{id}-{batch}")),
    );
    drop(store);
    lock(&ctx.org.cursors).insert(id, Cursor { query, rows, batch });
    Response::json(200, body)
}

/// `GET query/{locator}-{offset}`: the next page of a cursor.
pub(crate) fn more(ctx: &Ctx, locator: &str, _all_rows: bool) -> Response {
    let invalid = || Response::error(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
    let Some((id, offset)) = locator.rsplit_once('-') else {
        return invalid();
    };
    let Ok(offset) = offset.parse::<usize>() else {
        return invalid();
    };
    let Some(cursor) = lock(&ctx.org.cursors).map.get(id).cloned() else {
        return invalid();
    };
    if offset == 0 || offset >= cursor.rows.len() {
        return invalid();
    }
    let batch = batch_size(ctx).unwrap_or(cursor.batch);
    let end = (offset + batch).min(cursor.rows.len());
    let next = (end < cursor.rows.len()).then(|| format!("{id}-{end}"));
    let store = read(&ctx.org.store);
    Response::json(
        200,
        page(
            ctx,
            &store,
            &cursor.query,
            &cursor.rows[offset..end],
            cursor.rows.len(),
            next,
        ),
    )
}

/// Writes one page: `{"totalSize":..,"done":..,["nextRecordsUrl":..,]"records":[..]}`.
fn page(
    ctx: &Ctx,
    store: &Store,
    q: &Query,
    rows: &[u32],
    total: usize,
    next: Option<String>,
) -> Vec<u8> {
    let Select::Fields(items) = &q.select else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(64 + rows.len() * (64 + 40 * items.len()));
    out.extend_from_slice(
        format!("{{\"totalSize\":{total},\"done\":{}", next.is_none()).as_bytes(),
    );
    if let Some(locator) = &next {
        out.extend_from_slice(b",\"nextRecordsUrl\":");
        write_json_str(&mut out, &format!("{}/query/{locator}", ctx.base()));
    }
    out.extend_from_slice(b",\"records\":[");
    let base = ctx.base();
    for (n, &row) in rows.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        write_record(&mut out, store, &base, q.obj, row, items);
    }
    out.extend_from_slice(b"]}");
    out
}

/// Writes `{"type":..,"url":..}`.
pub(crate) fn write_attributes(out: &mut Vec<u8>, base: &str, obj: u8, row: u32) {
    let def = schema::object(obj);
    out.extend_from_slice(b"\"attributes\":{\"type\":\"");
    out.extend_from_slice(def.name.as_bytes());
    out.extend_from_slice(b"\",\"url\":\"");
    out.extend_from_slice(base.as_bytes());
    out.extend_from_slice(b"/sobjects/");
    out.extend_from_slice(def.name.as_bytes());
    out.push(b'/');
    out.extend_from_slice(def.id_of(row).as_bytes());
    out.extend_from_slice(b"\"}");
}

/// Writes one query result record.
pub(crate) fn write_record(
    out: &mut Vec<u8>,
    store: &Store,
    base: &str,
    obj: u8,
    row: u32,
    items: &[OutItem],
) {
    let Some(values) = store.row(obj, row) else {
        out.extend_from_slice(b"null");
        return;
    };
    let def = schema::object(obj);
    out.push(b'{');
    write_attributes(out, base, obj, row);
    for item in items {
        out.push(b',');
        match item {
            OutItem::Field(i) => {
                write_json_str(out, def.fields[*i].name);
                out.push(b':');
                write_value(out, &values[*i]);
            }
            OutItem::Parent {
                lookup,
                target,
                rel,
                fields,
            } => {
                write_json_str(out, rel);
                out.push(b':');
                let parent = match values[*lookup] {
                    Value::Id(t, r) if t == *target => store.row(t, r).map(|p| (r, p)),
                    _ => None,
                };
                let Some((prow, pvalues)) = parent else {
                    out.extend_from_slice(b"null");
                    continue;
                };
                let pdef = schema::object(*target);
                out.push(b'{');
                write_attributes(out, base, *target, prow);
                for f in fields {
                    out.push(b',');
                    write_json_str(out, pdef.fields[*f].name);
                    out.push(b':');
                    write_value(out, &pvalues[*f]);
                }
                out.push(b'}');
            }
        }
    }
    out.push(b'}');
}
