//! Bulk API 2.0: ingest jobs (`jobs/ingest`) and query jobs (`jobs/query`).
//!
//! Jobs live in memory until deleted. An ingest job's upload is kept once, as sent; its per-row
//! outcomes are 12 bytes each, and result CSVs are written on demand from both. A query job keeps
//! the matching row numbers only, and each results page is written from the store when asked.
//!
//! States: a job is reported `InProgress` after `UploadComplete` for the configured number of
//! polls (`GET` of the job), at least the configured delay, and until processing has finished;
//! the poll after that reports the final state.

mod control;
mod csv;
mod ingest;
mod query;
mod query_limits;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use crate::ctx::Ctx;
use crate::org::{lock, Org};
use crate::response::Response;
use crate::value::write_json_str;

/// Largest upload accepted: 150 MB.
pub(crate) const MAX_UPLOAD: usize = 150 * 1024 * 1024;

/// The bulk jobs of the org and the knobs that shape their processing.
pub(crate) struct Bulk {
    jobs: Mutex<HashMap<[u8; 15], Arc<Job>>>,
    /// Job ids in creation order, for the job lists.
    order: Mutex<Vec<[u8; 15]>>,
    seq: AtomicU64,
    polls_until_complete: AtomicU32,
    delay_ms: AtomicU64,
    /// Least time a query job stays `InProgress` after its creation (the server's own time).
    query_ms: AtomicU64,
    /// Time to produce one result record, in nanoseconds (Salesforce writes result pages at a
    /// finite rate); zero: at once.
    ns_per_result: AtomicU64,
    /// Records per query result page when the request gives no `maxRecords`.
    page_size: AtomicUsize,
    fail_next: Mutex<Option<String>>,
    /// The org itself, so that ingest jobs can be processed on a thread of their own.
    me: OnceLock<Weak<Org>>,
}

impl Default for Bulk {
    fn default() -> Bulk {
        Bulk {
            jobs: Mutex::new(HashMap::new()),
            order: Mutex::new(Vec::new()),
            seq: AtomicU64::new(0),
            polls_until_complete: AtomicU32::new(1),
            delay_ms: AtomicU64::new(0),
            query_ms: AtomicU64::new(0),
            ns_per_result: AtomicU64::new(0),
            page_size: AtomicUsize::new(query::DEFAULT_MAX_RECORDS),
            fail_next: Mutex::new(None),
            me: OnceLock::new(),
        }
    }
}

impl Bulk {
    /// Lets ingest jobs run on background threads (without it they run inside the request
    /// that closes the upload).
    pub(crate) fn attach(&self, org: &Arc<Org>) {
        let _ = self.me.set(Arc::downgrade(org));
    }

    /// Number of polls a closed job stays `InProgress` for.
    pub(crate) fn set_polls_until_complete(&self, n: u32) {
        self.polls_until_complete.store(n, Ordering::Relaxed);
    }

    /// Least time a closed job stays `InProgress` for.
    pub(crate) fn set_processing_delay(&self, d: Duration) {
        self.delay_ms.store(
            d.as_millis().min(u64::MAX as u128) as u64,
            Ordering::Relaxed,
        );
    }

    /// Least time a query job stays `InProgress` after its creation.
    pub(crate) fn set_query_time(&self, d: Duration) {
        self.query_ms.store(
            d.as_millis().min(u64::MAX as u128) as u64,
            Ordering::Relaxed,
        );
    }

    /// Result records produced per second by each results request (0: at once).
    pub(crate) fn set_result_rate(&self, per_second: u64) {
        let ns = 1_000_000_000u64.checked_div(per_second).unwrap_or(0);
        self.ns_per_result.store(ns, Ordering::Relaxed);
    }

    /// How long producing `records` result records takes.
    fn result_time(&self, records: usize) -> Duration {
        let ns = self.ns_per_result.load(Ordering::Relaxed);
        Duration::from_nanos(ns.saturating_mul(records as u64))
    }

    /// Records per result page when `maxRecords` is not given.
    pub(crate) fn set_page_size(&self, n: usize) {
        self.page_size.store(n.max(1), Ordering::Relaxed);
    }

    fn page_size(&self) -> usize {
        self.page_size.load(Ordering::Relaxed)
    }

    /// The next job to be closed fails with this error message.
    pub(crate) fn fail_next_job(&self, message: &str) {
        *lock(&self.fail_next) = Some(message.to_owned());
    }

    /// Number of jobs (ingest and query) not deleted.
    pub(crate) fn job_count(&self) -> usize {
        lock(&self.jobs).len()
    }

    fn take_failure(&self) -> Option<String> {
        lock(&self.fail_next).take()
    }

    fn new_id(&self) -> ([u8; 15], String) {
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        let id = crate::ids::id18("750", 6_152_000 + n);
        let mut key = [0u8; 15];
        key.copy_from_slice(&id.as_bytes()[..15]);
        (key, id)
    }

    fn add(&self, key: [u8; 15], job: Arc<Job>) {
        lock(&self.jobs).insert(key, job);
        lock(&self.order).push(key);
    }

    fn get(&self, id: &str, kind: Kind) -> Option<Arc<Job>> {
        let key = crate::ids::normalize(id)?;
        lock(&self.jobs)
            .get(&key)
            .filter(|j| j.kind() == kind)
            .cloned()
    }

    fn remove(&self, id: &str) {
        if let Some(key) = crate::ids::normalize(id) {
            lock(&self.jobs).remove(&key);
            lock(&self.order).retain(|k| *k != key);
        }
    }

    fn list(&self, kind: Kind) -> Vec<Arc<Job>> {
        let jobs = lock(&self.jobs);
        lock(&self.order)
            .iter()
            .filter_map(|k| jobs.get(k))
            .filter(|j| j.kind() == kind)
            .cloned()
            .collect()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ingest,
    Query,
}

/// Where a job is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Open,
    /// Closed by the client; processing, reported as `UploadComplete`/`InProgress`.
    Closed,
    JobComplete,
    Failed,
    Aborted,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Open => "Open",
            Phase::Closed => "InProgress",
            Phase::JobComplete => "JobComplete",
            Phase::Failed => "Failed",
            Phase::Aborted => "Aborted",
        }
    }

    fn terminal(self) -> bool {
        matches!(self, Phase::JobComplete | Phase::Failed | Phase::Aborted)
    }
}

/// What every job has.
pub(crate) struct Common {
    id: String,
    object: &'static str,
    operation: &'static str,
    created_ms: i64,
    api_version: String,
    line_ending: &'static str,
    delimiter_name: &'static str,
    delimiter: u8,
    abort: AtomicBool,
}

/// The progress of a job, under its lock.
pub(crate) struct Progress {
    phase: Phase,
    modstamp_ms: i64,
    closed_at: Option<Instant>,
    polls: u32,
    /// Processing has finished: `outcome` is the state the job ends in.
    outcome: Option<(Phase, Option<String>)>,
    error_message: Option<String>,
    processing_ms: u64,
    /// A query job: it also waits out the org's query time.
    query: bool,
}

impl Progress {
    fn new(now: i64) -> Progress {
        Progress {
            phase: Phase::Open,
            modstamp_ms: now,
            closed_at: None,
            polls: 0,
            outcome: None,
            error_message: None,
            processing_ms: 0,
            query: false,
        }
    }

    fn close(&mut self) {
        self.phase = Phase::Closed;
        self.closed_at = Some(Instant::now());
        self.polls = 0;
        self.modstamp_ms = crate::time::now_ms();
    }

    /// Ends the job now (abort, or a failure decided before processing).
    fn finish(&mut self, phase: Phase, message: Option<String>) {
        self.phase = phase;
        self.error_message = message;
        self.modstamp_ms = crate::time::now_ms();
    }

    /// Counts a poll and moves a closed job to its final state once the rule allows.
    fn poll(&mut self, bulk: &Bulk) {
        if self.phase != Phase::Closed {
            return;
        }
        self.polls = self.polls.saturating_add(1);
        let enough_polls = self.polls > bulk.polls_until_complete.load(Ordering::Relaxed);
        let mut delay = Duration::from_millis(bulk.delay_ms.load(Ordering::Relaxed));
        if self.query {
            delay = delay.max(Duration::from_millis(bulk.query_ms.load(Ordering::Relaxed)));
        }
        let waited = self.closed_at.is_none_or(|t| t.elapsed() >= delay);
        if enough_polls && waited {
            if let Some((phase, message)) = self.outcome.clone() {
                self.finish(phase, message);
            }
        }
    }
}

/// A bulk job.
pub(crate) enum Job {
    Ingest(ingest::IngestJob),
    Query(query::QueryJob),
}

impl Job {
    fn kind(&self) -> Kind {
        match self {
            Job::Ingest(_) => Kind::Ingest,
            Job::Query(_) => Kind::Query,
        }
    }
}

/// Routes `jobs/...`.
pub(crate) fn route(ctx: &Ctx, rest: &[&str]) -> Response {
    let method = ctx.req.method.as_str();
    match rest {
        ["ingest", rest @ ..] => ingest::route(ctx, method, rest),
        ["query", rest @ ..] => query::route(ctx, method, rest),
        _ => Response::not_found(),
    }
}

/// The org's bulk state.
fn bulk<'a>(ctx: &'a Ctx) -> &'a Bulk {
    &ctx.org.bulk
}

/// A JSON object written member by member, in Salesforce's order.
pub(crate) struct JsonObj(Vec<u8>);

impl JsonObj {
    fn new() -> JsonObj {
        JsonObj(vec![b'{'])
    }

    fn key(&mut self, k: &str) {
        if self.0.len() > 1 {
            self.0.push(b',');
        }
        write_json_str(&mut self.0, k);
        self.0.push(b':');
    }

    fn str(mut self, k: &str, v: &str) -> JsonObj {
        self.key(k);
        write_json_str(&mut self.0, v);
        self
    }

    fn raw(mut self, k: &str, v: &str) -> JsonObj {
        self.key(k);
        self.0.extend_from_slice(v.as_bytes());
        self
    }

    fn finish(mut self) -> Vec<u8> {
        self.0.push(b'}');
        self.0
    }
}

/// The members every job info starts with, up to `state`.
fn job_head(c: &Common, created_by: &str, p: &Progress, state: &str) -> JsonObj {
    JsonObj::new()
        .str("id", &c.id)
        .str("operation", c.operation)
        .str("object", c.object)
        .str("createdById", created_by)
        .str("createdDate", &crate::time::format_datetime(c.created_ms))
        .str(
            "systemModstamp",
            &crate::time::format_datetime(crate::store::whole_seconds(p.modstamp_ms)),
        )
        .str("state", state)
}

/// `{"done":true,"records":[...],"nextRecordsUrl":null}`.
fn job_list(items: Vec<Vec<u8>>) -> Response {
    let mut out = b"{\"done\":true,\"records\":[".to_vec();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(item);
    }
    out.extend_from_slice(b"],\"nextRecordsUrl\":null}");
    Response::json(200, out)
}

/// A CSV response.
fn csv_response(body: Vec<u8>) -> Response {
    Response {
        status: 200,
        content_type: Some("text/csv".to_owned()),
        headers: Vec::new(),
        body,
        compressible: true,
    }
}

/// The JSON request body of a job call.
fn json_body(ctx: &Ctx) -> Result<serde_json::Map<String, serde_json::Value>, Response> {
    crate::validate::parse_object(&ctx.req.body).map_err(Response::from)
}

/// A string member of a request body.
fn member<'a>(body: &'a serde_json::Map<String, serde_json::Value>, key: &str) -> Option<&'a str> {
    body.get(key).and_then(serde_json::Value::as_str)
}

/// 400 with a Bulk API error code.
fn bad(code: &str, message: &str) -> Response {
    Response::error(400, code, message)
}

/// The `lineEnding` and `columnDelimiter` of a job request.
fn csv_options(
    body: &serde_json::Map<String, serde_json::Value>,
) -> Result<(&'static str, &'static str, u8), Response> {
    let line_ending = match member(body, "lineEnding").unwrap_or("LF") {
        "LF" => "LF",
        "CRLF" => "CRLF",
        other => {
            return Err(bad(
                "INVALIDJOB",
                &format!("Invalid line ending: {other}. Valid values are LF and CRLF"),
            ))
        }
    };
    let name = member(body, "columnDelimiter").unwrap_or("COMMA");
    let Some(delim) = csv::delimiter_byte(name) else {
        return Err(bad(
            "INVALIDJOB",
            &format!("Invalid column delimiter: {name}. Valid values are BACKQUOTE, CARET, COMMA, PIPE, SEMICOLON and TAB"),
        ));
    };
    let name = match delim {
        b'\t' => "TAB",
        b'|' => "PIPE",
        b';' => "SEMICOLON",
        b'^' => "CARET",
        b'`' => "BACKQUOTE",
        _ => "COMMA",
    };
    if let Some(ct) = member(body, "contentType") {
        if ct != "CSV" {
            return Err(bad(
                "INVALIDJOB",
                &format!("Invalid content type: {ct}. Bulk API 2.0 supports CSV only"),
            ));
        }
    }
    Ok((line_ending, name, delim))
}

/// The line break of a job's CSV output.
fn eol(c: &Common) -> &'static [u8] {
    if c.line_ending == "CRLF" {
        b"\r\n"
    } else {
        b"\n"
    }
}

/// A job's common part for a new job.
fn common(
    ctx: &Ctx,
    id: String,
    object: &'static str,
    operation: &'static str,
    csv: (&'static str, &'static str, u8),
) -> Common {
    Common {
        id,
        object,
        operation,
        created_ms: crate::store::whole_seconds(crate::time::now_ms()),
        api_version: ctx.version.clone(),
        line_ending: csv.0,
        delimiter_name: csv.1,
        delimiter: csv.2,
        abort: AtomicBool::new(false),
    }
}
