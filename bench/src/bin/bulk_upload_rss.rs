//! Bulk API 2.0 upload memory: streams a generated CSV of N rows (never on disk, never whole in
//! memory) into `bulk.insert` and reports the client's time; run under `/usr/bin/time -v` for
//! its peak RSS, which should not grow with N.
//!
//! ```text
//! bulk_upload_rss ROWS [MAX_UPLOAD_BYTES]
//! ```

use std::io::Read;
use std::time::Instant;

/// `Name,Description` rows made on the fly.
struct GeneratedCsv {
    rows: usize,
    next: usize,
    line: Vec<u8>,
    pos: usize,
}

impl Read for GeneratedCsv {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.line.len() {
            self.line.clear();
            self.pos = 0;
            if self.next == 0 {
                self.line.extend_from_slice(b"Name,BillingCity\n");
            } else if self.next > self.rows {
                return Ok(0);
            } else {
                let n = self.next;
                self.line.extend_from_slice(
                    format!("Upload {n:09},\"City {n}, with a comma\"\n").as_bytes(),
                );
            }
            self.next += 1;
        }
        let n = (self.line.len() - self.pos).min(buf.len());
        buf[..n].copy_from_slice(&self.line[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn main() {
    let rows = sfrest_bench::arg_usize(1, 1_000_000);
    let max = sfrest_bench::arg_usize(2, sfrest::DEFAULT_MAX_UPLOAD_BYTES);
    let sf = sfrest_bench::client();
    let started = Instant::now();
    let csv = GeneratedCsv {
        rows,
        next: 0,
        line: Vec::new(),
        pos: 0,
    };
    let job = sf
        .bulk()
        .max_upload_bytes(max)
        .insert("Account", csv)
        .unwrap_or_else(|e| sfrest_bench::fail(&e));
    println!(
        "{{\"rows\":{rows},\"jobs\":{},\"seconds\":{:.3}}}",
        job.ids().len(),
        sfrest_bench::secs(started)
    );
}
