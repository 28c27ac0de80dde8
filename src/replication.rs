//! The replication API: which records of a type changed or were deleted in a time window
//! (`sobjects/{Type}/updated` and `/deleted`), with windows too wide for one answer split.

use std::collections::HashSet;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::datetime::{self, floor_minute, MINUTE_MS};
use crate::error::{Error, Result};
use crate::SObject;

/// The records of a type changed in a window: [`SObject::updated`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Updated {
    /// Ids of the records created or changed in the window (not deleted ones).
    #[serde(default)]
    pub ids: Vec<String>,
    /// The end of what this answer covers, such as `2026-12-01T00:00:00.000+0000`: never later
    /// than the end asked for, and earlier when changes were still being saved. Start the next
    /// window here. When Salesforce sends none, the end asked for (to the minute).
    #[serde(
        rename = "latestDateCovered",
        default,
        deserialize_with = "text_or_null"
    )]
    pub latest_date_covered: String,
}

/// One deleted record: see [`Deleted`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedRecord {
    /// The record id.
    pub id: String,
    /// When it was deleted, such as `2026-11-30T22:07:19.000+0000`.
    #[serde(rename = "deletedDate")]
    pub deleted_date: String,
}

/// The records of a type deleted in a window: [`SObject::deleted`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deleted {
    /// The deleted records, in Salesforce's order.
    #[serde(rename = "deletedRecords", default)]
    pub records: Vec<DeletedRecord>,
    /// The oldest time the delete log still covers (deletes before it were purged).
    #[serde(
        rename = "earliestDateAvailable",
        default,
        deserialize_with = "text_or_null"
    )]
    pub earliest_date_available: String,
    /// The end of what this answer covers: start the next window here. When Salesforce sends
    /// none, the end asked for (to the minute).
    #[serde(
        rename = "latestDateCovered",
        default,
        deserialize_with = "text_or_null"
    )]
    pub latest_date_covered: String,
}

/// A dateTime field that may be absent or null: an empty string then.
fn text_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// A parsed window bound: the caller's text and its time.
#[derive(Clone)]
struct Bound {
    text: String,
    ms: i64,
}

impl Bound {
    fn at(ms: i64) -> Bound {
        Bound {
            text: datetime::format(ms),
            ms,
        }
    }
}

impl SObject {
    /// Ids of the records created or changed between `start` and `end` (the replication API's
    /// `getUpdated`), as Salesforce's dateTime strings: `2026-11-30T00:00:00Z` or with an offset
    /// (`2026-11-30T01:00:00+01:00`). Salesforce drops the seconds: windows are whole minutes.
    ///
    /// A window with more ids than Salesforce answers at once (600,000: `EXCEEDED_ID_LIMIT`)
    /// is split into narrower ones and the answers merged in order. A start more than 30 days
    /// back is [`Error::ResyncNeeded`].
    ///
    /// ```no_run
    /// # let sf = sfrest::Client::from_env()?;
    /// let upd = sf.sobject("Account").updated("2026-11-30T00:00:00Z", "2026-12-01T00:00:00Z")?;
    /// println!("{} changed; next window starts at {}", upd.ids.len(), upd.latest_date_covered);
    /// # Ok::<_, sfrest::Error>(())
    /// ```
    pub fn updated(&self, start: &str, end: &str) -> Result<Updated> {
        let (start, end) = self.window("updated", start, end)?;
        self.split("updated", &start, &end, &|a: Updated, b: Updated| {
            let mut seen: HashSet<String> = a.ids.iter().cloned().collect();
            let mut ids = a.ids;
            ids.extend(b.ids.into_iter().filter(|id| seen.insert(id.clone())));
            Updated {
                ids,
                latest_date_covered: b.latest_date_covered,
            }
        })
    }

    /// The records deleted between `start` and `end` (`getDeleted`), with when each was
    /// deleted. Times and splitting as for [`SObject::updated`].
    ///
    /// Salesforce keeps the delete log for as little as 15 days (less when the Recycle Bin was
    /// emptied): a start it no longer covers (`INVALID_REPLICATION_DATE`, or an
    /// `earliestDateAvailable` later than `start`) is [`Error::ResyncNeeded`], since deletes
    /// may have been missed.
    pub fn deleted(&self, start: &str, end: &str) -> Result<Deleted> {
        let (start, end) = self.window("deleted", start, end)?;
        let del = self.split("deleted", &start, &end, &|a: Deleted, b: Deleted| {
            // Both ends of a window are inclusive, so a delete in the minute where the window
            // was split comes in both halves: kept once.
            let mut seen: HashSet<String> = a.records.iter().map(|r| r.id.clone()).collect();
            let mut records = a.records;
            records.extend(b.records.into_iter().filter(|r| seen.insert(r.id.clone())));
            Deleted {
                records,
                earliest_date_available: a.earliest_date_available,
                latest_date_covered: b.latest_date_covered,
            }
        })?;
        if let Some(earliest) = datetime::parse(&del.earliest_date_available) {
            if earliest > start.ms {
                return Err(Error::ResyncNeeded {
                    sobject: self.name().to_string(),
                    start: start.text,
                    reason: format!(
                        "the delete log starts at {} (earliestDateAvailable): deletes before that were purged",
                        del.earliest_date_available
                    ),
                });
            }
        }
        Ok(del)
    }

    /// Checks both bounds before anything is sent.
    fn window(&self, what: &str, start: &str, end: &str) -> Result<(Bound, Bound)> {
        let bound = |name: &str, text: &str| {
            datetime::parse(text)
                .map(|ms| Bound {
                    text: text.to_string(),
                    ms,
                })
                .ok_or_else(|| Error::InvalidArgument {
                    message: format!(
                        "{} {what}: {name} {text:?} is not a Salesforce dateTime: give UTC with Z or an offset, such as 2026-11-30T00:00:00Z or 2026-11-30T01:00:00+01:00",
                        self.name()
                    ),
                })
        };
        let (s, e) = (bound("start", start)?, bound("end", end)?);
        if floor_minute(s.ms) >= floor_minute(e.ms) {
            return Err(Error::InvalidArgument {
                message: format!(
                    "{} {what}: start {start} must be at least a minute before end {end} (Salesforce drops the seconds)",
                    self.name()
                ),
            });
        }
        Ok((s, e))
    }

    /// One call for the window, or, when Salesforce answers `EXCEEDED_ID_LIMIT`, the two
    /// halves (recursively; at most ~16 levels for 30 days of minutes) merged in order. When
    /// the first half covers less than asked, the second is not called: the caller's next
    /// window starts where the first ended, so nothing falls between.
    fn split<T: DeserializeOwned + Covered>(
        &self,
        what: &str,
        start: &Bound,
        end: &Bound,
        merge: &dyn Fn(T, T) -> T,
    ) -> Result<T> {
        let path = format!(
            "sobjects/{}/{what}/",
            crate::url::encode_path_segment(self.name())
        );
        let answer = self
            .client()
            .get(&path, &[("start", &start.text), ("end", &end.text)]);
        let err = match answer {
            Ok(v) => {
                let mut answer: T = serde_json::from_value(v).map_err(|e| {
                    Error::json(
                        format!("cannot read the {what} answer for {}", self.name()),
                        e,
                    )
                })?;
                answer.cover_at_least(end);
                return Ok(answer);
            }
            Err(e) => e,
        };
        match err.error_code() {
            Some("EXCEEDED_ID_LIMIT") => {
                let (from, to) = (floor_minute(start.ms), floor_minute(end.ms));
                if to - from <= MINUTE_MS {
                    return Err(Error::InvalidArgument {
                        message: format!(
                            "{} {what}: more records changed within the minute from {} than Salesforce answers at once (EXCEEDED_ID_LIMIT), and a window cannot be narrower than a minute: read them with a query on SystemModstamp (Bulk API for many)",
                            self.name(),
                            start.text
                        ),
                    });
                }
                let mid = Bound::at(floor_minute(from + (to - from) / 2));
                log::debug!(
                    "{} {what}: too many ids from {} to {}; splitting at {}",
                    self.name(),
                    start.text,
                    end.text,
                    mid.text
                );
                let mut first: T = self.split(what, start, &mid, merge)?;
                if first.covered().is_none_or(|c| c < mid.ms) {
                    return Ok(first);
                }
                let second = self.split(what, &mid, end, merge)?;
                Ok(merge(first, second))
            }
            Some("INVALID_REPLICATION_DATE") => Err(Error::ResyncNeeded {
                sobject: self.name().to_string(),
                start: start.text.clone(),
                reason: format!("Salesforce refused the window: {err}"),
            }),
            _ => Err(err),
        }
    }
}

/// Where an answer's coverage ends.
trait Covered {
    fn latest(&mut self) -> &mut String;

    fn covered(&mut self) -> Option<i64> {
        datetime::parse(self.latest())
    }

    /// An answer without `latestDateCovered` covers the whole window (Salesforce sends a
    /// value only when a save still in progress holds it back).
    fn cover_at_least(&mut self, end: &Bound) {
        let latest = self.latest();
        if latest.is_empty() {
            *latest = datetime::format(floor_minute(end.ms));
        }
    }
}

impl Covered for Updated {
    fn latest(&mut self) -> &mut String {
        &mut self.latest_date_covered
    }
}

impl Covered for Deleted {
    fn latest(&mut self) -> &mut String {
        &mut self.latest_date_covered
    }
}
