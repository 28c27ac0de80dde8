//! File transfer memory: uploads a generated file of N bytes as a ContentVersion
//! (`create_with_blob`, multipart, streamed from a reader that makes the bytes on the fly: never
//! on disk, never whole in memory), or downloads one (`SObject::download` into a writer that
//! only counts), and reports the client's time; run under `/usr/bin/time -v` for its peak RSS,
//! which should not grow with N.
//!
//! ```text
//! blob_rss upload BYTES        # prints {"id":"068...","bytes":N,"seconds":S}
//! blob_rss download ID         # prints {"bytes":N,"seconds":S}
//! ```

use std::io::{Read, Write};
use std::time::Instant;

/// `len` bytes of a repeating, not-all-alike pattern, made as they are read.
struct Generated {
    left: u64,
    at: u64,
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (buf.len() as u64).min(self.left) as usize;
        for b in &mut buf[..n] {
            *b = (self.at % 251) as u8 ^ (self.at >> 12) as u8;
            self.at += 1;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Counts what it is given and keeps none of it.
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let sf = sfrest_bench::client();
    let files = sf.sobject("ContentVersion");
    let started = Instant::now();
    match mode.as_str() {
        "upload" => {
            let bytes = sfrest_bench::arg_usize(2, 1 << 30) as u64;
            let id = files
                .create_with_blob(
                    &serde_json::json!({"Title": "blob_rss", "PathOnClient": "blob_rss.bin"}),
                    "VersionData",
                    "blob_rss.bin",
                    Generated { left: bytes, at: 0 },
                )
                .unwrap_or_else(|e| sfrest_bench::fail(&e));
            println!(
                "{{\"id\":\"{id}\",\"bytes\":{bytes},\"seconds\":{:.3}}}",
                sfrest_bench::secs(started)
            );
        }
        "download" => {
            let id = std::env::args()
                .nth(2)
                .unwrap_or_else(|| sfrest_bench::fail(&"download needs a ContentVersion id"));
            let mut out = Counter(0);
            let n = files
                .download(&id, "VersionData", &mut out)
                .unwrap_or_else(|e| sfrest_bench::fail(&e));
            assert_eq!(n, out.0);
            println!(
                "{{\"bytes\":{n},\"seconds\":{:.3}}}",
                sfrest_bench::secs(started)
            );
        }
        _ => sfrest_bench::fail(&"usage: blob_rss upload BYTES | blob_rss download ID"),
    }
}
