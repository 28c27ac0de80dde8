//! An ingest job handle: wait, results, abort.

use std::io::Write;

use super::*;
/// One or more ingest jobs made from one input (several when it was cut into uploads).
#[derive(Clone, Debug)]
pub struct IngestJob {
    pub(super) bulk: Bulk,
    pub(super) jobs: Vec<JobInfo>,
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
    /// [`Error::JobFailed`] (for an input cut into several jobs, [`Error::Partial`] whose source
    /// is the `JobFailed` and whose `job_ids` are every job's), running past the wait timeout is
    /// [`Error::JobTimeout`] (the jobs keep running in the org). Polls that fail in a way a retry may cure (maintenance pages,
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
