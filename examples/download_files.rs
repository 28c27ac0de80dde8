//! Downloads every file attached to the records a query matches (Salesforce Files, through
//! ContentDocumentLink, and classic Attachments) into a folder, one sub-folder per record, each
//! file streamed to disk (never held in memory, whatever its size):
//!
//! ```text
//! cargo run --example download_files -- OUT_DIR "SELECT Id FROM Account WHERE Industry = 'Energy'"
//! cargo run --example download_files -- --demo      # against the bundled fake org
//! ```

use std::collections::HashSet;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [flag] if flag == "--demo" => demo(),
        [dir, soql] => sfrest::Client::from_env()
            .map_err(Into::into)
            .and_then(|sf| download_all(&sf, soql, Path::new(dir))),
        _ => {
            eprintln!("usage: download_files OUT_DIR \"SELECT Id FROM Account ...\" | download_files --demo");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok((files, bytes)) => {
            eprintln!("{files} files, {bytes} bytes");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Every file of every record `soql` matches (its first column must be the record Id) into
/// `dir/RECORD_ID/`. Returns the number of files and bytes written.
fn download_all(sf: &sfrest::Client, soql: &str, dir: &Path) -> Result<(usize, u64)> {
    let ids: Vec<String> = sf
        .query_iter(soql)?
        .map(|rec| rec.map(|r| r["Id"].as_str().unwrap_or_default().to_string()))
        .collect::<sfrest::Result<_>>()?;
    let (mut files, mut bytes) = (0, 0);
    // Names given in this run: two files of one record may share a title.
    let mut taken = HashSet::new();
    // Salesforce wants ContentDocumentLink filtered by LinkedEntityId; 100 ids keep the URL short.
    for chunk in ids.chunks(100) {
        let list = chunk
            .iter()
            .map(|id| sfrest::soql::quote(id))
            .collect::<Vec<_>>()
            .join(",");
        let links = sf.query_all(&format!(
            "SELECT LinkedEntityId, ContentDocument.LatestPublishedVersionId, ContentDocument.Title, \
             ContentDocument.FileExtension FROM ContentDocumentLink WHERE LinkedEntityId IN ({list})"
        ))?;
        for link in &links {
            let doc = &link["ContentDocument"];
            let (Some(version), Some(record)) = (
                doc["LatestPublishedVersionId"].as_str(),
                link["LinkedEntityId"].as_str(),
            ) else {
                continue;
            };
            let mut name = doc["Title"].as_str().unwrap_or(version).to_string();
            if let Some(ext) = doc["FileExtension"].as_str().filter(|e| !e.is_empty()) {
                name = format!("{name}.{ext}");
            }
            let path = target(dir, record, &name, version, &mut taken)?;
            bytes += save(&path, |out| {
                sf.sobject("ContentVersion")
                    .download(version, "VersionData", out)
            })?;
            files += 1;
            eprintln!("{}", path.display());
        }
        let attachments = sf.query_all(&format!(
            "SELECT Id, Name, ParentId FROM Attachment WHERE ParentId IN ({list})"
        ))?;
        for a in &attachments {
            let (Some(id), Some(record)) = (a["Id"].as_str(), a["ParentId"].as_str()) else {
                continue;
            };
            let path = target(
                dir,
                record,
                a["Name"].as_str().unwrap_or(id),
                id,
                &mut taken,
            )?;
            bytes += save(&path, |out| {
                sf.sobject("Attachment").download(id, "Body", out)
            })?;
            files += 1;
            eprintln!("{}", path.display());
        }
    }
    Ok((files, bytes))
}

/// `dir/record/name`, the folder made, the name kept to one path segment; a name already given
/// in this run gets the file's id before its extension (`report-069....pdf`), so that no file
/// overwrites another.
fn target(
    dir: &Path,
    record: &str,
    name: &str,
    id: &str,
    taken: &mut HashSet<PathBuf>,
) -> Result<PathBuf> {
    let folder = dir.join(record);
    std::fs::create_dir_all(&folder)?;
    let safe: String = name
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | '\0') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let safe = if safe.trim_matches('.').is_empty() {
        "file".to_string()
    } else {
        safe
    };
    let mut path = folder.join(&safe);
    if taken.contains(&path) {
        path = folder.join(match safe.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() => format!("{stem}-{id}.{ext}"),
            _ => format!("{safe}-{id}"),
        });
    }
    taken.insert(path.clone());
    Ok(path)
}

/// Writes a download to `path` through a `.part` file renamed when it is complete and on disk,
/// so that a failed download leaves no file that looks whole.
fn save(
    path: &Path,
    download: impl FnOnce(&mut BufWriter<File>) -> sfrest::Result<u64>,
) -> Result<u64> {
    let mut part = path.as_os_str().to_owned();
    part.push(".part");
    let part = PathBuf::from(part);
    let mut out = BufWriter::new(File::create(&part)?);
    let written = match download(&mut out) {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_file(&part);
            return Err(e.into());
        }
    };
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(&part, path)?;
    Ok(written)
}

/// Two accounts with a file and an attachment each in the fake org, downloaded to a
/// temporary folder.
fn demo() -> Result<(usize, u64)> {
    use serde_json::json;
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
    for name in ["Solar Ltd", "Wind plc"] {
        let account = sf
            .sobject("Account")
            .create(&json!({"Name": name, "Industry": "Energy"}))?;
        let report = format!("{name}: quarterly report\n").repeat(1000);
        sf.sobject("ContentVersion").create_with_blob(
            &json!({"Title": "Q3 report", "PathOnClient": "q3.txt", "FirstPublishLocationId": account}),
            "VersionData",
            "q3.txt",
            report.as_bytes(),
        )?;
        sf.sobject("Attachment").create_with_blob(
            &json!({"ParentId": account, "Name": "contract.txt"}),
            "Body",
            "contract.txt",
            &b"signed"[..],
        )?;
        // A second file of the same name: saved beside the first, its id in its name.
        sf.sobject("Attachment").create_with_blob(
            &json!({"ParentId": account, "Name": "contract.txt"}),
            "Body",
            "contract.txt",
            &b"signed again"[..],
        )?;
    }
    let dir = std::env::temp_dir().join(format!("sfrest-files-demo-{}", std::process::id()));
    let done = download_all(
        &sf,
        "SELECT Id FROM Account WHERE Industry = 'Energy'",
        &dir,
    )?;
    eprintln!("demo: files in {}", dir.display());
    Ok(done)
}
