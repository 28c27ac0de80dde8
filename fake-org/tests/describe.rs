//! Describe, describe global and limits answer with the members a real org sends.
mod common;

use common::*;
use sfrest_fake_org::FakeOrg;

const SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schema/Invoice__c.json");

/// The members of a describe result (API 60+), as a real org sends them.
const OBJECT_KEYS: &[&str] = &[
    "actionOverrides",
    "activateable",
    "associateEntityType",
    "associateParentEntity",
    "childRelationships",
    "compactLayoutable",
    "createable",
    "custom",
    "customSetting",
    "deepCloneable",
    "defaultImplementation",
    "deletable",
    "deprecatedAndHidden",
    "extendedBy",
    "extendsInterfaces",
    "feedEnabled",
    "fields",
    "hasSubtypes",
    "implementedBy",
    "implementsInterfaces",
    "isInterface",
    "isSubtype",
    "keyPrefix",
    "label",
    "labelPlural",
    "layoutable",
    "listviewable",
    "lookupLayoutable",
    "mergeable",
    "mruEnabled",
    "name",
    "namedLayoutInfos",
    "networkScopeFieldName",
    "queryable",
    "recordTypeInfos",
    "replicateable",
    "retrieveable",
    "searchLayoutable",
    "searchable",
    "sobjectDescribeOption",
    "supportedScopes",
    "triggerable",
    "undeletable",
    "updateable",
    "urls",
];

const FIELD_KEYS: &[&str] = &[
    "aggregatable",
    "aiPredictionField",
    "autoNumber",
    "byteLength",
    "calculated",
    "calculatedFormula",
    "cascadeDelete",
    "caseSensitive",
    "compoundFieldName",
    "controllerName",
    "createable",
    "custom",
    "defaultValue",
    "defaultValueFormula",
    "defaultedOnCreate",
    "dependentPicklist",
    "deprecatedAndHidden",
    "digits",
    "displayLocationInDecimal",
    "encrypted",
    "externalId",
    "extraTypeInfo",
    "filterable",
    "filteredLookupInfo",
    "formulaTreatNullNumberAsZero",
    "groupable",
    "highScaleNumber",
    "htmlFormatted",
    "idLookup",
    "inlineHelpText",
    "label",
    "length",
    "mask",
    "maskType",
    "name",
    "nameField",
    "namePointing",
    "nillable",
    "permissionable",
    "picklistValues",
    "polymorphicForeignKey",
    "precision",
    "queryByDistance",
    "referenceTargetField",
    "referenceTo",
    "relationshipName",
    "relationshipOrder",
    "restrictedDelete",
    "restrictedPicklist",
    "scale",
    "searchPrefilterable",
    "soapType",
    "sortable",
    "type",
    "unique",
    "updateable",
    "writeRequiresMasterRead",
];

const GLOBAL_KEYS: &[&str] = &[
    "activateable",
    "associateEntityType",
    "associateParentEntity",
    "createable",
    "custom",
    "customSetting",
    "deepCloneable",
    "deletable",
    "deprecatedAndHidden",
    "feedEnabled",
    "hasSubtypes",
    "isInterface",
    "isSubtype",
    "keyPrefix",
    "label",
    "labelPlural",
    "layoutable",
    "mergeable",
    "mruEnabled",
    "name",
    "queryable",
    "replicateable",
    "retrieveable",
    "searchable",
    "triggerable",
    "undeletable",
    "updateable",
    "urls",
];

fn keys(v: &serde_json::Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

fn org() -> FakeOrg {
    FakeOrg::builder().describe_file(SCHEMA).unwrap().start()
}

#[test]
fn standard_describe_has_every_member() {
    let org = org();
    let token = login(&org);
    let d = get(
        &org,
        &token,
        "/services/data/v66.0/sobjects/Account/describe",
    )
    .json();
    assert_eq!(keys(&d), OBJECT_KEYS);
    for f in d["fields"].as_array().unwrap() {
        assert_eq!(keys(f), FIELD_KEYS, "{}", f["name"]);
    }
    let rels: Vec<&str> = d["childRelationships"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["relationshipName"].as_str())
        .collect();
    assert_eq!(rels, ["Contacts", "Opportunities", "Invoices__r"]);
    let industry = d["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Industry")
        .unwrap();
    assert!(industry["picklistValues"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["value"] == "Technology"));
    let name = d["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["nameField"] == true)
        .unwrap();
    assert_eq!(name["name"], "Name");
    assert_eq!(
        d["urls"]["describe"],
        "/services/data/v66.0/sobjects/Account/describe"
    );
    assert_eq!(
        d["urls"]["uiDetailTemplate"],
        format!("{}/{{ID}}", org.my_domain_url())
    );
}

#[test]
fn loaded_describe_is_served_as_saved() {
    let org = org();
    let token = login(&org);
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(SCHEMA).unwrap()).unwrap();
    let saved = &saved["result"];
    let d = get(
        &org,
        &token,
        "/services/data/v62.0/sobjects/Invoice__c/describe",
    )
    .json();
    assert_eq!(d["fields"], saved["fields"]);
    assert_eq!(d["recordTypeInfos"], saved["recordTypeInfos"]);
    assert_eq!(keys(&d), keys(saved));
    assert_eq!(
        d["urls"]["sobject"],
        "/services/data/v62.0/sobjects/Invoice__c"
    );
    assert_eq!(
        d["urls"]["uiNewRecord"],
        format!("{}/a0B/e", org.my_domain_url())
    );
}

#[test]
fn global_describe_lists_every_object_with_every_member() {
    let org = org();
    let token = login(&org);
    let g = get(&org, &token, "/services/data/v66.0/sobjects").json();
    assert_eq!(g["encoding"], "UTF-8");
    assert_eq!(g["maxBatchSize"], 200);
    let list = g["sobjects"].as_array().unwrap();
    let names: Vec<&str> = list.iter().filter_map(|o| o["name"].as_str()).collect();
    assert_eq!(names[..3], ["Account", "Contact", "Opportunity"]);
    assert_eq!(
        names.last(),
        Some(&"Invoice__c"),
        "loaded objects come last"
    );
    for standard in [
        "ContentVersion",
        "Attachment",
        "Document",
        "Lead",
        "ApexClass",
    ] {
        assert!(names.contains(&standard), "{standard}: {names:?}");
    }
    for o in list {
        assert_eq!(keys(o), GLOBAL_KEYS, "{}", o["name"]);
    }
    let invoice = list.last().unwrap();
    assert_eq!(invoice["custom"], true);
    assert_eq!(invoice["mergeable"], false, "from the saved describe");
    let basic = get(&org, &token, "/services/data/v66.0/sobjects/Invoice__c").json();
    assert_eq!(&basic["objectDescribe"], invoice);
}

#[test]
fn limits_list_every_documented_limit_and_count_what_the_org_counts() {
    let org = FakeOrg::start();
    let token = login(&org);
    let l = get(&org, &token, "/services/data/v66.0/limits").json();
    let names = keys(&l);
    assert!(names.len() >= 50, "{} limits", names.len());
    for n in [
        "DailyApiRequests",
        "DailyBulkApiBatches",
        "DailyBulkV2QueryJobs",
        "DataStorageMB",
        "FileStorageMB",
        "HourlyODataCallout",
        "SingleEmail",
        "MassEmail",
        "DailyAsyncApexExecutions",
        "PermissionSets",
    ] {
        assert!(names.contains(&n), "{n} missing");
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "alphabetical, as Salesforce sends them");
    for (n, v) in l.as_object().unwrap() {
        assert!(v["Max"].is_u64() && v["Remaining"].is_u64(), "{n}: {v}");
    }
    let storage = l["DataStorageMB"]["Remaining"].as_u64().unwrap();
    let api = l["DailyApiRequests"]["Remaining"].as_u64().unwrap();
    org.seed_bulk("Account", 20_000);
    let l = get(&org, &token, "/services/data/v66.0/limits").json();
    assert_eq!(
        storage - l["DataStorageMB"]["Remaining"].as_u64().unwrap(),
        39,
        "2 KB a record"
    );
    assert_eq!(
        api - l["DailyApiRequests"]["Remaining"].as_u64().unwrap(),
        1
    );
}

/// The describe's `urls` that the fake org does not serve say so (404 naming the resource),
/// rather than being read as a record id (MALFORMED_ID) or an external id field.
#[test]
fn resources_the_describe_names_but_the_fake_does_not_serve_say_so() {
    let org = FakeOrg::start();
    let token = login(&org);
    let d = get(
        &org,
        &token,
        "/services/data/v66.0/sobjects/Account/describe",
    )
    .json();
    for name in [
        "listviews",
        "quickActions",
        "layouts",
        "compactLayouts",
        "approvalLayouts",
    ] {
        let url = d["urls"][name]
            .as_str()
            .unwrap_or_else(|| panic!("no urls.{name}"));
        let r = get(&org, &token, url);
        assert_eq!(r.status, 404, "{name}: {}", r.text());
        let (code, message) = rest_error(&r);
        assert_eq!(code, "NOT_FOUND");
        assert!(message.contains("does not serve"), "{name}: {message}");
    }
    // A record id and the describe itself still answer.
    assert_eq!(
        get(&org, &token, d["urls"]["describe"].as_str().unwrap()).status,
        200
    );
}
