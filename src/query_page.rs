//! One query page held as its JSON text: the page's outline is checked and cut into records in
//! one quick scan (`json_scan`), and each record is parsed (and so fully checked) into the
//! caller's type only when the iteration reaches it. The record's
//! values are then made and dropped while they are hot in the cache and the allocator's free
//! lists, instead of 2,000 records built at once and freed at once; and the text keeps the
//! field order Salesforce sent (the SELECT order), whatever `serde_json::Map` does.

use std::ops::Range;

use crate::json_scan::{skip_blank, string_end, value_end};

/// The most records one query page may hold: Salesforce sends at most 2,000 a page, and each
/// record costs this page 16 bytes of bookkeeping before any is read, so a page of millions
/// of tiny records is refused instead.
const MAX_RECORDS_PER_PAGE: usize = 10_000;

/// A query page: its text and where each record lies in it.
pub(crate) struct RawPage {
    text: String,
    records: Vec<Range<usize>>,
    /// Index of the next record to hand out.
    at: usize,
    /// `totalSize`, when the page has it.
    pub total_size: Option<u64>,
    pub next_records_url: Option<String>,
    /// Set when the cut stopped at [`MAX_RECORDS_PER_PAGE`].
    overfull: bool,
}

impl RawPage {
    /// An empty page (before the first one is read).
    pub(crate) fn empty() -> RawPage {
        RawPage {
            text: String::new(),
            records: Vec::new(),
            at: 0,
            total_size: None,
            next_records_url: None,
            overfull: false,
        }
    }

    /// Checks the page (UTF-8 once, its outline) and finds its records, in one quick scan
    /// that does not build them; each record's JSON is checked when it is parsed.
    pub(crate) fn parse(body: Vec<u8>) -> serde_json::Result<RawPage> {
        let text = String::from_utf8(body).map_err(|e| {
            <serde_json::Error as serde::de::Error>::custom(format!("the page is not UTF-8: {e}"))
        })?;
        let mut page = RawPage::empty();
        if page.outline(&text).is_none() {
            if page.overfull {
                return Err(<serde_json::Error as serde::de::Error>::custom(format!(
                    "the page holds more than {MAX_RECORDS_PER_PAGE} records (Salesforce sends at most 2,000)"
                )));
            }
            // Let serde_json say what is wrong, and where.
            serde_json::from_str::<serde::de::IgnoredAny>(&text)?;
            return Err(<serde_json::Error as serde::de::Error>::custom(
                "the page is not a JSON object with a `records` array",
            ));
        }
        page.text = text;
        Ok(page)
    }

    /// Reads the page's top-level object: `totalSize`, `nextRecordsUrl` and where each record
    /// lies; other members are skipped. `None` when the outline is not valid JSON.
    fn outline(&mut self, text: &str) -> Option<()> {
        let b = text.as_bytes();
        let mut i = skip_blank(b, 0);
        if b.get(i) != Some(&b'{') {
            return None;
        }
        i = skip_blank(b, i + 1);
        if b.get(i) == Some(&b'}') {
            return (skip_blank(b, i + 1) == b.len()).then_some(());
        }
        loop {
            let key_end = string_end(b, i).filter(|_| b[i] == b'"')?;
            let key: std::borrow::Cow<'_, str> = serde_json::from_str(&text[i..key_end]).ok()?;
            i = skip_blank(b, key_end);
            if b.get(i) != Some(&b':') {
                return None;
            }
            i = skip_blank(b, i + 1);
            let end = match &*key {
                "records" => self.cut_records(b, i)?,
                "totalSize" | "nextRecordsUrl" => {
                    let end = value_end(b, i)?;
                    if &*key == "totalSize" {
                        self.total_size = serde_json::from_str(&text[i..end]).ok()?;
                    } else {
                        self.next_records_url = serde_json::from_str(&text[i..end]).ok()?;
                    }
                    end
                }
                _ => value_end(b, i)?,
            };
            i = skip_blank(b, end);
            match b.get(i)? {
                b',' => i = skip_blank(b, i + 1),
                b'}' => return (skip_blank(b, i + 1) == b.len()).then_some(()),
                _ => return None,
            }
        }
    }

    /// Finds the records of the array at `i`; returns the index past it.
    fn cut_records(&mut self, b: &[u8], mut i: usize) -> Option<usize> {
        if b.get(i) != Some(&b'[') {
            return None;
        }
        self.records.clear();
        i = skip_blank(b, i + 1);
        if b.get(i) == Some(&b']') {
            return Some(i + 1);
        }
        loop {
            if self.records.len() == MAX_RECORDS_PER_PAGE {
                self.overfull = true;
                return None;
            }
            let end = value_end(b, i)?;
            self.records.push(i..end);
            i = skip_blank(b, end);
            match b.get(i)? {
                b',' => i = skip_blank(b, i + 1),
                b']' => return Some(i + 1),
                _ => return None,
            }
        }
    }

    /// Records not handed out yet.
    pub(crate) fn remaining(&self) -> usize {
        self.records.len() - self.at
    }

    /// Number of records of the page.
    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }

    /// The next record's JSON text.
    pub(crate) fn next_text(&mut self) -> Option<&str> {
        let range = self.records.get(self.at)?.clone();
        self.at += 1;
        Some(&self.text[range])
    }

    /// The next record, parsed into `T` by `parse`.
    pub(crate) fn next_record<T>(
        &mut self,
        parse: fn(&str) -> serde_json::Result<T>,
    ) -> Option<serde_json::Result<T>> {
        self.next_text().map(parse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_of_more_records_than_salesforce_sends_is_refused() {
        let ok = format!(
            r#"{{"records":[{}1]}}"#,
            "1,".repeat(MAX_RECORDS_PER_PAGE - 1)
        );
        assert_eq!(
            RawPage::parse(ok.into_bytes()).unwrap().len(),
            MAX_RECORDS_PER_PAGE
        );
        let over = format!(r#"{{"records":[{}1]}}"#, "1,".repeat(MAX_RECORDS_PER_PAGE));
        let e = RawPage::parse(over.into_bytes()).err().unwrap();
        assert!(e.to_string().contains("more than 10000 records"), "{e}");
    }

    const PAGE: &str = r#"{"totalSize":3,"done":false,"nextRecordsUrl":"/services/data/v66.0/query/01g-2",
        "records":[{"attributes":{"type":"Contact","url":"/x"},"Name":"Zoë","Id":"003A",
        "Account":{"attributes":{"type":"Account","url":"/y"},"Name":"Acme","BillingCity":null},
        "Amount":1.5},{"attributes":{"type":"Contact"},"Name":"B","Id":"003B","Account":null,"Amount":2}]}"#;

    #[test]
    fn records_are_cut_and_parsed_one_at_a_time() {
        let mut page = RawPage::parse(PAGE.as_bytes().to_vec()).unwrap();
        assert_eq!(page.total_size, Some(3));
        assert_eq!(page.len(), 2);
        assert_eq!(
            page.next_records_url.as_deref(),
            Some("/services/data/v66.0/query/01g-2")
        );
        let first: serde_json::Value = page.next_record(crate::json_value::parse).unwrap().unwrap();
        assert_eq!(first["Account"]["Name"], "Acme");
        assert_eq!(page.remaining(), 1);
        let second: serde_json::Value =
            page.next_record(crate::json_value::parse).unwrap().unwrap();
        assert_eq!(second["Id"], "003B");
        assert!(page.next_record(crate::json_value::parse).is_none());
    }

    #[test]
    fn broken_pages_are_errors() {
        assert!(RawPage::parse(b"{\"records\":[{]}".to_vec()).is_err());
        assert!(RawPage::parse(vec![0xff, b'{', b'}']).is_err());
        for broken in [
            "",
            "[]",
            "{\"records\":{}}",
            "{\"records\":[1,]}",
            "{\"records\":[{}]",
            "{\"records\":[{}]}}",
            "{\"totalSize\":\"x\",\"records\":[]}",
            "{\"totalSize\":1,,\"records\":[]}",
            "{\"records\":[{\"a\":\"unterminated}]}",
            "{records:[]}",
        ] {
            let e = RawPage::parse(broken.as_bytes().to_vec()).err();
            assert!(e.is_some(), "{broken}");
        }
        // A broken record is found when it is parsed, after the records before it.
        let mut page = RawPage::parse(b"{\"records\":[{\"a\":1},{\"a\":tru}]}".to_vec()).unwrap();
        assert!(page.next_record(crate::json_value::parse).unwrap().is_ok());
        assert!(page.next_record(crate::json_value::parse).unwrap().is_err());
        let empty =
            RawPage::parse(b"{\"totalSize\":0,\"done\":true,\"records\":[]}".to_vec()).unwrap();
        assert_eq!(empty.len(), 0);
    }
}
