//! A string that must never be printed.

use std::fmt;
use std::sync::Arc;

/// A secret value: a password, security token, client secret, access or refresh token, or key.
///
/// Its `Debug` prints `[redacted]` and it has no `Display`, so a secret cannot reach a log line,
/// an error message or a `{:?}` print by accident. Read the value with [`Secret::expose`] at the
/// one place that sends it. And while a `Secret` lives, sfrest wipes its value (as sent, or
/// percent-encoded, JSON- or HTML-escaped) out of every error message, body excerpt and log
/// line it builds from what a server sent back, so a server, proxy or firewall page that
/// reflects the request cannot carry it into an error either.
///
/// ```
/// let token = sfrest::Secret::new("00Dx0000000BV7z!AR8AQ");
/// assert_eq!(format!("{token:?}"), "[redacted]");
/// assert_eq!(token.expose(), "00Dx0000000BV7z!AR8AQ");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        let value: Arc<str> = value.into().into();
        crate::redact::register(&value);
        Secret(value)
    }

    /// A secret that is only made of others already listed (the `Authorization` header of
    /// one call): not listed itself, which spares every call the registry's lock.
    pub(crate) fn unlisted(value: String) -> Self {
        Secret(value.into())
    }

    /// The secret itself. Call it only where the value is sent to Salesforce.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_even_when_nested() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(&s)), "Some([redacted])");
        assert!(!format!("{s:#?}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2");
    }
}
