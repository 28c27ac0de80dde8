//! The JWT bearer grant: an RS256 assertion signed by the connected app's certificate key.

use base64::Engine;
use serde_json::Value as J;

use crate::org::Org;
use crate::response::Response;

/// The public key of the connected app's certificate (`keys/test-jwt-public-pkcs1.pem`).
const TRUSTED_KEY_PEM: &str = include_str!("../keys/test-jwt-public-pkcs1.pem");
/// The only audience a production org accepts.
const AUDIENCE: &str = "https://login.salesforce.com";

fn invalid_grant(description: &str) -> Response {
    Response::oauth_error("invalid_grant", description)
}

fn b64url(part: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .ok()
}

/// The DER RSAPublicKey inside a PEM block.
fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .unwrap_or_default()
}

/// Checks an assertion; `Ok(())` when the org accepts it, else the OAuth error to answer.
pub(crate) fn check(org: &Org, assertion: Option<&str>) -> Result<(), Response> {
    let invalid = || invalid_grant("invalid assertion");
    let assertion = assertion.ok_or_else(invalid)?;
    let mut parts = assertion.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    let header: J = b64url(h)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(invalid)?;
    let claims: J = b64url(c)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(invalid)?;
    let signature = b64url(s).ok_or_else(invalid)?;
    if header.get("alg").and_then(J::as_str) != Some("RS256") {
        return Err(invalid());
    }
    let aud_ok = match claims.get("aud") {
        Some(J::String(a)) => a.trim_end_matches('/') == AUDIENCE,
        Some(J::Array(list)) => list.iter().any(|a| {
            a.as_str()
                .is_some_and(|a| a.trim_end_matches('/') == AUDIENCE)
        }),
        _ => false,
    };
    if !aud_ok {
        return Err(invalid_grant("audience is invalid"));
    }
    if claims.get("iss").and_then(J::as_str) != Some(org.creds.client_id.as_str()) {
        return Err(Response::oauth_error(
            "invalid_client_id",
            "client identifier invalid",
        ));
    }
    let der = pem_der(TRUSTED_KEY_PEM);
    let key =
        ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, der);
    if key
        .verify(format!("{h}.{c}").as_bytes(), &signature)
        .is_err()
    {
        return Err(invalid());
    }
    let exp = match claims.get("exp") {
        Some(J::Number(n)) => n.as_f64(),
        Some(J::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .ok_or_else(invalid)?;
    if exp * 1000.0 < crate::time::now_ms() as f64 {
        return Err(invalid_grant("expired authorization code"));
    }
    let user_ok = claims
        .get("sub")
        .and_then(J::as_str)
        .is_some_and(|u| u.eq_ignore_ascii_case(&org.creds.username));
    if !user_ok {
        return Err(invalid_grant("user hasn't approved this consumer"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_key_parses() {
        let der = pem_der(TRUSTED_KEY_PEM);
        assert!(der.len() > 200, "{}", der.len());
        assert_eq!(der[0], 0x30, "a DER SEQUENCE");
    }
}
