//! The [`Engine`] `verify` uses: tenantless's KQL engine over the generated tables, each sorted by
//! `TimeGenerated` once so that every scheduled run sees exactly its lookback window.

use super::{Engine, EngineError, QueryResult};
use crate::kql::{self, Catalog, KqlError, RunOptions, Table, Value};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::path::Path;

struct TimedTable {
    table: Table,
    /// `TimeGenerated` ticks of each row, ascending; `None` when the table has no such column.
    times: Option<Vec<i64>>,
}

pub struct KqlEngine {
    tables: BTreeMap<String, TimedTable>,
    row_limit: usize,
}

fn to_engine_error(e: KqlError) -> EngineError {
    match e {
        KqlError::Unsupported(feature) => EngineError::Unsupported(feature),
        other => EngineError::Failed(other.to_string()),
    }
}

impl KqlEngine {
    /// Loads every `*.jsonl` table of `dir`.
    pub fn load(dir: &Path) -> Result<Self, KqlError> {
        let catalog = kql::load_jsonl_dir(dir)?;
        let mut tables = BTreeMap::new();
        for name in catalog.names().map(str::to_owned).collect::<Vec<_>>() {
            let Some(table) = catalog.get(&name) else { continue };
            let mut table = Table::clone(table);
            let times = table.column_index("TimeGenerated").map(|c| {
                table.rows.sort_by_key(|row| match row.get(c) {
                    Some(Value::DateTime(t)) => *t,
                    _ => i64::MIN,
                });
                table
                    .rows
                    .iter()
                    .map(|row| if let Some(Value::DateTime(t)) = row.get(c) { *t } else { i64::MIN })
                    .collect()
            });
            tables.insert(name, TimedTable { table, times });
        }
        Ok(Self {
            tables,
            row_limit: kql::DEFAULT_ROW_LIMIT,
        })
    }

    /// A catalog holding the rows with `TimeGenerated` in `(window.0, window.1]`, as a scheduled
    /// rule's lookback sees them.
    fn window(&self, window: (DateTime<Utc>, DateTime<Utc>)) -> Catalog {
        let (from, to) = (kql::value::ticks_from_chrono(&window.0), kql::value::ticks_from_chrono(&window.1));
        let mut catalog = Catalog::new();
        for (name, timed) in &self.tables {
            let rows = match &timed.times {
                Some(times) => {
                    let lo = times.partition_point(|t| *t <= from);
                    let hi = times.partition_point(|t| *t <= to);
                    timed.table.rows[lo..hi].to_vec()
                }
                None => timed.table.rows.clone(),
            };
            catalog.insert(
                name.clone(),
                Table {
                    columns: timed.table.columns.clone(),
                    rows,
                },
            );
        }
        catalog
    }

    fn options(&self, now: DateTime<Utc>) -> RunOptions {
        RunOptions {
            now,
            params: BTreeMap::new(),
            row_limit: self.row_limit,
            ..RunOptions::default()
        }
    }
}

impl Engine for KqlEngine {
    fn run(&mut self, query: &str, now: DateTime<Utc>, window: (DateTime<Utc>, DateTime<Utc>)) -> Result<QueryResult, EngineError> {
        let tables = kql::run(query, &self.window(window), &self.options(now)).map_err(to_engine_error)?;
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
        let (_, stats) = kql::run_with_stats(query, &self.window(window), &self.options(now)).map_err(to_engine_error)?;
        let last = stats.iter().map(|s| s.query).max().unwrap_or(0);
        Ok(stats
            .into_iter()
            .filter(|s| s.query == last)
            .map(|s| (s.stage, s.rows as u64))
            .collect())
    }
}
