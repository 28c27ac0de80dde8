//! Scenario 2, sfrest: N sequential GETs of one record over one session (keep-alive).
//! `s2_sfrest_get RECORD_ID [N=2000]`; prints `{"calls":N,"secs":S,"calls_per_sec":R}`, timing
//! the loop only (after the login and one warm-up call).

use std::time::Instant;

fn main() {
    let id = std::env::args()
        .nth(1)
        .unwrap_or_else(|| sfrest_bench::fail(&"usage: s2_sfrest_get RECORD_ID [N]"));
    let n = sfrest_bench::arg_usize(2, 2000);
    let sf = sfrest_bench::client();
    let path = format!("sobjects/Account/{id}");
    sf.get(&path, &[])
        .unwrap_or_else(|e| sfrest_bench::fail(&e));
    let t = Instant::now();
    for _ in 0..n {
        let rec = sf
            .get(&path, &[])
            .unwrap_or_else(|e| sfrest_bench::fail(&e));
        std::hint::black_box(rec);
    }
    let s = sfrest_bench::secs(t);
    println!(
        "{{\"calls\":{n},\"secs\":{s:.6},\"calls_per_sec\":{:.1}}}",
        n as f64 / s
    );
}
