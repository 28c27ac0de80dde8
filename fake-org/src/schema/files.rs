//! The fields of the objects added for files, leads and the Tooling API: Lead, Content
//! (ContentDocument, ContentVersion, ContentDocumentLink), Attachment, Folder, Document,
//! ApexClass and ApexTrigger. Kept as data, like the other objects' fields.

use std::sync::OnceLock;

use super::{field, ChildRel, FieldDef, FieldType as T, ObjectDef};

impl FieldDef {
    /// A lookup to a record of any type (`Attachment.ParentId`): no `reference_to`.
    const fn polymorphic(mut self) -> Self {
        self.reference_to = None;
        self.relationship = None;
        self
    }
    /// Set on create only.
    const fn create_only(mut self) -> Self {
        self.updateable = false;
        self
    }
    /// Given a default on create when the request has none (`Lead.Status`).
    const fn computed_default(mut self) -> Self {
        self.defaulted = true;
        self
    }
}

static LEAD_FIELDS: [FieldDef; 12] = [
    field("Id", "Lead ID", T::Id).system(),
    field("IsDeleted", "Deleted", T::Boolean).system(),
    field("FirstName", "First Name", T::String).len(40),
    field("LastName", "Last Name", T::String).len(80).required(),
    field("Company", "Company", T::String).required(),
    field("Email", "Email", T::Email),
    field("Phone", "Phone", T::Phone),
    field("Title", "Title", T::String).len(128),
    field("Status", "Lead Status", T::Picklist).computed_default(),
    field("LeadSource", "Lead Source", T::Picklist),
    field("CreatedDate", "Created Date", T::DateTime).system(),
    field("LastModifiedDate", "Last Modified Date", T::DateTime).system(),
];

static CONTENT_DOCUMENT_FIELDS: [FieldDef; 9] = [
    field("Id", "ContentDocument ID", T::Id).system(),
    field("IsDeleted", "Deleted", T::Boolean).system(),
    field("Title", "Title", T::String).computed(),
    field("FileExtension", "File Extension", T::String)
        .len(40)
        .computed(),
    field("ContentSize", "Size", T::Int).computed(),
    field(
        "LatestPublishedVersionId",
        "Latest Published Version ID",
        T::Reference,
    )
    .lookup("ContentVersion", "LatestPublishedVersion")
    .computed(),
    field("Description", "Description", T::String).len(32_000),
    field("CreatedDate", "Created Date", T::DateTime).system(),
    field("LastModifiedDate", "Last Modified Date", T::DateTime).system(),
];

static CONTENT_VERSION_FIELDS: [FieldDef; 16] = [
    field("Id", "ContentVersion ID", T::Id).system(),
    field("IsDeleted", "Deleted", T::Boolean).system(),
    field("ContentDocumentId", "ContentDocument ID", T::Reference)
        .lookup("ContentDocument", "ContentDocument")
        .create_only(),
    field("Title", "Title", T::String),
    field("PathOnClient", "Path On Client", T::String)
        .len(500)
        .create_only(),
    field("Description", "Description", T::String).len(1000),
    field("ReasonForChange", "Reason For Change", T::String).len(1000),
    field("VersionData", "Version Data", T::Base64).create_only(),
    field("ContentSize", "Size", T::Int).computed(),
    field("FileExtension", "File Extension", T::String)
        .len(40)
        .computed(),
    field("VersionNumber", "Version Number", T::String)
        .len(20)
        .computed(),
    field("IsLatest", "Is Latest", T::Boolean).computed(),
    field(
        "FirstPublishLocationId",
        "First Publish Location ID",
        T::Reference,
    )
    .polymorphic()
    .create_only(),
    field("ContentUrl", "Content URL", T::Url),
    field("CreatedDate", "Created Date", T::DateTime).system(),
    field("LastModifiedDate", "Last Modified Date", T::DateTime).system(),
];

static CONTENT_DOCUMENT_LINK_FIELDS: [FieldDef; 8] = [
    field("Id", "ContentDocumentLink ID", T::Id).system(),
    field("IsDeleted", "Deleted", T::Boolean).system(),
    field("ContentDocumentId", "ContentDocument ID", T::Reference)
        .lookup("ContentDocument", "ContentDocument")
        .required()
        .create_only(),
    field("LinkedEntityId", "Linked Entity ID", T::Reference)
        .polymorphic()
        .required()
        .create_only(),
    field("ShareType", "Share Type", T::Picklist).len(40),
    field("Visibility", "Visibility", T::Picklist).len(40),
    field("CreatedDate", "Created Date", T::DateTime).system(),
    field("LastModifiedDate", "Last Modified Date", T::DateTime).system(),
];

static ATTACHMENT_FIELDS: [FieldDef; 11] = [
    field("Id", "Attachment ID", T::Id).system(),
    field("IsDeleted", "Deleted", T::Boolean).system(),
    field("ParentId", "Parent ID", T::Reference)
        .polymorphic()
        .required()
        .create_only(),
    field("Name", "File Name", T::String).required(),
    field("ContentType", "Content Type", T::String).len(120),
    field("Body", "Body", T::Base64),
    field("BodyLength", "Body Length", T::Int).computed(),
    field("Description", "Description", T::String).len(500),
    field("IsPrivate", "Private", T::Boolean),
    field("CreatedDate", "Created Date", T::DateTime).system(),
    field("LastModifiedDate", "Last Modified Date", T::DateTime).system(),
];

static FOLDER_FIELDS: [FieldDef; 8] = [
    field("Id", "Folder ID", T::Id).system(),
    field("IsDeleted", "Deleted", T::Boolean).system(),
    field("Name", "Name", T::String).len(40).required(),
    field("DeveloperName", "Folder Unique Name", T::String).len(80),
    field("Type", "Type", T::Picklist).len(40).required(),
    field("AccessType", "Access Type", T::Picklist).len(40),
    field("CreatedDate", "Created Date", T::DateTime).system(),
    field("LastModifiedDate", "Last Modified Date", T::DateTime).system(),
];

static DOCUMENT_FIELDS: [FieldDef; 14] = [
    field("Id", "Document ID", T::Id).system(),
    field("IsDeleted", "Deleted", T::Boolean).system(),
    field("FolderId", "Folder ID", T::Reference)
        .polymorphic()
        .required(),
    field("Name", "Document Name", T::String).required(),
    field("DeveloperName", "Document Unique Name", T::String).len(80),
    field("ContentType", "MIME Type", T::String).len(120),
    field("Type", "File Extension", T::String).len(40),
    field("Body", "Body", T::Base64),
    field("BodyLength", "Body Length", T::Int).computed(),
    field("Description", "Description", T::String).len(255),
    field("Keywords", "Keywords", T::String).len(255),
    field("IsPublic", "Externally Available", T::Boolean),
    field("CreatedDate", "Created Date", T::DateTime).system(),
    field("LastModifiedDate", "Last Modified Date", T::DateTime).system(),
];

static APEX_CLASS_FIELDS: [FieldDef; 11] = [
    field("Id", "Class ID", T::Id).system(),
    field("IsDeleted", "Deleted", T::Boolean).system(),
    field("Name", "Name", T::String).required(),
    field("NamespacePrefix", "Namespace Prefix", T::String).len(15),
    field("ApiVersion", "Api Version", T::Currency),
    field("Status", "Status", T::Picklist).len(40),
    field("IsValid", "Is Valid", T::Boolean),
    field("Body", "Body", T::String).len(1_000_000),
    field("LengthWithoutComments", "Size Without Comments", T::Int),
    field("CreatedDate", "Created Date", T::DateTime).system(),
    field("LastModifiedDate", "Last Modified Date", T::DateTime).system(),
];

static APEX_TRIGGER_FIELDS: [FieldDef; 10] = [
    field("Id", "Trigger ID", T::Id).system(),
    field("IsDeleted", "Deleted", T::Boolean).system(),
    field("Name", "Name", T::String).required(),
    field("TableEnumOrId", "Table Enum Or Id", T::String).len(40),
    field("ApiVersion", "Api Version", T::Currency),
    field("Status", "Status", T::Picklist).len(40),
    field("IsValid", "Is Valid", T::Boolean),
    field("Body", "Body", T::String).len(1_000_000),
    field("CreatedDate", "Created Date", T::DateTime).system(),
    field("LastModifiedDate", "Last Modified Date", T::DateTime).system(),
];

/// A standard object of this file.
const fn object(
    name: &'static str,
    label: &'static str,
    label_plural: &'static str,
    key_prefix: &'static str,
    counter_base: u64,
    fields: &'static [FieldDef],
    children: &'static [ChildRel],
) -> ObjectDef {
    ObjectDef {
        name,
        label,
        label_plural,
        key_prefix,
        counter_base,
        fields,
        custom: false,
        children,
        describe: None,
        audit: OnceLock::new(),
    }
}

static CONTENT_DOCUMENT_CHILDREN: [ChildRel; 2] = [
    ChildRel {
        child: "ContentVersion",
        field: "ContentDocumentId",
        name: Some("ContentVersions"),
        cascade_delete: true,
    },
    ChildRel {
        child: "ContentDocumentLink",
        field: "ContentDocumentId",
        name: Some("ContentDocumentLinks"),
        cascade_delete: true,
    },
];

pub(super) static LEAD_DEF: ObjectDef =
    object("Lead", "Lead", "Leads", "00Q", 2_310_000, &LEAD_FIELDS, &[]);
pub(super) static CONTENT_DOCUMENT_DEF: ObjectDef = object(
    "ContentDocument",
    "Content Document",
    "Content Documents",
    "069",
    4_410_000,
    &CONTENT_DOCUMENT_FIELDS,
    &CONTENT_DOCUMENT_CHILDREN,
);
pub(super) static CONTENT_VERSION_DEF: ObjectDef = object(
    "ContentVersion",
    "Content Version",
    "Content Versions",
    "068",
    4_420_000,
    &CONTENT_VERSION_FIELDS,
    &[],
);
pub(super) static CONTENT_DOCUMENT_LINK_DEF: ObjectDef = object(
    "ContentDocumentLink",
    "Content Document Link",
    "Content Document Links",
    "06A",
    4_430_000,
    &CONTENT_DOCUMENT_LINK_FIELDS,
    &[],
);
pub(super) static ATTACHMENT_DEF: ObjectDef = object(
    "Attachment",
    "Attachment",
    "Attachments",
    "00P",
    1_020_000,
    &ATTACHMENT_FIELDS,
    &[],
);
pub(super) static FOLDER_DEF: ObjectDef = object(
    "Folder",
    "Folder",
    "Folders",
    "00l",
    500_000,
    &FOLDER_FIELDS,
    &[],
);
pub(super) static DOCUMENT_DEF: ObjectDef = object(
    "Document",
    "Document",
    "Documents",
    "015",
    700_000,
    &DOCUMENT_FIELDS,
    &[],
);
pub(super) static APEX_CLASS_DEF: ObjectDef = object(
    "ApexClass",
    "Apex Class",
    "Apex Classes",
    "01p",
    90_000,
    &APEX_CLASS_FIELDS,
    &[],
);
pub(super) static APEX_TRIGGER_DEF: ObjectDef = object(
    "ApexTrigger",
    "Apex Trigger",
    "Apex Triggers",
    "01q",
    30_000,
    &APEX_TRIGGER_FIELDS,
    &[],
);
