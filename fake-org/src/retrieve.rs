//! sObject Collections retrieve by POST: `POST composite/sobjects/{Type}` with
//! `{"ids":[...],"fields":[...]}`, up to 2,000 ids of one object. The answer has one entry per
//! id, in the order given (duplicates included), `null` where no readable record has that id.

use serde_json::Value as J;

use crate::ctx::Ctx;
use crate::org::read;
use crate::response::{ApiError, Response};
use crate::{schema, sobjects, validate};

/// Most ids one POST retrieve takes.
pub(crate) const LIMIT: usize = 2000;

fn strings(body: &serde_json::Map<String, J>, name: &str) -> Result<Vec<String>, ApiError> {
    let bad = || {
        ApiError::new(
            400,
            "JSON_PARSER_ERROR",
            &format!("The request body must have a {name} array of strings"),
        )
    };
    match body.get(name) {
        Some(J::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(bad))
            .collect(),
        _ => Err(bad()),
    }
}

/// `POST composite/sobjects/{Type}`.
pub(crate) fn by_post(ctx: &Ctx, ty: &str) -> Result<Response, ApiError> {
    let obj = schema::object_index(ty)
        .ok_or_else(|| ApiError::new(404, "NOT_FOUND", "The requested resource does not exist"))?;
    let body = validate::parse_object(&ctx.req.body)?;
    let ids = strings(&body, "ids")?;
    let names = strings(&body, "fields")?;
    if ids.len() > LIMIT {
        return Err(ApiError::new(
            400,
            "EXCEEDED_ID_LIMIT",
            &format!(
                "record limit reached. cannot submit more than {LIMIT} records into this call"
            ),
        ));
    }
    if names.is_empty() {
        return Err(ApiError::new(
            400,
            "MISSING_ARGUMENT",
            "fields: the list of fields to retrieve is required",
        ));
    }
    let fields = sobjects::field_list(obj, Some(&names.join(",")))?;
    let store = read(&ctx.org.store);
    let base = ctx.base();
    let mut out = Vec::with_capacity(2 + ids.len() * 128);
    out.push(b'[');
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
