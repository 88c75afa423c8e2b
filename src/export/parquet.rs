//! Parquet table files (`generate --format parquet`): each table's records as typed columns, for
//! Azure Data Explorer / Eventhouse, Spark, Databricks and DuckDB.
//!
//! Each column's Parquet type is the one ADX's Parquet ingestion converts to the column's
//! documented Kusto type (dataexplorer-docs `kusto/management/parquet-mapping.md`, "Parquet type
//! conversions"): `guid` as `UUID` (ADX takes no `STRING` into a `guid`), `dynamic` as `JSON`,
//! `datetime` as `TIMESTAMP` in microseconds adjusted to UTC, `int`/`long` as `INT32`/`INT64`,
//! `real` as `DOUBLE`, `bool` as `BOOLEAN`, the rest as `STRING`. Microseconds, not nanoseconds,
//! because Spark reads no nanosecond timestamps by default: the seventh fractional digit of
//! `TimeGenerated` (100 ns) is dropped. Every column is optional: an absent field or a JSON null
//! is a null.

use super::ExportError;
use ::parquet::basic::{Compression, LogicalType, Repetition, TimeUnit, Type as Physical};
use ::parquet::column::writer::ColumnWriter;
use ::parquet::data_type::{ByteArray, FixedLenByteArray};
use ::parquet::file::properties::WriterProperties;
use ::parquet::file::writer::SerializedFileWriter;
use ::parquet::schema::types::Type;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

/// Rows per row group: enough for the columns to compress, few enough that the widest table
/// (AzureDiagnostics, a hundred columns) buffers tens of MB, not hundreds.
pub const ROW_GROUP_ROWS: usize = 16_384;

/// How a column's values are stored, by its Kusto type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// `STRING` (UTF-8 byte array): `string`, `timespan` and anything unknown.
    String,
    /// `JSON` (byte array): `dynamic`, as JSON text.
    Json,
    /// `UUID` (16-byte fixed array): `guid`.
    Guid,
    /// `TIMESTAMP(MICROS, UTC)` (int64): `datetime`.
    Timestamp,
    /// `INT32`: `int`.
    Int,
    /// `INT64`: `long`.
    Long,
    /// `DOUBLE`: `real`, `decimal`.
    Real,
    /// `BOOLEAN`: `bool`.
    Bool,
}

impl Storage {
    /// The storage of a Kusto type as the schema files spell it.
    pub fn of(kusto: &str) -> Storage {
        match kusto {
            "dynamic" => Storage::Json,
            "guid" => Storage::Guid,
            "datetime" => Storage::Timestamp,
            "int" => Storage::Int,
            "long" => Storage::Long,
            "real" | "decimal" => Storage::Real,
            "bool" | "boolean" => Storage::Bool,
            _ => Storage::String,
        }
    }

    fn field(self, name: &str) -> Result<Type, ::parquet::errors::ParquetError> {
        let (physical, logical) = match self {
            Storage::String => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
            Storage::Json => (Physical::BYTE_ARRAY, Some(LogicalType::Json)),
            Storage::Guid => (Physical::FIXED_LEN_BYTE_ARRAY, Some(LogicalType::Uuid)),
            Storage::Timestamp => (Physical::INT64, Some(LogicalType::timestamp(true, TimeUnit::MICROS))),
            Storage::Int => (Physical::INT32, None),
            Storage::Long => (Physical::INT64, None),
            Storage::Real => (Physical::DOUBLE, None),
            Storage::Bool => (Physical::BOOLEAN, None),
        };
        let builder = Type::primitive_type_builder(name, physical)
            .with_repetition(Repetition::OPTIONAL)
            .with_logical_type(logical);
        match self {
            Storage::Guid => builder.with_length(16).build(),
            _ => builder.build(),
        }
    }
}

/// One column's values of the row group being filled.
enum Values {
    Bytes(Vec<ByteArray>),
    Fixed(Vec<FixedLenByteArray>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    F64(Vec<f64>),
    Bool(Vec<bool>),
}

struct ColumnBuffer {
    name: String,
    kusto: String,
    storage: Storage,
    /// Definition levels: 1 for a value, 0 for a null.
    defs: Vec<i16>,
    values: Values,
}

impl ColumnBuffer {
    fn new(name: &str, kusto: &str) -> Self {
        let storage = Storage::of(kusto);
        let values = match storage {
            Storage::String | Storage::Json => Values::Bytes(Vec::new()),
            Storage::Guid => Values::Fixed(Vec::new()),
            Storage::Timestamp | Storage::Long => Values::I64(Vec::new()),
            Storage::Int => Values::I32(Vec::new()),
            Storage::Real => Values::F64(Vec::new()),
            Storage::Bool => Values::Bool(Vec::new()),
        };
        Self {
            name: name.to_owned(),
            kusto: kusto.to_owned(),
            storage,
            defs: Vec::with_capacity(ROW_GROUP_ROWS),
            values,
        }
    }

    /// Appends one record's value (`None`: the record lacks the field); an error says what the
    /// value is that the column's type cannot hold.
    fn push(&mut self, value: Option<&Value>) -> Result<(), String> {
        let empty = |s: &str| s.is_empty() && matches!(self.storage, Storage::Guid | Storage::Timestamp);
        // Absent, null, or an empty guid or time (which no such value can stand for): a null.
        let value = match value {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if empty(s) => None,
            Some(v) => Some(v),
        };
        let Some(value) = value else {
            self.defs.push(0);
            return Ok(());
        };
        let refused = || format!("column `{}` is `{}` but holds {value}", self.name, self.kusto);
        match (&mut self.values, self.storage) {
            (Values::Bytes(out), Storage::Json) => out.push(ByteArray::from(value.to_string().into_bytes())),
            (Values::Bytes(out), _) => out.push(match value {
                Value::String(s) => ByteArray::from(s.as_bytes().to_vec()),
                other => ByteArray::from(other.to_string().into_bytes()),
            }),
            (Values::Fixed(out), _) => {
                let guid = value.as_str().and_then(|s| uuid::Uuid::parse_str(s).ok()).ok_or_else(refused)?;
                out.push(FixedLenByteArray::from(guid.as_bytes().to_vec()));
            }
            (Values::I64(out), Storage::Timestamp) => {
                let time = value.as_str().and_then(crate::timefmt::parse_ts).ok_or_else(refused)?;
                out.push(time.timestamp_micros());
            }
            (Values::I64(out), _) => out.push(whole(value).ok_or_else(refused)?),
            (Values::I32(out), _) => out.push(whole(value).and_then(|n| i32::try_from(n).ok()).ok_or_else(refused)?),
            (Values::F64(out), _) => out.push(value.as_f64().ok_or_else(refused)?),
            (Values::Bool(out), _) => out.push(value.as_bool().ok_or_else(refused)?),
        }
        self.defs.push(1);
        Ok(())
    }

    /// Writes the buffered values as the row group's column and empties the buffer.
    fn write_into(&mut self, writer: &mut ColumnWriter<'_>) -> ::parquet::errors::Result<()> {
        let defs = Some(self.defs.as_slice());
        match (&mut self.values, writer) {
            (Values::Bytes(v), ColumnWriter::ByteArrayColumnWriter(w)) => w.write_batch(v, defs, None).map(|_| v.clear()),
            (Values::Fixed(v), ColumnWriter::FixedLenByteArrayColumnWriter(w)) => w.write_batch(v, defs, None).map(|_| v.clear()),
            (Values::I32(v), ColumnWriter::Int32ColumnWriter(w)) => w.write_batch(v, defs, None).map(|_| v.clear()),
            (Values::I64(v), ColumnWriter::Int64ColumnWriter(w)) => w.write_batch(v, defs, None).map(|_| v.clear()),
            (Values::F64(v), ColumnWriter::DoubleColumnWriter(w)) => w.write_batch(v, defs, None).map(|_| v.clear()),
            (Values::Bool(v), ColumnWriter::BoolColumnWriter(w)) => w.write_batch(v, defs, None).map(|_| v.clear()),
            _ => Err(::parquet::errors::ParquetError::General(format!(
                "column `{}`: writer of another type",
                self.name
            ))),
        }?;
        self.defs.clear();
        Ok(())
    }
}

/// A whole number: an integer, or a float without a fraction (`1.0`).
fn whole(value: &Value) -> Option<i64> {
    value
        .as_i64()
        .or_else(|| value.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64))
}

/// The columns of `table`'s Parquet file: its documented columns in order, then every other field
/// its records hold, typed by their values (as the ADX kit declares them).
pub fn columns_of(table: &str, source: &Path) -> Result<Vec<(String, String)>, ExportError> {
    let mut columns = crate::kql::table::documented_columns(table).unwrap_or_default();
    super::for_each_record(source, |_, _, record| {
        super::note_columns(&mut columns, record);
        Ok(())
    })?;
    for (_, ty) in &mut columns {
        if ty == "?" {
            *ty = "string".to_owned(); // a field that is only ever null
        }
    }
    Ok(columns)
}

/// Writes `source`'s records (a table file) to `target` as Parquet; the rows written.
pub fn convert(table: &str, source: &Path, target: &Path) -> Result<u64, ExportError> {
    let columns = columns_of(table, source)?;
    let failed = |e: ::parquet::errors::ParquetError| ExportError::Input(format!("writing {}: {e}", target.display()));
    let fields = columns
        .iter()
        .map(|(name, ty)| Storage::of(ty).field(name).map(Arc::new))
        .collect::<Result<Vec<_>, _>>()
        .map_err(failed)?;
    let schema = Type::group_type_builder("schema").with_fields(fields).build().map_err(failed)?;
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_created_by(format!("tenantless {}", env!("CARGO_PKG_VERSION")))
        .build();
    let file = std::fs::File::create(target).map_err(|e| ExportError::io(target, e))?;
    let mut writer = SerializedFileWriter::new(file, Arc::new(schema), Arc::new(properties)).map_err(failed)?;
    let mut buffers: Vec<ColumnBuffer> = columns.iter().map(|(name, ty)| ColumnBuffer::new(name, ty)).collect();
    let (mut rows, mut buffered) = (0u64, 0usize);
    super::for_each_record(source, |line, _, record| {
        for buffer in &mut buffers {
            let value = record.get(&buffer.name);
            buffer
                .push(value)
                .map_err(|why| ExportError::Input(format!("{}:{line}: {why}", source.display())))?;
        }
        rows += 1;
        buffered += 1;
        if buffered == ROW_GROUP_ROWS {
            write_row_group(&mut writer, &mut buffers).map_err(failed)?;
            buffered = 0;
        }
        Ok(())
    })?;
    if buffered > 0 {
        write_row_group(&mut writer, &mut buffers).map_err(failed)?;
    }
    writer.close().map_err(failed)?;
    Ok(rows)
}

fn write_row_group<W: std::io::Write + Send>(
    writer: &mut SerializedFileWriter<W>,
    buffers: &mut [ColumnBuffer],
) -> ::parquet::errors::Result<()> {
    let mut group = writer.next_row_group()?;
    for buffer in buffers.iter_mut() {
        let Some(mut column) = group.next_column()? else {
            break;
        };
        buffer.write_into(column.untyped())?;
        column.close()?;
    }
    group.close()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::parquet::file::reader::{FileReader, SerializedFileReader};
    use ::parquet::record::Field;

    type Row = Vec<(String, Field)>;

    fn converted(table: &str, lines: &[&str]) -> (Vec<(String, String)>, Vec<Row>) {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join(format!("{table}.jsonl"));
        std::fs::write(&source, lines.join("\n")).unwrap();
        let target = dir.path().join("t.parquet");
        let rows = convert(table, &source, &target).unwrap();
        assert_eq!(rows as usize, lines.len());
        let columns = columns_of(table, &source).unwrap();
        let reader = SerializedFileReader::new(std::fs::File::open(&target).unwrap()).unwrap();
        let read = reader
            .get_row_iter(None)
            .unwrap()
            .map(|row| row.unwrap().get_column_iter().map(|(n, f)| (n.clone(), f.clone())).collect())
            .collect();
        (columns, read)
    }

    fn field<'r>(row: &'r [(String, Field)], name: &str) -> &'r Field {
        &row.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no {name}")).1
    }

    #[test]
    fn documented_columns_keep_their_types_and_extra_fields_are_typed_by_value() {
        let (columns, rows) = converted(
            "AzureDiagnostics",
            &[
                r#"{"TimeGenerated":"2026-11-27T01:30:40.8189678Z","identity_claim_appid_g":"54c0cee9-7557-4c36-8086-6d7e57a3532a","ResultType":"Success","isAccessPolicyMatch_b":true,"DurationMs":12,"Extra_d":{"a":[1,"x"]}}"#,
                r#"{"TimeGenerated":"2026-11-27T01:31:00Z","identity_claim_appid_g":"","ResultType":"Success"}"#,
            ],
        );
        assert_eq!(columns.last().unwrap(), &("Extra_d".to_owned(), "dynamic".to_owned()));
        let first = &rows[0];
        // The 100 ns digit is dropped: microseconds.
        assert_eq!(field(first, "TimeGenerated"), &Field::TimestampMicros(1_795_743_040_818_967));
        let guid = uuid::Uuid::parse_str("54c0cee9-7557-4c36-8086-6d7e57a3532a").unwrap();
        assert!(
            matches!(field(first, "identity_claim_appid_g"), Field::Bytes(b) if b.data() == guid.as_bytes()),
            "{:?}",
            field(first, "identity_claim_appid_g")
        );
        assert_eq!(field(first, "ResultType"), &Field::Str("Success".into()));
        assert_eq!(field(first, "isAccessPolicyMatch_b"), &Field::Bool(true));
        assert_eq!(field(first, "DurationMs"), &Field::Long(12));
        assert_eq!(
            field(first, "Extra_d"),
            &Field::Str(r#"{"a":[1,"x"]}"#.into()),
            "dynamic as JSON text"
        );
        assert_eq!(field(&rows[1], "identity_claim_appid_g"), &Field::Null, "an empty guid is a null");
        assert_eq!(field(&rows[1], "Extra_d"), &Field::Null);
    }

    #[test]
    fn a_value_its_column_cannot_hold_is_an_error_at_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("AuditLogs.jsonl");
        std::fs::write(
            &source,
            "{\"TimeGenerated\":\"2026-11-27T01:30:40Z\"}\n{\"TimeGenerated\":\"soon\"}\n",
        )
        .unwrap();
        let error = convert("AuditLogs", &source, &dir.path().join("t.parquet"))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("AuditLogs.jsonl:2: column `TimeGenerated` is `datetime` but holds \"soon\""),
            "{error}"
        );
    }

    #[test]
    fn more_rows_than_a_row_group_are_split_into_several() {
        let line = r#"{"TimeGenerated":"2026-11-27T01:30:40Z","OperationName":"Add service principal"}"#;
        let lines = vec![line; ROW_GROUP_ROWS + 5];
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("AuditLogs.jsonl");
        std::fs::write(&source, lines.join("\n")).unwrap();
        let target = dir.path().join("t.parquet");
        assert_eq!(convert("AuditLogs", &source, &target).unwrap(), (ROW_GROUP_ROWS + 5) as u64);
        let reader = SerializedFileReader::new(std::fs::File::open(&target).unwrap()).unwrap();
        assert_eq!(reader.metadata().num_row_groups(), 2);
        assert_eq!(reader.metadata().file_metadata().num_rows(), (ROW_GROUP_ROWS + 5) as i64);
    }
}
