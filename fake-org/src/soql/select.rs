//! The SELECT list: fields and relationship paths, parent-to-child subqueries, aggregate
//! functions with aliases, and how they become a record shape or `AggregateResult` columns.

use std::sync::Arc;

use super::lexer::Tok;
use super::parser::{is_reserved, Clauses, Parser};
use super::path::{canonical, def};
use super::{AggCall, AggFn, Aggregate, FieldRef, OutItem, Select, SoqlError, SubQuery};
use crate::schema::{self, FieldType};

/// One SELECT item, resolved against the queried object.
pub(super) enum Item {
    Field {
        f: FieldRef,
        pos: usize,
        alias: Option<(String, usize)>,
    },
    Agg {
        call: AggCall,
        alias: Option<(String, usize)>,
    },
    /// `COUNT()`.
    CountAll {
        pos: usize,
    },
    Sub(Arc<SubQuery>),
}

impl Parser<'_> {
    /// The items up to FROM.
    pub(super) fn select_list(&mut self) -> Result<Vec<Item>, SoqlError> {
        let mut items = Vec::new();
        loop {
            if let Some(fields) = self.fields_function()? {
                items.extend(fields);
            } else {
                items.push(self.select_item()?);
            }
            if self.peek().tok != Tok::Comma {
                break;
            }
            self.i += 1;
        }
        if !self.peek().is_kw("FROM") {
            return Err(self.unexpected(&self.peek().clone()));
        }
        Ok(items)
    }

    fn select_item(&mut self) -> Result<Item, SoqlError> {
        let t = self.peek().clone();
        if t.tok == Tok::LParen {
            self.i += 1;
            if !self.peek().is_kw("SELECT") {
                return Err(self.unexpected(&self.peek().clone()));
            }
            return Ok(Item::Sub(self.subquery()?));
        }
        if t.is_kw("TYPEOF") {
            return Err(SoqlError::unsupported("TYPEOF"));
        }
        if let (Tok::Ident(name), Tok::LParen) = (&t.tok, &self.peek_at(1).tok) {
            if AggFn::from_name(name).is_none() {
                return Err(SoqlError::unsupported(format!(
                    "The SOQL function {}()",
                    name.to_ascii_uppercase()
                )));
            }
            let (call, pos) = self.agg_call()?;
            if call.field.is_none() {
                return Ok(Item::CountAll { pos });
            }
            let alias = self.alias();
            return Ok(Item::Agg { call, alias });
        }
        let (path, pos) = self.ident()?;
        let f = self.resolve(&path, pos)?;
        let alias = self.alias();
        Ok(Item::Field { f, pos, alias })
    }

    /// `FIELDS(ALL)`, `FIELDS(CUSTOM)` or `FIELDS(STANDARD)`: the object's fields (custom ones
    /// end in `__c`), `None` for any other item. ALL and CUSTOM need a LIMIT of at most 200,
    /// checked once the clauses are read ([`Parser::fields_limit`]).
    fn fields_function(&mut self) -> Result<Option<Vec<Item>>, SoqlError> {
        let t = self.peek().clone();
        let (Tok::Ident(name), Tok::LParen) = (&t.tok, &self.peek_at(1).tok) else {
            return Ok(None);
        };
        if !name.eq_ignore_ascii_case("FIELDS") {
            return Ok(None);
        }
        self.i += 2;
        let which = self.next();
        let kind = match &which.tok {
            Tok::Ident(k) if k.eq_ignore_ascii_case("ALL") => (true, true),
            Tok::Ident(k) if k.eq_ignore_ascii_case("CUSTOM") => (false, true),
            Tok::Ident(k) if k.eq_ignore_ascii_case("STANDARD") => (true, false),
            _ => return Err(self.unexpected(&which)),
        };
        self.expect(Tok::RParen)?;
        if kind.1 {
            self.fields_limit = Some(t.pos);
        }
        let def = crate::schema::object(self.obj);
        let items = (0..def.fields.len())
            .filter(|&i| {
                let custom = def.fields[i].name.ends_with("__c");
                (custom && kind.1) || (!custom && kind.0)
            })
            .map(|i| Item::Field {
                f: FieldRef::through(&[], self.obj, i),
                pos: t.pos,
                alias: None,
            })
            .collect();
        Ok(Some(items))
    }

    /// An alias after a SELECT item: a word that is not a keyword.
    fn alias(&mut self) -> Option<(String, usize)> {
        match &self.peek().tok {
            Tok::Ident(s) if !is_reserved(s) && !s.contains('.') => {
                let out = (s.clone(), self.peek().pos);
                self.i += 1;
                Some(out)
            }
            _ => None,
        }
    }

    /// `FUNC(field)` or `COUNT()`, with Salesforce's error for a field the function does not
    /// take; also the position of the function name.
    pub(super) fn agg_call(&mut self) -> Result<(AggCall, usize), SoqlError> {
        let t = self.next();
        let Tok::Ident(name) = &t.tok else {
            return Err(self.unexpected(&t));
        };
        let (name, pos) = (name.clone(), t.pos);
        let func = AggFn::from_name(&name).ok_or_else(|| {
            SoqlError::unsupported(format!("The SOQL function {}()", name.to_ascii_uppercase()))
        })?;
        self.expect(Tok::LParen)?;
        if func == AggFn::Count && self.peek().tok == Tok::RParen {
            self.i += 1;
            return Ok((AggCall { func, field: None }, pos));
        }
        let (path, fpos) = self.ident()?;
        let f = self.resolve(&path, fpos)?;
        self.expect(Tok::RParen)?;
        let ty = def(&f).ty;
        let ok = match func {
            AggFn::Sum | AggFn::Avg => ty.is_integer() || ty.is_double(),
            _ => !matches!(
                ty,
                FieldType::Boolean
                    | FieldType::TextArea
                    | FieldType::MultiPicklist
                    | FieldType::EncryptedString
                    | FieldType::Base64
                    | FieldType::Compound
            ),
        };
        if !ok {
            return Err(SoqlError::malformed(
                self.src,
                fpos,
                format!(
                    "field {} does not support aggregate operator {}",
                    def(&f).name,
                    func.name()
                ),
            ));
        }
        Ok((
            AggCall {
                func,
                field: Some(f),
            },
            pos,
        ))
    }

    /// Puts the SELECT items together with GROUP BY, HAVING and ORDER BY.
    pub(super) fn build_select(
        &mut self,
        items: Vec<Item>,
        c: &Clauses,
    ) -> Result<Select, SoqlError> {
        let count_all = items.iter().find_map(|i| match i {
            Item::CountAll { pos } => Some(*pos),
            _ => None,
        });
        if let Some(pos) = count_all {
            if items.len() > 1 {
                return Err(SoqlError::malformed(
                    self.src,
                    pos,
                    "COUNT() must be the only item in the SELECT list",
                ));
            }
        }
        if let (Some(pos), Some(_)) = (count_all, &c.group_by) {
            // "You can't use COUNT() with a GROUP BY clause for API version 19.0 and later."
            return Err(SoqlError::malformed(
                self.src,
                pos,
                "COUNT() cannot be used with GROUP BY: use COUNT(fieldName)",
            ));
        }
        let aggregate = c.group_by.is_some() || items.iter().any(|i| matches!(i, Item::Agg { .. }));
        if count_all.is_some() && c.group_by.is_none() {
            if c.having_at.is_some() {
                return Err(SoqlError::unsupported("HAVING with COUNT()"));
            }
            return Ok(Select::Count);
        }
        if !aggregate {
            if let Some(at) = c.having_at {
                let t = self.toks[at - 1].clone();
                return Err(SoqlError::malformed(
                    self.src,
                    t.pos,
                    "HAVING needs GROUP BY or an aggregate function in the SELECT list",
                ));
            }
            return self.record_shape(items).map(Select::Fields);
        }
        self.aggregate(items, c)
            .map(|a| Select::Aggregate(Box::new(a)))
    }

    /// Record items: parent fields nest under their relationship at its first mention.
    fn record_shape(&self, items: Vec<Item>) -> Result<Vec<OutItem>, SoqlError> {
        let mut out: Vec<OutItem> = Vec::new();
        let mut seen: Vec<FieldRef> = Vec::new();
        for item in items {
            match item {
                Item::Field { f, alias, .. } => {
                    if let Some((a, pos)) = alias {
                        return Err(SoqlError::malformed(
                            self.src,
                            pos,
                            format!("unexpected token: '{a}'"),
                        ));
                    }
                    if seen.contains(&f) {
                        return Err(SoqlError::plain(
                            "INVALID_FIELD",
                            format!("duplicate field selected: {}", canonical(self.obj, &f)),
                        ));
                    }
                    seen.push(f);
                    insert(&mut out, self.obj, &f, 0);
                }
                Item::Sub(sub) => out.push(OutItem::Children(sub)),
                Item::Agg { .. } | Item::CountAll { .. } => {}
            }
        }
        Ok(out)
    }

    fn aggregate(&mut self, items: Vec<Item>, c: &Clauses) -> Result<Aggregate, SoqlError> {
        let group_by: Vec<FieldRef> = c.group_by.iter().flatten().map(|(f, _)| *f).collect();
        for (f, pos) in c.group_by.iter().flatten() {
            let d = def(f);
            let groupable = !d.ty.is_double()
                && !matches!(
                    d.ty,
                    FieldType::DateTime
                        | FieldType::TextArea
                        | FieldType::MultiPicklist
                        | FieldType::EncryptedString
                        | FieldType::Base64
                        | FieldType::Compound
                );
            if !groupable {
                return Err(SoqlError::at(
                    "INVALID_FIELD",
                    self.src,
                    *pos,
                    format!("field '{}' can not be grouped in a query call", d.name),
                ));
            }
        }
        let mut agg = Aggregate {
            group_by,
            calls: Vec::new(),
            columns: Vec::new(),
            having: None,
            order: Vec::new(),
        };
        let mut expr = 0;
        for item in items {
            match item {
                Item::Field { f, pos, alias } => {
                    let index = self.grouped(&agg, &f, pos)?;
                    let name = alias.map_or_else(|| def(&f).name.to_owned(), |a| a.0);
                    agg.columns.push((name, index));
                }
                Item::Agg { call, alias } => {
                    let index = agg.call_index(call);
                    let name = alias.map(|a| a.0).unwrap_or_else(|| {
                        expr += 1;
                        format!("expr{}", expr - 1)
                    });
                    agg.columns.push((name, index));
                }
                // Refused above: COUNT() never goes with GROUP BY or other items.
                Item::CountAll { .. } => {}
                Item::Sub(_) => {
                    return Err(SoqlError::unsupported(
                        "A parent-to-child subquery in an aggregate query",
                    ))
                }
            }
        }
        if let Some(at) = c.having_at {
            self.i = at;
            agg.having = Some(self.having_condition(&mut agg)?);
            let t = self.peek().clone();
            let end = matches!(t.tok, Tok::Eof | Tok::RParen)
                || ["ORDER", "LIMIT", "OFFSET"].iter().any(|k| t.is_kw(k));
            if !end {
                return Err(self.unexpected(&t));
            }
        }
        if let Some(at) = c.order_at {
            self.i = at;
            loop {
                let (index, _, _, _) = self.group_value(&mut agg)?;
                // A grouped picklist sorts in its setup order; aggregates as values.
                let picklist = agg.group_by.get(index).map_or(&[][..], |f| def(f).picklist);
                let key = self.order_direction(index, picklist)?;
                agg.order.push(key);
                if self.peek().tok != Tok::Comma {
                    break;
                }
                self.i += 1;
            }
        }
        Ok(agg)
    }

    /// The index of a grouped field among a group's values.
    fn grouped(&self, agg: &Aggregate, f: &FieldRef, pos: usize) -> Result<usize, SoqlError> {
        agg.group_by.iter().position(|g| g == f).ok_or_else(|| {
            SoqlError::malformed(
                self.src,
                pos,
                format!(
                    "Field must be grouped or aggregated: {}",
                    canonical(self.obj, f)
                ),
            )
        })
    }

    /// A grouped field or an aggregate function in HAVING or ORDER BY: its index among a
    /// group's values, its type, its name for messages and its position.
    pub(super) fn group_value(
        &mut self,
        agg: &mut Aggregate,
    ) -> Result<(usize, FieldType, String, usize), SoqlError> {
        if let (Tok::Ident(_), Tok::LParen) = (&self.peek().tok, &self.peek_at(1).tok) {
            let (call, pos) = self.agg_call()?;
            let ty = call
                .field
                .map_or(FieldType::Int, |f| result_type(call.func, def(&f).ty));
            let name = call.field.map_or("Id", |f| def(&f).name).to_owned();
            return Ok((agg.call_index(call), ty, name, pos));
        }
        let (path, pos) = self.ident()?;
        let f = self.resolve(&path, pos)?;
        let index = self.grouped(agg, &f, pos)?;
        Ok((index, def(&f).ty, def(&f).name.to_owned(), pos))
    }
}

impl Aggregate {
    /// The index among a group's values of `call`, added to the calls when new.
    fn call_index(&mut self, call: AggCall) -> usize {
        let i = match self.calls.iter().position(|c| *c == call) {
            Some(i) => i,
            None => {
                self.calls.push(call);
                self.calls.len() - 1
            }
        };
        self.group_by.len() + i
    }
}

/// The type of an aggregate function's result over a field of type `ty`.
fn result_type(func: AggFn, ty: FieldType) -> FieldType {
    match func {
        AggFn::Count | AggFn::CountDistinct => FieldType::Int,
        AggFn::Avg if !ty.is_double() => FieldType::Currency,
        _ => ty,
    }
}

/// Adds field `f` to the record shape, under its parents (depth `level` on).
fn insert(items: &mut Vec<OutItem>, obj: u8, f: &FieldRef, level: usize) {
    let Some(hop) = f.hops().get(level) else {
        items.push(OutItem::Field(f.field as usize));
        return;
    };
    let lookup = hop.lookup as usize;
    let found = items
        .iter()
        .position(|it| matches!(it, OutItem::Parent { lookup: l, .. } if *l == lookup));
    let at = found.unwrap_or_else(|| {
        let rel = schema::object(obj).fields[lookup]
            .relationship
            .unwrap_or("")
            .to_owned();
        items.push(OutItem::Parent {
            lookup,
            target: hop.target,
            rel,
            items: Vec::new(),
        });
        items.len() - 1
    });
    if let OutItem::Parent { items: inner, .. } = &mut items[at] {
        insert(inner, hop.target, f, level + 1);
    }
}
