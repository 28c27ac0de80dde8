//! The JWT bearer flow's assertion: RS256 over `{iss, sub, aud, exp}`, signed with ring
//! (already in ureq's tree, through rustls).

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::PrivateKeyDer;

use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::url::Origin;

/// How long an assertion is valid: Salesforce accepts at most 3 minutes.
pub(crate) const ASSERTION_LIFETIME_SECS: u64 = 180;

/// A loaded RSA private key. No `Debug` of the key material.
pub(crate) struct SigningKey(RsaKeyPair);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey([redacted])")
    }
}

impl SigningKey {
    /// Parses a PEM RSA private key, PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1
    /// (`BEGIN RSA PRIVATE KEY`). `origin` names where it came from, for errors.
    pub fn from_pem(pem: &Secret, origin: &str) -> Result<SigningKey> {
        let invalid = |why: &str| Error::InvalidConfig {
            setting: "SF_PRIVATE_KEY_FILE",
            message: format!("{origin}: {why}"),
        };
        let der = PrivateKeyDer::from_pem_slice(pem.expose().as_bytes()).map_err(|_| {
            invalid(
                "no PEM private key found (expected BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY)",
            )
        })?;
        let pair = match &der {
            PrivateKeyDer::Pkcs8(k) => RsaKeyPair::from_pkcs8(k.secret_pkcs8_der()),
            PrivateKeyDer::Pkcs1(k) => RsaKeyPair::from_der(k.secret_pkcs1_der()),
            _ => {
                return Err(invalid(
                    "not an RSA key (the JWT bearer flow signs with RS256)",
                ))
            }
        }
        .map_err(|e| invalid(&format!("the RSA key was rejected ({e})")))?;
        Ok(SigningKey(pair))
    }

    /// Reads and parses a key file; errors name the file, never its content.
    pub fn from_file(path: &Path) -> Result<SigningKey> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::InvalidConfig {
            setting: "SF_PRIVATE_KEY_FILE",
            message: format!("cannot read {}: {e}", path.display()),
        })?;
        SigningKey::from_pem(&Secret::new(text), &path.display().to_string())
    }

    /// A signed assertion for `client_id` acting as `username`, valid for three minutes.
    pub fn assertion(&self, client_id: &str, username: &str, audience: &str) -> Result<Secret> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        let claims = serde_json::json!({
            "iss": client_id,
            "sub": username,
            "aud": audience,
            "exp": now + ASSERTION_LIFETIME_SECS,
        });
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signing_input = format!("{header}.{claims}");
        let mut signature = vec![0; self.0.public().modulus_len()];
        self.0
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| Error::InvalidConfig {
                setting: "SF_PRIVATE_KEY_FILE",
                message: "the key could not sign the assertion".into(),
            })?;
        Ok(Secret::new(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        )))
    }
}

/// The default audience: `https://test.salesforce.com` for sandboxes (test.salesforce.com or a
/// `.sandbox.my.salesforce.com` host), `https://login.salesforce.com` otherwise, never the My
/// Domain URL.
pub(crate) fn default_audience(login_url: &str) -> &'static str {
    let host = Origin::parse(login_url).map(|o| o.host).unwrap_or_default();
    if host == "test.salesforce.com" || host.ends_with(".sandbox.my.salesforce.com") {
        "https://test.salesforce.com"
    } else {
        "https://login.salesforce.com"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audience_follows_the_login_host() {
        assert_eq!(
            default_audience("https://test.salesforce.com"),
            "https://test.salesforce.com"
        );
        assert_eq!(
            default_audience("https://acme--uat.sandbox.my.salesforce.com"),
            "https://test.salesforce.com"
        );
        assert_eq!(
            default_audience("https://acme.my.salesforce.com"),
            "https://login.salesforce.com"
        );
        assert_eq!(
            default_audience("https://login.salesforce.com"),
            "https://login.salesforce.com"
        );
        assert_eq!(
            default_audience("http://127.0.0.1:5000"),
            "https://login.salesforce.com"
        );
    }

    #[test]
    fn bad_keys_are_named_errors_without_content() {
        let err =
            SigningKey::from_pem(&Secret::new("not a key at all: s3cr3t"), "key.pem").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("key.pem") && !text.contains("s3cr3t"),
            "{text}"
        );
        let err = SigningKey::from_file(Path::new("/nonexistent/key.pem")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/key.pem"));
    }

    #[test]
    fn both_pem_forms_sign_verifiably() {
        use ring::signature::{UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fake-org/keys/");
        let public_pem =
            std::fs::read_to_string(format!("{dir}test-jwt-public-pkcs1.pem")).unwrap();
        let b64: String = public_pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let public_der = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        for file in ["test-jwt-key.pem", "test-jwt-key-pkcs1.pem"] {
            let key = SigningKey::from_file(Path::new(&format!("{dir}{file}"))).unwrap();
            let jwt = key
                .assertion("cid", "user@example.com", "https://login.salesforce.com")
                .unwrap();
            let parts: Vec<&str> = jwt.expose().split('.').collect();
            assert_eq!(parts.len(), 3);
            let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
            let msg = format!("{}.{}", parts[0], parts[1]);
            UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &public_der)
                .verify(msg.as_bytes(), &sig)
                .unwrap();
            let claims: serde_json::Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
            assert_eq!(claims["iss"], "cid");
            assert_eq!(claims["sub"], "user@example.com");
            let exp = claims["exp"].as_u64().unwrap();
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs();
            assert!(exp > now && exp <= now + 180);
        }
    }
}
