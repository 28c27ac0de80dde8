//! Recursive-descent SOQL parser that resolves names against the schema as it goes.

use super::lexer::{tokenize, Tok, Token};
use super::{dates, literal};
use super::{Cond, FieldRef, Operand, OrderKey, OutItem, Query, Select, SoqlError};
use crate::schema::{self, FieldType};
use crate::zone::TimeZone;

const NO_COLUMN_HINT: &str = "If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.";

/// Parses and resolves a SOQL statement, date literals relative to now in time zone `tz`.
pub(crate) fn parse(src: &str, tz: &TimeZone) -> Result<Query, SoqlError> {
    parse_at(src, tz, crate::time::now_ms())
}

/// Parses and resolves a SOQL statement, date literals relative to `now_ms` in `tz`.
pub(crate) fn parse_at(src: &str, tz: &TimeZone, now_ms: i64) -> Result<Query, SoqlError> {
    if src.trim().is_empty() {
        return Err(SoqlError::plain(
            "MALFORMED_QUERY",
            "SOQL statements cannot be empty or null",
        ));
    }
    let toks = tokenize(src)?;
    let mut p = Parser {
        src,
        toks,
        i: 0,
        obj: 0,
        tz,
        today: tz.local_day(now_ms),
    };
    p.query()
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    i: usize,
    obj: u8,
    tz: &'a TimeZone,
    /// Today in `tz`, as days since 1970-01-01.
    today: i64,
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        &self.toks[self.i.min(self.toks.len() - 1)]
    }

    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        if self.i < self.toks.len() - 1 {
            self.i += 1;
        }
        t
    }

    fn unexpected(&self, t: &Token) -> SoqlError {
        SoqlError::malformed(
            self.src,
            t.pos,
            format!("unexpected token: '{}'", t.describe()),
        )
    }

    fn expect_kw(&mut self, kw: &str) -> Result<(), SoqlError> {
        let t = self.next();
        if t.is_kw(kw) {
            Ok(())
        } else {
            Err(self.unexpected(&t))
        }
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.peek().is_kw(kw) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn ident(&mut self) -> Result<(String, usize), SoqlError> {
        let t = self.next();
        match &t.tok {
            Tok::Ident(s) if !is_reserved(s) && !s.ends_with('.') && !s.starts_with('.') => {
                Ok((s.clone(), t.pos))
            }
            _ => Err(self.unexpected(&t)),
        }
    }

    fn query(&mut self) -> Result<Query, SoqlError> {
        self.expect_kw("SELECT")?;
        let mut count = false;
        let mut paths = Vec::new();
        if self.peek().is_kw("COUNT")
            && matches!(
                self.toks.get(self.i + 1),
                Some(Token {
                    tok: Tok::LParen,
                    ..
                })
            )
        {
            self.i += 2;
            let t = self.next();
            if t.tok != Tok::RParen {
                return Err(self.unexpected(&t));
            }
            count = true;
        } else {
            loop {
                paths.push(self.ident()?);
                if self.peek().tok != Tok::Comma {
                    break;
                }
                self.i += 1;
            }
        }
        self.expect_kw("FROM")?;
        let (name, pos) = self.ident()?;
        self.obj = schema::object_index(&name).ok_or_else(|| {
            SoqlError::at("INVALID_TYPE", self.src, pos, format!("sObject type '{name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."))
        })?;
        let select = if count {
            Select::Count
        } else {
            Select::Fields(self.select_items(&paths)?)
        };
        let filter = if self.eat_kw("WHERE") {
            Some(self.condition()?)
        } else {
            None
        };
        let mut order = Vec::new();
        if self.eat_kw("ORDER") {
            self.expect_kw("BY")?;
            loop {
                let (path, pos) = self.ident()?;
                let field = self.resolve(&path, pos)?;
                let desc = self.eat_kw("DESC") || {
                    self.eat_kw("ASC");
                    false
                };
                let mut nulls_first = !desc;
                if self.eat_kw("NULLS") {
                    let t = self.next();
                    nulls_first = if t.is_kw("FIRST") {
                        true
                    } else if t.is_kw("LAST") {
                        false
                    } else {
                        return Err(self.unexpected(&t));
                    };
                }
                order.push(OrderKey {
                    field,
                    desc,
                    nulls_first,
                });
                if self.peek().tok != Tok::Comma {
                    break;
                }
                self.i += 1;
            }
        }
        let limit = if self.eat_kw("LIMIT") {
            Some(self.count_literal()?)
        } else {
            None
        };
        let offset = if self.eat_kw("OFFSET") {
            self.count_literal()?
        } else {
            0
        };
        if offset > 2000 {
            return Err(SoqlError::plain(
                "NUMBER_OUTSIDE_VALID_RANGE",
                "Maximum SOQL offset allowed is 2000",
            ));
        }
        let t = self.next();
        if t.tok != Tok::Eof {
            return Err(self.unexpected(&t));
        }
        Ok(Query {
            obj: self.obj,
            select,
            filter,
            order,
            limit,
            offset,
        })
    }

    fn count_literal(&mut self) -> Result<usize, SoqlError> {
        let t = self.next();
        match &t.tok {
            Tok::Num(n) if n.bytes().all(|b| b.is_ascii_digit()) => match n.parse::<i32>() {
                Ok(v) => Ok(v as usize),
                Err(_) => Err(SoqlError::malformed(
                    self.src,
                    t.pos,
                    format!("numeric value out of range: {n}"),
                )),
            },
            _ => Err(self.unexpected(&t)),
        }
    }

    fn select_items(&self, paths: &[(String, usize)]) -> Result<Vec<OutItem>, SoqlError> {
        let mut items: Vec<OutItem> = Vec::new();
        let mut seen: Vec<FieldRef> = Vec::new();
        for (path, pos) in paths {
            let f = self.resolve(path, *pos)?;
            if seen.contains(&f) {
                return Err(SoqlError::plain(
                    "INVALID_FIELD",
                    format!("duplicate field selected: {}", self.canonical(f)),
                ));
            }
            seen.push(f);
            match f {
                FieldRef::Direct(i) => items.push(OutItem::Field(i)),
                FieldRef::Parent {
                    lookup,
                    target,
                    field,
                } => {
                    let existing = items.iter_mut().find_map(|it| match it {
                        OutItem::Parent {
                            lookup: l, fields, ..
                        } if *l == lookup => Some(fields),
                        _ => None,
                    });
                    match existing {
                        Some(fields) => fields.push(field),
                        None => {
                            let rel = schema::object(self.obj).fields[lookup]
                                .relationship
                                .unwrap_or("");
                            items.push(OutItem::Parent {
                                lookup,
                                target,
                                rel,
                                fields: vec![field],
                            })
                        }
                    }
                }
            }
        }
        Ok(items)
    }

    fn canonical(&self, f: FieldRef) -> String {
        let def = schema::object(self.obj);
        match f {
            FieldRef::Direct(i) => def.fields[i].name.to_owned(),
            FieldRef::Parent {
                lookup,
                target,
                field,
            } => format!(
                "{}.{}",
                def.fields[lookup].relationship.unwrap_or(""),
                schema::object(target).fields[field].name
            ),
        }
    }

    /// Resolves `Name` or `Account.Name` on the queried object.
    fn resolve(&self, path: &str, pos: usize) -> Result<FieldRef, SoqlError> {
        let def = schema::object(self.obj);
        let parts: Vec<&str> = path.split('.').collect();
        let no_column = |name: &str, on: &str| {
            SoqlError::at(
                "INVALID_FIELD",
                self.src,
                pos,
                format!("No such column '{name}' on entity '{on}'. {NO_COLUMN_HINT}"),
            )
        };
        match parts.as_slice() {
            [name] => def
                .field_index(name)
                .map(FieldRef::Direct)
                .ok_or_else(|| no_column(name, def.name)),
            [rel, name] if !rel.is_empty() && !name.is_empty() => {
                let Some(lookup) = def.relationship(rel) else {
                    return Err(self.bad_relationship(rel, pos));
                };
                let target_name = def.fields[lookup].reference_to.unwrap_or("");
                let target = schema::object_index(target_name)
                    .ok_or_else(|| self.bad_relationship(rel, pos))?;
                let tdef = schema::object(target);
                let field = tdef
                    .field_index(name)
                    .ok_or_else(|| no_column(name, tdef.name))?;
                Ok(FieldRef::Parent {
                    lookup,
                    target,
                    field,
                })
            }
            [rel, ..] => Err(self.bad_relationship(rel, pos)),
            [] => Err(SoqlError::malformed(
                self.src,
                pos,
                format!("unexpected token: '{path}'"),
            )),
        }
    }

    fn bad_relationship(&self, rel: &str, pos: usize) -> SoqlError {
        SoqlError::at("INVALID_FIELD", self.src, pos, format!("Didn't understand relationship '{rel}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names."))
    }

    fn field_type(&self, f: FieldRef) -> (FieldType, &'static str) {
        let def = match f {
            FieldRef::Direct(i) => &schema::object(self.obj).fields[i],
            FieldRef::Parent { target, field, .. } => &schema::object(target).fields[field],
        };
        (def.ty, def.name)
    }

    /// `term (AND term)*` or `term (OR term)*`; mixing needs parentheses, as in SOQL.
    fn condition(&mut self) -> Result<Cond, SoqlError> {
        let first = self.term()?;
        let joiner = if self.peek().is_kw("AND") {
            "AND"
        } else if self.peek().is_kw("OR") {
            "OR"
        } else {
            return Ok(first);
        };
        let mut terms = vec![first];
        while self.eat_kw(joiner) {
            terms.push(self.term()?);
        }
        let other = if joiner == "AND" { "OR" } else { "AND" };
        if self.peek().is_kw(other) {
            return Err(self.unexpected(&self.peek().clone()));
        }
        Ok(if joiner == "AND" {
            Cond::And(terms)
        } else {
            Cond::Or(terms)
        })
    }

    fn term(&mut self) -> Result<Cond, SoqlError> {
        if self.eat_kw("NOT") {
            return Ok(Cond::Not(Box::new(self.term()?)));
        }
        if self.peek().tok == Tok::LParen {
            self.i += 1;
            let inner = self.condition()?;
            let t = self.next();
            if t.tok != Tok::RParen {
                return Err(self.unexpected(&t));
            }
            return Ok(inner);
        }
        let (path, pos) = self.ident()?;
        let field = self.resolve(&path, pos)?;
        let t = self.next();
        match &t.tok {
            Tok::Op(op) => {
                let lit = self.next();
                Ok(Cond::Cmp(field, op, self.operand(field, &lit)?))
            }
            _ if t.is_kw("LIKE") => self.like(field, pos),
            _ if t.is_kw("IN") => Ok(Cond::In(field, false, self.in_list(field)?)),
            _ if t.is_kw("NOT") && self.peek().is_kw("IN") => {
                self.i += 1;
                Ok(Cond::In(field, true, self.in_list(field)?))
            }
            _ => Err(self.unexpected(&t)),
        }
    }

    fn like(&mut self, field: FieldRef, field_pos: usize) -> Result<Cond, SoqlError> {
        let (ty, name) = self.field_type(field);
        if !ty.is_text() {
            return Err(SoqlError::at(
                "INVALID_FIELD",
                self.src,
                field_pos,
                format!(
                    "invalid operator on field '{name}' of type {}: LIKE",
                    ty.name()
                ),
            ));
        }
        let t = self.next();
        let pattern = literal::like_pattern(self.src, &t)?;
        Ok(Cond::Like(field, pattern))
    }

    fn in_list(&mut self, field: FieldRef) -> Result<Vec<Operand>, SoqlError> {
        let t = self.next();
        if t.tok != Tok::LParen {
            return Err(self.unexpected(&t));
        }
        let mut values = Vec::new();
        loop {
            let lit = self.next();
            values.push(self.operand(field, &lit)?);
            let t = self.next();
            match t.tok {
                Tok::Comma => continue,
                Tok::RParen => break,
                _ => return Err(self.unexpected(&t)),
            }
        }
        Ok(values)
    }

    /// Converts a literal token (and the `:n` of a date literal) to an operand of the
    /// field's type.
    fn operand(&mut self, field: FieldRef, t: &Token) -> Result<Operand, SoqlError> {
        let (ty, name) = self.field_type(field);
        if let Tok::Ident(word) = &t.tok {
            if let Some(numbered) = dates::takes_number(word) {
                let n = if numbered { self.date_number(word)? } else { 0 };
                let days = dates::range(word, n, self.today).unwrap_or((0, 0));
                return literal::date_range(self.src, ty, name, t, days, self.tz);
            }
        }
        literal::operand(self.src, ty, name, t)
    }

    /// The `:n` after `LAST_N_DAYS` and the like.
    fn date_number(&mut self, word: &str) -> Result<i64, SoqlError> {
        let colon = self.next();
        if colon.tok != Tok::Colon {
            return Err(self.unexpected(&colon));
        }
        let t = self.next();
        match &t.tok {
            Tok::Num(n) if n.bytes().all(|b| b.is_ascii_digit()) => match n.parse::<i64>() {
                Ok(v) if v <= 100_000 => Ok(v),
                _ => Err(SoqlError::malformed(
                    self.src,
                    t.pos,
                    format!("numeric value out of range for {word}: {n}"),
                )),
            },
            _ => Err(self.unexpected(&t)),
        }
    }
}

/// Words that cannot stand where a field or object name is expected.
fn is_reserved(word: &str) -> bool {
    const RESERVED: [&str; 13] = [
        "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "ORDER", "BY", "LIMIT", "OFFSET", "LIKE",
        "IN", "NULL",
    ];
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(src: &str) -> Result<Query, SoqlError> {
        parse(src, &TimeZone::utc())
    }

    fn ms(s: &str) -> i64 {
        crate::time::parse_datetime(s).unwrap()
    }

    #[test]
    fn date_literals_become_ranges_in_the_org_time_zone() {
        let la = TimeZone::parse("America/Los_Angeles").unwrap();
        // 05:00 UTC on Dec 1 is still Nov 30 in Los Angeles.
        let now = ms("2026-12-01T05:00:00Z");
        let q = parse_at("SELECT Id FROM Account WHERE CreatedDate = TODAY", &la, now).unwrap();
        let Some(Cond::Cmp(_, "=", Operand::Range(s, e))) = q.filter else {
            panic!("{:?}", q.filter)
        };
        assert_eq!(
            (s, e),
            (ms("2026-11-30T08:00:00Z"), ms("2026-12-01T08:00:00Z"))
        );
        let q = parse_at(
            "SELECT Id FROM Opportunity WHERE CloseDate < LAST_N_DAYS:7",
            &TimeZone::utc(),
            now,
        )
        .unwrap();
        let Some(Cond::Cmp(_, "<", Operand::Range(s, e))) = q.filter else {
            panic!("{:?}", q.filter)
        };
        let today = crate::time::days_from_civil(2026, 12, 1);
        assert_eq!((s, e), (today - 7, today + 1));
    }

    #[test]
    fn date_literal_errors() {
        let e = p("SELECT Id FROM Account WHERE Name = TODAY").unwrap_err();
        assert_eq!(e.code, "INVALID_FIELD");
        assert!(e.message.ends_with("value of filter criterion for field 'Name' must be of type string and should be enclosed in quotes"), "{}", e.message);
        let e = p("SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS").unwrap_err();
        assert_eq!(e.code, "MALFORMED_QUERY");
        assert!(
            e.message.ends_with("unexpected token: '<EOF>'"),
            "{}",
            e.message
        );
        let e = p("SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS:x").unwrap_err();
        assert!(
            e.message.ends_with("unexpected token: 'x'"),
            "{}",
            e.message
        );
        assert!(p("SELECT Id FROM Account WHERE CreatedDate IN (TODAY, YESTERDAY)").is_ok());
    }

    #[test]
    fn errors_point_at_row_and_column() {
        let e = p("SELECT Id\nFROM Account\nWHERE Nmae = 'x'").unwrap_err();
        assert_eq!(e.code, "INVALID_FIELD");
        assert!(
            e.message
                .starts_with("\nWHERE Nmae = 'x'\n      ^\nERROR at Row:3:Column:7\n"),
            "{:?}",
            e.message
        );
        let e = p("SELECT Id FROM Account LIMIT x").unwrap_err();
        assert_eq!(e.code, "MALFORMED_QUERY");
        assert!(
            e.message.ends_with("unexpected token: 'x'"),
            "{}",
            e.message
        );
        assert_eq!(p("  ").unwrap_err().code, "MALFORMED_QUERY");
    }

    #[test]
    fn parent_fields_group_under_their_relationship() {
        let q = p("SELECT Account.Name, Id, Account.Industry FROM Contact").unwrap();
        let Select::Fields(items) = q.select else {
            panic!("fields")
        };
        assert_eq!(items.len(), 2);
        assert!(
            matches!(&items[0], OutItem::Parent { rel: "Account", fields, .. } if fields.len() == 2)
        );
    }
}
