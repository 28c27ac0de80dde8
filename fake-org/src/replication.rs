//! The replication API over the org's writes: `sobjects/{Type}/updated/?start=&end=` and
//! `sobjects/{Type}/deleted/?start=&end=`, with Salesforce's limits.
//!
//! Times are read with their offset and the seconds dropped (the windows are minute-granular);
//! a record is in a window when its timestamp is at or after the start minute and before the
//! minute answered as `latestDateCovered` (the end minute, or the current minute when the end
//! is later). Updated covers 30 days back, deleted 15 (the REST page's figure; the Recycle Bin
//! can make it less: see `FakeOrg::empty_recycle_bin`).

use std::sync::atomic::Ordering;

use crate::ctx::Ctx;
use crate::form::{param, parse_form};
use crate::org::read;
use crate::response::{ApiError, Response};
use crate::schema;
use crate::store::{is_deleted, is_purged};
use crate::time::{format_datetime, now_ms, parse_datetime};
use crate::value::{write_json_str, Value};

/// Most ids one answer holds before `EXCEEDED_ID_LIMIT` (lowered by a test knob).
pub(crate) const ID_LIMIT: usize = 600_000;
/// How far back `updated` reaches.
const UPDATED_DAYS: i64 = 30;
/// How far back `deleted` reaches.
const DELETED_DAYS: i64 = 15;
const MINUTE: i64 = 60_000;
const DAY: i64 = 86_400_000;

fn invalid(message: &str) -> ApiError {
    ApiError::new(400, "INVALID_REPLICATION_DATE", message)
}

/// The window in epoch milliseconds: (start minute, latest minute covered).
fn window(ctx: &Ctx, days: i64) -> Result<(i64, i64), ApiError> {
    let params = parse_form(&ctx.req.query);
    let read_time = |name: &str| -> Result<i64, ApiError> {
        let text = param(&params, name).ok_or_else(|| {
            ApiError::new(400, "MISSING_ARGUMENT", &format!("{name} not specified"))
        })?;
        parse_datetime(text)
            .map(|ms| ms - ms.rem_euclid(MINUTE))
            .ok_or_else(|| {
                invalid(&format!(
                    "{name} must be a dateTime such as 2026-11-30T00:00:00+00:00: {text}"
                ))
            })
    };
    let start = read_time("start")?;
    let end = read_time("end")?;
    if start >= end {
        return Err(invalid("start must be before end (to the minute)"));
    }
    let now = now_ms();
    let held = ctx.org.replication_hold.load(Ordering::Relaxed).min(now);
    let now_minute = held - held.rem_euclid(MINUTE);
    if start < now - days * DAY {
        return Err(invalid(&format!(
            "start cannot be more than {days} days ago: {}",
            format_datetime(start)
        )));
    }
    Ok((start, end.min(now_minute).max(start)))
}

/// The timestamp the API tracks: SystemModstamp, or LastModifiedDate where there is none.
fn modstamp_field(obj: u8) -> usize {
    let def = schema::object(obj);
    def.field_index("SystemModstamp")
        .unwrap_or_else(|| def.idx("LastModifiedDate"))
}

fn time_of(v: &Value) -> Option<i64> {
    match v {
        Value::DateTime(ms) => Some(*ms),
        _ => None,
    }
}

fn too_many(ctx: &Ctx) -> ApiError {
    let limit = ctx.org.replication_id_limit.load(Ordering::Relaxed);
    ApiError::new(
        400,
        "EXCEEDED_ID_LIMIT",
        &format!("The number of ids for the given time span exceeds {limit}: narrow the time span"),
    )
}

/// `GET sobjects/{Type}/updated/?start=&end=`.
pub(crate) fn updated(ctx: &Ctx, obj: u8) -> Response {
    let run = || -> Result<Response, ApiError> {
        let (start, covered) = window(ctx, UPDATED_DAYS)?;
        let limit = ctx.org.replication_id_limit.load(Ordering::Relaxed);
        let def = schema::object(obj);
        let stamp = modstamp_field(obj);
        let store = read(&ctx.org.store);
        let mut ids = Vec::new();
        for (row, values) in store.table(obj).rows.iter().enumerate() {
            if is_deleted(values) {
                continue;
            }
            if time_of(&values[stamp]).is_some_and(|t| t >= start && t < covered) {
                if ids.len() == limit {
                    return Err(too_many(ctx));
                }
                ids.push(def.id_of(row as u32));
            }
        }
        let mut b = Vec::with_capacity(32 + ids.len() * 21);
        b.extend_from_slice(b"{\"ids\":[");
        for (n, id) in ids.iter().enumerate() {
            if n > 0 {
                b.push(b',');
            }
            write_json_str(&mut b, id);
        }
        b.extend_from_slice(b"],\"latestDateCovered\":");
        write_json_str(&mut b, &format_datetime(covered));
        b.push(b'}');
        Ok(Response::json(200, b))
    };
    run().unwrap_or_else(Response::from)
}

/// `GET sobjects/{Type}/deleted/?start=&end=`.
pub(crate) fn deleted(ctx: &Ctx, obj: u8) -> Response {
    let run = || -> Result<Response, ApiError> {
        let (start, covered) = window(ctx, DELETED_DAYS)?;
        let limit = ctx.org.replication_id_limit.load(Ordering::Relaxed);
        let earliest = ctx.org.delete_log_from.load(Ordering::Relaxed);
        let def = schema::object(obj);
        let stamp = def.idx("LastModifiedDate");
        let store = read(&ctx.org.store);
        let mut gone = Vec::new();
        for (row, values) in store.table(obj).rows.iter().enumerate() {
            if !is_deleted(values) || is_purged(values) {
                continue;
            }
            let Some(t) = time_of(&values[stamp]) else {
                continue;
            };
            if t >= start && t < covered && t >= earliest {
                if gone.len() == limit {
                    return Err(too_many(ctx));
                }
                gone.push((def.id_of(row as u32), t));
            }
        }
        let mut b = Vec::with_capacity(96 + gone.len() * 64);
        b.extend_from_slice(b"{\"deletedRecords\":[");
        for (n, (id, t)) in gone.iter().enumerate() {
            if n > 0 {
                b.push(b',');
            }
            b.extend_from_slice(b"{\"id\":");
            write_json_str(&mut b, id);
            b.extend_from_slice(b",\"deletedDate\":");
            write_json_str(&mut b, &format_datetime(*t));
            b.push(b'}');
        }
        b.extend_from_slice(b"],\"earliestDateAvailable\":");
        write_json_str(&mut b, &format_datetime(earliest));
        b.extend_from_slice(b",\"latestDateCovered\":");
        write_json_str(&mut b, &format_datetime(covered));
        b.push(b'}');
        Ok(Response::json(200, b))
    };
    run().unwrap_or_else(Response::from)
}

/// The default start of the delete log: well before anything the org was seeded with.
pub(crate) fn default_delete_log_start() -> i64 {
    let t = now_ms() - 400 * DAY;
    t - t.rem_euclid(MINUTE)
}
