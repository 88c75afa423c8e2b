//! Tables, the catalog of named tables, and loading NDJSON files with declared column types.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::error::KqlError;
use super::value::{KqlType, Value, convert, parse_datetime};

/// A named, typed column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
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
    pub columns: Vec<Column>,
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
    pub fn insert(&mut self, name: impl Into<String>, table: Table) {
        self.tables.insert(name.into(), Arc::new(table));
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

/// Infers a column type from the JSON values seen for it.
fn infer_type(values: &[&serde_json::Value]) -> KqlType {
    use serde_json::Value as J;
    let mut ty: Option<KqlType> = None;
    for v in values {
        let t = match v {
            J::Null => continue,
            J::Bool(_) => KqlType::Bool,
            J::Number(n) if n.is_i64() => KqlType::Long,
            J::Number(_) => KqlType::Real,
            J::String(s) if s.len() >= 10 && s.contains('T') && parse_datetime(s).is_some() => KqlType::DateTime,
            J::String(_) => KqlType::String,
            J::Array(_) | J::Object(_) => KqlType::Dynamic,
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
pub fn table_from_ndjson(name: &str, text: &str) -> Result<Table, KqlError> {
    let mut records = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let json: serde_json::Value =
            serde_json::from_str(line).map_err(|e| KqlError::Data(format!("{name}.jsonl line {}: {e}", i + 1)))?;
        match json {
            serde_json::Value::Object(map) => records.push(map),
            _ => {
                return Err(KqlError::Data(format!("{name}.jsonl line {}: expected a JSON object", i + 1)));
            }
        }
    }
    let mut columns = known_schema(name).unwrap_or_default();
    let mut extra: Vec<String> = Vec::new();
    for rec in &records {
        for key in rec.keys() {
            if !columns.iter().any(|c| &c.name == key) && !extra.contains(key) {
                extra.push(key.clone());
            }
        }
    }
    for key in extra {
        let values: Vec<&serde_json::Value> = records.iter().filter_map(|r| r.get(&key)).collect();
        columns.push(Column::new(key, infer_type(&values)));
    }
    let rows = records
        .iter()
        .map(|rec| columns.iter().map(|c| json_to_typed(rec.get(&c.name), c.ty)).collect())
        .collect();
    Ok(Table { columns, rows })
}

/// Loads every `*.jsonl` file in `dir` as a table named by the file stem.
pub fn load_jsonl_dir(dir: &Path) -> Result<Catalog, KqlError> {
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
        let text = std::fs::read_to_string(&path).map_err(|e| KqlError::Data(format!("cannot read {}: {e}", path.display())))?;
        let table = table_from_ndjson(stem, &text)?;
        catalog.insert(stem, table);
    }
    Ok(catalog)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
