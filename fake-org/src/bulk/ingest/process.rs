//! Processing a closed ingest job: each row of the upload is checked and applied with the REST
//! validation, `CHUNK` rows per lock of the store.

use std::sync::atomic::Ordering;
use std::time::Instant;

use serde_json::{Map, Value as J};

use super::super::csv::Reader;
use super::super::Phase;
use super::{IngestJob, Op, RowOutcome, CHUNK, CREATED, NOT_CREATED};
use crate::org::{lock, write, Org};
use crate::response::ApiError;
use crate::schema::{self, FieldDef, FieldType, F_ID, F_IS_DELETED};
use crate::sobjects::{self, Upserted};
use crate::store::Store;
use crate::value::Value;

/// A CSV column resolved against the object.
#[derive(Clone, Copy)]
enum Col {
    Field(usize),
    /// `Account.Ext_Id__c`: the lookup set from the parent found by its external id.
    Parent {
        lookup: usize,
        target: u8,
        field: usize,
    },
}

/// The header of an upload: column names and the offset of the first data row.
pub(super) fn header_of(
    data: &[u8],
    delim: u8,
) -> Result<(Vec<String>, usize, bool, bool), String> {
    let start = if data.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let mut r = Reader::new(data, start, delim);
    let mut cols = Vec::new();
    match r.record(&mut cols) {
        Ok(true) => Ok((cols, r.pos(), r.last_crlf, r.last_terminated)),
        Ok(false) => {
            Err("InvalidBatch : The job data is empty: a CSV header row is required".into())
        }
        Err(e) => Err(e.0),
    }
}

fn resolve(obj: u8, cols: &[String]) -> Result<Vec<Col>, String> {
    let def = schema::object(obj);
    let mut out = Vec::with_capacity(cols.len());
    for name in cols {
        let name = name.trim();
        let not_found = || format!("InvalidBatch : Field name not found : {name}");
        let col = match name.split_once('.') {
            None => Col::Field(def.field_index(name).ok_or_else(not_found)?),
            Some((rel, field)) => {
                let lookup = def.relationship(rel).ok_or_else(not_found)?;
                let target = def.fields[lookup]
                    .reference_to
                    .and_then(schema::object_index)
                    .ok_or_else(not_found)?;
                let tdef = schema::object(target);
                let field = tdef
                    .field_index(field)
                    .filter(|&i| i == F_ID || tdef.fields[i].external_id)
                    .ok_or_else(not_found)?;
                Col::Parent {
                    lookup,
                    target,
                    field,
                }
            }
        };
        out.push(col);
    }
    Ok(out)
}

/// How one row went: its record and whether it was created, or the `sf__Error` text.
type RowResult = Result<(u32, bool), String>;

/// Applies every row of the upload, `CHUNK` rows per store lock.
pub(super) fn process(org: &Org, j: &IngestJob) {
    let started = Instant::now();
    let data = lock(&j.state).data.clone();
    let end = |outcome: (Phase, Option<String>)| {
        let mut st = lock(&j.state);
        st.p.processing_ms = started.elapsed().as_millis() as u64;
        st.p.outcome = Some(outcome);
    };
    let Some(data) = data else {
        return end((
            Phase::Failed,
            Some("InvalidBatch : No data was uploaded to the job".into()),
        ));
    };
    let (cols, body_start, crlf, terminated) = match header_of(&data, j.c.delimiter) {
        Ok(h) => h,
        Err(msg) => return end((Phase::Failed, Some(msg))),
    };
    if terminated && crlf != (j.c.line_ending == "CRLF") {
        return end((
            Phase::Failed,
            Some(format!(
                "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is {}",
                j.c.line_ending
            )),
        ));
    }
    let resolved = match resolve(j.obj, &cols) {
        Ok(r) => r,
        Err(msg) => return end((Phase::Failed, Some(msg))),
    };
    lock(&j.state).next = body_start;
    let base = format!("/services/data/v{}", j.c.api_version);
    let mut reader = Reader::new(&data, body_start, j.c.delimiter);
    let mut rec = Vec::with_capacity(cols.len());
    let mut batch: Vec<(u32, RowResult)> = Vec::with_capacity(CHUNK);
    loop {
        if j.c.abort.load(Ordering::SeqCst) || org.shutdown.load(Ordering::SeqCst) {
            return end((Phase::Aborted, None));
        }
        batch.clear();
        let mut parse_error = None;
        {
            let mut store = write(&org.store);
            while batch.len() < CHUNK {
                let Some(start) = reader.next_start() else {
                    break;
                };
                match reader.record(&mut rec) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => {
                        parse_error = Some(e.0);
                        break;
                    }
                }
                let result = apply(&mut store, &base, j, &resolved, &rec).map_err(|e| sf_error(&e));
                batch.push((start as u32, result));
            }
        }
        let done = batch.len() < CHUNK;
        {
            let mut st = lock(&j.state);
            for (start, result) in batch.drain(..) {
                let (row, code) = match result {
                    Ok((row, created)) => (row, if created { CREATED } else { NOT_CREATED }),
                    Err(msg) => {
                        st.errors.push(msg);
                        st.failed += 1;
                        (0, st.errors.len() as u32 + 1)
                    }
                };
                st.outcomes.push(RowOutcome { start, row, code });
            }
            st.next = reader.pos();
        }
        if let Some(msg) = parse_error {
            return end((Phase::Failed, Some(msg)));
        }
        if done {
            return end((Phase::JobComplete, None));
        }
    }
}

/// `CODE:message:Field1,Field2 --`, as in the `sf__Error` column.
fn sf_error(e: &ApiError) -> String {
    if e.fields.is_empty() {
        format!("{}:{}:--", e.code, e.message)
    } else {
        format!("{}:{}:{} --", e.code, e.message, e.fields.join(","))
    }
}

/// Checks a CSV value against a field's type; the JSON value the REST validation takes.
fn typed(f: &FieldDef, v: &str) -> Result<J, ApiError> {
    if v == "#N/A" {
        return Ok(J::Null);
    }
    let ok = match f.ty {
        FieldType::Int => v.trim().parse::<i64>().is_ok(),
        t if t.is_double() => v.trim().parse::<f64>().is_ok_and(f64::is_finite),
        FieldType::Boolean => {
            return match v.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Ok(J::Bool(true)),
                "false" | "0" | "no" => Ok(J::Bool(false)),
                _ => Err(bad_type(f, v)),
            }
        }
        FieldType::Date => {
            crate::time::parse_date(v.trim()).is_some()
                || crate::time::parse_datetime(v.trim()).is_some()
        }
        FieldType::DateTime => {
            crate::time::parse_datetime(v.trim()).is_some()
                || crate::time::parse_date(v.trim()).is_some()
        }
        _ => true,
    };
    if ok {
        Ok(J::String(v.to_owned()))
    } else {
        Err(bad_type(f, v))
    }
}

fn bad_type(f: &FieldDef, v: &str) -> ApiError {
    let msg = format!("{}: value not of required type: {v}", f.label);
    ApiError::fields(400, "INVALID_TYPE_ON_FIELD_IN_RECORD", &msg, &[f.name])
}

/// Applies one row; the record's row number and whether it was created.
fn apply(
    store: &mut Store,
    base: &str,
    j: &IngestJob,
    cols: &[Col],
    rec: &[String],
) -> Result<(u32, bool), ApiError> {
    let def = schema::object(j.obj);
    if rec.len() != cols.len() {
        let msg = format!(
            "Number of fields in header is different from the row. header = {} row = {}",
            cols.len(),
            rec.len()
        );
        return Err(ApiError::new(400, "INVALID_FIELD", &msg));
    }
    let mut id: Option<&str> = None;
    let mut ext_value: Option<&str> = None;
    let mut body = Map::new();
    for (col, v) in cols.iter().zip(rec) {
        if v.is_empty() {
            continue;
        }
        match *col {
            Col::Field(i) if i == F_ID && (j.op.by_id() || j.ext == Some(F_ID)) => id = Some(v),
            Col::Field(i) if j.ext == Some(i) => ext_value = Some(v),
            Col::Field(i) => {
                let f = &def.fields[i];
                body.insert(f.name.to_owned(), typed(f, v)?);
            }
            Col::Parent {
                lookup,
                target,
                field,
            } => {
                let tdef = schema::object(target);
                let parent = if field == F_ID {
                    sobjects::live_row(store, target, v, false).ok()
                } else {
                    match store.find_external(target, v).as_slice() {
                        [] => None,
                        [r] => Some(*r),
                        _ => {
                            let msg = format!(
                                "More than 1 record found for external id field: {} with value: {v} in entity {}",
                                tdef.fields[field].name, tdef.name
                            );
                            return Err(ApiError::new(400, "INVALID_FIELD", &msg));
                        }
                    }
                };
                let Some(prow) = parent else {
                    let msg = format!(
                        "Foreign key external ID: {v} not found for field {} in entity {}",
                        tdef.fields[field].name, tdef.name
                    );
                    return Err(ApiError::new(400, "INVALID_FIELD", &msg));
                };
                body.insert(
                    def.fields[lookup].name.to_owned(),
                    J::String(tdef.id_of(prow)),
                );
            }
        }
    }
    let by_id = |store: &Store, id: Option<&str>| -> Result<u32, ApiError> {
        let Some(id) = id else {
            let msg = match j.op {
                Op::Update | Op::Upsert => "Id not specified in an update call",
                _ => "Id not specified in a delete call",
            };
            return Err(ApiError::new(400, "MISSING_ARGUMENT", msg));
        };
        sobjects::live_row(store, j.obj, id, false).map_err(|e| match e.code.as_str() {
            "NOT_FOUND" => ApiError::new(
                400,
                "INVALID_CROSS_REFERENCE_KEY",
                "invalid cross reference id",
            ),
            _ => ApiError { status: 400, ..e },
        })
    };
    match j.op {
        Op::Insert => sobjects::insert_checked(store, j.obj, &body, b"", &[]).map(|r| (r, true)),
        Op::Update => {
            let row = by_id(store, id)?;
            sobjects::update_checked(store, j.obj, row, &body, b"")?;
            Ok((row, false))
        }
        Op::Delete | Op::HardDelete => {
            let row = by_id(store, id)?;
            sobjects::delete_checked(store, j.obj, row)?;
            if j.op == Op::HardDelete {
                // Purged: invisible even to queryAll.
                if let Some(values) = store.tables[j.obj as usize].rows.get_mut(row as usize) {
                    values[F_IS_DELETED] = Value::Null;
                }
            }
            Ok((row, false))
        }
        Op::Upsert if j.ext == Some(F_ID) => match id {
            None => sobjects::insert_checked(store, j.obj, &body, b"", &[]).map(|r| (r, true)),
            Some(_) => {
                let row = by_id(store, id)?;
                sobjects::update_checked(store, j.obj, row, &body, b"")?;
                Ok((row, false))
            }
        },
        Op::Upsert => {
            let fi = j.ext.unwrap_or(F_ID);
            let name = def.fields[fi].name;
            let Some(value) = ext_value else {
                let msg = format!("{name} not specified");
                return Err(ApiError::fields(400, "MISSING_ARGUMENT", &msg, &[name]));
            };
            match sobjects::upsert_checked(store, base, j.obj, fi, value, &body, b"")? {
                Upserted::Row(row, created) => Ok((row, created)),
                Upserted::Several(urls) => {
                    let ids: Vec<&str> = urls.iter().filter_map(|u| u.rsplit('/').next()).collect();
                    let msg = format!(
                        "{name}: more than one record found for external id field: [{}]",
                        ids.join(", ")
                    );
                    Err(ApiError::fields(
                        400,
                        "DUPLICATE_EXTERNAL_ID",
                        &msg,
                        &[name],
                    ))
                }
            }
        }
    }
}
