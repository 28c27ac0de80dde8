//! The state shared by the listeners, the handlers and the `FakeOrg` handle.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use crate::ids::{self, Rng};
use crate::query::Cursors;
use crate::schema::Schema;
use crate::store::Store;
use crate::zone::TimeZone;
use crate::{Credentials, Fault, RecordedRequest};

/// Locks a mutex, ignoring poisoning (a panicked handler must not take the org down).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Read-locks an RwLock, ignoring poisoning.
pub(crate) fn read<T>(m: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|e| e.into_inner())
}

/// Write-locks an RwLock, ignoring poisoning.
pub(crate) fn write<T>(m: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|e| e.into_inner())
}

/// Everything the org knows.
pub(crate) struct Org {
    pub login_url: String,
    pub my_domain_url: String,
    /// The sObject types this org serves.
    pub schema: &'static Schema,
    pub creds: Credentials,
    /// 15-character organization id.
    pub org_id: String,
    /// 18-character id of the test user.
    pub user_id: String,
    pub store: RwLock<Store>,
    /// The bytes of blob fields (files), beside the records.
    pub blobs: crate::blob::Blobs,
    /// Apex REST routes registered by tests.
    pub apex_routes: RwLock<Vec<crate::apexrest::Route>>,
    /// Recently viewed records, the most recent first (`recent.rs`).
    pub mru: Mutex<VecDeque<(u8, u32)>>,
    /// How anonymous Apex is answered (a test's handler; none: every block succeeds).
    pub anonymous_apex: RwLock<Option<crate::anonymous::Handler>>,
    pub sessions: RwLock<HashSet<String>>,
    pub refresh_tokens: Mutex<HashSet<String>>,
    /// The access tokens each refresh token was exchanged for (revoked with it).
    pub issued_by_refresh: Mutex<HashMap<String, Vec<String>>>,
    pub cursors: Mutex<Cursors>,
    /// Bulk API 2.0 jobs.
    pub bulk: crate::bulk::Bulk,
    pub rng: Rng,
    pub login_count: AtomicUsize,
    pub recording: AtomicBool,
    pub requests: Mutex<Vec<RecordedRequest>>,
    pub delays: RwLock<Vec<(String, Duration)>>,
    /// Queued faults: optional path prefix, remaining count, fault.
    pub faults: Mutex<VecDeque<(Option<String>, usize, Fault)>>,
    /// Answers given in turn, forever, to requests under a path prefix: prefix, answers, next.
    pub rotations: Mutex<Vec<(String, Vec<Fault>, usize)>>,
    pub trusted_ip: AtomicBool,
    pub password_blocked: AtomicBool,
    pub api_used: AtomicU64,
    pub api_max: AtomicU64,
    /// The connected app's own share of the daily API limit: used, max, app name (shown as
    /// `per-app-api-usage` in `Sforce-Limit-Info` when set).
    pub app_usage: Mutex<Option<(u64, u64, String)>>,
    /// Most ids a replication answer holds (`EXCEEDED_ID_LIMIT` beyond).
    pub replication_id_limit: AtomicUsize,
    /// Deletes before this time (ms) are gone from the delete log (`earliestDateAvailable`).
    pub delete_log_from: AtomicI64,
    /// `latestDateCovered` stays before this time (ms): a transaction still being saved.
    pub replication_hold: AtomicI64,
    /// Refresh-token rotation.
    pub rotation: Mutex<crate::rotation::Rotation>,
    pub shutdown: AtomicBool,
    /// The org's time zone (UTC unless set), in which SOQL date literals are evaluated.
    pub time_zone: RwLock<TimeZone>,
    /// Open connections, to close them on shutdown.
    pub conns: Mutex<HashMap<u64, TcpStream>>,
    pub next_conn: AtomicU64,
}

impl Org {
    /// A new org answering on the two given base URLs.
    pub(crate) fn new(
        login_url: String,
        my_domain_url: String,
        schema: &'static Schema,
        time_zone: TimeZone,
    ) -> Org {
        let org_id = String::from_utf8_lossy(&ids::id15("00D", 52_113)).into_owned();
        Org {
            login_url,
            my_domain_url,
            schema,
            creds: default_credentials(),
            org_id,
            user_id: user_id().to_owned(),
            store: RwLock::new(Store::for_schema(schema)),
            blobs: Default::default(),
            apex_routes: RwLock::new(Vec::new()),
            anonymous_apex: RwLock::new(None),
            mru: Mutex::new(VecDeque::new()),
            sessions: RwLock::new(HashSet::new()),
            refresh_tokens: Mutex::new(HashSet::new()),
            issued_by_refresh: Mutex::new(HashMap::new()),
            cursors: Mutex::new(Cursors::default()),
            bulk: crate::bulk::Bulk::default(),
            rng: Rng::new(),
            login_count: AtomicUsize::new(0),
            recording: AtomicBool::new(true),
            requests: Mutex::new(Vec::new()),
            delays: RwLock::new(Vec::new()),
            faults: Mutex::new(VecDeque::new()),
            rotations: Mutex::new(Vec::new()),
            trusted_ip: AtomicBool::new(false),
            password_blocked: AtomicBool::new(false),
            api_used: AtomicU64::new(0),
            api_max: AtomicU64::new(100_000),
            app_usage: Mutex::new(None),
            replication_id_limit: AtomicUsize::new(crate::replication::ID_LIMIT),
            delete_log_from: AtomicI64::new(crate::replication::default_delete_log_start()),
            replication_hold: AtomicI64::new(i64::MAX),
            rotation: Mutex::new(crate::rotation::Rotation::default()),
            shutdown: AtomicBool::new(false),
            time_zone: RwLock::new(time_zone),
            conns: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(0),
        }
    }

    /// The org's time zone: UTC unless set.
    pub(crate) fn time_zone(&self) -> TimeZone {
        read(&self.time_zone).clone()
    }

    /// Sets the org's time zone.
    pub(crate) fn set_time_zone(&self, tz: TimeZone) {
        *write(&self.time_zone) = tz;
    }

    /// The 18-character organization id.
    pub(crate) fn org_id18(&self) -> String {
        ids::id18("00D", 52_113)
    }

    /// Issues a new access token (a session).
    pub(crate) fn new_access_token(&self) -> String {
        let token = format!("{}!AQ{}", self.org_id, self.rng.token_chars(98));
        write(&self.sessions).insert(token.clone());
        token
    }

    /// Issues a new refresh token.
    pub(crate) fn new_refresh_token(&self) -> String {
        let token = format!("5Aep861{}", self.rng.token_chars(80));
        lock(&self.refresh_tokens).insert(token.clone());
        token
    }

    /// True when `token` is a live session.
    pub(crate) fn session_valid(&self, token: &str) -> bool {
        read(&self.sessions).contains(token)
    }

    /// The delay configured for the longest matching path prefix.
    pub(crate) fn delay_for(&self, path: &str) -> Option<Duration> {
        read(&self.delays)
            .iter()
            .filter(|(p, _)| path.starts_with(p.as_str()))
            .max_by_key(|(p, _)| p.len())
            .map(|(_, d)| *d)
    }

    /// Sets or removes (with zero) the delay of a path prefix.
    pub(crate) fn set_delay(&self, prefix: &str, d: Duration) {
        let mut delays = write(&self.delays);
        delays.retain(|(p, _)| p != prefix);
        if !d.is_zero() {
            delays.push((prefix.to_owned(), d));
        }
    }

    /// Takes the fault to answer a request for `path` with: the first queued one that applies,
    /// else the next answer of the first rotation that applies.
    pub(crate) fn take_fault(&self, path: &str) -> Option<Fault> {
        let mut faults = lock(&self.faults);
        let Some(pos) = faults
            .iter()
            .position(|(prefix, _, _)| prefix.as_deref().is_none_or(|p| path.starts_with(p)))
        else {
            drop(faults);
            let mut rotations = lock(&self.rotations);
            let (_, answers, next) = rotations.iter_mut().find(|(prefix, answers, _)| {
                path.starts_with(prefix.as_str()) && !answers.is_empty()
            })?;
            let out = answers[*next % answers.len()].clone();
            *next = (*next + 1) % answers.len();
            return Some(out);
        };
        let (_, remaining, fault) = &mut faults[pos];
        let out = fault.clone();
        *remaining -= 1;
        if *remaining == 0 {
            faults.remove(pos);
        }
        Some(out)
    }

    /// Counts one API call; `false` when the daily limit is used up.
    pub(crate) fn charge_api_call(&self) -> bool {
        let max = self.api_max.load(Ordering::Relaxed);
        let org_ok = self
            .api_used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| {
                (u < max).then_some(u + 1)
            })
            .is_ok();
        let mut app = lock(&self.app_usage);
        let app_ok = match app.as_mut() {
            Some((used, max, _)) if *used < *max => {
                *used += 1;
                true
            }
            Some(_) => false,
            None => true,
        };
        org_ok && app_ok
    }

    /// The `Sforce-Limit-Info` header value.
    pub(crate) fn limit_info(&self) -> String {
        let mut info = format!(
            "api-usage={}/{}",
            self.api_used.load(Ordering::Relaxed),
            self.api_max.load(Ordering::Relaxed)
        );
        if let Some((used, max, app)) = lock(&self.app_usage).as_ref() {
            info.push_str(&format!("; per-app-api-usage={used}/{max}(appName={app})"));
        }
        info
    }
}

/// The 18-character id of the test user, who creates and owns every record.
pub(crate) fn user_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| ids::id18("005", 917_004))
}

/// The test user and connected app.
fn default_credentials() -> Credentials {
    Credentials {
        client_id:
            "3MVG9fakeOrgConnectedAppConsumerKey.sfrest_tests_only_k3Yq8ZpW2mVtN7xR4cJhL0dBsA6eUiGo"
                .to_owned(),
        client_secret: "8F1C2D9E7B6A5F4E3D2C1B0A9F8E7D6C5B4A3F2E1D0C9B8A7F6E5D4C3B2A1F0E"
            .to_owned(),
        username: "test.user@fake-org.example".to_owned(),
        password: "s3cr3t+P&ss=%!".to_owned(),
        security_token: "Tk9x2LmQ7vWc3RzYb8NdHfJs".to_owned(),
    }
}

impl Org {
    /// `(used, max)` of the daily API limit.
    pub(crate) fn limit_counts(&self) -> (u64, u64) {
        (
            self.api_used.load(Ordering::Relaxed),
            self.api_max.load(Ordering::Relaxed),
        )
    }
}
