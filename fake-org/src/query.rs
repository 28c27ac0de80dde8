//! The query and queryAll resources: running SOQL, paging through cursors, writing records.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::ctx::Ctx;
use crate::form::{param, parse_form};
use crate::org::{lock, read};
use crate::response::Response;
use crate::soql::{self, Kids, OutItem, Query, Select};
use crate::store::Store;
use crate::value::write_json_str;

/// Open cursors kept at once; the oldest is dropped beyond this.
const MAX_CURSORS: usize = 64;
/// Default page size.
const DEFAULT_BATCH: usize = 2000;

/// A query's remaining result: matching rows by index, serialized page by page on demand.
pub(crate) struct Cursor {
    query: Arc<Query>,
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

/// The most `AggregateResult` rows a query may return: they cannot be paged.
const MAX_GROUPS: usize = 2000;

/// `GET query?q=...` and `GET queryAll?q=...`.
pub(crate) fn run(ctx: &Ctx, all_rows: bool) -> Response {
    let params = parse_form(&ctx.req.query);
    let Some(q) = param(&params, "q") else {
        return Response::error(400, "MALFORMED_QUERY", "A query string has to be specified");
    };
    let query = match soql::parse(q, &ctx.org.time_zone()) {
        Ok(query) => Arc::new(query),
        Err(e) => return Response::error(400, e.code, &e.message),
    };
    let store = read(&ctx.org.store);
    let rows = soql::execute(&query, &store, all_rows);
    match &query.select {
        Select::Count => return count_body(rows.len()),
        Select::Aggregate(agg) => {
            let groups = soql::groups(&query, agg, &store, &rows);
            if groups.len() > MAX_GROUPS {
                return Response::error(
                    400,
                    "MALFORMED_QUERY",
                    "Aggregate query does not support queryMore(), use LIMIT to restrict the results to a single batch",
                );
            }
            let mut out = format!(
                "{{\"totalSize\":{},\"done\":true,\"records\":[",
                groups.len()
            )
            .into_bytes();
            for (n, g) in groups.iter().enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                soql::write_group(&mut out, agg, g);
            }
            out.extend_from_slice(b"]}");
            return Response::json(200, out);
        }
        Select::Fields(_) => {}
    }
    let batch = batch_size(ctx).unwrap_or(DEFAULT_BATCH);
    let total = rows.len();
    let shown = total.min(batch);
    let next = (total > batch).then(|| lock(&ctx.org.cursors).next_id());
    let body = page(
        ctx,
        &store,
        &query,
        &rows[..shown],
        total,
        next.as_ref().map(|id| format!("{id}-{batch}")),
        batch,
    );
    drop(store);
    if let Some(id) = next {
        lock(&ctx.org.cursors).insert(id, Cursor { query, rows, batch });
    }
    Response::json(200, body)
}

fn count_body(n: usize) -> Response {
    let body = format!("{{\"totalSize\":{n},\"done\":true,\"records\":[]}}");
    Response::json(200, body.into_bytes())
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
            batch,
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
    batch: usize,
) -> Vec<u8> {
    let Select::Fields(items) = &q.select else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(64 + rows.len() * (64 + 40 * items.len()));
    out.extend_from_slice(
        format!("{{\"totalSize\":{total},\"done\":{}", next.is_none()).as_bytes(),
    );
    let base = ctx.base();
    if let Some(locator) = &next {
        out.extend_from_slice(b",\"nextRecordsUrl\":");
        write_json_str(&mut out, &format!("{base}/query/{locator}"));
    }
    out.extend_from_slice(b",\"records\":[");
    let sets: Vec<_> = items
        .iter()
        .filter_map(|it| match it {
            OutItem::Children(sub) => Some(soql::children(sub, q.obj, rows, store)),
            _ => None,
        })
        .collect();
    let mut pending: Vec<(String, Cursor)> = Vec::new();
    let mut pager = |query: &Arc<Query>, rows: Vec<u32>| {
        let id = lock(&ctx.org.cursors).next_id();
        let url = format!("{base}/query/{id}-{batch}");
        pending.push((
            id,
            Cursor {
                query: query.clone(),
                rows,
                batch,
            },
        ));
        url
    };
    let mut kids = (!sets.is_empty()).then_some(Kids {
        sets,
        batch,
        pager: &mut pager,
    });
    for (n, &row) in rows.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        soql::write_record(&mut out, store, &base, q.obj, row, items, kids.as_mut());
    }
    drop(kids);
    if !pending.is_empty() {
        let mut cursors = lock(&ctx.org.cursors);
        for (id, cursor) in pending {
            cursors.insert(id, cursor);
        }
    }
    out.extend_from_slice(b"]}");
    out
}
