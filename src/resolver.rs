//! Host name resolution without a thread per call.
//!
//! ureq resolves the host before it looks in its connection pool, and with a timeout set it
//! does so on a new thread, so every keep-alive call would spawn and join a thread (and, against
//! a real org, look the name up again). This resolver answers IP literals at once and keeps
//! looked-up addresses for [`TTL`].

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long looked-up addresses are reused.
pub(crate) const TTL: Duration = Duration::from_secs(30);

/// Resolver with a short-lived cache in front of ureq's default one.
#[derive(Debug, Default)]
pub(crate) struct CachingResolver {
    inner: DefaultResolver,
    cache: Mutex<HashMap<String, (Instant, Vec<SocketAddr>)>>,
}

impl CachingResolver {
    fn addrs(&self, list: &[SocketAddr]) -> ResolvedSocketAddrs {
        let mut out = self.empty();
        for a in list.iter().take(16) {
            out.push(*a);
        }
        out
    }
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let default_port = match uri.scheme_str() {
            Some("https") => 443,
            _ => 80,
        };
        if let Some(authority) = uri.authority() {
            let port = authority.port_u16().unwrap_or(default_port);
            let host = authority.host();
            if let Ok(addr) = format!("{host}:{port}").parse::<SocketAddr>() {
                return Ok(self.addrs(&[addr]));
            }
            let key = format!("{host}:{port}");
            let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((at, list)) = cache.get(&key) {
                if at.elapsed() < TTL {
                    return Ok(self.addrs(list));
                }
            }
            drop(cache);
            let resolved = self.inner.resolve(uri, config, timeout)?;
            let list: Vec<SocketAddr> = resolved.iter().copied().collect();
            self.cache
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key, (Instant::now(), list));
            return Ok(resolved);
        }
        self.inner.resolve(uri, config, timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_literals_need_no_lookup_and_names_are_cached() {
        let r = CachingResolver::default();
        let config = Config::default();
        let t = NextTimeout {
            after: ureq::unversioned::transport::time::Duration::Exact(Duration::from_secs(5)),
            reason: ureq::Timeout::Global,
            ..NextTimeout::default()
        };
        let got = r
            .resolve(&"https://127.0.0.1:8443/x".parse().unwrap(), &config, t)
            .unwrap();
        assert_eq!(&got[..], &["127.0.0.1:8443".parse::<SocketAddr>().unwrap()]);
        let got = r
            .resolve(&"http://[::1]/x".parse().unwrap(), &config, t)
            .unwrap();
        assert_eq!(&got[..], &["[::1]:80".parse::<SocketAddr>().unwrap()]);
        let got = r
            .resolve(&"http://localhost:9/x".parse().unwrap(), &config, t)
            .unwrap();
        assert!(!got.is_empty());
        assert!(r.cache.lock().unwrap().contains_key("localhost:9"));
    }
}
