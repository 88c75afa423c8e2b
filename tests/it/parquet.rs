//! `generate --format parquet` (issue 15 §3): one typed Parquet file per table holding every record
//! of the NDJSON run with the same seed, each column of the Parquet type Azure Data Explorer
//! ingests into its documented Kusto type (parquet-mapping.md), read back here with the parquet
//! crate and with DuckDB.

use crate::support::{TempDir, crate_dir, generate_bin, run_bin, scenario_path, stderr_of};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const TABLES: [&str; 5] = [
    "AADManagedIdentitySignInLogs",
    "AADServicePrincipalSignInLogs",
    "AuditLogs",
    "AzureActivity",
    "AzureDiagnostics",
];

fn records(path: &Path) -> Vec<serde_json::Map<String, Value>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn parquet_rows(path: &Path) -> Vec<BTreeMap<String, Field>> {
    let reader = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    reader
        .get_row_iter(None)
        .unwrap()
        .map(|row| row.unwrap().get_column_iter().map(|(n, f)| (n.clone(), f.clone())).collect())
        .collect()
}

/// Whether the Parquet field holds the NDJSON value, as the column's Kusto type stores it.
fn holds(field: &Field, value: Option<&Value>, kusto: &str) -> bool {
    let value = match value {
        None | Some(Value::Null) => return *field == Field::Null,
        Some(Value::String(s)) if s.is_empty() && matches!(kusto, "guid" | "datetime") => return *field == Field::Null,
        Some(v) => v,
    };
    match (field, kusto) {
        (Field::TimestampMicros(us), "datetime") => {
            let time = chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap()).unwrap();
            // Microseconds: the seventh fractional digit is dropped, not rounded.
            *us == time.timestamp_micros()
        }
        (Field::Bytes(b), "guid") => uuid::Uuid::parse_str(value.as_str().unwrap()).unwrap().as_bytes() == b.data(),
        (Field::Str(s), "dynamic") => serde_json::from_str::<Value>(s).unwrap() == *value,
        (Field::Str(s), _) => value
            .as_str()
            .map_or_else(|| serde_json::from_str::<Value>(s).ok().as_ref() == Some(value), |v| v == s),
        (Field::Long(n), _) => value.as_i64() == Some(*n) || value.as_f64() == Some(*n as f64),
        (Field::Int(n), _) => value.as_i64() == Some(*n as i64),
        (Field::Double(d), _) => value.as_f64() == Some(*d),
        (Field::Bool(b), _) => value.as_bool() == Some(*b),
        _ => false,
    }
}

#[test]
fn every_record_of_every_table_comes_back_from_parquet_with_its_values() {
    let dir = TempDir::new("parquet");
    let (jsonl, parquet) = (dir.join("jsonl"), dir.join("parquet"));
    generate_bin(&scenario_path("seed.yaml"), &jsonl, &[]);
    generate_bin(&scenario_path("seed.yaml"), &parquet, &["--format", "parquet"]);
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(parquet.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["table_format"], "parquet");
    for table in TABLES {
        assert_eq!(manifest["files"][table], format!("{table}.parquet"));
        assert!(!parquet.join(format!("{table}.jsonl")).exists());
        let expected = records(&jsonl.join(format!("{table}.jsonl")));
        let rows = parquet_rows(&parquet.join(format!("{table}.parquet")));
        assert_eq!(rows.len(), expected.len(), "{table}");
        assert_eq!(manifest["tables"][table]["records"].as_u64().unwrap() as usize, rows.len());
        let file_bytes = std::fs::metadata(parquet.join(format!("{table}.parquet"))).unwrap().len();
        assert_eq!(
            manifest["tables"][table]["bytes"].as_u64().unwrap(),
            file_bytes,
            "{table}: the manifest's size is the file's"
        );
        let documented: BTreeMap<String, String> = tenantless::kql::table::documented_columns(table).unwrap().into_iter().collect();
        for (i, (row, record)) in rows.iter().zip(&expected).enumerate() {
            for key in record.keys() {
                assert!(row.contains_key(key), "{table} record {i}: no column {key}");
            }
            for (name, field) in row {
                let kusto = documented.get(name).map_or("", String::as_str);
                assert!(
                    holds(field, record.get(name), kusto),
                    "{table} record {i} column {name} ({kusto}): {field:?} vs {:?}",
                    record.get(name)
                );
            }
        }
    }
}

/// What DuckDB reads, from `tools/bench/parquet_check.py`; `None` when DuckDB cannot be installed.
fn duckdb_view(data: &Path) -> Option<Value> {
    let output = Command::new("python3")
        .arg(crate_dir().join("tools/bench/parquet_check.py"))
        .arg("--data")
        .arg(data)
        .output()
        .ok()?;
    if output.status.code() == Some(3) {
        eprintln!("skipped: {}", stderr_of(&output));
        return None;
    }
    assert!(output.status.success(), "parquet_check.py: {}", stderr_of(&output));
    Some(serde_json::from_slice(&output.stdout).expect("the script prints JSON"))
}

#[test]
fn duckdb_reads_each_column_as_its_documented_type() {
    let dir = TempDir::new("parquet-duckdb");
    let data = dir.join("data");
    generate_bin(&scenario_path("seed.yaml"), &data, &["--format", "parquet"]);
    let Some(view) = duckdb_view(&data) else { return };
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(data.join("manifest.json")).unwrap()).unwrap();
    for table in TABLES {
        assert_eq!(view[table]["rows"], manifest["tables"][table]["records"], "{table}");
        for (column, kusto) in tenantless::kql::table::documented_columns(table).unwrap() {
            let expected = match kusto.as_str() {
                "datetime" => "TIMESTAMP WITH TIME ZONE",
                "guid" => "UUID",
                "dynamic" => "JSON",
                "long" => "BIGINT",
                "int" => "INTEGER",
                "real" => "DOUBLE",
                "bool" => "BOOLEAN",
                _ => "VARCHAR",
            };
            // DuckDB's names are case-insensitive: the second of AzureDiagnostics' `clientIP_s` and
            // `clientIp_s` comes back as `clientIp_s_1`.
            let types = &view[table]["types"];
            let read = if types[&column].is_null() {
                &types[format!("{column}_1")]
            } else {
                &types[&column]
            };
            assert_eq!(read, expected, "{table}.{column} ({kusto})");
        }
    }
    // DuckDB's earliest service-principal sign-in is the NDJSON's, value for value.
    let first = &view["AADServicePrincipalSignInLogs"]["first"];
    let jsonl = dir.join("jsonl");
    generate_bin(&scenario_path("seed.yaml"), &jsonl, &[]);
    let same = records(&jsonl.join("AADServicePrincipalSignInLogs.jsonl"))
        .into_iter()
        .find(|r| r["Id"] == first["Id"])
        .expect("DuckDB's first row is a record of the run");
    for column in [
        "AppId",
        "ServicePrincipalId",
        "ResultType",
        "IPAddress",
        "ResourceDisplayName",
        "UniqueTokenIdentifier",
    ] {
        assert_eq!(first[column], same[column], "{column}");
    }
}

#[test]
fn parquet_refuses_what_it_does_not_go_with_and_other_commands_say_what_it_is() {
    let dir = TempDir::new("parquet-refusals");
    let out = dir.join("out");
    let seed = scenario_path("seed.yaml").display().to_string();
    let out_text = out.display().to_string();
    for (extra, says) in [
        (["--compress", "zstd"], "compresses its columns itself"),
        (["--shape", "diagnostic-settings"], "writes the Log Analytics tables"),
    ] {
        let mut args = vec!["generate", &seed, "--out", &out_text, "--format", "parquet"];
        args.extend(extra);
        let output = run_bin(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(stderr_of(&output).contains(says), "{}", stderr_of(&output));
        assert!(!out.exists(), "nothing is written");
    }
    generate_bin(&scenario_path("seed.yaml"), &out, &["--format", "parquet"]);
    let output = run_bin(&["query", "AuditLogs | count", "--data", &out_text]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("holds Parquet tables (`generate --format parquet`)"),
        "{}",
        stderr_of(&output)
    );
    // A Parquet output is generate's own: replaced by an NDJSON run, and back.
    generate_bin(&scenario_path("seed.yaml"), &out, &[]);
    assert!(out.join("AuditLogs.jsonl").is_file() && !out.join("AuditLogs.parquet").exists());
    generate_bin(&scenario_path("seed.yaml"), &out, &["--format", "parquet"]);
    assert!(out.join("AuditLogs.parquet").is_file() && !out.join("AuditLogs.jsonl").exists());
}

#[test]
fn parquet_shards_hold_the_whole_run_between_them() {
    let dir = TempDir::new("parquet-shards");
    let whole = dir.join("whole");
    generate_bin(&scenario_path("tenant-small.yaml"), &whole, &[]);
    let mut counts = [0usize; 5];
    for k in 0..2 {
        let shard = dir.join(&format!("shard-{k}"));
        generate_bin(
            &scenario_path("tenant-small.yaml"),
            &shard,
            &["--format", "parquet", "--shard", &format!("{k}/2")],
        );
        for (i, table) in TABLES.iter().enumerate() {
            counts[i] += parquet_rows(&shard.join(format!("{table}.parquet"))).len();
        }
    }
    for (i, table) in TABLES.iter().enumerate() {
        assert_eq!(counts[i], records(&whole.join(format!("{table}.jsonl"))).len(), "{table}");
    }
    let (s0, s1, all) = (dir.join("shard-0"), dir.join("shard-1"), dir.join("all"));
    let output = run_bin(&[
        "merge",
        "--out",
        &all.display().to_string(),
        &s0.display().to_string(),
        &s1.display().to_string(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    assert!(
        stderr_of(&output).contains("holds Parquet shards (`generate --format parquet`), which need no merge"),
        "{}",
        stderr_of(&output)
    );
    assert!(!all.exists());
}
