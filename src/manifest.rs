//! `manifest.json`: what a `generate` run wrote, from what, and the ground truth of its anomalies.

use crate::scenario::model::AnomalyKind;
use crate::tables::RecordKey;
use crate::verify::error::FileError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const MANIFEST_FILE: &str = "manifest.json";
pub const TOOL_NAME: &str = "tenantless";
/// Version of the manifest's own layout, bumped whenever a field or a spelling changes.
/// 2: identity kinds and anomaly kinds are written as scenarios spell them (`system_assigned_mi`),
/// not as Rust names (`SystemAssignedMi`).
pub const MANIFEST_FORMAT: u32 = 2;

fn format_before_versioning() -> u32 {
    1
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub tool: String,
    /// The tool's version.
    pub version: String,
    /// The manifest layout's version ([`MANIFEST_FORMAT`]); 1 for manifests written before it existed.
    #[serde(default = "format_before_versioning")]
    pub format: u32,
    pub scenarios: Vec<ScenarioEntry>,
    pub seed: u64,
    pub time_range: TimeRange,
    /// Per table (all five, also when empty): records, bytes written, billed bytes.
    pub tables: BTreeMap<String, TableStats>,
    pub anomalies: Vec<Label>,
    /// Every identity with its IDs, so that queries' placeholders can be bound by name.
    #[serde(default)]
    pub identities: Vec<IdentityEntry>,
    /// The scenarios' expectations of rules, for `verify`.
    #[serde(default)]
    pub expectations: Vec<crate::scenario::model::ExpectationSpec>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IdentityEntry {
    pub scenario: String,
    pub name: String,
    pub kind: String,
    pub app_id: String,
    pub service_principal_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ScenarioEntry {
    pub name: String,
    pub path: String,
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
    pub start: String,
    pub end: String,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct TableStats {
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
    pub scenario: String,
    pub kind: AnomalyKind,
    /// True for a near-miss that must not count as the anomaly.
    pub benign: bool,
    pub identity: String,
    /// The identity's service principal object id.
    pub identity_id: String,
    /// Other names the identity appears under in the anomaly's records (e.g. after a rename).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Addresses the anomaly comes from (attacker or actor IPs).
    #[serde(default)]
    pub ips: Vec<String>,
    pub window: TimeRange,
    pub records: Vec<LabelRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct LabelRecord {
    pub table: String,
    pub column: String,
    pub value: String,
}

impl From<&RecordKey> for LabelRecord {
    fn from(key: &RecordKey) -> Self {
        Self {
            table: key.table.name().to_owned(),
            column: key.column.to_owned(),
            value: key.value.clone(),
        }
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
