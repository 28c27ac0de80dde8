//! Evaluates a parsed query over the store: filter, sort, offset and limit, and the children
//! of parent-to-child subqueries.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use super::{Cond, FieldRef, LikeTok, Operand, OrderKey, Query, Select, SubQuery};
use crate::schema;
use crate::store::{is_deleted, is_purged, Row, Store};
use crate::value::Value;

static NULL: Value = Value::Null;

/// The ids a semi-join's inner query selects, normalized to 15 characters.
pub(super) type IdSet = HashSet<[u8; 15]>;

/// The value of a (possibly parent) field for a record; null when a lookup on the way is empty.
pub(crate) fn field_value<'a>(store: &'a Store, row: &'a Row, f: &FieldRef) -> &'a Value {
    let mut row = row;
    for hop in f.hops() {
        match row[hop.lookup as usize] {
            Value::Id(t, r) if t == hop.target => match store.row(t, r) {
                Some(parent) => row = parent,
                None => return &NULL,
            },
            _ => return &NULL,
        }
    }
    &row[f.field as usize]
}

/// The rows matching the query, in result order, after OFFSET and LIMIT; for an aggregate
/// query every matching row (its OFFSET and LIMIT apply to the groups).
///
/// `all_rows` includes deleted records (queryAll).
pub(crate) fn execute(q: &Query, store: &Store, all_rows: bool) -> Vec<u32> {
    let rows = &store.table(q.obj).rows;
    let whole = matches!(q.select, Select::Aggregate(_));
    let (limit, offset) = if whole {
        (None, 0)
    } else {
        (q.limit, q.offset)
    };
    let early_stop = if q.order.is_empty() {
        limit.map(|l| l.saturating_add(offset))
    } else {
        None
    };
    let sets = semi_sets(q, store);
    let mut out: Vec<u32> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        if early_stop.is_some_and(|n| out.len() >= n) {
            break;
        }
        if (if all_rows {
            is_purged(row)
        } else {
            is_deleted(row)
        }) || !q
            .filter
            .as_ref()
            .is_none_or(|c| matches(c, &|f: &FieldRef| field_value(store, row, f), &sets))
        {
            continue;
        }
        out.push(i as u32);
    }
    sort_rows(
        &mut out,
        &q.order,
        store,
        rows,
        limit.map(|l| l.saturating_add(offset)),
    );
    window(&mut out, offset, limit);
    out
}

/// The id set of each of the query's semi-joins: what its inner query selects from the live
/// records, nulls left out.
fn semi_sets(q: &Query, store: &Store) -> Vec<IdSet> {
    q.semi
        .iter()
        .map(|s| {
            let rows = &store.table(s.query.obj).rows;
            execute(&s.query, store, false)
                .into_iter()
                .filter_map(|r| id15(&rows[r as usize][s.field]))
                .collect()
        })
        .collect()
}

/// An id or reference value as a normalized 15-character id; `None` for null.
fn id15(v: &Value) -> Option<[u8; 15]> {
    match v {
        Value::Id(obj, row) => Some(schema::object(*obj).id15_of(*row)),
        Value::Short(..) | Value::Long(_) => crate::ids::normalize(v.as_str()?),
        _ => None,
    }
}

/// Sorts rows by ORDER BY keys, ties in insertion order. With `keep` (OFFSET + LIMIT), only
/// the first `keep` rows are put in order and the rest dropped: a selection, then a small sort.
fn sort_rows(
    out: &mut Vec<u32>,
    order: &[OrderKey<FieldRef>],
    store: &Store,
    rows: &[Row],
    keep: Option<usize>,
) {
    if order.is_empty() {
        return;
    }
    let cmp = |a: &u32, b: &u32| {
        let (ra, rb) = (&rows[*a as usize], &rows[*b as usize]);
        order_cmp(
            order,
            |f| field_value(store, ra, f),
            |f| field_value(store, rb, f),
        )
        .then(a.cmp(b))
    };
    match keep {
        Some(0) => out.clear(),
        Some(k) if k < out.len() => {
            out.select_nth_unstable_by(k - 1, cmp);
            out.truncate(k);
            out.sort_unstable_by(cmp);
        }
        _ => out.sort_unstable_by(cmp),
    }
}

/// Keeps `limit` items from `offset` on.
pub(super) fn window<T>(out: &mut Vec<T>, offset: usize, limit: Option<usize>) {
    let start = offset.min(out.len());
    let end = limit.map_or(out.len(), |l| start.saturating_add(l).min(out.len()));
    out.truncate(end);
    out.drain(..start);
}

/// Compares two items by ORDER BY keys, their values given by `a` and `b`.
pub(super) fn order_cmp<'v, L>(
    keys: &[OrderKey<L>],
    a: impl Fn(&L) -> &'v Value,
    b: impl Fn(&L) -> &'v Value,
) -> Ordering {
    for key in keys {
        let (va, vb) = (a(&key.key), b(&key.key));
        let ord = match (va.is_null(), vb.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) if key.nulls_first => Ordering::Less,
            (true, false) => Ordering::Greater,
            (false, true) if key.nulls_first => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) if key.desc => key_cmp(key.picklist, va, vb).reverse(),
            (false, false) => key_cmp(key.picklist, va, vb),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// The children of each of `parents` (rows of `parent_obj`) for a subquery: filtered, in the
/// subquery's order, with its OFFSET and LIMIT applied to each parent.
pub(crate) fn children(
    sub: &SubQuery,
    parent_obj: u8,
    parents: &[u32],
    store: &Store,
) -> HashMap<u32, Vec<u32>> {
    let q = &sub.query;
    let mut wanted: HashMap<u32, Vec<u32>> = parents.iter().map(|&p| (p, Vec::new())).collect();
    let rows = &store.table(q.obj).rows;
    for (i, row) in rows.iter().enumerate() {
        let Value::Id(t, parent) = row[sub.lookup] else {
            continue;
        };
        if t != parent_obj || is_deleted(row) {
            continue;
        }
        let Some(kids) = wanted.get_mut(&parent) else {
            continue;
        };
        let keep = q
            .filter
            .as_ref()
            .is_none_or(|c| matches(c, &|f: &FieldRef| field_value(store, row, f), &[]));
        if keep {
            kids.push(i as u32);
        }
    }
    for kids in wanted.values_mut() {
        sort_rows(
            kids,
            &q.order,
            store,
            rows,
            q.limit.map(|l| l.saturating_add(q.offset)),
        );
        window(kids, q.offset, q.limit);
    }
    wanted
}

/// Whether the values given by `get` satisfy condition `c`, with `sets` the id sets of the
/// query's semi-joins.
pub(super) fn matches<'v, L>(c: &Cond<L>, get: &dyn Fn(&L) -> &'v Value, sets: &[IdSet]) -> bool {
    match c {
        Cond::And(terms) => terms.iter().all(|t| matches(t, get, sets)),
        Cond::Or(terms) => terms.iter().any(|t| matches(t, get, sets)),
        Cond::Not(inner) => !matches(inner, get, sets),
        // A null never is among the ids, so NOT IN keeps it, as NOT IN a list of values does.
        Cond::InQuery(f, negated, i) => {
            let found =
                id15(get(f)).is_some_and(|id| sets.get(*i).is_some_and(|s| s.contains(&id)));
            found != *negated
        }
        Cond::Cmp(f, op, operand) => {
            let v = get(f);
            match (*op, operand) {
                ("=", Operand::Null) => v.is_null(),
                ("!=", Operand::Null) => !v.is_null(),
                ("=", o) => compare(v, o) == Some(Ordering::Equal),
                ("!=", o) => v.is_null() || compare(v, o) != Some(Ordering::Equal),
                (op, o) => match compare(v, o) {
                    Some(ord) => match op {
                        "<" => ord == Ordering::Less,
                        "<=" => ord != Ordering::Greater,
                        ">" => ord == Ordering::Greater,
                        _ => ord != Ordering::Less,
                    },
                    None => false,
                },
            }
        }
        Cond::In(f, negated, list) => {
            let v = get(f);
            let found = list.iter().any(|o| match o {
                Operand::Null => v.is_null(),
                o => compare(v, o) == Some(Ordering::Equal),
            });
            found != *negated
        }
        Cond::Like(f, pattern) => match get(f).as_str() {
            Some(s) => like(s, pattern),
            None => false,
        },
    }
}

/// Compares a stored value with an operand; `None` when either is null or types differ.
fn compare(v: &Value, o: &Operand) -> Option<Ordering> {
    match (v, o) {
        (Value::Short(..) | Value::Long(_), Operand::Text(t)) => Some(ci_cmp(v.as_str()?, t)),
        (Value::Int(i), Operand::Num(n)) => (*i as f64).partial_cmp(n),
        (Value::Num(x), Operand::Num(n)) => x.partial_cmp(n),
        (Value::Bool(a), Operand::Bool(b)) => Some(a.cmp(b)),
        (Value::Date(a), Operand::Date(b)) => Some(a.cmp(b)),
        (Value::DateTime(a), Operand::DateTime(b)) => Some(a.cmp(b)),
        (Value::Date(a), Operand::Range(start, end)) => Some(in_range(*a as i64, *start, *end)),
        (Value::DateTime(a), Operand::Range(start, end)) => Some(in_range(*a, *start, *end)),
        (Value::Id(obj, row), Operand::Id(id)) => Some(schema::object(*obj).id15_of(*row).cmp(id)),
        (Value::Short(..) | Value::Long(_), Operand::Id(id)) => {
            let own = crate::ids::normalize(v.as_str()?)?;
            Some(own.cmp(id))
        }
        _ => None,
    }
}

/// Where `v` lies against `[start, end)`: before it, inside or after it.
fn in_range(v: i64, start: i64, end: i64) -> Ordering {
    if v < start {
        Ordering::Less
    } else if v >= end {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// Orders two non-null values of an ORDER BY key: a picklist's by their place in its setup
/// order (values not in it after all that are, among themselves as text), others as values.
fn key_cmp(picklist: &[&str], a: &Value, b: &Value) -> Ordering {
    if let (false, Some(x), Some(y)) = (picklist.is_empty(), a.as_str(), b.as_str()) {
        let place = |v: &str| picklist.iter().position(|p| p.eq_ignore_ascii_case(v));
        return match (place(x), place(y)) {
            (Some(i), Some(j)) => i.cmp(&j),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => ci_fold(x, y),
        };
    }
    compare_values(a, b)
}

/// Orders two non-null values of the same field.
pub(super) fn compare_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Num(x), Value::Num(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Date(x), Value::Date(y)) => x.cmp(y),
        (Value::DateTime(x), Value::DateTime(y)) => x.cmp(y),
        (Value::Id(o1, r1), Value::Id(o2, r2)) => schema::object(*o1)
            .id15_of(*r1)
            .cmp(&schema::object(*o2).id15_of(*r2)),
        _ => match (a.as_str(), b.as_str()) {
            (Some(x), Some(y)) => ci_fold(x, y),
            _ => Ordering::Equal,
        },
    }
}

/// Case-insensitive comparison of `a` with the already lower-cased `lower`, in the order of
/// [`ci_fold`].
fn ci_cmp(a: &str, lower: &str) -> Ordering {
    ci_fold(a, lower)
}

/// Case-insensitive comparison of two strings: equal when their lower-case forms are (as
/// GROUP BY keys and equality always were), otherwise in the order of their upper-case forms:
/// "For English locales, SOQL uses the UTF-8 values of the uppercase character to create a
/// sort order" (so `_`, after `Z`, sorts after every letter).
pub(super) fn ci_fold(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        let equal = a.eq_ignore_ascii_case(b);
        return if equal {
            Ordering::Equal
        } else {
            a.bytes()
                .map(|c| c.to_ascii_uppercase())
                .cmp(b.bytes().map(|c| c.to_ascii_uppercase()))
        };
    }
    if a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
    {
        return Ordering::Equal;
    }
    a.chars()
        .flat_map(char::to_uppercase)
        .cmp(b.chars().flat_map(char::to_uppercase))
}

/// SQL LIKE, case-insensitive, with `%` and `_` wildcards.
fn like(s: &str, pattern: &[LikeTok]) -> bool {
    if s.is_ascii() {
        let b = s.as_bytes();
        like_at(b.len(), |i| b[i].to_ascii_lowercase() as char, pattern)
    } else {
        let text: Vec<char> = s.chars().flat_map(char::to_lowercase).collect();
        like_at(text.len(), |i| text[i], pattern)
    }
}

/// LIKE over `len` lower-cased characters given by `at`, backtracking on the last `%`.
fn like_at(len: usize, at: impl Fn(usize) -> char, pattern: &[LikeTok]) -> bool {
    let (mut t, mut p) = (0usize, 0usize);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < len {
        match pattern.get(p) {
            Some(LikeTok::Any) => {
                backtrack = Some((p, t));
                p += 1;
            }
            Some(LikeTok::One) => {
                t += 1;
                p += 1;
            }
            Some(LikeTok::Char(c)) if *c == at(t) => {
                t += 1;
                p += 1;
            }
            _ => match backtrack {
                Some((bp, bt)) => {
                    backtrack = Some((bp, bt + 1));
                    p = bp + 1;
                    t = bt + 1;
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|x| *x == LikeTok::Any)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pat(s: &str) -> Vec<LikeTok> {
        s.chars()
            .map(|c| match c {
                '%' => LikeTok::Any,
                '_' => LikeTok::One,
                c => LikeTok::Char(c),
            })
            .collect()
    }

    #[test]
    fn like_wildcards() {
        assert!(like("Acme Corporation", &pat("acme%")));
        assert!(like("Acme", &pat("%cm%")));
        assert!(like("abc", &pat("a_c")));
        assert!(!like("abcd", &pat("a_c")));
        assert!(like("", &pat("%")));
        assert!(like("aXbXc", &pat("%x%c")));
        assert!(!like("ab", &pat("%x%")));
        assert!(like("CAFÉ Müller", &pat("café m_ller")));
    }
}
