//! Bulk API 2.0 query results in parallel (API 58.0+): `GET jobs/query/{id}/resultPages` lists
//! up to five result pages at a time; up to N of them are downloaded at once over the client's
//! connection pool and written to the caller's writer in page order, with one header row.
//! At most N pages are in memory at any time (downloading, or downloaded and waiting their
//! turn): page `i` is not started before page `i - N` has been written.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::page_guard::PageGuard;
use crate::request::Request;
use crate::response::api_error;
use crate::transfer::Transfer;
use crate::Client;

/// The first API version that has `resultPages`.
pub(crate) const RESULT_PAGES_SINCE: u32 = 58;

/// Most pages one job's results may list (50,000 rows each: 10 billion rows).
const MAX_PAGES: usize = 200_000;

/// One answer of `resultPages`.
#[derive(Deserialize)]
struct Listing {
    #[serde(rename = "resultPages", default)]
    pages: Vec<PageUrl>,
    /// The docs' table says `nextRecordUrl`, their example `nextRecordsUrl`.
    #[serde(rename = "nextRecordsUrl", alias = "nextRecordUrl", default)]
    next: Option<String>,
    #[serde(default)]
    done: bool,
}

#[derive(Deserialize)]
struct PageUrl {
    #[serde(rename = "resultUrl")]
    url: String,
}

/// Whether `api_version` (such as `66.0`) serves `resultPages`.
pub(crate) fn version_has_result_pages(api_version: &str) -> bool {
    crate::config::api_major(api_version).is_some_and(|m| m >= RESULT_PAGES_SINCE)
}

/// The result page URLs of a job, read from `resultPages` a listing at a time, with guards
/// against a server that repeats itself.
pub(crate) struct Pages {
    client: Client,
    job_id: String,
    next: Option<String>,
    seen_listings: HashSet<String>,
    seen_pages: HashSet<String>,
    queued: std::collections::VecDeque<String>,
    listed: usize,
}

impl Pages {
    /// The first listing of `job_id`'s result pages, or `None` when the org does not serve
    /// `resultPages` for this job (404: an API version before 58.0; 409: the job was created
    /// with another API version), in which case the caller follows `Sforce-Locator` instead.
    pub(crate) fn start(client: &Client, job_id: &str) -> Result<Option<Pages>> {
        let path = format!(
            "jobs/query/{}/resultPages",
            crate::url::encode_path_segment(job_id)
        );
        let mut pages = Pages {
            client: client.clone(),
            job_id: job_id.to_string(),
            next: None,
            seen_listings: HashSet::new(),
            seen_pages: HashSet::new(),
            queued: Default::default(),
            listed: 0,
        };
        match pages.fetch(&path)? {
            true => Ok(Some(pages)),
            false => Ok(None),
        }
    }

    /// Whether every page URL has been listed.
    fn exhausted(&self) -> bool {
        self.next.is_none()
    }

    /// Reads one listing; `false` when it is not served (404 or 409).
    fn fetch(&mut self, path: &str) -> Result<bool> {
        let (reply, shown) = self.client.call(&Request {
            method: "GET",
            path,
            params: &[],
            body: None,
            headers: &[],
            changes_org: false,
        })?;
        if self.listed == 0 && matches!(reply.status, 404 | 409) {
            log::info!(
                "bulk query job {}: resultPages answered {} ({}); reading the pages one by one",
                self.job_id,
                reply.status,
                crate::response::describe(&reply)
            );
            return Ok(false);
        }
        if !(200..300).contains(&reply.status) {
            return Err(api_error("GET", &shown, &reply));
        }
        let listing: Listing = serde_json::from_slice(&reply.body).map_err(|e| {
            Error::json(
                format!(
                    "GET {shown}: cannot read the result pages of job {}",
                    self.job_id
                ),
                e,
            )
        })?;
        if listing.pages.is_empty() {
            if self.listed == 0 && listing.done {
                // Nothing to download in parallel: the pages one by one give the header row.
                return Ok(false);
            }
            return Err(self.unexpected(format!(
                "GET {shown} listed no result page (done: {})",
                listing.done
            )));
        }
        for page in listing.pages {
            if !self.seen_pages.insert(page.url.clone()) {
                return Err(self.unexpected(format!(
                    "resultPages listed the page {} twice",
                    crate::url::path_only(&page.url)
                )));
            }
            self.listed += 1;
            if self.listed > MAX_PAGES {
                return Err(
                    self.unexpected(format!("resultPages listed more than {MAX_PAGES} pages"))
                );
            }
            self.queued.push_back(page.url);
        }
        self.next = match (listing.done, listing.next) {
            (true, _) => None,
            (false, Some(next)) if !next.is_empty() => {
                if !self.seen_listings.insert(next.clone()) {
                    return Err(self.unexpected(format!(
                        "resultPages sent the listing {next} again (a loop)"
                    )));
                }
                Some(next)
            }
            (false, _) => {
                return Err(self.unexpected(
                    "resultPages said done=false without a nextRecordsUrl".to_string(),
                ))
            }
        };
        Ok(true)
    }

    /// Reads the next listing, if any.
    fn fetch_more(&mut self) -> Result<()> {
        if let Some(next) = self.next.take() {
            self.fetch(&next)?;
        }
        Ok(())
    }

    fn unexpected(&self, what: String) -> Error {
        Error::Unexpected {
            message: crate::redact::text(&format!("bulk query job {}: {what}", self.job_id)),
        }
    }
}

/// What the downloaders and the writer share.
struct State {
    /// Page URLs listed and not yet taken by a downloader, in order; `queue_base` is the index
    /// of the first.
    queue: std::collections::VecDeque<String>,
    queue_base: usize,
    listing_done: bool,
    /// Pages downloaded (or failed), by index, waiting to be written.
    ready: BTreeMap<usize, Result<Page>>,
    /// Index of the next page to write.
    written: usize,
    stop: bool,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wait<'a>(&self, guard: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        self.changed.wait(guard).unwrap_or_else(|e| e.into_inner())
    }
}

/// How each page is fetched: `timeout` bounds its download; it may hold `max_bytes`.
#[derive(Clone, Copy)]
pub(crate) struct PageLimits {
    pub timeout: Duration,
    pub max_bytes: usize,
}

/// Downloads every listed page, `parallel` at a time, and writes them to `out` in order with
/// the first page's header row only. Returns the number of records (`Sforce-NumberOfRecords`
/// summed). `guard` counts them against what the job announced.
pub(crate) fn download(
    mut pages: Pages,
    parallel: usize,
    limits: PageLimits,
    out: &mut dyn Write,
    guard: &mut PageGuard,
) -> Result<u64> {
    let parallel = parallel.max(1);
    let shared = Shared {
        state: Mutex::new(State {
            queue: std::mem::take(&mut pages.queued),
            queue_base: 0,
            listing_done: pages.exhausted(),
            ready: BTreeMap::new(),
            written: 0,
            stop: false,
        }),
        changed: Condvar::new(),
    };
    let client = pages.client.clone();
    let job_id = pages.job_id.clone();
    std::thread::scope(|scope| {
        for _ in 0..parallel {
            scope.spawn(|| downloader(&shared, &client, parallel, limits));
        }
        let result = write_in_order(&shared, &mut pages, parallel, out, guard);
        shared.lock().stop = true;
        shared.changed.notify_all();
        result
    })
    .map_err(|e| match e {
        e @ Error::Unexpected { .. } => e,
        other => {
            log::warn!("bulk query job {job_id}: reading its results failed: {other}");
            other
        }
    })
}

/// One downloader: takes the next page once it is within `parallel` of the writer, downloads
/// it whole, hands it over.
fn downloader(shared: &Shared, client: &Client, parallel: usize, limits: PageLimits) {
    loop {
        let (index, url) = {
            let mut st = shared.lock();
            loop {
                if st.stop {
                    return;
                }
                let index = st.queue_base;
                if index < st.written + parallel {
                    if let Some(url) = st.queue.pop_front() {
                        st.queue_base += 1;
                        // The writer may want the next listing now.
                        shared.changed.notify_all();
                        break (index, url);
                    }
                    if st.listing_done {
                        return;
                    }
                }
                st = shared.wait(st);
            }
        };
        let result = fetch_page(client, &url, limits);
        let mut st = shared.lock();
        st.ready.insert(index, result);
        shared.changed.notify_all();
    }
}

/// A CSV download of the Bulk API: `timeout` bounds the whole of it and, as a page may take
/// the org a while to produce, the wait for its first byte too. A failure before anything was
/// written is retried as any GET ([`Client::download`]).
pub(crate) fn csv_transfer<'a>(
    path: &'a str,
    params: &'a [(&'a str, &'a str)],
    timeout: Duration,
) -> Transfer<'a> {
    Transfer {
        method: "GET",
        path,
        params,
        // CSV, and an error as JSON.
        headers: &[("Accept", "application/json, text/csv")],
        idle: timeout,
        whole: timeout,
    }
}

/// One result page, whole: its body, the number to report (`Sforce-NumberOfRecords`, else the
/// records counted in it), and the number to count against the job (the larger of the two, so
/// that a page announcing fewer rows than it holds still counts them). A page holding far more
/// records than it announces, or more than `limits.max_bytes`, is an error.
fn fetch_page(client: &Client, url: &str, limits: PageLimits) -> Result<Page> {
    let mut body = Capped {
        bytes: Vec::new(),
        max: limits.max_bytes,
    };
    let (_, reply, shown) = client.download(&csv_transfer(url, &[], limits.timeout), &mut body)?;
    if !(200..300).contains(&reply.status) {
        return Err(api_error("GET", &shown, &reply));
    }
    let body = body.bytes;
    let announced = reply
        .header("sforce-numberofrecords")
        .and_then(|n| n.trim().parse().ok());
    let records = crate::bulk::csv_records(&body);
    crate::page_guard::check_page(&shown, announced, records)?;
    Ok(Page {
        body,
        reported: announced.unwrap_or(records),
        counted: announced.unwrap_or(0).max(records),
    })
}

/// A downloaded page (see [`fetch_page`]).
struct Page {
    body: Vec<u8>,
    reported: u64,
    counted: u64,
}

/// A page's bytes, refused past `max` (pages downloaded at once wait their turn in memory).
struct Capped {
    bytes: Vec<u8>,
    max: usize,
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len().saturating_add(buf.len()) > self.max {
            return Err(std::io::Error::other(format!(
                "a result page of over {} bytes (Bulk::max_page_bytes) cannot be held in memory while pages are downloaded at once; raise that limit, or read the pages one at a time with parallel_downloads(1), which streams each",
                self.max
            )));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What the writer does next.
enum Step {
    Write(Result<Page>),
    List,
    Done,
}

/// The writer (the caller's thread): keeps the listing ahead of the downloaders and writes the
/// pages as their turn comes.
fn write_in_order(
    shared: &Shared,
    pages: &mut Pages,
    parallel: usize,
    out: &mut dyn Write,
    guard: &mut PageGuard,
) -> Result<u64> {
    let mut total: u64 = 0;
    loop {
        let step = {
            let mut st = shared.lock();
            loop {
                let index = st.written;
                if let Some(page) = st.ready.remove(&index) {
                    break Step::Write(page);
                }
                // List more pages when the downloaders are about to run out.
                if !st.listing_done && st.queue.len() < parallel {
                    break Step::List;
                }
                if st.listing_done && st.queue.is_empty() && st.queue_base == index {
                    break Step::Done;
                }
                st = shared.wait(st);
            }
        };
        match step {
            Step::Done => return Ok(total),
            Step::List => {
                pages.fetch_more()?;
                let mut st = shared.lock();
                st.queue.extend(pages.queued.drain(..));
                st.listing_done = pages.exhausted();
                shared.changed.notify_all();
            }
            Step::Write(page) => {
                let Page {
                    body,
                    reported,
                    counted,
                } = page?;
                guard.received(counted)?;
                let first = shared.lock().written == 0;
                let rows = if first {
                    &body[..]
                } else {
                    match body.iter().position(|b| *b == b'\n') {
                        Some(i) => &body[i + 1..],
                        None => &[],
                    }
                };
                out.write_all(rows).map_err(|e| Error::Io {
                    context: format!("writing the results of bulk query job {}", pages.job_id),
                    source: e,
                })?;
                drop(body);
                total = total.saturating_add(reported);
                shared.lock().written += 1;
                shared.changed.notify_all();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_pages_start_at_58() {
        assert!(version_has_result_pages("58.0"));
        assert!(version_has_result_pages("66.0"));
        assert!(!version_has_result_pages("57.0"));
        assert!(!version_has_result_pages("31.0"));
        assert!(!version_has_result_pages("x"));
    }

    #[test]
    fn listings_read_both_spellings_of_the_next_url() {
        let a: Listing = serde_json::from_str(
            r#"{"resultPages":[{"resultUrl":"/a"}],"nextRecordUrl":"/n","done":false}"#,
        )
        .unwrap();
        assert_eq!(a.next.as_deref(), Some("/n"));
        assert_eq!(a.pages[0].url, "/a");
        let b: Listing =
            serde_json::from_str(r#"{"resultPages":[],"nextRecordsUrl":null,"done":true}"#)
                .unwrap();
        assert!(b.done && b.next.is_none());
    }
}
