//! The context of an authenticated request under `/services/data/vXX.X/`, shared by every
//! handler. It sits below the handlers and the router: handlers import it, never `rest.rs`.

use crate::org::Org;
use crate::response::Response;
use crate::RecordedRequest;

/// Oldest API version served.
pub(crate) const OLDEST: u32 = 31;
/// The newest API version (Winter '27).
pub(crate) const NEWEST: u32 = 68;

/// Answers an authenticated request for the path segments after `vXX.X` (the router's entry
/// point, handed down so that composite subrequests can be dispatched without importing it).
pub(crate) type Dispatch = fn(&Ctx, &[&str]) -> Response;

/// A request under `/services/data/vXX.X/`, authenticated.
pub(crate) struct Ctx<'a> {
    pub org: &'a Org,
    pub req: &'a RecordedRequest,
    /// `66.0`
    pub version: String,
    /// The router, for subrequests.
    pub dispatch: Dispatch,
    /// Under `/services/data/vXX.X/tooling/`: record and cursor URLs say so.
    pub tooling: bool,
}

impl Ctx<'_> {
    /// The request's API version as its major number (`66` for `66.0`).
    pub(crate) fn major(&self) -> u32 {
        self.version
            .split('.')
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    /// `/services/data/v66.0` (`/services/data/v66.0/tooling` for the Tooling API)
    pub(crate) fn base(&self) -> String {
        let tooling = if self.tooling { "/tooling" } else { "" };
        format!("/services/data/v{}{tooling}", self.version)
    }
}

/// The answer for a version that is not served: 410 for a retired one (21.0 to 30.0), 404
/// for anything else (a Composite subrequest's URL gets the same).
pub(crate) fn unserved_version(major: Option<u32>) -> Response {
    match major {
        Some(m) if (21..=30).contains(&m) => Response::error(
            410,
            "UNSUPPORTED_API_VERSION",
            &format!("Salesforce Platform API version {m}.0 is retired. Use API version {OLDEST}.0 or later."),
        ),
        _ => Response::not_found(),
    }
}
