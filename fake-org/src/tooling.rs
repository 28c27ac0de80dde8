//! The Tooling API (`/services/data/vXX.X/tooling/`): queries with paging, describe and record
//! calls over a small set of Tooling objects, answered like the data API with the Tooling
//! query's extra fields (`size`, `queryLocator`, `entityTypeName`), and anonymous Apex
//! (`executeAnonymous`, in `anonymous.rs`).

use crate::ctx::Ctx;
use crate::response::Response;
use crate::schema;
use crate::store::Store;
use crate::value::Value;
use crate::{describe, query, sobjects};

/// The objects the Tooling API serves.
pub(crate) const TOOLING_OBJECTS: [&str; 2] = ["ApexClass", "ApexTrigger"];

fn is_tooling(name: &str) -> bool {
    TOOLING_OBJECTS.iter().any(|t| t.eq_ignore_ascii_case(name))
}

/// Routes the segments after `tooling/`.
pub(crate) fn route(ctx: &Ctx, s: &[&str]) -> Response {
    let tctx = Ctx {
        org: ctx.org,
        req: ctx.req,
        version: ctx.version.clone(),
        dispatch: ctx.dispatch,
        tooling: true,
    };
    let ctx = &tctx;
    let method = ctx.req.method.as_str();
    match (s, method) {
        (["query"], "GET" | "HEAD") => {
            let params = crate::form::parse_form(&ctx.req.query);
            if let Some(q) = crate::form::param(&params, "q") {
                if let Ok(parsed) = crate::soql::parse(q, &ctx.org.time_zone()) {
                    let name = schema::object(parsed.obj).name;
                    if !is_tooling(name) {
                        return unsupported(name);
                    }
                }
            }
            decorate(query::run(ctx, false))
        }
        (["query", locator], "GET" | "HEAD") => decorate(query::more(ctx, locator, false)),
        (["query", ..], m) => Response::method_not_allowed(m, "HEAD,GET"),
        (["sobjects"], "GET" | "HEAD") => global(ctx),
        (["sobjects"], m) => Response::method_not_allowed(m, "HEAD,GET"),
        (["sobjects", ty, rest @ ..], _) if is_tooling(ty) => sobjects::route(ctx, ty, rest),
        (["sobjects", ty, ..], _) => unsupported(ty),
        (["executeAnonymous"], "GET") => crate::anonymous::run(ctx),
        (["executeAnonymous"], m) => Response::method_not_allowed(m, "GET"),
        (["composite"], "POST") => crate::composite::run(ctx),
        (["composite"], m) => Response::method_not_allowed(m, "POST"),
        _ => Response::not_found(),
    }
}

fn unsupported(name: &str) -> Response {
    let msg = format!("sObject type '{name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.");
    Response::error(400, "INVALID_TYPE", &msg)
}

/// The global describe, Tooling objects only.
fn global(ctx: &Ctx) -> Response {
    let resp = describe::global(ctx);
    let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(&resp.body) else {
        return resp;
    };
    if let Some(list) = v["sobjects"].as_array_mut() {
        list.retain(|o| o["name"].as_str().is_some_and(is_tooling));
    }
    Response::json_value(200, &v)
}

/// Adds the Tooling query result's own fields to a query page.
fn decorate(resp: Response) -> Response {
    if resp.status != 200 {
        return resp;
    }
    let Ok(page) = serde_json::from_slice::<serde_json::Value>(&resp.body) else {
        return resp;
    };
    let total = page["totalSize"].as_u64().unwrap_or(0);
    let entity = page["records"][0]["attributes"]["type"]
        .as_str()
        .map_or("null".to_string(), |t| format!("\"{t}\""));
    let body = String::from_utf8_lossy(&resp.body);
    let Some(rest) = body.strip_prefix('{') else {
        return resp;
    };
    let rest = rest.replacen(
        ",\"records\":",
        &format!(",\"queryLocator\":null,\"entityTypeName\":{entity},\"records\":"),
        1,
    );
    Response::json(200, format!("{{\"size\":{total},{rest}").into_bytes())
}

/// A few Apex classes and a trigger, as a new org with a small project has them.
pub(crate) fn seed(store: &mut Store) {
    let classes = [
        ("AccountService", 66.0, "public with sharing class AccountService {\n    public static List<Account> recent() {\n        return [SELECT Id, Name FROM Account ORDER BY CreatedDate DESC LIMIT 10];\n    }\n}"),
        ("AccountServiceTest", 66.0, "@IsTest\nprivate class AccountServiceTest {\n    @IsTest static void returnsRecent() {\n        System.assertNotEquals(null, AccountService.recent());\n    }\n}"),
        ("InvoiceRest", 65.0, "@RestResource(urlMapping='/Invoices/*')\nglobal with sharing class InvoiceRest {\n    @HttpGet global static String doGet() { return 'ok'; }\n}"),
    ];
    let now = crate::time::now_ms();
    if let Some(obj) = schema::object_index("ApexClass") {
        let def = schema::object(obj);
        for (name, version, body) in classes {
            let mut v = vec![Value::Null; def.fields.len()].into_boxed_slice();
            v[def.idx("Name")] = Value::text(name);
            v[def.idx("ApiVersion")] = Value::Num(version);
            v[def.idx("Status")] = Value::text("Active");
            v[def.idx("IsValid")] = Value::Bool(true);
            v[def.idx("Body")] = Value::text(body);
            v[def.idx("LengthWithoutComments")] = Value::Int(body.len() as i64);
            store.insert(obj, v, now);
        }
    }
    if let Some(obj) = schema::object_index("ApexTrigger") {
        let def = schema::object(obj);
        let body = "trigger AccountTrigger on Account (before insert) {\n}";
        let mut v = vec![Value::Null; def.fields.len()].into_boxed_slice();
        v[def.idx("Name")] = Value::text("AccountTrigger");
        v[def.idx("TableEnumOrId")] = Value::text("Account");
        v[def.idx("ApiVersion")] = Value::Num(66.0);
        v[def.idx("Status")] = Value::text("Active");
        v[def.idx("IsValid")] = Value::Bool(true);
        v[def.idx("Body")] = Value::text(body);
        store.insert(obj, v, now);
    }
}
