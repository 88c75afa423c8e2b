//! Tables, the catalog of named tables, and loading NDJSON files with declared column types.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::error::KqlError;
use super::eval::RowTest;
use super::value::{KqlType, Value};

/// A named, typed column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The name queries refer to it by (case-sensitive).
    pub name: String,
    /// The declared Kusto type.
    pub ty: KqlType,
}

impl Column {
    /// Builds a column.
    pub fn new(name: impl Into<String>, ty: KqlType) -> Column {
        Column { name: name.into(), ty }
    }
}

/// A table: columns and row-major values (`rows[i][j]` is column `j` of row `i`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// The schema, in order.
    pub columns: Vec<Column>,
    /// The rows, each with one value per column in column order.
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    /// An empty table with the given columns.
    pub fn with_columns(columns: Vec<Column>) -> Table {
        Table { columns, rows: Vec::new() }
    }

    /// The index of a column by exact name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Column names, in order.
    pub fn column_names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// A cell by row index and column name (tests and callers that want one value).
    pub fn get(&self, row: usize, column: &str) -> Option<&Value> {
        let c = self.column_index(column)?;
        self.rows.get(row)?.get(c)
    }
}

/// Named tables available to queries.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    tables: BTreeMap<String, Entry>,
}

/// A catalog table: a whole table, a window of a shared table's rows (`verify`'s lookback),
/// copied out only when an operator needs it as a table of its own, or a table loaded when the
/// query first reads it.
#[derive(Debug, Clone)]
enum Entry {
    Whole(Arc<Table>),
    Window {
        full: Arc<Table>,
        rows: std::ops::Range<usize>,
        copy: std::sync::OnceLock<Arc<Table>>,
    },
    Deferred(Arc<Deferred>),
}

impl Entry {
    fn table(&self) -> Result<Arc<Table>, KqlError> {
        match self {
            Entry::Whole(t) => Ok(t.clone()),
            Entry::Window { full, rows, copy } => Ok(copy
                .get_or_init(|| {
                    Arc::new(Table {
                        columns: full.columns.clone(),
                        rows: full.rows[rows.clone()].to_vec(),
                    })
                })
                .clone()),
            Entry::Deferred(deferred) => deferred.with_tests(&deferred.tests),
        }
    }
}

/// Loads a table whose rows pass some tests (a query's row tests): the table, and a warning about it
/// to show (fields folded into `AdditionalFields`).
pub type LoadTable = dyn Fn(&[RowTest]) -> Result<(Table, Option<String>), KqlError> + Send + Sync;

/// A table read only when the query reads it, so that the one pipeline that reads it can have
/// its rows tested as they are read also by what is known only then: a join's right side by the
/// left side's keys (`key_filter`).
pub struct Deferred {
    load: Box<LoadTable>,
    /// The tests known before the query runs, which every read of the table may apply.
    tests: Vec<RowTest>,
    /// The first load.
    first: std::sync::OnceLock<Loaded>,
    /// The warnings of the loads so far, each once.
    warnings: std::sync::Mutex<Vec<String>>,
}

/// A load of a deferred table: the tests it applied, and its table or error.
type Loaded = (Vec<RowTest>, Result<Arc<Table>, KqlError>);

impl std::fmt::Debug for Deferred {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deferred")
            .field("tests", &self.tests)
            .field("loaded", &self.first.get().map(|(tests, _)| tests))
            .finish_non_exhaustive()
    }
}

impl Deferred {
    /// The table with only the rows that pass `tests`: the first load's when it applied the same
    /// tests, else a load of its own (a pipeline evaluated again, with other keys).
    fn with_tests(&self, tests: &[RowTest]) -> Result<Arc<Table>, KqlError> {
        let (applied, table) = self.first.get_or_init(|| (tests.to_vec(), self.load_now(tests)));
        if applied == tests {
            return table.clone();
        }
        self.load_now(tests)
    }

    fn load_now(&self, tests: &[RowTest]) -> Result<Arc<Table>, KqlError> {
        let (table, warning) = (self.load)(tests)?;
        if let Some(warning) = warning {
            let mut warnings = self.warnings.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if !warnings.contains(&warning) {
                warnings.push(warning);
            }
        }
        Ok(Arc::new(table))
    }
}

impl Catalog {
    /// An empty catalog.
    pub fn new() -> Catalog {
        Catalog::default()
    }

    /// Adds or replaces a table.
    /// Rows shorter or longer than the column list are padded with nulls or cut, so operators can
    /// index every row by column position.
    pub fn insert(&mut self, name: impl Into<String>, mut table: Table) {
        let width = table.columns.len();
        for row in table.rows.iter_mut().filter(|r| r.len() != width) {
            row.resize(width, Value::Null);
        }
        self.tables.insert(name.into(), Entry::Whole(Arc::new(table)));
    }

    /// Adds or replaces a table without copying it; its rows must already be as wide as its
    /// columns (as every table built by [`Catalog::insert`] or the loader is).
    pub fn insert_shared(&mut self, name: impl Into<String>, table: Arc<Table>) {
        debug_assert!(table.rows.iter().all(|r| r.len() == table.columns.len()));
        self.tables.insert(name.into(), Entry::Whole(table));
    }

    /// Adds or replaces a table that holds `rows` of `full`, without copying them: a pipeline
    /// that starts by filtering or narrowing the table reads them in place (see
    /// [`Catalog::window`]); anything else gets a copy, made once.
    pub fn insert_window(&mut self, name: impl Into<String>, full: Arc<Table>, rows: std::ops::Range<usize>) {
        let rows = rows.start.min(full.rows.len())..rows.end.min(full.rows.len());
        self.tables.insert(
            name.into(),
            Entry::Window {
                full,
                rows,
                copy: std::sync::OnceLock::new(),
            },
        );
    }

    /// Adds or replaces a table that is loaded when the query first reads it, by `load`, with
    /// `tests` (known before the query runs) or, for the one pipeline that starts from it, the
    /// tests of that pipeline's leading `where`s (see [`Catalog::tested`]). Only for a table one
    /// pipeline reads: a load for one reader would drop rows another sees.
    pub fn insert_deferred(&mut self, name: impl Into<String>, tests: Vec<RowTest>, load: Box<LoadTable>) {
        let deferred = Deferred {
            load,
            tests,
            first: std::sync::OnceLock::new(),
            warnings: std::sync::Mutex::default(),
        };
        self.tables.insert(name.into(), Entry::Deferred(Arc::new(deferred)));
    }

    /// The tables by name, handed over (a deferred one loaded now).
    pub fn into_tables(self) -> Result<Vec<(String, Arc<Table>)>, KqlError> {
        self.tables.into_iter().map(|(name, entry)| Ok((name, entry.table()?))).collect()
    }

    /// Looks a table up by exact name; a deferred table is loaded now, which may fail.
    pub fn get(&self, name: &str) -> Option<Result<Arc<Table>, KqlError>> {
        self.tables.get(name).map(Entry::table)
    }

    /// Whether there is a table of this exact name (without loading it).
    pub fn contains(&self, name: &str) -> bool {
        self.tables.contains_key(name)
    }

    /// A deferred table (see [`Catalog::insert_deferred`]) loaded with only the rows that pass
    /// `tests` (asked for only then), tests that the only pipeline reading it applies first;
    /// `None` for any other table.
    pub fn tested(&self, name: &str, tests: impl FnOnce() -> Vec<RowTest>) -> Option<Result<Arc<Table>, KqlError>> {
        match self.tables.get(name)? {
            Entry::Deferred(deferred) => Some(deferred.with_tests(&tests())),
            _ => None,
        }
    }

    /// The table the first load of deferred table `name` gave (to see what it kept).
    #[cfg(test)]
    pub(crate) fn first_load(&self, name: &str) -> Option<Arc<Table>> {
        match self.tables.get(name)? {
            Entry::Deferred(deferred) => deferred.first.get()?.1.as_ref().ok().cloned(),
            _ => None,
        }
    }

    /// Loads every deferred table the query did not read, so that a broken file is reported
    /// whatever the query read, and gives the warnings of every deferred load.
    pub fn finish_deferred(&self) -> Result<Vec<String>, KqlError> {
        let mut warnings = Vec::new();
        for entry in self.tables.values() {
            if let Entry::Deferred(deferred) = entry {
                if deferred.first.get().is_none() {
                    deferred.with_tests(&deferred.tests)?;
                }
                if let Some((_, Err(e))) = deferred.first.get() {
                    return Err(e.clone());
                }
                warnings.extend(
                    deferred
                        .warnings
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .iter()
                        .cloned(),
                );
            }
        }
        Ok(warnings)
    }

    /// A table's columns and rows without copying a window out: for a window, the shared table's
    /// columns and the window's rows; `None` for a deferred table, which is not loaded yet.
    pub fn window(&self, name: &str) -> Option<(&[Column], &[Vec<Value>])> {
        match self.tables.get(name)? {
            Entry::Whole(t) => Some((&t.columns, &t.rows)),
            Entry::Window { full, rows, .. } => Some((&full.columns, &full.rows[rows.clone()])),
            Entry::Deferred(_) => None,
        }
    }

    /// Table names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tables.keys().map(String::as_str)
    }
}

/// The declared schemas of the five Log Analytics tables tenantless simulates.
const SCHEMAS: &[&str] = &[
    include_str!("../../schemas/AADManagedIdentitySignInLogs.json"),
    include_str!("../../schemas/AADServicePrincipalSignInLogs.json"),
    include_str!("../../schemas/AuditLogs.json"),
    include_str!("../../schemas/AZKVAuditLogs.json"),
    include_str!("../../schemas/AzureActivity.json"),
    include_str!("../../schemas/AzureDiagnostics.json"),
    include_str!("../../schemas/Usage.json"),
];

/// The declared columns of a known table, or None for unknown tables. Parsed once: every chunk
/// of a loaded file starts from them.
pub fn known_schema(table: &str) -> Option<Vec<Column>> {
    static PARSED: std::sync::OnceLock<Vec<(String, Vec<Column>)>> = std::sync::OnceLock::new();
    let parsed = PARSED.get_or_init(|| SCHEMAS.iter().filter_map(|text| parse_schema(text)).collect());
    parsed.iter().find(|(name, _)| name == table).map(|(_, columns)| columns.clone())
}

/// The declared columns of a known table with their Kusto types as the schema file writes them
/// (`int`, `guid` and `decimal` kept, unlike [`known_schema`]'s engine types), or None.
pub fn documented_columns(table: &str) -> Option<Vec<(String, String)>> {
    SCHEMAS.iter().find_map(|text| {
        let json: serde_json::Value = serde_json::from_str(text).ok()?;
        (json.get("table")?.as_str()? == table).then(|| {
            json["columns"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| Some((c.get("name")?.as_str()?.to_owned(), c.get("type")?.as_str()?.to_owned())))
                .collect()
        })
    })
}

/// A schema file's table name and typed columns.
fn parse_schema(text: &str) -> Option<(String, Vec<Column>)> {
    let json: serde_json::Value = serde_json::from_str(text).ok()?;
    let name = json.get("table")?.as_str()?.to_owned();
    let columns = json
        .get("columns")?
        .as_array()?
        .iter()
        .filter_map(|c| {
            let name = c.get("name")?.as_str()?;
            let ty = KqlType::parse(c.get("type")?.as_str()?)?;
            Some(Column::new(name, ty))
        })
        .collect();
    Some((name, columns))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A catalog with table `T` deferred: its load keeps the names of `names` that pass the
    /// tests, counts its loads in `loads`, warns once per load and fails on a name "broken".
    fn deferred(names: &'static [&'static str], tests: Vec<RowTest>, loads: Arc<AtomicUsize>) -> Catalog {
        let mut catalog = Catalog::new();
        let load = move |tests: &[RowTest]| {
            loads.fetch_add(1, Ordering::Relaxed);
            if names.contains(&"broken") {
                return Err(KqlError::Data("T.jsonl:2:1: broken".into()));
            }
            let passes = |t: &RowTest, n: &str| matches!(t, RowTest::Text(t) if t.passes(n));
            let kept = names.iter().filter(|n| tests.iter().all(|t| passes(t, n)));
            let table = Table {
                columns: vec![Column::new("Name", KqlType::String)],
                rows: kept.map(|n| vec![Value::str(n)]).collect(),
            };
            Ok((table, Some("T: a warning".to_owned())))
        };
        catalog.insert_deferred("T", tests, Box::new(load));
        catalog
    }

    fn names(t: &Table) -> Vec<String> {
        t.rows.iter().map(|r| r[0].to_kql_string().to_string()).collect()
    }

    #[test]
    fn a_deferred_table_is_loaded_once_per_set_of_tests_its_reader_applies() {
        let loads = Arc::new(AtomicUsize::new(0));
        let not_c = RowTest::compare("Name", false, "c");
        let catalog = deferred(&["a", "b", "c"], vec![not_c.clone()], loads.clone());
        assert!(catalog.contains("T"));
        assert!(catalog.window("T").is_none(), "not loaded to be read in place");
        assert_eq!(loads.load(Ordering::Relaxed), 0, "nothing is loaded before it is read");
        let only_a = [not_c.clone(), RowTest::compare("Name", true, "a")];
        let tested = catalog.tested("T", || only_a.to_vec()).expect("deferred").expect("loads");
        assert_eq!(names(&tested), ["a"]);
        let again = catalog.tested("T", || only_a.to_vec()).expect("deferred").expect("loads");
        assert!(Arc::ptr_eq(&tested, &again), "the same tests reuse the first load");
        assert_eq!(loads.load(Ordering::Relaxed), 1);
        // Another reader (here `get`, as a `union *` reads it) gets the tests known beforehand.
        assert_eq!(names(&catalog.get("T").expect("a table").expect("loads")), ["a", "b"]);
        assert_eq!(loads.load(Ordering::Relaxed), 2);
        assert_eq!(catalog.finish_deferred().expect("loaded"), ["T: a warning"]);
        assert_eq!(loads.load(Ordering::Relaxed), 2, "a table read already is not read again");
    }

    #[test]
    fn a_deferred_table_nobody_read_is_loaded_at_the_end_and_its_error_is_kept() {
        let loads = Arc::new(AtomicUsize::new(0));
        let catalog = deferred(&["a"], Vec::new(), loads.clone());
        assert_eq!(catalog.finish_deferred().expect("loads"), ["T: a warning"]);
        assert_eq!(loads.load(Ordering::Relaxed), 1);
        let broken = deferred(&["a", "broken"], Vec::new(), loads);
        let error = |e: KqlError| e.to_string();
        assert!(error(broken.get("T").expect("a table").expect_err("broken")).contains("T.jsonl:2:1"));
        let kept = broken.finish_deferred().expect_err("the first load's error stays");
        assert!(error(kept).contains("T.jsonl:2:1"));
        assert!(error(broken.into_tables().expect_err("broken")).contains("T.jsonl:2:1"));
    }

    #[test]
    fn a_table_that_is_not_deferred_is_never_tested() {
        let mut catalog = Catalog::new();
        catalog.insert("W", Table::with_columns(vec![Column::new("Name", KqlType::String)]));
        assert!(catalog.tested("W", Vec::new).is_none());
        assert!(catalog.tested("Missing", Vec::new).is_none());
        assert_eq!(catalog.finish_deferred().expect("nothing to load"), Vec::<String>::new());
    }

    #[test]
    fn ragged_rows_are_padded_on_insert() {
        let mut c = Catalog::new();
        c.insert(
            "T",
            Table {
                columns: vec![Column::new("a", KqlType::Long), Column::new("b", KqlType::Long)],
                rows: vec![vec![Value::Long(1)]],
            },
        );
        assert_eq!(c.get("T").map(|t| t.expect("loaded").rows[0].len()), Some(2));
    }

    #[test]
    fn known_schema_types_columns() {
        let cols = known_schema("AuditLogs").expect("AuditLogs is known");
        assert!(cols.iter().any(|c| c.name == "InitiatedBy" && c.ty == KqlType::Dynamic));
        assert!(cols.iter().any(|c| c.name == "TimeGenerated" && c.ty == KqlType::DateTime));
    }
}
