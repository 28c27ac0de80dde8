//! Recently viewed records: `GET /recent` ("Recently Viewed Items"), and the `recentItems` of an
//! sObject's basic information. The REST row resources update the list (the MRU Header page:
//! sObject Rows, Rows by External ID and a create through sObject Basic Information do, by
//! default; `Sforce-Mru: updateMru=false` says not to, from API 60.0; queries never do). The
//! list holds 200 records, the most recent first; a deleted record drops out of it.

use crate::ctx::Ctx;
use crate::org::{lock, read};
use crate::response::Response;
use crate::schema;
use crate::store::{Lookup, Store};
use crate::value::{write_json_str, write_value};

/// The most records the list holds (`RecentlyViewed`'s entries).
const MAX: usize = 200;

/// Notes that the call of `ctx` viewed or wrote the live record `row` of object `obj`, unless
/// it asked not to.
pub(crate) fn viewed(ctx: &Ctx, obj: u8, row: u32) {
    if ctx.tooling || !updates_mru(ctx) {
        return;
    }
    let mut list = lock(&ctx.org.mru);
    list.retain(|&entry| entry != (obj, row));
    list.push_front((obj, row));
    list.truncate(MAX);
}

/// Whether the request lets the MRU list be updated: `Sforce-Mru: updateMru=false` (API 60.0
/// and later) says no.
fn updates_mru(ctx: &Ctx) -> bool {
    let refused = ctx.req.header("sforce-mru").is_some_and(|h| {
        h.split([';', ','])
            .any(|p| p.trim().eq_ignore_ascii_case("updateMru=false"))
    });
    !(ctx.major() >= 60 && refused)
}

/// `GET /recent?limit=N`: the list, most recent first.
pub(crate) fn list(ctx: &Ctx) -> Response {
    let params = crate::form::parse_form(&ctx.req.query);
    let limit = match crate::form::param(&params, "limit") {
        None => MAX,
        Some(v) => match v.parse::<usize>() {
            Ok(n) => n,
            Err(_) => {
                let msg = format!("limit must be a number: {v}");
                return Response::error(400, "INVALID_QUERY_FILTER_OPERATOR", &msg);
            }
        },
    };
    Response::json(200, items(ctx, None, limit))
}

/// The recent records, of object `only` when given, as a JSON array of `{attributes, Id,
/// Name}` (members in Salesforce's order, which serde_json's map would sort).
pub(crate) fn items(ctx: &Ctx, only: Option<u8>, limit: usize) -> Vec<u8> {
    let entries: Vec<(u8, u32)> = lock(&ctx.org.mru).iter().copied().collect();
    let store = read(&ctx.org.store);
    let base = ctx.base();
    let mut out = vec![b'['];
    let live = entries.into_iter().filter(|&(obj, row)| {
        only.is_none_or(|o| o == obj)
            && matches!(
                store.lookup(obj, &schema::object(obj).id15_of(row)),
                Lookup::Live(_)
            )
    });
    for (n, (obj, row)) in live.take(limit).enumerate() {
        if n > 0 {
            out.push(b',');
        }
        write_item(&mut out, &store, &base, obj, row);
    }
    out.push(b']');
    out
}

fn write_item(out: &mut Vec<u8>, store: &Store, base: &str, obj: u8, row: u32) {
    let def = schema::object(obj);
    out.push(b'{');
    crate::soql::write_attributes(out, base, obj, row);
    out.extend_from_slice(b",\"Id\":");
    write_json_str(out, &def.id_of(row));
    out.extend_from_slice(b",\"Name\":");
    let name = def.fields.iter().position(|f| f.name_field);
    match (name, store.row(obj, row)) {
        (Some(i), Some(values)) => write_value(out, &values[i]),
        _ => out.extend_from_slice(b"null"),
    }
    out.push(b'}');
}
