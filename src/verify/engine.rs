//! The [`Engine`] `verify` uses: tenantless's KQL engine over the generated tables, each sorted by
//! `TimeGenerated` once so that every scheduled run sees exactly its lookback window.

use super::{Engine, EngineError, QueryResult};
use crate::kql::{self, Catalog, KqlError, RunOptions, Table, Value};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone)]
struct TimedTable {
    table: Arc<Table>,
    /// The same columns without rows, for runs whose query does not name the table.
    empty: Arc<Table>,
    /// `TimeGenerated` ticks of each row, ascending; `None` when the table has no such column.
    times: Option<Arc<[i64]>>,
}

/// tenantless's KQL engine loaded with the tables of a `generate` output directory.
#[derive(Clone)]
pub struct KqlEngine {
    tables: BTreeMap<String, TimedTable>,
    row_limit: usize,
    deadline: Option<Instant>,
    external: Arc<kql::external::ExternalFiles>,
    /// Stored functions (`--functions`) the rules may call.
    functions: Arc<kql::stored::StoredFunctions>,
}

fn to_engine_error(e: KqlError) -> EngineError {
    match e {
        KqlError::Unsupported(feature) => EngineError::Unsupported(feature),
        other => EngineError::Failed(other.to_string()),
    }
}

/// Rows of a table without `TimeGenerated` sort first, at this tick.
const NO_TIME: i64 = i64::MIN;

/// Sorts a table's rows by `TimeGenerated` and returns their ticks.
fn sort_by_time(table: &mut Table) -> Option<Vec<i64>> {
    let c = table.column_index("TimeGenerated")?;
    let time = |row: &Vec<Value>| match row.get(c) {
        Some(Value::DateTime(t)) => *t,
        _ => NO_TIME,
    };
    table.rows.sort_by_key(time);
    Some(table.rows.iter().map(time).collect())
}

/// Whether a query may reach tables it does not name (`union *`, `search`, `find`, `table()`,
/// wildcards like `AAD*`): such a query gets every table's rows.
fn reaches_unnamed_tables(query: &str) -> bool {
    let lower = query.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let wildcard = bytes.iter().enumerate().any(|(i, &b)| {
        let word = |j: Option<usize>| {
            j.and_then(|j| bytes.get(j))
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        };
        b == b'*' && (word(i.checked_sub(1)) || word(Some(i + 1)) || lower[..i].trim_end().ends_with("union"))
    });
    wildcard || ["search", "find", "table(", "database("].iter().any(|w| lower.contains(w))
}

impl KqlEngine {
    /// Loads every `*.jsonl` table of `dir`.
    pub fn load(dir: &Path) -> Result<Self, KqlError> {
        let catalog = kql::load_jsonl_dir(dir)?;
        let mut tables = BTreeMap::new();
        for (name, table) in catalog.into_tables() {
            // The catalog is dropped here, so this takes the table over rather than copying it.
            let mut table = Arc::unwrap_or_clone(table);
            let times = sort_by_time(&mut table).map(Arc::from);
            let empty = Arc::new(Table::with_columns(table.columns.clone()));
            tables.insert(
                name,
                TimedTable {
                    table: Arc::new(table),
                    empty,
                    times,
                },
            );
        }
        Ok(Self {
            tables,
            row_limit: kql::DEFAULT_ROW_LIMIT,
            deadline: None,
            external: Arc::default(),
            functions: Arc::default(),
        })
    }

    /// Where rules' `externaldata` reads its URLs from.
    pub fn set_external(&mut self, external: kql::external::ExternalFiles) {
        self.external = Arc::new(external);
    }

    /// The stored functions (ASIM parsers) rules may call.
    pub fn set_functions(&mut self, functions: Arc<kql::stored::StoredFunctions>) {
        self.functions = functions;
    }

    /// The query with the bodies of the stored functions it calls (and those they call)
    /// appended: the text whose table names decide which tables a run's window fills.
    fn with_called_bodies<'q>(&self, query: &'q str) -> std::borrow::Cow<'q, str> {
        let mut text = std::borrow::Cow::Borrowed(query);
        let mut added: Vec<*const kql::ast::FunctionDef> = Vec::new();
        loop {
            let before = added.len();
            for (name, def) in self.functions.iter() {
                let (Some(origin), false) = (&def.origin, added.contains(&Arc::as_ptr(def))) else {
                    continue;
                };
                if text.contains(name) {
                    added.push(Arc::as_ptr(def));
                    text.to_mut().push_str(&origin.text);
                }
            }
            if added.len() == before {
                return text;
            }
        }
    }

    /// A catalog holding the rows with `TimeGenerated` in `(window.0, window.1]`, as a scheduled
    /// rule's lookback sees them. Only the tables the query names get rows (the others are there,
    /// empty, so that names still resolve and misspellings still get suggestions): copying every
    /// table's window for every run was most of `verify`'s time on wide tables.
    fn window(&self, query: &str, window: (DateTime<Utc>, DateTime<Utc>)) -> Catalog {
        let (from, to) = (kql::value::ticks_from_chrono(&window.0), kql::value::ticks_from_chrono(&window.1));
        let every_table = reaches_unnamed_tables(query);
        let lower = query.to_ascii_lowercase();
        let mut catalog = Catalog::new();
        for (name, timed) in &self.tables {
            if !every_table && !lower.contains(&name.to_ascii_lowercase()) {
                catalog.insert_shared(name.clone(), timed.empty.clone());
                continue;
            }
            let Some(times) = &timed.times else {
                catalog.insert_shared(name.clone(), timed.table.clone());
                continue;
            };
            let lo = times.partition_point(|t| *t <= from);
            let hi = times.partition_point(|t| *t <= to);
            if lo == 0 && hi == times.len() {
                // The window holds the whole table: share it rather than copy it.
                catalog.insert_shared(name.clone(), timed.table.clone());
            } else {
                let rows = timed.table.rows[lo..hi].to_vec();
                catalog.insert_shared(
                    name.clone(),
                    Arc::new(Table {
                        columns: timed.table.columns.clone(),
                        rows,
                    }),
                );
            }
        }
        catalog
    }

    /// A run's options: `now()` at the end of the lookback, and the time-range placeholders
    /// Sentinel fills in for hunting queries (`{{StartTimeISO}}`, `{{EndTimeISO}}`) bound to it.
    fn options(&self, now: DateTime<Utc>, window: (DateTime<Utc>, DateTime<Utc>)) -> RunOptions {
        let iso = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let params = BTreeMap::from([("StartTimeISO".to_owned(), iso(window.0)), ("EndTimeISO".to_owned(), iso(window.1))]);
        RunOptions {
            now,
            params,
            row_limit: self.row_limit,
            deadline: self.deadline,
            external: self.external.clone(),
            functions: self.functions.clone(),
            ..RunOptions::default()
        }
    }
}

impl Engine for KqlEngine {
    fn run(&mut self, query: &str, now: DateTime<Utc>, window: (DateTime<Utc>, DateTime<Utc>)) -> Result<QueryResult, EngineError> {
        let catalog = self.window(&self.with_called_bodies(query), window);
        let tables = kql::run(query, &catalog, &self.options(now, window)).map_err(to_engine_error)?;
        let Some(last) = tables.last() else {
            return Ok(QueryResult::default());
        };
        Ok(QueryResult {
            columns: last.columns.iter().map(|c| c.name.clone()).collect(),
            rows: last
                .rows
                .iter()
                .map(|row| row.iter().map(|v| v.to_kql_string().to_string()).collect())
                .collect(),
        })
    }

    fn explain(
        &mut self,
        query: &str,
        now: DateTime<Utc>,
        window: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Vec<(String, u64)>, EngineError> {
        let (_, stats) = kql::run_with_stats(query, &self.window(query, window), &self.options(now, window)).map_err(to_engine_error)?;
        let last = stats.iter().map(|s| s.query).max().unwrap_or(0);
        Ok(stats
            .into_iter()
            .filter(|s| s.query == last)
            .map(|s| (s.stage, s.rows as u64))
            .collect())
    }

    fn data_range(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let timed = self.tables.values().filter_map(|t| t.times.as_deref());
        let (mut first, mut last) = (i64::MAX, i64::MIN);
        for times in timed {
            // Sorted, rows without a time first.
            let lo = times.partition_point(|t| *t == NO_TIME);
            if let (Some(a), Some(b)) = (times.get(lo), times.last()) {
                first = first.min(*a);
                last = last.max(*b);
            }
        }
        if first > last {
            return None;
        }
        Some((kql::value::chrono_from_ticks(first)?, kql::value::chrono_from_ticks(last)?))
    }

    fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
    }

    /// The tables are shared, not copied: a fork costs a few pointers.
    fn fork(&self) -> Option<Box<dyn Engine + Send>> {
        Some(Box::new(self.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_queries_that_can_reach_unnamed_tables_get_every_table() {
        for query in [
            "union * | count",
            "union AAD* | count",
            "search \"x\"",
            "table('AuditLogs')",
            "union\n  *",
        ] {
            assert!(reaches_unnamed_tables(query), "{query}");
        }
        for query in [
            "AuditLogs | where x > 1",
            "AuditLogs | extend y = a * 2 | count",
            "T | summarize count() by bin(t, 1h)",
        ] {
            assert!(!reaches_unnamed_tables(query), "{query}");
        }
    }
}
