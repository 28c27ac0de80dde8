//! A job of your own, and its test against the fake org: a bank's payments file (CSV lines of
//! `invoice number,amount`) marks the matching open invoices of the custom object `Invoice__c`
//! paid. The test loads the org's schema (`examples/schema/Invoice__c.json`, the describe saved
//! from the org), a few invoices, runs the job's own function, and checks what the org holds.
//!
//! ```text
//! # against the org in .env:
//! cargo run --example invoice_payments -- payments.csv
//!
//! # its test, against the fake org (no org, no network):
//! cargo test --example invoice_payments
//! ```

use serde_json::json;
use sfrest::{soql, Client};

/// What a run did.
#[derive(Debug, Default, PartialEq)]
pub struct Outcome {
    /// Invoices marked paid.
    pub paid: usize,
    /// Lines that matched no open invoice, or whose amount differs: left for a human.
    pub unmatched: Vec<String>,
}

/// Marks the open invoice of each `number,amount` line paid when the amount matches.
pub fn apply_payments(sf: &Client, csv: &str) -> Result<Outcome, sfrest::Error> {
    let mut out = Outcome::default();
    for line in csv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let (number, amount) = line.split_once(',').unwrap_or((line, ""));
        let amount: Option<f64> = amount.trim().parse().ok();
        let q = format!(
            "SELECT Id, Amount__c FROM Invoice__c WHERE Invoice_Number__c = {} AND Status__c != 'Paid'",
            soql::quote(number.trim())
        );
        let open = sf.query_all(&q)?;
        match open.first() {
            Some(inv) if amount.is_some() && inv["Amount__c"].as_f64() == amount => {
                let id = inv["Id"].as_str().unwrap_or_default();
                sf.sobject("Invoice__c")
                    .update(id, &json!({"Status__c": "Paid", "Paid__c": true}))?;
                out.paid += 1;
            }
            _ => out.unmatched.push(line.to_owned()),
        }
    }
    Ok(out)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: invoice_payments PAYMENTS.csv");
        std::process::exit(2);
    };
    let csv = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    let sf = Client::from_env()?;
    let out = apply_payments(&sf, &csv)?;
    println!("{} invoices marked paid", out.paid);
    for line in &out.unmatched {
        eprintln!("no open invoice of that amount for: {line}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sfrest_fake_org::FakeOrg;

    const SCHEMA: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/schema/Invoice__c.json"
    );

    #[test]
    fn payments_mark_matching_open_invoices_paid() -> Result<(), Box<dyn std::error::Error>> {
        let org = FakeOrg::builder()
            .describe_file(SCHEMA)?
            .records(
                "Invoice__c",
                &json!([
                    {"Name": "INV-1", "Invoice_Number__c": "2026-0001", "Amount__c": 1200.5, "Status__c": "Sent"},
                    {"Name": "INV-2", "Invoice_Number__c": "2026-0002", "Amount__c": 80, "Status__c": "Sent"},
                    {"Name": "INV-3", "Invoice_Number__c": "2026-0003", "Amount__c": 15, "Status__c": "Paid", "Paid__c": true},
                ]),
            )?
            .without_sample_data()
            .start();
        let c = org.credentials();
        let sf = Client::builder()
            .login_url(org.login_url())
            .client_id(c.client_id)
            .client_secret(c.client_secret)
            .username(c.username)
            .password(c.password)
            .security_token(c.security_token)
            .build()?;

        let csv = "number,amount\n2026-0001,1200.50\n2026-0002,79.00\n2026-0003,15\n2026-0099,5\n";
        let out = apply_payments(&sf, csv)?;

        assert_eq!(out.paid, 1);
        assert_eq!(
            out.unmatched,
            ["2026-0002,79.00", "2026-0003,15", "2026-0099,5"]
        );
        let status: Vec<(String, String, bool)> = org
            .records_of("Invoice__c")
            .iter()
            .map(|r| {
                let s = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
                (s("Name"), s("Status__c"), r["Paid__c"] == true)
            })
            .collect();
        assert_eq!(
            status,
            [
                ("INV-1".into(), "Paid".into(), true),
                ("INV-2".into(), "Sent".into(), false),
                ("INV-3".into(), "Paid".into(), true),
            ]
        );
        Ok(())
    }
}
