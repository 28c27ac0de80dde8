//! The org's time zone, in which SOQL date literals (`TODAY`, `THIS_WEEK`, ...) are evaluated.
//!
//! No time zone database: UTC, fixed offsets (`+02:00`, `GMT-05:00`), and the common
//! Salesforce `TimeZoneSidKey` names with their daylight-saving rules (US, EU, southern
//! Australia and New Zealand, as in force since 2007).

use crate::time::{civil_from_days, days_from_civil};

const DAY_MS: i64 = 86_400_000;
const MIN_MS: i64 = 60_000;

/// When a zone observes daylight saving time (one hour ahead of its standard offset).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dst {
    None,
    /// Second Sunday of March 02:00 local to first Sunday of November 02:00 local.
    Us,
    /// Last Sunday of March 01:00 UTC to last Sunday of October 01:00 UTC.
    Eu,
    /// First Sunday of October 02:00 standard to first Sunday of April 03:00 daylight.
    Au,
    /// Last Sunday of September 02:00 standard to first Sunday of April 03:00 daylight.
    Nz,
}

/// A time zone: a standard offset from UTC and a daylight-saving rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TimeZone {
    /// The name it was given by (`America/Los_Angeles`, `UTC`, `+02:00`).
    pub name: String,
    /// Standard offset from UTC, in minutes (east positive).
    std_min: i32,
    dst: Dst,
}

/// Named zones: (name, standard offset in minutes, daylight-saving rule).
const ZONES: &[(&str, i32, Dst)] = &[
    ("America/New_York", -300, Dst::Us),
    ("America/Detroit", -300, Dst::Us),
    ("America/Toronto", -300, Dst::Us),
    ("America/Chicago", -360, Dst::Us),
    ("America/Mexico_City", -360, Dst::None),
    ("America/Denver", -420, Dst::Us),
    ("America/Phoenix", -420, Dst::None),
    ("America/Los_Angeles", -480, Dst::Us),
    ("America/Vancouver", -480, Dst::Us),
    ("America/Anchorage", -540, Dst::Us),
    ("America/Halifax", -240, Dst::Us),
    ("America/Sao_Paulo", -180, Dst::None),
    ("America/Argentina/Buenos_Aires", -180, Dst::None),
    ("America/Bogota", -300, Dst::None),
    ("America/Lima", -300, Dst::None),
    ("Pacific/Honolulu", -600, Dst::None),
    ("Europe/London", 0, Dst::Eu),
    ("Europe/Dublin", 0, Dst::Eu),
    ("Europe/Lisbon", 0, Dst::Eu),
    ("Europe/Paris", 60, Dst::Eu),
    ("Europe/Berlin", 60, Dst::Eu),
    ("Europe/Madrid", 60, Dst::Eu),
    ("Europe/Rome", 60, Dst::Eu),
    ("Europe/Amsterdam", 60, Dst::Eu),
    ("Europe/Brussels", 60, Dst::Eu),
    ("Europe/Zurich", 60, Dst::Eu),
    ("Europe/Vienna", 60, Dst::Eu),
    ("Europe/Stockholm", 60, Dst::Eu),
    ("Europe/Oslo", 60, Dst::Eu),
    ("Europe/Copenhagen", 60, Dst::Eu),
    ("Europe/Prague", 60, Dst::Eu),
    ("Europe/Warsaw", 60, Dst::Eu),
    ("Europe/Athens", 120, Dst::Eu),
    ("Europe/Helsinki", 120, Dst::Eu),
    ("Europe/Kiev", 120, Dst::Eu),
    ("Europe/Istanbul", 180, Dst::None),
    ("Europe/Moscow", 180, Dst::None),
    ("Africa/Johannesburg", 120, Dst::None),
    ("Africa/Cairo", 120, Dst::None),
    ("Africa/Lagos", 60, Dst::None),
    ("Asia/Dubai", 240, Dst::None),
    ("Asia/Karachi", 300, Dst::None),
    ("Asia/Kolkata", 330, Dst::None),
    ("Asia/Dhaka", 360, Dst::None),
    ("Asia/Bangkok", 420, Dst::None),
    ("Asia/Jakarta", 420, Dst::None),
    ("Asia/Shanghai", 480, Dst::None),
    ("Asia/Hong_Kong", 480, Dst::None),
    ("Asia/Singapore", 480, Dst::None),
    ("Asia/Manila", 480, Dst::None),
    ("Asia/Taipei", 480, Dst::None),
    ("Australia/Perth", 480, Dst::None),
    ("Asia/Tokyo", 540, Dst::None),
    ("Asia/Seoul", 540, Dst::None),
    ("Australia/Brisbane", 600, Dst::None),
    ("Australia/Adelaide", 570, Dst::Au),
    ("Australia/Sydney", 600, Dst::Au),
    ("Australia/Melbourne", 600, Dst::Au),
    ("Pacific/Auckland", 720, Dst::Nz),
];

impl Default for TimeZone {
    fn default() -> TimeZone {
        TimeZone::utc()
    }
}

impl TimeZone {
    /// UTC, the default.
    pub(crate) fn utc() -> TimeZone {
        TimeZone {
            name: "UTC".to_owned(),
            std_min: 0,
            dst: Dst::None,
        }
    }

    /// A zone by name: `UTC`, `GMT`, a fixed offset (`+02:00`, `-0530`, `GMT+01:00`) or one
    /// of the common `TimeZoneSidKey` names (`America/Los_Angeles`, `Europe/Paris`, ...).
    pub(crate) fn parse(name: &str) -> Option<TimeZone> {
        let name = name.trim();
        if let Some(&(n, std_min, dst)) = ZONES.iter().find(|z| z.0.eq_ignore_ascii_case(name)) {
            return Some(TimeZone {
                name: n.to_owned(),
                std_min,
                dst,
            });
        }
        let upper = name.to_ascii_uppercase();
        let offset = upper
            .strip_prefix("GMT")
            .or_else(|| upper.strip_prefix("UTC"))
            .unwrap_or(&upper);
        let std_min = match offset {
            "" | "Z" => 0,
            _ => parse_offset(offset)?,
        };
        Some(TimeZone {
            name: name.to_owned(),
            std_min,
            dst: Dst::None,
        })
    }

    /// The offset from UTC in milliseconds at the UTC instant `utc_ms`.
    pub(crate) fn offset_ms(&self, utc_ms: i64) -> i64 {
        let std = self.std_min as i64 * MIN_MS;
        let in_dst = match self.dst {
            Dst::None => false,
            dst => {
                let (year, _, _) = civil_from_days((utc_ms + std).div_euclid(DAY_MS));
                let (start, end) = dst_bounds(dst, year, std);
                if start < end {
                    (start..end).contains(&utc_ms)
                } else {
                    utc_ms >= start || utc_ms < end
                }
            }
        };
        std + if in_dst { 60 * MIN_MS } else { 0 }
    }

    /// The local day (days since 1970-01-01) of the UTC instant `utc_ms`.
    pub(crate) fn local_day(&self, utc_ms: i64) -> i64 {
        (utc_ms + self.offset_ms(utc_ms)).div_euclid(DAY_MS)
    }

    /// The UTC instant of local midnight starting `day`.
    pub(crate) fn midnight_utc(&self, day: i64) -> i64 {
        let local = day * DAY_MS;
        let guess = local - self.offset_ms(local - self.std_min as i64 * MIN_MS);
        local - self.offset_ms(guess)
    }
}

/// `+hh:mm`, `-hhmm`, `+hh`: minutes east of UTC.
fn parse_offset(s: &str) -> Option<i32> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !matches!(digits.len(), 1 | 2 | 4) {
        return None;
    }
    let (h, m) = if digits.len() == 4 {
        (
            digits[..2].parse::<i32>().ok()?,
            digits[2..].parse::<i32>().ok()?,
        )
    } else {
        (digits.parse::<i32>().ok()?, 0)
    };
    (h <= 14 && m < 60).then_some(sign * (h * 60 + m))
}

/// The day of the `nth` (1-based) Sunday of a month, or its last Sunday with `nth == 0`.
fn sunday(year: i64, month: u32, nth: i64) -> i64 {
    if nth == 0 {
        let next = if month == 12 {
            days_from_civil(year + 1, 1, 1)
        } else {
            days_from_civil(year, month + 1, 1)
        };
        let last = next - 1;
        return last - (last + 4).rem_euclid(7);
    }
    let first = days_from_civil(year, month, 1);
    first + (7 - (first + 4).rem_euclid(7)) % 7 + (nth - 1) * 7
}

/// The UTC start and end of daylight saving time in `year`; start > end in the south.
fn dst_bounds(dst: Dst, year: i64, std: i64) -> (i64, i64) {
    let at =
        |day: i64, local_hour: i64, offset: i64| day * DAY_MS + local_hour * 3_600_000 - offset;
    let hour = 3_600_000;
    match dst {
        Dst::Us => (
            at(sunday(year, 3, 2), 2, std),
            at(sunday(year, 11, 1), 2, std + hour),
        ),
        Dst::Eu => (at(sunday(year, 3, 0), 1, 0), at(sunday(year, 10, 0), 1, 0)),
        Dst::Au => (
            at(sunday(year, 10, 1), 2, std),
            at(sunday(year, 4, 1), 3, std + hour),
        ),
        Dst::Nz => (
            at(sunday(year, 9, 0), 2, std),
            at(sunday(year, 4, 1), 3, std + hour),
        ),
        Dst::None => (0, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_datetime;

    fn ms(s: &str) -> i64 {
        parse_datetime(s).unwrap()
    }

    #[test]
    fn fixed_offsets_and_names() {
        assert_eq!(TimeZone::parse("UTC").unwrap().offset_ms(0), 0);
        assert_eq!(TimeZone::parse("+02:00").unwrap().offset_ms(0), 7_200_000);
        assert_eq!(
            TimeZone::parse("GMT-05:30").unwrap().offset_ms(0),
            -19_800_000
        );
        assert_eq!(
            TimeZone::parse("Asia/Kolkata").unwrap().offset_ms(0),
            19_800_000
        );
        assert!(TimeZone::parse("Mars/Olympus").is_none());
        assert!(TimeZone::parse("+25:00").is_none());
    }

    #[test]
    fn daylight_saving_rules() {
        let la = TimeZone::parse("america/los_angeles").unwrap();
        assert_eq!(la.name, "America/Los_Angeles");
        let h = 3_600_000;
        // 2026: DST from Sunday March 8 10:00 UTC to Sunday November 1 09:00 UTC.
        assert_eq!(la.offset_ms(ms("2026-03-08T09:59:59Z")), -8 * h);
        assert_eq!(la.offset_ms(ms("2026-03-08T10:00:00Z")), -7 * h);
        assert_eq!(la.offset_ms(ms("2026-11-01T08:59:59Z")), -7 * h);
        assert_eq!(la.offset_ms(ms("2026-11-01T09:00:00Z")), -8 * h);
        let paris = TimeZone::parse("Europe/Paris").unwrap();
        assert_eq!(paris.offset_ms(ms("2026-03-29T00:59:59Z")), h);
        assert_eq!(paris.offset_ms(ms("2026-03-29T01:00:00Z")), 2 * h);
        assert_eq!(paris.offset_ms(ms("2026-10-25T01:00:00Z")), h);
        let sydney = TimeZone::parse("Australia/Sydney").unwrap();
        assert_eq!(sydney.offset_ms(ms("2026-01-15T00:00:00Z")), 11 * h);
        assert_eq!(sydney.offset_ms(ms("2026-07-15T00:00:00Z")), 10 * h);
    }

    #[test]
    fn local_days_and_midnights() {
        let la = TimeZone::parse("America/Los_Angeles").unwrap();
        let t = ms("2026-12-01T05:00:00Z"); // Nov 30, 21:00 in Los Angeles
        let day = la.local_day(t);
        assert_eq!(crate::time::format_date(day as i32), "2026-11-30");
        assert_eq!(la.midnight_utc(day), ms("2026-11-30T08:00:00Z"));
        // The day DST starts is 23 hours long.
        let start = days_from_civil(2026, 3, 8);
        assert_eq!(la.midnight_utc(start), ms("2026-03-08T08:00:00Z"));
        assert_eq!(la.midnight_utc(start + 1), ms("2026-03-09T07:00:00Z"));
        assert_eq!(TimeZone::utc().midnight_utc(day), day * DAY_MS);
    }
}
