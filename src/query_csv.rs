//! A query's records as CSV, columns in SELECT order, read straight from the JSON text of each
//! record (no `serde_json::Map` in between, so no dependence on its key order).

use std::io::Write;

use std::borrow::Cow;

use serde::de::{MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::{Error, Result};
use crate::query::QueryOptions;
use crate::Client;

/// Parents nested deeper than this in one record are refused: SOQL allows five levels of
/// child-to-parent relationships, so only a broken or hostile server sends more.
const MAX_PARENT_DEPTH: usize = 10;

impl Client {
    /// Writes every record of a query to `out` as CSV and returns the number of records.
    ///
    /// Columns are the fields in the order Salesforce sends them (the SELECT order), parent
    /// fields as `Account.Name` (a parent that is null in the first record takes its columns
    /// from the SELECT list); `attributes` is left out. Every field is quoted, as Bulk API
    /// 2.0 writes its CSV; a null (or an empty parent) is an empty field; numbers and booleans
    /// are written as JSON has them; a child subquery is written as its JSON. Pages are
    /// fetched one ahead (see [`QueryOptions::prefetch`]), so memory stays at two pages.
    ///
    /// ```no_run
    /// # let sf = sfrest::Client::from_env()?;
    /// let out = std::io::BufWriter::new(std::fs::File::create("contacts.csv").unwrap());
    /// let n = sf.query_csv("SELECT Id, Name, Account.Name FROM Contact", out)?;
    /// eprintln!("{n} records");
    /// # Ok::<_, sfrest::Error>(())
    /// ```
    pub fn query_csv<W: Write>(&self, soql: &str, out: W) -> Result<u64> {
        self.query_csv_with(soql, &QueryOptions::default(), out)
    }

    /// [`Client::query_csv`] with options (deleted rows, page size, prefetch).
    pub fn query_csv_with<W: Write>(
        &self,
        soql: &str,
        options: &QueryOptions,
        mut out: W,
    ) -> Result<u64> {
        let mut iter = self.query_iter_with(soql, options)?;
        let io = |e: std::io::Error| Error::Io {
            context: "writing the CSV".to_string(),
            source: e,
        };
        let mut columns: Option<Vec<String>> = None;
        let mut line = Vec::with_capacity(1024);
        let mut n: u64 = 0;
        while let Some(text) = iter.next_raw() {
            let text = text?;
            let mut flat: Vec<(String, &RawValue)> = Vec::with_capacity(16);
            let bad = |e: serde_json::Error| Error::json("query_csv: cannot read a record", e);
            let fields: Fields<'_> = serde_json::from_str(text).map_err(bad)?;
            flatten(fields, "", 0, &mut flat).map_err(bad)?;
            let cols = match &columns {
                Some(c) => c,
                None => {
                    let c = columns_of(&flat, &select_list(soql));
                    write_header(&mut out, &c).map_err(io)?;
                    columns.insert(c)
                }
            };
            line.clear();
            for (i, col) in cols.iter().enumerate() {
                if i > 0 {
                    line.push(b',');
                }
                // Records of one query share their fields' order: try the same place first.
                // Field names are case-insensitive (a widened column is spelt as in the SELECT).
                let raw = match flat.get(i) {
                    Some((k, v)) if k == col => Some(*v),
                    _ => flat
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(col))
                        .map(|(_, v)| *v),
                };
                if let Some(raw) = raw {
                    write_value(&mut line, raw.get()).map_err(bad)?;
                }
            }
            line.push(b'\n');
            out.write_all(&line).map_err(io)?;
            n += 1;
        }
        if columns.is_none() {
            write_header(&mut out, &select_list(soql)).map_err(io)?;
        }
        out.flush().map_err(io)?;
        Ok(n)
    }
}

/// The CSV's columns: the first record's fields, where a parent that is null in that record is
/// widened to the SELECT list's fields under it (`Account` null: `Account.Name`,
/// `Account.Industry`), so that later records' values for them still have a column.
fn columns_of(first: &[(String, &RawValue)], select: &[String]) -> Vec<String> {
    let mut columns = Vec::with_capacity(first.len());
    for (key, raw) in first {
        if raw.get() == "null" {
            let prefix = format!("{}.", key.to_ascii_lowercase());
            let before = columns.len();
            for item in select {
                // ASCII case folding keeps byte lengths, so `key.len()` is the dot's place.
                if item.to_ascii_lowercase().starts_with(&prefix) {
                    columns.push(format!("{key}{}", &item[key.len()..]));
                }
            }
            if columns.len() > before {
                continue;
            }
        }
        columns.push(key.clone());
    }
    columns
}

/// A record's fields in order, as `(column, raw JSON)`, parents flattened; a null parent stays
/// one `null` column, which the header's `Parent.Field` columns then find nothing under.
/// Each object is parsed once, and parents at most [`MAX_PARENT_DEPTH`] deep.
fn flatten<'a>(
    fields: Fields<'a>,
    prefix: &str,
    depth: usize,
    out: &mut Vec<(String, &'a RawValue)>,
) -> serde_json::Result<()> {
    for (name, raw) in fields.0 {
        if name == "attributes" {
            continue;
        }
        let full = if prefix.is_empty() {
            name.into_owned()
        } else {
            format!("{prefix}.{name}")
        };
        let text = raw.get();
        // A parent record is an object with `attributes`; any other value is one column.
        let parent = text
            .starts_with('{')
            .then(|| serde_json::from_str::<Fields<'a>>(text).ok())
            .flatten()
            .filter(|f| f.0.iter().any(|(k, _)| k == "attributes"));
        match parent {
            Some(_) if depth >= MAX_PARENT_DEPTH => {
                return Err(serde::de::Error::custom(format!(
                    "{full}: parents nested more than {MAX_PARENT_DEPTH} deep (SOQL allows 5)"
                )))
            }
            Some(inner) => flatten(inner, &full, depth + 1, out)?,
            None => out.push((full, raw)),
        }
    }
    Ok(())
}

/// An object's members in document order, values left as raw JSON (no map in between). Keys
/// are borrowed from the text unless they hold an escape.
struct Fields<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Fields<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Fields<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Fields<'a>, A::Error> {
                let mut out = Vec::new();
                while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                    let value: &'de RawValue = map.next_value()?;
                    out.push((key, value));
                }
                Ok(Fields(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// A member's name: borrowed, or unescaped into a `String` when it holds an escape.
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Key<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> std::result::Result<Key<'a>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> std::result::Result<Key<'a>, E> {
                Ok(Key(Cow::Owned(s.to_string())))
            }
            fn visit_string<E>(self, s: String) -> std::result::Result<Key<'a>, E> {
                Ok(Key(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V(std::marker::PhantomData))
    }
}

/// One field's CSV text, quoted: strings unescaped, null empty, anything else as its JSON.
fn write_value(line: &mut Vec<u8>, raw: &str) -> serde_json::Result<()> {
    if raw == "null" {
        return Ok(());
    }
    if raw.starts_with('"') {
        match serde_json::from_str::<&str>(raw) {
            Ok(s) => quote(line, s),
            // Escapes in it: unescaped into a String.
            Err(_) => quote(line, &serde_json::from_str::<String>(raw)?),
        }
    } else {
        quote(line, raw);
    }
    Ok(())
}

fn quote(line: &mut Vec<u8>, s: &str) {
    line.push(b'"');
    for part in s.split('"').enumerate() {
        if part.0 > 0 {
            line.extend_from_slice(b"\"\"");
        }
        line.extend_from_slice(part.1.as_bytes());
    }
    line.push(b'"');
}

fn write_header<W: Write>(out: &mut W, columns: &[String]) -> std::io::Result<()> {
    let mut line = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        if i > 0 {
            line.push(b',');
        }
        quote(&mut line, c);
    }
    line.push(b'\n');
    out.write_all(&line)
}

/// The SELECT list of a statement, for the header of an empty result: the items between
/// `SELECT` and the `FROM` outside parentheses, split at top-level commas.
fn select_list(soql: &str) -> Vec<String> {
    let text = soql.trim();
    let Some(rest) = text.get(..6).filter(|s| s.eq_ignore_ascii_case("select")) else {
        return Vec::new();
    };
    let body = &text[rest.len()..];
    let mut items = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' => depth += 1,
            b')' => depth -= 1,
            b',' if depth == 0 => {
                items.push(body[start..i].trim().to_string());
                start = i + 1;
            }
            b if depth == 0
                && b.is_ascii_whitespace()
                && body[i..]
                    .trim_start()
                    .get(..5)
                    .is_some_and(|w| w.eq_ignore_ascii_case("from "))
                && body[i..].trim_start().len() > 5 =>
            {
                items.push(body[start..i].trim().to_string());
                return items.into_iter().filter(|s| !s.is_empty()).collect();
            }
            _ => {}
        }
        i += 1;
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_select_list_names_the_columns_of_an_empty_result() {
        assert_eq!(
            select_list("SELECT Id, Name, Account.Name FROM Contact WHERE Name = 'x'"),
            ["Id", "Name", "Account.Name"]
        );
        assert_eq!(
            select_list("select Id,(SELECT Id FROM Contacts)\nfrom Account"),
            ["Id", "(SELECT Id FROM Contacts)"]
        );
        assert!(select_list("garbage").is_empty());
    }

    #[test]
    fn values_are_quoted_as_bulk_writes_them() {
        let mut line = Vec::new();
        for raw in [r#""a \"b\", c""#, "null", "12.5", "true", r#""Zoë""#] {
            write_value(&mut line, raw).unwrap();
            line.push(b'|');
        }
        assert_eq!(
            String::from_utf8(line).unwrap(),
            "\"a \"\"b\"\", c\"||\"12.5\"|\"true\"|\"Zoë\"|"
        );
    }
}
