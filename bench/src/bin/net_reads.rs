//! Scenario 2 of the network benchmark (`bench/net.sh`): N Accounts read by id.
//! `net_reads one|many N`: `one` is N `sobject("Account").get(id, &[])` calls one after another
//! (whole records, a round trip each, as simple-salesforce's `sf.Account.get`), `many` is
//! `get_many` with the six fields of scenario 3 (sObject Collections, up to 2,000 ids a call).
//! The ids come from one query first; the login and that query are not timed. Prints
//! `{"records":N,"secs":S}`.

use std::time::Instant;

const FIELDS: [&str; 6] = [
    "Id",
    "Name",
    "Industry",
    "BillingCity",
    "AnnualRevenue",
    "NumberOfEmployees",
];

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let n = sfrest_bench::arg_usize(2, 200);
    let sf = sfrest_bench::client();
    let page = sf
        .query(&format!("SELECT Id FROM Account ORDER BY Name LIMIT {n}"))
        .unwrap_or_else(|e| sfrest_bench::fail(&e));
    let ids: Vec<String> = page["records"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .filter_map(|r| r["Id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if ids.len() != n {
        sfrest_bench::fail(&format!("{} ids, not {n}", ids.len()));
    }
    let accounts = sf.sobject("Account");
    let t = Instant::now();
    let read = match mode.as_str() {
        "one" => {
            for id in &ids {
                let rec = accounts
                    .get(id, &[])
                    .unwrap_or_else(|e| sfrest_bench::fail(&e));
                std::hint::black_box(rec);
            }
            ids.len()
        }
        "many" => accounts
            .get_many(&ids, &FIELDS)
            .unwrap_or_else(|e| sfrest_bench::fail(&e))
            .into_iter()
            .flatten()
            .count(),
        other => sfrest_bench::fail(&format!("unknown mode {other:?}: one or many")),
    };
    let secs = sfrest_bench::secs(t);
    if read != n {
        sfrest_bench::fail(&format!("{read} records read, not {n}"));
    }
    println!("{{\"records\":{n},\"secs\":{secs:.3}}}");
}
