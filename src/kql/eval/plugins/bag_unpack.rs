//! `bag_unpack(Column [, OutputColumnPrefix] [, columnsConflict] [, ignoredProperties]) [: schema]`
//! (…/bag-unpack-plugin): one column per top-level slot of the bags, named by the slot (after the
//! prefix) in slot-name order as the docs' examples show them; the unpacked column is removed.
//! A slot's column has the type its values share, else `dynamic`; null values are ignored.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::super::super::ast::{BagUnpack, ColumnsConflict, Expr};
use super::super::super::budget;
use super::super::super::error::KqlError;
use super::super::super::table::{Column, Table};
use super::super::super::value::{Bag, KqlType, Value, parse_json_str};
use super::super::meter::Meter;
use super::super::{Env, Evaluator};

/// The bag a cell holds (a string holding a JSON object is parsed, as Kusto does for dynamic).
fn bag_of(v: &Value) -> Value {
    match v {
        Value::String(s) if s.starts_with('{') => parse_json_str(s),
        other => other.clone(),
    }
}

/// The type every non-null value of column `i` shares, else `dynamic` (…/bag-unpack-plugin#returns).
fn shared_type(rows: &[Vec<Value>], i: usize) -> KqlType {
    let mut types = rows.iter().filter_map(|r| r[i].kql_type());
    match types.next() {
        Some(first) if types.all(|t| t == first) => first,
        _ => KqlType::Dynamic,
    }
}

impl Evaluator<'_> {
    pub(super) fn bag_unpack(&self, t: &Table, b: &BagUnpack, env: &Env) -> Result<Table, KqlError> {
        let src = self.plugin_column(t, &b.column)?;
        let prefix = match &b.prefix {
            Some(p) => self.plugin_constant(p, env)?.to_kql_string().to_string(),
            None => String::new(),
        };
        let ignored = self.ignored_properties(b.ignored.as_ref(), env)?;
        // With a schema, only the slots it declares are unpacked (so others cannot conflict).
        let wanted: Option<HashSet<&str>> = b.schema.as_ref().map(|s| s.columns.iter().map(|(n, _)| n.as_str()).collect());
        let mut meter = Meter::new(self);
        let mut keys = self.slot_keys(t, src, &mut meter)?;
        keys.retain(|k| !ignored.contains(&**k) && wanted.as_ref().is_none_or(|w| w.contains(format!("{prefix}{k}").as_str())));
        keys.sort();
        let (kept, keys) = self.resolve_conflicts(t, src, keys, &prefix, b)?;
        let mut columns: Vec<Column> = kept.iter().map(|&i| t.columns[i].clone()).collect();
        columns.extend(keys.iter().map(|k| Column::new(format!("{prefix}{k}"), KqlType::Dynamic)));
        // Every row gets a cell per key: refuse before building when that cannot fit.
        meter.charge(budget::rows_bytes(t.rows.len(), columns.len()))?;
        let mut rows: Vec<Vec<Value>> = Vec::with_capacity(t.rows.len());
        for r in &t.rows {
            meter.tick()?;
            let bag = bag_of(&r[src]);
            let mut row: Vec<Value> = kept.iter().map(|&i| r[i].clone()).collect();
            match &bag {
                Value::Bag(b) if b.len() > 8 => {
                    let mut index: HashMap<&str, &Value> = HashMap::with_capacity(b.len());
                    for (k, v) in b.iter() {
                        index.entry(&**k).or_insert(v);
                    }
                    row.extend(keys.iter().map(|k| index.get(&**k).map(|v| (*v).clone()).unwrap_or(Value::Null)));
                }
                _ => row.extend(keys.iter().map(|k| bag.get_key(k))),
            }
            rows.push(row);
        }
        for (i, c) in columns.iter_mut().enumerate().skip(kept.len()) {
            c.ty = shared_type(&rows, i);
        }
        meter.finish();
        let out = Table { columns, rows };
        Ok(match &b.schema {
            Some(schema) => {
                let star: Vec<Column> = t
                    .columns
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != src)
                    .map(|(_, c)| c.clone())
                    .collect();
                super::apply_schema(out, schema, &star)
            }
            None => out,
        })
    }

    /// `ignoredProperties`: a dynamic array of slot names.
    fn ignored_properties(&self, e: Option<&Expr>, env: &Env) -> Result<HashSet<String>, KqlError> {
        let Some(e) = e else { return Ok(HashSet::new()) };
        match self.plugin_constant(e, env)? {
            Value::Array(items) => Ok(items.iter().map(|v| v.to_kql_string().to_string()).collect()),
            _ => Err(self.err(
                e.span(),
                "ignoredProperties must be a dynamic array of property names, e.g. dynamic(['a', 'b'])",
            )),
        }
    }

    /// The distinct slot names with a non-null value, in order of first appearance.
    fn slot_keys(&self, t: &Table, src: usize, meter: &mut Meter) -> Result<Vec<Arc<str>>, KqlError> {
        // Sets, not `Vec::contains`: a bag of 200,000 keys would take quadratic time.
        let mut keys: Vec<Arc<str>> = Vec::new();
        let mut seen: HashSet<Arc<str>> = HashSet::new();
        // Rows often share one bag (a constant, a `toscalar`): scanning it again adds no keys.
        let mut last: Option<Arc<Bag>> = None;
        for r in &t.rows {
            meter.tick()?;
            if let Value::Bag(b) = bag_of(&r[src]) {
                if last.as_ref().is_some_and(|l| Arc::ptr_eq(l, &b)) {
                    continue;
                }
                last = Some(b.clone());
                for (k, v) in b.iter() {
                    if !v.is_null() && seen.insert(k.clone()) {
                        meter.charge(2 * budget::VALUE_SLOT + k.len())?;
                        keys.push(k.clone());
                    }
                }
            }
        }
        Ok(keys)
    }

    /// The input columns kept (all but the unpacked one, less those a slot replaces) and the slots
    /// unpacked, by `columnsConflict` for a slot named like an input column.
    fn resolve_conflicts(
        &self,
        t: &Table,
        src: usize,
        keys: Vec<Arc<str>>,
        prefix: &str,
        b: &BagUnpack,
    ) -> Result<(Vec<usize>, Vec<Arc<str>>), KqlError> {
        let mut kept: Vec<usize> = (0..t.columns.len()).filter(|&i| i != src).collect();
        let inputs: HashMap<&str, usize> = kept.iter().map(|&i| (t.columns[i].name.as_str(), i)).collect();
        let mut unpacked = Vec::with_capacity(keys.len());
        for k in keys {
            let name = format!("{prefix}{k}");
            let Some(&clash) = inputs.get(name.as_str()) else {
                unpacked.push(k);
                continue;
            };
            match b.conflict.unwrap_or_default() {
                ColumnsConflict::Error => {
                    return Err(self.err(
                        b.column.span,
                        format!(
                            "bag_unpack: key `{k}` collides with the existing column `{name}`; pass columnsConflict='replace_source' or 'keep_source', or an OutputColumnPrefix"
                        ),
                    ));
                }
                ColumnsConflict::ReplaceSource => {
                    kept.retain(|&i| i != clash);
                    unpacked.push(k);
                }
                ColumnsConflict::KeepSource => {}
            }
        }
        Ok((kept, unpacked))
    }
}
