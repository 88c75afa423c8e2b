//! `manifest.json`: what a `generate` run wrote, from what, and the ground truth of its anomalies.

use crate::compress::{Compression, TableFormat};
use crate::scenario::model::AnomalyKind;
use crate::shape::Delivery;
use crate::tables::RecordKey;
use crate::verify::error::FileError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The manifest's file name in a `generate` output directory.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The `tool` a manifest must name to be read as tenantless's.
pub const TOOL_NAME: &str = "tenantless";
/// Version of the manifest's own layout, bumped whenever a field or a spelling changes.
/// 2: identity kinds and anomaly kinds are written as scenarios spell them (`system_assigned_mi`),
/// not as Rust names (`SystemAssignedMi`).
pub const MANIFEST_FORMAT: u32 = 2;

fn format_before_versioning() -> u32 {
    1
}

/// The contents of `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// Always [`TOOL_NAME`]; a manifest naming another tool is rejected.
    pub tool: String,
    /// The tool's version.
    pub version: String,
    /// The manifest layout's version ([`MANIFEST_FORMAT`]); 1 for manifests written before it existed.
    #[serde(default = "format_before_versioning")]
    pub format: u32,
    /// The scenario files the run read, in the order given.
    pub scenarios: Vec<ScenarioEntry>,
    /// The seed every generated ID and random choice derives from.
    pub seed: u64,
    /// The simulated period: earliest scenario start to latest scenario end.
    pub time_range: TimeRange,
    /// Per table the run writes (the five, also when empty, plus `AZKVAuditLogs` when Key Vault
    /// is in resource-specific mode): records, bytes written, billed bytes.
    pub tables: BTreeMap<String, TableStats>,
    /// Ground truth: every injected anomaly and benign near-miss, numbered in scenario order.
    pub anomalies: Vec<Label>,
    /// Every identity with its IDs, so that queries' placeholders can be bound by name.
    #[serde(default)]
    pub identities: Vec<IdentityEntry>,
    /// The scenarios' expectations of rules, for `verify`.
    #[serde(default)]
    pub expectations: Vec<Expectation>,
    /// How the table files are compressed (`--compress`); absent for plain `<Table>.jsonl`.
    #[serde(default, skip_serializing_if = "Compression::is_none")]
    pub compression: Compression,
    /// Per table, its file's name, when compressed or Parquet (plain outputs name them `<Table>.jsonl`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, String>,
    /// How the table files are written (`generate --format`); absent for NDJSON.
    #[serde(default, skip_serializing_if = "TableFormat::is_jsonl")]
    pub table_format: TableFormat,
    /// Which share of a `--shard K/N` run the directory holds; absent for a whole output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardInfo>,
    /// What a `--shape diagnostic-settings` run wrote instead of the table files; absent for the
    /// Log Analytics shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostic_settings: Option<DiagnosticSettingsInfo>,
}

/// The containers or hubs of a diagnostic-settings output (see [`crate::shape`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DiagnosticSettingsInfo {
    /// Storage blobs or Event Hub messages.
    pub delivery: Delivery,
    /// The largest Event Hub message body, bytes; absent for storage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_message_bytes: Option<usize>,
    /// Per category (its records' `category` field, e.g. `AuditEvent`), what it holds.
    pub categories: BTreeMap<String, CategoryOutput>,
}

/// One category of a diagnostic-settings output.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CategoryOutput {
    /// The Log Analytics table the same records are in.
    pub table: String,
    /// Its container directory (storage) or hub file (Event Hub), relative to the output.
    pub path: String,
    /// Records.
    pub records: u64,
    /// Bytes written, after compression.
    pub bytes: u64,
    /// Blobs in the container (storage only).
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub blobs: u64,
    /// Messages in the hub file (Event Hub only).
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub messages: u64,
}

fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}

/// What a shard's manifest says about the share it holds, for `merge` (see `generate::shard`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ShardInfo {
    /// Which share, from 0.
    pub index: u32,
    /// How many shares.
    pub count: u32,
    /// Events per chunk the stream was cut into.
    pub chunk_events: usize,
    /// Per chunk this shard wrote (its chunks `index`, `index + count`, … in order), the records it
    /// holds per table the run writes (those `tables` lists), in [`crate::tables::Table::ALL`] order.
    pub chunks: Vec<Vec<u64>>,
}

/// A scenario's expectation of a rule, as `verify` checks it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Expectation {
    /// The rule's file name without extension, its `name`, or its `id`.
    pub rule: String,
    /// Behaviours (built-in kinds or custom labels) the rule must catch.
    #[serde(default)]
    pub catches: Vec<String>,
    /// Behaviours the rule must miss.
    #[serde(default)]
    pub misses: Vec<String>,
}

impl Expectation {
    /// Whether it is about the rule in `path` named `name` with id `id`.
    pub fn concerns(&self, path: &Path, name: &str, id: Option<&str>) -> bool {
        let wanted = self.rule.trim();
        path.file_stem().is_some_and(|s| s.to_string_lossy() == wanted)
            || name == wanted
            || id.is_some_and(|id| id.trim().eq_ignore_ascii_case(wanted))
    }
}

/// One simulated identity and the IDs generated for it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IdentityEntry {
    /// Name of the scenario that declares it.
    pub scenario: String,
    /// Display name (`ServicePrincipalName`), populations' members with their index filled in.
    pub name: String,
    /// Identity kind as scenarios spell it: `system_assigned_mi`, `user_assigned_mi` or `service_principal`.
    pub kind: String,
    /// Application (client) ID.
    pub app_id: String,
    /// Service principal object ID.
    pub service_principal_id: String,
}

/// One scenario file a run read.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ScenarioEntry {
    /// The scenario's `name`.
    pub name: String,
    /// The file's path as given on the command line.
    pub path: String,
    /// SHA-256 of the file's bytes, in hex, to tell whether the scenario changed since.
    pub sha256: String,
    /// Anomalies not injected because `--days` ended the period before them.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub anomalies_cut_by_days: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// RFC 3339 instants with seven fractional digits.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TimeRange {
    /// First instant.
    pub start: String,
    /// Last instant.
    pub end: String,
}

/// What a run wrote to one table.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct TableStats {
    /// Records (NDJSON lines) written.
    pub records: u64,
    /// Bytes of the NDJSON file.
    pub bytes: u64,
    /// Sum of the records' `_BilledSize`.
    pub billed_bytes: u64,
}

/// Ground truth for one injected anomaly.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Label {
    /// `A1`, `A2`, … in scenario order.
    pub id: String,
    /// Name of the scenario that injects it.
    pub scenario: String,
    /// What kind of anomaly it is.
    pub kind: AnomalyKind,
    /// True for a near-miss that must not count as the anomaly.
    pub benign: bool,
    /// Display name of the identity the anomaly acts as.
    pub identity: String,
    /// The identity's service principal object id.
    pub identity_id: String,
    /// Other names the identity appears under in the anomaly's records (e.g. after a rename).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Addresses the anomaly comes from (attacker or actor IPs).
    #[serde(default)]
    pub ips: Vec<String>,
    /// A custom anomaly's behaviour (`label`); absent for the built-in kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The ATT&CK technique a custom anomaly names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub technique: Option<String>,
    /// Every entity the anomaly involves: its actors and what they act on.
    #[serde(default)]
    pub entities: Vec<LabelEntity>,
    /// Time of the anomaly's first and last record; both empty when it produced none.
    pub window: TimeRange,
    /// The records the anomaly produced, one key each.
    pub records: Vec<LabelRecord>,
}

/// An entity an anomaly involves, as alerts may name it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct LabelEntity {
    /// `user`, `service_principal`, `managed_identity`, `application`, `group`, `device`,
    /// `directory_role`, `azure_role`, `azure_resource`, `policy` or `ip`.
    pub kind: String,
    /// Its name (a UPN for a user, a display name, an address).
    pub name: String,
    /// Its object or resource id (empty for an address).
    pub id: String,
}

impl Label {
    /// The behaviour the label stands for: a custom anomaly's `label`, or the built-in kind.
    pub fn behaviour(&self) -> String {
        self.label.clone().unwrap_or_else(|| self.kind.to_string())
    }
}

/// Identifies one record in the tables: the row of `table` whose `column` equals `value`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct LabelRecord {
    /// Table name, e.g. `AuditLogs`.
    pub table: String,
    /// The column that identifies the record in that table, e.g. `Id` or `CorrelationId`.
    pub column: String,
    /// The record's value in that column.
    pub value: String,
    /// The same record in a diagnostic-settings output; absent in the Log Analytics shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostic_settings: Option<ShapedRecord>,
}

/// Identifies one record in a diagnostic-settings output: the record of `category` whose field at
/// `field` (a dotted path, e.g. `properties.id`) equals `value`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct ShapedRecord {
    /// The records' `category` field, e.g. `ServicePrincipalSignInLogs`; the manifest's
    /// `diagnostic_settings.categories` says where that category's records are.
    pub category: String,
    /// The field's dotted path.
    pub field: String,
    /// Its value.
    pub value: String,
}

impl From<&RecordKey> for LabelRecord {
    fn from(key: &RecordKey) -> Self {
        Self {
            table: key.table.name().to_owned(),
            column: key.column.to_owned(),
            value: key.value.clone(),
            diagnostic_settings: None,
        }
    }
}

impl LabelRecord {
    /// The record with where it is in the diagnostic-settings shape too.
    pub fn with_shaped_key(mut self) -> Self {
        let table = crate::tables::Table::ALL.into_iter().find(|t| t.name() == self.table);
        self.diagnostic_settings = table
            .and_then(|t| crate::shape::key_field(t, &self.column))
            .map(|(category, field)| ShapedRecord {
                category: crate::shape::category_field(category).to_owned(),
                field: field.to_owned(),
                value: self.value.clone(),
            });
        self
    }
}

impl TimeRange {
    /// Start and end as instants; `None` when either does not parse.
    pub fn bounds(&self) -> Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> {
        Some((crate::timefmt::parse_ts(&self.start)?, crate::timefmt::parse_ts(&self.end)?))
    }
}

/// The largest manifest read: it holds a label per anomaly and an entry per identity, a few MiB
/// for the largest tenants; the bound keeps a FIFO or device named manifest.json from hanging.
pub const MAX_MANIFEST_BYTES: u64 = 256 * 1024 * 1024;

impl Manifest {
    /// The tables the run wrote (those `tables` lists), in [`crate::tables::Table::ALL`] order.
    pub fn written_tables(&self) -> Vec<crate::tables::Table> {
        crate::tables::Table::ALL
            .into_iter()
            .filter(|t| self.tables.contains_key(t.name()))
            .collect()
    }

    /// The file name of `table` in the output: as `files` lists it, else as the compression names it.
    pub fn file_of(&self, table: &str) -> String {
        self.files.get(table).cloned().unwrap_or_else(|| self.compression.file_name(table))
    }

    /// The shape of the output it describes.
    pub fn shape(&self) -> crate::shape::Shape {
        match self.diagnostic_settings {
            Some(_) => crate::shape::Shape::DiagnosticSettings,
            None => crate::shape::Shape::LogAnalytics,
        }
    }

    /// Reads a manifest; `None` when the directory holds none or it is not a tenantless manifest.
    pub fn read(dir: &Path) -> Option<Manifest> {
        Manifest::load(dir).ok()
    }

    /// Reads a manifest, or says why it cannot: missing, not a regular file, too large, not JSON
    /// (with line and column), or not written by tenantless.
    pub fn load(dir: &Path) -> Result<Manifest, FileError> {
        let path = dir.join(MANIFEST_FILE);
        let text = crate::input::read_text(&path, MAX_MANIFEST_BYTES)?;
        let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
            let text = e.to_string();
            let message = text.rsplit_once(" at line ").map_or(text.as_str(), |(m, _)| m);
            FileError::invalid(&path, &text, Some((e.line(), e.column())), message)
        })?;
        if manifest.tool != TOOL_NAME {
            let message = format!("not a tenantless manifest (tool is `{}`)", manifest.tool);
            return Err(FileError::invalid(&path, &text, None, message));
        }
        Ok(manifest)
    }
}
