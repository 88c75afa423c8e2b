//! Benchmark support: a synthetic, deterministic sign-in catalog of any size, and timing of queries
//! over it (used by `benches/kql_rules.rs`; figures in the README).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::table::{Catalog, Table, known_schema};
use super::value::{KqlType, TICKS_PER_SECOND, Value, ticks_from_chrono};
use super::{KqlError, RunOptions, run};

/// Builds `AADServicePrincipalSignInLogs` with `rows` sign-ins over the day before `now` (1 in 100
/// failed, 1,000 service principals, 5,000 IPs), and `AuditLogs` with one credential change per
/// service principal. Deterministic: the same arguments give the same tables.
pub fn synthetic_catalog(rows: usize, now: DateTime<Utc>) -> Catalog {
    let end = ticks_from_chrono(&now);
    let day = 86_400 * TICKS_PER_SECOND;
    let sp_names: Vec<Value> = (0..1000).map(|i| Value::str(&format!("sp-app-{i:04}"))).collect();
    let sp_ids: Vec<Value> = (0..1000).map(|i| Value::str(&format!("00000000-0000-4000-8000-{i:012}"))).collect();
    let ips: Vec<Value> = (0..5000)
        .map(|i| Value::str(&format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256)))
        .collect();
    let resources = [
        Value::str("Microsoft Graph"),
        Value::str("Azure Key Vault"),
        Value::str("Windows Azure Service Management API"),
    ];
    let ok = Value::str("0");
    let failed = Value::str("7000215");
    let empty = Value::str("");

    let columns = known_schema("AADServicePrincipalSignInLogs").unwrap_or_default();
    let col = |name: &str| columns.iter().position(|c| c.name == name);
    let (c_time, c_result, c_name, c_id, c_ip, c_res) = (
        col("TimeGenerated"),
        col("ResultType"),
        col("ServicePrincipalName"),
        col("ServicePrincipalId"),
        col("IPAddress"),
        col("ResourceDisplayName"),
    );
    let blank: Vec<Value> = columns
        .iter()
        .map(|c| {
            if matches!(c.ty, KqlType::String) {
                empty.clone()
            } else {
                Value::Null
            }
        })
        .collect();
    // A cheap deterministic mixer (splitmix64) so the data has no periodic structure.
    let mix = |i: u64| {
        let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut signins = Vec::with_capacity(rows);
    for i in 0..rows {
        let r = mix(i as u64);
        let sp = (r % 1000) as usize;
        let mut row = blank.clone();
        let mut set = |c: Option<usize>, v: Value| {
            if let Some(c) = c {
                row[c] = v;
            }
        };
        set(c_time, Value::DateTime(end - day + ((r >> 10) % day as u64) as i64));
        set(c_result, if (r >> 40) % 100 == 0 { failed.clone() } else { ok.clone() });
        set(c_name, sp_names[sp].clone());
        set(c_id, sp_ids[sp].clone());
        set(c_ip, ips[((r >> 20) % 5000) as usize].clone());
        set(c_res, resources[((r >> 50) % 3) as usize].clone());
        signins.push(row);
    }
    let mut catalog = Catalog::new();
    catalog.insert("AADServicePrincipalSignInLogs", Table { columns, rows: signins });

    let audit_cols = known_schema("AuditLogs").unwrap_or_default();
    let acol = |name: &str| audit_cols.iter().position(|c| c.name == name);
    let audit_blank: Vec<Value> = audit_cols
        .iter()
        .map(|c| {
            if matches!(c.ty, KqlType::String) {
                empty.clone()
            } else {
                Value::Null
            }
        })
        .collect();
    let mut audit = Vec::new();
    for (i, name) in sp_names.iter().enumerate() {
        let mut row = audit_blank.clone();
        let target = Value::Array(Arc::new(vec![Value::Bag(Arc::new(vec![
            (Arc::from("id"), Value::str(&format!("obj-{i}"))),
            (Arc::from("displayName"), name.clone()),
        ]))]));
        let actor = Value::Bag(Arc::new(vec![(
            Arc::from("user"),
            Value::Bag(Arc::new(vec![(Arc::from("ipAddress"), Value::str("203.0.113.66"))])),
        )]));
        for (c, v) in [
            (acol("TimeGenerated"), Value::DateTime(end - day / 2 + i as i64 * TICKS_PER_SECOND)),
            (
                acol("OperationName"),
                Value::str("Update application – Certificates and secrets management"),
            ),
            (acol("TargetResources"), target),
            (acol("InitiatedBy"), actor),
            (acol("CorrelationId"), Value::str(&format!("corr-{i}"))),
        ] {
            if let Some(c) = c {
                row[c] = v;
            }
        }
        audit.push(row);
    }
    catalog.insert(
        "AuditLogs",
        Table {
            columns: audit_cols,
            rows: audit,
        },
    );
    catalog
}

/// Runs `query` once; returns the wall time and the result's row count.
pub fn time_query(query: &str, catalog: &Catalog, options: &RunOptions) -> Result<(Duration, usize), KqlError> {
    let start = Instant::now();
    let tables = run(query, catalog, options)?;
    Ok((start.elapsed(), tables.iter().map(|t| t.rows.len()).sum()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_catalog_is_deterministic_and_sized() {
        let now = Utc::now();
        let a = synthetic_catalog(500, now);
        let b = synthetic_catalog(500, now);
        let ta = a.get("AADServicePrincipalSignInLogs").expect("sign-ins");
        assert_eq!(ta.rows.len(), 500);
        assert_eq!(ta.rows, b.get("AADServicePrincipalSignInLogs").expect("sign-ins").rows);
        let opts = RunOptions {
            now,
            ..RunOptions::default()
        };
        let (_, n) = time_query("AADServicePrincipalSignInLogs | where TimeGenerated >= ago(1d) | count", &a, &opts).expect("runs");
        assert_eq!(n, 1);
    }
}
