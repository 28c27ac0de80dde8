//! Records loaded at start: `.records(type, json)`, `{"Invoice__c": [...]}` files, and the
//! files `sf data export tree` writes (reference ids, nested children, plan files).
//!
//! Values are checked when they are added (so that `?` reports them); lookups are resolved
//! when the org starts, in load order: a record refers to records loaded before it, as
//! `sf data import tree` requires.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value as J;

use crate::schema::{LoadError, Schema, F_ID};
use crate::store::{Lookup, Store};
use crate::value::Value;

/// A lookup to resolve at start.
enum Link {
    /// `@ref` or an `Id` another loaded record was given; else a record id of the org.
    Ref(String),
    /// `"Account__r": {"Ext_Id__c": "ACME-1"}`: the parent with this external id.
    External { field: String, value: String },
}

/// A record waiting for the org to start.
pub(crate) struct Pending {
    pub sobject: String,
    obj: u8,
    /// Where the record came from, for error messages.
    place: String,
    values: Vec<(usize, Value)>,
    links: Vec<(usize, Link)>,
    /// Names other records may use for it: its `referenceId`, the `Id` it was given.
    aliases: Vec<String>,
}

/// A reference name for nested records whose parent has no `referenceId`.
fn synthetic_ref() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("\u{0}parent{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Records of one type given as a JSON array (or a single object).
pub(crate) fn from_records(
    schema: &Schema,
    sobject: &str,
    records: &J,
) -> Result<Vec<Pending>, LoadError> {
    if schema.object_index(sobject).is_none() {
        return Err(LoadError::new(format!(
            "no sObject type {sobject} in the fake org: load its describe first (describe_file)"
        )));
    }
    let list: Vec<&J> = match records {
        J::Array(a) => a.iter().collect(),
        J::Object(_) => vec![records],
        _ => {
            return Err(LoadError::new(format!(
                "records of {sobject}: expected a JSON array of records"
            )))
        }
    };
    let mut out = Vec::new();
    for (i, r) in list.into_iter().enumerate() {
        record(
            schema,
            sobject,
            r,
            &format!("{sobject} record {}", i + 1),
            None,
            &mut out,
        )?;
    }
    Ok(out)
}

/// The records of a data file: keyed by type, an export tree file, or a plan.
/// Reads a JSON file: its value, and a top-level object's keys in the order written.
pub(crate) type ReadData = dyn Fn(&Path) -> Result<(J, Vec<String>), LoadError>;

/// `keys`: the order in which a top-level object's keys were written (serde_json's maps sort
/// them), so that types load in file order, parents before children.
pub(crate) fn from_file(
    schema: &Schema,
    json: &J,
    keys: &[String],
    dir: &Path,
    read: &ReadData,
) -> Result<Vec<Pending>, LoadError> {
    match json {
        // A plan: [{"sobject": "Account", "files": ["Account.json"], ...}, ...]
        J::Array(steps) => {
            let mut out = Vec::new();
            for step in steps {
                let files = step.get("files").and_then(J::as_array).ok_or_else(|| {
                    LoadError::new("a plan step without \"files\" (expected sf data export tree --plan output)")
                })?;
                for f in files.iter().filter_map(J::as_str) {
                    let path = dir.join(f);
                    let (json, keys) = read(&path)?;
                    out.extend(
                        from_file(schema, &json, &keys, dir, read)
                            .map_err(|e| e.context(&path.display().to_string()))?,
                    );
                }
            }
            Ok(out)
        }
        J::Object(map) if map.get("records").is_some_and(J::is_array) => {
            let mut out = Vec::new();
            for (i, r) in map["records"].as_array().into_iter().flatten().enumerate() {
                let ty = r
                    .get("attributes")
                    .and_then(|a| a.get("type"))
                    .and_then(J::as_str)
                    .ok_or_else(|| {
                        LoadError::new(format!("record {}: no attributes.type", i + 1))
                    })?;
                record(schema, ty, r, &format!("record {}", i + 1), None, &mut out)?;
            }
            Ok(out)
        }
        J::Object(map) => {
            let mut out = Vec::new();
            let written = keys.iter().filter(|k| map.contains_key(k.as_str()));
            let rest = map.keys().filter(|k| !keys.contains(k));
            for ty in written.chain(rest) {
                out.extend(from_records(schema, ty, &map[ty.as_str()])?);
            }
            Ok(out)
        }
        _ => Err(LoadError::new(
            "expected {\"Type\": [records]}, {\"records\": [...]} or a plan array",
        )),
    }
}

/// Checks one record (and its nested children) and queues it.
fn record(
    schema: &Schema,
    sobject: &str,
    r: &J,
    place: &str,
    parent: Option<(usize, String)>,
    out: &mut Vec<Pending>,
) -> Result<(), LoadError> {
    let obj = schema.object_index(sobject).ok_or_else(|| {
        LoadError::new(format!(
            "{place}: no sObject type {sobject} in the fake org: load its describe first (describe_file)"
        ))
    })?;
    let def = schema.objects[obj as usize];
    let err = |msg: String| LoadError::new(format!("{place}: {msg}"));
    let Some(map) = r.as_object() else {
        return Err(err("a record must be a JSON object".into()));
    };
    let mut p = Pending {
        sobject: def.name.to_owned(),
        obj,
        place: place.to_owned(),
        values: Vec::new(),
        links: Vec::new(),
        aliases: Vec::new(),
    };
    if let Some(reference) = map
        .get("attributes")
        .and_then(|a| a.get("referenceId"))
        .and_then(J::as_str)
    {
        p.aliases.push(reference.to_owned());
    }
    let mut children: Vec<(&str, &J)> = Vec::new();
    for (name, v) in map.iter().filter(|(k, _)| *k != "attributes") {
        if let Some(i) = def.field_index(name) {
            let f = &def.fields[i];
            if i == F_ID {
                if let Some(id) = v.as_str() {
                    p.aliases.push(id.to_owned());
                }
                continue;
            }
            match (f.ty, v) {
                (_, J::Null) => {}
                (crate::schema::FieldType::Reference, J::String(s)) => p
                    .links
                    .push((i, Link::Ref(s.trim_start_matches('@').to_owned()))),
                _ => {
                    let value = crate::validate::field_value(f, v)
                        .map_err(|e| err(format!("{name}: {e}")))?;
                    p.values.push((i, value));
                }
            }
        } else if let Some(lookup) = def.relationship(name).filter(|_| v.is_object()) {
            let (field, value) = match v.as_object().map(|m| {
                m.iter()
                    .filter(|(k, _)| *k != "attributes")
                    .collect::<Vec<_>>()
            }) {
                Some(kv) if kv.len() == 1 => (kv[0].0.clone(), kv[0].1),
                _ => {
                    return Err(err(format!(
                        "{name}: give the parent as one external id field, e.g. {{\"Ext_Id__c\": \"X-1\"}}"
                    )))
                }
            };
            let value = match value {
                J::String(s) => s.clone(),
                J::Number(n) => n.to_string(),
                _ => return Err(err(format!("{name}.{field}: expected text"))),
            };
            p.links.push((lookup, Link::External { field, value }));
        } else if schema.child_relationship(obj, name).is_some() {
            children.push((name, v));
        } else {
            return Err(err(format!("no field {name} on {}", def.name)));
        }
    }
    if let Some((field, parent_ref)) = parent {
        p.links.push((field, Link::Ref(parent_ref)));
    }
    let missing: Vec<&str> = def
        .fields
        .iter()
        .enumerate()
        .filter(|(i, f)| f.required_on_create() && f.picklist_default.is_none() && !p.has(*i))
        .map(|(_, f)| f.name)
        .collect();
    if !missing.is_empty() {
        return Err(err(format!(
            "Required fields are missing: [{}]",
            missing.join(", ")
        )));
    }
    if !children.is_empty() && p.aliases.is_empty() {
        p.aliases.push(synthetic_ref());
    }
    let own_ref = p.aliases.first().cloned();
    out.push(p);
    for (rel, v) in children {
        let Some((child, field)) = schema.child_relationship(obj, rel) else {
            continue;
        };
        let ty = schema.objects[child as usize].name;
        let list = v
            .get("records")
            .and_then(J::as_array)
            .ok_or_else(|| err(format!("{rel}: expected {{\"records\": [...]}}")))?;
        for (k, c) in list.iter().enumerate() {
            let parent = own_ref.clone().map(|r| (field, r));
            let place = format!("{place}, {rel} record {}", k + 1);
            record(schema, ty, c, &place, parent, out)?;
        }
    }
    Ok(())
}

impl Pending {
    fn has(&self, field: usize) -> bool {
        self.values.iter().any(|(i, _)| *i == field) || self.links.iter().any(|(i, _)| *i == field)
    }
}

/// Inserts the queued records in order, resolving their lookups.
pub(crate) fn insert_all(store: &mut Store, pending: &[Pending]) -> Result<(), LoadError> {
    let mut names: HashMap<String, (u8, u32)> = HashMap::new();
    for p in pending {
        let def = crate::schema::object(p.obj);
        let err = |msg: String| LoadError::new(format!("{}: {msg}", p.place));
        let mut values = vec![Value::Null; def.fields.len()].into_boxed_slice();
        for (i, v) in &p.values {
            values[*i] = v.clone();
        }
        for (i, link) in &p.links {
            let f = &def.fields[*i];
            let target = f
                .reference_to
                .and_then(crate::schema::object_index)
                .ok_or_else(|| {
                    err(format!(
                        "{}: its target {} is not an object of the fake org",
                        f.name,
                        f.reference_to.unwrap_or("?")
                    ))
                })?;
            let tdef = crate::schema::object(target);
            values[*i] = match link {
                Link::Ref(name) => match names.get(name) {
                    Some(&(o, row)) => Value::Id(o, row),
                    None => {
                        let live = crate::ids::normalize(name).and_then(|id| {
                            match store.lookup(target, &id) {
                                Lookup::Live(row) => Some(Value::Id(target, row)),
                                _ => None,
                            }
                        });
                        live.ok_or_else(|| {
                            err(format!(
                                "{}: no {} loaded before it with reference id or Id {name:?}",
                                f.name, tdef.name
                            ))
                        })?
                    }
                },
                Link::External { field, value } => {
                    let fi = tdef
                        .field_index(field)
                        .filter(|&k| tdef.fields[k].external_id)
                        .ok_or_else(|| {
                            err(format!(
                                "{}: {field} is not an external id field",
                                tdef.name
                            ))
                        })?;
                    let rows = store.find_external(target, value);
                    match rows.as_slice() {
                        [row] => Value::Id(target, *row),
                        [] => {
                            return Err(err(format!(
                                "no {} with {} = {value:?}",
                                tdef.name, tdef.fields[fi].name
                            )))
                        }
                        _ => {
                            return Err(err(format!(
                                "several {} with {} = {value:?}",
                                tdef.name, tdef.fields[fi].name
                            )))
                        }
                    }
                }
            };
        }
        let changes: Vec<(usize, Value)> = values
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_null())
            .map(|(i, v)| (i, v.clone()))
            .collect();
        crate::validate::check_unique(store, p.obj, &changes, None)
            .map_err(|e| err(format!("{}: {}", e.code, e.message)))?;
        let now = crate::time::now_ms();
        let row = store.insert(p.obj, values, now);
        for a in &p.aliases {
            names.insert(a.clone(), (p.obj, row));
        }
    }
    Ok(())
}

/// The keys of a top-level JSON object in the order written; empty for anything else.
pub(crate) fn key_order(bytes: &[u8]) -> Vec<String> {
    struct Keys;
    impl<'de> serde::de::Visitor<'de> for Keys {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Vec<String>, A::Error> {
            let mut keys = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                map.next_value::<serde::de::IgnoredAny>()?;
                keys.push(key);
            }
            Ok(keys)
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde::Deserializer::deserialize_map(&mut de, Keys).unwrap_or_default()
}

#[cfg(test)]
mod key_order_tests {
    #[test]
    fn keys_come_in_the_order_written() {
        let keys =
            super::key_order(br#"{"Zeta__c": [], "Account": [{"Name": "A"}], "Bill__c": {}}"#);
        assert_eq!(keys, ["Zeta__c", "Account", "Bill__c"]);
        assert!(super::key_order(b"[1, 2]").is_empty());
    }
}
