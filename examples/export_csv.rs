//! Streams a SOQL query to CSV on stdout, a page at a time (memory stays flat), against the org
//! in `.env`:
//!
//! ```text
//! cargo run --example export_csv -- "SELECT Id, Name, Account.Name FROM Contact" > contacts.csv
//! ```
//!
//! Columns follow the first record's fields; parent fields become `Account.Name`.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use serde_json::Value;

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

fn run(soql: &str) -> Result<u64, Box<dyn std::error::Error>> {
    let sf = sfrest::Client::from_env()?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut columns: Option<Vec<String>> = None;
    let mut n = 0;
    for rec in sf.query_iter(soql)? {
        let mut flat = Vec::new();
        flatten("", &rec?, &mut flat);
        let cols = columns.get_or_insert_with(|| flat.iter().map(|(k, _)| k.clone()).collect());
        if n == 0 {
            write_row(&mut out, cols.iter().map(String::as_str))?;
        }
        let row = cols.iter().map(|c| {
            flat.iter()
                .find(|(k, _)| k == c)
                .map(|(_, v)| v.as_str())
                .unwrap_or("")
        });
        write_row(&mut out, row)?;
        n += 1;
    }
    out.flush()?;
    Ok(n)
}

/// Record fields as `(column, text)`, parents flattened to `Parent.Field`, `attributes` dropped.
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    let Value::Object(map) = value else { return };
    for (k, v) in map.iter().filter(|(k, _)| *k != "attributes") {
        let name = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            Value::Object(inner) if inner.contains_key("attributes") => flatten(&name, v, out),
            Value::Null => out.push((name, String::new())),
            Value::String(s) => out.push((name, s.clone())),
            other => out.push((name, other.to_string())),
        }
    }
}

fn write_row<'a>(
    out: &mut impl Write,
    fields: impl Iterator<Item = &'a str>,
) -> std::io::Result<()> {
    for (i, f) in fields.enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        if f.contains([',', '"', '\n', '\r']) {
            write!(out, "\"{}\"", f.replace('"', "\"\""))?;
        } else {
            out.write_all(f.as_bytes())?;
        }
    }
    out.write_all(b"\n")
}
