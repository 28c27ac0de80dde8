//! Queries: one page, every page lazily, every page at once, typed or not.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::page_guard::PageGuard;
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
#[derive(Clone, Debug, Default)]
pub struct QueryOptions {
    include_deleted: bool,
    batch_size: Option<u32>,
}

impl QueryOptions {
    /// The defaults: live rows only, Salesforce's page size (2,000).
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

/// One page of a query result, records typed as `T`.
#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct Page<T> {
    #[serde(rename = "totalSize", default)]
    total_size: Option<u64>,
    #[serde(rename = "nextRecordsUrl", default)]
    next_records_url: Option<String>,
    #[serde(default = "Vec::new")]
    records: Vec<T>,
}

/// The records of a query, fetched a page at a time as the iteration reaches them.
///
/// At most one page is held in memory. An error (on any page) is yielded as an `Err` item, after
/// which the iterator ends. A server whose `nextRecordsUrl` leads back to a page already read,
/// or whose pages bring far more records than its `totalSize` (over twice as many, plus
/// 2,000), gets [`Error::Unexpected`] naming the problem, before any further call.
pub struct QueryIter<T = Value> {
    client: Client,
    options: QueryOptions,
    records: std::vec::IntoIter<T>,
    next_url: Option<String>,
    total_size: u64,
    guard: PageGuard,
    failed: bool,
    _marker: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> QueryIter<T> {
    fn start(client: &Client, soql: &str, options: &QueryOptions) -> Result<Self> {
        let mut iter = QueryIter {
            client: client.clone(),
            options: options.clone(),
            records: Vec::new().into_iter(),
            next_url: None,
            total_size: 0,
            guard: PageGuard::new("nextRecordsUrl", "the query"),
            failed: false,
            _marker: PhantomData,
        };
        iter.load(options.resource(), &[("q", soql)])?;
        Ok(iter)
    }

    /// The number of records the whole query matches (`totalSize`).
    pub fn total_size(&self) -> u64 {
        self.total_size
    }

    fn load(&mut self, path: &str, params: &[(&str, &str)]) -> Result<()> {
        let header = self.options.header();
        let headers: Vec<(&'static str, &str)> = header
            .as_deref()
            .map(|h| vec![("Sforce-Query-Options", h)])
            .unwrap_or_default();
        let (reply, shown) = self.client.call(&Request {
            method: "GET",
            path,
            params,
            body: None,
            headers: &headers,
        })?;
        if !(200..300).contains(&reply.status) {
            return Err(api_error("GET", &shown, &reply));
        }
        // Free the previous page before parsing the next one.
        self.records = Vec::new().into_iter();
        let page: Page<T> = serde_json::from_slice(&reply.body).map_err(|e| {
            Error::json(
                format!("GET {shown}: cannot read the query page as the requested type"),
                e,
            )
        })?;
        if let Some(total) = page.total_size {
            self.total_size = total;
            self.guard.expect(total);
        }
        self.guard.received(page.records.len() as u64)?;
        self.next_url = page.next_records_url;
        self.records = page.records.into_iter();
        Ok(())
    }
}

impl<T: DeserializeOwned> Iterator for QueryIter<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        loop {
            if let Some(rec) = self.records.next() {
                return Some(Ok(rec));
            }
            if self.failed {
                return None;
            }
            let url = self.next_url.take()?;
            if let Err(e) = self.guard.visit(&url).and_then(|()| self.load(&url, &[])) {
                self.failed = true;
                return Some(Err(e));
            }
        }
    }
}

/// Parses one page body: `(records, nextRecordsUrl)`.
pub(crate) fn parse_page<T: DeserializeOwned>(
    body: &[u8],
) -> serde_json::Result<(usize, Option<String>)> {
    let page: Page<T> = serde_json::from_slice(body)?;
    Ok((page.records.len(), page.next_records_url))
}

impl<T> std::fmt::Debug for QueryIter<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryIter")
            .field("total_size", &self.total_size)
            .field("buffered", &self.records.len())
            .field("next_url", &self.next_url)
            .finish()
    }
}

impl Client {
    /// The records of a query, one at a time, fetching each next page only when it is reached.
    /// Memory stays at one page whatever the number of records.
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
        QueryIter::start(self, soql, &QueryOptions::default())
    }

    /// [`Client::query_iter`] with options (deleted rows, page size).
    pub fn query_iter_with(&self, soql: &str, options: &QueryOptions) -> Result<QueryIter<Value>> {
        QueryIter::start(self, soql, options)
    }

    /// [`Client::query_iter`] with each record read into `T`.
    pub fn query_iter_as<T: DeserializeOwned>(&self, soql: &str) -> Result<QueryIter<T>> {
        QueryIter::start(self, soql, &QueryOptions::default())
    }

    /// [`Client::query_iter_as`] with options.
    pub fn query_iter_as_with<T: DeserializeOwned>(
        &self,
        soql: &str,
        options: &QueryOptions,
    ) -> Result<QueryIter<T>> {
        QueryIter::start(self, soql, options)
    }

    /// Every record of a query, all pages, in one `Vec`. For large results prefer
    /// [`Client::query_iter`], which holds one page at a time.
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
