//! The export scenario of the network benchmark (`bench/net.sh`): every Account to a CSV file,
//! `net_export rest|bulk OUT.csv [LIMIT]`: `rest` is `query_csv` (`query_iter`'s pages, the next
//! one fetched ahead), `bulk` is `bulk().query` (a Bulk API 2.0 query job, result pages four at
//! a time with `resultPages`). Prints `{"records":N,"secs":S}`; the login is not timed.

use std::io::BufWriter;
use std::time::Instant;

const FIELDS: &str = "Id, Name, Industry, BillingCity, AnnualRevenue, NumberOfEmployees";

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let path = std::env::args()
        .nth(2)
        .unwrap_or_else(|| "export.csv".into());
    let limit = sfrest_bench::arg_usize(3, 0);
    let soql = if limit > 0 {
        format!("SELECT {FIELDS} FROM Account LIMIT {limit}")
    } else {
        format!("SELECT {FIELDS} FROM Account")
    };
    let sf = sfrest_bench::client();
    let out = BufWriter::with_capacity(
        256 * 1024,
        std::fs::File::create(&path).unwrap_or_else(|e| sfrest_bench::fail(&e)),
    );
    let t = Instant::now();
    // What each improvement buys: BENCH_PREFETCH=0 reads REST pages only when reached,
    // BENCH_PARALLEL=1 reads Bulk result pages one after another.
    let prefetch = std::env::var("BENCH_PREFETCH").map_or(true, |v| v != "0");
    let parallel = sfrest_bench::env_usize("BENCH_PARALLEL", sfrest::DEFAULT_PARALLEL_DOWNLOADS);
    let n = match mode.as_str() {
        "rest" => sf.query_csv_with(&soql, &sfrest::QueryOptions::new().prefetch(prefetch), out),
        "bulk" => sf.bulk().parallel_downloads(parallel).query(&soql, out),
        other => sfrest_bench::fail(&format!("unknown mode {other:?}: rest or bulk")),
    }
    .unwrap_or_else(|e| sfrest_bench::fail(&e));
    println!("{{\"records\":{n},\"secs\":{:.3}}}", sfrest_bench::secs(t));
}
