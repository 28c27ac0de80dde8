//! Load: 8 threads share one `Client` and make 10,000 calls against the fake org; every call
//! succeeds, every response is the right one, and the run finishes (no deadlock). Prints the
//! throughput; `cargo test --release --test load -- --nocapture` gives the BENCHMARKS.md number.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use common::org_and_client;

const THREADS: usize = 8;
const CALLS: usize = 10_000;

#[test]
fn eight_threads_share_one_client_for_ten_thousand_calls() {
    let (org, sf) = org_and_client();
    org.set_record_requests(false);
    let page = sf.query("SELECT Id, Name FROM Account").unwrap();
    let accounts: Arc<Vec<(String, String)>> = Arc::new(
        page["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["Id"].as_str().unwrap().to_string(),
                    r["Name"].as_str().unwrap().to_string(),
                )
            })
            .collect(),
    );
    assert!(accounts.len() >= 10);
    let answered = Arc::new(AtomicUsize::new(0));
    let (done_tx, done_rx) = mpsc::channel();
    let started = Instant::now();
    for t in 0..THREADS {
        let (sf, accounts, answered, done) = (
            sf.clone(),
            accounts.clone(),
            answered.clone(),
            done_tx.clone(),
        );
        std::thread::spawn(move || {
            let mut errors = Vec::new();
            for i in 0..CALLS / THREADS {
                let (id, name) = &accounts[(t * 7 + i) % accounts.len()];
                match sf.get(&format!("sobjects/Account/{id}"), &[("fields", "Id,Name")]) {
                    Ok(rec) if rec["Id"] == id.as_str() && rec["Name"] == name.as_str() => {
                        answered.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(rec) => errors.push(format!("{id}: wrong record {rec}")),
                    Err(e) => errors.push(format!("{id}: {e}")),
                }
            }
            let _ = done.send(errors);
        });
    }
    drop(done_tx);
    let mut errors = Vec::new();
    for _ in 0..THREADS {
        // A generous bound: a deadlock fails the test instead of hanging it.
        match done_rx.recv_timeout(Duration::from_secs(300)) {
            Ok(e) => errors.extend(e),
            Err(e) => panic!("a thread did not finish: {e}"),
        }
    }
    let took = started.elapsed();
    assert!(
        errors.is_empty(),
        "{} errors, first: {:?}",
        errors.len(),
        errors.first()
    );
    assert_eq!(answered.load(Ordering::Relaxed), CALLS);
    assert_eq!(org.login_count(), 1);
    println!(
        "load: {CALLS} calls from {THREADS} threads sharing one Client in {:.2} s: {:.0} calls/s",
        took.as_secs_f64(),
        CALLS as f64 / took.as_secs_f64()
    );
}
