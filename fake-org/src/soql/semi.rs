//! Semi-joins and anti-joins in the statement's WHERE: `Id IN (SELECT AccountId FROM Contact
//! WHERE ...)`, `AccountId NOT IN (SELECT Id FROM Account ...)`, with Salesforce's
//! restrictions (SOQL and SOSL Reference, "Semi-Joins with IN and Anti-Joins with NOT IN").
//! fake-org/README.md says which error texts were seen from Salesforce and which are ours.

use super::lexer::Tok;
use super::parser::{unknown_object, Parser};
use super::path::def;
use super::{Cond, FieldRef, OutItem, Query, Select, SemiJoin, SoqlError};
use crate::schema::{self, FieldDef, FieldType};

/// Which (sub)query the parser is in, for where a semi-join may stand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Nest {
    /// The statement itself.
    Top,
    /// A parent-to-child subquery in the SELECT list.
    Child,
    /// The inner query of a semi-join.
    Semi,
}

/// "No more than two IN or NOT IN statements per WHERE clause."
const MAX_SEMI_JOINS: usize = 2;

const NOT_TOP_LEVEL: &str = "Semi join sub-selects are only allowed at the top level WHERE expressions and not in nested WHERE expressions.";

/// The left side of a condition that may be a semi-join's left operand: a field in WHERE; a
/// group's value in HAVING cannot.
pub(super) trait CondKey: Sized {
    /// Parses `(SELECT ...)` after `key [NOT] IN` (the left operand at byte `pos`).
    fn semi_join(
        p: &mut Parser,
        key: Self,
        pos: usize,
        negated: bool,
    ) -> Result<Cond<Self>, SoqlError>;
}

impl CondKey for usize {
    fn semi_join(_: &mut Parser, _: usize, _: usize, _: bool) -> Result<Cond<usize>, SoqlError> {
        Err(SoqlError::unsupported("A semi-join or anti-join in HAVING"))
    }
}

impl CondKey for FieldRef {
    fn semi_join(
        p: &mut Parser,
        key: FieldRef,
        pos: usize,
        negated: bool,
    ) -> Result<Cond<FieldRef>, SoqlError> {
        match p.nest {
            Nest::Top => {}
            Nest::Semi => {
                return Err(SoqlError::malformed(
                    p.src,
                    pos,
                    "Nesting of semi join sub-selects is not supported",
                ))
            }
            Nest::Child => {
                return Err(SoqlError::unsupported(
                    "A semi-join or anti-join inside a parent-to-child subquery",
                ))
            }
        }
        let join = p.semi_subquery(&key, pos)?;
        p.semis.push(join);
        Ok(Cond::InQuery(key, negated, p.semis.len() - 1))
    }
}

impl Parser<'_> {
    /// `(SELECT field FROM Obj [WHERE ...])` compared with the outer field `key` at `pos`.
    fn semi_subquery(&mut self, key: &FieldRef, pos: usize) -> Result<SemiJoin, SoqlError> {
        let outer_def = def(key);
        if !key.hops().is_empty() {
            return Err(SoqlError::malformed(
                self.src,
                pos,
                format!(
                    "The left operand of a semi join sub-select cannot follow a relationship: '{}'",
                    super::path::canonical(self.obj, key)
                ),
            ));
        }
        self.expect(Tok::LParen)?;
        self.expect_kw("SELECT")?;
        let (path, fpos) = self.ident()?;
        // One field, then FROM: `SELECT Id, Name` and `SELECT COUNT()` stop here.
        let t = self.next();
        if !t.is_kw("FROM") {
            return Err(self.unexpected(&t));
        }
        let (name, opos) = self.ident()?;
        let obj =
            schema::object_index(&name).ok_or_else(|| unknown_object(self.src, opos, &name))?;
        if obj == self.obj {
            return Err(SoqlError::malformed(
                self.src,
                opos,
                "The inner and outer selects should not be on the same object type",
            ));
        }
        let outer_obj = std::mem::replace(&mut self.obj, obj);
        let outer_nest = std::mem::replace(&mut self.nest, Nest::Semi);
        let inner = self.semi_body(&path, fpos);
        self.obj = outer_obj;
        self.nest = outer_nest;
        let (field, inner_targets, filter) = inner?;
        let inner_name = schema::object(obj).fields[field].name;
        let outer_targets = targets(self.obj, outer_def);
        let same = outer_targets
            .iter()
            .any(|o| inner_targets.iter().any(|t| t.eq_ignore_ascii_case(o)));
        if !same {
            return Err(SoqlError::malformed(
                self.src,
                pos,
                format!(
                    "The selected field '{inner_name}' in the subquery and the left operand field in the where expression in the outer query '{}' should point to the same object type",
                    outer_def.name
                ),
            ));
        }
        let query = Query {
            obj,
            select: Select::Fields(vec![OutItem::Field(field)]),
            filter,
            order: Vec::new(),
            limit: None,
            offset: 0,
            semi: Vec::new(),
        };
        Ok(SemiJoin { query, field, pos })
    }

    /// The inner query's field (`path` at `fpos`) on the object being parsed, the object its
    /// values point to, and its WHERE, up to and including the closing `)`.
    #[allow(clippy::type_complexity)]
    fn semi_body(
        &mut self,
        path: &str,
        fpos: usize,
    ) -> Result<(usize, Vec<&'static str>, Option<Cond<FieldRef>>), SoqlError> {
        if path.contains('.') {
            return Err(SoqlError::malformed(
                self.src,
                fpos,
                "inner select field cannot have more than one level of relationships",
            ));
        }
        let f = self.resolve(path, fpos)?;
        let d = def(&f);
        if !matches!(d.ty, FieldType::Id | FieldType::Reference) {
            return Err(SoqlError::malformed(
                self.src,
                fpos,
                format!(
                    "semi join sub selects can only query id fields, cannot use: '{}'",
                    d.name
                ),
            ));
        }
        let target = targets(self.obj, d);
        let filter = if self.eat_kw("WHERE") {
            Some(self.where_condition()?)
        } else {
            None
        };
        // The inner query ends here: no GROUP BY, ORDER BY, LIMIT, OFFSET or FOR.
        let t = self.next();
        match t.tok {
            Tok::RParen => Ok((f.field as usize, target, filter)),
            _ if t.is_kw("GROUP") => Err(SoqlError::malformed(
                self.src,
                t.pos,
                "missing value at 'GROUP'",
            )),
            _ => Err(self.unexpected(&t)),
        }
    }

    /// Salesforce's rules on where the statement's semi-joins stand in its WHERE `c`: at most
    /// two, each the whole condition or one of its top-level AND terms (not under OR or NOT,
    /// not inside a parenthesized group of several terms).
    pub(super) fn check_semi_joins(&self, c: &Cond<FieldRef>) -> Result<(), SoqlError> {
        if self.nest != Nest::Top || self.semis.is_empty() {
            return Ok(());
        }
        if self.semis.len() > MAX_SEMI_JOINS {
            return Err(SoqlError::plain(
                "EXCEEDED_MAX_SEMIJOIN_SUBSELECTS",
                format!("Maximum {MAX_SEMI_JOINS} semi join sub-selects are allowed"),
            ));
        }
        let at = |i: usize| self.semis[i].pos;
        let terms = match c {
            Cond::Or(_) => {
                return match first_semi(c) {
                    Some(i) => Err(SoqlError::malformed(
                        self.src,
                        at(i),
                        "Semi join sub-selects are not allowed with the 'OR' operator",
                    )),
                    None => Ok(()),
                }
            }
            Cond::And(terms) => terms.as_slice(),
            c => std::slice::from_ref(c),
        };
        for term in terms {
            if matches!(term, Cond::InQuery(..)) {
                continue;
            }
            if let Some(i) = first_semi(term) {
                return Err(SoqlError::malformed(self.src, at(i), NOT_TOP_LEVEL));
            }
        }
        Ok(())
    }
}

/// The objects the values of field `d` of object `obj` point to: `obj` for its Id, each
/// `referenceTo` of a lookup (a polymorphic lookup of a loaded describe has several); none for
/// other fields.
fn targets(obj: u8, d: &FieldDef) -> Vec<&'static str> {
    match d.ty {
        FieldType::Id => vec![schema::object(obj).name],
        FieldType::Reference => {
            let listed: Vec<&'static str> = d
                .describe
                .and_then(|f| f.get("referenceTo"))
                .and_then(serde_json::Value::as_array)
                .map(|a| a.iter().filter_map(serde_json::Value::as_str).collect())
                .unwrap_or_default();
            if listed.is_empty() {
                d.reference_to.into_iter().collect()
            } else {
                listed
            }
        }
        _ => Vec::new(),
    }
}

/// The index of the first semi-join in `c`.
fn first_semi<L>(c: &Cond<L>) -> Option<usize> {
    match c {
        Cond::InQuery(_, _, i) => Some(*i),
        Cond::And(terms) | Cond::Or(terms) => terms.iter().find_map(first_semi),
        Cond::Not(inner) => first_semi(inner),
        Cond::Cmp(..) | Cond::In(..) | Cond::Like(..) => None,
    }
}
