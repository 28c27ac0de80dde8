//! Blob fields (`ContentVersion.VersionData`, `Attachment.Body`, `Document.Body`): kept beside
//! the records, downloaded as raw bytes, uploaded as `multipart/form-data` or as base64 in
//! JSON, with what Salesforce derives from them (sizes, versions, the ContentDocument).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine;
use serde_json::{Map, Value as J};

use crate::ctx::Ctx;
use crate::org::{lock, read, write};
use crate::response::{ApiError, Response};
use crate::schema::{self, FieldType};
use crate::sobjects::{insert_checked, live_row, save_result, update_checked};
use crate::store::Store;
use crate::validate::{self, Mode};
use crate::value::Value;
use crate::{multipart, time};

/// The blob of each record that has one: (object, row) -> bytes.
pub(crate) type Blobs = Mutex<HashMap<(u8, u32), Arc<Vec<u8>>>>;

/// Largest blob of a ContentVersion (2 GB), and of the other objects (500 MB).
const MAX_CONTENT_VERSION: usize = 2 * 1024 * 1024 * 1024;
const MAX_OTHER: usize = 500 * 1024 * 1024;

/// The blob field of an object, if it has one.
pub(crate) fn blob_field(obj: u8) -> Option<usize> {
    schema::object(obj)
        .fields
        .iter()
        .position(|f| f.ty == FieldType::Base64)
}

/// Writes field `i` of record `row` of `obj`, whose value is `value`, as a read answers it: the
/// blob field as its URL, in the version of the reading call (`base` is its
/// `/services/data/vXX.X`), any other field as its value.
pub(crate) fn write_field(
    out: &mut Vec<u8>,
    base: &str,
    obj: u8,
    row: u32,
    i: usize,
    value: &Value,
) {
    let def = schema::object(obj);
    // The type first: only a base64 field can be the blob field.
    if def.fields[i].ty == FieldType::Base64 && blob_field(obj) == Some(i) && !value.is_null() {
        let url = format!(
            "{base}/sobjects/{}/{}/{}",
            def.name,
            def.id_of(row),
            def.fields[i].name
        );
        crate::value::write_json_str(out, &url);
    } else {
        crate::value::write_value(out, value);
    }
}

/// The bytes of a record's blob (for the Rust-side API).
pub(crate) fn bytes(ctx_blobs: &Blobs, obj: u8, row: u32) -> Option<Arc<Vec<u8>>> {
    lock(ctx_blobs).get(&(obj, row)).cloned()
}

/// A record's fields and, when the request carries one, its blob.
struct Entity {
    fields: Map<String, J>,
    raw: Vec<u8>,
    blob: Option<Vec<u8>>,
}

/// Reads a multipart or JSON body of object `obj`.
fn entity(ctx: &Ctx, obj: u8) -> Result<Entity, ApiError> {
    let def = schema::object(obj);
    let bf = blob_field(obj).unwrap_or(0);
    let blob_name = def.fields[bf].name;
    let body = &ctx.req.body;
    let content_type = ctx.req.header("content-type").unwrap_or("");
    let Some(boundary) = multipart::boundary(content_type) else {
        let mut fields = validate::parse_object(body)?;
        let key = fields
            .keys()
            .find(|k| k.eq_ignore_ascii_case(blob_name))
            .cloned();
        let blob = match key.and_then(|k| fields.remove(&k)) {
            None | Some(J::Null) => None,
            Some(J::String(s)) => Some(
                base64::engine::general_purpose::STANDARD
                    .decode(s.trim())
                    .map_err(|e| {
                        let msg = format!(
                            "Cannot deserialize instance of base64 from VALUE_STRING value: {e}"
                        );
                        ApiError::new(400, "JSON_PARSER_ERROR", &msg)
                    })?,
            ),
            Some(_) => {
                let msg = format!("Cannot deserialize instance of base64 for {blob_name}: a base64 string is expected");
                return Err(ApiError::new(400, "JSON_PARSER_ERROR", &msg));
            }
        };
        return Ok(Entity {
            fields,
            raw: body.clone(),
            blob,
        });
    };
    let invalid = |msg: &str| ApiError::new(400, "INVALID_MULTIPART_REQUEST", msg);
    let parts = multipart::parse(body, &boundary).map_err(|e| invalid(&e))?;
    let (binary, plain): (Vec<_>, Vec<_>) = parts.into_iter().partition(|p| p.filename.is_some());
    let Some(json_part) = plain.first() else {
        return Err(invalid("Multipart message must include a non-binary part"));
    };
    if json_part
        .content_type
        .as_deref()
        .is_some_and(|t| t.to_ascii_lowercase().contains("xml"))
    {
        let msg = "the fake org reads the non-binary part as JSON only";
        return Err(ApiError::new(415, "UNSUPPORTED_MEDIA_TYPE", msg));
    }
    let raw = body[json_part.content.clone()].to_vec();
    let fields = validate::parse_object(&raw)?;
    let blob = match binary.as_slice() {
        [] => None,
        [file] => {
            let name = file.name.as_deref().unwrap_or("");
            if !name.eq_ignore_ascii_case(blob_name) {
                let msg = format!(
                    "Binary part {name:?} does not name the blob field of {}: use {blob_name}",
                    def.name
                );
                return Err(ApiError::fields(400, "INVALID_FIELD", &msg, &[name]));
            }
            Some(body[file.content.clone()].to_vec())
        }
        _ => {
            return Err(invalid(
                "Multipart message must include only one binary part",
            ))
        }
    };
    Ok(Entity { fields, raw, blob })
}

fn required(field: &str) -> ApiError {
    let msg = format!("Required fields are missing: [{field}]");
    ApiError::fields(400, "REQUIRED_FIELD_MISSING", &msg, &[field])
}

fn text_of<'a>(fields: &'a Map<String, J>, name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_str())
}

/// The extension of a file name, lower case (`pdf`), empty when it has none.
fn extension(name: &str) -> String {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    match file.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// `POST sobjects/{Type}` for an object with a blob field.
pub(crate) fn create(ctx: &Ctx, obj: u8) -> Response {
    create_checked(ctx, obj).unwrap_or_else(Response::from)
}

fn create_checked(ctx: &Ctx, obj: u8) -> Result<Response, ApiError> {
    let def = schema::object(obj);
    let bf = blob_field(obj).unwrap_or(0);
    let e = entity(ctx, obj)?;
    let limit = if def.name == "ContentVersion" {
        MAX_CONTENT_VERSION
    } else {
        MAX_OTHER
    };
    if e.blob.as_ref().is_some_and(|b| b.len() > limit) {
        let msg = format!(
            "Maximum size of the {} field is {limit} bytes",
            def.fields[bf].name
        );
        return Err(ApiError::new(400, "EXCEEDED_MAX_SIZE_REQUEST", &msg));
    }
    let mut store = write(&ctx.org.store);
    // Errors in the fields come first, before anything is created.
    validate::changes(&store, obj, &e.fields, &e.raw, Mode::Create)?;
    let row = store.table(obj).rows.len() as u32;
    let id = def.id_of(row);
    let size = e.blob.as_ref().map_or(0, Vec::len) as i64;
    let mut extra = Vec::new();
    if let Some(_blob) = &e.blob {
        let url = format!(
            "{}/sobjects/{}/{id}/{}",
            ctx.base(),
            def.name,
            def.fields[bf].name
        );
        extra.push((bf, Value::text(&url)));
    }
    let content = match def.name {
        "ContentVersion" => Some(content_version(&mut store, &e, &mut extra, size)?),
        _ => {
            if e.blob.is_none() {
                return Err(required(def.fields[bf].name));
            }
            extra.push((def.idx("BodyLength"), Value::Int(size)));
            if def.name == "Document" && text_of(&e.fields, "Type").is_none() {
                let ext = extension(text_of(&e.fields, "Name").unwrap_or(""));
                extra.push((def.idx("Type"), Value::text(&ext)));
            }
            None
        }
    };
    let inserted = insert_checked(&mut store, obj, &e.fields, &e.raw, &extra)?;
    debug_assert_eq!(inserted, row);
    if let Some(doc) = content {
        link_version(&mut store, obj, row, doc, &e.fields);
    }
    drop(store);
    if let Some(blob) = e.blob {
        lock(&ctx.org.blobs).insert((obj, row), Arc::new(blob));
    }
    Ok(Response::json(201, save_result(&id, None)))
}

/// The fields Salesforce derives for a new ContentVersion; creates its ContentDocument when the
/// request names none. Returns the document's row.
fn content_version(
    store: &mut Store,
    e: &Entity,
    extra: &mut Vec<(usize, Value)>,
    size: i64,
) -> Result<u32, ApiError> {
    let cv = schema::object_index("ContentVersion").unwrap_or(0);
    let cd = schema::object_index("ContentDocument").unwrap_or(0);
    let def = schema::object(cv);
    let content_url = text_of(&e.fields, "ContentUrl").is_some();
    let Some(path) = text_of(&e.fields, "PathOnClient").or(content_url.then_some("")) else {
        return Err(required("PathOnClient"));
    };
    if e.blob.is_none() && !content_url {
        return Err(required("VersionData"));
    }
    let ext = extension(path);
    if text_of(&e.fields, "Title").is_none() {
        let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
        let stem = file
            .strip_suffix(&format!(".{ext}"))
            .filter(|_| !ext.is_empty());
        extra.push((def.idx("Title"), Value::text(stem.unwrap_or(file))));
    }
    let given = text_of(&e.fields, "ContentDocumentId").and_then(crate::ids::normalize);
    let doc = match given {
        Some(id) => match store.lookup(cd, &id) {
            crate::store::Lookup::Live(row) => row,
            _ => {
                return Err(ApiError::new(
                    400,
                    "INVALID_CROSS_REFERENCE_KEY",
                    "invalid cross reference id",
                ))
            }
        },
        None => {
            let ddef = schema::object(cd);
            let values = vec![Value::Null; ddef.fields.len()].into_boxed_slice();
            let row = store.insert(cd, values, time::now_ms());
            extra.push((def.idx("ContentDocumentId"), Value::Id(cd, row)));
            row
        }
    };
    let versions = versions_of(store, doc);
    extra.push((
        def.idx("VersionNumber"),
        Value::text(&(versions.len() + 1).to_string()),
    ));
    extra.push((def.idx("IsLatest"), Value::Bool(true)));
    extra.push((def.idx("ContentSize"), Value::Int(size)));
    extra.push((def.idx("FileExtension"), Value::text(&ext)));
    Ok(doc)
}

/// The live ContentVersion rows of a ContentDocument.
fn versions_of(store: &Store, doc: u32) -> Vec<u32> {
    let cv = schema::object_index("ContentVersion").unwrap_or(0);
    let cd = schema::object_index("ContentDocument").unwrap_or(0);
    let fi = schema::object(cv).idx("ContentDocumentId");
    store
        .table(cv)
        .rows
        .iter()
        .enumerate()
        .filter(|(_, v)| !crate::store::is_deleted(v) && v[fi] == Value::Id(cd, doc))
        .map(|(r, _)| r as u32)
        .collect()
}

/// After a new ContentVersion: it becomes the document's latest version, and the document is
/// shared with the record named by `FirstPublishLocationId`.
fn link_version(store: &mut Store, cv: u8, row: u32, doc: u32, fields: &Map<String, J>) {
    let cd = schema::object_index("ContentDocument").unwrap_or(0);
    let (vdef, ddef) = (schema::object(cv), schema::object(cd));
    let now = time::now_ms();
    for old in versions_of(store, doc).into_iter().filter(|&r| r != row) {
        store.update(
            cv,
            old,
            vec![(vdef.idx("IsLatest"), Value::Bool(false))],
            now,
        );
    }
    let Some(values) = store.row(cv, row).cloned() else {
        return;
    };
    let copy = |name: &str| (ddef.idx(name), values[vdef.idx(name)].clone());
    let changes = vec![
        copy("Title"),
        copy("FileExtension"),
        copy("ContentSize"),
        (ddef.idx("LatestPublishedVersionId"), Value::Id(cv, row)),
    ];
    store.update(cd, doc, changes, now);
    let location = text_of(fields, "FirstPublishLocationId").and_then(crate::value::id_value);
    if let Some(entity) = location {
        let link = schema::object_index("ContentDocumentLink").unwrap_or(0);
        let ldef = schema::object(link);
        let mut v = vec![Value::Null; ldef.fields.len()].into_boxed_slice();
        v[ldef.idx("ContentDocumentId")] = Value::Id(cd, doc);
        v[ldef.idx("LinkedEntityId")] = entity;
        v[ldef.idx("ShareType")] = Value::text("I");
        v[ldef.idx("Visibility")] = Value::text("AllUsers");
        store.insert(link, v, now);
    }
}

/// `PATCH sobjects/{Type}/{id}` for an object with a blob field: JSON (with or without base64
/// data) or multipart.
pub(crate) fn update(ctx: &Ctx, obj: u8, id: &str) -> Response {
    let run = || -> Result<Response, ApiError> {
        let def = schema::object(obj);
        let bf = blob_field(obj).unwrap_or(0);
        let e = entity(ctx, obj)?;
        let mut store = write(&ctx.org.store);
        let row = live_row(&store, obj, id, false)?;
        if e.blob.is_some() && !def.fields[bf].updateable {
            let name = def.fields[bf].name;
            let msg = format!("Unable to create/update fields: {name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.");
            return Err(ApiError::fields(
                400,
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                &msg,
                &[name],
            ));
        }
        update_checked(&mut store, obj, row, &e.fields, &e.raw)?;
        if let Some(blob) = e.blob {
            let url = format!(
                "{}/sobjects/{}/{}/{}",
                ctx.base(),
                def.name,
                def.id_of(row),
                def.fields[bf].name
            );
            let len = def.idx("BodyLength");
            let changes = vec![
                (bf, Value::text(&url)),
                (len, Value::Int(blob.len() as i64)),
            ];
            store.update(obj, row, changes, time::now_ms());
            drop(store);
            lock(&ctx.org.blobs).insert((obj, row), Arc::new(blob));
        }
        Ok(Response::no_content())
    };
    run().unwrap_or_else(Response::from)
}

/// `GET sobjects/{Type}/{id}/{BlobField}`: the raw bytes.
pub(crate) fn download(ctx: &Ctx, obj: u8, id: &str) -> Response {
    let row = match live_row(&read(&ctx.org.store), obj, id, true) {
        Ok(row) => row,
        Err(_) => {
            let msg =
                format!("Provided external ID field does not exist or is not accessible: {id}");
            return Response::error(404, "NOT_FOUND", &msg);
        }
    };
    let Some(blob) = bytes(&ctx.org.blobs, obj, row) else {
        return Response::not_found();
    };
    Response {
        status: 200,
        content_type: Some("application/octet-stream".into()),
        headers: Vec::new(),
        body: blob.as_ref().clone(),
        compressible: true,
    }
}

/// The folder Documents go to in a new org's sample data.
pub(crate) fn seed(store: &mut Store) {
    let Some(obj) = schema::object_index("Folder") else {
        return;
    };
    let def = schema::object(obj);
    let mut v = vec![Value::Null; def.fields.len()].into_boxed_slice();
    v[def.idx("Name")] = Value::text("Shared Documents");
    v[def.idx("DeveloperName")] = Value::text("Shared_Documents");
    v[def.idx("Type")] = Value::text("Document");
    v[def.idx("AccessType")] = Value::text("Shared");
    store.insert(obj, v, time::now_ms());
}

impl crate::FakeOrg {
    /// The bytes of a record's blob field (`ContentVersion.VersionData`, `Attachment.Body`,
    /// `Document.Body`); `None` when the record has none.
    pub fn blob(&self, sobject: &str, id: &str) -> Option<Vec<u8>> {
        let _schema = schema::enter(self.org.schema);
        let obj = schema::object_index(sobject)?;
        let row = schema::object(obj).row_of(&crate::ids::normalize(id)?)?;
        bytes(&self.org.blobs, obj, row).map(|b| b.as_ref().clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_of_paths() {
        assert_eq!(extension("q3.PDF"), "pdf");
        assert_eq!(extension("C:\\docs\\a.b.txt"), "txt");
        assert_eq!(extension(".profile"), "");
        assert_eq!(extension("README"), "");
    }
}
