//! Uploads a file as a Salesforce File (a ContentVersion, multipart, streamed from disk: up to
//! 2 GB without holding it in memory), optionally shared with a record, and prints the new
//! version's and document's ids:
//!
//! ```text
//! cargo run --example upload_file -- q3.pdf [RECORD_ID]
//! cargo run --example upload_file -- --demo         # against the bundled fake org
//! ```

use std::fs::File;
use std::path::Path;
use std::process::ExitCode;

use serde_json::json;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [flag] if flag == "--demo" => demo(),
        [path] => sfrest::Client::from_env()
            .map_err(Into::into)
            .and_then(|sf| upload(&sf, Path::new(path), None)),
        [path, record] => sfrest::Client::from_env()
            .map_err(Into::into)
            .and_then(|sf| upload(&sf, Path::new(path), Some(record))),
        _ => {
            eprintln!("usage: upload_file PATH [RECORD_ID] | upload_file --demo");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn upload(sf: &sfrest::Client, path: &Path, record: Option<&str>) -> Result<()> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or("the path has no file name")?;
    let title = path.file_stem().and_then(|n| n.to_str()).unwrap_or(name);
    let mut fields = json!({"Title": title, "PathOnClient": name});
    if let Some(record) = record {
        fields["FirstPublishLocationId"] = json!(record);
    }
    let files = sf.sobject("ContentVersion");
    let id = files.create_with_blob(&fields, "VersionData", name, File::open(path)?)?;
    let version = files.get(&id, &["ContentDocumentId", "ContentSize"])?;
    println!(
        "ContentVersion {id} of ContentDocument {} ({} bytes)",
        version["ContentDocumentId"].as_str().unwrap_or("?"),
        version["ContentSize"]
    );
    Ok(())
}

/// Uploads a generated file to the fake org, shared with a new account.
fn demo() -> Result<()> {
    let org = sfrest_fake_org::FakeOrg::start();
    let c = org.credentials();
    let sf = sfrest::Client::builder()
        .login_url(org.login_url())
        .client_id(c.client_id)
        .client_secret(c.client_secret)
        .username(c.username)
        .password(c.password)
        .security_token(c.security_token)
        .build()?;
    let account = sf
        .sobject("Account")
        .create(&json!({"Name": "Upload Demo"}))?;
    let path = std::env::temp_dir().join(format!("sfrest-upload-demo-{}.txt", std::process::id()));
    std::fs::write(&path, "hello from sfrest\n".repeat(10_000))?;
    upload(&sf, &path, Some(&account))?;
    std::fs::remove_file(&path)?;
    Ok(())
}
