//! The standard objects every fake org has: Account, Contact and Opportunity.

use std::sync::OnceLock;

use super::{field, ChildRel, FieldDef, FieldType, ObjectDef};

use FieldType as T;

static ACCOUNT_FIELDS: [FieldDef; 13] = [
    field("Id", "Account ID", T::Id).system(),
    field("IsDeleted", "Deleted", T::Boolean).system(),
    field("Name", "Account Name", T::String)
        .required()
        .name_field(),
    field("Type", "Account Type", T::Picklist).values(&ACCOUNT_TYPES),
    field("Industry", "Industry", T::Picklist).values(&INDUSTRIES),
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
    field("Name", "Full Name", T::String)
        .len(121)
        .computed()
        .name_field(),
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
    field("Name", "Name", T::String)
        .len(120)
        .required()
        .name_field(),
    field("StageName", "Stage", T::Picklist)
        .required()
        .values(&STAGES),
    field("Amount", "Amount", T::Currency),
    field("Probability", "Probability (%)", T::Percent),
    field("CloseDate", "Close Date", T::Date).required(),
    field("IsClosed", "Closed", T::Boolean).system(),
    field("IsWon", "Won", T::Boolean).system(),
    field("CreatedDate", "Created Date", T::DateTime).system(),
    field("LastModifiedDate", "Last Modified Date", T::DateTime).system(),
];

static ACCOUNT_TYPES: [&str; 7] = [
    "Prospect",
    "Customer - Direct",
    "Customer - Channel",
    "Channel Partner / Reseller",
    "Installation Partner",
    "Technology Partner",
    "Other",
];

static INDUSTRIES: [&str; 32] = [
    "Agriculture",
    "Apparel",
    "Banking",
    "Biotechnology",
    "Chemicals",
    "Communications",
    "Construction",
    "Consulting",
    "Education",
    "Electronics",
    "Energy",
    "Engineering",
    "Entertainment",
    "Environmental",
    "Finance",
    "Food & Beverage",
    "Government",
    "Healthcare",
    "Hospitality",
    "Insurance",
    "Machinery",
    "Manufacturing",
    "Media",
    "Not For Profit",
    "Recreation",
    "Retail",
    "Shipping",
    "Technology",
    "Telecommunications",
    "Transportation",
    "Utilities",
    "Other",
];

static STAGES: [&str; 10] = [
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Perception Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
];

static ACCOUNT_CHILDREN: [ChildRel; 2] = [
    ChildRel {
        child: "Contact",
        field: "AccountId",
        name: Some("Contacts"),
        cascade_delete: false,
    },
    ChildRel {
        child: "Opportunity",
        field: "AccountId",
        name: Some("Opportunities"),
        cascade_delete: true,
    },
];

/// Index of Account in every schema.
pub(crate) const ACCOUNT: u8 = 0;
/// Index of Contact in every schema.
pub(crate) const CONTACT: u8 = 1;
/// Index of Opportunity in every schema.
pub(crate) const OPPORTUNITY: u8 = 2;

pub(super) static ACCOUNT_DEF: ObjectDef = ObjectDef {
    name: "Account",
    label: "Account",
    label_plural: "Accounts",
    key_prefix: "001",
    counter_base: 3_841_000,
    fields: &ACCOUNT_FIELDS,
    custom: false,
    children: &ACCOUNT_CHILDREN,
    describe: None,
    audit: OnceLock::new(),
};

pub(super) static CONTACT_DEF: ObjectDef = ObjectDef {
    name: "Contact",
    label: "Contact",
    label_plural: "Contacts",
    key_prefix: "003",
    counter_base: 5_202_000,
    fields: &CONTACT_FIELDS,
    custom: false,
    children: &[],
    describe: None,
    audit: OnceLock::new(),
};

pub(super) static OPPORTUNITY_DEF: ObjectDef = ObjectDef {
    name: "Opportunity",
    label: "Opportunity",
    label_plural: "Opportunities",
    key_prefix: "006",
    counter_base: 1_187_000,
    fields: &OPPORTUNITY_FIELDS,
    custom: false,
    children: &[],
    describe: None,
    audit: OnceLock::new(),
};

/// The standard objects, at the indexes [`ACCOUNT`], [`CONTACT`] and [`OPPORTUNITY`], then
/// those of files, leads and the Tooling API (`files.rs`).
pub(super) static STANDARD: [&ObjectDef; 12] = [
    &ACCOUNT_DEF,
    &CONTACT_DEF,
    &OPPORTUNITY_DEF,
    &super::files::LEAD_DEF,
    &super::files::CONTENT_DOCUMENT_DEF,
    &super::files::CONTENT_VERSION_DEF,
    &super::files::CONTENT_DOCUMENT_LINK_DEF,
    &super::files::ATTACHMENT_DEF,
    &super::files::FOLDER_DEF,
    &super::files::DOCUMENT_DEF,
    &super::files::APEX_CLASS_DEF,
    &super::files::APEX_TRIGGER_DEF,
];
