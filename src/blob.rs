//! Blob fields (`ContentVersion.VersionData`, `Attachment.Body`, `Document.Body`): streamed
//! down to a writer, and streamed up as `multipart/form-data` in the layout Salesforce
//! documents for inserting and updating records with blob data.

use std::io::{Cursor, Read, Write};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::sobjects::{id_of, SObject};
use crate::transfer::Transfer;
use crate::url::encode_path_segment;

impl SObject {
    /// Streams a record's blob field (`VersionData` of a `ContentVersion`, `Body` of an
    /// `Attachment` or a `Document`) into `out`, never holding it in memory, and returns the
    /// number of bytes written. The GET timeout bounds the wait for the answer and any
    /// silence; the client's transfer timeout (1 h by default) bounds the whole download. A
    /// failure is retried only while nothing has been written to `out`.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sf = sfrest::Client::from_env()?;
    /// let mut file = std::fs::File::create("q3.pdf")?;
    /// let n = sf.sobject("ContentVersion").download("068RO0000012abcYAA", "VersionData", &mut file)?;
    /// # Ok(()) }
    /// ```
    pub fn download<W: Write>(&self, id: &str, field: &str, out: &mut W) -> Result<u64> {
        let path = format!(
            "{}/{}",
            self.record_path(id, "download")?,
            encode_path_segment(field)
        );
        self.client.request("GET", &path).download(out)
    }

    /// Creates a record with a blob field, streaming the file from `file` as
    /// `multipart/form-data` (never held in memory; Salesforce takes up to 2 GB for
    /// `ContentVersion`, 500 MB for other objects), and returns the new record's id.
    /// `fields` are the record's other fields; `field` is the blob field (`VersionData` for
    /// `ContentVersion`, `Body` for `Attachment` and `Document`); `filename` is the file's name
    /// as Salesforce records it.
    ///
    /// A streamed body cannot be sent twice, so the call is never retried: a failure other
    /// calls retry is [`Error::NotRetried`]. The write timeout bounds connecting, the wait for
    /// the answer and any silence; the client's transfer timeout bounds the whole upload.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use serde_json::json;
    /// # let sf = sfrest::Client::from_env()?;
    /// let files = sf.sobject("ContentVersion");
    /// let id = files.create_with_blob(
    ///     &json!({"Title": "Q3 report", "PathOnClient": "q3.pdf"}),
    ///     "VersionData",
    ///     "q3.pdf",
    ///     std::fs::File::open("q3.pdf")?,
    /// )?;
    /// let v = files.get(&id, &["ContentDocumentId"])?;
    /// println!("version {id} of document {}", v["ContentDocumentId"]);
    /// # Ok(()) }
    /// ```
    pub fn create_with_blob<B: Serialize + ?Sized, R: Read>(
        &self,
        fields: &B,
        field: &str,
        filename: &str,
        file: R,
    ) -> Result<String> {
        let reply = self.send_blob("POST", &self.path(""), fields, field, filename, file)?;
        let v = reply.json()?;
        id_of(&v, "create")
    }

    /// Replaces a record's blob (and other fields) with a streamed multipart `PATCH`, for
    /// objects whose blob can change (`Document`, `Attachment`; a `ContentVersion` cannot be
    /// changed: create a new version with `ContentDocumentId` set instead). Never retried, like
    /// [`SObject::create_with_blob`].
    pub fn update_with_blob<B: Serialize + ?Sized, R: Read>(
        &self,
        id: &str,
        fields: &B,
        field: &str,
        filename: &str,
        file: R,
    ) -> Result<()> {
        let path = self.record_path(id, "update_with_blob")?;
        self.send_blob("PATCH", &path, fields, field, filename, file)
            .map(drop)
    }

    fn send_blob<B: Serialize + ?Sized, R: Read>(
        &self,
        method: &'static str,
        path: &str,
        fields: &B,
        field: &str,
        filename: &str,
        file: R,
    ) -> Result<crate::Response> {
        let json = serde_json::to_vec(fields)
            .map_err(|e| Error::json("cannot serialize the record's fields", e))?;
        if !json.starts_with(b"{") {
            return Err(Error::InvalidArgument {
                message: format!("the fields of a {} record must be a JSON object", self.name),
            });
        }
        let entity = if self.name.eq_ignore_ascii_case("Document") {
            "entity_document"
        } else {
            "entity_content"
        };
        let body = Multipart::new(entity, &json, field, filename, file)?;
        let content_type = format!("multipart/form-data; boundary={}", body.boundary);
        let config = &self.client.inner.auth.config;
        let t = Transfer {
            method,
            path,
            params: &[],
            headers: &[],
            idle: config.write_timeout,
            whole: config.transfer_timeout,
        };
        let mut body = body;
        let sent = self.client.upload(&t, &content_type, &mut body);
        if let Some(e) = body.error.take() {
            return Err(Error::Io {
                context: format!(
                    "reading {filename} for {method} {}",
                    crate::url::path_only(path)
                ),
                source: e,
            });
        }
        let (reply, shown) = sent?;
        Ok(crate::Response::new(method, shown, reply))
    }
}

/// A `multipart/form-data` body read as a stream: the JSON part, the file part's head, the
/// file itself (from the caller's reader), and the closing boundary.
struct Multipart<R> {
    boundary: String,
    head: Cursor<Vec<u8>>,
    file: R,
    file_done: bool,
    tail: Cursor<Vec<u8>>,
    /// An error reading the file, kept to report it as such (the transport only sees a
    /// broken body).
    error: Option<std::io::Error>,
}

impl<R: Read> Multipart<R> {
    fn new(entity: &str, json: &[u8], field: &str, filename: &str, file: R) -> Result<Self> {
        let token = |b: u8| b.is_ascii_alphanumeric() || b"_-.".contains(&b);
        if field.is_empty() || !field.bytes().all(token) {
            return Err(Error::InvalidArgument {
                message: format!("{field:?} is not a field name"),
            });
        }
        if filename.is_empty() {
            return Err(Error::InvalidArgument {
                message: "a file part needs a filename (Salesforce requires one)".into(),
            });
        }
        let boundary = boundary();
        let mut head = Vec::with_capacity(json.len() + 512);
        head.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        head.extend_from_slice(
            format!("Content-Disposition: form-data; name=\"{entity}\"\r\n").as_bytes(),
        );
        head.extend_from_slice(b"Content-Type: application/json\r\n\r\n");
        head.extend_from_slice(json);
        head.extend_from_slice(format!("\r\n--{boundary}\r\n").as_bytes());
        head.extend_from_slice(
            format!(
                "Content-Disposition: form-data; name=\"{field}\"; filename=\"{}\"\r\n",
                quote_filename(filename)
            )
            .as_bytes(),
        );
        head.extend_from_slice(b"Content-Type: application/octet-stream\r\n\r\n");
        let tail = format!("\r\n--{boundary}--\r\n").into_bytes();
        Ok(Multipart {
            boundary,
            head: Cursor::new(head),
            file,
            file_done: false,
            tail: Cursor::new(tail),
            error: None,
        })
    }
}

impl<R: Read> Read for Multipart<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.head.read(buf)?;
        if n > 0 {
            return Ok(n);
        }
        if !self.file_done {
            match self.file.read(buf) {
                Ok(0) => self.file_done = true,
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return Err(e),
                Err(e) => {
                    let kind = e.kind();
                    self.error = Some(e);
                    return Err(std::io::Error::new(kind, "reading the file failed"));
                }
            }
        }
        self.tail.read(buf)
    }
}

/// A boundary that does not occur in the file but by a 2^-128 chance.
fn boundary() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::BuildHasher;
    let a = RandomState::new().hash_one(std::time::SystemTime::now());
    let b = RandomState::new().hash_one(std::process::id());
    format!("sfrest-{a:016x}{b:016x}")
}

/// A filename as a quoted-string of a `Content-Disposition` header: quotes, backslashes and
/// line breaks percent-encoded (as browsers do), so the name cannot break the part's headers.
fn quote_filename(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '"' => out.push_str("%22"),
            '\\' => out.push_str("%5C"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if c.is_control() => out.push('_'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_layout_is_salesforces() {
        let mut body = Multipart::new(
            "entity_content",
            br#"{"PathOnClient":"a.txt"}"#,
            "VersionData",
            "a \"b\"\r\n.txt",
            &b"hello"[..],
        )
        .unwrap();
        let b = body.boundary.clone();
        assert!(b.len() <= 70);
        let mut out = String::new();
        body.read_to_string(&mut out).unwrap();
        let expected = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"entity_content\"\r\nContent-Type: application/json\r\n\r\n{{\"PathOnClient\":\"a.txt\"}}\r\n--{b}\r\nContent-Disposition: form-data; name=\"VersionData\"; filename=\"a %22b%22%0D%0A.txt\"\r\nContent-Type: application/octet-stream\r\n\r\nhello\r\n--{b}--\r\n"
        );
        assert_eq!(out, expected);
    }

    #[test]
    fn bad_parts_are_refused() {
        assert!(Multipart::new("e", b"{}", "Body\r\nX", "a", &b""[..]).is_err());
        assert!(Multipart::new("e", b"{}", "Body", "", &b""[..]).is_err());
        assert_ne!(boundary(), boundary());
    }

    #[test]
    fn a_failing_file_is_kept_as_the_error() {
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk on fire"))
            }
        }
        let mut body = Multipart::new("e", b"{}", "Body", "a", Broken).unwrap();
        let mut out = Vec::new();
        assert!(body.read_to_end(&mut out).is_err());
        assert_eq!(body.error.unwrap().to_string(), "disk on fire");
    }
}
