//! The sObject resources: create, read, update, delete, and upsert by external id.
//!
//! The `*_checked` functions are shared with sObject Collections and composite.

use serde_json::{Map, Value as J};

use crate::ctx::Ctx;
use crate::org::{read, write};
use crate::response::{write_str_array, ApiError, Response};
use crate::schema;
use crate::soql::write_attributes;
use crate::store::{is_deleted, Lookup, Store};
use crate::validate::{self, check_unique, Mode};
use crate::value::{write_json_str, Value};
use crate::{describe, time};

/// Sub-resources of an sObject that Salesforce serves and this fake org does not.
const NOT_EMULATED: [&str; 7] = [
    "listviews",
    "quickActions",
    "layouts",
    "compactLayouts",
    "approvalLayouts",
    "defaultValues",
    "eventSchema",
];

fn not_emulated(ty: &str, rest: &[&str]) -> Response {
    let msg = format!(
        "The fake org does not serve sobjects/{ty}/{} (Salesforce does)",
        rest.join("/")
    );
    Response::error(404, "NOT_FOUND", &msg)
}

/// Routes `sobjects/{Type}/...`.
pub(crate) fn route(ctx: &Ctx, ty: &str, rest: &[&str]) -> Response {
    let Some(obj) = schema::object_index(ty) else {
        return Response::not_found();
    };
    let method = ctx.req.method.as_str();
    let blob = crate::blob::blob_field(obj);
    let result = match (rest, method) {
        ([], "POST") if blob.is_some() => return crate::blob::create(ctx, obj),
        ([id], "PATCH") if blob.is_some() => return crate::blob::update(ctx, obj, id),
        ([id, field], "GET" | "HEAD")
            if blob.is_some_and(|b| {
                schema::object(obj).fields[b]
                    .name
                    .eq_ignore_ascii_case(field)
            }) =>
        {
            return crate::blob::download(ctx, obj, id)
        }
        ([], "POST") => create(ctx, obj),
        ([], "GET" | "HEAD") => return describe::basic(ctx, obj),
        ([], m) => return Response::method_not_allowed(m, "HEAD,GET,POST"),
        (["describe"], "GET" | "HEAD") => {
            let schema_date = crate::conditional::schema_modified_ms();
            return crate::conditional::not_modified(ctx, schema_date)
                .unwrap_or_else(|| describe::object(ctx, obj));
        }
        (["describe"], m) => return Response::method_not_allowed(m, "HEAD,GET"),
        // Resources the describe's `urls` name and Salesforce serves, which this fake org
        // does not: said so, instead of reading the name as a record id or external id field.
        ([name, ..], _) if NOT_EMULATED.contains(name) => return not_emulated(ty, rest),
        (["describe", name, ..], _) if NOT_EMULATED.contains(name) => {
            return not_emulated(ty, rest)
        }
        (["updated"], "GET" | "HEAD") => return crate::replication::updated(ctx, obj),
        (["deleted"], "GET" | "HEAD") => return crate::replication::deleted(ctx, obj),
        // A record in the recycle bin answers 404 ENTITY_IS_DELETED, to a read as to a write.
        ([id], "GET" | "HEAD") => {
            // The read guard is dropped before `get` takes its own: a writer waiting between
            // two read locks of one thread would deadlock them.
            let row = live_row(&read(&ctx.org.store), obj, id, false);
            row.and_then(|row| get_viewed(ctx, obj, row))
        }
        ([id], "PATCH") => body(ctx).and_then(|b| {
            let mut store = write(&ctx.org.store);
            let row = live_row(&store, obj, id, false)?;
            let (tag, modified) = version(ctx, &store, obj, row);
            crate::conditional::check_row(ctx, tag.as_deref(), modified, false)?;
            update_checked(&mut store, obj, row, &b, &ctx.req.body)?;
            drop(store);
            crate::recent::viewed(ctx, obj, row);
            Ok(Response::no_content())
        }),
        ([id], "DELETE") => {
            let mut store = write(&ctx.org.store);
            live_row(&store, obj, id, false).and_then(|row| {
                delete_checked(&mut store, obj, row)?;
                Ok(Response::no_content())
            })
        }
        ([_], m) => return Response::method_not_allowed(m, "HEAD,GET,PATCH,DELETE"),
        ([field, value], _) => by_external_id(ctx, obj, field, value),
        _ => return Response::not_found(),
    };
    result.unwrap_or_else(Response::from)
}

/// The request body as a JSON object.
fn body(ctx: &Ctx) -> Result<Map<String, J>, ApiError> {
    validate::parse_object(&ctx.req.body)
}

/// The row of a record id of object `obj`: MALFORMED_ID, NOT_FOUND or ENTITY_IS_DELETED
/// (NOT_FOUND for a deleted record when `reading`: the lists of records by id, which answer
/// `null` for either, and blob downloads).
pub(crate) fn live_row(store: &Store, obj: u8, id: &str, reading: bool) -> Result<u32, ApiError> {
    let def = schema::object(obj);
    let malformed = || {
        let msg = format!("{} ID: id value of incorrect type: {id}", def.label);
        ApiError::fields(400, "MALFORMED_ID", &msg, &["Id"])
    };
    let norm = crate::ids::normalize(id).ok_or_else(malformed)?;
    if &norm[..3] != def.key_prefix.as_bytes() {
        return Err(malformed());
    }
    match store.lookup(obj, &norm) {
        Lookup::Live(row) => Ok(row),
        Lookup::Deleted if !reading => Err(deleted()),
        Lookup::Deleted | Lookup::Missing => Err(not_found()),
    }
}

fn deleted() -> ApiError {
    ApiError::of_record(404, "ENTITY_IS_DELETED", "entity is deleted")
}

fn not_found() -> ApiError {
    ApiError::new(404, "NOT_FOUND", "The requested resource does not exist")
}

fn create(ctx: &Ctx, obj: u8) -> Result<Response, ApiError> {
    let b = body(ctx)?;
    let row = insert_checked(&mut write(&ctx.org.store), obj, &b, &ctx.req.body, &[])?;
    crate::recent::viewed(ctx, obj, row);
    Ok(Response::json(
        201,
        save_result(&schema::object(obj).id_of(row), None),
    ))
}

/// Validates and inserts a record; `extra` are changes applied on top (upsert's external id).
pub(crate) fn insert_checked(
    store: &mut Store,
    obj: u8,
    body: &Map<String, J>,
    raw: &[u8],
    extra: &[(usize, Value)],
) -> Result<u32, ApiError> {
    let mut changes = validate::changes(store, obj, body, raw, Mode::Create)?;
    changes.extend(extra.iter().cloned());
    check_unique(store, obj, &changes, None)?;
    let mut values = vec![Value::Null; schema::object(obj).fields.len()].into_boxed_slice();
    for (i, v) in changes {
        values[i] = v;
    }
    crate::duplicates::check(store, obj, &values, None)?;
    Ok(store.insert(obj, values, time::now_ms()))
}

/// Validates and applies an update to a live record.
pub(crate) fn update_checked(
    store: &mut Store,
    obj: u8,
    row: u32,
    body: &Map<String, J>,
    raw: &[u8],
) -> Result<(), ApiError> {
    if store.row(obj, row).is_none_or(is_deleted) {
        return Err(deleted());
    }
    let changes = validate::changes(store, obj, body, raw, Mode::Update)?;
    check_unique(store, obj, &changes, Some(row))?;
    if let Some(current) = store.row(obj, row) {
        let mut after = current.clone();
        for (i, v) in &changes {
            after[*i] = v.clone();
        }
        crate::duplicates::check(store, obj, &after, Some(row))?;
    }
    store.update(obj, row, changes, time::now_ms());
    Ok(())
}

/// Deletes a live record.
pub(crate) fn delete_checked(store: &mut Store, obj: u8, row: u32) -> Result<(), ApiError> {
    if store.row(obj, row).is_none_or(is_deleted) {
        return Err(deleted());
    }
    store.delete(obj, row, time::now_ms());
    Ok(())
}

/// How an upsert went.
pub(crate) enum Upserted {
    /// Created (true) or updated (false) this row.
    Row(u32, bool),
    /// Several records hold the value: their URLs (answered with 300).
    Several(Vec<String>),
}

/// Creates or updates the record whose external id field `fi` holds `value`.
pub(crate) fn upsert_checked(
    store: &mut Store,
    base: &str,
    obj: u8,
    fi: usize,
    value: &str,
    body: &Map<String, J>,
    raw: &[u8],
) -> Result<Upserted, ApiError> {
    let def = schema::object(obj);
    let matches = store.find_external(obj, value);
    match matches.as_slice() {
        [] => {
            let extra = [(fi, Value::text(value))];
            insert_checked(store, obj, body, raw, &extra).map(|row| Upserted::Row(row, true))
        }
        [row] => {
            if body
                .keys()
                .any(|k| k.eq_ignore_ascii_case(def.fields[fi].name))
            {
                let msg = format!("The field {} can not be specified in the body when it is also the external id in the URL", def.fields[fi].name);
                return Err(ApiError::new(400, "INVALID_FIELD", &msg));
            }
            update_checked(store, obj, *row, body, raw).map(|_| Upserted::Row(*row, false))
        }
        rows => Ok(Upserted::Several(
            rows.iter()
                .map(|&r| format!("{base}/sobjects/{}/{}", def.name, def.id_of(r)))
                .collect(),
        )),
    }
}

/// A create's `{"id":..,"errors":[],"success":true}`, or an upsert's
/// `{"id":..,"success":true,"errors":[],"created":..}`: each in the order Salesforce writes.
pub(crate) fn save_result(id: &str, created: Option<bool>) -> Vec<u8> {
    let mut b = Vec::with_capacity(80);
    b.extend_from_slice(b"{\"id\":");
    write_json_str(&mut b, id);
    match created {
        None => b.extend_from_slice(b",\"errors\":[],\"success\":true"),
        Some(c) => b.extend_from_slice(
            format!(",\"success\":true,\"errors\":[],\"created\":{c}").as_bytes(),
        ),
    }
    b.push(b'}');
    b
}

/// The fields named in a `fields=A,B` parameter (all fields when absent).
pub(crate) fn field_list(obj: u8, param: Option<&str>) -> Result<Vec<usize>, ApiError> {
    let def = schema::object(obj);
    let Some(list) = param else {
        return Ok((0..def.fields.len()).collect());
    };
    let mut out = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        match def.field_index(name) {
            Some(i) if !out.contains(&i) => out.push(i),
            Some(_) => {}
            None => {
                let msg = format!("No such column '{name}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.", def.name);
                return Err(ApiError::new(400, "INVALID_FIELD", &msg));
            }
        }
    }
    Ok(out)
}

/// Appends a record with `attributes` and the given fields.
pub(crate) fn write_row(
    out: &mut Vec<u8>,
    store: &Store,
    base: &str,
    obj: u8,
    row: u32,
    fields: &[usize],
) {
    let def = schema::object(obj);
    let Some(values) = store.row(obj, row) else {
        out.extend_from_slice(b"null");
        return;
    };
    out.push(b'{');
    write_attributes(out, base, obj, row);
    for &i in fields {
        out.push(b',');
        write_json_str(out, def.fields[i].name);
        out.push(b':');
        crate::blob::write_field(out, base, obj, row, i, &values[i]);
    }
    out.push(b'}');
}

/// When a row was last modified, and its ETag (Account rows only carry one), which changes
/// with any of its values.
fn version(ctx: &Ctx, store: &Store, obj: u8, row: u32) -> (Option<String>, i64) {
    let def = schema::object(obj);
    let values = store.row(obj, row);
    let modified = match values.map(|v| &v[def.idx("LastModifiedDate")]) {
        Some(Value::DateTime(ms)) => *ms,
        _ => i64::MAX,
    };
    let tag = (def.name == "Account")
        .then(|| crate::conditional::etag(ctx, &format!("{}{values:?}", def.id_of(row))));
    (tag, modified)
}

/// [`get`], the record then put first among the recently viewed when it was read (not a 304).
fn get_viewed(ctx: &Ctx, obj: u8, row: u32) -> Result<Response, ApiError> {
    let got = get(ctx, obj, row)?;
    if got.status == 200 {
        crate::recent::viewed(ctx, obj, row);
    }
    Ok(got)
}

fn get(ctx: &Ctx, obj: u8, row: u32) -> Result<Response, ApiError> {
    // One read of the record: its ETag and its body are of the same version.
    let store = read(&ctx.org.store);
    let (tag, modified) = version(ctx, &store, obj, row);
    if let Some(unchanged) = crate::conditional::check_row(ctx, tag.as_deref(), modified, true)? {
        return Ok(unchanged);
    }
    let params = crate::form::parse_form(&ctx.req.query);
    let fields = field_list(obj, crate::form::param(&params, "fields"))?;
    let mut out = Vec::with_capacity(512);
    write_row(&mut out, &store, &ctx.base(), obj, row, &fields);
    drop(store);
    let resp = Response::json(200, out);
    Ok(match tag {
        Some(t) => resp.header("ETag", &t),
        None => resp,
    })
}

/// `sobjects/{Type}/{ExtIdField}/{value}`: GET, PATCH (upsert) and DELETE by external id.
fn by_external_id(ctx: &Ctx, obj: u8, field: &str, value: &str) -> Result<Response, ApiError> {
    let def = schema::object(obj);
    let Some(fi) = def
        .field_index(field)
        .filter(|&i| def.fields[i].external_id)
    else {
        let msg =
            format!("Provided external ID field does not exist or is not accessible: {field}");
        return Err(ApiError::new(404, "NOT_FOUND", &msg));
    };
    let method = ctx.req.method.as_str();
    let several = |urls: Vec<String>| {
        let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
        let mut b = Vec::new();
        write_str_array(&mut b, &refs);
        Response::json(300, b)
    };
    if method == "PATCH" {
        let b = body(ctx)?;
        let mut store = write(&ctx.org.store);
        let upserted = upsert_checked(&mut store, &ctx.base(), obj, fi, value, &b, &ctx.req.body)?;
        drop(store);
        return Ok(match upserted {
            Upserted::Row(row, created) => {
                crate::recent::viewed(ctx, obj, row);
                let status = if created { 201 } else { 200 };
                Response::json(status, save_result(&def.id_of(row), Some(created)))
            }
            Upserted::Several(urls) => several(urls),
        });
    }
    if !matches!(method, "GET" | "HEAD" | "DELETE") {
        return Ok(Response::method_not_allowed(
            method,
            "HEAD,GET,PATCH,DELETE",
        ));
    }
    let mut store = write(&ctx.org.store);
    match store.find_external(obj, value).as_slice() {
        [] => Err(not_found()),
        [row] if method == "DELETE" => {
            delete_checked(&mut store, obj, *row)?;
            Ok(Response::no_content())
        }
        [row] => {
            let row = *row;
            drop(store);
            get_viewed(ctx, obj, row)
        }
        rows => {
            let base = ctx.base();
            Ok(several(
                rows.iter()
                    .map(|&r| format!("{base}/sobjects/{}/{}", def.name, def.id_of(r)))
                    .collect(),
            ))
        }
    }
}
