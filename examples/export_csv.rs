//! Streams a SOQL query to CSV on stdout, columns in SELECT order (parent fields as
//! `Account.Name`), two pages in memory at most, against the org in `.env`:
//!
//! ```text
//! cargo run --example export_csv -- "SELECT Id, Name, Account.Name FROM Contact" > contacts.csv
//! ```

use std::io::BufWriter;
use std::process::ExitCode;

fn main() -> ExitCode {
    let soql = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    if soql.trim().is_empty() {
        eprintln!(
            "usage: cargo run --example export_csv -- \"SELECT Id, Name FROM Account\" > out.csv"
        );
        return ExitCode::from(2);
    }
    match run(&soql) {
        Ok(n) => {
            eprintln!("{n} records");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(soql: &str) -> Result<u64, sfrest::Error> {
    let sf = sfrest::Client::from_env()?;
    sf.query_csv(soql, BufWriter::new(std::io::stdout().lock()))
}
