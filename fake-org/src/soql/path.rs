//! Field paths (`Name`, `Account.Owner.Name`) resolved against the schema, with Salesforce's
//! errors for the names it does not know.

use super::parser::Parser;
use super::{FieldRef, Hop, SoqlError, MAX_DEPTH};
use crate::schema::{self, FieldDef};

const NO_COLUMN_HINT: &str = "If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.";

/// The definition of the field a reference points at.
pub(super) fn def(f: &FieldRef) -> &'static FieldDef {
    &schema::object(f.obj).fields[f.field as usize]
}

/// The path as Salesforce spells it back: relationship names, then the field name.
pub(super) fn canonical(root: u8, f: &FieldRef) -> String {
    let mut out = String::new();
    let mut obj = root;
    for hop in f.hops() {
        out.push_str(
            schema::object(obj).fields[hop.lookup as usize]
                .relationship
                .unwrap_or(""),
        );
        out.push('.');
        obj = hop.target;
    }
    out.push_str(def(f).name);
    out
}

impl Parser<'_> {
    /// Resolves `Name` or `Account.Owner.Name` on object `obj`.
    pub(super) fn resolve_on(
        &self,
        obj: u8,
        path: &str,
        pos: usize,
    ) -> Result<FieldRef, SoqlError> {
        let parts: Vec<&str> = path.split('.').collect();
        let Some((name, rels)) = parts.split_last() else {
            return Err(SoqlError::malformed(
                self.src,
                pos,
                format!("unexpected token: '{path}'"),
            ));
        };
        if rels.len() > MAX_DEPTH {
            return Err(SoqlError::unsupported(format!(
                "A relationship path of more than {MAX_DEPTH} levels ('{path}')"
            )));
        }
        // `SELECT Account.Name FROM Account`: the object's own name may lead the path.
        let own = schema::object(obj);
        let rels = match rels.split_first() {
            Some((first, rest))
                if first.eq_ignore_ascii_case(own.name) && own.relationship(first).is_none() =>
            {
                rest
            }
            _ => rels,
        };
        let mut hops = Vec::with_capacity(rels.len());
        let mut cur = obj;
        for rel in rels {
            let def = schema::object(cur);
            let lookup = def
                .relationship(rel)
                .filter(|_| !rel.is_empty())
                .ok_or_else(|| self.bad_relationship(rel, pos))?;
            let target = def.fields[lookup]
                .reference_to
                .and_then(schema::object_index)
                .ok_or_else(|| self.bad_relationship(rel, pos))?;
            hops.push(Hop {
                lookup: lookup as u16,
                target,
            });
            cur = target;
        }
        let def = schema::object(cur);
        let field = def.field_index(name).filter(|_| !name.is_empty());
        let field = field.ok_or_else(|| {
            SoqlError::at(
                "INVALID_FIELD",
                self.src,
                pos,
                format!(
                    "No such column '{name}' on entity '{}'. {NO_COLUMN_HINT}",
                    def.name
                ),
            )
        })?;
        Ok(FieldRef::through(&hops, cur, field))
    }

    /// Resolves a path on the queried object.
    pub(super) fn resolve(&self, path: &str, pos: usize) -> Result<FieldRef, SoqlError> {
        self.resolve_on(self.obj, path, pos)
    }

    pub(super) fn bad_relationship(&self, rel: &str, pos: usize) -> SoqlError {
        SoqlError::at("INVALID_FIELD", self.src, pos, format!("Didn't understand relationship '{rel}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names."))
    }
}
