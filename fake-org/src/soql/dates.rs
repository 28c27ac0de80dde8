//! SOQL date literals (`TODAY`, `LAST_N_DAYS:7`, `THIS_QUARTER`, ...): the range of local days
//! each one stands for, relative to today in the org's time zone.
//!
//! Weeks start on Sunday (the en_US locale); the fiscal year is the calendar year (a new org's
//! default), so `THIS_FISCAL_QUARTER` is `THIS_QUARTER`.

use crate::time::{civil_from_days, days_from_civil};

#[derive(Clone, Copy, PartialEq)]
enum Unit {
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

/// Which range of units, relative to the current one.
#[derive(Clone, Copy, PartialEq)]
enum Span {
    This,
    Last,
    Next,
    LastN,
    NextN,
    Ago,
}

/// Whether `word` names a date literal, and whether it takes `:n`.
pub(super) fn takes_number(word: &str) -> Option<bool> {
    let upper = word.to_ascii_uppercase();
    if matches!(upper.as_str(), "LAST_90_DAYS" | "NEXT_90_DAYS") {
        return Some(false);
    }
    classify(&upper).map(|(_, span)| matches!(span, Span::LastN | Span::NextN | Span::Ago))
}

/// The unit and span of an upper-cased literal name.
fn classify(w: &str) -> Option<(Unit, Span)> {
    match w {
        "TODAY" => return Some((Unit::Day, Span::This)),
        "YESTERDAY" => return Some((Unit::Day, Span::Last)),
        "TOMORROW" => return Some((Unit::Day, Span::Next)),
        _ => {}
    }
    let fiscal = w.contains("_FISCAL_");
    let w = w.replace("_FISCAL_", "_");
    let unit_of = |s: &str, plural: bool| {
        let unit = match s.strip_suffix('S').filter(|_| plural).unwrap_or(s) {
            "DAY" => Unit::Day,
            "WEEK" => Unit::Week,
            "MONTH" => Unit::Month,
            "QUARTER" => Unit::Quarter,
            "YEAR" => Unit::Year,
            _ => return None,
        };
        let plural_ok = s.ends_with('S') == plural;
        let fiscal_ok = !fiscal || matches!(unit, Unit::Quarter | Unit::Year);
        (plural_ok && fiscal_ok).then_some(unit)
    };
    let (span, unit) = if let Some(rest) = w.strip_prefix("LAST_N_") {
        (Span::LastN, unit_of(rest, true)?)
    } else if let Some(rest) = w.strip_prefix("NEXT_N_") {
        (Span::NextN, unit_of(rest, true)?)
    } else if let Some(rest) = w.strip_prefix("N_").and_then(|r| r.strip_suffix("_AGO")) {
        (Span::Ago, unit_of(rest, true)?)
    } else if let Some(rest) = w.strip_prefix("THIS_") {
        (Span::This, unit_of(rest, false)?)
    } else if let Some(rest) = w.strip_prefix("LAST_") {
        (Span::Last, unit_of(rest, false)?)
    } else {
        (Span::Next, unit_of(w.strip_prefix("NEXT_")?, false)?)
    };
    let day_form_ok = unit != Unit::Day || matches!(span, Span::LastN | Span::NextN | Span::Ago);
    day_form_ok.then_some((unit, span))
}

/// The local days `[start, end)` that literal `word` (with `n` for the `:n` forms) stands for,
/// `today` being the local day now. `None` for a word that is not a date literal.
pub(super) fn range(word: &str, n: i64, today: i64) -> Option<(i64, i64)> {
    let upper = word.to_ascii_uppercase();
    match upper.as_str() {
        "LAST_90_DAYS" => return Some((today - 90, today + 1)),
        "NEXT_90_DAYS" => return Some((today + 1, today + 91)),
        "LAST_N_DAYS" => return Some((today - n, today + 1)),
        _ => {}
    }
    let (unit, span) = classify(&upper)?;
    // The first day of the unit `k` units from the current one.
    let start = |k: i64| unit_start(unit, today, k);
    Some(match span {
        Span::This => (start(0), start(1)),
        Span::Last => (start(-1), start(0)),
        Span::Next => (start(1), start(2)),
        Span::LastN => (start(-n), start(0)),
        Span::NextN => (start(1), start(1 + n)),
        Span::Ago => (start(-n), start(1 - n)),
    })
}

/// The first day of the `unit` that is `k` units after the one holding `today`.
fn unit_start(unit: Unit, today: i64, k: i64) -> i64 {
    let (y, m, _) = civil_from_days(today);
    let month_index = |months: i64| {
        let i = y * 12 + (m as i64 - 1) + months;
        days_from_civil(i.div_euclid(12), (i.rem_euclid(12) + 1) as u32, 1)
    };
    match unit {
        Unit::Day => today + k,
        // 1970-01-01 was a Thursday: (day + 4) mod 7 is 0 on Sundays.
        Unit::Week => today - (today + 4).rem_euclid(7) + 7 * k,
        Unit::Month => month_index(k),
        Unit::Quarter => month_index(-((m as i64 - 1) % 3) + 3 * k),
        Unit::Year => days_from_civil(y + k, 1, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{format_date, parse_date};

    /// The range as `first..=last` dates.
    fn r(word: &str, n: i64, today: &str) -> String {
        let t = parse_date(today).unwrap() as i64;
        let (s, e) = range(word, n, t).unwrap();
        format!("{}..{}", format_date(s as i32), format_date(e as i32 - 1))
    }

    #[test]
    fn days() {
        let t = "2026-12-01"; // a Tuesday
        assert_eq!(r("TODAY", 0, t), "2026-12-01..2026-12-01");
        assert_eq!(r("yesterday", 0, t), "2026-11-30..2026-11-30");
        assert_eq!(r("TOMORROW", 0, t), "2026-12-02..2026-12-02");
        assert_eq!(r("LAST_N_DAYS", 1, t), "2026-11-30..2026-12-01");
        assert_eq!(r("NEXT_N_DAYS", 1, t), "2026-12-02..2026-12-02");
        assert_eq!(r("N_DAYS_AGO", 3, t), "2026-11-28..2026-11-28");
        assert_eq!(r("LAST_90_DAYS", 0, t), "2026-09-02..2026-12-01");
        assert_eq!(r("NEXT_90_DAYS", 0, t), "2026-12-02..2027-03-01");
    }

    #[test]
    fn weeks_start_on_sunday() {
        let t = "2026-12-01";
        assert_eq!(r("THIS_WEEK", 0, t), "2026-11-29..2026-12-05");
        assert_eq!(r("LAST_WEEK", 0, t), "2026-11-22..2026-11-28");
        assert_eq!(r("NEXT_WEEK", 0, t), "2026-12-06..2026-12-12");
        assert_eq!(r("LAST_N_WEEKS", 2, t), "2026-11-15..2026-11-28");
        assert_eq!(r("NEXT_N_WEEKS", 2, t), "2026-12-06..2026-12-19");
        assert_eq!(r("N_WEEKS_AGO", 1, t), "2026-11-22..2026-11-28");
        assert_eq!(r("THIS_WEEK", 0, "2026-11-29"), "2026-11-29..2026-12-05");
    }

    #[test]
    fn months_quarters_years() {
        let t = "2026-01-15";
        assert_eq!(r("THIS_MONTH", 0, t), "2026-01-01..2026-01-31");
        assert_eq!(r("LAST_MONTH", 0, t), "2025-12-01..2025-12-31");
        assert_eq!(r("NEXT_MONTH", 0, "2024-01-31"), "2024-02-01..2024-02-29");
        assert_eq!(r("LAST_N_MONTHS", 3, t), "2025-10-01..2025-12-31");
        assert_eq!(r("NEXT_N_MONTHS", 2, t), "2026-02-01..2026-03-31");
        assert_eq!(r("N_MONTHS_AGO", 13, t), "2024-12-01..2024-12-31");
        assert_eq!(r("THIS_QUARTER", 0, "2026-05-20"), "2026-04-01..2026-06-30");
        assert_eq!(r("LAST_QUARTER", 0, t), "2025-10-01..2025-12-31");
        assert_eq!(r("NEXT_QUARTER", 0, "2026-11-02"), "2027-01-01..2027-03-31");
        assert_eq!(r("LAST_N_QUARTERS", 2, t), "2025-07-01..2025-12-31");
        assert_eq!(r("THIS_YEAR", 0, t), "2026-01-01..2026-12-31");
        assert_eq!(r("LAST_YEAR", 0, t), "2025-01-01..2025-12-31");
        assert_eq!(r("LAST_N_YEARS", 2, t), "2024-01-01..2025-12-31");
        assert_eq!(r("N_YEARS_AGO", 1, t), "2025-01-01..2025-12-31");
        assert_eq!(r("THIS_FISCAL_YEAR", 0, t), "2026-01-01..2026-12-31");
        assert_eq!(r("LAST_N_FISCAL_QUARTERS", 1, t), "2025-10-01..2025-12-31");
    }

    #[test]
    fn which_words_are_literals() {
        assert_eq!(takes_number("TODAY"), Some(false));
        assert_eq!(takes_number("last_n_days"), Some(true));
        assert_eq!(takes_number("N_QUARTERS_AGO"), Some(true));
        assert_eq!(takes_number("LAST_90_DAYS"), Some(false));
        assert_eq!(takes_number("THIS_DAY"), None);
        assert_eq!(takes_number("LAST_N_WEEK"), None);
        assert_eq!(takes_number("Name"), None);
    }
}
