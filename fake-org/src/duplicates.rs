//! Duplicate rules the org can be told to enforce ([`FakeOrg::set_duplicate_rule`]
//! (crate::FakeOrg::set_duplicate_rule)): a new or changed record whose match fields equal a
//! live record's is refused with `DUPLICATES_DETECTED`, unless the request says
//! `Sforce-Duplicate-Rule-Header: allowSave=true` (the rule's action is "Alert").

use std::cell::Cell;

use serde_json::json;

use crate::response::ApiError;
use crate::schema;
use crate::store::{is_deleted, Store};
use crate::value::Value;

/// One rule: the object and the fields that must all match (case-insensitively).
#[derive(Clone, Debug)]
pub(crate) struct Rule {
    pub obj: u8,
    pub fields: Vec<usize>,
}

thread_local! {
    /// Whether the request being served on this thread allows saving duplicates.
    static ALLOW_SAVE: Cell<bool> = const { Cell::new(false) };
}

/// Notes, for the request about to be served on this thread, whether it allows duplicates
/// (`allowSave=true` in `Sforce-Duplicate-Rule-Header`; composite subrequests inherit it).
pub(crate) fn note_request(header: Option<&str>) {
    let allow = header.is_some_and(|h| {
        h.split([';', ',']).any(|opt| {
            opt.split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("allowSave") && v.trim().eq_ignore_ascii_case("true")
            })
        })
    });
    ALLOW_SAVE.with(|a| a.set(allow));
}

fn same(a: &Value, b: &Value) -> bool {
    match (a.as_str(), b.as_str()) {
        (Some(x), Some(y)) => x.trim().eq_ignore_ascii_case(y.trim()),
        _ => a == b,
    }
}

/// Checks `values` (the record as it would be saved; `own_row` for an update) against the
/// rules of its object.
pub(crate) fn check(
    store: &Store,
    obj: u8,
    values: &[Value],
    own_row: Option<u32>,
) -> Result<(), ApiError> {
    if ALLOW_SAVE.with(Cell::get) {
        return Ok(());
    }
    for rule in store.duplicate_rules.iter().filter(|r| r.obj == obj) {
        if rule.fields.iter().any(|&f| values[f].is_null()) {
            continue;
        }
        let matches: Vec<u32> = store
            .table(obj)
            .rows
            .iter()
            .enumerate()
            .filter(|(r, v)| Some(*r as u32) != own_row && !is_deleted(v))
            .filter(|(_, v)| rule.fields.iter().all(|&f| same(&v[f], &values[f])))
            .map(|(r, _)| r as u32)
            .collect();
        if !matches.is_empty() {
            return Err(detected(obj, &matches));
        }
    }
    Ok(())
}

/// The error Salesforce answers, with the rule's details under `duplicateResut` (sic).
fn detected(obj: u8, rows: &[u32]) -> ApiError {
    let def = schema::object(obj);
    let message =
        "You're creating a duplicate record. We recommend you use an existing record instead.";
    let records: Vec<serde_json::Value> = rows
        .iter()
        .map(|&r| {
            let id = def.id_of(r);
            json!({
                "additionalInformation": [],
                "fieldDiffs": [],
                "matchConfidence": 100.0,
                "record": {
                    "attributes": {"type": def.name, "url": format!("/services/data/v66.0/sobjects/{}/{id}", def.name)},
                    "Id": id,
                },
            })
        })
        .collect();
    let result = json!({
        "allowSave": true,
        "duplicateRule": format!("Standard_{}_Duplicate_Rule", def.name),
        "duplicateRuleEntityType": def.name,
        "errorMessage": message,
        "matchResults": [{
            "entityType": def.name,
            "errors": [],
            "matchEngine": "FuzzyMatchEngine",
            "matchRecords": records,
            "rule": format!("Standard_{}_Match_Rule_v1_1", def.name),
            "size": rows.len(),
            "success": true,
        }],
    });
    let mut e = ApiError::new(400, "DUPLICATES_DETECTED", message);
    e.extra.push(("duplicateResut", result));
    e
}

impl crate::FakeOrg {
    /// Enforces a duplicate rule on `sobject` (its action "Alert"): a record created or
    /// changed so that every one of `match_fields` equals (case-insensitively) a live record's
    /// is refused with 400 `DUPLICATES_DETECTED` and the rule's details under `duplicateResut`,
    /// as Salesforce answers; in sObject Collections the record fails with that code. A request
    /// with `Sforce-Duplicate-Rule-Header: allowSave=true` saves it anyway. A record with a
    /// null match field never matches. Rules add up; [`FakeOrg::clear_duplicate_rules`](crate::FakeOrg::clear_duplicate_rules)
    /// removes them.
    ///
    /// # Panics
    /// On an unknown sObject type or field.
    pub fn set_duplicate_rule(&self, sobject: &str, match_fields: &[&str]) {
        let _schema = schema::enter(self.org.schema);
        let obj = schema::object_index(sobject).unwrap_or_else(|| {
            panic!("fake-org set_duplicate_rule: unknown sObject type {sobject}")
        });
        let def = schema::object(obj);
        let fields = match_fields
            .iter()
            .map(|f| {
                def.field_index(f).unwrap_or_else(|| {
                    panic!("fake-org set_duplicate_rule: no field {f} on {sobject}")
                })
            })
            .collect();
        crate::org::write(&self.org.store)
            .duplicate_rules
            .push(Rule { obj, fields });
    }

    /// Stops enforcing every duplicate rule.
    pub fn clear_duplicate_rules(&self) {
        crate::org::write(&self.org.store).duplicate_rules.clear();
    }
}
