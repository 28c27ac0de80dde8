//! A download ends with the caller's writer flushed: a buffered writer holds every byte when
//! the call returns, and a flush that fails (a full disk) is an error, not a short file.

mod common;

use std::io::{BufWriter, Write};

use serde_json::json;
use sfrest::Error;

/// Takes every write, refuses to flush.
struct FlushFails(Vec<u8>);

impl Write for FlushFails {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Err(std::io::Error::other("No space left on device"))
    }
}

#[test]
fn the_writer_is_flushed_and_a_failed_flush_is_an_error() {
    let (_org, sf) = common::org_and_client();
    let files = sf.sobject("ContentVersion");
    let id = files
        .create(&json!({"PathOnClient": "hi.txt", "VersionData": "aGVsbG8gd29ybGQ="}))
        .unwrap();

    let mut file = Vec::new();
    {
        let mut out = BufWriter::with_capacity(64 * 1024, &mut file);
        assert_eq!(files.download(&id, "VersionData", &mut out).unwrap(), 11);
        // Not flushed by hand: the download did it.
        assert_eq!(out.buffer().len(), 0);
    }
    assert_eq!(file, b"hello world");

    let mut out = FlushFails(Vec::new());
    match files.download(&id, "VersionData", &mut out).unwrap_err() {
        Error::Io { context, source } => {
            assert!(
                context.contains("flushing the writer after 11 bytes"),
                "{context}"
            );
            assert!(source.to_string().contains("No space left"), "{source}");
        }
        other => panic!("{other:?}"),
    }
}
