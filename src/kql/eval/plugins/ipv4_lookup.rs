//! `ipv4_lookup(LookupTable, SourceIPv4Key, IPv4LookupKey [, ExtraKey …] [, return_unmatched])`
//! (…/ipv4-lookup-plugin): a lookup join on IPv4 ranges. Each input row is matched with every
//! lookup row whose range (`a.b.c.d/n`, a bare address being `/32`) contains its address, and whose
//! extra key columns are equal; the output is the input's columns, then the lookup table's without
//! the extra keys (as `lookup` drops the right side's keys). When both sides are prefixes they
//! match if they agree on the shorter prefix (the IP-prefix notation's rule). Matches come in input
//! order, then lookup-table order; `return_unmatched=true` keeps unmatched input rows with empty
//! lookup columns.

use std::collections::HashMap;

use super::super::super::ast::{Ipv4Lookup, Name};
use super::super::super::budget;
use super::super::super::error::KqlError;
use super::super::super::table::{Column, Table};
use super::super::super::value::Value;
use super::super::meter::Meter;
use super::super::ops::{null_of, unique_name};
use super::super::{Env, Evaluator};

/// An IPv4 address or prefix: the network bits and the prefix length; `None` when not IPv4.
fn ipv4_prefix(v: &Value) -> Option<(u32, u32)> {
    let text = v.to_kql_string();
    let (addr, bits) = match text.split_once('/') {
        Some((a, b)) => (a, b.trim().parse::<u32>().ok().filter(|b| *b <= 32)?),
        None => (&*text, 32),
    };
    let ip = u32::from(addr.trim().parse::<std::net::Ipv4Addr>().ok()?);
    Some((ip & mask(bits), bits))
}

fn mask(bits: u32) -> u32 {
    if bits == 0 { 0 } else { u32::MAX << (32 - bits) }
}

/// The lookup table's ranges by prefix length, each a map from network to lookup rows.
struct RangeIndex {
    by_length: Vec<(u32, HashMap<u32, Vec<usize>>)>,
}

impl RangeIndex {
    fn new(lookup: &Table, key: usize) -> RangeIndex {
        let mut maps: HashMap<u32, HashMap<u32, Vec<usize>>> = HashMap::new();
        for (i, r) in lookup.rows.iter().enumerate() {
            if let Some((net, bits)) = ipv4_prefix(&r[key]) {
                maps.entry(bits).or_default().entry(net).or_default().push(i);
            }
        }
        let mut by_length: Vec<(u32, HashMap<u32, Vec<usize>>)> = maps.into_iter().collect();
        by_length.sort_by_key(|(bits, _)| *bits);
        RangeIndex { by_length }
    }

    /// The lookup rows whose range matches `(ip, bits)`, in table order.
    fn matches(&self, (ip, bits): (u32, u32)) -> Vec<usize> {
        let mut out = Vec::new();
        for (len, map) in &self.by_length {
            if *len <= bits {
                out.extend(map.get(&(ip & mask(*len))).into_iter().flatten());
            } else {
                // The source is the wider prefix: every longer range inside it matches.
                let m = mask(bits);
                out.extend(map.iter().filter(|(net, _)| *net & m == ip).flat_map(|(_, rows)| rows));
            }
        }
        out.sort_unstable();
        out
    }
}

impl Evaluator<'_> {
    pub(super) fn ipv4_lookup(&self, t: &Table, l: &Ipv4Lookup, env: &Env) -> Result<Table, KqlError> {
        let lookup = self.eval_tabular_expr(&l.table, &mut env.clone())?;
        // The lookup table is held while the output is built, as a join's right side is.
        let mut meter = Meter::new(self);
        meter.hold(self.last_bytes.take().unwrap_or(0))?;
        let src = self.plugin_column(t, &l.source_key)?;
        let key = self.lookup_column(&lookup, &l.lookup_key)?;
        let mut extra = Vec::new();
        for k in &l.extra_keys {
            extra.push((self.plugin_column(t, k)?, self.lookup_column(&lookup, k)?));
        }
        let index = RangeIndex::new(&lookup, key);
        let right: Vec<usize> = (0..lookup.columns.len()).filter(|i| !extra.iter().any(|(_, r)| r == i)).collect();
        let mut names: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
        let mut columns = t.columns.clone();
        for &i in &right {
            let c = &lookup.columns[i];
            let name = unique_name(&c.name, &names);
            names.push(name.clone());
            columns.push(Column::new(name, c.ty));
        }
        let nulls: Vec<Value> = right.iter().map(|&i| null_of(lookup.columns[i].ty)).collect();
        let width = columns.len();
        let mut rows = Vec::new();
        for r in &t.rows {
            meter.tick()?;
            let equal_extras = |m: &usize| extra.iter().all(|(s, k)| !r[*s].is_null() && r[*s] == lookup.rows[*m][*k]);
            let found: Vec<usize> = ipv4_prefix(&r[src]).map(|p| index.matches(p)).unwrap_or_default();
            let found: Vec<usize> = found.into_iter().filter(equal_extras).collect();
            self.check_limit(rows.len().saturating_add(found.len()), "`evaluate ipv4_lookup`")?;
            for m in &found {
                meter.charge(budget::rows_bytes(1, width))?;
                let mut row = r.clone();
                row.extend(right.iter().map(|&i| lookup.rows[*m][i].clone()));
                rows.push(row);
            }
            if found.is_empty() && l.return_unmatched == Some(true) {
                meter.charge(budget::rows_bytes(1, width))?;
                let mut row = r.clone();
                row.extend(nulls.iter().cloned());
                rows.push(row);
            }
        }
        meter.finish();
        Ok(Table { columns, rows })
    }

    /// A column of the lookup table, or an error at its name saying which side lacks it.
    fn lookup_column(&self, lookup: &Table, name: &Name) -> Result<usize, KqlError> {
        lookup.column_index(&name.text).ok_or_else(|| {
            let hint = super::super::super::error::suggest(&name.text, lookup.columns.iter().map(|c| c.name.as_str()))
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            self.err(name.span, format!("unknown column `{name}` in ipv4_lookup's lookup table{hint}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_parse_and_mask() {
        assert_eq!(ipv4_prefix(&Value::str("10.1.2.3/8")), Some((0x0A00_0000, 8)));
        assert_eq!(ipv4_prefix(&Value::str("10.1.2.3")), Some((0x0A01_0203, 32)));
        assert_eq!(ipv4_prefix(&Value::str("10.1.2.3/33")), None);
        assert_eq!(ipv4_prefix(&Value::str("::1")), None);
        assert_eq!(ipv4_prefix(&Value::str("")), None);
    }
}
