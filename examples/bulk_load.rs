//! Loads a CSV file into an sObject with Bulk API 2.0, against the org in `.env`, showing
//! progress, then writes the failed rows next to the input:
//!
//! ```text
//! cargo run --example bulk_load -- Account accounts.csv            # insert
//! cargo run --example bulk_load -- Account accounts.csv Ext_Id__c  # upsert on an external id
//! ```

use std::fs::File;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(object), Some(path)) = (args.first(), args.get(1)) else {
        eprintln!("usage: cargo run --example bulk_load -- OBJECT FILE.csv [EXTERNAL_ID_FIELD]");
        return ExitCode::from(2);
    };
    match run(object, path, args.get(2).map(String::as_str)) {
        Ok(0) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(object: &str, path: &str, ext_id: Option<&str>) -> Result<u64, Box<dyn std::error::Error>> {
    let sf = sfrest::Client::from_env()?;
    let bulk = sf.bulk();
    let input = File::open(path)?;
    let job = match ext_id {
        Some(field) => bulk.upsert(object, field, input)?,
        None => bulk.insert(object, input)?,
    };
    eprintln!(
        "job(s) {} running; re-attach with the id if interrupted",
        job.ids().join(", ")
    );
    let job = job.wait_with(|j| {
        eprint!(
            "\r{} records processed, {} failed   ",
            j.number_records_processed(),
            j.number_records_failed()
        );
    })?;
    eprintln!();
    let failed = job.number_records_failed();
    if failed > 0 {
        let out = format!("{path}.failed.csv");
        job.failed_results(File::create(&out)?)?;
        eprintln!("{failed} records failed: see {out}");
    }
    Ok(failed)
}
