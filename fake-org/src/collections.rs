//! sObject Collections: create, update, upsert, delete and retrieve up to 200 records a call.

use serde_json::{Map, Value as J};

use crate::ctx::Ctx;
use crate::form::{param, parse_form};
use crate::org::{read, write};
use crate::response::{ApiError, Response};
use crate::schema::{self, OBJECTS};
use crate::sobjects::{self, Upserted};
use crate::store::Store;
use crate::validate;
use crate::value::write_json_str;

/// Most records one call takes.
const LIMIT: usize = 200;

/// Routes `composite/sobjects[/...]`.
pub(crate) fn route(ctx: &Ctx, rest: &[&str]) -> Response {
    let method = ctx.req.method.as_str();
    let result = match (rest, method) {
        ([], "POST") => write_many(ctx, Op::Create),
        ([], "PATCH") => write_many(ctx, Op::Update),
        ([], "DELETE") => delete_many(ctx),
        ([], m) => return Response::method_not_allowed(m, "POST,PATCH,DELETE"),
        ([ty], "GET" | "HEAD") => retrieve(ctx, ty),
        ([ty], "POST") => crate::retrieve::by_post(ctx, ty),
        ([_], m) => return Response::method_not_allowed(m, "HEAD,GET,POST"),
        ([ty, field], "PATCH") => {
            upsert_target(ty, field).and_then(|(obj, fi)| write_many(ctx, Op::Upsert(obj, fi)))
        }
        ([_, _], m) => return Response::method_not_allowed(m, "PATCH"),
        _ => return Response::not_found(),
    };
    result.unwrap_or_else(Response::from)
}

fn too_many() -> ApiError {
    ApiError::new(
        400,
        "EXCEEDED_ID_LIMIT",
        "record limit reached. cannot submit more than 200 records into this call",
    )
}

fn upsert_target(ty: &str, field: &str) -> Result<(u8, usize), ApiError> {
    let obj = schema::object_index(ty)
        .ok_or_else(|| ApiError::new(404, "NOT_FOUND", "The requested resource does not exist"))?;
    let def = schema::object(obj);
    let fi = def
        .field_index(field)
        .filter(|&i| def.fields[i].external_id)
        .ok_or_else(|| {
            let msg =
                format!("Provided external ID field does not exist or is not accessible: {field}");
            ApiError::new(404, "NOT_FOUND", &msg)
        })?;
    Ok((obj, fi))
}

#[derive(Clone, Copy)]
enum Op {
    Create,
    Update,
    Upsert(u8, usize),
}

/// The result of one record: its id when known, and created/updated or the error.
struct Outcome {
    id: Option<String>,
    result: Result<Option<bool>, ApiError>,
}

fn write_many(ctx: &Ctx, op: Op) -> Result<Response, ApiError> {
    let body = validate::parse_object(&ctx.req.body)?;
    let all_or_none = body.get("allOrNone").and_then(J::as_bool).unwrap_or(false);
    let Some(J::Array(records)) = body.get("records") else {
        return Err(ApiError::new(
            400,
            "JSON_PARSER_ERROR",
            "The request body must have a records array",
        ));
    };
    if records.len() > LIMIT {
        return Err(too_many());
    }
    let base = ctx.base();
    let mut store = write(&ctx.org.store);
    store.begin_journal();
    let outcomes: Vec<Outcome> = records
        .iter()
        .map(|r| one(&mut store, &base, r, op))
        .collect();
    let failed = outcomes.iter().any(|o| o.result.is_err());
    store.end_journal(all_or_none && failed);
    drop(store);
    let rolled_back = all_or_none && failed;
    let mut out = Vec::with_capacity(64 * outcomes.len());
    out.push(b'[');
    for (n, o) in outcomes.into_iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        let result = match o.result {
            Ok(_) if rolled_back => Err(ApiError::new(400, "ALL_OR_NONE_OPERATION_ROLLED_BACK", "Record rolled back because not all records were valid and the request was using AllOrNone header")),
            r => r,
        };
        let id = match (&result, op) {
            (Err(_), Op::Create) => None,
            _ => o.id,
        };
        write_outcome(&mut out, id.as_deref(), &result);
    }
    out.push(b']');
    Ok(Response::json(200, out))
}

fn write_outcome(out: &mut Vec<u8>, id: Option<&str>, result: &Result<Option<bool>, ApiError>) {
    out.push(b'{');
    if let Some(id) = id {
        out.extend_from_slice(b"\"id\":");
        write_json_str(out, id);
        out.push(b',');
    }
    match result {
        Ok(created) => {
            out.extend_from_slice(b"\"success\":true,\"errors\":[]");
            if let Some(c) = created {
                out.extend_from_slice(format!(",\"created\":{c}").as_bytes());
            }
        }
        Err(e) => {
            out.extend_from_slice(b"\"success\":false,\"errors\":[");
            e.write_item(out);
            out.push(b']');
        }
    }
    out.push(b'}');
}

/// The object of a record from its `attributes.type`, or from its id's key prefix.
fn object_of(map: &Map<String, J>, id: Option<&str>) -> Result<u8, ApiError> {
    let ty = map
        .get("attributes")
        .and_then(|a| a.get("type"))
        .and_then(J::as_str);
    match ty {
        Some(t) => schema::object_index(t).ok_or_else(|| {
            ApiError::new(
                400,
                "INVALID_TYPE",
                &format!("sObject type '{t}' is not supported."),
            )
        }),
        None => id
            .and_then(object_of_id)
            .ok_or_else(|| ApiError::new(400, "INVALID_TYPE", "Must send a concrete entity type.")),
    }
}

fn object_of_id(id: &str) -> Option<u8> {
    let norm = crate::ids::normalize(id)?;
    OBJECTS
        .iter()
        .position(|o| o.key_prefix.as_bytes() == &norm[..3])
        .map(|i| i as u8)
}

fn one(store: &mut Store, base: &str, rec: &J, op: Op) -> Outcome {
    let fail = |id: Option<String>, e: ApiError| Outcome { id, result: Err(e) };
    let Some(map) = rec.as_object() else {
        return fail(
            None,
            ApiError::new(
                400,
                "JSON_PARSER_ERROR",
                "Each record must be a JSON object",
            ),
        );
    };
    let raw = serde_json::to_vec(rec).unwrap_or_default();
    match op {
        Op::Create => {
            let result = object_of(map, None).and_then(|obj| {
                sobjects::insert_checked(store, obj, map, &raw, &[])
                    .map(|row| schema::object(obj).id_of(row))
            });
            match result {
                Ok(id) => Outcome {
                    id: Some(id),
                    result: Ok(None),
                },
                Err(e) => fail(None, e),
            }
        }
        Op::Update => {
            let id = map
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("id"))
                .and_then(|(_, v)| v.as_str())
                .map(str::to_owned);
            let Some(id) = id else {
                return fail(
                    None,
                    ApiError::new(
                        400,
                        "MISSING_ARGUMENT",
                        "Id not specified in an update call",
                    ),
                );
            };
            let mut body = map.clone();
            body.retain(|k, _| !k.eq_ignore_ascii_case("id"));
            let result = object_of(map, Some(&id)).and_then(|obj| {
                let row = sobjects::live_row(store, obj, &id, false).map_err(|e| {
                    match e.code.as_str() {
                        "NOT_FOUND" => ApiError::new(
                            400,
                            "INVALID_CROSS_REFERENCE_KEY",
                            "invalid cross reference id",
                        ),
                        _ => e,
                    }
                })?;
                sobjects::update_checked(store, obj, row, &body, &raw)?;
                Ok(schema::object(obj).id_of(row))
            });
            match result {
                Ok(full) => Outcome {
                    id: Some(full),
                    result: Ok(None),
                },
                Err(e) => fail(Some(id), e),
            }
        }
        Op::Upsert(obj, fi) => {
            let name = schema::object(obj).fields[fi].name;
            let value =
                map.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| match v {
                        J::String(s) => s.clone(),
                        other => other.to_string(),
                    });
            let Some(value) = value else {
                let msg = format!("{name} not specified");
                return fail(
                    None,
                    ApiError::fields(400, "REQUIRED_FIELD_MISSING", &msg, &[name]),
                );
            };
            let mut body = map.clone();
            body.retain(|k, _| !k.eq_ignore_ascii_case(name));
            match sobjects::upsert_checked(store, base, obj, fi, &value, &body, &raw) {
                Ok(Upserted::Row(row, created)) => Outcome {
                    id: Some(schema::object(obj).id_of(row)),
                    result: Ok(Some(created)),
                },
                Ok(Upserted::Several(urls)) => {
                    let ids: Vec<&str> = urls.iter().filter_map(|u| u.rsplit('/').next()).collect();
                    let msg = format!(
                        "{name}: more than one record found for external id field: [{}]",
                        ids.join(", ")
                    );
                    fail(
                        None,
                        ApiError::fields(300, "DUPLICATE_EXTERNAL_ID", &msg, &[name]),
                    )
                }
                Err(e) => fail(None, e),
            }
        }
    }
}

fn delete_many(ctx: &Ctx) -> Result<Response, ApiError> {
    let params = parse_form(&ctx.req.query);
    let ids: Vec<&str> = param(&params, "ids")
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if ids.is_empty() {
        return Err(ApiError::new(
            400,
            "MISSING_ARGUMENT",
            "Missing required parameter: ids",
        ));
    }
    if ids.len() > LIMIT {
        return Err(too_many());
    }
    let all_or_none = param(&params, "allOrNone").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let mut store = write(&ctx.org.store);
    store.begin_journal();
    let results: Vec<Result<Option<bool>, ApiError>> = ids
        .iter()
        .map(|id| {
            let obj = object_of_id(id)
                .ok_or_else(|| ApiError::new(400, "MALFORMED_ID", &format!("malformed id {id}")))?;
            let row =
                sobjects::live_row(&store, obj, id, false).map_err(|e| match e.code.as_str() {
                    "NOT_FOUND" => ApiError::new(
                        404,
                        "INVALID_CROSS_REFERENCE_KEY",
                        "invalid cross reference id",
                    ),
                    _ => e,
                })?;
            sobjects::delete_checked(&mut store, obj, row).map(|_| None)
        })
        .collect();
    let failed = results.iter().any(Result::is_err);
    store.end_journal(all_or_none && failed);
    drop(store);
    let mut out = vec![b'['];
    for (n, (id, result)) in ids.iter().zip(results).enumerate() {
        if n > 0 {
            out.push(b',');
        }
        let result = match result {
            Ok(_) if all_or_none && failed => Err(ApiError::new(400, "ALL_OR_NONE_OPERATION_ROLLED_BACK", "Record rolled back because not all records were valid and the request was using AllOrNone header")),
            r => r,
        };
        write_outcome(&mut out, Some(id), &result);
    }
    out.push(b']');
    Ok(Response::json(200, out))
}

/// `GET composite/sobjects/{Type}?ids=..&fields=..`: records in order, null when not found.
fn retrieve(ctx: &Ctx, ty: &str) -> Result<Response, ApiError> {
    let obj = schema::object_index(ty)
        .ok_or_else(|| ApiError::new(404, "NOT_FOUND", "The requested resource does not exist"))?;
    let params = parse_form(&ctx.req.query);
    let ids: Vec<&str> = param(&params, "ids")
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if ids.len() > 2000 {
        return Err(too_many());
    }
    let fields = sobjects::field_list(obj, param(&params, "fields"))?;
    let store = read(&ctx.org.store);
    let base = ctx.base();
    let mut out = vec![b'['];
    for (n, id) in ids.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        match sobjects::live_row(&store, obj, id, true) {
            Ok(row) => sobjects::write_row(&mut out, &store, &base, obj, row, &fields),
            Err(_) => out.extend_from_slice(b"null"),
        }
    }
    out.push(b']');
    Ok(Response::json(200, out))
}
