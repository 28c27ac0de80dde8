//! The test's own access to the org's records: insert, read, count, seed, backdate.

use crate::org::{read, write};
use crate::{ids, schema, seed, store, time, value, FakeOrg};

impl FakeOrg {
    /// Inserts a record without validation and returns its 18-character id.
    ///
    /// `fields` is a JSON object of field names (case-insensitive) to values; dates and
    /// datetimes as strings, lookups as id strings.
    ///
    /// # Panics
    /// On an unknown sObject type, an unknown field or a value of the wrong type: these are
    /// mistakes in the calling test.
    pub fn insert(&self, sobject: &str, fields: serde_json::Value) -> String {
        let _schema = schema::enter(self.org.schema);
        let obj = schema::object_index(sobject)
            .unwrap_or_else(|| panic!("fake-org insert: unknown sObject type {sobject}"));
        let def = schema::object(obj);
        let mut values = vec![value::Value::Null; def.fields.len()].into_boxed_slice();
        let serde_json::Value::Object(map) = fields else {
            panic!("fake-org insert: fields must be a JSON object")
        };
        for (name, v) in &map {
            if name == "attributes" {
                continue;
            }
            let i = def
                .field_index(name)
                .unwrap_or_else(|| panic!("fake-org insert: no field {name} on {sobject}"));
            values[i] = value::Value::from_json_lenient(def.fields[i].ty, v)
                .unwrap_or_else(|| panic!("fake-org insert: bad value for {sobject}.{name}: {v}"));
        }
        let row = write(&self.org.store).insert(obj, values, time::now_ms());
        def.id_of(row)
    }

    /// Every stored field of a record (deleted ones too), without `attributes`;
    /// `None` when there is no such record.
    pub fn get_record(&self, sobject: &str, id: &str) -> Option<serde_json::Value> {
        let _schema = schema::enter(self.org.schema);
        let obj = schema::object_index(sobject)?;
        let def = schema::object(obj);
        let row = def.row_of(&ids::normalize(id)?)?;
        let store = read(&self.org.store);
        let values = store.row(obj, row).filter(|v| !store::is_purged(v))?;
        let map = def
            .fields
            .iter()
            .zip(values.iter())
            .map(|(f, v)| (f.name.to_owned(), v.to_json()));
        Some(serde_json::Value::Object(map.collect()))
    }

    /// Every live (not deleted) record of a type, in creation order, with every stored field
    /// (as [`FakeOrg::get_record`] gives them); empty for an unknown type. For a test's
    /// assertions on what the org holds after the job ran.
    pub fn records_of(&self, sobject: &str) -> Vec<serde_json::Value> {
        let _schema = schema::enter(self.org.schema);
        let Some(obj) = schema::object_index(sobject) else {
            return Vec::new();
        };
        let def = schema::object(obj);
        let store = read(&self.org.store);
        store
            .table(obj)
            .rows
            .iter()
            .filter(|r| !store::is_deleted(r))
            .map(|values| {
                let map = def
                    .fields
                    .iter()
                    .zip(values.iter())
                    .map(|(f, v)| (f.name.to_owned(), v.to_json()));
                serde_json::Value::Object(map.collect())
            })
            .collect()
    }

    /// Sets when a record (live or deleted) was last written: its LastModifiedDate (and
    /// SystemModstamp where the type has one) becomes `at_ms` (epoch milliseconds, kept to the
    /// second); for a deleted record that is when it was deleted. For tests of incremental
    /// jobs (`updated`/`deleted`). Returns false when there is no such record.
    pub fn backdate(&self, sobject: &str, id: &str, at_ms: i64) -> bool {
        let _schema = schema::enter(self.org.schema);
        let Some(obj) = schema::object_index(sobject) else {
            return false;
        };
        let def = schema::object(obj);
        let Some(row) = ids::normalize(id).and_then(|id| def.row_of(&id)) else {
            return false;
        };
        let mut store = write(&self.org.store);
        let Some(values) = store.tables[obj as usize].rows.get_mut(row as usize) else {
            return false;
        };
        let at = value::Value::DateTime(store::whole_seconds(at_ms));
        for name in ["LastModifiedDate", "SystemModstamp"] {
            if let Some(i) = def.field_index(name) {
                values[i] = at.clone();
            }
        }
        true
    }

    /// Number of live (not deleted) records of a type; 0 for an unknown type.
    pub fn count(&self, sobject: &str) -> usize {
        let _schema = schema::enter(self.org.schema);
        schema::object_index(sobject).map_or(0, |obj| read(&self.org.store).live_count(obj))
    }

    /// Adds `n` synthetic records (`Account 000123`, ...) quickly, for benchmarks.
    ///
    /// # Panics
    /// On an unknown sObject type.
    pub fn seed_bulk(&self, sobject: &str, n: usize) {
        let _schema = schema::enter(self.org.schema);
        let obj = schema::object_index(sobject)
            .unwrap_or_else(|| panic!("fake-org seed_bulk: unknown sObject type {sobject}"));
        seed::seed_bulk(&mut write(&self.org.store), obj, n);
    }
}
