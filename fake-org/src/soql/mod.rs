//! A SOQL subset: parser, typed query tree and evaluator.

mod agg;
mod cond;
mod dates;
mod eval;
mod lexer;
mod literal;
mod parser;
mod path;
mod render;
mod select;
mod semi;

use std::sync::Arc;

pub(crate) use agg::groups;
pub(crate) use eval::{children, execute, field_value};
pub(crate) use parser::parse;
pub(crate) use render::{flat_columns, write_attributes, write_group, write_record, Kids};

/// The deepest relationship path SOQL allows (`Contact.Account.Owner.Manager.Name` is four).
pub(crate) const MAX_DEPTH: usize = 5;

/// A parsed, schema-resolved query.
#[derive(Debug)]
pub(crate) struct Query {
    pub obj: u8,
    pub select: Select,
    pub filter: Option<Cond<FieldRef>>,
    pub order: Vec<OrderKey<FieldRef>>,
    pub limit: Option<usize>,
    pub offset: usize,
    /// The semi-joins and anti-joins of `filter`, which names them by index
    /// ([`Cond::InQuery`]).
    pub semi: Vec<SemiJoin>,
}

/// `Id IN (SELECT AccountId FROM Contact WHERE ...)`: the inner query of a semi-join or
/// anti-join, evaluated once per execution into a set of ids.
#[derive(Debug)]
pub(crate) struct SemiJoin {
    /// The inner query (one object, a filter; no order, limit or semi-joins of its own).
    pub query: Query,
    /// The inner query's selected field: its `Id` or a reference field.
    pub field: usize,
    /// Where the left operand starts in the statement, for errors.
    pub pos: usize,
}

/// What the query returns.
#[derive(Debug)]
pub(crate) enum Select {
    /// `SELECT COUNT()`: only totalSize.
    Count,
    /// Records with these items, in query order.
    Fields(Vec<OutItem>),
    /// `AggregateResult` rows (aggregate functions and/or GROUP BY).
    Aggregate(Box<Aggregate>),
}

/// One item of a result record.
#[derive(Debug)]
pub(crate) enum OutItem {
    /// A field of the record's object.
    Field(usize),
    /// Items of a parent reached through lookup `lookup`, nested under relationship `rel`.
    Parent {
        lookup: usize,
        target: u8,
        rel: String,
        items: Vec<OutItem>,
    },
    /// A parent-to-child subquery, nested under its relationship name.
    Children(Arc<SubQuery>),
}

/// `(SELECT ... FROM Contacts)` inside the SELECT list of an Account query.
#[derive(Debug)]
pub(crate) struct SubQuery {
    /// The child relationship name (`Contacts`).
    pub rel: String,
    /// The child's lookup field pointing at the parent.
    pub lookup: usize,
    /// The query over the child object; its LIMIT and OFFSET apply to each parent.
    pub query: Arc<Query>,
}

/// One lookup followed on the way to a parent's field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Hop {
    /// The lookup field on the object reached so far.
    pub lookup: u16,
    /// The object it points to.
    pub target: u8,
}

/// A field reachable from the queried object through up to [`MAX_DEPTH`] lookups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FieldRef {
    hops: [Hop; MAX_DEPTH],
    depth: u8,
    /// The object holding the field.
    pub obj: u8,
    /// The field's index in that object.
    pub field: u16,
}

impl FieldRef {
    /// Field `field` of object `obj`, reached through `hops` (at most [`MAX_DEPTH`]).
    pub(crate) fn through(hops: &[Hop], obj: u8, field: usize) -> FieldRef {
        let mut all = [Hop::default(); MAX_DEPTH];
        let depth = hops.len().min(MAX_DEPTH);
        all[..depth].copy_from_slice(&hops[..depth]);
        FieldRef {
            hops: all,
            depth: depth as u8,
            obj,
            field: field as u16,
        }
    }

    /// The lookups followed, from the queried object on.
    pub(crate) fn hops(&self) -> &[Hop] {
        &self.hops[..self.depth as usize]
    }
}

/// An aggregate query: groups, the functions computed per group, and the output columns.
#[derive(Debug)]
pub(crate) struct Aggregate {
    /// GROUP BY fields (none: one group of every matching row).
    pub group_by: Vec<FieldRef>,
    /// The functions computed per group (those selected, then those only in HAVING/ORDER BY).
    pub calls: Vec<AggCall>,
    /// Output columns: name and index into a group's values (group keys, then calls).
    pub columns: Vec<(String, usize)>,
    /// HAVING, over a group's values.
    pub having: Option<Cond<usize>>,
    /// ORDER BY, over a group's values.
    pub order: Vec<OrderKey<usize>>,
}

/// An aggregate function applied to a field (`COUNT()` has none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AggCall {
    pub func: AggFn,
    pub field: Option<FieldRef>,
}

/// The aggregate functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AggFn {
    Count,
    CountDistinct,
    Sum,
    Avg,
    Min,
    Max,
}

impl AggFn {
    /// The function named `name` (case-insensitive).
    pub(crate) fn from_name(name: &str) -> Option<AggFn> {
        Some(match name.to_ascii_uppercase().as_str() {
            "COUNT" => AggFn::Count,
            "COUNT_DISTINCT" => AggFn::CountDistinct,
            "SUM" => AggFn::Sum,
            "AVG" => AggFn::Avg,
            "MIN" => AggFn::Min,
            "MAX" => AggFn::Max,
            _ => return None,
        })
    }

    /// The name as Salesforce writes it in errors.
    pub(crate) fn name(self) -> &'static str {
        match self {
            AggFn::Count => "COUNT",
            AggFn::CountDistinct => "COUNT_DISTINCT",
            AggFn::Sum => "SUM",
            AggFn::Avg => "AVG",
            AggFn::Min => "MIN",
            AggFn::Max => "MAX",
        }
    }
}

/// A WHERE (over fields, `L` = [`FieldRef`]) or HAVING (over group values) condition.
#[derive(Debug)]
pub(crate) enum Cond<L> {
    And(Vec<Cond<L>>),
    Or(Vec<Cond<L>>),
    Not(Box<Cond<L>>),
    Cmp(L, &'static str, Operand),
    In(L, bool, Vec<Operand>),
    /// `L IN (SELECT ...)` (`false`) or `L NOT IN (SELECT ...)` (`true`): the semi-join or
    /// anti-join at this index of [`Query::semi`].
    InQuery(L, bool, usize),
    Like(L, Vec<LikeTok>),
}

/// A literal, already converted to the type of the field it is compared with.
#[derive(Debug, Clone)]
pub(crate) enum Operand {
    Null,
    /// Lower-cased text (comparisons are case-insensitive).
    Text(String),
    Num(f64),
    Bool(bool),
    Date(i32),
    DateTime(i64),
    /// A normalized 15-character id.
    Id([u8; 15]),
    /// A date literal: `[start, end)` in days (date fields) or UTC milliseconds (datetime
    /// fields). `=` is inside, `<` before the start, `>` at or after the end.
    Range(i64, i64),
}

/// One element of a LIKE pattern.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum LikeTok {
    /// A literal character, lower-cased.
    Char(char),
    /// `%`: any run of characters.
    Any,
    /// `_`: exactly one character.
    One,
}

/// An ORDER BY key: a field, or a group's value in aggregate queries.
#[derive(Debug)]
pub(crate) struct OrderKey<L> {
    pub key: L,
    pub desc: bool,
    pub nulls_first: bool,
    /// A picklist's values in their setup order, by which its values sort ("Picklist sorting
    /// is defined by the picklist sort determined during setup"); empty for other fields.
    pub picklist: &'static [&'static str],
}

/// A query error: Salesforce error code and message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SoqlError {
    pub code: &'static str,
    pub message: String,
}

impl SoqlError {
    /// An error pointing at byte offset `pos` of the statement, in Salesforce's caret format.
    pub(crate) fn at(code: &'static str, src: &str, pos: usize, msg: impl AsRef<str>) -> SoqlError {
        let pos = pos.min(src.len());
        let before = src.get(..pos).unwrap_or(src);
        let row = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line_end = src[line_start..]
            .find('\n')
            .map_or(src.len(), |i| line_start + i);
        let line = &src[line_start..line_end];
        let col = src.get(line_start..pos).map_or(0, |s| s.chars().count()) + 1;
        let message = format!(
            "\n{line}\n{}^\nERROR at Row:{row}:Column:{col}\n{}",
            " ".repeat(col - 1),
            msg.as_ref()
        );
        SoqlError { code, message }
    }

    /// A MALFORMED_QUERY error at `pos`.
    pub(crate) fn malformed(src: &str, pos: usize, msg: impl AsRef<str>) -> SoqlError {
        SoqlError::at("MALFORMED_QUERY", src, pos, msg)
    }

    /// What the fake org cannot do yet, said plainly (not as a Salesforce syntax error).
    pub(crate) fn unsupported(what: impl AsRef<str>) -> SoqlError {
        SoqlError::plain(
            "MALFORMED_QUERY",
            format!(
                "{} is not supported by the fake org (sfrest-fake-org)",
                what.as_ref()
            ),
        )
    }

    /// An error without a caret block.
    pub(crate) fn plain(code: &'static str, msg: impl Into<String>) -> SoqlError {
        SoqlError {
            code,
            message: msg.into(),
        }
    }
}

#[cfg(test)]
mod tests;
