//! Runs a SOQL query against the org in `.env` and prints the first page as JSON:
//!
//! ```text
//! cargo run --example query -- "SELECT Id, Name FROM Account LIMIT 5"
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    let soql = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    if soql.trim().is_empty() {
        eprintln!("usage: cargo run --example query -- \"SELECT Id, Name FROM Account LIMIT 5\"");
        return ExitCode::from(2);
    }
    let result = sfrest::Client::from_env().and_then(|sf| sf.query(&soql));
    match result {
        Ok(page) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&page).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
