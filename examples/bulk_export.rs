//! Exports a SOQL query to a CSV file with Bulk API 2.0 (server-side, streamed page by page),
//! against the org in `.env`:
//!
//! ```text
//! cargo run --example bulk_export -- accounts.csv "SELECT Id, Name, Industry FROM Account"
//! ```

use std::fs::File;
use std::io::BufWriter;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(path), Some(soql)) = (args.first(), args.get(1)) else {
        eprintln!(
            "usage: cargo run --example bulk_export -- OUT.csv \"SELECT Id, Name FROM Account\""
        );
        return ExitCode::from(2);
    };
    let result = File::create(path)
        .map_err(|e| Box::new(e) as Box<dyn std::error::Error>)
        .and_then(|f| {
            let sf = sfrest::Client::from_env()?;
            Ok(sf.bulk().query(soql, BufWriter::new(f))?)
        });
    match result {
        Ok(n) => {
            eprintln!("{n} records written to {path}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
