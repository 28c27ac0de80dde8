//! `preserve-order-baseline [RECORDS_PER_PAGE] [ROUNDS]`: the page of `query_parse_cost` (the
//! same file makes it), parsed as `query_iter` did before issue 15: the whole page into one
//! `serde_json::Value` with `preserve_order` (IndexMap), then its records dropped one by one.
//! Prints the CPU time per record (this thread's, from `/proc/self/schedstat`) and the wall time.

use serde_json::Value;

#[path = "../../src/account_page.rs"]
mod account_page;

fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// The records of the page, each dropped when reached; `None` for a broken page.
fn parse_page(body: &[u8]) -> Option<usize> {
    let Ok(Value::Object(mut page)) = serde_json::from_slice::<Value>(body) else {
        return None;
    };
    let Some(Value::Array(records)) = page.remove("records") else {
        return None;
    };
    let mut n = 0;
    for record in records {
        std::hint::black_box(&record);
        n += 1;
    }
    Some(n)
}

fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let per_page = arg(1, 2000);
    let rounds = arg(2, 200);
    let body = account_page::page(per_page);
    assert_eq!(parse_page(&body), Some(per_page));
    let t = std::time::Instant::now();
    let cpu = cpu_ns();
    for _ in 0..rounds {
        assert_eq!(parse_page(&body), Some(per_page));
    }
    let records = (rounds * per_page) as f64;
    let cpu_ns = cpu_ns().saturating_sub(cpu) as f64 / records;
    let wall_ns = t.elapsed().as_nanos() as f64 / records;
    println!(
        "{{\"records_per_page\":{per_page},\"rounds\":{rounds},\"page_bytes\":{},\"cpu_ns_per_record\":{cpu_ns:.0},\"wall_ns_per_record\":{wall_ns:.0}}}",
        body.len()
    );
}
