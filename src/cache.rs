//! The token cache: one file holding sessions between runs of a job, so that a job run every
//! minute does not log in every minute.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::auth::Session;
use crate::config::Config;
use crate::secret::Secret;

/// The longest a session waits to be saved while another run holds the cache's lock.
const STORE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// The cache file, and which entry of it is ours.
#[derive(Clone, Debug)]
pub(crate) struct TokenCache {
    path: PathBuf,
    key: String,
    /// The key of files written before the refresh token's fingerprint was part of it: read
    /// (and moved to `key`) when it is this configuration's.
    legacy_key: Option<String>,
    /// Fingerprint of the configured refresh token: a rotated token in the cache is used only
    /// while the configuration still names the token it descends from.
    origin: Option<String>,
    /// The login URL, against which a cached instance is checked as a login answer's is.
    login_url: String,
}

#[derive(Serialize, Deserialize, Default)]
struct CacheFile {
    sessions: BTreeMap<String, Entry>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    /// Empty once the session was ended ([`TokenCache::forget`]).
    access_token: String,
    instance_url: String,
    saved_at: u64,
    /// When it was saved, in milliseconds since the epoch (absent in files of older sfrest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    saved_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    identity_url: Option<String>,
    /// The newest refresh token, when the connected app rotates them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    /// Fingerprint of the configured refresh token that `refresh_token` replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_origin: Option<String>,
    /// Fingerprint of the refresh token configured when the session was saved: with the
    /// refresh-token flow (no username in the key), a session is used only by a configuration
    /// that still names that token (and one saved without a refresh token only by one without),
    /// so another org's or user's token never finds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    session_of: Option<String>,
}

impl TokenCache {
    /// The cache for these settings, if `token_cache` is set. Entries are keyed by login URL,
    /// client id and username; with the refresh-token flow (no username) also by the configured
    /// refresh token's fingerprint, so that two users or orgs of one connected app sharing the
    /// file keep their sessions and rotated tokens apart (and a session is used only while the
    /// same refresh token is configured).
    pub fn for_config(config: &Config) -> Option<TokenCache> {
        let path = config.token_cache.clone()?;
        let base = format!(
            "{} {} {}",
            config.login_url,
            config.client_id.as_deref().unwrap_or(""),
            config.username.as_deref().unwrap_or("")
        );
        let origin = config
            .refresh_token
            .as_ref()
            .map(|t| fingerprint(t.expose()));
        let no_username = config.username.as_deref().is_none_or(str::is_empty);
        let (key, legacy_key) = match &origin {
            Some(fp) if no_username => (format!("{base} rt:{fp}"), Some(base)),
            _ => (base, None),
        };
        Some(TokenCache {
            path,
            key,
            legacy_key,
            origin,
            login_url: config.login_url.clone(),
        })
    }

    /// The key of this configuration's entry in `file`: its own, or the older key when the
    /// entry there is this configuration's (made with the same refresh token).
    fn entry_key(&self, file: &CacheFile) -> Option<String> {
        if file.sessions.contains_key(&self.key) {
            return Some(self.key.clone());
        }
        let legacy = self.legacy_key.as_ref()?;
        let entry = file.sessions.get(legacy)?;
        let ours = entry.session_of == self.origin || entry.refresh_origin == self.origin;
        ours.then(|| legacy.clone())
    }

    /// This configuration's entry in `file`.
    fn entry<'f>(&self, file: &'f CacheFile) -> Option<&'f Entry> {
        file.sessions.get(&self.entry_key(file)?)
    }

    /// The cache file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The rotated refresh token kept by an earlier run, if it replaced the configured one (a
    /// refresh token put in the settings since then wins over it).
    pub fn refresh_token(&self) -> Option<Secret> {
        if crate::file_trust::untrusted(&self.path).is_some() {
            return None;
        }
        let file = self.read()?;
        let entry = self.entry(&file)?;
        let token = entry.refresh_token.as_ref()?;
        if entry.refresh_origin.is_some() && entry.refresh_origin == self.origin {
            log::debug!(
                "using the rotated refresh token from {}",
                self.path.display()
            );
            Some(Secret::new(token.clone()))
        } else {
            log::info!(
                "ignoring the rotated refresh token in {}: SF_REFRESH_TOKEN has changed since it was saved",
                self.path.display()
            );
            None
        }
    }

    /// The cached session if another run saved it at or after `since` (another process
    /// refreshed while this one waited for the cache lock); `None` for an older one.
    pub fn load_saved_since(&self, since: SystemTime) -> Option<Session> {
        let since_ms = since.duration_since(UNIX_EPOCH).ok()?.as_millis() as u64;
        let file = self.read()?;
        let saved_ms = self.entry(&file)?.saved_ms?;
        (saved_ms >= since_ms).then(|| self.load()).flatten()
    }

    /// The cached session, if there is a readable one. Problems are warnings, never errors.
    /// A cache file readable by others gets the warning a `.env` gets (and is still used).
    pub fn load(&self) -> Option<Session> {
        if let Some(why) = crate::file_trust::untrusted(&self.path) {
            log::warn!(
                "ignoring the token cache {}: {why}, so another user could have put a session of theirs in it (it will be replaced)",
                self.path.display()
            );
            return None;
        }
        let file = self.read()?;
        crate::env::warn_if_readable_by_others(&self.path);
        let entry = self.entry(&file)?;
        if entry.access_token.is_empty() {
            log::debug!("the cached session in {} was ended", self.path.display());
            return None;
        }
        if entry.session_of != self.origin {
            log::info!(
                "ignoring the cached session in {}: it was made with another refresh token than this configuration's (or without one)",
                self.path.display()
            );
            return None;
        }
        match Session::ready(Secret::new(entry.access_token.clone()), &entry.instance_url) {
            Ok(session) if !session.origin.instance_trusted_with(&self.login_url) => {
                log::warn!(
                    "ignoring the cached session in {}: its instance is plain http, and the login host is not on this machine",
                    self.path.display()
                );
                None
            }
            Ok(mut session) => {
                session.identity_url = entry.identity_url.clone();
                log::debug!("using the cached session from {}", self.path.display());
                Some(session)
            }
            Err(e) => {
                log::warn!(
                    "ignoring the cached session in {}: {e}",
                    self.path.display()
                );
                None
            }
        }
    }

    /// Saves the session under the cache's lock between processes (another run's refresh is
    /// then never written over with an older copy of the file); when another run holds the
    /// lock for more than [`STORE_WAIT`], the session is not saved (warned), and the next run
    /// logs in again. See [`TokenCache::store_held`] for the details.
    pub fn store(&self, session: &Session) {
        match crate::cache_lock::lock(&self.path, std::time::Instant::now() + STORE_WAIT) {
            crate::cache_lock::Locked::Busy => log::warn!(
                "the session is not saved in {}: another run of the job holds its lock",
                self.path.display()
            ),
            _lock => self.store_held(session),
        }
    }

    /// The error of a refresh not made because another run holds the cache's lock (it is
    /// spending the same refresh token); `then`: what happens next.
    pub fn refresh_refused(&self, login_url: &str, then: &str) -> crate::error::Error {
        crate::error::Error::Refused {
            url: format!(
                "{}{}",
                crate::url::origin_text(login_url),
                crate::auth::TOKEN_PATH
            ),
            reason: format!(
                "another run of this job holds the lock of the token cache {} and is refreshing the session; presenting the same refresh token at once would make Salesforce revoke it. {then}",
                self.path.display()
            ),
        }
    }

    /// Saves the session after a login that took `lock`: as it is when held, else taking it.
    pub fn store_under(&self, lock: &crate::cache_lock::Locked, session: &Session) {
        if lock.is_held() {
            self.store_held(session);
        } else {
            self.store(session);
        }
    }

    /// Saves the session, the caller holding the cache's lock (or none to be had): written to
    /// a temporary file with mode 0600, then renamed over the cache, so a reader never sees
    /// half a file. Failures are logged, not returned.
    /// A rotated refresh token in `session` is kept; without one, the entry's earlier refresh
    /// token stays.
    pub fn store_held(&self, session: &Session) {
        // A file others could have written is replaced, not built on (its entries, refresh
        // tokens included, could be theirs).
        let mut file = match crate::file_trust::untrusted(&self.path) {
            Some(_) => CacheFile::default(),
            None => self.read().unwrap_or_default(),
        };
        let (refresh_token, refresh_origin) = match &session.refresh_token {
            Some(t) => (Some(t.expose().to_string()), self.origin.clone()),
            None => self
                .entry(&file)
                .map(|e| (e.refresh_token.clone(), e.refresh_origin.clone()))
                .unwrap_or_default(),
        };
        // An entry under the older key moves to this one.
        if let Some(old) = self.entry_key(&file).filter(|k| *k != self.key) {
            file.sessions.remove(&old);
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        file.sessions.insert(
            self.key.clone(),
            Entry {
                access_token: session.access_token.expose().to_string(),
                instance_url: session.instance_url.clone(),
                saved_at: now.as_secs(),
                saved_ms: Some(now.as_millis() as u64),
                identity_url: session.identity_url.clone(),
                refresh_token,
                refresh_origin,
                session_of: self.origin.clone(),
            },
        );
        if let Err(e) = write_atomically(&self.path, &file) {
            log::warn!(
                "could not write the token cache {}: {e}",
                self.path.display()
            );
        }
    }

    /// Forgets the session of `access_token` (it was revoked): its entry keeps the rotated
    /// refresh token, if any, but no session. Another process's newer session is left alone.
    /// Done under the cache's lock between processes (waiting until `deadline` at most), so
    /// that a refresh another run saves meanwhile is not written over with an older token.
    pub fn forget(&self, access_token: &Secret, deadline: std::time::Instant) {
        let _lock = match crate::cache_lock::lock(&self.path, deadline) {
            crate::cache_lock::Locked::Busy => {
                log::warn!(
                    "the ended session is left in {}: another run of the job holds its lock (it will be refused and replaced)",
                    self.path.display()
                );
                return;
            }
            lock => lock,
        };
        let Some(mut file) = self.read() else {
            return;
        };
        let Some(key) = self.entry_key(&file) else {
            return;
        };
        match file.sessions.get_mut(&key) {
            Some(entry) if entry.access_token == access_token.expose() => {
                entry.access_token.clear();
            }
            _ => return,
        }
        if let Err(e) = write_atomically(&self.path, &file) {
            log::warn!(
                "could not write the token cache {}: {e}",
                self.path.display()
            );
        }
    }

    fn read(&self) -> Option<CacheFile> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => {
                log::warn!("cannot read the token cache {}: {e}", self.path.display());
                return None;
            }
        };
        match serde_json::from_slice(&bytes) {
            Ok(f) => Some(f),
            Err(e) => {
                log::warn!(
                    "ignoring the corrupt token cache {} ({e}); it will be replaced",
                    self.path.display()
                );
                None
            }
        }
    }
}

/// A short SHA-256 fingerprint of a token (never the token itself).
fn fingerprint(token: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
    digest.as_ref()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn write_atomically(path: &Path, file: &CacheFile) -> std::io::Result<()> {
    crate::atomic_file::replace(path, &serde_json::to_vec_pretty(file)?, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file written before the refresh token's fingerprint was part of the key: its entry
    /// is still this configuration's, and moves to the new key when the cache is next written.
    #[test]
    fn an_entry_under_the_older_key_is_read_and_moved() {
        let dir = std::env::temp_dir().join(format!("sfrest-cache-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("tokens.json");
        let mut config = Config {
            login_url: "https://login.salesforce.com".into(),
            client_id: Some("3MVGapp".into()),
            refresh_token: Some(Secret::new("5Aep861configured")),
            token_cache: Some(path.clone()),
            ..Config::default()
        };
        let cache = TokenCache::for_config(&config).unwrap();
        let legacy = cache.legacy_key.clone().unwrap();
        assert_ne!(legacy, cache.key);
        let old = CacheFile {
            sessions: BTreeMap::from([(
                legacy.clone(),
                Entry {
                    access_token: "00Dold!session".into(),
                    instance_url: "https://x.my.salesforce.com".into(),
                    saved_at: 0,
                    saved_ms: None,
                    identity_url: None,
                    refresh_token: Some("5Aep861rotated".into()),
                    refresh_origin: cache.origin.clone(),
                    session_of: cache.origin.clone(),
                },
            )]),
        };
        write_atomically(&path, &old).unwrap();
        assert_eq!(
            cache.refresh_token().map(|t| t.expose().to_string()),
            Some("5Aep861rotated".into())
        );
        assert!(cache.load().is_some());
        // Another configuration's entry under the older key is not taken.
        config.refresh_token = Some(Secret::new("5Aep861another"));
        let other = TokenCache::for_config(&config).unwrap();
        assert!(other.refresh_token().is_none() && other.load().is_none());
        // Written again: under the new key, the rotated token kept, the old key gone.
        let session =
            Session::ready(Secret::new("00Dnew!session"), "https://x.my.salesforce.com").unwrap();
        cache.store_held(&session);
        let file = cache.read().unwrap();
        assert!(!file.sessions.contains_key(&legacy));
        let entry = &file.sessions[&cache.key];
        assert_eq!(entry.refresh_token.as_deref(), Some("5Aep861rotated"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
