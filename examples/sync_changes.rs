//! A cron job: every Account changed or deleted since the last run, as JSON lines on stdout,
//! then the watermark is moved on. A run that fails before the end (Salesforce down, stdout
//! closed) writes no watermark, so the next run sends the same window again: every change is
//! sent at least once, never skipped.
//!
//! ```text
//! # against your org (.env as in .env.example; cron runs elsewhere, so name it):
//! cargo run --example sync_changes -- /var/lib/myjob/account.watermark /etc/myjob/.env
//!
//! # against the bundled fake org, no credentials needed:
//! cargo run --example sync_changes -- --demo
//!
//! # crontab: every 5 minutes, appended to a file another tool picks up
//! */5 * * * * /usr/local/bin/sync_changes /var/lib/myjob/account.watermark /etc/myjob/.env >> /var/spool/myjob/accounts.jsonl
//! ```
//!
//! Each line is `{"op":"upsert","id":...,"record":{...}}` or
//! `{"op":"delete","id":...,"deletedDate":...}`.

use std::io::Write;
use std::path::Path;

use serde_json::json;
use sfrest::Client;

/// The Account fields sent for each changed record.
const FIELDS: &[&str] = &[
    "Name",
    "Industry",
    "Type",
    "BillingCity",
    "LastModifiedDate",
];

/// One run: the changes since the watermark at `watermark`, written to `out`, then committed.
/// Returns how many lines were written.
pub fn sync(sf: &Client, watermark: &Path, out: &mut dyn Write) -> Result<usize, sfrest::Error> {
    let acct = sf.sobject("Account");
    let changes = acct.changes_since(watermark)?;
    let io = |e: std::io::Error| sfrest::Error::Io {
        context: "cannot write the changes to stdout".into(),
        source: e,
    };
    let mut lines = 0;
    // get_many reads 2,000 records a call; a record deleted since it changed comes back None
    // (its delete is in this window or the next).
    let records = acct.get_many(&changes.updated, FIELDS)?;
    for (id, record) in changes.updated.iter().zip(records) {
        if let Some(mut record) = record {
            if let Some(map) = record.as_object_mut() {
                map.remove("attributes");
            }
            let line = json!({"op": "upsert", "id": id, "record": record});
            writeln!(out, "{line}").map_err(io)?;
            lines += 1;
        }
    }
    for gone in &changes.deleted {
        let line = json!({"op": "delete", "id": gone.id, "deletedDate": gone.deleted_date});
        writeln!(out, "{line}").map_err(io)?;
        lines += 1;
    }
    out.flush().map_err(io)?;
    // Only now, with everything written, does the next run start later.
    changes.commit()?;
    Ok(lines)
}

fn main() -> Result<(), sfrest::Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stdout = std::io::stdout();
    match args.as_slice() {
        [flag] if flag == "--demo" => demo(&mut stdout.lock()),
        [watermark] => {
            let sf = Client::from_env()?;
            let n = sync(&sf, Path::new(watermark), &mut stdout.lock())?;
            log_done(n);
            Ok(())
        }
        [watermark, env_file] => {
            let sf = Client::from_env_file(env_file)?;
            let n = sync(&sf, Path::new(watermark), &mut stdout.lock())?;
            log_done(n);
            Ok(())
        }
        _ => {
            eprintln!("usage: sync_changes WATERMARK_FILE [ENV_FILE] | sync_changes --demo");
            std::process::exit(2);
        }
    }
}

fn log_done(n: usize) {
    eprintln!("sync_changes: {n} changes written");
}

/// Two runs against the bundled fake org: the first sends the changes made there a few
/// minutes ago, the second (nothing new) sends nothing.
fn demo(out: &mut dyn Write) -> Result<(), sfrest::Error> {
    let org = sfrest_fake_org::FakeOrg::start();
    let c = org.credentials();
    let sf = Client::builder()
        .login_url(org.login_url())
        .client_id(c.client_id)
        .client_secret(c.client_secret)
        .username(c.username)
        .password(c.password)
        .security_token(c.security_token)
        .build()?;
    let acct = sf.sobject("Account");
    let five_minutes_ago = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
        - 5 * 60_000;
    // Changes as a user would make them, dated five minutes back: Salesforce answers whole
    // minutes that are over, so changes of the current minute come in the next run.
    for (name, industry) in [("Acme", "Energy"), ("Globex", "Retail")] {
        let id = acct.create(&json!({"Name": name, "Industry": industry}))?;
        org.backdate("Account", &id, five_minutes_ago);
    }
    let gone = acct.create(&json!({"Name": "Initech"}))?;
    acct.delete(&gone)?;
    org.backdate("Account", &gone, five_minutes_ago);

    let dir = std::env::temp_dir().join(format!("sfrest-sync-demo-{}", std::process::id()));
    let watermark = dir.join("account.watermark");
    let first = sync(&sf, &watermark, out)?;
    let second = sync(&sf, &watermark, out)?;
    eprintln!(
        "demo: first run {first} lines, second run {second} lines; watermark {}",
        std::fs::read_to_string(&watermark)
            .unwrap_or_default()
            .trim()
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
