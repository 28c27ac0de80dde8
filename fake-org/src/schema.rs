//! The org's schema, kept as data so that describe calls can be answered from it.

/// The data type of a field, named as in Salesforce's describe results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FieldType {
    Id,
    Boolean,
    String,
    Picklist,
    Email,
    Phone,
    Url,
    Currency,
    Percent,
    Int,
    Date,
    DateTime,
    Reference,
}

impl FieldType {
    /// The describe `type` name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            FieldType::Id => "id",
            FieldType::Boolean => "boolean",
            FieldType::String => "string",
            FieldType::Picklist => "picklist",
            FieldType::Email => "email",
            FieldType::Phone => "phone",
            FieldType::Url => "url",
            FieldType::Currency => "currency",
            FieldType::Percent => "percent",
            FieldType::Int => "int",
            FieldType::Date => "date",
            FieldType::DateTime => "datetime",
            FieldType::Reference => "reference",
        }
    }

    /// The SOAP type, also used in SOQL filter error messages.
    pub(crate) fn soap_type(self) -> &'static str {
        match self {
            FieldType::Id | FieldType::Reference => "tns:ID",
            FieldType::Boolean => "xsd:boolean",
            FieldType::Currency | FieldType::Percent => "xsd:double",
            FieldType::Int => "xsd:int",
            FieldType::Date => "xsd:date",
            FieldType::DateTime => "xsd:dateTime",
            _ => "xsd:string",
        }
    }

    /// True for the types stored as text.
    pub(crate) fn is_text(self) -> bool {
        matches!(
            self,
            FieldType::String
                | FieldType::Picklist
                | FieldType::Email
                | FieldType::Phone
                | FieldType::Url
        )
    }

    /// True for the types stored as floating-point numbers.
    pub(crate) fn is_double(self) -> bool {
        matches!(self, FieldType::Currency | FieldType::Percent)
    }
}

/// One field of an sObject.
#[derive(Debug)]
pub(crate) struct FieldDef {
    pub name: &'static str,
    pub label: &'static str,
    pub ty: FieldType,
    pub length: u32,
    pub nillable: bool,
    pub createable: bool,
    pub updateable: bool,
    /// Given a value on create when the request has none (booleans, computed fields).
    pub defaulted: bool,
    pub external_id: bool,
    pub unique: bool,
    /// Target sObject of a lookup.
    pub reference_to: Option<&'static str>,
    /// Relationship name used in SOQL paths (`Account.Name`).
    pub relationship: Option<&'static str>,
}

const fn field(name: &'static str, label: &'static str, ty: FieldType) -> FieldDef {
    let length = match ty {
        FieldType::Id | FieldType::Reference => 18,
        FieldType::String | FieldType::Picklist | FieldType::Url => 255,
        FieldType::Email => 80,
        FieldType::Phone => 40,
        _ => 0,
    };
    FieldDef {
        name,
        label,
        ty,
        length,
        nillable: true,
        createable: true,
        updateable: true,
        defaulted: false,
        external_id: false,
        unique: false,
        reference_to: None,
        relationship: None,
    }
}

impl FieldDef {
    const fn required(mut self) -> Self {
        self.nillable = false;
        self
    }
    const fn len(mut self, n: u32) -> Self {
        self.length = n;
        self
    }
    /// Set by the system: not createable or updateable, never null.
    const fn system(mut self) -> Self {
        self.nillable = false;
        self.createable = false;
        self.updateable = false;
        self.defaulted = true;
        self
    }
    const fn computed(mut self) -> Self {
        self.createable = false;
        self.updateable = false;
        self.defaulted = true;
        self
    }
    const fn ext_id(mut self) -> Self {
        self.external_id = true;
        self.unique = true;
        self
    }
    const fn lookup(mut self, to: &'static str, relationship: &'static str) -> Self {
        self.reference_to = Some(to);
        self.relationship = Some(relationship);
        self
    }
}

/// One sObject type.
#[derive(Debug)]
pub(crate) struct ObjectDef {
    pub name: &'static str,
    pub label: &'static str,
    pub label_plural: &'static str,
    pub key_prefix: &'static str,
    /// Counter of the first record's id, so ids look like a real org's.
    pub counter_base: u64,
    pub fields: &'static [FieldDef],
}

/// Every object stores its id in field 0.
pub(crate) const F_ID: usize = 0;
/// Every object stores its IsDeleted flag in field 1.
pub(crate) const F_IS_DELETED: usize = 1;

/// Index of Account in [`OBJECTS`].
pub(crate) const ACCOUNT: u8 = 0;
/// Index of Contact in [`OBJECTS`].
pub(crate) const CONTACT: u8 = 1;
/// Index of Opportunity in [`OBJECTS`].
pub(crate) const OPPORTUNITY: u8 = 2;

use FieldType as T;

static ACCOUNT_FIELDS: [FieldDef; 13] = [
    field("Id", "Account ID", T::Id).system(),
    field("IsDeleted", "Deleted", T::Boolean).system(),
    field("Name", "Account Name", T::String).required(),
    field("Type", "Account Type", T::Picklist).len(255),
    field("Industry", "Industry", T::Picklist).len(255),
    field("BillingCity", "Billing City", T::String).len(40),
    field("AnnualRevenue", "Annual Revenue", T::Currency),
    field("NumberOfEmployees", "Employees", T::Int),
    field("Phone", "Account Phone", T::Phone),
    field("Website", "Website", T::Url),
    field("Ext_Id__c", "External Id", T::String).ext_id(),
    field("CreatedDate", "Created Date", T::DateTime).system(),
    field("LastModifiedDate", "Last Modified Date", T::DateTime).system(),
];

static CONTACT_FIELDS: [FieldDef; 11] = [
    field("Id", "Contact ID", T::Id).system(),
    field("IsDeleted", "Deleted", T::Boolean).system(),
    field("AccountId", "Account ID", T::Reference).lookup("Account", "Account"),
    field("LastName", "Last Name", T::String).len(80).required(),
    field("FirstName", "First Name", T::String).len(40),
    field("Name", "Full Name", T::String).len(121).computed(),
    field("Email", "Email", T::Email),
    field("Phone", "Business Phone", T::Phone),
    field("Title", "Title", T::String).len(128),
    field("CreatedDate", "Created Date", T::DateTime).system(),
    field("LastModifiedDate", "Last Modified Date", T::DateTime).system(),
];

static OPPORTUNITY_FIELDS: [FieldDef; 12] = [
    field("Id", "Opportunity ID", T::Id).system(),
    field("IsDeleted", "Deleted", T::Boolean).system(),
    field("AccountId", "Account ID", T::Reference).lookup("Account", "Account"),
    field("Name", "Name", T::String).len(120).required(),
    field("StageName", "Stage", T::Picklist).required(),
    field("Amount", "Amount", T::Currency),
    field("Probability", "Probability (%)", T::Percent),
    field("CloseDate", "Close Date", T::Date).required(),
    field("IsClosed", "Closed", T::Boolean).system(),
    field("IsWon", "Won", T::Boolean).system(),
    field("CreatedDate", "Created Date", T::DateTime).system(),
    field("LastModifiedDate", "Last Modified Date", T::DateTime).system(),
];

/// All sObject types of the org.
pub(crate) static OBJECTS: [ObjectDef; 3] = [
    ObjectDef {
        name: "Account",
        label: "Account",
        label_plural: "Accounts",
        key_prefix: "001",
        counter_base: 3_841_000,
        fields: &ACCOUNT_FIELDS,
    },
    ObjectDef {
        name: "Contact",
        label: "Contact",
        label_plural: "Contacts",
        key_prefix: "003",
        counter_base: 5_202_000,
        fields: &CONTACT_FIELDS,
    },
    ObjectDef {
        name: "Opportunity",
        label: "Opportunity",
        label_plural: "Opportunities",
        key_prefix: "006",
        counter_base: 1_187_000,
        fields: &OPPORTUNITY_FIELDS,
    },
];

/// The object index of an sObject name, case-insensitively.
pub(crate) fn object_index(name: &str) -> Option<u8> {
    OBJECTS
        .iter()
        .position(|o| o.name.eq_ignore_ascii_case(name))
        .map(|i| i as u8)
}

/// The definition of object `obj`.
pub(crate) fn object(obj: u8) -> &'static ObjectDef {
    &OBJECTS[obj as usize]
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
    }
}
