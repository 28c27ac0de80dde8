//! The org's schema, kept as data: the standard objects every fake org has, plus the objects
//! loaded from saved describe results (`load.rs`). Describe calls, validation and SOQL are all
//! answered from it.
//!
//! Each org has its own [`Schema`]. The handlers of a request find it through [`object`] and
//! [`object_index`], which read the schema of the org the current thread serves: the router
//! enters it for every request ([`enter`]), the bulk worker for its job, the `FakeOrg` handle for
//! its own calls. Outside of these, the standard objects are the schema.

mod builtin;
mod field;
mod files;
mod load;

use std::cell::Cell;
use std::sync::OnceLock;

pub(crate) use builtin::{ACCOUNT, CONTACT, OPPORTUNITY};
pub(crate) use field::{field, ChildRel, FieldDef, FieldType};
pub use load::LoadError;
pub(crate) use load::{build_schema, load_describe};

/// One sObject type.
#[derive(Clone, Debug)]
pub(crate) struct ObjectDef {
    pub name: &'static str,
    pub label: &'static str,
    pub label_plural: &'static str,
    pub key_prefix: &'static str,
    /// Counter of the first record's id, so ids look like a real org's.
    pub counter_base: u64,
    pub fields: &'static [FieldDef],
    /// True for custom objects (`__c`).
    pub custom: bool,
    /// Relationships from other objects' lookups to this one (`Contacts` on Account).
    pub children: &'static [ChildRel],
    /// The describe result this object was loaded from, served verbatim where the fake org
    /// does not compute a member; `None` for the standard objects.
    pub describe: Option<&'static serde_json::Value>,
    /// Where the audit fields are, found on first use.
    pub audit: OnceLock<Audit>,
}

/// The indexes of the fields Salesforce sets on every write, when the object has them.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Audit {
    pub created_date: Option<usize>,
    pub created_by: Option<usize>,
    pub last_modified_date: Option<usize>,
    pub last_modified_by: Option<usize>,
    pub system_modstamp: Option<usize>,
    pub owner: Option<usize>,
}

/// Every object stores its id in field 0.
pub(crate) const F_ID: usize = 0;
/// Every object stores its IsDeleted flag in field 1.
pub(crate) const F_IS_DELETED: usize = 1;

/// The sObject types of one org, in index order (the standard objects first).
#[derive(Debug)]
pub(crate) struct Schema {
    pub objects: &'static [&'static ObjectDef],
}

/// The schema of an org that loaded nothing: the standard objects.
pub(crate) static STANDARD: Schema = Schema {
    objects: &builtin::STANDARD,
};

thread_local! {
    static CURRENT: Cell<Option<&'static Schema>> = const { Cell::new(None) };
}

/// The schema of the org this thread serves (the standard objects when none is entered).
pub(crate) fn current() -> &'static Schema {
    CURRENT.with(Cell::get).unwrap_or(&STANDARD)
}

/// Makes `schema` the current one until the guard is dropped.
pub(crate) fn enter(schema: &'static Schema) -> Entered {
    Entered(CURRENT.with(|c| c.replace(Some(schema))))
}

/// Restores the previous schema when dropped (see [`enter`]).
pub(crate) struct Entered(Option<&'static Schema>);

impl Drop for Entered {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.0));
    }
}

/// The objects of the current org, for `OBJECTS.iter()`, `&OBJECTS` and `OBJECTS[i]`.
pub(crate) struct Objects;

/// All sObject types of the current org (see [`current`]).
pub(crate) static OBJECTS: Objects = Objects;

impl Objects {
    /// The objects in index order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &'static ObjectDef> {
        current().objects.iter().copied()
    }
}

impl IntoIterator for &Objects {
    type Item = &'static ObjectDef;
    type IntoIter = std::iter::Copied<std::slice::Iter<'static, &'static ObjectDef>>;
    fn into_iter(self) -> Self::IntoIter {
        current().objects.iter().copied()
    }
}

impl std::ops::Index<usize> for Objects {
    type Output = ObjectDef;
    fn index(&self, i: usize) -> &ObjectDef {
        current().objects[i]
    }
}

/// The object index of an sObject name in the current org, case-insensitively.
pub(crate) fn object_index(name: &str) -> Option<u8> {
    current().object_index(name)
}

/// The definition of object `obj` of the current org.
pub(crate) fn object(obj: u8) -> &'static ObjectDef {
    current().objects[obj as usize]
}

impl Schema {
    /// The object index of an sObject name, case-insensitively.
    pub(crate) fn object_index(&self, name: &str) -> Option<u8> {
        self.objects
            .iter()
            .position(|o| o.name.eq_ignore_ascii_case(name))
            .map(|i| i as u8)
    }

    /// The object whose ids start with this key prefix.
    pub(crate) fn by_prefix(&self, prefix: &[u8]) -> Option<u8> {
        self.objects
            .iter()
            .position(|o| o.key_prefix.as_bytes() == prefix)
            .map(|i| i as u8)
    }

    /// The child relationship `rel` of object `parent` (`Contacts` of Account): the child
    /// object's index and its lookup field, when the child is an object of this org.
    pub(crate) fn child_relationship(&self, parent: u8, rel: &str) -> Option<(u8, usize)> {
        let def = self.objects.get(parent as usize)?;
        def.children
            .iter()
            .filter(|c| c.name.is_some_and(|n| n.eq_ignore_ascii_case(rel)))
            .find_map(|c| {
                let child = self.object_index(c.child)?;
                let field = self.objects[child as usize].field_index(c.field)?;
                Some((child, field))
            })
    }
}

/// The child relationship `rel` of object `parent` in the current org (see
/// [`Schema::child_relationship`]), for parent-to-child subqueries.
pub(crate) fn child_relationship(parent: u8, rel: &str) -> Option<(u8, usize)> {
    current().child_relationship(parent, rel)
}

impl ObjectDef {
    /// The index of a field, case-insensitively.
    pub(crate) fn field_index(&self, name: &str) -> Option<usize> {
        self.fields
            .iter()
            .position(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The index of a named field that must exist (internal use).
    pub(crate) fn idx(&self, name: &str) -> usize {
        self.field_index(name)
            .unwrap_or_else(|| panic!("{}.{} is not in the schema", self.name, name))
    }

    /// The lookup field whose relationship name is `rel`, case-insensitively.
    pub(crate) fn relationship(&self, rel: &str) -> Option<usize> {
        self.fields
            .iter()
            .position(|f| f.relationship.is_some_and(|r| r.eq_ignore_ascii_case(rel)))
    }

    /// Where the audit fields are.
    pub(crate) fn audit(&self) -> &Audit {
        self.audit.get_or_init(|| Audit {
            created_date: self.field_index("CreatedDate"),
            created_by: self.field_index("CreatedById"),
            last_modified_date: self.field_index("LastModifiedDate"),
            last_modified_by: self.field_index("LastModifiedById"),
            system_modstamp: self.field_index("SystemModstamp"),
            owner: self
                .field_index("OwnerId")
                .filter(|&i| self.fields[i].ty == FieldType::Reference),
        })
    }

    /// The 18-character id of row `row`.
    pub(crate) fn id_of(&self, row: u32) -> String {
        crate::ids::id18(self.key_prefix, self.counter_base + row as u64)
    }

    /// The 15-character id of row `row`.
    pub(crate) fn id15_of(&self, row: u32) -> [u8; 15] {
        crate::ids::id15(self.key_prefix, self.counter_base + row as u64)
    }

    /// The row of a normalized id of this object, if the id is of this org's shape.
    pub(crate) fn row_of(&self, id: &[u8; 15]) -> Option<u32> {
        let counter = crate::ids::counter_of(id, self.key_prefix)?;
        counter
            .checked_sub(self.counter_base)
            .and_then(|r| u32::try_from(r).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_and_deleted_are_first_everywhere() {
        for o in &OBJECTS {
            assert_eq!(o.fields[F_ID].name, "Id");
            assert_eq!(o.fields[F_IS_DELETED].name, "IsDeleted");
            let id = o.id_of(7);
            let n = crate::ids::normalize(&id).unwrap();
            assert_eq!(o.row_of(&n), Some(7));
        }
        assert_eq!(object_index("opportunity"), Some(OPPORTUNITY));
        assert_eq!(child_relationship(ACCOUNT, "contacts"), Some((CONTACT, 2)));
    }

    #[test]
    fn entered_schema_is_restored() {
        static ONE: Schema = Schema {
            objects: &[&builtin::CONTACT_DEF],
        };
        assert_eq!(OBJECTS.iter().count(), STANDARD.objects.len());
        {
            let _g = enter(&ONE);
            assert_eq!(OBJECTS.iter().count(), 1);
            assert_eq!(object(0).name, "Contact");
        }
        assert_eq!(object(0).name, "Account");
    }
}
