//! Scenario 4, sfrest: create N Accounts with `create_many` (sObject Collections, 200 a call),
//! C calls at once (`SObject::concurrency`). `s4_sfrest_create_many [N=10000] [C=1]`; prints `{"records":N,"failed":F,"secs":S}`. The API calls
//! are counted at the fake org (`/__fake/stats`).

use std::time::Instant;

use serde_json::json;

fn main() {
    let n = sfrest_bench::arg_usize(1, 10_000);
    let at_once = sfrest_bench::arg_usize(2, 1);
    let sf = sfrest_bench::client();
    let records: Vec<_> = (0..n)
        .map(|i| json!({"Name": format!("Bench {i:06}"), "Industry": "Energy", "BillingCity": "Lyon"}))
        .collect();
    let t = Instant::now();
    let results = sf
        .sobject("Account")
        .concurrency(at_once)
        .create_many(&records)
        .unwrap_or_else(|e| sfrest_bench::fail(&e));
    let failed = results.iter().filter(|r| !r.success).count();
    println!(
        "{{\"records\":{},\"failed\":{failed},\"secs\":{:.3}}}",
        results.len(),
        sfrest_bench::secs(t)
    );
}
