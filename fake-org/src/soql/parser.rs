//! Recursive-descent SOQL parser that resolves names against the schema as it goes: the
//! statement's clauses. The SELECT list is in `select.rs`, conditions in `cond.rs`, field
//! paths in `path.rs`.

use std::sync::Arc;

use super::lexer::{tokenize, Tok, Token};
use super::select::Item;
use super::semi::Nest;
use super::{Cond, FieldRef, OrderKey, Query, SemiJoin, SoqlError, SubQuery};
use crate::schema;
use crate::zone::TimeZone;

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
        nest: Nest::Top,
        semis: Vec::new(),
        fields_limit: None,
    };
    let (q, _) = p.query(None)?;
    let t = p.next();
    if t.tok != Tok::Eof {
        return Err(p.unexpected(&t));
    }
    // "A subquery can use OFFSET only if the parent query has a LIMIT 1 clause."
    if let super::Select::Fields(items) = &q.select {
        let offset_child = items
            .iter()
            .any(|i| matches!(i, super::OutItem::Children(sub) if sub.query.offset > 0));
        if offset_child && q.limit != Some(1) {
            return Err(SoqlError::plain(
                "MALFORMED_QUERY",
                "OFFSET is allowed in a subquery only when the outer query has LIMIT 1",
            ));
        }
    }
    Ok(q)
}

pub(super) struct Parser<'a> {
    pub src: &'a str,
    pub toks: Vec<Token>,
    pub i: usize,
    /// The object of the (sub)query being parsed.
    pub obj: u8,
    pub tz: &'a TimeZone,
    /// Today in `tz`, as days since 1970-01-01.
    pub today: i64,
    /// Which (sub)query is being parsed, for where semi-joins may stand.
    pub nest: Nest,
    /// The semi-joins of the statement's WHERE parsed so far.
    pub semis: Vec<SemiJoin>,
    /// Where `FIELDS(ALL)` or `FIELDS(CUSTOM)` stands in the SELECT list being read: its
    /// query then needs a LIMIT of at most 200.
    pub fields_limit: Option<usize>,
}

/// The clauses after FROM, as parsed before the SELECT list is put together.
pub(super) struct Clauses {
    pub filter: Option<Cond<FieldRef>>,
    pub group_by: Option<Vec<(FieldRef, usize)>>,
    /// Token index of HAVING's condition, parsed once the groups' values are known.
    pub having_at: Option<usize>,
    /// Token index of ORDER BY's first key, likewise.
    pub order_at: Option<usize>,
    pub limit: Option<usize>,
    pub offset: usize,
}

impl Parser<'_> {
    pub(super) fn peek(&self) -> &Token {
        &self.toks[self.i.min(self.toks.len() - 1)]
    }

    pub(super) fn peek_at(&self, ahead: usize) -> &Token {
        &self.toks[(self.i + ahead).min(self.toks.len() - 1)]
    }

    pub(super) fn next(&mut self) -> Token {
        let t = self.peek().clone();
        if self.i < self.toks.len() - 1 {
            self.i += 1;
        }
        t
    }

    pub(super) fn unexpected(&self, t: &Token) -> SoqlError {
        t.unexpected(self.src)
    }

    pub(super) fn expect(&mut self, tok: Tok) -> Result<(), SoqlError> {
        let t = self.next();
        if t.tok == tok {
            Ok(())
        } else {
            Err(self.unexpected(&t))
        }
    }

    pub(super) fn expect_kw(&mut self, kw: &str) -> Result<(), SoqlError> {
        let t = self.next();
        if t.is_kw(kw) {
            Ok(())
        } else {
            Err(self.unexpected(&t))
        }
    }

    pub(super) fn eat_kw(&mut self, kw: &str) -> bool {
        if self.peek().is_kw(kw) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    pub(super) fn ident(&mut self) -> Result<(String, usize), SoqlError> {
        let t = self.next();
        match &t.tok {
            Tok::Ident(s) if !is_reserved(s) && !s.ends_with('.') && !s.starts_with('.') => {
                Ok((s.clone(), t.pos))
            }
            _ => Err(self.unexpected(&t)),
        }
    }

    /// `SELECT ... FROM obj [WHERE] [GROUP BY] [HAVING] [ORDER BY] [LIMIT] [OFFSET]`, of the
    /// statement or (with `parent`) of a parent-to-child subquery, whose FROM names a child
    /// relationship of `parent`: then also that relationship's name and lookup field.
    pub(super) fn query(
        &mut self,
        parent: Option<u8>,
    ) -> Result<(Query, Option<(String, usize)>), SoqlError> {
        self.expect_kw("SELECT")?;
        let select_at = self.i;
        self.skip_to_from()?;
        let (name, pos) = self.ident()?;
        let outer = self.obj;
        let rel = match parent {
            None => {
                self.obj = schema::object_index(&name)
                    .ok_or_else(|| unknown_object(self.src, pos, &name))?;
                None
            }
            Some(p) => {
                let rel = child_relationship(p, &name)
                    .ok_or_else(|| SoqlError::at("INVALID_TYPE", self.src, pos, format!("Didn't understand relationship '{name}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.")))?;
                self.obj = rel.1;
                Some((rel.0, rel.2))
            }
        };
        let after_from = self.i;
        self.i = select_at;
        let outer_fields = self.fields_limit.take();
        let items = self.select_list()?;
        let fields_at = std::mem::replace(&mut self.fields_limit, outer_fields);
        self.i = after_from;
        let clauses = self.clauses()?;
        let end = self.i;
        let q = self.assemble(items, clauses)?;
        if let Some(pos) = fields_at {
            if q.limit.is_none_or(|l| l > 200) {
                return Err(SoqlError::malformed(
                    self.src,
                    pos,
                    "The SOQL FIELDS function must have a LIMIT of at most 200",
                ));
            }
        }
        self.i = end;
        self.obj = outer;
        Ok((q, rel))
    }

    /// A parent-to-child subquery, the `(` already consumed; the `)` is consumed too.
    pub(super) fn subquery(&mut self) -> Result<Arc<SubQuery>, SoqlError> {
        let outer = std::mem::replace(&mut self.nest, Nest::Child);
        let parsed = self.query(Some(self.obj));
        self.nest = outer;
        let (query, rel) = parsed?;
        self.expect(Tok::RParen)?;
        let (rel, lookup) = rel.unwrap_or_default();
        Ok(Arc::new(SubQuery {
            rel,
            lookup,
            query: Arc::new(query),
        }))
    }

    /// Moves past the FROM keyword of the current (sub)query, skipping parentheses.
    fn skip_to_from(&mut self) -> Result<(), SoqlError> {
        let mut depth = 0usize;
        loop {
            let t = self.next();
            match t.tok {
                Tok::LParen => depth += 1,
                Tok::RParen if depth > 0 => depth -= 1,
                Tok::RParen | Tok::Eof => return Err(self.unexpected(&t)),
                _ if depth == 0 && t.is_kw("FROM") => return Ok(()),
                _ => {}
            }
        }
    }

    fn clauses(&mut self) -> Result<Clauses, SoqlError> {
        for kw in ["WITH", "USING", "TYPEOF"] {
            if self.peek().is_kw(kw) {
                return Err(SoqlError::unsupported(format!("{kw} in SOQL")));
            }
        }
        let filter = if self.eat_kw("WHERE") {
            let c = self.where_condition()?;
            self.check_semi_joins(&c)?;
            Some(c)
        } else {
            None
        };
        let mut group_by = None;
        if self.eat_kw("GROUP") {
            self.expect_kw("BY")?;
            if self.peek().is_kw("ROLLUP") || self.peek().is_kw("CUBE") {
                return Err(SoqlError::unsupported("GROUP BY ROLLUP and CUBE"));
            }
            let mut keys = Vec::new();
            loop {
                let (path, pos) = self.ident()?;
                keys.push((self.resolve(&path, pos)?, pos));
                if self.peek().tok != Tok::Comma {
                    break;
                }
                self.i += 1;
            }
            group_by = Some(keys);
        }
        let having_at = if self.eat_kw("HAVING") {
            let at = self.i;
            self.skip_clause(&["ORDER", "LIMIT", "OFFSET"]);
            Some(at)
        } else {
            None
        };
        let order_at = if self.eat_kw("ORDER") {
            self.expect_kw("BY")?;
            let at = self.i;
            self.skip_clause(&["LIMIT", "OFFSET"]);
            Some(at)
        } else {
            None
        };
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
        if self.peek().is_kw("FOR") {
            return Err(SoqlError::unsupported(
                "FOR VIEW, FOR REFERENCE and FOR UPDATE",
            ));
        }
        Ok(Clauses {
            filter,
            group_by,
            having_at,
            order_at,
            limit,
            offset,
        })
    }

    /// Skips tokens up to one of the keywords `stops` (or the end of the query) at depth 0.
    fn skip_clause(&mut self, stops: &[&str]) {
        let mut depth = 0usize;
        loop {
            let t = self.peek();
            match t.tok {
                Tok::Eof => return,
                Tok::RParen if depth == 0 => return,
                Tok::RParen => depth -= 1,
                Tok::LParen => depth += 1,
                _ if depth == 0 && stops.iter().any(|k| t.is_kw(k)) => return,
                _ => {}
            }
            self.i += 1;
        }
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

    /// `ASC|DESC` and `NULLS FIRST|LAST` after an ORDER BY key.
    pub(super) fn order_direction<L>(
        &mut self,
        key: L,
        picklist: &'static [&'static str],
    ) -> Result<OrderKey<L>, SoqlError> {
        let desc = self.eat_kw("DESC") || {
            self.eat_kw("ASC");
            false
        };
        // "By default, null values are sorted first" (the SOQL reference), either direction.
        let mut nulls_first = true;
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
        Ok(OrderKey {
            key,
            desc,
            nulls_first,
            picklist,
        })
    }

    /// ORDER BY over fields, for queries that are not aggregates.
    pub(super) fn field_order(&mut self, at: usize) -> Result<Vec<OrderKey<FieldRef>>, SoqlError> {
        self.i = at;
        let mut order = Vec::new();
        loop {
            if self.peek_at(1).tok == Tok::LParen {
                return Err(self.unexpected(&self.peek_at(1).clone()));
            }
            let (path, pos) = self.ident()?;
            let field = self.resolve(&path, pos)?;
            let d = super::path::def(&field);
            if !d.sortable() {
                return Err(SoqlError::at(
                    "INVALID_FIELD",
                    self.src,
                    pos,
                    format!("field '{}' can not be sorted in a query call", d.name),
                ));
            }
            let picklist = d.picklist;
            order.push(self.order_direction(field, picklist)?);
            if self.peek().tok != Tok::Comma {
                return Ok(order);
            }
            self.i += 1;
        }
    }

    /// Builds the query from its SELECT items and clauses.
    fn assemble(&mut self, items: Vec<Item>, c: Clauses) -> Result<Query, SoqlError> {
        let select = self.build_select(items, &c)?;
        let order = match (&select, c.order_at) {
            (super::Select::Fields(_), Some(at)) => self.field_order(at)?,
            (super::Select::Count, Some(at)) => {
                let t = self.toks[at.saturating_sub(2)].clone();
                return Err(SoqlError::at(
                    "MALFORMED_QUERY",
                    self.src,
                    t.pos,
                    "ORDER BY cannot be used with COUNT() (use COUNT(Id) and GROUP BY to order counts)",
                ));
            }
            _ => Vec::new(),
        };
        Ok(Query {
            obj: self.obj,
            select,
            filter: c.filter,
            order,
            limit: c.limit,
            offset: c.offset,
            semi: std::mem::take(&mut self.semis),
        })
    }
}

/// Salesforce's error for an object name in FROM that the org does not have.
pub(super) fn unknown_object(src: &str, pos: usize, name: &str) -> SoqlError {
    SoqlError::at("INVALID_TYPE", src, pos, format!("sObject type '{name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."))
}

/// The child relationship `name` of object `parent`: its name as the schema spells it, the
/// child object and the child's lookup field.
fn child_relationship(parent: u8, name: &str) -> Option<(String, u8, usize)> {
    let (child, field) = schema::child_relationship(parent, name)?;
    let spelled = schema::object(parent)
        .children
        .iter()
        .find_map(|c| c.name.filter(|n| n.eq_ignore_ascii_case(name)))
        .unwrap_or(name);
    Some((spelled.to_owned(), child, field))
}

/// Words that cannot stand where a field or object name is expected.
pub(super) fn is_reserved(word: &str) -> bool {
    const RESERVED: [&str; 20] = [
        "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "ORDER", "BY", "LIMIT", "OFFSET", "LIKE",
        "IN", "NULL", "GROUP", "HAVING", "ASC", "DESC", "NULLS", "WITH", "INCLUDES",
    ];
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(word))
}
