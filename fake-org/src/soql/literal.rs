//! Literals of WHERE clauses, typed against the field they are compared with.

use super::lexer::{decode_string, Tok, Token};
use super::{LikeTok, Operand, SoqlError};
use crate::schema::FieldType;
use crate::zone::TimeZone;

/// Decodes a plain string literal.
fn decode(src: &str, raw: &str, pos: usize) -> Result<String, SoqlError> {
    decode_string(raw, false)
        .map(|v| v.into_iter().map(|(c, _)| c).collect())
        .map_err(|m| SoqlError::malformed(src, pos, m))
}

/// The pattern of `LIKE 'literal'`, lower-cased, with `\%` and `\_` as plain characters.
pub(super) fn like_pattern(src: &str, t: &Token) -> Result<Vec<LikeTok>, SoqlError> {
    let Tok::Str(raw) = &t.tok else {
        return Err(t.unexpected(src));
    };
    let chars = decode_string(raw, true).map_err(|m| SoqlError::malformed(src, t.pos, m))?;
    Ok(chars
        .into_iter()
        .map(|(c, escaped)| match (c, escaped) {
            ('%', false) => LikeTok::Any,
            ('_', false) => LikeTok::One,
            (c, _) => LikeTok::Char(c.to_lowercase().next().unwrap_or(c)),
        })
        .collect())
}

/// Salesforce's error for a literal of the wrong type for field `name`.
fn wrong_type(src: &str, name: &str, type_name: &str, t: &Token) -> SoqlError {
    let quotes = if type_name == "string" || type_name == "id" {
        "should be enclosed in quotes"
    } else {
        "should not be enclosed in quotes"
    };
    let msg = format!(
        "value of filter criterion for field '{name}' must be of type {type_name} and {quotes}"
    );
    SoqlError::at("INVALID_FIELD", src, t.pos, msg)
}

/// The operand of a date literal (token `t`) standing for local days `[start, end)`, for field
/// `name` of type `ty`: days on a date field, UTC milliseconds in `tz` on a datetime field.
pub(super) fn date_range(
    src: &str,
    ty: FieldType,
    name: &str,
    t: &Token,
    (start, end): (i64, i64),
    tz: &TimeZone,
) -> Result<Operand, SoqlError> {
    match ty {
        FieldType::Date => Ok(Operand::Range(start, end)),
        FieldType::DateTime => Ok(Operand::Range(tz.midnight_utc(start), tz.midnight_utc(end))),
        FieldType::Id | FieldType::Reference => Err(wrong_type(src, name, "id", t)),
        ty if ty.is_text() => Err(wrong_type(src, name, "string", t)),
        ty if ty.is_integer() => Err(wrong_type(src, name, "integer", t)),
        ty if ty.is_double() => Err(wrong_type(src, name, "double", t)),
        ty => Err(wrong_type(src, name, ty.name(), t)),
    }
}

/// Converts a literal token to an operand for field `name` of type `ty`, with Salesforce's
/// errors for a literal of the wrong type.
pub(super) fn operand(
    src: &str,
    ty: FieldType,
    name: &str,
    t: &Token,
) -> Result<Operand, SoqlError> {
    if let Tok::Ident(s) = &t.tok {
        if s.eq_ignore_ascii_case("null") {
            return Ok(Operand::Null);
        }
    }
    let wrong = |type_name: &str| wrong_type(src, name, type_name, t);
    let is_bool_word = matches!(&t.tok, Tok::Ident(s) if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false"));
    match (&t.tok, ty) {
        (Tok::Ident(_), _) if !is_bool_word => Err(t.unexpected(src)),
        (Tok::Comma | Tok::Colon | Tok::LParen | Tok::RParen | Tok::Op(_) | Tok::Eof, _) => {
            Err(t.unexpected(src))
        }
        (Tok::Str(raw), FieldType::Id | FieldType::Reference) => {
            let s = decode(src, raw, t.pos)?;
            crate::ids::normalize(&s).map(Operand::Id).ok_or_else(|| {
                let msg = format!("invalid ID field: {s}");
                SoqlError::at("INVALID_QUERY_FILTER_OPERATOR", src, t.pos, msg)
            })
        }
        (_, FieldType::Id | FieldType::Reference) => Err(wrong("id")),
        (Tok::Str(raw), ty) if ty.is_text() => {
            Ok(Operand::Text(decode(src, raw, t.pos)?.to_lowercase()))
        }
        (_, ty) if ty.is_text() => Err(wrong("string")),
        (Tok::Num(n), ty) if ty.is_integer() || ty.is_double() => n
            .parse::<f64>()
            .map(Operand::Num)
            .map_err(|_| t.unexpected(src)),
        (_, ty) if ty.is_integer() => Err(wrong("integer")),
        (_, ty) if ty.is_double() => Err(wrong("double")),
        (Tok::Ident(s), FieldType::Boolean) => Ok(Operand::Bool(s.eq_ignore_ascii_case("true"))),
        (_, FieldType::Boolean) => Err(wrong("boolean")),
        (Tok::Date(d), FieldType::Date) => Ok(Operand::Date(*d)),
        (_, FieldType::Date) => Err(wrong("date")),
        (Tok::DateTime(ms), FieldType::DateTime) => Ok(Operand::DateTime(*ms)),
        (_, FieldType::DateTime) => Err(wrong("dateTime")),
        _ => Err(wrong(ty.name())),
    }
}
