//! A SOSL subset: `FIND {term} [IN ALL|NAME|EMAIL|PHONE FIELDS] [RETURNING Obj(fields ...), ...]
//! [LIMIT n]`, matching every word of the term as a case-insensitive substring.

use crate::ctx::Ctx;
use crate::form::{param, parse_form};
use crate::org::read;
use crate::response::{ApiError, Response};
use crate::schema::{self, FieldType, OBJECTS};
use crate::soql::{self, Select};

fn malformed(msg: &str) -> ApiError {
    ApiError::new(400, "MALFORMED_SEARCH", msg)
}

/// `GET search?q=FIND ...`.
pub(crate) fn run(ctx: &Ctx) -> Response {
    search(ctx).unwrap_or_else(Response::from)
}

fn search(ctx: &Ctx) -> Result<Response, ApiError> {
    let params = parse_form(&ctx.req.query);
    let q = param(&params, "q").unwrap_or("").trim();
    let no_term = || malformed("No search term found. The search term must be enclosed in braces.");
    let rest = strip_word(q, "FIND").ok_or_else(no_term)?.trim_start();
    let rest = rest.strip_prefix('{').ok_or_else(no_term)?;
    let end = rest.find('}').ok_or_else(no_term)?;
    let term: String = rest[..end].replace(['*', '?', '"'], "").to_lowercase();
    let words: Vec<&str> = term
        .split_whitespace()
        .filter(|w| !matches!(*w, "and" | "or"))
        .collect();
    if words.iter().map(|w| w.chars().count()).sum::<usize>() < 2 {
        return Err(ApiError::new(
            400,
            "INVALID_SEARCH",
            "search term must be longer than one character",
        ));
    }
    let mut rest = rest[end + 1..].trim();
    let mut scope = "ALL";
    if let Some(r) = strip_word(rest, "IN") {
        let r = r.trim_start();
        let word_end = r.find(char::is_whitespace).unwrap_or(r.len());
        scope = &r[..word_end];
        rest = strip_word(r[word_end..].trim_start(), "FIELDS")
            .ok_or_else(|| malformed("unexpected token after IN"))?
            .trim();
    }
    let mut limit = 2000usize;
    let mut specs: Vec<String> = OBJECTS.iter().map(|o| o.name.to_owned()).collect();
    if let Some(r) = strip_word(rest, "RETURNING") {
        let (list, tail) = split_returning(r.trim());
        specs = list;
        rest = tail.trim();
    }
    if let Some(r) = strip_word(rest, "LIMIT") {
        limit = r
            .trim()
            .parse()
            .map_err(|_| malformed("LIMIT must be a number"))?;
    } else if !rest.is_empty() {
        return Err(malformed(&format!(
            "unexpected token: '{}'",
            rest.split_whitespace().next().unwrap_or(rest)
        )));
    }
    let store = read(&ctx.org.store);
    let base = ctx.base();
    let mut out = b"{\"searchRecords\":[".to_vec();
    let mut n = 0usize;
    for spec in specs {
        let (name, inner) = match spec.split_once('(') {
            Some((name, inner)) => (
                name.trim().to_owned(),
                inner.trim_end().trim_end_matches(')').trim().to_owned(),
            ),
            None => (spec.trim().to_owned(), String::new()),
        };
        let (fields, clauses) = split_fields(&inner);
        let soql = format!(
            "SELECT {} FROM {name} {clauses}",
            if fields.is_empty() {
                "Id"
            } else {
                fields.as_str()
            }
        );
        let mut query = soql::parse(&soql, &ctx.org.time_zone())
            .map_err(|e| ApiError::new(400, e.code, &e.message))?;
        // The object's LIMIT and OFFSET count the records that match the search term.
        let (own_limit, own_offset) = (query.limit.take(), std::mem::take(&mut query.offset));
        let Select::Fields(items) = &query.select else {
            continue;
        };
        let (mut skipped, mut taken) = (0usize, 0usize);
        let def = schema::object(query.obj);
        let searched: Vec<usize> = def
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| match scope.to_ascii_uppercase().as_str() {
                "NAME" => matches!(f.name, "Name" | "FirstName" | "LastName"),
                "EMAIL" => f.ty == FieldType::Email,
                "PHONE" => f.ty == FieldType::Phone,
                _ => f.ty.is_text(),
            })
            .map(|(i, _)| i)
            .collect();
        for row in soql::execute(&query, &store, false) {
            if n >= limit {
                break;
            }
            let Some(values) = store.row(query.obj, row) else {
                continue;
            };
            let text: Vec<String> = searched
                .iter()
                .filter_map(|&i| values[i].as_str())
                .map(str::to_lowercase)
                .collect();
            if !words.iter().all(|w| text.iter().any(|t| t.contains(w))) {
                continue;
            }
            if skipped < own_offset {
                skipped += 1;
                continue;
            }
            if own_limit.is_some_and(|l| taken >= l) {
                break;
            }
            taken += 1;
            if n > 0 {
                out.push(b',');
            }
            soql::write_record(&mut out, &store, &base, query.obj, row, items, None);
            n += 1;
        }
    }
    out.extend_from_slice(b"]}");
    Ok(Response::json(200, out))
}

/// `rest` after the keyword `word` (case-insensitive, followed by a space, a brace or the end).
fn strip_word<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    let head = text.get(..word.len())?;
    let tail = &text[word.len()..];
    (head.eq_ignore_ascii_case(word)
        && (tail.is_empty() || tail.starts_with([' ', '\t', '\n', '{', '('])))
    .then_some(tail)
}

/// Splits `A(x, y), B, C(z) LIMIT 5` into the object specs and what follows them.
fn split_returning(text: &str) -> (Vec<String>, &str) {
    let mut specs = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                specs.push(text[start..i].trim().to_owned());
                start = i + 1;
            }
            c if c.is_whitespace() && depth == 0 => {
                let after = text[i..].trim_start();
                if strip_word(after, "LIMIT").is_some() {
                    specs.push(text[start..i].trim().to_owned());
                    return (specs, after);
                }
            }
            _ => {}
        }
    }
    specs.push(text[start..].trim().to_owned());
    (specs.into_iter().filter(|s| !s.is_empty()).collect(), "")
}

/// Splits `Id, Name WHERE x = 1 LIMIT 5` into the field list and the clauses.
fn split_fields(inner: &str) -> (String, String) {
    let upper = inner.to_ascii_uppercase();
    let cut = [" WHERE ", " ORDER BY ", " LIMIT "]
        .iter()
        .filter_map(|k| upper.find(k))
        .min();
    match cut {
        Some(i) => (inner[..i].trim().to_owned(), inner[i..].trim().to_owned()),
        None => (inner.trim().to_owned(), String::new()),
    }
}
