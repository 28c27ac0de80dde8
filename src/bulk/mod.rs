//! Bulk API 2.0: ingest and query jobs, streamed both ways, as a blocking API for scripts.

use std::io::{BufReader, Read, Write};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::bulk_csv::CsvChunks;
use crate::error::{Error, Result};
use crate::page_guard::PageGuard;
use crate::response::api_error;
use crate::transport::Stream;
use crate::url::encode_path_segment;
use crate::Client;

mod ingest_job;
mod poll;
mod query_job;

pub use ingest_job::IngestJob;
use query_job::HeaderFilter;
pub use query_job::QueryJob;

/// Salesforce's advice: keep each upload under 100 MB. sfrest cuts at 95 MB (uncompressed).
pub const DEFAULT_MAX_UPLOAD_BYTES: usize = 95 * 1000 * 1000;

/// The most one query result page may hold in memory while pages are downloaded at once, by
/// default (see [`Bulk::max_page_bytes`]): 1 GiB.
pub const DEFAULT_MAX_PAGE_BYTES: usize = 1 << 30;

/// Result pages of a query job downloaded at once, by default (see [`Bulk::parallel_downloads`]).
pub const DEFAULT_PARALLEL_DOWNLOADS: usize = 4;

/// The first poll of a job, by default (see [`Bulk::poll_interval`]).
pub const DEFAULT_POLL_FIRST: Duration = Duration::from_millis(250);
/// The longest wait between two polls, by default (see [`Bulk::poll_interval`]).
pub const DEFAULT_POLL_MAX: Duration = Duration::from_secs(30);

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
    max_page_bytes: usize,
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
            max_page_bytes: DEFAULT_MAX_PAGE_BYTES,
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

    /// The most one result page may hold while pages are downloaded at once: each waits its
    /// turn in memory, so a larger page (a broken or hostile server's, or one of very wide
    /// records) ends the export with an error naming this limit instead of exhausting memory.
    /// Pages read one at a time (`parallel_downloads(1)`) stream to the writer and have no
    /// such limit. Default 1 GiB ([`DEFAULT_MAX_PAGE_BYTES`]); memory then stays under
    /// `parallel_downloads` times this.
    pub fn max_page_bytes(mut self, bytes: usize) -> Self {
        self.max_page_bytes = bytes.max(1);
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
                changes_org: false,
            },
            timeout,
        )?;
        let v = crate::response::into_json("GET", &shown, &reply)?;
        serde_json::from_value(v)
            .map_err(|e| Error::json(format!("GET {shown}: cannot read the job info"), e))
    }

    /// Streams one CSV resource into `out`, dropping its header row unless `keep_header`. A
    /// failure before anything was written is retried as any GET (see [`Client::download`]'s
    /// rules); the transfer timeout bounds it all.
    fn download(
        &self,
        path: &str,
        params: &[(&str, &str)],
        out: &mut dyn Write,
        keep_header: bool,
    ) -> Result<ResultPage> {
        let mut sink = HeaderFilter::new(out, keep_header);
        let (_, reply, shown) = self.client.download(
            &crate::bulk_pages::csv_transfer(path, params, self.transfer_timeout),
            &mut sink,
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

fn io_error(context: &str, source: std::io::Error) -> Error {
    Error::Io {
        context: context.to_string(),
        source,
    }
}
