//! `tenantless export log-analytics`: a kit that puts generated tables into a Log Analytics lab
//! workspace. None of the five tables accepts the Logs Ingestion API, so the records go to custom
//! `<Table>_CL` tables: `tables/` holds their definitions for the Tables API, `dcr.json` a data
//! collection rule whose stream declarations take the records as generated and whose
//! `transformKql` renames what a custom table cannot hold (reserved names, names over the length
//! limit), `batches/` the records as Logs Ingestion API bodies of at most a given size,
//! `functions/` one KQL function per real table that reads its `_CL` table back under the original
//! column names (so stock rules run unchanged), and `setup.sh` does it all with `az` and `curl`.

use super::ExportError;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// Longest column name a custom table may have (create-custom-table.md, ms.date 2026-05-25:
/// 2 to 45 characters, a letter first, then letters, digits and `_`).
pub const MAX_COLUMN_NAME: usize = 45;
/// Largest body of one Logs Ingestion API call, compressed or not (Azure Monitor service limits,
/// Logs Ingestion API).
pub const MAX_BATCH_BYTES: u64 = 1_000_000;
/// Column names a custom table may not use: create-custom-table.md's list and the Logs Ingestion
/// API overview's (ms.date 2026-08-13), compared case-insensitively.
pub const RESERVED: [&str; 13] = [
    "id",
    "BilledSize",
    "IsBillable",
    "InvalidTimeGenerated",
    "TenantId",
    "Title",
    "Type",
    "UniqueId",
    "_ItemId",
    "_ResourceGroup",
    "_ResourceId",
    "_SubscriptionId",
    "_TimeReceived",
];
/// Columns the workspace gives every record of a table: where the records carry their own of
/// these names, the shim function drops the workspace's before restoring the records'.
pub const WORKSPACE_COLUMNS: [&str; 6] = ["TenantId", "Type", "_ResourceId", "_SubscriptionId", "_BilledSize", "_IsBillable"];
/// What a renamed column's new name starts with.
const PREFIX: &str = "Src_";

/// What to export and how.
#[derive(Debug, Clone)]
pub struct LogAnalyticsOptions {
    /// A `generate` output directory.
    pub data: PathBuf,
    /// The kit directory to write (must not exist, or be empty).
    pub out: PathBuf,
    /// Largest body of one batch, bytes (at most [`MAX_BATCH_BYTES`]).
    pub batch_bytes: u64,
}

/// One column: its name in the generated records and in the custom table, and its types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnPlan {
    /// As generated (and as the stream declares it).
    pub original: String,
    /// As the custom table stores it.
    pub stored: String,
    /// The documented Kusto type of the original column.
    pub kusto_type: String,
}

impl ColumnPlan {
    /// The type a DCR stream declaration and the Tables API take for it: `guid` goes as `string`
    /// (the shim function turns it back).
    pub fn api_type(&self) -> &'static str {
        match self.kusto_type.as_str() {
            "datetime" => "datetime",
            "bool" | "boolean" => "boolean",
            "long" => "long",
            "int" => "int",
            "real" | "decimal" => "real",
            "dynamic" => "dynamic",
            _ => "string",
        }
    }
}

/// One table of the kit.
#[derive(Debug, Clone)]
pub struct TablePlan {
    /// The real table's name.
    pub name: String,
    /// Its columns.
    pub columns: Vec<ColumnPlan>,
    /// Its batch files, relative to the kit, with their records.
    pub batches: Vec<(String, u64)>,
}

impl TablePlan {
    /// The custom table's name.
    pub fn custom(&self) -> String {
        format!("{}_CL", self.name)
    }
}

/// The name a custom table can hold for `original`, unique among `taken` (lower-cased).
pub fn stored_name(original: &str, taken: &mut Vec<String>) -> String {
    let reserved = RESERVED.iter().any(|r| r.eq_ignore_ascii_case(original));
    let mut name: String = original
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
        .collect();
    if reserved || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name = format!("{PREFIX}{}", name.trim_start_matches('_'));
    }
    if name.len() > MAX_COLUMN_NAME || taken.contains(&name.to_ascii_lowercase()) {
        // Cut, and keep it unique with a hash of the whole original name.
        let hash = format!("{:08x}", fnv(original));
        name = format!("{}_{hash}", &name[..name.len().min(MAX_COLUMN_NAME - 9)]);
    }
    taken.push(name.to_ascii_lowercase());
    name
}

/// FNV-1a, 32 bits: a short stable suffix (not a security hash).
fn fnv(text: &str) -> u32 {
    text.bytes()
        .fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

/// The columns of a table: the documented ones, then any other field the records hold.
fn plan_columns(table: &str, extra: &[String]) -> Vec<ColumnPlan> {
    let mut taken = Vec::new();
    let documented = crate::kql::table::documented_columns(table).unwrap_or_default();
    let others: Vec<(String, String)> = extra
        .iter()
        .filter(|e| !documented.iter().any(|(n, _)| n == *e))
        .map(|e| (e.clone(), "string".to_owned()))
        .collect();
    documented
        .into_iter()
        .chain(others)
        .map(|(original, kusto_type)| ColumnPlan {
            stored: stored_name(&original, &mut taken),
            original,
            kusto_type,
        })
        .collect()
}

/// Writes the kit and returns its tables.
pub fn export(options: &LogAnalyticsOptions) -> Result<Vec<TablePlan>, ExportError> {
    if options.batch_bytes < 1000 || options.batch_bytes > MAX_BATCH_BYTES {
        return Err(ExportError::Usage(format!(
            "--batch-bytes must be between 1000 and {MAX_BATCH_BYTES}: the Logs Ingestion API takes bodies of at most 1 MB"
        )));
    }
    let staged = super::Staging::create(&options.out)?;
    let mut plans = Vec::new();
    for (table, path) in super::tables_in(&options.data)? {
        plans.push(batch_table(&table, &path, staged.path(), options.batch_bytes)?);
    }
    let write = |name: &str, text: String| staged.write(name, &text);
    for plan in &plans {
        write(&format!("tables/{}.json", plan.custom()), format!("{:#}\n", table_definition(plan)))?;
        write(&format!("functions/{}.kql", plan.name), shim_function(plan) + "\n")?;
    }
    write("dcr.json", format!("{:#}\n", data_collection_rule(&plans)))?;
    staged.write_script("setup.sh", &setup_script(&plans))?;
    staged.finish()?;
    Ok(plans)
}

/// Splits a table's records into JSON-array batches of at most `limit` bytes.
fn batch_table(table: &str, path: &Path, kit: &Path, limit: u64) -> Result<TablePlan, ExportError> {
    let dir = kit.join("batches").join(table);
    std::fs::create_dir_all(&dir).map_err(|e| ExportError::io(&dir, e))?;
    let mut extra: Vec<String> = Vec::new();
    let mut batches: Vec<(String, u64)> = Vec::new();
    let mut body = String::from("[");
    let mut records = 0u64;
    let flush = |body: &mut String, records: &mut u64, batches: &mut Vec<(String, u64)>| -> Result<(), ExportError> {
        if *records == 0 {
            return Ok(());
        }
        body.push(']');
        let name = format!("batches/{table}/{table}-{:04}.json", batches.len() + 1);
        std::fs::write(kit.join(&name), body.as_bytes()).map_err(|e| ExportError::io(kit.join(&name), e))?;
        batches.push((name, *records));
        body.clear();
        body.push('[');
        *records = 0;
        Ok(())
    };
    super::for_each_record(path, |number, line, record| {
        for key in record.keys() {
            if !extra.contains(key) {
                extra.push(key.clone());
            }
        }
        // `[` + records joined by `,` + `]`.
        let needed = line.len() as u64 + 2;
        if needed > limit {
            return Err(ExportError::Input(format!(
                "{}:{number}: a record of {} bytes does not fit in a batch of {limit}",
                path.display(),
                line.len()
            )));
        }
        if records > 0 && body.len() as u64 + needed > limit {
            flush(&mut body, &mut records, &mut batches)?;
        }
        if records > 0 {
            body.push(',');
        }
        body.push_str(line);
        records += 1;
        Ok(())
    })?;
    flush(&mut body, &mut records, &mut batches)?;
    Ok(TablePlan {
        name: table.to_owned(),
        columns: plan_columns(table, &extra),
        batches,
    })
}

/// The custom table's definition, as the Tables API takes it (`PUT …/tables/<name>_CL`). A
/// `guid` column is declared `string`: the stream cannot carry `guid`, and the Tables API stores
/// it as a string anyway (logs-table-overview.md); the shim function turns it back.
fn table_definition(plan: &TablePlan) -> Value {
    let columns: Vec<Value> = plan
        .columns
        .iter()
        .map(|c| json!({"name": c.stored, "type": table_api_type(c)}))
        .collect();
    json!({"properties": {"schema": {"name": plan.custom(), "columns": columns}}})
}

/// The Tables API spells some types in camel case.
fn table_api_type(c: &ColumnPlan) -> &'static str {
    match c.api_type() {
        "datetime" => "dateTime",
        other => other,
    }
}

/// The stream name of a table in the DCR.
pub fn stream_name(table: &str) -> String {
    format!("Custom-{table}")
}

/// The `transformKql` that stores a table's records under the names its custom table can hold.
pub fn transform_kql(plan: &TablePlan) -> String {
    let renames: Vec<String> = plan
        .columns
        .iter()
        .filter(|c| c.stored != c.original)
        .map(|c| format!("{} = ['{}']", c.stored, c.original))
        .collect();
    if renames.is_empty() {
        "source".to_owned()
    } else {
        format!("source | project-rename {}", renames.join(", "))
    }
}

/// A data collection rule (ARM template) with one stream, data flow and transformation per table.
fn data_collection_rule(plans: &[TablePlan]) -> Value {
    let streams: serde_json::Map<String, Value> = plans
        .iter()
        .map(|p| {
            let columns: Vec<Value> = p
                .columns
                .iter()
                .map(|c| json!({"name": c.original, "type": c.api_type()}))
                .collect();
            (stream_name(&p.name), json!({"columns": columns}))
        })
        .collect();
    let flows: Vec<Value> = plans
        .iter()
        .map(|p| {
            json!({
                "streams": [stream_name(&p.name)],
                "destinations": ["lab"],
                "transformKql": transform_kql(p),
                "outputStream": format!("Custom-{}", p.custom()),
            })
        })
        .collect();
    json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "dcrName": {"type": "string", "defaultValue": "tenantless-lab"},
            "location": {"type": "string"},
            "workspaceResourceId": {"type": "string"},
        },
        "resources": [{
            "type": "Microsoft.Insights/dataCollectionRules",
            "apiVersion": "2023-03-11",
            "name": "[parameters('dcrName')]",
            "location": "[parameters('location')]",
            "kind": "Direct",
            "properties": {
                "streamDeclarations": streams,
                "destinations": {"logAnalytics": [{"workspaceResourceId": "[parameters('workspaceResourceId')]", "name": "lab"}]},
                "dataFlows": flows,
            },
        }],
        "outputs": {
            "immutableId": {"type": "string", "value": "[reference(parameters('dcrName')).immutableId]"},
            "logsIngestionEndpoint": {"type": "string", "value": "[reference(parameters('dcrName')).endpoints.logsIngestion]"},
        },
    })
}

/// The function named after the real table: its custom table under the original names and types.
pub fn shim_function(plan: &TablePlan) -> String {
    let renamed: Vec<&ColumnPlan> = plan.columns.iter().filter(|c| c.stored != c.original).collect();
    let mut text = plan.custom();
    // The workspace's own columns of these names give way to the records' own.
    let own: Vec<String> = renamed
        .iter()
        .filter(|c| WORKSPACE_COLUMNS.contains(&c.original.as_str()))
        .map(|c| format!("['{}']", c.original))
        .collect();
    if !own.is_empty() {
        text.push_str(&format!("\n| project-away {}", own.join(", ")));
    }
    if !renamed.is_empty() {
        let renames: Vec<String> = renamed.iter().map(|c| format!("['{}'] = {}", c.original, c.stored)).collect();
        text.push_str(&format!("\n| project-rename {}", renames.join(", ")));
    }
    let guids: Vec<String> = plan
        .columns
        .iter()
        .filter(|c| c.kusto_type == "guid")
        .map(|c| format!("['{0}'] = toguid(['{0}'])", c.original))
        .collect();
    if !guids.is_empty() {
        text.push_str(&format!("\n| extend {}", guids.join(", ")));
    }
    text
}

/// The script that creates the tables, deploys the DCR, sends the batches and saves the functions.
fn setup_script(plans: &[TablePlan]) -> String {
    let mut script = String::from(SETUP_HEAD);
    for p in plans {
        script.push_str(&format!(
            "az rest --method put --url \"$workspace/tables/{0}?api-version=2022-10-01\" --body @tables/{0}.json >/dev/null\n",
            p.custom()
        ));
    }
    script.push_str(SETUP_DCR);
    for p in plans {
        for (batch, _) in &p.batches {
            script.push_str(&format!("send {} {batch}\n", stream_name(&p.name)));
        }
    }
    for p in plans {
        script.push_str(&format!("save_function {} functions/{}.kql\n", p.name, p.name));
    }
    script
}

const SETUP_HEAD: &str = r#"#!/usr/bin/env bash
# Puts this kit into a Log Analytics lab workspace (after `az login`):
#   ./setup.sh SUBSCRIPTION RESOURCE_GROUP WORKSPACE LOCATION
# Creates the <Table>_CL tables, deploys dcr.json, sends every batch to the Logs Ingestion API and
# saves one function per real table that reads its _CL table under the original column names.
set -euo pipefail
cd "$(dirname "$0")"
sub="$1"; rg="$2"; ws="$3"; location="$4"
workspace="https://management.azure.com/subscriptions/$sub/resourceGroups/$rg/providers/Microsoft.OperationalInsights/workspaces/$ws"
workspace_id="/subscriptions/$sub/resourceGroups/$rg/providers/Microsoft.OperationalInsights/workspaces/$ws"
"#;

const SETUP_DCR: &str = r#"out="$(az deployment group create --resource-group "$rg" --template-file dcr.json \
  --parameters location="$location" workspaceResourceId="$workspace_id" --query properties.outputs -o json)"
dcr="$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["immutableId"]["value"])')"
endpoint="$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["logsIngestionEndpoint"]["value"])')"
token="$(az account get-access-token --resource https://monitor.azure.com --query accessToken -o tsv)"
send() {
  curl --fail --silent --show-error -X POST "$endpoint/dataCollectionRules/$dcr/streams/$1?api-version=2023-01-01" \
    -H "Authorization: Bearer $token" -H "Content-Type: application/json" --data-binary "@$2"
}
save_function() {
  az monitor log-analytics workspace saved-search create --resource-group "$rg" --workspace-name "$ws" \
    --name "tenantless-$1" --category tenantless --display-name "$1" --func-alias "$1" --saved-query "$(cat "$2")" >/dev/null
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_keep_within_the_limits_and_stay_unique() {
        let mut taken = Vec::new();
        assert_eq!(stored_name("ResultType", &mut taken), "ResultType");
        assert_eq!(stored_name("TenantId", &mut taken), "Src_TenantId");
        assert_eq!(stored_name("_ResourceId", &mut taken), "Src_ResourceId");
        let long = "identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g";
        let a = stored_name(long, &mut taken);
        let b = stored_name(&long.replace("objectidentifier", "tenantid"), &mut taken);
        assert!(a.len() <= MAX_COLUMN_NAME && b.len() <= MAX_COLUMN_NAME && a != b, "{a} {b}");
        assert!(a.starts_with(&long[..MAX_COLUMN_NAME - 9]), "{a}");
    }
}
