//! A lock between processes on a token cache, held while a refresh token is spent and its
//! successor saved: two overlapping runs of a job whose connected app rotates refresh tokens
//! would otherwise both present the same token, and Salesforce answers a spent token's reuse by
//! revoking the chain. The lock is a file beside the cache (`PATH.lock`), made with
//! `create_new` and removed when the lock is dropped; one left behind by a process that died is
//! taken over once it is older than [`STALE`].

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

/// A lock file older than this is one a dead process left behind.
const STALE: Duration = Duration::from_secs(60);

/// How often a waiting process looks again.
const POLL: Duration = Duration::from_millis(25);

/// The held lock; released when dropped.
#[derive(Debug)]
pub(crate) struct CacheLock {
    path: PathBuf,
}

impl Drop for CacheLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Takes the lock on the cache at `cache`, waiting until `deadline` at most; `None` when it
/// could not be had by then (the caller goes on without it, as without a cache).
pub(crate) fn lock(cache: &std::path::Path, deadline: Instant) -> Option<CacheLock> {
    let mut name = cache.as_os_str().to_owned();
    name.push(".lock");
    let path = PathBuf::from(name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    loop {
        match options.open(&path) {
            Ok(_) => return Some(CacheLock { path }),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if is_stale(&path) {
                    log::warn!(
                        "taking over the token cache lock {}: its process left it over {} s ago",
                        path.display(),
                        STALE.as_secs()
                    );
                    let _ = std::fs::remove_file(&path);
                    continue;
                }
            }
            // No folder yet: the cache's first run (its folder is made when it is written).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => {
                log::warn!(
                    "cannot lock the token cache ({}: {e}); going on without the lock",
                    path.display()
                );
                return None;
            }
        }
        let now = Instant::now();
        if now >= deadline {
            log::warn!(
                "the token cache lock {} is held by another process; going on without it",
                path.display()
            );
            return None;
        }
        std::thread::sleep(POLL.min(deadline - now));
    }
}

fn is_stale(path: &std::path::Path) -> bool {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|at| SystemTime::now().duration_since(at).ok())
        .is_some_and(|age| age > STALE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_a_bounded_wait() {
        let dir = std::env::temp_dir().join(format!("sfrest-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cache = dir.join("tokens.json");
        let far = Instant::now() + Duration::from_secs(5);
        let held = lock(&cache, far).expect("a free lock");
        let started = Instant::now();
        assert!(lock(&cache, Instant::now() + Duration::from_millis(200)).is_none());
        assert!(started.elapsed() >= Duration::from_millis(200));
        drop(held);
        let again = lock(&cache, far).expect("free again once dropped");
        drop(again);
        assert!(!dir.join("tokens.json.lock").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
