//! Checkpointed incremental reads for cron jobs: [`SObject::changes_since`] reads what changed
//! since the last committed run, and [`Changes::commit`] moves the watermark file forward.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::datetime::{self, floor_minute};
use crate::error::{Error, Result};
use crate::{DeletedRecord, SObject};

/// How far back the first run (no watermark file yet) reaches.
pub const FIRST_RUN_HOURS: i64 = 24;

/// What changed in one window of [`SObject::changes_since`]. Nothing is remembered until
/// [`Changes::commit`]: a run that fails or crashes before it sees the same window again.
#[derive(Clone, Debug)]
#[must_use = "the watermark only moves on when the changes are committed"]
pub struct Changes {
    /// Ids of the records created or changed in the window, in Salesforce's order.
    pub updated: Vec<String>,
    /// The records deleted in the window.
    pub deleted: Vec<DeletedRecord>,
    /// Where the window started: the previous run's `latest_date_covered`, or 24 hours ago.
    pub start: String,
    /// Where it ended; the watermark [`Changes::commit`] writes, and the next run's start.
    pub latest_date_covered: String,
    sobject: String,
    path: PathBuf,
}

/// The watermark file: one small JSON object.
#[derive(Serialize, Deserialize)]
struct Watermark {
    sobject: String,
    #[serde(rename = "latestDateCovered")]
    latest_date_covered: String,
}

/// How far ahead of this machine's clock a watermark file may be before it is refused:
/// further ahead, every change until then would go unreported. The file holds a time of
/// Salesforce's clock (its `latestDateCovered`), which may run ahead of this machine's.
const FUTURE_SLACK_MS: i64 = 3_600_000;

/// How far ahead a time given to [`SObject::set_watermark`] may be: it is when a full sync
/// started, by this machine's clock, so only a little slack is needed. A larger one would let
/// through a local time written with `Z` in a zone an hour or less east of UTC (the changes
/// of that hour would then go unreported).
const SET_SLACK_MS: i64 = 300_000;

impl Changes {
    /// Writes the new watermark (to a temporary file in the same directory, then renamed over
    /// the old one, so the file is always either the old or the new one), creating the
    /// directory if needed. Call it once what the changes were for is done.
    pub fn commit(self) -> Result<()> {
        write_watermark(&self.path, &self.sobject, &self.latest_date_covered)
    }

    /// Whether nothing changed in the window.
    pub fn is_empty(&self) -> bool {
        self.updated.is_empty() && self.deleted.is_empty()
    }
}

impl SObject {
    /// What changed since the last committed run, for a job run every few minutes: the
    /// window starts at the `latest_date_covered` stored in the watermark file at `path` (the
    /// last 24 hours when there is no file yet) and ends now. Nothing is written until
    /// [`Changes::commit`], so a run that fails before it sees the window again: each change
    /// is seen at least once, never skipped. Use one file per sObject type and job.
    ///
    /// Windows are whole minutes, and end where Salesforce says it has seen everything
    /// (`latestDateCovered`, the earlier of the two answers), so a change saved in the minute
    /// a run ends comes in the next run. A second run within the same minute asks nothing and
    /// returns no changes. A watermark file that cannot be read is [`Error::Watermark`] (not a
    /// silent new start); one older than Salesforce keeps is [`Error::ResyncNeeded`]. Runs
    /// that overlap (a slow run still going when the next starts) see some changes twice,
    /// never none.
    ///
    /// ```no_run
    /// # let sf = sfrest::Client::from_env()?;
    /// let acct = sf.sobject("Account");
    /// let changes = acct.changes_since("/var/lib/myjob/account.watermark")?;
    /// let records = acct.get_many(&changes.updated, &["Name", "Industry"])?;
    /// for rec in records.into_iter().flatten() {
    ///     println!("{rec}");
    /// }
    /// for gone in &changes.deleted {
    ///     println!("deleted {} at {}", gone.id, gone.deleted_date);
    /// }
    /// changes.commit()?;
    /// # Ok::<_, sfrest::Error>(())
    /// ```
    pub fn changes_since(&self, path: impl AsRef<Path>) -> Result<Changes> {
        let path = path.as_ref().to_path_buf();
        let now = datetime::now_ms();
        let start = match read_watermark(&path, self.name())? {
            Some(text) => text,
            None => datetime::format(floor_minute(now - FIRST_RUN_HOURS * 3_600_000)),
        };
        let start_ms = datetime::parse(&start).ok_or_else(|| Error::Watermark {
            path: path.clone(),
            problem: format!("{start:?} is not a dateTime"),
        })?;
        if start_ms > now + FUTURE_SLACK_MS {
            return Err(Error::Watermark {
                path,
                problem: format!(
                    "it starts at {start}, in the future (now is {}): no change would be reported until then; set it with set_watermark to when the last full sync started",
                    datetime::format(now)
                ),
            });
        }
        let mut changes = Changes {
            updated: Vec::new(),
            deleted: Vec::new(),
            start: start.clone(),
            latest_date_covered: start.clone(),
            sobject: self.name().to_string(),
            path,
        };
        if floor_minute(now) <= floor_minute(start_ms) {
            log::debug!(
                "{}: the window from {start} has not reached a new minute yet",
                self.name()
            );
            return Ok(changes);
        }
        let end = datetime::format(now);
        let upd = self.updated(&start, &end)?;
        let del = self.deleted(&start, &end)?;
        let covered = |text: &str| datetime::parse(text).unwrap_or(start_ms);
        // Both lists are complete up to the earlier end; the next run starts there.
        let latest = if covered(&upd.latest_date_covered) <= covered(&del.latest_date_covered) {
            upd.latest_date_covered
        } else {
            del.latest_date_covered
        };
        let latest_ms = covered(&latest);
        if latest_ms > floor_minute(now) {
            // Never past the end asked for, whatever the server says: a watermark ahead of
            // the data would skip changes.
            changes.latest_date_covered = datetime::format(floor_minute(now));
        } else if latest_ms > start_ms {
            changes.latest_date_covered = latest;
        }
        changes.updated = upd.ids;
        changes.deleted = del.records;
        Ok(changes)
    }

    /// Sets the watermark file of [`SObject::changes_since`] to `datetime` (a Salesforce
    /// dateTime such as `2026-11-30T00:00:00Z`), as after a full resync that started then.
    /// A time more than five minutes ahead of this machine's clock is
    /// [`Error::InvalidArgument`]: `changes_since` would report nothing until then (a local
    /// time written with `Z`, say).
    pub fn set_watermark(&self, path: impl AsRef<Path>, datetime: &str) -> Result<()> {
        let Some(at) = datetime::parse(datetime) else {
            return Err(Error::InvalidArgument {
                message: format!(
                    "set_watermark: {datetime:?} is not a Salesforce dateTime (such as 2026-11-30T00:00:00Z)"
                ),
            });
        };
        let now = datetime::now_ms();
        if at > now + SET_SLACK_MS {
            return Err(Error::InvalidArgument {
                message: format!(
                    "set_watermark: {datetime} is in the future (now is {}): changes_since would report nothing until then; give the time in UTC",
                    datetime::format(now)
                ),
            });
        }
        write_watermark(path.as_ref(), self.name(), datetime)
    }
}

/// The stored start, `None` when there is no file yet.
fn read_watermark(path: &Path, sobject: &str) -> Result<Option<String>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::Watermark {
                path: path.to_path_buf(),
                problem: format!("cannot read it: {e}"),
            })
        }
    };
    let corrupt = |problem: String| Error::Watermark {
        path: path.to_path_buf(),
        problem,
    };
    let mark: Watermark = serde_json::from_slice(&bytes).map_err(|e| {
        corrupt(format!(
            "not a watermark sfrest wrote ({e}); expected {{\"sobject\":\"{sobject}\",\"latestDateCovered\":\"2026-11-30T00:00:00.000+0000\"}}"
        ))
    })?;
    if !mark.sobject.eq_ignore_ascii_case(sobject) {
        return Err(corrupt(format!(
            "it is the watermark of {}, not of {sobject}: use one file per sObject type",
            mark.sobject
        )));
    }
    if datetime::parse(&mark.latest_date_covered).is_none() {
        return Err(corrupt(format!(
            "latestDateCovered {:?} is not a dateTime",
            mark.latest_date_covered
        )));
    }
    Ok(Some(mark.latest_date_covered))
}

fn write_watermark(path: &Path, sobject: &str, latest: &str) -> Result<()> {
    let io = |what: &str, e: std::io::Error| Error::Io {
        context: format!("cannot {what} the watermark file {}", path.display()),
        source: e,
    };
    let mut bytes = serde_json::to_vec(&Watermark {
        sobject: sobject.to_string(),
        latest_date_covered: latest.to_string(),
    })
    .map_err(|e| Error::json("cannot serialize the watermark", e))?;
    bytes.push(b'\n');
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io("create the directory of", e))?;
    }
    crate::atomic_file::replace(path, &bytes, false).map_err(|e| io("write", e))
}
