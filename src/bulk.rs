//! Bulk API 2.0: ingest and query jobs, streamed both ways, as a blocking API for scripts.

use std::io::{BufReader, Read, Write};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{json, Value};

use crate::bulk_csv::CsvChunks;
use crate::error::{Error, Result};
use crate::page_guard::PageGuard;
use crate::response::api_error;
use crate::transport::Stream;
use crate::url::encode_path_segment;
use crate::Client;

/// Salesforce's advice: keep each upload under 100 MB. sfrest cuts at 95 MB (uncompressed).
pub const DEFAULT_MAX_UPLOAD_BYTES: usize = 95 * 1000 * 1000;

/// Result pages of a query job downloaded at once, by default (see [`Bulk::parallel_downloads`]).
pub const DEFAULT_PARALLEL_DOWNLOADS: usize = 4;

/// The first poll of a job, by default (see [`Bulk::poll_interval`]).
pub const DEFAULT_POLL_FIRST: Duration = Duration::from_millis(250);
/// The longest wait between two polls, by default (see [`Bulk::poll_interval`]).
pub const DEFAULT_POLL_MAX: Duration = Duration::from_secs(30);

/// The wait before the next poll, `waited` into a wait: an eighth of it, within `[first, max]`.
pub(crate) fn next_poll_wait(waited: Duration, first: Duration, max: Duration) -> Duration {
    (waited / 8).clamp(first, max.max(first))
}

/// A Bulk API 2.0 job's state and counters, as Salesforce reports them.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct JobInfo {
    /// The job id (`750...`).
    pub id: String,
    /// `Open`, `UploadComplete`, `InProgress`, `JobComplete`, `Failed` or `Aborted`.
    pub state: String,
    /// The sObject type.
    #[serde(default)]
    pub object: String,
    /// `insert`, `update`, `upsert`, `delete`, `hardDelete`, `query` or `queryAll`.
    #[serde(default)]
    pub operation: String,
    /// Records processed so far.
    #[serde(default)]
    pub number_records_processed: u64,
    /// Records that failed so far (ingest jobs).
    #[serde(default)]
    pub number_records_failed: u64,
    /// Why the job failed, for a `Failed` job.
    #[serde(default)]
    pub error_message: Option<String>,
}

impl JobInfo {
    /// Whether the job has stopped changing: `JobComplete`, `Failed` or `Aborted`.
    pub fn is_final(&self) -> bool {
        matches!(self.state.as_str(), "JobComplete" | "Failed" | "Aborted")
    }
}

/// Bulk API 2.0 on a client: see [`Client::bulk`].
#[derive(Clone, Debug)]
pub struct Bulk {
    client: Client,
    poll_first: Duration,
    poll_max: Duration,
    wait_timeout: Duration,
    transfer_timeout: Duration,
    max_upload_bytes: usize,
    max_records: Option<u64>,
    parallel: usize,
}

impl Client {
    /// Bulk API 2.0, for data that outgrows the REST calls: Salesforce processes the jobs
    /// server-side, and sfrest streams uploads and results so memory stays flat.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sf = sfrest::Client::from_env()?;
    /// let bulk = sf.bulk();
    /// let job = bulk.insert("Account", std::fs::File::open("accounts.csv")?)?;
    /// let job = job.wait()?;
    /// println!("{} processed, {} failed", job.number_records_processed(), job.number_records_failed());
    /// job.failed_results(std::io::stderr())?;
    ///
    /// let n = bulk.query("SELECT Id, Name FROM Account", std::fs::File::create("out.csv")?)?;
    /// println!("{n} records exported");
    /// # Ok(()) }
    /// ```
    pub fn bulk(&self) -> Bulk {
        Bulk {
            client: self.data_api(),
            poll_first: DEFAULT_POLL_FIRST,
            poll_max: DEFAULT_POLL_MAX,
            wait_timeout: Duration::from_secs(30 * 60),
            transfer_timeout: Duration::from_secs(10 * 60),
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            max_records: None,
            parallel: DEFAULT_PARALLEL_DOWNLOADS,
        }
    }
}

impl Bulk {
    /// How `wait` polls: the first poll `first` after the start, then each wait an eighth of
    /// the time waited so far (at least `first`, at most `max`), so a finished job is noticed
    /// within about an eighth of its run time, while a long wait costs one call per `max`.
    /// Default 250 ms and 30 s: a job of 2 s costs 8 polls, 10 s 22, 1 minute 37; an hour of
    /// waiting about 160, and 120 each further hour (every poll is an API call). A job already
    /// final when `wait` is called costs one poll.
    pub fn poll_interval(mut self, first: Duration, max: Duration) -> Self {
        // At least 10 ms: a zero interval would spend an API call per spin.
        self.poll_first = first.max(Duration::from_millis(10));
        self.poll_max = max.max(self.poll_first);
        self
    }

    /// How long `wait` polls before giving up (the job keeps running in the org). Default 30
    /// minutes.
    pub fn wait_timeout(mut self, timeout: Duration) -> Self {
        self.wait_timeout = timeout;
        self
    }

    /// Timeout of one upload or one result download. Default 10 minutes; at most 24 hours
    /// (a longer one is taken as 24 hours).
    pub fn transfer_timeout(mut self, timeout: Duration) -> Self {
        self.transfer_timeout = timeout.min(crate::client::MAX_TIMEOUT);
        self
    }

    /// Largest upload (uncompressed CSV bytes); a larger input becomes several jobs, cut at
    /// record boundaries, each with the header row. Default 95 MB.
    pub fn max_upload_bytes(mut self, bytes: usize) -> Self {
        self.max_upload_bytes = bytes.max(1);
        self
    }

    /// Records per result page of a query job (`maxRecords`). Default: Salesforce's choice
    /// (50,000). Setting it reads the pages one after another (the parallel listing has
    /// Salesforce's page size).
    pub fn max_records(mut self, n: u64) -> Self {
        self.max_records = Some(n);
        self
    }

    /// How many result pages of a query job are downloaded at once (API 58.0 and later, which
    /// lists them with `resultPages`), over the client's shared connection pool. They are still
    /// written in order, with one header row; at most `n` pages (50,000 records each, by
    /// default) are held in memory. `1` reads them one after another, following
    /// `Sforce-Locator`, as do API versions before 58.0. Default 4 ([`DEFAULT_PARALLEL_DOWNLOADS`]).
    pub fn parallel_downloads(mut self, n: usize) -> Self {
        self.parallel = n.clamp(1, 64);
        self
    }

    /// Inserts the records of a CSV (header row = field API names).
    pub fn insert<R: Read>(&self, object: &str, csv: R) -> Result<IngestJob> {
        self.ingest(object, "insert", None, csv)
    }

    /// Updates records; the CSV has an `Id` column.
    pub fn update<R: Read>(&self, object: &str, csv: R) -> Result<IngestJob> {
        self.ingest(object, "update", None, csv)
    }

    /// Upserts records on the external id field `ext_id_field` (a column of the CSV).
    pub fn upsert<R: Read>(&self, object: &str, ext_id_field: &str, csv: R) -> Result<IngestJob> {
        self.ingest(object, "upsert", Some(ext_id_field), csv)
    }

    /// Deletes records (to the recycle bin); the CSV has an `Id` column.
    pub fn delete<R: Read>(&self, object: &str, csv: R) -> Result<IngestJob> {
        self.ingest(object, "delete", None, csv)
    }

    /// Deletes records for good; the CSV has an `Id` column. Needs the "Bulk API Hard Delete"
    /// permission.
    pub fn hard_delete<R: Read>(&self, object: &str, csv: R) -> Result<IngestJob> {
        self.ingest(object, "hardDelete", None, csv)
    }

    /// Creates the job(s), streams the CSV up (gzip, cut under the upload limit), and marks each
    /// upload complete. Returns without waiting: call [`IngestJob::wait`].
    pub fn ingest<R: Read>(
        &self,
        object: &str,
        operation: &str,
        ext_id_field: Option<&str>,
        csv: R,
    ) -> Result<IngestJob> {
        let chunks = CsvChunks::new(
            BufReader::with_capacity(256 * 1024, csv),
            self.max_upload_bytes,
        )
        .map_err(|e| io_error("reading the CSV", e))?;
        let Some(mut chunks) = chunks else {
            return Err(Error::InvalidArgument {
                message: "the CSV has no records (a header row and at least one record are needed)"
                    .into(),
            });
        };
        let mut jobs = Vec::new();
        while chunks.has_more() {
            match self.upload_one(&mut chunks, object, operation, ext_id_field) {
                Ok(info) => jobs.push(info),
                Err(e) if jobs.is_empty() => return Err(e),
                Err(e) => {
                    return Err(Error::Partial {
                        results: Vec::new(),
                        job_ids: jobs.into_iter().map(|j| j.id).collect(),
                        source: Box::new(e),
                    })
                }
            }
        }
        Ok(IngestJob {
            bulk: self.clone(),
            jobs,
        })
    }

    /// One job: create it, stream the next upload into it, mark it complete. A job whose
    /// upload fails is aborted.
    fn upload_one<R: std::io::BufRead>(
        &self,
        chunks: &mut CsvChunks<R>,
        object: &str,
        operation: &str,
        ext_id_field: Option<&str>,
    ) -> Result<JobInfo> {
        let mut spec = json!({
            "object": object,
            "operation": operation,
            "contentType": "CSV",
            "lineEnding": if chunks.crlf() { "CRLF" } else { "LF" },
            "columnDelimiter": "COMMA",
        });
        if let Some(field) = ext_id_field {
            spec["externalIdFieldName"] = json!(field);
        }
        let info: JobInfo = self.json("POST", "jobs/ingest", &spec)?;
        let path = format!("jobs/ingest/{}/batches", encode_path_segment(&info.id));
        let mut upload = chunks.next_upload();
        let result = self.client.call_streaming(
            "PUT",
            &path,
            &[],
            Some(Stream {
                content_type: "text/csv",
                content_encoding: Some("gzip"),
                reader: &mut upload,
            }),
            None,
            self.transfer_timeout,
        );
        let (records, bytes) = (upload.records(), upload.size());
        let failed = match (upload.take_error(), result) {
            (Some(e), _) => Some(io_error(
                &format!("reading the CSV for job {} (aborted)", info.id),
                e,
            )),
            (None, Err(e)) => Some(e),
            (None, Ok((reply, shown))) if !(200..300).contains(&reply.status) => {
                Some(api_error("PUT", &shown, &reply))
            }
            (None, Ok(_)) => None,
        };
        if let Some(e) = failed {
            let _ = self.set_state("ingest", &info.id, "Aborted");
            return Err(e);
        }
        log::info!(
            "bulk {operation} {object}: job {} uploaded {records} records ({bytes} bytes)",
            crate::redact::cow(&info.id)
        );
        self.json(
            "PATCH",
            &format!("jobs/ingest/{}/", encode_path_segment(&info.id)),
            &json!({"state": "UploadComplete"}),
        )
    }

    /// Re-attaches to the ingest jobs of one earlier [`Bulk::ingest`] (see [`IngestJob::ids`]).
    pub fn jobs(&self, ids: &[String]) -> Result<IngestJob> {
        let jobs = ids
            .iter()
            .map(|id| self.get_info("ingest", id))
            .collect::<Result<Vec<_>>>()?;
        Ok(IngestJob {
            bulk: self.clone(),
            jobs,
        })
    }

    /// Re-attaches to an ingest job by id (from an earlier run, or a [`Error::JobTimeout`]).
    pub fn job(&self, id: &str) -> Result<IngestJob> {
        let info = self.get_info("ingest", id)?;
        Ok(IngestJob {
            bulk: self.clone(),
            jobs: vec![info],
        })
    }

    /// Exports a query's records as CSV into `out`: creates the query job, waits for it, then
    /// streams every result page (one header row). Returns the number of records.
    pub fn query<W: Write>(&self, soql: &str, out: W) -> Result<u64> {
        self.start_query(soql, false)?.wait()?.results(out)
    }

    /// Like [`Bulk::query`], including deleted and archived records (`queryAll`).
    pub fn query_all<W: Write>(&self, soql: &str, out: W) -> Result<u64> {
        self.start_query(soql, true)?.wait()?.results(out)
    }

    /// Creates a query job without waiting for it.
    pub fn start_query(&self, soql: &str, include_deleted: bool) -> Result<QueryJob> {
        let operation = if include_deleted { "queryAll" } else { "query" };
        let info: JobInfo = self.json(
            "POST",
            "jobs/query",
            &json!({"operation": operation, "query": soql}),
        )?;
        Ok(QueryJob {
            bulk: self.clone(),
            info,
        })
    }

    /// Re-attaches to a query job by id.
    pub fn query_job(&self, id: &str) -> Result<QueryJob> {
        Ok(QueryJob {
            bulk: self.clone(),
            info: self.get_info("query", id)?,
        })
    }

    fn json<T: serde::de::DeserializeOwned>(
        &self,
        method: &'static str,
        path: &str,
        body: &Value,
    ) -> Result<T> {
        let bytes =
            serde_json::to_vec(body).map_err(|e| Error::json("cannot serialize the job", e))?;
        let v = self
            .client
            .call_json(method, path, &[], Some(&bytes), &[])?;
        serde_json::from_value(v)
            .map_err(|e| Error::json(format!("{method} {path}: cannot read the job info"), e))
    }

    fn get_info(&self, kind: &str, id: &str) -> Result<JobInfo> {
        let path = format!("jobs/{kind}/{}", encode_path_segment(id));
        let v = self.client.get(&path, &[])?;
        serde_json::from_value(v)
            .map_err(|e| Error::json(format!("GET {path}: cannot read the job info"), e))
    }

    fn set_state(&self, kind: &str, id: &str, state: &str) -> Result<JobInfo> {
        let path = format!("jobs/{kind}/{}/", encode_path_segment(id));
        self.json("PATCH", &path, &json!({"state": state}))
    }

    /// A job's info, read with this timeout (a poll gets no more than what is left of the wait).
    fn get_info_within(&self, kind: &str, id: &str, timeout: Duration) -> Result<JobInfo> {
        let path = format!("jobs/{kind}/{}", encode_path_segment(id));
        let (reply, shown) = self.client.call_within(
            &crate::request::Request {
                method: "GET",
                path: &path,
                params: &[],
                body: None,
                headers: &[],
            },
            timeout,
        )?;
        let v = crate::response::into_json("GET", &shown, &reply)?;
        serde_json::from_value(v)
            .map_err(|e| Error::json(format!("GET {shown}: cannot read the job info"), e))
    }

    /// Polls `refresh` with backoff until every job is final, reporting progress. `known`: the
    /// jobs as last seen; when one is still running the first poll waits `poll_first` (a poll
    /// right away would only repeat what the job's creation answered). `refresh` is given the
    /// timeout of its calls: the client's GET timeout, or what is left of the wait if less.
    ///
    /// A poll that fails in a way a retry may cure ([`Error::is_retryable`]: a maintenance
    /// page, a broken connection, a timeout) is made again after a backoff (capped at the
    /// polling interval's maximum), for as long as the wait timeout allows. Every error but the
    /// job's own failure and the wait timeout is [`Error::JobWait`], naming the jobs.
    fn poll<F, P>(
        &self,
        ids: &[String],
        known: &[JobInfo],
        mut refresh: F,
        mut progress: P,
    ) -> Result<()>
    where
        F: FnMut(Duration) -> Result<Vec<JobInfo>>,
        P: FnMut(&[JobInfo]),
    {
        self.poll_until_final(ids, known, &mut refresh, &mut progress)
            .map_err(|e| match e {
                e @ (Error::JobFailed { .. } | Error::JobTimeout { .. }) => e,
                source => Error::JobWait {
                    ids: ids.to_vec(),
                    query: known.iter().any(|i| i.operation.starts_with("query")),
                    source: Box::new(source),
                },
            })
    }

    fn poll_until_final(
        &self,
        ids: &[String],
        known: &[JobInfo],
        refresh: &mut dyn FnMut(Duration) -> Result<Vec<JobInfo>>,
        progress: &mut dyn FnMut(&[JobInfo]),
    ) -> Result<()> {
        let started = Instant::now();
        let query = known.iter().any(|i| i.operation.starts_with("query"));
        if !known.iter().all(JobInfo::is_final) {
            std::thread::sleep(self.poll_first.min(self.wait_timeout));
        }
        let mut wait = next_poll_wait(started.elapsed(), self.poll_first, self.poll_max);
        let mut last: Vec<(String, u64)> = Vec::new();
        let mut failures: u32 = 0;
        let get_timeout = self.client.inner.auth.config.get_timeout;
        loop {
            let left = self.wait_timeout.saturating_sub(started.elapsed());
            let timeout = get_timeout.min(left).max(Duration::from_millis(1));
            let infos = match refresh(timeout) {
                Ok(infos) => {
                    failures = 0;
                    infos
                }
                Err(Error::Timeout { .. }) if timeout < get_timeout => {
                    // The poll was cut to what was left of the wait: the wait's own timeout
                    // ran out, not the poll's.
                    return Err(Error::JobTimeout {
                        ids: ids.to_vec(),
                        query,
                        after: self.wait_timeout,
                    });
                }
                Err(e) => {
                    let pause = crate::retry::backoff(failures).min(self.poll_max);
                    if !e.is_retryable()
                        || started.elapsed().saturating_add(pause) >= self.wait_timeout
                    {
                        return Err(e);
                    }
                    failures = failures.saturating_add(1);
                    log::warn!(
                        "bulk job {}: polling failed ({e}); polling again in {} ms",
                        ids.join(", "),
                        pause.as_millis()
                    );
                    std::thread::sleep(pause);
                    continue;
                }
            };
            let now: Vec<(String, u64)> = infos
                .iter()
                .map(|i| (i.state.clone(), i.number_records_processed))
                .collect();
            if now != last {
                for i in &infos {
                    log::info!(
                        "bulk job {}: {} ({} records processed, {} failed)",
                        crate::redact::cow(&i.id),
                        crate::redact::cow(&i.state),
                        i.number_records_processed,
                        i.number_records_failed
                    );
                }
                last = now;
            }
            progress(&infos);
            if let Some(bad) = infos
                .iter()
                .find(|i| i.state == "Failed" || i.state == "Aborted")
            {
                return Err(Error::JobFailed {
                    id: crate::redact::text(&bad.id),
                    state: crate::redact::text(&bad.state),
                    message: crate::redact::text(bad.error_message.as_deref().unwrap_or_default()),
                });
            }
            if infos.iter().all(JobInfo::is_final) {
                return Ok(());
            }
            if started.elapsed().saturating_add(wait) > self.wait_timeout {
                return Err(Error::JobTimeout {
                    ids: ids.to_vec(),
                    query: infos.iter().any(|i| i.operation.starts_with("query")),
                    after: self.wait_timeout,
                });
            }
            std::thread::sleep(wait);
            wait = next_poll_wait(started.elapsed(), self.poll_first, self.poll_max);
        }
    }

    /// Streams one CSV resource into `out`, dropping its header row unless `keep_header`.
    fn download(
        &self,
        path: &str,
        params: &[(&str, &str)],
        out: &mut dyn Write,
        keep_header: bool,
    ) -> Result<ResultPage> {
        let mut sink = HeaderFilter::new(out, keep_header);
        let (reply, shown) = self.client.call_streaming(
            "GET",
            path,
            params,
            None,
            Some(&mut sink),
            self.transfer_timeout,
        )?;
        if !(200..300).contains(&reply.status) {
            return Err(api_error("GET", &shown, &reply));
        }
        let locator = reply.header("sforce-locator").map(str::to_string);
        let announced = reply
            .header("sforce-numberofrecords")
            .and_then(|n| n.trim().parse().ok());
        Ok(ResultPage {
            path: shown,
            locator,
            announced,
            records: sink.records(),
        })
    }
}

/// What one result download brought.
struct ResultPage {
    /// The path shown in errors.
    path: String,
    /// `Sforce-Locator`: the next page, when not `null`.
    locator: Option<String>,
    /// `Sforce-NumberOfRecords`.
    announced: Option<u64>,
    /// The records counted in the body (CSV lines after the header row).
    records: u64,
}

impl ResultPage {
    /// The next locator, or `None` at the last page (`null` or no header).
    fn next(&self) -> Option<&str> {
        self.locator
            .as_deref()
            .filter(|l| !l.is_empty() && *l != "null")
    }

    /// Fails when the body holds far more records than `Sforce-NumberOfRecords` says.
    fn check_count(&self) -> Result<()> {
        crate::page_guard::check_page(&self.path, self.announced, self.records)
    }
}

/// The records of a CSV body: its lines after the header row (line ends outside quotes).
pub(crate) fn csv_records(body: &[u8]) -> u64 {
    let mut sink = std::io::sink();
    let mut filter = HeaderFilter::new(&mut sink, false);
    let _ = filter.write_all(body);
    filter.records()
}

/// One or more ingest jobs made from one input (several when it was cut into uploads).
#[derive(Clone, Debug)]
pub struct IngestJob {
    bulk: Bulk,
    jobs: Vec<JobInfo>,
}

impl IngestJob {
    /// The jobs, in upload order, as last seen.
    pub fn jobs(&self) -> &[JobInfo] {
        &self.jobs
    }

    /// The job ids, for [`Bulk::job`] in a later run.
    pub fn ids(&self) -> Vec<String> {
        self.jobs.iter().map(|j| j.id.clone()).collect()
    }

    /// Records processed, all jobs together.
    pub fn number_records_processed(&self) -> u64 {
        self.jobs
            .iter()
            .fold(0u64, |n, j| n.saturating_add(j.number_records_processed))
    }

    /// Records that failed, all jobs together. A finished job with failed records is not an
    /// error: read them with [`IngestJob::failed_results`].
    pub fn number_records_failed(&self) -> u64 {
        self.jobs
            .iter()
            .fold(0u64, |n, j| n.saturating_add(j.number_records_failed))
    }

    /// Whether every job is final.
    pub fn is_done(&self) -> bool {
        self.jobs.iter().all(JobInfo::is_final)
    }

    /// Reads the jobs' current state from the org.
    pub fn refresh(&mut self) -> Result<()> {
        self.jobs = self.fetch()?;
        Ok(())
    }

    fn fetch(&self) -> Result<Vec<JobInfo>> {
        self.jobs
            .iter()
            .map(|j| self.bulk.get_info("ingest", &j.id))
            .collect()
    }

    /// [`IngestJob::fetch`] with this timeout for each call.
    fn fetch_within(&self, timeout: Duration) -> Result<Vec<JobInfo>> {
        self.jobs
            .iter()
            .map(|j| self.bulk.get_info_within("ingest", &j.id, timeout))
            .collect()
    }

    /// Polls with backoff until every job is `JobComplete`; a `Failed` or `Aborted` job is
    /// [`Error::JobFailed`], running past the wait timeout is [`Error::JobTimeout`] (the jobs
    /// keep running in the org). Polls that fail in a way a retry may cure (maintenance pages,
    /// broken connections, timeouts: [`Error::is_retryable`]) are made again with backoff until
    /// the wait timeout; no poll outlives it. Any other error is [`Error::JobWait`], which
    /// names the job ids to re-attach with. Progress goes to `log::info!`.
    pub fn wait(self) -> Result<IngestJob> {
        self.wait_with(|_| {})
    }

    /// [`IngestJob::wait`], calling `progress` after every poll (to draw a progress bar).
    pub fn wait_with<F: FnMut(&IngestJob)>(mut self, mut progress: F) -> Result<IngestJob> {
        let ids = self.ids();
        let bulk = self.bulk.clone();
        let mut latest = self.jobs.clone();
        let result = bulk.poll(
            &ids,
            &self.jobs,
            |timeout| self.fetch_within(timeout),
            |infos| {
                latest = infos.to_vec();
                progress(&IngestJob {
                    bulk: bulk.clone(),
                    jobs: infos.to_vec(),
                });
            },
        );
        self.jobs = latest;
        match result {
            Ok(()) => Ok(self),
            Err(e @ Error::JobFailed { .. }) if ids.len() > 1 => Err(Error::Partial {
                results: Vec::new(),
                job_ids: ids,
                source: Box::new(e),
            }),
            Err(e) => Err(e),
        }
    }

    /// Aborts every job that is not final yet.
    pub fn abort(&self) -> Result<()> {
        for j in self.jobs.iter().filter(|j| !j.is_final()) {
            self.bulk.set_state("ingest", &j.id, "Aborted")?;
        }
        Ok(())
    }

    /// The records that succeeded, as CSV (`sf__Id`, `sf__Created`, then the input's
    /// columns), one header row for all jobs, streamed into `out`.
    pub fn successful_results<W: Write>(&self, out: W) -> Result<()> {
        self.results("successfulResults/", out)
    }

    /// The records that failed, as CSV (`sf__Id`, `sf__Error`, then the input's columns).
    pub fn failed_results<W: Write>(&self, out: W) -> Result<()> {
        self.results("failedResults/", out)
    }

    /// The records not processed (of an aborted job), as CSV with the input's columns.
    pub fn unprocessed_records<W: Write>(&self, out: W) -> Result<()> {
        self.results("unprocessedrecords/", out)
    }

    fn results<W: Write>(&self, which: &str, mut out: W) -> Result<()> {
        for (i, j) in self.jobs.iter().enumerate() {
            let path = format!("jobs/ingest/{}/{which}", encode_path_segment(&j.id));
            self.bulk.download(&path, &[], &mut out, i == 0)?;
        }
        out.flush().map_err(|e| io_error("flushing the results", e))
    }
}

/// A Bulk API 2.0 query job.
#[derive(Clone, Debug)]
pub struct QueryJob {
    bulk: Bulk,
    info: JobInfo,
}

impl QueryJob {
    /// The job as last seen.
    pub fn info(&self) -> &JobInfo {
        &self.info
    }

    /// Polls until the job is `JobComplete` (see [`IngestJob::wait`]).
    pub fn wait(self) -> Result<QueryJob> {
        self.wait_with(|_| {})
    }

    /// [`QueryJob::wait`], calling `progress` after every poll.
    pub fn wait_with<F: FnMut(&JobInfo)>(mut self, mut progress: F) -> Result<QueryJob> {
        let ids = vec![self.info.id.clone()];
        let mut latest = self.info.clone();
        let result = self.bulk.poll(
            &ids,
            std::slice::from_ref(&self.info),
            |timeout| {
                Ok(vec![self.bulk.get_info_within(
                    "query",
                    &self.info.id,
                    timeout,
                )?])
            },
            |infos| {
                latest = infos[0].clone();
                progress(&infos[0]);
            },
        );
        self.info = latest;
        result.map(|()| self)
    }

    /// Streams every result page into `out` as one CSV (one header row), in order. Returns the
    /// number of records.
    ///
    /// With API 58.0 and later, the pages are listed with `resultPages` and downloaded
    /// [`Bulk::parallel_downloads`] at a time (default 4); otherwise (an older version, a job
    /// created with another version, [`Bulk::max_records`] set, or one download at a time) they
    /// are read one after another, following `Sforce-Locator` until `null`.
    ///
    /// A locator or listing that comes back (the pages loop), or pages that bring far more
    /// records than the job's `numberRecordsProcessed` or the page's `Sforce-NumberOfRecords`
    /// (over twice as many, plus 2,000), end the export with [`Error::Unexpected`] before any
    /// further call.
    pub fn results<W: Write>(&self, mut out: W) -> Result<u64> {
        let bulk = &self.bulk;
        if bulk.parallel > 1
            && bulk.max_records.is_none()
            && crate::bulk_pages::version_has_result_pages(bulk.client.api_version())
        {
            if let Some(pages) = crate::bulk_pages::Pages::start(&bulk.client, &self.info.id)? {
                let total = crate::bulk_pages::download(
                    pages,
                    bulk.parallel,
                    bulk.transfer_timeout,
                    &mut out,
                    &mut self.guard(),
                )?;
                out.flush()
                    .map_err(|e| io_error("flushing the results", e))?;
                return Ok(total);
            }
        }
        self.results_one_by_one(out)
    }

    /// The guard of this job's result pages: they may bring about as many records as the job
    /// processed, once it is complete.
    fn guard(&self) -> PageGuard {
        let mut guard =
            PageGuard::new("Sforce-Locator", format!("bulk query job {}", self.info.id));
        if self.info.state == "JobComplete" {
            guard.expect(self.info.number_records_processed);
        }
        guard
    }

    /// The pages one after another, following `Sforce-Locator`.
    fn results_one_by_one<W: Write>(&self, mut out: W) -> Result<u64> {
        let path = format!("jobs/query/{}/results", encode_path_segment(&self.info.id));
        let max = self.bulk.max_records.map(|n| n.to_string());
        let mut guard = self.guard();
        let mut locator: Option<String> = None;
        let mut total: u64 = 0;
        let mut first = true;
        loop {
            let mut params: Vec<(&str, &str)> = Vec::new();
            if let Some(m) = &max {
                params.push(("maxRecords", m));
            }
            if let Some(l) = &locator {
                params.push(("locator", l));
            }
            let page = self.bulk.download(&path, &params, &mut out, first)?;
            first = false;
            page.check_count()?;
            let records = page.announced.unwrap_or(page.records);
            total = total.saturating_add(records);
            guard.received(records.max(page.records))?;
            match page.next() {
                Some(l) => {
                    guard.visit(l)?;
                    locator = Some(l.to_string());
                }
                None => break,
            }
        }
        out.flush()
            .map_err(|e| io_error("flushing the results", e))?;
        Ok(total)
    }

    /// Aborts the job.
    pub fn abort(&self) -> Result<()> {
        self.bulk
            .set_state("query", &self.info.id, "Aborted")
            .map(drop)
    }
}

/// Drops everything up to and including the first newline (a CSV header row), when asked, and
/// counts the records after it (line ends outside double quotes).
struct HeaderFilter<'a> {
    out: &'a mut dyn Write,
    keep_header: bool,
    in_header: bool,
    in_quotes: bool,
    /// Bytes of a record not ended by a newline yet.
    partial: bool,
    records: u64,
}

impl<'a> HeaderFilter<'a> {
    fn new(out: &'a mut dyn Write, keep_header: bool) -> Self {
        HeaderFilter {
            out,
            keep_header,
            in_header: true,
            in_quotes: false,
            partial: false,
            records: 0,
        }
    }

    /// The records seen so far.
    fn records(&self) -> u64 {
        self.records + u64::from(self.partial)
    }

    fn count(&mut self, buf: &[u8]) {
        for &b in buf {
            match b {
                b'"' => {
                    self.in_quotes = !self.in_quotes;
                    self.partial = true;
                }
                b'\n' if !self.in_quotes => {
                    self.records += 1;
                    self.partial = false;
                }
                b'\r' => {}
                _ => self.partial = true,
            }
        }
    }
}

impl Write for HeaderFilter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut body = buf;
        if self.in_header {
            let Some(i) = buf.iter().position(|b| *b == b'\n') else {
                if self.keep_header {
                    self.out.write_all(buf)?;
                }
                return Ok(buf.len());
            };
            self.in_header = false;
            if self.keep_header {
                self.out.write_all(&buf[..=i])?;
            }
            body = &buf[i + 1..];
        }
        self.out.write_all(body)?;
        self.count(body);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

fn io_error(context: &str, source: std::io::Error) -> Error {
    Error::Io {
        context: context.to_string(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Polls until a job of `secs` is seen final, on the default schedule (no time spent
    /// in the calls themselves).
    fn polls_for(secs: f64) -> (u32, f64) {
        let mut t = DEFAULT_POLL_FIRST;
        let mut n = 1;
        while t.as_secs_f64() < secs {
            t += next_poll_wait(t, DEFAULT_POLL_FIRST, DEFAULT_POLL_MAX);
            n += 1;
        }
        (n, t.as_secs_f64())
    }

    #[test]
    fn the_default_schedule_is_what_the_docs_say() {
        assert_eq!(polls_for(2.0).0, 8);
        assert_eq!(polls_for(10.0).0, 22);
        assert_eq!(polls_for(60.0).0, 37);
        let (hour, _) = polls_for(3600.0);
        assert!((158..=164).contains(&hour), "{hour}");
        assert_eq!(polls_for(7200.0).0 - hour, 120);
        // Noticed within an eighth of the run time (or the first interval).
        for secs in [1.0, 2.0, 2.05, 3.0, 7.0, 30.0, 100.0] {
            let (_, seen) = polls_for(secs);
            assert!(seen <= secs * 1.125 + 0.25, "{secs} s job seen at {seen}");
        }
        assert_eq!(
            next_poll_wait(
                Duration::from_secs(3600),
                DEFAULT_POLL_FIRST,
                DEFAULT_POLL_MAX
            ),
            DEFAULT_POLL_MAX
        );
    }
}
