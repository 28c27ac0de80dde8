//! Query jobs: `Bulk::query` (create, wait, results), the job handle (wait, results as CSV),
//! and the header filter that keeps one header row across pages.

use std::io::Write;

use super::*;

/// How long a query job must have run before [`Bulk::query`] opens the connections for its
/// result pages: a job done sooner most likely has one page.
const WARM_UP_AFTER: Duration = Duration::from_secs(1);

impl Bulk {
    /// Exports a query's records as CSV into `out`: creates the query job, waits for it, then
    /// streams every result page (one header row). Returns the number of records.
    ///
    /// When the pages will be downloaded at once (see [`Bulk::parallel_downloads`]) and the job
    /// is still running after a second, the connections for them (and for the next page
    /// listing, fetched meanwhile) are opened while it runs, by as many unauthenticated
    /// `GET /services/data/`: no API call spent, no token sent. A job done sooner (a small
    /// result, most likely one page) opens none.
    pub fn query<W: Write>(&self, soql: &str, out: W) -> Result<u64> {
        self.export(soql, false, out)
    }

    /// Like [`Bulk::query`], including deleted and archived records (`queryAll`).
    pub fn query_all<W: Write>(&self, soql: &str, out: W) -> Result<u64> {
        self.export(soql, true, out)
    }

    fn export<W: Write>(&self, soql: &str, include_deleted: bool, out: W) -> Result<u64> {
        let mut warmed = !self.pages_in_parallel();
        let job = self.start_query(soql, include_deleted)?;
        let started = std::time::Instant::now();
        job.wait_with(|info| {
            if !warmed && !info.is_final() && started.elapsed() >= WARM_UP_AFTER {
                warmed = true;
                // The pages at once, and the next listing fetched meanwhile.
                self.client.warm_up(self.parallel + 1);
            }
        })?
        .results(out)
    }

    /// Whether a query job's results are read with `resultPages`, several pages at once.
    fn pages_in_parallel(&self) -> bool {
        self.parallel > 1
            && self.max_records.is_none()
            && crate::bulk_pages::version_has_result_pages(self.client.api_version())
    }
}

/// A Bulk API 2.0 query job.
#[derive(Clone, Debug)]
pub struct QueryJob {
    pub(super) bulk: Bulk,
    pub(super) info: JobInfo,
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
    ///
    /// A job not known to be `JobComplete` is looked up first (one call): its results can be
    /// read only once it is (Salesforce's rule), and its record count then bounds the pages.
    /// Still running, it is [`Error::InvalidArgument`]: [`QueryJob::wait`] first; `Failed` or
    /// `Aborted`, [`Error::JobFailed`].
    pub fn results<W: Write>(&self, mut out: W) -> Result<u64> {
        if self.info.state != "JobComplete" {
            let info = self.bulk.get_info("query", &self.info.id)?;
            if info.is_final() && info.state != "JobComplete" {
                return Err(Error::JobFailed {
                    id: info.id,
                    state: info.state,
                    message: info.error_message.unwrap_or_default(),
                });
            }
            if info.state != "JobComplete" {
                return Err(Error::InvalidArgument {
                    message: format!(
                        "bulk query job {} is {}: its results can be read once it is JobComplete (wait for it first)",
                        info.id, info.state
                    ),
                });
            }
            return QueryJob {
                bulk: self.bulk.clone(),
                info,
            }
            .results(out);
        }
        let bulk = &self.bulk;
        if bulk.pages_in_parallel() {
            if let Some(pages) = crate::bulk_pages::Pages::start(&bulk.client, &self.info.id)? {
                let total = crate::bulk_pages::download(
                    pages,
                    bulk.parallel,
                    crate::bulk_pages::PageLimits {
                        timeout: bulk.transfer_timeout,
                        max_bytes: bulk.max_page_bytes,
                    },
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
        // `results` reads only complete jobs.
        guard.expect(self.info.number_records_processed);
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
pub(super) struct HeaderFilter<'a> {
    out: &'a mut dyn Write,
    keep_header: bool,
    in_header: bool,
    in_quotes: bool,
    /// Bytes of a record not ended by a newline yet.
    partial: bool,
    records: u64,
}

impl<'a> HeaderFilter<'a> {
    pub(super) fn new(out: &'a mut dyn Write, keep_header: bool) -> Self {
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
    pub(super) fn records(&self) -> u64 {
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
