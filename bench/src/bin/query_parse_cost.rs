//! CPU per record of `query_iter`'s `Value` path: parses a 2,000-record query page (the six
//! fields of scenario 3, shaped as the fake org and Salesforce send them) the way `query_iter`
//! does, and drops the records, `ROUNDS` times. `query_parse_cost [RECORDS_PER_PAGE] [ROUNDS]`;
//! prints the CPU time per record (this thread's time on a CPU, from `/proc/self/schedstat`,
//! so a loaded machine does not inflate it) and the wall time. No network: run it under
//! `valgrind --tool=callgrind` for instruction counts.

use std::time::Instant;

fn main() {
    let per_page = sfrest_bench::arg_usize(1, 2000);
    let rounds = sfrest_bench::arg_usize(2, 200);
    let body = sfrest_bench::account_page::page(per_page);
    // Warm up once (allocator, caches).
    assert_eq!(sfrest::fuzzing::query_page(&body), Some(per_page));
    let t = Instant::now();
    let cpu = sfrest_bench::cpu_ns();
    for _ in 0..rounds {
        let n = sfrest::fuzzing::query_page(&body);
        assert_eq!(n, Some(per_page));
    }
    let records = (rounds * per_page) as f64;
    let cpu_ns = sfrest_bench::cpu_ns().saturating_sub(cpu) as f64 / records;
    let wall_ns = t.elapsed().as_nanos() as f64 / records;
    println!(
        "{{\"records_per_page\":{per_page},\"rounds\":{rounds},\"page_bytes\":{},\"cpu_ns_per_record\":{cpu_ns:.0},\"wall_ns_per_record\":{wall_ns:.0}}}",
        body.len()
    );
}
