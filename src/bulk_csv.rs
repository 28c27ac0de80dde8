//! Cutting a CSV stream into Bulk API uploads: at record boundaries only (a quoted field may
//! hold newlines), each upload starting with the header row, under a size limit, gzip-compressed
//! on the fly. Memory holds one record and the compressor's buffer, whatever the file size.

use std::io::{self, BufRead, Read, Write};

use flate2::write::GzEncoder;
use flate2::Compression;

/// Reads one CSV record (up to and including its line ending, outside quotes) into `out`.
/// Returns the number of bytes read; 0 at the end of the input. A record longer than `max`
/// bytes is an error (an unbalanced quote would otherwise swallow the rest of the file).
pub(crate) fn read_record<R: BufRead>(
    src: &mut R,
    out: &mut Vec<u8>,
    max: usize,
) -> io::Result<usize> {
    let start = out.len();
    let mut in_quotes = false;
    loop {
        let buf = match src.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(out.len() - start);
        }
        let mut end = None;
        for (i, &b) in buf.iter().enumerate() {
            match b {
                b'"' => in_quotes = !in_quotes,
                b'\n' if !in_quotes => {
                    end = Some(i + 1);
                    break;
                }
                _ => {}
            }
        }
        let take = end.unwrap_or(buf.len());
        if out.len() - start + take > max {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "a CSV record is longer than {max} bytes: is a quote (\") left open in it?"
                ),
            ));
        }
        out.extend_from_slice(&buf[..take]);
        src.consume(take);
        if end.is_some() {
            return Ok(out.len() - start);
        }
    }
}

/// A CSV source being cut into uploads.
pub(crate) struct CsvChunks<R> {
    src: R,
    header: Vec<u8>,
    /// The next record, read but not yet placed in an upload.
    pending: Vec<u8>,
    limit: usize,
    crlf: bool,
    /// Records read so far, for error messages.
    record_no: u64,
}

impl<R: BufRead> CsvChunks<R> {
    /// Reads the header row and the first record. `None` when the input has no record.
    pub fn new(mut src: R, limit: usize) -> io::Result<Option<CsvChunks<R>>> {
        let mut header = Vec::new();
        if read_record(&mut src, &mut header, limit)? == 0 {
            return Ok(None);
        }
        let crlf = header.ends_with(b"\r\n");
        if !header.ends_with(b"\n") {
            header.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
        }
        let mut chunks = CsvChunks {
            src,
            header,
            pending: Vec::new(),
            limit,
            crlf,
            record_no: 0,
        };
        if !chunks.fill_pending()? {
            return Ok(None);
        }
        Ok(Some(chunks))
    }

    /// Whether the file uses CRLF line endings (the job's `lineEnding`).
    pub fn crlf(&self) -> bool {
        self.crlf
    }

    /// Whether records remain for another upload.
    pub fn has_more(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The next upload, as a gzip stream of the header and as many records as fit.
    pub fn next_upload(&mut self) -> Upload<'_, R> {
        let mut encoder = GzEncoder::new(Vec::with_capacity(64 * 1024), Compression::fast());
        // Writing into a Vec cannot fail.
        let _ = encoder.write_all(&self.header);
        Upload {
            written: self.header.len(),
            chunks: self,
            encoder,
            out_pos: 0,
            finished: false,
            records: 0,
            error: None,
        }
    }

    fn fill_pending(&mut self) -> io::Result<bool> {
        if self.pending.is_empty() {
            // Skip blank lines between records.
            loop {
                self.record_no += 1;
                let n = read_record(&mut self.src, &mut self.pending, self.limit).map_err(|e| {
                    io::Error::new(e.kind(), format!("record {}: {e}", self.record_no))
                })?;
                if n == 0 {
                    return Ok(false);
                }
                if self.pending.iter().all(|b| *b == b'\n' || *b == b'\r') {
                    self.pending.clear();
                    continue;
                }
                if !self.pending.ends_with(b"\n") {
                    let eol: &[u8] = if self.crlf { b"\r\n" } else { b"\n" };
                    self.pending.extend_from_slice(eol);
                }
                return Ok(true);
            }
        }
        Ok(true)
    }
}

/// One upload being produced; read it as the request body.
pub(crate) struct Upload<'c, R> {
    chunks: &'c mut CsvChunks<R>,
    encoder: GzEncoder<Vec<u8>>,
    out_pos: usize,
    written: usize,
    finished: bool,
    records: u64,
    error: Option<io::Error>,
}

impl<R> Upload<'_, R> {
    /// The error that stopped reading the input, if one did (the HTTP layer only reports that
    /// the body could not be read).
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    /// Records placed in this upload so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Uncompressed bytes placed in this upload so far.
    pub fn size(&self) -> usize {
        self.written
    }
}

impl<R: BufRead> Read for Upload<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.read_upload(buf).inspect_err(|e| {
            self.error = Some(io::Error::new(e.kind(), e.to_string()));
        })
    }
}

impl<R: BufRead> Upload<'_, R> {
    fn read_upload(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.encoder.get_ref().len() - self.out_pos < buf.len() && !self.finished {
            let fits = self.chunks.fill_pending()?
                && (self.records == 0
                    || self.written + self.chunks.pending.len() <= self.chunks.limit);
            if fits {
                self.encoder.write_all(&self.chunks.pending)?;
                self.written += self.chunks.pending.len();
                self.records += 1;
                self.chunks.pending.clear();
            } else {
                self.encoder.try_finish()?;
                self.finished = true;
            }
        }
        let out = self.encoder.get_mut();
        let n = (out.len() - self.out_pos).min(buf.len());
        buf[..n].copy_from_slice(&out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        // Drop what was sent, so the buffer holds at most about one read's worth.
        if self.out_pos == out.len() {
            out.clear();
            self.out_pos = 0;
        } else if self.out_pos >= 64 * 1024 {
            out.drain(..self.out_pos);
            self.out_pos = 0;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::GzDecoder;

    fn uploads(csv: &str, limit: usize) -> Vec<String> {
        let mut chunks = CsvChunks::new(csv.as_bytes(), limit).unwrap().unwrap();
        let mut out = Vec::new();
        while chunks.has_more() {
            let mut gz = Vec::new();
            chunks.next_upload().read_to_end(&mut gz).unwrap();
            let mut text = String::new();
            GzDecoder::new(&gz[..]).read_to_string(&mut text).unwrap();
            out.push(text);
        }
        out
    }

    #[test]
    fn records_with_quoted_newlines_are_never_cut() {
        let csv = "Name,Description\nA,\"line 1\nline 2, still A\"\nB,plain\n\"C \"\"quoted\"\"\",\"x\ny\"\n";
        let parts = uploads(csv, 30);
        assert_eq!(
            parts,
            vec![
                "Name,Description\nA,\"line 1\nline 2, still A\"\n",
                "Name,Description\nB,plain\n",
                "Name,Description\n\"C \"\"quoted\"\"\",\"x\ny\"\n",
            ]
        );
        assert_eq!(uploads(csv, 1 << 20), vec![csv.to_string()]);
    }

    #[test]
    fn every_upload_stays_under_the_limit_and_nothing_is_lost() {
        let mut csv = String::from("Name,Industry\r\n");
        for i in 0..1000 {
            csv.push_str(&format!("Account {i},\"Energy, Oil\"\r\n"));
        }
        let parts = uploads(&csv, 1000);
        assert!(parts.len() > 10);
        let mut rejoined = String::from("Name,Industry\r\n");
        for p in &parts {
            assert!(p.len() <= 1000, "{}", p.len());
            assert!(p.starts_with("Name,Industry\r\n"));
            rejoined.push_str(&p["Name,Industry\r\n".len()..]);
        }
        assert_eq!(rejoined, csv);
    }

    #[test]
    fn the_compressed_buffer_does_not_grow_with_the_upload() {
        // Incompressible-ish rows, read in small pieces: the buffer must keep being drained.
        let mut csv = String::from("Name\n");
        let mut x: u64 = 1;
        for _ in 0..60_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            csv.push_str(&format!("{x:016x}{:016x}\n", x.rotate_left(17)));
        }
        let mut chunks = CsvChunks::new(csv.as_bytes(), 1 << 30).unwrap().unwrap();
        let mut upload = chunks.next_upload();
        let mut buf = [0u8; 1000];
        let mut largest = 0;
        while upload.read(&mut buf).unwrap() > 0 {
            largest = largest.max(upload.encoder.get_ref().capacity());
        }
        assert!(
            largest < 512 * 1024,
            "buffer grew to {largest} bytes for a {} byte upload",
            csv.len()
        );
    }

    #[test]
    fn an_open_quote_is_an_error_not_a_swallowed_file() {
        let mut csv = String::from("Name,Size\nBolt,12\" long\n");
        for i in 0..1000 {
            csv.push_str(&format!("Part {i},1\n"));
        }
        let err = CsvChunks::new(csv.as_bytes(), 2000).err().unwrap();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(
            err.to_string().contains("record 1") && err.to_string().contains("quote"),
            "{err}"
        );

        // Further in: the upload stops with the error, and remembers it for the caller.
        let mut csv = String::from("Name,Size\n");
        for i in 0..100 {
            csv.push_str(&format!("Part {i},1\n"));
        }
        csv.push_str("Bolt,12\" long\n");
        csv.push_str(&"Part x,1\n".repeat(1000));
        let mut chunks = CsvChunks::new(csv.as_bytes(), 5000).unwrap().unwrap();
        let mut upload = chunks.next_upload();
        let mut out = Vec::new();
        assert!(upload.read_to_end(&mut out).is_err());
        let err = upload.take_error().unwrap();
        assert!(err.to_string().contains("record 101"), "{err}");
    }

    #[test]
    fn missing_final_newline_and_blank_lines() {
        assert_eq!(uploads("Id\n\n001\n\n002", 1 << 20), vec!["Id\n001\n002\n"]);
        assert!(CsvChunks::new(&b"Id\n"[..], 100).unwrap().is_none());
        assert!(CsvChunks::new(&b""[..], 100).unwrap().is_none());
    }
}
