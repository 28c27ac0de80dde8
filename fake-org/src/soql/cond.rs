//! WHERE and HAVING conditions: `AND`/`OR` (mixing needs parentheses), `NOT`, comparisons,
//! `LIKE`, `IN`/`NOT IN`, with literals typed against what they are compared with.

use super::lexer::{Tok, Token};
use super::parser::Parser;
use super::path::def;
use super::semi::CondKey;
use super::{dates, literal, Aggregate, Cond, FieldRef, Operand, SoqlError};
use crate::schema::FieldType;

/// What a condition's left side resolved to: key, type, name for messages, position.
type Left<L> = (L, FieldType, String, usize);

impl Parser<'_> {
    /// A WHERE condition over the queried object's fields.
    pub(super) fn where_condition(&mut self) -> Result<Cond<FieldRef>, SoqlError> {
        self.condition(&mut |p: &mut Parser| {
            if let (Tok::Ident(name), Tok::LParen) = (&p.peek().tok, &p.peek_at(1).tok) {
                return Err(SoqlError::unsupported(format!(
                    "The SOQL function {}() in WHERE",
                    name.to_ascii_uppercase()
                )));
            }
            let (path, pos) = p.ident()?;
            let f = p.resolve(&path, pos)?;
            let d = def(&f);
            if !d.filterable() {
                return Err(SoqlError::at(
                    "INVALID_FIELD",
                    p.src,
                    pos,
                    format!("field '{}' can not be filtered in query call", d.name),
                ));
            }
            Ok((f, d.ty, d.name.to_owned(), pos))
        })
    }

    /// A HAVING condition over a group's values.
    pub(super) fn having_condition(
        &mut self,
        agg: &mut Aggregate,
    ) -> Result<Cond<usize>, SoqlError> {
        self.condition(&mut |p: &mut Parser| p.group_value(agg))
    }

    /// `term (AND term)*` or `term (OR term)*`.
    fn condition<L: CondKey>(
        &mut self,
        left: &mut dyn FnMut(&mut Self) -> Result<Left<L>, SoqlError>,
    ) -> Result<Cond<L>, SoqlError> {
        let first = self.term(left)?;
        let joiner = if self.peek().is_kw("AND") {
            "AND"
        } else if self.peek().is_kw("OR") {
            "OR"
        } else {
            return Ok(first);
        };
        let mut terms = vec![first];
        while self.eat_kw(joiner) {
            terms.push(self.term(left)?);
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

    fn term<L: CondKey>(
        &mut self,
        left: &mut dyn FnMut(&mut Self) -> Result<Left<L>, SoqlError>,
    ) -> Result<Cond<L>, SoqlError> {
        if self.eat_kw("NOT") {
            return Ok(Cond::Not(Box::new(self.term(left)?)));
        }
        if self.peek().tok == Tok::LParen {
            self.i += 1;
            let inner = self.condition(left)?;
            self.expect(Tok::RParen)?;
            return Ok(inner);
        }
        let (key, ty, name, pos) = left(self)?;
        let t = self.next();
        match &t.tok {
            Tok::Op(op) => {
                let lit = self.next();
                Ok(Cond::Cmp(key, op, self.operand(ty, &name, &lit)?))
            }
            _ if t.is_kw("LIKE") => {
                if !ty.is_text() {
                    return Err(SoqlError::at(
                        "INVALID_FIELD",
                        self.src,
                        pos,
                        format!(
                            "invalid operator on field '{name}' of type {}: LIKE",
                            ty.name()
                        ),
                    ));
                }
                let t = self.next();
                Ok(Cond::Like(key, literal::like_pattern(self.src, &t)?))
            }
            _ if t.is_kw("IN") && self.at_subquery() => L::semi_join(self, key, pos, false),
            _ if t.is_kw("IN") => Ok(Cond::In(key, false, self.in_list(ty, &name)?)),
            _ if t.is_kw("NOT") && self.peek().is_kw("IN") => {
                self.i += 1;
                if self.at_subquery() {
                    return L::semi_join(self, key, pos, true);
                }
                Ok(Cond::In(key, true, self.in_list(ty, &name)?))
            }
            _ if t.is_kw("INCLUDES") || t.is_kw("EXCLUDES") => Err(SoqlError::unsupported(
                "INCLUDES and EXCLUDES (multi-select picklists)",
            )),
            _ => Err(self.unexpected(&t)),
        }
    }

    fn in_list(&mut self, ty: FieldType, name: &str) -> Result<Vec<Operand>, SoqlError> {
        self.expect(Tok::LParen)?;
        let mut values = Vec::new();
        loop {
            let lit = self.next();
            values.push(self.operand(ty, name, &lit)?);
            let t = self.next();
            match t.tok {
                Tok::Comma => continue,
                Tok::RParen => break,
                _ => return Err(self.unexpected(&t)),
            }
        }
        Ok(values)
    }

    /// True before `(SELECT`: the right side of a semi-join or anti-join.
    fn at_subquery(&self) -> bool {
        self.peek().tok == Tok::LParen && self.peek_at(1).is_kw("SELECT")
    }

    /// Converts a literal token (and the `:n` of a date literal) to an operand of type `ty`.
    fn operand(&mut self, ty: FieldType, name: &str, t: &Token) -> Result<Operand, SoqlError> {
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
        self.expect(Tok::Colon)?;
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
