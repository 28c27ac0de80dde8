//! Refresh-token rotation: each token answer's new refresh token is used for the next refresh
//! and kept in the token cache for the next run. Tested within one process (several re-logins)
//! and over two processes (this test binary runs itself as the job, twice).

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::{Mutex, Once};

use common::rotation::{
    assert_each_presented_once, presented, refresh_builder, rotating_client, temp_dir,
};
use sfrest::Client;
use sfrest_fake_org::FakeOrg;

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, m: &log::Metadata) -> bool {
        m.target().starts_with("sfrest")
    }
    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            LINES
                .lock()
                .unwrap()
                .push(format!("{} {}", record.level(), record.args()));
        }
    }
    fn flush(&self) {}
}

fn capture_warnings() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        log::set_logger(&Capture).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
    });
}

#[test]
fn each_relogin_presents_the_token_the_last_answer_rotated_in() {
    capture_warnings();
    let org = FakeOrg::start();
    org.set_refresh_token_rotation(true);
    let r0 = org.issue_refresh_token();
    let sf = rotating_client(&org, &r0, None);
    assert!(!org.refresh_token_valid(&r0), "r0 is spent");
    for _ in 0..2 {
        org.expire_sessions();
        sf.query("SELECT Id FROM Account LIMIT 1").unwrap();
    }
    let tokens = presented(&org);
    assert_eq!(tokens.len(), 3, "one login and two re-logins");
    assert_eq!(tokens[0], r0);
    assert!(tokens[1] != tokens[0] && tokens[2] != tokens[1] && tokens[2] != tokens[0]);
    assert!(
        !org.refresh_token_valid(&tokens[2]),
        "spent by the last re-login"
    );
    assert_eq!(org.login_count(), 3);

    // With rotation and no cache, the warning says what will happen and what to do.
    let warnings: Vec<String> = LINES
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains("rotates refresh tokens"))
        .cloned()
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("next run will"), "{}", warnings[0]);
    assert!(warnings[0].contains("SF_TOKEN_CACHE"), "{}", warnings[0]);
    assert!(warnings[0].starts_with("WARN"), "{}", warnings[0]);
    // No refresh token, old or rotated in, reaches a log line.
    for line in LINES.lock().unwrap().iter() {
        for t in &tokens {
            assert!(!line.contains(t.as_str()), "{line}");
        }
    }
}

#[test]
fn without_rotation_the_configured_token_serves_every_refresh() {
    let org = FakeOrg::start();
    let r0 = org.issue_refresh_token();
    let cache = temp_dir("no-rotation").join("tokens.json");
    let sf = rotating_client(&org, &r0, Some(&cache));
    org.expire_sessions();
    sf.query("SELECT Id FROM Account LIMIT 1").unwrap();
    assert_eq!(presented(&org), vec![r0.clone(), r0.clone()]);
    assert!(org.refresh_token_valid(&r0));
    let kept = std::fs::read_to_string(&cache).unwrap();
    assert!(
        !kept.contains(&r0),
        "no refresh token is cached when none was rotated in"
    );
}

#[test]
fn a_second_client_on_the_same_cache_uses_the_rotated_token() {
    let org = FakeOrg::start();
    org.set_refresh_token_rotation(true);
    let r0 = org.issue_refresh_token();
    let cache = temp_dir("same-cache").join("tokens.json");
    let first = rotating_client(&org, &r0, Some(&cache));
    first.query("SELECT Id FROM Account LIMIT 1").unwrap();
    let kept = std::fs::read_to_string(&cache).unwrap();
    drop(first);

    // The next "run" still has the stale r0 in its settings.
    org.expire_sessions();
    let second = rotating_client(&org, &r0, Some(&cache));
    second.query("SELECT Id FROM Account LIMIT 1").unwrap();
    org.expire_sessions();
    second.query("SELECT Id FROM Account LIMIT 1").unwrap();
    let tokens = presented(&org);
    assert_eq!(tokens.len(), 3, "{tokens:?}");
    assert_eq!(tokens[0], r0);
    assert!(
        kept.contains(&tokens[1]),
        "the cache kept the rotated token"
    );
    assert!(
        !tokens[1..].contains(&r0),
        "the stale token is never presented again"
    );
}

/// Two runs at once (a slow run still going when the next starts) on one cache: each takes
/// up the token the other rotated in, instead of presenting a spent one (which would make
/// Salesforce revoke the whole chain).
#[test]
fn overlapping_runs_take_up_each_others_rotated_token() {
    let org = FakeOrg::start();
    org.set_refresh_token_rotation(true);
    let r0 = org.issue_refresh_token();
    let cache = temp_dir("overlap").join("tokens.json");
    let a = rotating_client(&org, &r0, Some(&cache));
    let b = rotating_client(&org, &r0, Some(&cache)); // started from the cached session
    for sf in [&a, &b, &a, &b] {
        org.expire_sessions();
        sf.query("SELECT Id FROM Account LIMIT 1").unwrap();
    }
    let tokens = presented(&org);
    assert_eq!(tokens.len(), 5, "{tokens:?}");
    assert_each_presented_once(&tokens);
}

#[test]
fn a_new_refresh_token_in_the_settings_wins_over_the_cached_one() {
    let org = FakeOrg::start();
    org.set_refresh_token_rotation(true);
    let r0 = org.issue_refresh_token();
    let cache = temp_dir("new-setting").join("tokens.json");
    rotating_client(&org, &r0, Some(&cache));
    // The app was authorized again: a fresh token in .env.
    let fresh = org.issue_refresh_token();
    org.expire_sessions();
    let sf = rotating_client(&org, &fresh, Some(&cache));
    sf.query("SELECT Id FROM Account LIMIT 1").unwrap();
    let tokens = presented(&org);
    assert_eq!(tokens.last(), Some(&fresh), "{tokens:?}");
}

/// Two refresh tokens of the same connected app (another user, another org behind the same
/// login host) share a cache file, but not a session: a configuration naming another token
/// logs in with it instead of using the session the first one cached.
#[test]
fn another_refresh_token_never_gets_the_cached_session() {
    let org = FakeOrg::start();
    let first = org.issue_refresh_token();
    let cache = temp_dir("other-token").join("tokens.json");
    rotating_client(&org, &first, Some(&cache));
    let logins = org.login_count();
    org.revoke_refresh_tokens();
    let err = refresh_builder(&org, "a-token-nobody-issued")
        .token_cache(&cache)
        .build()
        .unwrap_err();
    assert_eq!(err.error_code(), Some("invalid_grant"), "{err}");
    // The first token's own session is still found by the first configuration.
    let again = refresh_builder(&org, &first)
        .token_cache(&cache)
        .build()
        .unwrap();
    again.limits().unwrap();
    assert_eq!(
        org.login_count(),
        logins,
        "the first token's cached session was used"
    );
}

/// The job run by `two_runs_in_two_processes_share_the_rotated_token`: a plain
/// `Client::from_env()` with the `.env` of its working directory. Does nothing unless started
/// by that test.
#[test]
#[ignore = "started as a child process by two_runs_in_two_processes_share_the_rotated_token"]
fn rotation_child_job() {
    if std::env::var_os("SFREST_ROTATION_CHILD").is_none() {
        return;
    }
    let sf = Client::from_env().expect("the child job logs in");
    let page = sf
        .query("SELECT Id FROM Account LIMIT 1")
        .expect("the child job's query");
    println!("CHILD-OK {}", page["totalSize"]);
}

fn run_child(dir: &Path) -> (bool, String) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "rotation_child_job",
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .current_dir(dir)
    .env("SFREST_ROTATION_CHILD", "1");
    for var in sfrest::VARIABLES {
        cmd.env_remove(var);
    }
    let out = cmd.output().expect("start the child job");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success() && text.contains("CHILD-OK"), text)
}

#[test]
fn two_runs_in_two_processes_share_the_rotated_token() {
    let org = FakeOrg::start();
    org.set_refresh_token_rotation(true);
    let r0 = org.issue_refresh_token();
    let dir = temp_dir("two-processes");
    let cache = dir.join("tokens.json");
    write_private(
        &dir.join(".env"),
        format!(
            "SF_LOGIN_URL={}\nSF_CLIENT_ID={}\nSF_REFRESH_TOKEN={r0}\nSF_TOKEN_CACHE={}\n",
            org.login_url(),
            org.credentials().client_id,
            cache.display()
        ),
    )
    .unwrap();

    let (ok, text) = run_child(&dir);
    assert!(ok, "first run: {text}");
    assert!(!org.refresh_token_valid(&r0));
    // The second run finds the first one's session expired: it must refresh, and r0 (still
    // in its .env) is spent.
    org.expire_sessions();
    let (ok, text) = run_child(&dir);
    assert!(ok, "second run: {text}");
    let tokens = presented(&org);
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    assert_eq!(tokens[0], r0);
    assert_ne!(tokens[1], r0);
    assert!(!text.contains(&r0) && !text.contains(&tokens[1]));
    // A third run reuses the cached session: no login at all.
    let (ok, text) = run_child(&dir);
    assert!(ok, "third run: {text}");
    assert_eq!(presented(&org).len(), 2);
}

/// Without a logger, the warning that the next run will fail (rotation without a token cache)
/// still reaches stderr: a cron job's log shows it.
#[test]
fn the_rotation_warning_reaches_stderr_without_a_logger() {
    let org = FakeOrg::start();
    org.set_refresh_token_rotation(true);
    let r0 = org.issue_refresh_token();
    let dir = temp_dir("stderr-warning");
    write_private(
        &dir.join(".env"),
        format!(
            "SF_LOGIN_URL={}\nSF_CLIENT_ID={}\nSF_REFRESH_TOKEN={r0}\n",
            org.login_url(),
            org.credentials().client_id,
        ),
    )
    .unwrap();
    let (ok, text) = run_child(&dir);
    assert!(ok, "{text}");
    assert!(
        text.contains("sfrest: warning: the connected app rotates refresh tokens"),
        "{text}"
    );
    assert!(!text.contains(&r0), "no token in the warning");
}

/// A configuration without a refresh token (client credentials, same app and login host)
/// does not get the session a refresh token's configuration cached, nor the other way round.
#[test]
fn a_flow_without_the_refresh_token_never_gets_its_session() {
    let org = FakeOrg::start();
    let c = org.credentials();
    let cache = temp_dir("other-flow").join("tokens.json");
    let token = org.issue_refresh_token();
    Client::builder()
        .login_url(org.my_domain_url())
        .client_id(c.client_id.clone())
        .refresh_token(token.as_str())
        .token_cache(&cache)
        .build()
        .unwrap();
    let logins = org.login_count();
    let sf = Client::builder()
        .login_url(org.my_domain_url())
        .client_id(c.client_id)
        .client_secret(c.client_secret)
        .token_cache(&cache)
        .build()
        .unwrap();
    assert_eq!(sf.auth_flow(), sfrest::AuthFlow::ClientCredentials);
    assert_eq!(org.login_count(), logins + 1, "it logged in itself");
}

/// Writes a `.env` as a user keeps one: readable and writable by its owner only (one others
/// can write is not trusted when found by searching, whatever the umask).
fn write_private(path: &Path, text: String) -> std::io::Result<()> {
    std::fs::write(path, text)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}
