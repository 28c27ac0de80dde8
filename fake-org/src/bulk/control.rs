//! The test's Bulk API 2.0 knobs on [`crate::FakeOrg`].

use std::time::Duration;

impl crate::FakeOrg {
    /// Bulk API 2.0: a closed job (ingest after `UploadComplete`, query from its creation)
    /// stays `InProgress` for at least `d` after it was closed. Default zero.
    pub fn set_bulk_processing_delay(&self, d: Duration) {
        self.org.bulk.set_processing_delay(d);
    }

    /// Bulk API 2.0: a closed job is reported `InProgress` by the first `n` polls
    /// (`GET jobs/ingest/{id}` or `GET jobs/query/{id}`); the next poll reports its final state
    /// (once the delay has passed and the rows are processed). Default 1.
    pub fn set_bulk_polls_until_complete(&self, n: u32) {
        self.org.bulk.set_polls_until_complete(n);
    }

    /// Bulk API 2.0: the next job to be closed (or query job to be created) ends `Failed`
    /// with this `errorMessage`, without processing any row.
    pub fn fail_next_bulk_job(&self, message: &str) {
        self.org.bulk.fail_next_job(message);
    }

    /// Bulk API 2.0: a query job stays `InProgress` for at least `d` after its creation (the
    /// time Salesforce takes to run the query; the larger of this and
    /// [`crate::FakeOrg::set_bulk_processing_delay`] applies). Default zero.
    pub fn set_bulk_query_time(&self, d: Duration) {
        self.org.bulk.set_query_time(d);
    }

    /// Bulk API 2.0: each query results request takes the time to produce its records at
    /// `records_per_second` before it answers (Salesforce writes result pages at a finite
    /// rate; pages asked for in parallel are produced in parallel). Default 0: at once.
    pub fn set_bulk_result_rate(&self, records_per_second: u64) {
        self.org.bulk.set_result_rate(records_per_second);
    }

    /// Bulk API 2.0: records per query result page when the request gives no `maxRecords`
    /// (also the size of the pages `resultPages` lists). Default 50,000, as Salesforce.
    pub fn set_bulk_result_page_size(&self, n: usize) {
        self.org.bulk.set_page_size(n);
    }

    /// Number of Bulk API 2.0 jobs (ingest and query) created and not deleted.
    pub fn bulk_job_count(&self) -> usize {
        self.org.bulk.job_count()
    }
}
