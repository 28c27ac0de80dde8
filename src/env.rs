//! Reading settings from the environment and a `.env` file (real variables win).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::config::{normalize_api_version, Config, PrivateKey};
use crate::error::{Error, Result};
use crate::flow::AuthFlow;
use crate::secret::Secret;

/// Every variable the SDK reads, in the order `.env.example` documents them.
pub const VARIABLES: &[&str] = &[
    "SF_LOGIN_URL",
    "SF_CLIENT_ID",
    "SF_CLIENT_SECRET",
    "SF_USERNAME",
    "SF_PASSWORD",
    "SF_SECURITY_TOKEN",
    "SF_ACCESS_TOKEN",
    "SF_INSTANCE_URL",
    "SF_API_VERSION",
    "SF_AUTH_FLOW",
    "SF_PRIVATE_KEY_FILE",
    "SF_JWT_AUDIENCE",
    "SF_REFRESH_TOKEN",
    "SF_TOKEN_CACHE",
    "SF_CA_FILE",
];

/// Loads settings on top of `base`: from `file` if given (it must exist), else from the nearest
/// `.env` in the current directory or its parents, if any. Real environment variables win.
pub(crate) fn load(file: Option<&Path>, base: Config) -> Result<Config> {
    let (file_vars, note) = match file {
        Some(path) => (read_file(path)?, None),
        None => match find_dotenv() {
            Some(path) => {
                // Found by searching, perhaps in a folder someone else controls (/tmp/.env):
                // settings another user could have written could send the credentials
                // elsewhere, so the search stops there, with the reason.
                if let Some(why) = crate::file_trust::untrusted(&path) {
                    return Err(Error::InvalidConfig {
                        setting: "env file",
                        message: format!(
                            "{} was found by searching from the working directory, but {why}: its settings could send your credentials elsewhere. Remove it or fix its owner and mode, run from another directory, or name a .env explicitly with Client::from_env_file",
                            path.display()
                        ),
                    });
                }
                (read_file(&path)?, None)
            }
            None => {
                let here = std::env::current_dir()
                    .map(|d| d.display().to_string())
                    .unwrap_or_else(|_| "the current directory".into());
                (
                    HashMap::new(),
                    Some(format!("no .env file was found in {here} or its parents")),
                )
            }
        },
    };
    let get = |name: &str| -> Option<String> {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .or_else(|| file_vars.get(name).filter(|v| !v.is_empty()).cloned())
    };
    let mut c = base;
    if note.is_some() {
        c.source_note = note;
    }
    if let Some(v) = get("SF_LOGIN_URL") {
        c.login_url = v;
    }
    if let Some(v) = get("SF_CLIENT_ID") {
        c.client_id = Some(v);
    }
    if let Some(v) = get("SF_CLIENT_SECRET") {
        c.client_secret = Some(Secret::new(v));
    }
    if let Some(v) = get("SF_USERNAME") {
        c.username = Some(v);
    }
    if let Some(v) = get("SF_PASSWORD") {
        c.password = Some(Secret::new(v));
    }
    if let Some(v) = get("SF_SECURITY_TOKEN") {
        c.security_token = Some(Secret::new(v));
    }
    if let Some(v) = get("SF_ACCESS_TOKEN") {
        c.access_token = Some(Secret::new(v));
    }
    if let Some(v) = get("SF_INSTANCE_URL") {
        c.instance_url = Some(v);
    }
    if let Some(v) = get("SF_API_VERSION") {
        c.api_version = normalize_api_version(&v)?;
    }
    if let Some(v) = get("SF_PRIVATE_KEY_FILE") {
        c.private_key = Some(PrivateKey::File(v.into()));
    }
    if let Some(v) = get("SF_JWT_AUDIENCE") {
        c.jwt_audience = Some(v);
    }
    if let Some(v) = get("SF_REFRESH_TOKEN") {
        c.refresh_token = Some(Secret::new(v));
    }
    if let Some(v) = get("SF_TOKEN_CACHE") {
        c.token_cache = Some(v.into());
    }
    if let Some(v) = get("SF_CA_FILE") {
        c.ca_file = Some(v.into());
    }
    if let Some(v) = get("SF_AUTH_FLOW") {
        c.auth_flow = Some(AuthFlow::parse(&v).ok_or_else(|| Error::InvalidConfig {
            setting: "SF_AUTH_FLOW",
            message: format!(
                "{v:?} is not a flow: use password, client_credentials, jwt, refresh_token or access_token"
            ),
        })?);
    }
    Ok(c)
}

/// The line of `path` that holds `fragment` (what dotenvy could not parse), from 1, with its
/// variable's name when the line starts `NAME=` (or `export NAME=`); never any of its value.
fn bad_line(path: &Path, fragment: &str) -> Option<(usize, Option<String>)> {
    let text = std::fs::read_to_string(path).ok()?;
    let fragment = fragment.trim();
    let (n, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| !fragment.is_empty() && l.contains(fragment))?;
    Some((n + 1, variable_name(line)))
}

/// The variable a `.env` line sets, if it starts like `NAME=` or `export NAME=`.
fn variable_name(line: &str) -> Option<String> {
    let line = line.trim_start();
    let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
    let (name, _) = line.split_once('=')?;
    let name = name.trim_end();
    let valid = name.bytes().enumerate().all(|(i, b)| {
        b == b'_' || b.is_ascii_alphabetic() || (i > 0 && (b.is_ascii_digit() || b == b'.'))
    });
    (valid && !name.is_empty() && name.len() <= 64).then(|| name.to_string())
}

/// The nearest `.env` in the current directory or one of its parents.
fn find_dotenv() -> Option<PathBuf> {
    let mut dir = std::env::current_dir().ok()?;
    loop {
        let candidate = dir.join(".env");
        if candidate.is_file() {
            return Some(candidate);
        }
        if !dir.pop() {
            return None;
        }
    }
}

/// Parses a `.env` file without touching the process environment. Parse errors name the line's
/// variable, never its value (which may be a password).
fn read_file(path: &Path) -> Result<HashMap<String, String>> {
    let invalid = |message: String| Error::InvalidConfig {
        setting: "env file",
        message,
    };
    let iter = dotenvy::from_path_iter(path)
        .map_err(|e| invalid(format!("cannot read {}: {}", path.display(), io_reason(&e))))?;
    warn_if_readable_by_others(path);
    warn_about_substitution(path);
    let mut vars = HashMap::new();
    for item in iter {
        match item {
            Ok((k, v)) => {
                vars.insert(k, v);
            }
            Err(dotenvy::Error::LineParse(fragment, _)) => {
                // dotenvy hands back the line, or for some errors only the value (a password,
                // perhaps): the line is found in the file and named by its variable only.
                let place = match bad_line(path, &fragment) {
                    Some((n, Some(name))) => format!("line {n} ({name})"),
                    Some((n, None)) => format!("line {n}"),
                    None => "a line".to_string(),
                };
                return Err(invalid(format!(
                    "{}: cannot parse {place} (quote values that contain spaces, # or $ with single quotes)",
                    path.display()
                )));
            }
            Err(e) => {
                return Err(invalid(format!(
                    "cannot read {}: {}",
                    path.display(),
                    io_reason(&e)
                )))
            }
        }
    }
    log::debug!("loaded settings from {}", path.display());
    Ok(vars)
}

fn io_reason(e: &dotenvy::Error) -> String {
    match e {
        dotenvy::Error::Io(io) => io.to_string(),
        dotenvy::Error::EnvVar(v) => v.to_string(),
        _ => "malformed file".to_string(),
    }
}

/// The `.env` parser replaces `$NAME` in unquoted and double-quoted values with another
/// variable's value, which silently changes a password such as `pa$word`. Warn (naming the
/// variable, never the value) where a `$` is not inside single quotes.
fn warn_about_substitution(path: &Path) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    for line in text.lines() {
        let line = line.trim_start();
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        if key.starts_with("SF_") && value.contains('$') && !value.starts_with('\'') {
            log::warn!(
                "{}: the value of {key} has a '$' outside single quotes, and the .env parser replaces $NAME with another variable's value: write it as {key}='...'",
                path.display()
            );
        }
    }
}

/// Warns (`log::warn!`, suggesting `chmod 600`) when a file holding credentials (a `.env`, the
/// token cache) is readable by group or others.
#[cfg(unix)]
pub(crate) fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o077 != 0 {
            log::warn!(
                "{} holds credentials and is readable by group or others: run chmod 600 {}",
                path.display(),
                path.display()
            );
        }
    }
}

#[cfg(not(unix))]
pub(crate) fn warn_if_readable_by_others(_path: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sfrest-env-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".env");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn file_values_fill_config_and_secrets_stay_wrapped() {
        let path = temp_file(
            "fill",
            "SF_CLIENT_ID=abc\nSF_PASSWORD='pa$$ word'\nSF_API_VERSION=v67.0\nSF_SECURITY_TOKEN=\n",
        );
        let c = load(Some(&path), Config::default()).unwrap();
        assert_eq!(c.client_id.as_deref(), Some("abc"));
        assert_eq!(c.password.as_ref().map(Secret::expose), Some("pa$$ word"));
        assert_eq!(c.api_version, "67.0");
        assert!(c.security_token.is_none(), "empty values count as unset");
        assert!(!format!("{c:?}").contains("pa$$"));
    }

    #[test]
    fn missing_explicit_file_is_named() {
        let err = load(
            Some(Path::new("/nonexistent/sfrest/.env")),
            Config::default(),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/sfrest/.env"),
            "{err}"
        );
    }

    #[test]
    fn parse_errors_do_not_echo_values() {
        let path = temp_file("bad", "SF_PASSWORD=secret value with \"quote\n");
        let err = load(Some(&path), Config::default())
            .unwrap_err()
            .to_string();
        assert!(!err.contains("secret value"), "{err}");
        assert!(err.contains("SF_PASSWORD"), "{err}");
        // Errors dotenvy reports with the value alone (a space, a bad escape, an open `${`):
        // the line is named by its number and variable, the value never appears.
        for (n, value) in [(1, "correct horse battery"), (2, r"ab\cd"), (3, "x${open")] {
            let mut text = String::from("SF_CLIENT_ID=abc\n");
            for _ in 1..n {
                text.push_str("SF_USERNAME=u@example.com\n");
            }
            let text = format!("{text}SF_PASSWORD={value}\n");
            let path = temp_file(&format!("bad{n}"), &text);
            let err = load(Some(&path), Config::default())
                .unwrap_err()
                .to_string();
            assert!(!err.contains(value), "{err}");
            assert!(
                err.contains(&format!("line {} (SF_PASSWORD)", n + 1)),
                "{err}"
            );
        }
    }

    #[test]
    fn bad_flow_name_is_explained() {
        let path = temp_file("flow", "SF_AUTH_FLOW=magic\n");
        let err = load(Some(&path), Config::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("SF_AUTH_FLOW") && err.contains("client_credentials"),
            "{err}"
        );
    }
}
