//! The [`Engine`] `verify` uses: tenantless's KQL engine over the generated tables, each sorted by
//! `TimeGenerated` once so that every scheduled run sees exactly its lookback window.

use super::{Engine, EngineError, QueryResult};
use crate::kql::{self, Catalog, KqlError, RunOptions, Table, Value};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

#[derive(Clone)]
struct TimedTable {
    table: Arc<Table>,
    /// The same columns without rows, for runs whose query does not name the table.
    empty: Arc<Table>,
    /// `TimeGenerated` ticks of each row, ascending; `None` when the table has no such column.
    times: Option<Arc<[i64]>>,
}

/// The tables of a data directory, each sorted by time.
type TimedTables = BTreeMap<String, TimedTable>;

/// Where to read every column of the tables from when the loaded ones were narrowed to the columns
/// the rules read: a rule that fails over them is run again over these, loaded on first need and
/// shared by every fork, so that its error is the one every column gives (suggestions included).
struct WholeTables {
    dir: PathBuf,
    tables: OnceLock<Result<TimedTables, KqlError>>,
}

/// tenantless's KQL engine loaded with the tables of a `generate` output directory.
#[derive(Clone)]
pub struct KqlEngine {
    tables: TimedTables,
    /// `Some` when `tables` hold only the columns some rule reads.
    whole: Option<Arc<WholeTables>>,
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

/// The tables `filter` wants of `dir`, sorted by time.
fn load_timed(dir: &Path, filter: &kql::TableFilter) -> Result<TimedTables, KqlError> {
    let catalog = kql::load_jsonl_dir_with(dir, filter, &mut |warning| eprintln!("{warning}"))?;
    let mut tables = BTreeMap::new();
    for (name, table) in catalog.into_tables()? {
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
    Ok(tables)
}

impl KqlEngine {
    /// Loads every `*.jsonl` table of `dir`.
    pub fn load(dir: &Path) -> Result<Self, KqlError> {
        Self::load_for(dir, &kql::TableFilter::all())
    }

    /// Loads the tables of `dir` with only the columns `queries` (which may call `functions`) read,
    /// and every table's `TimeGenerated`, which decides the schedule and each run's window.
    pub fn load_for_queries(dir: &Path, queries: &[String], functions: &kql::stored::StoredFunctions) -> Result<Self, KqlError> {
        let names: Vec<String> = crate::compress::table_files(dir)
            .map_err(|e| KqlError::Data(e.to_string()))?
            .into_iter()
            .map(|(stem, _, _)| stem)
            .collect();
        let texts: Vec<_> = queries.iter().map(|q| functions.with_called_bodies(q)).collect();
        let read = texts
            .iter()
            .zip(queries)
            .map(|(text, q)| (text.as_ref(), kql::column_needs(q, functions)));
        let times = names
            .iter()
            .map(|name| (name.as_str(), kql::ColumnNeeds::only(name, ["timegenerated"])));
        Self::load_for(dir, &kql::TableFilter::for_queries(read.chain(times)))
    }

    /// Loads the tables of `dir` and the columns of them that `filter` wants (all the queries that
    /// will run, see [`kql::TableFilter::for_queries`]).
    pub fn load_for(dir: &Path, filter: &kql::TableFilter) -> Result<Self, KqlError> {
        let tables = load_timed(dir, filter)?;
        let whole = filter.narrows_columns().then(|| {
            Arc::new(WholeTables {
                dir: dir.to_owned(),
                tables: OnceLock::new(),
            })
        });
        Ok(Self {
            tables,
            whole,
            row_limit: kql::DEFAULT_ROW_LIMIT,
            deadline: None,
            external: Arc::default(),
            functions: Arc::default(),
        })
    }

    /// Replaces table `name` by what the ingestion-time transformation `text` (a `source | …`
    /// query) makes of it, as a data collection rule would have delivered it. Returns the rows
    /// before and after; a table the data lacks stays absent.
    pub fn transform(&mut self, name: &str, text: &str) -> Result<(usize, usize), KqlError> {
        let Some(timed) = self.tables.get(name) else { return Ok((0, 0)) };
        let before = timed.table.rows.len();
        let mut catalog = Catalog::new();
        catalog.insert_shared("source", timed.table.clone());
        let options = RunOptions {
            row_limit: self.row_limit,
            functions: self.functions.clone(),
            ..RunOptions::default()
        };
        let mut out = kql::run(text, &catalog, &options)?;
        let mut table = out.pop().unwrap_or_else(|| Table::with_columns(timed.table.columns.clone()));
        drop(catalog);
        let times = sort_by_time(&mut table).map(Arc::from);
        let after = table.rows.len();
        let empty = Arc::new(Table::with_columns(table.columns.clone()));
        self.tables.insert(
            name.to_owned(),
            TimedTable {
                table: Arc::new(table),
                empty,
                times,
            },
        );
        Ok((before, after))
    }

    /// Where rules' `externaldata` reads its URLs from.
    pub fn set_external(&mut self, external: kql::external::ExternalFiles) {
        self.external = Arc::new(external);
    }

    /// The stored functions (ASIM parsers) rules may call.
    pub fn set_functions(&mut self, functions: Arc<kql::stored::StoredFunctions>) {
        self.functions = functions;
    }

    /// A catalog holding the rows with `TimeGenerated` in `(window.0, window.1]`, as a scheduled
    /// rule's lookback sees them. Only the tables the query names get rows (the others are there,
    /// empty, so that names still resolve and misspellings still get suggestions): copying every
    /// table's window for every run was most of `verify`'s time on wide tables.
    fn window(tables: &TimedTables, query: &str, window: (DateTime<Utc>, DateTime<Utc>)) -> Catalog {
        let (from, to) = (kql::value::ticks_from_chrono(&window.0), kql::value::ticks_from_chrono(&window.1));
        let filter = kql::TableFilter::for_query(query);
        let mut catalog = Catalog::new();
        for (name, timed) in tables {
            if !filter.wants(name) {
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
                catalog.insert_shared(name.clone(), timed.table.clone());
            } else {
                // Shared, not copied: a rule that starts by filtering reads the window in place.
                catalog.insert_window(name.clone(), timed.table.clone(), lo..hi);
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
        let text = self.functions.with_called_bodies(query);
        let options = self.options(now, window);
        let mut result = kql::run(query, &Self::window(&self.tables, &text, window), &options);
        if let (Err(KqlError::Semantic(_)), Some(whole)) = (&result, &self.whole) {
            let tables = whole.tables.get_or_init(|| load_timed(&whole.dir, &kql::TableFilter::all()));
            let tables = tables.as_ref().map_err(|e| to_engine_error(e.clone()))?;
            result = kql::run(query, &Self::window(tables, &text, window), &options);
        }
        let tables = result.map_err(to_engine_error)?;
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
        let (_, stats) =
            kql::run_with_stats(query, &Self::window(&self.tables, query, window), &self.options(now, window)).map_err(to_engine_error)?;
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
