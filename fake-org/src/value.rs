//! Stored field values (16 bytes each) and their JSON rendering.

use crate::schema::{self, FieldType};
use crate::time;

/// One stored field value. Kept at 16 bytes so a million records fit in a few hundred MB.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Num(f64),
    /// Days since 1970-01-01.
    Date(i32),
    /// Milliseconds since the epoch, UTC.
    DateTime(i64),
    /// A record of this org: object index and row.
    Id(u8, u32),
    /// Text of up to 14 bytes, inline.
    Short(u8, [u8; 14]),
    /// Longer text. Boxed twice on purpose: a thin pointer keeps `Value` at 16 bytes.
    #[allow(clippy::box_collection)]
    Long(Box<String>),
}

impl Value {
    /// A text value.
    pub(crate) fn text(s: &str) -> Value {
        if s.len() <= 14 {
            let mut buf = [0u8; 14];
            buf[..s.len()].copy_from_slice(s.as_bytes());
            Value::Short(s.len() as u8, buf)
        } else {
            Value::Long(Box::new(s.to_owned()))
        }
    }

    /// The text of a text value.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Value::Short(len, buf) => std::str::from_utf8(&buf[..*len as usize]).ok(),
            Value::Long(s) => Some(s.as_str()),
            _ => None,
        }
    }

    /// True for null.
    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value as a JSON value (for the Rust-side data access API).
    pub(crate) fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Num(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Date(d) => J::String(time::format_date(*d)),
            Value::DateTime(ms) => J::String(time::format_datetime(*ms)),
            Value::Id(obj, row) => J::String(schema::object(*obj).id_of(*row)),
            Value::Short(..) | Value::Long(_) => J::String(self.as_str().unwrap_or("").to_owned()),
        }
    }

    /// Converts a JSON value to a stored value of type `ty`, leniently (no validation errors).
    ///
    /// Used by the Rust-side `insert`; returns `None` when the value cannot be represented.
    pub(crate) fn from_json_lenient(ty: FieldType, v: &serde_json::Value) -> Option<Value> {
        use serde_json::Value as J;
        Some(match (ty, v) {
            (_, J::Null) => Value::Null,
            (FieldType::Boolean, J::Bool(b)) => Value::Bool(*b),
            (FieldType::Int, J::Number(n)) => {
                Value::Int(n.as_i64().or_else(|| n.as_f64().map(|f| f as i64))?)
            }
            (t, J::Number(n)) if t.is_double() => Value::Num(n.as_f64()?),
            (FieldType::Date, J::String(s)) => Value::Date(time::parse_date(s)?),
            (FieldType::DateTime, J::String(s)) => Value::DateTime(time::parse_datetime(s)?),
            (FieldType::Id | FieldType::Reference, J::String(s)) => {
                id_value(s).unwrap_or_else(|| Value::text(s))
            }
            (_, J::String(s)) => Value::text(s),
            (_, J::Number(n)) => Value::text(&n.to_string()),
            (_, J::Bool(b)) => Value::text(if *b { "true" } else { "false" }),
            _ => return None,
        })
    }
}

/// The stored form of an id string when it names a record kind of this org.
pub(crate) fn id_value(s: &str) -> Option<Value> {
    let id = crate::ids::normalize(s)?;
    let obj = schema::current().by_prefix(&id[..3])?;
    schema::object(obj)
        .row_of(&id)
        .map(|row| Value::Id(obj, row))
}

/// `s` as a JSON string literal ([`write_json_str`], as text).
pub(crate) fn json_str(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len() + 2);
    write_json_str(&mut out, s);
    String::from_utf8(out).unwrap_or_default()
}

/// Appends `s` as a JSON string literal.
pub(crate) fn write_json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if esc.is_empty() {
            out.extend_from_slice(format!("\\u{b:04x}").as_bytes());
        } else {
            out.extend_from_slice(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Appends the JSON rendering of a value as Salesforce writes it.
pub(crate) fn write_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Value::Num(f) => out.extend_from_slice(java_double(*f).as_bytes()),
        Value::Date(d) => {
            out.push(b'"');
            time::write_date(out, *d);
            out.push(b'"');
        }
        Value::DateTime(ms) => {
            out.push(b'"');
            time::write_datetime(out, *ms);
            out.push(b'"');
        }
        Value::Id(obj, row) => {
            out.push(b'"');
            out.extend_from_slice(schema::object(*obj).id_of(*row).as_bytes());
            out.push(b'"');
        }
        Value::Short(..) | Value::Long(_) => write_json_str(out, v.as_str().unwrap_or("")),
    }
}

/// A double as Java's `Double.toString` writes it (Salesforce's JSON does): `15000.0`, `5.0E7`.
pub(crate) fn java_double(f: f64) -> String {
    if !f.is_finite() {
        return "null".to_owned();
    }
    if f == 0.0 {
        return "0.0".to_owned();
    }
    let abs = f.abs();
    if (1e-3..1e7).contains(&abs) {
        let s = format!("{f:?}");
        if s.contains('.') {
            s
        } else {
            format!("{s}.0")
        }
    } else {
        let s = format!("{f:e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        if mantissa.contains('.') {
            format!("{mantissa}E{exp}")
        } else {
            format!("{mantissa}.0E{exp}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_is_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<Value>(), 16);
    }

    #[test]
    fn doubles_render_like_java() {
        assert_eq!(java_double(15000.0), "15000.0");
        assert_eq!(java_double(0.5), "0.5");
        assert_eq!(java_double(5.0e7), "5.0E7");
        assert_eq!(java_double(1.25e9), "1.25E9");
        assert_eq!(java_double(-0.0001), "-1.0E-4");
        assert_eq!(java_double(9_999_999.0), "9999999.0");
    }

    #[test]
    fn text_and_json_escapes() {
        assert_eq!(
            Value::text("Account 000123").as_str(),
            Some("Account 000123")
        );
        assert!(matches!(Value::text("Account 0001234"), Value::Long(_)));
        let mut out = Vec::new();
        write_json_str(&mut out, "a\"b\\c\n\u{1}é");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"a\\\"b\\\\c\\n\\u0001é\""
        );
    }
}
