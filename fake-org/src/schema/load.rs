//! Objects from saved describe results: `GET sobjects/{Type}/describe` as Salesforce answers it,
//! or the Salesforce CLI's `{"status":0,"result":{...}}` envelope around it.
//!
//! Loaded definitions live for the whole process (the rest of the org refers to them as
//! `&'static`); the same describe loaded again, by another org of the same test binary, is
//! parsed once and shared.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::Value as J;

use super::{field, ChildRel, FieldDef, FieldType, ObjectDef, Schema, STANDARD};

/// Why a describe file, data file or setting could not be loaded.
#[derive(Debug)]
pub struct LoadError {
    msg: String,
}

impl LoadError {
    pub(crate) fn new(msg: impl Into<String>) -> LoadError {
        LoadError { msg: msg.into() }
    }

    /// The same error, prefixed with where it happened (`tests/schema/Invoice__c.json: ...`).
    pub(crate) fn context(self, what: &str) -> LoadError {
        LoadError::new(format!("{what}: {}", self.msg))
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for LoadError {}

fn leak_str(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

fn interned() -> &'static Mutex<HashMap<String, &'static ObjectDef>> {
    static CACHE: OnceLock<Mutex<HashMap<String, &'static ObjectDef>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Parses one describe result (raw or in the CLI's envelope) into an object definition.
pub(crate) fn load_describe(json: &J) -> Result<&'static ObjectDef, LoadError> {
    let d = unwrap_envelope(json)?;
    let key = d.to_string();
    if let Some(def) = crate::org::lock(interned()).get(&key) {
        return Ok(def);
    }
    let def: &'static ObjectDef = Box::leak(Box::new(parse(d)?));
    crate::org::lock(interned()).insert(key, def);
    Ok(def)
}

fn unwrap_envelope(json: &J) -> Result<&J, LoadError> {
    let Some(map) = json.as_object() else {
        return Err(LoadError::new(
            "not a describe result: expected a JSON object",
        ));
    };
    if map.contains_key("fields") {
        return Ok(json);
    }
    if let Some(result) = map.get("result") {
        if let Some(status) = map.get("status").and_then(J::as_i64).filter(|s| *s != 0) {
            let msg = map.get("message").and_then(J::as_str).unwrap_or("");
            return Err(LoadError::new(format!(
                "the Salesforce CLI reported status {status}: {msg}"
            )));
        }
        return unwrap_envelope(result);
    }
    Err(LoadError::new(
        "not a describe result: no \"fields\" member (save the answer of GET sobjects/{Type}/describe, or `sf sobject describe --sobject Type --json`)",
    ))
}

fn text<'a>(v: &'a J, key: &str) -> Option<&'a str> {
    v.get(key).and_then(J::as_str)
}

fn flag(v: &J, key: &str, default: bool) -> bool {
    v.get(key).and_then(J::as_bool).unwrap_or(default)
}

fn number(v: &J, key: &str) -> u32 {
    v.get(key)
        .and_then(J::as_u64)
        .map_or(0, |n| n.min(u32::MAX as u64) as u32)
}

/// A stable hash (FNV-1a), so that ids and key prefixes are the same on every run.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

fn parse(d: &J) -> Result<ObjectDef, LoadError> {
    let name = text(d, "name")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| LoadError::new("the describe result has no \"name\""))?;
    let ctx = |e: LoadError| e.context(name);
    let list = d
        .get("fields")
        .and_then(J::as_array)
        .ok_or_else(|| ctx(LoadError::new("\"fields\" is not an array")))?;
    let mut fields: Vec<FieldDef> = Vec::with_capacity(list.len() + 2);
    for f in list {
        fields.push(parse_field(f).map_err(ctx)?);
    }
    // Id first and IsDeleted second, as every stored row expects.
    let id = fields
        .iter()
        .position(|f| f.name.eq_ignore_ascii_case("Id"))
        .ok_or_else(|| ctx(LoadError::new("the describe result has no Id field")))?;
    let id = fields.remove(id);
    let deleted = match fields
        .iter()
        .position(|f| f.name.eq_ignore_ascii_case("IsDeleted"))
    {
        Some(i) => fields.remove(i),
        None => field("IsDeleted", "Deleted", FieldType::Boolean).system(),
    };
    fields.insert(0, deleted);
    fields.insert(0, id);
    let hash = fnv(name);
    let key_prefix = match text(d, "keyPrefix") {
        Some(p) if p.len() == 3 && p.bytes().all(|b| b.is_ascii_alphanumeric()) => leak_str(p),
        _ => {
            const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
            let p = [
                b'a',
                DIGITS[(hash % 62) as usize],
                DIGITS[(hash / 62 % 62) as usize],
            ];
            leak_str(std::str::from_utf8(&p).unwrap_or("a00"))
        }
    };
    let children: Vec<ChildRel> = d
        .get("childRelationships")
        .and_then(J::as_array)
        .map(|list| list.iter().filter_map(parse_child).collect())
        .unwrap_or_default();
    let label = leak_str(text(d, "label").unwrap_or(name));
    Ok(ObjectDef {
        name: leak_str(name),
        label,
        label_plural: text(d, "labelPlural").map_or(label, leak_str),
        key_prefix,
        counter_base: 1_000_000 + hash % 8_000_000,
        fields: Box::leak(fields.into_boxed_slice()),
        custom: flag(d, "custom", name.ends_with("__c")),
        children: Box::leak(children.into_boxed_slice()),
        describe: Some(Box::leak(Box::new(d.clone()))),
        audit: OnceLock::new(),
    })
}

fn parse_child(c: &J) -> Option<ChildRel> {
    Some(ChildRel {
        child: leak_str(text(c, "childSObject")?),
        field: leak_str(text(c, "field")?),
        name: text(c, "relationshipName").map(leak_str),
        cascade_delete: flag(c, "cascadeDelete", false),
    })
}

fn parse_field(f: &J) -> Result<FieldDef, LoadError> {
    let name = text(f, "name").ok_or_else(|| LoadError::new("a field has no \"name\""))?;
    let ty_name = text(f, "type").unwrap_or("string");
    let ty = FieldType::from_name(ty_name).unwrap_or(FieldType::Compound);
    let mut def = field(
        leak_str(name),
        leak_str(text(f, "label").unwrap_or(name)),
        ty,
    );
    def.length = number(f, "length");
    def.precision = number(f, "precision");
    def.scale = number(f, "scale");
    def.nillable = flag(f, "nillable", true);
    def.createable = flag(f, "createable", true) && ty != FieldType::Compound;
    def.updateable = flag(f, "updateable", true) && ty != FieldType::Compound;
    def.defaulted = flag(f, "defaultedOnCreate", false);
    def.external_id = flag(f, "externalId", false);
    def.unique = flag(f, "unique", false);
    def.calculated = flag(f, "calculated", false);
    def.auto_number = flag(f, "autoNumber", false);
    def.name_field = flag(f, "nameField", false);
    def.reference_to = f
        .get("referenceTo")
        .and_then(J::as_array)
        .and_then(|a| a.first())
        .and_then(J::as_str)
        .map(leak_str);
    def.relationship = text(f, "relationshipName").map(leak_str);
    let values: Vec<&J> = f
        .get("picklistValues")
        .and_then(J::as_array)
        .map(|a| a.iter().filter(|v| flag(v, "active", true)).collect())
        .unwrap_or_default();
    def.picklist = Box::leak(
        values
            .iter()
            .filter_map(|v| text(v, "value"))
            .map(leak_str)
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    );
    def.picklist_default = values
        .iter()
        .find(|v| flag(v, "defaultValue", false))
        .and_then(|v| text(v, "value"))
        .map(leak_str);
    def.restricted = flag(f, "restrictedPicklist", false);
    if ty == FieldType::Boolean {
        // A checkbox is never null: unset, it takes its default (false unless the describe says).
        def.defaulted = true;
    }
    def.describe = Some(Box::leak(Box::new(f.clone())));
    Ok(def)
}

/// The schema of an org: the standard objects, then `loaded` (a loaded Account, Contact or
/// Opportunity takes the standard one's place). Parents learn the child relationships of
/// loaded lookups their own describe does not list (named after the child's plural label,
/// `Invoices__r`, as Salesforce names a new lookup's relationship by default).
pub(crate) fn build_schema(loaded: &[&'static ObjectDef]) -> Result<&'static Schema, LoadError> {
    if loaded.is_empty() {
        return Ok(&STANDARD);
    }
    let mut objects: Vec<&'static ObjectDef> = STANDARD.objects.to_vec();
    for def in loaded {
        match objects
            .iter()
            .position(|o| o.name.eq_ignore_ascii_case(def.name))
        {
            Some(i) => objects[i] = def,
            None => objects.push(def),
        }
    }
    if objects.len() > 250 {
        return Err(LoadError::new(format!(
            "{} sObject types: the fake org holds at most 250",
            objects.len()
        )));
    }
    let mut extra: Vec<Vec<ChildRel>> = objects.iter().map(|_| Vec::new()).collect();
    for child in &objects {
        for f in child.fields.iter() {
            let Some(target) = f.reference_to else {
                continue;
            };
            let Some(p) = objects
                .iter()
                .position(|o| o.name.eq_ignore_ascii_case(target))
            else {
                continue;
            };
            let known = objects[p].children.iter().chain(&extra[p]).any(|c| {
                c.child.eq_ignore_ascii_case(child.name) && c.field.eq_ignore_ascii_case(f.name)
            });
            if !known {
                let plural: String = child
                    .label_plural
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect();
                let name = if f.name.ends_with("__c") {
                    format!("{plural}__r")
                } else {
                    plural
                };
                extra[p].push(ChildRel {
                    child: child.name,
                    field: f.name,
                    name: Some(leak_str(&name)),
                    cascade_delete: false,
                });
            }
        }
    }
    for (i, more) in extra.into_iter().enumerate() {
        if more.is_empty() {
            continue;
        }
        let mut children: Vec<ChildRel> = objects[i].children.to_vec();
        children.extend(more);
        let def = ObjectDef {
            children: Box::leak(children.into_boxed_slice()),
            ..objects[i].clone()
        };
        objects[i] = Box::leak(Box::new(def));
    }
    Ok(Box::leak(Box::new(Schema {
        objects: Box::leak(objects.into_boxed_slice()),
    })))
}
