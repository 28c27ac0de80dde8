//! A blocking, synchronous client for the Salesforce REST API, made for small programs, cron
//! jobs and one-off scripts: it starts in milliseconds, never hangs, never leaks a secret, and
//! says plainly what went wrong.
//!
//! # Install
//!
//! ```toml
//! [dependencies]
//! sfrest = { path = "../sfrest" }   # a checkout (or git = "..."); once on crates.io: sfrest = "0.1"
//! serde = { version = "1", features = ["derive"] }   # for your own record types
//! serde_json = "1"
//! ```
//!
//! Rust 1.89 or newer. No async runtime and no OpenSSL: HTTP/1.1 over rustls, with the
//! Mozilla root certificates built in.
//!
//! # Quick start
//!
//! Put credentials in the environment or in a `.env` file (variables below; the real
//! environment wins over the file), then:
//!
//! ```no_run
//! let sf = sfrest::Client::from_env()?;
//! let page = sf.query(
//!     "SELECT Account.Name, Name, CloseDate FROM Opportunity \
//!      WHERE IsClosed = false ORDER BY CloseDate ASC LIMIT 10",
//! )?;
//! for opp in page["records"].as_array().into_iter().flatten() {
//!     // Fields are serde_json::Values: as_str() gives the text without JSON quotes.
//!     let name = opp["Name"].as_str().unwrap_or_default();
//!     let account = opp["Account"]["Name"].as_str().unwrap_or("-");
//!     println!("{} {account}: {name}", opp["CloseDate"].as_str().unwrap_or_default());
//! }
//! # Ok::<_, sfrest::Error>(())
//! ```
//!
//! # Environment variables
//!
//! [`Client::from_env`] reads these (the list is [`VARIABLES`]); a `.env` file in the current
//! directory or a parent fills in what the environment does not set, and empty values count
//! as unset. Which flow logs in follows from what is set, first match wins (see [`AuthFlow`]).
//! `HTTPS_PROXY` and `NO_PROXY` are honoured as usual; a call to this machine's loopback (the
//! fake org, a tunnel) is always made directly, as a proxy elsewhere could not reach it (and a
//! plain-http call through it would travel in clear to the proxy's machine).
//!
//! | variable | what it holds | default |
//! |---|---|---|
//! | `SF_LOGIN_URL` | where to log in: `https://test.salesforce.com` for sandboxes, or the My Domain URL `https://NAME.my.salesforce.com` (required by the client-credentials flow) | `https://login.salesforce.com` |
//! | `SF_CLIENT_ID` | the connected app's consumer key | |
//! | `SF_CLIENT_SECRET` | the connected app's consumer secret | |
//! | `SF_USERNAME` | the user to log in as (username-password and JWT bearer flows) | |
//! | `SF_PASSWORD` | that user's password (username-password flow) | |
//! | `SF_SECURITY_TOKEN` | appended to the password; needed from IP addresses outside the org's trusted ranges | |
//! | `SF_ACCESS_TOKEN` | a ready session instead of a login, with `SF_INSTANCE_URL` | |
//! | `SF_INSTANCE_URL` | the instance that session belongs to, such as `https://NAME.my.salesforce.com` | |
//! | `SF_API_VERSION` | the REST API version | `66.0` ([`DEFAULT_API_VERSION`]) |
//! | `SF_AUTH_FLOW` | forces a flow: `password`, `client_credentials`, `jwt`, `refresh_token` or `access_token` | the rule on [`AuthFlow`] |
//! | `SF_PRIVATE_KEY_FILE` | the PEM RSA key whose certificate the connected app holds (JWT bearer flow) | |
//! | `SF_JWT_AUDIENCE` | the JWT `aud` claim | `https://test.salesforce.com` for sandbox login URLs, else `https://login.salesforce.com` |
//! | `SF_REFRESH_TOKEN` | a refresh token issued to the app (refresh-token flow) | |
//! | `SF_TOKEN_CACHE` | a file that keeps the session between runs (mode 0600) | no cache |
//! | `SF_CA_FILE` | PEM CA certificates to trust instead of the bundled roots (TLS-inspecting proxies) | the Mozilla roots |
//!
//! Every variable has a [`ClientBuilder`] method of the same name for settings given in code.
//!
//! # What it covers
//!
//! - **Any REST endpoint**: [`Client::get`], [`Client::post`], [`Client::patch`],
//!   [`Client::delete`], answers as [`serde_json::Value`] or your own types
//!   ([`Client::get_as`]).
//! - **SOQL**: [`Client::query`] (one page), [`Client::query_iter`] (every page, lazily, in flat
//!   memory), [`Client::query_all`] and [`Client::query_all_as`] (typed), [`QueryOptions`]
//!   (deleted rows, page size); [`soql::quote`] puts user input in a query safely.
//! - **Records of one type**: [`Client::sobject`] gives an [`SObject`]: create, get, update,
//!   [upsert](SObject::upsert), delete and describe one record, or
//!   [many](SObject::create_many) through sObject Collections, [`COLLECTION_SIZE`] a call.
//! - **Several calls in one**: [`Client::composite`] with [`Subrequest`]s.
//! - **Tooling API and Apex**: [`Client::tooling`] (the same calls under `tooling/`),
//!   [`Client::execute_anonymous`] (a block of anonymous Apex, its failure an [`Error::Apex`]),
//!   and Apex REST through [`Client::request`].
//! - **Bulk API 2.0**: [`Client::bulk`] gives a [`Bulk`]: load a CSV stream of any size
//!   ([`Bulk::insert`], [`IngestJob`]), export a query to any `Write` ([`Bulk::query`]).
//! - **Incremental jobs**: [`SObject::changes_since`] (a watermark file, [`Changes`]) and
//!   [`SObject::get_many`].
//! - **The org**: [`Client::search`], [`Client::describe_global`], [`Client::limits`],
//!   [`Client::versions`], [`Client::api_usage`], [`Client::identity`].
//! - **Logging in**: five flows ([`AuthFlow`]), set from the environment or a
//!   [`ClientBuilder`]; an expired session is renewed by itself; [`Client::logout`] revokes it;
//!   secrets are [`Secret`]s whose `Debug` is redacted.
//! - **Errors**: one [`Error`] type whose `Display` names the call, the answer and the likely
//!   cause; a `main` that returns it prints the same text.
//! - **Tests without an org**: the [`sfrest-fake-org`](https://docs.rs/sfrest-fake-org) crate
//!   serves a stateful emulation of these endpoints on 127.0.0.1.
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
//!     println!("{}", rec["Name"].as_str().unwrap_or_default());
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

mod anonymous_apex;
mod atomic_file;
mod auth;
mod blob;
mod builder;
mod bulk;
mod bulk_csv;
mod bulk_pages;
mod cache;
mod cache_lock;
mod call_response;
mod changes;
mod client;
mod collection_calls;
mod composite;
mod config;
mod datetime;
mod env;
mod error;
mod error_debug;
mod error_text;
mod excerpt;
mod file_trust;
mod flow;
#[doc(hidden)]
pub mod fuzzing;
mod identity;
mod json_scan;
mod json_value;
mod jwt;
mod logout;
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
mod transport_error;
mod url;
mod view;
mod warm_up;

/// Every Rust example of README.md, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub use builder::ClientBuilder;
pub use bulk::{
    Bulk, IngestJob, JobInfo, QueryJob, DEFAULT_MAX_PAGE_BYTES, DEFAULT_MAX_UPLOAD_BYTES,
    DEFAULT_PARALLEL_DOWNLOADS, DEFAULT_POLL_FIRST, DEFAULT_POLL_MAX,
};
pub use call_response::Response;
pub use changes::{Changes, FIRST_RUN_HOURS};
pub use client::Client;
pub use collection_calls::{CALL_FAILED, MAX_CONCURRENCY, OUTCOME_UNKNOWN};
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
