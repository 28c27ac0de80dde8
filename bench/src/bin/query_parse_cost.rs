//! CPU per record of `query_iter`'s `Value` path: parses a 2,000-record query page (the six
//! fields of scenario 3, shaped as the fake org and Salesforce send them) the way `query_iter`
//! does, and drops the records, `ROUNDS` times. `query_parse_cost [RECORDS_PER_PAGE] [ROUNDS]`;
//! prints the CPU time per record (this thread's time on a CPU, from `/proc/self/schedstat`,
//! so a loaded machine does not inflate it) and the wall time. No network: run it under
//! `valgrind --tool=callgrind` for instruction counts.

use std::time::Instant;

fn page(n: usize) -> Vec<u8> {
    let mut s = String::with_capacity(n * 330);
    s.push_str(&format!(
        "{{\"totalSize\":{n},\"done\":false,\"nextRecordsUrl\":\"/services/data/v66.0/query/01gxx0000004C92AAE-2000\",\"records\":["
    ));
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        let id = format!("001RO{:013}", 3_000_000 + i);
        s.push_str(&format!(
            "{{\"attributes\":{{\"type\":\"Account\",\"url\":\"/services/data/v66.0/sobjects/Account/{id}\"}},\
             \"Id\":\"{id}\",\"Name\":\"Account {i:06}\",\"Industry\":\"Energy\",\"BillingCity\":\"San Francisco\",\
             \"AnnualRevenue\":{}.0,\"NumberOfEmployees\":{}}}",
            1000 + i * 7,
            i % 5000
        ));
    }
    s.push_str("]}");
    s.into_bytes()
}

fn main() {
    let per_page = sfrest_bench::arg_usize(1, 2000);
    let rounds = sfrest_bench::arg_usize(2, 200);
    let body = page(per_page);
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
