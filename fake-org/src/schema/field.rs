//! Field definitions: types as Salesforce's describe names them, and what a field allows.

/// The data type of a field, named as in Salesforce's describe results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FieldType {
    Id,
    Boolean,
    String,
    TextArea,
    Picklist,
    MultiPicklist,
    Combobox,
    Email,
    Phone,
    Url,
    EncryptedString,
    Currency,
    Percent,
    Double,
    Int,
    Long,
    Date,
    DateTime,
    /// Kept as text, `10:15:30.000Z`.
    Time,
    Reference,
    /// Kept as text (the base64 characters).
    Base64,
    /// Compound fields (`BillingAddress`, geolocations) and `anyType`: read-only, always null.
    Compound,
}

impl FieldType {
    /// The type of a describe `type` name; `None` for a name the fake org does not know.
    pub(crate) fn from_name(name: &str) -> Option<FieldType> {
        Some(match name.to_ascii_lowercase().as_str() {
            "id" => FieldType::Id,
            "boolean" => FieldType::Boolean,
            "string" => FieldType::String,
            "textarea" => FieldType::TextArea,
            "picklist" => FieldType::Picklist,
            "multipicklist" => FieldType::MultiPicklist,
            "combobox" => FieldType::Combobox,
            "email" => FieldType::Email,
            "phone" => FieldType::Phone,
            "url" => FieldType::Url,
            "encryptedstring" => FieldType::EncryptedString,
            "currency" => FieldType::Currency,
            "percent" => FieldType::Percent,
            "double" => FieldType::Double,
            "int" => FieldType::Int,
            "long" => FieldType::Long,
            "date" => FieldType::Date,
            "datetime" => FieldType::DateTime,
            "time" => FieldType::Time,
            "reference" => FieldType::Reference,
            "base64" => FieldType::Base64,
            "address" | "location" | "anytype" | "complexvalue" | "json" => FieldType::Compound,
            _ => return None,
        })
    }

    /// The describe `type` name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            FieldType::Id => "id",
            FieldType::Boolean => "boolean",
            FieldType::String => "string",
            FieldType::TextArea => "textarea",
            FieldType::Picklist => "picklist",
            FieldType::MultiPicklist => "multipicklist",
            FieldType::Combobox => "combobox",
            FieldType::Email => "email",
            FieldType::Phone => "phone",
            FieldType::Url => "url",
            FieldType::EncryptedString => "encryptedstring",
            FieldType::Currency => "currency",
            FieldType::Percent => "percent",
            FieldType::Double => "double",
            FieldType::Int => "int",
            FieldType::Long => "long",
            FieldType::Date => "date",
            FieldType::DateTime => "datetime",
            FieldType::Time => "time",
            FieldType::Reference => "reference",
            FieldType::Base64 => "base64",
            FieldType::Compound => "anyType",
        }
    }

    /// The SOAP type, also used in SOQL filter error messages.
    pub(crate) fn soap_type(self) -> &'static str {
        match self {
            FieldType::Id | FieldType::Reference => "tns:ID",
            FieldType::Boolean => "xsd:boolean",
            FieldType::Currency | FieldType::Percent | FieldType::Double => "xsd:double",
            FieldType::Int => "xsd:int",
            FieldType::Long => "xsd:long",
            FieldType::Date => "xsd:date",
            FieldType::DateTime => "xsd:dateTime",
            FieldType::Time => "xsd:time",
            FieldType::Base64 => "xsd:base64Binary",
            FieldType::Compound => "xsd:anyType",
            _ => "xsd:string",
        }
    }

    /// True for the types stored as text.
    pub(crate) fn is_text(self) -> bool {
        matches!(
            self,
            FieldType::String
                | FieldType::TextArea
                | FieldType::Picklist
                | FieldType::MultiPicklist
                | FieldType::Combobox
                | FieldType::Email
                | FieldType::Phone
                | FieldType::Url
                | FieldType::EncryptedString
                | FieldType::Time
                | FieldType::Base64
        )
    }

    /// True for the types stored as floating-point numbers.
    pub(crate) fn is_double(self) -> bool {
        matches!(
            self,
            FieldType::Currency | FieldType::Percent | FieldType::Double
        )
    }

    /// True for the types stored as whole numbers.
    pub(crate) fn is_integer(self) -> bool {
        matches!(self, FieldType::Int | FieldType::Long)
    }
}

/// One field of an sObject.
#[derive(Debug)]
pub(crate) struct FieldDef {
    pub name: &'static str,
    pub label: &'static str,
    pub ty: FieldType,
    /// Maximum length in characters of a text field.
    pub length: u32,
    /// Total digits and digits after the point of a number field (0 and 0: unchecked).
    pub precision: u32,
    pub scale: u32,
    pub nillable: bool,
    pub createable: bool,
    pub updateable: bool,
    /// Given a value on create when the request has none (booleans, computed fields).
    pub defaulted: bool,
    pub external_id: bool,
    pub unique: bool,
    /// A formula or roll-up: computed by Salesforce, read-only (the fake org leaves it null).
    pub calculated: bool,
    /// An auto-number field: numbered by the org on create.
    pub auto_number: bool,
    /// Marked `nameField` in the describe: the record's name.
    pub name_field: bool,
    /// Target sObject of a lookup (the first one of a polymorphic lookup).
    pub reference_to: Option<&'static str>,
    /// Relationship name used in SOQL paths (`Account.Name`).
    pub relationship: Option<&'static str>,
    /// Active picklist values, in order (empty for other types).
    pub picklist: &'static [&'static str],
    /// The picklist value marked `defaultValue`, given on create when the request has none.
    pub picklist_default: Option<&'static str>,
    /// A restricted picklist accepts only its values.
    pub restricted: bool,
    /// The describe's member for this field, served verbatim; `None` for standard objects.
    pub describe: Option<&'static serde_json::Value>,
}

/// A child relationship: lookups of `child.field` to this object, named `name` in SOQL.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ChildRel {
    pub child: &'static str,
    pub field: &'static str,
    /// `None` for relationships that SOQL cannot follow (no relationship name).
    pub name: Option<&'static str>,
    pub cascade_delete: bool,
}

/// A nillable, createable, updateable field of this type, with Salesforce's default length.
pub(crate) const fn field(name: &'static str, label: &'static str, ty: FieldType) -> FieldDef {
    let length = match ty {
        FieldType::Id | FieldType::Reference => 18,
        FieldType::String | FieldType::Picklist | FieldType::Url => 255,
        FieldType::Email => 80,
        FieldType::Phone => 40,
        _ => 0,
    };
    let (precision, scale) = match ty {
        FieldType::Currency => (18, 2),
        FieldType::Percent => (3, 0),
        _ => (0, 0),
    };
    FieldDef {
        name,
        label,
        ty,
        length,
        precision,
        scale,
        nillable: true,
        createable: true,
        updateable: true,
        defaulted: false,
        external_id: false,
        unique: false,
        calculated: false,
        auto_number: false,
        name_field: false,
        reference_to: None,
        relationship: None,
        picklist: &[],
        picklist_default: None,
        restricted: false,
        describe: None,
    }
}

impl FieldDef {
    /// Whether SOQL may filter on the field (WHERE): as its describe says, else any field
    /// "except a long text area field, encrypted data field, or base64-encoded field" (nor a
    /// compound one).
    pub(crate) fn filterable(&self) -> bool {
        self.flag("filterable").unwrap_or_else(|| {
            let long_text = self.ty == FieldType::TextArea && self.length > 255;
            let never = matches!(
                self.ty,
                FieldType::EncryptedString | FieldType::Base64 | FieldType::Compound
            );
            !long_text && !never
        })
    }

    /// Whether SOQL may sort on the field (ORDER BY): as its describe says, else as for
    /// filtering, and not a multi-select picklist.
    pub(crate) fn sortable(&self) -> bool {
        self.flag("sortable")
            .unwrap_or_else(|| self.filterable() && self.ty != FieldType::MultiPicklist)
    }

    /// A boolean of the field's loaded describe.
    fn flag(&self, name: &str) -> Option<bool> {
        self.describe?.get(name)?.as_bool()
    }

    pub(crate) const fn required(mut self) -> Self {
        self.nillable = false;
        self
    }
    pub(crate) const fn len(mut self, n: u32) -> Self {
        self.length = n;
        self
    }
    /// Set by the system: not createable or updateable, never null.
    pub(crate) const fn system(mut self) -> Self {
        self.nillable = false;
        self.createable = false;
        self.updateable = false;
        self.defaulted = true;
        self
    }
    pub(crate) const fn computed(mut self) -> Self {
        self.createable = false;
        self.updateable = false;
        self.defaulted = true;
        self
    }
    pub(crate) const fn ext_id(mut self) -> Self {
        self.external_id = true;
        self.unique = true;
        self
    }
    pub(crate) const fn lookup(mut self, to: &'static str, relationship: &'static str) -> Self {
        self.reference_to = Some(to);
        self.relationship = Some(relationship);
        self
    }
    pub(crate) const fn name_field(mut self) -> Self {
        self.name_field = true;
        self
    }
    pub(crate) const fn values(mut self, values: &'static [&'static str]) -> Self {
        self.picklist = values;
        self
    }

    /// Required on create, as Salesforce reports it: not nillable, createable, no default.
    pub(crate) fn required_on_create(&self) -> bool {
        !self.nillable && self.createable && !self.defaulted
    }
}
