//! What Bulk API 2.0 query jobs do not take (GROUP BY, TYPEOF, child subqueries, aggregates,
//! OFFSET), found in a statement's text outside its string literals.

/// The text of a statement with its string literals blanked out, upper-cased.
fn code_only(soql: &str) -> String {
    let mut out = String::with_capacity(soql.len());
    let mut in_str = false;
    let mut escaped = false;
    for ch in soql.chars() {
        if in_str {
            if escaped {
                escaped = false;
            } else if ch == '\\' {
                escaped = true;
            } else if ch == '\'' {
                in_str = false;
            }
            out.push(' ');
        } else if ch == '\'' {
            in_str = true;
            out.push(' ');
        } else {
            out.push(ch.to_ascii_uppercase());
        }
    }
    out
}

/// A Bulk API 2.0 limitation the statement runs into, if any.
pub(super) fn unsupported(soql: &str) -> Option<&'static str> {
    let code = code_only(soql);
    let words: Vec<&str> = code
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let compact: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if words.windows(2).any(|w| w == ["GROUP", "BY"]) {
        return Some("GROUP BY");
    }
    if words.contains(&"TYPEOF") {
        return Some("TYPEOF");
    }
    if has_child_subquery(&code) {
        return Some("Parent-to-child relationship subqueries");
    }
    if ["COUNT(", "COUNT_DISTINCT(", "SUM(", "AVG(", "MIN(", "MAX("]
        .iter()
        .any(|f| compact.contains(f))
    {
        return Some("Aggregate functions, COUNT() included,");
    }
    if words.contains(&"OFFSET") {
        return Some("OFFSET");
    }
    None
}

/// True when a `(SELECT` stands before the statement's own FROM: a parent-to-child subquery
/// in the SELECT list (semi-joins in WHERE are fine in query jobs).
fn has_child_subquery(code: &str) -> bool {
    let b = code.as_bytes();
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'.';
    let mut depth = 0usize;
    for i in 0..b.len() {
        match b[i] {
            b'(' => {
                depth += 1;
                let rest = &b[i + 1..];
                let start = rest.iter().position(|c| !c.is_ascii_whitespace());
                if start.is_some_and(|s| rest[s..].starts_with(b"SELECT")) {
                    return true;
                }
            }
            b')' => depth = depth.saturating_sub(1),
            b'F' if depth == 0
                && b[i..].starts_with(b"FROM")
                && (i == 0 || !is_word(b[i - 1]))
                && !b.get(i + 4).is_some_and(|c| is_word(*c)) =>
            {
                return false
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_limitations_are_found_outside_strings() {
        assert!(unsupported("SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry").is_some());
        assert!(unsupported("SELECT COUNT() FROM Account").is_some());
        assert!(unsupported("SELECT Id, (SELECT Id FROM Contacts) FROM Account").is_some());
        assert!(unsupported("SELECT Id FROM Account OFFSET 5").is_some());
        assert!(unsupported("SELECT Id FROM Account WHERE Name = 'group by (select'").is_none());
    }
}
