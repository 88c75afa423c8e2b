//! `estimate --calibrate FILE`: a small real sample of the user's own workspace — the result of
//! `summarize count(), avg(_BilledSize) by Type`, exported as CSV (the portal's export) or JSON
//! (`az monitor log-analytics query` prints an array of objects, numbers as strings) — compared
//! with the estimate table by table.

use crate::verify::error::FileError;
use serde::Serialize;
use std::path::Path;

/// Sample files larger than this are refused: the sample is a few rows, one per table.
const MAX_SAMPLE_BYTES: u64 = 1 << 20;
/// Column names the table's name may have.
const TYPE_COLUMNS: [&str; 2] = ["Type", "DataType"];
/// Column names the row count may have (`count()` names its column `count_`).
const COUNT_COLUMNS: [&str; 3] = ["count_", "Count", "count"];
/// Column names the mean billed size may have (`avg(_BilledSize)` names it `avg__BilledSize`).
const SIZE_COLUMNS: [&str; 3] = ["avg__BilledSize", "AvgBilledSize", "avg_BilledSize"];

/// One table of the sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Sampled {
    /// The table (`Type`).
    pub table: String,
    /// Rows in the sample's time range, when the sample has them.
    pub rows: Option<f64>,
    /// Mean `_BilledSize`, when the sample has it.
    pub bytes_per_row: Option<f64>,
}

/// Reads a sample file.
pub fn load(path: &Path) -> Result<Vec<Sampled>, FileError> {
    let text = crate::input::read_text(path, MAX_SAMPLE_BYTES)?;
    let records = if text.trim_start().starts_with('[') {
        json_records(path, &text)?
    } else {
        crate::kql::external::csv_records(&text)
    };
    let invalid = |line: usize, message: String| FileError::invalid(path, &text, Some((line, 1)), message);
    let Some((header, rows)) = records.split_first() else {
        return Err(invalid(
            1,
            "the sample is empty: export `summarize count(), avg(_BilledSize) by Type` from your workspace".into(),
        ));
    };
    let find = |names: &[&str]| header.iter().position(|h| names.contains(&h.trim()));
    let Some(type_at) = find(&TYPE_COLUMNS) else {
        return Err(invalid(
            1,
            format!("no `Type` column among {header:?}: the sample must come from `summarize … by Type`"),
        ));
    };
    let (count_at, size_at) = (find(&COUNT_COLUMNS), find(&SIZE_COLUMNS));
    if count_at.is_none() && size_at.is_none() {
        return Err(invalid(
            1,
            format!(
                "neither `count_` nor `avg__BilledSize` among {header:?}: the sample must come from `summarize count(), avg(_BilledSize) by Type`"
            ),
        ));
    }
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            let number = |at: Option<usize>| -> Result<Option<f64>, FileError> {
                let Some(at) = at else { return Ok(None) };
                let cell = row.get(at).map_or("", |c| c.trim());
                cell.replace(',', "")
                    .parse::<f64>()
                    .map(Some)
                    .map_err(|_| invalid(i + 2, format!("`{cell}` is not a number (column {})", header[at])))
            };
            Ok(Sampled {
                table: row.get(type_at).map_or_else(String::new, |t| t.trim().to_owned()),
                rows: number(count_at)?,
                bytes_per_row: number(size_at)?,
            })
        })
        .collect()
}

/// An array of JSON objects as records: the first object's keys, then each object's values.
fn json_records(path: &Path, text: &str) -> Result<Vec<Vec<String>>, FileError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| FileError::invalid(path, text, Some((e.line(), e.column())), e.to_string()))?;
    let objects: Vec<&serde_json::Map<String, serde_json::Value>> =
        value.as_array().into_iter().flatten().filter_map(|v| v.as_object()).collect();
    let Some(first) = objects.first() else { return Ok(Vec::new()) };
    let header: Vec<String> = first.keys().cloned().collect();
    let cell = |v: Option<&serde_json::Value>| match v {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let mut records = vec![header.clone()];
    records.extend(objects.iter().map(|o| header.iter().map(|k| cell(o.get(k))).collect()));
    Ok(records)
}

/// One table of the sample against the estimate.
#[derive(Debug, Clone, Serialize)]
pub struct Calibration {
    /// The table.
    pub table: String,
    /// The sample's rows per day (when it has rows and `--calibrate-days` was given).
    pub sample_rows_per_day: Option<f64>,
    /// The estimate's rows per day (`None`: tenantless does not simulate the table).
    pub estimate_rows_per_day: Option<f64>,
    /// Sample / estimate, rows per day.
    pub rows_ratio: Option<f64>,
    /// The sample's mean billed bytes per row.
    pub sample_bytes_per_row: Option<f64>,
    /// The estimate's.
    pub estimate_bytes_per_row: Option<f64>,
    /// Sample / estimate, bytes per row.
    pub bytes_ratio: Option<f64>,
}

/// Compares each sampled table with the estimate's line for it (`(rows/day, bytes/row)` by table).
pub fn compare(sample: &[Sampled], days: Option<f64>, estimate: &dyn Fn(&str) -> Option<(f64, f64)>) -> Vec<Calibration> {
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    };
    sample
        .iter()
        .map(|s| {
            let est = estimate(&s.table);
            let sample_rows = s.rows.zip(days.filter(|d| *d > 0.0)).map(|(r, d)| r / d);
            let (est_rows, est_bytes) = (est.map(|e| e.0), est.map(|e| e.1));
            Calibration {
                table: s.table.clone(),
                sample_rows_per_day: sample_rows,
                estimate_rows_per_day: est_rows,
                rows_ratio: ratio(sample_rows, est_rows),
                sample_bytes_per_row: s.bytes_per_row,
                estimate_bytes_per_row: est_bytes,
                bytes_ratio: ratio(s.bytes_per_row, est_bytes),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    /// The portal's CSV export and `az monitor log-analytics query`'s JSON (numbers as strings)
    /// read alike.
    #[test]
    fn csv_and_json_exports_read_alike() {
        let (_d, csv) = write(
            "s.csv",
            "Type,count_,avg__BilledSize\nAuditLogs,\"1,200\",1500.5\nSigninLogs,10,900\n",
        );
        let (_e, json) = write(
            "s.json",
            r#"[{"Type":"AuditLogs","count_":"1200","avg__BilledSize":"1500.5"},{"Type":"SigninLogs","count_":10,"avg__BilledSize":900}]"#,
        );
        let a = load(&csv).unwrap();
        assert_eq!(a, load(&json).unwrap());
        assert_eq!(
            a[0],
            Sampled {
                table: "AuditLogs".into(),
                rows: Some(1200.0),
                bytes_per_row: Some(1500.5)
            }
        );
    }

    #[test]
    fn a_sample_without_the_columns_or_with_a_bad_number_is_a_located_error() {
        let (_d, path) = write("s.csv", "Table,Rows\nAuditLogs,3\n");
        let error = load(&path).unwrap_err().to_string();
        assert!(error.contains("s.csv:1:1") && error.contains("no `Type` column"), "{error}");
        let (_e, path) = write("t.csv", "Type,count_\nAuditLogs,3\nSigninLogs,many\n");
        let error = load(&path).unwrap_err().to_string();
        assert!(error.contains("t.csv:3:1") && error.contains("`many` is not a number"), "{error}");
    }

    #[test]
    fn ratios_compare_the_sample_with_the_estimate() {
        let sample = [
            Sampled {
                table: "AuditLogs".into(),
                rows: Some(700.0),
                bytes_per_row: Some(1500.0),
            },
            Sampled {
                table: "SigninLogs".into(),
                rows: Some(10.0),
                bytes_per_row: None,
            },
        ];
        let estimate = |t: &str| (t == "AuditLogs").then_some((50.0, 1000.0));
        let c = compare(&sample, Some(7.0), &estimate);
        assert_eq!(c[0].rows_ratio, Some(2.0));
        assert_eq!(c[0].bytes_ratio, Some(1.5));
        assert_eq!((c[1].estimate_rows_per_day, c[1].rows_ratio), (None, None));
        assert_eq!(compare(&sample, None, &estimate)[0].rows_ratio, None);
    }
}
