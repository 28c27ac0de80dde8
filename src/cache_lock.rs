//! A lock between processes on a token cache, held while a refresh token is spent and its
//! successor saved: two overlapping runs of a job whose connected app rotates refresh tokens
//! would otherwise both present the same token, and Salesforce answers a spent token's reuse by
//! revoking the chain. The lock is the operating system's (`File::try_lock`, `flock` on Unix)
//! on a file beside the cache (`PATH.lock`, left in place): it ends with the process that holds
//! it, however that process ends, so no lock is ever left behind. It excludes processes on one
//! machine's local disks; a network file system may not honour it (Linux's NFS turns it into a
//! lock per process), and a lock file this user cannot open leaves the cache unlocked.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How often a waiting process tries again.
const POLL: Duration = Duration::from_millis(25);

/// The held lock; released when dropped (the file is closed).
#[derive(Debug)]
pub(crate) struct CacheLock {
    _file: File,
}

/// What an attempt to take the lock came to.
#[derive(Debug)]
pub(crate) enum Locked {
    /// Held until dropped.
    Held(CacheLock),
    /// Another process holds it, and did until the deadline: what it guards must not be done
    /// now (another run is spending the refresh token, or writing the cache).
    Busy,
    /// It cannot be had at all (no folder yet, a lock file this user cannot open, no file
    /// locks here): the caller goes on without it, as without a cache.
    Unavailable,
}

impl Locked {
    /// Whether the lock is held.
    pub(crate) fn is_held(&self) -> bool {
        matches!(self, Locked::Held(_))
    }
}

/// Takes the lock on the cache at `cache`, waiting until `deadline` at most.
pub(crate) fn lock(cache: &Path, deadline: Instant) -> Locked {
    let mut name = cache.as_os_str().to_owned();
    name.push(".lock");
    let path = PathBuf::from(name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = match options.open(&path) {
        Ok(f) => f,
        // No folder yet: the cache cannot be written either.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Locked::Unavailable,
        Err(e) => {
            log::warn!(
                "cannot lock the token cache ({}: {e}); going on without the lock",
                path.display()
            );
            return Locked::Unavailable;
        }
    };
    loop {
        match file.try_lock() {
            Ok(()) => return Locked::Held(CacheLock { _file: file }),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => {
                log::warn!(
                    "cannot lock the token cache ({}: {e}); going on without the lock",
                    path.display()
                );
                return Locked::Unavailable;
            }
        }
        let now = Instant::now();
        if now >= deadline {
            log::warn!(
                "the token cache lock {} is held by another process (another run of the job)",
                path.display()
            );
            return Locked::Busy;
        }
        std::thread::sleep(POLL.min(deadline - now));
    }
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
        let held = lock(&cache, far);
        assert!(held.is_held(), "a free lock");
        let started = Instant::now();
        let busy = lock(&cache, Instant::now() + Duration::from_millis(200));
        assert!(matches!(busy, Locked::Busy), "{busy:?}");
        assert!(started.elapsed() >= Duration::from_millis(200));
        drop(held);
        assert!(lock(&cache, far).is_held(), "free again once dropped");
        // No folder: no lock, at once.
        let started = Instant::now();
        let none = lock(&dir.join("missing").join("tokens.json"), far);
        assert!(matches!(none, Locked::Unavailable), "{none:?}");
        assert!(started.elapsed() < Duration::from_secs(1));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
