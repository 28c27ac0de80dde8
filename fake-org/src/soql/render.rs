//! Query results as Salesforce writes them: records with nested parents and child query
//! results, `AggregateResult` rows, and the flat columns of Bulk API CSV.

use std::collections::HashMap;
use std::sync::Arc;

use super::{Aggregate, FieldRef, Hop, OutItem, Query};
use crate::schema;
use crate::store::Store;
use crate::value::{write_json_str, write_value, Value};

/// The children of the parents on one page, for the record shape's subqueries.
pub(crate) struct Kids<'a> {
    /// Per subquery of the shape, in order: parent row -> child rows.
    pub sets: Vec<HashMap<u32, Vec<u32>>>,
    /// Child records written inline; beyond this many, the rest are paged.
    pub batch: usize,
    /// Keeps the child rows of a large set for paging; returns the `nextRecordsUrl`.
    pub pager: &'a mut dyn FnMut(&Arc<Query>, Vec<u32>) -> String,
}

/// Writes `"attributes":{"type":..,"url":..}`.
pub(crate) fn write_attributes(out: &mut Vec<u8>, base: &str, obj: u8, row: u32) {
    let def = schema::object(obj);
    out.extend_from_slice(b"\"attributes\":{\"type\":\"");
    out.extend_from_slice(def.name.as_bytes());
    out.extend_from_slice(b"\",\"url\":\"");
    out.extend_from_slice(base.as_bytes());
    out.extend_from_slice(b"/sobjects/");
    out.extend_from_slice(def.name.as_bytes());
    out.push(b'/');
    out.extend_from_slice(def.id_of(row).as_bytes());
    out.extend_from_slice(b"\"}");
}

/// Writes one query result record with `items`; `kids` has the children of its subqueries
/// (taken out as they are written).
pub(crate) fn write_record(
    out: &mut Vec<u8>,
    store: &Store,
    base: &str,
    obj: u8,
    row: u32,
    items: &[OutItem],
    mut kids: Option<&mut Kids>,
) {
    let Some(values) = store.row(obj, row) else {
        out.extend_from_slice(b"null");
        return;
    };
    let def = schema::object(obj);
    out.push(b'{');
    write_attributes(out, base, obj, row);
    let mut sub = 0;
    for item in items {
        out.push(b',');
        match item {
            OutItem::Field(i) => {
                write_json_str(out, def.fields[*i].name);
                out.push(b':');
                crate::blob::write_field(out, base, obj, row, *i, &values[*i]);
            }
            OutItem::Parent {
                lookup,
                target,
                rel,
                items,
            } => {
                write_json_str(out, rel);
                out.push(b':');
                match values[*lookup] {
                    Value::Id(t, r) if t == *target && store.row(t, r).is_some() => {
                        write_record(out, store, base, t, r, items, None)
                    }
                    _ => out.extend_from_slice(b"null"),
                }
            }
            OutItem::Children(child) => {
                write_json_str(out, &child.rel);
                out.push(b':');
                let rows = kids
                    .as_deref_mut()
                    .and_then(|k| k.sets.get_mut(sub)?.remove(&row));
                sub += 1;
                match (rows, kids.as_deref_mut()) {
                    (Some(rows), Some(k)) if !rows.is_empty() => {
                        write_children(out, store, base, &child.query, rows, k)
                    }
                    _ => out.extend_from_slice(b"null"),
                }
            }
        }
    }
    out.push(b'}');
}

/// Writes a nested query result `{"totalSize":..,"done":..,"records":[..]}` of child rows.
fn write_children(
    out: &mut Vec<u8>,
    store: &Store,
    base: &str,
    q: &Arc<Query>,
    rows: Vec<u32>,
    kids: &mut Kids,
) {
    let super::Select::Fields(items) = &q.select else {
        out.extend_from_slice(b"null");
        return;
    };
    let shown = rows.len().min(kids.batch);
    out.extend_from_slice(
        format!(
            "{{\"totalSize\":{},\"done\":{}",
            rows.len(),
            shown == rows.len()
        )
        .as_bytes(),
    );
    if shown < rows.len() {
        let next = (kids.pager)(q, rows.clone());
        out.extend_from_slice(b",\"nextRecordsUrl\":");
        write_json_str(out, &next);
    }
    out.extend_from_slice(b",\"records\":[");
    for (n, &r) in rows[..shown].iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        write_record(out, store, base, q.obj, r, items, None);
    }
    out.extend_from_slice(b"]}");
}

/// Writes one `AggregateResult` row: no `url`, the columns in SELECT order.
pub(crate) fn write_group(out: &mut Vec<u8>, agg: &Aggregate, values: &[Value]) {
    out.extend_from_slice(b"{\"attributes\":{\"type\":\"AggregateResult\"}");
    for (name, i) in &agg.columns {
        out.push(b',');
        write_json_str(out, name);
        out.push(b':');
        write_value(out, &values[*i]);
    }
    out.push(b'}');
}

/// The flat columns of a record shape, as Bulk API CSV headers name them (`Account.Name`),
/// with the field each one reads.
pub(crate) fn flat_columns(obj: u8, items: &[OutItem]) -> Vec<(String, FieldRef)> {
    let mut out = Vec::new();
    flatten(obj, items, "", &mut Vec::new(), &mut out);
    out
}

fn flatten(
    obj: u8,
    items: &[OutItem],
    prefix: &str,
    hops: &mut Vec<Hop>,
    out: &mut Vec<(String, FieldRef)>,
) {
    for item in items {
        match item {
            OutItem::Field(i) => out.push((
                format!("{prefix}{}", schema::object(obj).fields[*i].name),
                FieldRef::through(hops, obj, *i),
            )),
            OutItem::Parent {
                lookup,
                target,
                rel,
                items,
            } => {
                hops.push(Hop {
                    lookup: *lookup as u16,
                    target: *target,
                });
                flatten(*target, items, &format!("{prefix}{rel}."), hops, out);
                hops.pop();
            }
            OutItem::Children(_) => {}
        }
    }
}
