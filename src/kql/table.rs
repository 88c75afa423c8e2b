//! Tables, the catalog of named tables, and loading NDJSON files with declared column types.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use super::error::KqlError;
use super::value::{Bag, KqlType, Value, convert, parse_datetime};

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
    tables: BTreeMap<String, Arc<Table>>,
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
        self.tables.insert(name.into(), Arc::new(table));
    }

    /// Adds or replaces a table without copying it; its rows must already be as wide as its
    /// columns (as every table built by [`Catalog::insert`] or the loader is).
    pub fn insert_shared(&mut self, name: impl Into<String>, table: Arc<Table>) {
        debug_assert!(table.rows.iter().all(|r| r.len() == table.columns.len()));
        self.tables.insert(name.into(), table);
    }

    /// The tables by name, handed over.
    pub fn into_tables(self) -> impl Iterator<Item = (String, Arc<Table>)> {
        self.tables.into_iter()
    }

    /// Looks a table up by exact name.
    pub fn get(&self, name: &str) -> Option<&Arc<Table>> {
        self.tables.get(name)
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
    include_str!("../../schemas/AzureActivity.json"),
    include_str!("../../schemas/AzureDiagnostics.json"),
];

/// The declared columns of a known table, or None for unknown tables.
pub fn known_schema(table: &str) -> Option<Vec<Column>> {
    for text in SCHEMAS {
        let json: serde_json::Value = serde_json::from_str(text).ok()?;
        if json.get("table").and_then(|t| t.as_str()) == Some(table) {
            let cols = json.get("columns")?.as_array()?;
            return Some(
                cols.iter()
                    .filter_map(|c| {
                        let name = c.get("name")?.as_str()?;
                        let ty = KqlType::parse(c.get("type")?.as_str()?)?;
                        Some(Column::new(name, ty))
                    })
                    .collect(),
            );
        }
    }
    None
}

/// Converts one JSON field into a value of the declared type.
fn json_to_typed(json: Option<&serde_json::Value>, ty: KqlType) -> Value {
    use serde_json::Value as J;
    let raw = match json {
        None | Some(J::Null) => Value::Null,
        Some(J::String(s)) => Value::str(s),
        Some(other) => Value::from_json(other),
    };
    match (ty, json) {
        // Objects/arrays in a string column keep their JSON text.
        (KqlType::String, Some(j @ (J::Object(_) | J::Array(_)))) => Value::str(&j.to_string()),
        _ => convert(&raw, ty),
    }
}

/// Past this many distinct values a column stops sharing equal strings (ids, timestamps): sharing
/// only pays for the many repeated values of columns like `Category` or `TenantId`.
const INTERN_LIMIT: usize = 4096;

/// The most columns a table gets, declared ones included. Log Analytics caps AzureDiagnostics at
/// 500 columns and puts the data of any further field into the dynamic `AdditionalFields` column
/// ("If the maximum number of 500 columns is reached, data for any additional columns is added to
/// a dynamic column": <https://learn.microsoft.com/azure/azure-monitor/reference/tables/azurediagnostics>,
/// see also `shared/reference/azure-logs.md` §1.5). Every table gets the same cap here: without it
/// a file whose records each bring new keys grows rows × keys cells (20,000 such records
/// exhausted 4 GiB), while folded fields cost only what their records hold.
pub const MAX_COLUMNS: usize = 500;

/// The dynamic property bag that receives the fields beyond [`MAX_COLUMNS`].
pub const OVERFLOW_COLUMN: &str = "AdditionalFields";

/// The longest NDJSON line read, in bytes: 16 times the Logs Ingestion API's 1 MB limit on a
/// whole call (<https://learn.microsoft.com/azure/azure-monitor/fundamentals/service-limits#logs-ingestion-api>),
/// so no record Log Analytics could hold is refused, while an endless line (a symlink to
/// `/dev/zero`) stops here instead of exhausting memory.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// Builds a table row by row as NDJSON lines arrive, so that memory holds the table, not the text
/// or a parsed copy of every record. A row stores only the columns that are *active*: every
/// declared column of a fixed-schema table, but for AzureDiagnostics only those some record has
/// (see [`TableBuilder::finish`]).
struct TableBuilder {
    name: String,
    /// Where the lines come from, for errors and warnings (a path, or `<name>.jsonl`).
    source: String,
    /// Declared columns first, then fields found outside the schema.
    columns: Vec<Column>,
    index: HashMap<String, usize>,
    declared: usize,
    /// The row slot of each column, once active.
    slot_of: Vec<Option<usize>>,
    /// The column of each slot.
    column_of: Vec<usize>,
    /// Each slot's value when a record lacks the field, built once and shared by every row.
    defaults: Vec<Value>,
    /// Per slot: equal strings shared until the column proves to hold mostly distinct values.
    interners: Vec<Option<HashMap<Arc<str>, ()>>>,
    rows: Vec<Vec<Value>>,
    /// The column of [`OVERFLOW_COLUMN`], once the table has one.
    overflow: Option<usize>,
    /// Field names folded into the overflow column, shared by the rows that carry them.
    folded_names: HashMap<Arc<str>, ()>,
    /// Field values folded into the overflow column.
    folded: u64,
}

/// AzureDiagnostics has no fixed schema in Log Analytics: a column exists once data populated it
/// (AMD azurediagnostics.md), which is why rules reach for `column_ifexists`.
fn sparse_schema(table: &str) -> bool {
    table == "AzureDiagnostics"
}

impl TableBuilder {
    fn new(name: &str, source: String) -> TableBuilder {
        let columns = known_schema(name).unwrap_or_default();
        let index: HashMap<String, usize> = columns.iter().enumerate().map(|(i, c)| (c.name.clone(), i)).collect();
        let mut builder = TableBuilder {
            name: name.to_owned(),
            source,
            declared: columns.len(),
            slot_of: vec![None; columns.len()],
            column_of: Vec::new(),
            defaults: Vec::new(),
            interners: Vec::new(),
            overflow: index.get(OVERFLOW_COLUMN).copied(),
            columns,
            index,
            rows: Vec::new(),
            folded_names: HashMap::new(),
            folded: 0,
        };
        if !sparse_schema(name) {
            for c in 0..builder.declared {
                builder.activate(c);
            }
        }
        builder
    }

    /// Gives column `c` a slot in every row (rows read so far get its default).
    fn activate(&mut self, c: usize) -> usize {
        if let Some(slot) = self.slot_of[c] {
            return slot;
        }
        let slot = self.column_of.len();
        let default = if c < self.declared {
            json_to_typed(None, self.columns[c].ty)
        } else {
            Value::Null
        };
        for row in &mut self.rows {
            row.push(default.clone());
        }
        self.slot_of[c] = Some(slot);
        self.column_of.push(c);
        self.defaults.push(default);
        self.interners.push(Some(HashMap::new()));
        slot
    }

    /// The slot of column `c` in `row`, the row being read, activating the column if needed.
    fn slot_in(&mut self, row: &mut Vec<Value>, c: usize) -> usize {
        if let Some(slot) = self.slot_of[c] {
            return slot;
        }
        let slot = self.activate(c);
        row.push(self.defaults[slot].clone());
        slot
    }

    /// Shares equal strings of a slot, until it proves to hold mostly distinct values.
    fn intern(&mut self, slot: usize, value: Value) -> Value {
        let Value::String(s) = &value else { return value };
        let Some(Some(set)) = self.interners.get_mut(slot) else {
            return value;
        };
        if let Some((shared, ())) = set.get_key_value(s) {
            return Value::String(shared.clone());
        }
        if set.len() >= INTERN_LIMIT {
            self.interners[slot] = None;
        } else {
            set.insert(s.clone(), ());
        }
        value
    }

    fn push_line(&mut self, number: usize, line: &str) -> Result<(), KqlError> {
        if line.trim().is_empty() {
            return Ok(());
        }
        // Fields go straight into the row's slots: no map of the whole record is built.
        let row = self.defaults.clone();
        let visitor = RowVisitor {
            builder: self,
            row,
            folded: Vec::new(),
        };
        let mut de = serde_json::Deserializer::from_str(line);
        let (mut row, folded) = serde::Deserializer::deserialize_map(&mut de, visitor)
            .and_then(|done| de.end().map(|()| done))
            .map_err(|e| json_error(&self.source, number, &e))?;
        if !folded.is_empty() {
            self.store_folded(&mut row, folded);
        }
        self.rows.push(row);
        Ok(())
    }

    /// Room for one more column of its own, keeping one for the overflow bag if it is not there yet.
    fn has_room(&self) -> bool {
        self.columns.len() + usize::from(self.overflow.is_none()) < MAX_COLUMNS
    }

    /// A new column, typed once all rows are in.
    fn add_column(&mut self, key: &str) -> usize {
        let c = self.columns.len();
        self.columns.push(Column::new(key, KqlType::Dynamic));
        self.index.insert(key.to_owned(), c);
        self.slot_of.push(None);
        if key == OVERFLOW_COLUMN {
            self.overflow = Some(c);
        }
        c
    }

    /// Stores one field of a record in its column's slot, making the column first if needed; past
    /// [`MAX_COLUMNS`] a field without a column goes to `folded`, the record's overflow bag.
    fn set_field(&mut self, row: &mut Vec<Value>, folded: &mut Bag, key: &str, field: &serde_json::Value) {
        let column = match self.index.get(key) {
            Some(&c) => c,
            None if self.has_room() => self.add_column(key),
            None => {
                self.folded += 1;
                let name = match self.folded_names.get_key_value(key) {
                    Some((shared, ())) => shared.clone(),
                    None => {
                        let name: Arc<str> = Arc::from(key);
                        self.folded_names.insert(name.clone(), ());
                        name
                    }
                };
                folded.push((name, raw_json(field)));
                return;
            }
        };
        let slot = self.slot_in(row, column);
        let value = if column < self.declared {
            json_to_typed(Some(field), self.columns[column].ty)
        } else {
            raw_json(field)
        };
        row[slot] = self.intern(slot, value);
    }

    /// Adds a record's folded fields to its overflow bag, after what the record's own
    /// `AdditionalFields` held (a value that is not a bag is kept under its own name).
    fn store_folded(&mut self, row: &mut Vec<Value>, folded: Bag) {
        let column = match self.overflow {
            Some(c) => c,
            None => self.add_column(OVERFLOW_COLUMN),
        };
        let slot = self.slot_in(row, column);
        let mut bag = match std::mem::take(&mut row[slot]) {
            Value::Bag(own) => Arc::unwrap_or_clone(own),
            Value::Null => Bag::new(),
            other => vec![(Arc::from(OVERFLOW_COLUMN), other)],
        };
        bag.extend(folded);
        row[slot] = Value::Bag(Arc::new(bag));
    }

    /// The once-per-table warning about fields folded into the overflow bag.
    fn warning(&self) -> Option<String> {
        if self.folded == 0 {
            return None;
        }
        let how = if sparse_schema(&self.name) {
            "as Log Analytics does"
        } else {
            "rather than dropping them"
        };
        Some(format!(
            "warning: {}: {} value(s) of {} field(s) beyond the {MAX_COLUMNS}-column limit of a Log Analytics table were folded into the dynamic column {OVERFLOW_COLUMN}, {how}; query them as {OVERFLOW_COLUMN}.<field>",
            self.source,
            self.folded,
            self.folded_names.len(),
        ))
    }

    fn finish(mut self) -> (Table, Option<String>) {
        let warning = self.warning();
        // Columns outside the schema get the type their values agree on.
        for (slot, &c) in self.column_of.iter().enumerate() {
            if c >= self.declared {
                let ty = infer_value_type(self.rows.iter().map(|r| &r[slot]));
                self.columns[c].ty = ty;
                for row in &mut self.rows {
                    row[slot] = convert(&row[slot], ty);
                }
            }
        }
        // Declared order first, then extras in the order found; an empty sparse table keeps its
        // declared columns so that queries over no data still resolve names.
        if sparse_schema(&self.name) && self.rows.is_empty() {
            for c in 0..self.declared {
                self.activate(c);
            }
        }
        let mut order: Vec<usize> = (0..self.column_of.len()).collect();
        order.sort_by_key(|&slot| self.column_of[slot]);
        let columns = order.iter().map(|&slot| self.columns[self.column_of[slot]].clone()).collect();
        if order.iter().enumerate().any(|(i, &slot)| i != slot) {
            for row in &mut self.rows {
                *row = order.iter().map(|&slot| std::mem::take(&mut row[slot])).collect();
            }
        }
        (Table { columns, rows: self.rows }, warning)
    }
}

/// A line that is not one JSON object, located by file, line and column.
fn json_error(source: &str, line: usize, e: &serde_json::Error) -> KqlError {
    let text = e.to_string();
    // serde_json appends " at line 1 column N", which is the position inside this one line.
    let message = text.rsplit_once(" at line ").map_or(text.as_str(), |(m, _)| m);
    KqlError::Data(format!(
        "{source}:{line}:{}: {message}; each line must hold one JSON object",
        e.column()
    ))
}

/// Reads one NDJSON record into a row of the builder's slots.
struct RowVisitor<'b> {
    builder: &'b mut TableBuilder,
    row: Vec<Value>,
    /// Fields beyond [`MAX_COLUMNS`], for the overflow bag.
    folded: Bag,
}

/// An object key, borrowed from the line unless it holds escapes.
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> serde::de::Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

impl<'de> serde::de::Visitor<'de> for RowVisitor<'_> {
    type Value = (Vec<Value>, Bag);

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(mut self, mut map: A) -> Result<Self::Value, A::Error> {
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            let field: serde_json::Value = map.next_value()?;
            self.builder.set_field(&mut self.row, &mut self.folded, &key, &field);
        }
        Ok((self.row, self.folded))
    }
}

/// A field outside the schema, in its natural type (strings stay strings for now).
fn raw_json(field: &serde_json::Value) -> Value {
    match field {
        serde_json::Value::String(s) => Value::str(s),
        other => Value::from_json(other),
    }
}

/// The type a column's values agree on: one type, Long and Real widen to Real, mixed to String.
fn infer_value_type<'a>(values: impl Iterator<Item = &'a Value>) -> KqlType {
    let mut ty: Option<KqlType> = None;
    for v in values {
        let t = match v {
            Value::Null => continue,
            Value::Bool(_) => KqlType::Bool,
            Value::Long(_) => KqlType::Long,
            Value::Real(_) => KqlType::Real,
            Value::String(s) if s.len() >= 10 && s.contains('T') && parse_datetime(s).is_some() => KqlType::DateTime,
            Value::String(_) => KqlType::String,
            _ => KqlType::Dynamic,
        };
        ty = Some(match (ty, t) {
            (None, t) => t,
            (Some(a), b) if a == b => a,
            (Some(KqlType::Long), KqlType::Real) | (Some(KqlType::Real), KqlType::Long) => KqlType::Real,
            (Some(KqlType::Dynamic), _) | (_, KqlType::Dynamic) => KqlType::Dynamic,
            _ => KqlType::String,
        });
    }
    ty.unwrap_or(KqlType::String)
}

/// Parses NDJSON text (one JSON object per line) into a table. Known tables use their declared
/// schema (fields not in it are appended with inferred types); unknown tables infer every column.
/// Fields beyond [`MAX_COLUMNS`] are folded into [`OVERFLOW_COLUMN`], without a warning: callers
/// that want it use [`load_jsonl_dir_with`].
pub fn table_from_ndjson(name: &str, text: &str) -> Result<Table, KqlError> {
    let mut builder = TableBuilder::new(name, format!("{name}.jsonl"));
    for (i, line) in text.lines().enumerate() {
        builder.push_line(i + 1, line)?;
    }
    Ok(builder.finish().0)
}

/// Reads one `.jsonl` file into a table, refusing what is not a regular file (a FIFO would block
/// forever) and lines longer than [`MAX_LINE_BYTES`].
fn load_jsonl_file(path: &Path, name: &str) -> Result<(Table, Option<String>), KqlError> {
    let data_error = |e: crate::input::InputError| KqlError::Data(e.to_string());
    let file = crate::input::open_regular(path).map_err(data_error)?;
    let source = path.display().to_string();
    let mut builder = TableBuilder::new(name, source.clone());
    let mut lines = crate::input::BoundedLines::new(std::io::BufReader::with_capacity(1 << 20, file), path, MAX_LINE_BYTES);
    // Counted here as well as by `lines`, whose line borrows it.
    let mut number = 0;
    while let Some(line) = lines.next_line() {
        number += 1;
        let line = line.map_err(data_error)?;
        let text = std::str::from_utf8(line).map_err(|e| {
            KqlError::Data(format!(
                "{source}:{number}:{}: the line is not UTF-8 text; NDJSON is UTF-8",
                e.valid_up_to() + 1
            ))
        })?;
        builder.push_line(number, text)?;
    }
    Ok(builder.finish())
}

/// Loads every `*.jsonl` file in `dir` as a table named by the file stem, line by line; warnings
/// (fields folded into [`OVERFLOW_COLUMN`]) are printed to stderr, once per table.
pub fn load_jsonl_dir(dir: &Path) -> Result<Catalog, KqlError> {
    load_jsonl_dir_with(dir, &mut |warning| eprintln!("{warning}"))
}

/// [`load_jsonl_dir`], handing each warning to `warn` instead of printing it.
pub fn load_jsonl_dir_with(dir: &Path, warn: &mut dyn FnMut(String)) -> Result<Catalog, KqlError> {
    let entries = std::fs::read_dir(dir).map_err(|e| KqlError::Data(format!("cannot read data directory {}: {e}", dir.display())))?;
    let mut catalog = Catalog::new();
    let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.extension().and_then(|e| e.to_str()) != Some("jsonl") {
            continue;
        }
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let (table, warning) = load_jsonl_file(&path, stem)?;
        if let Some(warning) = warning {
            warn(warning);
        }
        catalog.insert(stem, table);
    }
    Ok(catalog)
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

    #[test]
    fn ndjson_loads_declared_and_inferred() {
        let t = table_from_ndjson(
            "Custom",
            "{\"a\":1,\"t\":\"2026-11-28T10:15:02.1234567Z\",\"d\":{\"x\":1}}\n{\"a\":2.5}\n",
        )
        .expect("loads");
        assert_eq!(t.columns[0].ty, KqlType::Real);
        assert_eq!(t.columns[1].ty, KqlType::DateTime);
        assert_eq!(t.columns[2].ty, KqlType::Dynamic);
        assert_eq!(t.rows.len(), 2);
        let s = table_from_ndjson("AuditLogs", "{\"OperationName\":\"x\"}").expect("loads");
        assert_eq!(s.get(0, "Category"), Some(&Value::str("")));
        assert_eq!(s.get(0, "InitiatedBy"), Some(&Value::Null));
    }

    #[test]
    fn azure_diagnostics_keeps_only_populated_columns_and_shares_repeated_strings() {
        let t = table_from_ndjson(
            "AzureDiagnostics",
            "{\"Category\":\"AuditEvent\",\"TimeGenerated\":\"2026-11-28T10:15:02.1234567Z\",\"httpStatusCode_d\":200}\n{\"Category\":\"AuditEvent\"}\n",
        )
        .expect("loads");
        assert_eq!(
            t.columns.len(),
            3,
            "only the populated columns of the 290 declared: {:?}",
            t.column_names()
        );
        assert_eq!(t.get(0, "httpStatusCode_d"), Some(&Value::Real(200.0)));
        assert_eq!(t.get(1, "httpStatusCode_d"), Some(&Value::Null));
        let (Some(Value::String(a)), Some(Value::String(b))) = (t.get(0, "Category"), t.get(1, "Category")) else {
            panic!()
        };
        assert!(Arc::ptr_eq(a, b), "equal strings of a column share one allocation");
    }
}
