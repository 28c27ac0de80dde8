//! Ingest jobs: create, upload CSV once, close, process row by row with the REST validation,
//! report, and write the result CSVs on demand.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, Weak};
use std::thread;

use super::{
    bad, bulk, common, csv_options, job_head, job_list, json_body, member, Common, Job, Kind,
    Phase, Progress, MAX_UPLOAD,
};
use crate::ctx::Ctx;
use crate::org::{lock, Org};
use crate::response::Response;
use crate::schema::{self, F_ID};

mod process;
mod results;

use process::process;
use results::{results, Which};

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
                let _schema = schema::enter(org_arc.schema);
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
