//! `estimate --format usage`: the estimate as rows of Log Analytics' `Usage` table (one per table
//! and day, as NDJSON), so the usage queries people already run on a workspace run on the
//! estimate: `tenantless query --data DIR 'Usage | where IsBillable | summarize sum(Quantity) / 1000
//! by DataType'` once the output is saved as `DIR/Usage.jsonl`.
//!
//! The real table is hourly (StartTime to EndTime spans an hour); the estimate knows days, so each
//! row spans its day: daily and total figures agree with a real workspace's, hourly charts do not.

use super::report::Report;
use crate::tables::Table;
use serde_json::{Value, json};
use std::fmt::Write;

/// Bytes per `Quantity` unit: the docs give Quantity in MB and their queries divide by 1000 for GB
/// (GB being 10^9 bytes, as billing counts).
const BYTES_PER_MB: f64 = 1e6;

/// The `Usage` rows of a report, one NDJSON line each, day by day and table by table.
pub fn ndjson(report: &Report) -> String {
    let mut out = String::new();
    let Ok(first) = chrono::NaiveDate::parse_from_str(&report.start[..10.min(report.start.len())], "%Y-%m-%d") else {
        return out;
    };
    for (d, day) in report.daily.iter().enumerate() {
        let start = first + chrono::Days::new(d as u64);
        for (table, gb) in &day.gb {
            let _ = writeln!(out, "{}", row(start, table, *gb));
        }
    }
    out
}

/// One day's row of one table.
fn row(day: chrono::NaiveDate, table: &str, gb: f64) -> Value {
    let start = format!("{}T00:00:00.0000000Z", day.format("%Y-%m-%d"));
    let end = format!("{}T00:00:00.0000000Z", (day + chrono::Days::new(1)).format("%Y-%m-%d"));
    let billable = Table::ALL.iter().find(|t| t.name() == table).is_none_or(|t| t.billable());
    json!({
        "TimeGenerated": start,
        "StartTime": start,
        "EndTime": end,
        "DataType": table,
        "Solution": "LogManagement",
        "Quantity": gb * 1e9 / BYTES_PER_MB,
        "QuantityUnit": "MBytes",
        "IsBillable": billable,
        "SourceSystem": "OMS",
        "Type": "Usage",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_spans_its_day_in_megabytes() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let r = row(day, "AuditLogs", 0.25);
        assert_eq!(r["StartTime"], "2026-11-30T00:00:00.0000000Z");
        assert_eq!(r["EndTime"], "2026-12-01T00:00:00.0000000Z");
        assert_eq!(r["Quantity"], 250.0);
        assert_eq!(r["IsBillable"], true);
        assert_eq!(row(day, "AzureActivity", 1.0)["IsBillable"], false);
    }
}
