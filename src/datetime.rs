//! Salesforce dateTime strings (`2026-11-30T00:00:00Z`, `2026-11-30T01:00:00.000+01:00`,
//! `2013-05-08T21:20:00.000+0000`) to and from epoch milliseconds, without a date crate.

use std::time::{SystemTime, UNIX_EPOCH};

/// One minute in milliseconds: the replication API's granularity.
pub(crate) const MINUTE_MS: i64 = 60_000;

/// Milliseconds since the Unix epoch, now.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn number(s: &str, range: std::ops::RangeInclusive<i64>) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|n| range.contains(n))
}

/// Parses `YYYY-MM-DDThh:mm:ss[.fff]` followed by `Z`, `+hh:mm`, `+hhmm` or `-...`: the offset
/// is required, so that a local time is never taken for UTC.
pub(crate) fn parse(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' {
        return None;
    }
    let year = number(s.get(..4)?, 1..=9999)?;
    let month = number(s.get(5..7)?, 1..=12)?;
    let day = number(s.get(8..10)?, 1..=31)?;
    let (h, mi, sec) = (
        number(s.get(11..13)?, 0..=23)?,
        number(s.get(14..16)?, 0..=59)?,
        number(s.get(17..19)?, 0..=59)?,
    );
    let days = days_from_civil(year, month, day);
    if civil_from_days(days) != (year, month, day) {
        return None; // 2026-02-30
    }
    let mut rest = s.get(19..)?;
    let mut millis = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        let digits = frac.get(..n).filter(|d| !d.is_empty())?;
        let mut three: String = digits.chars().take(3).collect();
        while three.len() < 3 {
            three.push('0');
        }
        millis = number(&three, 0..=999)?;
        rest = frac.get(n..)?;
    }
    let offset_min = match rest.as_bytes() {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), ..] => {
            let tail = rest.get(1..)?;
            let (oh, om) = match tail.len() {
                5 if tail.as_bytes()[2] == b':' => (tail.get(..2)?, tail.get(3..)?),
                4 => (tail.get(..2)?, tail.get(2..)?),
                _ => return None,
            };
            let total = number(oh, 0..=23)? * 60 + number(om, 0..=59)?;
            if *sign == b'-' {
                -total
            } else {
                total
            }
        }
        _ => return None,
    };
    Some(((days * 24 + h) * 60 + mi - offset_min) * MINUTE_MS + sec * 1000 + millis)
}

/// Formats as UTC with `Z`: `2026-11-30T00:00:00Z` (milliseconds when not zero).
pub(crate) fn format(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, mo, d) = civil_from_days(days);
    let (h, mi, s, milli) = (
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000,
    );
    if milli == 0 {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    } else {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
    }
}

/// The start of the minute `ms` falls in.
pub(crate) fn floor_minute(ms: i64) -> i64 {
    ms - ms.rem_euclid(MINUTE_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_salesforce_form() {
        let z = parse("2026-11-30T00:00:00Z").unwrap();
        assert_eq!(parse("2026-11-30T00:00:00.000+0000"), Some(z));
        assert_eq!(parse("2026-11-30T01:00:00+01:00"), Some(z));
        assert_eq!(parse("2026-11-29T19:00:00.000-05:00"), Some(z));
        assert_eq!(parse("2026-11-30T00:00:00.5Z"), Some(z + 500));
        assert_eq!(format(z), "2026-11-30T00:00:00Z");
        assert_eq!(format(z + 1500), "2026-11-30T00:00:01.500Z");
        assert_eq!(parse(&format(z + 61_000)), Some(z + 61_000));
        assert_eq!(floor_minute(z + 59_999), z);
        assert_eq!(floor_minute(z - 1), z - MINUTE_MS);
    }

    #[test]
    fn refuses_what_is_not_a_zoned_datetime() {
        for bad in [
            "2026-11-30T00:00:00",
            "2026-11-30 00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-11-30T24:00:00Z",
            "2026-11-30T00:00:00+1",
            "2026-11-30T00:00:00.Z",
            "yesterday",
            "",
            "2026-11-30T00:00:00Zjunk",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
