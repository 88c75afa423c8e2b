//! `generate --shape diagnostic-settings` (issue 15 §5): every Log Analytics record has exactly one
//! diagnostic-settings record and the other way round, in its category's hourly blob or in a
//! bounded Event Hub message, with the envelope's fields and the reference shapes' values; every
//! label's key resolves in the new shape; the output does not depend on --threads; bad
//! combinations are clear errors that leave nothing behind; the other commands refuse the shape.

use crate::support::{Generated, Record, TABLES, TempDir, generate_bin, load_output, run_bin, scenario_path, stderr_of};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use tenantless::shape::{self, Columns};
use tenantless::tables::{Category, Table};

/// Every file below `dir`, sorted.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// A file's text, decompressed by its extension.
fn text_of(path: &Path) -> String {
    let file = std::fs::File::open(path).unwrap();
    let mut text = String::new();
    let name = path.to_string_lossy();
    if name.ends_with(".zst") {
        zstd::stream::read::Decoder::new(file).unwrap().read_to_string(&mut text).unwrap();
    } else if name.ends_with(".gz") {
        flate2::read::MultiGzDecoder::new(file).read_to_string(&mut text).unwrap();
    } else {
        std::fs::File::open(path).unwrap().read_to_string(&mut text).unwrap();
    }
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "{} does not end with a newline",
        path.display()
    );
    text
}

fn parse(line: &str) -> Record {
    match serde_json::from_str(line) {
        Ok(Value::Object(record)) => record,
        other => panic!("not a JSON object: {other:?}\n{line}"),
    }
}

fn table_of(name: &str) -> Table {
    Table::ALL.into_iter().find(|t| t.name() == name).unwrap()
}

/// The records each category should hold: the Log Analytics records converted, in table order.
fn expected(la: &Generated) -> BTreeMap<&'static str, Vec<Record>> {
    let mut expected: BTreeMap<&'static str, Vec<Record>> = BTreeMap::new();
    for table in TABLES {
        for record in la.records(table) {
            let shaped = shape::convert(table_of(table), record).unwrap();
            expected
                .entry(shape::category_field(shaped.category))
                .or_default()
                .push(shaped.record);
        }
    }
    expected
}

fn manifest(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

/// A storage output: per category, its records with the blob (relative to the container) each is in.
fn storage_records(dir: &Path) -> BTreeMap<String, Vec<(String, Record)>> {
    let mut found = BTreeMap::new();
    let categories = manifest(dir)["diagnostic_settings"]["categories"].as_object().unwrap().clone();
    for (category, output) in categories {
        let container = dir.join(output["path"].as_str().unwrap());
        let mut records = Vec::new();
        if container.is_dir() {
            for blob in files_below(&container) {
                let name = blob.strip_prefix(&container).unwrap().to_string_lossy().into_owned();
                records.extend(text_of(&blob).lines().map(|l| (name.clone(), parse(l))));
            }
        }
        found.insert(category, records);
    }
    found
}

/// An Event Hub output: per category, its messages' lines.
fn hub_messages(dir: &Path) -> BTreeMap<String, Vec<String>> {
    let categories = manifest(dir)["diagnostic_settings"]["categories"].as_object().unwrap().clone();
    categories
        .into_iter()
        .map(|(category, output)| {
            let text = text_of(&dir.join(output["path"].as_str().unwrap()));
            (category, text.lines().map(str::to_owned).collect())
        })
        .collect()
}

/// Generates `scenario` in both shapes with the same arguments: (Log Analytics, diagnostic settings).
fn both_shapes(tmp: &TempDir, scenario: &Path, shaped: &[&str]) -> (Generated, PathBuf) {
    let (la, ds) = (tmp.join("la"), tmp.join("ds"));
    generate_bin(scenario, &la, &[]);
    let mut args = vec!["--shape", "diagnostic-settings"];
    args.extend(shaped);
    generate_bin(scenario, &ds, &args);
    (load_output(scenario, &la), ds)
}

/// The envelope's required fields, well-formed.
fn check_envelope(category: &str, record: &Record) {
    let text = |k: &str| {
        record
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{category}: no `{k}` in {record:?}"))
    };
    assert!(
        crate::support::parse_ts(text("time")).is_some(),
        "{category}: time {}",
        text("time")
    );
    let id = text("resourceId");
    assert!(
        id.starts_with("/tenants/") || id.starts_with("/SUBSCRIPTIONS/"),
        "{category}: resourceId {id}"
    );
    assert!(!text("operationName").is_empty(), "{category}: empty operationName");
    assert_eq!(text("category"), category);
    assert!(
        record["properties"].is_object(),
        "{category}: properties {:?}",
        record["properties"]
    );
}

#[test]
fn storage_holds_every_record_once_in_its_resource_and_hour_blob() {
    let tmp = TempDir::new("shape-storage");
    let (la, ds) = both_shapes(&tmp, &scenario_path("seed.yaml"), &[]);
    let expected = expected(&la);
    let actual = storage_records(&ds);
    let info = &manifest(&ds)["diagnostic_settings"];
    assert_eq!(info["delivery"], "storage");
    assert_eq!(actual.len(), 6, "six categories: {:?}", actual.keys());
    for (category, records) in &actual {
        let mut got: Vec<String> = records.iter().map(|(_, r)| Value::Object(r.clone()).to_string()).collect();
        let mut want: Vec<String> = expected[category.as_str()]
            .iter()
            .map(|r| Value::Object(r.clone()).to_string())
            .collect();
        assert!(!want.is_empty(), "{category} has no records in the seed");
        got.sort();
        want.sort();
        assert!(
            got == want,
            "{category}: {} records delivered, {} expected, or they differ",
            got.len(),
            want.len()
        );
        assert_eq!(info["categories"][category]["records"], records.len() as u64);
        for (blob, record) in records {
            check_envelope(category, record);
            let time = crate::support::parse_ts(record["time"].as_str().unwrap()).unwrap();
            let hour = time.format("/y=%Y/m=%m/d=%d/h=%H/m=00/PT1H.json").to_string();
            assert!(blob.ends_with(&hour), "{category}: a record of {time} in {blob}");
            let resource = match category.as_str() {
                "WorkflowRuntime" => format!("resourceId={}", record["workflowId"].as_str().unwrap()),
                "AuditEvent" => format!("resourceId={}", record["resourceId"].as_str().unwrap()),
                "Administrative" => format!(
                    "resourceId=/SUBSCRIPTIONS/{}",
                    record["resourceId"].as_str().unwrap().split('/').nth(2).unwrap()
                ),
                _ => format!("tenantId={}", record["tenantId"].as_str().unwrap()),
            };
            assert_eq!(blob.strip_suffix(&hour), Some(resource.as_str()), "{category}: blob {blob}");
        }
    }
    let la_manifest = &la.manifest["tables"];
    let ds_manifest = manifest(&ds);
    for table in TABLES {
        let delivered: u64 = ds_manifest["diagnostic_settings"]["categories"]
            .as_object()
            .unwrap()
            .values()
            .filter(|c| c["table"] == table)
            .map(|c| c["records"].as_u64().unwrap())
            .sum();
        assert_eq!(la_manifest[table]["records"], delivered, "{table}");
        assert_eq!(ds_manifest["tables"][table]["records"], delivered, "{table}");
        assert_eq!(la.records(table).len() as u64, delivered, "{table}");
    }
}

#[test]
fn every_label_record_resolves_in_the_shaped_output_and_keeps_its_table_key() {
    let tmp = TempDir::new("shape-labels");
    let (la, ds) = both_shapes(&tmp, &scenario_path("tenant-small.yaml"), &[]);
    let records = storage_records(&ds);
    let shaped = manifest(&ds);
    let labels = shaped["anomalies"].as_array().unwrap();
    assert!(!labels.is_empty());
    let mut resolved = 0;
    for (label, la_label) in labels.iter().zip(la.manifest["anomalies"].as_array().unwrap()) {
        for (key, la_key) in label["records"]
            .as_array()
            .unwrap()
            .iter()
            .zip(la_label["records"].as_array().unwrap())
        {
            for column in ["table", "column", "value"] {
                assert_eq!(
                    key[column], la_key[column],
                    "{}: the Log Analytics key stays as it was",
                    label["id"]
                );
            }
            let shaped_key = &key["diagnostic_settings"];
            let (category, field, value) = (
                shaped_key["category"].as_str().expect("every key has its shaped form"),
                shaped_key["field"].as_str().unwrap(),
                &shaped_key["value"],
            );
            assert_eq!(value, &key["value"]);
            let found = records[category].iter().any(|(_, r)| shape::field(r, field) == Some(value));
            assert!(found, "{}: no {category} record has {field} = {value}", label["id"]);
            resolved += 1;
        }
    }
    assert!(resolved > 10, "only {resolved} label records");
    assert!(la.manifest["anomalies"][0]["records"][0].get("diagnostic_settings").is_none());
}

#[test]
fn event_hub_messages_stay_within_the_bound_and_hold_every_record_once_in_order() {
    let tmp = TempDir::new("shape-hub");
    let bound = 16 * 1024;
    let (la, ds) = both_shapes(
        &tmp,
        &scenario_path("seed.yaml"),
        &["--delivery", "event-hub", "--max-message-bytes", "16KiB"],
    );
    let expected = expected(&la);
    let info = manifest(&ds)["diagnostic_settings"].clone();
    assert_eq!(info["max_message_bytes"], bound);
    let mut split = 0;
    for (category, messages) in hub_messages(&ds) {
        let mut records = Vec::new();
        for message in &messages {
            assert!(message.len() <= bound, "{category}: a message of {} bytes", message.len());
            let body = parse(message);
            assert_eq!(body.keys().collect::<Vec<_>>(), ["records"], "{category}: {message:.80}");
            let batch = body["records"].as_array().unwrap();
            assert!(!batch.is_empty(), "{category}: an empty message");
            records.extend(batch.iter().map(|r| r.as_object().unwrap().clone()));
        }
        for record in &records {
            check_envelope(&category, record);
        }
        assert!(
            records == expected[category.as_str()],
            "{category}: the messages do not hold the records in order"
        );
        assert_eq!(
            info["categories"][&category]["messages"].as_u64().unwrap_or(0),
            messages.len() as u64
        );
        split += usize::from(messages.len() > 1);
    }
    assert!(split >= 2, "the bound split no category into several messages");
}

#[test]
fn the_shape_does_not_depend_on_threads_and_compresses_each_file() {
    let tmp = TempDir::new("shape-threads");
    let seed = scenario_path("seed.yaml");
    let shaped = ["--shape", "diagnostic-settings"];
    let run = |name: &str, extra: &[&str]| {
        let out = tmp.join(name);
        generate_bin(&seed, &out, &[&shaped[..], extra].concat());
        out
    };
    let one = run("one", &["--threads", "1", "--compress", "gzip"]);
    let three = run("three", &["--threads", "3", "--compress", "gzip"]);
    let plain = run("plain", &["--threads", "2"]);
    let (a, b, c) = (files_below(&one), files_below(&three), files_below(&plain));
    assert_eq!(a.len(), c.len());
    for ((x, y), z) in a.iter().zip(&b).zip(&c) {
        assert_eq!(x.strip_prefix(&one).unwrap(), y.strip_prefix(&three).unwrap());
        assert_eq!(std::fs::read(x).unwrap(), std::fs::read(y).unwrap(), "{}", x.display());
        if x.ends_with("manifest.json") {
            continue;
        }
        assert!(x.to_string_lossy().ends_with("PT1H.json.gz"), "{}", x.display());
        assert_eq!(
            format!("{}.gz", z.strip_prefix(&plain).unwrap().display()),
            x.strip_prefix(&one).unwrap().display().to_string()
        );
        assert_eq!(text_of(x), text_of(z), "{}", x.display());
    }
}

/// The first record of `category` in the Log Analytics output and in the shaped one.
fn first_pair<'a>(la: &'a Generated, hubs: &BTreeMap<String, Vec<String>>, category: Category) -> (&'a Record, Record) {
    let table = category.table();
    let la_record = la
        .records(table.name())
        .iter()
        .find(|r| shape::convert(table, r).unwrap().category == category)
        .unwrap();
    let first = &hubs[shape::category_field(category)][0];
    let shaped = parse(first)["records"][0].as_object().unwrap().clone();
    (la_record, shaped)
}

#[test]
fn known_values_map_as_the_reference_exports_show() {
    let tmp = TempDir::new("shape-golden");
    let (la, ds) = both_shapes(&tmp, &scenario_path("seed.yaml"), &["--delivery", "event-hub"]);
    let hubs = hub_messages(&ds);
    let s = |r: &Record, k: &str| r[k].as_str().unwrap().to_owned();

    // Sign-ins (azure-logs.md §2.1–2.2): tenant-level resourceId, camelCase properties, Level 4.
    for category in [Category::ServicePrincipalSignInLogs, Category::ManagedIdentitySignInLogs] {
        let (l, d) = first_pair(&la, &hubs, category);
        let p = d["properties"].as_object().unwrap();
        assert_eq!(
            d["resourceId"],
            format!("/tenants/{}/providers/Microsoft.aadiam", s(l, "AADTenantId"))
        );
        assert_eq!(d["tenantId"], l["AADTenantId"]);
        assert_eq!(d["operationName"], "Sign-in activity");
        assert_eq!(d["Level"], 4);
        assert_eq!(p["id"], l["Id"]);
        assert_eq!(p["servicePrincipalId"], l["ServicePrincipalId"]);
        assert_eq!(p["appId"], l["AppId"]);
        assert_eq!(p["resourceId"], l["ResourceIdentity"]);
        assert_eq!(p["ipAddress"], l["IPAddress"]);
        assert_eq!(p["status"]["errorCode"], s(l, "ResultType").parse::<i64>().unwrap());
        assert_eq!(p["location"], serde_json::from_str::<Value>(&s(l, "LocationDetails")).unwrap());
        assert_eq!(p["createdDateTime"], s(l, "CreatedDateTime").replace('Z', "+00:00"));
        let managed = category == Category::ManagedIdentitySignInLogs;
        assert_eq!(d.contains_key("callerIpAddress"), !managed, "{d:?}");
        assert_eq!(p.contains_key("managedServiceIdentity"), managed);
        assert_eq!(p.contains_key("authenticationProcessingDetails"), !managed);
    }

    // AuditLogs (§2.4): the audit category in properties, operationType, Entra times.
    let (l, d) = first_pair(&la, &hubs, Category::AuditLogs);
    assert_eq!(d["category"], "AuditLogs");
    assert_eq!(d["resourceId"], l["ResourceId"]);
    assert_eq!(d["properties"]["id"], l["Id"]);
    assert_eq!(d["properties"]["category"], l["Category"]);
    assert_eq!(d["properties"]["operationType"], l["AADOperationType"]);
    assert_eq!(d["properties"]["initiatedBy"], l["InitiatedBy"]);
    assert_eq!(d["properties"]["targetResources"], l["TargetResources"]);

    // Key Vault AuditEvent (§3.4): string durationMs, whole-number httpStatusCode, claims.
    let (l, d) = first_pair(&la, &hubs, Category::KeyVaultAuditEvent);
    assert_eq!(d["resourceId"], l["ResourceId"]);
    assert_eq!(d["callerIpAddress"], l["CallerIPAddress"]);
    assert_eq!(d["durationMs"], l["DurationMs"].to_string());
    assert_eq!(d["properties"]["httpStatusCode"], l["httpStatusCode_d"].as_f64().unwrap() as i64);
    assert_eq!(d["properties"]["requestUri"], l["requestUri_s"]);
    assert_eq!(d["properties"]["clientInfo"], l["clientInfo_s"]);
    let with_claims = hubs["AuditEvent"]
        .iter()
        .flat_map(|m| parse(m)["records"].as_array().unwrap().clone())
        .find(|r| r.get("identity").is_some())
        .unwrap();
    assert!(with_claims["identity"]["claim"]["appid"].is_string(), "{with_claims}");

    // Activity log (§3.3): upper-case ids and operation, Information, identity from claims.
    let (l, d) = first_pair(&la, &hubs, Category::ActivityLog);
    assert_eq!(d["resourceId"], s(l, "ResourceId").to_uppercase());
    assert_eq!(d["operationName"], l["OperationNameValue"]);
    assert_eq!(d["category"], "Administrative");
    assert_eq!(d["resultType"], l["ActivityStatusValue"]);
    assert_eq!(d["level"], if l["Level"] == "Informational" { "Information" } else { "Error" });
    assert_eq!(d["location"], "global");
    assert_eq!(d["identity"]["claims"], l["Claims_d"]);
    assert_eq!(d["identity"]["authorization"], l["Authorization_d"]);
    assert_eq!(d["properties"], l["Properties_d"]);
    let signature = s(&d, "resultSignature");
    assert!(
        ["Started.", "Accepted.", "Succeeded.", "Failed."]
            .iter()
            .any(|p| signature.starts_with(p)),
        "{signature}"
    );

    // Logic Apps WorkflowRuntime (§3.5): workflowId on top, the run's resource in properties.
    let (l, d) = first_pair(&la, &hubs, Category::LogicAppsWorkflowRuntime);
    assert_eq!(d["workflowId"], l["workflowId_s"]);
    assert_eq!(d["level"], "Information");
    assert_eq!(d["properties"]["$schema"], l["_schema_s"]);
    assert_eq!(d["properties"]["resource"]["runId"], l["resource_runId_s"]);
    assert_eq!(d["properties"]["resource"]["workflowName"], l["resource_workflowName_s"]);
    assert_eq!(
        d["properties"]["correlation"]["clientTrackingId"],
        l["correlation_clientTrackingId_s"]
    );
}

#[test]
fn every_log_analytics_column_is_mapped_or_known_to_be_log_analytics_only() {
    let tmp = TempDir::new("shape-columns");
    for (i, name) in ["seed.yaml", "tenant-small.yaml", "library/key-vault.yaml"].iter().enumerate() {
        let scenario = scenario_path(name);
        let out = tmp.join(&format!("out{i}"));
        generate_bin(&scenario, &out, &[]);
        let la = load_output(&scenario, &out);
        for table in TABLES {
            for record in la.records(table) {
                let columns = Columns::new(table_of(table), record);
                let shaped = shape::convert_columns(&columns).unwrap();
                let dropped: Vec<&str> = columns
                    .unread()
                    .into_iter()
                    .filter(|c| !shape::is_log_analytics_only(shaped.category, c))
                    .collect();
                assert!(
                    dropped.is_empty(),
                    "{name}: {table} columns {dropped:?} are neither mapped nor Log Analytics only"
                );
            }
        }
    }
}

/// Runs `generate` with `args` into `out` and expects exit 2 with a message containing `needle`,
/// leaving neither the output nor a staging directory.
fn refused(tmp: &TempDir, args: &[&str], needle: &str) {
    let out = tmp.join("refused");
    let mut all = vec!["generate", "scenarios/seed.yaml", "--out", out.to_str().unwrap()];
    all.extend(args);
    let output = run_bin(&all);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.contains(needle), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.is_empty(), "{args:?} left {left:?}");
}

#[test]
fn bad_combinations_are_clear_errors_that_leave_nothing() {
    let tmp = TempDir::new("shape-bad");
    refused(&tmp, &["--shape", "diagnostic-settings", "--shard", "0/2"], "--threads");
    refused(
        &tmp,
        &["--delivery", "event-hub"],
        "--delivery applies to --shape diagnostic-settings",
    );
    refused(
        &tmp,
        &["--shape", "diagnostic-settings", "--max-message-bytes", "64KiB"],
        "--delivery event-hub",
    );
    refused(&tmp, &["--shape", "tables"], "possible values: log-analytics, diagnostic-settings");
    refused(
        &tmp,
        &[
            "--shape",
            "diagnostic-settings",
            "--delivery",
            "event-hub",
            "--max-message-bytes",
            "100",
        ],
        "below 1KiB",
    );
    // An Administrative event with its claims is several KB: it does not fit a 2 KiB message.
    let tight = [
        "--shape",
        "diagnostic-settings",
        "--delivery",
        "event-hub",
        "--max-message-bytes",
        "2KiB",
    ];
    refused(&tmp, &tight, "rather than lose the record");
}

#[test]
fn other_commands_say_the_directory_holds_the_other_shape() {
    let tmp = TempDir::new("shape-commands");
    let ds = tmp.join("ds");
    generate_bin(&scenario_path("seed.yaml"), &ds, &["--shape", "diagnostic-settings"]);
    let data = ds.to_str().unwrap();
    let kit = tmp.join("kit");
    for args in [
        vec!["query", "--data", data, "AuditLogs | count"],
        vec!["verify", "--data", data],
        vec!["export", "adx", "--data", data, "--out", kit.to_str().unwrap()],
    ] {
        let output = run_bin(&args);
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("holds the diagnostic-settings shape"), "{args:?}: {stderr}");
        assert!(stderr.contains("--shape log-analytics"), "{args:?}: {stderr}");
    }
    assert!(!kit.exists());
}

#[test]
fn either_shape_replaces_the_other_but_never_a_directory_it_did_not_write() {
    let tmp = TempDir::new("shape-replace");
    let out = tmp.join("out");
    let seed = scenario_path("seed.yaml");
    let names = |dir: &Path| {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    generate_bin(&seed, &out, &[]);
    generate_bin(&seed, &out, &["--shape", "diagnostic-settings"]);
    assert!(names(&out).contains(&"insights-logs-auditevent".to_owned()), "{:?}", names(&out));
    assert!(!names(&out).iter().any(|n| n.ends_with(".jsonl")), "{:?}", names(&out));
    generate_bin(&seed, &out, &["--shape", "diagnostic-settings", "--delivery", "event-hub"]);
    assert!(
        names(&out).iter().all(|n| n.ends_with(".jsonl") || n == "manifest.json"),
        "{:?}",
        names(&out)
    );
    generate_bin(&seed, &out, &[]);
    assert_eq!(names(&out).len(), 6, "{:?}", names(&out));
    // A container-named directory the manifest does not list is not ours, also with --force.
    std::fs::create_dir(out.join("insights-logs-auditlogs")).unwrap();
    std::fs::write(out.join("insights-logs-auditlogs").join("mine.json"), "{}").unwrap();
    let output = run_bin(&[
        "generate",
        seed.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--shape",
        "diagnostic-settings",
        "--force",
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    assert!(stderr_of(&output).contains("insights-logs-auditlogs/"), "{}", stderr_of(&output));
    assert!(out.join("insights-logs-auditlogs").join("mine.json").is_file());
}

#[test]
fn the_default_shape_is_the_log_analytics_shape_byte_for_byte() {
    let tmp = TempDir::new("shape-default");
    let seed = scenario_path("seed.yaml");
    let (default, explicit) = (tmp.join("default"), tmp.join("explicit"));
    generate_bin(&seed, &default, &[]);
    generate_bin(&seed, &explicit, &["--shape", "log-analytics"]);
    let (a, b) = (files_below(&default), files_below(&explicit));
    assert_eq!(a.len(), 6);
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.file_name(), y.file_name());
        assert_eq!(std::fs::read(x).unwrap(), std::fs::read(y).unwrap(), "{}", x.display());
    }
    let manifest = std::fs::read_to_string(default.join("manifest.json")).unwrap();
    assert!(!manifest.contains("diagnostic_settings"), "the default manifest gains nothing");
}
