//! The `sync_changes` example, run as a cron job would run it (twice), against the fake org.

mod common;

#[path = "../examples/sync_changes.rs"]
#[allow(dead_code)]
mod sync_changes;

use common::clock::now_ms;
use serde_json::{json, Value};

fn lines(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect()
}

#[test]
fn the_job_writes_changes_as_json_lines_and_commits_only_after_writing() {
    let (org, sf) = common::org_and_client();
    let acct = sf.sobject("Account");
    let dir = std::env::temp_dir().join(format!("sfrest-sync-example-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let watermark = dir.join("account.watermark");
    let earlier = now_ms() - 10 * 60_000;
    let kept = acct
        .create(&json!({"Name": "Kept", "Industry": "Energy"}))
        .unwrap();
    org.backdate("Account", &kept, earlier);
    let gone = acct.create(&json!({"Name": "Gone"})).unwrap();
    acct.delete(&gone).unwrap();
    org.backdate("Account", &gone, earlier);

    // A run whose output breaks part way commits nothing.
    struct Broken;
    impl std::io::Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "closed",
            ))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let err = sync_changes::sync(&sf, &watermark, &mut Broken).unwrap_err();
    assert!(err.to_string().contains("stdout"), "{err}");
    assert!(!watermark.exists());

    let mut out = Vec::new();
    let n = sync_changes::sync(&sf, &watermark, &mut out).unwrap();
    let first = lines(&out);
    assert_eq!(n, first.len());
    let rec = &first.iter().find(|l| l["id"] == kept.as_str()).unwrap()["record"];
    assert_eq!(rec["Name"], "Kept");
    assert_eq!(rec["Industry"], "Energy");
    assert!(rec.get("attributes").is_none());
    let del = first.iter().find(|l| l["op"] == "delete").unwrap();
    assert_eq!(del["id"], gone.as_str());
    assert!(watermark.exists());

    // The next run starts where this one ended: the same changes are not sent again.
    let mut out = Vec::new();
    sync_changes::sync(&sf, &watermark, &mut out).unwrap();
    let second = lines(&out);
    assert!(second
        .iter()
        .all(|l| l["id"] != kept.as_str() && l["id"] != gone.as_str()));
}
