//! Entry points for the fuzz targets (`fuzz/`) and the property tests: the parsers that read
//! what a server sends. Not part of the public API; no stability promise.

use crate::flow::AuthFlow;
use crate::transport::Reply;

fn reply(status: u16, content_type: Option<&str>, body: &[u8]) -> Reply {
    Reply {
        status,
        headers: content_type
            .map(|ct| ("content-type".to_string(), ct.to_string()))
            .into_iter()
            .collect(),
        body: body.to_vec(),
    }
}

/// Reads a REST answer (success body, error array, HTML page...) as the client does; returns
/// the error's Display text, if it is one.
pub fn rest_answer(status: u16, content_type: Option<&str>, body: &[u8]) -> Option<String> {
    crate::response::into_json("GET", "/fuzz", &reply(status, content_type, body))
        .err()
        .map(|e| e.to_string())
}

/// Reads a token endpoint answer as a login does; returns the error's Display text, if any.
pub fn token_answer(status: u16, body: &[u8]) -> Option<String> {
    crate::auth::read_token_response(AuthFlow::Password, &reply(status, None, body))
        .err()
        .map(|e| e.to_string())
}

/// Reads a query page as `query_iter` does; returns the number of records.
pub fn query_page(body: &[u8]) -> Option<usize> {
    crate::query::parse_page(body, crate::json_value::parse)
        .ok()
        .map(|(n, _)| n)
}

/// Parses a record's JSON with `query_iter`'s fast parser and with `serde_json::from_str`;
/// returns `None` when they agree (the same value, or errors with the same text), and what
/// each gave when they do not.
pub fn record_disagreement(text: &str) -> Option<String> {
    let ours = crate::json_value::parse(text).map_err(|e| e.to_string());
    let theirs = serde_json::from_str::<serde_json::Value>(text).map_err(|e| e.to_string());
    let same = match (&ours, &theirs) {
        // As text too: `0.0` and `-0.0` are equal numbers.
        (Ok(a), Ok(b)) => a == b && serde_json::to_string(a).ok() == serde_json::to_string(b).ok(),
        (a, b) => a == b,
    };
    (!same).then(|| format!("fast parser: {ours:?}, serde_json: {theirs:?}"))
}

/// Parses a `Sforce-Limit-Info` header.
pub fn limit_info(header: &str) -> Option<(u64, u64)> {
    crate::response::parse_api_usage(header)
}

/// Builds the text shown as a body excerpt.
pub fn excerpt(body: &[u8]) -> String {
    crate::excerpt::excerpt(body)
}
