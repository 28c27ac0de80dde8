//! Shared bits of the benchmark binaries (see `bench/run.sh`).
//!
//! Every binary logs in from the `SF_*` environment variables (or a `.env`) through sfrest's
//! public API, does one scenario, and prints one JSON line of measurements on stdout.

use std::time::Instant;

pub mod account_page;

/// Logs in from the environment (`SF_*` variables, or the nearest `.env`), or exits with the
/// error.
pub fn client() -> sfrest::Client {
    match sfrest::Client::from_env() {
        Ok(c) => c,
        Err(e) => fail(&e),
    }
}

/// Prints the error and exits with status 1.
pub fn fail(e: &dyn std::fmt::Display) -> ! {
    eprintln!("error: {e}");
    std::process::exit(1)
}

/// The `i`-th command-line argument parsed as a number, or `default`.
pub fn arg_usize(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .map(|a| {
            a.parse()
                .unwrap_or_else(|_| fail(&format!("bad argument {a}")))
        })
        .unwrap_or(default)
}

/// Seconds since `t`.
pub fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// Nanoseconds this process's main thread has run on a CPU (Linux `/proc/self/schedstat`;
/// 0 elsewhere): unlike wall time, not inflated by other work on a loaded machine.
pub fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// The environment variable `name` as a number, or `default`.
pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
