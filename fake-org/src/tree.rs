//! The sObject Tree resource, `POST composite/tree/{Type}` ("sObject Tree", "sObject Tree
//! Request Body", "sObject Tree Response Body"): trees of new records, parents with their
//! children under the child relationship's name (`"Contacts": {"records": [...]}`), each with
//! `attributes.type` and a `referenceId`. Created in the order given, all or nothing: 201
//! `{"hasErrors":false,"results":[{"referenceId","id"}...]}` (root records first, then each
//! level), or 400 `{"hasErrors":true,"results":[{"referenceId","errors":[...]}]}` naming the
//! record that failed, nothing kept. At most 200 records, five types, five levels. The texts
//! of the request-shape errors (limits, a missing or repeated `referenceId`) are the fake
//! org's own: the documentation names the limits, not the answers.

use serde_json::{Map, Value as J};

use crate::ctx::Ctx;
use crate::org::write;
use crate::response::{ApiError, Response};
use crate::schema;
use crate::value::{json_str, Value};

const MAX_RECORDS: usize = 200;
const MAX_TYPES: usize = 5;
const MAX_LEVELS: usize = 5;

/// One record of the trees, its children taken out.
struct Node {
    reference: String,
    obj: u8,
    fields: Map<String, J>,
    /// The parent's node and the child's lookup field to it.
    parent: Option<(usize, usize)>,
    level: usize,
}

/// Answers `POST composite/tree/{ty}`.
pub(crate) fn run(ctx: &Ctx, ty: &str) -> Response {
    if ctx.req.method != "POST" {
        return Response::method_not_allowed(&ctx.req.method, "POST");
    }
    let Some(root) = schema::object_index(ty) else {
        return Response::not_found();
    };
    match create(ctx, root) {
        Ok(resp) => resp,
        Err(e) => e.into(),
    }
}

fn create(ctx: &Ctx, root: u8) -> Result<Response, ApiError> {
    let body = crate::validate::parse_object(&ctx.req.body)?;
    let Some(J::Array(records)) = body.get("records") else {
        return Err(invalid("The request body must have a records array"));
    };
    let mut nodes = Vec::new();
    flatten(records, root, None, 1, &mut nodes)?;
    if nodes.len() > MAX_RECORDS {
        return Err(invalid(&format!(
            "An sObject Tree request takes up to {MAX_RECORDS} records across all trees, not {}",
            nodes.len()
        )));
    }
    let mut types: Vec<u8> = nodes.iter().map(|n| n.obj).collect();
    types.sort_unstable();
    types.dedup();
    if types.len() > MAX_TYPES {
        return Err(invalid(&format!(
            "An sObject Tree request takes records of up to {MAX_TYPES} types, not {}",
            types.len()
        )));
    }
    // A repeated reference id: one result for each record that has it.
    let repeated: Vec<&Node> = nodes
        .iter()
        .filter(|n| nodes.iter().filter(|m| m.reference == n.reference).count() > 1)
        .collect();
    if !repeated.is_empty() {
        let e = ApiError::new(
            400,
            "INVALID_INPUT",
            "Duplicate ReferenceId provided in the request",
        );
        let failed: Vec<(&str, &ApiError)> = repeated
            .iter()
            .map(|n| (n.reference.as_str(), &e))
            .collect();
        return Ok(failure(&failed));
    }
    let mut store = write(&ctx.org.store);
    store.begin_journal();
    let mut rows: Vec<u32> = Vec::with_capacity(nodes.len());
    for node in &nodes {
        let extra: Vec<(usize, Value)> = node
            .parent
            .map(|(p, field)| (field, Value::Id(nodes[p].obj, rows[p])))
            .into_iter()
            .collect();
        let raw = serde_json::to_vec(&node.fields).unwrap_or_default();
        match crate::sobjects::insert_checked(&mut store, node.obj, &node.fields, &raw, &extra) {
            Ok(row) => rows.push(row),
            Err(e) => {
                store.end_journal(true);
                return Ok(failure(&[(node.reference.as_str(), &e)]));
            }
        }
    }
    store.end_journal(false);
    drop(store);
    // Root records first, then each level, each in the order given.
    let mut order: Vec<usize> = (0..nodes.len()).collect();
    order.sort_by_key(|&i| nodes[i].level);
    let mut out = String::from("{\"hasErrors\":false,\"results\":[");
    for (k, &i) in order.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        let id = schema::object(nodes[i].obj).id_of(rows[i]);
        out.push_str(&format!(
            "{{\"referenceId\":{},\"id\":{}}}",
            json_str(&nodes[i].reference),
            json_str(&id)
        ));
    }
    out.push_str("]}");
    Ok(Response::json(201, out.into_bytes()))
}

/// The trees' records in the order given (each parent before its children).
fn flatten(
    records: &[J],
    obj: u8,
    parent: Option<(usize, usize)>,
    level: usize,
    nodes: &mut Vec<Node>,
) -> Result<(), ApiError> {
    if level > MAX_LEVELS {
        return Err(invalid(&format!(
            "An sObject Tree request takes trees up to {MAX_LEVELS} levels deep"
        )));
    }
    let name = schema::object(obj).name;
    for record in records {
        let Some(map) = record.as_object() else {
            return Err(invalid(
                "Each record of an sObject Tree must be a JSON object",
            ));
        };
        let attributes = map.get("attributes").and_then(J::as_object);
        let ty = attributes.and_then(|a| a.get("type")).and_then(J::as_str);
        let reference = attributes
            .and_then(|a| a.get("referenceId"))
            .and_then(J::as_str);
        let (Some(ty), Some(reference)) = (ty, reference) else {
            return Err(invalid(
                "Each record of an sObject Tree needs attributes with its type and a referenceId",
            ));
        };
        if !ty.eq_ignore_ascii_case(name) {
            return Err(invalid(&format!(
                "The record {reference} is of type {ty}, where {name} records are expected"
            )));
        }
        let well_formed = reference
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
            && reference
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !well_formed {
            return Err(invalid(&format!(
                "The referenceId {reference:?} must start with a letter or digit and hold only letters, digits and underscores"
            )));
        }
        let mut fields = Map::new();
        let mut children = Vec::new();
        for (key, value) in map {
            if key == "attributes" {
                continue;
            }
            let nested = value.get("records").and_then(J::as_array);
            match (nested, schema::child_relationship(obj, key)) {
                (Some(list), Some((child, field))) => children.push((list, child, field)),
                _ => {
                    fields.insert(key.clone(), value.clone());
                }
            }
        }
        let me = nodes.len();
        nodes.push(Node {
            reference: reference.to_string(),
            obj,
            fields,
            parent,
            level,
        });
        for (list, child, field) in children {
            flatten(list, child, Some((me, field)), level + 1, nodes)?;
        }
    }
    Ok(())
}

/// The 400 answer naming the records that failed and why.
fn failure(failed: &[(&str, &ApiError)]) -> Response {
    let mut out = String::from("{\"hasErrors\":true,\"results\":[");
    for (k, (reference, e)) in failed.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        let fields: Vec<String> = e.fields.iter().map(|f| json_str(f)).collect();
        out.push_str(&format!(
            "{{\"referenceId\":{},\"errors\":[{{\"statusCode\":{},\"message\":{},\"fields\":[{}]}}]}}",
            json_str(reference),
            json_str(&e.code),
            json_str(&e.message),
            fields.join(",")
        ));
    }
    out.push_str("]}");
    Response::json(400, out.into_bytes())
}

fn invalid(message: &str) -> ApiError {
    ApiError::new(400, "INVALID_INPUT", message)
}
