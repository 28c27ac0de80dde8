//! Reads record ids on stdin (one per line) and sets one field on all of them, 200 records per
//! API call (sObject Collections), against the org in `.env`:
//!
//! ```text
//! cargo run --example bulk_update -- Account Industry=Energy < account-ids.txt
//! ```
//!
//! Prints a line per failed record and a summary; exits non-zero if any record failed.

use std::io::BufRead;
use std::process::ExitCode;

use serde_json::json;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(object), Some((field, value))) =
        (args.first(), args.get(1).and_then(|a| a.split_once('=')))
    else {
        eprintln!("usage: cargo run --example bulk_update -- Account Industry=Energy < ids.txt");
        return ExitCode::from(2);
    };
    match run(object, field, value) {
        Ok(0) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(object: &str, field: &str, value: &str) -> Result<usize, Box<dyn std::error::Error>> {
    let ids: Vec<String> = std::io::stdin()
        .lock()
        .lines()
        .map(|l| l.map(|l| l.trim().to_string()))
        .filter(|l| l.as_ref().map_or(true, |l| !l.is_empty()))
        .collect::<Result<_, _>>()?;
    let records: Vec<_> = ids
        .iter()
        .map(|id| json!({"Id": id, field: value}))
        .collect();
    let sf = sfrest::Client::from_env()?;
    let results = sf.sobject(object).update_many(&records)?;
    let mut failed = 0;
    for (id, r) in ids.iter().zip(&results) {
        if !r.success {
            failed += 1;
            let why: Vec<String> = r.errors.iter().map(|e| e.to_string()).collect();
            println!("{id}: {}", why.join("; "));
        }
    }
    eprintln!(
        "updated {} of {} records in {} API calls",
        ids.len() - failed,
        ids.len(),
        ids.len().div_ceil(sfrest::COLLECTION_SIZE)
    );
    Ok(failed)
}
