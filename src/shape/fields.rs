//! Reading a Log Analytics record's columns while its diagnostic-settings form is built, noting
//! which ones were read so that tests can tell that no column is dropped unawares.

use super::ShapeError;
use crate::tables::Table;
use serde_json::{Map, Value};
use std::cell::RefCell;

/// The columns of one Log Analytics record.
pub struct Columns<'r> {
    table: Table,
    record: &'r Map<String, Value>,
    read: RefCell<Vec<&'r str>>,
}

impl<'r> Columns<'r> {
    /// The columns of `record`, a record of `table`.
    pub fn new(table: Table, record: &'r Map<String, Value>) -> Self {
        Self {
            table,
            record,
            read: RefCell::new(Vec::new()),
        }
    }

    /// The table the record is in.
    pub fn table(&self) -> Table {
        self.table
    }

    fn error(&self, column: &str, problem: &'static str) -> ShapeError {
        ShapeError::Column {
            table: self.table.name(),
            column: column.to_owned(),
            problem,
        }
    }

    /// The column's value, if the record has it.
    pub fn get(&self, column: &str) -> Option<&'r Value> {
        let (name, value) = self.record.get_key_value(column)?;
        self.read.borrow_mut().push(name.as_str());
        Some(value)
    }

    /// The column's value; an error when the record lacks it.
    pub fn value(&self, column: &str) -> Result<Value, ShapeError> {
        self.get(column).cloned().ok_or_else(|| self.error(column, "is missing"))
    }

    /// A string column's text; an error when missing or not a string.
    pub fn text(&self, column: &str) -> Result<&'r str, ShapeError> {
        match self.get(column) {
            Some(Value::String(s)) => Ok(s),
            Some(_) => Err(self.error(column, "is not a string")),
            None => Err(self.error(column, "is missing")),
        }
    }

    /// A string column's text when the record has it and it is not empty.
    pub fn non_empty(&self, column: &str) -> Option<&'r str> {
        match self.get(column) {
            Some(Value::String(s)) if !s.is_empty() => Some(s),
            _ => None,
        }
    }

    /// A column Log Analytics keeps as JSON text, parsed back into the JSON it was; `None` when
    /// the record lacks it or it is empty.
    pub fn json(&self, column: &str) -> Result<Option<Value>, ShapeError> {
        match self.get(column) {
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => serde_json::from_str(s)
                .map(Some)
                .map_err(|_| self.error(column, "is not JSON text")),
            Some(other) => Ok(Some(other.clone())),
            None => Ok(None),
        }
    }

    /// A string column holding a whole number, as that number.
    pub fn number(&self, column: &str) -> Result<Value, ShapeError> {
        let text = self.text(column)?;
        text.parse::<i64>()
            .map(Value::from)
            .map_err(|_| self.error(column, "is not a whole number"))
    }

    /// The columns the record has that no call has read, in the record's order.
    pub fn unread(&self) -> Vec<&'r str> {
        let read = self.read.borrow();
        self.record.keys().map(String::as_str).filter(|k| !read.contains(k)).collect()
    }
}

/// An instant as Entra's own `properties` write it, with `+00:00` for `Z` (azure-logs.md §2.1:
/// `createdDateTime`, §2.4: `activityDateTime`).
pub fn entra_time(value: &Value) -> Value {
    match value.as_str().and_then(|t| t.strip_suffix('Z')) {
        Some(stem) => Value::String(format!("{stem}+00:00")),
        None => value.clone(),
    }
}

/// Copies the columns of `mapping` the record has into `into`, under their export names;
/// `Json` columns parsed back from their JSON text. Columns the record lacks are skipped: the
/// two sign-in tables differ in a few.
pub fn copy(columns: &Columns<'_>, mapping: &[(&str, &'static str, Kind)], into: &mut Map<String, Value>) -> Result<(), ShapeError> {
    for &(column, name, kind) in mapping {
        let value = match kind {
            Kind::Copy => columns.get(column).cloned(),
            Kind::Time => columns.get(column).map(entra_time),
            Kind::Json => columns.json(column)?,
        };
        if let Some(value) = value {
            into.insert(name.to_owned(), value);
        }
    }
    Ok(())
}

/// How a column's value moves into `properties`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// As it is.
    Copy,
    /// An instant, in Entra's `+00:00` form.
    Time,
    /// JSON text, parsed.
    Json,
}
