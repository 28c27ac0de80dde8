//! Ingest jobs: create, upload CSV once, close, process row by row with the REST validation,
//! report, and write the result CSVs on demand.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, Weak};
use std::thread;
use std::time::Instant;

use serde_json::{Map, Value as J};

use super::csv::{write_quoted, Reader};
use super::{
    bad, bulk, common, csv_options, csv_response, eol, job_head, job_list, json_body, member,
    Common, Job, Kind, Phase, Progress, MAX_UPLOAD,
};
use crate::ctx::Ctx;
use crate::org::{lock, write, Org};
use crate::response::{ApiError, Response};
use crate::schema::{self, FieldDef, FieldType, F_ID, F_IS_DELETED};
use crate::sobjects::{self, Upserted};
use crate::store::Store;
use crate::value::Value;

/// Records applied per write lock of the store, so that other requests interleave.
const CHUNK: usize = 2000;

/// An ingest operation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Insert,
    Update,
    Upsert,
    Delete,
    HardDelete,
}

impl Op {
    fn parse(s: &str) -> Option<(Op, &'static str)> {
        Some(match s {
            "insert" => (Op::Insert, "insert"),
            "update" => (Op::Update, "update"),
            "upsert" => (Op::Upsert, "upsert"),
            "delete" => (Op::Delete, "delete"),
            "hardDelete" => (Op::HardDelete, "hardDelete"),
            _ => return None,
        })
    }

    /// Whether rows are addressed by their `Id` column.
    fn by_id(self) -> bool {
        matches!(self, Op::Update | Op::Delete | Op::HardDelete)
    }
}

/// Outcome code of a created record.
const CREATED: u32 = 0;
/// Outcome code of an updated or deleted record; codes from 2 are failures (error index + 2).
const NOT_CREATED: u32 = 1;

/// The outcome of one row: where the row starts in the upload, the record, how it went.
#[derive(Clone, Copy)]
struct RowOutcome {
    start: u32,
    row: u32,
    code: u32,
}

pub(crate) struct IngestJob {
    c: Common,
    obj: u8,
    op: Op,
    /// Upsert's external id field.
    ext: Option<usize>,
    state: Mutex<State>,
}

struct State {
    p: Progress,
    data: Option<Arc<Vec<u8>>>,
    outcomes: Vec<RowOutcome>,
    errors: Vec<String>,
    failed: u64,
    /// Offset of the first row not processed; 0 before processing started.
    next: usize,
}

/// Routes `jobs/ingest/...`.
pub(super) fn route(ctx: &Ctx, method: &str, rest: &[&str]) -> Response {
    let job = |id: &str| match bulk(ctx).get(id, Kind::Ingest) {
        Some(j) => match &*j {
            Job::Ingest(_) => Ok(j.clone()),
            Job::Query(_) => Err(Response::not_found()),
        },
        None => Err(Response::not_found()),
    };
    let with = |id: &str, f: &dyn Fn(&IngestJob) -> Response| match job(id) {
        Ok(j) => match &*j {
            Job::Ingest(i) => f(i),
            Job::Query(_) => Response::not_found(),
        },
        Err(r) => r,
    };
    match (rest, method) {
        ([], "POST") => create(ctx),
        ([], "GET" | "HEAD") => list(ctx),
        ([], m) => Response::method_not_allowed(m, "GET,HEAD,POST"),
        ([id], "GET" | "HEAD") => with(id, &|j| {
            let mut st = lock(&j.state);
            st.p.poll(bulk(ctx));
            Response::json(200, info(ctx, j, &st, true, None))
        }),
        ([id], "PATCH") => match job(id) {
            Ok(arc) => change_state(ctx, arc),
            Err(r) => r,
        },
        ([id], "DELETE") => with(id, &|j| {
            let st = lock(&j.state);
            let deletable =
                st.p.phase.terminal() || (st.p.phase == Phase::Closed && st.p.outcome.is_some());
            drop(st);
            if !deletable {
                return bad(
                    "INVALIDJOBSTATE",
                    "A job can be deleted only once it is UploadComplete, JobComplete, Aborted or Failed, and not while it is in progress",
                );
            }
            bulk(ctx).remove(id);
            Response::no_content()
        }),
        ([_], m) => Response::method_not_allowed(m, "GET,HEAD,PATCH,DELETE"),
        ([id, "batches"], "PUT") => with(id, &|j| upload(ctx, j)),
        ([_, "batches"], m) => Response::method_not_allowed(m, "PUT"),
        ([id, "successfulResults"], "GET" | "HEAD") => with(id, &|j| results(j, Which::Success)),
        ([id, "failedResults"], "GET" | "HEAD") => with(id, &|j| results(j, Which::Failed)),
        ([id, "unprocessedrecords"], "GET" | "HEAD") => {
            with(id, &|j| results(j, Which::Unprocessed))
        }
        ([_, "successfulResults" | "failedResults" | "unprocessedrecords"], m) => {
            Response::method_not_allowed(m, "GET,HEAD")
        }
        _ => Response::not_found(),
    }
}

fn create(ctx: &Ctx) -> Response {
    let body = match json_body(ctx) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(object) = member(&body, "object") else {
        return bad("INVALIDJOB", "The object field is required to create a job");
    };
    let Some(obj) = schema::object_index(object) else {
        return bad("INVALIDJOB", &format!("Unable to find object: {object}"));
    };
    let def = schema::object(obj);
    let Some((op, op_name)) = member(&body, "operation").and_then(Op::parse) else {
        let given = member(&body, "operation").unwrap_or("");
        return bad(
            "INVALIDJOB",
            &format!("Invalid operation: '{given}'. Valid operations are insert, update, upsert, delete and hardDelete"),
        );
    };
    let csv = match csv_options(&body) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let ext = if op == Op::Upsert {
        let Some(name) = member(&body, "externalIdFieldName").filter(|s| !s.is_empty()) else {
            return bad(
                "INVALIDJOB",
                &format!(
                    "External ID was blank for {}. An External ID must be specified for upsert.",
                    def.name
                ),
            );
        };
        match def
            .field_index(name)
            .filter(|&i| i == F_ID || def.fields[i].external_id)
        {
            Some(i) => Some(i),
            None => {
                return bad(
                    "INVALIDJOB",
                    &format!("Field name provided, {name} does not match an External ID, Salesforce Id, or indexed field for {}", def.name),
                )
            }
        }
    } else {
        None
    };
    let b = bulk(ctx);
    let (key, id) = b.new_id();
    let c = common(ctx, id, def.name, op_name, csv);
    let st = State {
        p: Progress::new(c.created_ms),
        data: None,
        outcomes: Vec::new(),
        errors: Vec::new(),
        failed: 0,
        next: 0,
    };
    let job = IngestJob {
        c,
        obj,
        op,
        ext,
        state: Mutex::new(st),
    };
    let out = info(ctx, &job, &lock(&job.state), false, None);
    b.add(key, Arc::new(Job::Ingest(job)));
    Response::json(200, out)
}

fn list(ctx: &Ctx) -> Response {
    let items = bulk(ctx)
        .list(Kind::Ingest)
        .iter()
        .filter_map(|j| match &**j {
            Job::Ingest(i) => Some(info(ctx, i, &lock(&i.state), true, None)),
            Job::Query(_) => None,
        })
        .collect();
    job_list(items)
}

/// The job info JSON: `detail` adds the counters of `GET jobs/ingest/{id}`.
fn info(ctx: &Ctx, j: &IngestJob, st: &State, detail: bool, state: Option<&str>) -> Vec<u8> {
    let c = &j.c;
    let mut o = job_head(
        c,
        &ctx.org.user_id,
        &st.p,
        state.unwrap_or(st.p.phase.name()),
    );
    if let Some(i) = j.ext {
        o = o.str("externalIdFieldName", schema::object(j.obj).fields[i].name);
    }
    o = o
        .str("concurrencyMode", "Parallel")
        .str("contentType", "CSV")
        .raw("apiVersion", &c.api_version);
    if detail {
        o = o.str("jobType", "V2Ingest");
    }
    o = o
        .str(
            "contentUrl",
            &format!(
                "services/data/v{}/jobs/ingest/{}/batches",
                c.api_version, c.id
            ),
        )
        .str("lineEnding", c.line_ending)
        .str("columnDelimiter", c.delimiter_name);
    if detail {
        let ms = st.p.processing_ms.to_string();
        o = o
            .raw("numberRecordsProcessed", &st.outcomes.len().to_string())
            .raw("numberRecordsFailed", &st.failed.to_string())
            .raw("retries", "0")
            .raw("totalProcessingTime", &ms)
            .raw("apiActiveProcessingTime", &ms)
            .raw("apexProcessingTime", "0");
        if let Some(m) =
            st.p.error_message
                .as_deref()
                .filter(|_| st.p.phase == Phase::Failed)
        {
            o = o.str("errorMessage", m);
        }
    }
    o.finish()
}

fn upload(ctx: &Ctx, j: &IngestJob) -> Response {
    let ct = ctx.req.header("content-type").unwrap_or("");
    if !ct.trim().to_ascii_lowercase().starts_with("text/csv") {
        return Response::error(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            &format!("Unsupported Content-Type '{ct}': job data must be sent as text/csv"),
        );
    }
    if ctx.req.body.len() > MAX_UPLOAD {
        return Response::error(
            413,
            "EXCEEDED_MAX_SIZE_REQUEST",
            "Job data exceeds the maximum of 150 MB (157286400 bytes) for one upload; split the data into several jobs",
        );
    }
    let mut st = lock(&j.state);
    if st.p.phase != Phase::Open {
        return bad(
            "INVALIDJOBSTATE",
            &format!(
                "Job data can be uploaded only while the job is Open; job {} is {}",
                j.c.id,
                st.p.phase.name()
            ),
        );
    }
    if st.data.is_some() {
        return bad(
            "INVALIDJOB",
            &format!("Found multiple batches for job {}: a Bulk API 2.0 job takes its data in one upload; create another job for more data", j.c.id),
        );
    }
    st.data = Some(Arc::new(ctx.req.body.clone()));
    Response {
        status: 201,
        content_type: None,
        headers: Vec::new(),
        body: Vec::new(),
        compressible: false,
    }
}

fn change_state(ctx: &Ctx, arc: Arc<Job>) -> Response {
    let Job::Ingest(j) = &*arc else {
        return Response::not_found();
    };
    let body = match json_body(ctx) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let target = member(&body, "state").unwrap_or("");
    let mut st = lock(&j.state);
    let current = st.p.phase;
    match target {
        "UploadComplete" if current == Phase::Open => {
            st.p.close();
            match bulk(ctx).take_failure() {
                Some(message) => st.p.outcome = Some((Phase::Failed, Some(message))),
                None => {
                    let out = info(ctx, j, &st, false, Some("UploadComplete"));
                    drop(st);
                    start(ctx.org, arc.clone());
                    return Response::json(200, out);
                }
            }
            Response::json(200, info(ctx, j, &st, false, Some("UploadComplete")))
        }
        "Aborted" if !current.terminal() => {
            j.c.abort.store(true, Ordering::SeqCst);
            st.p.finish(Phase::Aborted, None);
            Response::json(200, info(ctx, j, &st, false, None))
        }
        "UploadComplete" | "Aborted" => bad(
            "INVALIDJOBSTATE",
            &format!(
                "Cannot change the state of job {} from {} to {target}",
                j.c.id,
                current.name()
            ),
        ),
        other => bad(
            "INVALIDJOBSTATE",
            &format!("Invalid state: '{other}'. A job can be set to UploadComplete or Aborted"),
        ),
    }
}

/// Processes a closed job, on a thread of its own when the org allows.
fn start(org: &Org, job: Arc<Job>) {
    let me = org.bulk.me.get().and_then(Weak::upgrade);
    if let Some(org_arc) = me {
        let job2 = job.clone();
        let spawned = thread::Builder::new()
            .name("fake-org-bulk".into())
            .spawn(move || {
                if let Job::Ingest(j) = &*job2 {
                    process(&org_arc, j);
                }
            });
        if spawned.is_ok() {
            return;
        }
    }
    if let Job::Ingest(j) = &*job {
        process(org, j);
    }
}

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
fn header_of(data: &[u8], delim: u8) -> Result<(Vec<String>, usize, bool, bool), String> {
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
fn process(org: &Org, j: &IngestJob) {
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
            "The row has {} values but the header has {} columns",
            rec.len(),
            cols.len()
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

#[derive(Clone, Copy, PartialEq, Eq)]
enum Which {
    Success,
    Failed,
    Unprocessed,
}

/// Writes a result CSV from the upload and the row outcomes.
fn results(j: &IngestJob, which: Which) -> Response {
    let st = lock(&j.state);
    let delim = j.c.delimiter;
    let nl = eol(&j.c);
    let mut out = Vec::new();
    let header = st.data.as_deref().map(|d| header_of(d, delim));
    let (cols, body_start) = match &header {
        Some(Ok((cols, start, _, _))) => (cols.as_slice(), *start),
        _ => (&[][..], 0),
    };
    let lead: &[&str] = match which {
        Which::Success => &["\"sf__Id\"", "\"sf__Created\""],
        Which::Failed => &["\"sf__Id\"", "\"sf__Error\""],
        Which::Unprocessed => &[],
    };
    for (i, name) in lead
        .iter()
        .copied()
        .chain(cols.iter().map(String::as_str))
        .enumerate()
    {
        if i > 0 {
            out.push(delim);
        }
        out.extend_from_slice(name.as_bytes());
    }
    out.extend_from_slice(nl);
    let Some(data) = st.data.as_deref() else {
        return csv_response(out);
    };
    let def = schema::object(j.obj);
    let id_col = cols
        .iter()
        .position(|c| c.trim().eq_ignore_ascii_case("Id"));
    let mut rec = Vec::with_capacity(cols.len());
    let write_values = |out: &mut Vec<u8>, rec: &[String], lead: bool| {
        for (i, v) in rec.iter().enumerate() {
            if i > 0 || lead {
                out.push(delim);
            }
            write_quoted(out, v);
        }
        out.extend_from_slice(nl);
    };
    match which {
        Which::Success | Which::Failed => {
            for o in &st.outcomes {
                let success = o.code < 2;
                if success != (which == Which::Success) {
                    continue;
                }
                let mut r = Reader::new(data, o.start as usize, delim);
                if !matches!(r.record(&mut rec), Ok(true)) {
                    continue;
                }
                if success {
                    write_quoted(&mut out, &def.id_of(o.row));
                    out.push(delim);
                    write_quoted(&mut out, if o.code == CREATED { "true" } else { "false" });
                } else {
                    let id = match id_col {
                        Some(i) if j.op.by_id() || j.ext == Some(F_ID) => {
                            rec.get(i).map_or("", String::as_str)
                        }
                        _ => "",
                    };
                    write_quoted(&mut out, id);
                    out.push(delim);
                    let msg = st
                        .errors
                        .get(o.code as usize - 2)
                        .map_or("", String::as_str);
                    write_quoted(&mut out, msg);
                }
                write_values(&mut out, &rec, true);
            }
        }
        Which::Unprocessed => {
            if matches!(st.p.phase, Phase::Aborted | Phase::Failed) {
                let from = if st.next == 0 { body_start } else { st.next };
                if header.as_ref().is_some_and(Result::is_ok) {
                    let mut r = Reader::new(data, from, delim);
                    while let Ok(true) = r.record(&mut rec) {
                        write_values(&mut out, &rec, false);
                    }
                }
            }
        }
    }
    csv_response(out)
}
