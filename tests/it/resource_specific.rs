//! `--diagnostics-mode keyvault=resource-specific`: Key Vault's `AuditEvent` records land in
//! `AZKVAuditLogs` with the table's documented columns and types, everything else stays as the
//! default run writes it, Microsoft-style queries over the table return rows, and `estimate`
//! compares both modes with the figures exact counting gives.

use crate::support::{
    DIAGNOSTICS, Generated, TABLES, TempDir, generate_and_load, generate_bin, load_output, load_schema, query_bin, run_bin, scenario_path,
    stderr_of,
};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

type Record = Map<String, Value>;

const AZKV: &str = "AZKVAuditLogs";
const RESOURCE_SPECIFIC: [&str; 2] = ["--diagnostics-mode", "keyvault=resource-specific"];

fn key_vault() -> PathBuf {
    scenario_path("library/key-vault.yaml")
}

/// A table file's records; none when the file is absent.
fn records_of(dir: &Path, table: &str) -> Vec<Record> {
    let Ok(text) = std::fs::read_to_string(dir.join(format!("{table}.jsonl"))) else {
        return Vec::new();
    };
    text.lines()
        .map(|l| match serde_json::from_str(l) {
            Ok(Value::Object(r)) => r,
            other => panic!("{table}: not a JSON object: {other:?}"),
        })
        .collect()
}

fn is_key_vault(record: &Record) -> bool {
    record["Category"] == "AuditEvent"
}

/// The key-vault scenario generated in both modes: (azure, resource-specific, its AZKVAuditLogs).
fn both_modes(tmp: &TempDir) -> (Generated, Generated, Vec<Record>) {
    let azure = generate_and_load(&key_vault(), &["--threads", "2"]);
    let dir = tmp.join("rs");
    generate_bin(&key_vault(), &dir, &[RESOURCE_SPECIFIC[0], RESOURCE_SPECIFIC[1], "--threads", "2"]);
    let azkv = records_of(&dir, AZKV);
    (azure, load_output(&key_vault(), &dir), azkv)
}

/// `_BilledSize` as `tables::record` defines it, recomputed from the record's own values.
fn billed_size(record: &Record) -> u64 {
    const EXCLUDED: [&str; 5] = ["_ResourceId", "_SubscriptionId", "_IsBillable", "_BilledSize", "Type"];
    record
        .iter()
        .filter(|(k, _)| !EXCLUDED.contains(&k.as_str()))
        .map(|(_, v)| match v {
            Value::Null => 0,
            Value::String(s) => s.len(),
            Value::Bool(b) => b.to_string().len(),
            Value::Number(n) => n.to_string().len(),
            dynamic => dynamic.to_string().len(),
        } as u64)
        .sum()
}

/// Whether `value` is of the Kusto `ty` as an NDJSON export writes it.
fn has_type(value: &Value, ty: &str) -> bool {
    match ty {
        "string" => value.is_string(),
        "int" | "long" => value.is_i64(),
        "real" => value.is_number(),
        "bool" => value.is_boolean(),
        "dynamic" => value.is_object() || value.is_array(),
        "datetime" => value.as_str().and_then(crate::support::parse_ts).is_some(),
        other => panic!("schema type {other} not handled"),
    }
}

#[test]
fn key_vault_records_move_to_azkvauditlogs_and_nothing_else_changes() {
    let tmp = TempDir::new("rs-move");
    let (azure, rs, azkv) = both_modes(&tmp);
    let (kv, logic): (Vec<&Record>, Vec<&Record>) = azure.records(DIAGNOSTICS).iter().partition(|r| is_key_vault(r));
    assert!(
        kv.len() > 1000 && !logic.is_empty(),
        "{} Key Vault, {} Logic Apps records",
        kv.len(),
        logic.len()
    );
    assert_eq!(azkv.len(), kv.len(), "every Key Vault record, and no other");
    for (a, r) in kv.iter().zip(&azkv) {
        assert_eq!(a["CorrelationId"], r["CorrelationId"]);
        assert_eq!(a["TimeGenerated"], r["TimeGenerated"]);
        assert_eq!(a["OperationName"], r["OperationName"]);
    }
    // AzureDiagnostics keeps the Logic Apps records, line for line.
    let kept: Vec<&String> = azure
        .table(DIAGNOSTICS)
        .lines
        .iter()
        .zip(azure.records(DIAGNOSTICS))
        .filter(|(_, r)| !is_key_vault(r))
        .map(|(l, _)| l)
        .collect();
    assert_eq!(rs.table(DIAGNOSTICS).lines.iter().collect::<Vec<_>>(), kept);
    for table in TABLES.into_iter().filter(|t| *t != DIAGNOSTICS) {
        assert!(azure.table(table).lines == rs.table(table).lines, "{table} changed");
    }
    let listed = |g: &Generated| g.manifest["tables"].as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(listed(&azure).len(), 5);
    assert_eq!(listed(&rs).len(), 6);
    assert_eq!(rs.manifest["tables"][AZKV]["records"].as_u64(), Some(azkv.len() as u64));
    assert!(!tmp.join("rs").join("LogicAppWorkflowRuntime.jsonl").exists());
}

#[test]
fn azkvauditlogs_records_have_only_documented_columns_of_their_types_and_mapped_values() {
    let tmp = TempDir::new("rs-columns");
    let (azure, _, azkv) = both_modes(&tmp);
    let schema: std::collections::BTreeMap<String, String> = load_schema(AZKV).columns.into_iter().collect();
    let kv: Vec<&Record> = azure.records(DIAGNOSTICS).iter().filter(|r| is_key_vault(r)).collect();
    let mut long_claims = 0;
    for (a, r) in kv.iter().zip(&azkv) {
        for (column, value) in r {
            let ty = schema
                .get(column)
                .unwrap_or_else(|| panic!("{column} is not a column of AZKVAuditLogs"));
            assert!(has_type(value, ty), "{column} = {value} is not {ty}");
        }
        for missing in [
            "Category",
            "ResourceProvider",
            "ResourceId",
            "CallerIPAddress",
            "Resource",
            "SubscriptionId",
        ] {
            assert!(!r.contains_key(missing), "{missing}");
        }
        assert_eq!(r["Type"], AZKV);
        // In the schema's order (tables::azkv::COLUMNS, itself checked against the schema).
        let written: Vec<&str> = r
            .keys()
            .map(String::as_str)
            .filter(|k| !["_IsBillable", "_BilledSize"].contains(k))
            .collect();
        let order: Vec<&str> = tenantless::tables::azkv::COLUMNS
            .iter()
            .copied()
            .filter(|c| written.contains(c))
            .collect();
        assert_eq!(written, order);
        assert_eq!(r["CallerIpAddress"], a["CallerIPAddress"]);
        assert_eq!(r["HttpStatusCode"].as_f64(), a["httpStatusCode_d"].as_f64());
        assert_eq!(r["DurationMs"], a["DurationMs"]);
        assert_eq!(r["RequestUri"], a["requestUri_s"]);
        assert_eq!(r.get("Id"), a.get("id_s"));
        assert_eq!(r["ClientInfo"], a["clientInfo_s"]);
        assert_eq!(r["Tlsversion"], a["tlsVersion_s"]);
        assert_eq!(r.get("IsAccessPolicyMatch"), a.get("isAccessPolicyMatch_b"));
        assert_eq!(r["ResultSignature"], a["ResultSignature"]);
        assert_eq!(r["ResultDescription"], a["ResultDescription"]);
        assert_eq!(r["_ResourceId"], a["_ResourceId"]);
        assert_eq!(r["_SubscriptionId"], a["_SubscriptionId"]);
        let claim = &r["Identity"]["claim"];
        assert_eq!(claim.get("oid"), a.get("identity_claim_oid_g"));
        assert_eq!(claim.get("appid"), a.get("identity_claim_appid_g"));
        let long = "http://schemas.microsoft.com/identity/claims/objectidentifier";
        assert_eq!(
            claim.get(long),
            a.get("identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g")
        );
        long_claims += usize::from(claim.get(long).is_some());
        // One claim per identity_claim_* column, no more.
        let claims = a.keys().filter(|k| k.starts_with("identity_claim_")).count();
        assert_eq!(claim.as_object().map_or(0, Map::len), claims, "{r:?}");
        assert_eq!(r["_BilledSize"].as_u64(), Some(billed_size(r)), "{r:?}");
    }
    assert!(long_claims > 0, "some ARM-originated reads carry the long claims");
    assert!(
        azkv.iter().any(|r| r["Identity"] == serde_json::json!({})),
        "the 401 challenge carries no identity"
    );
}

#[test]
fn labels_name_the_table_their_key_vault_records_are_in() {
    let tmp = TempDir::new("rs-labels");
    let (azure, rs, azkv) = both_modes(&tmp);
    let ids: std::collections::BTreeSet<&str> = azkv.iter().map(|r| r["CorrelationId"].as_str().unwrap()).collect();
    let keys = |g: &Generated| -> Vec<(String, String, String)> {
        g.manifest["anomalies"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|a| a["records"].as_array().unwrap().iter())
            .map(|k| {
                (
                    k["table"].as_str().unwrap().to_owned(),
                    k["column"].as_str().unwrap().to_owned(),
                    k["value"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let (before, after) = (keys(&azure), keys(&rs));
    // Keys are listed sorted, table first: compare them as sets.
    let mut moved = 0;
    let mut renamed: Vec<(String, String, String)> = before
        .into_iter()
        .map(|(table, column, value)| {
            if table == DIAGNOSTICS && column == "CorrelationId" {
                moved += 1;
                return (AZKV.to_owned(), column, value);
            }
            (table, column, value)
        })
        .collect();
    let mut after = after;
    renamed.sort();
    after.sort();
    assert_eq!(renamed, after, "the same keys, Key Vault's in AZKVAuditLogs");
    for (table, _, value) in after.iter().filter(|(t, ..)| t == AZKV) {
        assert!(ids.contains(value.as_str()), "{table} label key {value} resolves to no record");
    }
    assert!(moved > 0, "the key-vault scenario labels Key Vault records");
}

fn rows_of(data: &Path, query: &str) -> Vec<Value> {
    let output = query_bin(data, &["--format", "json", query]);
    assert!(output.status.success(), "{query}: {}", stderr_of(&output));
    let text = String::from_utf8(output.stdout).unwrap();
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Array(rows)) => rows,
        _ => text.lines().map(|l| serde_json::from_str(l).unwrap()).collect(),
    }
}

/// Queries written after the patterns of Microsoft's AZKVAuditLogs samples (Q-KV): failures other
/// than the SDK's 401 challenge, per vault; slow requests; who changed a vault; requests over time.
#[test]
fn microsoft_style_azkvauditlogs_queries_run_and_return_rows() {
    let tmp = TempDir::new("rs-queries");
    let dir = tmp.join("rs");
    generate_bin(&key_vault(), &dir, &RESOURCE_SPECIFIC);
    let by_operation = rows_of(&dir, "AZKVAuditLogs | summarize count() by OperationName");
    assert!(by_operation.len() >= 5, "{by_operation:?}");
    let failures = rows_of(
        &dir,
        "AZKVAuditLogs | where HttpStatusCode >= 300 and not(OperationName == 'Authentication' and HttpStatusCode == 401) \
         | summarize failures = count() by _ResourceId, ResultSignature, OperationName",
    );
    assert!(!failures.is_empty());
    assert!(failures.iter().all(|r| r["ResultSignature"] != "OK"), "{failures:?}");
    // The simulated requests take under 100 ms, so the samples' 1000 ms threshold finds none here:
    // the same query shape with a threshold the data reaches.
    let slow = rows_of(
        &dir,
        "AZKVAuditLogs | where DurationMs > 50 | summarize slow = count(), slowest = max(DurationMs) by _ResourceId, RequestUri | top 5 by slow",
    );
    assert!(
        !slow.is_empty() && slow.iter().all(|r| r["slowest"].as_i64() > Some(50)),
        "{slow:?}"
    );
    let changes = rows_of(
        &dir,
        "AZKVAuditLogs | where OperationName == 'VaultPatch' or OperationName == 'VaultPut' | summarize count() by CallerIpAddress, ResultSignature",
    );
    assert!(!changes.is_empty());
    let latency = rows_of(
        &dir,
        "AZKVAuditLogs | summarize avg(DurationMs), count() by bin(TimeGenerated, 1d), _ResourceId | where count_ > 0",
    );
    assert!(!latency.is_empty());
    let callers = rows_of(
        &dir,
        "AZKVAuditLogs | extend oid = tostring(Identity.claim.oid) | where isnotempty(oid) | summarize count() by oid",
    );
    assert!(!callers.is_empty());
    // The columns the ASIM Key Vault parser's AZKVAuditLogs branch reads (ASIM-KV, §3): the long
    // claim keys of ARM-originated requests, `appid`, and the object from `Id` or `RequestUri`.
    let actors = rows_of(
        &dir,
        "AZKVAuditLogs | extend ActorUserId = tostring(Identity.claim['http://schemas.microsoft.com/identity/claims/objectidentifier']), \
         ActorUsername = tostring(Identity.claim['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn']), \
         AppId = tostring(Identity.claim.appid), Object = coalesce(Id, RequestUri, OperationName) \
         | where isnotempty(ActorUserId) | summarize count() by ActorUserId, ActorUsername, AppId, Object",
    );
    assert!(
        actors.iter().any(|r| r["ActorUsername"].as_str().is_some_and(|u| u.contains('@'))),
        "{actors:?}"
    );
    assert!(
        actors.iter().all(|r| r["AppId"].as_str().is_some_and(|a| !a.is_empty())),
        "{actors:?}"
    );
    // A rule written for AzureDiagnostics finds nothing once Key Vault is resource-specific (§1.6).
    let old = rows_of(&dir, "AzureDiagnostics | where ResourceProvider == 'MICROSOFT.KEYVAULT' | count");
    assert_eq!(old[0]["Count"], 0, "{old:?}");
}

#[test]
fn threads_compression_and_shards_give_the_same_resource_specific_output() {
    let tmp = TempDir::new("rs-parallel");
    let one = tmp.join("one");
    generate_bin(&key_vault(), &one, &[RESOURCE_SPECIFIC[0], RESOURCE_SPECIFIC[1], "--threads", "1"]);
    let zstd = tmp.join("zstd");
    generate_bin(
        &key_vault(),
        &zstd,
        &[RESOURCE_SPECIFIC[0], RESOURCE_SPECIFIC[1], "--threads", "3", "--compress", "zstd"],
    );
    let manifest: Value = serde_json::from_slice(&std::fs::read(zstd.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["files"][AZKV], "AZKVAuditLogs.jsonl.zst");
    let shards: Vec<PathBuf> = (0..2).map(|k| tmp.join(&format!("shard{k}"))).collect();
    for (k, dir) in shards.iter().enumerate() {
        generate_bin(
            &key_vault(),
            dir,
            &[RESOURCE_SPECIFIC[0], RESOURCE_SPECIFIC[1], "--shard", &format!("{k}/2")],
        );
    }
    let merged = tmp.join("merged");
    let output = run_bin(&[
        "merge",
        "--out",
        merged.to_str().unwrap(),
        shards[0].to_str().unwrap(),
        shards[1].to_str().unwrap(),
    ]);
    assert!(output.status.success(), "merge: {}", stderr_of(&output));
    for table in TABLES.into_iter().chain([AZKV]) {
        let plain = std::fs::read(one.join(format!("{table}.jsonl"))).unwrap();
        let mut unpacked = Vec::new();
        let path = zstd.join(format!("{table}.jsonl.zst"));
        std::io::Read::read_to_end(&mut tenantless::compress::open_table_reader(&path).unwrap(), &mut unpacked).unwrap();
        assert!(unpacked == plain, "{table}: --threads 3 --compress zstd differs from --threads 1");
        let merged_table = std::fs::read(merged.join(format!("{table}.jsonl"))).unwrap();
        assert!(merged_table == plain, "{table}: the merged shards differ from the single run");
    }
    assert_eq!(
        std::fs::read(merged.join("manifest.json")).unwrap(),
        std::fs::read(one.join("manifest.json")).unwrap()
    );
    // Shards of two modes are two runs: refused, naming what differs.
    let azure_shard = tmp.join("azure1");
    generate_bin(&key_vault(), &azure_shard, &["--shard", "1/2"]);
    let mixed = tmp.join("mixed");
    let output = run_bin(&[
        "merge",
        "--out",
        mixed.to_str().unwrap(),
        shards[0].to_str().unwrap(),
        azure_shard.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    assert!(stderr_of(&output).contains("--diagnostics-mode"), "{}", stderr_of(&output));
    assert!(!mixed.exists());
}

/// Each refused value exits 2 with what is valid, and writes nothing.
#[test]
fn bad_modes_are_refused_before_anything_is_written() {
    let tmp = TempDir::new("rs-refused");
    let cases: [(&[&str], &str); 5] = [
        (&["--diagnostics-mode", "logicapps=resource-specific"], "Logic Apps Standard"),
        (&["--diagnostics-mode", "storage=azure"], "keyvault and logicapps"),
        (&["--diagnostics-mode", "keyvault=dedicated"], "azure and resource-specific"),
        (&["--diagnostics-mode", "nonsense"], "azure and resource-specific"),
        (
            &["--diagnostics-mode", "keyvault=resource-specific", "--shape", "diagnostic-settings"],
            "Drop one of the two",
        ),
    ];
    let scenario = key_vault();
    for (i, (extra, says)) in cases.iter().enumerate() {
        let out = tmp.join(&format!("out{i}"));
        let mut args = vec!["generate", scenario.to_str().unwrap(), "--out", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        let output = run_bin(&args);
        assert_eq!(output.status.code(), Some(2), "{extra:?}: {}", stderr_of(&output));
        assert!(stderr_of(&output).contains(says), "{extra:?}: {}", stderr_of(&output));
        assert!(!out.exists(), "{extra:?} wrote {}", out.display());
        if extra.len() == 2 {
            let mut args = vec!["estimate", scenario.to_str().unwrap()];
            args.extend_from_slice(extra);
            let output = run_bin(&args);
            assert_eq!(output.status.code(), Some(2), "estimate {extra:?}");
            assert!(stderr_of(&output).contains(says), "estimate {extra:?}: {}", stderr_of(&output));
        }
    }
    // A plan or transformation of AZKVAuditLogs in Azure mode would price an empty table.
    let output = run_bin(&["estimate", scenario.to_str().unwrap(), "--plan", "AZKVAuditLogs=basic"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("keyvault=resource-specific"), "{}", stderr_of(&output));
}

fn estimate_json(args: &[&str]) -> Value {
    let scenario = key_vault();
    let mut all = vec!["estimate", scenario.to_str().unwrap(), "--format", "json"];
    all.extend_from_slice(args);
    let output = run_bin(&all);
    assert!(output.status.success(), "estimate {args:?}: {}", stderr_of(&output));
    serde_json::from_slice(&output.stdout).expect("JSON report")
}

/// Rows and billed bytes of the Key Vault records a run wrote.
fn written(records: &[&Record]) -> (f64, f64) {
    let bytes: u64 = records.iter().map(|r| r["_BilledSize"].as_u64().unwrap()).sum();
    (records.len() as f64, bytes as f64)
}

#[test]
fn estimate_compares_both_modes_with_the_figures_generate_writes() {
    let tmp = TempDir::new("rs-estimate");
    let (azure, _, azkv) = both_modes(&tmp);
    let kv: Vec<&Record> = azure.records(DIAGNOSTICS).iter().filter(|r| is_key_vault(r)).collect();
    let expected = [
        ("azure", DIAGNOSTICS, written(&kv)),
        ("resource-specific", AZKV, written(&azkv.iter().collect::<Vec<_>>())),
    ];
    assert!(
        expected[0].2.1 > expected[1].2.1,
        "AzureDiagnostics bills more per record: {expected:?}"
    );
    for (selected, exact) in [("azure", true), ("resource-specific", true), ("resource-specific", false)] {
        let mode = format!("keyvault={selected}");
        let mut args = vec!["--diagnostics-mode", mode.as_str()];
        if exact {
            args.push("--exact");
        }
        let report = estimate_json(&args);
        let days = report["days"].as_f64().unwrap();
        let lines = report["diagnostics_mode_comparison"].as_array().unwrap();
        assert_eq!(lines.len(), 2, "{lines:?}");
        for (line, (mode, table, (rows, bytes))) in lines.iter().zip(&expected) {
            assert_eq!(line["category"], "KeyVault/AuditEvent");
            assert_eq!(line["mode"], *mode);
            assert_eq!(line["table"], *table);
            assert_eq!(line["selected"], *mode == selected);
            let gb_per_month = bytes / 1e9 / days * 30.4375;
            let tolerance = if exact { 1e-9 } else { 0.02 };
            let off = |got: f64, want: f64| (got - want).abs() / want;
            assert!(off(line["rows"].as_f64().unwrap(), *rows) <= tolerance, "{line} vs {rows} rows");
            assert!(
                off(line["gb_per_month"].as_f64().unwrap(), gb_per_month) <= tolerance,
                "{line} vs {gb_per_month} GB"
            );
            let plans: Vec<&str> = line["plans"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
            let allowed: &[&str] = if *table == AZKV {
                &["analytics", "basic", "auxiliary"]
            } else {
                &["analytics"]
            };
            assert_eq!(plans, allowed, "{table}");
        }
        // The estimate's own table lines are in the selected mode.
        let tables: Vec<&str> = report["tables"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert_eq!(tables.contains(&AZKV), selected == "resource-specific", "{tables:?}");
    }
    let text = run_bin(&[
        "estimate",
        key_vault().to_str().unwrap(),
        "--diagnostics-mode",
        "keyvault=resource-specific",
    ]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("diagnostics mode") && text.contains("resource-specific *"), "{text}");
}
