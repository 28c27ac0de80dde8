//! One query page held as its JSON text: the page is checked and cut into records once, and each
//! record is parsed into the caller's type only when the iteration reaches it. The record's
//! values are then made and dropped while they are hot in the cache and the allocator's free
//! lists, instead of 2,000 records built at once and freed at once; and the text keeps the
//! field order Salesforce sent (the SELECT order), whatever `serde_json::Map` does.

use std::ops::Range;

use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

/// The page members the iterator needs, records left as raw JSON.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(rename = "totalSize", default)]
    total_size: Option<u64>,
    #[serde(rename = "nextRecordsUrl", default)]
    next_records_url: Option<String>,
    #[serde(borrow, default)]
    records: Vec<&'a RawValue>,
}

/// A query page: its text and where each record lies in it.
pub(crate) struct RawPage {
    text: String,
    records: Vec<Range<usize>>,
    /// Index of the next record to hand out.
    at: usize,
    /// `totalSize`, when the page has it.
    pub total_size: Option<u64>,
    pub next_records_url: Option<String>,
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
        }
    }

    /// Checks the page (UTF-8 once, JSON syntax) and finds its records.
    pub(crate) fn parse(body: Vec<u8>) -> serde_json::Result<RawPage> {
        let text = String::from_utf8(body).map_err(|e| {
            <serde_json::Error as serde::de::Error>::custom(format!("the page is not UTF-8: {e}"))
        })?;
        let (total_size, next_records_url, records) = {
            let head: Head<'_> = serde_json::from_str(&text)?;
            let base = text.as_ptr() as usize;
            let records = head
                .records
                .iter()
                .map(|r| {
                    let start = r.get().as_ptr() as usize - base;
                    start..start + r.get().len()
                })
                .collect::<Vec<_>>();
            (head.total_size, head.next_records_url, records)
        };
        Ok(RawPage {
            text,
            records,
            at: 0,
            total_size,
            next_records_url,
        })
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

    /// The next record, parsed into `T`.
    pub(crate) fn next_record<T: DeserializeOwned>(&mut self) -> Option<serde_json::Result<T>> {
        self.next_text().map(serde_json::from_str)
    }
}

/// Whether a JSON object is a nested record (a parent relationship): it has `attributes`.
pub(crate) fn is_record(json: &str) -> bool {
    serde_json::from_str::<Fields<'_>>(json)
        .map(|f| f.0.iter().any(|(k, _)| *k == "attributes"))
        .unwrap_or(false)
}

/// An object's members in document order, values left as raw JSON (no map in between).
pub(crate) struct Fields<'a>(pub Vec<(&'a str, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Fields<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Fields<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<'a>, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<&'de str>()? {
                    let value: &'de RawValue = map.next_value()?;
                    out.push((key, value));
                }
                Ok(Fields(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let first: serde_json::Value = page.next_record().unwrap().unwrap();
        assert_eq!(first["Account"]["Name"], "Acme");
        assert_eq!(page.remaining(), 1);
        let second: serde_json::Value = page.next_record().unwrap().unwrap();
        assert_eq!(second["Id"], "003B");
        assert!(page.next_record::<serde_json::Value>().is_none());
    }

    #[test]
    fn broken_pages_are_errors() {
        assert!(RawPage::parse(b"{\"records\":[{]}".to_vec()).is_err());
        assert!(RawPage::parse(vec![0xff, b'{', b'}']).is_err());
        let empty =
            RawPage::parse(b"{\"totalSize\":0,\"done\":true,\"records\":[]}".to_vec()).unwrap();
        assert_eq!(empty.len(), 0);
    }
}
