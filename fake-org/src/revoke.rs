//! Token revocation, `POST /services/oauth2/revoke` (also `GET ...?token=`), on either host
//! ("Revoking OAuth Tokens"): an access token stops working; a refresh token stops working,
//! and so do the access tokens it was exchanged for. 200 with an empty body when done; for
//! every error 400 with an OAuth error: `unsupported_token_type` or `invalid_token` (the
//! descriptions are the fake org's own: the documentation names the codes only).

use crate::form::{param, parse_form};
use crate::org::{lock, write, Org};
use crate::response::Response;
use crate::RecordedRequest;

/// Answers a revocation request.
pub(crate) fn revoke(org: &Org, req: &RecordedRequest) -> Response {
    let params = match req.method.as_str() {
        "POST" => parse_form(&String::from_utf8_lossy(&req.body)),
        "GET" => parse_form(&req.query),
        m => return Response::method_not_allowed(m, "GET,POST"),
    };
    let Some(token) = param(&params, "token").filter(|t| !t.is_empty()) else {
        return Response::oauth_error("unsupported_token_type", "a token parameter is required");
    };
    if write(&org.sessions).remove(token) {
        return done();
    }
    if lock(&org.refresh_tokens).remove(token) {
        let issued = lock(&org.issued_by_refresh)
            .remove(token)
            .unwrap_or_default();
        let mut sessions = write(&org.sessions);
        for access in &issued {
            sessions.remove(access);
        }
        return done();
    }
    Response::oauth_error(
        "invalid_token",
        "the token is not a live access or refresh token",
    )
}

fn done() -> Response {
    Response {
        status: 200,
        content_type: None,
        headers: Vec::new(),
        body: Vec::new(),
        compressible: false,
    }
}
