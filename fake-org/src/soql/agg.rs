//! Aggregate queries: rows grouped by their GROUP BY values, the aggregate functions computed per
//! group, then HAVING, ORDER BY, OFFSET and LIMIT over the groups.

use std::collections::{HashMap, HashSet};

use super::eval::{compare_values, field_value, matches, order_cmp, window};
use super::{AggCall, AggFn, Aggregate, FieldRef, Query};
use crate::schema::FieldType;
use crate::store::Store;
use crate::value::{write_value, Value};

/// A running aggregate.
enum Acc {
    Count(i64),
    Distinct(HashSet<Vec<u8>>),
    Sum { int: i64, num: f64, any: bool },
    Avg { sum: f64, n: i64 },
    Best(Option<Value>),
}

impl Acc {
    fn new(call: &AggCall) -> Acc {
        match call.func {
            AggFn::Count => Acc::Count(0),
            AggFn::CountDistinct => Acc::Distinct(HashSet::new()),
            AggFn::Sum => Acc::Sum {
                int: 0,
                num: 0.0,
                any: false,
            },
            AggFn::Avg => Acc::Avg { sum: 0.0, n: 0 },
            AggFn::Min | AggFn::Max => Acc::Best(None),
        }
    }

    fn add(&mut self, func: AggFn, v: Option<&Value>) {
        let Some(v) = v else {
            // COUNT(): every row counts.
            if let Acc::Count(n) = self {
                *n += 1;
            }
            return;
        };
        if v.is_null() {
            return;
        }
        match self {
            Acc::Count(n) => *n += 1,
            Acc::Distinct(seen) => {
                seen.insert(key_bytes(v));
            }
            Acc::Sum { int, num, any } => {
                *any = true;
                match v {
                    Value::Int(i) => *int = int.saturating_add(*i),
                    Value::Num(x) => *num += x,
                    _ => {}
                }
            }
            Acc::Avg { sum, n } => {
                *n += 1;
                *sum += match v {
                    Value::Int(i) => *i as f64,
                    Value::Num(x) => *x,
                    _ => 0.0,
                };
            }
            Acc::Best(best) => {
                let better = best.as_ref().is_none_or(|b| {
                    let ord = compare_values(v, b);
                    if func == AggFn::Min {
                        ord.is_lt()
                    } else {
                        ord.is_gt()
                    }
                });
                if better {
                    *best = Some(v.clone());
                }
            }
        }
    }

    fn finish(self, field_type: Option<FieldType>) -> Value {
        match self {
            Acc::Count(n) => Value::Int(n),
            Acc::Distinct(seen) => Value::Int(seen.len() as i64),
            Acc::Sum { any: false, .. } | Acc::Avg { n: 0, .. } => Value::Null,
            Acc::Sum { int, num, .. } => match field_type {
                Some(t) if t.is_integer() => Value::Int(int),
                _ => Value::Num(num + int as f64),
            },
            Acc::Avg { sum, n } => Value::Num(sum / n as f64),
            Acc::Best(best) => best.unwrap_or(Value::Null),
        }
    }
}

/// A value as a grouping key: text case-insensitively, as Salesforce groups it.
fn key_bytes(v: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(16);
    match v.as_str() {
        Some(s) => {
            out.push(b's');
            out.extend(s.to_lowercase().bytes());
        }
        None => write_value(&mut out, v),
    }
    out
}

/// The groups of an aggregate query over its matching `rows`, each as its values (group keys,
/// then calls), after HAVING, ORDER BY (by default the group keys, ascending), OFFSET and LIMIT.
pub(crate) fn groups(q: &Query, agg: &Aggregate, store: &Store, rows: &[u32]) -> Vec<Box<[Value]>> {
    let table = &store.table(q.obj).rows;
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut keys: Vec<Vec<Value>> = Vec::new();
    let mut accs: Vec<Vec<Acc>> = Vec::new();
    let new_group = |keys: &mut Vec<Vec<Value>>, accs: &mut Vec<Vec<Acc>>, k: Vec<Value>| {
        keys.push(k);
        accs.push(agg.calls.iter().map(Acc::new).collect());
        accs.len() - 1
    };
    if agg.group_by.is_empty() {
        // One group, even over no rows: COUNT(Id) is then 0, SUM(...) null.
        new_group(&mut keys, &mut accs, Vec::new());
    }
    let mut key = Vec::new();
    for &r in rows {
        let row = &table[r as usize];
        let g = if agg.group_by.is_empty() {
            0
        } else {
            key.clear();
            for f in &agg.group_by {
                key.extend(key_bytes(field_value(store, row, f)));
                key.push(0xff);
            }
            match index.get(&key) {
                Some(&g) => g,
                None => {
                    let k = agg
                        .group_by
                        .iter()
                        .map(|f| field_value(store, row, f).clone())
                        .collect();
                    let g = new_group(&mut keys, &mut accs, k);
                    index.insert(key.clone(), g);
                    g
                }
            }
        };
        for (acc, call) in accs[g].iter_mut().zip(&agg.calls) {
            acc.add(
                call.func,
                call.field.as_ref().map(|f| field_value(store, row, f)),
            );
        }
    }
    let mut out: Vec<Box<[Value]>> = keys
        .into_iter()
        .zip(accs)
        .map(|(mut values, accs)| {
            for (acc, call) in accs.into_iter().zip(&agg.calls) {
                values.push(acc.finish(call.field.as_ref().map(field_type)));
            }
            values.into_boxed_slice()
        })
        .collect();
    if let Some(having) = &agg.having {
        out.retain(|g| matches(having, &|i: &usize| &g[*i], &[]));
    }
    if agg.order.is_empty() {
        out.sort_by(|a, b| {
            let n = agg.group_by.len();
            a[..n]
                .iter()
                .zip(&b[..n])
                .map(|(x, y)| match (x.is_null(), y.is_null()) {
                    (true, true) => std::cmp::Ordering::Equal,
                    (true, false) => std::cmp::Ordering::Less,
                    (false, true) => std::cmp::Ordering::Greater,
                    _ => compare_values(x, y),
                })
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
    } else {
        out.sort_by(|a, b| order_cmp(&agg.order, |i| &a[*i], |i| &b[*i]));
    }
    window(&mut out, q.offset, q.limit);
    out
}

fn field_type(f: &FieldRef) -> FieldType {
    super::path::def(f).ty
}
