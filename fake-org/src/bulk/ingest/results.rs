//! The result CSVs of an ingest job, written on demand from the upload and the row outcomes.

use super::super::csv::{write_quoted, Reader};
use super::super::{csv_response, eol, Phase};
use super::process::header_of;
use super::{IngestJob, CREATED};
use crate::org::lock;
use crate::response::Response;
use crate::schema::{self, F_ID};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Which {
    Success,
    Failed,
    Unprocessed,
}

/// Writes a result CSV from the upload and the row outcomes.
pub(super) fn results(j: &IngestJob, which: Which) -> Response {
    let st = lock(&j.state);
    let delim = j.c.delimiter;
    let nl = eol(&j.c);
    let mut out = Vec::new();
    let header = st.data.as_deref().map(|d| header_of(d, delim));
    let (cols, body_start) = match &header {
        Some(Ok((cols, start, _, _))) => (cols.as_slice(), *start),
        _ => (&[][..], 0),
    };
    let lead: &[&str] = match which {
        Which::Success => &["\"sf__Id\"", "\"sf__Created\""],
        Which::Failed => &["\"sf__Id\"", "\"sf__Error\""],
        Which::Unprocessed => &[],
    };
    for (i, name) in lead
        .iter()
        .copied()
        .chain(cols.iter().map(String::as_str))
        .enumerate()
    {
        if i > 0 {
            out.push(delim);
        }
        out.extend_from_slice(name.as_bytes());
    }
    out.extend_from_slice(nl);
    let Some(data) = st.data.as_deref() else {
        return csv_response(out);
    };
    let def = schema::object(j.obj);
    let id_col = cols
        .iter()
        .position(|c| c.trim().eq_ignore_ascii_case("Id"));
    let mut rec = Vec::with_capacity(cols.len());
    // Doubles (currency, percent) come back as Salesforce stored them, Java-style
    // (`912260031` as `9.12260031E8`, as the Bulk Insert walkthrough's results show).
    let doubles: Vec<bool> = cols
        .iter()
        .map(|c| {
            def.field_index(c.trim()).is_some_and(|i| {
                matches!(
                    def.fields[i].ty,
                    crate::schema::FieldType::Double
                        | crate::schema::FieldType::Currency
                        | crate::schema::FieldType::Percent
                )
            })
        })
        .collect();
    let write_values = |out: &mut Vec<u8>, rec: &[String], lead: bool| {
        for (i, v) in rec.iter().enumerate() {
            if i > 0 || lead {
                out.push(delim);
            }
            write_quoted(out, v);
        }
        out.extend_from_slice(nl);
    };
    match which {
        Which::Success | Which::Failed => {
            for o in &st.outcomes {
                let success = o.code < 2;
                if success != (which == Which::Success) {
                    continue;
                }
                let mut r = Reader::new(data, o.start as usize, delim);
                if !matches!(r.record(&mut rec), Ok(true)) {
                    continue;
                }
                if success {
                    write_quoted(&mut out, &def.id_of(o.row));
                    out.push(delim);
                    write_quoted(&mut out, if o.code == CREATED { "true" } else { "false" });
                    for (v, double) in rec.iter_mut().zip(&doubles) {
                        if let (true, Ok(f)) = (*double, v.trim().parse::<f64>()) {
                            *v = crate::value::java_double(f);
                        }
                    }
                } else {
                    let id = match id_col {
                        Some(i) if j.op.by_id() || j.ext == Some(F_ID) => {
                            rec.get(i).map_or("", String::as_str)
                        }
                        _ => "",
                    };
                    write_quoted(&mut out, id);
                    out.push(delim);
                    let msg = st
                        .errors
                        .get(o.code as usize - 2)
                        .map_or("", String::as_str);
                    write_quoted(&mut out, msg);
                }
                if rec.len() != cols.len() {
                    // A row of the wrong width is written as the header's columns, all empty.
                    rec = vec![String::new(); cols.len()];
                }
                write_values(&mut out, &rec, true);
            }
        }
        Which::Unprocessed => {
            if matches!(st.p.phase, Phase::Aborted | Phase::Failed) {
                let from = if st.next == 0 { body_start } else { st.next };
                if header.as_ref().is_some_and(Result::is_ok) {
                    let mut r = Reader::new(data, from, delim);
                    while let Ok(true) = r.record(&mut rec) {
                        write_values(&mut out, &rec, false);
                    }
                }
            }
        }
    }
    csv_response(out)
}
