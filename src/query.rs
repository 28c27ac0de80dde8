//! Queries: one page, every page lazily, every page at once, typed or not.

use std::thread::JoinHandle;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::json_value;
use crate::page_guard::PageGuard;
use crate::query_page::RawPage;
use crate::request::Request;
use crate::response::api_error;
use crate::Client;

/// How a query runs: deleted rows included or not, and the page size asked for.
///
/// ```no_run
/// use sfrest::QueryOptions;
/// # let sf = sfrest::Client::from_env()?;
/// let opts = QueryOptions::new().include_deleted(true).batch_size(500);
/// for rec in sf.query_iter_with("SELECT Id, IsDeleted FROM Account", &opts)? {
///     let rec = rec?;
///     println!("{} deleted: {}", rec["Id"].as_str().unwrap_or_default(), rec["IsDeleted"]);
/// }
/// # Ok::<_, sfrest::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct QueryOptions {
    include_deleted: bool,
    batch_size: Option<u32>,
    prefetch: bool,
}

impl Default for QueryOptions {
    fn default() -> Self {
        QueryOptions {
            include_deleted: false,
            batch_size: None,
            prefetch: true,
        }
    }
}

impl QueryOptions {
    /// The defaults: live rows only, Salesforce's page size (2,000), the next page fetched
    /// ahead.
    pub fn new() -> Self {
        Self::default()
    }

    /// Include deleted and archived rows (the `queryAll` resource). Default `false`.
    pub fn include_deleted(mut self, yes: bool) -> Self {
        self.include_deleted = yes;
        self
    }

    /// Ask for pages of `n` records (`Sforce-Query-Options: batchSize=n`; Salesforce takes
    /// 200 to 2,000 and treats it as a hint). Default: unset (2,000).
    pub fn batch_size(mut self, n: u32) -> Self {
        self.batch_size = Some(n);
        self
    }

    /// Fetch the next page while the caller works through the current one (on a thread of
    /// its own, over the shared pool), so the round trip overlaps the work: at most two pages
    /// in memory. An iteration stopped early may then have fetched one page more than it read
    /// (one API call). Default `true`.
    pub fn prefetch(mut self, yes: bool) -> Self {
        self.prefetch = yes;
        self
    }

    fn resource(&self) -> &'static str {
        if self.include_deleted {
            "queryAll"
        } else {
            "query"
        }
    }

    fn header(&self) -> Option<String> {
        self.batch_size.map(|n| format!("batchSize={n}"))
    }
}

/// A page being fetched on a thread of its own: the page and the path to show in errors.
type Fetch = JoinHandle<Result<(RawPage, String)>>;

/// The records of a query, fetched a page at a time, one page ahead of the iteration.
///
/// While you work through a page, the next one is already being fetched (see
/// [`QueryOptions::prefetch`]): at most two pages are held in memory, as JSON text, and each
/// record is parsed only when it is reached. An error (on any page) is yielded as an `Err`
/// item, after which the iterator ends. A server whose `nextRecordsUrl` leads back to a page
/// already read, or whose pages bring far more records than its `totalSize` (over twice as
/// many, plus 2,000), gets [`Error::Unexpected`] naming the problem, before any further call.
pub struct QueryIter<T = Value> {
    client: Client,
    options: QueryOptions,
    page: RawPage,
    /// The path of the current page, for errors.
    shown: String,
    next_url: Option<String>,
    /// The next page, being fetched on a thread of its own: its URL and the fetch.
    ahead: Option<(String, Fetch)>,
    total_size: u64,
    guard: PageGuard,
    /// The guard refused the next pointer: the error to yield once this page is read.
    refused: Option<Error>,
    failed: bool,
    /// How a record's text becomes a `T`: serde_json, or for `Value` the faster
    /// `json_value::parse`, which gives the same result.
    parse: fn(&str) -> serde_json::Result<T>,
}

impl<T: DeserializeOwned> QueryIter<T> {
    fn start(
        client: &Client,
        soql: &str,
        options: &QueryOptions,
        parse: fn(&str) -> serde_json::Result<T>,
    ) -> Result<Self> {
        let (page, shown) = fetch_page(client, options, options.resource(), &[("q", soql)])?;
        let mut iter = QueryIter {
            client: client.clone(),
            options: options.clone(),
            page: RawPage::empty(),
            shown: String::new(),
            next_url: None,
            ahead: None,
            total_size: 0,
            guard: PageGuard::new("nextRecordsUrl", "the query"),
            refused: None,
            failed: false,
            parse,
        };
        iter.set_page(page, shown)?;
        Ok(iter)
    }

    /// The number of records the whole query matches (`totalSize`).
    pub fn total_size(&self) -> u64 {
        self.total_size
    }

    /// Makes `page` the current page (fetched from `url`) and starts fetching the next one.
    fn set_page(&mut self, page: RawPage, shown: String) -> Result<()> {
        if let Some(total) = page.total_size {
            self.total_size = total;
        }
        // A page without totalSize (never one of Salesforce's) counts as announcing the last
        // total seen, or none: memory stays bounded whatever the pages say.
        self.guard.expect(self.total_size);
        self.guard.received(page.len() as u64)?;
        self.next_url = page.next_records_url.clone();
        self.page = page;
        self.shown = shown;
        // The guard sees the pointer before it is followed, ahead or not.
        if let Some(next) = &self.next_url {
            if let Err(e) = self.guard.visit(next) {
                self.next_url = None;
                self.refused = Some(e);
            }
        }
        if let (true, Some(next)) = (self.options.prefetch, &self.next_url) {
            let (client, options, next) = (self.client.clone(), self.options.clone(), next.clone());
            let url = next.clone();
            let spawned = std::thread::Builder::new()
                .name("sfrest-query-prefetch".into())
                .spawn(move || fetch_page(&client, &options, &url, &[]));
            // Without a thread the page is fetched when it is reached.
            if let Ok(handle) = spawned {
                self.ahead = Some((next, handle));
            }
        }
        Ok(())
    }

    /// The next record's JSON text, as sent.
    pub(crate) fn next_raw(&mut self) -> Option<Result<&str>> {
        loop {
            if self.page.remaining() > 0 {
                return self.page.next_text().map(Ok);
            }
            if let Some(e) = self.stop() {
                return e.map(Err);
            }
            let url = self.next_url.take()?;
            if let Err(e) = self.advance(&url) {
                self.failed = true;
                return Some(Err(e));
            }
        }
    }

    /// At the end of a page: `Some` when the iteration ends here (with the guard's refusal to
    /// follow the next pointer, once).
    fn stop(&mut self) -> Option<Option<Error>> {
        if self.failed {
            return Some(None);
        }
        self.refused.take().map(|e| {
            self.failed = true;
            Some(e)
        })
    }

    /// The next page: the one fetched ahead, or fetched now.
    fn advance(&mut self, url: &str) -> Result<()> {
        let fetched = match self.ahead.take() {
            Some((ahead_url, handle)) if ahead_url == url => handle.join().unwrap_or_else(|_| {
                Err(Error::Unexpected {
                    message: format!("fetching the query page {url} panicked"),
                })
            }),
            _ => fetch_page(&self.client, &self.options, url, &[]),
        };
        // Free the previous page before holding the one after next.
        self.page = RawPage::empty();
        let (page, shown) = fetched?;
        self.set_page(page, shown)
    }
}

/// Fetches and checks one page; returns it and the path to show in errors.
fn fetch_page(
    client: &Client,
    options: &QueryOptions,
    path: &str,
    params: &[(&str, &str)],
) -> Result<(RawPage, String)> {
    let header = options.header();
    let headers: Vec<(&'static str, &str)> = header
        .as_deref()
        .map(|h| vec![("Sforce-Query-Options", h)])
        .unwrap_or_default();
    let (reply, shown) = client.call(&Request {
        method: "GET",
        path,
        params,
        body: None,
        headers: &headers,
        changes_org: false,
    })?;
    if !(200..300).contains(&reply.status) {
        return Err(api_error("GET", &shown, &reply));
    }
    let page = RawPage::parse(reply.body)
        .map_err(|e| Error::json(format!("GET {shown}: cannot read the query page"), e))?;
    Ok((page, shown))
}

impl<T: DeserializeOwned> Iterator for QueryIter<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        loop {
            if let Some(rec) = self.page.next_record(self.parse) {
                return Some(rec.map_err(|e| {
                    self.failed = true;
                    self.page = RawPage::empty();
                    self.next_url = None;
                    Error::json(
                        format!(
                            "GET {}: cannot read a record of the query page (not valid JSON, or not the requested type)",
                            self.shown
                        ),
                        e,
                    )
                }));
            }
            if let Some(e) = self.stop() {
                return e.map(Err);
            }
            let url = self.next_url.take()?;
            if let Err(e) = self.advance(&url) {
                self.failed = true;
                return Some(Err(e));
            }
        }
    }
}

/// Parses one page body: `(records, nextRecordsUrl)`.
pub(crate) fn parse_page<T>(
    body: &[u8],
    parse: fn(&str) -> serde_json::Result<T>,
) -> serde_json::Result<(usize, Option<String>)> {
    let mut page = RawPage::parse(body.to_vec())?;
    let n = page.len();
    while let Some(rec) = page.next_record(parse) {
        drop(rec?);
    }
    Ok((n, page.next_records_url))
}

/// A record's text read into `T` by serde_json.
fn from_text<T: DeserializeOwned>(text: &str) -> serde_json::Result<T> {
    serde_json::from_str(text)
}

impl<T> std::fmt::Debug for QueryIter<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryIter")
            .field("total_size", &self.total_size)
            .field("buffered", &self.page.remaining())
            .field("next_url", &self.next_url)
            .finish()
    }
}

impl Client {
    /// The records of a query, one at a time. While you work through a page, the next one is
    /// fetched ahead ([`QueryOptions::prefetch`], on by default; off, each page is fetched when
    /// it is reached). Memory stays at two pages (one with prefetch off) whatever the number of
    /// records.
    ///
    /// ```no_run
    /// # let sf = sfrest::Client::from_env()?;
    /// for rec in sf.query_iter("SELECT Id, Name FROM Account")? {
    ///     let rec = rec?;
    ///     println!("{}", rec["Name"].as_str().unwrap_or_default());
    /// }
    /// # Ok::<_, sfrest::Error>(())
    /// ```
    pub fn query_iter(&self, soql: &str) -> Result<QueryIter<Value>> {
        QueryIter::start(self, soql, &QueryOptions::default(), json_value::parse)
    }

    /// [`Client::query_iter`] with options (deleted rows, page size).
    pub fn query_iter_with(&self, soql: &str, options: &QueryOptions) -> Result<QueryIter<Value>> {
        QueryIter::start(self, soql, options, json_value::parse)
    }

    /// [`Client::query_iter`] with each record read into `T`.
    pub fn query_iter_as<T: DeserializeOwned>(&self, soql: &str) -> Result<QueryIter<T>> {
        QueryIter::start(self, soql, &QueryOptions::default(), from_text)
    }

    /// [`Client::query_iter_as`] with options.
    pub fn query_iter_as_with<T: DeserializeOwned>(
        &self,
        soql: &str,
        options: &QueryOptions,
    ) -> Result<QueryIter<T>> {
        QueryIter::start(self, soql, options, from_text)
    }

    /// Every record of a query, all pages, in one `Vec`. For large results prefer
    /// [`Client::query_iter`], which holds at most two pages at a time.
    pub fn query_all(&self, soql: &str) -> Result<Vec<Value>> {
        self.query_iter(soql)?.collect()
    }

    /// [`Client::query_all`] with options.
    pub fn query_all_with(&self, soql: &str, options: &QueryOptions) -> Result<Vec<Value>> {
        self.query_iter_with(soql, options)?.collect()
    }

    /// Every record of a query read into `T`.
    ///
    /// ```no_run
    /// #[derive(serde::Deserialize)]
    /// #[serde(rename_all = "PascalCase")]
    /// struct Account { id: String, name: String }
    /// # let sf = sfrest::Client::from_env()?;
    /// let accounts: Vec<Account> = sf.query_all_as("SELECT Id, Name FROM Account")?;
    /// # Ok::<_, sfrest::Error>(())
    /// ```
    pub fn query_all_as<T: DeserializeOwned>(&self, soql: &str) -> Result<Vec<T>> {
        self.query_iter_as(soql)?.collect()
    }

    /// [`Client::query_all_as`] with options.
    pub fn query_all_as_with<T: DeserializeOwned>(
        &self,
        soql: &str,
        options: &QueryOptions,
    ) -> Result<Vec<T>> {
        self.query_iter_as_with(soql, options)?.collect()
    }

    /// A SOSL search, such as `FIND {Acme} IN NAME FIELDS RETURNING Account(Id, Name)`.
    pub fn search(&self, sosl: &str) -> Result<Value> {
        self.get("search", &[("q", sosl)])
    }

    /// Every sObject type of the org (`GET /sobjects/`).
    pub fn describe_global(&self) -> Result<Value> {
        self.get("sobjects/", &[])
    }

    /// The org's limits, such as `DailyApiRequests` (`GET /limits`).
    pub fn limits(&self) -> Result<Value> {
        self.get("limits", &[])
    }

    /// The API versions the org offers, oldest first (`GET /services/data/`).
    pub fn versions(&self) -> Result<Value> {
        self.get("/services/data/", &[])
    }
}
