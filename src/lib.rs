//! A blocking, synchronous client for the Salesforce REST API, made for small programs, cron
//! jobs and one-off scripts: it starts in milliseconds, never hangs, never leaks a secret, and
//! says plainly what went wrong.
//!
//! # Quick start
//!
//! Put credentials in `.env` (see `.env.example`; the real environment wins over the file),
//! then:
//!
//! ```no_run
//! let sf = sfrest::Client::from_env()?;
//! let page = sf.query(
//!     "SELECT Account.Name, Name, CloseDate FROM Opportunity \
//!      WHERE IsClosed = false ORDER BY CloseDate ASC LIMIT 10",
//! )?;
//! println!("{}", serde_json::to_string_pretty(&page["records"]).unwrap());
//! # Ok::<_, sfrest::Error>(())
//! ```
//!
//! # Records
//!
//! Paths without a leading `/` are relative to `/services/data/vXX.X/`. Calls return
//! [`serde_json::Value`]; a 204 answer is `Value::Null`.
//!
//! ```no_run
//! use serde_json::json;
//! # let sf = sfrest::Client::from_env()?;
//! let created = sf.post("sobjects/Account", &json!({"Name": "Acme"}))?;
//! let id = created["id"].as_str().unwrap_or_default();
//! sf.patch(&format!("sobjects/Account/{id}"), &json!({"Industry": "Energy"}))?;
//! let acct = sf.get(&format!("sobjects/Account/{id}"), &[("fields", "Name,Industry")])?;
//! assert_eq!(acct["Industry"], "Energy");
//! sf.delete(&format!("sobjects/Account/{id}"))?;
//! # Ok::<_, sfrest::Error>(())
//! ```
//!
//! # Settings in code, and cron jobs
//!
//! ```no_run
//! use std::time::Duration;
//! // A cron job names its .env file, since its working directory is not the project's.
//! let sf = sfrest::Client::from_env_file("/etc/myjob/.env")?;
//!
//! // Or everything in code (each setter documents its default):
//! let sf = sfrest::Client::builder()
//!     .login_url("https://mycompany.my.salesforce.com")
//!     .client_id("3MVG9...")
//!     .client_secret("...")
//!     .get_timeout(Duration::from_secs(60))
//!     .write_timeout(Duration::from_secs(20))
//!     .build()?;
//! # Ok::<_, sfrest::Error>(())
//! ```
//!
//! # Incremental jobs
//!
//! What changed since the last run, with the watermark kept in a file and moved on only by
//! [`Changes::commit`] (see [`SObject::changes_since`]), and the records read by id, 2,000 a
//! call ([`SObject::get_many`]):
//!
//! ```no_run
//! # let sf = sfrest::Client::from_env()?;
//! let acct = sf.sobject("Account");
//! let changes = acct.changes_since("/var/lib/myjob/account.watermark")?;
//! for rec in acct.get_many(&changes.updated, &["Name"])?.into_iter().flatten() {
//!     println!("{}", rec["Name"]);
//! }
//! for gone in &changes.deleted {
//!     println!("deleted {}", gone.id);
//! }
//! changes.commit()?;
//! # Ok::<_, sfrest::Error>(())
//! ```
//!
//! # Errors
//!
//! Every failure is an [`Error`] that says what was called and what came back:
//!
//! ```no_run
//! # let sf = sfrest::Client::from_env()?;
//! match sf.get("sobjects/Account/001000000000000AAA", &[]) {
//!     Ok(rec) => println!("{rec}"),
//!     Err(e) if e.error_code() == Some("NOT_FOUND") => println!("no such account"),
//!     Err(e) if e.is_retryable() => println!("try again later: {e}"),
//!     Err(e) => return Err(e),
//! }
//! # Ok::<_, sfrest::Error>(())
//! ```
//!
//! # What every call does
//!
//! - asks for gzip (`Accept-Encoding: gzip`) and decodes it; request bodies over 32 KiB are
//!   sent gzip-compressed;
//! - carries a timeout for the whole call: 30 s for GET, 10 s for POST, PATCH, DELETE and the
//!   login, each configurable;
//! - says who it is: `User-Agent: sfrest/<version>` and `Sforce-Call-Options: client=sfrest`;
//! - sends the session token only to the instance URL's origin, and only over https (plain
//!   http only to loopback hosts, for the fake org used in tests);
//! - logs `METHOD path` at debug level through the `log` facade, never a secret.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod auth;
mod blob;
mod builder;
mod bulk;
mod bulk_csv;
mod bulk_pages;
mod cache;
mod call_response;
mod changes;
mod client;
mod composite;
mod config;
mod datetime;
mod env;
mod error;
mod error_text;
mod flow;
#[doc(hidden)]
pub mod fuzzing;
mod identity;
mod jwt;
mod page_guard;
mod query;
mod query_csv;
mod query_page;
mod redact;
mod relogin;
mod replication;
mod request;
mod request_builder;
mod resolver;
mod response;
mod retrieve;
mod retry;
mod rotation;
mod secret;
mod sobjects;
pub mod soql;
mod transfer;
mod transport;
mod url;
mod view;

/// Every Rust example of README.md, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub use builder::ClientBuilder;
pub use bulk::{
    Bulk, IngestJob, JobInfo, QueryJob, DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_PARALLEL_DOWNLOADS,
    DEFAULT_POLL_FIRST, DEFAULT_POLL_MAX,
};
pub use call_response::Response;
pub use changes::{Changes, FIRST_RUN_HOURS};
pub use client::Client;
pub use composite::{Subrequest, Subresponse, COMPOSITE_LIMIT};
pub use config::{DEFAULT_API_VERSION, DEFAULT_LOGIN_URL};
pub use env::VARIABLES;
pub use error::{ApiError, Error, RecordResult, Result};
pub use flow::AuthFlow;
pub use query::{QueryIter, QueryOptions};
pub use replication::{Deleted, DeletedRecord, Updated};
pub use request_builder::RequestBuilder;
pub use retrieve::RETRIEVE_SIZE;
pub use secret::Secret;
pub use sobjects::{SObject, UpsertResult, COLLECTION_SIZE};
