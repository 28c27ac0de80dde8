//! Time for the tests of incremental jobs: epoch milliseconds, whole minutes, Salesforce's
//! date-time text both ways, and records backdated to a given instant. Written here rather
//! than taken from the crates, so that no test checks the code with itself. sfrest's tests
//! use this same file (tests/common/mod.rs includes it through `#[path]`).

use serde_json::json;
use sfrest_fake_org::FakeOrg;

pub const MIN: i64 = 60_000;
pub const HOUR: i64 = 60 * MIN;

/// Now, in epoch milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The start of this minute, in epoch milliseconds.
pub fn this_minute() -> i64 {
    let now = now_ms();
    now - now.rem_euclid(MIN)
}

/// The start of a minute well in the past, so that the fake's clock never matters.
pub fn past_minute(minutes_ago: i64) -> i64 {
    this_minute() - minutes_ago * MIN
}

/// The civil date `(year, month, day)` of a day number since the epoch (Howard Hinnant's
/// algorithm).
pub fn civil_date(day: i64) -> (i64, i64, i64) {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `2026-11-30T00:00:00Z` for epoch milliseconds (whole seconds).
pub fn iso(ms: i64) -> String {
    let (y, m, d) = civil_date(ms.div_euclid(86_400_000));
    let secs = ms.rem_euclid(86_400_000) / 1000;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Epoch milliseconds of a date-time as the fake answers it (`2026-12-01T10:15:00.000+0000`)
/// or as [`iso`] writes it (`...Z`).
pub fn ms_of(text: &str) -> i64 {
    let t = text.trim_end_matches('Z').replace(".000+0000", "");
    let (date, time) = t.split_once('T').unwrap();
    let d: Vec<i64> = date.split('-').map(|p| p.parse().unwrap()).collect();
    let h: Vec<i64> = time.split(':').map(|p| p.parse().unwrap()).collect();
    let (y, m) = if d[1] <= 2 {
        (d[0] - 1, d[1])
    } else {
        (d[0], d[1])
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d[2] - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    ((days * 24 + h[0]) * 60 + h[1]) * MIN + h[2] * 1000
}

/// A new Account named `name`, last modified (and created) at `at`; its id.
pub fn account_at(org: &FakeOrg, name: &str, at: i64) -> String {
    let id = org.insert("Account", json!({ "Name": name }));
    assert!(org.backdate("Account", &id, at));
    id
}
