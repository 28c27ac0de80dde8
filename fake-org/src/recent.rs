//! Recently viewed records: `GET /recent` ("Recently Viewed Items"), and the `recentItems` of an
//! sObject's basic information. The REST row resources update the list (the MRU Header page:
//! sObject Rows, Rows by External ID and a create through sObject Basic Information do, by
//! default; `Sforce-Mru: updateMru=false` says not to, from API 60.0; queries never do). The
//! list holds 200 records, the most recent first; a deleted record drops out of it.

use serde_json::Value as J;

use crate::ctx::Ctx;
use crate::org::{lock, read};
use crate::response::Response;
use crate::schema;
use crate::store::{Lookup, Store};

/// The most records the list holds (`RecentlyViewed`'s entries).
const MAX: usize = 200;

/// Notes that the call of `ctx` viewed or wrote record `id` of object `obj`, unless it asked
/// not to.
pub(crate) fn viewed(ctx: &Ctx, obj: u8, id: &str) {
    if ctx.tooling || !updates_mru(ctx) {
        return;
    }
    let Some(norm) = crate::ids::normalize(id) else {
        return;
    };
    let Lookup::Live(row) = read(&ctx.org.store).lookup(obj, &norm) else {
        return;
    };
    let mut list = lock(&ctx.org.mru);
    list.retain(|&entry| entry != (obj, row));
    list.push_front((obj, row));
    list.truncate(MAX);
}

/// Whether the request lets the MRU list be updated: `Sforce-Mru: updateMru=false` (API 60.0
/// and later) says no.
fn updates_mru(ctx: &Ctx) -> bool {
    let major: u32 = ctx
        .version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    let refused = ctx.req.header("sforce-mru").is_some_and(|h| {
        h.split([';', ','])
            .any(|p| p.trim().eq_ignore_ascii_case("updateMru=false"))
    });
    !(major >= 60 && refused)
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
    Response::json(200, items(ctx, None, limit).into_bytes())
}

/// The recent records, of object `only` when given, as a JSON array of `{attributes, Id,
/// Name}` (members in Salesforce's order, which serde_json's map would sort).
pub(crate) fn items(ctx: &Ctx, only: Option<u8>, limit: usize) -> String {
    let entries: Vec<(u8, u32)> = lock(&ctx.org.mru).iter().copied().collect();
    let store = read(&ctx.org.store);
    let items: Vec<String> = entries
        .into_iter()
        .filter(|&(obj, _)| only.is_none_or(|o| o == obj))
        .filter_map(|(obj, row)| item(ctx, &store, obj, row))
        .take(limit)
        .collect();
    format!("[{}]", items.join(","))
}

fn item(ctx: &Ctx, store: &Store, obj: u8, row: u32) -> Option<String> {
    let def = schema::object(obj);
    let id = def.id_of(row);
    if !matches!(store.lookup(obj, &def.id15_of(row)), Lookup::Live(_)) {
        return None;
    }
    let values = store.row(obj, row)?;
    let name = def
        .fields
        .iter()
        .position(|f| f.name_field)
        .map_or(J::Null, |i| values[i].to_json());
    let text = |s: &str| J::from(s).to_string();
    let url = format!("{}/sobjects/{}/{id}", ctx.base(), def.name);
    Some(format!(
        "{{\"attributes\":{{\"type\":{},\"url\":{}}},\"Id\":{},\"Name\":{name}}}",
        text(def.name),
        text(&url),
        text(&id)
    ))
}
