//! A TCP proxy on loopback that makes a network out of it: every chunk is delivered half the
//! round-trip time after it was read, in each direction, and the first bytes of a connection a
//! full round trip later still (the TCP handshake a real connect pays before it can send), so
//! TCP and TLS handshakes pay their round trips too. Bandwidth is not limited: chunks in flight
//! overlap, as on a long fat pipe.
//!
//! ```text
//! latency_proxy --rtt-ms 50 --stats FILE LISTEN:TARGET [LISTEN:TARGET ...]
//! ```
//!
//! Listens on `127.0.0.1:LISTEN` and forwards to `127.0.0.1:TARGET` (loopback only, by design).
//! Writes `{"connections":N,"tls_handshakes":N,"bytes_up":N,"bytes_down":N}` to FILE whenever
//! it changes (a TLS handshake is a connection whose first byte is a TLS handshake record,
//! 0x16). Bounded: at most 256 connections at once (more are closed at once), at most 64 chunks
//! of 64 KiB in flight per direction. Runs until killed.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

const MAX_CONNECTIONS: usize = 256;
const CHUNK: usize = 64 * 1024;
const IN_FLIGHT: usize = 64;

#[derive(Default)]
struct Stats {
    connections: AtomicU64,
    tls_handshakes: AtomicU64,
    bytes_up: AtomicU64,
    bytes_down: AtomicU64,
    open: AtomicUsize,
    changed: AtomicU64,
}

impl Stats {
    fn json(&self) -> String {
        format!(
            "{{\"connections\":{},\"tls_handshakes\":{},\"bytes_up\":{},\"bytes_down\":{}}}",
            self.connections.load(Ordering::Relaxed),
            self.tls_handshakes.load(Ordering::Relaxed),
            self.bytes_up.load(Ordering::Relaxed),
            self.bytes_down.load(Ordering::Relaxed)
        )
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut rtt = Duration::from_millis(50);
    let mut stats_file: Option<String> = None;
    let mut maps: Vec<(u16, u16)> = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rtt-ms" => {
                let ms: u64 = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| sfrest_bench::fail(&"--rtt-ms needs a number"));
                rtt = Duration::from_millis(ms.min(10_000));
            }
            "--stats" => stats_file = args.next(),
            m => {
                let pair = m
                    .split_once(':')
                    .and_then(|(l, t)| Some((l.parse().ok()?, t.parse().ok()?)));
                match pair {
                    Some(p) => maps.push(p),
                    None => sfrest_bench::fail(&format!("bad LISTEN:TARGET {m}")),
                }
            }
        }
    }
    if maps.is_empty() {
        sfrest_bench::fail(&"usage: latency_proxy --rtt-ms 50 --stats FILE LISTEN:TARGET ...");
    }
    let stats = Arc::new(Stats::default());
    for (listen, target) in maps {
        let listener = TcpListener::bind(("127.0.0.1", listen))
            .unwrap_or_else(|e| sfrest_bench::fail(&format!("listen on {listen}: {e}")));
        let stats = stats.clone();
        thread::spawn(move || {
            accept_loop(
                listener,
                SocketAddr::from(([127, 0, 0, 1], target)),
                rtt,
                stats,
            )
        });
    }
    eprintln!("latency proxy: round trip {} ms", rtt.as_millis());
    let mut written = u64::MAX;
    loop {
        thread::sleep(Duration::from_millis(20));
        let now = stats.changed.load(Ordering::Relaxed);
        if now != written {
            written = now;
            if let Some(path) = &stats_file {
                let tmp = format!("{path}.tmp");
                if std::fs::write(&tmp, stats.json()).is_ok() {
                    let _ = std::fs::rename(&tmp, path);
                }
            }
        }
    }
}

fn accept_loop(listener: TcpListener, target: SocketAddr, rtt: Duration, stats: Arc<Stats>) {
    for client in listener.incoming().flatten() {
        if stats.open.load(Ordering::Relaxed) >= MAX_CONNECTIONS {
            continue; // dropped: closed at once
        }
        let Ok(server) = TcpStream::connect(target) else {
            continue;
        };
        stats.open.fetch_add(1, Ordering::Relaxed);
        stats.connections.fetch_add(1, Ordering::Relaxed);
        stats.changed.fetch_add(1, Ordering::Relaxed);
        let _ = client.set_nodelay(true);
        let _ = server.set_nodelay(true);
        let accepted = Instant::now();
        let (c2, s2) = match (client.try_clone(), server.try_clone()) {
            (Ok(c), Ok(s)) => (c, s),
            _ => continue,
        };
        let up_stats = stats.clone();
        let down_stats = stats.clone();
        let up = thread::spawn(move || pump(client, server, rtt, Some(accepted), &up_stats, true));
        let down = thread::spawn(move || pump(s2, c2, rtt, None, &down_stats, false));
        let stats = stats.clone();
        thread::spawn(move || {
            let _ = up.join();
            let _ = down.join();
            stats.open.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

/// Copies `from` to `to`, each chunk delivered `rtt / 2` after it was read; the first chunk of
/// an upstream (`connected` set) no earlier than a round trip and a half after the connection
/// was accepted (connect's own round trip, then the trip there).
fn pump(
    mut from: TcpStream,
    to: TcpStream,
    rtt: Duration,
    connected: Option<Instant>,
    stats: &Stats,
    upstream: bool,
) {
    let (tx, rx) = sync_channel::<(Instant, Vec<u8>)>(IN_FLIGHT);
    let writer = thread::spawn(move || deliver(rx, to));
    let mut first = true;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut due = Instant::now() + rtt / 2;
        if first {
            if let Some(t) = connected {
                due = due.max(t + rtt + rtt / 2);
            }
            if upstream && buf[0] == 0x16 {
                stats.tls_handshakes.fetch_add(1, Ordering::Relaxed);
            }
            first = false;
        }
        let counter = if upstream {
            &stats.bytes_up
        } else {
            &stats.bytes_down
        };
        counter.fetch_add(n as u64, Ordering::Relaxed);
        stats.changed.fetch_add(1, Ordering::Relaxed);
        if tx.send((due, buf[..n].to_vec())).is_err() {
            break;
        }
    }
    // The end of the stream travels too: an empty chunk.
    let _ = tx.send((Instant::now() + rtt / 2, Vec::new()));
    drop(tx);
    let _ = writer.join();
    let _ = from.shutdown(Shutdown::Read);
}

fn deliver(rx: Receiver<(Instant, Vec<u8>)>, mut to: TcpStream) {
    for (due, chunk) in rx {
        let now = Instant::now();
        if due > now {
            thread::sleep(due - now);
        }
        if chunk.is_empty() {
            break;
        }
        if to.write_all(&chunk).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}
