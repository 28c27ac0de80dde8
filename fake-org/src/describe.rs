//! Describe resources, answered from the schema data.

use serde_json::{json, Value as J};

use crate::ctx::Ctx;
use crate::response::Response;
use crate::schema::{self, FieldDef, FieldType, ObjectDef, OBJECTS};

fn urls(ctx: &Ctx, o: &ObjectDef) -> J {
    let b = format!("{}/sobjects/{}", ctx.base(), o.name);
    json!({
        "sobject": b,
        "describe": format!("{b}/describe"),
        "rowTemplate": format!("{b}/{{ID}}"),
    })
}

fn summary(ctx: &Ctx, o: &ObjectDef) -> J {
    json!({
        "name": o.name,
        "label": o.label,
        "labelPlural": o.label_plural,
        "keyPrefix": o.key_prefix,
        "custom": false,
        "createable": true,
        "updateable": true,
        "deletable": true,
        "queryable": true,
        "searchable": true,
        "urls": urls(ctx, o),
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
    Response::json_value(
        200,
        &json!({"objectDescribe": summary(ctx, schema::object(obj)), "recentItems": []}),
    )
}

fn field(f: &FieldDef) -> J {
    let (precision, scale, digits) = match f.ty {
        FieldType::Currency => (18, 2, 0),
        FieldType::Percent => (18, 0, 0),
        FieldType::Int => (0, 0, 8),
        _ => (0, 0, 0),
    };
    json!({
        "name": f.name,
        "label": f.label,
        "type": f.ty.name(),
        "soapType": f.ty.soap_type(),
        "length": if f.ty.is_text() || matches!(f.ty, FieldType::Id | FieldType::Reference) { f.length } else { 0 },
        "precision": precision,
        "scale": scale,
        "digits": digits,
        "nillable": f.nillable,
        "createable": f.createable,
        "updateable": f.updateable,
        "defaultedOnCreate": f.defaulted,
        "externalId": f.external_id,
        "unique": f.unique,
        "idLookup": f.ty == FieldType::Id || f.external_id,
        "custom": f.name.ends_with("__c"),
        "calculated": !f.createable && f.defaulted && f.nillable,
        "filterable": true,
        "sortable": true,
        "referenceTo": f.reference_to.map_or_else(Vec::new, |r| vec![r]),
        "relationshipName": f.relationship,
    })
}

/// `GET sobjects/{Type}/describe`.
pub(crate) fn object(ctx: &Ctx, obj: u8) -> Response {
    let o = schema::object(obj);
    let mut d = summary(ctx, o);
    if let J::Object(map) = &mut d {
        map.insert(
            "fields".into(),
            J::Array(o.fields.iter().map(field).collect()),
        );
    }
    Response::json_value(200, &d)
}
