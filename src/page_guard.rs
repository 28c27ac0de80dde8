//! A guard for every loop that follows a server's pointer to the next page (`nextRecordsUrl`,
//! `Sforce-Locator`): it ends the loop with an error when a pointer comes back, or when the
//! pages bring far more records than the server announced. Memory is a few bytes per page.

use std::collections::hash_map::RandomState;
use std::collections::HashSet;
use std::hash::BuildHasher;

use crate::error::{Error, Result};

/// Records beyond the announced count that are accepted without question: one full page of
/// a REST query (2,000), so that a count that is off by a little never stops a good export.
const SLACK: u64 = 2_000;

/// Pages that bring no record yet name a next page, accepted before the chain is called
/// endless whatever the count announced (Salesforce never sends such a page).
const MAX_EMPTY_PAGES: u64 = 2_000;

/// Follows one chain of pages. `what` names the pointer in errors ("nextRecordsUrl",
/// "Sforce-Locator"); `source` names the chain ("the query", "bulk query job 750...").
///
/// ```ignore
/// let mut guard = PageGuard::new("nextRecordsUrl", "the query");
/// guard.expect(total_size);
/// guard.received(page.records.len() as u64)?;
/// guard.visit(&next_url)?; // before fetching it
/// ```
#[derive(Debug)]
pub(crate) struct PageGuard {
    what: &'static str,
    source: String,
    /// Hashes of the pointers followed so far (8 bytes a page; keyed per guard).
    seen: HashSet<u64>,
    hasher: RandomState,
    expected: Option<u64>,
    received: u64,
    pages: u64,
    empty_pages: u64,
}

impl PageGuard {
    pub fn new(what: &'static str, source: impl Into<String>) -> PageGuard {
        PageGuard {
            what,
            source: source.into(),
            seen: HashSet::new(),
            hasher: RandomState::new(),
            expected: None,
            received: 0,
            pages: 0,
            empty_pages: 0,
        }
    }

    /// The number of records the server announced for the whole chain (`totalSize`,
    /// `numberRecordsProcessed`); the lowest announcement counts, so that pages cannot raise
    /// the bound as they go.
    pub fn expect(&mut self, total: u64) {
        self.expected = Some(self.expected.map_or(total, |e| e.min(total)));
    }

    /// The most records accepted before the chain is called endless: twice the announced
    /// count plus one page.
    pub fn limit(&self) -> Option<u64> {
        self.expected
            .map(|n| n.saturating_mul(2).saturating_add(SLACK))
    }

    /// Counts a page of `records` records. A page that brings none still counts as one, so that
    /// a chain of empty pages is bounded too. Fails when the total goes past [`Self::limit`],
    /// or after [`MAX_EMPTY_PAGES`] empty pages whatever was announced.
    pub fn received(&mut self, records: u64) -> Result<()> {
        self.pages += 1;
        self.received = self.received.saturating_add(records.max(1));
        if records == 0 {
            self.empty_pages += 1;
            if self.empty_pages > MAX_EMPTY_PAGES {
                return Err(Error::Unexpected {
                    message: format!(
                        "{} has sent {} pages without a record that each named a next page: stopped, as the pages may never end",
                        self.source, self.empty_pages
                    ),
                });
            }
        }
        match (self.expected, self.limit()) {
            (Some(expected), Some(limit)) if self.received > limit => Err(Error::Unexpected {
                message: format!(
                    "{} announced {expected} records, but the server has sent {} in {} pages and still names a next page: stopped, as the pages may never end",
                    self.source, self.received, self.pages
                ),
            }),
            _ => Ok(()),
        }
    }

    /// Notes that `pointer` is about to be followed. Fails, without following it, when it was
    /// followed before: the chain loops.
    pub fn visit(&mut self, pointer: &str) -> Result<()> {
        if self.seen.insert(self.hasher.hash_one(pointer)) {
            return Ok(());
        }
        Err(Error::Unexpected {
            message: format!(
                "the server sent {} {} again, a page already read ({} pages, {} records so far): {} loops and would never end, so it was stopped",
                self.what,
                crate::redact::cow(pointer),
                self.pages,
                self.received,
                self.source,
            ),
        })
    }
}

/// Fails when one page holds far more records than it announced (`Sforce-NumberOfRecords`):
/// over twice as many, plus 2,000.
pub(crate) fn check_page(shown: &str, announced: Option<u64>, records: u64) -> Result<()> {
    match announced {
        Some(n) if records > n.saturating_mul(2).saturating_add(SLACK) => Err(Error::Unexpected {
            message: format!(
                "GET {shown}: Sforce-NumberOfRecords says {n} records, but the page holds {records}"
            ),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pointer_seen_before_is_a_loop() {
        let mut g = PageGuard::new("nextRecordsUrl", "the query");
        g.visit("/q/A").unwrap();
        g.visit("/q/B").unwrap();
        let e = g.visit("/q/A").unwrap_err();
        assert!(
            matches!(&e, Error::Unexpected { message } if message.contains("nextRecordsUrl /q/A again")),
            "{e}"
        );
    }

    #[test]
    fn far_more_records_than_announced_is_an_error() {
        let mut g = PageGuard::new("Sforce-Locator", "bulk query job 750x");
        g.expect(10);
        assert_eq!(g.limit(), Some(2020));
        g.received(2000).unwrap();
        g.received(20).unwrap();
        let e = g.received(1).unwrap_err();
        assert!(e.to_string().contains("announced 10 records"), "{e}");
        // Nothing announced: no count bound, the loop check still holds.
        let mut g = PageGuard::new("Sforce-Locator", "x");
        g.received(u64::MAX).unwrap();
        g.received(u64::MAX).unwrap();
    }

    #[test]
    fn a_huge_or_rising_count_does_not_unbound_the_chain() {
        let mut g = PageGuard::new("nextRecordsUrl", "the query");
        g.expect(u64::MAX);
        for _ in 0..MAX_EMPTY_PAGES {
            g.received(0).unwrap();
        }
        assert!(g
            .received(0)
            .unwrap_err()
            .to_string()
            .contains("without a record"));
        let mut g = PageGuard::new("nextRecordsUrl", "the query");
        g.expect(10);
        g.expect(1_000_000);
        assert_eq!(g.limit(), Some(2020));
    }

    #[test]
    fn empty_pages_still_count() {
        let mut g = PageGuard::new("nextRecordsUrl", "the query");
        g.expect(0);
        for _ in 0..2000 {
            g.received(0).unwrap();
        }
        assert!(g.received(0).is_err());
    }
}
