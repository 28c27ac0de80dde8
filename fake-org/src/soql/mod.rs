//! A SOQL subset: parser, typed query tree and evaluator.

mod dates;
mod eval;
mod lexer;
mod literal;
mod parser;

pub(crate) use eval::execute;
pub(crate) use parser::parse;

/// A parsed, schema-resolved query.
#[derive(Debug)]
pub(crate) struct Query {
    pub obj: u8,
    pub select: Select,
    pub filter: Option<Cond>,
    pub order: Vec<OrderKey>,
    pub limit: Option<usize>,
    pub offset: usize,
}

/// What the query returns.
#[derive(Debug)]
pub(crate) enum Select {
    /// `SELECT COUNT()`: only totalSize.
    Count,
    /// Records with these items, in query order.
    Fields(Vec<OutItem>),
}

/// One item of a result record.
#[derive(Debug)]
pub(crate) enum OutItem {
    /// A field of the queried object.
    Field(usize),
    /// Fields of a parent reached through lookup `lookup`, nested under relationship `rel`.
    Parent {
        lookup: usize,
        target: u8,
        rel: &'static str,
        fields: Vec<usize>,
    },
}

/// A field reachable from the queried object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FieldRef {
    Direct(usize),
    Parent {
        lookup: usize,
        target: u8,
        field: usize,
    },
}

/// A WHERE condition.
#[derive(Debug)]
pub(crate) enum Cond {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    Cmp(FieldRef, &'static str, Operand),
    In(FieldRef, bool, Vec<Operand>),
    Like(FieldRef, Vec<LikeTok>),
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

/// An ORDER BY key.
#[derive(Debug)]
pub(crate) struct OrderKey {
    pub field: FieldRef,
    pub desc: bool,
    pub nulls_first: bool,
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

    /// An error without a caret block.
    pub(crate) fn plain(code: &'static str, msg: impl Into<String>) -> SoqlError {
        SoqlError {
            code,
            message: msg.into(),
        }
    }
}
