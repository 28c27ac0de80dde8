//! A fast, stateful emulation of a Salesforce org, served over plain HTTP/1.1 on loopback.
//!
//! [`FakeOrg::start`] binds two listeners: one plays the generic login host
//! (`login.salesforce.com`), the other plays the org's My Domain host, which is also its instance.
//! Both answer the OAuth token endpoint and the REST API (`/services/data/...`) the way
//! Salesforce does, with seeded sample data, and record every request for assertions.
//!
//! ```no_run
//! let org = sfrest_fake_org::FakeOrg::start();
//! let creds = org.credentials();
//! println!("{} {}", org.login_url(), creds.username);
//! ```
#![deny(missing_docs)]

mod anonymous;
mod apexrest;
mod blob;
mod builder;
mod bulk;
mod collections;
mod composite;
mod conditional;
mod ctx;
mod data;
mod describe;
mod duplicates;
mod fault;
mod form;
mod http;
mod identity;
mod ids;
mod jwt;
mod limits;
mod multipart;
mod oauth;
mod org;
mod query;
mod recent;
mod records;
mod replication;
mod response;
mod rest;
mod retrieve;
mod revoke;
mod rotation;
mod schema;
mod search;
mod seed;
mod sobjects;
mod soql;
pub mod stats;
mod store;
mod time;
mod tls;
mod tooling;
mod tree;
mod validate;
mod value;
mod zone;

use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub use builder::FakeOrgBuilder;
pub use fault::Fault;
use org::{lock, write, Org};
pub use schema::LoadError;

pub use anonymous::AnonymousApex;
pub use apexrest::{ApexError, ApexRequest, ApexResponse, ApexResult};

/// The credentials of the org's test user and connected app.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// Consumer key of the connected app.
    pub client_id: String,
    /// Consumer secret of the connected app.
    pub client_secret: String,
    /// Username of the test user.
    pub username: String,
    /// Password of the test user (without the security token).
    pub password: String,
    /// Security token, appended to the password outside trusted IP ranges.
    pub security_token: String,
}

/// Which listener a request arrived on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Host {
    /// The generic login host (`login.salesforce.com`).
    Login,
    /// The org's My Domain host, which is also its instance.
    MyDomain,
}

/// A request as the org received it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// The listener it arrived on.
    pub host: Host,
    /// The connection it came on: connections are numbered from 0 in the order the org
    /// accepted them (both listeners), so requests with the same number shared a connection.
    pub connection: u64,
    /// The method, as sent (`GET`, `POST`, ...).
    pub method: String,
    /// The request target as sent: path, then `?` and the raw query when there is one.
    pub target: String,
    /// The path part of the target, not percent-decoded.
    pub path: String,
    /// The raw query string (without `?`), empty when there is none.
    pub query: String,
    /// Headers in order, names lower-cased, values trimmed.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked and gzip-decoded.
    pub body: Vec<u8>,
    /// The number of body bytes on the wire (after de-chunking, before gzip decoding).
    pub raw_body_len: usize,
}

impl RecordedRequest {
    /// The first value of a header, matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A running fake org. Dropping it stops the listeners and closes open connections.
pub struct FakeOrg {
    org: Arc<Org>,
    addrs: Vec<SocketAddr>,
    threads: Vec<JoinHandle<()>>,
    tls: Option<Arc<tls::TlsServer>>,
}

impl FakeOrg {
    /// Starts an org on two ephemeral loopback ports, seeded with sample data.
    ///
    /// # Panics
    /// When the listeners cannot be bound.
    pub fn start() -> FakeOrg {
        match FakeOrg::try_start() {
            Ok(org) => org,
            Err(e) => panic!("fake-org: cannot bind listeners on 127.0.0.1: {e}"),
        }
    }

    /// Starts an org on two ephemeral loopback ports, seeded with sample data.
    pub fn try_start() -> std::io::Result<FakeOrg> {
        FakeOrg::try_start_on(0, 0)
    }

    /// Starts an org with the login host on `login_port` and My Domain on `my_domain_port`
    /// (0 picks an ephemeral port).
    pub fn try_start_on(login_port: u16, my_domain_port: u16) -> std::io::Result<FakeOrg> {
        FakeOrg::builder()
            .ports(login_port, my_domain_port)
            .try_start()
    }

    /// Starts an org whose two listeners serve https (TLS 1.2 and 1.3) with this certificate
    /// chain (PEM, leaf first) and private key (PEM); the URLs are `https://127.0.0.1:PORT`.
    ///
    /// # Panics
    /// When the certificate or key cannot be used, or the listeners cannot be bound.
    pub fn start_tls(cert_chain_pem: &str, key_pem: &str) -> FakeOrg {
        match FakeOrg::try_start_tls(cert_chain_pem, key_pem) {
            Ok(org) => org,
            Err(e) => panic!("fake-org: cannot start with TLS: {e}"),
        }
    }

    /// Starts an https org on two ephemeral loopback ports (see [`FakeOrg::start_tls`]).
    pub fn try_start_tls(cert_chain_pem: &str, key_pem: &str) -> std::io::Result<FakeOrg> {
        FakeOrg::try_start_tls_on(0, 0, cert_chain_pem, key_pem)
    }

    /// Starts an https org on these ports (0 picks an ephemeral port).
    pub fn try_start_tls_on(
        login_port: u16,
        my_domain_port: u16,
        cert_chain_pem: &str,
        key_pem: &str,
    ) -> std::io::Result<FakeOrg> {
        FakeOrg::builder()
            .ports(login_port, my_domain_port)
            .tls(cert_chain_pem, key_pem)
            .try_start()
    }

    /// Sets up an org with your own schema and records before starting it: see
    /// [`FakeOrgBuilder`].
    pub fn builder() -> FakeOrgBuilder {
        FakeOrgBuilder::default()
    }

    /// Whether the listeners serve https ([`FakeOrg::start_tls`]).
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Connections that sent a plain-HTTP request to an https listener (answered 400, closed,
    /// never served); always 0 for a plain-http org.
    pub fn plain_http_attempts(&self) -> usize {
        self.tls
            .as_ref()
            .map_or(0, |t| t.plaintext.load(Ordering::Relaxed))
    }

    /// Base URL of the login host, e.g. `http://127.0.0.1:40123` (`https://` with TLS).
    pub fn login_url(&self) -> String {
        self.org.login_url.clone()
    }

    /// Base URL of the My Domain host, which is also the instance.
    pub fn my_domain_url(&self) -> String {
        self.org.my_domain_url.clone()
    }

    /// The instance URL returned by the token endpoint (same as [`FakeOrg::my_domain_url`]).
    pub fn instance_url(&self) -> String {
        self.org.my_domain_url.clone()
    }

    /// The test user's and connected app's credentials.
    pub fn credentials(&self) -> Credentials {
        self.org.creds.clone()
    }

    /// The 18-character organization id.
    pub fn org_id(&self) -> String {
        self.org.org_id18()
    }

    /// The 18-character id of the test user.
    pub fn user_id(&self) -> String {
        self.org.user_id.clone()
    }

    /// Every request whose path starts with `path_prefix` waits `d` before being answered
    /// (the longest matching prefix wins); `Duration::ZERO` removes the delay.
    pub fn delay(&self, path_prefix: &str, d: Duration) {
        self.org.set_delay(path_prefix, d);
    }

    /// Invalidates every access token issued so far (401 INVALID_SESSION_ID).
    pub fn expire_sessions(&self) {
        write(&self.org.sessions).clear();
    }

    /// The next `n` requests, on any route and either host, are answered with `fault`.
    /// Calls queue up: a second call's faults follow the first's.
    pub fn fail_next(&self, n: usize, fault: Fault) {
        if n > 0 {
            lock(&self.org.faults).push_back((None, n, fault));
        }
    }

    /// The next `n` requests whose path starts with `path_prefix` are answered with `fault`;
    /// other requests are served normally.
    pub fn fail_next_on(&self, path_prefix: &str, n: usize, fault: Fault) {
        if n > 0 {
            lock(&self.org.faults).push_back((Some(path_prefix.to_owned()), n, fault));
        }
    }

    /// Every request whose path starts with `path_prefix` is answered with the next of
    /// `answers`, in turn and forever (after any queued [`FakeOrg::fail_next`] fault): a server
    /// stuck in a loop, such as query pages whose `nextRecordsUrl` leads back to an earlier page.
    /// Stopped by [`FakeOrg::clear_faults`].
    pub fn answer_in_turn_on(&self, path_prefix: &str, answers: Vec<Fault>) {
        lock(&self.org.rotations).push((path_prefix.to_owned(), answers, 0));
    }

    /// Forgets every queued fault and every [`FakeOrg::answer_in_turn_on`] rotation.
    pub fn clear_faults(&self) {
        lock(&self.org.faults).clear();
        lock(&self.org.rotations).clear();
    }

    /// Whether requests come from a trusted IP range: then the password grant also accepts
    /// the password without the security token. Default false.
    pub fn set_trusted_ip(&self, trusted: bool) {
        self.org.trusted_ip.store(trusted, Ordering::Relaxed);
    }

    /// Blocks the username-password flow: the password grant fails even with the right
    /// credentials.
    pub fn set_password_flow_blocked(&self, blocked: bool) {
        self.org.password_blocked.store(blocked, Ordering::Relaxed);
    }

    /// Sets the daily API usage counter reported in `Sforce-Limit-Info`. Each authenticated REST
    /// call adds one; when `used` reaches `max`, calls fail with 403 REQUEST_LIMIT_EXCEEDED.
    pub fn set_api_usage(&self, used: u64, max: u64) {
        self.org.api_max.store(max, Ordering::Relaxed);
        self.org.api_used.store(used, Ordering::Relaxed);
    }

    /// Sets the org's time zone, in which SOQL date literals (`TODAY`, `THIS_WEEK`, ...) are
    /// evaluated; UTC by default. Takes `UTC`, a fixed offset (`+02:00`, `GMT-05:00`) or a
    /// common Salesforce time zone id (`America/Los_Angeles`, `Europe/Paris`, `Asia/Tokyo`, ...,
    /// with their daylight saving time). An unknown name is an error that names it.
    pub fn set_time_zone(&self, time_zone: &str) -> Result<(), String> {
        let tz = zone::TimeZone::parse(time_zone).ok_or_else(|| {
            format!("fake-org: unknown time zone '{time_zone}' (use UTC, +hh:mm or a name like America/Los_Angeles)")
        })?;
        self.org.set_time_zone(tz);
        Ok(())
    }

    /// The API usage counter and limit: `(used, max)`.
    pub fn api_usage(&self) -> (u64, u64) {
        (
            self.org.api_used.load(Ordering::Relaxed),
            self.org.api_max.load(Ordering::Relaxed),
        )
    }

    /// Turns refresh-token rotation on or off (default off), as the connected app's "Enable
    /// Refresh Token Rotation" does: with it on, every refresh answer carries a new
    /// `refresh_token` and the one used stops working; presenting a used one again revokes its
    /// successor and every access token issued from the chain.
    pub fn set_refresh_token_rotation(&self, on: bool) {
        lock(&self.org.rotation).on = on;
    }

    /// Whether `token` is a refresh token the `refresh_token` grant accepts now.
    pub fn refresh_token_valid(&self, token: &str) -> bool {
        lock(&self.org.refresh_tokens).contains(token)
    }

    /// Lowers (or raises) the most ids one `updated`/`deleted` answer holds before it fails with
    /// `EXCEEDED_ID_LIMIT` (Salesforce's limit, the default: 600,000).
    pub fn set_replication_id_limit(&self, limit: usize) {
        self.org
            .replication_id_limit
            .store(limit, Ordering::Relaxed);
    }

    /// Holds `latestDateCovered` of `updated`/`deleted` answers at or before `until_ms` (epoch
    /// milliseconds), as Salesforce does while a transaction that started then is still being
    /// saved; `None` releases it (the default).
    pub fn hold_latest_date_covered(&self, until_ms: Option<i64>) {
        self.org
            .replication_hold
            .store(until_ms.unwrap_or(i64::MAX), Ordering::Relaxed);
    }

    /// Empties the Recycle Bin: records deleted until now are gone from the delete log, and
    /// `deleted` answers `earliestDateAvailable` as the next second.
    pub fn empty_recycle_bin(&self) {
        let next_second = store::whole_seconds(time::now_ms()) + 1000;
        self.org
            .delete_log_from
            .store(next_second, Ordering::Relaxed);
    }

    /// Gives the connected app its own share of the daily API limit: `Sforce-Limit-Info` then
    /// carries `per-app-api-usage=used/max(appName=app_name)`, each call adds one, and calls
    /// fail with 403 REQUEST_LIMIT_EXCEEDED once `used` reaches `max`. `None` removes it (the
    /// default).
    pub fn set_app_api_usage(&self, usage: Option<(u64, u64, &str)>) {
        *lock(&self.org.app_usage) = usage.map(|(u, m, name)| (u, m, name.to_owned()));
    }

    /// Issues a refresh token the `refresh_token` grant accepts.
    pub fn issue_refresh_token(&self) -> String {
        self.org.new_refresh_token()
    }

    /// Revokes every refresh token issued so far.
    pub fn revoke_refresh_tokens(&self) {
        lock(&self.org.refresh_tokens).clear();
    }

    /// Issues a valid access token without a login (not counted by [`FakeOrg::login_count`]).
    pub fn issue_access_token(&self) -> String {
        self.org.new_access_token()
    }

    /// Number of successful token grants.
    pub fn login_count(&self) -> usize {
        self.org.login_count.load(Ordering::Relaxed)
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.org.requests).clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.org.requests).clear();
    }

    /// Turns request recording on or off (default on). Long-running servers turn it off.
    pub fn set_record_requests(&self, on: bool) {
        self.org.recording.store(on, Ordering::Relaxed);
    }
}

impl Drop for FakeOrg {
    fn drop(&mut self) {
        self.org.shutdown.store(true, Ordering::SeqCst);
        for addr in &self.addrs {
            // Wakes the accept loop, which then sees the flag.
            let _ = TcpStream::connect_timeout(addr, Duration::from_secs(1));
        }
        for (_, conn) in lock(&self.org.conns).drain() {
            let _ = conn.shutdown(std::net::Shutdown::Both);
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}
