//! Request counters for benchmarks: `GET /__fake/stats` and `POST /__fake/reset` on the login
//! host (the reset also zeroes the org's daily API usage), answered only once [`enable`] was called (the `fake-org` binary does; tests and
//! `FakeOrg::start` never do, so for them nothing here changes any answer).
//!
//! Counted: every request that reaches the REST routes, on either host, by route
//! (`METHOD /services/data/vXX.X/sobjects/Account/{id}`, ids and cursors folded), and the
//! org's successful logins.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::org::{lock, Org};
use crate::response::Response;
use crate::{Host, RecordedRequest};

static ENABLED: AtomicBool = AtomicBool::new(false);
static REQUESTS: AtomicU64 = AtomicU64::new(0);
/// `login_count` of the org at the last reset.
static LOGINS_AT_RESET: AtomicUsize = AtomicUsize::new(0);
static BY_ROUTE: Mutex<BTreeMap<String, u64>> = Mutex::new(BTreeMap::new());

/// Turns the counters and the `/__fake/` routes on, for the whole process.
pub fn enable() {
    ENABLED.store(true, Ordering::SeqCst);
}

/// Called first by the router: counts the request, and answers it when it is one of ours.
pub(crate) fn hook(org: &Org, req: &RecordedRequest) -> Option<Response> {
    if !ENABLED.load(Ordering::Relaxed) {
        return None;
    }
    if let Some(what) = req.path.strip_prefix("/__fake/") {
        if req.host != Host::Login {
            return Some(Response::not_found());
        }
        let logins = org
            .login_count
            .load(Ordering::SeqCst)
            .saturating_sub(LOGINS_AT_RESET.load(Ordering::SeqCst));
        return Some(match (req.method.as_str(), what) {
            ("GET", "stats") => {
                let by_route: serde_json::Map<String, serde_json::Value> = lock(&BY_ROUTE)
                    .iter()
                    .map(|(k, v)| (k.clone(), (*v).into()))
                    .collect();
                Response::json_value(
                    200,
                    &serde_json::json!({
                        "requests": REQUESTS.load(Ordering::SeqCst),
                        "by_route": by_route,
                        "logins": logins,
                    }),
                )
            }
            ("POST", "reset") => {
                REQUESTS.store(0, Ordering::SeqCst);
                lock(&BY_ROUTE).clear();
                LOGINS_AT_RESET.store(org.login_count.load(Ordering::SeqCst), Ordering::SeqCst);
                // A new day for the daily API limit, so load runs don't end in 403s.
                org.api_used.store(0, Ordering::SeqCst);
                Response::json_value(200, &serde_json::json!({"reset": true}))
            }
            _ => Response::not_found(),
        });
    }
    REQUESTS.fetch_add(1, Ordering::Relaxed);
    *lock(&BY_ROUTE)
        .entry(format!("{} {}", req.method, route_key(&req.path)))
        .or_insert(0) += 1;
    None
}

/// The path with versions, record ids and query cursors folded into placeholders.
fn route_key(path: &str) -> String {
    let mut out = Vec::new();
    let mut after_query = false;
    for seg in path.split('/') {
        let folded = if seg.len() > 1 && seg.starts_with('v') && seg[1..].parse::<f64>().is_ok() {
            "vXX.X"
        } else if after_query && !seg.is_empty() {
            "{cursor}"
        } else if (seg.len() == 15 || seg.len() == 18)
            && seg.bytes().all(|b| b.is_ascii_alphanumeric())
            && seg.bytes().any(|b| b.is_ascii_digit())
        {
            "{id}"
        } else {
            seg
        };
        after_query = seg == "query" || seg == "queryAll";
        out.push(folded);
    }
    out.join("/")
}

#[cfg(test)]
mod tests {
    use super::route_key;

    #[test]
    fn folds_ids_versions_and_cursors() {
        assert_eq!(
            route_key("/services/data/v66.0/sobjects/Account/001Hx00000AbCdEFGH"),
            "/services/data/vXX.X/sobjects/Account/{id}"
        );
        assert_eq!(
            route_key("/services/data/v66.0/query/01gHx00000Xyz-2000"),
            "/services/data/vXX.X/query/{cursor}"
        );
        assert_eq!(
            route_key("/services/data/v66.0/composite/sobjects"),
            "/services/data/vXX.X/composite/sobjects"
        );
    }
}
