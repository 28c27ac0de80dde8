//! Records of every sObject, kept in insertion order; a record's row number is its id counter.

use std::collections::HashMap;
use std::thread::{self, ThreadId};

use crate::schema::{self, ObjectDef, Schema, CONTACT, F_ID, F_IS_DELETED, OPPORTUNITY};
use crate::value::Value;

/// One record: a value for every field of its object, in schema order.
pub(crate) type Row = Box<[Value]>;

/// The records of one sObject type.
#[derive(Default)]
pub(crate) struct Table {
    pub rows: Vec<Row>,
    /// Lower-cased external id value -> rows holding it (several only when inserted unchecked).
    ext_index: HashMap<String, Vec<u32>>,
    /// Number of synthetic records made by `seed_bulk` so far, to number the next ones.
    pub bulk_seq: u64,
}

/// Every record of the org.
pub(crate) struct Store {
    pub tables: Vec<Table>,
    /// Undo logs of the threads running an all-or-none operation (composite, collections).
    journals: HashMap<ThreadId, Vec<Undo>>,
    /// Duplicate rules being enforced.
    pub duplicate_rules: Vec<crate::duplicates::Rule>,
}

/// How to undo one change.
pub(crate) enum Undo {
    /// A record was inserted: purge it.
    Insert(u8, u32),
    /// A record was changed: put these values back.
    Replace(u8, u32, Row),
}

impl Store {
    /// An empty store for the current schema.
    #[cfg(test)]
    pub(crate) fn new() -> Store {
        Store::for_schema(schema::current())
    }

    /// An empty store with a table for every object of `schema`.
    pub(crate) fn for_schema(schema: &Schema) -> Store {
        Store {
            tables: schema.objects.iter().map(|_| Table::default()).collect(),
            journals: HashMap::new(),
            duplicate_rules: Vec::new(),
        }
    }

    /// Starts logging this thread's changes so that they can be rolled back.
    pub(crate) fn begin_journal(&mut self) {
        self.journals.insert(thread::current().id(), Vec::new());
    }

    /// Stops logging this thread's changes; `rollback` undoes them.
    pub(crate) fn end_journal(&mut self, rollback: bool) {
        let Some(log) = self.journals.remove(&thread::current().id()) else {
            return;
        };
        if !rollback {
            return;
        }
        for undo in log.into_iter().rev() {
            match undo {
                Undo::Insert(obj, row) => {
                    self.unindex(obj, row);
                    if let Some(values) = self.tables[obj as usize].rows.get_mut(row as usize) {
                        values[F_IS_DELETED] = Value::Null;
                    }
                }
                Undo::Replace(obj, row, old) => {
                    self.unindex(obj, row);
                    if let Some(values) = self.tables[obj as usize].rows.get_mut(row as usize) {
                        *values = old;
                    }
                    self.index(obj, row);
                }
            }
        }
    }

    fn log(&mut self, undo: impl FnOnce(&Self) -> Undo) {
        if self.journals.is_empty() {
            return;
        }
        let id = thread::current().id();
        if self.journals.contains_key(&id) {
            let entry = undo(self);
            if let Some(log) = self.journals.get_mut(&id) {
                log.push(entry);
            }
        }
    }

    fn log_replace(&mut self, obj: u8, row: u32) {
        self.log(|s| {
            let old = s.row(obj, row).cloned().unwrap_or_default();
            Undo::Replace(obj, row, old)
        });
    }

    /// Removes a record's external id values from the index.
    fn unindex(&mut self, obj: u8, row: u32) {
        let def = schema::object(obj);
        let table = &mut self.tables[obj as usize];
        let Some(values) = table.rows.get(row as usize) else {
            return;
        };
        for (i, f) in def.fields.iter().enumerate() {
            if let Some(s) = values[i].as_str().filter(|_| f.external_id) {
                remove_from_index(&mut table.ext_index, &s.to_lowercase(), row);
            }
        }
    }

    /// Adds a live record's external id values to the index.
    fn index(&mut self, obj: u8, row: u32) {
        let def = schema::object(obj);
        let table = &mut self.tables[obj as usize];
        let Some(values) = table.rows.get(row as usize) else {
            return;
        };
        if is_deleted(values) {
            return;
        }
        for (i, f) in def.fields.iter().enumerate() {
            if let Some(s) = values[i].as_str().filter(|_| f.external_id) {
                table
                    .ext_index
                    .entry(s.to_lowercase())
                    .or_default()
                    .push(row);
            }
        }
    }

    /// The table of object `obj`.
    pub(crate) fn table(&self, obj: u8) -> &Table {
        &self.tables[obj as usize]
    }

    /// A live or deleted record.
    pub(crate) fn row(&self, obj: u8, row: u32) -> Option<&Row> {
        self.tables[obj as usize].rows.get(row as usize)
    }

    /// Number of records that are not deleted.
    pub(crate) fn live_count(&self, obj: u8) -> usize {
        self.table(obj)
            .rows
            .iter()
            .filter(|r| !is_deleted(r))
            .count()
    }

    /// Appends a record whose values are complete except for Id, computed fields and timestamps.
    ///
    /// `now` fills CreatedDate/LastModifiedDate when they are null.
    pub(crate) fn insert(&mut self, obj: u8, mut values: Row, now: i64) -> u32 {
        let now = whole_seconds(now);
        let def = schema::object(obj);
        let table = &mut self.tables[obj as usize];
        let row = table.rows.len() as u32;
        values[F_ID] = Value::Id(obj, row);
        values[F_IS_DELETED] = Value::Bool(false);
        let a = def.audit();
        let created = a.created_date.and_then(|i| match values[i] {
            Value::DateTime(ms) => Some(ms),
            _ => None,
        });
        for i in [a.created_date, a.last_modified_date].into_iter().flatten() {
            if values[i].is_null() {
                values[i] = Value::DateTime(now);
            }
        }
        if let Some(i) = a.system_modstamp.filter(|&i| values[i].is_null()) {
            let modified = a.last_modified_date.and_then(|i| match values[i] {
                Value::DateTime(ms) => Some(ms),
                _ => None,
            });
            values[i] = Value::DateTime(modified.or(created).unwrap_or(now));
        }
        for i in [a.created_by, a.last_modified_by, a.owner]
            .into_iter()
            .flatten()
        {
            if values[i].is_null() {
                values[i] = Value::text(crate::org::user_id());
            }
        }
        derive(obj, def, &mut values, true, row);
        table.rows.push(values);
        self.index(obj, row);
        self.log(|_| Undo::Insert(obj, row));
        row
    }

    /// Applies field changes to a live record and touches LastModifiedDate.
    pub(crate) fn update(&mut self, obj: u8, row: u32, changes: Vec<(usize, Value)>, now: i64) {
        let now = whole_seconds(now);
        let def = schema::object(obj);
        self.log_replace(obj, row);
        self.unindex(obj, row);
        let Some(values) = self.tables[obj as usize].rows.get_mut(row as usize) else {
            return;
        };
        for (i, v) in changes {
            values[i] = v;
        }
        touch(def, values, now);
        derive(obj, def, values, false, row);
        self.index(obj, row);
    }

    /// Marks a record deleted (it stays visible to queryAll).
    pub(crate) fn delete(&mut self, obj: u8, row: u32, now: i64) {
        let now = whole_seconds(now);
        let def = schema::object(obj);
        self.log_replace(obj, row);
        self.unindex(obj, row);
        let Some(values) = self.tables[obj as usize].rows.get_mut(row as usize) else {
            return;
        };
        values[F_IS_DELETED] = Value::Bool(true);
        touch(def, values, now);
    }

    /// Live rows whose external id field holds `value` (case-insensitively).
    pub(crate) fn find_external(&self, obj: u8, value: &str) -> Vec<u32> {
        let table = self.table(obj);
        table
            .ext_index
            .get(&value.to_lowercase())
            .cloned()
            .unwrap_or_default()
    }

    /// The live row of an id of object `obj`, or why there is none.
    pub(crate) fn lookup(&self, obj: u8, id: &[u8; 15]) -> Lookup {
        match schema::object(obj)
            .row_of(id)
            .and_then(|r| self.row(obj, r).map(|v| (r, v)))
        {
            None => Lookup::Missing,
            Some((_, v)) if is_purged(v) => Lookup::Missing,
            Some((_, v)) if is_deleted(v) => Lookup::Deleted,
            Some((r, _)) => Lookup::Live(r),
        }
    }
}

/// Sets the last-modified audit fields of a changed record.
fn touch(def: &ObjectDef, values: &mut [Value], now: i64) {
    let a = def.audit();
    for i in [a.last_modified_date, a.system_modstamp]
        .into_iter()
        .flatten()
    {
        values[i] = Value::DateTime(now);
    }
    if let Some(i) = a.last_modified_by {
        values[i] = Value::text(crate::org::user_id());
    }
}

/// Salesforce keeps datetimes to the second: `...T10:15:30.000+0000`.
pub(crate) fn whole_seconds(ms: i64) -> i64 {
    ms - ms.rem_euclid(1000)
}

/// Result of looking a record up by id.
pub(crate) enum Lookup {
    Live(u32),
    Deleted,
    Missing,
}

fn remove_from_index(index: &mut HashMap<String, Vec<u32>>, key: &str, row: u32) {
    if let Some(rows) = index.get_mut(key) {
        rows.retain(|&r| r != row);
        if rows.is_empty() {
            index.remove(key);
        }
    }
}

/// True when the record is deleted (or purged).
pub(crate) fn is_deleted(row: &Row) -> bool {
    !matches!(row[F_IS_DELETED], Value::Bool(false))
}

/// True when the record was purged by a rollback: invisible even to queryAll.
pub(crate) fn is_purged(row: &Row) -> bool {
    row[F_IS_DELETED].is_null()
}

/// The default probability of an opportunity stage, as in a new org's sales process.
pub(crate) fn stage_probability(stage: &str) -> Option<f64> {
    Some(match stage {
        "Prospecting" | "Qualification" => 10.0,
        "Needs Analysis" => 20.0,
        "Value Proposition" => 50.0,
        "Id. Decision Makers" => 60.0,
        "Perception Analysis" => 70.0,
        "Proposal/Price Quote" => 75.0,
        "Negotiation/Review" => 90.0,
        "Closed Won" => 100.0,
        "Closed Lost" => 0.0,
        _ => return None,
    })
}

/// Recomputes the fields Salesforce derives from others.
fn derive(obj: u8, def: &ObjectDef, values: &mut [Value], creating: bool, row: u32) {
    let text = |values: &[Value], name: &str| {
        def.field_index(name)
            .and_then(|i| values[i].as_str())
            .unwrap_or("")
            .to_owned()
    };
    let set = |values: &mut [Value], name: &str, v: Value| {
        if let Some(i) = def.field_index(name) {
            values[i] = v;
        }
    };
    if obj == CONTACT {
        let name = format!("{} {}", text(values, "FirstName"), text(values, "LastName"));
        set(values, "Name", Value::text(name.trim()));
    } else if obj == OPPORTUNITY {
        let stage = text(values, "StageName");
        set(values, "IsClosed", Value::Bool(stage.starts_with("Closed")));
        set(values, "IsWon", Value::Bool(stage == "Closed Won"));
        if let Some(p) = def.field_index("Probability") {
            if creating && values[p].is_null() {
                if let Some(prob) = stage_probability(&stage) {
                    values[p] = Value::Num(prob);
                }
            }
        }
    }
    if creating && def.name == "Lead" {
        let status = def.idx("Status");
        if values[status].is_null() {
            values[status] = Value::text("Open - Not Contacted");
        }
    }
    for (i, f) in def.fields.iter().enumerate() {
        if !values[i].is_null() {
            continue;
        }
        if f.ty == schema::FieldType::Boolean {
            let default = f
                .describe
                .and_then(|d| d.get("defaultValue"))
                .and_then(serde_json::Value::as_bool);
            values[i] = Value::Bool(default.unwrap_or(false));
        } else if creating && f.describe.is_some() {
            if let Some(v) = f.picklist_default {
                values[i] = Value::text(v);
            } else if f.auto_number {
                values[i] = Value::text(&format!("{:08}", row + 1));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blank(obj: u8) -> Row {
        vec![Value::Null; schema::object(obj).fields.len()].into_boxed_slice()
    }

    #[test]
    fn insert_update_delete_keep_index_in_step() {
        let mut s = Store::new();
        let a = schema::object(schema::ACCOUNT);
        let mut v = blank(schema::ACCOUNT);
        v[a.idx("Name")] = Value::text("Acme");
        v[a.idx("Ext_Id__c")] = Value::text("X-1");
        let row = s.insert(schema::ACCOUNT, v, 1000);
        assert_eq!(s.find_external(schema::ACCOUNT, "x-1"), vec![row]);
        s.update(
            schema::ACCOUNT,
            row,
            vec![(a.idx("Ext_Id__c"), Value::text("X-2"))],
            2000,
        );
        assert!(s.find_external(schema::ACCOUNT, "X-1").is_empty());
        assert_eq!(s.live_count(schema::ACCOUNT), 1);
        s.delete(schema::ACCOUNT, row, 3000);
        assert_eq!(s.live_count(schema::ACCOUNT), 0);
        assert!(s.find_external(schema::ACCOUNT, "X-2").is_empty());
    }

    #[test]
    fn journal_rolls_back_inserts_updates_and_deletes() {
        let mut s = Store::new();
        let a = schema::object(schema::ACCOUNT);
        let mut v = blank(schema::ACCOUNT);
        v[a.idx("Name")] = Value::text("Kept");
        v[a.idx("Ext_Id__c")] = Value::text("K");
        let kept = s.insert(schema::ACCOUNT, v, 0);
        s.begin_journal();
        let mut v = blank(schema::ACCOUNT);
        v[a.idx("Name")] = Value::text("Temp");
        v[a.idx("Ext_Id__c")] = Value::text("T");
        let temp = s.insert(schema::ACCOUNT, v, 0);
        s.update(
            schema::ACCOUNT,
            kept,
            vec![(a.idx("Ext_Id__c"), Value::text("K2"))],
            0,
        );
        s.delete(schema::ACCOUNT, kept, 0);
        s.end_journal(true);
        assert_eq!(s.live_count(schema::ACCOUNT), 1);
        assert!(is_purged(&s.table(schema::ACCOUNT).rows[temp as usize]));
        assert!(s.find_external(schema::ACCOUNT, "T").is_empty());
        assert_eq!(s.find_external(schema::ACCOUNT, "k"), vec![kept]);
        assert_eq!(
            s.table(schema::ACCOUNT).rows[kept as usize][a.idx("Ext_Id__c")].as_str(),
            Some("K")
        );
    }
}
