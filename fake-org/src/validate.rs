//! Turning a JSON record body into typed field changes, with Salesforce's validation errors.

use serde_json::{Map, Value as J};

use crate::response::ApiError;
use crate::schema::{self, FieldDef, FieldType};
use crate::store::{Lookup, Store};
use crate::time;
use crate::value::Value;

/// Whether a body creates or updates a record.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Create,
    Update,
}

/// Parses a request body that must be a JSON object.
pub(crate) fn parse_object(body: &[u8]) -> Result<Map<String, J>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(parser_error(
            "No content to map due to end-of-input at [line:1, column:0]",
        ));
    }
    match serde_json::from_slice::<J>(body) {
        Ok(J::Object(map)) => Ok(map),
        Ok(other) => {
            let token = match other {
                J::Array(_) => "START_ARRAY",
                J::String(_) => "VALUE_STRING",
                J::Number(_) => "VALUE_NUMBER_INT",
                J::Bool(true) => "VALUE_TRUE",
                J::Bool(false) => "VALUE_FALSE",
                _ => "VALUE_NULL",
            };
            Err(parser_error(&format!("Cannot deserialize instance of SObject from {token} value or request may be missing a required field at [line:1, column:1]")))
        }
        Err(e) => {
            let text = e.to_string();
            let what = text.split(" at line ").next().unwrap_or(&text);
            Err(parser_error(&format!(
                "{what} at [line:{}, column:{}]",
                e.line(),
                e.column()
            )))
        }
    }
}

fn parser_error(msg: &str) -> ApiError {
    ApiError::new(400, "JSON_PARSER_ERROR", msg)
}

/// Line and column of the value of `"key"` in the raw body, for error messages.
fn locate(raw: &[u8], key: &str) -> (usize, usize) {
    let text = String::from_utf8_lossy(raw);
    let needle = format!("\"{key}\"");
    let Some(start) = text.find(&needle) else {
        return (1, 1);
    };
    let after = start + needle.len();
    let rest = &text[after..];
    let value_at = rest.find(':').map_or(after, |i| {
        let tail = &rest[i + 1..];
        after + i + 1 + (tail.len() - tail.trim_start().len())
    });
    let before = &text[..value_at];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(value_at, |i| value_at - i - 1) + 1;
    (line, col)
}

/// Converts body members to field changes of object `obj`.
///
/// Errors come in Salesforce's order: unknown fields, read-only fields, values, required fields.
pub(crate) fn changes(
    store: &Store,
    obj: u8,
    body: &Map<String, J>,
    raw: &[u8],
    mode: Mode,
) -> Result<Vec<(usize, Value)>, ApiError> {
    let def = schema::object(obj);
    let mut fields = Vec::with_capacity(body.len());
    for name in body.keys().filter(|k| *k != "attributes") {
        match def.field_index(name) {
            Some(i) => fields.push(i),
            None => {
                let msg = format!("No such column '{name}' on sobject of type {}", def.name);
                return Err(ApiError::fields(400, "INVALID_FIELD", &msg, &[name]));
            }
        }
    }
    let read_only: Vec<&str> = fields
        .iter()
        .map(|&i| &def.fields[i])
        .filter(|f| {
            if mode == Mode::Create {
                !f.createable
            } else {
                !f.updateable
            }
        })
        .map(|f| f.name)
        .collect();
    if !read_only.is_empty() {
        let msg = format!("Unable to create/update fields: {}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.", read_only.join(", "));
        return Err(ApiError::fields(
            400,
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            &msg,
            &read_only,
        ));
    }
    let mut out = Vec::with_capacity(fields.len());
    for (name, json) in body.iter().filter(|(k, _)| *k != "attributes") {
        let i = def.field_index(name).unwrap_or(0);
        let f = &def.fields[i];
        let v = convert(store, f, json).map_err(|e| match e {
            Bad::Parse(ty) => {
                let (token, shown) = describe_json(json);
                let (line, col) = locate(raw, name);
                parser_error(&format!("Cannot deserialize instance of {ty} from {token} value {shown} or request may be missing a required field at [line:{line}, column:{col}]"))
            }
            Bad::Error(r) => r,
        })?;
        out.push((i, v));
    }
    let missing: Vec<&str> = def
        .fields
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.nillable && !f.defaulted && (f.createable || mode == Mode::Update))
        .filter(|(_, f)| f.picklist_default.is_none())
        .filter(|(i, _)| match out.iter().find(|(j, _)| j == i) {
            Some((_, v)) => v.is_null(),
            None => mode == Mode::Create,
        })
        .map(|(_, f)| f.name)
        .collect();
    if !missing.is_empty() {
        let msg = format!("Required fields are missing: [{}]", missing.join(", "));
        return Err(ApiError::fields(
            400,
            "REQUIRED_FIELD_MISSING",
            &msg,
            &missing,
        ));
    }
    Ok(out)
}

enum Bad {
    /// The value cannot be read as this type.
    Parse(&'static str),
    /// A specific error.
    Error(ApiError),
}

fn describe_json(v: &J) -> (&'static str, String) {
    match v {
        J::String(s) => ("VALUE_STRING", s.clone()),
        J::Number(n) if n.is_f64() => ("VALUE_NUMBER_FLOAT", n.to_string()),
        J::Number(n) => ("VALUE_NUMBER_INT", n.to_string()),
        J::Bool(b) => (if *b { "VALUE_TRUE" } else { "VALUE_FALSE" }, b.to_string()),
        J::Array(_) => ("START_ARRAY", "[".into()),
        J::Object(_) => ("START_OBJECT", "{".into()),
        J::Null => ("VALUE_NULL", "null".into()),
    }
}

/// A field's value from JSON, checked as Salesforce checks it on a write (lookups as text);
/// the error says what is wrong, for data files.
pub(crate) fn field_value(f: &FieldDef, v: &J) -> Result<Value, String> {
    static EMPTY: std::sync::OnceLock<Store> = std::sync::OnceLock::new();
    let store = EMPTY.get_or_init(|| Store::for_schema(&schema::STANDARD));
    convert(store, f, v).map_err(|e| match e {
        Bad::Parse(ty) => format!("{v} is not a valid {ty}"),
        Bad::Error(e) => format!("{}: {}", e.code, e.message),
    })
}

fn field_error(code: &str, msg: &str, f: &FieldDef) -> Bad {
    Bad::Error(ApiError::fields(400, code, msg, &[f.name]))
}

/// Checks a text value against the field's length and picklist values.
fn check_text(f: &FieldDef, s: &str) -> Result<(), Bad> {
    let limit = if f.length == 0 && f.describe.is_some() {
        usize::MAX
    } else {
        f.length as usize
    };
    if s.chars().count() > limit {
        let msg = format!(
            "{}: data value too large: {s} (max length={})",
            f.label, f.length
        );
        return Err(field_error("STRING_TOO_LONG", &msg, f));
    }
    if f.restricted && !f.picklist.is_empty() {
        let values: Vec<&str> = if f.ty == FieldType::MultiPicklist {
            s.split(';').map(str::trim).collect()
        } else {
            vec![s]
        };
        if let Some(bad) = values.iter().find(|v| !f.picklist.contains(v)) {
            let msg = format!(
                "{}: bad value for restricted picklist field: {bad}",
                f.label
            );
            return Err(field_error(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                &msg,
                f,
            ));
        }
    }
    Ok(())
}

/// Checks a number against the field's precision and rounds it to its scale.
fn check_number(f: &FieldDef, x: f64) -> Result<f64, Bad> {
    if f.precision == 0 {
        return Ok(x);
    }
    let factor = 10f64.powi(f.scale as i32);
    let rounded = (x * factor).round() / factor;
    let max = 10f64.powi(f.precision.saturating_sub(f.scale) as i32);
    if rounded.abs() >= max {
        let msg = format!(
            "{}: value outside of valid range on numeric field: {}",
            f.label,
            crate::value::java_double(x)
        );
        return Err(field_error("NUMBER_OUTSIDE_VALID_RANGE", &msg, f));
    }
    Ok(rounded)
}

fn convert(store: &Store, f: &FieldDef, v: &J) -> Result<Value, Bad> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    match f.ty {
        t if t.is_text() => {
            let s = match v {
                J::String(s) => s.clone(),
                J::Number(n) => n.to_string(),
                J::Bool(b) => b.to_string(),
                _ => return Err(Bad::Parse("string")),
            };
            check_text(f, &s)?;
            if t == FieldType::Email && !valid_email(&s) {
                let msg = format!("{}: invalid email address: {s}", f.label);
                return Err(field_error("INVALID_EMAIL_ADDRESS", &msg, f));
            }
            if t == FieldType::Time && !valid_time(&s) {
                return Err(Bad::Parse("time"));
            }
            Ok(Value::text(&s))
        }
        t if t.is_integer() => match v {
            J::Number(n) => n
                .as_i64()
                .or_else(|| n.as_f64().map(|x| x.trunc() as i64))
                .map(Value::Int)
                .ok_or(Bad::Parse("int")),
            J::String(s) => s
                .trim()
                .parse::<i64>()
                .map(Value::Int)
                .map_err(|_| Bad::Parse("int")),
            _ => Err(Bad::Parse("int")),
        },
        t if t.is_double() => {
            let x = match v {
                J::Number(n) => n.as_f64().ok_or(Bad::Parse("double"))?,
                J::String(s) => s
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or(Bad::Parse("double"))?,
                _ => return Err(Bad::Parse("double")),
            };
            check_number(f, x).map(Value::Num)
        }
        FieldType::Boolean => match v {
            J::Bool(b) => Ok(Value::Bool(*b)),
            J::String(s) if s.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
            J::String(s) if s.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
            _ => Err(Bad::Parse("boolean")),
        },
        FieldType::Date => match v {
            J::String(s) => time::parse_date(s)
                .or_else(|| time::parse_datetime(s).map(|ms| ms.div_euclid(86_400_000) as i32))
                .map(Value::Date)
                .ok_or(Bad::Parse("date")),
            _ => Err(Bad::Parse("date")),
        },
        FieldType::DateTime => match v {
            J::String(s) => time::parse_datetime(s)
                .or_else(|| time::parse_date(s).map(|d| d as i64 * 86_400_000))
                .map(|ms| Value::DateTime(crate::store::whole_seconds(ms)))
                .ok_or(Bad::Parse("datetime")),
            _ => Err(Bad::Parse("datetime")),
        },
        FieldType::Reference => match v {
            J::String(s) => reference(store, f, s).map_err(Bad::Error),
            _ => Err(Bad::Parse("id")),
        },
        _ => Err(Bad::Parse("string")),
    }
}

/// Checks a lookup value: shape, target type, existence.
fn reference(store: &Store, f: &FieldDef, s: &str) -> Result<Value, ApiError> {
    if f.reference_to.is_none() {
        return polymorphic_reference(store, f, s);
    }
    let target = f.reference_to.and_then(schema::object_index).unwrap_or(0);
    let tdef = schema::object(target);
    let label = format!("{} ID", tdef.label);
    let Some(id) = crate::ids::normalize(s) else {
        let msg = format!("{label}: id value of incorrect type: {s}");
        return Err(ApiError::fields(400, "MALFORMED_ID", &msg, &[f.name]));
    };
    if &id[..3] != tdef.key_prefix.as_bytes() {
        let msg = format!("{label}: id value of incorrect type: {s}");
        return Err(ApiError::fields(
            400,
            "FIELD_INTEGRITY_EXCEPTION",
            &msg,
            &[f.name],
        ));
    }
    match store.lookup(target, &id) {
        Lookup::Live(row) => Ok(Value::Id(target, row)),
        Lookup::Deleted => Err(ApiError::fields(
            400,
            "ENTITY_IS_DELETED",
            "entity is deleted",
            &[f.name],
        )),
        Lookup::Missing => Err(ApiError::fields(
            400,
            "INVALID_CROSS_REFERENCE_KEY",
            "invalid cross reference id",
            &[f.name],
        )),
    }
}

/// `HH:MM`, `HH:MM:SS`, `HH:MM:SS.sss`, optionally with `Z`.
fn valid_time(s: &str) -> bool {
    let t = s.strip_suffix('Z').unwrap_or(s);
    let (hms, frac) = t.split_once('.').unwrap_or((t, "0"));
    let parts: Vec<&str> = hms.split(':').collect();
    let num = |p: &str, max: u32| p.len() == 2 && p.parse::<u32>().is_ok_and(|n| n <= max);
    (2..=3).contains(&parts.len())
        && num(parts[0], 23)
        && parts[1..].iter().all(|p| num(p, 59))
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// A lookup to a record of any type (`Attachment.ParentId`): any live record of this org.
fn polymorphic_reference(store: &Store, f: &FieldDef, s: &str) -> Result<Value, ApiError> {
    let Some(Value::Id(obj, row)) = crate::value::id_value(s) else {
        let msg = format!("{}: id value of incorrect type: {s}", f.label);
        let code = if crate::ids::normalize(s).is_some() {
            "INVALID_CROSS_REFERENCE_KEY"
        } else {
            "MALFORMED_ID"
        };
        return Err(ApiError::fields(400, code, &msg, &[f.name]));
    };
    match store.row(obj, row) {
        Some(v) if !crate::store::is_deleted(v) => Ok(Value::Id(obj, row)),
        _ => Err(ApiError::fields(
            400,
            "INVALID_CROSS_REFERENCE_KEY",
            "invalid cross reference id",
            &[f.name],
        )),
    }
}

fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c == ',' || c == ';')
}

/// Checks the unique external id fields of `changes` against other live records.
pub(crate) fn check_unique(
    store: &Store,
    obj: u8,
    changes: &[(usize, Value)],
    own_row: Option<u32>,
) -> Result<(), ApiError> {
    let def = schema::object(obj);
    for (i, v) in changes {
        let f = &def.fields[*i];
        let Some(s) = v.as_str().filter(|_| f.unique) else {
            continue;
        };
        if let Some(other) = store
            .find_external(obj, s)
            .into_iter()
            .find(|r| Some(*r) != own_row)
        {
            let msg = format!(
                "duplicate value found: {} duplicates value on record with id: {}",
                f.name,
                def.id_of(other)
            );
            return Err(ApiError::new(400, "DUPLICATE_VALUE", &msg));
        }
    }
    Ok(())
}
