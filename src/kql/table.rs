//! Tables, the catalog of named tables, and loading NDJSON files with declared column types.

use std::collections::BTreeMap;
use std::sync::Arc;

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

/// A catalog table: a whole table, or a window of a shared table's rows (`verify`'s lookback),
/// copied out only when an operator needs it as a table of its own.
#[derive(Debug, Clone)]
enum Entry {
    Whole(Arc<Table>),
    Window {
        full: Arc<Table>,
        rows: std::ops::Range<usize>,
        copy: std::sync::OnceLock<Arc<Table>>,
    },
}

impl Entry {
    fn table(&self) -> &Arc<Table> {
        match self {
            Entry::Whole(t) => t,
            Entry::Window { full, rows, copy } => copy.get_or_init(|| {
                Arc::new(Table {
                    columns: full.columns.clone(),
                    rows: full.rows[rows.clone()].to_vec(),
                })
            }),
        }
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

    /// The tables by name, handed over.
    pub fn into_tables(self) -> impl Iterator<Item = (String, Arc<Table>)> {
        self.tables.into_iter().map(|(name, entry)| {
            let table = entry.table().clone();
            (name, table)
        })
    }

    /// Looks a table up by exact name.
    pub fn get(&self, name: &str) -> Option<&Arc<Table>> {
        self.tables.get(name).map(Entry::table)
    }

    /// A table's columns and rows without copying a window out: for a window, the shared table's
    /// columns and the window's rows.
    pub fn window(&self, name: &str) -> Option<(&[Column], &[Vec<Value>])> {
        match self.tables.get(name)? {
            Entry::Whole(t) => Some((&t.columns, &t.rows)),
            Entry::Window { full, rows, .. } => Some((&full.columns, &full.rows[rows.clone()])),
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
        assert_eq!(c.get("T").map(|t| t.rows[0].len()), Some(2));
    }

    #[test]
    fn known_schema_types_columns() {
        let cols = known_schema("AuditLogs").expect("AuditLogs is known");
        assert!(cols.iter().any(|c| c.name == "InitiatedBy" && c.ty == KqlType::Dynamic));
        assert!(cols.iter().any(|c| c.name == "TimeGenerated" && c.ty == KqlType::DateTime));
    }
}
