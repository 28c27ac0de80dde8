//! Calendar arithmetic and the date formats Salesforce uses on the wire.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, now.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a day number counted from 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Writes a date as `2010-01-31`.
pub(crate) fn write_date(out: &mut Vec<u8>, days: i32) {
    let (y, m, d) = civil_from_days(days as i64);
    out.extend_from_slice(format!("{y:04}-{m:02}-{d:02}").as_bytes());
}

/// Formats a date as `2010-01-31`.
pub(crate) fn format_date(days: i32) -> String {
    let mut v = Vec::with_capacity(10);
    write_date(&mut v, days);
    String::from_utf8_lossy(&v).into_owned()
}

/// Writes a datetime as Salesforce does: `2011-07-07T00:37:00.000+0000`.
pub(crate) fn write_datetime(out: &mut Vec<u8>, ms: i64) {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, mo, d) = civil_from_days(days);
    let (h, mi, s, milli) = (
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000,
    );
    out.extend_from_slice(
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}+0000").as_bytes(),
    );
}

/// Formats a datetime as `2011-07-07T00:37:00.000+0000`.
pub(crate) fn format_datetime(ms: i64) -> String {
    let mut v = Vec::with_capacity(28);
    write_datetime(&mut v, ms);
    String::from_utf8_lossy(&v).into_owned()
}

/// An HTTP `Date` header value: `Tue, 15 Nov 1994 08:12:31 GMT`.
pub(crate) fn http_date(ms: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = ms.div_euclid(86_400_000);
    let secs = ms.rem_euclid(86_400_000) / 1000;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{}, {d:02} {} {y:04} {:02}:{:02}:{:02} GMT",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(m - 1) as usize],
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn digits(s: &[u8]) -> Option<i64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0i64, |n, c| {
        n.checked_mul(10)?.checked_add((c - b'0') as i64)
    })
}

/// Parses `YYYY-MM-DD` into a day number; `None` when malformed or not a real date.
pub(crate) fn parse_date(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (
        digits(&b[..4])?,
        digits(&b[5..7])? as u32,
        digits(&b[8..])? as u32,
    );
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    i32::try_from(days_from_civil(y, m, d)).ok()
}

/// Parses an ISO-8601 datetime into epoch milliseconds.
///
/// Accepts `YYYY-MM-DDThh:mm:ss`, optional fraction, then `Z`, `+hhmm`, `+hh:mm` (or nothing, UTC).
pub(crate) fn parse_datetime(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19 || (b[10] != b'T' && b[10] != b't' && b[10] != b' ') {
        return None;
    }
    let days = parse_date(s.get(..10)?)? as i64;
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, mi, sec) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    if h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let mut rest = &b[19..];
    let mut millis = 0i64;
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        let mut scaled = frac[..n.min(3)].to_vec();
        scaled.resize(3, b'0');
        millis = digits(&scaled)?;
        rest = &frac[n..];
    }
    let offset_min = match rest {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let (oh, om) = match tail {
                [a, b, b':', c, d] | [a, b, c, d] => (digits(&[*a, *b])?, digits(&[*c, *d])?),
                [a, b] => (digits(&[*a, *b])?, 0),
                _ => return None,
            };
            let total = oh * 60 + om;
            if *sign == b'-' {
                -total
            } else {
                total
            }
        }
        _ => return None,
    };
    Some(((days * 24 + h) * 60 + mi - offset_min) * 60_000 + sec * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(format_date(parse_date("2026-12-31").unwrap()), "2026-12-31");
        let ms = parse_datetime("2011-07-07T00:37:00.000+0000").unwrap();
        assert_eq!(format_datetime(ms), "2011-07-07T00:37:00.000+0000");
        assert_eq!(parse_datetime("2011-07-07T02:37:00+02:00"), Some(ms));
        assert_eq!(parse_datetime("2011-07-07T00:37:00Z"), Some(ms));
        assert_eq!(http_date(784_887_151_000), "Tue, 15 Nov 1994 08:12:31 GMT");
    }
}
