//! Describe resources, answered from the schema: the members a real org sends, computed for
//! the standard objects, and the saved describe served verbatim for loaded objects (with this
//! org's URLs, and the child relationships of loaded lookups added).

use serde_json::{json, Map, Value as J};

use crate::ctx::Ctx;
use crate::response::Response;
use crate::schema::{self, ChildRel, FieldDef, FieldType, ObjectDef, OBJECTS};

/// The `urls` of an object, for this org and API version.
fn urls(ctx: &Ctx, o: &ObjectDef, full: bool) -> J {
    let b = format!("{}/sobjects/{}", ctx.base(), o.name);
    let ui = &ctx.org.my_domain_url;
    let mut u = json!({
        "compactLayouts": format!("{b}/describe/compactLayouts"),
        "rowTemplate": format!("{b}/{{ID}}"),
        "approvalLayouts": format!("{b}/describe/approvalLayouts"),
    });
    if full {
        u["uiDetailTemplate"] = json!(format!("{ui}/{{ID}}"));
        u["uiEditTemplate"] = json!(format!("{ui}/{{ID}}/e"));
        u["defaultValues"] = json!(format!("{b}/defaultValues?recordTypeId&fields"));
    }
    u["listviews"] = json!(format!("{b}/listviews"));
    u["describe"] = json!(format!("{b}/describe"));
    if full {
        u["uiNewRecord"] = json!(format!("{ui}/{}/e", o.key_prefix));
    }
    u["quickActions"] = json!(format!("{b}/quickActions"));
    u["layouts"] = json!(format!("{b}/describe/layouts"));
    u["sobject"] = json!(b);
    u
}

/// A boolean member of the saved describe, or `default`.
fn saved(o: &ObjectDef, key: &str, default: bool) -> bool {
    o.describe
        .and_then(|d| d.get(key))
        .and_then(J::as_bool)
        .unwrap_or(default)
}

/// The members the global describe lists for each object (also `objectDescribe`).
fn summary(ctx: &Ctx, o: &ObjectDef) -> J {
    let standard = o.describe.is_none();
    let flag = |key: &str, default: bool| J::Bool(saved(o, key, default));
    let text = |key: &str| {
        o.describe
            .and_then(|d| d.get(key))
            .cloned()
            .unwrap_or(J::Null)
    };
    json!({
        "activateable": flag("activateable", false),
        "associateEntityType": text("associateEntityType"),
        "associateParentEntity": text("associateParentEntity"),
        "createable": flag("createable", true),
        "custom": o.custom,
        "customSetting": flag("customSetting", false),
        "deepCloneable": flag("deepCloneable", false),
        "deletable": flag("deletable", true),
        "deprecatedAndHidden": flag("deprecatedAndHidden", false),
        "feedEnabled": flag("feedEnabled", standard),
        "hasSubtypes": flag("hasSubtypes", false),
        "isInterface": flag("isInterface", false),
        "isSubtype": flag("isSubtype", false),
        "keyPrefix": o.key_prefix,
        "label": o.label,
        "labelPlural": o.label_plural,
        "layoutable": flag("layoutable", true),
        "mergeable": flag("mergeable", standard && o.name != "Opportunity"),
        "mruEnabled": flag("mruEnabled", true),
        "name": o.name,
        "queryable": flag("queryable", true),
        "replicateable": flag("replicateable", true),
        "retrieveable": flag("retrieveable", true),
        "searchable": flag("searchable", true),
        "triggerable": flag("triggerable", true),
        "undeletable": flag("undeletable", true),
        "updateable": flag("updateable", true),
        "urls": urls(ctx, o, false),
    })
}

/// `GET sobjects/`: the global describe.
pub(crate) fn global(ctx: &Ctx) -> Response {
    let list: Vec<J> = OBJECTS.iter().map(|o| summary(ctx, o)).collect();
    Response::json_value(
        200,
        &json!({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": list}),
    )
}

/// `GET sobjects/{Type}`: basic information.
pub(crate) fn basic(ctx: &Ctx, obj: u8) -> Response {
    let summary = summary(ctx, schema::object(obj)).to_string();
    let mut body = format!("{{\"objectDescribe\":{summary},\"recentItems\":").into_bytes();
    body.extend(crate::recent::items(ctx, Some(obj), 200));
    body.push(b'}');
    Response::json(200, body)
}

/// A field of a standard object, with every member a real describe has.
fn field(f: &FieldDef) -> J {
    let digits = if f.ty.is_integer() { 18 } else { 0 };
    let text_like = f.ty.is_text() || matches!(f.ty, FieldType::Id | FieldType::Reference);
    let byte_length = match f.ty {
        FieldType::Id | FieldType::Reference => f.length,
        _ if text_like => f.length * 3,
        _ => 0,
    };
    let picklist: Vec<J> = f
        .picklist
        .iter()
        .map(|v| {
            json!({
                "active": true,
                "defaultValue": f.picklist_default == Some(*v),
                "label": v,
                "validFor": null,
                "value": v,
            })
        })
        .collect();
    let filterable = f.filterable();
    let groupable = !f.ty.is_double() && !matches!(f.ty, FieldType::DateTime | FieldType::TextArea);
    let first = json!({
        "aggregatable": filterable,
        "aiPredictionField": false,
        "autoNumber": f.auto_number,
        "byteLength": byte_length,
        "calculated": f.calculated || (!f.createable && f.defaulted && f.nillable),
        "calculatedFormula": null,
        "cascadeDelete": false,
        "caseSensitive": false,
        "compoundFieldName": null,
        "controllerName": null,
        "createable": f.createable,
        "custom": f.name.ends_with("__c"),
        "defaultValue": if f.ty == FieldType::Boolean && f.createable { json!(false) } else { J::Null },
        "defaultValueFormula": null,
        "defaultedOnCreate": f.defaulted,
        "dependentPicklist": false,
        "deprecatedAndHidden": false,
        "digits": digits,
        "displayLocationInDecimal": false,
        "encrypted": false,
        "externalId": f.external_id,
        "extraTypeInfo": null,
        "filterable": filterable,
        "filteredLookupInfo": null,
        "formulaTreatNullNumberAsZero": false,
        "groupable": groupable,
    });
    let second = json!({
        "highScaleNumber": false,
        "htmlFormatted": false,
        "idLookup": f.ty == FieldType::Id || f.external_id || (f.name_field && f.createable),
        "inlineHelpText": null,
        "label": f.label,
        "length": if text_like { f.length } else { 0 },
        "mask": null,
        "maskType": null,
        "name": f.name,
        "nameField": f.name_field,
        "namePointing": false,
        "nillable": f.nillable,
        "permissionable": f.nillable && f.createable,
        "picklistValues": picklist,
        "polymorphicForeignKey": false,
        "precision": if f.ty.is_double() { f.precision } else { 0 },
        "queryByDistance": false,
        "referenceTargetField": null,
        "referenceTo": f.reference_to.map_or_else(Vec::new, |r| vec![r]),
        "relationshipName": f.relationship,
        "relationshipOrder": null,
        "restrictedDelete": false,
        "restrictedPicklist": f.restricted,
        "scale": if f.ty.is_double() { f.scale } else { 0 },
        "searchPrefilterable": f.ty == FieldType::Reference,
        "soapType": f.ty.soap_type(),
        "sortable": f.sortable(),
        "type": f.ty.name(),
        "unique": f.unique,
        "updateable": f.updateable,
        "writeRequiresMasterRead": false,
    });
    let (J::Object(mut all), J::Object(rest)) = (first, second) else {
        return J::Null;
    };
    all.extend(rest);
    J::Object(all)
}

fn child(c: &ChildRel) -> J {
    json!({
        "cascadeDelete": c.cascade_delete,
        "childSObject": c.child,
        "deprecatedAndHidden": false,
        "field": c.field,
        "junctionIdListNames": [],
        "junctionReferenceTo": [],
        "relationshipName": c.name,
        "restrictedDelete": false,
    })
}

/// The full describe of a standard object.
fn standard(ctx: &Ctx, o: &ObjectDef) -> Map<String, J> {
    let J::Object(s) = summary(ctx, o) else {
        return Map::new();
    };
    let master = "012000000000000AAA";
    let extra = json!({
        "actionOverrides": [],
        "childRelationships": o.children.iter().map(child).collect::<Vec<_>>(),
        "compactLayoutable": true,
        "defaultImplementation": null,
        "extendedBy": null,
        "extendsInterfaces": null,
        "fields": o.fields.iter().map(field).collect::<Vec<_>>(),
        "implementedBy": null,
        "implementsInterfaces": null,
        "listviewable": null,
        "lookupLayoutable": null,
        "namedLayoutInfos": [],
        "networkScopeFieldName": null,
        "recordTypeInfos": [{
            "active": true,
            "available": true,
            "defaultRecordTypeMapping": true,
            "developerName": "Master",
            "master": true,
            "name": "Master",
            "recordTypeId": master,
            "urls": {"layout": format!("{}/sobjects/{}/describe/layouts/{master}", ctx.base(), o.name)},
        }],
        "searchLayoutable": true,
        "sobjectDescribeOption": "FULL",
        "supportedScopes": [
            {"label": format!("All {}", o.label_plural.to_lowercase()), "name": "everything"},
            {"label": format!("My {}", o.label_plural.to_lowercase()), "name": "mine"},
        ],
    });
    let mut all: Vec<(String, J)> = s.into_iter().collect();
    if let J::Object(extra) = extra {
        all.extend(extra);
    }
    all.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out: Map<String, J> = all.into_iter().collect();
    // Salesforce sends `urls` last.
    out.remove("urls");
    out.insert("urls".into(), urls(ctx, o, true));
    out
}

/// The saved describe of a loaded object, with this org's URLs and every child relationship.
fn loaded(ctx: &Ctx, o: &ObjectDef, d: &J) -> Map<String, J> {
    let mut out = d.as_object().cloned().unwrap_or_default();
    let rels = out
        .entry("childRelationships")
        .or_insert_with(|| J::Array(Vec::new()));
    if let J::Array(list) = rels {
        for c in o.children {
            let listed = list.iter().any(|r| {
                r["childSObject"].as_str() == Some(c.child) && r["field"].as_str() == Some(c.field)
            });
            if !listed {
                list.push(child(c));
            }
        }
    }
    out.insert("urls".into(), urls(ctx, o, true));
    out
}

/// `GET sobjects/{Type}/describe`.
pub(crate) fn object(ctx: &Ctx, obj: u8) -> Response {
    let o = schema::object(obj);
    let d = match o.describe {
        Some(d) => loaded(ctx, o, d),
        None => standard(ctx, o),
    };
    Response::json_value(200, &J::Object(d))
}
