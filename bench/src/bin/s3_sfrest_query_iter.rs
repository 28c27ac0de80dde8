//! Scenario 3, sfrest: every record of a query through `query_iter` (one page in memory at a
//! time). `s3_sfrest_query_iter [LIMIT]` (0 or absent: every Account). Peak RSS is measured
//! from outside (`/usr/bin/time -v`); prints `{"records":N,"secs":S}`.

use std::time::Instant;

const FIELDS: &str = "Id, Name, Industry, BillingCity, AnnualRevenue, NumberOfEmployees";

fn main() {
    let limit = sfrest_bench::arg_usize(1, 0);
    let soql = if limit > 0 {
        format!("SELECT {FIELDS} FROM Account LIMIT {limit}")
    } else {
        format!("SELECT {FIELDS} FROM Account")
    };
    let sf = sfrest_bench::client();
    let t = Instant::now();
    let mut n = 0u64;
    let mut name_bytes = 0usize;
    for rec in sf
        .query_iter(&soql)
        .unwrap_or_else(|e| sfrest_bench::fail(&e))
    {
        let rec = rec.unwrap_or_else(|e| sfrest_bench::fail(&e));
        name_bytes += rec["Name"].as_str().map_or(0, str::len);
        n += 1;
    }
    println!(
        "{{\"records\":{n},\"secs\":{:.3},\"name_bytes\":{name_bytes}}}",
        sfrest_bench::secs(t)
    );
}
